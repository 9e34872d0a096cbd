use reqwest::{Method, StatusCode};
use roster_testkit::spawn_app;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_members_owners_and_recycle_bin() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bob = app.create_user("bob", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();

    let created = app
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Sales team", "mailNickname": "sales", "mailEnabled": true, "securityEnabled": false,
                "groupTypes": ["Unified"],
                "owners@odata.bind": [format!("https://graph.microsoft.com/v1.0/users/{alice}")],
                "members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{alice}")],
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let group = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["groupTypes"], json!(["Unified"]));

    let add = app
        .post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            json!({ "@odata.id": format!("{}/v1.0/directoryObjects/{bob}", app.address) }),
        )
        .await;
    assert_eq!(add.status, StatusCode::NO_CONTENT, "{:?}", add.body);
    let again = app
        .post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            json!({ "@odata.id": format!("https://x/v1.0/directoryObjects/{bob}") }),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "adding a member twice"
    );

    let members = app.get(&format!("/v1.0/groups/{group}/members")).await;
    let ids: Vec<&str> = members.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(
        members.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.user")
    );
    let owners = app.get(&format!("/v1.0/groups/{group}/owners")).await;
    assert_eq!(owners.body["value"][0]["id"], alice);
    let member_of = app.get(&format!("/v1.0/users/{bob}/memberOf")).await;
    assert_eq!(member_of.body["value"][0]["id"], group);
    assert_eq!(
        member_of.body["value"][0]["@odata.type"],
        "#microsoft.graph.group"
    );

    // A deleted member disappears from the list and comes back with a restore.
    app.delete(&format!("/v1.0/users/{bob}")).await;
    assert_eq!(
        app.get(&format!("/v1.0/groups/{group}/members")).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.post(
        &format!("/v1.0/directory/deletedItems/{bob}/restore"),
        json!(null),
    )
    .await;
    assert_eq!(
        app.get(&format!("/v1.0/groups/{group}/members")).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let removed = app
        .call(
            &app.app_token,
            Method::DELETE,
            &format!("/v1.0/groups/{group}/members/{bob}/$ref"),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);

    assert_eq!(
        app.patch(
            &format!("/v1.0/groups/{group}"),
            json!({ "description": "All of sales" })
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1.0/groups/{group}")).await.body["description"],
        "All of sales"
    );

    assert_eq!(
        app.delete(&format!("/v1.0/groups/{group}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1.0/groups/{group}")).await.status,
        StatusCode::NOT_FOUND
    );
    let deleted = app
        .get("/v1.0/directory/deletedItems/microsoft.graph.group")
        .await;
    assert_eq!(deleted.body["value"][0]["id"], group);
    let restored = app
        .post(
            &format!("/v1.0/directory/deletedItems/{group}/restore"),
            json!(null),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/v1.0/groups/{group}/members")).await.body["value"][0]["id"],
        alice,
        "members kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_kinds_are_validated() {
    let app = spawn_app().await;
    let kinds = [
        (
            json!({ "mailEnabled": false, "securityEnabled": true, "groupTypes": [] }),
            StatusCode::CREATED,
        ),
        (
            json!({ "mailEnabled": true, "securityEnabled": true, "groupTypes": [] }),
            StatusCode::CREATED,
        ),
        (
            json!({ "mailEnabled": true, "securityEnabled": false, "groupTypes": [] }),
            StatusCode::CREATED,
        ),
        (
            json!({ "mailEnabled": false, "securityEnabled": false, "groupTypes": [] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "mailEnabled": false, "securityEnabled": true, "groupTypes": ["Bogus"] }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "securityEnabled": true }), StatusCode::BAD_REQUEST),
    ];
    for (index, (flags, expected)) in kinds.into_iter().enumerate() {
        let mut body = flags.clone();
        body["displayName"] = json!(format!("g{index}"));
        body["mailNickname"] = json!(format!("g{index}"));
        let reply = app.post("/v1.0/groups", body).await;
        assert_eq!(reply.status, expected, "{flags}: {:?}", reply.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_kept_in_the_directory() {
    let app = spawn_app().await;
    let created = app
        .post("/roster/v1/contacts", json!({ "displayName": "Pat Supplier", "mail": "pat@supplier.example", "companyName": "Supplier", "businessPhones": ["+31 10 1234567"] }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let duplicate = app
        .post(
            "/roster/v1/contacts",
            json!({ "displayName": "Pat again", "mail": "PAT@supplier.example" }),
        )
        .await;
    assert_eq!(
        duplicate.body["error"]["details"][0]["code"],
        "ObjectConflict"
    );
    let invalid = app
        .post(
            "/roster/v1/contacts",
            json!({ "displayName": "X", "mail": "not-mail" }),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    let unknown = app
        .post(
            "/roster/v1/contacts",
            json!({ "displayName": "X", "password": "x" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    let listed = app
        .get("/v1.0/contacts?$filter=startsWith(displayName,'pat')")
        .await;
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed.body["value"][0]["@odata.type"],
        "#microsoft.graph.orgContact"
    );
    assert_eq!(listed.body["value"][0]["companyName"], "Supplier");
    assert_eq!(
        app.patch(
            &format!("/roster/v1/contacts/{id}"),
            json!({ "jobTitle": "Buyer" })
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1.0/contacts/{id}")).await.body["jobTitle"],
        "Buyer"
    );
    assert_eq!(
        app.delete(&format!("/roster/v1/contacts/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1.0/contacts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_members_come_in_pages_with_their_count() {
    let app = spawn_app().await;
    // Users and groups created in turn (ids follow time), one user deleted: the live members
    // are listed in id order, users and groups mixed.
    let mut users = Vec::new();
    let mut nested = Vec::new();
    for index in 0..9 {
        if index == 2 || index == 5 {
            nested.push(app.create_group(&format!("team{index}")).await);
        } else {
            let user = app.create_user(&format!("member{index}"), json!({})).await;
            users.push(user["id"].as_str().unwrap().to_string());
        }
    }
    let bind = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|id| format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}"))
            .collect()
    };
    let created = app
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Everyone", "mailNickname": "everyone", "mailEnabled": false, "securityEnabled": true,
                "members@odata.bind": bind(&users).into_iter().chain(bind(&nested)).collect::<Vec<_>>(),
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let group = created.body["id"].as_str().unwrap().to_string();
    let gone = users.remove(3);
    assert_eq!(
        app.delete(&format!("/v1.0/users/{gone}")).await.status,
        StatusCode::NO_CONTENT
    );

    // All of them in one page, in id order, each of its kind.
    let whole = app.get(&format!("/v1.0/groups/{group}/members")).await;
    assert_eq!(whole.status, StatusCode::OK, "{:?}", whole.body);
    assert!(whole.body.get("@odata.nextLink").is_none());
    let listed: Vec<(String, String)> = whole.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| {
            (
                member["id"].as_str().unwrap().to_string(),
                member["@odata.type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String)> = users
        .iter()
        .map(|id| (id.clone(), "#microsoft.graph.user".to_string()))
        .chain(
            nested
                .iter()
                .map(|id| (id.clone(), "#microsoft.graph.group".to_string())),
        )
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert!(
        expected[..expected.len() - 1]
            .iter()
            .any(|(_, kind)| kind.ends_with("group")),
        "a group among the users"
    );
    let order: Vec<String> = expected.into_iter().map(|(id, _)| id).collect();

    // Pages of every size give the same members in the same order, each once, with the count.
    for top in 1..=order.len() {
        let path = format!("/v1.0/groups/{group}/members");
        assert_eq!(paged(&app, &path, top).await, order, "pages of {top}");
    }

    // A user's and a group's groups, and a group's owners, come in pages the same way.
    for nested_group in &nested {
        app.add_member(nested_group, &users[0]).await;
    }
    let path = format!("/v1.0/users/{}/memberOf", users[0]);
    let mut groups = vec![group.clone(), nested[0].clone(), nested[1].clone()];
    groups.sort();
    assert_eq!(paged(&app, &path, 2).await, groups);
    let path = format!("/v1.0/groups/{}/memberOf", nested[0]);
    assert_eq!(paged(&app, &path, 1).await, std::slice::from_ref(&group));
    let owned = app
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Owned", "mailNickname": "owned", "mailEnabled": false, "securityEnabled": true,
                "owners@odata.bind": users[..3].iter().map(|id| format!("https://graph.microsoft.com/v1.0/users/{id}")).collect::<Vec<_>>(),
            }),
        )
        .await;
    assert_eq!(owned.status, StatusCode::CREATED, "{:?}", owned.body);
    let path = format!("/v1.0/groups/{}/owners", owned.body["id"].as_str().unwrap());
    let mut owners = users[..3].to_vec();
    owners.sort();
    assert_eq!(paged(&app, &path, 2).await, owners);

    // What roster does not do on these lists is refused, not ignored.
    for option in [
        "$filter=startsWith(displayName,'a')",
        "$orderby=displayName",
    ] {
        for list in [
            format!("/v1.0/groups/{group}/members"),
            format!("/v1.0/groups/{group}/owners"),
            format!("/v1.0/users/{}/memberOf", users[0]),
        ] {
            let refused = app.get(&format!("{list}?{option}")).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{list}?{option}");
            assert_eq!(refused.body["error"]["code"], "Request_UnsupportedQuery");
        }
    }
    let tampered = app
        .get(&format!("/v1.0/groups/{group}/members?$skiptoken=nonsense"))
        .await;
    assert_eq!(
        tampered.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        tampered.body
    );
}

/// The ids a collection lists, followed page by page `top` at a time; every page must carry the
/// whole collection's count, and the pages must be as few as `top` allows.
async fn paged(app: &roster_testkit::TestApp, path: &str, top: usize) -> Vec<String> {
    let mut link = format!("{path}?$top={top}&$count=true&$select=id,displayName");
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut count = None;
    loop {
        let page = app.get_eventual(&link).await;
        assert_eq!(page.status, StatusCode::OK, "{link}");
        let body = page.body;
        let total = body["@odata.count"]
            .as_u64()
            .expect("a count on every page");
        assert_eq!(*count.get_or_insert(total), total, "{body}");
        let items = body["value"].as_array().unwrap();
        assert!(items.len() <= top, "{body}");
        ids.extend(items.iter().map(|m| m["id"].as_str().unwrap().to_string()));
        pages += 1;
        match body["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break,
        }
    }
    assert_eq!(count, Some(ids.len() as u64), "{path}");
    assert_eq!(
        pages,
        ids.len().div_ceil(top).max(1),
        "{path}: pages of {top}"
    );
    ids
}
