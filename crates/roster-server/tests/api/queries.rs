use std::collections::HashSet;

use reqwest::StatusCode;
use roster_testkit::{Options, TestApp, spawn_app, spawn_app_with};
use serde_json::json;

const DEPARTMENTS: [&str; 3] = ["Sales", "Finance", "Legal"];

async fn seeded() -> roster_testkit::TestApp {
    let app = spawn_app().await;
    for index in 0..240 {
        let department = DEPARTMENTS[index % 3];
        app.create_user(
            &format!("user{index:03}"),
            json!({ "displayName": format!("{} user {index:03}", if index % 2 == 0 { "Ada" } else { "Bob" }), "department": department,
                    "otherMails": [format!("u{index}@other.example")] }),
        )
        .await;
    }
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_filters_and_counts() {
    let app = seeded().await;

    // Paging follows absolute next links on the host the client used, to the last page.
    let mut link = app.url("/v1.0/users?$top=50&$select=displayName");
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let page = app.get(&link).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        for user in page.body["value"].as_array().unwrap() {
            assert!(
                seen.insert(user["id"].as_str().unwrap().to_string()),
                "no user twice"
            );
        }
        pages += 1;
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("{}/v1.0/users?", app.address)),
                    "{next}"
                );
                link = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 241, "240 users and the admin");
    assert_eq!(pages, 5);

    let sales = app
        .get("/v1.0/users?$filter=department%20eq%20'sales'&$top=999&$select=department")
        .await;
    let value = sales.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 80, "eq is case-insensitive");
    assert!(value.iter().all(|u| u["department"] == "Sales"));

    let not_sales = app
        .get("/v1.0/users?$filter=not(department%20eq%20'Sales')&$top=999")
        .await;
    assert_eq!(
        not_sales.body["value"].as_array().unwrap().len(),
        161,
        "not() keeps users without department"
    );

    let ada = app
        .get("/v1.0/users?$filter=startsWith(displayName,'ada')&$top=999")
        .await;
    assert_eq!(ada.body["value"].as_array().unwrap().len(), 120);

    let both = app.get("/v1.0/users?$filter=startsWith(displayName,'Ada')%20and%20department%20in%20('Legal','Finance')&$top=999").await;
    assert_eq!(both.body["value"].as_array().unwrap().len(), 80);

    // An `or` of prefixes on indexed names is read as a union of index ranges: the same
    // users, counted and paged as any other filter. User names are user000@… to user239@….
    let mut link = app.url("/v1.0/users?$filter=(startsWith(displayName,'bob')%20or%20startsWith(userPrincipalName,'USER00')%20or%20startsWith(mail,'nobody'))%20and%20department%20eq%20'Legal'&$top=7&$orderby=displayName&$count=true");
    let mut found = Vec::new();
    loop {
        let page = app.get_eventual(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = page.body;
        // Bob: the odd indexes, of which Legal every third (2, 5, 8 …): 40; and of user000 to
        // user009, the Ada among Legal's 2, 5, 8: user002 and user008.
        assert_eq!(body["@odata.count"], 42, "{body}");
        for user in body["value"].as_array().unwrap() {
            found.push(user["displayName"].as_str().unwrap().to_string());
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break,
        }
    }
    let mut expected: Vec<String> = (0..240)
        .filter(|index| index % 3 == 2 && (index % 2 == 1 || *index < 10))
        .map(|index| {
            format!(
                "{} user {index:03}",
                if index % 2 == 0 { "Ada" } else { "Bob" }
            )
        })
        .collect();
    expected.sort();
    assert_eq!(found, expected);

    let other_mail = app
        .get("/v1.0/users?$filter=otherMails/any(x:x%20eq%20'U7@other.example')")
        .await;
    assert_eq!(other_mail.body["value"].as_array().unwrap().len(), 1);

    // $count and $search need ConsistencyLevel: eventual, as in Graph.
    let body = app
        .get_eventual("/v1.0/users?$count=true&$search=%22displayName:bob%22&$top=5")
        .await
        .body;
    assert_eq!(body["@odata.count"], 120);
    assert_eq!(body["value"].as_array().unwrap().len(), 5);
    let refused = app.get("/v1.0/users?$count=true").await;
    assert_eq!(refused.code(), "Request_UnsupportedQuery");

    // Ordered paging returns every user once, in order.
    let mut link = app.url("/v1.0/users?$orderby=displayName%20desc&$top=100&$select=displayName");
    let mut names = Vec::new();
    loop {
        let page = app.get(&link).await;
        names.extend(
            page.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["displayName"].as_str().unwrap().to_lowercase()),
        );
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break,
        }
    }
    assert_eq!(names.len(), 241);
    assert!(
        names.windows(2).all(|pair| pair[0] >= pair[1]),
        "descending by displayName"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_roster_cannot_answer_are_refused() {
    let app = spawn_app().await;
    let check = |path: &'static str, code: &'static str, fragment: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(path).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
            assert_eq!(reply.code(), code, "{path}: {}", reply.message());
            assert!(
                reply.message().contains(fragment),
                "{path}: {}",
                reply.message()
            );
        }
    };
    check(
        "/v1.0/users?$filter=department%20eq",
        "Request_BadRequest",
        "position",
    )
    .await;
    check(
        "/v1.0/users?$filter=shoeSize%20eq%20'42'",
        "Request_UnsupportedQuery",
        "shoeSize",
    )
    .await;
    check(
        "/v1.0/users?$orderby=department",
        "Request_UnsupportedQuery",
        "department",
    )
    .await;
    check(
        "/v1.0/users?$top=1000",
        "Request_BadRequest",
        "between 1 and 999",
    )
    .await;
    check(
        "/v1.0/users?$select=shoeSize",
        "Request_BadRequest",
        "shoeSize",
    )
    .await;
    check(
        "/v1.0/users?$expand=manager",
        "Request_UnsupportedQuery",
        "expand",
    )
    .await;
    check(
        "/v1.0/users?$skiptoken=garbage",
        "Request_BadRequest",
        "skiptoken",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_links_use_the_host_the_client_used() {
    // Forwarded headers count only from a trusted proxy (the test client's address here).
    let proxied = spawn_app_with(Options {
        trusted_proxies: vec!["127.0.0.1/32".into()],
        ..Options::default()
    })
    .await;
    let direct = spawn_app().await;
    for app in [&proxied, &direct] {
        for index in 0..3 {
            app.create_user(&format!("p{index}"), json!({})).await;
        }
    }
    let next_link = |app: &TestApp| {
        let request = app
            .client
            .get(app.url("/v1.0/users?$top=1"))
            .bearer_auth(&app.app_token)
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", "roster.contoso.example");
        async move {
            let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            body["@odata.nextLink"].as_str().unwrap().to_string()
        }
    };
    let through_proxy = next_link(&proxied).await;
    assert!(
        through_proxy.starts_with("https://roster.contoso.example/v1.0/users?"),
        "{through_proxy}"
    );
    // From anyone else, the host the client itself used.
    let spoofed = next_link(&direct).await;
    assert!(
        spoofed.starts_with(&format!("{}/v1.0/users?", direct.address)),
        "{spoofed}"
    );
}

/// Arbitrary query strings never make the server fail: each gets 200 or a Graph 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_filters_never_break_the_server() {
    let app = spawn_app().await;
    let fragments = [
        "department",
        "eq",
        "ne",
        "'Sales'",
        "''''",
        "(",
        ")",
        "and",
        "or",
        "not",
        "startsWith(",
        "endsWith(",
        ",",
        "in",
        "('a','b')",
        "null",
        "true",
        "x/any(y:y eq 'z')",
        "assignedLicenses/any(x:x/skuId eq 05e9a617-0261-4cee-bb44-138d3ef5d965)",
        "createdDateTime",
        "ge",
        "2024-01-01T00:00:00Z",
        "id",
        "displayName",
        " ",
        "'\u{1F600}'",
        "%",
        "_",
        "\\",
        "/",
    ];
    let mut state: u64 = 0x5eed;
    for round in 0..300 {
        let mut filter = String::new();
        for _ in 0..(round % 9 + 1) {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            filter.push_str(fragments[(state >> 33) as usize % fragments.len()]);
            filter.push(' ');
        }
        let encoded: String = form_encode(&filter);
        let reply = app.get(&format!("/v1.0/users?$filter={encoded}")).await;
        assert!(
            reply.status == StatusCode::OK
                || (reply.status == StatusCode::BAD_REQUEST && !reply.code().is_empty()),
            "{filter:?} gave {} {:?}",
            reply.status,
            reply.body
        );
    }
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
