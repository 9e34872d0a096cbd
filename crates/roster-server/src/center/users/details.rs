//! A user's page: its details in tabs, and the changes made in place (user name, manager,
//! the apps of a direct license).

use crate::paging::MAX_TOP;
use std::collections::HashMap;

use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::{LicenseAssignment, LicenseState, UserType};
use roster_core::requests::UserUpdate;
use roster_core::types::{ObjectId, SkuId};
use roster_store::UserKey;

use super::super::i18n::Lang;
use super::super::layout::{Nav, error_page, failure, page};
use super::super::licenses::license_names_by_sku;
use super::super::session::Session;
use super::super::wording::message;
use crate::error::{ApiError, ApiResult};

/// `GET /users/{id}`: a user's details, with tabs for the account, licenses and apps, groups,
/// and contact information.
pub async fn details(session: Session, Path(id): Path<String>) -> Response {
    let Ok(user_id) = ObjectId::parse(&id) else {
        return error_page(
            &session,
            StatusCode::NOT_FOUND,
            &session.lang.t("error-no-such-user"),
        );
    };
    details_page(&session, user_id, None).await
}

/// A refused change on a user's page: which form, why, and what was typed.
pub(super) struct EditError {
    pub(super) form: &'static str,
    pub(super) message: String,
    pub(super) typed: String,
}

/// A user's page, with a refused change's error beside its form (and the page then a 400).
pub(super) async fn details_page(
    session: &Session,
    user_id: ObjectId,
    error: Option<EditError>,
) -> Response {
    let session = session.clone();
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let may_update_some = session.may(Operation::UpdateUser);
    let found = session
        .state()
        .db(move |store| {
            let user = store.get_user(tenant_id, &UserKey::Id(user_id))?;
            // All of them (a license inherited from one is labelled with its name), by name.
            let mut groups = Vec::new();
            let mut after = None;
            loop {
                let page = store.member_of(tenant_id, user_id, after.as_ref(), MAX_TOP, false)?;
                groups.extend(page.items);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            groups.sort_by_cached_key(|group| (group.display_name.to_lowercase(), group.id));
            let manager = match user.manager_id {
                Some(manager_id) => store.get_user(tenant_id, &UserKey::Id(manager_id)).ok(),
                None => None,
            };
            let subscriptions = store.subscriptions(tenant_id)?;
            // The user name's domains, for the form that changes it (only where it is offered).
            let mut domains = if may_update_some {
                store.domains(tenant_id)?
            } else {
                Vec::new()
            };
            domains.sort_by_key(|domain| !domain.is_default);
            let roles = store.roles_of(tenant_id, user.id)?;
            Ok((user, groups, manager, subscriptions, domains, roles))
        })
        .await;
    let (user, groups, manager, subscriptions, domains, roles) = match found {
        Ok(found) => found,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return error_page(
                &session,
                StatusCode::NOT_FOUND,
                &lang.t("error-no-such-user"),
            );
        }
        Err(error) => return failure(&session, error),
    };
    // What this administrator may do to this user, whose own roles count (a User Administrator
    // changes no Global Administrator): only those forms are offered.
    let may = |operation: Operation| {
        session
            .caller
            .principal
            .authorize(operation, &roles)
            .is_ok()
    };
    let may_update = may(Operation::UpdateUser);
    let names = license_names_by_sku(&subscriptions);
    let group_names: HashMap<ObjectId, &str> = groups
        .iter()
        .map(|g| (g.id, g.display_name.as_str()))
        .collect();
    let text = |path: &str| user.attributes.text(path).unwrap_or_default().to_string();
    let list = |path: &str| match user.attributes.get(path) {
        roster_core::attributes::AttrValue::TextList(items) => items.join(", "),
        other => other.as_text().unwrap_or_default().to_string(),
    };
    let catalog = Catalog::builtin();
    let row = |label: &str, value: String| html! { tr { th scope="row" { (lang.t(label)) } td { (value) } } };
    let action = |value: &str, label: &str| {
        html! {
            form.inline method="post" action="/users/bulk" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="id" value=(user.id);
                input type="hidden" name="action" value=(value);
                button type="submit" { (lang.t(label)) }
            }
        }
    };
    let error_for = |form: &str| error.as_ref().filter(|e| e.form == form);
    let may_license = session.may(Operation::AssignLicense);
    // `license`: for the apps form, the license it is of (its error shows under that one only).
    let edit_form = |form: &str, license: Option<String>, body: Markup| {
        let error = error_for(form).filter(|e| license.as_ref().is_none_or(|sku| e.typed == *sku));
        html! {
            form.edit method="post" action={ "/users/" (user.id) } {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="form" value=(form);
                (body)
                @if let Some(error) = error { p.error role="alert" { (error.message) } }
            }
        }
    };
    let (alias, domain) = user
        .user_principal_name
        .as_ref()
        .split_once('@')
        .unwrap_or_default();
    let typed_alias = error_for("upn").map_or(alias, |e| e.typed.as_str());
    let manager_upn = manager
        .as_ref()
        .map(|m| m.user_principal_name.to_string())
        .unwrap_or_default();
    let typed_manager = error_for("manager").map_or(manager_upn.as_str(), |e| e.typed.as_str());
    let content = html! {
        p.subtitle { (user.user_principal_name) }
        div.actions {
            @if may(Operation::ResetPassword) { (action("reset-password", "action-reset-password")) }
            @if may(Operation::BlockSignIn) {
                @if user.account_enabled { (action("block", "action-block")) } @else { (action("unblock", "action-unblock")) }
            }
            @if may(Operation::RevokeSessions) { (action("revoke-sessions", "action-revoke-sessions")) }
        }
        nav.tabs {
            a href="#account" { (lang.t("details-account")) }
            a href="#licenses" { (lang.t("details-licenses")) }
            a href="#groups" { (lang.t("details-groups")) }
            a href="#contact" { (lang.t("details-contact")) }
        }
        section.panel id="account" {
            h2 { (lang.t("details-account")) }
            table.properties { tbody {
                (row("users-col-name", user.display_name.clone()))
                (row("users-col-upn", user.user_principal_name.to_string()))
                (row("details-given-name", text("givenName")))
                (row("details-surname", text("surname")))
                (row("users-col-job-title", text("jobTitle")))
                (row("users-col-department", text("department")))
                (row("users-col-office", text("officeLocation")))
                (row("users-col-status", if user.account_enabled { lang.t("users-status-enabled") } else { lang.t("users-status-blocked") }))
                (row("users-type", if user.user_type == UserType::Guest { lang.t("users-type-guest") } else { lang.t("users-type-member") }))
                (row("users-source", if user.is_synced() { lang.t("users-source-synced") } else { lang.t("users-source-cloud") }))
                (row("users-col-created", lang.datetime(user.created)))
                (row("details-manager", manager.as_ref().map(|m| format!("{} ({})", m.display_name, m.user_principal_name)).unwrap_or_default()))
            } }
            @if may_update {
                (edit_form("upn", None, html! {
                    label { (lang.t("details-change-upn")) " "
                        input name="alias" value=(typed_alias) required aria-label=(lang.t("details-change-upn")); }
                    " @ "
                    select name="domain" aria-label=(lang.t("new-user-domain-label")) {
                        @for d in &domains {
                            @let name = d.name.to_string();
                            option value=(name) selected[name.eq_ignore_ascii_case(domain)] { (name) }
                        }
                    }
                    " " button type="submit" { (lang.t("details-save")) }
                }))
                (edit_form("manager", None, html! {
                    label { (lang.t("details-change-manager")) " "
                        input name="manager" value=(typed_manager) placeholder=(lang.t("details-manager-placeholder")); }
                    " " button type="submit" { (lang.t("details-save")) }
                }))
            }
        }
        section.panel id="licenses" {
            h2 { (lang.t("details-licenses")) }
            (row_table(lang, "users-col-usage-location", user.usage_location.as_ref().map(|l| l.to_string()).unwrap_or_else(|| lang.t("details-none"))))
            @if user.licenses.is_empty() && user.inherited_licenses.is_empty() {
                p { (lang.t("users-unlicensed")) }
            } @else {
                table {
                    thead { tr { th { (lang.t("details-product")) } th { (lang.t("details-assigned")) } th { (lang.t("details-state")) } th { (lang.t("details-apps")) } } }
                    tbody {
                        @for license in &user.licenses {
                            (license_row(lang, catalog, &names, license, None, None, &group_names))
                            @if may_license {
                                tr.plans { td colspan="4" {
                                    (edit_form("plans", Some(license.sku_id.to_string()), plan_switches(lang, catalog, license)))
                                } }
                            }
                        }
                        @for license in &user.inherited_licenses {
                            (license_row(lang, catalog, &names, &LicenseAssignment { sku_id: license.sku_id, disabled_plans: license.disabled_plans.clone() },
                                Some(license.group_id), Some((license.state, license.error)), &group_names))
                        }
                    }
                }
            }
        }
        section.panel id="groups" {
            h2 { (lang.t("details-groups")) }
            @if groups.is_empty() { p { (lang.t("details-no-groups")) } }
            @else { ul { @for group in &groups { li { (group.display_name) } } } }
        }
        section.panel id="contact" {
            h2 { (lang.t("details-contact")) }
            table.properties { tbody {
                (row("details-mail", text("mail")))
                (row("details-other-mails", list("otherMails")))
                (row("details-business-phones", list("businessPhones")))
                (row("users-col-mobile", text("mobilePhone")))
                (row("details-street", text("streetAddress")))
                (row("users-col-city", text("city")))
                (row("details-postal-code", text("postalCode")))
                (row("users-col-country", text("country")))
            } }
        }
    };
    let mut response = page(&session, Nav::Users, &user.display_name, content);
    if error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// The switches of a direct license's service plans (on: checked), to switch some off.
pub(super) fn plan_switches(lang: Lang, catalog: &Catalog, license: &LicenseAssignment) -> Markup {
    let plans = catalog
        .by_sku_id(license.sku_id.as_uuid())
        .map(|sku| sku.service_plans.clone())
        .unwrap_or_default();
    html! {
        input type="hidden" name="sku" value=(license.sku_id);
        fieldset.plans {
            legend { (lang.t("details-apps-switch")) }
            @for plan in &plans {
                label {
                    input type="checkbox" name="plan" value=(plan.service_plan_id)
                        checked[!license.disabled_plans.contains(&plan.service_plan_id)];
                    " " (plan.friendly_name)
                }
            }
        }
        button type="submit" { (lang.t("details-save")) }
    }
}

/// `POST /users/{id}`: one change from the user's page (`form`: its user name, its manager, or
/// the apps of one of its licenses), checked as the API checks it; a refusal shows the page
/// again with the error beside the form and what was typed.
pub async fn edit(
    session: Session,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = session.lang;
    let Ok(user_id) = ObjectId::parse(&id) else {
        return error_page(
            &session,
            StatusCode::NOT_FOUND,
            &lang.t("error-no-such-user"),
        );
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_string())
            .unwrap_or_default()
    };
    if let Err(error) = session.check_csrf(&field("csrf")) {
        return failure(&session, error);
    }
    let (form, typed): (&'static str, String) = match field("form").as_str() {
        "upn" => ("upn", field("alias")),
        "manager" => ("manager", field("manager")),
        "plans" => ("plans", field("sku")),
        _ => return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("action-unknown")),
    };
    let enabled: Vec<String> = fields
        .iter()
        .filter(|(key, _)| key == "plan")
        .map(|(_, value)| value.clone())
        .collect();
    match save(&session, user_id, form, &field, &enabled).await {
        Ok(()) => {
            let section = if form == "plans" {
                "licenses"
            } else {
                "account"
            };
            super::super::redirect::see_other(&format!("/users/{user_id}#{section}"))
        }
        Err(error) if error.status == StatusCode::NOT_FOUND => error_page(
            &session,
            StatusCode::NOT_FOUND,
            &lang.t("error-no-such-user"),
        ),
        // Refused to this administrator: the forms were not offered either (for this user).
        Err(error) if error.status == StatusCode::FORBIDDEN => failure(&session, error),
        Err(error) => {
            let message = message(&session, error);
            details_page(
                &session,
                user_id,
                Some(EditError {
                    form,
                    message,
                    typed,
                }),
            )
            .await
        }
    }
}

/// Applies one change of [`edit`], authorized against the user's own roles.
pub(super) async fn save(
    session: &Session,
    user_id: ObjectId,
    form: &str,
    field: &(dyn Fn(&str) -> String + Sync),
    enabled: &[String],
) -> ApiResult<()> {
    let state = session.state();
    let tenant_id = session.caller.tenant_id;
    let change = session.caller.change();
    let key = UserKey::Id(user_id);
    let user = state
        .db(move |store| store.get_user(tenant_id, &UserKey::Id(user_id)))
        .await?;
    // Refused before "nothing to change" is worked out; each write is authorized again.
    let operation = match form {
        "upn" | "manager" => Operation::UpdateUser,
        _ => Operation::AssignLicense,
    };
    let asking = change.clone();
    state
        .db(move |store| store.authorize(&asking, &[operation], Some(user_id)))
        .await?;
    match form {
        "upn" => {
            let text = format!("{}@{}", field("alias"), field("domain"));
            let upn =
                roster_core::types::UserPrincipalName::parse(&text).map_err(ApiError::from)?;
            let update = UserUpdate {
                user_principal_name: Some(upn),
                ..Default::default()
            };
            state
                .db(move |store| store.update_user(&change, &key, &update))
                .await?;
        }
        "manager" => {
            let upn = field("manager");
            let manager = if upn.is_empty() {
                if user.manager_id.is_none() {
                    // Saved empty with no manager: nothing to change.
                    return Ok(());
                }
                None
            } else {
                let manager = state
                    .db(move |store| store.get_user(tenant_id, &UserKey::Upn(upn)))
                    .await
                    .map_err(|error| {
                        super::super::layout::not_found_as(
                            error,
                            session.lang.t("details-no-such-manager"),
                        )
                    })?;
                Some(manager.id)
            };
            state
                .db(move |store| store.set_manager(&change, &key, manager))
                .await?;
        }
        _ => {
            // Only the apps of a license the user holds directly (a group's license keeps the
            // group's plans); plans the form did not show keep their state.
            let held = SkuId::parse(&field("sku"))
                .ok()
                .and_then(|sku_id| user.licenses.iter().find(|l| l.sku_id == sku_id))
                .ok_or_else(|| ApiError::bad_request(session.lang.t("action-choose-license")))?;
            let sku_id = held.sku_id;
            let plans = Catalog::builtin()
                .by_sku_id(sku_id.as_uuid())
                .map(|sku| sku.service_plans.clone())
                .unwrap_or_default();
            // The form shows every plan of the license (a held license's switched-off plans are
            // among them: the store refuses any other), so what is not ticked is off.
            let enabled: Vec<uuid::Uuid> = enabled
                .iter()
                .filter_map(|plan| uuid::Uuid::parse_str(plan).ok())
                .collect();
            let disabled_plans: Vec<uuid::Uuid> = plans
                .iter()
                .map(|plan| plan.service_plan_id)
                .filter(|plan| !enabled.contains(plan))
                .collect();
            let add = vec![LicenseAssignment {
                sku_id,
                disabled_plans,
            }];
            state
                .db(move |store| store.assign_licenses(&change, &key, &add, &[]))
                .await?;
        }
    }
    Ok(())
}

pub(super) fn row_table(lang: Lang, label: &str, value: String) -> Markup {
    html! { table.properties { tbody { tr { th scope="row" { (lang.t(label)) } td { (value) } } } } }
}

pub(super) fn license_row(
    lang: Lang,
    catalog: &Catalog,
    names: &HashMap<SkuId, String>,
    license: &LicenseAssignment,
    group: Option<ObjectId>,
    state: Option<(LicenseState, roster_core::directory::LicenseError)>,
    group_names: &HashMap<ObjectId, &str>,
) -> Markup {
    let plans = catalog
        .by_sku_id(license.sku_id.as_uuid())
        .map(|sku| sku.service_plans.clone())
        .unwrap_or_default();
    html! {
        tr {
            td { (names.get(&license.sku_id).cloned().unwrap_or_else(|| license.sku_id.to_string())) }
            td {
                @match group {
                    None => (lang.t("details-direct")),
                    Some(group_id) => (lang.t_with("details-inherited", &[("group", group_names.get(&group_id).copied().unwrap_or("?").to_string().into())])),
                }
            }
            td {
                @match state {
                    None | Some((LicenseState::Active, _)) => (lang.t("details-state-active")),
                    Some((LicenseState::Error, error)) => span.blocked { (lang.t("details-state-error")) " (" (lang.license_error(error)) ")" },
                }
            }
            td {
                @let on = plans.iter().filter(|p| !license.disabled_plans.contains(&p.service_plan_id)).count();
                details {
                    summary { (lang.t_with("details-apps-on", &[("on", lang.number(on as i64).into()), ("total", lang.number(plans.len() as i64).into())])) }
                    ul.plans {
                        @for plan in &plans {
                            li {
                                @if license.disabled_plans.contains(&plan.service_plan_id) { s { (plan.friendly_name) } } @else { (plan.friendly_name) }
                            }
                        }
                    }
                }
            }
        }
    }
}
