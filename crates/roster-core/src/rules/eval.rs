//! The compiled condition and its evaluation, which allocates nothing in the common cases;
//! rule sets evaluated together.

use chrono::{DateTime, Months, TimeDelta, Utc};
use regex::Regex;

use crate::attributes::AttrValue;
use crate::directory::User;
use crate::types::ObjectId;

use super::properties::*;

#[derive(Debug, Clone)]
pub(super) enum Node {
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
pub(super) enum TextTest {
    IsNull,
    Eq(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Match(Regex),
    In(Vec<String>),
}

#[derive(Debug, Clone, Copy)]
pub(super) enum DateTest {
    IsNull,
    Eq(DateOperand),
    Ge(DateOperand),
    Le(DateOperand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateOperand {
    At(DateTime<Utc>),
    Now(Offset),
}

impl DateOperand {
    pub(super) fn at(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            DateOperand::At(at) => Some(at),
            DateOperand::Now(offset) => offset.apply(now),
        }
    }
}

/// A sum of ISO 8601 durations: months apart, since their length depends on the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Offset {
    pub(super) months: i64,
    pub(super) seconds: i64,
}

impl Offset {
    pub(super) fn plus(self, other: Offset) -> Option<Offset> {
        Some(Offset {
            months: self.months.checked_add(other.months)?,
            seconds: self.seconds.checked_add(other.seconds)?,
        })
    }

    pub(super) fn negated(self) -> Offset {
        Offset {
            months: -self.months,
            seconds: -self.seconds,
        }
    }

    pub(super) fn apply(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
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
pub(super) enum Item<'a> {
    None,
    Text(&'a str),
    Plan(AssignedPlan<'a>),
}

/// Room for a GUID formatted on the stack, so comparing `objectId` allocates nothing.
pub(super) type IdBuffer = [u8; uuid::fmt::Hyphenated::LENGTH];

impl TextSource {
    pub(super) fn read<'v>(
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
    pub(super) fn read<'v>(&self, user: &'v User) -> &'v [String] {
        let ListSource::Attribute(index) = self;
        match &user.attributes.values()[*index] {
            AttrValue::TextList(items) => items,
            _ => &[],
        }
    }
}

impl BoolSource {
    pub(super) fn read(&self, user: &User) -> Option<bool> {
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
    pub(super) fn read(&self, user: &User) -> Option<DateTime<Utc>> {
        let DateSource::Attribute(index) = self;
        match user.attributes.values()[*index] {
            AttrValue::DateTime(at) => Some(at),
            _ => None,
        }
    }
}

impl TextTest {
    /// A missing value reads as empty text, as Entra ID treats an empty property as null.
    pub(super) fn holds(&self, value: Option<&str>) -> bool {
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

impl Node {
    /// See [`MembershipRule::requirement`].
    pub(super) fn requirement(&self) -> Option<(usize, Vec<String>)> {
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

    pub(super) fn reads_licenses(&self) -> bool {
        match self {
            Node::Plans { .. } => true,
            Node::And(nodes) | Node::Or(nodes) => nodes.iter().any(Node::reads_licenses),
            Node::Not(node) => node.reads_licenses(),
            _ => false,
        }
    }

    pub(super) fn attributes_read(&self, read: &mut Vec<usize>) {
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

    pub(super) fn eval<'v>(&self, user: &'v User, now: DateTime<Utc>, item: &Item<'v>) -> bool {
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
pub(super) fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

pub(super) fn folded_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

/// Whether `text`, folded, equals `lower` (already folded).
pub(super) fn eq_folded(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        ascii_eq_folded(text, lower)
    } else {
        folded_chars(text).eq(lower.chars())
    }
}

/// [`eq_folded`] for a `text` known to be ASCII.
pub(super) fn ascii_eq_folded(text: &str, lower: &str) -> bool {
    text.len() == lower.len()
        && text
            .bytes()
            .zip(lower.bytes())
            .all(|(a, b)| a.to_ascii_lowercase() == b)
}

pub(super) fn starts_with_folded(text: &str, lower: &str) -> bool {
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

pub(super) fn ends_with_folded(text: &str, lower: &str) -> bool {
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

pub(super) fn contains_folded(text: &str, lower: &str) -> bool {
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
