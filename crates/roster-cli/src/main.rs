//! The `roster` binary: `roster serve` runs the server; the other commands administer one over
//! its API (never its database), signed in with `roster login` or `ROSTER_*` variables.

mod client;
mod commands;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use roster_server::{Application, BootstrapCredentials, Config, Tls};

#[derive(Parser)]
#[command(
    name = "roster",
    version,
    about = "Self-hosted user-account and license administration"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creating the tenant on first start).
    Serve(ServeArgs),
    /// Sign in to a server as an administrator or an app, and keep the token for later commands.
    Login(LoginArgs),
    /// Users: list them.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Import from CSV files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Bulk jobs: list them, show one.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Export to CSV files.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Print a shell completion script: `roster completions bash > /etc/bash_completion.d/roster`.
    Completions { shell: clap_complete::Shell },
}

#[derive(Args)]
struct LoginArgs {
    /// The server, e.g. https://roster.contoso.example:8080
    #[arg(long, env = "ROSTER_URL")]
    url: String,
    /// An administrator's user principal name (the password is read from ROSTER_PASSWORD or standard input).
    #[arg(long, conflicts_with = "client_id")]
    username: Option<String>,
    /// An app registration's client id (with --client-secret or ROSTER_CLIENT_SECRET, and --tenant).
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, env = "ROSTER_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// The tenant's domain or id (defaults to the domain of --username).
    #[arg(long, env = "ROSTER_TENANT")]
    tenant: Option<String>,
    /// A CA certificate to trust for https (roster's generated certificate).
    #[arg(long, env = "ROSTER_CA_CERT")]
    ca_cert: Option<PathBuf>,
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
        #[arg(long, short, value_enum, default_value = "table")]
        output: commands::Output,
    },
    /// Create a user; roster generates the password unless --password is given.
    Create {
        /// alias@domain
        user_principal_name: String,
        #[arg(long)]
        display_name: String,
        #[command(flatten)]
        properties: commands::UserProperties,
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
        properties: commands::UserProperties,
    },
    /// Move a user to the recycle bin (restorable for 30 days).
    Delete { user: String },
    /// Bring a user back from the recycle bin (by id).
    Restore { id: String },
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
        /// A group (id) every user joins; repeatable.
        #[arg(long)]
        group: Vec<String>,
        /// Where to write each row's outcome and generated password (default: FILE.results.csv).
        #[arg(long)]
        results: Option<PathBuf>,
        /// Check the file and report each row's problems without sending anything.
        #[arg(long)]
        dry_run: bool,
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
    List {
        #[arg(long, short, value_enum, default_value = "table")]
        output: commands::Output,
    },
    Show {
        id: String,
        #[arg(long, short, value_enum, default_value = "table")]
        output: commands::Output,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080", env = "ROSTER_LISTEN")]
    listen: SocketAddr,
    /// Where the embedded database and generated certificate live.
    #[arg(long, env = "ROSTER_DATA_DIR", default_value_os_t = default_data_dir())]
    data_dir: PathBuf,
    /// Use PostgreSQL (postgres://user@host:port/database) instead of the embedded database.
    #[arg(long, env = "ROSTER_DATABASE_URL")]
    database_url: Option<String>,
    /// The tenant's default domain, on first start.
    #[arg(long, default_value = "contoso.example", env = "ROSTER_DOMAIN")]
    domain: String,
    /// The tenant's display name, on first start.
    #[arg(long, default_value = "Contoso", env = "ROSTER_TENANT_NAME")]
    tenant_name: String,
    /// Seed a demo organisation (users, managers, groups, subscriptions) on first start.
    #[arg(long)]
    demo: bool,
    /// How many users the demo organisation has.
    #[arg(long, default_value_t = 1000, requires = "demo")]
    demo_users: usize,
    /// Serve https with a self-signed certificate generated into the data directory.
    #[arg(long)]
    tls: bool,
    /// Serve https with this certificate (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The scheme and host clients use (https://roster.example.com), for links.
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seconds a server's claim on a bulk job lasts without renewal (after a crash, the job
    /// resumes once it lapses).
    #[arg(
        long,
        default_value_t = 30,
        env = "ROSTER_JOB_LEASE_SECONDS",
        hide = true
    )]
    job_lease_seconds: i64,
    /// Rows of a bulk job applied per transaction.
    #[arg(
        long,
        default_value_t = 500,
        env = "ROSTER_JOB_BATCH_ROWS",
        hide = true
    )]
    job_batch_rows: usize,
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .map(|base| base.join("roster"))
        .unwrap_or_else(|| PathBuf::from("roster-data"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROSTER_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Login(args) => login(args).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "roster", &mut std::io::stdout());
            Ok(())
        }
        Command::Users { command } => {
            let client = client::Client::connect().await?;
            match command {
                UsersCommand::Create {
                    user_principal_name,
                    display_name,
                    properties,
                    password,
                } => {
                    commands::users_create(
                        &client,
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
                } => {
                    commands::users_update(&client, &user, display_name.as_deref(), &properties)
                        .await
                }
                UsersCommand::Delete { user } => commands::users_delete(&client, &user).await,
                UsersCommand::Restore { id } => commands::users_restore(&client, &id).await,
                UsersCommand::List {
                    filter,
                    select,
                    top,
                    output,
                } => commands::users_list(&client, filter.as_deref(), &select, top, output).await,
            }
        }
        Command::Import {
            command:
                ImportCommand::Users {
                    file,
                    usage_location,
                    license,
                    group,
                    results,
                    dry_run,
                },
        } => {
            let client = if dry_run {
                None
            } else {
                Some(client::Client::connect().await?)
            };
            let options = commands::ImportOptions {
                usage_location,
                licenses: license,
                groups: group,
                results,
            };
            let ok = match &client {
                Some(client) => commands::import_users(client, &file, options).await?,
                None => commands::check_users_file(&file)?,
            };
            if !ok {
                // Some rows failed: scripts can tell from the exit code; the results file says which.
                std::process::exit(3);
            }
            Ok(())
        }
        Command::Export {
            command: ExportCommand::Users { file, filter },
        } => {
            let client = client::Client::connect().await?;
            let count = commands::export_users(&client, filter.as_deref(), &file).await?;
            eprintln!("{count} users written to {}", file.display());
            Ok(())
        }
        Command::Jobs { command } => {
            let client = client::Client::connect().await?;
            match command {
                JobsCommand::List { output } => commands::jobs_list(&client, output).await,
                JobsCommand::Show { id, output } => commands::jobs_show(&client, &id, output).await,
            }
        }
    }
}

async fn login(args: LoginArgs) -> anyhow::Result<()> {
    let server = client::Server {
        url: args.url.trim_end_matches('/').to_string(),
        ca_cert: args.ca_cert,
    };
    let token = match (args.username, args.client_id) {
        (Some(username), None) => {
            let password = match std::env::var("ROSTER_PASSWORD") {
                Ok(password) if !password.is_empty() => password,
                _ => {
                    let mut line = String::new();
                    eprint!("password for {username}: ");
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let tenant = args
                .tenant
                .or_else(|| {
                    username
                        .split_once('@')
                        .map(|(_, domain)| domain.to_string())
                })
                .context("--username must be a user principal name (alias@domain)")?;
            client::request_token(
                &server,
                &tenant,
                &[
                    ("grant_type", "password"),
                    ("username", &username),
                    ("password", &password),
                ],
            )
            .await?
        }
        (None, Some(client_id)) => {
            let secret = args
                .client_secret
                .context("--client-secret (or ROSTER_CLIENT_SECRET) is needed with --client-id")?;
            let tenant = args
                .tenant
                .context("--tenant (or ROSTER_TENANT) is needed with --client-id")?;
            client::request_token(
                &server,
                &tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                    ("client_secret", &secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
            )
            .await?
        }
        _ => anyhow::bail!("give --username (an administrator) or --client-id (an app)"),
    };
    let path = client::save_credentials(&server, &token)?;
    eprintln!(
        "signed in to {}; token kept in {} (valid for an hour)",
        server.url,
        path.display()
    );
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let tls = match (args.tls_cert, args.tls_key, args.tls) {
        (Some(cert), Some(key), _) => Tls::Files { cert, key },
        (_, _, true) => Tls::SelfSigned,
        _ => Tls::Off,
    };
    let config = Config {
        listen: args.listen,
        data_dir: args.data_dir,
        database_url: args.database_url,
        domain: args.domain,
        tenant_name: args.tenant_name,
        demo_users: args.demo.then_some(args.demo_users),
        tls,
        public_url: args.public_url,
        run_jobs: true,
        jobs: roster_server::jobs::WorkerSettings {
            lease: chrono::Duration::seconds(args.job_lease_seconds.max(1)),
            batch_rows: args.job_batch_rows.max(1),
        },
        bootstrap: BootstrapCredentials {
            admin: env("ROSTER_BOOTSTRAP_ADMIN"),
            password: env("ROSTER_BOOTSTRAP_PASSWORD"),
            client_id: env("ROSTER_BOOTSTRAP_CLIENT_ID"),
            client_secret: env("ROSTER_BOOTSTRAP_CLIENT_SECRET"),
        },
    };
    let application = Application::build(config)
        .await
        .context("starting roster")?;
    let scheme = if application.certificate_path.is_some() {
        "https"
    } else {
        "http"
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "roster is listening on {scheme}://{}",
        application.local_addr()
    )?;
    if let Some(path) = &application.certificate_path {
        writeln!(out, "certificate: {}", path.display())?;
    }
    // The credentials are printed once, to the terminal, and never logged.
    if let Some(report) = &application.bootstrap {
        writeln!(
            out,
            "\nA new tenant was created. These credentials are shown only now:"
        )?;
        writeln!(out, "  tenant id:        {}", report.tenant_id)?;
        writeln!(out, "  domain:           {}", report.domain)?;
        writeln!(out, "  administrator:    {}", report.admin_upn)?;
        writeln!(out, "  password:         {}", report.admin_password)?;
        writeln!(out, "  app client id:    {}", report.client_id)?;
        writeln!(out, "  app client secret: {}", report.client_secret)?;
    }
    out.flush()?;
    drop(out);
    tokio::select! {
        result = application.run_until_stopped() => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
