//! Dynamic membership: rules validated on the way in, members computed (never added by hand)
//! when users or rules change, paused rules left alone, previews that change nothing, and
//! licenses that follow the members.

use reqwest::StatusCode;
use roster_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn user(app: &TestApp, alias: &str, extra: Value) -> String {
    app.create_user(alias, extra).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn dynamic_group(app: &TestApp, name: &str, rule: &str) -> roster_testkit::Reply {
    app.post(
        "/v1.0/groups",
        json!({
            "displayName": name,
            "mailNickname": name,
            "mailEnabled": false,
            "securityEnabled": true,
            "groupTypes": ["DynamicMembership"],
            "membershipRule": rule,
        }),
    )
    .await
}

async fn members(app: &TestApp, group: &str) -> Vec<String> {
    let reply = app.get(&format!("/v1.0/groups/{group}/members")).await;
    let mut names: Vec<String> = reply.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["displayName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_checked_with_the_position_of_the_mistake() {
    let app = spawn_app().await;
    for (rule, expected) in [
        ("(user.department -eq \"Sales\"", "position"),
        ("user.departmnt -eq \"Sales\"", "departmnt"),
        ("user.department -equals \"Sales\"", "position"),
    ] {
        let reply = dynamic_group(&app, "bad", rule).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{rule}");
        assert_eq!(reply.code(), "Request_BadRequest");
        assert!(
            reply.message().contains("membershipRule") && reply.message().contains(expected),
            "{rule}: {}",
            reply.message()
        );
    }
    let long = format!("user.department -eq \"{}\"", "x".repeat(3_100));
    let reply = dynamic_group(&app, "long", &long).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("3072"), "{}", reply.message());
    // A dynamic group needs a rule; an assigned one takes none.
    let reply = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": "norule", "mailNickname": "norule", "mailEnabled": false, "securityEnabled": true, "groupTypes": ["DynamicMembership"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_follow_users_and_rules() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 10).await;
    let ann = user(
        &app,
        "ann",
        json!({ "department": "Sales", "country": "NL", "usageLocation": "NL" }),
    )
    .await;
    user(
        &app,
        "bob",
        json!({ "department": "Sales", "country": "DE", "usageLocation": "DE" }),
    )
    .await;
    let cas = user(
        &app,
        "cas",
        json!({ "department": "Finance", "country": "BE", "usageLocation": "BE" }),
    )
    .await;

    // Created with a rule: its members are worked out in the background.
    let reply = dynamic_group(
        &app,
        "benelux-sales",
        "(user.department -eq \"sales\") -and (user.country -in [\"NL\",\"BE\"])",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["membershipRuleProcessingState"], "On");
    let group = reply.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;
    assert_eq!(members(&app, &group).await, ["ann"]);

    // Members cannot be added or removed by hand.
    let reply = app
        .post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{cas}") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .delete(&format!("/v1.0/groups/{group}/members/{ann}/$ref"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // The group's licenses follow its members.
    let reply = app
        .post(
            &format!("/v1.0/groups/{group}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    app.drain_jobs().await;

    // A user's change moves it in the same request, licenses and all: no processing to wait for.
    let reply = app
        .patch(
            &format!("/v1.0/users/{cas}"),
            json!({ "department": "Sales" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(members(&app, &group).await, ["ann", "cas"]);
    let licensed = app
        .get(&format!("/v1.0/users/{cas}?$select=assignedLicenses"))
        .await;
    assert_eq!(licensed.body["assignedLicenses"][0]["skuId"], e3);
    let reply = app
        .patch(&format!("/v1.0/users/{ann}"), json!({ "country": "DE" }))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(members(&app, &group).await, ["cas"]);
    let unlicensed = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(unlicensed.body["assignedLicenses"], json!([]));

    // A new user, and a restored one, are tested as they arrive.
    user(
        &app,
        "dan",
        json!({ "department": "Sales", "country": "BE" }),
    )
    .await;
    assert_eq!(members(&app, &group).await, ["cas", "dan"]);
    assert_eq!(
        app.delete(&format!("/v1.0/users/{cas}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(members(&app, &group).await, ["dan"]);
    let reply = app
        .post(
            &format!("/v1.0/directory/deletedItems/{cas}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(members(&app, &group).await, ["cas", "dan"]);

    // Paused, the rule is left alone; resumed, it catches up.
    let reply = app
        .patch(
            &format!("/v1.0/groups/{group}"),
            json!({ "membershipRuleProcessingState": "Paused" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    app.patch(&format!("/v1.0/users/{ann}"), json!({ "country": "NL" }))
        .await;
    assert_eq!(members(&app, &group).await, ["cas", "dan"]);
    app.patch(
        &format!("/v1.0/groups/{group}"),
        json!({ "membershipRuleProcessingState": "On" }),
    )
    .await;
    app.drain_jobs().await;
    assert_eq!(members(&app, &group).await, ["ann", "cas", "dan"]);

    // A preview says what a new rule would do, and changes nothing. Dan also holds the
    // license directly, so leaving would not take it from him.
    let dan = app
        .get("/v1.0/users?$filter=displayName eq 'dan'")
        .await
        .body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .patch(
            &format!("/v1.0/users/{dan}"),
            json!({ "usageLocation": "BE" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let reply = app
        .post(
            &format!("/v1.0/users/{dan}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let reply = app
        .post(
            "/roster/v1/groups/previewRule",
            json!({ "membershipRule": "user.department -eq \"Sales\" -and user.country -eq \"DE\"", "groupId": group }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["matchingUsers"], 1, "{:?}", reply.body);
    assert_eq!(reply.body["sample"][0]["displayName"], "bob");
    assert_eq!(reply.body["joining"]["count"], 1);
    assert_eq!(reply.body["leaving"]["count"], 3);
    assert_eq!(reply.body["licenses"][0]["granted"], 1);
    assert_eq!(reply.body["licenses"][0]["removed"], 2);
    assert_eq!(members(&app, &group).await, ["ann", "cas", "dan"]);
    let reply = app
        .post(
            "/roster/v1/groups/previewRule",
            json!({ "membershipRule": "user.department -eq" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("position"), "{}", reply.message());

    // A changed rule is applied to everyone, and the licenses follow.
    let reply = app
        .patch(
            &format!("/v1.0/groups/{group}"),
            json!({ "membershipRule": "user.department -eq \"Sales\" -and user.country -eq \"DE\"" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    app.drain_jobs().await;
    assert_eq!(members(&app, &group).await, ["bob"]);
    // Bob's seat through the group and Dan's own, as the preview said.
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 2);

    // Processing is in the audit log, from start to finish, with what it came to.
    let log = app.get("/roster/v1/auditLogs?top=500").await;
    let records = log.body["value"].as_array().unwrap();
    let finished: Vec<&Value> = records
        .iter()
        .filter(|r| r["activityDisplayName"] == "Finish group processing")
        .collect();
    assert!(
        records
            .iter()
            .any(|r| r["activityDisplayName"] == "Start group processing")
    );
    assert_eq!(
        finished[0]["modifiedProperties"]["newValue"]["members"], 1,
        "the latest first: {:?}",
        finished[0]
    );

    // Every dynamic group can be worked out again on request.
    let reply = app.post("/roster/v1/groups/reprocess", json!({})).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body["queued"], 1);
    assert_eq!(
        app.get("/roster/v1/groups/processing").await.body["queued"],
        1
    );
    app.drain_jobs().await;
    assert_eq!(
        app.get("/roster/v1/groups/processing").await.body["queued"],
        0
    );
    assert_eq!(members(&app, &group).await, ["bob"]);
}
