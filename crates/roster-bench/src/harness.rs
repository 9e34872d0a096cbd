//! What every mode measures with: the release server under test, started on a data directory of
//! its own and signed in to, and the statistics quoted in BENCHMARKS.md.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

pub(crate) const DOMAIN: &str = "bench.example";

pub(crate) const ADMIN_UPN: &str = "admin@bench.example";

pub(crate) const ADMIN_PASSWORD: &str = "Bench-Adm1n-Passw0rd";

pub(crate) const CLIENT_ID: &str = "8b0c5d52-7c8e-4d7a-9f3e-2f5c8a1b6d40";

pub(crate) const SECRET: &str = "bench-secret-0123456789abcdef0123";

pub(crate) const DEPARTMENTS: [&str; 8] = [
    "Sales",
    "Marketing",
    "Finance",
    "Engineering",
    "Operations",
    "Legal",
    "Support",
    "Research",
];

pub(crate) const FIRST: [&str; 16] = [
    "Adele", "Alex", "Bianca", "Adam", "Daan", "Debra", "Diego", "Emma", "Femke", "Grady",
    "Adriana", "Isaiah", "Joni", "Lars", "Megan", "Noah",
];

pub(crate) struct Server {
    pub(crate) child: tokio::process::Child,
    pub(crate) base: String,
    pub(crate) pid: u32,
}

/// Resident memory of `pid` by kind: `RssAnon` (the process's own memory) or `RssFile`
/// (pages of files it maps, such as the database, which the kernel can drop at will).
pub(crate) fn resident_mib(pid: u32, kind: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(&format!("{kind}:")))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

pub(crate) fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

pub(crate) async fn start_server(
    binary: &PathBuf,
    data_dir: &std::path::Path,
) -> anyhow::Result<Server> {
    start_server_with(binary, data_dir, &[]).await
}

/// [`start_server`] with more arguments for `roster serve` (such as a demo organisation).
pub(crate) async fn start_server_with(
    binary: &PathBuf,
    data_dir: &std::path::Path,
    extra: &[&str],
) -> anyhow::Result<Server> {
    let mut child = tokio::process::Command::new(binary)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--domain",
            DOMAIN,
            // No DNS on the benchmark's machine: domains are verified on the administrator's word.
            "--trust-domains",
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra)
        .env("ROSTER_BOOTSTRAP_CLIENT_ID", CLIENT_ID)
        .env("ROSTER_BOOTSTRAP_CLIENT_SECRET", SECRET)
        .env("ROSTER_BOOTSTRAP_ADMIN", ADMIN_UPN)
        .env("ROSTER_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
        .env("ROSTER_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let pid = child.id().context("server pid")?;
    let mut lines = BufReader::new(child.stdout.take().context("server stdout")?).lines();
    while let Some(line) = lines.next_line().await? {
        if let Some(address) = line.strip_prefix("roster is listening on ") {
            let base = address.trim().to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(Server { child, base, pid });
        }
    }
    bail!("the server exited before listening")
}

pub(crate) async fn bench_token(server: &Server) -> anyhow::Result<String> {
    let reply: Value = reqwest::Client::new()
        .post(format!("{}/{DOMAIN}/oauth2/v2.0/token", server.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(reply["access_token"].as_str().context("token")?.to_string())
}
