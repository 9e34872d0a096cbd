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
use roster_core::access::{Operation, Principal};
use roster_core::directory::{LicenseAssignment, PasswordHash, User};
use roster_core::refusal::Reason;
use roster_core::types::{ObjectId, SkuId};
use serde_json::Value as Json;

use crate::authority::{Authorized, authorize};
use crate::db::{Deferred, Row, Tx};
use crate::user_rows::UserKey;
use crate::{Change, Error, Result, Store, params};

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

/// What became of one row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    Succeeded {
        object_id: Option<ObjectId>,
        output: Option<Json>,
    },
    /// The row asked for what was already so (a re-run of the same file).
    Unchanged { object_id: Option<ObjectId> },
    Failed {
        column: Option<String>,
        message: String,
        /// Why, for the admin center to word a dry run's row; only the message is kept with
        /// the job.
        reason: Option<Box<Reason>>,
    },
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

/// The directory changes a job's row may make, inside the batch's transaction. Each is
/// authorized there, for the job's submitter as the batch's transaction reads it (a submitter
/// demoted, blocked or deleted since submitting changes nothing more).
pub struct JobTx<'a> {
    tx: &'a mut dyn Tx,
    change: &'a Change,
    principal: &'a Principal,
    cache: &'a mut BatchCache,
    /// Whether the row has used the database (a failure after that may have left changes).
    touched: bool,
}

/// What the rows of one batch look up alike, looked up once: domains, subscriptions, groups.
/// (Only what no row of the batch changes: seat counts are always taken from the table.)
#[derive(Default)]
struct BatchCache {
    domains: std::collections::HashSet<String>,
    subscriptions: std::collections::HashMap<SkuId, Option<roster_core::directory::Subscription>>,
    groups: std::collections::HashMap<ObjectId, roster_core::directory::Group>,
    /// New users added to groups by this batch's rows, audited per group when the batch ends.
    new_members: Vec<(ObjectId, ObjectId)>,
    /// Whether rows run in savepoints (see [`apply_row`]): then each seat is taken as it is
    /// given, so that a row rolled back gives its seat back.
    careful: bool,
    /// Seats given to new users by this fast batch's rows, per subscription, taken together
    /// when the batch ends ([`BatchCache::commit_seats`]).
    seats_taken: std::collections::HashMap<SkuId, i64>,
    /// Whether each group the batch adds new users to gives licenses.
    licensed_groups: std::collections::HashMap<ObjectId, bool>,
    /// New users of this fast batch that joined a licensed group: licensed once the batch's
    /// held rows are in.
    to_license: Vec<ObjectId>,
    /// The tenant's dynamic groups, read at the batch's first new user.
    dynamic: Option<std::sync::Arc<crate::dynamic::DynamicGroups>>,
    /// New users of this fast batch to test against the dynamic groups once its held rows are in.
    to_evaluate: Vec<User>,
}

/// Members listed in one "Add members to group" audit record, at most.
const MEMBERS_PER_AUDIT_RECORD: usize = 1000;

impl BatchCache {
    /// Takes the seats this batch's rows gave, in one statement per subscription that checks
    /// that they are still free: if another transaction took them since the batch counted them,
    /// the batch runs again carefully, a seat at a time.
    fn commit_seats(&mut self, tx: &mut dyn Tx, change: &Authorized) -> Result<()> {
        for (sku_id, taken) in std::mem::take(&mut self.seats_taken) {
            let updated = tx.execute(
                "UPDATE subscriptions SET consumed_units = consumed_units + $3 \
                 WHERE tenant_id = $1 AND sku_id = $2 AND consumed_units + $3 <= enabled_units",
                &params![change.tenant_id, sku_id, taken],
            )?;
            if updated == 0 {
                return Err(Error::BatchNeedsSavepoints);
            }
        }
        Ok(())
    }

    /// Writes one audit record per group (per thousand members) for the new users the batch
    /// added to it: a bulk import of 100,000 users into two groups records 200 changes to
    /// groups, each listing its members, rather than 200,000.
    fn audit_new_members(&mut self, tx: &mut dyn Tx, change: &Authorized) -> Result<()> {
        let mut by_group: Vec<(ObjectId, Vec<ObjectId>)> = Vec::new();
        for (group, member) in std::mem::take(&mut self.new_members) {
            match by_group.iter_mut().find(|(id, _)| *id == group) {
                Some((_, members)) => members.push(member),
                None => by_group.push((group, vec![member])),
            }
        }
        for (group_id, members) in by_group {
            let name = self
                .groups
                .get(&group_id)
                .map_or_else(String::new, |g| g.display_name.clone());
            for chunk in members.chunks(MEMBERS_PER_AUDIT_RECORD) {
                crate::audit(
                    tx,
                    change,
                    "Add members to group",
                    Some((group_id, &name)),
                    None,
                    Some(serde_json::json!({ "members": chunk })),
                )?;
            }
        }
        Ok(())
    }
}

impl<'a> JobTx<'a> {
    pub fn change(&self) -> &Change {
        self.change
    }

    /// The job's change authorized for `operations` on `target`, in the batch's transaction.
    fn authorize(
        &mut self,
        operations: &[Operation],
        target: Option<ObjectId>,
    ) -> Result<Authorized<'a>> {
        // Authorizing only reads: a row refused here leaves nothing a fast batch must undo.
        let authorized = crate::authority::authorize_as(
            self.tx,
            self.change,
            self.principal,
            operations,
            target,
        )?;
        self.touched = true;
        Ok(authorized)
    }

    pub fn find_user(&mut self, key: &UserKey) -> Result<Option<User>> {
        self.touched = true;
        crate::user_rows::find_user(self.tx, self.change.tenant_id, key, false)
    }

    /// A live user without its licenses (left empty): for changes that do not touch them.
    pub fn find_user_properties(&mut self, key: &UserKey) -> Result<Option<User>> {
        self.touched = true;
        crate::user_rows::find_user_properties(self.tx, self.change.tenant_id, key, false)
    }

    /// The id of the live user with this user principal name, if there is one.
    pub fn user_id_by_upn(&mut self, upn_key: &str) -> Result<Option<ObjectId>> {
        self.touched = true;
        self.tx
            .query_one(
                "SELECT id FROM users WHERE tenant_id = $1 AND upn_key = $2 AND deleted_at IS NULL",
                &params![self.change.tenant_id, upn_key],
            )?
            .map(|row| row.uuid(0).map(Into::into))
            .transpose()
    }

    pub fn create_user(&mut self, user: &User, password: Option<&PasswordHash>) -> Result<()> {
        let prepared =
            crate::user_rows::prepare_user(self.change.tenant_id, user.clone(), password);
        self.create_prepared_user(&prepared)
    }

    /// Creates a user made ready by [`crate::prepare_user`].
    pub fn create_prepared_user(&mut self, prepared: &crate::PreparedUser) -> Result<()> {
        let change = self.authorize(&[Operation::CreateUser], None)?;
        let upn = &prepared.user.user_principal_name;
        let domain = upn.domain().to_string();
        if !self.cache.domains.contains(&domain) {
            crate::user_rows::check_domain(self.tx, self.change.tenant_id, upn)?;
            self.cache.domains.insert(domain);
        }
        crate::users::insert_prepared_user(self.tx, &change, prepared)
    }

    /// Ends a new user's row (created, licensed, added to its groups): it joins the dynamic
    /// groups whose rules take it in, now or, in a fast batch, once the batch's rows are in.
    pub fn new_user_done(&mut self, user: &User) -> Result<()> {
        if self.cache.dynamic.is_none() {
            self.cache.dynamic = Some(crate::dynamic::dynamic_groups(
                self.tx,
                self.change.tenant_id,
            )?);
        }
        let dynamic = self.cache.dynamic.clone().unwrap_or_default();
        if dynamic.groups.is_empty() {
            return Ok(());
        }
        if self.cache.careful {
            let change = self.authorize(&[], None)?;
            crate::dynamic::reevaluate_user(
                self.tx,
                &change,
                &dynamic,
                user,
                &mut crate::dynamic::MembershipChanges::one_by_one(),
            )
        } else {
            self.cache.to_evaluate.push(user.clone());
            Ok(())
        }
    }

    /// Gives a user just created by [`JobTx::create_prepared_user`] the licenses it was made with
    /// (`user.licenses`, which its creation's audit record lists), under `assignLicense`'s rules
    /// (usage location, plan rules, seats). Its row, made with [`crate::PreparedUser::licensed_next`],
    /// already counts them (`active_licenses`): a row that cannot be given them fails whole.
    pub fn license_new_user(&mut self, user: &User) -> Result<()> {
        self.touched = true;
        let assignments = &user.licenses;
        if assignments.is_empty() {
            return Ok(());
        }
        self.authorize(&[Operation::AssignLicense], None)?;
        let Some(location) = user.usage_location else {
            return Err(Error::NoUsageLocation);
        };
        let skus: Vec<SkuId> = assignments.iter().map(|a| a.sku_id).collect();
        let mut subscriptions = Vec::with_capacity(skus.len());
        for sku_id in &skus {
            if !self.cache.subscriptions.contains_key(sku_id) {
                let found =
                    crate::licenses::find_subscription(self.tx, self.change.tenant_id, *sku_id)?;
                self.cache.subscriptions.insert(*sku_id, found);
            }
            let subscription = self.cache.subscriptions[sku_id]
                .clone()
                .ok_or(Error::License(
                    roster_core::licensing::LicenseViolation::UnknownSku(sku_id.as_uuid()),
                ))?;
            if subscription.capability_status != "Enabled" {
                return Err(crate::licenses::not_enabled(&subscription));
            }
            subscriptions.push(subscription);
        }
        roster_core::licensing::check_assignments(
            roster_core::catalog::Catalog::builtin(),
            location.as_str(),
            &roster_core::licensing::rule_input(assignments),
        )?;
        for (subscription, assignment) in subscriptions.iter().zip(assignments) {
            if self.cache.careful {
                crate::licenses::take_seat(self.tx, self.change.tenant_id, subscription)?;
            } else {
                // Counted against the seats free when the batch first looked, taken at its end.
                let taken = self
                    .cache
                    .seats_taken
                    .entry(subscription.sku_id)
                    .or_default();
                if subscription.consumed_units + *taken >= subscription.enabled_units {
                    return Err(Error::OutOfSeats {
                        sku_part_number: subscription.sku_part_number.clone(),
                    });
                }
                *taken += 1;
            }
            self.tx.insert_later(
                "INSERT INTO license_assignments (user_id, sku_id, tenant_id, disabled_plans, assigned_at) VALUES ($1, $2, $3, $4, $5)",
                &params![
                    user.id,
                    subscription.sku_id,
                    self.change.tenant_id,
                    crate::license_rows::plans_json(&assignment.disabled_plans),
                    self.change.at
                ],
            )?;
        }
        Ok(())
    }

    /// Adds a user created in this batch to a group.
    pub fn add_new_user_to_group(&mut self, group_id: ObjectId, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::ManageGroupMembers], None)?;
        if !self.cache.groups.contains_key(&group_id) {
            let group = crate::groups::require_group(self.tx, self.change.tenant_id, group_id)?;
            self.cache.groups.insert(group_id, group);
        }
        let group = &self.cache.groups[&group_id];
        let licensed = match self.cache.licensed_groups.get(&group_id) {
            Some(licensed) => *licensed,
            None => {
                let licensed = crate::licenses::group_has_licenses(self.tx, group_id)?;
                self.cache.licensed_groups.insert(group_id, licensed);
                licensed
            }
        };
        crate::groups::insert_member_row(self.tx, group, user.id, "user", false)?;
        self.cache.new_members.push((group_id, user.id));
        if licensed {
            if self.cache.careful {
                // Its rows are in already: licensed now, inside the row's savepoint.
                crate::follow_up::follow_up(
                    self.tx,
                    &change,
                    crate::follow_up::Changed::Membership(user.id),
                )?;
            } else {
                self.cache.to_license.push(user.id);
            }
        }
        Ok(())
    }
}

impl JobTx<'_> {
    // The store's use cases, inside the batch's transaction: a bulk row does exactly what the
    // same request to the API would.

    /// A user in the recycle bin, by id or by user principal name (refused when several deleted
    /// users share the name: the row must then name its user by id).
    pub fn find_deleted_user(&mut self, key: &UserKey) -> Result<Option<User>> {
        self.touched = true;
        match key {
            UserKey::Id(id) => {
                crate::user_rows::find_user(self.tx, self.change.tenant_id, &UserKey::Id(*id), true)
            }
            UserKey::Upn(upn) => {
                crate::user_rows::find_deleted_by_upn(self.tx, self.change.tenant_id, upn)
            }
        }
    }

    /// Applies `update`; returns what changed (`{"before": ..., "after": ...}`, as audited), or
    /// `None` when nothing would (and nothing was written).
    pub fn update_user(
        &mut self,
        user: &User,
        update: &roster_core::requests::UserUpdate,
    ) -> Result<Option<serde_json::Value>> {
        let change = self.authorize(&update.operations(), Some(user.id))?;
        Ok(crate::users::update_user_from(self.tx, &change, user, update)?.1)
    }

    pub fn revoke_sign_in_sessions(&mut self, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::RevokeSessions], Some(user.id))?;
        crate::users::revoke_sign_in_sessions(self.tx, &change, &UserKey::Id(user.id)).map(drop)
    }

    pub fn delete_user(&mut self, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::DeleteUser], Some(user.id))?;
        crate::users::delete_user(self.tx, &change, &UserKey::Id(user.id)).map(drop)
    }

    pub fn restore_user(&mut self, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::RestoreUser], Some(user.id))?;
        crate::users::restore_user(self.tx, &change, user.id).map(drop)
    }

    pub fn purge_user(&mut self, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::PurgeUser], Some(user.id))?;
        crate::users::purge(self.tx, &change, user.id)
    }

    pub fn set_manager(&mut self, user: &User, manager: Option<ObjectId>) -> Result<()> {
        let change = self.authorize(&[Operation::UpdateUser], Some(user.id))?;
        crate::users::set_manager(self.tx, &change, &UserKey::Id(user.id), manager)
    }

    pub fn assign_licenses(
        &mut self,
        user: &User,
        add: &[LicenseAssignment],
        remove: &[SkuId],
    ) -> Result<User> {
        let change = self.authorize(&[Operation::AssignLicense], None)?;
        crate::licenses::assign_licenses_tx(self.tx, &change, &UserKey::Id(user.id), add, remove)
    }

    /// A live group of the tenant (looked up once per batch).
    pub fn group(&mut self, group_id: ObjectId) -> Result<roster_core::directory::Group> {
        self.touched = true;
        if !self.cache.groups.contains_key(&group_id) {
            let group = crate::groups::require_group(self.tx, self.change.tenant_id, group_id)?;
            self.cache.groups.insert(group_id, group);
        }
        Ok(self.cache.groups[&group_id].clone())
    }

    pub fn is_member(&mut self, group_id: ObjectId, member_id: ObjectId) -> Result<bool> {
        self.touched = true;
        Ok(self
            .tx
            .query_one(
                "SELECT 1 FROM group_members WHERE group_id = $1 AND member_id = $2",
                &params![group_id, member_id],
            )?
            .is_some())
    }

    pub fn add_member(&mut self, group_id: ObjectId, member_id: ObjectId) -> Result<()> {
        let group = self.group(group_id)?;
        let change = self.authorize(&[Operation::ManageGroupMembers], None)?;
        crate::groups::add_member(self.tx, &change, &group, member_id)
    }

    pub fn remove_member(&mut self, group_id: ObjectId, member_id: ObjectId) -> Result<()> {
        let change = self.authorize(&[Operation::ManageGroupMembers], None)?;
        crate::groups::remove_link(
            self.tx,
            &change,
            group_id,
            member_id,
            crate::groups::Link::Member,
        )
    }
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

/// Applies one row. Carefully, in a savepoint, so that a failed row leaves no trace but its
/// outcome; or, first, without one (savepoints dominate a batch's cost in SQLite), which is safe
/// while no row fails after touching the database: one that does sends the whole batch back to
/// be run carefully.
fn apply_row(
    tx: &mut dyn Tx,
    change: &Change,
    principal: &Principal,
    cache: &mut BatchCache,
    apply: &mut dyn FnMut(&mut JobTx<'_>, i64, &str) -> RowOutcome,
    number: i64,
    input: &str,
) -> Result<RowOutcome> {
    if !cache.careful {
        let mut job_tx = JobTx {
            tx: &mut *tx,
            change,
            principal,
            cache,
            touched: false,
        };
        let outcome = apply(&mut job_tx, number, input);
        if matches!(outcome, RowOutcome::Failed { .. }) && job_tx.touched {
            return Err(Error::BatchNeedsSavepoints);
        }
        return Ok(outcome);
    }
    tx.execute("SAVEPOINT job_row", &[])?;
    let members_before = cache.new_members.len();
    let outcome = apply(
        &mut JobTx {
            tx: &mut *tx,
            change,
            principal,
            cache,
            touched: false,
        },
        number,
        input,
    );
    if matches!(outcome, RowOutcome::Failed { .. }) {
        tx.execute("ROLLBACK TO SAVEPOINT job_row", &[])?;
        cache.new_members.truncate(members_before);
    }
    tx.execute("RELEASE SAVEPOINT job_row", &[])?;
    Ok(outcome)
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
