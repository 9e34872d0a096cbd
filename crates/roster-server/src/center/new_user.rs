//! Add a user: the admin center's wizard (basics, product licenses with usage location,
//! optional settings, finish), which shows a generated password once.
//!
//! Each step is one form that carries the earlier steps' answers as hidden fields, so nothing
//! is kept on the server until the last step creates the user, with its licenses, in one
//! transaction. The user is built as the API builds one from `POST /v1.0/users`, as a
//! [`roster_core::requests::NewUser`] checked by the same core types and password rule: a
//! refusal is shown beside its field, on its step, with everything typed kept.

use std::collections::BTreeMap;

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::{LicenseAssignment, Subscription};
use roster_core::requests::{NewUser, PasswordProfile, UserUpdate};
use roster_core::types::{SkuId, UsageLocation, UserPrincipalName};

use super::countries;
use super::layout::{Nav, error_page, failure, page};
use super::session::Session;
use crate::error::ApiError;

/// The wizard's fields: (form name, Graph property, label, step). Steps: 1 basics, 3 optional.
const FIELDS: &[(&str, &str, &str, u8)] = &[
    ("givenName", "givenName", "details-given-name", 1),
    ("surname", "surname", "details-surname", 1),
    ("displayName", "displayName", "users-col-name", 1),
    ("alias", "userPrincipalName", "new-user-alias", 1),
    ("jobTitle", "jobTitle", "users-col-job-title", 3),
    ("department", "department", "users-col-department", 3),
    ("officeLocation", "officeLocation", "users-col-office", 3),
    (
        "businessPhone",
        "businessPhones",
        "details-business-phones",
        3,
    ),
    ("mobilePhone", "mobilePhone", "users-col-mobile", 3),
    ("streetAddress", "streetAddress", "details-street", 3),
    ("city", "city", "users-col-city", 3),
    ("state", "state", "new-user-state", 3),
    ("postalCode", "postalCode", "details-postal-code", 3),
    ("country", "country", "users-col-country", 3),
];

/// What the form carried: every field by name (licenses as `sku` values).
#[derive(Debug, Default, Clone)]
struct Draft {
    fields: BTreeMap<String, String>,
    skus: Vec<String>,
}

impl Draft {
    fn parse(pairs: &[(String, String)]) -> Draft {
        let mut draft = Draft::default();
        for (key, value) in pairs {
            match key.as_str() {
                "sku" => draft.skus.push(value.clone()),
                "csrf" | "go" => {}
                _ => {
                    draft.fields.insert(key.clone(), value.clone());
                }
            }
        }
        draft
    }

    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(|v| v.trim()).unwrap_or_default()
    }
}

/// An error beside a field.
struct FieldError {
    field: &'static str,
    message: String,
}

struct Context {
    domains: Vec<String>,
    subscriptions: Vec<Subscription>,
    default_location: Option<String>,
}

async fn context(session: &Session) -> Result<Context, ApiError> {
    let tenant_id = session.caller.tenant_id;
    session
        .state()
        .db(move |store| {
            let tenant = store.tenant(tenant_id)?;
            // The default domain first (the wizard's preselection), the others by name.
            let mut domains = store.domains(tenant_id)?;
            domains.sort_by_key(|domain| !domain.is_default);
            Ok(Context {
                domains: domains.into_iter().map(|d| d.name.to_string()).collect(),
                subscriptions: store.subscriptions(tenant_id)?,
                default_location: tenant.default_usage_location.map(|l| l.to_string()),
            })
        })
        .await
}

/// `GET /users/new`.
pub async fn start(session: Session) -> Response {
    if !session.may(Operation::CreateUser) {
        return error_page(
            &session,
            StatusCode::FORBIDDEN,
            &session.lang.t("error-forbidden"),
        );
    }
    let context = match context(&session).await {
        Ok(context) => context,
        Err(error) => return failure(&session, error),
    };
    let mut draft = Draft::default();
    draft.fields.insert("password".into(), "generate".into());
    draft.fields.insert("forceChange".into(), "on".into());
    if let Some(location) = &context.default_location {
        draft
            .fields
            .insert("usageLocation".into(), location.clone());
    }
    render(&session, &context, 1, &draft, None)
}

/// `POST /users/new`: moves between steps, checking each step left forwards, and creates the
/// user at the end.
pub async fn step(session: Session, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let lang = session.lang;
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if let Err(error) = session.check_csrf(csrf) {
        return failure(&session, error);
    }
    if !session.may(Operation::CreateUser) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let context = match context(&session).await {
        Ok(context) => context,
        Err(error) => return failure(&session, error),
    };
    let draft = Draft::parse(&pairs);
    let go = pairs
        .iter()
        .find(|(k, _)| k == "go")
        .map(|(_, v)| v.as_str())
        .unwrap_or("1");
    let current: u8 = draft.get("step").parse().unwrap_or(1);
    let target: u8 = match go {
        "create" => 5,
        other => other.parse().unwrap_or(1).clamp(1, 4),
    };
    // Going forwards checks the steps passed; going back never does.
    if target > current {
        for step in current..target.min(4) {
            if let Err(error) = check_step(&session, &context, step, &draft) {
                return refuse(&session, &context, step, &draft, error);
            }
        }
    }
    if target < 5 {
        return render(&session, &context, target, &draft, None);
    }
    match create(&session, &context, &draft).await {
        Ok((upn, password)) => finished(&session, &upn, password.as_deref()),
        Err((step, error)) => refuse(&session, &context, step, &draft, error),
    }
}

fn refuse(
    session: &Session,
    context: &Context,
    step: u8,
    draft: &Draft,
    error: FieldError,
) -> Response {
    let mut response = render(session, context, step, draft, Some(error));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

fn check_step(
    session: &Session,
    context: &Context,
    step: u8,
    draft: &Draft,
) -> Result<(), FieldError> {
    let lang = session.lang;
    let required = |field: &'static str| {
        if draft.get(field).is_empty() {
            Err(FieldError {
                field,
                message: lang.t("new-user-required"),
            })
        } else {
            Ok(())
        }
    };
    match step {
        1 => {
            required("displayName")?;
            required("alias")?;
            if !context.domains.iter().any(|d| d == draft.get("domain")) {
                return Err(FieldError {
                    field: "alias",
                    message: lang.t("new-user-domain"),
                });
            }
            if draft.get("password") == "own" {
                required("ownPassword")?;
            }
            Ok(())
        }
        2 => {
            if !draft.skus.is_empty() {
                if !session.may(Operation::AssignLicense) {
                    return Err(FieldError {
                        field: "sku",
                        message: lang.t("error-forbidden"),
                    });
                }
                if UsageLocation::parse(draft.get("usageLocation")).is_err() {
                    return Err(FieldError {
                        field: "usageLocation",
                        message: lang.t("new-user-usage-location"),
                    });
                }
                for sku in &draft.skus {
                    let known = SkuId::parse(sku)
                        .ok()
                        .filter(|id| context.subscriptions.iter().any(|s| s.sku_id == *id));
                    if known.is_none() {
                        return Err(FieldError {
                            field: "sku",
                            message: lang.t("action-choose-license"),
                        });
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The new user the draft describes, checked as the API checks one (the same core types and
/// password rule), whose refusals name the property they are about.
fn new_user(draft: &Draft) -> Result<NewUser, ApiError> {
    let upn = UserPrincipalName::parse(&format!("{}@{}", draft.get("alias"), draft.get("domain")))?;
    let mut new_user = NewUser::new(upn, draft.get("displayName").to_string())?;
    let mut update = UserUpdate::default();
    for (name, property, _, _) in FIELDS {
        let value = draft.get(name);
        if !value.is_empty() && !matches!(*name, "alias" | "displayName") {
            update.set_text(property, value)?;
        }
    }
    let location = draft.get("usageLocation");
    if !location.is_empty() {
        update.usage_location = Some(Some(UsageLocation::parse(&location.to_ascii_uppercase())?));
    }
    new_user.set(update);
    if draft.get("password") == "own" {
        let password = draft.fields.get("ownPassword").cloned().unwrap_or_default();
        crate::error::check_password_complexity(&password)?;
        new_user.set_password(PasswordProfile {
            password: Some(password),
            force_change: draft.get("forceChange") == "on",
        });
    }
    Ok(new_user)
}

/// Which field (and step) an API refusal is about.
fn field_of(error: &ApiError) -> (u8, &'static str) {
    use crate::error::Reason;
    use roster_core::licensing::LicenseViolation;
    match error.reason.as_deref() {
        Some(Reason::UnknownDomain(_)) => return (1, "alias"),
        Some(Reason::WeakPassword) => return (1, "ownPassword"),
        Some(
            Reason::NoUsageLocation
            | Reason::License(LicenseViolation::ProhibitedInUsageLocation { .. }),
        ) => return (2, "usageLocation"),
        Some(
            Reason::License(_)
            | Reason::OutOfSeats(_)
            | Reason::NotEnabled { .. }
            | Reason::LicenseNotHeld,
        ) => return (2, "sku"),
        _ => {}
    }
    match error.named_property() {
        Some("userPrincipalName" | "mailNickname" | "proxyAddresses") => (1, "alias"),
        Some("passwordProfile") => (1, "ownPassword"),
        Some("usageLocation") => (2, "usageLocation"),
        Some(property) => FIELDS
            .iter()
            .find(|(_, field_property, _, _)| *field_property == property)
            .map_or((4, "finish"), |(name, _, _, step)| (*step, *name)),
        None => (4, "finish"),
    }
}

async fn create(
    session: &Session,
    context: &Context,
    draft: &Draft,
) -> Result<(String, Option<String>), (u8, FieldError)> {
    for step in 1..=3 {
        check_step(session, context, step, draft).map_err(|error| (step, error))?;
    }
    let beside = |error: ApiError| {
        let (step, field) = field_of(&error);
        let message = super::wording::message(session, error);
        (step, FieldError { field, message })
    };
    let new_user = new_user(draft).map_err(beside)?;
    let licenses: Vec<LicenseAssignment> = draft
        .skus
        .iter()
        .filter_map(|sku| SkuId::parse(sku).ok())
        .map(|sku_id| LicenseAssignment {
            sku_id,
            disabled_plans: Vec::new(),
        })
        .collect();
    let state = session.state();
    let (hash, generated) = state
        .password_hash(new_user.password.as_ref())
        .await
        .map_err(beside)?;
    let change = session.caller.change();
    let user = new_user.user;
    let upn = user.user_principal_name.to_string();
    state
        .db(move |store| store.create_licensed_users(&change, &[(user, licenses)], &hash))
        .await
        .map_err(beside)?;
    Ok((upn, generated))
}

fn finished(session: &Session, upn: &str, password: Option<&str>) -> Response {
    let lang = session.lang;
    let content = html! {
        p role="status" { (lang.t_with("new-user-created", &[("user", upn.to_string().into())])) }
        @if let Some(password) = password {
            p.warning { (lang.t("new-user-password-once")) }
            table.properties { tbody {
                tr { th scope="row" { (lang.t("users-col-upn")) } td { (upn) } }
                tr { th scope="row" { (lang.t("action-password")) } td { code.password { (password) } } }
            } }
        }
        p { a href="/users/new" { (lang.t("new-user-another")) } " · " a href="/users" { (lang.t("action-back")) } }
    };
    page(session, Nav::Users, &lang.t("new-user-done-title"), content)
}

fn render(
    session: &Session,
    context: &Context,
    step: u8,
    draft: &Draft,
    error: Option<FieldError>,
) -> Response {
    let lang = session.lang;
    let steps = [
        "new-user-step-basics",
        "new-user-step-licenses",
        "new-user-step-optional",
        "new-user-step-finish",
    ];
    let error_for = |field: &str| {
        error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let text_field = |name: &'static str, label: &str, kind: &str| -> Markup {
        let message = error_for(name);
        let id = format!("f-{name}");
        html! {
            div.field {
                label for=(id) { (lang.t(label)) }
                input id=(id) name=(name) type=(kind) value=(draft.get(name))
                    aria-invalid=[message.as_ref().map(|_| "true")]
                    aria-describedby=[message.as_ref().map(|_| format!("{id}-error"))];
                @if let Some(message) = message { p.error role="alert" id={ (id) "-error" } { (message) } }
            }
        }
    };
    // The answers of the steps not shown travel as hidden fields.
    let hidden = |shown_step: u8| -> Markup {
        html! {
            @for (key, value) in &draft.fields {
                @let on_step = FIELDS.iter().find(|(name, _, _, _)| name == key).map(|f| f.3)
                    .or(match key.as_str() { "domain" | "password" | "ownPassword" | "forceChange" => Some(1), "usageLocation" => Some(2), _ => None });
                @if key != "step" && on_step != Some(shown_step) {
                    input type="hidden" name=(key) value=(value);
                }
            }
            @if shown_step != 2 { @for sku in &draft.skus { input type="hidden" name="sku" value=(sku); } }
        }
    };
    let catalog = Catalog::builtin();
    let content = html! {
        ol.steps {
            @for (index, label) in steps.iter().enumerate() {
                li aria-current=[(index as u8 + 1 == step).then_some("step")] { (lang.t(label)) }
            }
        }
        @if let Some(error) = error.as_ref().filter(|e| e.field == "finish") { p.error role="alert" { (error.message) } }
        form.wizard method="post" action="/users/new" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="step" value=(step);
            (hidden(step))
            @match step {
                1 => {
                    h2 { (lang.t("new-user-step-basics")) }
                    (text_field("givenName", "details-given-name", "text"))
                    (text_field("surname", "details-surname", "text"))
                    (text_field("displayName", "users-col-name", "text"))
                    div.field {
                        label for="f-alias" { (lang.t("new-user-alias")) }
                        span.upn {
                            input id="f-alias" name="alias" value=(draft.get("alias")) aria-invalid=[error_for("alias").map(|_| "true")];
                            " @ "
                            select name="domain" aria-label=(lang.t("new-user-domain-label")) {
                                @for domain in &context.domains { option value=(domain) selected[draft.get("domain") == domain] { (domain) } }
                            }
                        }
                        @if let Some(message) = error_for("alias") { p.error role="alert" { (message) } }
                    }
                    fieldset {
                        legend { (lang.t("new-user-password")) }
                        label { input type="radio" name="password" value="generate" checked[draft.get("password") != "own"]; " " (lang.t("new-user-password-generate")) }
                        label { input type="radio" name="password" value="own" checked[draft.get("password") == "own"]; " " (lang.t("new-user-password-own")) }
                        (text_field("ownPassword", "sign-in-password", "password"))
                        label { input type="checkbox" name="forceChange" value="on" checked[draft.get("forceChange") == "on"]; " " (lang.t("new-user-force-change")) }
                    }
                }
                2 => {
                    h2 { (lang.t("new-user-step-licenses")) }
                    div.field {
                        @let message = error_for("usageLocation");
                        label for="f-usageLocation" { (lang.t("users-col-usage-location")) }
                        select id="f-usageLocation" name="usageLocation"
                            aria-invalid=[message.as_ref().map(|_| "true")]
                            aria-describedby=[message.as_ref().map(|_| "f-usageLocation-error")] {
                            (countries::options(lang, draft.get("usageLocation"), &lang.t("country-choose")))
                        }
                        @if let Some(message) = message { p.error role="alert" id="f-usageLocation-error" { (message) } }
                    }
                    fieldset {
                        legend { (lang.t("new-user-licenses")) }
                        @if !session.may(Operation::AssignLicense) || context.subscriptions.is_empty() {
                            p { (lang.t("new-user-no-licenses")) }
                        } @else {
                            @for subscription in &context.subscriptions {
                                @let name = catalog.by_sku_id(subscription.sku_id.as_uuid()).map_or(subscription.sku_part_number.clone(), |s| s.display_name.clone());
                                @let value = subscription.sku_id.to_string();
                                label.license {
                                    input type="checkbox" name="sku" value=(value) checked[draft.skus.contains(&value)];
                                    " " (name) " "
                                    span.muted { (lang.t_with("new-user-available", &[
                                        ("available", lang.number(subscription.enabled_units - subscription.consumed_units).into()),
                                        ("total", lang.number(subscription.enabled_units).into()),
                                    ])) }
                                }
                            }
                        }
                        @if let Some(message) = error_for("sku") { p.error role="alert" { (message) } }
                    }
                }
                3 => {
                    h2 { (lang.t("new-user-step-optional")) }
                    @for (name, _, label, field_step) in FIELDS {
                        @if *field_step == 3 { (text_field(name, label, "text")) }
                    }
                }
                _ => {
                    h2 { (lang.t("new-user-step-finish")) }
                    table.properties { tbody {
                        tr { th scope="row" { (lang.t("users-col-name")) } td { (draft.get("displayName")) } }
                        tr { th scope="row" { (lang.t("users-col-upn")) } td { (draft.get("alias")) "@" (draft.get("domain")) } }
                        tr { th scope="row" { (lang.t("new-user-password")) } td { (lang.t(if draft.get("password") == "own" { "new-user-password-own" } else { "new-user-password-generate" })) } }
                        tr { th scope="row" { (lang.t("users-col-usage-location")) } td { (countries::name(lang, draft.get("usageLocation"))) } }
                        tr { th scope="row" { (lang.t("users-col-licenses")) } td {
                            @let names: Vec<String> = context.subscriptions.iter().filter(|s| draft.skus.contains(&s.sku_id.to_string()))
                                .map(|s| catalog.by_sku_id(s.sku_id.as_uuid()).map_or(s.sku_part_number.clone(), |k| k.display_name.clone())).collect();
                            @if names.is_empty() { (lang.t("users-unlicensed")) } @else { (names.join(", ")) }
                        } }
                        @for (name, _, label, field_step) in FIELDS {
                            @if *field_step == 3 && !draft.get(name).is_empty() { tr { th scope="row" { (lang.t(label)) } td { (draft.get(name)) } } }
                        }
                    } }
                }
            }
            div.buttons {
                // The first button is the one Enter presses.
                @if step < 4 { button type="submit" name="go" value=(step + 1) { (lang.t("new-user-next")) } }
                @else { button type="submit" name="go" value="create" { (lang.t("new-user-finish")) } }
                @if step > 1 { button.secondary type="submit" name="go" value=(step - 1) { (lang.t("new-user-back")) } }
            }
        }
    };
    page(session, Nav::Users, &lang.t("new-user-title"), content)
}
