//! A rule as roster holds it once parsed ([`MembershipRule`]), and a tenant's rules judged
//! together ([`RuleSet`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::directory::User;
use crate::types::ObjectId;

use super::errors::*;
use super::eval::*;
use super::lexer::*;
use super::parser::*;

/// A parsed, validated membership rule (a type that validates on parse, per STYLE.md).
#[derive(Debug, Clone)]
pub struct MembershipRule {
    text: String,
    pub(super) condition: Node,
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

/// Many rules tested together against one user at a time (a pass over a tenant's users for
/// all its dynamic groups): a rule that needs a text attribute to have one of a few values is
/// tested only on users whose value is one of them, found by one lookup per attribute instead
/// of a comparison per rule. Gives exactly what testing every rule gives.
pub struct RuleSet<'r> {
    rules: Vec<Option<&'r MembershipRule>>,
    /// Rules tested on every user (no plain requirement).
    pub(super) always: Vec<usize>,
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
