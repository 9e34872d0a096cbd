//! `roster import users` and `roster export users`: CSV files in, through one bulk job, and out,
//! in roster's own format.

use std::path::{Path, PathBuf};

use anyhow::Context;
use roster_csv::new_users::{self, UserRow, create_body};
use serde_json::{Value, json};

use crate::bulk;
use crate::client::{self, Client, encode};
use crate::output::{Output, cell};
use crate::resolve;

pub use roster_csv::new_users::Passwords;

pub struct ImportOptions {
    pub passwords: Passwords,
    pub usage_location: Option<String>,
    pub licenses: Vec<String>,
    pub groups: Vec<String>,
    pub results: Option<PathBuf>,
    /// Ask the server what each row would do, and change nothing.
    pub dry_run: bool,
    /// How to print a dry run.
    pub output: Output,
}

/// `roster import users FILE`: checks the file, submits the valid rows as one job, follows its
/// progress, and writes every row's outcome (and any generated password) to the results file.
/// With `dry_run`, the server checks the valid rows against the directory (a user principal
/// name already taken, an unknown domain, seats running out) and nothing is written.
pub async fn import_users(file: &Path, options: ImportOptions) -> anyhow::Result<bool> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed =
        new_users::parse(&bytes).map_err(|error| anyhow::anyhow!("{}: {error}", file.display()))?;
    let mut refused = Vec::new();
    let mut rows = Vec::new();
    for row in &parsed.rows {
        match row {
            Ok(row) => {
                // Given passwords travel in a dry run too: the server checks them.
                let body = create_body(row, options.passwords);
                rows.push(bulk::Row {
                    number: row.row,
                    user: row.user_principal_name.to_string(),
                    body,
                });
            }
            Err(error) => refused.push(bulk::Outcome::refused(error)),
        }
    }
    eprintln!(
        "{}: {} template, {} rows ({} valid, {} refused by the file check)",
        file.display(),
        parsed.template.description(),
        parsed.rows.len(),
        rows.len(),
        refused.len()
    );
    let client = &client::connect().await?;
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
    let column_names = parsed
        .columns
        .iter()
        .filter_map(|column| Some((column.field?.graph_name().to_string(), column.name.clone())))
        .collect();
    // The parsed file has served: freed on the other core while this one sends the rows.
    std::thread::spawn(move || drop(parsed));
    let submission = bulk::Submission {
        kind: "createUsers",
        options: job_options,
        rows,
        refused,
        column_names,
    };
    if options.dry_run {
        return bulk::preview(client, &submission, options.output).await;
    }
    let results =
        crate::output::ResultsPath::new(options.results, file.with_extension("results.csv"));
    let layout = bulk::Layout {
        user_header: "userPrincipalName",
        passwords: true,
    };
    bulk::apply(client, submission, results, layout).await
}

/// A user as roster's export format holds it, from its Graph JSON.
fn export_row(row: usize, user: &Value) -> anyhow::Result<UserRow> {
    use roster_core::types::UserPrincipalName;
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
    Ok(UserRow::exported(
        row,
        upn,
        &text,
        &list,
        user["accountEnabled"].as_bool(),
    ))
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
        new_users::ROSTER_COLUMNS.join(",")
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
    std::fs::write(file, new_users::write_roster_csv(&rows))
        .with_context(|| format!("writing {}", file.display()))?;
    Ok(rows.len())
}
