//! The changes made on a user's page, one form at a time: a section of properties, its user
//! name, manager, usage location, a license and its apps, a group, a role, its password.
//!
//! Each is authorized by the store against the user's own roles as it is written; a refusal
//! shows the page again with the error beside the form (or the field) and what was typed, and a
//! change done sends the browser back to the page, which confirms what changed.

use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::Response;
use roster_core::access::{Operation, Role};
use roster_core::catalog::Catalog;
use roster_core::directory::LicenseAssignment;
use roster_core::requests::{PasswordProfile, UserUpdate};
use roster_core::types::{ObjectId, SkuId, UsageLocation, UserPrincipalName};
use roster_store::UserKey;

use super::super::layout::{error_page, failure, not_found_as};
use super::super::redirect::see_other;
use super::super::session::Session;
use super::super::wording::message;
use super::details::details_page;
use super::outcome::{Done, EditError, Notice};
use super::properties::{self, SECTIONS};
use crate::error::{ApiError, Reason};

/// Why a change was not made: an error of the directory's, or values refused by their fields.
enum Refusal {
    Api(ApiError),
    Fields(Vec<(String, String)>),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Refusal {
        Refusal::Api(error)
    }
}

/// The forms of the page, by their `form` field.
const FORMS: [&str; 13] = [
    "account",
    "contact",
    "upn",
    "manager",
    "location",
    "plans",
    "license-add",
    "license-remove",
    "group-add",
    "group-remove",
    "role-add",
    "role-remove",
    "password",
];

/// `POST /users/{id}`: one change from the user's page.
pub async fn edit(
    session: Session,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = session.lang;
    let Ok(user_id) = ObjectId::parse(&id) else {
        return error_page(
            &session,
            StatusCode::NOT_FOUND,
            &lang.t("error-no-such-user"),
        );
    };
    let submitted = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    if let Err(error) = session.check_csrf(&submitted("csrf").unwrap_or_default()) {
        return failure(&session, error);
    }
    let asked = submitted("form").unwrap_or_default();
    let Some(form) = FORMS.into_iter().find(|form| *form == asked) else {
        return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("action-unknown"));
    };
    match save(&session, user_id, form, &submitted, &fields).await {
        Ok(Done::Saved(changed)) => {
            let anchor = match form {
                "account" | "upn" | "manager" => "account",
                "contact" => "contact",
                "group-add" | "group-remove" => "groups",
                "role-add" | "role-remove" => "roles",
                _ => "licenses",
            };
            see_other(&format!(
                "/users/{user_id}?saved={}#{anchor}",
                changed.join(",")
            ))
        }
        // Shown on the page that answers the form, never put in an address.
        Ok(done @ Done::Password { .. }) => {
            details_page(&session, user_id, Notice::Done(done), "").await
        }
        Err(Refusal::Api(error)) if error.status == StatusCode::NOT_FOUND => error_page(
            &session,
            StatusCode::NOT_FOUND,
            &lang.t("error-no-such-user"),
        ),
        // Refused to this administrator: the forms were not offered either (for this user).
        Err(Refusal::Api(error)) if error.status == StatusCode::FORBIDDEN => {
            failure(&session, error)
        }
        Err(refusal) => {
            let messages = match refusal {
                Refusal::Fields(messages) => messages,
                Refusal::Api(error) => vec![(field_of(form, &error), message(&session, error))],
            };
            let error = EditError {
                form,
                messages,
                typed: fields,
            };
            details_page(&session, user_id, Notice::Refused(error), "").await
        }
    }
}

/// The field of a section a refusal is about (a value taken by another object, or not valid),
/// if the section has that field; else the form as a whole.
fn field_of(form: &str, error: &ApiError) -> String {
    let property = match error.reason.as_deref() {
        Some(Reason::Invalid(invalid)) => invalid.property,
        Some(Reason::Conflict(property)) => property,
        // The address checks of the store are about the aliases (the user name has a form of
        // its own, which says them as a whole).
        Some(Reason::AddressTaken(_) | Reason::UnknownDomain(_)) => "proxyAddresses",
        _ => return String::new(),
    };
    SECTIONS
        .iter()
        .find(|section| section.form == form)
        .filter(|section| section.has(property))
        .map_or_else(String::new, |_| property.to_string())
}

/// Applies one change of [`edit`]: authorized against the user's own roles before anything is
/// worked out (so a refusal by role is never a "nothing to change"), and again as it is written.
async fn save(
    session: &Session,
    user_id: ObjectId,
    form: &'static str,
    submitted: &(dyn Fn(&str) -> Option<String> + Sync),
    fields: &[(String, String)],
) -> Result<Done, Refusal> {
    let lang = session.lang;
    let state = session.state();
    let tenant_id = session.caller.tenant_id;
    let change = session.caller.change();
    let key = UserKey::Id(user_id);
    let field = |name: &str| submitted(name).unwrap_or_default().trim().to_string();
    let user = state
        .db(move |store| store.get_user(tenant_id, &UserKey::Id(user_id)))
        .await?;
    let operation = match form {
        "account" | "contact" | "upn" | "manager" => Operation::UpdateUser,
        "location" => Operation::SetUsageLocation,
        "plans" | "license-add" | "license-remove" => Operation::AssignLicense,
        "group-add" | "group-remove" => Operation::ManageGroupMembers,
        "role-add" | "role-remove" => Operation::ManageRoles,
        _ => Operation::ResetPassword,
    };
    let asking = change.clone();
    state
        .db(move |store| store.authorize(&asking, &[operation], Some(user_id)))
        .await?;
    let saved = |names: &[&str]| Ok(Done::Saved(names.iter().map(|n| n.to_string()).collect()));
    match form {
        "account" | "contact" => {
            let section = SECTIONS
                .into_iter()
                .find(|section| section.form == form)
                .expect("a section's form");
            let (update, changed) =
                properties::change(section, &user, submitted).map_err(|refused| {
                    Refusal::Fields(
                        refused
                            .iter()
                            .map(|r| (r.property.to_string(), r.words(lang)))
                            .collect(),
                    )
                })?;
            if !update.is_empty() {
                state
                    .db(move |store| store.update_user(&change, &key, &update))
                    .await?;
            }
            saved(&changed)
        }
        "upn" => {
            let text = format!("{}@{}", field("alias"), field("domain"));
            let upn = UserPrincipalName::parse(&text).map_err(ApiError::from)?;
            if upn == user.user_principal_name {
                return saved(&[]);
            }
            let update = UserUpdate {
                user_principal_name: Some(upn),
                ..Default::default()
            };
            state
                .db(move |store| store.update_user(&change, &key, &update))
                .await?;
            saved(&["userPrincipalName"])
        }
        "manager" => {
            let upn = field("manager");
            let manager = if upn.is_empty() {
                None
            } else {
                let manager = state
                    .db(move |store| store.get_user(tenant_id, &UserKey::Upn(upn)))
                    .await
                    .map_err(|error| not_found_as(error, lang.t("details-no-such-manager")))?;
                Some(manager.id)
            };
            if manager == user.manager_id {
                return saved(&[]);
            }
            state
                .db(move |store| store.set_manager(&change, &key, manager))
                .await?;
            saved(&["manager"])
        }
        "location" => {
            let text = field("usageLocation");
            let location = if text.is_empty() {
                None
            } else {
                Some(UsageLocation::parse(&text).map_err(ApiError::from)?)
            };
            if location == user.usage_location {
                return saved(&[]);
            }
            let update = UserUpdate {
                usage_location: Some(location),
                ..Default::default()
            };
            state
                .db(move |store| store.update_user(&change, &key, &update))
                .await?;
            saved(&["usageLocation"])
        }
        "plans" => {
            // Only the apps of a license the user holds directly (a group's license keeps the
            // group's plans); plans the form did not show keep their state.
            let held = SkuId::parse(&field("sku"))
                .ok()
                .and_then(|sku_id| user.licenses.iter().find(|l| l.sku_id == sku_id))
                .ok_or_else(|| ApiError::bad_request(lang.t("action-choose-license")))?;
            let sku_id = held.sku_id;
            let plans = Catalog::builtin()
                .by_sku_id(sku_id.as_uuid())
                .map(|sku| sku.service_plans.clone())
                .unwrap_or_default();
            // The form shows every plan of the license (a held license's switched-off plans are
            // among them: the store refuses any other), so what is not ticked is off.
            let enabled: Vec<uuid::Uuid> = fields
                .iter()
                .filter(|(key, _)| key == "plan")
                .filter_map(|(_, plan)| uuid::Uuid::parse_str(plan).ok())
                .collect();
            let disabled_plans: Vec<uuid::Uuid> = plans
                .iter()
                .map(|plan| plan.service_plan_id)
                .filter(|plan| !enabled.contains(plan))
                .collect();
            if disabled_plans == held.disabled_plans {
                return saved(&[]);
            }
            let add = vec![LicenseAssignment {
                sku_id,
                disabled_plans,
            }];
            state
                .db(move |store| store.assign_licenses(&change, &key, &add, &[]))
                .await?;
            saved(&["assignedLicenses"])
        }
        "license-add" | "license-remove" => {
            let sku_id = SkuId::parse(&field("sku"))
                .map_err(|_| ApiError::bad_request(lang.t("action-choose-license")))?;
            let add = form == "license-add";
            state
                .db(move |store| {
                    if add {
                        store.give_user_license(&change, &key, sku_id)
                    } else {
                        store
                            .assign_licenses(&change, &key, &[], &[sku_id])
                            .map(drop)
                    }
                })
                .await?;
            saved(&["assignedLicenses"])
        }
        "group-add" | "group-remove" => {
            let group_id = ObjectId::parse(&field("group"))
                .map_err(|_| ApiError::bad_request(lang.t("action-choose-group")))?;
            let add = form == "group-add";
            state
                .db(move |store| {
                    if add {
                        store.add_group_member(&change, group_id, user_id)
                    } else {
                        store.remove_group_member(&change, group_id, user_id)
                    }
                })
                .await
                .map_err(|error| not_found_as(error, lang.t("details-no-such-group")))?;
            saved(&["memberOf"])
        }
        "role-add" | "role-remove" => {
            let role = Role::parse(&field("role"))
                .ok_or_else(|| ApiError::bad_request(lang.t("roles-unknown-role")))?;
            let add = form == "role-add";
            state
                .db(move |store| {
                    if add {
                        store.assign_role(&change, user_id, role)
                    } else {
                        store.remove_role(&change, user_id, role)
                    }
                })
                .await?;
            saved(&["roles"])
        }
        _ => reset_password(session, user_id, &field).await,
    }
}

/// A new password, generated or typed, and whether it must be changed at the next sign-in.
async fn reset_password(
    session: &Session,
    user_id: ObjectId,
    field: &(dyn Fn(&str) -> String + Sync),
) -> Result<Done, Refusal> {
    let state = session.state();
    let own = field("password") == "own";
    let force_change = field("forceChange") == "on";
    let profile = if own {
        let password = field("newPassword");
        crate::error::check_password_complexity(&password).map_err(|error| {
            Refusal::Fields(vec![("newPassword".into(), message(session, error))])
        })?;
        Some(PasswordProfile {
            password: Some(password),
            force_change,
        })
    } else {
        None
    };
    let (hash, generated) = state.password_hash(profile.as_ref()).await?;
    let update = UserUpdate {
        password: Some((hash, force_change)),
        ..Default::default()
    };
    let change = session.caller.change();
    state
        .db(move |store| store.update_user(&change, &UserKey::Id(user_id), &update))
        .await?;
    Ok(Done::Password {
        password: generated,
        force_change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_said_beside_its_field_only_in_a_section_that_has_it() {
        let invalid = ApiError::bad_request("x").with_reason(Reason::Invalid(
            roster_core::types::InvalidValue::new(
                "department",
                roster_core::types::Problem::TooLong(64),
            ),
        ));
        assert_eq!(field_of("account", &invalid), "department");
        assert_eq!(field_of("contact", &invalid), "");
        let taken = ApiError::bad_request("x").with_reason(Reason::Conflict("mail"));
        assert_eq!(field_of("contact", &taken), "mail");
        assert_eq!(field_of("upn", &taken), "");
    }

    #[test]
    fn every_form_has_an_answer() {
        // Each form's confirmation names properties the page words.
        for name in [
            "userPrincipalName",
            "manager",
            "usageLocation",
            "assignedLicenses",
            "memberOf",
            "roles",
        ] {
            assert_ne!(super::super::super::i18n::Lang::Nl.property(name), name);
        }
    }
}
