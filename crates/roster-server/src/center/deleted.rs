//! Deleted users: the recycle bin, with restore and hard delete.

use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use roster_core::access::Operation;
use roster_core::directory::RECYCLE_BIN_DAYS;
use roster_core::odata::{Expr, Literal};
use roster_core::types::ObjectId;
use roster_store::{ListQuery, SortKey};
use serde::Deserialize;

use super::layout::{Nav, failure, page, page_number, pager};
use super::session::Session;
use crate::error::ApiError;

/// Users listed on a page of the recycle bin.
const PAGE_SIZE: usize = 100;

#[derive(Deserialize, Default)]
pub struct Params {
    /// Which page of the list (1 for the first).
    page: Option<String>,
}

/// `GET /deleted`.
pub async fn page_handler(session: Session, Query(params): Query<Params>) -> Response {
    list(&session, None, page_number(params.page.as_deref())).await
}

/// Page `current` of the recycle bin, with `refusal` (why the last action did nothing) above it.
async fn list(session: &Session, refusal: Option<String>, current: i64) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let query = ListQuery {
        top: PAGE_SIZE,
        skip: (current as usize - 1).saturating_mul(PAGE_SIZE),
        order: Some(SortKey {
            property: "displayName".into(),
            descending: false,
        }),
        count: true,
        ..Default::default()
    };
    let found = session
        .state()
        .db(move |store| store.list_deleted_users(tenant_id, &query))
        .await;
    let deleted = match found {
        Ok(found) => found,
        Err(error) => return failure(session, error),
    };
    let content = html! {
        @if let Some(refusal) = &refusal {
            p.error role="alert" { (refusal) }
        }
        p { (lang.t_with("deleted-intro", &[("days", RECYCLE_BIN_DAYS.into())])) }
        p.count { (lang.t_with("users-found", &[("count", deleted.count.unwrap_or(0).into()), ("shown", lang.number(deleted.count.unwrap_or(0)).into())])) }
        form id="selection" method="post" action="/deleted" {
            input type="hidden" name="csrf" value=(session.csrf);
            div.bulk {
                @if session.may(Operation::RestoreUser) { button type="submit" name="action" value="restore" { (lang.t("deleted-restore")) } }
                @if session.may(Operation::PurgeUser) { button type="submit" name="action" value="purge" class="danger" { (lang.t("deleted-purge")) } }
            }
            div.scroll tabindex="0" { table.users {
                thead { tr {
                    th { input type="checkbox" data-select-all="id" aria-label=(lang.t("users-select-all")); }
                    th { (lang.t("users-col-name")) } th { (lang.t("users-col-upn")) } th { (lang.t("deleted-when")) }
                } }
                tbody {
                    @for user in &deleted.items {
                        tr {
                            td { input type="checkbox" name="id" value=(user.id) aria-label=(user.display_name); }
                            td { (user.display_name) }
                            td { (user.user_principal_name) }
                            td { (user.deleted.map(|at| lang.datetime(at)).unwrap_or_default()) }
                        }
                    }
                }
            } }
        }
        @let count = deleted.count.unwrap_or(0);
        (pager(lang, current, (count + PAGE_SIZE as i64 - 1) / PAGE_SIZE as i64, |n| format!("/deleted?page={n}")))
    };
    let mut response = page(session, Nav::Deleted, &lang.t("deleted-title"), content);
    if refusal.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// `POST /deleted`: restores or hard-deletes the selected users, each authorized against its
/// own roles.
pub async fn action(session: Session, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let lang = session.lang;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Err(error) = session.check_csrf(&field("csrf")) {
        return failure(&session, error);
    }
    let action = field("action");
    let ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .collect();
    if ids.is_empty() {
        // The list again, saying why nothing happened, rather than a page of its own.
        return list(&session, Some(lang.t("action-none-selected")), 1).await;
    }
    if ids.len() > 1000 {
        return list(&session, Some(lang.t("action-too-many")), 1).await;
    }
    // Deleting for good cannot be undone: asked first, naming whom.
    if action == "purge" && field("confirmed") != "yes" && session.may(Operation::PurgeUser) {
        return confirm_purge(&session, &ids).await;
    }
    let mut outcomes = Vec::new();
    for id in ids {
        let result = match ObjectId::parse(&id) {
            Ok(user_id) => apply(&session, &action, user_id).await,
            Err(_) => Err(ApiError::not_found(lang.t("error-no-such-user"))),
        };
        outcomes.push((
            id,
            result.map_err(|error| super::wording::message(&session, error)),
        ));
    }
    let failed = outcomes.iter().filter(|(_, r)| r.is_err()).count();
    let content = html! {
        p role="status" {
            (lang.t_with("action-summary", &[("done", lang.number((outcomes.len() - failed) as i64).into()), ("failed", lang.number(failed as i64).into())]))
        }
        div.scroll tabindex="0" { table.outcomes {
            thead { tr { th { (lang.t("action-user")) } th { (lang.t("action-outcome")) } } }
            tbody {
                @for (user, result) in &outcomes {
                    tr { td { (user) } @match result { Ok(name) => td { (name) ": " (lang.t("action-done")) }, Err(message) => td.error { (message) } } }
                }
            }
        } }
        p { a href="/deleted" { (lang.t("deleted-back")) } }
    };
    let title = if action == "purge" {
        lang.t("deleted-purge")
    } else {
        lang.t("deleted-restore")
    };
    page(&session, Nav::Deleted, &title, content)
}

/// Before users are deleted for good: how many and who, with the button that does it.
async fn confirm_purge(session: &Session, ids: &[String]) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let ids: Vec<ObjectId> = ids
        .iter()
        .filter_map(|id| ObjectId::parse(id).ok())
        .collect();
    let found = session
        .state()
        .db(move |store| {
            let mut users = Vec::new();
            for chunk in ids.chunks(500) {
                let query = ListQuery {
                    filter: Some(Expr::in_list(
                        "id",
                        chunk.iter().map(|id| Literal::Guid(id.as_uuid())).collect(),
                    )),
                    top: chunk.len(),
                    ..Default::default()
                };
                users.extend(store.list_deleted_users(tenant_id, &query)?.items);
            }
            Ok(users)
        })
        .await;
    let users = match found {
        Ok(users) => users,
        Err(error) => return failure(session, error),
    };
    let count = users.len() as i64;
    let content = html! {
        p role="status" { (lang.t_with("deleted-purge-count", &[("count", count.into()), ("users", lang.number(count).into())])) }
        ul { @for user in &users { li { (user.display_name) " (" (user.user_principal_name) ")" } } }
        p.warning { (lang.t("deleted-purge-final")) }
        form method="post" action="/deleted" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="action" value="purge";
            input type="hidden" name="confirmed" value="yes";
            @for user in &users { input type="hidden" name="id" value=(user.id); }
            button.danger type="submit" { (lang.t("deleted-purge")) } " "
            a.button.secondary href="/deleted" { (lang.t("delete-confirm-cancel")) }
        }
    };
    page(session, Nav::Deleted, &lang.t("deleted-purge"), content)
}

/// Returns the user's principal name.
async fn apply(session: &Session, action: &str, user_id: ObjectId) -> Result<String, ApiError> {
    let state = session.state();
    let tenant_id = session.caller.tenant_id;
    let user = state
        .db(move |store| store.get_deleted_user(tenant_id, user_id))
        .await?;
    // The store authorizes each, with the user's roles, inside its transaction.
    let change = session.caller.change();
    match action {
        "restore" => {
            state
                .db(move |store| store.restore_user(&change, user_id))
                .await?;
        }
        "purge" => {
            state
                .db(move |store| store.purge_user(&change, user_id))
                .await?;
        }
        _ => return Err(ApiError::bad_request(session.lang.t("action-unknown"))),
    }
    Ok(user.user_principal_name.to_string())
}
