//! `roster licenses ...`: the tenant's subscriptions (`/v1.0/subscribedSkus`) and a user's
//! licenses (`assignLicense`, `licenseDetails`).

use serde_json::{Value, json};

use crate::client::{self, Client, encode};
use crate::output::{Output, cell, print, row};
use crate::resolve::{self, Skus};

/// `roster licenses list`: each subscription with its seats.
pub async fn list(client: &Client, output: Output) -> anyhow::Result<()> {
    let skus = Skus::read(client).await?;
    let columns = [
        "skuPartNumber",
        "skuId",
        "enabled",
        "consumed",
        "available",
        "capabilityStatus",
    ];
    let rows: Vec<Value> = skus
        .all()
        .iter()
        .map(|sku| {
            let enabled = sku["prepaidUnits"]["enabled"].as_i64().unwrap_or(0);
            let consumed = sku["consumedUnits"].as_i64().unwrap_or(0);
            row(&columns, |column| match column {
                "enabled" => enabled.into(),
                "consumed" => consumed.into(),
                "available" => (enabled - consumed).max(0).into(),
                other => sku[other].clone(),
            })
        })
        .collect();
    print(&rows, &columns, output)
}

fn map_no_user(error: anyhow::Error, user: &str) -> anyhow::Error {
    if client::is_not_found(&error) {
        resolve::no_user(user)
    } else {
        error
    }
}

/// Licenses to add, from the names typed: each subscription once, and in each the service plans
/// named that it has (a plan named is disabled in every given license that has it).
pub struct Additions<'a> {
    skus: Vec<&'a Value>,
    disabled: Vec<Vec<resolve::PlanMatch>>,
}

impl<'a> Additions<'a> {
    pub fn resolve(
        tenant: &'a Skus,
        sku_names: &[String],
        disable_plans: &[String],
    ) -> anyhow::Result<Additions<'a>> {
        let mut skus: Vec<&Value> = Vec::new();
        for name in sku_names {
            let sku = tenant.find(name)?;
            if !skus.iter().any(|s| s["skuId"] == sku["skuId"]) {
                skus.push(sku);
            }
        }
        let mut disabled: Vec<Vec<resolve::PlanMatch>> = skus.iter().map(|_| Vec::new()).collect();
        for plan in disable_plans {
            for found in resolve::service_plans(&skus, plan)? {
                let plans = &mut disabled[found.sku];
                if !plans
                    .iter()
                    .any(|p| p.service_plan_id == found.service_plan_id)
                {
                    plans.push(found);
                }
            }
        }
        Ok(Additions { skus, disabled })
    }

    /// `addLicenses` of an `assignLicense` request.
    pub fn add_licenses(&self) -> Vec<Value> {
        self.skus
            .iter()
            .zip(&self.disabled)
            .map(|(sku, plans)| {
                json!({
                    "skuId": sku["skuId"],
                    "disabledPlans": plans.iter().map(|p| p.service_plan_id.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect()
    }

    /// Each license in words: `SPE_E3`, or `SPE_E3 without SWAY, YAMMER_ENTERPRISE`.
    pub fn describe(&self) -> Vec<String> {
        self.skus
            .iter()
            .zip(&self.disabled)
            .map(|(sku, plans)| {
                let names: Vec<&str> = plans.iter().map(|p| p.service_plan_name.as_str()).collect();
                if names.is_empty() {
                    cell(&sku["skuPartNumber"])
                } else {
                    format!(
                        "{} without {}",
                        cell(&sku["skuPartNumber"]),
                        names.join(", ")
                    )
                }
            })
            .collect()
    }
}

/// `roster licenses assign USER --sku ... [--disable-plan ...]`: each plan named is disabled in
/// every given license that has it. Assigning a license the user already has replaces its
/// disabled plans, as in Graph.
pub async fn assign(
    client: &Client,
    user: &str,
    sku_names: &[String],
    disable_plans: &[String],
) -> anyhow::Result<()> {
    let tenant = Skus::read(client).await?;
    let additions = Additions::resolve(&tenant, sku_names, disable_plans)?;
    client
        .post(
            &format!("/v1.0/users/{}/assignLicense", encode(user.trim())),
            &json!({ "addLicenses": additions.add_licenses(), "removeLicenses": [] }),
        )
        .await
        .map_err(|error| {
            let no_location = error.chain().any(|cause| {
                cause
                    .downcast_ref::<client::HttpError>()
                    .is_some_and(|e| e.message.contains("usage location"))
            });
            if no_location {
                error.context(format!(
                    "{user} needs a usage location first, e.g. `roster users update {user} --usage-location NL`"
                ))
            } else {
                map_no_user(error, user)
            }
        })?;
    for license in additions.describe() {
        eprintln!("{user}: {license} assigned");
    }
    Ok(())
}

/// `roster licenses remove USER --sku ...`: frees the seats.
pub async fn remove(client: &Client, user: &str, sku_names: &[String]) -> anyhow::Result<()> {
    let tenant = Skus::read(client).await?;
    let remove = sku_names
        .iter()
        .map(|name| tenant.sku_id(name))
        .collect::<anyhow::Result<Vec<_>>>()?;
    client
        .post(
            &format!("/v1.0/users/{}/assignLicense", encode(user.trim())),
            &json!({ "addLicenses": [], "removeLicenses": remove }),
        )
        .await
        .map_err(|error| map_no_user(error, user))?;
    eprintln!("{user}: {} removed", sku_names.join(", "));
    Ok(())
}

/// `roster licenses show USER`: the user's licenses and their disabled plans, or with `--plans`
/// every service plan and its status.
pub async fn show(client: &Client, user: &str, plans: bool, output: Output) -> anyhow::Result<()> {
    let details = client
        .get_all(&format!(
            "/v1.0/users/{}/licenseDetails",
            encode(user.trim())
        ))
        .await
        .map_err(|error| map_no_user(error, user))?;
    let service_plans = |detail: &Value| -> Vec<Value> {
        detail["servicePlans"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    if plans {
        let columns = [
            "skuPartNumber",
            "servicePlanName",
            "servicePlanId",
            "provisioningStatus",
        ];
        let rows: Vec<Value> = details
            .iter()
            .flat_map(|detail| {
                service_plans(detail).into_iter().map(move |plan| {
                    row(&columns, |column| match column {
                        "skuPartNumber" => detail["skuPartNumber"].clone(),
                        other => plan[other].clone(),
                    })
                })
            })
            .collect();
        return print(&rows, &columns, output);
    }
    let columns = ["skuPartNumber", "skuId", "disabledPlans"];
    let rows: Vec<Value> = details
        .iter()
        .map(|detail| {
            row(&columns, |column| match column {
                "disabledPlans" => service_plans(detail)
                    .iter()
                    .filter(|plan| plan["provisioningStatus"] == "Disabled")
                    .map(|plan| plan["servicePlanName"].clone())
                    .collect::<Vec<_>>()
                    .into(),
                other => detail[other].clone(),
            })
        })
        .collect();
    print(&rows, &columns, output)
}
