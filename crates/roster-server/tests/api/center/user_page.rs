//! A user's page as an administrator lives in it: each section saved on its own with what
//! changed confirmed, refusals beside their fields, the usage location from a list of
//! countries, licenses, groups (with the picker) and roles changed in place, a password reset
//! shown on the page, and a deletion that says first what it will do.

use super::*;
use serde_json::Value as Json;

fn id_of(user: Json) -> String {
    user["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_section_is_saved_on_its_own_and_says_what_changed() {
    let app = spawn_app().await;
    let ann = id_of(
        app.create_user(
            "ann",
            json!({ "displayName": "Ann Smit", "department": "Sales", "mobilePhone": "+31 6 1234" }),
        )
        .await,
    );
    let (mut browser, csrf) = signed_in(&app).await;
    let details = format!("/users/{ann}");
    let page = browser.get(&details).await;
    assert!(
        page.body
            .contains(r#"<label for="p-department">Department</label><input id="p-department" name="department" value="Sales""#),
        "{}",
        page.body
    );

    // The account section: only what differs is written, and named.
    let account = |department: &'static str, title: &'static str, hired: &'static str| {
        vec![
            ("form", "account"),
            ("displayName", "Ann Smit"),
            ("givenName", ""),
            ("surname", ""),
            ("jobTitle", title),
            ("department", department),
            ("companyName", ""),
            ("officeLocation", ""),
            ("employeeId", ""),
            ("employeeHireDate", hired),
            ("preferredLanguage", ""),
        ]
    };
    let mut form = account("Marketing", "Buyer", "2026-03-01");
    form.push(("csrf", &csrf));
    let page = browser.post(&details, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location(),
        format!("/users/{ann}?saved=jobTitle,department,employeeHireDate#account")
    );
    let after = browser.get(page.location()).await;
    assert!(
        after
            .body
            .contains("Saved: Job title, Department, Hire date."),
        "{}",
        after.body
    );
    browser.set("roster_lang", "nl");
    let after = browser.get(page.location()).await;
    assert!(
        after
            .body
            .contains("Opgeslagen: Functie, Afdeling, Datum in dienst."),
        "{}",
        after.body
    );
    browser.set("roster_lang", "en");
    let user = app
        .get(&format!(
            "/v1.0/users/{ann}?$select=department,jobTitle,employeeHireDate,mobilePhone"
        ))
        .await;
    assert_eq!(user.body["department"], "Marketing");
    assert_eq!(user.body["jobTitle"], "Buyer");
    assert_eq!(user.body["employeeHireDate"], "2026-03-01T00:00:00Z");
    // Another section's values are untouched.
    assert_eq!(user.body["mobilePhone"], "+31 6 1234");

    // Saved again as it is: nothing changes, and the page says so.
    let page = browser.post(&details, &form).await;
    assert_eq!(page.location(), format!("/users/{ann}?saved=#account"));
    let after = browser.get(page.location()).await;
    assert!(after.body.contains("Nothing changed"), "{}", after.body);

    // Refused values are said beside their own fields, what was typed is kept, and nothing of
    // the form is written (the good new name neither).
    const LONG: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    let mut bad = account(LONG, "Buyer", "1 March");
    bad[1] = ("displayName", "Ann de Vries");
    bad.push(("csrf", &csrf));
    let page = browser.post(&details, &bad).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains(r#"id="p-department-error""#)
            && page.body.contains(r#"id="p-employeeHireDate-error""#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("longer than 64 characters"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="Ann de Vries""#));
    assert!(page.body.contains(r#"value="1 March""#));
    let user = app.get(&format!("/v1.0/users/{ann}")).await;
    assert_eq!(user.body["displayName"], "Ann Smit");

    // Contact information: lists one item per line.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "contact"),
                ("otherMails", "ann@home.example\r\nann@club.example"),
                ("city", "Utrecht"),
            ],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/users/{ann}?saved=otherMails,city#contact")
    );
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=otherMails,city"))
        .await;
    assert_eq!(
        user.body["otherMails"],
        json!(["ann@home.example", "ann@club.example"])
    );

    // The confirmation names only properties: anything else in the address is not shown.
    let page = browser
        .get(&format!("/users/{ann}?saved=%3Cb%3Ehi%3C/b%3E,city"))
        .await;
    assert!(page.body.contains("Saved: City."), "{}", page.body);
    assert!(!page.body.contains("hi</b>") && !page.body.contains("&lt;b&gt;"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_groups_and_roles_change_from_the_users_page() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 2).await;
    let ann = id_of(app.create_user("ann", json!({})).await);
    let sales = app.create_group("Sales").await;
    let dynamic = app
        .create_dynamic_group("Sales everyone", "user.department -eq \"Sales\"")
        .await;
    let (mut browser, csrf) = signed_in(&app).await;
    let details = format!("/users/{ann}");

    // A license needs a usage location first: refused beside the license form.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "license-add"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Set the user's usage location first"),
        "{}",
        page.body
    );
    // The usage location, chosen from the countries by name.
    let page = browser.get(&details).await;
    assert!(
        page.body
            .contains(r#"<option value="NL">Netherlands</option>"#)
    );
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "location"),
                ("usageLocation", "NL"),
            ],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/users/{ann}?saved=usageLocation#licenses")
    );
    browser.set("roster_lang", "nl");
    let page = browser.get(&details).await;
    assert!(
        page.body
            .contains(r#"<option value="NL" selected>Nederland</option>"#),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "location"),
                ("usageLocation", "XX"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);

    // Assigned, then removed.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "license-add"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!(
            "/v1.0/users/{ann}?$select=assignedLicenses,usageLocation"
        ))
        .await;
    assert_eq!(user.body["usageLocation"], "NL");
    assert_eq!(user.body["assignedLicenses"][0]["skuId"], e3.as_str());
    // Removing it asks first (a page of the server's, so without the script too), naming it.
    let page = browser.get(&details).await;
    let ask = format!("/users/{ann}?ask=remove-license&amp;sku={e3}#confirm");
    assert!(page.body.contains(&ask), "{}", page.body);
    let page = browser
        .get(&format!("/users/{ann}?ask=remove-license&sku={e3}"))
        .await;
    assert!(
        page.body.contains("Remove Microsoft 365 E3 from ")
            && page
                .body
                .contains("Its apps stop working for the user, and a seat is freed."),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"name="form" value="license-remove""#));
    assert_eq!(
        app.get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
            .await
            .body["assignedLicenses"][0]["skuId"],
        e3.as_str(),
        "asking changes nothing"
    );
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "license-remove"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(user.body["assignedLicenses"], json!([]));

    // The group picker finds groups by the start of their names, not those a rule fills.
    let page = browser.get(&format!("/users/{ann}?find=sal")).await;
    assert!(
        page.body
            .contains(&format!(r#"name="group" value="{sales}""#)),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!(r#"value="{dynamic}""#)));
    let found = browser
        .get(&format!("/users/{ann}/groups-found?find=Sal"))
        .await;
    assert!(found.body.contains("Add to Sales"), "{}", found.body);
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "group-add"), ("group", &sales)],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/users/{ann}?saved=memberOf#groups")
    );
    let members = app.get(&format!("/v1.0/groups/{sales}/members")).await;
    assert_eq!(members.body["value"][0]["id"], ann.as_str());
    // Once a member, the picker no longer offers it, and the page offers its removal.
    let found = browser
        .get(&format!("/users/{ann}/groups-found?find=Sal"))
        .await;
    assert!(!found.body.contains("Add to Sales<"), "{}", found.body);
    let page = browser.get(&details).await;
    assert!(page.body.contains("Remove from Sales"), "{}", page.body);
    let page = browser
        .get(&format!("/users/{ann}?ask=leave&group={sales}"))
        .await;
    assert!(
        page.body.contains(" from Sales?")
            && page
                .body
                .contains("The group gives no licenses: they keep every license they have."),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"name="form" value="group-remove""#));
    // A group that is not there is refused in words.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "group-add"), ("group", &ann)],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "group-remove"), ("group", &sales)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let members = app.get(&format!("/v1.0/groups/{sales}/members")).await;
    assert_eq!(members.body["value"], json!([]));

    // Roles: given and taken on the user's page.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "role-add"),
                ("role", "Helpdesk Administrator"),
            ],
        )
        .await;
    assert_eq!(page.location(), format!("/users/{ann}?saved=roles#roles"));
    let page = browser.get(&details).await;
    let roles = page.body.split("id=\"roles\"").nth(1).unwrap();
    assert!(roles.contains("Helpdesk Administrator"), "{roles}");
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "role-remove"),
                ("role", "Helpdesk Administrator"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&details).await;
    assert!(page.body.contains("No administrator roles."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_is_shown_on_the_users_page() {
    let app = spawn_app().await;
    let ann = user_with_role(&app, "ann", Some("Helpdesk Administrator")).await;
    let (mut browser, csrf) = signed_in(&app).await;
    let details = format!("/users/{ann}");

    // A typed password that breaks the rule is refused beside its field; nothing changes.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "password"),
                ("password", "own"),
                ("newPassword", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("The password is too weak"),
        "{}",
        page.body
    );
    assert!(
        app.password_token(&format!("ann@{DOMAIN}"), PASSWORD)
            .await
            .is_ok()
    );

    // Generated, without a change required: shown once on the page, and it signs in.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "password"),
                ("password", "generate"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("The password has been reset."));
    assert!(!page.body.contains("must change it"));
    let marker = r#"id="new-password">"#;
    let start = page.body.find(marker).expect("the password") + marker.len();
    let end = start + page.body[start..].find('<').unwrap();
    let generated = page.body[start..end].to_string();
    assert!(generated.len() >= 12, "{generated}");
    assert!(
        app.password_token(&format!("ann@{DOMAIN}"), &generated)
            .await
            .is_ok()
    );
    assert!(
        app.password_token(&format!("ann@{DOMAIN}"), PASSWORD)
            .await
            .is_err()
    );

    // Typed, with a change required at the next sign-in: said, and no password shown.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "password"),
                ("password", "own"),
                ("newPassword", "Typed-Passw0rd!"),
                ("forceChange", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("The user must change it at the next sign-in.")
    );
    assert!(!page.body.contains(r#"id="new-password""#));
    // The password is the typed one, and must be changed before it gives a token.
    let refused = app
        .password_token(&format!("ann@{DOMAIN}"), "Typed-Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(
        refused.body["error_codes"],
        json!([50055]),
        "{:?}",
        refused.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_says_first_how_many_and_which_licenses_are_freed() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    let mut ids = Vec::new();
    for alias in ["ann", "bob"] {
        let id = id_of(
            app.create_user(alias, json!({ "usageLocation": "NL" }))
                .await,
        );
        let reply = app
            .post(
                &format!("/v1.0/users/{id}/assignLicense"),
                json!({ "addLicenses": [{ "skuId": e3 }], "removeLicenses": [] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        ids.push(id);
    }
    let (mut browser, csrf) = signed_in(&app).await;
    let form = |confirmed: bool| {
        let mut form = vec![("csrf", csrf.as_str()), ("action", "delete")];
        form.extend(ids.iter().map(|id| ("id", id.as_str())));
        if confirmed {
            form.push(("confirmed", "yes"));
        }
        form
    };
    let page = browser.post("/users/bulk", &form(false)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("These 2 users will be deleted"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Microsoft 365 E3: 2"), "{}", page.body);
    assert!(page.body.contains(r#"name="confirmed" value="yes""#));
    // Nothing is deleted until it is confirmed.
    assert_eq!(
        app.get(&format!("/v1.0/users/{}", ids[0])).await.status,
        StatusCode::OK
    );
    let page = browser.post("/users/bulk", &form(true)).await;
    assert!(page.body.contains("2 done, 0 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{}", ids[0])).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_exports_every_user_it_finds_in_a_file_an_import_reads_back() {
    let app = spawn_app().await;
    for n in 0..3 {
        app.create_user(
            &format!("sales{n}"),
            json!({ "department": "Sales", "usageLocation": "NL", "otherMails": [format!("s{n}@home.example")] }),
        )
        .await;
    }
    app.create_user("buyer", json!({ "department": "Purchasing" }))
        .await;
    let (mut browser, _) = signed_in(&app).await;
    let page = browser.get("/users?department=Sales").await;
    assert!(
        page.body
            .contains("href=\"/users/export.csv?department=Sales\""),
        "{}",
        page.body
    );
    let file = browser.get("/users/export.csv?department=Sales").await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("users.csv")
    );
    let parsed = roster_csv::new_users::parse(file.body.as_bytes()).expect("an import reads it");
    let rows: Vec<_> = parsed
        .rows
        .into_iter()
        .map(|row| row.expect("every row reads back"))
        .collect();
    let mut names: Vec<String> = rows
        .iter()
        .map(|row| row.user_principal_name.to_string())
        .collect();
    names.sort();
    assert_eq!(names, [0, 1, 2].map(|n| format!("sales{n}@{DOMAIN}")));
    let first = &rows[0];
    assert_eq!(first.department.as_deref(), Some("Sales"));
    assert_eq!(
        first.usage_location.map(|l| l.to_string()).as_deref(),
        Some("NL")
    );
    assert_eq!(first.other_mails.len(), 1);
    assert!(first.id.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_users_page_offers_its_restore() {
    let app = spawn_app().await;
    let ann = id_of(app.create_user("ann", json!({})).await);
    assert_eq!(
        app.delete(&format!("/v1.0/users/{ann}")).await.status,
        StatusCode::NO_CONTENT
    );
    let (mut browser, csrf) = signed_in(&app).await;
    let page = browser.get(&format!("/users/{ann}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("is in the recycle bin"), "{}", page.body);
    assert!(page.body.contains("value=\"restore\""));
    let page = browser
        .post(
            "/deleted",
            &[("csrf", &csrf), ("id", &ann), ("action", "restore")],
        )
        .await;
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    let page = browser.get(&format!("/users/{ann}")).await;
    assert!(page.body.contains("id=\"account\""), "{}", page.body);
    // A user purged for good, or one that never was, is not found.
    let page = browser
        .get("/users/01a2519d-76ed-7692-b1fa-55913332aedb")
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_aliases_are_each_one_users_and_in_the_organisations_domains() {
    let app = spawn_app().await;
    let ann = id_of(
        app.create_user("ann", json!({ "displayName": "Ann Smit" }))
            .await,
    );
    let bob = id_of(
        app.create_user("bob", json!({ "displayName": "Bob Berg" }))
            .await,
    );
    let (mut browser, csrf) = signed_in(&app).await;
    let aliases = |user: &str, text: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("form".to_string(), "contact".to_string()),
            ("proxyAddresses".to_string(), text.to_string()),
            ("user".to_string(), user.to_string()),
        ]
    };
    let save = async |browser: &mut Browser, form: Vec<(String, String)>| {
        let path = format!("/users/{}", form[3].1);
        let fields: Vec<(&str, &str)> = form[..3]
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        browser.post(&path, &fields).await
    };

    // Saved from Contact information, one per line; Graph shows them as smtp: addresses.
    let page = save(
        &mut browser,
        aliases(&ann, &format!("ann.smit@{DOMAIN}\r\nsales@{DOMAIN}\r\n")),
    )
    .await;
    assert_eq!(
        page.location(),
        format!("/users/{ann}?saved=proxyAddresses#contact"),
        "{}",
        page.body
    );
    let page = browser.get(page.location()).await;
    assert!(page.body.contains("Saved: Email aliases."), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("ann.smit@{DOMAIN}\nsales@{DOMAIN}</textarea>")),
        "{}",
        page.body
    );
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=proxyAddresses"))
        .await;
    assert_eq!(
        user.body["proxyAddresses"],
        json!([
            format!("smtp:ann.smit@{DOMAIN}"),
            format!("smtp:sales@{DOMAIN}")
        ])
    );

    // Another user cannot have the same address, in any case: said under the field, nothing
    // of the section written.
    let page = save(
        &mut browser,
        aliases(&bob, &format!("bob.b@{DOMAIN}\nSALES@{DOMAIN}")),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "SALES@{DOMAIN} is already the address of another user or group"
        )),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"id="p-proxyAddresses-error""#),
        "{}",
        page.body
    );
    let user = app
        .get(&format!("/v1.0/users/{bob}?$select=proxyAddresses"))
        .await;
    assert_eq!(user.body["proxyAddresses"], json!([]));
    // Nor another user's user name; nor an address outside the organisation's domains.
    let page = save(&mut browser, aliases(&bob, &format!("ann@{DOMAIN}"))).await;
    assert!(
        page.body
            .contains(&format!("ann@{DOMAIN} is already the address of another")),
        "{}",
        page.body
    );
    let page = save(&mut browser, aliases(&bob, "bob@fabrikam.example")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("fabrikam.example is not a domain of this organisation"),
        "{}",
        page.body
    );
    let page = save(&mut browser, aliases(&bob, "not an address")).await;
    assert!(page.body.contains("not an address"), "{}", page.body);
    // Graph keeps proxyAddresses read-only, as Microsoft's does.
    let reply = app
        .patch(
            &format!("/v1.0/users/{bob}"),
            json!({ "proxyAddresses": [format!("smtp:x@{DOMAIN}")] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // A new user cannot take an alias as its user name: one at a time, or in a bulk job.
    let reply = app
        .post(
            "/v1.0/users",
            json!({ "accountEnabled": true, "displayName": "Sales", "mailNickname": "sales",
                    "userPrincipalName": format!("sales@{DOMAIN}"),
                    "passwordProfile": { "password": "Secret-Passw0rd!" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert!(
        reply.body["error"]["message"].as_str().unwrap().contains(
            "Another object with the same value for property proxyAddresses already exists"
        ),
        "{:?}",
        reply.body
    );
    let job = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [
                { "userPrincipalName": format!("sales@{DOMAIN}"), "displayName": "Sales" },
                { "userPrincipalName": format!("carol@{DOMAIN}"), "displayName": "Carol" }
            ], "options": {} }),
        )
        .await;
    let id = job.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;
    let results = app.get(&format!("/roster/v1/jobs/{id}/results")).await;
    assert_eq!(
        results.body["value"][0]["status"], "failed",
        "{:?}",
        results.body
    );
    assert_eq!(
        results.body["value"][1]["status"], "succeeded",
        "{:?}",
        results.body
    );
    // Renaming into an alias is refused too; once the alias is gone, the name is free.
    let reply = app
        .patch(
            &format!("/v1.0/users/{bob}"),
            json!({ "userPrincipalName": format!("sales@{DOMAIN}") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let page = save(&mut browser, aliases(&ann, &format!("ann.smit@{DOMAIN}"))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let reply = app
        .patch(
            &format!("/v1.0/users/{bob}"),
            json!({ "userPrincipalName": format!("sales@{DOMAIN}") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);

    // A mail cannot be another user's alias either.
    let reply = app
        .patch(
            &format!("/v1.0/users/{bob}"),
            json!({ "mail": format!("ANN.SMIT@{DOMAIN}") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    // A user in the recycle bin keeps its aliases (it comes back with them) ...
    assert_eq!(
        app.delete(&format!("/v1.0/users/{ann}")).await.status,
        StatusCode::NO_CONTENT
    );
    let page = save(&mut browser, aliases(&bob, &format!("ann.smit@{DOMAIN}"))).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    // ... but not its user name: taken meanwhile as an alias, it keeps the user from coming
    // back, and says why.
    let page = save(&mut browser, aliases(&bob, &format!("ann@{DOMAIN}"))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let restored = app
        .post(
            &format!("/v1.0/directory/deletedItems/{ann}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(
        restored.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        restored.body
    );
    assert!(
        restored.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "ann@{DOMAIN} is the address of another user or group"
            )),
        "{:?}",
        restored.body
    );
    let page = save(&mut browser, aliases(&bob, "")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let restored = app
        .post(
            &format!("/v1.0/directory/deletedItems/{ann}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_alias_cannot_be_a_groups_mail() {
    let app = roster_testkit::spawn_app_with(roster_testkit::Options {
        demo_users: Some(20),
        ..Default::default()
    })
    .await;
    let groups = app.get("/v1.0/groups?$select=mail").await.body;
    let mail = groups["value"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|group| group["mail"].as_str())
        .expect("a demo group with mail")
        .to_string();
    let ann = id_of(app.create_user("ann", json!({})).await);
    let (mut browser, csrf) = signed_in(&app).await;
    let page = browser
        .post(
            &format!("/users/{ann}"),
            &[
                ("csrf", csrf.as_str()),
                ("form", "contact"),
                ("proxyAddresses", &mail.to_uppercase()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "{} is already the address of another user or group",
            mail.to_uppercase()
        )),
        "{}",
        page.body
    );
}
