//! Display: valid `$filter` syntax that parses back to the same tree.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

use super::tree::*;

//
// Display never nests deeper than the text the tree was parsed from, but it does add
// spaces, so a filter near MAX_LENGTH may print too long to be parsed again.

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr().fmt(f)
    }
}

/// Binding strength, loosest first; everything but `and` and `or` is atomic when printed.
pub(super) fn precedence(expr: &Expr) -> u8 {
    match expr {
        Expr::Or(..) => 0,
        Expr::And(..) => 1,
        _ => 2,
    }
}

pub(super) fn write_binary(
    f: &mut fmt::Formatter<'_>,
    parent: &Expr,
    left: &Expr,
    keyword: &str,
    right: &Expr,
) -> fmt::Result {
    let level = precedence(parent);
    // `and` and `or` associate to the left, so a right operand of equal strength
    // needs parentheses to keep its place in the tree.
    write_operand(f, left, precedence(left) < level)?;
    write!(f, " {keyword} ")?;
    write_operand(f, right, precedence(right) <= level)
}

pub(super) fn write_operand(
    f: &mut fmt::Formatter<'_>,
    expr: &Expr,
    parenthesize: bool,
) -> fmt::Result {
    if parenthesize {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(left, right) => write_binary(f, self, left, "or", right),
            Expr::And(left, right) => write_binary(f, self, left, "and", right),
            Expr::Not(operand) => write!(f, "not({operand})"),
            Expr::Compare {
                property,
                op,
                value,
            } => write!(f, "{property} {op} {value}"),
            Expr::StartsWith { property, value } => {
                write!(f, "startsWith({property},{})", quoted(value))
            }
            Expr::EndsWith { property, value } => {
                write!(f, "endsWith({property},{})", quoted(value))
            }
            Expr::In { property, values } => {
                write!(f, "{property} in (")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str(")")
            }
            Expr::Any {
                collection,
                var,
                predicate,
            } => match predicate {
                Some(predicate) => write!(f, "{collection}/any({var}:{predicate})"),
                None => write!(f, "{collection}/any()"),
            },
        }
    }
}

impl fmt::Display for PropertyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(text) => f.write_str(&quoted(text)),
            Literal::Int(number) => write!(f, "{number}"),
            Literal::Bool(value) => write!(f, "{value}"),
            Literal::Null => f.write_str("null"),
            Literal::Guid(guid) => write!(f, "{guid}"),
            Literal::DateTime(date_time) => f.write_str(&format_date_time(date_time)),
        }
    }
}

pub(super) fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Fractional seconds only when present, so common values print as Graph writes them.
pub(super) fn format_date_time(date_time: &DateTime<Utc>) -> String {
    date_time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
