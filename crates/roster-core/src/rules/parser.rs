//! Tokens to a compiled condition: every property resolved, every operator checked against
//! its property's type, constants folded, regular expressions compiled.
//!
//! Past 800 lines on purpose: the parser is one recursive descent (`impl Parser`) whose
//! methods call one another along the grammar in `rules`' documentation; cut apart, each
//! piece would only make sense with the others open.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use regex::{Regex, RegexBuilder};

use crate::types::ObjectId;

use super::errors::*;
use super::eval::*;
use super::lexer::*;
use super::operators::Op;
use super::properties::*;

/// Deepest nesting of parentheses, `-not` and `-any`/`-all`: evaluation recurses over the tree,
/// so the depth must be bounded whatever the input (3,072 characters of `(` would otherwise do).
pub(super) const MAX_DEPTH: usize = 100;

/// What a condition may name: the user's properties, or the item of an `-any`/`-all`.
#[derive(Debug, Clone)]
pub(super) enum Scope {
    User,
    /// Items of a list of text, named `_`; holds the list's name as written.
    TextItems(String),
    /// Items of `user.assignedPlans`, named `assignedPlan.<field>`.
    Plans(String),
}

/// A value as written, before it is checked against the property it is compared with.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Text(String),
    Bare(String),
    Null,
    Bool(bool),
    List(Vec<(Value, usize)>),
    Now(Offset),
}

impl Value {
    pub(super) fn describe(&self) -> Found {
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

pub(super) struct Parser {
    pub(super) tokens: Vec<Spanned>,
    pub(super) cursor: usize,
    pub(super) depth: usize,
    pub(super) scope: Scope,
    pub(super) uses_now: bool,
}

impl Parser {
    pub(super) fn peek(&self) -> &Spanned {
        &self.tokens[self.cursor]
    }

    pub(super) fn advance(&mut self) -> Spanned {
        let spanned = self.tokens[self.cursor].clone();
        if spanned.token != Token::End {
            self.cursor += 1;
        }
        spanned
    }

    pub(super) fn enter(&mut self, index: usize) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error_at(index, RuleProblem::TooDeep(MAX_DEPTH)));
        }
        Ok(())
    }

    pub(super) fn parse_rule(&mut self) -> Result<Node, RuleError> {
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
    pub(super) fn parse_direct_reports(&mut self) -> Result<Node, RuleError> {
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
    pub(super) fn expected_connective(&self, wanted: Closer) -> RuleError {
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

    pub(super) fn parse_or(&mut self) -> Result<Node, RuleError> {
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

    pub(super) fn parse_and(&mut self) -> Result<Node, RuleError> {
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

    pub(super) fn parse_not(&mut self) -> Result<Node, RuleError> {
        if is_keyword(&self.peek().token, "not") {
            let not = self.advance();
            self.enter(not.index)?;
            let operand = self.parse_not()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(operand)));
        }
        self.parse_primary()
    }

    pub(super) fn parse_primary(&mut self) -> Result<Node, RuleError> {
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

    pub(super) fn parse_condition(&mut self) -> Result<Node, RuleError> {
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
    pub(super) fn resolve_property(&self, name: &str, index: usize) -> Result<Property, RuleError> {
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

    pub(super) fn build_condition(
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
    pub(super) fn parse_items(&mut self, op_index: usize, scope: Scope) -> Result<Node, RuleError> {
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
    pub(super) fn text_test(&mut self, name: &str, op: Op) -> Result<TextTest, RuleError> {
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

    pub(super) fn parse_value(&mut self) -> Result<(Value, usize), RuleError> {
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

    pub(super) fn parse_list(
        &mut self,
        open_index: usize,
    ) -> Result<Vec<(Value, usize)>, RuleError> {
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
    pub(super) fn parse_offsets(&mut self) -> Result<Offset, RuleError> {
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
pub(super) fn guid_comparison(source: TextSource, test: &TextTest, negated: bool) -> Option<Node> {
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

pub(super) fn expected_operator(name: &str, found: &Spanned) -> RuleError {
    error_at(
        found.index,
        RuleProblem::ExpectedOperator {
            name: name.to_owned(),
            found: describe(&found.token),
        },
    )
}

pub(super) fn compile_regex(pattern: &str, index: usize) -> Result<Regex, RuleError> {
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
pub(super) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
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
pub(super) fn parse_duration(text: &str) -> Option<Offset> {
    /// Bounds each number, so that sums stay far from overflow (a million days is 2,700 years).
    pub(super) const MAX_NUMBER: i64 = 1_000_000;
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
pub(super) fn closest_property(field: &str) -> Option<&'static str> {
    USER_PROPERTIES
        .iter()
        .map(|(name, _)| (*name, edit_distance(&name.to_ascii_lowercase(), field)))
        .filter(|(_, distance)| *distance <= 2)
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
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
