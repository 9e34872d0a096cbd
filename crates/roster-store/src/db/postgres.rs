//! PostgreSQL: a pool of connections, values converted by the types the database declares, and
//! its errors (a deadlock or serialization failure to retry, a unique constraint by its name) as
//! the store's.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::row::{Row, SqlValue, refuse_nul};
use super::tx::Tx;
use crate::{Error, Result};

pub(crate) struct PostgresManager {
    pub(super) config: postgres::Config,
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

pub(super) struct PostgresTx<'a, 'b>(pub(super) &'a mut postgres::Transaction<'b>);

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

pub(super) fn postgres_value(
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

pub(super) fn postgres_error(error: postgres::Error) -> Error {
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
