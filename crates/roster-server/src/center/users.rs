//! Active users: the list over the whole tenant (search, filters, sorting, a column chooser,
//! paging), a user's details, and the actions on selected users.
//!
//! The list asks the store exactly what `GET /v1.0/users` asks it: the page's filters become an
//! OData `$filter` parsed by the same parser (its search box a `startsWith` over names and
//! addresses), so the admin center and the API cannot disagree on who matches.

use crate::graph::query::MAX_TOP;
use std::collections::HashMap;

use axum::extract::{Form, Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::{
    Group, LicenseAssignment, LicenseState, Subscription, User, UserType,
};
use roster_core::odata::{Expr, Literal};
use roster_core::requests::UserUpdate;
use roster_core::types::{ObjectId, SkuId};
use roster_store::{ListQuery, SortKey, UserKey};

use super::session::Session;
use super::{Lang, Nav, error_page, failure, message, page};
use crate::error::{ApiError, ApiResult};
use crate::graph::query::{decode_skiptoken, encode_skiptoken};

const PAGE_SIZE: usize = 100;

/// What the search box matches the start of.
const SEARCHED: [&str; 5] = [
    "displayName",
    "givenName",
    "surname",
    "userPrincipalName",
    "mail",
];

/// A column the list can show besides the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    UserPrincipalName,
    Licenses,
    Department,
    JobTitle,
    Country,
    City,
    Office,
    Mobile,
    UsageLocation,
    Status,
    Created,
}

impl Column {
    const ALL: [Column; 11] = [
        Column::UserPrincipalName,
        Column::Licenses,
        Column::Department,
        Column::JobTitle,
        Column::Country,
        Column::City,
        Column::Office,
        Column::Mobile,
        Column::UsageLocation,
        Column::Status,
        Column::Created,
    ];
    const DEFAULT: [Column; 5] = [
        Column::UserPrincipalName,
        Column::Licenses,
        Column::Department,
        Column::Country,
        Column::Status,
    ];

    fn key(self) -> &'static str {
        match self {
            Column::UserPrincipalName => "upn",
            Column::Licenses => "licenses",
            Column::Department => "department",
            Column::JobTitle => "jobTitle",
            Column::Country => "country",
            Column::City => "city",
            Column::Office => "office",
            Column::Mobile => "mobile",
            Column::UsageLocation => "usageLocation",
            Column::Status => "status",
            Column::Created => "created",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Column::UserPrincipalName => "users-col-upn",
            Column::Licenses => "users-col-licenses",
            Column::Department => "users-col-department",
            Column::JobTitle => "users-col-job-title",
            Column::Country => "users-col-country",
            Column::City => "users-col-city",
            Column::Office => "users-col-office",
            Column::Mobile => "users-col-mobile",
            Column::UsageLocation => "users-col-usage-location",
            Column::Status => "users-col-status",
            Column::Created => "users-col-created",
        }
    }

    /// The `$orderby` property when the column sorts.
    fn sort(self) -> Option<&'static str> {
        match self {
            Column::UserPrincipalName => Some("userPrincipalName"),
            Column::Created => Some("createdDateTime"),
            _ => None,
        }
    }

    fn cell(self, lang: Lang, user: &User, names: &Names) -> Markup {
        let text = |path: &str| user.attributes.text(path).unwrap_or_default().to_string();
        html! {
            @match self {
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

/// The list's query string, as the page reads and writes it.
#[derive(Debug, Default, Clone)]
struct ListParams {
    search: String,
    department: String,
    country: String,
    /// A SKU id, or `none` for users without licenses.
    license: String,
    /// `blocked` or `enabled`.
    status: String,
    /// `guest` or `member`.
    kind: String,
    /// `synced` or `cloud`.
    source: String,
    sort: String,
    descending: bool,
    columns: Option<Vec<Column>>,
    after: Option<String>,
}

impl ListParams {
    fn parse(raw: Option<&str>) -> ListParams {
        let mut params = ListParams::default();
        let mut columns = Vec::new();
        let mut chose_columns = false;
        for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let value = value.trim().to_string();
            match key.as_ref() {
                "q" => params.search = value,
                "department" => params.department = value,
                "country" => params.country = value,
                "license" => params.license = value,
                "status" => params.status = value,
                "type" => params.kind = value,
                "source" => params.source = value,
                "sort" => params.sort = value,
                "desc" => params.descending = value == "1",
                "after" => params.after = Some(value).filter(|v| !v.is_empty()),
                "cols" => {
                    chose_columns = true;
                    columns.extend(Column::ALL.into_iter().filter(|c| c.key() == value));
                }
                _ => {}
            }
        }
        if chose_columns {
            params.columns = Some(columns);
        }
        params
    }

    fn columns(&self) -> Vec<Column> {
        self.columns
            .clone()
            .unwrap_or_else(|| Column::DEFAULT.to_vec())
    }

    /// The query string for these parameters (without the page position), with changes.
    fn link(&self, change: impl FnOnce(&mut ListParams)) -> String {
        let mut next = self.clone();
        next.after = None;
        change(&mut next);
        let mut query = form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("q", &next.search),
            ("department", &next.department),
            ("country", &next.country),
            ("license", &next.license),
            ("status", &next.status),
            ("type", &next.kind),
            ("source", &next.source),
            ("sort", &next.sort),
        ];
        for (key, value) in pairs {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        if next.descending {
            query.append_pair("desc", "1");
        }
        if let Some(columns) = &next.columns {
            for column in columns {
                query.append_pair("cols", column.key());
            }
        }
        if let Some(after) = &next.after {
            query.append_pair("after", after);
        }
        format!("/users?{}", query.finish())
    }

    /// What the store is asked: the filters and the search box as one `$filter` condition,
    /// built as the trees `GET /v1.0/users?$filter=` parses to (never as text parsed again).
    fn query(&self) -> ApiResult<ListQuery> {
        let text = |value: &str| Literal::String(value.to_string());
        let mut conditions = Vec::new();
        if !self.department.is_empty() {
            conditions.push(Expr::equals("department", text(&self.department)));
        }
        if !self.country.is_empty() {
            conditions.push(Expr::equals("country", text(&self.country)));
        }
        match self.license.as_str() {
            "" => {}
            "none" => conditions.push(Expr::any("assignedLicenses").negated()),
            sku => {
                let sku = ObjectId::parse(sku).map_err(|_| {
                    ApiError::bad_request("The license filter is not a product of this tenant.")
                })?;
                conditions.push(Expr::any_equals(
                    "assignedLicenses",
                    "skuId",
                    Literal::Guid(sku.as_uuid()),
                ));
            }
        }
        match self.status.as_str() {
            "blocked" => conditions.push(Expr::equals("accountEnabled", Literal::Bool(false))),
            "enabled" => conditions.push(Expr::equals("accountEnabled", Literal::Bool(true))),
            _ => {}
        }
        match self.kind.as_str() {
            "guest" => conditions.push(Expr::equals("userType", text("Guest"))),
            "member" => conditions.push(Expr::equals("userType", text("Member"))),
            _ => {}
        }
        let synced = || Expr::equals("onPremisesSyncEnabled", Literal::Bool(true));
        match self.source.as_str() {
            "synced" => conditions.push(synced()),
            "cloud" => conditions.push(synced().negated()),
            _ => {}
        }
        // The search box, as in the Microsoft 365 admin center: the start of the display name,
        // first or last name, user name or mail (which the store reads from their indexes).
        let search = self.search.trim();
        if !search.is_empty() {
            conditions.extend(Expr::any_of(
                SEARCHED
                    .iter()
                    .map(|property| Expr::starts_with(property, search)),
            ));
        }
        let filter = Expr::all(conditions);
        let property = match self.sort.as_str() {
            "userPrincipalName" | "createdDateTime" => self.sort.clone(),
            _ => "displayName".into(),
        };
        Ok(ListQuery {
            filter,
            search: None,
            order: Some(SortKey {
                property,
                descending: self.descending,
            }),
            top: PAGE_SIZE,
            after: self.after.as_deref().map(decode_skiptoken).transpose()?,
            count: true,
        })
    }
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
    let next = found.next.as_ref().map(|cursor| {
        let token = encode_skiptoken(cursor);
        params.link(|p| p.after = Some(token))
    });
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
        form id="selection" method="post" action="/users/bulk" {
            input type="hidden" name="csrf" value=(session.csrf);
            (bulk_actions(&session, &subscriptions, &names.skus, &groups))
            table.users {
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
                            @for column in &columns { td { (column.cell(lang, user, &names)) } }
                        }
                    }
                }
            }
        }
        nav.pages {
            @if params.after.is_some() { a href=(params.link(|_| {})) { (lang.t("users-first-page")) } " " }
            @if let Some(next) = &next { a rel="next" href=(next) { (lang.t("users-next-page")) } }
        }
    };
    page(&session, Nav::Users, &lang.t("users-title"), content)
}

pub(crate) fn license_names_by_sku(subscriptions: &[Subscription]) -> HashMap<SkuId, String> {
    let catalog = Catalog::builtin();
    subscriptions
        .iter()
        .map(|s| {
            let name = catalog
                .by_sku_id(s.sku_id.as_uuid())
                .map_or_else(|| s.sku_part_number.clone(), |sku| sku.display_name.clone());
            (s.sku_id, name)
        })
        .collect()
}

/// The actions the administrator's roles allow on selected users.
fn bulk_actions(
    session: &Session,
    subscriptions: &[Subscription],
    names: &HashMap<SkuId, String>,
    groups: &[Group],
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
                    label { (lang.t("users-col-licenses")) " "
                        select name="sku" {
                            @for subscription in subscriptions { option value=(subscription.sku_id) { (names[&subscription.sku_id]) } }
                        }
                    }
                }
                @if !groups.is_empty() {
                    label { (lang.t("users-group")) " "
                        select name="group" {
                            @for group in groups { option value=(group.id) { (group.display_name) } }
                        }
                    }
                }
                button type="submit" { (lang.t("users-run-action")) }
            }
        }
    }
}

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
struct EditError {
    form: &'static str,
    message: String,
    typed: String,
}

/// A user's page, with a refused change's error beside its form (and the page then a 400).
async fn details_page(session: &Session, user_id: ObjectId, error: Option<EditError>) -> Response {
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
fn plan_switches(lang: Lang, catalog: &Catalog, license: &LicenseAssignment) -> Markup {
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
            super::see_other(&format!("/users/{user_id}#{section}"))
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
async fn save(
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
                        super::not_found_as(error, session.lang.t("details-no-such-manager"))
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

fn row_table(lang: Lang, label: &str, value: String) -> Markup {
    html! { table.properties { tbody { tr { th scope="row" { (lang.t(label)) } td { (value) } } } } }
}

fn license_row(
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

/// The form that runs an action on selected users.
#[derive(Debug, Default)]
pub struct ActionForm {
    csrf: String,
    action: String,
    ids: Vec<String>,
    sku: Option<String>,
    group: Option<String>,
}

impl ActionForm {
    /// The form's fields; `id` repeats, one per selected user.
    fn from_fields(fields: Vec<(String, String)>) -> ActionForm {
        let mut form = ActionForm::default();
        for (key, value) in fields {
            match key.as_str() {
                "csrf" => form.csrf = value,
                "action" => form.action = value,
                "id" => form.ids.push(value),
                "sku" => form.sku = Some(value),
                "group" => form.group = Some(value),
                _ => {}
            }
        }
        form
    }
}

/// What an action did to one user.
struct Outcome {
    user: String,
    result: Result<Option<String>, String>,
}

/// `POST /users/bulk`: one action on the selected users, each user checked against the
/// administrator's roles (and that user's own roles) on its own.
pub async fn action(session: Session, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let lang = session.lang;
    let form = ActionForm::from_fields(fields);
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    if form.ids.is_empty() {
        return error_page(
            &session,
            StatusCode::BAD_REQUEST,
            &lang.t("action-none-selected"),
        );
    }
    if form.ids.len() > 1000 {
        return error_page(
            &session,
            StatusCode::BAD_REQUEST,
            &lang.t("action-too-many"),
        );
    }
    let mut outcomes = Vec::new();
    for id in &form.ids {
        let outcome = match ObjectId::parse(id) {
            Ok(user_id) => run(&session, &form, user_id).await,
            Err(_) => Outcome {
                user: id.clone(),
                result: Err(lang.t("error-no-such-user")),
            },
        };
        outcomes.push(outcome);
    }
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let passwords = outcomes.iter().any(|o| matches!(o.result, Ok(Some(_))));
    let content = html! {
        p role="status" {
            (lang.t_with("action-summary", &[
                ("done", lang.number((outcomes.len() - failed) as i64).into()),
                ("failed", lang.number(failed as i64).into()),
            ]))
        }
        @if passwords { p.warning { (lang.t("action-passwords-once")) } }
        table.outcomes {
            thead { tr { th { (lang.t("action-user")) } th { (lang.t("action-outcome")) } @if passwords { th { (lang.t("action-password")) } } } }
            tbody {
                @for outcome in &outcomes {
                    tr {
                        td { (outcome.user) }
                        @match &outcome.result {
                            Ok(password) => {
                                td { (lang.t("action-done")) }
                                @if passwords { td { code.password { (password.as_deref().unwrap_or("")) } } }
                            }
                            Err(message) => { td.error { (message) } @if passwords { td {} } }
                        }
                    }
                }
            }
        }
        p { a href="/users" { (lang.t("action-back")) } }
    };
    page(
        &session,
        Nav::Users,
        &lang.t(&format!("action-{}", form.action)),
        content,
    )
}

/// One action on one user. Returns a generated password to show once, for a reset.
async fn run(session: &Session, form: &ActionForm, user_id: ObjectId) -> Outcome {
    let state = session.state();
    let tenant_id = session.caller.tenant_id;
    let found = state
        .db(move |store| store.get_user(tenant_id, &UserKey::Id(user_id)))
        .await;
    let user = match found {
        Ok(found) => found,
        Err(error) => {
            return Outcome {
                user: user_id.to_string(),
                result: Err(message(session, error)),
            };
        }
    };
    let name = user.user_principal_name.to_string();
    let result = apply(session, form, &user).await;
    Outcome {
        user: name,
        result: result.map_err(|error| message(session, error)),
    }
}

/// The store authorizes each action, with the user's roles, inside the action's transaction.
async fn apply(session: &Session, form: &ActionForm, user: &User) -> ApiResult<Option<String>> {
    let state = session.state();
    let change = session.caller.change();
    let key = UserKey::Id(user.id);
    match form.action.as_str() {
        "block" | "unblock" => {
            let update = UserUpdate {
                account_enabled: Some(form.action == "unblock"),
                ..Default::default()
            };
            state
                .db(move |store| store.update_user(&change, &key, &update))
                .await?;
            Ok(None)
        }
        "reset-password" => {
            let password = crate::auth::generate_password();
            let update = UserUpdate {
                password: Some((state.keys.generated_password_hash(&password), true)),
                ..Default::default()
            };
            state
                .db(move |store| store.update_user(&change, &key, &update))
                .await?;
            Ok(Some(password))
        }
        "revoke-sessions" => {
            state
                .db(move |store| store.revoke_sign_in_sessions(&change, &key))
                .await?;
            Ok(None)
        }
        "delete" => {
            state
                .db(move |store| store.delete_user(&change, &key))
                .await?;
            Ok(None)
        }
        "assign-license" | "remove-license" => {
            let sku_id = form
                .sku
                .as_deref()
                .and_then(|sku| SkuId::parse(sku).ok())
                .ok_or_else(|| ApiError::bad_request(session.lang.t("action-choose-license")))?;
            // A license the user already holds keeps its switched-off apps.
            let assign = form.action == "assign-license";
            state
                .db(move |store| {
                    if assign {
                        store.give_user_license(&change, &key, sku_id)
                    } else {
                        store
                            .assign_licenses(&change, &key, &[], &[sku_id])
                            .map(drop)
                    }
                })
                .await?;
            Ok(None)
        }
        "add-to-group" => {
            let group_id = form
                .group
                .as_deref()
                .and_then(|group| ObjectId::parse(group).ok())
                .ok_or_else(|| ApiError::bad_request(session.lang.t("action-choose-group")))?;
            let user_id = user.id;
            state
                .db(move |store| store.add_group_member(&change, group_id, user_id))
                .await?;
            Ok(None)
        }
        _ => Err(ApiError::bad_request(session.lang.t("action-unknown"))),
    }
}

#[cfg(test)]
mod tests;
