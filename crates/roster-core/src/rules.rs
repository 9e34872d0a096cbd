//! Entra ID's dynamic membership rule language, so that rules from existing tenants paste in
//! unchanged: `(user.department -eq "Sales") -and (user.proxyAddresses -any (_ -startsWith "smtp:sales"))`.
//!
//! Parsing is the only way to obtain a [`MembershipRule`]: it resolves every property to where
//! roster keeps it, checks that each operator fits its property's type, lowercases constants and
//! compiles regular expressions, so that [`MembershipRule::matches`] only compares. Evaluating
//! 500 rules over 100,000 users is 50 million calls, so `matches` allocates nothing in the common
//! cases: ASCII text is compared without folding copies, object ids are formatted on the stack,
//! and assigned plans are read straight from the built-in catalog.
//!
//! # Grammar
//!
//! Loosest binding first, as Entra ID documents it (comparisons bind tightest, then `-not`,
//! `-and`, `-or`):
//!
//! ```text
//! rule       = "Direct" "Reports" "for" string        (alone: it cannot be combined)
//!            | or
//! or         = and ("-or" and)*
//! and        = not ("-and" not)*
//! not        = "-not" not | primary
//! primary    = "(" or ")" | condition
//! condition  = property operator value
//!            | property ("-any" | "-all") not      (naming only the item: `_` or `assignedPlan.x`)
//! value      = string | number | date | null | $null | true | false
//!            | "[" value ("," value)* "]"
//!            | "system.now" (("-plus" | "-minus") duration)*
//!            | "(" value ")"
//! ```
//!
//! - Operators and property names match case-insensitively, and operators may be written with or
//!   without their hyphen (`-eq` or `eq`, `-and` or `and`), as Entra ID allows. An en or em dash
//!   counts as a hyphen, because Microsoft's own pages print `–eq` and people paste from them.
//! - Strings are in double quotes; inside them a backtick escapes a double quote or a backtick
//!   (`` "say `"hi`"" ``), and any other backtick is kept as written (regular expressions need
//!   none). Single-quoted strings (`'value'`, with `''` for a quote) are accepted too, as in
//!   Microsoft's `memberOf` examples. Microsoft's pages also show a value written as
//!   `` `"Sales`" `` with no outer quotes: that is read as the text `"Sales"`, quotes included.
//! - Numbers and dates may go unquoted (`12345`, `2020-06-10T18:13:20Z`); other text may not.
//! - Durations are ISO 8601: `p30d`, `pt12h`, `P1Y2M`, `P7DT3H`, and `-p30d` for a negative one.
//!
//! # Meaning
//!
//! - Text compares case-insensitively, regular expressions included; `-match` finds the pattern
//!   anywhere in the value (as .NET's `Regex.IsMatch`, which Entra ID uses), so anchor it with
//!   `^` and `$` to match the whole value. Patterns use the `regex` crate's syntax, which has no
//!   look-around or back-references; a rule using them is refused, never silently changed.
//! - A missing value (null) reads as empty text: `-eq null` and `-eq ""` both match it, and each
//!   `-notX` operator is exactly the negation of its `-X`.
//! - On a multi-valued property (`user.proxyAddresses`, `user.otherMails`) a text operator holds
//!   when some item satisfies it (`-notX` when none does), and `-eq null` means empty.
//!   `-any` holds when some item satisfies the condition, `-all` when every item does (so it
//!   holds for an empty list: `user.assignedPlans -all (assignedPlan.servicePlanId -eq null)`
//!   selects users without plans, as Microsoft's example says).
//! - `-ge` and `-le` compare dates; `system.now` is the `now` passed to
//!   [`MembershipRule::matches`].
//! - `user.assignedPlans` is derived from the user's licenses (`User::assigned_licenses`) and the built-in catalog, as Graph
//!   shows it: every plan of every assigned SKU, `capabilityStatus` `Enabled`, or `Deleted` for a
//!   plan in the assignment's `disabledPlans`.
//! - `user.dirSyncEnabled` reads as `false` for a user that was never synced (Graph's
//!   `onPremisesSyncEnabled` is then null), so `-eq false` selects cloud-only users.
//!
//! # Not supported
//!
//! Refused with a message that says so, rather than evaluated wrongly: `user.memberOf` (rules
//! over other groups' members), `device.*` (roster's dynamic groups hold users),
//! `user.onPremisesSecurityIdentifier` (roster does not keep SIDs) and custom extension
//! properties `user.extension_<appId>_<name>` (roster has none). `user.createdDateTime`, `-lt`
//! and `-gt` are not part of Entra ID's documented language, so they are unknown here too.
//!
//! # Cost
//!
//! A caller re-evaluating many rules should loop over users outside and rules inside: the first
//! rule brings a user's values into the cache and the others then compare in tens of
//! nanoseconds, whereas rules outside make every evaluation wait on memory.
//!
//! # Errors
//!
//! A [`RuleError`] gives a 1-based position counted in characters (not bytes), the way a person
//! counts along the rule; the end of the rule is one past its last character. The message says
//! what was expected and what was found.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use regex::{Regex, RegexBuilder};

use crate::attributes::{AttrKind, AttrValue, USER_ATTRIBUTES, find_attribute};
use crate::catalog::{Catalog, PlanDef};
use crate::directory::User;
use crate::types::ObjectId;

/// A parsed, validated membership rule (a type that validates on parse, per STYLE.md).
#[derive(Debug, Clone)]
pub struct MembershipRule {
    text: String,
    condition: Node,
    uses_now: bool,
}

impl MembershipRule {
    /// Entra ID's limit on a rule's length, in characters.
    pub const MAX_LEN: usize = 3072;

    pub fn parse(text: &str) -> Result<MembershipRule, RuleError> {
        let n_chars = text.chars().count();
        if n_chars > Self::MAX_LEN {
            return Err(error_at(
                Self::MAX_LEN,
                RuleProblem::TooLong {
                    max: Self::MAX_LEN,
                    length: n_chars,
                },
            ));
        }
        let chars: Vec<char> = text.chars().collect();
        let tokens = tokenize(&chars)?;
        let mut parser = Parser {
            tokens,
            cursor: 0,
            depth: 0,
            scope: Scope::User,
            uses_now: false,
        };
        let condition = parser.parse_rule()?;
        Ok(MembershipRule {
            text: text.to_owned(),
            condition,
            uses_now: parser.uses_now,
        })
    }

    /// The rule as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `user` satisfies the rule at time `now` (for `system.now`).
    pub fn matches(&self, user: &User, now: DateTime<Utc>) -> bool {
        self.condition.eval(user, now, &Item::None)
    }

    /// What a user must have for the rule to hold, where the rule says so plainly: an `-eq` or
    /// `-in` on a text attribute, alone, under `-and`, or on the same attribute under every
    /// branch of an `-or`. The folded values, and the attribute's index.
    fn requirement(&self) -> Option<(usize, Vec<String>)> {
        self.condition.requirement()
    }

    /// The manager named by a `Direct Reports for "…"` rule.
    pub fn direct_reports_for(&self) -> Option<ObjectId> {
        match self.condition {
            Node::DirectReports(manager_id) => Some(manager_id),
            _ => None,
        }
    }

    /// Whether the outcome depends on the time (uses `system.now`), so it must be re-evaluated periodically.
    pub fn depends_on_time(&self) -> bool {
        self.uses_now
    }

    /// The attributes (indexes into [`crate::attributes::USER_ATTRIBUTES`]) the rule reads,
    /// in order, without repeats: a user read with only these (and the fixed properties) is
    /// judged as it would be read in full.
    pub fn attributes_read(&self) -> Vec<usize> {
        let mut read = Vec::new();
        self.condition.attributes_read(&mut read);
        read.sort_unstable();
        read.dedup();
        read
    }

    /// Whether the rule reads `user.assignedPlans`, so that a user must be tested with its
    /// licenses.
    pub fn reads_licenses(&self) -> bool {
        self.condition.reads_licenses()
    }
}

/// Why a rule was refused: where (1-based, in characters) and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the membership rule is invalid at position {position}: {problem}")]
pub struct RuleError {
    pub position: usize,
    /// What is wrong: in English through its `Display` (the API, the CLI), and by variant for a
    /// client that words it in its own language (the admin center).
    pub problem: RuleProblem,
}

/// Builds an error from a 0-based character index, the parser's own counting.
fn error_at(index: usize, problem: RuleProblem) -> RuleError {
    RuleError {
        position: index + 1,
        problem,
    }
}

/// What the parser found where it expected something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The end of the rule.
    End,
    /// A list value (`[...]`).
    List,
    /// A token or value as the rule writes it (quoted, shortened).
    Text(String),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::End => f.write_str("the end of the rule"),
            Found::List => f.write_str("a list"),
            Found::Text(text) => f.write_str(text),
        }
    }
}

/// What may close a rule or a parenthesis besides `-and` and `-or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closer {
    /// The end of the rule.
    End,
    /// The `)` of the `(` at this position.
    Paren(usize),
}

/// The kind of value a property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyKind {
    Text,
    TextList,
    Date,
    Bool,
    Plans,
}

/// How an operator that does not fit a property should be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advice {
    /// `-any` and `-all` are for properties with many values.
    ManyValues,
    /// `-ge` and `-le` are for dates.
    DatesOnly,
    /// Compare with `-eq` or `-ne`.
    EqNe,
    /// Compare with `-eq`, `-ne`, `-ge` or `-le`.
    EqNeGeLe,
    /// Test the items of this property with `-any` or `-all`.
    Items(String),
}

/// A value a comparison expected after its operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Bool,
    Date,
    DateOrNow,
    Text,
    TextInList,
    List,
}

/// A hint after what was found instead of the expected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    None,
    /// `null` compares only with `-eq` and `-ne`.
    NullEqNe,
    /// Text goes in double quotes.
    Quote,
}

/// A property of Entra's rules that roster does not evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotEvaluated {
    MemberOf,
    SecurityIdentifier,
}

/// The operators of the rule language, as a list for a message.
pub fn operator_list() -> String {
    Op::list()
}

/// What is wrong with a rule. `Display` words it in English; the admin center words each
/// variant in its languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleProblem {
    TooLong {
        max: usize,
        length: usize,
    },
    DashAlone,
    CurlyQuote(char),
    Character(char),
    Unterminated(char),
    TooDeep(usize),
    UnmatchedClose,
    ExpectedDirectReports(Found),
    ManagerId(String),
    DirectReportsCombined(Option<Found>),
    BetweenConditions(Found),
    ExpectedConnective(Closer, Found),
    ExpectedCondition(Found),
    NotBeforeOperator {
        name: String,
        found: Found,
    },
    UnknownOperator {
        word: String,
        name: String,
        dates: bool,
    },
    ExpectedOperator {
        name: String,
        found: Found,
    },
    ExpectedItem {
        list: String,
        found: String,
    },
    UnknownItemProperty {
        name: String,
        list: String,
    },
    ExpectedPlanField {
        list: String,
        found: String,
    },
    ItemAlone(String),
    NowAlone,
    Device(String),
    CustomExtension(String),
    UnknownProperty {
        name: String,
        suggestion: Option<&'static str>,
    },
    NotEvaluated {
        name: String,
        why: NotEvaluated,
    },
    Misfit {
        op: &'static str,
        name: String,
        kind: PropertyKind,
        advice: Advice,
    },
    ExpectedAfter {
        expected: Expected,
        name: String,
        op: &'static str,
        found: Found,
        note: Note,
    },
    BareWord(String),
    ExpectedCloseParen {
        open: usize,
        found: Found,
    },
    ExpectedValue(Found),
    ExpectedInList(Found),
    ExpectedListEnd {
        open: usize,
        found: Found,
    },
    ExpectedDuration {
        sign: Found,
        found: Found,
    },
    DurationOverflow,
    Regex {
        pattern: String,
        problem: RegexProblem,
    },
}

/// Why a `-match` pattern is not a regular expression: the usual mistakes by name, so that they
/// can be worded in any language; anything else in the regex crate's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexProblem {
    /// A `(` without its `)`.
    UnclosedGroup,
    /// A `)` without its `(`.
    UnopenedGroup,
    /// A `[` without its `]`.
    UnclosedClass,
    /// `*`, `+`, `?` or `{n}` with nothing before it to repeat.
    NothingToRepeat,
    /// A `{n,m}` that is not closed, not numbers, or whose `m` is less than its `n`.
    BadRepetition,
    /// A `\` followed by a letter that means nothing, or by nothing.
    BadEscape,
    /// A range in `[...]` that goes backwards, such as `[z-a]`.
    BackwardRange,
    /// `\1` and the like: the syntax has no backreferences.
    Backreference,
    /// `(?=`, `(?!`, `(?<=`, `(?<!`: the syntax has no look-around.
    LookAround,
    Other(String),
}

impl RegexProblem {
    /// The problem with `pattern`, which the regex crate refused with `error`.
    fn of(pattern: &str, error: &regex::Error) -> RegexProblem {
        use regex_syntax::ast::ErrorKind as K;
        if let Err(refused) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
            match refused.kind() {
                K::GroupUnclosed => return RegexProblem::UnclosedGroup,
                K::GroupUnopened => return RegexProblem::UnopenedGroup,
                K::ClassUnclosed => return RegexProblem::UnclosedClass,
                K::RepetitionMissing => return RegexProblem::NothingToRepeat,
                K::RepetitionCountInvalid
                | K::RepetitionCountUnclosed
                | K::RepetitionCountDecimalEmpty
                | K::DecimalEmpty
                | K::DecimalInvalid => return RegexProblem::BadRepetition,
                K::EscapeUnrecognized | K::EscapeUnexpectedEof | K::ClassEscapeInvalid => {
                    return RegexProblem::BadEscape;
                }
                K::ClassRangeInvalid => return RegexProblem::BackwardRange,
                K::UnsupportedBackreference => return RegexProblem::Backreference,
                K::UnsupportedLookAround => return RegexProblem::LookAround,
                _ => {}
            }
        }
        RegexProblem::Other(match error {
            // The syntax error's text repeats the pattern with a caret; its last line says why.
            regex::Error::Syntax(text) => text
                .lines()
                .rev()
                .find_map(|line| line.strip_prefix("error: "))
                .unwrap_or(text)
                .to_owned(),
            other => other.to_string(),
        })
    }
}

impl fmt::Display for RegexProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegexProblem::UnclosedGroup => "a ( is not closed",
            RegexProblem::UnopenedGroup => "a ) closes nothing",
            RegexProblem::UnclosedClass => "a [ is not closed",
            RegexProblem::NothingToRepeat => "a repetition (*, + or ?) follows nothing it could repeat",
            RegexProblem::BadRepetition => "a repetition count must be closed and hold whole numbers, the first no more than the second",
            RegexProblem::BadEscape => "a \\ is followed by nothing or by a letter that means nothing",
            RegexProblem::BackwardRange => "a range in [...] goes backwards",
            RegexProblem::Backreference => "backreferences (\\1) are not supported",
            RegexProblem::LookAround => "look-ahead and look-behind are not supported",
            RegexProblem::Other(text) => text,
        })
    }
}

impl fmt::Display for PropertyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PropertyKind::Text => "text",
            PropertyKind::TextList => "a list of text",
            PropertyKind::Date => "a date",
            PropertyKind::Bool => "true or false",
            PropertyKind::Plans => "a list of assigned plans",
        })
    }
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Advice::ManyValues => f.write_str(
                "-any and -all apply to properties with many values, such as \
                 user.proxyAddresses, user.otherMails and user.assignedPlans",
            ),
            Advice::DatesOnly => {
                f.write_str("-ge and -le compare dates, such as user.employeeHireDate")
            }
            Advice::EqNe => f.write_str("compare it with -eq or -ne"),
            Advice::EqNeGeLe => f.write_str("compare it with -eq, -ne, -ge or -le"),
            Advice::Items(name) => write!(
                f,
                "test its items with -any or -all, as in {name} -any (assignedPlan.capabilityStatus -eq \"Enabled\")"
            ),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Bool => "true or false",
            Expected::Date => "a date such as 2024-01-31T00:00:00Z",
            Expected::DateOrNow => "a date such as 2024-01-31T00:00:00Z or system.now",
            Expected::Text => "a string such as \"Sales\"",
            Expected::TextInList => "a string in the list",
            Expected::List => "a list such as [\"a\",\"b\"]",
        })
    }
}

impl fmt::Display for NotEvaluated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotEvaluated::MemberOf => {
                "roster does not evaluate rules on membership of other groups; combine those groups' \
                 own conditions instead"
            }
            NotEvaluated::SecurityIdentifier => {
                "roster does not keep on-premises security identifiers"
            }
        })
    }
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RuleProblem as P;
        match self {
            P::TooLong { max, length } => {
                write!(f, "a rule may have at most {max} characters, this one has {length}")
            }
            P::DashAlone => f.write_str("expected an operator such as -eq or -and after '-'"),
            P::CurlyQuote(c) => write!(
                f,
                "unexpected character '{c}': write strings in straight double quotes (\")"
            ),
            P::Character(c) => write!(
                f,
                "unexpected character '{}'",
                crate::types::visible_char(*c)
            ),
            P::Unterminated(quote) => write!(
                f,
                "unterminated string: the {quote} here has no closing {quote}"
            ),
            P::TooDeep(max) => write!(
                f,
                "the rule nests parentheses, -not and -any more than {max} deep"
            ),
            P::UnmatchedClose => f.write_str("found ')' without a '(' that it closes"),
            P::ExpectedDirectReports(found) => write!(
                f,
                "expected Direct Reports for \"<manager's object id>\", found {found}"
            ),
            P::ManagerId(text) => write!(
                f,
                "expected the manager's object id (a GUID), found \"{text}\""
            ),
            P::DirectReportsCombined(None) => {
                f.write_str("a Direct Reports rule cannot be combined with other conditions")
            }
            P::DirectReportsCombined(Some(found)) => write!(
                f,
                "a Direct Reports rule cannot be combined with other conditions, found {found}"
            ),
            P::BetweenConditions(found) => write!(
                f,
                "expected -and or -or between two conditions, found {found}"
            ),
            P::ExpectedConnective(Closer::End, found) => write!(
                f,
                "expected -and, -or or the end of the rule, found {found}"
            ),
            P::ExpectedConnective(Closer::Paren(open), found) => write!(
                f,
                "expected -and, -or or ')' to close the '(' at position {open}, found {found}"
            ),
            P::ExpectedCondition(found) => write!(
                f,
                "expected a condition such as user.department -eq \"Sales\", found {found}"
            ),
            P::NotBeforeOperator { name, found } => write!(
                f,
                "expected an operator such as -eq after {name}, found {found}: -not negates a \
                 whole condition, as in -not ({name} -eq null); to compare, write {name} -ne …"
            ),
            P::UnknownOperator { word, name, dates } => {
                write!(f, "unknown operator -{word} after {name}: ")?;
                if *dates {
                    f.write_str("dates are compared with -ge and -le")
                } else {
                    write!(f, "the operators are {}", Op::list())
                }
            }
            P::ExpectedOperator { name, found } => write!(
                f,
                "expected an operator such as -eq after {name}, found {found}"
            ),
            P::ExpectedItem { list, found } => write!(
                f,
                "expected _ (an item of {list}) inside -any or -all, found {found}"
            ),
            P::UnknownItemProperty { name, list } => write!(
                f,
                "unknown property {name}: an item of {list} has {PLAN_FIELDS}"
            ),
            P::ExpectedPlanField { list, found } => write!(
                f,
                "expected {PLAN_FIELDS} (an item of {list}) inside -any or -all, found {found}"
            ),
            P::ItemAlone(name) => write!(
                f,
                "{name} names an item of a -any or -all condition, as in \
                 user.proxyAddresses -any (_ -startsWith \"smtp:\"), and cannot stand alone"
            ),
            P::NowAlone => f.write_str(
                "system.now is a value: compare a date with it, as in user.employeeHireDate -ge system.now",
            ),
            P::Device(name) => write!(
                f,
                "{name} is not supported: roster's dynamic groups contain users, not devices"
            ),
            P::CustomExtension(name) => write!(
                f,
                "{name} is not supported: roster has no custom extension properties; \
                 user.extensionAttribute1 to user.extensionAttribute15 are"
            ),
            P::UnknownProperty { name, suggestion } => {
                write!(f, "unknown property {name}")?;
                match suggestion {
                    Some(known) => write!(f, " (did you mean user.{known}?)"),
                    None => Ok(()),
                }
            }
            P::NotEvaluated { name, why } => write!(f, "{name} is not supported: {why}"),
            P::Misfit { op, name, kind, advice } => write!(
                f,
                "operator {op} does not apply to {name}, which is {kind}: {advice}"
            ),
            P::ExpectedAfter { expected, name, op, found, note } => {
                write!(f, "expected {expected} after {name} {op}, found {found}")?;
                f.write_str(match note {
                    Note::None => "",
                    Note::NullEqNe => " (null can only be compared with -eq or -ne)",
                    Note::Quote => " (write text in double quotes)",
                })
            }
            P::BareWord(word) => write!(
                f,
                "expected a value such as \"Sales\", null, true or false, found {word}: \
                 write text in double quotes"
            ),
            P::ExpectedCloseParen { open, found } => write!(
                f,
                "expected ')' to close the '(' at position {open}, found {found}"
            ),
            P::ExpectedValue(found) => write!(
                f,
                "expected a value such as \"Sales\", null, true or false, found {found}"
            ),
            P::ExpectedInList(found) => write!(f, "expected a string in the list, found {found}"),
            P::ExpectedListEnd { open, found } => write!(
                f,
                "expected ',' or ']' to close the list that opens at position {open}, found {found}"
            ),
            P::ExpectedDuration { sign, found } => write!(
                f,
                "expected a duration such as p30d or pt12h after {sign}, found {found}"
            ),
            P::DurationOverflow => f.write_str("the durations add up to more than can be counted"),
            P::Regex { pattern, problem } => {
                write!(f, "invalid regular expression \"{pattern}\": {problem}")
            }
        }
    }
}

/// Deepest nesting of parentheses, `-not` and `-any`/`-all`: evaluation recurses over the tree,
/// so the depth must be bounded whatever the input (3,072 characters of `(` would otherwise do).
const MAX_DEPTH: usize = 100;

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/// Where a rule property's value comes from.
#[derive(Debug, Clone, Copy)]
enum Origin {
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
const USER_PROPERTIES: &[(&str, Origin)] = &[
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

/// The fields of an item of `user.assignedPlans`, as Entra ID's rules name them.
pub const PLAN_FIELDS: &str =
    "assignedPlan.servicePlanId, assignedPlan.capabilityStatus or assignedPlan.service";

/// A property as the parser resolved it: its type, and where its value is read.
#[derive(Debug, Clone, Copy)]
enum Property {
    Text(TextSource),
    List(ListSource),
    Date(DateSource),
    Bool(BoolSource),
    Plans,
}

impl Property {
    fn kind(&self) -> PropertyKind {
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
enum TextSource {
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
enum IdSource {
    ObjectId,
    PlanId,
}

#[derive(Debug, Clone, Copy)]
enum ListSource {
    Attribute(usize),
}

#[derive(Debug, Clone, Copy)]
enum DateSource {
    Attribute(usize),
}

#[derive(Debug, Clone, Copy)]
enum BoolSource {
    AccountEnabled,
    /// A flag that reads as `false` when unset: `onPremisesSyncEnabled` is null for a user
    /// that never synced, and such a user is what `user.dirSyncEnabled -eq false` asks for.
    Attribute(usize),
}

fn attribute_index(graph_path: &str) -> usize {
    find_attribute(graph_path)
        .map(|(index, _)| index)
        .unwrap_or_else(|| {
            panic!("USER_PROPERTIES names attribute {graph_path}, which is not in USER_ATTRIBUTES")
        })
}

fn resolve_origin(origin: Origin) -> Result<Property, NotEvaluated> {
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
const PLAN_SERVICES: &[(&str, &str)] = &[
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

fn plan_service(plan: &PlanDef) -> Option<&'static str> {
    PLAN_SERVICES
        .iter()
        .find(|(prefix, _)| plan.service_plan_name.starts_with(prefix))
        .map(|(_, service)| *service)
}

/// One entry of the user's `assignedPlans`, derived from its licenses.
#[derive(Debug, Clone, Copy)]
struct AssignedPlan<'a> {
    plan: &'a PlanDef,
    /// In the assignment's `disabledPlans`: Graph lists such a plan as `Deleted`.
    disabled: bool,
}

impl AssignedPlan<'_> {
    fn capability_status(&self) -> &'static str {
        if self.disabled { "Deleted" } else { "Enabled" }
    }
}

/// Every plan of every SKU the user holds (directly, or through a group whose assignment took),
/// as Graph's `assignedPlans` lists them.
fn assigned_plans(user: &User) -> impl Iterator<Item = AssignedPlan<'static>> {
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

// ---------------------------------------------------------------------------
// The compiled condition
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// A test on one text value; `negated` turns `-eq` into `-ne` and so on.
    Text {
        source: TextSource,
        test: TextTest,
        negated: bool,
    },
    /// A text operator applied directly to a list: some item passes (with `IsNull`: the list is empty).
    List {
        source: ListSource,
        test: TextTest,
        negated: bool,
    },
    /// `objectId` or `servicePlanId` compared with a GUID: compared as GUIDs, without
    /// formatting the value (assigned plans run to dozens per user).
    Id {
        source: IdSource,
        id: uuid::Uuid,
        negated: bool,
    },
    Bool {
        source: BoolSource,
        expected: Option<bool>,
        negated: bool,
    },
    Date {
        source: DateSource,
        test: DateTest,
        negated: bool,
    },
    /// `-any`/`-all` over a list of text; the condition reads the item as `_`.
    Items {
        source: ListSource,
        every: bool,
        condition: Box<Node>,
    },
    /// `-any`/`-all` over `assignedPlans`; the condition reads `assignedPlan.*`.
    Plans {
        every: bool,
        condition: Box<Node>,
    },
    DirectReports(ObjectId),
}

/// Constants are lowercased at parse time; values are folded as they are compared.
#[derive(Debug, Clone)]
enum TextTest {
    IsNull,
    Eq(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Match(Regex),
    In(Vec<String>),
}

#[derive(Debug, Clone, Copy)]
enum DateTest {
    IsNull,
    Eq(DateOperand),
    Ge(DateOperand),
    Le(DateOperand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateOperand {
    At(DateTime<Utc>),
    Now(Offset),
}

impl DateOperand {
    fn at(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            DateOperand::At(at) => Some(at),
            DateOperand::Now(offset) => offset.apply(now),
        }
    }
}

/// A sum of ISO 8601 durations: months apart, since their length depends on the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Offset {
    months: i64,
    seconds: i64,
}

impl Offset {
    fn plus(self, other: Offset) -> Option<Offset> {
        Some(Offset {
            months: self.months.checked_add(other.months)?,
            seconds: self.seconds.checked_add(other.seconds)?,
        })
    }

    fn negated(self) -> Offset {
        Offset {
            months: -self.months,
            seconds: -self.seconds,
        }
    }

    fn apply(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let months = Months::new(u32::try_from(self.months.unsigned_abs()).ok()?);
        let shifted = if self.months >= 0 {
            now.checked_add_months(months)?
        } else {
            now.checked_sub_months(months)?
        };
        shifted.checked_add_signed(TimeDelta::try_seconds(self.seconds)?)
    }
}

/// What a condition is evaluated against besides the user: the item of an `-any`/`-all`.
enum Item<'a> {
    None,
    Text(&'a str),
    Plan(AssignedPlan<'a>),
}

/// Room for a GUID formatted on the stack, so comparing `objectId` allocates nothing.
type IdBuffer = [u8; uuid::fmt::Hyphenated::LENGTH];

impl TextSource {
    fn read<'v>(
        &self,
        user: &'v User,
        item: &Item<'v>,
        buffer: &'v mut IdBuffer,
    ) -> Option<&'v str> {
        let values = user.attributes.values();
        match self {
            TextSource::Attribute(index) => values[*index].as_text(),
            TextSource::FirstOf(index) => match &values[*index] {
                AttrValue::TextList(items) => items.first().map(String::as_str),
                _ => None,
            },
            TextSource::SipAddress(index) => match &values[*index] {
                AttrValue::TextList(items) => items.iter().find_map(|address| {
                    address
                        .get(..4)
                        .filter(|prefix| prefix.eq_ignore_ascii_case("sip:"))
                        .map(|_| &address[4..])
                }),
                _ => None,
            },
            TextSource::DisplayName => Some(&user.display_name),
            TextSource::UserPrincipalName => Some(user.user_principal_name.as_ref()),
            TextSource::MailNickname => Some(user.mail_nickname.as_ref()),
            TextSource::ObjectId => Some(user.id.as_uuid().hyphenated().encode_lower(buffer)),
            TextSource::UserType => Some(user.user_type.as_str()),
            TextSource::UsageLocation => user
                .usage_location
                .as_ref()
                .map(|location| location.as_str()),
            TextSource::Item => match item {
                Item::Text(text) => Some(*text),
                _ => None,
            },
            TextSource::PlanId => match item {
                Item::Plan(assigned) => Some(
                    assigned
                        .plan
                        .service_plan_id
                        .hyphenated()
                        .encode_lower(buffer),
                ),
                _ => None,
            },
            TextSource::PlanStatus => match item {
                Item::Plan(assigned) => Some(assigned.capability_status()),
                _ => None,
            },
            TextSource::PlanService => match item {
                Item::Plan(assigned) => plan_service(assigned.plan),
                _ => None,
            },
        }
    }
}

impl ListSource {
    fn read<'v>(&self, user: &'v User) -> &'v [String] {
        let ListSource::Attribute(index) = self;
        match &user.attributes.values()[*index] {
            AttrValue::TextList(items) => items,
            _ => &[],
        }
    }
}

impl BoolSource {
    fn read(&self, user: &User) -> Option<bool> {
        match self {
            BoolSource::AccountEnabled => Some(user.account_enabled),
            BoolSource::Attribute(index) => match user.attributes.values()[*index] {
                AttrValue::Bool(flag) => Some(flag),
                _ => Some(false),
            },
        }
    }
}

impl DateSource {
    fn read(&self, user: &User) -> Option<DateTime<Utc>> {
        let DateSource::Attribute(index) = self;
        match user.attributes.values()[*index] {
            AttrValue::DateTime(at) => Some(at),
            _ => None,
        }
    }
}

impl TextTest {
    /// A missing value reads as empty text, as Entra ID treats an empty property as null.
    fn holds(&self, value: Option<&str>) -> bool {
        let text = value.unwrap_or("");
        match self {
            TextTest::IsNull => text.is_empty(),
            TextTest::Eq(lower) => eq_folded(text, lower),
            TextTest::StartsWith(lower) => starts_with_folded(text, lower),
            TextTest::EndsWith(lower) => ends_with_folded(text, lower),
            TextTest::Contains(lower) => contains_folded(text, lower),
            TextTest::Match(regex) => regex.is_match(text),
            // Whether the text is ASCII is asked once, not once per item.
            TextTest::In(lowers) if text.is_ascii() => {
                lowers.iter().any(|lower| ascii_eq_folded(text, lower))
            }
            TextTest::In(lowers) => lowers.iter().any(|lower| eq_folded(text, lower)),
        }
    }
}

/// Many rules tested together against one user at a time (a pass over a tenant's users for
/// all its dynamic groups): a rule that needs a text attribute to have one of a few values is
/// tested only on users whose value is one of them, found by one lookup per attribute instead
/// of a comparison per rule. Gives exactly what testing every rule gives.
pub struct RuleSet<'r> {
    rules: Vec<Option<&'r MembershipRule>>,
    /// Rules tested on every user (no plain requirement).
    always: Vec<usize>,
    /// Per attribute index: each folded value, and the rules that need it.
    by_value: Vec<(usize, HashMap<String, Vec<usize>>)>,
}

impl<'r> RuleSet<'r> {
    /// `rules` in order; `None` (a group without a rule) never holds.
    pub fn new(rules: Vec<Option<&'r MembershipRule>>) -> Self {
        let mut always = Vec::new();
        let mut by_value: Vec<(usize, HashMap<String, Vec<usize>>)> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let Some(rule) = rule else { continue };
            match rule.requirement() {
                Some((attribute, values)) => {
                    let position = match by_value.iter().position(|(a, _)| *a == attribute) {
                        Some(position) => position,
                        None => {
                            by_value.push((attribute, HashMap::new()));
                            by_value.len() - 1
                        }
                    };
                    for value in values {
                        let needing = by_value[position].1.entry(value).or_default();
                        // A value listed twice names the rule once.
                        if needing.last() != Some(&index) {
                            needing.push(index);
                        }
                    }
                }
                None => always.push(index),
            }
        }
        RuleSet {
            rules,
            always,
            by_value,
        }
    }

    /// Whether each rule, in order, holds for `user`.
    pub fn matches(&self, user: &User, now: DateTime<Utc>) -> Vec<bool> {
        let mut verdicts = vec![false; self.rules.len()];
        let mut test = |index: usize| {
            if let Some(rule) = self.rules[index] {
                verdicts[index] = rule.matches(user, now);
            }
        };
        self.always.iter().copied().for_each(&mut test);
        let values = user.attributes.values();
        for (attribute, needing) in &self.by_value {
            // Read as the rule reads it: a missing value is empty text.
            let text = values[*attribute].as_text().unwrap_or("");
            let key: std::borrow::Cow<'_, str> = if text
                .bytes()
                .any(|b| !b.is_ascii() || b.is_ascii_uppercase())
            {
                fold(text).into()
            } else {
                text.into()
            };
            if let Some(indexes) = needing.get(key.as_ref()) {
                indexes.iter().copied().for_each(&mut test);
            }
        }
        verdicts
    }
}

impl Node {
    /// See [`MembershipRule::requirement`].
    fn requirement(&self) -> Option<(usize, Vec<String>)> {
        match self {
            Node::Text {
                source: TextSource::Attribute(index),
                test,
                negated: false,
            } => match test {
                TextTest::Eq(lower) => Some((*index, vec![lower.clone()])),
                TextTest::In(lowers) => Some((*index, lowers.clone())),
                _ => None,
            },
            // What any one of the conditions needs, all of them need.
            Node::And(nodes) => nodes.iter().find_map(Node::requirement),
            // Each branch's needs, if all are on one attribute.
            Node::Or(nodes) => {
                let mut attribute = None;
                let mut values = Vec::new();
                for node in nodes {
                    let (index, more) = node.requirement()?;
                    if attribute.is_some_and(|a| a != index) {
                        return None;
                    }
                    attribute = Some(index);
                    values.extend(more);
                }
                attribute.map(|index| (index, values))
            }
            _ => None,
        }
    }

    fn reads_licenses(&self) -> bool {
        match self {
            Node::Plans { .. } => true,
            Node::And(nodes) | Node::Or(nodes) => nodes.iter().any(Node::reads_licenses),
            Node::Not(node) => node.reads_licenses(),
            _ => false,
        }
    }

    fn attributes_read(&self, read: &mut Vec<usize>) {
        match self {
            Node::And(nodes) | Node::Or(nodes) => {
                nodes.iter().for_each(|node| node.attributes_read(read))
            }
            Node::Not(node)
            | Node::Plans {
                condition: node, ..
            } => node.attributes_read(read),
            Node::Text { source, .. } => match source {
                TextSource::Attribute(index)
                | TextSource::FirstOf(index)
                | TextSource::SipAddress(index) => read.push(*index),
                _ => {}
            },
            Node::List {
                source: ListSource::Attribute(index),
                ..
            }
            | Node::Date {
                source: DateSource::Attribute(index),
                ..
            }
            | Node::Bool {
                source: BoolSource::Attribute(index),
                ..
            } => read.push(*index),
            Node::Items {
                source: ListSource::Attribute(index),
                condition,
                ..
            } => {
                read.push(*index);
                condition.attributes_read(read);
            }
            Node::Id { .. }
            | Node::Bool {
                source: BoolSource::AccountEnabled,
                ..
            }
            | Node::DirectReports(_) => {}
        }
    }

    fn eval<'v>(&self, user: &'v User, now: DateTime<Utc>, item: &Item<'v>) -> bool {
        match self {
            Node::And(nodes) => nodes.iter().all(|node| node.eval(user, now, item)),
            Node::Or(nodes) => nodes.iter().any(|node| node.eval(user, now, item)),
            Node::Not(node) => !node.eval(user, now, item),
            Node::Text {
                source,
                test,
                negated,
            } => {
                let mut buffer = [0; uuid::fmt::Hyphenated::LENGTH];
                test.holds(source.read(user, item, &mut buffer)) != *negated
            }
            Node::List {
                source,
                test,
                negated,
            } => {
                let items = source.read(user);
                let holds = match test {
                    TextTest::IsNull => items.is_empty(),
                    _ => items.iter().any(|text| test.holds(Some(text))),
                };
                holds != *negated
            }
            Node::Id {
                source,
                id,
                negated,
            } => {
                let value = match (source, item) {
                    (IdSource::ObjectId, _) => Some(user.id.as_uuid()),
                    (IdSource::PlanId, Item::Plan(assigned)) => Some(assigned.plan.service_plan_id),
                    (IdSource::PlanId, _) => None,
                };
                (value == Some(*id)) != *negated
            }
            Node::Bool {
                source,
                expected,
                negated,
            } => (source.read(user) == *expected) != *negated,
            Node::Date {
                source,
                test,
                negated,
            } => {
                let value = source.read(user);
                let holds = match test {
                    DateTest::IsNull => value.is_none(),
                    DateTest::Eq(operand) => value.is_some() && value == operand.at(now),
                    DateTest::Ge(operand) => value
                        .zip(operand.at(now))
                        .is_some_and(|(value, bound)| value >= bound),
                    DateTest::Le(operand) => value
                        .zip(operand.at(now))
                        .is_some_and(|(value, bound)| value <= bound),
                };
                holds != *negated
            }
            Node::Items {
                source,
                every,
                condition,
            } => {
                let mut items = source.read(user).iter();
                let passes = |text: &String| condition.eval(user, now, &Item::Text(text));
                if *every {
                    items.all(passes)
                } else {
                    items.any(passes)
                }
            }
            Node::Plans { every, condition } => {
                let mut plans = assigned_plans(user);
                let passes = |plan| condition.eval(user, now, &Item::Plan(plan));
                if *every {
                    plans.all(passes)
                } else {
                    plans.any(passes)
                }
            }
            Node::DirectReports(manager_id) => user.manager_id == Some(*manager_id),
        }
    }
}

// ---------------------------------------------------------------------------
// Case-insensitive text, without allocating for ASCII
// ---------------------------------------------------------------------------

/// Lowercases the way the comparisons below fold: character by character, so that a constant
/// and a value fold alike (`str::to_lowercase` treats a final sigma specially; this does not).
fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

fn folded_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

/// Whether `text`, folded, equals `lower` (already folded).
fn eq_folded(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        ascii_eq_folded(text, lower)
    } else {
        folded_chars(text).eq(lower.chars())
    }
}

/// [`eq_folded`] for a `text` known to be ASCII.
fn ascii_eq_folded(text: &str, lower: &str) -> bool {
    text.len() == lower.len()
        && text
            .bytes()
            .zip(lower.bytes())
            .all(|(a, b)| a.to_ascii_lowercase() == b)
}

fn starts_with_folded(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        text.len() >= lower.len()
            && text
                .bytes()
                .zip(lower.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        let mut folded = folded_chars(text);
        lower.chars().all(|c| folded.next() == Some(c))
    }
}

fn ends_with_folded(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        text.len() >= lower.len()
            && text
                .bytes()
                .rev()
                .zip(lower.bytes().rev())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        let mut folded = text.chars().rev().flat_map(|c| c.to_lowercase().rev());
        lower.chars().rev().all(|c| folded.next() == Some(c))
    }
}

fn contains_folded(text: &str, lower: &str) -> bool {
    if lower.is_empty() {
        return true;
    }
    if text.is_ascii() {
        if !lower.is_ascii() {
            return false;
        }
        text.as_bytes().windows(lower.len()).any(|window| {
            window
                .iter()
                .zip(lower.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
        })
    } else {
        // Rare enough (non-ASCII values with -contains) to afford the copy.
        fold(text).contains(lower)
    }
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A name: `user.department`, `_`, `null`, `$null`, `true`, `system.now`, `p30d`, `Direct`,
    /// or an operator written without its hyphen (`and`, `eq`).
    Word(String),
    /// A hyphen and a name: `-eq`, `-and`, `-p30d`. Holds the name.
    Dash(String),
    /// Quoted text, escapes resolved.
    Text(String),
    /// An unquoted number or date-time: `12345`, `2020-06-10T18:13:20Z`.
    Bare(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
    End,
}

#[derive(Debug, Clone)]
struct Spanned {
    token: Token,
    /// 0-based character index.
    index: usize,
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}')
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

fn is_bare_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '+' | '-')
}

fn scan(chars: &[char], start: usize, accept: impl Fn(char) -> bool) -> usize {
    chars[start..]
        .iter()
        .position(|&c| !accept(c))
        .map_or(chars.len(), |offset| start + offset)
}

fn tokenize(chars: &[char]) -> Result<Vec<Spanned>, RuleError> {
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if c.is_whitespace() {
            at += 1;
            continue;
        }
        let start = at;
        let punctuation = match c {
            '(' => Some(Token::Open),
            ')' => Some(Token::Close),
            '[' => Some(Token::OpenBracket),
            ']' => Some(Token::CloseBracket),
            ',' => Some(Token::Comma),
            _ => None,
        };
        let token = if let Some(token) = punctuation {
            at += 1;
            token
        } else if c == '"' || c == '\'' {
            let (text, end) = lex_string(chars, start)?;
            at = end;
            Token::Text(text)
        } else if c == '`' && chars.get(at + 1) == Some(&'"') {
            let (text, end) = lex_escaped_word(chars, start);
            at = end;
            Token::Text(text)
        } else if is_dash(c) && chars.get(at + 1).is_some_and(|&next| is_word_start(next)) {
            at = scan(chars, at + 1, is_word_char);
            Token::Dash(chars[start + 1..at].iter().collect())
        } else if is_word_start(c) {
            at = scan(chars, at + 1, is_word_char);
            Token::Word(chars[start..at].iter().collect())
        } else if c.is_ascii_digit()
            || (is_dash(c) && chars.get(at + 1).is_some_and(char::is_ascii_digit))
        {
            at = scan(chars, at + 1, is_bare_char);
            Token::Bare(chars[start..at].iter().collect())
        } else if is_dash(c) {
            return Err(error_at(start, RuleProblem::DashAlone));
        } else if matches!(c, '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}') {
            return Err(error_at(start, RuleProblem::CurlyQuote(c)));
        } else {
            return Err(error_at(start, RuleProblem::Character(c)));
        };
        tokens.push(Spanned {
            token,
            index: start,
        });
    }
    tokens.push(Spanned {
        token: Token::End,
        index: chars.len(),
    });
    Ok(tokens)
}

/// A string in double quotes, where a backtick escapes a double quote or a backtick, or in
/// single quotes, where `''` is a quote.
fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), RuleError> {
    let quote = chars[start];
    let mut text = String::new();
    let mut at = start + 1;
    loop {
        match chars.get(at) {
            None => {
                return Err(error_at(start, RuleProblem::Unterminated(quote)));
            }
            Some('`') if chars.get(at + 1).is_some_and(|&c| c == quote || c == '`') => {
                text.push(chars[at + 1]);
                at += 2;
            }
            Some(&c) if c == quote => {
                if quote == '\'' && chars.get(at + 1) == Some(&'\'') {
                    text.push('\'');
                    at += 2;
                } else {
                    return Ok((text, at + 1));
                }
            }
            Some(&c) => {
                text.push(c);
                at += 1;
            }
        }
    }
}

/// `` `"Sales`" `` without outer quotes, as Microsoft's pages write a value holding quotes:
/// read up to the next space or bracket, escapes resolved.
fn lex_escaped_word(chars: &[char], start: usize) -> (String, usize) {
    let mut text = String::new();
    let mut at = start;
    while let Some(&c) = chars.get(at) {
        if c == '`' && matches!(chars.get(at + 1), Some('"' | '`')) {
            text.push(chars[at + 1]);
            at += 2;
        } else if c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',') {
            break;
        } else {
            text.push(c);
            at += 1;
        }
    }
    (text, at)
}

/// Keeps messages readable when the offending token is most of a 3 KiB rule.
fn truncate(text: &str) -> String {
    const LIMIT: usize = 80;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(LIMIT).collect();
        short.push('…');
        short
    }
}

fn describe(token: &Token) -> Found {
    Found::Text(match token {
        Token::Word(word) | Token::Bare(word) => truncate(word),
        Token::Dash(word) => format!("-{}", truncate(word)),
        Token::Text(text) => format!("\"{}\"", truncate(text)),
        Token::Open => "'('".to_owned(),
        Token::Close => "')'".to_owned(),
        Token::OpenBracket => "'['".to_owned(),
        Token::CloseBracket => "']'".to_owned(),
        Token::Comma => "','".to_owned(),
        Token::End => return Found::End,
    })
}

/// The name of a keyword token, with or without its hyphen.
fn keyword(token: &Token) -> Option<&str> {
    match token {
        Token::Word(word) | Token::Dash(word) => Some(word),
        _ => None,
    }
}

fn is_keyword(token: &Token, name: &str) -> bool {
    keyword(token).is_some_and(|word| word.eq_ignore_ascii_case(name))
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Contains,
    NotContains,
    Match,
    NotMatch,
    In,
    NotIn,
    Ge,
    Le,
    Any,
    All,
}

impl Op {
    const ALL: [Op; 16] = [
        Op::Eq,
        Op::Ne,
        Op::StartsWith,
        Op::NotStartsWith,
        Op::EndsWith,
        Op::NotEndsWith,
        Op::Contains,
        Op::NotContains,
        Op::Match,
        Op::NotMatch,
        Op::In,
        Op::NotIn,
        Op::Ge,
        Op::Le,
        Op::Any,
        Op::All,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Eq => "-eq",
            Op::Ne => "-ne",
            Op::StartsWith => "-startsWith",
            Op::NotStartsWith => "-notStartsWith",
            Op::EndsWith => "-endsWith",
            Op::NotEndsWith => "-notEndsWith",
            Op::Contains => "-contains",
            Op::NotContains => "-notContains",
            Op::Match => "-match",
            Op::NotMatch => "-notMatch",
            Op::In => "-in",
            Op::NotIn => "-notIn",
            Op::Ge => "-ge",
            Op::Le => "-le",
            Op::Any => "-any",
            Op::All => "-all",
        }
    }

    fn from_word(word: &str) -> Option<Op> {
        Op::ALL
            .into_iter()
            .find(|op| op.name()[1..].eq_ignore_ascii_case(word))
    }

    fn list() -> String {
        Op::ALL.map(Op::name).join(", ")
    }

    /// The positive operator and whether this one negates it.
    fn positive(self) -> (Op, bool) {
        match self {
            Op::Ne => (Op::Eq, true),
            Op::NotStartsWith => (Op::StartsWith, true),
            Op::NotEndsWith => (Op::EndsWith, true),
            Op::NotContains => (Op::Contains, true),
            Op::NotMatch => (Op::Match, true),
            Op::NotIn => (Op::In, true),
            other => (other, false),
        }
    }
}

/// What a condition may name: the user's properties, or the item of an `-any`/`-all`.
#[derive(Debug, Clone)]
enum Scope {
    User,
    /// Items of a list of text, named `_`; holds the list's name as written.
    TextItems(String),
    /// Items of `user.assignedPlans`, named `assignedPlan.<field>`.
    Plans(String),
}

/// A value as written, before it is checked against the property it is compared with.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Bare(String),
    Null,
    Bool(bool),
    List(Vec<(Value, usize)>),
    Now(Offset),
}

impl Value {
    fn describe(&self) -> Found {
        Found::Text(match self {
            Value::Text(text) => format!("\"{}\"", truncate(text)),
            Value::Bare(text) => truncate(text),
            Value::Null => "null".to_owned(),
            Value::Bool(flag) => flag.to_string(),
            Value::List(_) => return Found::List,
            Value::Now(_) => "system.now".to_owned(),
        })
    }
}

struct Parser {
    tokens: Vec<Spanned>,
    cursor: usize,
    depth: usize,
    scope: Scope,
    uses_now: bool,
}

impl Parser {
    fn peek(&self) -> &Spanned {
        &self.tokens[self.cursor]
    }

    fn advance(&mut self) -> Spanned {
        let spanned = self.tokens[self.cursor].clone();
        if spanned.token != Token::End {
            self.cursor += 1;
        }
        spanned
    }

    fn enter(&mut self, index: usize) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error_at(index, RuleProblem::TooDeep(MAX_DEPTH)));
        }
        Ok(())
    }

    fn parse_rule(&mut self) -> Result<Node, RuleError> {
        if is_keyword(&self.peek().token, "direct") {
            return self.parse_direct_reports();
        }
        let node = self.parse_or()?;
        let next = self.peek();
        match next.token {
            Token::End => Ok(node),
            Token::Close => Err(error_at(next.index, RuleProblem::UnmatchedClose)),
            _ => Err(self.expected_connective(Closer::End)),
        }
    }

    /// `Direct Reports for "<manager id>"`, which Entra ID accepts only as a whole rule.
    fn parse_direct_reports(&mut self) -> Result<Node, RuleError> {
        self.advance();
        for word in ["reports", "for"] {
            let next = self.advance();
            if !matches!(&next.token, Token::Word(w) if w.eq_ignore_ascii_case(word)) {
                return Err(error_at(
                    next.index,
                    RuleProblem::ExpectedDirectReports(describe(&next.token)),
                ));
            }
        }
        let next = self.advance();
        let Token::Text(text) = &next.token else {
            return Err(error_at(
                next.index,
                RuleProblem::ExpectedDirectReports(describe(&next.token)),
            ));
        };
        let manager_id = ObjectId::parse(text)
            .map_err(|_| error_at(next.index, RuleProblem::ManagerId(truncate(text))))?;
        let end = self.peek();
        if end.token != Token::End {
            return Err(error_at(
                end.index,
                RuleProblem::DirectReportsCombined(Some(describe(&end.token))),
            ));
        }
        Ok(Node::DirectReports(manager_id))
    }

    /// The error for a token found where `-and`, `-or` or `wanted` could stand.
    fn expected_connective(&self, wanted: Closer) -> RuleError {
        let next = self.peek();
        let starts_condition = match &next.token {
            Token::Open => true,
            Token::Word(word) => word.contains('.') || word == "_",
            _ => false,
        };
        if starts_condition {
            error_at(
                next.index,
                RuleProblem::BetweenConditions(describe(&next.token)),
            )
        } else {
            error_at(
                next.index,
                RuleProblem::ExpectedConnective(wanted, describe(&next.token)),
            )
        }
    }

    fn parse_or(&mut self) -> Result<Node, RuleError> {
        let mut nodes = vec![self.parse_and()?];
        while is_keyword(&self.peek().token, "or") {
            self.advance();
            nodes.push(self.parse_and()?);
        }
        Ok(if nodes.len() == 1 {
            nodes.pop().expect("one node")
        } else {
            Node::Or(nodes)
        })
    }

    fn parse_and(&mut self) -> Result<Node, RuleError> {
        let mut nodes = vec![self.parse_not()?];
        while is_keyword(&self.peek().token, "and") {
            self.advance();
            nodes.push(self.parse_not()?);
        }
        Ok(if nodes.len() == 1 {
            nodes.pop().expect("one node")
        } else {
            Node::And(nodes)
        })
    }

    fn parse_not(&mut self) -> Result<Node, RuleError> {
        if is_keyword(&self.peek().token, "not") {
            let not = self.advance();
            self.enter(not.index)?;
            let operand = self.parse_not()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(operand)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Node, RuleError> {
        if self.peek().token == Token::Open {
            let open = self.advance();
            self.enter(open.index)?;
            let node = self.parse_or()?;
            if self.peek().token != Token::Close {
                return Err(self.expected_connective(Closer::Paren(open.index + 1)));
            }
            self.advance();
            self.depth -= 1;
            return Ok(node);
        }
        self.parse_condition()
    }

    fn parse_condition(&mut self) -> Result<Node, RuleError> {
        let start = self.advance();
        let name = match &start.token {
            Token::Word(word) => word.clone(),
            other => {
                return Err(error_at(
                    start.index,
                    RuleProblem::ExpectedCondition(describe(other)),
                ));
            }
        };
        let property = self.resolve_property(&name, start.index)?;
        let op_token = self.advance();
        let op = match keyword(&op_token.token) {
            Some(word) if word.eq_ignore_ascii_case("not") => {
                return Err(error_at(
                    op_token.index,
                    RuleProblem::NotBeforeOperator {
                        name: name.clone(),
                        found: describe(&op_token.token),
                    },
                ));
            }
            Some(word) => match Op::from_word(word) {
                Some(op) => op,
                None if matches!(op_token.token, Token::Dash(_)) => {
                    return Err(error_at(
                        op_token.index,
                        RuleProblem::UnknownOperator {
                            word: truncate(word),
                            name: name.clone(),
                            dates: ["lt", "gt"].iter().any(|w| word.eq_ignore_ascii_case(w)),
                        },
                    ));
                }
                None => return Err(expected_operator(&name, &op_token)),
            },
            None => return Err(expected_operator(&name, &op_token)),
        };
        self.build_condition(&name, property, op, op_token.index)
    }

    /// Resolves a property name in the current scope.
    fn resolve_property(&self, name: &str, index: usize) -> Result<Property, RuleError> {
        let lower = name.to_ascii_lowercase();
        match &self.scope {
            Scope::TextItems(list) => {
                return if name == "_" {
                    Ok(Property::Text(TextSource::Item))
                } else {
                    Err(error_at(
                        index,
                        RuleProblem::ExpectedItem {
                            list: list.clone(),
                            found: truncate(name),
                        },
                    ))
                };
            }
            Scope::Plans(list) => {
                return match lower.strip_prefix("assignedplan.") {
                    Some("serviceplanid") => Ok(Property::Text(TextSource::PlanId)),
                    Some("capabilitystatus") => Ok(Property::Text(TextSource::PlanStatus)),
                    Some("service") => Ok(Property::Text(TextSource::PlanService)),
                    Some(_) => Err(error_at(
                        index,
                        RuleProblem::UnknownItemProperty {
                            name: truncate(name),
                            list: list.clone(),
                        },
                    )),
                    None => Err(error_at(
                        index,
                        RuleProblem::ExpectedPlanField {
                            list: list.clone(),
                            found: truncate(name),
                        },
                    )),
                };
            }
            Scope::User => {}
        }
        if name == "_" || lower.starts_with("assignedplan.") {
            return Err(error_at(index, RuleProblem::ItemAlone(name.to_owned())));
        }
        if lower == "system.now" {
            return Err(error_at(index, RuleProblem::NowAlone));
        }
        if lower.starts_with("device.") {
            return Err(error_at(index, RuleProblem::Device(truncate(name))));
        }
        if lower == "direct" {
            return Err(error_at(index, RuleProblem::DirectReportsCombined(None)));
        }
        let Some(field) = lower.strip_prefix("user.") else {
            return Err(error_at(
                index,
                RuleProblem::ExpectedCondition(Found::Text(truncate(name))),
            ));
        };
        if field.starts_with("extension_") {
            return Err(error_at(
                index,
                RuleProblem::CustomExtension(truncate(name)),
            ));
        }
        let Some((_, origin)) = USER_PROPERTIES
            .iter()
            .find(|(rule_name, _)| rule_name.eq_ignore_ascii_case(field))
        else {
            return Err(error_at(
                index,
                RuleProblem::UnknownProperty {
                    name: truncate(name),
                    suggestion: closest_property(field),
                },
            ));
        };
        resolve_origin(*origin).map_err(|why| {
            error_at(
                index,
                RuleProblem::NotEvaluated {
                    name: name.to_owned(),
                    why,
                },
            )
        })
    }

    fn build_condition(
        &mut self,
        name: &str,
        property: Property,
        op: Op,
        op_index: usize,
    ) -> Result<Node, RuleError> {
        let misfit = |advice: Advice| {
            Err(error_at(
                op_index,
                RuleProblem::Misfit {
                    op: op.name(),
                    name: name.to_owned(),
                    kind: property.kind(),
                    advice,
                },
            ))
        };
        if matches!(op, Op::Any | Op::All) {
            let every = op == Op::All;
            return match property {
                Property::List(source) => {
                    let condition =
                        self.parse_items(op_index, Scope::TextItems(name.to_owned()))?;
                    Ok(Node::Items {
                        source,
                        every,
                        condition: Box::new(condition),
                    })
                }
                Property::Plans => {
                    let condition = self.parse_items(op_index, Scope::Plans(name.to_owned()))?;
                    Ok(Node::Plans {
                        every,
                        condition: Box::new(condition),
                    })
                }
                _ => misfit(Advice::ManyValues),
            };
        }
        let (positive, negated) = op.positive();
        match property {
            Property::Text(source) => {
                if matches!(op, Op::Ge | Op::Le) {
                    return misfit(Advice::DatesOnly);
                }
                let test = self.text_test(name, op)?;
                Ok(
                    guid_comparison(source, &test, negated).unwrap_or(Node::Text {
                        source,
                        test,
                        negated,
                    }),
                )
            }
            Property::List(source) => {
                if matches!(op, Op::Ge | Op::Le) {
                    return misfit(Advice::DatesOnly);
                }
                let test = self.text_test(name, op)?;
                Ok(Node::List {
                    source,
                    test,
                    negated,
                })
            }
            Property::Bool(source) => {
                if positive != Op::Eq {
                    return misfit(Advice::EqNe);
                }
                let (value, index) = self.parse_value()?;
                let expected = match value {
                    Value::Bool(flag) => Some(flag),
                    Value::Null => None,
                    other => {
                        return Err(error_at(
                            index,
                            RuleProblem::ExpectedAfter {
                                expected: Expected::Bool,
                                name: name.to_owned(),
                                op: op.name(),
                                found: other.describe(),
                                note: Note::None,
                            },
                        ));
                    }
                };
                Ok(Node::Bool {
                    source,
                    expected,
                    negated,
                })
            }
            Property::Date(source) => {
                if !matches!(positive, Op::Eq | Op::Ge | Op::Le) {
                    return misfit(Advice::EqNeGeLe);
                }
                let (value, index) = self.parse_value()?;
                let operand = match value {
                    Value::Null if positive == Op::Eq => None,
                    Value::Now(offset) => Some(DateOperand::Now(offset)),
                    Value::Text(ref text) | Value::Bare(ref text) => match parse_date(text) {
                        Some(at) => Some(DateOperand::At(at)),
                        None => {
                            return Err(error_at(
                                index,
                                RuleProblem::ExpectedAfter {
                                    expected: Expected::Date,
                                    name: name.to_owned(),
                                    op: op.name(),
                                    found: value.describe(),
                                    note: Note::None,
                                },
                            ));
                        }
                    },
                    other => {
                        let note = if matches!(other, Value::Null) {
                            Note::NullEqNe
                        } else {
                            Note::None
                        };
                        return Err(error_at(
                            index,
                            RuleProblem::ExpectedAfter {
                                expected: Expected::DateOrNow,
                                name: name.to_owned(),
                                op: op.name(),
                                found: other.describe(),
                                note,
                            },
                        ));
                    }
                };
                let test = match (positive, operand) {
                    (_, None) => DateTest::IsNull,
                    (Op::Ge, Some(operand)) => DateTest::Ge(operand),
                    (Op::Le, Some(operand)) => DateTest::Le(operand),
                    (_, Some(operand)) => DateTest::Eq(operand),
                };
                Ok(Node::Date {
                    source,
                    test,
                    negated,
                })
            }
            Property::Plans => misfit(Advice::Items(name.to_owned())),
        }
    }

    /// The condition of a `-any`/`-all`: in parentheses, or a single (possibly negated) condition.
    ///
    /// Inside it only the item can be named, and items are text, so `-any` cannot nest.
    fn parse_items(&mut self, op_index: usize, scope: Scope) -> Result<Node, RuleError> {
        self.enter(op_index)?;
        let outer = std::mem::replace(&mut self.scope, scope);
        let condition = if self.peek().token == Token::Open {
            self.parse_primary()
        } else {
            self.parse_not()
        };
        self.scope = outer;
        self.depth -= 1;
        condition
    }

    /// The value of a text comparison, compiled into a test.
    fn text_test(&mut self, name: &str, op: Op) -> Result<TextTest, RuleError> {
        let (positive, _) = op.positive();
        let (value, index) = self.parse_value()?;
        let expected_text = |found: &Value| {
            let note = match found {
                Value::Null => Note::NullEqNe,
                Value::Bool(_) => Note::Quote,
                _ => Note::None,
            };
            error_at(
                index,
                RuleProblem::ExpectedAfter {
                    expected: Expected::Text,
                    name: name.to_owned(),
                    op: op.name(),
                    found: found.describe(),
                    note,
                },
            )
        };
        let text = match (&value, positive) {
            (Value::Null, Op::Eq) => return Ok(TextTest::IsNull),
            (Value::List(items), Op::In) => {
                let mut lowers = Vec::with_capacity(items.len());
                for (item, item_index) in items {
                    match item {
                        Value::Text(text) | Value::Bare(text) => lowers.push(fold(text)),
                        other => {
                            return Err(error_at(
                                *item_index,
                                RuleProblem::ExpectedAfter {
                                    expected: Expected::TextInList,
                                    name: name.to_owned(),
                                    op: op.name(),
                                    found: other.describe(),
                                    note: Note::None,
                                },
                            ));
                        }
                    }
                }
                return Ok(TextTest::In(lowers));
            }
            (_, Op::In) => {
                return Err(error_at(
                    index,
                    RuleProblem::ExpectedAfter {
                        expected: Expected::List,
                        name: name.to_owned(),
                        op: op.name(),
                        found: value.describe(),
                        note: Note::None,
                    },
                ));
            }
            (Value::Text(text) | Value::Bare(text), _) => text,
            (other, _) => return Err(expected_text(other)),
        };
        Ok(match positive {
            Op::Eq => TextTest::Eq(fold(text)),
            Op::StartsWith => TextTest::StartsWith(fold(text)),
            Op::EndsWith => TextTest::EndsWith(fold(text)),
            Op::Contains => TextTest::Contains(fold(text)),
            Op::Match => TextTest::Match(compile_regex(text, index)?),
            other => unreachable!("{other:?} is not a text operator"),
        })
    }

    fn parse_value(&mut self) -> Result<(Value, usize), RuleError> {
        let start = self.advance();
        let value = match &start.token {
            Token::Text(text) => Value::Text(text.clone()),
            Token::Bare(text) => Value::Bare(text.clone()),
            Token::Word(word) => match word.to_ascii_lowercase().as_str() {
                "null" | "$null" => Value::Null,
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "system.now" => {
                    self.uses_now = true;
                    Value::Now(self.parse_offsets()?)
                }
                _ => {
                    return Err(error_at(start.index, RuleProblem::BareWord(truncate(word))));
                }
            },
            Token::OpenBracket => Value::List(self.parse_list(start.index)?),
            Token::Open => {
                self.enter(start.index)?;
                let (value, _) = self.parse_value()?;
                let close = self.advance();
                if close.token != Token::Close {
                    return Err(error_at(
                        close.index,
                        RuleProblem::ExpectedCloseParen {
                            open: start.index + 1,
                            found: describe(&close.token),
                        },
                    ));
                }
                self.depth -= 1;
                value
            }
            other => {
                return Err(error_at(
                    start.index,
                    RuleProblem::ExpectedValue(describe(other)),
                ));
            }
        };
        Ok((value, start.index))
    }

    fn parse_list(&mut self, open_index: usize) -> Result<Vec<(Value, usize)>, RuleError> {
        let mut items = Vec::new();
        if self.peek().token == Token::CloseBracket {
            self.advance();
            return Ok(items);
        }
        loop {
            let next = self.peek().clone();
            if matches!(next.token, Token::OpenBracket | Token::Open) {
                return Err(error_at(
                    next.index,
                    RuleProblem::ExpectedInList(describe(&next.token)),
                ));
            }
            items.push(self.parse_value()?);
            let separator = self.advance();
            match separator.token {
                Token::Comma => continue,
                Token::CloseBracket => return Ok(items),
                _ => {
                    return Err(error_at(
                        separator.index,
                        RuleProblem::ExpectedListEnd {
                            open: open_index + 1,
                            found: describe(&separator.token),
                        },
                    ));
                }
            }
        }
    }

    /// `-plus p30d -minus pt1h …` after `system.now`.
    fn parse_offsets(&mut self) -> Result<Offset, RuleError> {
        let mut total = Offset::default();
        loop {
            let sign_token = self.peek().token.clone();
            let subtract = if is_keyword(&sign_token, "plus") {
                false
            } else if is_keyword(&sign_token, "minus") {
                true
            } else {
                return Ok(total);
            };
            let sign = self.advance();
            let duration = self.advance();
            let text = match &duration.token {
                Token::Word(word) | Token::Text(word) => Some(word.clone()),
                Token::Dash(word) => Some(format!("-{word}")),
                _ => None,
            };
            let offset = text.as_deref().and_then(parse_duration).ok_or_else(|| {
                error_at(
                    duration.index,
                    RuleProblem::ExpectedDuration {
                        sign: describe(&sign.token),
                        found: describe(&duration.token),
                    },
                )
            })?;
            let offset = if subtract { offset.negated() } else { offset };
            total = total
                .plus(offset)
                .ok_or_else(|| error_at(duration.index, RuleProblem::DurationOverflow))?;
        }
    }
}

/// An id compared for equality with a GUID in its usual form, as a GUID comparison.
fn guid_comparison(source: TextSource, test: &TextTest, negated: bool) -> Option<Node> {
    let source = match source {
        TextSource::ObjectId => IdSource::ObjectId,
        TextSource::PlanId => IdSource::PlanId,
        _ => return None,
    };
    let TextTest::Eq(lower) = test else {
        return None;
    };
    // Only the hyphenated form: `Uuid::try_parse` also reads forms that the text never equals.
    let id = uuid::Uuid::try_parse(lower).ok()?;
    let mut buffer = [0; uuid::fmt::Hyphenated::LENGTH];
    (id.hyphenated().encode_lower(&mut buffer) == lower).then_some(Node::Id {
        source,
        id,
        negated,
    })
}

fn expected_operator(name: &str, found: &Spanned) -> RuleError {
    error_at(
        found.index,
        RuleProblem::ExpectedOperator {
            name: name.to_owned(),
            found: describe(&found.token),
        },
    )
}

fn compile_regex(pattern: &str, index: usize) -> Result<Regex, RuleError> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map_err(|error| {
            let problem = RegexProblem::of(pattern, &error);
            error_at(
                index,
                RuleProblem::Regex {
                    pattern: truncate(pattern),
                    problem,
                },
            )
        })
}

/// ISO 8601 date-times as Entra ID accepts them: with an offset, without one (UTC), or a date.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

/// `[-]P[nY][nM][nW][nD][T[nH][nM][nS]]`, in any case, with at least one part.
fn parse_duration(text: &str) -> Option<Offset> {
    /// Bounds each number, so that sums stay far from overflow (a million days is 2,700 years).
    const MAX_NUMBER: i64 = 1_000_000;
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = rest.strip_prefix(['p', 'P'])?;
    let mut offset = Offset::default();
    let mut in_time = false;
    let mut number: Option<i64> = None;
    let mut last_rank = 0;
    let mut any_part = false;
    let mut time_part = false;
    for c in rest.chars() {
        if let Some(digit) = c.to_digit(10) {
            let value = number.unwrap_or(0) * 10 + i64::from(digit);
            if value > MAX_NUMBER {
                return None;
            }
            number = Some(value);
            continue;
        }
        if c.eq_ignore_ascii_case(&'t') {
            if in_time || number.is_some() {
                return None;
            }
            in_time = true;
            continue;
        }
        let n = number.take()?;
        let (rank, months, seconds) = match (in_time, c.to_ascii_uppercase()) {
            (false, 'Y') => (1, n * 12, 0),
            (false, 'M') => (2, n, 0),
            (false, 'W') => (3, 0, n * 7 * 86_400),
            (false, 'D') => (4, 0, n * 86_400),
            (true, 'H') => (5, 0, n * 3_600),
            (true, 'M') => (6, 0, n * 60),
            (true, 'S') => (7, 0, n),
            _ => return None,
        };
        if rank <= last_rank {
            return None;
        }
        last_rank = rank;
        any_part = true;
        time_part |= in_time;
        offset = offset.plus(Offset { months, seconds })?;
    }
    if number.is_some() || !any_part || (in_time && !time_part) {
        return None;
    }
    Some(if negative { offset.negated() } else { offset })
}

/// The known property nearest to a misspelt one, if it is close enough to be what was meant.
fn closest_property(field: &str) -> Option<&'static str> {
    USER_PROPERTIES
        .iter()
        .map(|(name, _)| (*name, edit_distance(&name.to_ascii_lowercase(), field)))
        .filter(|(_, distance)| *distance <= 2)
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("now")?;
        if self.months != 0 {
            write!(f, "{:+}mo", self.months)?;
        }
        if self.seconds != 0 {
            write!(f, "{:+}s", self.seconds)?;
        }
        Ok(())
    }
}

impl fmt::Display for DateOperand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateOperand::At(at) => f.write_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            DateOperand::Now(offset) => offset.fmt(f),
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;
    use crate::attributes::Attributes;
    use crate::directory::{LicenseAssignment, UserType};
    use crate::types::{MailNickname, SkuId, UsageLocation, UserPrincipalName};

    // --- parsing ----------------------------------------------------------

    /// Parses `input` and compares an S-expression of the compiled condition (which shows the
    /// grouping and where each property is read) or the error's Display with `expected`.
    #[track_caller]
    fn check(input: &str, expected: &str) {
        let actual = match MembershipRule::parse(input) {
            Ok(rule) => {
                assert_eq!(rule.as_str(), input, "the rule keeps its text");
                sexp(&rule.condition)
            }
            Err(error) => error.to_string(),
        };
        assert_eq!(actual, expected, "input: {input:?}");
    }

    fn sexp(node: &Node) -> String {
        let join = |nodes: &[Node]| nodes.iter().map(sexp).collect::<Vec<_>>().join(" ");
        match node {
            Node::And(nodes) => format!("(and {})", join(nodes)),
            Node::Or(nodes) => format!("(or {})", join(nodes)),
            Node::Not(node) => format!("(not {})", sexp(node)),
            Node::Text {
                source,
                test,
                negated,
            } => test_sexp(&text_source_name(*source), test, *negated),
            Node::List {
                source,
                test,
                negated,
            } => test_sexp(&format!("{}[*]", list_name(*source)), test, *negated),
            Node::Id {
                source,
                id,
                negated,
            } => {
                let name = match source {
                    IdSource::ObjectId => "id",
                    IdSource::PlanId => "servicePlanId",
                };
                format!("({} {name} #{id})", if *negated { "ne" } else { "eq" })
            }
            Node::Bool {
                source,
                expected,
                negated,
            } => {
                let name = match source {
                    BoolSource::AccountEnabled => "accountEnabled",
                    BoolSource::Attribute(index) => USER_ATTRIBUTES[*index].graph_path,
                };
                let expected = expected.map_or("null".to_owned(), |flag| flag.to_string());
                format!("({} {name} {expected})", if *negated { "ne" } else { "eq" })
            }
            Node::Date {
                source,
                test,
                negated,
            } => {
                let DateSource::Attribute(index) = source;
                let name = USER_ATTRIBUTES[*index].graph_path;
                let (op, operand) = match test {
                    DateTest::IsNull => ("null", None),
                    DateTest::Eq(operand) => ("eq", Some(operand)),
                    DateTest::Ge(operand) => ("ge", Some(operand)),
                    DateTest::Le(operand) => ("le", Some(operand)),
                };
                let op = negated_name(op, *negated);
                match operand {
                    Some(operand) => format!("({op} {name} {operand})"),
                    None => format!("({op} {name})"),
                }
            }
            Node::Items {
                source,
                every,
                condition,
            } => format!(
                "({} {} {})",
                if *every { "all" } else { "any" },
                list_name(*source),
                sexp(condition)
            ),
            Node::Plans { every, condition } => format!(
                "({} assignedPlans {})",
                if *every { "all" } else { "any" },
                sexp(condition)
            ),
            Node::DirectReports(manager_id) => format!("(directReports {manager_id})"),
        }
    }

    fn negated_name(name: &str, negated: bool) -> String {
        match (name, negated) {
            (name, false) => name.to_owned(),
            ("null", true) => "notNull".to_owned(),
            ("eq", true) => "ne".to_owned(),
            (name, true) => format!("not{}{}", name[..1].to_uppercase(), &name[1..]),
        }
    }

    fn test_sexp(subject: &str, test: &TextTest, negated: bool) -> String {
        let (name, operand) = match test {
            TextTest::IsNull => ("null", None),
            TextTest::Eq(lower) => ("eq", Some(format!("{lower:?}"))),
            TextTest::StartsWith(lower) => ("startsWith", Some(format!("{lower:?}"))),
            TextTest::EndsWith(lower) => ("endsWith", Some(format!("{lower:?}"))),
            TextTest::Contains(lower) => ("contains", Some(format!("{lower:?}"))),
            TextTest::Match(regex) => ("match", Some(format!("/{}/", regex.as_str()))),
            TextTest::In(lowers) => {
                let items: Vec<String> = lowers.iter().map(|lower| format!("{lower:?}")).collect();
                ("in", Some(format!("[{}]", items.join(" "))))
            }
        };
        let name = negated_name(name, negated);
        match operand {
            Some(operand) => format!("({name} {subject} {operand})"),
            None => format!("({name} {subject})"),
        }
    }

    fn text_source_name(source: TextSource) -> String {
        match source {
            TextSource::Attribute(index) => USER_ATTRIBUTES[index].graph_path.to_owned(),
            TextSource::FirstOf(index) => format!("{}[0]", USER_ATTRIBUTES[index].graph_path),
            TextSource::SipAddress(index) => format!("sip({})", USER_ATTRIBUTES[index].graph_path),
            TextSource::DisplayName => "displayName".to_owned(),
            TextSource::UserPrincipalName => "userPrincipalName".to_owned(),
            TextSource::MailNickname => "mailNickname".to_owned(),
            TextSource::ObjectId => "id".to_owned(),
            TextSource::UserType => "userType".to_owned(),
            TextSource::UsageLocation => "usageLocation".to_owned(),
            TextSource::Item => "_".to_owned(),
            TextSource::PlanId => "servicePlanId".to_owned(),
            TextSource::PlanStatus => "capabilityStatus".to_owned(),
            TextSource::PlanService => "service".to_owned(),
        }
    }

    fn list_name(source: ListSource) -> &'static str {
        let ListSource::Attribute(index) = source;
        USER_ATTRIBUTES[index].graph_path
    }

    #[test]
    fn microsoft_examples_parse() {
        check("user.department -eq \"Sales\"", "(eq department \"sales\")");
        check(
            "(user.department -eq \"Sales\") -or (user.department -eq \"Marketing\")",
            "(or (eq department \"sales\") (eq department \"marketing\"))",
        );
        check(
            "(user.department -eq \"Sales\") -and -not (user.jobTitle -startsWith \"SDE\")",
            "(and (eq department \"sales\") (not (startsWith jobTitle \"sde\")))",
        );
        check(
            "   user.department -in [\"50001\",\"50002\",\"50003\",\"50005\",\"50006\"]",
            "(in department [\"50001\" \"50002\" \"50003\" \"50005\" \"50006\"])",
        );
        check(
            "user.employeehiredate -ge system.now -plus p1d ",
            "(ge employeeHireDate now+86400s)",
        );
        check(
            "user.employeehiredate -le 2020-06-10T18:13:20Z",
            "(le employeeHireDate 2020-06-10T18:13:20Z)",
        );
        check(
            "user.displayName -match \"^Da.*\"",
            "(match displayName /^Da.*/)",
        );
        check(
            "user.displayName -match \".*vid\"",
            "(match displayName /.*vid/)",
        );
        check("   user.mail –ne null", "(notNull mail)");
        check(
            "   user.department –eq \"Marketing\" –and user.country –eq \"US\"",
            "(and (eq department \"marketing\") (eq country \"us\"))",
        );
        check(
            "   user.country –eq \"US\" –and (user.department –eq \"Marketing\" –or user.department –eq \"Sales\")",
            "(and (eq country \"us\") (or (eq department \"marketing\") (eq department \"sales\")))",
        );
        check(
            "user.assignedPlans -any (assignedPlan.servicePlanId -eq \"efb87545-963c-4e0d-99df-69c6916d9eb0\" -and assignedPlan.capabilityStatus -eq \"Enabled\")",
            "(any assignedPlans (and (eq servicePlanId #efb87545-963c-4e0d-99df-69c6916d9eb0) (eq capabilityStatus \"enabled\")))",
        );
        check(
            "user.assignedPlans -any (assignedPlan.service -eq \"SCO\" -and assignedPlan.capabilityStatus -eq \"Enabled\")",
            "(any assignedPlans (and (eq service \"sco\") (eq capabilityStatus \"enabled\")))",
        );
        check(
            "user.assignedPlans -all (assignedPlan.servicePlanId -eq null)",
            "(all assignedPlans (null servicePlanId))",
        );
        check(
            "user.assignedPlans -all (assignedPlan.servicePlanId -eq \"\")",
            "(all assignedPlans (eq servicePlanId \"\"))",
        );
        check(
            "(user.proxyAddresses -any (_ -startsWith \"contoso\"))",
            "(any proxyAddresses (startsWith _ \"contoso\"))",
        );
        check(
            "(user.proxyAddresses -any (_ -contains \"contoso\"))",
            "(any proxyAddresses (contains _ \"contoso\"))",
        );
        check(
            "Direct Reports for \"aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb\"",
            "(directReports aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb)",
        );
        check(
            "                    Direct Reports for \"62e19b97-8b3d-4d4a-a106-4ce66896a863\"",
            "(directReports 62e19b97-8b3d-4d4a-a106-4ce66896a863)",
        );
        check("user.objectId -ne null", "(notNull id)");
        check(
            "(user.objectId -ne null) -and (user.userType -eq \"Member\")",
            "(and (notNull id) (eq userType \"member\"))",
        );
        check(
            "(user.extensionAttribute15 -eq \"Marketing\")",
            "(eq onPremisesExtensionAttributes/extensionAttribute15 \"marketing\")",
        );
        check("user.accountEnabled -eq true", "(eq accountEnabled true)");
        check(
            "user.dirSyncEnabled -eq true",
            "(eq onPremisesSyncEnabled true)",
        );
        check(
            "user.employeeHireDate -eq \"2024-01-31T00:00:00Z\"",
            "(eq employeeHireDate 2024-01-31T00:00:00Z)",
        );
        check(
            "user.mail -notEndsWith \"@Contoso.com\"",
            "(notEndsWith mail \"@contoso.com\")",
        );
        check(
            "user.mailNickname -endsWith \"-vendor\"",
            "(endsWith mailNickname \"-vendor\")",
        );
        check(
            "user.mailNickName -eq \"value\"",
            "(eq mailNickname \"value\")",
        );
        check("user.employeeId -ne null", "(notNull employeeId)");
        check("user.employeeId -ne \"null\"", "(ne employeeId \"null\")");
        check(
            "user.onPremisesDistinguishedName -eq \"value\"",
            "(eq onPremisesDistinguishedName \"value\")",
        );
        check(
            "user.passwordPolicies -eq \"DisableStrongPassword\"",
            "(eq passwordPolicies \"disablestrongpassword\")",
        );
        check(
            "user.preferredLanguage -eq \"en-US\"",
            "(eq preferredLanguage \"en-us\")",
        );
        check("user.usageLocation -eq \"US\"", "(eq usageLocation \"us\")");
        check(
            "user.userPrincipalName -eq \"alias@domain\"",
            "(eq userPrincipalName \"alias@domain\")",
        );
        check(
            "user.otherMails -startsWith \"alias@domain\"",
            "(startsWith otherMails[*] \"alias@domain\")",
        );
        check(
            "user.otherMails -endsWith\"@contoso.com\"",
            "(endsWith otherMails[*] \"@contoso.com\")",
        );
        check(
            "user.proxyAddresses -startsWith \"SMTP: alias@domain\"",
            "(startsWith proxyAddresses[*] \"smtp: alias@domain\")",
        );
        check(
            "user.proxyAddresses -notEndsWith \"@outlook.com\"",
            "(notEndsWith proxyAddresses[*] \"@outlook.com\")",
        );
        check(
            "(user.proxyAddresses -contains \"SMTP: alias@domain\")",
            "(contains proxyAddresses[*] \"smtp: alias@domain\")",
        );
        check("user.city -match \".*?ago.*\"", "(match city /.*?ago.*/)");
        check("user.city -startswith \"Lag\"", "(startsWith city \"lag\")");
        check(
            "( user.employeeHireDate -ge (system.now -minus P30D) -and user.employeeHireDate -le system.now ) -and ( user.department -eq \"Finance\" )",
            "(and (and (ge employeeHireDate now-2592000s) (le employeeHireDate now)) (eq department \"finance\"))",
        );
        check(
            "user.employeeHireDate -ge (system.now -plus P7D) -and user.employeeHireDate -le (system.now -plus P7DT3H)",
            "(and (ge employeeHireDate now+604800s) (le employeeHireDate now+615600s))",
        );
    }

    #[test]
    fn every_user_property_resolves_where_graph_keeps_it() {
        let cases = [
            ("city", "city"),
            ("country", "country"),
            ("companyName", "companyName"),
            ("displayName", "displayName"),
            ("employeeId", "employeeId"),
            ("facsimileTelephoneNumber", "faxNumber"),
            ("givenName", "givenName"),
            ("jobTitle", "jobTitle"),
            ("mail", "mail"),
            ("mobile", "mobilePhone"),
            ("objectId", "id"),
            ("physicalDeliveryOfficeName", "officeLocation"),
            ("postalCode", "postalCode"),
            ("sipProxyAddress", "sip(proxyAddresses)"),
            ("state", "state"),
            ("streetAddress", "streetAddress"),
            ("surname", "surname"),
            ("telephoneNumber", "businessPhones[0]"),
            ("userType", "userType"),
            (
                "extensionAttribute1",
                "onPremisesExtensionAttributes/extensionAttribute1",
            ),
        ];
        for (rule_name, graph) in cases {
            check(
                &format!("user.{rule_name} -eq \"x\""),
                &format!("(eq {graph} \"x\")"),
            );
        }
        // Every entry of the table resolves (an attribute renamed in attributes.rs would panic
        // here rather than in a tenant's rule), and no rule name is listed twice.
        for (rule_name, origin) in USER_PROPERTIES {
            let _ = resolve_origin(*origin);
            let twins = USER_PROPERTIES
                .iter()
                .filter(|(other, _)| other.eq_ignore_ascii_case(rule_name))
                .count();
            assert_eq!(twins, 1, "{rule_name}");
        }
    }

    #[test]
    fn operators_and_names_ignore_case_and_hyphens() {
        check(
            "USER.DEPARTMENT -EQ \"Sales\" -AND User.City -StartsWith \"Ams\"",
            "(and (eq department \"sales\") (startsWith city \"ams\"))",
        );
        check(
            "user.department eq \"Sales\" and not user.city startsWith \"A\"",
            "(and (eq department \"sales\") (not (startsWith city \"a\")))",
        );
        check(
            "user.proxyAddresses any (_ startsWith \"smtp:\") or user.mail ne null",
            "(or (any proxyAddresses (startsWith _ \"smtp:\")) (notNull mail))",
        );
        check("user.department -eq $null", "(null department)");
        check("user.department -eq $NULL", "(null department)");
        check("user.accountEnabled -eq TRUE", "(eq accountEnabled true)");
        check("user.accountEnabled -ne False", "(ne accountEnabled false)");
        check(
            "user.dirSyncEnabled -eq null",
            "(eq onPremisesSyncEnabled null)",
        );
        check("user.department-eq\"Sales\"", "(eq department \"sales\")");
        check("user.department —eq \"Sales\"", "(eq department \"sales\")");
        check(
            "direct reports FOR \"62e19b97-8b3d-4d4a-a106-4ce66896a863\"",
            "(directReports 62e19b97-8b3d-4d4a-a106-4ce66896a863)",
        );
    }

    #[test]
    fn values() {
        check(
            "user.department -eq \"say `\"hi`\"\"",
            "(eq department \"say \\\"hi\\\"\")",
        );
        check("user.department -eq \"a``b\"", "(eq department \"a`b\")");
        check("user.department -eq \"a`b\"", "(eq department \"a`b\")");
        check(
            "user.department -eq `\"Sales`\"",
            "(eq department \"\\\"sales\\\"\")",
        );
        check(
            "user.department -in ['Sales','O''Brien']",
            "(in department [\"sales\" \"o'brien\"])",
        );
        check("user.department -in []", "(in department [])");
        check(
            "user.department -notIn [\"A\"]",
            "(notIn department [\"a\"])",
        );
        check("user.employeeId -eq 12345", "(eq employeeId \"12345\")");
        check(
            "user.department -in [50001, 50002]",
            "(in department [\"50001\" \"50002\"])",
        );
        check("user.department -eq \"\"", "(eq department \"\")");
        check("user.city -eq \"ZÜRICH\"", "(eq city \"zürich\")");
        check(
            "user.employeeHireDate -ge \"2024-01-31\"",
            "(ge employeeHireDate 2024-01-31T00:00:00Z)",
        );
        check(
            "user.employeeHireDate -ge \"2024-01-31T09:30:00\"",
            "(ge employeeHireDate 2024-01-31T09:30:00Z)",
        );
        check(
            "user.employeeHireDate -ge 2024-01-31T10:30:00+01:00",
            "(ge employeeHireDate 2024-01-31T09:30:00Z)",
        );
        check(
            "user.objectId -eq \"BBBBBBBB-0000-4000-8000-000000000002\"",
            "(eq id #bbbbbbbb-0000-4000-8000-000000000002)",
        );
        check(
            "user.objectId -ne \"{bbbbbbbb-0000-4000-8000-000000000002}\"",
            "(ne id \"{bbbbbbbb-0000-4000-8000-000000000002}\")",
        );
        check(
            "user.objectId -eq \"bbbbbbbb000040008000000000000002\"",
            "(eq id \"bbbbbbbb000040008000000000000002\")",
        );
        check("user.employeeHireDate -eq null", "(null employeeHireDate)");
        check(
            "user.employeeHireDate -ne null",
            "(notNull employeeHireDate)",
        );
        check(
            "user.employeeHireDate -ne 2024-01-31",
            "(ne employeeHireDate 2024-01-31T00:00:00Z)",
        );
    }

    #[test]
    fn durations() {
        for (duration, expected) in [
            ("p1d", "now+86400s"),
            ("P30D", "now+2592000s"),
            ("pt1h", "now+3600s"),
            ("PT90M", "now+5400s"),
            ("PT45S", "now+45s"),
            ("P2W", "now+1209600s"),
            ("P1Y", "now+12mo"),
            ("P1Y2M", "now+14mo"),
            ("P1M1D", "now+1mo+86400s"),
            ("P7DT3H", "now+615600s"),
            ("-p30d", "now-2592000s"),
            ("\"P1D\"", "now+86400s"),
        ] {
            check(
                &format!("user.employeeHireDate -ge system.now -plus {duration}"),
                &format!("(ge employeeHireDate {expected})"),
            );
        }
        check(
            "user.employeeHireDate -le system.now -minus P1Y -plus p1d",
            "(le employeeHireDate now-12mo+86400s)",
        );
        check(
            "user.employeeHireDate -ge system.now -minus -p1d",
            "(ge employeeHireDate now+86400s)",
        );
        for bad in [
            "p",
            "pt",
            "30d",
            "p1h",
            "pt1d",
            "p1dt",
            "p1d1y",
            "p1.5d",
            "p9999999d",
            "p1dd",
        ] {
            let rule = format!("user.employeeHireDate -ge system.now -plus {bad}");
            let error = MembershipRule::parse(&rule).unwrap_err();
            assert!(
                error
                    .problem
                    .to_string()
                    .starts_with("expected a duration such as p30d"),
                "{bad}: {error}"
            );
            assert_eq!(error.position, 44, "{bad}");
        }
    }

    #[test]
    fn precedence() {
        check(
            "user.city -eq \"a\" -or user.city -eq \"b\" -and user.city -eq \"c\"",
            "(or (eq city \"a\") (and (eq city \"b\") (eq city \"c\")))",
        );
        check(
            "user.city -eq \"a\" -and user.city -eq \"b\" -or user.city -eq \"c\"",
            "(or (and (eq city \"a\") (eq city \"b\")) (eq city \"c\"))",
        );
        check(
            "-not user.city -eq \"a\" -and user.city -eq \"b\"",
            "(and (not (eq city \"a\")) (eq city \"b\"))",
        );
        check(
            "-not user.city -eq \"a\" -or user.city -eq \"b\"",
            "(or (not (eq city \"a\")) (eq city \"b\"))",
        );
        check(
            "-not -not user.city -eq \"a\"",
            "(not (not (eq city \"a\")))",
        );
        check(
            "-not (user.city -eq \"a\" -or user.city -eq \"b\")",
            "(not (or (eq city \"a\") (eq city \"b\")))",
        );
        check("((user.city -eq \"a\"))", "(eq city \"a\")");
        check(
            "user.proxyAddresses -any _ -startsWith \"smtp:\" -and user.city -eq \"a\"",
            "(and (any proxyAddresses (startsWith _ \"smtp:\")) (eq city \"a\"))",
        );
        check(
            "user.proxyAddresses -all (-not (_ -endsWith \"@outlook.com\"))",
            "(all proxyAddresses (not (endsWith _ \"@outlook.com\")))",
        );
        check(
            "user.proxyAddresses -all -not _ -endsWith \"@outlook.com\"",
            "(all proxyAddresses (not (endsWith _ \"@outlook.com\")))",
        );
        check(
            "user.otherMails -any (_ -in [\"a@b.example\"] -or _ -match \"^x\")",
            "(any otherMails (or (in _ [\"a@b.example\"]) (match _ /^x/)))",
        );
    }

    #[test]
    fn invalid_rules_say_where_and_what_was_expected() {
        check(
            "user.departmnt -eq \"Sales\"",
            "the membership rule is invalid at position 1: unknown property user.departmnt (did you mean user.department?)",
        );
        check(
            "user.invalidProperty -eq \"Value\"",
            "the membership rule is invalid at position 1: unknown property user.invalidProperty",
        );
        check(
            "user.createdDateTime -ge system.now",
            "the membership rule is invalid at position 1: unknown property user.createdDateTime",
        );
        check(
            "user.department \"Sales\"",
            "the membership rule is invalid at position 17: expected an operator such as -eq after user.department, found \"Sales\"",
        );
        check(
            "user.department",
            "the membership rule is invalid at position 16: expected an operator such as -eq after user.department, found the end of the rule",
        );
        check(
            "user.department -eq \"Sales",
            "the membership rule is invalid at position 21: unterminated string: the \" here has no closing \"",
        );
        check(
            "user.department -eq 'Sales",
            "the membership rule is invalid at position 21: unterminated string: the ' here has no closing '",
        );
        check(
            "user.department -eq \"Sales`\"",
            "the membership rule is invalid at position 21: unterminated string: the \" here has no closing \"",
        );
        check(
            "user.department -equals \"x\"",
            "the membership rule is invalid at position 17: unknown operator -equals after user.department: the operators are -eq, -ne, -startsWith, -notStartsWith, -endsWith, -notEndsWith, -contains, -notContains, -match, -notMatch, -in, -notIn, -ge, -le, -any, -all",
        );
        check(
            "user.employeeHireDate -gt system.now",
            "the membership rule is invalid at position 23: unknown operator -gt after user.employeeHireDate: dates are compared with -ge and -le",
        );
        check(
            "(user.accountEnabled -contains true)",
            "the membership rule is invalid at position 22: operator -contains does not apply to user.accountEnabled, which is true or false: compare it with -eq or -ne",
        );
        check(
            "user.department -ge \"x\"",
            "the membership rule is invalid at position 17: operator -ge does not apply to user.department, which is text: -ge and -le compare dates, such as user.employeeHireDate",
        );
        check(
            "user.proxyAddresses -le \"x\"",
            "the membership rule is invalid at position 21: operator -le does not apply to user.proxyAddresses, which is a list of text: -ge and -le compare dates, such as user.employeeHireDate",
        );
        check(
            "user.employeeHireDate -startsWith \"2024\"",
            "the membership rule is invalid at position 23: operator -startsWith does not apply to user.employeeHireDate, which is a date: compare it with -eq, -ne, -ge or -le",
        );
        check(
            "user.department -any (_ -eq \"x\")",
            "the membership rule is invalid at position 17: operator -any does not apply to user.department, which is text: -any and -all apply to properties with many values, such as user.proxyAddresses, user.otherMails and user.assignedPlans",
        );
        check(
            "user.assignedPlans -eq null",
            "the membership rule is invalid at position 20: operator -eq does not apply to user.assignedPlans, which is a list of assigned plans: test its items with -any or -all, as in user.assignedPlans -any (assignedPlan.capabilityStatus -eq \"Enabled\")",
        );
        check(
            "(user.department -eq \"Sales\") (user.department -eq \"Marketing\")",
            "the membership rule is invalid at position 31: expected -and or -or between two conditions, found '('",
        );
        check(
            "user.department -eq \"Sales\" user.city -eq \"x\"",
            "the membership rule is invalid at position 29: expected -and or -or between two conditions, found user.city",
        );
        check(
            "(user.userPrincipalName -match \"*@domain.ext\")",
            "the membership rule is invalid at position 32: invalid regular expression \"*@domain.ext\": a repetition (*, + or ?) follows nothing it could repeat",
        );
        check(
            "user.displayName -match \"^(?=a)\"",
            "the membership rule is invalid at position 25: invalid regular expression \"^(?=a)\": look-ahead and look-behind are not supported",
        );
        // The usual mistakes by name (worded in every language the admin center speaks), the
        // rest as the regex crate says it.
        for (pattern, problem) in [
            ("(ab", RegexProblem::UnclosedGroup),
            ("ab)", RegexProblem::UnopenedGroup),
            ("[ab", RegexProblem::UnclosedClass),
            ("a{3,1}", RegexProblem::BadRepetition),
            ("a{2", RegexProblem::BadRepetition),
            ("\\q", RegexProblem::BadEscape),
            ("[z-a]", RegexProblem::BackwardRange),
            ("(a)\\1", RegexProblem::Backreference),
            ("a(?<!b)", RegexProblem::LookAround),
            ("+a", RegexProblem::NothingToRepeat),
            (
                "\\p{Nonsense}",
                RegexProblem::Other("Unicode property not found".into()),
            ),
        ] {
            // A backslash is itself inside a rule's quotes.
            let rule = format!("user.displayName -match \"{pattern}\"");
            let error = MembershipRule::parse(&rule).expect_err(pattern);
            match error.problem {
                RuleProblem::Regex { problem: found, .. } => {
                    assert_eq!(found, problem, "{pattern}")
                }
                other => panic!("{pattern}: {other:?}"),
            }
        }
        check(
            "user.accountEnabled -eq \"True\"",
            "the membership rule is invalid at position 25: expected true or false after user.accountEnabled -eq, found \"True\"",
        );
        check(
            "user.department -eq Sales",
            "the membership rule is invalid at position 21: expected a value such as \"Sales\", null, true or false, found Sales: write text in double quotes",
        );
        check(
            "user.department -eq true",
            "the membership rule is invalid at position 21: expected a string such as \"Sales\" after user.department -eq, found true (write text in double quotes)",
        );
        check(
            "user.department -startsWith null",
            "the membership rule is invalid at position 29: expected a string such as \"Sales\" after user.department -startsWith, found null (null can only be compared with -eq or -ne)",
        );
        check(
            "user.employeeHireDate -ge null",
            "the membership rule is invalid at position 27: expected a date such as 2024-01-31T00:00:00Z or system.now after user.employeeHireDate -ge, found null (null can only be compared with -eq or -ne)",
        );
        check(
            "user.employeeHireDate -ge \"yesterday\"",
            "the membership rule is invalid at position 27: expected a date such as 2024-01-31T00:00:00Z after user.employeeHireDate -ge, found \"yesterday\"",
        );
        check(
            "user.department -eq system.now",
            "the membership rule is invalid at position 21: expected a string such as \"Sales\" after user.department -eq, found system.now",
        );
        check(
            "user.mail -not null",
            "the membership rule is invalid at position 11: expected an operator such as -eq after user.mail, found -not: -not negates a whole condition, as in -not (user.mail -eq null); to compare, write user.mail -ne …",
        );
        check(
            "(user.department -eq \"Sales\"",
            "the membership rule is invalid at position 29: expected -and, -or or ')' to close the '(' at position 1, found the end of the rule",
        );
        check(
            "user.department -eq \"Sales\")",
            "the membership rule is invalid at position 28: found ')' without a '(' that it closes",
        );
        check(
            "user.department -eq \"a\" -xor user.city -eq \"b\"",
            "the membership rule is invalid at position 25: expected -and, -or or the end of the rule, found -xor",
        );
        check(
            "",
            "the membership rule is invalid at position 1: expected a condition such as user.department -eq \"Sales\", found the end of the rule",
        );
        check(
            "   ",
            "the membership rule is invalid at position 4: expected a condition such as user.department -eq \"Sales\", found the end of the rule",
        );
        check(
            "user.department -eq \"a\" -and",
            "the membership rule is invalid at position 29: expected a condition such as user.department -eq \"Sales\", found the end of the rule",
        );
        check(
            "user.department -eq “Sales”",
            "the membership rule is invalid at position 21: unexpected character '“': write strings in straight double quotes (\")",
        );
        check(
            "user.department -eq \"a\" & user.city -eq \"b\"",
            "the membership rule is invalid at position 25: unexpected character '&'",
        );
        check(
            "user.department - eq \"a\"",
            "the membership rule is invalid at position 17: expected an operator such as -eq or -and after '-'",
        );
        check(
            "user.department -in \"Sales\"",
            "the membership rule is invalid at position 21: expected a list such as [\"a\",\"b\"] after user.department -in, found \"Sales\"",
        );
        check(
            "user.department -in [\"a\", null]",
            "the membership rule is invalid at position 27: expected a string in the list after user.department -in, found null",
        );
        check(
            "user.department -in [\"a\" \"b\"]",
            "the membership rule is invalid at position 26: expected ',' or ']' to close the list that opens at position 21, found \"b\"",
        );
        check(
            "user.department -in [[\"a\"]]",
            "the membership rule is invalid at position 22: expected a string in the list, found '['",
        );
        check(
            "user.department -eq (\"a\"",
            "the membership rule is invalid at position 25: expected ')' to close the '(' at position 21, found the end of the rule",
        );
        // Positions count characters, not bytes: "ü" is one.
        check(
            "user.city -eq \"Zürich\" -and user.departmnt -eq \"x\"",
            "the membership rule is invalid at position 29: unknown property user.departmnt (did you mean user.department?)",
        );
    }

    #[test]
    fn items_and_unsupported_properties_are_refused_with_reasons() {
        check(
            "user.memberOf -any (group.objectId -in ['aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb'])",
            "the membership rule is invalid at position 1: user.memberOf is not supported: roster does not evaluate rules on membership of other groups; combine those groups' own conditions instead",
        );
        check(
            "user.onPremisesSecurityIdentifier -eq \"S-1-1-11-1111111111\"",
            "the membership rule is invalid at position 1: user.onPremisesSecurityIdentifier is not supported: roster does not keep on-premises security identifiers",
        );
        check(
            "device.deviceOSType -eq \"iPad\"",
            "the membership rule is invalid at position 1: device.deviceOSType is not supported: roster's dynamic groups contain users, not devices",
        );
        check(
            "user.extension_c272a57b722d4eb29bfe327874ae79cb_OfficeNumber -eq \"123\"",
            "the membership rule is invalid at position 1: user.extension_c272a57b722d4eb29bfe327874ae79cb_OfficeNumber is not supported: roster has no custom extension properties; user.extensionAttribute1 to user.extensionAttribute15 are",
        );
        check(
            "_ -eq \"x\"",
            "the membership rule is invalid at position 1: _ names an item of a -any or -all condition, as in user.proxyAddresses -any (_ -startsWith \"smtp:\"), and cannot stand alone",
        );
        check(
            "system.now -ge user.employeeHireDate",
            "the membership rule is invalid at position 1: system.now is a value: compare a date with it, as in user.employeeHireDate -ge system.now",
        );
        check(
            "user.proxyAddresses -any (user.department -eq \"x\")",
            "the membership rule is invalid at position 27: expected _ (an item of user.proxyAddresses) inside -any or -all, found user.department",
        );
        check(
            "user.assignedPlans -any (assignedPlan.skuId -eq \"x\")",
            "the membership rule is invalid at position 26: unknown property assignedPlan.skuId: an item of user.assignedPlans has assignedPlan.servicePlanId, assignedPlan.capabilityStatus or assignedPlan.service",
        );
        check(
            "user.assignedPlans -any (_ -eq \"x\")",
            "the membership rule is invalid at position 26: expected assignedPlan.servicePlanId, assignedPlan.capabilityStatus or assignedPlan.service (an item of user.assignedPlans) inside -any or -all, found _",
        );
        check(
            "user.proxyAddresses -any (_ -any (_ -eq \"x\"))",
            "the membership rule is invalid at position 29: operator -any does not apply to _, which is text: -any and -all apply to properties with many values, such as user.proxyAddresses, user.otherMails and user.assignedPlans",
        );
        check(
            "Direct Reports for \"not-a-guid\"",
            "the membership rule is invalid at position 20: expected the manager's object id (a GUID), found \"not-a-guid\"",
        );
        check(
            "Direct Reports \"62e19b97-8b3d-4d4a-a106-4ce66896a863\"",
            "the membership rule is invalid at position 16: expected Direct Reports for \"<manager's object id>\", found \"62e19b97-8b3d-4d4a-a106-4ce66896a863\"",
        );
        check(
            "Direct Reports for \"62e19b97-8b3d-4d4a-a106-4ce66896a863\" -and user.department -eq \"x\"",
            "the membership rule is invalid at position 59: a Direct Reports rule cannot be combined with other conditions, found -and",
        );
        check(
            "user.department -eq \"x\" -or Direct Reports for \"62e19b97-8b3d-4d4a-a106-4ce66896a863\"",
            "the membership rule is invalid at position 29: a Direct Reports rule cannot be combined with other conditions",
        );
    }

    #[test]
    fn length_and_depth_are_bounded() {
        let padding = "x".repeat(MembershipRule::MAX_LEN - "user.department -eq \"\"".len());
        let longest = format!("user.department -eq \"{padding}\"");
        assert_eq!(longest.chars().count(), MembershipRule::MAX_LEN);
        assert!(MembershipRule::parse(&longest).is_ok());
        // The limit counts characters: 3,072 of "é" are 6,144 bytes and still allowed.
        let accented = format!("user.department -eq \"{}\"", "é".repeat(padding.len()));
        assert!(MembershipRule::parse(&accented).is_ok());
        check(
            &format!("user.department -eq \"{padding}x\""),
            "the membership rule is invalid at position 3073: a rule may have at most 3072 characters, this one has 3073",
        );
        let deep = format!("{}user.city -eq \"a\"{}", "(".repeat(100), ")".repeat(100));
        assert!(MembershipRule::parse(&deep).is_ok());
        let too_deep = format!("{}user.city -eq \"a\"{}", "(".repeat(101), ")".repeat(101));
        check(
            &too_deep,
            "the membership rule is invalid at position 101: the rule nests parentheses, -not and -any more than 100 deep",
        );
        let nots = format!("{}user.city -eq \"a\"", "-not ".repeat(101));
        assert_eq!(MembershipRule::parse(&nots).unwrap_err().position, 501);
    }

    // --- evaluation ---------------------------------------------------------

    fn now() -> DateTime<Utc> {
        "2025-06-01T00:00:00Z".parse().unwrap()
    }

    const MEGAN_ID: &str = "bbbbbbbb-0000-4000-8000-000000000002";
    const EXCHANGE_ONLINE_PLAN_2: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";

    fn new_user(id: Uuid, alias: &str, display_name: &str) -> User {
        User {
            id: ObjectId::from(id),
            user_principal_name: UserPrincipalName::parse(&format!("{alias}@contoso.example"))
                .unwrap(),
            display_name: display_name.to_owned(),
            mail_nickname: MailNickname::parse(alias).unwrap(),
            account_enabled: true,
            user_type: UserType::Member,
            usage_location: None,
            force_change_password_next_sign_in: false,
            manager_id: None,
            created: now() - TimeDelta::days(400),
            deleted: None,
            sign_in_sessions_valid_from: now(),
            attributes: Attributes::default(),
            licenses: Vec::new(),
            inherited_licenses: Vec::new(),
        }
    }

    fn set(user: &mut User, graph_path: &str, value: AttrValue) {
        user.attributes.set(graph_path, value);
    }

    fn text(value: &str) -> AttrValue {
        AttrValue::Text(value.to_owned())
    }

    fn list(values: &[&str]) -> AttrValue {
        AttrValue::TextList(values.iter().map(|value| value.to_string()).collect())
    }

    fn license(part_number: &str, disabled_plan_names: &[&str]) -> LicenseAssignment {
        let sku = Catalog::builtin().by_part_number(part_number).unwrap();
        let disabled_plans = disabled_plan_names
            .iter()
            .map(|name| {
                sku.service_plans
                    .iter()
                    .find(|plan| plan.service_plan_name == *name)
                    .unwrap_or_else(|| panic!("{part_number} has no plan {name}"))
                    .service_plan_id
            })
            .collect();
        LicenseAssignment {
            sku_id: SkuId::from(sku.sku_id),
            disabled_plans,
        }
    }

    /// Four users that differ in every way the rules below test; named by first name.
    /// Rules with a plain requirement, in each form [`RuleSet`] looks up, and with values in
    /// other cases and with accents (the population has Sales, Marketing, Ventes; Zürich).
    fn requirement_rules() -> Vec<MembershipRule> {
        [
            "user.department -eq \"SALES\"",
            "user.department -in [\"marketing\", \"Legal\", \"marketing\"]",
            "(user.department -eq \"Ventes\") -or (user.department -in [\"Sales\"])",
            "(user.department -eq \"Sales\") -and (user.city -startsWith \"am\")",
            "(user.city -startsWith \"z\") -and (user.city -eq \"ZÜRICH\")",
            "user.department -eq \"\"",
            "(user.department -eq \"Sales\") -or (user.country -eq \"BE\")",
            "user.department -ne \"Sales\"",
        ]
        .iter()
        .map(|text| MembershipRule::parse(text).unwrap())
        .collect()
    }

    #[test]
    fn a_rule_set_looks_up_the_rules_with_a_plain_requirement() {
        let rules = requirement_rules();
        let set = RuleSet::new(rules.iter().map(Some).collect());
        // Only the -or over two attributes and the -ne are tested on every user.
        assert_eq!(set.always, [6, 7]);
        let names = |user: &User| {
            set.matches(user, now())
                .iter()
                .enumerate()
                .filter(|(_, holds)| **holds)
                .map(|(index, _)| index)
                .collect::<Vec<_>>()
        };
        let population = population();
        let adele = population
            .iter()
            .find(|u| u.display_name == "Adele Vance")
            .unwrap();
        assert_eq!(names(adele), [0, 2, 3, 6]);
        let zoe = population
            .iter()
            .find(|u| u.display_name.starts_with("Zo"))
            .unwrap();
        assert_eq!(names(zoe), [2, 4, 7]);
    }

    fn population() -> Vec<User> {
        let megan_id = Uuid::parse_str(MEGAN_ID).unwrap();

        let mut adele = new_user(
            Uuid::parse_str("bbbbbbbb-0000-4000-8000-000000000001").unwrap(),
            "adele.vance",
            "Adele Vance",
        );
        set(&mut adele, "department", text("Sales"));
        set(&mut adele, "country", text("NL"));
        set(&mut adele, "city", text("Amsterdam"));
        set(&mut adele, "jobTitle", text("Account Manager"));
        set(&mut adele, "mail", text("adele.vance@contoso.example"));
        set(
            &mut adele,
            "proxyAddresses",
            list(&[
                "SMTP:adele.vance@contoso.example",
                "smtp:sales@contoso.example",
                "SIP:adele.vance@contoso.example",
            ]),
        );
        set(&mut adele, "otherMails", list(&["adele@home.example"]));
        set(&mut adele, "businessPhones", list(&["+31 20 555 0101"]));
        set(&mut adele, "mobilePhone", text("+31 6 5550101"));
        set(&mut adele, "officeLocation", text("AMS-1"));
        set(&mut adele, "employeeId", text("10001"));
        set(
            &mut adele,
            "onPremisesExtensionAttributes/extensionAttribute1",
            text("Cost-100"),
        );
        set(
            &mut adele,
            "employeeHireDate",
            AttrValue::DateTime(now() - TimeDelta::days(10)),
        );
        adele.usage_location = Some(UsageLocation::parse("NL").unwrap());
        adele.manager_id = Some(ObjectId::from(megan_id));
        adele.licenses = vec![license("ENTERPRISEPACK", &[])];

        let mut megan = new_user(megan_id, "megan.bowen", "Megan Bowen");
        set(&mut megan, "department", text("Marketing"));
        set(&mut megan, "country", text("BE"));
        set(&mut megan, "jobTitle", text("SDE Lead"));
        set(
            &mut megan,
            "proxyAddresses",
            list(&["SMTP:megan.bowen@contoso.example"]),
        );
        set(&mut megan, "faxNumber", text("+32 2 555 0199"));
        set(
            &mut megan,
            "passwordPolicies",
            text("DisablePasswordExpiration"),
        );
        set(&mut megan, "onPremisesSyncEnabled", AttrValue::Bool(true));
        set(
            &mut megan,
            "employeeHireDate",
            AttrValue::DateTime("2024-04-27T00:00:00Z".parse().unwrap()),
        );
        megan.usage_location = Some(UsageLocation::parse("BE").unwrap());
        megan.licenses = vec![license("EXCHANGEENTERPRISE", &["EXCHANGE_S_ENTERPRISE"])];

        let mut zoe = new_user(
            Uuid::parse_str("bbbbbbbb-0000-4000-8000-000000000003").unwrap(),
            "zoe.muller",
            "Zoë Müller",
        );
        set(&mut zoe, "department", text("Ventes"));
        set(&mut zoe, "city", text("Zürich"));
        set(&mut zoe, "country", text("CH"));
        set(&mut zoe, "jobTitle", text("Ingénieure \"senior\""));
        zoe.user_type = UserType::Guest;
        zoe.account_enabled = false;

        let mut lee = new_user(
            Uuid::parse_str("bbbbbbbb-0000-4000-8000-000000000004").unwrap(),
            "lee.gu",
            "Lee Gu",
        );
        set(&mut lee, "jobTitle", text("sde intern"));
        set(&mut lee, "country", text("US"));
        set(
            &mut lee,
            "otherMails",
            list(&["lee@home.example", "lee.gu@partner.example"]),
        );
        set(&mut lee, "onPremisesSyncEnabled", AttrValue::Bool(false));
        set(
            &mut lee,
            "employeeHireDate",
            AttrValue::DateTime(now() + TimeDelta::days(5)),
        );
        lee.usage_location = Some(UsageLocation::parse("US").unwrap());
        lee.manager_id = Some(ObjectId::from(megan_id));
        lee.licenses = vec![license("EMS", &[])];

        vec![adele, megan, zoe, lee]
    }

    fn first_name(user: &User) -> String {
        user.display_name.split(' ').next().unwrap().to_lowercase()
    }

    /// The first names of the users of [`population`] that `rule` selects at `at`.
    fn members_at(rule: &str, at: DateTime<Utc>) -> String {
        let rule = MembershipRule::parse(rule).unwrap_or_else(|error| panic!("{rule:?}: {error}"));
        population()
            .iter()
            .filter(|user| rule.matches(user, at))
            .map(first_name)
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[track_caller]
    fn check_members(rule: &str, expected: &str) {
        assert_eq!(members_at(rule, now()), expected, "rule: {rule}");
    }

    #[test]
    fn a_rule_names_the_attributes_it_reads() {
        let index = |path| crate::attributes::find_attribute(path).unwrap().0;
        let rule = MembershipRule::parse(
            "(user.department -eq \"Sales\") -and (user.proxyAddresses -any (_ -startsWith \"smtp:a\")) \
             -and (user.accountEnabled -eq true) -and (user.displayName -ne null) -or (user.department -eq \"Legal\")",
        )
        .unwrap();
        let mut expected = vec![index("department"), index("proxyAddresses")];
        expected.sort_unstable();
        assert_eq!(rule.attributes_read(), expected);
        assert!(!rule.reads_licenses());
        let rule = MembershipRule::parse("user.objectId -ne null").unwrap();
        assert!(rule.attributes_read().is_empty());
        let rule = MembershipRule::parse(
            "(user.department -eq \"assignedPlans\") -or -not (user.assignedPlans -any (assignedPlan.capabilityStatus -eq \"Enabled\"))",
        )
        .unwrap();
        assert!(rule.reads_licenses());
        let rule = MembershipRule::parse("user.department -eq \"assignedPlans\"").unwrap();
        assert!(
            !rule.reads_licenses(),
            "a value that spells the name is not a read"
        );
    }

    #[test]
    fn text_operators() {
        check_members("user.department -eq \"sales\"", "adele");
        check_members("user.department -eq \"SALES\"", "adele");
        check_members("user.department -ne \"Sales\"", "megan zoë lee");
        check_members("user.department -eq null", "lee");
        check_members("user.department -ne null", "adele megan zoë");
        check_members("user.department -eq \"\"", "lee");
        check_members("user.department -startsWith \"mAR\"", "megan");
        check_members("user.department -notStartsWith \"mar\"", "adele zoë lee");
        check_members("user.department -endsWith \"TES\"", "zoë");
        check_members("user.department -notEndsWith \"s\"", "megan lee");
        check_members("user.department -contains \"KET\"", "megan");
        check_members("user.department -notContains \"e\"", "lee");
        check_members("user.department -in [\"sales\",\"VENTES\"]", "adele zoë");
        check_members("user.department -notIn [\"sales\",\"VENTES\"]", "megan lee");
        check_members("user.country -in [\"NL\",\"be\"]", "adele megan");
        check_members("user.department -in []", "");
        check_members("user.department -notIn []", "adele megan zoë lee");
    }

    #[test]
    fn unicode_text_compares_case_insensitively() {
        check_members("user.city -eq \"ZÜRICH\"", "zoë");
        check_members("user.city -startsWith \"zü\"", "zoë");
        check_members("user.city -endsWith \"RICH\"", "zoë");
        check_members("user.city -contains \"ÜR\"", "zoë");
        check_members("user.city -contains \"ur\"", "");
        check_members("user.displayName -eq \"ZOË MÜLLER\"", "zoë");
        check_members("user.displayName -match \"^zoë m\"", "zoë");
    }

    #[test]
    fn regular_expressions_search_anywhere_ignoring_case() {
        check_members("user.displayName -match \"^Da.*\"", "");
        check_members("user.displayName -match \"^ad\"", "adele");
        check_members("user.displayName -match \"gu$\"", "lee");
        check_members("user.displayName -match \"van\"", "adele");
        check_members("user.displayName -match \".*VID\"", "");
        check_members("user.displayName -notMatch \"^(adele|megan)\"", "zoë lee");
        check_members("user.jobTitle -match \"^sde\\b\"", "megan lee");
        check_members("user.department -match \"^$\"", "lee");
    }

    #[test]
    fn properties_read_where_roster_keeps_them() {
        check_members("user.accountEnabled -eq false", "zoë");
        check_members("user.accountEnabled -eq true", "adele megan lee");
        check_members("user.accountEnabled -ne true", "zoë");
        check_members("user.accountEnabled -eq null", "");
        check_members("user.dirSyncEnabled -eq true", "megan");
        check_members("user.dirSyncEnabled -eq false", "adele zoë lee");
        check_members("user.userType -eq \"guest\"", "zoë");
        check_members("user.userType -eq \"Member\"", "adele megan lee");
        check_members("user.usageLocation -eq null", "zoë");
        check_members("user.usageLocation -in [\"nl\", \"us\"]", "adele lee");
        check_members("user.objectId -ne null", "adele megan zoë lee");
        check_members(
            "user.objectId -eq \"BBBBBBBB-0000-4000-8000-000000000002\"",
            "megan",
        );
        check_members(
            "user.objectId -startsWith \"bbbbbbbb-\"",
            "adele megan zoë lee",
        );
        check_members(
            "user.objectId -ne \"bbbbbbbb-0000-4000-8000-000000000002\"",
            "adele zoë lee",
        );
        check_members(
            "user.objectId -eq \"{bbbbbbbb-0000-4000-8000-000000000002}\"",
            "",
        );
        check_members("user.mailNickName -eq \"Adele.Vance\"", "adele");
        check_members(
            "user.userPrincipalName -endsWith \"@CONTOSO.example\"",
            "adele megan zoë lee",
        );
        check_members("user.displayName -startsWith \"lee\"", "lee");
        check_members("user.telephoneNumber -startsWith \"+31\"", "adele");
        check_members("user.mobile -ne null", "adele");
        check_members("user.facsimileTelephoneNumber -startsWith \"+32\"", "megan");
        check_members("user.physicalDeliveryOfficeName -eq \"ams-1\"", "adele");
        check_members("user.extensionAttribute1 -eq \"cost-100\"", "adele");
        check_members("user.employeeId -eq 10001", "adele");
        check_members(
            "user.sipProxyAddress -eq \"adele.vance@contoso.example\"",
            "adele",
        );
        check_members("user.sipProxyAddress -eq null", "megan zoë lee");
        check_members("user.passwordPolicies -contains \"expiration\"", "megan");
        check_members("user.mail -ne null", "adele");
    }

    #[test]
    fn lists_directly_and_with_any_and_all() {
        check_members(
            "user.proxyAddresses -any (_ -startsWith \"smtp:sales\")",
            "adele",
        );
        check_members("user.proxyAddresses -any _ -contains \"sales\"", "adele");
        check_members("user.proxyAddresses -startsWith \"SMTP:megan\"", "megan");
        check_members(
            "user.proxyAddresses -notEndsWith \"@contoso.example\"",
            "zoë lee",
        );
        check_members("user.proxyAddresses -eq null", "zoë lee");
        check_members("user.proxyAddresses -ne null", "adele megan");
        check_members(
            "user.proxyAddresses -all (_ -endsWith \"@contoso.example\")",
            "adele megan zoë lee",
        );
        check_members(
            "user.proxyAddresses -all (_ -startsWith \"smtp:\")",
            "megan zoë lee",
        );
        check_members(
            "user.proxyAddresses -any (_ -in [\"smtp:SALES@contoso.example\"])",
            "adele",
        );
        check_members(
            "user.otherMails -any (_ -endsWith \"@partner.example\")",
            "lee",
        );
        check_members("user.otherMails -contains \"home\"", "adele lee");
        check_members("user.otherMails -eq \"lee@home.example\"", "lee");
        check_members(
            "user.otherMails -any (_ -startsWith \"lee\" -and -not (_ -contains \"partner\"))",
            "lee",
        );
        check_members(
            "user.otherMails -all (_ -startsWith \"lee\" -and _ -contains \"partner\")",
            "megan zoë",
        );
    }

    #[test]
    fn assigned_plans_come_from_licenses_and_the_catalog() {
        let example_1 = format!(
            "user.assignedPlans -any (assignedPlan.servicePlanId -eq \"{EXCHANGE_ONLINE_PLAN_2}\" -and assignedPlan.capabilityStatus -eq \"Enabled\")"
        );
        check_members(&example_1, "adele");
        check_members(
            &format!(
                "user.assignedPlans -any (assignedPlan.servicePlanId -eq \"{}\" -and assignedPlan.capabilityStatus -eq \"deleted\")",
                EXCHANGE_ONLINE_PLAN_2.to_uppercase()
            ),
            "megan",
        );
        // Lee's EMS holds Intune (INTUNE_A); Adele's Office 365 E3 holds Intune's mobile device
        // management for Office 365 (INTUNE_O365), which Graph also files under SCO.
        check_members(
            "user.assignedPlans -any (assignedPlan.service -eq \"SCO\" -and assignedPlan.capabilityStatus -eq \"Enabled\")",
            "adele lee",
        );
        check_members(
            "user.assignedPlans -any (assignedPlan.service -eq \"SCO\" -and -not (assignedPlan.servicePlanId -eq \"882e1d05-acd1-4ccb-8708-6ee03664b117\"))",
            "lee",
        );
        check_members(
            "user.assignedPlans -all (assignedPlan.servicePlanId -eq null)",
            "zoë",
        );
        // EMS holds Exchange Foundation (EXCHANGE_S_FOUNDATION), an Exchange plan too.
        check_members(
            "user.assignedPlans -any (assignedPlan.service -eq \"exchange\")",
            "adele megan lee",
        );
        check_members(
            "user.assignedPlans -any (assignedPlan.service -eq \"Exchange\" -and assignedPlan.capabilityStatus -eq \"Enabled\")",
            "adele lee",
        );
        check_members(
            "user.assignedPlans -all (assignedPlan.capabilityStatus -eq \"Enabled\")",
            "adele zoë lee",
        );
        check_members(
            "user.assignedPlans -any (assignedPlan.servicePlanId -ne null)",
            "adele megan lee",
        );
    }

    #[test]
    fn plan_services_name_real_plans() {
        let catalog = Catalog::builtin();
        for (prefix, service) in PLAN_SERVICES {
            let known = catalog
                .iter()
                .flat_map(|sku| &sku.service_plans)
                .any(|plan| plan.service_plan_name.starts_with(prefix));
            assert!(known, "no plan starts with {prefix} ({service})");
        }
        let intune = catalog
            .iter()
            .flat_map(|sku| &sku.service_plans)
            .find(|plan| plan.service_plan_name == "INTUNE_A")
            .unwrap();
        assert_eq!(plan_service(intune), Some("SCO"));
    }

    #[test]
    fn dates_and_system_now() {
        check_members(
            "user.employeeHireDate -ge system.now -minus p30d",
            "adele lee",
        );
        check_members(
            "user.employeeHireDate -ge (system.now -minus P30D) -and user.employeeHireDate -le system.now",
            "adele",
        );
        check_members("user.employeeHireDate -ge system.now", "lee");
        check_members(
            "user.employeeHireDate -ge system.now -plus -p30d",
            "adele lee",
        );
        check_members("user.employeeHireDate -le system.now -minus P1Y", "megan");
        check_members("user.employeeHireDate -le system.now -minus P1Y2M", "");
        check_members("user.employeeHireDate -le 2025-01-01", "megan");
        check_members(
            "user.employeeHireDate -eq \"2024-04-27T00:00:00Z\"",
            "megan",
        );
        check_members(
            "user.employeeHireDate -eq 2024-04-27T02:00:00+02:00",
            "megan",
        );
        check_members("user.employeeHireDate -ne 2024-04-27", "adele zoë lee");
        check_members("user.employeeHireDate -eq null", "zoë");
        check_members("user.employeeHireDate -ne null", "adele megan lee");
        // The same rule at a later time: Adele's hire is then more than 30 days ago.
        let later = now() + TimeDelta::days(30);
        assert_eq!(
            members_at("user.employeeHireDate -ge system.now -minus p30d", later),
            "lee"
        );
        assert!(
            MembershipRule::parse("user.employeeHireDate -ge system.now")
                .unwrap()
                .depends_on_time()
        );
        assert!(
            MembershipRule::parse("user.employeeHireDate -ge (system.now)")
                .unwrap()
                .depends_on_time()
        );
        assert!(
            !MembershipRule::parse("user.employeeHireDate -ge 2024-01-01")
                .unwrap()
                .depends_on_time()
        );
    }

    #[test]
    fn direct_reports() {
        let rule_text = format!("Direct Reports for \"{MEGAN_ID}\"");
        check_members(&rule_text, "adele lee");
        let rule = MembershipRule::parse(&rule_text).unwrap();
        assert_eq!(
            rule.direct_reports_for(),
            Some(ObjectId::parse(MEGAN_ID).unwrap())
        );
        assert!(!rule.depends_on_time());
        check_members(
            "Direct Reports for \"bbbbbbbb-0000-4000-8000-000000000001\"",
            "",
        );
        assert_eq!(
            MembershipRule::parse("user.objectId -ne null")
                .unwrap()
                .direct_reports_for(),
            None
        );
    }

    #[test]
    fn precedence_and_not_decide_membership() {
        check_members(
            "user.department -eq \"Sales\" -or user.department -eq \"Marketing\" -and user.country -eq \"NL\"",
            "adele",
        );
        check_members(
            "(user.department -eq \"Sales\" -or user.department -eq \"Marketing\") -and user.country -eq \"BE\"",
            "megan",
        );
        check_members(
            "-not user.department -eq \"Sales\" -and user.accountEnabled -eq true",
            "megan lee",
        );
        check_members(
            "-not (user.department -eq \"Sales\" -and user.accountEnabled -eq true)",
            "megan zoë lee",
        );
        check_members(
            "(user.department -eq \"Sales\") -and -not (user.jobTitle -startsWith \"SDE\")",
            "adele",
        );
        check_members(
            "not user.jobTitle -startsWith \"sde\" or user.country -eq \"US\"",
            "adele zoë lee",
        );
        check_members(
            "(user.objectId -ne null) -and (user.userType -eq \"Member\")",
            "adele megan lee",
        );
    }

    #[test]
    fn backtick_escapes_reach_the_value() {
        check_members("user.jobTitle -contains \"`\"senior`\"\"", "zoë");
        check_members("user.jobTitle -eq \"Ingénieure `\"SENIOR`\"\"", "zoë");
        check_members("user.jobTitle -endsWith `\"senior`\"", "zoë");
        check_members("user.jobTitle -contains \"senior\"", "zoë");
    }

    #[test]
    fn folding_functions() {
        // (text, folded constant, eq, starts, ends, contains)
        let cases = [
            ("Sales", "sales", true, true, true, true),
            ("Sales", "sa", false, true, false, true),
            ("Sales", "les", false, false, true, true),
            ("Sales", "", false, true, true, true),
            ("", "", true, true, true, true),
            ("Zürich", "zürich", true, true, true, true),
            ("ZÜRICH", "zür", false, true, false, true),
            ("Zürich", "zur", false, false, false, false),
            ("STRASSE", "straße", false, false, false, false),
            ("Ab", "abc", false, false, false, false),
            ("abc", "é", false, false, false, false),
        ];
        for (text, lower, eq, starts, ends, contains) in cases {
            assert_eq!(eq_folded(text, lower), eq, "{text} eq {lower}");
            assert_eq!(
                starts_with_folded(text, lower),
                starts,
                "{text} starts {lower}"
            );
            assert_eq!(ends_with_folded(text, lower), ends, "{text} ends {lower}");
            assert_eq!(
                contains_folded(text, lower),
                contains,
                "{text} contains {lower}"
            );
        }
    }

    /// A batch shaped like production's (rules over many users): every rule's count must match
    /// what the users were built to hold. It prints the rough cost of one evaluation, which is
    /// informative only: this is a debug build on a shared machine, so nothing is asserted on it.
    #[test]
    fn a_batch_of_rules_over_many_users_selects_the_expected_users() {
        const N_USERS: usize = 10_000;
        const DEPARTMENTS: [&str; 4] = ["Sales", "Marketing", "Finance", "Ventes"];
        const COUNTRIES: [&str; 3] = ["NL", "BE", "US"];
        let office = license("ENTERPRISEPACK", &[]);
        let users: Vec<User> = (0..N_USERS)
            .map(|i| {
                let mut user = new_user(
                    Uuid::from_u128(i as u128 + 1),
                    &format!("user{i}"),
                    &format!("User {i}"),
                );
                set(&mut user, "department", text(DEPARTMENTS[i % 4]));
                set(&mut user, "country", text(COUNTRIES[i % 3]));
                let mut addresses = vec![format!("SMTP:user{i}@contoso.example")];
                if i % 10 == 0 {
                    addresses.push(format!("smtp:sales{i}@contoso.example"));
                }
                set(&mut user, "proxyAddresses", AttrValue::TextList(addresses));
                set(
                    &mut user,
                    "employeeHireDate",
                    AttrValue::DateTime(now() - TimeDelta::days((i % 100) as i64)),
                );
                user.account_enabled = i % 5 != 0;
                if i % 2 == 0 {
                    user.licenses = vec![office.clone()];
                }
                user
            })
            .collect();
        type Expected = fn(usize) -> bool;
        let rules: [(&str, Expected); 9] = [
            ("user.department -eq \"sales\"", |i| i % 4 == 0),
            ("user.department -in [\"Sales\",\"Finance\"]", |i| {
                i % 2 == 0
            }),
            ("user.department -contains \"ket\"", |i| i % 4 == 1),
            (
                "user.country -eq \"NL\" -and user.accountEnabled -eq true",
                |i| i % 3 == 0 && i % 5 != 0,
            ),
            (
                "user.proxyAddresses -any (_ -startsWith \"smtp:sales\")",
                |i| i % 10 == 0,
            ),
            ("user.employeeHireDate -ge system.now -minus p30d", |i| {
                i % 100 <= 30
            }),
            (
                "user.assignedPlans -any (assignedPlan.servicePlanId -eq \"efb87545-963c-4e0d-99df-69c6916d9eb0\" -and assignedPlan.capabilityStatus -eq \"Enabled\")",
                |i| i % 2 == 0,
            ),
            ("user.displayName -match \"^user 1\"", |i| {
                i.to_string().starts_with('1')
            }),
            ("user.objectId -ne null", |_| true),
        ];
        let parsed: Vec<MembershipRule> = rules
            .iter()
            .map(|(rule_text, _)| MembershipRule::parse(rule_text).unwrap())
            .collect();
        // Users outer, rules inner, as a caller re-evaluating all groups should loop: each
        // user's attributes are then read from cache by every rule after the first.
        let at = now();
        let started = Instant::now();
        let selected: Vec<Vec<bool>> = users
            .iter()
            .map(|user| parsed.iter().map(|rule| rule.matches(user, at)).collect())
            .collect();
        let elapsed = started.elapsed();
        for (i, row) in selected.iter().enumerate() {
            for ((rule_text, expected), selected) in rules.iter().zip(row) {
                assert_eq!(*selected, expected(i), "{rule_text}, user {i}");
            }
        }
        let n_evaluations = rules.len() * N_USERS;
        eprintln!(
            "{n_evaluations} evaluations, about {} ns each (informative only: unoptimised build, shared machine)",
            elapsed.as_nanos() / n_evaluations as u128
        );
    }

    // --- properties -------------------------------------------------------

    /// A small model of the language with an obvious evaluator, to check the real one against.
    #[derive(Debug, Clone)]
    enum Model {
        Text {
            property: usize,
            op: usize,
            value: usize,
        },
        In {
            property: usize,
            values: Vec<usize>,
            negated: bool,
        },
        Enabled {
            value: bool,
            negated: bool,
        },
        Not(Box<Model>),
        And(Vec<Model>),
        Or(Vec<Model>),
    }

    const MODEL_PROPERTIES: [&str; 3] = ["department", "city", "jobTitle"];
    const MODEL_OPS: [&str; 8] = [
        "eq",
        "ne",
        "startsWith",
        "notStartsWith",
        "endsWith",
        "notEndsWith",
        "contains",
        "notContains",
    ];
    const MODEL_VALUES: [&str; 12] = [
        "sales",
        "SALES",
        "Sa",
        "es",
        "",
        "zü",
        "ZÜRICH",
        "Ingénieure \"senior\"",
        "`",
        "a`b",
        "Marketing",
        "e",
    ];

    fn model_fold(text: &str) -> String {
        text.chars().flat_map(char::to_lowercase).collect()
    }

    fn model_eval(model: &Model, user: &User) -> bool {
        let value = |property: usize| {
            model_fold(
                user.attributes
                    .text(MODEL_PROPERTIES[property])
                    .unwrap_or(""),
            )
        };
        match model {
            Model::Text {
                property,
                op,
                value: constant,
            } => {
                let text = value(*property);
                let constant = model_fold(MODEL_VALUES[*constant]);
                match MODEL_OPS[*op] {
                    "eq" => text == constant,
                    "ne" => text != constant,
                    "startsWith" => text.starts_with(&constant),
                    "notStartsWith" => !text.starts_with(&constant),
                    "endsWith" => text.ends_with(&constant),
                    "notEndsWith" => !text.ends_with(&constant),
                    "contains" => text.contains(&constant),
                    "notContains" => !text.contains(&constant),
                    other => unreachable!("{other}"),
                }
            }
            Model::In {
                property,
                values,
                negated,
            } => {
                let text = value(*property);
                values
                    .iter()
                    .any(|constant| model_fold(MODEL_VALUES[*constant]) == text)
                    != *negated
            }
            Model::Enabled { value, negated } => (user.account_enabled == *value) != *negated,
            Model::Not(inner) => !model_eval(inner, user),
            Model::And(models) => models.iter().all(|inner| model_eval(inner, user)),
            Model::Or(models) => models.iter().any(|inner| model_eval(inner, user)),
        }
    }

    /// Style choices (hyphen or not, letter case, optional parentheses) drawn from `bits`.
    struct Style {
        bits: Vec<bool>,
        at: usize,
    }

    impl Style {
        fn next(&mut self) -> bool {
            let bit = self.bits.get(self.at).copied().unwrap_or(false);
            self.at += 1;
            bit
        }

        fn keyword(&mut self, name: &str) -> String {
            let hyphen = if self.next() { "-" } else { "" };
            let name = if self.next() {
                name.to_uppercase()
            } else {
                name.to_owned()
            };
            format!("{hyphen}{name}")
        }
    }

    fn quote(text: &str) -> String {
        format!("\"{}\"", text.replace('`', "``").replace('"', "`\""))
    }

    fn print_model(model: &Model, style: &mut Style) -> String {
        let print_child = |child: &Model, style: &mut Style, must_group: bool| {
            let printed = print_model(child, style);
            if must_group || style.next() {
                format!("({printed})")
            } else {
                printed
            }
        };
        match model {
            Model::Text {
                property,
                op,
                value,
            } => format!(
                "user.{} {} {}",
                MODEL_PROPERTIES[*property],
                style.keyword(MODEL_OPS[*op]),
                quote(MODEL_VALUES[*value])
            ),
            Model::In {
                property,
                values,
                negated,
            } => {
                let items: Vec<String> = values.iter().map(|v| quote(MODEL_VALUES[*v])).collect();
                format!(
                    "user.{} {} [{}]",
                    MODEL_PROPERTIES[*property],
                    style.keyword(if *negated { "notIn" } else { "in" }),
                    items.join(", ")
                )
            }
            Model::Enabled { value, negated } => format!(
                "user.accountEnabled {} {value}",
                style.keyword(if *negated { "ne" } else { "eq" })
            ),
            Model::Not(inner) => {
                let compound = matches!(**inner, Model::And(_) | Model::Or(_));
                let keyword = style.keyword("not");
                format!("{keyword} {}", print_child(inner, style, compound))
            }
            Model::And(models) => {
                let parts: Vec<String> = models
                    .iter()
                    .map(|inner| print_child(inner, style, matches!(inner, Model::Or(_))))
                    .collect();
                let keyword = style.keyword("and");
                parts.join(&format!(" {keyword} "))
            }
            Model::Or(models) => {
                let parts: Vec<String> = models
                    .iter()
                    .map(|inner| print_child(inner, style, false))
                    .collect();
                let keyword = style.keyword("or");
                parts.join(&format!(" {keyword} "))
            }
        }
    }

    fn model_leaf() -> impl Strategy<Value = Model> {
        prop_oneof![
            (
                0..MODEL_PROPERTIES.len(),
                0..MODEL_OPS.len(),
                0..MODEL_VALUES.len()
            )
                .prop_map(|(property, op, value)| Model::Text {
                    property,
                    op,
                    value
                }),
            (
                0..MODEL_PROPERTIES.len(),
                prop::collection::vec(0..MODEL_VALUES.len(), 0..4),
                any::<bool>()
            )
                .prop_map(|(property, values, negated)| Model::In {
                    property,
                    values,
                    negated
                }),
            (any::<bool>(), any::<bool>())
                .prop_map(|(value, negated)| Model::Enabled { value, negated }),
        ]
    }

    fn model_rule() -> impl Strategy<Value = Model> {
        model_leaf().prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|model| Model::Not(Box::new(model))),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Model::And),
                prop::collection::vec(inner, 2..4).prop_map(Model::Or),
            ]
        })
    }

    #[rustfmt::skip]
    const FRAGMENTS: &[&str] = &[
        "user.department", "user.proxyAddresses", "user.assignedPlans", "user.employeeHireDate",
        "user.accountEnabled", "user.objectId", "assignedPlan.servicePlanId", "_", "device.x",
        " -eq ", " -ne ", " -startsWith ", " -notContains ", " -any ", " -all ", " -in ",
        " -match ", " -ge ", " -le ", " -and ", " -or ", "-not ", " not ", " and ", " eq ",
        "(", ")", "[", "]", ",", "\"Sales\"", "\"", "`", "`\"", "'", "''", "null", "$null",
        "true", "system.now", " -plus ", " -minus ", "p30d", "-p1d", "PT1H", "2020-06-10T18:13:20Z",
        "12345", "Direct Reports for ", "\"62e19b97-8b3d-4d4a-a106-4ce66896a863\"", " ", "é",
        "–", "\"^a.*(\"", "\"[a-z]+\"", "“",
    ];

    fn noise() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..24)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(input in any::<String>()) {
            match MembershipRule::parse(&input) {
                Ok(rule) => prop_assert_eq!(rule.as_str(), input.as_str()),
                Err(error) => {
                    prop_assert!(error.position >= 1);
                    prop_assert!(error.position <= input.chars().count() + 1);
                }
            }
        }

        #[test]
        fn noise_never_panics_and_what_parses_evaluates(input in noise()) {
            match MembershipRule::parse(&input) {
                Ok(rule) => {
                    prop_assert_eq!(rule.as_str(), input.as_str());
                    // A user read with only the attributes the rule reads is judged alike.
                    let read = rule.attributes_read();
                    for user in population() {
                        let mut partial = user.clone();
                        for index in 0..crate::attributes::USER_ATTRIBUTES.len() {
                            if !read.contains(&index) {
                                partial.attributes.set_at(index, AttrValue::Null);
                            }
                        }
                        prop_assert_eq!(rule.matches(&user, now()), rule.matches(&partial, now()));
                    }
                }
                Err(error) => {
                    prop_assert!(error.position >= 1);
                    prop_assert!(error.position <= input.chars().count() + 1, "{}", error);
                    prop_assert!(!error.problem.to_string().is_empty());
                }
            }
        }

        #[test]
        fn generated_rules_parse_and_agree_with_the_model(
            model in model_rule(),
            bits in prop::collection::vec(any::<bool>(), 0..64),
        ) {
            let printed = print_model(&model, &mut Style { bits, at: 0 });
            let rule = MembershipRule::parse(&printed)
                .map_err(|error| TestCaseError::fail(format!("{printed:?}: {error}")))?;
            prop_assert_eq!(rule.as_str(), printed.as_str());
            for user in population() {
                prop_assert_eq!(
                    rule.matches(&user, now()),
                    model_eval(&model, &user),
                    "{} for {}", printed, user.display_name
                );
            }
        }

        #[test]
        fn a_rule_set_agrees_with_its_rules_one_by_one(
            models in prop::collection::vec(model_rule(), 1..5),
            bits in prop::collection::vec(any::<bool>(), 0..64),
        ) {
            let mut rules = Vec::new();
            for model in &models {
                let printed = print_model(model, &mut Style { bits: bits.clone(), at: 0 });
                rules.push(
                    MembershipRule::parse(&printed)
                        .map_err(|error| TestCaseError::fail(format!("{printed:?}: {error}")))?,
                );
            }
            rules.extend(requirement_rules());
            let set = RuleSet::new(rules.iter().map(Some).chain([None]).collect());
            for user in population() {
                let verdicts = set.matches(&user, now());
                for (rule, verdict) in rules.iter().zip(&verdicts) {
                    prop_assert_eq!(*verdict, rule.matches(&user, now()), "{} for {}", rule.as_str(), user.display_name);
                }
                prop_assert!(!verdicts[rules.len()], "a group without a rule takes in nobody");
            }
        }

        #[test]
        fn folding_agrees_with_lowercasing(
            text in "[aAäÄsSßẞİiIσΣςkK\u{212A} ]{0,6}",
            constant in "[aAäÄsSßẞİiIσΣςkK\u{212A} ]{0,4}",
        ) {
            let folded_text = fold(&text);
            let lower = fold(&constant);
            prop_assert_eq!(eq_folded(&text, &lower), folded_text == lower);
            prop_assert_eq!(starts_with_folded(&text, &lower), folded_text.starts_with(&lower));
            prop_assert_eq!(ends_with_folded(&text, &lower), folded_text.ends_with(&lower));
            prop_assert_eq!(contains_folded(&text, &lower), folded_text.contains(&lower));
        }

        #[test]
        fn day_and_hour_durations_add_up(days in 0u32..10_000, hours in 0u32..10_000) {
            let rule = MembershipRule::parse(&format!(
                "user.employeeHireDate -ge system.now -plus P{days}DT{hours}H"
            ))
            .unwrap();
            let expected = i64::from(days) * 86_400 + i64::from(hours) * 3_600;
            let Node::Date { test: DateTest::Ge(DateOperand::Now(offset)), .. } = rule.condition else {
                return Err(TestCaseError::fail("not a date test"));
            };
            prop_assert_eq!(offset, Offset { months: 0, seconds: expected });
        }
    }
}
