//! Issue 16's benchmark: what the defences cost and what they hold, each against a baseline
//! measured in the same run.
//! - Sign-ins with smart lockout and the sign-in log on (a lockout row written before and
//!   after each password check, a log row per attempt), as a ratio to raw Argon2id on every
//!   core, in alternating rounds.
//! - The server's memory while someone without a role sends a 256 MiB job body, against the
//!   server idle.
//! - Normal requests' latency while an attacker holds 2,000 half-open connections (opening a
//!   new one whenever the server closes one), against the same requests without them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{DOMAIN, Server, median, percentile, resident_mib};

pub(crate) const PASSWORD: &str = "Bench-S1gn-In-Passw0rd";

/// Raw Argon2id verifications per second on every core: what sign-ins are bound by.
pub(crate) fn argon2_verifications_per_second(seconds: f64) -> f64 {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let roster_core::directory::PasswordHash::Argon2id(phc) =
        roster_server::identity::hashing::hash_with(
            &mut roster_server::identity::hashing::memory(),
            PASSWORD,
        )
    else {
        unreachable!("argon2id")
    };
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let phc = phc.clone();
            std::thread::spawn(move || {
                let mut memory = roster_server::identity::hashing::memory();
                let mut count = 0u64;
                let begin = Instant::now();
                while begin.elapsed().as_secs_f64() < seconds {
                    assert!(roster_server::identity::hashing::verify_with(
                        &mut memory,
                        PASSWORD,
                        &phc
                    ));
                    count += 1;
                }
                count
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

/// Signs in with the password grant for `seconds`, `clients` at once, each as its own user;
/// returns sign-ins per second.
async fn sign_ins_per_second(base: &str, clients: usize, seconds: f64) -> anyhow::Result<f64> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .build()?;
    let started = Instant::now();
    let workers = (0..clients).map(|index| {
        let client = client.clone();
        let url = format!("{base}/{DOMAIN}/oauth2/v2.0/token");
        async move {
            let mut count = 0usize;
            while started.elapsed().as_secs_f64() < seconds {
                let reply: Value = client
                    .post(&url)
                    .form(&[
                        ("grant_type", "password"),
                        (
                            "client_id",
                            roster_core::directory::CLI_CLIENT_ID.to_string().as_str(),
                        ),
                        ("username", &format!("signin{index}@{DOMAIN}")),
                        ("password", PASSWORD),
                    ])
                    .send()
                    .await?
                    .json()
                    .await?;
                if reply["access_token"].is_null() {
                    bail!("a sign-in failed: {reply}");
                }
                count += 1;
            }
            anyhow::Ok(count)
        }
    });
    let counts = futures::future::try_join_all(workers).await?;
    Ok(counts.iter().sum::<usize>() as f64 / started.elapsed().as_secs_f64())
}

/// Sends a job body of `bytes` from `token`'s holder as fast as the server takes it, sampling
/// the server's memory meanwhile; returns the peak (MiB of RssAnon), the answer's first line,
/// and how long the answer took.
async fn send_large_body(
    server: &Server,
    token: &str,
    bytes: usize,
) -> anyhow::Result<(f64, String, Duration)> {
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await?;
    let head = format!(
        "POST /roster/v1/jobs/createUsers HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {bytes}\r\n\r\n"
    );
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (pid, sampling) = (server.pid, sampling.clone());
        tokio::spawn(async move {
            let mut peak = 0f64;
            while sampling.load(Ordering::Acquire) {
                peak = peak.max(resident_mib(pid, "RssAnon"));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let started = Instant::now();
    let (mut reader, mut writer) = stream.split();
    let send = async {
        writer.write_all(head.as_bytes()).await?;
        // Rows of a plausible size, as a client that means it would send them.
        let mut chunk = b"{\"rows\": [".to_vec();
        let row = br#"{"userPrincipalName":"someone@bench.example","displayName":"Someone Somebody","department":"Sales"},"#;
        while chunk.len() < 1 << 20 {
            chunk.extend_from_slice(row);
        }
        let mut sent = 0;
        while sent < bytes {
            let n = chunk.len().min(bytes - sent);
            if writer.write_all(&chunk[..n]).await.is_err() {
                break; // the server has answered and closed
            }
            sent += n;
        }
        anyhow::Ok(())
    };
    let receive = async {
        let mut answer = vec![0u8; 1024];
        let n = reader.read(&mut answer).await?;
        let took = started.elapsed();
        let line = String::from_utf8_lossy(&answer[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        anyhow::Ok((line, took))
    };
    let (sent, received) = tokio::join!(send, receive);
    sent?;
    let (line, took) = received?;
    // The connection is done with; sample a little longer for anything that follows.
    tokio::time::sleep(Duration::from_millis(200)).await;
    sampling.store(false, Ordering::Release);
    let peak = sampler.await?;
    Ok((peak, line, took))
}

/// Holds `count` half-open connections to the server (a request header never finished),
/// opening a new one whenever the server closes one, until `stop`. They come from 20 loopback
/// addresses (127.0.0.2 to .21), as from several hosts: the server lets one address hold no more
/// than 256.
fn hold_half_open(base: &str, count: usize, stop: Arc<AtomicBool>) -> Arc<AtomicUsize> {
    let open = Arc::new(AtomicUsize::new(0));
    let address: std::net::SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");
    for index in 0..count {
        let (stop, open) = (stop.clone(), open.clone());
        let from: std::net::SocketAddr = format!("127.0.0.{}:0", 2 + index % 20)
            .parse()
            .expect("a loopback address");
        tokio::spawn(async move {
            while !stop.load(Ordering::Acquire) {
                let connected = async {
                    let socket = tokio::net::TcpSocket::new_v4()?;
                    socket.bind(from)?;
                    socket.connect(address).await
                };
                let Ok(mut stream) = connected.await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                if stream
                    .write_all(b"GET /signin HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    .await
                    .is_err()
                {
                    continue;
                }
                open.fetch_add(1, Ordering::AcqRel);
                let mut buffer = [0u8; 64];
                // Until the server gives up on it (or the benchmark ends).
                tokio::select! {
                    _ = stream.read(&mut buffer) => {}
                    _ = async { while !stop.load(Ordering::Acquire) { tokio::time::sleep(Duration::from_millis(50)).await } } => {}
                }
                open.fetch_sub(1, Ordering::AcqRel);
            }
        });
    }
    open
}

/// Latencies of `requests` authenticated `GET /v1.0/domains`, `clients` at once.
async fn request_latencies(
    base: &str,
    token: &str,
    clients: usize,
    requests: usize,
) -> anyhow::Result<Vec<Duration>> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .build()?;
    let workers = (0..clients).map(|_| {
        let (client, url) = (client.clone(), format!("{base}/v1.0/domains"));
        async move {
            let mut times = Vec::new();
            for _ in 0..requests / clients {
                let started = Instant::now();
                let response = client.get(&url).bearer_auth(token).send().await?;
                if !response.status().is_success() {
                    bail!("GET /v1.0/domains: {}", response.status());
                }
                response.bytes().await?;
                times.push(started.elapsed());
            }
            anyhow::Ok(times)
        }
    });
    let mut all: Vec<Duration> = futures::future::try_join_all(workers)
        .await?
        .into_iter()
        .flatten()
        .collect();
    all.sort();
    Ok(all)
}

pub async fn run(
    server: &Server,
    token: &str,
    clients: usize,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let mut rows = Vec::new();
    let http = reqwest::Client::new();

    // Users to sign in as, one per client, and one without a role.
    for index in 0..clients.max(1) + 1 {
        let reply = http
            .post(format!("{}/v1.0/users", server.base))
            .bearer_auth(token)
            .json(&json!({
                "userPrincipalName": format!("signin{index}@{DOMAIN}"),
                "displayName": format!("Sign-in {index}"),
                "accountEnabled": true,
                "mailNickname": format!("signin{index}"),
                "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": false },
            }))
            .send()
            .await?;
        if !reply.status().is_success() {
            bail!("creating a user: {}", reply.text().await?);
        }
    }

    // Sign-in throughput, alternating rounds with raw Argon2id.
    let (mut ratios, mut raws, mut signins) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..5 {
        eprintln!(
            "round {}: raw Argon2id verifications, then sign-ins ...",
            round + 1
        );
        let raw = argon2_verifications_per_second(3.0);
        let rate = sign_ins_per_second(&server.base, clients, 3.0).await?;
        ratios.push(rate / raw);
        raws.push(raw);
        signins.push(rate);
    }
    rows.push((
        "raw Argon2id verifications (m=19 MiB, t=2, p=1) on all cores (baseline), 5 rounds of 3 s"
            .into(),
        format!("{:.1} /s median", median(raws)),
        String::new(),
    ));
    rows.push((
        format!("password-grant sign-ins with smart lockout and the sign-in log, {clients} clients, 5 rounds of 3 s"),
        format!("{:.1} /s median", median(signins)),
        format!(
            "{:.0}% of raw Argon2id (median of the rounds' ratios: {}); target ≥ 90%",
            100.0 * median(ratios.clone()),
            ratios.iter().map(|r| format!("{:.0}%", 100.0 * r)).collect::<Vec<_>>().join(", ")
        ),
    ));

    // A 256 MiB job body from someone without a role.
    let nobody: Value = http
        .post(format!("{}/{DOMAIN}/oauth2/v2.0/token", server.base))
        .form(&[
            ("grant_type", "password"),
            (
                "client_id",
                roster_core::directory::CLI_CLIENT_ID.to_string().as_str(),
            ),
            ("username", &format!("signin{}@{DOMAIN}", clients.max(1))),
            ("password", PASSWORD),
        ])
        .send()
        .await?
        .json()
        .await?;
    let nobody = nobody["access_token"]
        .as_str()
        .context("a token")?
        .to_string();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = resident_mib(server.pid, "RssAnon");
    eprintln!("sending a 256 MiB job body without a role ...");
    let (peak, answer, took) = send_large_body(server, &nobody, 256 << 20).await?;
    if !answer.contains("403") {
        bail!("the body was not refused: {answer}");
    }
    rows.push((
        "server memory (RssAnon) while a user without a role sends a 256 MiB job body".into(),
        format!(
            "peak {:.1} MiB, {:+.1} MiB above idle ({idle:.1} MiB); answered `{answer}` after {:.1} ms",
            peak,
            peak - idle,
            took.as_secs_f64() * 1000.0
        ),
        "target < 100 MB above idle".into(),
    ));

    // Normal requests beside 2,000 half-open connections.
    let requests = 4_000;
    let _ = request_latencies(&server.base, token, clients, 400).await?; // warm up
    let quiet = request_latencies(&server.base, token, clients, requests).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let open = hold_half_open(&server.base, 2_000, stop.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    while open.load(Ordering::Acquire) < 2_000 {
        if Instant::now() > deadline {
            bail!(
                "only {} half-open connections could be opened",
                open.load(Ordering::Acquire)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("2,000 half-open connections held; measuring requests beside them ...");
    let besieged = request_latencies(&server.base, token, clients, requests).await?;
    let held = open.load(Ordering::Acquire);
    stop.store(true, Ordering::Release);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    rows.push((
        format!("authenticated GET /v1.0/domains, {clients} clients, {requests} requests, nothing else open (baseline)"),
        format!("p50 {:.2} ms, p99 {:.2} ms", ms(percentile(&quiet, 0.5)), ms(percentile(&quiet, 0.99))),
        String::new(),
    ));
    rows.push((
        format!("the same while 2,000 half-open connections are held ({held} open at the end)"),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms",
            ms(percentile(&besieged, 0.5)),
            ms(percentile(&besieged, 0.99))
        ),
        format!(
            "{:.2} × the baseline's p99; target p99 < 50 ms",
            percentile(&besieged, 0.99).as_secs_f64() / percentile(&quiet, 0.99).as_secs_f64()
        ),
    ));
    Ok(rows)
}
