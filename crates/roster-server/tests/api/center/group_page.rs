//! Groups as an administrator keeps them: the list filtered by kind with member counts, a
//! group renamed and described with what changed confirmed, members and owners chosen with a
//! picker, the apps of a license the group gives, a deletion that says first what it does and
//! is refused while the group gives licenses, and a dynamic group that says it is processing.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_by_kind_and_counts_members() {
    let app = spawn_app().await;
    let team = app.create_group("Team").await;
    for alias in ["ann", "bob"] {
        let id = app.create_user(alias, json!({})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.add_member(&team, &id).await;
    }
    let reply = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Newsletter", "mailEnabled": true, "mailNickname": "news", "securityEnabled": false }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    app.create_dynamic_group("Sales rule", "user.department -eq \"Sales\"")
        .await;
    let (mut browser, _) = signed_in(&app).await;

    let page = browser.get("/groups").await;
    let row = page
        .body
        .split(&format!("/groups/{team}\">Team</a>"))
        .nth(1)
        .unwrap();
    let row = row.split("</tr>").next().unwrap();
    assert!(row.contains("<td class=\"number\">2</td>"), "{row}");
    let names = |body: &str| {
        ["Team", "Newsletter", "Sales rule"].map(|name| body.contains(&format!("\">{name}</a>")))
    };
    assert_eq!(names(&page.body), [true, true, true]);
    let page = browser.get("/groups?kind=distribution").await;
    assert_eq!(names(&page.body), [false, true, false]);
    let page = browser
        .get("/groups?kind=security&membership=dynamic")
        .await;
    assert_eq!(names(&page.body), [false, false, true]);
    let page = browser.get("/groups?membership=assigned").await;
    assert_eq!(names(&page.body), [true, true, false]);
    assert!(
        page.body
            .contains("<option value=\"assigned\" selected>Assigned</option>")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_is_renamed_and_described_with_what_changed_confirmed() {
    let app = spawn_app().await;
    let team = app.create_group("Team").await;
    let (mut browser, csrf) = signed_in(&app).await;
    let path = format!("/groups/{team}");
    let save = |name: &'static str, description: &'static str| {
        vec![
            ("go", "properties"),
            ("name", name),
            ("description", description),
        ]
    };
    let mut form = save("Field team", "Everyone in the field");
    form.push(("csrf", &csrf));
    let page = browser.post(&path, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location(),
        format!("/groups/{team}?saved=displayName,description#properties")
    );
    let page = browser.get(page.location()).await;
    assert!(
        page.body.contains("Saved: Display name, Description."),
        "{}",
        page.body
    );
    let group = app.get(&format!("/v1.0/groups/{team}")).await;
    assert_eq!(group.body["displayName"], "Field team");
    assert_eq!(group.body["description"], "Everyone in the field");
    // The same again changes nothing, and says so.
    let page = browser.post(&path, &form).await;
    let page = browser.get(page.location()).await;
    assert!(page.body.contains("Nothing changed"), "{}", page.body);
    // An empty name is refused beside its field; the typed description is kept, nothing saved.
    let mut form = save(" ", "Changed");
    form.push(("csrf", &csrf));
    let page = browser.post(&path, &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("id=\"g-name-error\""), "{}", page.body);
    assert!(page.body.contains(">Changed</textarea>"), "{}", page.body);
    let group = app.get(&format!("/v1.0/groups/{team}")).await;
    assert_eq!(group.body["description"], "Everyone in the field");

    // The mail alias: changed and named, or refused beside its field with what was wrong.
    let page = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("go", "properties"),
                ("name", "Field team"),
                ("mailNickname", "field-team"),
                ("description", "Everyone in the field"),
            ],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/groups/{team}?saved=mailNickname#properties"),
        "{}",
        page.body
    );
    let group = app.get(&format!("/v1.0/groups/{team}")).await;
    assert_eq!(group.body["mailNickname"], "field-team");
    let page = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("go", "properties"),
                ("name", "Field team"),
                ("mailNickname", "field team@"),
                ("description", "Everyone in the field"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("id=\"g-nickname-error\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="field team@""#));
    let group = app.get(&format!("/v1.0/groups/{team}")).await;
    assert_eq!(group.body["mailNickname"], "field-team");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_and_owners_are_chosen_with_a_picker() {
    let app = spawn_app().await;
    let team = app.create_group("Team").await;
    let ann = app
        .create_user("ann", json!({ "displayName": "Ann Smit" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user("annet", json!({ "displayName": "Annet Berg" }))
        .await;
    let (mut browser, csrf) = signed_in(&app).await;
    let path = format!("/groups/{team}");

    // Found by the start of a name, without the script.
    let page = browser.get(&format!("{path}?find-member=ann")).await;
    assert!(page.body.contains("Add Ann Smit"), "{}", page.body);
    assert!(page.body.contains("Add Annet Berg"));
    // And as it is typed, with it.
    let found = browser
        .get(&format!("{path}/people-found?for=member&find=Ann%20S"))
        .await;
    assert!(found.body.contains("Add Ann Smit") && !found.body.contains("Annet"));
    let page = browser
        .post(
            &path,
            &[("csrf", &csrf), ("go", "add-member"), ("member", &ann)],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/groups/{team}?saved=members#members")
    );
    let members = app.get(&format!("/v1.0/groups/{team}/members")).await;
    assert_eq!(members.body["value"][0]["id"], ann.as_str());
    // A member is no longer offered as one, but still as an owner.
    let found = browser
        .get(&format!("{path}/people-found?for=member&find=ann"))
        .await;
    assert!(!found.body.contains("Ann Smit") && found.body.contains("Annet Berg"));
    let found = browser
        .get(&format!("{path}/people-found?for=owner&find=ann"))
        .await;
    assert!(
        found.body.contains("Make Ann Smit an owner"),
        "{}",
        found.body
    );
    let page = browser
        .post(
            &path,
            &[("csrf", &csrf), ("go", "add-owner"), ("member", &ann)],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/groups/{team}?saved=owners#owners")
    );
    let owners = app.get(&format!("/v1.0/groups/{team}/owners")).await;
    assert_eq!(owners.body["value"][0]["id"], ann.as_str());
    // In Dutch.
    browser.set("roster_lang", "nl");
    let found = browser
        .get(&format!("{path}/people-found?for=member&find=annet"))
        .await;
    assert!(
        found.body.contains("Annet Berg toevoegen"),
        "{}",
        found.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_group_says_first_what_it_does_and_waits_for_its_licenses() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    let team = app.create_group("Team").await;
    let ann = app
        .create_user("ann", json!({ "usageLocation": "NL" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.add_member(&team, &ann).await;
    let reply = app
        .post(
            &format!("/v1.0/groups/{team}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3 }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    app.drain_jobs().await;
    let (mut browser, csrf) = signed_in(&app).await;
    let path = format!("/groups/{team}");

    // The apps of the license the group gives: one switched off.
    let plans: Vec<String> = roster_core::catalog::Catalog::builtin()
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans
        .iter()
        .map(|plan| plan.service_plan_id.to_string())
        .collect();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("go", "plans"),
        ("sku", e3.as_str()),
    ];
    form.extend(plans.iter().skip(1).map(|plan| ("plan", plan.as_str())));
    let page = browser.post(&path, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let group = app
        .get(&format!("/v1.0/groups/{team}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        group.body["assignedLicenses"][0]["disabledPlans"],
        json!([plans[0]])
    );

    // Asked while it gives a license: the reason, and no button that deletes.
    let page = browser.get(&format!("{path}?ask=delete")).await;
    assert!(
        page.body
            .contains("This group gives licenses to its members: remove its licenses first"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("name=\"go\" value=\"delete\""));
    let page = browser
        .post(&path, &[("csrf", &csrf), ("go", "delete")])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get(&path.replace("/groups", "/v1.0/groups"))
            .await
            .status,
        StatusCode::OK
    );

    // Removing a member, or the group's license, asks first and names the licenses lost.
    let page = browser.get(&path).await;
    assert!(
        page.body.contains(&format!(
            "{path}?ask=remove-member&amp;member={ann}#confirm"
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("{path}?ask=remove-license&amp;sku={e3}#confirm"))
    );
    let page = browser
        .get(&format!("{path}?ask=remove-member&member={ann}"))
        .await;
    assert!(
        page.body.contains("Remove ann from Team?")
            && page
                .body
                .contains("They lose the licenses the group gives (Microsoft 365 E3)"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!(r#"name="member" value="{ann}""#))
    );
    let page = browser
        .get(&format!("{path}?ask=remove-license&sku={e3}"))
        .await;
    assert!(
        page.body.contains("Remove Microsoft 365 E3 from Team?")
            && page.body.contains("Its member loses Microsoft 365 E3"),
        "{}",
        page.body
    );
    // In Dutch, and for an object that is not the group's: nothing to confirm.
    browser.set("roster_lang", "nl");
    let page = browser
        .get(&format!("{path}?ask=remove-license&sku={e3}"))
        .await;
    assert!(
        page.body.contains("Microsoft 365 E3 verwijderen uit Team?"),
        "{}",
        page.body
    );
    let page = browser
        .get(&format!(
            "{path}?ask=remove-license&sku=00000000-0000-0000-0000-000000000001"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"confirm\""));
    browser.set("roster_lang", "en");

    // Without its license: what it does, then deleted.
    let page = browser
        .post(
            &path,
            &[("csrf", &csrf), ("go", "remove-license"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&format!("{path}?ask=delete")).await;
    assert!(
        page.body.contains("Its member loses the membership"),
        "{}",
        page.body
    );
    let page = browser
        .post(&path, &[("csrf", &csrf), ("go", "delete")])
        .await;
    assert_eq!(page.location(), "/groups?deleted=1");
    let page = browser.get(page.location()).await;
    assert!(page.body.contains("The group has been deleted."));
    assert_eq!(
        app.get(&format!("/v1.0/groups/{team}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamic_group_says_it_is_processing_until_its_members_are_known() {
    let app = spawn_app().await;
    app.create_user("seller", json!({ "department": "Sales" }))
        .await;
    let group = app
        .create_dynamic_group("Sales rule", "user.department -eq \"Sales\"")
        .await;
    let (mut browser, _) = signed_in(&app).await;
    let path = format!("/groups/{group}");
    let page = browser.get(&path).await;
    assert!(
        page.body
            .contains("Processing: the members are being worked out."),
        "{}",
        page.body
    );
    app.drain_jobs().await;
    let page = browser.get(&path).await;
    assert!(!page.body.contains("Processing:"), "{}", page.body);
    assert!(page.body.contains("seller@contoso.example"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_those_who_change_rules_preview_them() {
    let app = spawn_app().await;
    let group = app
        .create_dynamic_group("Sales rule", "user.department -eq \"Sales\"")
        .await;
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut browser = Browser::new(&app);
    browser
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let path = format!("/groups/{group}");
    let csrf = browser.get(&path).await.hidden("csrf");
    let page = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("go", "preview"),
                ("rule", "user.department -eq \"X\""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}
