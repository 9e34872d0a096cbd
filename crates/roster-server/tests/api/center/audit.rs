//! The audit log page: a hundred records at a time with the next ones a link away, each change
//! in words in the page's language, a password reset said as such, and the records found
//! exported.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_pages_on_says_each_change_in_words_and_exports_what_it_finds() {
    let app = spawn_app().await;
    let rows: Vec<_> = (1..=130)
        .map(|n| json!({ "userPrincipalName": format!("u{n:03}@{DOMAIN}"), "displayName": format!("U {n}") }))
        .collect();
    let submitted = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": rows, "options": {} }),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED);
    app.drain_jobs().await;
    let ann = app
        .create_user("ann", json!({ "department": "Sales" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.patch(
        &format!("/v1.0/users/{ann}"),
        json!({ "department": "Marketing" }),
    )
    .await;
    app.patch(
        &format!("/v1.0/users/{ann}"),
        json!({ "passwordProfile": { "password": "Another-Passw0rd!", "forceChangePasswordNextSignIn": true } }),
    )
    .await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;

    // "Add user" records: a hundred, then the rest a link away, none twice.
    let page = browser.get("/audit?operation=Add+user").await;
    let first = page.body.matches("<td>Add user</td>").count();
    assert_eq!(first, 100, "{}", page.body);
    let next = page
        .body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .expect("a link to the older records")
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        next.starts_with("/audit?operation=Add+user&page="),
        "{next}"
    );
    let older = browser.get(&next).await;
    let second = older.body.matches("<td>Add user</td>").count();
    // 131 users were added (the bulk job's and ann); the administrator came with the tenant.
    assert!(second >= 31, "{second}");
    assert!(!older.body.contains("rel=\"next\""));
    // A made-up page link is refused in words.
    let page = browser.get("/audit?page=nonsense").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);

    // A change in words, in Dutch: the property's name, before and after.
    browser.set("roster_lang", "nl");
    let page = browser.get("/audit?target=ann%40").await;
    assert!(
        page.body
            .contains("<th scope=\"row\">Afdeling</th><td>Sales</td><td>Marketing</td>"),
        "{}",
        page.body
    );
    // A password reset is said as such, with nothing of the password.
    assert!(
        page.body.contains("Het wachtwoord is opnieuw ingesteld"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Another-Passw0rd!") && !page.body.contains("{}"));
    browser.set("roster_lang", "en");

    // The export holds every record found, not a page of them.
    let file = browser.get("/audit/export.csv?operation=Add+user").await;
    assert_eq!(file.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(file.body.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Date (UTC)",
            "Actor",
            "Activity",
            "Target",
            "Change",
            "Client IP address",
            "Request ID"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), first + second);
    assert!(records.iter().all(|r| &r[2] == "Add user"));
    let file = browser.get("/audit/export.csv?target=ann%40").await;
    assert!(
        file.body.contains("Department: Sales → Marketing"),
        "{}",
        file.body
    );
}

/// The sign-in log's page: every sign-in, newest first, found by user, outcome and kind, a
/// failure said with Entra's code; only for those who may read the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_log_page_finds_sign_ins_by_user_outcome_and_kind() {
    let app = spawn_app().await;
    user_with_role(&app, "ua", Some("User Administrator")).await;
    let ua = format!("ua@{DOMAIN}");
    let mut other = Browser::new(&app);
    other.sign_in(&ua, "Wrong-Passw0rd!").await;
    other.sign_in(&ua, PASSWORD).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;

    let page = browser.get("/sign-ins").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("href=\"/sign-ins\""),
        "in the navigation"
    );
    let rows = |body: &str| body.matches("<tr><td>").count();
    assert_eq!(rows(&page.body), 3, "{}", page.body);
    let failures = browser.get("/sign-ins?status=failure").await;
    assert_eq!(rows(&failures.body), 1);
    assert!(
        failures.body.contains("<code>AADSTS50126</code>"),
        "{}",
        failures.body
    );
    let theirs = browser
        .get("/sign-ins?user=UA%40&status=success&kind=interactive")
        .await;
    assert_eq!(rows(&theirs.body), 1);
    assert!(theirs.body.contains(&ua));
    assert_eq!(
        rows(&browser.get("/sign-ins?kind=noninteractive").await.body),
        0
    );
    let bad = browser.get("/sign-ins?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("role=\"alert\""));

    // A User Administrator neither sees the link nor reads the page.
    let home = other.get("/").await;
    assert!(!home.body.contains("href=\"/sign-ins\""));
    assert_eq!(other.get("/sign-ins").await.status, StatusCode::FORBIDDEN);
}
