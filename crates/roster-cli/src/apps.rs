//! `roster apps`: the tenant's applications (Graph's `/v1.0/applications` and their service
//! principals): registered with their redirect URIs, given client secrets (shown once), who
//! may sign in (assignment required, enabled), and the users and groups assigned with a role.

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Value, json};

use crate::client::{Client, NotFound};
use crate::output::{Output, print, print_one, row};
use crate::resolve;

#[derive(Subcommand)]
pub enum AppsCommand {
    /// List the tenant's applications, with who may sign in to each.
    List {
        #[arg(long, short, value_enum, default_value = "table")]
        output: Output,
    },
    /// Show one application (by app id, object id or display name).
    Show {
        app: String,
        #[arg(long, short, value_enum, default_value = "table")]
        output: Output,
    },
    /// Register an application.
    Create {
        #[arg(long)]
        display_name: String,
        /// A redirect URI of a web app on a server (https, or http on localhost); repeatable.
        #[arg(long)]
        web: Vec<String>,
        /// A redirect URI of a single-page app; repeatable.
        #[arg(long)]
        spa: Vec<String>,
        /// A redirect URI of a desktop or mobile app; repeatable.
        #[arg(long)]
        public_client: Vec<String>,
        /// Allow public client flows (the device code flow; no secret).
        #[arg(long)]
        public: bool,
    },
    /// Give an application a client secret, printed once on standard output.
    AddSecret {
        app: String,
        /// What the secret is for.
        #[arg(long)]
        description: Option<String>,
        /// Days until it ends (at most two years).
        #[arg(long, default_value_t = 180)]
        days: i64,
    },
    /// Take a client secret from an application (its key id, from `roster apps show`).
    RemoveSecret { app: String, key_id: String },
    /// Delete an application: its tokens stop on their next request.
    Delete { app: String },
    /// Whether users must be assigned to sign in (on or off).
    RequireAssignment {
        app: String,
        #[arg(value_parser = ["on", "off"])]
        setting: String,
    },
    /// Let users sign in to an application again.
    Enable { app: String },
    /// Stop everyone signing in to an application, and its own tokens.
    Disable { app: String },
    /// Assign a user (principal name or id) or a group (id, name or mail nickname).
    Assign {
        app: String,
        principal: String,
        /// One of the application's roles, by its value; default access without.
        #[arg(long)]
        role: Option<String>,
    },
    /// Take a user's or group's assignments to an application away.
    Unassign { app: String, principal: String },
    /// The users and groups assigned to an application.
    Assignments {
        app: String,
        #[arg(long, short, value_enum, default_value = "table")]
        output: Output,
    },
}

/// An application and its service principal, named by app id, object id or display name.
async fn find(client: &Client, name: &str) -> anyhow::Result<(Value, Value)> {
    let apps = client.get("/v1.0/applications").await?;
    let apps = apps["value"].as_array().cloned().unwrap_or_default();
    let wanted = name.trim();
    let matching: Vec<&Value> = apps
        .iter()
        .filter(|app| {
            app["appId"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(wanted))
                || app["id"]
                    .as_str()
                    .is_some_and(|id| id.eq_ignore_ascii_case(wanted))
                || app["displayName"].as_str() == Some(wanted)
        })
        .collect();
    let app = match matching.as_slice() {
        [app] => (*app).clone(),
        [] => {
            return Err(NotFound(format!(
                "no application {wanted}: `roster apps list` shows them"
            ))
            .into());
        }
        several => bail!(
            "{} applications are named {wanted}: give one's app id ({})",
            several.len(),
            several
                .iter()
                .filter_map(|app| app["appId"].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let app_id = app["appId"]
        .as_str()
        .context("an application without an app id")?;
    let principals = client
        .get(&format!(
            "/v1.0/servicePrincipals?$filter={}",
            crate::client::encode(&format!("appId eq '{app_id}'"))
        ))
        .await?;
    let principal = principals["value"][0].clone();
    if principal.is_null() {
        bail!("the application {app_id} has no service principal");
    }
    Ok((app, principal))
}

fn redirect_uris(app: &Value) -> String {
    ["web", "spa", "publicClient"]
        .iter()
        .flat_map(|platform| {
            app[*platform]["redirectUris"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(move |uri| format!("{platform}: {uri}"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub async fn run(client: &Client, command: AppsCommand) -> anyhow::Result<()> {
    match command {
        AppsCommand::List { output } => {
            let columns = ["displayName", "appId", "assignmentRequired", "enabled"];
            let apps = client.get("/v1.0/applications").await?;
            let principals = client.get("/v1.0/servicePrincipals").await?;
            let principals = principals["value"].as_array().cloned().unwrap_or_default();
            let rows: Vec<Value> = apps["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|app| {
                    let principal = principals
                        .iter()
                        .find(|p| p["appId"] == app["appId"])
                        .cloned()
                        .unwrap_or(Value::Null);
                    row(&columns, |column| match column {
                        "assignmentRequired" => principal["appRoleAssignmentRequired"].clone(),
                        "enabled" => principal["accountEnabled"].clone(),
                        other => app[other].clone(),
                    })
                })
                .collect();
            print(&rows, &columns, output)
        }
        AppsCommand::Show { app, output } => {
            let (app, principal) = find(client, &app).await?;
            let columns = [
                "displayName",
                "appId",
                "id",
                "servicePrincipalId",
                "redirectUris",
                "isFallbackPublicClient",
                "assignmentRequired",
                "enabled",
                "roles",
                "secrets",
            ];
            let shown = row(&columns, |column| match column {
                "servicePrincipalId" => principal["id"].clone(),
                "redirectUris" => redirect_uris(&app).into(),
                "assignmentRequired" => principal["appRoleAssignmentRequired"].clone(),
                "enabled" => principal["accountEnabled"].clone(),
                "roles" => app["appRoles"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|role| role["value"].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
                "secrets" => app["passwordCredentials"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|secret| {
                        format!(
                            "{} ({}…, ends {})",
                            secret["keyId"].as_str().unwrap_or_default(),
                            secret["hint"].as_str().unwrap_or_default(),
                            secret["endDateTime"].as_str().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
                    .into(),
                other => app[other].clone(),
            });
            print_one(&shown, &columns, output)
        }
        AppsCommand::Create {
            display_name,
            web,
            spa,
            public_client,
            public,
        } => {
            let created = client
                .post(
                    "/v1.0/applications",
                    &json!({
                        "displayName": display_name,
                        "web": { "redirectUris": web },
                        "spa": { "redirectUris": spa },
                        "publicClient": { "redirectUris": public_client },
                        "isFallbackPublicClient": public,
                    }),
                )
                .await?;
            println!(
                "{} was registered: app id (client id) {}",
                display_name,
                created["appId"].as_str().unwrap_or_default()
            );
            Ok(())
        }
        AppsCommand::AddSecret {
            app,
            description,
            days,
        } => {
            let (app, _) = find(client, &app).await?;
            let ends = chrono::Utc::now() + chrono::Duration::days(days);
            let added = client
                .post(
                    &format!(
                        "/v1.0/applications/{}/addPassword",
                        app["id"].as_str().unwrap_or_default()
                    ),
                    &json!({ "passwordCredential": {
                        "displayName": description,
                        "endDateTime": ends.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    } }),
                )
                .await?;
            eprintln!(
                "A secret for {} (key id {}, ends {}). It is shown this once: keep it now.",
                app["displayName"].as_str().unwrap_or_default(),
                added["keyId"].as_str().unwrap_or_default(),
                added["endDateTime"].as_str().unwrap_or_default()
            );
            println!("{}", added["secretText"].as_str().unwrap_or_default());
            Ok(())
        }
        AppsCommand::RemoveSecret { app, key_id } => {
            let (app, _) = find(client, &app).await?;
            client
                .post(
                    &format!(
                        "/v1.0/applications/{}/removePassword",
                        app["id"].as_str().unwrap_or_default()
                    ),
                    &json!({ "keyId": key_id }),
                )
                .await?;
            println!("The secret {key_id} was removed: it is refused from now on.");
            Ok(())
        }
        AppsCommand::Delete { app } => {
            let (app, _) = find(client, &app).await?;
            client
                .delete(&format!(
                    "/v1.0/applications/{}",
                    app["id"].as_str().unwrap_or_default()
                ))
                .await?;
            println!(
                "{} was deleted.",
                app["displayName"].as_str().unwrap_or_default()
            );
            Ok(())
        }
        AppsCommand::RequireAssignment { app, setting } => {
            let required = setting == "on";
            set_principal(
                client,
                &app,
                json!({ "appRoleAssignmentRequired": required }),
            )
            .await?;
            println!(
                "{}",
                if required {
                    "Only users assigned (directly or through a group) sign in to it now."
                } else {
                    "Every user of the organisation may sign in to it now."
                }
            );
            Ok(())
        }
        AppsCommand::Enable { app } => {
            set_principal(client, &app, json!({ "accountEnabled": true })).await?;
            println!("Users may sign in to it again.");
            Ok(())
        }
        AppsCommand::Disable { app } => {
            set_principal(client, &app, json!({ "accountEnabled": false })).await?;
            println!("No one signs in to it now, and its own tokens stop.");
            Ok(())
        }
        AppsCommand::Assign {
            app,
            principal,
            role,
        } => {
            let (app, service_principal) = find(client, &app).await?;
            let (principal_id, name) = principal_of(client, &principal).await?;
            let role_id = match role {
                None => "00000000-0000-0000-0000-000000000000".to_string(),
                Some(value) => app["appRoles"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|role| role["value"].as_str() == Some(value.as_str()))
                    .and_then(|role| role["id"].as_str())
                    .map(str::to_string)
                    .with_context(|| format!("the application has no role {value}"))?,
            };
            let sp = service_principal["id"].as_str().unwrap_or_default();
            client
                .post(
                    &format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"),
                    &json!({ "principalId": principal_id, "resourceId": sp, "appRoleId": role_id }),
                )
                .await?;
            println!(
                "{name} was assigned to {}.",
                app["displayName"].as_str().unwrap_or_default()
            );
            Ok(())
        }
        AppsCommand::Unassign { app, principal } => {
            let (app, service_principal) = find(client, &app).await?;
            let (principal_id, name) = principal_of(client, &principal).await?;
            let sp = service_principal["id"].as_str().unwrap_or_default();
            let assignments = client
                .get(&format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"))
                .await?;
            let mine: Vec<&str> = assignments["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| a["principalId"].as_str() == Some(principal_id.as_str()))
                .filter_map(|a| a["id"].as_str())
                .collect();
            if mine.is_empty() {
                return Err(NotFound(format!(
                    "{name} is not assigned to {}",
                    app["displayName"].as_str().unwrap_or_default()
                ))
                .into());
            }
            for id in mine {
                client
                    .delete(&format!(
                        "/v1.0/servicePrincipals/{sp}/appRoleAssignedTo/{id}"
                    ))
                    .await?;
            }
            println!("{name} is no longer assigned.");
            Ok(())
        }
        AppsCommand::Assignments { app, output } => {
            let (_, service_principal) = find(client, &app).await?;
            let sp = service_principal["id"].as_str().unwrap_or_default();
            let assignments = client
                .get(&format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"))
                .await?;
            let columns = [
                "principalDisplayName",
                "principalType",
                "principalId",
                "appRoleId",
                "createdDateTime",
            ];
            let rows: Vec<Value> = assignments["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| row(&columns, |column| a[column].clone()))
                .collect();
            print(&rows, &columns, output)
        }
    }
}

async fn set_principal(client: &Client, app: &str, change: Value) -> anyhow::Result<()> {
    let (_, principal) = find(client, app).await?;
    client
        .patch(
            &format!(
                "/v1.0/servicePrincipals/{}",
                principal["id"].as_str().unwrap_or_default()
            ),
            &change,
        )
        .await?;
    Ok(())
}

/// A user (principal name or id) or, failing that, a group (id, name or mail nickname): its id
/// and name.
async fn principal_of(client: &Client, name: &str) -> anyhow::Result<(String, String)> {
    if name.contains('@') {
        return Ok((resolve::user_id(client, name).await?, name.to_string()));
    }
    if let Ok(group) = resolve::group(client, name).await {
        return Ok((
            group["id"].as_str().unwrap_or_default().to_string(),
            group["displayName"].as_str().unwrap_or(name).to_string(),
        ));
    }
    Ok((resolve::user_id(client, name).await?, name.to_string()))
}
