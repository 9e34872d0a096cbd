//! Group-based licensing: a group's licenses flow to its members, seats run out into errors
//! that clear themselves when seats free up, and direct and inherited licenses share a seat.

use reqwest::StatusCode;
use roster_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn user(app: &TestApp, alias: &str, extra: Value) -> String {
    app.create_user(alias, extra).await["id"]
        .as_str()
        .unwrap()
        .to_string()
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

/// The user's `licenseAssignmentStates` as (skuId, assignedByGroup, state, error).
async fn states(app: &TestApp, user: &str) -> Vec<(String, Value, String, String)> {
    let reply = app
        .get(&format!(
            "/v1.0/users/{user}?$select=licenseAssignmentStates,assignedLicenses"
        ))
        .await;
    reply.body["licenseAssignmentStates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["skuId"].as_str().unwrap().to_string(),
                s["assignedByGroup"].clone(),
                s["state"].as_str().unwrap().to_string(),
                s["error"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn assigned(app: &TestApp, user: &str) -> Vec<String> {
    let reply = app
        .get(&format!("/v1.0/users/{user}?$select=assignedLicenses"))
        .await;
    reply.body["assignedLicenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["skuId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_licenses_flow_to_its_members_and_wait_for_seats() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 2).await;
    let staff = app.create_group("staff").await;
    let nl = json!({ "usageLocation": "NL" });
    let (ann, bob, cas) = (
        user(&app, "ann", nl.clone()).await,
        user(&app, "bob", nl.clone()).await,
        user(&app, "cas", nl.clone()).await,
    );
    let nowhere = user(&app, "nowhere", json!({})).await;
    for member in [&ann, &bob, &cas, &nowhere] {
        app.add_member(&staff, member).await;
    }

    let reply = app
        .post(
            &format!("/v1.0/groups/{staff}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    assert_eq!(reply.body["assignedLicenses"][0]["skuId"], e3);
    assert_eq!(
        reply.body["licenseProcessingState"]["state"],
        "QueuedForProcessing"
    );
    app.drain_jobs().await;
    let reply = app.get(&format!("/v1.0/groups/{staff}")).await;
    assert_eq!(
        reply.body["licenseProcessingState"]["state"],
        "ProcessingComplete"
    );

    // Two seats for three located members: the first two (in processing order) hold them, the
    // third waits in CountViolation; the member without a usage location (and no tenant
    // default) cannot be licensed at all.
    assert_eq!(consumed(&app, &e3).await, 2);
    let group_ref = json!(staff);
    for (member, state, error) in [
        (&ann, "Active", "None"),
        (&bob, "Active", "None"),
        (&cas, "Error", "CountViolation"),
        (&nowhere, "Error", "Other"),
    ] {
        assert_eq!(
            states(&app, member).await,
            [(e3.clone(), group_ref.clone(), state.into(), error.into())],
            "{member}"
        );
    }
    assert!(assigned(&app, &cas).await.is_empty());
    // Filters agree with `assignedLicenses`: a license in error is not held.
    let holders = app
        .get(&format!(
            "/v1.0/users?$filter=assignedLicenses/any(x:x/skuId eq {e3})&$select=id&$top=999"
        ))
        .await;
    let mut ids: Vec<&str> = holders.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![ann.as_str(), bob.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    let unlicensed = app
        .get("/v1.0/users?$filter=not(assignedLicenses/any())&$select=id&$top=999")
        .await;
    let ids: Vec<&str> = unlicensed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&cas.as_str()) && ids.contains(&nowhere.as_str()),
        "{ids:?}"
    );
    assert!(!ids.contains(&ann.as_str()));
    let errors = app
        .get(&format!("/v1.0/groups/{staff}/membersWithLicenseErrors"))
        .await;
    let mut with_errors: Vec<&str> = errors.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    with_errors.sort();
    let mut expected = vec![cas.as_str(), nowhere.as_str()];
    expected.sort();
    assert_eq!(with_errors, expected);
    // A page at a time, each with the count.
    let mut link =
        format!("/v1.0/groups/{staff}/membersWithLicenseErrors?$top=1&$count=true&$select=id");
    let mut paged = Vec::new();
    loop {
        let page = app.get_eventual(&link).await.body;
        assert_eq!(page["@odata.count"], 2, "{page}");
        assert_eq!(page["value"].as_array().unwrap().len(), 1, "{page}");
        paged.push(page["value"][0]["id"].as_str().unwrap().to_string());
        match page["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break,
        }
    }
    assert_eq!(paged, expected, "in id order, each once");

    // A member who leaves loses the license, and its seat goes to the member waiting for it.
    let reply = app
        .delete(&format!("/v1.0/groups/{staff}/members/{ann}/$ref"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(states(&app, &ann).await.is_empty());
    assert_eq!(states(&app, &cas).await[0].2, "Active");
    assert_eq!(consumed(&app, &e3).await, 2);

    // A usage location set later lets the group's license take, once a seat is there.
    let reply = app
        .patch(
            &format!("/v1.0/users/{nowhere}"),
            json!({ "usageLocation": "BE" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(states(&app, &nowhere).await[0].3, "CountViolation");
    let reply = app
        .patch(
            &format!("/roster/v1/subscriptions/{e3}"),
            json!({ "seats": 3 }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    app.drain_jobs().await;
    assert_eq!(states(&app, &nowhere).await[0].2, "Active");
    assert_eq!(consumed(&app, &e3).await, 3);

    // A user deleted frees its seat; restored, it waits like anyone else.
    let reply = app.delete(&format!("/v1.0/users/{bob}")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(consumed(&app, &e3).await, 2);
    // Held directly and through the group, a license takes one seat; leaving the group keeps it.
    let reply = app
        .post(
            &format!("/v1.0/users/{cas}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(consumed(&app, &e3).await, 2);
    let reply = app
        .delete(&format!("/v1.0/groups/{staff}/members/{cas}/$ref"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(assigned(&app, &cas).await, vec![e3.clone()]);
    assert_eq!(consumed(&app, &e3).await, 2);

    // A group with licenses cannot be deleted; removed, they leave every member.
    let reply = app.delete(&format!("/v1.0/groups/{staff}")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("licenses"), "{}", reply.message());
    let reply = app
        .post(
            &format!("/v1.0/groups/{staff}/assignLicense"),
            json!({ "addLicenses": [], "removeLicenses": [e3] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    app.drain_jobs().await;
    assert!(states(&app, &nowhere).await.is_empty());
    assert_eq!(consumed(&app, &e3).await, 1, "only cas's direct license");
    let reply = app.delete(&format!("/v1.0/groups/{staff}")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    // Every change is audited.
    let log = app.get("/roster/v1/auditLogs?top=200").await;
    let operations: Vec<&str> = log.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["activityDisplayName"].as_str().unwrap())
        .collect();
    assert!(operations.contains(&"Change group license"));
    assert!(operations.contains(&"Change user license"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_licenses_take_together_or_not_at_all() {
    let app = spawn_app().await;
    let plan1 = app.buy("EXCHANGESTANDARD", 5).await;
    let plan2 = app.buy("EXCHANGEENTERPRISE", 5).await;
    let e3 = app.buy("SPE_E3", 5).await;
    let bundle = app.create_group("bundle").await;
    let dana = user(&app, "dana", json!({ "usageLocation": "NL" })).await;
    // Dana holds Exchange Online Plan 1 directly; the group brings Plan 2 (mutually exclusive
    // with it) and E3: neither of the group's licenses is given.
    let reply = app
        .post(
            &format!("/v1.0/users/{dana}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": plan1, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    app.add_member(&bundle, &dana).await;
    let reply = app
        .post(
            &format!("/v1.0/groups/{bundle}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": plan2, "disabledPlans": [] }, { "skuId": e3, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    app.drain_jobs().await;
    let dana_states = states(&app, &dana).await;
    assert_eq!(dana_states.len(), 3, "{dana_states:?}");
    assert!(
        dana_states
            .iter()
            .filter(|s| !s.1.is_null())
            .all(|s| s.2 == "Error" && s.3 == "MutuallyExclusiveViolation"),
        "{dana_states:?}"
    );
    assert_eq!(assigned(&app, &dana).await, vec![plan1.clone()]);
    assert_eq!(consumed(&app, &e3).await, 0);

    // Removing the direct license that clashes lets the group's take, on request.
    let reply = app
        .post(
            &format!("/v1.0/users/{dana}/assignLicense"),
            json!({ "addLicenses": [], "removeLicenses": [plan1] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let reply = app
        .post(
            &format!("/v1.0/users/{dana}/reprocessLicenseAssignment"),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let mut held = assigned(&app, &dana).await;
    held.sort();
    let mut expected = vec![plan2.clone(), e3.clone()];
    expected.sort();
    assert_eq!(held, expected);
    assert_eq!(consumed(&app, &plan1).await, 0);
    assert_eq!(consumed(&app, &plan2).await, 1);

    // Guests may be licensed through a group, with a warning.
    let guest = user(
        &app,
        "guest",
        json!({ "userType": "Guest", "usageLocation": "NL" }),
    )
    .await;
    app.add_member(&bundle, &guest).await;
    let reply = app
        .post(
            &format!("/v1.0/groups/{bundle}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(
        reply
            .headers
            .get("warning")
            .is_some_and(|w| w.to_str().unwrap().contains("guests")),
        "{:?}",
        reply.headers
    );
}
