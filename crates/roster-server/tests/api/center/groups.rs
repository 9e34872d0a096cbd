//! The groups pages: creating groups of every kind, the rule editor's preview, a group's owners and licenses.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_created_previewed_and_kept_as_the_api_keeps_them() {
    let app = spawn_app().await;
    for (alias, department) in [("s1", "Sales"), ("s2", "Sales"), ("l1", "Legal")] {
        app.create_user(alias, json!({ "department": department }))
            .await;
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/groups/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.hidden("csrf");

    // A rule typed while "Assigned" is chosen is refused beside the rule, not dropped.
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "security"),
                ("name", "Ruled"),
                ("membership", "assigned"),
                ("rule", "user.department -eq \"Sales\""),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body
            .contains("A rule decides the members of a dynamic group only"),
        "{}",
        page.body
    );
    let groups = app.get("/v1.0/groups?$filter=displayName eq 'Ruled'").await;
    assert_eq!(groups.body["value"], json!([]), "nothing was created");

    // An assigned security group, and its members by hand.
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "security"),
                ("name", "Pilot"),
                ("membership", "assigned"),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let pilot = page.location().to_string();
    let page = browser
        .add_member(&pilot, &csrf, "s1@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&pilot).await;
    assert!(
        page.body.contains("s1@contoso.example")
            && page
                .body
                .contains("Members <span class=\"muted\">(1)</span>"),
        "{}",
        page.body
    );
    let page = browser
        .add_member(&pilot, &csrf, "nobody@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
    );
    // The store's refusals, and a stale form, in the page's language.
    browser.set("roster_lang", "nl");
    let page = browser
        .add_member(&pilot, &csrf, "s1@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // Beside the member picker.
    let members = page.body.split("id=\"members\"").nth(1).unwrap();
    let members = members.split("id=\"owners\"").next().unwrap();
    assert!(
        members.contains("Is al lid van deze groep."),
        "the refusal beside the picker: {}",
        page.body
    );
    let page = browser
        .add_member(&pilot, "stale", "s2@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body
            .contains("Het formulier is verlopen: laad de pagina opnieuw"),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");

    // A rule with a mistake: refused beside the editor with its position, the text kept.
    let bad = "(user.department -eq \"Sales\") -and (user.nonsense -eq 1)";
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "security"),
                ("name", "Sales"),
                ("membership", "dynamic"),
                ("rule", bad),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("position") && page.body.contains("nonsense"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("(user.department -eq &quot;Sales&quot;) -and (user.nonsense -eq 1)"),
        "the rule is kept"
    );
    let check = browser
        .get("/groups/check-rule?rule=user.department%20-eq")
        .await;
    let answer: serde_json::Value = serde_json::from_str(&check.body).unwrap();
    assert_eq!(answer["valid"], false);
    assert!(
        answer["message"].as_str().unwrap().contains("position 20"),
        "{answer}"
    );
    // In Dutch, the editor says where in Dutch.
    browser.set("roster_lang", "nl");
    let check = browser
        .get("/groups/check-rule?rule=user.department%20-eq")
        .await;
    let answer: serde_json::Value = serde_json::from_str(&check.body).unwrap();
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("De regel is ongeldig op positie 20"),
        "{answer}"
    );
    // What was expected there too.
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("verwacht een waarde zoals \"Sales\", null, true of false, gevonden: het einde van de regel"),
        "{answer}"
    );
    browser.set("roster_lang", "en");
    let check = browser
        .get("/groups/check-rule?rule=user.department%20-eq%20%22Sales%22")
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&check.body).unwrap()["valid"],
        true
    );

    // A preview before creating, then the dynamic group itself.
    let rule = "user.department -eq \"Sales\"";
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "m365"),
                ("name", "Sales team"),
                ("membership", "dynamic"),
                ("rule", rule),
                ("go", "preview"),
            ],
        )
        .await;
    assert!(
        page.body.contains("The rule takes in 2 users."),
        "{}",
        page.body
    );
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "m365"),
                ("name", "Sales team"),
                ("membership", "dynamic"),
                ("rule", rule),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let sales = page.location().to_string();
    app.drain_jobs().await;
    let page = browser.get(&sales).await;
    assert!(
        page.body
            .contains("Members <span class=\"muted\">(2)</span>")
            && page.body.contains("Microsoft 365"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("name=\"go\" value=\"add-member\""),
        "no members by hand in a dynamic group"
    );
    let group = app
        .get(&format!(
            "/v1.0/groups/{}",
            sales.trim_start_matches("/groups/")
        ))
        .await
        .body;
    assert_eq!(group["groupTypes"], json!(["Unified", "DynamicMembership"]));
    assert_eq!(group["membershipRule"], rule);

    // Previewing a changed rule says who would join and leave; saving it moves them.
    let legal = "user.department -eq \"Legal\"";
    let page = browser
        .post(
            &sales,
            &[("csrf", &csrf), ("go", "preview"), ("rule", legal)],
        )
        .await;
    assert!(
        page.body.contains("Would join: 1.") && page.body.contains("Would leave: 2."),
        "{}",
        page.body
    );
    // The editor keeps the rule previewed, not the one saved, so that saving saves it.
    let editor = page.body.split("id=\"g-rule\"").nth(1).unwrap_or_default();
    let shown = &editor[editor.find('>').unwrap() + 1..editor.find("</textarea>").unwrap()];
    assert_eq!(
        shown, "user.department -eq &quot;Legal&quot;",
        "{}",
        page.body
    );
    let page = browser
        .post(&sales, &[("csrf", &csrf), ("go", "save"), ("rule", legal)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let page = browser.get(&sales).await;
    assert!(
        page.body.contains("l1@contoso.example") && !page.body.contains("s1@contoso.example"),
        "{}",
        page.body
    );

    // Paused, the members stay as they are whatever users do; resumed, they follow again.
    let page = browser
        .post(&sales, &[("csrf", &csrf), ("go", "pause")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&sales).await;
    assert!(
        page.body.contains("Paused: members stay as they are")
            && page.body.contains("value=\"resume\""),
        "{}",
        page.body
    );
    let reply = app
        .patch(
            "/v1.0/users/s1@contoso.example",
            json!({ "department": "Legal" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    app.drain_jobs().await;
    assert!(
        !browser
            .get(&sales)
            .await
            .body
            .contains("s1@contoso.example"),
        "paused: s1 does not join"
    );
    let page = browser
        .post(&sales, &[("csrf", &csrf), ("go", "resume")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let page = browser.get(&sales).await;
    assert!(
        page.body.contains("On: members follow the rule")
            && page.body.contains("s1@contoso.example"),
        "resumed: s1 joins: {}",
        page.body
    );

    let list = browser.get("/groups?q=sales").await;
    assert!(
        list.body.contains("Sales team") && list.body.contains("1 group"),
        "{}",
        list.body
    );

    // A Helpdesk Administrator reads groups but creates none.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/groups").await;
    assert!(page.body.contains("Pilot") && !page.body.contains("href=\"/groups/new\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "security"),
                ("name", "Mine"),
                ("membership", "assigned"),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = helpdesk
        .add_member(&pilot, &csrf, "s2@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_page_manages_its_owners_and_licenses() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 1).await;
    let group = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Team", "mailNickname": "team", "mailEnabled": false, "securityEnabled": true }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ids = Vec::new();
    for alias in ["ann", "bob"] {
        let id = app
            .create_user(
                alias,
                json!({ "usageLocation": "NL", "displayName": alias }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let reply = app
            .post(
                &format!("/v1.0/groups/{group}/members/$ref"),
                json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
        ids.push(id);
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let details = format!("/groups/{group}");
    let csrf = browser.get(&details).await.hidden("csrf");

    // Owners: added by user name, an unknown one refused beside the form, removed.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("go", "add-owner"),
                ("member", &format!("ann@{DOMAIN}")),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let owners = app.get(&format!("/v1.0/groups/{group}/owners")).await;
    assert_eq!(owners.body["value"][0]["id"], ids[0].as_str());
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("go", "add-owner"),
                ("member", "nobody@contoso.example"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
    );
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "remove-owner"), ("member", &ids[0])],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let owners = app.get(&format!("/v1.0/groups/{group}/owners")).await;
    assert_eq!(owners.body["value"], json!([]));

    // A license for the group's members: one seat for two members, so one is in error, and the
    // page says who and why.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "assign-license"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 1);
    let page = browser.get(&details).await;
    assert!(page.body.contains("Microsoft 365 E3"), "{}", page.body);
    assert!(
        page.body
            .contains("Members whose licenses from this group did not take"),
        "{}",
        page.body
    );
    assert!(page.body.contains("not enough licenses"), "{}", page.body);
    assert!(
        page.body.contains("License processing: complete"),
        "{}",
        page.body
    );
    browser.set("roster_lang", "nl");
    let page = browser.get(&details).await;
    assert!(page.body.contains("niet genoeg licenties"), "{}", page.body);
    assert!(page.body.contains(": voltooid"), "{}", page.body);
    browser.set("roster_lang", "en");
    // Who holds it, and through which group.
    let page = browser.get(&format!("/users?license={e3}")).await;
    assert!(page.body.contains("1 user"), "{}", page.body);
    assert!(
        page.body.contains("Microsoft 365 E3 (through Team)"),
        "{}",
        page.body
    );

    // Assigned again from the page, a license the group gives keeps its switched-off apps.
    let plan = roster_core::catalog::Catalog::builtin()
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans[0]
        .service_plan_id
        .to_string();
    let reply = app
        .post(
            &format!("/v1.0/groups/{group}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [plan] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "assign-license"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let given = app
        .get(&format!("/v1.0/groups/{group}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        given.body["assignedLicenses"][0]["disabledPlans"],
        json!([plan]),
        "{:?}",
        given.body
    );
    app.drain_jobs().await;

    // Removed again: the seat is free.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "remove-license"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 0);

    // A Helpdesk Administrator is offered neither, and refused both.
    user_with_role(&app, "desk", Some("Helpdesk Administrator")).await;
    let mut desk = Browser::new(&app);
    desk.sign_in(&format!("desk@{DOMAIN}"), PASSWORD).await;
    let page = desk.get(&details).await;
    assert!(
        !page.body.contains("value=\"assign-license\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("value=\"add-owner\""), "{}", page.body);
    let csrf = page.hidden("csrf");
    for (go, field, value) in [
        ("assign-license", "sku", e3.as_str()),
        ("add-owner", "member", ids[1].as_str()),
    ] {
        let page = desk
            .post(&details, &[("csrf", &csrf), ("go", go), (field, value)])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{go}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_whose_license_did_not_take_is_listed_a_page_at_a_time() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 1).await;
    let group = app.create_group("SeatHunters").await;
    for n in 0..23 {
        let alias = format!("hunter{n:02}");
        let id = app
            .create_user(&alias, json!({ "usageLocation": "NL" }))
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.add_member(&group, &id).await;
    }
    let reply = app
        .post(
            &format!("/v1.0/groups/{group}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    app.drain_jobs().await;

    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    // One seat for 23 members: 22 did not get it, 20 to a page, and the page says so.
    let page = browser.get(&format!("/groups/{group}")).await;
    assert!(page.body.contains("22 members, 20 shown"), "{}", page.body);
    let listed = |body: &str| body.matches("#licenses\">hunter").count();
    assert_eq!(listed(&page.body), 20);
    let marker = format!("/groups/{group}?errors=");
    let start = page.body.find(&marker).expect("a link to the next members");
    let end = start + page.body[start..].find('"').unwrap();
    let next = page.body[start..end].to_string();
    let page = browser.get(&next).await;
    assert!(page.body.contains("22 members, 2 shown"), "{}", page.body);
    assert_eq!(listed(&page.body), 2);
    assert!(
        !page.body.contains(&marker),
        "no page after the last: {}",
        page.body
    );

    // A link that was not made here is refused with why, not taken as the first page.
    let page = browser
        .get(&format!("/groups/{group}?errors=made-up"))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
}
