//! Issue 5's benchmark: how long the admin center's pages take on a demo organisation of N
//! users, signed in as its administrator through the sign-in form, one request at a time on
//! loopback (so the figure is the server's time plus a loopback round trip), against the
//! cheapest authenticated API request as the baseline.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::harness::{ADMIN_PASSWORD, ADMIN_UPN, Server, percentile};

const REQUESTS: usize = 200;

fn hidden(body: &str, name: &str) -> anyhow::Result<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).context("hidden input")? + marker.len();
    let end = start + body[start..].find('"').context("quote")?;
    Ok(body[start..end].to_string())
}

fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

pub async fn run(
    server: &Server,
    n_users: usize,
    seeded: f64,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = client.get(format!("{}/signin", server.base)).send().await?;
    let nonce = cookie_of(&form, "roster_signin").context("sign-in cookie")?;
    let csrf = hidden(&form.text().await?, "csrf")?;
    let signed = client
        .post(format!("{}/signin", server.base))
        .header("cookie", format!("roster_signin={nonce}"))
        .form(&[
            ("username", ADMIN_UPN),
            ("password", ADMIN_PASSWORD),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await?;
    let session = cookie_of(&signed, "roster_session").context("signing in to the admin center")?;
    let cookie = format!("roster_session={session}");

    // A user to search for, and a department and country to filter on, from the demo.
    // The API's answer to a GET, as the signed-in administrator.
    let api = |path: &str| {
        let request = client
            .get(format!("{}{path}", server.base))
            .bearer_auth(&session);
        async move { anyhow::Ok(request.send().await?.json::<serde_json::Value>().await?) }
    };
    let users = api("/v1.0/users?$top=1&$select=id,userPrincipalName,department,country").await?;
    let user = &users["value"][0];
    let prefix: String = user["userPrincipalName"]
        .as_str()
        .context("a user")?
        .chars()
        .take(6)
        .collect();
    let department = user["department"]
        .as_str()
        .unwrap_or("Sales")
        .replace(' ', "+");
    let country = user["country"]
        .as_str()
        .unwrap_or("Netherlands")
        .replace(' ', "+");

    // A user's page: a demo user's (with its department's groups and licenses), not the
    // administrator's.
    let demo_user =
        api("/v1.0/users?$top=1&$select=id&$filter=startsWith(userPrincipalName,'a')").await?;
    let user_id = demo_user["value"][0]["id"]
        .as_str()
        .context("a demo user's id")?
        .to_string();
    // The demo's largest kind of group: a department's team, with its members and licenses.
    let groups = api("/v1.0/groups?$select=id,displayName&$top=999").await?;
    let group_id = groups["value"]
        .as_array()
        .and_then(|groups| {
            groups
                .iter()
                .find(|g| {
                    g["displayName"]
                        .as_str()
                        .is_some_and(|n| n.ends_with(" team"))
                })
                .or(groups.first())
        })
        .and_then(|g| g["id"].as_str())
        .context("a group")?
        .to_string();

    let mut rows = vec![(
        format!("seed the demo organisation of {n_users} users"),
        format!("{seeded:.1} s"),
        String::new(),
    )];
    let time = |url: String, bearer: bool| {
        let (client, cookie, session) = (client.clone(), cookie.clone(), session.clone());
        async move {
            let mut times = Vec::with_capacity(REQUESTS);
            for _ in 0..REQUESTS {
                let request = client.get(&url);
                let request = if bearer {
                    request.bearer_auth(&session)
                } else {
                    request.header("cookie", &cookie)
                };
                let begun = Instant::now();
                let response = request.send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                times.push(begun.elapsed());
                if status != reqwest::StatusCode::OK {
                    bail!("{url}: {status} {}", String::from_utf8_lossy(&body));
                }
            }
            times.sort();
            Ok::<Vec<Duration>, anyhow::Error>(times)
        }
    };
    let baseline = time(format!("{}/v1.0/domains", server.base), true).await?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let against = format!(
        "baseline (GET /v1.0/domains): p50 {:.1} ms, p99 {:.1} ms; target p99 < 100 ms",
        ms(percentile(&baseline, 0.5)),
        ms(percentile(&baseline, 0.99))
    );
    let pages: Vec<(String, String)> = vec![
        ("home page".into(), "/".into()),
        (
            "active users, first page (100 of all, with the count)".into(),
            "/users".into(),
        ),
        (
            format!("active users, a search (\"{prefix}\")"),
            format!("/users?q={prefix}"),
        ),
        (
            "active users, filtered by department and country".into(),
            format!("/users?department={department}&country={country}"),
        ),
        (
            "active users, unlicensed".into(),
            "/users?license=none".into(),
        ),
        (
            "active users, sorted by user name, descending".into(),
            "/users?sort=userPrincipalName&desc=1".into(),
        ),
        (
            "active users, page 500 (numbered pages read with an offset)".into(),
            "/users?page=500".into(),
        ),
        (
            format!("active users, the last page ({})", n_users.div_ceil(100)),
            format!("/users?page={}", (n_users + 1).div_ceil(100)),
        ),
        ("a user's page".into(), format!("/users/{user_id}")),
        (
            "a user's page asking to leave a group".into(),
            format!("/users/{user_id}?ask=leave&group={group_id}"),
        ),
        (
            "a user's page with groups found for \"S\"".into(),
            format!("/users/{user_id}?find=S"),
        ),
        (
            "groups found as typed (the user page's picker)".into(),
            format!("/users/{user_id}/groups-found?find=Sa"),
        ),
        (
            "a user name checked as typed (the wizard)".into(),
            format!("/users/check-name?alias={prefix}&domain=contoso.example"),
        ),
        ("groups, with member counts".into(), "/groups".into()),
        ("a department's group".into(), format!("/groups/{group_id}")),
        (
            "people found as typed (the group's member picker)".into(),
            format!("/groups/{group_id}/people-found?for=member&find=a"),
        ),
        (
            "a group's page asking to remove a member".into(),
            format!("/groups/{group_id}?ask=remove-member&member={user_id}"),
        ),
        ("deleted users".into(), "/deleted".into()),
        ("contacts".into(), "/contacts".into()),
        ("bulk jobs".into(), "/jobs".into()),
        ("audit log, first page of 100".into(), "/audit".into()),
        ("organisation settings".into(), "/settings".into()),
        ("licenses".into(), "/licenses".into()),
    ];
    for (what, path) in pages {
        eprintln!("timing {path} ...");
        let times = time(format!("{}{path}", server.base), false).await?;
        rows.push((
            format!("{what}: `GET {path}`, {REQUESTS} sequential requests"),
            format!(
                "p50 {:.1} ms, p99 {:.1} ms",
                ms(percentile(&times, 0.5)),
                ms(percentile(&times, 0.99))
            ),
            against.clone(),
        ));
    }
    // An action for every user the list finds, asked first: reads all of them (with their
    // licenses, for the seats a deletion frees), so it is timed apart, a few times.
    let csrf = hidden(
        &client
            .get(format!("{}/users", server.base))
            .header("cookie", &cookie)
            .send()
            .await?
            .text()
            .await?,
        "csrf",
    )?;
    let mut asked = Vec::new();
    for _ in 0..5 {
        let begun = Instant::now();
        let response = client
            .post(format!("{}/users/bulk", server.base))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("action", "delete"),
                ("scope", "matching"),
                ("list", ""),
            ])
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        asked.push(begun.elapsed());
        if status != reqwest::StatusCode::OK || !body.contains("will be deleted") {
            bail!("asking to delete every user: {status} {body}");
        }
    }
    asked.sort();
    rows.push((
        format!(
            "delete every user the list finds, asked first (reads all {n_users}): `POST /users/bulk`, 5 requests"
        ),
        format!("p50 {:.0} ms, max {:.0} ms", ms(percentile(&asked, 0.5)), ms(asked[4])),
        "not a page view: the seconds an action on every user takes before it asks".into(),
    ));
    Ok(rows)
}
