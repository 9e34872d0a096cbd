//! License assignments as rows: reading a user's (direct and inherited), and their JSON as
//! stored and audited. Under the users' rows and the licensing that works them out.

use roster_core::directory::{
    InheritedLicense, LicenseAssignment, LicenseError, LicenseState, Subscription, User,
};
use roster_core::types::{ObjectId, SkuId};
use uuid::Uuid;

use crate::db::{SqlValue, Tx};
use crate::{Result, params};

/// Fills in each user's licenses, direct and inherited, with one query per 500 users.
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
        let sql = format!(
            "SELECT user_id, {HELD_COLUMNS} FROM license_assignments WHERE user_id IN ({}) ORDER BY assigned_at, sku_id",
            crate::db::placeholders(1, chunk.len())
        );
        let values: Vec<SqlValue> = chunk.iter().map(|id| SqlValue::from(*id)).collect();
        for row in tx.query(&sql, &values)? {
            let user_id = ObjectId::from(row.uuid(0)?);
            let Some(position) = index.get(&user_id) else {
                continue;
            };
            let user = &mut users[*position];
            match held_from_row(&row, 1)? {
                Held::Direct(assignment) => user.licenses.push(assignment),
                Held::Inherited(inherited) => user.inherited_licenses.push(inherited),
            }
        }
    }
    Ok(())
}

/// One row of `license_assignments`, as read.
pub(crate) enum Held {
    Direct(LicenseAssignment),
    Inherited(InheritedLicense),
}

pub(crate) const HELD_COLUMNS: &str = "sku_id, group_id, disabled_plans, state, error";

pub(crate) fn held_from_row(row: &crate::db::Row, first: usize) -> Result<Held> {
    let sku_id = SkuId::from(row.uuid(first)?);
    let disabled_plans = row.json(first + 2)?;
    Ok(match row.opt_uuid(first + 1)? {
        None => Held::Direct(LicenseAssignment {
            sku_id,
            disabled_plans,
        }),
        Some(group_id) => Held::Inherited(InheritedLicense {
            sku_id,
            disabled_plans,
            group_id: group_id.into(),
            state: row.parsed(first + 3, LicenseState::parse, "license state")?,
            error: row.parsed(first + 4, LicenseError::parse, "license error")?,
        }),
    })
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

pub(crate) fn subscription_from_row(row: &crate::db::Row) -> Result<Subscription> {
    Ok(Subscription {
        sku_id: SkuId::from(row.uuid(0)?),
        sku_part_number: row.text(1)?,
        enabled_units: row.int(2)?,
        suspended_units: row.int(3)?,
        warning_units: row.int(4)?,
        consumed_units: row.int(5)?,
        capability_status: row.text(6)?,
        created: row.timestamp(7)?,
    })
}

pub(crate) const SUBSCRIPTION_COLUMNS: &str = "sku_id, sku_part_number, enabled_units, suspended_units, warning_units, consumed_units, capability_status, created_at";

pub(crate) fn find_subscription(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    sku_id: SkuId,
) -> Result<Option<Subscription>> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND sku_id = $2"
    );
    tx.query_one(&sql, &params![tenant_id, sku_id])?
        .map(|row| subscription_from_row(&row))
        .transpose()
}
