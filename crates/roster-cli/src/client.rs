//! The administrator's connection to a roster server: from the environment (scripts) or the
//! credentials `roster login` saved, and what the CLI says of a refusal. The calls themselves
//! are [`roster_client`]'s.

use std::path::PathBuf;

use anyhow::{Context, bail};
pub use roster_client::{Client, HttpError, Server, encode, request_token};
use serde_json::{Value, json};

/// Where `roster login` keeps the server and token: `$ROSTER_CONFIG_DIR`, else
/// `$XDG_CONFIG_HOME/roster`, else `~/.config/roster`.
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ROSTER_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("roster")
}

fn credentials_path() -> PathBuf {
    config_dir().join("credentials.json")
}

/// Saves the server and token for later commands, readable by the owner only.
pub fn save_credentials(server: &Server, token: &str) -> anyhow::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = credentials_path();
    std::fs::create_dir_all(config_dir())?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    let body = json!({ "url": server.url, "caCert": server.ca_cert, "token": token });
    file.write_all(body.to_string().as_bytes())?;
    Ok(path)
}

/// A client from the environment (`ROSTER_URL`, `ROSTER_TENANT`, `ROSTER_CLIENT_ID`,
/// `ROSTER_CLIENT_SECRET`, for scripts), else from `roster login`'s saved credentials.
pub async fn connect() -> anyhow::Result<Client> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let ca_cert = env("ROSTER_CA_CERT").map(PathBuf::from);
    if let (Some(url), Some(client_id), Some(secret)) = (
        env("ROSTER_URL"),
        env("ROSTER_CLIENT_ID"),
        env("ROSTER_CLIENT_SECRET"),
    ) {
        let tenant = env("ROSTER_TENANT")
            .context("ROSTER_TENANT (the tenant's domain or id) is needed with ROSTER_CLIENT_ID")?;
        let server = Server { url, ca_cert };
        let token = request_token(
            &server,
            &tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await?;
        return Client::new(&server, token);
    }
    let path = credentials_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let names = [
                "ROSTER_URL",
                "ROSTER_TENANT",
                "ROSTER_CLIENT_ID",
                "ROSTER_CLIENT_SECRET",
            ];
            let missing: Vec<&str> = names
                .into_iter()
                .filter(|name| env(name).is_none())
                .collect();
            let advice = if missing.len() == names.len() {
                String::new()
            } else {
                format!(" ({} missing)", missing.join(", "))
            };
            bail!(
                "not signed in: run `roster login --url URL --username ADMIN_UPN`, or set ROSTER_URL, ROSTER_TENANT, ROSTER_CLIENT_ID and ROSTER_CLIENT_SECRET{advice}"
            )
        }
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", path.display()));
        }
    };
    let saved: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is damaged: run `roster login` again", path.display()))?;
    let server = Server {
        url: saved["url"]
            .as_str()
            .context("saved credentials lack the server url")?
            .to_string(),
        ca_cert: saved["caCert"].as_str().map(PathBuf::from).or(ca_cert),
    };
    let token = saved["token"]
        .as_str()
        .context("saved credentials lack a token")?
        .to_string();
    Client::new(&server, token)
}

/// An object the command was asked about does not exist; the message says how to find it.
#[derive(Debug)]
pub struct NotFound(pub String);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotFound {}

/// Whether `error` is, or was caused by, a missing object: a server's 404 or a name that
/// resolves to nothing.
pub fn is_not_found(error: &anyhow::Error) -> bool {
    roster_client::is_not_found(error) || error.chain().any(|cause| cause.is::<NotFound>())
}

/// What to do about a refusal of the caller itself (its token, or its roles), if `error` is one.
pub fn advice(error: &anyhow::Error) -> Option<&'static str> {
    let refused = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<HttpError>())?;
    if refused.is_unauthorized() {
        Some(
            "sign in again with `roster login` (or check ROSTER_CLIENT_ID and ROSTER_CLIENT_SECRET)",
        )
    } else if refused.is_forbidden() {
        Some("sign in as an administrator whose role allows this, or grant the app the permission")
    } else {
        None
    }
}
