//! Subscriptions, and the licenses given to users and groups: the use cases. What a user then
//! holds, and the seats it takes, is worked out by [`crate::licensing`].

use roster_core::access::Operation;
use roster_core::catalog::Catalog;

use roster_core::directory::{Group, LicenseAssignment, Subscription, User};
use roster_core::licensing::{LicenseViolation, check_assignments, rule_input};
use roster_core::refusal::Reason;
use roster_core::types::{ObjectId, SkuId};

use crate::authority::{Authorized, authorize};
use crate::db::Tx;
use crate::group_rows::{group_licenses, require_group};
use crate::license_rows::*;
use crate::licensing::{count_active, free_seat, skus_held, take_seat};
use crate::query::{after_id, page_end};
use crate::user_rows::{UserKey, require_user};
use crate::{Change, Cursor, Error, Page, Result, Store, audit, params};

impl Store {
    pub fn subscriptions(&self, tenant_id: ObjectId) -> Result<Vec<Subscription>> {
        self.pool.read(|tx| {
            let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE tenant_id = $1 ORDER BY sku_part_number");
            tx.query(&sql, &params![tenant_id])?.iter().map(subscription_from_row).collect::<Result<_>>()
        })
    }

    /// Buys `seats` of a catalog SKU (roster's own API: Graph has no such call).
    pub fn add_subscription(
        &self,
        change: &Change,
        sku_part_number: &str,
        seats: i64,
    ) -> Result<Subscription> {
        let Some(sku) = Catalog::builtin().by_part_number(sku_part_number) else {
            return Err(Error::refused(
                Reason::NotInCatalog(sku_part_number.to_string()),
                format!(
                    "'{sku_part_number}' is not a SKU part number of Microsoft's catalog (for example SPE_E3)"
                ),
            ));
        };
        if seats < 0 {
            return Err(Error::refused(
                Reason::NegativeSeats,
                "the number of seats cannot be negative",
            ));
        }
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageSubscriptions], None)?;
            tx.execute(
                "INSERT INTO subscriptions (tenant_id, sku_id, sku_part_number, enabled_units, capability_status, created_at) \
                 VALUES ($1, $2, $3, $4, 'Enabled', $5)",
                &params![change.tenant_id, sku.sku_id, sku.sku_part_number.clone(), seats, change.at],
            )
            .map_err(|error| match error {
                Error::UniqueViolation { .. } => Error::refused(
                    Reason::SubscriptionExists(sku.sku_part_number.clone()),
                    format!(
                        "the tenant already has a subscription for {}: change its seats instead",
                        sku.sku_part_number
                    ),
                ),
                other => other,
            })?;
            audit(
                tx,
                change,
                "Add subscription",
                Some((ObjectId::from(sku.sku_id), &sku.sku_part_number)),
                None,
                Some(serde_json::json!({ "skuPartNumber": sku.sku_part_number, "enabledUnits": seats })),
            )?;
            find_subscription(tx, change.tenant_id, SkuId::from(sku.sku_id))?
                .ok_or_else(|| Error::Database("subscription vanished".into()))
        })
    }

    /// Changes a subscription's seats or suspends and re-enables it. Seats cannot go below the
    /// number assigned: the table's check constraint refuses it.
    pub fn update_subscription(
        &self,
        change: &Change,
        sku_id: SkuId,
        enabled_units: Option<i64>,
        capability_status: Option<&str>,
    ) -> Result<Subscription> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageSubscriptions], None)?;
            let before = find_subscription(tx, change.tenant_id, sku_id)?
                .ok_or_else(|| Error::NotFound { kind: "subscription", id: sku_id.to_string() })?;
            if let Some(seats) = enabled_units {
                if seats < before.consumed_units {
                    return Err(Error::refused(
                        Reason::BelowAssigned {
                            sku: before.sku_part_number.clone(),
                            assigned: before.consumed_units,
                        },
                        format!(
                            "{} has {} assigned licenses: remove licenses before reducing the seats to {seats}",
                            before.sku_part_number, before.consumed_units
                        ),
                    ));
                }
                tx.execute(
                    "UPDATE subscriptions SET enabled_units = $3 WHERE tenant_id = $1 AND sku_id = $2",
                    &params![change.tenant_id, sku_id, seats],
                )
                .map_err(|error| match error {
                    Error::CheckViolation(_) => Error::refused(
                        Reason::BelowAssigned {
                            sku: before.sku_part_number.clone(),
                            assigned: before.consumed_units,
                        },
                        format!(
                            "{}: seats cannot go below the number assigned",
                            before.sku_part_number
                        ),
                    ),
                    other => other,
                })?;
            }
            if let Some(status) = capability_status {
                let status = match status {
                    s if s.eq_ignore_ascii_case("Enabled") => "Enabled",
                    s if s.eq_ignore_ascii_case("Suspended") => "Suspended",
                    other => {
                        return Err(Error::BadRequest(format!(
                            "capabilityStatus '{other}' is not one of Enabled, Suspended"
                        )));
                    }
                };
                tx.execute(
                    "UPDATE subscriptions SET capability_status = $3 WHERE tenant_id = $1 AND sku_id = $2",
                    &params![change.tenant_id, sku_id, status],
                )?;
            }
            let after = find_subscription(tx, change.tenant_id, sku_id)?
                .ok_or_else(|| Error::Database("subscription vanished".into()))?;
            // Members waiting for a seat get the new ones: their groups are processed again.
            if after.enabled_units > before.enabled_units || after.capability_status != before.capability_status {
                crate::follow_up::follow_up(tx, change, crate::follow_up::Changed::SeatsAdded(sku_id))?;
            }
            audit(
                tx,
                change,
                "Update subscription",
                Some((ObjectId::from(sku_id.as_uuid()), &after.sku_part_number)),
                Some(serde_json::json!({ "enabledUnits": before.enabled_units, "capabilityStatus": before.capability_status })),
                Some(serde_json::json!({ "enabledUnits": after.enabled_units, "capabilityStatus": after.capability_status })),
            )?;
            Ok(after)
        })
    }

    /// Graph's `assignLicense`: adds (or updates the disabled plans of) and removes direct
    /// licenses in one step that either wholly succeeds or changes nothing.
    pub fn assign_licenses(
        &self,
        change: &Change,
        key: &UserKey,
        add: &[LicenseAssignment],
        remove: &[SkuId],
    ) -> Result<User> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::AssignLicense], None)?;
            assign_licenses_tx(tx, change, key, add, remove)
        })
    }

    /// The admin center's "assign" of a license to a user: given directly with all its apps if
    /// the user does not hold it directly yet; a license it already holds keeps its
    /// switched-off apps (Graph's `assignLicense` would switch them back on).
    pub fn give_user_license(&self, change: &Change, key: &UserKey, sku_id: SkuId) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::AssignLicense], None)?;
            let user = require_user(tx, change.tenant_id, key)?;
            if user.licenses.iter().any(|l| l.sku_id == sku_id) {
                return Ok(());
            }
            let add = [LicenseAssignment {
                sku_id,
                disabled_plans: Vec::new(),
            }];
            assign_licenses_tx(tx, change, &UserKey::Id(user.id), &add, &[]).map(drop)
        })
    }
}

/// A subscription that is not Enabled takes no new assignment.
pub(crate) fn not_enabled(subscription: &Subscription) -> Error {
    Error::refused(
        Reason::NotEnabled {
            sku: subscription.sku_part_number.clone(),
            status: subscription.capability_status.clone(),
        },
        format!(
            "Subscription {} is {} and cannot be assigned.",
            subscription.sku_part_number, subscription.capability_status
        ),
    )
}

/// `before` with `remove` taken out and `add` put in (a license already there takes the new
/// switched-off plans), as `assignLicense` changes a user's or a group's licenses: removing one
/// not there, or adding and removing one, refuses the whole change. `holder` says whose they
/// are in the message ("User", and its name).
pub(crate) fn changed_assignments(
    before: &[LicenseAssignment],
    add: &[LicenseAssignment],
    remove: &[SkuId],
    (holder, name): (&str, &str),
) -> Result<Vec<LicenseAssignment>> {
    let mut after = before.to_vec();
    for sku_id in remove {
        let position = after
            .iter()
            .position(|a| a.sku_id == *sku_id)
            .ok_or_else(|| {
                Error::refused(
                    Reason::LicenseNotHeld,
                    format!(
                        "{holder} does not have a corresponding license: {sku_id} is not assigned to {name}"
                    ),
                )
            })?;
        after.remove(position);
    }
    for assignment in add {
        if remove.contains(&assignment.sku_id) {
            return Err(Error::BadRequest(format!(
                "License {} is both added and removed in the same request.",
                assignment.sku_id
            )));
        }
        match after.iter_mut().find(|a| a.sku_id == assignment.sku_id) {
            Some(existing) => existing.disabled_plans = assignment.disabled_plans.clone(),
            None => after.push(assignment.clone()),
        }
    }
    Ok(after)
}

/// `assignLicense` inside a transaction the caller holds (for bulk jobs).
pub(crate) fn assign_licenses_tx(
    tx: &mut dyn Tx,
    change: &Authorized,
    key: &UserKey,
    add: &[LicenseAssignment],
    remove: &[SkuId],
) -> Result<User> {
    change.require(Operation::AssignLicense, None)?;
    let catalog = Catalog::builtin();
    let user = require_user(tx, change.tenant_id, key)?;
    let before = user.licenses.clone();
    let after = changed_assignments(
        &before,
        add,
        remove,
        ("User", user.user_principal_name.as_ref()),
    )?;
    if !add.is_empty() && user.usage_location.is_none() {
        return Err(Error::NoUsageLocation);
    }
    let mut subscriptions = Vec::new();
    for assignment in add {
        let subscription = find_subscription(tx, change.tenant_id, assignment.sku_id)?.ok_or(
            Error::License(LicenseViolation::UnknownSku(assignment.sku_id.as_uuid())),
        )?;
        subscriptions.push(subscription);
    }
    let location = user
        .usage_location
        .map(|l| l.to_string())
        .unwrap_or_default();
    check_assignments(
        catalog,
        &location,
        &roster_core::licensing::rule_input(&after),
    )?;

    // Seats follow what the user holds in any way: a SKU it already holds through a group takes
    // no second seat, and one it still holds through a group keeps its seat.
    let held_before = skus_held(tx, user.id)?;
    for subscription in &subscriptions {
        if before.iter().any(|a| a.sku_id == subscription.sku_id) {
            continue;
        }
        if subscription.capability_status != "Enabled" {
            return Err(not_enabled(subscription));
        }
        if !held_before.contains(&subscription.sku_id) {
            take_seat(tx, change.tenant_id, subscription)?;
        }
        tx.execute(
                "INSERT INTO license_assignments (user_id, sku_id, tenant_id, disabled_plans, assigned_at) VALUES ($1, $2, $3, $4, $5)",
                &params![user.id, subscription.sku_id, change.tenant_id, plans_json(&[]), change.at],
            )?;
    }
    for assignment in &after {
        tx.execute(
            "UPDATE license_assignments SET disabled_plans = $3 WHERE user_id = $1 AND sku_id = $2 AND group_id IS NULL",
            &params![
                user.id,
                assignment.sku_id,
                plans_json(&assignment.disabled_plans)
            ],
        )?;
    }
    for sku_id in remove {
        tx.execute(
            "DELETE FROM license_assignments WHERE user_id = $1 AND sku_id = $2 AND group_id IS NULL",
            &params![user.id, *sku_id],
        )?;
        if !skus_held(tx, user.id)?.contains(sku_id) {
            free_seat(tx, change.tenant_id, *sku_id)?;
        }
    }
    // Direct assignments always take.
    count_active(tx, user.id, after.len() as i64 - before.len() as i64)?;
    audit(
        tx,
        change,
        "Change user license",
        Some((user.id, user.user_principal_name.as_ref())),
        Some(licenses_json(&before)),
        Some(licenses_json(&after)),
    )?;
    crate::follow_up::follow_up(
        tx,
        change,
        crate::follow_up::Changed::UserLicenses {
            user: &user,
            freed: remove,
        },
    )?;
    require_user(tx, change.tenant_id, key)
}

impl Store {
    /// Graph's `assignLicense` on a group: adds (or changes the disabled plans of) and removes
    /// the licenses the group gives its members, and queues the group so that every member is
    /// brought up to date in the background. Returns the group as changed, with whether guests
    /// are among its members (licensing them is allowed, with a warning).
    pub fn assign_group_licenses(
        &self,
        change: &Change,
        group_id: ObjectId,
        add: &[LicenseAssignment],
        remove: &[SkuId],
    ) -> Result<(Group, bool)> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::AssignLicense], None)?;
            assign_group_licenses_tx(tx, change, group_id, add, remove)
        })
    }

    /// The admin center's "assign" of a license to a group: given with all its apps if the
    /// group does not give it yet; a license it already gives keeps its switched-off apps
    /// (Graph's `assignLicense` would switch them back on for every member).
    pub fn give_group_license(
        &self,
        change: &Change,
        group_id: ObjectId,
        sku_id: SkuId,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::AssignLicense], None)?;
            let group = require_group(tx, change.tenant_id, group_id)?;
            if group.licenses.iter().any(|l| l.sku_id == sku_id) {
                return Ok(());
            }
            let add = [LicenseAssignment {
                sku_id,
                disabled_plans: Vec::new(),
            }];
            assign_group_licenses_tx(tx, change, group_id, &add, &[]).map(drop)
        })
    }

    /// A group's licenses and how their processing stands.
    pub fn group_licensing(
        &self,
        tenant_id: ObjectId,
        group_id: ObjectId,
    ) -> Result<GroupLicensing> {
        self.pool.read(|tx| {
            require_group(tx, tenant_id, group_id)?;
            let licenses = group_licenses(tx, group_id)?;
            let processing_state = tx
                .query_one(
                    "SELECT license_processing_state FROM groups WHERE id = $1",
                    &params![group_id],
                )?
                .map(|row| row.opt_text(0))
                .transpose()?
                .flatten();
            let has_members_with_errors = tx
                .query_one(
                    "SELECT 1 FROM license_assignments a JOIN users u ON u.id = a.user_id \
                     WHERE a.group_id = $1 AND a.state = 'Error' AND u.deleted_at IS NULL LIMIT 1",
                    &params![group_id],
                )?
                .is_some();
            Ok(GroupLicensing {
                licenses,
                processing_state,
                has_members_with_errors,
            })
        })
    }

    /// Graph's `membersWithLicenseErrors`: the group's members whose licenses from it did not
    /// take, in id order: the first `top` after `after`, the cursor of the next page if any, and
    /// how many there are when `count`.
    pub fn members_with_license_errors(
        &self,
        tenant_id: ObjectId,
        group_id: ObjectId,
        after: Option<&Cursor>,
        top: usize,
        count: bool,
    ) -> Result<Page<User>> {
        self.pool.read(|tx| {
            require_group(tx, tenant_id, group_id)?;
            let in_error = "deleted_at IS NULL AND id IN \
                 (SELECT user_id FROM license_assignments WHERE group_id = $1 AND state = 'Error')";
            let sql = format!(
                "SELECT {} FROM users WHERE {in_error} AND id > $2 ORDER BY id LIMIT $3",
                crate::user_rows::user_columns()
            );
            let mut rows = tx.query(&sql, &params![group_id, after_id(after), top as i64 + 1])?;
            let next = page_end(&mut rows, top)?;
            let mut users = rows
                .iter_mut()
                .map(crate::user_rows::user_from_row)
                .collect::<Result<Vec<_>>>()?;
            crate::license_rows::load_licenses(tx, &mut users)?;
            let count = if count {
                let sql = format!("SELECT COUNT(*) FROM users WHERE {in_error}");
                Some(
                    tx.query_one(&sql, &params![group_id])?
                        .map_or(Ok(0), |row| row.int(0))?,
                )
            } else {
                None
            };
            Ok(Page {
                items: users,
                next,
                count,
            })
        })
    }

    /// Graph's `reprocessLicenseAssignment`: works out the user's group-based licenses again.
    pub fn reprocess_license_assignment(
        &self,
        change: &Change,
        key: &crate::UserKey,
    ) -> Result<User> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::AssignLicense], None)?;
            let user = crate::user_rows::require_user(tx, change.tenant_id, key)?;
            crate::licensing::reconcile_and_fill(tx, change, user.id)?;
            crate::user_rows::require_user(tx, change.tenant_id, key)
        })
    }
}

/// What a group's license processing looks like from outside.
#[derive(Debug, Clone)]
pub struct GroupLicensing {
    pub licenses: Vec<LicenseAssignment>,
    /// Graph's `licenseProcessingState.state`, once the group has had licenses.
    pub processing_state: Option<String>,
    pub has_members_with_errors: bool,
}

/// [`Store::assign_group_licenses`] inside a transaction the caller holds.
fn assign_group_licenses_tx(
    tx: &mut dyn Tx,
    change: &Authorized,
    group_id: ObjectId,
    add: &[LicenseAssignment],
    remove: &[SkuId],
) -> Result<(Group, bool)> {
    change.require(Operation::AssignLicense, None)?;
    let group = require_group(tx, change.tenant_id, group_id)?;
    if !group.security_enabled {
        return Err(Error::BadRequest(format!(
            "Licenses can only be assigned to security-enabled groups; {} is not one.",
            group.display_name
        )));
    }
    let before = group_licenses(tx, group_id)?;
    let after = crate::licenses::changed_assignments(
        &before,
        add,
        remove,
        ("The group", &group.display_name),
    )?;
    for assignment in add {
        if find_subscription(tx, change.tenant_id, assignment.sku_id)?.is_none() {
            return Err(Error::License(LicenseViolation::UnknownSku(
                assignment.sku_id.as_uuid(),
            )));
        }
    }
    // The group's own licenses must go together (plans that exclude each other, plans
    // that need another); where they may be used is each member's matter.
    if let Err(violation) = check_assignments(
        roster_core::catalog::Catalog::builtin(),
        "",
        &rule_input(&after),
    ) && !matches!(
        violation,
        LicenseViolation::ProhibitedInUsageLocation { .. }
    ) {
        return Err(Error::License(violation));
    }
    for sku_id in remove {
        tx.execute(
            "DELETE FROM group_licenses WHERE group_id = $1 AND sku_id = $2",
            &params![group_id, *sku_id],
        )?;
    }
    for assignment in &after {
        if before.iter().any(|a| a.sku_id == assignment.sku_id) {
            tx.execute(
                "UPDATE group_licenses SET disabled_plans = $3 WHERE group_id = $1 AND sku_id = $2",
                &params![
                    group_id,
                    assignment.sku_id,
                    plans_json(&assignment.disabled_plans)
                ],
            )?;
        } else {
            tx.execute(
                "INSERT INTO group_licenses (group_id, sku_id, tenant_id, disabled_plans, assigned_at) VALUES ($1, $2, $3, $4, $5)",
                &params![
                    group_id,
                    assignment.sku_id,
                    change.tenant_id,
                    plans_json(&assignment.disabled_plans),
                    change.at
                ],
            )?;
        }
    }
    tx.execute(
        "UPDATE groups SET license_processing_state = 'QueuedForProcessing' WHERE id = $1",
        &params![group_id],
    )?;
    crate::follow_up::follow_up(
        tx,
        change,
        crate::follow_up::Changed::GroupLicenses(group_id),
    )?;
    audit(
        tx,
        change,
        "Change group license",
        Some((group_id, &group.display_name)),
        Some(licenses_json(&before)),
        Some(licenses_json(&after)),
    )?;
    let guests = tx
        .query_one(
            "SELECT 1 FROM group_members m JOIN users u ON u.id = m.member_id \
             WHERE m.group_id = $1 AND u.user_type = 'Guest' AND u.deleted_at IS NULL LIMIT 1",
            &params![group_id],
        )?
        .is_some();
    // As it is now: its new licenses, queued for processing.
    Ok((require_group(tx, change.tenant_id, group_id)?, guests))
}
