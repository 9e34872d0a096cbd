//! Bulk jobs: submitted whole, applied in batches, resumable.
//!
//! A job's rows are stored when it is submitted, a batch to a record (the rows one transaction
//! applies, as a JSON array). A worker (any server) takes the job's lease and applies the next
//! batch without outcomes in one transaction, which also appends the batch's outcomes as one
//! record. So a worker that dies leaves every batch either applied with its outcomes or
//! untouched: after the lease expires, the next worker carries on from the first batch without
//! outcomes, and no row is applied twice.
//!
//! What a row does is the caller's: [`Store::run_job_batch`] hands each row to a function that
//! changes the directory through [`JobTx`], within the batch's transaction.

use chrono::{DateTime, Duration, Utc};
use roster_core::types::ObjectId;
use serde_json::Value as Json;

use crate::authority::authorize;
use crate::db::{Deferred, Row, Tx};
use crate::{Change, Error, Result, Store, params};

mod tx;
use tx::{BatchCache, apply_row};
pub use tx::{JobTx, RowOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Submitted, or stopped half-way and waiting for a worker.
    Running,
    /// Every row has an outcome.
    Completed,
}

impl JobStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: ObjectId,
    pub tenant_id: ObjectId,
    pub created_by_id: Option<ObjectId>,
    pub kind: String,
    pub status: JobStatus,
    pub options: Json,
    pub total_rows: i64,
    pub done_rows: i64,
    pub failed_rows: i64,
    pub created_by: String,
    pub created: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct JobRow {
    pub row_number: i64,
    /// The row as submitted (JSON), without any password once applied.
    pub input: String,
    /// `pending`, `succeeded`, `unchanged` or `failed`.
    pub status: String,
    pub object_id: Option<ObjectId>,
    pub error_column: Option<String>,
    pub error_message: Option<String>,
    pub output: Option<Json>,
}

/// The rows of job `$1` that have an outcome end here (outcomes are a prefix of the rows).
const APPLIED: &str =
    "(SELECT COALESCE(MAX(last_row), 0) FROM job_batch_outcomes WHERE job_id = $1)";

/// The rows of a stored batch (a JSON array), each as the client wrote it.
fn batch_rows(first_row: i64, text: &str) -> Result<NumberedRows> {
    let rows: Vec<&serde_json::value::RawValue> = serde_json::from_str(text)
        .map_err(|error| Error::Database(format!("a stored batch of a job: {error}")))?;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(offset, row)| (first_row + offset as i64, row.get().to_string()))
        .collect())
}

/// A job's rows by number, each as the client wrote it.
type NumberedRows = Vec<(i64, String)>;

/// One row's outcome as a batch stores it: `[status, objectId, errorColumn, errorMessage]`.
type StoredOutcome = (String, Option<ObjectId>, Option<String>, Option<String>);

const JOB_COLUMNS: &str = "id, kind, status, options, total_rows, done_rows, failed_rows, created_by_name, created_at, \
     finished_at, tenant_id, created_by_id";

fn job_from_row(row: &Row) -> Result<Job> {
    Ok(Job {
        id: row.uuid(0)?.into(),
        kind: row.text(1)?,
        status: if row.text(2)? == "completed" {
            JobStatus::Completed
        } else {
            JobStatus::Running
        },
        options: row.json(3)?,
        total_rows: row.int(4)?,
        done_rows: row.int(5)?,
        failed_rows: row.int(6)?,
        created_by: row.text(7)?,
        created: row.timestamp(8)?,
        finished: row.opt_timestamp(9)?,
        tenant_id: row.uuid(10)?.into(),
        created_by_id: row.opt_uuid(11)?.map(Into::into),
    })
}

/// The row without any `password` value, if it had one.
fn without_passwords(input: &Json) -> Option<Json> {
    fn strip(value: &mut Json) -> bool {
        match value {
            Json::Object(object) => {
                let mut changed = object.remove("password").is_some();
                for nested in object.values_mut() {
                    changed |= strip(nested);
                }
                changed
            }
            Json::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| strip(item) | changed),
            _ => false,
        }
    }
    let mut copy = input.clone();
    strip(&mut copy).then_some(copy)
}

/// The first batch of a job after row `after` without outcomes: its first row's number and rows.
fn next_batch(
    tx: &mut dyn Tx,
    job_id: ObjectId,
    after: i64,
) -> Result<Option<(i64, NumberedRows)>> {
    let Some(row) = tx.query_one(
        &format!(
            "SELECT first_row, rows FROM job_batches WHERE job_id = $1 AND first_row > $2 AND first_row > {APPLIED} \
             ORDER BY first_row LIMIT 1"
        ),
        &params![job_id, after],
    )?
    else {
        return Ok(None);
    };
    let first_row = row.int(0)?;
    Ok(Some((first_row, batch_rows(first_row, &row.text(1)?)?)))
}

impl Store {
    /// Stores a job and its rows (each a JSON object of its own, as text) for a worker to apply,
    /// `batch_rows` to a batch: the rows that one transaction applies. The rows are all at hand
    /// here; the server stages a job it reads a batch at a time ([`Store::stage_job`]).
    pub fn submit_job(
        &self,
        change: &Change,
        kind: &str,
        options: &Json,
        rows: &[&str],
        batch_rows: usize,
    ) -> Result<Job> {
        let id = self.stage_job(change, kind)?;
        let batch_rows = batch_rows.max(1);
        for (index, batch) in rows.chunks(batch_rows).enumerate() {
            let batch: Vec<String> = batch.iter().map(|row| row.to_string()).collect();
            self.stage_job_batch(id, (index * batch_rows + 1) as i64, &batch)?;
        }
        self.commit_staged_job(change, id, options, rows.len() as i64)
    }

    /// Starts a job whose rows arrive a batch at a time (an upload read as it comes): it is
    /// kept as `submitting`, which no worker claims and no list shows, until
    /// [`Store::commit_staged_job`]. An upload that fails half-way is dropped
    /// ([`Store::drop_staged_job`], or by the hourly upkeep after a crash), so that nothing of a
    /// half-read job is ever run.
    pub fn stage_job(&self, change: &Change, kind: &str) -> Result<ObjectId> {
        let id = ObjectId::new();
        self.pool.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO jobs ({JOB_COLUMNS}) VALUES ($1, $2, 'submitting', '{{}}', 0, 0, 0, $3, $4, NULL, $5, $6)"
                ),
                &params![id, kind, change.actor_name.clone(), change.at, change.tenant_id, change.actor_id],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Adds a batch of rows (JSON objects, numbered from `first_row`) to a staged job.
    pub fn stage_job_batch(&self, job_id: ObjectId, first_row: i64, rows: &[String]) -> Result<()> {
        self.pool.write(|tx| {
            let staged = tx.query_one(
                "SELECT 1 FROM jobs WHERE id = $1 AND status = 'submitting'",
                &params![job_id],
            )?;
            if staged.is_none() {
                return Err(Error::NotFound {
                    kind: "staged job",
                    id: job_id.to_string(),
                });
            }
            tx.execute(
                "INSERT INTO job_batches (job_id, first_row, rows) VALUES ($1, $2, $3)",
                &params![job_id, first_row, format!("[{}]", rows.join(","))],
            )?;
            Ok(())
        })
    }

    /// Hands a staged job, whole, to the workers, with its audit record.
    pub fn commit_staged_job(
        &self,
        change: &Change,
        job_id: ObjectId,
        options: &Json,
        total_rows: i64,
    ) -> Result<Job> {
        self.pool.write(|tx| {
            let kind = tx
                .query_one(
                    "SELECT kind FROM jobs WHERE id = $1 AND tenant_id = $2 AND status = 'submitting'",
                    &params![job_id, change.tenant_id],
                )?
                .map(|row| row.text(0)).transpose()?
                .ok_or_else(|| Error::NotFound { kind: "staged job", id: job_id.to_string() })?;
            tx.execute(
                "UPDATE jobs SET status = 'running', options = $2, total_rows = $3 WHERE id = $1",
                &params![job_id, options.to_string(), total_rows],
            )?;
            // Submitting changes nothing yet: each row is authorized when it is applied. The
            // submitter must still be one who can make changes.
            let change = &authorize(tx, change, &[], None)?;
            crate::audit(
                tx,
                change,
                &format!("Submit bulk job {kind}"),
                Some((job_id, &kind)),
                None,
                Some(serde_json::json!({ "rows": total_rows, "options": options })),
            )
        })?;
        self.job(change.tenant_id, job_id)
    }

    /// Drops a staged job and the rows it had received.
    pub fn drop_staged_job(&self, job_id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            tx.execute("DELETE FROM job_batches WHERE job_id = $1 AND job_id IN (SELECT id FROM jobs WHERE status = 'submitting')", &params![job_id])?;
            tx.execute("DELETE FROM jobs WHERE id = $1 AND status = 'submitting'", &params![job_id])?;
            Ok(())
        })
    }

    /// Drops the jobs still being submitted since before `cutoff`: uploads a crash cut short.
    pub fn drop_staged_jobs_before(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        self.pool.write(|tx| {
            tx.execute(
                "DELETE FROM job_batches WHERE job_id IN (SELECT id FROM jobs WHERE status = 'submitting' AND created_at < $1)",
                &params![cutoff],
            )?;
            tx.execute("DELETE FROM jobs WHERE status = 'submitting' AND created_at < $1", &params![cutoff])
        })
    }

    pub fn job(&self, tenant_id: ObjectId, id: ObjectId) -> Result<Job> {
        self.pool.read(|tx| {
            tx.query_one(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2 AND status <> 'submitting'"),
                &params![tenant_id, id],
            )?
            .map(|row| job_from_row(&row))
            .transpose()?
            .ok_or_else(|| Error::NotFound {
                kind: "job",
                id: id.to_string(),
            })
        })
    }

    /// The tenant's jobs, newest first.
    pub fn jobs(&self, tenant_id: ObjectId, limit: usize) -> Result<Vec<Job>> {
        self.pool.read(|tx| {
            tx
                .query(
                    &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND status <> 'submitting' ORDER BY created_at DESC, id DESC LIMIT $2"),
                    &params![tenant_id, limit as i64],
                )?
                .iter()
                .map(job_from_row)
                .collect::<Result<_>>()
        })
    }

    /// Up to `limit` of a job's rows from `after` (exclusive), in order, with their outcomes.
    pub fn job_rows(
        &self,
        tenant_id: ObjectId,
        id: ObjectId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<JobRow>> {
        let last = after.saturating_add(limit as i64);
        self.pool.read(|tx| {
            if tx.query_one("SELECT 1 FROM jobs WHERE tenant_id = $1 AND id = $2 AND status <> 'submitting'", &params![tenant_id, id])?.is_none() {
                return Err(Error::NotFound { kind: "job", id: id.to_string() });
            }
            // The batches that hold rows `after + 1` to `last`.
            let batches = tx.query(
                "SELECT b.first_row, b.rows, o.outcomes, o.outputs FROM job_batches b \
                 LEFT JOIN job_batch_outcomes o ON o.job_id = b.job_id AND o.first_row = b.first_row \
                 WHERE b.job_id = $1 AND b.first_row <= $3 AND b.first_row >= \
                 (SELECT COALESCE(MAX(first_row), 0) FROM job_batches WHERE job_id = $1 AND first_row <= $2) \
                 ORDER BY b.first_row",
                &params![id, after + 1, last],
            )?;
            let mut rows = Vec::new();
            for batch in &batches {
                let inputs = batch_rows(batch.int(0)?, &batch.text(1)?)?;
                let outcomes: Vec<StoredOutcome> = match batch.opt_text(2)? {
                    Some(text) => serde_json::from_str(&text).map_err(|error| {
                        Error::Database(format!("the stored outcomes of a job: {error}"))
                    })?,
                    None => Vec::new(),
                };
                let mut outputs: std::collections::HashMap<i64, Json> =
                    batch.opt_json(3)?.unwrap_or_default();
                for (index, (number, input)) in inputs.into_iter().enumerate() {
                    if number <= after || number > last {
                        continue;
                    }
                    let (status, object_id, error_column, error_message) = match outcomes.get(index) {
                        Some(outcome) => outcome.clone(),
                        None => ("pending".to_string(), None, None, None),
                    };
                    rows.push(JobRow {
                        row_number: number,
                        input,
                        status,
                        object_id,
                        error_column,
                        error_message,
                        output: outputs.remove(&number),
                    });
                }
            }
            Ok(rows)
        })
    }

    /// Takes the lease of the oldest unfinished job whose lease is free or expired, for `lease`.
    /// Two workers asking at once never both get the same job: the update re-checks the lease.
    pub fn claim_job(&self, owner: &str, lease: Duration) -> Result<Option<Job>> {
        let now = Utc::now();
        self.pool.write(|tx| {
            let Some(candidate) = tx.query_one(
                "SELECT id FROM jobs WHERE status = 'running' AND (lease_until IS NULL OR lease_until < $1) \
                 ORDER BY created_at, id LIMIT 1",
                &params![now],
            )?
            else {
                return Ok(None);
            };
            let id = ObjectId::from(candidate.uuid(0)?);
            let taken = tx.execute(
                "UPDATE jobs SET lease_owner = $2, lease_until = $3 \
                 WHERE id = $1 AND status = 'running' AND (lease_until IS NULL OR lease_until < $4)",
                &params![id, owner, now + lease, now],
            )?;
            if taken == 0 {
                return Ok(None);
            }
            tx
                .query_one(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"), &params![id])?
                .map(|row| job_from_row(&row))
                .transpose()
        })
    }

    /// Applies the next pending batch of a job whose lease `owner` holds, in one transaction, and
    /// renews the lease. Returns how many rows it applied; 0 means the job is complete (or the
    /// lease was lost to another worker).
    pub fn run_job_batch(
        &self,
        change: &Change,
        job_id: ObjectId,
        owner: &str,
        lease: Duration,
        apply: &mut dyn FnMut(&mut JobTx<'_>, i64, &str) -> RowOutcome,
    ) -> Result<usize> {
        match self.job_batch(change, job_id, owner, lease, apply, false) {
            Err(Error::BatchNeedsSavepoints) => {
                self.job_batch(change, job_id, owner, lease, apply, true)
            }
            other => other,
        }
    }

    fn job_batch(
        &self,
        change: &Change,
        job_id: ObjectId,
        owner: &str,
        lease: Duration,
        apply: &mut dyn FnMut(&mut JobTx<'_>, i64, &str) -> RowOutcome,
        careful: bool,
    ) -> Result<usize> {
        self.pool.write(|tx| {
            let now = Utc::now();
            let held = tx.execute(
                "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
                &params![job_id, owner, now + lease],
            )?;
            if held == 0 {
                return Ok(0);
            }
            let Some((first_row, pending)) = next_batch(&mut *tx, job_id, 0)? else {
                return Ok(0);
            };
            // The submitter as it stands now; each row's change is authorized for it.
            let principal = crate::authority::principal_or_nobody(&mut *tx, change)?;
            // What follows the rows (members audited, licenses and dynamic groups worked out)
            // is done under the batch's change, whose rows were each authorized.
            let batch = crate::authority::authorize_as(&mut *tx, change, &principal, &[], None)?;
            let (mut done, mut failed) = (0i64, 0i64);
            let mut cache = BatchCache { careful, ..BatchCache::default() };
            let mut outcomes: Vec<StoredOutcome> = Vec::with_capacity(pending.len());
            let mut outputs = serde_json::Map::new();
            // The rows as they are kept once applied: without any password the file gave.
            let mut kept: Vec<String> = Vec::new();
            let mut redacted = false;
            // Run fast, the batch's new rows are held back and inserted together at the end.
            let mut deferred = Deferred::new(&mut *tx, !careful);
            for (number, input) in &pending {
                let outcome = apply_row(&mut deferred, change, &principal, &mut cache, apply, *number, input)?;
                outcomes.push(match outcome {
                    // Of a row's output, only a generated password is kept (for its one showing);
                    // what changed is in the audit log.
                    RowOutcome::Succeeded { object_id, output } => {
                        if let Some(password) = output.as_ref().and_then(|o| o.get("password")) {
                            outputs.insert(number.to_string(), serde_json::json!({ "password": password }));
                        }
                        ("succeeded".into(), object_id, None, None)
                    }
                    RowOutcome::Unchanged { object_id } => ("unchanged".into(), object_id, None, None),
                    RowOutcome::Failed {
                        column, message, ..
                    } => {
                        failed += 1;
                        ("failed".into(), None, column, Some(message))
                    }
                });
                done += 1;
                // A password given in the file has served its purpose: keep the row without it.
                // (Only a row that says "password", or escapes a character, can have one as a key.)
                let may_have_password = input.contains("password") || input.contains("\\u");
                match may_have_password
                    .then(|| serde_json::from_str::<Json>(input).ok().and_then(|json| without_passwords(&json)))
                    .flatten()
                {
                    Some(json) => {
                        redacted = true;
                        kept.push(json.to_string());
                    }
                    None => kept.push(input.clone()),
                }
            }
            cache.audit_new_members(&mut deferred, &batch)?;
            // A held row that cannot be inserted (a duplicate key two rows of the batch shared)
            // fails the batch, which runs again carefully.
            deferred.flush().map_err(|error| match error {
                Error::UniqueViolation { .. } | Error::CheckViolation(_) if !careful => Error::BatchNeedsSavepoints,
                other => other,
            })?;
            drop(deferred);
            cache.commit_seats(&mut *tx, &batch)?;
            for user_id in std::mem::take(&mut cache.to_license) {
                crate::follow_up::follow_up(&mut *tx, &batch, crate::follow_up::Changed::Membership(user_id))?;
            }
            if let Some(dynamic) = cache.dynamic.clone() {
                // New users joining dynamic groups are audited per group, as other new members.
                let mut audited = crate::dynamic::MembershipChanges::gathered();
                for user in std::mem::take(&mut cache.to_evaluate) {
                    crate::dynamic::reevaluate_user(&mut *tx, &batch, &dynamic, &user, &mut audited)?;
                }
                audited.write(&mut *tx, &batch)?;
            }
            let outcomes = serde_json::to_string(&outcomes)
                .map_err(|error| Error::Database(format!("a batch's outcomes: {error}")))?;
            let last_row = first_row + pending.len() as i64 - 1;
            tx.execute(
                "INSERT INTO job_batch_outcomes (job_id, first_row, last_row, outcomes, outputs) VALUES ($1, $2, $3, $4, $5)",
                &params![
                    job_id,
                    first_row,
                    last_row,
                    outcomes,
                    (!outputs.is_empty()).then(|| Json::Object(outputs).to_string())
                ],
            )?;
            if redacted {
                tx.execute(
                    "UPDATE job_batches SET rows = $3 WHERE job_id = $1 AND first_row = $2",
                    &params![job_id, first_row, format!("[{}]", kept.join(","))],
                )?;
            }
            let remaining = tx
                .query_one(
                    "UPDATE jobs SET done_rows = done_rows + $2, failed_rows = failed_rows + $3 WHERE id = $1 \
                     RETURNING total_rows - done_rows",
                    &params![job_id, done, failed],
                )?
                .map_or(Ok(0), |row| row.int(0))?;
            if remaining == 0 {
                tx.execute(
                    "UPDATE jobs SET status = 'completed', finished_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1",
                    &params![job_id, now],
                )?;
            }
            Ok(pending.len())
        })
    }

    /// The rows of a job's next batch after row `after` that has no outcome yet (what the coming
    /// transaction will apply), so that slow work for them (hashing passwords, preparing rows)
    /// can be done outside the batches' transactions. Empty when no batch is left.
    pub fn pending_job_rows(&self, job_id: ObjectId, after: i64) -> Result<NumberedRows> {
        self.pool.read(|tx| {
            Ok(next_batch(tx, job_id, after)?
                .map(|(_, rows)| rows)
                .unwrap_or_default())
        })
    }

    /// Runs rows as a job would, each in its savepoint, and rolls everything back: what each row
    /// would do, with nothing written.
    pub fn dry_run_job(
        &self,
        change: &Change,
        rows: &[&str],
        apply: &mut dyn FnMut(&mut JobTx<'_>, i64, &str) -> RowOutcome,
    ) -> Result<Vec<RowOutcome>> {
        let mut outcomes = Vec::with_capacity(rows.len());
        let result = self.pool.write(|tx| {
            // A transaction run again (after a deadlock) starts its outcomes afresh.
            outcomes.clear();
            let mut cache = BatchCache {
                careful: true,
                ..BatchCache::default()
            };
            let principal = crate::authority::principal_or_nobody(&mut *tx, change)?;
            for (index, input) in rows.iter().enumerate() {
                let number = index as i64 + 1;
                outcomes.push(apply_row(
                    tx, change, &principal, &mut cache, apply, number, input,
                )?);
            }
            Err::<(), _>(Error::RolledBack)
        });
        match result {
            Err(Error::RolledBack) => Ok(outcomes),
            Err(error) => Err(error),
            Ok(()) => unreachable!("a dry run always rolls back"),
        }
    }

    /// Forgets the outputs (generated passwords) of every job that finished before `cutoff`.
    pub fn forget_job_outputs_before(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        self.pool.write(|tx| {
            tx.execute(
                "UPDATE job_batch_outcomes SET outputs = NULL WHERE outputs IS NOT NULL AND job_id IN \
                 (SELECT id FROM jobs WHERE status = 'completed' AND finished_at < $1)",
                &params![cutoff],
            )
        })
    }

    /// Forgets the outputs of a job's rows (generated passwords), once they have been handed out.
    pub fn clear_job_outputs(&self, change: &Change, id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            tx.execute(
                "UPDATE job_batch_outcomes SET outputs = NULL \
                 WHERE job_id = $1 AND outputs IS NOT NULL AND job_id IN (SELECT id FROM jobs WHERE tenant_id = $2)",
                &params![id, change.tenant_id],
            )?;
            Ok(())
        })
    }

    /// Rewrites each kept generated password that `reseal` (given the job, the row and the
    /// password as kept) returns a new form of; the others stay. Returns how many changed.
    pub fn reseal_job_outputs(
        &self,
        reseal: &dyn Fn(ObjectId, i64, &str) -> Option<String>,
    ) -> Result<usize> {
        self.pool.write(|tx| {
            let kept = tx.query(
                "SELECT job_id, first_row, outputs FROM job_batch_outcomes WHERE outputs IS NOT NULL",
                &[],
            )?;
            let mut changed = 0;
            for batch in &kept {
                let (job_id, first_row) = (ObjectId::from(batch.uuid(0)?), batch.int(1)?);
                let Json::Object(mut outputs) = batch.json::<Json>(2)? else {
                    return Err(Error::Database("the stored outputs of a job batch are not an object".into()));
                };
                let mut batch_changed = false;
                for (number, output) in outputs.iter_mut() {
                    let (Ok(number), Some(password)) = (number.parse::<i64>(), output["password"].as_str()) else {
                        continue;
                    };
                    if let Some(new) = reseal(job_id, number, password) {
                        output["password"] = new.into();
                        batch_changed = true;
                        changed += 1;
                    }
                }
                if batch_changed {
                    tx.execute(
                        "UPDATE job_batch_outcomes SET outputs = $3 WHERE job_id = $1 AND first_row = $2",
                        &params![job_id, first_row, Json::Object(outputs).to_string()],
                    )?;
                }
            }
            Ok(changed)
        })
    }
}

#[cfg(test)]
mod tests;
