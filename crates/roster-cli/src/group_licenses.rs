//! `roster groups licenses ...` and `roster groups license-errors`: group-based licensing over
//! `/v1.0/groups/{id}/assignLicense` and `membersWithLicenseErrors`. The server brings every
//! member up to date in the background; `licenseProcessingState` says how far it is.

use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{Client, encode};
use crate::licenses::Additions;
use crate::output::{Output, cell, print, row};
use crate::resolve::{self, Skus};

/// The processing state at which every member has what the group gives.
const COMPLETE: &str = "ProcessingComplete";

/// What a license error code means for the administrator, and what to do about it.
pub fn explain(error: &str, usage_location: Option<&str>) -> String {
    match error {
        "CountViolation" => {
            "no seat free: buy more or free some (the member gets it as soon as one is free)".into()
        }
        "MutuallyExclusiveViolation" => "a plan of this license cannot go with a plan of another license the user has: remove one of the licenses or disable one of the plans".into(),
        "DependencyViolation" => "a plan of this license needs a plan the user does not have: assign the license that has it, or disable the plan that needs it".into(),
        "ProhibitedInUsageLocationViolation" => format!(
            "a plan of this license is not offered in the user's usage location ({}): change the location or disable the plan",
            usage_location.unwrap_or("none")
        ),
        "UniquenessViolation" => "a value the license's services need is held by another object (such as a duplicate address): fix the duplicate, then reprocess the user".into(),
        "Other" if usage_location.is_none() => "the user has no usage location: set one with `roster users update USER --usage-location XX` and the license follows".into(),
        _ => "the license could not be assigned: fix the user, then `roster users reprocess-licenses USER`".into(),
    }
}

async fn group_with_licenses(client: &Client, group_id: &str) -> anyhow::Result<Value> {
    client
        .get(&format!(
            "/v1.0/groups/{group_id}?$select=displayName,mailNickname,assignedLicenses,licenseProcessingState"
        ))
        .await
}

fn processing_state(group: &Value) -> Option<&str> {
    group["licenseProcessingState"]["state"].as_str()
}

fn id_of(group: &Value) -> anyhow::Result<String> {
    group["id"]
        .as_str()
        .map(str::to_string)
        .context("the server sent a group without an id")
}

/// `roster groups licenses assign GROUP --sku ... [--disable-plan ...] [--wait]`: as `roster
/// licenses assign`, for every member; a license the group already gives gets the new disabled
/// plans.
pub async fn assign(
    client: &Client,
    group: &str,
    sku_names: &[String],
    disable_plans: &[String],
    wait: bool,
) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let (group_id, name) = (id_of(&found)?, cell(&found["displayName"]));
    let tenant = Skus::read(client).await?;
    let additions = Additions::resolve(&tenant, sku_names, disable_plans)?;
    let (_, warning) = client
        .send_with_warning(
            Method::POST,
            &format!("/v1.0/groups/{group_id}/assignLicense"),
            Some(&json!({ "addLicenses": additions.add_licenses(), "removeLicenses": [] })),
        )
        .await?;
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    for license in additions.describe() {
        eprintln!("{name}: {license} assigned to the group");
    }
    finish(client, &group_id, group, wait).await
}

/// `roster groups licenses remove GROUP --sku ... [--wait]`: members lose the licenses (unless
/// they hold them directly or through another group), freeing the seats.
pub async fn remove(
    client: &Client,
    group: &str,
    sku_names: &[String],
    wait: bool,
) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let (group_id, name) = (id_of(&found)?, cell(&found["displayName"]));
    let tenant = Skus::read(client).await?;
    let remove = sku_names
        .iter()
        .map(|sku| tenant.sku_id(sku))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (_, warning) = client
        .send_with_warning(
            Method::POST,
            &format!("/v1.0/groups/{group_id}/assignLicense"),
            Some(&json!({ "addLicenses": [], "removeLicenses": remove })),
        )
        .await?;
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    eprintln!("{name}: {} removed from the group", sku_names.join(", "));
    finish(client, &group_id, group, wait).await
}

/// After a change: follows processing to its end with `--wait`, else says how to follow it.
async fn finish(client: &Client, group_id: &str, group: &str, wait: bool) -> anyhow::Result<()> {
    if !wait {
        eprintln!(
            "the members are brought up to date in the background; `roster groups licenses show {group}` shows how far"
        );
        return Ok(());
    }
    follow(client, group_id).await?;
    let errors = members_with_errors(client, group_id, "id").await?.len();
    if errors == 0 {
        eprintln!("done: every member is up to date");
    } else {
        eprintln!(
            "done: {errors} members could not be licensed; `roster groups license-errors {group}` says why"
        );
    }
    Ok(())
}

/// Waits until the group's processing is complete, saying each state it passes through.
async fn follow(client: &Client, group_id: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let (mut last, mut hinted) = (String::new(), false);
    loop {
        let group = group_with_licenses(client, group_id).await?;
        let Some(state) = processing_state(&group) else {
            return Ok(());
        };
        if state != last {
            eprintln!("{state}");
            last = state.to_string();
        }
        if state == COMPLETE {
            return Ok(());
        }
        if !hinted && state == "QueuedForProcessing" && started.elapsed() > Duration::from_secs(30)
        {
            hinted = true;
            eprintln!(
                "still queued after 30 seconds: the servers may be busy, or none runs background work"
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The members in error, with the properties `select` names.
async fn members_with_errors(
    client: &Client,
    group_id: &str,
    select: &str,
) -> anyhow::Result<Vec<Value>> {
    client
        .get_all(&format!(
            "/v1.0/groups/{group_id}/membersWithLicenseErrors?$select={select}"
        ))
        .await
}

/// A license's part number from its skuId (the id itself for a subscription the tenant no
/// longer has).
fn part_number(tenant: &Skus, sku_id: &Value) -> Value {
    tenant
        .find(&cell(sku_id))
        .map(|sku| sku["skuPartNumber"].clone())
        .unwrap_or_else(|_| sku_id.clone())
}

/// Plan ids as names, from the license's service plans.
fn plan_names(tenant: &Skus, sku_id: &Value, plan_ids: &Value) -> Value {
    let plans = tenant
        .find(&cell(sku_id))
        .ok()
        .and_then(|sku| sku["servicePlans"].as_array());
    plan_ids
        .as_array()
        .into_iter()
        .flatten()
        .map(|id| {
            plans
                .into_iter()
                .flatten()
                .find(|plan| cell(&plan["servicePlanId"]).eq_ignore_ascii_case(&cell(id)))
                .map_or_else(|| id.clone(), |plan| plan["servicePlanName"].clone())
        })
        .collect::<Vec<_>>()
        .into()
}

/// `roster groups licenses show GROUP`: the licenses the group gives, with their disabled
/// plans and how far processing is.
pub async fn show(client: &Client, group: &str, output: Output) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let group_id = id_of(&found)?;
    let licensed = group_with_licenses(client, &group_id).await?;
    let tenant = Skus::read(client).await?;
    let state = processing_state(&licensed).map_or(Value::Null, Value::from);
    let columns = ["skuPartNumber", "skuId", "disabledPlans", "processingState"];
    let rows: Vec<Value> = licensed["assignedLicenses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|license| {
            row(&columns, |column| match column {
                "skuPartNumber" => part_number(&tenant, &license["skuId"]),
                "disabledPlans" => {
                    plan_names(&tenant, &license["skuId"], &license["disabledPlans"])
                }
                "processingState" => state.clone(),
                other => license[other].clone(),
            })
        })
        .collect();
    print(&rows, &columns, output)?;
    let name = cell(&found["displayName"]);
    match processing_state(&licensed) {
        None => eprintln!("{name} has never had licenses"),
        Some(state) => {
            let errors = members_with_errors(client, &group_id, "id").await?.len();
            if errors == 0 {
                eprintln!("{name}: {state}");
            } else {
                eprintln!(
                    "{name}: {state}; {errors} members in error: `roster groups license-errors {group}` says why"
                );
            }
        }
    }
    Ok(())
}

/// `roster groups license-errors GROUP`: each member whose license from the group did not take,
/// a row per license, with the error and what to do about it.
pub async fn errors(client: &Client, group: &str, output: Output) -> anyhow::Result<()> {
    let found = resolve::group(client, group).await?;
    let group_id = id_of(&found)?;
    let tenant = Skus::read(client).await?;
    let columns = [
        "userPrincipalName",
        "skuPartNumber",
        "error",
        "explanation",
        "id",
    ];
    let mut rows = Vec::new();
    // One request: the members come with their license states.
    let members = members_with_errors(
        client,
        &group_id,
        "id,userPrincipalName,usageLocation,licenseAssignmentStates",
    )
    .await?;
    for user in &members {
        let usage_location = user["usageLocation"].as_str();
        for state in user["licenseAssignmentStates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if state["state"] != "Error" || cell(&state["assignedByGroup"]) != group_id {
                continue;
            }
            let error = cell(&state["error"]);
            rows.push(row(&columns, |column| match column {
                "skuPartNumber" => part_number(&tenant, &state["skuId"]),
                "error" => error.clone().into(),
                "explanation" => explain(&error, usage_location).into(),
                other => user[other].clone(),
            }));
        }
    }
    print(&rows, &columns, output)
}

/// `roster users reprocess-licenses USER`: works the user's group licenses out again (after
/// fixing what put them in error) and says how each stands.
pub async fn reprocess(client: &Client, user: &str) -> anyhow::Result<()> {
    let reprocessed = client
        .post(
            &format!(
                "/v1.0/users/{}/reprocessLicenseAssignment",
                encode(user.trim())
            ),
            &Value::Null,
        )
        .await
        .map_err(|error| {
            if crate::client::is_not_found(&error) {
                resolve::no_user(user)
            } else {
                error
            }
        })?;
    let tenant = Skus::read(client).await?;
    // Not among a user's default properties, and only needed to explain an error.
    let usage_location = if reprocessed["licenseAssignmentStates"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|state| state["state"] == "Error")
    {
        let id = reprocessed["id"].as_str().unwrap_or(user);
        client
            .get(&format!("/v1.0/users/{}?$select=usageLocation", encode(id)))
            .await?["usageLocation"]
            .as_str()
            .map(str::to_string)
    } else {
        None
    };
    let from_groups: Vec<&Value> = reprocessed["licenseAssignmentStates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|state| !state["assignedByGroup"].is_null())
        .collect();
    if from_groups.is_empty() {
        eprintln!("{user}: reprocessed; no group gives the user a license");
    }
    for state in from_groups {
        let group = client
            .get(&format!(
                "/v1.0/groups/{}?$select=displayName",
                encode(&cell(&state["assignedByGroup"]))
            ))
            .await
            .map_or_else(
                |_| state["assignedByGroup"].clone(),
                |g| g["displayName"].clone(),
            );
        let license = format!(
            "{user}: {} from {}",
            cell(&part_number(&tenant, &state["skuId"])),
            cell(&group)
        );
        if state["state"] == "Error" {
            let error = cell(&state["error"]);
            eprintln!(
                "{license}: {error}: {}",
                explain(&error, usage_location.as_deref())
            );
        } else {
            eprintln!("{license}: {}", cell(&state["state"]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn every_error_code_is_explained() {
        for (error, location, expected) in [
            (
                "CountViolation",
                Some("NL"),
                "no seat free: buy more or free some",
            ),
            ("MutuallyExclusiveViolation", Some("NL"), "cannot go with"),
            ("DependencyViolation", Some("NL"), "needs a plan"),
            (
                "ProhibitedInUsageLocationViolation",
                Some("CU"),
                "location (CU)",
            ),
            ("UniquenessViolation", Some("NL"), "duplicate"),
            ("Other", None, "no usage location"),
            ("Other", Some("NL"), "reprocess-licenses"),
            ("SomethingNew", Some("NL"), "reprocess-licenses"),
        ] {
            let explained = explain(error, location);
            assert!(explained.contains(expected), "{error}: {explained}");
        }
    }
}
