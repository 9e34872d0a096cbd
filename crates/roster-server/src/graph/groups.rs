//! `/groups`: security, mail-enabled security, distribution and Microsoft 365 groups, their
//! members and owners, and the licenses they give their members.

use axum::Json as JsonResponse;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_core::access::Operation;
use roster_core::types::ObjectId;
use roster_store::DirectoryObject;

use super::http::{Body, collection_response, context, created, no_content};
use super::json::{group_view, parse_group_update, parse_new_group, reference_body, user_view};
use super::query::QueryOptions;
use crate::error::{ApiError, ApiResult};
use crate::identity::tokens::Caller;
use crate::state::AppState;

fn group_id(text: &str) -> ApiResult<ObjectId> {
    ObjectId::parse(text).map_err(|_| {
        ApiError::not_found(format!("Resource '{text}' does not exist or one of its queried reference-property objects are not present."))
    })
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let tenant_id = caller.tenant_id;
    let list = options.list.clone();
    let page = state
        .db(move |store| store.list_groups(tenant_id, &list, false))
        .await?;
    collection_response(&state, &parts, &options, "groups", &page, group_view)
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let (tenant_id, id) = (caller.tenant_id, group_id(&id)?);
    let group = state
        .db(move |store| store.get_group(tenant_id, id))
        .await?;
    let mut body = group_view(&group, options.select.as_deref())?;
    body["@odata.context"] = context(&state.base_url(&parts), "groups/$entity").into();
    Ok(JsonResponse(body).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageGroups, &[])?;
    let new_group = parse_new_group(&body)?;
    let (group, owners, members) = (new_group.group, new_group.owners, new_group.members);
    let change = caller.change();
    let stored = group.clone();
    state
        .db(move |store| store.create_group(&change, &stored, &owners, &members))
        .await?;
    // A dynamic group's members are worked out by the background worker.
    state.job_wake.notify_one();
    Ok(created(group_view(&group, None)?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageGroups, &[])?;
    let (tenant_id, id) = (caller.tenant_id, group_id(&id)?);
    let mut group = state
        .db(move |store| store.get_group(tenant_id, id))
        .await?;
    parse_group_update(&body)?.apply(&mut group)?;
    let change = caller.change();
    state
        .db(move |store| store.update_group(&change, &group))
        .await?;
    // A changed or resumed rule is applied by the background worker.
    state.job_wake.notify_one();
    Ok(no_content())
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageGroups, &[])?;
    let (change, id) = (caller.change(), group_id(&id)?);
    state
        .db(move |store| store.delete_group(&change, id))
        .await?;
    Ok(no_content())
}

fn object_view(
    object: &DirectoryObject,
    select: Option<&[String]>,
) -> ApiResult<serde_json::Value> {
    match object {
        DirectoryObject::User(user) => user_view(user, select),
        DirectoryObject::Group(group) => group_view(group, select),
    }
}

pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    options.only_paging("a group's members")?;
    let (tenant_id, id) = (caller.tenant_id, group_id(&id)?);
    let list = options.list.clone();
    let page = state
        .db(move |store| {
            store.group_members(tenant_id, id, list.after.as_ref(), list.top, list.count)
        })
        .await?;
    collection_response(
        &state,
        &parts,
        &options,
        "directoryObjects",
        &page,
        object_view,
    )
}

pub async fn owners(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    options.only_paging("a group's owners")?;
    let (tenant_id, id) = (caller.tenant_id, group_id(&id)?);
    let list = options.list.clone();
    let page = state
        .db(move |store| {
            store.group_owners(tenant_id, id, list.after.as_ref(), list.top, list.count)
        })
        .await?;
    collection_response(
        &state,
        &parts,
        &options,
        "directoryObjects",
        &page,
        user_view,
    )
}

pub async fn member_of(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    options.only_paging("the groups a group is a member of")?;
    let (tenant_id, id) = (caller.tenant_id, group_id(&id)?);
    let list = options.list.clone();
    let page = state
        .db(move |store| {
            store.get_group(tenant_id, id)?;
            store.member_of(tenant_id, id, list.after.as_ref(), list.top, list.count)
        })
        .await?;
    collection_response(
        &state,
        &parts,
        &options,
        "directoryObjects",
        &page,
        group_view,
    )
}

pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageGroupMembers, &[])?;
    let (change, id, member) = (caller.change(), group_id(&id)?, reference_body(&body)?);
    state
        .db(move |store| store.add_group_member(&change, id, member))
        .await?;
    Ok(no_content())
}

pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageGroupMembers, &[])?;
    let (change, id, member) = (caller.change(), group_id(&id)?, group_id(&member)?);
    state
        .db(move |store| store.remove_group_member(&change, id, member))
        .await?;
    Ok(no_content())
}

pub async fn add_owner(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageGroupMembers, &[])?;
    let (change, id, owner) = (caller.change(), group_id(&id)?, reference_body(&body)?);
    state
        .db(move |store| store.add_group_owner(&change, id, owner))
        .await?;
    Ok(no_content())
}

pub async fn remove_owner(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, owner)): Path<(String, String)>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageGroupMembers, &[])?;
    let (change, id, owner) = (caller.change(), group_id(&id)?, group_id(&owner)?);
    state
        .db(move |store| store.remove_group_owner(&change, id, owner))
        .await?;
    Ok(no_content())
}

/// `POST /groups/{id}/assignLicense`: 202 with the group; every member is brought up to date in
/// the background (`licenseProcessingState` says how far). Licensing a group with guests among
/// its members is allowed, and the answer says so in a `Warning` header.
pub async fn assign_license(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::AssignLicense, &[])?;
    let (add, remove) = super::users::parse_assign_license(&body)?;
    let (change, id) = (caller.change(), group_id(&id)?);
    let (group, guests) = state
        .db(move |store| store.assign_group_licenses(&change, id, &add, &remove))
        .await?;
    state.job_wake.notify_one();
    let mut body = group_view(&group, None)?;
    body["@odata.context"] = context(&state.base_url(&parts), "groups/$entity").into();
    let mut response = (axum::http::StatusCode::ACCEPTED, JsonResponse(body)).into_response();
    if guests {
        response.headers_mut().insert(
            axum::http::header::WARNING,
            axum::http::HeaderValue::from_static(
                "199 roster \"The group has guests among its members: they are licensed too.\"",
            ),
        );
    }
    Ok(response)
}

/// `GET /groups/{id}/membersWithLicenseErrors`: members whose licenses from the group did not
/// take; each user's `licenseAssignmentStates` says why.
pub async fn members_with_license_errors(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    options.only_paging("a group's members with license errors")?;
    let (tenant_id, id) = (caller.tenant_id, group_id(&id)?);
    let list = options.list.clone();
    let page = state
        .db(move |store| {
            store.members_with_license_errors(
                tenant_id,
                id,
                list.after.as_ref(),
                list.top,
                list.count,
            )
        })
        .await?;
    collection_response(
        &state,
        &parts,
        &options,
        "directoryObjects",
        &page,
        user_view,
    )
}
