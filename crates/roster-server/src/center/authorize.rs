//! Signing a user in to an application: `/{tenant}/oauth2/v2.0/authorize`, at Entra ID's path.
//! The request is checked by [`crate::identity::grants::check`]; a browser already signed in
//! (the session cookie of [`crate::identity::session`]) goes straight back to the application
//! with a code, unless `prompt` or `max_age` asks for the password again; otherwise this page
//! asks for it, in the browser's language, and signs in through the same path as every other
//! front-end ([`crate::identity::sign_in::sign_in`]: smart lockout, the sign-in log).
//!
//! An error about the application or its redirect URI is shown here and never sent anywhere;
//! any other goes back to the application as Entra sends it (`error`, `error_description`).

use axum::extract::{Form, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::html;
use roster_core::types::ObjectId;

use super::i18n::Lang;
use super::layout::{bare_error_page, document, set_content_policy, with_page_headers};
use crate::identity::grants::{
    Authorization, AuthorizeError, AuthorizeParams, ResponseMode, answer_params, check, issue_code,
};
use crate::identity::session::{self as browser, Found, SESSION_COOKIE, set_cookie};
use crate::identity::sign_in::SignInRefusal;
use crate::state::AppState;

/// The tenant a path names, or the page that says it names none.
async fn tenant_of(state: &AppState, lang: Lang, tenant: String) -> Result<ObjectId, Response> {
    match state.db(move |store| store.resolve_tenant(&tenant)).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(bare_error_page(
            lang,
            StatusCode::BAD_REQUEST,
            "AADSTS90002: Tenant not found. Check the tenant id or domain in the address.",
        )),
        Err(error) => Err(bare_error_page(lang, error.status, &error.message)),
    }
}

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub async fn start(
    State(state): State<AppState>,
    parts: Parts,
    Path(tenant): Path<String>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let lang = Lang::of(&parts.headers);
    let tenant_id = match tenant_of(&state, lang, tenant).await {
        Ok(id) => id,
        Err(page) => return page,
    };
    let authorization = match check(&state, tenant_id, &params).await {
        Ok(authorization) => authorization,
        Err(error) => return refused(lang, &error),
    };
    // A browser signed in to this organisation goes straight back, unless asked not to.
    let session = match browser::check(&state, &parts).await {
        Ok(Found::Open(checked)) if checked.caller.tenant_id == tenant_id => Some(checked),
        Ok(_) => None,
        Err(error) => return bare_error_page(lang, error.status, &error.message),
    };
    let prompt = authorization.prompt.as_deref();
    if let Some(session) = session.filter(|_| !matches!(prompt, Some("login" | "select_account"))) {
        let auth_time = DateTime::from_timestamp_micros(session.claims.iat_us).unwrap_or_default();
        // `max_age=0` always asks again.
        let fresh = authorization
            .max_age
            .is_none_or(|max_age| max_age > 0 && (Utc::now() - auth_time).num_seconds() <= max_age);
        if fresh {
            let user_id = session.claims.oid;
            let issued = async {
                let access = crate::identity::grants::app_access(
                    &state,
                    tenant_id,
                    &authorization.app,
                    user_id,
                )
                .await?;
                let refused = access
                    .err()
                    .map(|refused| (refused.code(), refused.aadsts(&authorization.app)));
                log_session_sign_in(
                    &state,
                    &parts,
                    (tenant_id, user_id),
                    &authorization.app,
                    refused.as_ref().map(|(code, text)| (*code, text.as_str())),
                )
                .await?;
                if let Some((_, text)) = refused {
                    return Ok(Err(text));
                }
                let code = issue_code(&state, &authorization, user_id, auth_time).await?;
                Ok::<_, crate::error::ApiError>(Ok(code))
            };
            return match issued.await {
                Ok(Ok(code)) => answer(&authorization, code),
                Ok(Err(refusal)) => bare_error_page(lang, StatusCode::FORBIDDEN, &refusal),
                Err(error) => bare_error_page(lang, error.status, &error.message),
            };
        }
    }
    if prompt == Some("none") {
        return refused(
            lang,
            &AuthorizeError::Redirect {
                to: authorization.redirect.uri.clone(),
                mode: authorization.mode,
                state: authorization.state.clone(),
                error: "login_required",
                description:
                    "AADSTS50058: A silent sign-in request was sent but no user is signed in."
                        .into(),
            },
        );
    }
    let (nonce, token) = browser::sign_in_nonce(&state.keys, &parts);
    let username = authorization.login_hint.clone().unwrap_or_default();
    let mut response = form(
        &state,
        lang,
        &authorization,
        &params,
        (&token, &username),
        None,
    )
    .await;
    browser::keep_sign_in_nonce(&mut response, &parts, Some(&nonce));
    response
}

/// `POST /{tenant}/oauth2/v2.0/authorize`: the sign-in form, with the request's parameters.
pub async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    Path(tenant): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = Lang::of(&parts.headers);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let params = AuthorizeParams {
        client_id: field("client_id"),
        response_type: field("response_type"),
        redirect_uri: field("redirect_uri"),
        scope: field("scope"),
        state: field("state"),
        nonce: field("nonce"),
        code_challenge: field("code_challenge"),
        code_challenge_method: field("code_challenge_method"),
        response_mode: field("response_mode"),
        prompt: field("prompt"),
        login_hint: field("login_hint"),
        domain_hint: field("domain_hint"),
        max_age: field("max_age"),
    };
    let tenant_id = match tenant_of(&state, lang, tenant).await {
        Ok(id) => id,
        Err(page) => return page,
    };
    let authorization = match check(&state, tenant_id, &params).await {
        Ok(authorization) => authorization,
        Err(error) => return refused(lang, &error),
    };
    let (username, password, csrf) = (
        field("username").unwrap_or_default(),
        field("password").unwrap_or_default(),
        field("csrf").unwrap_or_default(),
    );
    if !browser::sign_in_form_matches(&state.keys, &parts, &csrf) {
        // A form this browser did not load: a fresh one, and nothing checked.
        let (nonce, token) = browser::sign_in_nonce(&state.keys, &parts);
        let mut response = form(
            &state,
            lang,
            &authorization,
            &params,
            (&token, &username),
            None,
        )
        .await;
        browser::keep_sign_in_nonce(&mut response, &parts, Some(&nonce));
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    let again = |message: String| {
        let (state, authorization, params, csrf, username) = (
            state.clone(),
            authorization.clone(),
            params.clone(),
            csrf.clone(),
            username.clone(),
        );
        async move {
            form(
                &state,
                lang,
                &authorization,
                &params,
                (&csrf, &username),
                Some(message),
            )
            .await
        }
    };
    let new_password = field("new_password");
    let changing = new_password.is_some();
    let admit = |record: &roster_store::SignInRecord| {
        if record.tenant_id != tenant_id {
            // Another organisation's user is, to this one, a name it does not know.
            Err(SignInRefusal::InvalidCredentials)
        } else if !record.user.account_enabled {
            Err(SignInRefusal::Disabled)
        } else if record.user.force_change_password_next_sign_in && !changing {
            Err(SignInRefusal::PasswordExpired)
        } else {
            Ok(())
        }
    };
    let change_form = |message: Option<String>| {
        let (state, authorization, params, csrf, username) = (
            state.clone(),
            authorization.clone(),
            params.clone(),
            csrf.clone(),
            username.trim().to_string(),
        );
        async move {
            page(
                &state,
                lang,
                &authorization,
                &params,
                (&csrf, &username),
                message,
                true,
            )
            .await
        }
    };
    let record = match crate::identity::sign_in::sign_in(
        &state,
        &parts,
        crate::identity::sign_in::SignInApp::of(&authorization.app),
        (username.clone(), password.clone()),
        admit,
    )
    .await
    {
        Ok(Ok(record)) => record,
        // The password was right, and must be changed before signing in.
        Ok(Err(SignInRefusal::PasswordExpired)) => return change_form(None).await,
        Ok(Err(refusal)) => {
            return refused_sign_in(refusal, again(lang.t(refusal_key(refusal))).await);
        }
        Err(error) => {
            tracing::warn!("sign-in to an application failed: {}", error.message);
            return again(lang.t("sign-in-unavailable")).await;
        }
    };
    if record.user.force_change_password_next_sign_in {
        let changed = super::sign_in::change_expired_password(
            &state,
            &parts,
            lang,
            &record,
            &password,
            (
                new_password.as_deref(),
                &field("confirm").unwrap_or_default(),
            ),
        )
        .await;
        match changed {
            Ok(()) => {}
            Err(super::sign_in::ChangeRefused::Form(message)) => return change_form(message).await,
            Err(super::sign_in::ChangeRefused::SignIn(message)) => return again(message).await,
        }
    }
    let session = match browser::start(&state, &record).await {
        Ok(token) => token,
        Err(error) => {
            tracing::warn!("sign-in to an application failed: {}", error.message);
            return again(lang.t("sign-in-unavailable")).await;
        }
    };
    // Signed in to the organisation; the application may still refuse the user.
    let refused = match crate::identity::grants::app_access(
        &state,
        tenant_id,
        &authorization.app,
        record.user.id,
    )
    .await
    {
        Ok(access) => access.err(),
        Err(error) => {
            tracing::warn!("sign-in to an application failed: {}", error.message);
            return again(lang.t("sign-in-unavailable")).await;
        }
    };
    if let Some(refused) = refused {
        let text = refused.aadsts(&authorization.app);
        if let Err(error) = log_session_sign_in(
            &state,
            &parts,
            (tenant_id, record.user.id),
            &authorization.app,
            Some((refused.code(), &text)),
        )
        .await
        {
            tracing::warn!("logging a refused sign-in failed: {}", error.message);
        }
        let mut response = bare_error_page(lang, StatusCode::FORBIDDEN, &text);
        set_cookie(
            &mut response,
            browser::secure(&parts),
            (SESSION_COOKIE, &session),
            None,
        );
        browser::keep_sign_in_nonce(&mut response, &parts, None);
        return response;
    }
    let code = match issue_code(&state, &authorization, record.user.id, Utc::now()).await {
        Ok(code) => code,
        Err(error) => {
            tracing::warn!("issuing a code failed: {}", error.message);
            return again(lang.t("sign-in-unavailable")).await;
        }
    };
    let mut response = answer(&authorization, code);
    set_cookie(
        &mut response,
        browser::secure(&parts),
        (SESSION_COOKIE, &session),
        None,
    );
    browser::keep_sign_in_nonce(&mut response, &parts, None);
    response
}

/// A signed-in user's sign-in to an application without a password (a browser's session, or a
/// password checked a moment ago for the session), in the sign-in log and the user's sign-in
/// activity as the interactive sign-in it is; `refusal` the application's refusal, if any.
pub(super) async fn log_session_sign_in(
    state: &AppState,
    parts: &Parts,
    (tenant_id, user_id): (ObjectId, ObjectId),
    app: &roster_core::directory::AppRegistration,
    refusal: Option<(i64, &str)>,
) -> crate::error::ApiResult<()> {
    let user = state
        .db(move |store| store.get_user(tenant_id, &roster_store::UserKey::Id(user_id)))
        .await?;
    crate::identity::sign_in::log_sign_in(
        state,
        parts,
        (tenant_id, &user),
        crate::identity::sign_in::SignInApp::of(app),
        true,
        refusal,
    )
    .await
}

/// What a user signing in to an application is told of a refused password sign-in: the same
/// for a name that does not exist as for a wrong password.
pub(super) fn refusal_key(refusal: SignInRefusal) -> &'static str {
    match refusal {
        SignInRefusal::InvalidCredentials | SignInRefusal::NotAllowed => "sign-in-invalid",
        SignInRefusal::Locked => "sign-in-locked",
        SignInRefusal::Disabled => "authorize-blocked",
        SignInRefusal::PasswordExpired => "authorize-password-expired",
        SignInRefusal::Busy => "sign-in-busy",
    }
}

/// The page that says a refusal, answered as one: 429 with `Retry-After` while the password
/// checks are saturated.
pub(super) fn refused_sign_in(refusal: SignInRefusal, mut page: Response) -> Response {
    if refusal == SignInRefusal::Busy {
        *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        page.headers_mut()
            .insert("Retry-After", HeaderValue::from_static("1"));
    }
    page
}

/// The sign-in page for an application: the organisation's name, the application's, and a
/// form that carries the request on.
async fn form(
    state: &AppState,
    lang: Lang,
    authorization: &Authorization,
    params: &AuthorizeParams,
    (csrf, username): (&str, &str),
    error: Option<String>,
) -> Response {
    page(
        state,
        lang,
        authorization,
        params,
        (csrf, username),
        error,
        false,
    )
    .await
}

/// The sign-in page, or (`changing`) the form of an account whose password must change before
/// it signs in: its current password again and the new one twice (never a typed password
/// written back).
async fn page(
    state: &AppState,
    lang: Lang,
    authorization: &Authorization,
    params: &AuthorizeParams,
    (csrf, username): (&str, &str),
    error: Option<String>,
    changing: bool,
) -> Response {
    let tenant_id = authorization.tenant_id;
    let organisation = state
        .db(move |store| store.tenant(tenant_id))
        .await
        .map(|tenant| tenant.display_name)
        .unwrap_or_default();
    let body = html! {
        main.signin {
            p.organisation { (organisation) }
            h1 { (lang.t(if changing { "change-password-title" } else { "sign-in-title" })) }
            p { (lang.t_with("authorize-intro", &[("app", authorization.app.display_name.clone().into())])) }
            @if changing { p { (lang.t("change-password-intro")) } }
            form method="post" {
                input type="hidden" name="csrf" value=(csrf);
                @for (name, value) in params.pairs() { input type="hidden" name=(name) value=(value); }
                @if let Some(error) = &error { p.error role="alert" id="signin-error" { (error) } }
                @if changing {
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
                } @else {
                    label for="username" { (lang.t("sign-in-username")) }
                    input id="username" name="username" type="email" autocomplete="username" required
                        value=(username) aria-describedby=[error.as_ref().map(|_| "signin-error")];
                    label for="password" { (lang.t("sign-in-password")) }
                    input id="password" name="password" type="password" autocomplete="current-password" required;
                    button type="submit" { (lang.t("sign-in-submit")) }
                }
            }
        }
    };
    let mut response =
        with_page_headers(document(lang, &lang.t("sign-in-title"), body).into_response());
    // The form posts here, and its answer redirects to the application: a browser holds the
    // redirect that follows a form to `form-action` too.
    set_content_policy(
        &mut response,
        &format!("'self' {}", form_action_source(&authorization.redirect.uri)),
    );
    if error.is_some() {
        *response.status_mut() = StatusCode::OK;
    }
    response
}

/// The `form-action` source of a redirect URI: its origin, or its scheme for a scheme of a
/// public client's own (`msal...:`).
fn form_action_source(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url.origin().ascii_serialization(),
        Ok(url) => format!("{}:", url.scheme()),
        Err(_) => String::new(),
    }
}

/// A request that cannot go on: on a page of roster's, or back to the application.
fn refused(lang: Lang, error: &AuthorizeError) -> Response {
    match error {
        AuthorizeError::Page(message) => bare_error_page(lang, StatusCode::BAD_REQUEST, message),
        AuthorizeError::Redirect { to, mode, .. } => send_back(to, *mode, &answer_params(error)),
    }
}

/// The code back to the application, with the request's `state`.
fn answer(authorization: &Authorization, code: String) -> Response {
    let mut params = vec![("code", code)];
    if let Some(state) = &authorization.state {
        params.push(("state", state.clone()));
    }
    send_back(&authorization.redirect.uri, authorization.mode, &params)
}

/// Sends parameters to a registered redirect URI as `mode` says: in its query, in its
/// fragment, or posted by a page that submits itself (`form_post`).
fn send_back(to: &str, mode: ResponseMode, params: &[(&str, String)]) -> Response {
    let encoded = || {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (name, value) in params {
            serializer.append_pair(name, value);
        }
        serializer.finish()
    };
    let location = match mode {
        ResponseMode::Query => {
            let joint = if to.contains('?') { '&' } else { '?' };
            format!("{to}{joint}{}", encoded())
        }
        ResponseMode::Fragment => format!("{to}#{}", encoded()),
        ResponseMode::FormPost => return form_post(to, params),
    };
    let Ok(value) = HeaderValue::from_str(&location) else {
        // Registered URIs are visible ASCII; should one not be, say so rather than send nowhere.
        return bare_error_page(
            Lang::En,
            StatusCode::INTERNAL_SERVER_ERROR,
            "The application's redirect URI cannot be sent to.",
        );
    };
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(header::LOCATION, value);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `response_mode=form_post`: a page whose form posts the answer to the application, sent at
/// once by the server's script, or by its button without one.
fn form_post(to: &str, params: &[(&str, String)]) -> Response {
    let body = html! {
        main.signin {
            form method="post" action=(to) data-auto-submit {
                @for (name, value) in params { input type="hidden" name=(name) value=(value); }
                noscript { button type="submit" { "Continue" } }
            }
        }
    };
    let mut response = with_page_headers(document(Lang::En, "Continue", body).into_response());
    set_content_policy(&mut response, &form_action_source(to));
    response
        .headers_mut()
        .insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

#[derive(serde::Deserialize, Default)]
pub struct LogoutParams {
    post_logout_redirect_uri: Option<String>,
    id_token_hint: Option<String>,
    client_id: Option<String>,
    state: Option<String>,
}

/// `/{tenant}/oauth2/v2.0/logout` (OpenID Connect's end session): ends the browser's session
/// (every application signed in through it must ask again), then goes back to the
/// application only if `post_logout_redirect_uri` is one of its registered redirect URIs (the
/// application named by `client_id` or by the ID token of `id_token_hint`); else a page says
/// that the user has signed out.
pub async fn logout(
    State(state): State<AppState>,
    parts: Parts,
    Path(tenant): Path<String>,
    Query(params): Query<LogoutParams>,
) -> Response {
    let lang = Lang::of(&parts.headers);
    let tenant_id = match tenant_of(&state, lang, tenant).await {
        Ok(id) => id,
        Err(page) => return page,
    };
    if let Ok(Found::Open(checked)) = browser::check(&state, &parts).await
        && let Err(error) = browser::end(&state, checked.id).await
    {
        return bare_error_page(lang, error.status, &error.message);
    }
    // Where to go back to: a URI registered for the application the request names.
    let hinted = params
        .id_token_hint
        .as_deref()
        .and_then(|hint| state.keys.id_token_hint(hint))
        .filter(|claims| claims.tid == tenant_id)
        .map(|claims| claims.aud);
    let named = params
        .client_id
        .as_deref()
        .and_then(|id| ObjectId::parse(id).ok());
    let back = match (params.post_logout_redirect_uri.clone(), hinted.or(named)) {
        (Some(uri), Some(client_id)) => {
            match crate::identity::grants::client_app(&state, tenant_id, client_id).await {
                Ok(Some(stored)) if stored.app.redirect_uris.iter().any(|r| r.uri == uri) => {
                    Some(uri)
                }
                _ => None,
            }
        }
        _ => None,
    };
    let mut response = match back {
        Some(uri) => {
            let params: Vec<(&str, String)> = params
                .state
                .iter()
                .map(|state| ("state", state.clone()))
                .collect();
            send_back(&uri, ResponseMode::Query, &params)
        }
        None => {
            let body = html! {
                main.signin {
                    h1 { (lang.t("logout-title")) }
                    p role="status" { (lang.t("logout-done")) }
                }
            };
            with_page_headers(document(lang, &lang.t("logout-title"), body).into_response())
        }
    };
    set_cookie(
        &mut response,
        browser::secure(&parts),
        (SESSION_COOKIE, ""),
        Some(0),
    );
    response
}
