//! Actions on selected users (block, reset the password, delete, licenses, groups, ...), each
//! authorized by the store as it is made.

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use roster_core::access::Operation;
use roster_core::directory::User;
use roster_core::requests::UserUpdate;
use roster_core::types::{ObjectId, SkuId};
use roster_store::UserKey;

use super::super::layout::{Nav, error_page, failure, page};
use super::super::session::Session;
use super::super::wording::message;
use crate::error::{ApiError, ApiResult};

/// The form that runs an action on selected users.
#[derive(Debug, Default)]
pub struct ActionForm {
    pub(super) csrf: String,
    pub(super) action: String,
    pub(super) ids: Vec<String>,
    pub(super) sku: Option<String>,
    pub(super) group: Option<String>,
    /// The administrator saw what a deletion would do and confirmed it.
    pub(super) confirmed: bool,
}

impl ActionForm {
    /// The form's fields; `id` repeats, one per selected user.
    pub(super) fn from_fields(fields: Vec<(String, String)>) -> ActionForm {
        let mut form = ActionForm::default();
        for (key, value) in fields {
            match key.as_str() {
                "csrf" => form.csrf = value,
                "action" => form.action = value,
                "id" => form.ids.push(value),
                "sku" => form.sku = Some(value),
                "group" => form.group = Some(value),
                "confirmed" => form.confirmed = value == "yes",
                _ => {}
            }
        }
        form
    }
}

/// What an action did to one user.
pub(super) struct Outcome {
    pub(super) user: String,
    pub(super) result: Result<Option<String>, String>,
}

/// `POST /users/bulk`: one action on the selected users, each user checked against the
/// administrator's roles (and that user's own roles) on its own.
pub async fn action(session: Session, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let lang = session.lang;
    let form = ActionForm::from_fields(fields);
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    if form.ids.is_empty() {
        return error_page(
            &session,
            StatusCode::BAD_REQUEST,
            &lang.t("action-none-selected"),
        );
    }
    if form.ids.len() > 1000 {
        return error_page(
            &session,
            StatusCode::BAD_REQUEST,
            &lang.t("action-too-many"),
        );
    }
    // Asked first of an administrator who may delete (of another the server refuses it anyway).
    if form.action == "delete" && !form.confirmed && session.may(Operation::DeleteUser) {
        return confirm_delete(&session, &form).await;
    }
    let mut outcomes = Vec::new();
    for id in &form.ids {
        let outcome = match ObjectId::parse(id) {
            Ok(user_id) => run(&session, &form, user_id).await,
            Err(_) => Outcome {
                user: id.clone(),
                result: Err(lang.t("error-no-such-user")),
            },
        };
        outcomes.push(outcome);
    }
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let passwords = outcomes.iter().any(|o| matches!(o.result, Ok(Some(_))));
    let content = html! {
        p role="status" {
            (lang.t_with("action-summary", &[
                ("done", lang.number((outcomes.len() - failed) as i64).into()),
                ("failed", lang.number(failed as i64).into()),
            ]))
        }
        @if passwords { p.warning { (lang.t("action-passwords-once")) } }
        div.scroll tabindex="0" { table.outcomes {
            thead { tr { th { (lang.t("action-user")) } th { (lang.t("action-outcome")) } @if passwords { th { (lang.t("action-password")) } } } }
            tbody {
                @for outcome in &outcomes {
                    tr {
                        td { (outcome.user) }
                        @match &outcome.result {
                            Ok(password) => {
                                td { (lang.t("action-done")) }
                                @if passwords { td { code.password { (password.as_deref().unwrap_or("")) } } }
                            }
                            Err(message) => { td.error { (message) } @if passwords { td {} } }
                        }
                    }
                }
            }
        } }
        p { a href="/users" { (lang.t("action-back")) } }
    };
    page(
        &session,
        Nav::Users,
        &lang.t(&format!("action-{}", form.action)),
        content,
    )
}

/// Before users are deleted: how many, who, and which licenses that frees, with the button
/// that deletes them.
async fn confirm_delete(session: &Session, form: &ActionForm) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let ids: Vec<ObjectId> = form
        .ids
        .iter()
        .filter_map(|id| ObjectId::parse(id).ok())
        .collect();
    let found = session
        .state()
        .db(move |store| {
            // Read a few hundred at a time (with their licenses), not one by one.
            let mut users = Vec::new();
            for chunk in ids.chunks(500) {
                let query = roster_store::ListQuery {
                    filter: Some(roster_core::odata::Expr::in_list(
                        "id",
                        chunk
                            .iter()
                            .map(|id| roster_core::odata::Literal::Guid(id.as_uuid()))
                            .collect(),
                    )),
                    top: chunk.len(),
                    ..Default::default()
                };
                users.extend(store.list_users(tenant_id, &query)?.items);
            }
            Ok((users, store.subscriptions(tenant_id)?))
        })
        .await;
    let (users, subscriptions) = match found {
        Ok(found) => found,
        Err(error) => return failure(session, error),
    };
    let names = super::super::licenses::license_names_by_sku(&subscriptions);
    // Seats freed, by product: every license a user holds, directly or through a group.
    let mut freed: Vec<(String, i64)> = Vec::new();
    for user in &users {
        for license in user.assigned_licenses() {
            let name = names
                .get(&license.sku_id)
                .cloned()
                .unwrap_or_else(|| license.sku_id.to_string());
            match freed.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) => *count += 1,
                None => freed.push((name, 1)),
            }
        }
    }
    freed.sort();
    const SHOWN: usize = 20;
    let content = html! {
        p role="status" {
            (lang.t_with("delete-confirm-count", &[("count", (users.len() as i64).into()), ("users", lang.number(users.len() as i64).into())]))
        }
        ul {
            @for user in users.iter().take(SHOWN) { li { (user.display_name) " (" (user.user_principal_name) ")" } }
            @if users.len() > SHOWN {
                li { (lang.t_with("delete-confirm-more", &[("count", lang.number((users.len() - SHOWN) as i64).into())])) }
            }
        }
        @if freed.is_empty() { p { (lang.t("delete-confirm-no-licenses")) } }
        @else {
            p { (lang.t("delete-confirm-licenses")) }
            ul { @for (name, count) in &freed { li { (name) ": " (lang.number(*count)) } } }
        }
        p { (lang.t("delete-confirm-restore")) }
        form method="post" action="/users/bulk" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="action" value="delete";
            input type="hidden" name="confirmed" value="yes";
            @for user in &users { input type="hidden" name="id" value=(user.id); }
            button.danger type="submit" { (lang.t("delete-confirm-button")) } " "
            a.button.secondary href="/users" { (lang.t("delete-confirm-cancel")) }
        }
    };
    page(session, Nav::Users, &lang.t("action-delete"), content)
}

/// One action on one user. Returns a generated password to show once, for a reset.
pub(super) async fn run(session: &Session, form: &ActionForm, user_id: ObjectId) -> Outcome {
    let state = session.state();
    let tenant_id = session.caller.tenant_id;
    let found = state
        .db(move |store| store.get_user(tenant_id, &UserKey::Id(user_id)))
        .await;
    let user = match found {
        Ok(found) => found,
        Err(error) => {
            return Outcome {
                user: user_id.to_string(),
                result: Err(message(session, error)),
            };
        }
    };
    let name = user.user_principal_name.to_string();
    let result = apply(session, form, &user).await;
    Outcome {
        user: name,
        result: result.map_err(|error| message(session, error)),
    }
}

/// The store authorizes each action, with the user's roles, inside the action's transaction.
pub(super) async fn apply(
    session: &Session,
    form: &ActionForm,
    user: &User,
) -> ApiResult<Option<String>> {
    let state = session.state();
    let change = session.caller.change();
    let key = UserKey::Id(user.id);
    match form.action.as_str() {
        "block" | "unblock" => {
            let update = UserUpdate {
                account_enabled: Some(form.action == "unblock"),
                ..Default::default()
            };
            state
                .db(move |store| store.update_user(&change, &key, &update))
                .await?;
            Ok(None)
        }
        "reset-password" => {
            let password = crate::identity::hashing::generate_password();
            let update = UserUpdate {
                password: Some((state.keys.generated_password_hash(&password), true)),
                ..Default::default()
            };
            state
                .db(move |store| store.update_user(&change, &key, &update))
                .await?;
            Ok(Some(password))
        }
        "revoke-sessions" => {
            state
                .db(move |store| store.revoke_sign_in_sessions(&change, &key))
                .await?;
            Ok(None)
        }
        "delete" => {
            state
                .db(move |store| store.delete_user(&change, &key))
                .await?;
            Ok(None)
        }
        "assign-license" | "remove-license" => {
            let sku_id = form
                .sku
                .as_deref()
                .and_then(|sku| SkuId::parse(sku).ok())
                .ok_or_else(|| ApiError::bad_request(session.lang.t("action-choose-license")))?;
            // A license the user already holds keeps its switched-off apps.
            let assign = form.action == "assign-license";
            state
                .db(move |store| {
                    if assign {
                        store.give_user_license(&change, &key, sku_id)
                    } else {
                        store
                            .assign_licenses(&change, &key, &[], &[sku_id])
                            .map(drop)
                    }
                })
                .await?;
            Ok(None)
        }
        "add-to-group" => {
            let group_id = form
                .group
                .as_deref()
                .and_then(|group| ObjectId::parse(group).ok())
                .ok_or_else(|| ApiError::bad_request(session.lang.t("action-choose-group")))?;
            let user_id = user.id;
            state
                .db(move |store| store.add_group_member(&change, group_id, user_id))
                .await?;
            Ok(None)
        }
        _ => Err(ApiError::bad_request(session.lang.t("action-unknown"))),
    }
}
