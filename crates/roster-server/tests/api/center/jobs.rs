//! The jobs pages: every bulk job with who, when, progress and outcome; a job's rows in file
//! order a page at a time, or its failed rows only.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_listed_and_their_rows_shown_in_order_or_failed_first() {
    let app = spawn_app().await;
    // 150 rows, of which rows 2 and 120 fail (an address in a domain the tenant lacks).
    let rows: Vec<_> = (1..=150)
        .map(|n| {
            let domain = if n == 2 || n == 120 { "elsewhere.example" } else { DOMAIN };
            json!({ "userPrincipalName": format!("bulk{n}@{domain}"), "displayName": format!("Bulk {n}") })
        })
        .collect();
    let submitted = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": rows, "options": {} }),
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::ACCEPTED,
        "{:?}",
        submitted.body
    );
    let id = submitted.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;

    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/jobs").await;
    assert_eq!(page.status, StatusCode::OK);
    let row = page
        .body
        .split(&format!("href=\"/jobs/{id}\""))
        .nth(1)
        .expect("the job is listed");
    let row = row.split("</tr>").next().unwrap();
    assert!(row.contains("150 of 150"), "{row}");
    assert!(row.contains("Finished, 2 failed"), "{row}");

    // In file order, a hundred at a time.
    let page = browser.get(&format!("/jobs/{id}")).await;
    let first = page.body.find("bulk1@").unwrap();
    let third = page.body.find("bulk3@").unwrap();
    assert!(first < third);
    assert!(page.body.contains("bulk100@") && !page.body.contains("bulk101@"));
    assert!(
        page.body
            .contains(&format!("href=\"/jobs/{id}?after=100#rows\"")),
        "{}",
        page.body
    );
    let page = browser.get(&format!("/jobs/{id}?after=100")).await;
    assert!(page.body.contains("bulk101@") && page.body.contains("bulk150@"));
    assert!(!page.body.contains("?after=150"));
    // A created user links to its page.
    let created = app.get(&format!("/v1.0/users/bulk3@{DOMAIN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = browser.get(&format!("/jobs/{id}")).await;
    assert!(
        page.body
            .contains(&format!("<a href=\"/users/{created}\">bulk3@"))
    );

    // Only the failed rows, with why.
    let page = browser.get(&format!("/jobs/{id}?failed=1")).await;
    assert!(
        page.body.contains("bulk2@elsewhere.example")
            && page.body.contains("bulk120@elsewhere.example")
    );
    assert!(!page.body.contains("bulk3@"), "{}", page.body);
    assert!(page.body.contains("elsewhere.example"));
    // In Dutch.
    browser.set("roster_lang", "nl");
    let page = browser.get("/jobs").await;
    assert!(page.body.contains("Voltooid, 2 mislukt"), "{}", page.body);
}
