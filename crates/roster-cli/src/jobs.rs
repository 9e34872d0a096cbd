//! `roster jobs ...`: bulk jobs at `/roster/v1/jobs`, and what other commands use to wait for a
//! job and read its outcomes.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;

use roster_client::{Job, JobRow};

use crate::client::Client;
use crate::output::{self, Output, print, print_one};

const JOB_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "status",
    "totalRows",
    "processedRows",
    "failedRows",
    "createdDateTime",
    "finishedDateTime",
];

pub async fn list(client: &Client, output: Output) -> anyhow::Result<()> {
    let jobs: Vec<Value> = client.jobs().await?.iter().map(Job::to_json).collect();
    print(&jobs, &JOB_COLUMNS[..7], output)
}

pub async fn show(client: &Client, id: &str, output: Output) -> anyhow::Result<()> {
    let job = client.job(id).await?;
    print_one(&job.to_json(), JOB_COLUMNS, output)
}

/// Follows a job with a progress bar (rows, rate, time left) on a terminal until it completes;
/// returns its final state.
pub async fn follow(client: &Client, id: &str) -> anyhow::Result<Job> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}")
            .expect("valid progress template"),
    );
    loop {
        let job = client.job(id).await?;
        bar.set_length(job.total_rows);
        bar.set_position(job.processed_rows);
        if job.is_completed() {
            bar.finish_and_clear();
            return Ok(job);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Follows a job like [`follow`] and hands every row's outcome to `each` as rows finish (rows
/// finish in order), so that fetching the results overlaps the job instead of following it. The
/// caller keeps any generated passwords, then tells the server to forget them
/// ([`forget_outputs`]).
pub async fn follow_with_results(
    client: &Client,
    id: &str,
    mut each: impl FnMut(Value),
) -> anyhow::Result<Job> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}")
            .expect("valid progress template"),
    );
    let mut fetched = 0;
    loop {
        let job = client.job(id).await?;
        let processed = job.processed_rows as usize;
        bar.set_length(job.total_rows);
        bar.set_position(job.processed_rows);
        let completed = job.is_completed();
        // Fetch what has finished since the last look, a page at a time.
        while fetched < processed {
            let top = (processed - fetched).min(10_000);
            let page = client.job_results(id, fetched as i64, top).await?;
            if page.value.is_empty() {
                break;
            }
            fetched += page.value.len();
            page.value.iter().map(JobRow::to_json).for_each(&mut each);
        }
        if completed {
            bar.finish_and_clear();
            return Ok(job);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Tells the server that the job's generated passwords are kept safe, so it forgets them.
pub async fn forget_outputs(client: &Client, id: &str) -> anyhow::Result<()> {
    client.forget_job_outputs(id).await
}

/// `roster jobs watch ID`: follows the job to its end, then prints it and a summary; returns
/// whether every row succeeded (or was unchanged).
pub async fn watch(client: &Client, id: &str, output: Output) -> anyhow::Result<bool> {
    let job = follow(client, id).await?;
    let failed = job.failed_rows;
    let took = match (&job.created_date_time, &job.finished_date_time) {
        (created, Some(finished)) => {
            match (
                chrono::DateTime::parse_from_rfc3339(created),
                chrono::DateTime::parse_from_rfc3339(finished),
            ) {
                (Ok(created), Ok(finished)) => format!(
                    " in {:.1} s",
                    (finished - created).num_milliseconds().max(0) as f64 / 1000.0
                ),
                _ => String::new(),
            }
        }
        _ => String::new(),
    };
    print_one(&job.to_json(), JOB_COLUMNS, output)?;
    let id = &job.id;
    eprintln!(
        "job {id} completed{took}: {} rows, {failed} failed{}",
        job.total_rows,
        if failed > 0 {
            format!("; `roster jobs results {id}` says which and why")
        } else {
            String::new()
        }
    );
    Ok(failed == 0)
}

/// Every row's outcome, reading page after page. Reading a completed job's last page forgets its
/// generated passwords (the submitter gets them once).
pub async fn all_results(client: &Client, id: &str) -> anyhow::Result<Vec<Value>> {
    let mut after = 0;
    let mut rows = Vec::new();
    loop {
        let page = client.job_results(id, after, 10_000).await?;
        rows.extend(page.value.iter().map(JobRow::to_json));
        match page.next_after {
            Some(next) => after = next,
            None => return Ok(rows),
        }
    }
}

use roster_server::jobs::RESULT_COLUMNS;

/// `roster jobs results ID [--file PATH]`: every row's outcome, to standard output or to an
/// owner-only file (CSV unless `--output` says otherwise).
pub async fn results(
    client: &Client,
    id: &str,
    output: Option<Output>,
    file: Option<&Path>,
) -> anyhow::Result<()> {
    // The file is opened first: generated passwords are shown once, and must have somewhere to go.
    // It is always owner-only, since whether passwords are in it is known only once it is read.
    let file = file
        .map(|path| output::create_private(path).map(|file| (path, file)))
        .transpose()?;
    let rows = all_results(client, id).await?;
    let passwords = rows
        .iter()
        .filter(|row| row["generatedPassword"].is_string())
        .count();
    match file {
        Some((path, file)) => {
            output::write(file, &rows, RESULT_COLUMNS, output.unwrap_or(Output::Csv))
                .with_context(|| format!("writing {}", path.display()))?;
            std::fs::File::open(path)
                .and_then(|file| file.sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{} rows written to {}", rows.len(), path.display());
            // Kept on disk: the server may forget them.
            if passwords > 0 {
                forget_outputs(client, id).await?;
            }
        }
        None => print(&rows, RESULT_COLUMNS, output.unwrap_or(Output::Table))?,
    }
    if passwords > 0 {
        eprintln!(
            "{passwords} generated passwords: the server shows them only once, so keep them now"
        );
    }
    Ok(())
}
