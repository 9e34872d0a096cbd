//! A real `roster serve` killed with SIGKILL in the middle of a bulk job, or of a dynamic
//! group's processing: after a restart the work finishes, every row applied exactly once and
//! every seat taken once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CLIENT_ID: &str = "0f4d3c2b-1a09-4876-9543-210fedcba987";
const SECRET: &str = "crash-test-secret-0123456789abcdef";
const DOMAIN: &str = "crash.example";

/// A started server, killed when dropped: a failed assertion leaves none running.
struct Server(Child);

impl std::ops::Deref for Server {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server on the data directory (and the PostgreSQL database, when the tests run on
/// PostgreSQL) and returns it with its address.
fn start(data_dir: &std::path::Path, database_url: Option<&str>) -> (Server, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--domain",
            DOMAIN,
            "--data-dir",
        ])
        .arg(data_dir);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command
        .env("ROSTER_BOOTSTRAP_CLIENT_ID", CLIENT_ID)
        .env("ROSTER_BOOTSTRAP_CLIENT_SECRET", SECRET)
        .env("ROSTER_JOB_LEASE_SECONDS", "1")
        .env("ROSTER_JOB_BATCH_ROWS", "50")
        .env("ROSTER_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the roster binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .expect("readable stdout");
        if let Some(address) = line.strip_prefix("roster is listening on ") {
            break address.trim().to_string();
        }
    };
    // Keep reading so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Server(child), address)
}

async fn token(http: &reqwest::Client, base: &str) -> String {
    let reply: Value = http
        .post(format!("{base}/{DOMAIN}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["access_token"].as_str().expect("a token").to_string()
}

async fn job(http: &reqwest::Client, base: &str, token: &str, id: &str) -> Value {
    http.get(format!("{base}/roster/v1/jobs/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Kills the server (SIGKILL) once the job has applied some of its rows, and checks that it had
/// not applied them all.
async fn kill_half_way(
    server: &mut Server,
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    total: i64,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = job(http, base, token, id).await;
        let processed = state["processedRows"].as_i64().unwrap_or(0);
        if processed > 0 {
            server.kill().expect("SIGKILL");
            server.wait().unwrap();
            assert!(
                processed < total,
                "killed half-way ({processed} of {total} rows done)"
            );
            return;
        }
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits for a restarted server to finish the job.
async fn wait_until_completed(http: &reqwest::Client, base: &str, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let state = job(http, base, token, id).await;
        if state["status"] == "completed" {
            return state;
        }
        assert!(
            Instant::now() < deadline,
            "the job did not finish after the restart: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_finishes_its_job_after_restart() {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = roster_testkit::test_database().await;
    let http = reqwest::Client::new();
    let (mut server, base) = start(data_dir.path(), database_url.as_deref());
    let token = token(&http, &base).await;

    let total = 3_000;
    let rows: Vec<Value> = (0..total)
        .map(|i| json!({ "userPrincipalName": format!("crash{i:05}@{DOMAIN}"), "displayName": format!("Crash {i}") }))
        .collect();
    let submitted: Value = http
        .post(format!("{base}/roster/v1/jobs/createUsers"))
        .bearer_auth(&token)
        .json(&json!({ "rows": rows }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = submitted["id"].as_str().expect("a job id").to_string();

    // Kill it once some, but not all, rows are done.
    kill_half_way(&mut server, &http, &base, &token, &id, total).await;

    // The restarted server takes the job over once the dead server's lease lapses.
    let (mut server, base) = start(data_dir.path(), database_url.as_deref());
    let token = self::token(&http, &base).await;
    let finished = wait_until_completed(&http, &base, &token, &id).await;
    assert_eq!(finished["processedRows"], total);
    assert_eq!(finished["failedRows"], 0);

    // Every row exactly once: all users exist, each once, and each row succeeded (a row applied
    // twice would have found its user and said "unchanged").
    let mut upns = Vec::new();
    let mut link = format!("{base}/v1.0/users?$top=999&$select=userPrincipalName");
    loop {
        let page: Value = http
            .get(&link)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        upns.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|u| u["userPrincipalName"].as_str().map(str::to_string)),
        );
        match page["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break,
        }
    }
    let created: std::collections::HashSet<&String> =
        upns.iter().filter(|u| u.starts_with("crash")).collect();
    assert_eq!(created.len(), total as usize);
    let mut after = 0;
    let mut statuses = std::collections::HashMap::new();
    loop {
        let page: Value = http
            .get(format!(
                "{base}/roster/v1/jobs/{id}/results?after={after}&top=1000"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for row in page["value"].as_array().unwrap() {
            *statuses
                .entry(row["status"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
        match page["nextAfter"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(
        statuses.get("succeeded"),
        Some(&(total as usize)),
        "{statuses:?}"
    );

    // A modification killed half-way: every user moves department exactly once (a row applied
    // twice would find its change made and say "unchanged").
    let rows: Vec<Value> = (0..total)
        .map(|i| json!({ "user": format!("crash{i:05}@{DOMAIN}"), "department": "Moved" }))
        .collect();
    let submitted: Value = http
        .post(format!("{base}/roster/v1/jobs/updateUsers"))
        .bearer_auth(&token)
        .json(&json!({ "rows": rows }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = submitted["id"].as_str().expect("a job id").to_string();
    kill_half_way(&mut server, &http, &base, &token, &id, total).await;
    let (mut server, base) = start(data_dir.path(), database_url.as_deref());
    let token = self::token(&http, &base).await;
    let finished = wait_until_completed(&http, &base, &token, &id).await;
    assert_eq!(finished["failedRows"], 0, "{finished}");
    let page: Value = http
        .get(format!("{base}/roster/v1/jobs/{id}/results?top={total}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let outcomes = page["value"].as_array().unwrap();
    assert_eq!(outcomes.len(), total as usize);
    assert!(
        outcomes.iter().all(|row| row["status"] == "succeeded"),
        "every row applied once"
    );
    let moved: Value = http
        .get(format!(
            "{base}/v1.0/users?$filter=department eq 'Moved'&$count=true&$top=1"
        ))
        .header("ConsistencyLevel", "eventual")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["@odata.count"], total, "{moved}");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Sends `body` to `path` and returns the reply's JSON, failing on an error status.
async fn send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http
        .request(method.clone(), format!("{base}{path}"))
        .bearer_auth(token)
        .header("ConsistencyLevel", "eventual");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status();
    let text = reply.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Seats of the tenant's only subscription taken.
async fn consumed(http: &reqwest::Client, base: &str, token: &str) -> i64 {
    let skus = send(
        http,
        base,
        token,
        reqwest::Method::GET,
        "/v1.0/subscribedSkus",
        None,
    )
    .await;
    skus["value"][0]["consumedUnits"]
        .as_i64()
        .expect("consumedUnits")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_finishes_a_groups_processing_after_restart() {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = roster_testkit::test_database().await;
    let http = reqwest::Client::new();
    let (mut server, base) = start(data_dir.path(), database_url.as_deref());
    let token = token(&http, &base).await;
    use reqwest::Method;

    // More users than the worker tests in one transaction (5,000), so that its pass over them
    // commits in steps.
    let total = 8_000;
    let rows: Vec<Value> = (0..total)
        .map(|i| {
            json!({
                "userPrincipalName": format!("member{i:05}@{DOMAIN}"),
                "displayName": format!("Member {i}"),
                "department": "Crash",
                "usageLocation": "NL",
            })
        })
        .collect();
    let submitted = send(
        &http,
        &base,
        &token,
        Method::POST,
        "/roster/v1/jobs/createUsers",
        Some(json!({ "rows": rows })),
    )
    .await;
    let id = submitted["id"].as_str().expect("a job id").to_string();
    let created = wait_until_completed(&http, &base, &token, &id).await;
    assert_eq!(created["failedRows"], 0, "{created}");

    // A dynamic group that licenses its members, paused until its license is in place, with a
    // seat for every member and none more.
    let sku = send(
        &http,
        &base,
        &token,
        Method::POST,
        "/roster/v1/subscriptions",
        Some(json!({ "skuPartNumber": "EMS", "seats": total })),
    )
    .await;
    let sku_id = sku["skuId"].as_str().expect("a skuId").to_string();
    let group = send(
        &http,
        &base,
        &token,
        Method::POST,
        "/v1.0/groups",
        Some(json!({
            "displayName": "Crash",
            "mailEnabled": false,
            "mailNickname": "crash",
            "securityEnabled": true,
            "groupTypes": ["DynamicMembership"],
            "membershipRule": "user.department -eq \"Crash\"",
            "membershipRuleProcessingState": "Paused",
        })),
    )
    .await;
    let group = group["id"].as_str().expect("a group id").to_string();
    send(
        &http,
        &base,
        &token,
        Method::POST,
        &format!("/v1.0/groups/{group}/assignLicense"),
        Some(json!({ "addLicenses": [{ "skuId": sku_id, "disabledPlans": [] }], "removeLicenses": [] })),
    )
    .await;

    // Resumed: the worker takes members in and licenses them a page of users to a transaction.
    // Killed once some, not all, have their seat.
    send(
        &http,
        &base,
        &token,
        Method::PATCH,
        &format!("/v1.0/groups/{group}"),
        Some(json!({ "membershipRuleProcessingState": "On" })),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let taken = consumed(&http, &base, &token).await;
        if taken > 0 {
            server.kill().expect("SIGKILL");
            server.wait().unwrap();
            assert!(
                taken < total,
                "killed half-way ({taken} of {total} seats taken)"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the group's processing never started"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }

    // The restarted server takes the group over once the dead server's lease lapses, and
    // finishes: every member in, every member licensed, each seat taken once.
    let (mut server, base) = start(data_dir.path(), database_url.as_deref());
    let token = self::token(&http, &base).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let state = loop {
        let queued = send(
            &http,
            &base,
            &token,
            Method::GET,
            "/roster/v1/groups/processing",
            None,
        )
        .await;
        let state = send(
            &http,
            &base,
            &token,
            Method::GET,
            &format!("/v1.0/groups/{group}?$select=licenseProcessingState"),
            None,
        )
        .await;
        if queued["queued"] == 0 && state["licenseProcessingState"]["state"] == "ProcessingComplete"
        {
            break state;
        }
        assert!(
            Instant::now() < deadline,
            "the group's processing did not finish after the restart: {queued} {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let members = send(
        &http,
        &base,
        &token,
        Method::GET,
        &format!("/v1.0/groups/{group}/members?$count=true&$top=1"),
        None,
    )
    .await;
    assert_eq!(members["@odata.count"], total, "{state}");
    assert_eq!(consumed(&http, &base, &token).await, total);
    let errors = send(
        &http,
        &base,
        &token,
        Method::GET,
        &format!("/v1.0/groups/{group}/membersWithLicenseErrors"),
        None,
    )
    .await;
    assert_eq!(errors["value"], json!([]), "no member waits for a seat");
    let licensed = send(
        &http,
        &base,
        &token,
        Method::GET,
        "/v1.0/users?$filter=assignedLicenses/any()&$count=true&$top=1",
        None,
    )
    .await;
    assert_eq!(
        licensed["@odata.count"], total,
        "every member holds the license once"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
