//! The audit log: every change, searchable by actor, operation and object and filterable by
//! date, with what each change set before and after.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, TimeZone, Utc};
use maud::html;
use roster_core::access::Operation;
use roster_store::AuditQuery;
use serde::Deserialize;

use super::layout::{Nav, error_page, failure, page};
use super::session::Session;

const RECORDS: usize = 200;

#[derive(Deserialize, Default)]
pub struct AuditParams {
    #[serde(default)]
    actor: String,
    /// One of the activities the log records (all when empty).
    #[serde(default)]
    operation: String,
    #[serde(default)]
    target: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    to: String,
}

/// `GET /audit`.
pub async fn page_handler(session: Session, Query(params): Query<AuditParams>) -> Response {
    let lang = session.lang;
    if !session.may(Operation::ReadAuditLog) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let date = |text: &str, field: &str| -> Result<Option<NaiveDate>, String> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| lang.t_with("audit-bad-date", &[("field", lang.t(field).into())]))
    };
    // A date that cannot be read: said beside the dates, with what was typed kept and no
    // records listed.
    let (from, to, date_error) = match (
        date(&params.from, "audit-from"),
        date(&params.to, "audit-to"),
    ) {
        (Ok(from), Ok(to)) => (from, to, None),
        (Err(message), _) | (_, Err(message)) => (None, None, Some(message)),
    };
    let query = AuditQuery {
        actor: Some(params.actor.clone()),
        operation: None,
        activity: Some(params.operation.clone()),
        target: Some(params.target.clone()),
        from: from
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t)),
        until: to
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t)),
        limit: RECORDS,
    };
    let tenant_id = session.caller.tenant_id;
    let records = if date_error.is_some() {
        Vec::new()
    } else {
        match session
            .state()
            .db(move |store| store.search_audit_log(tenant_id, &query))
            .await
        {
            Ok(records) => records,
            Err(error) => return failure(&session, error),
        }
    };
    let json = |value: &Option<serde_json::Value>| {
        value
            .as_ref()
            .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
            .unwrap_or_default()
    };
    let content = html! {
        form.filters method="get" action="/audit" role="search" {
            label { (lang.t("audit-actor")) " " input name="actor" value=(params.actor); }
            label { (lang.t("audit-operation")) " " select name="operation" {
                option value="" selected[params.operation.is_empty()] { (lang.t("audit-all-activities")) }
                @for activity in roster_store::AUDIT_ACTIVITIES {
                    option value=(activity) selected[params.operation == *activity] { (lang.activity(activity)) }
                }
            } }
            label { (lang.t("audit-target")) " " input name="target" value=(params.target); }
            label { (lang.t("audit-from")) " " input type="date" name="from" value=(params.from); }
            label { (lang.t("audit-to")) " " input type="date" name="to" value=(params.to); }
            button type="submit" { (lang.t("users-apply")) }
        }
        @if let Some(message) = &date_error { p.error role="alert" { (message) } }
        p.count { (lang.t_with("audit-shown", &[("count", (records.len() as i64).into()), ("shown", lang.number(records.len() as i64).into())])) " " (lang.t("audit-utc")) }
        table.audit {
            thead { tr {
                th { (lang.t("audit-when")) } th { (lang.t("audit-actor")) } th { (lang.t("audit-operation")) }
                th { (lang.t("audit-target")) } th { (lang.t("audit-change")) }
            } }
            tbody {
                @for record in &records {
                    tr {
                        td { (lang.datetime(record.at)) }
                        td { (record.actor_name) }
                        td { (lang.activity(&record.operation)) }
                        td { (record.target_name.as_deref().unwrap_or("")) }
                        td {
                            @if record.before.is_some() || record.after.is_some() {
                                details {
                                    summary { (lang.t("audit-show-change")) }
                                    div.change {
                                        div { h3 { (lang.t("audit-before")) } pre { (json(&record.before)) } }
                                        div { h3 { (lang.t("audit-after")) } pre { (json(&record.after)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut response = page(&session, Nav::Audit, &lang.t("audit-title"), content);
    if date_error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}
