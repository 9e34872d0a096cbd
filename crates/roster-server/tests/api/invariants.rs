//! Licensing and dynamic membership under a random sequence of concurrent changes: afterwards,
//! seats equal holders and never exceed what was bought, every dynamic group holds exactly the
//! users its rule takes in, and every user's licenses agree with its groups. On PostgreSQL the
//! changes go to two servers sharing the database.

use std::collections::{BTreeSet, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use roster_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

const DEPARTMENTS: [&str; 3] = ["Sales", "Finance", "IT"];
const COUNTRIES: [&str; 3] = ["NL", "BE", "DE"];
const RULES: [&str; 4] = [
    "user.department -eq \"Sales\"",
    "user.country -in [\"NL\",\"BE\"]",
    "(user.department -ne \"IT\") -and (user.usageLocation -ne null)",
    "user.displayName -startsWith \"u1\"",
];

/// One random change, as a request.
fn random_change(
    rng: &mut StdRng,
    users: &[String],
    static_group: &str,
    dynamic_groups: &[String],
    skus: &[String],
) -> (Method, String, Value) {
    let user = &users[rng.random_range(0..users.len())];
    let sku = &skus[rng.random_range(0..skus.len())];
    let dynamic = &dynamic_groups[rng.random_range(0..dynamic_groups.len())];
    let member_ref =
        json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{user}") });
    match rng.random_range(0..14) {
        0 | 1 => (
            Method::PATCH,
            format!("/v1.0/users/{user}"),
            json!({ "department": DEPARTMENTS[rng.random_range(0..3)] }),
        ),
        2 => (
            Method::PATCH,
            format!("/v1.0/users/{user}"),
            json!({ "country": COUNTRIES[rng.random_range(0..3)] }),
        ),
        3 => (
            Method::PATCH,
            format!("/v1.0/users/{user}"),
            json!({ "usageLocation": if rng.random_bool(0.7) { json!(COUNTRIES[rng.random_range(0..3)]) } else { Value::Null } }),
        ),
        4 => (
            Method::POST,
            format!("/v1.0/groups/{static_group}/members/$ref"),
            member_ref,
        ),
        5 => (
            Method::DELETE,
            format!("/v1.0/groups/{static_group}/members/{user}/$ref"),
            Value::Null,
        ),
        6 => (
            Method::POST,
            format!("/v1.0/users/{user}/assignLicense"),
            if rng.random_bool(0.6) {
                json!({ "addLicenses": [{ "skuId": sku, "disabledPlans": [] }], "removeLicenses": [] })
            } else {
                json!({ "addLicenses": [], "removeLicenses": [sku] })
            },
        ),
        7 => (
            Method::PATCH,
            format!("/roster/v1/subscriptions/{sku}"),
            json!({ "seats": rng.random_range(1..6) }),
        ),
        8 if rng.random_bool(0.3) => (Method::DELETE, format!("/v1.0/users/{user}"), Value::Null),
        8 | 13 => (
            Method::POST,
            format!("/v1.0/groups/{static_group}/members/$ref"),
            member_ref,
        ),
        9 => (
            Method::POST,
            format!("/v1.0/directory/deletedItems/{user}/restore"),
            json!({}),
        ),
        10 => (
            Method::PATCH,
            format!("/v1.0/groups/{dynamic}"),
            json!({ "membershipRule": RULES[rng.random_range(0..RULES.len())] }),
        ),
        11 => (
            Method::PATCH,
            format!("/v1.0/groups/{dynamic}"),
            json!({ "membershipRuleProcessingState": if rng.random_bool(0.5) { "Paused" } else { "On" } }),
        ),
        _ => (
            Method::POST,
            format!("/v1.0/groups/{dynamic}/assignLicense"),
            if rng.random_bool(0.6) {
                json!({ "addLicenses": [{ "skuId": sku, "disabledPlans": [] }], "removeLicenses": [] })
            } else {
                json!({ "addLicenses": [], "removeLicenses": [sku] })
            },
        ),
    }
}

async fn create_group(app: &TestApp, name: &str, rule: Option<&str>) -> String {
    let mut body = json!({ "displayName": name, "mailNickname": name, "mailEnabled": false, "securityEnabled": true });
    if let Some(rule) = rule {
        body["groupTypes"] = json!(["DynamicMembership"]);
        body["membershipRule"] = json!(rule);
    }
    let reply = app.post("/v1.0/groups", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_and_memberships_stay_consistent_under_random_changes() {
    let app = spawn_app().await;
    let peer = match app.database_url {
        Some(_) => Some(app.spawn_peer().await),
        None => None,
    };
    let skus = vec![app.buy("SPE_E3", 3).await, app.buy("EMS", 2).await];
    let mut rng = StdRng::seed_from_u64(0x726f73746572);
    let mut users = Vec::new();
    for index in 0..14 {
        let mut extra = json!({
            "department": DEPARTMENTS[rng.random_range(0..3)],
            "country": COUNTRIES[rng.random_range(0..3)],
        });
        if rng.random_bool(0.8) {
            extra["usageLocation"] = json!(COUNTRIES[rng.random_range(0..3)]);
        }
        users.push(
            app.create_user(&format!("u{index}"), extra).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let static_group = create_group(&app, "static", None).await;
    let dynamic_groups = vec![
        create_group(&app, "dyn-a", Some(RULES[0])).await,
        create_group(&app, "dyn-b", Some(RULES[1])).await,
    ];
    for (group, sku) in [(&static_group, &skus[1]), (&dynamic_groups[0], &skus[0])] {
        let reply = app
            .post(
                &format!("/v1.0/groups/{group}/assignLicense"),
                json!({ "addLicenses": [{ "skuId": sku, "disabledPlans": [] }], "removeLicenses": [] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    }

    // Rounds of two changes at once (one to each server on PostgreSQL), with the group worker
    // running between and during them.
    let mut outcomes: HashMap<u16, usize> = HashMap::new();
    let mut waiting = 0;
    for round in 0..240 {
        let changes: Vec<(Method, String, Value)> = (0..2)
            .map(|_| random_change(&mut rng, &users, &static_group, &dynamic_groups, &skus))
            .collect();
        let requests = changes
            .into_iter()
            .enumerate()
            .map(|(index, (method, path, body))| {
                let app = &app;
                let url = match (&peer, index) {
                    (Some(peer), 1) => format!("{peer}{path}"),
                    _ => app.url(&path),
                };
                let body = (!body.is_null()).then_some(body);
                async move { app.call(&app.app_token, method, &url, body).await }
            });
        let drain = async {
            if round % 3 == 0 {
                app.drain_jobs().await;
            }
        };
        let (replies, ()) = tokio::join!(futures::future::join_all(requests), drain);
        for reply in replies {
            assert!(reply.status.as_u16() < 500, "{:?}", reply.body);
            *outcomes.entry(reply.status.as_u16()).or_default() += 1;
        }
        // Every twelve rounds, once processing has caught up, the invariants hold.
        if round % 12 == 11 {
            app.drain_jobs().await;
            waiting += check_invariants(&app, &static_group, &dynamic_groups).await;
        }
    }
    // The sequence did real work, and met refusals too (seats, deleted users, ...).
    assert!(
        outcomes.get(&204).copied().unwrap_or(0) > 40,
        "{outcomes:?}"
    );
    assert!(outcomes.get(&400).copied().unwrap_or(0) > 0, "{outcomes:?}");
    assert!(waiting > 0, "some members waited for a seat at some point");
}

/// Checks the invariants once every change has been processed; returns how many group licenses
/// wait for a seat.
async fn check_invariants(app: &TestApp, static_group: &str, dynamic_groups: &[String]) -> usize {
    app.drain_jobs().await;
    assert_eq!(
        app.get("/roster/v1/groups/processing").await.body["queued"],
        0
    );

    let listed = app
        .get("/v1.0/users?$select=id,displayName,assignedLicenses,licenseAssignmentStates&$top=999")
        .await;
    let live: Vec<Value> = listed.body["value"].as_array().unwrap().clone();

    // Seats equal holders, and never exceed what was bought.
    let subscribed = app.get("/v1.0/subscribedSkus").await;
    for sku in subscribed.body["value"].as_array().unwrap() {
        let holders = live
            .iter()
            .filter(|u| {
                u["assignedLicenses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["skuId"] == sku["skuId"])
            })
            .count() as i64;
        let consumed = sku["consumedUnits"].as_i64().unwrap();
        assert_eq!(consumed, holders, "{sku}");
        assert!(
            consumed <= sku["prepaidUnits"]["enabled"].as_i64().unwrap(),
            "{sku}"
        );
    }

    // Every dynamic group whose rule is on holds exactly the users its rule takes in.
    for group in dynamic_groups {
        let reply = app.get(&format!("/v1.0/groups/{group}")).await;
        if reply.body["membershipRuleProcessingState"] != "On" {
            continue;
        }
        let preview = app
            .post(
                "/roster/v1/groups/previewRule",
                json!({ "membershipRule": reply.body["membershipRule"], "groupId": group }),
            )
            .await;
        assert_eq!(preview.body["joining"]["count"], 0, "{:?}", preview.body);
        assert_eq!(preview.body["leaving"]["count"], 0, "{:?}", preview.body);
    }

    // Every user's licenses agree with its groups: one state per license of each licensed group
    // it is a member of and none from any other, and it holds what its direct and working
    // inherited licenses give.
    let mut group_licenses: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut group_members: HashMap<String, BTreeSet<String>> = HashMap::new();
    for group in dynamic_groups
        .iter()
        .map(String::as_str)
        .chain([static_group])
    {
        let reply = app.get(&format!("/v1.0/groups/{group}")).await;
        let licenses: BTreeSet<String> = reply.body["assignedLicenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["skuId"].as_str().unwrap().to_string())
            .collect();
        group_licenses.insert(group.to_string(), licenses);
        let members = app.get(&format!("/v1.0/groups/{group}/members")).await;
        group_members.insert(
            group.to_string(),
            members.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect(),
        );
    }
    for user in &live {
        let id = user["id"].as_str().unwrap();
        let states = user["licenseAssignmentStates"].as_array().unwrap();
        for (group, licenses) in &group_licenses {
            let from_group: BTreeSet<String> = states
                .iter()
                .filter(|s| s["assignedByGroup"] == group.as_str())
                .map(|s| s["skuId"].as_str().unwrap().to_string())
                .collect();
            let expected = if group_members[group].contains(id) {
                licenses.clone()
            } else {
                BTreeSet::new()
            };
            assert_eq!(
                from_group, expected,
                "user {} and group {group}",
                user["displayName"]
            );
        }
        let held: BTreeSet<String> = user["assignedLicenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["skuId"].as_str().unwrap().to_string())
            .collect();
        let given: BTreeSet<String> = states
            .iter()
            .filter(|s| s["state"] == "Active")
            .map(|s| s["skuId"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(held, given, "user {}", user["displayName"]);
        // A member left waiting for a seat waits because one of its group's products has none.
        for state in states.iter().filter(|s| s["error"] == "CountViolation") {
            let group = state["assignedByGroup"].as_str().unwrap();
            let short = group_licenses[group].iter().any(|sku| {
                subscribed.body["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| {
                        s["skuId"] == sku.as_str()
                            && s["consumedUnits"].as_i64() >= s["prepaidUnits"]["enabled"].as_i64()
                    })
            });
            assert!(
                short,
                "user {} waits with seats free: {state}",
                user["displayName"]
            );
        }
    }
    // The filters on holding a license agree with what each user holds: the database's count
    // of each user's licenses that took (`active_licenses`) followed every change.
    for (filter, holds) in [
        ("assignedLicenses/any()", true),
        ("not(assignedLicenses/any())", false),
    ] {
        let listed = app
            .get_eventual(&format!(
                "/v1.0/users?$filter={filter}&$select=id&$top=999&$count=true"
            ))
            .await
            .body;
        let ids: BTreeSet<&str> = listed["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        let expected: BTreeSet<&str> = live
            .iter()
            .filter(|u| u["assignedLicenses"].as_array().unwrap().is_empty() != holds)
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "{filter}");
        assert_eq!(listed["@odata.count"], expected.len(), "{filter}");
    }
    live.iter()
        .map(|u| {
            u["licenseAssignmentStates"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["error"] == "CountViolation")
                .count()
        })
        .sum()
}
