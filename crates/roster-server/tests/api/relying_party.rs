//! A user signs in to an application through roster in a real headless Chromium: the test
//! suite's own relying party (`tests/graph-js/rp.mjs`, on panva's openid-client) sends the
//! browser to roster's sign-in page, the user signs in there (a wrong password first), comes
//! back signed in with the name roster's ID token gave, and signs out through roster's
//! end-session endpoint, in English and in Dutch. Each page is photographed into
//! `tmp/sign-in-screenshots/` (and the committed ones in `docs/screenshots/` come from there).
//!
//! Needs Chromium and chromedriver (`.ci/run` installs them), Node.js and `npm ci` in
//! tests/graph-js (scripts/test does it); without them the test fails, never passes.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use roster_testkit::{DOMAIN, Options, spawn_app_with};

use super::browser::{browser_with, start_driver, whole_page};
use super::center::{PASSWORD, user_with_role};

/// The relying party, stopped when dropped.
struct RelyingParty {
    child: Child,
    base: String,
}

impl Drop for RelyingParty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_relying_party(
    app: &roster_testkit::TestApp,
    (client_id, secret): (&str, &str),
    port: u16,
) -> RelyingParty {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/graph-js");
    assert!(
        directory.join("node_modules/openid-client").exists(),
        "run `npm ci` in {} first (scripts/test does)",
        directory.display()
    );
    let child = Command::new("node")
        .arg("rp.mjs")
        .current_dir(&directory)
        .env("ROSTER_URL", &app.address)
        .env("ROSTER_TENANT_ID", &app.tenant_id)
        .env("RP_CLIENT_ID", client_id)
        .env("RP_CLIENT_SECRET", secret)
        .env("RP_PORT", port.to_string())
        .env(
            "NODE_EXTRA_CA_CERTS",
            app.certificate.clone().expect("an https server"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node is installed");
    let began = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the relying party did not listen"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    RelyingParty {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn text_of(client: &Client, locator: Locator<'_>) -> String {
    client
        .find(locator)
        .await
        .expect("the element")
        .text()
        .await
        .expect("its text")
}

async fn snap(client: &Client, dir: &std::path::Path, name: &str) {
    whole_page(client, 900, 1000, 4_000, &dir.join(format!("{name}.png"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_to_a_web_app_through_rosters_pages_in_chromium() {
    let app = spawn_app_with(Options {
        tls: true,
        ..Default::default()
    })
    .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let registered = app
        .post(
            "/v1.0/applications",
            serde_json::json!({ "displayName": "Contoso Wiki",
                "web": { "redirectUris": [format!("{base}/callback"), format!("{base}/")] } }),
        )
        .await;
    assert_eq!(
        registered.status,
        reqwest::StatusCode::CREATED,
        "{:?}",
        registered.body
    );
    let object_id = registered.body["id"].as_str().unwrap();
    let client_id = registered.body["appId"].as_str().unwrap().to_string();
    let secret = app
        .post(
            &format!("/v1.0/applications/{object_id}/addPassword"),
            serde_json::json!({ "passwordCredential": {} }),
        )
        .await
        .body["secretText"]
        .as_str()
        .unwrap()
        .to_string();
    let user = user_with_role(&app, "lena", None).await;
    app.patch(
        &format!("/v1.0/users/{user}"),
        serde_json::json!({ "displayName": "Lena de Vries" }),
    )
    .await;
    let rp = start_relying_party(&app, (&client_id, &secret), port).await;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sign-in-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let driver = start_driver().await;
    let upn = format!("lena@{DOMAIN}");

    for (language, expect) in [
        (
            "en",
            [
                "Sign in",
                "Sign in to Contoso Wiki",
                "Your account or password is incorrect",
            ],
        ),
        (
            "nl",
            [
                "Aanmelden",
                "Meld u aan bij Contoso Wiki",
                "Uw account of wachtwoord is onjuist",
            ],
        ),
    ] {
        let profile = tempfile::tempdir().unwrap();
        // roster's certificate is its own: this browser accepts it, as one would once told to.
        let client = browser_with(
            &driver,
            &profile,
            language,
            &["--ignore-certificate-errors"],
        )
        .await;
        client.goto(&rp.base).await.unwrap();
        assert!(
            text_of(&client, Locator::Id("signed-out"))
                .await
                .contains("not signed in")
        );
        client
            .find(Locator::Id("login"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();

        // roster's sign-in page, in the browser's language, naming the application.
        let heading = text_of(&client, Locator::Css("main h1")).await;
        assert_eq!(heading, expect[0]);
        let body = text_of(&client, Locator::Css("main")).await;
        assert!(body.contains(expect[1]), "{body}");
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .as_str()
                .starts_with(&app.address)
        );
        snap(&client, &dir, &format!("{language}-1-sign-in")).await;

        // A wrong password: said on the page, the name kept, focus where the error points.
        client
            .find(Locator::Id("username"))
            .await
            .unwrap()
            .send_keys(&upn)
            .await
            .unwrap();
        client
            .find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys("Not-the-Passw0rd")
            .await
            .unwrap();
        client
            .find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let error = text_of(&client, Locator::Id("signin-error")).await;
        assert!(error.contains(expect[2]), "{error}");
        snap(&client, &dir, &format!("{language}-2-wrong-password")).await;

        // The right one: back to the app, signed in with the name from roster's ID token.
        client
            .find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        client
            .find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let who = text_of(&client, Locator::Id("who")).await;
        assert!(who.contains("Lena de Vries") && who.contains(&upn), "{who}");
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .as_str()
                .starts_with(&rp.base)
        );
        snap(&client, &dir, &format!("{language}-3-signed-in")).await;

        // Signing out goes through roster's end-session endpoint and back to the app; roster's
        // session is over too (signing in again asks for the password).
        client
            .find(Locator::Id("logout"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(
            text_of(&client, Locator::Id("signed-out"))
                .await
                .contains("not signed in")
        );
        client
            .find(Locator::Id("login"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(text_of(&client, Locator::Css("main h1")).await, expect[0]);
        client.close().await.unwrap();
    }
    // The sign-ins are in the log, the wrong ones too.
    let log = app
        .get("/v1.0/auditLogs/signIns?$filter=appDisplayName eq 'Contoso Wiki'")
        .await;
    let codes: Vec<i64> = log.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"]["errorCode"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![0, 50126, 0, 50126], "{:?}", log.body);
}
