//! A group's page: its properties, rule (with the preview), members, owners and the licenses
//! it gives, each changed in place; only what this administrator may change is offered.

use crate::paging::MAX_TOP;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::LicenseAssignment;
use roster_core::requests::GroupUpdate;
use roster_core::types::ObjectId;
use roster_store::{ListQuery, SortKey, Store, UserKey, UserSummary};
use serde::Deserialize;

use super::groups::{kind, parse_rule, preview, rule_editor};
use super::i18n::Lang;
use super::layout::{
    Nav, confirm_panel, error_page, failure, page, post_button, saved_notice, saved_properties,
};
use super::redirect::see_other;
use super::session::Session;
use crate::error::ApiError;

/// `GET /groups/{id}`: a group's properties, rule, members and owners.
pub async fn details(
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<DetailsQuery>,
) -> Response {
    let view = View {
        errors_page: query.errors.as_deref(),
        saved: saved_properties(query.saved.as_deref(), |name| {
            Lang::En.property(name) != name
        }),
        find_member: query.find_member.trim(),
        find_owner: query.find_owner.trim(),
        ask: Ask::parse(&query),
        ..View::default()
    };
    render_details(&session, &id, view).await
}

#[derive(Deserialize, Default)]
pub struct DetailsQuery {
    /// Where the list of members whose licenses did not take goes on (a page's token).
    errors: Option<String>,
    /// After a change: the properties it changed, by Graph name, comma-separated.
    saved: Option<String>,
    /// The member picker's search.
    #[serde(default, rename = "find-member")]
    find_member: String,
    /// The owner picker's search.
    #[serde(default, rename = "find-owner")]
    find_owner: String,
    /// A removal whose consequences the page shows, with the button that makes it: `delete`
    /// (the group), `remove-member` (with `member`), `remove-license` (with `sku`).
    ask: Option<String>,
    member: Option<String>,
    sku: Option<String>,
}

/// A removal asked first, on the group's page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    Delete,
    RemoveMember(ObjectId),
    RemoveLicense(roster_core::types::SkuId),
}

impl Ask {
    fn parse(query: &DetailsQuery) -> Option<Ask> {
        match query.ask.as_deref()? {
            "delete" => Some(Ask::Delete),
            "remove-member" => ObjectId::parse(query.member.as_deref()?)
                .ok()
                .map(Ask::RemoveMember),
            "remove-license" => roster_core::types::SkuId::parse(query.sku.as_deref()?)
                .ok()
                .map(Ask::RemoveLicense),
            _ => None,
        }
    }
}

/// What the page shows besides the group: a refusal, a preview, a confirmation, what the
/// pickers found, a deletion to confirm.
#[derive(Default)]
struct View<'a> {
    /// A refused form: which field, why, and what was typed.
    error: Option<(&'static str, String, String)>,
    /// A preview, and the rule it previews (which stays in the editor).
    previewed: Option<(Markup, String)>,
    errors_page: Option<&'a str>,
    saved: Option<Vec<String>>,
    find_member: &'a str,
    find_owner: &'a str,
    ask: Option<Ask>,
    /// The refused form's fields as submitted.
    typed: Vec<(String, String)>,
}

/// How many people a picker offers for what was typed.
const PICKED: usize = 20;

/// Members whose licenses from the group did not take, listed a page at a time.
const ERRORS_PER_PAGE: usize = 20;

async fn render_details(session: &Session, id: &str, view: View<'_>) -> Response {
    let lang = session.lang;
    let errors_after = match view
        .errors_page
        .map(crate::paging::decode_skiptoken)
        .transpose()
    {
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
    let (find_member, find_owner) = (view.find_member.to_string(), view.find_owner.to_string());
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
            let processing =
                group.is_dynamic() && store.group_processing_pending(tenant_id, group_id)?;
            let found_members = people_to_add(store, tenant_id, group_id, false, &find_member)?;
            let found_owners = people_to_add(store, tenant_id, group_id, true, &find_owner)?;
            Ok(Loaded {
                group,
                members,
                total,
                owners,
                subscriptions,
                in_error,
                processing,
                found_members,
                found_owners,
            })
        })
        .await;
    let Loaded {
        group,
        members,
        total,
        owners,
        subscriptions,
        in_error,
        processing,
        found_members,
        found_owners,
    } = match found {
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
    let View {
        error,
        previewed,
        saved,
        ask,
        typed: typed_fields,
        find_member: view_find_member,
        find_owner: view_find_owner,
        ..
    } = view;
    let unified = group
        .group_types
        .iter()
        .any(|t| t.eq_ignore_ascii_case("Unified"));
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
    let this_group = format!("/groups/{}", group.id);
    let small_form = |go: &str, field: &str, value: String, label: &str| {
        post_button(
            session,
            &this_group,
            &[("go", go), (field, &value)],
            &lang.t(label),
            "secondary",
        )
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
    // Adding a member or an owner: a picker that finds users by the start of their names (live
    // with the script), each found one a button; the refusal beside it.
    let picker = |go: &str, field: &str, find: &str, found: &[UserSummary]| {
        let key = if field == "owner" {
            "find-owner"
        } else {
            "find-member"
        };
        let into = format!("found-{field}s");
        html! {
            div.picker {
                form.filters method="get" action={ "/groups/" (group.id) "#" (field) "s" } role="search" {
                    label for={ "g-" (key) } { (lang.t(if field == "owner" { "groups-add-owner" } else { "groups-add-member" })) }
                    input id={ "g-" (key) } type="search" name=(key) value=(find) autocomplete="off"
                        placeholder=(lang.t("groups-find-person"))
                        data-picker={ "/groups/" (group.id) "/people-found?for=" (field) } data-picker-into=(into);
                    button.secondary type="submit" { (lang.t("details-find")) }
                }
                form method="post" action={ "/groups/" (group.id) } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="go" value=(go);
                    div id=(into) aria-live="polite" { (found_people(lang, found, field)) }
                    @if let Some(message) = error_for(field) { p.error role="alert" { (message) } }
                }
            }
        }
    };
    let licensed = !group.licenses.is_empty();
    let content = html! {
        @if let Some(saved) = &saved { (saved_notice(lang, saved)) }
        @match ask {
            Some(Ask::Delete) if manage && licensed => {
                section.panel.confirm id="confirm" aria-labelledby="h-confirm" {
                    h2 id="h-confirm" { (lang.t_with("groups-delete-title", &[("group", group.display_name.clone().into())])) }
                    p.error role="alert" { (lang.t("api-group-has-licenses")) }
                    p { a href="#licenses" { (lang.t("groups-to-licenses")) } }
                }
            }
            Some(Ask::Delete) if manage => {
                (confirm_panel(
                    session,
                    &lang.t_with("groups-delete-title", &[("group", group.display_name.clone().into())]),
                    html! { p { (lang.t_with("groups-delete-consequences", &[("count", total.into()), ("members", lang.number(total).into())])) } },
                    (&this_group, &[("go", "delete")]),
                    &lang.t("delete-confirm-button"),
                    &this_group,
                ))
            }
            // Asked only of a member the page lists (whose removal it offers).
            Some(Ask::RemoveMember(asked)) if manage_members => @if let Some(member) = members.iter().find(|m| m.id == asked) {
                (confirm_panel(
                    session,
                    &lang.t_with("groups-remove-member-title", &[("member", member.display_name.clone().into()), ("group", group.display_name.clone().into())]),
                    html! {
                        @if licensed {
                            @let given: Vec<String> = group.licenses.iter().map(|l| sku_name(l.sku_id)).collect();
                            p { (lang.t_with("groups-remove-member-licenses", &[("licenses", given.join(", ").into())])) }
                        } @else {
                            p { (lang.t("groups-remove-member-no-licenses")) }
                        }
                    },
                    (&this_group, &[("go", "remove-member"), ("member", &member.id.to_string())]),
                    &lang.t("roles-remove"),
                    &format!("{this_group}#members"),
                ))
            },
            Some(Ask::RemoveLicense(sku)) if manage_licenses && group.licenses.iter().any(|l| l.sku_id == sku) => {
                (confirm_panel(
                    session,
                    &lang.t_with("groups-remove-license-title", &[("license", sku_name(sku).into()), ("group", group.display_name.clone().into())]),
                    html! { p { (lang.t_with("groups-remove-license-consequences", &[("count", total.into()), ("members", lang.number(total).into()), ("license", sku_name(sku).into())])) } },
                    (&this_group, &[("go", "remove-license"), ("sku", &sku.to_string())]),
                    &lang.t("action-remove-license"),
                    &format!("{this_group}#licenses"),
                ))
            }
            _ => {}
        }
        @if manage && ask != Some(Ask::Delete) {
            div.actions {
                a.button.danger href={ (this_group) "?ask=delete#confirm" } { (lang.t("groups-delete")) }
            }
        }
        table.properties { tbody {
            tr { th scope="row" { (lang.t("groups-kind")) } td { (lang.t(kind(&group))) } }
            tr { th scope="row" { (lang.t("groups-membership")) } td { (lang.t(if dynamic { "groups-dynamic" } else { "groups-assigned" })) } }
            tr { th scope="row" { (lang.t("groups-mail")) } td { (group.mail.as_deref().unwrap_or("")) } }
            @if dynamic {
                @let paused = group.membership_rule_processing_state.as_deref() == Some("Paused");
                tr { th scope="row" { (lang.t("groups-processing")) } td {
                    @if processing { strong.processing role="status" { (lang.t("groups-processing-pending")) } " " }
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
        section.panel id="properties" aria-labelledby="h-properties" {
            h2 id="h-properties" { (lang.t("groups-properties")) }
            @if manage {
                @let typed = |name: &str| typed_fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                @let name_error = error_for("name");
                @let description_error = error_for("description");
                @let nickname_error = error_for("mailNickname");
                form.section method="post" action={ "/groups/" (group.id) } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="go" value="properties";
                    div.field-grid {
                        div.field {
                            label for="g-name" { (lang.t("groups-name")) }
                            input id="g-name" name="name" required value=(typed("name").unwrap_or_else(|| group.display_name.clone()))
                                aria-invalid=[name_error.as_ref().map(|_| "true")] aria-describedby=[name_error.as_ref().map(|_| "g-name-error")];
                            @if let Some(message) = &name_error { p.error role="alert" id="g-name-error" { (message) } }
                        }
                        div.field {
                            label for="g-nickname" { (lang.property("mailNickname")) }
                            input id="g-nickname" name="mailNickname" required value=(typed("mailNickname").unwrap_or_else(|| group.mail_nickname.as_ref().to_string()))
                                aria-invalid=[nickname_error.as_ref().map(|_| "true")] aria-describedby=[nickname_error.as_ref().map(|_| "g-nickname-error")];
                            @if let Some(message) = &nickname_error { p.error role="alert" id="g-nickname-error" { (message) } }
                        }
                        div.field {
                            label for="g-description" { (lang.t("groups-description")) }
                            textarea id="g-description" name="description" rows="2"
                                aria-invalid=[description_error.as_ref().map(|_| "true")] aria-describedby=[description_error.as_ref().map(|_| "g-description-error")] {
                                (typed("description").unwrap_or_else(|| group.description.clone().unwrap_or_default()))
                            }
                            @if let Some(message) = &description_error { p.error role="alert" id="g-description-error" { (message) } }
                        }
                        @if unified {
                            @let visibility = typed("visibility").unwrap_or_else(|| group.visibility.clone().unwrap_or_else(|| "Public".into()));
                            div.field {
                                label for="g-visibility" { (lang.t("property-visibility")) }
                                select id="g-visibility" name="visibility" {
                                    option value="Public" selected[visibility == "Public"] { (lang.t("groups-public")) }
                                    option value="Private" selected[visibility == "Private"] { (lang.t("groups-private")) }
                                }
                            }
                        }
                    }
                    button type="submit" { (lang.t("details-save")) }
                }
            } @else {
                table.properties { tbody {
                    tr { th scope="row" { (lang.property("mailNickname")) } td { (group.mail_nickname.as_ref()) } }
                    tr { th scope="row" { (lang.t("groups-description")) } td { (group.description.as_deref().unwrap_or("")) } }
                } }
            }
        }
        @if dynamic {
            section.panel id="rule" {
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
        section.panel id="members" {
            h2 { (lang.t("groups-members")) " " span.muted { "(" (lang.number(total)) ")" } }
            @if processing { p.note role="status" { (lang.t("groups-members-pending")) } }
            @if manage_members {
                (picker("add-member", "member", view_find_member, &found_members))
            }
            div.scroll tabindex="0" { table { tbody {
                @for member in &members {
                    tr {
                        td { a href={ "/users/" (member.id) } { (member.display_name) } }
                        td { (member.user_principal_name) }
                        @if manage_members {
                            td { a.button.secondary href={ (this_group) "?ask=remove-member&member=" (member.id) "#confirm" }
                                aria-label=(lang.t_with("groups-remove-named", &[("member", member.display_name.clone().into())])) { (lang.t("roles-remove")) } }
                        }
                    }
                }
            } } }
            @if total > members.len() as i64 { p.muted { (lang.t_with("groups-more-members", &[("shown", lang.number(members.len() as i64).into())])) } }
        }
        section.panel id="owners" {
            h2 { (lang.t("groups-owners")) }
            @if manage_owners {
                (picker("add-owner", "owner", view_find_owner, &found_owners))
            }
            @if owners.is_empty() { p { (lang.t("details-none")) } }
            @else { div.scroll tabindex="0" { table { tbody { @for owner in &owners { tr {
                td { a href={ "/users/" (owner.id) } { (owner.display_name) } }
                td { (owner.user_principal_name) }
                @if manage_owners { td { (small_form("remove-owner", "member", owner.id.to_string(), "roles-remove")) } }
            } } } } } }
        }
        @if group.security_enabled {
            section.panel id="licenses" {
                h2 { (lang.t("licenses-title")) }
                @if let Some(state) = &group.license_processing_state {
                    p { (lang.t("groups-license-processing")) ": " (lang.t_with("groups-license-state", &[("state", state.clone().into())])) }
                }
                @if group.licenses.is_empty() { p { (lang.t("details-none")) } }
                @else { div.scroll tabindex="0" { table { tbody { @for license in &group.licenses {
                    tr {
                        td { (sku_name(license.sku_id)) }
                        @if manage_licenses { td { a.button.secondary href={ (this_group) "?ask=remove-license&sku=" (license.sku_id) "#confirm" } { (lang.t("action-remove-license")) } } }
                    }
                    @if manage_licenses {
                        tr.plans { td colspan="2" {
                            form.edit method="post" action={ "/groups/" (group.id) } {
                                input type="hidden" name="csrf" value=(session.csrf);
                                input type="hidden" name="go" value="plans";
                                (super::licenses::plan_switches(lang, Catalog::builtin(), license))
                            }
                        } }
                    }
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

/// The fields of a group page's forms.
#[derive(Debug, Default)]
struct DetailsForm {
    csrf: String,
    go: String,
    rule: String,
    /// A member's or owner's user name or id.
    member: String,
    sku: String,
    /// The apps of a license left on.
    plans: Vec<String>,
    name: String,
    /// `None` when the form did not send it (an older page).
    mail_nickname: Option<String>,
    description: String,
    visibility: String,
    /// Every field as submitted, to show again beside a refusal.
    fields: Vec<(String, String)>,
}

impl DetailsForm {
    fn from_fields(fields: Vec<(String, String)>) -> DetailsForm {
        let mut form = DetailsForm::default();
        for (key, value) in &fields {
            let value = value.clone();
            match key.as_str() {
                "csrf" => form.csrf = value,
                "go" => form.go = value,
                "rule" => form.rule = value,
                "member" => form.member = value,
                "sku" => form.sku = value,
                "plan" => form.plans.push(value),
                "name" => form.name = value,
                "mailNickname" => form.mail_nickname = Some(value),
                "description" => form.description = value,
                "visibility" => form.visibility = value,
                _ => {}
            }
        }
        form.fields = fields;
        form
    }
}

/// What the page shows, read in one go.
struct Loaded {
    group: roster_core::directory::Group,
    members: Vec<UserSummary>,
    total: i64,
    owners: Vec<roster_core::directory::User>,
    subscriptions: Vec<roster_core::directory::Subscription>,
    in_error: roster_store::Page<roster_core::directory::User>,
    /// The group waits for its members to be worked out.
    processing: bool,
    found_members: Vec<UserSummary>,
    found_owners: Vec<UserSummary>,
}

/// The users whose names start with `find` that the group does not have yet as members
/// (`owners`: as owners); at most [`PICKED`].
fn people_to_add(
    store: &Store,
    tenant_id: ObjectId,
    group_id: ObjectId,
    owners: bool,
    find: &str,
) -> roster_store::Result<Vec<UserSummary>> {
    if find.is_empty() {
        return Ok(Vec::new());
    }
    let query = ListQuery {
        filter: super::users::search_filter(find),
        order: Some(SortKey {
            property: "displayName".into(),
            descending: false,
        }),
        top: PICKED * 2,
        ..Default::default()
    };
    let users = store.list_users(tenant_id, &query)?.items;
    let ids: Vec<ObjectId> = users.iter().map(|user| user.id).collect();
    let linked = store.group_links_among(tenant_id, group_id, owners, &ids)?;
    Ok(users
        .into_iter()
        .filter(|user| !linked.contains(&user.id))
        .take(PICKED)
        .map(|user| UserSummary {
            id: user.id,
            user_principal_name: user.user_principal_name.to_string(),
            display_name: user.display_name,
        })
        .collect())
}

/// The people a picker found, each a button that adds them (`field`: as a member or owner).
fn found_people(lang: Lang, found: &[UserSummary], field: &str) -> Markup {
    let label = if field == "owner" {
        "groups-add-named-owner"
    } else {
        "groups-add-named-member"
    };
    html! {
        @if !found.is_empty() {
            ul.found {
                @for person in found {
                    li {
                        button.secondary type="submit" name="member" value=(person.id) {
                            (lang.t_with(label, &[("user", person.display_name.clone().into())]))
                        }
                        " " span.muted { (person.user_principal_name) }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    find: String,
    /// `member` or `owner`.
    #[serde(default, rename = "for")]
    role: String,
}

/// `GET /groups/{id}/people-found?for=member&find=`: a picker's choices for what was typed, for
/// the script that updates them as it is typed.
pub async fn people_found(
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<PeopleQuery>,
) -> Response {
    use axum::response::IntoResponse;
    let Ok(group_id) = ObjectId::parse(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let tenant_id = session.caller.tenant_id;
    let owners = query.role == "owner";
    let find = query.find.trim().to_string();
    let found = session
        .state()
        .db(move |store| people_to_add(store, tenant_id, group_id, owners, &find))
        .await;
    match found {
        Ok(found) => super::layout::with_page_headers(
            found_people(
                session.lang,
                &found,
                if owners { "owner" } else { "member" },
            )
            .into_response(),
        ),
        Err(error) => error.into_response(),
    }
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

/// The change a saved properties form asks for (only what differs), and the properties it
/// changes; or the field refused and why.
fn properties_change(
    lang: Lang,
    group: &roster_core::directory::Group,
    form: &DetailsForm,
) -> Result<(GroupUpdate, Vec<&'static str>), (&'static str, String)> {
    let mut update = GroupUpdate::default();
    let mut changed = Vec::new();
    let invalid = |field: &'static str, error: roster_core::types::InvalidValue| {
        (field, super::wording::problem(lang, &error.reason))
    };
    let name = form.name.trim();
    if name != group.display_name {
        update
            .set_display_name(name)
            .map_err(|error| invalid("name", error))?;
        changed.push("displayName");
    }
    if let Some(nickname) = form.mail_nickname.as_deref().map(str::trim)
        && nickname != group.mail_nickname.as_ref()
    {
        update.mail_nickname = Some(
            roster_core::types::MailNickname::parse(nickname)
                .map_err(|error| invalid("mailNickname", error))?,
        );
        changed.push("mailNickname");
    }
    let description = form.description.trim();
    if description != group.description.as_deref().unwrap_or("") {
        update
            .set_description((!description.is_empty()).then_some(description))
            .map_err(|error| invalid("description", error))?;
        changed.push("description");
    }
    let unified = group
        .group_types
        .iter()
        .any(|t| t.eq_ignore_ascii_case("Unified"));
    let visibility = form.visibility.trim();
    if unified && !visibility.is_empty() && Some(visibility) != group.visibility.as_deref() {
        update
            .set_visibility(Some(visibility))
            .map_err(|_| ("form", lang.t("action-unknown")))?;
        changed.push("visibility");
    }
    Ok((update, changed))
}

/// `POST /groups/{id}`: changes the group's properties, deletes it; saves or previews a rule,
/// pauses or resumes it; adds or removes a member or an owner; assigns or removes a license the
/// group gives its members, or switches its apps.
pub async fn change(
    session: Session,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = DetailsForm::from_fields(fields);
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
    let refuse = |error: (&'static str, String, String)| View {
        error: Some(error),
        typed: form.fields.clone(),
        ..View::default()
    };
    let may = |operation: Operation| session.caller.principal.authorize(operation, &[]);
    let result: Result<Vec<&'static str>, (&'static str, String, String)> = match form.go.as_str() {
        "preview" => {
            // Evaluating a rule over every user is work: for those who may change rules.
            if let Err(error) = may(Operation::ManageGroups) {
                return failure(&session, error.into());
            }
            return match preview(&session, &form.rule, Some(group_id)).await {
                Ok(markup) => {
                    let view = View {
                        previewed: Some((markup, form.rule.clone())),
                        ..View::default()
                    };
                    render_details(&session, &id, view).await
                }
                Err(message) => {
                    let error = ("rule", message, form.rule.clone());
                    render_details(&session, &id, refuse(error)).await
                }
            };
        }
        "properties" | "delete" => {
            if let Err(error) = may(Operation::ManageGroups) {
                return failure(&session, error.into());
            }
            let group = match session
                .state()
                .db(move |store| store.get_group(tenant_id, group_id))
                .await
            {
                Ok(group) => group,
                Err(error) => return failure(&session, error),
            };
            if form.go == "delete" {
                let deleted = session
                    .state()
                    .db(move |store| store.delete_group(&change, group_id))
                    .await;
                return match deleted {
                    Ok(()) => {
                        session.state().job_wake.notify_one();
                        see_other("/groups?deleted=1")
                    }
                    Err(error) if error.status == StatusCode::NOT_FOUND => failure(&session, error),
                    Err(error) => {
                        render_details(&session, &id, refuse(refused("form", error))).await
                    }
                };
            }
            match properties_change(lang, &group, &form) {
                Err((field, message)) => Err((field, message, String::new())),
                Ok((_, changed)) if changed.is_empty() => Ok(changed),
                Ok((update, changed)) => patch_group(&session, group_id, update)
                    .await
                    .map(|()| changed)
                    .map_err(|error| {
                        let field = match error.named_property() {
                            Some("displayName") => "name",
                            Some("description") => "description",
                            _ => "form",
                        };
                        refused(field, error)
                    }),
            }
        }
        "pause" | "resume" | "save" => {
            if let Err(error) = may(Operation::ManageGroups) {
                return failure(&session, error.into());
            }
            if form.go == "save"
                && let Err(message) = parse_rule(lang, &form.rule)
            {
                return render_details(&session, &id, refuse(("rule", message, form.rule.clone())))
                    .await;
            }
            let mut update = GroupUpdate::default();
            let (field, saved) = match form.go.as_str() {
                "save" => {
                    update.membership_rule = Some(Some(form.rule.trim().to_string()));
                    ("rule", "membershipRule")
                }
                "pause" => {
                    update.membership_rule_processing_state = Some(Some("Paused".into()));
                    ("form", "membershipRuleProcessingState")
                }
                _ => {
                    update.membership_rule_processing_state = Some(Some("On".into()));
                    ("form", "membershipRuleProcessingState")
                }
            };
            patch_group(&session, group_id, update)
                .await
                .map(|()| vec![saved])
                .map_err(|error| {
                    let field = if error.status == StatusCode::NOT_FOUND {
                        "form"
                    } else {
                        field
                    };
                    refused(field, error)
                })
        }
        "assign-license" | "remove-license" | "plans" => {
            if let Err(error) = may(Operation::AssignLicense) {
                return failure(&session, error.into());
            }
            let Ok(sku_id) = roster_core::types::SkuId::parse(form.sku.trim()) else {
                let error = ("license", lang.t("action-choose-license"), String::new());
                return render_details(&session, &id, refuse(error)).await;
            };
            // The apps of a license the group gives: what is not ticked is off.
            let disabled_plans: Vec<uuid::Uuid> = Catalog::builtin()
                .by_sku_id(sku_id.as_uuid())
                .map(|sku| sku.service_plans.clone())
                .unwrap_or_default()
                .iter()
                .map(|plan| plan.service_plan_id)
                .filter(|plan| !form.plans.iter().any(|on| on == &plan.to_string()))
                .collect();
            let go = form.go.clone();
            let assigned = session
                .state()
                .db(move |store| match go.as_str() {
                    "assign-license" => store.give_group_license(&change, group_id, sku_id),
                    "plans" => {
                        // Only a license the group gives has its apps switched.
                        let group = store.get_group(tenant_id, group_id)?;
                        if !group.licenses.iter().any(|l| l.sku_id == sku_id) {
                            return Err(roster_store::Error::Refused {
                                reason: roster_core::refusal::Reason::LicenseNotHeld,
                                message: "The group does not give this license.".into(),
                            });
                        }
                        let add = [LicenseAssignment {
                            sku_id,
                            disabled_plans,
                        }];
                        store
                            .assign_group_licenses(&change, group_id, &add, &[])
                            .map(drop)
                    }
                    _ => store
                        .assign_group_licenses(&change, group_id, &[], &[sku_id])
                        .map(drop),
                })
                .await;
            session.state().job_wake.notify_one();
            assigned
                .map(|()| vec!["assignedLicenses"])
                .map_err(|error| refused("license", error))
        }
        "add-owner" | "remove-owner" | "add-member" | "remove-member" => {
            // Owners and members need the same right, as through the API.
            let (field, saved) = if form.go.ends_with("owner") {
                ("owner", "owners")
            } else {
                ("member", "members")
            };
            if let Err(error) = may(Operation::ManageGroupMembers) {
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
                    .map(|()| vec![saved])
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
        Ok(saved) => {
            let anchor = match form.go.as_str() {
                "add-member" | "remove-member" => "#members",
                "add-owner" | "remove-owner" => "#owners",
                "assign-license" | "remove-license" | "plans" => "#licenses",
                "save" => "#rule",
                "properties" => "#properties",
                _ => "",
            };
            see_other(&format!(
                "/groups/{group_id}?saved={}{anchor}",
                saved.join(",")
            ))
        }
        Err(error) => render_details(&session, &id, refuse(error)).await,
    }
}
