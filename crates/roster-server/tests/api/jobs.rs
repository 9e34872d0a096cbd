use reqwest::StatusCode;
use roster_testkit::{DOMAIN, spawn_app};
use serde_json::{Value, json};

fn row(alias: &str) -> Value {
    json!({ "userPrincipalName": format!("{alias}@{DOMAIN}"), "displayName": format!("User {alias}"), "department": "Sales" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_users_job_applies_each_row_on_its_own() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 8).await;
    let group = app
        .post("/v1.0/groups", json!({ "displayName": "Imported", "mailNickname": "imported", "mailEnabled": false, "securityEnabled": true }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user("existing", json!({})).await;

    let mut rows: Vec<Value> = (1..=9).map(|i| row(&format!("bulk{i}"))).collect();
    rows.push(json!({ "userPrincipalName": "not-a-upn", "displayName": "Bad" }));
    rows.push(row("existing"));
    rows.push(json!({ "userPrincipalName": format!("nameless@{DOMAIN}") }));
    let submitted = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": rows, "options": { "usageLocation": "NL", "licenses": [sku], "groups": [group] } }),
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::ACCEPTED,
        "{:?}",
        submitted.body
    );
    let id = submitted.body["id"].as_str().unwrap().to_string();
    assert_eq!(submitted.body["status"], "running");
    assert_eq!(submitted.body["totalRows"], 12);

    app.drain_jobs().await;
    let job = app.get(&format!("/roster/v1/jobs/{id}")).await;
    assert_eq!(job.body["status"], "completed", "{:?}", job.body);
    assert_eq!(job.body["processedRows"], 12);
    // Eight seats for nine new users: the ninth fails on its license and is not created.
    assert_eq!(job.body["failedRows"], 3);

    // Another administrator sees the outcomes, but not the passwords.
    let reader = app
        .create_user("reader", json!({ "passwordProfile": { "password": "Re4der-Passw0rd!", "forceChangePasswordNextSignIn": false } }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/roster/v1/roleAssignments",
        json!({ "principalId": reader, "role": "Global Reader" }),
    )
    .await;
    let reader_token = app
        .password_token(&format!("reader@{DOMAIN}"), "Re4der-Passw0rd!")
        .await
        .unwrap();
    let seen = app
        .call(
            &reader_token,
            reqwest::Method::GET,
            &format!("/roster/v1/jobs/{id}/results"),
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        seen.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["generatedPassword"].is_null())
    );
    let refused = app
        .call(
            &reader_token,
            reqwest::Method::DELETE,
            &format!("/roster/v1/jobs/{id}/outputs"),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "only the submitter");

    let results = app.get(&format!("/roster/v1/jobs/{id}/results")).await;
    let value = results.body["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), 12);
    let status = |n: usize| value[n - 1]["status"].as_str().unwrap().to_string();
    assert!((1..=8).all(|n| status(n) == "succeeded"));
    assert_eq!(status(9), "failed");
    assert_eq!(value[8]["errorColumn"], "licenses");
    assert!(
        value[8]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("available licenses")
    );
    assert_eq!(status(10), "failed");
    assert_eq!(value[9]["errorColumn"], "userPrincipalName");
    assert_eq!(status(11), "unchanged");
    assert_eq!(status(12), "failed");
    assert_eq!(value[11]["errorColumn"], "displayName");
    assert!(value[..8].iter().all(|r| {
        r["generatedPassword"]
            .as_str()
            .is_some_and(|p| p.len() >= 22)
    }));
    // Generated passwords stay until the submitter says they are kept (a client that fails to
    // write them can read them again), and are then forgotten.
    let again = app.get(&format!("/roster/v1/jobs/{id}/results")).await;
    assert!(again.body["value"][0]["generatedPassword"].is_string());
    let forget = app.delete(&format!("/roster/v1/jobs/{id}/outputs")).await;
    assert_eq!(forget.status, StatusCode::NO_CONTENT);
    let again = app.get(&format!("/roster/v1/jobs/{id}/results")).await;
    assert!(
        again.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["generatedPassword"].is_null())
    );

    let bulk1 = app
        .get(&format!(
            "/v1.0/users/bulk1@{DOMAIN}?$select=usageLocation,assignedLicenses,department"
        ))
        .await;
    assert_eq!(bulk1.body["usageLocation"], "NL");
    assert_eq!(bulk1.body["assignedLicenses"][0]["skuId"], sku);
    // The new users count as licensed (as their rows were written, `active_licenses`), the
    // others do not.
    let imported: Vec<String> = (1..=8).map(|i| format!("bulk{i}@{DOMAIN}")).collect();
    assert_eq!(user_names(&app, "assignedLicenses/any()").await, imported);
    let unlicensed = user_names(&app, "not(assignedLicenses/any())").await;
    assert!(
        unlicensed.contains(&format!("existing@{DOMAIN}")),
        "{unlicensed:?}"
    );
    assert!(
        unlicensed.iter().all(|name| !name.starts_with("bulk")),
        "{unlicensed:?}"
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/bulk9@{DOMAIN}")).await.status,
        StatusCode::NOT_FOUND,
        "a failed row leaves nothing"
    );
    let members = app.get(&format!("/v1.0/groups/{group}/members")).await;
    assert_eq!(members.body["value"].as_array().unwrap().len(), 8);

    // Every change is audited with its job.
    let log = app.get("/roster/v1/auditLogs?top=200").await;
    let added: Vec<&Value> = log.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["activityDisplayName"] == "Add user" && r["jobId"] == id)
        .collect();
    assert_eq!(added.len(), 8);
    // A new user's licenses are in its creation's record, not in one of their own; every seat
    // given is taken, none more.
    assert!(
        added.iter().all(|r| {
            r["modifiedProperties"]["newValue"]["assignedLicenses"][0]["skuId"] == sku
        })
    );
    assert!(
        !log.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| { r["activityDisplayName"] == "Change user license" && r["jobId"] == id })
    );
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 8, "{:?}", skus.body);
    // The batch's memberships are one record for the group, listing the eight new members
    // (not the ninth, whose row failed and was undone).
    let memberships: Vec<&Value> = log.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["activityDisplayName"] == "Add members to group" && r["jobId"] == id)
        .collect();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["targetResources"][0]["id"], group);
    let listed = memberships[0]["modifiedProperties"]["newValue"]["members"]
        .as_array()
        .unwrap();
    assert_eq!(listed.len(), 8);

    // With seats enough, a batch counts them as it goes and takes them at its end.
    let grow = app
        .patch(
            &format!("/roster/v1/subscriptions/{sku}"),
            json!({ "seats": 11 }),
        )
        .await;
    assert_eq!(grow.status, StatusCode::OK, "{:?}", grow.body);
    let more = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [row("more1"), row("more2")], "options": { "usageLocation": "NL", "licenses": [sku] } }),
        )
        .await;
    let more_id = more.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;
    let job = app.get(&format!("/roster/v1/jobs/{more_id}")).await;
    assert_eq!(job.body["failedRows"], 0, "{:?}", job.body);
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 10);

    // The same file again changes nothing.
    let rerun = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": rows[..8], "options": { "licenses": [sku] } }),
        )
        .await;
    let rerun_id = rerun.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;
    let results = app
        .get(&format!("/roster/v1/jobs/{rerun_id}/results"))
        .await;
    assert!(
        results.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "unchanged")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_submissions_are_checked() {
    let app = spawn_app().await;
    let no_rows = app
        .post("/roster/v1/jobs/createUsers", json!({ "options": {} }))
        .await;
    assert_eq!(no_rows.status, StatusCode::BAD_REQUEST);
    let bad_location = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [], "options": { "usageLocation": "XX" } }),
        )
        .await;
    assert!(bad_location.message().contains("usageLocation"));
    let bad_sku = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [], "options": { "licenses": ["E3"] } }),
        )
        .await;
    assert_eq!(bad_sku.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/roster/v1/jobs/00000000-0000-0000-0000-000000000001")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_jobs_are_accepted_whole() {
    let app = spawn_app().await;
    // About 6 MB of rows: more than an ordinary request may carry.
    let rows: Vec<Value> = (0..20_000).map(|i| row(&format!("large{i:05}"))).collect();
    let submitted = app
        .post("/roster/v1/jobs/createUsers", json!({ "rows": rows }))
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::ACCEPTED,
        "{:?}",
        submitted.body
    );
    assert_eq!(submitted.body["totalRows"], 20_000);
}

/// The user names that a `$filter` lists, sorted.
async fn user_names(app: &roster_testkit::TestApp, filter: &str) -> Vec<String> {
    let path = format!("/v1.0/users?$filter={filter}&$select=userPrincipalName&$top=999");
    let mut names: Vec<String> = app.get(&path).await.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}
