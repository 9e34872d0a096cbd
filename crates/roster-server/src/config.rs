//! How a server is set up: where it listens and keeps its data, which database, https, the
//! limits on connections and request bodies, and the background work it runs.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::bootstrap::BootstrapCredentials;
use crate::domain_verification::DomainVerification;
use crate::{connections, jobs};

/// The largest request body the server takes, except bulk jobs' (`upload::MAX_JOB_BYTES`).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub enum Tls {
    Off,
    /// A self-signed certificate, generated once into the data directory.
    SelfSigned,
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; the embedded SQLite file in `data_dir` otherwise.
    pub database_url: Option<String>,
    pub domain: String,
    pub tenant_name: String,
    /// Seed a demo organisation of this many users on first start.
    pub demo_users: Option<usize>,
    pub tls: Tls,
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For`, `-Host` and `-Proto` headers are believed
    /// (`--trusted-proxy`); from anyone else they are ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub bootstrap: BootstrapCredentials,
    /// Run bulk jobs in the background (tests turn it off and drain jobs themselves).
    pub run_jobs: bool,
    /// Connections open at once (`--max-connections`); more are closed as they arrive.
    pub max_connections: usize,
    /// Connections open at once from one address but a trusted proxy.
    pub max_connections_per_address: usize,
    pub jobs: jobs::WorkerSettings,
    /// How added domains are verified (`--dns-server`, `--trust-domains`).
    pub domain_verification: DomainVerification,
}

impl Config {
    pub fn new(data_dir: PathBuf) -> Config {
        Config {
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            data_dir,
            database_url: None,
            domain: "contoso.example".into(),
            tenant_name: "Contoso".into(),
            demo_users: None,
            tls: Tls::Off,
            public_url: None,
            trusted_proxies: Vec::new(),
            bootstrap: BootstrapCredentials::default(),
            run_jobs: true,
            max_connections: connections::MAX_CONNECTIONS,
            max_connections_per_address: connections::MAX_CONNECTIONS_PER_ADDRESS,
            jobs: jobs::WorkerSettings::default(),
            domain_verification: DomainVerification::default(),
        }
    }
}
