//! The admin center: server-rendered pages at `/` for administrators and help desk, in English
//! and Dutch, on top of the same store calls and the same authorization as the API.
//!
//! Pages are HTML written with `maud` (which escapes every value it writes), styled and enhanced
//! by one stylesheet and one small script served from the binary. A signed-in browser holds a
//! session cookie carrying an access token of an admin center session ([`session`]); every form
//! carries a token tied to that session (CSRF). What a page offers follows the administrator's
//! roles, and the server checks every action again whatever the page sent.

mod audit;
mod authorize;
mod contacts;
mod countries;
mod csv_text;
mod deleted;
mod device;
mod domains;
mod group_page;
mod groups;
mod home;
mod i18n;
mod import;
mod jobs;
mod layout;
mod licenses;
mod new_user;
mod redirect;
mod roles;
mod rule_text;
mod session;
mod settings;
mod sign_in;
mod sign_ins;
mod users;
mod wording;

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use i18n::Lang;
pub(crate) use layout::{bare_error_page, browser_language, unknown_path};
pub(crate) use wording::worded;

use crate::state::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    let signed_in = Router::new()
        .route("/", get(home::page_handler))
        .route("/users", get(users::list))
        .route("/users/export.csv", get(users::export))
        .route("/users/{id}", get(users::details).post(users::edit))
        .route("/users/{id}/groups-found", get(users::groups_found))
        .route("/users/bulk", post(users::action))
        .route("/users/new", get(new_user::start).post(new_user::step))
        .route("/users/new/groups-found", get(new_user::groups_found_page))
        .route("/users/check-name", get(new_user::check_name))
        .route("/users/import", get(import::start_page).post(import::check))
        .route("/users/import/start", post(import::start))
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}", get(jobs::job))
        .route("/jobs/{id}/results.csv", get(jobs::results))
        .route("/deleted", get(deleted::page_handler).post(deleted::action))
        .route("/contacts", get(contacts::list))
        .route(
            "/contacts/new",
            get(contacts::new_form).post(contacts::create),
        )
        .route(
            "/contacts/{id}",
            get(contacts::details).post(contacts::change),
        )
        .route("/groups", get(groups::list))
        .route("/groups/new", get(groups::new_form).post(groups::create))
        .route("/groups/check-rule", get(groups::check_rule))
        .route(
            "/groups/{id}",
            get(group_page::details).post(group_page::change),
        )
        .route("/groups/{id}/people-found", get(group_page::people_found))
        .route(
            "/licenses",
            get(licenses::page_handler).post(licenses::change),
        )
        .route("/roles", get(roles::page_handler).post(roles::change))
        .route("/audit", get(audit::page_handler))
        .route("/audit/export.csv", get(audit::export))
        .route("/sign-ins", get(sign_ins::page_handler))
        .route(
            "/settings",
            get(settings::page_handler).post(settings::change),
        )
        .route("/domains", get(domains::page_handler).post(domains::change))
        .route("/signout", post(sign_in::sign_out))
        .route_layer(middleware::from_fn_with_state(state, sign_in::require));
    Router::new()
        .route("/signin", get(sign_in::sign_in_page).post(sign_in::sign_in))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::start).post(authorize::sign_in),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(authorize::logout))
        .route("/devicelogin", get(device::start).post(device::answer))
        .route("/language", get(i18n::switch))
        .route("/assets/{name}", get(asset))
        .merge(signed_in)
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind): (&'static str, &'static str) = match name.as_str() {
        "center.css" => (
            include_str!("../../assets/center.css"),
            "text/css; charset=utf-8",
        ),
        "center.js" => (
            include_str!("../../assets/center.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}
