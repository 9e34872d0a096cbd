//! Directory objects to and from Graph's JSON.
//!
//! Reading a body is where validation happens: each property is parsed into its core type, and
//! an unknown, read-only or invalid property is refused by name before anything is written.

use roster_core::attributes::{Access, AttrValue, USER_ATTRIBUTES, format_datetime};
use roster_core::catalog::Catalog;
use roster_core::directory::{Group, User, UserType};
use roster_core::requests::{GroupUpdate, NewGroup, NewUser, PasswordProfile, UserUpdate};
use roster_core::types::{MailNickname, ObjectId, UsageLocation, UserPrincipalName};
use serde_json::{Map, Value as Json, json};

use crate::error::{ApiError, ApiResult};

pub type Object = Map<String, Json>;

/// The properties Graph returns for a user when the request has no `$select`.
pub const USER_DEFAULT_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// The user's properties that are not in the attribute table.
const USER_FIXED_PROPERTIES: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "mailNickname",
    "accountEnabled",
    "userType",
    "usageLocation",
    "createdDateTime",
    "deletedDateTime",
    "signInSessionsValidFromDateTime",
    "passwordProfile",
    "assignedLicenses",
    "licenseAssignmentStates",
    "assignedPlans",
];

/// Every top-level property of a user, in Graph's spelling.
fn user_properties() -> impl Iterator<Item = &'static str> {
    let mut attributes: Vec<&'static str> = USER_ATTRIBUTES
        .iter()
        .map(|def| def.json_property())
        .collect();
    attributes.dedup();
    USER_FIXED_PROPERTIES.iter().copied().chain(attributes)
}

/// Graph's `signInActivity` of a user, which only a reader of the audit log may see (asked for
/// by `$select` on `/users`, never in the default set).
pub fn sign_in_activity(user: &User) -> Json {
    let activity = &user.sign_in_activity;
    let at = |time: &Option<chrono::DateTime<chrono::Utc>>| -> Json {
        time.as_ref().map(format_datetime).into()
    };
    json!({
        "lastSignInDateTime": at(&activity.last_sign_in),
        "lastNonInteractiveSignInDateTime": at(&activity.last_non_interactive_sign_in),
        "lastSuccessfulSignInDateTime": at(&activity.last_successful_sign_in),
    })
}

/// One property of a user, computed only when asked for (`assignedPlans` expands every
/// service plan of every license, which a page of 999 users should not pay for unasked).
pub fn user_property(user: &User, name: &str) -> Json {
    match name {
        "id" => user.id.to_string().into(),
        "userPrincipalName" => user.user_principal_name.as_ref().into(),
        "displayName" => user.display_name.clone().into(),
        "mailNickname" => user.mail_nickname.as_ref().into(),
        "accountEnabled" => user.account_enabled.into(),
        "userType" => user.user_type.as_str().into(),
        "usageLocation" => user.usage_location.map(|l| l.to_string()).into(),
        "createdDateTime" => format_datetime(&user.created).into(),
        "deletedDateTime" => user.deleted.as_ref().map(format_datetime).into(),
        "signInSessionsValidFromDateTime" => {
            format_datetime(&user.sign_in_sessions_valid_from).into()
        }
        "passwordProfile" => Json::Null,
        "assignedLicenses" => user
            .assigned_licenses()
            .iter()
            .map(|a| json!({ "skuId": a.sku_id, "disabledPlans": a.disabled_plans }))
            .collect(),
        "licenseAssignmentStates" => {
            let direct = user.licenses.iter().map(|a| {
                json!({
                    "skuId": a.sku_id,
                    "disabledPlans": a.disabled_plans,
                    "assignedByGroup": null,
                    "state": "Active",
                    "error": "None",
                    "lastUpdatedDateTime": null,
                })
            });
            let inherited = user.inherited_licenses.iter().map(|l| {
                json!({
                    "skuId": l.sku_id,
                    "disabledPlans": l.disabled_plans,
                    "assignedByGroup": l.group_id,
                    "state": l.state.as_str(),
                    "error": l.error.as_str(),
                    "lastUpdatedDateTime": null,
                })
            });
            direct.chain(inherited).collect()
        }
        "assignedPlans" => {
            let catalog = Catalog::builtin();
            let mut plans = Vec::new();
            for assignment in &user.assigned_licenses() {
                let Some(sku) = catalog.by_sku_id(assignment.sku_id.as_uuid()) else {
                    continue;
                };
                for plan in &sku.service_plans {
                    let disabled = assignment.disabled_plans.contains(&plan.service_plan_id);
                    plans.push(json!({
                        "assignedDateTime": null,
                        "capabilityStatus": if disabled { "Deleted" } else { "Enabled" },
                        "service": plan.service_plan_name,
                        "servicePlanId": plan.service_plan_id,
                    }));
                }
            }
            plans.into()
        }
        "onPremisesExtensionAttributes" => {
            let mut nested = Map::new();
            for (def, value) in USER_ATTRIBUTES.iter().zip(user.attributes.values()) {
                if def.json_property() == name {
                    nested.insert(def.leaf().to_string(), value.to_json());
                }
            }
            Json::Object(nested)
        }
        attribute => user.attributes.get(attribute).to_json(),
    }
}

/// A user as a response shows it: the selected properties (Graph's names, matched without
/// regard to case; `id` always), or Graph's default set.
pub fn user_view(user: &User, select: Option<&[String]>) -> ApiResult<Json> {
    let mut object = Map::new();
    object.insert("@odata.type".into(), "#microsoft.graph.user".into());
    match select {
        None => {
            for name in USER_DEFAULT_PROPERTIES {
                object.insert((*name).into(), user_property(user, name));
            }
        }
        Some(select) => {
            object.insert("id".into(), user_property(user, "id"));
            for wanted in select {
                let name = user_properties().find(|name| name.eq_ignore_ascii_case(wanted)).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Could not find a property named '{wanted}' on type 'microsoft.graph.user'."
                    ))
                })?;
                object.insert(name.into(), user_property(user, name));
            }
        }
    }
    Ok(Json::Object(object))
}

pub fn group_json(group: &Group) -> Object {
    let mut object = Map::new();
    object.insert("@odata.type".into(), "#microsoft.graph.group".into());
    object.insert("id".into(), group.id.to_string().into());
    object.insert("displayName".into(), group.display_name.clone().into());
    object.insert("description".into(), group.description.clone().into());
    object.insert("mailNickname".into(), group.mail_nickname.as_ref().into());
    object.insert("mail".into(), group.mail.clone().into());
    object.insert("mailEnabled".into(), group.mail_enabled.into());
    object.insert("securityEnabled".into(), group.security_enabled.into());
    object.insert("groupTypes".into(), group.group_types.clone().into());
    object.insert(
        "membershipRule".into(),
        group.membership_rule.clone().into(),
    );
    object.insert(
        "membershipRuleProcessingState".into(),
        group.membership_rule_processing_state.clone().into(),
    );
    object.insert("visibility".into(), group.visibility.clone().into());
    object.insert(
        "createdDateTime".into(),
        format_datetime(&group.created).into(),
    );
    object.insert(
        "deletedDateTime".into(),
        group.deleted.as_ref().map(format_datetime).into(),
    );
    object.insert(
        "assignedLicenses".into(),
        group
            .licenses
            .iter()
            .map(|a| json!({ "skuId": a.sku_id, "disabledPlans": a.disabled_plans }))
            .collect(),
    );
    object.insert(
        "licenseProcessingState".into(),
        group
            .license_processing_state
            .as_ref()
            .map_or(Json::Null, |state| json!({ "state": state })),
    );
    object
}

pub fn group_view(group: &Group, select: Option<&[String]>) -> ApiResult<Json> {
    let full = group_json(group);
    Ok(Json::Object(match select {
        Some(select) => super::query::apply_select(full, select, "group")?,
        None => full,
    }))
}

fn as_object(body: &Json) -> ApiResult<&Object> {
    body.as_object()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object."))
}

fn unknown_property(name: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Property '{name}' does not exist as a declared property or extension property."
    ))
}

fn read_only(name: &str) -> ApiError {
    ApiError::bad_request(format!("Property '{name}' is read-only and cannot be set."))
}

fn string_of<'a>(name: &str, value: &'a Json) -> ApiResult<&'a str> {
    value.as_str().ok_or_else(|| {
        ApiError::bad_request(format!("Property {name} is invalid: expected a string."))
    })
}

fn bool_of(name: &str, value: &Json) -> ApiResult<bool> {
    value.as_bool().ok_or_else(|| {
        ApiError::bad_request(format!(
            "Property {name} is invalid: expected true or false."
        ))
    })
}

fn display_name(value: &Json) -> ApiResult<String> {
    Ok(roster_core::requests::check_display_name(string_of(
        "displayName",
        value,
    )?)?)
}

fn password_profile(value: &Json) -> ApiResult<PasswordProfile> {
    let object = value.as_object().ok_or_else(|| {
        ApiError::bad_request("Property passwordProfile is invalid: expected an object.")
    })?;
    let mut profile = PasswordProfile {
        password: None,
        force_change: true,
    };
    for (key, value) in object {
        match key.as_str() {
            "password" if !value.is_null() => {
                let password = string_of("passwordProfile.password", value)?;
                crate::error::check_password_complexity(password)?;
                profile.password = Some(password.to_string());
            }
            "password" => {}
            "forceChangePasswordNextSignIn" => profile.force_change = bool_of(key, value)?,
            "forceChangePasswordNextSignInWithMfa" | "@odata.type" => {}
            other => return Err(unknown_property(&format!("passwordProfile.{other}"))),
        }
    }
    Ok(profile)
}

fn check_odata_type(value: &Json, expected: &str) -> ApiResult<()> {
    match value.as_str() {
        Some(text) if text.trim_start_matches('#').eq_ignore_ascii_case(expected) => Ok(()),
        _ => Err(ApiError::bad_request(format!(
            "The @odata.type '{}' does not match the resource '{expected}'.",
            value
        ))),
    }
}

pub fn parse_new_user(body: &Json) -> ApiResult<NewUser> {
    let object = as_object(body)?;
    let upn_value = object
        .iter()
        .find(|(k, _)| k.as_str() == "userPrincipalName")
        .map(|(_, v)| v)
        .ok_or_else(|| ApiError::bad_request("Property userPrincipalName is required."))?;
    let upn = UserPrincipalName::parse(string_of("userPrincipalName", upn_value)?)?;
    let name = object
        .get("displayName")
        .ok_or_else(|| ApiError::bad_request("Property displayName is required."))?;
    let mut new_user = NewUser::new(upn, string_of("displayName", name)?.to_string())?;
    for (key, value) in object {
        match key.as_str() {
            "userPrincipalName" | "displayName" => {}
            "@odata.type" => check_odata_type(value, "microsoft.graph.user")?,
            "passwordProfile" => new_user.set_password(password_profile(value)?),
            _ => {
                let mut update = UserUpdate::default();
                read_user_property(&mut update, key, value)?;
                new_user.set(update);
            }
        }
    }
    Ok(new_user)
}

/// Reads one property of a user body into `update`, refusing unknown and read-only ones.
fn read_user_property(update: &mut UserUpdate, key: &str, value: &Json) -> ApiResult<()> {
    match key {
        "userPrincipalName" => {
            update.user_principal_name = Some(UserPrincipalName::parse(string_of(key, value)?)?)
        }
        "displayName" => update.display_name = Some(display_name(value)?),
        "mailNickname" => update.mail_nickname = Some(MailNickname::parse(string_of(key, value)?)?),
        "accountEnabled" => update.account_enabled = Some(bool_of(key, value)?),
        "userType" => {
            let text = string_of(key, value)?;
            update.user_type = Some(UserType::parse(text).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Property userType is invalid: '{text}' is not Member or Guest."
                ))
            })?);
        }
        "usageLocation" => {
            update.usage_location = Some(match value {
                Json::Null => None,
                other => Some(UsageLocation::parse(string_of(key, other)?)?),
            })
        }
        "onPremisesExtensionAttributes" => {
            let object = value.as_object().ok_or_else(|| {
                ApiError::bad_request(
                    "Property onPremisesExtensionAttributes is invalid: expected an object.",
                )
            })?;
            for (leaf, item) in object {
                let path = format!("onPremisesExtensionAttributes/{leaf}");
                let (index, def) = roster_core::attributes::find_attribute(&path)
                    .ok_or_else(|| unknown_property(&path))?;
                update
                    .attributes
                    .push((index, AttrValue::from_json(def, item)?));
            }
        }
        "id"
        | "createdDateTime"
        | "deletedDateTime"
        | "assignedLicenses"
        | "assignedPlans"
        | "licenseAssignmentStates"
        | "signInSessionsValidFromDateTime" => return Err(read_only(key)),
        _ => {
            let Some((index, def)) = USER_ATTRIBUTES
                .iter()
                .enumerate()
                .find(|(_, def)| !def.is_nested() && def.graph_path == key)
            else {
                return Err(unknown_property(key));
            };
            if def.access == Access::ReadOnly {
                return Err(read_only(key));
            }
            update
                .attributes
                .push((index, AttrValue::from_json(def, value)?));
        }
    }
    Ok(())
}

/// A PATCH body for a user, validated; `passwordProfile` is returned apart because it needs
/// hashing (and its own permission).
pub fn parse_user_update(body: &Json) -> ApiResult<(UserUpdate, Option<PasswordProfile>)> {
    let object = as_object(body)?;
    let mut update = UserUpdate::default();
    let mut password = None;
    for (key, value) in object {
        match key.as_str() {
            "@odata.type" => check_odata_type(value, "microsoft.graph.user")?,
            "passwordProfile" => password = Some(password_profile(value)?),
            _ => read_user_property(&mut update, key, value)?,
        }
    }
    Ok((update, password))
}

/// A group-create body, validated.
pub fn parse_new_group(body: &Json) -> ApiResult<NewGroup> {
    let object = as_object(body)?;
    let display_name = string_of(
        "displayName",
        object
            .get("displayName")
            .ok_or_else(|| ApiError::bad_request("Property displayName is required."))?,
    )?;
    let mail_nickname = MailNickname::parse(string_of(
        "mailNickname",
        object
            .get("mailNickname")
            .ok_or_else(|| ApiError::bad_request("Property mailNickname is required."))?,
    )?)?;
    let (mut owners, mut members) = (Vec::new(), Vec::new());
    let mut update = GroupUpdate::default();
    for (key, value) in object {
        match key.as_str() {
            "displayName" | "mailNickname" => {}
            "@odata.type" => check_odata_type(value, "microsoft.graph.group")?,
            "owners@odata.bind" => owners = bind_list(key, value)?,
            "members@odata.bind" => members = bind_list(key, value)?,
            _ => read_group_property(&mut update, key, value)?,
        }
    }
    let (Some(mail_enabled), Some(security_enabled)) =
        (update.mail_enabled, update.security_enabled)
    else {
        return Err(ApiError::bad_request(
            "Properties mailEnabled and securityEnabled are required.",
        ));
    };
    let mut new_group = NewGroup::new(
        display_name,
        mail_nickname,
        mail_enabled,
        security_enabled,
        update,
    )?;
    (new_group.owners, new_group.members) = (owners, members);
    Ok(new_group)
}

/// A PATCH body for a group, validated (its result is checked by [`GroupUpdate::apply`]).
pub fn parse_group_update(body: &Json) -> ApiResult<GroupUpdate> {
    let mut update = GroupUpdate::default();
    for (key, value) in as_object(body)? {
        match key.as_str() {
            "@odata.type" => check_odata_type(value, "microsoft.graph.group")?,
            _ => read_group_property(&mut update, key, value)?,
        }
    }
    Ok(update)
}

/// Reads one property of a group body into `update`, refusing unknown and read-only ones.
fn read_group_property(update: &mut GroupUpdate, key: &str, value: &Json) -> ApiResult<()> {
    fn optional<'v>(key: &str, value: &'v Json) -> ApiResult<Option<&'v str>> {
        match value {
            Json::Null => Ok(None),
            other => Ok(Some(string_of(key, other)?)),
        }
    }
    match key {
        "displayName" => update.set_display_name(string_of(key, value)?)?,
        "mailNickname" => update.mail_nickname = Some(MailNickname::parse(string_of(key, value)?)?),
        "mailEnabled" => update.mail_enabled = Some(bool_of(key, value)?),
        "securityEnabled" => update.security_enabled = Some(bool_of(key, value)?),
        "description" => update.set_description(optional(key, value)?)?,
        "visibility" => update.set_visibility(optional(key, value)?)?,
        "groupTypes" => {
            let items = value.as_array().ok_or_else(|| {
                ApiError::bad_request("Property groupTypes is invalid: expected a list.")
            })?;
            let texts = items
                .iter()
                .map(|item| string_of("groupTypes", item))
                .collect::<ApiResult<Vec<&str>>>()?;
            update.set_group_types(texts)?;
        }
        // Its length is the rule language's to check, with the position.
        "membershipRule" => {
            update.membership_rule = Some(optional(key, value)?.map(str::to_string));
        }
        "membershipRuleProcessingState" => update.set_processing_state(optional(key, value)?)?,
        "id"
        | "createdDateTime"
        | "deletedDateTime"
        | "mail"
        | "assignedLicenses"
        | "licenseProcessingState" => {
            return Err(read_only(key));
        }
        _ => return Err(unknown_property(key)),
    }
    Ok(())
}

fn bind_list(key: &str, value: &Json) -> ApiResult<Vec<ObjectId>> {
    let items = value.as_array().ok_or_else(|| {
        ApiError::bad_request(format!(
            "Property {key} is invalid: expected a list of object urls."
        ))
    })?;
    items
        .iter()
        .map(|item| reference_id(string_of(key, item)?))
        .collect()
}

/// The object id at the end of an `@odata.id` url such as
/// `https://graph.microsoft.com/v1.0/directoryObjects/{id}` or `.../users/{id}`.
pub fn reference_id(url: &str) -> ApiResult<ObjectId> {
    let last = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    ObjectId::parse(last).map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid object identifier '{url}': expected a url ending in an object id."
        ))
    })
}

/// The object id from a `$ref` body `{"@odata.id": "…"}`.
pub fn reference_body(body: &Json) -> ApiResult<ObjectId> {
    let url = body
        .get("@odata.id")
        .and_then(Json::as_str)
        .ok_or_else(|| {
            ApiError::bad_request("The request body needs an '@odata.id' with the object's url.")
        })?;
    reference_id(url)
}
