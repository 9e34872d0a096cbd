//! Requests to change the directory, as every front-end makes them: the API parses them from
//! Graph's JSON, the admin center from its forms, bulk work from a file's rows; the store
//! takes them. Each holds only valid values (its parts are core types), and says which
//! operations it needs (`access`), so that authorization asks the same question whoever asks.

use chrono::Utc;

use crate::access::Operation;
use crate::attributes::AttrValue;
use crate::directory::{PasswordHash, User, UserType};
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

#[cfg(test)]
mod tests {
    use super::*;

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
