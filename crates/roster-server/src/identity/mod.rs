//! Who is asking, and how they prove it: the one place for sign-in, tokens, password hashing and
//! sessions, whichever front-end a request comes through.
//!
//! - [`keys`]: the server-wide keys (token signing, the keyed hash, sealing).
//! - [`hashing`]: Argon2id on threads of its own, with a bounded queue; generated passwords.
//! - [`sign_in`]: a name and a password checked, the one path for every front-end, with smart
//!   lockout and the sign-in log.
//! - [`tokens`]: access tokens and the [`tokens::Caller`] a request's bearer token stands for.
//! - [`session`]: browser sessions (the cookie, renewal, CSRF tokens).
//! - [`oauth`]: OAuth 2.0 at Entra ID's paths (token endpoint, discovery, keys).

pub mod claims;
pub mod grants;
pub mod hashing;
pub mod keys;
pub mod oauth;
pub mod session;
pub mod sign_in;
pub mod tokens;

#[cfg(test)]
mod tests;
