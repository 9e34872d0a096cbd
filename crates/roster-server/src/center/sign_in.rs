//! Signing in to the admin center and out of it: the sign-in page, the change of a password that
//! must change before the session starts, and the check of every other page's session
//! ([`require`]).
//!
//! Signing in checks the name and password as the OAuth password grant does
//! ([`crate::identity::sign_in::sign_in`]) and refuses accounts without an administrator role
//! (asked again on every request); the session itself (its cookie, renewal and CSRF tokens) is
//! [`crate::identity::session`]'s.

use axum::extract::{Form, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use roster_core::access::Operation;
use serde::Deserialize;

use super::i18n::Lang;
use super::layout::{bare_error_page, document, failure, with_page_headers};
use super::redirect::{local_path, see_other};
use super::session::Session;
use super::wording::worded;
use crate::error::ApiError;
use crate::identity::session::{self as browser, Found, SESSION_COOKIE, set_cookie};
use crate::identity::sign_in::SignInRefusal;
use crate::identity::tokens::Caller;
use crate::state::AppState;

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A session that cannot be checked (the directory busy or failing): a page in the browser's
/// language, with only the request id of an internal error.
fn session_failure(parts: &Parts, error: ApiError) -> Response {
    let lang = Lang::of(&parts.headers);
    let status = error.status;
    bare_error_page(lang, status, &worded(lang, error))
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
    let checked = match browser::check(&state, &parts).await {
        Ok(Found::Open(checked)) => *checked,
        Ok(Found::None) => return to_sign_in(),
        Ok(Found::Ended) => {
            let mut response = to_sign_in();
            set_cookie(
                &mut response,
                browser::secure(&parts),
                (SESSION_COOKIE, ""),
                Some(0),
            );
            return response;
        }
        Err(error) => return session_failure(&parts, error),
    };
    let caller = checked.caller.clone();
    // Roles are read afresh with every request: an administrator who lost them has no more
    // admin center, whatever the session.
    if !admitted(&caller.principal) {
        let lang = Lang::of(&parts.headers);
        return bare_error_page(lang, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let tenant_id = caller.tenant_id;
    let tenant_name = match state.db(move |store| store.tenant(tenant_id)).await {
        Ok(tenant) => tenant.display_name,
        Err(error) => return session_failure(&parts, error),
    };
    let session = Session {
        lang: Lang::of(&parts.headers),
        csrf: browser::form_token(&state.keys, checked.id),
        path_and_query: encode(&path_and_query),
        caller: caller.clone(),
        tenant_name,
        session_id: checked.id,
        state: state.clone(),
    };
    // The API's handlers and the pages see the same caller.
    parts.extensions.insert(caller);
    parts.extensions.insert(session);
    let renewal = browser::renewal(&state.keys, &checked);
    let https = browser::secure(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    // A response that sets the session cookie itself (signing out clears it) keeps its own.
    let sets_session = response
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .any(|value| {
            value
                .as_bytes()
                .starts_with(format!("{SESSION_COOKIE}=").as_bytes())
        });
    if let Some(token) = renewal.filter(|_| !sets_session) {
        set_cookie(&mut response, https, (SESSION_COOKIE, &token), None);
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
    let (nonce, token) = browser::sign_in_nonce(&state.keys, &parts);
    let next = query.next.as_deref().and_then(local_path).unwrap_or("/");
    let mut response = sign_in_form(lang, &token, "", next, None);
    browser::keep_sign_in_nonce(&mut response, &parts, Some(&nonce));
    response
}

/// The signed-in user as a principal, with its roles as they are now.
fn administrator(record: &roster_store::SignInRecord) -> roster_core::access::Principal {
    roster_core::access::Principal::User {
        id: record.user.id,
        name: record.user.user_principal_name.to_string(),
        roles: record.roles.clone(),
        scopes: None,
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
    if !browser::sign_in_form_matches(&state.keys, &parts, &form.csrf) {
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
        use SignInRefusal::*;
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
    let record = match crate::identity::sign_in::sign_in(
        &state,
        &parts,
        crate::identity::sign_in::SignInApp::named("Admin center"),
        credentials,
        admit,
    )
    .await
    {
        Ok(Ok(record)) => record,
        Ok(Err(refusal)) => {
            use SignInRefusal::*;
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
    if record.user.force_change_password_next_sign_in {
        // The password was right, and must be changed before the session starts.
        let changed = change_expired_password(
            &state,
            &parts,
            lang,
            &record,
            &form.password,
            (form.new_password.as_deref(), &form.confirm),
        )
        .await;
        match changed {
            Ok(()) => {}
            Err(ChangeRefused::Form(message)) => {
                return change_password_form(
                    lang,
                    &form.csrf,
                    form.username.trim(),
                    &next,
                    message,
                );
            }
            Err(ChangeRefused::SignIn(message)) => return again(&message),
        }
    }
    let token = match browser::start(&state, &record).await {
        Ok(token) => token,
        Err(error) => {
            tracing::warn!("admin center sign-in failed: {}", error.message);
            return again(&lang.t("sign-in-unavailable"));
        }
    };
    let mut response = see_other(&next);
    set_cookie(
        &mut response,
        browser::secure(&parts),
        (SESSION_COOKIE, &token),
        None,
    );
    browser::keep_sign_in_nonce(&mut response, &parts, None);
    response
}

/// Why the change of an expired password was refused: said on the change form again, or on the
/// sign-in form (the password changed meanwhile, or the server could not do it).
pub(super) enum ChangeRefused {
    Form(Option<String>),
    SignIn(String),
}

/// Changes the password an account must change before it signs in, once its current one was
/// checked (`record`, by [`crate::identity::sign_in::sign_in`]): the new one given twice, not
/// the current one, and within Entra's rule; written only over the password just checked, so
/// that an administrator's reset in between stands. Every front-end that signs people in takes
/// this path (the admin center, an application's sign-in page).
pub(super) async fn change_expired_password(
    state: &AppState,
    parts: &Parts,
    lang: Lang,
    record: &roster_store::SignInRecord,
    current: &str,
    (new_password, confirm): (Option<&str>, &str),
) -> Result<(), ChangeRefused> {
    let Some(new_password) = new_password else {
        return Err(ChangeRefused::Form(None));
    };
    if new_password != confirm {
        return Err(ChangeRefused::Form(Some(
            lang.t("change-password-mismatch"),
        )));
    }
    if new_password == current {
        return Err(ChangeRefused::Form(Some(lang.t("change-password-same"))));
    }
    if !roster_core::requests::check_password(new_password) {
        return Err(ChangeRefused::Form(Some(lang.t("api-weak-password"))));
    }
    let hash = match state.hasher.hash(new_password.to_string()).await {
        Ok(Some(hash)) => hash,
        Ok(None) => return Err(ChangeRefused::SignIn(lang.t("sign-in-unavailable"))),
        Err(_busy) => return Err(ChangeRefused::SignIn(lang.t("sign-in-busy"))),
    };
    let change = Caller {
        tenant_id: record.tenant_id,
        principal: roster_core::access::Principal::User {
            id: record.user.id,
            name: record.user.user_principal_name.to_string(),
            roles: record.roles.clone(),
            scopes: None,
        },
        client_ip: crate::state::client_ip(parts),
    }
    .change();
    let (user_id, expected) = (
        record.user.id,
        record.password_hash.clone().unwrap_or_default(),
    );
    match state
        .db(move |store| store.change_own_password(&change, user_id, &expected, &hash))
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(ChangeRefused::SignIn(lang.t("sign-in-invalid"))),
        Err(error) => {
            tracing::warn!("changing an expired password failed: {}", error.message);
            Err(ChangeRefused::SignIn(lang.t("sign-in-unavailable")))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /signout`: ends the session (its token is refused from now on) and clears the cookie.
pub async fn sign_out(session: Session, parts: Parts, Form(form): Form<CsrfForm>) -> Response {
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    if let Err(error) = browser::end(&session.state, session.session_id).await {
        return failure(&session, error);
    }
    let mut response = see_other("/signin");
    set_cookie(
        &mut response,
        browser::secure(&parts),
        (SESSION_COOKIE, ""),
        Some(0),
    );
    response
}
