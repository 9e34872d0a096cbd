//! Tokens to `$filter` trees, `$orderby` and `$select` lists, and `$search` clauses, with the
//! position of any mistake.

use std::fmt;

use super::lexer::*;
use super::tree::*;

pub(super) struct Parser {
    pub(super) tokens: Vec<Spanned>,
    pub(super) cursor: usize,
    pub(super) option: QueryOption,
    pub(super) depth: usize,
    /// Set while parsing the predicate of `any(x: …)`.
    pub(super) range_variable: Option<String>,
}

impl Parser {
    pub(super) fn new(tokens: Vec<Spanned>, option: QueryOption) -> Parser {
        Parser {
            tokens,
            cursor: 0,
            option,
            depth: 0,
            range_variable: None,
        }
    }

    pub(super) fn parse_filter(mut self) -> Result<Expr, ParseError> {
        if self.at(&Token::End) {
            return Err(self.expected("a filter expression"));
        }
        let expr = self.parse_or()?;
        if !self.at(&Token::End) {
            return Err(self.expected("'and', 'or' or end of input"));
        }
        Ok(expr)
    }

    pub(super) fn parse_or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.parse_and()?;
        while self.eat_keyword("or") {
            let right = self.parse_and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    pub(super) fn parse_and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.parse_unary()?;
        while self.eat_keyword("and") {
            let right = self.parse_unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    pub(super) fn parse_unary(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn parse_primary(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn parse_group(&mut self) -> Result<Expr, ParseError> {
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
    pub(super) fn parse_text_function(&mut self, function: &str) -> Result<Expr, ParseError> {
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
    pub(super) fn parse_path_condition(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn parse_path(&mut self, expected: &str) -> Result<PropertyPath, ParseError> {
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

    pub(super) fn parse_segment(&mut self, expected: &str) -> Result<String, ParseError> {
        match self.peek().token.clone() {
            Token::Name(name) if !is_reserved(&name) => {
                self.bump();
                Ok(name)
            }
            _ => Err(self.expected(expected)),
        }
    }

    /// After `collection/`, at `any` or `all`.
    pub(super) fn parse_lambda(&mut self, collection: PropertyPath) -> Result<Expr, ParseError> {
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
    pub(super) fn parse_in_list(
        &mut self,
        property: PropertyPath,
        keyword: &str,
    ) -> Result<Expr, ParseError> {
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

    pub(super) fn parse_literal(&mut self, expected: &str) -> Result<Literal, ParseError> {
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
    pub(super) fn parse_name(&mut self, expected: &str) -> Result<String, ParseError> {
        match self.peek().token.clone() {
            Token::Name(name) => {
                self.bump();
                Ok(name)
            }
            _ => Err(self.expected(expected)),
        }
    }

    /// Runs `parse` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    pub(super) fn nested<T>(
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

    pub(super) fn peek(&self) -> &Spanned {
        &self.tokens[self.cursor]
    }

    /// Takes the current token; at the end it stays there, so `peek` always has one.
    pub(super) fn bump(&mut self) -> Spanned {
        let spanned = self.tokens[self.cursor].clone();
        if spanned.token != Token::End {
            self.cursor += 1;
        }
        spanned
    }

    pub(super) fn at(&self, token: &Token) -> bool {
        self.peek().token == *token
    }

    pub(super) fn at_lambda_operator(&self) -> bool {
        matches!(
            self.tokens.get(self.cursor + 1).map(|spanned| &spanned.token),
            Some(Token::Name(name))
                if name.eq_ignore_ascii_case("any") || name.eq_ignore_ascii_case("all")
        )
    }

    pub(super) fn at_keyword(&self, keyword: &str) -> bool {
        matches!(
            &self.peek().token,
            Token::Name(name) if name.eq_ignore_ascii_case(keyword)
        )
    }

    pub(super) fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.bump();
        }
        found
    }

    pub(super) fn expect(&mut self, token: Token, expected: &str) -> Result<Spanned, ParseError> {
        if self.at(&token) {
            Ok(self.bump())
        } else {
            Err(self.expected(expected))
        }
    }

    pub(super) fn expected(&self, expected: impl fmt::Display) -> ParseError {
        let found = self.peek();
        self.error(
            found.position,
            format!("expected {expected}, found {}", describe(&found.token)),
        )
    }

    pub(super) fn error(&self, position: usize, message: String) -> ParseError {
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

pub(super) fn search_error(position: usize, message: String) -> ParseError {
    ParseError {
        option: QueryOption::Search,
        position,
        message,
    }
}

/// One `"property:text"` starting at `start`; returns it and the position after its
/// closing quote. Inside the quotes `\"` and `\\` escape a quote and a backslash.
pub(super) fn lex_search_clause(
    chars: &[char],
    start: usize,
) -> Result<(SearchClause, usize), ParseError> {
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

pub(super) fn trim_positioned(chars: &[(char, usize)]) -> &[(char, usize)] {
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

pub(super) fn describe_chars_at(chars: &[char], at: usize) -> String {
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
