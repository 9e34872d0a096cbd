//! `roster users ...` and `roster deleted list`: one user at a time, over `/v1.0/users` and the
//! recycle bin at `/v1.0/directory/deletedItems`.

use std::io::IsTerminal;

use anyhow::Context;
use serde_json::{Map, Value, json};

use roster_client::{User, UserList};

use crate::client::{self, Client};
use crate::output::{Output, print, print_one, row};
use crate::resolve;

/// `roster users list`: every page, following the server's next links.
pub async fn list(
    client: &Client,
    filter: Option<&str>,
    select: &[String],
    top: Option<usize>,
    output: Output,
) -> anyhow::Result<()> {
    let columns: Vec<&str> = if select.is_empty() {
        vec![
            "userPrincipalName",
            "displayName",
            "department",
            "jobTitle",
            "id",
        ]
    } else {
        select.iter().map(String::as_str).collect()
    };
    let list = UserList {
        filter: filter.map(str::to_string),
        select: columns.iter().map(|column| column.to_string()).collect(),
        top,
    };
    let users: Vec<Value> = client
        .users(&list)
        .await?
        .iter()
        .map(User::to_json)
        .collect();
    print(&users, &columns, output)
}

/// What `roster users show` prints unless `--select` says otherwise (and the manager).
const SHOW_PROPERTIES: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "jobTitle",
    "department",
    "officeLocation",
    "city",
    "country",
    "usageLocation",
    "accountEnabled",
    "createdDateTime",
];

/// `roster users show USER`: one user's properties, and its manager's principal name.
pub async fn show(
    client: &Client,
    user: &str,
    select: &[String],
    output: Output,
) -> anyhow::Result<()> {
    let mut columns: Vec<&str> = if select.is_empty() {
        SHOW_PROPERTIES.to_vec()
    } else {
        select.iter().map(String::as_str).collect()
    };
    let found = client
        .user(user, &columns)
        .await
        .map_err(|error| not_found_as_no_user(error, user))?;
    let mut shown = row(&columns, |column| found.property(column));
    if select.is_empty() {
        let manager = client.manager(user, &["userPrincipalName"]).await?;
        shown["manager"] = manager.map_or(Value::Null, |m| m.property("userPrincipalName"));
        columns.push("manager");
    }
    print_one(&shown, &columns, output)
}

fn not_found_as_no_user(error: anyhow::Error, user: &str) -> anyhow::Error {
    if client::is_not_found(&error) {
        resolve::no_user(user)
    } else {
        error
    }
}

/// The properties `users create` and `users update` may set, as flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UserProperties {
    #[arg(long)]
    pub given_name: Option<String>,
    #[arg(long)]
    pub surname: Option<String>,
    #[arg(long)]
    pub job_title: Option<String>,
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long)]
    pub office_location: Option<String>,
    #[arg(long)]
    pub mobile_phone: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long)]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2 country code, needed before licenses can be assigned.
    #[arg(long)]
    pub usage_location: Option<String>,
    /// Block (false) or allow (true) sign-in.
    #[arg(long)]
    pub account_enabled: Option<bool>,
}

impl UserProperties {
    fn write(&self, body: &mut Map<String, Value>) {
        let fields = [
            ("givenName", &self.given_name),
            ("surname", &self.surname),
            ("jobTitle", &self.job_title),
            ("department", &self.department),
            ("officeLocation", &self.office_location),
            ("mobilePhone", &self.mobile_phone),
            ("city", &self.city),
            ("country", &self.country),
            ("usageLocation", &self.usage_location),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                body.insert(name.into(), value.clone().into());
            }
        }
        if let Some(enabled) = self.account_enabled {
            body.insert("accountEnabled".into(), enabled.into());
        }
    }
}

pub async fn create(
    client: &Client,
    user_principal_name: &str,
    display_name: &str,
    properties: &UserProperties,
    password: Option<&str>,
) -> anyhow::Result<()> {
    let mut body = Map::new();
    body.insert("userPrincipalName".into(), user_principal_name.into());
    body.insert("displayName".into(), display_name.into());
    properties.write(&mut body);
    if let Some(password) = password {
        body.insert(
            "passwordProfile".into(),
            json!({ "password": password, "forceChangePasswordNextSignIn": true }),
        );
    }
    let created = client.create_user(&body).await?;
    println!("{}", created.id.as_deref().unwrap_or_default());
    if let Some(generated) = created.other["passwordProfile"]["password"].as_str() {
        eprintln!(
            "generated password (shown once; it must be changed at first sign-in): {generated}"
        );
    }
    Ok(())
}

pub async fn update(
    client: &Client,
    user: &str,
    display_name: Option<&str>,
    properties: &UserProperties,
) -> anyhow::Result<()> {
    let mut body = Map::new();
    if let Some(name) = display_name {
        body.insert("displayName".into(), name.into());
    }
    properties.write(&mut body);
    if body.is_empty() {
        anyhow::bail!("nothing to change: give at least one property, e.g. --department Sales");
    }
    client
        .update_user(user, &body)
        .await
        .map_err(|error| not_found_as_no_user(error, user))?;
    Ok(())
}

pub async fn delete(client: &Client, user: &str) -> anyhow::Result<()> {
    client
        .delete_user(user)
        .await
        .map_err(|error| not_found_as_no_user(error, user))?;
    eprintln!(
        "{user} is in the recycle bin; `roster users restore {user}` brings it back within 30 days"
    );
    Ok(())
}

pub async fn restore(client: &Client, user: &str) -> anyhow::Result<()> {
    let deleted = resolve::deleted_user(client, user).await?;
    let id = deleted["id"]
        .as_str()
        .context("the server sent a user without an id")?;
    let restored = client.restore_user(id).await?;
    eprintln!(
        "restored {}",
        restored.user_principal_name.as_deref().unwrap_or(id)
    );
    Ok(())
}

/// `roster users purge USER`: deletes a user from the recycle bin for good, after asking (unless
/// `--yes`).
pub async fn purge(client: &Client, user: &str, yes: bool) -> anyhow::Result<()> {
    let deleted = resolve::deleted_user(client, user).await?;
    let id = deleted["id"]
        .as_str()
        .context("the server sent a user without an id")?;
    let name = deleted["userPrincipalName"].as_str().unwrap_or(id);
    if !yes {
        confirm(&format!(
            "delete {name} ({id}) for good? It cannot be restored afterwards"
        ))?;
    }
    client.purge_user(id).await?;
    eprintln!("{name} is deleted for good");
    Ok(())
}

/// Asks on the terminal; without one (a script), refuses and names the flag that skips asking.
pub fn confirm(question: &str) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{question}: give --yes to confirm when not running in a terminal");
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        anyhow::bail!("nothing was changed")
    }
}

/// `roster users set-manager USER MANAGER`, or `--remove` with no MANAGER.
pub async fn set_manager(client: &Client, user: &str, manager: Option<&str>) -> anyhow::Result<()> {
    match manager {
        Some(manager) => {
            let manager_id = resolve::user_id(client, manager).await?;
            client
                .set_manager(user, Some(&manager_id))
                .await
                .map_err(|error| not_found_as_no_user(error, user))?;
            eprintln!("{user} now reports to {manager}");
        }
        None => {
            client
                .set_manager(user, None)
                .await
                .map_err(|error| not_found_as_no_user(error, user))?;
            eprintln!("{user} has no manager now");
        }
    }
    Ok(())
}

/// `roster users revoke-sessions USER`: every token issued to the user so far stops working.
pub async fn revoke_sessions(client: &Client, user: &str) -> anyhow::Result<()> {
    client
        .revoke_sessions(user)
        .await
        .map_err(|error| not_found_as_no_user(error, user))?;
    eprintln!("{user} must sign in again: every earlier token and session is refused");
    Ok(())
}

/// `roster deleted list`: the users in the recycle bin, restorable until 30 days after deletion.
pub async fn deleted_list(
    client: &Client,
    filter: Option<&str>,
    output: Output,
) -> anyhow::Result<()> {
    let list = UserList {
        filter: filter.map(str::to_string),
        select: vec!["userPrincipalName".into(), "displayName".into()],
        top: None,
    };
    let columns = ["userPrincipalName", "displayName", "deletedDateTime", "id"];
    let users: Vec<Value> = client
        .deleted_users(&list)
        .await
        .context("reading the recycle bin")?
        .iter()
        .map(|user| row(&columns, |column| user.property(column)))
        .collect();
    print(&users, &columns, output)
}
