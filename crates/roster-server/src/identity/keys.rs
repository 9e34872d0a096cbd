//! The server-wide keys: the token signing key and its published JWKS, the keyed hash of
//! generated passwords, app secrets and CSRF tokens, and the sealing of secrets roster keeps.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::Rng;
use roster_core::directory::PasswordHash;
use sha2::Sha256;

use crate::identity::claims::{Claims, GRAPH_APP_ID, GRAPH_AUDIENCE, LEEWAY_SECONDS};

/// The server-wide keys, loaded from (or created in) the database so that every server on one
/// database signs and checks alike.
pub struct Keys {
    /// Tokens whose signature has been checked, with their claims. ES256 verification costs
    /// more than the rest of a request; a token is an immutable string, so its signature needs
    /// checking once. Expiry and revocation are still checked on every request.
    verified: std::sync::Mutex<std::collections::HashMap<String, Claims>>,
    /// The token signing keys published now (oldest first; see
    /// [`roster_store::Store::rotate_signing_keys`]), each signing from its start until the
    /// next one's.
    signing: std::sync::RwLock<Vec<SigningKey>>,
    /// The one key kept before keys rotated (PKCS#8), the first of the rotation.
    first_key: Vec<u8>,
    hmac_key: Vec<u8>,
    /// Seals secrets roster must keep for a while (generated passwords awaiting their one
    /// showing, signing keys): ChaCha20-Poly1305 under a key derived from the server key.
    sealing: ring::aead::LessSafeKey,
}

/// A token signing key, ready to sign and check. It signs with `ring`'s P-256 (parsed once):
/// jsonwebtoken's pure-Rust backend parses the key again and computes in portable arithmetic
/// on every signature, which cost a refresh grant more than everything else it does together.
struct SigningKey {
    kid: String,
    active_from: chrono::DateTime<Utc>,
    signing: ring::signature::EcdsaKeyPair,
    decoding: DecodingKey,
    jwk: serde_json::Value,
    /// The token header, base64url-encoded, the same for every token this key signs.
    header: String,
}

impl SigningKey {
    /// The key of a PKCS#8 P-256 private key, its id the hash of its public key.
    fn from_pkcs8(der: &[u8], active_from: chrono::DateTime<Utc>) -> anyhow::Result<SigningKey> {
        let key_pair = rcgen::KeyPair::try_from(der)?;
        let public = key_pair.public_key_raw();
        anyhow::ensure!(
            public.len() == 65 && public[0] == 4,
            "unexpected p-256 public key form"
        );
        let x = URL_SAFE_NO_PAD.encode(&public[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&public[33..65]);
        let kid = URL_SAFE_NO_PAD.encode(&sha256(public)[..12]);
        let signing = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            der,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|error| anyhow::anyhow!("the signing key is not P-256 PKCS#8: {error}"))?;
        let header = serde_json::json!({ "typ": "JWT", "alg": "ES256", "kid": kid });
        Ok(SigningKey {
            jwk: serde_json::json!({ "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid, "x": x, "y": y }),
            header: URL_SAFE_NO_PAD.encode(header.to_string()),
            kid,
            active_from,
            signing,
            decoding: DecodingKey::from_ec_components(&x, &y)?,
        })
    }

    /// A JWS in compact form (RFC 7515): the header, the claims, and the ES256 signature of
    /// both (the fixed-length `r || s` that JWS asks for).
    fn sign<T: serde::Serialize>(&self, claims: &T) -> String {
        let payload = serde_json::to_vec(claims).expect("claims serialise");
        let mut token = format!("{}.{}", self.header, URL_SAFE_NO_PAD.encode(payload));
        let signature = self
            .signing
            .sign(&ring::rand::SystemRandom::new(), token.as_bytes())
            .expect("signing with a valid key");
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        token
    }
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
        let keys = Keys {
            verified: Default::default(),
            signing: Default::default(),
            first_key: STANDARD.decode(pkcs8)?,
            hmac_key,
            sealing,
        };
        keys.rotate(store, Utc::now())?;
        Ok(keys)
    }

    /// Makes the next signing key when its time comes, forgets retired ones, and loads those
    /// published now: at start and in the hourly upkeep, on every server (the database decides,
    /// so they agree).
    pub fn rotate(
        &self,
        store: &roster_store::Store,
        now: chrono::DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sealed = |der: &[u8]| -> anyhow::Result<(String, String)> {
            let key = SigningKey::from_pkcs8(der, now)?;
            Ok((
                key.kid.clone(),
                self.seal(&format!("signing_key:{}", key.kid), &STANDARD.encode(der)),
            ))
        };
        let first = sealed(&self.first_key)?;
        let make = || {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .expect("p-256 key generation");
            sealed(&key.serialize_der()).expect("a key just made")
        };
        let kept = store.rotate_signing_keys(now, Some(first), make)?;
        let mut loaded = Vec::new();
        for key in kept {
            let der = self
                .open(&format!("signing_key:{}", key.kid), &key.sealed)
                .and_then(|text| STANDARD.decode(text).ok())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "signing key {} does not open under this server's key",
                        key.kid
                    )
                })?;
            loaded.push(SigningKey::from_pkcs8(&der, key.active_from)?);
        }
        anyhow::ensure!(!loaded.is_empty(), "no token signing key");
        *self
            .signing
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = loaded;
        Ok(())
    }

    fn signing(&self) -> std::sync::RwLockReadGuard<'_, Vec<SigningKey>> {
        self.signing
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    /// The published keys (JWKS): the one signing now, the next before it starts, and the last
    /// ones until their tokens have expired.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> =
            self.signing().iter().map(|key| key.jwk.clone()).collect();
        serde_json::json!({ "keys": keys })
    }

    /// The id of the key that signs at `now`: the last of those started.
    pub fn signing_kid(&self, now: chrono::DateTime<Utc>) -> String {
        current(&self.signing(), now).kid.clone()
    }

    /// A client secret for an app registration, as Graph's `addPassword` makes one: 40 random
    /// characters (shown once), its public part (a new key id, the first three characters as
    /// its hint, when it starts and ends), and the keyed hash that is all roster keeps of it.
    pub fn client_secret(
        &self,
        display_name: Option<String>,
        ends: chrono::DateTime<Utc>,
        given: Option<&str>,
    ) -> (roster_core::directory::AppSecret, String, String) {
        let text = given.map_or_else(
            || {
                let bytes: [u8; 30] = rand::rng().random();
                URL_SAFE_NO_PAD.encode(bytes)
            },
            str::to_string,
        );
        let secret = roster_core::directory::AppSecret {
            key_id: uuid::Uuid::new_v4(),
            display_name,
            hint: text.chars().take(3).collect(),
            starts: Utc::now(),
            ends,
        };
        let hash = self.keyed_hash(&text);
        (secret, text, hash)
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
        self.sign(claims)
    }

    /// Signs any claims (an ID token's) with the token signing key.
    pub fn sign<T: serde::Serialize>(&self, claims: &T) -> String {
        current(&self.signing(), Utc::now()).sign(claims)
    }

    /// The published key a token names (its header's `kid`), to check its signature with.
    fn decoding_key(&self, token: &str) -> Option<DecodingKey> {
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        self.signing()
            .iter()
            .find(|key| key.kid == kid)
            .map(|key| key.decoding.clone())
    }

    /// The claims of an ID token this server signed, whatever its times: a logout's
    /// `id_token_hint`, which says who signed out of which application (and may have expired).
    pub fn id_token_hint(&self, token: &str) -> Option<crate::identity::claims::IdClaims> {
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["aud", "iss"]);
        jsonwebtoken::decode::<crate::identity::claims::IdClaims>(
            token,
            &self.decoding_key(token)?,
            &validation,
        )
        .ok()
        .map(|data| data.claims)
    }

    /// The claims of a token this server signed, if it is within its times. Not whether its
    /// principal may still use it (a session ended, an account blocked, sessions revoked): only
    /// [`crate::identity::tokens::caller_for_token`] says that, so nothing outside `identity`
    /// reads a token through here.
    pub(in crate::identity) fn decode(&self, token: &str) -> Option<Claims> {
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
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding_key(token)?, &validation)
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

/// The key that signs at `now`: the last of those started (the first, should none have).
fn current(keys: &[SigningKey], now: chrono::DateTime<Utc>) -> &SigningKey {
    keys.iter()
        .rev()
        .find(|key| key.active_from <= now)
        .or(keys.first())
        .expect("a signing key is always loaded")
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
