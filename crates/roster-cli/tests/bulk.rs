//! `roster bulk` and `roster import users --dry-run`: the real `roster` binary against a real
//! server that runs its bulk jobs in the background, as a deployed one does.

use std::path::{Path, PathBuf};
use std::process::Output;

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

fn upn(alias: &str) -> String {
    format!("{alias}@{DOMAIN}")
}

/// Writes a CSV file into `dir` and returns its path as a string.
fn file(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_string()
}

/// A results file's rows, the header first; it must be readable by its owner only.
fn results(path: impl AsRef<Path>) -> Vec<Vec<String>> {
    use std::os::unix::fs::PermissionsExt;
    let path = path.as_ref();
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} is owner-only", path.display());
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap()
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The default results file of a bulk file.
fn results_of(file: &str) -> PathBuf {
    Path::new(file).with_extension("results.csv")
}

/// `(row, user, status, column)` of each row of a results file.
fn outcomes(rows: &[Vec<String>]) -> Vec<(String, String, String, String)> {
    rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[4].clone()))
        .collect()
}

fn row(n: &str, user: &str, status: &str, column: &str) -> (String, String, String, String) {
    (n.into(), user.into(), status.into(), column.into())
}

async fn user(app: &TestApp, alias: &str, select: &str) -> Value {
    app.get(&format!("/v1.0/users/{}?$select={select}", upn(alias)))
        .await
        .body
}

async fn n_jobs(app: &TestApp) -> usize {
    app.get("/roster/v1/jobs").await.body["value"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_and_unblock_with_a_dry_run_a_rerun_and_bad_rows() {
    let app = spawn().await;
    for alias in ["ann", "bob"] {
        app.create_user(alias, json!({})).await;
    }
    let work = tempfile::tempdir().unwrap();
    let block = file(
        work.path(),
        "block.csv",
        &format!("User Name\r\n{}\r\n{}\r\n", upn("ann"), upn("BOB")),
    );

    // A dry run prints each row and changes nothing.
    let dry = roster(&app, &["bulk", "block", &block, "--dry-run"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    let printed = String::from_utf8_lossy(&dry.stdout);
    assert!(
        printed.lines().any(|line| line.starts_with('2')
            && line.contains(&upn("ann"))
            && line.contains("succeeded")
            && line.contains("accountEnabled: true → false")),
        "{}",
        text(&dry)
    );
    assert!(text(&dry).contains("nothing was changed"), "{}", text(&dry));
    assert_eq!(
        user(&app, "ann", "accountEnabled").await["accountEnabled"],
        true
    );
    assert!(!results_of(&block).exists(), "a dry run writes no results");
    assert_eq!(n_jobs(&app).await, 0);

    let blocked = roster(&app, &["bulk", "block", &block]).await;
    assert_eq!(blocked.status.code(), Some(0), "{}", text(&blocked));
    let rows = results(results_of(&block));
    assert_eq!(
        rows[0],
        ["row", "user", "status", "objectId", "column", "error"]
    );
    assert_eq!(
        outcomes(&rows),
        [
            row("2", &upn("ann"), "succeeded", ""),
            row("3", &upn("BOB"), "succeeded", ""),
        ]
    );
    assert!(!rows[1][3].is_empty(), "the object id: {rows:?}");
    for alias in ["ann", "bob"] {
        assert_eq!(
            user(&app, alias, "accountEnabled").await["accountEnabled"],
            false
        );
    }

    // The same file again: nothing to do, and that is not a failure.
    let again = roster(&app, &["bulk", "block", &block]).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    // The first run's results (which could hold passwords) are kept; the second run's go beside.
    let first = results(results_of(&block));
    assert!(first[1..].iter().all(|r| r[2] == "succeeded"), "{first:?}");
    let rows = results(results_of(&block).with_extension("2.csv"));
    assert!(rows[1..].iter().all(|r| r[2] == "unchanged"), "{rows:?}");
    // A results file named on purpose is never overwritten.
    let named = results_of(&block).to_str().unwrap().to_string();
    let refused = roster(&app, &["bulk", "block", &block, "--results", &named]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("exists"), "{}", text(&refused));

    // Unblock, by id and by name, with a user that does not exist and one the file check refuses.
    let ann_id = user(&app, "ann", "id").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let unblock = file(
        work.path(),
        "unblock.csv",
        &format!(
            "user\n{ann_id}\n\n{}\nnobody@{DOMAIN}\nnot a user\n",
            upn("bob")
        ),
    );
    let results_path = work.path().join("unblock-outcome.csv");
    let unblocked = roster(
        &app,
        &[
            "bulk",
            "unblock",
            &unblock,
            "--results",
            results_path.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(unblocked.status.code(), Some(3), "{}", text(&unblocked));
    let rows = results(&results_path);
    assert_eq!(
        outcomes(&rows),
        [
            row("2", &ann_id, "succeeded", ""),
            row("4", &upn("bob"), "succeeded", ""),
            row("5", &format!("nobody@{DOMAIN}"), "failed", "user"),
            row("6", "not a user", "failed", "user"),
        ]
    );
    assert!(rows[3][5].contains("No user"), "{rows:?}");
    assert!(rows[4][5].contains("'not a user'"), "{rows:?}");
    for alias in ["ann", "bob"] {
        assert_eq!(
            user(&app, alias, "accountEnabled").await["accountEnabled"],
            true
        );
    }

    // Purging asks first; a script must say --yes.
    let purge = roster(&app, &["bulk", "purge", &block]).await;
    assert_eq!(purge.status.code(), Some(1), "{}", text(&purge));
    assert!(text(&purge).contains("--yes"), "{}", text(&purge));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_edited_in_a_spreadsheet_updates_what_changed() {
    let app = spawn().await;
    app.create_user(
        "ann",
        json!({ "department": "Sales", "city": "Delft", "usageLocation": "NL",
                "businessPhones": ["+31 15 000 0001"], "streetAddress": "Main Street 1\nBuilding B" }),
    )
    .await;
    app.create_user(
        "bob",
        json!({ "department": "Sales", "mobilePhone": "+31 6 0000 0002" }),
    )
    .await;
    app.create_user(
        "cid",
        json!({ "department": "Legal", "jobTitle": "Counsel" }),
    )
    .await;
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("users.csv");
    let exported = roster(&app, &["export", "users", export.to_str().unwrap()]).await;
    assert!(exported.status.success(), "{}", text(&exported));

    // As a spreadsheet would: read the cells, change two, write the file back.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&export)
        .unwrap();
    let mut records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let header = records[0].clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let (upn_col, department, mobile) = (
        column("userPrincipalName"),
        column("department"),
        column("mobilePhone"),
    );
    for record in &mut records[1..] {
        if record[upn_col] == upn("ann") {
            record[department] = "Finance".into();
        }
        if record[upn_col] == upn("bob") {
            record[mobile] = "+31 6 1111 2222".into();
        }
    }
    let mut writer = csv::Writer::from_path(&export).unwrap();
    for record in &records {
        writer.write_record(record).unwrap();
    }
    writer.flush().unwrap();
    let export = export.to_str().unwrap();

    let dry = roster(&app, &["bulk", "update", export, "--dry-run", "-o", "json"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    let preview: Value = serde_json::from_slice(&dry.stdout).unwrap();
    let by_user = |user: &str| {
        preview
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user"] == user)
            .unwrap_or_else(|| panic!("{user} in {preview}"))
            .clone()
    };
    assert_eq!(
        by_user(&upn("ann"))["change"],
        "department: Sales → Finance"
    );
    assert_eq!(
        by_user(&upn("ann"))["changes"]["before"]["department"],
        "Sales"
    );
    assert_eq!(by_user(&upn("cid"))["status"], "unchanged");
    assert_eq!(user(&app, "ann", "department").await["department"], "Sales");

    let updated = roster(&app, &["bulk", "update", export]).await;
    assert_eq!(updated.status.code(), Some(0), "{}", text(&updated));
    let rows = results(results_of(export));
    let status_of = |user: &str| {
        rows.iter()
            .find(|r| r[1] == user)
            .unwrap_or_else(|| panic!("{user} in {rows:?}"))[2]
            .clone()
    };
    assert_eq!(status_of(&upn("ann")), "succeeded");
    assert_eq!(status_of(&upn("bob")), "succeeded");
    assert_eq!(status_of(&upn("cid")), "unchanged");
    assert_eq!(status_of(roster_testkit::ADMIN_UPN), "unchanged");
    let ann = user(&app, "ann", "department,city,streetAddress,businessPhones").await;
    assert_eq!(
        (&ann["department"], &ann["city"], &ann["streetAddress"]),
        (
            &json!("Finance"),
            &json!("Delft"),
            &json!("Main Street 1\nBuilding B")
        )
    );
    assert_eq!(ann["businessPhones"], json!(["+31 15 000 0001"]));
    let bob = user(&app, "bob", "mobilePhone,department").await;
    assert_eq!(
        (&bob["mobilePhone"], &bob["department"]),
        (&json!("+31 6 1111 2222"), &json!("Sales"))
    );

    // <clear> empties a property; an empty cell leaves it alone.
    let clear = file(
        work.path(),
        "clear.csv",
        &format!(
            "userPrincipalName,jobTitle,department\n{},<clear>,\n",
            upn("cid")
        ),
    );
    let cleared = roster(&app, &["bulk", "update", &clear]).await;
    assert_eq!(cleared.status.code(), Some(0), "{}", text(&cleared));
    let cid = user(&app, "cid", "jobTitle,department").await;
    assert_eq!(
        (&cid["jobTitle"], &cid["department"]),
        (&Value::Null, &json!("Legal"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_contact_details_passwords_and_domains() {
    let app = spawn().await;
    for alias in ["ann", "bob"] {
        app.create_user(alias, json!({ "mail": upn(alias) })).await;
    }
    let work = tempfile::tempdir().unwrap();

    let mfa = file(
        work.path(),
        "mfa.csv",
        &format!(
            "User Name;MFA State;Default Method;Allowed Methods\n{};Enforced;oath;oath; sms\n{};enabled;;\n",
            upn("ann"),
            upn("bob")
        )
        .replace("oath; sms", "\"oath; sms\""),
    );
    let set = roster(&app, &["bulk", "mfa", &mfa]).await;
    assert_eq!(set.status.code(), Some(0), "{}", text(&set));
    let auth = file(
        work.path(),
        "auth.csv",
        &format!(
            "User Name,Authentication Phone,Alternate Authentication Phone,Authentication Email,Alternate Email,Fax\n\
             {},+31 6 1234 5678,,ann@home.example,ann@home.example;ann@work.example,+31 70 000 0000\n",
            upn("ann")
        ),
    );
    let set = roster(&app, &["bulk", "auth-contact-info", &auth]).await;
    assert_eq!(set.status.code(), Some(0), "{}", text(&set));
    let shown = roster(
        &app,
        &[
            "users",
            "show",
            &upn("ann"),
            "--select",
            "perUserMfaState,mfaDefaultMethod,mfaAllowedMethods,authenticationPhone,authenticationEmail,otherMails,faxNumber",
            "-o",
            "json",
        ],
    )
    .await;
    assert!(shown.status.success(), "{}", text(&shown));
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        shown,
        json!({
            "perUserMfaState": "enforced", "mfaDefaultMethod": "oath",
            "mfaAllowedMethods": ["oath", "sms"], "authenticationPhone": "+31 6 1234 5678",
            "authenticationEmail": "ann@home.example",
            "otherMails": ["ann@home.example", "ann@work.example"],
            "faxNumber": "+31 70 000 0000",
        })
    );
    assert_eq!(
        user(&app, "bob", "perUserMfaState").await["perUserMfaState"],
        "enabled"
    );

    // Passwords: bob's given, ann's generated and in the owner-only results file.
    let reset = file(
        work.path(),
        "reset.csv",
        &format!(
            "User Name,Password\n{},\n{},Corr3ct-Horse-Battery\n",
            upn("ann"),
            upn("bob")
        ),
    );
    let done = roster(&app, &["bulk", "reset-passwords", &reset]).await;
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
    let rows = results(results_of(&reset));
    assert_eq!(rows[0].last().unwrap(), "generatedPassword");
    assert_eq!(rows[1][2], "succeeded");
    assert!(rows[1][6].len() >= 22, "a generated password: {rows:?}");
    assert_eq!(
        (rows[2][2].as_str(), rows[2][6].as_str()),
        ("succeeded", "")
    );

    // Change the domain of every row with --domain.
    app.add_domain("fabrikam.example").await;
    let moves = file(
        work.path(),
        "moves.csv",
        &format!("UPN\n{}\n{}\n", upn("ann"), upn("bob")),
    );
    let missing = roster(&app, &["bulk", "change-domain", &moves]).await;
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(text(&missing).contains("--domain"), "{}", text(&missing));
    let moved = roster(
        &app,
        &[
            "bulk",
            "change-domain",
            &moves,
            "--domain",
            "fabrikam.example",
        ],
    )
    .await;
    assert_eq!(moved.status.code(), Some(0), "{}", text(&moved));
    let ann = app
        .get("/v1.0/users/ann@fabrikam.example?$select=userPrincipalName,mail")
        .await;
    assert_eq!(ann.body["mail"], "ann@fabrikam.example", "{:?}", ann.body);

    // And a new name for one of them.
    let rename = file(
        work.path(),
        "rename.csv",
        "User Name,New User Name\nbob@fabrikam.example,robert@fabrikam.example\n",
    );
    let renamed = roster(&app, &["bulk", "change-upn", &rename]).await;
    assert_eq!(renamed.status.code(), Some(0), "{}", text(&renamed));
    assert!(
        app.get("/v1.0/users/robert@fabrikam.example")
            .await
            .status
            .is_success()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_by_part_number_and_groups_by_name() {
    let app = spawn().await;
    app.buy("SPE_E3", 5).await;
    for alias in ["ann", "bob"] {
        app.create_user(alias, json!({ "usageLocation": "NL" }))
            .await;
    }
    let group = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Sales Team", "mailNickname": "salesteam", "mailEnabled": false, "securityEnabled": true }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let work = tempfile::tempdir().unwrap();
    let users = file(
        work.path(),
        "users.csv",
        &format!("User Name\n{}\n{}\n", upn("ann"), upn("bob")),
    );
    let licenses = |alias: &'static str| {
        let app = &app;
        async move {
            user(app, alias, "assignedLicenses").await["assignedLicenses"]
                .as_array()
                .unwrap()
                .len()
        }
    };

    let assigned = roster(
        &app,
        &[
            "bulk",
            "assign-licenses",
            &users,
            "--license",
            "spe_e3",
            "--disable-plan",
            "SWAY",
        ],
    )
    .await;
    assert_eq!(assigned.status.code(), Some(0), "{}", text(&assigned));
    assert_eq!((licenses("ann").await, licenses("bob").await), (1, 1));
    let disabled =
        user(&app, "ann", "assignedLicenses").await["assignedLicenses"][0]["disabledPlans"]
            .as_array()
            .unwrap()
            .len();
    assert_eq!(disabled, 1);
    let removed = roster(
        &app,
        &["bulk", "remove-licenses", &users, "--license", "SPE_E3"],
    )
    .await;
    assert_eq!(removed.status.code(), Some(0), "{}", text(&removed));
    assert_eq!((licenses("ann").await, licenses("bob").await), (0, 0));

    // A License column: an unknown subscription refuses its row only.
    let per_row = file(
        work.path(),
        "per-row.csv",
        &format!(
            "User Name,License\n{},SPE_E3\n{},SPE_E5\n",
            upn("ann"),
            upn("bob")
        ),
    );
    let mixed = roster(&app, &["bulk", "assign-licenses", &per_row]).await;
    assert_eq!(mixed.status.code(), Some(3), "{}", text(&mixed));
    let rows = results(results_of(&per_row));
    assert_eq!(
        outcomes(&rows),
        [
            row("2", &upn("ann"), "succeeded", ""),
            row("3", &upn("bob"), "failed", "License"),
        ]
    );
    assert!(rows[2][5].contains("SPE_E5"), "{rows:?}");
    assert_eq!((licenses("ann").await, licenses("bob").await), (1, 0));

    let joined = roster(
        &app,
        &["bulk", "add-to-groups", &users, "--group", "Sales Team"],
    )
    .await;
    assert_eq!(joined.status.code(), Some(0), "{}", text(&joined));
    let members = app.get(&format!("/v1.0/groups/{group}/members")).await;
    assert_eq!(members.body["value"].as_array().unwrap().len(), 2);
    let by_column = file(
        work.path(),
        "leave.csv",
        &format!("User Name,Group\n{},salesteam\n", upn("bob")),
    );
    let left = roster(&app, &["bulk", "remove-from-groups", &by_column]).await;
    assert_eq!(left.status.code(), Some(0), "{}", text(&left));
    let members = app.get(&format!("/v1.0/groups/{group}/members")).await;
    assert_eq!(members.body["value"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_dry_run_asks_the_server_and_creates_nothing() {
    let app = spawn().await;
    app.buy("SPE_E3", 1).await;
    app.create_user("ann", json!({})).await;
    let work = tempfile::tempdir().unwrap();
    let csv = file(
        work.path(),
        "new.csv",
        &format!(
            "User Name,Display Name,Department\n{},Ann,Sales\n{},New One,Sales\n{},New Two,Sales\n{},Bad,{}\n",
            upn("ann"),
            upn("new1"),
            upn("new2"),
            upn("bad"),
            "x".repeat(65)
        ),
    );
    let dry = roster(
        &app,
        &[
            "import",
            "users",
            &csv,
            "--dry-run",
            "--usage-location",
            "NL",
            "--license",
            "SPE_E3",
            "-o",
            "csv",
        ],
    )
    .await;
    assert_eq!(dry.status.code(), Some(3), "{}", text(&dry));
    let printed: Vec<Vec<String>> = csv::Reader::from_reader(dry.stdout.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let statuses: Vec<(&str, &str, &str, &str)> = printed
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("2", upn("ann").as_str(), "unchanged", ""),
            ("3", upn("new1").as_str(), "succeeded", ""),
            ("4", upn("new2").as_str(), "failed", "licenses"),
            ("5", upn("bad").as_str(), "failed", "Department"),
        ]
    );
    for alias in ["new1", "new2"] {
        assert_eq!(
            app.get(&format!("/v1.0/users/{}", upn(alias))).await.status,
            reqwest::StatusCode::NOT_FOUND
        );
    }
    assert_eq!(n_jobs(&app).await, 0);
    assert!(!results_of(&csv).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_is_refused_before_anything_is_sent() {
    let app = spawn().await;
    app.create_user("ann", json!({})).await;
    let work = tempfile::tempdir().unwrap();

    let unknown = file(
        work.path(),
        "unknown.csv",
        &format!("User Name,MFA State,Colour\n{},enabled,blue\n", upn("ann")),
    );
    let refused = roster(&app, &["bulk", "mfa", &unknown]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("row 1, column 'Colour'")
            && text(&refused).contains("MFA State, Default Method, Allowed Methods"),
        "{}",
        text(&refused)
    );

    let latin1 = work.path().join("latin1.csv");
    let mut bytes = b"User Name,City\n".to_vec();
    bytes.extend_from_slice(upn("ann").as_bytes());
    bytes.extend_from_slice(b",Li\xE8ge\n");
    std::fs::write(&latin1, bytes).unwrap();
    let refused = roster(&app, &["bulk", "contact-info", latin1.to_str().unwrap()]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("row 2: the file is not UTF-8"),
        "{}",
        text(&refused)
    );

    let twice = file(
        work.path(),
        "twice.csv",
        &format!("User Name\n{}\n\n{}\n", upn("ann"), upn("ANN")),
    );
    let refused = roster(&app, &["bulk", "block", &twice, "--dry-run"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("row 4, column 'User Name'")
            && text(&refused).contains("also on row 2"),
        "{}",
        text(&refused)
    );

    let usage = roster(&app, &["bulk", "block"]).await;
    assert_eq!(usage.status.code(), Some(2), "{}", text(&usage));

    assert_eq!(n_jobs(&app).await, 0, "nothing was submitted");
    let ann = user(&app, "ann", "accountEnabled,city").await;
    assert_eq!(
        (&ann["accountEnabled"], &ann["city"]),
        (&json!(true), &Value::Null)
    );
}

/// A cell that a spreadsheet would run as a formula (here, in a results file beside generated
/// passwords) is written with a `'` before it, in results, printed CSV and exports alike; an
/// export still reads back as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_a_spreadsheet_would_run_are_quoted() {
    const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example","x")"#;
    let quoted = format!("'{HYPERLINK}");
    let app = spawn().await;
    let work = tempfile::tempdir().unwrap();

    // An import's results: the refused row's user as the file wrote it.
    let csv = file(
        work.path(),
        "new.csv",
        &format!(
            "User Name,Display Name\n{},New One\n\"{}\",Eve\n",
            upn("new1"),
            HYPERLINK.replace('"', "\"\"")
        ),
    );
    let dry = roster(&app, &["import", "users", &csv, "--dry-run", "-o", "csv"]).await;
    assert_eq!(dry.status.code(), Some(3), "{}", text(&dry));
    let printed: Vec<Vec<String>> = csv::Reader::from_reader(dry.stdout.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(printed[1][1], quoted, "{printed:?}");
    let imported = roster(&app, &["import", "users", &csv]).await;
    assert_eq!(imported.status.code(), Some(3), "{}", text(&imported));
    let rows = results(results_of(&csv));
    assert_eq!(rows[0][6], "generatedPassword");
    assert!(rows[1][6].len() >= 20, "a generated password: {rows:?}");
    assert_eq!(
        (rows[2][1].as_str(), rows[2][2].as_str()),
        (quoted.as_str(), "failed")
    );

    // An export: quoted cells, which read back as the values they were.
    app.create_user(
        "eve",
        json!({ "userPrincipalName": format!("-eve@{DOMAIN}"), "displayName": HYPERLINK,
                "mobilePhone": "+31 20 123", "jobTitle": "@Boss", "department": "'=Sales" }),
    )
    .await;
    let export = work.path().join("users.csv");
    let exported = roster(&app, &["export", "users", export.to_str().unwrap()]).await;
    assert!(exported.status.success(), "{}", text(&exported));
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&export)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let header = &records[0];
    let eve = records
        .iter()
        .find(|r| r[0] == format!("'-eve@{DOMAIN}"))
        .unwrap_or_else(|| panic!("eve, quoted, in {records:?}"));
    let cell = |name: &str| {
        let index = header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap();
        eve[index].as_str()
    };
    assert_eq!(
        [
            cell("displayName"),
            cell("mobilePhone"),
            cell("jobTitle"),
            cell("department")
        ],
        [quoted.as_str(), "'+31 20 123", "'@Boss", "''=Sales"]
    );
    let export = export.to_str().unwrap();
    let dry = roster(&app, &["bulk", "update", export, "--dry-run", "-o", "json"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    let preview: Value = serde_json::from_slice(&dry.stdout).unwrap();
    let rows = preview.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{preview}");
    assert!(
        rows.iter().all(|row| row["status"] == "unchanged"),
        "an export changes nothing: {preview}"
    );
}
