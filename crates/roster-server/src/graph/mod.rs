//! The Graph-compatible API at `/v1.0`.

mod applications;
mod batch;
pub(crate) mod contacts;
mod directory;
mod groups;
mod http;
pub mod json;
pub mod query;
mod service_principals;
mod sign_ins;
pub(crate) mod users;

use axum::Router;
use axum::routing::{get, post};

pub(crate) use http::nul_property;
pub use http::{Body, collection, collection_response, context, created, no_content};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(users::list).post(users::create))
        .route("/me", get(users::me))
        .route("/me/memberOf", get(users::my_member_of))
        .route("/me/licenseDetails", get(users::my_license_details))
        .route("/me/changePassword", post(users::change_my_password))
        .route(
            "/users/{key}",
            get(users::get).patch(users::update).delete(users::delete),
        )
        .route("/users/{key}/manager", get(users::manager))
        .route(
            "/users/{key}/manager/$ref",
            get(users::manager)
                .put(users::set_manager)
                .delete(users::remove_manager),
        )
        .route("/users/{key}/directReports", get(users::direct_reports))
        .route("/users/{key}/memberOf", get(users::member_of))
        .route("/users/{key}/assignLicense", post(users::assign_license))
        .route("/users/{key}/licenseDetails", get(users::license_details))
        .route(
            "/users/{key}/reprocessLicenseAssignment",
            post(users::reprocess_license_assignment),
        )
        .route(
            "/users/{key}/revokeSignInSessions",
            post(users::revoke_sessions),
        )
        .route("/groups", get(groups::list).post(groups::create))
        .route(
            "/groups/{id}",
            get(groups::get)
                .patch(groups::update)
                .delete(groups::delete),
        )
        .route("/groups/{id}/members", get(groups::members))
        .route("/groups/{id}/members/$ref", post(groups::add_member))
        .route(
            "/groups/{id}/members/{member}/$ref",
            axum::routing::delete(groups::remove_member),
        )
        .route("/groups/{id}/owners", get(groups::owners))
        .route("/groups/{id}/owners/$ref", post(groups::add_owner))
        .route(
            "/groups/{id}/owners/{owner}/$ref",
            axum::routing::delete(groups::remove_owner),
        )
        .route("/groups/{id}/memberOf", get(groups::member_of))
        .route("/groups/{id}/assignLicense", post(groups::assign_license))
        .route(
            "/groups/{id}/membersWithLicenseErrors",
            get(groups::members_with_license_errors),
        )
        .route("/contacts", get(contacts::list))
        .route("/contacts/{id}", get(contacts::get))
        .route("/subscribedSkus", get(directory::subscribed_skus))
        .route("/subscribedSkus/{id}", get(directory::subscribed_sku))
        .route("/domains", get(directory::domains))
        .route("/domains/{id}", get(directory::domain))
        .route("/organization", get(directory::organization))
        .route(
            "/directory/deletedItems/{kind}",
            get(directory::deleted_items_or_item).delete(directory::purge),
        )
        .route(
            "/directory/deletedItems/{id}/restore",
            post(directory::restore),
        )
        .route(
            "/applications",
            get(applications::list).post(applications::create),
        )
        .route(
            "/applications/{id}",
            get(applications::get)
                .patch(applications::update)
                .delete(applications::delete),
        )
        .route(
            "/applications/{id}/addPassword",
            post(applications::add_password),
        )
        .route(
            "/applications/{id}/removePassword",
            post(applications::remove_password),
        )
        .route("/servicePrincipals", get(service_principals::list))
        .route(
            "/servicePrincipals/{id}",
            get(service_principals::get).patch(service_principals::update),
        )
        .route(
            "/servicePrincipals/{id}/appRoleAssignedTo",
            get(service_principals::assigned_to).post(service_principals::add_assigned_to),
        )
        .route(
            "/servicePrincipals/{id}/appRoleAssignedTo/{assignment}",
            axum::routing::delete(service_principals::remove_assigned_to),
        )
        .route(
            "/users/{key}/appRoleAssignments",
            get(service_principals::assignments_of).post(service_principals::add_assignment_of),
        )
        .route(
            "/groups/{id}/appRoleAssignments",
            get(service_principals::assignments_of).post(service_principals::add_assignment_of),
        )
        .route("/auditLogs/signIns", get(sign_ins::list))
        .route("/auditLogs/signIns/{id}", get(sign_ins::get))
        .route("/$batch", post(batch::batch))
}

pub(crate) use directory::subscribed_sku_json as directory_sku_json;
