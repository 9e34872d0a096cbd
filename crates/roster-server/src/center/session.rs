//! A signed-in administrator's request as the pages see it: who (with the roles they have now),
//! in which language, and the token its forms carry. Made by [`super::sign_in::require`] for
//! every page behind the sign-in.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_core::access::Operation;

use super::i18n::Lang;
use crate::error::{ApiError, ApiResult};
use crate::identity::session as browser;
use crate::identity::tokens::Caller;
use crate::state::AppState;

/// A signed-in administrator's request.
#[derive(Clone)]
pub struct Session {
    pub caller: Caller,
    pub lang: Lang,
    pub tenant_name: String,
    /// The token every form of this session carries.
    pub csrf: String,
    /// The request's path and query, percent-encoded for a `back` parameter.
    pub path_and_query: String,
    pub(super) session_id: roster_core::types::ObjectId,
    pub(super) state: AppState,
}

impl Session {
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Whether the administrator's roles allow the operation (on a user without roles).
    pub fn may(&self, operation: Operation) -> bool {
        self.caller.principal.authorize(operation, &[]).is_ok()
    }

    /// Refuses a form that does not carry this session's token.
    pub fn check_csrf(&self, submitted: &str) -> ApiResult<()> {
        if browser::form_token_matches(&self.state.keys, self.session_id, submitted) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "The form has expired or did not come from this admin center: reload the page and try again.",
            )
            .with_reason(roster_core::refusal::Reason::FormExpired))
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Session, Response> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())
    }
}
