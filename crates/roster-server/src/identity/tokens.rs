//! Access tokens and who they stand for: their claims, and the extractor that turns a request's
//! bearer token into a [`Caller`].
//!
//! A token is checked against the database on every request (the user still exists, is not
//! blocked, and its sessions were not revoked after the token was issued; the app still exists
//! and its permissions are read afresh), so revocation takes effect on the next request.

use crate::identity::claims::Claims;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use roster_core::access::Principal;
use roster_core::types::ObjectId;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The authenticated caller of a request: its tenant and principal.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant_id: ObjectId,
    pub principal: Principal,
    pub client_ip: Option<String>,
}

impl Caller {
    /// The audit context for a change this caller makes (with the scopes an application's
    /// token for a user is held to, which the store applies with the user's roles).
    pub fn change(&self) -> roster_store::Change {
        let mut change =
            roster_store::Change::by(self.tenant_id, self.principal.id(), self.principal.name())
                .from_request(
                    self.client_ip.clone(),
                    Some(crate::error::current_request_id()).filter(|id| !id.is_empty()),
                );
        if let Principal::User {
            scopes: Some(scopes),
            ..
        } = &self.principal
        {
            change.scopes = Some(scopes.clone());
        }
        change
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| ApiError::unauthorized("Access token is empty."))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| ApiError::unauthorized("Access token is missing the Bearer scheme."))?;
        let client_ip = crate::state::client_ip(parts);
        let (caller, _) = caller_for_token(state, token.trim(), client_ip).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The caller a token stands for, checked against the directory as it is now, with the
/// token's claims.
pub async fn caller_for_token(
    state: &AppState,
    token: &str,
    client_ip: Option<String>,
) -> ApiResult<(Caller, Claims)> {
    let claims = state.keys.decode(token).ok_or_else(|| {
        ApiError::unauthorized(
            "Access token has expired or is not yet valid, or its signature is invalid.",
        )
    })?;
    let store = state.store.clone();
    let checked = claims.clone();
    let (tenant_id, principal) =
        tokio::task::spawn_blocking(move || principal_for(&store, &checked))
            .await
            .map_err(ApiError::internal)??;
    let caller = Caller {
        tenant_id,
        principal,
        client_ip,
    };
    Ok((caller, claims))
}

fn principal_for(store: &roster_store::Store, claims: &Claims) -> ApiResult<(ObjectId, Principal)> {
    let revoked = || ApiError::unauthorized("Access token has been revoked.");
    let issued = DateTime::from_timestamp_micros(claims.iat_us).unwrap_or_default();
    if let Some(session) = claims.sid
        && !store.admin_session_open(session, Utc::now())?
    {
        return Err(revoked());
    }
    match claims.idtyp.as_str() {
        "app" => {
            let roster_store::StoredApp { tenant_id, app, .. } =
                store.app(claims.oid)?.ok_or_else(revoked)?;
            // A disabled application's tokens stop with it, on the next request.
            if tenant_id != claims.tid
                || issued < app.tokens_valid_from
                || !app.service_principal.enabled
            {
                return Err(revoked());
            }
            Ok((
                tenant_id,
                Principal::App {
                    client_id: app.client_id,
                    name: app.display_name,
                    permissions: app.permissions,
                },
            ))
        }
        "user" => {
            let (user, roles) = store
                .principal_state(claims.tid, claims.oid)?
                .ok_or_else(revoked)?;
            if !user.account_enabled {
                return Err(ApiError::unauthorized("The user account is disabled."));
            }
            if issued < user.sign_in_sessions_valid_from {
                return Err(revoked());
            }
            Ok((
                claims.tid,
                Principal::User {
                    id: user.id,
                    name: user.user_principal_name.to_string(),
                    roles,
                    // A token an application got for the user: held to the scopes granted.
                    scopes: claims.azp.map(|_| {
                        claims
                            .scp
                            .as_deref()
                            .unwrap_or_default()
                            .split(' ')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    }),
                },
            ))
        }
        _ => Err(ApiError::unauthorized(
            "Access token is of an unknown kind.",
        )),
    }
}

/// The principal with this id (a user or an app's client id) as it stands now, for work done on
/// its behalf after its request (bulk jobs): `None` if it is gone, blocked, or in another tenant.
pub fn principal_by_id(
    store: &roster_store::Store,
    tenant_id: ObjectId,
    id: ObjectId,
) -> roster_store::Result<Option<Principal>> {
    if let Some((user, roles)) = store.principal_state(tenant_id, id)? {
        return Ok(user.account_enabled.then(|| Principal::User {
            id: user.id,
            name: user.user_principal_name.to_string(),
            roles,
            scopes: None,
        }));
    }
    Ok(store
        .app(id)?
        .filter(|stored| stored.tenant_id == tenant_id)
        .map(|stored| Principal::App {
            client_id: stored.app.client_id,
            name: stored.app.display_name,
            permissions: stored.app.permissions,
        }))
}
