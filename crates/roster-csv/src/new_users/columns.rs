//! The columns of the files of new users: the templates roster reads (the Microsoft 365 admin
//! center's, Entra's bulk create, roster's export), what each column holds, and the limits of
//! its values.

use roster_core::types::UserPrincipalName;

use crate::cell;

/// The kind of file, recognised from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// The Microsoft 365 admin center's "Add multiple users" template.
    AdminCenter,
    /// The Entra admin center's "Bulk create" template: `version:v1.0`, then headers such as
    /// `User name [userPrincipalName] Required`.
    EntraBulkCreate,
    /// roster's own export, headed by Graph property names ([`ROSTER_COLUMNS`]).
    Roster,
}

impl Template {
    pub fn description(self) -> &'static str {
        match self {
            Template::AdminCenter => "the Microsoft 365 admin center template",
            Template::EntraBulkCreate => "the Entra bulk-create template",
            Template::Roster => "roster's export format",
        }
    }

    /// How the template's own file writes its columns' headers.
    pub fn labels(self) -> impl Iterator<Item = &'static str> {
        self.columns().iter().map(|spec| spec.label)
    }

    pub(crate) fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Template::AdminCenter => ADMIN_CENTER_COLUMNS,
            Template::EntraBulkCreate => ENTRA_COLUMNS,
            Template::Roster => ROSTER_TABLE,
        }
    }

    /// The columns the header must have.
    pub(crate) fn required_columns(self) -> &'static [Field] {
        match self {
            Template::AdminCenter => &[Field::UserPrincipalName, Field::DisplayName],
            Template::EntraBulkCreate => &[
                Field::DisplayName,
                Field::UserPrincipalName,
                Field::Password,
                Field::AccountEnabled,
            ],
            Template::Roster => &[Field::UserPrincipalName],
        }
    }

    /// The cells that must not be empty. roster's format is also read for updates, where only
    /// the user principal name is needed to find the user.
    pub(crate) fn requires_value(self, field: Field) -> bool {
        match self {
            Template::AdminCenter | Template::EntraBulkCreate => {
                matches!(field, Field::UserPrincipalName | Field::DisplayName)
            }
            Template::Roster => field == Field::UserPrincipalName,
        }
    }

    /// Looks a header cell up among this template's columns.
    pub(crate) fn find_column(self, cell: &str) -> Option<&'static ColumnSpec> {
        let key = match self {
            Template::EntraBulkCreate => bracketed_property(cell)?,
            Template::AdminCenter | Template::Roster => cell.trim(),
        };
        self.columns()
            .iter()
            .find(|spec| spec.name.eq_ignore_ascii_case(key))
    }
}

/// The user properties that a CSV column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    UserPrincipalName,
    DisplayName,
    GivenName,
    Surname,
    JobTitle,
    Department,
    OfficeLocation,
    BusinessPhones,
    MobilePhone,
    FaxNumber,
    OtherMails,
    StreetAddress,
    City,
    State,
    PostalCode,
    Country,
    UsageLocation,
    Password,
    AccountEnabled,
    Id,
}

impl Field {
    /// The property's name in Graph's JSON.
    pub fn graph_name(self) -> &'static str {
        match self {
            Field::UserPrincipalName => "userPrincipalName",
            Field::DisplayName => "displayName",
            Field::GivenName => "givenName",
            Field::Surname => "surname",
            Field::JobTitle => "jobTitle",
            Field::Department => "department",
            Field::OfficeLocation => "officeLocation",
            Field::BusinessPhones => "businessPhones",
            Field::MobilePhone => "mobilePhone",
            Field::FaxNumber => "faxNumber",
            Field::OtherMails => "otherMails",
            Field::StreetAddress => "streetAddress",
            Field::City => "city",
            Field::State => "state",
            Field::PostalCode => "postalCode",
            Field::Country => "country",
            Field::UsageLocation => "usageLocation",
            Field::Password => "passwordProfile",
            Field::AccountEnabled => "accountEnabled",
            Field::Id => "id",
        }
    }

    pub(crate) fn is_list(self) -> bool {
        matches!(self, Field::BusinessPhones | Field::OtherMails)
    }
}

/// How many values a list cell (`a; b`) may hold.
pub const MAX_LIST_ITEMS: usize = 10;

/// Values that are parsed into a type (usage location, block sign-in, id) say what is wrong
/// with them better than a length limit would, so their limit only keeps a huge cell from
/// being quoted in the message.
pub(crate) const PARSED_VALUE_GUARD: usize = 64;

pub(crate) struct ColumnSpec {
    /// The header as matched: the column's name, or for Entra the property in brackets.
    pub(crate) name: &'static str,
    /// How the template's own file writes the header, for messages about missing columns.
    pub(crate) label: &'static str,
    pub(crate) field: Field,
    pub(crate) max_len: usize,
}

pub(crate) const fn spec(name: &'static str, field: Field, max_len: usize) -> ColumnSpec {
    ColumnSpec {
        name,
        label: name,
        field,
        max_len,
    }
}

pub(crate) const fn entra(
    name: &'static str,
    label: &'static str,
    field: Field,
    max_len: usize,
) -> ColumnSpec {
    ColumnSpec {
        name,
        label,
        field,
        max_len,
    }
}

pub(crate) const ADMIN_CENTER_COLUMNS: &[ColumnSpec] = &[
    spec("User Name", Field::UserPrincipalName, 79),
    spec("First Name", Field::GivenName, 64),
    spec("Last Name", Field::Surname, 64),
    spec("Display Name", Field::DisplayName, 256),
    spec("Job Title", Field::JobTitle, 64),
    spec("Department", Field::Department, 64),
    spec("Office Number", Field::OfficeLocation, 128),
    spec("Office Phone", Field::BusinessPhones, 64),
    spec("Mobile Phone", Field::MobilePhone, 64),
    spec("Fax", Field::FaxNumber, 64),
    spec("Alternate email address", Field::OtherMails, 256),
    spec("Address", Field::StreetAddress, 1023),
    spec("City", Field::City, 128),
    spec("State or Province", Field::State, 128),
    spec("ZIP or Postal Code", Field::PostalCode, 40),
    spec("Country or Region", Field::Country, 128),
];

pub(crate) const ENTRA_COLUMNS: &[ColumnSpec] = &[
    entra(
        "displayName",
        "Name [displayName] Required",
        Field::DisplayName,
        256,
    ),
    entra(
        "userPrincipalName",
        "User name [userPrincipalName] Required",
        Field::UserPrincipalName,
        UserPrincipalName::MAX_LEN,
    ),
    entra(
        "passwordProfile",
        "Initial password [passwordProfile] Required",
        Field::Password,
        256,
    ),
    entra(
        "accountEnabled",
        "Block sign in (Yes/No) [accountEnabled] Required",
        Field::AccountEnabled,
        PARSED_VALUE_GUARD,
    ),
    entra("givenName", "First name [givenName]", Field::GivenName, 64),
    entra("surname", "Last name [surname]", Field::Surname, 64),
    entra("jobTitle", "Job title [jobTitle]", Field::JobTitle, 128),
    entra(
        "department",
        "Department [department]",
        Field::Department,
        64,
    ),
    entra(
        "usageLocation",
        "Usage location [usageLocation]",
        Field::UsageLocation,
        PARSED_VALUE_GUARD,
    ),
    entra(
        "streetAddress",
        "Street address [streetAddress]",
        Field::StreetAddress,
        1024,
    ),
    entra("state", "State or province [state]", Field::State, 128),
    entra(
        "country",
        "Country or region [country]",
        Field::Country,
        128,
    ),
    entra(
        "physicalDeliveryOfficeName",
        "Office [physicalDeliveryOfficeName]",
        Field::OfficeLocation,
        128,
    ),
    entra("city", "City [city]", Field::City, 128),
    entra(
        "postalCode",
        "ZIP or postal code [postalCode]",
        Field::PostalCode,
        40,
    ),
    entra(
        "telephoneNumber",
        "Office phone [telephoneNumber]",
        Field::BusinessPhones,
        64,
    ),
    entra("mobile", "Mobile phone [mobile]", Field::MobilePhone, 64),
];

/// The header of roster's export format, in the order [`write_roster_csv`] writes it.
/// `businessPhones` and `otherMails` hold their values separated by `;`.
pub const ROSTER_COLUMNS: [&str; 19] = [
    "userPrincipalName",
    "displayName",
    "givenName",
    "surname",
    "jobTitle",
    "department",
    "officeLocation",
    "businessPhones",
    "mobilePhone",
    "faxNumber",
    "otherMails",
    "streetAddress",
    "city",
    "state",
    "postalCode",
    "country",
    "usageLocation",
    "accountEnabled",
    "id",
];

pub(crate) const ROSTER_TABLE: &[ColumnSpec] = &[
    spec(
        "userPrincipalName",
        Field::UserPrincipalName,
        UserPrincipalName::MAX_LEN,
    ),
    spec("displayName", Field::DisplayName, 256),
    spec("givenName", Field::GivenName, 64),
    spec("surname", Field::Surname, 64),
    spec("jobTitle", Field::JobTitle, 128),
    spec("department", Field::Department, 64),
    spec("officeLocation", Field::OfficeLocation, 128),
    spec("businessPhones", Field::BusinessPhones, 64),
    spec("mobilePhone", Field::MobilePhone, 64),
    spec("faxNumber", Field::FaxNumber, 64),
    spec("otherMails", Field::OtherMails, 256),
    spec("streetAddress", Field::StreetAddress, 1024),
    spec("city", Field::City, 128),
    spec("state", Field::State, 128),
    spec("postalCode", Field::PostalCode, 40),
    spec("country", Field::Country, 128),
    spec("usageLocation", Field::UsageLocation, PARSED_VALUE_GUARD),
    spec("accountEnabled", Field::AccountEnabled, PARSED_VALUE_GUARD),
    spec("id", Field::Id, PARSED_VALUE_GUARD),
];

/// One column of the file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header cell as the file writes it, trimmed.
    pub name: String,
    /// What the column holds; `None` for a column that is ignored.
    pub field: Option<Field>,
    pub(crate) max_len: usize,
    /// Headed exactly as roster's export heads it: its cells may carry [`crate::cell`]'s quote.
    pub(crate) written_by_roster: bool,
}

impl Column {
    /// A trimmed cell as its writer meant it.
    pub(crate) fn value<'a>(&self, cell: &'a str) -> &'a str {
        if self.written_by_roster {
            cell::restore(cell)
        } else {
            cell
        }
    }
}

/// Whether a header cell (trimmed) is exactly one of roster's export columns ([`ROSTER_COLUMNS`]):
/// roster quotes that column's cells that a spreadsheet would read as a formula ([`crate::cell`]),
/// and the readers take the quote off. A column headed otherwise (Microsoft's templates, or
/// `Department` for `department`) is taken as written.
pub(crate) fn is_roster_column(header: &str) -> bool {
    ROSTER_COLUMNS.contains(&header)
}

/// The text of an Entra header between `[` and `]`.
pub(crate) fn bracketed_property(cell: &str) -> Option<&str> {
    let open = cell.find('[')?;
    let close = open + cell[open..].find(']')?;
    Some(cell[open + 1..close].trim())
}
