//! Dynamic groups and group-based licensing from the real `roster` binary, against a real server
//! that processes groups in the background as a deployed one does.

use std::process::Output;
use std::time::{Duration, Instant};

use roster_testkit::{CLIENT_SECRET, DOMAIN, Options, TestApp, spawn_app_with};
use serde_json::{Value, json};

async fn spawn() -> TestApp {
    spawn_app_with(Options {
        background_jobs: true,
        ..Default::default()
    })
    .await
}

/// Runs `roster` signed in through the environment, as a script would, without a terminal.
async fn roster(app: &TestApp, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (url, client_id) = (app.address.clone(), app.client_id.clone());
    tokio::task::spawn_blocking(move || {
        let config = tempfile::tempdir().unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(&args)
            .env("ROSTER_CONFIG_DIR", config.path())
            .env("ROSTER_URL", url)
            .env("ROSTER_TENANT", DOMAIN)
            .env("ROSTER_CLIENT_ID", client_id)
            .env("ROSTER_CLIENT_SECRET", CLIENT_SECRET)
            .env("ROSTER_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the roster binary runs")
    })
    .await
    .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard output as JSON; fails the test (showing both streams) if the command failed.
fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "{}", text(output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", text(output)))
}

/// Standard output as CSV records, the header first.
fn csv_of(output: &Output) -> Vec<Vec<String>> {
    assert!(output.status.success(), "{}", text(output));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(output.stdout.as_slice())
        .records()
        .map(|record| {
            record
                .unwrap_or_else(|error| panic!("not CSV ({error}): {}", text(output)))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn upn(alias: &str) -> String {
    format!("{alias}@{DOMAIN}")
}

/// The group's members' aliases, sorted, as the API gives them.
async fn members(app: &TestApp, group: &str) -> Vec<String> {
    let reply = app.get(&format!("/v1.0/groups/{group}/members")).await;
    let mut aliases: Vec<String> = reply.body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("members of {group}: {:?}", reply.body))
        .iter()
        .map(|m| m["displayName"].as_str().unwrap().to_string())
        .collect();
    aliases.sort();
    aliases
}

/// Polls `read` until it gives `expected` (the server works in the background); fails with the
/// last value after a while.
async fn wait_for<T, F, Fut>(what: &str, expected: T, mut read: F)
where
    T: PartialEq + std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let started = Instant::now();
    loop {
        let value = read().await;
        if value == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: still {value:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for_members(app: &TestApp, group: &str, expected: &[&str]) {
    let expected: Vec<String> = expected.iter().map(|a| a.to_string()).collect();
    wait_for("members", expected, || members(app, group)).await;
}

/// The user lines (by principal name) of a table section headed by a line starting with `heading`.
fn table_section(table: &str, heading: &str) -> Vec<String> {
    let mut lines = table.lines().skip_while(|line| !line.starts_with(heading));
    assert!(lines.next().is_some(), "no section {heading} in:\n{table}");
    let mut names: Vec<String> = lines
        .take_while(|line| !line.is_empty())
        .skip(1)
        .map(|line| line.split_whitespace().next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_groups_from_rules_previewed_paused_and_resumed() {
    let app = spawn().await;
    for (alias, department, country) in [
        ("ann", "Sales", "NL"),
        ("bob", "Sales", "DE"),
        ("cas", "Finance", "NL"),
    ] {
        app.create_user(
            alias,
            json!({ "department": department, "country": country }),
        )
        .await;
    }
    let sales_rule = "user.department -eq \"Sales\"";

    // A mistake in the rule is shown where it is, and creates nothing.
    let bad = roster(
        &app,
        &[
            "groups",
            "create",
            "--display-name",
            "Sales",
            "--mail-nickname",
            "sales",
            "--rule",
            "user.department -equals \"Sales\"",
        ],
    )
    .await;
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    let said = text(&bad);
    assert!(
        said.contains("at position 17") && said.contains("-equals"),
        "{said}"
    );
    assert!(
        said.contains("  user.department -equals \"Sales\"\n                  ^"),
        "a caret under the mistake: {said}"
    );
    let groups = app.get("/v1.0/groups?$filter=displayName eq 'Sales'").await;
    assert_eq!(groups.body["value"], json!([]), "nothing created");
    let both = roster(
        &app,
        &[
            "groups",
            "create",
            "--display-name",
            "Sales",
            "--mail-nickname",
            "sales",
            "--rule",
            sales_rule,
            "--member",
            &upn("ann"),
        ],
    )
    .await;
    assert_eq!(
        both.status.code(),
        Some(2),
        "a usage error: {}",
        text(&both)
    );

    // Created paused, it has no members until resumed.
    let created = roster(
        &app,
        &[
            "groups",
            "create",
            "--display-name",
            "Sales",
            "--mail-nickname",
            "sales",
            "--rule",
            sales_rule,
            "--paused",
        ],
    )
    .await;
    assert!(created.status.success(), "{}", text(&created));
    let group = stdout(&created).trim().to_string();
    let shown = json_of(&roster(&app, &["groups", "show", "sales", "-o", "json"]).await);
    assert_eq!(shown["id"], group.as_str());
    assert_eq!(shown["kind"], "Security");
    assert_eq!(shown["membershipRule"], sales_rule);
    assert_eq!(shown["membershipRuleProcessingState"], "Paused");
    let reply = app.get(&format!("/v1.0/groups/{group}")).await;
    assert_eq!(reply.body["groupTypes"], json!(["DynamicMembership"]));
    assert!(members(&app, &group).await.is_empty());

    let resumed = roster(&app, &["groups", "resume", "Sales"]).await;
    assert!(resumed.status.success(), "{}", text(&resumed));
    wait_for_members(&app, &group, &["ann", "bob"]).await;
    let listed = json_of(&roster(&app, &["groups", "members", "sales", "-o", "json"]).await);
    let mut listed: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["userPrincipalName"].as_str().unwrap())
        .collect();
    listed.sort();
    assert_eq!(listed, [upn("ann"), upn("bob")]);

    // Paused, the members stay as they are when users change (running, they would move at once).
    let paused = roster(&app, &["groups", "pause", &group]).await;
    assert!(paused.status.success(), "{}", text(&paused));
    let shown = json_of(&roster(&app, &["groups", "show", "sales", "-o", "json"]).await);
    assert_eq!(shown["membershipRuleProcessingState"], "Paused");
    let cas = app
        .patch(
            &format!("/v1.0/users/{}", upn("cas")),
            json!({ "department": "Sales" }),
        )
        .await;
    assert_eq!(cas.status, reqwest::StatusCode::NO_CONTENT);
    assert_eq!(members(&app, &group).await, ["ann", "bob"]);

    // A preview against the group: who would join and leave; nothing changes.
    let nl_rule = "user.department -eq \"Sales\" -and user.country -eq \"NL\"";
    let preview = json_of(
        &roster(
            &app,
            &[
                "groups",
                "preview-rule",
                "user.country -eq \"NL\"",
                "--group",
                "sales",
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(preview["matchingUsers"], 2, "{preview}");
    assert_eq!(preview["joining"]["count"], 1, "{preview}");
    assert_eq!(
        preview["joining"]["sample"][0]["userPrincipalName"],
        upn("cas")
    );
    assert_eq!(preview["leaving"]["count"], 1, "{preview}");
    assert_eq!(
        preview["leaving"]["sample"][0]["userPrincipalName"],
        upn("bob")
    );
    let table = roster(
        &app,
        &[
            "groups",
            "preview-rule",
            nl_rule,
            "--group",
            "sales",
            "--top",
            "1",
        ],
    )
    .await;
    assert!(table.status.success(), "{}", text(&table));
    let table = stdout(&table);
    assert!(
        table.starts_with("the rule matches 2 users (1 shown; --top shows more)"),
        "{table}"
    );
    assert_eq!(table_section(&table, "1 would join Sales"), [upn("cas")]);
    assert_eq!(table_section(&table, "1 would leave Sales"), [upn("bob")]);
    assert!(table.contains("the group gives no licenses"), "{table}");
    let rows = csv_of(&roster(&app, &["groups", "preview-rule", nl_rule, "-o", "csv"]).await);
    assert_eq!(
        rows[0][..5],
        ["section", "count", "userPrincipalName", "displayName", "id"]
    );
    let mut sampled: Vec<&str> = rows[1..]
        .iter()
        .filter(|r| r[0] == "matching" && !r[2].is_empty())
        .map(|r| r[2].as_str())
        .collect();
    sampled.sort();
    assert_eq!(sampled, [upn("ann"), upn("cas")]);
    assert!(
        rows.iter().any(|r| r[0] == "matching" && r[1] == "2"),
        "{rows:?}"
    );
    assert!(
        !rows.iter().any(|r| r[0] == "joining"),
        "no group, no joiners: {rows:?}"
    );
    assert_eq!(
        members(&app, &group).await,
        ["ann", "bob"],
        "a preview changes nothing"
    );
    let bad = roster(&app, &["groups", "preview-rule", "user.department -eq"]).await;
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("at position 20"), "{}", text(&bad));

    // Resumed, the rule catches up; a new rule moves the members.
    let resumed = roster(&app, &["groups", "resume", "sales"]).await;
    assert!(resumed.status.success(), "{}", text(&resumed));
    wait_for_members(&app, &group, &["ann", "bob", "cas"]).await;
    let set = roster(&app, &["groups", "set-rule", "Sales", nl_rule]).await;
    assert!(set.status.success(), "{}", text(&set));
    wait_for_members(&app, &group, &["ann", "cas"]).await;
    let shown = json_of(&roster(&app, &["groups", "show", "sales", "-o", "json"]).await);
    assert_eq!(shown["membershipRule"], nl_rule);
    assert_eq!(shown["membershipRuleProcessingState"], "On");

    // A bad new rule leaves the old one; an assigned group has no rule to set or pause.
    let bad = roster(
        &app,
        &["groups", "set-rule", "sales", "(user.country -eq \"NL\""],
    )
    .await;
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("position"), "{}", text(&bad));
    let reply = app.get(&format!("/v1.0/groups/{group}")).await;
    assert_eq!(reply.body["membershipRule"], nl_rule);
    let assigned = roster(
        &app,
        &[
            "groups",
            "create",
            "--display-name",
            "Office",
            "--mail-nickname",
            "office",
        ],
    )
    .await;
    assert!(assigned.status.success(), "{}", text(&assigned));
    for command in ["pause", "resume"] {
        let refused = roster(&app, &["groups", command, "office"]).await;
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
        assert!(
            text(&refused).contains("assigned members"),
            "{}",
            text(&refused)
        );
    }
    let refused = roster(&app, &["groups", "set-rule", "office", sales_rule]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert_eq!(
        roster(&app, &["groups", "pause", "nosuchgroup"])
            .await
            .status
            .code(),
        Some(4)
    );
}

async fn licensed(app: &TestApp, alias: &str) -> Value {
    app.get(&format!(
        "/v1.0/users/{}?$select=assignedLicenses",
        upn(alias)
    ))
    .await
    .body["assignedLicenses"]
        .clone()
}

async fn consumed(app: &TestApp) -> i64 {
    app.get("/v1.0/subscribedSkus").await.body["value"][0]["consumedUnits"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_licenses_assigned_in_error_previewed_and_removed() {
    let app = spawn().await;
    let e3 = app.buy("SPE_E3", 2).await;
    let sway = app.get("/v1.0/subscribedSkus").await.body["value"][0]["servicePlans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|plan| plan["servicePlanName"] == "SWAY")
        .expect("E3 has Sway")["servicePlanId"]
        .clone();
    let ops = json!({ "department": "Ops", "usageLocation": "NL" });
    for alias in ["ann", "bob", "eve"] {
        app.create_user(alias, ops.clone()).await;
    }
    app.create_user(
        "gus",
        json!({ "department": "Ops", "usageLocation": "NL", "userType": "Guest" }),
    )
    .await;
    app.create_user("nowhere", json!({ "department": "Ops" }))
        .await;
    let located = ["ann", "bob", "gus"];
    let mut create = vec![
        "groups",
        "create",
        "--display-name",
        "Staff",
        "--mail-nickname",
        "staff",
    ];
    let member_upns: Vec<String> = ["ann", "bob", "gus", "nowhere"]
        .iter()
        .map(|a| upn(a))
        .collect();
    for member in &member_upns {
        create.extend(["--member", member]);
    }
    let created = roster(&app, &create).await;
    assert!(created.status.success(), "{}", text(&created));
    let group = stdout(&created).trim().to_string();

    // Names the tenant lacks change nothing.
    let no_sku = roster(
        &app,
        &["groups", "licenses", "assign", "staff", "--sku", "SPE_E5"],
    )
    .await;
    assert_eq!(no_sku.status.code(), Some(4), "{}", text(&no_sku));
    let no_plan = roster(
        &app,
        &[
            "groups",
            "licenses",
            "assign",
            "staff",
            "--sku",
            "SPE_E3",
            "--disable-plan",
            "NO_SUCH_PLAN",
        ],
    )
    .await;
    assert_eq!(no_plan.status.code(), Some(1), "{}", text(&no_plan));
    let shown =
        json_of(&roster(&app, &["groups", "licenses", "show", "staff", "-o", "json"]).await);
    assert_eq!(shown, json!([]));

    // Two seats for three members with a usage location (one a guest, which the server warns
    // about) and one without: followed to the end with --wait.
    let assigned = roster(
        &app,
        &[
            "groups",
            "licenses",
            "assign",
            "Staff",
            "--sku",
            "spe_e3",
            "--disable-plan",
            "sway",
            "--wait",
        ],
    )
    .await;
    assert!(assigned.status.success(), "{}", text(&assigned));
    let said = String::from_utf8_lossy(&assigned.stderr).into_owned();
    assert!(
        said.contains("warning: The group has guests among its members"),
        "{said}"
    );
    assert!(said.contains("ProcessingComplete"), "{said}");
    assert!(said.contains("2 members could not be licensed"), "{said}");
    let expected = json!([{ "skuId": e3, "disabledPlans": [sway] }]);
    let mut holders = Vec::new();
    for alias in located {
        let licenses = licensed(&app, alias).await;
        if licenses != json!([]) {
            assert_eq!(licenses, expected, "{alias}");
            holders.push(alias);
        }
    }
    assert_eq!(holders.len(), 2, "two seats: {holders:?}");
    assert_eq!(licensed(&app, "nowhere").await, json!([]));
    assert_eq!(consumed(&app).await, 2);

    let shown =
        json_of(&roster(&app, &["groups", "licenses", "show", "staff", "-o", "json"]).await);
    assert_eq!(
        shown,
        json!([{
            "skuPartNumber": "SPE_E3", "skuId": e3, "disabledPlans": ["SWAY"],
            "processingState": "ProcessingComplete",
        }])
    );
    let table = roster(&app, &["groups", "licenses", "show", &group]).await;
    assert!(
        stdout(&table)
            .lines()
            .any(|line| line.starts_with("SPE_E3") && line.ends_with("ProcessingComplete")),
        "{}",
        text(&table)
    );
    assert!(
        text(&table).contains("2 members in error"),
        "{}",
        text(&table)
    );

    // The members in error, and why.
    let waiting = located
        .iter()
        .find(|alias| !holders.contains(alias))
        .unwrap();
    let errors = json_of(&roster(&app, &["groups", "license-errors", "staff", "-o", "json"]).await);
    let mut errors: Vec<(String, String, String, String)> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["userPrincipalName"].as_str().unwrap().to_string(),
                e["skuPartNumber"].as_str().unwrap().to_string(),
                e["error"].as_str().unwrap().to_string(),
                e["explanation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let by_user = |alias: &str| {
        errors
            .iter()
            .find(|e| e.0 == upn(alias))
            .unwrap_or_else(|| panic!("{alias} in {errors:?}"))
    };
    let count = by_user(waiting);
    assert_eq!(
        (count.1.as_str(), count.2.as_str()),
        ("SPE_E3", "CountViolation")
    );
    assert!(
        count.3.starts_with("no seat free: buy more or free some"),
        "{count:?}"
    );
    let other = by_user("nowhere");
    assert_eq!(other.2, "Other");
    assert!(other.3.contains("no usage location"), "{other:?}");
    let rows = csv_of(&roster(&app, &["groups", "license-errors", &group, "-o", "csv"]).await);
    assert_eq!(
        rows[0],
        [
            "userPrincipalName",
            "skuPartNumber",
            "error",
            "explanation",
            "id"
        ]
    );
    assert_eq!(rows.len(), 3, "{rows:?}");

    // Reprocessing says how the user's group licenses stand.
    let reprocessed = roster(&app, &["users", "reprocess-licenses", &upn("nowhere")]).await;
    assert!(reprocessed.status.success(), "{}", text(&reprocessed));
    assert!(
        text(&reprocessed).contains("SPE_E3 from Staff: Other: the user has no usage location"),
        "{}",
        text(&reprocessed)
    );
    let reprocessed = roster(&app, &["users", "reprocess-licenses", &upn(holders[0])]).await;
    assert!(
        reprocessed.status.success() && text(&reprocessed).contains("SPE_E3 from Staff: Active"),
        "{}",
        text(&reprocessed)
    );
    let nobody = roster(&app, &["users", "reprocess-licenses", &upn("nobody")]).await;
    assert_eq!(nobody.status.code(), Some(4), "{}", text(&nobody));

    // A preview of a rule that takes in one more user: one more seat needed, none free.
    let preview = roster(
        &app,
        &[
            "groups",
            "preview-rule",
            "user.department -eq \"Ops\"",
            "--group",
            "staff",
            "-o",
            "json",
        ],
    )
    .await;
    let said = String::from_utf8_lossy(&preview.stderr).into_owned();
    let preview = json_of(&preview);
    assert_eq!(preview["joining"]["count"], 1, "{preview}");
    assert_eq!(
        preview["joining"]["sample"][0]["userPrincipalName"],
        upn("eve")
    );
    assert_eq!(preview["leaving"]["count"], 0, "{preview}");
    let license = &preview["licenses"][0];
    assert_eq!(license["skuPartNumber"], "SPE_E3", "{preview}");
    assert_eq!(
        (
            &license["granted"],
            &license["seatsNeeded"],
            &license["seatsAvailable"]
        ),
        (&json!(1), &json!(1), &json!(0)),
        "{preview}"
    );
    assert!(
        said.contains("warning: SPE_E3 needs 1 more seats and has 0 free"),
        "{said}"
    );
    let table = roster(
        &app,
        &[
            "groups",
            "preview-rule",
            "user.department -eq \"Ops\"",
            "--group",
            "staff",
        ],
    )
    .await;
    let table = stdout(&table);
    let licenses: Vec<&str> = table
        .lines()
        .skip_while(|line| *line != "licenses")
        .skip(1)
        .collect();
    assert_eq!(licenses.len(), 2, "{table}");
    assert_eq!(
        licenses[1].split_whitespace().collect::<Vec<_>>(),
        ["SPE_E3", "1", "0", "1", "0"],
        "{table}"
    );

    // Removed, the licenses leave every member and free the seats.
    let removed = roster(
        &app,
        &["groups", "licenses", "remove", "staff", "--sku", "SPE_E3"],
    )
    .await;
    assert!(removed.status.success(), "{}", text(&removed));
    assert!(
        text(&removed).contains("licenses show staff"),
        "{}",
        text(&removed)
    );
    wait_for(
        "processing",
        Some("ProcessingComplete".to_string()),
        || async {
            app.get(&format!("/v1.0/groups/{group}")).await.body["licenseProcessingState"]["state"]
                .as_str()
                .map(str::to_string)
        },
    )
    .await;
    for alias in located {
        assert_eq!(licensed(&app, alias).await, json!([]), "{alias}");
    }
    assert_eq!(consumed(&app).await, 0);
    let shown =
        json_of(&roster(&app, &["groups", "licenses", "show", "staff", "-o", "json"]).await);
    assert_eq!(shown, json!([]));
    let errors = json_of(&roster(&app, &["groups", "license-errors", "staff", "-o", "json"]).await);
    assert_eq!(errors, json!([]));
    let again = roster(
        &app,
        &["groups", "licenses", "remove", "staff", "--sku", "SPE_E3"],
    )
    .await;
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
}

#[tokio::test]
async fn shell_completions_know_the_group_commands() {
    let config = tempfile::tempdir().unwrap();
    let bash = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(["completions", "bash"])
            .env("ROSTER_CONFIG_DIR", config.path())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(bash.status.success());
    let script = String::from_utf8_lossy(&bash.stdout);
    for word in [
        "preview-rule",
        "set-rule",
        "license-errors",
        "reprocess-licenses",
        "--disable-plan",
        "--paused",
        "--wait",
    ] {
        assert!(script.contains(word), "{word}");
    }
}
