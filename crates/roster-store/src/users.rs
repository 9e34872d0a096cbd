//! Users: create, read, update, soft delete, restore, purge; manager and direct reports.

use chrono::Utc;
use roster_core::access::Operation;
use roster_core::access::Role;
use roster_core::directory::{LicenseAssignment, PasswordHash, User};
use roster_core::refusal::Reason;
use roster_core::requests::UserUpdate;
use roster_core::types::ObjectId;

use crate::authority::{Authorized, authorize};
use crate::db::Tx;
use crate::follow_up::{Changed, follow_up};
use crate::user_rows::*;
use crate::{Change, Error, Result, Store, audit, params};

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
                insert_licensed_user(tx, change, user, licenses, password)?;
            }
            Ok(())
        })
    }

    /// Creates a user with its direct licenses and as a member of `groups`, in one transaction
    /// (the admin center's "Add a user"): nothing is created if any part is refused.
    pub fn create_user_in_groups(
        &self,
        change: &Change,
        user: &User,
        licenses: &[LicenseAssignment],
        groups: &[ObjectId],
        password: &PasswordHash,
    ) -> Result<()> {
        let mut operations = vec![Operation::CreateUser];
        if !licenses.is_empty() {
            operations.push(Operation::AssignLicense);
        }
        if !groups.is_empty() {
            operations.push(Operation::ManageGroupMembers);
        }
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &operations, None)?;
            insert_licensed_user(tx, change, user, licenses, password)?;
            for group_id in groups {
                let group = crate::group_rows::require_group(tx, change.tenant_id, *group_id)?;
                crate::groups::add_member(tx, change, &group, user.id)?;
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
                roles: roles_of(tx, tenant_id, user.id, "")?,
                user,
            }))
        })
    }

    /// A live user's row alone (its `licenses` left empty, no roles): what renewing a token
    /// checks of its user.
    pub fn user_row(&self, tenant_id: ObjectId, id: ObjectId) -> Result<Option<User>> {
        self.pool.read(|tx| live_user_row(tx, tenant_id, id))
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
            let Some(user) = live_user_row(tx, tenant_id, id)? else {
                return Ok(None);
            };
            Ok(Some((user, roles_of(tx, tenant_id, id, "")?)))
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
        self.pool.read(|tx| roles_of(tx, tenant_id, principal, ""))
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
            revoke_sign_in_sessions(tx, &change, user)
        })
    }

    /// Moves a user to the recycle bin: it stops signing in, frees its license seats and leaves its
    /// groups, all of which a restore brings back.
    pub fn delete_user(&self, change: &Change, key: &UserKey) -> Result<User> {
        self.pool.write(|tx| {
            let (user, change) = authorize_on(tx, change, &[Operation::DeleteUser], key)?;
            delete_user(tx, &change, user)
        })
    }

    pub fn restore_user(&self, change: &Change, id: ObjectId) -> Result<User> {
        self.pool.write(|tx| {
            let user = require_deleted_user(tx, change.tenant_id, id)?;
            let change = &authorize(tx, change, &[Operation::RestoreUser], Some(id))?;
            restore_user(tx, change, user)
        })
    }

    /// Deletes a user from the recycle bin for good.
    pub fn purge_user(&self, change: &Change, id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            let user = require_deleted_user(tx, change.tenant_id, id)?;
            let change = &authorize(tx, change, &[Operation::PurgeUser], Some(id))?;
            purge(tx, change, &user)
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
                let user = require_deleted_user(tx, tenant_id, row.uuid(0)?.into())?;
                purge(tx, &change, &user)?;
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
            set_manager(tx, &change, user, manager)
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
            crate::license_rows::load_licenses(tx, &mut users)?;
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

pub(crate) fn insert_user(
    tx: &mut dyn Tx,
    change: &Authorized,
    user: &User,
    password: Option<&PasswordHash>,
) -> Result<()> {
    change.require(Operation::CreateUser, None)?;
    check_domain(tx, change.tenant_id, &user.user_principal_name)?;
    crate::user_rows::check_addresses_free(tx, change.tenant_id, user)?;
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

/// Deletes `user`, read from the recycle bin in this transaction, for good.
pub(crate) fn purge(tx: &mut dyn Tx, change: &Authorized, user: &User) -> Result<()> {
    let id = user.id;
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
        Some(audit_json(user)),
        None,
    )
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
    if before.user_principal_name.key() != user.user_principal_name.key()
        || before.attributes.get("mail") != user.attributes.get("mail")
    {
        crate::user_rows::check_addresses_free(tx, change.tenant_id, &user)?;
    }
    if before.attributes.get("proxyAddresses") != user.attributes.get("proxyAddresses") {
        crate::user_rows::check_new_aliases(tx, change.tenant_id, before, &user)?;
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

/// Ends every token and session of `user` (read in this transaction) issued before now.
pub(crate) fn revoke_sign_in_sessions(
    tx: &mut dyn Tx,
    change: &Authorized,
    mut user: User,
) -> Result<User> {
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

/// Moves `user` (read with its licenses in this transaction) to the recycle bin.
pub(crate) fn delete_user(tx: &mut dyn Tx, change: &Authorized, user: User) -> Result<User> {
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

/// Brings `user` (read from the recycle bin in this transaction) back.
pub(crate) fn restore_user(tx: &mut dyn Tx, change: &Authorized, mut user: User) -> Result<User> {
    let id = user.id;
    change.require(Operation::RestoreUser, Some(id))?;
    // Its addresses come back with it: none may have become another live user's meanwhile.
    crate::user_rows::check_addresses_free(tx, change.tenant_id, &user)?;
    let mut without_aliases = user.clone();
    let mut no_aliases = roster_core::requests::UserUpdate::default();
    no_aliases
        .set_email_aliases(&user, [])
        .map_err(Error::Invalid)?;
    no_aliases.apply(&mut without_aliases);
    crate::user_rows::check_new_aliases(tx, change.tenant_id, &without_aliases, &user)?;
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

pub(crate) fn set_manager(
    tx: &mut dyn Tx,
    change: &Authorized,
    user: User,
    manager: Option<ObjectId>,
) -> Result<()> {
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

/// Inserts a new user with its direct licenses (which test it against the dynamic groups; a
/// user without licenses is tested here).
fn insert_licensed_user(
    tx: &mut dyn Tx,
    change: &Authorized,
    user: &User,
    licenses: &[LicenseAssignment],
    password: &PasswordHash,
) -> Result<()> {
    insert_user(tx, change, user, Some(password))?;
    if licenses.is_empty() {
        follow_up(tx, change, Changed::User(user))
    } else {
        crate::licenses::assign_licenses_tx(tx, change, &UserKey::Id(user.id), licenses, &[])
            .map(drop)
    }
}

/// A live user's row alone, without its licenses.
fn live_user_row(tx: &mut dyn Tx, tenant_id: ObjectId, id: ObjectId) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {} FROM users WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        user_columns()
    );
    tx.query_one(&sql, &params![tenant_id, id])?
        .map(|mut row| user_from_row(&mut row))
        .transpose()
}
