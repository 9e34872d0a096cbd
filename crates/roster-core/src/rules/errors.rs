//! Why a rule was refused, with its position, and the words for it.

use std::fmt;

use super::operators::Op;

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
pub(super) fn error_at(index: usize, problem: RuleProblem) -> RuleError {
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
    pub(super) fn of(pattern: &str, error: &regex::Error) -> RegexProblem {
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

/// The fields of an item of `user.assignedPlans`, as Entra ID's rules name them.
pub const PLAN_FIELDS: &str =
    "assignedPlan.servicePlanId, assignedPlan.capabilityStatus or assignedPlan.service";
