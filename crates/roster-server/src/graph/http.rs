//! What every Graph handler reads and answers: the JSON body (refused with where it broke), a
//! collection with its `@odata.context` and `@odata.nextLink`, and Graph's 201 and 204.

use axum::body::Bytes;
use axum::extract::FromRequest;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::query;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A JSON request body: empty means `null`, malformed JSON is refused with where it broke, and
/// so is a NUL character in any string or property name, naming the property (no text roster
/// keeps can hold one, and PostgreSQL refuses one where SQLite would keep it).
pub struct Body<T = Json>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> ApiResult<Body<T>> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Request_EntityTooLarge",
                        "The request body is too large.",
                    )
                } else {
                    ApiError::bad_request(format!(
                        "The request body could not be read: {rejection}"
                    ))
                }
            })?;
        let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"null")
        } else {
            bytes
        };
        if let Some(property) = nul_property(&bytes) {
            let nul = roster_core::types::Problem::Character('\0');
            return Err(ApiError::invalid_value(&property, &nul));
        }
        serde_json::from_slice(&bytes).map(Body).map_err(|error| {
            ApiError::bad_request(format!("Invalid JSON in the request body: {error}."))
        })
    }
}

/// The first property of a JSON body whose value or name holds a NUL character, as a path
/// (`displayName`, `rows[2].businessPhones[0]`; `body` for the body itself). JSON writes a NUL
/// only as `\u0000`, so a body without that is not read twice.
pub(crate) fn nul_property(bytes: &[u8]) -> Option<String> {
    fn path(value: &Json) -> Option<String> {
        match value {
            Json::String(text) => text.contains('\0').then(String::new),
            Json::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(index, item)| path(item).map(|rest| format!("[{index}]{rest}"))),
            Json::Object(object) => object.iter().find_map(|(name, item)| {
                if name.contains('\0') {
                    return Some(format!(".{}", name.replace('\0', "\\u0000")));
                }
                path(item).map(|rest| format!(".{name}{rest}"))
            }),
            Json::Null | Json::Bool(_) | Json::Number(_) => None,
        }
    }
    if !bytes.windows(6).any(|window| window == b"\\u0000") {
        return None;
    }
    let body: Json = serde_json::from_slice(bytes).ok()?;
    path(&body).map(|found| match found.strip_prefix('.') {
        Some(property) => property.to_string(),
        None if found.is_empty() => "body".to_string(),
        None => format!("body{found}"),
    })
}

/// A collection response: `value`, and `@odata.nextLink` / `@odata.count` when there are.
pub fn collection(
    context: &str,
    items: Vec<Json>,
    next_link: Option<String>,
    count: Option<i64>,
) -> Json {
    let mut body = json!({ "@odata.context": context });
    if let Some(count) = count {
        body["@odata.count"] = count.into();
    }
    body["value"] = Json::Array(items);
    if let Some(link) = next_link {
        body["@odata.nextLink"] = link.into();
    }
    body
}

/// A collection response for a page: each item shown by `view` with the request's `$select`,
/// the count when asked, and the absolute link to the page after it.
pub fn collection_response<T>(
    state: &AppState,
    parts: &axum::http::request::Parts,
    options: &query::QueryOptions,
    what: &str,
    page: &roster_store::Page<T>,
    view: impl Fn(&T, Option<&[String]>) -> ApiResult<Json>,
) -> ApiResult<Response> {
    let items = page
        .items
        .iter()
        .map(|item| view(item, options.select.as_deref()))
        .collect::<ApiResult<Vec<_>>>()?;
    let next_link = page
        .next
        .as_ref()
        .map(|cursor| options.next_link(state, parts, cursor));
    let context = context(&state.base_url(parts), what);
    Ok(axum::Json(collection(&context, items, next_link, page.count)).into_response())
}

pub fn context(base: &str, what: &str) -> String {
    format!("{base}/v1.0/$metadata#{what}")
}

pub fn created(body: Json) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::nul_property;

    #[test]
    fn a_nul_is_found_by_its_property() {
        let check = |body: &str, expected: Option<&str>| {
            assert_eq!(nul_property(body.as_bytes()).as_deref(), expected, "{body}");
        };
        check(r#"{"displayName": "a\u0000b"}"#, Some("displayName"));
        check(
            r#"{"rows": [{"displayName": "a"}, {"businessPhones": ["1", "\u0000"]}]}"#,
            Some("rows[1].businessPhones[1]"),
        );
        check(r#"{"a\u0000": 1}"#, Some("a\\u0000"));
        check(r#""\u0000""#, Some("body"));
        check(r#"["x", "\u0000"]"#, Some("body[1]"));
        // A backslash before "u0000" is text, not a NUL.
        check(r#"{"displayName": "a\\u0000b"}"#, None);
        check(r#"{"displayName": "a"}"#, None);
        check(r#"{"broken": "\u0000"#, None);
    }
}
