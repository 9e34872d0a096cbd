//! OAuth 2.0 at Entra ID's paths, so that Microsoft's identity libraries obtain tokens from
//! roster as they do from Entra: `/{tenant}/oauth2/v2.0/token`, discovery at
//! `/{tenant}/v2.0/.well-known/openid-configuration`, keys at `/{tenant}/discovery/v2.0/keys`.
//! `{tenant}` is the tenant id or one of its domains.
//!
//! Grants: `client_credentials` for app registrations, and `password` (resource owner) for an
//! administrator signing in from the CLI.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use roster_core::types::ObjectId;
use serde::Deserialize;
use serde_json::json;

use crate::identity::claims::{Claims, TOKEN_LIFETIME_SECONDS};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
}

/// An OAuth error body (RFC 6749 section 5.2) with Entra's extra fields.
/// `description` starts with Entra's `AADSTSnnnn:` code, which MSAL reads from `error_codes`.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let code: Option<u64> = description
        .strip_prefix("AADSTS")
        .and_then(|rest| rest.split(':').next())
        .and_then(|digits| digits.parse().ok());
    let request_id = crate::error::current_request_id();
    let body = json!({
        "error": error,
        "error_description": description,
        "error_codes": code.into_iter().collect::<Vec<_>>(),
        "timestamp": Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string(),
        "trace_id": request_id,
        "correlation_id": request_id,
    });
    (status, Json(body)).into_response()
}

async fn resolve(state: &AppState, tenant: String) -> Result<ObjectId, Response> {
    let found = state
        .db(move |store| store.resolve_tenant(&tenant))
        .await
        .map_err(IntoResponse::into_response)?;
    found.ok_or_else(|| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            "AADSTS90002: Tenant not found. Check the tenant id or domain in the URL.",
        )
    })
}

async fn discovery(
    State(state): State<AppState>,
    parts: Parts,
    Path(tenant): Path<String>,
) -> Response {
    let tenant_id = match resolve(&state, tenant).await {
        Ok(id) => id,
        Err(response) => return response,
    };
    let base = state.base_url(&parts);
    Json(json!({
        "issuer": state.issuer(tenant_id),
        // Required by OpenID Connect Discovery 1.0 and by MSAL, which rejects a document without
        // it (msal-common isOpenIdConfigResponse) and takes the tenant id from its first path
        // segment. Entra ID publishes it at this path.
        "authorization_endpoint": format!("{base}/{tenant_id}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/{tenant_id}/oauth2/v2.0/token"),
        "jwks_uri": format!("{base}/{tenant_id}/discovery/v2.0/keys"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["client_credentials", "password"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "scopes_supported": ["https://graph.microsoft.com/.default"],
        "tenant_region_scope": null,
    }))
    .into_response()
}

async fn keys(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    if let Err(response) = resolve(&state, tenant).await {
        return response;
    }
    Json(state.keys.jwks().clone()).into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// Reads `client_id:client_secret` from HTTP Basic authentication (client_secret_basic).
fn basic_credentials(parts: &Parts) -> Option<(String, String)> {
    use base64::Engine;
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

/// A refused sign-in as Entra answers it: `invalid_grant` with the AADSTS code, or 429 with
/// `Retry-After` when the password checks are saturated.
fn sign_in_refused(refusal: crate::identity::sign_in::SignInRefusal) -> Response {
    if refusal == crate::identity::sign_in::SignInRefusal::Busy {
        let mut response = oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            &refusal.aadsts(),
        );
        response
            .headers_mut()
            .insert("Retry-After", axum::http::HeaderValue::from_static("1"));
        return response;
    }
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &refusal.aadsts())
}

fn token_response(token: String, scope: &str) -> Response {
    Json(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS - 1,
        "ext_expires_in": TOKEN_LIFETIME_SECONDS - 1,
        "access_token": token,
        "scope": scope,
    }))
    .into_response()
}

async fn token(
    State(state): State<AppState>,
    parts: Parts,
    Path(tenant): Path<String>,
    Form(request): Form<TokenRequest>,
) -> Response {
    let tenant_id = match resolve(&state, tenant).await {
        Ok(id) => id,
        Err(response) => return response,
    };
    let scope = request
        .scope
        .clone()
        .unwrap_or_else(|| "https://graph.microsoft.com/.default".into());
    let issuer = state.issuer(tenant_id);
    match request.grant_type.as_deref() {
        Some("client_credentials") => {
            let Some((client_id, secret)) = basic_credentials(&parts)
                .or_else(|| Some((request.client_id.clone()?, request.client_secret.clone()?)))
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "AADSTS900144: The request body must contain client_id and client_secret.",
                );
            };
            let invalid = || {
                oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "AADSTS7000215: Invalid client secret provided, or the application does not exist in this tenant.",
                )
            };
            let Ok(client_id) = ObjectId::parse(&client_id) else {
                return invalid();
            };
            let app = match state.db(move |store| store.app(client_id)).await {
                Ok(app) => app,
                Err(error) => return error.into_response(),
            };
            let Some(stored) = app else {
                return invalid();
            };
            // Any of its secrets that has started and not ended.
            let now = Utc::now();
            let matches = stored.secrets.iter().any(|(secret_info, hash)| {
                secret_info.starts <= now
                    && now < secret_info.ends
                    && state.keys.keyed_hash_matches(&secret, hash)
            });
            if stored.tenant_id != tenant_id || !matches {
                return invalid();
            }
            let app = stored.app;
            let mut claims = Claims::new(issuer, tenant_id, app.client_id, "app", Utc::now());
            claims.roles = app.permissions.clone();
            token_response(state.keys.issue(&claims), &scope)
        }
        Some("password") => {
            let (Some(username), Some(password)) =
                (request.username.clone(), request.password.clone())
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "AADSTS900144: The request body must contain username and password.",
                );
            };
            let client = request
                .client_id
                .clone()
                .unwrap_or_else(|| "public client".into());
            let admit = |record: &roster_store::SignInRecord| {
                use crate::identity::sign_in::SignInRefusal::*;
                if record.tenant_id != tenant_id {
                    // Another tenant's user is, to this tenant, a name it does not know.
                    Err(InvalidCredentials)
                } else if !record.user.account_enabled {
                    Err(Disabled)
                } else if record.user.force_change_password_next_sign_in {
                    Err(PasswordExpired)
                } else {
                    Ok(())
                }
            };
            let user = match crate::identity::sign_in::sign_in(
                &state,
                &parts,
                &client,
                (username, password),
                admit,
            )
            .await
            {
                Ok(Ok(record)) => record.user,
                Ok(Err(refusal)) => return sign_in_refused(refusal),
                Err(error) => return error.into_response(),
            };
            let mut claims = Claims::new(issuer, tenant_id, user.id, "user", Utc::now());
            claims.upn = Some(user.user_principal_name.to_string());
            token_response(state.keys.issue(&claims), &scope)
        }
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!(
                "AADSTS70003: The grant type '{other}' is not supported: use client_credentials or password."
            ),
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain grant_type.",
        ),
    }
}
