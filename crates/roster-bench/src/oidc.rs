//! Issue 19's benchmark: signing users in to applications, each against a baseline measured in
//! the same run.
//! - Password sign-ins through the authorize endpoint as a browser and a web app take them (the
//!   sign-in page, the form posted, the code redeemed for tokens), as a ratio to raw Argon2id on
//!   every core, in alternating rounds: one Argon2id verification bounds each.
//! - `refresh_token` grants (rotation, the sign-in log, new access and ID tokens) with 8
//!   clients, as a ratio to the cheapest authenticated request with as many.
//! - The sign-in page's latency (the authorize request checked, the page drawn).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::harness::{DOMAIN, Server, median, percentile};
use crate::security::{PASSWORD, argon2_verifications_per_second};

const REDIRECT: &str = "https://bench.contoso.example/signin-oidc";

/// The hidden fields of a page's form, as a browser posts them back.
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[at + 27..];
        let Some(end) = rest.find('"') else { break };
        let name = rest[..end].to_string();
        let Some(value_at) = rest.find("value=\"").map(|at| at + 7) else {
            break;
        };
        let Some(value_end) = rest[value_at..].find('"') else {
            break;
        };
        let value = rest[value_at..value_at + value_end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        fields.push((name, value));
    }
    fields
}

/// A registered web app with a secret: (client id, secret).
async fn register(
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<(String, String)> {
    let created: Value = http
        .post(format!("{base}/v1.0/applications"))
        .bearer_auth(token)
        .json(&json!({ "displayName": "Bench app", "web": { "redirectUris": [REDIRECT] } }))
        .send()
        .await?
        .json()
        .await?;
    let id = created["id"].as_str().context("an application")?;
    let secret: Value = http
        .post(format!("{base}/v1.0/applications/{id}/addPassword"))
        .bearer_auth(token)
        .json(&json!({ "passwordCredential": {} }))
        .send()
        .await?
        .json()
        .await?;
    Ok((
        created["appId"].as_str().context("an app id")?.to_string(),
        secret["secretText"]
            .as_str()
            .context("a secret")?
            .to_string(),
    ))
}

fn authorize_url(base: &str, client_id: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid profile offline_access User.Read")
        .append_pair("state", "bench")
        .append_pair("prompt", "login")
        .finish();
    format!("{base}/{DOMAIN}/oauth2/v2.0/authorize?{query}")
}

/// One sign-in as a browser and a web app make it: the page, the form posted with the password,
/// the code redeemed. Returns the refresh token.
async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    (client_id, secret): (&str, &str),
    user: &str,
) -> anyhow::Result<String> {
    let page = http.get(authorize_url(base, client_id)).send().await?;
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_string))
        .collect();
    let mut fields = hidden_fields(&page.text().await?);
    fields.push(("username".into(), user.into()));
    fields.push(("password".into(), PASSWORD.into()));
    let answered = http
        .post(format!("{base}/{DOMAIN}/oauth2/v2.0/authorize"))
        .header("cookie", cookies.join("; "))
        .form(&fields)
        .send()
        .await?;
    let location = answered
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .context("the sign-in did not send the browser back to the app")?
        .to_string();
    let code = url_param(&location, "code").context("no code in the answer")?;
    let tokens: Value = http
        .post(format!("{base}/{DOMAIN}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await?
        .json()
        .await?;
    match tokens["refresh_token"].as_str() {
        Some(token) => Ok(token.to_string()),
        None => bail!("the code gave no tokens: {tokens}"),
    }
}

fn url_param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Sign-ins per second for `seconds`, `clients` at once, each as its own user.
async fn sign_ins_per_second(
    http: &reqwest::Client,
    base: &str,
    app: (&str, &str),
    clients: usize,
    seconds: f64,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let workers = (0..clients).map(|index| async move {
        let user = format!("oidc{index}@{DOMAIN}");
        let mut count = 0usize;
        while started.elapsed().as_secs_f64() < seconds {
            sign_in(http, base, app, &user).await?;
            count += 1;
        }
        anyhow::Ok(count)
    });
    let counts = futures::future::try_join_all(workers).await?;
    Ok(counts.iter().sum::<usize>() as f64 / started.elapsed().as_secs_f64())
}

/// Refresh grants per second for `seconds`, one client per token, each using the token the last
/// grant gave (rotation).
async fn refreshes_per_second(
    http: &reqwest::Client,
    base: &str,
    (client_id, secret): (&str, &str),
    tokens: &mut [String],
    seconds: f64,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let workers = tokens.iter_mut().map(|token| async move {
        let mut count = 0usize;
        while started.elapsed().as_secs_f64() < seconds {
            let reply: Value = http
                .post(format!("{base}/{DOMAIN}/oauth2/v2.0/token"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("refresh_token", token.as_str()),
                ])
                .send()
                .await?
                .json()
                .await?;
            *token = reply["refresh_token"]
                .as_str()
                .with_context(|| format!("a refresh failed: {reply}"))?
                .to_string();
            count += 1;
        }
        anyhow::Ok(count)
    });
    let counts = futures::future::try_join_all(workers).await?;
    Ok(counts.iter().sum::<usize>() as f64 / started.elapsed().as_secs_f64())
}

/// The cheapest authenticated request per second for `seconds`, `clients` at once.
async fn requests_per_second(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    clients: usize,
    seconds: f64,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let workers = (0..clients).map(|_| async move {
        let mut count = 0usize;
        while started.elapsed().as_secs_f64() < seconds {
            let reply = http
                .get(format!("{base}/v1.0/domains"))
                .bearer_auth(token)
                .send()
                .await?;
            if !reply.status().is_success() {
                bail!("the baseline request failed: {}", reply.status());
            }
            reply.bytes().await?;
            count += 1;
        }
        anyhow::Ok(count)
    });
    let counts = futures::future::try_join_all(workers).await?;
    Ok(counts.iter().sum::<usize>() as f64 / started.elapsed().as_secs_f64())
}

pub async fn run(
    server: &Server,
    token: &str,
    clients: usize,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let mut rows = Vec::new();
    let base = server.base.as_str();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(clients * 2)
        .build()?;
    let app = register(&http, base, token).await?;
    let app = (app.0.as_str(), app.1.as_str());
    for index in 0..clients {
        let reply = http
            .post(format!("{base}/v1.0/users"))
            .bearer_auth(token)
            .json(&json!({
                "userPrincipalName": format!("oidc{index}@{DOMAIN}"),
                "displayName": format!("OIDC {index}"),
                "accountEnabled": true,
                "mailNickname": format!("oidc{index}"),
                "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": false },
            }))
            .send()
            .await?;
        if !reply.status().is_success() {
            bail!("creating a user: {}", reply.text().await?);
        }
    }

    // The sign-in page: the authorize request checked and the page drawn, one at a time.
    let url = authorize_url(base, app.0);
    let mut latencies = Vec::new();
    for _ in 0..2_000 {
        let started = Instant::now();
        let page = http.get(&url).send().await?;
        if page.status() != reqwest::StatusCode::OK {
            bail!("the sign-in page answered {}", page.status());
        }
        page.bytes().await?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    rows.push((
        "the sign-in page (GET authorize, no session), 2,000 requests one at a time".into(),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99))
        ),
        "target p99 < 20 ms".into(),
    ));

    // Sign-ins through the authorize endpoint, alternating rounds with raw Argon2id; as many
    // clients as the password grant's benchmark, so that the hashing threads always have the
    // next sign-in waiting while the other steps of one run.
    let signing_in = clients;
    let (mut ratios, mut raws, mut rates) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..5 {
        eprintln!(
            "round {}: raw Argon2id, then sign-ins through authorize ...",
            round + 1
        );
        let raw = argon2_verifications_per_second(3.0);
        let rate = sign_ins_per_second(&http, base, app, signing_in, 3.0).await?;
        ratios.push(rate / raw);
        raws.push(raw);
        rates.push(rate);
    }
    rows.push((
        "raw Argon2id verifications (m=19 MiB, t=2, p=1) on all cores (baseline), 5 rounds of 3 s"
            .into(),
        format!("{:.1} /s median", median(raws)),
        String::new(),
    ));
    rows.push((
        format!(
            "password sign-ins through authorize (page, form, code redeemed for tokens), {} clients, 5 rounds of 3 s",
            signing_in
        ),
        format!("{:.1} /s median", median(rates)),
        format!(
            "{:.0}% of raw Argon2id (median of the rounds' ratios: {}); target ≥ 90%",
            100.0 * median(ratios.clone()),
            ratios.iter().map(|r| format!("{:.0}%", 100.0 * r)).collect::<Vec<_>>().join(", ")
        ),
    ));

    // Refresh grants against the cheapest authenticated request, alternating rounds.
    let mut tokens = Vec::new();
    for index in 0..clients {
        tokens.push(sign_in(&http, base, app, &format!("oidc{index}@{DOMAIN}")).await?);
    }
    let (mut ratios, mut baselines, mut rates) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..5 {
        eprintln!(
            "round {}: authenticated requests, then refresh grants ...",
            round + 1
        );
        let baseline = requests_per_second(&http, base, token, clients, 3.0).await?;
        let rate = refreshes_per_second(&http, base, app, &mut tokens, 3.0).await?;
        ratios.push(rate / baseline);
        baselines.push(baseline);
        rates.push(rate);
    }
    rows.push((
        format!("authenticated GET /v1.0/domains, {clients} clients (baseline), 5 rounds of 3 s"),
        format!("{:.0} requests/s median", median(baselines)),
        String::new(),
    ));
    rows.push((
        format!("refresh_token grants (rotation, sign-in log, access and ID tokens), {clients} clients, 5 rounds of 3 s"),
        format!("{:.0} /s median", median(rates.clone())),
        format!(
            "{:.0}% of the baseline (rounds: {}); target ≥ 3,000/s",
            100.0 * median(ratios.clone()),
            ratios.iter().map(|r| format!("{:.0}%", 100.0 * r)).collect::<Vec<_>>().join(", ")
        ),
    ));
    Ok(rows)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
