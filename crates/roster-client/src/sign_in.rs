//! Getting tokens from a roster server's token endpoint, as Entra ID's clients get them: the
//! device code flow for a person at a terminal, refresh tokens to stay signed in, and a single
//! grant (client credentials, or a password) for scripts and agents.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::client::Server;

/// The tokens a grant gave.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    /// With `offline_access`: kept to get the next access token without signing in again.
    pub refresh_token: Option<String>,
    /// Seconds the access token lasts.
    pub expires_in: i64,
}

/// A device's request, as the device code endpoint answers it: what to tell the user, and the
/// code to poll with.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    /// "To sign in, use a web browser to open the page ... and enter the code ...".
    pub message: String,
    pub user_code: String,
    pub verification_uri: String,
    device_code: String,
    interval: u64,
    expires_in: u64,
}

fn endpoint(server: &Server, tenant: &str, name: &str) -> String {
    format!(
        "{}/{tenant}/oauth2/v2.0/{name}",
        server.url.trim_end_matches('/')
    )
}

/// Posts a form to one of the tenant's OAuth endpoints and reads its JSON answer, error or not.
async fn post(server: &Server, url: &str, form: &[(&str, &str)]) -> anyhow::Result<Value> {
    let response = server
        .http()?
        .post(url)
        .form(form)
        .send()
        .await
        .with_context(|| {
            format!(
                "cannot reach {url}: is the server running, and is the address (ROSTER_URL or `roster login --url`) right?"
            )
        })?;
    response
        .json()
        .await
        .with_context(|| format!("{url} did not answer with JSON"))
}

fn refused(body: &Value) -> anyhow::Error {
    anyhow::anyhow!(
        "sign-in refused: {} ({})",
        body["error_description"]
            .as_str()
            .unwrap_or("no reason given"),
        body["error"].as_str().unwrap_or("error")
    )
}

fn tokens(body: &Value) -> anyhow::Result<Tokens> {
    match body["access_token"].as_str() {
        Some(token) => Ok(Tokens {
            access_token: token.to_string(),
            refresh_token: body["refresh_token"].as_str().map(str::to_string),
            expires_in: body["expires_in"].as_i64().unwrap_or(0),
        }),
        None => Err(refused(body)),
    }
}

/// Asks the server's token endpoint for tokens; `tenant` is a domain or tenant id, `form` the
/// grant (`client_credentials` with a client id and secret, `password`, `refresh_token`).
pub async fn request_tokens(
    server: &Server,
    tenant: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<Tokens> {
    tokens(&post(server, &endpoint(server, tenant, "token"), form).await?)
}

/// An access token alone (see [`request_tokens`]).
pub async fn request_token(
    server: &Server,
    tenant: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<String> {
    Ok(request_tokens(server, tenant, form).await?.access_token)
}

/// Starts the device code flow for `client_id`: tell the user [`DeviceCode::message`], then
/// [`poll_device_code`].
pub async fn request_device_code(
    server: &Server,
    tenant: &str,
    client_id: &str,
    scope: &str,
) -> anyhow::Result<DeviceCode> {
    let body = post(
        server,
        &endpoint(server, tenant, "devicecode"),
        &[("client_id", client_id), ("scope", scope)],
    )
    .await?;
    let text = |name: &str| body[name].as_str().map(str::to_string);
    match (
        text("device_code"),
        text("user_code"),
        text("verification_uri"),
    ) {
        (Some(device_code), Some(user_code), Some(verification_uri)) => Ok(DeviceCode {
            message: text("message").unwrap_or_else(|| {
                format!("To sign in, open {verification_uri} and enter the code {user_code}.")
            }),
            user_code,
            verification_uri,
            device_code,
            interval: body["interval"].as_u64().unwrap_or(5).max(1),
            expires_in: body["expires_in"].as_u64().unwrap_or(900),
        }),
        _ => Err(refused(&body)),
    }
}

/// Polls until the user has signed in elsewhere (the tokens), declined, or let the code expire
/// (an error that says so), waiting the interval the server asks for between polls.
pub async fn poll_device_code(
    server: &Server,
    tenant: &str,
    client_id: &str,
    code: &DeviceCode,
) -> anyhow::Result<Tokens> {
    let url = endpoint(server, tenant, "token");
    let mut interval = code.interval;
    let deadline = std::time::Instant::now() + Duration::from_secs(code.expires_in);
    loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        let body = post(
            server,
            &url,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", client_id),
                ("device_code", &code.device_code),
            ],
        )
        .await?;
        match body["error"].as_str() {
            None => return tokens(&body),
            Some("authorization_pending") if std::time::Instant::now() < deadline => {}
            // RFC 8628: wait five seconds longer from now on.
            Some("slow_down") => interval += 5,
            Some(_) => return Err(refused(&body)),
        }
        if std::time::Instant::now() >= deadline {
            bail!("the code expired before the sign-in was completed: run `roster login` again");
        }
    }
}
