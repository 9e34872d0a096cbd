//! Graph's error body, and the one mapping from the store's and core's errors to it.
//!
//! `{"error":{"code":"Request_ResourceNotFound","message":"…","innerError":{"date":"…","request-id":"…"}}}`
//! Internal errors are logged with their cause and reach the client only as an opaque message
//! with the request id, so that an administrator can find the log line.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_core::access::Forbidden;
pub use roster_core::refusal::Reason;
use roster_store::Error as StoreError;
use serde_json::json;

tokio::task_local! {
    /// The id of the request being served, for error bodies and logs.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<(String, &'static str)>,
    pub retry_after: Option<u64>,
    /// Why, for a client that words it itself (the admin center, in its languages); Graph's
    /// body carries only the message.
    pub reason: Option<Box<Reason>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
            reason: None,
        }
    }

    /// The property a refusal names: an invalid value's or a conflict's, else the one in Graph's
    /// "Property X is invalid" message.
    pub fn named_property(&self) -> Option<&str> {
        match self.reason.as_deref() {
            Some(Reason::Invalid(invalid)) => return Some(invalid.property),
            Some(Reason::Conflict(property)) => return Some(property),
            _ => {}
        }
        if let Some((target, _)) = self.details.first() {
            return Some(target);
        }
        self.property_in_message()
    }

    /// The property of Graph's "Property X is invalid" message, if it is one.
    pub fn property_in_message(&self) -> Option<&str> {
        self.message
            .strip_prefix("Property ")?
            .split([' ', '\'', ':', '.'])
            .find(|part| !part.is_empty())
    }

    /// The same error, carrying why for a client that words it itself.
    pub fn with_reason(mut self, reason: Reason) -> Self {
        self.reason = Some(Box::new(reason));
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    /// Graph's words for a refused property value, `name` as the request wrote it.
    pub fn invalid_value(name: &str, problem: &roster_core::types::Problem) -> Self {
        Self::bad_request(format!("Property {name} is invalid: {problem}."))
    }

    pub fn unsupported_query(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Request_ResourceNotFound", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            message,
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    pub fn invalid_property(property: &str) -> Self {
        Self::bad_request(format!("Property {property} is invalid."))
    }

    /// Logs the cause and answers with an opaque 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), "internal error: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The server could not complete the request; quote the request-id to the administrator.",
        )
    }
}

/// The hashing threads are saturated: Graph's throttling answer, to try again shortly.
impl From<crate::identity::hashing::Busy> for ApiError {
    fn from(_: crate::identity::hashing::Busy) -> Self {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests are waiting for a password check: try again in a moment.",
        );
        error.retry_after = Some(1);
        error
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = current_request_id();
        let mut error = json!({
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                "request-id": request_id,
                "client-request-id": request_id,
            }
        });
        if !self.details.is_empty() {
            error["details"] = self
                .details
                .iter()
                .map(|(target, code)| json!({ "target": target, "code": code, "message": self.message }))
                .collect();
        }
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert("Retry-After", HeaderValue::from(seconds));
        }
        response
    }
}

impl From<Forbidden> for ApiError {
    fn from(error: Forbidden) -> Self {
        let message = match error {
            Forbidden::Operation => "Insufficient privileges to complete the operation.",
            Forbidden::MorePrivilegedTarget => {
                "Insufficient privileges to complete the operation: the target user holds a more privileged administrator role."
            }
        };
        ApiError::forbidden(message)
    }
}

impl From<roster_core::requests::GroupProblem> for ApiError {
    fn from(problem: roster_core::requests::GroupProblem) -> Self {
        match problem {
            roster_core::requests::GroupProblem::Invalid(invalid) => invalid.into(),
            other => ApiError::bad_request(other.to_string()),
        }
    }
}

impl From<roster_core::types::InvalidValue> for ApiError {
    fn from(error: roster_core::types::InvalidValue) -> Self {
        ApiError::invalid_value(error.property, &error.reason).with_reason(Reason::Invalid(error))
    }
}

impl From<roster_core::odata::ParseError> for ApiError {
    fn from(error: roster_core::odata::ParseError) -> Self {
        ApiError::bad_request(format!("Invalid {} query option: {error}", error.option))
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { kind, id } => ApiError::not_found(format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present. ({kind})"
            )),
            StoreError::Conflict { property } => {
                let mut error = ApiError::bad_request(format!(
                    "Another object with the same value for property {property} already exists."
                ));
                error.details.push((property.to_string(), "ObjectConflict"));
                error.with_reason(Reason::Conflict(property))
            }
            StoreError::NoUsageLocation => ApiError::bad_request(
                "License assignment cannot be done for user with invalid usage location.",
            )
            .with_reason(Reason::NoUsageLocation),
            StoreError::OutOfSeats { sku_part_number } => ApiError::bad_request(format!(
                "Subscription {sku_part_number} does not have any available licenses."
            ))
            .with_reason(Reason::OutOfSeats(sku_part_number)),
            StoreError::License(violation) => {
                use roster_core::licensing::LicenseViolation as V;
                let message = match &violation {
                    V::MutuallyExclusive { plan_a, plan_b } => format!(
                        "License assignment failed because service plans {plan_a},{plan_b} are mutually exclusive."
                    ),
                    V::Dependency { plan, requires } => format!(
                        "License assignment failed because service plan {plan} depends on the service plan(s) {}.",
                        requires.join(",")
                    ),
                    V::ProhibitedInUsageLocation {
                        plan,
                        usage_location,
                    } => format!(
                        "License assignment failed because service plan {plan} is not available in usage location {usage_location}."
                    ),
                    V::UnknownSku(sku) => {
                        format!("License {sku} does not correspond to a valid company License.")
                    }
                    V::UnknownDisabledPlan { sku_id, plan_id } => {
                        format!(
                            "Invalid disabledPlans: service plan {plan_id} is not part of license {sku_id}."
                        )
                    }
                };
                ApiError::bad_request(message).with_reason(Reason::License(violation))
            }
            StoreError::Invalid(invalid) => invalid.into(),
            StoreError::Forbidden(forbidden) => forbidden.into(),
            StoreError::Refused { reason, message } => {
                ApiError::bad_request(message).with_reason(reason)
            }
            StoreError::BadRequest(message) => ApiError::bad_request(message),
            StoreError::UnsupportedQuery(message) => ApiError::unsupported_query(message),
            // Still deadlocked after the store's retries: the client may try again shortly.
            StoreError::Contended(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The directory is busy with concurrent changes to the same objects; try again in a moment.",
            ),
            other @ (StoreError::UniqueViolation { .. }
            | StoreError::CheckViolation(_)
            | StoreError::Database(_)
            | StoreError::BatchNeedsSavepoints
            | StoreError::RolledBack) => ApiError::internal(other),
        }
    }
}

/// Refuses a chosen password that breaks Entra ID's rule ([`roster_core::requests::check_password`])
/// with Graph's error.
pub fn check_password_complexity(password: &str) -> ApiResult<()> {
    if roster_core::requests::check_password(password) {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "The specified password does not comply with password complexity requirements. Please provide a different password.",
    )
    .with_reason(crate::error::Reason::WeakPassword))
}
