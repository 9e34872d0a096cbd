use reqwest::StatusCode;
use roster_testkit::{DOMAIN, spawn_app};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_read_update_delete_restore_purge() {
    let app = spawn_app().await;
    let created = app
        .create_user(
            "adele",
            json!({ "givenName": "Adele", "department": "Sales", "usageLocation": "nl" }),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let password = created["passwordProfile"]["password"]
        .as_str()
        .expect("generated password shown once");
    assert!(
        password.len() >= 22,
        "a generated password has at least 128 bits"
    );
    assert_eq!(created["userPrincipalName"], format!("adele@{DOMAIN}"));

    // By id and by UPN (case-insensitively); the password is never returned again.
    let by_id = app
        .get(&format!(
            "/v1.0/users/{id}?$select=department,usageLocation,passwordProfile"
        ))
        .await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert_eq!(by_id.body["department"], "Sales");
    assert_eq!(by_id.body["usageLocation"], "NL");
    assert_eq!(by_id.body["passwordProfile"], serde_json::Value::Null);
    let by_upn = app.get(&format!("/v1.0/users/ADELE@{DOMAIN}")).await;
    assert_eq!(by_upn.body["id"], id);

    let patched = app
        .patch(
            &format!("/v1.0/users/{id}"),
            json!({ "jobTitle": "Director", "department": null }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT);
    let after = app
        .get(&format!("/v1.0/users/{id}?$select=jobTitle,department"))
        .await;
    assert_eq!(after.body["jobTitle"], "Director");
    assert_eq!(after.body["department"], serde_json::Value::Null);

    assert_eq!(
        app.delete(&format!("/v1.0/users/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = app.get(&format!("/v1.0/users/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.code(), "Request_ResourceNotFound");
    for cast in ["microsoft.graph.user", "graph.user"] {
        let deleted = app
            .get(&format!("/v1.0/directory/deletedItems/{cast}"))
            .await;
        assert_eq!(deleted.status, StatusCode::OK, "{cast}");
        let item = deleted.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .cloned();
        assert!(
            item.is_some_and(|u| u["deletedDateTime"].is_string()),
            "{cast} lists the deleted user"
        );
    }
    // A deleted user's UPN is free for a new account; restoring the old one then conflicts.
    let restored = app
        .post(
            &format!("/v1.0/directory/deletedItems/{id}/restore"),
            json!(null),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.body);
    let back = app.get(&format!("/v1.0/users/{id}?$select=jobTitle")).await;
    assert_eq!(
        back.body["jobTitle"], "Director",
        "restored with its properties"
    );

    assert_eq!(
        app.delete(&format!("/v1.0/users/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&format!("/v1.0/directory/deletedItems/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1.0/directory/deletedItems/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let restore_purged = app
        .post(
            &format!("/v1.0/directory/deletedItems/{id}/restore"),
            json!(null),
        )
        .await;
    assert_eq!(restore_purged.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_graph_errors_and_writes_nothing() {
    let app = spawn_app().await;
    app.create_user("dup", json!({})).await;
    let user = |upn: &str| json!({ "accountEnabled": true, "displayName": "X", "mailNickname": "x", "userPrincipalName": upn });

    let duplicate = app
        .post("/v1.0/users", user(&format!("DUP@{DOMAIN}")))
        .await;
    assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
    assert_eq!(duplicate.code(), "Request_BadRequest");
    assert_eq!(
        duplicate.message(),
        "Another object with the same value for property userPrincipalName already exists."
    );
    assert_eq!(
        duplicate.body["error"]["details"][0]["target"],
        "userPrincipalName"
    );
    assert_eq!(
        duplicate.body["error"]["details"][0]["code"],
        "ObjectConflict"
    );

    let invalid = app.post("/v1.0/users", user("no-at-sign")).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert!(
        invalid
            .message()
            .starts_with("Property userPrincipalName is invalid"),
        "{}",
        invalid.message()
    );

    let foreign = app.post("/v1.0/users", user("x@fabrikam.example")).await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert!(
        foreign
            .message()
            .contains("fabrikam.example is not a verified domain of this tenant"),
        "{}",
        foreign.message()
    );

    let mut unknown = user(&format!("u1@{DOMAIN}"));
    unknown["favouriteColour"] = json!("red");
    let reply = app.post("/v1.0/users", unknown).await;
    assert_eq!(
        reply.message(),
        "Property 'favouriteColour' does not exist as a declared property or extension property."
    );

    let mut read_only = user(&format!("u2@{DOMAIN}"));
    read_only["id"] = json!("00000000-0000-0000-0000-000000000001");
    assert!(
        app.post("/v1.0/users", read_only)
            .await
            .message()
            .contains("read-only")
    );

    let mut weak = user(&format!("u3@{DOMAIN}"));
    weak["passwordProfile"] = json!({ "password": "short" });
    assert!(
        app.post("/v1.0/users", weak)
            .await
            .message()
            .contains("password complexity")
    );

    let mut long = user(&format!("u4@{DOMAIN}"));
    long["department"] = json!("d".repeat(65));
    let reply = app.post("/v1.0/users", long).await;
    assert!(
        reply.message().contains("department") && reply.message().contains("64"),
        "{}",
        reply.message()
    );

    let mut bad_location = user(&format!("u5@{DOMAIN}"));
    bad_location["usageLocation"] = json!("Netherlands");
    assert!(
        app.post("/v1.0/users", bad_location)
            .await
            .message()
            .contains("usageLocation")
    );

    let malformed = app
        .client
        .post(app.url("/v1.0/users"))
        .bearer_auth(&app.app_token)
        .header("content-type", "application/json")
        .body("{\"displayName\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid JSON")
    );
    assert!(body["error"]["innerError"]["request-id"].is_string());

    // A separate client: the server answers before reading the whole body and closes that
    // connection, which must not break the shared client's pool.
    let oversized = reqwest::Client::new()
        .post(app.url("/v1.0/users"))
        .bearer_auth(&app.app_token)
        .header("content-type", "application/json")
        .body(vec![b' '; 5 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Nothing of the refused requests was written.
    let all = app.get("/v1.0/users?$select=userPrincipalName").await;
    let upns: Vec<&str> = all.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["userPrincipalName"].as_str())
        .collect();
    assert_eq!(upns.len(), 2, "only the admin and dup exist: {upns:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_and_direct_reports() {
    let app = spawn_app().await;
    let boss = app.create_user("boss", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let worker = app.create_user("worker", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reference = json!({ "@odata.id": format!("{}/v1.0/users/{boss}", app.address) });
    let set = app
        .call(
            &app.app_token,
            reqwest::Method::PUT,
            &format!("/v1.0/users/{worker}/manager/$ref"),
            Some(reference),
        )
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{:?}", set.body);
    let manager = app.get(&format!("/v1.0/users/{worker}/manager")).await;
    assert_eq!(manager.body["id"], boss);
    assert_eq!(manager.body["@odata.type"], "#microsoft.graph.user");
    let reports = app.get(&format!("/v1.0/users/{boss}/directReports")).await;
    assert_eq!(reports.body["value"][0]["id"], worker);

    // A loop is refused.
    let back = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{worker}") });
    let looped = app
        .call(
            &app.app_token,
            reqwest::Method::PUT,
            &format!("/v1.0/users/{boss}/manager/$ref"),
            Some(back),
        )
        .await;
    assert_eq!(looped.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        app.delete(&format!("/v1.0/users/{worker}/manager/$ref"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/{worker}/manager"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.get(&format!("/v1.0/users/{boss}/directReports"))
            .await
            .body["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_audited_with_its_actor() {
    let app = spawn_app().await;
    let id = app.create_user("audited", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.patch(&format!("/v1.0/users/{id}"), json!({ "city": "Delft" }))
        .await;
    let log = app.get("/roster/v1/auditLogs?top=10").await;
    assert_eq!(log.status, StatusCode::OK);
    let records = log.body["value"].as_array().unwrap();
    let update = records
        .iter()
        .find(|r| r["activityDisplayName"] == "Update user" && r["targetResources"][0]["id"] == id)
        .expect("update recorded");
    assert_eq!(update["initiatedBy"]["displayName"], "roster bootstrap");
    assert_eq!(update["modifiedProperties"]["newValue"]["city"], "Delft");
    assert_eq!(
        update["modifiedProperties"]["oldValue"]["city"],
        serde_json::Value::Null
    );
    assert!(
        records
            .iter()
            .any(|r| r["activityDisplayName"] == "Add user" && r["targetResources"][0]["id"] == id)
    );
}
