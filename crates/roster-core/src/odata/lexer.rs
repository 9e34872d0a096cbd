//! Query option text cut into tokens, each with its position; a NUL or another control
//! character refused where it stands.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::display::{format_date_time, quoted};
use super::tree::*;

/// Words that are never property names, so that `not`, `eq` or `null` can't be
/// read two ways and the printed form of any tree parses back to the same tree.
pub(super) const RESERVED: [&str; 17] = [
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

pub(super) fn is_reserved(name: &str) -> bool {
    RESERVED.iter().any(|word| name.eq_ignore_ascii_case(word))
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
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
pub(super) struct Spanned {
    pub(super) token: Token,
    pub(super) position: usize,
}

pub(super) const GUID_LEN: usize = 36;

/// What every option's value must be before it is read: at most [`MAX_LENGTH`] bytes, and
/// without a NUL character, which no text roster keeps can hold (and PostgreSQL refuses to be
/// sent), so that a NUL in a string literal or a search is this option's error.
pub(super) fn check_input(input: &str, option: QueryOption) -> Result<(), ParseError> {
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
pub(super) fn tokenize(input: &str, option: QueryOption) -> Result<Vec<Spanned>, ParseError> {
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

pub(super) fn lex_token(
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

pub(super) fn lex_string(
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

pub(super) fn lex_number(
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
pub(super) fn guid_at(chars: &[char], start: usize) -> Option<Uuid> {
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

pub(super) fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub(super) fn scan(chars: &[char], start: usize, accept: impl Fn(char) -> bool) -> usize {
    chars[start..]
        .iter()
        .position(|&c| !accept(c))
        .map_or(chars.len(), |offset| start + offset)
}

pub(super) fn skip_whitespace(chars: &[char], start: usize) -> usize {
    scan(chars, start, char::is_whitespace)
}

/// Keeps messages readable when the offending token is most of an 8 KiB input.
pub(super) fn truncate(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(LIMIT).collect();
        short.push('…');
        short
    }
}

pub(super) fn describe(token: &Token) -> String {
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
