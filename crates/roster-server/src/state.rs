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
    /// One permit per core for Argon2id: more hashes at once than cores only thrash the
    /// caches (each takes 19 MiB), so requests queue here instead.
    pub hashing: Arc<tokio::sync::Semaphore>,
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
                    .with_hashing(move || crate::auth::hash_human_password(&password))
                    .await?;
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

    /// Runs Argon2id work (hashing or verifying) on the blocking pool, one per core at a time.
    pub async fn with_hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = self.hashing.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(ApiError::internal)
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
