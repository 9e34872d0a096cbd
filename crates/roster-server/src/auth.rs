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
    /// Seals secrets roster must keep for a while (generated passwords awaiting their one
    /// showing): ChaCha20-Poly1305 under a key derived from the server key.
    sealing: ring::aead::LessSafeKey,
}

/// What a sealed value starts with, so that one is never mistaken for a plain one.
const SEALED_PREFIX: &str = "sealed:v1:";

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
        let hmac_key = STANDARD.decode(hmac_key)?;
        let sealing = {
            // A key of its own for sealing, derived from the server key: HMAC-SHA-256 of a label
            // (HKDF's expand step with one block).
            let mut mac = Hmac::<Sha256>::new_from_slice(&hmac_key).expect("any key length");
            mac.update(b"roster sealing key v1");
            let derived = mac.finalize().into_bytes();
            let key = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &derived)
                .map_err(|_| anyhow::anyhow!("deriving the sealing key"))?;
            ring::aead::LessSafeKey::new(key)
        };
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
            hmac_key,
            sealing,
        })
    }

    /// Encrypts a secret to keep in the database, bound to `context` (where it is kept: a
    /// sealed value copied elsewhere does not open). Readable only with the server key.
    pub fn seal(&self, context: &str, secret: &str) -> String {
        let nonce: [u8; 12] = rand::rng().random();
        let mut sealed = secret.as_bytes().to_vec();
        self.sealing
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(context.as_bytes()),
                &mut sealed,
            )
            .expect("sealing a short secret");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The secret [`Keys::seal`] sealed in `context`; `None` if `sealed` is not such a value,
    /// was sealed elsewhere or under another key, or was altered.
    pub fn open(&self, context: &str, sealed: &str) -> Option<String> {
        let mut bytes = URL_SAFE_NO_PAD
            .decode(sealed.strip_prefix(SEALED_PREFIX)?)
            .ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let nonce = ring::aead::Nonce::try_assume_unique_for_key(&bytes[..12]).ok()?;
        let opened = self
            .sealing
            .open_in_place(
                nonce,
                ring::aead::Aad::from(context.as_bytes()),
                &mut bytes[12..],
            )
            .ok()?;
        String::from_utf8(opened.to_vec()).ok()
    }

    /// Whether a kept value is sealed (rather than a plain one written before sealing).
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(SEALED_PREFIX)
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
            return claims.current_at(now).then(|| claims.clone());
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[GRAPH_AUDIENCE, GRAPH_APP_ID]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "aud"]);
        // The times are checked by `Claims::current_at`, the same way on every use.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        if !claims.current_at(now) {
            return None;
        }
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
/// Clock skew allowed between servers when a token's `nbf`, `iat` and `exp` are checked.
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
    /// When the sign-in the token stands for happened, in microseconds (so that a revocation in
    /// the same second as a sign-in does not revoke the new token): a renewed admin center token
    /// keeps its session's, so that any revocation since the sign-in ends it.
    pub iat_us: i64,
    pub jti: String,
    /// The admin center session the token belongs to: refused once the session is signed out
    /// of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<ObjectId>,
}

impl Claims {
    /// Whether the token may be used at `now` (seconds): not before its `nbf`, not issued in the
    /// future, not past its `exp`, each with [`LEEWAY_SECONDS`] of clock skew. Asked on every
    /// use, the first one included.
    fn current_at(&self, now: i64) -> bool {
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
        roster_store::Change::by(self.tenant_id, self.principal.id(), self.principal.name())
            .from_request(
                self.client_ip.clone(),
                Some(crate::error::current_request_id()).filter(|id| !id.is_empty()),
            )
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

/// A PHC string of Argon2id at our parameters that no password matches: verifying against it
/// costs what verifying a real one does, for names that do not exist and accounts whose
/// password is checked by a keyed hash, so that timing does not tell them apart.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$cm9zdGVyLXRpbWluZy1lcQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// Why a sign-in was refused, as Entra ID's AADSTS codes say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// AADSTS50126: the name or the password is wrong (the same for a name that does not
    /// exist, and for a user of another tenant).
    InvalidCredentials,
    /// AADSTS50053: smart lockout: too many failed attempts from this address. The password
    /// was not checked.
    Locked,
    /// AADSTS50057: the account is blocked.
    Disabled,
    /// AADSTS50055: the password must be changed before signing in.
    PasswordExpired,
    /// AADSTS50105: the account may not use this application (the admin center, without an
    /// administrator role).
    NotAllowed,
    /// Too many password checks are waiting: try again shortly (not counted as a failure).
    Busy,
}

impl SignInRefusal {
    pub fn code(self) -> i64 {
        match self {
            SignInRefusal::InvalidCredentials => 50126,
            SignInRefusal::Locked => 50053,
            SignInRefusal::Disabled => 50057,
            SignInRefusal::PasswordExpired => 50055,
            SignInRefusal::NotAllowed => 50105,
            SignInRefusal::Busy => 90033,
        }
    }

    /// Entra's description, which the OAuth error carries after its code.
    pub fn description(self) -> &'static str {
        match self {
            SignInRefusal::InvalidCredentials => {
                "Error validating credentials due to invalid username or password."
            }
            SignInRefusal::Locked => {
                "The account is locked because of too many sign-in attempts with an incorrect user ID or password; try again later."
            }
            SignInRefusal::Disabled => "The user account is disabled.",
            SignInRefusal::PasswordExpired => {
                "The password is expired: the user must change it at the next sign-in."
            }
            SignInRefusal::NotAllowed => {
                "The signed in user is not assigned to a role for the application."
            }
            SignInRefusal::Busy => "A transient error has occurred. Please try again.",
        }
    }

    /// `AADSTSnnnnn: description`, as Entra's `error_description` starts.
    pub fn aadsts(self) -> String {
        format!("AADSTS{}: {}", self.code(), self.description())
    }
}

/// Where failed sign-ins are counted from: the client's address, an IPv6 client's /64 (one
/// subscriber's block, whose addresses cost an attacker nothing to change).
fn lockout_source(ip: Option<std::net::IpAddr>) -> String {
    match ip {
        Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let segments = v6.segments();
            format!(
                "{:x}:{:x}:{:x}:{:x}::/64",
                segments[0], segments[1], segments[2], segments[3]
            )
        }
        Some(std::net::IpAddr::V6(v6)) => v6.to_canonical().to_string(),
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

/// The longest sign-in name worth counting: longer than any user principal name can be. A
/// longer one is answered as a wrong name, after the same one verification, without a lockout
/// row of its own (which a stranger could otherwise make as many of as they like).
const MAX_NAME: usize = 256;

/// Signs in with a name and password, the one way for every front-end (the OAuth password
/// grant, the admin center):
/// - a place on the hashing threads is taken first, so that a flood is refused (429) before it
///   costs the database anything;
/// - smart lockout: a name locked in the caller's bucket is refused, and each attempt is
///   counted before its check ([`roster_store::Store::begin_sign_in`]);
/// - exactly one Argon2id verification whatever happens (an unknown name, a generated
///   password's keyed hash, a locked name: a dummy one), so that timing does not reveal which
///   names exist, nor whether a locked name's password was right;
/// - `admit` then decides on the account (blocked, another tenant, a role, a forced change);
/// - the outcome is counted and written to the sign-in log, in one transaction.
pub async fn sign_in(
    state: &AppState,
    parts: &Parts,
    client: &str,
    (username, password): (String, String),
    admit: impl FnOnce(&roster_store::SignInRecord) -> Result<(), SignInRefusal>,
) -> ApiResult<Result<roster_store::SignInRecord, SignInRefusal>> {
    let Ok(slot) = state.hasher.reserve() else {
        return Ok(Err(SignInRefusal::Busy));
    };
    let username: String = username.trim().chars().take(MAX_NAME + 1).collect();
    let plausible = username.chars().count() <= MAX_NAME && !username.chars().any(char::is_control);
    let name_key = username.to_lowercase();
    let peer_ip = parts
        .extensions
        .get::<crate::state::Peer>()
        .and_then(|peer| peer.ip);
    let source = lockout_source(peer_ip);
    let now = Utc::now();
    let (tenant_of_name, settings, gate) = {
        let (name, source) = (name_key.clone(), source.clone());
        state
            .db(move |store| {
                let (tenant, settings) = store.sign_in_settings(&name)?;
                let gate = if plausible {
                    Some(store.begin_sign_in(&name, &source, &settings, now)?)
                } else {
                    None
                };
                Ok((tenant, settings, gate))
            })
            .await?
    };
    let mut entry = roster_store::SignIn {
        id: ObjectId::new(),
        tenant_id: tenant_of_name,
        at: now,
        user_id: None,
        user_principal_name: username.chars().take(MAX_NAME).collect(),
        client_ip: peer_ip.map(|ip| ip.to_string()),
        client: client.chars().take(MAX_NAME).collect(),
        error_code: 0,
        failure_reason: None,
    };
    let bucket = match gate {
        Some(roster_store::SignInGate::Proceed { bucket }) => bucket,
        refused => {
            let refusal = if refused.is_some() {
                SignInRefusal::Locked
            } else {
                SignInRefusal::InvalidCredentials
            };
            let _ = slot.verify(password, DUMMY_PHC.into()).await;
            entry.error_code = refusal.code();
            entry.failure_reason = Some(refusal.description().into());
            state.db(move |store| store.log_sign_in(&entry)).await?;
            return Ok(Err(refusal));
        }
    };
    let found = {
        let name = name_key.clone();
        state.db(move |store| store.user_for_sign_in(&name)).await?
    };
    let stored = found.as_ref().and_then(|record| {
        record
            .password_hash
            .as_deref()
            .map(roster_store::decode_password)
    });
    // A generated password is checked by its keyed hash; the Argon2id verification is then a
    // dummy one, as it is for a name that does not exist.
    let (phc, keyed_match) = match stored {
        Some(PasswordHash::Argon2id(phc)) => (phc, None),
        Some(PasswordHash::HmacSha256(hex)) => (
            DUMMY_PHC.to_string(),
            Some(state.keys.keyed_hash_matches(&password, &hex)),
        ),
        None => (DUMMY_PHC.to_string(), Some(false)),
    };
    let (verified, mark) = slot.verify(password, phc).await;
    let password_right = found.is_some() && keyed_match.unwrap_or(verified);
    // An attempt is logged against the account only once its password proved right.
    if let Some(record) = found.as_ref().filter(|_| password_right) {
        entry.tenant_id = Some(record.tenant_id);
        entry.user_id = Some(record.user.id);
    }
    let outcome = match found {
        Some(record) if password_right => admit(&record).map(|()| record),
        _ => Err(SignInRefusal::InvalidCredentials),
    };
    if let Err(refusal) = outcome.as_ref() {
        entry.error_code = refusal.code();
        entry.failure_reason = Some(refusal.description().into());
    }
    let mark = (!password_right).then(|| mark.unwrap_or_default());
    state
        .db(move |store| {
            store.finish_sign_in(
                (&name_key, &source, &bucket),
                mark.as_deref(),
                &settings,
                &entry,
            )
        })
        .await?;
    Ok(outcome)
}

fn principal_for(store: &roster_store::Store, claims: &Claims) -> ApiResult<(ObjectId, Principal)> {
    let revoked = || ApiError::unauthorized("Access token has been revoked.");
    let issued = DateTime::from_timestamp_micros(claims.iat_us).unwrap_or_default();
    if let Some(session) = claims.sid
        && !store.admin_session_open(session, Utc::now())?
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

#[cfg(test)]
mod tests;
