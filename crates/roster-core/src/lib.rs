//! The directory: validated value types, entities, licensing and membership rules,
//! the OData query language, and access control. No IO, no HTTP, no SQL.

pub mod access;
pub mod attributes;
pub mod catalog;
pub mod directory;
pub mod licensing;
pub mod odata;
pub mod refusal;
pub mod requests;
pub mod rules;
pub mod types;
