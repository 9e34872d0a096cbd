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
            "/{tenant}/oauth2/v2.0/devicecode",
            post(device_authorization),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
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
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "end_session_endpoint": format!("{base}/{tenant_id}/oauth2/v2.0/logout"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "client_credentials", "password"],
        "device_authorization_endpoint": format!("{base}/{tenant_id}/oauth2/v2.0/devicecode"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access", "https://graph.microsoft.com/.default"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "oid", "tid", "name", "preferred_username", "email", "amr", "ver"],
        "prompt_values_supported": ["login", "none", "select_account"],
        "tenant_region_scope": null,
    }))
    .into_response()
}

async fn keys(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    if let Err(response) = resolve(&state, tenant).await {
        return response;
    }
    Json(state.keys.jwks()).into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    username: Option<String>,
    password: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    device_code: Option<String>,
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
            let app = match crate::identity::grants::client_app(&state, tenant_id, client_id).await
            {
                Ok(app) => app,
                Err(error) => return error.into_response(),
            };
            let Some(stored) = app else {
                return invalid();
            };
            // Any of its secrets that has started and not ended.
            if !secret_matches(&state, &stored, &secret) {
                return invalid();
            }
            if !stored.app.service_principal.enabled {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized_client",
                    &crate::identity::grants::AccessRefused::Disabled.aadsts(&stored.app),
                );
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
            match state
                .db(move |store| store.tenant_settings(tenant_id))
                .await
            {
                Ok(settings) if settings.password_grant => {}
                Ok(_) => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "AADSTS53003: Access has been blocked by the organisation's policy: it does not allow signing in with a password at the token endpoint (the password grant). Sign in in a browser, or with the device code flow (roster login).",
                    );
                }
                Err(error) => return error.into_response(),
            }
            // The application: one of this tenant's (or roster's CLI), proving itself with its
            // secret unless it is a public client, as for every other grant.
            let (app, authenticated) =
                match requesting_client(&state, &parts, tenant_id, &request).await {
                    Ok(client) => client,
                    Err(response) => return response,
                };
            if !authenticated && !app.fallback_public_client {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                );
            }
            let granted = match crate::identity::grants::normalised_scope(
                &app,
                request.scope.as_deref().unwrap_or(".default"),
            ) {
                Ok(granted) => granted,
                Err(unknown) => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        &crate::identity::grants::invalid_scope(&unknown),
                    );
                }
            };
            let client = crate::identity::sign_in::SignInApp::of(&app);
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
                client,
                (username, password),
                admit,
            )
            .await
            {
                Ok(Ok(record)) => record.user,
                Ok(Err(refusal)) => return sign_in_refused(refusal),
                Err(error) => return error.into_response(),
            };
            if let Err((_, response)) = access_for(&state, tenant_id, &app, user.id).await {
                return response;
            }
            // The token is the application's for the user: held to the scopes granted, as a
            // token from any other grant is.
            let mut claims = Claims::new(issuer, tenant_id, user.id, "user", Utc::now());
            claims.upn = Some(user.user_principal_name.to_string());
            claims.azp = Some(app.client_id);
            claims.scp = Some(
                granted
                    .split(' ')
                    .filter(|s| *s != "offline_access")
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            token_response(state.keys.issue(&claims), &granted)
        }
        Some("authorization_code") => code_grant(&state, &parts, tenant_id, &request).await,
        // MSAL sends the short name, RFC 8628 the URN.
        Some("device_code" | "urn:ietf:params:oauth:grant-type:device_code") => {
            device_grant(&state, &parts, tenant_id, &request).await
        }
        Some("refresh_token") => refresh_grant(&state, &parts, tenant_id, &request).await,
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!(
                "AADSTS70003: The grant type '{other}' is not supported: use authorization_code, refresh_token, device_code, client_credentials or password."
            ),
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain grant_type.",
        ),
    }
}

/// Whether `secret` is one of the app's secrets that has started and not ended: the one check
/// of a client secret, for every grant.
fn secret_matches(state: &AppState, stored: &roster_store::StoredApp, secret: &str) -> bool {
    let now = Utc::now();
    stored.secrets.iter().any(|(info, hash)| {
        info.starts <= now && now < info.ends && state.keys.keyed_hash_matches(secret, hash)
    })
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// The application a code or refresh token request comes from, and whether it proved itself
/// with one of its secrets (a public client sends none; a wrong one is refused).
async fn requesting_client(
    state: &AppState,
    parts: &Parts,
    tenant_id: ObjectId,
    request: &TokenRequest,
) -> Result<(roster_core::directory::AppRegistration, bool), Response> {
    let (app, authenticated, ()) =
        requesting_client_with(state, parts, tenant_id, request, |_| Ok(())).await?;
    Ok((app, authenticated))
}

/// [`requesting_client`], with more reading (`also`) done in the same trip to the database.
async fn requesting_client_with<T: Send + 'static>(
    state: &AppState,
    parts: &Parts,
    tenant_id: ObjectId,
    request: &TokenRequest,
    also: impl FnOnce(&roster_store::Store) -> roster_store::Result<T> + Send + 'static,
) -> Result<(roster_core::directory::AppRegistration, bool, T), Response> {
    let (client_id, secret) = match basic_credentials(parts) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (request.client_id.clone(), request.client_secret.clone()),
    };
    let Some(client_id) = client_id else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
        ));
    };
    let unknown = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            &format!(
                "AADSTS700016: Application with identifier '{client_id}' was not found in the directory."
            ),
        )
    };
    let Ok(id) = ObjectId::parse(&client_id) else {
        return Err(unknown());
    };
    let found = state
        .db(move |store| {
            let stored = crate::identity::grants::client_app_in(store, tenant_id, id)?;
            match stored {
                Some(stored) => Ok(Some((stored, also(store)?))),
                None => Ok(None),
            }
        })
        .await;
    let (stored, more) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return Err(unknown()),
        Err(error) => return Err(error.into_response()),
    };
    let Some(secret) = secret else {
        return Ok((stored.app, false, more));
    };
    if !secret_matches(state, &stored, &secret) {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
        ));
    }
    Ok((stored.app, true, more))
}

/// Why a grant's user may have no more tokens: the user as found (if it still exists), and
/// Entra's code and description.
struct SignedOut {
    user: Option<roster_core::directory::User>,
    code: i64,
    description: &'static str,
}

impl SignedOut {
    fn response(&self) -> Response {
        invalid_grant(&format!("AADSTS{}: {}", self.code, self.description))
    }
}

/// The user a grant stands for, if it may still have tokens: enabled, and not signed out of
/// everything (blocked, reset or revoked) since it signed in. Read in the caller's store work,
/// so that a grant's reads share one trip to the database.
fn signed_in_user(
    store: &roster_store::Store,
    tenant_id: ObjectId,
    user_id: ObjectId,
    auth_time: chrono::DateTime<Utc>,
) -> roster_store::Result<Result<roster_core::directory::User, SignedOut>> {
    let revoked = "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password, or been signed out of every session.";
    let user = match store.user_row(tenant_id, user_id)? {
        Some(user) => user,
        None => {
            return Ok(Err(SignedOut {
                user: None,
                code: 50173,
                description: "The provided grant has expired due to it being revoked: the user no longer exists.",
            }));
        }
    };
    Ok(if !user.account_enabled {
        Err(SignedOut {
            user: Some(user),
            code: 50057,
            description: "The user account is disabled.",
        })
    } else if user.sign_in_sessions_valid_from > auth_time {
        Err(SignedOut {
            user: Some(user),
            code: 50173,
            description: revoked,
        })
    } else {
        Ok(user)
    })
}

async fn user_still_signed_in(
    state: &AppState,
    tenant_id: ObjectId,
    user_id: ObjectId,
    auth_time: chrono::DateTime<Utc>,
) -> Result<roster_core::directory::User, Result<SignedOut, Response>> {
    match state
        .db(move |store| signed_in_user(store, tenant_id, user_id, auth_time))
        .await
    {
        Ok(Ok(user)) => Ok(user),
        Ok(Err(signed_out)) => Err(Ok(signed_out)),
        Err(error) => Err(Err(error.into_response())),
    }
}

/// What `user_id`'s tokens from `app` carry (its roles and groups), or the refusal as the token
/// endpoint says it (the application disabled, or requiring an assignment the user lacks).
async fn access_for(
    state: &AppState,
    tenant_id: ObjectId,
    app: &roster_core::directory::AppRegistration,
    user_id: ObjectId,
) -> Result<roster_store::AppAccess, (Option<crate::identity::grants::AccessRefused>, Response)> {
    match crate::identity::grants::app_access(state, tenant_id, app, user_id).await {
        Ok(Ok(access)) => Ok(access),
        Ok(Err(refused)) => Err((Some(refused), invalid_grant(&refused.aadsts(app)))),
        Err(error) => Err((None, error.into_response())),
    }
}

fn tokens_response(issued: crate::identity::grants::Issued) -> Response {
    let mut body = json!({
        "token_type": "Bearer",
        "scope": issued.scope,
        "expires_in": TOKEN_LIFETIME_SECONDS - 1,
        "ext_expires_in": TOKEN_LIFETIME_SECONDS - 1,
        "access_token": issued.access_token,
    });
    if let Some(token) = issued.refresh_token {
        body["refresh_token"] = token.into();
    }
    if let Some(token) = issued.id_token {
        body["id_token"] = token.into();
    }
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `grant_type=authorization_code`: a code redeemed once, by the application it was issued
/// to, at the redirect URI it was issued for, with the PKCE verifier of its challenge. Who
/// presents it is checked before it is redeemed, so that someone else's attempt does not burn
/// it; a code presented again by its own application ends what the first redemption gave.
async fn code_grant(
    state: &AppState,
    parts: &Parts,
    tenant_id: ObjectId,
    request: &TokenRequest,
) -> Response {
    use crate::identity::grants::{
        REFRESH_LIFETIME_DAYS, issue_tokens, new_refresh_token, token_hash, verifier_matches,
        wants_refresh,
    };
    use roster_store::Redeemed;
    let Some(code) = request.code.as_deref() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'code'.",
        );
    };
    let hash = token_hash(state, "code", code);
    // The application, the code and its user, read in one trip: who presents the code is
    // checked before it is redeemed, so that someone else's attempt does not burn it.
    let peek = {
        let hash = hash.clone();
        move |store: &roster_store::Store| {
            let Some((grant, _)) = store.code(&hash)? else {
                return Ok(None);
            };
            let user = signed_in_user(store, grant.tenant_id, grant.user_id, grant.auth_time)?;
            Ok(Some((grant, user)))
        }
    };
    let (app, authenticated, peeked) =
        match requesting_client_with(state, parts, tenant_id, request, peek).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let Some((grant, user)) = peeked else {
        return invalid_grant(
            "AADSTS70000: The provided value for the 'code' parameter is not valid.",
        );
    };
    if grant.client_id != app.client_id || grant.tenant_id != tenant_id {
        return invalid_grant(
            "AADSTS70000: The provided value for the 'code' parameter is not valid: it was issued to another application.",
        );
    }
    if request.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return invalid_grant(
            "AADSTS50011: The redirect URI does not match the one the authorization code was issued for.",
        );
    }
    match (&grant.code_challenge, request.code_verifier.as_deref()) {
        (Some(challenge), Some(verifier)) if verifier_matches(verifier, challenge) => {}
        (Some(_), None) => {
            return invalid_grant(
                "AADSTS50148: The code_verifier is missing: the authorization request sent a code_challenge (PKCE).",
            );
        }
        (Some(_), Some(_)) | (None, Some(_)) => {
            return invalid_grant(
                "AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
            );
        }
        (None, None) => {}
    }
    // A web app keeps a secret, and must show it; a client without one proves with PKCE that
    // the code is its own.
    let web = app.redirect_uris.iter().any(|uri| {
        uri.uri == grant.redirect_uri && uri.platform == roster_core::directory::Platform::Web
    });
    if !authenticated && web && !app.fallback_public_client {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    if !authenticated && grant.code_challenge.is_none() {
        return invalid_grant(
            "AADSTS9002325: Proof Key for Code Exchange is required: a client without a secret redeems only a code requested with a code_challenge.",
        );
    }
    let user = match user {
        Ok(user) => user,
        Err(signed_out) => return signed_out.response(),
    };
    let access = match access_for(state, tenant_id, &app, user.id).await {
        Ok(access) => access,
        Err((_, response)) => return response,
    };
    let now = Utc::now();
    let refresh = roster_store::RefreshGrant {
        family_id: grant.family_id,
        tenant_id,
        client_id: app.client_id,
        user_id: user.id,
        scope: grant.scope.clone(),
        confidential: authenticated,
        auth_time: grant.auth_time,
    };
    // Redeemed, and its first refresh token kept, in one transaction.
    let first = wants_refresh(&refresh).then(|| new_refresh_token(state));
    let kept = first.as_ref().map(|(_, hash)| {
        (
            hash.clone(),
            refresh.clone(),
            now + chrono::Duration::days(REFRESH_LIFETIME_DAYS),
        )
    });
    let redeemed = state
        .db(move |store| {
            store.redeem_code(
                &hash,
                now,
                kept.as_ref()
                    .map(|(hash, grant, expires)| (hash.as_str(), grant, *expires)),
            )
        })
        .await;
    let grant = match redeemed {
        Ok(Redeemed::Granted(grant)) => grant,
        Ok(Redeemed::Replayed) => {
            return invalid_grant(
                "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token. The refresh tokens it gave are revoked.",
            );
        }
        Ok(Redeemed::Expired) => {
            return invalid_grant(
                "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
            );
        }
        Ok(Redeemed::Unknown) => {
            return invalid_grant(
                "AADSTS70000: The provided value for the 'code' parameter is not valid.",
            );
        }
        Err(error) => return error.into_response(),
    };
    let refresh_token = first.map(|(token, _)| token);
    tokens_response(issue_tokens(
        state,
        &refresh,
        (&user, &access),
        grant.nonce.clone(),
        refresh_token,
    ))
}

/// `/{tenant}/oauth2/v2.0/devicecode` (RFC 8628's device authorization endpoint): a public
/// client's request for a device code to poll with, and a user code for its user to enter at
/// `/devicelogin` in a browser.
async fn device_authorization(
    State(state): State<AppState>,
    parts: Parts,
    Path(tenant): Path<String>,
    Form(request): Form<TokenRequest>,
) -> Response {
    use crate::identity::grants::{
        DEVICE_CODE_LIFETIME_SECONDS, DEVICE_POLL_INTERVAL_SECONDS, new_user_code,
        normalised_scope, random_token, token_hash, user_code_hash,
    };
    let tenant_id = match resolve(&state, tenant).await {
        Ok(id) => id,
        Err(response) => return response,
    };
    if let Err(response) = device_code_flow_allowed(&state, tenant_id).await {
        return response;
    }
    let app = match requesting_client(&state, &parts, tenant_id, &request).await {
        Ok((app, _)) => app,
        Err(response) => return response,
    };
    // A device cannot keep a secret: only an application that allows public client flows.
    if !app.fallback_public_client {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "AADSTS7000218: The application does not allow public client flows (isFallbackPublicClient): the device code flow is for public clients.",
        );
    }
    let asked = request.scope.as_deref().unwrap_or("openid");
    if asked.len() > 2048 {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS90015: The scope is longer than 2048 characters.",
        );
    }
    let scope = match normalised_scope(&app, asked) {
        Ok(scope) => scope,
        Err(unknown) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                &crate::identity::grants::invalid_scope(&unknown),
            );
        }
    };
    let now = Utc::now();
    let grant = roster_store::DeviceGrant {
        family_id: uuid::Uuid::new_v4(),
        tenant_id,
        client_id: app.client_id,
        scope,
        expires: now + chrono::Duration::seconds(DEVICE_CODE_LIFETIME_SECONDS),
        interval_seconds: DEVICE_POLL_INTERVAL_SECONDS,
        approved: None,
        requested: (crate::state::client_ip(&parts), now),
    };
    let device_code = random_token();
    let user_code = new_user_code();
    let hashes = (
        token_hash(&state, "device_code", &device_code),
        user_code_hash(&state, &user_code),
    );
    if let Err(error) = state
        .db(move |store| store.save_device_code((&hashes.0, &hashes.1), &grant, now))
        .await
    {
        return error.into_response();
    }
    let verification_uri = format!("{}/devicelogin", state.base_url(&parts));
    let mut response = Json(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": DEVICE_CODE_LIFETIME_SECONDS,
        "interval": DEVICE_POLL_INTERVAL_SECONDS,
        "message": format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
        ),
    }))
    .into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

const DEVICE_CODE_REDEEMED: &str =
    "AADSTS54005: The device code was already redeemed. The refresh tokens it gave are revoked.";

/// Whether the tenant allows the device code flow; else Entra's refusal of a flow its
/// authentication flows policy blocks.
async fn device_code_flow_allowed(state: &AppState, tenant_id: ObjectId) -> Result<(), Response> {
    match state
        .db(move |store| store.tenant_settings(tenant_id))
        .await
    {
        Ok(settings) if settings.device_code_flow => Ok(()),
        Ok(_) => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS53003: Access has been blocked by the organisation's policy: it does not allow signing in with a device code. Sign in in a browser on this device.",
        )),
        Err(error) => Err(error.into_response()),
    }
}

/// `grant_type=device_code`: a device's poll for the tokens its user's sign-in elsewhere gives
/// (RFC 8628 section 3.4), answered as Entra answers it until then.
async fn device_grant(
    state: &AppState,
    parts: &Parts,
    tenant_id: ObjectId,
    request: &TokenRequest,
) -> Response {
    use crate::identity::grants::{
        REFRESH_LIFETIME_DAYS, issue_tokens, new_refresh_token, token_hash, wants_refresh,
    };
    use roster_store::Polled;
    let (app, authenticated) = match requesting_client(state, parts, tenant_id, request).await {
        Ok(client) => client,
        Err(response) => return response,
    };
    // A request made before the tenant turned the flow off gives nothing either.
    if let Err(response) = device_code_flow_allowed(state, tenant_id).await {
        return response;
    }
    let Some(device_code) = request.device_code.as_deref() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'device_code'.",
        );
    };
    let hash = token_hash(state, "device_code", device_code);
    let now = Utc::now();
    let polled = {
        let hash = hash.clone();
        state
            .db(move |store| store.poll_device_code(&hash, now))
            .await
    };
    let pending =
        |error: &str, description: &str| oauth_error(StatusCode::BAD_REQUEST, error, description);
    let (grant, user_id, auth_time) = match polled {
        Ok(Polled::Approved {
            grant,
            user_id,
            auth_time,
        }) => (grant, user_id, auth_time),
        Ok(Polled::Pending) => {
            return pending(
                "authorization_pending",
                "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            );
        }
        Ok(Polled::SlowDown) => {
            return pending(
                "slow_down",
                "AADSTS70016: OAuth 2.0 device flow error. Polled sooner than the interval: wait longer between polls.",
            );
        }
        Ok(Polled::Denied) => {
            return pending(
                "authorization_declined",
                "AADSTS70000: The user declined the sign-in request.",
            );
        }
        Ok(Polled::Expired) => {
            return pending(
                "expired_token",
                "AADSTS70019: Verification code expired. The user did not sign in in time: start again.",
            );
        }
        Ok(Polled::Replayed) => {
            return invalid_grant(DEVICE_CODE_REDEEMED);
        }
        Ok(Polled::Unknown) => {
            return pending(
                "bad_verification_code",
                "AADSTS70000: The provided value for the 'device_code' parameter is not valid.",
            );
        }
        Err(error) => return error.into_response(),
    };
    if grant.client_id != app.client_id || grant.tenant_id != tenant_id {
        return pending(
            "bad_verification_code",
            "AADSTS70000: The provided value for the 'device_code' parameter is not valid: it was issued to another application.",
        );
    }
    let user = match user_still_signed_in(state, tenant_id, user_id, auth_time).await {
        Ok(user) => user,
        Err(Ok(signed_out)) => return signed_out.response(),
        Err(Err(response)) => return response,
    };
    let access = match access_for(state, tenant_id, &app, user.id).await {
        Ok(access) => access,
        Err((_, response)) => return response,
    };
    let refresh = roster_store::RefreshGrant {
        family_id: grant.family_id,
        tenant_id,
        client_id: app.client_id,
        user_id: user.id,
        scope: grant.scope.clone(),
        confidential: authenticated,
        auth_time,
    };
    let (token, token_hash) = new_refresh_token(state);
    let expires = now + chrono::Duration::days(REFRESH_LIFETIME_DAYS);
    let keep = wants_refresh(&refresh).then(|| (token_hash, refresh.clone(), expires));
    let redeemed = state
        .db(move |store| {
            store.redeem_device_code(
                &hash,
                keep.as_ref()
                    .map(|(hash, grant, end)| (hash.as_str(), grant, *end)),
                now,
            )
        })
        .await;
    match redeemed {
        Ok(true) => tokens_response(issue_tokens(
            state,
            &refresh,
            (&user, &access),
            None,
            Some(token),
        )),
        Ok(false) => invalid_grant(DEVICE_CODE_REDEEMED),
        Err(error) => error.into_response(),
    }
}

/// `grant_type=refresh_token`: the token exchanged for a new one (rotation); one used again
/// after that ends its family, and none outlives its user's block, reset or sign-out.
async fn refresh_grant(
    state: &AppState,
    parts: &Parts,
    tenant_id: ObjectId,
    request: &TokenRequest,
) -> Response {
    use crate::identity::grants::{
        REFRESH_LIFETIME_DAYS, issue_tokens, new_refresh_token, token_hash,
    };
    use roster_store::Rotated;
    let Some(old) = request.refresh_token.as_deref() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'refresh_token'.",
        );
    };
    let old_hash = token_hash(state, "refresh", old);
    let (new_token, new_hash) = new_refresh_token(state);
    let now = Utc::now();
    let expires = now + chrono::Duration::days(REFRESH_LIFETIME_DAYS);
    // The application, the grant and its user, read in one trip; nothing is written until
    // they are checked.
    let peek = {
        let hash = old_hash.clone();
        move |store: &roster_store::Store| {
            let Some(grant) = store.live_refresh_token(&hash, now)? else {
                return Ok(None);
            };
            let user = signed_in_user(store, grant.tenant_id, grant.user_id, grant.auth_time)?;
            Ok(Some((grant, user)))
        }
    };
    let (app, authenticated, peeked) =
        match requesting_client_with(state, parts, tenant_id, request, peek).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let rotate = |sign_in: Option<roster_store::SignIn>| {
        let (old_hash, new_hash) = (old_hash.clone(), new_hash.clone());
        async move {
            state
                .db(move |store| {
                    store.rotate_refresh_token(
                        (&old_hash, &new_hash),
                        now,
                        expires,
                        sign_in.as_ref(),
                    )
                })
                .await
        }
    };
    let (grant, user) = match peeked {
        Some(found) => found,
        // Rotated before, revoked, expired or never issued: the rotation says which (and ends
        // the family of one used again).
        None => {
            return match rotate(None).await {
                Ok(rotated) => not_rotated(&rotated),
                Err(error) => error.into_response(),
            };
        }
    };
    let refused = grant.client_id != app.client_id || grant.tenant_id != tenant_id;
    let unauthenticated = grant.confidential && !authenticated;
    let user = match user {
        Ok(user) if !refused && !unauthenticated => user,
        failed => {
            // A token presented by the wrong application, without the secret it was issued
            // with, or for a user signed out since: none of its family is honoured again.
            let family = grant.family_id;
            if let Err(error) = state
                .db(move |store| store.end_refresh_family(family, Utc::now()))
                .await
            {
                return error.into_response();
            }
            return match failed {
                _ if refused => invalid_grant(
                    "AADSTS70000: The provided refresh token is not valid: it was issued to another application.",
                ),
                _ if unauthenticated => oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                ),
                Err(signed_out) => {
                    // A renewal refused for its user's sake: in the sign-in log.
                    if let Some(user) = &signed_out.user
                        && let Err(error) = crate::identity::sign_in::log_sign_in(
                            state,
                            parts,
                            (tenant_id, user),
                            crate::identity::sign_in::SignInApp::of(&app),
                            false,
                            Some((signed_out.code, signed_out.description)),
                        )
                        .await
                    {
                        return error.into_response();
                    }
                    signed_out.response()
                }
                Ok(_) => invalid_grant("AADSTS70000: The provided refresh token is not valid."),
            };
        }
    };
    // A renewal is the user's non-interactive sign-in to the application, refused as a sign-in
    // is if the application is disabled or the user no longer assigned.
    let access = match access_for(state, tenant_id, &app, user.id).await {
        Ok(access) => access,
        Err((refused, response)) => {
            if let Some(refused) = refused
                && let Err(error) = crate::identity::sign_in::log_sign_in(
                    state,
                    parts,
                    (tenant_id, &user),
                    crate::identity::sign_in::SignInApp::of(&app),
                    false,
                    Some((refused.code(), &refused.description(&app))),
                )
                .await
            {
                return error.into_response();
            }
            return response;
        }
    };
    // Rotated and logged in one transaction.
    let sign_in = crate::identity::sign_in::sign_in_entry(
        parts,
        (tenant_id, &user),
        crate::identity::sign_in::SignInApp::of(&app),
        false,
        None,
    );
    let grant = match rotate(Some(sign_in)).await {
        Ok(Rotated::Rotated(grant)) => grant,
        Ok(rotated) => return not_rotated(&rotated),
        Err(error) => return error.into_response(),
    };
    tokens_response(issue_tokens(
        state,
        &grant,
        (&user, &access),
        None,
        Some(new_token),
    ))
}

/// The answer to a refresh token that was not exchanged: used again after its rotation (its
/// family is ended), or expired, revoked or never issued.
fn not_rotated(rotated: &roster_store::Rotated) -> Response {
    match rotated {
        roster_store::Rotated::Replayed => invalid_grant(
            "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The refresh token was used before: every token of its sign-in is revoked.",
        ),
        _ => invalid_grant(
            "AADSTS70000: The provided refresh token is not valid: it has expired, was revoked, or was never issued.",
        ),
    }
}

/// `/oidc/userinfo` (Graph's path for Entra's): the signed-in user's claims, for the access
/// token an application got for them (its `sub` the one that application's ID token has).
async fn userinfo(State(state): State<AppState>, parts: Parts) -> Response {
    let refused = |description: &str| {
        let mut response = oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", description);
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        response
    };
    let Some(token) = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return refused(
            "AADSTS900144: The request must carry an access token (Authorization: Bearer).",
        );
    };
    let client_ip = crate::state::client_ip(&parts);
    let (caller, claims) =
        match crate::identity::tokens::caller_for_token(&state, token.trim(), client_ip).await {
            Ok(found) => found,
            Err(error) if error.status == StatusCode::UNAUTHORIZED => {
                return refused(
                    "AADSTS50173: The access token has expired, was revoked, or is not valid.",
                );
            }
            Err(error) => return error.into_response(),
        };
    let (Some(client_id), Some(user_id)) = (claims.azp, caller.principal.id()) else {
        return refused(
            "AADSTS500011: The access token was not issued to an application for a signed-in user.",
        );
    };
    let tenant_id = caller.tenant_id;
    let user = match state
        .db(move |store| store.get_user(tenant_id, &roster_store::UserKey::Id(user_id)))
        .await
    {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    // What the scopes granted let the application know: `profile` the names, `email` the mail.
    let scopes = claims.scp.clone().unwrap_or_default();
    let granted = |scope: &str| scopes.split(' ').any(|s| s == scope);
    let mut body = json!({
        "sub": crate::identity::grants::pairwise_subject(&state, client_id, user.id),
        "oid": user.id,
        "tid": tenant_id,
    });
    if granted("profile") {
        body["name"] = user.display_name.clone().into();
        body["preferred_username"] = user.user_principal_name.to_string().into();
        body["given_name"] = user.attributes.text("givenName").into();
        body["family_name"] = user.attributes.text("surname").into();
    }
    if granted("email")
        && let Some(mail) = user.attributes.text("mail")
    {
        body["email"] = mail.into();
    }
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
