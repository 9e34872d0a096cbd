//! Who may do what: the one place where authorization is decided.
//!
//! A request's [`Principal`] is a signed-in user with directory roles, or an app with Graph's
//! application permissions. [`Principal::authorize`] answers for an [`Operation`] and, where
//! the operation touches a user, that user's roles (a Helpdesk Administrator may reset the
//! password of an ordinary user but not of a Global Administrator), and gives a [`Grant`] for
//! it. The store's writes ask for a grant, so that nothing changes the directory without having
//! been through here; the store makes its grants inside the transaction of the change, from
//! the roles as they are then.

use uuid::Uuid;

use crate::types::ObjectId;

/// Entra ID's built-in directory roles that roster implements, with their real template ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    GlobalAdministrator,
    UserAdministrator,
    HelpdeskAdministrator,
    LicenseAdministrator,
    GroupsAdministrator,
    GlobalReader,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::GlobalAdministrator,
        Role::UserAdministrator,
        Role::HelpdeskAdministrator,
        Role::LicenseAdministrator,
        Role::GroupsAdministrator,
        Role::GlobalReader,
    ];

    pub fn display_name(&self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "Global Administrator",
            Role::UserAdministrator => "User Administrator",
            Role::HelpdeskAdministrator => "Helpdesk Administrator",
            Role::LicenseAdministrator => "License Administrator",
            Role::GroupsAdministrator => "Groups Administrator",
            Role::GlobalReader => "Global Reader",
        }
    }

    pub fn template_id(&self) -> Uuid {
        let id = match self {
            Role::GlobalAdministrator => "62e90394-69f5-4237-9190-012177145e10",
            Role::UserAdministrator => "fe930be7-5e62-47db-91af-98c3a49a38b1",
            Role::HelpdeskAdministrator => "729827e3-9c14-49f7-bb1b-9608f156bbb8",
            Role::LicenseAdministrator => "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
            Role::GroupsAdministrator => "fdd7a751-b60b-444a-984c-02652fe8fa1c",
            Role::GlobalReader => "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        };
        Uuid::parse_str(id).expect("valid template id")
    }

    /// Accepts the display name, the name without spaces, or the template id.
    pub fn parse(text: &str) -> Option<Role> {
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        Role::ALL.into_iter().find(|role| {
            squeezed.eq_ignore_ascii_case(&role.display_name().replace(' ', ""))
                || text.eq_ignore_ascii_case(&role.template_id().to_string())
        })
    }

    /// The roles whose holders this role may reset, block, delete and edit, as Entra ID's
    /// "who can reset passwords" table says. Users without any role are always included.
    fn manages(&self) -> &'static [Role] {
        match self {
            Role::GlobalAdministrator => &Role::ALL,
            Role::UserAdministrator => &[
                Role::UserAdministrator,
                Role::HelpdeskAdministrator,
                Role::GroupsAdministrator,
            ],
            Role::HelpdeskAdministrator => &[Role::HelpdeskAdministrator],
            _ => &[],
        }
    }
}

/// Everything a principal may ask of the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    ReadUsers,
    ReadGroups,
    ReadOrganization,
    ReadAuditLog,
    CreateUser,
    UpdateUser,
    SetUsageLocation,
    DeleteUser,
    RestoreUser,
    PurgeUser,
    ResetPassword,
    BlockSignIn,
    RevokeSessions,
    AssignLicense,
    ManageGroups,
    ManageGroupMembers,
    ManageSubscriptions,
    ManageDomains,
    ManageRoles,
    ReadContacts,
    ManageContacts,
    /// The tenant's sign-in settings: smart lockout, session lifetime.
    ManageSettings,
    /// App registrations: their settings and redirect URIs (never their secrets).
    ReadApplications,
    /// App registrations created, changed, deleted, given and stripped of secrets.
    ManageApplications,
    /// A user's change of its own password: no role grants it, only being that user
    /// ([`Principal::authorize_self`]).
    ChangeOwnPassword,
}

impl Operation {
    pub const ALL: [Operation; 25] = [
        Operation::ReadUsers,
        Operation::ReadGroups,
        Operation::ReadOrganization,
        Operation::ReadAuditLog,
        Operation::CreateUser,
        Operation::UpdateUser,
        Operation::SetUsageLocation,
        Operation::DeleteUser,
        Operation::RestoreUser,
        Operation::PurgeUser,
        Operation::ResetPassword,
        Operation::BlockSignIn,
        Operation::RevokeSessions,
        Operation::AssignLicense,
        Operation::ManageGroups,
        Operation::ManageGroupMembers,
        Operation::ManageSubscriptions,
        Operation::ManageDomains,
        Operation::ManageRoles,
        Operation::ReadContacts,
        Operation::ManageContacts,
        Operation::ManageSettings,
        Operation::ReadApplications,
        Operation::ManageApplications,
        Operation::ChangeOwnPassword,
    ];

    /// Operations on one user whose outcome depends on that user's roles.
    pub fn targets_user(&self) -> bool {
        matches!(
            self,
            Operation::UpdateUser
                | Operation::DeleteUser
                | Operation::RestoreUser
                | Operation::PurgeUser
                | Operation::ResetPassword
                | Operation::BlockSignIn
                | Operation::RevokeSessions
                | Operation::ChangeOwnPassword
        )
    }

    fn roles(&self) -> &'static [Role] {
        use Role::*;
        const ADMINS: &[Role] = &[
            GlobalAdministrator,
            UserAdministrator,
            HelpdeskAdministrator,
            LicenseAdministrator,
            GroupsAdministrator,
            GlobalReader,
        ];
        match self {
            Operation::ReadUsers
            | Operation::ReadGroups
            | Operation::ReadOrganization
            | Operation::ReadContacts => ADMINS,
            Operation::ManageContacts => &[GlobalAdministrator, UserAdministrator],
            Operation::ReadAuditLog | Operation::ReadApplications => {
                &[GlobalAdministrator, GlobalReader]
            }
            Operation::ManageApplications => &[GlobalAdministrator],
            Operation::CreateUser
            | Operation::UpdateUser
            | Operation::DeleteUser
            | Operation::RestoreUser
            | Operation::PurgeUser => &[GlobalAdministrator, UserAdministrator],
            Operation::SetUsageLocation | Operation::AssignLicense => {
                &[GlobalAdministrator, UserAdministrator, LicenseAdministrator]
            }
            Operation::ResetPassword | Operation::BlockSignIn | Operation::RevokeSessions => &[
                GlobalAdministrator,
                UserAdministrator,
                HelpdeskAdministrator,
            ],
            Operation::ManageGroups | Operation::ManageGroupMembers => {
                &[GlobalAdministrator, UserAdministrator, GroupsAdministrator]
            }
            Operation::ManageSubscriptions => &[GlobalAdministrator, LicenseAdministrator],
            Operation::ManageDomains | Operation::ManageRoles | Operation::ManageSettings => {
                &[GlobalAdministrator]
            }
            Operation::ChangeOwnPassword => &[],
        }
    }

    /// Graph's application permissions that grant the operation to an app.
    fn permissions(&self) -> &'static [&'static str] {
        const DIRECTORY_WRITE: &str = "Directory.ReadWrite.All";
        match self {
            Operation::ReadUsers => &[
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                DIRECTORY_WRITE,
            ],
            Operation::ReadGroups => &[
                "Group.Read.All",
                "Group.ReadWrite.All",
                "GroupMember.Read.All",
                "Directory.Read.All",
                DIRECTORY_WRITE,
            ],
            Operation::ReadOrganization => &[
                "Organization.Read.All",
                "Organization.ReadWrite.All",
                "Directory.Read.All",
                DIRECTORY_WRITE,
                "LicenseAssignment.ReadWrite.All",
                "User.Read.All",
                "User.ReadWrite.All",
            ],
            Operation::ReadAuditLog => &["AuditLog.Read.All"],
            Operation::CreateUser
            | Operation::UpdateUser
            | Operation::DeleteUser
            | Operation::RestoreUser
            | Operation::PurgeUser
            | Operation::BlockSignIn
            | Operation::SetUsageLocation => &["User.ReadWrite.All", DIRECTORY_WRITE],
            Operation::ResetPassword => &[
                "User-PasswordProfile.ReadWrite.All",
                "User.ReadWrite.All",
                DIRECTORY_WRITE,
            ],
            Operation::RevokeSessions => &[
                "User.RevokeSessions.All",
                "User.ReadWrite.All",
                DIRECTORY_WRITE,
            ],
            Operation::AssignLicense => &[
                "LicenseAssignment.ReadWrite.All",
                "User.ReadWrite.All",
                DIRECTORY_WRITE,
            ],
            Operation::ManageGroups => &["Group.ReadWrite.All", DIRECTORY_WRITE],
            Operation::ManageGroupMembers => &[
                "GroupMember.ReadWrite.All",
                "Group.ReadWrite.All",
                DIRECTORY_WRITE,
            ],
            Operation::ManageSubscriptions => &["Organization.ReadWrite.All", DIRECTORY_WRITE],
            Operation::ManageDomains => &["Domain.ReadWrite.All", DIRECTORY_WRITE],
            Operation::ManageRoles => &["RoleManagement.ReadWrite.Directory"],
            Operation::ReadContacts => {
                &["OrgContact.Read.All", "Directory.Read.All", DIRECTORY_WRITE]
            }
            Operation::ManageContacts => &[DIRECTORY_WRITE],
            Operation::ManageSettings => {
                &["Policy.ReadWrite.AuthenticationMethod", DIRECTORY_WRITE]
            }
            Operation::ReadApplications => &[
                "Application.Read.All",
                "Application.ReadWrite.All",
                "Directory.Read.All",
                DIRECTORY_WRITE,
            ],
            // Not Directory.ReadWrite.All: as in Entra, it does not let an app add secrets to
            // other apps.
            Operation::ManageApplications => &["Application.ReadWrite.All"],
            Operation::ChangeOwnPassword => &[],
        }
    }
}

/// The delegated scope with which an application does what the signed-in user may, and no
/// more: Graph's "Access the directory as the signed-in user".
pub const ACCESS_AS_USER: &str = "Directory.AccessAsUser.All";

/// The application permissions roster knows, as Graph names them.
pub fn is_known_permission(name: &str) -> bool {
    Operation::ALL
        .iter()
        .any(|op| op.permissions().contains(&name))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// roster itself: bootstrap, demo data, upkeep, the processing of groups. Allowed
    /// everything; never the principal of a request.
    System,
    User {
        id: ObjectId,
        name: String,
        roles: Vec<Role>,
        /// The delegated scopes of a token the user gave an application (`None`: the user's own
        /// sign-in, to the admin center or the CLI). An application may do only what both the
        /// user's roles and one of these scopes allow.
        scopes: Option<Vec<String>>,
    },
    App {
        client_id: ObjectId,
        name: String,
        permissions: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Forbidden {
    #[error("insufficient privileges to complete the operation")]
    Operation,
    #[error(
        "insufficient privileges to complete the operation: the target user holds a more privileged role"
    )]
    MorePrivilegedTarget,
}

/// Proof that a principal was allowed an operation: only [`Principal::authorize`] and
/// [`Principal::authorize_self`] make one. A grant is for the moment it was made: it is
/// not `Clone`, and the store makes it inside the transaction it is used in.
#[derive(Debug, PartialEq, Eq)]
pub struct Grant {
    operation: Operation,
}

impl Grant {
    pub fn operation(&self) -> Operation {
        self.operation
    }
}

impl Principal {
    /// The principal's object id (`None` for roster itself).
    pub fn id(&self) -> Option<ObjectId> {
        match self {
            Principal::System => None,
            Principal::User { id, .. } => Some(*id),
            Principal::App { client_id, .. } => Some(*client_id),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Principal::System => "roster",
            Principal::User { name, .. } | Principal::App { name, .. } => name,
        }
    }

    /// Decides `operation` on the principal's own account (`user_id`): a user may change its
    /// own password and end its own sessions, whatever its roles; anything else is decided
    /// by [`Principal::authorize`] with the user's own roles as the target's.
    pub fn authorize_self(
        &self,
        operation: Operation,
        user_id: ObjectId,
    ) -> Result<Grant, Forbidden> {
        match self {
            Principal::User { id, roles, .. } if *id == user_id => {
                if matches!(
                    operation,
                    Operation::ChangeOwnPassword | Operation::RevokeSessions
                ) {
                    Ok(Grant { operation })
                } else {
                    self.authorize(operation, roles)
                }
            }
            _ => Err(Forbidden::Operation),
        }
    }

    /// Decides whether this principal may perform `operation`, on a user holding
    /// `target_roles` when the operation touches one (see [`Operation::targets_user`]).
    pub fn authorize(
        &self,
        operation: Operation,
        target_roles: &[Role],
    ) -> Result<Grant, Forbidden> {
        let grant = Grant { operation };
        match self {
            Principal::System => Ok(grant),
            Principal::App { permissions, .. } => {
                let granted = operation
                    .permissions()
                    .iter()
                    .any(|p| permissions.iter().any(|have| have == p));
                if granted {
                    Ok(grant)
                } else {
                    Err(Forbidden::Operation)
                }
            }
            Principal::User { roles, scopes, .. } => {
                if let Some(scopes) = scopes {
                    // `Directory.AccessAsUser.All`: the application acts as the user, whose
                    // roles alone decide.
                    let delegated = scopes
                        .iter()
                        .any(|have| have.eq_ignore_ascii_case(ACCESS_AS_USER))
                        || operation
                            .permissions()
                            .iter()
                            .any(|p| scopes.iter().any(|have| have.eq_ignore_ascii_case(p)));
                    if !delegated {
                        return Err(Forbidden::Operation);
                    }
                }
                let allowed: Vec<Role> = roles
                    .iter()
                    .copied()
                    .filter(|role| operation.roles().contains(role))
                    .collect();
                if allowed.is_empty() {
                    return Err(Forbidden::Operation);
                }
                if !operation.targets_user() {
                    return Ok(grant);
                }
                let manages_target = allowed.iter().any(|role| {
                    target_roles
                        .iter()
                        .all(|target| role.manages().contains(target))
                });
                if manages_target {
                    Ok(grant)
                } else {
                    Err(Forbidden::MorePrivilegedTarget)
                }
            }
        }
    }

    /// Whether this is the signed-in user `id` (everyone may read their own profile).
    pub fn is_user(&self, id: ObjectId) -> bool {
        matches!(self, Principal::User { id: own, .. } if *own == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation as Op;
    use Role::*;

    fn user(roles: &[Role]) -> Principal {
        Principal::User {
            id: ObjectId::new(),
            name: "actor".into(),
            roles: roles.to_vec(),
            scopes: None,
        }
    }

    /// A Global Administrator's token given to an application does what the scopes granted
    /// allow, and no more: the roles and the scopes must both allow it.
    #[test]
    fn a_delegated_token_is_held_to_its_scopes() {
        let delegated = |scopes: &[&str], roles: &[Role]| Principal::User {
            id: ObjectId::new(),
            name: "actor".into(),
            roles: roles.to_vec(),
            scopes: Some(scopes.iter().map(|s| s.to_string()).collect()),
        };
        let admin = delegated(&["openid", "profile", "User.Read"], &[GlobalAdministrator]);
        for op in [
            Op::ReadUsers,
            Op::CreateUser,
            Op::ManageApplications,
            Op::ManageRoles,
        ] {
            assert!(admin.authorize(op, &[]).is_err(), "{op:?}");
        }
        let reader = delegated(&["User.Read.All"], &[GlobalAdministrator]);
        assert!(reader.authorize(Op::ReadUsers, &[]).is_ok());
        assert!(reader.authorize(Op::UpdateUser, &[]).is_err());
        let writer = delegated(&["User.ReadWrite.All"], &[GlobalAdministrator]);
        assert!(writer.authorize(Op::UpdateUser, &[]).is_ok());
        // The scope alone gives nothing the roles do not.
        let plain = delegated(&["Directory.ReadWrite.All"], &[]);
        assert!(plain.authorize(Op::ReadUsers, &[]).is_err());
        // Acting as the user: what the roles allow, every operation of them, and no more.
        let acting = delegated(&[ACCESS_AS_USER], &[UserAdministrator]);
        assert!(acting.authorize(Op::CreateUser, &[]).is_ok());
        assert!(acting.authorize(Op::ManageRoles, &[]).is_err());
        assert_eq!(
            acting.authorize(Op::ResetPassword, &[GlobalAdministrator]),
            Err(Forbidden::MorePrivilegedTarget)
        );
        let nobody = delegated(&[ACCESS_AS_USER], &[]);
        assert!(nobody.authorize(Op::ReadUsers, &[]).is_err());
    }

    /// The whole matrix: every role against every operation, for an ordinary target user.
    #[test]
    fn role_matrix() {
        // Rows: operations; columns in Role::ALL order (GA, UA, HA, LA, GrA, GR); then "no role".
        let expected: &[(Op, [bool; 7])] = &[
            (Op::ReadUsers, [true, true, true, true, true, true, false]),
            (Op::ReadGroups, [true, true, true, true, true, true, false]),
            (
                Op::ReadOrganization,
                [true, true, true, true, true, true, false],
            ),
            (
                Op::ReadAuditLog,
                [true, false, false, false, false, true, false],
            ),
            (
                Op::CreateUser,
                [true, true, false, false, false, false, false],
            ),
            (
                Op::UpdateUser,
                [true, true, false, false, false, false, false],
            ),
            (
                Op::SetUsageLocation,
                [true, true, false, true, false, false, false],
            ),
            (
                Op::DeleteUser,
                [true, true, false, false, false, false, false],
            ),
            (
                Op::RestoreUser,
                [true, true, false, false, false, false, false],
            ),
            (
                Op::PurgeUser,
                [true, true, false, false, false, false, false],
            ),
            (
                Op::ResetPassword,
                [true, true, true, false, false, false, false],
            ),
            (
                Op::BlockSignIn,
                [true, true, true, false, false, false, false],
            ),
            (
                Op::RevokeSessions,
                [true, true, true, false, false, false, false],
            ),
            (
                Op::AssignLicense,
                [true, true, false, true, false, false, false],
            ),
            (
                Op::ManageGroups,
                [true, true, false, false, true, false, false],
            ),
            (
                Op::ManageGroupMembers,
                [true, true, false, false, true, false, false],
            ),
            (
                Op::ManageSubscriptions,
                [true, false, false, true, false, false, false],
            ),
            (
                Op::ManageDomains,
                [true, false, false, false, false, false, false],
            ),
            (
                Op::ManageRoles,
                [true, false, false, false, false, false, false],
            ),
            (
                Op::ReadContacts,
                [true, true, true, true, true, true, false],
            ),
            (
                Op::ManageContacts,
                [true, true, false, false, false, false, false],
            ),
            (
                Op::ManageSettings,
                [true, false, false, false, false, false, false],
            ),
            (
                Op::ReadApplications,
                [true, false, false, false, false, true, false],
            ),
            (
                Op::ManageApplications,
                [true, false, false, false, false, false, false],
            ),
            (
                Op::ChangeOwnPassword,
                [false, false, false, false, false, false, false],
            ),
        ];
        assert_eq!(expected.len(), Op::ALL.len(), "every operation has a row");
        for (op, row) in expected {
            for (column, allowed) in row.iter().enumerate() {
                let roles: Vec<Role> = Role::ALL.get(column).into_iter().copied().collect();
                let got = user(&roles).authorize(*op, &[]).is_ok();
                assert_eq!(got, *allowed, "{op:?} by {roles:?}");
            }
        }
    }

    /// Who may act on a user holding a role, for the operations that touch one.
    #[test]
    fn target_matrix() {
        // Rows: actor; columns: the target's role in Role::ALL order.
        let expected: &[(Role, [bool; 6])] = &[
            (GlobalAdministrator, [true, true, true, true, true, true]),
            (UserAdministrator, [false, true, true, false, true, false]),
            (
                HelpdeskAdministrator,
                [false, false, true, false, false, false],
            ),
        ];
        for (actor, row) in expected {
            for (target, allowed) in Role::ALL.iter().zip(row) {
                let got = user(&[*actor]).authorize(Op::ResetPassword, &[*target]);
                assert_eq!(got.is_ok(), *allowed, "{actor:?} resetting {target:?}");
                if !allowed {
                    assert_eq!(got, Err(Forbidden::MorePrivilegedTarget));
                }
            }
        }
        assert!(
            user(&[HelpdeskAdministrator])
                .authorize(Op::BlockSignIn, &[])
                .is_ok()
        );
        assert!(
            user(&[UserAdministrator])
                .authorize(Op::DeleteUser, &[GlobalAdministrator])
                .is_err()
        );
        // A user holding two roles is managed only by whoever manages both.
        assert!(
            user(&[HelpdeskAdministrator])
                .authorize(
                    Op::ResetPassword,
                    &[HelpdeskAdministrator, LicenseAdministrator]
                )
                .is_err()
        );
    }

    #[test]
    fn grants_on_oneself() {
        let me = user(&[]);
        let id = me.id().unwrap();
        let own = |op| me.authorize_self(op, id).map(|grant| grant.operation());
        assert_eq!(own(Op::ChangeOwnPassword), Ok(Op::ChangeOwnPassword));
        assert_eq!(own(Op::RevokeSessions), Ok(Op::RevokeSessions));
        assert!(
            own(Op::UpdateUser).is_err(),
            "no role, no edits, even of oneself"
        );
        assert!(own(Op::BlockSignIn).is_err());
        // Someone else's account is not one's own.
        assert!(
            me.authorize_self(Op::ChangeOwnPassword, ObjectId::new())
                .is_err()
        );
        assert!(me.authorize(Op::ChangeOwnPassword, &[]).is_err());
        // An administrator acting on its own account is judged by its roles.
        let helpdesk = user(&[HelpdeskAdministrator]);
        let helpdesk_id = helpdesk.id().unwrap();
        assert!(
            helpdesk
                .authorize_self(Op::ResetPassword, helpdesk_id)
                .is_ok()
        );
        // roster itself is allowed everything.
        assert!(
            Principal::System
                .authorize(Op::ManageRoles, &[GlobalAdministrator])
                .is_ok()
        );
    }

    #[test]
    fn app_permissions() {
        let app = |permissions: &[&str]| Principal::App {
            client_id: ObjectId::new(),
            name: "app".into(),
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
        };
        assert!(
            app(&["User.Read.All"])
                .authorize(Op::ReadUsers, &[])
                .is_ok()
        );
        assert!(
            app(&["User.Read.All"])
                .authorize(Op::CreateUser, &[])
                .is_err()
        );
        assert!(
            app(&["User.Read.All"])
                .authorize(Op::ReadGroups, &[])
                .is_err()
        );
        assert!(
            app(&["Directory.ReadWrite.All"])
                .authorize(Op::DeleteUser, &[GlobalAdministrator])
                .is_ok()
        );
        assert!(
            app(&["LicenseAssignment.ReadWrite.All"])
                .authorize(Op::AssignLicense, &[])
                .is_ok()
        );
        assert!(
            app(&["LicenseAssignment.ReadWrite.All"])
                .authorize(Op::UpdateUser, &[])
                .is_err()
        );
        assert!(
            app(&["Group.ReadWrite.All"])
                .authorize(Op::ManageGroupMembers, &[])
                .is_ok()
        );
        assert!(app(&[]).authorize(Op::ReadUsers, &[]).is_err());
        assert!(is_known_permission("User.ReadWrite.All"));
        assert!(!is_known_permission("User.ReadWrite.Everything"));
    }

    #[test]
    fn roles_parse() {
        assert_eq!(
            Role::parse("Global Administrator"),
            Some(GlobalAdministrator)
        );
        assert_eq!(
            Role::parse("helpdeskadministrator"),
            Some(HelpdeskAdministrator)
        );
        assert_eq!(
            Role::parse("fdd7a751-b60b-444a-984c-02652fe8fa1c"),
            Some(GroupsAdministrator)
        );
        assert_eq!(Role::parse("Janitor"), None);
    }
}
