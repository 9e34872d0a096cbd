//! What every handler shares, and small helpers that handlers use alike.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::http::request::Parts;
use roster_store::Store;

use crate::auth::Keys;
use crate::error::{ApiError, ApiResult};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub keys: Arc<Keys>,
    /// `https://roster.example.com` when configured: the scheme and host for links.
    pub public_url: Option<String>,
    /// The whole router, for `$batch` to send its requests through.
    pub router: Arc<OnceLock<Router>>,
    /// The Argon2id threads, one per core.
    pub hasher: crate::hashing::Hasher,
    /// Wakes the bulk-job worker when a job is submitted.
    pub job_wake: Arc<tokio::sync::Notify>,
    /// Rows per batch of a submitted job (the rows one transaction applies).
    pub job_batch_rows: usize,
}

impl AppState {
    /// Runs blocking store work off the async threads.
    pub async fn db<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> roster_store::Result<T> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::from)
    }

    /// The hash to store for a password profile: Argon2id for a human-chosen password, or a
    /// keyed hash of a freshly generated one (returned so that it can be shown once).
    pub async fn password_hash(
        &self,
        profile: Option<&crate::graph::json::PasswordProfile>,
    ) -> ApiResult<(roster_core::directory::PasswordHash, Option<String>)> {
        match profile.and_then(|p| p.password.clone()) {
            Some(password) => {
                let hash = self
                    .hasher
                    .hash(password)
                    .await
                    .ok_or_else(|| ApiError::internal("the hashing threads stopped"))?;
                Ok((hash, None))
            }
            None => {
                let generated = crate::auth::generate_password();
                Ok((
                    self.keys.generated_password_hash(&generated),
                    Some(generated),
                ))
            }
        }
    }

    /// The scheme and host the client used (or the configured public URL), for absolute links
    /// such as `@odata.nextLink`.
    pub fn base_url(&self, parts: &Parts) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let scheme = header("x-forwarded-proto")
            .or_else(|| parts.extensions.get::<Scheme>().map(|s| s.0.to_string()))
            .unwrap_or_else(|| "http".into());
        let host = header("x-forwarded-host")
            .or_else(|| header("host"))
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".into());
        format!("{scheme}://{host}")
    }
}

/// The scheme a connection arrived on, set by the listener.
#[derive(Debug, Clone, Copy)]
pub struct Scheme(pub &'static str);

pub fn client_ip(parts: &Parts) -> Option<String> {
    if let Some(forwarded) = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        return forwarded.split(',').next().map(|ip| ip.trim().to_string());
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}
