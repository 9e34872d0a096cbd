//! The typed client against a real server (on the store `ROSTER_TEST_DATABASE` names): every
//! call it offers, and the errors it reads from Graph's bodies.

use roster_client::{Client, HttpError, Server, UserList, is_not_found};
use roster_testkit::{DOMAIN, TestApp, spawn_app};
use serde_json::{Map, Value, json};

fn client_of(app: &TestApp) -> Client {
    let server = Server {
        url: app.address.clone(),
        ca_cert: app.certificate.clone(),
    };
    Client::new(&server, app.app_token.clone()).unwrap()
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

#[tokio::test]
async fn a_user_is_created_read_listed_changed_deleted_restored_and_purged() {
    let app = spawn_app().await;
    let client = client_of(&app);
    let upn = format!("ada@{DOMAIN}");
    let created = client
        .create_user(&object(json!({
            "accountEnabled": true,
            "displayName": "Ada Lovelace",
            "mailNickname": "ada",
            "userPrincipalName": upn,
            "department": "Research",
        })))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(created.user_principal_name.as_deref(), Some(upn.as_str()));
    // The generated password comes back in a property this crate does not name, and is never
    // in the user's Debug.
    let password = created.other["passwordProfile"]["password"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!format!("{created:?}").contains(&password));

    let read = client
        .user(&upn, &["id", "department", "city"])
        .await
        .unwrap();
    assert_eq!(read.id.as_deref(), Some(id.as_str()));
    assert_eq!(read.department.as_deref(), Some("Research"));
    assert_eq!(read.property("city"), Value::Null);
    assert_eq!(read.display_name, None, "not selected");

    client
        .update_user(
            &id,
            &object(json!({ "department": "Engines", "city": "London" })),
        )
        .await
        .unwrap();
    let listed = client
        .users(&UserList {
            filter: Some("department eq 'Engines'".into()),
            select: vec!["id".into(), "city".into()],
            top: None,
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].property("city"), json!("London"));

    client.delete_user(&id).await.unwrap();
    let gone = client.user(&id, &[]).await.unwrap_err();
    assert!(is_not_found(&gone), "{gone:#}");
    let restored = client.restore_user(&id).await.unwrap();
    assert_eq!(restored.id.as_deref(), Some(id.as_str()));
    client.delete_user(&id).await.unwrap();
    client.purge_user(&id).await.unwrap();
    assert!(is_not_found(&client.restore_user(&id).await.unwrap_err()));
}

#[tokio::test]
async fn every_page_is_followed_and_a_limit_stops_the_reading() {
    let app = spawn_app().await;
    let client = client_of(&app);
    for n in 0..5 {
        app.create_user(&format!("page{n}"), json!({ "jobTitle": "Pager" }))
            .await;
    }
    let filter = encode_filter("jobTitle eq 'Pager'");
    let all: Vec<roster_client::User> = client
        .collect(&format!("/v1.0/users?$top=2&$filter={filter}"), None)
        .await
        .unwrap();
    assert_eq!(all.len(), 5, "three pages of two, two and one");
    // A link naming another host is followed on this server: the token goes nowhere else.
    let elsewhere: Vec<roster_client::User> = client
        .collect(
            &format!("https://elsewhere.invalid/v1.0/users?$top=2&$filter={filter}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(elsewhere.len(), 5);
    let three = client
        .users(&UserList {
            filter: Some("jobTitle eq 'Pager'".into()),
            select: Vec::new(),
            top: Some(3),
        })
        .await
        .unwrap();
    assert_eq!(three.len(), 3);
}

fn encode_filter(filter: &str) -> String {
    roster_client::encode(filter)
}

#[tokio::test]
async fn refusals_carry_graphs_code_and_message_and_the_call() {
    let app = spawn_app().await;
    let client = client_of(&app);
    let error = client
        .create_user(&object(json!({ "displayName": "No name" })))
        .await
        .unwrap_err();
    let refused = error.downcast_ref::<HttpError>().expect("an HttpError");
    assert_eq!(refused.status.as_u16(), 400);
    assert_eq!(refused.code, "Request_BadRequest");
    assert!(
        refused.message.contains("userPrincipalName"),
        "{}",
        refused.message
    );
    assert_eq!(refused.request, "POST /v1.0/users");
    assert!(!is_not_found(&error));

    let stranger = Client::new(
        &Server {
            url: app.address.clone(),
            ca_cert: app.certificate.clone(),
        },
        "not-a-token".into(),
    )
    .unwrap();
    let error = stranger.domains().await.unwrap_err();
    assert!(error.downcast_ref::<HttpError>().unwrap().is_unauthorized());
}

#[tokio::test]
async fn the_directory_is_read_typed() {
    let app = spawn_app().await;
    let client = client_of(&app);
    let domains = client.domains().await.unwrap();
    assert!(domains.iter().any(|d| d.id == DOMAIN && d.is_default));
    assert!(client.subscribed_skus().await.unwrap().is_empty());
    let bought = client.add_subscription("SPE_E3", 5).await.unwrap();
    assert_eq!(bought.sku_part_number, "SPE_E3");
    let skus = client.subscribed_skus().await.unwrap();
    assert_eq!(skus.len(), 1);
    assert_eq!(skus[0].sku_id, bought.sku_id);
    assert_eq!(
        (skus[0].prepaid_units.enabled, skus[0].consumed_units),
        (5, 0)
    );
    assert!(
        skus[0].other["servicePlans"].is_array(),
        "kept though not named"
    );
}

#[tokio::test]
async fn a_job_is_submitted_followed_and_its_passwords_kept_once() {
    let app = spawn_app().await;
    let client = client_of(&app);
    let rows = json!([
        { "accountEnabled": true, "displayName": "Job One", "mailNickname": "jobone",
          "userPrincipalName": format!("jobone@{DOMAIN}") },
        { "accountEnabled": true, "displayName": "Job Two", "mailNickname": "jobtwo",
          "userPrincipalName": "jobtwo@not-our-domain.example" },
    ]);
    let job = client
        .submit_job("createUsers", &json!({ "rows": rows }))
        .await
        .unwrap();
    assert_eq!(job.kind, "createUsers");
    assert_eq!(job.total_rows, 2);
    app.drain_jobs().await;
    let done = client.job(&job.id).await.unwrap();
    assert!(done.is_completed());
    assert_eq!((done.processed_rows, done.failed_rows), (2, 1));
    assert!(client.jobs().await.unwrap().iter().any(|j| j.id == job.id));

    let results = client.job_results(&job.id, 0, 10).await.unwrap();
    assert_eq!(results.job.id, job.id);
    assert_eq!(results.next_after, None, "one page holds both rows");
    let [first, second] = &results.value[..] else {
        panic!("two rows: {:?}", results.value);
    };
    assert!(!format!("{first:?}").contains(first.generated_password.as_deref().unwrap()));
    assert_eq!((first.row, first.status.as_str()), (1, "succeeded"));
    assert!(first.generated_password.is_some(), "shown to its submitter");
    assert_eq!(second.status, "failed");
    assert!(second.error_message.is_some());

    client.forget_job_outputs(&job.id).await.unwrap();
    let again = client.job_results(&job.id, 0, 10).await.unwrap();
    assert_eq!(again.value[0].generated_password, None, "forgotten");
    let paged = client.job_results(&job.id, 0, 1).await.unwrap();
    assert_eq!(paged.next_after, Some(1));
}
