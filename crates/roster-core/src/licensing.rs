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
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `assignments` are (part number, names of its disabled plans); `expected` is "ok" or
    /// the violation's message.
    #[track_caller]
    fn check(usage_location: &str, assignments: &[(&str, &[&str])], expected: &str) {
        let assignments: Vec<Assignment> = assignments
            .iter()
            .map(|(part_number, disabled)| assignment(part_number, disabled))
            .collect();
        let actual = match check_assignments(Catalog::builtin(), usage_location, &assignments) {
            Ok(()) => "ok".to_owned(),
            Err(violation) => violation.to_string(),
        };
        assert_eq!(actual, expected);
    }

    fn assignment(part_number: &str, disabled: &[&str]) -> Assignment {
        let sku = Catalog::builtin()
            .by_part_number(part_number)
            .unwrap_or_else(|| panic!("{part_number} is not in the catalog"));
        let disabled_plans = disabled
            .iter()
            .map(|name| {
                sku.service_plans
                    .iter()
                    .find(|plan| plan.service_plan_name == *name)
                    .unwrap_or_else(|| panic!("{part_number} has no plan {name}"))
                    .service_plan_id
            })
            .collect();
        Assignment {
            sku_id: sku.sku_id,
            disabled_plans,
        }
    }

    const NO_PLANS: &[&str] = &[];
    const EXCHANGE_MAILBOX_PLANS: &str = "EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE, \
        EXCHANGE_S_DESKLESS, EXCHANGE_S_STANDARD_GOV, EXCHANGE_S_ENTERPRISE_GOV, \
        EXCHANGE_S_DESKLESS_GOV";

    /// A group-license case: the SKUs each group gives (by part number), what the user holds
    /// directly and held before, the seats free, where it is; what should come of it.
    struct Case {
        name: &'static str,
        location: Option<&'static str>,
        direct: &'static [&'static str],
        groups: &'static [&'static [&'static str]],
        held_before: &'static [&'static str],
        free: &'static [(&'static str, i64)],
        /// Per group, in order: "Active" or the error.
        expected: Result<&'static [&'static str], &'static str>,
        take: &'static [&'static str],
        give_back: &'static [&'static str],
    }

    fn sku(part_number: &str) -> SkuId {
        SkuId::from(assignment(part_number, NO_PLANS).sku_id)
    }

    #[test]
    fn group_licenses_take_all_together_or_not_at_all() {
        let cases = [
            Case {
                name: "a group's license with a free seat takes",
                location: Some("NL"),
                direct: &[],
                groups: &[&["SPE_E3"]],
                held_before: &[],
                free: &[("SPE_E3", 1)],
                expected: Ok(&["Active"]),
                take: &["SPE_E3"],
                give_back: &[],
            },
            Case {
                name: "no usage location, and no default: nothing takes",
                location: None,
                direct: &[],
                groups: &[&["SPE_E3"]],
                held_before: &[],
                free: &[("SPE_E3", 1)],
                expected: Ok(&["Other"]),
                take: &[],
                give_back: &[],
            },
            Case {
                name: "no seat: the group's license waits in CountViolation",
                location: Some("NL"),
                direct: &[],
                groups: &[&["SPE_E3"]],
                held_before: &[],
                free: &[("SPE_E3", 0)],
                expected: Ok(&["CountViolation"]),
                take: &[],
                give_back: &[],
            },
            Case {
                name: "one SKU without a seat keeps the group's others from taking too",
                location: Some("NL"),
                direct: &[],
                groups: &[&["SPE_E3", "EMS"]],
                held_before: &[],
                free: &[("SPE_E3", 5), ("EMS", 0)],
                expected: Ok(&["CountViolation"]),
                take: &[],
                give_back: &[],
            },
            Case {
                name: "a seat already held needs no other",
                location: Some("NL"),
                direct: &[],
                groups: &[&["SPE_E3"]],
                held_before: &["SPE_E3"],
                free: &[],
                expected: Ok(&["Active"]),
                take: &[],
                give_back: &[],
            },
            Case {
                name: "two groups giving one SKU take one seat",
                location: Some("NL"),
                direct: &[],
                groups: &[&["SPE_E3"], &["SPE_E3"]],
                held_before: &[],
                free: &[("SPE_E3", 1)],
                expected: Ok(&["Active", "Active"]),
                take: &["SPE_E3"],
                give_back: &[],
            },
            Case {
                name: "a plan conflict with a direct license fails the group, which takes no seat",
                location: Some("US"),
                direct: &["EXCHANGESTANDARD"],
                groups: &[&["EXCHANGEENTERPRISE"]],
                held_before: &["EXCHANGESTANDARD"],
                free: &[("EXCHANGEENTERPRISE", 3)],
                expected: Ok(&["MutuallyExclusiveViolation"]),
                take: &[],
                give_back: &[],
            },
            Case {
                name: "the first group wins a conflict between two groups",
                location: Some("US"),
                direct: &[],
                groups: &[&["EXCHANGEENTERPRISE"], &["EXCHANGESTANDARD"]],
                held_before: &[],
                free: &[("EXCHANGEENTERPRISE", 3), ("EXCHANGESTANDARD", 3)],
                expected: Ok(&["Active", "MutuallyExclusiveViolation"]),
                take: &["EXCHANGEENTERPRISE"],
                give_back: &[],
            },
            Case {
                name: "a usage location where a plan is not offered",
                location: Some("KP"),
                direct: &[],
                groups: &[&["EXCHANGEENTERPRISE"]],
                held_before: &[],
                free: &[("EXCHANGEENTERPRISE", 3)],
                expected: Ok(&["ProhibitedInUsageLocationViolation"]),
                take: &[],
                give_back: &[],
            },
            Case {
                name: "a seat no longer needed is given back",
                location: Some("NL"),
                direct: &[],
                groups: &[],
                held_before: &["SPE_E3"],
                free: &[],
                expected: Ok(&[]),
                take: &[],
                give_back: &["SPE_E3"],
            },
            Case {
                name: "a direct license without a seat fails the whole change",
                location: Some("NL"),
                direct: &["SPE_E3"],
                groups: &[],
                held_before: &[],
                free: &[("SPE_E3", 0)],
                expected: Err("SPE_E3"),
                take: &[],
                give_back: &[],
            },
        ];
        for case in cases {
            let catalog = Catalog::builtin();
            let direct: Vec<LicenseAssignment> = case
                .direct
                .iter()
                .map(|part| LicenseAssignment {
                    sku_id: sku(part),
                    disabled_plans: Vec::new(),
                })
                .collect();
            let groups: Vec<GroupLicenses> = case
                .groups
                .iter()
                .map(|parts| GroupLicenses {
                    group_id: ObjectId::new(),
                    licenses: parts
                        .iter()
                        .map(|part| LicenseAssignment {
                            sku_id: sku(part),
                            disabled_plans: Vec::new(),
                        })
                        .collect(),
                })
                .collect();
            let held_before: HashSet<SkuId> = case.held_before.iter().map(|p| sku(p)).collect();
            let free: HashMap<SkuId, i64> = case.free.iter().map(|(p, n)| (sku(p), *n)).collect();
            let plan = plan_licenses(
                catalog,
                case.location,
                &direct,
                &groups,
                &held_before,
                &free,
            );
            match case.expected {
                Err(part) => assert_eq!(plan, Err(sku(part)), "{}", case.name),
                Ok(states) => {
                    let plan = plan.unwrap_or_else(|_| panic!("{}", case.name));
                    let got: Vec<&str> = groups
                        .iter()
                        .map(|group| {
                            let rows: Vec<&InheritedLicense> = plan
                                .inherited
                                .iter()
                                .filter(|l| l.group_id == group.group_id)
                                .collect();
                            // A group's rows agree: all Active, or all in the same error.
                            assert!(
                                rows.windows(2).all(|w| w[0].state == w[1].state),
                                "{}",
                                case.name
                            );
                            match rows[0].state {
                                LicenseState::Active => "Active",
                                LicenseState::Error => rows[0].error.as_str(),
                            }
                        })
                        .collect();
                    assert_eq!(got, states, "{}", case.name);
                    let take: Vec<SkuId> = case.take.iter().map(|p| sku(p)).collect();
                    assert_eq!(plan.take, take, "{}: seats taken", case.name);
                    let give_back: Vec<SkuId> = case.give_back.iter().map(|p| sku(p)).collect();
                    assert_eq!(plan.free, give_back, "{}: seats given back", case.name);
                }
            }
        }
    }

    #[test]
    fn single_skus() {
        check("US", &[], "ok");
        check("US", &[("SPE_E3", NO_PLANS)], "ok");
        check("NL", &[("SPE_E5", NO_PLANS)], "ok");
        check("US", &[("EXCHANGESTANDARD", NO_PLANS)], "ok");
        check("GB", &[("O365_BUSINESS_PREMIUM", NO_PLANS)], "ok");
    }

    #[test]
    fn mutually_exclusive_plans() {
        check(
            "US",
            &[
                ("EXCHANGESTANDARD", NO_PLANS),
                ("EXCHANGEENTERPRISE", NO_PLANS),
            ],
            "service plans EXCHANGE_S_STANDARD and EXCHANGE_S_ENTERPRISE cannot be assigned to the same user",
        );
        check(
            "US",
            &[
                ("EXCHANGEENTERPRISE", NO_PLANS),
                ("EXCHANGESTANDARD", NO_PLANS),
            ],
            "service plans EXCHANGE_S_STANDARD and EXCHANGE_S_ENTERPRISE cannot be assigned to the same user",
        );
        check(
            "US",
            &[("EXCHANGEDESKLESS", NO_PLANS), ("SPE_E3", NO_PLANS)],
            "service plans EXCHANGE_S_DESKLESS and EXCHANGE_S_ENTERPRISE cannot be assigned to the same user",
        );
        check(
            "US",
            &[
                ("ENTERPRISEPACK", NO_PLANS),
                ("O365_BUSINESS_PREMIUM", NO_PLANS),
            ],
            "service plans EXCHANGE_S_STANDARD and EXCHANGE_S_ENTERPRISE cannot be assigned to the same user",
        );
    }

    #[test]
    fn disabling_a_plan_resolves_a_conflict() {
        check(
            "US",
            &[
                ("EXCHANGESTANDARD", &["EXCHANGE_S_STANDARD"]),
                ("EXCHANGEENTERPRISE", NO_PLANS),
            ],
            "ok",
        );
        check(
            "US",
            &[
                ("EXCHANGESTANDARD", NO_PLANS),
                ("EXCHANGEENTERPRISE", &["EXCHANGE_S_ENTERPRISE"]),
            ],
            "ok",
        );
        check(
            "US",
            &[
                ("ENTERPRISEPACK", &["EXCHANGE_S_ENTERPRISE"]),
                ("O365_BUSINESS_PREMIUM", NO_PLANS),
            ],
            "ok",
        );
    }

    #[test]
    fn the_same_plan_from_two_skus_is_no_conflict() {
        check(
            "US",
            &[("SPE_E3", NO_PLANS), ("ENTERPRISEPACK", NO_PLANS)],
            "ok",
        );
        check(
            "US",
            &[("SPE_E5", NO_PLANS), ("EXCHANGEENTERPRISE", NO_PLANS)],
            "ok",
        );
        check("US", &[("SPE_E3", NO_PLANS), ("EMS", NO_PLANS)], "ok");
    }

    #[test]
    fn dependencies() {
        check(
            "US",
            &[("EXCHANGEARCHIVE_ADDON", NO_PLANS)],
            &format!(
                "service plan EXCHANGE_S_ARCHIVE_ADDON requires one of {EXCHANGE_MAILBOX_PLANS} to be enabled"
            ),
        );
        check(
            "US",
            &[
                ("EXCHANGEARCHIVE_ADDON", NO_PLANS),
                ("EXCHANGESTANDARD", NO_PLANS),
            ],
            "ok",
        );
        check(
            "US",
            &[
                ("EXCHANGEDESKLESS", NO_PLANS),
                ("EXCHANGEARCHIVE_ADDON", NO_PLANS),
            ],
            "ok",
        );
        // The prerequisite must be enabled, not merely assigned.
        check(
            "US",
            &[
                ("EXCHANGEARCHIVE_ADDON", NO_PLANS),
                ("EXCHANGESTANDARD", &["EXCHANGE_S_STANDARD"]),
            ],
            &format!(
                "service plan EXCHANGE_S_ARCHIVE_ADDON requires one of {EXCHANGE_MAILBOX_PLANS} to be enabled"
            ),
        );
        // A disabled add-on needs nothing.
        check(
            "US",
            &[("EXCHANGEARCHIVE_ADDON", &["EXCHANGE_S_ARCHIVE_ADDON"])],
            "ok",
        );
        check(
            "US",
            &[("WORKPLACE_ANALYTICS", NO_PLANS)],
            "service plan WORKPLACE_ANALYTICS requires one of EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE to be enabled",
        );
        check(
            "US",
            &[("WORKPLACE_ANALYTICS", NO_PLANS), ("SPE_E3", NO_PLANS)],
            "ok",
        );
        check(
            "US",
            &[("MCOMEETADV", NO_PLANS)],
            "service plan MCOMEETADV requires one of MCOSTANDARD, TEAMS1 to be enabled",
        );
        check(
            "US",
            &[
                ("MCOMEETADV", NO_PLANS),
                ("O365_BUSINESS_PREMIUM", NO_PLANS),
            ],
            "ok",
        );
    }

    #[test]
    fn usage_locations() {
        check(
            "IR",
            &[("SPE_E3", NO_PLANS)],
            &format!(
                "service plan {} is not available in usage location IR",
                first_plan("SPE_E3")
            ),
        );
        check(
            "KP",
            &[("EXCHANGEENTERPRISE", NO_PLANS)],
            "service plan EXCHANGE_S_ENTERPRISE is not available in usage location KP",
        );
        check("NL", &[("MCOPSTN_6", NO_PLANS)], "ok");
        check(
            "US",
            &[("MCOPSTN_6", NO_PLANS)],
            "service plan MCOPSTN6 is not available in usage location US",
        );
        check("US", &[("MCOPSTN5_US", NO_PLANS)], "ok");
        // With every plan disabled nothing is provisioned, so nothing is prohibited.
        check(
            "SY",
            &[("EXCHANGEENTERPRISE", &["EXCHANGE_S_ENTERPRISE"])],
            "ok",
        );
    }

    fn first_plan(part_number: &str) -> &'static str {
        &Catalog::builtin()
            .by_part_number(part_number)
            .unwrap()
            .service_plans[0]
            .service_plan_name
    }

    #[test]
    fn unknown_skus_and_plans() {
        let catalog = Catalog::builtin();
        let unknown = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let sku_id = catalog.by_part_number("SPE_E3").unwrap().sku_id;
        let cases = [
            (
                Assignment {
                    sku_id: unknown,
                    disabled_plans: vec![],
                },
                LicenseViolation::UnknownSku(unknown),
            ),
            (
                Assignment {
                    sku_id,
                    disabled_plans: vec![unknown],
                },
                LicenseViolation::UnknownDisabledPlan {
                    sku_id,
                    plan_id: unknown,
                },
            ),
        ];
        for (assignment, expected) in cases {
            assert_eq!(
                check_assignments(catalog, "US", std::slice::from_ref(&assignment)),
                Err(expected.clone())
            );
            assert_eq!(expected.graph_error_code(), "Other");
        }
    }

    #[test]
    fn graph_error_codes() {
        let cases = [
            (
                LicenseViolation::MutuallyExclusive {
                    plan_a: "A".into(),
                    plan_b: "B".into(),
                },
                "MutuallyExclusiveViolation",
            ),
            (
                LicenseViolation::Dependency {
                    plan: "A".into(),
                    requires: vec!["B".into()],
                },
                "DependencyViolation",
            ),
            (
                LicenseViolation::ProhibitedInUsageLocation {
                    plan: "A".into(),
                    usage_location: "IR".into(),
                },
                "ProhibitedInUsageLocationViolation",
            ),
        ];
        for (violation, code) in cases {
            assert_eq!(violation.graph_error_code(), code);
        }
    }

    #[test]
    fn enabled_plans_skip_disabled_ones() {
        let catalog = Catalog::builtin();
        let e3 = assignment("SPE_E3", &["EXCHANGE_S_ENTERPRISE"]);
        let exchange = assignment("EXCHANGEENTERPRISE", NO_PLANS);
        let n_e3_plans = catalog.by_sku_id(e3.sku_id).unwrap().service_plans.len();
        let n_exchange_plans = catalog
            .by_sku_id(exchange.sku_id)
            .unwrap()
            .service_plans
            .len();

        let enabled = enabled_plans(catalog, &[e3.clone(), exchange.clone()]).unwrap();

        assert_eq!(enabled.len(), n_e3_plans - 1 + n_exchange_plans);
        let holders: Vec<Uuid> = enabled
            .iter()
            .filter(|(_, plan)| plan.service_plan_name == "EXCHANGE_S_ENTERPRISE")
            .map(|(sku_id, _)| *sku_id)
            .collect();
        assert_eq!(holders, [exchange.sku_id]);
    }

    #[test]
    fn no_microsoft_sku_alone_has_a_conflict() {
        let catalog = Catalog::builtin();
        for sku in catalog {
            let assignment = Assignment {
                sku_id: sku.sku_id,
                disabled_plans: vec![],
            };
            let result = check_assignments(catalog, "NL", &[assignment]);
            // Add-ons alone fail their dependency; nothing else may.
            assert!(
                matches!(result, Ok(()) | Err(LicenseViolation::Dependency { .. })),
                "{}: {result:?}",
                sku.sku_part_number
            );
        }
    }

    fn sku_ids() -> Vec<Uuid> {
        let catalog = Catalog::builtin();
        [
            "SPE_E3",
            "SPE_E5",
            "ENTERPRISEPACK",
            "O365_BUSINESS_PREMIUM",
            "EXCHANGESTANDARD",
            "EXCHANGEENTERPRISE",
            "EXCHANGEDESKLESS",
            "EXCHANGEARCHIVE_ADDON",
            "MCOMEETADV",
            "EMS",
            "POWER_BI_PRO",
        ]
        .iter()
        .map(|part_number| catalog.by_part_number(part_number).unwrap().sku_id)
        .collect()
    }

    fn arbitrary_assignments() -> impl Strategy<Value = Vec<Assignment>> {
        let catalog = Catalog::builtin();
        prop::sample::subsequence(sku_ids(), 0..=5)
            .prop_flat_map(move |sku_ids| {
                let disabled_masks: Vec<_> = sku_ids
                    .iter()
                    .map(|sku_id| {
                        let n_plans = catalog.by_sku_id(*sku_id).unwrap().service_plans.len();
                        prop::collection::vec(prop::bool::weighted(0.2), n_plans)
                    })
                    .collect();
                (Just(sku_ids), disabled_masks)
            })
            .prop_map(move |(sku_ids, disabled_masks)| {
                sku_ids
                    .into_iter()
                    .zip(disabled_masks)
                    .map(|(sku_id, mask)| {
                        let plans = &catalog.by_sku_id(sku_id).unwrap().service_plans;
                        let disabled_plans = plans
                            .iter()
                            .zip(mask)
                            .filter(|(_, disabled)| *disabled)
                            .map(|(plan, _)| plan.service_plan_id)
                            .collect();
                        Assignment {
                            sku_id,
                            disabled_plans,
                        }
                    })
                    .collect()
            })
            .prop_shuffle()
    }

    proptest! {
        #[test]
        fn the_outcome_does_not_depend_on_assignment_order(
            assignments in arbitrary_assignments(),
            usage_location in prop::sample::select(vec!["US", "NL", "IR", "JP"]),
        ) {
            let catalog = Catalog::builtin();
            let mut reversed = assignments.clone();
            reversed.reverse();
            let forward = check_assignments(catalog, usage_location, &assignments);
            let backward = check_assignments(catalog, usage_location, &reversed);
            prop_assert_eq!(
                forward.as_ref().map_err(LicenseViolation::graph_error_code),
                backward.as_ref().map_err(LicenseViolation::graph_error_code)
            );
        }

        #[test]
        fn with_every_plan_disabled_anything_goes(
            assignments in arbitrary_assignments(),
            usage_location in prop::sample::select(vec!["US", "CU", "KP"]),
        ) {
            let catalog = Catalog::builtin();
            let all_disabled: Vec<Assignment> = assignments
                .into_iter()
                .map(|assignment| {
                    let plans = &catalog.by_sku_id(assignment.sku_id).unwrap().service_plans;
                    Assignment {
                        sku_id: assignment.sku_id,
                        disabled_plans: plans.iter().map(|plan| plan.service_plan_id).collect(),
                    }
                })
                .collect();
            prop_assert_eq!(check_assignments(catalog, usage_location, &all_disabled), Ok(()));
        }
    }
}
