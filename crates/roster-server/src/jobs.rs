//! Bulk jobs on the server: what each kind of row does, the worker that runs them, and
//! roster's `/roster/v1/jobs` API.
//!
//! What each kind of row does is in [`crate::bulk`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Duration;
use roster_core::access::Operation;
use roster_core::types::ObjectId;
use roster_store::{Change, Job, JobTx, RowOutcome, Store};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};

use crate::bulk;
use crate::error::{ApiError, ApiResult};
use crate::identity::keys::Keys;
use crate::identity::tokens::Caller;
use crate::state::AppState;
use crate::upload;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// How long a claim on a job lasts without renewal: after a crash, another server (or this
    /// one, restarted) takes the job over once it lapses.
    pub lease: Duration,
    /// Rows per batch of a job submitted to this server: the rows one transaction applies. The
    /// default, 2,000, holds the embedded store's writer about a fifth of a second; larger
    /// batches gained nothing (BENCHMARKS.md, issue 3).
    pub batch_rows: usize,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            lease: Duration::seconds(30),
            batch_rows: 2000,
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list))
        // A job's body is read as it arrives, capped by `upload` (not the server's body limit).
        .route(
            "/jobs/{id}",
            get(show)
                .post(submit)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/jobs/{id}/results", get(results))
        .route("/jobs/{id}/outputs", axum::routing::delete(forget_outputs))
}

/// Runs jobs: claims one, applies its rows batch by batch until it completes or the lease is lost.
pub struct Worker {
    store: Store,
    keys: Arc<Keys>,
    owner: String,
    settings: WorkerSettings,
}

impl Worker {
    /// The store the worker applies jobs to (the server's).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn new(store: Store, keys: Arc<Keys>, settings: WorkerSettings) -> Worker {
        Worker {
            store,
            keys,
            owner: format!("server-{}", ObjectId::new()),
            settings,
        }
    }

    /// Runs one job to its end, or else processes the queued groups of one tenant (dynamic
    /// membership, group-based licensing), if any are waiting; says whether it found work.
    /// Blocking.
    pub fn run_once(&self) -> roster_store::Result<bool> {
        let lease = self.settings.lease;
        let Some(job) = self.store.claim_job(&self.owner, lease)? else {
            let works = self.store.claim_group_work(&self.owner, lease)?;
            if works.is_empty() {
                return Ok(false);
            }
            return self
                .store
                .process_groups(&works, &self.owner, lease)
                .map(|_| true);
        };
        let change = Change::by(job.tenant_id, job.created_by_id, &job.created_by).in_job(job.id);
        let kind = bulk::Kind::parse(&job.kind);
        let options = bulk::Options::parse(&job.options).unwrap_or_default();
        // The next batch is prepared (parsed, validated, passwords hashed) on other threads
        // while the database applies the current one.
        let prepare = |after: i64| self.prepare_rows(&job, kind, &options, after);
        let mut ready = prepare(0)?;
        loop {
            // The submitter as they are now: blocked, deleted or without the role since the
            // last batch, they change nothing more.
            let principal = match job.created_by_id {
                Some(id) => {
                    crate::identity::tokens::principal_by_id(&self.store, job.tenant_id, id)?
                }
                None => None,
            };
            let (applied, next) = std::thread::scope(|scope| {
                let after = ready.0;
                let next = scope.spawn(move || prepare(after));
                let context = kind.map(|kind| bulk::Context {
                    kind,
                    options: &options,
                    keys: &self.keys,
                    tenant_id: job.tenant_id,
                    principal: principal.as_ref(),
                    prepared: &ready.1,
                    dry_run: false,
                });
                let mut apply = |tx: &mut JobTx<'_>, number: i64, row: &str| match &context {
                    Some(context) => seal_output(
                        &self.keys,
                        job.id,
                        number,
                        bulk::apply(context, tx, number, row),
                    ),
                    None => RowOutcome::Failed {
                        column: None,
                        message: format!("unknown job kind {}", job.kind),
                        reason: None,
                    },
                };
                let applied =
                    self.store
                        .run_job_batch(&change, job.id, &self.owner, lease, &mut apply);
                (applied, next.join().expect("preparing rows does not panic"))
            });
            if applied? == 0 {
                return Ok(true);
            }
            ready = next?;
        }
    }

    /// Prepares the job's next batch of pending rows after row `after`, on every core; returns
    /// the last row's number with the prepared rows.
    fn prepare_rows(
        &self,
        job: &Job,
        kind: Option<bulk::Kind>,
        options: &bulk::Options,
        after: i64,
    ) -> roster_store::Result<(i64, HashMap<i64, bulk::Prepared>)> {
        let Some(kind) = kind else {
            return Ok((after, HashMap::new()));
        };
        let rows = self.store.pending_job_rows(job.id, after)?;
        let last = rows.last().map_or(after, |(number, _)| *number);
        if rows.is_empty() {
            return Ok((last, HashMap::new()));
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = rows.len().div_ceil(threads);
        let keys = &self.keys;
        let prepared = std::thread::scope(|scope| {
            let workers: Vec<_> = rows
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(number, raw)| {
                                (
                                    *number,
                                    bulk::prepare(kind, options, keys, job.tenant_id, raw, false),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().expect("preparing rows does not panic"))
                .collect()
        });
        Ok((last, prepared))
    }
}

/// How long the worker waits, once woken, for more work to arrive with what woke it.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(200);

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
            // Changes that arrive together (a script creating many dynamic groups) are
            // processed together: one pass over the tenant's users for all of them.
            _ = wake.notified() => tokio::time::sleep(COALESCE).await,
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
        }
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
        // To the millisecond: a job's duration is worth knowing closely.
        "createdDateTime": job.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "finishedDateTime": job.finished.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
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

/// `DELETE /roster/v1/jobs/{id}/outputs`: the submitter has kept the generated passwords, which
/// are forgotten now (a client asks once it has written them somewhere safe).
async fn forget_outputs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.principal.authorize(Operation::ReadUsers, &[])?;
    let (tenant_id, id) = (caller.tenant_id, job_id(&id)?);
    let job = state.db(move |store| store.job(tenant_id, id)).await?;
    if job.created_by_id.is_none() || job.created_by_id != caller.principal.id() {
        return Err(ApiError::forbidden(
            "Only the job's submitter holds its generated passwords.",
        ));
    }
    let change = caller.change();
    state
        .db(move |store| store.clear_job_outputs(&change, id))
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct ResultsQuery {
    after: Option<i64>,
    top: Option<usize>,
}

/// A page of the job's rows with their outcomes. Generated passwords are shown to the job's
/// submitter only, until they say they have kept them (`DELETE .../outputs`) or a day after the
/// job finished.
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
    let submitter = job.created_by_id.is_some() && job.created_by_id == caller.principal.id();
    let items: Vec<JsonValue> = rows
        .iter()
        .map(|row| row_result(&state.keys, id, row, submitter))
        .collect();
    let last = rows.last().map(|row| row.row_number);
    let mut body = json!({ "job": job_json(&job), "value": items });
    if rows.len() == top {
        body["nextAfter"] = last.into();
    }
    Ok(Json(body).into_response())
}

/// Where a row's generated password is kept, as the context its sealing is bound to.
fn output_context(job_id: ObjectId, row_number: i64) -> String {
    format!("job {job_id} row {row_number} generated password")
}

/// A row's outcome as it is kept: its generated password sealed under the server key, so that
/// the job's tables never hold it readable (ARCHITECTURE.md, Security).
fn seal_output(keys: &Keys, job_id: ObjectId, number: i64, outcome: RowOutcome) -> RowOutcome {
    match outcome {
        RowOutcome::Succeeded {
            object_id,
            output: Some(output),
        } => {
            let sealed = output["password"]
                .as_str()
                .map(|password| keys.seal(&output_context(job_id, number), password));
            RowOutcome::Succeeded {
                object_id,
                output: sealed.map(|sealed| json!({ "password": sealed })),
            }
        }
        other => other,
    }
}

/// Seals the generated passwords an older roster kept plainly (at most a day's worth).
pub fn seal_plain_outputs(store: &roster_store::Store, keys: &Keys) -> roster_store::Result<usize> {
    store.reseal_job_outputs(&|job_id, number, password| {
        (!Keys::is_sealed(password)).then(|| keys.seal(&output_context(job_id, number), password))
    })
}

/// The columns of a job's results file, in order: the fields of [`row_result`].
pub const RESULT_COLUMNS: &[&str] = &[
    "row",
    "userPrincipalName",
    "status",
    "objectId",
    "errorColumn",
    "errorMessage",
    "generatedPassword",
];

/// One row's outcome as the results show it; its generated password (opened with the server
/// key) only for the submitter.
pub(crate) fn row_result(
    keys: &Keys,
    job_id: ObjectId,
    row: &roster_store::JobRow,
    submitter: bool,
) -> JsonValue {
    let password = row
        .output
        .as_ref()
        .filter(|_| submitter)
        .and_then(|output| output["password"].as_str())
        .and_then(|sealed| keys.open(&output_context(job_id, row.row_number), sealed));
    json!({
        "row": row.row_number,
        "status": row.status,
        "objectId": row.object_id,
        "userPrincipalName": RowKey::of(&row.input),
        "errorColumn": row.error_column,
        "errorMessage": row.error_message,
        "generatedPassword": password,
    })
}

/// Whom a row is about: `userPrincipalName` (creates) or `user` (changes), read without
/// building the whole row.
#[derive(Deserialize)]
pub(crate) struct RowKey {
    #[serde(rename = "userPrincipalName")]
    user_principal_name: Option<JsonValue>,
    user: Option<JsonValue>,
}

impl RowKey {
    pub(crate) fn of(input: &str) -> JsonValue {
        serde_json::from_str::<RowKey>(input)
            .ok()
            .and_then(|key| key.user_principal_name.or(key.user))
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct SubmitQuery {
    #[serde(rename = "dryRun", default)]
    dry_run: bool,
}

/// `POST /roster/v1/jobs/{kind}` with `{"rows": [...], "options": {...}}`: 202 with the job; or,
/// with `?dryRun=true`, 200 with what each row would do, nothing written.
///
/// The caller is authorized for the kind before a byte of the body is read, and the body is
/// read as it arrives (`upload`): a large body from someone who may not submit it costs the
/// server nothing, and one who may is held to `upload::MAX_JOB_ROWS` rows in bounded memory.
async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    Query(query): Query<SubmitQuery>,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    let kind = bulk::Kind::parse(&kind).ok_or_else(|| {
        let kinds: Vec<&str> = bulk::Kind::ALL.iter().map(|k| k.name()).collect();
        ApiError::not_found(format!(
            "There is no bulk operation '{kind}'; roster has {}.",
            kinds.join(", ")
        ))
    })?;
    for operation in bulk::Options::default().operations(kind) {
        caller.principal.authorize(operation, &[])?;
    }
    let body = request.into_body();
    if query.dry_run {
        let _reading = upload_place(&state)?;
        let limits = (upload::MAX_DRY_RUN_ROWS, upload::MAX_DRY_RUN_BYTES);
        let (rows, options_json, _) = upload::read_rows(body, limits, Vec::new()).await?;
        let outcomes = dry_run(&state, &caller, kind, rows, options_json).await?;
        let value: Vec<JsonValue> = outcomes
            .iter()
            .enumerate()
            .map(|(index, (row, outcome))| dry_run_json(index + 1, row.get(), outcome))
            .collect();
        return Ok(
            Json(json!({ "kind": kind.name(), "dryRun": true, "value": value })).into_response(),
        );
    }
    let _reading = upload_place(&state)?;
    let job = stage(&state, &caller, kind, |stager| async move {
        let limits = (upload::MAX_JOB_ROWS, upload::MAX_JOB_BYTES);
        let (stager, options, rows) = upload::read_rows(body, limits, stager).await?;
        Ok((stager, options, rows))
    })
    .await?;
    Ok((axum::http::StatusCode::ACCEPTED, Json(job_json(&job))).into_response())
}

/// A place among the uploads this server reads at once (each holds a thread while it reads),
/// or Graph's 429 to come back shortly.
fn upload_place(state: &AppState) -> ApiResult<tokio::sync::OwnedSemaphorePermit> {
    state.uploads.clone().try_acquire_owned().map_err(|_| {
        let mut error = ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            format!(
                "This server is reading {} job uploads already: try again shortly.",
                upload::CONCURRENT_UPLOADS
            ),
        );
        error.retry_after = Some(5);
        error
    })
}

/// Stores a job's rows a batch at a time as they are read, into a job no worker runs until
/// all of them are in.
struct Stager {
    store: Store,
    /// Seals a row's given password while it waits (`bulk::seal_row_password`).
    keys: Arc<Keys>,
    tenant_id: ObjectId,
    job_id: ObjectId,
    batch_rows: usize,
    batch: Vec<String>,
    first_row: usize,
}

impl upload::RowSink for Stager {
    fn row(&mut self, number: usize, row: Box<serde_json::value::RawValue>) -> ApiResult<()> {
        if self.batch.is_empty() {
            self.first_row = number;
        }
        let row = String::from(Box::<str>::from(row));
        let kept = bulk::seal_row_password(&self.keys, self.tenant_id, &row).unwrap_or(row);
        self.batch.push(kept);
        if self.batch.len() >= self.batch_rows {
            self.finish()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> ApiResult<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.store
            .stage_job_batch(self.job_id, self.first_row as i64, &self.batch)
            .map_err(ApiError::from)?;
        self.batch.clear();
        Ok(())
    }
}

/// Submits a job whose rows `read` stages, then authorizes the options it read and hands the
/// job to the workers; a job whose reading or authorization fails is dropped whole.
async fn stage<F, R>(state: &AppState, caller: &Caller, kind: bulk::Kind, read: F) -> ApiResult<Job>
where
    F: FnOnce(Stager) -> R,
    R: std::future::Future<Output = ApiResult<(Stager, JsonValue, usize)>>,
{
    let change = caller.change();
    let job_id = {
        let change = change.clone();
        state
            .db(move |store| store.stage_job(&change, kind.name()))
            .await?
    };
    let stager = Stager {
        store: state.store.clone(),
        keys: state.keys.clone(),
        tenant_id: caller.tenant_id,
        job_id,
        batch_rows: state.job_batch_rows.max(1),
        batch: Vec::new(),
        first_row: 1,
    };
    let staged = read(stager).await.and_then(|(_, options, rows)| {
        authorized_options(caller, kind, &options)?;
        Ok((options, rows))
    });
    let job = match staged {
        Ok((options, rows)) => {
            state
                .db(move |store| store.commit_staged_job(&change, job_id, &options, rows as i64))
                .await
        }
        Err(error) => Err(error),
    };
    if job.is_err() {
        state.db(move |store| store.drop_staged_job(job_id)).await?;
    }
    let job = job?;
    state.job_wake.notify_one();
    Ok(job)
}

/// A job's options, read and authorized: the caller may do everything they ask of every row
/// (each row is authorized again against its own user when it runs).
fn authorized_options(
    caller: &Caller,
    kind: bulk::Kind,
    options_json: &JsonValue,
) -> ApiResult<bulk::Options> {
    let options = bulk::Options::parse(options_json)?;
    for operation in options.operations(kind) {
        caller.principal.authorize(operation, &[])?;
    }
    Ok(options)
}

/// What each row of a job would do, writing nothing: the rows with their outcomes.
pub(crate) async fn dry_run(
    state: &AppState,
    caller: &Caller,
    kind: bulk::Kind,
    rows: Vec<Box<serde_json::value::RawValue>>,
    options_json: JsonValue,
) -> ApiResult<Vec<(Box<serde_json::value::RawValue>, RowOutcome)>> {
    let options = authorized_options(caller, kind, &options_json)?;
    let change = caller.change();
    let keys = state.keys.clone();
    let principal = caller.principal.clone();
    state
        .db(move |store| {
            let prepared = HashMap::new();
            let context = bulk::Context {
                kind,
                options: &options,
                keys: &keys,
                tenant_id: change.tenant_id,
                principal: Some(&principal),
                prepared: &prepared,
                dry_run: true,
            };
            let texts: Vec<&str> = rows.iter().map(|row| row.get()).collect();
            let mut apply =
                |tx: &mut JobTx<'_>, number: i64, row: &str| bulk::apply(&context, tx, number, row);
            let outcomes = store.dry_run_job(&change, &texts, &mut apply)?;
            Ok(rows.into_iter().zip(outcomes).collect())
        })
        .await
}

/// Submits a job of `kind`, whose rows are already in memory (the admin center's upload), for
/// the background worker, and wakes it.
pub(crate) async fn start(
    state: &AppState,
    caller: &Caller,
    kind: bulk::Kind,
    rows: Vec<Box<serde_json::value::RawValue>>,
    options_json: JsonValue,
) -> ApiResult<Job> {
    stage(state, caller, kind, |mut stager| async move {
        tokio::task::spawn_blocking(move || {
            let count = rows.len();
            for (index, row) in rows.into_iter().enumerate() {
                upload::RowSink::row(&mut stager, index + 1, row)?;
            }
            upload::RowSink::finish(&mut stager)?;
            Ok((stager, options_json, count))
        })
        .await
        .map_err(ApiError::internal)?
    })
    .await
}

fn dry_run_json(number: usize, row: &str, outcome: &RowOutcome) -> JsonValue {
    let user = RowKey::of(row);
    match outcome {
        RowOutcome::Succeeded { object_id, output } => json!({
            "row": number,
            "status": "succeeded",
            "objectId": object_id,
            "userPrincipalName": user,
            "changes": output.as_ref().and_then(|o| o.get("changes")).cloned(),
        }),
        RowOutcome::Unchanged { object_id } => json!({
            "row": number, "status": "unchanged", "objectId": object_id, "userPrincipalName": user,
        }),
        RowOutcome::Failed {
            column, message, ..
        } => json!({
            "row": number, "status": "failed", "userPrincipalName": user,
            "errorColumn": column, "errorMessage": message,
        }),
    }
}
