//! Users: create, read, update, soft delete, restore, purge; manager and direct reports.

use std::sync::OnceLock;

use chrono::Utc;
use roster_core::access::Operation;
use roster_core::access::Role;
use roster_core::attributes::{AttrKind, AttrValue, Attributes, USER_ATTRIBUTES};
use roster_core::directory::{LicenseAssignment, PasswordHash, User, UserType};
use roster_core::requests::UserUpdate;
use roster_core::types::{MailNickname, ObjectId, Reason, UsageLocation, UserPrincipalName};

use crate::authority::{Authorized, authorize};
use crate::db::{Row, SqlValue, Tx};
use crate::follow_up::{Changed, follow_up};
use crate::{Change, Error, Result, Store, audit, params};

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
const FIXED_COLUMNS: &[&str] = &[
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

pub(crate) fn user_columns() -> &'static str {
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
        attributes: Attributes::from_values(attributes),
        licenses: Vec::new(),
        inherited_licenses: Vec::new(),
    })
}

fn attribute_params(attributes: &Attributes) -> Vec<SqlValue> {
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
fn replace_user_values(tx: &mut dyn Tx, tenant_id: ObjectId, user: &User) -> Result<()> {
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
        crate::licenses::licenses_json(&user.licenses),
    );
    serde_json::Value::Object(without_empty(object))
}

/// Leaves out null and empty values, so that an audit record holds what the user has.
fn without_empty(
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

fn unique_error(error: Error) -> Error {
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
    let owned = tx.query_one(
        "SELECT 1 FROM domains WHERE tenant_id = $1 AND name = $2",
        &params![tenant_id, domain.as_ref()],
    )?;
    if owned.is_none() {
        return Err(Error::refused(
            Reason::UnknownDomain(domain.to_string()),
            format!(
                "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization. ({domain} is not a domain of this tenant)"
            ),
        ));
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
    crate::licenses::load_licenses(tx, &mut users)?;
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
        crate::licenses::load_licenses(tx, &mut users)?;
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

fn not_found(key: &UserKey) -> Error {
    let id = match key {
        UserKey::Id(id) => id.to_string(),
        UserKey::Upn(upn) => upn.clone(),
    };
    Error::NotFound { kind: "user", id }
}

/// The live user `key`, and `change` authorized for `operations` on it, both in `tx`.
fn authorize_on<'a>(
    tx: &mut dyn Tx,
    change: &'a Change,
    operations: &[Operation],
    key: &UserKey,
) -> Result<(User, Authorized<'a>)> {
    let user = require_user(tx, change.tenant_id, key)?;
    let authorized = authorize(tx, change, operations, Some(user.id))?;
    Ok((user, authorized))
}

/// Refuses unless `id` is a user in the tenant's recycle bin.
fn require_deleted_user(tx: &mut dyn Tx, tenant_id: ObjectId, id: ObjectId) -> Result<User> {
    find_user(tx, tenant_id, &UserKey::Id(id), true)?.ok_or_else(|| Error::NotFound {
        kind: "deleted item",
        id: id.to_string(),
    })
}

/// The roles `principal` holds in the tenant.
pub(crate) fn roles_of(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    principal: ObjectId,
) -> Result<Vec<Role>> {
    tx.query(
        "SELECT role FROM role_assignments WHERE tenant_id = $1 AND principal_id = $2",
        &params![tenant_id, principal],
    )?
    .iter()
    .map(|row| crate::directory::stored_role(&row.text(0)?))
    .collect::<Result<_>>()
}

impl Store {
    pub fn create_user(
        &self,
        change: &Change,
        user: &User,
        password: Option<&PasswordHash>,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::CreateUser], None)?;
            insert_user(tx, change, user, password)?;
            follow_up(tx, change, Changed::User(user))
        })
    }

    /// Creates users, each with its direct licenses, in one transaction: as many requests
    /// would, only without a commit each (a demo organisation of 100,000 users is seeded in
    /// thousands of transactions, not 200,000).
    pub fn create_licensed_users(
        &self,
        change: &Change,
        users: &[(User, Vec<LicenseAssignment>)],
        password: &PasswordHash,
    ) -> Result<()> {
        let licensed = users.iter().any(|(_, licenses)| !licenses.is_empty());
        let operations: &[Operation] = if licensed {
            &[Operation::CreateUser, Operation::AssignLicense]
        } else {
            &[Operation::CreateUser]
        };
        self.pool.write(|tx| {
            let change = &authorize(tx, change, operations, None)?;
            for (user, licenses) in users {
                insert_user(tx, change, user, Some(password))?;
                // Assigning licenses tests the user against the dynamic groups; else test it here.
                if licenses.is_empty() {
                    follow_up(tx, change, Changed::User(user))?;
                } else {
                    crate::licenses::assign_licenses_tx(
                        tx,
                        change,
                        &UserKey::Id(user.id),
                        licenses,
                        &[],
                    )?;
                }
            }
            Ok(())
        })
    }

    pub fn get_user(&self, tenant_id: ObjectId, key: &UserKey) -> Result<User> {
        self.pool.read(|tx| require_user(tx, tenant_id, key))
    }

    pub fn get_deleted_user(&self, tenant_id: ObjectId, id: ObjectId) -> Result<User> {
        self.pool.read(|tx| {
            find_user(tx, tenant_id, &UserKey::Id(id), true)?.ok_or_else(|| Error::NotFound {
                kind: "deleted item",
                id: id.to_string(),
            })
        })
    }

    /// The user with `upn` in whichever tenant owns it, with its stored password hash and roles,
    /// for sign-in.
    pub fn user_for_sign_in(&self, upn: &str) -> Result<Option<SignInRecord>> {
        self.pool.read(|tx| {
            let sql = format!(
                "SELECT {}, tenant_id, password_hash FROM users WHERE upn_key = $1 AND deleted_at IS NULL",
                user_columns()
            );
            let Some(mut row) = tx.query_one(&sql, &params![upn.to_lowercase()])? else {
                return Ok(None);
            };
            let user = user_from_row(&mut row)?;
            let width = row.0.len();
            let tenant_id = ObjectId::from(row.uuid(width - 2)?);
            Ok(Some(SignInRecord {
                tenant_id,
                password_hash: row.opt_text(width - 1)?,
                roles: roles_of(tx, tenant_id, user.id)?,
                user,
            }))
        })
    }

    /// What authenticating a token needs on every request, in one read: the user's state and
    /// roles (the user's `licenses` are left empty).
    pub fn principal_state(
        &self,
        tenant_id: ObjectId,
        id: ObjectId,
    ) -> Result<Option<(User, Vec<Role>)>> {
        // Every request with a user's token asks this: read the user's row alone (its licenses,
        // which find_user adds, play no part in authentication).
        self.pool.read(|tx| {
            let sql = format!(
                "SELECT {} FROM users WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
                user_columns()
            );
            let Some(mut row) = tx.query_one(&sql, &params![tenant_id, id])? else {
                return Ok(None);
            };
            Ok(Some((
                user_from_row(&mut row)?,
                roles_of(tx, tenant_id, id)?,
            )))
        })
    }

    /// Refuses unless `change`'s principal may now do `operations` to the user `target`, for a
    /// front-end that would otherwise answer "nothing to change" without asking: the change,
    /// if made, is authorized again in its own transaction.
    pub fn authorize(
        &self,
        change: &Change,
        operations: &[Operation],
        target: Option<ObjectId>,
    ) -> Result<()> {
        self.pool
            .read(|tx| crate::authority::check(tx, change, operations, target))
    }

    pub fn roles_of(&self, tenant_id: ObjectId, principal: ObjectId) -> Result<Vec<Role>> {
        self.pool.read(|tx| roles_of(tx, tenant_id, principal))
    }

    pub fn update_user(&self, change: &Change, key: &UserKey, update: &UserUpdate) -> Result<User> {
        self.pool.write(|tx| {
            let (before, change) = authorize_on(tx, change, &update.operations(), key)?;
            update_user_from(tx, &change, &before, update).map(|(user, _)| user)
        })
    }

    /// A user's own change of the password it must change at sign-in: applied only if the stored
    /// password is still the one it signed in with (`expected`, as `SignInRecord` read it), in the
    /// same transaction, so that a reset by an administrator in between is not overwritten.
    /// Returns whether it was applied.
    pub fn change_own_password(
        &self,
        change: &Change,
        user_id: ObjectId,
        expected: &str,
        new: &PasswordHash,
    ) -> Result<bool> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ChangeOwnPassword], Some(user_id))?;
            let sql = format!(
                "SELECT password_hash FROM users WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL{}",
                tx.row_lock()
            );
            let stored = tx
                .query_one(&sql, &params![user_id, change.tenant_id])?
                .map(|row| row.opt_text(0)).transpose()?.flatten();
            if stored.as_deref() != Some(expected) {
                return Ok(false);
            }
            let update = UserUpdate {
                password: Some((new.clone(), false)),
                ..Default::default()
            };
            update_user(tx, change, &UserKey::Id(user_id), &update)?;
            Ok(true)
        })
    }

    /// Invalidates every token issued to the user before now.
    pub fn revoke_sign_in_sessions(&self, change: &Change, key: &UserKey) -> Result<User> {
        self.pool.write(|tx| {
            let (user, change) = authorize_on(tx, change, &[Operation::RevokeSessions], key)?;
            revoke_sign_in_sessions(tx, &change, &UserKey::Id(user.id))
        })
    }

    /// Moves a user to the recycle bin: it stops signing in, frees its license seats and leaves its
    /// groups, all of which a restore brings back.
    pub fn delete_user(&self, change: &Change, key: &UserKey) -> Result<User> {
        self.pool.write(|tx| {
            let (user, change) = authorize_on(tx, change, &[Operation::DeleteUser], key)?;
            delete_user(tx, &change, &UserKey::Id(user.id))
        })
    }

    pub fn restore_user(&self, change: &Change, id: ObjectId) -> Result<User> {
        self.pool.write(|tx| {
            require_deleted_user(tx, change.tenant_id, id)?;
            let change = &authorize(tx, change, &[Operation::RestoreUser], Some(id))?;
            restore_user(tx, change, id)
        })
    }

    /// Deletes a user from the recycle bin for good.
    pub fn purge_user(&self, change: &Change, id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            require_deleted_user(tx, change.tenant_id, id)?;
            let change = &authorize(tx, change, &[Operation::PurgeUser], Some(id))?;
            purge(tx, change, id)
        })
    }

    /// Purges every user deleted more than [`RECYCLE_BIN_DAYS`] ago; returns how many.
    ///
    /// [`RECYCLE_BIN_DAYS`]: roster_core::directory::RECYCLE_BIN_DAYS
    pub fn purge_expired_users(&self, tenant_id: ObjectId) -> Result<usize> {
        let cutoff = Utc::now() - chrono::Duration::days(roster_core::directory::RECYCLE_BIN_DAYS);
        self.pool.write(|tx| {
            let expired = tx.query(
                "SELECT id FROM users WHERE tenant_id = $1 AND deleted_at IS NOT NULL AND deleted_at < $2",
                &params![tenant_id, cutoff],
            )?;
            let change = Change::system(tenant_id);
            let change = Authorized::system(&change);
            for row in &expired {
                purge(tx, &change, row.uuid(0)?.into())?;
            }
            Ok(expired.len())
        })
    }

    pub fn set_manager(
        &self,
        change: &Change,
        key: &UserKey,
        manager: Option<ObjectId>,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let (user, change) = authorize_on(tx, change, &[Operation::UpdateUser], key)?;
            set_manager(tx, &change, &UserKey::Id(user.id), manager)
        })
    }

    pub fn direct_reports(&self, tenant_id: ObjectId, key: &UserKey) -> Result<Vec<User>> {
        self.pool.read(|tx| {
            let user = require_user(tx, tenant_id, key)?;
            let sql = format!(
                "SELECT {} FROM users WHERE tenant_id = $1 AND manager_id = $2 AND deleted_at IS NULL ORDER BY lower(display_name), id",
                user_columns()
            );
            let mut users = tx.query(&sql, &params![tenant_id, user.id])?.iter_mut().map(user_from_row).collect::<Result<Vec<_>>>()?;
            crate::licenses::load_licenses(tx, &mut users)?;
            Ok(users)
        })
    }

    /// A page of live users matching `query`.
    pub fn list_users(
        &self,
        tenant_id: ObjectId,
        query: &crate::ListQuery,
    ) -> Result<crate::Page<User>> {
        self.pool.read(|tx| list_users(tx, tenant_id, query, false))
    }

    /// A page of users in the recycle bin.
    pub fn list_deleted_users(
        &self,
        tenant_id: ObjectId,
        query: &crate::ListQuery,
    ) -> Result<crate::Page<User>> {
        self.pool.read(|tx| list_users(tx, tenant_id, query, true))
    }
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

pub(crate) fn insert_user(
    tx: &mut dyn Tx,
    change: &Authorized,
    user: &User,
    password: Option<&PasswordHash>,
) -> Result<()> {
    change.require(Operation::CreateUser, None)?;
    check_domain(tx, change.tenant_id, &user.user_principal_name)?;
    insert_user_row(tx, change, user, password)
}

/// Inserts a user whose domain the caller has checked, with its list values and audit record.
pub(crate) fn insert_user_row(
    tx: &mut dyn Tx,
    change: &Authorized,
    user: &User,
    password: Option<&PasswordHash>,
) -> Result<()> {
    insert_prepared_user(
        tx,
        change,
        &prepare_user(change.tenant_id, user.clone(), password),
    )
}

/// A new user's row, list values and audit record, made ready outside any transaction: the pure
/// part of creating a user, which a bulk job does on another core while its previous batch writes.
#[derive(Debug, Clone)]
pub struct PreparedUser {
    pub user: User,
    tenant_id: ObjectId,
    row: Vec<SqlValue>,
    values: Vec<[SqlValue; 4]>,
    audit_after: String,
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

fn insert_user_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let count = FIXED_COLUMNS.len() + USER_ATTRIBUTES.len() + 4;
        let placeholders: Vec<String> = (1..=count).map(|i| format!("${i}")).collect();
        format!(
            "INSERT INTO users ({}, tenant_id, upn_key, password_hash, active_licenses) VALUES ({})",
            user_columns(),
            placeholders.join(", ")
        )
    })
}

pub(crate) fn insert_prepared_user(
    tx: &mut dyn Tx,
    change: &Authorized,
    prepared: &PreparedUser,
) -> Result<()> {
    debug_assert_eq!(prepared.tenant_id, change.tenant_id);
    change.require(Operation::CreateUser, None)?;
    let user = &prepared.user;
    tx.insert_later(insert_user_sql(), &prepared.row)
        .map_err(unique_error)?;
    for values in &prepared.values {
        tx.insert_later(
            "INSERT INTO user_values (user_id, tenant_id, attribute, value_key) VALUES ($1, $2, $3, $4)",
            values,
        )?;
    }
    crate::audit_text(
        tx,
        change,
        "Add user",
        Some((user.id, user.user_principal_name.as_ref())),
        None,
        Some(prepared.audit_after.clone()),
    )
}

/// Writes the columns of an existing user that differ between `before` and `user` (an index is
/// touched only when its column changes), and a new password if there is one.
fn write_user(
    tx: &mut dyn Tx,
    change: &Authorized,
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

pub(crate) fn purge(tx: &mut dyn Tx, change: &Authorized, id: ObjectId) -> Result<()> {
    let user = require_deleted_user(tx, change.tenant_id, id)?;
    change.require(Operation::PurgeUser, Some(id))?;
    tx.execute(
        "DELETE FROM group_members WHERE member_id = $1",
        &params![id],
    )?;
    tx.execute("DELETE FROM group_owners WHERE owner_id = $1", &params![id])?;
    tx.execute(
        "DELETE FROM role_assignments WHERE principal_id = $1",
        &params![id],
    )?;
    tx.execute(
        "UPDATE users SET manager_id = NULL WHERE manager_id = $1",
        &params![id],
    )?;
    tx.execute("DELETE FROM users WHERE id = $1", &params![id])?;
    audit(
        tx,
        change,
        "Hard delete user",
        Some((id, user.user_principal_name.as_ref())),
        Some(audit_json(&user)),
        None,
    )
}

fn list_users(
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
        &crate::query::UserSchema,
        user_columns(),
        scope,
        params![tenant_id].to_vec(),
        query,
    )?;
    let mut items = rows
        .iter_mut()
        .map(user_from_row)
        .collect::<Result<Vec<_>>>()?;
    crate::licenses::load_licenses(tx, &mut items)?;
    Ok(crate::Page { items, next, count })
}

/// Applies `update` to the live user `key`; says whether anything changed (nothing is written
/// when nothing would change, so that a re-run leaves no trace).
pub(crate) fn update_user(
    tx: &mut dyn Tx,
    change: &Authorized,
    key: &UserKey,
    update: &UserUpdate,
) -> Result<(User, Option<serde_json::Value>)> {
    let before = require_user(tx, change.tenant_id, key)?;
    update_user_from(tx, change, &before, update)
}

/// [`update_user`] of a user the caller has just read in the same transaction; with what it
/// changed (`{"before": ..., "after": ...}`, as its audit record says), or `None` when nothing.
pub(crate) fn update_user_from(
    tx: &mut dyn Tx,
    change: &Authorized,
    before: &User,
    update: &UserUpdate,
) -> Result<(User, Option<serde_json::Value>)> {
    let password_by_self = update.password.is_some()
        && change
            .require(Operation::ChangeOwnPassword, Some(before.id))
            .is_ok();
    for operation in update.operations() {
        if !(operation == Operation::ResetPassword && password_by_self) {
            change.require(operation, Some(before.id))?;
        }
    }
    if before.is_synced() && update.touches_synced_attributes() {
        return Err(Error::BadRequest(format!(
            "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration: {} is synchronised from the on-premises directory ({}), which is its source of authority; only usageLocation and licenses are managed in roster.",
            before.user_principal_name,
            before
                .attributes
                .text("onPremisesDistinguishedName")
                .unwrap_or("unknown DN")
        )));
    }
    let mut user = before.clone();
    update.apply(&mut user);
    if update.password.is_none() && same_user(before, &user) {
        return Ok((user, None));
    }
    if before.account_enabled && !user.account_enabled {
        refuse_own_account(change, user.id, "block")?;
        keep_a_global_administrator(tx, change.tenant_id, user.id)?;
    }
    // A new password, a block and an unblock each end every session and token issued before
    // (Entra's signInSessionsValidFromDateTime): an unblocked account's old tokens stay dead.
    // Stamped when written, not when the change was asked for (a bulk job's rows share the
    // time its batch began): a token issued in between must not outlive the change.
    if update.password.is_some() || before.account_enabled != user.account_enabled {
        user.sign_in_sessions_valid_from = Utc::now().max(change.at);
    }
    if update.user_principal_name.is_some() {
        check_domain(tx, change.tenant_id, &user.user_principal_name)?;
    }
    write_user(
        tx,
        change,
        before,
        &user,
        update.password.as_ref().map(|(hash, _)| hash),
    )?;
    follow_up(
        tx,
        change,
        Changed::UserProperties {
            before,
            after: &user,
        },
    )?;
    let (old, new) = changed_properties(before, &user);
    let operation = if update.password.is_some() {
        "Reset user password"
    } else {
        "Update user"
    };
    audit(
        tx,
        change,
        operation,
        Some((user.id, user.user_principal_name.as_ref())),
        Some(old.clone()),
        Some(new.clone()),
    )?;
    Ok((
        user,
        Some(serde_json::json!({ "before": old, "after": new })),
    ))
}

/// Whether two versions of a user differ in nothing an update can change.
fn same_user(a: &User, b: &User) -> bool {
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

pub(crate) fn revoke_sign_in_sessions(
    tx: &mut dyn Tx,
    change: &Authorized,
    key: &UserKey,
) -> Result<User> {
    let mut user = require_user(tx, change.tenant_id, key)?;
    change.require(Operation::RevokeSessions, Some(user.id))?;
    user.sign_in_sessions_valid_from = Utc::now().max(change.at);
    tx.execute(
        "UPDATE users SET sessions_valid_from = $2 WHERE id = $1",
        &params![user.id, user.sign_in_sessions_valid_from],
    )?;
    audit(
        tx,
        change,
        "Revoke sign-in sessions",
        Some((user.id, user.user_principal_name.as_ref())),
        None,
        None,
    )?;
    Ok(user)
}

pub(crate) fn delete_user(tx: &mut dyn Tx, change: &Authorized, key: &UserKey) -> Result<User> {
    let user = require_user(tx, change.tenant_id, key)?;
    change.require(Operation::DeleteUser, Some(user.id))?;
    refuse_own_account(change, user.id, "delete")?;
    keep_a_global_administrator(tx, change.tenant_id, user.id)?;
    tx.execute(
        "UPDATE users SET deleted_at = $2, row_version = row_version + 1 WHERE id = $1",
        &params![user.id, change.at],
    )?;
    follow_up(tx, change, Changed::UserDeleted(user.id))?;
    audit(
        tx,
        change,
        "Delete user",
        Some((user.id, user.user_principal_name.as_ref())),
        Some(audit_json(&user)),
        None,
    )?;
    Ok(user)
}

/// Refuses to block or delete the account making the change, whichever front-end asks.
fn refuse_own_account(change: &Authorized, user_id: ObjectId, what: &str) -> Result<()> {
    if change.actor_id == Some(user_id) {
        return Err(Error::refused(
            Reason::OwnAccount,
            format!("You cannot {what} your own account."),
        ));
    }
    Ok(())
}

/// Refuses a change that would leave the tenant without a Global Administrator who can sign in:
/// blocking, deleting or demoting `user_id` when it is the last live, enabled holder of the
/// role. The holders' rows are locked, so that two such changes at once cannot each count the
/// other as the one that remains.
pub(crate) fn keep_a_global_administrator(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    user_id: ObjectId,
) -> Result<()> {
    // Most changes are to someone who is not one: they lock nothing.
    let holds = tx.query_one(
        "SELECT 1 FROM role_assignments WHERE tenant_id = $1 AND principal_id = $2 AND role = $3",
        &params![tenant_id, user_id, Role::GlobalAdministrator.display_name()],
    )?;
    if holds.is_none() {
        return Ok(());
    }
    let sql = format!(
        "SELECT u.id FROM role_assignments r JOIN users u ON u.id = r.principal_id \
         WHERE r.tenant_id = $1 AND r.role = $2 AND u.deleted_at IS NULL AND u.account_enabled = $3{}",
        tx.row_lock()
    );
    let holders = tx.query(
        &sql,
        &params![tenant_id, Role::GlobalAdministrator.display_name(), true],
    )?;
    let mut is_holder = false;
    for row in &holders {
        is_holder |= ObjectId::from(row.uuid(0)?) == user_id;
    }
    if is_holder && holders.len() == 1 {
        return Err(Error::refused(
            Reason::LastGlobalAdministrator,
            "This is the tenant's last Global Administrator who can sign in: make someone else a Global Administrator first.",
        ));
    }
    Ok(())
}

pub(crate) fn restore_user(tx: &mut dyn Tx, change: &Authorized, id: ObjectId) -> Result<User> {
    let mut user = require_deleted_user(tx, change.tenant_id, id)?;
    change.require(Operation::RestoreUser, Some(id))?;
    // What was issued before the deletion stays ended once the user is back.
    user.sign_in_sessions_valid_from = Utc::now().max(change.at);
    tx.execute(
        "UPDATE users SET deleted_at = NULL, sessions_valid_from = $2 WHERE id = $1",
        &params![id, user.sign_in_sessions_valid_from],
    )
    .map_err(unique_error)?;
    user.deleted = None;
    follow_up(tx, change, Changed::UserRestored(&user))?;
    audit(
        tx,
        change,
        "Restore user",
        Some((id, user.user_principal_name.as_ref())),
        None,
        Some(audit_json(&user)),
    )?;
    Ok(user)
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
            crate::licenses::load_licenses(tx, &mut users)?;
            let [user] = users;
            Ok(Some(user))
        }
        _ => Err(Error::BadRequest(format!(
            "More than one deleted user has the user principal name {upn_key}: name the one you mean by its object id."
        ))),
    }
}

pub(crate) fn set_manager(
    tx: &mut dyn Tx,
    change: &Authorized,
    key: &UserKey,
    manager: Option<ObjectId>,
) -> Result<()> {
    let user = require_user(tx, change.tenant_id, key)?;
    change.require(Operation::UpdateUser, Some(user.id))?;
    if let Some(manager_id) = manager {
        if manager_id == user.id {
            return Err(Error::refused(
                Reason::OwnManager,
                "A user cannot be their own manager.",
            ));
        }
        require_user(tx, change.tenant_id, &UserKey::Id(manager_id))?;
        // Walk up from the new manager: a cycle would make the user its own manager.
        let mut cursor = Some(manager_id);
        let mut steps = 0;
        while let Some(current) = cursor {
            if current == user.id || steps > 10_000 {
                return Err(Error::refused(
                    Reason::ManagerLoop,
                    "The manager chain would contain a loop.",
                ));
            }
            cursor = tx
                .query_one(
                    "SELECT manager_id FROM users WHERE id = $1",
                    &params![current],
                )?
                .map(|row| row.opt_uuid(0))
                .transpose()?
                .flatten()
                .map(ObjectId::from);
            steps += 1;
        }
    } else if user.manager_id.is_none() {
        return Err(Error::NotFound {
            kind: "manager of user",
            id: user.id.to_string(),
        });
    }
    tx.execute(
        "UPDATE users SET manager_id = $2 WHERE id = $1",
        &params![user.id, manager],
    )?;
    audit(
        tx,
        change,
        if manager.is_some() {
            "Set manager"
        } else {
            "Remove manager"
        },
        Some((user.id, user.user_principal_name.as_ref())),
        Some(serde_json::json!({ "manager": user.manager_id })),
        Some(serde_json::json!({ "manager": manager })),
    )?;
    // "Direct Reports for" rules follow the manager.
    let mut managed = user;
    managed.manager_id = manager;
    follow_up(tx, change, Changed::User(&managed))
}
