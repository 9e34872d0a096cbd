//! The administrator's connection to a roster server: from the environment (scripts) or the
//! credentials `roster login` saved, and what the CLI says of a refusal. The calls themselves
//! are [`roster_client`]'s.

use std::path::PathBuf;

use anyhow::{Context, bail};
pub use roster_client::{Client, HttpError, Server, Tokens, encode, request_token, request_tokens};
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

/// The client id of roster's CLI, an application of every tenant.
pub fn cli_client_id() -> String {
    roster_core::directory::CLI_CLIENT_ID.to_string()
}

/// What `roster login` keeps: the server, the tenant, and the tokens.
pub struct Saved {
    pub server: Server,
    pub tenant: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// When the access token ends, in seconds since 1970.
    pub expires_at: i64,
}

impl Saved {
    pub fn new(server: Server, tenant: String, tokens: &Tokens) -> Saved {
        Saved {
            server,
            tenant,
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: now() + tokens.expires_in,
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or_default()
}

/// Saves the server and tokens for later commands, readable by the owner only: written to a
/// new file of the owner's alone, then put in the old one's place, so that a reader never finds
/// half a file and an old file's looser mode is not kept.
pub fn save_credentials(saved: &Saved) -> anyhow::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = credentials_path();
    std::fs::create_dir_all(config_dir())?;
    let partial = path.with_extension(format!("json.{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("writing {}", partial.display()))?;
    let body = json!({
        "url": saved.server.url,
        "caCert": saved.server.ca_cert,
        "tenant": saved.tenant,
        "token": saved.access_token,
        "refreshToken": saved.refresh_token,
        "expiresAt": saved.expires_at,
    });
    file.write_all(body.to_string().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
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
                "not signed in: run `roster login --url URL --tenant DOMAIN`, or set ROSTER_URL, ROSTER_TENANT, ROSTER_CLIENT_ID and ROSTER_CLIENT_SECRET{advice}"
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
    // An access token that ends within five minutes is renewed with the refresh token, which
    // is exchanged for a new one (each is used once).
    let (Some(refresh_token), Some(tenant), Some(expires_at)) = (
        saved["refreshToken"].as_str(),
        saved["tenant"].as_str(),
        saved["expiresAt"].as_i64(),
    ) else {
        return Client::new(&server, token);
    };
    if expires_at - now() > 300 {
        return Client::new(&server, token);
    }
    // Renewed once however many commands start together: the others wait for the lock and
    // find the renewed tokens (a refresh token used twice would end the sign-in).
    let _renewing = lock_credentials()?;
    let again: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("{} is damaged: run `roster login` again", path.display()))?;
    if let Some(renewed) = again["token"].as_str()
        && again["expiresAt"].as_i64().unwrap_or(0) - now() > 300
    {
        return Client::new(&server, renewed.to_string());
    }
    let refresh_token = again["refreshToken"].as_str().unwrap_or(refresh_token);
    let tokens = request_tokens(
        &server,
        tenant,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &cli_client_id()),
            ("refresh_token", refresh_token),
        ],
    )
    .await
    .context("renewing the sign-in failed: run `roster login` again")?;
    save_credentials(&Saved::new(server.clone(), tenant.to_string(), &tokens))?;
    Client::new(&server, tokens.access_token)
}

/// An exclusive lock on the credentials while they are renewed, released when dropped.
fn lock_credentials() -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = config_dir().join("credentials.lock");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.lock()
        .with_context(|| format!("locking {}", path.display()))?;
    Ok(file)
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
