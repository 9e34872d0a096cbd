//! Refusals in the page's language: every error the directory can answer worded from its data
//! (`Reason`, `Problem`, `LicenseViolation`), never from its English message.

use axum::http::StatusCode;

use super::i18n::Lang;
use super::session::Session;

/// An error as a page shows it, in the page's language where the admin center words it: a
/// refusal by role, an internal error (only its request id), or one of the refusals with a
/// `Reason`; else the API's own message.
pub(crate) fn message(session: &Session, error: crate::error::ApiError) -> String {
    worded(session.lang, error)
}

/// [`message`] in `lang`, for a request without a session.
pub(crate) fn worded(lang: Lang, error: crate::error::ApiError) -> String {
    if let Some(why) = error.reason.as_deref() {
        return reason(lang, why);
    }
    if error.status == StatusCode::FORBIDDEN {
        lang.t("error-forbidden")
    } else if error.status == StatusCode::NOT_FOUND {
        lang.t("error-gone")
    } else if error.status == StatusCode::SERVICE_UNAVAILABLE {
        lang.t("error-busy")
    } else if error.status == StatusCode::TOO_MANY_REQUESTS {
        lang.t("error-throttled")
    } else if error.status.is_server_error() {
        lang.t_with(
            "error-internal",
            &[("request", crate::error::current_request_id().into())],
        )
    } else {
        error.message
    }
}

/// Why a request or a job's row was refused, in the page's language.
/// A product as administrators know it (Microsoft 365 E3), from its part number (SPE_E3); the
/// part number itself for a SKU the catalog does not know.
fn product(sku_part_number: &str) -> String {
    roster_core::catalog::Catalog::builtin()
        .by_part_number(sku_part_number)
        .map_or_else(
            || sku_part_number.to_string(),
            |sku| sku.display_name.clone(),
        )
}

pub(crate) fn reason(lang: Lang, reason: &crate::error::Reason) -> String {
    use crate::error::Reason;
    match reason {
        Reason::Conflict(property) => lang.t_with(
            "api-conflict",
            &[
                ("property", (*property).into()),
                ("name", lang.property(property).into()),
            ],
        ),
        Reason::NoUsageLocation => lang.t("api-no-usage-location"),
        Reason::OutOfSeats(sku) => lang.t_with("api-out-of-seats", &[("sku", product(sku).into())]),
        Reason::Invalid(invalid) => lang.t_with(
            "api-invalid",
            &[
                ("property", lang.property(invalid.property).into()),
                ("problem", problem(lang, &invalid.reason).into()),
            ],
        ),
        Reason::License(violation) => license_violation(lang, violation),
        Reason::WeakPassword => lang.t("api-weak-password"),
        Reason::UnknownDomain(domain) => {
            lang.t_with("api-unknown-domain", &[("domain", domain.clone().into())])
        }
        Reason::AddressTaken(address) => {
            lang.t_with("api-address-taken", &[("address", address.clone().into())])
        }
        Reason::LicenseNotHeld => lang.t("api-license-not-held"),
        Reason::NotEnabled { sku, status } => lang.t_with(
            "api-not-enabled",
            &[
                ("sku", product(sku).into()),
                ("status", subscription_status(lang, status).into()),
            ],
        ),
        Reason::NotInCatalog(sku) => {
            lang.t_with("api-not-in-catalog", &[("sku", sku.clone().into())])
        }
        Reason::NegativeSeats => lang.t("api-negative-seats"),
        Reason::SubscriptionExists(sku) => {
            lang.t_with("api-subscription-exists", &[("sku", product(sku).into())])
        }
        Reason::BelowAssigned { sku, assigned } => lang.t_with(
            "api-below-assigned",
            &[
                ("sku", product(sku).into()),
                ("count", (*assigned).into()),
                ("assigned", lang.number(*assigned).into()),
            ],
        ),
        Reason::AlreadyMember => lang.t("api-already-member"),
        Reason::AlreadyOwner => lang.t("api-already-owner"),
        Reason::DynamicMembers => lang.t("api-dynamic-members"),
        Reason::OwnGroup => lang.t("api-own-group"),
        Reason::OnlyUsersOwn => lang.t("api-only-users-own"),
        Reason::OwnManager => lang.t("api-own-manager"),
        Reason::ManagerLoop => lang.t("api-manager-loop"),
        Reason::LastGlobalAdministrator => lang.t("api-last-global-administrator"),
        Reason::OwnAccount => lang.t("action-not-yourself"),
        Reason::FormExpired => lang.t("api-form-expired"),
        Reason::GroupHasLicenses => lang.t("api-group-has-licenses"),
        Reason::DomainNotVerified(text) => {
            lang.t_with("api-domain-not-verified", &[("text", text.clone().into())])
        }
        Reason::DomainUnverified(domain) => lang.t_with(
            "api-domain-unverified",
            &[("domain", domain.clone().into())],
        ),
        Reason::DomainInUse { users, groups } => lang.t_with(
            "api-domain-in-use",
            &[
                ("users", lang.number(*users).into()),
                ("groups", lang.number(*groups).into()),
            ],
        ),
        Reason::DefaultDomain => lang.t("api-default-domain"),
    }
}

/// A subscription's `capabilityStatus` in words.
pub(crate) fn subscription_status(lang: Lang, status: &str) -> String {
    match status {
        "Enabled" => lang.t("licenses-status-enabled"),
        "Suspended" => lang.t("licenses-status-suspended"),
        "Warning" => lang.t("licenses-status-warning"),
        other => other.to_string(),
    }
}

/// What is wrong with a value, in the page's language (`Problem`'s `Display` is the English of
/// the API and the CLI).
pub(crate) fn problem(lang: Lang, problem: &roster_core::types::Problem) -> String {
    use roster_core::attributes::AttrKind;
    use roster_core::types::{DomainFault, Problem as P};
    let fault = |fault: &DomainFault| {
        let name = match fault {
            DomainFault::Length => "length",
            DomainFault::Labels => "labels",
            DomainFault::Label => "label",
            DomainFault::Characters => "characters",
            DomainFault::Hyphen => "hyphen",
        };
        lang.t_with("problem-domain-fault", &[("fault", name.into())])
    };
    let text = |id: &str, text: &str| lang.t_with(id, &[("text", text.to_string().into())]);
    let max = |id: &str, max: usize| lang.t_with(id, &[("max", max.into())]);
    let character = |id: &str, c: char| {
        lang.t_with(
            id,
            &[("character", roster_core::types::visible_char(c).into())],
        )
    };
    match problem {
        P::NotGuid(given) => text("problem-not-guid", given),
        P::Domain(given, domain_fault) => lang.t_with(
            "problem-domain",
            &[
                ("text", given.clone().into()),
                ("fault", fault(domain_fault).into()),
            ],
        ),
        P::NoAt(given) => text("problem-no-at", given),
        P::AliasLength(limit) => max("problem-alias-length", *limit),
        P::TooLong(limit) => max("problem-too-long", *limit),
        P::CharacterBeforeAt(c) => character("problem-character-before-at", *c),
        P::AliasDots => lang.t("problem-alias-dots"),
        P::UpnDomain(domain_fault) => lang.t_with(
            "problem-upn-domain",
            &[("fault", fault(domain_fault).into())],
        ),
        P::Length(limit) => max("problem-length", *limit),
        P::Character(c) => character("problem-character", *c),
        P::NotCountry(given) => text("problem-not-country", given),
        P::NotOneOf(given, choices) => lang.t_with(
            "problem-not-one-of",
            &[
                ("text", given.clone().into()),
                ("choices", choices.join(", ").into()),
            ],
        ),
        P::NotDateTime(given) => text("problem-not-date-time", given),
        P::NotMail(given) => text("problem-not-mail", given),
        P::NotRedirectUri(given) => text("problem-not-redirect-uri", given),
        P::Duplicate(given) => text("problem-duplicate", given),
        P::StillEnabled(given) => text("problem-still-enabled", given),
        P::TooMany(max) => lang.t_with(
            "problem-too-many",
            &[("max", lang.number(*max as i64).into())],
        ),
        P::OutOfRange(min, max) => lang.t_with(
            "problem-out-of-range",
            &[
                ("min", lang.number(*min).into()),
                ("max", lang.number(*max).into()),
            ],
        ),
        P::Expected(kind) => {
            let kind = match kind {
                AttrKind::Text => "text",
                AttrKind::TextList => "list",
                AttrKind::DateTime => "date",
                AttrKind::Bool => "bool",
            };
            lang.t_with("problem-expected", &[("kind", kind.into())])
        }
    }
}

/// Why licenses cannot be held, in the page's language.
pub(crate) fn license_violation(
    lang: Lang,
    violation: &roster_core::licensing::LicenseViolation,
) -> String {
    use roster_core::licensing::LicenseViolation as V;
    let text = |value: &str| fluent_bundle::FluentValue::from(value.to_string());
    match violation {
        V::MutuallyExclusive { plan_a, plan_b } => lang.t_with(
            "license-mutually-exclusive",
            &[("first", text(plan_a)), ("second", text(plan_b))],
        ),
        V::Dependency { plan, requires } => lang.t_with(
            "license-dependency",
            &[
                ("plan", text(plan)),
                ("requires", text(&requires.join(", "))),
            ],
        ),
        V::ProhibitedInUsageLocation {
            plan,
            usage_location,
        } => lang.t_with(
            "license-prohibited-location",
            &[("plan", text(plan)), ("location", text(usage_location))],
        ),
        V::UnknownSku(sku) => {
            lang.t_with("license-unknown-sku", &[("sku", text(&sku.to_string()))])
        }
        V::UnknownDisabledPlan { plan_id, .. } => lang.t_with(
            "license-unknown-plan",
            &[("plan", text(&plan_id.to_string()))],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_worded_in_both_languages() {
        use roster_core::attributes::AttrKind;
        use roster_core::licensing::LicenseViolation as V;
        use roster_core::types::{DomainFault, Problem as P};
        let faults = [
            DomainFault::Length,
            DomainFault::Labels,
            DomainFault::Label,
            DomainFault::Characters,
            DomainFault::Hyphen,
        ];
        let mut problems: Vec<P> = faults
            .iter()
            .flat_map(|fault| [P::Domain("x".into(), *fault), P::UpnDomain(*fault)])
            .collect();
        problems.extend([
            P::NotGuid("x".into()),
            P::NoAt("x".into()),
            P::AliasLength(64),
            P::TooLong(113),
            P::CharacterBeforeAt('!'),
            P::AliasDots,
            P::Length(64),
            P::Character(';'),
            P::NotCountry("XX".into()),
            P::NotOneOf("x".into(), &["a", "b"]),
            P::NotDateTime("x".into()),
            P::NotMail("x".into()),
            P::OutOfRange(1, 100),
            P::TooMany(100),
            P::NotRedirectUri("x".into()),
            P::Duplicate("x".into()),
            P::StillEnabled("x".into()),
        ]);
        problems.extend(
            [
                AttrKind::Text,
                AttrKind::TextList,
                AttrKind::DateTime,
                AttrKind::Bool,
            ]
            .map(P::Expected),
        );
        // Does not build when `Problem` gains a variant: add it to the list above too.
        for listed in &problems {
            match listed {
                P::NotGuid(_)
                | P::Domain(..)
                | P::NoAt(_)
                | P::AliasLength(_)
                | P::TooLong(_)
                | P::CharacterBeforeAt(_)
                | P::AliasDots
                | P::UpnDomain(_)
                | P::Length(_)
                | P::Character(_)
                | P::NotCountry(_)
                | P::NotOneOf(..)
                | P::NotDateTime(_)
                | P::NotMail(_)
                | P::OutOfRange(..)
                | P::TooMany(_)
                | P::NotRedirectUri(_)
                | P::Duplicate(_)
                | P::StillEnabled(_)
                | P::Expected(_) => {}
            }
        }
        let mut worded: Vec<[String; 2]> = problems
            .iter()
            .map(|p| [problem(Lang::En, p), problem(Lang::Nl, p)])
            .collect();
        let plan = || "EXCHANGE_S_STANDARD".to_string();
        for violation in [
            V::MutuallyExclusive {
                plan_a: plan(),
                plan_b: plan(),
            },
            V::Dependency {
                plan: plan(),
                requires: vec![plan()],
            },
            V::ProhibitedInUsageLocation {
                plan: plan(),
                usage_location: "CU".into(),
            },
            V::UnknownSku(uuid::Uuid::nil()),
            V::UnknownDisabledPlan {
                sku_id: uuid::Uuid::nil(),
                plan_id: uuid::Uuid::nil(),
            },
        ] {
            worded.push([
                license_violation(Lang::En, &violation),
                license_violation(Lang::Nl, &violation),
            ]);
        }
        use crate::error::Reason as R;
        for why in [
            R::Conflict("userPrincipalName"),
            R::NoUsageLocation,
            R::OutOfSeats("SPE_E3".into()),
            R::Invalid(roster_core::types::InvalidValue::new(
                "usageLocation",
                P::NotCountry("XX".into()),
            )),
            R::License(V::UnknownSku(uuid::Uuid::from_u128(1))),
            R::WeakPassword,
            R::UnknownDomain("fabrikam.example".into()),
            R::AddressTaken("sales@contoso.example".into()),
            R::LicenseNotHeld,
            R::NotEnabled {
                sku: "SPE_E3".into(),
                status: "Suspended".into(),
            },
            R::NotInCatalog("NOT_A_SKU".into()),
            R::NegativeSeats,
            R::SubscriptionExists("SPE_E3".into()),
            R::BelowAssigned {
                sku: "SPE_E3".into(),
                assigned: 7,
            },
            R::AlreadyMember,
            R::AlreadyOwner,
            R::DynamicMembers,
            R::OwnGroup,
            R::OnlyUsersOwn,
            R::OwnManager,
            R::ManagerLoop,
            R::LastGlobalAdministrator,
            R::OwnAccount,
            R::FormExpired,
            R::GroupHasLicenses,
            R::DomainNotVerified("roster-verification=x".into()),
            R::DomainUnverified("fabrikam.example".into()),
            R::DomainInUse {
                users: 2,
                groups: 1,
            },
            R::DefaultDomain,
        ] {
            // Does not build when `Reason` gains a variant: add it to the list above too.
            match why {
                R::Conflict(_)
                | R::NoUsageLocation
                | R::OutOfSeats(_)
                | R::Invalid(_)
                | R::License(_)
                | R::WeakPassword
                | R::UnknownDomain(_)
                | R::AddressTaken(_)
                | R::LicenseNotHeld
                | R::NotEnabled { .. }
                | R::NotInCatalog(_)
                | R::NegativeSeats
                | R::SubscriptionExists(_)
                | R::BelowAssigned { .. }
                | R::AlreadyMember
                | R::AlreadyOwner
                | R::DynamicMembers
                | R::OwnGroup
                | R::OnlyUsersOwn
                | R::OwnManager
                | R::ManagerLoop
                | R::LastGlobalAdministrator
                | R::OwnAccount
                | R::FormExpired
                | R::GroupHasLicenses
                | R::DomainNotVerified(_)
                | R::DomainUnverified(_)
                | R::DomainInUse { .. }
                | R::DefaultDomain => {}
            }
            worded.push([reason(Lang::En, &why), reason(Lang::Nl, &why)]);
        }
        for [english, dutch] in &worded {
            // A message missing from a catalog comes back as its id.
            for text in [english, dutch] {
                assert!(
                    !text.contains("problem-")
                        && !text.contains("license-")
                        && !text.contains("api-"),
                    "{text}"
                );
            }
            assert_ne!(english, dutch);
        }
        // Each variant has its own wording (a selector's default hides no case).
        let distinct: std::collections::HashSet<&String> =
            worded.iter().map(|[english, _]| english).collect();
        assert_eq!(distinct.len(), worded.len());
        assert_eq!(
            problem(Lang::Nl, &P::UpnDomain(DomainFault::Labels)),
            "het domein heeft minstens twee delen nodig, zoals contoso.example"
        );
    }
}
