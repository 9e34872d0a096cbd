//! Subscriptions and direct license assignments.
//!
//! Invariant: a subscription's `consumed_units` equals the number of live users holding its
//! SKU. Every change of a holding moves the counter in the same transaction, and taking a seat
//! is `UPDATE ... SET consumed_units = consumed_units + 1 WHERE consumed_units < enabled_units`:
//! on SQLite the single writer serialises it, on PostgreSQL the row lock does (READ COMMITTED
//! re-evaluates the condition after the wait), so two requests racing for the last seat
//! cannot both win.

use roster_core::catalog::Catalog;
use roster_core::directory::{LicenseAssignment, Subscription, User};
use roster_core::licensing::{Assignment, check_assignments};
use roster_core::types::{ObjectId, SkuId};
use uuid::Uuid;

use crate::db::{SqlValue, Tx};
use crate::users::{UserKey, require_user};
use crate::{Change, Error, Result, Store, audit, params};

/// Fills in each user's direct licenses with one query.
pub(crate) fn load_licenses(tx: &mut dyn Tx, users: &mut [User]) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let mut index = std::collections::HashMap::with_capacity(users.len());
    for (position, user) in users.iter().enumerate() {
        index.insert(user.id, position);
    }
    let ids: Vec<ObjectId> = users.iter().map(|user| user.id).collect();
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT user_id, sku_id, disabled_plans FROM license_assignments WHERE user_id IN ({}) ORDER BY assigned_at, sku_id",
            placeholders.join(", ")
        );
        let values: Vec<SqlValue> = chunk.iter().map(|id| SqlValue::from(*id)).collect();
        for row in tx.query(&sql, &values)? {
            let user_id = ObjectId::from(row.uuid(0));
            let assignment = LicenseAssignment {
                sku_id: SkuId::from(row.uuid(1)),
                disabled_plans: serde_json::from_str(&row.text(2)).unwrap_or_default(),
            };
            if let Some(position) = index.get(&user_id) {
                users[*position].licenses.push(assignment);
            }
        }
    }
    Ok(())
}

fn subscription_from_row(row: &crate::db::Row) -> Subscription {
    Subscription {
        sku_id: SkuId::from(row.uuid(0)),
        sku_part_number: row.text(1),
        enabled_units: row.int(2),
        suspended_units: row.int(3),
        warning_units: row.int(4),
        consumed_units: row.int(5),
        capability_status: row.text(6),
        created: row.timestamp(7),
    }
}

const SUBSCRIPTION_COLUMNS: &str = "sku_id, sku_part_number, enabled_units, suspended_units, warning_units, consumed_units, capability_status, created_at";

pub(crate) fn find_subscription(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    sku_id: SkuId,
) -> Result<Option<Subscription>> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND sku_id = $2"
    );
    Ok(tx
        .query_one(&sql, &params![tenant_id, sku_id])?
        .map(|row| subscription_from_row(&row)))
}

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

fn free_seat(tx: &mut dyn Tx, tenant_id: ObjectId, sku_id: SkuId) -> Result<()> {
    tx.execute(
        "UPDATE subscriptions SET consumed_units = consumed_units - 1 WHERE tenant_id = $1 AND sku_id = $2",
        &params![tenant_id, sku_id],
    )?;
    Ok(())
}

/// Frees the seats of a user that goes to the recycle bin; its assignments stay for a restore.
pub(crate) fn release_seats(tx: &mut dyn Tx, tenant_id: ObjectId, user_id: ObjectId) -> Result<()> {
    for row in tx.query(
        "SELECT sku_id FROM license_assignments WHERE user_id = $1",
        &params![user_id],
    )? {
        free_seat(tx, tenant_id, SkuId::from(row.uuid(0)))?;
    }
    Ok(())
}

/// Takes the seats back for a restored user; fails (and so the restore fails) when one is gone.
pub(crate) fn retake_seats(tx: &mut dyn Tx, tenant_id: ObjectId, user_id: ObjectId) -> Result<()> {
    for row in tx.query(
        "SELECT sku_id FROM license_assignments WHERE user_id = $1",
        &params![user_id],
    )? {
        let sku_id = SkuId::from(row.uuid(0));
        if let Some(subscription) = find_subscription(tx, tenant_id, sku_id)? {
            take_seat(tx, tenant_id, &subscription)?;
        }
    }
    Ok(())
}

pub(crate) fn to_rule_input(assignments: &[LicenseAssignment]) -> Vec<Assignment> {
    assignments
        .iter()
        .map(|a| Assignment {
            sku_id: a.sku_id.as_uuid(),
            disabled_plans: a.disabled_plans.clone(),
        })
        .collect()
}

impl Store {
    pub fn subscriptions(&self, tenant_id: ObjectId) -> Result<Vec<Subscription>> {
        self.pool.read(|tx| {
            let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE tenant_id = $1 ORDER BY sku_part_number");
            Ok(tx.query(&sql, &params![tenant_id])?.iter().map(subscription_from_row).collect())
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
            return Err(Error::BadRequest(format!(
                "'{sku_part_number}' is not a SKU part number of Microsoft's catalog (for example SPE_E3)"
            )));
        };
        if seats < 0 {
            return Err(Error::BadRequest(
                "the number of seats cannot be negative".into(),
            ));
        }
        self.pool.write(|tx| {
            tx.execute(
                "INSERT INTO subscriptions (tenant_id, sku_id, sku_part_number, enabled_units, capability_status, created_at) \
                 VALUES ($1, $2, $3, $4, 'Enabled', $5)",
                &params![change.tenant_id, sku.sku_id, sku.sku_part_number.clone(), seats, change.at],
            )
            .map_err(|error| match error {
                Error::UniqueViolation(_) => Error::BadRequest(format!(
                    "the tenant already has a subscription for {}: change its seats instead",
                    sku.sku_part_number
                )),
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
            let before = find_subscription(tx, change.tenant_id, sku_id)?
                .ok_or_else(|| Error::NotFound { kind: "subscription", id: sku_id.to_string() })?;
            if let Some(seats) = enabled_units {
                if seats < before.consumed_units {
                    return Err(Error::BadRequest(format!(
                        "{} has {} assigned licenses: remove licenses before reducing the seats to {seats}",
                        before.sku_part_number, before.consumed_units
                    )));
                }
                tx.execute(
                    "UPDATE subscriptions SET enabled_units = $3 WHERE tenant_id = $1 AND sku_id = $2",
                    &params![change.tenant_id, sku_id, seats],
                )
                .map_err(|error| match error {
                    Error::CheckViolation(_) => Error::BadRequest(format!(
                        "{}: seats cannot go below the number assigned",
                        before.sku_part_number
                    )),
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
        self.pool
            .write(|tx| assign_licenses_tx(tx, change, key, add, remove))
    }
}

/// `assignLicense` inside a transaction the caller holds (for bulk jobs).
pub(crate) fn assign_licenses_tx(
    tx: &mut dyn Tx,
    change: &Change,
    key: &UserKey,
    add: &[LicenseAssignment],
    remove: &[SkuId],
) -> Result<User> {
    let catalog = Catalog::builtin();
    let user = require_user(tx, change.tenant_id, key)?;
    let before = user.licenses.clone();
    let mut after: Vec<LicenseAssignment> = before.clone();
    for sku_id in remove {
        let position = after
            .iter()
            .position(|a| a.sku_id == *sku_id)
            .ok_or_else(|| {
                Error::BadRequest(format!(
                    "User does not have a corresponding license: {sku_id} is not assigned to {}",
                    user.user_principal_name
                ))
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
    if !add.is_empty() && user.usage_location.is_none() {
        return Err(Error::NoUsageLocation);
    }
    let mut subscriptions = Vec::new();
    for assignment in add {
        let subscription =
            find_subscription(tx, change.tenant_id, assignment.sku_id)?.ok_or_else(|| {
                Error::BadRequest(format!(
                    "License {} does not correspond to a valid company License.",
                    assignment.sku_id
                ))
            })?;
        subscriptions.push(subscription);
    }
    let location = user
        .usage_location
        .map(|l| l.to_string())
        .unwrap_or_default();
    check_assignments(catalog, &location, &to_rule_input(&after))?;

    for subscription in &subscriptions {
        if before.iter().any(|a| a.sku_id == subscription.sku_id) {
            continue;
        }
        if subscription.capability_status != "Enabled" {
            return Err(Error::BadRequest(format!(
                "Subscription {} is {} and cannot be assigned.",
                subscription.sku_part_number, subscription.capability_status
            )));
        }
        take_seat(tx, change.tenant_id, subscription)?;
        tx.execute(
                "INSERT INTO license_assignments (user_id, sku_id, tenant_id, disabled_plans, assigned_at) VALUES ($1, $2, $3, $4, $5)",
                &params![user.id, subscription.sku_id, change.tenant_id, plans_json(&[]), change.at],
            )?;
    }
    for assignment in &after {
        tx.execute(
            "UPDATE license_assignments SET disabled_plans = $3 WHERE user_id = $1 AND sku_id = $2",
            &params![
                user.id,
                assignment.sku_id,
                plans_json(&assignment.disabled_plans)
            ],
        )?;
    }
    for sku_id in remove {
        tx.execute(
            "DELETE FROM license_assignments WHERE user_id = $1 AND sku_id = $2",
            &params![user.id, *sku_id],
        )?;
        free_seat(tx, change.tenant_id, *sku_id)?;
    }
    audit(
        tx,
        change,
        "Change user license",
        Some((user.id, user.user_principal_name.as_ref())),
        Some(licenses_json(&before)),
        Some(licenses_json(&after)),
    )?;
    require_user(tx, change.tenant_id, key)
}

pub(crate) fn plans_json(plans: &[Uuid]) -> String {
    serde_json::to_string(plans).expect("uuids serialise")
}

pub(crate) fn licenses_json(assignments: &[LicenseAssignment]) -> serde_json::Value {
    serde_json::Value::Array(
        assignments
            .iter()
            .map(|a| serde_json::json!({ "skuId": a.sku_id, "disabledPlans": a.disabled_plans }))
            .collect(),
    )
}
