//! Group-based licensing, and the background processing of groups.
//!
//! A change that concerns every member of a group (a rule created, changed or resumed; licenses
//! assigned to or removed from it; seats bought for members waiting) queues the group in
//! `group_work`. A worker on any server claims the queued groups of a tenant with a lease;
//! works out the members of the dynamic ones from their rules, a page of users to a
//! transaction ([`Store::apply_rules`]); then brings each user the groups concern up to date
//! with [`crate::licensing::reconcile_and_fill`], a few hundred users to a transaction.
//! Processing is idempotent (it works out from the directory what should be, not from what was
//! asked), so a worker that dies half-way leaves nothing wrong that the next one does not put
//! right; and a group queued again while being processed is processed again.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use roster_core::rules::RuleSet;
use roster_core::types::ObjectId;

use crate::authority::Authorized;
use crate::db::{Deferred, Tx};
use crate::dynamic::DynamicGroup;
use crate::license_rows::licenses_json;
use crate::user_rows::{UsersRead, live_users_page};
use crate::{Change, Result, Store, audit, params};

/// Users brought up to date per transaction while processing a group: a transaction holds the
/// embedded store's writer for about a tenth of a second.
const USERS_PER_TRANSACTION: usize = 500;

/// A group claimed for processing.
#[derive(Debug, Clone, Copy)]
pub struct GroupWork {
    pub group_id: ObjectId,
    pub tenant_id: ObjectId,
    generation: i64,
}

impl Store {
    /// Takes the lease, for `lease`, of the queued groups (up to a thousand) of the tenant whose
    /// group has waited longest, whose leases are free or expired.
    pub fn claim_group_work(&self, owner: &str, lease: Duration) -> Result<Vec<GroupWork>> {
        let now = Utc::now();
        self.pool.write(|tx| {
            let Some(first) = tx.query_one(
                "SELECT tenant_id FROM group_work WHERE lease_until IS NULL OR lease_until < $1 \
                 ORDER BY queued_at, group_id LIMIT 1",
                &params![now],
            )?
            else {
                return Ok(Vec::new());
            };
            let tenant_id: ObjectId = first.uuid(0)?.into();
            let candidates: Vec<GroupWork> = tx
                .query(
                    "SELECT group_id, generation FROM group_work WHERE tenant_id = $1 \
                     AND (lease_until IS NULL OR lease_until < $2) ORDER BY queued_at, group_id LIMIT 1000",
                    &params![tenant_id, now],
                )?
                .iter()
                .map(|row| Ok(GroupWork {
                    group_id: row.uuid(0)?.into(),
                    tenant_id,
                    generation: row.int(1)?,
                }))
                .collect::<Result<_>>()?;
            let mut claimed = Vec::with_capacity(candidates.len());
            for work in candidates {
                let taken = tx.execute(
                    "UPDATE group_work SET lease_owner = $2, lease_until = $3 \
                     WHERE group_id = $1 AND (lease_until IS NULL OR lease_until < $4)",
                    &params![work.group_id, owner, now + lease, now],
                )?;
                if taken > 0 {
                    claimed.push(work);
                }
            }
            Ok(claimed)
        })
    }

    /// Processes claimed groups (all of one tenant): the members of those with dynamic
    /// membership are worked out from their rules in one pass over the tenant's users; then
    /// every user who is a member of one of them, or holds a license from one, has its licenses
    /// brought up to date; a few hundred users to a transaction, renewing the leases as it goes.
    /// Returns whether it finished (false: a lease was lost to another worker).
    pub fn process_groups(
        &self,
        works: &[GroupWork],
        owner: &str,
        lease: Duration,
    ) -> Result<bool> {
        let Some(tenant_id) = works.first().map(|w| w.tenant_id) else {
            return Ok(true);
        };
        let change = Change {
            actor_name: "roster (group processing)".into(),
            ..Change::system(tenant_id)
        };
        let change = Authorized::system(&change);
        let ids: Vec<ObjectId> = works.iter().map(|w| w.group_id).collect();
        self.pool.write(|tx| {
            for id in &ids {
                tx.execute(
                    "UPDATE groups SET license_processing_state = 'ProcessingInProgress' \
                     WHERE id = $1 AND license_processing_state IS NOT NULL",
                    &params![*id],
                )?;
                if let Some(group) = crate::group_rows::find_group(tx, tenant_id, *id, false)? {
                    audit(
                        tx,
                        &change,
                        "Start group processing",
                        Some((group.id, &group.display_name)),
                        None,
                        Some(serde_json::json!({
                            "membershipRule": group.membership_rule,
                            "assignedLicenses": licenses_json(&group.licenses),
                        })),
                    )?;
                }
            }
            Ok(())
        })?;
        // One statement for all the claimed groups' leases; held only if every one still is.
        let renew_sql = format!(
            "UPDATE group_work SET lease_until = $2 WHERE lease_owner = $1 AND group_id IN ({})",
            crate::db::placeholders(3, ids.len())
        );
        let renew = |tx: &mut dyn Tx| -> Result<bool> {
            let mut values = params![owner, Utc::now() + lease].to_vec();
            values.extend(ids.iter().map(|id| crate::db::SqlValue::from(*id)));
            Ok(tx.execute(&renew_sql, &values)? == ids.len() as u64)
        };

        // Memberships of the dynamic groups among them, from their rules.
        let Some(pass) = self.apply_rules(&change, &ids, &renew)? else {
            return Ok(false);
        };
        let changing = pass.changed;
        let pass_members = pass.members();

        // Licenses of everyone the groups concern.
        let users: Vec<ObjectId> = self.pool.read(|tx| {
            let mut users = HashSet::new();
            for id in &ids {
                for row in tx.query(
                    // The members only of a group that has licenses (the condition is tested
                    // once, not per member); and whoever holds a license from it.
                    "SELECT m.member_id FROM group_members m WHERE m.group_id = $1 AND m.member_kind = 'user' \
                     AND EXISTS (SELECT 1 FROM group_licenses l WHERE l.group_id = $1) \
                     UNION SELECT user_id FROM license_assignments WHERE group_id = $1",
                    &params![*id],
                )? {
                    users.insert(ObjectId::from(row.uuid(0)?));
                }
            }
            let mut users: Vec<ObjectId> = users.into_iter().collect();
            users.sort();
            Ok(users)
        })?;
        for chunk in users.chunks(USERS_PER_TRANSACTION) {
            let held = self.pool.write(|tx| {
                if !renew(tx)? {
                    return Ok(false);
                }
                for user_id in chunk {
                    crate::licensing::reconcile_and_fill(tx, &change, *user_id)?;
                }
                Ok(true)
            })?;
            if !held {
                return Ok(false);
            }
        }

        self.pool.write(|tx| {
            for work in works {
                let done = tx.execute(
                    "DELETE FROM group_work WHERE group_id = $1 AND lease_owner = $2 AND generation = $3",
                    &params![work.group_id, owner, work.generation],
                )? > 0;
                if !done {
                    // Queued again meanwhile: free the lease so that it is processed once more.
                    tx.execute(
                        "UPDATE group_work SET lease_owner = NULL, lease_until = NULL WHERE group_id = $1 AND lease_owner = $2",
                        &params![work.group_id, owner],
                    )?;
                } else {
                    tx.execute(
                        "UPDATE groups SET license_processing_state = 'ProcessingComplete' \
                         WHERE id = $1 AND license_processing_state IS NOT NULL",
                        &params![work.group_id],
                    )?;
                }
                if let Some(group) = crate::group_rows::find_group(tx, tenant_id, work.group_id, false)? {
                    let count = |tx: &mut dyn Tx, sql: &str| -> Result<i64> {
                        tx.query_one(sql, &params![work.group_id])?.map_or(Ok(0), |row| row.int(0))
                    };
                    // A dynamic group's live members are what its rule took in during the pass;
                    // another group's are counted.
                    let members = match pass_members.get(&work.group_id) {
                        Some(members) => *members,
                        None => count(
                            tx,
                            "SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.member_id \
                             WHERE m.group_id = $1 AND u.deleted_at IS NULL",
                        )?,
                    };
                    let errors = count(
                        tx,
                        "SELECT COUNT(DISTINCT a.user_id) FROM license_assignments a JOIN users u ON u.id = a.user_id \
                         WHERE a.group_id = $1 AND a.state = 'Error' AND u.deleted_at IS NULL",
                    )?;
                    audit(
                        tx,
                        &change,
                        "Finish group processing",
                        Some((group.id, &group.display_name)),
                        None,
                        Some(serde_json::json!({
                            "members": members,
                            "membersWithLicenseErrors": errors,
                            "usersWhoseMembershipsChanged": changing,
                            "usersWhoseLicensesWereChecked": users.len(),
                        })),
                    )?;
                }
            }
            Ok(())
        })?;
        Ok(true)
    }

    /// Works out the members of the dynamic groups among `ids` (those whose processing is on)
    /// from their rules: every live user of the tenant, a page at a time in id order, each page
    /// in one transaction that locks its users, tests them against the rules on every core and
    /// writes what differs (re-licensing users whose licensed groups changed). A user changed
    /// meanwhile is judged on what it is now, as it is read under the lock. Returns how many
    /// users' memberships changed and each dynamic group's members, or `None` when a lease was
    /// lost.
    fn apply_rules(
        &self,
        change: &Authorized,
        ids: &[ObjectId],
        renew: &dyn Fn(&mut dyn Tx) -> Result<bool>,
    ) -> Result<Option<Pass>> {
        let mut after: Option<ObjectId> = None;
        let mut pass = Pass::default();
        loop {
            let step = self.pool.write(|tx| {
                if !renew(tx)? {
                    return Ok(None);
                }
                apply_rules_to_page(tx, change, ids, after)
            })?;
            let Some(page) = step else {
                return Ok(None);
            };
            pass.changed += page.changed;
            pass.pages += 1;
            for (group_id, members) in page.members {
                let tested = pass.tested.entry(group_id).or_default();
                tested.0 += members;
                tested.1 += 1;
            }
            match page.next {
                Some(last) => after = Some(last),
                None => return Ok(Some(pass)),
            }
        }
    }
}

/// Users tested per transaction in [`Store::apply_rules`]: a page holds the embedded store's
/// writer for about a fifth of a second. Memberships are stored by group, so every page
/// rewrites a few pages of each group's part of the table: pages of 2,000 users committed two
/// and a half times as often, and took half as long again from scratch (10,000 gained another
/// tenth, for twice the wait of a request behind a page).
const USERS_PER_PAGE: usize = 5000;

/// What a pass of the rules over the tenant's users did.
#[derive(Default)]
struct Pass {
    /// Users whose memberships changed.
    changed: usize,
    /// Pages of users tested.
    pages: usize,
    /// Each dynamic group's members the rules took in, and on how many pages it was tested.
    tested: HashMap<ObjectId, (i64, usize)>,
}

impl Pass {
    /// The live members of each group tested on every page of the pass (a group that became
    /// dynamic, or was resumed, in the middle of it was not): what the pass left.
    fn members(&self) -> HashMap<ObjectId, i64> {
        self.tested
            .iter()
            .filter(|(_, (_, pages))| *pages == self.pages)
            .map(|(group_id, (members, _))| (*group_id, *members))
            .collect()
    }
}

/// What the rules did on one page of users.
struct PageDone {
    changed: usize,
    members: Vec<(ObjectId, i64)>,
    /// The page's last user, if more may follow.
    next: Option<ObjectId>,
}

/// One page of [`Store::apply_rules`]: the live users after `after`, tested against the rules
/// of the dynamic groups among `ids`; what differs is written.
fn apply_rules_to_page(
    tx: &mut dyn Tx,
    change: &Authorized,
    ids: &[ObjectId],
    after: Option<ObjectId>,
) -> Result<Option<PageDone>> {
    let done = |changed, members, next| {
        Some(PageDone {
            changed,
            members,
            next,
        })
    };
    let all = crate::dynamic::dynamic_groups(tx, change.tenant_id)?;
    let groups: Vec<&DynamicGroup> = all
        .groups
        .iter()
        .filter(|group| ids.contains(&group.id))
        .collect();
    if groups.is_empty() {
        return Ok(done(0, Vec::new(), None));
    }
    let mut attributes: Vec<usize> = groups
        .iter()
        .filter_map(|group| group.rule.as_ref())
        .flat_map(|rule| rule.attributes_read())
        .collect();
    attributes.sort_unstable();
    attributes.dedup();
    let read = UsersRead {
        attributes: Some(attributes),
        licenses: all.reads_licenses,
        lock: true,
    };
    let users = live_users_page(tx, change.tenant_id, (after, None), USERS_PER_PAGE, &read)?;
    let (Some(first), Some(last)) = (users.first(), users.last()) else {
        // No users left: every group was tested on this page too, and took in none.
        let none = groups.iter().map(|group| (group.id, 0)).collect();
        return Ok(done(0, none, None));
    };
    let next = (users.len() == USERS_PER_PAGE).then_some(last.id);

    // Their memberships of these groups now.
    let position: HashMap<ObjectId, usize> = groups
        .iter()
        .enumerate()
        .map(|(index, group)| (group.id, index))
        .collect();
    let mut current: HashSet<(usize, ObjectId)> = HashSet::new();
    for row in tx.query(
        "SELECT group_id, member_id FROM group_members WHERE member_id >= $1 AND member_id <= $2",
        &params![first.id, last.id],
    )? {
        if let Some(index) = position.get(&ObjectId::from(row.uuid(0)?)) {
            current.insert((*index, row.uuid(1)?.into()));
        }
    }

    // What their rules say, on every core.
    let now = Utc::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = users.len().div_ceil(threads);
    // A rule that needs one of a few values of an attribute is tested only on the users that
    // have one (`RuleSet`): most of a tenant's rules are such.
    let rules = RuleSet::new(groups.iter().map(|group| group.rule.as_deref()).collect());
    let verdicts: Vec<Vec<bool>> = std::thread::scope(|scope| {
        let workers: Vec<_> = users
            .chunks(part)
            .map(|users| {
                let rules = &rules;
                scope.spawn(move || {
                    users
                        .iter()
                        .map(|user| rules.matches(user, now))
                        .collect::<Vec<Vec<bool>>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("testing rules does not panic"))
            .collect()
    });

    // The differences: removals at once, additions in a few multi-row statements.
    let mut audited = crate::dynamic::MembershipChanges::gathered();
    let mut relicense = Vec::new();
    let mut changed = 0;
    {
        let mut deferred = Deferred::new(&mut *tx, true);
        for (user, verdict) in users.iter().zip(&verdicts) {
            let mut moved = false;
            let mut licensed = false;
            for (index, (group, should)) in groups.iter().zip(verdict).enumerate() {
                let is = current.contains(&(index, user.id));
                if *should == is {
                    continue;
                }
                if *should {
                    deferred.insert_later(
                        "INSERT INTO group_members (group_id, member_id, member_kind) \
                         VALUES ($1, $2, 'user')",
                        &params![group.id, user.id],
                    )?;
                } else {
                    deferred.execute(
                        "DELETE FROM group_members WHERE group_id = $1 AND member_id = $2",
                        &params![group.id, user.id],
                    )?;
                }
                audited.record(&mut deferred, change, group, user, *should)?;
                moved = true;
                licensed |= group.licensed;
            }
            changed += usize::from(moved);
            if licensed {
                relicense.push(user.id);
            }
        }
        deferred.flush()?;
    }
    for user_id in relicense {
        crate::licensing::reconcile_and_fill(tx, change, user_id)?;
    }
    audited.write(tx, change)?;
    let members = groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let taken = verdicts.iter().filter(|verdict| verdict[index]).count();
            (group.id, taken as i64)
        })
        .collect();
    Ok(done(changed, members, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_whose_worker_died_is_processed_by_another_and_one_queued_again_runs_again() {
        let (_directory, store, change) = crate::test_store();
        let group = crate::test_group(&store, &change, "g");
        let queue = || {
            store
                .pool
                .write(|tx| {
                    crate::group_rows::queue_group(tx, &Authorized::system(&change), group.id)
                })
                .unwrap()
        };
        queue();

        // Worker a claims it and dies: its lease runs out, and worker b takes the group over.
        let claimed = store
            .claim_group_work("a", Duration::milliseconds(1))
            .unwrap();
        assert_eq!(claimed.len(), 1);
        std::thread::sleep(std::time::Duration::from_millis(5));
        let taken = store.claim_group_work("b", Duration::seconds(30)).unwrap();
        assert_eq!(taken.len(), 1, "the lapsed lease is taken over");
        assert!(
            store
                .claim_group_work("c", Duration::seconds(30))
                .unwrap()
                .is_empty(),
            "one worker at a time"
        );
        // Queued again while b processes it: b's run does not remove the new request.
        queue();
        assert!(
            store
                .process_groups(&taken, "b", Duration::seconds(30))
                .unwrap()
        );
        assert_eq!(store.queued_groups(change.tenant_id).unwrap(), 1);
        let again = store.claim_group_work("b", Duration::seconds(30)).unwrap();
        assert_eq!(again.len(), 1);
        assert!(
            store
                .process_groups(&again, "b", Duration::seconds(30))
                .unwrap()
        );
        assert_eq!(store.queued_groups(change.tenant_id).unwrap(), 0);
    }
}
