//! Groups: their properties, members, owners, memberOf.

use roster_core::access::Operation;
use roster_core::directory::{Group, ObjectKind, User};
use roster_core::refusal::Reason;
use roster_core::types::ObjectId;

use crate::authority::{Authorized, authorize};
use crate::db::{Row, Tx};
use crate::follow_up::{Changed, follow_up};
use crate::group_rows::{
    GROUP_COLUMNS, find_group, group_from_row, group_has_licenses, group_with_licenses,
    insert_member_row, refuse_computed_members, require_group,
};
use crate::query::{after_id, page_end};
use crate::user_rows::{user_columns, user_from_row};
use crate::{Change, Cursor, Error, ListQuery, Page, Result, Store, audit, params};

fn audit_json(group: &Group) -> serde_json::Value {
    serde_json::json!({
        "displayName": group.display_name,
        "description": group.description,
        "mailNickname": group.mail_nickname.as_ref(),
        "mail": group.mail,
        "mailEnabled": group.mail_enabled,
        "securityEnabled": group.security_enabled,
        "groupTypes": group.group_types,
    })
}

/// Which kind of live directory object `id` is, if any, and its name (a user's principal name,
/// a group's display name), which the audit records of memberships name it by.
fn object_kind(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    id: ObjectId,
) -> Result<Option<(ObjectKind, String)>> {
    if let Some(row) = tx.query_one(
        "SELECT user_principal_name FROM users WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        &params![tenant_id, id],
    )? {
        return Ok(Some((ObjectKind::User, row.text(0)?)));
    }
    if let Some(row) = tx.query_one(
        "SELECT display_name FROM groups WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        &params![tenant_id, id],
    )? {
        return Ok(Some((ObjectKind::Group, row.text(0)?)));
    }
    Ok(None)
}

/// The name of a user or group of the tenant, live or in the recycle bin (its id if it is gone).
fn object_name(tx: &mut dyn Tx, tenant_id: ObjectId, id: ObjectId) -> Result<String> {
    Ok(tx
        .query_one(
            "SELECT user_principal_name FROM users WHERE tenant_id = $1 AND id = $2 \
             UNION ALL SELECT display_name FROM groups WHERE tenant_id = $1 AND id = $2",
            &params![tenant_id, id],
        )?
        .map(|row| row.text(0))
        .transpose()?
        .unwrap_or_else(|| id.to_string()))
}

fn mail_conflict(error: Error) -> Error {
    match error {
        Error::UniqueViolation {
            constraint: Some(name),
        } if name == "groups_mail_unique" => Error::Conflict { property: "mail" },
        other => other,
    }
}

/// How a directory object is tied to a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    Member,
    Owner,
}

/// A member or owner: a user, or a group (members only).
#[derive(Debug, Clone)]
pub enum DirectoryObject {
    User(User),
    Group(Group),
}

impl Store {
    pub fn create_group(
        &self,
        change: &Change,
        group: &Group,
        owners: &[ObjectId],
        members: &[ObjectId],
    ) -> Result<()> {
        let operations: &[Operation] = if owners.is_empty() && members.is_empty() {
            &[Operation::ManageGroups]
        } else {
            &[Operation::ManageGroups, Operation::ManageGroupMembers]
        };
        self.pool.write(|tx| {
            let change = &authorize(tx, change, operations, None)?;
            tx.execute(
                &format!("INSERT INTO groups ({GROUP_COLUMNS}, tenant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"),
                &params![
                    group.id,
                    group.display_name.clone(),
                    group.description.clone(),
                    group.mail_nickname.as_ref(),
                    group.mail.clone(),
                    group.mail_enabled,
                    group.security_enabled,
                    serde_json::to_string(&group.group_types).expect("strings serialise"),
                    group.membership_rule.clone(),
                    group.membership_rule_processing_state.clone(),
                    group.visibility.clone(),
                    group.created,
                    group.deleted,
                    group.license_processing_state.clone(),
                    change.tenant_id,
                ],
            )
            .map_err(mail_conflict)?;
            audit(tx, change, "Add group", Some((group.id, &group.display_name)), None, Some(audit_json(group)))?;
            for owner in owners {
                add_owner(tx, change, group, *owner)?;
            }
            for member in members {
                add_member(tx, change, group, *member)?;
            }
            if group.is_dynamic() {
                follow_up(tx, change, Changed::GroupRule { group, queue: true })?;
            }
            Ok(())
        })
    }

    pub fn get_group(&self, tenant_id: ObjectId, id: ObjectId) -> Result<Group> {
        self.pool.read(|tx| require_group(tx, tenant_id, id))
    }

    pub fn get_deleted_group(&self, tenant_id: ObjectId, id: ObjectId) -> Result<Group> {
        self.pool.read(|tx| {
            find_group(tx, tenant_id, id, true)?.ok_or_else(|| Error::NotFound {
                kind: "deleted item",
                id: id.to_string(),
            })
        })
    }

    pub fn list_groups(
        &self,
        tenant_id: ObjectId,
        query: &ListQuery,
        deleted: bool,
    ) -> Result<Page<Group>> {
        self.pool.read(|tx| {
            let scope = if deleted {
                "tenant_id = $1 AND deleted_at IS NOT NULL"
            } else {
                "tenant_id = $1 AND deleted_at IS NULL"
            };
            let (rows, next, count) = crate::query::list_rows(
                tx,
                &crate::collections::GroupSchema,
                GROUP_COLUMNS,
                scope,
                params![tenant_id].to_vec(),
                query,
            )?;
            let items = rows
                .iter()
                .map(|row| group_with_licenses(tx, row))
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, next, count })
        })
    }

    /// Replaces a group's properties with `group`'s (the caller applied the PATCH).
    pub fn update_group(&self, change: &Change, group: &Group) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroups], None)?;
            let before = require_group(tx, change.tenant_id, group.id)?;
            tx.execute(
                "UPDATE groups SET display_name = $2, description = $3, mail_nickname = $4, mail = $5, \
                 mail_enabled = $6, security_enabled = $7, group_types = $8, membership_rule = $9, \
                 membership_rule_processing_state = $10, visibility = $11 WHERE id = $1",
                &params![
                    group.id,
                    group.display_name.clone(),
                    group.description.clone(),
                    group.mail_nickname.as_ref(),
                    group.mail.clone(),
                    group.mail_enabled,
                    group.security_enabled,
                    serde_json::to_string(&group.group_types).expect("strings serialise"),
                    group.membership_rule.clone(),
                    group.membership_rule_processing_state.clone(),
                    group.visibility.clone(),
                ],
            )
            .map_err(mail_conflict)?;
            audit(tx, change, "Update group", Some((group.id, &group.display_name)), Some(audit_json(&before)), Some(audit_json(group)))?;
            // A new rule, or a rule turned back on, is applied to every user in the background.
            let rule_changed = before.membership_rule != group.membership_rule
                || before.membership_rule_processing_state != group.membership_rule_processing_state
                || before.is_dynamic() != group.is_dynamic();
            if rule_changed {
                follow_up(tx, change, Changed::GroupRule { group, queue: true })?;
            }
            Ok(())
        })
    }

    pub fn delete_group(&self, change: &Change, id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroups], None)?;
            let group = require_group(tx, change.tenant_id, id)?;
            if !group.licenses.is_empty() {
                return Err(Error::refused(
                    Reason::GroupHasLicenses,
                    format!(
                        "The group {} has licenses assigned: remove them (assignLicense with removeLicenses) before deleting the group.",
                        group.display_name
                    ),
                ));
            }
            tx.execute(
                "UPDATE groups SET deleted_at = $2 WHERE id = $1",
                &params![id, change.at],
            )?;
            if group.is_dynamic() {
                follow_up(tx, change, Changed::GroupRule { group: &group, queue: false })?;
            }
            audit(
                tx,
                change,
                "Delete group",
                Some((id, &group.display_name)),
                Some(audit_json(&group)),
                None,
            )
        })
    }

    pub fn restore_group(&self, change: &Change, id: ObjectId) -> Result<Group> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroups], None)?;
            let mut group =
                find_group(tx, change.tenant_id, id, true)?.ok_or_else(|| Error::NotFound {
                    kind: "deleted item",
                    id: id.to_string(),
                })?;
            tx.execute(
                "UPDATE groups SET deleted_at = NULL WHERE id = $1",
                &params![id],
            )
            .map_err(mail_conflict)?;
            group.deleted = None;
            if group.is_dynamic() {
                follow_up(
                    tx,
                    change,
                    Changed::GroupRule {
                        group: &group,
                        queue: true,
                    },
                )?;
            }
            audit(
                tx,
                change,
                "Restore group",
                Some((id, &group.display_name)),
                None,
                Some(audit_json(&group)),
            )?;
            Ok(group)
        })
    }

    pub fn purge_group(&self, change: &Change, id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroups], None)?;
            purge(tx, change, id)
        })
    }

    /// Purges every group deleted more than 30 days ago; returns how many.
    pub fn purge_expired_groups(&self, tenant_id: ObjectId) -> Result<usize> {
        let cutoff =
            chrono::Utc::now() - chrono::Duration::days(roster_core::directory::RECYCLE_BIN_DAYS);
        self.pool.write(|tx| {
            let expired = tx.query(
                "SELECT id FROM groups WHERE tenant_id = $1 AND deleted_at IS NOT NULL AND deleted_at < $2",
                &params![tenant_id, cutoff],
            )?;
            let change = Change::system(tenant_id);
            let change = &authorize(tx, &change, &[Operation::ManageGroups], None)?;
            for row in &expired {
                purge(tx, change, row.uuid(0)?.into())?;
            }
            Ok(expired.len())
        })
    }

    pub fn add_group_member(
        &self,
        change: &Change,
        group_id: ObjectId,
        member_id: ObjectId,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroupMembers], None)?;
            let group = require_group(tx, change.tenant_id, group_id)?;
            add_member(tx, change, &group, member_id)
        })
    }

    pub fn remove_group_member(
        &self,
        change: &Change,
        group_id: ObjectId,
        member_id: ObjectId,
    ) -> Result<()> {
        self.remove_link(change, group_id, member_id, Link::Member)
    }

    pub fn add_group_owner(
        &self,
        change: &Change,
        group_id: ObjectId,
        owner_id: ObjectId,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroupMembers], None)?;
            let group = require_group(tx, change.tenant_id, group_id)?;
            add_owner(tx, change, &group, owner_id)
        })
    }

    pub fn remove_group_owner(
        &self,
        change: &Change,
        group_id: ObjectId,
        owner_id: ObjectId,
    ) -> Result<()> {
        self.remove_link(change, group_id, owner_id, Link::Owner)
    }

    fn remove_link(
        &self,
        change: &Change,
        group_id: ObjectId,
        object_id: ObjectId,
        link: Link,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageGroupMembers], None)?;
            remove_link(tx, change, group_id, object_id, link)
        })
    }

    /// A page of a group's live members (users and groups) in id order: the first `top`
    /// after `after`, the cursor of the next page if any, and the number of members when
    /// `count`. Each page reads only its own rows, from the memberships' primary key.
    pub fn group_members(
        &self,
        tenant_id: ObjectId,
        group_id: ObjectId,
        after: Option<&Cursor>,
        top: usize,
        count: bool,
    ) -> Result<Page<DirectoryObject>> {
        self.pool.read(|tx| {
            require_group(tx, tenant_id, group_id)?;
            let top = top.max(1);
            let members = Linked::Members(tenant_id, group_id);
            let users = linked(tx, members, "users", user_columns(), after, top + 1)?;
            let groups = linked(tx, members, "groups", GROUP_COLUMNS, after, top + 1)?;
            // The two kinds merged by id, the first `top` kept.
            let mut kinds: Vec<(ObjectId, bool)> = users
                .iter()
                .map(|row| Ok((row.uuid(0)?.into(), false)))
                .chain(groups.iter().map(|row| Ok((row.uuid(0)?.into(), true))))
                .collect::<Result<_>>()?;
            kinds.sort();
            let next = (kinds.len() > top).then(|| Cursor {
                key: None,
                id: kinds[top - 1].0,
            });
            kinds.truncate(top);
            let taken_users = kinds.iter().filter(|(_, group)| !group).count();
            let mut users = users
                .into_iter()
                .take(taken_users)
                .map(|mut row| user_from_row(&mut row))
                .collect::<Result<Vec<_>>>()?;
            crate::license_rows::load_licenses(tx, &mut users)?;
            let mut users = users.into_iter();
            let mut groups = groups.iter().map(group_from_row);
            let mut items = Vec::with_capacity(kinds.len());
            for (_, group) in kinds {
                items.push(match group {
                    false => DirectoryObject::User(users.next().expect("one user per user kept")),
                    true => {
                        DirectoryObject::Group(groups.next().expect("one group per group kept")?)
                    }
                });
            }
            let count = if count {
                Some(linked_count(tx, members, "users")? + linked_count(tx, members, "groups")?)
            } else {
                None
            };
            Ok(Page { items, next, count })
        })
    }

    /// A page of a group's live owners in id order (as [`Store::group_members`]).
    pub fn group_owners(
        &self,
        tenant_id: ObjectId,
        group_id: ObjectId,
        after: Option<&Cursor>,
        top: usize,
        count: bool,
    ) -> Result<Page<User>> {
        self.pool.read(|tx| {
            require_group(tx, tenant_id, group_id)?;
            let owners = Linked::Owners(tenant_id, group_id);
            let mut rows = linked(tx, owners, "users", user_columns(), after, top + 1)?;
            let next = page_end(&mut rows, top)?;
            let mut users = rows
                .iter_mut()
                .map(user_from_row)
                .collect::<Result<Vec<_>>>()?;
            crate::license_rows::load_licenses(tx, &mut users)?;
            let count = count
                .then(|| linked_count(tx, owners, "users"))
                .transpose()?;
            Ok(Page {
                items: users,
                next,
                count,
            })
        })
    }

    /// A page of the live groups a user or group is a direct member of, in id order (as
    /// [`Store::group_members`]).
    pub fn member_of(
        &self,
        tenant_id: ObjectId,
        member_id: ObjectId,
        after: Option<&Cursor>,
        top: usize,
        count: bool,
    ) -> Result<Page<Group>> {
        self.pool.read(|tx| {
            let of = Linked::GroupsOf(tenant_id, member_id);
            let mut rows = linked(tx, of, "groups", GROUP_COLUMNS, after, top + 1)?;
            let next = page_end(&mut rows, top)?;
            let items = rows
                .iter()
                .map(group_from_row)
                .collect::<Result<Vec<_>>>()?;
            let count = count.then(|| linked_count(tx, of, "groups")).transpose()?;
            Ok(Page { items, next, count })
        })
    }
}

/// Objects of a tenant linked to one object: a group's members or owners, or the groups an
/// object is a member of. Each is read in id order from an index whose key is the object and
/// then the linked id.
#[derive(Clone, Copy)]
enum Linked {
    Members(ObjectId, ObjectId),
    Owners(ObjectId, ObjectId),
    GroupsOf(ObjectId, ObjectId),
}

impl Linked {
    /// The link table, the column naming the object, the column naming the linked one, the
    /// object and its tenant.
    fn columns(self) -> (&'static str, &'static str, &'static str, ObjectId, ObjectId) {
        match self {
            Linked::Members(tenant, group) => {
                ("group_members", "group_id", "member_id", group, tenant)
            }
            Linked::Owners(tenant, group) => {
                ("group_owners", "group_id", "owner_id", group, tenant)
            }
            Linked::GroupsOf(tenant, member) => {
                ("group_members", "member_id", "group_id", member, tenant)
            }
        }
    }
}

/// Up to `limit` rows (`columns`) of the live objects of `table` (users or groups) that `link`
/// reaches, in id order, after `after`. (`CROSS JOIN` makes SQLite read the link's index first,
/// in order, and look each object up: left to choose, it could walk every user of the tenant
/// for a group's three owners. PostgreSQL plans it as any join.)
fn linked(
    tx: &mut dyn Tx,
    link: Linked,
    table: &str,
    columns: &str,
    after: Option<&Cursor>,
    limit: usize,
) -> Result<Vec<Row>> {
    let (link_table, from, to, object, tenant) = link.columns();
    let columns: Vec<String> = columns
        .split(',')
        .map(|column| format!("o.{}", column.trim()))
        .collect();
    let sql = format!(
        "SELECT {} FROM {link_table} l CROSS JOIN {table} o \
         WHERE o.id = l.{to} AND l.{from} = $1 AND l.{to} > $2 AND o.tenant_id = $3 \
         AND o.deleted_at IS NULL ORDER BY l.{to} LIMIT $4",
        columns.join(", ")
    );
    tx.query(
        &sql,
        &params![object, after_id(after), tenant, limit as i64],
    )
}

/// How many live objects of `table` `link` reaches.
fn linked_count(tx: &mut dyn Tx, link: Linked, table: &str) -> Result<i64> {
    let (link_table, from, to, object, tenant) = link.columns();
    let sql = format!(
        "SELECT COUNT(*) FROM {link_table} l CROSS JOIN {table} o \
         WHERE o.id = l.{to} AND l.{from} = $1 AND o.tenant_id = $2 AND o.deleted_at IS NULL"
    );
    tx.query_one(&sql, &params![object, tenant])?
        .map_or(Ok(0), |row| row.int(0))
}

/// Deletes a group from the recycle bin for good.
fn purge(tx: &mut dyn Tx, change: &Authorized, id: ObjectId) -> Result<()> {
    change.require(Operation::ManageGroups, None)?;
    let group = find_group(tx, change.tenant_id, id, true)?.ok_or_else(|| Error::NotFound {
        kind: "deleted item",
        id: id.to_string(),
    })?;
    tx.execute(
        "DELETE FROM group_members WHERE member_id = $1",
        &params![id],
    )?;
    tx.execute("DELETE FROM groups WHERE id = $1", &params![id])?;
    audit(
        tx,
        change,
        "Hard delete group",
        Some((id, &group.display_name)),
        Some(audit_json(&group)),
        None,
    )
}

pub(crate) fn add_member(
    tx: &mut dyn Tx,
    change: &Authorized,
    group: &Group,
    member_id: ObjectId,
) -> Result<()> {
    change.require(Operation::ManageGroupMembers, None)?;
    let Some((kind, name)) = object_kind(tx, change.tenant_id, member_id)? else {
        return Err(Error::NotFound {
            kind: "directory object",
            id: member_id.to_string(),
        });
    };
    if member_id == group.id {
        return Err(Error::refused(
            Reason::OwnGroup,
            "A group cannot be a member of itself.",
        ));
    }
    let kind_text = match kind {
        ObjectKind::User => "user",
        ObjectKind::Group => "group",
    };
    insert_member(tx, change, group, member_id, kind_text, &name)
}

/// Inserts a membership of a known directory object (`kind` "user" or "group"), with its audit
/// record; refuses groups whose members are computed.
pub(crate) fn insert_member(
    tx: &mut dyn Tx,
    change: &Authorized,
    group: &Group,
    member_id: ObjectId,
    kind_text: &str,
    name: &str,
) -> Result<()> {
    // A member of a licensed group is licensed in the same transaction, so its row must be
    // there to be seen (not held back with a bulk batch's other inserts).
    let licensed = !group.licenses.is_empty();
    insert_member_row(tx, group, member_id, kind_text, licensed)?;
    audit(
        tx,
        change,
        "Add member to group",
        Some((group.id, &group.display_name)),
        None,
        Some(serde_json::json!({ "member": name, "memberId": member_id })),
    )?;
    if licensed && kind_text == "user" {
        follow_up(tx, change, Changed::Membership(member_id))?;
    }
    Ok(())
}

fn add_owner(
    tx: &mut dyn Tx,
    change: &Authorized,
    group: &Group,
    owner_id: ObjectId,
) -> Result<()> {
    change.require(Operation::ManageGroupMembers, None)?;
    let name = match object_kind(tx, change.tenant_id, owner_id)? {
        Some((ObjectKind::User, name)) => name,
        Some((ObjectKind::Group, _)) => {
            return Err(Error::refused(
                Reason::OnlyUsersOwn,
                "Only users can own a group.",
            ));
        }
        None => {
            return Err(Error::NotFound {
                kind: "directory object",
                id: owner_id.to_string(),
            });
        }
    };
    tx.execute(
        "INSERT INTO group_owners (group_id, owner_id, tenant_id) VALUES ($1, $2, $3)",
        &params![group.id, owner_id, change.tenant_id],
    )
    .map_err(|error| match error {
        Error::UniqueViolation { .. } => Error::refused(
            Reason::AlreadyOwner,
            "One or more added object references already exist for the following modified properties: 'owners'.",
        ),
        other => other,
    })?;
    audit(
        tx,
        change,
        "Add owner to group",
        Some((group.id, &group.display_name)),
        None,
        Some(serde_json::json!({ "owner": name, "ownerId": owner_id })),
    )
}

pub(crate) fn remove_link(
    tx: &mut dyn Tx,
    change: &Authorized,
    group_id: ObjectId,
    object_id: ObjectId,
    link: Link,
) -> Result<()> {
    change.require(Operation::ManageGroupMembers, None)?;
    let (delete, kind, operation, key, id_key) = match link {
        Link::Member => (
            "DELETE FROM group_members WHERE group_id = $1 AND member_id = $2",
            "member of group",
            "Remove member from group",
            "member",
            "memberId",
        ),
        Link::Owner => (
            "DELETE FROM group_owners WHERE group_id = $1 AND owner_id = $2",
            "owner of group",
            "Remove owner from group",
            "owner",
            "ownerId",
        ),
    };
    let group = require_group(tx, change.tenant_id, group_id)?;
    if link == Link::Member {
        refuse_computed_members(&group)?;
    }
    if tx.execute(delete, &params![group_id, object_id])? == 0 {
        return Err(Error::NotFound {
            kind,
            id: object_id.to_string(),
        });
    }
    let name = object_name(tx, change.tenant_id, object_id)?;
    audit(
        tx,
        change,
        operation,
        Some((group_id, &group.display_name)),
        Some(serde_json::json!({ key: name, id_key: object_id })),
        None,
    )?;
    // A member who leaves loses the group's licenses (a no-op for a group member or a user the
    // group gave none).
    if link == Link::Member && group_has_licenses(tx, group_id)? {
        follow_up(tx, change, Changed::Membership(object_id))?;
    }
    Ok(())
}
