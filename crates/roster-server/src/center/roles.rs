//! Roles: who holds which directory role; assigning and removing them (Global Administrators
//! only, as in Entra ID).

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use roster_core::access::{Operation, Role};
use roster_core::types::ObjectId;
use roster_store::UserKey;
use serde::Deserialize;

use super::layout::{Nav, error_page, failure, page};
use super::redirect::see_other;
use super::session::Session;
use crate::error::ApiError;

/// A role's name in the page's language.
pub(super) fn role_name(lang: super::i18n::Lang, role: Role) -> String {
    lang.t(match role {
        Role::GlobalAdministrator => "role-global-administrator",
        Role::UserAdministrator => "role-user-administrator",
        Role::HelpdeskAdministrator => "role-helpdesk-administrator",
        Role::LicenseAdministrator => "role-license-administrator",
        Role::GroupsAdministrator => "role-groups-administrator",
        Role::GlobalReader => "role-global-reader",
    })
}

/// What a role may do, in the page's language (as `roster_core::access` decides it).
fn role_description(lang: super::i18n::Lang, role: Role) -> String {
    lang.t(match role {
        Role::GlobalAdministrator => "role-description-global-administrator",
        Role::UserAdministrator => "role-description-user-administrator",
        Role::HelpdeskAdministrator => "role-description-helpdesk-administrator",
        Role::LicenseAdministrator => "role-description-license-administrator",
        Role::GroupsAdministrator => "role-description-groups-administrator",
        Role::GlobalReader => "role-description-global-reader",
    })
}

/// `GET /roles`.
pub async fn page_handler(
    session: Session,
    axum::extract::Query(params): axum::extract::Query<super::layout::DoneParams>,
) -> Response {
    let done = match params.done.as_deref() {
        Some("assigned") => Some("roles-done-assigned"),
        Some("removed") => Some("roles-done-removed"),
        _ => None,
    };
    render(&session, None, done).await
}

async fn render(
    session: &Session,
    refused: Option<(&RoleForm, String)>,
    done: Option<&'static str>,
) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let holders = match session
        .state()
        .db(move |store| store.role_holders(tenant_id))
        .await
    {
        Ok(holders) => holders,
        Err(error) => return failure(session, error),
    };
    let manage = session.may(Operation::ManageRoles);
    // A refused removal is said in its role's section; any other refusal beside the assign
    // form, with what was typed kept.
    let (removal, assign) = match &refused {
        // Said in its role's section (the role as the form named it).
        Some((form, message)) if form.action == "remove" && Role::parse(&form.role).is_some() => {
            (Some((*form, message)), None)
        }
        Some((form, message)) => (None, Some((*form, message))),
        None => (None, None),
    };
    let typed = assign.map(|(form, _)| form);
    let content = html! {
        @if let Some(done) = done { p.success role="status" { (lang.t(done)) } }
        @if manage {
            section.panel {
                h2 { (lang.t("roles-assign")) }
                form.filters method="post" action="/roles" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="action" value="assign";
                    label { (lang.t("roles-user")) " "
                        input name="user" type="email" required placeholder=(lang.t("roles-user-placeholder"))
                            value=(typed.map(|t| t.user.clone()).unwrap_or_default())
                            aria-describedby=[assign.map(|_| "roles-error")]; }
                    label { (lang.t("roles-role")) " "
                        // No role is chosen until the administrator chooses one.
                        select name="role" required aria-describedby="role-descriptions" {
                            option value="" disabled selected[typed.is_none_or(|t| Role::parse(&t.role).is_none())] { (lang.t("roles-choose")) }
                            @for role in Role::ALL {
                                option value=(role.display_name()) selected[typed.is_some_and(|t| t.role == role.display_name())] { (role_name(lang, role)) }
                            }
                        }
                    }
                    button type="submit" { (lang.t("roles-assign-submit")) }
                }
                @if let Some((_, message)) = assign { p.error role="alert" id="roles-error" { (message) } }
                details {
                    summary { (lang.t("roles-what-each-may-do")) }
                    dl id="role-descriptions" {
                        @for role in Role::ALL {
                            dt { (role_name(lang, role)) }
                            dd { (role_description(lang, role)) }
                        }
                    }
                }
            }
        }
        @for role in Role::ALL {
            @let members: Vec<_> = holders.iter().filter(|(r, _, _, _)| *r == role).collect();
            section.panel.role {
                h2 { (role_name(lang, role)) " " span.muted { "(" (lang.number(members.len() as i64)) ")" } }
                @if members.is_empty() { p { (lang.t("roles-nobody")) } }
                @else {
                    div.scroll tabindex="0" { table { tbody {
                        @for (_, id, upn, name) in &members {
                            tr {
                                td { a href={ "/users/" (id) } { (name) } }
                                td { (upn) }
                                @if manage {
                                    td {
                                        form.inline method="post" action="/roles" {
                                            input type="hidden" name="csrf" value=(session.csrf);
                                            input type="hidden" name="action" value="remove";
                                            input type="hidden" name="user" value=(upn);
                                            input type="hidden" name="role" value=(role.display_name());
                                            button type="submit" { (lang.t("roles-remove")) }
                                        }
                                    }
                                }
                            }
                        }
                    } } }
                }
                @if let Some((_, message)) = removal.filter(|(form, _)| Role::parse(&form.role) == Some(role)) {
                    p.error role="alert" { (message) }
                }
            }
        }
    };
    page(session, Nav::Roles, &lang.t("roles-title"), content)
}

#[derive(Deserialize, Debug)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
}

/// `POST /roles`: assigns or removes a role.
pub async fn change(session: Session, Form(form): Form<RoleForm>) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    if !session.may(Operation::ManageRoles) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let Some(role) = Role::parse(&form.role) else {
        return refuse(&session, &form, lang.t("roles-unknown-role")).await;
    };
    let tenant_id = session.caller.tenant_id;
    let key = UserKey::parse(form.user.trim());
    let user: Result<ObjectId, ApiError> = session
        .state()
        .db(move |store| store.get_user(tenant_id, &key).map(|user| user.id))
        .await;
    let user_id = match user {
        Ok(id) => id,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return refuse(&session, &form, lang.t("roles-unknown-user")).await;
        }
        Err(error) => return failure(&session, error),
    };
    let change = session.caller.change();
    let result = match form.action.as_str() {
        "assign" => {
            session
                .state()
                .db(move |store| store.assign_role(&change, user_id, role))
                .await
        }
        "remove" => {
            session
                .state()
                .db(move |store| store.remove_role(&change, user_id, role))
                .await
        }
        _ => Err(ApiError::bad_request(lang.t("action-unknown"))),
    };
    match result {
        Ok(()) => see_other(if form.action == "assign" {
            "/roles?done=assigned"
        } else {
            "/roles?done=removed"
        }),
        Err(error) if error.status.is_client_error() => {
            let message = super::wording::message(&session, error);
            refuse(&session, &form, message).await
        }
        Err(error) => failure(&session, error),
    }
}

async fn refuse(session: &Session, form: &RoleForm, message: String) -> Response {
    let mut response = render(session, Some((form, message)), None).await;
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}
