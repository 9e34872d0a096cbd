//! What follows a change, in the change's transaction: the one place that knows which derived
//! state depends on what. Group-based licenses follow a user's memberships and usage location,
//! and free seats; dynamic memberships follow a user's properties (its licenses' plans and its
//! manager included); a group whose rule or licenses change is queued for the background
//! processing of all its members. A use case says what it changed ([`Changed`]) and
//! [`follow_up`] does the rest.

use roster_core::directory::{Group, User};
use roster_core::types::{ObjectId, SkuId};

use crate::Result;
use crate::authority::Authorized;
use crate::db::Tx;

/// What a use case changed.
pub(crate) enum Changed<'a> {
    /// A user created, or whose manager changed: its dynamic memberships are tested.
    User(&'a User),
    /// A user's properties changed: as [`Changed::User`], and its group licenses are worked out
    /// again when its usage location changed (they depend on where it uses them).
    UserProperties { before: &'a User, after: &'a User },
    /// A user went to the recycle bin: its seats are freed for members waiting for one.
    UserDeleted(ObjectId),
    /// A user came back from the recycle bin: it takes its seats again and is tested against
    /// the dynamic groups.
    UserRestored(&'a User),
    /// A user's direct licenses changed, freeing `freed`: a direct license may clash with a
    /// group's, a freed seat may go to someone waiting, and rules may read the user's plans.
    UserLicenses { user: &'a User, freed: &'a [SkuId] },
    /// A user joined or left a group that gives licenses.
    Membership(ObjectId),
    /// A group's rule, its processing, or its existence changed: the tenant's dynamic groups
    /// are read again, and the group (if dynamic and still there) works its members out again.
    GroupRule { group: &'a Group, queue: bool },
    /// The licenses a group gives changed: every member's are worked out again.
    GroupLicenses(ObjectId),
    /// Seats were bought (or a subscription enabled): groups with members waiting for one are
    /// processed again.
    SeatsAdded(SkuId),
}

/// Runs what follows `changed`, in `tx`.
pub(crate) fn follow_up(tx: &mut dyn Tx, change: &Authorized, changed: Changed<'_>) -> Result<()> {
    match changed {
        Changed::User(user) => crate::dynamic::user_changed(tx, change, user),
        Changed::UserProperties { before, after } => {
            if before.usage_location != after.usage_location {
                crate::licensing::reconcile_and_fill(tx, change, after.id)?;
            }
            crate::dynamic::user_changed(tx, change, after)
        }
        Changed::UserDeleted(id) => crate::licensing::release_seats(tx, change, id),
        Changed::UserRestored(user) => {
            crate::licensing::retake_seats(tx, change, user.id)?;
            crate::dynamic::user_changed(tx, change, user)
        }
        Changed::UserLicenses { user, freed } => {
            crate::licensing::reconcile_and_fill(tx, change, user.id)?;
            crate::licensing::fill_freed_seats(tx, change, freed)?;
            let user =
                crate::user_rows::require_user(tx, change.tenant_id, &crate::UserKey::Id(user.id))?;
            crate::dynamic::user_changed(tx, change, &user)
        }
        Changed::Membership(user_id) => crate::licensing::reconcile_and_fill(tx, change, user_id),
        Changed::GroupRule { group, queue } => {
            crate::dynamic::groups_changed(tx, change.tenant_id)?;
            if queue && group.is_dynamic() {
                crate::group_rows::queue_group(tx, change, group.id)?;
            }
            Ok(())
        }
        Changed::GroupLicenses(group_id) => {
            crate::dynamic::groups_changed(tx, change.tenant_id)?;
            crate::group_rows::queue_group(tx, change, group_id)
        }
        Changed::SeatsAdded(sku_id) => {
            for row in tx.query(
                "SELECT DISTINCT group_id FROM license_assignments \
                 WHERE tenant_id = $1 AND sku_id = $2 AND state = 'Error' AND group_id IS NOT NULL",
                &crate::params![change.tenant_id, sku_id],
            )? {
                crate::group_rows::queue_group(tx, change, row.uuid(0)?.into())?;
            }
            Ok(())
        }
    }
}
