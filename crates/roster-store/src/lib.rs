//! The only crate that writes SQL: the directory's storage on SQLite or PostgreSQL.
//!
//! [`Store`] is the storage interface the server uses. Its methods are use cases that must be
//! atomic (create a user and write its audit record; take a seat and assign a license), each
//! one transaction, written once over [`db::Tx`] and run on either backend.
//! The methods block: the server calls them from `spawn_blocking`.

mod admin_center;
mod app_access;
mod apps;
mod audit;
mod authority;
mod change;
mod collections;
mod contacts;
pub mod db;
mod device_codes;
mod directory;
mod dynamic;
mod error;
mod follow_up;
mod grants;
mod group_processing;
mod group_rows;
mod groups;
mod jobs;
mod license_rows;
mod licenses;
mod licensing;
mod query;
mod sign_ins;
mod signing_keys;
mod sql_text;
mod store;
mod user_rows;
mod users;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use admin_center::{Attention, UserCounts, UserSummary};
pub use app_access::AppAccess;
pub use apps::{MAX_SECRETS, StoredApp};
pub use audit::{AUDIT_ACTIVITIES, audit_activity};
pub(crate) use audit::{audit, audit_text};
pub use authority::Authorized;
pub use change::Change;
pub use db::Backend;
pub use device_codes::{DeviceGrant, Entered, Polled};
pub use directory::AuditQuery;
pub use dynamic::{LicensePreview, RulePreview};
pub use error::{Error, Result};
pub use grants::{CodeGrant, Redeemed, RefreshGrant, Rotated};
pub use group_processing::GroupWork;
pub use groups::DirectoryObject;
pub use jobs::{Job, JobRow, JobStatus, JobTx, RowOutcome};
pub use licenses::GroupLicensing;
pub use query::{Cursor, ListQuery, Page, SortKey};
pub use sign_ins::{SignIn, SignInGate, TenantSettings};
pub use signing_keys::{
    PUBLISHED_BEFORE_SIGNING, RETAINED_AFTER_RETIRING, SIGNING_PERIOD, SigningKey,
};
pub use store::{MIGRATIONS_SQLITE, Store};
#[cfg(test)]
pub(crate) use testing::{test_group, test_store, test_user};
pub use user_rows::{PreparedUser, SignInRecord, UserKey, decode_password, prepare_user};
