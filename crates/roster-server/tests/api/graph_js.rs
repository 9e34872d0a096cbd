//! Microsoft's JavaScript libraries (`tests/graph-js`: the Graph client and MSAL), and an
//! independent OpenID Connect relying party (openid-client), against a real server over https.
//! Needs Node.js and `npm ci` in tests/graph-js (scripts/test does it); without them the test
//! fails rather than skips.

use std::process::Command;

use roster_testkit::{CLIENT_SECRET, DOMAIN, Options, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_javascript_client_works_unmodified() {
    let app = spawn_app_with(Options {
        tls: true,
        ..Default::default()
    })
    .await;
    let plenty = app.buy("SPE_E3", 1000).await;
    let scarce = app.buy("POWER_BI_PRO", 1).await;
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/graph-js");
    assert!(
        directory
            .join("node_modules/@microsoft/microsoft-graph-client")
            .exists(),
        "run `npm ci` in {} first (scripts/test does)",
        directory.display()
    );
    // An application users sign in to, and a user who signs in to it.
    const REDIRECT: &str = "https://rp.contoso.example/callback";
    let registered = app
        .post(
            "/v1.0/applications",
            serde_json::json!({ "displayName": "Relying party", "web": { "redirectUris": [REDIRECT] } }),
        )
        .await;
    assert_eq!(
        registered.status,
        reqwest::StatusCode::CREATED,
        "{:?}",
        registered.body
    );
    let (object_id, oidc_client) = (
        registered.body["id"].as_str().unwrap().to_string(),
        registered.body["appId"].as_str().unwrap().to_string(),
    );
    let oidc_secret = app
        .post(
            &format!("/v1.0/applications/{object_id}/addPassword"),
            serde_json::json!({ "passwordCredential": {} }),
        )
        .await
        .body["secretText"]
        .as_str()
        .unwrap()
        .to_string();
    super::center::user_with_role(&app, "rp.user", None).await;
    let certificate = app.certificate.clone().expect("https server");
    let (url, token) = (app.address.clone(), app.app_token.clone());
    let (tenant_id, client_id) = (app.tenant_id.clone(), app.client_id.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-reporter=spec"])
            .current_dir(&directory)
            .env("ROSTER_URL", url)
            .env("ROSTER_TOKEN", token)
            .env("ROSTER_DOMAIN", DOMAIN)
            .env("ROSTER_SKU_ID", plenty)
            .env("ROSTER_SCARCE_SKU_ID", scarce)
            .env("ROSTER_TENANT_ID", tenant_id)
            .env("ROSTER_CLIENT_ID", client_id)
            .env("ROSTER_CLIENT_SECRET", CLIENT_SECRET)
            .env("ROSTER_OIDC_CLIENT_ID", oidc_client)
            .env("ROSTER_OIDC_CLIENT_SECRET", oidc_secret)
            .env("ROSTER_OIDC_REDIRECT_URI", REDIRECT)
            .env("ROSTER_OIDC_USER", format!("rp.user@{DOMAIN}"))
            .env("ROSTER_OIDC_PASSWORD", super::center::PASSWORD)
            .env("NODE_EXTRA_CA_CERTS", certificate)
            .output()
            .expect("node is installed")
    })
    .await
    .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the JavaScript client's tests failed:\n{report}"
    );
    assert!(
        report.contains("ℹ fail 0") && !report.contains("ℹ pass 0"),
        "{report}"
    );
    // The relying party's flow ran (node --test runs every file it finds).
    assert!(
        report.contains("✔ openid-client signs a user in with code and PKCE"),
        "{report}"
    );
    assert!(
        report.contains("✔ msal-node signs a user in with the code flow and refreshes"),
        "{report}"
    );
    assert!(
        report.contains("✔ msal-node signs a user in with the device code flow"),
        "{report}"
    );
}
