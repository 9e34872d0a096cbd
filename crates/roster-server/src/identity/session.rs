//! Browser sessions: the cookie that holds a session's access token, the session's check on
//! every request and its renewal, and the tokens that tie a form to its session (CSRF) or,
//! before any session, to the browser that loaded it (login CSRF). No page lives here: the
//! admin center's sign-in pages (`center::sign_in`) use it, and so will every later page that
//! signs people in.
//!
//! A session is a row of `admin_sessions` and an access token naming it (`sid`), kept in an
//! `HttpOnly`, `SameSite=Lax` cookie, `Secure` over https. Every request checks the token as the
//! API does (so blocking the account or revoking its sessions ends it at once) and that the
//! session was not ended; a token past half its life is renewed, keeping the sign-in's time.

use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::Utc;
use cookie::{Cookie, SameSite};
use rand::Rng;
use roster_core::types::ObjectId;

use crate::error::ApiResult;
use crate::identity::claims::{Claims, TOKEN_LIFETIME_SECONDS};
use crate::identity::keys::Keys;
use crate::identity::tokens::{Caller, caller_for_token};
use crate::state::{AppState, Scheme};

/// The cookie holding a session's access token.
pub const SESSION_COOKIE: &str = "roster_session";
/// A random value tying a sign-in form to the browser that loaded it (login CSRF).
const SIGN_IN_COOKIE: &str = "roster_signin";

/// The value of the request's cookie `name`, if it sent one.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_string())
}

/// Whether the browser reached the server over https (directly, or as a trusted proxy says).
pub fn secure(parts: &Parts) -> bool {
    let forwarded = parts
        .extensions
        .get::<crate::state::Peer>()
        .and_then(|peer| peer.forwarded_proto.as_deref());
    match forwarded {
        Some(proto) => proto == "https",
        None => parts
            .extensions
            .get::<Scheme>()
            .is_some_and(|s| s.0 == "https"),
    }
}

/// Adds a `Set-Cookie` for the whole site: `HttpOnly`, `SameSite=Lax`, `Secure` when the
/// browser came over https ([`secure`]); `max_age` in seconds (0 clears it), none for a cookie
/// that ends with the browser.
pub fn set_cookie(
    response: &mut Response,
    https: bool,
    (name, value): (&str, &str),
    max_age: Option<i64>,
) {
    let mut cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https);
    if let Some(seconds) = max_age {
        cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
    }
    if let Ok(value) = HeaderValue::from_str(&cookie.build().to_string()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// A request's session, checked.
pub struct Checked {
    pub caller: Caller,
    pub claims: Claims,
    pub id: ObjectId,
}

/// What a request's session cookie turned out to be.
pub enum Found {
    /// No session cookie, or one holding a token of the API rather than of a session.
    None,
    /// A token that is refused now (expired, revoked, signed out of, the account blocked): the
    /// cookie should go.
    Ended,
    Open(Box<Checked>),
}

/// Checks the request's session cookie against the directory as it is now. An error is the
/// directory failing, not the session.
pub async fn check(state: &AppState, parts: &Parts) -> ApiResult<Found> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(Found::None);
    };
    let client_ip = crate::state::client_ip(parts);
    let (caller, claims) = match caller_for_token(state, &token, client_ip).await {
        Ok(found) => found,
        Err(error) if error.status == StatusCode::UNAUTHORIZED => return Ok(Found::Ended),
        Err(error) => return Err(error),
    };
    Ok(match claims.sid {
        Some(id) => Found::Open(Box::new(Checked { caller, claims, id })),
        None => Found::None,
    })
}

/// The session's token renewed, if it is past half its life: still the sign-in's time, so that
/// a revocation since the sign-in (even one made while this request ran) ends it too.
pub fn renewal(keys: &Keys, session: &Checked) -> Option<String> {
    let claims = &session.claims;
    if Utc::now().timestamp() - claims.iat <= TOKEN_LIFETIME_SECONDS / 2 {
        return None;
    }
    let mut renewed = Claims::new(
        claims.iss.clone(),
        claims.tid,
        claims.oid,
        "user",
        Utc::now(),
    );
    renewed.upn = claims.upn.clone();
    renewed.sid = Some(session.id);
    renewed.iat_us = claims.iat_us;
    Some(keys.issue(&renewed))
}

/// Starts a session for a user who has just signed in, and answers the token its cookie holds.
pub async fn start(state: &AppState, record: &roster_store::SignInRecord) -> ApiResult<String> {
    let (tenant_id, user_id) = (record.tenant_id, record.user.id);
    let id = state
        .db(move |store| store.start_admin_session(tenant_id, user_id, Utc::now()))
        .await?;
    let mut claims = Claims::new(
        state.issuer(tenant_id),
        tenant_id,
        user_id,
        "user",
        Utc::now(),
    );
    claims.upn = Some(record.user.user_principal_name.to_string());
    claims.sid = Some(id);
    Ok(state.keys.issue(&claims))
}

/// Ends a session: its token is refused from the next request on, wherever it is held.
pub async fn end(state: &AppState, id: ObjectId) -> ApiResult<()> {
    state
        .db(move |store| store.end_admin_session(id, Utc::now()))
        .await
}

fn form_input(session: ObjectId) -> String {
    format!("admin-center-form:{session}")
}

/// The token every form of a session carries, derived from the session id under the server
/// key (so it is the same on every server, and ends with the session).
pub fn form_token(keys: &Keys, session: ObjectId) -> String {
    keys.keyed_hash(&form_input(session))
}

/// Whether a submitted form carried its session's token.
pub fn form_token_matches(keys: &Keys, session: ObjectId, submitted: &str) -> bool {
    keys.keyed_hash_matches(&form_input(session), submitted)
}

/// The browser's sign-in nonce (from its cookie, or a new one), and the token a sign-in form
/// carries for it. Set the nonce's cookie with [`keep_sign_in_nonce`].
pub fn sign_in_nonce(keys: &Keys, parts: &Parts) -> (String, String) {
    let nonce = match cookie(&parts.headers, SIGN_IN_COOKIE) {
        Some(nonce) if nonce.len() == 32 => nonce,
        _ => {
            let bytes: [u8; 16] = rand::rng().random();
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    };
    let token = keys.keyed_hash(&format!("sign-in:{nonce}"));
    (nonce, token)
}

/// Keeps the sign-in nonce in its cookie until the browser closes, or clears it (`None`) once
/// the session has started.
pub fn keep_sign_in_nonce(response: &mut Response, parts: &Parts, nonce: Option<&str>) {
    match nonce {
        Some(nonce) => set_cookie(response, secure(parts), (SIGN_IN_COOKIE, nonce), None),
        None => set_cookie(response, secure(parts), (SIGN_IN_COOKIE, ""), Some(0)),
    }
}

/// Whether a sign-in form came from this browser: it carries the token of the browser's nonce.
pub fn sign_in_form_matches(keys: &Keys, parts: &Parts, submitted: &str) -> bool {
    let nonce = cookie(&parts.headers, SIGN_IN_COOKIE).unwrap_or_default();
    !nonce.is_empty() && keys.keyed_hash_matches(&format!("sign-in:{nonce}"), submitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            "a=1; roster_session=abc.def; b=2".parse().unwrap(),
        );
        assert_eq!(
            cookie(&headers, "roster_session").as_deref(),
            Some("abc.def")
        );
        assert_eq!(cookie(&headers, "roster"), None);
        assert_eq!(cookie(&headers, "b").as_deref(), Some("2"));
    }
}
