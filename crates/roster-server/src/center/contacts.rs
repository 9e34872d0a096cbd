//! Contacts: people outside the organisation in its address book (Graph's `orgContact`). The
//! list with a search and paging, a contact added, changed and deleted, each value checked by
//! the same rules as `POST /v1.0/contacts` (`roster_core::requests::set_contact_text`).

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::directory::Contact;
use roster_core::odata::Expr;
use roster_core::requests::{CONTACT_TEXT_PROPERTIES, set_contact_text};
use roster_core::types::ObjectId;
use roster_store::{ListQuery, SortKey};
use serde::Deserialize;

use super::i18n::Lang;
use super::layout::{
    Nav, confirm_panel, error_page, failure, page, page_number, pager, saved_notice,
    saved_properties,
};
use super::redirect::see_other;
use super::session::Session;
use super::wording::{message, problem};
use crate::error::ApiError;

const PAGE_SIZE: usize = 100;

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    /// Which page of the list (1 for the first).
    page: Option<String>,
    /// Set after a contact was deleted, to say so.
    deleted: Option<String>,
}

/// `GET /contacts`.
pub async fn list(session: Session, Query(params): Query<ListParams>) -> Response {
    let lang = session.lang;
    let current = page_number(params.page.as_deref());
    let search = params.q.trim().to_string();
    let query = ListQuery {
        filter: (!search.is_empty())
            .then(|| {
                Expr::any_of([
                    Expr::starts_with("displayName", &search),
                    Expr::starts_with("mail", &search),
                ])
            })
            .flatten(),
        order: Some(SortKey {
            property: "displayName".into(),
            descending: false,
        }),
        top: PAGE_SIZE,
        skip: (current as usize - 1).saturating_mul(PAGE_SIZE),
        count: true,
        ..Default::default()
    };
    let tenant_id = session.caller.tenant_id;
    let contacts = match session
        .state()
        .db(move |store| store.list_contacts(tenant_id, &query))
        .await
    {
        Ok(contacts) => contacts,
        Err(error) => return failure(&session, error),
    };
    let count = contacts.count.unwrap_or(0);
    let text = |contact: &Contact, name: &str| {
        contact
            .properties
            .get(name)
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let content = html! {
        @if params.deleted.is_some() { p.success role="status" { (lang.t("contacts-deleted")) } }
        @if session.may(Operation::ManageContacts) {
            p.commands { a.button href="/contacts/new" { (lang.t("contacts-add")) } }
        }
        form.filters method="get" action="/contacts" role="search" {
            input type="search" name="q" value=(params.q) placeholder=(lang.t("contacts-search")) aria-label=(lang.t("contacts-search"));
            button type="submit" { (lang.t("users-apply")) }
        }
        p.count { (lang.t_with("contacts-found", &[("count", count.into()), ("shown", lang.number(count).into())])) }
        div.scroll tabindex="0" {
            table.contacts {
                thead { tr {
                    th scope="col" { (lang.property("displayName")) } th scope="col" { (lang.property("mail")) }
                    th scope="col" { (lang.property("companyName")) } th scope="col" { (lang.property("mobilePhone")) }
                } }
                tbody {
                    @for contact in &contacts.items {
                        tr {
                            td { a href={ "/contacts/" (contact.id) } { (contact.display_name) } }
                            td { (contact.mail.as_deref().unwrap_or("")) }
                            td { (text(contact, "companyName")) }
                            td { (text(contact, "mobilePhone")) }
                        }
                    }
                }
            }
        }
        (pager(lang, current, (count + PAGE_SIZE as i64 - 1) / PAGE_SIZE as i64, |n| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            if !params.q.is_empty() {
                query.append_pair("q", &params.q);
            }
            format!("/contacts?{}", query.append_pair("page", &n.to_string()).finish())
        }))
    };
    page(&session, Nav::Contacts, &lang.t("contacts-title"), content)
}

/// The contact's value of a property as its field shows it.
fn shown(contact: &Contact, name: &str) -> String {
    match name {
        "displayName" => contact.display_name.clone(),
        "mail" => contact.mail.clone().unwrap_or_default(),
        _ => match contact.properties.get(name) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|item| item.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        },
    }
}

/// A contact's form: every property, what was typed kept and each refusal under its field.
fn form(
    session: &Session,
    action: &str,
    contact: &Contact,
    typed: &[(String, String)],
    refused: &[(String, String)],
) -> Markup {
    let lang = session.lang;
    html! {
        form.section method="post" action=(action) {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="go" value="save";
            @if let Some((_, message)) = refused.iter().find(|(field, _)| field.is_empty()) {
                p.error role="alert" { (message) }
            }
            div.field-grid {
                @for name in CONTACT_TEXT_PROPERTIES {
                    @let id = format!("c-{name}");
                    @let value = typed.iter().find(|(key, _)| key == name).map_or_else(|| shown(contact, name), |(_, v)| v.clone());
                    @let message = refused.iter().find(|(field, _)| field == name).map(|(_, m)| m);
                    @let described = message.map(|_| format!("{id}-error"));
                    div.field {
                        label for=(id) { (lang.property(name)) }
                        @if *name == "businessPhones" {
                            textarea id=(id) name=(name) rows="2" aria-invalid=[message.map(|_| "true")] aria-describedby=[described.clone()] { (value) }
                        } @else {
                            input id=(id) name=(name) value=(value) required[*name == "displayName"]
                                type=(if *name == "mail" { "email" } else { "text" })
                                aria-invalid=[message.map(|_| "true")] aria-describedby=[described.clone()];
                        }
                        @if let Some(message) = message { p.error role="alert" id=[described] { (message) } }
                    }
                }
            }
            button type="submit" { (lang.t("details-save")) }
        }
    }
}

/// The form's values applied to `contact`: the properties that changed, or every refusal by
/// its field.
fn apply(
    lang: Lang,
    contact: &mut Contact,
    fields: &[(String, String)],
) -> Result<Vec<&'static str>, Vec<(String, String)>> {
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    for name in CONTACT_TEXT_PROPERTIES {
        let Some((_, text)) = fields.iter().find(|(key, _)| key == name) else {
            continue;
        };
        if text.trim() == shown(contact, name).trim() {
            continue;
        }
        match set_contact_text(contact, name, Some(text)) {
            Ok(()) => changed.push(*name),
            Err(invalid) => refused.push((name.to_string(), problem(lang, &invalid.reason))),
        }
    }
    if refused.is_empty() {
        Ok(changed)
    } else {
        Err(refused)
    }
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

/// `GET /contacts/new`.
pub async fn new_form(session: Session) -> Response {
    render_new(&session, &[], &[])
}

fn render_new(
    session: &Session,
    typed: &[(String, String)],
    refused: &[(String, String)],
) -> Response {
    let lang = session.lang;
    if !session.may(Operation::ManageContacts) {
        return error_page(session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let empty = new_contact();
    let content = form(session, "/contacts/new", &empty, typed, refused);
    let mut response = page(session, Nav::Contacts, &lang.t("contacts-add"), content);
    if !refused.is_empty() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

fn new_contact() -> Contact {
    Contact {
        id: ObjectId::new(),
        display_name: String::new(),
        mail: None,
        properties: Default::default(),
        created: Utc::now(),
    }
}

/// `POST /contacts/new`.
pub async fn create(session: Session, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&field(&fields, "csrf")) {
        return failure(&session, error);
    }
    let mut contact = new_contact();
    let (filled, mut refused) = match apply(lang, &mut contact, &fields) {
        Ok(filled) => (filled, Vec::new()),
        Err(refused) => (Vec::new(), refused),
    };
    // A contact has a name: said with whatever else was refused.
    if field(&fields, "displayName").trim().is_empty() {
        refused.insert(0, ("displayName".to_string(), lang.t("new-user-required")));
    }
    if !refused.is_empty() {
        return render_new(&session, &fields, &refused);
    }
    let change = session.caller.change();
    let id = contact.id;
    let created = session
        .state()
        .db(move |store| store.create_contact(&change, &contact))
        .await;
    match created {
        Ok(()) => see_other(&format!("/contacts/{id}?saved={}", filled.join(","))),
        Err(error) if error.status == StatusCode::FORBIDDEN => failure(&session, error),
        Err(error) => {
            let refused = [(refused_field(&error), message(&session, error))];
            render_new(&session, &fields, &refused)
        }
    }
}

/// The field a refusal of the store's is about (another contact with the same mail).
fn refused_field(error: &ApiError) -> String {
    match error.named_property() {
        Some(property) if CONTACT_TEXT_PROPERTIES.contains(&property) => property.to_string(),
        _ => String::new(),
    }
}

#[derive(Deserialize, Default)]
pub struct DetailsParams {
    saved: Option<String>,
    /// `delete`: the deletion's consequences, with the button that deletes.
    ask: Option<String>,
}

/// `GET /contacts/{id}`.
pub async fn details(
    session: Session,
    Path(id): Path<String>,
    Query(params): Query<DetailsParams>,
) -> Response {
    let saved = saved_properties(params.saved.as_deref(), |name| {
        CONTACT_TEXT_PROPERTIES.contains(&name)
    });
    render_details(
        &session,
        &id,
        saved,
        params.ask.as_deref() == Some("delete"),
        &[],
        &[],
    )
    .await
}

async fn render_details(
    session: &Session,
    id: &str,
    saved: Option<Vec<String>>,
    ask_delete: bool,
    typed: &[(String, String)],
    refused: &[(String, String)],
) -> Response {
    let lang = session.lang;
    let Ok(contact_id) = ObjectId::parse(id) else {
        return error_page(
            session,
            StatusCode::NOT_FOUND,
            &lang.t("contacts-no-such-contact"),
        );
    };
    let tenant_id = session.caller.tenant_id;
    let contact = match session
        .state()
        .db(move |store| store.get_contact(tenant_id, contact_id))
        .await
    {
        Ok(contact) => contact,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return error_page(
                session,
                StatusCode::NOT_FOUND,
                &lang.t("contacts-no-such-contact"),
            );
        }
        Err(error) => return failure(session, error),
    };
    let manage = session.may(Operation::ManageContacts);
    let action = format!("/contacts/{contact_id}");
    let content = html! {
        @if let Some(saved) = &saved { (saved_notice(lang, saved)) }
        @if manage && ask_delete {
            (confirm_panel(
                session,
                &lang.t_with("groups-delete-title", &[("group", contact.display_name.clone().into())]),
                html! { p { (lang.t("contacts-delete-consequences")) } },
                (&action, &[("go", "delete")]),
                &lang.t("delete-confirm-button"),
                &action,
            ))
        } @else if manage {
            div.actions { a.button.danger href={ (action) "?ask=delete#confirm" } { (lang.t("contacts-delete")) } }
        }
        section.panel {
            @if manage {
                (form(session, &action, &contact, typed, refused))
            } @else {
                table.properties { tbody {
                    @for name in CONTACT_TEXT_PROPERTIES {
                        tr { th scope="row" { (lang.property(name)) } td.pre-line { (shown(&contact, name)) } }
                    }
                } }
            }
        }
    };
    let mut response = page(session, Nav::Contacts, &contact.display_name, content);
    if !refused.is_empty() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// `POST /contacts/{id}`: saves the form (only what changed), or deletes the contact.
pub async fn change(
    session: Session,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&field(&fields, "csrf")) {
        return failure(&session, error);
    }
    let Ok(contact_id) = ObjectId::parse(&id) else {
        return error_page(
            &session,
            StatusCode::NOT_FOUND,
            &lang.t("contacts-no-such-contact"),
        );
    };
    let tenant_id = session.caller.tenant_id;
    let change = session.caller.change();
    if field(&fields, "go") == "delete" {
        return match session
            .state()
            .db(move |store| store.delete_contact(&change, contact_id))
            .await
        {
            Ok(()) => see_other("/contacts?deleted=1"),
            Err(error) => failure(&session, error),
        };
    }
    let mut contact = match session
        .state()
        .db(move |store| store.get_contact(tenant_id, contact_id))
        .await
    {
        Ok(contact) => contact,
        Err(error) => return failure(&session, error),
    };
    let changed = match apply(lang, &mut contact, &fields) {
        Ok(changed) => changed,
        Err(refused) => return render_details(&session, &id, None, false, &fields, &refused).await,
    };
    if !changed.is_empty() {
        let saved = session
            .state()
            .db(move |store| store.update_contact(&change, &contact))
            .await;
        if let Err(error) = saved {
            if error.status == StatusCode::FORBIDDEN || error.status == StatusCode::NOT_FOUND {
                return failure(&session, error);
            }
            let refused = [(refused_field(&error), message(&session, error))];
            return render_details(&session, &id, None, false, &fields, &refused).await;
        }
    }
    see_other(&format!(
        "/contacts/{contact_id}?saved={}",
        changed.join(",")
    ))
}
