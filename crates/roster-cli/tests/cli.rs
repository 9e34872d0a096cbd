//! The real `roster` binary against a real server: sign in, import a CSV, list, re-import.

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
    assert!(
        text(&dry).contains("row 5: refused") && text(&dry).contains("Department"),
        "{}",
        text(&dry)
    );
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

    // The same file again: nothing changes, and the results say so.
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
    let parsed = roster_core::bulk_csv::parse(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(parsed.template, roster_core::bulk_csv::Template::Roster);
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
