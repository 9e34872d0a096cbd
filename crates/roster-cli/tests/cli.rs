//! The real `roster` binary against a real server: sign in, import a CSV, list, re-import.
//!
//! Past 800 lines on purpose: each test is one administrator's session of commands (sign in,
//! import, list, change, re-import), every command reading what the one before left, so a test
//! is long and reads in order; the nouns with more to them have files of their own (`bulk.rs`,
//! `groups.rs`).

use std::process::Output;

use roster_testkit::{CLIENT_SECRET, DOMAIN, Options, spawn_app_with};

async fn roster(config: &std::path::Path, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let config = config.to_path_buf();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(&args)
            .env("ROSTER_CONFIG_DIR", &config)
            .env_remove("ROSTER_URL")
            .env_remove("ROSTER_CLIENT_ID")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_import_list_and_reimport() {
    let app = spawn_app_with(Options {
        background_jobs: true,
        ..Default::default()
    })
    .await;
    app.buy("SPE_E3", 10).await;
    let group = app
        .post("/v1.0/groups", serde_json::json!({ "displayName": "New hires", "mailNickname": "newhires", "mailEnabled": false, "securityEnabled": true }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("config");

    let login = roster(
        &config,
        &[
            "login",
            "--url",
            &app.address,
            "--client-id",
            &app.client_id,
            "--client-secret",
            CLIENT_SECRET,
            "--tenant",
            DOMAIN,
        ],
    )
    .await;
    assert!(login.status.success(), "{}", text(&login));
    let credentials = config.join("credentials.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&credentials)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600,
        "owner-only token file"
    );

    let csv = work.path().join("new-hires.csv");
    std::fs::write(
        &csv,
        format!(
            "User Name,First Name,Last Name,Display Name,Job Title,Department,Office Number,Office Phone,Mobile Phone,Fax,Alternate email address,Address,City,State or Province,ZIP or Postal Code,Country or Region\n\
             ann@{DOMAIN},Ann,Smit,Ann Smit,Analyst,Sales,,,,,,,Utrecht,,,Netherlands\n\
             bob@{DOMAIN},Bob,Berg,Bob Berg,Engineer,Sales,,,,,,\"Main Street 1\nBuilding B\",Delft,,,Netherlands\n\
             cid@{DOMAIN},Cid,Jansen,Cid Jansen,Advisor,{},,,,,,,Gouda,,,Netherlands\n\
             dee@{DOMAIN},Dee,Visser,Dee Visser,Manager,Sales,,,,,,,Leiden,,,Netherlands\n",
            "x".repeat(65)
        ),
    )
    .unwrap();

    let dry = roster(
        &config,
        &["import", "users", csv.to_str().unwrap(), "--dry-run"],
    )
    .await;
    assert_eq!(dry.status.code(), Some(3), "{}", text(&dry));
    let printed = String::from_utf8_lossy(&dry.stdout);
    let line = |n: &str| {
        printed
            .lines()
            .find(|line| line.split_whitespace().next() == Some(n))
            .unwrap_or_else(|| panic!("row {n} in {}", text(&dry)))
    };
    assert!(
        line("5").contains("failed") && line("5").contains("Department"),
        "{}",
        text(&dry)
    );
    assert!(line("2").contains("succeeded") && line("2").contains("create"));
    assert_eq!(
        app.get(&format!("/v1.0/users/ann@{DOMAIN}")).await.status,
        reqwest::StatusCode::NOT_FOUND,
        "a dry run writes nothing"
    );

    let results = work.path().join("results.csv");
    let import = roster(
        &config,
        &[
            "import",
            "users",
            csv.to_str().unwrap(),
            "--usage-location",
            "NL",
            "--license",
            "SPE_E3",
            "--group",
            &group,
            "--results",
            results.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        import.status.code(),
        Some(3),
        "one row failed: {}",
        text(&import)
    );
    let mut reader = csv::Reader::from_path(&results).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let by_row = |n: &str| {
        rows.iter()
            .find(|r| &r[0] == n)
            .unwrap_or_else(|| panic!("row {n} in {rows:?}"))
            .clone()
    };
    // Row numbers are the file's lines: Bob's quoted address spans lines 3 and 4.
    for n in ["2", "3", "6"] {
        let row = by_row(n);
        assert_eq!(&row[2], "succeeded", "{row:?}");
        assert!(row[6].len() >= 22, "a generated password for row {n}");
    }
    let refused = by_row("5");
    assert_eq!((&refused[2], &refused[4]), ("failed", "Department"));

    let bob = app
        .get(&format!(
            "/v1.0/users/bob@{DOMAIN}?$select=streetAddress,usageLocation,assignedLicenses,city"
        ))
        .await;
    assert_eq!(bob.body["streetAddress"], "Main Street 1\nBuilding B");
    assert_eq!(bob.body["usageLocation"], "NL");
    assert_eq!(bob.body["assignedLicenses"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&format!("/v1.0/groups/{group}/members")).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let list = roster(
        &config,
        &[
            "users",
            "list",
            "--filter",
            "department eq 'Sales'",
            "--select",
            "userPrincipalName,city",
            "-o",
            "json",
        ],
    )
    .await;
    assert!(list.status.success(), "{}", text(&list));
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let mut upns: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    upns.sort();
    assert_eq!(
        upns,
        [
            format!("ann@{DOMAIN}"),
            format!("bob@{DOMAIN}"),
            format!("dee@{DOMAIN}")
        ]
    );

    // The same file again: nothing changes, and the results say so (in a file of their own:
    // the first run's, with its passwords, is kept).
    let results = work.path().join("again.csv");
    let again = roster(
        &config,
        &[
            "import",
            "users",
            csv.to_str().unwrap(),
            "--results",
            results.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&results)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.iter().filter(|r| &r[2] == "unchanged").count(), 3);

    // Export, and the export reads back as roster's own format with the same users.
    let export = work.path().join("sales.csv");
    let exported = roster(
        &config,
        &[
            "export",
            "users",
            export.to_str().unwrap(),
            "--filter",
            "department eq 'Sales'",
        ],
    )
    .await;
    assert!(exported.status.success(), "{}", text(&exported));
    let parsed = roster_csv::new_users::parse(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(parsed.template, roster_csv::new_users::Template::Roster);
    let rows: Vec<_> = parsed.rows.into_iter().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let bob_row = rows
        .iter()
        .find(|r| r.user_principal_name.alias() == "bob")
        .unwrap();
    assert_eq!(
        bob_row.street_address.as_deref(),
        Some("Main Street 1\nBuilding B")
    );
    assert_eq!(
        bob_row.usage_location.map(|l| l.to_string()).as_deref(),
        Some("NL")
    );
    assert!(bob_row.id.is_some());
    let results = work.path().join("reimport.csv");
    let reimport = roster(
        &config,
        &[
            "import",
            "users",
            export.to_str().unwrap(),
            "--results",
            results.to_str().unwrap(),
        ],
    )
    .await;
    assert!(reimport.status.success(), "{}", text(&reimport));
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&results)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert!(rows.iter().all(|r| &r[2] == "unchanged"), "{rows:?}");

    // Single users: create (generated password), update, delete, restore.
    let created = roster(
        &config,
        &[
            "users",
            "create",
            &format!("eve@{DOMAIN}"),
            "--display-name",
            "Eve Dekker",
            "--department",
            "Legal",
        ],
    )
    .await;
    assert!(created.status.success(), "{}", text(&created));
    let eve_id = String::from_utf8_lossy(&created.stdout).trim().to_string();
    assert!(text(&created).contains("generated password"));
    let updated = roster(
        &config,
        &[
            "users",
            "update",
            &format!("eve@{DOMAIN}"),
            "--job-title",
            "Counsel",
            "--usage-location",
            "BE",
        ],
    )
    .await;
    assert!(updated.status.success(), "{}", text(&updated));
    let eve = app
        .get(&format!(
            "/v1.0/users/{eve_id}?$select=jobTitle,usageLocation,department"
        ))
        .await;
    assert_eq!(
        (
            eve.body["jobTitle"].as_str(),
            eve.body["usageLocation"].as_str()
        ),
        (Some("Counsel"), Some("BE"))
    );
    let nothing = roster(&config, &["users", "update", &format!("eve@{DOMAIN}")]).await;
    assert!(!nothing.status.success() && text(&nothing).contains("nothing to change"));
    let bad = roster(
        &config,
        &[
            "users",
            "update",
            &format!("eve@{DOMAIN}"),
            "--usage-location",
            "Belgium",
        ],
    )
    .await;
    assert!(
        !bad.status.success() && text(&bad).contains("usageLocation"),
        "{}",
        text(&bad)
    );
    assert!(
        roster(&config, &["users", "delete", &format!("eve@{DOMAIN}")])
            .await
            .status
            .success()
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/{eve_id}")).await.status,
        reqwest::StatusCode::NOT_FOUND
    );
    assert!(
        roster(&config, &["users", "restore", &eve_id])
            .await
            .status
            .success()
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/{eve_id}")).await.status,
        reqwest::StatusCode::OK
    );

    let unreadable = roster(&config, &["import", "users", "/nonexistent.csv"]).await;
    assert!(!unreadable.status.success() && text(&unreadable).contains("/nonexistent.csv"));
}

#[tokio::test]
async fn shell_completions_name_the_commands() {
    let config = tempfile::tempdir().unwrap();
    let bash = roster(config.path(), &["completions", "bash"]).await;
    assert!(bash.status.success());
    let script = String::from_utf8_lossy(&bash.stdout);
    assert!(
        script.contains("import")
            && script.contains("login")
            && script.contains("--usage-location"),
        "{script}"
    );
}

/// Runs `roster` signed in through the environment, as a script would (no `roster login`).
async fn roster_env(app: &roster_testkit::TestApp, args: &[&str]) -> Output {
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
            .output()
            .expect("the roster binary runs")
    })
    .await
    .unwrap()
}

/// Standard output as JSON; fails the test (showing both streams) if it is not.
fn json_of(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", text(output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", text(output)))
}

/// Standard output as CSV records, the header first.
fn csv_of(output: &Output) -> Vec<csv::StringRecord> {
    assert!(output.status.success(), "{}", text(output));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(output.stdout.as_slice())
        .records()
        .map(|record| record.unwrap_or_else(|error| panic!("not CSV ({error}): {}", text(output))))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_with_disabled_plans() {
    let app = roster_testkit::spawn_app().await;
    let sku_id = app.buy("SPE_E3", 5).await;
    app.create_user("ann", serde_json::json!({ "usageLocation": "NL" }))
        .await;
    let ann = format!("ann@{DOMAIN}");

    let listed = json_of(&roster_env(&app, &["licenses", "list", "-o", "json"]).await);
    assert_eq!(
        listed,
        serde_json::json!([{
            "skuPartNumber": "SPE_E3", "skuId": sku_id, "enabled": 5, "consumed": 0,
            "available": 5, "capabilityStatus": "Enabled",
        }])
    );

    // Plans by name (in any case) and by id; the SKU by part number.
    let sway = app.get("/v1.0/subscribedSkus").await.body["value"][0]["servicePlans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|plan| plan["servicePlanName"] == "SWAY")
        .expect("E3 has Sway")["servicePlanId"]
        .as_str()
        .unwrap()
        .to_string();
    let assign = roster_env(
        &app,
        &[
            "licenses",
            "assign",
            &ann,
            "--sku",
            "spe_e3",
            "--disable-plan",
            "yammer_enterprise",
            "--disable-plan",
            &sway,
        ],
    )
    .await;
    assert!(assign.status.success(), "{}", text(&assign));

    let shown = json_of(&roster_env(&app, &["licenses", "show", &ann, "--output", "json"]).await);
    assert_eq!(shown[0]["skuPartNumber"], "SPE_E3");
    let mut disabled: Vec<&str> = shown[0]["disabledPlans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    disabled.sort();
    assert_eq!(disabled, ["SWAY", "YAMMER_ENTERPRISE"]);

    let plans =
        csv_of(&roster_env(&app, &["licenses", "show", &ann, "--plans", "-o", "csv"]).await);
    assert_eq!(
        plans[0].iter().collect::<Vec<_>>(),
        [
            "skuPartNumber",
            "servicePlanName",
            "servicePlanId",
            "provisioningStatus"
        ]
    );
    let status = |name: &str| {
        plans
            .iter()
            .find(|r| &r[1] == name)
            .map(|r| r[3].to_string())
    };
    assert_eq!(status("SWAY").as_deref(), Some("Disabled"));
    assert_eq!(status("EXCHANGE_S_ENTERPRISE").as_deref(), Some("Success"));

    let seats = csv_of(&roster_env(&app, &["licenses", "list", "-o", "csv"]).await);
    assert_eq!((&seats[1][3], &seats[1][4]), ("1", "4"), "{seats:?}");

    // A plan the license lacks, and a subscription the tenant lacks, change nothing.
    let no_plan = roster_env(
        &app,
        &[
            "licenses",
            "assign",
            &ann,
            "--sku",
            "SPE_E3",
            "--disable-plan",
            "NO_SUCH_PLAN",
        ],
    )
    .await;
    assert_eq!(no_plan.status.code(), Some(1), "{}", text(&no_plan));
    assert!(
        text(&no_plan).contains("EXCHANGE_S_ENTERPRISE"),
        "lists the plans: {}",
        text(&no_plan)
    );
    let no_sku = roster_env(&app, &["licenses", "assign", &ann, "--sku", "SPE_E5"]).await;
    assert_eq!(no_sku.status.code(), Some(4), "{}", text(&no_sku));
    assert!(text(&no_sku).contains("SPE_E3"), "{}", text(&no_sku));

    let removed = roster_env(&app, &["licenses", "remove", &ann, "--sku", &sku_id]).await;
    assert!(removed.status.success(), "{}", text(&removed));
    let shown = json_of(&roster_env(&app, &["licenses", "show", &ann, "-o", "json"]).await);
    assert_eq!(shown, serde_json::json!([]));

    let nobody = roster_env(&app, &["licenses", "show", &format!("nobody@{DOMAIN}")]).await;
    assert_eq!(nobody.status.code(), Some(4), "{}", text(&nobody));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_by_name() {
    let app = roster_testkit::spawn_app().await;
    for alias in ["ann", "bob", "cid"] {
        app.create_user(alias, serde_json::json!({})).await;
    }
    let (ann, bob, cid) = (
        format!("ann@{DOMAIN}"),
        format!("bob@{DOMAIN}"),
        format!("cid@{DOMAIN}"),
    );
    let created = roster_env(
        &app,
        &[
            "groups",
            "create",
            "--display-name",
            "Sales Team",
            "--mail-nickname",
            "salesteam",
            "--member",
            &cid,
        ],
    )
    .await;
    assert!(created.status.success(), "{}", text(&created));
    let group_id = String::from_utf8_lossy(&created.stdout).trim().to_string();

    let added = roster_env(&app, &["groups", "add-member", "Sales Team", &ann, &bob]).await;
    assert!(added.status.success(), "{}", text(&added));
    // Adding a member again leaves it as it is.
    let again = roster_env(&app, &["groups", "add-member", "sales team", &ann]).await;
    assert!(
        again.status.success() && text(&again).contains("already"),
        "{}",
        text(&again)
    );

    let members = |output: &Output| -> Vec<String> {
        let mut upns: Vec<String> = json_of(output)
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["userPrincipalName"].as_str().unwrap().to_string())
            .collect();
        upns.sort();
        upns
    };
    let listed = roster_env(&app, &["groups", "members", "Sales Team", "-o", "json"]).await;
    assert_eq!(members(&listed), [ann.clone(), bob.clone(), cid.clone()]);

    // By mail nickname; a user who is not a member is reported, not an error.
    let removed = roster_env(&app, &["groups", "remove-member", "salesteam", &bob, &cid]).await;
    assert!(removed.status.success(), "{}", text(&removed));
    let not_member = roster_env(&app, &["groups", "remove-member", "salesteam", &bob]).await;
    assert!(
        not_member.status.success() && text(&not_member).contains("not a member"),
        "{}",
        text(&not_member)
    );
    let listed = csv_of(&roster_env(&app, &["groups", "members", "salesteam", "-o", "csv"]).await);
    assert_eq!(
        listed[0].iter().collect::<Vec<_>>(),
        ["displayName", "userPrincipalName", "type", "id"]
    );
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!((&listed[1][1], &listed[1][2]), (ann.as_str(), "user"));

    // An unknown member changes nothing: every user is looked up first.
    let unknown = roster_env(
        &app,
        &[
            "groups",
            "add-member",
            "Sales Team",
            &bob,
            &format!("nobody@{DOMAIN}"),
        ],
    )
    .await;
    assert_eq!(unknown.status.code(), Some(4), "{}", text(&unknown));
    assert!(text(&unknown).contains("nobody@"), "{}", text(&unknown));
    let listed = roster_env(&app, &["groups", "members", &group_id, "-o", "json"]).await;
    assert_eq!(members(&listed), std::slice::from_ref(&ann));

    let shown = json_of(&roster_env(&app, &["groups", "show", "salesteam", "-o", "json"]).await);
    assert_eq!(
        (shown["id"].as_str(), shown["kind"].as_str()),
        (Some(group_id.as_str()), Some("Security"))
    );
    let m365 = roster_env(
        &app,
        &[
            "groups",
            "create",
            "--display-name",
            "Sales Team",
            "--mail-nickname",
            "sales-m365",
            "--m365",
        ],
    )
    .await;
    assert!(m365.status.success(), "{}", text(&m365));
    let groups = csv_of(
        &roster_env(
            &app,
            &[
                "groups",
                "list",
                "--filter",
                "displayName eq 'Sales Team'",
                "-o",
                "csv",
            ],
        )
        .await,
    );
    let mut kinds: Vec<&str> = groups[1..].iter().map(|r| &r[2]).collect();
    kinds.sort();
    assert_eq!(kinds, ["Microsoft 365", "Security"]);

    // Two groups now share the display name: the name is refused with both ids.
    let ambiguous = roster_env(&app, &["groups", "members", "Sales Team"]).await;
    assert_eq!(ambiguous.status.code(), Some(1), "{}", text(&ambiguous));
    assert!(text(&ambiguous).contains(&group_id), "{}", text(&ambiguous));
    let missing = roster_env(&app, &["groups", "show", "No Such Group"]).await;
    assert_eq!(missing.status.code(), Some(4), "{}", text(&missing));

    let deleted = roster_env(&app, &["groups", "delete", "salesteam"]).await;
    assert!(deleted.status.success(), "{}", text(&deleted));
    assert_eq!(
        roster_env(&app, &["groups", "show", &group_id])
            .await
            .status
            .code(),
        Some(4)
    );
    let restored = roster_env(&app, &["groups", "restore", &group_id]).await;
    assert!(restored.status.success(), "{}", text(&restored));
    let listed = roster_env(&app, &["groups", "members", "salesteam", "-o", "json"]).await;
    assert_eq!(
        members(&listed),
        [ann],
        "a restored group keeps its members"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_users_manager_recycle_bin_and_not_found() {
    let app = roster_testkit::spawn_app().await;
    let ann = app
        .create_user(
            "ann",
            serde_json::json!({ "usageLocation": "NL", "department": "Sales" }),
        )
        .await;
    app.create_user("bob", serde_json::json!({})).await;
    let cid = app.create_user("cid", serde_json::json!({})).await;
    let cid_id = cid["id"].as_str().unwrap();
    let (ann_upn, bob_upn) = (format!("ann@{DOMAIN}"), format!("bob@{DOMAIN}"));

    let unknown = roster_env(&app, &["users", "show", &format!("nobody@{DOMAIN}")]).await;
    assert_eq!(unknown.status.code(), Some(4), "{}", text(&unknown));
    assert!(
        text(&unknown).contains("no user nobody@"),
        "{}",
        text(&unknown)
    );
    assert_eq!(
        roster_env(&app, &["jobs", "show", cid_id])
            .await
            .status
            .code(),
        Some(4),
        "an unknown job"
    );
    let usage = roster_env(&app, &["users", "show"]).await;
    assert_eq!(usage.status.code(), Some(2));

    let set = roster_env(&app, &["users", "set-manager", &ann_upn, &bob_upn]).await;
    assert!(set.status.success(), "{}", text(&set));
    let shown = json_of(&roster_env(&app, &["users", "show", &ann_upn, "-o", "json"]).await);
    assert_eq!(shown["id"], ann["id"]);
    assert_eq!(shown["usageLocation"], "NL");
    assert_eq!(shown["department"], "Sales");
    assert_eq!(shown["manager"], bob_upn.as_str());
    let table = roster_env(&app, &["users", "show", &ann_upn]).await;
    assert!(
        String::from_utf8_lossy(&table.stdout)
            .lines()
            .any(|line| line.starts_with("manager") && line.ends_with(&bob_upn)),
        "{}",
        text(&table)
    );
    let removed = roster_env(&app, &["users", "set-manager", &ann_upn, "--remove"]).await;
    assert!(removed.status.success(), "{}", text(&removed));
    let shown = csv_of(
        &roster_env(
            &app,
            &[
                "users",
                "show",
                &ann_upn,
                "--select",
                "displayName,department",
                "-o",
                "csv",
            ],
        )
        .await,
    );
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[1].iter().collect::<Vec<_>>(), ["ann", "Sales"]);
    assert_eq!(
        app.get(&format!("/v1.0/users/{ann_upn}/manager"))
            .await
            .status,
        reqwest::StatusCode::NOT_FOUND
    );

    let revoked = roster_env(&app, &["users", "revoke-sessions", &ann_upn]).await;
    assert!(revoked.status.success(), "{}", text(&revoked));
    let audit = app.get("/roster/v1/auditLogs").await.body;
    assert!(
        audit["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["activityDisplayName"] == "Revoke sign-in sessions"),
        "{audit}"
    );

    // Recycle bin: list, purge (asks unless --yes), and then it is gone for good.
    let cid_upn = format!("cid@{DOMAIN}");
    assert!(
        roster_env(&app, &["users", "delete", &cid_upn])
            .await
            .status
            .success()
    );
    let bin = json_of(&roster_env(&app, &["deleted", "list", "-o", "json"]).await);
    assert_eq!(bin.as_array().unwrap().len(), 1);
    assert_eq!(bin[0]["userPrincipalName"], cid_upn.as_str());
    assert!(bin[0]["deletedDateTime"].is_string());
    let unasked = roster_env(&app, &["users", "purge", &cid_upn]).await;
    assert_eq!(unasked.status.code(), Some(1));
    assert!(text(&unasked).contains("--yes"), "{}", text(&unasked));
    let purged = roster_env(&app, &["users", "purge", &cid_upn, "--yes"]).await;
    assert!(purged.status.success(), "{}", text(&purged));
    let bin = csv_of(&roster_env(&app, &["deleted", "list", "-o", "csv"]).await);
    assert_eq!(bin.len(), 1, "only the header: {bin:?}");
    let gone = roster_env(&app, &["users", "restore", cid_id]).await;
    assert_eq!(gone.status.code(), Some(4), "{}", text(&gone));
    assert_eq!(
        app.get(&format!("/v1.0/directory/deletedItems/{cid_id}"))
            .await
            .status,
        reqwest::StatusCode::NOT_FOUND
    );

    let domains = json_of(&roster_env(&app, &["domains", "list", "-o", "json"]).await);
    assert_eq!(domains[0]["id"], DOMAIN);
    assert_eq!(domains[0]["isDefault"], true);

    // A domain added: the record to create; verified (the test server trusts its
    // administrators' word: it has no DNS), made the default and back, removed.
    let added = roster_env(&app, &["domains", "add", "fabrikam.example"]).await;
    assert!(added.status.success(), "{}", text(&added));
    assert!(
        text(&added).contains("value: roster-verification="),
        "{}",
        text(&added)
    );
    let verified = roster_env(&app, &["domains", "verify", "fabrikam.example"]).await;
    assert!(verified.status.success(), "{}", text(&verified));
    let made = roster_env(&app, &["domains", "default", "fabrikam.example"]).await;
    assert!(made.status.success(), "{}", text(&made));
    // The default cannot be removed: said, with a failure exit code.
    let refused = roster_env(&app, &["domains", "remove", "fabrikam.example"]).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("default domain"),
        "{}",
        text(&refused)
    );
    roster_env(&app, &["domains", "default", DOMAIN]).await;
    let removed = roster_env(&app, &["domains", "remove", "fabrikam.example"]).await;
    assert!(removed.status.success(), "{}", text(&removed));
    let domains = json_of(&roster_env(&app, &["domains", "list", "-o", "json"]).await);
    assert_eq!(domains.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_watch_and_results_to_a_private_csv_file() {
    let app = roster_testkit::spawn_app().await;
    let rows: Vec<serde_json::Value> = ["ann", "bob", "cid"]
        .iter()
        .map(|alias| {
            serde_json::json!({ "userPrincipalName": format!("{alias}@{DOMAIN}"), "displayName": alias })
        })
        .chain([serde_json::json!({ "userPrincipalName": "eve@elsewhere.example", "displayName": "Eve" })])
        .collect();
    let job = app
        .post(
            "/roster/v1/jobs/createUsers",
            serde_json::json!({ "rows": rows }),
        )
        .await;
    assert!(job.status.is_success(), "{:?}", job.body);
    let id = job.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;

    let watched = roster_env(&app, &["jobs", "watch", &id, "-o", "json"]).await;
    assert_eq!(
        watched.status.code(),
        Some(3),
        "one row failed: {}",
        text(&watched)
    );
    let watched: serde_json::Value = serde_json::from_slice(&watched.stdout).unwrap();
    assert_eq!(
        (
            &watched["status"],
            &watched["totalRows"],
            &watched["failedRows"]
        ),
        (
            &serde_json::json!("completed"),
            &serde_json::json!(4),
            &serde_json::json!(1)
        )
    );

    // A file that already exists, readable by others, becomes owner-only before anything is written.
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("results.csv");
    std::fs::write(&file, "old").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let results = roster_env(
        &app,
        &["jobs", "results", &id, "--file", file.to_str().unwrap()],
    )
    .await;
    assert!(results.status.success(), "{}", text(&results));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let records: Vec<csv::StringRecord> = csv::Reader::from_path(&file)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(records.len(), 4);
    for record in &records[..3] {
        assert_eq!(&record[2], "succeeded", "{record:?}");
        assert!(record[6].len() >= 22, "a generated password: {record:?}");
    }
    assert_eq!(&records[3][2], "failed");
    assert!(!records[3][5].is_empty(), "a reason: {:?}", records[3]);

    // The passwords were shown once; the outcomes stay.
    let again = json_of(&roster_env(&app, &["jobs", "results", &id, "-o", "json"]).await);
    assert_eq!(again.as_array().unwrap().len(), 4);
    assert!(
        again
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["generatedPassword"].is_null())
    );

    let listed = csv_of(&roster_env(&app, &["jobs", "list", "-o", "csv"]).await);
    assert_eq!(&listed[1][0], id.as_str());
    let shown = json_of(&roster_env(&app, &["jobs", "show", &id, "-o", "json"]).await);
    assert_eq!(shown["id"], id.as_str());
}

#[tokio::test]
async fn not_signed_in_says_how_to_sign_in() {
    let config = tempfile::tempdir().unwrap();
    let output = roster(config.path(), &["groups", "list"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).contains("roster login") && text(&output).contains("ROSTER_URL"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_passwords_from_the_file_or_generated() {
    let app = spawn_app_with(Options {
        background_jobs: true,
        ..Default::default()
    })
    .await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("entra.csv");
    let entra = |aliases: &[&str]| {
        let mut text = String::from(
            "version:v1.0\nName [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required\n",
        );
        for alias in aliases {
            text.push_str(&format!(
                "{alias},{alias}@{DOMAIN},Fi1e-Passw0rd-{alias},No\n"
            ));
        }
        text
    };
    let results_of = |path: &std::path::Path| -> Vec<csv::StringRecord> {
        csv::Reader::from_path(path)
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect()
    };

    // The file's passwords, kept at first sign-in.
    std::fs::write(&file, entra(&["kept"])).unwrap();
    let results = work.path().join("kept.csv");
    let output = roster_env(
        &app,
        &[
            "import",
            "users",
            file.to_str().unwrap(),
            "--no-force-change",
            "--results",
            results.to_str().unwrap(),
        ],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(&results_of(&results)[0][6], "", "no generated password");
    app.password_token(&format!("kept@{DOMAIN}"), "Fi1e-Passw0rd-kept")
        .await
        .expect("the file's password signs in, with no change required");

    // Generated passwords for everyone, whatever the file says.
    std::fs::write(&file, entra(&["gen"])).unwrap();
    let results = work.path().join("gen.csv");
    let output = roster_env(
        &app,
        &[
            "import",
            "users",
            file.to_str().unwrap(),
            "--generate-passwords",
            "--results",
            results.to_str().unwrap(),
        ],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output));
    let generated = results_of(&results)[0][6].to_string();
    assert!(generated.len() >= 20, "a generated password: {generated:?}");
    let wrong = app
        .password_token(&format!("gen@{DOMAIN}"), "Fi1e-Passw0rd-gen")
        .await
        .unwrap_err();
    assert_eq!(
        wrong.body["error_codes"][0], 50126,
        "the file's password is not the user's"
    );
    let expired = app
        .password_token(&format!("gen@{DOMAIN}"), &generated)
        .await
        .unwrap_err();
    assert_eq!(
        expired.body["error_codes"][0], 50055,
        "the generated one must be changed first"
    );
}

/// The value of `<input type="hidden" name="{name}" value="...">` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).expect("the hidden field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

/// What a person does in a browser with the code `roster login` shows: enters it at
/// `/devicelogin` and signs in there.
async fn complete_device_sign_in(app: &roster_testkit::TestApp, code: &str, upn: &str) {
    let http = reqwest::Client::new();
    let url = format!("{}/devicelogin", app.address);
    let form = http.get(&url).send().await.unwrap();
    let cookie = form
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = form.text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let named = http
        .post(&url)
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("code", code)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(named.contains("roster CLI"), "{named}");
    let done = http
        .post(&url)
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", code),
            ("decision", "password"),
            ("username", upn),
            ("password", roster_testkit::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("You have signed in"), "{done}");
}

/// `roster login` with no credentials given: the device code flow. It shows a code, waits while
/// the person signs in with it in a browser, and keeps a refresh token with which later commands
/// renew the access token by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_a_device_code_and_renew_by_itself() {
    use std::io::BufRead;
    let app = roster_testkit::spawn_app().await;
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("config");
    let mut login = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["login", "--url", &app.address, "--tenant", DOMAIN])
        .env("ROSTER_CONFIG_DIR", &config)
        .env_remove("ROSTER_URL")
        .env_remove("ROSTER_CLIENT_ID")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(login.stderr.take().unwrap());
    let mut message = String::new();
    stderr.read_line(&mut message).unwrap();
    assert!(
        message.contains(&format!("{}/devicelogin", app.address)),
        "{message}"
    );
    let code = message
        .split("enter the code ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a code in the message")
        .to_string();
    complete_device_sign_in(&app, &code, roster_testkit::ADMIN_UPN).await;
    let status = tokio::task::spawn_blocking(move || login.wait().unwrap())
        .await
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("renewed by itself"), "{rest}");

    let credentials = config.join("credentials.json");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    assert!(saved["refreshToken"].is_string(), "{saved}");
    let listed = roster(&config, &["users", "list", "-o", "json"]).await;
    assert!(listed.status.success(), "{}", text(&listed));
    assert!(text(&listed).contains(roster_testkit::ADMIN_UPN));

    // The access token about to end: the next command renews it (and the refresh token with it).
    let mut expiring = saved.clone();
    expiring["expiresAt"] = 0.into();
    std::fs::write(&credentials, expiring.to_string()).unwrap();
    let listed = roster(&config, &["users", "list", "-o", "json"]).await;
    assert!(listed.status.success(), "{}", text(&listed));
    let renewed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    assert_ne!(renewed["token"], saved["token"]);
    assert_ne!(renewed["refreshToken"], saved["refreshToken"]);
    assert!(renewed["expiresAt"].as_i64().unwrap() > 0);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&credentials)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    // Eight commands at once with the token about to end: one renews, the others use what it
    // got (were the refresh token used twice, the sign-in would end: without the renewal's lock
    // this fails).
    let mut expiring = renewed.clone();
    expiring["expiresAt"] = 0.into();
    std::fs::write(&credentials, expiring.to_string()).unwrap();
    let list = ["users", "list", "-o", "json"];
    let together = tokio::join!(
        roster(&config, &list),
        roster(&config, &list),
        roster(&config, &list),
        roster(&config, &list),
        roster(&config, &list),
        roster(&config, &list),
        roster(&config, &list),
        roster(&config, &list)
    );
    for listed in [
        together.0, together.1, together.2, together.3, together.4, together.5, together.6,
        together.7,
    ] {
        assert!(listed.status.success(), "{}", text(&listed));
    }
    let renewed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    let listed = roster(&config, &["users", "list", "-o", "json"]).await;
    assert!(
        listed.status.success(),
        "still signed in: {}",
        text(&listed)
    );

    // Signed out everywhere meanwhile: the renewal is refused, and the CLI says what to do.
    let admin = app
        .get(&format!("/v1.0/users/{}", roster_testkit::ADMIN_UPN))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/v1.0/users/{admin}/revokeSignInSessions"),
        serde_json::json!({}),
    )
    .await;
    let mut expiring = renewed.clone();
    expiring["expiresAt"] = 0.into();
    std::fs::write(&credentials, expiring.to_string()).unwrap();
    let refused = roster(&config, &["users", "list"]).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("roster login"),
        "{}",
        text(&refused)
    );
}

/// `roster apps`: an application registered, given a secret (printed once, and working),
/// restricted to assigned users, a user assigned and unassigned, a name that does not exist
/// (exit 4), and the application deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_are_registered_given_secrets_and_assigned() {
    let app = roster_testkit::spawn_app().await;
    app.create_user("ann", serde_json::json!({})).await;
    let created = roster_env(
        &app,
        &[
            "apps",
            "create",
            "--display-name",
            "Payroll",
            "--web",
            "https://payroll.contoso.example/cb",
        ],
    )
    .await;
    assert!(created.status.success(), "{}", text(&created));
    let listed = json_of(&roster_env(&app, &["apps", "list", "-o", "json"]).await);
    let payroll = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["displayName"] == "Payroll")
        .expect("listed")
        .clone();
    assert_eq!(payroll["assignmentRequired"], false);
    assert_eq!(payroll["enabled"], true);
    let app_id = payroll["appId"].as_str().unwrap().to_string();

    // The secret on standard output alone (the notice on standard error), and it works.
    let secret = roster_env(
        &app,
        &["apps", "add-secret", "Payroll", "--description", "ci"],
    )
    .await;
    assert!(secret.status.success(), "{}", text(&secret));
    let secret_text = String::from_utf8(secret.stdout.clone())
        .unwrap()
        .trim()
        .to_string();
    assert!(secret_text.len() >= 32, "{secret_text}");
    assert!(String::from_utf8_lossy(&secret.stderr).contains("shown this once"));
    let token = reqwest::Client::new()
        .post(format!("{}/{DOMAIN}/oauth2/v2.0/token", app.address))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app_id.as_str()),
            ("client_secret", secret_text.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert!(token.status().is_success());

    // Only assigned users; Ann assigned, then not.
    let required = roster_env(&app, &["apps", "require-assignment", &app_id, "on"]).await;
    assert!(required.status.success(), "{}", text(&required));
    let shown = json_of(&roster_env(&app, &["apps", "show", "Payroll", "-o", "json"]).await);
    assert_eq!(shown["assignmentRequired"], true);
    let upn = format!("ann@{DOMAIN}");
    let assigned = roster_env(&app, &["apps", "assign", "Payroll", &upn]).await;
    assert!(assigned.status.success(), "{}", text(&assigned));
    let assignments =
        csv_of(&roster_env(&app, &["apps", "assignments", "Payroll", "-o", "csv"]).await);
    assert_eq!(assignments.len(), 2, "a header and Ann");
    assert_eq!(&assignments[1][1], "User");
    let unassigned = roster_env(&app, &["apps", "unassign", "Payroll", &upn]).await;
    assert!(unassigned.status.success(), "{}", text(&unassigned));
    let assignments =
        csv_of(&roster_env(&app, &["apps", "assignments", "Payroll", "-o", "csv"]).await);
    assert_eq!(assignments.len(), 1, "the header alone");

    let missing = roster_env(&app, &["apps", "show", "Nope"]).await;
    assert_eq!(missing.status.code(), Some(4), "{}", text(&missing));
    let deleted = roster_env(&app, &["apps", "delete", "Payroll"]).await;
    assert!(deleted.status.success(), "{}", text(&deleted));
    let gone = roster_env(&app, &["apps", "show", &app_id]).await;
    assert_eq!(gone.status.code(), Some(4));
}
