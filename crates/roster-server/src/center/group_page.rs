//! A group's page: its properties, rule (with the preview), members, owners and the licenses
//! it gives, each changed in place; only what this administrator may change is offered.

use crate::paging::MAX_TOP;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::requests::GroupUpdate;
use roster_core::types::ObjectId;
use roster_store::UserKey;
use serde::Deserialize;

use super::groups::{kind, parse_rule, preview, rule_editor};
use super::layout::{Nav, error_page, failure, page};
use super::redirect::see_other;
use super::session::Session;
use crate::error::ApiError;

/// `GET /groups/{id}`: a group's properties, rule, members and owners.
pub async fn details(
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<DetailsQuery>,
) -> Response {
    render_details(&session, &id, None, None, query.errors.as_deref()).await
}

#[derive(Deserialize, Default)]
pub struct DetailsQuery {
    /// Where the list of members whose licenses did not take goes on (a page's token).
    errors: Option<String>,
}

/// Members whose licenses from the group did not take, listed a page at a time.
const ERRORS_PER_PAGE: usize = 20;

async fn render_details(
    session: &Session,
    id: &str,
    error: Option<(&'static str, String, String)>,
    // A preview, and the rule it previews (which stays in the editor).
    previewed: Option<(Markup, String)>,
    errors_page: Option<&str>,
) -> Response {
    let lang = session.lang;
    let errors_after = match errors_page.map(crate::paging::decode_skiptoken).transpose() {
        Ok(after) => after,
        Err(error) => return failure(session, error),
    };
    let Ok(group_id) = ObjectId::parse(id) else {
        return error_page(
            session,
            StatusCode::NOT_FOUND,
            &lang.t("groups-no-such-group"),
        );
    };
    let tenant_id = session.caller.tenant_id;
    let found = session
        .state()
        .db(move |store| {
            let group = store.get_group(tenant_id, group_id)?;
            let (members, total) = store.group_member_users(tenant_id, group_id, 100)?;
            let mut owners = store
                .group_owners(tenant_id, group_id, None, MAX_TOP, false)?
                .items;
            owners.sort_by_cached_key(|owner| (owner.display_name.to_lowercase(), owner.id));
            let subscriptions = store.subscriptions(tenant_id)?;
            let in_error = if group.licenses.is_empty() {
                roster_store::Page {
                    items: Vec::new(),
                    next: None,
                    count: Some(0),
                }
            } else {
                store.members_with_license_errors(
                    tenant_id,
                    group_id,
                    errors_after.as_ref(),
                    ERRORS_PER_PAGE,
                    true,
                )?
            };
            Ok((group, members, total, owners, subscriptions, in_error))
        })
        .await;
    let (group, members, total, owners, subscriptions, in_error) = match found {
        Ok(found) => found,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return error_page(
                session,
                StatusCode::NOT_FOUND,
                &lang.t("groups-no-such-group"),
            );
        }
        Err(error) => return failure(session, error),
    };
    let dynamic = group.is_dynamic();
    let manage = session.may(Operation::ManageGroups);
    let manage_owners = session.may(Operation::ManageGroupMembers);
    let manage_members = manage_owners && !dynamic;
    let manage_licenses = session.may(Operation::AssignLicense) && group.security_enabled;
    let names = super::licenses::license_names_by_sku(&subscriptions);
    let sku_name = |sku_id: roster_core::types::SkuId| {
        names
            .get(&sku_id)
            .cloned()
            .unwrap_or_else(|| sku_id.to_string())
    };
    let small_form = |go: &str, field: &str, value: String, label: &str| {
        html! {
            form.inline method="post" action={ "/groups/" (group.id) } {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="go" value=(go);
                input type="hidden" name=(field) value=(value);
                button type="submit" { (lang.t(label)) }
            }
        }
    };
    let error_for = |field: &str| {
        error
            .as_ref()
            .filter(|(f, _, _)| *f == field)
            .map(|(_, m, _)| m.clone())
    };
    // What was typed into the refused form, for that form only.
    let typed_for = |field: &str| {
        error
            .as_ref()
            .filter(|(f, _, _)| *f == field)
            .map(|(_, _, typed)| typed.clone())
    };
    let (preview_markup, previewed_rule) = previewed.unzip();
    let typed_rule = typed_for("rule").or(previewed_rule);
    // Adding a member or an owner by user name, with the refusal beside the form.
    let add_person_form = |go: &str, button: &str, field: &str| {
        html! {
            form.filters method="post" action={ "/groups/" (group.id) } {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="go" value=(go);
                label { (lang.t("roles-user")) " " input name="member" type="email" required value=[typed_for(field)]; }
                button type="submit" { (lang.t(button)) }
            }
            @if let Some(message) = error_for(field) { p.error role="alert" { (message) } }
        }
    };
    let content = html! {
        table.properties { tbody {
            tr { th scope="row" { (lang.t("groups-kind")) } td { (lang.t(kind(&group))) } }
            tr { th scope="row" { (lang.t("groups-membership")) } td { (lang.t(if dynamic { "groups-dynamic" } else { "groups-assigned" })) } }
            tr { th scope="row" { (lang.t("groups-description")) } td { (group.description.as_deref().unwrap_or("")) } }
            tr { th scope="row" { (lang.t("groups-mail")) } td { (group.mail.as_deref().unwrap_or("")) } }
            @if dynamic {
                @let paused = group.membership_rule_processing_state.as_deref() == Some("Paused");
                tr { th scope="row" { (lang.t("groups-processing")) } td {
                    (lang.t(if paused { "groups-processing-paused" } else { "groups-processing-on" }))
                    @if manage {
                        " "
                        form.inline method="post" action={ "/groups/" (group.id) } {
                            input type="hidden" name="csrf" value=(session.csrf);
                            input type="hidden" name="go" value=(if paused { "resume" } else { "pause" });
                            button.secondary type="submit" { (lang.t(if paused { "groups-resume" } else { "groups-pause" })) }
                        }
                    }
                } }
            }
        } }
        @if let Some(message) = error_for("form") { p.error role="alert" { (message) } }
        @if dynamic {
            section.panel {
                h2 { (lang.t("groups-rule")) }
                @if manage {
                    form method="post" action={ "/groups/" (group.id) } {
                        input type="hidden" name="csrf" value=(session.csrf);
                        (rule_editor(lang, &typed_rule.unwrap_or_else(|| group.membership_rule.clone().unwrap_or_default()), error_for("rule")))
                        @if let Some(preview) = preview_markup { (preview) }
                        div.buttons {
                            button type="submit" name="go" value="save" { (lang.t("groups-save-rule")) }
                            button.secondary type="submit" name="go" value="preview" { (lang.t("groups-preview-changes")) }
                        }
                    }
                } @else {
                    pre { (group.membership_rule.as_deref().unwrap_or("")) }
                }
            }
        }
        section.panel {
            h2 { (lang.t("groups-members")) " " span.muted { "(" (lang.number(total)) ")" } }
            @if manage_members {
                (add_person_form("add-member", "groups-add-member", "member"))
            }
            table { tbody {
                @for member in &members {
                    tr {
                        td { a href={ "/users/" (member.id) } { (member.display_name) } }
                        td { (member.user_principal_name) }
                        @if manage_members {
                            td { (small_form("remove-member", "member", member.id.to_string(), "roles-remove")) }
                        }
                    }
                }
            } }
            @if total > members.len() as i64 { p.muted { (lang.t_with("groups-more-members", &[("shown", lang.number(members.len() as i64).into())])) } }
        }
        section.panel {
            h2 { (lang.t("groups-owners")) }
            @if manage_owners {
                (add_person_form("add-owner", "groups-add-owner", "owner"))
            }
            @if owners.is_empty() { p { (lang.t("details-none")) } }
            @else { table { tbody { @for owner in &owners { tr {
                td { a href={ "/users/" (owner.id) } { (owner.display_name) } }
                td { (owner.user_principal_name) }
                @if manage_owners { td { (small_form("remove-owner", "member", owner.id.to_string(), "roles-remove")) } }
            } } } } }
        }
        @if group.security_enabled {
            section.panel id="licenses" {
                h2 { (lang.t("licenses-title")) }
                @if let Some(state) = &group.license_processing_state {
                    p { (lang.t("groups-license-processing")) ": " (lang.t_with("groups-license-state", &[("state", state.clone().into())])) }
                }
                @if group.licenses.is_empty() { p { (lang.t("details-none")) } }
                @else { table { tbody { @for license in &group.licenses { tr {
                    td { (sku_name(license.sku_id)) }
                    @if manage_licenses { td { (small_form("remove-license", "sku", license.sku_id.to_string(), "action-remove-license")) } }
                } } } } }
                @if !in_error.items.is_empty() {
                    h3 id="license-errors" { (lang.t("groups-license-errors")) }
                    p.count { (lang.t_with("groups-license-errors-count", &[("count", in_error.count.unwrap_or(0).into()), ("total", lang.number(in_error.count.unwrap_or(0)).into()), ("shown", lang.number(in_error.items.len() as i64).into())])) }
                    ul { @for user in &in_error.items { li {
                        a href={ "/users/" (user.id) "#licenses" } { (user.display_name) }
                        @for state in user.inherited_licenses.iter().filter(|l| l.group_id == group.id && l.state == roster_core::directory::LicenseState::Error) {
                            " (" (sku_name(state.sku_id)) ": " (lang.license_error(state.error)) ")"
                        }
                    } } }
                    @if let Some(next) = &in_error.next {
                        p { a href={ "/groups/" (group.id) "?errors=" (crate::paging::encode_skiptoken(next)) "#license-errors" } { (lang.t("groups-license-errors-next")) } }
                    }
                }
                @if manage_licenses {
                    form.filters method="post" action={ "/groups/" (group.id) } {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="go" value="assign-license";
                        label { (lang.t("licenses-title")) " " select name="sku" {
                            @for subscription in &subscriptions {
                                option value=(subscription.sku_id) { (sku_name(subscription.sku_id)) }
                            }
                        } }
                        button type="submit" { (lang.t("action-assign-license")) }
                    }
                    @if let Some(message) = error_for("license") { p.error role="alert" { (message) } }
                }
            }
        }
    };
    let mut response = page(session, Nav::Groups, &group.display_name, content);
    if error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

#[derive(Deserialize, Debug)]
pub struct DetailsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    go: String,
    #[serde(default)]
    rule: String,
    /// A member's or owner's user name or id.
    #[serde(default)]
    member: String,
    #[serde(default)]
    sku: String,
}

/// Changes a group as `PATCH /v1.0/groups/{id}` with `update` would, and wakes the worker, which
/// applies a changed or resumed rule in the background.
async fn patch_group(
    session: &Session,
    group_id: ObjectId,
    update: GroupUpdate,
) -> Result<(), ApiError> {
    let tenant_id = session.caller.tenant_id;
    let mut group = session
        .state()
        .db(move |store| store.get_group(tenant_id, group_id))
        .await?;
    update.apply(&mut group)?;
    let change = session.caller.change();
    session
        .state()
        .db(move |store| store.update_group(&change, &group))
        .await?;
    session.state().job_wake.notify_one();
    Ok(())
}

/// `POST /groups/{id}`: saves or previews a rule, pauses or resumes it; adds or removes a member
/// or an owner; assigns or removes a license the group gives its members.
pub async fn change(
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<DetailsForm>,
) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    let Ok(group_id) = ObjectId::parse(&id) else {
        return error_page(
            &session,
            StatusCode::NOT_FOUND,
            &lang.t("groups-no-such-group"),
        );
    };
    let tenant_id = session.caller.tenant_id;
    let change = session.caller.change();
    let refused = |field: &'static str, error: ApiError| {
        (
            field,
            super::wording::message(&session, error),
            form.rule.clone(),
        )
    };
    let result: Result<(), (&'static str, String, String)> = match form.go.as_str() {
        "preview" => {
            return match preview(&session, &form.rule, Some(group_id)).await {
                Ok(markup) => {
                    let previewed = Some((markup, form.rule.clone()));
                    render_details(&session, &id, None, previewed, None).await
                }
                Err(message) => {
                    render_details(
                        &session,
                        &id,
                        Some(("rule", message, form.rule.clone())),
                        None,
                        None,
                    )
                    .await
                }
            };
        }
        "pause" | "resume" | "save" => {
            if let Err(error) = session
                .caller
                .principal
                .authorize(Operation::ManageGroups, &[])
            {
                return failure(&session, error.into());
            }
            if form.go == "save"
                && let Err(message) = parse_rule(lang, &form.rule)
            {
                let refused = Some(("rule", message, form.rule.clone()));
                return render_details(&session, &id, refused, None, None).await;
            }
            let mut update = GroupUpdate::default();
            let field = match form.go.as_str() {
                "save" => {
                    update.membership_rule = Some(Some(form.rule.trim().to_string()));
                    "rule"
                }
                "pause" => {
                    update.membership_rule_processing_state = Some(Some("Paused".into()));
                    "form"
                }
                _ => {
                    update.membership_rule_processing_state = Some(Some("On".into()));
                    "form"
                }
            };
            patch_group(&session, group_id, update)
                .await
                .map_err(|error| {
                    let field = if error.status == StatusCode::NOT_FOUND {
                        "form"
                    } else {
                        field
                    };
                    refused(field, error)
                })
        }
        "assign-license" | "remove-license" => {
            if let Err(error) = session
                .caller
                .principal
                .authorize(Operation::AssignLicense, &[])
            {
                return failure(&session, error.into());
            }
            let Ok(sku_id) = roster_core::types::SkuId::parse(form.sku.trim()) else {
                return render_details(
                    &session,
                    &id,
                    Some(("license", lang.t("action-choose-license"), String::new())),
                    None,
                    None,
                )
                .await;
            };
            let assign = form.go == "assign-license";
            let assigned = session
                .state()
                .db(move |store| {
                    if assign {
                        store.give_group_license(&change, group_id, sku_id)
                    } else {
                        store
                            .assign_group_licenses(&change, group_id, &[], &[sku_id])
                            .map(drop)
                    }
                })
                .await;
            session.state().job_wake.notify_one();
            assigned.map_err(|error| refused("license", error))
        }
        "add-owner" | "remove-owner" | "add-member" | "remove-member" => {
            // Owners and members need the same right, as through the API.
            let field = if form.go.ends_with("owner") {
                "owner"
            } else {
                "member"
            };
            if let Err(error) = session
                .caller
                .principal
                .authorize(Operation::ManageGroupMembers, &[])
            {
                return failure(&session, error.into());
            }
            let key = UserKey::parse(form.member.trim());
            let member = session
                .state()
                .db(move |store| store.get_user(tenant_id, &key).map(|u| u.id))
                .await;
            let go = form.go.clone();
            match member {
                Ok(member_id) => session
                    .state()
                    .db(move |store| match go.as_str() {
                        "add-owner" => store.add_group_owner(&change, group_id, member_id),
                        "remove-owner" => store.remove_group_owner(&change, group_id, member_id),
                        "add-member" => store.add_group_member(&change, group_id, member_id),
                        _ => store.remove_group_member(&change, group_id, member_id),
                    })
                    .await
                    .map_err(|error| {
                        (
                            field,
                            super::wording::message(&session, error),
                            form.member.clone(),
                        )
                    }),
                Err(_) => Err((field, lang.t("roles-unknown-user"), form.member.clone())),
            }
        }
        _ => Err(("form", lang.t("action-unknown"), String::new())),
    };
    match result {
        Ok(()) => see_other(&format!("/groups/{group_id}")),
        Err(error) => render_details(&session, &id, Some(error), None, None).await,
    }
}
