use reqwest::StatusCode;
use roster_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn assign(app: &TestApp, user: &str, add: Value, remove: Value) -> roster_testkit::Reply {
    app.post(
        &format!("/v1.0/users/{user}/assignLicense"),
        json!({ "addLicenses": add, "removeLicenses": remove }),
    )
    .await
}

async fn consumed(app: &TestApp, sku_id: &str) -> i64 {
    let skus = app.get("/v1.0/subscribedSkus").await;
    skus.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == sku_id)
        .map(|s| s["consumedUnits"].as_i64().unwrap())
        .expect("subscription listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_assignment_follows_graph_rules() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    let user = app.create_user("lic", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();

    let no_location = assign(
        &app,
        &user,
        json!([{ "skuId": e3, "disabledPlans": [] }]),
        json!([]),
    )
    .await;
    assert_eq!(no_location.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_location.code(), "Request_BadRequest");
    assert_eq!(
        no_location.message(),
        "License assignment cannot be done for user with invalid usage location."
    );
    assert_eq!(consumed(&app, &e3).await, 0, "nothing changed");

    app.patch(
        &format!("/v1.0/users/{user}"),
        json!({ "usageLocation": "NL" }),
    )
    .await;
    // Disable one real plan of SPE_E3.
    let skus = app.get("/v1.0/subscribedSkus").await;
    let plan = skus.body["value"][0]["servicePlans"][0]["servicePlanId"]
        .as_str()
        .unwrap()
        .to_string();
    let assigned = assign(
        &app,
        &user,
        json!([{ "skuId": e3, "disabledPlans": [plan] }]),
        json!([]),
    )
    .await;
    assert_eq!(assigned.status, StatusCode::OK, "{:?}", assigned.body);
    assert_eq!(assigned.body["assignedLicenses"][0]["skuId"], e3);
    assert_eq!(
        assigned.body["assignedLicenses"][0]["disabledPlans"][0],
        plan
    );
    assert_eq!(consumed(&app, &e3).await, 1);

    let details = app.get(&format!("/v1.0/users/{user}/licenseDetails")).await;
    assert_eq!(details.body["value"][0]["skuPartNumber"], "SPE_E3");
    let plans = details.body["value"][0]["servicePlans"].as_array().unwrap();
    assert!(
        plans
            .iter()
            .any(|p| p["servicePlanId"] == plan && p["provisioningStatus"] == "Disabled")
    );
    assert!(plans.iter().any(|p| p["provisioningStatus"] == "Success"));

    let states = app
        .get(&format!(
            "/v1.0/users/{user}?$select=licenseAssignmentStates,assignedPlans"
        ))
        .await;
    assert_eq!(
        states.body["licenseAssignmentStates"][0]["assignedByGroup"],
        Value::Null
    );
    assert_eq!(states.body["licenseAssignmentStates"][0]["state"], "Active");
    assert!(!states.body["assignedPlans"].as_array().unwrap().is_empty());

    // Unknown SKU and unknown disabled plan change nothing.
    let unknown = assign(
        &app,
        &user,
        json!([{ "skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900" }]),
        json!([]),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let bad_plan = assign(
        &app,
        &user,
        json!([{ "skuId": e3, "disabledPlans": ["00000000-0000-0000-0000-000000000001"] }]),
        json!([]),
    )
    .await;
    assert_eq!(bad_plan.status, StatusCode::BAD_REQUEST);

    // Removing frees the seat; a deleted user frees its seat and a restore takes it back.
    assert_eq!(
        assign(&app, &user, json!([]), json!([e3])).await.status,
        StatusCode::OK
    );
    assert_eq!(consumed(&app, &e3).await, 0);
    assign(&app, &user, json!([{ "skuId": e3 }]), json!([])).await;
    app.delete(&format!("/v1.0/users/{user}")).await;
    assert_eq!(consumed(&app, &e3).await, 0);
    app.post(
        &format!("/v1.0/directory/deletedItems/{user}/restore"),
        Value::Null,
    )
    .await;
    assert_eq!(consumed(&app, &e3).await, 1);
    let back = app
        .get(&format!("/v1.0/users/{user}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        back.body["assignedLicenses"][0]["skuId"], e3,
        "restored with its licenses"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_conflicts_dependencies_and_locations() {
    let app = spawn_app().await;
    let plan1 = app.buy("EXCHANGESTANDARD", 5).await;
    let plan2 = app.buy("EXCHANGEENTERPRISE", 5).await;
    let e3 = app.buy("SPE_E3", 5).await;
    let user = app
        .create_user("conf", json!({ "usageLocation": "NL" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    assert_eq!(
        assign(&app, &user, json!([{ "skuId": plan1 }]), json!([]))
            .await
            .status,
        StatusCode::OK
    );
    let exclusive = assign(&app, &user, json!([{ "skuId": plan2 }]), json!([])).await;
    assert_eq!(exclusive.status, StatusCode::BAD_REQUEST);
    assert!(
        exclusive.message().contains("mutually exclusive"),
        "{}",
        exclusive.message()
    );
    assert_eq!(consumed(&app, &plan2).await, 0);

    let sanctioned = app
        .create_user("sanctioned", json!({ "usageLocation": "IR" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let prohibited = assign(&app, &sanctioned, json!([{ "skuId": e3 }]), json!([])).await;
    assert_eq!(prohibited.status, StatusCode::BAD_REQUEST);
    assert!(
        prohibited
            .message()
            .contains("not available in usage location IR"),
        "{}",
        prohibited.message()
    );
    assert_eq!(consumed(&app, &e3).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seats_are_never_over_assigned() {
    let app = spawn_app().await;
    let bi = app.buy("POWER_BI_PRO", 1).await;
    let mut users = Vec::new();
    for index in 0..12 {
        users.push(
            app.create_user(&format!("racer{index}"), json!({ "usageLocation": "BE" }))
                .await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Twelve requests race for the last seat: exactly one wins.
    let attempts = users.iter().map(|user| {
        let app = &app;
        let bi = bi.clone();
        async move { assign(app, user, json!([{ "skuId": bi }]), json!([])).await }
    });
    let replies = futures::future::join_all(attempts).await;
    let winners = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        winners,
        1,
        "{:?}",
        replies
            .iter()
            .map(|r| r.message().to_string())
            .collect::<Vec<_>>()
    );
    assert!(
        replies
            .iter()
            .filter(|r| r.status != StatusCode::OK)
            .all(|r| r.message().contains("does not have any available licenses"))
    );
    assert_eq!(consumed(&app, &bi).await, 1);

    // Seats cannot drop below those assigned; buying more lets the next one in.
    let shrink = app
        .patch(
            &format!("/roster/v1/subscriptions/{bi}"),
            json!({ "seats": 0 }),
        )
        .await;
    assert_eq!(shrink.status, StatusCode::BAD_REQUEST);
    let grow = app
        .patch(
            &format!("/roster/v1/subscriptions/{bi}"),
            json!({ "seats": 2 }),
        )
        .await;
    assert_eq!(grow.status, StatusCode::OK, "{:?}", grow.body);
    let loser = replies
        .iter()
        .position(|r| r.status != StatusCode::OK)
        .unwrap();
    assert_eq!(
        assign(&app, &users[loser], json!([{ "skuId": bi }]), json!([]))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(consumed(&app, &bi).await, 2);

    // A suspended subscription takes no new assignments.
    app.patch(
        &format!("/roster/v1/subscriptions/{bi}"),
        json!({ "seats": 5, "capabilityStatus": "Suspended" }),
    )
    .await;
    let unlicensed = (0..12)
        .find(|&index| index != loser && replies[index].status != StatusCode::OK)
        .expect("ten users hold no seat");
    let suspended = assign(
        &app,
        &users[unlicensed],
        json!([{ "skuId": bi }]),
        json!([]),
    )
    .await;
    assert_eq!(suspended.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_never_over_assign() {
    let app = spawn_app().await;
    let peer = app.spawn_peer().await;
    let sku = app.buy("POWER_BI_PRO", 3).await;
    let mut users = Vec::new();
    for index in 0..16 {
        users.push(
            app.create_user(&format!("peer{index}"), json!({ "usageLocation": "DE" }))
                .await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Half the requests go to each server, all at once, for three seats.
    let attempts = users.iter().enumerate().map(|(index, user)| {
        let app = &app;
        let url = if index % 2 == 0 {
            app.url(&format!("/v1.0/users/{user}/assignLicense"))
        } else {
            format!("{peer}/v1.0/users/{user}/assignLicense")
        };
        let body = json!({ "addLicenses": [{ "skuId": sku }], "removeLicenses": [] });
        async move {
            app.call(&app.app_token, reqwest::Method::POST, &url, Some(body))
                .await
        }
    });
    let replies = futures::future::join_all(attempts).await;
    let winners = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        winners,
        3,
        "{:?}",
        replies
            .iter()
            .map(|r| (r.status, r.message().to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(consumed(&app, &sku).await, 3);
    let holders = app
        .get(&format!(
            "/v1.0/users?$filter=assignedLicenses/any(x:x/skuId%20eq%20{sku})&$top=999"
        ))
        .await;
    assert_eq!(
        holders.body["value"].as_array().unwrap().len(),
        3,
        "consumedUnits equals the holders"
    );
}
