//! Bulk modifications: every kind, its `unchanged` re-run, per-row authorization and dry runs.

use reqwest::StatusCode;
use roster_testkit::{DOMAIN, TestApp, spawn_app};
use serde_json::{Value, json};

fn upn(alias: &str) -> String {
    format!("{alias}@{DOMAIN}")
}

/// Submits a job, runs it, and returns its results by row.
async fn run(app: &TestApp, kind: &str, rows: Value, options: Value) -> Vec<Value> {
    let submitted = app
        .post(
            &format!("/roster/v1/jobs/{kind}"),
            json!({ "rows": rows, "options": options }),
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::ACCEPTED,
        "{kind}: {:?}",
        submitted.body
    );
    let id = submitted.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;
    let results = app.get(&format!("/roster/v1/jobs/{id}/results")).await;
    assert_eq!(results.body["job"]["status"], "completed");
    results.body["value"].as_array().unwrap().clone()
}

fn statuses(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

async fn user(app: &TestApp, alias: &str, select: &str) -> Value {
    app.get(&format!("/v1.0/users/{}?$select={select}", upn(alias)))
        .await
        .body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_unblock_and_update_report_unchanged_on_a_second_run() {
    let app = spawn_app().await;
    for alias in ["b1", "b2", "b3"] {
        app.create_user(alias, json!({})).await;
    }
    let rows = json!([{ "user": upn("b1") }, { "user": upn("b2") }, { "user": upn("nobody") }]);
    let first = run(&app, "blockUsers", rows.clone(), json!({})).await;
    assert_eq!(statuses(&first), ["succeeded", "succeeded", "failed"]);
    assert_eq!(first[2]["errorColumn"], "user");
    assert_eq!(
        user(&app, "b1", "accountEnabled").await["accountEnabled"],
        false
    );
    assert_eq!(
        user(&app, "b3", "accountEnabled").await["accountEnabled"],
        true
    );
    let again = run(&app, "blockUsers", rows, json!({})).await;
    assert_eq!(statuses(&again), ["unchanged", "unchanged", "failed"]);

    let unblocked = run(
        &app,
        "unblockUsers",
        json!([{ "user": upn("b1") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&unblocked), ["succeeded"]);
    assert_eq!(
        user(&app, "b1", "accountEnabled").await["accountEnabled"],
        true
    );

    // Names, contact and authentication contact details, MFA: one update kind.
    let rows = json!([
        { "user": upn("b1"), "givenName": "Anna", "surname": "Berg", "displayName": "Anna Berg",
          "mobilePhone": "+31 6 1234 5678", "city": "Utrecht",
          "authenticationPhone": "+31 6 0000 0001", "otherMails": ["anna@home.example"],
          "perUserMfaState": "Enforced", "mfaAllowedMethods": ["oath", "sms"], "mfaDefaultMethod": "oath" },
        { "user": upn("b2"), "perUserMfaState": "sometimes" },
        { "user": upn("b3"), "jobTitle": "x".repeat(129) },
    ]);
    let updated = run(&app, "updateUsers", rows.clone(), json!({})).await;
    assert_eq!(statuses(&updated), ["succeeded", "failed", "failed"]);
    assert_eq!(updated[1]["errorColumn"], "perUserMfaState");
    assert_eq!(updated[2]["errorColumn"], "jobTitle");
    let anna = user(
        &app,
        "b1",
        "displayName,city,authenticationPhone,otherMails,perUserMfaState,mfaAllowedMethods,mfaDefaultMethod",
    )
    .await;
    assert_eq!(anna["displayName"], "Anna Berg");
    assert_eq!(anna["city"], "Utrecht");
    assert_eq!(anna["authenticationPhone"], "+31 6 0000 0001");
    assert_eq!(anna["otherMails"], json!(["anna@home.example"]));
    assert_eq!(anna["perUserMfaState"], "enforced");
    assert_eq!(anna["mfaAllowedMethods"], json!(["oath", "sms"]));
    let again = run(&app, "updateUsers", rows, json!({})).await;
    assert_eq!(statuses(&again), ["unchanged", "failed", "failed"]);

    // Every change is in the audit log with its job.
    let log = app.get("/roster/v1/auditLogs?top=200").await;
    let blocked = log.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["targetResources"][0]["displayName"] == upn("b2")
                && r["activityDisplayName"] == "Update user"
        })
        .count();
    assert_eq!(
        blocked, 1,
        "one audit record for b2's block, none for the re-run"
    );
    assert!(
        log.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["activityDisplayName"] == "Update user")
            .all(|r| !r["jobId"].is_null())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_restore_purge_and_change_domain() {
    let app = spawn_app().await;
    app.add_domain("fabrikam.example").await;
    for alias in ["d1", "d2", "d3"] {
        app.create_user(alias, json!({ "mail": upn(alias) })).await;
    }
    let deleted = run(
        &app,
        "deleteUsers",
        json!([{ "user": upn("d1") }, { "user": upn("d2") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&deleted), ["succeeded", "succeeded"]);
    let again = run(
        &app,
        "deleteUsers",
        json!([{ "user": upn("d1") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&again), ["unchanged"]);

    let restored = run(
        &app,
        "restoreUsers",
        json!([{ "user": upn("d1") }, { "user": upn("d3") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&restored), ["succeeded", "unchanged"]);
    let purged = run(
        &app,
        "purgeUsers",
        json!([{ "user": upn("d2") }, { "user": upn("d3") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&purged), ["succeeded", "failed"]);
    assert_eq!(
        app.get("/v1.0/directory/deletedItems/microsoft.graph.user")
            .await
            .body["value"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let moved = run(
        &app,
        "changeDomain",
        json!([{ "user": upn("d1") }, { "user": upn("d3") }, { "user": "d1@fabrikam.example", "domain": "elsewhere.example" }]),
        json!({ "domain": "fabrikam.example" }),
    )
    .await;
    assert_eq!(statuses(&moved), ["succeeded", "succeeded", "failed"]);
    assert_eq!(moved[2]["errorColumn"], "domain", "{:?}", moved[2]);
    let d1 = app
        .get("/v1.0/users/d1@fabrikam.example?$select=userPrincipalName,mail")
        .await;
    assert_eq!(d1.body["mail"], "d1@fabrikam.example");
    let again = run(
        &app,
        "changeDomain",
        json!([{ "user": "d1@fabrikam.example" }]),
        json!({ "domain": "fabrikam.example" }),
    )
    .await;
    assert_eq!(statuses(&again), ["unchanged"]);

    // A new user name that another user already has: the clash is the domain column's.
    app.create_user("d1", json!({ "mailNickname": "d1again" }))
        .await;
    let clash = run(
        &app,
        "changeDomain",
        json!([{ "user": upn("d1") }]),
        json!({ "domain": "fabrikam.example" }),
    )
    .await;
    assert_eq!(statuses(&clash), ["failed"]);
    assert_eq!(clash[0]["errorColumn"], "domain", "{:?}", clash[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_groups_managers_passwords_and_sessions() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 2).await;
    let group = app
        .post("/v1.0/groups", json!({ "displayName": "Team", "mailNickname": "team", "mailEnabled": false, "securityEnabled": true }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    for alias in ["l1", "l2", "l3"] {
        app.create_user(alias, json!({ "usageLocation": "NL" }))
            .await;
    }
    app.create_user("boss", json!({})).await;

    let rows = json!([{ "user": upn("l1") }, { "user": upn("l2") }, { "user": upn("l3") }]);
    let assigned = run(
        &app,
        "assignLicenses",
        rows.clone(),
        json!({ "licenses": [sku] }),
    )
    .await;
    assert_eq!(statuses(&assigned), ["succeeded", "succeeded", "failed"]);
    assert!(
        assigned[2]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("does not have any available licenses"),
        "{:?}",
        assigned[2]
    );
    let again = run(
        &app,
        "assignLicenses",
        rows.clone(),
        json!({ "licenses": [sku] }),
    )
    .await;
    assert_eq!(statuses(&again), ["unchanged", "unchanged", "failed"]);
    let removed = run(
        &app,
        "removeLicenses",
        rows.clone(),
        json!({ "licenses": [sku] }),
    )
    .await;
    assert_eq!(statuses(&removed), ["succeeded", "succeeded", "unchanged"]);

    let added = run(
        &app,
        "addToGroups",
        rows.clone(),
        json!({ "groups": [group] }),
    )
    .await;
    assert_eq!(statuses(&added), ["succeeded", "succeeded", "succeeded"]);
    let members = app.get(&format!("/v1.0/groups/{group}/members")).await;
    assert_eq!(members.body["value"].as_array().unwrap().len(), 3);
    let again = run(
        &app,
        "addToGroups",
        rows.clone(),
        json!({ "groups": [group] }),
    )
    .await;
    assert_eq!(statuses(&again), ["unchanged", "unchanged", "unchanged"]);
    let left = run(
        &app,
        "removeFromGroups",
        json!([{ "user": upn("l1") }]),
        json!({ "groups": [group] }),
    )
    .await;
    assert_eq!(statuses(&left), ["succeeded"]);

    let managed = run(
        &app,
        "setManager",
        json!([{ "user": upn("l1"), "manager": upn("boss") }, { "user": upn("l2"), "manager": upn("ghost") }, { "user": upn("boss"), "manager": upn("boss") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&managed), ["succeeded", "failed", "failed"]);
    assert_eq!(managed[1]["errorColumn"], "manager");
    let manager = app.get(&format!("/v1.0/users/{}/manager", upn("l1"))).await;
    assert_eq!(manager.body["userPrincipalName"], upn("boss"));

    // Reset passwords, given and generated; the given one works at once, the generated one is
    // shown once to the submitter.
    let reset = run(
        &app,
        "resetPasswords",
        json!([{ "user": upn("l1"), "password": "Given-Passw0rd-1" }, { "user": upn("l2") }]),
        json!({ "forceChangePasswordNextSignIn": false }),
    )
    .await;
    assert_eq!(statuses(&reset), ["succeeded", "succeeded"]);
    assert!(reset[0]["generatedPassword"].is_null());
    let generated = reset[1]["generatedPassword"].as_str().unwrap().to_string();
    assert!(generated.len() >= 20);
    let token = app
        .password_token(&upn("l1"), "Given-Passw0rd-1")
        .await
        .expect("the given password signs in");
    // The generated password is right, and must be changed first (a wrong one is 50126).
    let expired = app
        .password_token(&upn("l2"), &generated)
        .await
        .unwrap_err();
    assert!(
        expired.body["error_codes"][0] == 50055,
        "{:?}",
        expired.body
    );
    app.patch(
        &format!("/v1.0/users/{}", upn("l2")),
        json!({ "passwordProfile": { "password": "Chosen-Passw0rd-2", "forceChangePasswordNextSignIn": false } }),
    )
    .await;
    let token2 = app
        .password_token(&upn("l2"), "Chosen-Passw0rd-2")
        .await
        .unwrap();
    let me = app
        .call(&token, reqwest::Method::GET, "/v1.0/me", None)
        .await;
    assert_eq!(me.status, StatusCode::OK);

    let revoked = run(
        &app,
        "revokeSessions",
        json!([{ "user": upn("l1") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&revoked), ["succeeded"]);
    let me = app
        .call(&token, reqwest::Method::GET, "/v1.0/me", None)
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "revoked at once");
    let me = app
        .call(&token2, reqwest::Method::GET, "/v1.0/me", None)
        .await;
    assert_eq!(me.status, StatusCode::OK, "only l1's sessions were revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_row_is_authorized_against_its_target() {
    let app = spawn_app().await;
    let helpdesk = app
        .create_user("helpdesk", json!({ "passwordProfile": { "password": "Helpd3sk-Passw0rd", "forceChangePasswordNextSignIn": false } }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/roster/v1/roleAssignments",
        json!({ "principalId": helpdesk, "role": "Helpdesk Administrator" }),
    )
    .await;
    let admin = app.create_user("otheradmin", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/roster/v1/roleAssignments",
        json!({ "principalId": admin, "role": "Global Administrator" }),
    )
    .await;
    app.create_user("plain", json!({})).await;
    let token = app
        .password_token(&upn("helpdesk"), "Helpd3sk-Passw0rd")
        .await
        .unwrap();

    let submit = |kind: &str| format!("/roster/v1/jobs/{kind}");
    let refused = app
        .call(
            &token,
            reqwest::Method::POST,
            &submit("deleteUsers"),
            Some(json!({ "rows": [{ "user": upn("plain") }] })),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "helpdesk cannot delete"
    );

    let job = app
        .call(
            &token,
            reqwest::Method::POST,
            &submit("blockUsers"),
            Some(json!({ "rows": [{ "user": upn("plain") }, { "user": upn("otheradmin") }] })),
        )
        .await;
    assert_eq!(job.status, StatusCode::ACCEPTED);
    app.drain_jobs().await;
    let id = job.body["id"].as_str().unwrap();
    let results = app
        .call(
            &token,
            reqwest::Method::GET,
            &format!("/roster/v1/jobs/{id}/results"),
            None,
        )
        .await;
    let rows = results.body["value"].as_array().unwrap();
    assert_eq!(statuses(rows), ["succeeded", "failed"]);
    assert!(
        rows[1]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("privilege")
    );
    assert_eq!(
        user(&app, "otheradmin", "accountEnabled").await["accountEnabled"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_says_what_each_row_would_do_and_writes_nothing() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 1).await;
    app.create_user("dry1", json!({ "department": "Sales" }))
        .await;
    app.create_user("dry2", json!({ "usageLocation": "NL" }))
        .await;
    let before = app.get("/roster/v1/auditLogs?top=500").await.body["value"]
        .as_array()
        .unwrap()
        .len();

    let preview = app
        .post(
            "/roster/v1/jobs/updateUsers?dryRun=true",
            json!({ "rows": [
                { "user": upn("dry1"), "department": "Finance" },
                { "user": upn("dry2"), "department": null },
                { "user": upn("ghost"), "department": "Finance" },
            ] }),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    let rows = preview.body["value"].as_array().unwrap();
    assert_eq!(statuses(rows), ["succeeded", "unchanged", "failed"]);
    assert_eq!(rows[0]["changes"]["before"]["department"], "Sales");
    assert_eq!(rows[0]["changes"]["after"]["department"], "Finance");
    assert_eq!(
        user(&app, "dry1", "department").await["department"],
        "Sales"
    );

    // Rows see each other within a dry run: the second seat is not there.
    let preview = app
        .post(
            "/roster/v1/jobs/createUsers?dryRun=true",
            json!({ "rows": [
                { "userPrincipalName": upn("new1"), "displayName": "New 1" },
                { "userPrincipalName": upn("new2"), "displayName": "New 2" },
                { "userPrincipalName": upn("new1"), "displayName": "New 1 again" },
            ], "options": { "usageLocation": "NL", "licenses": [sku] } }),
        )
        .await;
    let rows = preview.body["value"].as_array().unwrap();
    assert_eq!(statuses(rows), ["succeeded", "failed", "unchanged"]);
    assert_eq!(rows[1]["errorColumn"], "licenses");
    assert_eq!(
        app.get(&format!("/v1.0/users/{}", upn("new1")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 0);
    let after = app.get("/roster/v1/auditLogs?top=500").await.body["value"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a dry run leaves no audit record");
    assert_eq!(
        app.get("/roster/v1/jobs").await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let unknown = app
        .post("/roster/v1/jobs/frobnicate", json!({ "rows": [] }))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.message().contains("blockUsers"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_keep_the_rules_of_the_requests_they_stand_for() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    let ems = app.buy("EMS", 5).await;
    app.create_user("r1", json!({ "usageLocation": "NL" }))
        .await;

    // A given password meets the same rules as a reset through the API, also in a dry run.
    let weak = json!([{ "user": upn("r1"), "password": "a" }]);
    let preview = app
        .post(
            "/roster/v1/jobs/resetPasswords?dryRun=true",
            json!({ "rows": weak }),
        )
        .await;
    assert_eq!(preview.body["value"][0]["status"], "failed");
    assert_eq!(preview.body["value"][0]["errorColumn"], "password");
    let reset = run(&app, "resetPasswords", weak, json!({})).await;
    assert_eq!(statuses(&reset), ["failed"]);
    assert!(app.password_token(&upn("r1"), "a").await.is_err());

    // Disabled plans apply to the licenses that have them: Exchange is in E3, not in EMS.
    let exchange = "efb87545-963c-4e0d-99df-69c6916d9eb0";
    let options = json!({ "licenses": [e3, ems], "disabledPlans": [exchange] });
    let assigned = run(
        &app,
        "assignLicenses",
        json!([{ "user": upn("r1") }]),
        options.clone(),
    )
    .await;
    assert_eq!(statuses(&assigned), ["succeeded"], "{assigned:?}");
    let licenses = app
        .get(&format!(
            "/v1.0/users/{}?$select=assignedLicenses",
            upn("r1")
        ))
        .await;
    let held = licenses.body["assignedLicenses"]
        .as_array()
        .unwrap()
        .clone();
    let disabled = |sku: &str| {
        held.iter()
            .find(|l| l["skuId"] == sku)
            .map(|l| l["disabledPlans"].clone())
    };
    assert_eq!(disabled(&e3), Some(json!([exchange])));
    assert_eq!(disabled(&ems), Some(json!([])));
    let again = run(
        &app,
        "assignLicenses",
        json!([{ "user": upn("r1") }]),
        options,
    )
    .await;
    assert_eq!(statuses(&again), ["unchanged"]);

    // A group that does not exist is an error, not "unchanged".
    let ghost = "00000000-0000-7000-8000-00000000dead";
    let left = run(
        &app,
        "removeFromGroups",
        json!([{ "user": upn("r1") }]),
        json!({ "groups": [ghost] }),
    )
    .await;
    assert_eq!(statuses(&left), ["failed"]);
    assert_eq!(left[0]["errorColumn"], "groups");

    // A date more precise than the store keeps settles: the same value again is unchanged.
    let hired = json!([{ "user": upn("r1"), "employeeHireDate": "2024-03-01T09:00:00.1234567Z" }]);
    assert_eq!(
        statuses(&run(&app, "updateUsers", hired.clone(), json!({})).await),
        ["succeeded"]
    );
    assert_eq!(
        statuses(&run(&app, "updateUsers", hired, json!({})).await),
        ["unchanged"]
    );

    // Two deleted users with one name: a row naming that name purges neither.
    for _ in 0..2 {
        let twin = app.create_user("twin", json!({})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.delete(&format!("/v1.0/users/{twin}")).await;
    }
    let purged = run(
        &app,
        "purgeUsers",
        json!([{ "user": upn("twin") }]),
        json!({}),
    )
    .await;
    assert_eq!(statuses(&purged), ["failed"]);
    assert!(
        purged[0]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("object id")
    );
    let bin = app
        .get("/v1.0/directory/deletedItems/microsoft.graph.user")
        .await;
    assert_eq!(bin.body["value"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_stops_acting_for_a_submitter_who_is_blocked() {
    let app = spawn_app().await;
    let admin = app
        .create_user("useradmin", json!({ "passwordProfile": { "password": "Us3r-Admin-Passw0rd", "forceChangePasswordNextSignIn": false } }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/roster/v1/roleAssignments",
        json!({ "principalId": admin, "role": "User Administrator" }),
    )
    .await;
    app.create_user("target", json!({})).await;
    let token = app
        .password_token(&upn("useradmin"), "Us3r-Admin-Passw0rd")
        .await
        .unwrap();
    let rows = json!([{ "userPrincipalName": upn("fresh"), "displayName": "Fresh" }]);
    let create = app
        .call(
            &token,
            reqwest::Method::POST,
            "/roster/v1/jobs/createUsers",
            Some(json!({ "rows": rows })),
        )
        .await;
    assert_eq!(create.status, StatusCode::ACCEPTED);
    let block = app
        .call(
            &token,
            reqwest::Method::POST,
            "/roster/v1/jobs/blockUsers",
            Some(json!({ "rows": [{ "user": upn("target") }] })),
        )
        .await;
    assert_eq!(block.status, StatusCode::ACCEPTED);

    // Blocked before the jobs run: they change nothing.
    app.patch(
        &format!("/v1.0/users/{admin}"),
        json!({ "accountEnabled": false }),
    )
    .await;
    app.drain_jobs().await;
    for job in [&create, &block] {
        let id = job.body["id"].as_str().unwrap();
        let job = app.get(&format!("/roster/v1/jobs/{id}")).await;
        assert_eq!(job.body["failedRows"], 1, "{:?}", job.body);
    }
    assert_eq!(
        app.get(&format!("/v1.0/users/{}", upn("fresh")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        user(&app, "target", "accountEnabled").await["accountEnabled"],
        true
    );
}
