//! The columns of the files of changes: the operations a file asks for, the columns each
//! takes, what a column holds and the limits of its values.

use roster_core::attributes::MFA_METHODS;
use roster_core::types::UserPrincipalName;

use crate::new_users::columns::PARSED_VALUE_GUARD;

/// The cell that empties a property (case-insensitive); an empty cell leaves it as it is.
pub const CLEAR: &str = "<clear>";

/// The names of a column that names the user by principal name or id.
pub const USER_COLUMN_NAMES: &[&str] = &[
    "User Name",
    "userPrincipalName",
    "User principal name",
    "UPN",
    "user",
];

/// The names of a column that names the user by object id.
pub const ID_COLUMN_NAMES: &[&str] = &["Object ID", "id"];

/// What a file asks to be done to each of its users: one bulk job kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Any of the user's properties, from roster's export format (or the admin center's
    /// column names).
    Update,
    ResetPasswords,
    Block,
    Unblock,
    RevokeSessions,
    Delete,
    Restore,
    Purge,
    SetManager,
    /// First, last and display name.
    Rename,
    /// Phones and postal address.
    ContactInfo,
    /// Authentication phones and email, alternate email, fax.
    AuthContactInfo,
    /// Per-user MFA state, default and allowed methods.
    Mfa,
    ChangeDomain,
    ChangeUpn,
    AssignLicenses,
    RemoveLicenses,
    AddToGroups,
    RemoveFromGroups,
}

impl Operation {
    pub const ALL: [Operation; 19] = [
        Operation::Update,
        Operation::ResetPasswords,
        Operation::Block,
        Operation::Unblock,
        Operation::RevokeSessions,
        Operation::Delete,
        Operation::Restore,
        Operation::Purge,
        Operation::SetManager,
        Operation::Rename,
        Operation::ContactInfo,
        Operation::AuthContactInfo,
        Operation::Mfa,
        Operation::ChangeDomain,
        Operation::ChangeUpn,
        Operation::AssignLicenses,
        Operation::RemoveLicenses,
        Operation::AddToGroups,
        Operation::RemoveFromGroups,
    ];

    /// The operation's name in messages (and in `roster bulk`).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Update => "update",
            Operation::ResetPasswords => "reset-passwords",
            Operation::Block => "block",
            Operation::Unblock => "unblock",
            Operation::RevokeSessions => "revoke-sessions",
            Operation::Delete => "delete",
            Operation::Restore => "restore",
            Operation::Purge => "purge",
            Operation::SetManager => "set-manager",
            Operation::Rename => "rename",
            Operation::ContactInfo => "contact-info",
            Operation::AuthContactInfo => "auth-contact-info",
            Operation::Mfa => "mfa",
            Operation::ChangeDomain => "change-domain",
            Operation::ChangeUpn => "change-upn",
            Operation::AssignLicenses => "assign-licenses",
            Operation::RemoveLicenses => "remove-licenses",
            Operation::AddToGroups => "add-to-groups",
            Operation::RemoveFromGroups => "remove-from-groups",
        }
    }

    /// The bulk job kind that applies the rows.
    pub fn job_kind(self) -> &'static str {
        match self {
            Operation::Update
            | Operation::Rename
            | Operation::ContactInfo
            | Operation::AuthContactInfo
            | Operation::Mfa
            | Operation::ChangeUpn => "updateUsers",
            Operation::ResetPasswords => "resetPasswords",
            Operation::Block => "blockUsers",
            Operation::Unblock => "unblockUsers",
            Operation::RevokeSessions => "revokeSessions",
            Operation::Delete => "deleteUsers",
            Operation::Restore => "restoreUsers",
            Operation::Purge => "purgeUsers",
            Operation::SetManager => "setManager",
            Operation::ChangeDomain => "changeDomain",
            Operation::AssignLicenses => "assignLicenses",
            Operation::RemoveLicenses => "removeLicenses",
            Operation::AddToGroups => "addToGroups",
            Operation::RemoveFromGroups => "removeFromGroups",
        }
    }

    /// The columns besides the user's.
    pub fn columns(self) -> &'static [&'static ColumnDef] {
        match self {
            Operation::Update => UPDATE_COLUMNS,
            Operation::ResetPasswords => &[&PASSWORD],
            Operation::Block
            | Operation::Unblock
            | Operation::RevokeSessions
            | Operation::Delete
            | Operation::Restore
            | Operation::Purge => &[],
            Operation::SetManager => &[&MANAGER],
            Operation::Rename => &[&GIVEN_NAME, &SURNAME, &DISPLAY_NAME],
            Operation::ContactInfo => &[
                &BUSINESS_PHONES,
                &MOBILE_PHONE,
                &FAX_NUMBER,
                &STREET_ADDRESS,
                &CITY,
                &STATE,
                &POSTAL_CODE,
                &COUNTRY,
            ],
            Operation::AuthContactInfo => &[
                &AUTHENTICATION_PHONE,
                &AUTHENTICATION_ALTERNATE_PHONE,
                &AUTHENTICATION_EMAIL,
                &OTHER_MAILS,
                &FAX_NUMBER,
            ],
            Operation::Mfa => &[&MFA_STATE, &MFA_DEFAULT_METHOD, &MFA_ALLOWED_METHODS],
            Operation::ChangeDomain => &[&DOMAIN],
            Operation::ChangeUpn => &[&NEW_USER_PRINCIPAL_NAME],
            Operation::AssignLicenses | Operation::RemoveLicenses => &[&LICENSES],
            Operation::AddToGroups | Operation::RemoveFromGroups => &[&GROUPS],
        }
    }

    /// Whether a file must have at least one of the (optional) property columns: a file of
    /// updates without one would change nothing.
    pub(crate) fn needs_a_property(self) -> bool {
        matches!(
            self,
            Operation::Update
                | Operation::Rename
                | Operation::ContactInfo
                | Operation::AuthContactInfo
                | Operation::Mfa
        )
    }
}

/// What a column's cells hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    /// Text that may span lines (the street address).
    MultilineText,
    Phone,
    Email,
    PhoneList,
    EmailList,
    Choice(&'static [&'static str]),
    ChoiceList(&'static [&'static str]),
    UsageLocation,
    /// `true` or `false`.
    Bool,
    UserPrincipalName,
    /// Another user, by principal name or id.
    User,
    Domain,
    /// Taken exactly as written.
    Password,
    /// Names or ids, separated by `;`, resolved by the submitter.
    Names,
}

impl Kind {
    pub(crate) fn is_list(self) -> bool {
        matches!(
            self,
            Kind::PhoneList | Kind::EmailList | Kind::ChoiceList(_) | Kind::Names
        )
    }
}

/// Whether a column must be in the file, and its cells filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// May be left out; an empty cell leaves the property as it is.
    Optional,
    /// The header must have it; an empty cell means "none".
    Column,
    /// The header must have it, and every row a value.
    Value,
    /// As [`Need::Value`], unless the submitter gives a value for every row (with this flag).
    ValueOrFlag(&'static str),
}

/// A column of an operation's file.
#[derive(Debug, PartialEq, Eq)]
pub struct ColumnDef {
    /// The property of the job's row that the column sets.
    pub property: &'static str,
    /// The header names it goes by; the first is how messages name it.
    pub names: &'static [&'static str],
    pub(crate) kind: Kind,
    /// The limit in characters (per value for lists).
    pub(crate) max_len: usize,
    pub(crate) need: Need,
    /// Whether [`CLEAR`] may empty it.
    pub(crate) clearable: bool,
}

impl ColumnDef {
    pub fn label(&self) -> &'static str {
        self.names[0]
    }
}

pub(crate) const fn column(
    property: &'static str,
    names: &'static [&'static str],
    kind: Kind,
    max_len: usize,
) -> ColumnDef {
    ColumnDef {
        property,
        names,
        kind,
        max_len,
        need: Need::Optional,
        clearable: true,
    }
}

pub(crate) const MFA_STATES: &[&str] = &["disabled", "enabled", "enforced"];

pub(crate) const DISPLAY_NAME: ColumnDef = ColumnDef {
    clearable: false,
    ..column(
        "displayName",
        &["Display Name", "displayName"],
        Kind::Text,
        256,
    )
};
pub(crate) const GIVEN_NAME: ColumnDef =
    column("givenName", &["First Name", "givenName"], Kind::Text, 64);
pub(crate) const SURNAME: ColumnDef = column("surname", &["Last Name", "surname"], Kind::Text, 64);
pub(crate) const JOB_TITLE: ColumnDef =
    column("jobTitle", &["Job Title", "jobTitle"], Kind::Text, 128);
pub(crate) const DEPARTMENT: ColumnDef = column("department", &["Department"], Kind::Text, 64);
pub(crate) const OFFICE_LOCATION: ColumnDef = column(
    "officeLocation",
    &["Office Number", "officeLocation", "Office"],
    Kind::Text,
    128,
);
pub(crate) const BUSINESS_PHONES: ColumnDef = column(
    "businessPhones",
    &["Office Phone", "businessPhones"],
    Kind::PhoneList,
    64,
);
pub(crate) const MOBILE_PHONE: ColumnDef = column(
    "mobilePhone",
    &["Mobile Phone", "mobilePhone"],
    Kind::Phone,
    64,
);
pub(crate) const FAX_NUMBER: ColumnDef =
    column("faxNumber", &["Fax", "faxNumber"], Kind::Phone, 64);
pub(crate) const OTHER_MAILS: ColumnDef = column(
    "otherMails",
    &["Alternate Email", "otherMails", "Alternate email address"],
    Kind::EmailList,
    256,
);
pub(crate) const STREET_ADDRESS: ColumnDef = column(
    "streetAddress",
    &["Address", "streetAddress", "Street address"],
    Kind::MultilineText,
    1024,
);
pub(crate) const CITY: ColumnDef = column("city", &["City"], Kind::Text, 128);
pub(crate) const STATE: ColumnDef =
    column("state", &["State or Province", "state"], Kind::Text, 128);
pub(crate) const POSTAL_CODE: ColumnDef = column(
    "postalCode",
    &["ZIP or Postal Code", "postalCode"],
    Kind::Text,
    40,
);
pub(crate) const COUNTRY: ColumnDef = column(
    "country",
    &["Country or Region", "country"],
    Kind::Text,
    128,
);
pub(crate) const USAGE_LOCATION: ColumnDef = column(
    "usageLocation",
    &["Usage Location", "usageLocation"],
    Kind::UsageLocation,
    PARSED_VALUE_GUARD,
);
pub(crate) const ACCOUNT_ENABLED: ColumnDef = ColumnDef {
    clearable: false,
    ..column(
        "accountEnabled",
        &["accountEnabled", "Account Enabled"],
        Kind::Bool,
        PARSED_VALUE_GUARD,
    )
};
pub(crate) const COMPANY_NAME: ColumnDef = column(
    "companyName",
    &["Company Name", "companyName"],
    Kind::Text,
    64,
);
pub(crate) const EMPLOYEE_ID: ColumnDef =
    column("employeeId", &["Employee ID", "employeeId"], Kind::Text, 16);
pub(crate) const MAIL: ColumnDef = column("mail", &["mail"], Kind::Email, 256);
pub(crate) const MFA_STATE: ColumnDef = column(
    "perUserMfaState",
    &["MFA State", "perUserMfaState"],
    Kind::Choice(MFA_STATES),
    16,
);
pub(crate) const MFA_DEFAULT_METHOD: ColumnDef = column(
    "mfaDefaultMethod",
    &["Default Method", "mfaDefaultMethod"],
    Kind::Choice(MFA_METHODS),
    32,
);
pub(crate) const MFA_ALLOWED_METHODS: ColumnDef = column(
    "mfaAllowedMethods",
    &["Allowed Methods", "mfaAllowedMethods"],
    Kind::ChoiceList(MFA_METHODS),
    32,
);
pub(crate) const AUTHENTICATION_PHONE: ColumnDef = column(
    "authenticationPhone",
    &["Authentication Phone", "authenticationPhone"],
    Kind::Phone,
    64,
);
pub(crate) const AUTHENTICATION_ALTERNATE_PHONE: ColumnDef = column(
    "authenticationAlternatePhone",
    &[
        "Alternate Authentication Phone",
        "authenticationAlternatePhone",
    ],
    Kind::Phone,
    64,
);
pub(crate) const AUTHENTICATION_EMAIL: ColumnDef = column(
    "authenticationEmail",
    &["Authentication Email", "authenticationEmail"],
    Kind::Email,
    256,
);
pub(crate) const PASSWORD: ColumnDef = ColumnDef {
    clearable: false,
    ..column(
        "password",
        &["Password", "New Password"],
        Kind::Password,
        256,
    )
};
pub(crate) const MANAGER: ColumnDef = ColumnDef {
    need: Need::Column,
    ..column(
        "manager",
        &["Manager"],
        Kind::User,
        UserPrincipalName::MAX_LEN,
    )
};
pub(crate) const DOMAIN: ColumnDef = ColumnDef {
    need: Need::ValueOrFlag("--domain"),
    clearable: false,
    ..column("domain", &["Domain"], Kind::Domain, 253)
};
pub(crate) const NEW_USER_PRINCIPAL_NAME: ColumnDef = ColumnDef {
    need: Need::Value,
    clearable: false,
    ..column(
        "userPrincipalName",
        &["New User Name", "New userPrincipalName"],
        Kind::UserPrincipalName,
        UserPrincipalName::MAX_LEN,
    )
};
pub(crate) const LICENSES: ColumnDef = ColumnDef {
    need: Need::ValueOrFlag("--license"),
    clearable: false,
    ..column("licenses", &["License", "Licenses"], Kind::Names, 256)
};
pub(crate) const GROUPS: ColumnDef = ColumnDef {
    need: Need::ValueOrFlag("--group"),
    clearable: false,
    ..column("groups", &["Group", "Groups"], Kind::Names, 256)
};

/// roster's export columns first (in [`crate::new_users::ROSTER_COLUMNS`]' order), then the
/// other properties an update may set.
pub(crate) const UPDATE_COLUMNS: &[&ColumnDef] = &[
    &DISPLAY_NAME,
    &GIVEN_NAME,
    &SURNAME,
    &JOB_TITLE,
    &DEPARTMENT,
    &OFFICE_LOCATION,
    &BUSINESS_PHONES,
    &MOBILE_PHONE,
    &FAX_NUMBER,
    &OTHER_MAILS,
    &STREET_ADDRESS,
    &CITY,
    &STATE,
    &POSTAL_CODE,
    &COUNTRY,
    &USAGE_LOCATION,
    &ACCOUNT_ENABLED,
    &COMPANY_NAME,
    &EMPLOYEE_ID,
    &MAIL,
    &MFA_STATE,
    &MFA_DEFAULT_METHOD,
    &MFA_ALLOWED_METHODS,
    &AUTHENTICATION_PHONE,
    &AUTHENTICATION_ALTERNATE_PHONE,
    &AUTHENTICATION_EMAIL,
];
