//! The directory changes a bulk job's rows make, inside their batch's transaction (`JobTx`),
//! with what the rows of a batch look up once (`BatchCache`), and how a row is applied: fast,
//! or carefully in a savepoint of its own (`apply_row`).

use roster_core::access::{Operation, Principal};
use roster_core::directory::{LicenseAssignment, PasswordHash, User};
use roster_core::refusal::Reason;
use roster_core::types::{ObjectId, SkuId};
use serde_json::Value as Json;

use crate::authority::Authorized;
use crate::db::Tx;
use crate::user_rows::UserKey;
use crate::{Change, Error, Result, params};

/// The directory changes a job's row may make, inside the batch's transaction. Each is
/// authorized there, for the job's submitter as the batch's transaction reads it (a submitter
/// demoted, blocked or deleted since submitting changes nothing more).
pub struct JobTx<'a> {
    pub(super) tx: &'a mut dyn Tx,
    pub(super) change: &'a Change,
    pub(super) principal: &'a Principal,
    pub(super) cache: &'a mut BatchCache,
    /// Whether the row has used the database (a failure after that may have left changes).
    pub(super) touched: bool,
}

/// What the rows of one batch look up alike, looked up once: domains, subscriptions, groups.
/// (Only what no row of the batch changes: seat counts are always taken from the table.)
#[derive(Default)]
pub(super) struct BatchCache {
    pub(super) domains: std::collections::HashSet<String>,
    /// Whether each domain a batch's new users are named in holds users' email addresses.
    pub(super) addressed_domains: std::collections::HashMap<String, bool>,
    pub(super) subscriptions:
        std::collections::HashMap<SkuId, Option<roster_core::directory::Subscription>>,
    pub(super) groups: std::collections::HashMap<ObjectId, roster_core::directory::Group>,
    /// New users added to groups by this batch's rows, audited per group when the batch ends.
    pub(super) new_members: Vec<(ObjectId, ObjectId)>,
    /// Whether rows run in savepoints (see [`apply_row`]): then each seat is taken as it is
    /// given, so that a row rolled back gives its seat back.
    pub(super) careful: bool,
    /// Seats given to new users by this fast batch's rows, per subscription, taken together
    /// when the batch ends ([`BatchCache::commit_seats`]).
    pub(super) seats_taken: std::collections::HashMap<SkuId, i64>,
    /// The tenant's roles, read at the batch's first row ([`crate::authority::tenant_roles`]).
    pub(super) roles: Option<crate::authority::TenantRoles>,
    /// Whether each group the batch adds new users to gives licenses.
    pub(super) licensed_groups: std::collections::HashMap<ObjectId, bool>,
    /// New users of this fast batch that joined a licensed group: licensed once the batch's
    /// held rows are in.
    pub(super) to_license: Vec<ObjectId>,
    /// The tenant's dynamic groups, read at the batch's first new user.
    pub(super) dynamic: Option<std::sync::Arc<crate::dynamic::DynamicGroups>>,
    /// New users of this fast batch to test against the dynamic groups once its held rows are in.
    pub(super) to_evaluate: Vec<User>,
}

/// Members listed in one "Add members to group" audit record, at most.
pub(super) const MEMBERS_PER_AUDIT_RECORD: usize = 1000;

impl BatchCache {
    /// Takes the seats this batch's rows gave, in one statement per subscription that checks
    /// that they are still free: if another transaction took them since the batch counted them,
    /// the batch runs again carefully, a seat at a time.
    pub(super) fn commit_seats(&mut self, tx: &mut dyn Tx, change: &Authorized) -> Result<()> {
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
    pub(super) fn audit_new_members(&mut self, tx: &mut dyn Tx, change: &Authorized) -> Result<()> {
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
    /// The job's change authorized for `operations` on `target`, in the batch's transaction.
    fn authorize(
        &mut self,
        operations: &[Operation],
        target: Option<ObjectId>,
    ) -> Result<Authorized<'a>> {
        // Authorizing only reads: a row refused here leaves nothing a fast batch must undo.
        // The tenant's roles are read (and locked) once a row's operation depends on its
        // target's roles, not for a batch of creates.
        let targets = target.is_some() && operations.iter().any(Operation::targets_user);
        let roles = match &self.cache.roles {
            Some(roles) => roles,
            None if targets => self.cache.roles.insert(crate::authority::tenant_roles(
                self.tx,
                self.change.tenant_id,
            )?),
            None => &crate::authority::TenantRoles::default(),
        };
        let authorized = crate::authority::authorize_in_batch(
            self.change,
            self.principal,
            operations,
            target,
            roles,
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
            self.cache.domains.insert(domain.clone());
        }
        // Whether the domain holds email addresses of users, read once the domain's row is
        // share-locked (an alias's change locks it for update, so it cannot change until the
        // batch ends): only then is a new user name checked against them.
        let has_addresses = match self.cache.addressed_domains.get(&domain) {
            Some(has) => *has,
            None => {
                let any = self.tx.query_one(
                    "SELECT 1 FROM user_values WHERE tenant_id = $1 AND attribute = $2 \
                     AND value_key LIKE $3 ESCAPE '\\' LIMIT 1",
                    &params![
                        self.change.tenant_id,
                        "proxy_addresses",
                        format!(
                            "smtp:%@{}",
                            crate::query::like_escape(&crate::query::text_key(&domain))
                        )
                    ],
                )?;
                self.cache
                    .addressed_domains
                    .insert(domain.clone(), any.is_some());
                any.is_some()
            }
        };
        if has_addresses {
            crate::user_rows::check_address_free(
                self.tx,
                self.change.tenant_id,
                prepared.user.id,
                upn.as_ref(),
            )?;
        }
        if let Some(mail) = prepared.user.attributes.text("mail") {
            crate::user_rows::check_address_free(
                self.tx,
                self.change.tenant_id,
                prepared.user.id,
                mail,
            )?;
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
                let found = crate::license_rows::find_subscription(
                    self.tx,
                    self.change.tenant_id,
                    *sku_id,
                )?;
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
                crate::licensing::take_seat(self.tx, self.change.tenant_id, subscription)?;
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
            let group = crate::group_rows::require_group(self.tx, self.change.tenant_id, group_id)?;
            self.cache.groups.insert(group_id, group);
        }
        let group = &self.cache.groups[&group_id];
        let licensed = match self.cache.licensed_groups.get(&group_id) {
            Some(licensed) => *licensed,
            None => {
                let licensed = crate::group_rows::group_has_licenses(self.tx, group_id)?;
                self.cache.licensed_groups.insert(group_id, licensed);
                licensed
            }
        };
        crate::group_rows::insert_member_row(self.tx, group, user.id, "user", false)?;
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
        crate::users::revoke_sign_in_sessions(self.tx, &change, user.clone()).map(drop)
    }

    pub fn delete_user(&mut self, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::DeleteUser], Some(user.id))?;
        // The row's user was read without its licenses, which the deletion's record lists.
        let user =
            crate::user_rows::require_user(self.tx, self.change.tenant_id, &UserKey::Id(user.id))?;
        crate::users::delete_user(self.tx, &change, user).map(drop)
    }

    pub fn restore_user(&mut self, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::RestoreUser], Some(user.id))?;
        crate::users::restore_user(self.tx, &change, user.clone()).map(drop)
    }

    pub fn purge_user(&mut self, user: &User) -> Result<()> {
        let change = self.authorize(&[Operation::PurgeUser], Some(user.id))?;
        crate::users::purge(self.tx, &change, user)
    }

    pub fn set_manager(&mut self, user: &User, manager: Option<ObjectId>) -> Result<()> {
        let change = self.authorize(&[Operation::UpdateUser], Some(user.id))?;
        // Read again with its licenses: rules over `assignedPlans` test the managed user.
        let user =
            crate::user_rows::require_user(self.tx, self.change.tenant_id, &UserKey::Id(user.id))?;
        crate::users::set_manager(self.tx, &change, user, manager)
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
            let group = crate::group_rows::require_group(self.tx, self.change.tenant_id, group_id)?;
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

/// Applies one row. Carefully, in a savepoint, so that a failed row leaves no trace but its
/// outcome; or, first, without one (savepoints dominate a batch's cost in SQLite), which is safe
/// while no row fails after touching the database: one that does sends the whole batch back to
/// be run carefully.
pub(super) fn apply_row(
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
