//! roster's own API at `/roster/v1`, for what Graph has no call for: buying and resizing
//! subscriptions, granting directory roles, adding domains, reading the audit log, previewing a
//! membership rule.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use roster_core::access::{Operation, Role};
use roster_core::attributes::format_datetime;
use roster_core::types::{DomainName, ObjectId, SkuId};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};

use crate::error::{ApiError, ApiResult};
use crate::graph::{Body, created, no_content};
use crate::identity::tokens::Caller;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/subscriptions",
            get(list_subscriptions).post(add_subscription),
        )
        .route("/subscriptions/{sku}", patch(update_subscription))
        .route("/roleAssignments", post(assign_role))
        .route("/domains", post(add_domain))
        .route("/domains/{id}", axum::routing::delete(remove_domain))
        .route("/domains/{id}/verify", post(verify_domain))
        .route("/domains/{id}/default", post(default_domain))
        .route("/auditLogs", get(audit_log))
        .route(
            "/tenantSettings",
            get(tenant_settings).patch(set_tenant_settings),
        )
        .route("/groups/previewRule", post(preview_rule))
        .route("/groups/reprocess", post(reprocess_groups))
        .route("/groups/processing", get(group_processing))
        .route("/contacts", post(crate::graph::contacts::create))
        .route(
            "/contacts/{id}",
            patch(crate::graph::contacts::update).delete(crate::graph::contacts::delete),
        )
}

async fn list_subscriptions(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadOrganization, &[])?;
    let tenant_id = caller.tenant_id;
    let subscriptions = state
        .db(move |store| store.subscriptions(tenant_id))
        .await?;
    let items: Vec<JsonValue> = subscriptions
        .iter()
        .map(|s| crate::graph::directory_sku_json(tenant_id, s))
        .collect();
    Ok(Json(json!({ "value": items })).into_response())
}

fn field<'a>(body: &'a JsonValue, name: &str) -> Option<&'a JsonValue> {
    body.get(name).filter(|value| !value.is_null())
}

fn seats_of(body: &JsonValue) -> ApiResult<Option<i64>> {
    match field(body, "seats").or_else(|| field(body, "enabledUnits")) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .filter(|seats| *seats >= 0)
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "Property seats is invalid: expected a whole number of 0 or more.",
                )
            }),
    }
}

async fn add_subscription(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageSubscriptions, &[])?;
    let part_number = field(&body, "skuPartNumber")
        .and_then(JsonValue::as_str)
        .ok_or_else(|| {
            ApiError::bad_request("Property skuPartNumber is required, for example \"SPE_E3\".")
        })?
        .to_string();
    let seats =
        seats_of(&body)?.ok_or_else(|| ApiError::bad_request("Property seats is required."))?;
    let change = caller.change();
    let tenant_id = caller.tenant_id;
    let subscription = state
        .db(move |store| store.add_subscription(&change, &part_number, seats))
        .await?;
    Ok(created(crate::graph::directory_sku_json(
        tenant_id,
        &subscription,
    )))
}

async fn update_subscription(
    State(state): State<AppState>,
    caller: Caller,
    Path(sku): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ManageSubscriptions, &[])?;
    // Accept the skuId, the subscribedSku id (`{tenant}_{skuId}`) or the part number.
    let tenant_id = caller.tenant_id;
    let sku_text = sku.rsplit('_').next().unwrap_or(&sku).to_string();
    let sku_id = match SkuId::parse(&sku_text) {
        Ok(id) => id,
        Err(_) => roster_core::catalog::Catalog::builtin()
            .by_part_number(&sku)
            .map(|def| SkuId::from(def.sku_id))
            .ok_or_else(|| ApiError::not_found(format!("Subscription '{sku}' does not exist.")))?,
    };
    let seats = seats_of(&body)?;
    let status =
        field(&body, "capabilityStatus").map(|v| v.as_str().unwrap_or_default().to_string());
    if seats.is_none() && status.is_none() {
        return Err(ApiError::bad_request(
            "Give seats, capabilityStatus (Enabled or Suspended), or both.",
        ));
    }
    let change = caller.change();
    let subscription = state
        .db(move |store| store.update_subscription(&change, sku_id, seats, status.as_deref()))
        .await?;
    // Seats bought go to members waiting for one, from the background worker.
    state.job_wake.notify_one();
    Ok(Json(crate::graph::directory_sku_json(tenant_id, &subscription)).into_response())
}

async fn assign_role(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageRoles, &[])?;
    let principal = field(&body, "principalId")
        .and_then(JsonValue::as_str)
        .ok_or_else(|| ApiError::bad_request("Property principalId is required."))?;
    let principal_id = ObjectId::parse(principal)?;
    let role_text = field(&body, "role")
        .and_then(JsonValue::as_str)
        .ok_or_else(|| {
            ApiError::bad_request(
                "Property role is required, for example \"Helpdesk Administrator\".",
            )
        })?;
    let role = Role::parse(role_text).ok_or_else(|| {
        let known: Vec<&str> = Role::ALL.iter().map(Role::display_name).collect();
        ApiError::bad_request(format!(
            "Property role is invalid: '{role_text}' is not one of {}.",
            known.join(", ")
        ))
    })?;
    let change = caller.change();
    let tenant_id = caller.tenant_id;
    state
        .db(move |store| {
            store.get_user(tenant_id, &roster_store::UserKey::Id(principal_id))?;
            store.assign_role(&change, principal_id, role)
        })
        .await?;
    Ok(no_content())
}

/// A domain as the API shows it: with the DNS record that verifies it while it is not verified
/// (Graph's `verificationDnsRecords` shape).
fn domain_json(domain: &roster_core::directory::Domain) -> JsonValue {
    let records: Vec<JsonValue> = match domain.verification_text() {
        Some(text) if !domain.is_verified => vec![json!({
            "recordType": "Txt", "label": domain.name.as_ref(), "text": text, "ttl": 3600,
        })],
        _ => Vec::new(),
    };
    json!({
        "id": domain.name.as_ref(),
        "isDefault": domain.is_default,
        "isVerified": domain.is_verified,
        "verificationDnsRecords": records,
    })
}

/// `POST /roster/v1/domains` with `{"id": "fabrikam.example"}`: added, not verified yet.
async fn add_domain(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageDomains, &[])?;
    let name = field(&body, "id")
        .and_then(JsonValue::as_str)
        .ok_or_else(|| ApiError::bad_request("Property id (the domain name) is required."))?;
    let domain = DomainName::parse(name)?;
    let change = caller.change();
    let added = state
        .db(move |store| store.add_domain(&change, &domain))
        .await?;
    Ok(created(domain_json(&added)))
}

fn domain_name(text: &str) -> ApiResult<DomainName> {
    DomainName::parse(text)
        .map_err(|_| ApiError::not_found(format!("Resource '{text}' does not exist.")))
}

/// `POST /roster/v1/domains/{id}/verify`: checks the domain's DNS TXT record.
async fn verify_domain(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let domain = crate::domains::verify(&state, caller.change(), domain_name(&id)?).await?;
    Ok(Json(domain_json(&domain)).into_response())
}

/// `POST /roster/v1/domains/{id}/default`: makes a verified domain the default.
async fn default_domain(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (change, name) = (caller.change(), domain_name(&id)?);
    state
        .db(move |store| store.set_default_domain(&change, &name))
        .await?;
    Ok(no_content())
}

/// `DELETE /roster/v1/domains/{id}`: refused while users or groups use it, or it is the default.
async fn remove_domain(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (change, name) = (caller.change(), domain_name(&id)?);
    state
        .db(move |store| store.remove_domain(&change, &name))
        .await?;
    Ok(no_content())
}

#[derive(Deserialize)]
struct AuditQuery {
    top: Option<usize>,
}

async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadAuditLog, &[])?;
    let tenant_id = caller.tenant_id;
    let limit = query.top.unwrap_or(100).clamp(1, 1000);
    let records = state
        .db(move |store| store.audit_log(tenant_id, limit))
        .await?;
    let items: Vec<JsonValue> = records
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "activityDateTime": format_datetime(&r.at),
                "activityDisplayName": r.operation,
                "initiatedBy": { "id": r.actor_id, "displayName": r.actor_name, "ipAddress": r.client_ip },
                "targetResources": [{ "id": r.target_id, "displayName": r.target_name }],
                "modifiedProperties": { "oldValue": r.before, "newValue": r.after },
                "correlationId": r.request_id,
                "jobId": r.job_id,
            })
        })
        .collect();
    Ok(Json(json!({ "value": items })).into_response())
}

#[derive(Deserialize)]
struct PreviewRequest {
    #[serde(rename = "membershipRule")]
    membership_rule: Option<String>,
    #[serde(rename = "groupId")]
    group_id: Option<String>,
    /// How many users to list in each sample.
    top: Option<usize>,
}

/// `POST /roster/v1/groups/previewRule` with `{"membershipRule": "...", "groupId": "..."}`: how
/// many users and which the rule takes in and, against the named group, who would join and
/// leave and which licenses they would get or lose, with the seats free for them. Nothing is
/// changed.
async fn preview_rule(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<PreviewRequest>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let text = body.membership_rule.ok_or_else(|| {
        ApiError::bad_request("The body needs 'membershipRule': the rule to preview.")
    })?;
    let rule = roster_core::rules::MembershipRule::parse(&text).map_err(|error| {
        ApiError::bad_request(format!("Property membershipRule is invalid: {error}."))
    })?;
    let group_id = body
        .group_id
        .map(|id| {
            ObjectId::parse(&id)
                .map_err(|_| ApiError::not_found(format!("Group '{id}' does not exist.")))
        })
        .transpose()?;
    let (tenant_id, sample) = (caller.tenant_id, body.top.unwrap_or(20).min(999));
    let preview = state
        .db(move |store| store.preview_rule(tenant_id, &rule, group_id, sample))
        .await?;
    let users = |users: &[roster_core::directory::User]| -> Vec<JsonValue> {
        users
            .iter()
            .map(|u| json!({ "id": u.id, "userPrincipalName": u.user_principal_name.as_ref(), "displayName": u.display_name }))
            .collect()
    };
    let mut answer = json!({
        "membershipRule": text,
        "matchingUsers": preview.matched,
        "sample": users(&preview.sample),
    });
    if group_id.is_some() {
        answer["joining"] =
            json!({ "count": preview.joining, "sample": users(&preview.joining_sample) });
        answer["leaving"] =
            json!({ "count": preview.leaving, "sample": users(&preview.leaving_sample) });
        answer["licenses"] = preview
            .licenses
            .iter()
            .map(|l| {
                json!({
                    "skuId": l.sku_id,
                    "skuPartNumber": l.sku_part_number,
                    "granted": l.granted,
                    "removed": l.removed,
                    "seatsNeeded": (l.granted as i64 - l.removed as i64).max(0),
                    "seatsAvailable": l.seats_available,
                })
            })
            .collect();
    }
    Ok(Json(answer).into_response())
}

/// `POST /roster/v1/groups/reprocess`: works out the members of every dynamic group of the
/// tenant again from its rule, in the background; 202 with how many were queued.
async fn reprocess_groups(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageGroups, &[])?;
    let change = caller.change();
    let queued = state
        .db(move |store| store.queue_dynamic_groups(&change, false))
        .await?;
    state.job_wake.notify_one();
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(json!({ "queued": queued })),
    )
        .into_response())
}

/// `GET /roster/v1/groups/processing`: how many groups wait for (or are in) processing.
async fn group_processing(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadGroups, &[])?;
    let tenant_id = caller.tenant_id;
    let queued = state
        .db(move |store| store.queued_groups(tenant_id))
        .await?;
    Ok(Json(json!({ "queued": queued })).into_response())
}

fn settings_json(settings: &roster_store::TenantSettings) -> JsonValue {
    json!({
        "lockoutThreshold": settings.lockout_threshold,
        "lockoutDurationInSeconds": settings.lockout_duration_seconds,
        "sessionLifetimeInSeconds": settings.session_lifetime_seconds,
        "signInLogRetentionInDays": settings.sign_in_log_days,
        "passwordGrantAllowed": settings.password_grant,
        "deviceCodeFlowAllowed": settings.device_code_flow,
    })
}

/// `GET /roster/v1/tenantSettings`: smart lockout (Entra's `LockoutThreshold` and
/// `LockoutDurationInSeconds`), the admin center's session lifetime, how long the sign-in log
/// is kept, and whether the password grant is allowed.
async fn tenant_settings(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller
        .principal
        .authorize(Operation::ReadOrganization, &[])?;
    let tenant_id = caller.tenant_id;
    let settings = state
        .db(move |store| store.tenant_settings(tenant_id))
        .await?;
    Ok(Json(settings_json(&settings)).into_response())
}

/// `PATCH /roster/v1/tenantSettings`: changes the settings given, each within its bounds.
async fn set_tenant_settings(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageSettings, &[])?;
    let tenant_id = caller.tenant_id;
    let mut settings = state
        .db(move |store| store.tenant_settings(tenant_id))
        .await?;
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("The body must be an object of settings."))?;
    for (name, value) in object {
        let flag = match name.as_str() {
            "passwordGrantAllowed" => Some(&mut settings.password_grant),
            "deviceCodeFlowAllowed" => Some(&mut settings.device_code_flow),
            _ => None,
        };
        if let Some(flag) = flag {
            *flag = value
                .as_bool()
                .ok_or_else(|| ApiError::invalid_property(name))?;
            continue;
        }
        let target = match name.as_str() {
            "lockoutThreshold" => &mut settings.lockout_threshold,
            "lockoutDurationInSeconds" => &mut settings.lockout_duration_seconds,
            "sessionLifetimeInSeconds" => &mut settings.session_lifetime_seconds,
            "signInLogRetentionInDays" => &mut settings.sign_in_log_days,
            _ => return Err(ApiError::invalid_property(name)),
        };
        *target = value
            .as_i64()
            .ok_or_else(|| ApiError::invalid_property(name))?;
    }
    let change = caller.change();
    state
        .db(move |store| store.set_tenant_settings(&change, &settings))
        .await?;
    Ok(no_content())
}
