//! What a user's sign-in to an application grants: authorization codes, each redeemed once,
//! and refresh tokens that rotate. A code or token is kept only as a keyed hash (the caller
//! hashes it), so reading the database gives no one a usable one.
//!
//! Every refresh token belongs to the family its first code started: a code redeemed twice, or
//! a refresh token used after it was rotated (one of them stolen), ends the whole family.

use chrono::{DateTime, Utc};
use roster_core::types::ObjectId;
use uuid::Uuid;

use crate::db::Row;
use crate::{Result, Store, params};

/// An authorization code's grant: who signed in, to which application, for what.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub family_id: Uuid,
    pub tenant_id: ObjectId,
    pub client_id: ObjectId,
    pub user_id: ObjectId,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// PKCE's S256 challenge, if the application sent one.
    pub code_challenge: Option<String>,
    /// When the user proved who they are (a session's sign-in, not the code's issue).
    pub auth_time: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

/// A code as it was redeemed.
#[derive(Debug, Clone)]
pub enum Redeemed {
    Granted(CodeGrant),
    /// Redeemed before: the tokens it gave are ended.
    Replayed,
    Expired,
    Unknown,
}

/// A refresh token's grant.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub family_id: Uuid,
    pub tenant_id: ObjectId,
    pub client_id: ObjectId,
    pub user_id: ObjectId,
    pub scope: String,
    /// Issued to a client that authenticated (with a secret): it must again to refresh.
    pub confidential: bool,
    pub auth_time: DateTime<Utc>,
}

/// A refresh token as it was used.
#[derive(Debug, Clone)]
pub enum Rotated {
    /// Exchanged for the new one, which carries the same grant.
    Rotated(RefreshGrant),
    /// Used after it was rotated: its whole family is ended.
    Replayed,
    /// Expired, revoked, or never issued.
    Unknown,
}

const CODE_COLUMNS: &str = "family_id, tenant_id, client_id, user_id, redirect_uri, scope, nonce, \
     code_challenge, auth_time, expires_at, redeemed_at";

fn code_from(row: &Row) -> Result<CodeGrant> {
    Ok(CodeGrant {
        family_id: row.uuid(0)?,
        tenant_id: row.uuid(1)?.into(),
        client_id: row.uuid(2)?.into(),
        user_id: row.uuid(3)?.into(),
        redirect_uri: row.text(4)?,
        scope: row.text(5)?,
        nonce: row.opt_text(6)?,
        code_challenge: row.opt_text(7)?,
        auth_time: row.timestamp(8)?,
        expires: row.timestamp(9)?,
    })
}

const REFRESH_COLUMNS: &str = "family_id, tenant_id, client_id, user_id, scope, confidential, \
     auth_time, expires_at, rotated_at, revoked_at";

fn refresh_from(row: &Row) -> Result<RefreshGrant> {
    Ok(RefreshGrant {
        family_id: row.uuid(0)?,
        tenant_id: row.uuid(1)?.into(),
        client_id: row.uuid(2)?.into(),
        user_id: row.uuid(3)?.into(),
        scope: row.text(4)?,
        confidential: row.bool(5)?,
        auth_time: row.timestamp(6)?,
    })
}

pub(crate) fn end_family(
    tx: &mut dyn crate::db::Tx,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        &params![family_id, now],
    )?;
    Ok(())
}

impl Store {
    /// Keeps an authorization code (its hash) until it is redeemed or expires.
    pub fn save_code(&self, code_hash: &str, code: &CodeGrant) -> Result<()> {
        self.pool.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO authorization_codes (code_hash, {CODE_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)"
                ),
                &params![
                    code_hash,
                    code.family_id,
                    code.tenant_id,
                    code.client_id,
                    code.user_id,
                    code.redirect_uri.clone(),
                    code.scope.clone(),
                    code.nonce.clone(),
                    code.code_challenge.clone(),
                    code.auth_time,
                    code.expires
                ],
            )?;
            Ok(())
        })
    }

    /// Redeems a code, once, keeping `first_refresh` (a token's hash, its grant and its end) as
    /// the first of the code's family in the same transaction: a second redemption ends the
    /// tokens the first one gave.
    pub fn redeem_code(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        first_refresh: Option<(&str, &RefreshGrant, DateTime<Utc>)>,
    ) -> Result<Redeemed> {
        self.pool.write(|tx| {
            let Some(row) = tx.query_one(
                &format!(
                    "SELECT {CODE_COLUMNS} FROM authorization_codes WHERE code_hash = $1{}",
                    tx.row_lock()
                ),
                &params![code_hash],
            )?
            else {
                return Ok(Redeemed::Unknown);
            };
            let code = code_from(&row)?;
            if !row.is_null(10)? {
                tx.execute(
                    "UPDATE authorization_codes SET replayed_at = $2 WHERE code_hash = $1",
                    &params![code_hash, now],
                )?;
                end_family(tx, code.family_id, now)?;
                return Ok(Redeemed::Replayed);
            }
            if code.expires <= now {
                return Ok(Redeemed::Expired);
            }
            tx.execute(
                "UPDATE authorization_codes SET redeemed_at = $2 WHERE code_hash = $1",
                &params![code_hash, now],
            )?;
            if let Some((token_hash, grant, expires)) = first_refresh {
                insert_refresh(tx, token_hash, grant, now, expires)?;
            }
            Ok(Redeemed::Granted(code))
        })
    }

    /// A code as it is kept, and whether it was redeemed: to check who presents it before
    /// redeeming it (someone else's failed attempt does not burn it).
    pub fn code(&self, code_hash: &str) -> Result<Option<(CodeGrant, bool)>> {
        self.pool.read(|tx| {
            tx.query_one(
                &format!("SELECT {CODE_COLUMNS} FROM authorization_codes WHERE code_hash = $1"),
                &params![code_hash],
            )?
            .map(|row| Ok((code_from(&row)?, !row.is_null(10)?)))
            .transpose()
        })
    }

    /// A refresh token's grant if it may be exchanged now (not rotated, revoked or expired): to
    /// check who presents it, and for whom, before it is rotated.
    pub fn live_refresh_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<RefreshGrant>> {
        self.pool.read(|tx| {
            let row = tx.query_one(
                &format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1"),
                &params![token_hash],
            )?;
            match row {
                Some(row) if row.is_null(8)? && row.is_null(9)? && row.timestamp(7)? > now => {
                    Ok(Some(refresh_from(&row)?))
                }
                _ => Ok(None),
            }
        })
    }

    /// Exchanges a refresh token for a new one of the same grant, writing `sign_in` (the
    /// renewal, for the sign-in log and the user's activity) in the same transaction if it is
    /// exchanged. A token used after it was rotated ends its family (the thief's and the
    /// owner's copies alike).
    pub fn rotate_refresh_token(
        &self,
        (old_hash, new_hash): (&str, &str),
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
        sign_in: Option<&crate::SignIn>,
    ) -> Result<Rotated> {
        self.pool.write(|tx| {
            let Some(row) = tx.query_one(
                &format!(
                    "SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1{}",
                    tx.row_lock()
                ),
                &params![old_hash],
            )?
            else {
                return Ok(Rotated::Unknown);
            };
            let grant = refresh_from(&row)?;
            if !row.is_null(9)? || row.timestamp(7)? <= now {
                return Ok(Rotated::Unknown);
            }
            if !row.is_null(8)? {
                end_family(tx, grant.family_id, now)?;
                return Ok(Rotated::Replayed);
            }
            tx.execute(
                "UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1",
                &params![old_hash, now],
            )?;
            insert_refresh(tx, new_hash, &grant, now, expires)?;
            if let Some(sign_in) = sign_in {
                crate::sign_ins::write_sign_in(tx, sign_in)?;
            }
            Ok(Rotated::Rotated(grant))
        })
    }

    /// Saves a refresh token as it stands, for the store's own tests.
    #[cfg(test)]
    pub(crate) fn save_refresh_token_for_test(
        &self,
        token_hash: &str,
        grant: &RefreshGrant,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        self.pool
            .write(|tx| insert_refresh(tx, token_hash, grant, now, expires))
    }

    /// Forgets codes that expired before `codes_before` (a code presented after that is unknown
    /// rather than replayed) and refresh tokens past their end (rotated ones are kept till
    /// then, so that a replay is still known for what it is).
    pub fn forget_expired_grants(
        &self,
        codes_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.pool.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM authorization_codes WHERE expires_at < $1",
                &params![codes_before],
            )? + tx.execute(
                "DELETE FROM refresh_tokens WHERE expires_at < $1",
                &params![now],
            )?)
        })
    }

    /// Ends every refresh token of a family (its user was blocked, reset or signed out meanwhile).
    pub fn end_refresh_family(&self, family_id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.pool.write(|tx| end_family(tx, family_id, now))
    }
}

pub(crate) fn insert_refresh(
    tx: &mut dyn crate::db::Tx,
    token_hash: &str,
    grant: &RefreshGrant,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, tenant_id, client_id, user_id, scope, \
         confidential, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &params![
            token_hash,
            grant.family_id,
            grant.tenant_id,
            grant.client_id,
            grant.user_id,
            grant.scope.clone(),
            grant.confidential,
            grant.auth_time,
            now,
            expires
        ],
    )?;
    Ok(())
}
