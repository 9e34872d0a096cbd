//! `POST /$batch`: up to 20 requests in one, each sent through the same router (and so the
//! same authentication and authorization) as if it had come alone.
//!
//! Everything that can be wrong with the batch is found before any of its requests runs: a
//! batch that is not well formed (an id, method or url missing, an id used twice, headers
//! that are not text, a `dependsOn` that does not name earlier requests) is refused whole with
//! a 400; a request that cannot be sent (its url or a header is not valid in HTTP) is answered
//! on its own with a 400 inside the batch's 200, as Graph answers it. Once a request has run,
//! the batch answers 200 with every request's own status, so that a change made is never
//! reported as a failed batch.

use axum::Json as JsonResponse;
use axum::Router;
use axum::body::Body as HttpBody;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};
use tower::ServiceExt;

use super::http::Body;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const MAX_REQUESTS: usize = 20;

/// The most of one answer a batch carries: far more than a page of 999 users.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

struct Item {
    id: String,
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Json>,
    depends_on: Vec<String>,
}

fn parse(body: &Json) -> ApiResult<Vec<Item>> {
    let requests = body
        .get("requests")
        .and_then(Json::as_array)
        .ok_or_else(|| ApiError::bad_request("The batch request body needs a 'requests' list."))?;
    if requests.is_empty() || requests.len() > MAX_REQUESTS {
        return Err(ApiError::bad_request(format!(
            "A batch holds 1 to {MAX_REQUESTS} requests; this one has {}.",
            requests.len()
        )));
    }
    let mut items: Vec<Item> = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let field = |name: &str| request.get(name).and_then(Json::as_str).map(str::to_string);
        let id = field("id")
            .ok_or_else(|| ApiError::bad_request(format!("Batch request {index} has no 'id'.")))?;
        if items.iter().any(|item| item.id == id) {
            return Err(ApiError::bad_request(format!(
                "Batch request id '{id}' is used twice."
            )));
        }
        let method_text = field("method").ok_or_else(|| {
            ApiError::bad_request(format!("Batch request '{id}' has no 'method'."))
        })?;
        let method =
            Method::from_bytes(method_text.to_ascii_uppercase().as_bytes()).map_err(|_| {
                ApiError::bad_request(format!(
                    "Batch request '{id}' has an invalid method '{method_text}'."
                ))
            })?;
        let url = field("url")
            .ok_or_else(|| ApiError::bad_request(format!("Batch request '{id}' has no 'url'.")))?;
        let headers = match request.get("headers") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Object(headers)) => headers
                .iter()
                .map(|(name, value)| match value {
                    Json::String(value) => Ok((name.clone(), value.clone())),
                    _ => Err(ApiError::bad_request(format!(
                        "Batch request '{id}' has a header '{name}' whose value is not a string."
                    ))),
                })
                .collect::<ApiResult<_>>()?,
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "Batch request '{id}' has 'headers' that are not an object."
                )));
            }
        };
        let depends_on = match request.get("dependsOn").or_else(|| request.get("depends_on")) {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(ids)) => ids
                .iter()
                .map(|dependency| {
                    dependency
                        .as_str()
                        .filter(|dependency| items.iter().any(|item| item.id == *dependency))
                        .map(str::to_string)
                        .ok_or_else(|| {
                            ApiError::bad_request(format!(
                                "Batch request '{id}' depends on {dependency}, which is not an earlier request of the batch."
                            ))
                        })
                })
                .collect::<ApiResult<_>>()?,
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "Batch request '{id}' has a 'dependsOn' that is not a list of request ids."
                )));
            }
        };
        items.push(Item {
            id,
            method,
            url,
            headers,
            body: request.get("body").cloned(),
            depends_on,
        });
    }
    Ok(items)
}

impl Item {
    /// The request to send, as the caller's own (its token, host and scheme); or why it
    /// cannot be sent, which is this request's answer.
    fn request(&self, parts: &Parts) -> ApiResult<Request<HttpBody>> {
        let path = inner_path(&self.url)?;
        let mut request = Request::builder().method(self.method.clone()).uri(&path);
        for (name, value) in &parts.headers {
            if [axum::http::header::AUTHORIZATION, axum::http::header::HOST].contains(name) {
                request = request.header(name, value);
            }
        }
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(scheme) = parts.extensions.get::<crate::state::Scheme>() {
            request = request.extension(*scheme);
        }
        // Each request comes from where the batch came from (as its proxies said).
        if let Some(peer) = parts.extensions.get::<crate::state::Peer>() {
            request = request.extension(peer.clone());
        }
        let body = match &self.body {
            Some(body) if !body.is_null() => HttpBody::from(body.to_string()),
            _ => HttpBody::empty(),
        };
        request
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|error| {
                ApiError::bad_request(format!(
                    "Batch request '{}' cannot be sent: {error}.",
                    self.id
                ))
            })
    }
}

/// `/users`, `/v1.0/users` and `https://host/v1.0/users` all name `/v1.0/users`. What a URI
/// cannot hold is percent-encoded, so that a url written as Graph's documentation writes it
/// (`/users?$filter=displayName eq 'Zoë'`) is sent as meant.
fn inner_path(url: &str) -> ApiResult<String> {
    let mut path = url.trim();
    if let Some(rest) = path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))
    {
        path = rest.find('/').map_or("/", |slash| &rest[slash..]);
    }
    let path = path.trim_start_matches('/');
    let path = path
        .strip_prefix("v1.0/")
        .or_else(|| path.strip_prefix("v1.0"))
        .unwrap_or(path);
    if path.starts_with("$batch") {
        return Err(ApiError::bad_request(
            "A batch cannot contain another $batch.",
        ));
    }
    Ok(format!("/v1.0/{}", percent_encoded(path)))
}

/// `text` with every byte outside RFC 3986's unreserved and reserved characters (and `%`,
/// which is taken to begin an escape already made) written as `%XX`.
fn percent_encoded(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

pub async fn batch(
    State(state): State<AppState>,
    parts: Parts,
    Body(body): Body,
) -> ApiResult<Response> {
    let items = parse(&body)?;
    // Every request is made before any runs: one that cannot be sent is answered on its own.
    let requests: Vec<ApiResult<Request<HttpBody>>> =
        items.iter().map(|item| item.request(&parts)).collect();
    let router = state
        .router
        .get()
        .and_then(std::sync::Weak::upgrade)
        .map(|router| Router::clone(&router))
        .ok_or_else(|| ApiError::internal("batch router not initialised"))?;
    let mut statuses: Map<String, Json> = Map::new();
    let mut responses = Vec::with_capacity(items.len());
    // Requests run in order; one whose dependency failed is not run (424), as Graph does.
    for (item, request) in items.iter().zip(requests) {
        let failed_dependency = item.depends_on.iter().any(|dependency| {
            statuses
                .get(dependency)
                .and_then(Json::as_u64)
                .is_none_or(|status| status >= 400)
        });
        let entry = match request {
            _ if failed_dependency => error_entry(
                &item.id,
                &ApiError::new(
                    StatusCode::FAILED_DEPENDENCY,
                    "Request_FailedDependency",
                    "A request this one depends on failed.",
                ),
            ),
            Err(error) => error_entry(&item.id, &error),
            Ok(request) => {
                let Ok(response) = router.clone().oneshot(request).await;
                answer(&item.id, response).await
            }
        };
        statuses.insert(item.id.clone(), entry["status"].clone());
        responses.push(entry);
    }
    Ok(JsonResponse(json!({ "responses": responses })).into_response())
}

/// A request's entry in the batch's answer.
fn entry(id: &str, status: StatusCode, body: Option<Json>) -> Json {
    let mut entry = json!({ "id": id, "status": status.as_u16() });
    match body {
        Some(body) if status != StatusCode::NO_CONTENT => {
            // The JavaScript client encodes a body only under this exact header name.
            entry["headers"] = json!({ "Content-Type": "application/json" });
            entry["body"] = body;
        }
        _ => entry["headers"] = json!({}),
    }
    entry
}

fn error_entry(id: &str, error: &ApiError) -> Json {
    let body = json!({ "error": { "code": error.code, "message": error.message } });
    entry(id, error.status, Some(body))
}

/// The entry of a request that ran, from its response.
async fn answer(id: &str, response: Response) -> Json {
    let status = response.status();
    match axum::body::to_bytes(response.into_body(), MAX_RESPONSE_BYTES).await {
        Ok(bytes) if bytes.is_empty() => entry(id, status, None),
        Ok(bytes) => {
            let body = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into()));
            entry(id, status, Some(body))
        }
        // Only a read answers that much: its answer is lost, and the others' are not.
        Err(error) => error_entry(
            id,
            &ApiError::internal(format!("batch request '{id}' answered {status}: {error}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised() {
        assert_eq!(inner_path("/users").unwrap(), "/v1.0/users");
        assert_eq!(inner_path("users?$top=1").unwrap(), "/v1.0/users?$top=1");
        assert_eq!(inner_path("/v1.0/users/x").unwrap(), "/v1.0/users/x");
        assert_eq!(
            inner_path("https://127.0.0.1:1/v1.0/me").unwrap(),
            "/v1.0/me"
        );
        assert!(inner_path("/$batch").is_err());
        assert_eq!(
            inner_path("/users?$filter=displayName eq 'Zoë'&$top=1").unwrap(),
            "/v1.0/users?$filter=displayName%20eq%20'Zo%C3%AB'&$top=1"
        );
        assert_eq!(
            inner_path("/users/a%40b\"c\nd").unwrap(),
            "/v1.0/users/a%40b%22c%0Ad"
        );
    }

    #[test]
    fn what_cannot_be_sent_is_the_requests_own_answer() {
        let parts = Request::builder().body(()).unwrap().into_parts().0;
        let item = |url: &str, headers: Json| {
            let body = json!({ "requests": [
                { "id": "1", "method": "GET", "url": url, "headers": headers },
            ]});
            parse(&body).unwrap().remove(0).request(&parts)
        };
        assert!(item("/users", json!({ "ConsistencyLevel": "eventual" })).is_ok());
        assert!(item("/users?$search=\"a b\"", json!({})).is_ok());
        let refused = |url: &str, headers: Json| {
            let error = item(url, headers).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{url} {error:?}");
        };
        refused(&format!("/users/{}", "a".repeat(70_000)), json!({}));
        refused("/users", json!({ "Bad Header": "x" }));
        refused("/users", json!({ "X-Note": "a\nb" }));
        refused("/$batch", json!({}));
    }

    #[test]
    fn dependencies_must_exist() {
        let body = json!({ "requests": [
            { "id": "1", "method": "GET", "url": "/users" },
            { "id": "2", "method": "GET", "url": "/users", "dependsOn": ["3"] },
        ]});
        assert!(parse(&body).is_err());
        let refused = |requests: Json| {
            let error = parse(&json!({ "requests": requests })).err().unwrap();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{requests}");
        };
        let get = |id: &str| json!({ "id": id, "method": "GET", "url": "/me" });
        let with = |id: &str, key: &str, value: Json| {
            let mut request = get(id);
            request[key] = value;
            request
        };
        refused(json!([with("1", "dependsOn", json!(["2"])), get("2")]));
        refused(json!([with("1", "dependsOn", json!(["1"]))]));
        refused(json!([get("1"), with("2", "dependsOn", json!("1"))]));
        refused(json!([get("1"), with("2", "dependsOn", json!([1]))]));
        refused(json!([with("1", "headers", json!({ "X-Count": 1 }))]));
        refused(json!([with("1", "headers", json!(["X-Count"]))]));
        assert!(
            parse(&json!({ "requests": [get("1"), with("2", "dependsOn", json!(["1"]))] })).is_ok()
        );
        let too_many: Vec<Json> = (0..21)
            .map(|i| json!({ "id": i.to_string(), "method": "GET", "url": "/me" }))
            .collect();
        assert!(parse(&json!({ "requests": too_many })).is_err());
    }
}
