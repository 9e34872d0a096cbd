//! The [`Store`]: a pool of connections to one database, its schema brought up to date when it
//! is opened, and the server-wide secrets kept in it. Its use cases are written in the modules
//! of what they change (`users`, `groups`, `licenses`, ...).

use std::path::Path;

use crate::db::{Backend, Pool};
use crate::{Error, Result, params, sql_text};

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

/// The embedded store's schema, one script per version (also what benchmarks' floors create).
pub const MIGRATIONS_SQLITE: &[&str] = &[
    include_str!("../migrations/sqlite-0001.sql"),
    include_str!("../migrations/sqlite-0002.sql"),
    include_str!("../migrations/sqlite-0003.sql"),
    include_str!("../migrations/sqlite-0004.sql"),
    include_str!("../migrations/sqlite-0005.sql"),
    include_str!("../migrations/sqlite-0006.sql"),
    include_str!("../migrations/sqlite-0007.sql"),
    include_str!("../migrations/sqlite-0008.sql"),
    include_str!("../migrations/sqlite-0009.sql"),
    include_str!("../migrations/sqlite-0010.sql"),
    include_str!("../migrations/sqlite-0011.sql"),
    include_str!("../migrations/sqlite-0012.sql"),
    include_str!("../migrations/sqlite-0013.sql"),
    include_str!("../migrations/sqlite-0014.sql"),
    include_str!("../migrations/sqlite-0015.sql"),
    include_str!("../migrations/sqlite-0016.sql"),
    include_str!("../migrations/sqlite-0017.sql"),
    include_str!("../migrations/sqlite-0018.sql"),
    include_str!("../migrations/sqlite-0019.sql"),
    include_str!("../migrations/sqlite-0020.sql"),
    include_str!("../migrations/sqlite-0021.sql"),
    include_str!("../migrations/sqlite-0022.sql"),
    include_str!("../migrations/sqlite-0023.sql"),
    include_str!("../migrations/sqlite-0024.sql"),
    include_str!("../migrations/sqlite-0025.sql"),
    include_str!("../migrations/sqlite-0026.sql"),
];

const MIGRATIONS_POSTGRES: &[&str] = &[
    include_str!("../migrations/postgres-0001.sql"),
    include_str!("../migrations/postgres-0002.sql"),
    include_str!("../migrations/postgres-0003.sql"),
    include_str!("../migrations/postgres-0004.sql"),
    include_str!("../migrations/postgres-0005.sql"),
    include_str!("../migrations/postgres-0006.sql"),
    include_str!("../migrations/postgres-0007.sql"),
    include_str!("../migrations/postgres-0008.sql"),
    include_str!("../migrations/postgres-0009.sql"),
    include_str!("../migrations/postgres-0010.sql"),
    include_str!("../migrations/postgres-0011.sql"),
    include_str!("../migrations/postgres-0012.sql"),
    include_str!("../migrations/postgres-0013.sql"),
    include_str!("../migrations/postgres-0014.sql"),
    include_str!("../migrations/postgres-0015.sql"),
    include_str!("../migrations/postgres-0016.sql"),
    include_str!("../migrations/postgres-0017.sql"),
    include_str!("../migrations/postgres-0018.sql"),
    include_str!("../migrations/postgres-0019.sql"),
    include_str!("../migrations/postgres-0020.sql"),
    include_str!("../migrations/postgres-0021.sql"),
    include_str!("../migrations/postgres-0022.sql"),
    include_str!("../migrations/postgres-0023.sql"),
    include_str!("../migrations/postgres-0024.sql"),
    include_str!("../migrations/postgres-0025.sql"),
    include_str!("../migrations/postgres-0026.sql"),
];

impl Store {
    /// Opens (creating if needed) an embedded database file and brings its schema up to date.
    pub fn open_sqlite(path: &Path) -> Result<Store> {
        let store = Store {
            pool: Pool::open_sqlite(path)?,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Connects to PostgreSQL (`postgres://user@host:port/db`) and brings its schema up to date.
    pub fn open_postgres(url: &str) -> Result<Store> {
        let store = Store {
            pool: Pool::open_postgres(url, 16)?,
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Applies the migrations this database lacks. Several servers starting at once on one
    /// PostgreSQL database serialise on an advisory lock.
    fn migrate(&self) -> Result<()> {
        let (migrations, lock) = match self.backend() {
            Backend::Sqlite => (MIGRATIONS_SQLITE, None),
            Backend::Postgres => (MIGRATIONS_POSTGRES, Some(0x726f73746572_i64)),
        };
        self.pool
            .batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")?;
        self.pool.write(|tx| {
            if let Some(key) = lock {
                tx.execute("SELECT pg_advisory_xact_lock($1)", &params![key])?;
            }
            let applied = tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    &[],
                )?
                .map_or(Ok(0), |row| row.int(0))?;
            for (index, script) in migrations.iter().enumerate() {
                let version = index as i64 + 1;
                if version <= applied {
                    continue;
                }
                for statement in sql_text::statements(script) {
                    tx.execute(&statement, &[])?;
                }
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    &params![version],
                )?;
            }
            Ok(())
        })
    }

    /// A server-wide secret, created by `make` the first time any server asks for it.
    pub fn secret(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        let mut make = Some(make);
        self.pool.write(|tx| {
            if let Some(row) = tx.query_one("SELECT value FROM server_secrets WHERE name = $1", &params![name])? {
                return row.text(0);
            }
            let value = match make.take() {
                Some(make) => make(),
                None => return Err(Error::Database(format!("server secret {name} could not be stored"))),
            };
            tx.execute(
                "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &params![name, value.clone()],
            )?;
            let row = tx.query_one("SELECT value FROM server_secrets WHERE name = $1", &params![name])?;
            Ok(row.map(|row| row.text(0)).transpose()?.unwrap_or(value))
        })
    }
}
