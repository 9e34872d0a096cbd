//! Why a change was refused, as data: the vocabulary the store and the front-ends share, so
//! that a client words each refusal itself (the admin center, in its languages) while the API
//! and results files carry the English message.

use crate::licensing::LicenseViolation;
use crate::types::InvalidValue;

/// Why a request or a job's row was refused, as data, for a client that words it itself (the
/// admin center, in its languages); the API and results files carry the English message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Another object already has this value of the property.
    Conflict(&'static str),
    /// A license for a user without a usage location (and no tenant default).
    NoUsageLocation,
    /// The subscription (its SKU part number) has no seat left.
    OutOfSeats(String),
    /// A property's value, and what is wrong with it.
    Invalid(InvalidValue),
    /// Licenses that cannot be held together, or not here.
    License(LicenseViolation),
    /// A password that does not meet Entra's complexity rule.
    WeakPassword,
    /// A user principal name in a domain (as written) that is not one of the tenant's.
    UnknownDomain(String),
    /// An address (an email alias, or a user name) that is already another user's.
    AddressTaken(String),
    /// Removing a license the user does not hold directly.
    LicenseNotHeld,
    /// A subscription (its SKU part number) that is not Enabled, and its status.
    NotEnabled {
        sku: String,
        status: String,
    },
    /// Buying a SKU part number that is not in Microsoft's catalog.
    NotInCatalog(String),
    NegativeSeats,
    /// Buying a SKU (its part number) the tenant already has a subscription for.
    SubscriptionExists(String),
    /// Fewer seats than a subscription (its part number) has assigned.
    BelowAssigned {
        sku: String,
        assigned: i64,
    },
    /// Adding a member or owner that the group already has.
    AlreadyMember,
    AlreadyOwner,
    /// Adding or removing a member of a group whose members follow its rule.
    DynamicMembers,
    /// A group as a member of itself.
    OwnGroup,
    /// A group as an owner: only users own groups.
    OnlyUsersOwn,
    /// A user as its own manager.
    OwnManager,
    /// A manager whose chain of managers leads back to the user.
    ManagerLoop,
    /// Removing, blocking or deleting the tenant's last live, enabled Global Administrator.
    LastGlobalAdministrator,
    /// Blocking or deleting one's own account.
    OwnAccount,
    /// An admin center form whose token is stale or from elsewhere.
    FormExpired,
    /// Deleting a group that gives licenses: they are removed first, as Entra ID requires.
    GroupHasLicenses,
    /// A domain whose DNS does not (yet) hold its verification record (the text it must hold).
    DomainNotVerified(String),
    /// Making a domain the default, or using it, before it is verified.
    DomainUnverified(String),
    /// Removing a domain that users or groups still use: how many of each.
    DomainInUse {
        users: i64,
        groups: i64,
    },
    /// Removing the default domain.
    DefaultDomain,
}
