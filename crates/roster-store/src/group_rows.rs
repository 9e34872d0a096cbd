//! Groups as rows: reading them (`find_group`, `require_group`, with the licenses they give),
//! writing a membership, and queueing a group for the background processing of its members.
//! The floor under the use cases (`groups`, `licenses`) and the derived state (`licensing`,
//! `dynamic`, `group_processing`): nothing here authorizes, audits or follows a change up.

use roster_core::directory::{Group, LicenseAssignment};
use roster_core::refusal::Reason;
use roster_core::types::{MailNickname, ObjectId, SkuId};

use crate::authority::Authorized;
use crate::db::{Row, Tx};
use crate::{Error, Result, params};

pub(crate) const GROUP_COLUMNS: &str = "id, display_name, description, mail_nickname, mail, mail_enabled, security_enabled, \
     group_types, membership_rule, membership_rule_processing_state, visibility, created_at, deleted_at, \
     license_processing_state";

pub(crate) fn group_from_row(row: &Row) -> Result<Group> {
    Ok(Group {
        id: row.uuid(0)?.into(),
        display_name: row.text(1)?,
        description: row.opt_text(2)?,
        mail_nickname: MailNickname::parse(&row.text(3)?)
            .map_err(|_| Error::Database("stored group has an invalid mailNickname".into()))?,
        mail: row.opt_text(4)?,
        mail_enabled: row.bool(5)?,
        security_enabled: row.bool(6)?,
        group_types: row.json(7)?,
        membership_rule: row.opt_text(8)?,
        membership_rule_processing_state: row.opt_text(9)?,
        visibility: row.opt_text(10)?,
        created: row.timestamp(11)?,
        deleted: row.opt_timestamp(12)?,
        licenses: Vec::new(),
        license_processing_state: row.opt_text(13)?,
    })
}

/// A group read with the licenses it gives.
pub(crate) fn group_with_licenses(tx: &mut dyn Tx, row: &Row) -> Result<Group> {
    let mut group = group_from_row(row)?;
    group.licenses = group_licenses(tx, group.id)?;
    Ok(group)
}

pub(crate) fn find_group(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    id: ObjectId,
    deleted: bool,
) -> Result<Option<Group>> {
    let deleted_clause = if deleted {
        "deleted_at IS NOT NULL"
    } else {
        "deleted_at IS NULL"
    };
    let sql = format!(
        "SELECT {GROUP_COLUMNS} FROM groups WHERE tenant_id = $1 AND id = $2 AND {deleted_clause}"
    );
    tx.query_one(&sql, &params![tenant_id, id])?
        .map(|row| group_with_licenses(tx, &row))
        .transpose()
}

pub(crate) fn require_group(tx: &mut dyn Tx, tenant_id: ObjectId, id: ObjectId) -> Result<Group> {
    find_group(tx, tenant_id, id, false)?.ok_or_else(|| Error::NotFound {
        kind: "group",
        id: id.to_string(),
    })
}

/// A group whose members are computed (dynamic membership) takes no member by hand.
pub(crate) fn refuse_computed_members(group: &Group) -> Result<()> {
    if group.is_dynamic() {
        return Err(Error::refused(
            Reason::DynamicMembers,
            "Insufficient privileges to complete the operation: members of a group with dynamic membership cannot be added or removed by hand.",
        ));
    }
    Ok(())
}

/// [`insert_member`] without its audit record (or licensing), for a caller that records many at
/// once; inserted `now`, or possibly held back with a bulk batch's other new rows.
pub(crate) fn insert_member_row(
    tx: &mut dyn Tx,
    group: &Group,
    member_id: ObjectId,
    kind_text: &str,
    now: bool,
) -> Result<()> {
    refuse_computed_members(group)?;
    let sql = "INSERT INTO group_members (group_id, member_id, member_kind) VALUES ($1, $2, $3)";
    let values = params![group.id, member_id, kind_text];
    let inserted = if now {
        tx.execute(sql, &values).map(drop)
    } else {
        tx.insert_later(sql, &values)
    };
    inserted.map_err(|error| match error {
        Error::UniqueViolation { .. } => Error::refused(
            Reason::AlreadyMember,
            "One or more added object references already exist for the following modified properties: 'members'.",
        ),
        other => other,
    })
}

/// Queues a group for processing (again, if it is already queued or being processed).
pub(crate) fn queue_group(tx: &mut dyn Tx, change: &Authorized, group_id: ObjectId) -> Result<()> {
    tx.execute(
        "INSERT INTO group_work (group_id, tenant_id, generation, queued_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (group_id) DO UPDATE SET generation = group_work.generation + 1, queued_at = $3",
        &params![group_id, change.tenant_id, change.at],
    )?;
    tx.execute(
        "UPDATE groups SET license_processing_state = 'QueuedForProcessing' WHERE id = $1 \
         AND license_processing_state IS NOT NULL",
        &params![group_id],
    )?;
    Ok(())
}

/// The licenses a group gives its members.
pub(crate) fn group_licenses(
    tx: &mut dyn Tx,
    group_id: ObjectId,
) -> Result<Vec<LicenseAssignment>> {
    tx
        .query(
            "SELECT sku_id, disabled_plans FROM group_licenses WHERE group_id = $1 ORDER BY assigned_at, sku_id",
            &params![group_id],
        )?
        .iter()
        .map(|row| Ok(LicenseAssignment {
            sku_id: SkuId::from(row.uuid(0)?),
            disabled_plans: row.json(1)?,
        }))
        .collect::<Result<_>>()
}

/// Whether the group gives its members any license.
pub(crate) fn group_has_licenses(tx: &mut dyn Tx, group_id: ObjectId) -> Result<bool> {
    Ok(tx
        .query_one(
            "SELECT 1 FROM group_licenses WHERE group_id = $1 LIMIT 1",
            &params![group_id],
        )?
        .is_some())
}
