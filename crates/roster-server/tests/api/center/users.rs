//! The users pages: the list's filters and paging, a user's page and its changes, the add-a-user wizard, the recycle bin.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_sorts_and_pages_over_the_whole_tenant() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 10).await;
    for index in 0..130 {
        let department = if index % 2 == 0 { "Sales" } else { "Legal" };
        let country = if index % 3 == 0 { "NL" } else { "BE" };
        app.create_user(
            &format!("user{index:03}"),
            json!({ "department": department, "country": country, "usageLocation": "NL",
                    "givenName": if index % 10 == 0 { "Zoë" } else { "Ann" },
                    "surname": if index % 25 == 0 { "Vance" } else { "Berg" } }),
        )
        .await;
    }
    for alias in ["user000", "user002"] {
        let reply = app
            .post(
                &format!("/v1.0/users/{alias}@{DOMAIN}/assignLicense"),
                json!({ "addLicenses": [{ "skuId": sku }], "removeLicenses": [] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;

    let rows = |page: &Page| page.body.matches("name=\"id\" value=").count();
    let page = browser.get("/users").await;
    assert!(page.body.contains("131 users"), "130 and the administrator");
    assert_eq!(rows(&page), 100, "a page of 100");
    // Numbered pages: the current one marked, the others linked (with the filters kept).
    assert!(
        page.body.contains("<span aria-current=\"page\">1</span>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("href=\"/users?page=2\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("rel=\"next\" href=\"/users?page=2\""));
    assert!(!page.body.contains("rel=\"prev\""));
    let second = browser.get("/users?page=2").await;
    assert_eq!(rows(&second), 31);
    assert!(second.body.contains("<span aria-current=\"page\">2</span>"));
    assert!(
        second.body.contains("rel=\"prev\" href=\"/users\""),
        "{}",
        second.body
    );
    assert!(!second.body.contains("rel=\"next\""));
    // Sorted the other way, page 2 holds the first 31 in name order: no one is on both pages.
    let first_names = browser.get("/users?sort=displayName").await;
    let backwards = browser.get("/users?sort=displayName&desc=1&page=2").await;
    assert_eq!(rows(&backwards), 31);
    let ids = |page: &Page| -> Vec<String> {
        page.body
            .split("name=\"id\" value=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_string())
            .collect()
    };
    let first_ids = ids(&first_names);
    assert!(ids(&backwards).iter().all(|id| first_ids.contains(id)));
    // A filter with one page has no page numbers, nor the choice of every user matching.
    let one = browser.get("/users?department=Sales").await;
    assert!(!one.body.contains("<span aria-current=\"page\">"));
    assert!(!one.body.contains("name=\"scope\""));
    assert!(page.body.contains("name=\"scope\" value=\"matching\""));

    let page = browser.get("/users?department=Sales&country=NL").await;
    // Sales: even indexes; NL: multiples of 3; both: multiples of 6 below 130.
    assert!(page.body.contains("22 users"), "{}", page.body);
    assert_eq!(rows(&page), 22);
    let page = browser.get(&format!("/users?license={sku}")).await;
    assert!(
        page.body.contains("2 users")
            && page.body.contains("user000")
            && page.body.contains("user002")
    );
    assert_eq!(rows(&page), 2);
    let page = browser.get("/users?license=none").await;
    assert!(page.body.contains("129 users"), "{}", page.body);
    let page = browser.get("/users?q=user12").await;
    assert!(page.body.contains("10 users"), "user120..user129");
    assert_eq!(rows(&page), 10);
    // The search box matches the start of the first or last name too, in any (ASCII) case,
    // and with the filters beside it.
    let page = browser.get("/users?q=ZO%C3%AB").await;
    assert!(page.body.contains("13 users"), "{}", page.body);
    assert_eq!(rows(&page), 13);
    let page = browser.get("/users?q=vanc&department=Legal").await;
    assert!(
        page.body.contains("3 users")
            && page.body.contains("user025")
            && page.body.contains("user125"),
        "{}",
        page.body
    );
    assert_eq!(rows(&page), 3);
    let page = browser.get("/users?q=erg").await;
    assert_eq!(rows(&page), 0, "not the middle of a name");

    // Sorting by user name, descending: the last alias first.
    let page = browser.get("/users?sort=userPrincipalName&desc=1").await;
    let first = page.body.find("user129@").expect("user129");
    let later = page.body.find("user128@").expect("user128");
    assert!(first < later);

    // The column chooser: only the chosen columns.
    let page = browser.get("/users?cols=jobTitle&cols=created").await;
    assert!(
        page.body.contains("<th>Job title</th>") && page.body.contains("<th aria-sort"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(">Department<"));

    // The home page counts the same users, and follows deletions, blocks and guests.
    let card = |page: &Page, count: &str, label: &str| {
        let html =
            format!("<span class=\"count\">{count}</span><span class=\"label\">{label}</span>");
        assert!(page.body.contains(&html), "{html} in {}", page.body);
    };
    let home = browser.get("/").await;
    card(&home, "131", "Active users");
    card(&home, "129", "Users without licenses");
    card(&home, "0", "Blocked users");
    assert_eq!(
        app.delete(&format!("/v1.0/users/user000@{DOMAIN}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let reply = app
        .patch(
            &format!("/v1.0/users/user001@{DOMAIN}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    app.create_user("visitor", json!({ "userType": "Guest" }))
        .await;
    let home = browser.get("/").await;
    card(&home, "131", "Active users");
    card(&home, "130", "Users without licenses");
    card(&home, "1", "Blocked users");
    card(&home, "1", "Guests");

    // A bad filter value is a clear error, not a crash.
    let page = browser.get("/users?license=not-a-sku").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("This link to the list of users is not valid"),
        "{}",
        page.body
    );
    browser.set("roster_lang", "nl");
    let page = browser.get("/users?license=tampered").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("Deze koppeling naar de lijst met gebruikers is ongeldig"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_users_are_restored_or_deleted_for_good_as_roles_allow() {
    let app = spawn_app().await;
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let gone = app.create_user("gone", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let back = app.create_user("back", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [&gone, &back] {
        assert_eq!(
            app.delete(&format!("/v1.0/users/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
    }

    // A Helpdesk Administrator sees the recycle bin but may neither restore nor purge.
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/deleted").await;
    assert!(
        page.body.contains("gone@contoso.example") && page.body.contains("2 users"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("value=\"restore\"") && !page.body.contains("value=\"purge\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/deleted",
            &[("action", "restore"), ("id", &back), ("csrf", &csrf)],
        )
        .await;
    assert!(page.body.contains("0 done, 1 failed."), "{}", page.body);

    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/deleted").await;
    let csrf = page.hidden("csrf");
    // Nothing selected: the recycle bin again, saying so beside its list, and nothing done.
    let page = browser
        .post("/deleted", &[("action", "restore"), ("csrf", &csrf)])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("role=\"alert\">Select at least one user first."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"selection\""),
        "the list is there: {}",
        page.body
    );
    assert!(page.body.contains(&back), "{}", page.body);
    let page = browser
        .post(
            "/deleted",
            &[("action", "restore"), ("id", &back), ("csrf", &csrf)],
        )
        .await;
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{back}")).await.status,
        StatusCode::OK
    );
    // Deleting for good asks first, naming whom; only the confirmation deletes.
    let page = browser
        .post(
            "/deleted",
            &[("action", "purge"), ("id", &gone), ("csrf", &csrf)],
        )
        .await;
    assert!(
        page.body.contains("This user will be deleted permanently:")
            && page.body.contains("This cannot be undone"),
        "{}",
        page.body
    );
    assert_eq!(
        app.get(&format!("/v1.0/directory/deletedItems/{gone}"))
            .await
            .status,
        StatusCode::OK
    );
    let page = browser
        .post(
            "/deleted",
            &[
                ("action", "purge"),
                ("id", &gone),
                ("csrf", &csrf),
                ("confirmed", "yes"),
            ],
        )
        .await;
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    let reply = app
        .get(&format!("/v1.0/directory/deletedItems/{gone}"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let page = browser.get("/deleted").await;
    assert!(page.body.contains("0 users"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_add_a_user_wizard_checks_each_step_and_creates_the_user_with_its_license() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 2).await;
    app.create_user("taken", json!({})).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/users/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("aria-current=\"step\">Basics"),
        "{}",
        page.body
    );
    let csrf = page.hidden("csrf");
    let basics = |alias: &'static str, name: &'static str| {
        vec![
            ("step", "1"),
            ("givenName", "Ada"),
            ("surname", "Lovelace"),
            ("displayName", name),
            ("alias", alias),
            ("domain", DOMAIN),
            ("password", "generate"),
            ("forceChange", "on"),
        ]
    };

    // A required field left empty: the same step, the reason beside it, the rest kept.
    let mut form = basics("ada", "");
    form.extend([("csrf", csrf.as_str()), ("go", "2")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("id=\"f-displayName-error\"")
            && page.body.contains("This field is required."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"ada\"") && page.body.contains("value=\"Lovelace\""));

    // Basics done: the licenses step, with the basics carried along.
    let mut form = basics("ada", "Ada Lovelace");
    form.extend([("csrf", csrf.as_str()), ("go", "2")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("aria-current=\"step\">Product licenses"));
    assert!(
        page.body
            .contains("type=\"hidden\" name=\"displayName\" value=\"Ada Lovelace\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("2 of 2 available"));

    // A license without a usage location is refused on its step.
    let mut form = basics("ada", "Ada Lovelace");
    form.extend([
        ("step", "2"),
        ("sku", sku.as_str()),
        ("usageLocation", ""),
        ("csrf", csrf.as_str()),
        ("go", "4"),
    ]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("Choose the country or region where the user will use the licenses"),
        "{}",
        page.body
    );

    // Through to the end: the user, its license and its properties, in one go.
    let mut form = basics("ada", "Ada Lovelace");
    form.extend([
        ("sku", sku.as_str()),
        ("usageLocation", "nl"),
        ("department", "Research"),
        ("city", "London"),
        ("step", "5"),
        ("csrf", csrf.as_str()),
        ("go", "create"),
    ]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("ada@contoso.example has been added."),
        "{}",
        page.body
    );
    let marker = "<code class=\"password\" id=\"new-password\">";
    let start = page.body.find(marker).expect("the password, once") + marker.len();
    let password = page.body[start..start + page.body[start..].find('<').unwrap()].to_string();
    let user = app.get(&format!("/v1.0/users/ada@{DOMAIN}?$select=displayName,department,city,usageLocation,assignedLicenses")).await.body;
    assert_eq!(user["displayName"], "Ada Lovelace");
    assert_eq!(user["department"], "Research");
    assert_eq!(user["usageLocation"], "NL");
    assert_eq!(user["assignedLicenses"][0]["skuId"], sku.as_str());
    // The finish page links to the new user.
    let id = app.get(&format!("/v1.0/users/ada@{DOMAIN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        page.body
            .contains(&format!("<a href=\"/users/{id}\">Open the user</a>")),
        "{}",
        page.body
    );
    let refused = app
        .password_token(&format!("ada@{DOMAIN}"), &password)
        .await
        .unwrap_err();
    assert!(
        refused.body.to_string().contains("AADSTS50055"),
        "the password is right and must be changed: {:?}",
        refused.body
    );

    // A user name that is taken: refused as the basics are left, not only at the end.
    let mut form = basics("taken", "Someone Else");
    form.extend([("csrf", csrf.as_str()), ("go", "2")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("Another user already has this user name."),
        "{}",
        page.body
    );
    // And as it is typed: the check the page's script asks.
    let check =
        |alias: &str, domain: &str| format!("/users/check-name?alias={alias}&domain={domain}");
    let answer = browser.get(&check("taken", DOMAIN)).await;
    let answer: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(answer["valid"], false);
    assert_eq!(
        answer["message"],
        "Another user already has this user name."
    );
    let answer: serde_json::Value =
        serde_json::from_str(&browser.get(&check("a%20b", DOMAIN)).await.body).unwrap();
    assert_eq!(answer["valid"], false, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("“ ”"),
        "{answer}"
    );
    let answer: serde_json::Value =
        serde_json::from_str(&browser.get(&check("free", "elsewhere.example")).await.body).unwrap();
    assert_eq!(answer["valid"], false, "{answer}");
    let answer: serde_json::Value =
        serde_json::from_str(&browser.get(&check("free", DOMAIN)).await.body).unwrap();
    assert_eq!(
        answer,
        json!({ "valid": true, "message": "This user name is free." })
    );

    // The same at the end: back on the basics, beside the user name, nothing written.
    let mut form = basics("taken", "Someone Else");
    form.extend([("step", "5"), ("csrf", csrf.as_str()), ("go", "create")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("aria-current=\"step\">Basics"));
    assert!(
        page.body
            .contains("Another user already has this user name."),
        "{}",
        page.body
    );
    let skus = app.get("/v1.0/subscribedSkus").await.body;
    assert_eq!(skus["value"][0]["consumedUnits"], 1);

    // A Helpdesk Administrator may not create users.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    assert!(
        !helpdesk
            .get("/users")
            .await
            .body
            .contains("href=\"/users/new\"")
    );
    assert_eq!(
        helpdesk.get("/users/new").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_page_offers_only_what_may_be_done_to_that_user() {
    let app = spawn_app().await;
    user_with_role(&app, "useradmin", Some("User Administrator")).await;
    let plain = user_with_role(&app, "plain", None).await;
    let global = user_with_role(&app, "global", Some("Global Administrator")).await;
    let mut browser = Browser::new(&app);
    browser
        .sign_in(&format!("useradmin@{DOMAIN}"), PASSWORD)
        .await;
    let offered = |body: &str| {
        [
            "name=\"form\" value=\"password\"",
            "value=\"block\"",
            "value=\"revoke-sessions\"",
            "name=\"form\" value=\"upn\"",
            "name=\"form\" value=\"manager\"",
        ]
        .map(|marker| body.contains(marker))
    };
    let page = browser.get(&format!("/users/{plain}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(offered(&page.body), [true; 5], "{}", page.body);
    // A User Administrator changes no Global Administrator: nothing is offered that the
    // server would refuse.
    let page = browser.get(&format!("/users/{global}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(offered(&page.body), [false; 5], "{}", page.body);
    let csrf = page.hidden("csrf");
    let page = browser
        .post(
            &format!("/users/{global}"),
            &[("csrf", &csrf), ("form", "manager"), ("manager", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_page_changes_its_user_name_manager_and_apps() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    app.add_domain("fabrikam.example").await;
    let ann = app
        .create_user("ann", json!({ "usageLocation": "NL" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user("taken", json!({})).await;
    let boss = app.create_user("boss", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(
            &format!("/v1.0/users/{ann}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3 }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let details = format!("/users/{ann}");
    let page = browser.get(&details).await;
    let csrf = page.hidden("csrf");
    assert!(
        page.body.contains("<option value=\"fabrikam.example\">"),
        "{}",
        page.body
    );

    // A user name already taken: the page again, the error beside the form, the alias kept.
    let page = browser.rename(&details, &csrf, "taken", DOMAIN).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("name=\"alias\" value=\"taken\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Another user already has this user name."),
        "{}",
        page.body
    );
    // In Dutch, in Dutch.
    browser.set("roster_lang", "nl");
    let page = browser.rename(&details, &csrf, "taken", DOMAIN).await;
    assert!(
        page.body
            .contains("Een andere gebruiker heeft deze gebruikersnaam al."),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");
    let page = browser.rename(&details, &csrf, "a b", DOMAIN).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("the character “ ” is not allowed before @"),
        "{}",
        page.body
    );
    // What is wrong with a value is worded in Dutch too.
    browser.set("roster_lang", "nl");
    let page = browser.rename(&details, &csrf, "a b", DOMAIN).await;
    assert!(
        page.body
            .contains("Gebruikersnaam is ongeldig: het teken “ ” is niet toegestaan vóór @."),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");
    // A domain the organisation does not have is refused too.
    let page = browser
        .rename(&details, &csrf, "ann", "elsewhere.example")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    // Without the form's token, nothing changes.
    let page = browser
        .post(
            &details,
            &[("form", "upn"), ("alias", "annie"), ("domain", DOMAIN)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Renamed into the other domain.
    let page = browser
        .rename(&details, &csrf, "ann.smit", "fabrikam.example")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app.get(&format!("/v1.0/users/{ann}")).await;
    assert_eq!(user.body["userPrincipalName"], "ann.smit@fabrikam.example");

    // The manager, by user name; an unknown one is refused beside the field; empty removes it.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "manager"),
                ("manager", "nobody@contoso.example"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("No active user has this user name."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"nobody@contoso.example\""));
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "manager"),
                ("manager", &format!("boss@{DOMAIN}")),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let manager = app.get(&format!("/v1.0/users/{ann}/manager")).await;
    assert_eq!(manager.body["id"], boss.as_str());
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "manager"), ("manager", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let manager = app.get(&format!("/v1.0/users/{ann}/manager")).await;
    assert_eq!(manager.status, StatusCode::NOT_FOUND);
    // Saved empty again, with no manager to remove: nothing to do, not an error.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "manager"), ("manager", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Apps: only of a license the user holds directly; a form for another is refused and
    // assigns nothing.
    let emspart = app.buy("EMS", 5).await;
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "plans"), ("sku", &emspart)],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(user.body["assignedLicenses"].as_array().unwrap().len(), 1);

    // Apps: every plan of the license but one left on switches that one off.
    let catalog = roster_core::catalog::Catalog::builtin();
    let plans: Vec<String> = catalog
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans
        .iter()
        .map(|plan| plan.service_plan_id.to_string())
        .collect();
    let page = browser.get(&details).await;
    assert!(
        page.body
            .contains(&format!("name=\"plan\" value=\"{}\" checked", plans[1]))
    );
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("form", "plans"), ("sku", &e3)];
    for plan in plans.iter().skip(1) {
        form.push(("plan", plan));
    }
    let page = browser.post(&details, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        user.body["assignedLicenses"][0]["disabledPlans"],
        json!([plans[0]])
    );
    let page = browser.get(&details).await;
    assert!(
        page.body
            .contains(&format!("name=\"plan\" value=\"{}\">", plans[0])),
        "switched off: unchecked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helpdesk_administrator_cannot_rename_an_administrator_or_change_apps() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    user_with_role(&app, "desk", Some("Helpdesk Administrator")).await;
    let admin = user_with_role(&app, "other-admin", Some("User Administrator")).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&format!("desk@{DOMAIN}"), PASSWORD).await;
    let details = format!("/users/{admin}");
    let page = browser.get(&details).await;
    let csrf = page.hidden("csrf");
    // The forms are not offered, and the server refuses them whatever is sent.
    assert!(!page.body.contains("name=\"alias\""), "{}", page.body);
    let page = browser.rename(&details, &csrf, "renamed", DOMAIN).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "plans"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let user = app.get(&format!("/v1.0/users/{admin}")).await;
    assert_eq!(
        user.body["userPrincipalName"],
        format!("other-admin@{DOMAIN}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_puts_the_new_user_in_the_groups_chosen_in_one_go() {
    let app = spawn_app().await;
    let sales = app.create_group("Sales").await;
    let support = app.create_group("Support").await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/users/new").await.hidden("csrf");
    let basics = [
        ("givenName", "Grace"),
        ("surname", "Hopper"),
        ("displayName", "Grace Hopper"),
        ("alias", "grace"),
        ("domain", DOMAIN),
        ("password", "generate"),
        ("csrf", csrf.as_str()),
    ];
    // The groups step, with groups found by the start of their names.
    let mut form = basics.to_vec();
    form.extend([("step", "2"), ("go", "3")]);
    let page = browser.post("/users/new", &form).await;
    assert!(
        page.body.contains("aria-current=\"step\">Groups"),
        "{}",
        page.body
    );
    let mut form = basics.to_vec();
    form.extend([("step", "3"), ("groupFind", "sal"), ("go", "3")]);
    let page = browser.post("/users/new", &form).await;
    assert!(
        page.body
            .contains(&format!("name=\"group\" value=\"{sales}\"")),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("value=\"{support}\"")));
    let found = browser.get("/users/new/groups-found?find=Sup").await;
    assert!(
        found.body.contains(&format!("value=\"{support}\"")),
        "{}",
        found.body
    );
    // Chosen, carried through the other steps, named at the end, and made in one go.
    let mut form = basics.to_vec();
    form.extend([
        ("step", "3"),
        ("group", sales.as_str()),
        ("group", support.as_str()),
        ("go", "5"),
    ]);
    let page = browser.post("/users/new", &form).await;
    assert!(page.body.contains("Sales, Support"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("type=\"hidden\" name=\"group\" value=\"{sales}\""))
    );
    let mut form = basics.to_vec();
    form.extend([
        ("step", "5"),
        ("group", sales.as_str()),
        ("group", support.as_str()),
        ("go", "create"),
    ]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let id = app.get(&format!("/v1.0/users/grace@{DOMAIN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    for group in [&sales, &support] {
        let members = app.get(&format!("/v1.0/groups/{group}/members")).await;
        assert_eq!(members.body["value"][0]["id"], id.as_str());
    }
    // A group that is gone by the end: nothing is created, and the groups step says why.
    let mut form = basics.to_vec();
    let gone = "01a2519d-76ed-7692-b1fa-55913332aedb";
    form[3] = ("alias", "grace2");
    form.extend([("step", "5"), ("group", gone), ("go", "create")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("aria-current=\"step\">Groups"),
        "{}",
        page.body
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/grace2@{DOMAIN}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_for_every_user_the_filters_find_asks_first_and_runs_as_a_job() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 200).await;
    for index in 0..105 {
        app.create_user(
            &format!("crew{index:03}"),
            json!({ "usageLocation": "NL", "department": "Crew" }),
        )
        .await;
    }
    app.create_user("bystander", json!({ "usageLocation": "NL" }))
        .await;
    let (mut browser, csrf) = signed_in(&app).await;
    let page = browser.get("/users?department=Crew").await;
    assert!(
        page.body
            .contains("All 105 users the filters find, not only those selected"),
        "{}",
        page.body
    );
    let list = page.hidden("list");
    assert_eq!(list, "department=Crew");
    let every = |action: &'static str, confirmed: Option<&str>| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("action", action.to_string()),
            ("sku", sku.clone()),
            ("scope", "matching".to_string()),
            ("list", list.clone()),
        ];
        if let Some(count) = confirmed {
            form.push(("confirmed", "yes".into()));
            form.push(("digest", count.into()));
        }
        form
    };
    // Asked first: how many, the first of them by name, and that it runs as a job.
    let asked = send_bulk(&mut browser, every("assign-license", None)).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(
        asked
            .body
            .contains("This is for every user the list's filters find: 105 users."),
        "{}",
        asked.body
    );
    assert!(asked.body.contains("crew000@") && asked.body.contains("and 85 more"));
    assert!(asked.body.contains("It runs as a bulk job"));
    assert!(
        browser
            .get(&format!("/users?license={sku}"))
            .await
            .body
            .contains("0 users")
    );
    // Confirmed for users the list no longer finds (one joined the department since, one
    // left it: the same count): asked again, with the list as it is now.
    let digest = asked.hidden("digest");
    app.create_user(
        "newcomer",
        json!({ "usageLocation": "NL", "department": "Crew" }),
    )
    .await;
    app.patch(
        &format!("/v1.0/users/crew104@{DOMAIN}"),
        json!({ "department": "Elsewhere" }),
    )
    .await;
    let again = send_bulk(&mut browser, every("assign-license", Some(&digest))).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(
        again
            .body
            .contains("The list has changed since it was counted"),
        "{}",
        again.body
    );
    assert!(again.body.contains("105 users"), "{}", again.body);
    assert!(
        browser
            .get(&format!("/users?license={sku}"))
            .await
            .body
            .contains("0 users")
    );
    let digest = again.hidden("digest");
    let started = send_bulk(&mut browser, every("assign-license", Some(&digest))).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert!(
        started.location().starts_with("/jobs/"),
        "{}",
        started.location()
    );
    app.drain_jobs().await;
    let job = browser.get(started.location()).await;
    assert!(job.body.contains("105"), "{}", job.body);
    let licensed = browser.get(&format!("/users?license={sku}")).await;
    assert!(licensed.body.contains("105 users"), "{}", licensed.body);
    assert!(!licensed.body.contains("bystander"));

    // Removing a license from selected users asks first too, naming the license.
    let crew000 = app.get(&format!("/v1.0/users/crew000@{DOMAIN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let remove = [
        ("csrf", csrf.as_str()),
        ("action", "remove-license"),
        ("sku", sku.as_str()),
        ("id", crew000.as_str()),
    ];
    let asked = browser.post("/users/bulk", &remove).await;
    assert!(
        asked
            .body
            .contains("Microsoft 365 E3: held by 1 of them now"),
        "{}",
        asked.body
    );
    assert!(
        browser
            .get(&format!("/users?license={sku}"))
            .await
            .body
            .contains("105 users")
    );
    let done = browser
        .post(
            "/users/bulk",
            &[&remove[..], &[("confirmed", "yes")]].concat(),
        )
        .await;
    assert!(done.body.contains("1 done, 0 failed"), "{}", done.body);
    assert!(
        browser
            .get(&format!("/users?license={sku}"))
            .await
            .body
            .contains("104 users")
    );

    // A deletion of every match names the seats it frees; nothing is deleted until confirmed.
    let asked = send_bulk(&mut browser, every("delete", None)).await;
    let digest = asked.hidden("digest");
    assert!(
        asked.body.contains("These 105 users will be deleted"),
        "{}",
        asked.body
    );
    assert!(
        asked.body.contains("Microsoft 365 E3: 104"),
        "{}",
        asked.body
    );
    assert!(
        browser
            .get("/users?department=Crew")
            .await
            .body
            .contains("105 users")
    );
    let started = send_bulk(&mut browser, every("delete", Some(&digest))).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    app.drain_jobs().await;
    assert!(
        browser
            .get("/users?department=Crew")
            .await
            .body
            .contains("0 users")
    );
    assert!(browser.get("/users").await.body.contains("bystander"));

    // One whose roles do not allow the action is refused before the list is read.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), super::PASSWORD)
        .await;
    let helpdesk_csrf = helpdesk.get("/").await.hidden("csrf");
    let refused = helpdesk
        .post(
            "/users/bulk",
            &[
                ("csrf", helpdesk_csrf.as_str()),
                ("action", "delete"),
                ("scope", "matching"),
                ("list", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // An action the page does not offer is refused in the page's language.
    browser.set("roster_lang", "nl");
    let page = send_bulk(&mut browser, every("nonsense", None)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Deze actie is onbekend"),
        "{}",
        page.body
    );
}

async fn send_bulk(browser: &mut Browser, form: Vec<(&'static str, String)>) -> Page {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post("/users/bulk", &fields).await
}
