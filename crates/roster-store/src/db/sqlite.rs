//! The embedded store: one writer connection behind a mutex whose changes commit in groups
//! ([`SqliteWriter`]), a pool of readers, a checkpointer, and SQLite's errors as the store's.

use std::sync::Mutex;
use std::time::Duration;

use super::row::{Row, SqlValue, refuse_nul};
use super::tx::Tx;
use crate::{Error, Result};

/// Opens a connection with a page cache of `cache_kib`.
///
/// Readers get a small cache: in WAL mode a reader drops its whole cache whenever another
/// connection has written since its last read, and dropping costs in proportion to the cache's
/// size, which under steady writes cost more than the cache saved. They read through the
/// operating system's cache (mmap) instead. The writer, whose cache stays valid, gets a large one.
pub(super) fn open_sqlite_connection(
    path: &std::path::Path,
    cache_kib: u32,
) -> Result<rusqlite::Connection> {
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
pub(super) const WAL_RESTART_FRAMES: i64 = 65536;

/// Checkpoints the WAL every quarter second while the writer lives.
///
/// A PASSIVE checkpoint copies what it can without blocking anyone, but under steady writes it
/// never catches up with the end of the log, and a log that is never wholly copied never
/// restarts: it would grow without bound. So once the log passes [`WAL_RESTART_FRAMES`], a
/// RESTART checkpoint briefly holds writers back until the log is copied and can start over
/// (and `journal_size_limit`, 64 MB, then truncates the file).
pub(super) fn spawn_checkpointer(
    path: &std::path::Path,
    writer: std::sync::Weak<SqliteWriter>,
) -> Result<()> {
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
    pub(super) path: std::path::PathBuf,
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

pub(super) struct SqliteTx<'a>(pub(super) &'a rusqlite::Connection);

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

pub(super) struct WriterState {
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
pub(super) const MAX_GROUP: usize = 64;

impl SqliteWriter {
    pub(super) fn new(connection: rusqlite::Connection) -> Self {
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

    pub(super) fn write<T>(&self, work: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
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

    pub(super) fn batch(&self, script: &str) -> Result<()> {
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

pub(super) fn sqlite_error(error: rusqlite::Error) -> Error {
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
pub(super) fn sqlite_statement_error(
    connection: &rusqlite::Connection,
    error: rusqlite::Error,
) -> Error {
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
pub(super) fn sqlite_unique_index(
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
