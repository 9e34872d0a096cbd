//! App registrations (Graph's `application`) and their client secrets, kept as keyed hashes:
//! the secret itself is shown once, by the front-end that made it, and never stored.

use roster_core::access::Operation;
use roster_core::directory::{
    AppRegistration, AppRole, AppSecret, GroupClaims, Platform, RedirectUri, ServicePrincipal,
};
use roster_core::requests::ApplicationUpdate;
use roster_core::types::ObjectId;
use serde_json::json;

use crate::authority::authorize;
use crate::db::{Row, Tx};
use crate::{Authorized, Change, Error, Result, Store, audit, params};

/// An app registration as the token endpoint needs it: its tenant, and its secrets' hashes.
#[derive(Debug, Clone)]
pub struct StoredApp {
    pub tenant_id: ObjectId,
    pub app: AppRegistration,
    pub secrets: Vec<(AppSecret, String)>,
}

const APP_COLUMNS: &str = "client_id, object_id, display_name, permissions, tokens_valid_from, \
     redirect_uris, fallback_public_client, created_at, tenant_id, app_roles, group_claims, \
     service_principal_id, assignment_required, service_principal_enabled";

/// The redirect URIs as the `redirect_uris` column keeps them: `[{"uri": ..., "platform": ...}]`.
fn uris_json(uris: &[RedirectUri]) -> String {
    let items: Vec<serde_json::Value> = uris
        .iter()
        .map(|uri| json!({ "uri": uri.uri, "platform": uri.platform.property() }))
        .collect();
    serde_json::Value::Array(items).to_string()
}

fn uris_from(text: &str) -> Result<Vec<RedirectUri>> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|error| Error::BadRequest(format!("stored redirect URIs: {error}")))?;
    Ok(items
        .iter()
        .filter_map(|item| {
            let platform = Platform::ALL
                .into_iter()
                .find(|p| Some(p.property()) == item["platform"].as_str())?;
            Some(RedirectUri {
                uri: item["uri"].as_str()?.to_string(),
                platform,
            })
        })
        .collect())
}

fn app_from(row: &Row) -> Result<(ObjectId, AppRegistration)> {
    Ok((
        row.uuid(8)?.into(),
        AppRegistration {
            client_id: row.uuid(0)?.into(),
            object_id: row.uuid(1)?.into(),
            display_name: row.text(2)?,
            permissions: row.json(3)?,
            tokens_valid_from: row.timestamp(4)?,
            redirect_uris: uris_from(&row.text(5)?)?,
            fallback_public_client: row.bool(6)?,
            created: row.timestamp(7)?,
            app_roles: serde_json::from_str(&row.text(9)?)
                .map_err(|error| Error::Database(format!("stored app roles: {error}")))?,
            group_claims: GroupClaims::parse(&row.text(10)?).unwrap_or_default(),
            service_principal: ServicePrincipal {
                id: row.uuid(11)?.into(),
                assignment_required: row.bool(12)?,
                enabled: row.bool(13)?,
            },
        },
    ))
}

fn roles_json(roles: &[AppRole]) -> String {
    serde_json::to_string(roles).unwrap_or_else(|_| "[]".into())
}

fn secrets_of(tx: &mut dyn Tx, client_id: ObjectId) -> Result<Vec<(AppSecret, String)>> {
    tx.query(
        "SELECT key_id, display_name, hint, starts_at, ends_at, secret_hash FROM app_secrets \
         WHERE client_id = $1 ORDER BY starts_at, key_id",
        &params![client_id],
    )?
    .iter()
    .map(|row| {
        Ok((
            AppSecret {
                key_id: row.uuid(0)?,
                display_name: row.opt_text(1)?,
                hint: row.text(2)?,
                starts: row.timestamp(3)?,
                ends: row.timestamp(4)?,
            },
            row.text(5)?,
        ))
    })
    .collect()
}

/// The tenant's app registration whose `column` (its object id, or its service principal's id)
/// is `id`, locked for the transaction if `lock`.
pub(crate) fn find_app(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    column: &'static str,
    id: ObjectId,
    lock: bool,
) -> Result<Option<AppRegistration>> {
    let lock = if lock { tx.row_lock() } else { "" };
    tx.query_one(
        &format!("SELECT {APP_COLUMNS} FROM apps WHERE tenant_id = $1 AND {column} = $2{lock}"),
        &params![tenant_id, id],
    )?
    .map(|row| app_from(&row).map(|(_, app)| app))
    .transpose()
}

/// The tenant's app registration with this object id (Graph's `id`), or Graph's 404.
fn require_app(
    tx: &mut dyn Tx,
    tenant_id: ObjectId,
    object_id: ObjectId,
    lock: bool,
) -> Result<AppRegistration> {
    find_app(tx, tenant_id, "object_id", object_id, lock)?.ok_or_else(|| Error::NotFound {
        kind: "application",
        id: object_id.to_string(),
    })
}

/// What an audit record says of an app: its settings, never a secret.
fn audit_json(app: &AppRegistration) -> serde_json::Value {
    let mut object = json!({
        "displayName": app.display_name,
        "appId": app.client_id,
        "isFallbackPublicClient": app.fallback_public_client,
    });
    for platform in Platform::ALL {
        let uris: Vec<&str> = app
            .redirect_uris
            .iter()
            .filter(|uri| uri.platform == platform)
            .map(|uri| uri.uri.as_str())
            .collect();
        object[platform.property()] = json!({ "redirectUris": uris });
    }
    if !app.permissions.is_empty() {
        object["permissions"] = json!(app.permissions);
    }
    if !app.app_roles.is_empty() {
        object["appRoles"] = app
            .app_roles
            .iter()
            .map(|role| json!({ "id": role.id, "value": role.value, "displayName": role.display_name, "isEnabled": role.enabled }))
            .collect();
    }
    if app.group_claims != GroupClaims::None {
        object["groupMembershipClaims"] = app.group_claims.as_str().into();
    }
    object
}

fn insert_secret(
    tx: &mut dyn Tx,
    change: &Authorized,
    app: &AppRegistration,
    (secret, hash): (&AppSecret, &str),
) -> Result<()> {
    tx.execute(
        "INSERT INTO app_secrets (client_id, key_id, display_name, hint, secret_hash, starts_at, ends_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &params![
            app.client_id,
            secret.key_id,
            secret.display_name.clone(),
            secret.hint.clone(),
            hash,
            secret.starts,
            secret.ends
        ],
    )?;
    audit(
        tx,
        change,
        "Update application – Certificates and secrets management",
        Some((app.object_id, &app.display_name)),
        None,
        Some(json!({ "passwordCredential": {
            "keyId": secret.key_id, "displayName": secret.display_name, "hint": secret.hint,
            "endDateTime": secret.ends,
        } })),
    )
}

impl Store {
    /// Registers an app, with its first secret if it has one.
    pub fn create_app(
        &self,
        change: &Change,
        app: &AppRegistration,
        secret: Option<(&AppSecret, &str)>,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            tx.execute(
                "INSERT INTO apps (client_id, object_id, tenant_id, display_name, permissions, tokens_valid_from, \
                 redirect_uris, fallback_public_client, created_at, app_roles, group_claims, \
                 service_principal_id, assignment_required, service_principal_enabled) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                &params![
                    app.client_id,
                    app.object_id,
                    change.tenant_id,
                    app.display_name.clone(),
                    serde_json::to_string(&app.permissions).expect("strings serialise"),
                    app.tokens_valid_from,
                    uris_json(&app.redirect_uris),
                    app.fallback_public_client,
                    app.created,
                    roles_json(&app.app_roles),
                    app.group_claims.as_str(),
                    app.service_principal.id,
                    app.service_principal.assignment_required,
                    app.service_principal.enabled
                ],
            )?;
            audit(
                tx,
                change,
                "Add application",
                Some((app.object_id, &app.display_name)),
                None,
                Some(audit_json(app)),
            )?;
            match secret {
                Some(secret) => insert_secret(tx, change, app, secret),
                None => Ok(()),
            }
        })
    }

    /// An app registration by its client id, with its tenant and secrets' hashes: for the token
    /// endpoint, and for checking an app's token on every request.
    pub fn app(&self, client_id: ObjectId) -> Result<Option<StoredApp>> {
        self.pool.read(|tx| {
            let Some(row) = tx.query_one(
                &format!("SELECT {APP_COLUMNS} FROM apps WHERE client_id = $1"),
                &params![client_id],
            )?
            else {
                return Ok(None);
            };
            let (tenant_id, app) = app_from(&row)?;
            let secrets = secrets_of(tx, client_id)?;
            Ok(Some(StoredApp {
                tenant_id,
                app,
                secrets,
            }))
        })
    }

    /// The tenant's app registrations by name, with their secrets (without their hashes).
    pub fn apps(&self, tenant_id: ObjectId) -> Result<Vec<(AppRegistration, Vec<AppSecret>)>> {
        self.pool.read(|tx| {
            let rows = tx.query(
                &format!(
                    "SELECT {APP_COLUMNS} FROM apps WHERE tenant_id = $1 ORDER BY lower(display_name), object_id"
                ),
                &params![tenant_id],
            )?;
            rows.iter()
                .map(|row| {
                    let (_, app) = app_from(row)?;
                    let secrets = secrets_of(tx, app.client_id)?
                        .into_iter()
                        .map(|(secret, _)| secret)
                        .collect();
                    Ok((app, secrets))
                })
                .collect()
        })
    }

    /// The tenant's app registration with this object id, with its secrets (without their
    /// hashes).
    pub fn app_by_object_id(
        &self,
        tenant_id: ObjectId,
        object_id: ObjectId,
    ) -> Result<(AppRegistration, Vec<AppSecret>)> {
        self.pool.read(|tx| {
            let app = require_app(tx, tenant_id, object_id, false)?;
            let secrets = secrets_of(tx, app.client_id)?
                .into_iter()
                .map(|(secret, _)| secret)
                .collect();
            Ok((app, secrets))
        })
    }

    /// Changes an app registration's settings; says whether anything changed.
    pub fn update_app(
        &self,
        change: &Change,
        object_id: ObjectId,
        update: &ApplicationUpdate,
    ) -> Result<AppRegistration> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            let before = require_app(tx, change.tenant_id, object_id, true)?;
            let mut app = before.clone();
            update.apply(&mut app)?;
            let (old, new) = (audit_json(&before), audit_json(&app));
            if old == new {
                return Ok(app);
            }
            tx.execute(
                "UPDATE apps SET display_name = $2, redirect_uris = $3, fallback_public_client = $4, \
                 app_roles = $5, group_claims = $6 WHERE client_id = $1",
                &params![
                    app.client_id,
                    app.display_name.clone(),
                    uris_json(&app.redirect_uris),
                    app.fallback_public_client,
                    roles_json(&app.app_roles),
                    app.group_claims.as_str()
                ],
            )?;
            audit(
                tx,
                change,
                "Update application",
                Some((app.object_id, &app.display_name)),
                Some(old),
                Some(new),
            )?;
            Ok(app)
        })
    }

    /// Deletes an app registration: its secrets with it, and every token it holds refused from
    /// the next request.
    pub fn delete_app(&self, change: &Change, object_id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            let app = require_app(tx, change.tenant_id, object_id, true)?;
            tx.execute(
                "DELETE FROM app_secrets WHERE client_id = $1",
                &params![app.client_id],
            )?;
            tx.execute(
                "DELETE FROM role_assignments WHERE principal_id = $1",
                &params![app.client_id],
            )?;
            tx.execute(
                "DELETE FROM apps WHERE client_id = $1",
                &params![app.client_id],
            )?;
            audit(
                tx,
                change,
                "Delete application",
                Some((app.object_id, &app.display_name)),
                Some(audit_json(&app)),
                None,
            )
        })
    }

    /// Gives an app registration one more secret (its hash).
    pub fn add_app_secret(
        &self,
        change: &Change,
        object_id: ObjectId,
        secret: &AppSecret,
        hash: &str,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            let app = require_app(tx, change.tenant_id, object_id, true)?;
            let held = secrets_of(tx, app.client_id)?.len();
            if held >= MAX_SECRETS {
                return Err(Error::BadRequest(format!(
                    "The application already has {MAX_SECRETS} client secrets: remove one first."
                )));
            }
            insert_secret(tx, change, &app, (secret, hash))
        })
    }

    /// Takes a secret from an app registration: refused from the next request on.
    pub fn remove_app_secret(
        &self,
        change: &Change,
        object_id: ObjectId,
        key_id: uuid::Uuid,
    ) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageApplications], None)?;
            let app = require_app(tx, change.tenant_id, object_id, true)?;
            let removed = tx.execute(
                "DELETE FROM app_secrets WHERE client_id = $1 AND key_id = $2",
                &params![app.client_id, key_id],
            )?;
            if removed == 0 {
                return Err(Error::NotFound {
                    kind: "passwordCredential",
                    id: key_id.to_string(),
                });
            }
            audit(
                tx,
                change,
                "Update application – Certificates and secrets management",
                Some((app.object_id, &app.display_name)),
                Some(json!({ "passwordCredential": { "keyId": key_id } })),
                None,
            )
        })
    }
}

/// The most client secrets an app registration holds at once.
pub const MAX_SECRETS: usize = 16;
