//! Organisation settings: the profile and the sign-in settings, each form saved on its own with
//! what changed confirmed, refusals beside their fields; Global Administrators only.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_profile_and_sign_in_settings_are_changed_here() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.hidden("csrf");

    let profile = |name: &'static str, location: &'static str, contact: &'static str| {
        vec![
            ("form", "profile"),
            ("displayName", name),
            ("defaultUsageLocation", location),
            ("technicalContact", contact),
        ]
    };
    // A contact that is not an address is refused beside its field; nothing is saved.
    let mut form = profile("Contoso Europe", "NL", "it-at-contoso");
    form.push(("csrf", &csrf));
    let page = browser.post("/settings", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("id=\"s-technicalContact-error\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"Contoso Europe\""));
    let organization = app.get("/v1.0/organization").await;
    assert_ne!(
        organization.body["value"][0]["displayName"],
        "Contoso Europe"
    );

    let mut form = profile("Contoso Europe", "NL", "it@contoso.example");
    form.push(("csrf", &csrf));
    let page = browser.post("/settings", &form).await;
    assert_eq!(
        page.location(),
        "/settings?saved=displayName,defaultUsageLocation,technicalContact#profile"
    );
    let page = browser.get(page.location()).await;
    assert!(
        page.body
            .contains("Saved: Display name, Default usage location, Technical contact."),
        "{}",
        page.body
    );
    let organization = &app.get("/v1.0/organization").await.body["value"][0];
    assert_eq!(organization["displayName"], "Contoso Europe");
    assert_eq!(organization["countryLetterCode"], "NL");
    assert_eq!(
        organization["technicalNotificationMails"],
        json!(["it@contoso.example"])
    );
    // The header names the organisation by its new name.
    assert!(
        page.body
            .contains("<a class=\"brand\" href=\"/\">Contoso Europe</a>")
    );

    // Sign-in settings: in range, saved; out of range, refused beside the field in minutes.
    let settings = |threshold: &'static str, minutes: &'static str| {
        vec![
            ("form", "sign-in"),
            ("lockoutThreshold", threshold),
            ("lockoutDurationInSeconds", "60"),
            ("sessionLifetimeInMinutes", minutes),
            ("signInLogRetentionInDays", "30"),
            ("passwordGrantAllowed", "on"),
            ("deviceCodeFlowAllowed", "on"),
        ]
    };
    let csrf = browser.get("/settings").await.hidden("csrf");
    let mut form = settings("5", "60");
    form.push(("csrf", &csrf));
    let page = browser.post("/settings", &form).await;
    assert_eq!(
        page.location(),
        "/settings?saved=lockoutThreshold,sessionLifetimeInSeconds#sign-in"
    );
    let stored = app.get("/roster/v1/tenantSettings").await;
    assert_eq!(stored.body["lockoutThreshold"], 5);
    assert_eq!(stored.body["sessionLifetimeInSeconds"], 3600);
    // The sign-in log kept a fortnight, and the password grant turned off (its box unticked).
    let form: Vec<(&str, &str)> = settings("5", "60")
        .into_iter()
        .filter(|(name, _)| *name != "passwordGrantAllowed")
        .map(|(name, value)| match name {
            "signInLogRetentionInDays" => (name, "14"),
            _ => (name, value),
        })
        .chain([("csrf", csrf.as_str())])
        .collect();
    let page = browser.post("/settings", &form).await;
    assert_eq!(
        page.location(),
        "/settings?saved=signInLogRetentionInDays,passwordGrantAllowed#sign-in"
    );
    let stored = app.get("/roster/v1/tenantSettings").await;
    assert_eq!(stored.body["signInLogRetentionInDays"], 14);
    assert_eq!(stored.body["passwordGrantAllowed"], false);
    let page = browser.get("/settings").await;
    assert!(
        page.body
            .contains("name=\"signInLogRetentionInDays\" type=\"number\" value=\"14\""),
        "{}",
        page.body
    );
    assert!(
        !page
            .body
            .contains("name=\"passwordGrantAllowed\" value=\"on\" checked")
    );
    let mut form = settings("500", "60");
    form.push(("csrf", &csrf));
    browser.set("roster_lang", "nl");
    let page = browser.post("/settings", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("het moet van 1 tot en met 100 zijn"),
        "{}",
        page.body
    );
    let mut form = settings("5", "2");
    form.push(("csrf", &csrf));
    let page = browser.post("/settings", &form).await;
    assert!(
        page.body
            .contains("id=\"s-sessionLifetimeInMinutes-error\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("het moet van 5 tot en met 10.080 zijn"),
        "{}",
        page.body
    );
    assert_eq!(
        app.get("/roster/v1/tenantSettings").await.body["lockoutThreshold"],
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_global_administrator_changes_them() {
    let app = spawn_app().await;
    user_with_role(&app, "reader", Some("Global Reader")).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&format!("reader@{DOMAIN}"), PASSWORD).await;
    let page = browser.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Only a Global Administrator changes these settings.")
    );
    assert!(!page.body.contains("<button type=\"submit\">Save</button>"));
    let csrf = page.hidden("csrf");
    let page = browser
        .post(
            "/settings",
            &[
                ("csrf", &csrf),
                ("form", "profile"),
                ("displayName", "Taken over"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let organization = app.get("/v1.0/organization").await;
    assert_ne!(organization.body["value"][0]["displayName"], "Taken over");
}
