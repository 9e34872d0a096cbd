//! Values as both drivers pass them ([`SqlValue`]), and rows as they are read ([`Row`]), whose
//! accessors fail on a null or another type rather than answer a default.

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

/// PostgreSQL cannot hold a NUL character in text and SQLite can: neither store is sent one,
/// so that both refuse it alike, and as a bad request rather than a database error. The
/// front-ends refuse a NUL where they read text (JSON bodies, CSV files, query options) and
/// say where it was; this refuses one that came another way (a path key, a form field).
pub(super) fn refuse_nul(params: &[SqlValue]) -> Result<()> {
    let nul = params
        .iter()
        .any(|value| matches!(value, SqlValue::Text(text) if text.contains('\0')));
    if nul {
        let problem = roster_core::types::Problem::Character('\0');
        return Err(Error::BadRequest(format!("A value is invalid: {problem}.")));
    }
    Ok(())
}
