//! Sign-in attempts: smart lockout as Entra ID does it, the sign-in log, and the tenant's
//! settings that govern both.
//!
//! Lockout state is kept per sign-in name and source address (`sign_in_lockouts`), in the
//! database so that several servers on one PostgreSQL share it. An attempt is counted as a
//! failure before its password is checked ([`Store::begin_sign_in`]) and forgiven once the
//! password proves right ([`Store::finish_sign_in`]), so that concurrent guesses cannot get
//! past the threshold while their passwords are being checked.

use chrono::{DateTime, Duration, Utc};
use roster_core::types::ObjectId;

use crate::db::Tx;
use crate::{Change, Error, Result, Store, audit, params};

/// A tenant's sign-in settings (Entra's smart lockout, and the admin center's session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSettings {
    /// Failed sign-ins from one source that lock a name.
    pub lockout_threshold: i64,
    /// The first lockout's length, doubled for each further one.
    pub lockout_duration_seconds: i64,
    /// How long an admin center session lasts after it started, however active.
    pub session_lifetime_seconds: i64,
}

impl Default for TenantSettings {
    /// Entra ID's defaults: 10 failures, 60 seconds; Microsoft 365's 12-hour session.
    fn default() -> Self {
        TenantSettings {
            lockout_threshold: 10,
            lockout_duration_seconds: 60,
            session_lifetime_seconds: 12 * 3600,
        }
    }
}

impl TenantSettings {
    /// The settings' limits, so that no tenant can switch lockout off or lock forever.
    pub const THRESHOLD: std::ops::RangeInclusive<i64> = 1..=100;
    pub const DURATION: std::ops::RangeInclusive<i64> = 5..=86_400;
    pub const SESSION: std::ops::RangeInclusive<i64> = 300..=7 * 86_400;
}

/// The longest a lockout lasts, however many came before it.
const MAX_LOCKOUT_SECONDS: i64 = 24 * 3600;
/// Keyed marks of this many recent wrong passwords are kept; trying one again does not count.
const RECENT_WRONG: usize = 3;

/// Whether an attempt may go on to check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInGate {
    /// Check it; `counted` says whether the attempt was counted as a failure in advance (it
    /// was not if it repeats one of the recent wrong passwords).
    Proceed { counted: bool },
    /// The name is locked from this source until then: do not check the password.
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
}

fn lockout_row(
    tx: &mut dyn Tx,
    name_key: &str,
    source: &str,
) -> Result<Option<(i64, i64, Option<DateTime<Utc>>, Vec<String>)>> {
    let sql = format!(
        "SELECT failures, lockouts, locked_until, recent_wrong FROM sign_in_lockouts \
         WHERE name_key = $1 AND source = $2{}",
        tx.row_lock()
    );
    Ok(tx.query_one(&sql, &params![name_key, source])?.map(|row| {
        let recent = row.text(3).split_whitespace().map(str::to_string).collect();
        (row.int(0), row.int(1), row.opt_timestamp(2), recent)
    }))
}

fn write_lockout_row(
    tx: &mut dyn Tx,
    name_key: &str,
    source: &str,
    (failures, lockouts, locked_until, recent): (i64, i64, Option<DateTime<Utc>>, &[String]),
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO sign_in_lockouts (name_key, source, failures, lockouts, locked_until, recent_wrong, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (name_key, source) DO UPDATE SET failures = $3, lockouts = $4, locked_until = $5, \
         recent_wrong = $6, updated_at = $7",
        &params![name_key, source, failures, lockouts, locked_until, recent.join(" "), now],
    )?;
    Ok(())
}

impl Store {
    /// A tenant's sign-in settings.
    pub fn tenant_settings(&self, tenant_id: ObjectId) -> Result<TenantSettings> {
        self.pool.read(|tx| {
            let row = tx
                .query_one(
                    "SELECT lockout_threshold, lockout_duration_seconds, session_lifetime_seconds \
                     FROM tenants WHERE id = $1",
                    &params![tenant_id],
                )?
                .ok_or_else(|| Error::NotFound {
                    kind: "tenant",
                    id: tenant_id.to_string(),
                })?;
            Ok(TenantSettings {
                lockout_threshold: row.int(0),
                lockout_duration_seconds: row.int(1),
                session_lifetime_seconds: row.int(2),
            })
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
        ] {
            if !range.contains(&value) {
                return Err(Error::BadRequest(format!(
                    "Property {name} is invalid: it must be from {} to {}.",
                    range.start(),
                    range.end()
                )));
            }
        }
        let before = self.tenant_settings(change.tenant_id)?;
        self.pool.write(|tx| {
            tx.execute(
                "UPDATE tenants SET lockout_threshold = $2, lockout_duration_seconds = $3, \
                 session_lifetime_seconds = $4 WHERE id = $1",
                &params![
                    change.tenant_id,
                    settings.lockout_threshold,
                    settings.lockout_duration_seconds,
                    settings.session_lifetime_seconds
                ],
            )?;
            let json = |s: &TenantSettings| {
                serde_json::json!({
                    "lockoutThreshold": s.lockout_threshold,
                    "lockoutDurationInSeconds": s.lockout_duration_seconds,
                    "sessionLifetimeInSeconds": s.session_lifetime_seconds,
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
                "SELECT t.id, t.lockout_threshold, t.lockout_duration_seconds, t.session_lifetime_seconds \
                 FROM domains d JOIN tenants t ON t.id = d.tenant_id WHERE d.name = $1",
                &params![domain],
            )?;
            Ok(match row {
                Some(row) => (
                    Some(ObjectId::from(row.uuid(0))),
                    TenantSettings {
                        lockout_threshold: row.int(1),
                        lockout_duration_seconds: row.int(2),
                        session_lifetime_seconds: row.int(3),
                    },
                ),
                None => (None, TenantSettings::default()),
            })
        })
    }

    /// Before a password is checked: refuses a name locked from this source, and otherwise
    /// counts the attempt as a failure in advance, unless its password's mark (`password_mark`,
    /// a keyed hash the caller makes) is one of the recent wrong ones, which do not count again.
    /// Counted attempts that reach the threshold lock the name even while they are checked.
    pub fn begin_sign_in(
        &self,
        name_key: &str,
        source: &str,
        password_mark: &str,
        settings: &TenantSettings,
        now: DateTime<Utc>,
    ) -> Result<SignInGate> {
        self.pool.write(|tx| {
            let (failures, lockouts, locked_until, recent) =
                lockout_row(tx, name_key, source)?.unwrap_or((0, 0, None, Vec::new()));
            if let Some(until) = locked_until.filter(|until| *until > now) {
                return Ok(SignInGate::Locked { until });
            }
            if recent.iter().any(|mark| mark == password_mark) {
                return Ok(SignInGate::Proceed { counted: false });
            }
            if failures >= settings.lockout_threshold {
                // As many attempts as the threshold are being checked right now: wait for them.
                return Ok(SignInGate::Locked { until: now });
            }
            write_lockout_row(
                tx,
                name_key,
                source,
                (failures + 1, lockouts, locked_until, &recent),
                now,
            )?;
            Ok(SignInGate::Proceed { counted: true })
        })
    }

    /// After a password was checked: a right one clears the name's failures from this source;
    /// a wrong one that was counted stays counted, locks the name once the failures reach the
    /// threshold (for the tenant's duration, doubled for each lockout before), and its mark is
    /// remembered. Writes the attempt to the sign-in log in the same transaction.
    pub fn finish_sign_in(
        &self,
        (name_key, source, password_mark): (&str, &str, &str),
        password_right: bool,
        counted: bool,
        settings: &TenantSettings,
        entry: &SignIn,
    ) -> Result<()> {
        self.pool.write(|tx| {
            if password_right {
                tx.execute(
                    "DELETE FROM sign_in_lockouts WHERE name_key = $1 AND source = $2",
                    &params![name_key, source],
                )?;
            } else if counted {
                let (mut failures, mut lockouts, mut locked_until, mut recent) =
                    lockout_row(tx, name_key, source)?.unwrap_or((1, 0, None, Vec::new()));
                if failures >= settings.lockout_threshold {
                    let doublings = lockouts.clamp(0, 20) as u32;
                    let seconds = settings
                        .lockout_duration_seconds
                        .saturating_mul(1 << doublings)
                        .min(MAX_LOCKOUT_SECONDS);
                    locked_until = Some(entry.at + Duration::seconds(seconds));
                    lockouts += 1;
                    failures = 0;
                }
                recent.retain(|mark| mark != password_mark);
                recent.push(password_mark.to_string());
                let keep_from = recent.len().saturating_sub(RECENT_WRONG);
                write_lockout_row(
                    tx,
                    name_key,
                    source,
                    (failures, lockouts, locked_until, &recent[keep_from..]),
                    entry.at,
                )?;
            }
            log_sign_in(tx, entry)
        })
    }

    /// Gives back an attempt [`Store::begin_sign_in`] counted whose password was never checked.
    pub fn cancel_sign_in(&self, name_key: &str, source: &str) -> Result<()> {
        self.pool.write(|tx| {
            tx.execute(
                "UPDATE sign_in_lockouts SET failures = failures - 1 WHERE name_key = $1 AND source = $2 AND failures > 0",
                &params![name_key, source],
            )?;
            Ok(())
        })
    }

    /// Writes an attempt that checked no password (a locked name) to the sign-in log.
    pub fn log_sign_in(&self, entry: &SignIn) -> Result<()> {
        self.pool.write(|tx| log_sign_in(tx, entry))
    }

    /// A tenant's most recent sign-ins, newest first.
    pub fn sign_ins(&self, tenant_id: ObjectId, limit: usize) -> Result<Vec<SignIn>> {
        self.pool.read(|tx| {
            Ok(tx
                .query(
                    "SELECT tenant_id, at, user_id, user_principal_name, client_ip, client, error_code, failure_reason, id \
                     FROM sign_ins WHERE tenant_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
                    &params![tenant_id, limit as i64],
                )?
                .iter()
                .map(|row| SignIn {
                    id: ObjectId::from(row.uuid(8)),
                    tenant_id: row.opt_uuid(0).map(ObjectId::from),
                    at: row.timestamp(1),
                    user_id: row.opt_uuid(2).map(ObjectId::from),
                    user_principal_name: row.text(3),
                    client_ip: row.opt_text(4),
                    client: row.text(5),
                    error_code: row.int(6),
                    failure_reason: row.opt_text(7),
                })
                .collect())
        })
    }

    /// Forgets lockout state untouched since `cutoff` whose lockout has ended: a name's
    /// failures are forgiven after a quiet day.
    pub fn forget_sign_in_failures_before(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        self.pool.write(|tx| {
            tx.execute(
                "DELETE FROM sign_in_lockouts WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
                &params![cutoff],
            )
        })
    }
}

fn log_sign_in(tx: &mut dyn Tx, entry: &SignIn) -> Result<()> {
    tx.execute(
        "INSERT INTO sign_ins (id, tenant_id, at, user_id, user_principal_name, client_ip, client, error_code, failure_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &params![
            entry.id,
            entry.tenant_id,
            entry.at,
            entry.user_id,
            entry.user_principal_name.clone(),
            entry.client_ip.clone(),
            entry.client.clone(),
            entry.error_code,
            entry.failure_reason.clone()
        ],
    )?;
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
        }
    }

    /// One wrong attempt of `mark` from `source`, as the server makes it.
    fn fail(
        store: &Store,
        source: &str,
        mark: &str,
        settings: &TenantSettings,
        now: DateTime<Utc>,
    ) -> SignInGate {
        let gate = store
            .begin_sign_in("ann@t.example", source, mark, settings, now)
            .unwrap();
        if let SignInGate::Proceed { counted } = gate {
            store
                .finish_sign_in(
                    ("ann@t.example", source, mark),
                    false,
                    counted,
                    settings,
                    &entry(now, 50126),
                )
                .unwrap();
        }
        gate
    }

    #[test]
    fn ten_failures_lock_for_a_minute_then_longer() {
        let (_directory, store, _) = crate::test_store();
        let settings = TenantSettings::default();
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        for attempt in 0..10 {
            let gate = fail(
                &store,
                "192.0.2.1",
                &format!("wrong-{attempt}"),
                &settings,
                now,
            );
            assert_eq!(
                gate,
                SignInGate::Proceed { counted: true },
                "attempt {attempt}"
            );
        }
        let gate = store
            .begin_sign_in("ann@t.example", "192.0.2.1", "right", &settings, now)
            .unwrap();
        assert_eq!(
            gate,
            SignInGate::Locked {
                until: now + Duration::seconds(60)
            }
        );
        // Another source is not locked out by these failures.
        assert_eq!(
            store
                .begin_sign_in("ann@t.example", "198.51.100.7", "right", &settings, now)
                .unwrap(),
            SignInGate::Proceed { counted: true }
        );
        // After the minute, ten more failures lock for two minutes.
        let later = now + Duration::seconds(61);
        for attempt in 10..20 {
            fail(
                &store,
                "192.0.2.1",
                &format!("wrong-{attempt}"),
                &settings,
                later,
            );
        }
        assert_eq!(
            store
                .begin_sign_in("ann@t.example", "192.0.2.1", "right", &settings, later)
                .unwrap(),
            SignInGate::Locked {
                until: later + Duration::seconds(120)
            }
        );
        // Every attempt is in the log.
        assert_eq!(
            store
                .pool
                .read(|tx| Ok(tx.query("SELECT 1 FROM sign_ins", &[])?.len()))
                .unwrap(),
            20
        );
    }

    #[test]
    fn the_same_wrong_password_counts_once_and_a_right_one_clears() {
        let (_directory, store, _) = crate::test_store();
        let settings = TenantSettings::default();
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        assert_eq!(
            fail(&store, "192.0.2.1", "same", &settings, now),
            SignInGate::Proceed { counted: true }
        );
        for _ in 0..30 {
            assert_eq!(
                fail(&store, "192.0.2.1", "same", &settings, now),
                SignInGate::Proceed { counted: false }
            );
        }
        for attempt in 0..8 {
            fail(
                &store,
                "192.0.2.1",
                &format!("other-{attempt}"),
                &settings,
                now,
            );
        }
        // Nine counted: a right password now clears them.
        let gate = store
            .begin_sign_in("ann@t.example", "192.0.2.1", "right", &settings, now)
            .unwrap();
        assert_eq!(gate, SignInGate::Proceed { counted: true });
        store
            .finish_sign_in(
                ("ann@t.example", "192.0.2.1", "right"),
                true,
                true,
                &settings,
                &entry(now, 0),
            )
            .unwrap();
        for attempt in 0..9 {
            let gate = fail(
                &store,
                "192.0.2.1",
                &format!("again-{attempt}"),
                &settings,
                now,
            );
            assert_eq!(gate, SignInGate::Proceed { counted: true });
        }
    }

    #[test]
    fn attempts_being_checked_count_against_the_threshold() {
        let (_directory, store, _) = crate::test_store();
        let settings = TenantSettings {
            lockout_threshold: 3,
            ..Default::default()
        };
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        for attempt in 0..3 {
            let gate = store
                .begin_sign_in(
                    "ann@t.example",
                    "192.0.2.1",
                    &format!("guess-{attempt}"),
                    &settings,
                    now,
                )
                .unwrap();
            assert_eq!(gate, SignInGate::Proceed { counted: true });
        }
        // Three guesses are still being checked: a fourth waits for them.
        assert!(matches!(
            store
                .begin_sign_in("ann@t.example", "192.0.2.1", "guess-3", &settings, now)
                .unwrap(),
            SignInGate::Locked { .. }
        ));
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
            Err(Error::BadRequest(_))
        ));
        let stricter = TenantSettings {
            lockout_threshold: 5,
            lockout_duration_seconds: 300,
            session_lifetime_seconds: 3600,
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
}
