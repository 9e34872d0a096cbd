//! Black-box tests of the running server, on the store `ROSTER_TEST_DATABASE` names
//! (see roster-testkit). One binary, so that the suite links once.

mod accessibility;
mod app_assignment;
mod applications;
mod auth;
mod authority;
mod authorize;
mod batch;
mod browser;
mod browser_actions;
mod bulk;
mod center;
mod device_code;
mod domains;
mod dynamic_groups;
mod graph_js;
mod group_licensing;
mod groups;
mod invariants;
mod jobs;
mod licenses;
mod nul;
mod queries;
mod relying_party;
mod security;
mod sign_in_log;
mod users;
