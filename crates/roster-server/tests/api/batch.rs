use reqwest::StatusCode;
use roster_testkit::{DOMAIN, spawn_app};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_runs_requests_in_dependency_order() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/v1.0/$batch",
            json!({ "requests": [
                { "id": "1", "method": "POST", "url": "/users", "headers": { "Content-Type": "application/json" },
                  "body": { "accountEnabled": true, "displayName": "Batch", "mailNickname": "batch", "userPrincipalName": format!("batch@{DOMAIN}") } },
                { "id": "2", "method": "GET", "url": format!("/v1.0/users/batch@{DOMAIN}?$select=displayName"), "dependsOn": ["1"] },
                { "id": "3", "method": "GET", "url": "/users/00000000-0000-0000-0000-000000000001" },
                { "id": "4", "method": "GET", "url": "/me", "depends_on": ["3"] },
                { "id": "5", "method": "PATCH", "url": format!("/users/batch@{DOMAIN}"), "body": { "city": "Gouda" }, "dependsOn": ["2"] },
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let responses = reply.body["responses"].as_array().unwrap();
    let status = |id: &str| {
        responses.iter().find(|r| r["id"] == id).unwrap()["status"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(status("1"), 201);
    assert_eq!(status("2"), 200);
    assert_eq!(status("3"), 404);
    assert_eq!(status("4"), 424, "its dependency failed");
    assert_eq!(status("5"), 204);
    let second = responses.iter().find(|r| r["id"] == "2").unwrap();
    assert_eq!(second["body"]["displayName"], "Batch");
    assert_eq!(second["headers"]["Content-Type"], "application/json");
    assert!(
        responses
            .iter()
            .find(|r| r["id"] == "5")
            .unwrap()
            .get("body")
            .is_none(),
        "204 has no body"
    );
    let third = responses.iter().find(|r| r["id"] == "3").unwrap();
    assert_eq!(third["body"]["error"]["code"], "Request_ResourceNotFound");

    let too_many: Vec<_> = (0..21)
        .map(|i| json!({ "id": i.to_string(), "method": "GET", "url": "/users" }))
        .collect();
    assert_eq!(
        app.post("/v1.0/$batch", json!({ "requests": too_many }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
