//! The device code flow (RFC 8628) at Entra's paths, as `roster login` and MSAL take it: a
//! device asks for a code, a browser elsewhere enters it and signs in, and the device's polls
//! are answered as Entra answers them until it gets its tokens, once. Wrong codes are throttled;
//! a declined, expired, replayed or foreign request gives nothing.

use reqwest::StatusCode;
use roster_testkit::{DOMAIN, TestApp, spawn_app};
use serde_json::{Value as Json, json};

use super::authorize::{claims_of, described, hidden_fields, token};
use super::center::{Browser, PASSWORD, Page, user_with_role};

const CLI: &str = "5b9c74be-219b-42ae-aefa-9b04e39786af";

/// A device's request: (device code, user code) and the whole answer.
async fn device_code(app: &TestApp, client_id: &str, scope: &str) -> (StatusCode, Json) {
    let reply = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/devicecode",
            app.address, app.tenant_id
        ))
        .form(&[("client_id", client_id), ("scope", scope)])
        .send()
        .await
        .unwrap();
    let status = reply.status();
    (status, reply.json().await.unwrap())
}

async fn poll(app: &TestApp, client_id: &str, code: &str) -> (StatusCode, Json) {
    token(
        app,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", client_id),
            ("device_code", code),
        ],
    )
    .await
}

/// Enters a user code at `/devicelogin`, as a person types it.
async fn enter(browser: &mut Browser, code: &str) -> Page {
    let form = browser.get("/devicelogin").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.hidden("csrf");
    browser
        .post("/devicelogin", &[("csrf", &csrf), ("code", code)])
        .await
}

/// Answers the page a right code showed: `decision` with the form's fields (and a password).
async fn answer(
    browser: &mut Browser,
    page: &Page,
    decision: &str,
    extra: &[(&str, &str)],
) -> Page {
    let mut fields: Vec<(String, String)> = hidden_fields(page)
        .into_iter()
        .filter(|(name, _)| name == "csrf" || name == "code")
        .collect();
    fields.dedup();
    fields.push(("decision".into(), decision.into()));
    for (name, value) in extra {
        fields.push((name.to_string(), value.to_string()));
    }
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post("/devicelogin", &form).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_signs_in_with_a_code_entered_in_a_browser_elsewhere() {
    let app = spawn_app().await;
    let ua = user_with_role(&app, "ua", Some("User Administrator")).await;
    let discovery = app
        .get(&format!(
            "/{}/v2.0/.well-known/openid-configuration",
            app.tenant_id
        ))
        .await;
    assert_eq!(
        discovery.body["device_authorization_endpoint"],
        format!("{}/{}/oauth2/v2.0/devicecode", app.address, app.tenant_id)
    );

    let (status, request) = device_code(
        &app,
        CLI,
        "https://graph.microsoft.com/.default offline_access",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{request}");
    let user_code = request["user_code"].as_str().unwrap().to_string();
    let device = request["device_code"].as_str().unwrap().to_string();
    assert_eq!(user_code.len(), 9);
    assert_eq!(
        request["verification_uri"],
        format!("{}/devicelogin", app.address)
    );
    assert_eq!(request["interval"], 5);
    assert_eq!(request["expires_in"], 900);
    assert!(request["message"].as_str().unwrap().contains(&user_code));

    // Until the user signs in: pending, and too eager a device is told to slow down.
    let (status, pending) = poll(&app, CLI, &device).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(pending["error"], "authorization_pending", "{pending}");
    assert_eq!(pending["error_codes"], json!([70016]));
    let (_, eager) = poll(&app, CLI, &device).await;
    assert_eq!(eager["error"], "slow_down", "{eager}");

    // A wrong code is said to be wrong; the right one, typed loosely, names the request.
    let mut browser = Browser::new(&app);
    let wrong = enter(&mut browser, "BBBBBBBBB").await;
    assert!(
        wrong.body.contains("That code is not valid"),
        "{}",
        wrong.body
    );
    let loose = format!("{}-{}", &user_code[..4], &user_code[4..]).to_lowercase();
    let named = enter(&mut browser, &loose).await;
    assert_eq!(named.status, StatusCode::OK);
    assert!(
        named.body.contains("Sign in to roster CLI"),
        "{}",
        named.body
    );
    assert!(
        named.body.contains("If someone sent you this code"),
        "{}",
        named.body
    );
    // Where the request came from, so that a user can tell it is not their own.
    assert!(
        named
            .body
            .contains("The request came from the address 127.0.0.1 at"),
        "{}",
        named.body
    );
    let tenant_name = app.get("/v1.0/organization").await.body["value"][0]["displayName"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(named.body.contains(&tenant_name));

    // A wrong password is said on the page; the right one answers the device.
    let upn = format!("ua@{DOMAIN}");
    let refused = answer(
        &mut browser,
        &named,
        "password",
        &[("username", &upn), ("password", "wrong")],
    )
    .await;
    assert!(
        refused
            .body
            .contains("Your account or password is incorrect"),
        "{}",
        refused.body
    );
    let (_, still) = poll(&app, CLI, &device).await;
    assert!(still["access_token"].is_null(), "{still}");
    let done = answer(
        &mut browser,
        &refused,
        "password",
        &[("username", &upn), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.body.contains("You have signed in to roster CLI"),
        "{}",
        done.body
    );

    let (status, tokens) = poll(&app, CLI, &device).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = claims_of(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["azp"], CLI);
    assert_eq!(access["oid"], ua.as_str());
    assert_eq!(access["scp"], "Directory.AccessAsUser.All");
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    // The CLI acts as the user: what a User Administrator may, and no more.
    let bearer = tokens["access_token"].as_str().unwrap();
    let created = app
        .call(
            bearer,
            reqwest::Method::POST,
            "/v1.0/users",
            Some(
                json!({ "accountEnabled": true, "displayName": "Via CLI", "mailNickname": "viacli",
                "userPrincipalName": format!("viacli@{DOMAIN}"),
                "passwordProfile": { "password": PASSWORD } }),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let apps = app
        .call(bearer, reqwest::Method::GET, "/v1.0/applications", None)
        .await;
    assert_eq!(apps.status, StatusCode::FORBIDDEN);

    // Redeemed once: polled again, it gives nothing and ends what it gave.
    let (status, again) = poll(&app, CLI, &device).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(described(&again).starts_with("AADSTS54005"), "{again}");
    let (status, renewed) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLI),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{renewed}");

    // The browser is signed in now: a second device is answered as that account, in one click.
    let (_, second) = device_code(&app, CLI, ".default offline_access").await;
    let named = enter(&mut browser, second["user_code"].as_str().unwrap()).await;
    assert!(
        named.body.contains(&format!("Continue as {upn}")),
        "{}",
        named.body
    );
    let done = answer(&mut browser, &named, "continue", &[]).await;
    assert!(done.body.contains("You have signed in"), "{}", done.body);
    let second_device = second["device_code"].as_str().unwrap();
    // Another application cannot redeem it.
    let (_, foreign) = poll(&app, &app.client_id, second_device).await;
    assert!(foreign["access_token"].is_null(), "{foreign}");
    let (status, tokens) = poll(&app, CLI, second_device).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    // And its refresh token rotates.
    let (status, renewed) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLI),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert_ne!(renewed["refresh_token"], tokens["refresh_token"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_blocked_foreign_and_guessed_device_requests_give_nothing() {
    let app = spawn_app().await;
    let ann = user_with_role(&app, "ann", None).await;
    let upn = format!("ann@{DOMAIN}");

    // Only a public client may ask; an unknown one is not found; a bad scope is refused.
    let web = app
        .post(
            "/v1.0/applications",
            json!({ "displayName": "Web only", "web": { "redirectUris": ["https://web.contoso.example/cb"] } }),
        )
        .await;
    let (status, refused) = device_code(&app, web.body["appId"].as_str().unwrap(), "openid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"], "invalid_client", "{refused}");
    let (_, unknown) = device_code(&app, "00000000-0000-0000-0000-000000000001", "openid").await;
    assert_eq!(unknown["error"], "unauthorized_client", "{unknown}");
    let (_, scope) = device_code(&app, CLI, "openid Mail.Send").await;
    assert_eq!(scope["error"], "invalid_scope", "{scope}");

    // Declined by its user: the device is told so, and nothing is issued.
    let (_, request) = device_code(&app, CLI, ".default").await;
    let mut browser = Browser::new(&app);
    let named = enter(&mut browser, request["user_code"].as_str().unwrap()).await;
    let declined = answer(&mut browser, &named, "decline", &[]).await;
    assert!(
        declined.body.contains("The sign-in was cancelled"),
        "{}",
        declined.body
    );
    let (_, polled) = poll(&app, CLI, request["device_code"].as_str().unwrap()).await;
    assert_eq!(polled["error"], "authorization_declined", "{polled}");
    // A code answered once cannot be answered again.
    let again = enter(&mut browser, request["user_code"].as_str().unwrap()).await;
    assert!(
        again.body.contains("That code is not valid"),
        "{}",
        again.body
    );

    // Approved, then the user is blocked before the device polls: no tokens.
    let (_, request) = device_code(&app, CLI, ".default").await;
    let named = enter(&mut browser, request["user_code"].as_str().unwrap()).await;
    answer(
        &mut browser,
        &named,
        "password",
        &[("username", &upn), ("password", PASSWORD)],
    )
    .await;
    let blocked = app
        .patch(
            &format!("/v1.0/users/{ann}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::NO_CONTENT);
    let (_, polled) = poll(&app, CLI, request["device_code"].as_str().unwrap()).await;
    assert!(described(&polled).starts_with("AADSTS50057"), "{polled}");
    assert!(polled["access_token"].is_null());

    // An unknown device code.
    let (_, polled) = poll(&app, CLI, "not-a-device-code").await;
    assert_eq!(polled["error"], "bad_verification_code", "{polled}");

    // Guessing: after ten wrong codes from one address, no code is checked for a while, the
    // right one included.
    let (_, request) = device_code(&app, CLI, ".default").await;
    let mut guesser = Browser::new(&app);
    // (One wrong code was entered above, from the same address.)
    for attempt in 1..10 {
        let wrong = enter(&mut guesser, "ZZZZZZZZZ").await;
        assert_eq!(wrong.status, StatusCode::OK, "attempt {attempt}");
    }
    let throttled = enter(&mut guesser, request["user_code"].as_str().unwrap()).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled.body.contains("Too many codes"),
        "{}",
        throttled.body
    );

    // A tenant that does not use the flow turns it off: no new request, and none made before
    // gives tokens.
    let (_, before) = device_code(&app, CLI, ".default").await;
    let off = app
        .patch(
            "/roster/v1/tenantSettings",
            json!({ "deviceCodeFlowAllowed": false }),
        )
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT, "{:?}", off.body);
    let (status, refused) = device_code(&app, CLI, ".default").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error_codes"], json!([53003]), "{refused}");
    let (_, polled) = poll(&app, CLI, before["device_code"].as_str().unwrap()).await;
    assert_eq!(polled["error_codes"], json!([53003]), "{polled}");

    // A form this browser did not load is refused, and checks nothing.
    let forged = Browser::new(&app)
        .post(
            "/devicelogin",
            &[
                ("csrf", "forged"),
                ("code", request["user_code"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
