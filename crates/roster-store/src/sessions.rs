//! Admin center sessions, and the counts the admin center's home page shows.

use chrono::{DateTime, Utc};
use roster_core::types::ObjectId;

use crate::{Result, Store, params};

/// How many users a tenant has, in the groups the admin center's home page shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounts {
    pub total: i64,
    /// Users without any license that took (none `Active` in `license_assignments`).
    pub without_licenses: i64,
    pub blocked: i64,
    pub guests: i64,
}

impl Store {
    /// Records a new admin center session of a user and returns its id.
    pub fn start_admin_session(
        &self,
        tenant_id: ObjectId,
        user_id: ObjectId,
        at: DateTime<Utc>,
    ) -> Result<ObjectId> {
        let id = ObjectId::from(uuid::Uuid::new_v4());
        self.pool.write(|tx| {
            tx.execute(
                "INSERT INTO admin_sessions (id, tenant_id, user_id, started_at) VALUES ($1, $2, $3, $4)",
                &params![id, tenant_id, user_id, at],
            )?;
            Ok(id)
        })
    }

    /// Whether an admin center session is still open (not signed out of).
    pub fn admin_session_open(&self, id: ObjectId) -> Result<bool> {
        self.pool.read(|tx| {
            Ok(tx
                .query_one(
                    "SELECT 1 FROM admin_sessions WHERE id = $1 AND ended_at IS NULL",
                    &params![id],
                )?
                .is_some())
        })
    }

    /// Ends an admin center session (signing out): its token is refused from now on.
    pub fn end_admin_session(&self, id: ObjectId, at: DateTime<Utc>) -> Result<()> {
        self.pool.write(|tx| {
            tx.execute(
                "UPDATE admin_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
                &params![id, at],
            )?;
            Ok(())
        })
    }

    /// The live users of a tenant counted as the admin center's home page shows them.
    pub fn user_counts(&self, tenant_id: ObjectId) -> Result<UserCounts> {
        self.pool.read(|tx| {
            let row = tx.query_one(
                "SELECT COUNT(*), \
                 COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM license_assignments a \
                   WHERE a.user_id = u.id AND a.state = 'Active') THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN u.account_enabled THEN 0 ELSE 1 END), 0), \
                 COALESCE(SUM(CASE WHEN u.user_type = 'Guest' THEN 1 ELSE 0 END), 0) \
                 FROM users u WHERE u.tenant_id = $1 AND u.deleted_at IS NULL",
                &params![tenant_id],
            )?;
            Ok(row.map_or_else(UserCounts::default, |row| UserCounts {
                total: row.int(0),
                without_licenses: row.int(1),
                blocked: row.int(2),
                guests: row.int(3),
            }))
        })
    }
}
