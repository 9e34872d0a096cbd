//! The directory's entities as the core sees them: every value valid.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::access::Role;
use crate::attributes::Attributes;
use crate::types::{DomainName, MailNickname, ObjectId, SkuId, UsageLocation, UserPrincipalName};

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: ObjectId,
    pub display_name: String,
    pub default_usage_location: Option<UsageLocation>,
    /// The address that hears about the organisation's technical matters (Microsoft 365's
    /// technical contact; Graph's `technicalNotificationMails`).
    pub technical_contact: Option<String>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Domain {
    pub name: DomainName,
    pub is_default: bool,
    pub is_verified: bool,
    /// The code the domain's DNS TXT record must hold to verify it (see
    /// [`Domain::verification_text`]); none for a domain verified when it was added.
    pub verification_code: Option<String>,
}

impl Domain {
    /// The text of the DNS TXT record that proves the organisation holds the domain.
    pub fn verification_text(&self) -> Option<String> {
        self.verification_code
            .as_ref()
            .map(|code| format!("roster-verification={code}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    Member,
    Guest,
}

impl UserType {
    pub fn as_str(&self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            t if t.eq_ignore_ascii_case("Member") => Some(UserType::Member),
            t if t.eq_ignore_ascii_case("Guest") => Some(UserType::Guest),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: ObjectId,
    pub user_principal_name: UserPrincipalName,
    pub display_name: String,
    pub mail_nickname: MailNickname,
    pub account_enabled: bool,
    pub user_type: UserType,
    pub usage_location: Option<UsageLocation>,
    pub force_change_password_next_sign_in: bool,
    pub manager_id: Option<ObjectId>,
    pub created: DateTime<Utc>,
    pub deleted: Option<DateTime<Utc>>,
    pub sign_in_sessions_valid_from: DateTime<Utc>,
    /// When the user last signed in (written by sign-ins, never with the user).
    pub sign_in_activity: SignInActivity,
    pub attributes: Attributes,
    /// The licenses the user holds directly.
    pub licenses: Vec<LicenseAssignment>,
    /// The licenses the user's groups give it (group-based licensing), each with whether it
    /// took.
    pub inherited_licenses: Vec<InheritedLicense>,
}

/// Graph's `signInActivity`: when a user last signed in, so that inactive accounts are found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInActivity {
    /// The last interactive sign-in (the user there), successful or not.
    pub last_sign_in: Option<DateTime<Utc>>,
    /// The last time an application renewed the user's token (a refresh token used).
    pub last_non_interactive_sign_in: Option<DateTime<Utc>>,
    /// The last successful sign-in of either kind.
    pub last_successful_sign_in: Option<DateTime<Utc>>,
}

impl User {
    /// Graph's `assignedLicenses`: every SKU the user holds, directly or through a group whose
    /// assignment took. A SKU held several ways has a plan turned off only where every way
    /// turns it off.
    pub fn assigned_licenses(&self) -> Vec<LicenseAssignment> {
        let mut held: Vec<LicenseAssignment> = self.licenses.clone();
        for inherited in self
            .inherited_licenses
            .iter()
            .filter(|l| l.state == LicenseState::Active)
        {
            match held.iter_mut().find(|a| a.sku_id == inherited.sku_id) {
                Some(existing) => existing
                    .disabled_plans
                    .retain(|plan| inherited.disabled_plans.contains(plan)),
                None => held.push(LicenseAssignment {
                    sku_id: inherited.sku_id,
                    disabled_plans: inherited.disabled_plans.clone(),
                }),
            }
        }
        held
    }

    pub fn is_synced(&self) -> bool {
        matches!(
            self.attributes.get("onPremisesSyncEnabled"),
            crate::attributes::AttrValue::Bool(true)
        )
    }
}

/// How a password is stored. A human-chosen one is hashed with Argon2id; one that roster
/// generated (128 random bits or more) with a keyed HMAC-SHA-256, because guessing it is
/// infeasible whatever the hash's speed (DESIGN.md, "Cost of password hashing").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordHash {
    Argon2id(String),
    HmacSha256(String),
}

/// `{ skuId, disabledPlans }` as held by a user directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseAssignment {
    pub sku_id: SkuId,
    pub disabled_plans: Vec<Uuid>,
}

/// A license a user holds through one of its groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InheritedLicense {
    pub sku_id: SkuId,
    pub disabled_plans: Vec<Uuid>,
    pub group_id: ObjectId,
    pub state: LicenseState,
    pub error: LicenseError,
}

/// Graph's `licenseAssignmentState.state`, as roster uses it: a group's license either took
/// (and holds a seat) or did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseState {
    Active,
    Error,
}

impl LicenseState {
    pub fn as_str(&self) -> &'static str {
        match self {
            LicenseState::Active => "Active",
            LicenseState::Error => "Error",
        }
    }

    pub fn parse(text: &str) -> Option<LicenseState> {
        match text {
            "Active" => Some(LicenseState::Active),
            "Error" => Some(LicenseState::Error),
            _ => None,
        }
    }
}

/// Graph's `licenseAssignmentState.error`: why a group's license did not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseError {
    None,
    CountViolation,
    MutuallyExclusiveViolation,
    DependencyViolation,
    ProhibitedInUsageLocationViolation,
    UniquenessViolation,
    Other,
}

impl LicenseError {
    pub const ALL: [LicenseError; 7] = [
        LicenseError::None,
        LicenseError::CountViolation,
        LicenseError::MutuallyExclusiveViolation,
        LicenseError::DependencyViolation,
        LicenseError::ProhibitedInUsageLocationViolation,
        LicenseError::UniquenessViolation,
        LicenseError::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            LicenseError::None => "None",
            LicenseError::CountViolation => "CountViolation",
            LicenseError::MutuallyExclusiveViolation => "MutuallyExclusiveViolation",
            LicenseError::DependencyViolation => "DependencyViolation",
            LicenseError::ProhibitedInUsageLocationViolation => {
                "ProhibitedInUsageLocationViolation"
            }
            LicenseError::UniquenessViolation => "UniquenessViolation",
            LicenseError::Other => "Other",
        }
    }

    pub fn parse(text: &str) -> Option<LicenseError> {
        LicenseError::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Security,
    MailEnabledSecurity,
    Distribution,
    Microsoft365,
}

impl GroupKind {
    /// Graph's (mailEnabled, securityEnabled, groupTypes contains "Unified") combinations.
    pub fn from_flags(mail_enabled: bool, security_enabled: bool, unified: bool) -> Option<Self> {
        match (mail_enabled, security_enabled, unified) {
            (_, _, true) if mail_enabled => Some(GroupKind::Microsoft365),
            (false, true, false) => Some(GroupKind::Security),
            (true, true, false) => Some(GroupKind::MailEnabledSecurity),
            (true, false, false) => Some(GroupKind::Distribution),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: ObjectId,
    pub display_name: String,
    pub description: Option<String>,
    pub mail_nickname: MailNickname,
    pub mail: Option<String>,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
    pub membership_rule: Option<String>,
    pub membership_rule_processing_state: Option<String>,
    pub visibility: Option<String>,
    /// The licenses the group gives its members (group-based licensing).
    pub licenses: Vec<LicenseAssignment>,
    /// Graph's `licenseProcessingState.state`, once the group has had licenses.
    pub license_processing_state: Option<String>,
    pub created: DateTime<Utc>,
    pub deleted: Option<DateTime<Utc>>,
}

impl Group {
    /// Whether the group's members are computed from its rule (and so cannot be added by hand).
    pub fn is_dynamic(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    User,
    Group,
}

impl ObjectKind {
    pub fn odata_type(&self) -> &'static str {
        match self {
            ObjectKind::User => "#microsoft.graph.user",
            ObjectKind::Group => "#microsoft.graph.group",
        }
    }
}

/// A purchased product: a SKU of the catalog with seats.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub sku_id: SkuId,
    pub sku_part_number: String,
    pub enabled_units: i64,
    pub suspended_units: i64,
    pub warning_units: i64,
    pub consumed_units: i64,
    pub capability_status: String,
    pub created: DateTime<Utc>,
}

/// An app registration (Graph's `application`): what an application is to the directory, how
/// it proves who it is (client secrets) and where a sign-in may send users back to.
#[derive(Debug, Clone)]
pub struct AppRegistration {
    /// Graph's `appId`, the `client_id` of OAuth.
    pub client_id: ObjectId,
    /// Graph's `id`: the application object's id, not its client id.
    pub object_id: ObjectId,
    pub display_name: String,
    /// Application permissions granted (Graph's names), for its own tokens.
    pub permissions: Vec<String>,
    pub tokens_valid_from: DateTime<Utc>,
    pub redirect_uris: Vec<RedirectUri>,
    /// Graph's `isFallbackPublicClient`: the app signs users in without a secret (a desktop or
    /// mobile app, a CLI).
    pub fallback_public_client: bool,
    pub created: DateTime<Utc>,
    /// The roles the application defines for its users (Graph's `appRoles`); the ID token's
    /// `roles` claim names those a user is assigned.
    pub app_roles: Vec<AppRole>,
    /// Which of a user's groups the ID token's `groups` claim names (Graph's
    /// `groupMembershipClaims`).
    pub group_claims: GroupClaims,
    /// The application in its tenant (its service principal, Entra's Enterprise application):
    /// who may sign in to it.
    pub service_principal: ServicePrincipal,
}

/// An application's role for users (Graph's `appRole`, `allowedMemberTypes` `User`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppRole {
    pub id: Uuid,
    pub display_name: String,
    /// What the `roles` claim says: no spaces, unique in the application.
    pub value: String,
    pub description: String,
    /// A disabled role is assigned to no one new and named in no token.
    pub enabled: bool,
}

/// Graph's `groupMembershipClaims`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GroupClaims {
    #[default]
    None,
    /// Security groups.
    SecurityGroup,
    /// Every group.
    All,
}

impl GroupClaims {
    pub const ALL: [GroupClaims; 3] = [
        GroupClaims::None,
        GroupClaims::SecurityGroup,
        GroupClaims::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupClaims::None => "None",
            GroupClaims::SecurityGroup => "SecurityGroup",
            GroupClaims::All => "All",
        }
    }

    pub fn parse(text: &str) -> Option<GroupClaims> {
        GroupClaims::ALL
            .into_iter()
            .find(|claims| claims.as_str().eq_ignore_ascii_case(text))
    }
}

/// An application's service principal in its tenant: whether users must be assigned to it to
/// sign in (Graph's `appRoleAssignmentRequired`), and whether anyone may (`accountEnabled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServicePrincipal {
    pub id: ObjectId,
    pub assignment_required: bool,
    pub enabled: bool,
}

/// A user or group given an application (Graph's `appRoleAssignment`), with one of its roles or
/// none (the nil id: default access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoleAssignment {
    pub id: ObjectId,
    /// The application's client id.
    pub client_id: ObjectId,
    pub principal_id: ObjectId,
    /// `User` or `Group`.
    pub principal_type: &'static str,
    pub principal_name: String,
    pub app_role_id: Uuid,
    pub created: DateTime<Utc>,
}

/// roster's own command-line tool, an application of every tenant without being registered in
/// any (as Entra's first-party applications, the Azure CLI's among them, are): a public client
/// that signs users in with the device code flow or a browser on a loopback address, and whose
/// tokens do what the user's roles allow (`Directory.AccessAsUser.All`).
pub const CLI_CLIENT_ID: Uuid = Uuid::from_u128(0x5b9c74be_219b_42ae_aefa_9b04e39786af);

impl AppRegistration {
    /// A new registration named `display_name` with the client id `client_id`: fresh object
    /// ids, no permissions, redirect URIs or roles, anyone of the tenant allowed to sign in.
    pub fn new(client_id: ObjectId, display_name: String, now: DateTime<Utc>) -> AppRegistration {
        AppRegistration {
            client_id,
            object_id: ObjectId::new(),
            display_name,
            permissions: Vec::new(),
            tokens_valid_from: now,
            redirect_uris: Vec::new(),
            fallback_public_client: false,
            created: now,
            app_roles: Vec::new(),
            group_claims: GroupClaims::None,
            service_principal: ServicePrincipal {
                id: ObjectId::new(),
                assignment_required: false,
                enabled: true,
            },
        }
    }

    /// The roster CLI as an application (see [`CLI_CLIENT_ID`]).
    pub fn roster_cli() -> AppRegistration {
        let id = ObjectId::from(CLI_CLIENT_ID);
        AppRegistration {
            client_id: id,
            object_id: id,
            display_name: "roster CLI".into(),
            permissions: Vec::new(),
            tokens_valid_from: DateTime::<Utc>::MIN_UTC,
            redirect_uris: vec![RedirectUri {
                uri: "http://localhost".into(),
                platform: Platform::PublicClient,
            }],
            fallback_public_client: true,
            created: DateTime::<Utc>::MIN_UTC,
            app_roles: Vec::new(),
            group_claims: GroupClaims::None,
            service_principal: ServicePrincipal {
                id,
                assignment_required: false,
                enabled: true,
            },
        }
    }

    /// Whether this is one of roster's own applications rather than one registered in a tenant.
    pub fn is_first_party(&self) -> bool {
        self.client_id == ObjectId::from(CLI_CLIENT_ID)
    }
}

/// Where a sign-in may return to, and what kind of client is there (Graph's `web`, `spa` and
/// `publicClient` platforms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    pub uri: String,
    pub platform: Platform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// A web app on a server, which keeps a secret.
    Web,
    /// A single-page app in a browser: no secret, so PKCE is required.
    Spa,
    /// A desktop or mobile app: no secret, PKCE required, custom schemes and loopback allowed.
    PublicClient,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Web, Platform::Spa, Platform::PublicClient];

    /// The property of Graph's `application` that lists its redirect URIs.
    pub fn property(self) -> &'static str {
        match self {
            Platform::Web => "web",
            Platform::Spa => "spa",
            Platform::PublicClient => "publicClient",
        }
    }
}

/// A client secret's public part (Graph's `passwordCredential` without `secretText`, which is
/// shown once, when it is made, and kept only as a keyed hash).
#[derive(Debug, Clone)]
pub struct AppSecret {
    pub key_id: Uuid,
    pub display_name: Option<String>,
    /// The secret's first three characters, to tell secrets apart.
    pub hint: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RoleAssignment {
    pub principal_id: ObjectId,
    pub role: Role,
}

/// One change to the directory, written in the same transaction as the change.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: ObjectId,
    pub at: DateTime<Utc>,
    pub actor_id: Option<ObjectId>,
    pub actor_name: String,
    pub operation: String,
    pub target_id: Option<ObjectId>,
    pub target_name: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
    pub job_id: Option<ObjectId>,
}

/// How long a deleted user or group stays restorable.
pub const RECYCLE_BIN_DAYS: i64 = 30;

/// An external mail contact (Graph's `orgContact`): listed in the directory, no sign-in.
#[derive(Debug, Clone)]
pub struct Contact {
    pub id: ObjectId,
    pub display_name: String,
    pub mail: Option<String>,
    /// The other properties, as listed in [`CONTACT_PROPERTIES`], in Graph's JSON.
    pub properties: serde_json::Map<String, serde_json::Value>,
    pub created: DateTime<Utc>,
}

/// A contact's descriptive properties and their length limits; `businessPhones` is a list.
pub const CONTACT_PROPERTIES: &[(&str, usize)] = &[
    ("givenName", 64),
    ("surname", 64),
    ("mailNickname", 64),
    ("companyName", 64),
    ("jobTitle", 128),
    ("department", 64),
    ("mobilePhone", 64),
    ("businessPhones", 64),
];
