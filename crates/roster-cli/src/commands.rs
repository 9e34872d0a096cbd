//! The administration commands: each reads its arguments, talks to the server through
//! [`Client`], and prints in the format asked for.

use std::io::Write;
use std::path::{Path, PathBuf};

use std::time::Duration;

use anyhow::Context;
use clap::ValueEnum;
use roster_core::bulk_csv::{self, UserRow};
use serde_json::{Map, Value, json};

use crate::client::Client;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    Table,
    Json,
    Csv,
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// Prints objects with the given columns: aligned text, a JSON array, or CSV.
pub fn print(objects: &[Value], columns: &[&str], output: Output) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match output {
        Output::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&Value::Array(objects.to_vec()))?
        )?,
        Output::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(columns)?;
            for object in objects {
                writer.write_record(columns.iter().map(|c| cell(&object[*c])))?;
            }
            writer.flush()?;
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = objects
                .iter()
                .map(|o| columns.iter().map(|c| cell(&o[*c])).collect())
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([c.len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |values: Vec<String>| {
                values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            writeln!(
                out,
                "{}",
                line(columns.iter().map(|c| c.to_string()).collect())
            )?;
            for row in rows {
                writeln!(out, "{}", line(row))?;
            }
        }
    }
    Ok(())
}

/// `roster users list`: every page, following the server's next links.
pub async fn users_list(
    client: &Client,
    filter: Option<&str>,
    select: &[String],
    top: Option<usize>,
    output: Output,
) -> anyhow::Result<()> {
    let columns: Vec<&str> = if select.is_empty() {
        vec![
            "userPrincipalName",
            "displayName",
            "department",
            "jobTitle",
            "id",
        ]
    } else {
        select.iter().map(String::as_str).collect()
    };
    let mut query = vec![format!("$select={}", columns.join(","))];
    query.push(format!("$top={}", top.unwrap_or(999).min(999)));
    if let Some(filter) = filter {
        query.push(format!("$filter={}", encode(filter)));
    }
    let mut link = format!("/v1.0/users?{}", query.join("&"));
    let mut users = Vec::new();
    loop {
        let page = client.get(&link).await?;
        users.extend(page["value"].as_array().cloned().unwrap_or_default());
        if top.is_some_and(|top| users.len() >= top) {
            users.truncate(top.unwrap_or(usize::MAX));
            break;
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break,
        }
    }
    print(&users, &columns, output)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A Graph user-create body from a CSV row.
fn create_body(row: &UserRow) -> Value {
    let mut body = Map::new();
    let upn = row.user_principal_name.to_string();
    body.insert("userPrincipalName".into(), upn.clone().into());
    let display_name =
        row.display_name
            .clone()
            .unwrap_or_else(|| match (&row.given_name, &row.surname) {
                (Some(given), Some(surname)) => format!("{given} {surname}"),
                _ => row.user_principal_name.alias().to_string(),
            });
    body.insert("displayName".into(), display_name.into());
    let texts = [
        ("givenName", &row.given_name),
        ("surname", &row.surname),
        ("jobTitle", &row.job_title),
        ("department", &row.department),
        ("officeLocation", &row.office_location),
        ("mobilePhone", &row.mobile_phone),
        ("faxNumber", &row.fax_number),
        ("streetAddress", &row.street_address),
        ("city", &row.city),
        ("state", &row.state),
        ("postalCode", &row.postal_code),
        ("country", &row.country),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            body.insert(name.into(), value.clone().into());
        }
    }
    if !row.business_phones.is_empty() {
        body.insert("businessPhones".into(), row.business_phones.clone().into());
    }
    if !row.other_mails.is_empty() {
        body.insert("otherMails".into(), row.other_mails.clone().into());
    }
    if let Some(location) = row.usage_location {
        body.insert("usageLocation".into(), location.to_string().into());
    }
    if let Some(enabled) = row.account_enabled {
        body.insert("accountEnabled".into(), enabled.into());
    }
    if let Some(password) = &row.password {
        body.insert(
            "passwordProfile".into(),
            json!({ "password": password, "forceChangePasswordNextSignIn": true }),
        );
    }
    Value::Object(body)
}

/// Resolves `--license` values, part numbers (SPE_E3) or skuIds, against the tenant's subscriptions.
async fn resolve_licenses(client: &Client, names: &[String]) -> anyhow::Result<Vec<String>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let skus = client.get("/v1.0/subscribedSkus").await?;
    let skus = skus["value"].as_array().cloned().unwrap_or_default();
    names
        .iter()
        .map(|name| {
            skus.iter()
                .find(|sku| {
                    sku["skuPartNumber"]
                        .as_str()
                        .is_some_and(|p| p.eq_ignore_ascii_case(name))
                        || sku["skuId"]
                            .as_str()
                            .is_some_and(|id| id.eq_ignore_ascii_case(name))
                })
                .and_then(|sku| sku["skuId"].as_str().map(str::to_string))
                .with_context(|| {
                    let known: Vec<&str> = skus
                        .iter()
                        .filter_map(|s| s["skuPartNumber"].as_str())
                        .collect();
                    format!(
                        "--license {name}: the tenant has no such subscription (it has: {})",
                        known.join(", ")
                    )
                })
        })
        .collect()
}

pub struct ImportOptions {
    pub usage_location: Option<String>,
    pub licenses: Vec<String>,
    pub groups: Vec<String>,
    pub results: Option<PathBuf>,
}

/// `roster import users FILE --dry-run`: checks the file as the import would, row by row, and
/// sends nothing. (Checks that need the directory, such as a UPN already taken or seats running
/// out, happen when the rows are applied.)
pub fn check_users_file(file: &Path) -> anyhow::Result<bool> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed =
        bulk_csv::parse(&bytes).map_err(|error| anyhow::anyhow!("{}: {error}", file.display()))?;
    let mut refused = 0;
    for row in &parsed.rows {
        match row {
            Ok(row) => println!("row {}: create {}", row.row, row.user_principal_name),
            Err(error) => {
                refused += 1;
                println!("row {}: refused: {error}", error.row);
            }
        }
    }
    eprintln!(
        "{}: {} template, {} rows, {refused} refused; dry run: nothing was sent to the server",
        file.display(),
        parsed.template.description(),
        parsed.rows.len()
    );
    Ok(refused == 0)
}

/// One line of the results file.
struct Outcome {
    row: usize,
    user_principal_name: String,
    status: String,
    object_id: String,
    column: String,
    message: String,
    password: String,
}

/// `roster import users FILE`: checks the file, submits the valid rows as one job, follows its
/// progress, and writes every row's outcome (and any generated password) to the results file.
pub async fn import_users(
    client: &Client,
    file: &Path,
    options: ImportOptions,
) -> anyhow::Result<bool> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed =
        bulk_csv::parse(&bytes).map_err(|error| anyhow::anyhow!("{}: {error}", file.display()))?;
    let mut outcomes = Vec::new();
    let mut rows = Vec::new();
    let mut row_numbers = Vec::new();
    for row in &parsed.rows {
        match row {
            Ok(row) => {
                rows.push(create_body(row));
                row_numbers.push(row.row);
            }
            Err(error) => outcomes.push(Outcome {
                row: error.row,
                user_principal_name: error.user_principal_name.clone().unwrap_or_default(),
                status: "failed".into(),
                object_id: String::new(),
                column: error.column.clone().unwrap_or_default(),
                message: error.message.clone(),
                password: String::new(),
            }),
        }
    }
    eprintln!(
        "{}: {} template, {} rows ({} valid, {} refused by the file check)",
        file.display(),
        parsed.template.description(),
        parsed.rows.len(),
        rows.len(),
        outcomes.len()
    );
    let licenses = resolve_licenses(client, &options.licenses).await?;
    let mut job_options = json!({ "licenses": licenses, "groups": options.groups });
    if let Some(location) = &options.usage_location {
        job_options["usageLocation"] = location.clone().into();
    }
    if !rows.is_empty() {
        let job = client
            .post(
                "/roster/v1/jobs/createUsers",
                &json!({ "rows": rows, "options": job_options }),
            )
            .await?;
        let id = job["id"]
            .as_str()
            .context("the server returned no job id")?
            .to_string();
        let finished = follow(client, &id).await?;
        let mut after = 0;
        loop {
            let page = client
                .get(&format!(
                    "/roster/v1/jobs/{id}/results?after={after}&top=10000"
                ))
                .await?;
            for item in page["value"].as_array().cloned().unwrap_or_default() {
                let index = item["row"].as_u64().unwrap_or(0) as usize;
                outcomes.push(Outcome {
                    row: row_numbers
                        .get(index.saturating_sub(1))
                        .copied()
                        .unwrap_or(0),
                    user_principal_name: cell(&item["userPrincipalName"]),
                    status: cell(&item["status"]),
                    object_id: cell(&item["objectId"]),
                    column: cell(&item["errorColumn"]),
                    message: cell(&item["errorMessage"]),
                    password: cell(&item["generatedPassword"]),
                });
            }
            match page["nextAfter"].as_i64() {
                Some(next) => after = next,
                None => break,
            }
        }
        eprintln!(
            "job {id}: {} rows, {} failed",
            finished["processedRows"], finished["failedRows"]
        );
    }
    outcomes.sort_by_key(|o| o.row);
    let results = options
        .results
        .unwrap_or_else(|| file.with_extension("results.csv"));
    write_results(&results, &outcomes)?;
    let failed = outcomes.iter().filter(|o| o.status == "failed").count();
    eprintln!(
        "results: {} ({} succeeded or unchanged, {failed} failed)",
        results.display(),
        outcomes.len() - failed
    );
    Ok(failed == 0)
}

/// Follows a job with a progress bar until it completes; returns its final state.
async fn follow(client: &Client, id: &str) -> anyhow::Result<Value> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}")
            .expect("valid progress template"),
    );
    loop {
        let job = client.get(&format!("/roster/v1/jobs/{id}")).await?;
        bar.set_length(job["totalRows"].as_u64().unwrap_or(0));
        bar.set_position(job["processedRows"].as_u64().unwrap_or(0));
        if job["status"] == "completed" {
            bar.finish_and_clear();
            return Ok(job);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Writes the results, readable by the owner only: generated passwords are in it.
fn write_results(path: &Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    let mut writer = csv::Writer::from_writer(file);
    writer.write_record([
        "row",
        "userPrincipalName",
        "status",
        "objectId",
        "column",
        "error",
        "generatedPassword",
    ])?;
    for o in outcomes {
        writer.write_record([
            o.row.to_string(),
            o.user_principal_name.clone(),
            o.status.clone(),
            o.object_id.clone(),
            o.column.clone(),
            o.message.clone(),
            o.password.clone(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

pub async fn jobs_list(client: &Client, output: Output) -> anyhow::Result<()> {
    let jobs = client.get("/roster/v1/jobs").await?;
    let jobs = jobs["value"].as_array().cloned().unwrap_or_default();
    print(
        &jobs,
        &[
            "id",
            "kind",
            "status",
            "totalRows",
            "processedRows",
            "failedRows",
            "createdDateTime",
        ],
        output,
    )
}

pub async fn jobs_show(client: &Client, id: &str, output: Output) -> anyhow::Result<()> {
    let job = client.get(&format!("/roster/v1/jobs/{id}")).await?;
    print(
        &[job],
        &[
            "id",
            "kind",
            "status",
            "totalRows",
            "processedRows",
            "failedRows",
            "createdDateTime",
            "finishedDateTime",
        ],
        output,
    )
}

/// A user as roster's export format holds it, from its Graph JSON.
fn export_row(row: usize, user: &Value) -> anyhow::Result<UserRow> {
    use roster_core::types::{ObjectId, UsageLocation, UserPrincipalName};
    let text = |name: &str| user[name].as_str().map(str::to_string);
    let list = |name: &str| -> Vec<String> {
        user[name]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let upn = UserPrincipalName::parse(user["userPrincipalName"].as_str().unwrap_or_default())
        .map_err(|error| {
            anyhow::anyhow!("the server sent an invalid user principal name: {error}")
        })?;
    let mut out = UserRow::new(row, upn);
    out.display_name = text("displayName");
    out.given_name = text("givenName");
    out.surname = text("surname");
    out.job_title = text("jobTitle");
    out.department = text("department");
    out.office_location = text("officeLocation");
    out.business_phones = list("businessPhones");
    out.mobile_phone = text("mobilePhone");
    out.fax_number = text("faxNumber");
    out.other_mails = list("otherMails");
    out.street_address = text("streetAddress");
    out.city = text("city");
    out.state = text("state");
    out.postal_code = text("postalCode");
    out.country = text("country");
    out.usage_location = text("usageLocation").and_then(|code| UsageLocation::parse(&code).ok());
    out.account_enabled = user["accountEnabled"].as_bool();
    out.id = text("id").and_then(|id| ObjectId::parse(&id).ok());
    Ok(out)
}

/// `roster export users [--filter F] FILE`: every matching user in roster's CSV format, which
/// `roster import users` reads back.
pub async fn export_users(
    client: &Client,
    filter: Option<&str>,
    file: &Path,
) -> anyhow::Result<usize> {
    let mut link = format!(
        "/v1.0/users?$top=999&$select={}",
        bulk_csv::ROSTER_COLUMNS.join(",")
    );
    if let Some(filter) = filter {
        link.push_str(&format!("&$filter={}", encode(filter)));
    }
    let mut rows = Vec::new();
    loop {
        let page = client.get(&link).await?;
        for user in page["value"].as_array().into_iter().flatten() {
            rows.push(export_row(rows.len() + 2, user)?);
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break,
        }
    }
    std::fs::write(file, bulk_csv::write_roster_csv(&rows))
        .with_context(|| format!("writing {}", file.display()))?;
    Ok(rows.len())
}

/// The properties `users create` and `users update` may set, as flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UserProperties {
    #[arg(long)]
    pub given_name: Option<String>,
    #[arg(long)]
    pub surname: Option<String>,
    #[arg(long)]
    pub job_title: Option<String>,
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long)]
    pub office_location: Option<String>,
    #[arg(long)]
    pub mobile_phone: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long)]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2 country code, needed before licenses can be assigned.
    #[arg(long)]
    pub usage_location: Option<String>,
    /// Block (false) or allow (true) sign-in.
    #[arg(long)]
    pub account_enabled: Option<bool>,
}

impl UserProperties {
    fn write(&self, body: &mut Map<String, Value>) {
        let fields = [
            ("givenName", &self.given_name),
            ("surname", &self.surname),
            ("jobTitle", &self.job_title),
            ("department", &self.department),
            ("officeLocation", &self.office_location),
            ("mobilePhone", &self.mobile_phone),
            ("city", &self.city),
            ("country", &self.country),
            ("usageLocation", &self.usage_location),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                body.insert(name.into(), value.clone().into());
            }
        }
        if let Some(enabled) = self.account_enabled {
            body.insert("accountEnabled".into(), enabled.into());
        }
    }
}

fn user_path(user: &str) -> String {
    format!("/v1.0/users/{}", encode(user))
}

pub async fn users_create(
    client: &Client,
    user_principal_name: &str,
    display_name: &str,
    properties: &UserProperties,
    password: Option<&str>,
) -> anyhow::Result<()> {
    let mut body = Map::new();
    body.insert("userPrincipalName".into(), user_principal_name.into());
    body.insert("displayName".into(), display_name.into());
    properties.write(&mut body);
    if let Some(password) = password {
        body.insert(
            "passwordProfile".into(),
            json!({ "password": password, "forceChangePasswordNextSignIn": true }),
        );
    }
    let created = client.post("/v1.0/users", &Value::Object(body)).await?;
    println!("{}", created["id"].as_str().unwrap_or_default());
    if let Some(generated) = created["passwordProfile"]["password"].as_str() {
        eprintln!(
            "generated password (shown once; it must be changed at first sign-in): {generated}"
        );
    }
    Ok(())
}

pub async fn users_update(
    client: &Client,
    user: &str,
    display_name: Option<&str>,
    properties: &UserProperties,
) -> anyhow::Result<()> {
    let mut body = Map::new();
    if let Some(name) = display_name {
        body.insert("displayName".into(), name.into());
    }
    properties.write(&mut body);
    if body.is_empty() {
        anyhow::bail!("nothing to change: give at least one property, e.g. --department Sales");
    }
    client
        .send(
            reqwest::Method::PATCH,
            &user_path(user),
            Some(&Value::Object(body)),
        )
        .await?;
    Ok(())
}

pub async fn users_delete(client: &Client, user: &str) -> anyhow::Result<()> {
    client
        .send(reqwest::Method::DELETE, &user_path(user), None)
        .await?;
    eprintln!(
        "{user} is in the recycle bin; `roster users restore ID` brings it back within 30 days"
    );
    Ok(())
}

pub async fn users_restore(client: &Client, id: &str) -> anyhow::Result<()> {
    let restored = client
        .post(
            &format!("/v1.0/directory/deletedItems/{}/restore", encode(id)),
            &Value::Null,
        )
        .await?;
    eprintln!(
        "restored {}",
        restored["userPrincipalName"].as_str().unwrap_or(id)
    );
    Ok(())
}
