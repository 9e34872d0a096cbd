//! A user's page: its details in sections (Account, Contact information, Licenses and apps,
//! Groups, Roles), each changed and saved on its own, with what changed confirmed; and the
//! actions on the user (reset the password, block, sign out everywhere, delete).
//!
//! Only the forms this administrator may use on this user are offered (the user's own roles
//! count: a User Administrator changes no Global Administrator); the store decides again as it
//! writes.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::{Operation, Role};
use roster_core::catalog::Catalog;
use roster_core::directory::{Group, LicenseAssignment, LicenseState, User, UserType};
use roster_core::types::{ObjectId, SkuId};
use roster_store::{Store, UserKey};
use serde::Deserialize;

use super::super::countries;
use super::super::groups::groups_to_add;
use super::super::i18n::Lang;
use super::super::layout::{
    Nav, confirm_panel, error_page, failure, page, post_button, saved_notice, saved_properties,
};
use super::super::licenses::{license_names_by_sku, plan_switches};
use super::super::roles::role_name;
use super::super::session::Session;
use super::outcome::{Ask, Done, Notice};
use super::properties::{self, Section};
use crate::paging::MAX_TOP;

/// How many groups the group picker shows for what was typed.
const PICKED: usize = 20;

#[derive(Deserialize, Default)]
pub struct DetailsParams {
    /// After a save: the properties it changed, by Graph name, comma-separated (empty: none).
    saved: Option<String>,
    /// The group picker's search.
    #[serde(default)]
    find: String,
    /// A removal whose consequences the page shows, with the button that makes it:
    /// `remove-license` (with `sku`) or `leave` (with `group`).
    ask: Option<String>,
    sku: Option<String>,
    group: Option<String>,
}

impl DetailsParams {
    fn ask(&self) -> Option<Ask> {
        match self.ask.as_deref()? {
            "remove-license" => SkuId::parse(self.sku.as_deref()?)
                .ok()
                .map(Ask::RemoveLicense),
            "leave" => ObjectId::parse(self.group.as_deref()?).ok().map(Ask::Leave),
            _ => None,
        }
    }
}

/// `GET /users/{id}`: a user's page.
pub async fn details(
    session: Session,
    Path(id): Path<String>,
    Query(params): Query<DetailsParams>,
) -> Response {
    let Ok(user_id) = ObjectId::parse(&id) else {
        return error_page(
            &session,
            StatusCode::NOT_FOUND,
            &session.lang.t("error-no-such-user"),
        );
    };
    // Only properties the pages word are named; anything else in the address is dropped.
    let saved = saved_properties(params.saved.as_deref(), |name| {
        Lang::En.property(name) != name
    });
    let notice = match (saved, params.ask()) {
        (Some(saved), _) => Notice::Done(Done::Saved(saved)),
        (None, Some(ask)) => Notice::Ask(ask),
        (None, None) => Notice::None,
    };
    details_page(&session, user_id, notice, params.find.trim()).await
}

/// What the page shows, read in one go.
struct Loaded {
    user: User,
    groups: Vec<Group>,
    manager: Option<User>,
    subscriptions: Vec<roster_core::directory::Subscription>,
    domains: Vec<roster_core::directory::Domain>,
    roles: Vec<Role>,
    /// The groups the picker found for what was typed (none asked: empty).
    found: Vec<Group>,
}

/// A user's page, with `notice` above (or beside the form it is about).
pub(super) async fn details_page(
    session: &Session,
    user_id: ObjectId,
    notice: Notice,
    find: &str,
) -> Response {
    let tenant_id = session.caller.tenant_id;
    let may_update_some = session.may(Operation::UpdateUser);
    let find = find.to_string();
    let loaded = session
        .state()
        .db(move |store| {
            let user = store.get_user(tenant_id, &UserKey::Id(user_id))?;
            let groups = all_groups_of(store, tenant_id, user_id)?;
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
            domains.retain(|domain| domain.is_verified);
            domains.sort_by_key(|domain| !domain.is_default);
            let roles = store.roles_of(tenant_id, user.id)?;
            let member_of: Vec<ObjectId> = groups.iter().map(|group| group.id).collect();
            let found = found_to_add(store, tenant_id, &find, &member_of)?;
            Ok(Loaded {
                user,
                groups,
                manager,
                subscriptions,
                domains,
                roles,
                found,
            })
        })
        .await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return deleted_page(session, user_id).await;
        }
        Err(error) => return failure(session, error),
    };
    let refused = matches!(notice, Notice::Refused(_));
    let title = loaded.user.display_name.clone();
    let content = render(session, &loaded, &notice);
    let mut response = page(session, Nav::Users, &title, content);
    if refused {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

fn render(session: &Session, loaded: &Loaded, notice: &Notice) -> Markup {
    let lang = session.lang;
    let user = &loaded.user;
    // What this administrator may do to this user, whose own roles count.
    let may = |operation: Operation| {
        session
            .caller
            .principal
            .authorize(operation, &loaded.roles)
            .is_ok()
    };
    let error = match notice {
        Notice::Refused(error) => Some(error),
        _ => None,
    };
    let error_for = |form: &str| error.filter(|e| e.form == form);
    let form_message = |form: &str| {
        error_for(form)
            .and_then(|e| e.message_for(""))
            .map(|message| html! { p.error role="alert" { (message) } })
    };
    let edit_form = |form: &str, class: &str, body: Markup| {
        html! {
            form class=(class) method="post" action={ "/users/" (user.id) } {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="form" value=(form);
                (body)
                @if let Some(message) = form_message(form) { (message) }
            }
        }
    };
    let names = license_names_by_sku(&loaded.subscriptions);
    let group_names: HashMap<ObjectId, &str> = loaded
        .groups
        .iter()
        .map(|g| (g.id, g.display_name.as_str()))
        .collect();
    let catalog = Catalog::builtin();
    let row = |label: &str, value: String| html! { tr { th scope="row" { (lang.t(label)) } td { (value) } } };
    let synced = user.is_synced();
    let section = |section: &Section| {
        let form = section.form;
        let typed = error_for(form).map(|e| move |name: &str| e.typed(name).map(str::to_string));
        let errors = error_for(form)
            .map(|e| e.messages.clone())
            .unwrap_or_default();
        html! {
            @if may(Operation::UpdateUser) && !synced {
                (edit_form(form, "section", html! {
                    (properties::fields(lang, section, user, typed.as_ref().map(|t| t as &dyn Fn(&str) -> Option<String>), &errors))
                    button type="submit" { (lang.t("details-save")) }
                }))
            } @else {
                (properties::table(lang, section, user))
            }
        }
    };
    let (alias, domain) = user
        .user_principal_name
        .as_ref()
        .split_once('@')
        .unwrap_or_default();
    let typed_alias = error_for("upn")
        .and_then(|e| e.typed("alias"))
        .unwrap_or(alias);
    let manager_upn = loaded
        .manager
        .as_ref()
        .map(|m| m.user_principal_name.to_string())
        .unwrap_or_default();
    let typed_manager = error_for("manager")
        .and_then(|e| e.typed("manager"))
        .unwrap_or(manager_upn.as_str());
    let may_license = may(Operation::AssignLicense);
    let may_groups = session.may(Operation::ManageGroupMembers);
    let held: Vec<SkuId> = user.licenses.iter().map(|l| l.sku_id).collect();
    html! {
        p.subtitle { (user.user_principal_name) }
        (notice_text(lang, notice))
        @if let Notice::Ask(ask) = notice {
            @if matches!(ask, Ask::RemoveLicense(_)) && may_license || matches!(ask, Ask::Leave(_)) && may_groups {
                (asked(session, loaded, *ask, &names))
            }
        }
        div.actions {
            @if may(Operation::ResetPassword) && !synced {
                a.button href="#password" { (lang.t("action-reset-password")) }
            }
            @if may(Operation::BlockSignIn) && !synced {
                (action(session, user, if user.account_enabled { "block" } else { "unblock" },
                    if user.account_enabled { "action-block" } else { "action-unblock" }, "secondary"))
            }
            @if may(Operation::RevokeSessions) { (action(session, user, "revoke-sessions", "action-revoke-sessions", "secondary")) }
            @if may(Operation::DeleteUser) && !synced { (action(session, user, "delete", "action-delete", "danger")) }
        }
        nav.tabs aria-label=(lang.t("details-sections")) {
            a href="#account" { (lang.t("details-account")) }
            a href="#contact" { (lang.t("details-contact")) }
            a href="#licenses" { (lang.t("details-licenses")) }
            a href="#groups" { (lang.t("details-groups")) }
            a href="#roles" { (lang.t("details-roles")) }
        }
        @if synced { p.note { (lang.t("details-synced")) } }
        section.panel id="account" aria-labelledby="h-account" {
            h2 id="h-account" { (lang.t("details-account")) }
            table.properties { tbody {
                (row("users-col-status", if user.account_enabled { lang.t("users-status-enabled") } else { lang.t("users-status-blocked") }))
                (row("users-type", if user.user_type == UserType::Guest { lang.t("users-type-guest") } else { lang.t("users-type-member") }))
                (row("users-source", if synced { lang.t("users-source-synced") } else { lang.t("users-source-cloud") }))
                (row("users-col-created", lang.datetime(user.created)))
                (row("details-manager", loaded.manager.as_ref().map(|m| format!("{} ({})", m.display_name, m.user_principal_name)).unwrap_or_else(|| lang.t("details-none"))))
            } }
            @if may(Operation::UpdateUser) && !synced {
                (edit_form("upn", "edit", html! {
                    label for="f-alias" { (lang.t("details-change-upn")) }
                    input id="f-alias" name="alias" value=(typed_alias) required;
                    " @ "
                    select name="domain" aria-label=(lang.t("new-user-domain-label")) {
                        @for d in &loaded.domains {
                            @let name = d.name.to_string();
                            option value=(name) selected[name.eq_ignore_ascii_case(domain)] { (name) }
                        }
                    }
                    " " button type="submit" { (lang.t("details-save")) }
                }))
                (edit_form("manager", "edit", html! {
                    label for="f-manager" { (lang.t("details-change-manager")) }
                    input id="f-manager" name="manager" value=(typed_manager) placeholder=(lang.t("details-manager-placeholder"));
                    " " button type="submit" { (lang.t("details-save")) }
                }))
            }
            (section(&properties::ACCOUNT))
        }
        section.panel id="contact" aria-labelledby="h-contact" {
            h2 id="h-contact" { (lang.t("details-contact")) }
            (section(&properties::CONTACT))
        }
        section.panel id="licenses" aria-labelledby="h-licenses" {
            h2 id="h-licenses" { (lang.t("details-licenses")) }
            @if may(Operation::SetUsageLocation) {
                @let typed = error_for("location").and_then(|e| e.typed("usageLocation"));
                @let current = user.usage_location.map(|l| l.to_string()).unwrap_or_default();
                (edit_form("location", "edit", html! {
                    label for="f-location" { (lang.t("users-col-usage-location")) }
                    select id="f-location" name="usageLocation" {
                        (countries::options(lang, typed.unwrap_or(&current), &lang.t("details-none")))
                    }
                    " " button type="submit" { (lang.t("details-save")) }
                }))
            } @else {
                (row_table(lang, "users-col-usage-location", countries::location_name(lang, user.usage_location.as_ref())))
            }
            @if user.licenses.is_empty() && user.inherited_licenses.is_empty() {
                p { (lang.t("users-unlicensed")) }
            } @else {
                div.scroll tabindex="0" { table {
                    thead { tr { th { (lang.t("details-product")) } th { (lang.t("details-assigned")) } th { (lang.t("details-state")) } th { (lang.t("details-apps")) } } }
                    tbody {
                        @for license in &user.licenses {
                            (license_row(lang, catalog, &names, license, None, None, &group_names))
                            @if may_license {
                                tr.plans { td colspan="4" {
                                    @let mine = error_for("plans").filter(|e| e.typed("sku") == Some(&license.sku_id.to_string()));
                                    form.edit method="post" action={ "/users/" (user.id) } {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        input type="hidden" name="form" value="plans";
                                        (plan_switches(lang, catalog, license))
                                        @if let Some(message) = mine.and_then(|e| e.message_for("")) { p.error role="alert" { (message) } }
                                    }
                                    a.button.danger href={ "/users/" (user.id) "?ask=remove-license&sku=" (license.sku_id) "#confirm" } {
                                        (lang.t("details-remove-license"))
                                    }
                                } }
                            }
                        }
                        @for license in &user.inherited_licenses {
                            (license_row(lang, catalog, &names, &LicenseAssignment { sku_id: license.sku_id, disabled_plans: license.disabled_plans.clone() },
                                Some(license.group_id), Some((license.state, license.error)), &group_names))
                        }
                    }
                } }
            }
            @let assignable: Vec<_> = loaded.subscriptions.iter().filter(|s| !held.contains(&s.sku_id)).collect();
            @if may_license && !assignable.is_empty() {
                (edit_form("license-add", "edit", html! {
                    label for="f-license" { (lang.t("details-assign-license")) }
                    select id="f-license" name="sku" required {
                        option value="" { (lang.t("details-choose-license")) }
                        @for subscription in &assignable {
                            option value=(subscription.sku_id) {
                                (names.get(&subscription.sku_id).cloned().unwrap_or_default()) " ("
                                (lang.t_with("new-user-available", &[
                                    ("available", lang.number(subscription.enabled_units - subscription.consumed_units).into()),
                                    ("total", lang.number(subscription.enabled_units).into()),
                                ])) ")"
                            }
                        }
                    }
                    " " button type="submit" { (lang.t("details-assign")) }
                }))
            }
        }
        section.panel id="groups" aria-labelledby="h-groups" {
            h2 id="h-groups" { (lang.t("details-groups")) }
            @if loaded.groups.is_empty() { p { (lang.t("details-no-groups")) } }
            @else {
                div.scroll tabindex="0" { table { tbody {
                    @for group in &loaded.groups {
                        tr {
                            td { a href={ "/groups/" (group.id) } { (group.display_name) } }
                            td {
                                @if group.is_dynamic() { span.muted { (lang.t("details-dynamic-member")) } }
                                @else if may_groups {
                                    a.button.secondary href={ "/users/" (user.id) "?ask=leave&group=" (group.id) "#confirm" }
                                        aria-label=(lang.t_with("details-remove-from-named", &[("group", group.display_name.clone().into())])) {
                                        (lang.t("details-remove-from-group"))
                                    }
                                }
                            }
                        }
                    }
                } } }
            }
            @if let Some(message) = form_message("group-remove") { (message) }
            @if may_groups {
                (group_picker(session, loaded, error_for("group-add").and_then(|e| e.message_for(""))))
            }
        }
        section.panel id="roles" aria-labelledby="h-roles" {
            h2 id="h-roles" { (lang.t("details-roles")) }
            @if loaded.roles.is_empty() { p { (lang.t("details-no-roles")) } }
            @else {
                div.scroll tabindex="0" { table { tbody {
                    @for role in &loaded.roles {
                        tr {
                            td { (role_name(lang, *role)) }
                            @if session.may(Operation::ManageRoles) {
                                td {
                                    form.inline method="post" action={ "/users/" (user.id) } {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        input type="hidden" name="form" value="role-remove";
                                        input type="hidden" name="role" value=(role.display_name());
                                        button.secondary type="submit" { (lang.t("roles-remove")) }
                                    }
                                }
                            }
                        }
                    }
                } } }
            }
            @if session.may(Operation::ManageRoles) {
                @let others: Vec<Role> = Role::ALL.into_iter().filter(|r| !loaded.roles.contains(r)).collect();
                @if !others.is_empty() {
                    (edit_form("role-add", "edit", html! {
                        label for="f-role" { (lang.t("roles-role")) }
                        select id="f-role" name="role" required {
                            option value="" { (lang.t("roles-choose")) }
                            @for role in others { option value=(role.display_name()) { (role_name(lang, role)) } }
                        }
                        " " button type="submit" { (lang.t("roles-assign-submit")) }
                    }))
                }
            }
            @if let Some(message) = form_message("role-remove") { (message) }
        }
        @if may(Operation::ResetPassword) && !synced {
            section.panel id="password" aria-labelledby="h-password" {
                h2 id="h-password" { (lang.t("action-reset-password")) }
                (edit_form("password", "section", html! {
                    fieldset {
                        legend { (lang.t("new-user-password")) }
                        label { input type="radio" name="password" value="generate" checked; " " (lang.t("new-user-password-generate")) }
                        label { input type="radio" name="password" value="own"; " " (lang.t("new-user-password-own")) }
                        @let refused = error_for("password").and_then(|e| e.message_for("newPassword"));
                        div.field {
                            label for="f-new-password" { (lang.t("sign-in-password")) }
                            input id="f-new-password" name="newPassword" type="password" autocomplete="new-password"
                                aria-invalid=[refused.map(|_| "true")]
                                aria-describedby=[refused.map(|_| "f-new-password-error")];
                            @if let Some(message) = refused { p.error role="alert" id="f-new-password-error" { (message) } }
                        }
                        label { input type="checkbox" name="forceChange" value="on" checked; " " (lang.t("new-user-force-change")) }
                    }
                    button type="submit" { (lang.t("action-reset-password")) }
                }))
            }
        }
    }
}

/// The page of a user in the recycle bin: when it was deleted, until when it can be restored,
/// and the button that restores it (for those allowed); a user that is gone for good is not
/// found.
async fn deleted_page(session: &Session, user_id: ObjectId) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let user = match session
        .state()
        .db(move |store| store.get_deleted_user(tenant_id, user_id))
        .await
    {
        Ok(user) => user,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return error_page(
                session,
                StatusCode::NOT_FOUND,
                &lang.t("error-no-such-user"),
            );
        }
        Err(error) => return failure(session, error),
    };
    let deleted = user.deleted.unwrap_or(user.created);
    let until = deleted + chrono::Duration::days(roster_core::directory::RECYCLE_BIN_DAYS);
    let content = html! {
        p.subtitle { (user.user_principal_name) }
        p.note role="status" {
            (lang.t_with("details-deleted", &[("deleted", lang.datetime(deleted).into()), ("until", lang.datetime(until).into())]))
        }
        @if session.may(Operation::RestoreUser) {
            form.inline method="post" action="/deleted" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="id" value=(user.id);
                button type="submit" name="action" value="restore" { (lang.t("deleted-restore")) }
            }
        }
    };
    page(session, Nav::Users, &user.display_name, content)
}

/// The confirmation or the new password above the sections.
fn notice_text(lang: Lang, notice: &Notice) -> Markup {
    html! {
        @match notice {
            Notice::Done(Done::Saved(changed)) => (saved_notice(lang, changed)),
            Notice::Done(Done::Password { password, force_change }) => {
                div.success role="status" {
                    p { (lang.t("details-password-reset")) }
                    @if let Some(password) = password {
                        p {
                            code.password id="new-password" { (password) } " "
                            button.secondary type="button" data-copy="new-password" data-copied=(lang.t("details-copied")) { (lang.t("details-copy")) }
                        }
                        p.warning { (lang.t("details-password-once")) }
                    }
                    @if *force_change { p { (lang.t("details-password-must-change")) } }
                }
            }
            Notice::Refused(_) | Notice::None | Notice::Ask(_) => {}
        }
    }
}

/// A removal from the user's page, asked first: what it takes away, with the button that does it.
fn asked(session: &Session, loaded: &Loaded, ask: Ask, names: &HashMap<SkuId, String>) -> Markup {
    let lang = session.lang;
    let user = &loaded.user;
    let this_user = format!("/users/{}", user.id);
    let product = |sku: &SkuId| names.get(sku).cloned().unwrap_or_else(|| sku.to_string());
    match ask {
        Ask::RemoveLicense(sku) if user.licenses.iter().any(|l| l.sku_id == sku) => confirm_panel(
            session,
            &lang.t_with(
                "details-remove-license-title",
                &[
                    ("license", product(&sku).into()),
                    ("user", user.display_name.clone().into()),
                ],
            ),
            html! {
                p { (lang.t("details-remove-license-consequences")) }
                @if user.inherited_licenses.iter().any(|l| l.sku_id == sku) {
                    p { (lang.t("details-remove-license-inherited")) }
                }
            },
            (
                &this_user,
                &[("form", "license-remove"), ("sku", &sku.to_string())],
            ),
            &lang.t("details-remove-license"),
            &format!("{this_user}#licenses"),
        ),
        Ask::Leave(group_id) => match loaded
            .groups
            .iter()
            .find(|g| g.id == group_id && !g.is_dynamic())
        {
            Some(group) => {
                let given: Vec<String> = user
                    .inherited_licenses
                    .iter()
                    .filter(|l| l.group_id == group_id)
                    .map(|l| product(&l.sku_id))
                    .collect();
                confirm_panel(
                    session,
                    &lang.t_with(
                        "groups-remove-member-title",
                        &[
                            ("member", user.display_name.clone().into()),
                            ("group", group.display_name.clone().into()),
                        ],
                    ),
                    html! {
                        @if given.is_empty() { p { (lang.t("groups-remove-member-no-licenses")) } }
                        @else { p { (lang.t_with("groups-remove-member-licenses", &[("licenses", given.join(", ").into())])) } }
                    },
                    (
                        &this_user,
                        &[("form", "group-remove"), ("group", &group_id.to_string())],
                    ),
                    &lang.t("details-remove-from-group"),
                    &format!("{this_user}#groups"),
                )
            }
            None => html! {},
        },
        Ask::RemoveLicense(_) => html! {},
    }
}

/// The group picker: a search for groups by the start of their names (live as it is typed,
/// with the script), and the groups found, each to choose.
fn group_picker(session: &Session, loaded: &Loaded, message: Option<&str>) -> Markup {
    let lang = session.lang;
    let user_id = loaded.user.id;
    html! {
        div.picker {
            form.filters method="get" action={ "/users/" (user_id) "#groups" } role="search" {
                label for="f-find" { (lang.t("details-add-to-group")) }
                input id="f-find" type="search" name="find" autocomplete="off"
                    placeholder=(lang.t("details-find-group"))
                    data-picker={ "/users/" (user_id) "/groups-found" } data-picker-into="found-groups";
                button.secondary type="submit" { (lang.t("details-find")) }
            }
            form method="post" action={ "/users/" (user_id) } {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="form" value="group-add";
                div id="found-groups" aria-live="polite" { (found_groups(lang, &loaded.found)) }
                @if let Some(message) = message { p.error role="alert" { (message) } }
            }
        }
    }
}

/// The groups a picker found, each with its add button.
pub(super) fn found_groups(lang: Lang, found: &[Group]) -> Markup {
    html! {
        @if !found.is_empty() {
            ul.found {
                @for group in found {
                    li {
                        button.secondary type="submit" name="group" value=(group.id) {
                            (lang.t_with("details-add-to-named", &[("group", group.display_name.clone().into())]))
                        }
                        @if let Some(description) = &group.description { " " span.muted { (description) } }
                    }
                }
            }
        }
    }
}

/// A button that runs one of the list's actions on this user alone.
fn action(session: &Session, user: &User, value: &str, label: &str, class: &str) -> Markup {
    let id = user.id.to_string();
    post_button(
        session,
        "/users/bulk",
        &[("id", &id), ("action", value)],
        &session.lang.t(label),
        class,
    )
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

/// `GET /users/{id}/groups-found?find=`: the group picker's choices for what was typed, for the
/// script that updates them as it is typed.
pub async fn groups_found(
    session: Session,
    Path(id): Path<String>,
    Query(params): Query<DetailsParams>,
) -> Response {
    use axum::response::IntoResponse;
    let Ok(user_id) = ObjectId::parse(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let tenant_id = session.caller.tenant_id;
    let find = params.find.trim().to_string();
    if find.is_empty() {
        return html! {}.into_response();
    }
    let found = session
        .state()
        .db(move |store| {
            let member_of = all_groups_of(store, tenant_id, user_id)?;
            let member_of: Vec<ObjectId> = member_of.iter().map(|group| group.id).collect();
            found_to_add(store, tenant_id, &find, &member_of)
        })
        .await;
    match found {
        Ok(found) => super::super::layout::with_page_headers(
            found_groups(session.lang, &found).into_response(),
        ),
        Err(error) => error.into_response(),
    }
}

/// Every group the user is a member of, by name (a license inherited from one is labelled with
/// its name).
fn all_groups_of(
    store: &Store,
    tenant_id: ObjectId,
    user_id: ObjectId,
) -> roster_store::Result<Vec<Group>> {
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
    Ok(groups)
}

/// The groups whose names start with `find` that the user could be added to (none until
/// something is typed): not those it is in (`member_of`); at most [`PICKED`].
fn found_to_add(
    store: &Store,
    tenant_id: ObjectId,
    find: &str,
    member_of: &[ObjectId],
) -> roster_store::Result<Vec<Group>> {
    if find.is_empty() {
        return Ok(Vec::new());
    }
    groups_to_add(store, tenant_id, find, member_of, PICKED)
}
