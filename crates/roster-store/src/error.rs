//! The store's errors: what a caller may match on (a refusal carries why as data), and what
//! only a log should see (`Database`).

use roster_core::licensing::LicenseViolation;
use roster_core::refusal::Reason;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{kind} '{id}' does not exist")]
    NotFound { kind: &'static str, id: String },
    #[error("another object with the same value for property {property} already exists")]
    Conflict { property: &'static str },
    #[error("license assignment cannot be done for user with invalid usage location")]
    NoUsageLocation,
    #[error("subscription {sku_part_number} has no available units")]
    OutOfSeats { sku_part_number: String },
    #[error("{0}")]
    License(#[from] LicenseViolation),
    #[error("{0}")]
    Invalid(#[from] roster_core::types::InvalidValue),
    /// A refusal with why as data, for a client that words it itself, and Graph's English.
    #[error("{message}")]
    Refused { reason: Reason, message: String },
    /// The principal may not make this change (decided inside its transaction).
    #[error("{0}")]
    Forbidden(roster_core::access::Forbidden),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedQuery(String),
    /// A unique index or constraint refused a row: its name, the same on both stores (SQLite's
    /// primary keys are named `{table}_pkey`, as PostgreSQL names them), or `None` when rows
    /// inserted together were refused without saying by what.
    #[error("unique constraint {}", constraint.as_deref().unwrap_or("(unnamed)"))]
    UniqueViolation { constraint: Option<String> },
    #[error("check constraint: {0}")]
    CheckViolation(String),
    #[error("database: {0}")]
    Database(String),
    /// PostgreSQL aborted the transaction to break a deadlock (or a serialization conflict);
    /// `Pool::write` runs it again.
    #[error("database contention: {0}")]
    Contended(String),
    /// A bulk batch met a row that failed after writing; it is rolled back and run again with a
    /// savepoint per row. Never leaves `Store::run_job_batch`.
    #[error("the batch is run again row by row")]
    BatchNeedsSavepoints,
    /// A dry run's transaction, rolled back on purpose. Never leaves `Store::dry_run_job`.
    #[error("rolled back")]
    RolledBack,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn refused(reason: Reason, message: impl Into<String>) -> Self {
        Error::Refused {
            reason,
            message: message.into(),
        }
    }
}
