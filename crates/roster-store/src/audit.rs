//! The audit log: every activity it records, and the one writer of its records, called inside
//! the transaction of the change it describes.

use roster_core::types::ObjectId;

use crate::authority::Authorized;
use crate::db::Tx;
use crate::{Result, params};

/// Every activity the audit log records, as Entra's audit log names them (the admin center
/// offers them as a filter and words them in its languages). A bulk job's submission is
/// recorded as "Submit bulk job" followed by the job's kind.
pub const AUDIT_ACTIVITIES: &[&str] = &[
    "Add app role assignment grant to user",
    "Add app role assignment to group",
    "Add application",
    "Add contact",
    "Add domain",
    "Add group",
    "Add member to group",
    "Add member to role",
    "Add members to group",
    "Add owner to group",
    "Add subscription",
    "Add user",
    "Change group license",
    "Change user license",
    "Create tenant",
    "Delete application",
    "Delete contact",
    "Delete group",
    "Delete user",
    "Finish group processing",
    "Hard delete group",
    "Hard delete user",
    "Remove app role assignment from group",
    "Remove app role assignment from user",
    "Remove manager",
    "Remove domain",
    "Remove member from group",
    "Remove member from role",
    "Remove members from group",
    "Remove owner from group",
    "Reset user password",
    "Restore group",
    "Restore user",
    "Revoke sign-in sessions",
    "Set company information",
    "Set default domain",
    "Set manager",
    "Start group processing",
    "Submit bulk job",
    "Update application",
    "Update application – Certificates and secrets management",
    "Update contact",
    "Update group",
    "Update service principal",
    "Update subscription",
    "Update tenant settings",
    "Update user",
    "Verify domain",
];

/// The entry of [`AUDIT_ACTIVITIES`] that a recorded operation is, with what follows it (a bulk
/// job's kind), if any.
pub fn audit_activity(operation: &str) -> Option<(&'static str, &str)> {
    // The longest that fits: "Update application – Certificates and secrets management" is
    // not "Update application" with a detail.
    AUDIT_ACTIVITIES
        .iter()
        .filter_map(|activity| {
            let rest = operation.strip_prefix(activity)?;
            match rest.strip_prefix(' ') {
                Some(detail) => Some((*activity, detail)),
                None => rest.is_empty().then_some((*activity, "")),
            }
        })
        .max_by_key(|(activity, _)| activity.len())
}

/// Writes one audit record inside the transaction `tx` of the change it describes.
pub(crate) fn audit(
    tx: &mut dyn Tx,
    change: &Authorized,
    operation: &str,
    target: Option<(ObjectId, &str)>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    audit_text(
        tx,
        change,
        operation,
        target,
        before.map(|value| value.to_string()),
        after.map(|value| value.to_string()),
    )
}

/// [`audit`] with the before and after states already written as JSON.
pub(crate) fn audit_text(
    tx: &mut dyn Tx,
    change: &Authorized,
    operation: &str,
    target: Option<(ObjectId, &str)>,
    before: Option<String>,
    after: Option<String>,
) -> Result<()> {
    // Every test run checks that what is recorded is listed (and so filterable and worded).
    debug_assert!(
        audit_activity(operation).is_some(),
        "the audit activity '{operation}' is not in AUDIT_ACTIVITIES"
    );
    tx.insert_later(
        "INSERT INTO audit_log (id, tenant_id, at, actor_id, actor_name, operation, target_id, target_name, \
         before_json, after_json, client_ip, request_id, job_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &params![
            ObjectId::new(),
            change.tenant_id,
            change.at,
            change.actor_id,
            change.actor_name.clone(),
            operation,
            target.map(|(id, _)| id),
            target.map(|(_, name)| name.to_string()),
            before,
            after,
            change.client_ip.clone(),
            change.request_id.clone(),
            change.job_id,
        ],
    )?;
    Ok(())
}
