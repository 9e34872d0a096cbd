//! Requests to change the directory, as every front-end makes them: the API parses them from
//! Graph's JSON, the admin center from its forms, bulk work from a file's rows; the store
//! takes them. Each holds only valid values (its parts are core types), and says which
//! operations it needs (`access`), so that authorization asks the same question whoever asks.

use chrono::Utc;

use crate::access::Operation;
use crate::attributes::AttrValue;
use crate::directory::{
    AppRegistration, AppRole, Group, GroupClaims, GroupKind, PasswordHash, Platform, RedirectUri,
    User, UserType,
};
use crate::types::{
    InvalidValue, MailNickname, ObjectId, Problem, UsageLocation, UserPrincipalName,
};

/// A validated change to a user's properties; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub user_principal_name: Option<UserPrincipalName>,
    pub display_name: Option<String>,
    pub mail_nickname: Option<MailNickname>,
    pub account_enabled: Option<bool>,
    pub user_type: Option<UserType>,
    pub usage_location: Option<Option<UsageLocation>>,
    pub password: Option<(PasswordHash, bool)>,
    /// Attribute changes by index into [`crate::attributes::USER_ATTRIBUTES`].
    pub attributes: Vec<(usize, AttrValue)>,
}

impl UserUpdate {
    /// The operations this change needs, each its own permission: a Helpdesk Administrator may
    /// block a user but not rename it. An empty change asks for `UpdateUser`.
    pub fn operations(&self) -> Vec<Operation> {
        self.operations_with_password(false)
    }

    /// [`UserUpdate::operations`] of this change with a password still to be added (hashed
    /// once the caller is known to be allowed it).
    pub fn operations_with_password(&self, password: bool) -> Vec<Operation> {
        let password = password || self.password.is_some();
        let general = self.user_principal_name.is_some()
            || self.display_name.is_some()
            || self.mail_nickname.is_some()
            || self.user_type.is_some()
            || !self.attributes.is_empty()
            || (self.is_empty() && !password);
        [
            (general, Operation::UpdateUser),
            (self.account_enabled.is_some(), Operation::BlockSignIn),
            (password, Operation::ResetPassword),
            (self.usage_location.is_some(), Operation::SetUsageLocation),
        ]
        .into_iter()
        .filter_map(|(needed, operation)| needed.then_some(operation))
        .collect()
    }

    /// Whether the change touches what the on-premises directory owns for a synced user (all
    /// but the usage location and licenses).
    pub fn touches_synced_attributes(&self) -> bool {
        self.user_principal_name.is_some()
            || self.display_name.is_some()
            || self.mail_nickname.is_some()
            || self.user_type.is_some()
            || self.account_enabled.is_some()
            || self.password.is_some()
            || !self.attributes.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.user_principal_name.is_none()
            && self.display_name.is_none()
            && self.mail_nickname.is_none()
            && self.account_enabled.is_none()
            && self.user_type.is_none()
            && self.usage_location.is_none()
            && self.password.is_none()
            && self.attributes.is_empty()
    }

    /// Applies the change to `user` in memory (the store then writes the whole row).
    pub fn apply(&self, user: &mut User) {
        if let Some(upn) = &self.user_principal_name {
            user.user_principal_name = upn.clone();
        }
        if let Some(name) = &self.display_name {
            user.display_name = name.clone();
        }
        if let Some(nickname) = &self.mail_nickname {
            user.mail_nickname = nickname.clone();
        }
        if let Some(enabled) = self.account_enabled {
            user.account_enabled = enabled;
        }
        if let Some(user_type) = self.user_type {
            user.user_type = user_type;
        }
        if let Some(location) = self.usage_location {
            user.usage_location = location;
        }
        if let Some((_, force_change)) = &self.password {
            user.force_change_password_next_sign_in = *force_change;
        }
        for (index, value) in &self.attributes {
            user.attributes.set_at(*index, value.clone());
        }
    }
}

/// A password as a request gives it: the password (checked against [`check_password`]) if one
/// was chosen, else roster generates one; and whether it must be changed at the next sign-in.
#[derive(Debug, Clone)]
pub struct PasswordProfile {
    pub password: Option<String>,
    pub force_change: bool,
}

/// A new user, valid: its properties, and its password as given.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user: User,
    pub password: Option<PasswordProfile>,
}

impl NewUser {
    /// A member, enabled, with no other property, named `upn` and `display_name` (whose mail
    /// nickname is the name's alias, without the characters a nickname may not hold), who must
    /// change its password at the first sign-in.
    pub fn new(upn: UserPrincipalName, display_name: String) -> Result<NewUser, InvalidValue> {
        let now = Utc::now();
        let mail_nickname = MailNickname::parse(upn.alias()).or_else(|_| {
            MailNickname::parse(&upn.alias().replace(['\'', '#', '^', '~', '!'], ""))
        })?;
        Ok(NewUser {
            user: User {
                id: ObjectId::new(),
                mail_nickname,
                user_principal_name: upn,
                display_name: check_display_name(&display_name)?,
                account_enabled: true,
                user_type: UserType::Member,
                usage_location: None,
                force_change_password_next_sign_in: true,
                manager_id: None,
                created: now,
                deleted: None,
                sign_in_sessions_valid_from: now,
                sign_in_activity: Default::default(),
                attributes: Default::default(),
                licenses: Vec::new(),
                inherited_licenses: Vec::new(),
            },
            password: None,
        })
    }

    /// Sets the properties `update` sets (a new user's name and display name are its own).
    pub fn set(&mut self, update: UserUpdate) {
        let UserUpdate {
            mail_nickname,
            account_enabled,
            user_type,
            usage_location,
            attributes,
            ..
        } = update;
        let user = &mut self.user;
        if let Some(nickname) = mail_nickname {
            user.mail_nickname = nickname;
        }
        if let Some(enabled) = account_enabled {
            user.account_enabled = enabled;
        }
        if let Some(user_type) = user_type {
            user.user_type = user_type;
        }
        if let Some(location) = usage_location {
            user.usage_location = location;
        }
        for (index, value) in attributes {
            user.attributes.set_at(index, value);
        }
    }

    /// Gives the new user its password profile (and with it whether the password must change).
    pub fn set_password(&mut self, profile: PasswordProfile) {
        self.user.force_change_password_next_sign_in = profile.force_change;
        self.password = Some(profile);
    }
}

impl UserUpdate {
    /// Sets a plain property (one of [`crate::attributes::USER_ATTRIBUTES`], by its Graph name) from text, as a
    /// form's field or a file's cell gives it: a list property (`businessPhones`) gets the
    /// text as its one item; empty text clears the property.
    /// `graph_name` is a front-end's constant: naming a property roster does not have, or one
    /// it does not let be written, is a bug.
    pub fn set_text(&mut self, graph_name: &'static str, text: &str) -> Result<(), InvalidValue> {
        let (index, def) = crate::attributes::find_attribute(graph_name)
            .filter(|(_, def)| def.access != crate::attributes::Access::ReadOnly)
            .expect("a writable property of USER_ATTRIBUTES");
        self.attributes
            .push((index, AttrValue::from_text(def, text)?));
        Ok(())
    }
}

/// The most email aliases a user has (Exchange allows a few hundred proxy addresses; a list
/// longer than this is a mistake, not an organisation's need).
pub const MAX_EMAIL_ALIASES: usize = 100;

/// A user's email aliases: the secondary `smtp:` entries of `proxyAddresses` (the primary
/// `SMTP:` address and other kinds, `sip:` or `x500:`, are not aliases).
pub fn email_aliases(user: &User) -> Vec<String> {
    match user.attributes.get("proxyAddresses") {
        AttrValue::TextList(items) => items
            .iter()
            .filter_map(|item| item.strip_prefix("smtp:"))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

impl UserUpdate {
    /// Makes `aliases` the user's email aliases (each `smtp:` in `proxyAddresses`), keeping its
    /// primary address and addresses of other kinds. Each is written as a user name is; the
    /// same one twice, or the user's own primary address, is kept once. Whether the domain is the
    /// tenant's and the address free is the store's to check, inside the change's transaction.
    pub fn set_email_aliases<'a>(
        &mut self,
        user: &User,
        aliases: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), InvalidValue> {
        let (index, _) =
            crate::attributes::find_attribute("proxyAddresses").expect("proxyAddresses");
        let mut kept: Vec<String> = match user.attributes.get("proxyAddresses") {
            AttrValue::TextList(items) => items
                .iter()
                .filter(|item| !item.starts_with("smtp:"))
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        let mut added = 0;
        for alias in aliases.into_iter().map(str::trim).filter(|a| !a.is_empty()) {
            // Written as a user name is (the same characters before `@`, a domain after it),
            // with or without the `smtp:` that proxyAddresses puts before it.
            let address = match alias.get(..5) {
                Some(prefix) if prefix.eq_ignore_ascii_case("smtp:") => &alias[5..],
                _ => alias,
            };
            let alias = UserPrincipalName::parse(address)
                .map_err(|invalid| InvalidValue::new("proxyAddresses", invalid.reason))?
                .to_string();
            let taken = kept.iter().any(|item| {
                item.split_once(':').is_some_and(|(kind, address)| {
                    kind.eq_ignore_ascii_case("smtp") && address.eq_ignore_ascii_case(&alias)
                })
            });
            if taken {
                continue;
            }
            added += 1;
            if added > MAX_EMAIL_ALIASES {
                return Err(InvalidValue::new(
                    "proxyAddresses",
                    Problem::TooMany(MAX_EMAIL_ALIASES),
                ));
            }
            kept.push(format!("smtp:{alias}"));
        }
        self.attributes.push((index, AttrValue::TextList(kept)));
        Ok(())
    }
}

/// The most redirect URIs an app registration has, over all its platforms (Entra's limit).
pub const MAX_REDIRECT_URIS: usize = 256;

/// A redirect URI as `platform` accepts it, as Entra ID does: absolute, at most 256 characters,
/// without a fragment or a wildcard; `https`, or `http` only to the machine itself
/// (`localhost`, `127.0.0.1`, `[::1]`); a public client (desktop, mobile, CLI) may also use a
/// scheme of its own (`msal{client id}://auth`), but never one a browser runs (`javascript:`,
/// `data:`, `file:`).
pub fn check_redirect_uri(platform: Platform, text: &str) -> Result<String, InvalidValue> {
    let refused = || {
        InvalidValue::new(
            platform.property(),
            Problem::NotRedirectUri(text.to_string()),
        )
    };
    let text = text.trim();
    // Visible ASCII only (an international host as punycode), so that it goes into a Location
    // header as it is: nothing a parser would quietly drop or change.
    if text.is_empty()
        || text.len() > 256
        || text.contains(['*', '#'])
        || !text.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(refused());
    }
    let parsed = url::Url::parse(text).map_err(|_| refused())?;
    let loopback = matches!(
        parsed.host(),
        Some(url::Host::Domain("localhost"))
            | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    );
    let allowed = match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => loopback,
        "javascript" | "data" | "file" | "vbscript" | "blob" | "about" => false,
        _ => platform == Platform::PublicClient,
    };
    if allowed && parsed.fragment().is_none() {
        Ok(text.to_string())
    } else {
        Err(refused())
    }
}

/// A change to an app registration, each value checked; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
pub struct ApplicationUpdate {
    pub display_name: Option<String>,
    /// Each platform named gets these redirect URIs instead of its own.
    pub redirect_uris: Vec<(Platform, Vec<String>)>,
    pub fallback_public_client: Option<bool>,
    /// The application's roles instead of its own.
    pub app_roles: Option<Vec<AppRole>>,
    pub group_claims: Option<GroupClaims>,
}

/// The most roles an application may define.
pub const MAX_APP_ROLES: usize = 100;

impl ApplicationUpdate {
    /// The application's roles, each checked: a display name, a value of visible characters
    /// without spaces (what the `roles` claim says), ids and values each unique.
    pub fn set_app_roles(&mut self, roles: Vec<AppRole>) -> Result<(), InvalidValue> {
        if roles.len() > MAX_APP_ROLES {
            return Err(InvalidValue::new(
                "appRoles",
                Problem::TooMany(MAX_APP_ROLES),
            ));
        }
        let mut checked: Vec<AppRole> = Vec::new();
        for mut role in roles {
            role.display_name = check_display_name(&role.display_name)
                .map_err(|invalid| InvalidValue::new("appRoles.displayName", invalid.reason))?;
            let value = role.value.trim();
            if value.is_empty() || value.chars().count() > 120 {
                return Err(InvalidValue::new("appRoles.value", Problem::Length(120)));
            }
            if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic()) {
                return Err(InvalidValue::new("appRoles.value", Problem::Character(c)));
            }
            role.value = value.to_string();
            if role.description.chars().count() > 1000 {
                return Err(InvalidValue::new(
                    "appRoles.description",
                    Problem::TooLong(1000),
                ));
            }
            if checked.iter().any(|other| other.id == role.id) {
                return Err(InvalidValue::new(
                    "appRoles.id",
                    Problem::Duplicate(role.id.to_string()),
                ));
            }
            if checked
                .iter()
                .any(|other| other.value.eq_ignore_ascii_case(&role.value))
            {
                return Err(InvalidValue::new(
                    "appRoles.value",
                    Problem::Duplicate(role.value),
                ));
            }
            checked.push(role);
        }
        self.app_roles = Some(checked);
        Ok(())
    }

    pub fn set_display_name(&mut self, text: &str) -> Result<(), InvalidValue> {
        self.display_name = Some(check_display_name(text)?);
        Ok(())
    }

    /// The platform's redirect URIs, each checked; the same one twice is kept once.
    pub fn set_redirect_uris<'a>(
        &mut self,
        platform: Platform,
        uris: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), InvalidValue> {
        let mut checked: Vec<String> = Vec::new();
        for uri in uris {
            let uri = check_redirect_uri(platform, uri)?;
            if !checked.contains(&uri) {
                checked.push(uri);
            }
        }
        self.redirect_uris.retain(|(named, _)| *named != platform);
        self.redirect_uris.push((platform, checked));
        Ok(())
    }

    /// Applies the change to `app`, refusing more redirect URIs than Entra allows.
    pub fn apply(&self, app: &mut AppRegistration) -> Result<(), InvalidValue> {
        if let Some(name) = &self.display_name {
            app.display_name = name.clone();
        }
        for (platform, uris) in &self.redirect_uris {
            app.redirect_uris.retain(|uri| uri.platform != *platform);
            app.redirect_uris.extend(uris.iter().map(|uri| RedirectUri {
                uri: uri.clone(),
                platform: *platform,
            }));
        }
        if let Some(public) = self.fallback_public_client {
            app.fallback_public_client = public;
        }
        if let Some(roles) = &self.app_roles {
            // As Entra: a role is disabled before it is removed, so that no one loses it unseen.
            if let Some(removed) = app
                .app_roles
                .iter()
                .find(|role| role.enabled && !roles.iter().any(|kept| kept.id == role.id))
            {
                return Err(InvalidValue::new(
                    "appRoles",
                    Problem::StillEnabled(removed.value.clone()),
                ));
            }
            app.app_roles = roles.clone();
        }
        if let Some(claims) = self.group_claims {
            app.group_claims = claims;
        }
        if app.redirect_uris.len() > MAX_REDIRECT_URIS {
            return Err(InvalidValue::new(
                "redirectUris",
                Problem::TooMany(MAX_REDIRECT_URIS),
            ));
        }
        Ok(())
    }
}

/// A mail address as a contact's mail or an organisation's technical contact takes it: text, an
/// `@`, and a domain with a dot; at most 256 characters.
pub fn check_mail(property: &'static str, text: &str) -> Result<String, InvalidValue> {
    let text = text.trim();
    let valid = text.chars().count() <= 256
        && !text.chars().any(char::is_whitespace)
        && text.split_once('@').is_some_and(|(alias, domain)| {
            !alias.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if valid {
        Ok(text.to_string())
    } else {
        Err(InvalidValue::new(
            property,
            Problem::NotMail(text.to_string()),
        ))
    }
}

/// A change to the organisation's profile, each value checked.
#[derive(Debug, Clone, Default)]
pub struct OrganizationUpdate {
    pub display_name: Option<String>,
    pub default_usage_location: Option<Option<UsageLocation>>,
    pub technical_contact: Option<Option<String>>,
}

impl OrganizationUpdate {
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.default_usage_location.is_none()
            && self.technical_contact.is_none()
    }

    /// Applies the change to `tenant` in memory (the store then writes the row).
    pub fn apply(&self, tenant: &mut crate::directory::Tenant) {
        if let Some(name) = &self.display_name {
            tenant.display_name = name.clone();
        }
        if let Some(location) = self.default_usage_location {
            tenant.default_usage_location = location;
        }
        if let Some(contact) = &self.technical_contact {
            tenant.technical_contact = contact.clone();
        }
    }
}

/// A display name: 1 to 256 characters once trimmed (Entra ID's limit).
pub fn check_display_name(text: &str) -> Result<String, InvalidValue> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 256 {
        return Err(InvalidValue::new("displayName", Problem::Length(256)));
    }
    Ok(text.to_string())
}

/// Whether `password` meets Entra ID's rule for human-chosen passwords: 8 to 256 characters
/// and three of the four classes (lower, upper, digit, symbol).
pub fn check_password(password: &str) -> bool {
    let length = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    (8..=256).contains(&length) && classes.iter().filter(|has| **has).count() >= 3
}

/// Why a group's properties do not make a group, as Graph words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupProblem {
    #[error("{0}")]
    Invalid(#[from] InvalidValue),
    #[error("Property {property} is invalid: '{text}' is not one of {}.", .allowed.join(", "))]
    NotOneOf {
        property: &'static str,
        text: String,
        allowed: &'static [&'static str],
    },
    #[error(
        "This combination of mailEnabled, securityEnabled and groupTypes is not a group kind: use a security group (false, true, []), a Microsoft 365 group (true, any, [\"Unified\"]), a mail-enabled security group (true, true, []) or a distribution group (true, false, [])."
    )]
    NotAKind,
    #[error(
        "Property membershipRule is required on a group whose groupTypes contains DynamicMembership."
    )]
    RuleRequired,
    #[error(
        "Property membershipRule is only valid on a group whose groupTypes contains DynamicMembership."
    )]
    RuleWithoutDynamic,
    #[error("Property membershipRule is invalid: {0}.")]
    Rule(crate::rules::RuleError),
}

/// A change to a group's properties, each value valid; `None` leaves a property as it is.
/// [`GroupUpdate::apply`] checks that the result is a group.
#[derive(Debug, Clone, Default)]
pub struct GroupUpdate {
    pub display_name: Option<String>,
    pub mail_nickname: Option<MailNickname>,
    pub mail_enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    pub description: Option<Option<String>>,
    pub visibility: Option<Option<String>>,
    pub group_types: Option<Vec<String>>,
    pub membership_rule: Option<Option<String>>,
    pub membership_rule_processing_state: Option<Option<String>>,
}

const VISIBILITIES: &[&str] = &["Public", "Private", "HiddenMembership"];
const GROUP_TYPES: &[&str] = &["Unified", "DynamicMembership"];
const PROCESSING_STATES: &[&str] = &["On", "Paused"];

/// `text` as one of `allowed`, matched case-insensitively and written as `allowed` writes it.
fn one_of(
    property: &'static str,
    text: &str,
    allowed: &'static [&'static str],
) -> Result<String, GroupProblem> {
    allowed
        .iter()
        .find(|value| value.eq_ignore_ascii_case(text))
        .map(|value| value.to_string())
        .ok_or_else(|| GroupProblem::NotOneOf {
            property,
            text: text.to_string(),
            allowed,
        })
}

impl GroupUpdate {
    pub fn set_display_name(&mut self, text: &str) -> Result<(), InvalidValue> {
        self.display_name = Some(check_display_name(text)?);
        Ok(())
    }

    /// At most 1,024 characters; `None` clears it.
    pub fn set_description(&mut self, text: Option<&str>) -> Result<(), InvalidValue> {
        if let Some(text) = text
            && text.chars().count() > 1024
        {
            return Err(InvalidValue::new("description", Problem::TooLong(1024)));
        }
        self.description = Some(text.map(str::to_string));
        Ok(())
    }

    /// `Public`, `Private` or `HiddenMembership`; `None` clears it.
    pub fn set_visibility(&mut self, text: Option<&str>) -> Result<(), GroupProblem> {
        self.visibility = Some(
            text.map(|text| one_of("visibility", text, VISIBILITIES))
                .transpose()?,
        );
        Ok(())
    }

    /// Each `Unified` or `DynamicMembership`, once.
    pub fn set_group_types<'t>(
        &mut self,
        types: impl IntoIterator<Item = &'t str>,
    ) -> Result<(), GroupProblem> {
        let mut canonical: Vec<String> = Vec::new();
        for text in types {
            let value = one_of("groupTypes", text, GROUP_TYPES)?;
            if !canonical.contains(&value) {
                canonical.push(value);
            }
        }
        self.group_types = Some(canonical);
        Ok(())
    }

    /// `On` or `Paused`; `None` clears it.
    pub fn set_processing_state(&mut self, text: Option<&str>) -> Result<(), GroupProblem> {
        self.membership_rule_processing_state = Some(
            text.map(|text| one_of("membershipRuleProcessingState", text, PROCESSING_STATES))
                .transpose()?,
        );
        Ok(())
    }

    /// Applies the change to `group` and checks the result is a group: a kind Graph knows, and
    /// a rule (which must parse) exactly when the group is dynamic, whose processing is then
    /// `On` unless said otherwise.
    pub fn apply(self, group: &mut Group) -> Result<(), GroupProblem> {
        let GroupUpdate {
            display_name,
            mail_nickname,
            mail_enabled,
            security_enabled,
            description,
            visibility,
            group_types,
            membership_rule,
            membership_rule_processing_state,
        } = self;
        if let Some(value) = display_name {
            group.display_name = value;
        }
        if let Some(value) = mail_nickname {
            group.mail_nickname = value;
        }
        if let Some(value) = mail_enabled {
            group.mail_enabled = value;
        }
        if let Some(value) = security_enabled {
            group.security_enabled = value;
        }
        if let Some(value) = description {
            group.description = value;
        }
        if let Some(value) = visibility {
            group.visibility = value;
        }
        if let Some(value) = group_types {
            group.group_types = value;
        }
        if let Some(value) = membership_rule {
            group.membership_rule = value;
        }
        if let Some(value) = membership_rule_processing_state {
            group.membership_rule_processing_state = value;
        }
        let unified = group.group_types.iter().any(|t| t == "Unified");
        if GroupKind::from_flags(group.mail_enabled, group.security_enabled, unified).is_none() {
            return Err(GroupProblem::NotAKind);
        }
        if group.is_dynamic() {
            let rule = group
                .membership_rule
                .as_deref()
                .ok_or(GroupProblem::RuleRequired)?;
            crate::rules::MembershipRule::parse(rule).map_err(GroupProblem::Rule)?;
            if group.membership_rule_processing_state.is_none() {
                group.membership_rule_processing_state = Some("On".into());
            }
        } else {
            if group.membership_rule.is_some() {
                return Err(GroupProblem::RuleWithoutDynamic);
            }
            group.membership_rule_processing_state = None;
        }
        Ok(())
    }
}

/// A new group, valid: its properties, and the owners and members it is created with.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub group: Group,
    pub owners: Vec<ObjectId>,
    pub members: Vec<ObjectId>,
}

impl NewGroup {
    /// A group named `display_name` and `mail_nickname`, of the kind its flags and `update`'s
    /// group types make, with `update`'s other properties.
    pub fn new(
        display_name: &str,
        mail_nickname: MailNickname,
        mail_enabled: bool,
        security_enabled: bool,
        update: GroupUpdate,
    ) -> Result<NewGroup, GroupProblem> {
        let mut group = Group {
            id: ObjectId::new(),
            display_name: check_display_name(display_name)?,
            description: None,
            mail_nickname,
            mail: None,
            mail_enabled,
            security_enabled,
            group_types: Vec::new(),
            membership_rule: None,
            membership_rule_processing_state: None,
            licenses: Vec::new(),
            license_processing_state: None,
            visibility: None,
            created: Utc::now(),
            deleted: None,
        };
        update.apply(&mut group)?;
        Ok(NewGroup {
            group,
            owners: Vec::new(),
            members: Vec::new(),
        })
    }
}

/// A contact's property set from text, checked as Entra ID checks it: the display name required
/// (1 to 256 characters), the mail an address, the others within their lengths
/// ([`CONTACT_PROPERTIES`]); empty text clears a property. `businessPhones` takes one number per
/// line.
///
/// [`CONTACT_PROPERTIES`]: crate::directory::CONTACT_PROPERTIES
pub fn set_contact_text(
    contact: &mut crate::directory::Contact,
    property: &str,
    text: Option<&str>,
) -> Result<(), InvalidValue> {
    let text = text.map(str::trim).filter(|text| !text.is_empty());
    match property {
        "displayName" => {
            contact.display_name = check_display_name(text.unwrap_or_default())?;
        }
        "mail" => contact.mail = text.map(|mail| check_mail("mail", mail)).transpose()?,
        "businessPhones" => {
            let phones: Vec<&str> = text
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            if phones.iter().any(|phone| phone.chars().count() > 64) {
                return Err(InvalidValue::new("businessPhones", Problem::TooLong(64)));
            }
            contact.properties.insert(
                "businessPhones".into(),
                serde_json::Value::Array(phones.into_iter().map(|p| p.into()).collect()),
            );
        }
        _ => {
            let Some((name, max)) = crate::directory::CONTACT_PROPERTIES
                .iter()
                .find(|(name, _)| *name == property)
            else {
                return Err(InvalidValue::new(
                    "property",
                    Problem::NotOneOf(property.to_string(), CONTACT_TEXT_PROPERTIES),
                ));
            };
            if text.is_some_and(|text| text.chars().count() > *max) {
                return Err(InvalidValue::new(name, Problem::TooLong(*max)));
            }
            contact.properties.insert(
                name.to_string(),
                text.map_or(serde_json::Value::Null, |text| text.into()),
            );
        }
    }
    Ok(())
}

/// The contact properties [`set_contact_text`] sets.
pub const CONTACT_TEXT_PROPERTIES: &[&str] = &[
    "displayName",
    "mail",
    "givenName",
    "surname",
    "mailNickname",
    "companyName",
    "jobTitle",
    "department",
    "mobilePhone",
    "businessPhones",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_accepted_as_entra_accepts_them() {
        use Platform::*;
        for (platform, uri) in [
            (Web, "https://app.contoso.example/signin-oidc"),
            (Web, "http://localhost:5000/callback"),
            (Spa, "http://127.0.0.1:3000/"),
            (Spa, "https://spa.contoso.example/?tab=1"),
            (
                PublicClient,
                "msal01a2523e-6067-74c6-94d6-e7f4ca1fe34e://auth",
            ),
            (PublicClient, "http://[::1]:8400"),
        ] {
            assert_eq!(check_redirect_uri(platform, uri).unwrap(), uri, "{uri}");
        }
        for (platform, uri) in [
            (Web, "http://app.contoso.example/callback"),
            (Web, "https://app.contoso.example/*"),
            (Web, "https://app.contoso.example/cb#frag"),
            (Web, "https://app.contoso.example/c\tb"),
            (Web, "https://app.contoso.example/c b"),
            (Web, "https://bücher.example/cb"),
            (Web, "myapp://auth"),
            (Spa, "/relative"),
            (PublicClient, "javascript:alert(1)"),
            (PublicClient, "data:text/html,x"),
            (PublicClient, "file:///etc/passwd"),
        ] {
            let refused = check_redirect_uri(platform, uri).unwrap_err();
            assert_eq!(refused.property, platform.property(), "{uri}");
            assert_eq!(refused.reason, Problem::NotRedirectUri(uri.into()));
        }
        let long = format!("https://contoso.example/{}", "x".repeat(240));
        assert!(check_redirect_uri(Web, &long).is_err());
    }

    #[test]
    fn email_aliases_replace_the_secondary_addresses_only() {
        let upn = UserPrincipalName::parse("ann@contoso.example").unwrap();
        let mut user = NewUser::new(upn, "Ann".into()).unwrap().user;
        user.attributes.set(
            "proxyAddresses",
            AttrValue::TextList(vec![
                "SMTP:ann@contoso.example".into(),
                "smtp:old@contoso.example".into(),
                "sip:ann@contoso.example".into(),
            ]),
        );
        assert_eq!(email_aliases(&user), ["old@contoso.example"]);
        let mut update = UserUpdate::default();
        update
            .set_email_aliases(
                &user,
                [
                    " a@contoso.example",
                    "",
                    "A@CONTOSO.example",
                    "ANN@contoso.example",
                    "b@x.example",
                ],
            )
            .unwrap();
        update.apply(&mut user);
        // The primary and the sip: address stay; the same alias twice, and the primary
        // address again, are kept once.
        assert_eq!(
            user.attributes.get("proxyAddresses"),
            &AttrValue::TextList(vec![
                "SMTP:ann@contoso.example".into(),
                "sip:ann@contoso.example".into(),
                "smtp:a@contoso.example".into(),
                "smtp:b@x.example".into(),
            ])
        );
        assert_eq!(email_aliases(&user), ["a@contoso.example", "b@x.example"]);
        // No aliases: only the other addresses stay.
        let mut update = UserUpdate::default();
        update.set_email_aliases(&user, []).unwrap();
        update.apply(&mut user);
        assert!(email_aliases(&user).is_empty());
        // Refusals name the property and what is wrong.
        let refused = UserUpdate::default()
            .set_email_aliases(&user, ["not an address"])
            .unwrap_err();
        assert_eq!(refused.property, "proxyAddresses");
        assert_eq!(refused.reason, Problem::NoAt("not an address".into()));
        // Characters a user name may not hold are refused; an `smtp:` before it is dropped,
        // never kept as part of the address.
        for bad in [
            "a:b@contoso.example",
            "sip:ann@contoso.example",
            "a<b@contoso.example",
        ] {
            let refused = UserUpdate::default()
                .set_email_aliases(&user, [bad])
                .unwrap_err();
            assert_eq!(refused.property, "proxyAddresses", "{bad}");
        }
        let mut update = UserUpdate::default();
        update
            .set_email_aliases(&user, ["SMTP:c@contoso.example"])
            .unwrap();
        update.apply(&mut user);
        assert_eq!(email_aliases(&user), ["c@contoso.example"]);
        let many: Vec<String> = (0..=MAX_EMAIL_ALIASES)
            .map(|n| format!("a{n}@contoso.example"))
            .collect();
        let refused = UserUpdate::default()
            .set_email_aliases(&user, many.iter().map(String::as_str))
            .unwrap_err();
        assert_eq!(refused.reason, Problem::TooMany(MAX_EMAIL_ALIASES));
    }

    #[test]
    fn a_new_user_from_its_parts() {
        let upn = UserPrincipalName::parse("pat.oneil@contoso.example").unwrap();
        let mut new_user = NewUser::new(upn, "  Pat O'Neil ".into()).unwrap();
        assert_eq!(new_user.user.display_name, "Pat O'Neil");
        assert_eq!(new_user.user.mail_nickname.as_ref(), "pat.oneil");
        assert!(new_user.user.account_enabled && new_user.user.force_change_password_next_sign_in);
        let mut update = UserUpdate::default();
        update.set_text("department", "Sales").unwrap();
        update.set_text("businessPhones", "+31 20 123").unwrap();
        new_user.set(update);
        assert_eq!(new_user.user.attributes.text("department"), Some("Sales"));
        new_user.set_password(PasswordProfile {
            password: Some("Chosen-Passw0rd".into()),
            force_change: false,
        });
        assert!(!new_user.user.force_change_password_next_sign_in);
        // Refusals name their property.
        let upn = UserPrincipalName::parse("x@contoso.example").unwrap();
        let refused = NewUser::new(upn, "   ".into()).unwrap_err();
        assert_eq!(refused.property, "displayName");
        let too_long = "x".repeat(65);
        let refused = UserUpdate::default()
            .set_text("department", &too_long)
            .unwrap_err();
        assert_eq!(refused.property, "department");
    }

    #[test]
    fn each_kind_of_change_asks_its_own_operation() {
        let rename = UserUpdate {
            display_name: Some("X".into()),
            ..Default::default()
        };
        assert_eq!(rename.operations(), [Operation::UpdateUser]);
        let block = UserUpdate {
            account_enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(block.operations(), [Operation::BlockSignIn]);
        assert_eq!(
            UserUpdate::default().operations_with_password(true),
            [Operation::ResetPassword]
        );
        assert_eq!(UserUpdate::default().operations(), [Operation::UpdateUser]);
        let location = UserUpdate {
            usage_location: Some(None),
            ..Default::default()
        };
        assert_eq!(location.operations(), [Operation::SetUsageLocation]);
        assert!(!location.touches_synced_attributes());
    }

    #[test]
    fn a_group_is_of_a_kind_and_dynamic_exactly_when_it_has_a_rule() {
        let nickname = || MailNickname::parse("sales").unwrap();
        let new =
            |mail, security, update| NewGroup::new("Sales", nickname(), mail, security, update);
        // A security group; a Microsoft 365 group; not a kind.
        assert!(new(false, true, GroupUpdate::default()).is_ok());
        let mut unified = GroupUpdate::default();
        unified.set_group_types(["unified", "Unified"]).unwrap();
        let group = new(true, false, unified).unwrap().group;
        assert_eq!(group.group_types, ["Unified"], "canonical, once");
        assert_eq!(
            new(false, false, GroupUpdate::default()).unwrap_err(),
            GroupProblem::NotAKind
        );
        // Dynamic: a rule that parses, processing On unless said otherwise.
        let mut dynamic = GroupUpdate::default();
        dynamic.set_group_types(["DynamicMembership"]).unwrap();
        let without_rule = new(false, true, dynamic.clone()).unwrap_err();
        assert_eq!(without_rule, GroupProblem::RuleRequired);
        dynamic.membership_rule = Some(Some("user.department -eq \"Sales\"".into()));
        let group = new(false, true, dynamic.clone()).unwrap().group;
        assert_eq!(
            group.membership_rule_processing_state.as_deref(),
            Some("On")
        );
        dynamic.membership_rule = Some(Some("user.department -eq".into()));
        assert!(matches!(
            new(false, true, dynamic).unwrap_err(),
            GroupProblem::Rule(_)
        ));
        let ruled = GroupUpdate {
            membership_rule: Some(Some("user.department -eq \"Sales\"".into())),
            ..GroupUpdate::default()
        };
        assert_eq!(
            new(false, true, ruled).unwrap_err(),
            GroupProblem::RuleWithoutDynamic
        );
        // Values from a closed list, written as Graph writes them.
        let mut update = GroupUpdate::default();
        update.set_visibility(Some("private")).unwrap();
        update.set_processing_state(Some("paused")).unwrap();
        assert_eq!(update.visibility, Some(Some("Private".into())));
        assert!(matches!(
            update.set_visibility(Some("Secret")),
            Err(GroupProblem::NotOneOf {
                property: "visibility",
                ..
            })
        ));
        assert!(update.set_description(Some(&"x".repeat(1025))).is_err());
        assert!(NewGroup::new(" ", nickname(), false, true, GroupUpdate::default()).is_err());
    }

    #[test]
    fn chosen_passwords_follow_entra_ids_rule() {
        assert!(check_password("Abcdef1!"));
        assert!(check_password("abcdefg1!"));
        assert!(!check_password("abcdefgh1"), "two classes");
        assert!(!check_password("Ab1!"), "too short");
        assert!(
            !check_password(&format!("Aa1!{}", "x".repeat(253))),
            "too long"
        );
    }
}
