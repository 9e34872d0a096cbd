//! The descriptive properties of a user, declared once in a table.
//!
//! Most of Graph's `user` properties are plain text, lists or dates with a length limit and
//! nothing else to enforce. Declaring them in [`USER_ATTRIBUTES`] gives one place from which the
//! JSON reader and writer, the `$filter` translator and the store's columns all follow, instead of
//! forty hand-written copies. Properties with rules of their own (`userPrincipalName`,
//! `mailNickname`, `usageLocation`, ...) are typed fields of `directory::User`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value as Json;

use crate::types::{InvalidValue, Problem};

pub use crate::types::AttrKind;

/// Who may set a property through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Writable,
    /// Maintained by roster or by directory sync; a client that sends it gets an error.
    ReadOnly,
}

#[derive(Debug)]
pub struct AttrDef {
    /// The property's path in Graph's JSON: `department`, or
    /// `onPremisesExtensionAttributes/extensionAttribute1` for a nested one.
    pub graph_path: &'static str,
    /// The store's column for it.
    pub column: &'static str,
    pub kind: AttrKind,
    /// Entra ID's length limit for text (per item for lists).
    pub max_len: usize,
    pub access: Access,
}

impl AttrDef {
    /// The top-level JSON property that holds this attribute.
    pub fn json_property(&self) -> &'static str {
        self.graph_path.split('/').next().expect("non-empty path")
    }

    pub fn leaf(&self) -> &'static str {
        self.graph_path.rsplit('/').next().expect("non-empty path")
    }

    pub fn is_nested(&self) -> bool {
        self.graph_path.contains('/')
    }
}

macro_rules! attrs {
    ($( $path:literal, $column:literal, $kind:ident, $max:expr, $access:ident; )*) => {
        &[ $( AttrDef { graph_path: $path, column: $column, kind: AttrKind::$kind, max_len: $max, access: Access::$access }, )* ]
    };
}

pub const USER_ATTRIBUTES: &[AttrDef] = attrs![
    "givenName", "given_name", Text, 64, Writable;
    "surname", "surname", Text, 64, Writable;
    "mail", "mail", Text, 256, Writable;
    "otherMails", "other_mails", TextList, 256, Writable;
    "proxyAddresses", "proxy_addresses", TextList, 256, ReadOnly;
    "jobTitle", "job_title", Text, 128, Writable;
    "department", "department", Text, 64, Writable;
    "companyName", "company_name", Text, 64, Writable;
    "employeeId", "employee_id", Text, 16, Writable;
    "employeeHireDate", "employee_hire_date", DateTime, 0, Writable;
    "officeLocation", "office_location", Text, 128, Writable;
    "businessPhones", "business_phones", TextList, 64, Writable;
    "mobilePhone", "mobile_phone", Text, 64, Writable;
    "faxNumber", "fax_number", Text, 64, Writable;
    "streetAddress", "street_address", Text, 1024, Writable;
    "city", "city", Text, 128, Writable;
    "state", "state", Text, 128, Writable;
    "postalCode", "postal_code", Text, 40, Writable;
    "country", "country", Text, 128, Writable;
    "preferredLanguage", "preferred_language", Text, 10, Writable;
    "passwordPolicies", "password_policies", Text, 256, Writable;
    "onPremisesSyncEnabled", "on_premises_sync_enabled", Bool, 0, ReadOnly;
    "onPremisesImmutableId", "on_premises_immutable_id", Text, 256, Writable;
    "onPremisesDistinguishedName", "on_premises_distinguished_name", Text, 1024, ReadOnly;
    "onPremisesSamAccountName", "on_premises_sam_account_name", Text, 256, ReadOnly;
    "onPremisesLastSyncDateTime", "on_premises_last_sync_date_time", DateTime, 0, ReadOnly;
    "onPremisesExtensionAttributes/extensionAttribute1", "extension_attribute_1", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute2", "extension_attribute_2", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute3", "extension_attribute_3", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute4", "extension_attribute_4", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute5", "extension_attribute_5", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute6", "extension_attribute_6", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute7", "extension_attribute_7", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute8", "extension_attribute_8", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute9", "extension_attribute_9", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute10", "extension_attribute_10", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute11", "extension_attribute_11", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute12", "extension_attribute_12", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute13", "extension_attribute_13", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute14", "extension_attribute_14", Text, 1024, Writable;
    "onPremisesExtensionAttributes/extensionAttribute15", "extension_attribute_15", Text, 1024, Writable;
    // roster's extensions (Graph keeps these behind /authentication): per-user MFA and the
    // contact details used for sign-in verification. See `CHOICES` for their allowed values.
    "perUserMfaState", "mfa_state", Text, 16, Writable;
    "mfaDefaultMethod", "mfa_default_method", Text, 32, Writable;
    "mfaAllowedMethods", "mfa_allowed_methods", TextList, 32, Writable;
    "authenticationPhone", "authentication_phone", Text, 64, Writable;
    "authenticationAlternatePhone", "authentication_alternate_phone", Text, 64, Writable;
    "authenticationEmail", "authentication_email", Text, 256, Writable;
];

/// The second factors roster knows, named as Graph's sign-in preferences name them.
pub const MFA_METHODS: &[&str] = &[
    "push",
    "oath",
    "sms",
    "voiceMobile",
    "voiceAlternateMobile",
    "voiceOffice",
    "email",
];

/// Attributes whose values come from a fixed list (compared case-insensitively, stored as listed).
const CHOICES: &[(&str, &[&str])] = &[
    ("perUserMfaState", &["disabled", "enabled", "enforced"]),
    ("mfaDefaultMethod", MFA_METHODS),
    ("mfaAllowedMethods", MFA_METHODS),
];

/// The value among `def`'s choices that `text` names, if `def` has choices.
fn choose(def: &AttrDef, text: &str) -> Result<String, InvalidValue> {
    let Some((_, choices)) = CHOICES.iter().find(|(path, _)| *path == def.graph_path) else {
        return Ok(text.to_string());
    };
    choices
        .iter()
        .find(|choice| choice.eq_ignore_ascii_case(text))
        .map(|choice| choice.to_string())
        .ok_or_else(|| InvalidValue::new(def.leaf(), Problem::NotOneOf(text.to_string(), choices)))
}

/// Looks a property up by its Graph path, case-insensitively as Graph does.
pub fn find_attribute(graph_path: &str) -> Option<(usize, &'static AttrDef)> {
    USER_ATTRIBUTES
        .iter()
        .enumerate()
        .find(|(_, def)| def.graph_path.eq_ignore_ascii_case(graph_path))
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum AttrValue {
    #[default]
    Null,
    Text(String),
    TextList(Vec<String>),
    DateTime(DateTime<Utc>),
    Bool(bool),
}

impl AttrValue {
    /// Reads a JSON value for `def`, enforcing its type and length.
    pub fn from_json(def: &'static AttrDef, value: &Json) -> Result<AttrValue, InvalidValue> {
        let invalid = |reason| InvalidValue::new(def.leaf(), reason);
        let check_len = |text: &str| {
            if text.chars().count() > def.max_len {
                Err(invalid(Problem::TooLong(def.max_len)))
            } else {
                Ok(())
            }
        };
        match (def.kind, value) {
            (AttrKind::TextList, Json::Null) => Ok(AttrValue::TextList(Vec::new())),
            (_, Json::Null) => Ok(AttrValue::Null),
            (AttrKind::Text, Json::String(text)) => {
                check_len(text)?;
                Ok(AttrValue::Text(choose(def, text)?))
            }
            (AttrKind::TextList, Json::Array(items)) => {
                let mut texts = Vec::with_capacity(items.len());
                for item in items {
                    let Json::String(text) = item else {
                        return Err(invalid(Problem::Expected(AttrKind::TextList)));
                    };
                    check_len(text)?;
                    texts.push(choose(def, text)?);
                }
                Ok(AttrValue::TextList(texts))
            }
            // To the microsecond, as the stores keep it (else a re-sent value never compares equal).
            (AttrKind::DateTime, Json::String(text)) => DateTime::parse_from_rfc3339(text)
                .map(|at| {
                    let at = at.with_timezone(&Utc);
                    AttrValue::DateTime(
                        DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at),
                    )
                })
                .map_err(|_| invalid(Problem::NotDateTime(text.to_string()))),
            (AttrKind::Bool, Json::Bool(flag)) => Ok(AttrValue::Bool(*flag)),
            (kind, _) => Err(invalid(Problem::Expected(kind))),
        }
    }

    /// A value from text, as a form's field or a file's cell gives it, checked as
    /// [`AttrValue::from_json`] checks Graph's: empty text is no value, a list gets the text as
    /// its one item, a date and time is RFC 3339, a boolean `true` or `false`.
    pub fn from_text(def: &'static AttrDef, text: &str) -> Result<AttrValue, InvalidValue> {
        let text = text.trim();
        let value = match def.kind {
            _ if text.is_empty() => Json::Null,
            AttrKind::Text | AttrKind::DateTime => Json::String(text.to_string()),
            AttrKind::TextList => Json::Array(vec![Json::String(text.to_string())]),
            AttrKind::Bool if text.eq_ignore_ascii_case("true") => Json::Bool(true),
            AttrKind::Bool if text.eq_ignore_ascii_case("false") => Json::Bool(false),
            AttrKind::Bool => {
                return Err(InvalidValue::new(
                    def.leaf(),
                    Problem::Expected(AttrKind::Bool),
                ));
            }
        };
        AttrValue::from_json(def, &value)
    }

    pub fn to_json(&self) -> Json {
        match self {
            AttrValue::Null => Json::Null,
            AttrValue::Text(text) => Json::String(text.clone()),
            AttrValue::TextList(items) => {
                Json::Array(items.iter().cloned().map(Json::String).collect())
            }
            AttrValue::DateTime(at) => Json::String(format_datetime(at)),
            AttrValue::Bool(flag) => Json::Bool(*flag),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            AttrValue::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// Graph's timestamp form: `2024-01-31T09:30:00Z`.
pub fn format_datetime(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The values of [`USER_ATTRIBUTES`] for one user, in table order.
#[derive(Debug, Clone, PartialEq)]
pub struct Attributes(Vec<AttrValue>);

impl Default for Attributes {
    fn default() -> Self {
        Attributes(
            USER_ATTRIBUTES
                .iter()
                .map(|def| match def.kind {
                    AttrKind::TextList => AttrValue::TextList(Vec::new()),
                    _ => AttrValue::Null,
                })
                .collect(),
        )
    }
}

impl Attributes {
    /// Builds from values in table order, as the store reads them.
    pub fn from_values(values: Vec<AttrValue>) -> Self {
        assert_eq!(
            values.len(),
            USER_ATTRIBUTES.len(),
            "one value per attribute"
        );
        Attributes(values)
    }

    pub fn values(&self) -> &[AttrValue] {
        &self.0
    }

    pub fn get(&self, graph_path: &str) -> &AttrValue {
        let (index, _) =
            find_attribute(graph_path).unwrap_or_else(|| panic!("unknown attribute {graph_path}"));
        &self.0[index]
    }

    pub fn text(&self, graph_path: &str) -> Option<&str> {
        self.get(graph_path).as_text()
    }

    pub fn set_at(&mut self, index: usize, value: AttrValue) {
        self.0[index] = value;
    }

    pub fn set(&mut self, graph_path: &str, value: AttrValue) {
        let (index, _) =
            find_attribute(graph_path).unwrap_or_else(|| panic!("unknown attribute {graph_path}"));
        self.0[index] = value;
    }

    /// Writes every attribute into a JSON object, nesting the extension attributes as Graph does.
    pub fn write_json(&self, object: &mut serde_json::Map<String, Json>) {
        for (def, value) in USER_ATTRIBUTES.iter().zip(&self.0) {
            if def.is_nested() {
                let parent = object
                    .entry(def.json_property())
                    .or_insert_with(|| Json::Object(Default::default()));
                if let Json::Object(parent) = parent {
                    parent.insert(def.leaf().to_string(), value.to_json());
                }
            } else {
                object.insert(def.graph_path.to_string(), value.to_json());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_and_paths_are_unique() {
        let mut columns: Vec<_> = USER_ATTRIBUTES.iter().map(|def| def.column).collect();
        columns.sort();
        columns.dedup();
        assert_eq!(columns.len(), USER_ATTRIBUTES.len());
    }

    #[test]
    fn reads_json_by_kind() {
        let (_, department) = find_attribute("Department").unwrap();
        assert_eq!(
            AttrValue::from_json(department, &json!("Sales")).unwrap(),
            AttrValue::Text("Sales".into())
        );
        let error = AttrValue::from_json(department, &json!("x".repeat(65))).unwrap_err();
        assert_eq!(error.property, "department");
        assert!(error.reason.to_string().contains("64"));
        assert!(AttrValue::from_json(department, &json!(5)).is_err());
        let (_, phones) = find_attribute("businessPhones").unwrap();
        assert_eq!(
            AttrValue::from_json(phones, &json!(["+31 20 1234567"])).unwrap(),
            AttrValue::TextList(vec!["+31 20 1234567".into()])
        );
        let (_, hired) = find_attribute("employeeHireDate").unwrap();
        assert!(AttrValue::from_json(hired, &json!("2024-02-30")).is_err());
    }

    #[test]
    fn extension_attributes_nest() {
        let mut attributes = Attributes::default();
        attributes.set(
            "onPremisesExtensionAttributes/extensionAttribute3",
            AttrValue::Text("x".into()),
        );
        let mut object = serde_json::Map::new();
        attributes.write_json(&mut object);
        assert_eq!(
            object["onPremisesExtensionAttributes"]["extensionAttribute3"],
            json!("x")
        );
        assert_eq!(object["businessPhones"], json!([]));
    }
}
