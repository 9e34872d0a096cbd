//! The built-in SKU catalog and the service-plan rules that licensing enforces.
//!
//! The catalog holds every product (SKU) and service plan of Microsoft's public table
//! "Product names and service plan identifiers for licensing", so that any real
//! `skuPartNumber` or `skuId` resolves, and demos and tests use real identifiers.
//!
//! `data/skus.tsv` is generated, never edited by hand: after updating
//! `../shared/data/m365-licensing-service-plans.csv`, run from the repository root
//!
//! ```text
//! python3 scripts/gen-catalog.py [path/to/m365-licensing-service-plans.csv]
//! ```
//!
//! The file lists each service plan once (`P`, id, name, friendly name; indexed from 0 in
//! file order), then one line per SKU (`S`, id, part number, display name, its plans'
//! indexes), which keeps it near a seventh of the source table.
//! The generator trims cells and collapses whitespace (some part numbers carry tabs), drops
//! duplicate rows, and keeps one spelling per plan and per SKU (the table's most frequent one),
//! since Graph reports a plan under one name whichever product contains it.
//!
//! Part numbers are not unique in Microsoft's table (`MCOPSTN5` names two SKUs):
//! [`Catalog::by_part_number`] returns the first in file order (part number, then SKU id),
//! [`Catalog::by_sku_id`] is exact.
//!
//! The plan rules ([`plan_rules`]) are not in Microsoft's table: they are a small curated
//! table below, each rule with the reason it exists.

use std::collections::HashMap;
use std::sync::OnceLock;

use uuid::Uuid;

/// A service plan as it appears in a SKU (`servicePlanId`, `servicePlanName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDef {
    pub service_plan_id: Uuid,
    pub service_plan_name: String,
    pub friendly_name: String,
}

/// A product that a tenant can buy subscriptions of (`skuId`, `skuPartNumber`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuDef {
    pub sku_id: Uuid,
    pub sku_part_number: String,
    pub display_name: String,
    pub service_plans: Vec<PlanDef>,
}

impl SkuDef {
    pub fn plan(&self, service_plan_id: Uuid) -> Option<&PlanDef> {
        self.service_plans
            .iter()
            .find(|plan| plan.service_plan_id == service_plan_id)
    }
}

/// A curated set of well-known SKUs for demos and tests; each is in the built-in catalog.
pub const DEMO_SKUS: &[&str] = &[
    "SPE_E3",                // Microsoft 365 E3
    "SPE_E5",                // Microsoft 365 E5
    "O365_BUSINESS_PREMIUM", // Microsoft 365 Business Standard
    "POWER_BI_PRO",          // Power BI Pro
    "ENTERPRISEPACK",        // Office 365 E3
    "EXCHANGESTANDARD",      // Exchange Online (Plan 1)
    "EXCHANGEENTERPRISE",    // Exchange Online (Plan 2)
    "EMS",                   // Enterprise Mobility + Security E3
];

/// SKUs indexed by id and by part number.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    skus: Vec<SkuDef>,
    index_by_sku_id: HashMap<Uuid, usize>,
    index_by_part_number: HashMap<String, usize>,
}

const BUILTIN_TSV: &str = include_str!("../data/skus.tsv");

impl Catalog {
    /// Every SKU in Microsoft's licensing table, parsed on first use.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The data is generated and embedded at build time; the tests parse it, so a
            // failure here means a hand-edited or truncated data/skus.tsv.
            parse_tsv(BUILTIN_TSV)
                .unwrap_or_else(|error| panic!("built-in catalog data/skus.tsv: {error}"))
        })
    }

    /// A catalog of the given SKUs; on a repeated SKU id or part number the first one wins.
    pub fn from_skus(skus: impl IntoIterator<Item = SkuDef>) -> Catalog {
        let mut catalog = Catalog::default();
        for sku in skus {
            if catalog.index_by_sku_id.contains_key(&sku.sku_id) {
                continue;
            }
            let index = catalog.skus.len();
            catalog.index_by_sku_id.insert(sku.sku_id, index);
            catalog
                .index_by_part_number
                .entry(part_number_key(&sku.sku_part_number))
                .or_insert(index);
            catalog.skus.push(sku);
        }
        catalog
    }

    /// Looks a SKU up by `skuPartNumber`, ignoring case and surrounding whitespace.
    pub fn by_part_number(&self, sku_part_number: &str) -> Option<&SkuDef> {
        let index = self
            .index_by_part_number
            .get(&part_number_key(sku_part_number))?;
        Some(&self.skus[*index])
    }

    pub fn by_sku_id(&self, sku_id: Uuid) -> Option<&SkuDef> {
        let index = self.index_by_sku_id.get(&sku_id)?;
        Some(&self.skus[*index])
    }

    pub fn len(&self) -> usize {
        self.skus.len()
    }

    pub fn is_empty(&self) -> bool {
        self.skus.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, SkuDef> {
        self.skus.iter()
    }
}

impl<'a> IntoIterator for &'a Catalog {
    type Item = &'a SkuDef;
    type IntoIter = std::slice::Iter<'a, SkuDef>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

fn part_number_key(sku_part_number: &str) -> String {
    sku_part_number.trim().to_ascii_uppercase()
}

fn parse_tsv(text: &str) -> Result<Catalog, String> {
    let mut plans = Vec::new();
    let mut skus = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let line_number = line_index + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let parse_uuid = |field: &str| {
            Uuid::parse_str(field).map_err(|error| format!("line {line_number}: {error}"))
        };
        match fields.as_slice() {
            ["P", plan_id, name, friendly_name] => plans.push(PlanDef {
                service_plan_id: parse_uuid(plan_id)?,
                service_plan_name: (*name).to_owned(),
                friendly_name: (*friendly_name).to_owned(),
            }),
            ["S", sku_id, part_number, display_name, plan_indexes] => {
                let service_plans = plan_indexes
                    .split(',')
                    .filter(|index| !index.is_empty())
                    .map(|index| {
                        index
                            .parse::<usize>()
                            .ok()
                            .and_then(|index| plans.get(index))
                            .cloned()
                            .ok_or_else(|| format!("line {line_number}: no plan {index}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                skus.push(SkuDef {
                    sku_id: parse_uuid(sku_id)?,
                    sku_part_number: (*part_number).to_owned(),
                    display_name: (*display_name).to_owned(),
                    service_plans,
                });
            }
            _ => return Err(format!("line {line_number}: unexpected record")),
        }
    }
    Ok(Catalog::from_skus(skus))
}

/// Rules between service plans, keyed by `servicePlanName` (compared ignoring case).
///
/// Entra ID keeps these rules on its side and publishes no table of them; these are the
/// ones Microsoft documents or that every Microsoft 365 administrator meets.
#[derive(Debug)]
pub struct PlanRules {
    pub mutually_exclusive: &'static [MutuallyExclusive],
    pub dependencies: &'static [PlanDependency],
    pub location_restrictions: &'static [LocationRestriction],
}

/// Two plans that cannot both be enabled for one user through different SKUs.
#[derive(Debug)]
pub struct MutuallyExclusive {
    pub plans: [&'static str; 2],
    pub reason: &'static str,
}

/// A plan (typically an add-on's) that works only with one of `requires_any_of` enabled.
#[derive(Debug)]
pub struct PlanDependency {
    pub plan: &'static str,
    pub requires_any_of: &'static [&'static str],
    pub reason: &'static str,
}

/// Plans that cannot be assigned to a user whose usage location is one of `prohibited_in`
/// (ISO 3166-1 alpha-2).
#[derive(Debug)]
pub struct LocationRestriction {
    pub plans: PlanSelector,
    pub prohibited_in: &'static [&'static str],
    pub reason: &'static str,
}

#[derive(Debug)]
pub enum PlanSelector {
    All,
    Named(&'static [&'static str]),
}

impl PlanSelector {
    fn matches(&self, plan_name: &str) -> bool {
        match self {
            PlanSelector::All => true,
            PlanSelector::Named(names) => contains_name(names, plan_name),
        }
    }
}

/// The Exchange Online mailbox plans (commercial and GCC): the prerequisites of mailbox add-ons.
const EXCHANGE_MAILBOX_PLANS: &[&str] = &[
    "EXCHANGE_S_STANDARD",
    "EXCHANGE_S_ENTERPRISE",
    "EXCHANGE_S_DESKLESS",
    "EXCHANGE_S_STANDARD_GOV",
    "EXCHANGE_S_ENTERPRISE_GOV",
    "EXCHANGE_S_DESKLESS_GOV",
];

static PLAN_RULES: PlanRules = PlanRules {
    mutually_exclusive: &[
        // Exchange Online gives a user one mailbox with one feature level: Entra ID refused
        // two mailbox plans ("The set of licenses includes two or more service plans which
        // cannot be assigned at the same time: EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE"),
        // and admins resolve it by disabling one of them.
        // Microsoft has since allowed concurrent Exchange plans (the highest one wins); roster
        // keeps the classic rule, the one most tenants' scripts and habits were written for.
        MutuallyExclusive {
            plans: ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"],
            reason: "one mailbox, one plan: Exchange Online (Plan 1) and (Plan 2) conflict",
        },
        MutuallyExclusive {
            plans: ["EXCHANGE_S_DESKLESS", "EXCHANGE_S_STANDARD"],
            reason: "one mailbox, one plan: Exchange Online Kiosk and (Plan 1) conflict",
        },
        MutuallyExclusive {
            plans: ["EXCHANGE_S_DESKLESS", "EXCHANGE_S_ENTERPRISE"],
            reason: "one mailbox, one plan: Exchange Online Kiosk and (Plan 2) conflict",
        },
        MutuallyExclusive {
            plans: ["EXCHANGE_S_STANDARD_GOV", "EXCHANGE_S_ENTERPRISE_GOV"],
            reason: "the same mailbox rule in GCC: Exchange Online (Plan 1) and (Plan 2)",
        },
        MutuallyExclusive {
            plans: ["EXCHANGE_S_DESKLESS_GOV", "EXCHANGE_S_STANDARD_GOV"],
            reason: "the same mailbox rule in GCC: Exchange Online Kiosk and (Plan 1)",
        },
        MutuallyExclusive {
            plans: ["EXCHANGE_S_DESKLESS_GOV", "EXCHANGE_S_ENTERPRISE_GOV"],
            reason: "the same mailbox rule in GCC: Exchange Online Kiosk and (Plan 2)",
        },
    ],
    dependencies: &[
        PlanDependency {
            plan: "EXCHANGE_S_ARCHIVE_ADDON",
            requires_any_of: EXCHANGE_MAILBOX_PLANS,
            reason: "Exchange Online Archiving adds an archive to an Exchange Online mailbox, \
                     so it needs a mailbox plan (Plan 1, Kiosk, or Plan 2)",
        },
        PlanDependency {
            plan: "WORKPLACE_ANALYTICS",
            requires_any_of: &["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"],
            reason: "Microsoft's own example of an add-on: Workplace Analytics reads mailbox \
                     data and can only be assigned with Exchange Online (Plan 1) or (Plan 2)",
        },
        PlanDependency {
            plan: "MCOMEETADV",
            requires_any_of: &["MCOSTANDARD", "TEAMS1"],
            reason: "Audio Conferencing adds dial-in to online meetings, so it needs Skype for \
                     Business Online (Plan 2) or Microsoft Teams (Teams Rooms Basic pairs it \
                     with Teams alone)",
        },
    ],
    location_restrictions: &[
        LocationRestriction {
            plans: PlanSelector::All,
            prohibited_in: &["CU", "IR", "KP", "SY"],
            reason: "Microsoft online services are not offered in embargoed countries \
                     (Cuba, Iran, North Korea, Syria)",
        },
        LocationRestriction {
            plans: PlanSelector::Named(&["MCOPSTN5", "MCOPSTN6"]),
            prohibited_in: &["US"],
            reason: "the 120- and 240-minute Domestic Calling Plans are not sold in the \
                     United States, which has its own (PSTN5_US)",
        },
    ],
};

/// The curated rules between service plans.
pub fn plan_rules() -> &'static PlanRules {
    &PLAN_RULES
}

impl PlanRules {
    pub fn are_mutually_exclusive(&self, plan_a: &str, plan_b: &str) -> bool {
        self.mutually_exclusive.iter().any(|rule| {
            let [first, second] = rule.plans;
            (first.eq_ignore_ascii_case(plan_a) && second.eq_ignore_ascii_case(plan_b))
                || (first.eq_ignore_ascii_case(plan_b) && second.eq_ignore_ascii_case(plan_a))
        })
    }

    /// The dependencies of a plan; each must be satisfied by one of its `requires_any_of`.
    pub fn dependencies_of<'a>(
        &'a self,
        plan_name: &'a str,
    ) -> impl Iterator<Item = &'static PlanDependency> + 'a {
        self.dependencies
            .iter()
            .filter(move |rule| rule.plan.eq_ignore_ascii_case(plan_name))
    }

    pub fn is_prohibited_in(&self, plan_name: &str, usage_location: &str) -> bool {
        self.location_restrictions.iter().any(|rule| {
            rule.plans.matches(plan_name) && contains_name(rule.prohibited_in, usage_location)
        })
    }

    /// Every plan name the rules mention, for checking them against the catalog.
    pub fn plan_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        let exclusive = self.mutually_exclusive.iter().flat_map(|rule| rule.plans);
        let dependent = self.dependencies.iter().flat_map(|rule| {
            std::iter::once(rule.plan).chain(rule.requires_any_of.iter().copied())
        });
        let located = self
            .location_restrictions
            .iter()
            .flat_map(|rule| match rule.plans {
                PlanSelector::All => &[][..],
                PlanSelector::Named(names) => names,
            })
            .copied();
        exclusive.chain(dependent).chain(located)
    }
}

fn contains_name(names: &[&str], name: &str) -> bool {
    names
        .iter()
        .any(|candidate| candidate.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(part_number: &str) -> &'static SkuDef {
        Catalog::builtin()
            .by_part_number(part_number)
            .unwrap_or_else(|| panic!("{part_number} is not in the catalog"))
    }

    #[test]
    fn builtin_holds_the_whole_table() {
        let catalog = Catalog::builtin();
        assert!(
            (400..2000).contains(&catalog.len()),
            "{} SKUs",
            catalog.len()
        );
        assert!(catalog.iter().all(|sku| !sku.service_plans.is_empty()));
        assert!(
            catalog
                .iter()
                .all(|sku| catalog.by_sku_id(sku.sku_id) == Some(sku))
        );
    }

    #[test]
    fn spe_e3_has_its_real_ids() {
        let spe_e3 = sku("SPE_E3");
        assert_eq!(
            spe_e3.sku_id,
            Uuid::parse_str("05e9a617-0261-4cee-bb44-138d3ef5d965").unwrap()
        );
        assert_eq!(spe_e3.display_name, "Microsoft 365 E3");
        let exchange = spe_e3
            .service_plans
            .iter()
            .find(|plan| plan.service_plan_name == "EXCHANGE_S_ENTERPRISE")
            .expect("Microsoft 365 E3 includes Exchange Online (Plan 2)");
        assert_eq!(
            exchange.service_plan_id,
            Uuid::parse_str("efb87545-963c-4e0d-99df-69c6916d9eb0").unwrap()
        );
        assert_eq!(spe_e3.plan(exchange.service_plan_id), Some(exchange));
    }

    #[test]
    fn part_number_lookup_trims_and_ignores_case() {
        let catalog = Catalog::builtin();
        for query in ["SPE_E3", "spe_e3", " Spe_E3\t", "\tSPE_E3\n"] {
            assert_eq!(
                catalog.by_part_number(query).map(|sku| sku.sku_id),
                Some(sku("SPE_E3").sku_id),
                "{query:?}"
            );
        }
        assert_eq!(catalog.by_part_number("SPE_E4"), None);
        assert_eq!(catalog.by_part_number(""), None);
    }

    #[test]
    fn source_cells_with_stray_tabs_are_trimmed() {
        // Microsoft's table writes this part number as "RIGHTSMANAGEMENT_CE_GOV\t".
        assert_eq!(
            sku("RIGHTSMANAGEMENT_CE_GOV").sku_part_number,
            "RIGHTSMANAGEMENT_CE_GOV"
        );
        let catalog = Catalog::builtin();
        assert!(catalog.iter().all(|sku| {
            let part_number = &sku.sku_part_number;
            part_number.trim() == part_number && !part_number.contains('\t')
        }));
    }

    #[test]
    fn a_shared_part_number_resolves_to_the_first_sku() {
        let catalog = Catalog::builtin();
        let first = Uuid::parse_str("54a152dc-90de-4996-93d2-bc47e670fc06").unwrap();
        let second = Uuid::parse_str("d43177b5-475b-4880-92d4-d54c27b5efbd").unwrap();
        assert_eq!(catalog.by_part_number("MCOPSTN5").unwrap().sku_id, first);
        assert_eq!(
            catalog.by_sku_id(second).unwrap().sku_part_number,
            "MCOPSTN5"
        );
    }

    #[test]
    fn demo_skus_are_real() {
        for part_number in DEMO_SKUS {
            assert_eq!(sku(part_number).sku_part_number, *part_number);
        }
    }

    #[test]
    fn a_plan_is_listed_once_per_sku() {
        for sku in Catalog::builtin() {
            let mut ids: Vec<_> = sku
                .service_plans
                .iter()
                .map(|p| p.service_plan_id)
                .collect();
            ids.sort();
            ids.dedup();
            assert_eq!(
                ids.len(),
                sku.service_plans.len(),
                "{}",
                sku.sku_part_number
            );
        }
    }

    #[test]
    fn a_plan_has_one_name_in_every_sku() {
        let mut names = HashMap::new();
        for plan in Catalog::builtin().iter().flat_map(|sku| &sku.service_plans) {
            let name = names
                .entry(plan.service_plan_id)
                .or_insert(&plan.service_plan_name);
            assert_eq!(*name, &plan.service_plan_name);
        }
    }

    #[test]
    fn rules_name_real_plans() {
        let catalog = Catalog::builtin();
        for name in plan_rules().plan_names() {
            assert!(
                catalog
                    .iter()
                    .flat_map(|sku| &sku.service_plans)
                    .any(|plan| plan.service_plan_name == name),
                "{name} is in no SKU"
            );
        }
        for restriction in plan_rules().location_restrictions {
            for country in restriction.prohibited_in {
                assert!(
                    country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()),
                    "{country}"
                );
            }
        }
    }

    #[test]
    fn no_microsoft_sku_conflicts_with_itself() {
        for sku in Catalog::builtin() {
            for rule in plan_rules().mutually_exclusive {
                let has = |name: &str| {
                    sku.service_plans
                        .iter()
                        .any(|p| p.service_plan_name == name)
                };
                assert!(
                    !(has(rule.plans[0]) && has(rule.plans[1])),
                    "{} holds both {:?}",
                    sku.sku_part_number,
                    rule.plans
                );
            }
        }
    }

    #[test]
    fn rule_lookups() {
        let rules = plan_rules();
        assert!(rules.are_mutually_exclusive("EXCHANGE_S_ENTERPRISE", "exchange_s_standard"));
        assert!(rules.are_mutually_exclusive("EXCHANGE_S_DESKLESS", "EXCHANGE_S_ENTERPRISE"));
        assert!(!rules.are_mutually_exclusive("EXCHANGE_S_STANDARD", "EXCHANGE_S_STANDARD"));
        assert!(!rules.are_mutually_exclusive("SHAREPOINTSTANDARD", "EXCHANGE_S_STANDARD"));
        assert_eq!(rules.dependencies_of("EXCHANGE_S_ARCHIVE_ADDON").count(), 1);
        assert_eq!(rules.dependencies_of("EXCHANGE_S_STANDARD").count(), 0);
        assert!(rules.is_prohibited_in("EXCHANGE_S_STANDARD", "IR"));
        assert!(rules.is_prohibited_in("MCOPSTN5", "us"));
        assert!(!rules.is_prohibited_in("MCOPSTN5", "GB"));
        assert!(!rules.is_prohibited_in("EXCHANGE_S_STANDARD", "US"));
    }
}
