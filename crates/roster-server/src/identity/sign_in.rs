//! Signing in with a name and a password: the one path every front-end takes (the OAuth
//! password grant, the admin center), with smart lockout, the sign-in log and the same cost in
//! time whatever the outcome.

use axum::http::request::Parts;
use chrono::Utc;
use roster_core::directory::PasswordHash;
use roster_core::types::ObjectId;

use crate::error::ApiResult;
use crate::state::AppState;

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

/// What a sign-in is to, as the sign-in log names it: an application (its client id and name),
/// or a part of roster that is not one yet (the admin center).
#[derive(Debug, Clone, Copy)]
pub struct SignInApp<'a> {
    pub id: Option<ObjectId>,
    pub name: &'a str,
}

impl<'a> SignInApp<'a> {
    pub fn of(app: &'a roster_core::directory::AppRegistration) -> SignInApp<'a> {
        SignInApp {
            id: Some(app.client_id),
            name: &app.display_name,
        }
    }

    pub const fn named(name: &'a str) -> SignInApp<'a> {
        SignInApp { id: None, name }
    }
}

/// A sign-in that checks no password, for the sign-in log and the user's sign-in activity: a
/// browser's session used for an application (interactive), or a refresh token used by one
/// (non-interactive); `refusal` its AADSTS code and reason, `None` a success.
pub async fn log_sign_in(
    state: &AppState,
    parts: &Parts,
    (tenant_id, user): (ObjectId, &roster_core::directory::User),
    app: SignInApp<'_>,
    interactive: bool,
    refusal: Option<(i64, &str)>,
) -> ApiResult<()> {
    let entry = sign_in_entry(parts, (tenant_id, user), app, interactive, refusal);
    state.db(move |store| store.log_sign_in(&entry)).await
}

/// The sign-in log's entry for a sign-in that checks no password (see [`log_sign_in`]), for a
/// caller that writes it with other work.
pub fn sign_in_entry(
    parts: &Parts,
    (tenant_id, user): (ObjectId, &roster_core::directory::User),
    app: SignInApp<'_>,
    interactive: bool,
    refusal: Option<(i64, &str)>,
) -> roster_store::SignIn {
    roster_store::SignIn {
        id: ObjectId::new(),
        tenant_id: Some(tenant_id),
        at: Utc::now(),
        user_id: Some(user.id),
        user_principal_name: user.user_principal_name.to_string(),
        client_ip: crate::state::client_ip(parts),
        client: app.name.chars().take(MAX_NAME).collect(),
        error_code: refusal.map_or(0, |(code, _)| code),
        failure_reason: refusal.map(|(_, reason)| reason.to_string()),
        app_id: app.id,
        interactive,
        correlation_id: correlation_id(),
    }
}

/// The request's id, as the sign-in log's correlation id.
fn correlation_id() -> Option<String> {
    Some(crate::error::current_request_id()).filter(|id| !id.is_empty())
}

/// Where failed sign-ins are counted from: the client's address, an IPv6 client's /64 (one
/// subscriber's block, whose addresses cost an attacker nothing to change).
pub(crate) fn lockout_source(ip: Option<std::net::IpAddr>) -> String {
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
    app: SignInApp<'_>,
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
        client: app.name.chars().take(MAX_NAME).collect(),
        error_code: 0,
        failure_reason: None,
        app_id: app.id,
        interactive: true,
        correlation_id: correlation_id(),
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
