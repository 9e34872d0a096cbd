//! The two database drivers behind one small interface.
//!
//! Every statement is written once, in PostgreSQL's dialect with `$1` placeholders, and runs on
//! both backends: the SQLite driver rewrites the placeholders to `?1` (outside literals and
//! comments: [`crate::sql_text`]), and each driver converts
//! [`SqlValue`] to and from its native types by the type the database declares (a `uuid`
//! column in PostgreSQL, `TEXT` in SQLite; `timestamptz` and integer microseconds; `boolean`
//! and 0/1). Schemas differ per backend and live in `migrations/`.
//!
//! SQLite has one writer at a time: writes queue on a mutex in front of a single connection
//! (rather than spinning on `SQLITE_BUSY`) and commit in groups ([`SqliteWriter`]); reads use a
//! pool. PostgreSQL uses one pool, and its row locks serialise writers that touch the same row.

use std::sync::{Arc, Mutex};

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::{Error, Result};

/// A value passed to or read from the database.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    Uuid(Uuid),
    Timestamp(DateTime<Utc>),
}

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        SqlValue::Text(value.to_string())
    }
}
impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        SqlValue::Text(value)
    }
}
impl From<bool> for SqlValue {
    fn from(value: bool) -> Self {
        SqlValue::Bool(value)
    }
}
impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        SqlValue::Int(value)
    }
}
impl From<Uuid> for SqlValue {
    fn from(value: Uuid) -> Self {
        SqlValue::Uuid(value)
    }
}
impl From<roster_core::types::ObjectId> for SqlValue {
    fn from(value: roster_core::types::ObjectId) -> Self {
        SqlValue::Uuid(value.as_uuid())
    }
}
impl From<roster_core::types::SkuId> for SqlValue {
    fn from(value: roster_core::types::SkuId) -> Self {
        SqlValue::Uuid(value.as_uuid())
    }
}
impl From<DateTime<Utc>> for SqlValue {
    fn from(value: DateTime<Utc>) -> Self {
        SqlValue::Timestamp(value)
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SqlValue::Null, Into::into)
    }
}

/// Builds a parameter list: `&params![tenant_id, name]` (an array; `.to_vec()` to extend it).
#[macro_export]
macro_rules! params {
    ($($value:expr),* $(,)?) => { [$($crate::db::SqlValue::from($value)),*] };
}

/// One row, read by column position with conversions that both backends agree on.
///
/// Each accessor is strict: a value of another type, or a null where a value is required, is
/// an error naming the column and what it held (never its content), not a default: a wrong
/// column index or a schema that drifted must fail where it is read.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<SqlValue>);

impl SqlValue {
    /// The value's type, for errors (never the value: it may be a secret).
    fn kind(&self) -> &'static str {
        match self {
            SqlValue::Null => "null",
            SqlValue::Bool(_) => "a boolean",
            SqlValue::Int(_) => "an integer",
            SqlValue::Text(_) => "text",
            SqlValue::Uuid(_) => "a uuid",
            SqlValue::Timestamp(_) => "a timestamp",
        }
    }
}

impl Row {
    fn at(&self, index: usize) -> Result<&SqlValue> {
        self.0.get(index).ok_or_else(|| {
            Error::Database(format!(
                "column {index} read from a row of {} columns",
                self.0.len()
            ))
        })
    }

    fn mismatch(&self, index: usize, wanted: &str) -> Error {
        let found = self.0.get(index).map_or("nothing", SqlValue::kind);
        Error::Database(format!("column {index}: expected {wanted}, found {found}"))
    }

    /// A required value: `read` of it, or an error when it is null or of another type.
    fn required<T>(
        &self,
        index: usize,
        wanted: &str,
        read: impl FnOnce(&Self, usize) -> Result<Option<T>>,
    ) -> Result<T> {
        read(self, index)?.ok_or_else(|| self.mismatch(index, wanted))
    }

    pub fn is_null(&self, index: usize) -> Result<bool> {
        Ok(matches!(self.at(index)?, SqlValue::Null))
    }

    pub fn text(&self, index: usize) -> Result<String> {
        self.required(index, "text", Row::opt_text)
    }

    /// Text, or a uuid as text (PostgreSQL's `uuid` columns are SQLite's `TEXT`).
    pub fn opt_text(&self, index: usize) -> Result<Option<String>> {
        match self.at(index)? {
            SqlValue::Text(text) => Ok(Some(text.clone())),
            SqlValue::Uuid(id) => Ok(Some(id.to_string())),
            SqlValue::Null => Ok(None),
            _ => Err(self.mismatch(index, "text")),
        }
    }

    /// [`Row::opt_text`] moved out of the row (the column then reads as null): for reading
    /// many rows without copying their strings.
    pub fn take_text(&mut self, index: usize) -> Result<Option<String>> {
        if let SqlValue::Text(_) = self.at(index)? {
            let SqlValue::Text(text) = std::mem::replace(&mut self.0[index], SqlValue::Null) else {
                unreachable!("matched as text")
            };
            return Ok(Some(text));
        }
        let text = self.opt_text(index)?;
        self.0[index] = SqlValue::Null;
        Ok(text)
    }

    pub fn int(&self, index: usize) -> Result<i64> {
        self.required(index, "an integer", Row::opt_int)
    }

    pub fn opt_int(&self, index: usize) -> Result<Option<i64>> {
        match self.at(index)? {
            SqlValue::Int(value) => Ok(Some(*value)),
            SqlValue::Null => Ok(None),
            _ => Err(self.mismatch(index, "an integer")),
        }
    }

    pub fn bool(&self, index: usize) -> Result<bool> {
        self.required(index, "a boolean", Row::opt_bool)
    }

    /// A boolean, or SQLite's 0 and 1.
    pub fn opt_bool(&self, index: usize) -> Result<Option<bool>> {
        match self.at(index)? {
            SqlValue::Bool(flag) => Ok(Some(*flag)),
            SqlValue::Int(0) => Ok(Some(false)),
            SqlValue::Int(1) => Ok(Some(true)),
            SqlValue::Null => Ok(None),
            _ => Err(self.mismatch(index, "a boolean")),
        }
    }

    pub fn uuid(&self, index: usize) -> Result<Uuid> {
        self.required(index, "a uuid", Row::opt_uuid)
    }

    /// A uuid, or SQLite's text of one.
    pub fn opt_uuid(&self, index: usize) -> Result<Option<Uuid>> {
        match self.at(index)? {
            SqlValue::Uuid(id) => Ok(Some(*id)),
            SqlValue::Text(text) => Uuid::parse_str(text)
                .map(Some)
                .map_err(|_| self.mismatch(index, "a uuid")),
            SqlValue::Null => Ok(None),
            _ => Err(self.mismatch(index, "a uuid")),
        }
    }

    pub fn timestamp(&self, index: usize) -> Result<DateTime<Utc>> {
        self.required(index, "a timestamp", Row::opt_timestamp)
    }

    /// A timestamp, or SQLite's integer microseconds since 1970.
    pub fn opt_timestamp(&self, index: usize) -> Result<Option<DateTime<Utc>>> {
        match self.at(index)? {
            SqlValue::Timestamp(at) => Ok(Some(*at)),
            SqlValue::Int(micros) => Utc
                .timestamp_micros(*micros)
                .single()
                .map(Some)
                .ok_or_else(|| self.mismatch(index, "a timestamp")),
            SqlValue::Null => Ok(None),
            _ => Err(self.mismatch(index, "a timestamp")),
        }
    }

    /// Text stored for a value of a closed set (a role, a license state), parsed back by
    /// `parse`: text it does not know is an error naming `what`, never a default or skipped.
    pub fn parsed<T>(
        &self,
        index: usize,
        parse: impl FnOnce(&str) -> Option<T>,
        what: &str,
    ) -> Result<T> {
        let text = self.text(index)?;
        parse(&text).ok_or_else(|| {
            Error::Database(format!("a stored {what} that roster does not know: {text}"))
        })
    }

    /// Stored JSON, parsed: text that does not parse as `T` is an error, never a default.
    pub fn json<T: serde::de::DeserializeOwned>(&self, index: usize) -> Result<T> {
        self.required(index, "JSON text", Row::opt_json)
    }

    /// [`Row::json`] of a column that may be null.
    pub fn opt_json<T: serde::de::DeserializeOwned>(&self, index: usize) -> Result<Option<T>> {
        self.opt_text(index)?
            .map(|text| {
                serde_json::from_str(&text).map_err(|error| {
                    Error::Database(format!("column {index}: stored JSON: {error}"))
                })
            })
            .transpose()
    }
}

/// `count` numbered placeholders from `$first`: `$3, $4, $5`, for an `IN (…)` list or a row of
/// values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

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
const MAX_PARAMETERS: usize = 30_000;

/// Rows per statement: more gains little, and makes a statement's text and program large.
const MAX_ROWS: usize = 512;

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
fn renumber(tuple: &str, offset: usize, out: &mut String) {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite {
        writer: Arc<SqliteWriter>,
        readers: r2d2::Pool<SqliteManager>,
    },
    Postgres(r2d2::Pool<PostgresManager>),
}

impl Pool {
    pub(crate) fn open_sqlite(path: &std::path::Path) -> Result<Pool> {
        let writer = open_sqlite_connection(path, 65536)?;
        writer
            .execute_batch("PRAGMA journal_mode = WAL;")
            .map_err(sqlite_error)?;
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .build(SqliteManager {
                path: path.to_path_buf(),
            })
            .map_err(|error| Error::Database(format!("opening sqlite readers: {error}")))?;
        // Checkpoints move WAL pages into the database file. SQLite runs them inside the commit
        // that crosses the threshold, holding the write lock; here a thread of its own runs them
        // beside the writer instead (PASSIVE: it never blocks writers or readers).
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .map_err(sqlite_error)?;
        let writer = Arc::new(SqliteWriter::new(writer));
        spawn_checkpointer(path, Arc::downgrade(&writer))?;
        Ok(Pool::Sqlite { writer, readers })
    }

    pub(crate) fn open_postgres(url: &str, max_connections: u32) -> Result<Pool> {
        let config: postgres::Config = url
            .parse()
            .map_err(|error| Error::Database(format!("invalid database url: {error}")))?;
        // Connections open as they are needed: r2d2 would otherwise open all of them at start,
        // and several servers (or test runs) on one PostgreSQL would exhaust its connections.
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(2))
            .connection_timeout(Duration::from_secs(10))
            .build(PostgresManager { config })
            .map_err(|error| Error::Database(format!("connecting to postgres: {error}")))?;
        Ok(Pool::Postgres(pool))
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `work` in one transaction; commits when it returns `Ok`, rolls back otherwise.
    ///
    /// On PostgreSQL, transactions of several servers that take the same rows in different orders
    /// (a user, then a subscription; a group, then its queue entry) can deadlock; the database
    /// then aborts one of them, which is run again from the start, up to eight times; still
    /// contended after that, the caller gets [`Error::Contended`] (503).
    pub(crate) fn write<T>(&self, mut work: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        match self {
            Pool::Sqlite { writer, .. } => writer.write(|tx| work(tx)),
            Pool::Postgres(pool) => {
                let mut client = pool
                    .get()
                    .map_err(|error| Error::Database(format!("postgres pool: {error}")))?;
                let mut attempt = 0;
                loop {
                    let mut transaction = client.transaction().map_err(postgres_error)?;
                    let outcome = work(&mut PostgresTx(&mut transaction)).and_then(|value| {
                        transaction.commit().map_err(postgres_error).map(|()| value)
                    });
                    match outcome {
                        Err(Error::Contended(_)) if attempt < 8 => {
                            attempt += 1;
                            std::thread::sleep(std::time::Duration::from_millis(2 << attempt));
                        }
                        other => return other,
                    }
                }
            }
        }
    }

    /// Runs `work` on a connection that sees one consistent snapshot.
    pub(crate) fn read<T>(&self, work: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        match self {
            Pool::Sqlite { readers, .. } => {
                let mut connection = readers
                    .get()
                    .map_err(|error| Error::Database(format!("sqlite pool: {error}")))?;
                let transaction = connection.transaction().map_err(sqlite_error)?;
                let value = work(&mut SqliteTx(&transaction))?;
                transaction.finish().map_err(sqlite_error)?;
                Ok(value)
            }
            Pool::Postgres(pool) => {
                let mut client = pool
                    .get()
                    .map_err(|error| Error::Database(format!("postgres pool: {error}")))?;
                let mut transaction = client
                    .build_transaction()
                    .read_only(true)
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .start()
                    .map_err(postgres_error)?;
                let value = work(&mut PostgresTx(&mut transaction))?;
                transaction.commit().map_err(postgres_error)?;
                Ok(value)
            }
        }
    }

    /// Runs a script of statements outside any transaction (migrations).
    pub(crate) fn batch(&self, script: &str) -> Result<()> {
        match self {
            Pool::Sqlite { writer, .. } => writer.batch(script),
            Pool::Postgres(pool) => pool
                .get()
                .map_err(|error| Error::Database(format!("postgres pool: {error}")))?
                .batch_execute(script)
                .map_err(postgres_error),
        }
    }
}

// ---- SQLite ----

/// Opens a connection with a page cache of `cache_kib`.
///
/// Readers get a small cache: in WAL mode a reader drops its whole cache whenever another
/// connection has written since its last read, and dropping costs in proportion to the cache's
/// size, which under steady writes cost more than the cache saved. They read through the
/// operating system's cache (mmap) instead. The writer, whose cache stays valid, gets a large one.
fn open_sqlite_connection(path: &std::path::Path, cache_kib: u32) -> Result<rusqlite::Connection> {
    let connection = rusqlite::Connection::open(path).map_err(sqlite_error)?;
    connection
        .execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
             PRAGMA cache_size = -{cache_kib}; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 1073741824; \
             PRAGMA journal_size_limit = 67108864;"
        ))
        .map_err(sqlite_error)?;
    connection.set_prepared_statement_cache_capacity(256);
    Ok(connection)
}

/// WAL frames past which the checkpointer makes writers wait for it, so that the log restarts:
/// 256 MB of 4 KiB pages. Each restart held a bulk import's writer back for about a second
/// (at 8,192 frames, once in a 100,000-user import, which it slowed by 0.5 to 1 s); at this size
/// such an import does not reach it, and the log still cannot grow without bound.
const WAL_RESTART_FRAMES: i64 = 65536;

/// Checkpoints the WAL every quarter second while the writer lives.
///
/// A PASSIVE checkpoint copies what it can without blocking anyone, but under steady writes it
/// never catches up with the end of the log, and a log that is never wholly copied never
/// restarts: it would grow without bound. So once the log passes [`WAL_RESTART_FRAMES`], a
/// RESTART checkpoint briefly holds writers back until the log is copied and can start over
/// (and `journal_size_limit`, 64 MB, then truncates the file).
fn spawn_checkpointer(path: &std::path::Path, writer: std::sync::Weak<SqliteWriter>) -> Result<()> {
    let connection = open_sqlite_connection(path, 2048)?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while writer.upgrade().is_some() {
                let frames = connection.query_row("PRAGMA wal_checkpoint(PASSIVE);", [], |row| {
                    row.get::<_, i64>(1)
                });
                let outcome = match frames {
                    Ok(frames) if frames > WAL_RESTART_FRAMES => {
                        connection.execute_batch("PRAGMA wal_checkpoint(RESTART);")
                    }
                    Ok(_) => Ok(()),
                    Err(error) => Err(error),
                };
                if let Err(error) = outcome {
                    tracing::warn!("sqlite checkpoint failed: {error}");
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        })
        .map_err(|error| Error::Database(format!("starting the checkpoint thread: {error}")))?;
    Ok(())
}

pub(crate) struct SqliteManager {
    path: std::path::PathBuf,
}

impl r2d2::ManageConnection for SqliteManager {
    type Connection = rusqlite::Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> std::result::Result<Self::Connection, Self::Error> {
        open_sqlite_connection(&self.path, 4096)
            .map_err(|_| rusqlite::Error::InvalidPath(self.path.clone()))
    }

    fn is_valid(&self, connection: &mut Self::Connection) -> std::result::Result<(), Self::Error> {
        connection.execute_batch("")
    }

    fn has_broken(&self, _: &mut Self::Connection) -> bool {
        false
    }
}

struct SqliteTx<'a>(&'a rusqlite::Connection);

/// The single SQLite writer, with group commit.
///
/// Callers run their work on the caller's own thread while holding the connection, each in a
/// savepoint of a shared transaction. The caller that finds nobody else waiting commits the
/// group; the others wait for that commit before they return, so no caller sees its change
/// acknowledged before it is durable, and a failed piece of work rolls back only its savepoint.
/// (Except for a deferred foreign key, `group_members`' group, which SQLite checks only when
/// the group commits: a piece of work that broke it would fail its whole group. Every writer
/// of a membership finds its group in the same piece of work first, and a group's deletion
/// takes its memberships with it, so only a bug can break it; the commit then refuses it.)
/// One commit for several changes is what lets concurrent writers go faster than one commit
/// (and its WAL writes) each.
pub(crate) struct SqliteWriter {
    state: Mutex<WriterState>,
    committed: std::sync::Condvar,
    waiting: std::sync::atomic::AtomicUsize,
}

struct WriterState {
    connection: rusqlite::Connection,
    /// The group whose transaction is open, if one is.
    open: Option<u64>,
    next_group: u64,
    jobs_in_group: usize,
    /// The groups whose commit failed (rare: a full disk, an I/O error), most recent last, for
    /// the callers waiting on them; every other committed group succeeded.
    failed_groups: std::collections::VecDeque<(u64, String)>,
}

/// Past this many changes a group commits even when others wait, to bound latency.
const MAX_GROUP: usize = 64;

impl SqliteWriter {
    fn new(connection: rusqlite::Connection) -> Self {
        SqliteWriter {
            state: Mutex::new(WriterState {
                connection,
                open: None,
                next_group: 1,
                jobs_in_group: 0,
                failed_groups: Default::default(),
            }),
            committed: std::sync::Condvar::new(),
            waiting: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WriterState> {
        use std::sync::atomic::Ordering;
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    fn write<T>(&self, work: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut state = self.lock();
        let group = match state.open {
            Some(group) => group,
            None => {
                state
                    .connection
                    .execute_batch("BEGIN IMMEDIATE")
                    .map_err(sqlite_error)?;
                let group = state.next_group;
                state.next_group += 1;
                state.open = Some(group);
                state.jobs_in_group = 0;
                group
            }
        };
        state.jobs_in_group += 1;
        let result = Self::in_savepoint(&state.connection, work);
        let others_waiting = self.waiting.load(std::sync::atomic::Ordering::SeqCst) > 0;
        if !others_waiting || state.jobs_in_group >= MAX_GROUP {
            let outcome = state
                .connection
                .execute_batch("COMMIT")
                .map_err(|error| error.to_string());
            if outcome.is_err() {
                let _ = state.connection.execute_batch("ROLLBACK");
            }
            state.open = None;
            if let Err(error) = outcome {
                state.failed_groups.push_back((group, error));
                while state.failed_groups.len() > 4096 {
                    state.failed_groups.pop_front();
                }
            }
            self.committed.notify_all();
        } else {
            // Someone else will commit this group: wait for it.
            state = self
                .committed
                .wait_while(state, |s| s.open == Some(group))
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let failure = state
            .failed_groups
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, error)| error.clone());
        drop(state);
        match failure {
            None => result,
            Some(error) => Err(Error::Database(format!("sqlite commit: {error}"))),
        }
    }

    /// Runs `work` in a savepoint, rolling back only its own changes if it fails or panics.
    fn in_savepoint<T>(
        connection: &rusqlite::Connection,
        work: impl FnOnce(&mut dyn Tx) -> Result<T>,
    ) -> Result<T> {
        connection
            .execute_batch("SAVEPOINT work")
            .map_err(sqlite_error)?;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            work(&mut SqliteTx(connection))
        }));
        let result = match outcome {
            Ok(result) => result,
            Err(_) => Err(Error::Database(
                "a write panicked and was rolled back".into(),
            )),
        };
        let finish = if result.is_ok() {
            "RELEASE work"
        } else {
            "ROLLBACK TO work; RELEASE work"
        };
        connection.execute_batch(finish).map_err(sqlite_error)?;
        result
    }

    fn batch(&self, script: &str) -> Result<()> {
        self.write(|_| Ok(()))?;
        let state = self.lock();
        state.connection.execute_batch(script).map_err(sqlite_error)
    }
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            SqlValue::Null => ToSqlOutput::Owned(Value::Null),
            SqlValue::Bool(flag) => ToSqlOutput::Owned(Value::Integer(*flag as i64)),
            SqlValue::Int(value) => ToSqlOutput::Owned(Value::Integer(*value)),
            SqlValue::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            SqlValue::Uuid(id) => ToSqlOutput::Owned(Value::Text(id.to_string())),
            SqlValue::Timestamp(at) => ToSqlOutput::Owned(Value::Integer(at.timestamp_micros())),
        })
    }
}

/// PostgreSQL cannot hold a NUL character in text and SQLite can: neither store is sent one,
/// so that both refuse it alike, and as a bad request rather than a database error. The
/// front-ends refuse a NUL where they read text (JSON bodies, CSV files, query options) and
/// say where it was; this refuses one that came another way (a path key, a form field).
fn refuse_nul(params: &[SqlValue]) -> Result<()> {
    let nul = params
        .iter()
        .any(|value| matches!(value, SqlValue::Text(text) if text.contains('\0')));
    if nul {
        let problem = roster_core::types::Problem::Character('\0');
        return Err(Error::BadRequest(format!("A value is invalid: {problem}.")));
    }
    Ok(())
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64> {
        refuse_nul(params)?;
        let mut statement = self
            .0
            .prepare_cached(&crate::sql_text::sqlite_placeholders(sql))
            .map_err(sqlite_error)?;
        let changed = statement
            .execute(rusqlite::params_from_iter(params))
            .map_err(|error| sqlite_statement_error(self.0, error))?;
        Ok(changed as u64)
    }

    /// As `INSERT OR IGNORE`, with the rows inserted counted. A statement that writes several
    /// rows and may fail part-way (on a duplicate key, a NULL, an immediate foreign key) makes
    /// SQLite copy every page it touches that the transaction had already changed into a
    /// statement journal, to undo it alone: a fifth of the time of working out 500 dynamic
    /// groups went to that copying, and inserting their million memberships alone took half as
    /// long without it. One that ignores a refused row cannot fail part-way, and a row missing
    /// from the count fails the whole transaction instead. (A foreign key checked by each
    /// statement would still make it one that can fail: `group_members`' is deferred.)
    fn insert_rows(&mut self, sql: &str, params: &[SqlValue], rows: usize) -> Result<()> {
        let rest = sql
            .strip_prefix("INSERT INTO ")
            .expect("insert_rows takes INSERT INTO ... VALUES ...");
        let inserted = self.execute(&format!("INSERT OR IGNORE INTO {rest}"), params)?;
        if inserted as usize != rows {
            let table = rest.split_whitespace().next().unwrap_or_default();
            tracing::debug!(
                table,
                refused = rows.saturating_sub(inserted as usize),
                rows,
                "rows inserted together were refused (a duplicate key or a broken constraint)"
            );
            return Err(Error::UniqueViolation { constraint: None });
        }
        Ok(())
    }

    fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        use rusqlite::types::ValueRef;
        refuse_nul(params)?;
        let mut statement = self
            .0
            .prepare_cached(&crate::sql_text::sqlite_placeholders(sql))
            .map_err(sqlite_error)?;
        let width = statement.column_count();
        let mut rows = statement
            .query(rusqlite::params_from_iter(params))
            .map_err(sqlite_error)?;
        let mut out = Vec::with_capacity(64);
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            let mut values = Vec::with_capacity(width);
            for index in 0..width {
                values.push(match row.get_ref(index).map_err(sqlite_error)? {
                    ValueRef::Null => SqlValue::Null,
                    ValueRef::Integer(value) => SqlValue::Int(value),
                    ValueRef::Real(value) => SqlValue::Int(value as i64),
                    ValueRef::Text(text) | ValueRef::Blob(text) => {
                        SqlValue::Text(String::from_utf8_lossy(text).into_owned())
                    }
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
}

fn sqlite_error(error: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(code, message) = &error {
        if code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        {
            return Error::UniqueViolation { constraint: None };
        }
        if code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_CHECK {
            return Error::CheckViolation(message.clone().unwrap_or_default());
        }
    }
    Error::Database(format!("sqlite: {error}"))
}

/// [`sqlite_error`] of a statement run on `connection`, which names a refusing unique index as
/// PostgreSQL does: SQLite's message names the index only for an index on expressions, and
/// otherwise its table and columns, which the schema turns back into the index's name.
fn sqlite_statement_error(connection: &rusqlite::Connection, error: rusqlite::Error) -> Error {
    let named = match &error {
        rusqlite::Error::SqliteFailure(code, Some(message))
            if code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            let primary_key = code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY;
            sqlite_unique_index(connection, message, primary_key)
        }
        _ => None,
    };
    match named {
        Some(name) => Error::UniqueViolation {
            constraint: Some(name),
        },
        None => sqlite_error(error),
    }
}

/// The name of the unique index SQLite's `message` ("UNIQUE constraint failed: …") is about.
fn sqlite_unique_index(
    connection: &rusqlite::Connection,
    message: &str,
    primary_key: bool,
) -> Option<String> {
    let failed = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(name) = failed
        .strip_prefix("index '")
        .and_then(|rest| rest.strip_suffix('\''))
    {
        return Some(name.to_string());
    }
    let columns: Vec<(&str, &str)> = failed
        .split(", ")
        .map(|column| column.split_once('.'))
        .collect::<Option<_>>()?;
    let table = columns.first()?.0;
    if primary_key {
        return Some(format!("{table}_pkey"));
    }
    let wanted: Vec<&str> = columns.iter().map(|(_, column)| *column).collect();
    let indexes: Vec<String> = connection
        .prepare("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1")
        .and_then(|mut statement| {
            statement
                .query_map([table], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .ok()?;
    indexes.into_iter().find_map(|index| {
        let columns: Vec<String> = connection
            .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
            .and_then(|mut statement| {
                statement
                    .query_map([&index], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .ok()?;
        if columns != wanted {
            return None;
        }
        // A UNIQUE written in CREATE TABLE: PostgreSQL names it `{table}_{columns}_key`.
        Some(if index.starts_with("sqlite_autoindex_") {
            format!("{table}_{}_key", columns.join("_"))
        } else {
            index
        })
    })
}

// ---- PostgreSQL ----

pub(crate) struct PostgresManager {
    config: postgres::Config,
}

/// A PostgreSQL connection that closes on a thread of its own. The synchronous client closes
/// by blocking on a runtime of its own, which cannot be done on an async runtime's thread, and
/// that is where a stopped server's last handle on its store is dropped.
pub(crate) struct PostgresConnection(Option<postgres::Client>);

impl std::ops::Deref for PostgresConnection {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        self.0.as_ref().expect("a connection until dropped")
    }
}

impl std::ops::DerefMut for PostgresConnection {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        self.0.as_mut().expect("a connection until dropped")
    }
}

impl Drop for PostgresConnection {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            let _ = std::thread::Builder::new()
                .name("postgres-close".into())
                .spawn(move || drop(client));
        }
    }
}

impl r2d2::ManageConnection for PostgresManager {
    type Connection = PostgresConnection;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<Self::Connection, Self::Error> {
        self.config
            .connect(postgres::NoTls)
            .map(|client| PostgresConnection(Some(client)))
    }

    fn is_valid(&self, client: &mut Self::Connection) -> std::result::Result<(), Self::Error> {
        client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, client: &mut Self::Connection) -> bool {
        client.is_closed()
    }
}

struct PostgresTx<'a, 'b>(&'a mut postgres::Transaction<'b>);

impl postgres::types::ToSql for SqlValue {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::Type;
        match self {
            SqlValue::Null => Ok(postgres::types::IsNull::Yes),
            SqlValue::Bool(flag) => flag.to_sql(ty, out),
            SqlValue::Int(value) => match *ty {
                Type::INT2 => (*value as i16).to_sql(ty, out),
                Type::INT4 => (*value as i32).to_sql(ty, out),
                Type::BOOL => (*value != 0).to_sql(ty, out),
                _ => value.to_sql(ty, out),
            },
            SqlValue::Text(text) => match *ty {
                Type::UUID => Uuid::parse_str(text)?.to_sql(ty, out),
                _ => text.to_sql(ty, out),
            },
            SqlValue::Uuid(id) => match *ty {
                Type::UUID => id.to_sql(ty, out),
                _ => id.to_string().to_sql(ty, out),
            },
            SqlValue::Timestamp(at) => match *ty {
                Type::INT8 => at.timestamp_micros().to_sql(ty, out),
                _ => at.to_sql(ty, out),
            },
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn postgres_value(
    row: &postgres::Row,
    index: usize,
) -> std::result::Result<SqlValue, postgres::Error> {
    use postgres::types::Type;
    let ty = row.columns()[index].type_().clone();
    Ok(match ty {
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)?
            .map_or(SqlValue::Null, SqlValue::Bool),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)?
            .map_or(SqlValue::Null, |v| SqlValue::Int(v.into())),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)?
            .map_or(SqlValue::Null, |v| SqlValue::Int(v.into())),
        Type::INT8 => row
            .try_get::<_, Option<i64>>(index)?
            .map_or(SqlValue::Null, SqlValue::Int),
        Type::UUID => row
            .try_get::<_, Option<Uuid>>(index)?
            .map_or(SqlValue::Null, SqlValue::Uuid),
        Type::TIMESTAMPTZ => row
            .try_get::<_, Option<DateTime<Utc>>>(index)?
            .map_or(SqlValue::Null, SqlValue::Timestamp),
        Type::VOID => SqlValue::Null,
        _ => row
            .try_get::<_, Option<String>>(index)?
            .map_or(SqlValue::Null, SqlValue::Text),
    })
}

impl Tx for PostgresTx<'_, '_> {
    fn row_lock(&self) -> &'static str {
        " FOR UPDATE"
    }

    fn share_lock(&self) -> &'static str {
        " FOR SHARE"
    }

    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64> {
        refuse_nul(params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as _).collect();
        let statement = self.0.prepare(sql).map_err(postgres_error)?;
        self.0.execute(&statement, &refs).map_err(postgres_error)
    }

    fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        refuse_nul(params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as _).collect();
        let statement = self.0.prepare(sql).map_err(postgres_error)?;
        let rows = self.0.query(&statement, &refs).map_err(postgres_error)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|index| postgres_value(row, index))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map(Row)
                    .map_err(postgres_error)
            })
            .collect()
    }
}

fn postgres_error(error: postgres::Error) -> Error {
    if let Some(db) = error.as_db_error() {
        let detail = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
        if *db.code() == postgres::error::SqlState::UNIQUE_VIOLATION {
            return Error::UniqueViolation {
                constraint: db.constraint().map(str::to_string),
            };
        }
        if *db.code() == postgres::error::SqlState::CHECK_VIOLATION {
            return Error::CheckViolation(detail);
        }
        if *db.code() == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
            || *db.code() == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
        {
            return Error::Contended(detail);
        }
        return Error::Database(format!("postgres: {}: {}", db.code().code(), db.message()));
    }
    Error::Database(format!("postgres: {error}"))
}

#[cfg(test)]
mod tests;
