//! Files of changes to existing users, one [`Operation`] per file: a user column naming each
//! row's user, and the operation's columns. [`parse`] turns a file into one bulk-job row (JSON,
//! as `/roster/v1/jobs/{kind}` takes it) or one [`RowError`] per record.
//!
//! Files are read as [`crate::new_users`] reads files of new users: UTF-8 with or without a
//! byte-order mark (anything else refused, naming the row and byte), comma, semicolon or tab
//! detected from the header, rows numbered by the line on which their record starts, empty
//! lines skipped, values trimmed, lengths counted in characters with Graph's limits, line
//! breaks only in an address, `;` between the values of a list, phones and mail addresses
//! checked, the quote that roster's export puts before a formula taken off in a column headed
//! as the export heads it ([`crate::cell`]). Decisions of its own:
//!
//! - Columns: each has a few names, compared trimmed and case-insensitively: the admin
//!   center's label (`Mobile Phone`) and Graph's property (`mobilePhone`). A column that is not
//!   the operation's is refused (a misspelt column would otherwise change nothing, silently).
//! - The user: a column `User Name`, `userPrincipalName`, `User principal name`, `UPN` or
//!   `user` (a user principal name or an object id), or `Object ID` or `id` (an object id). A
//!   file may have one of each; the id then names the user when the row gives one, and in an
//!   [`Operation::Update`] the user principal name column renames that user. This is what
//!   roster's export holds (`userPrincipalName` and `id`), so an export edited in a spreadsheet
//!   is an update file.
//! - An empty cell leaves the property as it is; [`CLEAR`] empties it. Only the manager column
//!   of [`Operation::SetManager`] reads an empty cell as "none", since setting the manager is
//!   all that file does.
//! - A user named on two rows (by principal name, compared case-insensitively, or by id) makes
//!   the file as a whole wrong, naming both rows: what the file means would depend on the order
//!   in which the rows are applied.
//! - License and group columns hold names (`SPE_E3`, `Sales Team`) or ids, separated by `;`;
//!   they are resolved to ids by whoever submits the job, since that needs the directory.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

pub mod columns;

use crate::cell;
use crate::new_users::{self, MAX_LIST_ITEMS};
use crate::problem::{CsvProblem, FileError, HeaderProblem, Holds, Names, RowError, excerpt};
use crate::records::{Delimiter, Lines, Records};
pub use columns::{CLEAR, ColumnDef, ID_COLUMN_NAMES, Operation, USER_COLUMN_NAMES};
use columns::{Kind, Need};
use roster_core::types::{DomainName, ObjectId, Problem, UsageLocation, UserPrincipalName};

/// What a column of the file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Names the user by principal name or id.
    User,
    /// Names the user by id.
    UserId,
    Property(&'static ColumnDef),
    /// A column without a header: ignored, but a value in it is a row error.
    Blank,
}

/// One column of the file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header cell as the file writes it, trimmed.
    pub name: String,
    role: Role,
    /// Headed exactly as roster's export heads it: its cells may carry [`crate::cell`]'s quote.
    written_by_roster: bool,
}

impl Column {
    /// A cell as its writer meant it: trimmed (but a password as it is), and without the quote
    /// roster's export puts before a formula.
    fn value<'a>(&self, raw: &'a str) -> &'a str {
        if matches!(self.role, Role::Property(def) if def.kind == Kind::Password) {
            return raw;
        }
        if self.written_by_roster {
            cell::restore(raw.trim())
        } else {
            raw.trim()
        }
    }
}

/// One row of changes: whom it is about, and the job's row.
#[derive(Debug, Clone, PartialEq)]
pub struct EditRow {
    /// The line of the file on which the record starts (1-based).
    pub row: usize,
    /// The user as the file names them: the user principal name if the row has one, else the id.
    pub user: String,
    /// The job's row: `user` (principal name or id), then each property the row sets, `null`
    /// (or `[]` for a list) to empty it. License and group columns hold names, not yet ids.
    pub job_row: Map<String, Json>,
}

/// A file read: its columns and one outcome per record, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct EditFile {
    pub operation: Operation,
    pub delimiter: Delimiter,
    pub header_row: usize,
    pub columns: Vec<Column>,
    pub rows: Vec<Result<EditRow, RowError>>,
}

impl EditFile {
    /// The header of the column that holds `property` of the job's row (`user` for the user),
    /// to name the column when the server reports a problem with it.
    pub fn column_of(&self, property: &str) -> Option<&str> {
        let find = |wanted: &dyn Fn(Role) -> bool| {
            self.columns
                .iter()
                .find(|column| wanted(column.role))
                .map(|column| column.name.as_str())
        };
        find(&|role| matches!(role, Role::Property(def) if def.property == property)).or_else(
            || match property {
                "user" => find(&|role| role == Role::User).or_else(|| find(&|r| r == Role::UserId)),
                "userPrincipalName" if self.operation == Operation::Update => {
                    find(&|role| role == Role::User)
                }
                _ => None,
            },
        )
    }
}

/// Reads a file of changes for `operation`. `given` names the properties that the submitter
/// gives for every row (a domain, licenses, groups): their columns may then be left out, and
/// their cells empty.
pub fn parse(operation: Operation, bytes: &[u8], given: &[&str]) -> Result<EditFile, FileError> {
    let text = crate::records::decode(bytes)?;
    let (delimiter, header_row, cells) = read_header(operation, text)?;
    let columns = header_columns(operation, header_row, &cells, given)?;
    let mut reader = RowReader {
        operation,
        columns: &columns,
        given,
        user_index: columns.iter().position(|c| c.role == Role::User),
        id_index: columns.iter().position(|c| c.role == Role::UserId),
        first_row_of: HashMap::new(),
    };
    let mut records = Records::new(text, delimiter);
    records.skip(1)?;
    let mut rows = Vec::new();
    while let Some(lines) = records.next_record()? {
        rows.push(reader.read(&records.record, lines)?);
    }
    Ok(EditFile {
        operation,
        delimiter,
        header_row,
        columns,
        rows,
    })
}

fn role_of(operation: Operation, cell: &str) -> Option<Role> {
    let cell = cell.trim();
    let named = |names: &[&str]| names.iter().any(|name| name.eq_ignore_ascii_case(cell));
    if named(USER_COLUMN_NAMES) {
        return Some(Role::User);
    }
    if named(ID_COLUMN_NAMES) {
        return Some(Role::UserId);
    }
    operation
        .columns()
        .iter()
        .find(|def| named(def.names))
        .map(|def| Role::Property(def))
}

/// The delimiter that recognises most header cells (comma on a tie), the header's row and cells.
fn read_header(
    operation: Operation,
    text: &str,
) -> Result<(Delimiter, usize, Vec<String>), FileError> {
    let mut best: Option<(usize, Delimiter)> = None;
    let mut widest: Option<(usize, Delimiter)> = None;
    for delimiter in Delimiter::ALL {
        let mut records = Records::new(text, delimiter);
        if records.next_record()?.is_none() {
            return Err(FileError::new(None, CsvProblem::Empty));
        }
        let score = records
            .record
            .iter()
            .filter(|cell| role_of(operation, cell).is_some())
            .count();
        if score > best.map_or(0, |(best_score, _)| best_score) {
            best = Some((score, delimiter));
        }
        let n_cells = records.record.len();
        if widest.is_none_or(|(widest_cells, _)| n_cells > widest_cells) {
            widest = Some((n_cells, delimiter));
        }
    }
    let delimiter = best
        .or(widest)
        .map(|(_, delimiter)| delimiter)
        .unwrap_or(Delimiter::Comma);
    let mut records = Records::new(text, delimiter);
    let lines = records.next_record()?.expect("read above");
    let cells: Vec<String> = records
        .record
        .iter()
        .map(|cell| cell.trim().to_string())
        .collect();
    if best.is_none() {
        return Err(FileError::new(
            Some(lines.first),
            CsvProblem::NoEditColumns {
                operation,
                found: Names::new(cells.iter().map(String::as_str), cells.len()),
            },
        ));
    }
    Ok((delimiter, lines.first, cells))
}

/// Maps the header's cells to columns, refusing unknown, repeated and missing columns.
fn header_columns(
    operation: Operation,
    header_row: usize,
    cells: &[String],
    given: &[&str],
) -> Result<Vec<Column>, FileError> {
    let mut columns = Vec::with_capacity(cells.len());
    let mut unknown = Vec::new();
    let mut problems = Vec::new();
    let mut first_index: HashMap<Holds, usize> = HashMap::new();
    for (index, cell) in cells.iter().enumerate() {
        let role = if cell.is_empty() {
            Role::Blank
        } else if let Some(role) = role_of(operation, cell) {
            role
        } else {
            unknown.push(index);
            Role::Blank
        };
        let holds = match role {
            Role::User => Some(Holds::User),
            Role::UserId => Some(Holds::UserId),
            Role::Property(def) => Some(Holds::Property(def.property)),
            Role::Blank => None,
        };
        if let Some(holds) = holds
            && let Some(first) = first_index.insert(holds, index)
        {
            problems.push(HeaderProblem::SameField {
                first: (first, excerpt(&cells[first]).into_owned()),
                second: (index, excerpt(cell).into_owned()),
                holds,
            });
        }
        columns.push(Column {
            name: cell.clone(),
            role,
            written_by_roster: new_users::columns::is_roster_column(cell),
        });
    }
    let has = |role: Role| columns.iter().any(|column| column.role == role);
    if !has(Role::User) && !has(Role::UserId) {
        problems.insert(0, HeaderProblem::NoUserColumn);
    }
    for def in operation.columns() {
        if has(Role::Property(def)) {
            continue;
        }
        match def.need {
            Need::Column | Need::Value => {
                problems.push(HeaderProblem::Missing(Names::new(
                    std::iter::once(def.label()),
                    1,
                )));
            }
            Need::ValueOrFlag(flag) if !given.contains(&def.property) => {
                problems.push(HeaderProblem::MissingOrFlag {
                    column: def.label(),
                    flag,
                })
            }
            Need::ValueOrFlag(_) | Need::Optional => {}
        }
    }
    if operation.needs_a_property()
        && !columns
            .iter()
            .any(|column| matches!(column.role, Role::Property(_)))
        && !(operation == Operation::Update && has(Role::User) && has(Role::UserId))
    {
        problems.push(HeaderProblem::NothingToChange(operation));
    }
    if !unknown.is_empty() {
        problems.push(HeaderProblem::NotRead {
            names: Names::new(
                unknown.iter().map(|index| cells[*index].as_str()),
                unknown.len(),
            ),
            operation,
        });
    }
    if problems.is_empty() {
        return Ok(columns);
    }
    Err(FileError {
        row: Some(header_row),
        column: unknown.first().map(|index| cells[*index].clone()),
        problem: CsvProblem::Header {
            template: None,
            problems,
        },
    })
}

struct RowReader<'a> {
    operation: Operation,
    columns: &'a [Column],
    given: &'a [&'a str],
    user_index: Option<usize>,
    id_index: Option<usize>,
    /// Users seen so far, by folded principal name or id, with their rows.
    first_row_of: HashMap<String, usize>,
}

/// A problem with a row: the column's index, and what is wrong.
type CellError = (Option<usize>, CsvProblem);

/// Whom a row is about, as the file names them, and the job's row begun with them.
type RowUser = Result<(String, Map<String, Json>), CellError>;

impl RowReader<'_> {
    /// One record: a row or its error; or, for a user named twice, the file's error.
    fn read(
        &mut self,
        record: &csv::StringRecord,
        lines: Lines,
    ) -> Result<Result<EditRow, RowError>, FileError> {
        let label = self.user_label(record);
        let n_columns = self.columns.len();
        let has_extra_values = record
            .iter()
            .skip(n_columns)
            .any(|field| !field.trim().is_empty());
        let result = if record.len() < n_columns || has_extra_values {
            Err((
                None,
                CsvProblem::FieldCount {
                    found: record.len(),
                    expected: n_columns,
                    lines: lines.spanned(),
                },
            ))
        } else {
            match self.read_user(record, lines)? {
                Ok((user, job_row)) => {
                    self.read_properties(record, lines, job_row)
                        .map(|job_row| EditRow {
                            row: lines.first,
                            user,
                            job_row,
                        })
                }
                Err(error) => Err(error),
            }
        };
        Ok(result.map_err(|(index, problem)| RowError {
            row: lines.first,
            column: index.map(|index| self.column_label(index)),
            user_principal_name: label,
            problem,
        }))
    }

    fn column_label(&self, index: usize) -> String {
        new_users::column_label(&self.columns[index].name, index)
    }

    /// The user as written, for a results file: the principal name (else the id) if it is of a
    /// sensible length.
    fn user_label(&self, record: &csv::StringRecord) -> Option<String> {
        [self.user_index, self.id_index]
            .into_iter()
            .flatten()
            .filter_map(|index| Some(self.columns[index].value(record.get(index)?)))
            .find(|cell| !cell.is_empty() && cell.chars().count() <= UserPrincipalName::MAX_LEN)
            .map(str::to_string)
    }

    /// Whom the row is about (the job row's `user`, and for an update by id a new principal
    /// name); a user seen on an earlier row is the file's error.
    fn read_user(
        &mut self,
        record: &csv::StringRecord,
        lines: Lines,
    ) -> Result<RowUser, FileError> {
        let cell = |index: Option<usize>| {
            index
                .and_then(|index| Some(self.columns[index].value(record.get(index)?)))
                .filter(|cell| !cell.is_empty())
        };
        let too_long = |index: usize, text: &str| {
            let length = text.chars().count();
            (length > UserPrincipalName::MAX_LEN).then_some((
                Some(index),
                CsvProblem::TooLong {
                    length,
                    limit: UserPrincipalName::MAX_LEN,
                },
            ))
        };
        // Each name the row gives, checked: (column, folded key, text).
        let mut names: Vec<(usize, String, String)> = Vec::new();
        if let (Some(index), Some(text)) = (self.id_index, cell(self.id_index)) {
            if let Some(error) = too_long(index, text) {
                return Ok(Err(error));
            }
            match ObjectId::parse(text) {
                Ok(id) => names.push((index, id.to_string(), id.to_string())),
                Err(error) => return Ok(Err((Some(index), CsvProblem::Invalid(error.reason)))),
            }
        }
        if let (Some(index), Some(text)) = (self.user_index, cell(self.user_index)) {
            if let Some(error) = too_long(index, text) {
                return Ok(Err(error));
            }
            let by_id = names.is_empty();
            match (ObjectId::parse(text), UserPrincipalName::parse(text)) {
                (Ok(id), _) if by_id => names.push((index, id.to_string(), id.to_string())),
                (_, Ok(upn)) => names.push((index, upn.key(), upn.to_string())),
                (Ok(_), Err(_)) => {
                    return Ok(Err((
                        Some(index),
                        CsvProblem::IdInNameColumn {
                            text: text.to_string(),
                            id_column: self
                                .column_label(self.id_index.expect("the id names the user")),
                        },
                    )));
                }
                (Err(_), Err(error)) => {
                    let problem = if by_id {
                        CsvProblem::NotUserOrId(error.reason)
                    } else {
                        CsvProblem::Invalid(error.reason)
                    };
                    return Ok(Err((Some(index), problem)));
                }
            }
        }
        let Some((_, _, key_text)) = names.first().cloned() else {
            let index = self.user_index.or(self.id_index);
            return Ok(Err((index, CsvProblem::NoUser)));
        };
        for (index, key, text) in &names {
            if let Some(&first_row) = self.first_row_of.get(key) {
                return Err(FileError {
                    row: Some(lines.first),
                    column: Some(self.column_label(*index)),
                    problem: CsvProblem::DuplicateUser {
                        text: excerpt(text).into_owned(),
                        first_row,
                    },
                });
            }
        }
        for (_, key, _) in &names {
            self.first_row_of.insert(key.clone(), lines.first);
        }
        let mut job_row = Map::new();
        job_row.insert("user".into(), key_text.clone().into());
        // Named by id, a principal name in the row is the user's new one (in an update).
        if let (Operation::Update, [_, (_, _, new_name)]) = (self.operation, names.as_slice()) {
            job_row.insert("userPrincipalName".into(), new_name.clone().into());
        }
        let label = names.last().map(|(_, _, text)| text.clone());
        Ok(Ok((label.unwrap_or(key_text), job_row)))
    }

    fn read_properties(
        &self,
        record: &csv::StringRecord,
        lines: Lines,
        mut job_row: Map<String, Json>,
    ) -> Result<Map<String, Json>, CellError> {
        for (index, column) in self.columns.iter().enumerate() {
            let def = match column.role {
                Role::Property(def) => def,
                Role::Blank => {
                    if !record[index].trim().is_empty() {
                        return Err((Some(index), CsvProblem::IgnoredValue));
                    }
                    continue;
                }
                Role::User | Role::UserId => continue,
            };
            let given = self.given.contains(&def.property);
            if let Some(value) = cell_value(def, column.value(&record[index]), lines, given)
                .map_err(|m| (Some(index), m))?
            {
                job_row.insert(def.property.into(), value);
            }
        }
        Ok(job_row)
    }
}

/// A cell's value ([`Column::value`]) for the job's row; `None` leaves the property out.
fn cell_value(
    def: &ColumnDef,
    value: &str,
    lines: Lines,
    given: bool,
) -> Result<Option<Json>, CsvProblem> {
    if value.trim().is_empty() {
        return match def.need {
            Need::Column => Ok(Some(Json::Null)),
            Need::Value => Err(CsvProblem::Required),
            Need::ValueOrFlag(flag) if !given => Err(CsvProblem::RequiredOrFlag(flag)),
            Need::ValueOrFlag(_) | Need::Optional => Ok(None),
        };
    }
    if value.trim().eq_ignore_ascii_case(CLEAR) {
        if !def.clearable {
            return Err(CsvProblem::NotClearable);
        }
        return Ok(Some(if def.kind.is_list() {
            Json::Array(Vec::new())
        } else {
            Json::Null
        }));
    }
    // Lists are limited per value; the whole cell only to what the values could fill.
    let cell_limit = if def.kind.is_list() {
        (def.max_len + 1) * MAX_LIST_ITEMS
    } else {
        def.max_len
    };
    let too_long = |length: usize| CsvProblem::TooLong {
        length,
        limit: def.max_len,
    };
    let n_chars = value.chars().filter(|c| *c != '\r').count();
    if n_chars > cell_limit {
        return Err(too_long(n_chars));
    }
    if def.kind != Kind::MultilineText && value.contains(['\n', '\r']) {
        return Err(CsvProblem::LineBreak {
            lines: lines.spanned(),
        });
    }
    let list = || -> Result<Vec<&str>, CsvProblem> {
        let items: Vec<&str> = value
            .split(';')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect();
        if items.len() > MAX_LIST_ITEMS {
            return Err(CsvProblem::TooManyValues(items.len()));
        }
        if let Some(item) = items.iter().find(|item| item.chars().count() > def.max_len) {
            return Err(too_long(item.chars().count()));
        }
        Ok(items)
    };
    let strings = |items: Vec<String>| Json::Array(items.into_iter().map(Json::String).collect());
    let json = match def.kind {
        Kind::Text | Kind::Password => Json::String(value.to_string()),
        Kind::MultilineText => Json::String(value.replace("\r\n", "\n")),
        Kind::Phone => {
            new_users::check_phone(value)?;
            Json::String(value.to_string())
        }
        Kind::Email => {
            new_users::check_email(value)?;
            Json::String(value.to_string())
        }
        Kind::PhoneList | Kind::EmailList => {
            let items = list()?;
            for item in &items {
                if def.kind == Kind::PhoneList {
                    new_users::check_phone(item)?;
                } else {
                    new_users::check_email(item)?;
                }
            }
            strings(items.into_iter().map(str::to_string).collect())
        }
        Kind::Choice(choices) => Json::String(choose(choices, value)?),
        Kind::ChoiceList(choices) => strings(
            list()?
                .into_iter()
                .map(|item| choose(choices, item))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Names => strings(list()?.into_iter().map(str::to_string).collect()),
        Kind::UsageLocation => Json::String(
            UsageLocation::parse(value)
                .map_err(|error| CsvProblem::Invalid(error.reason))?
                .to_string(),
        ),
        Kind::Bool => match value.to_ascii_lowercase().as_str() {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            _ => return Err(CsvProblem::NotTrueFalse(value.to_string())),
        },
        Kind::UserPrincipalName => Json::String(
            UserPrincipalName::parse(value)
                .map_err(|error| CsvProblem::Invalid(error.reason))?
                .to_string(),
        ),
        Kind::User => {
            if let Ok(id) = ObjectId::parse(value) {
                Json::String(id.to_string())
            } else {
                let upn = UserPrincipalName::parse(value)
                    .map_err(|error| CsvProblem::NotUserOrId(error.reason))?;
                Json::String(upn.to_string())
            }
        }
        Kind::Domain => Json::String(
            DomainName::parse(value)
                .map_err(|error| CsvProblem::Invalid(error.reason))?
                .to_string(),
        ),
    };
    Ok(Some(json))
}

/// The choice `text` names, ignoring case, as the server stores it.
fn choose(choices: &'static [&'static str], text: &str) -> Result<String, CsvProblem> {
    choices
        .iter()
        .find(|choice| choice.eq_ignore_ascii_case(text))
        .map(|choice| choice.to_string())
        .ok_or_else(|| CsvProblem::Invalid(Problem::NotOneOf(text.to_string(), choices)))
}

#[cfg(test)]
mod tests;
