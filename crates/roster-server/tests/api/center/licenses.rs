//! The licenses and roles pages: seats, assignments to users and groups, and who may assign roles.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_show_their_seats_and_refuse_bad_changes_beside_the_form() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 5).await;
    for alias in ["a1", "a2"] {
        app.create_user(alias, json!({ "usageLocation": "NL" }))
            .await;
        let reply = app
            .post(
                &format!("/v1.0/users/{alias}@{DOMAIN}/assignLicense"),
                json!({ "addLicenses": [{ "skuId": sku }], "removeLicenses": [] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/licenses").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Microsoft 365 E3") && page.body.contains("(SPE_E3)"));
    assert!(
        page.body.contains(&format!(
            "<td class=\"assigned\"><a href=\"/users?license={sku}\">2</a></td>"
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("<td class=\"available\">3</td>"));
    let csrf = page.hidden("csrf");

    // Fewer seats than assigned: refused beside the form, with what was typed kept.
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "1"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("role=\"alert\""), "{}", page.body);
    assert!(page.body.contains("value=\"1\""), "the typed value is kept");
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "ten"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(
        page.body.contains("Enter a whole number of seats"),
        "{}",
        page.body
    );
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "20"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let skus = app.get("/v1.0/subscribedSkus").await.body;
    assert_eq!(skus["value"][0]["prepaidUnits"]["enabled"], 20);

    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "buy"),
                ("sku", "NOT_A_SKU"),
                ("seats", "3"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("NOT_A_SKU is not a product in Microsoft's catalog")
            && page.body.contains("value=\"NOT_A_SKU\""),
        "{}",
        page.body
    );
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "buy"),
                ("sku", "power_bi_pro"),
                ("seats", "3"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .get("/licenses")
            .await
            .body
            .contains("(POWER_BI_PRO)")
    );

    // Roles that may not buy see no forms, and are refused whatever they post.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/licenses").await;
    assert!(page.body.contains("(SPE_E3)") && !page.body.contains("name=\"seats\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "100"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let skus = app.get("/v1.0/subscribedSkus").await.body;
    let e3 = skus["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == sku.as_str())
        .unwrap()
        .clone();
    assert_eq!(e3["prepaidUnits"]["enabled"], 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_assigned_and_removed_by_global_administrators_only() {
    let app = spawn_app().await;
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    app.create_user("newadmin", json!({})).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/roles").await;
    assert!(
        page.body.contains("helpdesk@contoso.example")
            && page.body.contains("Nobody holds this role.")
    );
    // No role is chosen for the administrator, and each is described.
    assert!(
        page.body
            .contains("<option value=\"\" disabled selected>Choose a role</option>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("selected>Global Administrator"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<dd>Reads everything, the audit log included, and changes nothing.</dd>")
    );
    browser.language = Some("nl");
    let dutch = browser.get("/roles").await;
    assert!(
        dutch.body.contains("Kies een rol")
            && dutch
                .body
                .contains("<dd>Leest alles, ook het auditlogboek, en wijzigt niets.</dd>"),
        "{}",
        dutch.body
    );
    browser.language = None;
    let csrf = page.hidden("csrf");

    let upn = format!("newadmin@{DOMAIN}");
    let page = browser
        .post(
            "/roles",
            &[
                ("action", "assign"),
                ("user", &upn),
                ("role", "User Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get("/roles").await;
    let section = page
        .body
        .split("<h2>User Administrator")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap()
        .to_string();
    assert!(section.contains(&upn), "{section}");
    // The audit log names the member the role went to, and the role among what changed.
    let log = app.get("/roster/v1/auditLogs?top=20").await.body;
    let added = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["activityDisplayName"] == "Add member to role")
        .expect("the role's assignment is audited")
        .clone();
    assert_eq!(
        added["targetResources"][0]["displayName"],
        upn.as_str(),
        "{added}"
    );
    assert!(
        added["modifiedProperties"]["newValue"]
            .to_string()
            .contains("User Administrator"),
        "{added}"
    );

    // Refusals beside the form, with what was typed kept.
    let page = browser
        .post(
            "/roles",
            &[
                ("action", "assign"),
                ("user", "nobody@contoso.example"),
                ("role", "User Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
            && page.body.contains("value=\"nobody@contoso.example\"")
    );
    let page = browser
        .post(
            "/roles",
            &[
                ("action", "remove"),
                ("user", ADMIN_UPN),
                ("role", "Global Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("last Global Administrator"),
        "{}",
        page.body
    );
    // Said in the role's section: the assign form is not filled with the user kept.
    assert!(
        page.body.contains(
            "name=\"user\" type=\"email\" required placeholder=\"name@domain\" value=\"\""
        ),
        "{}",
        page.body
    );

    let page = browser
        .post(
            "/roles",
            &[
                ("action", "remove"),
                ("user", &upn),
                ("role", "User Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = browser.get("/roles").await;
    assert!(!page.body.contains(&upn));
    let log = app.get("/roster/v1/auditLogs?top=20").await.body;
    let removed = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["activityDisplayName"] == "Remove member from role")
        .expect("the role's removal is audited")
        .clone();
    assert_eq!(
        removed["targetResources"][0]["displayName"],
        upn.as_str(),
        "{removed}"
    );

    // Others read the roles but may not change them.
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/roles").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("action=\"/roles\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/roles",
            &[
                ("action", "assign"),
                ("user", "helpdesk@contoso.example"),
                ("role", "Global Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser.get("/roles").await;
    let section = page
        .body
        .split("<h2>Global Administrator")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap()
        .to_string();
    assert!(!section.contains("helpdesk@"), "{section}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_licenses_page_assigns_a_license_to_a_user_or_a_group() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    let ann = app
        .create_user("ann", json!({ "usageLocation": "NL" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user("nowhere", json!({})).await;
    let group = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Field team", "mailNickname": "field", "mailEnabled": false, "securityEnabled": true }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/licenses").await.hidden("csrf");
    let form = |to: &'static str, name: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("action", "assign".into()),
            ("sku", e3.clone()),
            ("to", to.into()),
            ("name", name.into()),
        ]
    };
    macro_rules! assign {
        ($to:expr, $name:expr) => {{
            let owned = form($to, &$name);
            let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post("/licenses", &borrowed).await
        }};
    }

    // To a user by user name; to a group by its name (the group is then shown as giving it).
    let page = assign!("user", format!("ann@{DOMAIN}"));
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(user.body["assignedLicenses"][0]["skuId"], e3.as_str());
    let page = assign!("group", "field TEAM");
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get("/licenses").await;
    assert!(
        page.body.contains(&format!(
            "<a href=\"/groups/{group}#licenses\">Field team</a>"
        )),
        "{}",
        page.body
    );

    // Assigning again what is held keeps its switched-off apps.
    let plan = roster_core::catalog::Catalog::builtin()
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans[0]
        .service_plan_id
        .to_string();
    let reply = app
        .post(
            &format!("/v1.0/users/{ann}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [plan] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let page = assign!("user", format!("ann@{DOMAIN}"));
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        user.body["assignedLicenses"][0]["disabledPlans"],
        json!([plan])
    );

    // Two groups of the same name: which one is not guessed.
    app.post(
        "/v1.0/groups",
        json!({ "displayName": "Twin", "mailNickname": "twin1", "mailEnabled": false, "securityEnabled": true }),
    )
    .await;
    app.post(
        "/v1.0/groups",
        json!({ "displayName": "Twin", "mailNickname": "twin2", "mailEnabled": false, "securityEnabled": true }),
    )
    .await;
    let page = assign!("group", "Twin");
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("More than one group has this name"),
        "{}",
        page.body
    );

    // Refusals beside the form, with what was typed: an unknown user, an unknown group, a user
    // without a usage location.
    let page = assign!("user", "nobody@contoso.example");
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
    );
    assert!(page.body.contains("value=\"nobody@contoso.example\""));
    let page = assign!("group", "Nobody's team");
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No group of this organisation has exactly this name."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<option value=\"group\" selected>"),
        "{}",
        page.body
    );
    let page = assign!("user", format!("nowhere@{DOMAIN}"));
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("usage location"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_licenses_confirm_what_was_done() {
    let app = spawn_app().await;
    app.buy("SPE_E3", 5).await;
    app.create_user("ann", json!({ "usageLocation": "NL" }))
        .await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/roles").await.hidden("csrf");
    let page = browser
        .post(
            "/roles",
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("user", &format!("ann@{DOMAIN}")),
                ("role", "Global Reader"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/roles?done=assigned");
    browser.set("roster_lang", "nl");
    let page = browser.get(page.location()).await;
    assert!(page.body.contains("De rol is toegewezen."), "{}", page.body);
    // Only the page's own confirmations are shown.
    let page = browser.get("/roles?done=%3Cb%3Eowned").await;
    assert!(!page.body.contains("<b>owned") && !page.body.contains("class=\"success\""));
    browser.set("roster_lang", "en");
    let page = browser.get("/licenses?done=assigned").await;
    assert!(
        page.body.contains("The license has been assigned."),
        "{}",
        page.body
    );
}
