//! Who may sign in to an application, and with what: its service principal (whether users must
//! be assigned, whether anyone may sign in), the users and groups assigned to it (Graph's
//! `appRoleAssignment`, with one of its roles or default access), and what a user's sign-in
//! gets of them ([`Store::app_access`]: assigned or not, the roles, the groups its ID token
//! may name). As in Entra, a group's assignment reaches its direct members, and the groups
//! claim names groups within groups too.

use chrono::Utc;
use roster_core::access::Operation;
use roster_core::directory::{AppRegistration, AppRoleAssignment, GroupClaims};
use roster_core::types::ObjectId;
use serde_json::json;
use uuid::Uuid;

use crate::authority::authorize;
use crate::db::{Row, Tx};
use crate::{Change, Error, Result, Store, UserKey, audit, params};

/// What a user's sign-in to an application gets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppAccess {
    /// Assigned, directly or through a group it is a direct member of.
    pub assigned: bool,
    /// The values of the enabled roles assigned, for the `roles` claim.
    pub roles: Vec<String>,
    /// The groups the `groups` claim names, as the application asks (none, security groups,
    /// all), the user's memberships through groups within groups too.
    pub groups: Vec<ObjectId>,
}

const ASSIGNMENT_COLUMNS: &str = "a.id, a.client_id, a.user_id, a.group_id, a.app_role_id, \
     a.created_at, COALESCE(u.display_name, g.display_name, '')";

const ASSIGNMENT_FROM: &str = "app_role_assignments a \
     LEFT JOIN users u ON u.id = a.user_id LEFT JOIN groups g ON g.id = a.group_id";

fn assignment_from(row: &Row) -> Result<AppRoleAssignment> {
    let (principal_id, principal_type) = match (row.opt_uuid(2)?, row.opt_uuid(3)?) {
        (Some(user), _) => (user, "User"),
        (None, Some(group)) => (group, "Group"),
        (None, None) => return Err(Error::Database("an assignment of no one".into())),
    };
    Ok(AppRoleAssignment {
        id: row.uuid(0)?.into(),
        client_id: row.uuid(1)?.into(),
        principal_id: principal_id.into(),
        principal_type,
        principal_name: row.text(6)?,
        app_role_id: row.uuid(4)?,
        created: row.timestamp(5)?,
    })
}

/// The tenant's application whose service principal has this id, or Graph's 404.
fn require_service_principal(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    id: ObjectId,
    lock: bool,
) -> Result<AppRegistration> {
    crate::apps::find_app(tx, tenant_id, "service_principal_id", id, lock)?.ok_or_else(|| {
        Error::NotFound {
            kind: "servicePrincipal",
            id: id.to_string(),
        }
    })
}

impl Store {
    /// The tenant's application by its service principal's id.
    pub fn app_by_service_principal(
        &self,
        tenant_id: ObjectId,
        id: ObjectId,
    ) -> Result<AppRegistration> {
        self.pool
            .read(|tx| require_service_principal(tx, tenant_id, id, false))
    }

    /// Changes who may sign in to an application: whether users must be assigned, whether
    /// anyone may (`None` leaves a setting as it is).
    pub fn update_service_principal(
        &self,
        change: &Change,
        id: ObjectId,
        (assignment_required, enabled): (Option<bool>, Option<bool>),
    ) -> Result<AppRegistration> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            let mut app = require_service_principal(tx, change.tenant_id, id, true)?;
            let before = app.service_principal;
            let principal = &mut app.service_principal;
            principal.assignment_required = assignment_required.unwrap_or(before.assignment_required);
            principal.enabled = enabled.unwrap_or(before.enabled);
            if *principal == before {
                return Ok(app);
            }
            tx.execute(
                "UPDATE apps SET assignment_required = $2, service_principal_enabled = $3 WHERE client_id = $1",
                &params![app.client_id, principal.assignment_required, principal.enabled],
            )?;
            let json = |p: &roster_core::directory::ServicePrincipal| {
                json!({ "appRoleAssignmentRequired": p.assignment_required, "accountEnabled": p.enabled })
            };
            audit(
                tx,
                change,
                "Update service principal",
                Some((id, &app.display_name)),
                Some(json(&before)),
                Some(json(&app.service_principal)),
            )?;
            Ok(app)
        })
    }

    /// Assigns a user or a group of the tenant to an application, with one of its enabled roles
    /// or default access (the nil id).
    pub fn assign_app(
        &self,
        change: &Change,
        service_principal_id: ObjectId,
        principal_id: ObjectId,
        app_role_id: Uuid,
    ) -> Result<AppRoleAssignment> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            let app = require_service_principal(tx, change.tenant_id, service_principal_id, true)?;
            let role_known = app_role_id.is_nil()
                || app
                    .app_roles
                    .iter()
                    .any(|role| role.id == app_role_id && role.enabled);
            if !role_known {
                return Err(Error::BadRequest(format!(
                    "Permission being assigned was not found on application '{}': appRoleId {app_role_id} is not one of its enabled roles.",
                    app.display_name
                )));
            }
            let user = crate::user_rows::find_user(tx, change.tenant_id, &UserKey::Id(principal_id), false)?;
            let (user_id, group_id, name, activity) = match user {
                Some(user) => (Some(principal_id), None, user.display_name, "Add app role assignment grant to user"),
                None => {
                    let group = crate::group_rows::require_group(tx, change.tenant_id, principal_id)
                        .map_err(|_| Error::NotFound {
                            kind: "principal",
                            id: principal_id.to_string(),
                        })?;
                    (None, Some(principal_id), group.display_name, "Add app role assignment to group")
                }
            };
            let assignment = AppRoleAssignment {
                id: ObjectId::new(),
                client_id: app.client_id,
                principal_id,
                principal_type: if user_id.is_some() { "User" } else { "Group" },
                principal_name: name.clone(),
                app_role_id,
                created: Utc::now(),
            };
            let inserted = tx.execute(
                "INSERT INTO app_role_assignments (id, tenant_id, client_id, user_id, group_id, app_role_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &params![
                    assignment.id,
                    change.tenant_id,
                    app.client_id,
                    user_id,
                    group_id,
                    app_role_id,
                    assignment.created
                ],
            );
            match inserted {
                Ok(_) => {}
                Err(Error::UniqueViolation { .. }) => {
                    return Err(Error::BadRequest(
                        "Permission being assigned already exists on the object.".into(),
                    ));
                }
                Err(error) => return Err(error),
            }
            audit(
                tx,
                change,
                activity,
                Some((principal_id, &name)),
                None,
                Some(json!({ "appId": app.client_id, "appDisplayName": app.display_name, "appRoleId": app_role_id })),
            )?;
            Ok(assignment)
        })
    }

    /// Takes an assignment from an application: its user's or group's members' next sign-in
    /// (or renewal) is refused if the application requires assignment.
    pub fn remove_app_assignment(
        &self,
        change: &Change,
        service_principal_id: ObjectId,
        assignment_id: ObjectId,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            let app = require_service_principal(tx, change.tenant_id, service_principal_id, true)?;
            let found = tx.query_one(
                &format!(
                    "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.id = $1 AND a.client_id = $2"
                ),
                &params![assignment_id, app.client_id],
            )?;
            let Some(row) = found else {
                return Err(Error::NotFound {
                    kind: "appRoleAssignment",
                    id: assignment_id.to_string(),
                });
            };
            let assignment = assignment_from(&row)?;
            tx.execute(
                "DELETE FROM app_role_assignments WHERE id = $1",
                &params![assignment_id],
            )?;
            let activity = if assignment.principal_type == "User" {
                "Remove app role assignment from user"
            } else {
                "Remove app role assignment from group"
            };
            audit(
                tx,
                change,
                activity,
                Some((assignment.principal_id, &assignment.principal_name)),
                Some(json!({ "appId": app.client_id, "appDisplayName": app.display_name, "appRoleId": assignment.app_role_id })),
                None,
            )
        })
    }

    /// The users and groups assigned to an application, by name.
    pub fn app_assignments(
        &self,
        tenant_id: ObjectId,
        service_principal_id: ObjectId,
    ) -> Result<Vec<AppRoleAssignment>> {
        self.pool.read(|tx| {
            let app = require_service_principal(tx, tenant_id, service_principal_id, false)?;
            tx.query(
                &format!(
                    "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.client_id = $1 \
                     ORDER BY lower(COALESCE(u.display_name, g.display_name, '')), a.id"
                ),
                &params![app.client_id],
            )?
            .iter()
            .map(assignment_from)
            .collect()
        })
    }

    /// A user's or group's own assignments (not those it has through a group).
    pub fn principal_app_assignments(
        &self,
        tenant_id: ObjectId,
        principal_id: ObjectId,
    ) -> Result<Vec<AppRoleAssignment>> {
        self.pool.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.tenant_id = $1 \
                     AND (a.user_id = $2 OR a.group_id = $2) ORDER BY a.created_at, a.id"
                ),
                &params![tenant_id, principal_id],
            )?
            .iter()
            .map(assignment_from)
            .collect()
        })
    }

    /// What `user_id`'s sign-in to the application gets: whether it is assigned (itself or
    /// through a group it is a direct member of), the roles assigned, and the groups the
    /// application's ID tokens name.
    pub fn app_access(
        &self,
        tenant_id: ObjectId,
        app: &AppRegistration,
        user_id: ObjectId,
    ) -> Result<AppAccess> {
        self.pool.read(|tx| {
            // The live groups the user is a direct member of: what an assignment reaches.
            let group_ids: Vec<ObjectId> = tx
                .query(
                    "SELECT g.id FROM group_members m JOIN groups g ON g.id = m.group_id \
                     WHERE m.member_id = $1 AND g.tenant_id = $2 AND g.deleted_at IS NULL ORDER BY g.id",
                    &params![user_id, tenant_id],
                )?
                .iter()
                .map(|row| Ok(ObjectId::from(row.uuid(0)?)))
                .collect::<Result<_>>()?;
            // The groups claim names every live group the user is in, through groups within
            // groups too, as Entra's does (a cycle of groups ends where it began: UNION).
            let mut claimed = Vec::new();
            if app.group_claims != GroupClaims::None {
                let reached = tx.query(
                    "WITH RECURSIVE reach(id) AS ( \
                       SELECT m.group_id FROM group_members m JOIN groups g ON g.id = m.group_id \
                         WHERE m.member_id = $1 AND g.deleted_at IS NULL \
                       UNION \
                       SELECT m.group_id FROM group_members m JOIN reach r ON m.member_id = r.id \
                         JOIN groups g ON g.id = m.group_id WHERE g.deleted_at IS NULL) \
                     SELECT g.id, g.security_enabled FROM reach JOIN groups g ON g.id = reach.id \
                     WHERE g.tenant_id = $2 ORDER BY g.id",
                    &params![user_id, tenant_id],
                )?;
                for row in &reached {
                    if app.group_claims == GroupClaims::All || row.bool(1)? {
                        claimed.push(ObjectId::from(row.uuid(0)?));
                    }
                }
            }
            let mut assigned_roles: Vec<Uuid> = Vec::new();
            let mut assigned = false;
            let rows = tx.query(
                "SELECT app_role_id, user_id, group_id FROM app_role_assignments WHERE client_id = $1 \
                 AND (user_id = $2 OR group_id IN (SELECT group_id FROM group_members WHERE member_id = $2))",
                &params![app.client_id, user_id],
            )?;
            for row in &rows {
                // A deleted group's assignment gives nothing while it is in the recycle bin.
                let through_live = match row.opt_uuid(2)? {
                    Some(group) => group_ids.contains(&ObjectId::from(group)),
                    None => true,
                };
                if through_live {
                    assigned = true;
                    assigned_roles.push(row.uuid(0)?);
                }
            }
            let mut roles: Vec<String> = app
                .app_roles
                .iter()
                .filter(|role| role.enabled && assigned_roles.contains(&role.id))
                .map(|role| role.value.clone())
                .collect();
            roles.sort();
            Ok(AppAccess {
                assigned,
                roles,
                groups: claimed,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::directory::{AppRole, GroupClaims};

    /// Assigned directly with a role, or through a group a user is a direct member of (not a
    /// group within it, nor one in the recycle bin); the groups claim as the app asks.
    #[test]
    fn access_comes_from_direct_and_group_assignments() {
        let (_directory, store, change) = crate::test_store();
        let role = AppRole {
            id: Uuid::new_v4(),
            display_name: "Admin".into(),
            value: "App.Admin".into(),
            description: String::new(),
            enabled: true,
        };
        let mut app = AppRegistration::new(ObjectId::new(), "App".into(), Utc::now());
        app.app_roles = vec![role.clone()];
        app.group_claims = GroupClaims::SecurityGroup;
        store.create_app(&change, &app, None).unwrap();
        let ann = crate::testing::test_user("ann@t.example");
        let bob = crate::testing::test_user("bob@t.example");
        store.create_user(&change, &ann, None).unwrap();
        store.create_user(&change, &bob, None).unwrap();
        let outer = crate::testing::test_group(&store, &change, "outer");
        let inner = crate::testing::test_group(&store, &change, "inner");
        store.add_group_member(&change, inner.id, bob.id).unwrap();
        store.add_group_member(&change, outer.id, inner.id).unwrap();
        let sp = app.service_principal.id;
        assert_eq!(
            store.app_access(change.tenant_id, &app, ann.id).unwrap(),
            AppAccess::default()
        );
        store.assign_app(&change, sp, ann.id, role.id).unwrap();
        store
            .assign_app(&change, sp, outer.id, Uuid::nil())
            .unwrap();
        let access = store.app_access(change.tenant_id, &app, ann.id).unwrap();
        assert!(access.assigned);
        assert_eq!(access.roles, vec!["App.Admin".to_string()]);
        // Bob is in `inner`, which is in `outer`: a nested membership does not count for the
        // assignment, but the groups claim names both.
        let access = store.app_access(change.tenant_id, &app, bob.id).unwrap();
        assert!(!access.assigned);
        let mut both = vec![inner.id, outer.id];
        both.sort();
        assert_eq!(access.groups, both);
        store
            .assign_app(&change, sp, inner.id, Uuid::nil())
            .unwrap();
        assert!(
            store
                .app_access(change.tenant_id, &app, bob.id)
                .unwrap()
                .assigned
        );
        assert_eq!(
            store.app_assignments(change.tenant_id, sp).unwrap().len(),
            3
        );
    }
}
