//! The collections a query reads (users, groups, contacts): each property a `$filter`,
//! `$orderby` or `$search` may name, as the column or table that holds it, its kind, and whether
//! an index serves it. [`crate::query`] translates queries over these.

use roster_core::attributes::{AttrKind, USER_ATTRIBUTES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Text,
    /// Already stored in lower case (`upn_key`).
    TextKey,
    Bool,
    Timestamp,
    Id,
    Int,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub sql: &'static str,
    pub kind: ColumnKind,
}

/// A multi-valued property that `any()` can look into.
#[derive(Clone, Copy)]
pub(crate) enum Collection {
    /// Rows of `user_values` with this `attribute`.
    Values(&'static str),
    /// `assignedLicenses/any(x: x/skuId eq …)`.
    Licenses,
    /// `groupTypes/any(x: x eq 'Unified')`, a JSON array column.
    GroupTypes,
}

/// What a collection of one entity type can be filtered, searched and sorted on.
pub(crate) trait Schema {
    fn table(&self) -> &'static str;
    fn column(&self, path: &str) -> Option<Column>;
    fn collection(&self, path: &str) -> Option<Collection>;
    fn searchable(&self, property: &str) -> Option<Column>;
    /// Properties `$orderby` accepts: never-null columns, so that keyset paging is exact.
    fn sortable(&self, property: &str) -> Option<Column>;
    /// Whether the table has an index on `(tenant_id, c, …)` for this column, `c` being the
    /// column as compared (lower-cased text): what a range of `startsWith` can be read from.
    fn indexed(&self, _column: Column) -> bool {
        false
    }
}

pub(crate) struct UserSchema;

/// The users' columns with an index on `(tenant_id, column as compared, …)`.
pub(crate) const USER_INDEXED: &[&str] = &[
    "display_name",
    "upn_key",
    "mail_nickname",
    "department",
    "job_title",
    "country",
    "usage_location",
    "mail",
    "given_name",
    "surname",
];

impl Schema for UserSchema {
    fn table(&self) -> &'static str {
        "users"
    }

    fn column(&self, path: &str) -> Option<Column> {
        let fixed = |sql, kind| Some(Column { sql, kind });
        match path.to_ascii_lowercase().as_str() {
            "id" => fixed("id", ColumnKind::Id),
            "userprincipalname" => fixed("upn_key", ColumnKind::TextKey),
            "displayname" => fixed("display_name", ColumnKind::Text),
            "mailnickname" => fixed("mail_nickname", ColumnKind::Text),
            "accountenabled" => fixed("account_enabled", ColumnKind::Bool),
            "usertype" => fixed("user_type", ColumnKind::Text),
            "usagelocation" => fixed("usage_location", ColumnKind::Text),
            "createddatetime" => fixed("created_at", ColumnKind::Timestamp),
            "signinactivity/lastsignindatetime" => fixed("last_sign_in_at", ColumnKind::Timestamp),
            "signinactivity/lastnoninteractivesignindatetime" => {
                fixed("last_non_interactive_sign_in_at", ColumnKind::Timestamp)
            }
            "signinactivity/lastsuccessfulsignindatetime" => {
                fixed("last_successful_sign_in_at", ColumnKind::Timestamp)
            }
            _ => {
                let def = USER_ATTRIBUTES
                    .iter()
                    .find(|def| def.graph_path.eq_ignore_ascii_case(path))?;
                let kind = match def.kind {
                    AttrKind::Text => ColumnKind::Text,
                    AttrKind::Bool => ColumnKind::Bool,
                    AttrKind::DateTime => ColumnKind::Timestamp,
                    AttrKind::TextList => return None,
                };
                Some(Column {
                    sql: def.column,
                    kind,
                })
            }
        }
    }

    fn collection(&self, path: &str) -> Option<Collection> {
        if path.eq_ignore_ascii_case("assignedLicenses") {
            return Some(Collection::Licenses);
        }
        USER_ATTRIBUTES
            .iter()
            .find(|def| def.kind == AttrKind::TextList && def.graph_path.eq_ignore_ascii_case(path))
            .map(|def| Collection::Values(def.column))
    }

    fn searchable(&self, property: &str) -> Option<Column> {
        const SEARCHABLE: &[&str] = &[
            "displayName",
            "userPrincipalName",
            "mail",
            "mailNickname",
            "givenName",
            "surname",
            "jobTitle",
            "department",
        ];
        SEARCHABLE
            .iter()
            .find(|name| name.eq_ignore_ascii_case(property))
            .and_then(|name| self.column(name))
    }

    fn indexed(&self, column: Column) -> bool {
        // The indexes of migration 0001 (`users_display_name` …), checked by a test.
        USER_INDEXED.contains(&column.sql)
    }

    fn sortable(&self, property: &str) -> Option<Column> {
        const SORTABLE: &[&str] = &[
            "id",
            "displayName",
            "userPrincipalName",
            "mailNickname",
            "createdDateTime",
        ];
        SORTABLE
            .iter()
            .find(|name| name.eq_ignore_ascii_case(property))
            .and_then(|name| self.column(name))
    }
}

pub(crate) struct GroupSchema;

impl Schema for GroupSchema {
    fn table(&self) -> &'static str {
        "groups"
    }

    fn column(&self, path: &str) -> Option<Column> {
        let fixed = |sql, kind| Some(Column { sql, kind });
        match path.to_ascii_lowercase().as_str() {
            "id" => fixed("id", ColumnKind::Id),
            "displayname" => fixed("display_name", ColumnKind::Text),
            "description" => fixed("description", ColumnKind::Text),
            "mailnickname" => fixed("mail_nickname", ColumnKind::Text),
            "mail" => fixed("mail", ColumnKind::Text),
            "mailenabled" => fixed("mail_enabled", ColumnKind::Bool),
            "securityenabled" => fixed("security_enabled", ColumnKind::Bool),
            "membershiprule" => fixed("membership_rule", ColumnKind::Text),
            "membershipruleprocessingstate" => {
                fixed("membership_rule_processing_state", ColumnKind::Text)
            }
            "visibility" => fixed("visibility", ColumnKind::Text),
            "createddatetime" => fixed("created_at", ColumnKind::Timestamp),
            _ => None,
        }
    }

    fn collection(&self, path: &str) -> Option<Collection> {
        path.eq_ignore_ascii_case("groupTypes")
            .then_some(Collection::GroupTypes)
    }

    fn searchable(&self, property: &str) -> Option<Column> {
        ["displayName", "description", "mail", "mailNickname"]
            .iter()
            .find(|name| name.eq_ignore_ascii_case(property))
            .and_then(|name| self.column(name))
    }

    fn sortable(&self, property: &str) -> Option<Column> {
        ["id", "displayName", "createdDateTime"]
            .iter()
            .find(|name| name.eq_ignore_ascii_case(property))
            .and_then(|name| self.column(name))
    }
}

pub(crate) struct ContactSchema;

impl Schema for ContactSchema {
    fn table(&self) -> &'static str {
        "contacts"
    }

    fn column(&self, path: &str) -> Option<Column> {
        match path.to_ascii_lowercase().as_str() {
            "id" => Some(Column {
                sql: "id",
                kind: ColumnKind::Id,
            }),
            "displayname" => Some(Column {
                sql: "display_name",
                kind: ColumnKind::Text,
            }),
            "mail" => Some(Column {
                sql: "mail",
                kind: ColumnKind::Text,
            }),
            "createddatetime" => Some(Column {
                sql: "created_at",
                kind: ColumnKind::Timestamp,
            }),
            _ => None,
        }
    }

    fn collection(&self, _: &str) -> Option<Collection> {
        None
    }

    fn searchable(&self, property: &str) -> Option<Column> {
        ["displayName", "mail"]
            .iter()
            .find(|name| name.eq_ignore_ascii_case(property))
            .and_then(|name| self.column(name))
    }

    fn sortable(&self, property: &str) -> Option<Column> {
        ["id", "displayName"]
            .iter()
            .find(|name| name.eq_ignore_ascii_case(property))
            .and_then(|name| self.column(name))
    }
}

/// The sign-in log, as Graph's `signIn` names what can be filtered.
pub(crate) struct SignInSchema;

impl Schema for SignInSchema {
    fn table(&self) -> &'static str {
        "sign_ins"
    }

    fn column(&self, path: &str) -> Option<Column> {
        let fixed = |sql, kind| Some(Column { sql, kind });
        match path.to_ascii_lowercase().as_str() {
            "id" => fixed("id", ColumnKind::Id),
            "createddatetime" => fixed("at", ColumnKind::Timestamp),
            "userid" => fixed("user_id", ColumnKind::Id),
            "userprincipalname" => fixed("user_principal_name", ColumnKind::Text),
            "appid" => fixed("app_id", ColumnKind::Id),
            "appdisplayname" => fixed("client", ColumnKind::Text),
            "ipaddress" => fixed("client_ip", ColumnKind::Text),
            "isinteractive" => fixed("interactive", ColumnKind::Bool),
            "status/errorcode" => fixed("error_code", ColumnKind::Int),
            "correlationid" => fixed("correlation_id", ColumnKind::Text),
            _ => None,
        }
    }

    fn collection(&self, _: &str) -> Option<Collection> {
        None
    }

    fn searchable(&self, _: &str) -> Option<Column> {
        None
    }

    fn sortable(&self, property: &str) -> Option<Column> {
        ["id", "createdDateTime"]
            .iter()
            .find(|name| name.eq_ignore_ascii_case(property))
            .and_then(|name| self.column(name))
    }
}
