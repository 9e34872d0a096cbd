//! roster's HTTP server: the Graph-compatible API at `/v1.0`, roster's own API at
//! `/roster/v1`, OAuth 2.0 at Entra ID's paths, and the server's life cycle.
//!
//! [`Application::build`] opens the store, brings it up to date, bootstraps a new tenant and
//! binds the listener; [`Application::run_until_stopped`] serves until the process is stopped.

pub mod admin;
pub mod bootstrap;
pub mod bulk;
pub mod center;
mod config;
mod connections;
mod domain_verification;
pub mod domains;
pub mod error;
pub mod files;
pub mod graph;
pub mod identity;
pub mod jobs;
mod paging;
pub mod state;
mod tls;
pub mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use roster_store::Store;

pub use bootstrap::{BootstrapCredentials, BootstrapReport};
pub use config::{BODY_LIMIT, Config, Tls};
pub use domain_verification::DomainVerification;
pub use ipnet::IpNet;
use state::{AppState, Scheme};

pub struct Application {
    listener: std::net::TcpListener,
    router: Arc<Router>,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    store: Store,
    keys: Arc<identity::keys::Keys>,
    /// Set on the first start of a new database: the credentials to show once.
    pub bootstrap: Option<BootstrapReport>,
    /// The certificate clients must trust, when serving https.
    pub certificate_path: Option<PathBuf>,
    /// The bulk-job worker; it runs in the background when `Config::run_jobs` is set.
    pub worker: Arc<jobs::Worker>,
    job_wake: Option<Arc<tokio::sync::Notify>>,
    max_connections: usize,
    max_connections_per_address: usize,
    trusted_proxies: Vec<ipnet::IpNet>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        // ring is the one crypto provider compiled in; rustls needs to be told.
        let _ = rustls::crypto::ring::default_provider().install_default();
        files::secure_data_dir(&config.data_dir)?;
        let store = {
            let url = config.database_url.clone();
            let path = config.data_dir.join("roster.db");
            tokio::task::spawn_blocking(move || match url {
                Some(url) => Store::open_postgres(&url).context("opening the PostgreSQL database"),
                None => {
                    files::create_private(&path)?;
                    Store::open_sqlite(&path).with_context(|| format!("opening {}", path.display()))
                }
            })
            .await??
        };
        let keys = {
            let store = store.clone();
            Arc::new(
                tokio::task::spawn_blocking(move || identity::keys::Keys::load(&store)).await??,
            )
        };
        {
            let (store, keys) = (store.clone(), keys.clone());
            let sealed =
                tokio::task::spawn_blocking(move || jobs::seal_plain_outputs(&store, &keys))
                    .await??;
            if sealed > 0 {
                tracing::warn!(
                    sealed,
                    "sealed generated passwords that an older roster kept in plain text"
                );
            }
        }
        let report = {
            let (store, keys, config) = (store.clone(), keys.clone(), config.clone());
            tokio::task::spawn_blocking(move || -> anyhow::Result<Option<BootstrapReport>> {
                let report = bootstrap::bootstrap(
                    &store,
                    &keys,
                    &config.tenant_name,
                    &config.domain,
                    &config.bootstrap,
                )?;
                if let (Some(report), Some(n_users)) = (&report, config.demo_users) {
                    bootstrap::seed_demo(&store, &keys, report.tenant_id, &report.domain, n_users)?;
                }
                Ok(report)
            })
            .await??
        };

        let (tls, certificate_path) = tls::configure(&config).await?;
        let listener = std::net::TcpListener::bind(config.listen)
            .with_context(|| format!("listening on {}", config.listen))?;
        listener.set_nonblocking(true)?;
        let scheme = Scheme(if tls.is_some() { "https" } else { "http" });
        let issuer_base = issuer_base(&config, scheme, listener.local_addr()?);
        let job_wake = Arc::new(tokio::sync::Notify::new());
        let worker = Arc::new(jobs::Worker::new(store.clone(), keys.clone(), config.jobs));
        let state = AppState {
            store: store.clone(),
            job_wake: job_wake.clone(),
            job_batch_rows: config.jobs.batch_rows,
            uploads: Arc::new(tokio::sync::Semaphore::new(upload::CONCURRENT_UPLOADS)),
            domain_verification: config.domain_verification.clone(),
            keys: keys.clone(),
            public_url: config.public_url.clone(),
            issuer_base: issuer_base.into(),
            router: Arc::new(OnceLock::new()),
            hasher: identity::hashing::Hasher::start(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        };
        let router = app_router(
            state.clone(),
            scheme,
            Arc::new(config.trusted_proxies.clone()),
        );
        let router = Arc::new(router);
        let _ = state.router.set(Arc::downgrade(&router));
        Ok(Application {
            listener,
            router,
            tls,
            store,
            keys,
            bootstrap: report,
            certificate_path,
            worker,
            job_wake: config.run_jobs.then_some(job_wake),
            max_connections: connections::fit_open_files(config.max_connections),
            max_connections_per_address: config.max_connections_per_address,
            trusted_proxies: config.trusted_proxies.clone(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tokio::spawn(purge_recycle_bin(self.store.clone(), self.keys.clone()));
        if let Some(wake) = self.job_wake {
            tokio::spawn(jobs::run_worker(self.worker.clone(), wake));
        }
        // The one strong link to the router lives as long as the server runs.
        let router = self.router;
        let service = Router::clone(&router).into_make_service_with_connect_info::<SocketAddr>();
        let server = axum_server::from_tcp(self.listener)?;
        let plain = axum_server::accept::DefaultAcceptor::new();
        let limits = (
            self.max_connections,
            self.max_connections_per_address,
            self.trusted_proxies.clone(),
        );
        match self.tls {
            Some(tls) => {
                let tls = axum_server::tls_rustls::RustlsAcceptor::new(tls).acceptor(plain);
                let acceptor = connections::Limited::new(tls, limits.0, limits.1, limits.2);
                with_timeouts(server.acceptor(acceptor))
                    .serve(service)
                    .await?
            }
            None => {
                let acceptor = connections::Limited::new(plain, limits.0, limits.1, limits.2);
                with_timeouts(server.acceptor(acceptor))
                    .serve(service)
                    .await?
            }
        }
        Ok(())
    }
}

/// A server whose connections must send each request's header in time
/// (`connections::HEADER_TIMEOUT`).
fn with_timeouts<A: axum_server::Address, Acc>(
    mut server: axum_server::Server<A, Acc>,
) -> axum_server::Server<A, Acc> {
    // HTTP/1.1 only (the TLS configuration offers only it too): an HTTP/2 connection that has
    // asked once may stay open and idle for ever.
    let builder = server.http_builder();
    let http1_only = std::mem::replace(
        builder,
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new()),
    )
    .http1_only();
    *builder = http1_only;
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(connections::HEADER_TIMEOUT);
    server.first_request_timeout(connections::HEADER_TIMEOUT)
}

/// The scheme and host of the tokens' issuer: the public URL, else the listener's address
/// (`localhost` for a listener on every interface), never a request's headers.
fn issuer_base(config: &Config, scheme: Scheme, listening: SocketAddr) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = match listening.ip() {
        ip if ip.is_unspecified() => {
            tracing::warn!(
                "listening on every interface without --public-url: tokens name http(s)://localhost:{} as their issuer; set --public-url to the address clients use",
                listening.port()
            );
            format!("localhost:{}", listening.port())
        }
        _ => listening.to_string(),
    };
    format!("{}://{host}", scheme.0)
}

/// Every router of the server, with the layers every request passes.
fn app_router(state: AppState, scheme: Scheme, trusted_proxies: Arc<Vec<ipnet::IpNet>>) -> Router {
    Router::new()
        .nest("/v1.0", graph::router())
        .nest("/roster/v1", admin::router().merge(jobs::router()))
        .merge(identity::oauth::router())
        .merge(center::router(state.clone()))
        .fallback(not_found)
        .layer(middleware::from_fn(survive_panics))
        .layer(middleware::from_fn(connections::deadline))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(
            move |mut request: Request, next: Next| {
                let connection = request
                    .extensions()
                    .get::<axum::extract::ConnectInfo<SocketAddr>>()
                    .map(|info| info.0.ip());
                // A `$batch` item's request carries its batch's peer already.
                if request.extensions().get::<state::Peer>().is_none() {
                    let peer = state::Peer::of(connection, request.headers(), &trusted_proxies);
                    request.extensions_mut().insert(peer);
                }
                request.extensions_mut().insert(scheme);
                request_scope(request, next)
            },
        ))
        .with_state(state)
}

/// Whether a path is the API's (Graph, roster's own, OAuth), whose answers are always JSON.
fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1.0")
        || path.starts_with("/roster/")
        || path.contains("/oauth2/")
        || path.contains("/discovery/")
}

/// A path nothing serves: Graph's error for the API's paths and for clients of JSON, the admin
/// center's "not found" page for a browser.
async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    if !is_api_path(uri.path())
        && let Some(page) = center::unknown_path(&headers)
    {
        return page;
    }
    let error = error::ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "BadRequest",
        "Resource not found for the segment: roster does not serve this path.",
    );
    axum::response::IntoResponse::into_response(error)
}

/// A handler that panics answers 500 instead of dropping the connection: Graph's error for the
/// API and JSON clients, the admin center's error page in its language for a browser, each with
/// the request's id. The panic itself is logged (with the request id); its text is not shown.
/// (Writes are rolled back: the store's transactions end with their closures, panicking or not.)
async fn survive_panics(request: Request, next: Next) -> Response {
    use futures::FutureExt;
    let browser = if is_api_path(request.uri().path()) {
        None
    } else {
        center::browser_language(request.headers())
    };
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let error = error::ApiError::internal(format!("a handler panicked: {what}"));
            match browser {
                Some(lang) => center::bare_error_page(
                    lang,
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    &center::worded(lang, error),
                ),
                None => axum::response::IntoResponse::into_response(error),
            }
        }
    }
}

/// Gives each request an id (the client's `client-request-id` when it sends one), makes it
/// available to error bodies and logs, and echoes it as Graph does.
async fn request_scope(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let mut response = error::REQUEST_ID
        .scope(request_id.clone(), next.run(request))
        .await;
    if let Ok(value) = request_id.parse() {
        response.headers_mut().insert("request-id", value);
    }
    tracing::debug!(%method, %path, status = response.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, %request_id, "request");
    response
}

/// Hourly upkeep: purges users and groups deleted more than 30 days ago, queues the dynamic
/// groups whose rules read the time, forgets uncollected generated passwords, expired codes
/// and refresh tokens, and rotates the token signing keys.
async fn purge_recycle_bin(store: Store, keys: Arc<identity::keys::Keys>) {
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        interval.tick().await;
        {
            let (store, keys) = (store.clone(), keys.clone());
            match tokio::task::spawn_blocking(move || keys.rotate(&store, chrono::Utc::now())).await
            {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!("rotating the signing keys failed: {error}"),
                Err(error) => tracing::warn!("rotating the signing keys panicked: {error}"),
            }
        }
        let store = store.clone();
        let result = tokio::task::spawn_blocking(move || -> roster_store::Result<usize> {
            let mut purged = 0;
            for tenant in store.tenants()? {
                purged += store.purge_expired_users(tenant.id)?;
                purged += store.purge_expired_groups(tenant.id)?;
                // Rules that read the time take in other users as it passes.
                store.queue_dynamic_groups(&roster_store::Change::system(tenant.id), true)?;
            }
            let now = chrono::Utc::now();
            // Generated passwords nobody collected are not kept past a day.
            store.forget_job_outputs_before(now - chrono::Duration::days(1))?;
            // Uploads a crash cut short; sign-in failures forgiven after a quiet day, addresses
            // not signed in from for 90 days unfamiliar again, and the sign-in log kept as long
            // as each tenant keeps it (30 days unless set, as Entra keeps it).
            store.drop_staged_jobs_before(now - chrono::Duration::hours(1))?;
            store.forget_sign_ins(
                now - chrono::Duration::days(1),
                now - chrono::Duration::days(90),
                now,
            )?;
            // Codes a day after they expired; refresh tokens at their end.
            store.forget_expired_grants(now - chrono::Duration::days(1), now)?;
            // Device requests a day after they expired (a redeemed one polled again till then
            // is known for a replay).
            store.forget_expired_device_codes(now - chrono::Duration::days(1))?;
            Ok(purged)
        })
        .await;
        match result {
            Ok(Ok(0)) => {}
            Ok(Ok(purged)) => tracing::info!(purged, "purged expired users from the recycle bin"),
            Ok(Err(error)) => tracing::warn!("purging the recycle bin failed: {error}"),
            Err(error) => tracing::warn!("purging the recycle bin panicked: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    /// Routes that panic, behind the layers every request passes.
    fn panicking() -> Router {
        async fn boom() -> Response {
            panic!("boom")
        }
        Router::new()
            .route("/v1.0/me", axum::routing::get(boom))
            .route("/users", axum::routing::get(boom))
            .layer(middleware::from_fn(survive_panics))
            .layer(middleware::from_fn(request_scope))
    }

    async fn call(
        path: &str,
        headers: &[(&str, &str)],
    ) -> (axum::http::StatusCode, String, String) {
        let mut request = axum::http::Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = panicking()
            .oneshot(request.body(axum::body::Body::empty()).unwrap())
            .await
            .expect("an answer, not a dropped connection");
        let status = response.status();
        let request_id = response.headers()["request-id"]
            .to_str()
            .unwrap()
            .to_string();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            request_id,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_the_clients_terms() {
        // An API client: Graph's error, with the request's id, and nothing of the panic.
        let (status, id, body) = call("/v1.0/me", &[("client-request-id", "abc-123")]).await;
        assert_eq!(status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(id, "abc-123");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], "InternalServerError", "{body}");
        assert!(!body.contains("boom"), "{body}");

        // An API path stays JSON even for a browser.
        let (_, _, body) = call("/v1.0/me", &[("accept", "text/html")]).await;
        assert!(body.starts_with('{'), "{body}");

        // A browser on the admin center: the error page in its language, quoting the request.
        let (status, id, body) = call(
            "/users",
            &[
                ("accept", "text/html"),
                ("accept-language", "nl-NL,nl;q=0.9"),
            ],
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("<html lang=\"nl\""), "{body}");
        assert!(
            body.contains(&format!("Noem aanvraag {id} aan uw beheerder")),
            "{body}"
        );
        assert!(!body.contains("boom"), "{body}");
    }
}
