//! Groups: the list, creating a group of any kind (assigned or dynamic), a group's members and
//! owners, and for dynamic groups a rule editor that checks the rule as it is typed and
//! previews who would join and leave before anything changes.
//!
//! Groups are built as the API builds them, as core requests (`roster_core::requests::NewGroup`,
//! `GroupUpdate`) checked the same way, so a rule refused here is refused with the same
//! position and reason as in `POST /v1.0/groups`.
//!
//! A group's own page is `group_page`, which uses the kinds, the rule editor and the preview
//! from here.

use axum::Json as JsonResponse;
use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::directory::Group;
use roster_core::odata::{Expr, Literal};
use roster_core::requests::{GroupUpdate, NewGroup};
use roster_core::rules::MembershipRule;
use roster_core::types::{MailNickname, ObjectId};
use roster_store::{ListQuery, SortKey};
use serde::Deserialize;
use serde_json::json;

use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page};
use super::redirect::see_other;
use super::session::Session;
use crate::error::ApiError;

/// A group's kind as the admin center offers them.
pub(super) fn kind(group: &Group) -> &'static str {
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
    /// One of [`KINDS`]' values, or empty for every kind.
    #[serde(default)]
    kind: String,
    /// `assigned`, `dynamic`, or empty for both.
    #[serde(default)]
    membership: String,
    /// Set after a group was deleted, to say so.
    #[serde(default)]
    deleted: Option<String>,
}

/// The kinds a group can be, as the form values and the list's filter name them.
const KINDS: [(&str, &str); 4] = [
    ("m365", "groups-kind-m365"),
    ("security", "groups-kind-security"),
    ("mail-security", "groups-kind-mail-security"),
    ("distribution", "groups-kind-distribution"),
];

impl ListParams {
    /// The list's filters as the `$filter` condition tree their text would parse to.
    fn filter(&self) -> Option<Expr> {
        let flag = |property: &str, on: bool| Expr::equals(property, Literal::Bool(on));
        let unified = || Expr::any_is("groupTypes", Literal::String("Unified".into()));
        let dynamic = || Expr::any_is("groupTypes", Literal::String("DynamicMembership".into()));
        let mut conditions = match self.kind.as_str() {
            "m365" => vec![unified()],
            "security" => vec![flag("securityEnabled", true), flag("mailEnabled", false)],
            "mail-security" => vec![flag("mailEnabled", true), flag("securityEnabled", true)],
            "distribution" => vec![
                flag("mailEnabled", true),
                flag("securityEnabled", false),
                unified().negated(),
            ],
            _ => Vec::new(),
        };
        match self.membership.as_str() {
            "dynamic" => conditions.push(dynamic()),
            "assigned" => conditions.push(dynamic().negated()),
            _ => {}
        }
        Expr::all(conditions)
    }
}

/// `GET /groups`: the groups by name, filtered by kind and membership, with their member counts.
pub async fn list(session: Session, Query(params): Query<ListParams>) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let search = params.q.trim().to_string();
    let query = ListQuery {
        top: 200,
        filter: params.filter(),
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
    let found = session
        .state()
        .db(move |store| {
            let groups = store.list_groups(tenant_id, &query, false)?;
            let ids: Vec<ObjectId> = groups.items.iter().map(|group| group.id).collect();
            let counts = store.member_counts(tenant_id, &ids)?;
            Ok((groups, counts))
        })
        .await;
    let (groups, counts) = match found {
        Ok(found) => found,
        Err(error) => return failure(&session, error),
    };
    let count = groups.count.unwrap_or(0);
    let content = html! {
        @if params.deleted.is_some() { p.success role="status" { (lang.t("groups-deleted")) } }
        @if session.may(Operation::ManageGroups) {
            p.commands { a.button href="/groups/new" { (lang.t("groups-add")) } }
        }
        form.filters method="get" action="/groups" role="search" {
            input type="search" name="q" value=(params.q) placeholder=(lang.t("groups-search")) aria-label=(lang.t("groups-search"));
            label { (lang.t("groups-kind")) " "
                select name="kind" {
                    option value="" { (lang.t("groups-any-kind")) }
                    @for (value, label) in KINDS { option value=(value) selected[params.kind == value] { (lang.t(label)) } }
                }
            }
            label { (lang.t("groups-membership")) " "
                select name="membership" {
                    option value="" { (lang.t("groups-any-membership")) }
                    option value="assigned" selected[params.membership == "assigned"] { (lang.t("groups-assigned")) }
                    option value="dynamic" selected[params.membership == "dynamic"] { (lang.t("groups-dynamic")) }
                }
            }
            button type="submit" { (lang.t("users-apply")) }
        }
        p.count { (lang.t_with("groups-found", &[("count", count.into()), ("shown", lang.number(count).into())])) }
        div.scroll tabindex="0" {
            table.groups {
                thead { tr {
                    th scope="col" { (lang.t("groups-name")) } th scope="col" { (lang.t("groups-kind")) }
                    th scope="col" { (lang.t("groups-membership")) } th scope="col" { (lang.t("groups-members")) }
                    th scope="col" { (lang.t("groups-mail")) }
                } }
                tbody {
                    @for group in &groups.items {
                        tr {
                            td { a href={ "/groups/" (group.id) } { (group.display_name) } }
                            td { (lang.t(kind(group))) }
                            td { (lang.t(if group.is_dynamic() { "groups-dynamic" } else { "groups-assigned" })) }
                            td.number { (lang.number(counts.get(&group.id).copied().unwrap_or(0))) }
                            td { (group.mail.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
        @if count > groups.items.len() as i64 {
            p.muted { (lang.t_with("groups-more", &[("shown", lang.number(groups.items.len() as i64).into())])) }
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
    let content = html! {
        @if let Some(message) = error_for("form") { p.error role="alert" { (message) } }
        form.wizard method="post" action="/groups/new" {
            input type="hidden" name="csrf" value=(session.csrf);
            fieldset {
                legend { (lang.t("groups-kind")) }
                @for (value, label) in KINDS {
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
pub(super) fn rule_editor(lang: Lang, rule: &str, error: Option<String>) -> Markup {
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
pub(super) async fn preview(
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
pub(super) fn parse_rule(lang: Lang, rule: &str) -> Result<MembershipRule, String> {
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

/// Groups whose names start with `find` (the first by name when it is empty) that members can
/// be added to by hand: not run by a rule, not among `excluded` (those already chosen, or the
/// user's own); at most `limit`. Read for the pickers of a user's page and of the wizard.
pub(super) fn groups_to_add(
    store: &roster_store::Store,
    tenant_id: ObjectId,
    find: &str,
    excluded: &[ObjectId],
    limit: usize,
) -> roster_store::Result<Vec<Group>> {
    let query = ListQuery {
        filter: (!find.is_empty()).then(|| Expr::starts_with("displayName", find)),
        order: Some(SortKey {
            property: "displayName".into(),
            descending: false,
        }),
        // Some of the first found may be left out: ask for enough to fill the list.
        top: limit * 2 + excluded.len().min(crate::paging::MAX_TOP),
        ..Default::default()
    };
    Ok(store
        .list_groups(tenant_id, &query, false)?
        .items
        .into_iter()
        .filter(|group| !group.is_dynamic() && !excluded.contains(&group.id))
        .take(limit)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::odata::Filter;

    /// The list's filters ask exactly what their `$filter` text asks through the API.
    #[test]
    fn the_filters_are_the_conditions_their_filter_text_parses_to() {
        let cases = [
            ("m365", "", "groupTypes/any(x:x eq 'Unified')"),
            (
                "security",
                "dynamic",
                "securityEnabled eq true and mailEnabled eq false and groupTypes/any(x:x eq 'DynamicMembership')",
            ),
            (
                "mail-security",
                "",
                "mailEnabled eq true and securityEnabled eq true",
            ),
            (
                "distribution",
                "assigned",
                "mailEnabled eq true and securityEnabled eq false and not(groupTypes/any(x:x eq 'Unified')) and not(groupTypes/any(x:x eq 'DynamicMembership'))",
            ),
        ];
        for (kind, membership, text) in cases {
            let params = ListParams {
                kind: kind.into(),
                membership: membership.into(),
                ..Default::default()
            };
            assert_eq!(
                params.filter(),
                Some(Filter::parse(text).unwrap().into_expr()),
                "{text}"
            );
        }
        assert_eq!(ListParams::default().filter(), None);
    }
}
