//! `/users`: accounts, their manager, direct reports, groups and licenses.

use axum::Json as JsonResponse;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_core::access::{Operation, Principal};
use roster_core::catalog::Catalog;
use roster_core::directory::{LicenseAssignment, User};
use roster_core::types::{ObjectId, SkuId};
use roster_store::UserKey;
use serde_json::{Value as Json, json};

use super::http::{Body, collection, collection_response, context, created, no_content};
use super::json::{parse_new_user, parse_user_update, reference_body, user_view};
use super::query::QueryOptions;
use crate::error::{ApiError, ApiResult};
use crate::identity::tokens::Caller;
use crate::state::AppState;

/// Refuses early a caller that no target could make allowed (the store decides, with the
/// target's roles, inside the change's transaction): so that nothing costly (a password's
/// hash) is done for it.
fn may_ever(caller: &Caller, operations: &[Operation]) -> ApiResult<()> {
    for operation in operations {
        caller.principal.authorize(*operation, &[])?;
    }
    Ok(())
}

/// Reading a user: readers of the directory, and every user for their own account.
async fn readable_user(state: &AppState, caller: &Caller, key: &str) -> ApiResult<User> {
    let tenant_id = caller.tenant_id;
    let user_key = UserKey::parse(key);
    let user = state
        .db(move |store| store.get_user(tenant_id, &user_key))
        .await?;
    if !caller.principal.is_user(user.id) {
        caller.principal.authorize(Operation::ReadUsers, &[])?;
    }
    Ok(user)
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadUsers, &[])?;
    let mut options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let activity = sign_in_activity_asked(&caller, &mut options)?;
    let tenant_id = caller.tenant_id;
    let list = options.list.clone();
    let page = state
        .db(move |store| store.list_users(tenant_id, &list))
        .await?;
    collection_response(&state, &parts, &options, "users", &page, |user, select| {
        let mut view = user_view(user, select)?;
        if activity {
            view["signInActivity"] = super::json::sign_in_activity(user);
        }
        Ok(view)
    })
}

/// Whether `signInActivity` was selected (taken out of `$select`, to be added to each user),
/// refused unless the caller may read the audit log, as Graph requires `AuditLog.Read.All` for
/// it in `$select` and `$filter` alike.
fn sign_in_activity_asked(caller: &Caller, options: &mut QueryOptions) -> ApiResult<bool> {
    let selected = options.take_select("signInActivity");
    if selected || options.queries("signInActivity") {
        caller.principal.authorize(Operation::ReadAuditLog, &[])?;
    }
    Ok(selected)
}

/// The signed-in user's id, for `/me` and its relatives: only a user's (delegated) token has one.
fn me_id(caller: &Caller) -> ApiResult<String> {
    match &caller.principal {
        Principal::User { id, .. } => Ok(id.to_string()),
        _ => Err(ApiError::bad_request(
            "/me is only valid with a delegated (user) token.",
        )),
    }
}

pub async fn me(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let id = me_id(&caller)?;
    get(State(state), caller, parts, Path(id), RawQuery(raw)).await
}

/// `GET /me/memberOf`.
pub async fn my_member_of(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let id = me_id(&caller)?;
    member_of(State(state), caller, parts, RawQuery(raw), Path(id)).await
}

/// `GET /me/licenseDetails`.
pub async fn my_license_details(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
) -> ApiResult<Response> {
    let id = me_id(&caller)?;
    license_details(State(state), caller, parts, Path(id)).await
}

/// `POST /me/changePassword`: the signed-in user's new password, given the current one (checked
/// by the one sign-in path, so guesses count towards smart lockout) and Entra's password rule.
/// Every session and token of the user issued before ends, this one's included.
pub async fn change_my_password(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Body(body): Body,
) -> ApiResult<Response> {
    let id = me_id(&caller)?;
    let (Some(current), Some(new)) = (
        body["currentPassword"].as_str().map(str::to_string),
        body["newPassword"].as_str().map(str::to_string),
    ) else {
        return Err(ApiError::bad_request(
            "The request body must have currentPassword and newPassword.",
        ));
    };
    let user = readable_user(&state, &caller, &id).await?;
    let tenant_id = caller.tenant_id;
    let admit = |record: &roster_store::SignInRecord| {
        if record.tenant_id != tenant_id || record.user.id != user.id {
            Err(crate::identity::sign_in::SignInRefusal::InvalidCredentials)
        } else {
            Ok(())
        }
    };
    let record = match crate::identity::sign_in::sign_in(
        &state,
        &parts,
        crate::identity::sign_in::SignInApp::named("Graph changePassword"),
        (user.user_principal_name.to_string(), current.clone()),
        admit,
    )
    .await?
    {
        Ok(record) => record,
        Err(crate::identity::sign_in::SignInRefusal::Busy) => {
            return Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many password checks are waiting: try again in a moment.",
            ));
        }
        Err(_) => {
            return Err(ApiError::forbidden(
                "The current password is not correct, or the account is locked for now.",
            ));
        }
    };
    if new == current {
        return Err(ApiError::bad_request(
            "The new password must differ from the current one.",
        ));
    }
    crate::error::check_password_complexity(&new)?;
    let profile = roster_core::requests::PasswordProfile {
        password: Some(new),
        force_change: false,
    };
    let (hash, _) = state.password_hash(Some(&profile)).await?;
    let (change, expected) = (
        caller.change(),
        record.password_hash.clone().unwrap_or_default(),
    );
    let changed = state
        .db(move |store| store.change_own_password(&change, user.id, &expected, &hash))
        .await?;
    if !changed {
        return Err(ApiError::bad_request(
            "The password was changed meanwhile (by an administrator): sign in again.",
        ));
    }
    Ok(no_content())
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let mut options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let activity = sign_in_activity_asked(&caller, &mut options)?;
    let user = readable_user(&state, &caller, &key).await?;
    let mut body = user_view(&user, options.select.as_deref())?;
    if activity {
        body["signInActivity"] = super::json::sign_in_activity(&user);
    }
    body["@odata.context"] = context(&state.base_url(&parts), "users/$entity").into();
    Ok(JsonResponse(body).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::CreateUser, &[])?;
    let new_user = parse_new_user(&body)?;
    let change = caller.change();
    let (hash, generated) = state.password_hash(new_user.password.as_ref()).await?;
    let user = state
        .db(move |store| {
            store.create_user(&change, &new_user.user, Some(&hash))?;
            Ok(new_user.user)
        })
        .await?;
    let mut view = user_view(&user, None)?;
    if let Some(password) = generated {
        // roster's extension: a generated password is shown once, here, and never again.
        view["passwordProfile"] =
            json!({ "password": password, "forceChangePasswordNextSignIn": true });
    }
    Ok(created(view))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let (mut update, password) = parse_user_update(&body)?;
    may_ever(
        &caller,
        &update.operations_with_password(password.is_some()),
    )?;
    let change = caller.change();
    let user_key = UserKey::parse(&key);
    if let Some(profile) = &password {
        let (hash, _) = state.password_hash(Some(profile)).await?;
        update.password = Some((hash, profile.force_change));
    }
    state
        .db(move |store| store.update_user(&change, &user_key, &update))
        .await?;
    Ok(no_content())
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    may_ever(&caller, &[Operation::DeleteUser])?;
    let change = caller.change();
    let user_key = UserKey::parse(&key);
    state
        .db(move |store| store.delete_user(&change, &user_key))
        .await?;
    Ok(no_content())
}

pub async fn manager(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let user = readable_user(&state, &caller, &key).await?;
    let Some(manager_id) = user.manager_id else {
        return Err(ApiError::not_found(format!(
            "Resource 'manager' does not exist or one of its queried reference-property objects are not present. ({key})"
        )));
    };
    let tenant_id = caller.tenant_id;
    let manager = state
        .db(move |store| store.get_user(tenant_id, &UserKey::Id(manager_id)))
        .await?;
    let mut body = user_view(&manager, None)?;
    body["@odata.context"] = context(&state.base_url(&parts), "directoryObjects/$entity").into();
    Ok(JsonResponse(body).into_response())
}

pub async fn set_manager(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let manager_id = reference_body(&body)?;
    may_ever(&caller, &[Operation::UpdateUser])?;
    let change = caller.change();
    let user_key = UserKey::parse(&key);
    state
        .db(move |store| store.set_manager(&change, &user_key, Some(manager_id)))
        .await?;
    Ok(no_content())
}

pub async fn remove_manager(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    may_ever(&caller, &[Operation::UpdateUser])?;
    let change = caller.change();
    let user_key = UserKey::parse(&key);
    state
        .db(move |store| store.set_manager(&change, &user_key, None))
        .await?;
    Ok(no_content())
}

pub async fn direct_reports(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let user = readable_user(&state, &caller, &key).await?;
    let tenant_id = caller.tenant_id;
    let reports = state
        .db(move |store| store.direct_reports(tenant_id, &UserKey::Id(user.id)))
        .await?;
    let page = roster_store::Page {
        items: reports,
        next: None,
        count: None,
    };
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
    RawQuery(raw): RawQuery,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    options.only_paging("the groups a user is a member of")?;
    let user = readable_user(&state, &caller, &key).await?;
    let tenant_id = caller.tenant_id;
    let list = options.list.clone();
    let page = state
        .db(move |store| {
            store.member_of(
                tenant_id,
                user.id,
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
        super::json::group_view,
    )
}

/// Reads `addLicenses` / `removeLicenses` of an `assignLicense` body.
pub fn parse_assign_license(body: &Json) -> ApiResult<(Vec<LicenseAssignment>, Vec<SkuId>)> {
    let object = body.as_object().ok_or_else(|| {
        ApiError::bad_request(
            "The request body must be a JSON object with addLicenses and removeLicenses.",
        )
    })?;
    for key in object.keys() {
        if key != "addLicenses" && key != "removeLicenses" {
            return Err(ApiError::bad_request(format!(
                "Property '{key}' does not exist as a declared property of assignLicense."
            )));
        }
    }
    let list = |name: &str| -> ApiResult<Vec<Json>> {
        match object.get(name) {
            Some(Json::Array(items)) => Ok(items.clone()),
            Some(Json::Null) => Ok(Vec::new()),
            Some(_) => Err(ApiError::bad_request(format!(
                "Property {name} is invalid: expected a list."
            ))),
            None => Err(ApiError::bad_request(format!(
                "Property {name} is required (it may be an empty list)."
            ))),
        }
    };
    let mut add = Vec::new();
    for item in list("addLicenses")? {
        let sku = item
            .get("skuId")
            .and_then(Json::as_str)
            .ok_or_else(|| ApiError::bad_request("Each item of addLicenses needs a skuId."))?;
        let sku_id = SkuId::parse(sku)?;
        let disabled_plans = match item.get("disabledPlans") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(plans)) => plans
                .iter()
                .map(|plan| {
                    plan.as_str()
                        .and_then(|text| uuid::Uuid::parse_str(text).ok())
                        .ok_or_else(|| ApiError::bad_request(format!("Property disabledPlans is invalid: {plan} is not a service plan id.")))
                })
                .collect::<ApiResult<Vec<_>>>()?,
            Some(_) => return Err(ApiError::bad_request("Property disabledPlans is invalid: expected a list of ids.")),
        };
        add.push(LicenseAssignment {
            sku_id,
            disabled_plans,
        });
    }
    let remove = list("removeLicenses")?
        .iter()
        .map(|item| {
            item.as_str()
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "Property removeLicenses is invalid: expected a list of skuIds.",
                    )
                })
                .and_then(|text| Ok(SkuId::parse(text)?))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((add, remove))
}

pub async fn assign_license(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(key): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::AssignLicense, &[])?;
    let (add, remove) = parse_assign_license(&body)?;
    let change = caller.change();
    let user_key = UserKey::parse(&key);
    let user = state
        .db(move |store| store.assign_licenses(&change, &user_key, &add, &remove))
        .await?;
    let mut view = user_view(&user, None)?;
    // Graph answers with the user; roster adds its licenses, which is what the caller changed.
    view["assignedLicenses"] = super::json::user_property(&user, "assignedLicenses");
    view["@odata.context"] = context(&state.base_url(&parts), "users/$entity").into();
    Ok(JsonResponse(view).into_response())
}

pub async fn license_details(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let user = readable_user(&state, &caller, &key).await?;
    let catalog = Catalog::builtin();
    let items = user
        .assigned_licenses()
        .iter()
        .map(|assignment| {
            let sku = catalog.by_sku_id(assignment.sku_id.as_uuid());
            let plans: Vec<Json> = sku
                .map(|sku| {
                    sku.service_plans
                        .iter()
                        .map(|plan| {
                            let disabled =
                                assignment.disabled_plans.contains(&plan.service_plan_id);
                            json!({
                                "servicePlanId": plan.service_plan_id,
                                "servicePlanName": plan.service_plan_name,
                                "provisioningStatus": if disabled { "Disabled" } else { "Success" },
                                "appliesTo": "User",
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "id": license_detail_id(user.id, assignment.sku_id),
                "skuId": assignment.sku_id,
                "skuPartNumber": sku.map(|s| s.sku_part_number.clone()),
                "servicePlans": plans,
            })
        })
        .collect();
    Ok(JsonResponse(collection(
        &context(&state.base_url(&parts), "users('id')/licenseDetails"),
        items,
        None,
        None,
    ))
    .into_response())
}

/// Graph's licenseDetails id is opaque; roster derives a stable one from user and SKU.
fn license_detail_id(user_id: ObjectId, sku_id: SkuId) -> String {
    use base64::Engine;
    let mut bytes = user_id.as_uuid().as_bytes().to_vec();
    bytes.extend_from_slice(sku_id.as_uuid().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub async fn revoke_sessions(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    // Anyone may end their own sessions (the store decides, knowing whose they are); asking
    // about someone else needs the permission first, so that a name's existence is not told to
    // whoever may not revoke anyone's sessions.
    let user_key = UserKey::parse(&key);
    let own = matches!(&user_key, UserKey::Id(id) if caller.principal.is_user(*id));
    if !own {
        may_ever(&caller, &[Operation::RevokeSessions])?;
    }
    let change = caller.change();
    state
        .db(move |store| store.revoke_sign_in_sessions(&change, &user_key))
        .await?;
    Ok(JsonResponse(json!({
        "@odata.context": context(&state.base_url(&parts), "Edm.Boolean"),
        "value": true,
    }))
    .into_response())
}

/// `POST /users/{id}/reprocessLicenseAssignment`: works the user's group-based licenses out
/// again (after fixing what put them in error); 200 with the user.
pub async fn reprocess_license_assignment(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::AssignLicense, &[])?;
    let change = caller.change();
    let user_key = UserKey::parse(&key);
    let user = state
        .db(move |store| store.reprocess_license_assignment(&change, &user_key))
        .await?;
    let mut view = user_view(&user, None)?;
    view["assignedLicenses"] = super::json::user_property(&user, "assignedLicenses");
    view["licenseAssignmentStates"] = super::json::user_property(&user, "licenseAssignmentStates");
    view["@odata.context"] = context(&state.base_url(&parts), "users/$entity").into();
    Ok(JsonResponse(view).into_response())
}
