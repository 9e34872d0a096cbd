//! Signing users in to applications: the authorization code flow with PKCE at Entra's paths, as
//! a browser and an application take it (the sign-in form followed by hand, the code redeemed
//! at the token endpoint); refresh tokens that rotate, and whose replay ends their family; and
//! the hostile requests that must get Entra's error with nothing issued.

use base64::Engine;
use reqwest::StatusCode;
use roster_testkit::{DOMAIN, TestApp, spawn_app};
use serde_json::{Value as Json, json};
use sha2::Digest;

use super::center::{Browser, PASSWORD, user_with_role};

pub(crate) const WEB: &str = "https://expenses.contoso.example/signin-oidc";
const SPA: &str = "http://localhost:3000/cb";

/// A registered app with a web and a single-page redirect URI and a secret: (client id, secret).
pub(crate) async fn registered(app: &TestApp) -> (String, String) {
    let created = app
        .post(
            "/v1.0/applications",
            json!({ "displayName": "Expenses",
                    "web": { "redirectUris": [WEB] }, "spa": { "redirectUris": [SPA] } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let secret = app
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            json!({ "passwordCredential": {} }),
        )
        .await
        .body["secretText"]
        .as_str()
        .unwrap()
        .to_string();
    (created.body["appId"].as_str().unwrap().to_string(), secret)
}

pub(crate) fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more";

pub(crate) fn authorize_path(app: &TestApp, pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    format!(
        "/{}/oauth2/v2.0/authorize?{}",
        app.tenant_id,
        query.finish()
    )
}

/// The usual request of a web app: code, its redirect URI, OpenID scopes and a refresh token,
/// state, nonce and PKCE.
pub(crate) fn usual<'a>(client_id: &'a str, challenge: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", WEB),
        ("scope", "openid profile email offline_access User.Read"),
        ("state", "s-123"),
        ("nonce", "n-456"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// The hidden fields of the form a page shows (the request carried on, the form's token).
pub(crate) fn hidden_fields(page: &super::center::Page) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = page.body.as_str();
    while let Some(at) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[at + 27..];
        let name = rest[..rest.find('"').unwrap()].to_string();
        let value_at = rest.find("value=\"").unwrap() + 7;
        let value = rest[value_at..value_at + rest[value_at..].find('"').unwrap()]
            .replace("&amp;", "&")
            .replace("&quot;", "\"");
        fields.push((name, value));
    }
    fields
}

/// A code redeemed by the usual web app (its secret, its redirect URI, the PKCE verifier).
pub(crate) async fn redeem(
    app: &TestApp,
    client_id: &str,
    secret: &str,
    code: &str,
) -> (StatusCode, Json) {
    token(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("code", code),
            ("redirect_uri", WEB),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

/// Fills in the sign-in form the page showed and sends it; returns the answer.
pub(crate) async fn sign_in_through(
    browser: &mut Browser,
    form_page: &super::center::Page,
    path: &str,
    username: &str,
    password: &str,
) -> super::center::Page {
    let mut fields = hidden_fields(form_page);
    fields.push(("username".into(), username.into()));
    fields.push(("password".into(), password.into()));
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(path, &form).await
}

/// The query parameters of the address an answer sends the browser to.
pub(crate) fn sent_to(page: &super::center::Page) -> (String, Vec<(String, String)>) {
    let location = page.location().to_string();
    let (base, query) = location.split_once('?').unwrap_or((&location, ""));
    let params = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (base.to_string(), params)
}

pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(crate) async fn token(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, Json) {
    let reply = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            app.address, app.tenant_id
        ))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = reply.status();
    (status, reply.json().await.unwrap())
}

pub(crate) fn claims_of(jwt: &str) -> Json {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

pub(crate) fn described(body: &Json) -> &str {
    body["error_description"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_to_an_app_with_a_code_and_keeps_signed_in_with_rotating_refresh_tokens() {
    let app = spawn_app().await;
    let (client_id, secret) = registered(&app).await;
    let ann = user_with_role(&app, "ann", None).await;
    let challenge = challenge(VERIFIER);
    let path = authorize_path(&app, &usual(&client_id, &challenge));
    let mut browser = Browser::new(&app);

    // The sign-in page names the app; a wrong password is said there, and nothing is sent.
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Its form's answer redirects to the app: the page's policy lets a browser follow it.
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("form-action 'self' https://expenses.contoso.example;"),
        "{policy}"
    );
    assert!(page.body.contains("Sign in to Expenses"), "{}", page.body);
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let wrong = sign_in_through(
        &mut browser,
        &page,
        &form_path,
        &format!("ann@{DOMAIN}"),
        "wrong",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(
        wrong.body.contains("Your account or password is incorrect"),
        "{}",
        wrong.body
    );
    let answered = sign_in_through(
        &mut browser,
        &wrong,
        &form_path,
        &format!("ann@{DOMAIN}"),
        PASSWORD,
    )
    .await;
    assert_eq!(answered.status, StatusCode::FOUND, "{}", answered.body);
    let (to, params) = sent_to(&answered);
    assert_eq!(to, WEB);
    assert_eq!(param(&params, "state"), Some("s-123"));
    let code = param(&params, "code").expect("a code").to_string();

    // Redeemed by the app: an access token, an ID token, a refresh token.
    let redeem = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", WEB),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(&app, &redeem).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let id_token = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["aud"], client_id.as_str());
    assert_eq!(id_token["oid"], ann.as_str());
    assert_eq!(id_token["tid"], app.tenant_id.as_str());
    assert_eq!(id_token["nonce"], "n-456");
    assert_eq!(id_token["preferred_username"], format!("ann@{DOMAIN}"));
    assert_eq!(id_token["ver"], "2.0");
    assert_ne!(
        id_token["sub"],
        ann.as_str(),
        "sub is pairwise, not the object id"
    );
    let discovery = app
        .get(&format!(
            "/{}/v2.0/.well-known/openid-configuration",
            app.tenant_id
        ))
        .await;
    assert_eq!(id_token["iss"], discovery.body["issuer"]);
    let access = claims_of(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["scp"], "openid profile email User.Read");
    assert_eq!(access["azp"], client_id.as_str());
    // The access token is the user's: accepted (a user without a role may not list users).
    let reply = app
        .call(
            tokens["access_token"].as_str().unwrap(),
            reqwest::Method::GET,
            "/v1.0/users",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // A code works once: a second redemption is refused and ends what the first gave.
    let (status, again) = token(&app, &redeem).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(described(&again).starts_with("AADSTS54005"), "{again}");
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let refresh = |token: &str| {
        vec![
            ("grant_type", "refresh_token".to_string()),
            ("client_id", client_id.clone()),
            ("client_secret", secret.clone()),
            ("refresh_token", token.to_string()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token(app, &pairs).await
        }
    };
    let (status, ended) = send(refresh(&first_refresh)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{ended}");

    // A browser still signed in gets a new code without the form.
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    let code = param(&sent_to(&page).1, "code").unwrap().to_string();
    let redeem = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", WEB),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(&app, &redeem).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    // Refresh tokens rotate; an old one used again ends its whole family.
    let first = tokens["refresh_token"].as_str().unwrap().to_string();
    let (status, rotated) = send(refresh(&first)).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let second = rotated["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert!(rotated["id_token"].is_string() && rotated["access_token"].is_string());
    let (status, replayed) = send(refresh(&first)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        described(&replayed).starts_with("AADSTS50173"),
        "{replayed}"
    );
    let (status, family) = send(refresh(&second)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the family ended: {family}"
    );

    // Signing out everywhere ends refresh tokens issued before, on their next use.
    let page = browser.get(&path).await;
    let code = param(&sent_to(&page).1, "code").unwrap().to_string();
    let redeem = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", WEB),
        ("code_verifier", VERIFIER),
    ];
    let (_, tokens) = token(&app, &redeem).await;
    let held = tokens["refresh_token"].as_str().unwrap().to_string();
    let revoked = app
        .post(
            &format!("/v1.0/users/{ann}/revokeSignInSessions"),
            json!({}),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    let (status, refused) = send(refresh(&held)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(described(&refused).starts_with("AADSTS50173"), "{refused}");
    // And the browser's session too: the form again.
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);

    // A blocked user's refresh token stops working.
    let answered = sign_in_through(
        &mut browser,
        &page,
        &form_path,
        &format!("ann@{DOMAIN}"),
        PASSWORD,
    )
    .await;
    let code = param(&sent_to(&answered).1, "code").unwrap().to_string();
    let redeem = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", WEB),
        ("code_verifier", VERIFIER),
    ];
    let (_, tokens) = token(&app, &redeem).await;
    let held = tokens["refresh_token"].as_str().unwrap().to_string();
    app.patch(
        &format!("/v1.0/users/{ann}"),
        json!({ "accountEnabled": false }),
    )
    .await;
    let (status, refused) = send(refresh(&held)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        described(&refused).starts_with("AADSTS50057")
            || described(&refused).starts_with("AADSTS50173"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_malformed_requests_get_entras_errors_and_nothing_is_issued() {
    let app = spawn_app().await;
    let (client_id, secret) = registered(&app).await;
    user_with_role(&app, "ann", None).await;
    let challenge = challenge(VERIFIER);
    let mut browser = Browser::new(&app);

    // The app or its redirect URI unknown: said on a page, never sent anywhere.
    for (pairs, said) in [
        (
            vec![
                ("client_id", "00000000-0000-0000-0000-000000000001"),
                ("response_type", "code"),
                ("redirect_uri", WEB),
            ],
            "AADSTS700016",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                (
                    "redirect_uri",
                    "https://expenses.contoso.example/signin-oidc/",
                ),
            ],
            "AADSTS50011",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                ("redirect_uri", "https://evil.example/signin-oidc"),
            ],
            "AADSTS50011",
        ),
        (
            vec![("client_id", client_id.as_str()), ("response_type", "code")],
            "AADSTS900144",
        ),
    ] {
        let page = browser.get(&authorize_path(&app, &pairs)).await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{pairs:?}: {}",
            page.body
        );
        assert!(page.headers.get("location").is_none());
        assert!(page.body.contains(said), "{pairs:?}: {}", page.body);
    }
    // What the app asks for wrongly: sent back to it as Entra sends it.
    for (pairs, error, code) in [
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "token"),
                ("redirect_uri", WEB),
                ("state", "x"),
            ],
            "unsupported_response_type",
            "AADSTS700054",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                ("redirect_uri", SPA),
                ("state", "x"),
            ],
            "invalid_request",
            "AADSTS9002325",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                ("redirect_uri", WEB),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "plain"),
                ("state", "x"),
            ],
            "invalid_request",
            "AADSTS50131",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                ("redirect_uri", WEB),
                ("scope", "openid Mail.Send.Everything"),
                ("state", "x"),
            ],
            "invalid_scope",
            "AADSTS70011",
        ),
        // Acting as the user in everything is roster's own CLI's only: an application would
        // get a signed-in administrator's whole power without a question.
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                ("redirect_uri", WEB),
                (
                    "scope",
                    "openid https://graph.microsoft.com/Directory.AccessAsUser.All",
                ),
                ("state", "x"),
            ],
            "invalid_scope",
            "AADSTS70011",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                ("redirect_uri", WEB),
                ("prompt", "none"),
                ("state", "x"),
            ],
            "login_required",
            "AADSTS50058",
        ),
    ] {
        let page = browser.get(&authorize_path(&app, &pairs)).await;
        assert_eq!(page.status, StatusCode::FOUND, "{pairs:?}: {}", page.body);
        let (to, params) = sent_to(&page);
        assert!(to == WEB || to == SPA, "{to}");
        assert_eq!(param(&params, "error"), Some(error), "{pairs:?}");
        assert!(
            param(&params, "error_description")
                .unwrap()
                .starts_with(code),
            "{params:?}"
        );
        assert_eq!(param(&params, "state"), Some("x"));
        assert!(param(&params, "code").is_none());
    }

    // A code, then every way to misuse it.
    let page = browser
        .get(&authorize_path(&app, &usual(&client_id, &challenge)))
        .await;
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let answered = sign_in_through(
        &mut browser,
        &page,
        &form_path,
        &format!("ann@{DOMAIN}"),
        PASSWORD,
    )
    .await;
    let code = param(&sent_to(&answered).1, "code").unwrap().to_string();
    let other = registered(&app).await;
    for (form, status, said) in [
        // Another app's client id (with its own secret): not its code.
        (
            vec![
                ("client_id", other.0.as_str()),
                ("client_secret", other.1.as_str()),
                ("redirect_uri", WEB),
                ("code_verifier", VERIFIER),
            ],
            StatusCode::BAD_REQUEST,
            "AADSTS70000",
        ),
    ] {
        let mut form = form;
        form.push(("grant_type", "authorization_code"));
        form.push(("code", code.as_str()));
        let (got, body) = token(&app, &form).await;
        assert_eq!(got, status, "{body}");
        assert!(described(&body).starts_with(said), "{body}");
    }
    // Someone else's attempt does not burn the code: its own app still redeems it.
    let (status, body) = redeem(&app, &client_id, &secret, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Fresh codes for each remaining misuse (the browser is signed in now: no form).
    let wrong_verifier = "x".repeat(50);
    for (form, status, said) in [
        (
            vec![
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
                ("redirect_uri", WEB),
                ("code_verifier", wrong_verifier.as_str()),
            ],
            StatusCode::BAD_REQUEST,
            "AADSTS50148",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
                ("redirect_uri", WEB),
            ],
            StatusCode::BAD_REQUEST,
            "AADSTS50148",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
                (
                    "redirect_uri",
                    "https://expenses.contoso.example/signin-oidX",
                ),
                ("code_verifier", VERIFIER),
            ],
            StatusCode::BAD_REQUEST,
            "AADSTS50011",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("redirect_uri", WEB),
                ("code_verifier", VERIFIER),
            ],
            StatusCode::UNAUTHORIZED,
            "AADSTS7000218",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("client_secret", "wrong"),
                ("redirect_uri", WEB),
                ("code_verifier", VERIFIER),
            ],
            StatusCode::UNAUTHORIZED,
            "AADSTS7000215",
        ),
    ] {
        let page = browser
            .get(&authorize_path(&app, &usual(&client_id, &challenge)))
            .await;
        assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
        let code = param(&sent_to(&page).1, "code").unwrap().to_string();
        let mut form = form;
        form.push(("grant_type", "authorization_code"));
        form.push(("code", code.as_str()));
        let (got, body) = token(&app, &form).await;
        assert_eq!(got, status, "{form:?}: {body}");
        assert!(described(&body).starts_with(said), "{form:?}: {body}");
        assert!(body["access_token"].is_null() && body["refresh_token"].is_null());
    }
    // A code nobody issued.
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("code", "made-up"),
            ("redirect_uri", WEB),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(described(&body).starts_with("AADSTS70000"), "{body}");
    // Oversized parameters are refused whole, not cut, and not echoed back.
    let long = "x".repeat(5_000);
    let page = browser
        .get(&authorize_path(
            &app,
            &usual(&client_id, &challenge)
                .into_iter()
                .map(|(k, v)| {
                    if k == "state" {
                        (k, long.as_str())
                    } else {
                        (k, v)
                    }
                })
                .collect::<Vec<_>>(),
        ))
        .await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    let params = sent_to(&page).1;
    assert_eq!(
        param(&params, "error"),
        Some("invalid_request"),
        "{params:?}"
    );
    assert!(param(&params, "code").is_none() && param(&params, "state").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userinfo_says_who_signed_in_and_logout_ends_the_browsers_session() {
    let app = spawn_app().await;
    let (client_id, secret) = registered(&app).await;
    let ann = user_with_role(&app, "ann", None).await;
    app.patch(
        &format!("/v1.0/users/{ann}"),
        json!({ "givenName": "Ann", "surname": "Smit", "mail": format!("ann.smit@{DOMAIN}") }),
    )
    .await;
    let challenge = challenge(VERIFIER);
    let path = authorize_path(&app, &usual(&client_id, &challenge));
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let mut browser = Browser::new(&app);
    let page = browser.get(&path).await;
    let answered = sign_in_through(
        &mut browser,
        &page,
        &form_path,
        &format!("ann@{DOMAIN}"),
        PASSWORD,
    )
    .await;
    let code = param(&sent_to(&answered).1, "code").unwrap().to_string();
    let (status, tokens) = redeem(&app, &client_id, &secret, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let access = tokens["access_token"].as_str().unwrap().to_string();

    // userinfo: the same sub as the ID token, the names and mail the scopes granted.
    let discovery = app
        .get(&format!(
            "/{}/v2.0/.well-known/openid-configuration",
            app.tenant_id
        ))
        .await
        .body;
    let userinfo_url = discovery["userinfo_endpoint"].as_str().unwrap().to_string();
    let info: Json = reqwest::Client::new()
        .get(&userinfo_url)
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], claims_of(&id_token)["sub"], "{info}");
    assert_eq!(info["name"], "ann");
    assert_eq!(info["given_name"], "Ann");
    assert_eq!(info["email"], format!("ann.smit@{DOMAIN}"));
    let refused = reqwest::Client::new()
        .get(&userinfo_url)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.headers().contains_key("www-authenticate"));

    // Logout to an address the app did not register: the browser is signed out, and told so
    // on roster's page, not sent anywhere.
    let logout = discovery["end_session_endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    let logout_path = logout.trim_start_matches(&app.address).to_string();
    let page = browser
        .get(&format!(
            "{logout_path}?post_logout_redirect_uri={}&id_token_hint={id_token}",
            form_urlencoded::byte_serialize(b"https://evil.example/").collect::<String>()
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("You have signed out"), "{}", page.body);
    assert!(page.headers.get("location").is_none());
    let again = browser.get(&path).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the form again: {}",
        again.body
    );
    // To a registered one, with the app named by its ID token: sent back there, with state.
    let answered = sign_in_through(
        &mut browser,
        &again,
        &form_path,
        &format!("ann@{DOMAIN}"),
        PASSWORD,
    )
    .await;
    assert_eq!(answered.status, StatusCode::FOUND);
    let page = browser
        .get(&format!(
            "{logout_path}?post_logout_redirect_uri={}&id_token_hint={id_token}&state=bye",
            form_urlencoded::byte_serialize(WEB.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert_eq!(page.location(), format!("{WEB}?state=bye"));
    let again = browser.get(&path).await;
    assert_eq!(again.status, StatusCode::OK, "signed out: {}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_token_reads_and_changes_its_own_account_at_me() {
    let app = spawn_app().await;
    let (client_id, secret) = registered(&app).await;
    let ann = user_with_role(&app, "ann", None).await;
    let group = app.create_group("Readers").await;
    app.add_member(&group, &ann).await;
    let challenge = challenge(VERIFIER);
    let path = authorize_path(&app, &usual(&client_id, &challenge));
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let mut browser = Browser::new(&app);
    let page = browser.get(&path).await;
    let answered = sign_in_through(
        &mut browser,
        &page,
        &form_path,
        &format!("ann@{DOMAIN}"),
        PASSWORD,
    )
    .await;
    let code = param(&sent_to(&answered).1, "code").unwrap().to_string();
    let (_, tokens) = redeem(&app, &client_id, &secret, &code).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let me = app
        .call(&access, reqwest::Method::GET, "/v1.0/me", None)
        .await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    assert_eq!(me.body["id"], ann.as_str());
    let groups = app
        .call(&access, reqwest::Method::GET, "/v1.0/me/memberOf", None)
        .await;
    assert_eq!(groups.status, StatusCode::OK, "{:?}", groups.body);
    assert_eq!(groups.body["value"][0]["id"], group.as_str());
    let licenses = app
        .call(
            &access,
            reqwest::Method::GET,
            "/v1.0/me/licenseDetails",
            None,
        )
        .await;
    assert_eq!(licenses.status, StatusCode::OK, "{:?}", licenses.body);
    // Another user's account is not the user's to read.
    let other = user_with_role(&app, "bob", None).await;
    let reply = app
        .call(
            &access,
            reqwest::Method::GET,
            &format!("/v1.0/users/{other}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // changePassword: the current password first (a wrong one refused), Entra's rule for the
    // new; then every token of the user issued before ends, refresh tokens included.
    let change =
        |current: &str, new: &str| json!({ "currentPassword": current, "newPassword": new });
    let reply = app
        .call(
            &access,
            reqwest::Method::POST,
            "/v1.0/me/changePassword",
            Some(change("wrong", "New-Passw0rd-123")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
    let reply = app
        .call(
            &access,
            reqwest::Method::POST,
            "/v1.0/me/changePassword",
            Some(change(PASSWORD, "short")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    let reply = app
        .call(
            &access,
            reqwest::Method::POST,
            "/v1.0/me/changePassword",
            Some(change(PASSWORD, "New-Passw0rd-123")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let reply = app
        .call(&access, reqwest::Method::GET, "/v1.0/me", None)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "the token ended with the change"
    );
    let (status, refused) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        app.password_token(&format!("ann@{DOMAIN}"), "New-Passw0rd-123")
            .await
            .is_ok()
    );
    // An app's token has no /me.
    let reply = app.get("/v1.0/me/memberOf").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

/// The access token a Global Administrator's sign-in gives an app.
async fn admins_token_for(app: &TestApp, client_id: &str, secret: &str, scope: &str) -> String {
    let challenge = challenge(VERIFIER);
    let mut browser = Browser::new(app);
    let mut pairs = usual(client_id, &challenge);
    for pair in pairs.iter_mut() {
        if pair.0 == "scope" {
            pair.1 = scope;
        }
    }
    let page = browser.get(&authorize_path(app, &pairs)).await;
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let answered = sign_in_through(
        &mut browser,
        &page,
        &form_path,
        roster_testkit::ADMIN_UPN,
        roster_testkit::ADMIN_PASSWORD,
    )
    .await;
    let code = param(&sent_to(&answered).1, "code").unwrap().to_string();
    let (status, tokens) = token(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("code", &code),
            ("redirect_uri", WEB),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens["access_token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apps_token_does_what_the_scopes_granted_allow_and_no_more() {
    let app = spawn_app().await;
    let (client_id, secret) = registered(&app).await;
    // Signed in with openid alone: the app has the user's own profile, not the admin's powers.
    let access = admins_token_for(&app, &client_id, &secret, "openid profile").await;
    let me = app
        .call(&access, reqwest::Method::GET, "/v1.0/me", None)
        .await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    for (method, path, body) in [
        (reqwest::Method::GET, "/v1.0/users", None),
        (
            reqwest::Method::POST,
            "/v1.0/applications",
            Some(json!({ "displayName": "Takeover" })),
        ),
        (reqwest::Method::GET, "/v1.0/applications", None),
    ] {
        let reply = app.call(&access, method.clone(), path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {:?}",
            reply.body
        );
    }
    // With User.Read.All granted: users may be read, not written.
    let access = admins_token_for(&app, &client_id, &secret, "openid User.Read.All").await;
    let users = app
        .call(&access, reqwest::Method::GET, "/v1.0/users", None)
        .await;
    assert_eq!(users.status, StatusCode::OK, "{:?}", users.body);
    let reply = app
        .call(
            &access,
            reqwest::Method::POST,
            "/v1.0/users",
            Some(
                json!({ "accountEnabled": true, "displayName": "X", "mailNickname": "x",
                         "userPrincipalName": format!("x@{DOMAIN}"),
                         "passwordProfile": { "password": "Secret-Passw0rd!" } }),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_client_uses_any_loopback_port_and_must_use_pkce() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/v1.0/applications",
            json!({ "displayName": "CLI", "isFallbackPublicClient": true,
                    "publicClient": { "redirectUris": ["http://127.0.0.1/callback"] },
                    "web": { "redirectUris": [WEB] } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let client_id = created.body["appId"].as_str().unwrap().to_string();
    user_with_role(&app, "ann", None).await;
    let challenge = challenge(VERIFIER);
    let mut browser = Browser::new(&app);
    // Any port of the registered loopback address; the code goes back to that port.
    let loopback = "http://127.0.0.1:53123/callback";
    let pairs = [
        ("client_id", client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", loopback),
        ("scope", "openid"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let page = browser.get(&authorize_path(&app, &pairs)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let answered = sign_in_through(
        &mut browser,
        &page,
        &form_path,
        &format!("ann@{DOMAIN}"),
        PASSWORD,
    )
    .await;
    let (to, params) = sent_to(&answered);
    assert_eq!(to, loopback);
    let code = param(&params, "code").unwrap().to_string();
    let (status, tokens) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", loopback),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "no secret, with PKCE: {tokens}");
    // Not another path, nor another host; and a web URI only on its own port.
    for uri in [
        "http://127.0.0.1:53123/other",
        "http://127.0.0.2:53123/callback",
        "https://expenses.contoso.example:8443/signin-oidc",
    ] {
        let pairs = [
            ("client_id", client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", uri),
        ];
        let page = browser.get(&authorize_path(&app, &pairs)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(page.body.contains("AADSTS50011"), "{uri}");
    }
    // A code requested without PKCE is not redeemed without a secret, even by a public client.
    let pairs = [
        ("client_id", client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", WEB),
        ("scope", "openid"),
    ];
    let page = browser.get(&authorize_path(&app, &pairs)).await;
    assert_eq!(
        page.status,
        StatusCode::FOUND,
        "signed in already: {}",
        page.body
    );
    let code = param(&sent_to(&page).1, "code").unwrap().to_string();
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", WEB),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(described(&body).starts_with("AADSTS9002325"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_whose_password_must_change_changes_it_while_signing_in() {
    let app = spawn_app().await;
    let (client_id, secret) = registered(&app).await;
    app.create_user(
        "newbie",
        json!({ "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": true } }),
    )
    .await;
    let challenge = challenge(VERIFIER);
    let path = authorize_path(&app, &usual(&client_id, &challenge));
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    let mut browser = Browser::new(&app);
    let page = browser.get(&path).await;
    let upn = format!("newbie@{DOMAIN}");
    // The right password: the change form, with the request carried on; nothing sent yet.
    let asked = sign_in_through(&mut browser, &page, &form_path, &upn, PASSWORD).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        asked.body.contains(r#"name="new_password""#),
        "{}",
        asked.body
    );
    assert!(asked.body.contains(r#"name="code_challenge""#));
    let mismatch = change_through(
        &mut browser,
        &asked,
        &form_path,
        "New-Passw0rd-456",
        "New-Passw0rd-789",
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::OK);
    assert!(
        mismatch.body.contains(r#"name="new_password""#) && mismatch.body.contains("signin-error")
    );
    assert!(
        app.password_token(&upn, PASSWORD).await.is_err(),
        "still must change"
    );
    let weak = change_through(&mut browser, &mismatch, &form_path, "weak", "weak").await;
    assert!(weak.body.contains("signin-error"), "{}", weak.body);
    let done = change_through(
        &mut browser,
        &weak,
        &form_path,
        "New-Passw0rd-456",
        "New-Passw0rd-456",
    )
    .await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    let code = param(&sent_to(&done).1, "code").unwrap().to_string();
    let (status, tokens) = redeem(&app, &client_id, &secret, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(app.password_token(&upn, "New-Passw0rd-456").await.is_ok());
    assert!(app.password_token(&upn, PASSWORD).await.is_err());
}

/// Fills in the change-password form the page showed (the current password, the new one and
/// its confirmation) and sends it.
async fn change_through(
    browser: &mut Browser,
    page: &super::center::Page,
    form_path: &str,
    new: &str,
    confirm: &str,
) -> super::center::Page {
    let mut fields = hidden_fields(page);
    fields.push(("password".into(), PASSWORD.into()));
    fields.push(("new_password".into(), new.into()));
    fields.push(("confirm".into(), confirm.into()));
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(form_path, &form).await
}
