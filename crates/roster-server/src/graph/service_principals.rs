//! Applications in their tenant at Graph's `/v1.0/servicePrincipals` (Entra's Enterprise
//! applications): one per app registration, made with it, whose `appRoleAssignmentRequired`
//! says whether users must be assigned to sign in and `accountEnabled` whether anyone may; and
//! the users and groups assigned (`appRoleAssignedTo`, and `appRoleAssignments` of a user or a
//! group), each with one of the application's roles or default access.

use axum::Json as JsonResponse;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_core::access::Operation;
use roster_core::attributes::format_datetime;
use roster_core::directory::{AppRegistration, AppRoleAssignment, Platform};
use roster_core::odata::{CompareOp, Expr, Literal};
use roster_core::types::ObjectId;
use serde_json::{Map, Value as Json, json};

use super::applications::object_id;
use super::http::{Body, collection_response, context, created, no_content};
use super::query::{QueryOptions, apply_select};
use crate::error::{ApiError, ApiResult};
use crate::identity::tokens::Caller;
use crate::state::AppState;

fn service_principal_view(app: &AppRegistration, select: Option<&[String]>) -> ApiResult<Json> {
    let mut object = Map::new();
    object.insert(
        "@odata.type".into(),
        "#microsoft.graph.servicePrincipal".into(),
    );
    object.insert("id".into(), app.service_principal.id.to_string().into());
    object.insert("appId".into(), app.client_id.to_string().into());
    object.insert("displayName".into(), app.display_name.clone().into());
    object.insert("appDisplayName".into(), app.display_name.clone().into());
    object.insert(
        "accountEnabled".into(),
        app.service_principal.enabled.into(),
    );
    object.insert(
        "appRoleAssignmentRequired".into(),
        app.service_principal.assignment_required.into(),
    );
    object.insert("servicePrincipalType".into(), "Application".into());
    object.insert("signInAudience".into(), "AzureADMyOrg".into());
    object.insert(
        "appRoles".into(),
        super::applications::app_roles_json(&app.app_roles),
    );
    object.insert(
        "replyUrls".into(),
        app.redirect_uris
            .iter()
            .filter(|uri| uri.platform != Platform::Spa)
            .map(|uri| Json::from(uri.uri.clone()))
            .collect(),
    );
    object.insert("tags".into(), json!([]));
    object.insert(
        "createdDateTime".into(),
        format_datetime(&app.created).into(),
    );
    Ok(Json::Object(match select {
        Some(select) => apply_select(object, select, "servicePrincipal")?,
        None => object,
    }))
}

/// An assignment as Graph's `appRoleAssignment` says it, `resourceId` the service principal.
fn assignment_view(assignment: &AppRoleAssignment, app: &AppRegistration) -> Json {
    json!({
        "id": assignment.id,
        "appRoleId": assignment.app_role_id,
        "createdDateTime": format_datetime(&assignment.created),
        "deletedDateTime": null,
        "principalDisplayName": assignment.principal_name,
        "principalId": assignment.principal_id,
        "principalType": assignment.principal_type,
        "resourceDisplayName": app.display_name,
        "resourceId": app.service_principal.id,
    })
}

/// The one `$filter` roster serves on service principals, as clients find an app's: `appId eq
/// '...'`.
fn app_id_filter(options: &QueryOptions) -> ApiResult<Option<ObjectId>> {
    match &options.list.filter {
        None => Ok(None),
        Some(Expr::Compare {
            property,
            op: CompareOp::Eq,
            value,
        }) if property.segments.len() == 1
            && property.segments[0].eq_ignore_ascii_case("appId") =>
        {
            let text = match value {
                Literal::String(text) => text.clone(),
                Literal::Guid(id) => id.to_string(),
                _ => String::new(),
            };
            Ok(Some(ObjectId::parse(&text).map_err(|_| {
                ApiError::bad_request(format!("Invalid filter clause: '{text}' is not an appId."))
            })?))
        }
        Some(_) => Err(ApiError::unsupported_query(
            "roster serves $filter on service principals by appId only: $filter=appId eq '{appId}'.",
        )),
    }
}

/// `GET /v1.0/servicePrincipals`.
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
    let app_id = app_id_filter(&options)?;
    let tenant_id = caller.tenant_id;
    let apps: Vec<AppRegistration> = state
        .db(move |store| store.apps(tenant_id))
        .await?
        .into_iter()
        .map(|(app, _)| app)
        .filter(|app| app_id.is_none_or(|id| app.client_id == id))
        .collect();
    let page = roster_store::Page {
        count: Some(apps.len() as i64),
        items: apps,
        next: None,
    };
    collection_response(
        &state,
        &parts,
        &options,
        "servicePrincipals",
        &page,
        service_principal_view,
    )
}

async fn service_principal(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<AppRegistration> {
    let (tenant_id, id) = (caller.tenant_id, object_id(id)?);
    state
        .db(move |store| store.app_by_service_principal(tenant_id, id))
        .await
}

/// `GET /v1.0/servicePrincipals/{id}`.
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
    let app = service_principal(&state, &caller, &id).await?;
    let mut body = service_principal_view(&app, options.select.as_deref())?;
    body["@odata.context"] = context(&state.base_url(&parts), "servicePrincipals/$entity").into();
    Ok(JsonResponse(body).into_response())
}

/// `PATCH /v1.0/servicePrincipals/{id}`: `appRoleAssignmentRequired` and `accountEnabled`.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object."))?;
    let (mut required, mut enabled) = (None, None);
    for (key, value) in object {
        match (key.as_str(), value) {
            ("@odata.type", _) => {}
            ("appRoleAssignmentRequired", Json::Bool(flag)) => required = Some(*flag),
            ("accountEnabled", Json::Bool(flag)) => enabled = Some(*flag),
            ("appRoleAssignmentRequired" | "accountEnabled", _) => {
                return Err(ApiError::bad_request(format!(
                    "Property {key} has a value of the wrong type: expected true or false."
                )));
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Property '{key}' cannot be changed on a service principal by roster: change the application, or appRoleAssignmentRequired and accountEnabled here."
                )));
            }
        }
    }
    let (change, id) = (caller.change(), object_id(&id)?);
    state
        .db(move |store| store.update_service_principal(&change, id, (required, enabled)))
        .await?;
    Ok(no_content())
}

/// `GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo`: who is assigned to the application.
pub async fn assigned_to(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadApplications, &[])?;
    let app = service_principal(&state, &caller, &id).await?;
    let (tenant_id, sp) = (caller.tenant_id, app.service_principal.id);
    let assignments = state
        .db(move |store| store.app_assignments(tenant_id, sp))
        .await?;
    let items: Vec<Json> = assignments
        .iter()
        .map(|assignment| assignment_view(assignment, &app))
        .collect();
    Ok(JsonResponse(json!({
        "@odata.context": context(&state.base_url(&parts), "appRoleAssignments"),
        "value": items,
    }))
    .into_response())
}

/// The assignment a body asks for: `principalId`, `resourceId` (the service principal, which
/// the path may name too) and `appRoleId` (the nil id for default access).
fn assignment_request(body: &Json) -> ApiResult<(ObjectId, ObjectId, uuid::Uuid)> {
    let id = |name: &str| -> ApiResult<uuid::Uuid> {
        body[name]
            .as_str()
            .and_then(|text| uuid::Uuid::parse_str(text).ok())
            .ok_or_else(|| ApiError::bad_request(format!("Property {name} is required: a GUID.")))
    };
    Ok((
        ObjectId::from(id("principalId")?),
        ObjectId::from(id("resourceId")?),
        id("appRoleId")?,
    ))
}

async fn assign(
    state: &AppState,
    caller: &Caller,
    (principal_id, resource_id, app_role_id): (ObjectId, ObjectId, uuid::Uuid),
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let change = caller.change();
    let assignment = state
        .db(move |store| store.assign_app(&change, resource_id, principal_id, app_role_id))
        .await?;
    let tenant_id = caller.tenant_id;
    let app = state
        .db(move |store| store.app_by_service_principal(tenant_id, resource_id))
        .await?;
    Ok(created(assignment_view(&assignment, &app)))
}

/// `POST /v1.0/servicePrincipals/{id}/appRoleAssignedTo`.
pub async fn add_assigned_to(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let (principal, resource, role) = assignment_request(&body)?;
    if resource != object_id(&id)? {
        return Err(ApiError::bad_request(
            "Property resourceId must be the service principal of the request's path.",
        ));
    }
    assign(&state, &caller, (principal, resource, role)).await
}

/// `POST /v1.0/users/{id}/appRoleAssignments` and `/groups/{id}/appRoleAssignments`.
pub async fn add_assignment_of(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let (principal, resource, role) = assignment_request(&body)?;
    if principal != object_id(&id)? {
        return Err(ApiError::bad_request(
            "Property principalId must be the user or group of the request's path.",
        ));
    }
    assign(&state, &caller, (principal, resource, role)).await
}

/// `DELETE /v1.0/servicePrincipals/{id}/appRoleAssignedTo/{assignment}`.
pub async fn remove_assigned_to(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, assignment)): Path<(String, String)>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageApplications, &[])?;
    let (change, id, assignment) = (caller.change(), object_id(&id)?, object_id(&assignment)?);
    state
        .db(move |store| store.remove_app_assignment(&change, id, assignment))
        .await?;
    Ok(no_content())
}

/// `GET /v1.0/users/{id}/appRoleAssignments` and `/groups/{id}/appRoleAssignments`: the
/// principal's own assignments.
pub async fn assignments_of(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadApplications, &[])?;
    let (tenant_id, principal) = (caller.tenant_id, object_id(&id)?);
    let (assignments, apps) = state
        .db(move |store| {
            Ok((
                store.principal_app_assignments(tenant_id, principal)?,
                store.apps(tenant_id)?,
            ))
        })
        .await?;
    let items: Vec<Json> = assignments
        .iter()
        .filter_map(|assignment| {
            let (app, _) = apps
                .iter()
                .find(|(app, _)| app.client_id == assignment.client_id)?;
            Some(assignment_view(assignment, app))
        })
        .collect();
    Ok(JsonResponse(json!({
        "@odata.context": context(&state.base_url(&parts), "appRoleAssignments"),
        "value": items,
    }))
    .into_response())
}
