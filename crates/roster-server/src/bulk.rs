//! What each kind of bulk job does with one row.
//!
//! A row is a JSON object. Every kind but `createUsers` names its user in `user` (a user
//! principal name or an object id) and changes it through the same store use case, with the same
//! authorization (the submitter's roles against the target's, decided per row) and the same
//! errors, as the API's request for one user would. A row that asks for what is already so is
//! `unchanged`, so that running the same file twice is safe.
//!
//! Kinds and their rows (options apply to every row that does not say otherwise):
//! - `createUsers`: a Graph user-create body. Options `usageLocation`, `licenses`, `groups`.
//! - `updateUsers`: `user` and the properties to change, as `PATCH /users/{id}` takes them
//!   (names, contact and authentication contact details, MFA state and methods, UPN, ...).
//! - `resetPasswords`: `user`, optionally `password` (else one is generated and shown once).
//!   Option `forceChangePasswordNextSignIn` (default true).
//! - `blockUsers`, `unblockUsers`, `revokeSessions`, `deleteUsers`: `user`.
//! - `restoreUsers`, `purgeUsers`: `user` in the recycle bin (by id, or by user principal name
//!   when only one deleted user has it).
//! - `setManager`: `user` and `manager` (a user; empty or null removes the manager).
//! - `changeDomain`: `user`, and `domain` in the row or the options: the user principal name
//!   keeps its alias and takes the domain (and `mail`, if it was the old user principal name).
//! - `assignLicenses`, `removeLicenses`: `user`, `licenses` (skuIds) in the row or options;
//!   option `disabledPlans` (service plan ids) for assignments.
//! - `addToGroups`, `removeFromGroups`: `user`, `groups` (ids) in the row or options.

use std::collections::HashMap;

use roster_core::access::{Operation, Principal};
use roster_core::directory::{LicenseAssignment, PasswordHash, User};
use roster_core::requests::UserUpdate;
use roster_core::types::{DomainName, ObjectId, SkuId, UsageLocation, UserPrincipalName};
use roster_store::{JobTx, PreparedUser, RowOutcome, UserKey};
use serde_json::{Value as JsonValue, json};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::identity::keys::Keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CreateUsers,
    UpdateUsers,
    ResetPasswords,
    BlockUsers,
    UnblockUsers,
    RevokeSessions,
    DeleteUsers,
    RestoreUsers,
    PurgeUsers,
    SetManager,
    ChangeDomain,
    AssignLicenses,
    RemoveLicenses,
    AddToGroups,
    RemoveFromGroups,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::CreateUsers,
        Kind::UpdateUsers,
        Kind::ResetPasswords,
        Kind::BlockUsers,
        Kind::UnblockUsers,
        Kind::RevokeSessions,
        Kind::DeleteUsers,
        Kind::RestoreUsers,
        Kind::PurgeUsers,
        Kind::SetManager,
        Kind::ChangeDomain,
        Kind::AssignLicenses,
        Kind::RemoveLicenses,
        Kind::AddToGroups,
        Kind::RemoveFromGroups,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::CreateUsers => "createUsers",
            Kind::UpdateUsers => "updateUsers",
            Kind::ResetPasswords => "resetPasswords",
            Kind::BlockUsers => "blockUsers",
            Kind::UnblockUsers => "unblockUsers",
            Kind::RevokeSessions => "revokeSessions",
            Kind::DeleteUsers => "deleteUsers",
            Kind::RestoreUsers => "restoreUsers",
            Kind::PurgeUsers => "purgeUsers",
            Kind::SetManager => "setManager",
            Kind::ChangeDomain => "changeDomain",
            Kind::AssignLicenses => "assignLicenses",
            Kind::RemoveLicenses => "removeLicenses",
            Kind::AddToGroups => "addToGroups",
            Kind::RemoveFromGroups => "removeFromGroups",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// What the submitter must be allowed to do at all; each row checks it again against its
    /// target's roles (and `updateUsers` checks each part of its change as `PATCH` does).
    pub fn operation(self) -> Operation {
        match self {
            Kind::CreateUsers => Operation::CreateUser,
            Kind::UpdateUsers | Kind::SetManager | Kind::ChangeDomain => Operation::UpdateUser,
            Kind::ResetPasswords => Operation::ResetPassword,
            Kind::BlockUsers | Kind::UnblockUsers => Operation::BlockSignIn,
            Kind::RevokeSessions => Operation::RevokeSessions,
            Kind::DeleteUsers => Operation::DeleteUser,
            Kind::RestoreUsers => Operation::RestoreUser,
            Kind::PurgeUsers => Operation::PurgeUser,
            Kind::AssignLicenses | Kind::RemoveLicenses => Operation::AssignLicense,
            Kind::AddToGroups | Kind::RemoveFromGroups => Operation::ManageGroupMembers,
        }
    }
}

/// A job's options, checked when it is submitted.
#[derive(Debug, Default, Clone)]
pub struct Options {
    usage_location: Option<UsageLocation>,
    licenses: Vec<SkuId>,
    disabled_plans: Vec<Uuid>,
    groups: Vec<ObjectId>,
    domain: Option<DomainName>,
    force_change: bool,
}

fn id_list<T>(
    json: &JsonValue,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> ApiResult<Vec<T>> {
    match &json[name] {
        JsonValue::Null => Ok(Vec::new()),
        JsonValue::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().and_then(&parse).ok_or_else(|| {
                    ApiError::bad_request(format!("{name} is invalid: {item} is not an id."))
                })
            })
            .collect(),
        other => Err(ApiError::bad_request(format!(
            "{name} is invalid: expected a list of ids, not {other}."
        ))),
    }
}

impl Options {
    pub fn parse(json: &JsonValue) -> ApiResult<Options> {
        let usage_location = match json["usageLocation"].as_str() {
            Some(code) => Some(UsageLocation::parse(code)?),
            None => None,
        };
        let domain = match json["domain"].as_str() {
            Some(name) => Some(DomainName::parse(name)?),
            None => None,
        };
        Ok(Options {
            usage_location,
            licenses: id_list(json, "licenses", |t| SkuId::parse(t).ok())?,
            disabled_plans: id_list(json, "disabledPlans", |t| Uuid::parse_str(t).ok())?,
            groups: id_list(json, "groups", |t| ObjectId::parse(t).ok())?,
            domain,
            force_change: json["forceChangePasswordNextSignIn"]
                .as_bool()
                .unwrap_or(true),
        })
    }

    /// The operations a job with these options needs besides its kind's.
    pub fn operations(&self, kind: Kind) -> Vec<Operation> {
        let mut operations = vec![kind.operation()];
        if kind == Kind::CreateUsers {
            if !self.licenses.is_empty() {
                operations.push(Operation::AssignLicense);
            }
            if !self.groups.is_empty() {
                operations.push(Operation::ManageGroupMembers);
            }
        }
        operations
    }
}

/// A row's human-chosen password, if it has one: `passwordProfile.password` or `password`.
pub fn row_password(row: &JsonValue) -> Option<&str> {
    row["passwordProfile"]["password"]
        .as_str()
        .or_else(|| row["password"].as_str())
}

/// Where a row gives a password (as [`row_password`] reads it).
const PASSWORD_SLOTS: [&str; 2] = ["/passwordProfile/password", "/password"];

/// The context a row's given password is sealed in while it waits to be applied.
fn row_password_context(tenant_id: ObjectId) -> String {
    format!("tenant {tenant_id} bulk row password")
}

/// The row as it is kept until applied, its given password (`passwordProfile.password` or
/// `password`) sealed under the server key; `None` when it gives none. (Once applied, the
/// store drops the password from the row altogether.)
pub fn seal_row_password(keys: &Keys, tenant_id: ObjectId, raw: &str) -> Option<String> {
    // Only a row that says "password", or escapes a character, can have one as a key.
    if !raw.contains("password") && !raw.contains("\\u") {
        return None;
    }
    let mut row: JsonValue = serde_json::from_str(raw).ok()?;
    let context = row_password_context(tenant_id);
    let mut sealed = false;
    for slot in PASSWORD_SLOTS {
        if let Some(slot) = row.pointer_mut(slot)
            && let Some(password) = slot.as_str().filter(|text| !Keys::is_sealed(text))
        {
            *slot = keys.seal(&context, password).into();
            sealed = true;
        }
    }
    sealed.then(|| row.to_string())
}

/// The row with its sealed password opened (a row kept by [`seal_row_password`]).
fn open_row_password<'a>(
    keys: &Keys,
    tenant_id: ObjectId,
    raw: &'a str,
) -> Result<std::borrow::Cow<'a, str>, RowOutcome> {
    if !raw.contains("sealed:v1:") {
        return Ok(std::borrow::Cow::Borrowed(raw));
    }
    let unreadable = || {
        failed(
            "The row's password cannot be read with this server's key.",
            "password",
        )
    };
    let mut row: JsonValue = serde_json::from_str(raw).map_err(|_| unreadable())?;
    let context = row_password_context(tenant_id);
    for slot in PASSWORD_SLOTS {
        if let Some(slot) = row.pointer_mut(slot)
            && let Some(sealed) = slot.as_str().filter(|text| Keys::is_sealed(text))
        {
            *slot = keys.open(&context, sealed).ok_or_else(unreadable)?.into();
        }
    }
    Ok(std::borrow::Cow::Owned(row.to_string()))
}

/// What can be worked out for a row before its batch's transaction, from the row alone: its
/// password's hash, and for a new user its whole row. A worker prepares the next batch on other
/// cores while the database applies the current one.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Why the row fails before it touches the directory (a password too weak).
    refused: Option<RowOutcome>,
    /// The hash of the row's human-chosen password (Argon2id).
    password: Option<PasswordHash>,
    /// The row, parsed (every kind but `createUsers`).
    row: Option<JsonValue>,
    /// A new user ready to insert, and the password generated for it; or why the row fails.
    create: Option<Result<(PreparedUser, Option<String>), RowOutcome>>,
}

/// Prepares one row (pure work: no database). A dry run checks a given password but does not
/// spend an Argon2id hash on it.
pub fn prepare(
    kind: Kind,
    options: &Options,
    keys: &Keys,
    tenant_id: ObjectId,
    raw: &str,
    dry_run: bool,
) -> Prepared {
    let raw = match open_row_password(keys, tenant_id, raw) {
        Ok(raw) => raw,
        Err(refused) => {
            return Prepared {
                refused: Some(refused),
                ..Prepared::default()
            };
        }
    };
    let raw = raw.as_ref();
    let hash = |password: &str| {
        if dry_run {
            keys.generated_password_hash(password)
        } else {
            crate::identity::hashing::hash_human_password(password)
        }
    };
    if kind != Kind::CreateUsers {
        let row: JsonValue = match serde_json::from_str(raw) {
            Ok(row) => row,
            Err(error) => {
                return Prepared {
                    refused: Some(failed(format!("The row is not JSON: {error}"), "user")),
                    ..Prepared::default()
                };
            }
        };
        let password = match row_password(&row) {
            None => None,
            // The same rule as a reset through the API.
            Some(password) => match crate::error::check_password_complexity(password) {
                Ok(()) => Some(hash(password)),
                Err(error) => {
                    return Prepared {
                        refused: Some(failed_api(error, "password")),
                        ..Prepared::default()
                    };
                }
            },
        };
        return Prepared {
            password,
            row: Some(row),
            ..Prepared::default()
        };
    }
    let create = (|| {
        let row: JsonValue = serde_json::from_str(raw).map_err(|error| {
            failed(format!("The row is not JSON: {error}"), "userPrincipalName")
        })?;
        let new_user = crate::graph::json::parse_new_user(&row)
            .map_err(|error| failed_api(error, "userPrincipalName"))?;
        let mut user = new_user.user;
        if user.usage_location.is_none() {
            user.usage_location = options.usage_location;
        }
        // The licenses it is created with (given in the row's transaction, or the row fails).
        user.licenses = options
            .licenses
            .iter()
            .map(|sku_id| LicenseAssignment {
                sku_id: *sku_id,
                disabled_plans: Vec::new(),
            })
            .collect();
        // A password in the file is hashed with Argon2id; a generated one with the server's key.
        let (hash, generated) = match new_user
            .password
            .as_ref()
            .and_then(|p| p.password.as_deref())
        {
            Some(password) => (hash(password), None),
            None => {
                let password = crate::identity::hashing::generate_password();
                (keys.generated_password_hash(&password), Some(password))
            }
        };
        Ok((
            roster_store::prepare_user(tenant_id, user, Some(&hash)).licensed_next(),
            generated,
        ))
    })();
    Prepared {
        create: Some(create),
        ..Prepared::default()
    }
}

/// Everything a row needs besides itself.
pub struct Context<'a> {
    pub kind: Kind,
    pub options: &'a Options,
    pub keys: &'a Keys,
    pub tenant_id: ObjectId,
    /// Who submitted the job, as of now (`None`: deleted, blocked, or its app is gone).
    pub principal: Option<&'a Principal>,
    /// Rows of this batch prepared beforehand (a row missing here is prepared when applied).
    pub prepared: &'a HashMap<i64, Prepared>,
    /// Whether the rows are applied to be rolled back (passwords are checked, not hashed).
    pub dry_run: bool,
}

fn failed(message: impl std::fmt::Display, column: &str) -> RowOutcome {
    RowOutcome::Failed {
        column: Some(column.to_string()),
        message: message.to_string(),
        reason: None,
    }
}

/// The message and property an error names, from Graph's "Property X is invalid" messages.
fn failed_api(error: ApiError, fallback: &str) -> RowOutcome {
    // Only a property Graph's message names: a conflict is the row's own column's (a new
    // domain's clash is the domain's, not the user name's).
    let column = error.property_in_message().unwrap_or(fallback).to_string();
    RowOutcome::Failed {
        column: Some(column),
        message: error.message,
        reason: error.reason,
    }
}

fn store_failed(error: roster_store::Error, column: &str) -> RowOutcome {
    failed_api(ApiError::from(error), column)
}

/// Applies one row of a job.
pub fn apply(context: &Context<'_>, tx: &mut JobTx<'_>, number: i64, raw: &str) -> RowOutcome {
    if context.principal.is_none() {
        return failed(
            "The job's submitter can no longer make changes (deleted, blocked, or its app removed).",
            "user",
        );
    }
    // Borrowed from the batch's preparation (a row may be applied twice: fast, then carefully).
    let prepared_here;
    let prepared = match context.prepared.get(&number) {
        Some(prepared) => prepared,
        None => {
            prepared_here = prepare(
                context.kind,
                context.options,
                context.keys,
                context.tenant_id,
                raw,
                context.dry_run,
            );
            &prepared_here
        }
    };
    if let Some(refused) = &prepared.refused {
        return refused.clone();
    }
    if let Some(create) = &prepared.create {
        // The store authorizes each part of the creation for the submitter as it stands now.
        return match create {
            Ok((user, generated)) => create_user(context, tx, user, generated.as_deref()),
            Err(outcome) => outcome.clone(),
        };
    }
    let Some(row) = &prepared.row else {
        return failed("The row is not JSON.", "user");
    };
    let Some(key) = row["user"]
        .as_str()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    else {
        return failed("The row names no user.", "user");
    };
    let key = UserKey::parse(key);
    let deleted = matches!(context.kind, Kind::RestoreUsers | Kind::PurgeUsers);
    let found = if deleted {
        tx.find_deleted_user(&key)
    } else if matches!(context.kind, Kind::AssignLicenses | Kind::RemoveLicenses) {
        tx.find_user(&key)
    } else {
        // Only the license kinds look at what the user holds.
        tx.find_user_properties(&key)
    };
    let user = match found {
        Ok(Some(user)) => user,
        Ok(None) => return missing(context.kind, tx, &key),
        Err(error) => return store_failed(error, "user"),
    };
    let step = Step {
        context,
        user: &user,
        password: prepared.password.as_ref(),
        row,
    };
    match step.run(tx) {
        Ok(outcome) => outcome,
        Err(outcome) => outcome,
    }
}

/// A row whose user is not where the kind looks: for some kinds that means already done.
fn missing(kind: Kind, tx: &mut JobTx<'_>, key: &UserKey) -> RowOutcome {
    let elsewhere = match kind {
        Kind::DeleteUsers => tx.find_deleted_user(key),
        Kind::RestoreUsers => tx.find_user(key),
        _ => Ok(None),
    };
    match (kind, elsewhere) {
        (Kind::DeleteUsers | Kind::RestoreUsers, Ok(Some(user))) => RowOutcome::Unchanged {
            object_id: Some(user.id),
        },
        (Kind::RestoreUsers | Kind::PurgeUsers, _) => failed(
            "No user with this name or id is in the recycle bin.",
            "user",
        ),
        _ => failed(
            "No user with this user principal name or id exists.",
            "user",
        ),
    }
}

/// One row's change to one user. The store authorizes it, inside the batch's transaction.
struct Step<'a> {
    context: &'a Context<'a>,
    user: &'a User,
    /// The hash of the row's password, if it gives one.
    password: Option<&'a PasswordHash>,
    row: &'a JsonValue,
}

type StepResult = Result<RowOutcome, RowOutcome>;

impl Step<'_> {
    fn succeeded(&self, output: Option<JsonValue>) -> StepResult {
        Ok(RowOutcome::Succeeded {
            object_id: Some(self.user.id),
            output,
        })
    }

    fn unchanged(&self) -> StepResult {
        Ok(RowOutcome::Unchanged {
            object_id: Some(self.user.id),
        })
    }

    /// Applies a change to the user's properties, as `PATCH` would.
    /// A failure that names no property is put on `column`.
    fn update(&self, tx: &mut JobTx<'_>, update: UserUpdate, column: &str) -> StepResult {
        match tx.update_user(self.user, &update) {
            Ok(Some(changes)) => self.succeeded(Some(json!({ "changes": changes }))),
            Ok(None) => self.unchanged(),
            Err(error) => Err(store_failed(error, column)),
        }
    }

    fn run(&self, tx: &mut JobTx<'_>) -> StepResult {
        let context = self.context;
        let store_error = |column: &'static str| move |error| store_failed(error, column);
        match context.kind {
            Kind::CreateUsers => unreachable!("created before a user is looked up"),
            Kind::UpdateUsers => {
                let mut body = self.row.clone();
                if let Some(object) = body.as_object_mut() {
                    object.remove("user");
                }
                let (update, password) = crate::graph::json::parse_user_update(&body)
                    .map_err(|error| failed_api(error, "user"))?;
                if password.is_some() {
                    return Err(failed(
                        "Passwords are reset with resetPasswords, not updateUsers.",
                        "passwordProfile",
                    ));
                }
                self.update(tx, update, "user")
            }
            Kind::BlockUsers | Kind::UnblockUsers => {
                let enabled = context.kind == Kind::UnblockUsers;
                let update = UserUpdate {
                    account_enabled: Some(enabled),
                    ..Default::default()
                };
                self.update(tx, update, "user")
            }
            Kind::ResetPasswords => {
                let (hash, generated) = match self.password {
                    Some(hash) => (hash.clone(), None),
                    None => {
                        let password = crate::identity::hashing::generate_password();
                        (
                            context.keys.generated_password_hash(&password),
                            Some(password),
                        )
                    }
                };
                let update = UserUpdate {
                    password: Some((hash, context.options.force_change || generated.is_some())),
                    ..Default::default()
                };
                self.update(tx, update, "password")?;
                self.succeeded(generated.map(|password| json!({ "password": password })))
            }
            Kind::RevokeSessions => {
                tx.revoke_sign_in_sessions(self.user)
                    .map_err(store_error("user"))?;
                self.succeeded(None)
            }
            Kind::DeleteUsers => {
                tx.delete_user(self.user).map_err(store_error("user"))?;
                self.succeeded(None)
            }
            Kind::RestoreUsers => {
                tx.restore_user(self.user).map_err(store_error("user"))?;
                self.succeeded(None)
            }
            Kind::PurgeUsers => {
                tx.purge_user(self.user).map_err(store_error("user"))?;
                self.succeeded(None)
            }
            Kind::SetManager => {
                let manager = match self.row["manager"].as_str().map(str::trim) {
                    None | Some("") => None,
                    Some(key) => match tx.find_user_properties(&UserKey::parse(key)) {
                        Ok(Some(manager)) => Some(manager.id),
                        Ok(None) => {
                            return Err(failed(
                                format!("The manager '{key}' does not exist."),
                                "manager",
                            ));
                        }
                        Err(error) => return Err(store_failed(error, "manager")),
                    },
                };
                if manager == self.user.manager_id {
                    return self.unchanged();
                }
                tx.set_manager(self.user, manager)
                    .map_err(store_error("manager"))?;
                self.succeeded(None)
            }
            Kind::ChangeDomain => {
                let domain = match self.row["domain"].as_str() {
                    Some(name) => DomainName::parse(name).map_err(|e| failed(e, "domain"))?,
                    None => context
                        .options
                        .domain
                        .clone()
                        .ok_or_else(|| failed("The row names no domain.", "domain"))?,
                };
                let upn = &self.user.user_principal_name;
                if upn.domain().as_ref().eq_ignore_ascii_case(domain.as_ref()) {
                    return self.unchanged();
                }
                let new_upn = UserPrincipalName::parse(&format!("{}@{}", upn.alias(), domain))
                    .map_err(|e| failed(e, "domain"))?;
                let mut update = UserUpdate {
                    user_principal_name: Some(new_upn.clone()),
                    ..Default::default()
                };
                let mail = roster_core::attributes::find_attribute("mail").expect("mail");
                if self
                    .user
                    .attributes
                    .text("mail")
                    .is_some_and(|m| m.eq_ignore_ascii_case(upn.as_ref()))
                {
                    update.attributes.push((
                        mail.0,
                        roster_core::attributes::AttrValue::Text(new_upn.to_string()),
                    ));
                }
                self.update(tx, update, "domain")
            }
            Kind::AssignLicenses | Kind::RemoveLicenses => {
                let skus = match &self.row["licenses"] {
                    JsonValue::Null => context.options.licenses.clone(),
                    _ => id_list(self.row, "licenses", |t| SkuId::parse(t).ok())
                        .map_err(|e| failed_api(e, "licenses"))?,
                };
                if skus.is_empty() {
                    return Err(failed("The row names no license.", "licenses"));
                }
                let held = |sku: &SkuId| self.user.licenses.iter().find(|a| a.sku_id == *sku);
                let (add, remove): (Vec<LicenseAssignment>, Vec<SkuId>) =
                    if context.kind == Kind::AssignLicenses {
                        // Each SKU disables those of the job's plans that it has.
                        let catalog = roster_core::catalog::Catalog::builtin();
                        let wanted: Vec<LicenseAssignment> = skus
                            .iter()
                            .map(|sku| LicenseAssignment {
                                sku_id: *sku,
                                disabled_plans: context
                                    .options
                                    .disabled_plans
                                    .iter()
                                    .copied()
                                    .filter(|plan| {
                                        catalog
                                            .by_sku_id(sku.as_uuid())
                                            .is_some_and(|def| def.plan(*plan).is_some())
                                    })
                                    .collect(),
                            })
                            .collect();
                        let add = wanted
                            .into_iter()
                            .filter(|want| {
                                held(&want.sku_id).is_none_or(|have| {
                                    let mut a = have.disabled_plans.clone();
                                    let mut b = want.disabled_plans.clone();
                                    a.sort();
                                    b.sort();
                                    a != b
                                })
                            })
                            .collect();
                        (add, Vec::new())
                    } else {
                        (
                            Vec::new(),
                            skus.into_iter().filter(|s| held(s).is_some()).collect(),
                        )
                    };
                if add.is_empty() && remove.is_empty() {
                    return self.unchanged();
                }
                tx.assign_licenses(self.user, &add, &remove)
                    .map_err(store_error("licenses"))?;
                self.succeeded(None)
            }
            Kind::AddToGroups | Kind::RemoveFromGroups => {
                let groups = match &self.row["groups"] {
                    JsonValue::Null => context.options.groups.clone(),
                    _ => id_list(self.row, "groups", |t| ObjectId::parse(t).ok())
                        .map_err(|e| failed_api(e, "groups"))?,
                };
                if groups.is_empty() {
                    return Err(failed("The row names no group.", "groups"));
                }
                let adding = context.kind == Kind::AddToGroups;
                let mut changed = false;
                for group in groups {
                    tx.group(group).map_err(store_error("groups"))?;
                    let member = tx
                        .is_member(group, self.user.id)
                        .map_err(store_error("groups"))?;
                    if member == adding {
                        continue;
                    }
                    let result = if adding {
                        tx.add_member(group, self.user.id)
                    } else {
                        tx.remove_member(group, self.user.id)
                    };
                    result.map_err(store_error("groups"))?;
                    changed = true;
                }
                if changed {
                    self.succeeded(None)
                } else {
                    self.unchanged()
                }
            }
        }
    }
}

fn create_user(
    context: &Context<'_>,
    tx: &mut JobTx<'_>,
    prepared: &PreparedUser,
    generated: Option<&str>,
) -> RowOutcome {
    let user = &prepared.user;
    match tx.user_id_by_upn(&user.user_principal_name.key()) {
        Ok(Some(existing)) => {
            return RowOutcome::Unchanged {
                object_id: Some(existing),
            };
        }
        Ok(None) => {}
        Err(error) => return store_failed(error, "userPrincipalName"),
    }
    if let Err(error) = tx.create_prepared_user(prepared) {
        return store_failed(error, "userPrincipalName");
    }
    if let Err(error) = tx.license_new_user(user) {
        return store_failed(error, "licenses");
    }
    for group in &context.options.groups {
        if let Err(error) = tx.add_new_user_to_group(*group, user) {
            return store_failed(error, "groups");
        }
    }
    if let Err(error) = tx.new_user_done(user) {
        return store_failed(error, "userPrincipalName");
    }
    RowOutcome::Succeeded {
        object_id: Some(user.id),
        output: generated.map(|password| json!({ "password": password })),
    }
}
