//! Microsoft Graph v1.0 query options as `/users` and `/groups` accept them:
//! `$filter`, `$orderby`, `$select` and `$search`.
//!
//! Parsing is the only way to obtain a [`Filter`], so the storage layer translating one
//! to SQL can rely on its shape (see the invariants on [`Expr::Any`]) and never re-checks.
//! Every option is bounded in length ([`MAX_LENGTH`]) and a `$filter` in nesting
//! ([`MAX_DEPTH`]), so no request can exhaust the stack, here or in a recursive walk of the
//! tree: `and`/`or` chains are built in a loop, and the length limit keeps them to about
//! a thousand levels (`a eq''or a eq''or …` is the densest form).
//!
//! The `$filter` grammar, loosest binding first:
//!
//! ```text
//! filter   = or
//! or       = and ("or" and)*
//! and      = unary ("and" unary)*
//! unary    = "not" unary | primary
//! primary  = "(" or ")"
//!          | ("startsWith" | "endsWith") "(" path "," string ")"
//!          | path "/" "any" "(" name ":" or ")"
//!          | path ("eq" | "ne" | "gt" | "ge" | "lt" | "le") literal
//!          | path "in" "(" literal ("," literal)* ")"
//! path     = name ("/" name)*
//! literal  = 'text' | integer | true | false | null | guid | date-time
//! ```
//!
//! `not` binds looser than a comparison, so `not department eq 'HR'` means what it reads as.
//! Keywords and function names match case-insensitively, as Graph does;
//! property names keep the case they were written in and the translator matches them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// Longest accepted value of any query option, in bytes.
pub const MAX_LENGTH: usize = 8 * 1024;

/// Deepest accepted nesting of parentheses, `not` and `any(...)` in a `$filter`.
pub const MAX_DEPTH: usize = 64;

/// Which query option a [`ParseError`] is about, so the message can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryOption {
    Filter,
    OrderBy,
    Select,
    Search,
}

impl QueryOption {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryOption::Filter => "$filter",
            QueryOption::OrderBy => "$orderby",
            QueryOption::Select => "$select",
            QueryOption::Search => "$search",
        }
    }
}

impl fmt::Display for QueryOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A query option that is not valid; the message names what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("syntax error at position {position} in {option}: {message}")]
pub struct ParseError {
    pub option: QueryOption,
    /// 0-based offset in chars, not bytes, into the option's value.
    pub position: usize,
    pub message: String,
}

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter(Expr);

impl Filter {
    pub fn parse(input: &str) -> Result<Filter, ParseError> {
        let tokens = tokenize(input, QueryOption::Filter)?;
        Parser::new(tokens, QueryOption::Filter)
            .parse_filter()
            .map(Filter)
    }

    pub fn expr(&self) -> &Expr {
        &self.0
    }

    pub fn into_expr(self) -> Expr {
        self.0
    }
}

impl FromStr for Filter {
    type Err = ParseError;

    fn from_str(input: &str) -> Result<Filter, ParseError> {
        Filter::parse(input)
    }
}

/// A `$filter` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare {
        property: PropertyPath,
        op: CompareOp,
        value: Literal,
    },
    StartsWith {
        property: PropertyPath,
        value: String,
    },
    EndsWith {
        property: PropertyPath,
        value: String,
    },
    In {
        property: PropertyPath,
        values: Vec<Literal>,
    },
    /// `collection/any(var: predicate)`, or `collection/any()` (the collection is not empty:
    /// `predicate` is `None` and `var` empty).
    ///
    /// Every property path inside `predicate` starts with `var` (`x`, `x/skuId`), and
    /// `predicate` holds no further `Any`: Graph's directory supports neither outer
    /// properties nor nested lambdas there, and refusing them at parse time lets the
    /// translator treat the first segment of any path in a predicate as the range variable.
    Any {
        collection: PropertyPath,
        var: String,
        predicate: Option<Box<Expr>>,
    },
}

/// Conditions built by a front-end that asks in its own terms (the admin center's list filters),
/// the same trees [`Filter::parse`] makes from their text.
impl Expr {
    /// `property eq value`.
    pub fn equals(property: &str, value: Literal) -> Expr {
        Expr::Compare {
            property: PropertyPath::new(property),
            op: CompareOp::Eq,
            value,
        }
    }

    /// `startsWith(property,'value')`.
    pub fn starts_with(property: &str, value: &str) -> Expr {
        Expr::StartsWith {
            property: PropertyPath::new(property),
            value: value.to_string(),
        }
    }

    /// `collection/any(x:x/field eq value)`.
    pub fn any_equals(collection: &str, field: &str, value: Literal) -> Expr {
        Expr::Any {
            collection: PropertyPath::new(collection),
            var: "x".into(),
            predicate: Some(Box::new(Expr::equals(&format!("x/{field}"), value))),
        }
    }

    /// `collection/any()`: the collection is not empty.
    pub fn any(collection: &str) -> Expr {
        Expr::Any {
            collection: PropertyPath::new(collection),
            var: String::new(),
            predicate: None,
        }
    }

    /// `not(self)`.
    pub fn negated(self) -> Expr {
        Expr::Not(Box::new(self))
    }

    /// `a and b and c`, grouped from the left as the parser groups it; `None` for no conditions.
    pub fn all(conditions: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        conditions
            .into_iter()
            .reduce(|left, right| Expr::And(Box::new(left), Box::new(right)))
    }

    /// `a or b or c`, grouped from the left as the parser groups it; `None` for no conditions.
    pub fn any_of(conditions: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        conditions
            .into_iter()
            .reduce(|left, right| Expr::Or(Box::new(left), Box::new(right)))
    }
}

impl PropertyPath {
    /// `a/b` as its segments.
    pub fn new(path: &str) -> PropertyPath {
        PropertyPath {
            segments: path.split('/').map(str::to_string).collect(),
        }
    }
}

/// `displayName` or `onPremisesExtensionAttributes/extensionAttribute1`.
///
/// Inside an [`Expr::Any`] predicate the first segment is the lambda's range variable,
/// so `x/skuId` is `["x", "skuId"]` and the variable alone is `["x"]`.
/// No segment is a keyword of the filter language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PropertyPath {
    pub segments: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    const ALL: [CompareOp; 6] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    fn from_keyword(name: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| name.eq_ignore_ascii_case(op.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    String(String),
    Int(i64),
    Bool(bool),
    Null,
    /// Unquoted, as Graph writes `skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67`.
    Guid(Uuid),
    /// Unquoted ISO 8601 with an offset, normalised to UTC.
    DateTime(DateTime<Utc>),
}

/// One item of `$orderby`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub property: String,
    pub descending: bool,
}

/// A parsed `$search`: `"displayName:room" OR "mail:room"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// Never empty.
    pub clauses: Vec<SearchClause>,
    /// [`Conjunction::And`] when there is a single clause.
    pub conjunction: Conjunction,
}

/// `"property:text"`, trimmed on both sides of the colon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchClause {
    pub property: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conjunction {
    And,
    Or,
}

impl Conjunction {
    pub fn as_str(self) -> &'static str {
        match self {
            Conjunction::And => "AND",
            Conjunction::Or => "OR",
        }
    }
}

/// Parses `$orderby`, e.g. `displayName desc, id`.
pub fn parse_orderby(input: &str) -> Result<Vec<OrderBy>, ParseError> {
    let mut parser = Parser::new(tokenize(input, QueryOption::OrderBy)?, QueryOption::OrderBy);
    let mut items = Vec::new();
    loop {
        let property = parser.parse_name("a property name")?;
        let (descending, expected_next) = if parser.eat_keyword("desc") {
            (true, format!("',' or end of input after '{property} desc'"))
        } else if parser.eat_keyword("asc") {
            (false, format!("',' or end of input after '{property} asc'"))
        } else {
            let expected = format!("'asc', 'desc', ',' or end of input after '{property}'");
            (false, expected)
        };
        items.push(OrderBy {
            property,
            descending,
        });
        if parser.at(&Token::End) {
            return Ok(items);
        }
        parser.expect(Token::Comma, &expected_next)?;
    }
}

/// Parses `$select`, e.g. `id,displayName,mail`.
pub fn parse_select(input: &str) -> Result<Vec<String>, ParseError> {
    let mut parser = Parser::new(tokenize(input, QueryOption::Select)?, QueryOption::Select);
    let mut properties = Vec::new();
    loop {
        let property = parser.parse_name("a property name")?;
        if parser.at(&Token::End) {
            properties.push(property);
            return Ok(properties);
        }
        parser.expect(
            Token::Comma,
            &format!("',' or end of input after '{property}'"),
        )?;
        properties.push(property);
    }
}

/// Parses `$search` in Graph's directory form: quoted `"property:text"` clauses
/// joined by `AND` or `OR` (not both).
pub fn parse_search(input: &str) -> Result<Search, ParseError> {
    check_input(input, QueryOption::Search)?;
    let chars: Vec<char> = input.chars().collect();
    let mut clauses = Vec::new();
    let mut conjunction: Option<Conjunction> = None;
    let mut at = skip_whitespace(&chars, 0);
    loop {
        let (clause, end) = lex_search_clause(&chars, at)?;
        clauses.push(clause);
        at = skip_whitespace(&chars, end);
        if at == chars.len() {
            break;
        }
        let word_end = scan(&chars, at, |c| c.is_ascii_alphabetic());
        let word: String = chars[at..word_end].iter().collect();
        let found = if word.eq_ignore_ascii_case("and") {
            Conjunction::And
        } else if word.eq_ignore_ascii_case("or") {
            Conjunction::Or
        } else {
            return Err(search_error(
                at,
                format!(
                    "expected 'AND', 'OR' or end of input after a clause, found {}",
                    describe_chars_at(&chars, at)
                ),
            ));
        };
        match conjunction {
            Some(first) if first != found => {
                return Err(search_error(
                    at,
                    format!(
                        "expected '{}' like the earlier conjunction, found '{word}': \
                         AND and OR cannot be mixed",
                        first.as_str()
                    ),
                ));
            }
            _ => conjunction = Some(found),
        }
        at = skip_whitespace(&chars, word_end);
    }
    Ok(Search {
        clauses,
        conjunction: conjunction.unwrap_or(Conjunction::And),
    })
}

mod display;
mod lexer;
mod parser;

use display::*;
use lexer::*;
use parser::*;

#[cfg(test)]
mod tests;
