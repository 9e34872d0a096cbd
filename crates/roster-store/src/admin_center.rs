//! What only the admin center asks of the store: its sessions, and the counts and short
//! lists its pages show (reading indexes made for them, so that pages answer quickly on a
//! large tenant).

use chrono::{DateTime, Utc};
use roster_core::types::{ObjectId, SkuId};

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

/// A user as a list of names shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: ObjectId,
    pub user_principal_name: String,
    pub display_name: String,
}

/// What the home page shows first (see [`Store::attention`]).
#[derive(Debug, Clone, Default)]
pub struct Attention {
    /// Groups whose licenses did not take for some of their members: id, name, how many.
    pub license_errors: Vec<(ObjectId, String, i64)>,
    /// Users locked out of signing in now: id, user name, until when.
    pub locked_out: Vec<(ObjectId, String, DateTime<Utc>)>,
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

    /// Whether an admin center session is still open at `now`: not signed out of, and started
    /// less than its tenant's session lifetime ago (however active it has been since).
    pub fn admin_session_open(&self, id: ObjectId, now: DateTime<Utc>) -> Result<bool> {
        self.pool.read(|tx| {
            let Some(row) = tx.query_one(
                "SELECT s.started_at, t.session_lifetime_seconds FROM admin_sessions s \
                 JOIN tenants t ON t.id = s.tenant_id WHERE s.id = $1 AND s.ended_at IS NULL",
                &params![id],
            )?
            else {
                return Ok(false);
            };
            Ok(now < row.timestamp(0)? + chrono::Duration::seconds(row.int(1)?))
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

    /// The live users of a tenant counted as the admin center's home page shows them: from
    /// indexes alone (`users_live`, `users_unlicensed`), not a visit to every user.
    pub fn user_counts(&self, tenant_id: ObjectId) -> Result<UserCounts> {
        self.pool.read(|tx| {
            let mut counts = UserCounts::default();
            for row in tx.query(
                "SELECT account_enabled, user_type, COUNT(*) FROM users \
                 WHERE tenant_id = $1 AND deleted_at IS NULL GROUP BY account_enabled, user_type",
                &params![tenant_id],
            )? {
                let n = row.int(2)?;
                counts.total += n;
                if !row.bool(0)? {
                    counts.blocked += n;
                }
                if row.text(1)? == "Guest" {
                    counts.guests += n;
                }
            }
            counts.without_licenses = tx
                .query_one(
                    "SELECT COUNT(*) FROM users \
                     WHERE tenant_id = $1 AND deleted_at IS NULL AND active_licenses = 0",
                    &params![tenant_id],
                )?
                .map_or(Ok(0), |row| row.int(0))?;
            Ok(counts)
        })
    }

    /// Per SKU, how many live users hold it in error (a group's license that could not be
    /// given), for the licenses page.
    pub fn license_errors_by_sku(&self, tenant_id: ObjectId) -> Result<Vec<(SkuId, i64)>> {
        self.pool.read(|tx| {
            tx
                .query(
                    "SELECT a.sku_id, COUNT(DISTINCT a.user_id) FROM license_assignments a \
                     JOIN users u ON u.id = a.user_id \
                     WHERE a.tenant_id = $1 AND a.state = 'Error' AND u.deleted_at IS NULL GROUP BY a.sku_id",
                    &params![tenant_id],
                )?
                .iter()
                .map(|row| Ok((SkuId::from(row.uuid(0)?), row.int(1)?)))
                .collect::<Result<_>>()
        })
    }

    /// The groups that give licenses, with the SKU each gives, ordered by name.
    pub fn licensing_groups(&self, tenant_id: ObjectId) -> Result<Vec<(SkuId, ObjectId, String)>> {
        self.pool.read(|tx| {
            tx
                .query(
                    "SELECT l.sku_id, g.id, g.display_name FROM group_licenses l JOIN groups g ON g.id = l.group_id \
                     WHERE l.tenant_id = $1 AND g.deleted_at IS NULL ORDER BY lower(g.display_name), g.id",
                    &params![tenant_id],
                )?
                .iter()
                .map(|row| Ok((SkuId::from(row.uuid(0)?), ObjectId::from(row.uuid(1)?), row.text(2)?)))
                .collect::<Result<_>>()
        })
    }

    /// How many members each of `groups` has (users in the recycle bin not counted): for the
    /// groups list, one query for its whole page.
    pub fn member_counts(
        &self,
        tenant_id: ObjectId,
        groups: &[ObjectId],
    ) -> Result<std::collections::HashMap<ObjectId, i64>> {
        if groups.is_empty() {
            return Ok(Default::default());
        }
        self.pool.read(|tx| {
            let sql = format!(
                "SELECT m.group_id, COUNT(*) FROM group_members m JOIN groups g ON g.id = m.group_id \
                 LEFT JOIN users u ON u.id = m.member_id \
                 WHERE g.tenant_id = $1 AND m.group_id IN ({}) AND (u.id IS NULL OR u.deleted_at IS NULL) \
                 GROUP BY m.group_id",
                crate::db::placeholders(2, groups.len())
            );
            let mut values = vec![crate::db::SqlValue::from(tenant_id)];
            values.extend(groups.iter().map(|id| crate::db::SqlValue::from(*id)));
            tx.query(&sql, &values)?
                .iter()
                .map(|row| Ok((ObjectId::from(row.uuid(0)?), row.int(1)?)))
                .collect()
        })
    }

    /// What needs an administrator's attention first, for the home page: the groups whose
    /// licenses did not take for some members (with how many), and the users whose sign-in is
    /// locked out now (with until when, the latest lockout of any source).
    pub fn attention(&self, tenant_id: ObjectId, now: DateTime<Utc>) -> Result<Attention> {
        self.pool.read(|tx| {
            let license_errors = tx
                .query(
                    "SELECT g.id, g.display_name, COUNT(DISTINCT a.user_id) FROM license_assignments a \
                     JOIN groups g ON g.id = a.group_id \
                     JOIN users u ON u.id = a.user_id \
                     WHERE a.tenant_id = $1 AND a.state = 'Error' AND g.deleted_at IS NULL AND u.deleted_at IS NULL \
                     GROUP BY g.id, g.display_name ORDER BY lower(g.display_name), g.id",
                    &params![tenant_id],
                )?
                .iter()
                .map(|row| Ok((ObjectId::from(row.uuid(0)?), row.text(1)?, row.int(2)?)))
                .collect::<Result<_>>()?;
            // The names locked now (few: a row lives while its failures are recent; names locked
            // by guessing at invented ones, or other tenants', cannot crowd the tenant's users
            // out: all are read, up to a bound no spraying reaches in a lockout's time), then
            // which of them are the tenant's users, by the index of their user names.
            let locked: Vec<(String, DateTime<Utc>)> = tx
                .query(
                    "SELECT name_key, MAX(locked_until) FROM sign_in_lockouts WHERE locked_until > $1 \
                     GROUP BY name_key LIMIT 20000",
                    &params![now],
                )?
                .iter()
                .map(|row| Ok((row.text(0)?, row.timestamp(1)?)))
                .collect::<Result<_>>()?;
            let mut locked_out = Vec::new();
            for chunk in locked.chunks(100) {
                let sql = format!(
                    "SELECT id, user_principal_name, upn_key FROM users WHERE tenant_id = $1 \
                     AND deleted_at IS NULL AND upn_key IN ({})",
                    crate::db::placeholders(2, chunk.len())
                );
                let mut values = vec![crate::db::SqlValue::from(tenant_id)];
                values.extend(chunk.iter().map(|(name, _)| crate::db::SqlValue::from(name.as_str())));
                for row in tx.query(&sql, &values)? {
                    let key = row.text(2)?;
                    let until = chunk.iter().find(|(name, _)| *name == key).map(|(_, until)| *until);
                    if let Some(until) = until {
                        locked_out.push((ObjectId::from(row.uuid(0)?), row.text(1)?, until));
                    }
                }
            }
            locked_out.sort_by(|a, b| a.1.cmp(&b.1));
            locked_out.truncate(50);
            Ok(Attention { license_errors, locked_out })
        })
    }

    /// Which of `candidates` the group already has as members (`owners`: as owners), for a
    /// picker that offers only the others.
    pub fn group_links_among(
        &self,
        tenant_id: ObjectId,
        group_id: ObjectId,
        owners: bool,
        candidates: &[ObjectId],
    ) -> Result<std::collections::HashSet<ObjectId>> {
        if candidates.is_empty() {
            return Ok(Default::default());
        }
        let (table, column) = if owners {
            ("group_owners", "owner_id")
        } else {
            ("group_members", "member_id")
        };
        self.pool.read(|tx| {
            let sql = format!(
                "SELECT l.{column} FROM {table} l JOIN groups g ON g.id = l.group_id \
                 WHERE g.tenant_id = $1 AND l.group_id = $2 AND l.{column} IN ({})",
                crate::db::placeholders(3, candidates.len())
            );
            let mut values = vec![
                crate::db::SqlValue::from(tenant_id),
                crate::db::SqlValue::from(group_id),
            ];
            values.extend(candidates.iter().map(|id| crate::db::SqlValue::from(*id)));
            tx.query(&sql, &values)?
                .iter()
                .map(|row| Ok(ObjectId::from(row.uuid(0)?)))
                .collect()
        })
    }

    /// Whether the group waits for its members to be worked out (queued or being processed).
    pub fn group_processing_pending(
        &self,
        tenant_id: ObjectId,
        group_id: ObjectId,
    ) -> Result<bool> {
        self.pool.read(|tx| {
            Ok(tx
                .query_one(
                    "SELECT 1 FROM group_work WHERE tenant_id = $1 AND group_id = $2",
                    &params![tenant_id, group_id],
                )?
                .is_some())
        })
    }

    /// The first `limit` live users of a group by name (id, principal name, display name), and
    /// how many it has: for a group's page, which does not list 60,000 members.
    pub fn group_member_users(
        &self,
        tenant_id: ObjectId,
        group_id: ObjectId,
        limit: usize,
    ) -> Result<(Vec<UserSummary>, i64)> {
        self.pool.read(|tx| {
            crate::group_rows::require_group(tx, tenant_id, group_id)?;
            let users = tx
                .query(
                    "SELECT u.id, u.user_principal_name, u.display_name FROM group_members m \
                     JOIN users u ON u.id = m.member_id WHERE m.group_id = $1 AND u.deleted_at IS NULL \
                     ORDER BY lower(u.display_name), u.id LIMIT $2",
                    &params![group_id, limit as i64],
                )?
                .iter()
                .map(|row| Ok(UserSummary {
                    id: ObjectId::from(row.uuid(0)?),
                    user_principal_name: row.text(1)?,
                    display_name: row.text(2)?,
                }))
                .collect::<Result<_>>()?;
            let total = tx
                .query_one(
                    "SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.member_id \
                     WHERE m.group_id = $1 AND u.deleted_at IS NULL",
                    &params![group_id],
                )?
                .map_or(Ok(0), |row| row.int(0))?;
            Ok((users, total))
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use roster_core::types::ObjectId;

    use crate::TenantSettings;

    #[test]
    fn a_session_ends_its_lifetime_after_it_started_however_active() {
        let (_directory, store, change) = crate::test_store();
        let user = crate::test_user("ann@t.example");
        store.create_user(&change, &user, None).unwrap();
        let now = Utc::now();
        let session = store
            .start_admin_session(change.tenant_id, user.id, now)
            .unwrap();
        // Twelve hours by default.
        let open = |at| store.admin_session_open(session, at).unwrap();
        assert!(open(now + Duration::hours(12) - Duration::seconds(1)));
        assert!(!open(now + Duration::hours(12) + Duration::seconds(1)));
        // The tenant's setting, from the next request on.
        let hour = TenantSettings {
            session_lifetime_seconds: 3600,
            ..TenantSettings::default()
        };
        store.set_tenant_settings(&change, &hour).unwrap();
        assert!(open(now + Duration::minutes(59)));
        assert!(!open(now + Duration::minutes(61)));
        // Signing out ends it at once.
        store.end_admin_session(session, now).unwrap();
        assert!(!open(now));
    }

    #[test]
    fn a_picker_learns_which_candidates_a_group_has_and_groups_count_their_live_members() {
        let (_directory, store, change) = crate::test_store();
        let group = crate::test_group(&store, &change, "team");
        let users: Vec<_> = ["ann@t.example", "bob@t.example", "cy@t.example"]
            .map(crate::test_user)
            .into_iter()
            .collect();
        for user in &users {
            store.create_user(&change, user, None).unwrap();
        }
        store
            .add_group_member(&change, group.id, users[0].id)
            .unwrap();
        store
            .add_group_member(&change, group.id, users[1].id)
            .unwrap();
        store
            .add_group_owner(&change, group.id, users[2].id)
            .unwrap();
        let ids: Vec<ObjectId> = users.iter().map(|u| u.id).collect();
        let members = store
            .group_links_among(change.tenant_id, group.id, false, &ids)
            .unwrap();
        assert_eq!(members, [users[0].id, users[1].id].into_iter().collect());
        let owners = store
            .group_links_among(change.tenant_id, group.id, true, &ids)
            .unwrap();
        assert_eq!(owners, [users[2].id].into_iter().collect());
        // A deleted member is not counted.
        store
            .delete_user(&change, &crate::UserKey::Id(users[1].id))
            .unwrap();
        let other = crate::test_group(&store, &change, "empty");
        let counts = store
            .member_counts(change.tenant_id, &[group.id, other.id])
            .unwrap();
        assert_eq!(counts.get(&group.id), Some(&1));
        assert_eq!(counts.get(&other.id), None);
    }
}
