//! What a user holds, worked out: seats, and the licenses users hold through their groups.
//! Derived state, under the use cases (`licenses`, `users`, `groups`, `jobs`) and the follow-up
//! of a change: it never authorizes (the change it follows was), and audits what it changes in
//! a user's licenses under that change.
//!
//! Invariant: a subscription's `consumed_units` equals the number of live users holding its
//! SKU in at least one Active assignment (direct, or from a group whose assignment took). Every
//! change of a holding moves the counter in the same transaction, and taking a seat is
//! `UPDATE ... SET consumed_units = consumed_units + 1 WHERE consumed_units < enabled_units`:
//! on SQLite the single writer serialises it, on PostgreSQL the row lock does (READ COMMITTED
//! re-evaluates the condition after the wait), so two requests racing for the last seat
//! cannot both win.
//!
//! One mechanism keeps a user's group-based licenses right: [`reconcile_user`], which works out
//! from the user's groups what it should hold, takes and frees seats for the difference and
//! rewrites the user's group assignments. Everything that can change the outcome (a membership,
//! a group's licenses, the user's usage location, a seat freed) calls it for the users
//! concerned, in the same transaction or, for a whole group, from the background worker.

use roster_core::catalog::Catalog;
use std::collections::{BTreeSet, HashMap, HashSet};

use roster_core::directory::{InheritedLicense, LicenseAssignment, LicenseState, Subscription};
use roster_core::licensing::{GroupLicenses, plan_licenses};
use roster_core::types::{ObjectId, SkuId};

use crate::authority::Authorized;
use crate::db::{SqlValue, Tx};
use crate::license_rows::*;
use crate::{Error, Result, audit, params};

/// Takes one seat of `sku_id`, or fails with [`Error::OutOfSeats`] and changes nothing.
pub(crate) fn take_seat(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    subscription: &Subscription,
) -> Result<()> {
    let taken = tx.execute(
        "UPDATE subscriptions SET consumed_units = consumed_units + 1 \
         WHERE tenant_id = $1 AND sku_id = $2 AND consumed_units < enabled_units",
        &params![tenant_id, subscription.sku_id],
    )?;
    if taken == 0 {
        return Err(Error::OutOfSeats {
            sku_part_number: subscription.sku_part_number.clone(),
        });
    }
    Ok(())
}

pub(crate) fn free_seat(tx: &mut dyn Tx, tenant_id: ObjectId, sku_id: SkuId) -> Result<()> {
    tx.execute(
        "UPDATE subscriptions SET consumed_units = consumed_units - 1 WHERE tenant_id = $1 AND sku_id = $2",
        &params![tenant_id, sku_id],
    )?;
    Ok(())
}

/// The SKUs whose seats a user's assignments hold: those it holds in an Active row.
pub(crate) fn skus_held(tx: &mut dyn Tx, user_id: ObjectId) -> Result<Vec<SkuId>> {
    tx.query(
        "SELECT DISTINCT sku_id FROM license_assignments WHERE user_id = $1 AND state = 'Active'",
        &params![user_id],
    )?
    .iter()
    .map(|row| Ok(SkuId::from(row.uuid(0)?)))
    .collect::<Result<_>>()
}

/// Frees the seats of a user that goes to the recycle bin (its assignments stay for a restore),
/// and gives them to members of licensed groups waiting for one.
pub(crate) fn release_seats(tx: &mut dyn Tx, change: &Authorized, user_id: ObjectId) -> Result<()> {
    let skus = skus_held(tx, user_id)?;
    for sku_id in &skus {
        free_seat(tx, change.tenant_id, *sku_id)?;
    }
    fill_freed_seats(tx, change, &skus)
}

/// Takes the seats back for a restored user: its direct licenses must all get theirs (else the
/// restore fails); its groups' licenses take theirs where seats remain, as for any member.
pub(crate) fn retake_seats(tx: &mut dyn Tx, change: &Authorized, user_id: ObjectId) -> Result<()> {
    reconcile_user(tx, change, user_id, false).map(drop)
}

/// Takes one seat of `sku_id` if one is free; says whether it did.
fn try_take_seat(tx: &mut dyn Tx, tenant_id: ObjectId, sku_id: SkuId) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE subscriptions SET consumed_units = consumed_units + 1 \
         WHERE tenant_id = $1 AND sku_id = $2 AND consumed_units < enabled_units AND capability_status = 'Enabled'",
        &params![tenant_id, sku_id],
    )? > 0)
}

/// The seats free now of each of `skus` (none for a subscription that is not enabled, or that
/// the tenant does not have), their subscriptions' rows locked on PostgreSQL, in one order, until
/// the transaction ends.
fn free_seats(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    skus: &BTreeSet<SkuId>,
) -> Result<HashMap<SkuId, i64>> {
    let mut free: HashMap<SkuId, i64> = skus.iter().map(|sku| (*sku, 0)).collect();
    if skus.is_empty() {
        return Ok(free);
    }
    let sql = format!(
        "SELECT sku_id, enabled_units - consumed_units, capability_status FROM subscriptions \
         WHERE tenant_id = $1 AND sku_id IN ({}) ORDER BY sku_id{}",
        crate::db::placeholders(2, skus.len()),
        tx.row_lock()
    );
    let mut values = params![tenant_id].to_vec();
    values.extend(skus.iter().map(|sku| SqlValue::from(*sku)));
    for row in tx.query(&sql, &values)? {
        if row.text(2)? == "Enabled" {
            free.insert(SkuId::from(row.uuid(0)?), row.int(1)?.max(0));
        }
    }
    Ok(free)
}

/// Brings a user's group-based licenses into line with the licenses of the groups it is a
/// direct member of, and the seats into line with what it holds; says which SKUs' seats it
/// freed (for [`fill_freed_seats`]). `seats_held`: whether the user's Active rows are counted in
/// the subscriptions now (false for a user being restored, whose seats were released).
///
/// A group's licenses take all together or not at all for a user (Entra's rule): each group in
/// turn is checked against what the user holds so far (usage location, or the tenant's default;
/// the plan rules; a free seat for each SKU the user does not hold yet), and its rows are
/// written Active, or Error with the reason. Groups whose licenses took before are checked first,
/// so that a newer group never takes their place. Direct licenses always hold their seats: a
/// direct SKU without one fails the whole change with [`Error::OutOfSeats`].
pub(crate) fn reconcile_user(
    tx: &mut dyn Tx,
    change: &Authorized,
    user_id: ObjectId,
    seats_held: bool,
) -> Result<Vec<SkuId>> {
    let tenant_id = change.tenant_id;
    let lock = tx.row_lock();
    let Some(row) = tx.query_one(
        &format!(
            "SELECT deleted_at, usage_location, user_principal_name FROM users WHERE id = $1 AND tenant_id = $2{lock}"
        ),
        &params![user_id, tenant_id],
    )?
    else {
        return Ok(Vec::new());
    };
    if row.opt_timestamp(0)?.is_some() {
        // In the recycle bin: it holds no seat, and its rows wait for a restore.
        return Ok(Vec::new());
    }
    let upn = row.text(2)?;
    let location = match row.opt_text(1)? {
        Some(location) => Some(location),
        None => tx
            .query_one(
                "SELECT default_usage_location FROM tenants WHERE id = $1",
                &params![tenant_id],
            )?
            .map(|row| row.opt_text(0))
            .transpose()?
            .flatten(),
    };
    let mut direct = Vec::new();
    let mut inherited = Vec::new();
    for row in tx.query(
        &format!("SELECT {HELD_COLUMNS} FROM license_assignments WHERE user_id = $1"),
        &params![user_id],
    )? {
        match held_from_row(&row, 0)? {
            Held::Direct(assignment) => direct.push(assignment),
            Held::Inherited(license) => inherited.push(license),
        }
    }
    let held_before: HashSet<SkuId> = if seats_held {
        direct
            .iter()
            .map(|a| a.sku_id)
            .chain(
                inherited
                    .iter()
                    .filter(|l| l.state == LicenseState::Active)
                    .map(|l| l.sku_id),
            )
            .collect()
    } else {
        HashSet::new()
    };

    let mut groups = licenses_of_groups_of(tx, user_id)?;
    let took_before = |group_id: &ObjectId| {
        inherited
            .iter()
            .any(|l| l.group_id == *group_id && l.state == LicenseState::Active)
    };
    groups.sort_by_key(|(group_id, _)| (!took_before(group_id), *group_id));
    let groups: Vec<GroupLicenses> = groups
        .into_iter()
        .map(|(group_id, licenses)| GroupLicenses { group_id, licenses })
        .collect();
    // The seats free of each SKU the user may take, their rows locked until the change commits.
    let wanted: BTreeSet<SkuId> = direct
        .iter()
        .chain(groups.iter().flat_map(|group| &group.licenses))
        .map(|license| license.sku_id)
        .filter(|sku_id| !held_before.contains(sku_id))
        .collect();
    let free_seats = free_seats(tx, tenant_id, &wanted)?;
    let plan = match plan_licenses(
        Catalog::builtin(),
        location.as_deref(),
        &direct,
        &groups,
        &held_before,
        &free_seats,
    ) {
        Ok(plan) => plan,
        Err(sku_id) => {
            let sku_part_number = find_subscription(tx, tenant_id, sku_id)?
                .map_or_else(|| sku_id.to_string(), |s| s.sku_part_number);
            return Err(Error::OutOfSeats { sku_part_number });
        }
    };
    for sku_id in &plan.take {
        if !try_take_seat(tx, tenant_id, *sku_id)? {
            // The subscription's row is locked since its seats were counted: only a bug gets here.
            return Err(Error::Database(format!(
                "the seats of {sku_id} changed while locked"
            )));
        }
    }
    // A SKU the user held before but no longer holds gives its seat back.
    for sku_id in &plan.free {
        free_seat(tx, tenant_id, *sku_id)?;
    }
    let (desired, freed) = (plan.inherited, plan.free);

    let mut changed = false;
    for license in &inherited {
        if !desired
            .iter()
            .any(|d| d.group_id == license.group_id && d.sku_id == license.sku_id)
        {
            tx.execute(
                "DELETE FROM license_assignments WHERE user_id = $1 AND sku_id = $2 AND group_id = $3",
                &params![user_id, license.sku_id, license.group_id],
            )?;
            changed = true;
        }
    }
    for license in &desired {
        match inherited
            .iter()
            .find(|l| l.group_id == license.group_id && l.sku_id == license.sku_id)
        {
            Some(existing) if existing == license => {}
            Some(_) => {
                tx.execute(
                    "UPDATE license_assignments SET disabled_plans = $4, state = $5, error = $6 \
                     WHERE user_id = $1 AND sku_id = $2 AND group_id = $3",
                    &params![
                        user_id,
                        license.sku_id,
                        license.group_id,
                        plans_json(&license.disabled_plans),
                        license.state.as_str(),
                        license.error.as_str()
                    ],
                )?;
                changed = true;
            }
            None => {
                tx.execute(
                    "INSERT INTO license_assignments (user_id, sku_id, tenant_id, group_id, disabled_plans, state, error, assigned_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &params![
                        user_id,
                        license.sku_id,
                        tenant_id,
                        license.group_id,
                        plans_json(&license.disabled_plans),
                        license.state.as_str(),
                        license.error.as_str(),
                        change.at
                    ],
                )?;
                changed = true;
            }
        }
    }
    if changed {
        let active = |licenses: &[InheritedLicense]| {
            licenses
                .iter()
                .filter(|l| l.state == LicenseState::Active)
                .count() as i64
        };
        count_active(tx, user_id, active(&desired) - active(&inherited))?;
        audit(
            tx,
            change,
            "Change user license",
            Some((user_id, &upn)),
            Some(inherited_json(&inherited)),
            Some(inherited_json(&desired)),
        )?;
    }
    Ok(freed)
}

/// Keeps `users.active_licenses`, how many of the user's license assignments took, in step with
/// a change of `delta` such assignments: every write of `license_assignments` goes through here
/// (a bulk import writes its new users with theirs), so that the users without licenses are a
/// range of the `users_unlicensed` index. The API tests check the count against the
/// assignments after a random sequence of changes (`invariants.rs`).
pub(crate) fn count_active(tx: &mut dyn Tx, user_id: ObjectId, delta: i64) -> Result<()> {
    if delta != 0 {
        tx.execute(
            "UPDATE users SET active_licenses = active_licenses + $2 WHERE id = $1",
            &params![user_id, delta],
        )?;
    }
    Ok(())
}

/// [`reconcile_user`] for a live user, then the seats it freed to those waiting.
pub(crate) fn reconcile_and_fill(
    tx: &mut dyn Tx,
    change: &Authorized,
    user_id: ObjectId,
) -> Result<()> {
    let freed = reconcile_user(tx, change, user_id, true)?;
    fill_freed_seats(tx, change, &freed)
}

/// Members waiting for a seat of these SKUs (their group's assignment in `CountViolation`) get
/// the seats that are free now, longest waiting first.
pub(crate) fn fill_freed_seats(tx: &mut dyn Tx, change: &Authorized, skus: &[SkuId]) -> Result<()> {
    for sku_id in skus {
        let waiting: Vec<ObjectId> = tx
            .query(
                "SELECT a.user_id FROM license_assignments a JOIN users u ON u.id = a.user_id \
                 WHERE a.tenant_id = $1 AND a.sku_id = $2 AND a.state = 'Error' AND a.error = 'CountViolation' \
                 AND u.deleted_at IS NULL GROUP BY a.user_id ORDER BY MIN(a.assigned_at), a.user_id LIMIT 100",
                &params![change.tenant_id, *sku_id],
            )?
            .iter()
            .map(|row| Ok(row.uuid(0)?.into()))
            .collect::<Result<_>>()?;
        for user_id in waiting {
            let free = find_subscription(tx, change.tenant_id, *sku_id)?
                .is_some_and(|s| s.consumed_units < s.enabled_units);
            if !free {
                break;
            }
            // Taking a seat frees none, so this does not cascade.
            reconcile_user(tx, change, user_id, true)?;
        }
    }
    Ok(())
}

/// The licenses of each live group the user is a direct member of (groups without licenses
/// left out), by group.
fn licenses_of_groups_of(
    tx: &mut dyn Tx,
    user_id: ObjectId,
) -> Result<Vec<(ObjectId, Vec<LicenseAssignment>)>> {
    let mut groups: Vec<(ObjectId, Vec<LicenseAssignment>)> = Vec::new();
    for row in tx.query(
        "SELECT l.group_id, l.sku_id, l.disabled_plans FROM group_members m \
         JOIN group_licenses l ON l.group_id = m.group_id JOIN groups g ON g.id = m.group_id \
         WHERE m.member_id = $1 AND g.deleted_at IS NULL ORDER BY l.group_id, l.assigned_at, l.sku_id",
        &params![user_id],
    )? {
        let group_id: ObjectId = row.uuid(0)?.into();
        let license = LicenseAssignment {
            sku_id: SkuId::from(row.uuid(1)?),
            disabled_plans: row.json(2)?,
        };
        match groups.last_mut() {
            Some((last, licenses)) if *last == group_id => licenses.push(license),
            _ => groups.push((group_id, vec![license])),
        }
    }
    Ok(groups)
}

fn inherited_json(licenses: &[InheritedLicense]) -> serde_json::Value {
    serde_json::Value::Array(
        licenses
            .iter()
            .map(|l| {
                serde_json::json!({
                    "skuId": l.sku_id,
                    "disabledPlans": l.disabled_plans,
                    "assignedByGroup": l.group_id,
                    "state": l.state.as_str(),
                    "error": l.error.as_str(),
                })
            })
            .collect(),
    )
}
