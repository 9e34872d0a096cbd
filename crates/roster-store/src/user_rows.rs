//! Users as rows: reading them (`find_user`, `require_user`, pages of live users with only the
//! properties asked for) and writing them (`prepare_user`, `write_user`), their columns, roles
//! and passwords as stored. The floor under the use cases (`users`) and the derived state
//! (`licenses`, `dynamic`, `group_processing`), which read users through it: nothing here
//! authorizes, audits or follows a change up.

use std::sync::OnceLock;

use roster_core::access::Role;
use roster_core::attributes::{AttrKind, AttrValue, Attributes, USER_ATTRIBUTES};
use roster_core::directory::{PasswordHash, SignInActivity, User, UserType};
use roster_core::refusal::Reason;
use roster_core::types::{MailNickname, ObjectId, UsageLocation, UserPrincipalName};

use crate::db::{Row, SqlValue, Tx};
use crate::{Error, Result, params};

/// What signing in needs to know of a user: its tenant, stored password hash and roles.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    pub tenant_id: ObjectId,
    pub user: User,
    pub password_hash: Option<String>,
    pub roles: Vec<Role>,
}

/// How a request names a user: by id or by user principal name.
#[derive(Debug, Clone)]
pub enum UserKey {
    Id(ObjectId),
    Upn(String),
}

impl UserKey {
    /// `/users/{id | userPrincipalName}`.
    pub fn parse(text: &str) -> UserKey {
        match ObjectId::parse(text) {
            Ok(id) => UserKey::Id(id),
            Err(_) => UserKey::Upn(text.to_lowercase()),
        }
    }
}

/// The fixed columns of a user row, then one per attribute, in [`USER_ATTRIBUTES`] order.
pub(crate) const FIXED_COLUMNS: &[&str] = &[
    "id",
    "user_principal_name",
    "display_name",
    "mail_nickname",
    "account_enabled",
    "user_type",
    "usage_location",
    "force_change_password",
    "manager_id",
    "created_at",
    "deleted_at",
    "sessions_valid_from",
];

/// The columns sign-ins write (Graph's `signInActivity`), read after the attributes and never
/// written with the user.
pub(crate) const ACTIVITY_COLUMNS: &[&str] = &[
    "last_sign_in_at",
    "last_non_interactive_sign_in_at",
    "last_successful_sign_in_at",
];

/// The columns a user is written with: the fixed ones, then the attributes.
fn written_columns() -> &'static str {
    static COLUMNS: OnceLock<String> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        FIXED_COLUMNS
            .iter()
            .copied()
            .chain(USER_ATTRIBUTES.iter().map(|def| def.column))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The columns a user is read from: those it is written with, then its sign-in activity.
pub(crate) fn user_columns() -> &'static str {
    static COLUMNS: OnceLock<String> = OnceLock::new();
    COLUMNS.get_or_init(|| format!("{}, {}", written_columns(), ACTIVITY_COLUMNS.join(", ")))
}

/// Reads a user from a row of [`user_columns`], moving its strings out of the row (the
/// columns after them stay as they were).
pub(crate) fn user_from_row(row: &mut Row) -> Result<User> {
    let corrupt = |what: &str| Error::Database(format!("stored user has an invalid {what}"));
    let attributes = USER_ATTRIBUTES
        .iter()
        .enumerate()
        .map(|(offset, def)| {
            let index = FIXED_COLUMNS.len() + offset;
            if row.is_null(index)? {
                return Ok(AttrValue::Null);
            }
            Ok(match def.kind {
                AttrKind::Text => AttrValue::Text(row.take_text(index)?.unwrap_or_default()),
                AttrKind::TextList => AttrValue::TextList(
                    serde_json::from_str(&row.take_text(index)?.unwrap_or_default())
                        .map_err(|_| corrupt(def.graph_path))?,
                ),
                AttrKind::DateTime => AttrValue::DateTime(row.timestamp(index)?),
                AttrKind::Bool => AttrValue::Bool(row.bool(index)?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(User {
        id: row.uuid(0)?.into(),
        user_principal_name: UserPrincipalName::parse(&row.take_text(1)?.unwrap_or_default())
            .map_err(|_| corrupt("userPrincipalName"))?,
        display_name: row.take_text(2)?.ok_or_else(|| corrupt("displayName"))?,
        mail_nickname: MailNickname::parse(&row.take_text(3)?.unwrap_or_default())
            .map_err(|_| corrupt("mailNickname"))?,
        account_enabled: row.bool(4)?,
        user_type: UserType::parse(&row.take_text(5)?.unwrap_or_default())
            .ok_or_else(|| corrupt("userType"))?,
        usage_location: row
            .take_text(6)?
            .map(|code| UsageLocation::parse(&code).map_err(|_| corrupt("usageLocation")))
            .transpose()?,
        force_change_password_next_sign_in: row.bool(7)?,
        manager_id: row.opt_uuid(8)?.map(ObjectId::from),
        created: row.timestamp(9)?,
        deleted: row.opt_timestamp(10)?,
        sign_in_sessions_valid_from: row.timestamp(11)?,
        sign_in_activity: {
            let at = FIXED_COLUMNS.len() + USER_ATTRIBUTES.len();
            SignInActivity {
                last_sign_in: row.opt_timestamp(at)?,
                last_non_interactive_sign_in: row.opt_timestamp(at + 1)?,
                last_successful_sign_in: row.opt_timestamp(at + 2)?,
            }
        },
        attributes: Attributes::from_values(attributes),
        licenses: Vec::new(),
        inherited_licenses: Vec::new(),
    })
}

pub(crate) fn attribute_params(attributes: &Attributes) -> Vec<SqlValue> {
    attributes
        .values()
        .iter()
        .map(|value| match value {
            AttrValue::Null => SqlValue::Null,
            AttrValue::Text(text) => SqlValue::Text(text.clone()),
            AttrValue::TextList(items) => {
                SqlValue::Text(serde_json::to_string(items).expect("strings serialise"))
            }
            AttrValue::DateTime(at) => SqlValue::Timestamp(*at),
            AttrValue::Bool(flag) => SqlValue::Bool(*flag),
        })
        .collect()
}

/// Replaces the items of a user's list-valued attributes, kept in `user_values` for `any()`
/// filters.
pub(crate) fn replace_user_values(tx: &mut dyn Tx, tenant_id: ObjectId, user: &User) -> Result<()> {
    tx.execute(
        "DELETE FROM user_values WHERE user_id = $1",
        &params![user.id],
    )?;
    for (def, value) in USER_ATTRIBUTES.iter().zip(user.attributes.values()) {
        if let AttrValue::TextList(items) = value {
            for item in items {
                tx.execute(
                    "INSERT INTO user_values (user_id, tenant_id, attribute, value_key) VALUES ($1, $2, $3, $4)",
                    &params![user.id, tenant_id, def.column, crate::query::text_key(item)],
                )?;
            }
        }
    }
    Ok(())
}

/// A user as the audit log records it: its properties, never its password.
pub(crate) fn audit_json(user: &User) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert(
        "userPrincipalName".into(),
        user.user_principal_name.as_ref().into(),
    );
    object.insert("displayName".into(), user.display_name.clone().into());
    object.insert("mailNickname".into(), user.mail_nickname.as_ref().into());
    object.insert("accountEnabled".into(), user.account_enabled.into());
    object.insert("userType".into(), user.user_type.as_str().into());
    object.insert(
        "usageLocation".into(),
        user.usage_location.map(|l| l.to_string()).into(),
    );
    user.attributes.write_json(&mut object);
    // Set when a bulk import creates a user with licenses: its one record says so.
    object.insert(
        "assignedLicenses".into(),
        crate::license_rows::licenses_json(&user.licenses),
    );
    serde_json::Value::Object(without_empty(object))
}

/// Leaves out null and empty values, so that an audit record holds what the user has.
pub(crate) fn without_empty(
    object: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    object
        .into_iter()
        .filter_map(|(key, value)| match value {
            Value::Null => None,
            Value::Array(items) if items.is_empty() => None,
            Value::Object(nested) => {
                let nested = without_empty(nested);
                (!nested.is_empty()).then_some((key, Value::Object(nested)))
            }
            other => Some((key, other)),
        })
        .collect()
}

pub(crate) fn unique_error(error: Error) -> Error {
    match error {
        Error::UniqueViolation {
            constraint: Some(name),
        } if name == "users_upn_unique" => Error::Conflict {
            property: "userPrincipalName",
        },
        Error::UniqueViolation {
            constraint: Some(name),
        } if name == "users_pkey" => Error::Conflict { property: "id" },
        other => other,
    }
}

/// Checks that the UPN's domain belongs to the tenant.
pub(crate) fn check_domain(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    upn: &UserPrincipalName,
) -> Result<()> {
    let domain = upn.domain();
    // Share-locked, so that the domain cannot be removed under a user being written into it.
    let owned = tx.query_one(
        &format!(
            "SELECT 1 FROM domains WHERE tenant_id = $1 AND name = $2 AND is_verified = $3{}",
            tx.share_lock()
        ),
        &params![tenant_id, domain.as_ref(), true],
    )?;
    if owned.is_none() {
        return Err(Error::refused(
            Reason::UnknownDomain(domain.to_string()),
            format!(
                "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization. ({domain} is not a verified domain of this tenant)"
            ),
        ));
    }
    Ok(())
}

/// An address held by one user at a time, as Exchange holds a recipient's addresses: checks
/// that the email aliases `user` gains (those of `after` that `before` did not have) are in a
/// verified domain of the tenant and are no other object's address: not another user's alias
/// or primary address (a user in the recycle bin keeps them, to come back with them), nor a
/// live user's mail or user name, nor a group's mail. Each domain's row is locked for the change, so that two changes
/// cannot take one address at once.
pub(crate) fn check_new_aliases(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    before: &User,
    after: &User,
) -> Result<()> {
    let had: Vec<String> = roster_core::requests::email_aliases(before)
        .iter()
        .map(|alias| crate::query::text_key(alias))
        .collect();
    for alias in roster_core::requests::email_aliases(after) {
        let key = crate::query::text_key(&alias);
        if had.contains(&key) {
            continue;
        }
        let domain = key.rsplit_once('@').map_or("", |(_, domain)| domain);
        let owned = tx.query_one(
            &format!(
                "SELECT 1 FROM domains WHERE tenant_id = $1 AND name = $2 AND is_verified = $3{}",
                tx.row_lock()
            ),
            &params![tenant_id, domain, true],
        )?;
        if owned.is_none() {
            return Err(Error::refused(
                Reason::UnknownDomain(domain.to_string()),
                format!(
                    "The email alias {alias} is not in one of the verified domain names of your organization ({domain} is not a verified domain of this tenant)."
                ),
            ));
        }
        let taken = tx.query_one(
            "SELECT 1 FROM users WHERE tenant_id = $1 AND id <> $2 AND deleted_at IS NULL \
             AND (upn_key = $3 OR lower(mail) = $3) \
             UNION ALL SELECT 1 FROM groups WHERE tenant_id = $1 AND deleted_at IS NULL \
             AND lower(mail) = $3",
            &params![tenant_id, after.id, key.clone()],
        )?;
        if taken.is_some() {
            return Err(address_taken(&alias));
        }
        check_address_free(tx, tenant_id, after.id, &alias)?;
    }
    Ok(())
}

/// Refuses an address (a user name, a mail, an alias) that is another user's alias or primary
/// address, in the recycle bin too.
pub(crate) fn check_address_free(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    user_id: ObjectId,
    address: &str,
) -> Result<()> {
    let key = format!("smtp:{}", crate::query::text_key(address));
    let taken = tx.query_one(
        "SELECT 1 FROM user_values WHERE tenant_id = $1 AND attribute = $2 AND value_key = $3 \
         AND user_id <> $4 LIMIT 1",
        &params![tenant_id, "proxy_addresses", key, user_id],
    )?;
    match taken {
        Some(_) => Err(address_taken(address)),
        None => Ok(()),
    }
}

fn address_taken(address: &str) -> Error {
    Error::refused(
        Reason::AddressTaken(address.to_string()),
        format!(
            "Another object with the same value for property proxyAddresses already exists: {address} is the address of another user or group."
        ),
    )
}

/// [`check_address_free`] for a user's name and mail: a user created, renamed, given a mail
/// or restored.
pub(crate) fn check_addresses_free(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    user: &User,
) -> Result<()> {
    check_address_free(tx, tenant_id, user.id, user.user_principal_name.as_ref())?;
    if let Some(mail) = user.attributes.text("mail") {
        check_address_free(tx, tenant_id, user.id, mail)?;
    }
    Ok(())
}

pub(crate) fn find_user(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    key: &UserKey,
    deleted: bool,
) -> Result<Option<User>> {
    let Some(user) = find_user_properties(tx, tenant_id, key, deleted)? else {
        return Ok(None);
    };
    let mut users = [user];
    crate::license_rows::load_licenses(tx, &mut users)?;
    let [user] = users;
    Ok(Some(user))
}

/// Up to `limit` live users of a tenant with ids after `after` and up to `until` (either open),
/// in id order, read as `read` says: for passes over a whole tenant or a range of it.
pub(crate) fn live_users_page(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    (after, until): (Option<ObjectId>, Option<ObjectId>),
    limit: usize,
    read: &UsersRead,
) -> Result<Vec<User>> {
    let columns = match &read.attributes {
        None => user_columns().to_string(),
        // Unread attributes are selected as NULL, so that the row still reads as a user.
        Some(wanted) => FIXED_COLUMNS
            .iter()
            .copied()
            .chain(USER_ATTRIBUTES.iter().enumerate().map(|(index, def)| {
                if wanted.contains(&index) {
                    def.column
                } else {
                    "NULL"
                }
            }))
            .chain(ACTIVITY_COLUMNS.iter().copied())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let lock = if read.lock { tx.row_lock() } else { "" };
    let sql = format!(
        "SELECT {columns} FROM users WHERE tenant_id = $1 AND deleted_at IS NULL AND id > $2 AND id <= $3 \
         ORDER BY id LIMIT $4{lock}"
    );
    // The nil id sorts before every other, the max id after.
    let after = after.unwrap_or_else(|| ObjectId::from(uuid::Uuid::nil()));
    let until = until.unwrap_or_else(|| ObjectId::from(uuid::Uuid::max()));
    let mut users = tx
        .query(&sql, &params![tenant_id, after, until, limit as i64])?
        .iter_mut()
        .map(user_from_row)
        .collect::<Result<Vec<_>>>()?;
    if read.licenses {
        crate::license_rows::load_licenses(tx, &mut users)?;
    }
    Ok(users)
}

/// What [`live_users_page`] reads of each user.
#[derive(Debug, Clone, Default)]
pub(crate) struct UsersRead {
    /// The attributes to read (indexes into `USER_ATTRIBUTES`; the others read as unset), or
    /// all of them. The fixed properties are always read.
    pub attributes: Option<Vec<usize>>,
    /// Whether to read the users' licenses.
    pub licenses: bool,
    /// Whether to lock the rows for the transaction's writes ([`Tx::row_lock`]).
    pub lock: bool,
}

/// [`find_user`] without the user's licenses (left empty), for what does not need them.
pub(crate) fn find_user_properties(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    key: &UserKey,
    deleted: bool,
) -> Result<Option<User>> {
    let deleted_clause = if deleted {
        "deleted_at IS NOT NULL"
    } else {
        "deleted_at IS NULL"
    };
    let (condition, value) = match key {
        UserKey::Id(id) => ("id = $2", SqlValue::from(*id)),
        UserKey::Upn(upn) => ("upn_key = $2", SqlValue::from(upn.to_lowercase())),
    };
    let sql = format!(
        "SELECT {} FROM users WHERE tenant_id = $1 AND {condition} AND {deleted_clause}",
        user_columns()
    );
    tx.query_one(&sql, &[tenant_id.into(), value])?
        .map(|mut row| user_from_row(&mut row))
        .transpose()
}

pub(crate) fn require_user(tx: &mut dyn Tx, tenant_id: ObjectId, key: &UserKey) -> Result<User> {
    find_user(tx, tenant_id, key, false)?.ok_or_else(|| not_found(key))
}

pub(crate) fn not_found(key: &UserKey) -> Error {
    let id = match key {
        UserKey::Id(id) => id.to_string(),
        UserKey::Upn(upn) => upn.clone(),
    };
    Error::NotFound { kind: "user", id }
}

/// Refuses unless `id` is a user in the tenant's recycle bin.
pub(crate) fn require_deleted_user(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    id: ObjectId,
) -> Result<User> {
    find_user(tx, tenant_id, &UserKey::Id(id), true)?.ok_or_else(|| Error::NotFound {
        kind: "deleted item",
        id: id.to_string(),
    })
}

/// The roles `principal` holds in the tenant, their rows locked with `lock` (a `Tx::share_lock`,
/// or "" to read without locking).
pub(crate) fn roles_of(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    principal: ObjectId,
    lock: &str,
) -> Result<Vec<Role>> {
    let sql = format!(
        "SELECT role FROM role_assignments WHERE tenant_id = $1 AND principal_id = $2{lock}"
    );
    tx.query(&sql, &params![tenant_id, principal])?
        .iter()
        .map(|row| row.parsed(0, Role::parse, "role"))
        .collect()
}

pub(crate) fn encode_password(hash: &PasswordHash) -> String {
    match hash {
        PasswordHash::Argon2id(phc) => phc.clone(),
        PasswordHash::HmacSha256(hex) => format!("hmac-sha256:{hex}"),
    }
}

pub fn decode_password(stored: &str) -> PasswordHash {
    match stored.strip_prefix("hmac-sha256:") {
        Some(hex) => PasswordHash::HmacSha256(hex.to_string()),
        None => PasswordHash::Argon2id(stored.to_string()),
    }
}

/// A new user's row, list values and audit record, made ready outside any transaction: the pure
/// part of creating a user, which a bulk job does on another core while its previous batch writes.
#[derive(Debug, Clone)]
pub struct PreparedUser {
    pub user: User,
    pub(crate) tenant_id: ObjectId,
    pub(crate) row: Vec<SqlValue>,
    pub(crate) values: Vec<[SqlValue; 4]>,
    pub(crate) audit_after: String,
}

impl PreparedUser {
    /// Writes the user already counting the licenses it is made with (`user.licenses`), for a
    /// creator that gives them next in the same transaction (`JobTx::license_new_user`) or
    /// fails the row whole: a bulk import, which so saves an update per user.
    pub fn licensed_next(mut self) -> Self {
        if let Some(count) = self.row.last_mut() {
            *count = (self.user.licenses.len() as i64).into();
        }
        self
    }
}

pub fn prepare_user(
    tenant_id: ObjectId,
    user: User,
    password: Option<&PasswordHash>,
) -> PreparedUser {
    let mut row = Vec::from(params![
        user.id,
        user.user_principal_name.as_ref(),
        user.display_name.clone(),
        user.mail_nickname.as_ref(),
        user.account_enabled,
        user.user_type.as_str(),
        user.usage_location.map(|l| l.to_string()),
        user.force_change_password_next_sign_in,
        user.manager_id,
        user.created,
        user.deleted,
        user.sign_in_sessions_valid_from,
    ]);
    row.extend(attribute_params(&user.attributes));
    row.push(tenant_id.into());
    row.push(user.user_principal_name.key().into());
    row.push(password.map(encode_password).into());
    // Holding no license yet: see `PreparedUser::licensed_next`.
    row.push(0_i64.into());
    let mut values = Vec::new();
    for (def, value) in USER_ATTRIBUTES.iter().zip(user.attributes.values()) {
        if let AttrValue::TextList(items) = value {
            for item in items {
                values.push(params![
                    user.id,
                    tenant_id,
                    def.column,
                    crate::query::text_key(item)
                ]);
            }
        }
    }
    let audit_after = audit_json(&user).to_string();
    PreparedUser {
        user,
        tenant_id,
        row,
        values,
        audit_after,
    }
}

pub(crate) fn insert_user_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let count = FIXED_COLUMNS.len() + USER_ATTRIBUTES.len() + 4;
        format!(
            "INSERT INTO users ({}, tenant_id, upn_key, password_hash, active_licenses) VALUES ({})",
            written_columns(),
            crate::db::placeholders(1, count)
        )
    })
}

/// Writes the columns of an existing user that differ between `before` and `user` (an index is
/// touched only when its column changes), and a new password if there is one.
pub(crate) fn write_user(
    tx: &mut dyn Tx,
    change: &crate::Change,
    before: &User,
    user: &User,
    password: Option<&PasswordHash>,
) -> Result<()> {
    let mut changed: Vec<(&str, SqlValue)> = Vec::new();
    if before.user_principal_name.as_ref() != user.user_principal_name.as_ref() {
        changed.push((
            "user_principal_name",
            user.user_principal_name.as_ref().into(),
        ));
        changed.push(("upn_key", user.user_principal_name.key().into()));
    }
    if before.display_name != user.display_name {
        changed.push(("display_name", user.display_name.clone().into()));
    }
    if before.mail_nickname.as_ref() != user.mail_nickname.as_ref() {
        changed.push(("mail_nickname", user.mail_nickname.as_ref().into()));
    }
    if before.account_enabled != user.account_enabled {
        changed.push(("account_enabled", user.account_enabled.into()));
    }
    if before.user_type != user.user_type {
        changed.push(("user_type", user.user_type.as_str().into()));
    }
    if before.usage_location != user.usage_location {
        changed.push((
            "usage_location",
            user.usage_location.map(|l| l.to_string()).into(),
        ));
    }
    if before.force_change_password_next_sign_in != user.force_change_password_next_sign_in {
        changed.push((
            "force_change_password",
            user.force_change_password_next_sign_in.into(),
        ));
    }
    let mut lists_changed = false;
    let new_values = attribute_params(&user.attributes);
    for ((def, (was, is)), value) in USER_ATTRIBUTES
        .iter()
        .zip(
            before
                .attributes
                .values()
                .iter()
                .zip(user.attributes.values()),
        )
        .zip(new_values)
    {
        if was != is {
            lists_changed |= def.kind == roster_core::attributes::AttrKind::TextList;
            changed.push((def.column, value));
        }
    }
    if let Some(hash) = password {
        changed.push(("password_hash", encode_password(hash).into()));
    }
    if before.sign_in_sessions_valid_from != user.sign_in_sessions_valid_from {
        changed.push((
            "sessions_valid_from",
            user.sign_in_sessions_valid_from.into(),
        ));
    }
    let mut assignments = vec!["row_version = row_version + 1".to_string()];
    let mut values = vec![SqlValue::from(user.id)];
    for (column, value) in changed {
        values.push(value);
        assignments.push(format!("{column} = ${}", values.len()));
    }
    let sql = format!("UPDATE users SET {} WHERE id = $1", assignments.join(", "));
    tx.execute(&sql, &values).map_err(unique_error)?;
    if lists_changed {
        replace_user_values(tx, change.tenant_id, user)?;
    }
    Ok(())
}

pub(crate) fn list_users(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    query: &crate::ListQuery,
    deleted: bool,
) -> Result<crate::Page<User>> {
    let scope = if deleted {
        "tenant_id = $1 AND deleted_at IS NOT NULL"
    } else {
        "tenant_id = $1 AND deleted_at IS NULL"
    };
    let (mut rows, next, count) = crate::query::list_rows(
        tx,
        &crate::collections::UserSchema,
        user_columns(),
        scope,
        params![tenant_id].to_vec(),
        query,
    )?;
    let mut items = rows
        .iter_mut()
        .map(user_from_row)
        .collect::<Result<Vec<_>>>()?;
    crate::license_rows::load_licenses(tx, &mut items)?;
    Ok(crate::Page { items, next, count })
}

/// Whether two versions of a user differ in nothing an update can change.
pub(crate) fn same_user(a: &User, b: &User) -> bool {
    a.user_principal_name.as_ref() == b.user_principal_name.as_ref()
        && a.display_name == b.display_name
        && a.mail_nickname.as_ref() == b.mail_nickname.as_ref()
        && a.account_enabled == b.account_enabled
        && a.user_type == b.user_type
        && a.usage_location == b.usage_location
        && a.force_change_password_next_sign_in == b.force_change_password_next_sign_in
        && a.attributes == b.attributes
}

/// The properties that differ between two versions of a user, old and new, as the audit log
/// records an update (a property without a value is null). Compares the values first and writes
/// JSON only for those that changed: bulk updates make this for every row.
pub(crate) fn changed_properties(
    before: &User,
    after: &User,
) -> (serde_json::Value, serde_json::Value) {
    use serde_json::{Map, Value};
    // Graph paths (`parent/leaf` for nested properties) with their old and new values.
    let mut changed: Vec<(&str, Value, Value)> = Vec::new();
    let mut put = |path: &'static str, was: Value, is: Value| changed.push((path, was, is));
    if before.user_principal_name.as_ref() != after.user_principal_name.as_ref() {
        put(
            "userPrincipalName",
            before.user_principal_name.as_ref().into(),
            after.user_principal_name.as_ref().into(),
        );
    }
    if before.display_name != after.display_name {
        put(
            "displayName",
            before.display_name.clone().into(),
            after.display_name.clone().into(),
        );
    }
    if before.mail_nickname.as_ref() != after.mail_nickname.as_ref() {
        put(
            "mailNickname",
            before.mail_nickname.as_ref().into(),
            after.mail_nickname.as_ref().into(),
        );
    }
    if before.account_enabled != after.account_enabled {
        put(
            "accountEnabled",
            before.account_enabled.into(),
            after.account_enabled.into(),
        );
    }
    if before.user_type != after.user_type {
        put(
            "userType",
            before.user_type.as_str().into(),
            after.user_type.as_str().into(),
        );
    }
    if before.usage_location != after.usage_location {
        let code = |l: Option<UsageLocation>| l.map(|l| l.to_string()).into();
        put(
            "usageLocation",
            code(before.usage_location),
            code(after.usage_location),
        );
    }
    let value = |value: &AttrValue| match value {
        AttrValue::TextList(items) if items.is_empty() => Value::Null,
        other => other.to_json(),
    };
    for (def, (was, is)) in USER_ATTRIBUTES.iter().zip(
        before
            .attributes
            .values()
            .iter()
            .zip(after.attributes.values()),
    ) {
        let (was, is) = (value(was), value(is));
        if was != is {
            put(def.graph_path, was, is);
        }
    }
    let (mut old, mut new) = (Map::new(), Map::new());
    for (path, was, is) in changed {
        for (side, json) in [(&mut old, was), (&mut new, is)] {
            match path.split_once('/') {
                Some((parent, leaf)) => {
                    let parent = side
                        .entry(parent)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(parent) = parent {
                        parent.insert(leaf.to_string(), json);
                    }
                }
                None => {
                    side.insert(path.to_string(), json);
                }
            }
        }
    }
    (Value::Object(old), Value::Object(new))
}

/// The user in the recycle bin with this user principal name; an error if there are several
/// (a bulk row must not restore or purge one of them by chance: the id says which).
pub(crate) fn find_deleted_by_upn(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    upn_key: &str,
) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {} FROM users WHERE tenant_id = $1 AND upn_key = $2 AND deleted_at IS NOT NULL LIMIT 2",
        user_columns()
    );
    let mut rows = tx.query(&sql, &params![tenant_id, upn_key.to_lowercase()])?;
    match rows.as_mut_slice() {
        [] => Ok(None),
        [row] => {
            let mut users = [user_from_row(row)?];
            crate::license_rows::load_licenses(tx, &mut users)?;
            let [user] = users;
            Ok(Some(user))
        }
        _ => Err(Error::BadRequest(format!(
            "More than one deleted user has the user principal name {upn_key}: name the one you mean by its object id."
        ))),
    }
}
