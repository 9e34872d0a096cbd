//! `roster serve`: the server itself, on the embedded store by default, with its settings from
//! flags and `ROSTER_*` variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use roster_server::{Application, BootstrapCredentials, Config, Tls};
use std::io::Write;

#[derive(Args)]
pub struct ServeArgs {
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
    /// A proxy (address or CIDR range) whose X-Forwarded-For, -Host and -Proto headers are
    /// believed; repeat for several. From anyone else those headers are ignored.
    #[arg(long = "trusted-proxy", value_name = "CIDR", env = "ROSTER_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    trusted_proxies: Vec<roster_server::IpNet>,
    /// Connections open at once; more are closed as they arrive (the limit of open files is
    /// raised to allow them).
    #[arg(long, default_value_t = 10_000, env = "ROSTER_MAX_CONNECTIONS")]
    max_connections: usize,
    /// Connections open at once from one address (a trusted proxy excepted).
    #[arg(
        long,
        default_value_t = 256,
        env = "ROSTER_MAX_CONNECTIONS_PER_ADDRESS"
    )]
    max_connections_per_address: usize,
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
        default_value_t = 2000,
        env = "ROSTER_JOB_BATCH_ROWS",
        hide = true
    )]
    job_batch_rows: usize,
    /// Verify added domains on the administrator's word, without looking up their DNS TXT
    /// record: for a test server without DNS. Never on a server others' domains could be
    /// claimed on.
    #[arg(long, env = "ROSTER_TRUST_DOMAINS")]
    trust_domains: bool,
    /// The DNS server (address:port) that domains' TXT records are looked up at, instead of
    /// the system's resolvers.
    #[arg(
        long,
        value_name = "ADDRESS:PORT",
        env = "ROSTER_DNS_SERVER",
        conflicts_with = "trust_domains"
    )]
    dns_server: Option<std::net::SocketAddr>,
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .map(|base| base.join("roster"))
        .unwrap_or_else(|| PathBuf::from("roster-data"))
}

/// A trusted proxy: a CIDR range, or one address.
fn parse_cidr(text: &str) -> Result<roster_server::IpNet, String> {
    text.parse::<roster_server::IpNet>()
        .or_else(|_| {
            text.parse::<std::net::IpAddr>()
                .map(roster_server::IpNet::from)
        })
        .map_err(|_| format!("'{text}' is neither an address nor a CIDR range such as 10.0.0.0/8"))
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
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
        trusted_proxies: args.trusted_proxies,
        max_connections: args.max_connections,
        max_connections_per_address: args.max_connections_per_address,
        run_jobs: true,
        domain_verification: match (args.trust_domains, args.dns_server) {
            (true, _) => roster_server::DomainVerification::Trust,
            (false, Some(server)) => roster_server::DomainVerification::DnsAt(server),
            (false, None) => roster_server::DomainVerification::Dns,
        },
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
        let supplied = "(as supplied in the environment)".to_string();
        let password = report.admin_password.as_ref().unwrap_or(&supplied);
        let secret = report.client_secret.as_ref().unwrap_or(&supplied);
        writeln!(out, "  password:         {password}")?;
        writeln!(out, "  app client id:    {}", report.client_id)?;
        writeln!(out, "  app client secret: {secret}")?;
    }
    out.flush()?;
    drop(out);
    tokio::select! {
        result = application.run_until_stopped() => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
