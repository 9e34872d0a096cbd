//! A CSV file as records: its bytes decoded (UTF-8 only, with or without a byte-order mark), its
//! delimiter, and its records with the line each starts on, one at a time. Shared by the files
//! of new users ([`crate::new_users`]) and of changes ([`crate::edits`]).

use crate::problem::{CsvProblem, FileError, excerpt};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    /// In order of preference when a header reads equally well with several.
    pub const ALL: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];

    pub fn as_byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Delimiter::Comma => "comma",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Tab => "tab",
        }
    }
}

pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file's text: UTF-8, with or without a byte-order mark; anything else is refused.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, FileError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FileError::new(None, CsvProblem::Utf16));
    }
    // UTF-16 without a byte-order mark shows as a NUL next to every ASCII letter.
    if bytes.iter().take(2).any(|byte| *byte == 0) {
        return Err(FileError::new(Some(1), CsvProblem::NulBytes));
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    // No text roster keeps can hold a NUL (PostgreSQL refuses one), so no file of it can.
    if let Some(offset) = body.iter().position(|byte| *byte == 0) {
        let row = 1 + body[..offset].iter().filter(|byte| **byte == b'\n').count();
        return Err(FileError::new(Some(row), CsvProblem::Nul));
    }
    let text = std::str::from_utf8(body).map_err(|error| {
        let offset = error.valid_up_to();
        let row = 1 + body[..offset].iter().filter(|byte| **byte == b'\n').count();
        let file_offset = offset + (bytes.len() - body.len());
        FileError::new(
            Some(row),
            CsvProblem::NotUtf8 {
                byte: body[offset],
                offset: file_offset,
            },
        )
    })?;
    if text
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, ',' | ';' | '"'))
    {
        return Err(FileError::new(None, CsvProblem::Empty));
    }
    Ok(text)
}

/// Entra's `version:v1.0` line: its row, if the file's first non-blank line is one.
pub(crate) fn find_version_line(text: &str) -> Result<Option<usize>, FileError> {
    let blank = |c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"');
    let Some((index, line)) = text
        .split('\n')
        .enumerate()
        .find(|(_, line)| !line.trim_matches(blank).is_empty())
    else {
        return Ok(None);
    };
    let line = line.trim_matches(blank);
    let row = index + 1;
    match line.get(..8) {
        Some(prefix) if prefix.eq_ignore_ascii_case("version:") => {
            let version = line[8..].trim();
            if version.eq_ignore_ascii_case("v1.0") {
                Ok(Some(row))
            } else {
                Err(FileError::new(
                    Some(row),
                    CsvProblem::EntraVersion(excerpt(version).into_owned()),
                ))
            }
        }
        _ => Ok(None),
    }
}

/// The lines a record spans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lines {
    pub(crate) first: usize,
    pub(crate) last: usize,
}

impl Lines {
    /// The first and last line of a record over several, which may mean a quote left open.
    pub(crate) fn spanned(self) -> Option<(usize, usize)> {
        (self.last > self.first).then_some((self.first, self.last))
    }
}

/// The file's non-blank records, one at a time into one buffer.
pub(crate) struct Records<'a> {
    pub(crate) text: &'a str,
    pub(crate) reader: csv::Reader<&'a [u8]>,
    pub(crate) record: csv::StringRecord,
    /// Line breaks before `counted_to`, counted once as the reader moves on.
    pub(crate) n_breaks: usize,
    pub(crate) counted_to: usize,
}

impl<'a> Records<'a> {
    pub(crate) fn new(text: &'a str, delimiter: Delimiter) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter.as_byte())
            .from_reader(text.as_bytes());
        Records {
            text,
            reader,
            record: csv::StringRecord::new(),
            n_breaks: 0,
            counted_to: 0,
        }
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<(), FileError> {
        for _ in 0..n {
            self.next_record()?;
        }
        Ok(())
    }

    /// Reads the next record that has a non-blank field into `self.record`.
    pub(crate) fn next_record(&mut self) -> Result<Option<Lines>, FileError> {
        loop {
            let read = self.reader.read_record(&mut self.record).map_err(|error| {
                let row = error
                    .position()
                    .map(|position| self.line_at(offset(position.byte())));
                FileError::new(row, CsvProblem::NotCsv(error.to_string()))
            })?;
            if !read {
                return Ok(None);
            }
            if self.record.iter().all(|field| field.trim().is_empty()) {
                continue;
            }
            // The csv crate's own line numbers go astray with `\r\n` and lone `\r`, so lines
            // are counted here from byte offsets. A record's position may point at the line
            // break that ended the previous one.
            let bytes = self.text.as_bytes();
            let mut start = offset(self.record.position().expect("set by read_record").byte());
            while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            let end = offset(self.reader.position().byte()).clamp(start, bytes.len());
            let mut content_end = end;
            while content_end > start && matches!(bytes[content_end - 1], b'\r' | b'\n') {
                content_end -= 1;
            }
            let first = self.line_at(start);
            return Ok(Some(Lines {
                first,
                last: first + count_line_breaks(bytes, start, content_end),
            }));
        }
    }

    /// The 1-based line of a byte offset at or after the last one asked about.
    pub(crate) fn line_at(&mut self, at: usize) -> usize {
        let at = at.min(self.text.len());
        if at > self.counted_to {
            self.n_breaks += count_line_breaks(self.text.as_bytes(), self.counted_to, at);
            self.counted_to = at;
        }
        self.n_breaks + 1
    }
}

pub(crate) fn offset(byte: u64) -> usize {
    usize::try_from(byte).expect("an offset into a slice fits in usize")
}

/// Line breaks in `bytes[from..to]`: `\n`, `\r\n` and a lone `\r` (old Mac files) each count once.
pub(crate) fn count_line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    (from..to)
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}
