//! Cells of the CSV files roster writes, made safe to open in a spreadsheet.
//!
//! Excel, LibreOffice and Google Sheets read a cell that starts with `=`, `+`, `-`, `@`, a tab
//! or a carriage return as a formula, so a value such as `=HYPERLINK("http://evil.example","x")`
//! in a results file would become a link (or worse) beside the generated passwords. Every CSV
//! roster writes goes through [`Writer`], which writes such a cell with a `'` before it, as
//! OWASP recommends ("CSV Injection"); a spreadsheet shows the text as it is.
//!
//! So that roster's own files read back unchanged, the escape is reversible: [`neutralise`]
//! also puts a `'` before a cell that is already one or more `'` followed by one of those
//! characters (`'=x` is written `''=x`), and [`restore`] takes exactly one `'` off a cell of
//! that shape. Only the readers of roster's own columns call [`restore`] (see
//! `docs/decisions.md`): a file made from Microsoft's templates is taken as written.

use std::borrow::Cow;
use std::io;

/// The first characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell` is zero or more `'` then a character of [`FORMULA_STARTS`].
fn needs_quote(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(FORMULA_STARTS.as_slice())
}

/// The cell as roster writes it: with a `'` before it if a spreadsheet would read it as a
/// formula, or if it already starts with `'`s before such a character.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if needs_quote(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The value that [`neutralise`] wrote as `cell`: one `'` fewer before a formula's first
/// character; any other cell as it is.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

/// A CSV writer whose every cell is [`neutralise`]d: the only way roster writes CSV.
pub struct Writer<W: io::Write> {
    inner: csv::Writer<W>,
}

impl<W: io::Write> Writer<W> {
    /// Wraps a writer configured as the file needs (delimiter, line ends).
    pub fn new(inner: csv::Writer<W>) -> Self {
        Writer { inner }
    }

    /// Comma-separated, `\n`-terminated, into `out`.
    pub fn from_writer(out: W) -> Self {
        Writer::new(csv::Writer::from_writer(out))
    }

    pub fn write_record<I, T>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.inner.write_record(
            cells
                .into_iter()
                .map(|cell| neutralise(cell.as_ref()).into_owned()),
        )
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// The output, flushed.
    pub fn into_inner(self) -> io::Result<W> {
        self.inner.into_inner().map_err(|error| error.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(value: &str, written: &str) {
        assert_eq!(neutralise(value), written, "{value:?} is written");
        assert_eq!(restore(written), value, "{written:?} is read back");
    }

    #[test]
    fn formulas_are_quoted_and_come_back() {
        check(
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "'=HYPERLINK(\"http://evil.example\",\"x\")",
        );
        check("+31 20 123", "'+31 20 123");
        check("-2+3", "'-2+3");
        check("@SUM(A1)", "'@SUM(A1)");
        check("\t=1", "'\t=1");
        check("\r=1", "'\r=1");
        check("'=1", "''=1");
        check("''+1", "'''+1");
        check("Ann", "Ann");
        check("'Ann", "'Ann");
        check("''", "''");
        check("'", "'");
        check("", "");
        check(" =1", " =1");
        check("a=1", "a=1");
    }

    #[test]
    fn restore_leaves_what_neutralise_never_writes() {
        assert_eq!(restore("=1"), "=1");
        assert_eq!(restore("'a"), "'a");
    }

    fn starts_like_a_formula() -> impl Strategy<Value = String> {
        (
            "'{0,3}",
            proptest::sample::select(FORMULA_STARTS.to_vec()),
            "\\PC{0,8}",
        )
            .prop_map(|(quotes, first, rest)| format!("{quotes}{first}{rest}"))
    }

    proptest! {
        #[test]
        fn every_value_round_trips_and_none_is_a_formula(
            value in prop_oneof![starts_like_a_formula(), any::<String>()]
        ) {
            let written = neutralise(&value);
            prop_assert!(!written.starts_with(FORMULA_STARTS.as_slice()));
            prop_assert_eq!(restore(&written), value.as_str());
        }

        #[test]
        fn a_written_file_reads_back(
            values in proptest::collection::vec(
                prop_oneof![starts_like_a_formula(), any::<String>()], 1..6)
        ) {
            let mut writer = Writer::from_writer(Vec::new());
            writer.write_record(&values).unwrap();
            let bytes = writer.into_inner().unwrap();
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[..]);
            let record = reader.records().next().unwrap().unwrap();
            let read: Vec<&str> = record.iter().collect();
            prop_assert!(read.iter().all(|cell| !cell.starts_with(FORMULA_STARTS.as_slice())));
            let restored: Vec<&str> = read.into_iter().map(restore).collect();
            prop_assert_eq!(restored, values.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
