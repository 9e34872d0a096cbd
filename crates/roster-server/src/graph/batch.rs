//! `POST /$batch`: up to 20 requests in one, each sent through the same router (and so the
//! same authentication and authorization) as if it had come alone.

use axum::Json as JsonResponse;
use axum::Router;
use axum::body::Body as HttpBody;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};
use tower::ServiceExt;

use super::Body;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const MAX_REQUESTS: usize = 20;

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
        let headers = request
            .get("headers")
            .and_then(Json::as_object)
            .map(|headers| {
                headers
                    .iter()
                    .filter_map(|(name, value)| {
                        value.as_str().map(|v| (name.clone(), v.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let depends_on = request
            .get("dependsOn")
            .or_else(|| request.get("depends_on"))
            .and_then(Json::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        items.push(Item {
            id,
            method,
            url,
            headers,
            body: request.get("body").cloned(),
            depends_on,
        });
    }
    for item in &items {
        for dependency in &item.depends_on {
            if !items.iter().any(|other| &other.id == dependency) || dependency == &item.id {
                return Err(ApiError::bad_request(format!(
                    "Batch request '{}' depends on '{dependency}', which is not an earlier request of the batch.",
                    item.id
                )));
            }
        }
    }
    Ok(items)
}

/// `/users`, `/v1.0/users` and `https://host/v1.0/users` all name `/v1.0/users`.
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
    Ok(format!("/v1.0/{path}"))
}

pub async fn batch(
    State(state): State<AppState>,
    parts: Parts,
    Body(body): Body,
) -> ApiResult<Response> {
    let items = parse(&body)?;
    let router = state
        .router
        .get()
        .and_then(std::sync::Weak::upgrade)
        .map(|router| Router::clone(&router))
        .ok_or_else(|| ApiError::internal("batch router not initialised"))?;
    let mut statuses: Map<String, Json> = Map::new();
    let mut responses = Vec::with_capacity(items.len());
    // Requests run in order; one whose dependency failed is not run (424), as Graph does.
    for item in &items {
        let failed_dependency = item.depends_on.iter().any(|dependency| {
            statuses
                .get(dependency)
                .and_then(Json::as_u64)
                .is_none_or(|status| status >= 400)
        });
        if failed_dependency {
            statuses.insert(item.id.clone(), 424.into());
            responses.push(json!({
                "id": item.id,
                "status": 424,
                "headers": { "Content-Type": "application/json" },
                "body": { "error": { "code": "Request_FailedDependency", "message": "A request this one depends on failed." } },
            }));
            continue;
        }
        let path = match inner_path(&item.url) {
            Ok(path) => path,
            Err(error) => {
                statuses.insert(item.id.clone(), 400.into());
                responses.push(json!({ "id": item.id, "status": 400, "headers": { "Content-Type": "application/json" },
                    "body": { "error": { "code": error.code, "message": error.message } } }));
                continue;
            }
        };
        let mut request = Request::builder().method(item.method.clone()).uri(&path);
        for (name, value) in &parts.headers {
            if [axum::http::header::AUTHORIZATION, axum::http::header::HOST].contains(name) {
                request = request.header(name, value);
            }
        }
        for (name, value) in &item.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(scheme) = parts.extensions.get::<crate::state::Scheme>() {
            request = request.extension(*scheme);
        }
        // Each request comes from where the batch came from (as its proxies said).
        if let Some(peer) = parts.extensions.get::<crate::state::Peer>() {
            request = request.extension(peer.clone());
        }
        let body = match &item.body {
            Some(body) if !body.is_null() => HttpBody::from(body.to_string()),
            _ => HttpBody::empty(),
        };
        let request = request
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|error| {
                ApiError::bad_request(format!("Batch request '{}' is malformed: {error}", item.id))
            })?;
        let response = router
            .clone()
            .oneshot(request)
            .await
            .map_err(ApiError::internal)?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .map_err(ApiError::internal)?;
        statuses.insert(item.id.clone(), status.as_u16().into());
        let mut entry = json!({ "id": item.id, "status": status.as_u16() });
        if status != StatusCode::NO_CONTENT && !bytes.is_empty() {
            // The JavaScript client encodes a body only under this exact header name.
            entry["headers"] = json!({ "Content-Type": "application/json" });
            entry["body"] = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into()));
        } else {
            entry["headers"] = json!({});
        }
        responses.push(entry);
    }
    Ok(JsonResponse(json!({ "responses": responses })).into_response())
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
    }

    #[test]
    fn dependencies_must_exist() {
        let body = json!({ "requests": [
            { "id": "1", "method": "GET", "url": "/users" },
            { "id": "2", "method": "GET", "url": "/users", "dependsOn": ["3"] },
        ]});
        assert!(parse(&body).is_err());
        let too_many: Vec<Json> = (0..21)
            .map(|i| json!({ "id": i.to_string(), "method": "GET", "url": "/me" }))
            .collect();
        assert!(parse(&json!({ "requests": too_many })).is_err());
    }
}
