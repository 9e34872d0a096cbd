//! The `roster` binary: `roster serve` runs the server; the other commands administer one over
//! its API (never its database), signed in with `roster login` or `ROSTER_*` variables.

mod apps;
mod bulk;
mod client;
mod domains;
mod group_licenses;
mod groups;
mod import_export;
mod jobs;
mod licenses;
mod login;
mod output;
mod resolve;
mod serve;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::client::Client;
use crate::output::Output;

/// Exit statuses scripts can rely on, besides 0 (done), 1 (failed) and 2 (usage error, clap's).
const EXIT_ROWS_FAILED: u8 = 3;
const EXIT_NOT_FOUND: u8 = 4;

#[derive(Parser)]
#[command(
    name = "roster",
    version,
    about = "Self-hosted user-account and license administration",
    after_help = "Exit status: 0 done; 1 failed; 2 usage error; 3 some rows of a bulk job failed; 4 not found (a user, group, job, subscription ...)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creating the tenant on first start).
    Serve(serve::ServeArgs),
    /// Sign in to a server as an administrator or an app, and keep the token for later commands.
    Login(login::LoginArgs),
    /// Users: list, show, create, update, delete, restore, purge; manager and sign-in sessions.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// The recycle bin: deleted users, restorable for 30 days.
    Deleted {
        #[command(subcommand)]
        command: DeletedCommand,
    },
    /// Licenses: the tenant's subscriptions, and users' licenses.
    Licenses {
        #[command(subcommand)]
        command: LicensesCommand,
    },
    /// Groups: their members (assigned, or dynamic from a membership rule) and licenses.
    Groups {
        #[command(subcommand)]
        command: GroupsCommand,
    },
    /// Applications: registered, their secrets, who may sign in and with which roles.
    Apps {
        #[command(subcommand)]
        command: apps::AppsCommand,
    },
    /// The tenant's domains.
    Domains {
        #[command(subcommand)]
        command: DomainsCommand,
    },
    /// Change many existing users from a CSV file: one bulk job, with progress and a results file.
    #[command(after_long_help = bulk::HELP)]
    Bulk {
        #[command(subcommand)]
        command: bulk::BulkCommand,
    },
    /// Import from CSV files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export to CSV files.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Bulk jobs: list them, show one, watch one to its end, read its results.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Print a shell completion script: `roster completions bash > /etc/bash_completion.d/roster`.
    Completions { shell: clap_complete::Shell },
}

/// `--output`, on every command that reads.
#[derive(Args)]
struct OutputArg {
    /// How to print: aligned columns, JSON or CSV.
    #[arg(long, short, value_enum, default_value = "table")]
    output: Output,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// List users, every page.
    List {
        /// An OData filter, e.g. "department eq 'Sales'".
        #[arg(long)]
        filter: Option<String>,
        /// The properties to show, comma-separated.
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// At most this many users.
        #[arg(long)]
        top: Option<usize>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Show one user's properties and manager.
    Show {
        /// The user's principal name or id.
        user: String,
        /// The properties to show, comma-separated (instead of the usual ones).
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Create a user; roster generates the password unless --password is given.
    Create {
        /// alias@domain
        user_principal_name: String,
        #[arg(long)]
        display_name: String,
        #[command(flatten)]
        properties: users::UserProperties,
        /// A password of your choosing (else one is generated and shown once).
        #[arg(long, env = "ROSTER_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Change a user's properties.
    Update {
        /// The user's principal name or id.
        user: String,
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        properties: users::UserProperties,
    },
    /// Move a user to the recycle bin (restorable for 30 days).
    Delete {
        /// The user's principal name or id.
        user: String,
    },
    /// Bring a user back from the recycle bin.
    Restore {
        /// The deleted user's id or principal name.
        user: String,
    },
    /// Delete a user from the recycle bin for good.
    Purge {
        /// The deleted user's id or principal name.
        user: String,
        /// Do not ask for confirmation (needed when not on a terminal).
        #[arg(long, short)]
        yes: bool,
    },
    /// Set a user's manager, or remove it with --remove.
    SetManager {
        /// The user's principal name or id.
        user: String,
        /// The manager's principal name or id.
        #[arg(required_unless_present = "remove")]
        manager: Option<String>,
        /// Leave the user without a manager.
        #[arg(long, conflicts_with = "manager")]
        remove: bool,
    },
    /// Sign a user out everywhere: tokens and sessions issued so far stop working.
    RevokeSessions {
        /// The user's principal name or id.
        user: String,
    },
    /// Work a user's group licenses out again (after fixing what put them in error), and say
    /// how each stands.
    ReprocessLicenses {
        /// The user's principal name or id.
        user: String,
    },
}

#[derive(Subcommand)]
enum DeletedCommand {
    /// List the deleted users, every page.
    List {
        /// An OData filter, e.g. "startsWith(userPrincipalName,'ann')".
        #[arg(long)]
        filter: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Subcommand)]
enum LicensesCommand {
    /// List the tenant's subscriptions and their seats.
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Assign licenses to a user (whose usage location is set). Assigning a license the user
    /// has already replaces its disabled plans.
    Assign {
        /// The user's principal name or id.
        user: String,
        /// A subscription: part number (SPE_E3) or skuId; repeatable.
        #[arg(long, required = true)]
        sku: Vec<String>,
        /// A service plan to leave off, by name (EXCHANGE_S_ENTERPRISE) or id; repeatable.
        #[arg(long)]
        disable_plan: Vec<String>,
    },
    /// Take licenses from a user, freeing their seats.
    Remove {
        /// The user's principal name or id.
        user: String,
        /// A subscription: part number (SPE_E3) or skuId; repeatable.
        #[arg(long, required = true)]
        sku: Vec<String>,
    },
    /// Show a user's licenses and their disabled plans.
    Show {
        /// The user's principal name or id.
        user: String,
        /// List every service plan of every license, with its status.
        #[arg(long)]
        plans: bool,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Subcommand)]
enum GroupsCommand {
    /// List groups, every page.
    List {
        /// An OData filter, e.g. "startsWith(displayName,'Sales')".
        #[arg(long)]
        filter: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Show one group.
    Show {
        /// The group's id, display name or mail nickname.
        group: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Create a group (a security group unless --m365), with assigned members or, with --rule,
    /// dynamic ones; prints its id.
    Create {
        #[arg(long)]
        display_name: String,
        #[arg(long)]
        mail_nickname: String,
        /// A security group (the default).
        #[arg(long, conflicts_with = "m365")]
        security: bool,
        /// A Microsoft 365 group.
        #[arg(long)]
        m365: bool,
        #[arg(long)]
        description: Option<String>,
        /// A member, by principal name or id; repeatable.
        #[arg(long)]
        member: Vec<String>,
        /// Make it a dynamic security group: its members are the users this membership rule
        /// matches (Entra ID's rule language, e.g. 'user.department -eq "Sales"'), kept up to
        /// date by the server. Try a rule first with `roster groups preview-rule`.
        #[arg(long, conflicts_with_all = ["member", "m365"])]
        rule: Option<String>,
        /// Create the dynamic group with its rule paused: no members until `roster groups resume`.
        #[arg(long, requires = "rule")]
        paused: bool,
    },
    /// Change a dynamic group's membership rule: the members are worked out again, and the
    /// group's licenses follow them (`roster groups preview-rule RULE --group GROUP` shows who
    /// would join and leave).
    SetRule {
        /// The group's id, display name or mail nickname.
        group: String,
        /// The new membership rule, e.g. 'user.department -eq "Sales"'.
        rule: String,
    },
    /// Pause a dynamic group's rule: its members stay as they are, whatever users change.
    Pause {
        /// The group's id, display name or mail nickname.
        group: String,
    },
    /// Resume a dynamic group's rule: its members catch up with what changed meanwhile.
    Resume {
        /// The group's id, display name or mail nickname.
        group: String,
    },
    /// Show which users a membership rule would take in and, with --group, who would join and
    /// leave that group and what it does to licenses and seats. Changes nothing.
    PreviewRule {
        /// The membership rule, e.g. 'user.department -eq "Sales"'.
        rule: String,
        /// Compare with this group's members (id, display name or mail nickname).
        #[arg(long)]
        group: Option<String>,
        /// How many users to list in each sample (default 20; counts are always complete).
        #[arg(long, value_parser = clap::value_parser!(u16).range(0..=999))]
        top: Option<u16>,
        /// How to print: sections of aligned columns, the server's JSON answer, or CSV with a
        /// `section` column (matching, joining, leaving, license).
        #[arg(long, short, value_enum, default_value = "table")]
        output: Output,
    },
    /// The licenses a group gives its members (group-based licensing).
    Licenses {
        #[command(subcommand)]
        command: GroupLicensesCommand,
    },
    /// Members whose licenses from the group did not take, with the error and what to do.
    LicenseErrors {
        /// The group's id, display name or mail nickname.
        group: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Move a group to the recycle bin (restorable for 30 days, with its members).
    Delete {
        /// The group's id, display name or mail nickname.
        group: String,
    },
    /// Bring a group back from the recycle bin.
    Restore {
        /// The deleted group's id.
        id: String,
    },
    /// List a group's members.
    Members {
        /// The group's id, display name or mail nickname.
        group: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Add users to a group (those already in it are left as they are).
    AddMember {
        /// The group's id, display name or mail nickname.
        group: String,
        /// Principal names or ids.
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// Remove users from a group (those not in it are left as they are).
    RemoveMember {
        /// The group's id, display name or mail nickname.
        group: String,
        /// Principal names or ids.
        #[arg(required = true)]
        users: Vec<String>,
    },
}

#[derive(Subcommand)]
enum GroupLicensesCommand {
    /// Give a security group's members licenses; a license the group already gives gets the
    /// new disabled plans. Members are licensed in the background.
    Assign {
        /// The group's id, display name or mail nickname.
        group: String,
        /// A subscription: part number (SPE_E3) or skuId; repeatable.
        #[arg(long, required = true)]
        sku: Vec<String>,
        /// A service plan to leave off, by name (EXCHANGE_S_ENTERPRISE) or id; repeatable.
        #[arg(long)]
        disable_plan: Vec<String>,
        /// Wait until every member has been processed, then say how many are in error.
        #[arg(long)]
        wait: bool,
    },
    /// Stop giving licenses through a group: members lose them unless they hold them otherwise.
    Remove {
        /// The group's id, display name or mail nickname.
        group: String,
        /// A subscription: part number (SPE_E3) or skuId; repeatable.
        #[arg(long, required = true)]
        sku: Vec<String>,
        /// Wait until every member has been processed.
        #[arg(long)]
        wait: bool,
    },
    /// Show the licenses a group gives, their disabled plans, and how far processing is.
    Show {
        /// The group's id, display name or mail nickname.
        group: String,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Subcommand)]
enum DomainsCommand {
    /// List the tenant's domains.
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Add a domain: not verified yet; prints the DNS TXT record that verifies it.
    Add { name: String },
    /// Verify a domain by its DNS TXT record.
    Verify { name: String },
    /// Make a verified domain the default.
    Default { name: String },
    /// Remove a domain that no user or group uses.
    Remove { name: String },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Create users from a Microsoft 365 admin center, Entra bulk-create or roster CSV file.
    Users {
        file: PathBuf,
        /// Usage location for rows without one (ISO country code, e.g. NL).
        #[arg(long)]
        usage_location: Option<String>,
        /// A subscription to assign to every user (part number such as SPE_E3, or skuId); repeatable.
        #[arg(long)]
        license: Vec<String>,
        /// A group every user joins (id, display name or mail nickname); repeatable.
        #[arg(long)]
        group: Vec<String>,
        /// Generate a password for every user (shown once in the results file), ignoring any
        /// in the file. Rows without a password always get a generated one.
        #[arg(long)]
        generate_passwords: bool,
        /// Let users keep the file's passwords at first sign-in (by default they must change
        /// them, as generated ones must always be changed).
        #[arg(long, conflicts_with = "generate_passwords")]
        no_force_change: bool,
        /// Where to write each row's outcome and generated password (default: FILE.results.csv).
        #[arg(long, conflicts_with = "dry_run")]
        results: Option<PathBuf>,
        /// Check the file, then ask the server what each row would do (a user that already
        /// exists is unchanged; an unknown domain or a license without free seats fails),
        /// creating nothing. Needs the server.
        #[arg(long)]
        dry_run: bool,
        /// How to print a dry run.
        #[arg(long, short, value_enum, default_value = "table")]
        output: Output,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Every (matching) user, in roster's CSV format, which `roster import users` reads back.
    Users {
        file: PathBuf,
        /// An OData filter, e.g. "department eq 'Sales'".
        #[arg(long)]
        filter: Option<String>,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List the latest jobs.
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Show one job's progress.
    Show {
        /// The job's id.
        id: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Follow a job with a progress bar until it completes, then show it; exits with 3 if
    /// some rows failed.
    Watch {
        /// The job's id.
        id: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Every row's outcome. Generated passwords are shown to the job's submitter once: the
    /// server forgets them when the last row has been read.
    Results {
        /// The job's id.
        id: String,
        /// How to print (default: table, or csv with --file).
        #[arg(long, short, value_enum)]
        output: Option<Output>,
        /// Write to this file, readable by its owner only, instead of standard output.
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

/// The server allocates and frees many small values per row of a bulk job (parsed JSON, users,
/// SQL parameters); mimalloc does that markedly faster than the system allocator (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROSTER_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse().command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            if let Some(advice) = client::advice(&error) {
                eprintln!("{advice}");
            }
            if client::is_not_found(&error) {
                ExitCode::from(EXIT_NOT_FOUND)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::serve(args).await?,
        Command::Login(args) => login::login(args).await?,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "roster", &mut std::io::stdout());
        }
        Command::Users { command } => run_users(&client::connect().await?, command).await?,
        Command::Deleted {
            command: DeletedCommand::List { filter, output },
        } => {
            let client = client::connect().await?;
            users::deleted_list(&client, filter.as_deref(), output.output).await?
        }
        Command::Licenses { command } => run_licenses(&client::connect().await?, command).await?,
        Command::Groups { command } => run_groups(&client::connect().await?, command).await?,
        Command::Apps { command } => {
            let client = client::connect().await?;
            apps::run(&client, command).await?;
        }
        Command::Domains { command } => {
            let client = client::connect().await?;
            match command {
                DomainsCommand::List { output } => domains::list(&client, output.output).await?,
                DomainsCommand::Add { name } => domains::add(&client, &name).await?,
                DomainsCommand::Verify { name } => domains::verify(&client, &name).await?,
                DomainsCommand::Default { name } => domains::make_default(&client, &name).await?,
                DomainsCommand::Remove { name } => domains::remove(&client, &name).await?,
            }
        }
        Command::Bulk { command } => return Ok(rows_exit_code(bulk::run(command).await?)),
        Command::Import { command } => return run_import(command).await,
        Command::Export {
            command: ExportCommand::Users { file, filter },
        } => {
            let client = client::connect().await?;
            let count = import_export::export_users(&client, filter.as_deref(), &file).await?;
            eprintln!("{count} users written to {}", file.display());
        }
        Command::Jobs { command } => return run_jobs(&client::connect().await?, command).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_users(client: &Client, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::List {
            filter,
            select,
            top,
            output,
        } => users::list(client, filter.as_deref(), &select, top, output.output).await,
        UsersCommand::Show {
            user,
            select,
            output,
        } => users::show(client, &user, &select, output.output).await,
        UsersCommand::Create {
            user_principal_name,
            display_name,
            properties,
            password,
        } => {
            users::create(
                client,
                &user_principal_name,
                &display_name,
                &properties,
                password.as_deref(),
            )
            .await
        }
        UsersCommand::Update {
            user,
            display_name,
            properties,
        } => users::update(client, &user, display_name.as_deref(), &properties).await,
        UsersCommand::Delete { user } => users::delete(client, &user).await,
        UsersCommand::Restore { user } => users::restore(client, &user).await,
        UsersCommand::Purge { user, yes } => users::purge(client, &user, yes).await,
        UsersCommand::SetManager { user, manager, .. } => {
            users::set_manager(client, &user, manager.as_deref()).await
        }
        UsersCommand::RevokeSessions { user } => users::revoke_sessions(client, &user).await,
        UsersCommand::ReprocessLicenses { user } => group_licenses::reprocess(client, &user).await,
    }
}

async fn run_licenses(client: &Client, command: LicensesCommand) -> anyhow::Result<()> {
    match command {
        LicensesCommand::List { output } => licenses::list(client, output.output).await,
        LicensesCommand::Assign {
            user,
            sku,
            disable_plan,
        } => licenses::assign(client, &user, &sku, &disable_plan).await,
        LicensesCommand::Remove { user, sku } => licenses::remove(client, &user, &sku).await,
        LicensesCommand::Show {
            user,
            plans,
            output,
        } => licenses::show(client, &user, plans, output.output).await,
    }
}

async fn run_groups(client: &Client, command: GroupsCommand) -> anyhow::Result<()> {
    match command {
        GroupsCommand::List { filter, output } => {
            groups::list(client, filter.as_deref(), output.output).await
        }
        GroupsCommand::Show { group, output } => groups::show(client, &group, output.output).await,
        GroupsCommand::Create {
            display_name,
            mail_nickname,
            m365,
            description,
            member,
            rule,
            paused,
            ..
        } => {
            let kind = if m365 {
                groups::NewGroupKind::Microsoft365
            } else {
                groups::NewGroupKind::Security
            };
            let members = match &rule {
                Some(rule) => groups::NewMembers::Dynamic { rule, paused },
                None => groups::NewMembers::Assigned(&member),
            };
            groups::create(
                client,
                &display_name,
                &mail_nickname,
                kind,
                description.as_deref(),
                members,
            )
            .await
        }
        GroupsCommand::SetRule { group, rule } => groups::set_rule(client, &group, &rule).await,
        GroupsCommand::Pause { group } => groups::set_processing(client, &group, false).await,
        GroupsCommand::Resume { group } => groups::set_processing(client, &group, true).await,
        GroupsCommand::PreviewRule {
            rule,
            group,
            top,
            output,
        } => {
            groups::preview_rule(
                client,
                &rule,
                group.as_deref(),
                top.map(usize::from),
                output,
            )
            .await
        }
        GroupsCommand::Licenses { command } => match command {
            GroupLicensesCommand::Assign {
                group,
                sku,
                disable_plan,
                wait,
            } => group_licenses::assign(client, &group, &sku, &disable_plan, wait).await,
            GroupLicensesCommand::Remove { group, sku, wait } => {
                group_licenses::remove(client, &group, &sku, wait).await
            }
            GroupLicensesCommand::Show { group, output } => {
                group_licenses::show(client, &group, output.output).await
            }
        },
        GroupsCommand::LicenseErrors { group, output } => {
            group_licenses::errors(client, &group, output.output).await
        }
        GroupsCommand::Delete { group } => groups::delete(client, &group).await,
        GroupsCommand::Restore { id } => groups::restore(client, &id).await,
        GroupsCommand::Members { group, output } => {
            groups::members(client, &group, output.output).await
        }
        GroupsCommand::AddMember { group, users } => {
            groups::add_members(client, &group, &users).await
        }
        GroupsCommand::RemoveMember { group, users } => {
            groups::remove_members(client, &group, &users).await
        }
    }
}

async fn run_jobs(client: &Client, command: JobsCommand) -> anyhow::Result<ExitCode> {
    match command {
        JobsCommand::List { output } => jobs::list(client, output.output).await?,
        JobsCommand::Show { id, output } => jobs::show(client, &id, output.output).await?,
        JobsCommand::Watch { id, output } => {
            if !jobs::watch(client, &id, output.output).await? {
                return Ok(ExitCode::from(EXIT_ROWS_FAILED));
            }
        }
        JobsCommand::Results { id, output, file } => {
            jobs::results(client, &id, output, file.as_deref()).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_import(command: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Users {
        file,
        usage_location,
        license,
        group,
        results,
        dry_run,
        output,
        generate_passwords,
        no_force_change,
    } = command;
    let options = import_export::ImportOptions {
        passwords: if generate_passwords {
            import_export::Passwords::Generate
        } else {
            import_export::Passwords::FromFile {
                force_change: !no_force_change,
            }
        },
        usage_location,
        licenses: license,
        groups: group,
        results,
        dry_run,
        output,
    };
    let ok = import_export::import_users(&file, options).await?;
    Ok(rows_exit_code(ok))
}

/// Some rows failed: scripts can tell from the exit code; the results file says which.
fn rows_exit_code(all_rows_ok: bool) -> ExitCode {
    if all_rows_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ROWS_FAILED)
    }
}
