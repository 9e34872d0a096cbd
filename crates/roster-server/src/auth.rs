//! Credentials and tokens: password hashing, the signing key, issuing and checking access
//! tokens, and the extractor that turns a request's bearer token into a [`Principal`].
//!
//! A token is checked against the database on every request (the user still exists, is not
//! blocked, and its sessions were not revoked after the token was issued; the app still exists
//! and its permissions are read afresh), so revocation takes effect on the next request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use roster_core::access::Principal;
use roster_core::directory::PasswordHash;
use roster_core::types::ObjectId;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Hashes a human-chosen password with Argon2id, allocating its memory; about 30 ms of one
/// core. For one-off use off the async threads (bootstrap); requests use [`crate::hashing::Hasher`].
pub fn hash_human_password(password: &str) -> PasswordHash {
    crate::hashing::hash_with(&mut crate::hashing::memory(), password)
}

/// A password roster generates: 24 characters of 62 (142 bits), with each character class.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] =
        b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789ACEFHKMNPRTWXYZ";
    let mut rng = rand::rng();
    loop {
        let password: String = (0..24)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        let has = |test: fn(&char) -> bool| password.chars().any(|c| test(&c));
        if has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit)
        {
            return password;
        }
    }
}

/// The server-wide keys, loaded from (or created in) the database so that every server on one
/// database signs and checks alike.
pub struct Keys {
    /// Tokens whose signature has been checked, with their claims. ES256 verification costs
    /// more than the rest of a request; a token is an immutable string, so its signature needs
    /// checking once. Expiry and revocation are still checked on every request.
    verified: std::sync::Mutex<std::collections::HashMap<String, Claims>>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    key_id: String,
    jwks: serde_json::Value,
    hmac_key: Vec<u8>,
}

impl Keys {
    pub fn load(store: &roster_store::Store) -> anyhow::Result<Keys> {
        let pkcs8 = store.secret("token_signing_key", || {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .expect("p-256 key generation");
            STANDARD.encode(key.serialize_der())
        })?;
        let hmac_key = store.secret("password_hmac_key", || {
            let key: [u8; 32] = rand::rng().random();
            STANDARD.encode(key)
        })?;
        let der = STANDARD.decode(pkcs8)?;
        let key_pair = rcgen::KeyPair::try_from(der.as_slice())?;
        let public = key_pair.public_key_raw();
        anyhow::ensure!(
            public.len() == 65 && public[0] == 4,
            "unexpected p-256 public key form"
        );
        let x = URL_SAFE_NO_PAD.encode(&public[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&public[33..65]);
        let key_id = URL_SAFE_NO_PAD.encode(&sha256(public)[..12]);
        let jwks = serde_json::json!({
            "keys": [{ "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": key_id, "x": x, "y": y }]
        });
        Ok(Keys {
            verified: Default::default(),
            encoding: EncodingKey::from_ec_der(&der),
            decoding: DecodingKey::from_ec_components(&x, &y)?,
            key_id,
            jwks,
            hmac_key: STANDARD.decode(hmac_key)?,
        })
    }

    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    /// HMAC-SHA-256 of a generated password or an app secret under the server key.
    pub fn keyed_hash(&self, secret: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.hmac_key).expect("hmac takes any key length");
        mac.update(secret.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Checks a generated password or an app secret against its stored keyed hash, in
    /// constant time.
    pub fn keyed_hash_matches(&self, secret: &str, expected_hex: &str) -> bool {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.hmac_key).expect("hmac takes any key length");
        mac.update(secret.as_bytes());
        match unhex(expected_hex) {
            Some(expected) => mac.verify_slice(&expected).is_ok(),
            None => false,
        }
    }

    pub fn generated_password_hash(&self, password: &str) -> PasswordHash {
        PasswordHash::HmacSha256(self.keyed_hash(password))
    }

    pub fn issue(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signing with a valid key")
    }

    fn decode(&self, token: &str) -> Option<Claims> {
        const MAX_CACHED: usize = 20_000;
        let now = Utc::now().timestamp();
        let lock = || {
            self.verified
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(claims) = lock().get(token) {
            return (claims.exp + LEEWAY_SECONDS > now && claims.nbf - LEEWAY_SECONDS <= now)
                .then(|| claims.clone());
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[GRAPH_AUDIENCE, GRAPH_APP_ID]);
        validation.leeway = LEEWAY_SECONDS as u64;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        let mut cache = lock();
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, cached| cached.exp + LEEWAY_SECONDS > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(token.to_string(), claims.clone());
        Some(claims)
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    Sha256::digest(data).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const TOKEN_LIFETIME_SECONDS: i64 = 3600;
const LEEWAY_SECONDS: i64 = 30;

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
    /// When the token was issued, in microseconds, so that a revocation in the same second as a
    /// sign-in does not revoke the new token.
    pub iat_us: i64,
    pub jti: String,
    /// The admin center session the token belongs to: refused once the session is signed out
    /// of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<ObjectId>,
}

impl Claims {
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
        }
    }
}

/// The authenticated caller of a request: its tenant and principal.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant_id: ObjectId,
    pub principal: Principal,
    pub client_ip: Option<String>,
}

impl Caller {
    /// The audit context for a change this caller makes.
    pub fn change(&self) -> roster_store::Change {
        roster_store::Change {
            tenant_id: self.tenant_id,
            actor_id: Some(self.principal.id()),
            actor_name: self.principal.name().to_string(),
            client_ip: self.client_ip.clone(),
            request_id: Some(crate::error::current_request_id()).filter(|id| !id.is_empty()),
            job_id: None,
            at: Utc::now(),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| ApiError::unauthorized("Access token is empty."))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| ApiError::unauthorized("Access token is missing the Bearer scheme."))?;
        let client_ip = crate::state::client_ip(parts);
        let (caller, _) = caller_for_token(state, token.trim(), client_ip).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The caller a token stands for, checked against the directory as it is now, with the
/// token's claims.
pub async fn caller_for_token(
    state: &AppState,
    token: &str,
    client_ip: Option<String>,
) -> ApiResult<(Caller, Claims)> {
    let claims = state.keys.decode(token).ok_or_else(|| {
        ApiError::unauthorized(
            "Access token has expired or is not yet valid, or its signature is invalid.",
        )
    })?;
    let store = state.store.clone();
    let checked = claims.clone();
    let (tenant_id, principal) =
        tokio::task::spawn_blocking(move || principal_for(&store, &checked))
            .await
            .map_err(ApiError::internal)??;
    let caller = Caller {
        tenant_id,
        principal,
        client_ip,
    };
    Ok((caller, claims))
}

/// Checks a name and password, costing one password verification whether or not the name
/// exists (so that timing does not reveal which names do). `None`: no such user, or the wrong
/// password. The caller still checks the tenant, a blocked account and a forced change.
pub async fn check_password(
    state: &AppState,
    username: String,
    password: String,
) -> ApiResult<Option<roster_store::SignInRecord>> {
    let found = state
        .db(move |store| store.user_for_sign_in(&username))
        .await?;
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = found.as_ref().and_then(|record| {
        record
            .password_hash
            .as_deref()
            .map(roster_store::decode_password)
    });
    let matches = match stored {
        Some(PasswordHash::HmacSha256(hex)) => state.keys.keyed_hash_matches(&password, &hex),
        Some(PasswordHash::Argon2id(phc)) => state.hasher.verify(password, phc).await,
        None => {
            let dummy =
                DUMMY.get_or_init(|| match hash_human_password("roster-timing-equaliser") {
                    PasswordHash::Argon2id(phc) => phc,
                    PasswordHash::HmacSha256(hex) => hex,
                });
            let _ = state.hasher.verify(password, dummy.clone()).await;
            false
        }
    };
    Ok(found.filter(|_| matches))
}

fn principal_for(store: &roster_store::Store, claims: &Claims) -> ApiResult<(ObjectId, Principal)> {
    let revoked = || ApiError::unauthorized("Access token has been revoked.");
    let issued = DateTime::from_timestamp_micros(claims.iat_us).unwrap_or_default();
    if let Some(session) = claims.sid
        && !store.admin_session_open(session)?
    {
        return Err(revoked());
    }
    match claims.idtyp.as_str() {
        "app" => {
            let (tenant_id, app, _) = store.app(claims.oid)?.ok_or_else(revoked)?;
            if tenant_id != claims.tid || issued < app.tokens_valid_from {
                return Err(revoked());
            }
            Ok((
                tenant_id,
                Principal::App {
                    client_id: app.client_id,
                    name: app.display_name,
                    permissions: app.permissions,
                },
            ))
        }
        "user" => {
            let (user, roles) = store
                .principal_state(claims.tid, claims.oid)?
                .ok_or_else(revoked)?;
            if !user.account_enabled {
                return Err(ApiError::unauthorized("The user account is disabled."));
            }
            if issued < user.sign_in_sessions_valid_from {
                return Err(revoked());
            }
            Ok((
                claims.tid,
                Principal::User {
                    id: user.id,
                    name: user.user_principal_name.to_string(),
                    roles,
                },
            ))
        }
        _ => Err(ApiError::unauthorized(
            "Access token is of an unknown kind.",
        )),
    }
}

/// The principal with this id (a user or an app's client id) as it stands now, for work done on
/// its behalf after its request (bulk jobs): `None` if it is gone, blocked, or in another tenant.
pub fn principal_by_id(
    store: &roster_store::Store,
    tenant_id: ObjectId,
    id: ObjectId,
) -> roster_store::Result<Option<Principal>> {
    if let Some((user, roles)) = store.principal_state(tenant_id, id)? {
        return Ok(user.account_enabled.then(|| Principal::User {
            id: user.id,
            name: user.user_principal_name.to_string(),
            roles,
        }));
    }
    Ok(store
        .app(id)?
        .filter(|(tenant, _, _)| *tenant == tenant_id)
        .map(|(_, app, _)| Principal::App {
            client_id: app.client_id,
            name: app.display_name,
            permissions: app.permissions,
        }))
}
