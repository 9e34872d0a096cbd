//! Active users: the list over the whole tenant (search, filters, sorting, a column chooser,
//! paging), a user's details, and the actions on selected users.
//!
//! The list asks the store exactly what `GET /v1.0/users` asks it: the page's filters become the
//! `$filter` condition tree the same text would parse to (its search box a `startsWith` over
//! names and addresses), so the admin center and the API cannot disagree on who matches.

use std::collections::HashMap;

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::directory::{Group, LicenseState, Subscription, User};
use roster_core::types::{ObjectId, SkuId};
use roster_store::{ListQuery, SortKey};

pub(super) use list_query::search_filter;
use list_query::{Column, ListParams, PAGE_SIZE, each_matching};

use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page, pager};
use super::licenses::license_names_by_sku;
use super::session::Session;

/// A column's cell for `user`.
fn cell(column: Column, lang: Lang, user: &User, names: &Names) -> Markup {
    let text = |path: &str| user.attributes.text(path).unwrap_or_default().to_string();
    html! {
        @match column {
            Column::UserPrincipalName => (user.user_principal_name),
            Column::Licenses => {
                @let names = license_names(lang, user, names);
                @if names.is_empty() { span.muted { (lang.t("users-unlicensed")) } } @else { (names.join(", ")) }
            }
            Column::Department => (text("department")),
            Column::JobTitle => (text("jobTitle")),
            Column::Country => (text("country")),
            Column::City => (text("city")),
            Column::Office => (text("officeLocation")),
            Column::Mobile => (text("mobilePhone")),
            Column::UsageLocation => (user.usage_location.as_ref().map(|l| l.to_string()).unwrap_or_default()),
            Column::Status => {
                @if user.account_enabled { (lang.t("users-status-enabled")) }
                @else { span.blocked { (lang.t("users-status-blocked")) } }
            }
            Column::Created => (lang.datetime(user.created)),
        }
    }
}

/// The names the list's cells show for ids: products by SKU, and the groups licenses come
/// through.
struct Names {
    skus: HashMap<SkuId, String>,
    groups: HashMap<ObjectId, String>,
}

/// A user's licenses that took, each by product name, those held only through a group with
/// that group's name (who holds a license and through which group, as the license's holders
/// list shows it).
fn license_names(lang: Lang, user: &User, names: &Names) -> Vec<String> {
    let product = |sku_id: SkuId| {
        names
            .skus
            .get(&sku_id)
            .cloned()
            .unwrap_or_else(|| sku_id.to_string())
    };
    let direct = user.licenses.iter().map(|license| product(license.sku_id));
    let inherited = user
        .inherited_licenses
        .iter()
        .filter(|license| license.state == LicenseState::Active)
        .filter(|license| user.licenses.iter().all(|l| l.sku_id != license.sku_id))
        .map(|license| match names.groups.get(&license.group_id) {
            Some(group) => lang.t_with(
                "users-license-through",
                &[
                    ("license", product(license.sku_id).into()),
                    ("group", group.clone().into()),
                ],
            ),
            // A group that stopped giving it, its members not yet brought up to date.
            None => product(license.sku_id),
        });
    let mut held: Vec<String> = direct.chain(inherited).collect();
    held.sort();
    held.dedup();
    held
}

/// `GET /users/export.csv`: every user the list's filters and search find (not only the page
/// shown), in roster's CSV format, which an import reads back; in the list's order.
pub async fn export(session: Session, RawQuery(raw): RawQuery) -> Response {
    use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    let lang = session.lang;
    let params = ListParams::parse(raw.as_deref());
    let mut query = match params.query() {
        Ok(query) => query,
        Err(error) if error.status.is_client_error() => {
            return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("users-bad-link"));
        }
        Err(error) => return failure(&session, error),
    };
    // An export reads a whole tenant: a few at a time, sharing the places of job uploads.
    let Ok(_place) = session.state().uploads.clone().try_acquire_owned() else {
        return error_page(
            &session,
            StatusCode::SERVICE_UNAVAILABLE,
            &session.lang.t("error-busy"),
        );
    };
    let tenant_id = session.caller.tenant_id;
    let written = session
        .state()
        .db(move |store| {
            let mut rows = Vec::new();
            each_matching(store, tenant_id, &mut query, |user| {
                rows.push(export_row(rows.len() + 2, user))
            })?;
            Ok(roster_csv::new_users::write_roster_csv(&rows))
        })
        .await;
    match written {
        Ok(csv) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (CONTENT_DISPOSITION, "attachment; filename=\"users.csv\""),
                (CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(error) => failure(&session, error),
    }
}

/// A user as roster's export format holds it.
fn export_row(row: usize, user: &User) -> roster_csv::new_users::UserRow {
    let text = |name: &str| match name {
        "id" => Some(user.id.to_string()),
        "displayName" => Some(user.display_name.clone()),
        "usageLocation" => user.usage_location.map(|l| l.to_string()),
        other => user.attributes.text(other).map(str::to_string),
    };
    let list = |name: &str| match user.attributes.get(name) {
        roster_core::attributes::AttrValue::TextList(items) => items.clone(),
        _ => Vec::new(),
    };
    roster_csv::new_users::UserRow::exported(
        row,
        user.user_principal_name.clone(),
        &text,
        &list,
        Some(user.account_enabled),
    )
}

/// `GET /users`.
pub async fn list(session: Session, RawQuery(raw): RawQuery) -> Response {
    let lang = session.lang;
    let params = ListParams::parse(raw.as_deref());
    let query = match params.query() {
        Ok(query) => query,
        // Only an edited or stale link gets here (the page's own filters always read): said in
        // the page's words, with the way back.
        Err(error) if error.status.is_client_error() => {
            return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("users-bad-link"));
        }
        Err(error) => return failure(&session, error),
    };
    let tenant_id = session.caller.tenant_id;
    let may_manage_groups = session.may(Operation::ManageGroupMembers);
    let found = session
        .state()
        .db(move |store| {
            let page = store.list_users(tenant_id, &query)?;
            let subscriptions = store.subscriptions(tenant_id)?;
            let groups = if may_manage_groups {
                let query = ListQuery {
                    top: 200,
                    order: Some(SortKey {
                        property: "displayName".into(),
                        descending: false,
                    }),
                    ..Default::default()
                };
                // Members of a dynamic group follow its rule: none can be added by hand.
                let mut groups = store.list_groups(tenant_id, &query, false)?.items;
                groups.retain(|group| !group.is_dynamic());
                groups
            } else {
                Vec::new()
            };
            // The groups licenses can come through: those that give licenses.
            let through: HashMap<ObjectId, String> = store
                .licensing_groups(tenant_id)?
                .into_iter()
                .map(|(_, group_id, name)| (group_id, name))
                .collect();
            Ok((page, subscriptions, groups, through))
        })
        .await;
    let (found, subscriptions, groups, through) = match found {
        Ok(found) => found,
        Err(error) => return failure(&session, error),
    };
    let names = Names {
        skus: license_names_by_sku(&subscriptions),
        groups: through,
    };
    let columns = params.columns();
    let pages = (found.count.unwrap_or(0) + PAGE_SIZE as i64 - 1) / PAGE_SIZE as i64;
    let sort_link = |property: &str| {
        let descending = params.sort == property && !params.descending;
        params.link(|p| {
            p.sort = property.to_string();
            p.descending = descending;
        })
    };
    let sorted_by = |property: &str| -> Option<&'static str> {
        let current = if params.sort.is_empty() {
            "displayName"
        } else {
            params.sort.as_str()
        };
        (current == property).then_some(if params.descending {
            "descending"
        } else {
            "ascending"
        })
    };
    let option = |value: &str, current: &str, label: String| {
        html! { option value=(value) selected[value == current] { (label) } }
    };
    // What the list finds, on whichever page: for the export and an action on all of them.
    let list_query = ListParams {
        page: 1,
        ..params.clone()
    }
    .query_string();
    let content = html! {
        @if session.may(Operation::CreateUser) {
            p.commands {
                a.button href="/users/new" { (lang.t("new-user-title")) } " "
                a.button href="/users/import" { (lang.t("import-title")) }
            }
        }
        form.filters method="get" action="/users" role="search" {
            input type="search" name="q" value=(params.search) placeholder=(lang.t("users-search"))
                aria-label=(lang.t("users-search"));
            label { (lang.t("users-col-department")) " " input name="department" value=(params.department); }
            label { (lang.t("users-col-country")) " " input name="country" value=(params.country) size="8"; }
            label { (lang.t("users-col-licenses")) " "
                select name="license" {
                    (option("", &params.license, lang.t("users-any")))
                    (option("none", &params.license, lang.t("users-unlicensed")))
                    @for subscription in &subscriptions {
                        (option(&subscription.sku_id.to_string(), &params.license, names.skus[&subscription.sku_id].clone()))
                    }
                }
            }
            label { (lang.t("users-col-status")) " "
                select name="status" {
                    (option("", &params.status, lang.t("users-any")))
                    (option("enabled", &params.status, lang.t("users-status-enabled")))
                    (option("blocked", &params.status, lang.t("users-status-blocked")))
                }
            }
            label { (lang.t("users-type")) " "
                select name="type" {
                    (option("", &params.kind, lang.t("users-any")))
                    (option("member", &params.kind, lang.t("users-type-member")))
                    (option("guest", &params.kind, lang.t("users-type-guest")))
                }
            }
            label { (lang.t("users-source")) " "
                select name="source" {
                    (option("", &params.source, lang.t("users-any")))
                    (option("cloud", &params.source, lang.t("users-source-cloud")))
                    (option("synced", &params.source, lang.t("users-source-synced")))
                }
            }
            @if !params.sort.is_empty() { input type="hidden" name="sort" value=(params.sort); }
            @if params.descending { input type="hidden" name="desc" value="1"; }
            @if let Some(columns) = &params.columns {
                @for column in columns { input type="hidden" name="cols" value=(column.key()); }
            }
            button type="submit" { (lang.t("users-apply")) }
            " " a href="/users" { (lang.t("users-clear")) }
        }
        details.columns {
            summary { (lang.t("users-choose-columns")) }
            form method="get" action="/users" {
                @for column in Column::ALL {
                    label { input type="checkbox" name="cols" value=(column.key()) checked[columns.contains(&column)]; " " (lang.t(column.label())) }
                }
                @for (key, value) in [("q", &params.search), ("department", &params.department), ("country", &params.country), ("license", &params.license), ("status", &params.status), ("type", &params.kind), ("source", &params.source), ("sort", &params.sort)] {
                    @if !value.is_empty() { input type="hidden" name=(key) value=(value); }
                }
                button type="submit" { (lang.t("users-apply")) }
            }
        }
        p.count aria-live="polite" {
            (lang.t_with("users-found", &[
                ("count", found.count.unwrap_or(0).into()),
                ("shown", lang.number(found.count.unwrap_or(0)).into()),
            ]))
        }
        p.commands {
            a.button.secondary href=(format!("/users/export.csv?{list_query}")) download {
                (lang.t("users-export"))
            }
        }
        form id="selection" method="post" action="/users/bulk" {
            input type="hidden" name="csrf" value=(session.csrf);
            // Past the first page, an action can be for every user the filters find.
            @let count = found.count.unwrap_or(0);
            @let matching = (pages > 1).then(|| (count, list_query.clone()));
            (bulk_actions(&session, &subscriptions, &names.skus, &groups, matching))
            div.scroll tabindex="0" { table.users {
                thead { tr {
                    th { input type="checkbox" data-select-all="id" aria-label=(lang.t("users-select-all")); }
                    th aria-sort=[sorted_by("displayName")] { a href=(sort_link("displayName")) { (lang.t("users-col-name")) } }
                    @for column in &columns {
                        th aria-sort=[column.sort().and_then(sorted_by)] {
                            @if let Some(property) = column.sort() {
                                a href=(sort_link(property)) { (lang.t(column.label())) }
                            } @else { (lang.t(column.label())) }
                        }
                    }
                } }
                tbody {
                    @for user in &found.items {
                        tr {
                            td { input type="checkbox" name="id" value=(user.id) aria-label=(user.display_name); }
                            td { a href={ "/users/" (user.id) } { (user.display_name) } }
                            @for column in &columns { td { (cell(*column, lang, user, &names)) } }
                        }
                    }
                }
            } }
        }
        (pager(lang, params.page, pages, |n| params.link(|p| p.page = n)))
    };
    page(&session, Nav::Users, &lang.t("users-title"), content)
}

/// The actions the administrator's roles allow on selected users.
fn bulk_actions(
    session: &Session,
    subscriptions: &[Subscription],
    names: &HashMap<SkuId, String>,
    groups: &[Group],
    matching: Option<(i64, String)>,
) -> Markup {
    let lang = session.lang;
    let actions: Vec<(&str, &str)> = [
        ("block", "action-block", Operation::BlockSignIn),
        ("unblock", "action-unblock", Operation::BlockSignIn),
        (
            "reset-password",
            "action-reset-password",
            Operation::ResetPassword,
        ),
        (
            "revoke-sessions",
            "action-revoke-sessions",
            Operation::RevokeSessions,
        ),
        ("delete", "action-delete", Operation::DeleteUser),
        (
            "assign-license",
            "action-assign-license",
            Operation::AssignLicense,
        ),
        (
            "remove-license",
            "action-remove-license",
            Operation::AssignLicense,
        ),
        (
            "add-to-group",
            "action-add-to-group",
            Operation::ManageGroupMembers,
        ),
    ]
    .into_iter()
    .filter(|(_, _, operation)| session.may(*operation))
    .map(|(value, label, _)| (value, label))
    .collect();
    html! {
        @if !actions.is_empty() {
            div.bulk {
                label { (lang.t("users-with-selected")) " "
                    select name="action" {
                        @for (value, label) in &actions { option value=(value) { (lang.t(label)) } }
                    }
                }
                @if session.may(Operation::AssignLicense) && !subscriptions.is_empty() {
                    label data-for="assign-license remove-license" { (lang.t("users-col-licenses")) " "
                        select name="sku" {
                            @for subscription in subscriptions { option value=(subscription.sku_id) { (names[&subscription.sku_id]) } }
                        }
                    }
                }
                @if !groups.is_empty() {
                    label data-for="add-to-group" { (lang.t("users-group")) " "
                        select name="group" {
                            @for group in groups { option value=(group.id) { (group.display_name) } }
                        }
                    }
                }
                @if let Some((count, list)) = &matching {
                    label.matching { input type="checkbox" name="scope" value="matching"; " "
                        (lang.t_with("users-all-matching", &[("count", (*count).into()), ("users", lang.number(*count).into())])) }
                    input type="hidden" name="list" value=(list);
                }
                button type="submit" { (lang.t("users-run-action")) }
            }
        }
    }
}

mod actions;
mod details;
mod edit;
mod list_query;
mod outcome;
mod properties;

pub use actions::action;

pub use details::{details, groups_found};
pub use edit::edit;

#[cfg(test)]
mod tests;
