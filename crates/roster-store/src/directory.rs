//! Tenants, domains, app registrations and directory role assignments.

use roster_core::access::Operation;
use roster_core::access::Role;
use roster_core::directory::{AuditRecord, Domain, Tenant};
use roster_core::refusal::Reason;
use roster_core::types::{DomainName, ObjectId, UsageLocation};

use crate::authority::authorize;
use crate::db::{Row, Tx};
use crate::{Change, Error, Result, Store, audit, params};

fn tenant_from_row(row: &Row) -> Result<Tenant> {
    Ok(Tenant {
        id: row.uuid(0)?.into(),
        display_name: row.text(1)?,
        default_usage_location: row
            .opt_text(2)?
            .map(|code| {
                UsageLocation::parse(&code).map_err(|_| {
                    Error::Database("stored tenant has an invalid defaultUsageLocation".into())
                })
            })
            .transpose()?,
        created: row.timestamp(3)?,
        technical_contact: row.opt_text(4)?,
    })
}

impl Store {
    pub fn tenants(&self) -> Result<Vec<Tenant>> {
        self.pool.read(|tx| {
            tx
                .query("SELECT id, display_name, default_usage_location, created_at, technical_contact FROM tenants ORDER BY created_at", &[])?
                .iter()
                .map(tenant_from_row)
                .collect::<Result<_>>()
        })
    }

    pub fn tenant(&self, id: ObjectId) -> Result<Tenant> {
        self.pool.read(|tx| {
            tx.query_one(
                "SELECT id, display_name, default_usage_location, created_at, technical_contact FROM tenants WHERE id = $1",
                &params![id],
            )?
            .map(|row| tenant_from_row(&row))
            .transpose()?
            .ok_or_else(|| Error::NotFound { kind: "tenant", id: id.to_string() })
        })
    }

    /// Changes the organisation's profile (its name, default usage location and technical
    /// contact); Global Administrators only, as in Microsoft 365. Returns the profile as saved.
    pub fn update_organization(
        &self,
        change: &Change,
        update: &roster_core::requests::OrganizationUpdate,
    ) -> Result<Tenant> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageSettings], None)?;
            let row = tx
                .query_one(
                    "SELECT id, display_name, default_usage_location, created_at, technical_contact FROM tenants WHERE id = $1",
                    &params![change.tenant_id],
                )?
                .ok_or_else(|| Error::NotFound { kind: "tenant", id: change.tenant_id.to_string() })?;
            let before = tenant_from_row(&row)?;
            let mut after = before.clone();
            update.apply(&mut after);
            tx.execute(
                "UPDATE tenants SET display_name = $2, default_usage_location = $3, technical_contact = $4 WHERE id = $1",
                &params![
                    change.tenant_id,
                    after.display_name.clone(),
                    after.default_usage_location.map(|l| l.to_string()),
                    after.technical_contact.clone()
                ],
            )?;
            let json = |t: &Tenant| {
                serde_json::json!({
                    "displayName": t.display_name,
                    "defaultUsageLocation": t.default_usage_location.map(|l| l.to_string()),
                    "technicalNotificationMails": t.technical_contact.iter().collect::<Vec<_>>(),
                })
            };
            audit(
                tx,
                change,
                "Set company information",
                Some((change.tenant_id, &after.display_name)),
                Some(json(&before)),
                Some(json(&after)),
            )?;
            Ok(after)
        })
    }

    /// Creates a tenant with its default domain.
    pub fn create_tenant(&self, tenant: &Tenant, domain: &DomainName) -> Result<()> {
        self.pool.write(|tx| {
            tx.execute(
                "INSERT INTO tenants (id, display_name, default_usage_location, created_at) VALUES ($1, $2, $3, $4)",
                &params![
                    tenant.id,
                    tenant.display_name.clone(),
                    tenant.default_usage_location.map(|l| l.to_string()),
                    tenant.created
                ],
            )?;
            tx.execute(
                "INSERT INTO domains (name, tenant_id, is_default, is_verified) VALUES ($1, $2, $3, $4)",
                &params![domain.as_ref(), tenant.id, true, true],
            )
            .map_err(|error| match error {
                Error::UniqueViolation { .. } => Error::Conflict { property: "domain" },
                other => other,
            })?;
            let change = Change::system(tenant.id);
            let change = &authorize(tx, &change, &[], None)?;
            audit(tx, change, "Create tenant", Some((tenant.id, &tenant.display_name)), None, None)
        })
    }

    /// The tenant that `id_or_domain` names: its id, or one of its domains.
    pub fn resolve_tenant(&self, id_or_domain: &str) -> Result<Option<ObjectId>> {
        self.pool.read(|tx| {
            if let Ok(id) = ObjectId::parse(id_or_domain) {
                return tx
                    .query_one("SELECT id FROM tenants WHERE id = $1", &params![id])?
                    .map(|row| row.uuid(0).map(Into::into))
                    .transpose();
            }
            tx.query_one(
                "SELECT tenant_id FROM domains WHERE name = $1 AND is_verified = $2",
                &params![id_or_domain.to_ascii_lowercase(), true],
            )?
            .map(|row| row.uuid(0).map(Into::into))
            .transpose()
        })
    }

    pub fn domains(&self, tenant_id: ObjectId) -> Result<Vec<Domain>> {
        self.pool.read(|tx| {
            tx.query(
                "SELECT name, is_default, is_verified, verification_code FROM domains WHERE tenant_id = $1 ORDER BY name",
                &params![tenant_id],
            )?
            .iter()
            .map(domain_from_row)
            .collect()
        })
    }

    /// Adds a domain to the tenant, not verified yet, with the code its DNS TXT record must hold
    /// ([`Domain::verification_text`]); no user or group can use it until it is verified.
    pub fn add_domain(&self, change: &Change, name: &DomainName) -> Result<Domain> {
        let code = uuid::Uuid::new_v4().simple().to_string();
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageDomains], None)?;
            tx.execute(
                "INSERT INTO domains (name, tenant_id, is_default, is_verified, verification_code) VALUES ($1, $2, $3, $4, $5)",
                &params![name.as_ref(), change.tenant_id, false, false, code.as_str()],
            )
            .map_err(|error| match error {
                Error::UniqueViolation { .. } => Error::Conflict { property: "id" },
                other => other,
            })?;
            audit(tx, change, "Add domain", None, None, Some(serde_json::json!({ "id": name.as_ref() })))?;
            Ok(Domain { name: name.clone(), is_default: false, is_verified: false, verification_code: Some(code.clone()) })
        })
    }

    /// Marks one of the tenant's domains verified: the caller has found its DNS TXT record with
    /// `checked` (the code it looked for; `None` when the server trusts its administrators'
    /// word, on a test server without DNS). Refused if the code changed meanwhile, or if another
    /// tenant has verified the name.
    pub fn mark_domain_verified(
        &self,
        change: &Change,
        name: &DomainName,
        checked: Option<&str>,
    ) -> Result<Domain> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageDomains], None)?;
            let mut domain = require_domain(tx, change.tenant_id, name, true)?;
            if domain.is_verified {
                return Ok(domain);
            }
            if checked.is_some() && checked != domain.verification_code.as_deref() {
                return Err(Error::Conflict { property: "id" });
            }
            tx.execute(
                "UPDATE domains SET is_verified = $3 WHERE tenant_id = $1 AND name = $2",
                &params![change.tenant_id, name.as_ref(), true],
            )
            .map_err(|error| match error {
                // Another tenant verified the name first.
                Error::UniqueViolation { .. } => Error::Conflict { property: "id" },
                other => other,
            })?;
            audit(
                tx,
                change,
                "Verify domain",
                None,
                None,
                Some(serde_json::json!({ "id": name.as_ref() })),
            )?;
            domain.is_verified = true;
            Ok(domain)
        })
    }

    /// Makes a verified domain the tenant's default (the one new users get first).
    pub fn set_default_domain(&self, change: &Change, name: &DomainName) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageDomains], None)?;
            let domain = require_domain(tx, change.tenant_id, name, true)?;
            if domain.is_default {
                return Ok(());
            }
            if !domain.is_verified {
                return Err(Error::refused(
                    Reason::DomainUnverified(name.to_string()),
                    format!("The domain {name} is not verified yet: verify it before making it the default."),
                ));
            }
            tx.execute(
                "UPDATE domains SET is_default = (name = $2) WHERE tenant_id = $1",
                &params![change.tenant_id, name.as_ref()],
            )?;
            audit(tx, change, "Set default domain", None, None, Some(serde_json::json!({ "id": name.as_ref() })))
        })
    }

    /// Removes a domain the tenant does not use: not its default, and no user (in the recycle
    /// bin too, who would come back with it) named or addressed in it, nor a group's mail, as
    /// Entra ID refuses.
    pub fn remove_domain(&self, change: &Change, name: &DomainName) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageDomains], None)?;
            let domain = require_domain(tx, change.tenant_id, name, true)?;
            if domain.is_default {
                return Err(Error::refused(
                    Reason::DefaultDomain,
                    format!("{name} is the default domain: make another domain the default first."),
                ));
            }
            let suffix = format!("%@{}", crate::query::like_escape(name.as_ref()));
            let count = |tx: &mut dyn Tx, sql: &str| -> Result<i64> {
                tx.query_one(sql, &params![change.tenant_id, suffix.as_str()])?
                    .map_or(Ok(0), |row| row.int(0))
            };
            // By user name, or by an email address (an alias, or the primary address).
            let users = count(
                tx,
                "SELECT COUNT(*) FROM (SELECT id FROM users WHERE tenant_id = $1 AND upn_key LIKE $2 ESCAPE '\\' \
                 UNION SELECT user_id FROM user_values WHERE tenant_id = $1 AND attribute = 'proxy_addresses' \
                 AND value_key LIKE 'smtp:' || $2 ESCAPE '\\') AS used",
            )?;
            let groups = count(tx, "SELECT COUNT(*) FROM groups WHERE tenant_id = $1 AND lower(mail) LIKE $2 ESCAPE '\\'")?;
            if users > 0 || groups > 0 {
                return Err(Error::refused(
                    Reason::DomainInUse { users, groups },
                    format!("{name} is still used by {users} users and {groups} groups: move them to another domain first."),
                ));
            }
            tx.execute(
                "DELETE FROM domains WHERE tenant_id = $1 AND name = $2",
                &params![change.tenant_id, name.as_ref()],
            )?;
            audit(tx, change, "Remove domain", None, Some(serde_json::json!({ "id": name.as_ref() })), None)
        })
    }

    pub fn assign_role(&self, change: &Change, principal_id: ObjectId, role: Role) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageRoles], None)?;
            // Only to a live user or an app of this tenant, as it is in this transaction.
            let Some(name) = principal_name(tx, change.tenant_id, principal_id, true)? else {
                return Err(Error::NotFound {
                    kind: "user",
                    id: principal_id.to_string(),
                });
            };
            tx.execute(
                "INSERT INTO role_assignments (principal_id, tenant_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &params![principal_id, change.tenant_id, role.display_name()],
            )?;
            audit(
                tx,
                change,
                "Add member to role",
                Some((principal_id, &name)),
                None,
                Some(serde_json::json!({ "role": role.display_name() })),
            )
        })
    }

    /// Takes a role from a user or app. The tenant's last Global Administrator keeps the role,
    /// so that the tenant is never left without one.
    pub fn remove_role(&self, change: &Change, principal_id: ObjectId, role: Role) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageRoles], None)?;
            if role == Role::GlobalAdministrator {
                crate::users::keep_a_global_administrator(tx, change.tenant_id, principal_id)?;
            }
            let name = principal_name(tx, change.tenant_id, principal_id, false)?
                .unwrap_or_else(|| principal_id.to_string());
            let removed = tx.execute(
                "DELETE FROM role_assignments WHERE tenant_id = $1 AND principal_id = $2 AND role = $3",
                &params![change.tenant_id, principal_id, role.display_name()],
            )?;
            if removed == 0 {
                return Err(Error::NotFound {
                    kind: "role assignment",
                    id: format!("{principal_id} {}", role.display_name()),
                });
            }
            // What the role allowed ends now: every token and session issued before.
            let now = chrono::Utc::now().max(change.at);
            tx.execute(
                "UPDATE users SET sessions_valid_from = $2 WHERE id = $1",
                &params![principal_id, now],
            )?;
            tx.execute(
                "UPDATE apps SET tokens_valid_from = $2 WHERE client_id = $1",
                &params![principal_id, now],
            )?;
            audit(
                tx,
                change,
                "Remove member from role",
                Some((principal_id, &name)),
                Some(serde_json::json!({ "role": role.display_name() })),
                None,
            )
        })
    }

    /// Who holds which role: each live user holding a role, with its principal name and display
    /// name, by role then name.
    pub fn role_holders(
        &self,
        tenant_id: ObjectId,
    ) -> Result<Vec<(Role, ObjectId, String, String)>> {
        self.pool.read(|tx| {
            tx
                .query(
                    "SELECT r.role, u.id, u.user_principal_name, u.display_name FROM role_assignments r \
                     JOIN users u ON u.id = r.principal_id \
                     WHERE r.tenant_id = $1 AND u.deleted_at IS NULL ORDER BY r.role, lower(u.display_name), u.id",
                    &params![tenant_id],
                )?
                .iter()
                .map(|row| {
                    Ok((row.parsed(0, Role::parse, "role")?, ObjectId::from(row.uuid(1)?), row.text(2)?, row.text(3)?))
                })
                .collect::<Result<_>>()
        })
    }

    /// The most recent audit records of a tenant, newest first.
    pub fn audit_log(&self, tenant_id: ObjectId, limit: usize) -> Result<Vec<AuditRecord>> {
        self.search_audit_log(
            tenant_id,
            &AuditQuery {
                limit,
                ..Default::default()
            },
        )
    }

    /// A tenant's audit records that match a query, newest first.
    pub fn search_audit_log(
        &self,
        tenant_id: ObjectId,
        query: &AuditQuery,
    ) -> Result<Vec<AuditRecord>> {
        let mut sql = String::from(
            "SELECT id, at, actor_id, actor_name, operation, target_id, target_name, before_json, after_json, \
             client_ip, request_id, job_id FROM audit_log WHERE tenant_id = $1",
        );
        let mut values = vec![crate::db::SqlValue::from(tenant_id)];
        let contains = |text: &str| {
            // LIKE's wildcards in what was typed match themselves.
            format!("%{}%", crate::query::like_escape(&text.to_lowercase()))
        };
        let texts = [
            ("actor_name", &query.actor),
            ("operation", &query.operation),
            ("target_name", &query.target),
        ];
        for (column, text) in texts {
            if let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) {
                values.push(contains(text.trim()).into());
                sql.push_str(&format!(
                    " AND lower({column}) LIKE ${} ESCAPE '\\'",
                    values.len()
                ));
            }
        }
        if let Some(activity) = query.activity.as_deref().filter(|a| !a.is_empty()) {
            values.push(activity.into());
            let exact = values.len();
            values.push(format!("{} %", crate::query::like_escape(activity)).into());
            sql.push_str(&format!(
                " AND (operation = ${exact} OR operation LIKE ${} ESCAPE '\\')",
                values.len()
            ));
        }
        if let Some(from) = query.from {
            values.push(from.into());
            sql.push_str(&format!(" AND at >= ${}", values.len()));
        }
        if let Some(until) = query.until {
            values.push(until.into());
            sql.push_str(&format!(" AND at < ${}", values.len()));
        }
        // The next page: the records after the previous page's last, in the log's order.
        if let Some((at, id)) = query.after {
            values.push(at.into());
            let at = values.len();
            values.push(id.into());
            sql.push_str(&format!(
                " AND (at < ${at} OR (at = ${at} AND id < ${}))",
                values.len()
            ));
        }
        values.push((query.limit as i64).into());
        sql.push_str(&format!(
            " ORDER BY at DESC, id DESC LIMIT ${}",
            values.len()
        ));
        self.pool.read(|tx| {
            tx.query(&sql, &values)?
                .iter()
                .map(|row| {
                    Ok(AuditRecord {
                        id: row.uuid(0)?.into(),
                        at: row.timestamp(1)?,
                        actor_id: row.opt_uuid(2)?.map(Into::into),
                        actor_name: row.text(3)?,
                        operation: row.text(4)?,
                        target_id: row.opt_uuid(5)?.map(Into::into),
                        target_name: row.opt_text(6)?,
                        before: row.opt_json(7)?,
                        after: row.opt_json(8)?,
                        client_ip: row.opt_text(9)?,
                        request_id: row.opt_text(10)?,
                        job_id: row.opt_uuid(11)?.map(Into::into),
                    })
                })
                .collect::<Result<_>>()
        })
    }
}

/// Which audit records [`Store::search_audit_log`] returns: each text matches anywhere in its
/// field, ignoring case; `from` is inclusive, `until` exclusive.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub operation: Option<String>,
    /// One of [`crate::AUDIT_ACTIVITIES`], exactly (with a bulk job's kind after it, if any).
    pub activity: Option<String>,
    pub target: Option<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// The time and id of the last record of the previous page: the records after it.
    pub after: Option<(chrono::DateTime<chrono::Utc>, ObjectId)>,
    pub limit: usize,
}

/// The name of a user (its user principal name) or an app of the tenant: a live one only when
/// `live`, else one in the recycle bin too. What the audit log names a role's member by.
fn principal_name(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    id: ObjectId,
    live: bool,
) -> Result<Option<String>> {
    let users = if live {
        "SELECT user_principal_name FROM users WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"
    } else {
        "SELECT user_principal_name FROM users WHERE tenant_id = $1 AND id = $2"
    };
    let sql = format!(
        "{users} UNION ALL SELECT display_name FROM apps WHERE tenant_id = $1 AND client_id = $2"
    );
    tx.query_one(&sql, &params![tenant_id, id])?
        .map(|row| row.text(0))
        .transpose()
}

fn domain_from_row(row: &Row) -> Result<Domain> {
    Ok(Domain {
        name: DomainName::parse(&row.text(0)?)?,
        is_default: row.bool(1)?,
        is_verified: row.bool(2)?,
        verification_code: row.opt_text(3)?,
    })
}

/// One of the tenant's domains, or not found; `locked` for a row the transaction will change
/// (so that a concurrent change of the same domain waits).
pub(crate) fn require_domain(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    name: &DomainName,
    locked: bool,
) -> Result<Domain> {
    let lock = if locked {
        tx.row_lock()
    } else {
        tx.share_lock()
    };
    tx.query_one(
        &format!(
            "SELECT name, is_default, is_verified, verification_code FROM domains WHERE tenant_id = $1 AND name = $2{lock}"
        ),
        &params![tenant_id, name.as_ref()],
    )?
    .map(|row| domain_from_row(&row))
    .transpose()?
    .ok_or_else(|| Error::NotFound { kind: "domain", id: name.to_string() })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use roster_core::directory::Tenant;
    use roster_core::types::{DomainName, ObjectId};

    use crate::{Change, Error};

    #[test]
    fn an_unverified_claim_keeps_a_domain_from_no_other_tenant() {
        let (_directory, store, first) = crate::test_store();
        let other = Tenant {
            id: ObjectId::new(),
            display_name: "U".into(),
            default_usage_location: None,
            technical_contact: None,
            created: Utc::now(),
        };
        store
            .create_tenant(&other, &DomainName::parse("u.example").unwrap())
            .unwrap();
        let second = Change::system(other.id);
        let shared = DomainName::parse("shared.example").unwrap();
        // Both may add it: adding says nothing of who else holds it.
        store.add_domain(&first, &shared).unwrap();
        let theirs = store.add_domain(&second, &shared).unwrap();
        assert!(!theirs.is_verified);
        // Unverified, it names no tenant for sign-in or paths.
        assert_eq!(store.resolve_tenant("shared.example").unwrap(), None);
        assert_eq!(store.sign_in_settings("a@shared.example").unwrap().0, None);
        // The second tenant proves it first; the first then cannot verify it.
        store
            .mark_domain_verified(&second, &shared, theirs.verification_code.as_deref())
            .unwrap();
        assert!(matches!(
            store.mark_domain_verified(&first, &shared, None),
            Err(Error::Conflict { .. })
        ));
        assert_eq!(
            store.resolve_tenant("shared.example").unwrap(),
            Some(other.id)
        );
        assert_eq!(
            store.sign_in_settings("a@shared.example").unwrap().0,
            Some(other.id)
        );
        // A code other than the domain's own does not verify it.
        let mine = store
            .add_domain(&first, &DomainName::parse("mine.example").unwrap())
            .unwrap();
        assert!(matches!(
            store.mark_domain_verified(&first, &mine.name, Some("another-code")),
            Err(Error::Conflict { .. })
        ));
    }
}
