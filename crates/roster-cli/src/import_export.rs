//! `roster import users` and `roster export users`: CSV files in, through one bulk job, and out,
//! in roster's own format.

use std::path::{Path, PathBuf};

use anyhow::Context;
use roster_core::bulk_csv::{self, UserRow};
use serde_json::{Map, Value, json};

use crate::client::{Client, encode};
use crate::output::{self, cell};
use crate::resolve;

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
    let mut licenses = Vec::new();
    if !options.licenses.is_empty() {
        let skus = resolve::Skus::read(client).await?;
        for name in &options.licenses {
            licenses.push(skus.sku_id(name).context("--license")?);
        }
    }
    let mut groups = Vec::new();
    for group in &options.groups {
        let found = resolve::group(client, group).await.context("--group")?;
        groups.push(cell(&found["id"]));
    }
    let mut job_options = json!({ "licenses": licenses, "groups": groups });
    if let Some(location) = &options.usage_location {
        job_options["usageLocation"] = location.clone().into();
    }
    // Opened before the job runs: generated passwords are shown once, and must have somewhere to go.
    let results = options
        .results
        .unwrap_or_else(|| file.with_extension("results.csv"));
    let results_file = output::create_private(&results)?;
    if !rows.is_empty() {
        let submitted = client
            .post(
                "/roster/v1/jobs/createUsers",
                &json!({ "rows": rows, "options": job_options }),
            )
            .await;
        let job = match submitted {
            Ok(job) => job,
            Err(error) => {
                drop(results_file);
                let _ = std::fs::remove_file(&results);
                return Err(error);
            }
        };
        let id = job["id"]
            .as_str()
            .context("the server returned no job id")?
            .to_string();
        // The job runs on the server whatever happens here: say how to pick it up again.
        let resume = || {
            format!(
                "job {id} goes on at the server: `roster jobs watch {id}`, then `roster jobs results {id} --file {}`",
                results.display()
            )
        };
        let finished = crate::jobs::follow(client, &id)
            .await
            .with_context(resume)?;
        let job_results = crate::jobs::all_results(client, &id)
            .await
            .with_context(resume)?;
        for item in job_results {
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
        eprintln!(
            "job {id}: {} rows, {} failed",
            finished["processedRows"], finished["failedRows"]
        );
    }
    outcomes.sort_by_key(|o| o.row);
    write_results(results_file, &outcomes)
        .with_context(|| format!("writing {}", results.display()))?;
    let failed = outcomes.iter().filter(|o| o.status == "failed").count();
    eprintln!(
        "results: {} ({} succeeded or unchanged, {failed} failed)",
        results.display(),
        outcomes.len() - failed
    );
    Ok(failed == 0)
}

/// Writes the results to an owner-only file ([`output::create_private`]): generated passwords are in it.
fn write_results(file: std::fs::File, outcomes: &[Outcome]) -> anyhow::Result<()> {
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
