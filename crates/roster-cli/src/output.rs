//! How commands print what they read: `--output table|json|csv`, to standard output or to an
//! owner-only file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// A JSON array (one object for `show` commands).
    Json,
    /// A header line, then one line per object; a cell a spreadsheet would read as a formula
    /// gets a `'` before it (`roster_csv::cell`).
    Csv,
}

/// A value as one table or CSV cell: lists are joined with `;`, null is empty.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// An object holding just `columns`, in that order, taken from `object` by `pick`.
pub fn row(columns: &[&str], mut pick: impl FnMut(&str) -> Value) -> Value {
    let mut object = Map::new();
    for column in columns {
        object.insert(column.to_string(), pick(column));
    }
    Value::Object(object)
}

/// Prints objects with the given columns to standard output: aligned text, a JSON array, or CSV.
pub fn print(objects: &[Value], columns: &[&str], output: Output) -> anyhow::Result<()> {
    write(std::io::stdout().lock(), objects, columns, output)
}

/// Writes objects with the given columns: aligned text, a JSON array, or CSV.
pub fn write(
    mut out: impl Write,
    objects: &[Value],
    columns: &[&str],
    output: Output,
) -> anyhow::Result<()> {
    match output {
        Output::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&Value::Array(objects.to_vec()))?
        )?,
        Output::Csv => {
            let mut writer = roster_csv::cell::Writer::from_writer(out);
            writer.write_record(columns)?;
            for object in objects {
                writer.write_record(columns.iter().map(|c| cell(&object[*c])))?;
            }
            writer.flush()?;
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = objects
                .iter()
                .map(|o| columns.iter().map(|c| cell(&o[*c])).collect())
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([c.len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |values: Vec<String>| {
                values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            writeln!(
                out,
                "{}",
                line(columns.iter().map(|c| c.to_string()).collect())
            )?;
            for row in rows {
                writeln!(out, "{}", line(row))?;
            }
        }
    }
    Ok(())
}

/// Prints one object: a property per line for people, the object itself as JSON, or a one-row CSV.
pub fn print_one(object: &Value, columns: &[&str], output: Output) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match output {
        Output::Json => writeln!(out, "{}", serde_json::to_string_pretty(object)?)?,
        Output::Csv => write(out, std::slice::from_ref(object), columns, output)?,
        Output::Table => {
            let width = columns.iter().map(|c| c.len()).max().unwrap_or(0);
            for column in columns {
                let value = cell(&object[*column]);
                writeln!(out, "{}", format!("{column:<width$}  {value}").trim_end())?;
            }
        }
    }
    Ok(())
}

/// Creates (or empties) a file only its owner can read, for output that may hold passwords.
pub fn create_private(path: &Path) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    // `mode` applies to new files only: an existing file keeps its permissions unless changed.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("making {} owner-only", path.display()))?;
    Ok(file)
}

/// Where a bulk operation writes its results: the file named with `--results`, which must not
/// exist yet, or by default `FILE.results.csv`, numbered (`FILE.results.2.csv`, ...) past any
/// that an earlier run left. A results file may hold the only copy of generated passwords.
pub struct ResultsPath {
    explicit: Option<std::path::PathBuf>,
    default: std::path::PathBuf,
}

impl ResultsPath {
    pub fn new(explicit: Option<std::path::PathBuf>, default: std::path::PathBuf) -> Self {
        ResultsPath { explicit, default }
    }

    /// Creates the file, owner-only, and says where it is.
    pub fn create(self) -> anyhow::Result<(std::path::PathBuf, std::fs::File)> {
        if let Some(path) = self.explicit {
            let file = create_new_private(&path)?.with_context(|| {
                format!(
                    "{} exists (it may hold the passwords of an earlier run): move it away, or name another file with --results",
                    path.display()
                )
            })?;
            return Ok((path, file));
        }
        for number in 1.. {
            let path = if number == 1 {
                self.default.clone()
            } else {
                self.default.with_extension(format!("{number}.csv"))
            };
            if let Some(file) = create_new_private(&path)? {
                return Ok((path, file));
            }
        }
        unreachable!("some number names a free file")
    }
}

/// Creates a new owner-only file; `None` if one is there already.
fn create_new_private(path: &Path) -> anyhow::Result<Option<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(file) => Ok(Some(file)),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(error) => Err(error).with_context(|| format!("writing {}", path.display())),
    }
}
