//! Signing in and out, sessions and what ends them, roles, languages, escaping and the audit log.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_gives_a_session_that_forms_and_signing_out_protect() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);

    // Signed out, a page sends the browser to sign in, and back afterwards.
    let page = browser.get("/users?q=a").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/signin?next=%2Fusers%3Fq%3Da");

    // A wrong password: the form again, with the name kept and the reason.
    let page = browser.sign_in(ADMIN_UPN, "wrong").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your account or password is incorrect."),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("value=\"{ADMIN_UPN}\"")));
    assert!(browser.cookie("roster_session").is_none());

    // A sign-in form posted without the cookie its page set is refused (login CSRF).
    let mut other = Browser::new(&app);
    let form = browser.get("/signin").await;
    let page = other
        .post(
            "/signin",
            &[
                ("username", ADMIN_UPN),
                ("password", ADMIN_PASSWORD),
                ("csrf", &form.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(other.cookie("roster_session").is_none());

    let page = browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/");
    let cookie = page.set_cookie("roster_session").expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "ends with the browser: {cookie}"
    );

    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Contoso"),
        "the tenant's name: {}",
        home.body
    );
    for header in [
        "content-security-policy",
        "x-frame-options",
        "cache-control",
    ] {
        assert!(home.headers.contains_key(header), "{header}");
    }
    assert_eq!(home.headers["cache-control"], "no-store");

    // A form without the session's token changes nothing.
    let target = user_with_role(&app, "target", None).await;
    let page = browser
        .post(
            "/users/bulk",
            &[("action", "block"), ("id", &target), ("csrf", "forged")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/v1.0/users/{target}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        true
    );
    // With it, the change is made.
    let csrf = home.hidden("csrf");
    let page = browser
        .post(
            "/users/bulk",
            &[("action", "block"), ("id", &target), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{target}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        false
    );

    // Assigning from the list a license the user already holds keeps its switched-off apps.
    let e3 = app.buy("SPE_E3", 5).await;
    let plan = roster_core::catalog::Catalog::builtin()
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans[0]
        .service_plan_id
        .to_string();
    let reply = app
        .patch(
            &format!("/v1.0/users/{target}"),
            json!({ "usageLocation": "NL" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let reply = app
        .post(
            &format!("/v1.0/users/{target}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [plan] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let page = browser
        .post(
            "/users/bulk",
            &[
                ("action", "assign-license"),
                ("sku", &e3),
                ("id", &target),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    let held = app
        .get(&format!("/v1.0/users/{target}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        held.body["assignedLicenses"][0]["disabledPlans"],
        json!([plan]),
        "{:?}",
        held.body
    );

    // Signing out ends the session: its token is refused even when presented again.
    let token = browser.cookie("roster_session").unwrap().clone();
    let page = browser.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(browser.cookie("roster_session").is_none());
    browser.set("roster_session", &token);
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/signin"));
    let api = app
        .call(&token, reqwest::Method::GET, "/v1.0/users", None)
        .await;
    assert_eq!(
        api.status,
        StatusCode::UNAUTHORIZED,
        "the session's token is refused by the API too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_an_administrator_ends_its_sessions_at_once() {
    let app = spawn_app().await;
    let id = user_with_role(&app, "admin2", Some("User Administrator")).await;
    let mut browser = Browser::new(&app);
    let page = browser.sign_in(&format!("admin2@{DOMAIN}"), PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/users").await.status, StatusCode::OK);
    let reply = app
        .patch(
            &format!("/v1.0/users/{id}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let page = browser.get("/users").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the next request is refused"
    );
    // And it cannot sign in again.
    let page = browser.sign_in(&format!("admin2@{DOMAIN}"), PASSWORD).await;
    assert!(
        page.body.contains("blocked from signing in"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cookie_is_secure_under_tls() {
    let app = spawn_app_with(Options {
        tls: true,
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    let page = browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let cookie = page.set_cookie("roster_session").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_and_does_only_what_it_may() {
    let app = spawn_app().await;
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    user_with_role(&app, "plain", None).await;
    let colleague = user_with_role(&app, "colleague", None).await;
    let admin = app.get(&format!("/v1.0/users/{ADMIN_UPN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();

    // An account without an administrator role cannot use the admin center.
    let mut browser = Browser::new(&app);
    let page = browser.sign_in(&format!("plain@{DOMAIN}"), PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("does not have an administrator role"),
        "{}",
        page.body
    );

    let mut browser = Browser::new(&app);
    let page = browser
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        !home.body.contains("href=\"/audit\""),
        "no audit log in the navigation"
    );
    assert!(
        !home.body.contains("Recent changes"),
        "no audit records on the home page"
    );
    let audit = browser.get("/audit").await;
    assert_eq!(audit.status, StatusCode::FORBIDDEN);
    assert!(
        audit
            .body
            .contains("Your administrator role does not allow this.")
    );

    let users = browser.get("/users").await;
    assert!(users.body.contains("value=\"block\""), "helpdesk may block");
    assert!(!users.body.contains("value=\"delete\""), "but not delete");
    assert!(
        !users.body.contains("value=\"assign-license\""),
        "nor license"
    );
    let csrf = users.hidden("csrf");

    // The server refuses what the page did not offer, user by user.
    let page = browser
        .post(
            "/users/bulk",
            &[("action", "delete"), ("id", &colleague), ("csrf", &csrf)],
        )
        .await;
    assert!(page.body.contains("0 done, 1 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{colleague}")).await.status,
        StatusCode::OK
    );
    // A Helpdesk Administrator blocks users without roles, not administrators.
    let page = browser
        .post(
            "/users/bulk",
            &[
                ("action", "block"),
                ("id", &colleague),
                ("id", &admin),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(page.body.contains("1 done, 1 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{colleague}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        false
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/{admin}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        true
    );

    // A reset password is shown once and must be changed at the next sign-in.
    let page = browser
        .post(
            "/users/bulk",
            &[
                ("action", "reset-password"),
                ("id", &colleague),
                ("csrf", &csrf),
            ],
        )
        .await;
    let start = page
        .body
        .find("<code class=\"password\">")
        .expect("a password")
        + "<code class=\"password\">".len();
    let password = &page.body[start..start + page.body[start..].find('<').unwrap()];
    assert!(password.len() >= 16, "{password}");
    let token = app
        .password_token(&format!("colleague@{DOMAIN}"), password)
        .await;
    assert!(
        token.is_err(),
        "blocked, and the password must be changed first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_users_typed_is_shown_never_run() {
    let app = spawn_app().await;
    app.create_user("xss", json!({ "displayName": "<script>alert(1)</script>", "department": "\"><img src=x onerror=alert(2)>" })).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/users?q=xss").await;
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("<img src=x"));
    // A search typed with markup is written back escaped.
    let page = browser.get("/users?q=%3Cb%3Ebold").await;
    assert!(
        page.body.contains("value=\"&lt;b&gt;bold\""),
        "{}",
        page.body
    );
    // A path typed after next= cannot send the browser elsewhere.
    let form = browser.get("/signin?next=https://evil.example/").await;
    assert!(
        form.body.contains("name=\"next\" value=\"/\""),
        "{}",
        form.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_speak_the_browsers_language_until_another_is_chosen() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.language = Some("nl-NL,nl;q=0.9,en;q=0.5");
    let form = browser.get("/signin").await;
    assert!(form.body.contains("<html lang=\"nl\">") && form.body.contains("Aanmelden"));
    let page = browser.sign_in(ADMIN_UPN, "wrong").await;
    assert!(page.body.contains("Uw account of wachtwoord is onjuist."));
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let home = browser.get("/").await;
    assert!(
        home.body.contains("Actieve gebruikers")
            && home.body.contains("Gebruikers zonder licentie")
    );
    let page = browser.get("/language?to=en&back=/users").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/users");
    let users = browser.get("/users").await;
    assert!(users.body.contains("<html lang=\"en\">") && users.body.contains("Active users"));
    // Only local paths are gone back to.
    let page = browser.get("/language?to=nl&back=//evil.example").await;
    assert_eq!(page.location(), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_nothing_serves_is_a_page_for_a_browser_and_graphs_error_for_the_api() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.set("roster_lang", "nl");
    let page = browser.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("<html lang=\"nl\"") && page.body.contains("Deze pagina bestaat niet."),
        "{}",
        page.body
    );
    let page = browser.get("/v1.0/noSuchCollection").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let body: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(body["error"]["code"], "BadRequest");
    let reply = app.get("/no/such/page").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_whose_password_was_reset_changes_it_at_sign_in() {
    let app = spawn_app().await;
    let id = app
        .create_user(
            "fresh",
            json!({ "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": true } }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(
            "/roster/v1/roleAssignments",
            json!({ "principalId": id, "role": "User Administrator" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let upn = format!("fresh@{DOMAIN}");
    let mut browser = Browser::new(&app);

    // The right password: not a session yet, but the form to change it.
    let page = browser.sign_in(&upn, PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Update your password"), "{}", page.body);
    assert!(
        !page.body.contains(PASSWORD),
        "the typed password is not written back"
    );
    assert!(browser.cookie("roster_session").is_none());
    let csrf = page.hidden("csrf");
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        [
            ("username", upn.clone()),
            ("password", current.to_string()),
            ("new_password", new.to_string()),
            ("confirm", confirm.to_string()),
            ("csrf", csrf.clone()),
            ("next", "/users".to_string()),
        ]
    };
    for (form, refusal) in [
        (
            change(PASSWORD, "Another-Passw0rd!", "Other-Passw0rd!"),
            "do not match",
        ),
        (change(PASSWORD, "weakweak", "weakweak"), "too weak"),
        (change(PASSWORD, PASSWORD, PASSWORD), "must differ"),
        (
            change("wrong", "Another-Passw0rd!", "Another-Passw0rd!"),
            "incorrect",
        ),
    ] {
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = browser.post("/signin", &fields).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(refusal), "{refusal}: {}", page.body);
        assert!(browser.cookie("roster_session").is_none());
    }
    assert!(app.password_token(&upn, "Another-Passw0rd!").await.is_err());

    // Changed: signed in, on the page asked for; the new password is the one that works.
    let form = change(PASSWORD, "Another-Passw0rd!", "Another-Passw0rd!");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post("/signin", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/users");
    assert!(browser.cookie("roster_session").is_some());
    assert_eq!(browser.get("/users").await.status, StatusCode::OK);
    assert!(app.password_token(&upn, "Another-Passw0rd!").await.is_ok());
    assert!(app.password_token(&upn, PASSWORD).await.is_err());
    let log = app.get("/roster/v1/auditLogs?top=50").await;
    assert!(
        log.body["value"].as_array().unwrap().iter().any(|r| {
            r["activityDisplayName"] == "Reset user password"
                && r["initiatedBy"]["id"] == id.as_str()
        }),
        "the change is audited as the user's own: {}",
        log.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_filtered_by_activity_and_worded_in_the_pages_language() {
    let app = spawn_app().await;
    for alias in ["gone", "purged"] {
        let id = app.create_user(alias, json!({})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            app.delete(&format!("/v1.0/users/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
        if alias == "purged" {
            let reply = app
                .delete(&format!("/v1.0/directory/deletedItems/{id}"))
                .await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
        }
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;

    // Every activity is offered; one chosen shows that activity only (not "Hard delete user"
    // for "Delete user").
    let page = browser.get("/audit").await;
    for activity in roster_store::AUDIT_ACTIVITIES {
        assert!(
            page.body
                .contains(&format!("<option value=\"{activity}\">")),
            "{activity}"
        );
    }
    let page = browser.get("/audit?operation=Delete%20user").await;
    assert!(
        page.body.contains("class=\"count\">2 records"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<td>Hard delete user</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<option value=\"Delete user\" selected>")
    );
    let page = browser.get("/audit?operation=Hard%20delete%20user").await;
    assert!(
        page.body.contains("1 record") && page.body.contains("purged@"),
        "{}",
        page.body
    );
    let page = browser.get("/audit?operation=Submit%20bulk%20job").await;
    assert!(
        page.body.contains("class=\"count\">0 records"),
        "{}",
        page.body
    );

    // In Dutch, the activities are Dutch, in the table and in the filter.
    browser.set("roster_lang", "nl");
    let page = browser.get("/audit?operation=Hard%20delete%20user").await;
    assert!(
        page.body
            .contains("<td>Gebruiker definitief verwijderen</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(">Gebruiker verwijderen</option>"),
        "{}",
        page.body
    );
    // A date that cannot be read: beside the filter, in Dutch, with what was typed kept.
    let page = browser.get("/audit?from=31-12-2025&actor=ann").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Van: voer een datum in als JJJJ-MM-DD.")
            && page.body.contains("value=\"31-12-2025\"")
            && page.body.contains("name=\"actor\" value=\"ann\""),
        "{}",
        page.body
    );
}
