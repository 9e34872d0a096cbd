//! Bulk jobs: the list of the tenant's jobs (kind, who, when, progress, outcome), a job's page
//! with its rows in file order (or its failed rows only), a page at a time, and its results
//! file.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use roster_core::types::ObjectId;
use roster_store::{Job, JobRow, JobStatus};
use serde::Deserialize;

use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page};
use super::session::Session;
use crate::error::ApiError;

/// How many jobs the list shows, newest first.
const LISTED: usize = 100;
/// How many rows a job's page shows at a time.
const ROWS_PER_PAGE: usize = 100;

/// A job's state in words.
fn outcome(lang: Lang, job: &Job) -> Markup {
    html! {
        @match job.status {
            JobStatus::Running => span.processing { (lang.t("jobs-running")) },
            _ if job.failed_rows > 0 => span.blocked { (lang.t_with("jobs-finished-failed", &[("failed", lang.number(job.failed_rows).into())])) },
            _ => (lang.t("jobs-finished")),
        }
    }
}

/// `GET /jobs`: the tenant's jobs, newest first.
pub async fn list(session: Session) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let jobs = match session
        .state()
        .db(move |store| store.jobs(tenant_id, LISTED))
        .await
    {
        Ok(jobs) => jobs,
        Err(error) => return failure(&session, error),
    };
    let running = jobs.iter().any(|job| job.status == JobStatus::Running);
    let content = html! {
        @if running { meta http-equiv="refresh" content="5"; }
        @if jobs.is_empty() { p { (lang.t("jobs-none")) } }
        @else {
            p.count { (lang.t_with("jobs-newest", &[("count", (jobs.len() as i64).into()), ("shown", lang.number(jobs.len() as i64).into())])) }
            div.scroll tabindex="0" {
                table.jobs {
                    thead { tr {
                        th scope="col" { (lang.t("import-kind")) } th scope="col" { (lang.t("audit-actor")) }
                        th scope="col" { (lang.t("jobs-started")) } th scope="col" { (lang.t("jobs-progress")) }
                        th scope="col" { (lang.t("jobs-outcome")) }
                    } }
                    tbody {
                        @for job in &jobs {
                            tr {
                                td { a href={ "/jobs/" (job.id) } { (lang.job_kind(&job.kind)) } }
                                td { (job.created_by) }
                                td { (lang.datetime(job.created)) }
                                td.number { (lang.t_with("home-job-progress", &[("done", lang.number(job.done_rows).into()), ("total", lang.number(job.total_rows).into())])) }
                                td { (outcome(lang, job)) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&session, Nav::Jobs, &lang.t("jobs-title"), content)
}

#[derive(Deserialize, Default)]
pub struct JobParams {
    /// The last row of the previous page.
    #[serde(default)]
    after: i64,
    /// `1`: only the rows that failed.
    #[serde(default)]
    failed: Option<String>,
}

/// The next rows of a job after `after`: all, or only failed ones (read on until a page is
/// full or the job ends); and the row the next page starts after, if there are more.
fn rows_page(
    store: &roster_store::Store,
    tenant_id: ObjectId,
    job_id: ObjectId,
    mut after: i64,
    failed_only: bool,
) -> roster_store::Result<(Vec<JobRow>, Option<i64>)> {
    let mut shown = Vec::new();
    loop {
        let read = if failed_only { 2000 } else { ROWS_PER_PAGE };
        let rows = store.job_rows(tenant_id, job_id, after, read)?;
        let ended = rows.len() < read;
        for row in rows {
            after = row.row_number;
            if !failed_only || row.status == "failed" {
                shown.push(row);
                if shown.len() == ROWS_PER_PAGE {
                    return Ok((shown, Some(after)));
                }
            }
        }
        if ended {
            return Ok((shown, None));
        }
        if !failed_only {
            return Ok((shown, Some(after)));
        }
    }
}

/// `GET /jobs/{id}`: a job's progress (the page reloads itself while it runs), its rows, and
/// its results file.
pub async fn job(
    session: Session,
    Path(id): Path<String>,
    Query(params): Query<JobParams>,
) -> Response {
    let lang = session.lang;
    let Ok(job_id) = ObjectId::parse(&id) else {
        return error_page(&session, StatusCode::NOT_FOUND, &lang.t("import-no-job"));
    };
    let tenant_id = session.caller.tenant_id;
    let failed_only = params.failed.as_deref() == Some("1");
    let after = params.after.max(0);
    let found = session
        .state()
        .db(move |store| {
            let job = store.job(tenant_id, job_id)?;
            // A job without failed rows has none to look for.
            let rows = if failed_only && job.failed_rows == 0 {
                (Vec::new(), None)
            } else {
                rows_page(store, tenant_id, job_id, after, failed_only)?
            };
            Ok((job, rows))
        })
        .await;
    let (job, (rows, next)) = match found {
        Ok(found) => found,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return error_page(&session, StatusCode::NOT_FOUND, &lang.t("import-no-job"));
        }
        Err(error) => return failure(&session, error),
    };
    let running = job.status == JobStatus::Running;
    let base = format!("/jobs/{job_id}");
    let filter = if failed_only { "&failed=1" } else { "" };
    let content: Markup = html! {
        @if running { meta http-equiv="refresh" content="2"; }
        p role="status" {
            (lang.t(if running { "import-running" } else { "import-finished" }))
            " "
            (lang.t_with("home-job-progress", &[("done", lang.number(job.done_rows).into()), ("total", lang.number(job.total_rows).into())]))
            @if job.failed_rows > 0 { " · " (lang.t_with("import-failed-rows", &[("failed", lang.number(job.failed_rows).into())])) }
        }
        progress.job max=(job.total_rows.max(1)) value=(job.done_rows) aria-label=(lang.t("jobs-progress")) {}
        table.properties { tbody {
            tr { th scope="row" { (lang.t("import-kind")) } td { (lang.job_kind(&job.kind)) } }
            tr { th scope="row" { (lang.t("audit-actor")) } td { (job.created_by) } }
            tr { th scope="row" { (lang.t("jobs-started")) } td { (lang.datetime(job.created)) } }
            @if let Some(finished) = job.finished { tr { th scope="row" { (lang.t("jobs-ended")) } td { (lang.datetime(finished)) } } }
        } }
        @if !running {
            p { a.button href={ (base) "/results.csv" } download { (lang.t("import-download")) } }
            @if job.created_by_id.is_some() && job.created_by_id == session.caller.principal.id() { p.warning { (lang.t("import-passwords-once")) } }
        }
        section.panel id="rows" aria-labelledby="h-rows" {
            h2 id="h-rows" { (lang.t("jobs-rows")) }
            nav.tabs aria-label=(lang.t("jobs-rows")) {
                a href={ (base) "#rows" } aria-current=[(!failed_only).then_some("page")] { (lang.t("jobs-all-rows")) }
                a href={ (base) "?failed=1#rows" } aria-current=[failed_only.then_some("page")] { (lang.t("jobs-failed-rows")) }
            }
            @if rows.is_empty() { p { (lang.t(if failed_only { "jobs-no-failed-rows" } else { "jobs-no-rows" })) } }
            @else {
                div.scroll tabindex="0" {
                    table.rows {
                        thead { tr {
                            th scope="col" { (lang.t("import-row")) } th scope="col" { (lang.t("jobs-about")) }
                            th scope="col" { (lang.t("jobs-outcome")) } th scope="col" { (lang.t("jobs-why")) }
                        } }
                        tbody {
                            @for row in &rows {
                                @let about = crate::jobs::RowKey::of(&row.input);
                                @let about = about.as_str().map(str::to_string).unwrap_or_else(|| if about.is_null() { String::new() } else { about.to_string() });
                                tr {
                                    td.number { (lang.number(row.row_number)) }
                                    td {
                                        @match row.object_id {
                                            Some(id) if job.kind != "deleteUsers" => a href={ "/users/" (id) } { (about) },
                                            _ => (about),
                                        }
                                    }
                                    td { (row_status(lang, &row.status)) }
                                    td {
                                        @if let Some(column) = &row.error_column { strong { (column) } ": " }
                                        (row.error_message.as_deref().unwrap_or(""))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            nav.pages {
                @if after > 0 { a href={ (base) "?after=0" (filter) "#rows" } { (lang.t("users-first-page")) } " " }
                @if let Some(next) = next { a rel="next" href={ (base) "?after=" (next) (filter) "#rows" } { (lang.t("users-next-page")) } }
            }
        }
    };
    page(&session, Nav::Jobs, &lang.t("import-job-title"), content)
}

/// A row's outcome in words.
fn row_status(lang: Lang, status: &str) -> Markup {
    html! {
        @match status {
            "succeeded" => (lang.t("jobs-row-succeeded")),
            "unchanged" => (lang.t("jobs-row-unchanged")),
            "failed" => span.blocked { (lang.t("jobs-row-failed")) },
            _ => span.muted { (lang.t("jobs-row-pending")) },
        }
    }
}

/// `GET /jobs/{id}/results.csv`: every row with its outcome, and the generated passwords for
/// whoever submitted the job.
pub async fn results(session: Session, Path(id): Path<String>) -> Response {
    let lang = session.lang;
    let Ok(job_id) = ObjectId::parse(&id) else {
        return error_page(&session, StatusCode::NOT_FOUND, &lang.t("import-no-job"));
    };
    let tenant_id = session.caller.tenant_id;
    let submitter = session.caller.principal.id();
    let keys = session.state().keys.clone();
    let built: Result<Vec<u8>, ApiError> = session
        .state()
        .db(move |store| {
            let job = store.job(tenant_id, job_id)?;
            let mine = job.created_by_id.is_some() && job.created_by_id == submitter;
            // Writing into memory fails only if a row cannot be written at all: an internal error.
            let failed = |error: csv::Error| {
                roster_store::Error::Database(format!("writing the results file: {error}"))
            };
            // The same rows and columns as the API's results (`GET /roster/v1/jobs/{id}/results`).
            let mut writer = roster_csv::cell::Writer::from_writer(Vec::new());
            writer
                .write_record(crate::jobs::RESULT_COLUMNS)
                .map_err(failed)?;
            let mut after = 0;
            loop {
                let rows = store.job_rows(tenant_id, job_id, after, 5000)?;
                for row in &rows {
                    let result = crate::jobs::row_result(&keys, job_id, row, mine);
                    let cells =
                        crate::jobs::RESULT_COLUMNS
                            .iter()
                            .map(|column| match &result[*column] {
                                serde_json::Value::Null => String::new(),
                                serde_json::Value::String(text) => text.clone(),
                                other => other.to_string(),
                            });
                    writer.write_record(cells).map_err(failed)?;
                }
                match rows.last() {
                    Some(last) if rows.len() == 5000 => after = last.row_number,
                    _ => break,
                }
            }
            writer.into_inner().map_err(|error| failed(error.into()))
        })
        .await;
    match built {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"roster-job-{job_id}-results.csv\""),
                ),
                (axum::http::header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            error_page(&session, StatusCode::NOT_FOUND, &lang.t("import-no-job"))
        }
        Err(error) => failure(&session, error),
    }
}
