//! Licenses: each subscription with its seats bought, assigned, available and in error, its
//! service plans, who holds it and through which groups; assigning it to a user or a group;
//! buying a subscription and changing its seats.

use std::collections::HashMap;

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::LicenseAssignment;
use roster_core::types::SkuId;
use serde::Deserialize;

use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page};
use super::session::Session;
use crate::error::ApiError;

/// `GET /licenses`.
pub async fn page_handler(
    session: Session,
    axum::extract::Query(params): axum::extract::Query<super::layout::DoneParams>,
) -> Response {
    let done = match params.done.as_deref() {
        Some("assigned") => Some("licenses-done-assigned"),
        Some("saved") => Some("licenses-done-saved"),
        _ => None,
    };
    render(&session, None, done).await
}

/// The page, with an error beside the form that caused it and what was typed.
async fn render(
    session: &Session,
    refused: Option<(&LicenseForm, String)>,
    done: Option<&'static str>,
) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let found = session
        .state()
        .db(move |store| {
            Ok((
                store.subscriptions(tenant_id)?,
                store.license_errors_by_sku(tenant_id)?,
                store.licensing_groups(tenant_id)?,
            ))
        })
        .await;
    let (subscriptions, errors, groups) = match found {
        Ok(found) => found,
        Err(error) => return failure(session, error),
    };
    let errors: HashMap<SkuId, i64> = errors.into_iter().collect();
    let catalog = Catalog::builtin();
    let manage = session.may(Operation::ManageSubscriptions);
    let assign = session.may(Operation::AssignLicense);
    let error_for = |form: &str, sku: Option<&str>| {
        refused.as_ref().and_then(|(typed, message)| {
            (typed.action == form && (sku.is_none() || typed.sku.as_deref() == sku))
                .then_some(message.clone())
        })
    };
    let content = html! {
        @if let Some(done) = done { p.success role="status" { (lang.t(done)) } }
        @if subscriptions.is_empty() { p { (lang.t("home-no-subscriptions")) } }
        @for subscription in &subscriptions {
            @let sku = catalog.by_sku_id(subscription.sku_id.as_uuid());
            @let name = sku.map_or(subscription.sku_part_number.as_str(), |s| s.display_name.as_str());
            @let sku_text = subscription.sku_id.to_string();
            section.panel.subscription {
                h2 { (name) " " span.muted { "(" (subscription.sku_part_number) ")" } }
                table.properties { tbody {
                    tr { th scope="row" { (lang.t("licenses-bought")) } td { (lang.number(subscription.enabled_units)) } }
                    tr { th scope="row" { (lang.t("licenses-assigned")) } td.assigned { a href={ "/users?license=" (subscription.sku_id) } { (lang.number(subscription.consumed_units)) } } }
                    tr { th scope="row" { (lang.t("licenses-available")) } td.available { (lang.number(subscription.enabled_units - subscription.consumed_units)) } }
                    tr { th scope="row" { (lang.t("licenses-in-error")) } td { (lang.number(errors.get(&subscription.sku_id).copied().unwrap_or(0))) } }
                    tr { th scope="row" { (lang.t("licenses-status")) } td { (super::wording::subscription_status(lang, &subscription.capability_status)) } }
                    tr { th scope="row" { (lang.t("licenses-groups")) } td {
                        @let giving: Vec<_> = groups.iter().filter(|(s, _, _)| *s == subscription.sku_id).collect();
                        @if giving.is_empty() { (lang.t("details-none")) }
                        @for (index, (_, group_id, name)) in giving.iter().enumerate() {
                            @if index > 0 { ", " }
                            a href={ "/groups/" (group_id) "#licenses" } { (name) }
                        }
                    } }
                } }
                @if let Some(sku) = sku {
                    details {
                        summary { (lang.t_with("licenses-plans", &[("count", (sku.service_plans.len() as i64).into()), ("shown", lang.number(sku.service_plans.len() as i64).into())])) }
                        ul.plans { @for plan in &sku.service_plans { li { (plan.friendly_name) " " span.muted { "(" (plan.service_plan_name) ")" } } } }
                    }
                }
                @if assign {
                    form.filters method="post" action="/licenses" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="action" value="assign";
                        input type="hidden" name="sku" value=(sku_text);
                        @let error = error_for("assign", Some(&sku_text));
                        @let typed = refused.as_ref().filter(|_| error.is_some()).map(|(typed, _)| *typed);
                        @let to_group = typed.is_some_and(|t| t.to == "group");
                        label { (lang.t("licenses-assign-to")) " "
                            select name="to" {
                                option value="user" selected[!to_group] { (lang.t("licenses-assign-user")) }
                                option value="group" selected[to_group] { (lang.t("licenses-assign-group")) }
                            }
                        }
                        " " input name="name" required aria-label=(lang.t("licenses-assign-name"))
                            placeholder=(lang.t("licenses-assign-name")) value=(typed.map(|t| t.name.clone()).unwrap_or_default());
                        " " button type="submit" { (lang.t("action-assign-license")) }
                        @if let Some(error) = error { p.error role="alert" { (error) } }
                    }
                }
                @if manage {
                    form.inline.seats method="post" action="/licenses" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="action" value="seats";
                        input type="hidden" name="sku" value=(sku_text);
                        @let id = format!("seats-{sku_text}");
                        @let error = error_for("seats", Some(&sku_text));
                        label for=(id) { (lang.t("licenses-seats")) " " }
                        input id=(id) name="seats" type="number" min="0" required
                            value=(error.as_ref().and_then(|_| refused.as_ref().map(|(typed, _)| typed.seats.clone())).unwrap_or_else(|| subscription.enabled_units.to_string()));
                        " " button type="submit" { (lang.t("licenses-change-seats")) }
                        @if let Some(error) = error { p.error role="alert" { (error) } }
                    }
                }
            }
        }
        @if manage {
            section.panel {
                h2 { (lang.t("licenses-buy")) }
                @let error = error_for("buy", None);
                @let typed = refused.as_ref().filter(|(typed, _)| typed.action == "buy").map(|(typed, _)| *typed);
                form.filters method="post" action="/licenses" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="action" value="buy";
                    label { (lang.t("licenses-part-number")) " " input name="sku" required placeholder="SPE_E3" value=(typed.and_then(|t| t.sku.clone()).unwrap_or_default()); }
                    label { (lang.t("licenses-seats")) " " input name="seats" type="number" min="1" required value=(typed.map(|t| t.seats.clone()).unwrap_or_default()); }
                    button type="submit" { (lang.t("licenses-buy-submit")) }
                }
                @if let Some(error) = error { p.error role="alert" { (error) } }
            }
        }
    };
    page(session, Nav::Licenses, &lang.t("licenses-title"), content)
}

#[derive(Deserialize, Debug)]
pub struct LicenseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    sku: Option<String>,
    #[serde(default)]
    seats: String,
    /// Whom to assign the license to: `user` (by user name) or `group` (by name).
    #[serde(default)]
    to: String,
    #[serde(default)]
    name: String,
}

/// `POST /licenses`: buy a subscription, change a subscription's seats, or assign it to a user
/// or a group.
pub async fn change(session: Session, Form(form): Form<LicenseForm>) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    if form.action == "assign" {
        return match assign(&session, &form).await {
            Ok(()) => super::redirect::see_other("/licenses?done=assigned"),
            Err(error) if error.status == StatusCode::FORBIDDEN => failure(&session, error),
            Err(error) if error.status.is_client_error() => {
                let message = super::wording::message(&session, error);
                let mut response = render(&session, Some((&form, message)), None).await;
                *response.status_mut() = StatusCode::BAD_REQUEST;
                response
            }
            Err(error) => failure(&session, error),
        };
    }
    if !session.may(Operation::ManageSubscriptions) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let Ok(seats) = form.seats.trim().parse::<i64>() else {
        let mut response = render(
            &session,
            Some((&form, lang.t("licenses-seats-invalid"))),
            None,
        )
        .await;
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    };
    let change = session.caller.change();
    let sku = form.sku.clone().unwrap_or_default();
    let result = match form.action.as_str() {
        "buy" if seats >= 1 => {
            let part_number = sku.trim().to_ascii_uppercase();
            session
                .state()
                .db(move |store| store.add_subscription(&change, &part_number, seats))
                .await
                .map(drop)
        }
        "buy" => Err(ApiError::bad_request(lang.t("licenses-seats-invalid"))),
        "seats" => match SkuId::parse(&sku) {
            Ok(sku_id) if seats >= 0 => session
                .state()
                .db(move |store| store.update_subscription(&change, sku_id, Some(seats), None))
                .await
                .map(drop),
            Ok(_) => Err(ApiError::bad_request(lang.t("licenses-seats-invalid"))),
            Err(_) => Err(ApiError::bad_request(lang.t("action-choose-license"))),
        },
        _ => Err(ApiError::bad_request(lang.t("action-unknown"))),
    };
    match result {
        Ok(()) => super::redirect::see_other("/licenses?done=saved"),
        Err(error) if error.status.is_client_error() => {
            let message = super::wording::message(&session, error);
            let mut response = render(&session, Some((&form, message)), None).await;
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        }
        Err(error) => failure(&session, error),
    }
}

/// Assigns the form's license to a user (by user name) or to a group (by its name), as
/// `assignLicense` on either would.
async fn assign(session: &Session, form: &LicenseForm) -> Result<(), ApiError> {
    let lang = session.lang;
    session
        .caller
        .principal
        .authorize(Operation::AssignLicense, &[])?;
    let sku_id = SkuId::parse(form.sku.as_deref().unwrap_or_default())
        .map_err(|_| ApiError::bad_request(lang.t("action-choose-license")))?;
    let (tenant_id, change) = (session.caller.tenant_id, session.caller.change());
    let name = form.name.trim().to_string();
    if form.to == "group" {
        let quoted = format!("displayName eq '{}'", name.replace('\'', "''"));
        let query = roster_store::ListQuery {
            filter: Some(roster_core::odata::Filter::parse(&quoted)?.into_expr()),
            top: 2,
            ..Default::default()
        };
        let found = session
            .state()
            .db(move |store| store.list_groups(tenant_id, &query, false))
            .await?;
        let group = match found.items.as_slice() {
            [group] => group,
            [] => return Err(ApiError::bad_request(lang.t("licenses-no-such-group"))),
            _ => return Err(ApiError::bad_request(lang.t("licenses-ambiguous-group"))),
        };
        let group_id = group.id;
        session
            .state()
            .db(move |store| store.give_group_license(&change, group_id, sku_id))
            .await?;
        session.state().job_wake.notify_one();
    } else {
        let key = roster_store::UserKey::Upn(name);
        session
            .state()
            .db(move |store| store.give_user_license(&change, &key, sku_id))
            .await
            .map_err(|error| super::layout::not_found_as(error, lang.t("roles-unknown-user")))?;
    }
    Ok(())
}

pub(crate) fn license_names_by_sku(
    subscriptions: &[roster_core::directory::Subscription],
) -> HashMap<SkuId, String> {
    let catalog = Catalog::builtin();
    subscriptions
        .iter()
        .map(|s| {
            let name = catalog
                .by_sku_id(s.sku_id.as_uuid())
                .map_or_else(|| s.sku_part_number.clone(), |sku| sku.display_name.clone());
            (s.sku_id, name)
        })
        .collect()
}

/// The switches of a license's service plans (on: checked), to switch some off: on a user's
/// page for a license it holds directly, on a group's page for one the group gives.
pub(super) fn plan_switches(lang: Lang, catalog: &Catalog, license: &LicenseAssignment) -> Markup {
    let plans = catalog
        .by_sku_id(license.sku_id.as_uuid())
        .map(|sku| sku.service_plans.clone())
        .unwrap_or_default();
    html! {
        input type="hidden" name="sku" value=(license.sku_id);
        fieldset.plans {
            legend { (lang.t("details-apps-switch")) }
            @for plan in &plans {
                label {
                    input type="checkbox" name="plan" value=(plan.service_plan_id)
                        checked[!license.disabled_plans.contains(&plan.service_plan_id)];
                    " " (plan.friendly_name)
                }
            }
        }
        button type="submit" { (lang.t("details-save")) }
    }
}
