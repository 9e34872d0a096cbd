//! A bulk job's body read as it arrives: `{"rows": [...], "options": {...}}` parsed by
//! serde_json from a reader that the request's body feeds a chunk at a time, each row handed on
//! as soon as it is complete. The server holds a few chunks and one batch of rows, never the
//! whole body, however large; the body's size and its number of rows are capped.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::http::StatusCode;
use futures::StreamExt;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as JsonValue;
use serde_json::value::RawValue;

use crate::error::{ApiError, ApiResult};

/// The most rows a job may have: ten times the 100,000-user tenant DESIGN.md plans for.
pub const MAX_JOB_ROWS: usize = 2_000_000;
/// The largest job body: two million rows of about 400 bytes, with room to spare.
pub const MAX_JOB_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The most rows a dry run checks in one request (its answer lists every row), and the
/// largest body it takes (it holds all the rows at once).
pub const MAX_DRY_RUN_ROWS: usize = 100_000;
pub const MAX_DRY_RUN_BYTES: u64 = 64 * 1024 * 1024;
/// The largest row, and the largest `options`: a row is one user.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;
/// How long the body may pause before the upload is given up.
pub const BODY_IDLE: std::time::Duration = std::time::Duration::from_secs(60);
/// Uploads read at once by one server (each holds a thread while it reads).
pub const CONCURRENT_UPLOADS: usize = 8;

/// Where rows go as they are read (on a blocking thread): a batch to the store, a list in
/// memory for a dry run.
pub trait RowSink: Send + 'static {
    /// Takes row `number` (from 1), an object as the client wrote it.
    fn row(&mut self, number: usize, row: Box<RawValue>) -> ApiResult<()>;
    /// Called once the body has been read whole.
    fn finish(&mut self) -> ApiResult<()>;
}

impl RowSink for Vec<Box<RawValue>> {
    fn row(&mut self, _: usize, row: Box<RawValue>) -> ApiResult<()> {
        self.push(row);
        Ok(())
    }

    fn finish(&mut self) -> ApiResult<()> {
        Ok(())
    }
}

fn too_large(what: String) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request_EntityTooLarge",
        what,
    )
}

/// Reads a job's body into `sink`, at most `max_rows` rows and `max_bytes` bytes; returns the
/// sink, the job's `options` (`{}` when absent) and the number of rows.
pub async fn read_rows<S: RowSink>(
    body: axum::body::Body,
    (max_rows, max_bytes): (usize, u64),
    mut sink: S,
) -> ApiResult<(S, JsonValue, usize)> {
    // A few chunks in flight: the reader's pace holds the client back, not the server's memory.
    let (chunks, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(4);
    let over_size = Arc::new(AtomicBool::new(false));
    let idle = Arc::new(AtomicBool::new(false));
    let forward = {
        let (over_size, idle) = (over_size.clone(), idle.clone());
        async move {
            let mut stream = body.into_data_stream();
            let mut total: u64 = 0;
            loop {
                let Ok(next) = tokio::time::timeout(BODY_IDLE, stream.next()).await else {
                    idle.store(true, Ordering::Release);
                    let _ = chunks.send(Err("the body stopped arriving".into())).await;
                    return;
                };
                let Some(chunk) = next else { return };
                let chunk = chunk.map_err(|error| error.to_string());
                if let Ok(bytes) = &chunk {
                    total += bytes.len() as u64;
                    if total > max_bytes {
                        over_size.store(true, Ordering::Release);
                        let _ = chunks.send(Err("too large".into())).await;
                        return;
                    }
                }
                let failed = chunk.is_err();
                // The reader stopped (a bad row): read no further.
                if chunks.send(chunk).await.is_err() || failed {
                    return;
                }
            }
        }
    };
    let parse = tokio::task::spawn_blocking(move || {
        let reader = BodyReader {
            chunks: receiver,
            current: Bytes::new(),
            since_row: Arc::new(AtomicUsize::new(0)),
        };
        let outcome = parse(reader, max_rows, &mut sink);
        outcome.map(|(options, rows)| (sink, options, rows))
    });
    let ((), parsed) = tokio::join!(forward, parse);
    let parsed = parsed.map_err(ApiError::internal)?;
    if over_size.load(Ordering::Acquire) {
        return Err(too_large(format!(
            "The request body is larger than {} MiB, the most this request takes.",
            max_bytes >> 20
        )));
    }
    if idle.load(Ordering::Acquire) {
        return Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "Request_Timeout",
            format!(
                "The request body stopped arriving for {} seconds.",
                BODY_IDLE.as_secs()
            ),
        ));
    }
    parsed
}

fn parse<S: RowSink>(
    reader: BodyReader,
    max_rows: usize,
    sink: &mut S,
) -> ApiResult<(JsonValue, usize)> {
    let since_row = reader.since_row.clone();
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let mut visitor = Submission {
        sink,
        max_rows,
        since_row,
        rows: None,
        failure: None,
    };
    let read = serde::Deserializer::deserialize_map(&mut deserializer, &mut visitor)
        .and_then(|options| deserializer.end().map(|()| options));
    if let Some(failure) = visitor.failure.take() {
        return Err(failure);
    }
    let options = read.map_err(|error| {
        if error.is_io() && error.to_string().contains(ROW_TOO_LARGE) {
            too_large(format!(
                "A row (or the options) is larger than {} KiB.",
                MAX_ROW_BYTES >> 10
            ))
        } else if error.is_eof() && error.line() == 1 && error.column() == 0 {
            ApiError::bad_request("The body needs 'rows': a list of objects, one per row.")
        } else {
            ApiError::bad_request(format!("Invalid JSON in the request body: {error}."))
        }
    })?;
    let rows = visitor.rows.ok_or_else(|| {
        ApiError::bad_request("The body needs 'rows': a list of objects, one per row.")
    })?;
    visitor.sink.finish()?;
    Ok((
        options.unwrap_or_else(|| JsonValue::Object(Default::default())),
        rows,
    ))
}

/// The body's top-level object: `rows` go to the sink one by one, `options` is kept, anything
/// else is skipped.
struct Submission<'a, S> {
    sink: &'a mut S,
    max_rows: usize,
    /// Bytes read since the last row ended, which the reader holds to `MAX_ROW_BYTES`.
    since_row: Arc<AtomicUsize>,
    /// How many rows were read, once `rows` has been.
    rows: Option<usize>,
    /// Why reading stopped, when it was the rows' fault rather than the JSON's.
    failure: Option<ApiError>,
}

impl<'de, S: RowSink> Visitor<'de> for &mut Submission<'_, S> {
    type Value = Option<JsonValue>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("an object with 'rows' and 'options'")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut options = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "rows" => {
                    let count = map.next_value_seed(Rows { submission: self })?;
                    self.rows = Some(count);
                }
                "options" => options = Some(map.next_value::<JsonValue>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(options)
    }
}

struct Rows<'a, 'b, S> {
    submission: &'a mut Submission<'b, S>,
}

impl<'de, S: RowSink> DeserializeSeed<'de> for Rows<'_, '_, S> {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, S: RowSink> Visitor<'de> for Rows<'_, '_, S> {
    type Value = usize;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        use serde::de::Error;
        let submission = self.submission;
        let mut count = 0;
        while let Some(row) = seq.next_element::<Box<RawValue>>()? {
            submission.since_row.store(0, Ordering::Release);
            count += 1;
            let refused = if count > submission.max_rows {
                Some(too_large(format!(
                    "A job holds at most {} rows; this one has more. Split the file.",
                    submission.max_rows
                )))
            } else if !row.get().trim_start().starts_with('{') {
                Some(ApiError::bad_request(format!(
                    "Row {count} is not an object."
                )))
            } else if let Some(property) = crate::graph::nul_property(row.get().as_bytes()) {
                // As any JSON body's: refused, named by its path, before anything is stored.
                let nul = roster_core::types::Problem::Character('\0');
                Some(ApiError::invalid_value(
                    &format!("rows[{}].{property}", count - 1),
                    &nul,
                ))
            } else {
                submission.sink.row(count, row).err()
            };
            if let Some(error) = refused {
                submission.failure = Some(error);
                return Err(A::Error::custom("the rows were refused"));
            }
        }
        Ok(count)
    }
}

/// What the reader says of a row that does not end in time.
const ROW_TOO_LARGE: &str = "a row is too large";

/// The request's body as a blocking reader, fed chunk by chunk, that stops a row (or the
/// options) growing past `MAX_ROW_BYTES` before the parser has buffered it.
struct BodyReader {
    chunks: tokio::sync::mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
    since_row: Arc<AtomicUsize>,
}

impl Read for BodyReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.since_row.load(Ordering::Acquire) > MAX_ROW_BYTES {
            return Err(std::io::Error::other(ROW_TOO_LARGE));
        }
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(bytes)) => self.current = bytes,
                Some(Err(error)) => return Err(std::io::Error::other(error)),
                None => return Ok(0),
            }
        }
        let n = buffer.len().min(self.current.len());
        buffer[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        self.since_row.fetch_add(n, Ordering::AcqRel);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(
        body: &'static str,
        max_rows: usize,
    ) -> ApiResult<(Vec<String>, JsonValue, usize)> {
        let (rows, options, count) = read_rows(
            axum::body::Body::from(body),
            (max_rows, 1 << 20),
            Vec::new(),
        )
        .await?;
        Ok((
            rows.iter().map(|row| row.get().to_string()).collect(),
            options,
            count,
        ))
    }

    #[tokio::test]
    async fn rows_and_options_are_read_in_any_order() {
        let (rows, options, count) = read(
            r#"{"options": {"groups": ["x"]}, "rows": [{"a": 1}, {"b": [2, {"c": "}"}]}], "extra": [1]}"#,
            10,
        )
        .await
        .unwrap();
        assert_eq!(rows, [r#"{"a": 1}"#, r#"{"b": [2, {"c": "}"}]}"#]);
        assert_eq!(options, serde_json::json!({ "groups": ["x"] }));
        assert_eq!(count, 2);
        let (_, options, _) = read(r#"{"rows": []}"#, 10).await.unwrap();
        assert_eq!(options, serde_json::json!({}));
    }

    #[tokio::test]
    async fn bad_bodies_are_refused_with_what_is_wrong() {
        let message = |result: ApiResult<(Vec<String>, JsonValue, usize)>| {
            let error = result.unwrap_err();
            (error.status.as_u16(), error.message)
        };
        assert_eq!(
            message(read(r#"{"rows": [{"a": 1}, 7]}"#, 10).await),
            (400, "Row 2 is not an object.".into())
        );
        assert_eq!(
            message(read(r#"{"rows": [{}, {}, {}]}"#, 2).await),
            (
                413,
                "A job holds at most 2 rows; this one has more. Split the file.".into()
            )
        );
        assert_eq!(message(read(r#"{"options": {}}"#, 2).await).0, 400);
        assert_eq!(message(read("", 2).await).0, 400);
        let (status, text) = message(read(r#"{"rows": [{"a": }]}"#, 2).await);
        assert_eq!(status, 400);
        assert!(
            text.starts_with("Invalid JSON in the request body"),
            "{text}"
        );
        assert_eq!(message(read(r#"{"rows": []} trailing"#, 2).await).0, 400);
        // One row may not grow without end (nor the options), however large the body may be.
        let huge: &'static str = Box::leak(
            format!(
                "{{\"rows\": [{{\"a\": \"{}\"}}]}}",
                "x".repeat(MAX_ROW_BYTES + 10)
            )
            .into_boxed_str(),
        );
        let refused = read_rows(
            axum::body::Body::from(huge),
            (10, MAX_JOB_BYTES),
            Vec::new(),
        )
        .await
        .expect_err("the row was refused");
        assert_eq!(
            refused.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            refused.message
        );
        assert!(
            refused.message.contains("larger than 1024 KiB"),
            "{}",
            refused.message
        );
    }
}
