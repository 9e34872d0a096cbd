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

use std::sync::Arc;

use std::time::Duration;

mod postgres;
mod row;
mod sqlite;
mod tx;

use postgres::{PostgresManager, PostgresTx, postgres_error};
pub(crate) use row::placeholders;
pub use row::{Row, SqlValue};
use sqlite::{
    SqliteManager, SqliteTx, SqliteWriter, open_sqlite_connection, spawn_checkpointer, sqlite_error,
};
pub(crate) use tx::Deferred;
pub use tx::Tx;

use crate::{Error, Result};

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
        let config: ::postgres::Config = url
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
                    .isolation_level(::postgres::IsolationLevel::RepeatableRead)
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

#[cfg(test)]
mod tests;
