//! Black-box test support: [`spawn_app`] starts a real roster server on a free port with a
//! fresh database, and [`TestApp`] talks to it as a client would.
//!
//! The store is chosen by the environment, so that one suite runs on both:
//! - `ROSTER_TEST_DATABASE=sqlite` (the default): a temporary SQLite file per test;
//! - `ROSTER_TEST_DATABASE=postgres`: a new database per test on the server at
//!   `ROSTER_TEST_POSTGRES_URL` (for example `postgres://postgres@127.0.0.1:5433/postgres`).
//!   Asking for PostgreSQL without a reachable server fails the test; it never falls back.

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use roster_server::{Application, BootstrapCredentials, Config, Tls};
use serde_json::Value as Json;

pub const DOMAIN: &str = "contoso.example";
pub const ADMIN_UPN: &str = "admin@contoso.example";
pub const ADMIN_PASSWORD: &str = "Adm1n-Passw0rd!";
pub const CLIENT_SECRET: &str = "test-client-secret-0123456789abcdef";

pub struct TestApp {
    /// `http://127.0.0.1:PORT` (or https).
    pub address: String,
    pub client: reqwest::Client,
    pub tenant_id: String,
    pub client_id: String,
    /// A token of the bootstrap app, which holds every application permission.
    pub app_token: String,
    pub certificate: Option<PathBuf>,
    /// The server's bulk-job worker; tests run jobs with [`TestApp::drain_jobs`].
    pub worker: std::sync::Arc<roster_server::jobs::Worker>,
    pub data_dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

#[derive(Default, Clone)]
pub struct Options {
    pub tls: bool,
    pub demo_users: Option<usize>,
    /// Run bulk jobs in the background as a deployed server does (for tests of clients that
    /// wait for a job); otherwise tests run them with [`TestApp::drain_jobs`].
    pub background_jobs: bool,
    /// Proxies whose `X-Forwarded-*` headers the server believes (`--trusted-proxy`).
    pub trusted_proxies: Vec<String>,
    /// Connections open at once (`--max-connections`); the server's default when `None`.
    pub max_connections: Option<usize>,
    /// Connections open at once from one address; the server's default when `None`.
    pub max_connections_per_address: Option<usize>,
    /// Verify domains at this DNS server; without it a test server, offline, verifies them on
    /// the administrator's word (`--trust-domains`).
    pub dns_server: Option<std::net::SocketAddr>,
}

/// Starts a server with a new tenant (domain `contoso.example`, Global Administrator
/// `admin@contoso.example`) and an app token.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let database_url = test_database().await;
    let client_id = uuid::Uuid::new_v4().to_string();
    let mut config = Config::new(data_dir.path().to_path_buf());
    config.run_jobs = options.background_jobs;
    config.listen = "127.0.0.1:0".parse().expect("address");
    config.database_url = database_url.clone();
    config.demo_users = options.demo_users;
    config.trusted_proxies = options
        .trusted_proxies
        .iter()
        .map(|net| net.parse().expect("a CIDR range"))
        .collect();
    if let Some(max) = options.max_connections {
        config.max_connections = max;
    }
    if let Some(max) = options.max_connections_per_address {
        config.max_connections_per_address = max;
    }
    config.domain_verification = match options.dns_server {
        Some(server) => roster_server::DomainVerification::DnsAt(server),
        None => roster_server::DomainVerification::Trust,
    };
    config.tls = if options.tls {
        Tls::SelfSigned
    } else {
        Tls::Off
    };
    config.bootstrap = BootstrapCredentials {
        admin: Some(ADMIN_UPN.into()),
        password: Some(ADMIN_PASSWORD.into()),
        client_id: Some(client_id.clone()),
        client_secret: Some(CLIENT_SECRET.into()),
    };
    let application = Application::build(config).await.expect("server starts");
    let report = application
        .bootstrap
        .clone()
        .expect("a new database bootstraps");
    let scheme = if options.tls { "https" } else { "http" };
    let address = format!("{scheme}://127.0.0.1:{}", application.port());
    let certificate = application.certificate_path.clone();
    let worker = application.worker.clone();
    tokio::spawn(application.run_until_stopped());
    let mut builder = reqwest::Client::builder();
    if let Some(path) = &certificate {
        let pem = std::fs::read(path).expect("certificate file");
        builder = builder
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem certificate"));
    }
    let client = builder.build().expect("http client");
    let mut app = TestApp {
        address,
        client,
        tenant_id: report.tenant_id.to_string(),
        client_id,
        app_token: String::new(),
        certificate,
        worker,
        data_dir,
        database_url,
    };
    app.app_token = app
        .client_credentials_token(&app.client_id.clone(), CLIENT_SECRET)
        .await
        .expect("app token");
    app
}

/// A fresh PostgreSQL database when the environment asks for one, else `None` (SQLite).
pub async fn test_database() -> Option<String> {
    let backend = std::env::var("ROSTER_TEST_DATABASE").unwrap_or_else(|_| "sqlite".into());
    match backend.as_str() {
        "sqlite" => None,
        "postgres" => {
            let admin_url = std::env::var("ROSTER_TEST_POSTGRES_URL")
                .expect("ROSTER_TEST_DATABASE=postgres needs ROSTER_TEST_POSTGRES_URL");
            // Named for the test process, so that a later run can drop what a finished one left
            // (a cluster kept between runs would otherwise fill the disk).
            let name = format!(
                "roster_test_{}_{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            );
            let create = format!("CREATE DATABASE {name}");
            let url = admin_url.clone();
            tokio::task::spawn_blocking(move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)
                    .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {url}: {error:?}"));
                drop_finished_runs(&mut client);
                client
                    .batch_execute(&create)
                    .unwrap_or_else(|error| panic!("creating a test database: {error:?}"));
            })
            .await
            .expect("postgres setup");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(base, _)| base);
            Some(format!("{base}/{name}"))
        }
        other => panic!("ROSTER_TEST_DATABASE must be sqlite or postgres, not {other}"),
    }
}

/// Drops the test databases of test processes that have ended (once per process).
fn drop_finished_runs(client: &mut postgres::Client) {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        let Ok(rows) = client.query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'roster\\_test\\_%'",
            &[],
        ) else {
            return;
        };
        for row in rows {
            let name: String = row.get(0);
            let pid = name
                .strip_prefix("roster_test_")
                .and_then(|rest| rest.split('_').next())
                .and_then(|pid| pid.parse::<u32>().ok());
            let ended = pid.is_some_and(|pid| {
                pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
            // Only names this kit makes (letters, digits, underscores): safe to name in SQL.
            if ended && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                let _ =
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    });
}

/// A response's status and JSON body (`null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Json,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The Graph error code of an error reply.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn client_credentials_token(
        &self,
        client_id: &str,
        secret: &str,
    ) -> Result<String, Reply> {
        self.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .await
    }

    pub async fn password_token(&self, username: &str, password: &str) -> Result<String, Reply> {
        self.token(&[
            ("grant_type", "password"),
            // roster's CLI: the user's own token, with what the user's roles allow.
            ("client_id", "5b9c74be-219b-42ae-aefa-9b04e39786af"),
            ("username", username),
            ("password", password),
        ])
        .await
    }

    async fn token(&self, form: &[(&str, &str)]) -> Result<String, Reply> {
        let response = self
            .client
            .post(self.url(&format!("/{DOMAIN}/oauth2/v2.0/token")))
            .form(form)
            .send()
            .await
            .expect("token request");
        let reply = to_reply(response).await;
        match reply.body["access_token"].as_str() {
            Some(token) if reply.status.is_success() => Ok(token.to_string()),
            _ => Err(reply),
        }
    }

    /// A request with `token`; `path` starts with `/v1.0` or is absolute (a next link).
    fn request(&self, token: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            self.url(path)
        };
        self.client.request(method, url).bearer_auth(token)
    }

    /// Sends a request with `token` and returns the reply; `path` starts with `/v1.0` or is absolute.
    pub async fn call(&self, token: &str, method: Method, path: &str, body: Option<Json>) -> Reply {
        let mut request = self.request(token, method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        to_reply(request.send().await.expect("request sent")).await
    }

    /// Starts another server on this one's database, as when several roster servers share one
    /// PostgreSQL database; returns its address. Tokens of either server work on both.
    pub async fn spawn_peer(&self) -> String {
        let mut config = Config::new(self.data_dir.path().to_path_buf());
        config.listen = "127.0.0.1:0".parse().expect("address");
        config.database_url = self.database_url.clone();
        config.run_jobs = false;
        if self.certificate.is_some() {
            config.tls = Tls::SelfSigned;
        }
        let peer = Application::build(config).await.expect("peer starts");
        assert!(
            peer.bootstrap.is_none(),
            "the peer finds the existing tenant"
        );
        let address = format!(
            "{}://127.0.0.1:{}",
            if self.certificate.is_some() {
                "https"
            } else {
                "http"
            },
            peer.port()
        );
        tokio::spawn(peer.run_until_stopped());
        address
    }

    /// Whether `needle` can be read from the stored data without the server's key: anywhere in
    /// the embedded store's files, or in PostgreSQL's job tables and audit log.
    pub async fn database_holds(&self, needle: &str) -> bool {
        let Some(url) = self.database_url.clone() else {
            let mut found = false;
            for entry in std::fs::read_dir(self.data_dir.path()).expect("data directory") {
                let path = entry.expect("entry").path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).expect("a data file");
                    found |= bytes
                        .windows(needle.len())
                        .any(|window| window == needle.as_bytes());
                }
            }
            return found;
        };
        let pattern = format!("%{needle}%");
        tokio::task::spawn_blocking(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("postgres");
            [
                "SELECT count(*) FROM job_batch_outcomes WHERE outputs LIKE $1",
                "SELECT count(*) FROM job_batches WHERE rows LIKE $1",
                "SELECT count(*) FROM audit_log WHERE after_json LIKE $1 OR before_json LIKE $1",
            ]
            .iter()
            .any(|sql| {
                let row = client.query_one(*sql, &[&pattern]).expect("query");
                row.get::<_, i64>(0) > 0
            })
        })
        .await
        .expect("postgres check")
    }

    /// The server's store, for a test that plays a front-end calling it directly.
    pub fn store(&self) -> roster_store::Store {
        self.worker.store().clone()
    }

    /// Runs every waiting bulk job to its end, as the background worker would.
    pub async fn drain_jobs(&self) {
        let worker = self.worker.clone();
        tokio::task::spawn_blocking(move || while worker.run_once().expect("job worker") {})
            .await
            .expect("job worker thread");
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(&self.app_token, Method::GET, path, None).await
    }

    /// A GET with `ConsistencyLevel: eventual`, which Graph's `$count` and `$search` need;
    /// `path` starts with `/v1.0` or is absolute (a next link).
    pub async fn get_eventual(&self, path: &str) -> Reply {
        let request = self
            .request(&self.app_token, Method::GET, path)
            .header("ConsistencyLevel", "eventual");
        to_reply(request.send().await.expect("request sent")).await
    }

    pub async fn post(&self, path: &str, body: Json) -> Reply {
        self.call(&self.app_token, Method::POST, path, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Json) -> Reply {
        self.call(&self.app_token, Method::PATCH, path, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(&self.app_token, Method::DELETE, path, None).await
    }

    /// Creates a user with a generated password and returns its JSON (with `passwordProfile.password`).
    pub async fn create_user(&self, alias: &str, extra: Json) -> Json {
        let mut body = serde_json::json!({
            "accountEnabled": true,
            "displayName": alias,
            "mailNickname": alias,
            "userPrincipalName": format!("{alias}@{DOMAIN}"),
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                body.insert(key.clone(), value.clone());
            }
        }
        let reply = self.post("/v1.0/users", body).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "creating {alias}: {:?}",
            reply.body
        );
        reply.body
    }

    /// Adds a domain to the tenant and verifies it (on the administrator's word: a test server
    /// has no DNS).
    pub async fn add_domain(&self, name: &str) {
        let added = self
            .post("/roster/v1/domains", serde_json::json!({ "id": name }))
            .await;
        assert_eq!(
            added.status,
            StatusCode::CREATED,
            "adding {name}: {:?}",
            added.body
        );
        let verified = self
            .post(
                &format!("/roster/v1/domains/{name}/verify"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(
            verified.status,
            StatusCode::OK,
            "verifying {name}: {:?}",
            verified.body
        );
    }

    /// Creates a security group (no mail) and returns its id; its mail nickname is its name
    /// without what a nickname may not hold.
    pub async fn create_group(&self, name: &str) -> String {
        let nickname: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let reply = self
            .post(
                "/v1.0/groups",
                serde_json::json!({ "displayName": name, "mailNickname": nickname, "mailEnabled": false, "securityEnabled": true }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "creating {name}: {:?}",
            reply.body
        );
        reply.body["id"].as_str().expect("a group id").to_string()
    }

    /// Creates a dynamic security group whose members `rule` decides (its processing on) and
    /// returns its id.
    pub async fn create_dynamic_group(&self, name: &str, rule: &str) -> String {
        let nickname: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let reply = self
            .post(
                "/v1.0/groups",
                serde_json::json!({
                    "displayName": name, "mailNickname": nickname, "mailEnabled": false,
                    "securityEnabled": true, "groupTypes": ["DynamicMembership"],
                    "membershipRule": rule, "membershipRuleProcessingState": "On",
                }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "creating {name}: {:?}",
            reply.body
        );
        reply.body["id"].as_str().expect("a group id").to_string()
    }

    /// Adds a user or group to a group's members.
    pub async fn add_member(&self, group: &str, member: &str) {
        let reply = self
            .post(
                &format!("/v1.0/groups/{group}/members/$ref"),
                serde_json::json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{member}") }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NO_CONTENT,
            "adding {member} to {group}: {:?}",
            reply.body
        );
    }

    /// Buys seats of a SKU through roster's own API; returns its skuId.
    pub async fn buy(&self, sku_part_number: &str, seats: i64) -> String {
        let reply = self
            .post(
                "/roster/v1/subscriptions",
                serde_json::json!({ "skuPartNumber": sku_part_number, "seats": seats }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "buying {sku_part_number}: {:?}",
            reply.body
        );
        reply.body["skuId"].as_str().expect("skuId").to_string()
    }
}

async fn to_reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("response body");
    let body = if bytes.is_empty() {
        Json::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply {
        status,
        body,
        headers,
    }
}
