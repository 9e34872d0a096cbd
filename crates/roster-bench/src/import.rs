//! Issue 3's benchmark: importing users from an admin-center CSV through the CLI, against the
//! floor of inserting the same rows straight into SQLite.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;

use crate::harness::{CLIENT_ID, DEPARTMENTS, DOMAIN, FIRST, SECRET, Server};

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

/// How much of what an import writes a floor writes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Floor {
    /// The users' rows alone.
    Users,
    /// The directory's rows: each user, its phone number's list entry, its license and its two
    /// memberships.
    Directory,
    /// The directory's rows and their audit records, as roster writes them: one per user (its
    /// creation, which lists its license) and one per group per thousand new members.
    Audited,
}

/// A floor: the same rows inserted straight into a fresh SQLite database with roster's schema,
/// one prepared statement per table, one transaction, nothing else.
fn floor_seconds(directory: &Path, n: usize, floor: Floor) -> anyhow::Result<f64> {
    let path = directory.join("floor.db");
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(directory.join("floor.db-wal"));
    let connection = rusqlite::Connection::open(&path)?;
    connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    // roster's whole schema, so that the floor maintains every index an import does.
    for migration in roster_store::MIGRATIONS_SQLITE {
        connection.execute_batch(migration)?;
    }
    let tenant = "00000000-0000-7000-8000-000000000001";
    connection.execute(
        "INSERT INTO tenants (id, display_name, created_at) VALUES (?1, 'Floor', 0)",
        [tenant],
    )?;
    let sku = "05e9a617-0261-4cee-bb44-138d3ef5d965";
    let groups = [
        "00000000-0000-7000-9000-000000000001",
        "00000000-0000-7000-9000-000000000002",
    ];
    for (index, group) in groups.iter().enumerate() {
        connection.execute(
            "INSERT INTO groups (id, tenant_id, display_name, mail_nickname, mail_enabled, security_enabled, created_at) \
             VALUES (?1, ?2, ?3, ?3, 0, 1, 0)",
            rusqlite::params![group, tenant, format!("imported-{index}")],
        )?;
    }
    let started = Instant::now();
    let transaction = connection.unchecked_transaction()?;
    {
        let mut insert = transaction.prepare(
            "INSERT INTO users (id, tenant_id, user_principal_name, upn_key, display_name, mail_nickname, account_enabled, \
             user_type, usage_location, force_change_password, created_at, sessions_valid_from, password_hash, given_name, \
             surname, job_title, department, office_location, business_phones, street_address, city, postal_code, country, \
             active_licenses) \
             VALUES (?1, ?2, ?3, ?3, ?4, ?5, 1, 'Member', 'NL', 1, 0, 0, 'hmac-sha256:00', ?6, ?7, 'Analyst', ?8, ?9, ?10, ?11, 'Utrecht', '3500 AA', 'Netherlands', 1)",
        )?;
        let mut value = transaction.prepare(
            "INSERT INTO user_values (user_id, tenant_id, attribute, value_key) VALUES (?1, ?2, 'business_phones', ?3)",
        )?;
        let mut license = transaction.prepare(
            "INSERT INTO license_assignments (user_id, sku_id, tenant_id, disabled_plans, assigned_at) VALUES (?1, ?2, ?3, '[]', 0)",
        )?;
        let mut member = transaction.prepare(
            "INSERT INTO group_members (group_id, member_id, member_kind) VALUES (?1, ?2, 'user')",
        )?;
        let mut audit = transaction.prepare(
            "INSERT INTO audit_log (id, tenant_id, at, actor_id, actor_name, operation, target_id, target_name, after_json, job_id) \
             VALUES (?1, ?2, ?3, ?2, 'bench', ?4, ?5, ?6, ?7, ?2)",
        )?;
        for i in 0..n {
            let first = FIRST[i % FIRST.len()];
            let id = format!("00000000-0000-7000-8000-{:012}", i + 2);
            let upn = format!("imp{i:06}@{DOMAIN}");
            let phones = format!("[\"+31 20 {i:07}\"]");
            insert.execute(rusqlite::params![
                id,
                tenant,
                upn,
                format!("{first} Import{i}"),
                format!("imp{i:06}"),
                first,
                format!("Import{i}"),
                DEPARTMENTS[i % DEPARTMENTS.len()],
                format!("B{}", i % 40),
                phones,
                format!("Main Street {}", i % 300),
            ])?;
            if floor == Floor::Users {
                continue;
            }
            value.execute(rusqlite::params![id, tenant, format!("+31 20 {i:07}")])?;
            license.execute(rusqlite::params![id, sku, tenant])?;
            for group in groups {
                member.execute(rusqlite::params![group, id])?;
            }
            if floor == Floor::Directory {
                continue;
            }
            let record = |k: usize| format!("00000000-0000-7000-a000-{:012}", i * 5 + k);
            // A new user's record lists the licenses it was created with.
            let user_json = format!(
                "{{\"userPrincipalName\":\"{upn}\",\"displayName\":\"{first} Import{i}\",\"givenName\":\"{first}\",\"surname\":\"Import{i}\",\"jobTitle\":\"Analyst\",\"department\":\"{}\",\"businessPhones\":{phones},\"streetAddress\":\"Main Street\",\"city\":\"Utrecht\",\"postalCode\":\"3500 AA\",\"country\":\"Netherlands\",\"usageLocation\":\"NL\",\"accountEnabled\":true,\"assignedLicenses\":[{{\"skuId\":\"{sku}\",\"disabledPlans\":[]}}]}}",
                DEPARTMENTS[i % DEPARTMENTS.len()]
            );
            audit.execute(rusqlite::params![
                record(0),
                tenant,
                i as i64,
                "Add user",
                id,
                upn,
                user_json
            ])?;
            // The memberships are recorded a thousand at a time per group, as roster records them.
            if i % 1000 == 999 || i == n - 1 {
                let members: Vec<String> = (i - i % 1000..=i)
                    .map(|j| format!("\"00000000-0000-7000-8000-{:012}\"", j + 2))
                    .collect();
                for (k, group) in groups.iter().enumerate() {
                    let record = format!("00000000-0000-7000-b000-{:012}", i * 2 + k);
                    let after = format!("{{\"members\":[{}]}}", members.join(","));
                    audit.execute(rusqlite::params![
                        record,
                        tenant,
                        i as i64,
                        "Add members to group",
                        group,
                        "imported",
                        after
                    ])?;
                }
            }
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
    let wall_started = chrono::Utc::now();
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
    // Where the time went: the job's own span, from submission to its last row.
    let (before_job, job_seconds) = match job_span(&http, server, token).await? {
        Some((start, end)) => (seconds(wall_started, start), seconds(start, end)),
        None => (f64::NAN, f64::NAN),
    };
    let floor = floor_seconds(work.path(), n, Floor::Users)?;
    let directory_floor = floor_seconds(work.path(), n, Floor::Directory)?;
    let audited_floor = floor_seconds(work.path(), n, Floor::Audited)?;

    // Bulk modifications of the imported users through the CLI, against the same updates made
    // straight in the floor's database (which now holds the same users).
    let block_n = n / 2;
    let block_csv = work.path().join("block.csv");
    write_user_list(&block_csv, 0..block_n)?;
    let block = modify(
        &roster,
        &http,
        server,
        token,
        &["bulk", "block", path_text(&block_csv)?],
        work.path(),
        block_n,
    )
    .await?;
    post("/roster/v1/domains", json!({ "id": "fabrikam.example" })).await?;
    // The benchmark's server trusts its administrator's word for a domain (no DNS here).
    post("/roster/v1/domains/fabrikam.example/verify", json!({})).await?;
    let domain_csv = work.path().join("domain.csv");
    write_user_list(&domain_csv, 0..n)?;
    let domain = modify(
        &roster,
        &http,
        server,
        token,
        &[
            "bulk",
            "change-domain",
            path_text(&domain_csv)?,
            "--domain",
            "fabrikam.example",
        ],
        work.path(),
        n,
    )
    .await?;
    let (block_floors, domain_floors) = modification_floors(work.path(), n)?;
    let mut table = vec![
        (
            format!("insert {n} users straight into SQLite, one transaction (floor)"),
            format!("{floor:.2} s"),
            String::new(),
        ),
        (
            "the same, with each user's list value, license and two memberships".to_string(),
            format!("{directory_floor:.2} s"),
            format!("{:.1} × the floor", directory_floor / floor),
        ),
        (
            "the same, with their audit records (one per user; memberships by the thousand)"
                .to_string(),
            format!("{audited_floor:.2} s"),
            format!("{:.1} × the floor", audited_floor / floor),
        ),
        (
            format!(
                "roster import users: {n}-row admin-center CSV, usage location, 1 license, 2 groups, generated passwords"
            ),
            format!(
                "{import_seconds:.2} s end to end ({:.0} users/s): {before_job:.2} s to read and submit the file, {job_seconds:.2} s the job, the rest following it and writing the results",
                n as f64 / import_seconds
            ),
            format!(
                "{:.1} × the floor ({:.1} × the audited floor); targets < 10 s and ≤ 3 × the floor",
                import_seconds / floor,
                import_seconds / audited_floor
            ),
        ),
    ];
    table.extend(modification_rows(
        &format!("block {block_n} users"),
        block,
        block_n,
        block_floors,
    ));
    table.extend(modification_rows(
        &format!("change the domain of {n} users"),
        domain,
        n,
        domain_floors,
    ));
    Ok(table)
}

type Row = (String, String, String);

type Moment = chrono::DateTime<chrono::Utc>;

fn seconds(from: Moment, to: Moment) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

/// When the newest job was submitted and when it finished.
async fn job_span(
    http: &reqwest::Client,
    server: &Server,
    token: &str,
) -> anyhow::Result<Option<(Moment, Moment)>> {
    let jobs = http
        .get(format!("{}/roster/v1/jobs", server.base))
        .bearer_auth(token)
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?;
    let at = |name: &str| {
        jobs["value"][0][name]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    Ok(at("createdDateTime").zip(at("finishedDateTime")))
}

fn path_text(path: &Path) -> anyhow::Result<&str> {
    path.to_str().context("a path in UTF-8")
}

/// A CSV naming users imp{i}@DOMAIN, as `roster bulk` reads them.
fn write_user_list(path: &Path, users: std::ops::Range<usize>) -> anyhow::Result<()> {
    let mut text = String::from("User Name\n");
    for i in users {
        text.push_str(&format!("imp{i:06}@{DOMAIN}\n"));
    }
    std::fs::write(path, text)?;
    Ok(())
}

/// Runs a `roster bulk` command; returns its time end to end and its job's own.
async fn modify(
    roster: &dyn Fn(&[&str]) -> std::io::Result<std::process::Output>,
    http: &reqwest::Client,
    server: &Server,
    token: &str,
    args: &[&str],
    work: &Path,
    rows: usize,
) -> anyhow::Result<(f64, f64)> {
    let results = work.join(format!("{}-results.csv", args[1]));
    let mut args = args.to_vec();
    args.extend(["--results", path_text(&results)?]);
    let started = Instant::now();
    let output = roster(&args)?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "roster {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let succeeded = std::fs::read_to_string(&results)?
        .lines()
        .filter(|line| line.contains(",succeeded,"))
        .count();
    if succeeded != rows {
        bail!(
            "roster {}: {succeeded} of {rows} rows succeeded",
            args.join(" ")
        );
    }
    let job_seconds = job_span(http, server, token)
        .await?
        .map_or(f64::NAN, |(start, end)| self::seconds(start, end));
    Ok((seconds, job_seconds))
}

/// The floors of the two modifications, each as (updates alone, updates with their audit
/// records), on the floor database left by the import's floors: block the first half of the
/// users, then move every user to another domain.
fn modification_floors(work: &Path, n: usize) -> anyhow::Result<((f64, f64), (f64, f64))> {
    let connection = rusqlite::Connection::open(work.join("floor.db"))?;
    let tenant = "00000000-0000-7000-8000-000000000001";
    let mut audit_id = 0usize;
    let mut run = |users: std::ops::Range<usize>,
                   audited: bool,
                   sql: &str,
                   values: &dyn Fn(usize) -> (String, String)|
     -> anyhow::Result<f64> {
        let started = Instant::now();
        let transaction = connection.unchecked_transaction()?;
        {
            let mut update = transaction.prepare(sql)?;
            let mut audit = transaction.prepare(
                "INSERT INTO audit_log (id, tenant_id, at, actor_id, actor_name, operation, target_id, target_name, \
                 before_json, after_json, job_id) VALUES (?1, ?2, 0, ?2, 'bench', 'Update user', ?3, ?4, ?5, ?6, ?2)",
            )?;
            for i in users {
                let (key, new) = values(i);
                update.execute(rusqlite::params![tenant, key, new])?;
                if audited {
                    audit_id += 1;
                    audit.execute(rusqlite::params![
                        format!("00000000-0000-7000-c000-{audit_id:012}"),
                        tenant,
                        format!("00000000-0000-7000-8000-{:012}", i + 2),
                        new,
                        format!("{{\"before\":\"{key}\"}}"),
                        format!("{{\"after\":\"{new}\"}}"),
                    ])?;
                }
            }
        }
        transaction.commit()?;
        Ok(started.elapsed().as_secs_f64())
    };
    let block_sql = "UPDATE users SET account_enabled = 0, row_version = row_version + 1 WHERE tenant_id = ?1 AND upn_key = ?2 AND deleted_at IS NULL AND ?3 IS NOT NULL";
    let upn = |i: usize, domain: &str| format!("imp{i:06}@{domain}");
    let half = n / 2;
    // Half of the block on one half of the users, half on the other: each floor on its own rows.
    let block = (
        run(0..half / 2, false, block_sql, &|i| {
            (upn(i, DOMAIN), upn(i, DOMAIN))
        })? * 2.0,
        run(half / 2..half, true, block_sql, &|i| {
            (upn(i, DOMAIN), upn(i, DOMAIN))
        })? * 2.0,
    );
    let domain_sql = "UPDATE users SET user_principal_name = ?3, upn_key = ?3, row_version = row_version + 1 WHERE tenant_id = ?1 AND upn_key = ?2 AND deleted_at IS NULL";
    let domain = (
        run(0..n, false, domain_sql, &|i| {
            (upn(i, DOMAIN), upn(i, "fabrikam.example"))
        })?,
        run(0..n, true, domain_sql, &|i| {
            (upn(i, "fabrikam.example"), upn(i, DOMAIN))
        })?,
    );
    Ok((block, domain))
}

fn modification_rows(
    name: &str,
    (seconds, job): (f64, f64),
    rows: usize,
    (bare, audited): (f64, f64),
) -> [Row; 2] {
    [
        (
            format!("{name} straight into SQLite (floor); with their audit records"),
            format!("{bare:.2} s; {audited:.2} s"),
            String::new(),
        ),
        (
            format!("roster bulk: {name}"),
            format!(
                "{seconds:.2} s end to end ({:.0} users/s), of which the job {job:.2} s",
                rows as f64 / seconds
            ),
            format!(
                "{:.1} × the floor ({:.1} × the audited floor)",
                seconds / bare,
                seconds / audited
            ),
        ),
    ]
}
