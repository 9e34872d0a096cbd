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

use std::str::FromStr;

mod display;
mod lexer;
mod parser;
mod tree;

use lexer::{Token, check_input, scan, skip_whitespace, tokenize};
use parser::{Parser, describe_chars_at, lex_search_clause, search_error};
pub use tree::{
    CompareOp, Conjunction, Expr, Filter, Literal, MAX_DEPTH, MAX_LENGTH, OrderBy, ParseError,
    PropertyPath, QueryOption, Search, SearchClause,
};

impl Filter {
    pub fn parse(input: &str) -> Result<Filter, ParseError> {
        let tokens = tokenize(input, QueryOption::Filter)?;
        Parser::new(tokens, QueryOption::Filter)
            .parse_filter()
            .map(Filter::parsed)
    }
}

impl FromStr for Filter {
    type Err = ParseError;

    fn from_str(input: &str) -> Result<Filter, ParseError> {
        Filter::parse(input)
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

#[cfg(test)]
mod tests;
