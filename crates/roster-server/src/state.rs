//! What every handler shares, and small helpers that handlers use alike.

use std::sync::{Arc, OnceLock};

use std::net::IpAddr;

use axum::Router;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use roster_store::Store;

use crate::error::{ApiError, ApiResult};
use crate::identity::keys::Keys;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub keys: Arc<Keys>,
    /// `https://roster.example.com` when configured: the scheme and host for links.
    pub public_url: Option<String>,
    /// The scheme and host of token issuers (`Config::issuer_base`).
    pub issuer_base: Arc<str>,
    /// The whole router, for `$batch` to send its requests through. Weak: the router holds
    /// this state, and a strong link back would keep a stopped server's store (and its
    /// database connections) alive for ever.
    pub router: Arc<OnceLock<std::sync::Weak<Router>>>,
    /// The Argon2id threads, one per core.
    pub hasher: crate::identity::hashing::Hasher,
    /// Wakes the bulk-job worker when a job is submitted.
    pub job_wake: Arc<tokio::sync::Notify>,
    /// Rows per batch of a submitted job (the rows one transaction applies).
    pub job_batch_rows: usize,
    /// Places for job uploads read at once (`upload::CONCURRENT_UPLOADS`).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// How added domains are verified.
    pub domain_verification: crate::domain_verification::DomainVerification,
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
        profile: Option<&roster_core::requests::PasswordProfile>,
    ) -> ApiResult<(roster_core::directory::PasswordHash, Option<String>)> {
        match profile.and_then(|p| p.password.clone()) {
            Some(password) => {
                let hash = self
                    .hasher
                    .hash(password)
                    .await?
                    .ok_or_else(|| ApiError::internal("the hashing threads stopped"))?;
                Ok((hash, None))
            }
            None => {
                let generated = crate::identity::hashing::generate_password();
                Ok((
                    self.keys.generated_password_hash(&generated),
                    Some(generated),
                ))
            }
        }
    }

    /// The scheme and host the client used (or the configured public URL), for absolute links
    /// such as `@odata.nextLink`. `X-Forwarded-Host` and `-Proto` count only when a trusted
    /// proxy sent them ([`Peer`]).
    pub fn base_url(&self, parts: &Parts) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let peer = parts.extensions.get::<Peer>();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let scheme = peer
            .and_then(|peer| peer.forwarded_proto.clone())
            .or_else(|| parts.extensions.get::<Scheme>().map(|s| s.0.to_string()))
            .unwrap_or_else(|| "http".into());
        let host = peer
            .and_then(|peer| peer.forwarded_host.clone())
            .or_else(|| header("host"))
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".into());
        format!("{scheme}://{host}")
    }

    /// The issuer of the tenant's tokens: from the configuration alone (the public URL, else
    /// the listener's own address), never from a request's headers.
    pub fn issuer(&self, tenant_id: roster_core::types::ObjectId) -> String {
        format!("{}/{tenant_id}/v2.0", self.issuer_base)
    }
}

/// The scheme a connection arrived on, set by the listener.
#[derive(Debug, Clone, Copy)]
pub struct Scheme(pub &'static str);

/// Who sent a request, as far as the server can trust it: the connection's address, or, when
/// that is a configured trusted proxy, what the proxies' `X-Forwarded-*` headers say.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub ip: Option<IpAddr>,
    pub forwarded_host: Option<String>,
    pub forwarded_proto: Option<String>,
}

impl Peer {
    /// Reads a request's peer: `X-Forwarded-For` is walked from the right (the address the
    /// nearest proxy saw) past every trusted proxy; the first address that is not one is the
    /// client. Headers from a connection that is not a trusted proxy are ignored.
    pub fn of(connection: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Peer {
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        // An IPv4 client of a listener on every interface arrives as ::ffff:a.b.c.d.
        let Some(connection) = connection.map(|ip| ip.to_canonical()) else {
            return Peer::default();
        };
        if !is_trusted(&connection) {
            return Peer {
                ip: Some(connection),
                ..Peer::default()
            };
        }
        let header = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut ip = connection;
        for hop in header("x-forwarded-for").rsplit(',') {
            // An address, or one with its port (`a.b.c.d:p`, `[v6]:p`), as some proxies write.
            let hop = hop.trim();
            let parsed = hop
                .parse::<IpAddr>()
                .or_else(|_| hop.parse::<std::net::SocketAddr>().map(|at| at.ip()));
            match parsed {
                Ok(hop) if is_trusted(&ip) => ip = hop.to_canonical(),
                _ => break,
            }
        }
        let first = |name: &str| {
            let value = header(name);
            let value = value.split(',').next().unwrap_or("").trim().to_string();
            (!value.is_empty()).then_some(value)
        };
        Peer {
            ip: Some(ip),
            forwarded_host: first("x-forwarded-host").filter(|host| {
                host.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            }),
            forwarded_proto: first("x-forwarded-proto")
                .map(|proto| proto.to_ascii_lowercase())
                .filter(|proto| proto == "http" || proto == "https"),
        }
    }
}

/// The client's address, as [`Peer`] read it, for the audit log and the sign-in log.
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<Peer>()
        .and_then(|peer| peer.ip)
        .map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(connection: &str, headers: &[(&str, &str)], trusted: &[&str]) -> Peer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let trusted: Vec<IpNet> = trusted.iter().map(|net| net.parse().unwrap()).collect();
        Peer::of(Some(connection.parse().unwrap()), &map, &trusted)
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let spoofed = [
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-proto", "https"),
        ];
        // A client that is no proxy: its headers are ignored.
        let direct = peer("198.51.100.20", &spoofed, &[]);
        assert_eq!(direct.ip, Some("198.51.100.20".parse().unwrap()));
        assert_eq!(
            (direct.forwarded_host, direct.forwarded_proto),
            (None, None)
        );
        let untrusted = peer("198.51.100.20", &spoofed, &["10.0.0.0/8"]);
        assert_eq!(untrusted.ip, Some("198.51.100.20".parse().unwrap()));
        assert_eq!(untrusted.forwarded_host, None);

        // Through a trusted proxy: the client it saw, and the host and scheme it was asked for.
        let proxied = peer("10.0.0.5", &spoofed, &["10.0.0.0/8"]);
        assert_eq!(proxied.ip, Some("203.0.113.9".parse().unwrap()));
        assert_eq!(proxied.forwarded_host.as_deref(), Some("evil.example"));
        assert_eq!(proxied.forwarded_proto.as_deref(), Some("https"));

        // A client's own X-Forwarded-For entry, before what the proxy appended, is not believed.
        let chained = peer(
            "10.0.0.5",
            &[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.7")],
            &["10.0.0.0/8"],
        );
        assert_eq!(chained.ip, Some("203.0.113.9".parse().unwrap()));
        // Ports, mapped addresses: the client all the same.
        let with_port = peer(
            "::ffff:10.0.0.5",
            &[("x-forwarded-for", "203.0.113.9:51234")],
            &["10.0.0.0/8"],
        );
        assert_eq!(with_port.ip, Some("203.0.113.9".parse().unwrap()));
        let v6 = peer(
            "10.0.0.5",
            &[("x-forwarded-for", "[2001:db8::1]:443")],
            &["10.0.0.0/8"],
        );
        assert_eq!(v6.ip, Some("2001:db8::1".parse().unwrap()));
        // Garbage from the proxy leaves the proxy as the peer.
        let garbage = peer(
            "10.0.0.5",
            &[("x-forwarded-for", "not-an-ip")],
            &["10.0.0.0/8"],
        );
        assert_eq!(garbage.ip, Some("10.0.0.5".parse().unwrap()));
        let bad_host = peer(
            "10.0.0.5",
            &[
                ("x-forwarded-host", "a.example/evil"),
                ("x-forwarded-proto", "javascript"),
            ],
            &["10.0.0.0/8"],
        );
        assert_eq!(
            (bad_host.forwarded_host, bad_host.forwarded_proto),
            (None, None)
        );
    }
}
