//! `/subscribedSkus`, `/domains`, `/organization` and the recycle bin at
//! `/directory/deletedItems`.

use axum::Json as JsonResponse;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_core::access::Operation;
use roster_core::attributes::format_datetime;
use roster_core::catalog::Catalog;
use roster_core::directory::Subscription;
use roster_core::types::ObjectId;
use serde_json::{Value as Json, json};

use super::http::{collection, collection_response, context, no_content};
use super::json::{group_view, user_view};
use super::query::QueryOptions;
use crate::error::{ApiError, ApiResult};
use crate::identity::tokens::Caller;
use crate::state::AppState;

pub fn subscribed_sku_json(tenant_id: ObjectId, subscription: &Subscription) -> Json {
    let plans: Vec<Json> = Catalog::builtin()
        .by_sku_id(subscription.sku_id.as_uuid())
        .map(|sku| {
            sku.service_plans
                .iter()
                .map(|plan| {
                    json!({
                        "servicePlanId": plan.service_plan_id,
                        "servicePlanName": plan.service_plan_name,
                        "provisioningStatus": "Success",
                        "appliesTo": "User",
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": format!("{tenant_id}_{}", subscription.sku_id),
        "accountId": tenant_id,
        "appliesTo": "User",
        "capabilityStatus": subscription.capability_status,
        "consumedUnits": subscription.consumed_units,
        "prepaidUnits": {
            "enabled": subscription.enabled_units,
            "suspended": subscription.suspended_units,
            "warning": subscription.warning_units,
            "lockedOut": 0,
        },
        "servicePlans": plans,
        "skuId": subscription.sku_id,
        "skuPartNumber": subscription.sku_part_number,
    })
}

pub async fn subscribed_skus(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadOrganization, &[])?;
    let tenant_id = caller.tenant_id;
    let subscriptions = state
        .db(move |store| store.subscriptions(tenant_id))
        .await?;
    let items = subscriptions
        .iter()
        .map(|s| subscribed_sku_json(tenant_id, s))
        .collect();
    Ok(JsonResponse(collection(
        &context(&state.base_url(&parts), "subscribedSkus"),
        items,
        None,
        None,
    ))
    .into_response())
}

pub async fn subscribed_sku(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadOrganization, &[])?;
    let tenant_id = caller.tenant_id;
    let subscriptions = state
        .db(move |store| store.subscriptions(tenant_id))
        .await?;
    subscriptions
        .iter()
        .map(|s| subscribed_sku_json(tenant_id, s))
        .find(|sku| sku["id"].as_str() == Some(id.as_str()))
        .map(|sku| JsonResponse(sku).into_response())
        .ok_or_else(|| ApiError::not_found(format!("Resource '{id}' does not exist.")))
}

fn domain_json(domain: &roster_core::directory::Domain) -> Json {
    json!({
        "id": domain.name.as_ref(),
        "authenticationType": "Managed",
        "isDefault": domain.is_default,
        "isInitial": domain.is_default,
        "isRoot": true,
        "isVerified": domain.is_verified,
        "supportedServices": ["Email", "OfficeCommunicationsOnline"],
    })
}

pub async fn domains(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadOrganization, &[])?;
    let tenant_id = caller.tenant_id;
    let domains = state.db(move |store| store.domains(tenant_id)).await?;
    let items = domains.iter().map(domain_json).collect();
    Ok(JsonResponse(collection(
        &context(&state.base_url(&parts), "domains"),
        items,
        None,
        None,
    ))
    .into_response())
}

pub async fn domain(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadOrganization, &[])?;
    let tenant_id = caller.tenant_id;
    let domains = state.db(move |store| store.domains(tenant_id)).await?;
    domains
        .iter()
        .find(|d| d.name.as_ref().eq_ignore_ascii_case(&name))
        .map(|d| JsonResponse(domain_json(d)).into_response())
        .ok_or_else(|| ApiError::not_found(format!("Resource '{name}' does not exist.")))
}

pub async fn organization(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadOrganization, &[])?;
    let tenant_id = caller.tenant_id;
    let (tenant, domains) = state
        .db(move |store| Ok((store.tenant(tenant_id)?, store.domains(tenant_id)?)))
        .await?;
    let item = json!({
        "@odata.type": "#microsoft.graph.organization",
        "id": tenant.id,
        "displayName": tenant.display_name,
        "createdDateTime": format_datetime(&tenant.created),
        "countryLetterCode": tenant.default_usage_location.map(|l| l.to_string()),
        "technicalNotificationMails": tenant.technical_contact.iter().collect::<Vec<_>>(),
        "verifiedDomains": domains.iter().filter(|d| d.is_verified).map(|d| json!({
            "name": d.name.as_ref(), "isDefault": d.is_default, "isInitial": d.is_default, "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline",
        })).collect::<Vec<_>>(),
    });
    Ok(JsonResponse(collection(
        &context(&state.base_url(&parts), "organization"),
        vec![item],
        None,
        None,
    ))
    .into_response())
}

/// Which kind a deleted-items cast names: `microsoft.graph.user` or `graph.user`, and groups.
fn cast_kind(segment: &str) -> Option<&'static str> {
    match segment.to_ascii_lowercase().as_str() {
        "microsoft.graph.user" | "graph.user" => Some("user"),
        "microsoft.graph.group" | "graph.group" => Some("group"),
        _ => None,
    }
}

/// `GET /directory/deletedItems/microsoft.graph.user` lists; `GET /directory/deletedItems/{id}` reads one.
pub async fn deleted_items_or_item(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(segment): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let tenant_id = caller.tenant_id;
    let base = state.base_url(&parts);
    match cast_kind(&segment) {
        Some("user") => {
            caller.principal.authorize(Operation::ReadUsers, &[])?;
            // Deleted users' sign-in times are the audit log's too.
            if options.queries("signInActivity") {
                caller.principal.authorize(Operation::ReadAuditLog, &[])?;
            }
            let list = options.list.clone();
            let page = state
                .db(move |store| store.list_deleted_users(tenant_id, &list))
                .await?;
            let view = |user: &roster_core::directory::User, select: Option<&[String]>| {
                deleted_view(user_view(user, select)?, user.deleted)
            };
            collection_response(
                &state,
                &parts,
                &options,
                "directory/deletedItems/microsoft.graph.user",
                &page,
                view,
            )
        }
        Some(_) => {
            caller.principal.authorize(Operation::ReadGroups, &[])?;
            let list = options.list.clone();
            let page = state
                .db(move |store| store.list_groups(tenant_id, &list, true))
                .await?;
            collection_response(
                &state,
                &parts,
                &options,
                "directory/deletedItems/microsoft.graph.group",
                &page,
                group_view,
            )
        }
        None => {
            let id = deleted_id(&segment)?;
            let found = find_deleted(&state, tenant_id, id).await?;
            let mut body = match found {
                Deleted::User(user) => {
                    caller.principal.authorize(Operation::ReadUsers, &[])?;
                    deleted_view(user_view(&user, options.select.as_deref())?, user.deleted)?
                }
                Deleted::Group(group) => {
                    caller.principal.authorize(Operation::ReadGroups, &[])?;
                    group_view(&group, options.select.as_deref())?
                }
            };
            body["@odata.context"] = context(&base, "directoryObjects/$entity").into();
            Ok(JsonResponse(body).into_response())
        }
    }
}

/// Deleted items always show when they were deleted.
fn deleted_view(mut view: Json, deleted: Option<chrono::DateTime<chrono::Utc>>) -> ApiResult<Json> {
    view["deletedDateTime"] = deleted.as_ref().map(format_datetime).into();
    Ok(view)
}

enum Deleted {
    User(roster_core::directory::User),
    Group(roster_core::directory::Group),
}

fn deleted_id(text: &str) -> ApiResult<ObjectId> {
    ObjectId::parse(text).map_err(|_| ApiError::not_found(format!("Resource '{text}' does not exist or one of its queried reference-property objects are not present.")))
}

async fn find_deleted(state: &AppState, tenant_id: ObjectId, id: ObjectId) -> ApiResult<Deleted> {
    state
        .db(move |store| match store.get_deleted_user(tenant_id, id) {
            Ok(user) => Ok(Deleted::User(user)),
            Err(roster_store::Error::NotFound { .. }) => {
                store.get_deleted_group(tenant_id, id).map(Deleted::Group)
            }
            Err(other) => Err(other),
        })
        .await
}

pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = deleted_id(&id)?;
    may_touch_deleted(&caller, Operation::RestoreUser)?;
    let change = caller.change();
    let base = state.base_url(&parts);
    let mut body = match find_deleted(&state, caller.tenant_id, id).await? {
        Deleted::User(_) => {
            // Authorized by the store, with the user's roles, as it restores it.
            let user = state
                .db(move |store| store.restore_user(&change, id))
                .await?;
            user_view(&user, None)?
        }
        Deleted::Group(_) => {
            let group = state
                .db(move |store| store.restore_group(&change, id))
                .await?;
            group_view(&group, None)?
        }
    };
    body["@odata.context"] = context(&base, "directoryObjects/$entity").into();
    Ok(JsonResponse(body).into_response())
}

/// Refuses, before the recycle bin is looked in, a caller who may neither `operation` a user
/// nor manage groups: what the bin holds is not told to one who could do nothing with it.
fn may_touch_deleted(caller: &Caller, operation: Operation) -> ApiResult<()> {
    match caller.principal.authorize(operation, &[]) {
        Ok(_) => Ok(()),
        Err(_) => caller
            .principal
            .authorize(Operation::ManageGroups, &[])
            .map(drop)
            .map_err(Into::into),
    }
}

pub async fn purge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = deleted_id(&id)?;
    may_touch_deleted(&caller, Operation::PurgeUser)?;
    let change = caller.change();
    match find_deleted(&state, caller.tenant_id, id).await? {
        Deleted::User(_) => {
            state.db(move |store| store.purge_user(&change, id)).await?;
        }
        Deleted::Group(_) => {
            state
                .db(move |store| store.purge_group(&change, id))
                .await?;
        }
    }
    Ok(no_content())
}
