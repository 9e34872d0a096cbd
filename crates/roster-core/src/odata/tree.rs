//! A query as roster holds it once parsed: the `$filter` tree ([`Expr`]), the other options'
//! values, and the error that says where a query went wrong. The lexer, the parser and the
//! display (`super::lexer`, `super::parser`, `super::display`) work on these; nothing here
//! parses.

use std::fmt;

use chrono::{DateTime, Utc};
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
    /// A tree the parser made: parsing is the only way to a filter.
    pub(super) fn parsed(expr: Expr) -> Filter {
        Filter(expr)
    }

    pub fn expr(&self) -> &Expr {
        &self.0
    }

    pub fn into_expr(self) -> Expr {
        self.0
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

    /// `property in (values…)`.
    pub fn in_list(property: &str, values: Vec<Literal>) -> Expr {
        Expr::In {
            property: PropertyPath::new(property),
            values,
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

    /// `collection/any(x:x eq value)`, of a collection of values (`groupTypes`).
    pub fn any_is(collection: &str, value: Literal) -> Expr {
        Expr::Any {
            collection: PropertyPath::new(collection),
            var: "x".into(),
            predicate: Some(Box::new(Expr::equals("x", value))),
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
    pub(super) const ALL: [CompareOp; 6] = [
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

    pub(super) fn from_keyword(name: &str) -> Option<CompareOp> {
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
