//! `roster groups ...`: groups over `/v1.0/groups`, with assigned members or dynamic ones (the
//! users a membership rule matches, worked out by the server). A group is named by id, display
//! name or mail nickname; a member by principal name or id.

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::client::{self, Client, encode};
use crate::output::{Output, cell, print, print_one, row, write};
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

fn is_dynamic(group: &Value) -> bool {
    group["groupTypes"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == "DynamicMembership"))
}

/// `roster groups show GROUP`: with its rule and whether it is paused, if it is dynamic.
pub async fn show(client: &Client, group: &str, output: Output) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let mut columns = vec![
        "id",
        "displayName",
        "mailNickname",
        "mail",
        "description",
        "kind",
        "visibility",
        "createdDateTime",
    ];
    if is_dynamic(&found) {
        columns.extend(["membershipRule", "membershipRuleProcessingState"]);
    }
    print_one(&group_row(&found, &columns), &columns, output)
}

/// The kinds `roster groups create` makes.
#[derive(Debug, Clone, Copy)]
pub enum NewGroupKind {
    Security,
    Microsoft365,
}

/// How the members of a new group are chosen.
pub enum NewMembers<'a> {
    /// These users (principal names or ids), and later whoever is added.
    Assigned(&'a [String]),
    /// The users the rule matches, kept up to date by the server; a paused rule takes none in
    /// until it is resumed.
    Dynamic { rule: &'a str, paused: bool },
}

/// `roster groups create`: prints the new group's id.
pub async fn create(
    client: &Client,
    display_name: &str,
    mail_nickname: &str,
    kind: NewGroupKind,
    description: Option<&str>,
    members: NewMembers<'_>,
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
    match members {
        NewMembers::Assigned(members) if !members.is_empty() => {
            let mut urls = Vec::new();
            for member in members {
                urls.push(client.object_url(&resolve::user_id(client, member).await?));
            }
            body["members@odata.bind"] = urls.into();
        }
        NewMembers::Assigned(_) => {}
        NewMembers::Dynamic { rule, paused } => {
            if let Some(types) = body["groupTypes"].as_array_mut() {
                types.push("DynamicMembership".into());
            }
            body["membershipRule"] = rule.into();
            body["membershipRuleProcessingState"] = if paused { "Paused" } else { "On" }.into();
        }
    }
    let created = client
        .post("/v1.0/groups", &body)
        .await
        .inspect_err(|error| show_rule_error(error, body["membershipRule"].as_str()))?;
    println!("{}", cell(&created["id"]));
    match members {
        NewMembers::Dynamic { paused: false, .. } => eprintln!(
            "{display_name}: its members are being worked out from the rule; `roster groups members {mail_nickname}` shows them"
        ),
        NewMembers::Dynamic { paused: true, .. } => eprintln!(
            "{display_name}: the rule is paused, so the group has no members until `roster groups resume {mail_nickname}`"
        ),
        NewMembers::Assigned(_) => {}
    }
    Ok(())
}

/// Where in `rule` the server's message says the mistake is ("... at position N: ..."), as the
/// rule (or the part around the mistake, for a long one) and a caret under it.
fn point_at_mistake(rule: &str, message: &str) -> Option<String> {
    const AROUND: usize = 40;
    let (_, after) = message.split_once("at position ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let position: usize = digits.parse().ok()?;
    let chars: Vec<char> = rule
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if position == 0 || position > chars.len() + 1 {
        return None;
    }
    let index = position - 1;
    let start = index.saturating_sub(AROUND);
    let end = (index + AROUND).min(chars.len());
    let prefix = if start > 0 { "..." } else { "" };
    let suffix = if end < chars.len() { "..." } else { "" };
    let shown: String = chars[start..end].iter().collect();
    let caret = " ".repeat(prefix.len() + index - start);
    Some(format!("  {prefix}{shown}{suffix}\n  {caret}^"))
}

/// On a rule the server refused, shows where the mistake is (the message says what it is).
fn show_rule_error(error: &anyhow::Error, rule: Option<&str>) {
    let Some(rule) = rule else { return };
    let refused = error.chain().find_map(|cause| {
        cause
            .downcast_ref::<client::HttpError>()
            .filter(|e| e.status == reqwest::StatusCode::BAD_REQUEST)
    });
    if let Some(pointed) = refused.and_then(|e| point_at_mistake(rule, &e.message)) {
        eprintln!("{pointed}");
    }
}

/// A dynamic group named by id, display name or mail nickname; an assigned one is refused, as
/// the server would silently ignore a processing state sent to it.
async fn dynamic_group(client: &Client, group: &str) -> anyhow::Result<Value> {
    let found = resolve::group(client, group).await?;
    if !is_dynamic(&found) {
        bail!(
            "{} has assigned members, not a membership rule: create a dynamic group with `roster groups create --rule`",
            cell(&found["displayName"])
        );
    }
    Ok(found)
}

/// `roster groups set-rule GROUP RULE`: the server works the members out again in the
/// background, and their group licenses follow.
pub async fn set_rule(client: &Client, group: &str, rule: &str) -> anyhow::Result<()> {
    let found = dynamic_group(client, group).await?;
    client
        .patch(
            &format!("/v1.0/groups/{}", id_of(&found)?),
            &json!({ "membershipRule": rule }),
        )
        .await
        .inspect_err(|error| show_rule_error(error, Some(rule)))?;
    let name = cell(&found["displayName"]);
    if found["membershipRuleProcessingState"] == "Paused" {
        eprintln!(
            "{name}: rule changed; it is paused, so the members stay as they are until `roster groups resume`"
        );
    } else {
        eprintln!("{name}: rule changed; the members are being worked out again");
    }
    Ok(())
}

/// `roster groups pause GROUP` and `roster groups resume GROUP`: a paused rule leaves the
/// members as they are; resumed, it catches up with every change made meanwhile.
pub async fn set_processing(client: &Client, group: &str, on: bool) -> anyhow::Result<()> {
    let found = dynamic_group(client, group).await?;
    client
        .patch(
            &format!("/v1.0/groups/{}", id_of(&found)?),
            &json!({ "membershipRuleProcessingState": if on { "On" } else { "Paused" } }),
        )
        .await?;
    let name = cell(&found["displayName"]);
    if on {
        eprintln!("{name}: resumed; the members are being brought up to date");
    } else {
        eprintln!("{name}: paused; its members stay as they are until `roster groups resume`");
    }
    Ok(())
}

/// `roster groups preview-rule RULE [--group GROUP] [--top N]`: what the rule would take in and,
/// against a group, who would join and leave and what that does to licenses and seats. Nothing
/// changes.
pub async fn preview_rule(
    client: &Client,
    rule: &str,
    group: Option<&str>,
    top: Option<usize>,
    output: Output,
) -> anyhow::Result<()> {
    let mut body = json!({ "membershipRule": rule });
    let group = match group {
        Some(group) => Some(resolve::group(client, group).await?),
        None => None,
    };
    if let Some(group) = &group {
        body["groupId"] = id_of(group)?.into();
    }
    if let Some(top) = top {
        body["top"] = top.into();
    }
    let preview = client
        .post("/roster/v1/groups/previewRule", &body)
        .await
        .inspect_err(|error| show_rule_error(error, Some(rule)))?;
    for license in preview["licenses"].as_array().into_iter().flatten() {
        let (needed, available) = (
            license["seatsNeeded"].as_i64().unwrap_or(0),
            license["seatsAvailable"].as_i64().unwrap_or(0),
        );
        if needed > available {
            eprintln!(
                "warning: {} needs {needed} more seats and has {available} free: {} members would wait without it (CountViolation)",
                cell(&license["skuPartNumber"]),
                needed - available
            );
        }
    }
    match output {
        Output::Json => print_one(&preview, &[], output),
        Output::Csv => print(&preview_rows(&preview), PREVIEW_COLUMNS, output),
        Output::Table => print_preview(&preview, group.as_ref()),
    }
}

const PREVIEW_COLUMNS: &[&str] = &[
    "section",
    "count",
    "userPrincipalName",
    "displayName",
    "id",
    "skuPartNumber",
    "granted",
    "removed",
    "seatsNeeded",
    "seatsAvailable",
];

const USER_COLUMNS: &[&str] = &["userPrincipalName", "displayName", "id"];

const LICENSE_COLUMNS: &[&str] = &[
    "skuPartNumber",
    "granted",
    "removed",
    "seatsNeeded",
    "seatsAvailable",
];

/// The sections of a preview: `matching` (every user the rule takes in), and against a group
/// `joining` and `leaving`; each as its count and a sample of users.
fn preview_sections(preview: &Value) -> Vec<(&'static str, &Value, &Value)> {
    let mut sections = vec![("matching", &preview["matchingUsers"], &preview["sample"])];
    for name in ["joining", "leaving"] {
        if preview[name].is_object() {
            sections.push((name, &preview[name]["count"], &preview[name]["sample"]));
        }
    }
    sections
}

/// One CSV row per section (its count), per sampled user and per license, told apart by
/// `section`.
fn preview_rows(preview: &Value) -> Vec<Value> {
    let mut rows = Vec::new();
    for (section, count, sample) in preview_sections(preview) {
        rows.push(json!({ "section": section, "count": count }));
        for user in sample.as_array().into_iter().flatten() {
            let mut line = row(USER_COLUMNS, |column| user[column].clone());
            line["section"] = section.into();
            rows.push(line);
        }
    }
    for license in preview["licenses"].as_array().into_iter().flatten() {
        let mut line = row(LICENSE_COLUMNS, |column| license[column].clone());
        line["section"] = "license".into();
        rows.push(line);
    }
    rows
}

fn print_preview(preview: &Value, group: Option<&Value>) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for (section, count, sample) in preview_sections(preview) {
        let count = count.as_u64().unwrap_or(0);
        let sample = sample.as_array().cloned().unwrap_or_default();
        let heading = match (section, group) {
            ("matching", _) => format!("the rule matches {count} users"),
            (_, Some(group)) => format!(
                "{count} would {} {}",
                if section == "joining" {
                    "join"
                } else {
                    "leave"
                },
                cell(&group["displayName"])
            ),
            _ => format!("{section}: {count}"),
        };
        let shown = if (sample.len() as u64) < count {
            format!(" ({} shown; --top shows more)", sample.len())
        } else {
            String::new()
        };
        writeln!(out, "{heading}{shown}")?;
        if !sample.is_empty() {
            write(&mut out, &sample, USER_COLUMNS, Output::Table)?;
        }
        writeln!(out)?;
    }
    if let Some(licenses) = preview["licenses"].as_array() {
        if licenses.is_empty() {
            writeln!(out, "the group gives no licenses")?;
        } else {
            writeln!(out, "licenses")?;
            write(&mut out, licenses, LICENSE_COLUMNS, Output::Table)?;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::point_at_mistake;

    fn check(rule: &str, message: &str, expected: Option<&str>) {
        assert_eq!(
            point_at_mistake(rule, message).as_deref(),
            expected,
            "{rule} / {message}"
        );
    }

    #[test]
    fn a_caret_points_at_the_mistake() {
        let at = |n: usize| {
            format!(
                "Property membershipRule is invalid: the membership rule is invalid at position {n}: expected ..."
            )
        };
        check(
            "user.department -equals \"Sales\"",
            &at(17),
            Some("  user.department -equals \"Sales\"\n                  ^"),
        );
        check(
            "user.department -eq",
            &at(1),
            Some("  user.department -eq\n  ^"),
        );
        // Past the end: something was missing there.
        check(
            "user.department -eq",
            &at(20),
            Some("  user.department -eq\n                     ^"),
        );
        check("user.department -eq", &at(21), None);
        check("user.department -eq", &at(0), None);
        check("user.department -eq", "no position here", None);
        // Characters, not bytes; a tab is shown as a space so that the caret lines up.
        check("é\tx -eq", &at(3), Some("  é x -eq\n    ^"));
        // A long rule is cut around the mistake.
        let long = format!("{}user.x{}", "a".repeat(100), "b".repeat(100));
        check(
            &long,
            &at(101),
            Some(&format!(
                "  ...{}user.x{}...\n  {}^",
                "a".repeat(40),
                "b".repeat(34),
                " ".repeat(43)
            )),
        );
    }
}
