//! App registrations at Graph's `/v1.0/applications`: created with redirect URIs by platform,
//! read, changed and deleted; client secrets added (shown once, kept only as keyed hashes) and
//! removed, each taking effect on the next token request; audited; allowed as Entra allows.

use reqwest::StatusCode;
use roster_testkit::{DOMAIN, spawn_app};
use serde_json::json;

use super::center::{PASSWORD, user_with_role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_is_registered_given_a_secret_and_signs_in_with_it_until_it_is_removed() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/v1.0/applications",
            json!({
                "displayName": "Expenses",
                "signInAudience": "AzureADMyOrg",
                "web": { "redirectUris": ["https://expenses.contoso.example/signin-oidc"] },
                "spa": { "redirectUris": ["http://localhost:3000/", "http://localhost:3000/"] },
                "publicClient": { "redirectUris": ["msalexpenses://auth"] },
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let body = &created.body;
    let (id, client_id) = (
        body["id"].as_str().unwrap().to_string(),
        body["appId"].as_str().unwrap().to_string(),
    );
    assert_ne!(id, client_id, "the object's id is not its client id");
    assert_eq!(body["displayName"], "Expenses");
    assert_eq!(
        body["web"]["redirectUris"],
        json!(["https://expenses.contoso.example/signin-oidc"])
    );
    assert_eq!(
        body["spa"]["redirectUris"],
        json!(["http://localhost:3000/"])
    );
    assert_eq!(
        body["publicClient"]["redirectUris"],
        json!(["msalexpenses://auth"])
    );
    assert_eq!(body["passwordCredentials"], json!([]));
    let read = app.get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["appId"], client_id.as_str());
    let listed = app
        .get("/v1.0/applications?$select=displayName,appId")
        .await;
    let names: Vec<&str> = listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["displayName"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Expenses"), "{names:?}");

    // A secret: its text in the answer to addPassword only, a hint of it afterwards.
    let added = app
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            json!({ "passwordCredential": { "displayName": "CI" } }),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.body);
    let secret = added.body["secretText"].as_str().unwrap().to_string();
    let key_id = added.body["keyId"].as_str().unwrap().to_string();
    assert!(secret.len() >= 40, "{secret}");
    assert_eq!(added.body["hint"], &secret[..3]);
    let read = app.get(&format!("/v1.0/applications/{id}")).await;
    let credential = &read.body["passwordCredentials"][0];
    assert_eq!(credential["keyId"], key_id.as_str());
    assert_eq!(credential["displayName"], "CI");
    assert!(credential["secretText"].is_null());
    assert!(
        !app.database_holds(&secret).await,
        "only a keyed hash is kept"
    );
    let token = app.client_credentials_token(&client_id, &secret).await;
    assert!(token.is_ok(), "{:?}", token.err());

    // Removed: refused at the next token request.
    let removed = app
        .post(
            &format!("/v1.0/applications/{id}/removePassword"),
            json!({ "keyId": key_id }),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
    let refused = app.client_credentials_token(&client_id, &secret).await;
    let refused = refused.expect_err("a removed secret");
    assert!(
        refused.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215"),
        "{:?}",
        refused.body
    );

    // Changed: a platform's URIs replaced, the others kept.
    let patched = app
        .patch(
            &format!("/v1.0/applications/{id}"),
            json!({ "displayName": "Expenses 2", "web": { "redirectUris": ["https://expenses2.contoso.example/cb"] } }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT, "{:?}", patched.body);
    let read = app.get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(read.body["displayName"], "Expenses 2");
    assert_eq!(
        read.body["web"]["redirectUris"],
        json!(["https://expenses2.contoso.example/cb"])
    );
    assert_eq!(
        read.body["spa"]["redirectUris"],
        json!(["http://localhost:3000/"])
    );

    // Audited, without a secret.
    let log = app
        .get("/roster/v1/auditLogs?top=20")
        .await
        .body
        .to_string();
    for activity in [
        "Add application",
        "Update application",
        "Update application – Certificates and secrets management",
    ] {
        assert!(log.contains(activity), "{activity}: {log}");
    }

    // Deleted: gone, and its tokens refused on their next request.
    let again = app
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            json!({ "passwordCredential": {} }),
        )
        .await;
    let secret = again.body["secretText"].as_str().unwrap().to_string();
    let token = app
        .client_credentials_token(&client_id, &secret)
        .await
        .unwrap();
    let deleted = app.delete(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/v1.0/applications/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let reply = app
        .call(&token, reqwest::Method::GET, "/v1.0/organization", None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_registrations_are_refused_with_what_is_wrong() {
    let app = spawn_app().await;
    for (body, said) in [
        (json!({}), "displayName is required"),
        (
            json!({ "displayName": "A", "web": { "redirectUris": ["http://app.contoso.example/cb"] } }),
            "is not a redirect URI this platform accepts",
        ),
        (
            json!({ "displayName": "A", "spa": { "redirectUris": ["https://app.contoso.example/*"] } }),
            "is not a redirect URI this platform accepts",
        ),
        (
            json!({ "displayName": "A", "web": { "redirectUris": ["myapp://cb"] } }),
            "is not a redirect URI this platform accepts",
        ),
        (
            json!({ "displayName": "A", "publicClient": { "redirectUris": ["javascript:alert(1)"] } }),
            "is not a redirect URI this platform accepts",
        ),
        (
            json!({ "displayName": "A", "signInAudience": "AzureADMultipleOrgs" }),
            "signInAudience",
        ),
        (
            json!({ "displayName": "A", "identifierUris": ["api://a"] }),
            "identifierUris",
        ),
        (
            json!({ "displayName": "A", "passwordCredentials": [{}] }),
            "addPassword",
        ),
    ] {
        let reply = app.post("/v1.0/applications", body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {:?}",
            reply.body
        );
        assert!(
            reply.message().contains(said),
            "{body}: {}",
            reply.message()
        );
    }
    assert_eq!(
        app.get("/v1.0/applications").await.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["displayName"] == "A")
            .count(),
        0,
        "nothing half-written"
    );
    let id = app
        .post("/v1.0/applications", json!({ "displayName": "B" }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            json!({ "passwordCredential": { "endDateTime": "2099-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    let reply = app
        .post(
            &format!("/v1.0/applications/{id}/removePassword"),
            json!({ "keyId": "00000000-0000-0000-0000-000000000001" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    assert_eq!(
        app.get("/v1.0/applications/not-a-guid").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Who may do what with app registrations, as in Entra: a Global Administrator registers and
/// changes them; a Global Reader reads them; other administrators and users do neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_those_whose_roles_allow_it_read_or_register_apps() {
    let app = spawn_app().await;
    let id = app
        .post("/v1.0/applications", json!({ "displayName": "Payroll" }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (alias, role, may_read) in [
        ("reader", Some("Global Reader"), true),
        ("useradmin", Some("User Administrator"), false),
        ("helpdesk", Some("Helpdesk Administrator"), false),
        ("plain", None, false),
    ] {
        user_with_role(&app, alias, role).await;
        let token = app
            .password_token(&format!("{alias}@{DOMAIN}"), PASSWORD)
            .await
            .unwrap();
        let read = app
            .call(
                &token,
                reqwest::Method::GET,
                &format!("/v1.0/applications/{id}"),
                None,
            )
            .await;
        let expected = if may_read {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(read.status, expected, "{alias} reads");
        for (method, path, body) in [
            (
                reqwest::Method::POST,
                "/v1.0/applications".to_string(),
                json!({ "displayName": "X" }),
            ),
            (
                reqwest::Method::PATCH,
                format!("/v1.0/applications/{id}"),
                json!({ "displayName": "X" }),
            ),
            (
                reqwest::Method::POST,
                format!("/v1.0/applications/{id}/addPassword"),
                json!({ "passwordCredential": {} }),
            ),
            (
                reqwest::Method::DELETE,
                format!("/v1.0/applications/{id}"),
                json!({}),
            ),
        ] {
            let reply = app.call(&token, method.clone(), &path, Some(body)).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{alias}: {method} {path}"
            );
        }
    }
    let read = app.get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(read.body["displayName"], "Payroll");
    assert_eq!(read.body["passwordCredentials"], json!([]));
}
