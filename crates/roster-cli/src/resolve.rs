//! From the names administrators type to the ids the API wants: users by principal name,
//! groups by display name or mail nickname, subscriptions by part number, service plans by name.

use anyhow::{Context, bail};
use roster_core::types::ObjectId;
use serde_json::Value;

use crate::client::{self, Client, NotFound, encode};
use crate::output::cell;

fn is_id(text: &str) -> bool {
    ObjectId::parse(text).is_ok()
}

/// A string literal of an OData `$filter`.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The id of a user named by principal name or id (an id is taken as it is).
pub async fn user_id(client: &Client, user: &str) -> anyhow::Result<String> {
    if is_id(user) {
        return Ok(user.trim().to_string());
    }
    match client
        .get(&format!("/v1.0/users/{}?$select=id", encode(user)))
        .await
    {
        Ok(found) => found["id"]
            .as_str()
            .map(str::to_string)
            .context("the server sent a user without an id"),
        Err(error) if client::is_not_found(&error) => Err(no_user(user)),
        Err(error) => Err(error),
    }
}

/// The error for a user that does not exist, saying how to find the right name.
pub fn no_user(user: &str) -> anyhow::Error {
    let alias = user.split('@').next().unwrap_or(user);
    NotFound(format!(
        "no user {user}: `roster users list --filter \"startsWith(userPrincipalName,{})\"` finds similar names",
        literal(alias)
    ))
    .into()
}

/// The properties a resolved group carries.
pub const GROUP_PROPERTIES: &str = "id,displayName,mailNickname,mail,description,mailEnabled,securityEnabled,groupTypes,visibility,createdDateTime,membershipRule,membershipRuleProcessingState";

/// A group named by id, display name or mail nickname; a name that fits several groups is refused
/// with their ids, so that the administrator can pick one.
pub async fn group(client: &Client, group: &str) -> anyhow::Result<Value> {
    if is_id(group) {
        return match client
            .get(&format!(
                "/v1.0/groups/{}?$select={GROUP_PROPERTIES}",
                group.trim()
            ))
            .await
        {
            Err(error) if client::is_not_found(&error) => Err(NotFound(format!(
                "no group has the id {group}: `roster groups list` shows the groups"
            ))
            .into()),
            other => other,
        };
    }
    let filter = format!(
        "displayName eq {name} or mailNickname eq {name}",
        name = literal(group)
    );
    let mut found = client
        .get_all(&format!(
            "/v1.0/groups?$select={GROUP_PROPERTIES}&$top=999&$filter={}",
            encode(&filter)
        ))
        .await?;
    match found.len() {
        0 => Err(NotFound(format!(
            "no group has the display name or mail nickname '{group}': `roster groups list --filter \"startsWith(displayName,{})\"` finds similar names",
            literal(group)
        ))
        .into()),
        1 => Ok(found.remove(0)),
        _ => {
            let candidates: Vec<String> = found
                .iter()
                .map(|g| {
                    format!(
                        "{} ({}, {})",
                        cell(&g["id"]),
                        cell(&g["displayName"]),
                        cell(&g["mailNickname"])
                    )
                })
                .collect();
            bail!(
                "'{group}' names {} groups; give one's id instead: {}",
                found.len(),
                candidates.join("; ")
            )
        }
    }
}

/// A user in the recycle bin, named by id or principal name, for restore and purge.
pub async fn deleted_user(client: &Client, user: &str) -> anyhow::Result<Value> {
    let not_in_bin = || {
        NotFound(format!(
            "no user {user} in the recycle bin: `roster deleted list` shows the deleted users"
        ))
    };
    if is_id(user) {
        let found = match client
            .get(&format!("/v1.0/directory/deletedItems/{}", user.trim()))
            .await
        {
            Err(error) if client::is_not_found(&error) => return Err(not_in_bin().into()),
            other => other?,
        };
        if found["@odata.type"] != "#microsoft.graph.user" {
            return Err(not_in_bin().into());
        }
        return Ok(found);
    }
    let filter = format!("userPrincipalName eq {}", literal(user));
    let mut found = client
        .get_all(&format!(
            "/v1.0/directory/deletedItems/microsoft.graph.user?$select=id,userPrincipalName,displayName&$filter={}",
            encode(&filter)
        ))
        .await?;
    match found.len() {
        0 => Err(not_in_bin().into()),
        1 => Ok(found.remove(0)),
        n => {
            let ids: Vec<String> = found
                .iter()
                .map(|u| {
                    format!(
                        "{} (deleted {})",
                        cell(&u["id"]),
                        cell(&u["deletedDateTime"])
                    )
                })
                .collect();
            bail!(
                "{user} was deleted {n} times; give the id of the one you mean: {}",
                ids.join(", ")
            )
        }
    }
}

/// The tenant's subscriptions, read once, to resolve `--sku` and `--disable-plan` values.
pub struct Skus {
    skus: Vec<Value>,
}

impl Skus {
    pub async fn read(client: &Client) -> anyhow::Result<Skus> {
        let skus = client.subscribed_skus().await?;
        Ok(Skus {
            skus: skus.iter().map(|sku| sku.to_json()).collect(),
        })
    }

    pub fn all(&self) -> &[Value] {
        &self.skus
    }

    /// The subscription with this part number (SPE_E3) or skuId.
    pub fn find(&self, name: &str) -> anyhow::Result<&Value> {
        let name = name.trim();
        self.skus
            .iter()
            .find(|sku| {
                ["skuPartNumber", "skuId"].iter().any(|property| {
                    sku[*property]
                        .as_str()
                        .is_some_and(|value| value.eq_ignore_ascii_case(name))
                })
            })
            .ok_or_else(|| {
                let known: Vec<String> = self
                    .skus
                    .iter()
                    .map(|s| cell(&s["skuPartNumber"]))
                    .collect();
                let known = if known.is_empty() {
                    "none yet; buy one with POST /roster/v1/subscriptions".to_string()
                } else {
                    known.join(", ")
                };
                NotFound(format!(
                    "the tenant has no subscription {name} (it has: {known})"
                ))
                .into()
            })
    }

    /// The skuId of a part number or skuId (a skuId the tenant no longer has is taken as it is,
    /// so that a license can still be removed).
    pub fn sku_id(&self, name: &str) -> anyhow::Result<String> {
        match self.find(name) {
            Ok(sku) => Ok(cell(&sku["skuId"])),
            Err(_) if is_id(name) => Ok(name.trim().to_string()),
            Err(error) => Err(error),
        }
    }
}

/// A service plan of one of the licenses being assigned.
pub struct PlanMatch {
    /// Which license (index into the `skus` given).
    pub sku: usize,
    pub service_plan_id: String,
    pub service_plan_name: String,
}

/// Which of `skus`' service plans `plan` names (by servicePlanName or servicePlanId, ignoring
/// case); a plan in none of them is an error that lists theirs.
pub fn service_plans(skus: &[&Value], plan: &str) -> anyhow::Result<Vec<PlanMatch>> {
    let plan = plan.trim();
    let mut found = Vec::new();
    for (index, sku) in skus.iter().enumerate() {
        for service_plan in sku["servicePlans"].as_array().into_iter().flatten() {
            let matches = ["servicePlanName", "servicePlanId"].iter().any(|property| {
                service_plan[*property]
                    .as_str()
                    .is_some_and(|value| value.eq_ignore_ascii_case(plan))
            });
            if matches {
                found.push(PlanMatch {
                    sku: index,
                    service_plan_id: cell(&service_plan["servicePlanId"]),
                    service_plan_name: cell(&service_plan["servicePlanName"]),
                });
            }
        }
    }
    if found.is_empty() {
        let listed: Vec<String> = skus
            .iter()
            .map(|sku| {
                let names: Vec<String> = sku["servicePlans"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| cell(&p["servicePlanName"]))
                    .collect();
                format!("{}: {}", cell(&sku["skuPartNumber"]), names.join(", "))
            })
            .collect();
        bail!(
            "--disable-plan {plan}: no such service plan in the licenses given ({})",
            listed.join("; ")
        );
    }
    Ok(found)
}
