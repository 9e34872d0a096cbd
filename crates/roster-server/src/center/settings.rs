//! Organisation settings: the organisation's profile (its name, the usage location new users
//! get by default, the technical contact) and its sign-in settings (smart lockout, how long an
//! admin center session lasts), each form saved on its own with what changed confirmed.
//! Global Administrators change them; others with a reading role see them.

use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use roster_core::access::Operation;
use roster_core::directory::Tenant;
use roster_core::requests::{OrganizationUpdate, check_display_name, check_mail};
use roster_core::types::{InvalidValue, UsageLocation};
use roster_store::TenantSettings;
use serde::Deserialize;

use super::countries;
use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page, saved_notice, saved_properties};
use super::redirect::see_other;
use super::session::Session;
use super::wording::{message, problem};

/// The settings' names as the forms and confirmations use them.
const SAVED_NAMES: [&str; 6] = [
    "displayName",
    "defaultUsageLocation",
    "technicalContact",
    "lockoutThreshold",
    "lockoutDurationInSeconds",
    "sessionLifetimeInSeconds",
];

#[derive(Deserialize, Default)]
pub struct Params {
    saved: Option<String>,
}

/// `GET /settings`.
pub async fn page_handler(session: Session, Query(params): Query<Params>) -> Response {
    let saved = saved_properties(params.saved.as_deref(), |name| SAVED_NAMES.contains(&name));
    render(&session, saved, None).await
}

/// A refused form: which, its fields as submitted, and each refusal by field.
struct Refused {
    form: &'static str,
    typed: Vec<(String, String)>,
    messages: Vec<(String, String)>,
}

async fn render(
    session: &Session,
    saved: Option<Vec<String>>,
    refused: Option<Refused>,
) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let found = session
        .state()
        .db(move |store| Ok((store.tenant(tenant_id)?, store.tenant_settings(tenant_id)?)))
        .await;
    let (tenant, settings) = match found {
        Ok(found) => found,
        Err(error) => return failure(session, error),
    };
    let manage = session.may(Operation::ManageSettings);
    let typed = |form: &str, name: &str| {
        refused
            .as_ref()
            .filter(|r| r.form == form)
            .and_then(|r| r.typed.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.clone())
    };
    let error_for = |form: &str, name: &str| {
        refused
            .as_ref()
            .filter(|r| r.form == form)
            .and_then(|r| r.messages.iter().find(|(k, _)| k == name))
            .map(|(_, m)| m.clone())
    };
    let field = |form: &str,
                 name: &str,
                 label: String,
                 value: String,
                 kind: &str,
                 hint: Option<String>| {
        let id = format!("s-{name}");
        let message = error_for(form, name);
        let described = message
            .as_ref()
            .map(|_| format!("{id}-error"))
            .or(hint.as_ref().map(|_| format!("{id}-hint")));
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) name=(name) type=(kind) value=(typed(form, name).unwrap_or(value))
                    disabled[!manage]
                    aria-invalid=[message.as_ref().map(|_| "true")] aria-describedby=[described];
                @if let Some(hint) = &hint { span.muted id={ (id) "-hint" } { (hint) } }
                @if let Some(message) = &message { p.error role="alert" id={ (id) "-error" } { (message) } }
            }
        }
    };
    let (min_minutes, max_minutes) = (
        TenantSettings::SESSION.start() / 60,
        TenantSettings::SESSION.end() / 60,
    );
    let location = typed("profile", "defaultUsageLocation").unwrap_or_else(|| {
        tenant
            .default_usage_location
            .map(|l| l.to_string())
            .unwrap_or_default()
    });
    // As typed in a refused form (an unticked box is not sent), else as stored.
    let ticked = |name: &str, stored: bool| match typed("sign-in", "lockoutThreshold") {
        Some(_) => typed("sign-in", name).as_deref() == Some("on"),
        None => stored,
    };
    let password_grant = ticked("passwordGrantAllowed", settings.password_grant);
    let device_code_flow = ticked("deviceCodeFlowAllowed", settings.device_code_flow);
    // A setting that is on or off, named by its property, with a hint.
    let checkbox = |name: &str, checked: bool, hint: &str| {
        let hint_id = format!("s-{name}-hint");
        html! {
            div.field {
                label {
                    input type="checkbox" name=(name) value="on" disabled[!manage] checked[checked]
                        aria-describedby=(hint_id);
                    " " (lang.property(name))
                }
                span.muted id=(hint_id) { (lang.t(hint)) }
            }
        }
    };
    let content = html! {
        @if let Some(saved) = &saved { (saved_notice(lang, saved)) }
        @if !manage { p.note { (lang.t("settings-read-only")) } }
        section.panel id="profile" aria-labelledby="h-profile" {
            h2 id="h-profile" { (lang.t("settings-profile")) }
            form.section method="post" action="/settings" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="form" value="profile";
                @if let Some(message) = error_for("profile", "") { p.error role="alert" { (message) } }
                div.field-grid {
                    (field("profile", "displayName", lang.t("settings-name"), tenant.display_name.clone(), "text", None))
                    div.field {
                        label for="s-defaultUsageLocation" { (lang.property("defaultUsageLocation")) }
                        select id="s-defaultUsageLocation" name="defaultUsageLocation" disabled[!manage] aria-describedby="s-defaultUsageLocation-hint" {
                            (countries::options(lang, &location, &lang.t("details-none")))
                        }
                        span.muted id="s-defaultUsageLocation-hint" { (lang.t("settings-location-hint")) }
                    }
                    (field("profile", "technicalContact", lang.property("technicalContact"), tenant.technical_contact.clone().unwrap_or_default(), "email", Some(lang.t("settings-contact-hint"))))
                }
                @if manage { button type="submit" { (lang.t("details-save")) } }
            }
        }
        section.panel id="sign-in" aria-labelledby="h-sign-in" {
            h2 id="h-sign-in" { (lang.t("settings-sign-in")) }
            form.section method="post" action="/settings" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="form" value="sign-in";
                @if let Some(message) = error_for("sign-in", "") { p.error role="alert" { (message) } }
                div.field-grid {
                    (field("sign-in", "lockoutThreshold", lang.property("lockoutThreshold"), settings.lockout_threshold.to_string(), "number",
                        Some(range_hint(lang, *TenantSettings::THRESHOLD.start(), *TenantSettings::THRESHOLD.end()))))
                    (field("sign-in", "lockoutDurationInSeconds", lang.property("lockoutDurationInSeconds"), settings.lockout_duration_seconds.to_string(), "number",
                        Some(range_hint(lang, *TenantSettings::DURATION.start(), *TenantSettings::DURATION.end()))))
                    (field("sign-in", "sessionLifetimeInMinutes", lang.t("settings-session-minutes"), (settings.session_lifetime_seconds / 60).to_string(), "number",
                        Some(range_hint(lang, min_minutes, max_minutes))))
                    (field("sign-in", "signInLogRetentionInDays", lang.property("signInLogRetentionInDays"), settings.sign_in_log_days.to_string(), "number",
                        Some(range_hint(lang, *TenantSettings::LOG_DAYS.start(), *TenantSettings::LOG_DAYS.end()))))
                }
                (checkbox("passwordGrantAllowed", password_grant, "settings-password-grant-hint"))
                (checkbox("deviceCodeFlowAllowed", device_code_flow, "settings-device-code-hint"))
                @if manage { button type="submit" { (lang.t("details-save")) } }
            }
        }
    };
    let mut response = page(session, Nav::Settings, &lang.t("settings-title"), content);
    if refused.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

fn range_hint(lang: Lang, min: i64, max: i64) -> String {
    lang.t_with(
        "settings-range",
        &[
            ("min", lang.number(min).into()),
            ("max", lang.number(max).into()),
        ],
    )
}

/// Values refused, each by its field.
type Refusals = Vec<(&'static str, InvalidValue)>;

/// The profile form's change: only what differs from `tenant`, each value checked.
fn profile_change(
    tenant: &Tenant,
    field: &dyn Fn(&str) -> String,
) -> Result<(OrganizationUpdate, Vec<&'static str>), Refusals> {
    let mut update = OrganizationUpdate::default();
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    let name = field("displayName");
    if name.trim() != tenant.display_name {
        match check_display_name(&name) {
            Ok(name) => {
                update.display_name = Some(name);
                changed.push("displayName");
            }
            Err(invalid) => refused.push(("displayName", invalid)),
        }
    }
    let location = field("defaultUsageLocation");
    let location = if location.trim().is_empty() {
        Ok(None)
    } else {
        UsageLocation::parse(&location).map(Some)
    };
    match location {
        Ok(location) if location != tenant.default_usage_location => {
            update.default_usage_location = Some(location);
            changed.push("defaultUsageLocation");
        }
        Ok(_) => {}
        Err(invalid) => refused.push(("defaultUsageLocation", invalid)),
    }
    let contact = field("technicalContact");
    if contact.trim() != tenant.technical_contact.as_deref().unwrap_or("") {
        match (!contact.trim().is_empty())
            .then(|| check_mail("technicalContact", &contact))
            .transpose()
        {
            Ok(contact) => {
                update.technical_contact = Some(contact);
                changed.push("technicalContact");
            }
            Err(invalid) => refused.push(("technicalContact", invalid)),
        }
    }
    if refused.is_empty() {
        Ok((update, changed))
    } else {
        Err(refused)
    }
}

/// `POST /settings`: saves one of the forms.
pub async fn change(session: Session, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let lang = session.lang;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    if let Err(error) = session.check_csrf(&field("csrf")) {
        return failure(&session, error);
    }
    if !session.may(Operation::ManageSettings) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let tenant_id = session.caller.tenant_id;
    let change = session.caller.change();
    let form = if field("form") == "sign-in" {
        "sign-in"
    } else {
        "profile"
    };
    let refuse = |messages: Vec<(String, String)>| Refused {
        form,
        typed: fields.clone(),
        messages,
    };
    let result: Result<Vec<&'static str>, Refused> = if form == "profile" {
        let tenant = match session
            .state()
            .db(move |store| store.tenant(tenant_id))
            .await
        {
            Ok(tenant) => tenant,
            Err(error) => return failure(&session, error),
        };
        match profile_change(&tenant, &field) {
            Err(refused) => Err(refuse(
                refused
                    .into_iter()
                    .map(|(name, invalid)| (name.to_string(), problem(lang, &invalid.reason)))
                    .collect(),
            )),
            Ok((update, changed)) if update.is_empty() => Ok(changed),
            Ok((update, changed)) => session
                .state()
                .db(move |store| store.update_organization(&change, &update))
                .await
                .map(|_| changed)
                .map_err(|error| refuse(vec![(String::new(), message(&session, error))])),
        }
    } else {
        let before = match session
            .state()
            .db(move |store| store.tenant_settings(tenant_id))
            .await
        {
            Ok(settings) => settings,
            Err(error) => return failure(&session, error),
        };
        let number = |name: &str| {
            field(name)
                .trim()
                .parse::<i64>()
                .map_err(|_| name.to_string())
        };
        let read = (|| {
            Ok::<_, String>(TenantSettings {
                lockout_threshold: number("lockoutThreshold")?,
                lockout_duration_seconds: number("lockoutDurationInSeconds")?,
                session_lifetime_seconds: number("sessionLifetimeInMinutes")?.saturating_mul(60),
                sign_in_log_days: number("signInLogRetentionInDays")?,
                password_grant: field("passwordGrantAllowed") == "on",
                device_code_flow: field("deviceCodeFlowAllowed") == "on",
            })
        })();
        // Minutes on the page: their range is the store's in seconds, converted.
        let (min, max) = (
            TenantSettings::SESSION.start() / 60,
            TenantSettings::SESSION.end() / 60,
        );
        let minutes = number("sessionLifetimeInMinutes").unwrap_or(min);
        match read {
            Err(name) => Err(refuse(vec![(name, lang.t("settings-not-a-number"))])),
            Ok(_) if !(min..=max).contains(&minutes) => Err(refuse(vec![(
                "sessionLifetimeInMinutes".into(),
                problem(lang, &roster_core::types::Problem::OutOfRange(min, max)),
            )])),
            Ok(after) => {
                let changed: Vec<&'static str> = [
                    (
                        before.lockout_threshold != after.lockout_threshold,
                        "lockoutThreshold",
                    ),
                    (
                        before.lockout_duration_seconds != after.lockout_duration_seconds,
                        "lockoutDurationInSeconds",
                    ),
                    (
                        before.session_lifetime_seconds != after.session_lifetime_seconds,
                        "sessionLifetimeInSeconds",
                    ),
                    (
                        before.sign_in_log_days != after.sign_in_log_days,
                        "signInLogRetentionInDays",
                    ),
                    (
                        before.password_grant != after.password_grant,
                        "passwordGrantAllowed",
                    ),
                    (
                        before.device_code_flow != after.device_code_flow,
                        "deviceCodeFlowAllowed",
                    ),
                ]
                .into_iter()
                .filter_map(|(differs, name)| differs.then_some(name))
                .collect();
                if changed.is_empty() {
                    Ok(changed)
                } else {
                    session
                        .state()
                        .db(move |store| store.set_tenant_settings(&change, &after))
                        .await
                        .map(|()| changed)
                        .map_err(|error| {
                            // The session lifetime is refused in seconds: said under its field in minutes.
                            let field = match error.named_property() {
                                Some("sessionLifetimeInSeconds") => {
                                    "sessionLifetimeInMinutes".to_string()
                                }
                                Some(name) => name.to_string(),
                                None => String::new(),
                            };
                            refuse(vec![(field, message(&session, error))])
                        })
                }
            }
        }
    };
    match result {
        Ok(changed) => see_other(&format!("/settings?saved={}#{form}", changed.join(","))),
        Err(refused) => render(&session, None, Some(refused)).await,
    }
}
