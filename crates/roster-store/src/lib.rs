//! The only crate that writes SQL: the directory's storage on SQLite or PostgreSQL.
//!
//! [`Store`] is the storage interface the server uses. Its methods are use cases that must be
//! atomic (create a user and write its audit record; take a seat and assign a license), each
//! one transaction, written once over [`db::Tx`] and run on either backend.
//! The methods block: the server calls them from `spawn_blocking`.

mod admin_center;
mod authority;
mod contacts;
pub mod db;
mod directory;
mod dynamic;
mod follow_up;
mod group_processing;
mod groups;
mod jobs;
mod license_rows;
mod licenses;
mod query;
mod sign_ins;
mod sql_text;
mod user_rows;
mod users;

use std::path::Path;

use chrono::{DateTime, Utc};
use roster_core::licensing::LicenseViolation;
use roster_core::refusal::Reason;
use roster_core::types::ObjectId;

pub use admin_center::{UserCounts, UserSummary};
pub use authority::Authorized;
pub use db::Backend;
use db::{Pool, Tx};
pub use directory::AuditQuery;
pub use dynamic::{LicensePreview, RulePreview};
pub use group_processing::{GroupLicensing, GroupWork};
pub use groups::DirectoryObject;
pub use jobs::{Job, JobRow, JobStatus, JobTx, RowOutcome};
pub use query::{Cursor, ListQuery, Page, SortKey};
pub use sign_ins::{SignIn, SignInGate, TenantSettings};
pub use user_rows::{PreparedUser, SignInRecord, UserKey, decode_password, prepare_user};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{kind} '{id}' does not exist")]
    NotFound { kind: &'static str, id: String },
    #[error("another object with the same value for property {property} already exists")]
    Conflict { property: &'static str },
    #[error("license assignment cannot be done for user with invalid usage location")]
    NoUsageLocation,
    #[error("subscription {sku_part_number} has no available units")]
    OutOfSeats { sku_part_number: String },
    #[error("{0}")]
    License(#[from] LicenseViolation),
    #[error("{0}")]
    Invalid(#[from] roster_core::types::InvalidValue),
    /// A refusal with why as data, for a client that words it itself, and Graph's English.
    #[error("{message}")]
    Refused { reason: Reason, message: String },
    /// The principal may not make this change (decided inside its transaction).
    #[error("{0}")]
    Forbidden(roster_core::access::Forbidden),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedQuery(String),
    /// A unique index or constraint refused a row: its name, the same on both stores (SQLite's
    /// primary keys are named `{table}_pkey`, as PostgreSQL names them), or `None` when rows
    /// inserted together were refused without saying by what.
    #[error("unique constraint {}", constraint.as_deref().unwrap_or("(unnamed)"))]
    UniqueViolation { constraint: Option<String> },
    #[error("check constraint: {0}")]
    CheckViolation(String),
    #[error("database: {0}")]
    Database(String),
    /// PostgreSQL aborted the transaction to break a deadlock (or a serialization conflict);
    /// `Pool::write` runs it again.
    #[error("database contention: {0}")]
    Contended(String),
    /// A bulk batch met a row that failed after writing; it is rolled back and run again with a
    /// savepoint per row. Never leaves `Store::run_job_batch`.
    #[error("the batch is run again row by row")]
    BatchNeedsSavepoints,
    /// A dry run's transaction, rolled back on purpose. Never leaves `Store::dry_run_job`.
    #[error("rolled back")]
    RolledBack,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn refused(reason: Reason, message: impl Into<String>) -> Self {
        Error::Refused {
            reason,
            message: message.into(),
        }
    }
}

/// Who makes a change and from where: what the audit record says besides the change itself.
#[derive(Debug, Clone)]
pub struct Change {
    pub tenant_id: ObjectId,
    pub actor_id: Option<ObjectId>,
    pub actor_name: String,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
    pub job_id: Option<ObjectId>,
    pub at: DateTime<Utc>,
    /// Whether this is roster's own change ([`Change::system`]): only such a change may have no
    /// actor. One by an actor that is gone (a job's submitter never recorded) is refused.
    roster: bool,
}

impl Change {
    /// A change made by roster itself (bootstrap, demo data, upkeep, processing groups), which
    /// is allowed everything: never built for a request.
    pub fn system(tenant_id: ObjectId) -> Self {
        Change {
            roster: true,
            ..Change::by(tenant_id, None, "roster")
        }
    }

    /// A change by the user or app `actor_id` (as it stands when the change is made: the store
    /// reads its roles or permissions again); `None` is an actor no longer known, allowed
    /// nothing.
    pub fn by(tenant_id: ObjectId, actor_id: Option<ObjectId>, actor_name: &str) -> Self {
        Change {
            tenant_id,
            actor_id,
            actor_name: actor_name.to_string(),
            client_ip: None,
            request_id: None,
            job_id: None,
            at: Utc::now(),
            roster: false,
        }
    }

    /// The change as a request makes it: from `client_ip`, as request `request_id`.
    pub fn from_request(mut self, client_ip: Option<String>, request_id: Option<String>) -> Self {
        self.client_ip = client_ip;
        self.request_id = request_id;
        self
    }

    /// The change as a row of the bulk job `job_id` makes it.
    pub fn in_job(mut self, job_id: ObjectId) -> Self {
        self.job_id = Some(job_id);
        self
    }

    /// Whether this is roster's own change.
    pub fn is_system(&self) -> bool {
        self.roster
    }
}

#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

/// The embedded store's schema, one script per version (also what benchmarks' floors create).
pub const MIGRATIONS_SQLITE: &[&str] = &[
    include_str!("../migrations/sqlite-0001.sql"),
    include_str!("../migrations/sqlite-0002.sql"),
    include_str!("../migrations/sqlite-0003.sql"),
    include_str!("../migrations/sqlite-0004.sql"),
    include_str!("../migrations/sqlite-0005.sql"),
    include_str!("../migrations/sqlite-0006.sql"),
    include_str!("../migrations/sqlite-0007.sql"),
    include_str!("../migrations/sqlite-0008.sql"),
    include_str!("../migrations/sqlite-0009.sql"),
    include_str!("../migrations/sqlite-0010.sql"),
    include_str!("../migrations/sqlite-0011.sql"),
    include_str!("../migrations/sqlite-0012.sql"),
    include_str!("../migrations/sqlite-0013.sql"),
];
const MIGRATIONS_POSTGRES: &[&str] = &[
    include_str!("../migrations/postgres-0001.sql"),
    include_str!("../migrations/postgres-0002.sql"),
    include_str!("../migrations/postgres-0003.sql"),
    include_str!("../migrations/postgres-0004.sql"),
    include_str!("../migrations/postgres-0005.sql"),
    include_str!("../migrations/postgres-0006.sql"),
    include_str!("../migrations/postgres-0007.sql"),
    include_str!("../migrations/postgres-0008.sql"),
    include_str!("../migrations/postgres-0009.sql"),
    include_str!("../migrations/postgres-0010.sql"),
    include_str!("../migrations/postgres-0011.sql"),
    include_str!("../migrations/postgres-0012.sql"),
    include_str!("../migrations/postgres-0013.sql"),
];

impl Store {
    /// Opens (creating if needed) an embedded database file and brings its schema up to date.
    pub fn open_sqlite(path: &Path) -> Result<Store> {
        let store = Store {
            pool: Pool::open_sqlite(path)?,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Connects to PostgreSQL (`postgres://user@host:port/db`) and brings its schema up to date.
    pub fn open_postgres(url: &str) -> Result<Store> {
        let store = Store {
            pool: Pool::open_postgres(url, 16)?,
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Applies the migrations this database lacks. Several servers starting at once on one
    /// PostgreSQL database serialise on an advisory lock.
    fn migrate(&self) -> Result<()> {
        let (migrations, lock) = match self.backend() {
            Backend::Sqlite => (MIGRATIONS_SQLITE, None),
            Backend::Postgres => (MIGRATIONS_POSTGRES, Some(0x726f73746572_i64)),
        };
        self.pool
            .batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")?;
        self.pool.write(|tx| {
            if let Some(key) = lock {
                tx.execute("SELECT pg_advisory_xact_lock($1)", &params![key])?;
            }
            let applied = tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    &[],
                )?
                .map_or(Ok(0), |row| row.int(0))?;
            for (index, script) in migrations.iter().enumerate() {
                let version = index as i64 + 1;
                if version <= applied {
                    continue;
                }
                for statement in sql_text::statements(script) {
                    tx.execute(&statement, &[])?;
                }
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    &params![version],
                )?;
            }
            Ok(())
        })
    }

    /// A server-wide secret, created by `make` the first time any server asks for it.
    pub fn secret(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        let mut make = Some(make);
        self.pool.write(|tx| {
            if let Some(row) = tx.query_one("SELECT value FROM server_secrets WHERE name = $1", &params![name])? {
                return row.text(0);
            }
            let value = match make.take() {
                Some(make) => make(),
                None => return Err(Error::Database(format!("server secret {name} could not be stored"))),
            };
            tx.execute(
                "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &params![name, value.clone()],
            )?;
            let row = tx.query_one("SELECT value FROM server_secrets WHERE name = $1", &params![name])?;
            Ok(row.map(|row| row.text(0)).transpose()?.unwrap_or(value))
        })
    }
}

/// Every activity the audit log records, as Entra's audit log names them (the admin center
/// offers them as a filter and words them in its languages). A bulk job's submission is
/// recorded as "Submit bulk job" followed by the job's kind.
pub const AUDIT_ACTIVITIES: &[&str] = &[
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
    "Delete contact",
    "Delete group",
    "Delete user",
    "Finish group processing",
    "Hard delete group",
    "Hard delete user",
    "Remove manager",
    "Remove member from group",
    "Remove member from role",
    "Remove members from group",
    "Remove owner from group",
    "Reset user password",
    "Restore group",
    "Restore user",
    "Revoke sign-in sessions",
    "Set manager",
    "Start group processing",
    "Submit bulk job",
    "Update contact",
    "Update group",
    "Update subscription",
    "Update tenant settings",
    "Update user",
];

/// The entry of [`AUDIT_ACTIVITIES`] that a recorded operation is, with what follows it (a bulk
/// job's kind), if any.
pub fn audit_activity(operation: &str) -> Option<(&'static str, &str)> {
    AUDIT_ACTIVITIES.iter().find_map(|activity| {
        let rest = operation.strip_prefix(activity)?;
        match rest.strip_prefix(' ') {
            Some(detail) => Some((*activity, detail)),
            None => rest.is_empty().then_some((*activity, "")),
        }
    })
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

/// A store in a temporary directory with one tenant (`t.example`), and a change by the system
/// in it, for the unit tests of the store's modules.
#[cfg(test)]
pub(crate) fn test_store() -> (tempfile::TempDir, Store, Change) {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&directory.path().join("roster.db")).unwrap();
    let tenant = roster_core::directory::Tenant {
        id: ObjectId::new(),
        display_name: "T".into(),
        default_usage_location: None,
        created: Utc::now(),
    };
    store
        .create_tenant(
            &tenant,
            &roster_core::types::DomainName::parse("t.example").unwrap(),
        )
        .unwrap();
    (directory, store, Change::system(tenant.id))
}

/// A live, enabled member named `upn` (not yet created), for the unit tests of the store's
/// modules.
#[cfg(test)]
pub(crate) fn test_user(upn: &str) -> roster_core::directory::User {
    let name = roster_core::types::UserPrincipalName::parse(upn).unwrap();
    roster_core::requests::NewUser::new(name, upn.into())
        .unwrap()
        .user
}

/// A security group named `name` (no members, no rule) created in the test store's tenant.
#[cfg(test)]
pub(crate) fn test_group(
    store: &Store,
    change: &Change,
    name: &str,
) -> roster_core::directory::Group {
    let group = roster_core::directory::Group {
        id: ObjectId::new(),
        display_name: name.into(),
        description: None,
        mail_nickname: roster_core::types::MailNickname::parse(name).unwrap(),
        mail: None,
        mail_enabled: false,
        security_enabled: true,
        group_types: Vec::new(),
        membership_rule: None,
        membership_rule_processing_state: None,
        visibility: None,
        licenses: Vec::new(),
        license_processing_state: None,
        created: Utc::now(),
        deleted: None,
    };
    store.create_group(change, &group, &[], &[]).unwrap();
    group
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_keeps_the_rows_and_outcomes_of_jobs_stored_before_batches_had_tables() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("roster.db");
        let (tenant, job) = (ObjectId::new(), ObjectId::new());
        {
            let connection = rusqlite::Connection::open(&path).unwrap();
            connection
                .execute_batch("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY)")
                .unwrap();
            for (version, script) in MIGRATIONS_SQLITE[..2].iter().enumerate() {
                for statement in sql_text::statements(script) {
                    connection.execute_batch(&statement).unwrap();
                }
                connection
                    .execute(
                        "INSERT INTO schema_migrations VALUES (?1)",
                        [version as i64 + 1],
                    )
                    .unwrap();
            }
            connection
                .execute(
                    "INSERT INTO tenants (id, display_name, created_at) VALUES (?1, 'T', 0)",
                    [tenant.to_string()],
                )
                .unwrap();
            connection
                .execute(
                    "INSERT INTO jobs (id, tenant_id, kind, status, options, total_rows, done_rows, failed_rows, \
                     created_by_name, created_at) VALUES (?1, ?2, 'createUsers', 'running', '{}', 2, 1, 0, 'x', 0)",
                    [job.to_string(), tenant.to_string()],
                )
                .unwrap();
            connection
                .execute(
                    "INSERT INTO job_rows (job_id, row_number, input, status, output) VALUES \
                     (?1, 1, '{\"user\":\"a\"}', 'succeeded', '{\"password\":\"p\"}'), (?1, 2, '{\"user\":\"b\"}', 'pending', NULL)",
                    [job.to_string()],
                )
                .unwrap();
        }
        let store = Store::open_sqlite(&path).unwrap();
        let rows = store.job_rows(tenant, job, 0, 10).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
            ["succeeded", "pending"]
        );
        assert_eq!(rows[0].output, Some(serde_json::json!({ "password": "p" })));
        assert_eq!(
            store.pending_job_rows(job, 0).unwrap(),
            [(2, "{\"user\":\"b\"}".to_string())]
        );
    }

    #[test]
    fn an_update_records_only_what_changed() {
        use roster_core::attributes::{AttrValue, find_attribute};
        let before = test_user("a@t.example");
        let mut after = before.clone();
        after.account_enabled = false;
        for (path, value) in [
            ("department", AttrValue::Text("Finance".into())),
            (
                "otherMails",
                AttrValue::TextList(vec!["a@home.example".into()]),
            ),
            (
                "onPremisesExtensionAttributes/extensionAttribute3",
                AttrValue::Text("x".into()),
            ),
        ] {
            after
                .attributes
                .set_at(find_attribute(path).unwrap().0, value);
        }
        assert_eq!(
            user_rows::changed_properties(&before, &after),
            (
                serde_json::json!({ "accountEnabled": true, "department": null, "otherMails": null,
                                    "onPremisesExtensionAttributes": { "extensionAttribute3": null } }),
                serde_json::json!({ "accountEnabled": false, "department": "Finance", "otherMails": ["a@home.example"],
                                    "onPremisesExtensionAttributes": { "extensionAttribute3": "x" } }),
            )
        );
        assert_eq!(
            user_rows::changed_properties(&before, &before),
            (serde_json::json!({}), serde_json::json!({}))
        );
    }

    #[test]
    fn the_recycle_bin_keeps_users_for_thirty_days() {
        let (_directory, store, mut change) = test_store();
        let (old, recent) = (test_user("old@t.example"), test_user("recent@t.example"));
        store.create_user(&change, &old, None).unwrap();
        store.create_user(&change, &recent, None).unwrap();
        change.at = Utc::now() - chrono::Duration::days(31);
        store.delete_user(&change, &UserKey::Id(old.id)).unwrap();
        change.at = Utc::now() - chrono::Duration::days(29);
        store.delete_user(&change, &UserKey::Id(recent.id)).unwrap();

        assert_eq!(store.purge_expired_users(change.tenant_id).unwrap(), 1);
        assert!(matches!(
            store.get_deleted_user(change.tenant_id, old.id),
            Err(Error::NotFound { .. })
        ));
        assert!(store.get_deleted_user(change.tenant_id, recent.id).is_ok());
        let log = store.audit_log(change.tenant_id, 10).unwrap();
        assert!(
            log.iter()
                .any(|r| r.operation == "Hard delete user" && r.target_id == Some(old.id))
        );
    }

    #[test]
    fn a_users_own_password_change_does_not_overwrite_a_reset() {
        use roster_core::directory::PasswordHash;
        let (_directory, store, change) = test_store();
        let ann = test_user("ann@t.example");
        let first = PasswordHash::Argon2id("first".into());
        store.create_user(&change, &ann, Some(&first)).unwrap();
        let stored = |store: &Store| {
            store
                .user_for_sign_in("ann@t.example")
                .unwrap()
                .unwrap()
                .password_hash
                .unwrap()
        };
        let signed_in_with = stored(&store);

        // An administrator resets the password after Ann signed in with the first one.
        let reset = roster_core::requests::UserUpdate {
            password: Some((PasswordHash::Argon2id("reset".into()), true)),
            ..Default::default()
        };
        store
            .update_user(&change, &UserKey::Id(ann.id), &reset)
            .unwrap();
        let after_reset = stored(&store);
        assert_ne!(after_reset, signed_in_with);
        let own = PasswordHash::Argon2id("own".into());
        assert!(
            !store
                .change_own_password(&change, ann.id, &signed_in_with, &own)
                .unwrap()
        );
        assert_eq!(stored(&store), after_reset, "the reset stands");

        // Over the password it holds, the change is made.
        assert!(
            store
                .change_own_password(&change, ann.id, &after_reset, &own)
                .unwrap()
        );
        assert_ne!(stored(&store), after_reset);
    }
}
