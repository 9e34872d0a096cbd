//! The audit log: every change, searchable by actor, activity and object and filterable by
//! date, a hundred records at a time with a link to the next (no stop at some hundred), each
//! change said in words (its properties by their names in the page's language, the values
//! before and after), and the records found exported as a CSV file.
//!
//! A record holds no secret to show: the store never writes a password, a hash or a token into
//! one; a password reset is said as such.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use maud::html;
use roster_core::access::Operation;
use roster_core::directory::AuditRecord;
use roster_store::{AuditQuery, Cursor};
use serde::Deserialize;
use serde_json::Value as Json;

use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page};
use super::session::Session;
use crate::error::ApiError;
use crate::paging::{decode_skiptoken, encode_skiptoken};

/// Records on a page.
const PER_PAGE: usize = 100;
/// Records read at a time for an export.
const EXPORT_BATCH: usize = 5000;

#[derive(Deserialize, Default, Clone)]
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
    /// Where the previous page ended (its link's token).
    #[serde(default)]
    page: String,
}

impl AuditParams {
    /// The filters as a query string (without the page), for the next page's and the export's
    /// links.
    fn filters(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("actor", &self.actor),
            ("operation", &self.operation),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        query.finish()
    }

    /// The store's query, or why a date cannot be read (in the page's language).
    fn query(&self, lang: Lang, limit: usize) -> Result<AuditQuery, String> {
        let date = |text: &str, field: &str| -> Result<Option<NaiveDate>, String> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| lang.t_with("audit-bad-date", &[("field", lang.t(field).into())]))
        };
        let from = date(&self.from, "audit-from")?;
        let to = date(&self.to, "audit-to")?;
        Ok(AuditQuery {
            actor: Some(self.actor.clone()),
            operation: None,
            activity: Some(self.operation.clone()),
            target: Some(self.target.clone()),
            from: from
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| Utc.from_utc_datetime(&t)),
            until: to
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| Utc.from_utc_datetime(&t)),
            after: None,
            limit,
        })
    }
}

/// A page's position as its link carries it: the last record's time and id.
fn token(record: &AuditRecord) -> String {
    encode_skiptoken(&Cursor {
        key: Some(record.at.timestamp_micros().to_string()),
        id: record.id,
    })
}

fn position(token: &str) -> Result<(DateTime<Utc>, roster_core::types::ObjectId), ApiError> {
    let cursor = decode_skiptoken(token)?;
    cursor
        .key
        .and_then(|micros| micros.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_micros)
        .map(|at| (at, cursor.id))
        .ok_or_else(|| ApiError::bad_request("The page link is not one of this log's."))
}

/// `GET /audit`.
pub async fn page_handler(session: Session, Query(params): Query<AuditParams>) -> Response {
    let lang = session.lang;
    if !session.may(Operation::ReadAuditLog) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    // A date that cannot be read: said beside the dates, with what was typed kept and no
    // records listed.
    let (query, date_error) = match params.query(lang, PER_PAGE + 1) {
        Ok(query) => (Some(query), None),
        Err(message) => (None, Some(message)),
    };
    let mut records = Vec::new();
    if let Some(mut query) = query {
        if !params.page.is_empty() {
            match position(&params.page) {
                Ok(after) => query.after = Some(after),
                Err(_) => {
                    return error_page(
                        &session,
                        StatusCode::BAD_REQUEST,
                        &lang.t("users-bad-link"),
                    );
                }
            }
        }
        let tenant_id = session.caller.tenant_id;
        records = match session
            .state()
            .db(move |store| store.search_audit_log(tenant_id, &query))
            .await
        {
            Ok(records) => records,
            Err(error) => return failure(&session, error),
        };
    }
    let more = records.len() > PER_PAGE;
    records.truncate(PER_PAGE);
    let filters = params.filters();
    let next = more.then(|| {
        let last = records.last().expect("a full page");
        let joiner = if filters.is_empty() { "" } else { "&" };
        format!("/audit?{filters}{joiner}page={}", token(last))
    });
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
        p.count {
            (lang.t_with("audit-shown", &[("count", (records.len() as i64).into()), ("shown", lang.number(records.len() as i64).into())]))
            " " (lang.t("audit-utc"))
        }
        @if date_error.is_none() {
            p.commands { a.button.secondary href={ "/audit/export.csv" @if !filters.is_empty() { "?" (filters) } } download { (lang.t("audit-export")) } }
        }
        div.scroll tabindex="0" {
            table.audit {
                thead { tr {
                    th scope="col" { (lang.t("audit-when")) } th scope="col" { (lang.t("audit-actor")) } th scope="col" { (lang.t("audit-operation")) }
                    th scope="col" { (lang.t("audit-target")) } th scope="col" { (lang.t("audit-change")) }
                } }
                tbody {
                    @for record in &records {
                        @let changes = changes(lang, record);
                        tr {
                            td { (lang.datetime(record.at)) }
                            td { (record.actor_name) }
                            td { (lang.activity(&record.operation)) }
                            td { (record.target_name.as_deref().unwrap_or("")) }
                            td {
                                @if is_password_reset(record) { p { (lang.t("audit-password-reset")) } }
                                @if !changes.is_empty() {
                                    details {
                                        summary { (lang.t_with("audit-changes", &[("count", (changes.len() as i64).into()), ("shown", lang.number(changes.len() as i64).into())])) }
                                        table.change {
                                            thead { tr { th scope="col" { (lang.t("audit-property")) } th scope="col" { (lang.t("audit-before")) } th scope="col" { (lang.t("audit-after")) } } }
                                            tbody {
                                                @for change in &changes {
                                                    tr { th scope="row" { (change.property) } td { (change.before) } td { (change.after) } }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(next) = &next {
            nav.pages { a rel="next" href=(next) { (lang.t("audit-older")) } }
        }
    };
    let mut response = page(&session, Nav::Audit, &lang.t("audit-title"), content);
    if date_error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// `GET /audit/export.csv`: every record the filters find (not only a page), newest first, in
/// the page's language.
pub async fn export(session: Session, Query(params): Query<AuditParams>) -> Response {
    let lang = session.lang;
    if !session.may(Operation::ReadAuditLog) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let mut query = match params.query(lang, EXPORT_BATCH) {
        Ok(query) => query,
        Err(message) => return error_page(&session, StatusCode::BAD_REQUEST, &message),
    };
    // An export reads a whole tenant: a few at a time, sharing the places of job uploads.
    let Ok(_place) = session.state().uploads.clone().try_acquire_owned() else {
        return error_page(
            &session,
            StatusCode::SERVICE_UNAVAILABLE,
            &session.lang.t("error-busy"),
        );
    };
    let tenant_id = session.caller.tenant_id;
    let written = session
        .state()
        .db(move |store| {
            let failed = |error: csv::Error| {
                roster_store::Error::Database(format!("writing the audit log file: {error}"))
            };
            let mut writer = roster_csv::cell::Writer::from_writer(Vec::new());
            writer
                .write_record([
                    lang.t("audit-when"),
                    lang.t("audit-actor"),
                    lang.t("audit-operation"),
                    lang.t("audit-target"),
                    lang.t("audit-change"),
                    lang.t("audit-client-ip"),
                    lang.t("audit-request-id"),
                ])
                .map_err(failed)?;
            loop {
                let records = store.search_audit_log(tenant_id, &query)?;
                for record in &records {
                    let mut said: Vec<String> = changes(lang, record)
                        .into_iter()
                        .map(|c| format!("{}: {} → {}", c.property, c.before, c.after))
                        .collect();
                    if is_password_reset(record) {
                        said.insert(0, lang.t("audit-password-reset"));
                    }
                    writer
                        .write_record([
                            record.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                            record.actor_name.clone(),
                            lang.activity(&record.operation),
                            record.target_name.clone().unwrap_or_default(),
                            said.join("; "),
                            record.client_ip.clone().unwrap_or_default(),
                            record.request_id.clone().unwrap_or_default(),
                        ])
                        .map_err(failed)?;
                }
                match records.last() {
                    Some(last) if records.len() == EXPORT_BATCH => {
                        query.after = Some((last.at, last.id))
                    }
                    _ => break,
                }
            }
            writer.into_inner().map_err(|error| failed(error.into()))
        })
        .await;
    match written {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    CONTENT_DISPOSITION,
                    "attachment; filename=\"audit-log.csv\"",
                ),
                (CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => failure(&session, error),
    }
}

fn is_password_reset(record: &AuditRecord) -> bool {
    record.operation == "Reset user password"
}

/// One property a change changed, in words.
#[derive(Debug, PartialEq, Eq)]
struct Change {
    property: String,
    before: String,
    after: String,
}

/// What a record changed: each property whose value differs between before and after (a nested
/// one by its last name), in the order the record has them.
fn changes(lang: Lang, record: &AuditRecord) -> Vec<Change> {
    let mut before = Vec::new();
    let mut after = Vec::new();
    flatten("", record.before.as_ref(), &mut before);
    flatten("", record.after.as_ref(), &mut after);
    let mut names: Vec<&String> = before.iter().map(|(name, _)| name).collect();
    for (name, _) in &after {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let value = |list: &[(String, Json)], name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(Json::Null)
    };
    names
        .into_iter()
        .filter_map(|name| {
            let (old, new) = (value(&before, name), value(&after, name));
            (old != new).then(|| Change {
                property: lang.property(name),
                before: words(lang, &old),
                after: words(lang, &new),
            })
        })
        .collect()
}

/// An object's properties as paths to their values (`onPremisesExtensionAttributes/...`).
fn flatten(prefix: &str, value: Option<&Json>, out: &mut Vec<(String, Json)>) {
    match value {
        Some(Json::Object(object)) => {
            for (key, value) in object {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}/{key}")
                };
                match value {
                    Json::Object(_) => flatten(&path, Some(value), out),
                    _ => out.push((path, value.clone())),
                }
            }
        }
        Some(Json::Null) | None => {}
        // A record whose change is one value: said as the record's own.
        Some(other) if !prefix.is_empty() => out.push((prefix.to_string(), other.clone())),
        Some(other) => out.push(("value".to_string(), other.clone())),
    }
}

/// A value in words: text as it is, yes or no, lists joined, licenses by their products' names.
fn words(lang: Lang, value: &Json) -> String {
    match value {
        Json::Null => "—".to_string(),
        Json::Bool(flag) => lang.t(if *flag { "audit-yes" } else { "audit-no" }),
        Json::Number(number) => number
            .as_i64()
            .map_or_else(|| number.to_string(), |n| lang.number(n)),
        Json::String(text) => text.clone(),
        Json::Array(items) if items.is_empty() => "—".to_string(),
        Json::Array(items) => items
            .iter()
            .map(|item| match item {
                Json::Object(license) if license.contains_key("skuId") => {
                    let sku = license["skuId"].as_str().unwrap_or_default();
                    let name = uuid::Uuid::parse_str(sku)
                        .ok()
                        .and_then(|id| roster_core::catalog::Catalog::builtin().by_sku_id(id))
                        .map_or_else(|| sku.to_string(), |sku| sku.display_name.clone());
                    let off = license["disabledPlans"].as_array().map_or(0, Vec::len);
                    if off == 0 {
                        name
                    } else {
                        lang.t_with(
                            "audit-apps-off",
                            &[
                                ("product", name.into()),
                                ("count", (off as i64).into()),
                                ("shown", lang.number(off as i64).into()),
                            ],
                        )
                    }
                }
                other => words(lang, other),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Json::Object(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(operation: &str, before: Json, after: Json) -> AuditRecord {
        AuditRecord {
            id: roster_core::types::ObjectId::new(),
            at: Utc::now(),
            actor_id: None,
            actor_name: "admin@contoso.example".into(),
            operation: operation.into(),
            target_id: None,
            target_name: None,
            before: Some(before),
            after: Some(after),
            client_ip: None,
            request_id: None,
            job_id: None,
        }
    }

    #[test]
    fn a_change_is_said_property_by_property_in_the_pages_language() {
        let record = record(
            "Update user",
            json!({ "department": "Sales", "accountEnabled": true, "otherMails": [], "city": "Utrecht" }),
            json!({ "department": "Marketing", "accountEnabled": false, "otherMails": ["a@x.example", "b@x.example"], "city": "Utrecht",
                    "onPremisesExtensionAttributes": { "extensionAttribute2": "Badge 12" } }),
        );
        let dutch = changes(Lang::Nl, &record);
        let said: Vec<(&str, &str, &str)> = dutch
            .iter()
            .map(|c| (c.property.as_str(), c.before.as_str(), c.after.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                ("Aanmelden toegestaan", "ja", "nee"),
                ("Afdeling", "Sales", "Marketing"),
                (
                    "Alternatieve e-mailadressen",
                    "—",
                    "a@x.example, b@x.example"
                ),
                ("Extensiekenmerk 2", "—", "Badge 12"),
            ]
        );
    }

    #[test]
    fn licenses_are_said_by_their_products() {
        let e3 = "05e9a617-0261-4cee-bb44-138d3ef5d965";
        let record = record(
            "Change user license",
            json!({ "assignedLicenses": [] }),
            json!({ "assignedLicenses": [{ "skuId": e3, "disabledPlans": ["x", "y"] }] }),
        );
        let said = changes(Lang::En, &record);
        assert_eq!(said[0].property, "Licenses");
        assert_eq!(said[0].after, "Microsoft 365 E3 (2 apps off)");
    }

    #[test]
    fn a_password_reset_shows_no_empty_change() {
        let record = record("Reset user password", json!({}), json!({}));
        assert!(changes(Lang::En, &record).is_empty());
        assert!(is_password_reset(&record));
    }
}
