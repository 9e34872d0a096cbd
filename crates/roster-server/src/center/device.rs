//! `/devicelogin`: where a user completes a device's sign-in (the device code flow of
//! [`crate::identity::oauth`], which `roster login` uses): the user code the device shows is
//! entered here, then the user signs in (or, already signed in, confirms as whom), and the
//! device's request is approved or declined.
//!
//! The page names the application and the organisation and warns that a code someone else
//! sent is a trap (device code phishing). Wrong codes count against the browser's address
//! ([`roster_store::Store::enter_user_code`]); the password goes through the one sign-in path
//! of every front-end ([`crate::identity::sign_in::sign_in`]).

use axum::extract::{Form, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use roster_store::{DeviceGrant, Entered};

use super::i18n::Lang;
use super::layout::{document, with_page_headers};
use crate::identity::grants::{client_app, user_code_hash};
use crate::identity::session::{self as browser, Found, SESSION_COOKIE, set_cookie};
use crate::identity::sign_in::SignInRefusal;
use crate::state::AppState;

/// `GET /devicelogin`: the form for the code.
pub async fn start(State(state): State<AppState>, parts: Parts) -> Response {
    let lang = Lang::of(&parts.headers);
    let (nonce, token) = browser::sign_in_nonce(&state.keys, &parts);
    let mut response = code_form(lang, &token, None);
    browser::keep_sign_in_nonce(&mut response, &parts, Some(&nonce));
    response
}

fn code_form(lang: Lang, csrf: &str, error: Option<String>) -> Response {
    let body = html! {
        h1 { (lang.t("device-title")) }
        p { (lang.t("device-intro")) }
        form method="post" {
            input type="hidden" name="csrf" value=(csrf);
            @if let Some(error) = &error { p.error role="alert" id="device-error" { (error) } }
            label for="code" { (lang.t("device-code")) }
            input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters"
                spellcheck="false" required autofocus
                aria-describedby=[error.as_ref().map(|_| "device-error")];
            button type="submit" { (lang.t("device-next")) }
        }
    };
    shell(lang, body)
}

fn shell(lang: Lang, body: Markup) -> Response {
    let body = html! { main.signin { (body) } };
    with_page_headers(document(lang, &lang.t("device-title"), body).into_response())
}

/// `POST /devicelogin`: the code, then the sign-in or the confirmation that answers it.
pub async fn answer(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = Lang::of(&parts.headers);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let csrf = field("csrf");
    if !browser::sign_in_form_matches(&state.keys, &parts, &csrf) {
        // A form this browser did not load: a fresh one, and nothing checked.
        let (nonce, token) = browser::sign_in_nonce(&state.keys, &parts);
        let mut response = code_form(lang, &token, None);
        browser::keep_sign_in_nonce(&mut response, &parts, Some(&nonce));
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    let code = field("code");
    let source = crate::identity::sign_in::lockout_source(
        parts
            .extensions
            .get::<crate::state::Peer>()
            .and_then(|peer| peer.ip),
    );
    let hash = user_code_hash(&state, &code);
    let now = Utc::now();
    let entered = state
        .db(move |store| store.enter_user_code(&hash, &source, now))
        .await;
    let (device_hash, grant) = match entered {
        Ok(Entered::Found(device_hash, grant)) => (device_hash, grant),
        Ok(Entered::Wrong) => return code_form(lang, &csrf, Some(lang.t("device-wrong-code"))),
        Ok(Entered::Throttled(_)) => {
            let mut response = code_form(lang, &csrf, Some(lang.t("device-throttled")));
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response
                .headers_mut()
                .insert("Retry-After", HeaderValue::from_static("60"));
            return response;
        }
        Err(error) => {
            tracing::warn!("entering a device code failed: {}", error.message);
            return code_form(lang, &csrf, Some(lang.t("sign-in-unavailable")));
        }
    };
    let request = Request {
        lang,
        csrf: &csrf,
        code: &code,
        grant: &grant,
    };
    let (registration, organisation) = match request.names(&state).await {
        Some(names) => names,
        None => return code_form(lang, &csrf, Some(lang.t("device-wrong-code"))),
    };
    let app = registration.display_name.clone();
    // A browser signed in to the organisation may confirm as that account.
    let session = match browser::check(&state, &parts).await {
        Ok(Found::Open(checked)) if checked.caller.tenant_id == grant.tenant_id => Some(checked),
        _ => None,
    };
    let decided = |approval: Option<(roster_core::types::ObjectId, DateTime<Utc>)>| {
        let (state, device_hash) = (state.clone(), device_hash.clone());
        async move {
            state
                .db(move |store| store.decide_device_code(&device_hash, approval, Utc::now()))
                .await
        }
    };
    match field("decision").as_str() {
        "decline" => {
            return match decided(None).await {
                Ok(_) => done(lang, &lang.t("device-declined")),
                Err(error) => request.sign_in_form(&app, &organisation, None, Some(error.message)),
            };
        }
        "continue" => {
            if let Some(session) = session {
                let auth_time =
                    DateTime::from_timestamp_micros(session.claims.iat_us).unwrap_or_default();
                if let Some(refusal) =
                    refused_app(&state, &parts, &grant, &registration, session.claims.oid).await
                {
                    return request.sign_in_form(&app, &organisation, None, Some(refusal));
                }
                let approved = decided(Some((session.claims.oid, auth_time))).await;
                if let Ok(true) = approved
                    && let Err(error) = super::authorize::log_session_sign_in(
                        &state,
                        &parts,
                        (grant.tenant_id, session.claims.oid),
                        &registration,
                        None,
                    )
                    .await
                {
                    tracing::warn!("logging a device sign-in failed: {}", error.message);
                }
                return match approved {
                    Ok(true) => done(
                        lang,
                        &lang.t_with("device-done", &[("app", app.clone().into())]),
                    ),
                    Ok(false) => code_form(lang, &csrf, Some(lang.t("device-wrong-code"))),
                    Err(error) => {
                        request.sign_in_form(&app, &organisation, None, Some(error.message))
                    }
                };
            }
            // Signed out meanwhile: the name and password instead.
            return request.sign_in_form(&app, &organisation, None, None);
        }
        "password" => {}
        // The code alone: what the request is, and how to answer it.
        _ => {
            let signed_in = session.map(|checked| checked.caller.principal.name().to_string());
            return request.sign_in_form(&app, &organisation, signed_in, None);
        }
    }
    let (username, password) = (field("username"), field("password"));
    let tenant_id = grant.tenant_id;
    let admit = |record: &roster_store::SignInRecord| {
        if record.tenant_id != tenant_id {
            Err(SignInRefusal::InvalidCredentials)
        } else if !record.user.account_enabled {
            Err(SignInRefusal::Disabled)
        } else if record.user.force_change_password_next_sign_in {
            Err(SignInRefusal::PasswordExpired)
        } else {
            Ok(())
        }
    };
    let refused = |key: &str| request.sign_in_form(&app, &organisation, None, Some(lang.t(key)));
    let record = match crate::identity::sign_in::sign_in(
        &state,
        &parts,
        crate::identity::sign_in::SignInApp::of(&registration),
        (username, password),
        admit,
    )
    .await
    {
        Ok(Ok(record)) => record,
        Ok(Err(refusal)) => {
            return super::authorize::refused_sign_in(
                refusal,
                refused(super::authorize::refusal_key(refusal)),
            );
        }
        Err(error) => {
            tracing::warn!("a device sign-in failed: {}", error.message);
            return refused("sign-in-unavailable");
        }
    };
    let session = match browser::start(&state, &record).await {
        Ok(token) => token,
        Err(error) => {
            tracing::warn!("a device sign-in failed: {}", error.message);
            return refused("sign-in-unavailable");
        }
    };
    if let Some(refusal) = refused_app(&state, &parts, &grant, &registration, record.user.id).await
    {
        let mut response = request.sign_in_form(&app, &organisation, None, Some(refusal));
        set_cookie(
            &mut response,
            browser::secure(&parts),
            (SESSION_COOKIE, &session),
            None,
        );
        return response;
    }
    let mut response = match decided(Some((record.user.id, Utc::now()))).await {
        Ok(true) => done(
            lang,
            &lang.t_with("device-done", &[("app", app.clone().into())]),
        ),
        // Answered, expired or redeemed meanwhile.
        Ok(false) => code_form(lang, &csrf, Some(lang.t("device-wrong-code"))),
        Err(error) => {
            tracing::warn!("a device sign-in failed: {}", error.message);
            refused("sign-in-unavailable")
        }
    };
    set_cookie(
        &mut response,
        browser::secure(&parts),
        (SESSION_COOKIE, &session),
        None,
    );
    browser::keep_sign_in_nonce(&mut response, &parts, None);
    response
}

/// The application's refusal of the user (disabled, or requiring an assignment the user
/// lacks), logged as the failed sign-in it is, in words for the page; `None` if it may go on.
async fn refused_app(
    state: &AppState,
    parts: &Parts,
    grant: &DeviceGrant,
    app: &roster_core::directory::AppRegistration,
    user_id: roster_core::types::ObjectId,
) -> Option<String> {
    let refused =
        match crate::identity::grants::app_access(state, grant.tenant_id, app, user_id).await {
            Ok(access) => access.err()?,
            Err(error) => return Some(error.message),
        };
    let text = refused.aadsts(app);
    if let Err(error) = super::authorize::log_session_sign_in(
        state,
        parts,
        (grant.tenant_id, user_id),
        app,
        Some((refused.code(), &text)),
    )
    .await
    {
        tracing::warn!("logging a refused sign-in failed: {}", error.message);
    }
    Some(text)
}

/// A device's request as the browser answers it.
struct Request<'a> {
    lang: Lang,
    csrf: &'a str,
    code: &'a str,
    grant: &'a DeviceGrant,
}

impl Request<'_> {
    /// The application and the organisation's name, as the user is asked about them.
    async fn names(
        &self,
        state: &AppState,
    ) -> Option<(roster_core::directory::AppRegistration, String)> {
        let (tenant_id, client_id) = (self.grant.tenant_id, self.grant.client_id);
        let app = client_app(state, tenant_id, client_id).await.ok()??;
        let organisation = state
            .db(move |store| store.tenant(tenant_id))
            .await
            .map(|tenant| tenant.display_name)
            .unwrap_or_default();
        Some((app.app, organisation))
    }

    /// The request named, with a warning, and the ways to answer it: as the browser's signed-in
    /// account (`signed_in`), with a name and password, or declined.
    fn sign_in_form(
        &self,
        app: &str,
        organisation: &str,
        signed_in: Option<String>,
        error: Option<String>,
    ) -> Response {
        let lang = self.lang;
        let body = html! {
            p.organisation { (organisation) }
            h1 { (lang.t_with("device-sign-in-title", &[("app", app.to_string().into())])) }
            p { (lang.t_with("device-sign-in-intro", &[("app", app.to_string().into())])) }
            p.warning role="note" { (lang.t("device-warning")) }
            p {
                (lang.t_with("device-requested", &[
                    ("address", self.grant.requested.0.clone().unwrap_or_else(|| "?".into()).into()),
                    ("when", lang.datetime(self.grant.requested.1).into()),
                ]))
            }
            @if let Some(error) = &error { p.error role="alert" id="device-error" { (error) } }
            @if let Some(name) = &signed_in {
                form method="post" {
                    input type="hidden" name="csrf" value=(self.csrf);
                    input type="hidden" name="code" value=(self.code);
                    button type="submit" name="decision" value="continue" {
                        (lang.t_with("device-continue-as", &[("name", name.clone().into())]))
                    }
                }
                h2 { (lang.t("device-other-account")) }
            }
            form method="post" {
                input type="hidden" name="csrf" value=(self.csrf);
                input type="hidden" name="code" value=(self.code);
                input type="hidden" name="decision" value="password";
                label for="username" { (lang.t("sign-in-username")) }
                input id="username" name="username" type="email" autocomplete="username" required
                    autofocus[signed_in.is_none()]
                    aria-describedby=[error.as_ref().map(|_| "device-error")];
                label for="password" { (lang.t("sign-in-password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                button type="submit" { (lang.t("sign-in-submit")) }
            }
            form method="post" {
                input type="hidden" name="csrf" value=(self.csrf);
                input type="hidden" name="code" value=(self.code);
                button.secondary type="submit" name="decision" value="decline" { (lang.t("device-decline")) }
            }
        };
        shell(lang, body)
    }
}

/// The end: what happened, and that the window may close.
fn done(lang: Lang, message: &str) -> Response {
    shell(
        lang,
        html! {
            h1 { (lang.t("device-title")) }
            p role="status" { (message) }
            p { (lang.t("device-close")) }
        },
    )
}
