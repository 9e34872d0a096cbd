//! External mail contacts: read at `/v1.0/contacts` as Graph's `orgContact`; written through
//! roster's own `/roster/v1/contacts` (Graph v1.0 has no call to create one).

use axum::Json as JsonResponse;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use roster_core::access::Operation;
use roster_core::attributes::format_datetime;
use roster_core::directory::{CONTACT_PROPERTIES, Contact};
use roster_core::requests::{CONTACT_TEXT_PROPERTIES, set_contact_text};
use roster_core::types::ObjectId;
use serde_json::{Map, Value as Json};

use super::http::{Body, collection_response, created, no_content};
use super::query::{QueryOptions, apply_select};
use crate::error::{ApiError, ApiResult};
use crate::identity::tokens::Caller;
use crate::state::AppState;

fn contact_view(contact: &Contact, select: Option<&[String]>) -> ApiResult<Json> {
    let mut object = Map::new();
    object.insert("@odata.type".into(), "#microsoft.graph.orgContact".into());
    object.insert("id".into(), contact.id.to_string().into());
    object.insert("displayName".into(), contact.display_name.clone().into());
    object.insert("mail".into(), contact.mail.clone().into());
    for (name, _) in CONTACT_PROPERTIES {
        let empty = if *name == "businessPhones" {
            Json::Array(Vec::new())
        } else {
            Json::Null
        };
        object.insert(
            (*name).into(),
            contact.properties.get(*name).cloned().unwrap_or(empty),
        );
    }
    object.insert(
        "createdDateTime".into(),
        format_datetime(&contact.created).into(),
    );
    Ok(Json::Object(match select {
        Some(select) => apply_select(object, select, "orgContact")?,
        None => object,
    }))
}

/// Applies a body's properties to a contact, refusing unknown ones and values that break the
/// rules of `roster_core::requests::set_contact_text` (the admin center's forms go through the
/// same).
fn apply(contact: &mut Contact, body: &Json) -> ApiResult<()> {
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object."))?;
    for (key, value) in object {
        if key == "@odata.type" {
            continue;
        }
        if !CONTACT_TEXT_PROPERTIES.contains(&key.as_str()) {
            return Err(ApiError::bad_request(format!(
                "Property '{key}' does not exist as a declared property of orgContact."
            )));
        }
        let text = match (key.as_str(), value) {
            (_, Json::Null) => None,
            ("businessPhones", Json::Array(items)) => {
                let phones: Option<Vec<&str>> = items
                    .iter()
                    .map(|item| item.as_str().filter(|phone| !phone.contains('\n')))
                    .collect();
                let phones = phones.ok_or_else(|| {
                    ApiError::bad_request(
                        "Property businessPhones is invalid: expected a list of phone numbers.",
                    )
                })?;
                Some(phones.join("\n"))
            }
            ("businessPhones", _) => {
                return Err(ApiError::bad_request(
                    "Property businessPhones is invalid: expected a list of phone numbers.",
                ));
            }
            (_, Json::String(text)) => Some(text.clone()),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Property {key} is invalid: expected a string."
                )));
            }
        };
        set_contact_text(contact, key, text.as_deref())?;
    }
    Ok(())
}

fn contact_id(text: &str) -> ApiResult<ObjectId> {
    ObjectId::parse(text)
        .map_err(|_| ApiError::not_found(format!("Resource '{text}' does not exist.")))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadContacts, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let (tenant_id, list) = (caller.tenant_id, options.list.clone());
    let page = state
        .db(move |store| store.list_contacts(tenant_id, &list))
        .await?;
    collection_response(&state, &parts, &options, "contacts", &page, contact_view)
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadContacts, &[])?;
    let options = QueryOptions::parse(raw.as_deref(), &parts.headers)?;
    let (tenant_id, id) = (caller.tenant_id, contact_id(&id)?);
    let contact = state
        .db(move |store| store.get_contact(tenant_id, id))
        .await?;
    Ok(JsonResponse(contact_view(&contact, options.select.as_deref())?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageContacts, &[])?;
    let mut contact = Contact {
        id: ObjectId::new(),
        display_name: String::new(),
        mail: None,
        properties: Map::new(),
        created: Utc::now(),
    };
    apply(&mut contact, &body)?;
    if contact.display_name.is_empty() {
        return Err(ApiError::bad_request("Property displayName is required."));
    }
    let (change, stored) = (caller.change(), contact.clone());
    state
        .db(move |store| store.create_contact(&change, &stored))
        .await?;
    Ok(created(contact_view(&contact, None)?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageContacts, &[])?;
    let (tenant_id, id) = (caller.tenant_id, contact_id(&id)?);
    let mut contact = state
        .db(move |store| store.get_contact(tenant_id, id))
        .await?;
    apply(&mut contact, &body)?;
    let change = caller.change();
    state
        .db(move |store| store.update_contact(&change, &contact))
        .await?;
    Ok(no_content())
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ManageContacts, &[])?;
    let (change, id) = (caller.change(), contact_id(&id)?);
    state
        .db(move |store| store.delete_contact(&change, id))
        .await?;
    Ok(no_content())
}
