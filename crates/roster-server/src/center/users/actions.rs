//! Actions on selected users (block, reset the password, delete, licenses, groups, ...), each
//! authorized by the store as it is made.

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use roster_core::access::Operation;
use roster_core::directory::User;
use roster_core::odata::{Expr, Literal};
use roster_core::requests::UserUpdate;
use roster_core::types::{ObjectId, SkuId};
use roster_store::UserKey;
use serde_json::json;
use std::collections::HashMap;

use crate::bulk::Kind;

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
    /// The administrator saw what the action would do and confirmed it.
    pub(super) confirmed: bool,
    /// The action is for every user the list's filters find (`scope=matching`), not only the
    /// selected ones: run as a bulk job.
    pub(super) matching: bool,
    /// The list's query string, for `matching`.
    pub(super) list: String,
    /// What the confirmation page showed, for `matching` ([`Affected::digest`]): if the list
    /// has changed since, it is asked again.
    pub(super) digest: Option<String>,
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
                "scope" => form.matching = value == "matching",
                "list" => form.list = value,
                "digest" => form.digest = Some(value),
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
    if form.matching {
        return every_matching(&session, &form).await;
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
    // Removals are asked first (of an administrator who may make them: of another, the server
    // refuses them anyway).
    if !form.confirmed && asks_first(&session, &form) {
        let ids: Vec<ObjectId> = form
            .ids
            .iter()
            .filter_map(|id| ObjectId::parse(id).ok())
            .collect();
        let tenant_id = session.caller.tenant_id;
        let found = session
            .state()
            .db(move |store| {
                let mut affected = Affected::default();
                // Read a few hundred at a time (with their licenses), not one by one.
                for chunk in ids.chunks(500) {
                    let query = roster_store::ListQuery {
                        filter: Some(Expr::in_list(
                            "id",
                            chunk.iter().map(|id| Literal::Guid(id.as_uuid())).collect(),
                        )),
                        top: chunk.len(),
                        ..Default::default()
                    };
                    store
                        .list_users(tenant_id, &query)?
                        .items
                        .iter()
                        .for_each(|user| affected.add(user));
                }
                Ok((affected, store.subscriptions(tenant_id)?))
            })
            .await;
        return match found {
            Ok((affected, subscriptions)) => confirm(&session, &form, &affected, &subscriptions),
            Err(error) => failure(&session, error),
        };
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

/// Whether `form`'s action is one that is asked first: one that takes something away.
fn asks_first(session: &Session, form: &ActionForm) -> bool {
    match form.action.as_str() {
        "delete" => session.may(Operation::DeleteUser),
        "remove-license" => session.may(Operation::AssignLicense),
        _ => false,
    }
}

/// The users an action is about to change, as its confirmation names them.
#[derive(Default)]
struct Affected {
    ids: Vec<ObjectId>,
    /// The first few, by name and user name.
    named: Vec<(String, String)>,
    /// Every license they hold, directly or through a group, with how many hold it: the seats
    /// a deletion frees.
    licenses: HashMap<SkuId, i64>,
}

impl Affected {
    const NAMED: usize = 20;

    /// What a confirmation of an action on these users confirms: the action, its license or
    /// group, and exactly these users (SHA-256, hex). The same count of other users is another
    /// digest, so a list that changed is asked about again.
    fn digest(&self, form: &ActionForm) -> String {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        for part in [
            form.action.as_str(),
            form.sku.as_deref().unwrap_or(""),
            form.group.as_deref().unwrap_or(""),
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        for id in &self.ids {
            hash.update(id.as_uuid().as_bytes());
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn add(&mut self, user: &User) {
        self.ids.push(user.id);
        if self.named.len() < Self::NAMED {
            self.named.push((
                user.display_name.clone(),
                user.user_principal_name.to_string(),
            ));
        }
        for license in user.assigned_licenses() {
            *self.licenses.entry(license.sku_id).or_default() += 1;
        }
    }
}

/// Before an action that removes (or one on every user a list finds): how many users, who, and
/// what it does to them (for a deletion, the licenses it frees), with the button that does it.
fn confirm(
    session: &Session,
    form: &ActionForm,
    affected: &Affected,
    subscriptions: &[roster_core::directory::Subscription],
) -> Response {
    let lang = session.lang;
    let count = affected.ids.len();
    let names = super::super::licenses::license_names_by_sku(subscriptions);
    let product = |sku: &SkuId| names.get(sku).cloned().unwrap_or_else(|| sku.to_string());
    let mut freed: Vec<(String, i64)> = affected
        .licenses
        .iter()
        .map(|(sku, count)| (product(sku), *count))
        .collect();
    freed.sort();
    let chosen_license = form.sku.as_deref().and_then(|sku| SkuId::parse(sku).ok());
    let content = html! {
        @if form.matching {
            @if form.digest.as_ref().is_some_and(|shown| *shown != affected.digest(form)) {
                p.warning role="alert" { (lang.t("action-list-changed")) }
            }
            p { (lang.t_with("action-matching", &[("count", (count as i64).into()), ("users", lang.number(count as i64).into())])) }
        }
        p role="status" {
            @if form.action == "delete" {
                (lang.t_with("delete-confirm-count", &[("count", (count as i64).into()), ("users", lang.number(count as i64).into())]))
            } @else {
                (lang.t_with("action-confirm-count", &[("count", (count as i64).into()), ("users", lang.number(count as i64).into()), ("action", lang.t(&format!("action-{}", form.action)).into())]))
            }
        }
        ul {
            @for (name, user_name) in &affected.named { li { (name) " (" (user_name) ")" } }
            @if count > affected.named.len() {
                li { (lang.t_with("delete-confirm-more", &[("count", lang.number((count - affected.named.len()) as i64).into())])) }
            }
        }
        @match form.action.as_str() {
            "delete" => {
                @if freed.is_empty() { p { (lang.t("delete-confirm-no-licenses")) } }
                @else {
                    p { (lang.t("delete-confirm-licenses")) }
                    ul { @for (name, count) in &freed { li { (name) ": " (lang.number(*count)) } } }
                }
                p { (lang.t("delete-confirm-restore")) }
            }
            "remove-license" => {
                @if let Some(sku) = chosen_license {
                    p { (lang.t_with("action-confirm-remove-license", &[
                        ("license", product(&sku).into()),
                        ("holders", lang.number(affected.licenses.get(&sku).copied().unwrap_or(0)).into()),
                    ])) }
                }
            }
            _ => {}
        }
        @if form.matching { p { (lang.t("action-matching-job")) } }
        form method="post" action="/users/bulk" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="action" value=(form.action);
            input type="hidden" name="confirmed" value="yes";
            @if let Some(sku) = &form.sku { input type="hidden" name="sku" value=(sku); }
            @if let Some(group) = &form.group { input type="hidden" name="group" value=(group); }
            @if form.matching {
                input type="hidden" name="scope" value="matching";
                input type="hidden" name="list" value=(form.list);
                input type="hidden" name="digest" value=(affected.digest(form));
            } @else {
                @for id in &affected.ids { input type="hidden" name="id" value=(id); }
            }
            @let danger = matches!(form.action.as_str(), "delete" | "remove-license");
            button type="submit" class=(if danger { "danger" } else { "" }) {
                (lang.t_with("action-confirm-button", &[("action", lang.t(&format!("action-{}", form.action)).into()), ("count", (count as i64).into()), ("users", lang.number(count as i64).into())]))
            } " "
            a.button.secondary href=(if form.matching { format!("/users?{}", form.list) } else { "/users".to_string() }) { (lang.t("delete-confirm-cancel")) }
        }
    };
    page(
        session,
        Nav::Users,
        &lang.t(&format!("action-{}", form.action)),
        content,
    )
}

/// The bulk job that runs each action.
fn job_kind(action: &str) -> Option<Kind> {
    Some(match action {
        "block" => Kind::BlockUsers,
        "unblock" => Kind::UnblockUsers,
        "reset-password" => Kind::ResetPasswords,
        "revoke-sessions" => Kind::RevokeSessions,
        "delete" => Kind::DeleteUsers,
        "assign-license" => Kind::AssignLicenses,
        "remove-license" => Kind::RemoveLicenses,
        "add-to-group" => Kind::AddToGroups,
        _ => return None,
    })
}

/// An action on every user the list's filters find ("select all N users matching"): asked
/// first with how many and who, then run as a bulk job of one row per user (each authorized
/// as the API's request for that user would be), which the jobs page follows.
async fn every_matching(session: &Session, form: &ActionForm) -> Response {
    let lang = session.lang;
    let Some(kind) = job_kind(&form.action) else {
        return error_page(session, StatusCode::BAD_REQUEST, &lang.t("action-unknown"));
    };
    // Refused before the tenant is read for one who may not start such a job (the job's rows
    // would each be refused anyway).
    if !session.may(kind.operation()) {
        return error_page(session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let mut query = match super::list_query::ListParams::parse(Some(&form.list)).query() {
        Ok(query) => query,
        Err(error) if error.status.is_client_error() => {
            return error_page(session, StatusCode::BAD_REQUEST, &lang.t("users-bad-link"));
        }
        Err(error) => return failure(session, error),
    };
    let mut options = serde_json::Map::new();
    match form.action.as_str() {
        "assign-license" | "remove-license" => {
            let Some(sku) = form.sku.as_deref().and_then(|sku| SkuId::parse(sku).ok()) else {
                return error_page(
                    session,
                    StatusCode::BAD_REQUEST,
                    &lang.t("action-choose-license"),
                );
            };
            options.insert("licenses".into(), json!([sku.to_string()]));
        }
        "add-to-group" => {
            let Some(group) = form
                .group
                .as_deref()
                .and_then(|group| ObjectId::parse(group).ok())
            else {
                return error_page(
                    session,
                    StatusCode::BAD_REQUEST,
                    &lang.t("action-choose-group"),
                );
            };
            options.insert("groups".into(), json!([group.to_string()]));
        }
        _ => {}
    }
    // Like an export, it reads a whole tenant: a few at a time.
    let Ok(_place) = session.state().uploads.clone().try_acquire_owned() else {
        return error_page(
            session,
            StatusCode::SERVICE_UNAVAILABLE,
            &lang.t("error-busy"),
        );
    };
    let tenant_id = session.caller.tenant_id;
    let found = session
        .state()
        .db(move |store| {
            let mut affected = Affected::default();
            super::list_query::each_matching(store, tenant_id, &mut query, |user| {
                affected.add(user)
            })?;
            Ok((affected, store.subscriptions(tenant_id)?))
        })
        .await;
    let (affected, subscriptions) = match found {
        Ok(found) => found,
        Err(error) => return failure(session, error),
    };
    if affected.ids.is_empty() {
        return error_page(
            session,
            StatusCode::BAD_REQUEST,
            &lang.t("action-none-selected"),
        );
    }
    // Asked (again, if the list has changed since the confirmation counted it).
    if !form.confirmed || form.digest.as_deref() != Some(affected.digest(form).as_str()) {
        return confirm(session, form, &affected, &subscriptions);
    }
    let rows = affected
        .ids
        .iter()
        .map(|id| serde_json::value::to_raw_value(&json!({ "user": id.to_string() })))
        .collect::<Result<Vec<_>, _>>();
    let rows = match rows {
        Ok(rows) => rows,
        Err(error) => return failure(session, ApiError::internal(error)),
    };
    match crate::jobs::start(
        session.state(),
        &session.caller,
        kind,
        rows,
        serde_json::Value::Object(options),
    )
    .await
    {
        Ok(job) => super::super::redirect::see_other(&format!("/jobs/{}", job.id)),
        Err(error) => failure(session, error),
    }
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
