//! What the users list finds: its query string (search, filters, sort, columns, page) as the
//! page reads and writes it, the store's query it becomes, and every user it finds, for an
//! export or an action on all of them.

use roster_core::directory::User;
use roster_core::odata::{Expr, Literal};
use roster_core::types::ObjectId;
use roster_store::{ListQuery, SortKey};

use crate::error::{ApiError, ApiResult};

pub(super) const PAGE_SIZE: usize = 100;

/// What the search box matches the start of.
const SEARCHED: [&str; 5] = [
    "displayName",
    "givenName",
    "surname",
    "userPrincipalName",
    "mail",
];

/// Users whose names, user name or mail start with `text`, as the list's search box finds
/// them (and the pickers that choose users).
pub(crate) fn search_filter(text: &str) -> Option<Expr> {
    Expr::any_of(
        SEARCHED
            .iter()
            .map(|property| Expr::starts_with(property, text)),
    )
}

/// A column the list can show besides the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
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
    pub(super) const ALL: [Column; 11] = [
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
    pub(super) const DEFAULT: [Column; 5] = [
        Column::UserPrincipalName,
        Column::Licenses,
        Column::Department,
        Column::Country,
        Column::Status,
    ];

    pub(super) fn key(self) -> &'static str {
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

    pub(super) fn label(self) -> &'static str {
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
    pub(super) fn sort(self) -> Option<&'static str> {
        match self {
            Column::UserPrincipalName => Some("userPrincipalName"),
            Column::Created => Some("createdDateTime"),
            _ => None,
        }
    }
}

/// The list's query string, as the page reads and writes it.
#[derive(Debug, Default, Clone)]
pub(super) struct ListParams {
    pub(super) search: String,
    pub(super) department: String,
    pub(super) country: String,
    /// A SKU id, or `none` for users without licenses.
    pub(super) license: String,
    /// `blocked` or `enabled`.
    pub(super) status: String,
    /// `guest` or `member`.
    pub(super) kind: String,
    /// `synced` or `cloud`.
    pub(super) source: String,
    pub(super) sort: String,
    pub(super) descending: bool,
    pub(super) columns: Option<Vec<Column>>,
    /// Which page of the list this is (1 for the first).
    pub(super) page: i64,
}

impl ListParams {
    pub(super) fn parse(raw: Option<&str>) -> ListParams {
        let mut params = ListParams {
            page: 1,
            ..Default::default()
        };
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
                "page" => params.page = super::super::layout::page_number(Some(&value)),
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

    pub(super) fn columns(&self) -> Vec<Column> {
        self.columns
            .clone()
            .unwrap_or_else(|| Column::DEFAULT.to_vec())
    }

    /// The address of the list with these parameters (on its first page), with changes.
    pub(super) fn link(&self, change: impl FnOnce(&mut ListParams)) -> String {
        let mut next = self.clone();
        next.page = 1;
        change(&mut next);
        let query = next.query_string();
        if query.is_empty() {
            "/users".to_string()
        } else {
            format!("/users?{query}")
        }
    }

    /// These parameters as the list's query string.
    pub(super) fn query_string(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("q", &self.search),
            ("department", &self.department),
            ("country", &self.country),
            ("license", &self.license),
            ("status", &self.status),
            ("type", &self.kind),
            ("source", &self.source),
            ("sort", &self.sort),
        ];
        for (key, value) in pairs {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        if self.descending {
            query.append_pair("desc", "1");
        }
        if let Some(columns) = &self.columns {
            for column in columns {
                query.append_pair("cols", column.key());
            }
        }
        if self.page > 1 {
            query.append_pair("page", &self.page.to_string());
        }
        query.finish()
    }

    /// What the store is asked: the filters and the search box as one `$filter` condition,
    /// built as the trees `GET /v1.0/users?$filter=` parses to (never as text parsed again).
    pub(super) fn query(&self) -> ApiResult<ListQuery> {
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
            conditions.extend(search_filter(search));
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
            skip: (self.page.max(1) as usize - 1).saturating_mul(PAGE_SIZE),
            count: true,
            ..Default::default()
        })
    }
}

/// Calls `each` with every user `query` finds, in its order, from the first page on (read a
/// thousand at a time; for an export or an action on every user a list's filters find).
pub(super) fn each_matching(
    store: &roster_store::Store,
    tenant_id: ObjectId,
    query: &mut ListQuery,
    mut each: impl FnMut(&User),
) -> roster_store::Result<()> {
    query.top = crate::paging::MAX_TOP;
    query.after = None;
    query.skip = 0;
    query.count = false;
    loop {
        let page = store.list_users(tenant_id, query)?;
        page.items.iter().for_each(&mut each);
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(()),
        }
    }
}
