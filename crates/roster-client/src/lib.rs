//! A typed client of roster's API: Microsoft Graph v1.0's users, groups, licenses and
//! directory, and roster's own bulk jobs at `/roster/v1/jobs`. The `roster` CLI, the
//! directory-sync agent to come and the tests are its users; none of them builds a path or reads
//! an answer's JSON by hand for what it offers.
//!
//! - [`Client`]: a server's address and a token; every call answers a typed value or an
//!   [`HttpError`] carrying Graph's error code and message (and the call that failed).
//! - [`models`]: what the calls take and answer ([`User`], [`Job`], [`JobResults`], ...).
//! - [`UserList`]: a list of users as Graph pages it (`$filter`, `$select`, `$top`).
//!
//! Getting a token is the caller's, with [`sign_in`]: the device code flow for a person at a
//! terminal, refresh tokens, and single grants (client credentials for scripts and agents, a
//! password).

mod client;
mod error;
pub mod models;
pub mod sign_in;

pub use client::{Client, Server, UserList, encode};
pub use error::{HttpError, is_not_found};
pub use models::{Domain, Job, JobResults, JobRow, Page, SubscribedSku, User};
pub use sign_in::{DeviceCode, Tokens, request_token, request_tokens};
