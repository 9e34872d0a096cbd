//! `roster groups ...`: groups with assigned membership, over `/v1.0/groups`. A group is named
//! by id, display name or mail nickname; a member by principal name or id.

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::client::{self, Client, encode};
use crate::output::{Output, cell, print, print_one, row};
use crate::resolve::{self, GROUP_PROPERTIES};

/// The group's kind in the admin center's words, from Graph's three properties.
fn kind(group: &Value) -> &'static str {
    let unified = group["groupTypes"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == "Unified"));
    match (
        unified,
        group["mailEnabled"].as_bool().unwrap_or(false),
        group["securityEnabled"].as_bool().unwrap_or(false),
    ) {
        (true, _, _) => "Microsoft 365",
        (false, true, true) => "Mail-enabled security",
        (false, true, false) => "Distribution",
        (false, false, _) => "Security",
    }
}

fn group_row(group: &Value, columns: &[&str]) -> Value {
    row(columns, |column| match column {
        "kind" => kind(group).into(),
        other => group[other].clone(),
    })
}

/// `roster groups list [--filter F]`: every page.
pub async fn list(client: &Client, filter: Option<&str>, output: Output) -> anyhow::Result<()> {
    let mut link = format!("/v1.0/groups?$top=999&$select={GROUP_PROPERTIES}");
    if let Some(filter) = filter {
        link.push_str(&format!("&$filter={}", encode(filter)));
    }
    let columns = ["displayName", "mailNickname", "kind", "mail", "id"];
    let groups: Vec<Value> = client
        .get_all(&link)
        .await?
        .iter()
        .map(|group| group_row(group, &columns))
        .collect();
    print(&groups, &columns, output)
}

/// `roster groups show GROUP`.
pub async fn show(client: &Client, group: &str, output: Output) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let columns = [
        "id",
        "displayName",
        "mailNickname",
        "mail",
        "description",
        "kind",
        "visibility",
        "createdDateTime",
    ];
    print_one(&group_row(&found, &columns), &columns, output)
}

/// The kinds `roster groups create` makes.
#[derive(Debug, Clone, Copy)]
pub enum NewGroupKind {
    Security,
    Microsoft365,
}

/// `roster groups create`: prints the new group's id.
pub async fn create(
    client: &Client,
    display_name: &str,
    mail_nickname: &str,
    kind: NewGroupKind,
    description: Option<&str>,
    members: &[String],
) -> anyhow::Result<()> {
    let mut body = match kind {
        NewGroupKind::Security => json!({
            "mailEnabled": false, "securityEnabled": true, "groupTypes": [],
        }),
        NewGroupKind::Microsoft365 => json!({
            "mailEnabled": true, "securityEnabled": false, "groupTypes": ["Unified"],
        }),
    };
    body["displayName"] = display_name.into();
    body["mailNickname"] = mail_nickname.into();
    if let Some(description) = description {
        body["description"] = description.into();
    }
    if !members.is_empty() {
        let mut urls = Vec::new();
        for member in members {
            urls.push(client.object_url(&resolve::user_id(client, member).await?));
        }
        body["members@odata.bind"] = urls.into();
    }
    let created = client.post("/v1.0/groups", &body).await?;
    println!("{}", cell(&created["id"]));
    Ok(())
}

fn id_of(group: &Value) -> anyhow::Result<&str> {
    group["id"]
        .as_str()
        .context("the server sent a group without an id")
}

/// `roster groups delete GROUP`: to the recycle bin.
pub async fn delete(client: &Client, group: &str) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let id = id_of(&found)?;
    client.delete(&format!("/v1.0/groups/{id}")).await?;
    eprintln!(
        "{} is in the recycle bin; `roster groups restore {id}` brings it back within 30 days",
        cell(&found["displayName"])
    );
    Ok(())
}

/// `roster groups restore ID`: back from the recycle bin, with its members.
pub async fn restore(client: &Client, id: &str) -> anyhow::Result<()> {
    let restored = client
        .post(
            &format!("/v1.0/directory/deletedItems/{}/restore", encode(id.trim())),
            &Value::Null,
        )
        .await?;
    eprintln!("restored {}", cell(&restored["displayName"]));
    Ok(())
}

/// `roster groups members GROUP`: its users, then its groups.
pub async fn members(client: &Client, group: &str, output: Output) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let columns = ["displayName", "userPrincipalName", "type", "id"];
    let members: Vec<Value> = client
        .get_all(&format!("/v1.0/groups/{}/members", id_of(&found)?))
        .await?
        .iter()
        .map(|member| {
            row(&columns, |column| match column {
                "type" => cell(&member["@odata.type"])
                    .trim_start_matches("#microsoft.graph.")
                    .into(),
                other => member[other].clone(),
            })
        })
        .collect();
    print(&members, &columns, output)
}

/// `roster groups add-member GROUP USER...`: every user is looked up before any is added; one
/// already a member is left as it is.
pub async fn add_members(client: &Client, group: &str, users: &[String]) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let (group_id, name) = (id_of(&found)?, cell(&found["displayName"]));
    let mut ids = Vec::new();
    for user in users {
        ids.push(resolve::user_id(client, user).await?);
    }
    let mut failed = 0;
    for (user, id) in users.iter().zip(&ids) {
        let added = client
            .post(
                &format!("/v1.0/groups/{group_id}/members/$ref"),
                &json!({ "@odata.id": client.object_url(id) }),
            )
            .await;
        match added {
            Ok(_) => eprintln!("{user}: added to {name}"),
            Err(error) if already_member(&error) => {
                eprintln!("{user}: already a member of {name}");
            }
            Err(error) => {
                failed += 1;
                eprintln!("{user}: not added: {error:#}");
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} users could not be added to {name}",
            users.len()
        );
    }
    Ok(())
}

fn already_member(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<client::HttpError>()
            .is_some_and(|e| e.status.as_u16() == 400 && e.message.contains("already exist"))
    })
}

/// `roster groups remove-member GROUP USER...`: a user who is not a member is reported and left.
pub async fn remove_members(client: &Client, group: &str, users: &[String]) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let (group_id, name) = (id_of(&found)?, cell(&found["displayName"]));
    let mut ids = Vec::new();
    for user in users {
        ids.push(resolve::user_id(client, user).await?);
    }
    let mut failed = 0;
    for (user, id) in users.iter().zip(&ids) {
        let removed = client
            .delete(&format!("/v1.0/groups/{group_id}/members/{id}/$ref"))
            .await;
        match removed {
            Ok(_) => eprintln!("{user}: removed from {name}"),
            Err(error) if client::is_not_found(&error) => {
                eprintln!("{user}: not a member of {name}");
            }
            Err(error) => {
                failed += 1;
                eprintln!("{user}: not removed: {error:#}");
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} users could not be removed from {name}",
            users.len()
        );
    }
    Ok(())
}
