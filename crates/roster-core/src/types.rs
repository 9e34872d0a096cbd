//! Value types that validate on parse: once a value of one of these types exists, it is valid,
//! and the rest of the core never checks it again.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a value was refused, naming the property so that the HTTP layer can say
/// "Property userPrincipalName is invalid." as Graph does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("property {property} is invalid: {reason}")]
pub struct InvalidValue {
    pub property: &'static str,
    pub reason: Problem,
}

impl InvalidValue {
    pub fn new(property: &'static str, reason: Problem) -> Self {
        InvalidValue { property, reason }
    }
}

/// What was wrong with a refused value. `Display` words it in English (the API, the CLI, a
/// CSV's results); the admin center words it in its languages from the same variant
/// (`center::message`), so each variant holds what its wording needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not a GUID (the text as given).
    NotGuid(String),
    /// A domain name (as given) and what is wrong with it.
    Domain(String, DomainFault),
    /// A user principal name (as given) without `@`.
    NoAt(String),
    /// The part before `@` is empty or longer than this.
    AliasLength(usize),
    /// Longer than this many characters.
    TooLong(usize),
    /// A character not allowed before `@`.
    CharacterBeforeAt(char),
    /// The part before `@` starts or ends with a dot, or has two in a row.
    AliasDots,
    /// What is wrong with the domain after `@`.
    UpnDomain(DomainFault),
    /// Empty, or longer than this many characters.
    Length(usize),
    /// A character not allowed anywhere in the value.
    Character(char),
    /// Not an ISO 3166-1 alpha-2 country code (the text as given).
    NotCountry(String),
    /// Not one of the property's values (the text as given, and the values).
    NotOneOf(String, &'static [&'static str]),
    /// Not a date and time (the text as given).
    NotDateTime(String),
    /// A JSON value of the wrong type: the type expected.
    Expected(AttrKind),
    /// Not a mail address (the text as given).
    NotMail(String),
    /// A number outside the range it must be in (its least and greatest values).
    OutOfRange(i64, i64),
    /// A list with more items than this.
    TooMany(usize),
    /// Not a redirect URI the platform accepts (the text as given).
    NotRedirectUri(String),
    /// A value given twice where each must be unique (the value).
    Duplicate(String),
    /// Removed while still enabled (what was removed): disable it first.
    StillEnabled(String),
}

/// What is wrong with a domain name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainFault {
    Length,
    Labels,
    Label,
    Characters,
    Hyphen,
}

impl fmt::Display for DomainFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DomainFault::Length => "must have 1 to 253 characters",
            DomainFault::Labels => "needs at least two labels, as in contoso.example",
            DomainFault::Label => "has an empty label or one longer than 63 characters",
            DomainFault::Characters => "may contain only letters, digits, hyphens and dots",
            DomainFault::Hyphen => "has a label that starts or ends with a hyphen",
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotGuid(text) => write!(f, "'{text}' is not a GUID"),
            Problem::Domain(text, fault) => write!(f, "'{text}' {fault}"),
            Problem::NoAt(text) => write!(f, "'{text}' has no '@': write it as alias@domain"),
            Problem::AliasLength(max) => {
                write!(f, "the part before '@' must have 1 to {max} characters")
            }
            Problem::TooLong(max) => write!(f, "it is longer than {max} characters"),
            Problem::CharacterBeforeAt(c) => {
                write!(
                    f,
                    "the character '{}' is not allowed before '@'",
                    visible_char(*c)
                )
            }
            Problem::AliasDots => f.write_str(
                "the part before '@' cannot start or end with a dot or contain two dots in a row",
            ),
            Problem::UpnDomain(fault) => write!(f, "the domain {fault}"),
            Problem::Length(max) => write!(f, "it must have 1 to {max} characters"),
            Problem::Character(c) => {
                write!(f, "the character '{}' is not allowed", visible_char(*c))
            }
            Problem::NotCountry(text) => write!(
                f,
                "'{text}' is not an ISO 3166-1 alpha-2 country code such as NL or US"
            ),
            Problem::NotOneOf(text, choices) => {
                write!(f, "'{text}' is not one of {}", choices.join(", "))
            }
            Problem::NotDateTime(text) => write!(
                f,
                "'{text}' is not a date and time such as 2024-01-31T00:00:00Z"
            ),
            Problem::Expected(kind) => write!(f, "expected {}", kind.name()),
            Problem::NotMail(text) => write!(f, "'{text}' is not a mail address"),
            Problem::OutOfRange(min, max) => write!(f, "it must be from {min} to {max}"),
            Problem::TooMany(max) => write!(f, "there may be at most {max}"),
            Problem::NotRedirectUri(text) => write!(
                f,
                "'{text}' is not a redirect URI this platform accepts: use an absolute https URI without a fragment or wildcard (http only for localhost; a desktop or mobile app may use a scheme of its own)"
            ),
            Problem::Duplicate(text) => write!(f, "'{text}' is given twice: each must be unique"),
            Problem::StillEnabled(text) => write!(
                f,
                "'{text}' is enabled: disable it (isEnabled false) before removing it"
            ),
        }
    }
}

/// A character as a message shows it: itself, or its code point (`U+0000`) if it is a control
/// character, which would not show (a NUL, a tab, a line break).
pub fn visible_char(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// The id of any directory object (user, group, contact, app, tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjectId(Uuid);

impl ObjectId {
    /// A new id. Ids are time-ordered (UUID version 7): new objects then land at the end of
    /// every index on `id`, which keeps bulk creation fast. To clients a Graph id is an opaque
    /// GUID, so the version is invisible to them (it does reveal roughly when an object was made,
    /// which its `createdDateTime` says anyway).
    pub fn new() -> Self {
        ObjectId(Uuid::now_v7())
    }

    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        Uuid::try_parse(text.trim())
            .map(ObjectId)
            .map_err(|_| InvalidValue::new("id", Problem::NotGuid(text.to_string())))
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for ObjectId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for ObjectId {
    fn from(value: Uuid) -> Self {
        ObjectId(value)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A SKU's id, as in `assignedLicenses[].skuId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SkuId(Uuid);

impl SkuId {
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        Uuid::try_parse(text.trim())
            .map(SkuId)
            .map_err(|_| InvalidValue::new("skuId", Problem::NotGuid(text.to_string())))
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for SkuId {
    fn from(value: Uuid) -> Self {
        SkuId(value)
    }
}

impl fmt::Display for SkuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A DNS domain name, compared case-insensitively: it is kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
        let invalid = |fault| {
            Err(InvalidValue::new(
                "domain",
                Problem::Domain(text.to_string(), fault),
            ))
        };
        if name.is_empty() || name.len() > 253 {
            return invalid(DomainFault::Length);
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2 {
            return invalid(DomainFault::Labels);
        }
        for label in &labels {
            if label.is_empty() || label.len() > 63 {
                return invalid(DomainFault::Label);
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return invalid(DomainFault::Characters);
            }
            if label.starts_with('-') || label.ends_with('-') {
                return invalid(DomainFault::Hyphen);
            }
        }
        Ok(DomainName(name))
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Characters Entra ID accepts in the alias part of a user principal name.
fn is_alias_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c)
}

/// `alias@domain`. Compared case-insensitively, but kept as the administrator wrote it,
/// as Entra ID does; [`UserPrincipalName::key`] is the form to compare and index.
#[derive(Debug, Clone)]
pub struct UserPrincipalName {
    text: String,
    at: usize,
}

impl UserPrincipalName {
    /// Entra ID's limits: 64 characters before the `@`, 113 in all (48 for the domain part is
    /// not enforced by Graph for verified domains, so only the total is).
    pub const MAX_ALIAS: usize = 64;
    pub const MAX_LEN: usize = 113;

    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let text = text.trim();
        let invalid = |reason| Err(InvalidValue::new("userPrincipalName", reason));
        let Some(at) = text.find('@') else {
            return invalid(Problem::NoAt(text.to_string()));
        };
        let (alias, domain) = (&text[..at], &text[at + 1..]);
        if alias.is_empty() || alias.chars().count() > Self::MAX_ALIAS {
            return invalid(Problem::AliasLength(Self::MAX_ALIAS));
        }
        if text.chars().count() > Self::MAX_LEN {
            return invalid(Problem::TooLong(Self::MAX_LEN));
        }
        if let Some(bad) = alias.chars().find(|c| !is_alias_char(*c)) {
            return invalid(Problem::CharacterBeforeAt(bad));
        }
        if alias.starts_with('.') || alias.ends_with('.') || alias.contains("..") {
            return invalid(Problem::AliasDots);
        }
        if let Err(error) = DomainName::parse(domain) {
            return invalid(match error.reason {
                Problem::Domain(_, fault) => Problem::UpnDomain(fault),
                other => other,
            });
        }
        Ok(UserPrincipalName {
            text: text.to_string(),
            at,
        })
    }

    pub fn alias(&self) -> &str {
        &self.text[..self.at]
    }

    pub fn domain(&self) -> DomainName {
        DomainName::parse(&self.text[self.at + 1..]).expect("validated on parse")
    }

    /// The case-folded form that uniqueness and look-ups use.
    pub fn key(&self) -> String {
        self.text.to_lowercase()
    }

    pub fn with_domain(&self, domain: &DomainName) -> Self {
        let text = format!("{}@{}", self.alias(), domain);
        UserPrincipalName { at: self.at, text }
    }
}

impl PartialEq for UserPrincipalName {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for UserPrincipalName {}

impl AsRef<str> for UserPrincipalName {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for UserPrincipalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `mailNickname`: the mail alias, 1 to 64 characters without spaces or the characters
/// Exchange refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailNickname(String);

impl MailNickname {
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 64 {
            return Err(InvalidValue::new("mailNickname", Problem::Length(64)));
        }
        if let Some(bad) = text
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || "@()\\[]\";:<>,".contains(*c))
        {
            return Err(InvalidValue::new("mailNickname", Problem::Character(bad)));
        }
        Ok(MailNickname(text.to_string()))
    }
}

impl AsRef<str> for MailNickname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// ISO 3166-1 alpha-2 country codes, the values `usageLocation` accepts.
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Every code `usageLocation` accepts, in alphabetical order.
pub fn country_codes() -> impl Iterator<Item = &'static str> {
    ISO_3166_ALPHA2.split(' ')
}

/// Whether `code` is in [`ISO_3166_ALPHA2`]: a binary search over the sorted list (three bytes
/// to a code), since every stored user's location is parsed as it is read.
fn is_country_code(code: [u8; 2]) -> bool {
    let known = ISO_3166_ALPHA2.as_bytes();
    let (mut low, mut high) = (0, known.len().div_ceil(3));
    while low < high {
        let middle = (low + high) / 2;
        match known[middle * 3..middle * 3 + 2].cmp(&code[..]) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// `usageLocation`: an ISO 3166-1 alpha-2 code, kept in upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UsageLocation([u8; 2]);

impl UsageLocation {
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let code = match text.trim().as_bytes() {
            [a, b] => [a.to_ascii_uppercase(), b.to_ascii_uppercase()],
            _ => [0, 0],
        };
        if is_country_code(code) {
            Ok(UsageLocation(code))
        } else {
            Err(InvalidValue::new(
                "usageLocation",
                Problem::NotCountry(text.to_string()),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ascii letters")
    }
}

impl AsRef<str> for UsageLocation {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for UsageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of value a user property holds (see `attributes::USER_ATTRIBUTES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    Text,
    TextList,
    DateTime,
    Bool,
}

impl AttrKind {
    /// The JSON value it takes, in English.
    pub fn name(self) -> &'static str {
        match self {
            AttrKind::Text => "a string",
            AttrKind::TextList => "a list of strings",
            AttrKind::DateTime => "a date and time",
            AttrKind::Bool => "true or false",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_upn(input: &str, expected: Result<&str, &str>) {
        match (UserPrincipalName::parse(input), expected) {
            (Ok(upn), Ok(text)) => assert_eq!(upn.as_ref(), text),
            (Err(error), Err(fragment)) => {
                assert!(
                    error.reason.to_string().contains(fragment),
                    "{input:?}: {} lacks {fragment:?}",
                    error.reason
                )
            }
            (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn user_principal_names() {
        check_upn(
            "Adele.Vance@Contoso.example",
            Ok("Adele.Vance@Contoso.example"),
        );
        check_upn(" a@b.example ", Ok("a@b.example"));
        check_upn("o'brien@contoso.example", Ok("o'brien@contoso.example"));
        check_upn("adele", Err("has no '@'"));
        check_upn("@contoso.example", Err("1 to 64"));
        check_upn("a b@contoso.example", Err("' '"));
        check_upn(".a@contoso.example", Err("dot"));
        check_upn("a..b@contoso.example", Err("dot"));
        check_upn("a@contoso", Err("two labels"));
        check_upn("a@-x.example", Err("hyphen"));
        check_upn(&format!("{}@c.example", "a".repeat(65)), Err("1 to 64"));
        check_upn(
            &format!("{}@{}.example", "a".repeat(60), "b".repeat(50)),
            Err("longer than 113"),
        );
    }

    #[test]
    fn upns_compare_case_insensitively() {
        let a = UserPrincipalName::parse("Adele@Contoso.example").unwrap();
        let b = UserPrincipalName::parse("adele@contoso.EXAMPLE").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.key(), "adele@contoso.example");
        assert_eq!(a.domain().as_ref(), "contoso.example");
    }

    #[test]
    fn usage_locations() {
        assert_eq!(UsageLocation::parse("nl").unwrap().as_str(), "NL");
        assert!(UsageLocation::parse("XX").is_err());
        assert!(UsageLocation::parse("NLD").is_err());
        assert!(UsageLocation::parse("").is_err());
        assert_eq!(ISO_3166_ALPHA2.split(' ').count(), 249);
        // The search relies on the list being sorted: every code is found, in either case,
        // and the codes between them are not.
        let codes: Vec<&str> = ISO_3166_ALPHA2.split(' ').collect();
        assert!(
            codes
                .windows(2)
                .all(|pair| pair[0] < pair[1] && pair[0].len() == 2)
        );
        for first in b'A'..=b'Z' {
            for second in b'A'..=b'Z' {
                let code = String::from_utf8(vec![first, second]).unwrap();
                let listed = codes.contains(&code.as_str());
                assert_eq!(UsageLocation::parse(&code).is_ok(), listed, "{code}");
                assert_eq!(UsageLocation::parse(&code.to_lowercase()).is_ok(), listed);
            }
        }
        assert!(UsageLocation::parse(" nl ").is_ok());
        assert!(UsageLocation::parse("N").is_err());
        assert!(UsageLocation::parse("é").is_err());
    }

    #[test]
    fn mail_nicknames() {
        assert!(MailNickname::parse("adele.vance").is_ok());
        assert!(MailNickname::parse("adele vance").is_err());
        assert!(MailNickname::parse("a@b").is_err());
        assert!(MailNickname::parse(&"x".repeat(65)).is_err());
    }

    proptest! {
        #[test]
        fn upn_parse_never_panics(input in "\\PC{0,130}") {
            let _ = UserPrincipalName::parse(&input);
        }

        #[test]
        fn valid_upns_round_trip(alias in "[a-zA-Z0-9][a-zA-Z0-9_-]{0,20}", domain in "[a-z]{1,10}\\.[a-z]{2,6}") {
            let text = format!("{alias}@{domain}");
            let upn = UserPrincipalName::parse(&text).unwrap();
            prop_assert_eq!(upn.as_ref(), text.as_str());
            prop_assert_eq!(UserPrincipalName::parse(upn.as_ref()).unwrap(), upn);
        }

        #[test]
        fn domain_parse_never_panics(input in "\\PC{0,300}") {
            let _ = DomainName::parse(&input);
        }
    }
}
