//! What is wrong with a CSV file of users, its header or one of its rows, as data: `Display`
//! gives the English of the CLI, the API and results files, and the admin center words each
//! variant in its own languages (`center::csv_text`).

use std::borrow::Cow;
use std::fmt;

use crate::edits::columns::{CLEAR, ID_COLUMN_NAMES, Operation, USER_COLUMN_NAMES};
use crate::new_users::columns::{MAX_LIST_ITEMS, Template};
use roster_core::types::Problem;

/// Why a file, a header or a row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvProblem {
    // The file as a whole.
    /// UTF-16 with a byte-order mark.
    Utf16,
    /// NUL bytes at the start, as UTF-16 without a byte-order mark has.
    NulBytes,
    /// A NUL character further on (on the error's row), which no value can hold.
    Nul,
    /// A byte that is not UTF-8, and its offset in the file.
    NotUtf8 {
        byte: u8,
        offset: usize,
    },
    /// Nothing but blanks and delimiters.
    Empty,
    /// Entra's version line names a version other than v1.0 (shortened).
    EntraVersion(String),
    /// Entra's version line with no header after it.
    NoHeaderAfterVersion,
    /// The csv crate could not read a record (in its own words).
    NotCsv(String),
    /// A header of none of the templates, and whether Entra's version line came before it.
    UnknownHeader {
        found: Names,
        after_version_line: bool,
    },
    /// A header with none of the columns `roster bulk OPERATION` reads.
    NoEditColumns {
        operation: Operation,
        found: Names,
    },
    /// A header of `template` (`None`: of a bulk edit) with these problems.
    Header {
        template: Option<Template>,
        problems: Vec<HeaderProblem>,
    },

    // One row.
    /// The row's fields against the header's, and the lines of a record over several.
    FieldCount {
        found: usize,
        expected: usize,
        lines: Option<(usize, usize)>,
    },
    /// An empty cell that must have a value.
    Required,
    /// An empty cell that must have a value unless this flag is given for every row.
    RequiredOrFlag(&'static str),
    /// No cell names the user (bulk edits).
    NoUser,
    /// A value (or one item of a list) of `length` characters, over `limit`.
    TooLong {
        length: usize,
        limit: usize,
    },
    /// A line break outside an address, and the lines of a record over several.
    LineBreak {
        lines: Option<(usize, usize)>,
    },
    /// More `;`-separated values than [`MAX_LIST_ITEMS`].
    TooManyValues(usize),
    /// A value in a column without a header.
    ValueWithoutHeader,
    /// A value in a column that bulk edits ignore.
    IgnoredValue,
    /// Not a phone number: the text, and the character not allowed (`None`: it has no digits).
    NotPhone {
        text: String,
        bad: Option<char>,
    },
    /// Not an email address: the text, and what is wrong.
    NotEmail {
        text: String,
        fault: EmailFault,
    },
    /// Entra's "Block sign in" is neither Yes nor No.
    NotYesNo(String),
    NotTrueFalse(String),
    /// A value the property does not take.
    Invalid(Problem),
    /// Neither an object id nor a user principal name (and why not the latter).
    NotUserOrId(Problem),
    /// An id in the column of principal names, while this other column names the user by id.
    IdInNameColumn {
        text: String,
        id_column: String,
    },
    /// A user named on an earlier row (as written, shortened).
    DuplicateUser {
        text: String,
        first_row: usize,
    },
    /// An id given on an earlier row.
    DuplicateId {
        id: String,
        first_row: usize,
    },
    /// [`CLEAR`] in a column that cannot be emptied.
    NotClearable,
}

/// What is wrong with an email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailFault {
    NoAt,
    Local,
    Domain,
}

/// One thing wrong with a header that was recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Two columns (their indexes and headers, shortened) hold the same thing.
    SameField {
        first: (usize, String),
        second: (usize, String),
        holds: Holds,
    },
    /// Required columns, by their labels.
    Missing(Names),
    /// A column a bulk edit needs unless the flag is given.
    MissingOrFlag {
        column: &'static str,
        flag: &'static str,
    },
    /// A bulk edit's header names no user.
    NoUserColumn,
    /// A bulk edit's header has no column that the operation changes.
    NothingToChange(Operation),
    /// Columns the template does not have.
    NotInTemplate { names: Names, template: Template },
    /// Columns the bulk edit does not read.
    NotRead { names: Names, operation: Operation },
}

/// What a column holds, for two columns that hold the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holds {
    /// A property, by its Graph name.
    Property(&'static str),
    User,
    UserId,
}

/// Up to six names quoted in a message, shortened, and how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub shown: Vec<String>,
    pub total: usize,
}

impl Names {
    pub fn new<'a>(names: impl Iterator<Item = &'a str>, total: usize) -> Self {
        Names {
            shown: names
                .take(6)
                .map(|name| excerpt(name).into_owned())
                .collect(),
            total,
        }
    }

    /// `("the column", "is")`, or for several `("the columns", "are")`.
    fn the_columns_are(&self) -> (&'static str, &'static str) {
        if self.total == 1 {
            ("the column", "is")
        } else {
            ("the columns", "are")
        }
    }

    /// `'a', 'b', …`
    pub fn quoted(&self) -> String {
        let mut text = self
            .shown
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ");
        if self.total > self.shown.len() {
            text.push_str(", …");
        }
        text
    }
}

/// The labels of a template's first `n` columns, or of all.
pub fn template_labels(template: Template, n: Option<usize>) -> String {
    template
        .labels()
        .take(n.unwrap_or(usize::MAX))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns of a bulk edit besides the user's, by label.
pub fn edit_columns(operation: Operation) -> Vec<&'static str> {
    operation.columns().iter().map(|def| def.label()).collect()
}

/// ` (the record runs from line 5 to line 9: is a quote left open?)`, or nothing.
fn open_quote_hint(f: &mut fmt::Formatter<'_>, lines: Option<(usize, usize)>) -> fmt::Result {
    match lines {
        Some((first, last)) => write!(
            f,
            " (the record runs from line {first} to line {last}: is a quote left open?)"
        ),
        None => Ok(()),
    }
}

const SAVE_AS_UTF8: &str = "save it as CSV UTF-8 (in Excel, \"CSV UTF-8 (Comma delimited)\")";
const ONE_COLUMN: &str = "; the header has a single column: roster reads files separated by \
                          commas, semicolons or tabs";

/// `a user column (User Name, … or Object ID, id) and MFA State, …`.
fn expected_columns(f: &mut fmt::Formatter<'_>, operation: Operation) -> fmt::Result {
    write!(
        f,
        "a user column ({} or {})",
        USER_COLUMN_NAMES.join(", "),
        ID_COLUMN_NAMES.join(", ")
    )?;
    let columns = edit_columns(operation);
    if !columns.is_empty() {
        write!(f, " and {}", columns.join(", "))?;
    }
    Ok(())
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CsvProblem as P;
        match self {
            P::Utf16 => write!(f, "the file is UTF-16: {SAVE_AS_UTF8}"),
            P::NulBytes => write!(f, "the file has NUL bytes, as UTF-16 has: {SAVE_AS_UTF8}"),
            P::Nul => f.write_str("a NUL character (U+0000), which no value can hold"),
            P::NotUtf8 { byte, offset } => write!(
                f,
                "the file is not UTF-8: byte 0x{byte:02X} at byte offset {offset} is not valid \
                 UTF-8 (Windows-1252, Excel's plain \"CSV\", looks like this); {SAVE_AS_UTF8}"
            ),
            P::Empty => f.write_str("the file is empty"),
            P::EntraVersion(version) => write!(
                f,
                "the Entra template's version '{version}' is not supported: roster reads \
                 version:v1.0"
            ),
            P::NoHeaderAfterVersion => {
                f.write_str("the file has the Entra template's version line but no header after it")
            }
            P::NotCsv(error) => write!(f, "the file cannot be read as CSV: {error}"),
            P::UnknownHeader {
                found,
                after_version_line: true,
            } => {
                write!(
                    f,
                    "the file starts with the Entra template's version line, but its header has \
                     none of the template's columns, such as 'User name [userPrincipalName] \
                     Required'; found {}",
                    found.quoted()
                )?;
                if found.total == 1 {
                    f.write_str(ONE_COLUMN)?;
                }
                Ok(())
            }
            P::UnknownHeader {
                found,
                after_version_line: false,
            } => {
                write!(
                    f,
                    "the header is not one roster reads; found {}; expected {} ({}, …), {} (a \
                     line version:v1.0, then headers such as 'User name [userPrincipalName] \
                     Required') or {} ({}, …)",
                    found.quoted(),
                    Template::AdminCenter.description(),
                    template_labels(Template::AdminCenter, Some(4)),
                    Template::EntraBulkCreate.description(),
                    Template::Roster.description(),
                    template_labels(Template::Roster, Some(3)),
                )?;
                if found.total == 1 {
                    f.write_str(ONE_COLUMN)?;
                }
                Ok(())
            }
            P::NoEditColumns { operation, found } => {
                write!(
                    f,
                    "the header names none of the columns that bulk {} reads; found {}; \
                     expected ",
                    operation.name(),
                    found.quoted(),
                )?;
                expected_columns(f, *operation)?;
                if found.total == 1 {
                    f.write_str(ONE_COLUMN)?;
                }
                Ok(())
            }
            P::Header { template, problems } => {
                match template {
                    Some(template) => {
                        write!(f, "the header looks like {}, but ", template.description())?
                    }
                    None => f.write_str("the header does not fit: ")?,
                }
                for (index, problem) in problems.iter().enumerate() {
                    if index > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{problem}")?;
                }
                Ok(())
            }
            P::FieldCount {
                found,
                expected,
                lines,
            } => {
                write!(
                    f,
                    "the row has {found} fields but the header has {expected}"
                )?;
                open_quote_hint(f, *lines)
            }
            P::Required => f.write_str("a value is required"),
            P::RequiredOrFlag(flag) => {
                write!(f, "a value is required (or give {flag} for every row)")
            }
            P::NoUser => f.write_str("a value is required: the row names no user"),
            P::TooLong { length, limit } => {
                write!(f, "the value has {length} characters; the limit is {limit}")
            }
            P::LineBreak { lines } => {
                f.write_str("the value has a line break, which only an address may have")?;
                open_quote_hint(f, *lines)
            }
            P::TooManyValues(n) => write!(
                f,
                "{n} values separated by ';'; the limit is {MAX_LIST_ITEMS}"
            ),
            P::ValueWithoutHeader => f.write_str(
                "a value in a column without a header: give the column a header or remove the \
                 value",
            ),
            P::IgnoredValue => f.write_str(
                "a value in a column that is ignored: give the column a header bulk reads, or \
                 remove the value",
            ),
            P::NotPhone {
                text,
                bad: Some(bad),
            } => write!(
                f,
                "'{text}' is not a phone number: '{bad}' is not allowed (use digits, spaces, \
                 + - ( ) . / and x or ext before an extension)"
            ),
            P::NotPhone { text, bad: None } => {
                write!(f, "'{text}' is not a phone number: it has no digits")
            }
            P::NotEmail { text, fault } => {
                write!(f, "'{text}' is not an email address: ")?;
                f.write_str(match fault {
                    EmailFault::NoAt => "it has no '@'",
                    EmailFault::Local => {
                        "the part before '@' is empty or has a space or one of @ , ; < > ( ) [ ] \
                         \\ \""
                    }
                    EmailFault::Domain => "the part after '@' is not a domain name",
                })
            }
            P::NotYesNo(text) => write!(f, "'{text}' is neither Yes nor No"),
            P::NotTrueFalse(text) => write!(f, "'{text}' is neither true nor false"),
            P::Invalid(problem) => write!(f, "{problem}"),
            P::NotUserOrId(problem) => {
                write!(
                    f,
                    "neither a user principal name nor an object id: {problem}"
                )
            }
            P::IdInNameColumn { text, id_column } => write!(
                f,
                "'{text}' is an id, but the column '{id_column}' names the user by id: this \
                 column holds a user principal name"
            ),
            P::DuplicateUser { text, first_row } => write!(
                f,
                "'{text}' is also on row {first_row}: each user may appear only once in a file"
            ),
            P::DuplicateId { id, first_row } => write!(
                f,
                "the id {id} is also on row {first_row}: each user may appear only once in a \
                 file"
            ),
            P::NotClearable => write!(f, "{CLEAR} cannot empty this column"),
        }
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HeaderProblem as H;
        match self {
            H::SameField {
                first,
                second,
                holds,
            } => {
                write!(
                    f,
                    "columns {} ('{}') and {} ('{}') both hold ",
                    column_letter(first.0),
                    first.1,
                    column_letter(second.0),
                    second.1,
                )?;
                match holds {
                    Holds::Property(name) => f.write_str(name),
                    Holds::User => f.write_str("the user"),
                    Holds::UserId => f.write_str("the user's id"),
                }
            }
            H::Missing(names) if names.total == 1 => {
                write!(f, "the required column {} is missing", names.quoted())
            }
            H::Missing(names) => write!(f, "the required columns {} are missing", names.quoted()),
            H::MissingOrFlag { column, flag } => write!(
                f,
                "the column '{column}' is missing: give it, or {flag} for every row"
            ),
            H::NoUserColumn => write!(
                f,
                "no column names the user: add one named {} (a user principal name or id) or {} \
                 (an id)",
                USER_COLUMN_NAMES.join(", "),
                ID_COLUMN_NAMES.join(", ")
            ),
            H::NothingToChange(operation) => write!(
                f,
                "the file has no column to change; bulk {} changes {}",
                operation.name(),
                edit_columns(*operation).join(", ")
            ),
            H::NotInTemplate { names, template } => {
                let (verb, is) = names.the_columns_are();
                write!(
                    f,
                    "{verb} {} {is} not in {} (its columns are {})",
                    names.quoted(),
                    template.description(),
                    template_labels(*template, None),
                )
            }
            H::NotRead { names, operation } => {
                let (verb, is) = names.the_columns_are();
                write!(
                    f,
                    "{verb} {} {is} not read by bulk {} (it reads ",
                    names.quoted(),
                    operation.name()
                )?;
                expected_columns(f, *operation)?;
                f.write_str(")")
            }
        }
    }
}

/// Why one row was refused; the other rows are not affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line on which the record starts (1-based).
    pub row: usize,
    /// The column's header as the file writes it (`column C` for one without a header), or
    /// `None` when the problem is the row as a whole.
    pub column: Option<String>,
    /// The row's user principal name as written, when it has one of a sensible length, so that
    /// a results file can name the user.
    pub user_principal_name: Option<String>,
    pub problem: CsvProblem,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_location(f, Some(self.row), self.column.as_deref())?;
        write!(f, "{}", self.problem)
    }
}

impl std::error::Error for RowError {}

/// A problem with the file as a whole: nothing in it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The line concerned (1-based), if there is one.
    pub row: Option<usize>,
    pub column: Option<String>,
    pub problem: CsvProblem,
}

impl FileError {
    pub(crate) fn new(row: Option<usize>, problem: CsvProblem) -> Self {
        FileError {
            row,
            column: None,
            problem,
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_location(f, self.row, self.column.as_deref())?;
        write!(f, "{}", self.problem)
    }
}

impl std::error::Error for FileError {}

fn write_location(
    f: &mut fmt::Formatter<'_>,
    row: Option<usize>,
    column: Option<&str>,
) -> fmt::Result {
    match (row, column) {
        (Some(row), Some(column)) => write!(f, "row {row}, column '{}': ", excerpt(column)),
        (Some(row), None) => write!(f, "row {row}: "),
        (None, Some(column)) => write!(f, "column '{}': ", excerpt(column)),
        (None, None) => Ok(()),
    }
}

/// Excel's name for a column: A, B, …, Z, AA, AB, …
pub fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(b'A' + u8::try_from(rest).expect("less than 26"));
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// At most 60 characters of `text`, to quote in a message.
pub fn excerpt(text: &str) -> Cow<'_, str> {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}
