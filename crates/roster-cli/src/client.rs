//! The administrator's connection to a roster server: where it is, the token, and requests that
//! turn Graph's error bodies into messages that say what went wrong.

use std::path::PathBuf;

use anyhow::{Context, bail};
use reqwest::{Method, StatusCode};
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

/// How to reach the server: its URL and, for https with a private certificate, the CA to trust.
#[derive(Debug, Clone)]
pub struct Server {
    pub url: String,
    pub ca_cert: Option<PathBuf>,
}

impl Server {
    pub fn http(&self) -> anyhow::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder();
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading the CA certificate {}", path.display()))?;
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
        }
        Ok(builder.build()?)
    }
}

pub struct Client {
    http: reqwest::Client,
    pub base: String,
    token: String,
}

/// Asks the token endpoint for a token; `tenant` is a domain or tenant id.
pub async fn request_token(
    server: &Server,
    tenant: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<String> {
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        server.url.trim_end_matches('/')
    );
    let response = server
        .http()?
        .post(&url)
        .form(form)
        .send()
        .await
        .with_context(|| {
            format!(
                "cannot reach {url}: is the server running, and is the address (ROSTER_URL or `roster login --url`) right?"
            )
        })?;
    let body: Value = response
        .json()
        .await
        .context("the token endpoint did not answer with JSON")?;
    match body["access_token"].as_str() {
        Some(token) => Ok(token.to_string()),
        None => bail!(
            "sign-in refused: {} ({})",
            body["error_description"]
                .as_str()
                .unwrap_or("no reason given"),
            body["error"].as_str().unwrap_or("error")
        ),
    }
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

impl Client {
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
            let tenant = env("ROSTER_TENANT").context(
                "ROSTER_TENANT (the tenant's domain or id) is needed with ROSTER_CLIENT_ID",
            )?;
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
            return Ok(Client {
                http: server.http()?,
                base: server.url.trim_end_matches('/').to_string(),
                token,
            });
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
        Ok(Client {
            http: server.http()?,
            base: server.url.trim_end_matches('/').to_string(),
            token: saved["token"]
                .as_str()
                .context("saved credentials lack a token")?
                .to_string(),
        })
    }

    /// Sends a request to `path` (`/v1.0/...`, `/roster/v1/...`, or an absolute next link) and
    /// returns the JSON body (`null` for 204); an error answer becomes an [`HttpError`].
    pub async fn send<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<Value> {
        Ok(self.exchange(method, path, body).await?.body)
    }

    /// Like [`Client::send`], keeping the answer's `Warning` header: the server allows some
    /// things while saying they may not be what was meant.
    pub async fn send_with_warning<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<(Value, Option<String>)> {
        let answer = self.exchange(method, path, body).await?;
        let warning = answer
            .headers
            .get_all(reqwest::header::WARNING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(warning_text)
            .collect::<Vec<_>>();
        Ok((
            answer.body,
            (!warning.is_empty()).then(|| warning.join("; ")),
        ))
    }

    async fn exchange<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<Answer> {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| {
            format!(
                "cannot reach {}: is the server running, and is the address (ROSTER_URL or `roster login --url`) right?",
                self.base
            )
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let json: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        if status.is_success() {
            return Ok(Answer {
                body: json,
                headers,
            });
        }
        let error = &json["error"];
        Err(HttpError {
            status,
            code: error["code"].as_str().unwrap_or("error").to_string(),
            message: error["message"]
                .as_str()
                .unwrap_or("the server gave no reason")
                .to_string(),
            request: format!("{method} {}", path.strip_prefix(&self.base).unwrap_or(path)),
        }
        .into())
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send::<Value>(Method::GET, path, None).await
    }

    /// Posts any serialisable body (written straight to the request, not through a `Value`).
    pub async fn post<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<Value> {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<Value> {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.send::<Value>(Method::DELETE, path, None).await
    }

    /// Every item of a Graph collection, following `@odata.nextLink` to the last page.
    pub async fn get_all(&self, path: &str) -> anyhow::Result<Vec<Value>> {
        let mut link = path.to_string();
        let mut items = Vec::new();
        loop {
            let mut page = self.get(&link).await?;
            if let Value::Array(values) = page["value"].take() {
                items.extend(values);
            }
            match page["@odata.nextLink"].as_str() {
                Some(next) => link = next.to_string(),
                None => return Ok(items),
            }
        }
    }

    /// The URL naming an object in a `$ref` body (`{"@odata.id": ...}`).
    pub fn object_url(&self, id: &str) -> String {
        format!("{}/v1.0/directoryObjects/{id}", self.base)
    }
}

/// A successful answer: its JSON body (`null` when empty) and headers.
struct Answer {
    body: Value,
    headers: reqwest::header::HeaderMap,
}

/// The text of a `Warning` header (`199 agent "text" ["date"]`), or the whole value if it has
/// no quoted text.
fn warning_text(value: &str) -> String {
    let Some(start) = value.find('"') else {
        return value.trim().to_string();
    };
    let mut text = String::new();
    let mut chars = value[start + 1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return text,
            '\\' => text.extend(chars.next()),
            c => text.push(c),
        }
    }
    value.trim().to_string()
}

/// An error answer from the server: its status, and Graph's error code and message.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// The method and path, to say which call failed.
    pub request: String,
}

impl HttpError {
    pub fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (message, code) = (self.message.trim_end_matches('.'), &self.code);
        match self.status {
            StatusCode::UNAUTHORIZED => write!(
                f,
                "{message} ({code}): sign in again with `roster login` (or check ROSTER_CLIENT_ID and ROSTER_CLIENT_SECRET)"
            ),
            StatusCode::FORBIDDEN => write!(
                f,
                "{message} ({code}): sign in as an administrator whose role allows this, or grant the app the permission"
            ),
            status => write!(
                f,
                "{} failed: {message} ({code}, HTTP {})",
                self.request,
                status.as_u16()
            ),
        }
    }
}

impl std::error::Error for HttpError {}

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
    error.chain().any(|cause| {
        cause.is::<NotFound>()
            || cause
                .downcast_ref::<HttpError>()
                .is_some_and(HttpError::is_not_found)
    })
}

/// A path segment or query value, percent-encoded (user principal names may hold `#`, `'`
/// and `&`).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~@".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::warning_text;

    #[test]
    fn warning_headers_give_their_text() {
        for (header, expected) in [
            (
                "199 roster \"The group has guests among its members: they are licensed too.\"",
                "The group has guests among its members: they are licensed too.",
            ),
            ("199 - \"a \\\"quoted\\\" word\"", "a \"quoted\" word"),
            ("just text ", "just text"),
            (
                "199 roster \"text\" \"Wed, 21 Oct 2026 07:28:00 GMT\"",
                "text",
            ),
        ] {
            assert_eq!(warning_text(header), expected, "{header}");
        }
    }
}
