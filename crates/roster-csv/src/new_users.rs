//! Users as CSV: the Microsoft 365 admin center's "Add multiple users" template, the Entra admin
//! center's "Bulk create" template, and roster's own export format.
//!
//! [`parse`] turns the bytes of a file into one [`UserRow`] or [`RowError`] per record, so that
//! one bad row never stops the others; only a problem with the file as a whole (its encoding or
//! its header) is a [`FileError`]. [`write_roster_csv`] writes roster's export format, which
//! [`parse`] reads back unchanged, so that an export can be edited and re-imported as an update.
//!
//! Decisions, made for files that administrators edit by hand or in Excel:
//!
//! - Encoding: UTF-8, with or without a byte-order mark. UTF-16 (Excel's "Unicode Text") and any
//!   other encoding are refused, naming the row and byte offset of the first bad byte: guessing
//!   Windows-1252 would silently mangle names. A NUL character anywhere refuses the file,
//!   naming its row: no value roster keeps can hold one.
//! - Delimiter: comma, semicolon or tab, detected from the header (the delimiter that makes the
//!   header recognisable, comma on a tie). Excel saves "CSV" with `;` wherever the decimal
//!   separator is a comma (Dutch, German, French locales); refusing those files would only make
//!   the administrator edit them by hand. [`Parsed::delimiter`] says which one was used.
//! - Columns are found by name, trimmed and compared case-insensitively, in any order, and
//!   optional columns may be left out. Unknown columns are refused for the admin center template
//!   and roster's format, because a misspelt column would otherwise be dropped without a word.
//!   The Entra template names each column by the property in brackets (`User name
//!   [userPrincipalName] Required`), which is all that counts; columns without a known property
//!   are ignored, as Entra ignores them. A column with an empty header (Excel leaves such
//!   columns behind) is ignored, but a value in it is a row error.
//! - Entra's first line `version:v1.0` is expected but may be missing; another version is refused.
//!   Roster lets an Entra row leave the password (roster generates one) and "Block sign in"
//!   (sign-in is allowed) empty, where Entra would refuse the row.
//! - Rows: empty lines and lines of only delimiters are skipped. A row's number is the line on
//!   which its record starts, so a quoted field that spans lines does not shift the numbers.
//!   A record with more fields than the header is accepted when the extra fields are empty
//!   (Excel pads rows so); a record with fewer is an error. Line breaks are accepted only in the
//!   street address: anywhere else they mean a quote was left open, and the error says over
//!   which lines the record ran.
//! - Values are trimmed and an empty cell is `None`; a password is taken exactly as written.
//!   roster's export writes a cell that a spreadsheet would read as a formula with a `'` before
//!   it ([`crate::cell`]); in a column headed exactly as the export heads it, one such `'`
//!   is taken off again, so `'+31 20 123` reads as `+31 20 123`.
//!   Office phones (`businessPhones`) and alternate email addresses (`otherMails`) may hold
//!   several values separated by `;`, in every template, as roster's export writes them.
//! - A refused row reports one problem: its user principal name's first, then the columns'
//!   from left to right.
//! - Duplicates: a user principal name (compared case-insensitively) or an id seen on an earlier
//!   row makes the later row an error naming the earlier one, even if the earlier row failed
//!   for another reason, so that fixing it cannot create a clash on the next run.
//! - Lengths are counted in characters: the admin center's own limits for its template
//!   (DESIGN.md), Graph's ([`roster_core::attributes::USER_ATTRIBUTES`]) for the other two.
//! - Size: no limit on rows or on the file (the admin center's 249 users is not roster's); the
//!   layer that receives an upload bounds its size.
//! - Memory: beyond the input and the rows read, one record at a time. A value over its limit is reported by its
//!   length and never copied, and no error message quotes more than a few dozen characters.
//!
//! Files of changes to existing users ([`crate::edits`]) are read with the same decoding,
//! records, line numbers and checks of phones and addresses.
//!
//! A little past 800 lines, most of them this documentation and `RowReader`'s checks of each
//! column, which read best beside the decisions above; the templates' columns are in
//! [`columns`], the reading of records in [`crate::records`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

pub mod columns;

use crate::cell;
pub use crate::problem::{
    CsvProblem, EmailFault, FileError, HeaderProblem, Holds, Names, RowError, column_letter,
    excerpt,
};
pub use crate::records::Delimiter;
use crate::records::UTF8_BOM;
use crate::records::{Lines, Records, decode, find_version_line};
pub use columns::{Column, Field, MAX_LIST_ITEMS, ROSTER_COLUMNS, Template};
use columns::{ROSTER_TABLE, is_roster_column};
use roster_core::types::{DomainName, ObjectId, UsageLocation, UserPrincipalName};

/// One user, read from one record. Values are trimmed; an empty cell is `None` (or an empty
/// list), so `Some("")` never occurs.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    /// The line of the file on which this record starts (1-based).
    pub row: usize,
    pub user_principal_name: UserPrincipalName,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub business_phones: Vec<String>,
    pub mobile_phone: Option<String>,
    pub fax_number: Option<String>,
    /// The admin center's "Alternate email address".
    pub other_mails: Vec<String>,
    pub street_address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub usage_location: Option<UsageLocation>,
    /// Entra's "Initial password", exactly as written.
    pub password: Option<String>,
    /// For Entra, the inverse of "Block sign in".
    pub account_enabled: Option<bool>,
    pub id: Option<ObjectId>,
}

impl UserRow {
    /// A user as roster's export format holds it, from its properties by their Graph names
    /// (`text`: a text property, with `id`, `displayName` and `usageLocation`; `list`: a list
    /// property): one mapping for every front-end that exports (the CLI from Graph's JSON, the
    /// admin center from the directory's users).
    pub fn exported(
        row: usize,
        user_principal_name: UserPrincipalName,
        text: &dyn Fn(&str) -> Option<String>,
        list: &dyn Fn(&str) -> Vec<String>,
        account_enabled: Option<bool>,
    ) -> UserRow {
        let mut out = UserRow::new(row, user_principal_name);
        out.display_name = text("displayName");
        out.given_name = text("givenName");
        out.surname = text("surname");
        out.job_title = text("jobTitle");
        out.department = text("department");
        out.office_location = text("officeLocation");
        out.business_phones = list("businessPhones");
        out.mobile_phone = text("mobilePhone");
        out.fax_number = text("faxNumber");
        out.other_mails = list("otherMails");
        out.street_address = text("streetAddress");
        out.city = text("city");
        out.state = text("state");
        out.postal_code = text("postalCode");
        out.country = text("country");
        out.usage_location =
            text("usageLocation").and_then(|code| UsageLocation::parse(&code).ok());
        out.account_enabled = account_enabled;
        out.id = text("id").and_then(|id| ObjectId::parse(&id).ok());
        out
    }

    /// A row with only a user principal name.
    pub fn new(row: usize, user_principal_name: UserPrincipalName) -> Self {
        UserRow {
            row,
            user_principal_name,
            display_name: None,
            given_name: None,
            surname: None,
            job_title: None,
            department: None,
            office_location: None,
            business_phones: Vec::new(),
            mobile_phone: None,
            fax_number: None,
            other_mails: Vec::new(),
            street_address: None,
            city: None,
            state: None,
            postal_code: None,
            country: None,
            usage_location: None,
            password: None,
            account_enabled: None,
            id: None,
        }
    }

    /// A property as a CSV cell would hold it (lists joined by `;`), or `None` when unset.
    pub fn value(&self, field: Field) -> Option<Cow<'_, str>> {
        fn text(value: &Option<String>) -> Option<Cow<'_, str>> {
            value.as_deref().map(Cow::Borrowed)
        }
        fn list(values: &[String]) -> Option<Cow<'_, str>> {
            (!values.is_empty()).then(|| values.join(";").into())
        }
        match field {
            Field::UserPrincipalName => Some(self.user_principal_name.as_ref().into()),
            Field::DisplayName => text(&self.display_name),
            Field::GivenName => text(&self.given_name),
            Field::Surname => text(&self.surname),
            Field::JobTitle => text(&self.job_title),
            Field::Department => text(&self.department),
            Field::OfficeLocation => text(&self.office_location),
            Field::BusinessPhones => list(&self.business_phones),
            Field::MobilePhone => text(&self.mobile_phone),
            Field::FaxNumber => text(&self.fax_number),
            Field::OtherMails => list(&self.other_mails),
            Field::StreetAddress => text(&self.street_address),
            Field::City => text(&self.city),
            Field::State => text(&self.state),
            Field::PostalCode => text(&self.postal_code),
            Field::Country => text(&self.country),
            Field::UsageLocation => self
                .usage_location
                .map(|code| code.as_str().to_owned().into()),
            Field::Password => text(&self.password),
            Field::AccountEnabled => self
                .account_enabled
                .map(|enabled| if enabled { "true" } else { "false" }.into()),
            Field::Id => self.id.map(|id| id.to_string().into()),
        }
    }
}

/// Spells out every field but the password, so that a row can be logged.
impl fmt::Debug for UserRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRow")
            .field("row", &self.row)
            .field("user_principal_name", &self.user_principal_name.as_ref())
            .field("display_name", &self.display_name)
            .field("given_name", &self.given_name)
            .field("surname", &self.surname)
            .field("job_title", &self.job_title)
            .field("department", &self.department)
            .field("office_location", &self.office_location)
            .field("business_phones", &self.business_phones)
            .field("mobile_phone", &self.mobile_phone)
            .field("fax_number", &self.fax_number)
            .field("other_mails", &self.other_mails)
            .field("street_address", &self.street_address)
            .field("city", &self.city)
            .field("state", &self.state)
            .field("postal_code", &self.postal_code)
            .field("country", &self.country)
            .field("usage_location", &self.usage_location)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("account_enabled", &self.account_enabled)
            .field("id", &self.id)
            .finish()
    }
}

/// A file read: its kind, its columns, and one outcome per record in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub template: Template,
    pub delimiter: Delimiter,
    /// The line of the header.
    pub header_row: usize,
    pub columns: Vec<Column>,
    pub rows: Vec<Result<UserRow, RowError>>,
}

impl Parsed {
    /// The column that holds `field`, if the file has one: an update must tell a column that
    /// is absent (leave the property alone) from an empty cell.
    pub fn column(&self, field: Field) -> Option<&Column> {
        self.columns
            .iter()
            .find(|column| column.field == Some(field))
    }
}

/// Reads a CSV file of users. See the module's documentation for what is accepted.
pub fn parse(bytes: &[u8]) -> Result<Parsed, FileError> {
    let text = decode(bytes)?;
    let version_row = find_version_line(text)?;
    let skip = usize::from(version_row.is_some());

    let header = recognise_header(text, skip, version_row)?;
    let columns = header_columns(&header)?;

    let mut reader = RowReader {
        template: header.template,
        columns: &columns,
        upn_index: columns
            .iter()
            .position(|column| column.field == Some(Field::UserPrincipalName))
            .expect("a required column"),
        first_row_of_upn: HashMap::new(),
        first_row_of_id: HashMap::new(),
    };
    let mut records = Records::new(text, header.delimiter);
    records.skip(skip + 1)?;
    let mut rows = Vec::new();
    while let Some(lines) = records.next_record()? {
        rows.push(reader.read(&records.record, lines));
    }
    Ok(Parsed {
        template: header.template,
        delimiter: header.delimiter,
        header_row: header.row,
        columns,
        rows,
    })
}

struct Header {
    template: Template,
    delimiter: Delimiter,
    row: usize,
    cells: Vec<String>,
}

/// Reads the header with each delimiter and keeps the reading that recognises most columns.
/// Only counts are kept while trying, so that a huge header is copied once.
fn recognise_header(
    text: &str,
    skip: usize,
    version_row: Option<usize>,
) -> Result<Header, FileError> {
    let templates: &[Template] = if version_row.is_some() {
        &[Template::EntraBulkCreate]
    } else {
        &[
            Template::EntraBulkCreate,
            Template::AdminCenter,
            Template::Roster,
        ]
    };
    let mut best: Option<(usize, Template, Delimiter)> = None;
    // The reading with the most cells, to show what was found if nothing is recognised.
    let mut widest: Option<(usize, Delimiter)> = None;
    for delimiter in Delimiter::ALL {
        let mut records = Records::new(text, delimiter);
        records.skip(skip)?;
        if records.next_record()?.is_none() {
            let problem = match version_row {
                Some(_) => CsvProblem::NoHeaderAfterVersion,
                None => CsvProblem::Empty,
            };
            return Err(FileError::new(version_row, problem));
        }
        for &template in templates {
            let score = records
                .record
                .iter()
                .filter(|cell| template.find_column(cell).is_some())
                .count();
            if score > best.map_or(0, |(best_score, _, _)| best_score) {
                best = Some((score, template, delimiter));
            }
        }
        let n_cells = records.record.len();
        if widest.is_none_or(|(widest_cells, _)| n_cells > widest_cells) {
            widest = Some((n_cells, delimiter));
        }
    }
    let (template, delimiter) = match (best, widest) {
        (Some((_, template, delimiter)), _) => (template, delimiter),
        // The template is not used: the header is only quoted.
        (None, Some((_, delimiter))) => (Template::AdminCenter, delimiter),
        (None, None) => unreachable!("Delimiter::ALL is not empty"),
    };
    let mut records = Records::new(text, delimiter);
    records.skip(skip)?;
    let lines = records.next_record()?.expect("read above");
    let header = Header {
        template,
        delimiter,
        row: lines.first,
        cells: records
            .record
            .iter()
            .map(|cell| cell.trim().to_string())
            .collect(),
    };
    match best {
        Some(_) => Ok(header),
        None => Err(unrecognised_header(&header, version_row.is_some())),
    }
}

fn unrecognised_header(found: &Header, after_version_line: bool) -> FileError {
    FileError::new(
        Some(found.row),
        CsvProblem::UnknownHeader {
            found: Names::new(found.cells.iter().map(String::as_str), found.cells.len()),
            after_version_line,
        },
    )
}

/// Maps the header's cells to fields, refusing missing, unknown and repeated columns.
fn header_columns(header: &Header) -> Result<Vec<Column>, FileError> {
    let template = header.template;
    let mut columns = Vec::with_capacity(header.cells.len());
    let mut unknown = Vec::new();
    let mut first_index: HashMap<Field, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (index, cell) in header.cells.iter().enumerate() {
        let spec = template.find_column(cell);
        if let Some(spec) = spec {
            if let Some(first) = first_index.insert(spec.field, index) {
                problems.push(HeaderProblem::SameField {
                    first: (first, excerpt(&header.cells[first]).into_owned()),
                    second: (index, excerpt(cell).into_owned()),
                    holds: Holds::Property(spec.field.graph_name()),
                });
            }
        } else if !cell.is_empty() && template != Template::EntraBulkCreate {
            unknown.push(index);
        }
        columns.push(Column {
            name: cell.clone(),
            field: spec.map(|spec| spec.field),
            max_len: spec.map_or(0, |spec| spec.max_len),
            written_by_roster: is_roster_column(cell),
        });
    }
    let missing: Vec<&str> = template
        .required_columns()
        .iter()
        .filter(|field| !first_index.contains_key(field))
        .map(|field| {
            let spec = template
                .columns()
                .iter()
                .find(|spec| spec.field == *field)
                .expect("every required field has a column");
            spec.label
        })
        .collect();
    if !missing.is_empty() {
        problems.insert(
            0,
            HeaderProblem::Missing(Names::new(missing.iter().copied(), missing.len())),
        );
    }
    if !unknown.is_empty() {
        problems.push(HeaderProblem::NotInTemplate {
            names: Names::new(
                unknown.iter().map(|index| header.cells[*index].as_str()),
                unknown.len(),
            ),
            template,
        });
    }
    if problems.is_empty() {
        return Ok(columns);
    }
    Err(FileError {
        row: Some(header.row),
        column: unknown.first().map(|index| header.cells[*index].clone()),
        problem: CsvProblem::Header {
            template: Some(template),
            problems,
        },
    })
}

struct RowReader<'a> {
    template: Template,
    columns: &'a [Column],
    upn_index: usize,
    first_row_of_upn: HashMap<String, usize>,
    first_row_of_id: HashMap<ObjectId, usize>,
}

impl RowReader<'_> {
    fn read(&mut self, record: &csv::StringRecord, lines: Lines) -> Result<UserRow, RowError> {
        let upn_column = &self.columns[self.upn_index];
        let upn_cell = upn_column.value(record.get(self.upn_index).unwrap_or("").trim());
        let written_upn = (!upn_cell.is_empty() && upn_cell.chars().count() <= upn_column.max_len)
            .then(|| upn_cell.to_string());
        self.read_fields(record, lines)
            .map_err(|(column, problem)| RowError {
                row: lines.first,
                column: column.map(|index| self.column_label(index)),
                user_principal_name: written_upn,
                problem,
            })
    }

    fn column_label(&self, index: usize) -> String {
        column_label(&self.columns[index].name, index)
    }

    /// Reads a record; an error names the column by its index.
    fn read_fields(
        &mut self,
        record: &csv::StringRecord,
        lines: Lines,
    ) -> Result<UserRow, (Option<usize>, CsvProblem)> {
        let n_columns = self.columns.len();
        let has_extra_values = record
            .iter()
            .skip(n_columns)
            .any(|field| !field.trim().is_empty());
        if record.len() < n_columns || has_extra_values {
            return Err((
                None,
                CsvProblem::FieldCount {
                    found: record.len(),
                    expected: n_columns,
                    lines: lines.spanned(),
                },
            ));
        }

        // The user principal name first: it names the row, and a duplicate is worth saying
        // before anything else.
        let upn_index = self.upn_index;
        let upn_text = self
            .cell(record, upn_index, lines)?
            .ok_or((Some(upn_index), CsvProblem::Required))?;
        let upn = UserPrincipalName::parse(&upn_text)
            .map_err(|error| (Some(upn_index), CsvProblem::Invalid(error.reason)))?;
        if let Some(&first_row) = self.first_row_of_upn.get(&upn.key()) {
            return Err((
                Some(upn_index),
                CsvProblem::DuplicateUser {
                    text: upn.to_string(),
                    first_row,
                },
            ));
        }
        self.first_row_of_upn.insert(upn.key(), lines.first);

        let mut user = UserRow::new(lines.first, upn);
        let columns = self.columns;
        for (index, column) in columns.iter().enumerate() {
            let Some(field) = column.field else {
                if column.name.is_empty() && !record[index].trim().is_empty() {
                    return Err((Some(index), CsvProblem::ValueWithoutHeader));
                }
                continue;
            };
            if field == Field::UserPrincipalName {
                continue;
            }
            let Some(value) = self.cell(record, index, lines)? else {
                if self.template.requires_value(field) {
                    return Err((Some(index), CsvProblem::Required));
                }
                continue;
            };
            self.assign(&mut user, field, value)
                .map_err(|message| (Some(index), message))?;
        }
        Ok(user)
    }

    /// A cell's value, trimmed, checked for length and line breaks; `None` if empty.
    fn cell(
        &self,
        record: &csv::StringRecord,
        index: usize,
        lines: Lines,
    ) -> Result<Option<String>, (Option<usize>, CsvProblem)> {
        let column = &self.columns[index];
        let field = column.field.expect("only read for known columns");
        let raw = &record[index];
        let value = if field == Field::Password {
            raw
        } else {
            column.value(raw.trim())
        };
        if value.trim().is_empty() {
            return Ok(None);
        }
        let too_long = |length: usize| {
            (
                Some(index),
                CsvProblem::TooLong {
                    length,
                    limit: column.max_len,
                },
            )
        };
        // Lists are limited per value; the whole cell only to what the values could fill.
        let cell_limit = if field.is_list() {
            (column.max_len + 1) * MAX_LIST_ITEMS
        } else {
            column.max_len
        };
        let n_chars = value.chars().filter(|c| *c != '\r').count();
        if n_chars > cell_limit {
            return Err(too_long(n_chars));
        }
        if field != Field::StreetAddress && value.contains(['\n', '\r']) {
            return Err((
                Some(index),
                CsvProblem::LineBreak {
                    lines: lines.spanned(),
                },
            ));
        }
        if field.is_list() {
            for item in value.split(';') {
                let n_chars = item.trim().chars().count();
                if n_chars > column.max_len {
                    return Err(too_long(n_chars));
                }
            }
        }
        Ok(Some(value.replace("\r\n", "\n")))
    }

    fn assign(
        &mut self,
        user: &mut UserRow,
        field: Field,
        value: String,
    ) -> Result<(), CsvProblem> {
        let slot = match field {
            Field::DisplayName => &mut user.display_name,
            Field::GivenName => &mut user.given_name,
            Field::Surname => &mut user.surname,
            Field::JobTitle => &mut user.job_title,
            Field::Department => &mut user.department,
            Field::OfficeLocation => &mut user.office_location,
            Field::StreetAddress => &mut user.street_address,
            Field::City => &mut user.city,
            Field::State => &mut user.state,
            Field::PostalCode => &mut user.postal_code,
            Field::Country => &mut user.country,
            Field::Password => &mut user.password,
            Field::MobilePhone | Field::FaxNumber => {
                check_phone(&value)?;
                if field == Field::MobilePhone {
                    &mut user.mobile_phone
                } else {
                    &mut user.fax_number
                }
            }
            Field::BusinessPhones | Field::OtherMails => {
                let items: Vec<String> = value
                    .split(';')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect();
                if items.len() > MAX_LIST_ITEMS {
                    return Err(CsvProblem::TooManyValues(items.len()));
                }
                for item in &items {
                    if field == Field::BusinessPhones {
                        check_phone(item)?;
                    } else {
                        check_email(item)?;
                    }
                }
                if field == Field::BusinessPhones {
                    user.business_phones = items;
                } else {
                    user.other_mails = items;
                }
                return Ok(());
            }
            Field::UsageLocation => {
                user.usage_location = Some(
                    UsageLocation::parse(&value)
                        .map_err(|error| CsvProblem::Invalid(error.reason))?,
                );
                return Ok(());
            }
            Field::AccountEnabled => {
                user.account_enabled = Some(parse_account_enabled(self.template, &value)?);
                return Ok(());
            }
            Field::Id => {
                let id =
                    ObjectId::parse(&value).map_err(|error| CsvProblem::Invalid(error.reason))?;
                if let Some(&first_row) = self.first_row_of_id.get(&id) {
                    return Err(CsvProblem::DuplicateId {
                        id: id.to_string(),
                        first_row,
                    });
                }
                self.first_row_of_id.insert(id, user.row);
                user.id = Some(id);
                return Ok(());
            }
            Field::UserPrincipalName => unreachable!("read before the other columns"),
        };
        *slot = Some(value);
        Ok(())
    }
}

fn parse_account_enabled(template: Template, text: &str) -> Result<bool, CsvProblem> {
    let text = text.trim();
    match template {
        // The column is "Block sign in (Yes/No)", the inverse of accountEnabled.
        Template::EntraBulkCreate => match text.to_ascii_lowercase().as_str() {
            "yes" => Ok(false),
            "no" => Ok(true),
            _ => Err(CsvProblem::NotYesNo(text.to_string())),
        },
        Template::AdminCenter | Template::Roster => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(CsvProblem::NotTrueFalse(text.to_string())),
        },
    }
}

/// Graph does not check phone numbers, but a letter or a stray symbol in one is a mistake in
/// the file, better caught before the user exists.
pub(crate) fn check_phone(text: &str) -> Result<(), CsvProblem> {
    let without_extension = text.to_ascii_lowercase().replace("ext", "");
    let bad = without_extension
        .chars()
        .find(|c| !(c.is_ascii_digit() || " +-()./x".contains(*c)));
    if bad.is_some() || !text.chars().any(|c| c.is_ascii_digit()) {
        return Err(CsvProblem::NotPhone {
            text: text.to_string(),
            bad,
        });
    }
    Ok(())
}

pub(crate) fn check_email(text: &str) -> Result<(), CsvProblem> {
    let invalid = |fault| {
        Err(CsvProblem::NotEmail {
            text: text.to_string(),
            fault,
        })
    };
    let Some((local, domain)) = text.rsplit_once('@') else {
        return invalid(EmailFault::NoAt);
    };
    if local.is_empty()
        || local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@,;<>()[]\\\"".contains(c))
    {
        return invalid(EmailFault::Local);
    }
    if DomainName::parse(domain).is_err() {
        return invalid(EmailFault::Domain);
    }
    Ok(())
}

/// Writes users in roster's export format: a UTF-8 byte-order mark (so that Excel reads the
/// accents right), the [`ROSTER_COLUMNS`] header, and one line per user, `\r\n`-terminated.
/// A cell that a spreadsheet would read as a formula is quoted ([`crate::cell`]), and [`parse`]
/// takes the quote off. Passwords are never written.
pub fn write_roster_csv(rows: &[UserRow]) -> String {
    const IN_MEMORY: &str = "writing CSV into memory cannot fail";
    let mut writer = cell::Writer::new(
        csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(UTF8_BOM.to_vec()),
    );
    writer.write_record(ROSTER_COLUMNS).expect(IN_MEMORY);
    for row in rows {
        let cells = ROSTER_TABLE
            .iter()
            .map(|spec| row.value(spec.field).unwrap_or_default());
        writer
            .write_record(cells.map(|cell| cell.into_owned()))
            .expect(IN_MEMORY);
    }
    let bytes = writer.into_inner().expect(IN_MEMORY);
    String::from_utf8(bytes).expect("the csv writer writes back the UTF-8 it is given")
}

/// How an error names a column: by its header, or by its letter when the header is empty.
pub(crate) fn column_label(name: &str, index: usize) -> String {
    if name.is_empty() {
        format!("column {}", column_letter(index))
    } else {
        name.to_string()
    }
}

/// A Graph user-create body from a CSV row, with the file's password unless `passwords` says
/// to generate them all; as JSON text, written straight from the row.
pub fn create_body(row: &UserRow, passwords: Passwords) -> Box<serde_json::value::RawValue> {
    let display_name = match (&row.display_name, &row.given_name, &row.surname) {
        (Some(name), _, _) => name.clone(),
        (None, Some(given), Some(surname)) => format!("{given} {surname}"),
        _ => row.user_principal_name.alias().to_string(),
    };
    let password_profile = match (&row.password, passwords) {
        (Some(password), Passwords::FromFile { force_change }) => Some(PasswordProfile {
            password,
            force_change_password_next_sign_in: force_change,
        }),
        // roster generates one, shown once in the results, which must be changed at first sign-in.
        (None, _) | (_, Passwords::Generate) => None,
    };
    let body = CreateBody {
        user_principal_name: row.user_principal_name.as_ref(),
        display_name: &display_name,
        given_name: row.given_name.as_deref(),
        surname: row.surname.as_deref(),
        job_title: row.job_title.as_deref(),
        department: row.department.as_deref(),
        office_location: row.office_location.as_deref(),
        mobile_phone: row.mobile_phone.as_deref(),
        fax_number: row.fax_number.as_deref(),
        street_address: row.street_address.as_deref(),
        city: row.city.as_deref(),
        state: row.state.as_deref(),
        postal_code: row.postal_code.as_deref(),
        country: row.country.as_deref(),
        business_phones: &row.business_phones,
        other_mails: &row.other_mails,
        usage_location: row.usage_location.map(|location| location.to_string()),
        account_enabled: row.account_enabled,
        password_profile,
    };
    serde_json::value::to_raw_value(&body).expect("a create body serialises")
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    user_principal_name: &'a str,
    display_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    surname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    office_location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile_phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fax_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    street_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    business_phones: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    other_mails: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password_profile: Option<PasswordProfile<'a>>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct PasswordProfile<'a> {
    password: &'a str,
    force_change_password_next_sign_in: bool,
}

/// The admin center wizard's choice for a file's passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passwords {
    /// Each row's password where the file gives one (else one is generated).
    FromFile {
        /// Whether the user must change it at first sign-in.
        force_change: bool,
    },
    /// A generated password for every user, whatever the file says.
    Generate,
}

#[cfg(test)]
pub(crate) mod tests;
