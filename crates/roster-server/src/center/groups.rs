//! Groups: the list, creating a group of any kind (assigned or dynamic), a group's members and
//! owners, and for dynamic groups a rule editor that checks the rule as it is typed and
//! previews who would join and leave before anything changes.
//!
//! Groups are built as the API builds them, as core requests (`roster_core::requests::NewGroup`,
//! `GroupUpdate`) checked the same way, so a rule refused here is refused with the same
//! position and reason as in `POST /v1.0/groups`.
//!
//! Past 800 lines on purpose: the list, the new group's form and a group's page share one set of
//! form fields, their parsing into the core requests and the refusals worded beside them; apart,
//! a field's parsing and its wording would live in different files.

use crate::paging::MAX_TOP;
use axum::Json as JsonResponse;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::directory::Group;
use roster_core::requests::{GroupUpdate, NewGroup};
use roster_core::rules::MembershipRule;
use roster_core::types::{MailNickname, ObjectId};
use roster_store::{ListQuery, SortKey, UserKey};
use serde::Deserialize;
use serde_json::json;

use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page};
use super::redirect::see_other;
use super::session::Session;
use crate::error::ApiError;

/// A group's kind as the admin center offers them.
fn kind(group: &Group) -> &'static str {
    if group
        .group_types
        .iter()
        .any(|t| t.eq_ignore_ascii_case("Unified"))
    {
        "groups-kind-m365"
    } else if group.mail_enabled && group.security_enabled {
        "groups-kind-mail-security"
    } else if group.mail_enabled {
        "groups-kind-distribution"
    } else {
        "groups-kind-security"
    }
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    q: String,
}

/// `GET /groups`.
pub async fn list(session: Session, Query(params): Query<ListParams>) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let search = params.q.trim().to_string();
    let query = ListQuery {
        top: 200,
        order: Some(SortKey {
            property: "displayName".into(),
            descending: false,
        }),
        count: true,
        search: (!search.is_empty()).then(|| roster_core::odata::Search {
            clauses: vec![roster_core::odata::SearchClause {
                property: "displayName".into(),
                text: search.clone(),
            }],
            conjunction: roster_core::odata::Conjunction::And,
        }),
        ..Default::default()
    };
    let groups = match session
        .state()
        .db(move |store| store.list_groups(tenant_id, &query, false))
        .await
    {
        Ok(groups) => groups,
        Err(error) => return failure(&session, error),
    };
    let content = html! {
        @if session.may(Operation::ManageGroups) {
            p.commands { a.button href="/groups/new" { (lang.t("groups-add")) } }
        }
        form.filters method="get" action="/groups" role="search" {
            input type="search" name="q" value=(params.q) placeholder=(lang.t("groups-search")) aria-label=(lang.t("groups-search"));
            button type="submit" { (lang.t("users-apply")) }
        }
        p.count { (lang.t_with("groups-found", &[("count", groups.count.unwrap_or(0).into()), ("shown", lang.number(groups.count.unwrap_or(0)).into())])) }
        table.groups {
            thead { tr { th { (lang.t("groups-name")) } th { (lang.t("groups-kind")) } th { (lang.t("groups-membership")) } th { (lang.t("groups-mail")) } } }
            tbody {
                @for group in &groups.items {
                    tr {
                        td { a href={ "/groups/" (group.id) } { (group.display_name) } }
                        td { (lang.t(kind(group))) }
                        td { (lang.t(if group.is_dynamic() { "groups-dynamic" } else { "groups-assigned" })) }
                        td { (group.mail.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    };
    page(&session, Nav::Groups, &lang.t("groups-title"), content)
}

/// The create form's fields.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct GroupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    membership: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    go: String,
}

/// `GET /groups/new`.
pub async fn new_form(session: Session) -> Response {
    if !session.may(Operation::ManageGroups) {
        return error_page(
            &session,
            StatusCode::FORBIDDEN,
            &session.lang.t("error-forbidden"),
        );
    }
    let form = GroupForm {
        kind: "security".into(),
        membership: "assigned".into(),
        ..Default::default()
    };
    render_new(&session, &form, None, None).await
}

/// Which field an error is about.
fn field_of(error: &ApiError) -> &'static str {
    match error.named_property() {
        Some("membershipRule" | "membershipRuleProcessingState") => "rule",
        Some("mailNickname" | "mail") => "nickname",
        Some("displayName") => "name",
        Some("description") => "description",
        _ => "form",
    }
}

async fn render_new(
    session: &Session,
    form: &GroupForm,
    error: Option<(&'static str, String)>,
    preview: Option<Markup>,
) -> Response {
    let lang = session.lang;
    let error_for = |field: &str| {
        error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    let field = |name: &'static str, label: &str, value: &str| -> Markup {
        let message = error_for(name);
        html! {
            div.field {
                label for={ "g-" (name) } { (lang.t(label)) }
                input id={ "g-" (name) } name=(name) value=(value) aria-invalid=[message.as_ref().map(|_| "true")];
                @if let Some(message) = message { p.error role="alert" { (message) } }
            }
        }
    };
    let kinds = [
        ("m365", "groups-kind-m365"),
        ("security", "groups-kind-security"),
        ("mail-security", "groups-kind-mail-security"),
        ("distribution", "groups-kind-distribution"),
    ];
    let content = html! {
        @if let Some(message) = error_for("form") { p.error role="alert" { (message) } }
        form.wizard method="post" action="/groups/new" {
            input type="hidden" name="csrf" value=(session.csrf);
            fieldset {
                legend { (lang.t("groups-kind")) }
                @for (value, label) in kinds {
                    label { input type="radio" name="kind" value=(value) checked[form.kind == value]; " " (lang.t(label)) }
                }
            }
            (field("name", "groups-name", &form.name))
            (field("description", "groups-description", &form.description))
            (field("nickname", "groups-nickname", &form.nickname))
            fieldset {
                legend { (lang.t("groups-membership")) }
                label { input type="radio" name="membership" value="assigned" checked[form.membership != "dynamic"]; " " (lang.t("groups-assigned")) }
                label { input type="radio" name="membership" value="dynamic" checked[form.membership == "dynamic"]; " " (lang.t("groups-dynamic")) }
            }
            (rule_editor(lang, &form.rule, error_for("rule")))
            @if let Some(preview) = preview { (preview) }
            div.buttons {
                button type="submit" name="go" value="create" { (lang.t("groups-create")) }
                button.secondary type="submit" name="go" value="preview" { (lang.t("groups-preview")) }
            }
        }
    };
    let mut response = page(session, Nav::Groups, &lang.t("groups-add"), content);
    if error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// A rule's text area: the script checks it as it is typed (`/groups/check-rule`); the server
/// checks it again on every submit.
fn rule_editor(lang: Lang, rule: &str, error: Option<String>) -> Markup {
    html! {
        div.field.rule {
            label for="g-rule" { (lang.t("groups-rule")) }
            textarea id="g-rule" name="rule" rows="4" maxlength="3072" data-check-rule="/groups/check-rule"
                aria-describedby="g-rule-status" aria-invalid=[error.as_ref().map(|_| "true")] { (rule) }
            p id="g-rule-status" class=(if error.is_some() { "error" } else { "muted" }) role="status" aria-live="polite" {
                @if let Some(error) = &error { (error) } @else { (lang.t("groups-rule-hint")) }
            }
        }
    }
}

/// The group the form describes, built as the API builds one from `POST /v1.0/groups` (the
/// same core request and checks), whose refusals name their property.
fn new_group(form: &GroupForm) -> Result<NewGroup, ApiError> {
    let (mail_enabled, security_enabled, unified) = match form.kind.as_str() {
        "m365" => (true, false, true),
        "mail-security" => (true, true, false),
        "distribution" => (true, false, false),
        _ => (false, true, false),
    };
    let nickname = if form.nickname.trim().is_empty() {
        form.name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
    } else {
        form.nickname.trim().to_string()
    };
    let mut update = GroupUpdate::default();
    let description = form.description.trim();
    if !description.is_empty() {
        update.set_description(Some(description))?;
    }
    let mut types = Vec::new();
    if unified {
        types.push("Unified");
    }
    if form.membership == "dynamic" {
        types.push("DynamicMembership");
        update.membership_rule = Some(Some(form.rule.trim().to_string()));
        update.set_processing_state(Some("On"))?;
    }
    update.set_group_types(types)?;
    Ok(NewGroup::new(
        form.name.trim(),
        MailNickname::parse(&nickname)?,
        mail_enabled,
        security_enabled,
        update,
    )?)
}

/// `POST /groups/new`: previews the rule, or creates the group.
pub async fn create(session: Session, Form(form): Form<GroupForm>) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    if !session.may(Operation::ManageGroups) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    if form.go == "preview" {
        return match preview(&session, &form.rule, None).await {
            Ok(markup) => render_new(&session, &form, None, Some(markup)).await,
            Err(message) => render_new(&session, &form, Some(("rule", message)), None).await,
        };
    }
    // A rule typed for a group whose members are assigned would be dropped without a word.
    if form.membership != "dynamic" && !form.rule.trim().is_empty() {
        return render_new(
            &session,
            &form,
            Some(("rule", lang.t("groups-rule-needs-dynamic"))),
            None,
        )
        .await;
    }
    if form.membership == "dynamic" && form.rule.trim().is_empty() {
        return render_new(
            &session,
            &form,
            Some(("rule", lang.t("new-user-required"))),
            None,
        )
        .await;
    }
    if form.membership == "dynamic"
        && let Err(message) = parse_rule(lang, &form.rule)
    {
        return render_new(&session, &form, Some(("rule", message)), None).await;
    }
    if form.name.trim().is_empty() {
        return render_new(
            &session,
            &form,
            Some(("name", lang.t("new-user-required"))),
            None,
        )
        .await;
    }
    let (group, owners, members) = match new_group(&form) {
        Ok(parsed) => (parsed.group, parsed.owners, parsed.members),
        Err(error) => {
            return render_new(
                &session,
                &form,
                Some((field_of(&error), super::wording::message(&session, error))),
                None,
            )
            .await;
        }
    };
    let change = session.caller.change();
    let id = group.id;
    let created = session
        .state()
        .db(move |store| store.create_group(&change, &group, &owners, &members))
        .await;
    match created {
        Ok(()) => {
            // A dynamic group's members are worked out by the background worker.
            session.state().job_wake.notify_one();
            see_other(&format!("/groups/{id}"))
        }
        Err(error) if error.status.is_client_error() => {
            let field = field_of(&error);
            render_new(
                &session,
                &form,
                Some((field, super::wording::message(&session, error))),
                None,
            )
            .await
        }
        Err(error) => failure(&session, error),
    }
}

/// What a rule would take in, and against a group who would join and leave and which licenses
/// that would give and take; or why the rule is refused.
async fn preview(
    session: &Session,
    rule: &str,
    group_id: Option<ObjectId>,
) -> Result<Markup, String> {
    let lang = session.lang;
    let rule = parse_rule(lang, rule)?;
    let tenant_id = session.caller.tenant_id;
    let found = session
        .state()
        .db(move |store| store.preview_rule(tenant_id, &rule, group_id, 10))
        .await
        .map_err(|error| super::wording::message(session, error))?;
    let names = |users: &[roster_core::directory::User]| {
        users
            .iter()
            .map(|u| u.user_principal_name.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(html! {
        section.preview aria-live="polite" {
            h3 { (lang.t("groups-preview")) }
            p.matched { (lang.t_with("groups-preview-matched", &[("count", (found.matched as i64).into()), ("shown", lang.number(found.matched as i64).into())])) }
            @if !found.sample.is_empty() { p.muted { (names(&found.sample)) } }
            @if group_id.is_some() {
                p.joining { (lang.t_with("groups-preview-joining", &[("shown", lang.number(found.joining as i64).into())])) " " span.muted { (names(&found.joining_sample)) } }
                p.leaving { (lang.t_with("groups-preview-leaving", &[("shown", lang.number(found.leaving as i64).into())])) " " span.muted { (names(&found.leaving_sample)) } }
                @for license in &found.licenses {
                    p.licenses { (lang.t_with("groups-preview-licenses", &[
                        ("sku", license.sku_part_number.clone().into()),
                        ("granted", lang.number(license.granted as i64).into()),
                        ("removed", lang.number(license.removed as i64).into()),
                        ("available", lang.number(license.seats_available).into()),
                    ])) }
                }
            }
        }
    })
}

/// A rule as the editor shows its mistake, in the page's language: where, and what the parser
/// expected there.
fn parse_rule(lang: Lang, rule: &str) -> Result<MembershipRule, String> {
    MembershipRule::parse(rule.trim()).map_err(|error| {
        lang.t_with(
            "groups-rule-invalid",
            &[
                ("position", lang.number(error.position as i64).into()),
                (
                    "detail",
                    super::rule_text::problem(lang, &error.problem).into(),
                ),
            ],
        )
    })
}

#[derive(Deserialize)]
pub struct RuleQuery {
    #[serde(default)]
    rule: String,
}

/// `GET /groups/check-rule?rule=…`: whether a rule parses, and if not where and why, for the
/// editor's script.
pub async fn check_rule(session: Session, Query(query): Query<RuleQuery>) -> Response {
    let body = match parse_rule(session.lang, &query.rule) {
        Ok(_) => json!({ "valid": true, "message": session.lang.t("groups-rule-valid") }),
        Err(message) => json!({ "valid": false, "message": message }),
    };
    JsonResponse(body).into_response()
}

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
