//! `roster bulk OPERATION FILE.csv`: a CSV file of changes to existing users, checked here
//! ([`roster_csv::edits`]), applied by one bulk job on the server, followed with a progress
//! bar, and reported row by row in an owner-only results file; or, with `--dry-run`, what each
//! row would do, asked of the server and written nowhere.
//!
//! [`Submission`], [`preview`] and [`apply`] are shared with `roster import users`.
//!
//! Past 800 lines on purpose: the nineteen operations' flags, the file turned into one job's
//! rows with its names resolved, and the dry run and apply that report them are one path, which
//! changes together when an operation is added.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use roster_csv::edits::{self, EditFile, Operation};
use roster_csv::new_users::RowError;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::client::{self, Client};
use crate::output::{self, Output, cell};
use crate::resolve;

/// Said once, after the list of operations, in `roster bulk --help`.
pub const HELP: &str = "\
Files: UTF-8 CSV (with or without a byte-order mark; Excel: \"CSV UTF-8\"), separated by commas, semicolons or tabs. Column names are matched ignoring case, in any order.

The user: every file has a column User Name, userPrincipalName, User principal name, UPN or user (a user principal name or object id), or Object ID or id (an object id); with both, the id names the user.

Cells: an empty cell leaves a property as it is; <clear> empties it. Lists (phones, mail addresses, MFA methods, licenses, groups) are separated by ';'.

Checks: before anything is sent, the file is checked: an unknown or missing column, a user on two rows, or a file that is not UTF-8 stops everything (exit 1); a row with a bad value is reported in the results and not sent, the others go ahead.

Results: every row's outcome (row as the file numbers it, user, status, objectId, column, error) goes to FILE.results.csv, readable by its owner only. Rows that ask for what is already so are 'unchanged', so running a file again is safe.

--dry-run: the server checks every row against the directory and says what it would do (for updates, each property's old and new value), changing nothing; it needs the server.

Exit status: 0 every row succeeded or was unchanged; 3 some rows failed (or would fail, in a dry run); 1 error; 2 usage error.";

/// The file, and what to do with the outcomes: the same for every operation.
#[derive(Args)]
pub struct FileArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// Show what each row would do, changing nothing (the server checks every row).
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write each row's outcome (default: FILE.results.csv), readable by its owner only.
    #[arg(long, conflicts_with = "dry_run")]
    pub results: Option<PathBuf>,
    /// How to print a dry run: aligned columns, JSON (with each change's old and new values) or CSV.
    #[arg(long, short, value_enum, default_value = "table")]
    pub output: Output,
}

/// `--license` and, for assignments, `--disable-plan`.
#[derive(Args)]
pub struct LicenseArgs {
    /// A subscription for every row without a License column value: part number (SPE_E3) or
    /// skuId; repeatable.
    #[arg(long)]
    pub license: Vec<String>,
}

/// `--group`.
#[derive(Args)]
pub struct GroupArgs {
    /// A group for every row without a Group column value: id, display name or mail nickname;
    /// repeatable.
    #[arg(long)]
    pub group: Vec<String>,
}

#[derive(Subcommand)]
pub enum BulkCommand {
    /// Change any properties: roster's export, edited in a spreadsheet.
    ///
    /// Columns: userPrincipalName and/or id, and any of displayName, givenName, surname,
    /// jobTitle, department, officeLocation, businessPhones, mobilePhone, faxNumber, otherMails,
    /// streetAddress, city, state, postalCode, country, usageLocation, accountEnabled
    /// (true/false), companyName, employeeId, mail, perUserMfaState, mfaDefaultMethod,
    /// mfaAllowedMethods, authenticationPhone, authenticationAlternatePhone, authenticationEmail
    /// (the admin center's names, such as First Name or Office Phone, work too). With an id
    /// column, a changed userPrincipalName renames the user. `roster export users` writes such a
    /// file; rows left as exported are reported unchanged.
    #[command(after_long_help = HELP)]
    Update {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Reset passwords, given or generated.
    ///
    /// Column Password (optional): the new password, taken exactly as written. Without one,
    /// roster generates a password and writes it to the results file; the server shows it once.
    #[command(after_long_help = HELP)]
    ResetPasswords {
        #[command(flatten)]
        file: FileArgs,
        /// Do not make users change the password at their next sign-in (a generated password
        /// must always be changed).
        #[arg(long)]
        no_force_change: bool,
    },
    /// Block sign-in.
    ///
    /// Only the user column. Sign-in is refused from the next request on.
    #[command(after_long_help = HELP)]
    Block {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Allow sign-in again.
    ///
    /// Only the user column.
    #[command(after_long_help = HELP)]
    Unblock {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Sign users out everywhere.
    ///
    /// Only the user column. Tokens and sessions issued so far stop working.
    #[command(after_long_help = HELP)]
    RevokeSessions {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Move users to the recycle bin.
    ///
    /// Only the user column. They can be restored for 30 days.
    #[command(after_long_help = HELP)]
    Delete {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Bring users back from the recycle bin.
    ///
    /// Only the user column; a user principal name must name one deleted user (several with
    /// that name are refused: the row names its user by id).
    #[command(after_long_help = HELP)]
    Restore {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Delete users from the recycle bin for good.
    ///
    /// Only the user column. Asks first, unless --yes.
    #[command(after_long_help = HELP)]
    Purge {
        #[command(flatten)]
        file: FileArgs,
        /// Do not ask for confirmation (needed when not on a terminal).
        #[arg(long, short)]
        yes: bool,
    },
    /// Set or remove managers.
    ///
    /// Column Manager: the manager's user principal name or id; an empty cell removes the
    /// manager.
    #[command(after_long_help = HELP)]
    SetManager {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Change first, last and display names.
    ///
    /// Columns (any of): First Name, Last Name, Display Name.
    #[command(after_long_help = HELP)]
    Rename {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Change phones and postal addresses.
    ///
    /// Columns (any of): Office Phone, Mobile Phone, Fax, Address, City, State or Province,
    /// ZIP or Postal Code, Country or Region.
    #[command(after_long_help = HELP)]
    ContactInfo {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Change authentication contact information.
    ///
    /// Columns (any of): Authentication Phone, Alternate Authentication Phone, Authentication
    /// Email, Alternate Email (otherMails; several separated by ';'), Fax.
    #[command(after_long_help = HELP)]
    AuthContactInfo {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Change per-user MFA state and methods.
    ///
    /// Columns (any of): MFA State (disabled, enabled, enforced), Default Method, Allowed
    /// Methods (';'-separated). Methods: push, oath, sms, voiceMobile, voiceAlternateMobile,
    /// voiceOffice, email.
    #[command(after_long_help = HELP)]
    Mfa {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Move users to another of the tenant's domains.
    ///
    /// Column Domain, or --domain for the rows without one. The user principal name keeps its
    /// alias; mail follows when it was the user principal name.
    #[command(after_long_help = HELP)]
    ChangeDomain {
        #[command(flatten)]
        file: FileArgs,
        /// The domain for every row without a Domain value.
        #[arg(long)]
        domain: Option<String>,
    },
    /// Change user principal names.
    ///
    /// Column New User Name: the new alias@domain.
    #[command(after_long_help = HELP)]
    ChangeUpn {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Assign licenses.
    ///
    /// Column License (part numbers such as SPE_E3, or skuIds; ';'-separated), or --license
    /// for the rows without one. Users need a usage location.
    #[command(after_long_help = HELP)]
    AssignLicenses {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        licenses: LicenseArgs,
        /// A service plan to leave off every license assigned, by name (EXCHANGE_S_ENTERPRISE)
        /// or id; repeatable.
        #[arg(long)]
        disable_plan: Vec<String>,
    },
    /// Take licenses away, freeing their seats.
    ///
    /// Column License (part numbers or skuIds; ';'-separated), or --license for the rows
    /// without one.
    #[command(after_long_help = HELP)]
    RemoveLicenses {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        licenses: LicenseArgs,
    },
    /// Add users to groups.
    ///
    /// Column Group (display names, mail nicknames or ids; ';'-separated), or --group for the
    /// rows without one.
    #[command(after_long_help = HELP)]
    AddToGroups {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        groups: GroupArgs,
    },
    /// Remove users from groups.
    ///
    /// Column Group (display names, mail nicknames or ids; ';'-separated), or --group for the
    /// rows without one.
    #[command(after_long_help = HELP)]
    RemoveFromGroups {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        groups: GroupArgs,
    },
}

/// What an operation's flags add to its file.
#[derive(Default)]
struct Flags {
    force_change: bool,
    yes: bool,
    domain: Option<String>,
    licenses: Vec<String>,
    disable_plans: Vec<String>,
    groups: Vec<String>,
}

impl BulkCommand {
    fn into_parts(self) -> (Operation, FileArgs, Flags) {
        let flags = Flags {
            force_change: true,
            ..Flags::default()
        };
        match self {
            BulkCommand::Update { file } => (Operation::Update, file, flags),
            BulkCommand::ResetPasswords {
                file,
                no_force_change,
            } => (
                Operation::ResetPasswords,
                file,
                Flags {
                    force_change: !no_force_change,
                    ..flags
                },
            ),
            BulkCommand::Block { file } => (Operation::Block, file, flags),
            BulkCommand::Unblock { file } => (Operation::Unblock, file, flags),
            BulkCommand::RevokeSessions { file } => (Operation::RevokeSessions, file, flags),
            BulkCommand::Delete { file } => (Operation::Delete, file, flags),
            BulkCommand::Restore { file } => (Operation::Restore, file, flags),
            BulkCommand::Purge { file, yes } => (Operation::Purge, file, Flags { yes, ..flags }),
            BulkCommand::SetManager { file } => (Operation::SetManager, file, flags),
            BulkCommand::Rename { file } => (Operation::Rename, file, flags),
            BulkCommand::ContactInfo { file } => (Operation::ContactInfo, file, flags),
            BulkCommand::AuthContactInfo { file } => (Operation::AuthContactInfo, file, flags),
            BulkCommand::Mfa { file } => (Operation::Mfa, file, flags),
            BulkCommand::ChangeDomain { file, domain } => {
                (Operation::ChangeDomain, file, Flags { domain, ..flags })
            }
            BulkCommand::ChangeUpn { file } => (Operation::ChangeUpn, file, flags),
            BulkCommand::AssignLicenses {
                file,
                licenses,
                disable_plan,
            } => (
                Operation::AssignLicenses,
                file,
                Flags {
                    licenses: licenses.license,
                    disable_plans: disable_plan,
                    ..flags
                },
            ),
            BulkCommand::RemoveLicenses { file, licenses } => (
                Operation::RemoveLicenses,
                file,
                Flags {
                    licenses: licenses.license,
                    ..flags
                },
            ),
            BulkCommand::AddToGroups { file, groups } => (
                Operation::AddToGroups,
                file,
                Flags {
                    groups: groups.group,
                    ..flags
                },
            ),
            BulkCommand::RemoveFromGroups { file, groups } => (
                Operation::RemoveFromGroups,
                file,
                Flags {
                    groups: groups.group,
                    ..flags
                },
            ),
        }
    }
}

/// One row's outcome, as the results file and a dry run show it.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The row as the file numbers it (the line its record starts on).
    pub row: usize,
    pub user: String,
    /// `succeeded`, `unchanged` or `failed`.
    pub status: String,
    pub object_id: String,
    /// The column as the file names it.
    pub column: String,
    pub message: String,
    pub password: String,
    /// A dry run's `{"before": {...}, "after": {...}}`.
    pub changes: Value,
}

impl Outcome {
    /// A row refused by the file check.
    pub fn refused(error: &RowError) -> Outcome {
        Outcome {
            row: error.row,
            user: error.user_principal_name.clone().unwrap_or_default(),
            status: "failed".into(),
            column: error.column.clone().unwrap_or_default(),
            message: error.problem.to_string(),
            ..Outcome::default()
        }
    }
}

/// A row to send: its number in the file, the user as the file names them, the job's row.
pub struct Row {
    pub number: usize,
    pub user: String,
    /// The row as the job receives it (JSON text).
    pub body: Box<RawValue>,
}

/// Rows checked locally, ready to go to the server as one job.
pub struct Submission {
    /// The bulk job kind (`createUsers`, `updateUsers`, ...).
    pub kind: &'static str,
    pub options: Value,
    pub rows: Vec<Row>,
    /// Rows the file check refused: reported, never sent.
    pub refused: Vec<Outcome>,
    /// The file's header for each row property the server may name in an error.
    pub column_names: HashMap<String, String>,
}

impl Submission {
    fn column(&self, property: &Value) -> String {
        let property = cell(property);
        self.column_names
            .get(&property)
            .cloned()
            .unwrap_or(property)
    }

    /// The outcome a result item of the server reports: the server numbers rows by their place
    /// among those sent (from 1), the outcome by the file's row.
    fn outcome(&self, item: &Value) -> Outcome {
        let index = item["row"].as_u64().unwrap_or(0) as usize;
        let sent = index.checked_sub(1).and_then(|i| self.rows.get(i));
        Outcome {
            row: sent.map_or(0, |row| row.number),
            user: sent.map_or_else(|| cell(&item["userPrincipalName"]), |row| row.user.clone()),
            status: cell(&item["status"]),
            object_id: cell(&item["objectId"]),
            column: self.column(&item["errorColumn"]),
            message: cell(&item["errorMessage"]),
            password: cell(&item["generatedPassword"]),
            changes: item["changes"].clone(),
        }
    }

    /// The job's request body, written from the rows' JSON text where it is.
    fn job_body(&self) -> JobBody<'_> {
        JobBody {
            rows: self.rows.iter().map(|row| &*row.body).collect(),
            options: &self.options,
        }
    }
}

#[derive(serde::Serialize)]
struct JobBody<'a> {
    rows: Vec<&'a RawValue>,
    options: &'a Value,
}

/// `roster bulk OPERATION FILE`; returns whether every row succeeded or was unchanged.
pub async fn run(command: BulkCommand) -> anyhow::Result<bool> {
    let (operation, args, flags) = command.into_parts();
    let mut given = Vec::new();
    if flags.domain.is_some() {
        given.push("domain");
    }
    if !flags.licenses.is_empty() {
        given.push("licenses");
    }
    if !flags.groups.is_empty() {
        given.push("groups");
    }
    let path = &args.file;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let file = edits::parse(operation, &bytes, &given)
        .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    let n_valid = file.rows.iter().filter(|row| row.is_ok()).count();
    eprintln!(
        "{}: {} ({n_valid} to send, {} refused by the file check)",
        path.display(),
        n_rows(file.rows.len()),
        file.rows.len() - n_valid
    );
    if operation == Operation::Purge && !args.dry_run && !flags.yes && n_valid > 0 {
        crate::users::confirm(&format!(
            "delete the {n_valid} users of {} for good? They cannot be restored afterwards",
            path.display()
        ))?;
    }
    let client = client::connect().await?;
    let submission = submission(&client, &file, &flags).await?;
    if args.dry_run {
        // Given passwords travel too: the server checks them against the password rules.
        return preview(&client, &submission, args.output).await;
    }
    let results = output::ResultsPath::new(args.results, path.with_extension("results.csv"));
    let layout = Layout {
        user_header: "user",
        passwords: operation == Operation::ResetPasswords,
    };
    apply(&client, submission, results, layout).await
}

/// The job's options and rows, with license and group names resolved to ids.
async fn submission(client: &Client, file: &EditFile, flags: &Flags) -> anyhow::Result<Submission> {
    let operation = file.operation;
    let mut options = Map::new();
    match operation {
        Operation::ResetPasswords => {
            options.insert(
                "forceChangePasswordNextSignIn".into(),
                flags.force_change.into(),
            );
        }
        Operation::ChangeDomain => {
            if let Some(domain) = &flags.domain {
                let domain = roster_core::types::DomainName::parse(domain)
                    .map_err(|error| anyhow::anyhow!("--domain: {}", error.reason))?;
                options.insert("domain".into(), domain.to_string().into());
            }
        }
        _ => {}
    }
    let mut column_names: HashMap<String, String> = HashMap::new();
    for property in ["user", "userPrincipalName", "password", "manager", "domain"]
        .into_iter()
        .chain(operation.columns().iter().map(|def| def.property))
    {
        if let Some(name) = file.column_of(property) {
            column_names.insert(property.into(), name.into());
        }
    }
    let mut refused = Vec::new();
    let mut rows = Vec::new();
    let mut names = Names::new(client, operation).await?;
    if operation == Operation::AssignLicenses || operation == Operation::RemoveLicenses {
        let mut ids = Vec::new();
        for name in &flags.licenses {
            ids.push(names.resolve(name).await.context("--license")?);
        }
        options.insert("licenses".into(), ids.into());
    }
    if operation == Operation::AddToGroups || operation == Operation::RemoveFromGroups {
        let mut ids = Vec::new();
        for name in &flags.groups {
            ids.push(names.resolve(name).await.context("--group")?);
        }
        options.insert("groups".into(), ids.into());
    }
    for row in &file.rows {
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                refused.push(Outcome::refused(error));
                continue;
            }
        };
        let mut body = row.job_row.clone();
        // License and group names, resolved to the ids the job takes.
        let named = names
            .property()
            .and_then(|property| match body.get(property) {
                Some(Value::Array(items)) => Some((property, items.clone())),
                _ => None,
            });
        if let Some((property, items)) = named {
            let mut ids = Vec::new();
            let mut problem = None;
            for item in &items {
                match names.resolve(&cell(item)).await {
                    Ok(id) => ids.push(Value::String(id)),
                    Err(error) => {
                        problem = Some(format!("{error:#}"));
                        break;
                    }
                }
            }
            if let Some(message) = problem {
                refused.push(Outcome {
                    row: row.row,
                    user: row.user.clone(),
                    status: "failed".into(),
                    column: file.column_of(property).unwrap_or(property).into(),
                    message,
                    ..Outcome::default()
                });
                continue;
            }
            body.insert(property.into(), ids.into());
        }
        rows.push(Row {
            number: row.row,
            user: row.user.clone(),
            body: serde_json::value::to_raw_value(&body).expect("a JSON object serialises"),
        });
    }
    if !flags.disable_plans.is_empty() {
        let plans = names.plans(&flags.disable_plans)?;
        options.insert("disabledPlans".into(), plans.into());
    }
    Ok(Submission {
        kind: operation.job_kind(),
        options: Value::Object(options),
        rows,
        refused,
        column_names,
    })
}

/// License and group names to ids, each looked up once.
struct Names<'a> {
    client: &'a Client,
    operation: Operation,
    /// The tenant's subscriptions, for license operations.
    skus: Option<resolve::Skus>,
    /// Each name looked up so far: its id, or why it names none.
    found: HashMap<String, Result<String, String>>,
}

impl<'a> Names<'a> {
    async fn new(client: &'a Client, operation: Operation) -> anyhow::Result<Names<'a>> {
        let skus = match operation {
            Operation::AssignLicenses | Operation::RemoveLicenses => {
                Some(resolve::Skus::read(client).await?)
            }
            _ => None,
        };
        Ok(Names {
            client,
            operation,
            skus,
            found: HashMap::new(),
        })
    }

    /// The row property that holds names, if the operation has one.
    fn property(&self) -> Option<&'static str> {
        match self.operation {
            Operation::AssignLicenses | Operation::RemoveLicenses => Some("licenses"),
            Operation::AddToGroups | Operation::RemoveFromGroups => Some("groups"),
            _ => None,
        }
    }

    /// The id a license (part number or skuId) or group (id, display name or mail nickname)
    /// name stands for.
    async fn resolve(&mut self, name: &str) -> anyhow::Result<String> {
        let key = name.trim().to_lowercase();
        if let Some(found) = self.found.get(&key) {
            return found.clone().map_err(anyhow::Error::msg);
        }
        let found = match (&self.skus, self.operation) {
            // A license the tenant no longer has can still be taken away, by skuId.
            (Some(skus), Operation::RemoveLicenses) => skus.sku_id(name),
            (Some(skus), _) => skus.find(name).map(|sku| cell(&sku["skuId"])),
            (None, _) => resolve::group(self.client, name)
                .await
                .map(|group| cell(&group["id"])),
        };
        let found = found.map_err(|error| format!("{error:#}"));
        self.found.insert(key, found.clone());
        found.map_err(anyhow::Error::msg)
    }

    /// The ids of service plans named (by name or id) among the licenses named so far.
    fn plans(&self, names: &[String]) -> anyhow::Result<Vec<String>> {
        let skus = self
            .skus
            .as_ref()
            .context("--disable-plan is for licenses")?;
        let named: Vec<&Value> = skus
            .all()
            .iter()
            .filter(|sku| {
                let id = cell(&sku["skuId"]);
                self.found.values().any(|found| found.as_ref() == Ok(&id))
            })
            .collect();
        let mut ids: Vec<String> = Vec::new();
        for name in names {
            for plan in resolve::service_plans(&named, name)? {
                if !ids.contains(&plan.service_plan_id) {
                    ids.push(plan.service_plan_id);
                }
            }
        }
        Ok(ids)
    }
}

/// A change as people read it: `department: Sales → Finance; city: (empty) → Delft`.
fn describe_changes(changes: &Value) -> String {
    let (before, after) = (&changes["before"], &changes["after"]);
    let mut names: Vec<&String> = after
        .as_object()
        .into_iter()
        .chain(before.as_object())
        .flat_map(|object| object.keys())
        .collect();
    names.sort();
    names.dedup();
    let show = |value: &Value| match cell(value) {
        text if text.is_empty() => "(empty)".to_string(),
        text => text,
    };
    names
        .iter()
        .map(|name| {
            format!(
                "{name}: {} → {}",
                show(&before[name.as_str()]),
                show(&after[name.as_str()])
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a row that would succeed does, when the server names no changed property.
fn describe_action(kind: &str, row: Option<&Value>) -> String {
    let action = match kind {
        "createUsers" => "create",
        "resetPasswords" => "reset the password",
        "revokeSessions" => "revoke sign-in sessions",
        "deleteUsers" => "move to the recycle bin",
        "restoreUsers" => "restore",
        "purgeUsers" => "delete for good",
        "setManager" => {
            return match row.map(|row| &row["manager"]) {
                Some(Value::String(manager)) => format!("set the manager to {manager}"),
                _ => "remove the manager".into(),
            };
        }
        "assignLicenses" => "assign licenses",
        "removeLicenses" => "remove licenses",
        "addToGroups" => "add to groups",
        "removeFromGroups" => "remove from groups",
        _ => "change",
    };
    action.into()
}

/// Asks the server what each row would do (`?dryRun=true`: nothing is written) and prints it
/// with the rows the file check refused; returns whether no row would fail.
pub async fn preview(
    client: &Client,
    submission: &Submission,
    output: Output,
) -> anyhow::Result<bool> {
    let mut outcomes = submission.refused.clone();
    if !submission.rows.is_empty() {
        let reply = client
            .post(
                &format!("/roster/v1/jobs/{}?dryRun=true", submission.kind),
                &submission.job_body(),
            )
            .await
            .context("the dry run needs the server, which checks each row against the directory")?;
        for item in reply["value"].as_array().into_iter().flatten() {
            outcomes.push(submission.outcome(item));
        }
    }
    outcomes.sort_by_key(|outcome| outcome.row);
    let rows: Vec<Value> = outcomes
        .iter()
        .map(|outcome| {
            // Rows are sent in the file's order.
            let sent = submission
                .rows
                .binary_search_by_key(&outcome.row, |row| row.number)
                .ok()
                .and_then(|index| {
                    serde_json::from_str::<Value>(submission.rows[index].body.get()).ok()
                });
            let change = match outcome.status.as_str() {
                "succeeded" => match describe_changes(&outcome.changes) {
                    changes if changes.is_empty() => {
                        describe_action(submission.kind, sent.as_ref())
                    }
                    changes => changes,
                },
                _ => String::new(),
            };
            json!({
                "row": outcome.row,
                "user": outcome.user,
                "status": outcome.status,
                "objectId": outcome.object_id,
                "change": change,
                "changes": outcome.changes,
                "column": outcome.column,
                "error": outcome.message,
            })
        })
        .collect();
    output::print(
        &rows,
        &["row", "user", "status", "change", "column", "error"],
        output,
    )?;
    let count = |status: &str| outcomes.iter().filter(|o| o.status == status).count();
    let failed = count("failed");
    eprintln!(
        "dry run, nothing was changed: {} would succeed, {} unchanged, {failed} would fail",
        n_rows(count("succeeded")),
        count("unchanged"),
    );
    Ok(failed == 0)
}

/// `1 row`, `2 rows`.
fn n_rows(n: usize) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// How a results file is laid out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The header of the user column.
    pub user_header: &'static str,
    /// Whether it has a generatedPassword column.
    pub passwords: bool,
}

/// Submits the rows as one job, follows it with a progress bar, and writes every row's outcome
/// (and generated password) to an owner-only results file; returns whether no row failed.
pub async fn apply(
    client: &Client,
    submission: Submission,
    results: output::ResultsPath,
    layout: Layout,
) -> anyhow::Result<bool> {
    // Opened before the job runs: generated passwords are shown once, and must have somewhere to
    // go. An earlier run's file, which may hold the only copy of its passwords, is never
    // overwritten.
    let (results, results_file) = results.create()?;
    let results = results.as_path();
    let mut job_id = None;
    let mut outcomes = submission.refused.clone();
    if !submission.rows.is_empty() {
        let submitted = client
            .submit_job(submission.kind, &submission.job_body())
            .await;
        let job = match submitted {
            Ok(job) => job,
            Err(error) => {
                drop(results_file);
                let _ = std::fs::remove_file(results);
                return Err(error);
            }
        };
        let id = job.id;
        // The job runs on the server whatever happens here: say how to pick it up again.
        let resume = || {
            format!(
                "job {id} goes on at the server: `roster jobs watch {id}`, then `roster jobs results {id} --file {}`",
                results.display()
            )
        };
        let finished = crate::jobs::follow_with_results(client, &id, |item| {
            outcomes.push(submission.outcome(&item));
        })
        .await
        .with_context(resume)?;
        job_id = Some(id.clone());
        eprintln!(
            "job {id}: {} rows, {} failed",
            finished.processed_rows, finished.failed_rows
        );
    }
    outcomes.sort_by_key(|outcome| outcome.row);
    write_results(results_file, &outcomes, layout)
        .with_context(|| format!("writing {}", results.display()))?;
    // Only now that the passwords are on disk may the server forget them.
    if let Some(id) = job_id {
        crate::jobs::forget_outputs(client, &id).await?;
    }
    let count = |status: &str| outcomes.iter().filter(|o| o.status == status).count();
    let failed = count("failed");
    eprintln!(
        "results: {} ({} succeeded, {} unchanged, {failed} failed)",
        results.display(),
        count("succeeded"),
        count("unchanged"),
    );
    // The command ends here, and with it the process: freeing 100,000 rows and outcomes one
    // allocation at a time would only delay the exit (by a quarter of a second at that size).
    std::mem::forget((submission, outcomes));
    Ok(failed == 0)
}

/// Writes the outcomes as CSV to a file made owner-only ([`output::create_private`]):
/// generated passwords may be in it, beside cells that echo the input file, which
/// [`roster_csv::cell`] keeps from being read as formulas.
fn write_results(file: std::fs::File, outcomes: &[Outcome], layout: Layout) -> anyhow::Result<()> {
    let mut writer = roster_csv::cell::Writer::from_writer(file);
    let mut header = vec![
        "row",
        layout.user_header,
        "status",
        "objectId",
        "column",
        "error",
    ];
    if layout.passwords {
        header.push("generatedPassword");
    }
    writer.write_record(&header)?;
    for o in outcomes {
        let row = o.row.to_string();
        let record = [
            row.as_str(),
            &o.user,
            &o.status,
            &o.object_id,
            &o.column,
            &o.message,
            &o.password,
        ];
        let columns = if layout.passwords { 7 } else { 6 };
        writer.write_record(&record[..columns])?;
    }
    writer.into_inner()?.sync_all()?;
    Ok(())
}
