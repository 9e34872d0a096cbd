//! Tests of the store as a whole: migrations, and what crosses its modules.

use chrono::Utc;
use roster_core::types::ObjectId;

use crate::*;

/// An embedded database at `path` with the first `versions` migrations applied, as an older
/// roster left it.
fn schema_at(path: &std::path::Path, versions: usize) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection
        .execute_batch("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY)")
        .unwrap();
    for (version, script) in MIGRATIONS_SQLITE[..versions].iter().enumerate() {
        for statement in sql_text::statements(script) {
            connection.execute_batch(&statement).unwrap();
        }
        connection
            .execute(
                "INSERT INTO schema_migrations VALUES (?1)",
                [version as i64 + 1],
            )
            .unwrap();
    }
    connection
}

#[test]
fn migrating_keeps_the_rows_and_outcomes_of_jobs_stored_before_batches_had_tables() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("roster.db");
    let (tenant, job) = (ObjectId::new(), ObjectId::new());
    {
        let connection = schema_at(&path, 2);
        connection
            .execute(
                "INSERT INTO tenants (id, display_name, created_at) VALUES (?1, 'T', 0)",
                [tenant.to_string()],
            )
            .unwrap();
        connection
            .execute(
                "INSERT INTO jobs (id, tenant_id, kind, status, options, total_rows, done_rows, failed_rows, \
                 created_by_name, created_at) VALUES (?1, ?2, 'createUsers', 'running', '{}', 2, 1, 0, 'x', 0)",
                [job.to_string(), tenant.to_string()],
            )
            .unwrap();
        connection
            .execute(
                "INSERT INTO job_rows (job_id, row_number, input, status, output) VALUES \
                 (?1, 1, '{\"user\":\"a\"}', 'succeeded', '{\"password\":\"p\"}'), (?1, 2, '{\"user\":\"b\"}', 'pending', NULL)",
                [job.to_string()],
            )
            .unwrap();
    }
    let store = Store::open_sqlite(&path).unwrap();
    let rows = store.job_rows(tenant, job, 0, 10).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
        ["succeeded", "pending"]
    );
    assert_eq!(rows[0].output, Some(serde_json::json!({ "password": "p" })));
    assert_eq!(
        store.pending_job_rows(job, 0).unwrap(),
        [(2, "{\"user\":\"b\"}".to_string())]
    );
}

#[test]
fn an_update_records_only_what_changed() {
    use roster_core::attributes::{AttrValue, find_attribute};
    let before = test_user("a@t.example");
    let mut after = before.clone();
    after.account_enabled = false;
    for (path, value) in [
        ("department", AttrValue::Text("Finance".into())),
        (
            "otherMails",
            AttrValue::TextList(vec!["a@home.example".into()]),
        ),
        (
            "onPremisesExtensionAttributes/extensionAttribute3",
            AttrValue::Text("x".into()),
        ),
    ] {
        after
            .attributes
            .set_at(find_attribute(path).unwrap().0, value);
    }
    assert_eq!(
        user_rows::changed_properties(&before, &after),
        (
            serde_json::json!({ "accountEnabled": true, "department": null, "otherMails": null,
                                "onPremisesExtensionAttributes": { "extensionAttribute3": null } }),
            serde_json::json!({ "accountEnabled": false, "department": "Finance", "otherMails": ["a@home.example"],
                                "onPremisesExtensionAttributes": { "extensionAttribute3": "x" } }),
        )
    );
    assert_eq!(
        user_rows::changed_properties(&before, &before),
        (serde_json::json!({}), serde_json::json!({}))
    );
}

#[test]
fn the_recycle_bin_keeps_users_for_thirty_days() {
    let (_directory, store, mut change) = test_store();
    let (old, recent) = (test_user("old@t.example"), test_user("recent@t.example"));
    store.create_user(&change, &old, None).unwrap();
    store.create_user(&change, &recent, None).unwrap();
    change.at = Utc::now() - chrono::Duration::days(31);
    store.delete_user(&change, &UserKey::Id(old.id)).unwrap();
    change.at = Utc::now() - chrono::Duration::days(29);
    store.delete_user(&change, &UserKey::Id(recent.id)).unwrap();

    assert_eq!(store.purge_expired_users(change.tenant_id).unwrap(), 1);
    assert!(matches!(
        store.get_deleted_user(change.tenant_id, old.id),
        Err(Error::NotFound { .. })
    ));
    assert!(store.get_deleted_user(change.tenant_id, recent.id).is_ok());
    let log = store.audit_log(change.tenant_id, 10).unwrap();
    assert!(
        log.iter()
            .any(|r| r.operation == "Hard delete user" && r.target_id == Some(old.id))
    );
}

#[test]
fn a_users_own_password_change_does_not_overwrite_a_reset() {
    use roster_core::directory::PasswordHash;
    let (_directory, store, change) = test_store();
    let ann = test_user("ann@t.example");
    let first = PasswordHash::Argon2id("first".into());
    store.create_user(&change, &ann, Some(&first)).unwrap();
    let stored = |store: &Store| {
        store
            .user_for_sign_in("ann@t.example")
            .unwrap()
            .unwrap()
            .password_hash
            .unwrap()
    };
    let signed_in_with = stored(&store);

    // An administrator resets the password after Ann signed in with the first one.
    let reset = roster_core::requests::UserUpdate {
        password: Some((PasswordHash::Argon2id("reset".into()), true)),
        ..Default::default()
    };
    store
        .update_user(&change, &UserKey::Id(ann.id), &reset)
        .unwrap();
    let after_reset = stored(&store);
    assert_ne!(after_reset, signed_in_with);
    let own = PasswordHash::Argon2id("own".into());
    assert!(
        !store
            .change_own_password(&change, ann.id, &signed_in_with, &own)
            .unwrap()
    );
    assert_eq!(stored(&store), after_reset, "the reset stands");

    // Over the password it holds, the change is made.
    assert!(
        store
            .change_own_password(&change, ann.id, &after_reset, &own)
            .unwrap()
    );
    assert_ne!(stored(&store), after_reset);
}

#[test]
fn numbered_pages_hold_the_same_rows_whichever_end_they_are_read_from() {
    let (_directory, store, change) = test_store();
    for n in 0..23 {
        let mut user = test_user(&format!("u{n:02}@t.example"));
        user.display_name = format!("User {:02}", (n * 7) % 23);
        store.create_user(&change, &user, None).unwrap();
    }
    for descending in [false, true] {
        let query = |skip: usize, top: usize| crate::ListQuery {
            order: Some(crate::SortKey {
                property: "displayName".into(),
                descending,
            }),
            top,
            skip,
            count: true,
            ..Default::default()
        };
        let names = |page: &crate::Page<roster_core::directory::User>| -> Vec<String> {
            page.items.iter().map(|u| u.display_name.clone()).collect()
        };
        let all = names(&store.list_users(change.tenant_id, &query(0, 100)).unwrap());
        assert_eq!(all.len(), 23);
        // Pages of 5: the first half read from the start, the rest (skip past half the count)
        // from the end; each holds its slice of the whole list, and says whether one follows.
        for page in 0..5 {
            let read = store
                .list_users(change.tenant_id, &query(page * 5, 5))
                .unwrap();
            let end = (page * 5 + 5).min(23);
            assert_eq!(
                names(&read),
                all[page * 5..end],
                "page {page}, {descending}"
            );
            assert_eq!(read.count, Some(23));
            assert_eq!(read.next.is_some(), end < 23, "page {page}");
        }
        // Past the end: nothing.
        let read = store.list_users(change.tenant_id, &query(30, 5)).unwrap();
        assert!(read.items.is_empty() && read.next.is_none());
    }
}

#[test]
fn migrating_keeps_each_apps_secret_as_its_first() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("roster.db");
    let (tenant, client) = (ObjectId::new(), ObjectId::new());
    {
        let connection = schema_at(&path, 18);
        connection
            .execute(
                "INSERT INTO tenants (id, display_name, created_at) VALUES (?1, 'T', 0)",
                [tenant.to_string()],
            )
            .unwrap();
        connection
            .execute(
                "INSERT INTO apps (client_id, tenant_id, display_name, secret_hash, permissions, tokens_valid_from, created_at) \
                 VALUES (?1, ?2, 'Old', 'abc123', '[\"User.Read.All\"]', 0, 1000000)",
                [client.to_string(), tenant.to_string()],
            )
            .unwrap();
    }
    let store = Store::open_sqlite(&path).unwrap();
    let stored = store.app(client).unwrap().expect("the app");
    assert_eq!(stored.tenant_id, tenant);
    assert_eq!(
        stored.app.object_id, client,
        "its object id is its client id"
    );
    assert_eq!(stored.app.permissions, ["User.Read.All"]);
    assert!(stored.app.redirect_uris.is_empty() && !stored.app.fallback_public_client);
    assert_eq!(stored.secrets.len(), 1);
    let (secret, hash) = &stored.secrets[0];
    assert_eq!(hash, "abc123");
    assert_eq!(
        secret.ends.format("%Y").to_string(),
        "9999",
        "no end, as before"
    );
}

#[test]
fn expired_codes_and_refresh_tokens_are_forgotten_and_rotated_ones_kept_till_their_end() {
    let (_directory, store, change) = test_store();
    let user = test_user("ann@t.example");
    store.create_user(&change, &user, None).unwrap();
    let now = Utc::now();
    let code = |expires| CodeGrant {
        family_id: uuid::Uuid::new_v4(),
        tenant_id: change.tenant_id,
        client_id: ObjectId::new(),
        user_id: user.id,
        redirect_uri: "https://app.example/cb".into(),
        scope: "openid".into(),
        nonce: None,
        code_challenge: None,
        auth_time: now,
        expires,
    };
    store
        .save_code("old", &code(now - chrono::Duration::days(2)))
        .unwrap();
    store
        .save_code("fresh", &code(now + chrono::Duration::minutes(10)))
        .unwrap();
    let grant = |family| RefreshGrant {
        family_id: family,
        tenant_id: change.tenant_id,
        client_id: ObjectId::new(),
        user_id: user.id,
        scope: "openid offline_access".into(),
        confidential: false,
        auth_time: now,
    };
    let family = uuid::Uuid::new_v4();
    store
        .save_refresh_token_for_test(
            "ended",
            &grant(family),
            now - chrono::Duration::days(91),
            now - chrono::Duration::days(1),
        )
        .unwrap();
    store
        .save_refresh_token_for_test(
            "live",
            &grant(family),
            now,
            now + chrono::Duration::days(90),
        )
        .unwrap();
    // Rotated: kept till its end, so that its replay is known.
    assert!(matches!(
        store
            .rotate_refresh_token(
                ("live", "next"),
                now,
                now + chrono::Duration::days(90),
                None
            )
            .unwrap(),
        Rotated::Rotated(_)
    ));
    assert_eq!(
        store
            .forget_expired_grants(now - chrono::Duration::days(1), now)
            .unwrap(),
        2
    );
    assert!(matches!(
        store.redeem_code("old", now, None).unwrap(),
        Redeemed::Unknown
    ));
    assert!(matches!(
        store.redeem_code("fresh", now, None).unwrap(),
        Redeemed::Granted(_)
    ));
    assert!(matches!(
        store
            .rotate_refresh_token(
                ("live", "again"),
                now,
                now + chrono::Duration::days(90),
                None
            )
            .unwrap(),
        Rotated::Replayed
    ));
    assert!(
        matches!(
            store
                .rotate_refresh_token(
                    ("next", "after"),
                    now,
                    now + chrono::Duration::days(90),
                    None
                )
                .unwrap(),
            Rotated::Unknown
        ),
        "the replay ended the family"
    );
}
