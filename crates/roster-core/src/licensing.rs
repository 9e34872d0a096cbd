//! Checks a user's license assignments against the catalog's plan rules.
//!
//! The checks are pure: callers pass the complete set of assignments a user would hold after
//! a change, and apply the change only if it passes.
//! Whether the user has a usage location at all is the caller's check, made before this one.

use uuid::Uuid;

use crate::catalog::{Catalog, PlanDef, plan_rules};

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
