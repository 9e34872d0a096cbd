//! The sign-in log at Graph's `/v1.0/auditLogs/signIns` and the users' `signInActivity`: every
//! interactive sign-in (a password, a browser's session) and non-interactive one (a refresh
//! token), found by `$filter` as Graph's are; readable only by those who may read the audit log;
//! and the tenant's settings for the log's retention and the password grant.

use reqwest::StatusCode;
use roster_testkit::{DOMAIN, spawn_app};
use serde_json::{Value as Json, json};

use super::authorize::{
    VERIFIER, authorize_path, challenge, param, redeem, registered, sent_to, sign_in_through,
    token, usual,
};
use super::center::{Browser, PASSWORD, user_with_role};

const CLI: &str = "5b9c74be-219b-42ae-aefa-9b04e39786af";

fn values(body: &Json) -> Vec<Json> {
    body["value"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_are_logged_found_by_filter_and_mark_the_users_activity() {
    let app = spawn_app().await;
    let started = chrono::Utc::now() - chrono::Duration::seconds(1);
    let (client_id, secret) = registered(&app).await;
    let ann = user_with_role(&app, "ann", None).await;
    let idle = user_with_role(&app, "idle", None).await;
    let upn = format!("ann@{DOMAIN}");

    // A wrong password, a right one, the browser's session again, and a renewal.
    let challenge = challenge(VERIFIER);
    let path = authorize_path(&app, &usual(&client_id, &challenge));
    let mut browser = Browser::new(&app);
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let page = browser.get(&path).await;
    let wrong = sign_in_through(&mut browser, &page, &form_path, &upn, "wrong").await;
    let answered = sign_in_through(&mut browser, &wrong, &form_path, &upn, PASSWORD).await;
    let code = param(&sent_to(&answered).1, "code").unwrap().to_string();
    let (_, tokens) = redeem(&app, &client_id, &secret, &code).await;
    let again = browser.get(&path).await;
    assert_eq!(again.status, StatusCode::FOUND, "single sign-on");
    let (status, _) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let log = app.get("/v1.0/auditLogs/signIns").await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    assert!(
        log.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#auditLogs/signIns")
    );
    let mine: Vec<Json> = values(&log.body)
        .into_iter()
        .filter(|e| e["userPrincipalName"] == upn.as_str())
        .collect();
    // Newest first: the renewal, the session, the password, the wrong one.
    let shape: Vec<(bool, i64)> = mine
        .iter()
        .map(|e| {
            (
                e["isInteractive"].as_bool().unwrap(),
                e["status"]["errorCode"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![(false, 0), (true, 0), (true, 0), (true, 50126)],
        "{mine:?}"
    );
    assert!(mine.iter().all(|e| e["appId"] == client_id.as_str()
        && e["appDisplayName"] == "Expenses"
        && e["ipAddress"] == "127.0.0.1"));
    // A wrong password is not put to the account's name: nothing says the account exists.
    assert!(mine[3]["userId"].is_null());
    assert_eq!(mine[0]["userId"], ann.as_str());
    assert_eq!(
        mine[3]["status"]["failureReason"],
        "Error validating credentials due to invalid username or password."
    );

    // Found by Graph's filters, alone and together.
    let found = |filter: String| {
        let app = &app;
        async move {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("$filter", &filter)
                .finish();
            let reply = app.get(&format!("/v1.0/auditLogs/signIns?{query}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{filter}: {:?}", reply.body);
            values(&reply.body)
        }
    };
    assert_eq!(found(format!("userId eq '{ann}'")).await.len(), 3);
    assert_eq!(found("isInteractive eq false".into()).await.len(), 1);
    assert_eq!(found("status/errorCode eq 50126".into()).await.len(), 1);
    assert_eq!(
        found(format!("appId eq '{client_id}' and status/errorCode eq 0"))
            .await
            .len(),
        3
    );
    assert_eq!(
        found(format!("userPrincipalName eq '{}'", upn.to_uppercase()))
            .await
            .len(),
        4
    );
    let since = started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        found(format!(
            "createdDateTime ge {since} and startsWith(appDisplayName, 'exp')"
        ))
        .await
        .len(),
        4
    );
    assert!(
        found("createdDateTime lt 2000-01-01T00:00:00Z".into())
            .await
            .is_empty()
    );
    let bad = app
        .get("/v1.0/auditLogs/signIns?$filter=deviceDetail/browser eq 'x'")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Paged a row at a time, and each row read by its id.
    let first = app.get("/v1.0/auditLogs/signIns?$top=1").await;
    let next = first.body["@odata.nextLink"].as_str().expect("a next page");
    let second = app.get(next.strip_prefix(&app.address).unwrap()).await;
    assert_ne!(values(&first.body)[0]["id"], values(&second.body)[0]["id"]);
    let id = values(&first.body)[0]["id"].as_str().unwrap().to_string();
    let one = app.get(&format!("/v1.0/auditLogs/signIns/{id}")).await;
    assert_eq!(one.body["id"], id.as_str());
    assert_eq!(
        app.get("/v1.0/auditLogs/signIns/00000000-0000-0000-0000-000000000001")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The user's activity: the last interactive sign-in, renewal and success.
    let activity = app
        .get(&format!(
            "/v1.0/users/{ann}?$select=displayName,signInActivity"
        ))
        .await;
    assert_eq!(activity.status, StatusCode::OK, "{:?}", activity.body);
    assert_eq!(activity.body["displayName"], "ann");
    let at = |name: &str| {
        chrono::DateTime::parse_from_rfc3339(
            activity.body["signInActivity"][name].as_str().unwrap(),
        )
        .unwrap()
    };
    assert!(at("lastSignInDateTime") >= started);
    assert!(at("lastNonInteractiveSignInDateTime") >= at("lastSignInDateTime"));
    assert_eq!(
        at("lastSuccessfulSignInDateTime"),
        at("lastNonInteractiveSignInDateTime")
    );
    // Not in the default set; null for a user who never signed in; found by $filter.
    assert!(
        app.get(&format!("/v1.0/users/{ann}"))
            .await
            .body
            .get("signInActivity")
            .is_none()
    );
    let never = app
        .get(&format!("/v1.0/users/{idle}?$select=signInActivity"))
        .await;
    assert_eq!(
        never.body["signInActivity"]["lastSignInDateTime"],
        Json::Null
    );
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "$filter",
            &format!("signInActivity/lastSignInDateTime ge {since}"),
        )
        .append_pair("$select", "userPrincipalName,signInActivity")
        .finish();
    let active = app.get(&format!("/v1.0/users?{query}")).await;
    assert_eq!(active.status, StatusCode::OK, "{:?}", active.body);
    let names: Vec<&str> = values(&active.body)
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .map(|name| if name == upn { "ann" } else { "other" })
        .collect();
    assert_eq!(names, vec!["ann"]);
    assert!(values(&active.body)[0]["signInActivity"]["lastSignInDateTime"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_readers_of_the_audit_log_see_sign_ins_and_the_password_grant_can_be_refused() {
    let app = spawn_app().await;
    user_with_role(&app, "ua", Some("User Administrator")).await;
    let password_grant = || {
        token(
            &app,
            &[
                ("grant_type", "password"),
                ("client_id", CLI),
                ("username", "ua@contoso.example"),
                ("password", PASSWORD),
            ],
        )
    };
    let (status, granted) = password_grant().await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    let bearer = granted["access_token"].as_str().unwrap().to_string();
    let get = |path: &'static str| {
        let (app, bearer) = (&app, bearer.clone());
        async move {
            app.call(&bearer, reqwest::Method::GET, path, None)
                .await
                .status
        }
    };
    // A User Administrator reads users, but neither the log nor when anyone signed in.
    assert_eq!(get("/v1.0/users?$select=displayName").await, StatusCode::OK);
    assert_eq!(get("/v1.0/auditLogs/signIns").await, StatusCode::FORBIDDEN);
    assert_eq!(
        get("/v1.0/users?$select=displayName,signInActivity").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get("/v1.0/users?$filter=signInActivity/lastSignInDateTime%20le%202030-01-01T00:00:00Z")
            .await,
        StatusCode::FORBIDDEN
    );

    // An unknown application is refused by name, before any password is checked.
    let (_, unknown) = token(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", "00000000-0000-0000-0000-000000000001"),
            ("username", "ua@contoso.example"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(unknown["error_codes"], json!([700016]), "{unknown}");
    // The tenant keeps the log as long as it says, within bounds, and may refuse the password
    // grant.
    let refused = app
        .patch(
            "/roster/v1/tenantSettings",
            json!({ "signInLogRetentionInDays": 0 }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let set = app
        .patch(
            "/roster/v1/tenantSettings",
            json!({ "signInLogRetentionInDays": 7, "passwordGrantAllowed": false }),
        )
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{:?}", set.body);
    let settings = app.get("/roster/v1/tenantSettings").await.body;
    assert_eq!(settings["signInLogRetentionInDays"], 7);
    assert_eq!(settings["passwordGrantAllowed"], false);
    let (status, refused) = password_grant().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error_codes"], json!([53003]), "{refused}");
    assert!(refused["access_token"].is_null());
    // The audit log has the change.
    let audit = app.get("/roster/v1/auditLogs?top=5").await;
    assert!(
        audit.body.to_string().contains("passwordGrantAllowed"),
        "{:?}",
        audit.body
    );
}
