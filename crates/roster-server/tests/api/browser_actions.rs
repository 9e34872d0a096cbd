//! The admin center's actions the walk in `browser.rs` does not take, in a real headless
//! Chromium: an action on every user a list finds (asked first, then a bulk job followed to its
//! end), a group renamed, given and stripped of a member and deleted (each removal asked
//! first), a contact added, changed and deleted, a domain added, verified and removed, the
//! organisation's name changed, and a user given a role, blocked and deleted. Every step is
//! checked through the API as well as on the page.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use roster_testkit::{ADMIN_PASSWORD, ADMIN_UPN, Options, spawn_app_with};

use super::browser::{browser, fill_and_submit, start_driver, submit_sign_in, text, wait_for_text};

async fn click(client: &Client, locator: Locator<'_>) {
    client
        .find(locator)
        .await
        .unwrap_or_else(|e| panic!("{locator:?}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn choose(client: &Client, select: &str, value: &str) {
    client
        .find(Locator::Css(select))
        .await
        .unwrap_or_else(|e| panic!("{select}: {e}"))
        .select_by_value(value)
        .await
        .unwrap();
}

/// Replaces what a field holds.
async fn retype(client: &Client, id: &str, value: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// How many members a group has, by the API.
async fn member_count(app: &roster_testkit::TestApp, group: &str) -> usize {
    let members = app
        .get(&format!("/v1.0/groups/{group}/members?$top=999&$select=id"))
        .await
        .body;
    members["value"].as_array().expect("members").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_takes_every_other_action_in_chromium() {
    let app = spawn_app_with(Options {
        demo_users: Some(300),
        background_jobs: true,
        ..Default::default()
    })
    .await;
    let all_hands = app.create_group("All hands").await;
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &profile, "en-US").await;
    submit_sign_in(&client, &app, ADMIN_UPN, ADMIN_PASSWORD).await;
    client
        .wait()
        .for_element(Locator::Css("main h1"))
        .await
        .unwrap();

    // Every user the list finds (past its first page) added to a group: asked first with how
    // many, then run as a bulk job whose page follows it to the end.
    client.goto(&app.url("/users")).await.unwrap();
    let count = text(&client, "p.count").await;
    let users: usize = count
        .split_whitespace()
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(users > 300, "{count}");
    choose(&client, "select[name=action]", "add-to-group").await;
    choose(&client, "select[name=group]", &all_hands).await;
    click(&client, Locator::Css("input[name=scope][value=matching]")).await;
    click(&client, Locator::Css("div.bulk button[type=submit]")).await;
    let asked = wait_for_text(&client, "main", |t| t.contains("every user")).await;
    assert!(
        asked.contains(&format!("every user the list's filters find: {count}.")),
        "{asked}"
    );
    click(&client, Locator::Css("main form button[type=submit]")).await;
    let began = Instant::now();
    loop {
        let status = match client.find(Locator::Css("main p[role=status]")).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if status.starts_with("Finished:") {
            assert!(!status.contains("failed"), "{status}");
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "the job finishes: {status}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(member_count(&app, &all_hands).await, users);

    // The group: renamed; a member removed, asked first; then deleted, asked first.
    client
        .goto(&app.url(&format!("/groups/{all_hands}")))
        .await
        .unwrap();
    retype(&client, "g-name", "Everyone").await;
    click(&client, Locator::Css("#properties button[type=submit]")).await;
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.starts_with("Saved")).await,
        "Saved: Display name."
    );
    click(&client, Locator::Css("#members a.button.secondary")).await;
    let asked = wait_for_text(&client, "#confirm", |t| t.contains("Remove")).await;
    assert!(asked.contains("from Everyone?"), "{asked}");
    click(&client, Locator::Css("#confirm button.danger")).await;
    wait_for_text(&client, "main p.success", |t| t.starts_with("Saved")).await;
    assert_eq!(member_count(&app, &all_hands).await, users - 1);
    click(&client, Locator::LinkText("Delete group")).await;
    wait_for_text(&client, "#confirm", |t| t.contains("Delete Everyone?")).await;
    click(&client, Locator::Css("#confirm button.danger")).await;
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.contains("deleted")).await,
        "The group has been deleted."
    );

    // A contact: added, changed, deleted (asked first).
    click(&client, Locator::LinkText("Contacts")).await;
    click(&client, Locator::LinkText("Add a contact")).await;
    fill_and_submit(
        &client,
        &[
            ("c-displayName", "Pat Jansen"),
            ("c-mail", "pat@fabrikam.example"),
        ],
        "main form.section button[type=submit]",
    )
    .await;
    wait_for_text(&client, "main h1", |t| t == "Pat Jansen").await;
    retype(&client, "c-companyName", "Fabrikam").await;
    click(
        &client,
        Locator::Css("main form.section button[type=submit]"),
    )
    .await;
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.starts_with("Saved")).await,
        "Saved: Company."
    );
    let contacts = app.get("/v1.0/contacts").await.body;
    assert_eq!(
        contacts["value"][0]["companyName"], "Fabrikam",
        "{contacts}"
    );
    click(&client, Locator::LinkText("Delete contact")).await;
    wait_for_text(&client, "#confirm", |t| t.contains("Pat Jansen")).await;
    click(&client, Locator::Css("#confirm button.danger")).await;
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.contains("deleted")).await,
        "The contact has been deleted."
    );

    // A domain: added (with the record to create), verified, removed (asked first).
    click(&client, Locator::LinkText("Domains")).await;
    fill_and_submit(
        &client,
        &[("d-name", "fabrikam.example")],
        "#add button[type=submit]",
    )
    .await;
    let added = wait_for_text(&client, "main", |t| t.contains("has been added")).await;
    assert!(added.contains("roster-verification="), "{added}");
    click(
        &client,
        Locator::XPath("//main//button[normalize-space()='Verify']"),
    )
    .await;
    wait_for_text(&client, "main p.success", |t| t.contains("verified")).await;
    click(
        &client,
        Locator::Css("a[href='/domains?remove=fabrikam.example#confirm']"),
    )
    .await;
    wait_for_text(&client, "#confirm", |t| t.contains("fabrikam.example")).await;
    click(&client, Locator::Css("#confirm button.danger")).await;
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.contains("removed")).await,
        "The domain has been removed."
    );
    let domains = app.get("/v1.0/domains").await.body;
    assert_eq!(domains["value"].as_array().unwrap().len(), 1, "{domains}");

    // The organisation's name.
    click(&client, Locator::LinkText("Settings")).await;
    retype(&client, "s-displayName", "Contoso Ltd").await;
    click(&client, Locator::Css("#profile button[type=submit]")).await;
    wait_for_text(&client, "main p.success", |t| t.starts_with("Saved")).await;
    let organization = app.get("/v1.0/organization").await.body;
    assert_eq!(
        organization["value"][0]["displayName"], "Contoso Ltd",
        "{organization}"
    );

    // A user: given a role, blocked, then deleted (asked first, naming the user).
    let user = app
        .get("/v1.0/users?$top=1&$filter=startsWith(userPrincipalName,'b')")
        .await
        .body["value"][0]
        .clone();
    let (id, upn) = (
        user["id"].as_str().unwrap().to_string(),
        user["userPrincipalName"].as_str().unwrap().to_string(),
    );
    client
        .goto(&app.url(&format!("/users/{id}")))
        .await
        .unwrap();
    choose(&client, "#f-role", "Helpdesk Administrator").await;
    click(&client, Locator::Css("#roles button[type=submit]")).await;
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.starts_with("Saved")).await,
        "Saved: Roles."
    );
    assert!(
        text(&client, "#roles table")
            .await
            .contains("Helpdesk Administrator"),
        "the role is listed"
    );
    click(&client, Locator::Css("div.actions button.secondary")).await;
    wait_for_text(&client, "main", |t| t.contains("1 done, 0 failed")).await;
    let blocked = app
        .get(&format!("/v1.0/users/{id}?$select=accountEnabled"))
        .await
        .body;
    assert_eq!(blocked["accountEnabled"], false, "{blocked}");
    client
        .goto(&app.url(&format!("/users/{id}")))
        .await
        .unwrap();
    click(&client, Locator::Css("div.actions button.danger")).await;
    let asked = wait_for_text(&client, "main", |t| t.contains("will be deleted")).await;
    assert!(asked.contains(&upn), "{asked}");
    click(&client, Locator::Css("main form button.danger")).await;
    wait_for_text(&client, "main", |t| t.contains("1 done, 0 failed")).await;
    assert_eq!(
        app.get(&format!("/v1.0/users/{id}")).await.status,
        reqwest::StatusCode::NOT_FOUND
    );
}
