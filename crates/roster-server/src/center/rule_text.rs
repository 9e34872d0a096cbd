//! A membership rule's mistake in the page's language: each `RuleProblem` worded from the
//! catalogs (the English of the API and the CLI is its `Display`).

use fluent_bundle::FluentValue;
use roster_core::rules::{
    Advice, Closer, Expected, Found, NotEvaluated, Note, PLAN_FIELDS, PropertyKind, RuleProblem,
    operator_list,
};

use super::i18n::Lang;

fn found(lang: Lang, found: &Found) -> FluentValue<'static> {
    match found {
        Found::End => lang.t("rule-found-end").into(),
        Found::List => lang.t("rule-found-list").into(),
        Found::Text(text) => text.clone().into(),
    }
}

fn text(value: &str) -> FluentValue<'static> {
    value.to_string().into()
}

/// What is wrong with a rule, in `lang`.
pub(crate) fn problem(lang: Lang, problem: &RuleProblem) -> String {
    use RuleProblem as P;
    let number = |n: usize| FluentValue::from(lang.number(n as i64));
    match problem {
        P::TooLong { max, length } => lang.t_with(
            "rule-too-long",
            &[("max", number(*max)), ("length", number(*length))],
        ),
        P::DashAlone => lang.t("rule-dash-alone"),
        P::CurlyQuote(c) => lang.t_with("rule-curly-quote", &[("character", text(&c.to_string()))]),
        P::Character(c) => lang.t_with(
            "rule-character",
            &[("character", text(&roster_core::types::visible_char(*c)))],
        ),
        P::Unterminated(quote) => {
            lang.t_with("rule-unterminated", &[("quote", text(&quote.to_string()))])
        }
        P::TooDeep(max) => lang.t_with("rule-too-deep", &[("max", number(*max))]),
        P::UnmatchedClose => lang.t("rule-unmatched-close"),
        P::ExpectedDirectReports(what) => lang.t_with(
            "rule-expected-direct-reports",
            &[("found", found(lang, what))],
        ),
        P::ManagerId(given) => lang.t_with("rule-manager-id", &[("text", text(given))]),
        P::DirectReportsCombined(None) => lang.t("rule-direct-reports-combined"),
        P::DirectReportsCombined(Some(what)) => lang.t_with(
            "rule-direct-reports-combined-found",
            &[("found", found(lang, what))],
        ),
        P::BetweenConditions(what) => {
            lang.t_with("rule-between-conditions", &[("found", found(lang, what))])
        }
        P::ExpectedConnective(Closer::End, what) => {
            lang.t_with("rule-expected-end", &[("found", found(lang, what))])
        }
        P::ExpectedConnective(Closer::Paren(open), what) => lang.t_with(
            "rule-expected-close",
            &[("open", number(*open)), ("found", found(lang, what))],
        ),
        P::ExpectedCondition(what) => {
            lang.t_with("rule-expected-condition", &[("found", found(lang, what))])
        }
        P::NotBeforeOperator { name, found: what } => lang.t_with(
            "rule-not-before-operator",
            &[("name", text(name)), ("found", found(lang, what))],
        ),
        P::UnknownOperator { word, name, dates } => {
            if *dates {
                lang.t_with(
                    "rule-unknown-operator-dates",
                    &[("word", text(word)), ("name", text(name))],
                )
            } else {
                lang.t_with(
                    "rule-unknown-operator",
                    &[
                        ("word", text(word)),
                        ("name", text(name)),
                        ("operators", operator_list().into()),
                    ],
                )
            }
        }
        P::ExpectedOperator { name, found: what } => lang.t_with(
            "rule-expected-operator",
            &[("name", text(name)), ("found", found(lang, what))],
        ),
        P::ExpectedItem { list, found: what } => lang.t_with(
            "rule-expected-item",
            &[("list", text(list)), ("found", text(what))],
        ),
        P::UnknownItemProperty { name, list } => lang.t_with(
            "rule-unknown-item-property",
            &[
                ("name", text(name)),
                ("list", text(list)),
                ("fields", text(PLAN_FIELDS)),
            ],
        ),
        P::ExpectedPlanField { list, found: what } => lang.t_with(
            "rule-expected-plan-field",
            &[
                ("fields", text(PLAN_FIELDS)),
                ("list", text(list)),
                ("found", text(what)),
            ],
        ),
        P::ItemAlone(name) => lang.t_with("rule-item-alone", &[("name", text(name))]),
        P::NowAlone => lang.t("rule-now-alone"),
        P::Device(name) => lang.t_with("rule-device", &[("name", text(name))]),
        P::CustomExtension(name) => lang.t_with("rule-custom-extension", &[("name", text(name))]),
        P::UnknownProperty {
            name,
            suggestion: None,
        } => lang.t_with("rule-unknown-property", &[("name", text(name))]),
        P::UnknownProperty {
            name,
            suggestion: Some(known),
        } => lang.t_with(
            "rule-unknown-property-suggestion",
            &[("name", text(name)), ("known", text(known))],
        ),
        P::NotEvaluated { name, why } => {
            let why = match why {
                NotEvaluated::MemberOf => "member-of",
                NotEvaluated::SecurityIdentifier => "sid",
            };
            lang.t_with(
                "rule-not-evaluated",
                &[("name", text(name)), ("why", why.into())],
            )
        }
        P::Misfit {
            op,
            name,
            kind,
            advice,
        } => {
            let kind = match kind {
                PropertyKind::Text => "text",
                PropertyKind::TextList => "list",
                PropertyKind::Date => "date",
                PropertyKind::Bool => "bool",
                PropertyKind::Plans => "plans",
            };
            let advice = match advice {
                Advice::Items(name) => lang.t_with("rule-advice-items", &[("name", text(name))]),
                Advice::ManyValues => lang.t_with("rule-advice", &[("advice", "many".into())]),
                Advice::DatesOnly => lang.t_with("rule-advice", &[("advice", "dates".into())]),
                Advice::EqNe => lang.t_with("rule-advice", &[("advice", "eq-ne".into())]),
                Advice::EqNeGeLe => lang.t_with("rule-advice", &[("advice", "eq-ne-ge-le".into())]),
            };
            lang.t_with(
                "rule-misfit",
                &[
                    ("op", (*op).into()),
                    ("name", text(name)),
                    ("kind", kind.into()),
                    ("advice", advice.into()),
                ],
            )
        }
        P::ExpectedAfter {
            expected,
            name,
            op,
            found: what,
            note,
        } => {
            let expected = match expected {
                Expected::Bool => "bool",
                Expected::Date => "date",
                Expected::DateOrNow => "now",
                Expected::Text => "text",
                Expected::TextInList => "in-list",
                Expected::List => "list",
            };
            let main = lang.t_with(
                "rule-expected-after",
                &[
                    ("expected", expected.into()),
                    ("name", text(name)),
                    ("op", (*op).into()),
                    ("found", found(lang, what)),
                ],
            );
            match note {
                Note::None => main,
                Note::NullEqNe => format!("{main} {}", lang.t("rule-note-null")),
                Note::Quote => format!("{main} {}", lang.t("rule-note-quote")),
            }
        }
        P::BareWord(word) => lang.t_with("rule-bare-word", &[("word", text(word))]),
        P::ExpectedCloseParen { open, found: what } => lang.t_with(
            "rule-expected-close-paren",
            &[("open", number(*open)), ("found", found(lang, what))],
        ),
        P::ExpectedValue(what) => {
            lang.t_with("rule-expected-value", &[("found", found(lang, what))])
        }
        P::ExpectedInList(what) => {
            lang.t_with("rule-expected-in-list", &[("found", found(lang, what))])
        }
        P::ExpectedListEnd { open, found: what } => lang.t_with(
            "rule-expected-list-end",
            &[("open", number(*open)), ("found", found(lang, what))],
        ),
        P::ExpectedDuration { sign, found: what } => lang.t_with(
            "rule-expected-duration",
            &[("sign", found(lang, sign)), ("found", found(lang, what))],
        ),
        P::DurationOverflow => lang.t("rule-duration-overflow"),
        P::Regex { pattern, problem } => {
            use roster_core::rules::RegexProblem as R;
            let problem = match problem {
                R::UnclosedGroup => lang.t("rule-regex-unclosed-group"),
                R::UnopenedGroup => lang.t("rule-regex-unopened-group"),
                R::UnclosedClass => lang.t("rule-regex-unclosed-class"),
                R::NothingToRepeat => lang.t("rule-regex-nothing-to-repeat"),
                R::BadRepetition => lang.t("rule-regex-bad-repetition"),
                R::BadEscape => lang.t("rule-regex-bad-escape"),
                R::BackwardRange => lang.t("rule-regex-backward-range"),
                R::Backreference => lang.t("rule-regex-backreference"),
                R::LookAround => lang.t("rule-regex-look-around"),
                R::Other(words) => words.clone(),
            };
            lang.t_with(
                "rule-regex",
                &[("pattern", text(pattern)), ("problem", text(&problem))],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::rules::MembershipRule;

    fn every_problem() -> Vec<RuleProblem> {
        use RuleProblem as P;
        let t = |s: &str| s.to_string();
        let f = || Found::Text(t("-foo"));
        let mut all = vec![
            P::TooLong {
                max: 30,
                length: 31,
            },
            P::DashAlone,
            P::CurlyQuote('“'),
            P::Character('%'),
            P::Unterminated('"'),
            P::TooDeep(100),
            P::UnmatchedClose,
            P::ExpectedDirectReports(Found::End),
            P::ManagerId(t("x")),
            P::DirectReportsCombined(None),
            P::DirectReportsCombined(Some(f())),
            P::BetweenConditions(f()),
            P::ExpectedConnective(Closer::End, f()),
            P::ExpectedConnective(Closer::Paren(7), Found::End),
            P::ExpectedCondition(Found::List),
            P::NotBeforeOperator {
                name: t("user.city"),
                found: f(),
            },
            P::UnknownOperator {
                word: t("lt"),
                name: t("user.city"),
                dates: true,
            },
            P::UnknownOperator {
                word: t("is"),
                name: t("user.city"),
                dates: false,
            },
            P::ExpectedOperator {
                name: t("user.city"),
                found: f(),
            },
            P::ExpectedItem {
                list: t("user.otherMails"),
                found: t("x"),
            },
            P::UnknownItemProperty {
                name: t("assignedPlan.x"),
                list: t("user.assignedPlans"),
            },
            P::ExpectedPlanField {
                list: t("user.assignedPlans"),
                found: t("x"),
            },
            P::ItemAlone(t("_")),
            P::NowAlone,
            P::Device(t("device.x")),
            P::CustomExtension(t("user.extension_1_x")),
            P::UnknownProperty {
                name: t("user.cty"),
                suggestion: None,
            },
            P::UnknownProperty {
                name: t("user.cty"),
                suggestion: Some("city"),
            },
            P::NotEvaluated {
                name: t("user.memberOf"),
                why: NotEvaluated::MemberOf,
            },
            P::NotEvaluated {
                name: t("user.x"),
                why: NotEvaluated::SecurityIdentifier,
            },
            P::BareWord(t("Sales")),
            P::ExpectedCloseParen {
                open: 3,
                found: f(),
            },
            P::ExpectedValue(Found::End),
            P::ExpectedInList(f()),
            P::ExpectedListEnd {
                open: 3,
                found: f(),
            },
            P::ExpectedDuration {
                sign: f(),
                found: Found::End,
            },
            P::DurationOverflow,
        ];
        use roster_core::rules::RegexProblem as R;
        // Every kind of regular-expression mistake, with an exhaustive match below as the guard.
        let regex_problems = [
            R::UnclosedGroup,
            R::UnopenedGroup,
            R::UnclosedClass,
            R::NothingToRepeat,
            R::BadRepetition,
            R::BadEscape,
            R::BackwardRange,
            R::Backreference,
            R::LookAround,
            R::Other(t("Unicode property not found")),
        ];
        for problem in &regex_problems {
            match problem {
                R::UnclosedGroup
                | R::UnopenedGroup
                | R::UnclosedClass
                | R::NothingToRepeat
                | R::BadRepetition
                | R::BadEscape
                | R::BackwardRange
                | R::Backreference
                | R::LookAround
                | R::Other(_) => {}
            }
        }
        all.extend(regex_problems.into_iter().map(|problem| P::Regex {
            pattern: t("("),
            problem,
        }));
        for kind in [
            PropertyKind::Text,
            PropertyKind::TextList,
            PropertyKind::Date,
            PropertyKind::Bool,
            PropertyKind::Plans,
        ] {
            for advice in [
                Advice::ManyValues,
                Advice::DatesOnly,
                Advice::EqNe,
                Advice::EqNeGeLe,
                Advice::Items(t("user.assignedPlans")),
            ] {
                all.push(P::Misfit {
                    op: "-ge",
                    name: t("user.city"),
                    kind,
                    advice,
                });
            }
        }
        for expected in [
            Expected::Bool,
            Expected::Date,
            Expected::DateOrNow,
            Expected::Text,
            Expected::TextInList,
            Expected::List,
        ] {
            for note in [Note::None, Note::NullEqNe, Note::Quote] {
                all.push(P::ExpectedAfter {
                    expected,
                    name: t("user.city"),
                    op: "-eq",
                    found: Found::Text(t("null")),
                    note,
                });
            }
        }
        all
    }

    /// Does not build when `RuleProblem` gains a variant: add it to [`every_problem`] too.
    fn listed(problem: &RuleProblem) {
        use RuleProblem as P;
        match problem {
            P::TooLong { .. }
            | P::DashAlone
            | P::CurlyQuote(_)
            | P::Character(_)
            | P::Unterminated(_)
            | P::TooDeep(_)
            | P::UnmatchedClose
            | P::ExpectedDirectReports(_)
            | P::ManagerId(_)
            | P::DirectReportsCombined(_)
            | P::BetweenConditions(_)
            | P::ExpectedConnective(..)
            | P::ExpectedCondition(_)
            | P::NotBeforeOperator { .. }
            | P::UnknownOperator { .. }
            | P::ExpectedOperator { .. }
            | P::ExpectedItem { .. }
            | P::UnknownItemProperty { .. }
            | P::ExpectedPlanField { .. }
            | P::ItemAlone(_)
            | P::NowAlone
            | P::Device(_)
            | P::CustomExtension(_)
            | P::UnknownProperty { .. }
            | P::NotEvaluated { .. }
            | P::Misfit { .. }
            | P::ExpectedAfter { .. }
            | P::BareWord(_)
            | P::ExpectedCloseParen { .. }
            | P::ExpectedValue(_)
            | P::ExpectedInList(_)
            | P::ExpectedListEnd { .. }
            | P::ExpectedDuration { .. }
            | P::DurationOverflow
            | P::Regex { .. } => {}
        }
    }

    #[test]
    fn every_rule_problem_is_worded_in_both_languages() {
        for problem in every_problem() {
            listed(&problem);
            let english = super::problem(Lang::En, &problem);
            let dutch = super::problem(Lang::Nl, &problem);
            // The English catalog says what the API says.
            assert_eq!(english, problem.to_string());
            // A message missing from a catalog comes back as its id.
            assert!(!dutch.contains("rule-"), "{dutch}");
            assert_ne!(dutch, english);
        }
    }

    #[test]
    fn a_parsed_rules_mistake_is_dutch() {
        let error = MembershipRule::parse("user.department -eq \"Sales\" -and").unwrap_err();
        assert_eq!(
            super::problem(Lang::Nl, &error.problem),
            "verwacht een voorwaarde zoals user.department -eq \"Sales\", gevonden: het einde van de regel"
        );
    }
}
