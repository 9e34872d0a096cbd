//! Issue 3's benchmark: importing users from an admin-center CSV through the CLI, against the
//! floor of inserting the same rows straight into SQLite.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;

use crate::{CLIENT_ID, DEPARTMENTS, DOMAIN, FIRST, SECRET, Server};

const HEADER: &str = "User Name,First Name,Last Name,Display Name,Job Title,Department,Office Number,Office Phone,Mobile Phone,Fax,Alternate email address,Address,City,State or Province,ZIP or Postal Code,Country or Region";

fn write_csv(path: &Path, n: usize) -> anyhow::Result<()> {
    let mut text = String::with_capacity(n * 160);
    text.push_str(HEADER);
    text.push('\n');
    for i in 0..n {
        let first = FIRST[i % FIRST.len()];
        let department = DEPARTMENTS[i % DEPARTMENTS.len()];
        text.push_str(&format!(
            "imp{i:06}@{DOMAIN},{first},Import{i},{first} Import{i},Analyst,{department},B{},+31 20 {:07},,,,Main Street {},Utrecht,,3500 AA,Netherlands\n",
            i % 40,
            i,
            i % 300
        ));
    }
    std::fs::write(path, text)?;
    Ok(())
}

/// The floor: the same users inserted straight into a fresh SQLite database with roster's
/// schema, one prepared statement in one transaction, nothing else.
fn floor_seconds(directory: &Path, n: usize) -> anyhow::Result<f64> {
    let path = directory.join("floor.db");
    let connection = rusqlite::Connection::open(&path)?;
    connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    connection.execute_batch(include_str!(
        "../../roster-store/migrations/sqlite-0001.sql"
    ))?;
    let tenant = "00000000-0000-7000-8000-000000000001";
    connection.execute(
        "INSERT INTO tenants (id, display_name, created_at) VALUES (?1, 'Floor', 0)",
        [tenant],
    )?;
    let started = Instant::now();
    let transaction = connection.unchecked_transaction()?;
    {
        let mut insert = transaction.prepare(
            "INSERT INTO users (id, tenant_id, user_principal_name, upn_key, display_name, mail_nickname, account_enabled, \
             user_type, usage_location, force_change_password, created_at, sessions_valid_from, password_hash, given_name, \
             surname, job_title, department, office_location, business_phones, street_address, city, postal_code, country) \
             VALUES (?1, ?2, ?3, ?3, ?4, ?5, 1, 'Member', 'NL', 1, 0, 0, 'hmac-sha256:00', ?6, ?7, 'Analyst', ?8, ?9, ?10, ?11, 'Utrecht', '3500 AA', 'Netherlands')",
        )?;
        for i in 0..n {
            let first = FIRST[i % FIRST.len()];
            insert.execute(rusqlite::params![
                format!("00000000-0000-7000-8000-{:012}", i + 2),
                tenant,
                format!("imp{i:06}@{DOMAIN}"),
                format!("{first} Import{i}"),
                format!("imp{i:06}"),
                first,
                format!("Import{i}"),
                DEPARTMENTS[i % DEPARTMENTS.len()],
                format!("B{}", i % 40),
                format!("[\"+31 20 {i:07}\"]"),
                format!("Main Street {}", i % 300),
            ])?;
        }
    }
    transaction.commit()?;
    Ok(started.elapsed().as_secs_f64())
}

pub async fn run(
    binary: &Path,
    server: &Server,
    token: &str,
    n: usize,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let work = tempfile::tempdir()?;
    let csv = work.path().join("users.csv");
    write_csv(&csv, n)?;
    let http = reqwest::Client::new();
    let post = |path: &'static str, body: serde_json::Value| {
        let request = http
            .post(format!("{}{path}", server.base))
            .bearer_auth(token)
            .json(&body);
        async move {
            let response = request.send().await?;
            let status = response.status();
            let body: serde_json::Value = response.json().await?;
            if !status.is_success() {
                bail!("{path}: HTTP {status}: {body}");
            }
            Ok::<_, anyhow::Error>(body)
        }
    };
    post(
        "/roster/v1/subscriptions",
        json!({ "skuPartNumber": "SPE_E3", "seats": n }),
    )
    .await?;
    let mut groups = Vec::new();
    for name in ["imported-a", "imported-b"] {
        let group = post("/v1.0/groups", json!({ "displayName": name, "mailNickname": name, "mailEnabled": false, "securityEnabled": true })).await?;
        groups.push(group["id"].as_str().context("group id")?.to_string());
    }
    let config = work.path().join("config");
    let roster = |args: &[&str]| {
        std::process::Command::new(binary)
            .args(args)
            .env("ROSTER_CONFIG_DIR", &config)
            .output()
    };
    let login = roster(&[
        "login",
        "--url",
        &server.base,
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        SECRET,
        "--tenant",
        DOMAIN,
    ])?;
    if !login.status.success() {
        bail!(
            "roster login failed: {}",
            String::from_utf8_lossy(&login.stderr)
        );
    }
    let results = work.path().join("results.csv");
    let started = Instant::now();
    let import = roster(&[
        "import",
        "users",
        csv.to_str().context("path")?,
        "--usage-location",
        "NL",
        "--license",
        "SPE_E3",
        "--group",
        &groups[0],
        "--group",
        &groups[1],
        "--results",
        results.to_str().context("path")?,
    ])?;
    let import_seconds = started.elapsed().as_secs_f64();
    if !import.status.success() {
        bail!(
            "roster import failed: {}",
            String::from_utf8_lossy(&import.stderr)
        );
    }
    let succeeded = std::fs::read_to_string(&results)?
        .lines()
        .filter(|line| line.contains(",succeeded,"))
        .count();
    if succeeded != n {
        bail!("the import reported {succeeded} of {n} rows succeeded");
    }
    let floor = floor_seconds(work.path(), n)?;
    Ok(vec![
        (
            format!("insert {n} users straight into SQLite, one transaction (floor)"),
            format!("{floor:.2} s"),
            String::new(),
        ),
        (
            format!(
                "roster import users: {n}-row admin-center CSV, usage location, 1 license, 2 groups, generated passwords"
            ),
            format!(
                "{import_seconds:.2} s end to end ({:.0} users/s)",
                n as f64 / import_seconds
            ),
            format!(
                "{:.1} × the floor; targets < 10 s and ≤ 3 × the floor",
                import_seconds / floor
            ),
        ),
    ])
}
