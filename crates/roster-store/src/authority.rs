//! The gate of every change: who asks is authorized inside the transaction of the change.
//!
//! A front-end hands the store a [`Change`] (who asks, from where, when); every mutating
//! method of the store turns it into an [`Authorized`] inside its write transaction, by
//! [`authorize`]: the principal's roles (or an app's permissions) and the target user's roles
//! are read there, under a share lock on PostgreSQL, and judged by
//! [`Principal::authorize`], the one place where authorization is decided. The store's writes
//! (and its audit records) take an `Authorized`, which nothing else makes: a write that skipped
//! the gate does not compile, and a role removed after a front-end looked is honoured.

use std::collections::HashMap;

use roster_core::access::{Forbidden, Grant, Operation, Principal, Role};
use roster_core::types::ObjectId;

use crate::db::Tx;
use crate::{Change, Error, Result, params};

/// A change whose principal was allowed its operations in the transaction it is made in.
#[derive(Debug)]
pub struct Authorized<'a> {
    change: &'a Change,
    principal: Principal,
    /// Each operation granted, with the user it was granted on (for those that depend on one).
    grants: Vec<(Grant, Option<ObjectId>)>,
}

impl std::ops::Deref for Authorized<'_> {
    type Target = Change;

    fn deref(&self) -> &Change {
        self.change
    }
}

impl<'a> Authorized<'a> {
    /// Refuses unless `operation` was granted (on `target`, for an operation that depends on
    /// the user it touches): what each of the store's primary writes asks first, so that a
    /// grant for one thing cannot be spent on another.
    pub(crate) fn require(&self, operation: Operation, target: Option<ObjectId>) -> Result<()> {
        let granted = matches!(self.principal, Principal::System)
            || self.grants.iter().any(|(grant, on)| {
                grant.operation() == operation && (!operation.targets_user() || *on == target)
            });
        if granted {
            Ok(())
        } else {
            Err(Error::Forbidden(Forbidden::Operation))
        }
    }

    /// Allows each of `operations` on `target`, reading the target's roles (once) in `tx` if
    /// one of them depends on them.
    fn allow(
        &mut self,
        tx: &mut dyn Tx,
        operations: &[Operation],
        target: Option<ObjectId>,
        lock: Lock,
    ) -> Result<()> {
        let roles = match target {
            Some(id) if operations.iter().any(Operation::targets_user) => {
                roles(tx, self.change.tenant_id, id, lock)?
            }
            _ => Vec::new(),
        };
        self.grant(operations, target, &roles)
    }

    /// The grants for `operations` on `target`, whose roles (when an operation depends on them)
    /// are `roles`, read in this change's transaction.
    fn grant(
        &mut self,
        operations: &[Operation],
        target: Option<ObjectId>,
        roles: &[Role],
    ) -> Result<()> {
        for operation in operations {
            let grant = match target {
                Some(id) if self.principal.is_user(id) => {
                    self.principal.authorize_self(*operation, id)
                }
                _ => self.principal.authorize(*operation, roles),
            }
            .map_err(Error::Forbidden)?;
            self.grants.push((grant, target));
        }
        Ok(())
    }

    /// roster's own change (one without an actor: upkeep, the processing of groups), which
    /// runs outside any request and over several transactions.
    pub(crate) fn system(change: &'a Change) -> Self {
        assert!(change.is_system(), "only Change::system is roster's own");
        Authorized {
            change,
            principal: Principal::System,
            grants: Vec::new(),
        }
    }
}

/// Authorizes `change`'s principal for each of `operations` on `target` (a user, for the
/// operations that depend on its roles), reading both inside `tx`.
pub(crate) fn authorize<'a>(
    tx: &mut dyn Tx,
    change: &'a Change,
    operations: &[Operation],
    target: Option<ObjectId>,
) -> Result<Authorized<'a>> {
    let principal = principal(tx, change)?;
    gate(tx, change, principal, operations, target, Lock::Share)
}

/// Whether `change`'s principal may do `operations` on `target` now: for a front-end that
/// would otherwise answer "nothing to change" to someone not allowed to change it. Read
/// without locks; the change itself, if made, is authorized again in its transaction.
pub(crate) fn check(
    tx: &mut dyn Tx,
    change: &Change,
    operations: &[Operation],
    target: Option<ObjectId>,
) -> Result<()> {
    let principal = read_principal(tx, change, Lock::No)?;
    gate(tx, change, principal, operations, target, Lock::No).map(drop)
}

/// [`authorize`] with a principal already read in this transaction (a bulk job's batch reads
/// its submitter once).
pub(crate) fn authorize_as<'a>(
    tx: &mut dyn Tx,
    change: &'a Change,
    principal: &Principal,
    operations: &[Operation],
    target: Option<ObjectId>,
) -> Result<Authorized<'a>> {
    gate(
        tx,
        change,
        principal.clone(),
        operations,
        target,
        Lock::Share,
    )
}

/// Every role of the tenant's principals, read once for a bulk batch in its transaction (on
/// PostgreSQL share-locked until it ends, as [`roles`] locks one principal's): the batch's rows
/// are authorized against their targets' roles from here, one read a batch instead of one a row.
#[derive(Default)]
pub(crate) struct TenantRoles(HashMap<ObjectId, Vec<Role>>);

pub(crate) fn tenant_roles(tx: &mut dyn Tx, tenant_id: ObjectId) -> Result<TenantRoles> {
    let sql = format!(
        "SELECT principal_id, role FROM role_assignments WHERE tenant_id = $1{}",
        tx.share_lock()
    );
    let mut roles: HashMap<ObjectId, Vec<Role>> = HashMap::new();
    for row in tx.query(&sql, &params![tenant_id])? {
        roles
            .entry(row.uuid(0)?.into())
            .or_default()
            .push(row.parsed(1, Role::parse, "role")?);
    }
    Ok(TenantRoles(roles))
}

/// [`authorize_as`] for a row of a bulk batch: its target's roles from the batch's
/// [`TenantRoles`], read in the same transaction.
pub(crate) fn authorize_in_batch<'a>(
    change: &'a Change,
    principal: &Principal,
    operations: &[Operation],
    target: Option<ObjectId>,
    roles: &TenantRoles,
) -> Result<Authorized<'a>> {
    let mut authorized = Authorized {
        change,
        principal: principal.clone(),
        grants: Vec::with_capacity(operations.len()),
    };
    let target_roles = match target {
        Some(id) if operations.iter().any(Operation::targets_user) => {
            roles.0.get(&id).map_or(&[][..], Vec::as_slice)
        }
        _ => &[],
    };
    authorized.grant(operations, target, target_roles)?;
    Ok(authorized)
}

/// `principal`, making `change`, allowed each of `operations` on `target`, or refused.
fn gate<'a>(
    tx: &mut dyn Tx,
    change: &'a Change,
    principal: Principal,
    operations: &[Operation],
    target: Option<ObjectId>,
    lock: Lock,
) -> Result<Authorized<'a>> {
    let mut authorized = Authorized {
        change,
        principal,
        grants: Vec::with_capacity(operations.len()),
    };
    authorized.allow(tx, operations, target, lock)?;
    Ok(authorized)
}

/// Who makes `change`, as the directory says now: roster itself, a live and enabled user of
/// the tenant with its roles, or an app of the tenant with its permissions. Anyone else (a
/// user deleted or blocked since) is refused.
pub(crate) fn principal(tx: &mut dyn Tx, change: &Change) -> Result<Principal> {
    read_principal(tx, change, Lock::Share)
}

fn read_principal(tx: &mut dyn Tx, change: &Change, lock: Lock) -> Result<Principal> {
    let Some(id) = change.actor_id else {
        return if change.is_system() {
            Ok(Principal::System)
        } else {
            Err(Error::Forbidden(Forbidden::Operation))
        };
    };
    // Share-locked with its roles: blocking or deleting the actor waits for its change in
    // flight, or the change sees it blocked.
    let sql = format!(
        "SELECT display_name FROM users WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND account_enabled = $3{}",
        lock.clause(tx)
    );
    let user = tx.query_one(&sql, &params![change.tenant_id, id, true])?;
    if let Some(row) = user {
        return Ok(Principal::User {
            id,
            name: row.text(0)?,
            roles: roles(tx, change.tenant_id, id, lock)?,
            scopes: change.scopes.clone(),
        });
    }
    let app = tx.query_one(
        "SELECT display_name, permissions FROM apps WHERE tenant_id = $1 AND client_id = $2",
        &params![change.tenant_id, id],
    )?;
    match app {
        Some(row) => Ok(Principal::App {
            client_id: id,
            name: row.text(0)?,
            permissions: row.json(1)?,
        }),
        None => Err(Error::Forbidden(Forbidden::Operation)),
    }
}

/// [`principal`], or, for a principal refused (deleted or blocked since), one allowed nothing:
/// a bulk job's rows then each fail for want of permission.
pub(crate) fn principal_or_nobody(tx: &mut dyn Tx, change: &Change) -> Result<Principal> {
    match principal(tx, change) {
        // An app without permissions: allowed nothing, not even what a user may do to itself.
        Err(Error::Forbidden(_)) => Ok(Principal::App {
            client_id: change.actor_id.unwrap_or_default(),
            name: change.actor_name.clone(),
            permissions: Vec::new(),
        }),
        other => other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lock {
    /// In a change's transaction: see [`roles`].
    Share,
    /// In a read-only transaction, which cannot lock.
    No,
}

impl Lock {
    fn clause(self, tx: &dyn Tx) -> &'static str {
        match self {
            Lock::Share => tx.share_lock(),
            Lock::No => "",
        }
    }
}

/// A principal's roles; in a change's transaction their rows share-locked on PostgreSQL until
/// it ends, so that a role removed at the same moment waits for the change it allowed (or the
/// change sees it gone).
fn roles(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    principal: ObjectId,
    lock: Lock,
) -> Result<Vec<Role>> {
    let clause = lock.clause(tx);
    crate::user_rows::roles_of(tx, tenant_id, principal, clause)
}
