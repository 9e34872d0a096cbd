//! The sign-in log's page: every sign-in of the organisation's users, newest first, a hundred at
//! a time with a link to older ones, found by user, application, outcome, kind and date. It
//! reads the log as Graph's `/v1.0/auditLogs/signIns` does (the same list query); a failure is
//! said with Entra's code and reason, as an administrator will search for it.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use maud::html;
use roster_core::access::Operation;
use roster_core::odata::Filter;
use roster_store::ListQuery;
use serde::Deserialize;

use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page};
use super::session::Session;
use crate::paging::{decode_skiptoken, encode_skiptoken};

/// Sign-ins on a page.
const PER_PAGE: usize = 100;

#[derive(Deserialize, Default, Clone)]
pub struct SignInParams {
    /// The start of the user's name.
    #[serde(default)]
    user: String,
    /// The start of the application's name.
    #[serde(default)]
    app: String,
    /// `success`, `failure`, or all.
    #[serde(default)]
    status: String,
    /// `interactive`, `noninteractive`, or all.
    #[serde(default)]
    kind: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    to: String,
    /// Where the previous page ended.
    #[serde(default)]
    page: String,
}

impl SignInParams {
    /// The filters as a query string (without the page), for the next page's link.
    fn filters(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("user", &self.user),
            ("app", &self.app),
            ("status", &self.status),
            ("kind", &self.kind),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        query.finish()
    }

    /// The filters as Graph's `$filter` says them, or why a date cannot be read.
    fn filter(&self, lang: Lang) -> Result<Option<String>, String> {
        let quoted = |text: &str| format!("'{}'", text.trim().replace('\'', "''"));
        let mut terms = Vec::new();
        if !self.user.trim().is_empty() {
            terms.push(format!(
                "startsWith(userPrincipalName, {})",
                quoted(&self.user)
            ));
        }
        if !self.app.trim().is_empty() {
            terms.push(format!("startsWith(appDisplayName, {})", quoted(&self.app)));
        }
        match self.status.as_str() {
            "success" => terms.push("status/errorCode eq 0".into()),
            "failure" => terms.push("status/errorCode ne 0".into()),
            _ => {}
        }
        match self.kind.as_str() {
            "interactive" => terms.push("isInteractive eq true".into()),
            "noninteractive" => terms.push("isInteractive eq false".into()),
            _ => {}
        }
        let date = |text: &str, field: &str| -> Result<Option<NaiveDate>, String> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| lang.t_with("audit-bad-date", &[("field", lang.t(field).into())]))
        };
        if let Some(from) = date(&self.from, "audit-from")? {
            terms.push(format!("createdDateTime ge {from}T00:00:00Z"));
        }
        if let Some(to) = date(&self.to, "audit-to")?.and_then(|to| to.succ_opt()) {
            terms.push(format!("createdDateTime lt {to}T00:00:00Z"));
        }
        Ok((!terms.is_empty()).then(|| terms.join(" and ")))
    }
}

/// `GET /sign-ins`.
pub async fn page_handler(session: Session, Query(params): Query<SignInParams>) -> Response {
    let lang = session.lang;
    if !session.may(Operation::ReadAuditLog) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let (filter, date_error) = match params.filter(lang) {
        Ok(filter) => (filter, None),
        Err(message) => (None, Some(message)),
    };
    let mut query = ListQuery {
        filter: match filter.as_deref().map(Filter::parse) {
            Some(Ok(filter)) => Some(filter.into_expr()),
            Some(Err(_)) => {
                return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("users-bad-link"));
            }
            None => None,
        },
        top: PER_PAGE,
        ..Default::default()
    };
    if !params.page.is_empty() {
        match decode_skiptoken(&params.page) {
            Ok(after) => query.after = Some(after),
            Err(_) => {
                return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("users-bad-link"));
            }
        }
    }
    let tenant_id = session.caller.tenant_id;
    let found = if date_error.is_some() {
        None
    } else {
        match session
            .state()
            .db(move |store| store.sign_ins(tenant_id, &query))
            .await
        {
            Ok(found) => Some(found),
            Err(error) => return failure(&session, error),
        }
    };
    let (entries, next) = found.map_or((Vec::new(), None), |page| (page.items, page.next));
    let filters = params.filters();
    let next = next.map(|cursor| {
        let joiner = if filters.is_empty() { "" } else { "&" };
        format!(
            "/sign-ins?{filters}{joiner}page={}",
            encode_skiptoken(&cursor)
        )
    });
    let choice = |value: &str, current: &str, key: &str| {
        html! { option value=(value) selected[current == value] { (lang.t(key)) } }
    };
    let content = html! {
        form.filters method="get" action="/sign-ins" role="search" {
            label { (lang.t("sign-ins-user")) " " input name="user" value=(params.user); }
            label { (lang.t("sign-ins-app")) " " input name="app" value=(params.app); }
            label { (lang.t("sign-ins-status")) " " select name="status" {
                (choice("", &params.status, "sign-ins-all"))
                (choice("success", &params.status, "sign-ins-success"))
                (choice("failure", &params.status, "sign-ins-failure"))
            } }
            label { (lang.t("sign-ins-kind")) " " select name="kind" {
                (choice("", &params.kind, "sign-ins-all"))
                (choice("interactive", &params.kind, "sign-ins-interactive"))
                (choice("noninteractive", &params.kind, "sign-ins-noninteractive"))
            } }
            label { (lang.t("audit-from")) " " input type="date" name="from" value=(params.from); }
            label { (lang.t("audit-to")) " " input type="date" name="to" value=(params.to); }
            button type="submit" { (lang.t("users-apply")) }
        }
        @if let Some(message) = &date_error { p.error role="alert" { (message) } }
        p.count {
            (lang.t_with("sign-ins-shown", &[("count", (entries.len() as i64).into()), ("shown", lang.number(entries.len() as i64).into())]))
            " " (lang.t("audit-utc"))
        }
        div.scroll tabindex="0" {
            table.audit {
                thead { tr {
                    th scope="col" { (lang.t("audit-when")) }
                    th scope="col" { (lang.t("sign-ins-user")) }
                    th scope="col" { (lang.t("sign-ins-app")) }
                    th scope="col" { (lang.t("audit-client-ip")) }
                    th scope="col" { (lang.t("sign-ins-status")) }
                    th scope="col" { (lang.t("sign-ins-kind")) }
                } }
                tbody {
                    @for entry in &entries {
                        tr {
                            td { (lang.datetime(entry.at)) }
                            td { (entry.user_principal_name) }
                            td { (entry.client) }
                            td { (entry.client_ip.as_deref().unwrap_or("")) }
                            td {
                                @if entry.error_code == 0 {
                                    (lang.t("sign-ins-success"))
                                } @else {
                                    (lang.t("sign-ins-failure")) ": " code { "AADSTS" (entry.error_code) }
                                    @if let Some(reason) = &entry.failure_reason { " " (reason) }
                                }
                            }
                            td { (lang.t(if entry.interactive { "sign-ins-interactive" } else { "sign-ins-noninteractive" })) }
                        }
                    }
                }
            }
        }
        @if let Some(next) = &next {
            nav.pages { a rel="next" href=(next) { (lang.t("sign-ins-older")) } }
        }
    };
    let mut response = page(&session, Nav::SignIns, &lang.t("sign-ins-title"), content);
    if date_error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}
