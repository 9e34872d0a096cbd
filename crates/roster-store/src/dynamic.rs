//! Dynamic membership: groups whose members are the users their rule matches.
//!
//! Two paths keep them right, both inside write transactions that hold the users they judge:
//! - a change to one user (created, updated, restored, licensed) tests that user against every
//!   dynamic group of its tenant in the same transaction ([`reevaluate_user`]), so the request
//!   that made the change returns with the memberships (and the licenses they bring) already
//!   right;
//! - a change to a rule (a group created, its rule changed, its processing turned back on)
//!   queues the group; the worker (`group_processing`) pages through the tenant's users, each
//!   page read under a lock in the transaction that writes its differences, so a user changed
//!   meanwhile is judged on what it is now.
//!
//! The worker and a rule's preview read only the properties the rules name
//! ([`MembershipRule::attributes_read`]), the rest left empty.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use roster_core::access::Operation;
use roster_core::directory::User;
use roster_core::rules::MembershipRule;
use roster_core::types::ObjectId;

use crate::authority::{Authorized, authorize};
use crate::db::Tx;
use crate::user_rows::{UserKey, find_user};
use crate::{Change, Result, audit, params};

/// Parsed rules by their text: each rule is parsed once per process, not once per user it is
/// tested on. (A stored rule was validated when written; one that no longer parses matches
/// nobody.)
static PARSED: LazyLock<Mutex<HashMap<String, Option<Arc<MembershipRule>>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn parsed(text: &str) -> Option<Arc<MembershipRule>> {
    let mut cache = PARSED.lock().expect("the rule cache is never poisoned");
    if let Some(rule) = cache.get(text) {
        return rule.clone();
    }
    if cache.len() >= 10_000 {
        cache.clear();
    }
    let rule = MembershipRule::parse(text).ok().map(Arc::new);
    cache.insert(text.to_string(), rule.clone());
    rule
}

/// A dynamic group whose processing is on.
#[derive(Clone)]
pub(crate) struct DynamicGroup {
    pub id: ObjectId,
    pub display_name: String,
    pub rule: Option<Arc<MembershipRule>>,
    /// Whether it gives licenses (a membership change then re-licenses the user).
    pub licensed: bool,
}

impl DynamicGroup {
    pub fn matches_user(&self, user: &User, now: DateTime<Utc>) -> bool {
        self.rule
            .as_ref()
            .is_some_and(|rule| rule.matches(user, now))
    }
}

/// A tenant's dynamic groups whose processing is on.
#[derive(Clone, Default)]
pub(crate) struct DynamicGroups {
    pub groups: Vec<DynamicGroup>,
    /// Whether a rule reads `assignedPlans`, so that users must be tested with their licenses.
    pub reads_licenses: bool,
}

/// A tenant's dynamic groups as last read, with the `groups_version` they were read at.
type VersionedGroups = (i64, Arc<DynamicGroups>);

/// Tenants' dynamic groups as last read.
static DYNAMIC_GROUPS: LazyLock<Mutex<HashMap<ObjectId, VersionedGroups>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Says that a tenant's groups changed in a way that can change who their rules take in or
/// what they give (a rule, its processing, a group's licenses, a group deleted): every server
/// reads its dynamic groups afresh. Taking the tenant's row also makes a transaction that tests
/// users against the old rules (which shares it) finish first, or wait.
pub(crate) fn groups_changed(tx: &mut dyn Tx, tenant_id: ObjectId) -> Result<()> {
    tx.execute(
        "UPDATE tenants SET groups_version = groups_version + 1 WHERE id = $1",
        &params![tenant_id],
    )?;
    Ok(())
}

/// The tenant's dynamic groups whose processing is on: from memory while the tenant's
/// `groups_version` has not moved, else read again.
pub(crate) fn dynamic_groups(tx: &mut dyn Tx, tenant_id: ObjectId) -> Result<Arc<DynamicGroups>> {
    let lock = tx.share_lock();
    let version = tx
        .query_one(
            &format!("SELECT groups_version FROM tenants WHERE id = $1{lock}"),
            &params![tenant_id],
        )?
        .map_or(Ok(0), |row| row.int(0))?;
    if let Some((cached, groups)) = DYNAMIC_GROUPS
        .lock()
        .expect("the group cache is never poisoned")
        .get(&tenant_id)
        && *cached == version
    {
        return Ok(groups.clone());
    }
    let groups = Arc::new(read_dynamic_groups(tx, tenant_id)?);
    DYNAMIC_GROUPS
        .lock()
        .expect("the group cache is never poisoned")
        .insert(tenant_id, (version, groups.clone()));
    Ok(groups)
}

/// The tenant's dynamic groups whose processing is on, read from the database.
pub(crate) fn read_dynamic_groups(tx: &mut dyn Tx, tenant_id: ObjectId) -> Result<DynamicGroups> {
    let mut groups = Vec::new();
    let mut reads_licenses = false;
    for row in tx.query(
        "SELECT g.id, g.display_name, g.membership_rule, \
         EXISTS (SELECT 1 FROM group_licenses l WHERE l.group_id = g.id) \
         FROM groups g WHERE g.tenant_id = $1 AND g.deleted_at IS NULL AND g.membership_rule IS NOT NULL \
         AND g.group_types LIKE '%DynamicMembership%' \
         AND (g.membership_rule_processing_state IS NULL OR g.membership_rule_processing_state = 'On') \
         ORDER BY g.id",
        &params![tenant_id],
    )? {
        let rule = parsed(&row.text(2)?);
        reads_licenses |= rule.as_ref().is_some_and(|rule| rule.reads_licenses());
        groups.push(DynamicGroup {
            id: row.uuid(0)?.into(),
            display_name: row.text(1)?,
            rule,
            licensed: row.bool(3)?,
        });
    }
    Ok(DynamicGroups {
        groups,
        reads_licenses,
    })
}

/// Brings a live user's memberships of the dynamic groups in line with their rules, and its
/// licenses with its memberships where a licensed group's changed. `user` is the user as it is
/// now in this transaction (re-read with its licenses when a rule reads them).
pub(crate) fn reevaluate_user(
    tx: &mut dyn Tx,
    change: &Authorized,
    groups: &DynamicGroups,
    user: &User,
    audited: &mut MembershipChanges,
) -> Result<()> {
    if groups.groups.is_empty() || user.deleted.is_some() {
        return Ok(());
    }
    if groups.reads_licenses {
        return match find_user(tx, change.tenant_id, &UserKey::Id(user.id), false)? {
            Some(fresh) => apply_rules(tx, change, groups, &fresh, audited),
            None => Ok(()),
        };
    }
    apply_rules(tx, change, groups, user, audited)
}

/// [`reevaluate_user`] for a user read in this transaction with its licenses.
fn apply_rules(
    tx: &mut dyn Tx,
    change: &Authorized,
    groups: &DynamicGroups,
    user: &User,
    audited: &mut MembershipChanges,
) -> Result<()> {
    let now = Utc::now();
    let current: HashSet<ObjectId> = tx
        .query(
            "SELECT group_id FROM group_members WHERE member_id = $1",
            &params![user.id],
        )?
        .iter()
        .map(|row| Ok(row.uuid(0)?.into()))
        .collect::<Result<_>>()?;
    let mut relicense = false;
    for group in &groups.groups {
        let should = group.matches_user(user, now);
        let is = current.contains(&group.id);
        if should && !is {
            tx.execute(
                "INSERT INTO group_members (group_id, member_id, member_kind) VALUES ($1, $2, 'user') \
                 ON CONFLICT (group_id, member_id) DO NOTHING",
                &params![group.id, user.id],
            )?;
            audited.record(tx, change, group, user, true)?;
        } else if is && !should {
            tx.execute(
                "DELETE FROM group_members WHERE group_id = $1 AND member_id = $2",
                &params![group.id, user.id],
            )?;
            audited.record(tx, change, group, user, false)?;
        } else {
            continue;
        }
        relicense |= group.licensed;
    }
    if relicense {
        crate::licensing::reconcile_and_fill(tx, change, user.id)?;
    }
    Ok(())
}

/// After one user changed: its dynamic memberships (and the licenses they bring) brought up to
/// date in the same transaction.
pub(crate) fn user_changed(tx: &mut dyn Tx, change: &Authorized, user: &User) -> Result<()> {
    let groups = dynamic_groups(tx, change.tenant_id)?;
    let mut audited = MembershipChanges::one_by_one();
    reevaluate_user(tx, change, &groups, user, &mut audited)
}

/// How the membership changes a rule makes are audited: one record each (a single user's
/// change), or gathered and written per group a thousand members to a record (processing a
/// whole tenant, or a bulk import, which would otherwise write millions).
pub(crate) struct MembershipChanges {
    gathered: Option<Vec<(ObjectId, String, ObjectId, bool)>>,
}

/// Members listed in one gathered audit record, at most.
const MEMBERS_PER_RECORD: usize = 1000;

impl MembershipChanges {
    pub(crate) fn one_by_one() -> Self {
        MembershipChanges { gathered: None }
    }

    pub(crate) fn gathered() -> Self {
        MembershipChanges {
            gathered: Some(Vec::new()),
        }
    }

    pub(crate) fn record(
        &mut self,
        tx: &mut dyn Tx,
        change: &Authorized,
        group: &DynamicGroup,
        member: &User,
        added: bool,
    ) -> Result<()> {
        if let Some(gathered) = &mut self.gathered {
            gathered.push((group.id, group.display_name.clone(), member.id, added));
            return Ok(());
        }
        let detail = Some(serde_json::json!({
            "member": member.user_principal_name.as_ref(),
            "memberId": member.id,
            "membershipRule": true,
        }));
        let (operation, before, after) = if added {
            ("Add member to group", None, detail)
        } else {
            ("Remove member from group", detail, None)
        };
        audit(
            tx,
            change,
            operation,
            Some((group.id, &group.display_name)),
            before,
            after,
        )
    }

    /// Writes the gathered changes: per group, "Add members to group" and "Remove members from
    /// group" records listing up to a thousand members each.
    pub(crate) fn write(&mut self, tx: &mut dyn Tx, change: &Authorized) -> Result<()> {
        let Some(gathered) = self.gathered.as_mut() else {
            return Ok(());
        };
        let mut by_group: HashMap<(ObjectId, bool), (String, Vec<ObjectId>)> = HashMap::new();
        for (group, name, member, added) in gathered.drain(..) {
            by_group
                .entry((group, added))
                .or_insert_with(|| (name, Vec::new()))
                .1
                .push(member);
        }
        let mut keys: Vec<(ObjectId, bool)> = by_group.keys().copied().collect();
        keys.sort();
        for key in keys {
            let (name, members) = &by_group[&key];
            for chunk in members.chunks(MEMBERS_PER_RECORD) {
                let detail = Some(serde_json::json!({ "members": chunk, "membershipRule": true }));
                let (operation, before, after) = if key.1 {
                    ("Add members to group", None, detail)
                } else {
                    ("Remove members from group", detail, None)
                };
                audit(tx, change, operation, Some((key.0, name)), before, after)?;
            }
        }
        Ok(())
    }
}

/// What a rule would do, worked out without changing anything.
#[derive(Debug, Clone)]
pub struct RulePreview {
    /// Live users the rule takes in, and the first of them (in id order).
    pub matched: usize,
    pub sample: Vec<User>,
    /// Against the group's current members (when a group is named): who would join and leave.
    pub joining: usize,
    pub joining_sample: Vec<User>,
    pub leaving: usize,
    pub leaving_sample: Vec<User>,
    /// For each license the group gives: how many users would get it, how many would lose it,
    /// and how many seats are free for them.
    pub licenses: Vec<LicensePreview>,
}

#[derive(Debug, Clone)]
pub struct LicensePreview {
    pub sku_id: roster_core::types::SkuId,
    pub sku_part_number: String,
    pub granted: usize,
    pub removed: usize,
    pub seats_available: i64,
}

impl crate::Store {
    /// Tests `rule` against every live user of the tenant (on up to four threads, each over its
    /// own range of ids) and, when `group_id` names a group, compares the outcome with its
    /// members and licenses: what replacing its rule would do, with nothing written.
    pub fn preview_rule(
        &self,
        tenant_id: ObjectId,
        rule: &MembershipRule,
        group_id: Option<ObjectId>,
        sample: usize,
    ) -> Result<RulePreview> {
        let (members, licenses, held_elsewhere) = match group_id {
            Some(group_id) => self.pool.read(|tx| {
                crate::group_rows::require_group(tx, tenant_id, group_id)?;
                let members: HashSet<ObjectId> = tx
                    .query(
                        "SELECT m.member_id FROM group_members m JOIN users u ON u.id = m.member_id \
                         WHERE m.group_id = $1 AND u.deleted_at IS NULL",
                        &params![group_id],
                    )?
                    .iter()
                    .map(|row| Ok(row.uuid(0)?.into()))
                    .collect::<Result<_>>()?;
                let mut licenses = Vec::new();
                // Who holds each of the group's licenses other than through it (directly, or
                // through another group where it took): they neither gain nor lose it.
                let mut held_elsewhere = HashSet::new();
                for license in crate::group_rows::group_licenses(tx, group_id)? {
                    let subscription =
                        crate::license_rows::find_subscription(tx, tenant_id, license.sku_id)?;
                    for row in tx.query(
                        "SELECT user_id FROM license_assignments \
                         WHERE tenant_id = $1 AND sku_id = $2 \
                         AND (group_id IS NULL OR (group_id <> $3 AND state = 'Active'))",
                        &params![tenant_id, license.sku_id, group_id],
                    )? {
                        held_elsewhere.insert((ObjectId::from(row.uuid(0)?), license.sku_id));
                    }
                    licenses.push((license, subscription));
                }
                Ok((members, licenses, held_elsewhere))
            })?,
            None => (HashSet::new(), Vec::new(), HashSet::new()),
        };
        // Licenses are read only when the rule reads them.
        let with_licenses = rule.reads_licenses();
        // Only what the rule reads (and the fixed properties the samples show).
        let read = crate::user_rows::UsersRead {
            attributes: Some(rule.attributes_read()),
            licenses: with_licenses,
            lock: false,
        };
        let mut preview = RulePreview {
            matched: 0,
            sample: Vec::new(),
            joining: 0,
            joining_sample: Vec::new(),
            leaving: 0,
            leaving_sample: Vec::new(),
            licenses: licenses
                .iter()
                .map(|(license, subscription)| LicensePreview {
                    sku_id: license.sku_id,
                    sku_part_number: subscription
                        .as_ref()
                        .map_or_else(|| license.sku_id.to_string(), |s| s.sku_part_number.clone()),
                    granted: 0,
                    removed: 0,
                    seats_available: subscription
                        .as_ref()
                        .map_or(0, |s| s.enabled_units - s.consumed_units),
                })
                .collect(),
        };
        // Each core reads and tests its own range of the tenant's users (split by id), so that
        // reading the rows, the larger part, is shared too; the parts are joined in id order.
        // At most four: a preview leaves most of the pool's connections (8 SQLite readers) to
        // other requests on a large machine.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let bounds = self
            .pool
            .read(|tx| user_id_bounds(tx, tenant_id, threads))?;
        let context = PreviewContext {
            tenant_id,
            rule,
            group_id,
            sample,
            members: &members,
            licenses: &licenses,
            held_elsewhere: &held_elsewhere,
            read: &read,
            now: Utc::now(),
        };
        let parts = std::thread::scope(|scope| {
            let workers: Vec<_> = bounds
                .windows(2)
                .map(|range| {
                    let (context, empty) = (&context, preview.clone());
                    scope.spawn(move || self.preview_range(context, range[0], range[1], empty))
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("previewing a rule does not panic"))
                .collect::<Vec<_>>()
        });
        for part in parts {
            let part = part?;
            preview.matched += part.matched;
            preview.joining += part.joining;
            preview.leaving += part.leaving;
            for (samples, more) in [
                (&mut preview.sample, part.sample),
                (&mut preview.joining_sample, part.joining_sample),
                (&mut preview.leaving_sample, part.leaving_sample),
            ] {
                samples.extend(more.into_iter().take(sample - samples.len()));
            }
            for (total, more) in preview.licenses.iter_mut().zip(part.licenses) {
                total.granted += more.granted;
                total.removed += more.removed;
            }
        }
        Ok(preview)
    }

    /// [`Store::preview_rule`] over the live users whose ids lie between `after` and `until`
    /// (either open), added to `preview`.
    fn preview_range(
        &self,
        context: &PreviewContext<'_>,
        mut after: Option<ObjectId>,
        until: Option<ObjectId>,
        mut preview: RulePreview,
    ) -> Result<RulePreview> {
        let PreviewContext {
            tenant_id,
            rule,
            group_id,
            sample,
            members,
            licenses,
            held_elsewhere,
            read,
            now,
        } = *context;
        loop {
            let page = self.pool.read(|tx| {
                crate::user_rows::live_users_page(tx, tenant_id, (after, until), 2000, read)
            })?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.id);
            for user in page {
                let matches = rule.matches(&user, now);
                let member = members.contains(&user.id);
                if matches {
                    preview.matched += 1;
                    if preview.sample.len() < sample {
                        preview.sample.push(user.clone());
                    }
                }
                if group_id.is_none() || matches == member {
                    continue;
                }
                for (license, change) in licenses.iter().zip(&mut preview.licenses) {
                    if !held_elsewhere.contains(&(user.id, license.0.sku_id)) {
                        if matches {
                            change.granted += 1;
                        } else {
                            change.removed += 1;
                        }
                    }
                }
                if matches {
                    preview.joining += 1;
                    if preview.joining_sample.len() < sample {
                        preview.joining_sample.push(user);
                    }
                } else {
                    preview.leaving += 1;
                    if preview.leaving_sample.len() < sample {
                        preview.leaving_sample.push(user);
                    }
                }
            }
        }
        Ok(preview)
    }
}

/// What every range of a preview shares.
struct PreviewContext<'a> {
    tenant_id: ObjectId,
    rule: &'a MembershipRule,
    group_id: Option<ObjectId>,
    sample: usize,
    members: &'a HashSet<ObjectId>,
    licenses: &'a [(
        roster_core::directory::LicenseAssignment,
        Option<roster_core::directory::Subscription>,
    )],
    held_elsewhere: &'a HashSet<(ObjectId, roster_core::types::SkuId)>,
    read: &'a crate::user_rows::UsersRead,
    now: chrono::DateTime<Utc>,
}

/// Ids that split the tenant's live users into `parts` ranges of about the same size: the
/// open start, the ids between, and the open end.
fn user_id_bounds(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    parts: usize,
) -> Result<Vec<Option<ObjectId>>> {
    let count = tx
        .query_one(
            "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND deleted_at IS NULL",
            &params![tenant_id],
        )?
        .map_or(Ok(0), |row| row.int(0))?;
    let mut bounds = vec![None];
    for part in 1..parts as i64 {
        let split = tx.query_one(
            "SELECT id FROM users WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1 OFFSET $2",
            &params![tenant_id, count * part / parts as i64],
        )?;
        if let Some(row) = split {
            bounds.push(Some(ObjectId::from(row.uuid(0)?)));
        }
    }
    bounds.push(None);
    Ok(bounds)
}

impl crate::Store {
    /// Queues the tenant's dynamic groups whose processing is on: every one, or (`time_based`)
    /// those whose rules read the time (`system.now`), whose members change as it passes.
    /// Returns how many it queued.
    pub fn queue_dynamic_groups(&self, change: &Change, time_based: bool) -> Result<usize> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroups], None)?;
            let groups = read_dynamic_groups(tx, change.tenant_id)?;
            let mut queued = 0;
            for group in &groups.groups {
                let due = !time_based || group.rule.as_ref().is_some_and(|r| r.depends_on_time());
                if due {
                    crate::group_rows::queue_group(tx, change, group.id)?;
                    queued += 1;
                }
            }
            Ok(queued)
        })
    }

    /// How many groups wait for processing (or are being processed) in the tenant.
    pub fn queued_groups(&self, tenant_id: ObjectId) -> Result<i64> {
        self.pool.read(|tx| {
            tx.query_one(
                "SELECT COUNT(*) FROM group_work WHERE tenant_id = $1",
                &params![tenant_id],
            )?
            .map_or(Ok(0), |row| row.int(0))
        })
    }
}
