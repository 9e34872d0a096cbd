//! Sign-in attempts: smart lockout as Entra ID does it, the sign-in log (kept 30 days: the
//! server's hourly upkeep calls [`Store::forget_sign_ins`]), and the tenant's settings that
//! govern both.
//!
//! Lockout state is kept per sign-in name and *bucket* (`sign_in_lockouts`), in the database so
//! that several servers on one PostgreSQL share it. As Entra counts familiar and unfamiliar
//! locations apart, a source address from which the name has signed in before
//! (`sign_in_familiar`) is a bucket of its own, and every other address shares the name's
//! `unfamiliar` bucket: an attacker with many addresses gets the threshold's guesses in all,
//! and cannot lock the user out at the addresses they use. An attempt is counted as a failure
//! before its password is checked ([`Store::begin_sign_in`]) and forgiven once the password
//! proves right, or once it proves to repeat a recent wrong one ([`Store::finish_sign_in`]),
//! so that concurrent guesses cannot get past the threshold while their passwords are checked.

use chrono::{DateTime, Duration, Utc};
use roster_core::access::Operation;
use roster_core::types::ObjectId;

use crate::authority::authorize;
use crate::db::Tx;
use crate::{Change, Error, ListQuery, Page, Result, SortKey, Store, audit, params};

/// A tenant's sign-in settings (Entra's smart lockout, and the admin center's session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSettings {
    /// Failed sign-ins from one source that lock a name.
    pub lockout_threshold: i64,
    /// The first lockout's length, doubled for each further one.
    pub lockout_duration_seconds: i64,
    /// How long an admin center session lasts after it started, however active.
    pub session_lifetime_seconds: i64,
    /// Days the sign-in log is kept.
    pub sign_in_log_days: i64,
    /// Whether the OAuth password grant (resource owner password credentials) is allowed: a
    /// legacy way to sign in that asks an application for the password, refusable as Entra
    /// lets legacy authentication be blocked.
    pub password_grant: bool,
    /// Whether the device code flow is allowed (a code shown on one device, entered on
    /// another): what device code phishing abuses, for a tenant that does not use it to refuse.
    pub device_code_flow: bool,
}

impl Default for TenantSettings {
    /// Entra ID's defaults: 10 failures, 60 seconds; Microsoft 365's 12-hour session; the
    /// sign-in log kept 30 days (Entra ID P1's); the password grant allowed.
    fn default() -> Self {
        TenantSettings {
            lockout_threshold: 10,
            lockout_duration_seconds: 60,
            session_lifetime_seconds: 12 * 3600,
            sign_in_log_days: 30,
            password_grant: true,
            device_code_flow: true,
        }
    }
}

impl TenantSettings {
    /// The settings' limits, so that no tenant can switch lockout off or lock forever.
    pub const THRESHOLD: std::ops::RangeInclusive<i64> = 1..=100;
    pub const DURATION: std::ops::RangeInclusive<i64> = 5..=86_400;
    pub const SESSION: std::ops::RangeInclusive<i64> = 300..=7 * 86_400;
    pub const LOG_DAYS: std::ops::RangeInclusive<i64> = 1..=365;

    /// The settings' columns of `tenants`, as [`TenantSettings::from_row`] reads them.
    const COLUMNS: &str = "lockout_threshold, lockout_duration_seconds, session_lifetime_seconds, \
         sign_in_log_days, password_grant, device_code_flow";

    /// The settings from a row whose columns from `at` on are [`TenantSettings::COLUMNS`].
    fn from_row(row: &crate::db::Row, at: usize) -> Result<TenantSettings> {
        Ok(TenantSettings {
            lockout_threshold: row.int(at)?,
            lockout_duration_seconds: row.int(at + 1)?,
            session_lifetime_seconds: row.int(at + 2)?,
            sign_in_log_days: row.int(at + 3)?,
            password_grant: row.bool(at + 4)?,
            device_code_flow: row.bool(at + 5)?,
        })
    }
}

/// The longest a lockout lasts, however many came before it.
const MAX_LOCKOUT_SECONDS: i64 = 24 * 3600;
/// Marks of this many recent wrong passwords are kept; trying one again does not count.
const RECENT_WRONG: usize = 3;
/// The bucket every address shares from which a name has not signed in before.
pub const UNFAMILIAR: &str = "unfamiliar";

/// Whether an attempt may go on to check its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInGate {
    /// Check it; the attempt has been counted, in this bucket (the source address if it is
    /// familiar, else [`UNFAMILIAR`]).
    Proceed { bucket: String },
    /// The name is locked in this source's bucket until then: do not check the password.
    Locked { until: DateTime<Utc> },
}

/// One sign-in attempt as the sign-in log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub id: ObjectId,
    pub tenant_id: Option<ObjectId>,
    pub at: DateTime<Utc>,
    pub user_id: Option<ObjectId>,
    /// The name as given.
    pub user_principal_name: String,
    pub client_ip: Option<String>,
    /// What was signed in to: "Admin center", or the OAuth client's id.
    pub client: String,
    /// Entra's AADSTS code: 0 for success, 50126 for a wrong name or password, 50053 locked,
    /// 50057 blocked, 50055 password expired, ...
    pub error_code: i64,
    pub failure_reason: Option<String>,
    /// The application's client id, when one was named (not the admin center's own sign-in).
    pub app_id: Option<ObjectId>,
    /// The user was there (a password, a browser's session); not an application renewing a
    /// token.
    pub interactive: bool,
    /// The request's id, which its response and the server's log carry.
    pub correlation_id: Option<String>,
}

/// A name's lockout state in a bucket, created empty if need be and locked for the rest of the
/// transaction (a row must exist for `FOR UPDATE` to lock it on PostgreSQL, where two first
/// failures at once would otherwise both count from nothing).
pub(crate) fn lockout_row(
    tx: &mut dyn Tx,
    name_key: &str,
    bucket: &str,
    now: DateTime<Utc>,
) -> Result<Lockout> {
    tx.execute(
        "INSERT INTO sign_in_lockouts (name_key, source, failures, lockouts, locked_until, recent_wrong, updated_at) \
         VALUES ($1, $2, 0, 0, NULL, '', $3) ON CONFLICT (name_key, source) DO NOTHING",
        &params![name_key, bucket, now],
    )?;
    let sql = format!(
        "SELECT failures, lockouts, locked_until, recent_wrong FROM sign_in_lockouts \
         WHERE name_key = $1 AND source = $2{}",
        tx.row_lock()
    );
    let row = tx
        .query_one(&sql, &params![name_key, bucket])?
        .ok_or_else(|| Error::Database("a lockout row just written is gone".into()))?;
    Ok(Lockout {
        failures: row.int(0)?,
        lockouts: row.int(1)?,
        locked_until: row.opt_timestamp(2)?,
        recent: row
            .text(3)?
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    })
}

/// A name's failures in one bucket.
pub(crate) struct Lockout {
    /// Attempts counted and not forgiven: failed, or still being checked.
    pub(crate) failures: i64,
    /// Lockouts so far (each lasts twice the one before).
    lockouts: i64,
    pub(crate) locked_until: Option<DateTime<Utc>>,
    /// Marks of the last wrong passwords.
    recent: Vec<String>,
}

impl Lockout {
    /// Locks the name for the tenant's duration, doubled for each lockout before, and starts
    /// counting afresh.
    pub(crate) fn lock(&mut self, first_seconds: i64, now: DateTime<Utc>) -> DateTime<Utc> {
        let doublings = self.lockouts.clamp(0, 20) as u32;
        let seconds = first_seconds
            .saturating_mul(1 << doublings)
            .min(MAX_LOCKOUT_SECONDS);
        let until = now + Duration::seconds(seconds);
        self.locked_until = Some(until);
        self.lockouts += 1;
        self.failures = 0;
        until
    }

    pub(crate) fn write(
        &self,
        tx: &mut dyn Tx,
        name_key: &str,
        bucket: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            "UPDATE sign_in_lockouts SET failures = $3, lockouts = $4, locked_until = $5, recent_wrong = $6, \
             updated_at = $7 WHERE name_key = $1 AND source = $2",
            &params![
                name_key,
                bucket,
                self.failures,
                self.lockouts,
                self.locked_until,
                self.recent.join(" "),
                now
            ],
        )?;
        Ok(())
    }
}

impl Store {
    /// A tenant's sign-in settings.
    pub fn tenant_settings(&self, tenant_id: ObjectId) -> Result<TenantSettings> {
        self.pool.read(|tx| {
            let row = tx
                .query_one(
                    &format!(
                        "SELECT {} FROM tenants WHERE id = $1",
                        TenantSettings::COLUMNS
                    ),
                    &params![tenant_id],
                )?
                .ok_or_else(|| Error::NotFound {
                    kind: "tenant",
                    id: tenant_id.to_string(),
                })?;
            TenantSettings::from_row(&row, 0)
        })
    }

    /// Changes a tenant's sign-in settings (each within its range), with its audit record.
    pub fn set_tenant_settings(&self, change: &Change, settings: &TenantSettings) -> Result<()> {
        for (value, range, name) in [
            (
                settings.lockout_threshold,
                TenantSettings::THRESHOLD,
                "lockoutThreshold",
            ),
            (
                settings.lockout_duration_seconds,
                TenantSettings::DURATION,
                "lockoutDurationInSeconds",
            ),
            (
                settings.session_lifetime_seconds,
                TenantSettings::SESSION,
                "sessionLifetimeInSeconds",
            ),
            (
                settings.sign_in_log_days,
                TenantSettings::LOG_DAYS,
                "signInLogRetentionInDays",
            ),
        ] {
            if !range.contains(&value) {
                return Err(Error::Invalid(roster_core::types::InvalidValue::new(
                    name,
                    roster_core::types::Problem::OutOfRange(*range.start(), *range.end()),
                )));
            }
        }
        let before = self.tenant_settings(change.tenant_id)?;
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageSettings], None)?;
            tx.execute(
                "UPDATE tenants SET lockout_threshold = $2, lockout_duration_seconds = $3, \
                 session_lifetime_seconds = $4, sign_in_log_days = $5, password_grant = $6, \
                 device_code_flow = $7 WHERE id = $1",
                &params![
                    change.tenant_id,
                    settings.lockout_threshold,
                    settings.lockout_duration_seconds,
                    settings.session_lifetime_seconds,
                    settings.sign_in_log_days,
                    settings.password_grant,
                    settings.device_code_flow
                ],
            )?;
            let json = |s: &TenantSettings| {
                serde_json::json!({
                    "lockoutThreshold": s.lockout_threshold,
                    "lockoutDurationInSeconds": s.lockout_duration_seconds,
                    "sessionLifetimeInSeconds": s.session_lifetime_seconds,
                    "signInLogRetentionInDays": s.sign_in_log_days,
                    "passwordGrantAllowed": s.password_grant,
                    "deviceCodeFlowAllowed": s.device_code_flow,
                })
            };
            audit(
                tx,
                change,
                "Update tenant settings",
                Some((change.tenant_id, "sign-in settings")),
                Some(json(&before)),
                Some(json(settings)),
            )
        })
    }

    /// The settings of the tenant that owns the name's domain (the defaults when none does,
    /// so that a name answers alike whether or not it exists).
    pub fn sign_in_settings(&self, name: &str) -> Result<(Option<ObjectId>, TenantSettings)> {
        let domain = name
            .rsplit_once('@')
            .map_or("", |(_, domain)| domain)
            .to_lowercase();
        self.pool.read(|tx| {
            let row = tx.query_one(
                &format!(
                    "SELECT t.id, {} FROM domains d JOIN tenants t ON t.id = d.tenant_id \
                     WHERE d.name = $1 AND d.is_verified = $2",
                    TenantSettings::COLUMNS
                ),
                &params![domain, true],
            )?;
            Ok(match row {
                Some(row) => (
                    Some(ObjectId::from(row.uuid(0)?)),
                    TenantSettings::from_row(&row, 1)?,
                ),
                None => (None, TenantSettings::default()),
            })
        })
    }

    /// Before a password is checked: refuses a name locked in this source's bucket, and
    /// otherwise counts the attempt as a failure in advance. When the attempts counted reach the
    /// threshold (failed, or still being checked, or whose request was dropped), the name is
    /// locked at once.
    pub fn begin_sign_in(
        &self,
        name_key: &str,
        source: &str,
        settings: &TenantSettings,
        now: DateTime<Utc>,
    ) -> Result<SignInGate> {
        self.pool.write(|tx| {
            let familiar = tx
                .query_one(
                    "SELECT 1 FROM sign_in_familiar WHERE name_key = $1 AND source = $2",
                    &params![name_key, source],
                )?
                .is_some();
            let bucket = if familiar { source } else { UNFAMILIAR };
            let mut lockout = lockout_row(tx, name_key, bucket, now)?;
            if let Some(until) = lockout.locked_until.filter(|until| *until > now) {
                return Ok(SignInGate::Locked { until });
            }
            if lockout.failures >= settings.lockout_threshold {
                let until = lockout.lock(settings.lockout_duration_seconds, now);
                lockout.write(tx, name_key, bucket, now)?;
                return Ok(SignInGate::Locked { until });
            }
            lockout.failures += 1;
            lockout.write(tx, name_key, bucket, now)?;
            Ok(SignInGate::Proceed {
                bucket: bucket.to_string(),
            })
        })
    }

    /// After a password was checked: a right one (`password_mark` `None`) clears the name's
    /// failures in its bucket and makes the source familiar; a wrong one stays counted unless
    /// its mark (derived from its Argon2id computation, so no cheaper to reverse than the stored
    /// hash) is one of the recent wrong ones, and locks the name once the failures reach the
    /// threshold. Writes the attempt to the sign-in log in the same transaction.
    pub fn finish_sign_in(
        &self,
        (name_key, source, bucket): (&str, &str, &str),
        password_mark: Option<&str>,
        settings: &TenantSettings,
        entry: &SignIn,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let now = entry.at;
            let mut lockout = lockout_row(tx, name_key, bucket, now)?;
            match password_mark {
                None => {
                    lockout.failures = 0;
                    lockout.recent.clear();
                    tx.execute(
                        "INSERT INTO sign_in_familiar (name_key, source, last_success_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (name_key, source) DO UPDATE SET last_success_at = $3",
                        &params![name_key, source, now],
                    )?;
                }
                Some(mark) if lockout.recent.iter().any(|recent| recent == mark) => {
                    // Tried before: it does not count again.
                    lockout.failures = (lockout.failures - 1).max(0);
                }
                Some(mark) => {
                    lockout.recent.push(mark.to_string());
                    let keep_from = lockout.recent.len().saturating_sub(RECENT_WRONG);
                    lockout.recent.drain(..keep_from);
                    if lockout.failures >= settings.lockout_threshold {
                        lockout.lock(settings.lockout_duration_seconds, now);
                    }
                }
            }
            lockout.write(tx, name_key, bucket, now)?;
            write_sign_in(tx, entry)
        })
    }

    /// Writes an attempt that checked no password (a locked name) to the sign-in log.
    pub fn log_sign_in(&self, entry: &SignIn) -> Result<()> {
        self.pool.write(|tx| write_sign_in(tx, entry))
    }

    /// A page of a tenant's sign-ins as a list query asks (Graph's `$filter` on the user, the
    /// application, the time, the status and more), newest first unless it asks otherwise.
    pub fn sign_ins(&self, tenant_id: ObjectId, query: &ListQuery) -> Result<Page<SignIn>> {
        let mut query = query.clone();
        if query.order.is_none() {
            query.order = Some(SortKey {
                property: "createdDateTime".into(),
                descending: true,
            });
        }
        self.pool.read(|tx| {
            let (rows, next, count) = crate::query::list_rows(
                tx,
                &crate::collections::SignInSchema,
                SIGN_IN_COLUMNS,
                "tenant_id = $1",
                params![tenant_id].to_vec(),
                &query,
            )?;
            Ok(Page {
                items: rows.iter().map(sign_in_from).collect::<Result<_>>()?,
                next,
                count,
            })
        })
    }

    /// Forgets lockout state untouched since `failures_before` whose lockout has ended (a
    /// name's failures are forgiven after a quiet day), familiar addresses not signed in from
    /// since `familiar_before`, and each tenant's sign-ins older than it keeps them (those of
    /// names no tenant owns after the default 30 days).
    pub fn forget_sign_ins(
        &self,
        failures_before: DateTime<Utc>,
        familiar_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.pool.write(|tx| {
            let mut forgotten = tx.execute(
                "DELETE FROM sign_in_lockouts WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
                &params![failures_before],
            )? + tx.execute(
                "DELETE FROM sign_in_familiar WHERE last_success_at < $1",
                &params![familiar_before],
            )?;
            let tenants = tx.query("SELECT id, sign_in_log_days FROM tenants", &[])?;
            for row in &tenants {
                let before = now - Duration::days(row.int(1)?);
                forgotten += tx.execute(
                    "DELETE FROM sign_ins WHERE tenant_id = $1 AND at < $2",
                    &params![row.uuid(0)?, before],
                )?;
            }
            let before = now - Duration::days(TenantSettings::default().sign_in_log_days);
            forgotten += tx.execute(
                "DELETE FROM sign_ins WHERE tenant_id IS NULL AND at < $1",
                &params![before],
            )?;
            Ok(forgotten)
        })
    }
}

const SIGN_IN_COLUMNS: &str = "id, tenant_id, at, user_id, user_principal_name, client_ip, client, \
     error_code, failure_reason, app_id, interactive, correlation_id";

fn sign_in_from(row: &crate::db::Row) -> Result<SignIn> {
    Ok(SignIn {
        id: ObjectId::from(row.uuid(0)?),
        tenant_id: row.opt_uuid(1)?.map(ObjectId::from),
        at: row.timestamp(2)?,
        user_id: row.opt_uuid(3)?.map(ObjectId::from),
        user_principal_name: row.text(4)?,
        client_ip: row.opt_text(5)?,
        client: row.text(6)?,
        error_code: row.int(7)?,
        failure_reason: row.opt_text(8)?,
        app_id: row.opt_uuid(9)?.map(ObjectId::from),
        interactive: row.bool(10)?,
        correlation_id: row.opt_text(11)?,
    })
}

/// Writes a sign-in to the log and, for a known user, to the user's sign-in activity: an
/// interactive attempt (successful or not) or a renewal, and a success of either kind.
pub(crate) fn write_sign_in(tx: &mut dyn Tx, entry: &SignIn) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO sign_ins ({SIGN_IN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ),
        &params![
            entry.id,
            entry.tenant_id,
            entry.at,
            entry.user_id,
            entry.user_principal_name.clone(),
            entry.client_ip.clone(),
            entry.client.clone(),
            entry.error_code,
            entry.failure_reason.clone(),
            entry.app_id,
            entry.interactive,
            entry.correlation_id.clone()
        ],
    )?;
    if let Some(user_id) = entry.user_id {
        let attempt = if entry.interactive {
            "last_sign_in_at"
        } else {
            "last_non_interactive_sign_in_at"
        };
        // To the minute, as Entra keeps it: an application renewing tokens every few seconds
        // does not rewrite its user's row each time. Each column is its own: a success a moment
        // after a failure is still the last success.
        let stale = |column: &str| format!("({column} IS NULL OR {column} < $3)");
        let sql = if entry.error_code == 0 {
            format!(
                "UPDATE users SET {attempt} = CASE WHEN {} THEN $2 ELSE {attempt} END, \
                 last_successful_sign_in_at = CASE WHEN {} THEN $2 ELSE last_successful_sign_in_at END \
                 WHERE id = $1 AND ({} OR {})",
                stale(attempt),
                stale("last_successful_sign_in_at"),
                stale(attempt),
                stale("last_successful_sign_in_at")
            )
        } else {
            format!(
                "UPDATE users SET {attempt} = $2 WHERE id = $1 AND {}",
                stale(attempt)
            )
        };
        tx.execute(
            &sql,
            &params![user_id, entry.at, entry.at - Duration::minutes(1)],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: DateTime<Utc>, code: i64) -> SignIn {
        SignIn {
            id: ObjectId::new(),
            tenant_id: None,
            at,
            user_id: None,
            user_principal_name: "ann@t.example".into(),
            client_ip: Some("192.0.2.1".into()),
            client: "test".into(),
            error_code: code,
            failure_reason: None,
            app_id: None,
            interactive: true,
            correlation_id: None,
        }
    }

    /// One attempt from `source`, as the server makes it: `mark` for a wrong password, `None`
    /// for the right one.
    fn attempt(
        store: &Store,
        source: &str,
        mark: Option<&str>,
        settings: &TenantSettings,
        now: DateTime<Utc>,
    ) -> SignInGate {
        let gate = store
            .begin_sign_in("ann@t.example", source, settings, now)
            .unwrap();
        if let SignInGate::Proceed { bucket } = &gate {
            let code = if mark.is_some() { 50126 } else { 0 };
            store
                .finish_sign_in(
                    ("ann@t.example", source, bucket),
                    mark,
                    settings,
                    &entry(now, code),
                )
                .unwrap();
        }
        gate
    }

    fn now() -> DateTime<Utc> {
        chrono::SubsecRound::trunc_subsecs(Utc::now(), 6)
    }

    fn proceeds_in(bucket: &str) -> SignInGate {
        SignInGate::Proceed {
            bucket: bucket.into(),
        }
    }

    fn locked(store: &Store, source: &str, settings: &TenantSettings, now: DateTime<Utc>) -> bool {
        matches!(
            store
                .begin_sign_in("ann@t.example", source, settings, now)
                .unwrap(),
            SignInGate::Locked { .. }
        )
    }

    #[test]
    fn ten_failures_lock_for_a_minute_then_longer() {
        let (_directory, store, _) = crate::test_store();
        let settings = TenantSettings::default();
        let now = now();
        for index in 0..10 {
            let mark = format!("wrong-{index}");
            let gate = attempt(&store, "192.0.2.1", Some(&mark), &settings, now);
            assert_eq!(gate, proceeds_in(UNFAMILIAR), "attempt {index}");
        }
        let gate = store
            .begin_sign_in("ann@t.example", "192.0.2.1", &settings, now)
            .unwrap();
        assert_eq!(
            gate,
            SignInGate::Locked {
                until: now + Duration::seconds(60)
            }
        );
        // Every unfamiliar address shares the lock: many addresses get no more guesses.
        assert!(locked(&store, "198.51.100.7", &settings, now));
        // After the minute, ten more failures lock for two minutes.
        let later = now + Duration::seconds(61);
        for index in 10..20 {
            let mark = format!("wrong-{index}");
            attempt(&store, "192.0.2.1", Some(&mark), &settings, later);
        }
        assert_eq!(
            store
                .begin_sign_in("ann@t.example", "192.0.2.1", &settings, later)
                .unwrap(),
            SignInGate::Locked {
                until: later + Duration::seconds(120)
            }
        );
        // Every attempt is in the log.
        let logged = store
            .pool
            .read(|tx| Ok(tx.query("SELECT 1 FROM sign_ins", &[])?.len()));
        assert_eq!(logged.unwrap(), 20);
    }

    #[test]
    fn an_address_the_user_signed_in_from_is_not_locked_out_by_others() {
        let (_directory, store, _) = crate::test_store();
        let settings = TenantSettings::default();
        let now = now();
        // Ann signs in from home: home becomes a bucket of its own.
        let first = attempt(&store, "192.0.2.1", None, &settings, now);
        assert_eq!(first, proceeds_in(UNFAMILIAR));
        for index in 0..10 {
            let mark = format!("guess-{index}");
            attempt(&store, "203.0.113.9", Some(&mark), &settings, now);
        }
        assert!(locked(&store, "203.0.113.9", &settings, now));
        let home = attempt(&store, "192.0.2.1", None, &settings, now);
        assert_eq!(home, proceeds_in("192.0.2.1"));
    }

    #[test]
    fn the_same_wrong_password_counts_once_and_a_right_one_clears() {
        let (_directory, store, _) = crate::test_store();
        let settings = TenantSettings::default();
        let now = now();
        for _ in 0..30 {
            let gate = attempt(&store, "192.0.2.1", Some("same"), &settings, now);
            assert_eq!(gate, proceeds_in(UNFAMILIAR));
        }
        for index in 0..8 {
            let mark = format!("other-{index}");
            attempt(&store, "192.0.2.1", Some(&mark), &settings, now);
        }
        // Nine counted: a right password now clears them.
        let right = attempt(&store, "192.0.2.1", None, &settings, now);
        assert_eq!(right, proceeds_in(UNFAMILIAR));
        for index in 0..9 {
            let mark = format!("again-{index}");
            let gate = attempt(&store, "192.0.2.1", Some(&mark), &settings, now);
            assert_eq!(gate, proceeds_in("192.0.2.1"));
        }
    }

    #[test]
    fn attempts_never_finished_lock_for_the_duration_not_for_ever() {
        let (_directory, store, _) = crate::test_store();
        let settings = TenantSettings {
            lockout_threshold: 3,
            ..Default::default()
        };
        let now = now();
        // Three guesses counted and never finished (being checked, or their requests dropped).
        for _ in 0..3 {
            let gate = store
                .begin_sign_in("ann@t.example", "192.0.2.1", &settings, now)
                .unwrap();
            assert_eq!(gate, proceeds_in(UNFAMILIAR));
        }
        assert_eq!(
            store
                .begin_sign_in("ann@t.example", "192.0.2.1", &settings, now)
                .unwrap(),
            SignInGate::Locked {
                until: now + Duration::seconds(60)
            }
        );
        let later = now + Duration::seconds(61);
        assert_eq!(
            store
                .begin_sign_in("ann@t.example", "192.0.2.1", &settings, later)
                .unwrap(),
            proceeds_in(UNFAMILIAR)
        );
    }

    #[test]
    fn settings_stay_within_their_bounds() {
        let (_directory, store, change) = crate::test_store();
        assert_eq!(
            store.tenant_settings(change.tenant_id).unwrap(),
            TenantSettings::default()
        );
        let off = TenantSettings {
            lockout_threshold: 0,
            ..Default::default()
        };
        assert!(matches!(
            store.set_tenant_settings(&change, &off),
            Err(Error::Invalid(invalid)) if invalid.property == "lockoutThreshold"
                && invalid.reason == roster_core::types::Problem::OutOfRange(1, 100)
        ));
        let forever = TenantSettings {
            sign_in_log_days: 366,
            ..Default::default()
        };
        assert!(matches!(
            store.set_tenant_settings(&change, &forever),
            Err(Error::Invalid(invalid)) if invalid.property == "signInLogRetentionInDays"
        ));
        let stricter = TenantSettings {
            lockout_threshold: 5,
            lockout_duration_seconds: 300,
            session_lifetime_seconds: 3600,
            sign_in_log_days: 7,
            password_grant: false,
            device_code_flow: false,
        };
        store.set_tenant_settings(&change, &stricter).unwrap();
        assert_eq!(store.tenant_settings(change.tenant_id).unwrap(), stricter);
        assert_eq!(
            store.sign_in_settings("x@T.example").unwrap(),
            (Some(change.tenant_id), stricter)
        );
        assert_eq!(
            store.sign_in_settings("x@nowhere.example").unwrap(),
            (None, TenantSettings::default())
        );
    }

    /// Each tenant's log is kept as long as it says; names of no tenant's 30 days. A user's
    /// sign-in activity follows the log: an interactive attempt, a renewal, a success.
    #[test]
    fn the_log_is_kept_as_long_as_each_tenant_says_and_marks_the_users_activity() {
        let (_directory, store, change) = crate::test_store();
        let user = crate::testing::test_user("ann@t.example");
        store.create_user(&change, &user, None).unwrap();
        let keep_a_week = TenantSettings {
            sign_in_log_days: 7,
            ..Default::default()
        };
        store.set_tenant_settings(&change, &keep_a_week).unwrap();
        let now = now();
        let logged = |days_ago: i64, tenant: Option<ObjectId>, interactive: bool, code: i64| {
            let mut sign_in = entry(now - Duration::days(days_ago), code);
            sign_in.tenant_id = tenant;
            sign_in.user_id = tenant.map(|_| user.id);
            sign_in.interactive = interactive;
            store.log_sign_in(&sign_in).unwrap();
        };
        logged(10, Some(change.tenant_id), true, 0);
        logged(3, Some(change.tenant_id), false, 0);
        logged(2, Some(change.tenant_id), true, 50057);
        logged(10, None, true, 50126);
        logged(40, None, true, 50126);
        let activity = store
            .get_user(change.tenant_id, &crate::UserKey::Id(user.id))
            .unwrap()
            .sign_in_activity;
        assert_eq!(activity.last_sign_in, Some(now - Duration::days(2)));
        assert_eq!(
            activity.last_non_interactive_sign_in,
            Some(now - Duration::days(3))
        );
        assert_eq!(
            activity.last_successful_sign_in,
            Some(now - Duration::days(3))
        );
        store
            .forget_sign_ins(now - Duration::days(1), now - Duration::days(90), now)
            .unwrap();
        let left = store
            .sign_ins(
                change.tenant_id,
                &ListQuery {
                    top: 10,
                    ..Default::default()
                },
            )
            .unwrap()
            .items;
        // The tenant's two of this week, newest first.
        let ages: Vec<i64> = left.iter().map(|e| (now - e.at).num_days()).collect();
        assert_eq!(ages, vec![2, 3]);
        let unowned: i64 = store
            .pool
            .read(|tx| {
                tx.query_one("SELECT COUNT(*) FROM sign_ins WHERE tenant_id IS NULL", &[])?
                    .map_or(Ok(0), |row| row.int(0))
            })
            .unwrap();
        assert_eq!(
            unowned, 1,
            "the 10-day-old one of no tenant is kept 30 days"
        );
    }
}
