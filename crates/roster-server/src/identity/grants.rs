//! OpenID Connect's authorization code flow, the part every front-end shares: an authorize
//! request checked as Entra ID checks it, the code a sign-in gives, and the tokens a code or a
//! refresh token is exchanged for (an access token for roster's Graph API, an ID token, and a
//! refresh token that rotates). The sign-in page that asks for the password is the admin
//! center's (`center::authorize`); the token endpoint is [`crate::identity::oauth`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use roster_core::directory::{AppRegistration, Platform, RedirectUri, User};
use roster_core::types::ObjectId;
use roster_store::{CodeGrant, RefreshGrant};
use serde::Deserialize;
use sha2::Digest;

use crate::error::ApiResult;
use crate::identity::claims::{Claims, IdClaims, MAX_GROUPS_CLAIM, TOKEN_LIFETIME_SECONDS};
use crate::state::AppState;

/// How long a code may wait to be redeemed (Entra's: ten minutes).
const CODE_LIFETIME_SECONDS: i64 = 600;
/// How long a refresh token lasts unused (Entra's: 90 days).
pub const REFRESH_LIFETIME_DAYS: i64 = 90;

/// The longest value an authorize request's parameter may have.
const MAX_PARAMETER_LENGTH: usize = 2048;

/// The scopes of OpenID Connect itself.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// The delegated Graph permissions roster serves, as a scope asks for them (with or without
/// Graph's `https://graph.microsoft.com/` before them).
const GRAPH_SCOPES: [&str; 9] = [
    roster_core::access::ACCESS_AS_USER,
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Group.Read.All",
    "GroupMember.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// An authorize request's parameters, from its query or from the sign-in form that carries
/// them on.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub response_type: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub response_mode: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    pub domain_hint: Option<String>,
    pub max_age: Option<String>,
}

impl AuthorizeParams {
    /// The parameters as pairs, for the sign-in form's hidden fields.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("client_id", &self.client_id),
            ("response_type", &self.response_type),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("response_mode", &self.response_mode),
            ("prompt", &self.prompt),
            ("login_hint", &self.login_hint),
            ("domain_hint", &self.domain_hint),
            ("max_age", &self.max_age),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|value| (name, value)))
        .collect()
    }
}

/// How the answer goes back to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// An authorize request that may go on: the application, where its answer goes, and what it
/// asked for.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub tenant_id: ObjectId,
    pub app: AppRegistration,
    pub redirect: RedirectUri,
    pub mode: ResponseMode,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// `prompt`: `login` (ask for the password whatever the session), `none` (never ask),
    /// `select_account` (ask, the session's account offered).
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    /// `max_age` in seconds: a session signed in longer ago asks again.
    pub max_age: Option<i64>,
}

/// Why an authorize request cannot go on.
#[derive(Debug, Clone)]
pub enum AuthorizeError {
    /// Said on a page of roster's own: the application or its redirect URI is not known, so
    /// nothing may be sent to it.
    Page(String),
    /// Sent back to the application's redirect URI, as Entra sends it.
    Redirect {
        to: String,
        mode: ResponseMode,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// The params of an answer to the application: a code, or an error.
pub fn answer_params(error: &AuthorizeError) -> Vec<(&'static str, String)> {
    match error {
        AuthorizeError::Redirect {
            state,
            error,
            description,
            ..
        } => {
            let mut params = vec![
                ("error", error.to_string()),
                ("error_description", description.clone()),
            ];
            if let Some(state) = state {
                params.push(("state", state.clone()));
            }
            params
        }
        AuthorizeError::Page(_) => Vec::new(),
    }
}

/// Checks an authorize request as Entra ID does: first the application and its redirect URI
/// (until both are known, an error is shown, never sent), then what it asks for (an error sent
/// back to the application).
pub async fn check(
    state: &AppState,
    tenant_id: ObjectId,
    params: &AuthorizeParams,
) -> Result<Authorization, AuthorizeError> {
    let page = |text: &str| Err(AuthorizeError::Page(text.to_string()));
    let Some(client_id) = params.client_id.as_deref() else {
        return page(
            "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
        );
    };
    let unknown_app = format!(
        "AADSTS700016: Application with identifier '{client_id}' was not found in the directory. The application may not be registered in this organisation."
    );
    let Ok(client) = ObjectId::parse(client_id) else {
        return page(&unknown_app);
    };
    let stored = match client_app(state, tenant_id, client).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return page(&unknown_app),
        Err(error) => return page(&error.message),
    };
    let app = stored.app;
    if !app.service_principal.enabled {
        return page(&AccessRefused::Disabled.aadsts(&app));
    }
    let Some(redirect_uri) = params.redirect_uri.as_deref() else {
        return page(
            "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'.",
        );
    };
    // Exactly as registered: not a prefix, not another case, not another port (but a public
    // client's loopback address on any port, as RFC 8252 and Entra have it).
    let Some(redirect) = app
        .redirect_uris
        .iter()
        .find(|registered| redirect_matches(registered, redirect_uri))
        .map(|registered| RedirectUri {
            uri: redirect_uri.to_string(),
            platform: registered.platform,
        })
    else {
        return page(&format!(
            "AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
        ));
    };
    let mode = match params.response_mode.as_deref() {
        None | Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some("form_post") => ResponseMode::FormPost,
        Some(_) => ResponseMode::Query,
    };
    let refuse = |error: &'static str, description: String| {
        Err(AuthorizeError::Redirect {
            to: redirect.uri.clone(),
            mode,
            state: params.state.clone(),
            error,
            description,
        })
    };
    // A parameter longer than any real one is refused whole (and not echoed back).
    let oversized = params
        .pairs()
        .iter()
        .any(|(_, value)| value.len() > MAX_PARAMETER_LENGTH);
    if oversized {
        return Err(AuthorizeError::Redirect {
            to: redirect.uri.clone(),
            mode,
            state: None,
            error: "invalid_request",
            description: format!(
                "AADSTS90015: A parameter of the request is longer than {MAX_PARAMETER_LENGTH} characters."
            ),
        });
    }
    if !matches!(
        params.response_mode.as_deref(),
        None | Some("query" | "fragment" | "form_post")
    ) {
        return refuse(
            "invalid_request",
            "AADSTS90015: The response_mode is not supported: use query, fragment or form_post."
                .into(),
        );
    }
    match params.response_type.as_deref() {
        Some("code") => {}
        None => {
            return refuse(
                "invalid_request",
                "AADSTS900144: The request body must contain the following parameter: 'response_type'.".into(),
            );
        }
        Some(other) => {
            return refuse(
                "unsupported_response_type",
                format!(
                    "AADSTS700054: response_type '{other}' is not enabled for the application: use code."
                ),
            );
        }
    }
    let scope = match normalised_scope(&app, params.scope.as_deref().unwrap_or("openid")) {
        Ok(scope) => scope,
        Err(unknown) => {
            return refuse("invalid_scope", invalid_scope(&unknown));
        }
    };
    let code_challenge = match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (None, None) => None,
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => {
            Some(challenge.to_string())
        }
        (Some(_), Some("S256")) => {
            return refuse(
                "invalid_request",
                "AADSTS50131: The code_challenge is not a base64url-encoded SHA-256 hash (43 characters).".into(),
            );
        }
        (Some(_), None | Some("plain")) | (None, Some(_)) => {
            return refuse(
                "invalid_request",
                "AADSTS50131: Only code_challenge_method S256 is supported, with a code_challenge."
                    .into(),
            );
        }
        (Some(_), Some(other)) => {
            return refuse(
                "invalid_request",
                format!(
                    "AADSTS50131: The code_challenge_method '{other}' is not supported: use S256."
                ),
            );
        }
    };
    // A client without a secret (a single-page or public client) must prove with PKCE that the
    // code comes back to the app that asked for it.
    if code_challenge.is_none() && redirect.platform != Platform::Web {
        return refuse(
            "invalid_request",
            "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption.".into(),
        );
    }
    let max_age = match params.max_age.as_deref() {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(seconds) if seconds >= 0 => Some(seconds),
            _ => {
                return refuse(
                    "invalid_request",
                    "AADSTS90014: max_age must be a number of seconds.".into(),
                );
            }
        },
    };
    let prompt = params.prompt.clone();
    if !matches!(
        prompt.as_deref(),
        None | Some("login" | "none" | "select_account" | "consent")
    ) {
        return refuse(
            "invalid_request",
            "AADSTS90023: Invalid prompt: use login, none, select_account or consent.".into(),
        );
    }
    Ok(Authorization {
        tenant_id,
        app,
        redirect: redirect.clone(),
        mode,
        scope,
        state: params.state.clone(),
        nonce: params.nonce.clone(),
        code_challenge,
        prompt,
        login_hint: params.login_hint.clone(),
        max_age,
    })
}

/// Entra's words for a scope roster does not serve (`invalid_scope`).
pub fn invalid_scope(unknown: &str) -> String {
    format!(
        "AADSTS70011: The provided value for the input parameter 'scope' isn't valid. The scope {unknown} isn't valid."
    )
}

/// The application a client id names in a tenant: one registered there, or one of roster's
/// own (the CLI, in every tenant, with no secret). The one lookup of a client for every grant
/// and page.
pub async fn client_app(
    state: &AppState,
    tenant_id: ObjectId,
    client_id: ObjectId,
) -> ApiResult<Option<roster_store::StoredApp>> {
    state
        .db(move |store| client_app_in(store, tenant_id, client_id))
        .await
}

/// [`client_app`] inside the caller's store work (to share its trip to the database).
pub fn client_app_in(
    store: &roster_store::Store,
    tenant_id: ObjectId,
    client_id: ObjectId,
) -> roster_store::Result<Option<roster_store::StoredApp>> {
    let cli = AppRegistration::roster_cli();
    if client_id == cli.client_id {
        return Ok(Some(roster_store::StoredApp {
            tenant_id,
            app: cli,
            secrets: Vec::new(),
        }));
    }
    Ok(store
        .app(client_id)?
        .filter(|stored| stored.tenant_id == tenant_id))
}

/// The scopes asked for, each one roster serves, Graph's prefix dropped; or the first it does
/// not serve. `.default` asks for what the application is granted without asking: for roster's
/// own CLI, to act as the user (`Directory.AccessAsUser.All`); for any other, `User.Read`.
pub fn normalised_scope(app: &AppRegistration, scope: &str) -> Result<String, String> {
    let default = if app.is_first_party() {
        roster_core::access::ACCESS_AS_USER
    } else {
        "User.Read"
    };
    let mut scopes: Vec<&str> = Vec::new();
    for asked in scope.split_whitespace() {
        let name = asked
            .strip_prefix("https://graph.microsoft.com/")
            .unwrap_or(asked);
        let known = OIDC_SCOPES
            .iter()
            .chain(GRAPH_SCOPES.iter())
            .find(|known| known.eq_ignore_ascii_case(name))
            .copied()
            .or((name == ".default").then_some(default))
            // Acting as the user in everything the user's roles allow is roster's own CLI's
            // only: roster has no consent screen, and a signed-in administrator's browser
            // answers an application's request without one.
            .filter(|known| *known != roster_core::access::ACCESS_AS_USER || app.is_first_party());
        match known {
            Some(known) if !scopes.contains(&known) => scopes.push(known),
            Some(_) => {}
            None => return Err(asked.to_string()),
        }
    }
    Ok(scopes.join(" "))
}

/// Whether an authorize request's redirect URI is the registered one: the same text, or, for a
/// public client's `http` loopback address, the same but for the port.
fn redirect_matches(registered: &RedirectUri, asked: &str) -> bool {
    if registered.uri == asked {
        return true;
    }
    if registered.platform != Platform::PublicClient {
        return false;
    }
    let (Ok(mut registered), Ok(mut asked)) =
        (url::Url::parse(&registered.uri), url::Url::parse(asked))
    else {
        return false;
    };
    let loopback = |url: &url::Url| {
        url.scheme() == "http"
            && matches!(
                url.host(),
                Some(url::Host::Domain("localhost"))
                    | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                    | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
            )
    };
    if !loopback(&registered) || !loopback(&asked) {
        return false;
    }
    let _ = registered.set_port(None);
    let _ = asked.set_port(None);
    registered == asked
}

fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// How long a device's request waits for its user to sign in elsewhere (Entra's: 15 minutes).
pub const DEVICE_CODE_LIFETIME_SECONDS: i64 = 900;
/// How often a device may ask whether its user has signed in.
pub const DEVICE_POLL_INTERVAL_SECONDS: i64 = 5;
/// The letters of a user code: consonants only (no words, no 0/O or 1/I to confuse), as RFC
/// 8628 suggests; nine of them are 20^9 = 5 * 10^11 codes.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LENGTH: usize = 9;

/// A new user code for a device's request: short enough to type.
pub fn new_user_code() -> String {
    let mut rng = rand::rng();
    (0..USER_CODE_LENGTH)
        .map(|_| USER_CODE_ALPHABET[rng.random_range(0..USER_CODE_ALPHABET.len())] as char)
        .collect()
}

/// What the database keeps of a user code as typed: its keyed hash, spaces and dashes dropped
/// and letters in capitals (the code is read aloud and typed on another device).
pub fn user_code_hash(state: &AppState, typed: &str) -> String {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .take(4 * USER_CODE_LENGTH)
        .collect::<String>()
        .to_uppercase();
    token_hash(state, "user_code", &code)
}

/// A new code or token: 32 random bytes, base64url.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a code or refresh token: its keyed hash, by kind.
pub fn token_hash(state: &AppState, kind: &str, token: &str) -> String {
    state.keys.keyed_hash(&format!("{kind}:{token}"))
}

/// The code a sign-in gives the application, kept (as a hash) until it is redeemed.
pub async fn issue_code(
    state: &AppState,
    authorization: &Authorization,
    user_id: ObjectId,
    auth_time: DateTime<Utc>,
) -> ApiResult<String> {
    let code = random_token();
    let grant = CodeGrant {
        family_id: uuid::Uuid::new_v4(),
        tenant_id: authorization.tenant_id,
        client_id: authorization.app.client_id,
        user_id,
        redirect_uri: authorization.redirect.uri.clone(),
        scope: authorization.scope.clone(),
        nonce: authorization.nonce.clone(),
        code_challenge: authorization.code_challenge.clone(),
        auth_time,
        expires: Utc::now() + Duration::seconds(CODE_LIFETIME_SECONDS),
    };
    let hash = token_hash(state, "code", &code);
    state
        .db(move |store| store.save_code(&hash, &grant))
        .await?;
    Ok(code)
}

/// Whether a PKCE verifier answers a challenge: base64url(SHA-256(verifier)).
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let valid = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    valid && URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes())) == challenge
}

/// The tokens of a grant: an access token for roster's Graph API with the scopes granted, an
/// ID token when `openid` was, and a new refresh token (saved) when `offline_access` was.
pub struct Issued {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// Why a user may not sign in to an application now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRefused {
    /// AADSTS7000112: the application's service principal is disabled.
    Disabled,
    /// AADSTS50105: the application requires assignment, and the user is not assigned.
    NotAssigned,
}

impl AccessRefused {
    pub fn code(self) -> i64 {
        match self {
            AccessRefused::Disabled => 7000112,
            AccessRefused::NotAssigned => 50105,
        }
    }

    /// Entra's words, naming the application.
    pub fn description(self, app: &AppRegistration) -> String {
        match self {
            AccessRefused::Disabled => format!(
                "Application '{}' ({}) is disabled.",
                app.display_name, app.client_id
            ),
            AccessRefused::NotAssigned => format!(
                "Your administrator has configured the application {} ('{}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.",
                app.display_name, app.client_id
            ),
        }
    }

    /// `AADSTSnnnnn: description`.
    pub fn aadsts(self, app: &AppRegistration) -> String {
        format!("AADSTS{}: {}", self.code(), self.description(app))
    }
}

/// Whether `user_id` may sign in to `app` now (the application enabled; assigned, if it
/// requires assignment), and what the sign-in gets (the roles and groups its ID token names):
/// asked before every code, device approval and token for a user, renewals included.
pub async fn app_access(
    state: &AppState,
    tenant_id: ObjectId,
    app: &AppRegistration,
    user_id: ObjectId,
) -> ApiResult<Result<roster_store::AppAccess, AccessRefused>> {
    if app.is_first_party() {
        return Ok(Ok(roster_store::AppAccess::default()));
    }
    if !app.service_principal.enabled {
        return Ok(Err(AccessRefused::Disabled));
    }
    // Nothing to look up for an application open to all that names no roles or groups.
    let open = !app.service_principal.assignment_required
        && app.app_roles.is_empty()
        && app.group_claims == roster_core::directory::GroupClaims::None;
    if open {
        return Ok(Ok(roster_store::AppAccess::default()));
    }
    let asked = app.clone();
    let access = state
        .db(move |store| store.app_access(tenant_id, &asked, user_id))
        .await?;
    if app.service_principal.assignment_required && !access.assigned {
        return Ok(Err(AccessRefused::NotAssigned));
    }
    Ok(Ok(access))
}

/// The tokens of `grant` for `user`, with `refresh_token` (already saved) if the grant has
/// `offline_access`, and the application's roles and groups (`access`) in the ID token.
pub fn issue_tokens(
    state: &AppState,
    grant: &RefreshGrant,
    (user, app_access): (&User, &roster_store::AppAccess),
    nonce: Option<String>,
    refresh_token: Option<String>,
) -> Issued {
    let now = Utc::now();
    let issuer = state.issuer(grant.tenant_id);
    let mut access = Claims::new(issuer.clone(), grant.tenant_id, user.id, "user", now);
    access.upn = Some(user.user_principal_name.to_string());
    access.iat_us = grant.auth_time.timestamp_micros();
    access.scp = Some(graph_scopes(&grant.scope));
    access.azp = Some(grant.client_id);
    let scopes: Vec<&str> = grant.scope.split(' ').collect();
    let id_token = scopes.contains(&"openid").then(|| {
        state.keys.sign(&IdClaims {
            aud: grant.client_id,
            iss: issuer.clone(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: now.timestamp() + TOKEN_LIFETIME_SECONDS,
            sub: pairwise_subject(state, grant.client_id, user.id),
            oid: user.id,
            tid: grant.tenant_id,
            name: scopes
                .contains(&"profile")
                .then(|| user.display_name.clone()),
            preferred_username: scopes
                .contains(&"profile")
                .then(|| user.user_principal_name.to_string()),
            email: scopes
                .contains(&"email")
                .then(|| user.attributes.text("mail").map(str::to_string))
                .flatten(),
            nonce,
            auth_time: grant.auth_time.timestamp(),
            amr: vec!["pwd".into()],
            ver: "2.0".into(),
            roles: app_access.roles.clone(),
            groups: if app_access.groups.len() <= MAX_GROUPS_CLAIM {
                app_access.groups.clone()
            } else {
                Vec::new()
            },
            hasgroups: app_access.groups.len() > MAX_GROUPS_CLAIM,
        })
    });
    Issued {
        access_token: state.keys.issue(&access),
        id_token,
        refresh_token: refresh_token.filter(|_| scopes.contains(&"offline_access")),
        scope: grant.scope.clone(),
    }
}

/// Whether a grant's scopes ask for a refresh token.
pub fn wants_refresh(grant: &RefreshGrant) -> bool {
    grant.scope.split(' ').any(|s| s == "offline_access")
}

/// A new refresh token, and the hash to save of it.
pub fn new_refresh_token(state: &AppState) -> (String, String) {
    let token = random_token();
    let hash = token_hash(state, "refresh", &token);
    (token, hash)
}

/// The scopes an access token says it was granted (`scp`), as Entra's Graph tokens say them:
/// all but `offline_access`, which is the refresh token's.
fn graph_scopes(scope: &str) -> String {
    scope
        .split(' ')
        .filter(|s| *s != "offline_access")
        .collect::<Vec<_>>()
        .join(" ")
}

/// The user's `sub` for one application: the same user is another subject to every
/// application, so two applications cannot tell by `sub` that they share a user.
pub fn pairwise_subject(state: &AppState, client_id: ObjectId, user_id: ObjectId) -> String {
    let hash = state.keys.keyed_hash(&format!("sub:{client_id}:{user_id}"));
    hash.chars().take(43).collect()
}
