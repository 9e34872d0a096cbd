//! A rule's text cut into tokens, with their positions in characters.

use super::errors::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// A name: `user.department`, `_`, `null`, `$null`, `true`, `system.now`, `p30d`, `Direct`,
    /// or an operator written without its hyphen (`and`, `eq`).
    Word(String),
    /// A hyphen and a name: `-eq`, `-and`, `-p30d`. Holds the name.
    Dash(String),
    /// Quoted text, escapes resolved.
    Text(String),
    /// An unquoted number or date-time: `12345`, `2020-06-10T18:13:20Z`.
    Bare(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
    End,
}

#[derive(Debug, Clone)]
pub(super) struct Spanned {
    pub(super) token: Token,
    /// 0-based character index.
    pub(super) index: usize,
}

pub(super) fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}')
}

pub(super) fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

pub(super) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

pub(super) fn is_bare_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '+' | '-')
}

pub(super) fn scan(chars: &[char], start: usize, accept: impl Fn(char) -> bool) -> usize {
    chars[start..]
        .iter()
        .position(|&c| !accept(c))
        .map_or(chars.len(), |offset| start + offset)
}

pub(super) fn tokenize(chars: &[char]) -> Result<Vec<Spanned>, RuleError> {
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if c.is_whitespace() {
            at += 1;
            continue;
        }
        let start = at;
        let punctuation = match c {
            '(' => Some(Token::Open),
            ')' => Some(Token::Close),
            '[' => Some(Token::OpenBracket),
            ']' => Some(Token::CloseBracket),
            ',' => Some(Token::Comma),
            _ => None,
        };
        let token = if let Some(token) = punctuation {
            at += 1;
            token
        } else if c == '"' || c == '\'' {
            let (text, end) = lex_string(chars, start)?;
            at = end;
            Token::Text(text)
        } else if c == '`' && chars.get(at + 1) == Some(&'"') {
            let (text, end) = lex_escaped_word(chars, start);
            at = end;
            Token::Text(text)
        } else if is_dash(c) && chars.get(at + 1).is_some_and(|&next| is_word_start(next)) {
            at = scan(chars, at + 1, is_word_char);
            Token::Dash(chars[start + 1..at].iter().collect())
        } else if is_word_start(c) {
            at = scan(chars, at + 1, is_word_char);
            Token::Word(chars[start..at].iter().collect())
        } else if c.is_ascii_digit()
            || (is_dash(c) && chars.get(at + 1).is_some_and(char::is_ascii_digit))
        {
            at = scan(chars, at + 1, is_bare_char);
            Token::Bare(chars[start..at].iter().collect())
        } else if is_dash(c) {
            return Err(error_at(start, RuleProblem::DashAlone));
        } else if matches!(c, '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}') {
            return Err(error_at(start, RuleProblem::CurlyQuote(c)));
        } else {
            return Err(error_at(start, RuleProblem::Character(c)));
        };
        tokens.push(Spanned {
            token,
            index: start,
        });
    }
    tokens.push(Spanned {
        token: Token::End,
        index: chars.len(),
    });
    Ok(tokens)
}

/// A string in double quotes, where a backtick escapes a double quote or a backtick, or in
/// single quotes, where `''` is a quote.
pub(super) fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), RuleError> {
    let quote = chars[start];
    let mut text = String::new();
    let mut at = start + 1;
    loop {
        match chars.get(at) {
            None => {
                return Err(error_at(start, RuleProblem::Unterminated(quote)));
            }
            Some('`') if chars.get(at + 1).is_some_and(|&c| c == quote || c == '`') => {
                text.push(chars[at + 1]);
                at += 2;
            }
            Some(&c) if c == quote => {
                if quote == '\'' && chars.get(at + 1) == Some(&'\'') {
                    text.push('\'');
                    at += 2;
                } else {
                    return Ok((text, at + 1));
                }
            }
            Some(&c) => {
                text.push(c);
                at += 1;
            }
        }
    }
}

/// `` `"Sales`" `` without outer quotes, as Microsoft's pages write a value holding quotes:
/// read up to the next space or bracket, escapes resolved.
pub(super) fn lex_escaped_word(chars: &[char], start: usize) -> (String, usize) {
    let mut text = String::new();
    let mut at = start;
    while let Some(&c) = chars.get(at) {
        if c == '`' && matches!(chars.get(at + 1), Some('"' | '`')) {
            text.push(chars[at + 1]);
            at += 2;
        } else if c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',') {
            break;
        } else {
            text.push(c);
            at += 1;
        }
    }
    (text, at)
}

/// Keeps messages readable when the offending token is most of a 3 KiB rule.
pub(super) fn truncate(text: &str) -> String {
    pub(super) const LIMIT: usize = 80;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(LIMIT).collect();
        short.push('…');
        short
    }
}

pub(super) fn describe(token: &Token) -> Found {
    Found::Text(match token {
        Token::Word(word) | Token::Bare(word) => truncate(word),
        Token::Dash(word) => format!("-{}", truncate(word)),
        Token::Text(text) => format!("\"{}\"", truncate(text)),
        Token::Open => "'('".to_owned(),
        Token::Close => "')'".to_owned(),
        Token::OpenBracket => "'['".to_owned(),
        Token::CloseBracket => "']'".to_owned(),
        Token::Comma => "','".to_owned(),
        Token::End => return Found::End,
    })
}

/// The name of a keyword token, with or without its hyphen.
pub(super) fn keyword(token: &Token) -> Option<&str> {
    match token {
        Token::Word(word) | Token::Dash(word) => Some(word),
        _ => None,
    }
}

pub(super) fn is_keyword(token: &Token, name: &str) -> bool {
    keyword(token).is_some_and(|word| word.eq_ignore_ascii_case(name))
}
