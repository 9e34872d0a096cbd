use reqwest::{Method, StatusCode};
use roster_testkit::{
    ADMIN_PASSWORD, ADMIN_UPN, DOMAIN, Options, TestApp, spawn_app, spawn_app_with,
};
use serde_json::json;

use super::center::PASSWORD;

/// Creates a user with a known password (no forced change) and, optionally, a directory role;
/// returns its id and a token of its own.
async fn user_with_role(app: &TestApp, alias: &str, role: Option<&str>) -> (String, String) {
    let id = super::center::user_with_role(app, alias, role).await;
    let token = app
        .password_token(&format!("{alias}@{DOMAIN}"), PASSWORD)
        .await
        .expect("sign-in");
    (id, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_required_and_checked() {
    let app = spawn_app().await;
    let none = app.client.get(app.url("/v1.0/users")).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(
        app.call("not.a.token", Method::GET, "/v1.0/users", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A token signed by another server's key is refused.
    let other = spawn_app().await;
    assert_eq!(
        app.call(&other.app_token, Method::GET, "/v1.0/users", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let wrong = app
        .client_credentials_token(&app.client_id, "wrong-secret")
        .await
        .unwrap_err();
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["error"], "invalid_client");
    assert_eq!(wrong.body["error_codes"][0], 7000215);
    let bad_password = app.password_token(ADMIN_UPN, "nope").await.unwrap_err();
    assert_eq!(bad_password.body["error"], "invalid_grant");
    let unknown_user = app
        .password_token(&format!("ghost@{DOMAIN}"), "nope")
        .await
        .unwrap_err();
    assert_eq!(
        unknown_user.body["error_description"], bad_password.body["error_description"],
        "same answer for unknown users"
    );
    let admin = app
        .password_token(ADMIN_UPN, ADMIN_PASSWORD)
        .await
        .expect("admin signs in");
    let me = app.call(&admin, Method::GET, "/v1.0/me", None).await;
    assert_eq!(me.body["userPrincipalName"], ADMIN_UPN);

    // Discovery and keys at Entra's paths, by tenant id or domain.
    for tenant in [DOMAIN.to_string(), app.tenant_id.clone()] {
        let discovery = app
            .get(&format!("/{tenant}/v2.0/.well-known/openid-configuration"))
            .await;
        assert_eq!(discovery.status, StatusCode::OK);
        assert!(
            discovery.body["token_endpoint"]
                .as_str()
                .unwrap()
                .ends_with("/oauth2/v2.0/token")
        );
        let keys = app.get(&format!("/{tenant}/discovery/v2.0/keys")).await;
        assert_eq!(keys.body["keys"][0]["kty"], "EC");
        // The key signing now, and the next one, published before it signs.
        let kids: Vec<&str> = keys.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids.len(), 2, "{:?}", keys.body);
        let payload = admin.split('.').next().unwrap();
        let header: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["kid"], kids[0]);
    }
    assert_eq!(
        app.get("/fabrikam.example/v2.0/.well-known/openid-configuration")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_and_blocking_take_effect_on_the_next_request() {
    let app = spawn_app().await;
    let (id, token) = user_with_role(&app, "revoked", Some("Global Reader")).await;
    assert_eq!(
        app.call(&token, Method::GET, "/v1.0/users", None)
            .await
            .status,
        StatusCode::OK
    );
    let revoke = app
        .post(
            &format!("/v1.0/users/{id}/revokeSignInSessions"),
            json!(null),
        )
        .await;
    assert_eq!(revoke.body["value"], true);
    assert_eq!(
        app.call(&token, Method::GET, "/v1.0/users", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let fresh = app
        .password_token(&format!("revoked@{DOMAIN}"), PASSWORD)
        .await
        .expect("a new sign-in works");
    assert_eq!(
        app.call(&fresh, Method::GET, "/v1.0/users", None)
            .await
            .status,
        StatusCode::OK
    );

    app.patch(
        &format!("/v1.0/users/{id}"),
        json!({ "accountEnabled": false }),
    )
    .await;
    assert_eq!(
        app.call(&fresh, Method::GET, "/v1.0/users", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let blocked = app
        .password_token(&format!("revoked@{DOMAIN}"), PASSWORD)
        .await
        .unwrap_err();
    assert!(
        blocked.body["error_description"]
            .as_str()
            .unwrap()
            .contains("disabled")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_decide_over_http() {
    let app = spawn_app().await;
    app.buy("SPE_E3", 10).await;
    let (_, helpdesk) = user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let (_, user_admin) = user_with_role(&app, "useradmin", Some("User Administrator")).await;
    let (_, license_admin) =
        user_with_role(&app, "licenseadmin", Some("License Administrator")).await;
    let (_, reader) = user_with_role(&app, "reader", Some("Global Reader")).await;
    let (plain_id, plain) = user_with_role(&app, "plain", None).await;
    let admin_id = app.get(&format!("/v1.0/users/{ADMIN_UPN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let target = app
        .create_user("target", json!({ "usageLocation": "NL" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sku = app.get("/v1.0/subscribedSkus").await.body["value"][0]["skuId"]
        .as_str()
        .unwrap()
        .to_string();

    let reset = json!({ "passwordProfile": { "password": "N3w-Passw0rd!", "forceChangePasswordNextSignIn": true } });
    let new_user = |alias: &str| json!({ "accountEnabled": true, "displayName": alias, "mailNickname": alias, "userPrincipalName": format!("{alias}@{DOMAIN}") });
    // (who, their token, method, path, body, expected status)
    type Case<'a> = (
        &'a str,
        &'a str,
        Method,
        String,
        Option<serde_json::Value>,
        StatusCode,
    );
    let cases: Vec<Case> = vec![
        (
            "helpdesk",
            &helpdesk,
            Method::PATCH,
            format!("/v1.0/users/{target}"),
            Some(reset.clone()),
            StatusCode::NO_CONTENT,
        ),
        (
            "helpdesk",
            &helpdesk,
            Method::PATCH,
            format!("/v1.0/users/{admin_id}"),
            Some(reset.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "helpdesk",
            &helpdesk,
            Method::PATCH,
            format!("/v1.0/users/{target}"),
            Some(json!({ "accountEnabled": false })),
            StatusCode::NO_CONTENT,
        ),
        (
            "helpdesk",
            &helpdesk,
            Method::PATCH,
            format!("/v1.0/users/{target}"),
            Some(json!({ "department": "X" })),
            StatusCode::FORBIDDEN,
        ),
        (
            "helpdesk",
            &helpdesk,
            Method::POST,
            "/v1.0/users".into(),
            Some(new_user("byhelpdesk")),
            StatusCode::FORBIDDEN,
        ),
        (
            "helpdesk",
            &helpdesk,
            Method::GET,
            "/v1.0/users".into(),
            None,
            StatusCode::OK,
        ),
        (
            "useradmin",
            &user_admin,
            Method::POST,
            "/v1.0/users".into(),
            Some(new_user("byuseradmin")),
            StatusCode::CREATED,
        ),
        (
            "useradmin",
            &user_admin,
            Method::DELETE,
            format!("/v1.0/users/{admin_id}"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "useradmin",
            &user_admin,
            Method::POST,
            "/roster/v1/subscriptions".into(),
            Some(json!({ "skuPartNumber": "EMS", "seats": 1 })),
            StatusCode::FORBIDDEN,
        ),
        (
            "licenseadmin",
            &license_admin,
            Method::POST,
            format!("/v1.0/users/{target}/assignLicense"),
            Some(json!({ "addLicenses": [{ "skuId": sku }], "removeLicenses": [] })),
            StatusCode::OK,
        ),
        (
            "licenseadmin",
            &license_admin,
            Method::PATCH,
            format!("/v1.0/users/{target}"),
            Some(json!({ "usageLocation": "BE" })),
            StatusCode::NO_CONTENT,
        ),
        (
            "licenseadmin",
            &license_admin,
            Method::PATCH,
            format!("/v1.0/users/{target}"),
            Some(json!({ "jobTitle": "X" })),
            StatusCode::FORBIDDEN,
        ),
        (
            "licenseadmin",
            &license_admin,
            Method::POST,
            "/roster/v1/subscriptions".into(),
            Some(json!({ "skuPartNumber": "EMS", "seats": 1 })),
            StatusCode::CREATED,
        ),
        (
            "reader",
            &reader,
            Method::GET,
            "/v1.0/subscribedSkus".into(),
            None,
            StatusCode::OK,
        ),
        (
            "reader",
            &reader,
            Method::GET,
            "/roster/v1/auditLogs".into(),
            None,
            StatusCode::OK,
        ),
        (
            "reader",
            &reader,
            Method::PATCH,
            format!("/v1.0/users/{target}"),
            Some(json!({ "city": "X" })),
            StatusCode::FORBIDDEN,
        ),
        (
            "reader",
            &reader,
            Method::POST,
            "/roster/v1/roleAssignments".into(),
            Some(json!({ "principalId": plain_id, "role": "Global Administrator" })),
            StatusCode::FORBIDDEN,
        ),
        (
            "plain",
            &plain,
            Method::GET,
            "/v1.0/users".into(),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "plain",
            &plain,
            Method::GET,
            "/v1.0/me".into(),
            None,
            StatusCode::OK,
        ),
        (
            "plain",
            &plain,
            Method::GET,
            format!("/v1.0/users/{plain_id}"),
            None,
            StatusCode::OK,
        ),
        (
            "plain",
            &plain,
            Method::GET,
            format!("/v1.0/users/{target}"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "plain",
            &plain,
            Method::DELETE,
            format!("/v1.0/users/{target}"),
            None,
            StatusCode::FORBIDDEN,
        ),
    ];
    for (who, token, method, path, body, expected) in cases {
        let reply = app.call(token, method.clone(), &path, body).await;
        assert_eq!(
            reply.status, expected,
            "{who} {method} {path}: {:?}",
            reply.body
        );
        if expected == StatusCode::FORBIDDEN {
            assert_eq!(reply.code(), "Authorization_RequestDenied");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_a_generated_certificate() {
    let app = spawn_app_with(Options {
        tls: true,
        ..Default::default()
    })
    .await;
    assert!(app.address.starts_with("https://"));
    let users = app.get("/v1.0/users?$top=1").await;
    assert_eq!(users.status, StatusCode::OK);
    let certificate = app.certificate.as_ref().expect("certificate path");
    assert!(certificate.exists());
}
