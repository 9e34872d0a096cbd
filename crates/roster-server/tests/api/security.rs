//! What an attacker tried in a first afternoon (issue 16), each as a test that failed before
//! its fix: password guessing, tokens and sessions that outlived a reset or a demotion, the
//! last Global Administrator, job bodies read before authorization, half-open connections,
//! open redirects, forwarded headers, generated passwords kept readable.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use roster_testkit::{
    ADMIN_PASSWORD, ADMIN_UPN, DOMAIN, Options, Reply, TestApp, spawn_app, spawn_app_with,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::center::{Browser, PASSWORD, user_with_role};

/// A server that believes the test client's `X-Forwarded-For` (as it would a load balancer's),
/// so that a test can sign in from several addresses.
async fn behind_a_proxy() -> TestApp {
    spawn_app_with(Options {
        trusted_proxies: vec!["127.0.0.1/32".into()],
        ..Options::default()
    })
    .await
}

/// roster's CLI, the application the password grants come from.
const CLI: &str = "5b9c74be-219b-42ae-aefa-9b04e39786af";

/// The password grant for `username`, from the address `from`.
async fn grant(app: &TestApp, username: &str, password: &str, from: &str) -> Reply {
    let response = app
        .client
        .post(app.url(&format!("/{DOMAIN}/oauth2/v2.0/token")))
        .header("X-Forwarded-For", from)
        .form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("client_id", CLI),
        ])
        .send()
        .await
        .expect("token request");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        body,
        headers,
    }
}

fn aadsts(reply: &Reply) -> i64 {
    reply.body["error_codes"][0].as_i64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_a_password_locks_the_name_but_not_at_the_users_own_address() {
    let app = behind_a_proxy().await;
    user_with_role(&app, "guess", None).await;
    let name = format!("guess@{DOMAIN}");
    let attacker = "203.0.113.1";
    // The user signs in from home: an address of their own from now on.
    let home = "198.51.100.2";
    assert_eq!(
        grant(&app, &name, PASSWORD, home).await.status,
        StatusCode::OK
    );

    // The same wrong password, over and over, counts once.
    for _ in 0..30 {
        assert_eq!(
            aadsts(&grant(&app, &name, "Wrong-Once-1!", attacker).await),
            50126
        );
    }
    // Nine more, each different: ten failures lock the name from that address.
    for attempt in 0..9 {
        let reply = grant(&app, &name, &format!("Wrong-{attempt}!"), attacker).await;
        assert_eq!(aadsts(&reply), 50126, "attempt {attempt}: {:?}", reply.body);
    }
    let right = grant(&app, &name, PASSWORD, attacker).await;
    let wrong = grant(&app, &name, "Wrong-Again-1!", attacker).await;
    assert_eq!(right.status, StatusCode::BAD_REQUEST);
    assert_eq!(aadsts(&right), 50053, "{:?}", right.body);
    assert_eq!(right.body["error"], "invalid_grant");
    // Locked, the answer says nothing of whether the password was right.
    assert_eq!(
        right.body["error_description"],
        wrong.body["error_description"]
    );
    // The user, signing in from their own address, is not locked out by the attacker; every
    // other address shares the attacker's lock (more addresses buy no more guesses).
    let own = grant(&app, &name, PASSWORD, home).await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    let elsewhere = grant(&app, &name, PASSWORD, "198.51.100.99").await;
    assert_eq!(aadsts(&elsewhere), 50053, "{:?}", elsewhere.body);

    // A name that does not exist locks alike: lockout does not tell which names exist.
    let ghost = format!("ghost@{DOMAIN}");
    for attempt in 0..10 {
        let reply = grant(&app, &ghost, &format!("Wrong-{attempt}!"), attacker).await;
        assert_eq!(aadsts(&reply), 50126);
    }
    assert_eq!(
        aadsts(&grant(&app, &ghost, "Wrong-11!", attacker).await),
        50053
    );

    // Every attempt is in the sign-in log, with its address, client and outcome.
    let log = app.get("/v1.0/auditLogs/signIns?$top=999").await;
    let entries = log.body["value"].as_array().expect("sign-ins").clone();
    assert_eq!(entries.len(), 1 + 30 + 9 + 2 + 2 + 11, "{:?}", log.body);
    let count = |code: i64, ip: &str| {
        entries
            .iter()
            .filter(|e| e["status"]["errorCode"] == code && e["ipAddress"] == ip)
            .count()
    };
    assert_eq!(count(50126, attacker), 30 + 9 + 10);
    assert_eq!(count(50053, attacker), 3);
    assert_eq!(count(50053, "198.51.100.99"), 1);
    assert_eq!(count(0, home), 2);
    assert!(
        entries
            .iter()
            .all(|e| e["appId"] == CLI && e["appDisplayName"] == "roster CLI")
    );

    // The threshold is the tenant's to set.
    let reply = app
        .patch(
            "/roster/v1/tenantSettings",
            json!({ "lockoutThreshold": 3 }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    assert_eq!(
        app.get("/roster/v1/tenantSettings").await.body,
        json!({ "lockoutThreshold": 3, "lockoutDurationInSeconds": 60, "sessionLifetimeInSeconds": 43200,
                "signInLogRetentionInDays": 30, "passwordGrantAllowed": true,
                "deviceCodeFlowAllowed": true })
    );
    user_with_role(&app, "strict", None).await;
    let strict = format!("strict@{DOMAIN}");
    for attempt in 0..3 {
        grant(&app, &strict, &format!("Wrong-{attempt}!"), attacker).await;
    }
    assert_eq!(
        aadsts(&grant(&app, &strict, PASSWORD, attacker).await),
        50053
    );
    // Lockout cannot be switched off.
    let off = app
        .patch(
            "/roster/v1/tenantSettings",
            json!({ "lockoutThreshold": 0 }),
        )
        .await;
    assert_eq!(off.status, StatusCode::BAD_REQUEST);
    assert!(off.message().contains("lockoutThreshold"), "{:?}", off.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_form_locks_out_too_whatever_its_token() {
    let app = spawn_app().await;
    user_with_role(&app, "formadmin", Some("User Administrator")).await;
    let name = format!("formadmin@{DOMAIN}");
    let mut browser = Browser::new(&app);
    let form = browser.get("/signin").await;
    let csrf = form.hidden("csrf");
    let post = |password: String| {
        [
            ("username", name.clone()),
            ("password", password),
            ("csrf", csrf.clone()),
            ("next", "/".to_string()),
        ]
    };
    for attempt in 0..10 {
        let fields = post(format!("Wrong-{attempt}!"));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = browser.post("/signin", &fields).await;
        assert!(
            page.body.contains("Your account or password is incorrect."),
            "{}",
            page.body
        );
    }
    let fields = post(PASSWORD.to_string());
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post("/signin", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "no session: {}", page.body);
    assert!(page.body.contains("temporarily locked"), "{}", page.body);
    assert!(browser.cookie("roster_session").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_password_checks_at_once_are_refused_not_queued() {
    let app = spawn_app().await;
    let asks = (0..96).map(|index| {
        let app = &app;
        async move { grant(app, &format!("flood{index}@{DOMAIN}"), "Wrong-1!", "x").await }
    });
    let replies = futures::future::join_all(asks).await;
    let throttled: Vec<&Reply> = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        !throttled.is_empty(),
        "96 checks at once overflow the queue"
    );
    for reply in &throttled {
        assert_eq!(reply.headers["retry-after"], "1");
        assert_eq!(reply.body["error"], "temporarily_unavailable");
    }
    assert!(
        replies
            .iter()
            .all(|r| r.status == StatusCode::TOO_MANY_REQUESTS || aadsts(r) == 50126),
        "the others are answered"
    );
    // Once the flood has passed, sign-ins work.
    app.password_token(ADMIN_UPN, ADMIN_PASSWORD)
        .await
        .expect("a sign-in after the flood");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_block_unblock_or_demotion_ends_what_was_issued_before() {
    let app = spawn_app().await;
    let id = user_with_role(&app, "ua", Some("User Administrator")).await;
    let name = format!("ua@{DOMAIN}");
    let works = |token: String| {
        let app = &app;
        async move {
            app.call(&token, Method::GET, "/v1.0/users", None)
                .await
                .status
                == StatusCode::OK
        }
    };

    // A password reset ends tokens and admin center sessions issued before it.
    let token = app.password_token(&name, PASSWORD).await.unwrap();
    let mut browser = Browser::new(&app);
    browser.sign_in(&name, PASSWORD).await;
    assert_eq!(browser.get("/users").await.status, StatusCode::OK);
    let new_password = "Reset-Passw0rd!2";
    let reply = app
        .patch(
            &format!("/v1.0/users/{id}"),
            json!({ "passwordProfile": { "password": new_password, "forceChangePasswordNextSignIn": false } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    assert!(!works(token).await, "a token from before the reset");
    assert_eq!(browser.get("/users").await.status, StatusCode::SEE_OTHER);

    // Block then unblock: tokens from before the block stay dead.
    let token = app.password_token(&name, new_password).await.unwrap();
    for enabled in [false, true] {
        let reply = app
            .patch(
                &format!("/v1.0/users/{id}"),
                json!({ "accountEnabled": enabled }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
    }
    assert!(!works(token).await, "a token from before the block");

    // A demotion ends the token and the session; the pages read nothing more.
    let token = app.password_token(&name, new_password).await.unwrap();
    assert!(works(token.clone()).await);
    let mut demoted = Browser::new(&app);
    demoted.sign_in(&name, new_password).await;
    assert_eq!(demoted.get("/groups").await.status, StatusCode::OK);
    let mut admin = Browser::new(&app);
    admin.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = admin.get("/roles").await.hidden("csrf");
    let page = admin
        .post(
            "/roles",
            &[
                ("action", "remove"),
                ("user", &name),
                ("role", "User Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(!works(token).await, "a token from before the demotion");
    for path in ["/users", "/groups", "/licenses", "/roles", "/deleted", "/"] {
        let page = demoted.get(path).await;
        assert_ne!(page.status, StatusCode::OK, "{path} after the demotion");
        assert!(!page.body.contains("admin@contoso.example"), "{path}");
    }
    // Signing in again, without a role, is refused.
    let page = demoted.sign_in(&name, new_password).await;
    assert!(
        page.body.contains("administrator"),
        "refused: {}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_global_administrator_who_can_sign_in_stays_one() {
    let app = spawn_app().await;
    let admin_id = app.get(&format!("/v1.0/users/{ADMIN_UPN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Two more Global Administrators, one deleted and one blocked: neither counts.
    let deleted = user_with_role(&app, "ga-deleted", Some("Global Administrator")).await;
    let blocked = user_with_role(&app, "ga-blocked", Some("Global Administrator")).await;
    assert_eq!(
        app.delete(&format!("/v1.0/users/{deleted}")).await.status,
        StatusCode::NO_CONTENT
    );
    let reply = app
        .patch(
            &format!("/v1.0/users/{blocked}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    let last = |reply: &Reply| {
        reply.status == StatusCode::BAD_REQUEST
            && reply.message().contains("last Global Administrator")
    };
    // The API: blocking or deleting the last one.
    let reply = app
        .patch(
            &format!("/v1.0/users/{admin_id}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert!(last(&reply), "{:?}", reply.body);
    let reply = app.delete(&format!("/v1.0/users/{admin_id}")).await;
    assert!(last(&reply), "{:?}", reply.body);
    // $batch: the item is refused inside the batch.
    let reply = app
        .post(
            "/v1.0/$batch",
            json!({ "requests": [{ "id": "1", "method": "PATCH", "url": format!("/users/{admin_id}"),
                     "headers": { "Content-Type": "application/json" }, "body": { "accountEnabled": false } }] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["responses"][0]["status"], 400,
        "{:?}",
        reply.body
    );
    // A bulk job: the row fails.
    let job = app
        .post(
            "/roster/v1/jobs/blockUsers",
            json!({ "rows": [{ "user": ADMIN_UPN }] }),
        )
        .await;
    assert_eq!(job.status, StatusCode::ACCEPTED, "{:?}", job.body);
    app.drain_jobs().await;
    let results = app
        .get(&format!(
            "/roster/v1/jobs/{}/results",
            job.body["id"].as_str().unwrap()
        ))
        .await;
    let row = &results.body["value"][0];
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["errorMessage"]
            .as_str()
            .unwrap()
            .contains("last Global Administrator"),
        "{row}"
    );
    // The admin center: losing the role.
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/roles").await.hidden("csrf");
    let remove = [
        ("action", "remove"),
        ("user", ADMIN_UPN),
        ("role", "Global Administrator"),
        ("csrf", csrf.as_str()),
    ];
    let page = browser.post("/roles", &remove).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("last Global Administrator"));
    // The administrator is still one, and can sign in.
    assert_eq!(
        app.get(&format!("/v1.0/users/{admin_id}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        true
    );

    // Nobody blocks their own account through the API either.
    let own = app.password_token(ADMIN_UPN, ADMIN_PASSWORD).await.unwrap();
    let reply = app
        .call(
            &own,
            Method::PATCH,
            &format!("/v1.0/users/{admin_id}"),
            Some(json!({ "accountEnabled": false })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.message(), "You cannot block your own account.");

    // With another who can sign in, the first may go.
    let reply = app
        .post(
            &format!("/v1.0/directory/deletedItems/{deleted}/restore"),
            json!(null),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let page = browser.post("/roles", &remove).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_passwords_are_never_kept_readable() {
    let app = spawn_app().await;
    let job = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [
                { "userPrincipalName": format!("sealed1@{DOMAIN}"), "displayName": "Sealed One" },
                { "userPrincipalName": format!("sealed2@{DOMAIN}"), "displayName": "Sealed Two" },
            ] }),
        )
        .await;
    assert_eq!(job.status, StatusCode::ACCEPTED, "{:?}", job.body);
    app.drain_jobs().await;
    let id = job.body["id"].as_str().unwrap();
    let results = app.get(&format!("/roster/v1/jobs/{id}/results")).await;
    let passwords: Vec<String> = results.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row["generatedPassword"]
                .as_str()
                .expect("a password")
                .to_string()
        })
        .collect();
    assert_eq!(passwords.len(), 2);
    for password in &passwords {
        assert!(
            !app.database_holds(password).await,
            "the generated password is stored readable"
        );
    }
    // The submitter still gets them (they open with the server key): the password is right,
    // and must be changed at first sign-in (AADSTS50055, not 50126).
    let refused = app
        .password_token(&format!("sealed1@{DOMAIN}"), &passwords[0])
        .await
        .unwrap_err();
    assert_eq!(refused.body["error_codes"][0], 50055, "{:?}", refused.body);

    // A password the file gives waits for its row sealed too, and works once applied.
    let given = "Given-Passw0rd-4711!";
    let job = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [{ "userPrincipalName": format!("given@{DOMAIN}"), "displayName": "Given",
                    "passwordProfile": { "password": given, "forceChangePasswordNextSignIn": false } }] }),
        )
        .await;
    assert_eq!(job.status, StatusCode::ACCEPTED, "{:?}", job.body);
    assert!(
        !app.database_holds(given).await,
        "a waiting row's password is stored readable"
    );
    app.drain_jobs().await;
    assert!(!app.database_holds(given).await);
    app.password_token(&format!("given@{DOMAIN}"), given)
        .await
        .expect("the given password signs in");
}

/// Sends a request's head and the start of its body over a raw connection, and reads what the
/// server answers before the rest of the body ever comes.
async fn answer_before_the_body(app: &TestApp, token: &str, path: &str) -> String {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 268435456\r\n\r\n{{\"rows\": [{{}},"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer before the body is sent")
        .unwrap();
    String::from_utf8_lossy(&answer[..read]).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_body_is_authorized_before_it_is_read_and_held_to_its_limits() {
    let app = spawn_app().await;
    let (_, nobody) = {
        let id = user_with_role(&app, "norole", None).await;
        let token = app
            .password_token(&format!("norole@{DOMAIN}"), PASSWORD)
            .await
            .unwrap();
        (id, token)
    };
    // Someone without a role: refused at once, the 256 MiB body never awaited.
    let answer = answer_before_the_body(&app, &nobody, "/roster/v1/jobs/createUsers").await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("Authorization_RequestDenied"), "{answer}");

    // Someone who may: more rows than a job holds is refused, and no job is left behind.
    let rows = format!(
        "{{\"rows\": [{}{{}}]}}",
        "{},".repeat(roster_server::upload::MAX_JOB_ROWS)
    );
    let reply = app
        .client
        .post(app.url("/roster/v1/jobs/blockUsers"))
        .bearer_auth(&app.app_token)
        .header("content-type", "application/json")
        .body(rows)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 2000000 rows"),
        "{body}"
    );
    assert_eq!(app.get("/roster/v1/jobs").await.body["value"], json!([]));
    // A bad row half-way leaves no job either.
    let reply = app
        .post(
            "/roster/v1/jobs/blockUsers",
            json!({ "rows": [{ "user": ADMIN_UPN }, "not a row"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.message(), "Row 2 is not an object.");
    assert_eq!(app.get("/roster/v1/jobs").await.body["value"], json!([]));
}

/// Opens a connection and sends half a request header, as a slow attacker does.
async fn half_open(app: &TestApp) -> tokio::net::TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /signin HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    stream
}

/// [`half_open`], from another loopback address.
async fn half_open_from(app: &TestApp, from: &str) -> tokio::net::TcpStream {
    let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(address).await.unwrap();
    stream
        .write_all(b"GET /signin HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    stream
}

/// Whether the server has closed the connection (or closes it within `wait`).
async fn closed_within(stream: &mut tokio::net::TcpStream, wait: Duration) -> bool {
    let mut buffer = [0u8; 256];
    match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        // An answer (a 408 or 400) before closing is a close too.
        Ok(Ok(_)) => true,
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_neither_last_nor_crowd_out_others() {
    let app = spawn_app_with(Options {
        max_connections: Some(40),
        ..Options::default()
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..30 {
        slow.push(half_open(&app).await);
    }
    // Normal clients are served beside them (the test's own client holds one more).
    let plain = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let page = plain.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // Past the cap a connection is closed at once, not queued.
    let mut over = Vec::new();
    for _ in 0..15 {
        over.push(half_open(&app).await);
    }
    let mut closed_at_once = 0;
    for stream in &mut over {
        if closed_within(stream, Duration::from_millis(500)).await {
            closed_at_once += 1;
        }
    }
    // 30 + 15 + the test client's one is 46: at least 6 are past the 40.
    assert!(
        (6..=8).contains(&closed_at_once),
        "{closed_at_once} of 15 closed at once"
    );
    // The half-open ones do not last: each is closed once the header timeout passes.
    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(25)).await,
            "a half-open connection outlived the header timeout"
        );
    }
    let page = plain.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_stay_on_this_server() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    for back in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "/%0A/evil.example",
        "https://evil.example",
    ] {
        let page = browser.get(&format!("/language?to=nl&back={back}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location(), "/", "back={back}");
    }
    let form = browser.get("/signin?next=/%09/evil.example/phish").await;
    let csrf = form.hidden("csrf");
    assert_eq!(form.hidden("next"), "/");
    let page = browser
        .post(
            "/signin",
            &[
                ("username", ADMIN_UPN),
                ("password", ADMIN_PASSWORD),
                ("csrf", &csrf),
                ("next", "/\t/evil.example/phish"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_headers_from_strangers_change_nothing() {
    let app = spawn_app().await;
    let spoofed = |request: reqwest::RequestBuilder| {
        request
            .header("X-Forwarded-For", "203.0.113.66")
            .header("X-Forwarded-Host", "evil.example")
            .header("X-Forwarded-Proto", "https")
    };
    // The audit log records the connection's address, not the header's.
    let reply = spoofed(app.client.post(app.url("/v1.0/users")))
        .bearer_auth(&app.app_token)
        .json(&json!({ "userPrincipalName": format!("spoof@{DOMAIN}"), "displayName": "Spoof", "accountEnabled": true, "mailNickname": "spoof" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::CREATED);
    let log = app.get("/roster/v1/auditLogs?top=1").await;
    assert_eq!(
        log.body["value"][0]["initiatedBy"]["ipAddress"],
        "127.0.0.1"
    );
    // The discovery document and the tokens name the server's own issuer.
    let discovery: Value = spoofed(
        app.client
            .get(app.url(&format!("/{DOMAIN}/v2.0/.well-known/openid-configuration"))),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let issuer = format!("{}/{}/v2.0", app.address, app.tenant_id);
    assert_eq!(discovery["issuer"], issuer);
    assert!(
        !discovery.to_string().contains("evil.example"),
        "{discovery}"
    );
    let token: Value = spoofed(
        app.client
            .post(app.url(&format!("/{DOMAIN}/oauth2/v2.0/token"))),
    )
    .form(&[
        ("grant_type", "client_credentials"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", roster_testkit::CLIENT_SECRET),
    ])
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let claims = token["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap()
        .to_string();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], issuer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_take_every_connection() {
    let app = spawn_app_with(Options {
        max_connections_per_address: Some(10),
        ..Options::default()
    })
    .await;
    // From an address of the test's own: the test's HTTP client keeps idle connections from
    // 127.0.0.1, which the server may close meanwhile, and would leave a place free.
    let mut from_one = Vec::new();
    for _ in 0..11 {
        from_one.push(half_open_from(&app, "127.0.0.3").await);
    }
    // One of the eleven is closed as soon as the server has accepted it (within seconds on a
    // loaded machine), the others stay open. Which one is the server's order of accepting:
    // each connection's acceptance runs as a task of its own, so not always the last opened.
    let closed = futures::future::join_all(
        from_one
            .iter_mut()
            .map(|stream| closed_within(stream, Duration::from_secs(5))),
    )
    .await;
    assert_eq!(
        closed.iter().filter(|closed| **closed).count(),
        1,
        "past its address's share, one connection is closed at once: {closed:?}"
    );
    // Another address still has its share.
    let mut other = half_open_from(&app, "127.0.0.2").await;
    assert!(!closed_within(&mut other, Duration::from_millis(500)).await);
}
