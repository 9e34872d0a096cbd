//! An access token's claims, named as Entra ID names them, and the times within which a token
//! may be used. Signed and checked by [`crate::identity::keys::Keys`]; who a token stands for
//! now is [`crate::identity::tokens`]' question.

use chrono::{DateTime, Utc};
use roster_core::types::ObjectId;
use serde::{Deserialize, Serialize};

pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";

pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

pub const TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// Clock skew allowed between servers when a token's `nbf`, `iat` and `exp` are checked.
pub(crate) const LEEWAY_SECONDS: i64 = 30;

/// An access token's claims, named as Entra ID names them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The tenant.
    pub tid: ObjectId,
    /// The user or app's object id.
    pub oid: ObjectId,
    pub sub: String,
    /// "app" or "user".
    pub idtyp: String,
    /// Application permissions granted, for an app token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// When the sign-in the token stands for happened, in microseconds (so that a revocation in
    /// the same second as a sign-in does not revoke the new token): a renewed admin center token
    /// keeps its session's, so that any revocation since the sign-in ends it.
    pub iat_us: i64,
    pub jti: String,
    /// The admin center session the token belongs to: refused once the session is signed out
    /// of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<ObjectId>,
    /// The delegated scopes a user's token was granted to an application, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// The application a user's token was issued to (its client id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<ObjectId>,
}

/// An ID token's claims, as Entra ID's v2.0 ID tokens name them: who signed in, to which
/// application, when, and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdClaims {
    pub aud: ObjectId,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Pairwise: the same user has another `sub` in every application.
    pub sub: String,
    pub oid: ObjectId,
    pub tid: ObjectId,
    /// With the `profile` scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub ver: String,
    /// The application's roles assigned to the user (their values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The user's groups the application asked for (`groupMembershipClaims`), up to
    /// [`MAX_GROUPS_CLAIM`]; past that, none and `hasgroups`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ObjectId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hasgroups: bool,
}

/// The most groups an ID token names (Entra's limit for a JWT): a user in more gets
/// `hasgroups`, and the application asks Graph for them.
pub const MAX_GROUPS_CLAIM: usize = 200;

impl Claims {
    /// Whether the token may be used at `now` (seconds): not before its `nbf`, not issued in the
    /// future, not past its `exp`, each with [`LEEWAY_SECONDS`] of clock skew. Asked on every
    /// use, the first one included.
    pub(crate) fn current_at(&self, now: i64) -> bool {
        self.nbf - LEEWAY_SECONDS <= now
            && self.iat - LEEWAY_SECONDS <= now
            && now < self.exp + LEEWAY_SECONDS
    }

    pub fn new(
        issuer: String,
        tenant_id: ObjectId,
        subject: ObjectId,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Claims {
        Claims {
            aud: GRAPH_AUDIENCE.into(),
            iss: issuer,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: now.timestamp() + TOKEN_LIFETIME_SECONDS,
            tid: tenant_id,
            oid: subject,
            sub: subject.to_string(),
            idtyp: kind.into(),
            roles: Vec::new(),
            upn: None,
            iat_us: now.timestamp_micros(),
            jti: uuid::Uuid::new_v4().to_string(),
            sid: None,
            scp: None,
            azp: None,
        }
    }
}
