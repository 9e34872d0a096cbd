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

/// What a batch whose first request creates a user answers when another request is malformed.
#[derive(Debug)]
enum Outcome {
    /// 400 for the whole batch, and nothing ran: no user.
    Refused,
    /// 200, with the user created (201) and the malformed request's own status.
    Answered(u64),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_request_never_fails_a_batch_that_made_changes() {
    use Outcome::{Answered, Refused};
    let app = spawn_app().await;
    let get = |url: &str| json!({ "id": "2", "method": "GET", "url": url });
    let with = |mut request: serde_json::Value, key: &str, value: serde_json::Value| {
        request[key] = value;
        request
    };
    let post_users = |body: serde_json::Value| json!({ "id": "2", "method": "POST", "url": "/users", "body": body });
    let cases = [
        // A url as Graph's documentation writes one, with spaces and an accent.
        (
            vec![get("/users?$filter=displayName eq 'Zoë'&$select=id")],
            Answered(200),
        ),
        (
            vec![get(&format!("/users/{}", "a".repeat(70_000)))],
            Answered(400),
        ),
        (vec![get("/$batch")], Answered(400)),
        (
            vec![with(get("/users"), "headers", json!({ "Bad Header": "x" }))],
            Answered(400),
        ),
        (
            vec![with(get("/users"), "headers", json!({ "X-Note": "a\nb" }))],
            Answered(400),
        ),
        (
            vec![with(get("/users"), "headers", json!({ "X-Count": 1 }))],
            Refused,
        ),
        (
            vec![with(get("/users"), "headers", json!("X-Count: 1"))],
            Refused,
        ),
        (vec![post_users(json!("not an object"))], Answered(400)),
        (vec![post_users(json!([1]))], Answered(400)),
        (
            vec![with(get("/users"), "dependsOn", json!(["9"]))],
            Refused,
        ),
        (
            vec![with(get("/users"), "dependsOn", json!(["2"]))],
            Refused,
        ),
        (
            vec![
                with(get("/users"), "dependsOn", json!(["3"])),
                json!({ "id": "3", "method": "GET", "url": "/me" }),
            ],
            Refused,
        ),
        (vec![with(get("/users"), "dependsOn", json!("1"))], Refused),
        (vec![with(get("/users"), "dependsOn", json!([1]))], Refused),
        (vec![with(get("/users"), "method", json!("G ET"))], Refused),
        (vec![json!({ "id": "2", "method": "GET" })], Refused),
        (vec![json!({ "method": "GET", "url": "/users" })], Refused),
        (vec![with(get("/users"), "id", json!("1"))], Refused),
    ];
    for (n, (malformed, expected)) in cases.into_iter().enumerate() {
        let alias = format!("batch{n}");
        let create = json!({ "id": "1", "method": "POST", "url": "/users",
            "headers": { "Content-Type": "application/json" },
            "body": { "accountEnabled": true, "displayName": alias, "mailNickname": alias,
                      "userPrincipalName": format!("{alias}@{DOMAIN}") } });
        let requests: Vec<_> = std::iter::once(create).chain(malformed.clone()).collect();
        let reply = app
            .post("/v1.0/$batch", json!({ "requests": requests }))
            .await;
        let created = app
            .get(&format!("/v1.0/users/{alias}@{DOMAIN}"))
            .await
            .status;
        let case = format!("{malformed:?} -> {} {}", reply.status, reply.body);
        match expected {
            Refused => {
                assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{case}");
                assert_eq!(reply.body["error"]["code"], "Request_BadRequest", "{case}");
                assert_eq!(created, StatusCode::NOT_FOUND, "nothing ran: {case}");
            }
            Answered(status) => {
                assert_eq!(reply.status, StatusCode::OK, "{case}");
                let responses = reply.body["responses"].as_array().unwrap();
                let status_of =
                    |id: &str| responses.iter().find(|r| r["id"] == id).unwrap()["status"].as_u64();
                assert_eq!(status_of("1"), Some(201), "{case}");
                assert_eq!(status_of("2"), Some(status), "{case}");
                assert_eq!(created, StatusCode::OK, "{case}");
            }
        }
    }
}
