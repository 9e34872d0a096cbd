//! An answer that was not a success, as Graph's error body says it.

use reqwest::StatusCode;

/// An error answer from the server: its status, Graph's error code and message, and the call
/// that got it.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// The method and path, to say which call failed.
    pub request: String,
}

impl HttpError {
    pub fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
    }

    /// The server does not take the caller's token (expired, revoked, or never valid).
    pub fn is_unauthorized(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }

    /// The caller's roles or permissions do not allow the call.
    pub fn is_forbidden(&self) -> bool {
        self.status == StatusCode::FORBIDDEN
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed: {} ({}, HTTP {})",
            self.request,
            self.message.trim_end_matches('.'),
            self.code,
            self.status.as_u16()
        )
    }
}

impl std::error::Error for HttpError {}

/// Whether `error` is, or was caused by, a server's 404.
pub fn is_not_found(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<HttpError>()
            .is_some_and(HttpError::is_not_found)
    })
}
