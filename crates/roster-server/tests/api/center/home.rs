//! The home page as an administrator's morning: what needs attention first (a full
//! subscription, members whose group licenses did not take, a failed job, a user locked out),
//! and the recent changes grouped, naming whom they were about.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_tenant_needs_nothing() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let home = browser.get("/").await;
    assert!(
        home.body.contains("Nothing needs your attention."),
        "{}",
        home.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_says_first_what_needs_attention_and_groups_recent_changes() {
    let app = spawn_app().await;
    // A subscription of two seats, and a group giving it to five members: two take, three not.
    let e3 = app.buy("SPE_E3", 2).await;
    let team = app.create_group("Fieldteam").await;
    for n in 0..5 {
        let id = app
            .create_user(&format!("field{n}"), json!({ "usageLocation": "NL" }))
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.add_member(&team, &id).await;
    }
    let reply = app
        .post(
            &format!("/v1.0/groups/{team}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3 }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    // A job with a failed row.
    let submitted = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [{ "userPrincipalName": "x@elsewhere.example", "displayName": "X" }], "options": {} }),
        )
        .await;
    let job = submitted.body["id"].as_str().unwrap().to_string();
    app.drain_jobs().await;
    // A user locked out by wrong passwords.
    app.patch(
        "/roster/v1/tenantSettings",
        json!({ "lockoutThreshold": 2 }),
    )
    .await;
    let locked = user_with_role(&app, "locked", None).await;
    for attempt in 0..3 {
        let _ = app
            .password_token(&format!("locked@{DOMAIN}"), &format!("Wrong-{attempt}!"))
            .await;
    }

    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let home = browser.get("/").await;
    let attention = home
        .body
        .split("id=\"h-attention\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        attention.contains("Microsoft 365 E3 is full: all 2 licenses are assigned."),
        "{attention}"
    );
    assert!(
        attention.contains(&format!("href=\"/groups/{team}#license-errors\""))
            && attention
                .contains("Fieldteam: 3 members whose licenses from the group did not take"),
        "{attention}"
    );
    assert!(
        attention.contains(&format!("href=\"/jobs/{job}?failed=1#rows\""))
            && attention.contains("1 of 1 rows failed"),
        "{attention}"
    );
    assert!(
        attention.contains(&format!("href=\"/users/{locked}\""))
            && attention.contains("locked@contoso.example is locked out of signing in until"),
        "{attention}"
    );
    // The five memberships are one row naming the members.
    let recent = home.body.split("View the audit log").nth(1).unwrap();
    assert_eq!(
        recent.matches("<td>Add member to group").count(),
        1,
        "{recent}"
    );
    assert!(recent.contains("(5×)"), "{recent}");
    assert!(
        recent.contains("field4@contoso.example, field3@contoso.example"),
        "{recent}"
    );
    // The group's licenses, given to each member by the group's processing: one row too.
    assert_eq!(
        recent.matches("<td>Change user license").count(),
        1,
        "{recent}"
    );
    // In Dutch.
    browser.set("roster_lang", "nl");
    let home = browser.get("/").await;
    assert!(
        home.body.contains("Microsoft 365 E3 is vol"),
        "{}",
        home.body
    );
}
