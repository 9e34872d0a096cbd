//! The properties a rule may name, and where roster keeps each one's value.

use crate::attributes::{AttrKind, USER_ATTRIBUTES, find_attribute};
use crate::catalog::{Catalog, PlanDef};
use crate::directory::User;

use super::errors::*;

/// Where a rule property's value comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Origin {
    /// A property of [`USER_ATTRIBUTES`], by its Graph path.
    Attribute(&'static str),
    AccountEnabled,
    DisplayName,
    UserPrincipalName,
    MailNickname,
    ObjectId,
    UserType,
    UsageLocation,
    /// `telephoneNumber`: Graph's `businessPhones` holds at most one number.
    BusinessPhone,
    /// `sipProxyAddress`: the `sip:` entry of `proxyAddresses`, without its prefix.
    SipProxyAddress,
    AssignedPlans,
    /// Known to Entra ID but not evaluated by roster; the text says why.
    Unsupported(NotEvaluated),
}

/// The user properties of Entra ID's rule language, by their rule names (which differ from
/// Graph's in places: `mobile` is `mobilePhone`, `physicalDeliveryOfficeName` is `officeLocation`).
#[rustfmt::skip]
pub(super) const USER_PROPERTIES: &[(&str, Origin)] = &[
    ("accountEnabled", Origin::AccountEnabled),
    ("dirSyncEnabled", Origin::Attribute("onPremisesSyncEnabled")),
    ("employeeHireDate", Origin::Attribute("employeeHireDate")),
    ("city", Origin::Attribute("city")),
    ("country", Origin::Attribute("country")),
    ("companyName", Origin::Attribute("companyName")),
    ("department", Origin::Attribute("department")),
    ("displayName", Origin::DisplayName),
    ("employeeId", Origin::Attribute("employeeId")),
    ("facsimileTelephoneNumber", Origin::Attribute("faxNumber")),
    ("givenName", Origin::Attribute("givenName")),
    ("jobTitle", Origin::Attribute("jobTitle")),
    ("mail", Origin::Attribute("mail")),
    ("mailNickName", Origin::MailNickname),
    ("mobile", Origin::Attribute("mobilePhone")),
    ("objectId", Origin::ObjectId),
    ("onPremisesDistinguishedName", Origin::Attribute("onPremisesDistinguishedName")),
    ("passwordPolicies", Origin::Attribute("passwordPolicies")),
    ("physicalDeliveryOfficeName", Origin::Attribute("officeLocation")),
    ("postalCode", Origin::Attribute("postalCode")),
    ("preferredLanguage", Origin::Attribute("preferredLanguage")),
    ("sipProxyAddress", Origin::SipProxyAddress),
    ("state", Origin::Attribute("state")),
    ("streetAddress", Origin::Attribute("streetAddress")),
    ("surname", Origin::Attribute("surname")),
    ("telephoneNumber", Origin::BusinessPhone),
    ("usageLocation", Origin::UsageLocation),
    ("userPrincipalName", Origin::UserPrincipalName),
    ("userType", Origin::UserType),
    ("otherMails", Origin::Attribute("otherMails")),
    ("proxyAddresses", Origin::Attribute("proxyAddresses")),
    ("assignedPlans", Origin::AssignedPlans),
    ("extensionAttribute1", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute1")),
    ("extensionAttribute2", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute2")),
    ("extensionAttribute3", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute3")),
    ("extensionAttribute4", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute4")),
    ("extensionAttribute5", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute5")),
    ("extensionAttribute6", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute6")),
    ("extensionAttribute7", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute7")),
    ("extensionAttribute8", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute8")),
    ("extensionAttribute9", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute9")),
    ("extensionAttribute10", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute10")),
    ("extensionAttribute11", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute11")),
    ("extensionAttribute12", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute12")),
    ("extensionAttribute13", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute13")),
    ("extensionAttribute14", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute14")),
    ("extensionAttribute15", Origin::Attribute("onPremisesExtensionAttributes/extensionAttribute15")),
    ("memberOf", Origin::Unsupported(NotEvaluated::MemberOf)),
    ("onPremisesSecurityIdentifier", Origin::Unsupported(NotEvaluated::SecurityIdentifier)),
];

/// A property as the parser resolved it: its type, and where its value is read.
#[derive(Debug, Clone, Copy)]
pub(super) enum Property {
    Text(TextSource),
    List(ListSource),
    Date(DateSource),
    Bool(BoolSource),
    Plans,
}

impl Property {
    pub(super) fn kind(&self) -> PropertyKind {
        match self {
            Property::Text(_) => PropertyKind::Text,
            Property::List(_) => PropertyKind::TextList,
            Property::Date(_) => PropertyKind::Date,
            Property::Bool(_) => PropertyKind::Bool,
            Property::Plans => PropertyKind::Plans,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum TextSource {
    Attribute(usize),
    /// The first item of a list attribute.
    FirstOf(usize),
    SipAddress(usize),
    DisplayName,
    UserPrincipalName,
    MailNickname,
    ObjectId,
    UserType,
    UsageLocation,
    /// `_`: the item of a `-any`/`-all` over a list of text.
    Item,
    PlanId,
    PlanStatus,
    PlanService,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum IdSource {
    ObjectId,
    PlanId,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum ListSource {
    Attribute(usize),
}

#[derive(Debug, Clone, Copy)]
pub(super) enum DateSource {
    Attribute(usize),
}

#[derive(Debug, Clone, Copy)]
pub(super) enum BoolSource {
    AccountEnabled,
    /// A flag that reads as `false` when unset: `onPremisesSyncEnabled` is null for a user
    /// that never synced, and such a user is what `user.dirSyncEnabled -eq false` asks for.
    Attribute(usize),
}

pub(super) fn attribute_index(graph_path: &str) -> usize {
    find_attribute(graph_path)
        .map(|(index, _)| index)
        .unwrap_or_else(|| {
            panic!("USER_PROPERTIES names attribute {graph_path}, which is not in USER_ATTRIBUTES")
        })
}

pub(super) fn resolve_origin(origin: Origin) -> Result<Property, NotEvaluated> {
    Ok(match origin {
        Origin::Attribute(path) => {
            let index = attribute_index(path);
            match USER_ATTRIBUTES[index].kind {
                AttrKind::Text => Property::Text(TextSource::Attribute(index)),
                AttrKind::TextList => Property::List(ListSource::Attribute(index)),
                AttrKind::DateTime => Property::Date(DateSource::Attribute(index)),
                AttrKind::Bool => Property::Bool(BoolSource::Attribute(index)),
            }
        }
        Origin::AccountEnabled => Property::Bool(BoolSource::AccountEnabled),
        Origin::DisplayName => Property::Text(TextSource::DisplayName),
        Origin::UserPrincipalName => Property::Text(TextSource::UserPrincipalName),
        Origin::MailNickname => Property::Text(TextSource::MailNickname),
        Origin::ObjectId => Property::Text(TextSource::ObjectId),
        Origin::UserType => Property::Text(TextSource::UserType),
        Origin::UsageLocation => Property::Text(TextSource::UsageLocation),
        Origin::BusinessPhone => {
            Property::Text(TextSource::FirstOf(attribute_index("businessPhones")))
        }
        Origin::SipProxyAddress => {
            Property::Text(TextSource::SipAddress(attribute_index("proxyAddresses")))
        }
        Origin::AssignedPlans => Property::Plans,
        Origin::Unsupported(reason) => return Err(reason),
    })
}

/// Graph's `assignedPlans[].service` for a plan. Microsoft publishes no table of these; this
/// one holds the services Graph reports for the well-known plan families, keyed by the start of
/// `servicePlanName`. Plans not listed have no service (it reads as null).
#[rustfmt::skip]
pub(super) const PLAN_SERVICES: &[(&str, &str)] = &[
    ("EXCHANGE", "exchange"),
    ("SHAREPOINT", "SharePoint"),
    ("ONEDRIVE", "SharePoint"),
    ("MCO", "MicrosoftCommunicationsOnline"),
    ("TEAMS", "TeamspaceAPI"),
    ("INTUNE_", "SCO"),
    ("AAD_PREMIUM", "AADPremiumService"),
    ("MFA_PREMIUM", "MultiFactorService"),
    ("OFFICESUBSCRIPTION", "MicrosoftOffice"),
    ("OFFICE_BUSINESS", "MicrosoftOffice"),
    ("RMS_S_", "RMSOnline"),
    ("YAMMER_", "YammerEnterprise"),
    ("FLOW_", "ProcessSimple"),
    ("POWERAPPS_", "PowerAppsService"),
    ("SWAY", "Sway"),
    ("PROJECTWORKMANAGEMENT", "ProjectWorkManagement"),
    ("ADALLOM_", "Adallom"),
    ("FORMS_PLAN_", "OfficeForms"),
    ("STREAM_", "MicrosoftStream"),
    ("WHITEBOARD_", "WhiteboardServices"),
    ("BPOS_S_TODO_", "To-Do"),
];

pub(super) fn plan_service(plan: &PlanDef) -> Option<&'static str> {
    PLAN_SERVICES
        .iter()
        .find(|(prefix, _)| plan.service_plan_name.starts_with(prefix))
        .map(|(_, service)| *service)
}

/// One entry of the user's `assignedPlans`, derived from its licenses.
#[derive(Debug, Clone, Copy)]
pub(super) struct AssignedPlan<'a> {
    pub(super) plan: &'a PlanDef,
    /// In the assignment's `disabledPlans`: Graph lists such a plan as `Deleted`.
    pub(super) disabled: bool,
}

impl AssignedPlan<'_> {
    pub(super) fn capability_status(&self) -> &'static str {
        if self.disabled { "Deleted" } else { "Enabled" }
    }
}

/// Every plan of every SKU the user holds (directly, or through a group whose assignment took),
/// as Graph's `assignedPlans` lists them.
pub(super) fn assigned_plans(user: &User) -> impl Iterator<Item = AssignedPlan<'static>> {
    let catalog = Catalog::builtin();
    let mut plans = Vec::new();
    for license in user.assigned_licenses() {
        if let Some(sku) = catalog.by_sku_id(license.sku_id.as_uuid()) {
            for plan in &sku.service_plans {
                plans.push(AssignedPlan {
                    plan,
                    disabled: license.disabled_plans.contains(&plan.service_plan_id),
                });
            }
        }
    }
    plans.into_iter()
}
