//! Bulk jobs on the server: what each kind of row does, the worker that runs them, and
//! roster's `/roster/v1/jobs` API.
//!
//! Kinds:
//! - `createUsers`: each row is a Graph user-create body (`userPrincipalName`, `displayName`,
//!   ... and optionally `passwordProfile`), validated exactly as `POST /v1.0/users` validates it.
//!   Options: `usageLocation` (for rows without one), `licenses` (skuIds to assign), `groups`
//!   (group ids to join). A row whose user already exists is reported unchanged, so that running
//!   the same file twice is safe. A generated password is the row's output, shown in the results
//!   once.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use roster_core::access::Operation;
use roster_core::attributes::format_datetime;
use roster_core::types::{ObjectId, SkuId, UsageLocation};
use roster_store::{Change, Job, JobTx, RowOutcome, Store};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};

use crate::auth::{Caller, Keys};
use crate::error::{ApiError, ApiResult};
use crate::graph::Body;
use crate::state::AppState;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// How long a claim on a job lasts without renewal: after a crash, another server (or this
    /// one, restarted) takes the job over once it lapses.
    pub lease: Duration,
    /// Rows per transaction.
    pub batch_rows: usize,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            lease: Duration::seconds(30),
            batch_rows: 500,
        }
    }
}

/// The largest job a request may carry: 100,000 users of a full admin-center row are about
/// 40 MB of JSON.
const MAX_JOB_BYTES: usize = 256 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list))
        .route(
            "/jobs/createUsers",
            post(submit_create_users).layer(axum::extract::DefaultBodyLimit::max(MAX_JOB_BYTES)),
        )
        .route("/jobs/{id}", get(show))
        .route("/jobs/{id}/results", get(results))
}

/// Runs jobs: claims one, applies its rows batch by batch until it completes or the lease is lost.
pub struct Worker {
    store: Store,
    keys: Arc<Keys>,
    owner: String,
    settings: WorkerSettings,
}

impl Worker {
    pub fn new(store: Store, keys: Arc<Keys>, settings: WorkerSettings) -> Worker {
        Worker {
            store,
            keys,
            owner: format!("server-{}", ObjectId::new()),
            settings,
        }
    }

    /// Runs one job to its end, if one is waiting; says whether it found one. Blocking.
    pub fn run_once(&self) -> roster_store::Result<bool> {
        let lease = self.settings.lease;
        let Some(job) = self.store.claim_job(&self.owner, lease)? else {
            return Ok(false);
        };
        let change = Change {
            tenant_id: job.tenant_id,
            actor_id: job.created_by_id,
            actor_name: job.created_by.clone(),
            client_ip: None,
            request_id: None,
            job_id: Some(job.id),
            at: chrono::Utc::now(),
        };
        let options = CreateUsersOptions::from_json(&job.options);
        let mut apply = |tx: &mut JobTx<'_>, _: i64, row: &JsonValue| match job.kind.as_str() {
            "createUsers" => create_user_row(tx, &self.keys, &options, row),
            other => RowOutcome::Failed {
                column: None,
                message: format!("unknown job kind {other}"),
            },
        };
        while self.store.run_job_batch(
            &change,
            job.id,
            &self.owner,
            lease,
            self.settings.batch_rows,
            &mut apply,
        )? > 0
        {}
        Ok(true)
    }
}

/// Runs the worker in the background until the server stops; `wake` starts it early.
pub async fn run_worker(worker: Arc<Worker>, wake: Arc<tokio::sync::Notify>) {
    loop {
        let runner = worker.clone();
        match tokio::task::spawn_blocking(move || runner.run_once()).await {
            Ok(Ok(true)) => continue,
            Ok(Ok(false)) => {}
            Ok(Err(error)) => tracing::warn!("bulk job worker: {error}"),
            Err(error) => tracing::warn!("bulk job worker panicked: {error}"),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
        }
    }
}

#[derive(Debug, Default)]
struct CreateUsersOptions {
    usage_location: Option<UsageLocation>,
    licenses: Vec<SkuId>,
    groups: Vec<ObjectId>,
}

impl CreateUsersOptions {
    fn from_json(json: &JsonValue) -> Self {
        let ids = |name: &str| -> Vec<String> {
            json[name]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        CreateUsersOptions {
            usage_location: json["usageLocation"]
                .as_str()
                .and_then(|code| UsageLocation::parse(code).ok()),
            licenses: ids("licenses")
                .iter()
                .filter_map(|id| SkuId::parse(id).ok())
                .collect(),
            groups: ids("groups")
                .iter()
                .filter_map(|id| ObjectId::parse(id).ok())
                .collect(),
        }
    }
}

/// The property an error names, from Graph's "Property X is invalid" messages.
fn property_of(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Property ")?;
    let name = rest
        .split([' ', '\'', ':', '.'])
        .find(|part| !part.is_empty())?;
    Some(name.to_string())
}

fn failed(error: impl std::fmt::Display, column: Option<String>) -> RowOutcome {
    let message = error.to_string();
    let column = column.or_else(|| property_of(&message));
    RowOutcome::Failed { column, message }
}

fn create_user_row(
    tx: &mut JobTx<'_>,
    keys: &Keys,
    options: &CreateUsersOptions,
    row: &JsonValue,
) -> RowOutcome {
    let new_user = match crate::graph::json::parse_new_user(row) {
        Ok(new_user) => new_user,
        Err(error) => return failed(error.message, None),
    };
    let mut user = new_user.user;
    match tx.user_id_by_upn(&user.user_principal_name.key()) {
        Ok(Some(existing)) => {
            return RowOutcome::Unchanged {
                object_id: Some(existing),
            };
        }
        Ok(None) => {}
        Err(error) => return failed(error, Some("userPrincipalName".into())),
    }
    if user.usage_location.is_none() {
        user.usage_location = options.usage_location;
    }
    // Passwords in the file are hashed with Argon2id here; generated ones with the server's key.
    let (hash, generated) = match new_user
        .password
        .as_ref()
        .and_then(|p| p.password.as_deref())
    {
        Some(password) => (crate::auth::hash_human_password(password), None),
        None => {
            let password = crate::auth::generate_password();
            (keys.generated_password_hash(&password), Some(password))
        }
    };
    if let Err(error) = tx.create_user(&user, Some(&hash)) {
        return failed(
            ApiError::from(error).message,
            Some("userPrincipalName".into()),
        );
    }
    if let Err(error) = tx.license_new_user(&user, &options.licenses) {
        return failed(ApiError::from(error).message, Some("licenses".into()));
    }
    for group in &options.groups {
        if let Err(error) = tx.add_new_user_to_group(*group, &user) {
            return failed(ApiError::from(error).message, Some("groups".into()));
        }
    }
    let output = generated.map(|password| json!({ "password": password }));
    RowOutcome::Succeeded {
        object_id: Some(user.id),
        output,
    }
}

fn job_json(job: &Job) -> JsonValue {
    json!({
        "id": job.id,
        "kind": job.kind,
        "status": job.status.as_str(),
        "totalRows": job.total_rows,
        "processedRows": job.done_rows,
        "failedRows": job.failed_rows,
        "createdBy": job.created_by,
        "createdDateTime": format_datetime(&job.created),
        "finishedDateTime": job.finished.as_ref().map(format_datetime),
    })
}

async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadUsers, &[])?;
    let tenant_id = caller.tenant_id;
    let jobs = state.db(move |store| store.jobs(tenant_id, 100)).await?;
    Ok(Json(json!({ "value": jobs.iter().map(job_json).collect::<Vec<_>>() })).into_response())
}

fn job_id(text: &str) -> ApiResult<ObjectId> {
    ObjectId::parse(text).map_err(|_| ApiError::not_found(format!("Job '{text}' does not exist.")))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadUsers, &[])?;
    let (tenant_id, id) = (caller.tenant_id, job_id(&id)?);
    let job = state.db(move |store| store.job(tenant_id, id)).await?;
    Ok(Json(job_json(&job)).into_response())
}

#[derive(Deserialize)]
struct ResultsQuery {
    after: Option<i64>,
    top: Option<usize>,
}

/// A page of the job's rows with their outcomes. Generated passwords are shown to the job's
/// submitter only, until the job has finished and they have read the last page; then they are
/// forgotten.
async fn results(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<ResultsQuery>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadUsers, &[])?;
    let (tenant_id, id) = (caller.tenant_id, job_id(&id)?);
    let (after, top) = (
        query.after.unwrap_or(0),
        query.top.unwrap_or(1000).clamp(1, 10_000),
    );
    let (job, rows) = state
        .db(move |store| {
            Ok((
                store.job(tenant_id, id)?,
                store.job_rows(tenant_id, id, after, top)?,
            ))
        })
        .await?;
    // Generated passwords go to whoever submitted the job, and to nobody else.
    let submitter = job.created_by_id == Some(caller.principal.id());
    let items: Vec<JsonValue> = rows
        .iter()
        .map(|row| {
            json!({
                "row": row.row_number,
                "status": row.status,
                "objectId": row.object_id,
                "userPrincipalName": row.input["userPrincipalName"],
                "errorColumn": row.error_column,
                "errorMessage": row.error_message,
                "generatedPassword": row.output.as_ref().filter(|_| submitter).map(|o| o["password"].clone()),
            })
        })
        .collect();
    let last = rows.last().map(|row| row.row_number);
    let finished = job.status == roster_store::JobStatus::Completed;
    if submitter && finished && rows.len() < top && rows.iter().any(|row| row.output.is_some()) {
        let change = caller.change();
        state
            .db(move |store| store.clear_job_outputs(&change, id))
            .await?;
    }
    let mut body = json!({ "job": job_json(&job), "value": items });
    if rows.len() == top {
        body["nextAfter"] = last.into();
    }
    Ok(Json(body).into_response())
}

async fn submit_create_users(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::CreateUser, &[])?;
    let rows = body["rows"].as_array().cloned().ok_or_else(|| {
        ApiError::bad_request(
            "The body needs 'rows': a list of user objects, as POST /v1.0/users takes them.",
        )
    })?;
    let options = body.get("options").cloned().unwrap_or_else(|| json!({}));
    if let Some(location) = options["usageLocation"].as_str() {
        UsageLocation::parse(location)?;
    }
    if options["licenses"]
        .as_array()
        .is_some_and(|l| !l.is_empty())
    {
        caller.principal.authorize(Operation::AssignLicense, &[])?;
    }
    if options["groups"].as_array().is_some_and(|g| !g.is_empty()) {
        caller
            .principal
            .authorize(Operation::ManageGroupMembers, &[])?;
    }
    for (name, parse) in [("licenses", true), ("groups", false)] {
        for item in options[name].as_array().into_iter().flatten() {
            let valid = item.as_str().is_some_and(|text| {
                if parse {
                    SkuId::parse(text).is_ok()
                } else {
                    ObjectId::parse(text).is_ok()
                }
            });
            if !valid {
                return Err(ApiError::bad_request(format!(
                    "Option {name} is invalid: {item} is not an id."
                )));
            }
        }
    }
    let change = caller.change();
    let job = state
        .db(move |store| store.submit_job(&change, "createUsers", &options, &rows))
        .await?;
    state.job_wake.notify_one();
    Ok((axum::http::StatusCode::ACCEPTED, Json(job_json(&job))).into_response())
}
