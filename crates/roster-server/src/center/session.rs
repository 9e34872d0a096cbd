//! Signing in to the admin center, the session cookie, and CSRF tokens.
//!
//! Signing in checks the name and password as the OAuth password grant does
//! ([`crate::auth::sign_in`]), refuses accounts without an administrator role, records a
//! session (`admin_sessions`) and sets a cookie holding an access token of that session:
//! `HttpOnly`, `SameSite=Lax`, `Secure` over https. Every request checks the token as the API
//! does (so blocking the account or revoking its sessions takes effect at once) and that the
//! session was not signed out of; a token past half its life is renewed. Every form carries a
//! token derived from the session id under the server key, checked before any change.

use axum::extract::{Form, FromRequestParts, Query, Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use rand::Rng;
use roster_core::access::Operation;
use serde::Deserialize;

use super::{Lang, cookie, document, local_path, with_page_headers};
use crate::auth::{Caller, Claims, TOKEN_LIFETIME_SECONDS, caller_for_token};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Scheme};

const SESSION_COOKIE: &str = "roster_session";
/// A random value tying the sign-in form to the browser that loaded it (login CSRF).
const SIGN_IN_COOKIE: &str = "roster_signin";

/// A signed-in administrator's request.
#[derive(Clone)]
pub struct Session {
    pub caller: Caller,
    pub lang: Lang,
    pub tenant_name: String,
    /// The token every form of this session carries.
    pub csrf: String,
    /// The request's path and query, percent-encoded for a `back` parameter.
    pub path_and_query: String,
    session_id: roster_core::types::ObjectId,
    state: AppState,
}

impl Session {
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Whether the administrator's roles allow the operation (on a user without roles).
    pub fn may(&self, operation: Operation) -> bool {
        self.caller.principal.authorize(operation, &[]).is_ok()
    }

    /// Refuses a form that does not carry this session's token.
    pub fn check_csrf(&self, submitted: &str) -> ApiResult<()> {
        if self
            .state
            .keys
            .keyed_hash_matches(&csrf_input(self.session_id), submitted)
        {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "The form has expired or did not come from this admin center: reload the page and try again.",
            )
            .with_reason(roster_core::refusal::Reason::FormExpired))
        }
    }
}

fn csrf_input(session_id: roster_core::types::ObjectId) -> String {
    format!("admin-center-form:{session_id}")
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Session, Response> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())
    }
}

/// Whether the browser reached the server over https (directly, or as a trusted proxy says).
fn secure(parts: &Parts) -> bool {
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

fn set_cookie(
    response: &mut Response,
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
) {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A session that cannot be checked (the directory busy or failing): a page in the browser's
/// language, with only the request id of an internal error.
fn session_failure(parts: &Parts, error: ApiError) -> Response {
    let lang = Lang::of(&parts.headers);
    let status = error.status;
    super::bare_error_page(lang, status, &super::worded(lang, error))
}

/// Lets a request through only with a session: otherwise sends the browser to sign in, coming
/// back afterwards.
pub async fn require(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |p| p.as_str().to_string());
    let to_sign_in = || see_other(&format!("/signin?next={}", encode(&path_and_query)));
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return to_sign_in();
    };
    let client_ip = crate::state::client_ip(&parts);
    let (caller, claims) = match caller_for_token(&state, &token, client_ip).await {
        Ok(found) => found,
        Err(error) if error.status == StatusCode::UNAUTHORIZED => {
            let mut response = to_sign_in();
            set_cookie(&mut response, SESSION_COOKIE, "", Some(0), secure(&parts));
            return response;
        }
        Err(error) => return session_failure(&parts, error),
    };
    let Some(session_id) = claims.sid else {
        // A token of the API, not of an admin center session.
        return to_sign_in();
    };
    // Roles are read afresh with every request: an administrator who lost them has no more
    // admin center, whatever the session.
    if !admitted(&caller.principal) {
        let lang = Lang::of(&parts.headers);
        return super::bare_error_page(lang, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let tenant_id = caller.tenant_id;
    let tenant_name = match state.db(move |store| store.tenant(tenant_id)).await {
        Ok(tenant) => tenant.display_name,
        Err(error) => return session_failure(&parts, error),
    };
    let session = Session {
        lang: Lang::of(&parts.headers),
        csrf: state.keys.keyed_hash(&csrf_input(session_id)),
        path_and_query: encode(&path_and_query),
        caller: caller.clone(),
        tenant_name,
        session_id,
        state: state.clone(),
    };
    // The API's handlers and the pages see the same caller.
    parts.extensions.insert(caller);
    parts.extensions.insert(session);
    let renew = Utc::now().timestamp() - claims.iat > TOKEN_LIFETIME_SECONDS / 2;
    let https = secure(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if renew {
        let mut renewed = Claims::new(claims.iss, claims.tid, claims.oid, "user", Utc::now());
        renewed.upn = claims.upn;
        renewed.sid = Some(session_id);
        // Still the sign-in's time: a revocation since it (even one made while this request
        // ran) ends the renewed token too.
        renewed.iat_us = claims.iat_us;
        set_cookie(
            &mut response,
            SESSION_COOKIE,
            &state.keys.issue(&renewed),
            None,
            https,
        );
    }
    response
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
    /// For an account that must change its password: the new one, twice.
    new_password: Option<String>,
    #[serde(default)]
    confirm: String,
}

/// A page of the sign-in flow: its title and introduction, and a form posted to `/signin`
/// carrying the login-CSRF token, where to go next, and the refusal if any (`fields` after it).
fn sign_in_frame(
    lang: Lang,
    (title, intro): (&str, &str),
    (nonce_token, next, error): (&str, &str, Option<&str>),
    fields: Markup,
    after: Markup,
) -> Response {
    let body = html! {
        main.signin {
            h1 { (lang.t(title)) }
            p { (lang.t(intro)) }
            form method="post" action="/signin" {
                input type="hidden" name="csrf" value=(nonce_token);
                input type="hidden" name="next" value=(next);
                @if let Some(error) = error {
                    p.error role="alert" id="signin-error" { (error) }
                }
                (fields)
            }
            (after)
        }
    };
    with_page_headers(document(lang, &lang.t(title), body).into_response())
}

/// The form of an account that must change its password before its first sign-in: its
/// current password again, and the new one twice (never the typed passwords written back).
fn change_password_form(
    lang: Lang,
    nonce_token: &str,
    username: &str,
    next: &str,
    error: Option<String>,
) -> Response {
    let fields = html! {
        input type="hidden" name="username" value=(username);
        p { strong { (username) } }
        label for="password" { (lang.t("change-password-current")) }
        input id="password" name="password" type="password" autocomplete="current-password" required;
        label for="new_password" { (lang.t("change-password-new")) }
        input id="new_password" name="new_password" type="password" autocomplete="new-password" required
            aria-describedby=[error.as_ref().map(|_| "signin-error")];
        label for="confirm" { (lang.t("change-password-confirm")) }
        input id="confirm" name="confirm" type="password" autocomplete="new-password" required;
        button type="submit" { (lang.t("change-password-submit")) }
    };
    sign_in_frame(
        lang,
        ("change-password-title", "change-password-intro"),
        (nonce_token, next, error.as_deref()),
        fields,
        html! {},
    )
}

/// The sign-in page, with what was typed and why it was refused.
fn sign_in_form(
    lang: Lang,
    nonce_token: &str,
    username: &str,
    next: &str,
    error: Option<String>,
) -> Response {
    let other = if lang == Lang::En { Lang::Nl } else { Lang::En };
    let fields = html! {
        label for="username" { (lang.t("sign-in-username")) }
        input id="username" name="username" type="email" autocomplete="username" required
            value=(username) aria-describedby=[error.as_ref().map(|_| "signin-error")];
        label for="password" { (lang.t("sign-in-password")) }
        input id="password" name="password" type="password" autocomplete="current-password" required;
        button type="submit" { (lang.t("sign-in-submit")) }
    };
    let switch = html! {
        p.lang {
            a href={ "/language?to=" (other.code()) "&back=/signin" } hreflang=(other.code()) {
                (lang.t(if other == Lang::Nl { "language-nl" } else { "language-en" }))
            }
        }
    };
    sign_in_frame(
        lang,
        ("sign-in-title", "sign-in-intro"),
        (nonce_token, next, error.as_deref()),
        fields,
        switch,
    )
}

/// `GET /signin`.
pub async fn sign_in_page(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<SignInQuery>,
) -> Response {
    let lang = Lang::of(&parts.headers);
    let nonce = match cookie(&parts.headers, SIGN_IN_COOKIE) {
        Some(nonce) if nonce.len() == 32 => nonce,
        _ => {
            let bytes: [u8; 16] = rand::rng().random();
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    };
    let next = query.next.as_deref().and_then(local_path).unwrap_or("/");
    let mut response = sign_in_form(
        lang,
        &state.keys.keyed_hash(&format!("sign-in:{nonce}")),
        "",
        next,
        None,
    );
    set_cookie(&mut response, SIGN_IN_COOKIE, &nonce, None, secure(&parts));
    response
}

/// The signed-in user as a principal, with its roles as they are now.
fn administrator(record: &roster_store::SignInRecord) -> roster_core::access::Principal {
    roster_core::access::Principal::User {
        id: record.user.id,
        name: record.user.user_principal_name.to_string(),
        roles: record.roles.clone(),
    }
}

/// Whether a principal may use the admin center: only administrators (as in Microsoft 365), a
/// question asked at sign-in and again on every request of the session.
fn admitted(principal: &roster_core::access::Principal) -> bool {
    principal.authorize(Operation::ReadUsers, &[]).is_ok()
}

/// `POST /signin`.
pub async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<SignInForm>,
) -> Response {
    let lang = Lang::of(&parts.headers);
    let next = local_path(&form.next).unwrap_or("/").to_string();
    let nonce = cookie(&parts.headers, SIGN_IN_COOKIE).unwrap_or_default();
    let again = |message: &str| {
        let mut response = sign_in_form(
            lang,
            &form.csrf,
            &form.username,
            &next,
            Some(message.to_string()),
        );
        *response.status_mut() = StatusCode::OK;
        response
    };
    if nonce.is_empty()
        || !state
            .keys
            .keyed_hash_matches(&format!("sign-in:{nonce}"), &form.csrf)
    {
        let mut response = sign_in_page(
            State(state),
            parts,
            Query(SignInQuery {
                next: Some(next.clone()),
            }),
        )
        .await;
        // The page again with a fresh form: the old one did not come from this browser.
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    let changing_password = form.new_password.is_some();
    let admit = |record: &roster_store::SignInRecord| {
        use crate::auth::SignInRefusal::*;
        if !record.user.account_enabled {
            Err(Disabled)
        } else if !admitted(&administrator(record)) {
            Err(NotAllowed)
        } else if record.user.force_change_password_next_sign_in && !changing_password {
            Err(PasswordExpired)
        } else {
            Ok(())
        }
    };
    let credentials = (form.username.clone(), form.password.clone());
    let record =
        match crate::auth::sign_in(&state, &parts, "Admin center", credentials, admit).await {
            Ok(Ok(record)) => record,
            Ok(Err(refusal)) => {
                use crate::auth::SignInRefusal::*;
                return match refusal {
                    InvalidCredentials => again(&lang.t("sign-in-invalid")),
                    Locked => again(&lang.t("sign-in-locked")),
                    Disabled => again(&lang.t("sign-in-blocked")),
                    NotAllowed => again(&lang.t("sign-in-not-an-administrator")),
                    // The password was right, and must be changed before the session starts.
                    PasswordExpired => {
                        change_password_form(lang, &form.csrf, form.username.trim(), &next, None)
                    }
                    Busy => {
                        let mut response = again(&lang.t("sign-in-busy"));
                        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                        response
                            .headers_mut()
                            .insert("Retry-After", HeaderValue::from_static("1"));
                        response
                    }
                };
            }
            Err(error) => {
                tracing::warn!("admin center sign-in failed: {}", error.message);
                return again(&lang.t("sign-in-unavailable"));
            }
        };
    let principal = administrator(&record);
    let (tenant_id, user_id) = (record.tenant_id, record.user.id);
    if record.user.force_change_password_next_sign_in {
        // The password was right, and must be changed before the session starts.
        let refused = |message: Option<String>| {
            change_password_form(lang, &form.csrf, form.username.trim(), &next, message)
        };
        let Some(new_password) = &form.new_password else {
            return refused(None);
        };
        if *new_password != form.confirm {
            return refused(Some(lang.t("change-password-mismatch")));
        }
        if *new_password == form.password {
            return refused(Some(lang.t("change-password-same")));
        }
        if !roster_core::requests::check_password(new_password) {
            return refused(Some(lang.t("api-weak-password")));
        }
        let hash = match state.hasher.hash(new_password.clone()).await {
            Ok(Some(hash)) => hash,
            Ok(None) => return again(&lang.t("sign-in-unavailable")),
            Err(_busy) => return again(&lang.t("sign-in-busy")),
        };
        let change = crate::auth::Caller {
            tenant_id,
            principal: principal.clone(),
            client_ip: crate::state::client_ip(&parts),
        }
        .change();
        // Only over the password just checked: an administrator's reset in between stands, and
        // this sign-in must start again with the new one.
        let expected = record.password_hash.clone().unwrap_or_default();
        let changed = state
            .db(move |store| store.change_own_password(&change, user_id, &expected, &hash))
            .await;
        match changed {
            Ok(true) => {}
            Ok(false) => return again(&lang.t("sign-in-invalid")),
            Err(error) => {
                tracing::warn!("admin center password change failed: {}", error.message);
                return again(&lang.t("sign-in-unavailable"));
            }
        }
    }
    let started = state
        .db(move |store| store.start_admin_session(tenant_id, user_id, Utc::now()))
        .await;
    let session_id = match started {
        Ok(id) => id,
        Err(error) => {
            tracing::warn!("admin center sign-in failed: {}", error.message);
            return again(&lang.t("sign-in-unavailable"));
        }
    };
    let issuer = state.issuer(tenant_id);
    let mut claims = Claims::new(issuer, tenant_id, user_id, "user", Utc::now());
    claims.upn = Some(record.user.user_principal_name.to_string());
    claims.sid = Some(session_id);
    let mut response = see_other(&next);
    let https = secure(&parts);
    set_cookie(
        &mut response,
        SESSION_COOKIE,
        &state.keys.issue(&claims),
        None,
        https,
    );
    set_cookie(&mut response, SIGN_IN_COOKIE, "", Some(0), https);
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /signout`: ends the session (its token is refused from now on) and clears the cookie.
pub async fn sign_out(session: Session, parts: Parts, Form(form): Form<CsrfForm>) -> Response {
    if let Err(error) = session.check_csrf(&form.csrf) {
        return super::failure(&session, error);
    }
    let session_id = session.session_id;
    if let Err(error) = session
        .state
        .db(move |store| store.end_admin_session(session_id, Utc::now()))
        .await
    {
        return super::failure(&session, error);
    }
    let mut response = see_other("/signin");
    set_cookie(&mut response, SESSION_COOKIE, "", Some(0), secure(&parts));
    response
}
