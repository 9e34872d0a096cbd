//! The device authorization grant (RFC 8628), as Entra ID serves it for the CLI and for any
//! public client: a device asks for a code pair, its user enters the short user code in a
//! browser elsewhere and signs in there ([`Store::approve_device_code`]), and the device polls
//! with the long device code until it is given tokens ([`Store::poll_device_code`],
//! [`Store::redeem_device_code`]). Both codes are kept only as keyed hashes.
//!
//! A user code is short enough to type, so guessing one is throttled per source address in the
//! sign-in lockout table (under a name no account can have), shared by every server.

use chrono::{DateTime, Utc};
use roster_core::types::ObjectId;
use uuid::Uuid;

use crate::db::Row;
use crate::grants::{RefreshGrant, end_family, insert_refresh};
use crate::sign_ins::lockout_row;
use crate::{Result, Store, params};

/// What a device asked for, and, once its user signed in elsewhere, who approved it.
#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub family_id: Uuid,
    pub tenant_id: ObjectId,
    pub client_id: ObjectId,
    pub scope: String,
    pub expires: DateTime<Utc>,
    /// The least number of seconds between two polls.
    pub interval_seconds: i64,
    /// The user who approved it, and when they proved who they are.
    pub approved: Option<(ObjectId, DateTime<Utc>)>,
    /// The address the device asked from, and when.
    pub requested: (Option<String>, DateTime<Utc>),
}

/// A device's poll, as the token endpoint answers it.
#[derive(Debug, Clone)]
pub enum Polled {
    /// Not yet approved: poll again after the interval.
    Pending,
    /// Polled sooner than the interval allows.
    SlowDown,
    /// Approved by this user, who proved who they are then: redeem it.
    Approved {
        grant: DeviceGrant,
        user_id: ObjectId,
        auth_time: DateTime<Utc>,
    },
    /// The user declined it.
    Denied,
    Expired,
    /// Redeemed before: the tokens it gave are ended.
    Replayed,
    Unknown,
}

/// A user code as entered in the browser.
#[derive(Debug, Clone)]
pub enum Entered {
    /// A request waiting for its user; the device code's hash names it from here on.
    Found(String, DeviceGrant),
    /// No request waits with this code.
    Wrong,
    /// Too many wrong codes from this source: none is checked until then.
    Throttled(DateTime<Utc>),
}

/// The name under which wrong user codes are counted per source: no account can have it.
const GUESSES: &str = "#device-code";

/// Wrong user codes a source may enter before it must wait, and its first wait (doubled for
/// each one after).
const GUESS_THRESHOLD: i64 = 10;
const GUESS_WAIT_SECONDS: i64 = 60;

const COLUMNS: &str = "family_id, tenant_id, client_id, scope, expires_at, interval_seconds, \
     user_id, auth_time, denied_at, redeemed_at, last_polled_at, device_code_hash, requested_from, \
     created_at";

fn grant_from(row: &Row) -> Result<DeviceGrant> {
    let approved = match (row.opt_uuid(6)?, row.opt_timestamp(7)?) {
        (Some(user), Some(at)) => Some((ObjectId::from(user), at)),
        _ => None,
    };
    Ok(DeviceGrant {
        family_id: row.uuid(0)?,
        tenant_id: row.uuid(1)?.into(),
        client_id: row.uuid(2)?.into(),
        scope: row.text(3)?,
        expires: row.timestamp(4)?,
        interval_seconds: row.int(5)?,
        approved,
        requested: (row.opt_text(12)?, row.timestamp(13)?),
    })
}

impl Store {
    /// Keeps a device's request (the hashes of its two codes) until it expires; `now` is when
    /// it was made (`grant.requested`'s time is not read).
    pub fn save_device_code(
        &self,
        (device_code_hash, user_code_hash): (&str, &str),
        grant: &DeviceGrant,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.pool.write(|tx| {
            tx.execute(
                "INSERT INTO device_codes (device_code_hash, user_code_hash, family_id, tenant_id, client_id, \
                 scope, created_at, expires_at, interval_seconds, requested_from) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &params![
                    device_code_hash,
                    user_code_hash,
                    grant.family_id,
                    grant.tenant_id,
                    grant.client_id,
                    grant.scope.clone(),
                    now,
                    grant.expires,
                    grant.interval_seconds,
                    grant.requested.0.clone()
                ],
            )?;
            Ok(())
        })
    }

    /// The request a user code entered in a browser stands for, if one waits for its user;
    /// a wrong code counts against `source`, which may enter no more for a while after ten.
    pub fn enter_user_code(
        &self,
        user_code_hash: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<Entered> {
        self.pool.write(|tx| {
            let mut guesses = lockout_row(tx, GUESSES, source, now)?;
            if let Some(until) = guesses.locked_until.filter(|until| *until > now) {
                return Ok(Entered::Throttled(until));
            }
            let found = tx.query_one(
                &format!("SELECT {COLUMNS} FROM device_codes WHERE user_code_hash = $1"),
                &params![user_code_hash],
            )?;
            let waiting = match found {
                Some(row) if waiting(&row, now)? => Some((row.text(11)?, grant_from(&row)?)),
                _ => None,
            };
            match waiting {
                Some((hash, grant)) => Ok(Entered::Found(hash, grant)),
                None => {
                    guesses.failures += 1;
                    if guesses.failures >= GUESS_THRESHOLD {
                        guesses.lock(GUESS_WAIT_SECONDS, now);
                    }
                    guesses.write(tx, GUESSES, source, now)?;
                    Ok(Entered::Wrong)
                }
            }
        })
    }

    /// The user's answer to a device's request: approved by the user who signed in
    /// (`Some((user, auth_time))`), or declined (`None`). `false` if it no longer waits.
    pub fn decide_device_code(
        &self,
        device_code_hash: &str,
        approval: Option<(ObjectId, DateTime<Utc>)>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.pool.write(|tx| {
            let sql = format!(
                "SELECT {COLUMNS} FROM device_codes WHERE device_code_hash = $1{}",
                tx.row_lock()
            );
            match tx.query_one(&sql, &params![device_code_hash])? {
                Some(row) if waiting(&row, now)? => {}
                _ => return Ok(false),
            }
            match approval {
                Some((user_id, auth_time)) => tx.execute(
                    "UPDATE device_codes SET user_id = $2, auth_time = $3 WHERE device_code_hash = $1",
                    &params![device_code_hash, user_id, auth_time],
                )?,
                None => tx.execute(
                    "UPDATE device_codes SET denied_at = $2 WHERE device_code_hash = $1",
                    &params![device_code_hash, now],
                )?,
            };
            Ok(true)
        })
    }

    /// A device's poll: whether its user has answered. Each poll is remembered, so that one
    /// sooner than the interval is told to slow down; one after the request was redeemed ends
    /// the tokens it gave.
    pub fn poll_device_code(&self, device_code_hash: &str, now: DateTime<Utc>) -> Result<Polled> {
        self.pool.write(|tx| {
            let sql = format!(
                "SELECT {COLUMNS} FROM device_codes WHERE device_code_hash = $1{}",
                tx.row_lock()
            );
            let Some(row) = tx.query_one(&sql, &params![device_code_hash])? else {
                return Ok(Polled::Unknown);
            };
            let grant = grant_from(&row)?;
            if !row.is_null(9)? {
                end_family(tx, grant.family_id, now)?;
                return Ok(Polled::Replayed);
            }
            if grant.expires <= now {
                return Ok(Polled::Expired);
            }
            if !row.is_null(8)? {
                return Ok(Polled::Denied);
            }
            tx.execute(
                "UPDATE device_codes SET last_polled_at = $2 WHERE device_code_hash = $1",
                &params![device_code_hash, now],
            )?;
            // A poll a little early is forgiven: the device waits the interval after an answer
            // that took its own time to come.
            let too_soon = row.opt_timestamp(10)?.is_some_and(|last| {
                (now - last).num_milliseconds() < grant.interval_seconds * 1000 - 1500
            });
            Ok(match grant.approved {
                Some((user_id, auth_time)) => Polled::Approved {
                    grant,
                    user_id,
                    auth_time,
                },
                None if too_soon => Polled::SlowDown,
                None => Polled::Pending,
            })
        })
    }

    /// Redeems an approved request, once, keeping `refresh` (a token's hash, its grant and its
    /// end) as the first of its family; `false` if it was redeemed meanwhile.
    pub fn redeem_device_code(
        &self,
        device_code_hash: &str,
        refresh: Option<(&str, &RefreshGrant, DateTime<Utc>)>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.pool.write(|tx| {
            let redeemed = tx.execute(
                "UPDATE device_codes SET redeemed_at = $2 WHERE device_code_hash = $1 \
                 AND redeemed_at IS NULL AND user_id IS NOT NULL",
                &params![device_code_hash, now],
            )?;
            if redeemed != 1 {
                return Ok(false);
            }
            if let Some((token_hash, grant, expires)) = refresh {
                insert_refresh(tx, token_hash, grant, now, expires)?;
            }
            Ok(true)
        })
    }

    /// Forgets device requests that expired before `before`.
    pub fn forget_expired_device_codes(&self, before: DateTime<Utc>) -> Result<u64> {
        self.pool.write(|tx| {
            tx.execute(
                "DELETE FROM device_codes WHERE expires_at < $1",
                &params![before],
            )
        })
    }
}

/// Whether a request still waits for its user: not expired, answered or redeemed.
fn waiting(row: &Row, now: DateTime<Utc>) -> Result<bool> {
    Ok(row.timestamp(4)? > now && row.is_null(6)? && row.is_null(8)? && row.is_null(9)?)
}
