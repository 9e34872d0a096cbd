//! SQL text read as the databases read it, for the two places roster rewrites or cuts SQL
//! itself: SQLite's placeholders (`$1` → `?1`) and migration scripts cut into statements.
//! Neither may look inside a string literal (`'$.path'`, `'a;b'`), a quoted identifier, a
//! comment, or one of PostgreSQL's dollar-quoted strings (`$$ … $$`, `$tag$ … $tag$`).
//! (A SQLite trigger's `BEGIN … END` body, whose semicolons are code, would be cut: roster's
//! migrations have none, and a PostgreSQL function's body goes in dollar quotes.)

/// A stretch of SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Keywords, names, operators, placeholders: what a rewrite may touch.
    Code(&'a str),
    /// A string literal, quoted identifier or dollar-quoted string, quotes included.
    Quoted(&'a str),
    /// A `--` comment (without its line end) or a `/* */` comment (nested ones included).
    Comment(&'a str),
}

/// Cuts `sql` into pieces; joined again they give `sql` back. An unterminated literal or
/// comment runs to the end (the database then reports it).
pub(crate) fn pieces(sql: &str) -> Vec<Piece<'_>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        let end = match bytes[at] {
            b'\'' | b'"' => Some((quoted_end(bytes, at), true)),
            b'-' if bytes.get(at + 1) == Some(&b'-') => {
                let end = sql[at..].find('\n').map_or(bytes.len(), |n| at + n);
                Some((end, false))
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => Some((block_comment_end(bytes, at), false)),
            b'$' => dollar_tag(sql, at).map(|tag| {
                let body = at + tag.len();
                let end = sql[body..]
                    .find(tag)
                    .map_or(bytes.len(), |n| body + n + tag.len());
                (end, true)
            }),
            _ => None,
        };
        match end {
            Some((end, quoted)) => {
                if start < at {
                    out.push(Piece::Code(&sql[start..at]));
                }
                let text = &sql[at..end];
                out.push(if quoted {
                    Piece::Quoted(text)
                } else {
                    Piece::Comment(text)
                });
                (start, at) = (end, end);
            }
            None => at += 1,
        }
    }
    if start < bytes.len() {
        out.push(Piece::Code(&sql[start..]));
    }
    out
}

/// The end of the literal or identifier opening at `at`; a doubled quote stays inside.
fn quoted_end(bytes: &[u8], at: usize) -> usize {
    let quote = bytes[at];
    let mut index = at + 1;
    while index < bytes.len() {
        if bytes[index] == quote {
            if bytes.get(index + 1) == Some(&quote) {
                index += 2;
                continue;
            }
            return index + 1;
        }
        index += 1;
    }
    bytes.len()
}

/// The end of the block comment opening at `at`, counting nested ones as PostgreSQL does.
fn block_comment_end(bytes: &[u8], at: usize) -> usize {
    let (mut depth, mut index) = (0usize, at);
    while index + 1 < bytes.len() {
        match (bytes[index], bytes[index + 1]) {
            (b'/', b'*') => {
                depth += 1;
                index += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                index += 2;
                if depth == 0 {
                    return index;
                }
            }
            _ => index += 1,
        }
    }
    bytes.len()
}

/// The tag (`$$` or `$name$`) of a dollar-quoted string opening at `at`, if one does: a
/// placeholder (`$1`) is not one, nor is a `$` inside a name.
fn dollar_tag(sql: &str, at: usize) -> Option<&str> {
    let bytes = sql.as_bytes();
    if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
        return None;
    }
    let rest = &bytes[at + 1..];
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    if rest.first().is_some_and(u8::is_ascii_digit) || rest.get(name) != Some(&b'$') {
        return None;
    }
    Some(&sql[at..at + name + 2])
}

/// `$1` → `?1` outside literals and comments: SQLite reads `?NNN` as a numbered parameter, as
/// PostgreSQL reads `$NNN`.
pub(crate) fn sqlite_placeholders(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return std::borrow::Cow::Borrowed(sql);
    }
    // One pass over the bytes, copying the stretches between placeholders whole: this runs for
    // every statement the embedded store prepares, so it does what `pieces` does without
    // building them.
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut copied, mut at) = (0, 0);
    while at < bytes.len() {
        at = match bytes[at] {
            b'\'' | b'"' => quoted_end(bytes, at),
            b'-' if bytes.get(at + 1) == Some(&b'-') => {
                sql[at..].find('\n').map_or(bytes.len(), |n| at + n)
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => block_comment_end(bytes, at),
            b'$' if bytes.get(at + 1).is_some_and(u8::is_ascii_digit) => {
                out.push_str(&sql[copied..at]);
                out.push('?');
                copied = at + 1;
                at + 1
            }
            b'$' => match dollar_tag(sql, at) {
                Some(tag) => {
                    let body = at + tag.len();
                    sql[body..]
                        .find(tag)
                        .map_or(bytes.len(), |n| body + n + tag.len())
                }
                None => at + 1,
            },
            _ => at + 1,
        };
    }
    out.push_str(&sql[copied..]);
    std::borrow::Cow::Owned(out)
}

/// A script cut into its statements at the semicolons that end them (never one inside a
/// literal or comment); comments dropped, statements without code left out.
pub(crate) fn statements(script: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut finish = |current: &mut String| {
        let statement = std::mem::take(current);
        if !statement.trim().is_empty() {
            statements.push(statement.trim().to_string());
        }
    };
    for piece in pieces(script) {
        match piece {
            Piece::Code(code) => {
                let mut parts = code.split(';');
                current.push_str(parts.next().unwrap_or_default());
                for part in parts {
                    current.push(';');
                    finish(&mut current);
                    current.push_str(part);
                }
            }
            Piece::Quoted(text) => current.push_str(text),
            Piece::Comment(_) => current.push(' '),
        }
    }
    finish(&mut current);
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `sqlite_placeholders` must do, written over `pieces`.
    fn placeholders_by_pieces(sql: &str) -> String {
        let mut out = String::new();
        for piece in pieces(sql) {
            match piece {
                Piece::Code(code) => {
                    let mut chars = code.chars().peekable();
                    while let Some(c) = chars.next() {
                        let placeholder =
                            c == '$' && chars.peek().is_some_and(char::is_ascii_digit);
                        out.push(if placeholder { '?' } else { c });
                    }
                }
                Piece::Quoted(text) | Piece::Comment(text) => out.push_str(text),
            }
        }
        out
    }

    #[test]
    fn the_one_pass_rewrite_agrees_with_the_pieces() {
        let parts = [
            "SELECT ",
            "$1",
            "$12",
            "'$3'",
            "'it''s $4'",
            "\"co$5\"",
            "-- $6\n",
            "/* $7 /* $8 */ */",
            "$$ $9 $$",
            "$tag$ $10 $tag$",
            "a$b",
            "$x",
            "$",
            "'",
            "--",
            "/*",
            "é",
            ";",
            " = ",
        ];
        // Every sequence of up to four parts, unterminated literals and comments included.
        let mut inputs = vec![String::new()];
        let mut layer = inputs.clone();
        for _ in 0..4 {
            layer = layer
                .iter()
                .flat_map(|input| parts.iter().map(move |part| format!("{input}{part}")))
                .collect();
            inputs.extend(layer.iter().cloned());
        }
        for input in &inputs {
            assert_eq!(
                sqlite_placeholders(input),
                placeholders_by_pieces(input),
                "{input:?}"
            );
        }
    }

    #[test]
    fn placeholders_are_rewritten_only_in_code() {
        assert_eq!(
            sqlite_placeholders("SELECT json_extract(a, '$.x'), $1 FROM t WHERE b = $2"),
            "SELECT json_extract(a, '$.x'), ?1 FROM t WHERE b = ?2"
        );
        assert_eq!(
            sqlite_placeholders("SELECT \"co$1\", 'it''s $3' -- $4\n, $10 /* $5 */"),
            "SELECT \"co$1\", 'it''s $3' -- $4\n, ?10 /* $5 */"
        );
        // A `$` not followed by a digit, and a name with `$` in it, stay.
        assert_eq!(sqlite_placeholders("SELECT a$b, $x"), "SELECT a$b, $x");
        assert!(matches!(
            sqlite_placeholders("SELECT 1"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn scripts_are_cut_at_the_semicolons_that_end_statements() {
        let script = "-- a comment; with a semicolon\n\
            CREATE TABLE t (a TEXT DEFAULT 'x;y'); /* also; here */\n\
            INSERT INTO t VALUES ('it''s; fine');\n\
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
            DO $$ BEGIN PERFORM 1; END $$;\n\
            SELECT 1 /* outer /* nested; */ still comment; */;\n\
            -- the end, without a statement";
        assert_eq!(
            statements(script),
            vec![
                "CREATE TABLE t (a TEXT DEFAULT 'x;y');",
                "INSERT INTO t VALUES ('it''s; fine');",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;",
                "DO $$ BEGIN PERFORM 1; END $$;",
                "SELECT 1  ;",
            ]
        );
        // A last statement without its semicolon is kept.
        assert_eq!(
            statements("SELECT 1; SELECT 2"),
            vec!["SELECT 1;", "SELECT 2"]
        );
    }

    #[test]
    fn pieces_give_the_text_back() {
        let sql = "SELECT 'a''b', \"c\", $1, $$d$$ -- e\n/* f /* g */ */ h";
        let joined: String = pieces(sql)
            .iter()
            .map(|piece| match piece {
                Piece::Code(text) | Piece::Quoted(text) | Piece::Comment(text) => *text,
            })
            .collect();
        assert_eq!(joined, sql);
    }
}
