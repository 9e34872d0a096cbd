//! Importing users from a CSV file: the check row by row, the job, its results file, and the file's problems worded.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_file_is_checked_row_by_row_then_imported_as_a_job_with_its_results() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 10).await;
    app.create_user("taken", json!({})).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/users/import").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.hidden("csrf");

    let header = "User Name,First Name,Last Name,Display Name,Job Title,Department,Office Number,Office Phone,Mobile Phone,Fax,Alternate email address,Address,City,State or Province,ZIP or Postal Code,Country or Region";
    let long = "x".repeat(300);
    let file = format!(
        "{header}\r\nnew1@contoso.example,New,One,New One,,Sales,,,,,,,,,,\r\nnew2@contoso.example,New,Two,New Two,,Sales,,,,,,,,,,\r\ntaken@contoso.example,Ta,Ken,Taken,,,,,,,,,,,,\r\nx@fabrikam.example,X,Y,Foreign,,,,,,,,,,,,\r\nlong@contoso.example,Lo,Ng,{long},,,,,,,,,,,,\r\n"
    );
    let (content_type, body) = multipart(
        &[
            ("csrf", &csrf),
            ("passwords", "generate"),
            ("forceChange", "on"),
            ("usageLocation", "nl"),
            ("license", &sku),
            ("group", ""),
        ],
        &file,
    );
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("2 users would be added, 3 rows would not."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td>6</td><td>long@contoso.example</td><td class=\"error\">Column Display Name: the value has 300 characters"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td>taken@contoso.example</td><td>Already there: nothing to do</td>"),
        "a re-run is safe: {}",
        page.body
    );
    // Said in the page's terms: no command of the CLI.
    assert!(
        page.body.contains(
            "fabrikam.example is not a domain of this organisation: use one of its domains."
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains("roster domains"), "{}", page.body);
    assert_eq!(
        app.get("/v1.0/users/new1@contoso.example").await.status,
        StatusCode::NOT_FOUND,
        "a check writes nothing"
    );

    // Starting it: a job whose page follows it and whose results name every row.
    let rows = unescape(&page.hidden("rows"));
    let options = unescape(&page.hidden("options"));
    let page = browser
        .post(
            "/users/import/start",
            &[("csrf", &csrf), ("rows", &rows), ("options", &options)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let job = page.location().to_string();
    assert!(job.starts_with("/jobs/"));
    let running = browser.get(&job).await;
    assert!(
        running.body.contains("http-equiv=\"refresh\""),
        "reloads while running: {}",
        running.body
    );
    app.drain_jobs().await;
    let done = browser.get(&job).await;
    // Only the two rows the check said would add a user were sent: the others were reported.
    assert!(
        done.body.contains("Finished:")
            && done.body.contains("2 of 2 rows")
            && !done.body.contains(" failed</p>")
            && !done.body.contains("class=\"blocked\""),
        "{}",
        done.body
    );
    assert!(!done.body.contains("http-equiv=\"refresh\""));
    let results = browser.get(&format!("{job}/results.csv")).await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(
        results.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let mut reader = csv::Reader::from_reader(results.body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    let new1 = records
        .iter()
        .find(|r| &r[1] == "new1@contoso.example")
        .unwrap();
    assert_eq!(&new1[2], "succeeded");
    assert!(
        new1[6].len() >= 16,
        "the generated password, for the submitter"
    );
    assert!(
        records.iter().all(|r| &r[2] == "succeeded"),
        "the refused rows never reached the job: {records:?}"
    );
    assert_eq!(
        app.get("/v1.0/users/x@fabrikam.example").await.status,
        StatusCode::NOT_FOUND
    );
    let user = app
        .get("/v1.0/users/new1@contoso.example?$select=usageLocation,assignedLicenses,department")
        .await
        .body;
    assert_eq!(user["usageLocation"], "NL");
    assert_eq!(user["assignedLicenses"][0]["skuId"], sku.as_str());

    // A file that cannot be read: the reason beside the file field.
    let (content_type, body) = multipart(
        &[("csrf", &csrf), ("passwords", "generate")],
        "Name;Whatever\r\na;b\r\n",
    );
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("role=\"alert\""), "{}", page.body);

    // Only those who may create users import them.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    assert_eq!(
        helpdesk.get("/users/import").await.status,
        StatusCode::FORBIDDEN
    );
    let results = helpdesk.get(&format!("{job}/results.csv")).await;
    assert!(
        !results.body.contains(&new1[6]),
        "another administrator never sees the passwords"
    );
}

/// A NUL character cannot be kept on either store: an uploaded file holding one is refused,
/// naming its row, and rows that hold one however they arrive fail on their own, leaving the
/// job and its worker to finish the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_an_import_is_refused_and_never_stops_a_job() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/users/import").await.hidden("csrf");

    let file =
        format!("User Name,Display Name\r\nnew1@{DOMAIN},New One\r\nnew2@{DOMAIN},New\0Two\r\n");
    let (content_type, body) = multipart(&[("csrf", &csrf), ("passwords", "generate")], &file);
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("NUL character (U+0000)") && page.body.contains("row 3"),
        "{}",
        page.body
    );

    // Rows as the start form carries them, one with a NUL.
    let rows = json!([
        { "userPrincipalName": format!("new1@{DOMAIN}"), "displayName": "New One" },
        { "userPrincipalName": format!("new2@{DOMAIN}"), "displayName": "New\u{0}Two" },
        { "userPrincipalName": format!("new3@{DOMAIN}"), "displayName": "New Three" },
    ])
    .to_string();
    let page = browser
        .post(
            "/users/import/start",
            &[("csrf", &csrf), ("rows", &rows), ("options", "{}")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let job = app.get("/roster/v1/jobs").await.body["value"][0].clone();
    assert_eq!(
        (&job["status"], &job["failedRows"]),
        (&json!("completed"), &json!(1)),
        "{job}"
    );
    let results = app
        .get(&format!(
            "/roster/v1/jobs/{}/results",
            job["id"].as_str().unwrap()
        ))
        .await
        .body;
    let statuses: Vec<&str> = results["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["succeeded", "failed", "succeeded"], "{results}");
    assert!(
        results["value"][1]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("U+0000"),
        "{results}"
    );
    for (alias, status) in [
        ("new1", StatusCode::OK),
        ("new2", StatusCode::NOT_FOUND),
        ("new3", StatusCode::OK),
    ] {
        let reply = app.get(&format!("/v1.0/users/{alias}@{DOMAIN}")).await;
        assert_eq!(reply.status, status, "{alias}");
    }
}

/// A job's results file echoes what was submitted: a cell that a spreadsheet would run as a
/// formula is written with a `'` before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_file_quotes_a_cell_a_spreadsheet_would_run() {
    const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example","x")"#;
    let app = spawn_app().await;
    let job = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [
                { "userPrincipalName": format!("new1@{DOMAIN}"), "displayName": "New One" },
                { "userPrincipalName": HYPERLINK, "displayName": "@SUM(1+1)" },
            ] }),
        )
        .await;
    assert!(job.status.is_success(), "{}", job.body);
    app.drain_jobs().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let results = browser
        .get(&format!(
            "/jobs/{}/results.csv",
            job.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.body);
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(results.body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(&records[0][2], "succeeded");
    assert_eq!(
        (&records[1][1], &records[1][2]),
        (format!("'{HYPERLINK}").as_str(), "failed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_page_words_a_files_problems_in_dutch() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 1).await;
    let dynamic = app
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Dynamic sales", "mailEnabled": false, "mailNickname": "dynsales",
                "securityEnabled": true, "groupTypes": ["DynamicMembership"],
                "membershipRule": "user.department -eq \"Sales\"",
                "membershipRuleProcessingState": "On",
            }),
        )
        .await;
    assert_eq!(dynamic.status, StatusCode::CREATED, "{}", dynamic.body);
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    browser.set("roster_lang", "nl");
    let page = browser.get("/users/import").await;
    assert!(
        !page.body.contains("Dynamic sales"),
        "a dynamic group takes no members by hand: {}",
        page.body
    );
    let csrf = page.hidden("csrf");

    let header = "User Name,Display Name,Mobile Phone";
    let file = format!(
        "{header}\nann@contoso.example,Ann,\nbob@contoso.example,Bob,\ncy@contoso.example,Cy,call me\nx@fabrikam.example,X,\n"
    );
    let (content_type, body) = multipart(
        &[
            ("csrf", &csrf),
            ("passwords", "generate"),
            ("usageLocation", "NL"),
            ("license", &sku),
        ],
        &file,
    );
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for dutch in [
        "Gelezen als de sjabloon van het Microsoft 365-beheercentrum: 1 gebruiker zou worden toegevoegd, 3 rijen niet.",
        // The file's own check.
        "Kolom Mobile Phone: 'call me' is geen telefoonnummer: 'c' is niet toegestaan",
        // The dry run's refusals, from the same reasons as the API's errors, products by their
        // names and no column named for what the form chose.
        "<td class=\"error\">Microsoft 365 E3 heeft geen licenties meer over",
        "Kolom User Name: fabrikam.example is geen domein van deze organisatie",
    ] {
        assert!(page.body.contains(dutch), "{dutch}: {}", page.body);
    }
    assert!(
        !page.body.contains("SPE_E3") && !page.body.contains("Kolom licenses"),
        "{}",
        page.body
    );

    // A usage location for the whole file that is not one: said beside that field.
    let (content_type, body) = multipart(&[("csrf", &csrf), ("usageLocation", "XX")], &file);
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let field = page
        .body
        .split("id=\"i-location\"")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .unwrap_or_default();
    assert!(
        field.contains("aria-invalid=\"true\"") && field.contains("“XX” is geen landcode"),
        "{}",
        page.body
    );

    // A file that cannot be read: the reason beside the field, in Dutch.
    let (content_type, body) = multipart(&[("csrf", &csrf)], "Naam;Afdeling\r\na;b\r\n");
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("rij 1: roster kan deze kopregel niet lezen; gevonden: 'Naam', 'Afdeling'"),
        "{}",
        page.body
    );
    let (content_type, body) = multipart(&[("csrf", &csrf)], "User Name,Display Name,Afdeling\n");
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert!(
        page.body
            .contains("rij 1, kolom 'Afdeling': de kopregel lijkt op de sjabloon van het Microsoft 365-beheercentrum, maar de kolom 'Afdeling' staat niet in"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_file_too_large_for_the_page_is_refused_beside_the_field() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/users/import").await.hidden("csrf");
    let row = "Ann,Smit,Ann Smit,ann@contoso.example\n";
    let file = format!(
        "First name,Last name,Display name,Username\n{}",
        row.repeat(5 * 1024 * 1024 / row.len())
    );
    let (content_type, body) = multipart(&[("csrf", &csrf), ("usageLocation", "NL")], &file);
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("larger than 4 MB"), "{}", page.body);
    assert!(page.body.contains("roster import users"));
    // The form is there again, with the choice made before the file kept.
    assert!(page.body.contains("name=\"file\""));
    assert!(page.body.contains("value=\"NL\""), "{}", page.body);
}
