//! App registrations at Graph's `/v1.0/applications`: created, read, changed and deleted as
//! Graph's `application`, with client secrets added (`addPassword`, whose `secretText` is shown
//! in that answer only) and removed (`removePassword`). roster serves single-tenant apps
//! (`signInAudience` `AzureADMyOrg`) with redirect URIs for the web, single-page and public
//! client platforms.

use axum::Json as JsonResponse;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use roster_core::access::Operation;
use roster_core::attributes::format_datetime;
use roster_core::directory::{AppRegistration, AppRole, AppSecret, GroupClaims, Platform};
use roster_core::requests::{ApplicationUpdate, check_display_name};
use roster_core::types::ObjectId;
use serde_json::{Map, Value as Json, json};

use super::http::{Body, collection_response, created, no_content};
use super::query::{QueryOptions, apply_select};
use crate::error::{ApiError, ApiResult};
use crate::identity::tokens::Caller;
use crate::state::AppState;

/// The only audience roster serves: accounts of the app's own tenant.
const AUDIENCE: &str = "AzureADMyOrg";

/// How long a client secret lasts when `addPassword` does not say, and at most (Entra's
/// portal's longest).
const SECRET_LIFETIME_DAYS: i64 = 2 * 365;

fn secret_json(secret: &AppSecret, text: Option<&str>) -> Json {
    json!({
        "customKeyIdentifier": null,
        "displayName": secret.display_name,
        "endDateTime": format_datetime(&secret.ends),
        "hint": secret.hint,
        "keyId": secret.key_id,
        "secretText": text,
        "startDateTime": format_datetime(&secret.starts),
    })
}

fn application_view(
    (app, secrets): &(AppRegistration, Vec<AppSecret>),
    select: Option<&[String]>,
) -> ApiResult<Json> {
    let uris = |platform: Platform| -> Vec<&str> {
        app.redirect_uris
            .iter()
            .filter(|uri| uri.platform == platform)
            .map(|uri| uri.uri.as_str())
            .collect()
    };
    let mut object = Map::new();
    object.insert("@odata.type".into(), "#microsoft.graph.application".into());
    object.insert("id".into(), app.object_id.to_string().into());
    object.insert("appId".into(), app.client_id.to_string().into());
    object.insert("displayName".into(), app.display_name.clone().into());
    object.insert(
        "createdDateTime".into(),
        format_datetime(&app.created).into(),
    );
    object.insert("signInAudience".into(), AUDIENCE.into());
    object.insert(
        "isFallbackPublicClient".into(),
        app.fallback_public_client.into(),
    );
    object.insert(
        "web".into(),
        json!({
            "redirectUris": uris(Platform::Web),
            "homePageUrl": null,
            "logoutUrl": null,
            "implicitGrantSettings": { "enableAccessTokenIssuance": false, "enableIdTokenIssuance": false },
        }),
    );
    object.insert("spa".into(), json!({ "redirectUris": uris(Platform::Spa) }));
    object.insert(
        "publicClient".into(),
        json!({ "redirectUris": uris(Platform::PublicClient) }),
    );
    object.insert(
        "passwordCredentials".into(),
        Json::Array(
            secrets
                .iter()
                .map(|secret| secret_json(secret, None))
                .collect(),
        ),
    );
    object.insert("keyCredentials".into(), json!([]));
    object.insert("appRoles".into(), app_roles_json(&app.app_roles));
    object.insert(
        "groupMembershipClaims".into(),
        match app.group_claims {
            GroupClaims::None => Json::Null,
            claims => claims.as_str().into(),
        },
    );
    Ok(Json::Object(match select {
        Some(select) => apply_select(object, select, "application")?,
        None => object,
    }))
}

/// An application's roles as Graph's `appRoles` says them (for users only).
pub fn app_roles_json(roles: &[AppRole]) -> Json {
    roles
        .iter()
        .map(|role| {
            json!({
                "allowedMemberTypes": ["User"],
                "description": role.description,
                "displayName": role.display_name,
                "id": role.id,
                "isEnabled": role.enabled,
                "origin": "Application",
                "value": role.value,
            })
        })
        .collect()
}

/// `appRoles` as a body gives them: each with an id, a display name and a value, for users.
fn app_roles_from(items: &[Json]) -> ApiResult<Vec<AppRole>> {
    items
        .iter()
        .map(|item| {
            let text = |name: &str| item[name].as_str().map(str::to_string);
            let invalid = |what: &str| {
                ApiError::bad_request(format!("Property appRoles is invalid: each role needs {what}."))
            };
            let members_ok = match &item["allowedMemberTypes"] {
                Json::Null => true,
                Json::Array(kinds) => kinds.iter().all(|kind| kind == "User") && !kinds.is_empty(),
                _ => false,
            };
            if !members_ok {
                return Err(ApiError::bad_request(
                    "Property appRoles.allowedMemberTypes is invalid: roster serves roles for users (\"User\") only.",
                ));
            }
            Ok(AppRole {
                id: text("id")
                    .and_then(|id| uuid::Uuid::parse_str(&id).ok())
                    .ok_or_else(|| invalid("an id (a GUID)"))?,
                display_name: text("displayName").ok_or_else(|| invalid("a displayName"))?,
                value: text("value").ok_or_else(|| invalid("a value"))?,
                description: text("description").unwrap_or_default(),
                enabled: item["isEnabled"].as_bool().unwrap_or(true),
            })
        })
        .collect()
}

/// The change a body asks for, each value checked as Graph checks it; a property roster does
/// not serve is refused by name rather than ignored.
fn update_from(body: &Json) -> ApiResult<ApplicationUpdate> {
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object."))?;
    let mut update = ApplicationUpdate::default();
    for (key, value) in object {
        match (key.as_str(), value) {
            ("@odata.type", _) => {}
            ("displayName", Json::String(name)) => update.set_display_name(name)?,
            ("signInAudience", Json::String(audience)) if audience == AUDIENCE => {}
            ("signInAudience", _) => {
                return Err(ApiError::bad_request(format!(
                    "Property signInAudience is invalid: roster serves the accounts of this organisation only ({AUDIENCE})."
                )));
            }
            ("isFallbackPublicClient", Json::Bool(public)) => {
                update.fallback_public_client = Some(*public);
            }
            ("isFallbackPublicClient", Json::Null) => update.fallback_public_client = Some(false),
            ("appRoles", Json::Array(items)) => update.set_app_roles(app_roles_from(items)?)?,
            ("appRoles", Json::Null) => update.set_app_roles(Vec::new())?,
            ("groupMembershipClaims", Json::Null) => update.group_claims = Some(GroupClaims::None),
            ("groupMembershipClaims", Json::String(text)) => {
                update.group_claims = Some(GroupClaims::parse(text).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Property groupMembershipClaims is invalid: '{text}' is not one of None, SecurityGroup, All."
                    ))
                })?);
            }
            (platform @ ("web" | "spa" | "publicClient"), Json::Object(settings)) => {
                let platform = Platform::ALL
                    .into_iter()
                    .find(|p| p.property() == platform)
                    .expect("a platform's property");
                for (setting, value) in settings {
                    match (setting.as_str(), value) {
                        ("redirectUris", Json::Array(items)) => {
                            let uris: Option<Vec<&str>> = items.iter().map(Json::as_str).collect();
                            let uris = uris.ok_or_else(|| {
                                ApiError::bad_request(format!(
                                    "Property {key}.redirectUris is invalid: expected a list of strings."
                                ))
                            })?;
                            update.set_redirect_uris(platform, uris)?;
                        }
                        ("redirectUris", Json::Null) => update.set_redirect_uris(platform, [])?,
                        // What roster does not serve, sent empty, changes nothing.
                        (_, Json::Null) => {}
                        ("implicitGrantSettings", Json::Object(implicit))
                            if implicit.values().all(|v| v == &Json::Bool(false)) => {}
                        _ => {
                            return Err(ApiError::bad_request(format!(
                                "Property {key}.{setting} is not supported: roster keeps the redirect URIs of each platform."
                            )));
                        }
                    }
                }
            }
            (
                "displayName"
                | "isFallbackPublicClient"
                | "web"
                | "spa"
                | "publicClient"
                | "appRoles"
                | "groupMembershipClaims",
                _,
            ) => {
                return Err(ApiError::bad_request(format!(
                    "Property {key} has a value of the wrong type."
                )));
            }
            ("passwordCredentials", _) => {
                return Err(ApiError::bad_request(
                    "Property passwordCredentials cannot be set: add a client secret with addPassword.",
                ));
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Property '{key}' does not exist as a declared property of application, or roster does not serve it."
                )));
            }
        }
    }
    Ok(update)
}

/// An object id from a request's path: a text that is none is a resource that does not exist.
pub(super) fn object_id(text: &str) -> ApiResult<ObjectId> {
    ObjectId::parse(text)
        .map_err(|_| ApiError::not_found(format!("Resource '{text}' does not exist.")))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadApplications, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    if options.list.filter.is_some() || options.list.search.is_some() {
        return Err(ApiError::bad_request(
            "$filter and $search are not supported on applications.",
        ));
    }
    let tenant_id = caller.tenant_id;
    let apps = state.db(move |store| store.apps(tenant_id)).await?;
    let page = roster_store::Page {
        count: Some(apps.len() as i64),
        items: apps,
        next: None,
    };
    collection_response(
        &state,
        &parts,
        &options,
        "applications",
        &page,
        application_view,
    )
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadApplications, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let (tenant_id, id) = (caller.tenant_id, object_id(&id)?);
    let app = state
        .db(move |store| store.app_by_object_id(tenant_id, id))
        .await?;
    Ok(JsonResponse(application_view(&app, options.select.as_deref())?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let name = body["displayName"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("Property displayName is required."))?;
    check_display_name(name)?;
    let update = update_from(&body)?;
    let now = Utc::now();
    let mut app = AppRegistration::new(ObjectId::new(), String::new(), now);
    update.apply(&mut app)?;
    let (change, stored) = (caller.change(), app.clone());
    state
        .db(move |store| store.create_app(&change, &stored, None))
        .await?;
    Ok(created(application_view(&(app, Vec::new()), None)?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let update = update_from(&body)?;
    let (change, id) = (caller.change(), object_id(&id)?);
    state
        .db(move |store| store.update_app(&change, id, &update))
        .await?;
    Ok(no_content())
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let (change, id) = (caller.change(), object_id(&id)?);
    state.db(move |store| store.delete_app(&change, id)).await?;
    Ok(no_content())
}

/// `POST /applications/{id}/addPassword`: a new client secret, whose text this answer shows
/// and nothing ever shows again.
pub async fn add_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let credential = &body["passwordCredential"];
    let display_name = match &credential["displayName"] {
        Json::Null => None,
        Json::String(name) => Some(check_display_name(name)?),
        _ => {
            return Err(ApiError::bad_request(
                "Property passwordCredential.displayName is invalid: expected a string.",
            ));
        }
    };
    let now = Utc::now();
    let longest = now + Duration::days(SECRET_LIFETIME_DAYS);
    let ends = match &credential["endDateTime"] {
        Json::Null => longest,
        Json::String(text) => {
            let ends = DateTime::parse_from_rfc3339(text)
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "Property passwordCredential.endDateTime is invalid: '{text}' is not a date and time."
                    ))
                })?
                .with_timezone(&Utc);
            if ends <= now || ends > longest {
                return Err(ApiError::bad_request(format!(
                    "Property passwordCredential.endDateTime is invalid: a client secret ends after now and within {SECRET_LIFETIME_DAYS} days."
                )));
            }
            ends
        }
        _ => {
            return Err(ApiError::bad_request(
                "Property passwordCredential.endDateTime is invalid: expected a date and time.",
            ));
        }
    };
    let (secret, text, hash) = state.keys.client_secret(display_name, ends, None);
    let (change, id, stored) = (caller.change(), object_id(&id)?, secret.clone());
    state
        .db(move |store| store.add_app_secret(&change, id, &stored, &hash))
        .await?;
    let mut response = JsonResponse(secret_json(&secret, Some(&text))).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `POST /applications/{id}/removePassword`: the secret with this key id is refused from the
/// next request on.
pub async fn remove_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let key_id = body["keyId"]
        .as_str()
        .and_then(|text| uuid::Uuid::parse_str(text).ok())
        .ok_or_else(|| ApiError::bad_request("Property keyId is required: the secret's GUID."))?;
    let (change, id) = (caller.change(), object_id(&id)?);
    state
        .db(move |store| store.remove_app_secret(&change, id, key_id))
        .await?;
    Ok(no_content())
}
