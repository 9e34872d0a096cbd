//! Checks a user's license assignments against the catalog's plan rules.
//!
//! The checks are pure: callers pass the complete set of assignments a user would hold after
//! a change, and apply the change only if it passes. [`plan_licenses`] decides a user's
//! group-based licenses the same way; the store only takes and frees the seats it decides.
//! Whether the user has a usage location at all is the caller's check, made before this one.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::catalog::{Catalog, PlanDef, plan_rules};
use crate::directory::{InheritedLicense, LicenseAssignment, LicenseError, LicenseState};
use crate::types::{ObjectId, SkuId};

/// One SKU assigned to a user, with the service plans turned off for that user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub sku_id: Uuid,
    pub disabled_plans: Vec<Uuid>,
}

/// Why a set of assignments cannot be held by a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenseViolation {
    #[error("service plans {plan_a} and {plan_b} cannot be assigned to the same user")]
    MutuallyExclusive { plan_a: String, plan_b: String },
    #[error("service plan {plan} requires one of {} to be enabled", .requires.join(", "))]
    Dependency { plan: String, requires: Vec<String> },
    #[error("service plan {plan} is not available in usage location {usage_location}")]
    ProhibitedInUsageLocation {
        plan: String,
        usage_location: String,
    },
    #[error("unknown sku {0}")]
    UnknownSku(Uuid),
    #[error("service plan {plan_id} is not part of sku {sku_id}")]
    UnknownDisabledPlan { sku_id: Uuid, plan_id: Uuid },
}

impl LicenseViolation {
    /// The `error` of Graph's `licenseAssignmentState` for this violation.
    pub fn graph_error_code(&self) -> &'static str {
        match self {
            LicenseViolation::MutuallyExclusive { .. } => "MutuallyExclusiveViolation",
            LicenseViolation::Dependency { .. } => "DependencyViolation",
            LicenseViolation::ProhibitedInUsageLocation { .. } => {
                "ProhibitedInUsageLocationViolation"
            }
            LicenseViolation::UnknownSku(_) | LicenseViolation::UnknownDisabledPlan { .. } => {
                "Other"
            }
        }
    }
}

/// The plans the assignments turn on, as (SKU id, plan) in assignment and catalog order.
///
/// A plan contained in two assigned SKUs appears once for each.
pub fn enabled_plans<'c>(
    catalog: &'c Catalog,
    assignments: &[Assignment],
) -> Result<Vec<(Uuid, &'c PlanDef)>, LicenseViolation> {
    let mut enabled = Vec::new();
    for assignment in assignments {
        let sku = catalog
            .by_sku_id(assignment.sku_id)
            .ok_or(LicenseViolation::UnknownSku(assignment.sku_id))?;
        if let Some(plan_id) = assignment
            .disabled_plans
            .iter()
            .find(|plan_id| sku.plan(**plan_id).is_none())
        {
            return Err(LicenseViolation::UnknownDisabledPlan {
                sku_id: sku.sku_id,
                plan_id: *plan_id,
            });
        }
        enabled.extend(
            sku.service_plans
                .iter()
                .filter(|plan| !assignment.disabled_plans.contains(&plan.service_plan_id))
                .map(|plan| (sku.sku_id, plan)),
        );
    }
    Ok(enabled)
}

/// Validates the complete set of a user's assignments in `usage_location`
/// (ISO 3166-1 alpha-2): reports the first violation found, checking mutual exclusions,
/// then dependencies, then the usage location.
///
/// Disabled plans take no part in any check: disabling one of two conflicting plans is how
/// an administrator resolves the conflict.
pub fn check_assignments(
    catalog: &Catalog,
    usage_location: &str,
    assignments: &[Assignment],
) -> Result<(), LicenseViolation> {
    let enabled = enabled_plans(catalog, assignments)?;
    let rules = plan_rules();

    // A plan is never exclusive with itself, so the same plan from two SKUs passes; two
    // exclusive plans inside one SKU are Microsoft's bundling decision, not a conflict.
    for rule in rules.mutually_exclusive {
        let holding = |name: &'static str| {
            enabled
                .iter()
                .filter(move |(_, plan)| plan.service_plan_name.eq_ignore_ascii_case(name))
        };
        for (sku_a, plan_a) in holding(rule.plans[0]) {
            if let Some((_, plan_b)) = holding(rule.plans[1]).find(|(sku_b, _)| sku_b != sku_a) {
                return Err(LicenseViolation::MutuallyExclusive {
                    plan_a: plan_a.service_plan_name.clone(),
                    plan_b: plan_b.service_plan_name.clone(),
                });
            }
        }
    }

    for (_, plan) in &enabled {
        for dependency in rules.dependencies_of(&plan.service_plan_name) {
            let satisfied = enabled.iter().any(|(_, other)| {
                dependency
                    .requires_any_of
                    .iter()
                    .any(|required| other.service_plan_name.eq_ignore_ascii_case(required))
            });
            if !satisfied {
                return Err(LicenseViolation::Dependency {
                    plan: plan.service_plan_name.clone(),
                    requires: dependency
                        .requires_any_of
                        .iter()
                        .map(|name| (*name).to_owned())
                        .collect(),
                });
            }
        }
    }

    if let Some((_, plan)) = enabled
        .iter()
        .find(|(_, plan)| rules.is_prohibited_in(&plan.service_plan_name, usage_location))
    {
        return Err(LicenseViolation::ProhibitedInUsageLocation {
            plan: plan.service_plan_name.clone(),
            usage_location: usage_location.to_owned(),
        });
    }

    Ok(())
}

/// A group's licenses, as each of its members would get them.
#[derive(Debug, Clone)]
pub struct GroupLicenses {
    pub group_id: ObjectId,
    pub licenses: Vec<LicenseAssignment>,
}

/// What a user's group-based licenses come to: one row per license of each of its groups,
/// Active or in Error with Graph's reason, and the seats that takes and gives back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicensePlan {
    pub inherited: Vec<InheritedLicense>,
    /// SKUs whose seat the user takes now (it held none before).
    pub take: Vec<SkuId>,
    /// SKUs whose seat the user gives back (it held one before, and holds none now).
    pub free: Vec<SkuId>,
}

/// Decides a user's group-based licenses as Entra ID does, from:
/// - `location`: the user's usage location, or else the tenant's default (without one, no
///   group's license takes: `Other`);
/// - `direct`: its direct licenses, which always hold their seats;
/// - `groups`: the licenses of each group it is a direct member of, those whose licenses took
///   before first, so that a newer group never takes their place;
/// - `held_before`: the SKUs whose seats it holds now;
/// - `free_seats`: the seats free now of each SKU it does not hold (none for a subscription not
///   enabled).
///
/// A group's licenses take all together or not at all (Entra's rule): each group in turn is
/// checked against what the user holds so far (the plan rules in `location`, a free seat for
/// each SKU it does not hold yet). Where two licenses of one SKU meet (direct and a group's, or
/// two groups'), a plan is off only if every one of them turns it off.
/// Returns `Err(sku)` when a direct license finds no seat: the whole change fails.
pub fn plan_licenses(
    catalog: &Catalog,
    location: Option<&str>,
    direct: &[LicenseAssignment],
    groups: &[GroupLicenses],
    held_before: &HashSet<SkuId>,
    free_seats: &HashMap<SkuId, i64>,
) -> Result<LicensePlan, SkuId> {
    let mut free = free_seats.clone();
    let mut take = Vec::new();
    let mut held: HashSet<SkuId> = HashSet::new();
    for assignment in direct {
        if held.insert(assignment.sku_id) && !held_before.contains(&assignment.sku_id) {
            let seats = free.entry(assignment.sku_id).or_default();
            if *seats <= 0 {
                return Err(assignment.sku_id);
            }
            *seats -= 1;
            take.push(assignment.sku_id);
        }
    }
    let mut granted: Vec<LicenseAssignment> = direct.to_vec();
    let mut inherited = Vec::new();
    for group in groups {
        let mut candidate = granted.clone();
        for license in &group.licenses {
            match candidate.iter_mut().find(|a| a.sku_id == license.sku_id) {
                Some(existing) => existing
                    .disabled_plans
                    .retain(|plan| license.disabled_plans.contains(plan)),
                None => candidate.push(license.clone()),
            }
        }
        let mut error = match location {
            None => Some(LicenseError::Other),
            Some(location) => check_assignments(catalog, location, &rule_input(&candidate))
                .err()
                .map(|violation| {
                    LicenseError::parse(violation.graph_error_code()).unwrap_or(LicenseError::Other)
                }),
        };
        if error.is_none() {
            let needed: Vec<SkuId> = group
                .licenses
                .iter()
                .map(|license| license.sku_id)
                .filter(|sku| !held.contains(sku) && !held_before.contains(sku))
                .collect();
            let mut wanted: HashMap<SkuId, i64> = HashMap::new();
            for sku in &needed {
                *wanted.entry(*sku).or_default() += 1;
            }
            if wanted
                .iter()
                .all(|(sku, count)| free.get(sku).copied().unwrap_or(0) >= *count)
            {
                for sku in needed {
                    *free.entry(sku).or_default() -= 1;
                    take.push(sku);
                }
            } else {
                error = Some(LicenseError::CountViolation);
            }
        }
        if error.is_none() {
            held.extend(group.licenses.iter().map(|l| l.sku_id));
            granted = candidate;
        }
        inherited.extend(group.licenses.iter().map(|license| InheritedLicense {
            sku_id: license.sku_id,
            disabled_plans: license.disabled_plans.clone(),
            group_id: group.group_id,
            state: if error.is_none() {
                LicenseState::Active
            } else {
                LicenseState::Error
            },
            error: error.unwrap_or(LicenseError::None),
        }));
    }
    let mut free_now: Vec<SkuId> = held_before.difference(&held).copied().collect();
    free_now.sort();
    Ok(LicensePlan {
        inherited,
        take,
        free: free_now,
    })
}

/// Assignments as [`check_assignments`] takes them.
pub fn rule_input(assignments: &[LicenseAssignment]) -> Vec<Assignment> {
    assignments
        .iter()
        .map(|a| Assignment {
            sku_id: a.sku_id.as_uuid(),
            disabled_plans: a.disabled_plans.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
