//! A NUL character (U+0000) wherever a client can put one is a 400 that names it, on both
//! stores: PostgreSQL cannot store one and SQLite could, so neither is ever sent one.

use reqwest::{Method, StatusCode};
use roster_testkit::{DOMAIN, spawn_app};
use serde_json::{Value, json};

/// A request: its method, path and body.
type Request = (Method, String, Option<Value>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_anywhere_is_a_bad_request_that_names_it() {
    let app = spawn_app().await;
    let ann = app.create_user("ann", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let group = app.create_group("Sales").await;
    let new_user = |alias: &str, extra: Value| {
        let mut body = json!({ "accountEnabled": true, "displayName": alias, "mailNickname": alias,
                               "userPrincipalName": format!("{alias}@{DOMAIN}") });
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let nul = "a\u{0}b";
    let get = |path: &str| (Method::GET, path.to_string(), None);
    let send = |method: Method, path: &str, body: Value| (method, path.to_string(), Some(body));
    // Each request, and what the message names besides the character.
    let cases: Vec<(Request, &str)> = vec![
        (get("/v1.0/users?$filter=displayName eq 'a%00b'"), "$filter"),
        (
            get("/v1.0/users?$filter=startsWith(displayName,'%00')"),
            "$filter",
        ),
        (
            get("/v1.0/users?$filter=displayName in ('a','b%00')"),
            "$filter",
        ),
        (
            get("/v1.0/groups?$filter=displayName eq 'a%00b'"),
            "$filter",
        ),
        (
            get("/v1.0/contacts?$filter=displayName eq 'a%00b'"),
            "$filter",
        ),
        (
            get("/v1.0/directory/deletedItems/microsoft.graph.user?$filter=displayName eq '%00'"),
            "$filter",
        ),
        (get("/v1.0/users?$orderby=displayName%00"), "$orderby"),
        (get("/v1.0/users?$select=id,%00"), "$select"),
        (get("/v1.0/users?$search=\"displayName:a%00b\""), "$search"),
        (get("/v1.0/groups?$search=\"displayName:%00\""), "$search"),
        (get("/v1.0/users/a%00b"), "value"),
        (
            get(&format!("/v1.0/users/a%00b@{DOMAIN}/memberOf")),
            "value",
        ),
        (
            send(
                Method::PATCH,
                "/v1.0/users/a%00b",
                json!({ "jobTitle": "x" }),
            ),
            "value",
        ),
        (
            send(
                Method::POST,
                "/v1.0/users",
                new_user("nul1", json!({ "displayName": nul })),
            ),
            "displayName",
        ),
        (
            send(
                Method::POST,
                "/v1.0/users",
                new_user("nul2", json!({ "jobTitle": nul })),
            ),
            "jobTitle",
        ),
        (
            send(
                Method::PATCH,
                &format!("/v1.0/users/{ann}"),
                json!({ "department": nul }),
            ),
            "department",
        ),
        (
            send(
                Method::PATCH,
                &format!("/v1.0/users/{ann}"),
                json!({ "businessPhones": ["1", nul] }),
            ),
            "businessPhones[1]",
        ),
        (
            send(
                Method::POST,
                "/v1.0/groups",
                json!({ "displayName": "g", "description": nul, "mailEnabled": false,
                        "mailNickname": "gnul", "securityEnabled": true }),
            ),
            "description",
        ),
        (
            send(
                Method::PATCH,
                &format!("/v1.0/groups/{group}"),
                json!({ "displayName": nul }),
            ),
            "displayName",
        ),
        (
            send(
                Method::POST,
                "/roster/v1/contacts",
                json!({ "displayName": nul }),
            ),
            "displayName",
        ),
        (
            send(
                Method::POST,
                "/roster/v1/groups/previewRule",
                json!({ "membershipRule": "user.department -eq \"a\u{0}\"" }),
            ),
            "membershipRule",
        ),
        (
            send(
                Method::POST,
                "/roster/v1/jobs/createUsers",
                json!({ "rows": [new_user("nul3", json!({})), new_user("nul4", json!({ "displayName": nul }))] }),
            ),
            "rows[1].displayName",
        ),
        (
            send(
                Method::POST,
                "/roster/v1/jobs/createUsers?dryRun=true",
                json!({ "rows": [new_user("nul5", json!({ "displayName": nul }))] }),
            ),
            "rows[0].displayName",
        ),
        (
            send(
                Method::POST,
                "/roster/v1/jobs/updateUsers",
                json!({ "rows": [{ "user": format!("a\u{0}nn@{DOMAIN}"), "jobTitle": "x" }] }),
            ),
            "rows[0].user",
        ),
        (
            send(
                Method::POST,
                "/v1.0/$batch",
                json!({ "requests": [
                    { "id": "1", "method": "POST", "url": "/users", "body": new_user("nul6", json!({})) },
                    { "id": "2", "method": "POST", "url": "/users", "body": new_user("nul7", json!({ "surname": nul })) },
                ] }),
            ),
            "requests[1].body.surname",
        ),
    ];
    for ((method, path, body), named) in cases {
        let mut request = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&app.app_token)
            .header("ConsistencyLevel", "eventual");
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let reply: Value = response.json().await.unwrap_or(Value::Null);
        let case = format!("{method} {path} {body:?} -> {status} {reply}");
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}");
        assert_eq!(reply["error"]["code"], "Request_BadRequest", "{case}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("U+0000") && message.contains(named),
            "names the NUL and {named}: {case}"
        );
    }

    // Nothing was written.
    let users = app.get("/v1.0/users?$select=userPrincipalName").await.body;
    let names: Vec<&str> = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userPrincipalName"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().all(|name| !name.starts_with("nul")),
        "{names:?}"
    );
    let jobs = app.get("/roster/v1/jobs").await.body;
    assert_eq!(jobs["value"], json!([]), "no job was started");
    let ann = app
        .get(&format!(
            "/v1.0/users/{ann}?$select=department,businessPhones"
        ))
        .await
        .body;
    assert_eq!(
        (&ann["department"], &ann["businessPhones"]),
        (&Value::Null, &json!([]))
    );
}
