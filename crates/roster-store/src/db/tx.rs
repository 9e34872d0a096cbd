//! A transaction on either backend ([`Tx`]), and [`Deferred`], which holds a batch's inserts back
//! to write them as multi-row statements.

use super::row::{Row, SqlValue, refuse_nul};
use crate::Result;

/// A transaction (or a read-only connection) on either backend.
pub trait Tx {
    /// Runs a statement and returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>>;

    fn query_one(&mut self, sql: &str, params: &[SqlValue]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs an `INSERT INTO t (...) VALUES ($1, ...)` whose row nothing reads back before the
    /// transaction ends. A transaction may hold it and insert it later with others of its kind
    /// (see [`Deferred`]); its errors (a duplicate key) may then surface only at that point.
    fn insert_later(&mut self, sql: &str, params: &[SqlValue]) -> Result<()> {
        self.execute(sql, params).map(drop)
    }

    /// Runs an `INSERT INTO t (...) VALUES (...), (...), ...` of `rows` rows; if any row is
    /// refused (a duplicate key, a broken constraint), fails (a row SQLite skipped as
    /// [`Error::UniqueViolation`]), and the caller's transaction must be rolled back.
    fn insert_rows(&mut self, sql: &str, params: &[SqlValue], _rows: usize) -> Result<()> {
        self.execute(sql, params).map(drop)
    }

    /// What to append to a `SELECT` whose rows the transaction will change: ` FOR UPDATE` on
    /// PostgreSQL, so that concurrent transactions on the same rows take turns; nothing on
    /// SQLite, whose single writer already serialises them.
    fn row_lock(&self) -> &'static str {
        ""
    }

    /// Like [`Tx::row_lock`], for a row the transaction only reads but must not see change under
    /// it: ` FOR SHARE` on PostgreSQL (readers share it; a writer waits for them).
    fn share_lock(&self) -> &'static str {
        ""
    }
}

/// A transaction that holds back the rows given to [`Tx::insert_later`] and inserts them with
/// one multi-row statement per kind of row when flushed: a bulk batch of 500 users is a few
/// dozen statements instead of thousands, whose per-statement cost dominates in SQLite.
pub(crate) struct Deferred<'a> {
    inner: &'a mut dyn Tx,
    /// Whether to hold rows back at all (else they are inserted at once).
    hold: bool,
    /// Per statement, in the order first seen (so that a row is inserted after those it
    /// refers to): its text and the values of every held row.
    held: Vec<(String, Vec<SqlValue>, usize)>,
}

/// Parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
pub(super) const MAX_PARAMETERS: usize = 30_000;

/// Rows per statement: more gains little, and makes a statement's text and program large.
pub(super) const MAX_ROWS: usize = 512;

impl<'a> Deferred<'a> {
    pub(crate) fn new(inner: &'a mut dyn Tx, hold: bool) -> Self {
        Deferred {
            inner,
            hold,
            held: Vec::new(),
        }
    }

    /// Inserts every held row.
    pub(crate) fn flush(&mut self) -> Result<()> {
        for (sql, values, width) in std::mem::take(&mut self.held) {
            let split = sql
                .find(" VALUES (")
                .expect("insert_later takes INSERT ... VALUES (...)");
            let (head, tuple) = (&sql[..split], &sql[split + " VALUES ".len()..]);
            // Statements of a few sizes only (the most rows a statement takes, then powers of
            // two for the rest), so that the connection's statement cache prepares each once.
            let most = (MAX_PARAMETERS / width.max(1)).clamp(1, MAX_ROWS);
            let mut rest = values.as_slice();
            while !rest.is_empty() {
                let left = rest.len() / width.max(1);
                let rows = if left >= most {
                    most
                } else {
                    1 << left.ilog2()
                };
                let (chunk, after) = rest.split_at(rows * width);
                rest = after;
                let mut statement = String::with_capacity(head.len() + rows * (tuple.len() + 8));
                statement.push_str(head);
                statement.push_str(" VALUES ");
                for row in 0..rows {
                    if row > 0 {
                        statement.push_str(", ");
                    }
                    renumber(tuple, row * width, &mut statement);
                }
                self.inner.insert_rows(&statement, chunk, rows)?;
            }
        }
        Ok(())
    }
}

/// Appends `tuple` with each placeholder `$n` written as `$(n + offset)`.
pub(super) fn renumber(tuple: &str, offset: usize, out: &mut String) {
    let mut rest = tuple;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let digits = rest[dollar + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len() - dollar - 1, |end| end);
        let number: usize = rest[dollar + 1..dollar + 1 + digits]
            .parse()
            .expect("placeholders are $ and a number");
        out.push('$');
        out.push_str(&(number + offset).to_string());
        rest = &rest[dollar + 1 + digits..];
    }
    out.push_str(rest);
}

impl Tx for Deferred<'_> {
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64> {
        self.inner.execute(sql, params)
    }

    fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        self.inner.query(sql, params)
    }

    fn row_lock(&self) -> &'static str {
        self.inner.row_lock()
    }

    fn share_lock(&self) -> &'static str {
        self.inner.share_lock()
    }

    fn insert_rows(&mut self, sql: &str, params: &[SqlValue], rows: usize) -> Result<()> {
        self.inner.insert_rows(sql, params, rows)
    }

    fn insert_later(&mut self, sql: &str, params: &[SqlValue]) -> Result<()> {
        if !self.hold {
            return self.inner.insert_later(sql, params);
        }
        // Refused now, the row that gave it fails, not the statement that inserts them all.
        refuse_nul(params)?;
        match self.held.iter_mut().find(|(held, _, _)| held == sql) {
            Some((_, values, _)) => values.extend_from_slice(params),
            None => self
                .held
                .push((sql.to_string(), params.to_vec(), params.len())),
        }
        Ok(())
    }
}
