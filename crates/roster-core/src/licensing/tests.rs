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
