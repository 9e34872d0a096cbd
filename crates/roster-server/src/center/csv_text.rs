//! A CSV file's problem in the page's language: each `CsvProblem` worded from the catalogs (the
//! English of the CLI, the API and results files is its `Display`).

use fluent_bundle::FluentValue;
use roster_csv::edits::{CLEAR, ID_COLUMN_NAMES, Operation, USER_COLUMN_NAMES};
use roster_csv::new_users::{
    CsvProblem, EmailFault, HeaderProblem, Holds, MAX_LIST_ITEMS, Names, Template,
};
use roster_csv::problem::{edit_columns, template_labels};

use super::i18n::Lang;

fn text(value: impl Into<String>) -> FluentValue<'static> {
    FluentValue::from(value.into())
}

/// A template's name: "the Microsoft 365 admin center template".
pub(crate) fn template(lang: Lang, template: Template) -> String {
    let key = match template {
        Template::AdminCenter => "admin",
        Template::EntraBulkCreate => "entra",
        Template::Roster => "roster",
    };
    lang.t_with("csv-template", &[("template", key.into())])
}

/// `a user column (User Name, … or Object ID, id) and MFA State, …`
fn expected_columns(lang: Lang, operation: Operation) -> String {
    let columns = edit_columns(operation);
    let users = ("users", text(USER_COLUMN_NAMES.join(", ")));
    let ids = ("ids", text(ID_COLUMN_NAMES.join(", ")));
    if columns.is_empty() {
        lang.t_with("csv-expected-columns", &[users, ids])
    } else {
        lang.t_with(
            "csv-expected-columns-and",
            &[users, ids, ("columns", text(columns.join(", ")))],
        )
    }
}

/// `message`, and the hint that a header of one column may be split by another delimiter.
fn one_column_hint(lang: Lang, mut message: String, found: &Names) -> String {
    if found.total == 1 {
        message.push_str(&lang.t("csv-one-column"));
    }
    message
}

/// `message`, and for a record over several lines the hint that a quote may be left open.
fn open_quote_hint(lang: Lang, mut message: String, lines: Option<(usize, usize)>) -> String {
    if let Some((first, last)) = lines {
        message.push(' ');
        message.push_str(&lang.t_with(
            "csv-open-quote",
            &[
                ("first", text(first.to_string())),
                ("last", text(last.to_string())),
            ],
        ));
    }
    message
}

/// A file's problem and where it is: `row 3, column 'Country': …`.
pub(crate) fn located(
    lang: Lang,
    row: Option<usize>,
    column: Option<&str>,
    csv_problem: &CsvProblem,
) -> String {
    let worded = text(problem(lang, csv_problem));
    let row = row.map(|row| text(row.to_string()));
    let column = column.map(|column| text(roster_csv::new_users::excerpt(column).into_owned()));
    match (row, column) {
        (Some(row), Some(column)) => lang.t_with(
            "csv-at-row-column",
            &[("row", row), ("column", column), ("problem", worded)],
        ),
        (Some(row), None) => lang.t_with("csv-at-row", &[("row", row), ("problem", worded)]),
        (None, Some(column)) => {
            lang.t_with("csv-at-column", &[("column", column), ("problem", worded)])
        }
        (None, None) => problem(lang, csv_problem),
    }
}

/// What is wrong with a file or a row, in `lang`.
pub(crate) fn problem(lang: Lang, problem: &CsvProblem) -> String {
    use CsvProblem as P;
    let number = |n: usize| text(lang.number(n as i64));
    let quoted = |id: &str, value: &str| lang.t_with(id, &[("text", text(value))]);
    match problem {
        P::Utf16 => lang.t("csv-utf16"),
        P::NulBytes => lang.t("csv-nul-bytes"),
        P::Nul => lang.t("csv-nul"),
        P::NotUtf8 { byte, offset } => lang.t_with(
            "csv-not-utf8",
            &[
                ("byte", text(format!("0x{byte:02X}"))),
                ("offset", text(offset.to_string())),
            ],
        ),
        P::Empty => lang.t("csv-empty"),
        P::EntraVersion(version) => lang.t_with("csv-entra-version", &[("version", text(version))]),
        P::NoHeaderAfterVersion => lang.t("csv-no-header-after-version"),
        P::NotCsv(error) => lang.t_with("csv-not-csv", &[("error", text(error))]),
        P::UnknownHeader {
            found,
            after_version_line: true,
        } => one_column_hint(
            lang,
            lang.t_with(
                "csv-unknown-header-entra",
                &[("found", text(found.quoted()))],
            ),
            found,
        ),
        P::UnknownHeader {
            found,
            after_version_line: false,
        } => one_column_hint(
            lang,
            lang.t_with(
                "csv-unknown-header",
                &[
                    ("found", text(found.quoted())),
                    ("admin", text(template(lang, Template::AdminCenter))),
                    (
                        "admin-columns",
                        text(template_labels(Template::AdminCenter, Some(4))),
                    ),
                    ("entra", text(template(lang, Template::EntraBulkCreate))),
                    ("roster", text(template(lang, Template::Roster))),
                    (
                        "roster-columns",
                        text(template_labels(Template::Roster, Some(3))),
                    ),
                ],
            ),
            found,
        ),
        P::NoEditColumns { operation, found } => one_column_hint(
            lang,
            lang.t_with(
                "csv-no-edit-columns",
                &[
                    ("operation", operation.name().into()),
                    ("found", text(found.quoted())),
                    ("expected", text(expected_columns(lang, *operation))),
                ],
            ),
            found,
        ),
        P::Header {
            template: kind,
            problems,
        } => {
            let problems = problems
                .iter()
                .map(|problem| header_problem(lang, problem))
                .collect::<Vec<_>>()
                .join("; ");
            match kind {
                Some(kind) => lang.t_with(
                    "csv-header-template",
                    &[
                        ("template", text(template(lang, *kind))),
                        ("problems", text(problems)),
                    ],
                ),
                None => lang.t_with("csv-header-edit", &[("problems", text(problems))]),
            }
        }
        P::FieldCount {
            found,
            expected,
            lines,
        } => open_quote_hint(
            lang,
            lang.t_with(
                "csv-field-count",
                &[("found", number(*found)), ("expected", number(*expected))],
            ),
            *lines,
        ),
        P::Required => lang.t("csv-required"),
        P::RequiredOrFlag(flag) => lang.t_with("csv-required-or-flag", &[("flag", (*flag).into())]),
        P::NoUser => lang.t("csv-no-user"),
        P::TooLong { length, limit } => lang.t_with(
            "csv-too-long",
            &[("length", number(*length)), ("limit", number(*limit))],
        ),
        P::LineBreak { lines } => open_quote_hint(lang, lang.t("csv-line-break"), *lines),
        P::TooManyValues(count) => lang.t_with(
            "csv-too-many-values",
            &[("count", number(*count)), ("limit", number(MAX_LIST_ITEMS))],
        ),
        P::ValueWithoutHeader => lang.t("csv-value-without-header"),
        P::IgnoredValue => lang.t("csv-ignored-value"),
        P::NotPhone {
            text: given,
            bad: Some(bad),
        } => lang.t_with(
            "csv-not-phone-character",
            &[("text", text(given)), ("character", text(bad.to_string()))],
        ),
        P::NotPhone {
            text: given,
            bad: None,
        } => quoted("csv-not-phone-digits", given),
        P::NotEmail { text: given, fault } => {
            let fault = match fault {
                EmailFault::NoAt => "no-at",
                EmailFault::Local => "local",
                EmailFault::Domain => "domain",
            };
            lang.t_with(
                "csv-not-email",
                &[("text", text(given)), ("fault", fault.into())],
            )
        }
        P::NotYesNo(given) => quoted("csv-not-yes-no", given),
        P::NotTrueFalse(given) => quoted("csv-not-true-false", given),
        P::Invalid(problem) => super::wording::problem(lang, problem),
        P::NotUserOrId(problem) => lang.t_with(
            "csv-not-user-or-id",
            &[("problem", text(super::wording::problem(lang, problem)))],
        ),
        P::IdInNameColumn {
            text: given,
            id_column,
        } => lang.t_with(
            "csv-id-in-name-column",
            &[("text", text(given)), ("column", text(id_column))],
        ),
        P::DuplicateUser {
            text: given,
            first_row,
        } => lang.t_with(
            "csv-duplicate-user",
            &[("text", text(given)), ("row", text(first_row.to_string()))],
        ),
        P::DuplicateId { id, first_row } => lang.t_with(
            "csv-duplicate-id",
            &[("id", text(id)), ("row", text(first_row.to_string()))],
        ),
        P::NotClearable => lang.t_with("csv-not-clearable", &[("clear", CLEAR.into())]),
    }
}

fn header_problem(lang: Lang, problem: &HeaderProblem) -> String {
    use HeaderProblem as H;
    let count = |names: &Names| FluentValue::from(names.total as i64);
    match problem {
        H::SameField {
            first,
            second,
            holds,
        } => {
            let holds = match holds {
                Holds::Property(name) => text(*name),
                Holds::User => text(lang.t("csv-holds-user")),
                Holds::UserId => text(lang.t("csv-holds-user-id")),
            };
            lang.t_with(
                "csv-same-field",
                &[
                    ("first", text(roster_csv::new_users::column_letter(first.0))),
                    ("first-name", text(&first.1)),
                    (
                        "second",
                        text(roster_csv::new_users::column_letter(second.0)),
                    ),
                    ("second-name", text(&second.1)),
                    ("holds", holds),
                ],
            )
        }
        H::Missing(names) => lang.t_with(
            "csv-missing",
            &[("count", count(names)), ("names", text(names.quoted()))],
        ),
        H::MissingOrFlag { column, flag } => lang.t_with(
            "csv-missing-or-flag",
            &[("column", (*column).into()), ("flag", (*flag).into())],
        ),
        H::NoUserColumn => lang.t_with(
            "csv-no-user-column",
            &[
                ("users", text(USER_COLUMN_NAMES.join(", "))),
                ("ids", text(ID_COLUMN_NAMES.join(", "))),
            ],
        ),
        H::NothingToChange(operation) => lang.t_with(
            "csv-nothing-to-change",
            &[
                ("operation", operation.name().into()),
                ("columns", text(edit_columns(*operation).join(", "))),
            ],
        ),
        H::NotInTemplate {
            names,
            template: kind,
        } => lang.t_with(
            "csv-not-in-template",
            &[
                ("count", count(names)),
                ("names", text(names.quoted())),
                ("template", text(template(lang, *kind))),
                ("columns", text(template_labels(*kind, None))),
            ],
        ),
        H::NotRead { names, operation } => lang.t_with(
            "csv-not-read",
            &[
                ("count", count(names)),
                ("names", text(names.quoted())),
                ("operation", operation.name().into()),
                ("expected", text(expected_columns(lang, *operation))),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use roster_core::types::Problem;
    use roster_csv::edits::Operation;
    use roster_csv::new_users::{self, CsvProblem, EmailFault, HeaderProblem, Holds, Names};

    use super::super::i18n::Lang;

    fn names(list: &[&str]) -> Names {
        Names::new(list.iter().copied(), list.len())
    }

    fn every_header_problem() -> Vec<HeaderProblem> {
        use HeaderProblem as H;
        let mut all = Vec::new();
        for holds in [Holds::Property("department"), Holds::User, Holds::UserId] {
            all.push(H::SameField {
                first: (0, "Department".into()),
                second: (27, "department".into()),
                holds,
            });
        }
        for list in [&["Display Name"][..], &["User Name", "Display Name"]] {
            all.push(H::Missing(names(list)));
            all.push(H::NotInTemplate {
                names: names(list),
                template: new_users::Template::AdminCenter,
            });
            all.push(H::NotRead {
                names: names(list),
                operation: Operation::Block,
            });
            all.push(H::NotRead {
                names: names(list),
                operation: Operation::Mfa,
            });
        }
        all.push(H::MissingOrFlag {
            column: "Domain",
            flag: "--domain",
        });
        all.push(H::NoUserColumn);
        all.push(H::NothingToChange(Operation::Rename));
        all
    }

    fn every_problem() -> Vec<CsvProblem> {
        use CsvProblem as P;
        let mut all = vec![
            P::Utf16,
            P::NulBytes,
            P::Nul,
            P::NotUtf8 {
                byte: 0xE9,
                offset: 40,
            },
            P::Empty,
            P::EntraVersion("v2.0".into()),
            P::NoHeaderAfterVersion,
            P::NotCsv("found record with 2 fields".into()),
            P::Required,
            P::RequiredOrFlag("--password"),
            P::NoUser,
            P::TooLong {
                length: 70,
                limit: 64,
            },
            P::TooManyValues(11),
            P::ValueWithoutHeader,
            P::IgnoredValue,
            P::NotPhone {
                text: "+31 20 ABC".into(),
                bad: Some('a'),
            },
            P::NotPhone {
                text: "none".into(),
                bad: None,
            },
            P::NotYesNo("maybe".into()),
            P::NotTrueFalse("maybe".into()),
            P::Invalid(Problem::NotCountry("Holland".into())),
            P::NotUserOrId(Problem::NoAt("ann".into())),
            P::IdInNameColumn {
                text: "0b5e5b4c-7a4b-4b8e-9d3e-0c2f4f1b2a10".into(),
                id_column: "Object ID".into(),
            },
            P::DuplicateUser {
                text: "ann@contoso.example".into(),
                first_row: 2,
            },
            P::DuplicateId {
                id: "0b5e5b4c-7a4b-4b8e-9d3e-0c2f4f1b2a10".into(),
                first_row: 2,
            },
            P::NotClearable,
        ];
        for fault in [EmailFault::NoAt, EmailFault::Local, EmailFault::Domain] {
            all.push(P::NotEmail {
                text: "ann at contoso".into(),
                fault,
            });
        }
        for lines in [None, Some((4, 6))] {
            all.push(P::FieldCount {
                found: 3,
                expected: 5,
                lines,
            });
            all.push(P::LineBreak { lines });
        }
        for found in [
            names(&["Naam"]),
            names(&["a", "b", "c", "d", "e", "f", "g"]),
        ] {
            for after_version_line in [false, true] {
                all.push(P::UnknownHeader {
                    found: found.clone(),
                    after_version_line,
                });
            }
            for operation in [Operation::Block, Operation::Mfa] {
                all.push(P::NoEditColumns {
                    operation,
                    found: found.clone(),
                });
            }
        }
        for template in [
            Some(new_users::Template::AdminCenter),
            Some(new_users::Template::EntraBulkCreate),
            Some(new_users::Template::Roster),
            None,
        ] {
            all.push(P::Header {
                template,
                problems: every_header_problem(),
            });
        }
        all
    }

    /// Does not build when `CsvProblem` or `HeaderProblem` gains a variant: add it to
    /// [`every_problem`] or [`every_header_problem`] too.
    fn listed(problem: &CsvProblem) {
        use CsvProblem as P;
        match problem {
            P::Utf16
            | P::NulBytes
            | P::Nul
            | P::NotUtf8 { .. }
            | P::Empty
            | P::EntraVersion(_)
            | P::NoHeaderAfterVersion
            | P::NotCsv(_)
            | P::UnknownHeader { .. }
            | P::NoEditColumns { .. }
            | P::FieldCount { .. }
            | P::Required
            | P::RequiredOrFlag(_)
            | P::NoUser
            | P::TooLong { .. }
            | P::LineBreak { .. }
            | P::TooManyValues(_)
            | P::ValueWithoutHeader
            | P::IgnoredValue
            | P::NotPhone { .. }
            | P::NotEmail { .. }
            | P::NotYesNo(_)
            | P::NotTrueFalse(_)
            | P::Invalid(_)
            | P::NotUserOrId(_)
            | P::IdInNameColumn { .. }
            | P::DuplicateUser { .. }
            | P::DuplicateId { .. }
            | P::NotClearable => {}
            P::Header { problems, .. } => {
                for problem in problems {
                    match problem {
                        HeaderProblem::SameField { .. }
                        | HeaderProblem::Missing(_)
                        | HeaderProblem::MissingOrFlag { .. }
                        | HeaderProblem::NoUserColumn
                        | HeaderProblem::NothingToChange(_)
                        | HeaderProblem::NotInTemplate { .. }
                        | HeaderProblem::NotRead { .. } => {}
                    }
                }
            }
        }
    }

    #[test]
    fn every_csv_problem_is_worded_in_both_languages() {
        for problem in every_problem() {
            listed(&problem);
            let english = super::problem(Lang::En, &problem);
            let dutch = super::problem(Lang::Nl, &problem);
            // A message missing from a catalog comes back as its id.
            assert!(!english.contains("csv-"), "{english}");
            assert!(!dutch.contains("csv-"), "{dutch}");
            assert_ne!(dutch, english);
            match &problem {
                // A value's problem is worded as the admin center words it everywhere.
                CsvProblem::Invalid(value) | CsvProblem::NotUserOrId(value) => {
                    assert!(dutch.contains(&super::super::wording::problem(Lang::Nl, value)));
                }
                // Otherwise the English catalog says what the CLI and results files say (for
                // numbers under a thousand: the page groups thousands, as below).
                _ => assert_eq!(english, problem.to_string()),
            }
        }
        let long = CsvProblem::TooLong {
            length: 10_485,
            limit: 64,
        };
        assert_eq!(
            long.to_string(),
            "the value has 10485 characters; the limit is 64"
        );
        assert_eq!(
            super::problem(Lang::En, &long),
            "the value has 10,485 characters; the limit is 64"
        );
        assert_eq!(
            super::problem(Lang::Nl, &long),
            "de waarde heeft 10.485 tekens; het maximum is 64"
        );
    }

    #[test]
    fn a_files_problem_is_dutch_with_its_place() {
        let error =
            new_users::parse(b"User Name,Display Name,Department\nann@contoso.example,Ann\n")
                .map(|parsed| parsed.rows[0].clone().unwrap_err())
                .unwrap();
        assert_eq!(
            super::problem(Lang::Nl, &error.problem),
            "de rij heeft 2 velden, maar de kopregel heeft er 3"
        );
        let error = new_users::parse(b"User Name,Display Name,Afdeling\n").unwrap_err();
        assert_eq!(
            super::located(Lang::Nl, error.row, error.column.as_deref(), &error.problem),
            format!(
                "rij 1, kolom 'Afdeling': de kopregel lijkt op de sjabloon van het Microsoft \
                 365-beheercentrum, maar de kolom 'Afdeling' staat niet in de sjabloon van het \
                 Microsoft 365-beheercentrum (die heeft de kolommen {})",
                new_users::Template::AdminCenter
                    .labels()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
}
