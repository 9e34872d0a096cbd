//! Contacts in the admin center: listed and searched, added, changed and deleted with the same
//! checks as `POST /v1.0/contacts`, refusals beside their fields, read-only for a reader.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_added_changed_and_deleted() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/contacts/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.hidden("csrf");

    // Refused values are said beside their fields, what was typed is kept, nothing is added.
    let page = browser
        .post(
            "/contacts/new",
            &[
                ("csrf", &csrf),
                ("displayName", ""),
                ("mail", "nobody-at-example"),
                ("companyName", "Fabrikam"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("id=\"c-displayName-error\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("“nobody-at-example” is not a mail address"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"Fabrikam\""));
    assert_eq!(app.get("/v1.0/contacts").await.body["value"], json!([]));

    let page = browser
        .post(
            "/contacts/new",
            &[
                ("csrf", &csrf),
                ("displayName", "Pat Jansen"),
                ("mail", "pat@fabrikam.example"),
                ("companyName", "Fabrikam"),
                ("businessPhones", "+31 20 123\r\n+31 20 456"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let path = page.location().split('?').next().unwrap().to_string();
    let id = path.trim_start_matches("/contacts/").to_string();
    let contact = app.get(&format!("/v1.0/contacts/{id}")).await;
    assert_eq!(contact.body["displayName"], "Pat Jansen");
    assert_eq!(contact.body["companyName"], "Fabrikam");
    assert_eq!(
        contact.body["businessPhones"],
        json!(["+31 20 123", "+31 20 456"])
    );
    let page = browser.get(page.location()).await;
    assert!(
        page.body
            .contains("Saved: Display name, Email, Company, Office phone."),
        "{}",
        page.body
    );

    // Listed, and found by the start of the name or the mail.
    app.post(
        "/roster/v1/contacts",
        json!({ "displayName": "Quinn de Wit", "mail": "quinn@tailspin.example" }),
    )
    .await;
    let page = browser.get("/contacts").await;
    assert!(page.body.contains("Pat Jansen") && page.body.contains("Quinn de Wit"));
    let page = browser.get("/contacts?q=quinn%40").await;
    assert!(
        !page.body.contains("Pat Jansen") && page.body.contains("Quinn de Wit"),
        "{}",
        page.body
    );

    // Changed: only what differs, confirmed in Dutch.
    browser.set("roster_lang", "nl");
    let page = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("go", "save"),
                ("displayName", "Pat Jansen"),
                ("jobTitle", "Inkoper"),
            ],
        )
        .await;
    assert_eq!(page.location(), format!("{path}?saved=jobTitle"));
    let page = browser.get(page.location()).await;
    assert!(page.body.contains("Opgeslagen: Functie."), "{}", page.body);
    // Another contact's mail is refused beside the mail field.
    let page = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("go", "save"),
                ("mail", "quinn@tailspin.example"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("id=\"c-mail-error\""), "{}", page.body);
    browser.set("roster_lang", "en");

    // Deleting asks first, then deletes.
    let page = browser.get(&format!("{path}?ask=delete")).await;
    assert!(page.body.contains("cannot be undone"), "{}", page.body);
    let page = browser
        .post(&path, &[("csrf", &csrf), ("go", "delete")])
        .await;
    assert_eq!(page.location(), "/contacts?deleted=1");
    assert_eq!(
        app.get(&format!("/v1.0/contacts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_sees_contacts_and_changes_none() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/roster/v1/contacts",
            json!({ "displayName": "Pat Jansen" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let id = reply.body["id"].as_str().unwrap().to_string();
    user_with_role(&app, "reader", Some("Global Reader")).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&format!("reader@{DOMAIN}"), PASSWORD).await;
    let page = browser.get(&format!("/contacts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Pat Jansen") && !page.body.contains("name=\"go\""),
        "{}",
        page.body
    );
    let csrf = page.hidden("csrf");
    let page = browser
        .post(
            &format!("/contacts/{id}"),
            &[("csrf", &csrf), ("go", "save"), ("displayName", "X")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser
        .post(
            &format!("/contacts/{id}"),
            &[("csrf", &csrf), ("go", "delete")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/v1.0/contacts/{id}")).await.body["displayName"],
        "Pat Jansen"
    );
}
