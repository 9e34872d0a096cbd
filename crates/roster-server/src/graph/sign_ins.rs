//! The sign-in log at Graph's `/v1.0/auditLogs/signIns`: every interactive sign-in (a password
//! checked, a browser's session used for an application) and non-interactive one (a refresh
//! token used), successful or not, in Graph's `signIn` shape (`status.errorCode` is Entra's
//! AADSTS code, 0 for success), newest first, with `$filter` on the user, the application, the
//! time, the status, the address and whether it was interactive.

use axum::Json as JsonResponse;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_core::access::Operation;
use roster_core::attributes::format_datetime;
use roster_core::types::ObjectId;
use roster_store::SignIn;
use serde_json::{Value as Json, json};

use super::http::{collection_response, context};
use super::query::{QueryOptions, apply_select};
use crate::error::{ApiError, ApiResult};
use crate::identity::tokens::Caller;
use crate::state::AppState;

/// `GET /v1.0/auditLogs/signIns`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadAuditLog, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    if options.list.search.is_some() {
        return Err(ApiError::unsupported_query(
            "$search is not supported on the sign-in log: use $filter.",
        ));
    }
    let (tenant_id, list) = (caller.tenant_id, options.list.clone());
    let page = state
        .db(move |store| store.sign_ins(tenant_id, &list))
        .await?;
    collection_response(
        &state,
        &parts,
        &options,
        "auditLogs/signIns",
        &page,
        sign_in_view,
    )
}

/// `GET /v1.0/auditLogs/signIns/{id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadAuditLog, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let missing = || ApiError::not_found(format!("Sign-in '{id}' does not exist."));
    let key = ObjectId::parse(&id).map_err(|_| missing())?;
    let filter = roster_core::odata::Filter::parse(&format!("id eq '{key}'"))?.into_expr();
    let list = roster_store::ListQuery {
        filter: Some(filter),
        top: 1,
        ..Default::default()
    };
    let tenant_id = caller.tenant_id;
    let page = state
        .db(move |store| store.sign_ins(tenant_id, &list))
        .await?;
    let entry = page.items.first().ok_or_else(missing)?;
    let mut body = sign_in_view(entry, options.select.as_deref())?;
    body["@odata.context"] = context(&state.base_url(&parts), "auditLogs/signIns/$entity").into();
    Ok(JsonResponse(body).into_response())
}

/// A sign-in in Graph's `signIn` shape. roster keeps no device, location or risk details: those
/// properties are left out rather than made up.
fn sign_in_view(entry: &SignIn, select: Option<&[String]>) -> ApiResult<Json> {
    let failure = match entry.error_code {
        0 => None,
        _ => entry.failure_reason.clone(),
    };
    let object = json!({
        "id": entry.id,
        "createdDateTime": format_datetime(&entry.at),
        "userPrincipalName": entry.user_principal_name,
        "userId": entry.user_id,
        "appId": entry.app_id,
        "appDisplayName": entry.client,
        "ipAddress": entry.client_ip,
        "correlationId": entry.correlation_id,
        "isInteractive": entry.interactive,
        "conditionalAccessStatus": "notApplied",
        "authenticationRequirement": "singleFactorAuthentication",
        "resourceId": crate::identity::claims::GRAPH_APP_ID,
        "resourceDisplayName": "Microsoft Graph",
        "status": {
            "errorCode": entry.error_code,
            "failureReason": failure,
            "additionalDetails": null,
        },
    });
    let object = object.as_object().cloned().unwrap_or_default();
    Ok(Json::Object(match select {
        Some(select) => apply_select(object, select, "signIn")?,
        None => object,
    }))
}
