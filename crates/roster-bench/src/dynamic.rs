//! Issue 4's benchmark: dynamic groups and group-based licensing on the demo organisation.
//!
//! The server seeds its demo organisation of N users (departments, countries, cities, job
//! titles, mail and proxy addresses, managers), then the benchmark measures over HTTP:
//! 1. 500 dynamic groups with realistic rules created at once, until every one is worked out;
//! 2. a license given to the largest of them (about 60 % of the users), until every member
//!    holds it;
//! 3. one user's department changed, until its groups and licenses follow (the request returns
//!    with them done), against changing a property no rule reads;
//! 4. a rule preview over the whole tenant against the largest group.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::harness::{Server, percentile};

const DEPARTMENTS: [&str; 8] = [
    "Sales",
    "Marketing",
    "Finance",
    "Engineering",
    "Operations",
    "Human Resources",
    "Legal",
    "Support",
];
const COUNTRIES: [&str; 6] = [
    "Netherlands",
    "Belgium",
    "Germany",
    "United Kingdom",
    "United States",
    "France",
];
const TITLES: [&str; 8] = [
    "Analyst",
    "Specialist",
    "Consultant",
    "Engineer",
    "Coordinator",
    "Advisor",
    "Manager",
    "Director",
];

/// The rule of the largest group: five departments of eight.
const LARGE_RULE: &str =
    "user.department -in [\"Sales\",\"Marketing\",\"Finance\",\"Engineering\",\"Operations\"]";

/// 500 rules of the kinds tenants write: equality on department and country, and both; job
/// titles by prefix and suffix; `-in` lists of employee ids (pilot groups); `-match` on mail and
/// employee ids; `-any` over proxy addresses. The first is [`LARGE_RULE`]. A user is a member of
/// about a dozen of them.
fn rules() -> Vec<String> {
    let mut rules = vec![LARGE_RULE.to_string()];
    for department in DEPARTMENTS {
        rules.push(format!("user.department -eq \"{department}\""));
        rules.push(format!(
            "(user.department -eq \"{department}\") -and (user.jobTitle -endsWith \"Manager\")"
        ));
        for country in COUNTRIES {
            rules.push(format!(
                "(user.department -eq \"{department}\") -and (user.country -eq \"{country}\")"
            ));
        }
        for title in TITLES {
            rules.push(format!(
                "user.jobTitle -startsWith \"{department} {title}\""
            ));
        }
    }
    for country in COUNTRIES {
        rules.push(format!("user.country -eq \"{country}\""));
        for title in TITLES {
            rules.push(format!(
                "(user.jobTitle -endsWith \"{title}\") -and (user.country -eq \"{country}\")"
            ));
        }
    }
    for letter in 'a'..='z' {
        rules.push(format!(
            "user.proxyAddresses -any (_ -startsWith \"smtp:{letter}\")"
        ));
        rules.push(format!("user.mail -match \"^{letter}[a-z]*\\.\""));
    }
    for block in 0..10 {
        rules.push(format!("user.employeeId -match \"^E0{block}\""));
    }
    let mut pilot = 0;
    while rules.len() < 500 {
        let ids: Vec<String> = (0..10)
            .map(|k| format!("\"E{:06}\"", 1 + pilot * 97 + k * 9_973))
            .collect();
        rules.push(format!("user.employeeId -in [{}]", ids.join(",")));
        pilot += 1;
    }
    rules.truncate(500);
    rules
}

async fn send(
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> anyhow::Result<(reqwest::StatusCode, Value)> {
    let mut request = http.request(method, &url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Ok((status, body))
}

/// Waits until no group waits for processing; returns when that was seen.
async fn processed(
    http: &reqwest::Client,
    server: &Server,
    token: &str,
) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let (_, body) = send(
            http,
            token,
            reqwest::Method::GET,
            format!("{}/roster/v1/groups/processing", server.base),
            None,
        )
        .await?;
        if body["queued"] == 0 {
            return Ok(Instant::now());
        }
        if Instant::now() > deadline {
            bail!("groups still queued after 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn run(
    server: &Server,
    token: &str,
    n: usize,
    seed_seconds: f64,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let http = reqwest::Client::new();
    let mut table = vec![(
        format!("seed the demo organisation of {n} users (`roster serve --demo`)"),
        format!("{seed_seconds:.1} s"),
        String::new(),
    )];

    // 1. 500 dynamic groups at once, eight clients, until all are worked out.
    eprintln!("creating 500 dynamic groups ...");
    let rules = rules();
    let started = Instant::now();
    let mut ids: Vec<String> = Vec::with_capacity(rules.len());
    for chunk in rules.chunks(8) {
        let requests = chunk.iter().enumerate().map(|(offset, rule)| {
            let name = format!("dyn-{}-{offset}", ids.len());
            send(
                &http,
                token,
                reqwest::Method::POST,
                format!("{}/v1.0/groups", server.base),
                Some(json!({
                    "displayName": name, "mailNickname": name, "mailEnabled": false, "securityEnabled": true,
                    "groupTypes": ["DynamicMembership"], "membershipRule": rule,
                })),
            )
        });
        for reply in futures::future::join_all(requests).await {
            let (status, body) = reply?;
            if status != reqwest::StatusCode::CREATED {
                bail!("creating a dynamic group: {status} {body}");
            }
            ids.push(body["id"].as_str().context("group id")?.to_string());
        }
    }
    let created = started.elapsed().as_secs_f64();
    let done = processed(&http, server, token).await?;
    let evaluation = (done - started).as_secs_f64();
    let large = ids[0].clone();
    table.push((
        format!("500 dynamic groups over {n} users, created at once (8 clients) and worked out from scratch"),
        format!(
            "{evaluation:.2} s from the first request until none is queued ({created:.2} s to create them)"
        ),
        "target < 5 s".into(),
    ));

    // 2. A license for the largest group.
    eprintln!("licensing the largest group ...");
    let (status, body) = send(
        &http,
        token,
        reqwest::Method::POST,
        format!("{}/roster/v1/subscriptions", server.base),
        Some(json!({ "skuPartNumber": "EMS", "seats": n })),
    )
    .await?;
    if !status.is_success() {
        bail!("buying EMS: {status} {body}");
    }
    let ems = body["skuId"].as_str().context("skuId")?.to_string();
    let started = Instant::now();
    let (status, body) = send(
        &http,
        token,
        reqwest::Method::POST,
        format!("{}/v1.0/groups/{large}/assignLicense", server.base),
        Some(
            json!({ "addLicenses": [{ "skuId": ems, "disabledPlans": [] }], "removeLicenses": [] }),
        ),
    )
    .await?;
    if status != reqwest::StatusCode::ACCEPTED {
        bail!("licensing the group: {status} {body}");
    }
    loop {
        let (_, group) = send(
            &http,
            token,
            reqwest::Method::GET,
            format!("{}/v1.0/groups/{large}", server.base),
            None,
        )
        .await?;
        if group["licenseProcessingState"]["state"] == "ProcessingComplete" {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("the group's license was not processed in 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let licensing = started.elapsed().as_secs_f64();
    let (_, skus) = send(
        &http,
        token,
        reqwest::Method::GET,
        format!("{}/v1.0/subscribedSkus", server.base),
        None,
    )
    .await?;
    let consumed = skus["value"]
        .as_array()
        .context("skus")?
        .iter()
        .find(|s| s["skuId"] == ems.as_str())
        .and_then(|s| s["consumedUnits"].as_i64())
        .unwrap_or(0);
    table.push((
        format!("a license assigned to the group of `{LARGE_RULE}` (as many members as seats taken)"),
        format!(
            "{licensing:.2} s until `licenseProcessingState` is ProcessingComplete ({consumed} seats taken, {:.0} members/s)",
            consumed as f64 / licensing
        ),
        "target < 10 s".into(),
    ));

    // 3. One user's department, back and forth, against a property no rule reads.
    let (_, members) = send(
        &http,
        token,
        reqwest::Method::GET,
        format!(
            "{}/v1.0/users?$filter=department%20eq%20'Sales'&$top=1",
            server.base
        ),
        None,
    )
    .await?;
    let user = members["value"][0]["id"]
        .as_str()
        .context("a Sales user")?
        .to_string();
    let timings = |rounds: usize, body: &dyn Fn(usize) -> Value| {
        let (http, url, token) = (
            http.clone(),
            format!("{}/v1.0/users/{user}", server.base),
            token.to_string(),
        );
        let bodies: Vec<Value> = (0..rounds).map(body).collect();
        async move {
            let mut latencies = Vec::with_capacity(rounds);
            for body in bodies {
                let begun = Instant::now();
                let (status, reply) = send(
                    &http,
                    &token,
                    reqwest::Method::PATCH,
                    url.clone(),
                    Some(body),
                )
                .await?;
                if status != reqwest::StatusCode::NO_CONTENT {
                    bail!("updating the user: {status} {reply}");
                }
                latencies.push(begun.elapsed());
            }
            latencies.sort();
            Ok::<_, anyhow::Error>(latencies)
        }
    };
    let rounds = 200;
    let baseline = timings(
        rounds,
        &|i| json!({ "mobilePhone": format!("+31 6 {i:08}") }),
    )
    .await?;
    let moves = timings(
        rounds,
        &|i| json!({ "department": if i % 2 == 0 { "Legal" } else { "Sales" } }),
    )
    .await?;
    // The last move took the user back to Sales: it holds the large group's license again.
    let (_, licensed) = send(
        &http,
        token,
        reqwest::Method::GET,
        format!("{}/v1.0/users/{user}?$select=assignedLicenses", server.base),
        None,
    )
    .await?;
    if !licensed["assignedLicenses"]
        .as_array()
        .is_some_and(|l| l.iter().any(|a| a["skuId"] == ems.as_str()))
    {
        bail!("the user moved back into the group does not hold its license: {licensed}");
    }
    table.push((
        format!(
            "change one user's department (Sales ↔ Legal: its department's groups and the group's license follow), {rounds} sequential requests"
        ),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms (the request returns with memberships and licenses done)",
            percentile(&moves, 0.5).as_secs_f64() * 1000.0,
            percentile(&moves, 0.99).as_secs_f64() * 1000.0
        ),
        format!(
            "baseline, a property no rule reads: p50 {:.1} ms, p99 {:.1} ms; target < 50 ms",
            percentile(&baseline, 0.5).as_secs_f64() * 1000.0,
            percentile(&baseline, 0.99).as_secs_f64() * 1000.0
        ),
    ));

    // 4. A rule preview over the whole tenant, against the large group.
    let mut previews = Vec::new();
    for _ in 0..5 {
        let begun = Instant::now();
        let (status, body) = send(
            &http,
            token,
            reqwest::Method::POST,
            format!("{}/roster/v1/groups/previewRule", server.base),
            Some(json!({
                "membershipRule": "(user.department -in [\"Sales\",\"Marketing\"]) -or (user.proxyAddresses -any (_ -startsWith \"smtp:a\"))",
                "groupId": large,
            })),
        )
        .await?;
        if status != reqwest::StatusCode::OK {
            bail!("previewing a rule: {status} {body}");
        }
        previews.push(begun.elapsed());
    }
    previews.sort();
    table.push((
        format!("preview a rule over {n} users against the large group (joiners, leavers, licenses, seats), 5 requests"),
        format!(
            "median {:.0} ms (fastest {:.0} ms, slowest {:.0} ms)",
            percentile(&previews, 0.5).as_secs_f64() * 1000.0,
            previews[0].as_secs_f64() * 1000.0,
            previews[previews.len() - 1].as_secs_f64() * 1000.0
        ),
        "target < 1 s".into(),
    ));
    Ok(table)
}
