//! Add a user: the admin center's wizard (basics, product licenses with usage location, groups,
//! optional settings, finish), which shows a generated password once and links to the user.
//! The display name follows the first and last name until it is edited, and the user name is
//! checked for its characters and whether it is free as it is typed (`/users/check-name`) and
//! again when the step is left.
//!
//! Each step is one form that carries the earlier steps' answers as hidden fields, so nothing
//! is kept on the server until the last step creates the user, with its licenses, in one
//! transaction. The user is built as the API builds one from `POST /v1.0/users`, as a
//! [`roster_core::requests::NewUser`] checked by the same core types and password rule: a
//! refusal is shown beside its field, on its step, with everything typed kept.

use std::collections::BTreeMap;

use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::{Group, LicenseAssignment, Subscription};
use roster_core::requests::{NewUser, PasswordProfile, UserUpdate};
use roster_core::types::{ObjectId, SkuId, UsageLocation, UserPrincipalName};
use roster_store::UserKey;

use super::countries;
use super::groups::groups_to_add;
use super::layout::{Nav, error_page, failure, page};
use super::session::Session;
use crate::error::ApiError;

/// The wizard's steps: 1 basics, 2 licenses, 3 groups, 4 optional settings, 5 finish.
const STEPS: [&str; 5] = [
    "new-user-step-basics",
    "new-user-step-licenses",
    "new-user-step-groups",
    "new-user-step-optional",
    "new-user-step-finish",
];
const LAST: u8 = STEPS.len() as u8;
/// Groups the groups step finds for what was typed, at most.
const GROUPS_FOUND: usize = 20;
/// Groups a new user is put in by the wizard, at most (more are a bulk job's work).
const MAX_GROUPS: usize = 100;

/// The wizard's fields: (form name, Graph property, label, step).
const FIELDS: &[(&str, &str, &str, u8)] = &[
    ("givenName", "givenName", "details-given-name", 1),
    ("surname", "surname", "details-surname", 1),
    ("displayName", "displayName", "users-col-name", 1),
    ("alias", "userPrincipalName", "new-user-alias", 1),
    ("jobTitle", "jobTitle", "users-col-job-title", 4),
    ("department", "department", "users-col-department", 4),
    ("officeLocation", "officeLocation", "users-col-office", 4),
    (
        "businessPhone",
        "businessPhones",
        "details-business-phones",
        4,
    ),
    ("mobilePhone", "mobilePhone", "users-col-mobile", 4),
    ("streetAddress", "streetAddress", "details-street", 4),
    ("city", "city", "users-col-city", 4),
    ("state", "state", "new-user-state", 4),
    ("postalCode", "postalCode", "details-postal-code", 4),
    ("country", "country", "users-col-country", 4),
];

/// What the form carried: every field by name (licenses as `sku` values, groups as `group`).
#[derive(Debug, Default, Clone)]
struct Draft {
    fields: BTreeMap<String, String>,
    skus: Vec<String>,
    groups: Vec<String>,
}

impl Draft {
    fn parse(pairs: &[(String, String)]) -> Draft {
        let mut draft = Draft::default();
        for (key, value) in pairs {
            match key.as_str() {
                "sku" => draft.skus.push(value.clone()),
                "group" => draft.groups.push(value.clone()),
                "csrf" | "go" => {}
                _ => {
                    draft.fields.insert(key.clone(), value.clone());
                }
            }
        }
        // Each group once, and no more than a form can mean.
        let mut seen = std::collections::HashSet::new();
        draft.groups.retain(|group| seen.insert(group.clone()));
        draft.groups.truncate(MAX_GROUPS);
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
            // Only verified domains can be given (the default first, the others by name).
            let mut domains = store.domains(tenant_id)?;
            domains.retain(|domain| domain.is_verified);
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
    render(
        &session,
        &context,
        1,
        &draft,
        &GroupChoices::default(),
        None,
    )
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
        "create" => LAST + 1,
        other => other.parse().unwrap_or(1).clamp(1, LAST),
    };
    // Going forwards checks the steps passed; going back never does.
    if target > current {
        for step in current..target.min(LAST) {
            if let Err(error) = check(&session, &context, step, &draft).await {
                return refuse(&session, &context, step, &draft, error).await;
            }
        }
    }
    if target <= LAST {
        let groups = match group_choices(&session, target, &draft).await {
            Ok(groups) => groups,
            Err(error) => return failure(&session, error),
        };
        return render(&session, &context, target, &draft, &groups, None);
    }
    match create(&session, &context, &draft).await {
        Ok((id, upn, password)) => finished(&session, id, &upn, password.as_deref()),
        Err((step, error)) => refuse(&session, &context, step, &draft, error).await,
    }
}

/// The groups step's choices: the groups chosen, and those found for what was typed (the first
/// by name when nothing was), neither chosen yet nor run by a rule. Read for the steps that show
/// groups (the groups step, and the finish that names them).
#[derive(Default)]
struct GroupChoices {
    chosen: Vec<Group>,
    found: Vec<Group>,
}

async fn group_choices(
    session: &Session,
    step: u8,
    draft: &Draft,
) -> Result<GroupChoices, ApiError> {
    if step != 3 && step != LAST {
        return Ok(GroupChoices::default());
    }
    let tenant_id = session.caller.tenant_id;
    let ids: Vec<ObjectId> = draft
        .groups
        .iter()
        .filter_map(|id| ObjectId::parse(id).ok())
        .collect();
    let find = draft.get("groupFind").to_string();
    let search = step == 3 && session.may(Operation::ManageGroupMembers);
    session
        .state()
        .db(move |store| {
            // The chosen groups in one read, by name (one gone meanwhile is simply not there).
            let chosen = if ids.is_empty() {
                Vec::new()
            } else {
                let query = roster_store::ListQuery {
                    filter: Some(roster_core::odata::Expr::in_list(
                        "id",
                        ids.iter()
                            .map(|id| roster_core::odata::Literal::Guid(id.as_uuid()))
                            .collect(),
                    )),
                    order: Some(roster_store::SortKey {
                        property: "displayName".into(),
                        descending: false,
                    }),
                    top: ids.len(),
                    ..Default::default()
                };
                store.list_groups(tenant_id, &query, false)?.items
            };
            let found = if search {
                groups_to_add(store, tenant_id, &find, &ids, GROUPS_FOUND)?
            } else {
                Vec::new()
            };
            Ok(GroupChoices { chosen, found })
        })
        .await
}

/// `GET /users/new/groups-found?find=`: the groups step's choices for what was typed, for the
/// script that updates them as it is typed.
pub async fn groups_found_page(session: Session, Query(query): Query<FindQuery>) -> Response {
    use axum::response::IntoResponse;
    if !session.may(Operation::ManageGroupMembers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let tenant_id = session.caller.tenant_id;
    let find = query.find.trim().to_string();
    let found = session
        .state()
        .db(move |store| groups_to_add(store, tenant_id, &find, &[], GROUPS_FOUND))
        .await;
    match found {
        Ok(found) => super::layout::with_page_headers(
            group_boxes(session.lang, &found, false).into_response(),
        ),
        Err(error) => error.into_response(),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct FindQuery {
    #[serde(default)]
    find: String,
}

/// Groups as checkboxes of the form (`chosen`: ticked).
fn group_boxes(lang: super::i18n::Lang, groups: &[Group], chosen: bool) -> Markup {
    html! {
        @for group in groups {
            label.group {
                input type="checkbox" name="group" value=(group.id) checked[chosen];
                " " (group.display_name)
                @if let Some(description) = &group.description { " " span.muted { (description) } }
            }
        }
        @if groups.is_empty() && !chosen { p.muted { (lang.t("new-user-no-groups-found")) } }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NameQuery {
    #[serde(default)]
    alias: String,
    #[serde(default)]
    domain: String,
}

/// `GET /users/check-name?alias=&domain=`: whether a user name can be given to a new user (its
/// characters, the domain, and that no one has it), for the script that checks it as it is
/// typed; the step checks it again when it is left.
pub async fn check_name(session: Session, Query(query): Query<NameQuery>) -> Response {
    use axum::response::IntoResponse;
    if !session.may(Operation::CreateUser) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let context = match context(&session).await {
        Ok(context) => context,
        Err(error) => return error.into_response(),
    };
    let mut draft = Draft::default();
    draft.fields.insert("alias".into(), query.alias);
    draft.fields.insert("domain".into(), query.domain);
    let body = match name_refusal(&session, &context, &draft).await {
        None => {
            serde_json::json!({ "valid": true, "message": session.lang.t("new-user-name-free") })
        }
        Some(error) => serde_json::json!({ "valid": false, "message": error.message }),
    };
    super::layout::with_page_headers(axum::Json(body).into_response())
}

/// Why the draft's user name cannot be given: empty, not a user name, a domain the organisation
/// lacks, or someone's already.
async fn name_refusal(session: &Session, context: &Context, draft: &Draft) -> Option<FieldError> {
    let lang = session.lang;
    let refused = |message: String| {
        Some(FieldError {
            field: "alias",
            message,
        })
    };
    if draft.get("alias").is_empty() {
        return refused(lang.t("new-user-required"));
    }
    if !context.domains.iter().any(|d| d == draft.get("domain")) {
        return refused(lang.t("new-user-domain"));
    }
    let upn = match UserPrincipalName::parse(&format!(
        "{}@{}",
        draft.get("alias"),
        draft.get("domain")
    )) {
        Ok(upn) => upn,
        Err(invalid) => return refused(super::wording::message(session, invalid.into())),
    };
    let tenant_id = session.caller.tenant_id;
    let key = UserKey::Upn(upn.to_string());
    let taken = session
        .state()
        .db(move |store| match store.get_user(tenant_id, &key) {
            Ok(_) => Ok(true),
            Err(roster_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        })
        .await;
    match taken {
        Ok(false) => None,
        Ok(true) => refused(lang.t("new-user-name-taken")),
        Err(error) => refused(super::wording::message(session, error)),
    }
}

/// A step's checks, the user name's availability among them.
async fn check(
    session: &Session,
    context: &Context,
    step: u8,
    draft: &Draft,
) -> Result<(), FieldError> {
    check_step(session, context, step, draft)?;
    if step == 1
        && let Some(error) = name_refusal(session, context, draft).await
    {
        return Err(error);
    }
    Ok(())
}

async fn refuse(
    session: &Session,
    context: &Context,
    step: u8,
    draft: &Draft,
    error: FieldError,
) -> Response {
    let groups = group_choices(session, step, draft)
        .await
        .unwrap_or_default();
    let mut response = render(session, context, step, draft, &groups, Some(error));
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
        3 => {
            if draft.groups.is_empty() {
                return Ok(());
            }
            if !session.may(Operation::ManageGroupMembers) {
                return Err(FieldError {
                    field: "group",
                    message: lang.t("error-forbidden"),
                });
            }
            if draft.groups.iter().any(|id| ObjectId::parse(id).is_err()) {
                return Err(FieldError {
                    field: "group",
                    message: lang.t("action-choose-group"),
                });
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
            .map_or((LAST, "finish"), |(name, _, _, step)| (*step, *name)),
        None if matches!(
            error.reason.as_deref(),
            Some(Reason::AlreadyMember | Reason::DynamicMembers)
        ) || error.status == StatusCode::NOT_FOUND =>
        {
            (3, "group")
        }
        None => (LAST, "finish"),
    }
}

async fn create(
    session: &Session,
    context: &Context,
    draft: &Draft,
) -> Result<(ObjectId, String, Option<String>), (u8, FieldError)> {
    for step in 1..LAST {
        check(session, context, step, draft)
            .await
            .map_err(|error| (step, error))?;
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
    let groups: Vec<ObjectId> = draft
        .groups
        .iter()
        .filter_map(|id| ObjectId::parse(id).ok())
        .collect();
    let change = session.caller.change();
    let user = new_user.user;
    let (id, upn) = (user.id, user.user_principal_name.to_string());
    state
        .db(move |store| store.create_user_in_groups(&change, &user, &licenses, &groups, &hash))
        .await
        .map_err(beside)?;
    Ok((id, upn, generated))
}

fn finished(session: &Session, id: ObjectId, upn: &str, password: Option<&str>) -> Response {
    let lang = session.lang;
    let content = html! {
        p.success role="status" {
            (lang.t_with("new-user-created", &[("user", upn.to_string().into())])) " "
            a href={ "/users/" (id) } { (lang.t("new-user-open")) }
        }
        @if let Some(password) = password {
            p.warning { (lang.t("new-user-password-once")) }
            table.properties { tbody {
                tr { th scope="row" { (lang.t("users-col-upn")) } td { (upn) } }
                tr { th scope="row" { (lang.t("action-password")) } td {
                    code.password id="new-password" { (password) } " "
                    button.secondary type="button" data-copy="new-password" data-copied=(lang.t("details-copied")) { (lang.t("details-copy")) }
                } }
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
    groups: &GroupChoices,
    error: Option<FieldError>,
) -> Response {
    let lang = session.lang;
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
                    .or(match key.as_str() { "domain" | "password" | "ownPassword" | "forceChange" => Some(1), "usageLocation" => Some(2), "groupFind" => Some(3), _ => None });
                @if key != "step" && on_step != Some(shown_step) {
                    input type="hidden" name=(key) value=(value);
                }
            }
            @if shown_step != 2 { @for sku in &draft.skus { input type="hidden" name="sku" value=(sku); } }
            @if shown_step != 3 { @for group in &draft.groups { input type="hidden" name="group" value=(group); } }
        }
    };
    let catalog = Catalog::builtin();
    let content = html! {
        ol.steps {
            @for (index, label) in STEPS.iter().enumerate() {
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
                    div.field {
                        @let message = error_for("displayName");
                        label for="f-displayName" { (lang.t("users-col-name")) }
                        input id="f-displayName" name="displayName" value=(draft.get("displayName"))
                            data-fill-from="f-givenName f-surname"
                            aria-invalid=[message.as_ref().map(|_| "true")]
                            aria-describedby=[message.as_ref().map(|_| "f-displayName-error")];
                        @if let Some(message) = message { p.error role="alert" id="f-displayName-error" { (message) } }
                    }
                    div.field {
                        @let message = error_for("alias");
                        label for="f-alias" { (lang.t("new-user-alias")) }
                        span.upn {
                            input id="f-alias" name="alias" value=(draft.get("alias")) autocomplete="off"
                                data-check-name="/users/check-name" data-domain="f-domain"
                                aria-invalid=[message.as_ref().map(|_| "true")] aria-describedby="f-alias-status";
                            " @ "
                            select id="f-domain" name="domain" aria-label=(lang.t("new-user-domain-label")) {
                                @for domain in &context.domains { option value=(domain) selected[draft.get("domain") == domain] { (domain) } }
                            }
                        }
                        p id="f-alias-status" class=(if message.is_some() { "error" } else { "muted" }) role="status" aria-live="polite" {
                            @if let Some(message) = &message { (message) }
                        }
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
                    h2 { (lang.t("new-user-step-groups")) }
                    @if !session.may(Operation::ManageGroupMembers) {
                        p { (lang.t("new-user-no-groups")) }
                    } @else {
                        fieldset {
                            legend { (lang.t("new-user-groups")) }
                            div id="chosen-groups" { (group_boxes(lang, &groups.chosen, true)) }
                            div.filters {
                                label for="f-groupFind" { (lang.t("details-add-to-group")) }
                                input id="f-groupFind" type="search" name="groupFind" value=(draft.get("groupFind")) autocomplete="off"
                                    placeholder=(lang.t("details-find-group"))
                                    data-picker="/users/new/groups-found" data-picker-into="found-groups" data-picker-keep="chosen-groups";
                                button.secondary type="submit" name="go" value="3" { (lang.t("details-find")) }
                            }
                            div id="found-groups" aria-live="polite" { (group_boxes(lang, &groups.found, false)) }
                            @if let Some(message) = error_for("group") { p.error role="alert" { (message) } }
                        }
                    }
                }
                4 => {
                    h2 { (lang.t("new-user-step-optional")) }
                    @for (name, _, label, field_step) in FIELDS {
                        @if *field_step == 4 { (text_field(name, label, "text")) }
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
                        tr { th scope="row" { (lang.t("details-groups")) } td {
                            @if groups.chosen.is_empty() { (lang.t("details-none")) }
                            @else { (groups.chosen.iter().map(|g| g.display_name.as_str()).collect::<Vec<_>>().join(", ")) }
                        } }
                        @for (name, _, label, field_step) in FIELDS {
                            @if *field_step == 4 && !draft.get(name).is_empty() { tr { th scope="row" { (lang.t(label)) } td { (draft.get(name)) } } }
                        }
                    } }
                }
            }
            div.buttons {
                // The first button is the one Enter presses.
                @if step < LAST { button type="submit" name="go" value=(step + 1) { (lang.t("new-user-next")) } }
                @else { button type="submit" name="go" value="create" { (lang.t("new-user-finish")) } }
                @if step > 1 { button.secondary type="submit" name="go" value=(step - 1) { (lang.t("new-user-back")) } }
            }
        }
    };
    page(session, Nav::Users, &lang.t("new-user-title"), content)
}
