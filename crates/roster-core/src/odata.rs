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

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

/// Words that are never property names, so that `not`, `eq` or `null` can't be
/// read two ways and the printed form of any tree parses back to the same tree.
const RESERVED: [&str; 17] = [
    "and",
    "or",
    "not",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "in",
    "true",
    "false",
    "null",
    "startswith",
    "endswith",
    "any",
    "all",
];

fn is_reserved(name: &str) -> bool {
    RESERVED.iter().any(|word| name.eq_ignore_ascii_case(word))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    String(String),
    Int(i64),
    Guid(Uuid),
    DateTime(DateTime<Utc>),
    OpenParen,
    CloseParen,
    Comma,
    Slash,
    Colon,
    End,
}

#[derive(Debug, Clone)]
struct Spanned {
    token: Token,
    position: usize,
}

const GUID_LEN: usize = 36;

/// What every option's value must be before it is read: at most [`MAX_LENGTH`] bytes, and
/// without a NUL character, which no text roster keeps can hold (and PostgreSQL refuses to be
/// sent), so that a NUL in a string literal or a search is this option's error.
fn check_input(input: &str, option: QueryOption) -> Result<(), ParseError> {
    if input.len() > MAX_LENGTH {
        let position = input
            .char_indices()
            .take_while(|(at, c)| at + c.len_utf8() <= MAX_LENGTH)
            .count();
        return Err(ParseError {
            option,
            position,
            message: format!("expected at most {MAX_LENGTH} bytes, found {}", input.len()),
        });
    }
    match input.chars().position(|c| c == '\0') {
        Some(position) => Err(ParseError {
            option,
            position,
            message: "expected text without NUL characters, found U+0000".into(),
        }),
        None => Ok(()),
    }
}

/// The whole input is tokenized up front: it is at most [`MAX_LENGTH`] bytes, and a
/// token list makes the parser's one-token lookahead for `/any(` trivial.
fn tokenize(input: &str, option: QueryOption) -> Result<Vec<Spanned>, ParseError> {
    check_input(input, option)?;
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if chars[at].is_whitespace() {
            at += 1;
            continue;
        }
        let (token, end) = lex_token(&chars, at, option)?;
        tokens.push(Spanned {
            token,
            position: at,
        });
        at = end;
    }
    tokens.push(Spanned {
        token: Token::End,
        position: chars.len(),
    });
    Ok(tokens)
}

fn lex_token(
    chars: &[char],
    start: usize,
    option: QueryOption,
) -> Result<(Token, usize), ParseError> {
    let punctuation = match chars[start] {
        '(' => Some(Token::OpenParen),
        ')' => Some(Token::CloseParen),
        ',' => Some(Token::Comma),
        '/' => Some(Token::Slash),
        ':' => Some(Token::Colon),
        _ => None,
    };
    if let Some(token) = punctuation {
        return Ok((token, start + 1));
    }
    // Before names: a GUID such as a84d6cd0-… starts like one.
    if let Some(guid) = guid_at(chars, start) {
        return Ok((Token::Guid(guid), start + GUID_LEN));
    }
    let first = chars[start];
    let starts_number = first.is_ascii_digit()
        || (first == '-' && chars.get(start + 1).is_some_and(char::is_ascii_digit));
    if first == '\'' {
        lex_string(chars, start, option)
    } else if is_name_start(first) {
        let end = scan(chars, start, is_name_char);
        Ok((Token::Name(chars[start..end].iter().collect()), end))
    } else if starts_number {
        lex_number(chars, start, option)
    } else {
        let expected = match option {
            QueryOption::Filter => "a property name, a value, an operator or one of ( ) , / :",
            QueryOption::OrderBy => "a property name, 'asc', 'desc' or ','",
            QueryOption::Select | QueryOption::Search => "a property name or ','",
        };
        Err(ParseError {
            option,
            position: start,
            message: format!("expected {expected}, found character {first:?}"),
        })
    }
}

fn lex_string(
    chars: &[char],
    start: usize,
    option: QueryOption,
) -> Result<(Token, usize), ParseError> {
    let mut text = String::new();
    let mut at = start + 1;
    loop {
        match chars.get(at) {
            None => {
                return Err(ParseError {
                    option,
                    position: chars.len(),
                    message: format!(
                        "expected a closing quote for the string that opens at position \
                         {start}, found end of input"
                    ),
                });
            }
            Some('\'') if chars.get(at + 1) == Some(&'\'') => {
                text.push('\'');
                at += 2;
            }
            Some('\'') => return Ok((Token::String(text), at + 1)),
            Some(&c) => {
                text.push(c);
                at += 1;
            }
        }
    }
}

fn lex_number(
    chars: &[char],
    start: usize,
    option: QueryOption,
) -> Result<(Token, usize), ParseError> {
    // Take the whole word, date-time punctuation included, so that a malformed value is
    // reported whole rather than as a valid number followed by a puzzling remainder.
    let end = scan(chars, start + 1, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '+' | '-')
    });
    let text: String = chars[start..end].iter().collect();
    let error = |message| ParseError {
        option,
        position: start,
        message,
    };
    // `text` is ASCII: the scan above accepts nothing else.
    let looks_like_date = text.len() > 4
        && text.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && text.as_bytes()[4] == b'-';
    if looks_like_date {
        return match DateTime::parse_from_rfc3339(&text) {
            Ok(date_time) => Ok((Token::DateTime(date_time.with_timezone(&Utc)), end)),
            Err(_) => Err(error(format!(
                "expected a date-time such as 2024-01-01T00:00:00Z, found '{}'",
                truncate(&text)
            ))),
        };
    }
    if let Ok(number) = text.parse::<i64>() {
        return Ok((Token::Int(number), end));
    }
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let message = if all_digits(digits) {
        format!(
            "expected an integer between {} and {}, found {}",
            i64::MIN,
            i64::MAX,
            truncate(&text)
        )
    } else if digits
        .split_once('.')
        .is_some_and(|(whole, fraction)| all_digits(whole) && all_digits(fraction))
    {
        format!(
            "expected an integer, found {}: decimal numbers are not supported",
            truncate(&text)
        )
    } else {
        format!(
            "expected a number, a GUID or a date-time, found '{}'",
            truncate(&text)
        )
    };
    Err(error(message))
}

/// Only the hyphenated 8-4-4-4-12 form, and only as a whole word.
fn guid_at(chars: &[char], start: usize) -> Option<Uuid> {
    let candidate = chars.get(start..start + GUID_LEN)?;
    let shaped = candidate.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == '-',
        _ => c.is_ascii_hexdigit(),
    });
    let runs_on = chars
        .get(start + GUID_LEN)
        .is_some_and(|&c| is_name_char(c) || c == '-');
    if !shaped || runs_on {
        return None;
    }
    Uuid::parse_str(&candidate.iter().collect::<String>()).ok()
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn scan(chars: &[char], start: usize, accept: impl Fn(char) -> bool) -> usize {
    chars[start..]
        .iter()
        .position(|&c| !accept(c))
        .map_or(chars.len(), |offset| start + offset)
}

fn skip_whitespace(chars: &[char], start: usize) -> usize {
    scan(chars, start, char::is_whitespace)
}

/// Keeps messages readable when the offending token is most of an 8 KiB input.
fn truncate(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(LIMIT).collect();
        short.push('…');
        short
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Name(name) => format!("'{}'", truncate(name)),
        Token::String(text) => format!("string {}", quoted(&truncate(text))),
        Token::Int(number) => format!("number {number}"),
        Token::Guid(guid) => format!("GUID {guid}"),
        Token::DateTime(date_time) => format!("date-time {}", format_date_time(date_time)),
        Token::OpenParen => "'('".to_owned(),
        Token::CloseParen => "')'".to_owned(),
        Token::Comma => "','".to_owned(),
        Token::Slash => "'/'".to_owned(),
        Token::Colon => "':'".to_owned(),
        Token::End => "end of input".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser {
    tokens: Vec<Spanned>,
    cursor: usize,
    option: QueryOption,
    depth: usize,
    /// Set while parsing the predicate of `any(x: …)`.
    range_variable: Option<String>,
}

impl Parser {
    fn new(tokens: Vec<Spanned>, option: QueryOption) -> Parser {
        Parser {
            tokens,
            cursor: 0,
            option,
            depth: 0,
            range_variable: None,
        }
    }

    fn parse_filter(mut self) -> Result<Expr, ParseError> {
        if self.at(&Token::End) {
            return Err(self.expected("a filter expression"));
        }
        let expr = self.parse_or()?;
        if !self.at(&Token::End) {
            return Err(self.expected("'and', 'or' or end of input"));
        }
        Ok(expr)
    }

    fn parse_or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.parse_and()?;
        while self.eat_keyword("or") {
            let right = self.parse_and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.parse_unary()?;
        while self.eat_keyword("and") {
            let right = self.parse_unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Expr, ParseError> {
        if !self.at_keyword("not") {
            return self.parse_primary();
        }
        // `not(...)` counts as one level, not two: Display always prints `not(...)`,
        // and printing a parsed filter must never make it too deep to parse again.
        self.nested(|parser| {
            parser.bump();
            let operand = if parser.at(&Token::OpenParen) {
                parser.parse_group()?
            } else {
                parser.parse_unary()?
            };
            Ok(Expr::Not(Box::new(operand)))
        })
    }

    fn parse_primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek().token.clone() {
            Token::OpenParen => self.nested(Parser::parse_group),
            Token::Name(name) if name.eq_ignore_ascii_case("startswith") => {
                self.parse_text_function(&name)
            }
            Token::Name(name) if name.eq_ignore_ascii_case("endswith") => {
                self.parse_text_function(&name)
            }
            Token::Name(name) if !is_reserved(&name) => self.parse_path_condition(),
            _ => Err(self.expected("a condition")),
        }
    }

    fn parse_group(&mut self) -> Result<Expr, ParseError> {
        let open = self.bump();
        let inner = self.parse_or()?;
        self.expect(
            Token::CloseParen,
            &format!(
                "'and', 'or' or ')' to close the '(' at position {}",
                open.position
            ),
        )?;
        Ok(inner)
    }

    /// `startsWith(path,'text')` or `endsWith(path,'text')`; `function` as written.
    fn parse_text_function(&mut self, function: &str) -> Result<Expr, ParseError> {
        self.bump();
        self.expect(Token::OpenParen, &format!("'(' after '{function}'"))?;
        let property = self.parse_path(&format!(
            "a property name as the first argument of '{function}'"
        ))?;
        self.expect(
            Token::Comma,
            &format!("',' after the first argument of '{function}'"),
        )?;
        let Token::String(value) = self.peek().token.clone() else {
            return Err(self.expected(format_args!(
                "a quoted string as the second argument of '{function}'"
            )));
        };
        self.bump();
        self.expect(
            Token::CloseParen,
            &format!("')' after the arguments of '{function}'"),
        )?;
        Ok(if function.eq_ignore_ascii_case("startswith") {
            Expr::StartsWith { property, value }
        } else {
            Expr::EndsWith { property, value }
        })
    }

    /// A condition that starts with a property path: a comparison, `in` or a lambda.
    fn parse_path_condition(&mut self) -> Result<Expr, ParseError> {
        let property = self.parse_path("a property name")?;
        // parse_path stops before a '/' only when `any` or `all` follows it.
        if self.at(&Token::Slash) {
            self.bump();
            return self.parse_lambda(property);
        }
        if let Token::Name(name) = self.peek().token.clone() {
            if let Some(op) = CompareOp::from_keyword(&name) {
                self.bump();
                let value = self.parse_literal(&format!("a value after '{name}'"))?;
                return Ok(Expr::Compare {
                    property,
                    op,
                    value,
                });
            }
            if name.eq_ignore_ascii_case("in") {
                self.bump();
                return self.parse_in_list(property, &name);
            }
        }
        Err(self.expected(format_args!(
            "an operator (eq, ne, gt, ge, lt, le or in) after '{property}'"
        )))
    }

    fn parse_path(&mut self, expected: &str) -> Result<PropertyPath, ParseError> {
        let start = self.peek().position;
        let first = self.parse_segment(expected)?;
        let outside_scope = self.range_variable.as_ref().filter(|var| **var != first);
        if let Some(variable) = outside_scope {
            return Err(self.error(
                start,
                format!(
                    "expected a path that starts with the range variable '{variable}', \
                     found '{}'",
                    truncate(&first)
                ),
            ));
        }
        let mut segments = vec![first];
        while self.at(&Token::Slash) && !self.at_lambda_operator() {
            self.bump();
            segments.push(self.parse_segment("a property name after '/'")?);
        }
        Ok(PropertyPath { segments })
    }

    fn parse_segment(&mut self, expected: &str) -> Result<String, ParseError> {
        match self.peek().token.clone() {
            Token::Name(name) if !is_reserved(&name) => {
                self.bump();
                Ok(name)
            }
            _ => Err(self.expected(expected)),
        }
    }

    /// After `collection/`, at `any` or `all`.
    fn parse_lambda(&mut self, collection: PropertyPath) -> Result<Expr, ParseError> {
        let Spanned { token, position } = self.peek().clone();
        let name = match token {
            Token::Name(name) => name,
            _ => return Err(self.expected("'any'")),
        };
        if name.eq_ignore_ascii_case("all") {
            return Err(self.error(
                position,
                format!("expected 'any', found '{name}': only 'any' lambdas are supported"),
            ));
        }
        if let Some(variable) = &self.range_variable {
            return Err(self.error(
                position,
                format!(
                    "expected a condition on '{variable}', found a nested '{name}': \
                     lambdas do not nest"
                ),
            ));
        }
        self.nested(|parser| {
            parser.bump();
            let open = parser.expect(Token::OpenParen, &format!("'(' after '{name}'"))?;
            if parser.at(&Token::CloseParen) {
                parser.bump();
                return Ok(Expr::Any {
                    collection,
                    var: String::new(),
                    predicate: None,
                });
            }
            let var = match parser.peek().token.clone() {
                Token::Name(var) if !is_reserved(&var) => {
                    parser.bump();
                    var
                }
                _ => {
                    return Err(
                        parser.expected(format_args!("a range variable name after '{name}('"))
                    );
                }
            };
            parser.expect(
                Token::Colon,
                &format!("':' after the range variable '{var}'"),
            )?;
            parser.range_variable = Some(var.clone());
            let predicate = parser.parse_or()?;
            parser.range_variable = None;
            parser.expect(
                Token::CloseParen,
                &format!(
                    "'and', 'or' or ')' to close the '{name}(' at position {}",
                    open.position
                ),
            )?;
            Ok(Expr::Any {
                collection,
                var,
                predicate: Some(Box::new(predicate)),
            })
        })
    }

    /// After `property in`; `keyword` as written.
    fn parse_in_list(&mut self, property: PropertyPath, keyword: &str) -> Result<Expr, ParseError> {
        self.expect(Token::OpenParen, &format!("'(' after '{keyword}'"))?;
        let mut values = vec![self.parse_literal(&format!("a value in the list of '{keyword}'"))?];
        loop {
            if self.at(&Token::Comma) {
                self.bump();
                values.push(self.parse_literal("a value after ','")?);
            } else if self.at(&Token::CloseParen) {
                self.bump();
                return Ok(Expr::In { property, values });
            } else {
                return Err(self.expected(format_args!("',' or ')' after a value of '{keyword}'")));
            }
        }
    }

    fn parse_literal(&mut self, expected: &str) -> Result<Literal, ParseError> {
        let literal = match &self.peek().token {
            Token::String(text) => Literal::String(text.clone()),
            Token::Int(number) => Literal::Int(*number),
            Token::Guid(guid) => Literal::Guid(*guid),
            Token::DateTime(date_time) => Literal::DateTime(*date_time),
            Token::Name(name) if name.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Token::Name(name) if name.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Token::Name(name) if name.eq_ignore_ascii_case("null") => Literal::Null,
            Token::Name(name) => {
                // The usual mistake is a forgotten pair of quotes, so say so.
                let name = truncate(name);
                return Err(self.error(
                    self.peek().position,
                    format!(
                        "expected {expected}, found '{name}' (a string needs quotes: '{name}')"
                    ),
                ));
            }
            _ => return Err(self.expected(expected)),
        };
        self.bump();
        Ok(literal)
    }

    /// A property name for `$orderby` and `$select`, where keywords don't clash.
    fn parse_name(&mut self, expected: &str) -> Result<String, ParseError> {
        match self.peek().token.clone() {
            Token::Name(name) => {
                self.bump();
                Ok(name)
            }
            _ => Err(self.expected(expected)),
        }
    }

    /// Runs `parse` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Parser) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(
                self.peek().position,
                format!(
                    "expected at most {MAX_DEPTH} nested levels of '(', 'not' and 'any(', \
                     found a deeper one"
                ),
            ));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn peek(&self) -> &Spanned {
        &self.tokens[self.cursor]
    }

    /// Takes the current token; at the end it stays there, so `peek` always has one.
    fn bump(&mut self) -> Spanned {
        let spanned = self.tokens[self.cursor].clone();
        if spanned.token != Token::End {
            self.cursor += 1;
        }
        spanned
    }

    fn at(&self, token: &Token) -> bool {
        self.peek().token == *token
    }

    fn at_lambda_operator(&self) -> bool {
        matches!(
            self.tokens.get(self.cursor + 1).map(|spanned| &spanned.token),
            Some(Token::Name(name))
                if name.eq_ignore_ascii_case("any") || name.eq_ignore_ascii_case("all")
        )
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(
            &self.peek().token,
            Token::Name(name) if name.eq_ignore_ascii_case(keyword)
        )
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.bump();
        }
        found
    }

    fn expect(&mut self, token: Token, expected: &str) -> Result<Spanned, ParseError> {
        if self.at(&token) {
            Ok(self.bump())
        } else {
            Err(self.expected(expected))
        }
    }

    fn expected(&self, expected: impl fmt::Display) -> ParseError {
        let found = self.peek();
        self.error(
            found.position,
            format!("expected {expected}, found {}", describe(&found.token)),
        )
    }

    fn error(&self, position: usize, message: String) -> ParseError {
        ParseError {
            option: self.option,
            position,
            message,
        }
    }
}

// ---------------------------------------------------------------------------
// $search
// ---------------------------------------------------------------------------

fn search_error(position: usize, message: String) -> ParseError {
    ParseError {
        option: QueryOption::Search,
        position,
        message,
    }
}

/// One `"property:text"` starting at `start`; returns it and the position after its
/// closing quote. Inside the quotes `\"` and `\\` escape a quote and a backslash.
fn lex_search_clause(chars: &[char], start: usize) -> Result<(SearchClause, usize), ParseError> {
    if chars.get(start) != Some(&'"') {
        return Err(search_error(
            start,
            format!(
                "expected '\"' to open a clause such as \"displayName:room\", found {}",
                describe_chars_at(chars, start)
            ),
        ));
    }
    // Each char keeps its position, so errors inside the clause point at the right place.
    let mut content: Vec<(char, usize)> = Vec::new();
    let mut at = start + 1;
    loop {
        match chars.get(at) {
            None => {
                return Err(search_error(
                    chars.len(),
                    format!(
                        "expected '\"' to close the clause that opens at position {start}, \
                         found end of input"
                    ),
                ));
            }
            Some('"') => break,
            Some('\\') => match chars.get(at + 1) {
                Some(&escaped @ ('"' | '\\')) => {
                    content.push((escaped, at));
                    at += 2;
                }
                other => {
                    let found =
                        other.map_or("end of input".to_owned(), |c| format!("character {c:?}"));
                    return Err(search_error(
                        at + 1,
                        format!("expected '\"' or '\\' after '\\', found {found}"),
                    ));
                }
            },
            Some(&c) => {
                content.push((c, at));
                at += 1;
            }
        }
    }
    let close = at;
    let Some(colon) = content.iter().position(|(c, _)| *c == ':') else {
        let text: String = content.iter().map(|(c, _)| c).collect();
        return Err(search_error(
            start + 1,
            format!(
                "expected \"property:text\", found \"{}\" without a ':'",
                truncate(&text)
            ),
        ));
    };
    let property = trim_positioned(&content[..colon]);
    if let Some(&(bad, position)) = property
        .iter()
        .enumerate()
        .find(|(i, (c, _))| {
            if *i == 0 {
                !is_name_start(*c)
            } else {
                !is_name_char(*c)
            }
        })
        .map(|(_, found)| found)
    {
        return Err(search_error(
            position,
            format!("expected a property name before ':', found character {bad:?}"),
        ));
    }
    let property: String = property.iter().map(|(c, _)| c).collect();
    if property.is_empty() {
        return Err(search_error(
            content[colon].1,
            "expected a property name before ':', found ':'".to_owned(),
        ));
    }
    let text: String = trim_positioned(&content[colon + 1..])
        .iter()
        .map(|(c, _)| c)
        .collect();
    if text.is_empty() {
        return Err(search_error(
            close,
            format!("expected text to search for after '{property}:', found the end of the clause"),
        ));
    }
    Ok((SearchClause { property, text }, close + 1))
}

fn trim_positioned(chars: &[(char, usize)]) -> &[(char, usize)] {
    let start = chars
        .iter()
        .position(|(c, _)| !c.is_whitespace())
        .unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|(c, _)| !c.is_whitespace())
        .map_or(start, |last| last + 1);
    &chars[start..end]
}

fn describe_chars_at(chars: &[char], at: usize) -> String {
    let word_end = scan(chars, at, is_name_char);
    match chars.get(at) {
        None => "end of input".to_owned(),
        Some(_) if word_end > at => {
            let word: String = chars[at..word_end].iter().collect();
            format!("'{}'", truncate(&word))
        }
        Some(c) => format!("character {c:?}"),
    }
}

// ---------------------------------------------------------------------------
// Display: valid `$filter` syntax that parses back to the same tree
// ---------------------------------------------------------------------------
//
// Display never nests deeper than the text the tree was parsed from, but it does add
// spaces, so a filter near MAX_LENGTH may print too long to be parsed again.

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Binding strength, loosest first; everything but `and` and `or` is atomic when printed.
fn precedence(expr: &Expr) -> u8 {
    match expr {
        Expr::Or(..) => 0,
        Expr::And(..) => 1,
        _ => 2,
    }
}

fn write_binary(
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

fn write_operand(f: &mut fmt::Formatter<'_>, expr: &Expr, parenthesize: bool) -> fmt::Result {
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

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Fractional seconds only when present, so common values print as Graph writes them.
fn format_date_time(date_time: &DateTime<Utc>) -> String {
    date_time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests;
