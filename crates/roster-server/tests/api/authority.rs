//! One path for every change: the store authorizes each change inside the transaction that
//! makes it, from the roles as they are then, whatever a front-end saw when its request began.
//! These tests play a front-end that looked, then wrote after the directory had changed.

use reqwest::StatusCode;
use roster_core::access::{Forbidden, Role};
use roster_core::requests::UserUpdate;
use roster_core::types::ObjectId;
use roster_store::{Change, Error, Store, UserKey};
use roster_testkit::{TestApp, spawn_app};
use serde_json::json;

use super::center::user_with_role;

/// The change a front-end builds for a request by `actor` (as `identity::tokens::Caller::change` does).
fn change_by(app: &TestApp, actor: &str) -> Change {
    Change::by(
        ObjectId::parse(&app.tenant_id).unwrap(),
        Some(ObjectId::parse(actor).unwrap()),
        actor,
    )
}

/// Runs `work` on the store, off the async threads, as the server's handlers do.
async fn on_store<T: Send + 'static>(
    app: &TestApp,
    work: impl FnOnce(&Store) -> roster_store::Result<T> + Send + 'static,
) -> roster_store::Result<T> {
    let store = app.store();
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .unwrap()
}

fn rename(name: &str) -> UserUpdate {
    UserUpdate {
        display_name: Some(name.into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_removed_after_a_front_end_looked_is_honoured() {
    let app = spawn_app().await;
    let admin = user_with_role(&app, "ua", Some("User Administrator")).await;
    let target = app.create_user("target", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The front-end's request began while "ua" was a User Administrator.
    let change = change_by(&app, &admin);
    let key = UserKey::parse(&target);
    let (c, k) = (change.clone(), key.clone());
    on_store(&app, move |store| {
        store.update_user(&c, &k, &rename("First"))
    })
    .await
    .unwrap();

    // Another administrator takes the role away before the front-end writes again.
    let tenant = change.tenant_id;
    let admin_id = ObjectId::parse(&admin).unwrap();
    on_store(&app, move |store| {
        store.remove_role(&Change::system(tenant), admin_id, Role::UserAdministrator)
    })
    .await
    .unwrap();
    let (c, k) = (change.clone(), key.clone());
    let refused = on_store(&app, move |store| {
        store.update_user(&c, &k, &rename("Second"))
    })
    .await;
    assert!(
        matches!(refused, Err(Error::Forbidden(Forbidden::Operation))),
        "{refused:?}"
    );
    // Nor may it delete, block or create: every change asks the store.
    let (c, k) = (change.clone(), key.clone());
    let refused = on_store(&app, move |store| store.delete_user(&c, &k)).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let user = app.get(&format!("/v1.0/users/{target}")).await;
    assert_eq!(user.status, StatusCode::OK);
    assert_eq!(
        user.body["displayName"], "First",
        "nothing more was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_made_more_privileged_after_a_front_end_looked_is_protected() {
    let app = spawn_app().await;
    let helpdesk = user_with_role(&app, "desk", Some("Helpdesk Administrator")).await;
    let target = user_with_role(&app, "target", None).await;
    let change = change_by(&app, &helpdesk);
    let key = UserKey::parse(&target);
    let block = |enabled: bool| UserUpdate {
        account_enabled: Some(enabled),
        ..Default::default()
    };
    let (c, k) = (change.clone(), key.clone());
    on_store(&app, move |store| store.update_user(&c, &k, &block(false)))
        .await
        .unwrap();

    // The target becomes a Global Administrator; the Helpdesk Administrator's next change to
    // it is refused, as Entra refuses it, though the front-end saw an ordinary user.
    let reply = app
        .post(
            "/roster/v1/roleAssignments",
            json!({ "principalId": target, "role": "Global Administrator" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let (c, k) = (change.clone(), key.clone());
    let refused = on_store(&app, move |store| store.update_user(&c, &k, &block(true))).await;
    assert!(
        matches!(
            refused,
            Err(Error::Forbidden(Forbidden::MorePrivilegedTarget))
        ),
        "{refused:?}"
    );
    let user = app
        .get(&format!("/v1.0/users/{target}?$select=accountEnabled"))
        .await;
    assert_eq!(user.body["accountEnabled"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_or_deleted_administrator_changes_nothing_more() {
    let app = spawn_app().await;
    let admin = user_with_role(&app, "ua", Some("User Administrator")).await;
    let target = app.create_user("target", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let change = change_by(&app, &admin);
    let key = UserKey::parse(&target);

    let reply = app
        .patch(
            &format!("/v1.0/users/{admin}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let (c, k) = (change.clone(), key.clone());
    let refused = on_store(&app, move |store| {
        store.update_user(&c, &k, &rename("Blocked"))
    })
    .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");

    let reply = app
        .patch(
            &format!("/v1.0/users/{admin}"),
            json!({ "accountEnabled": true }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app.delete(&format!("/v1.0/users/{admin}")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let (c, k) = (change.clone(), key.clone());
    let refused = on_store(&app, move |store| {
        store.update_user(&c, &k, &rename("Deleted"))
    })
    .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let user = app.get(&format!("/v1.0/users/{target}")).await;
    assert_ne!(user.body["displayName"], "Blocked");
    assert_ne!(user.body["displayName"], "Deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anyone_ends_their_own_sessions_and_no_one_elses() {
    let app = spawn_app().await;
    let plain = user_with_role(&app, "plain", None).await;
    let other = user_with_role(&app, "other", None).await;
    let change = change_by(&app, &plain);
    let (c, own) = (change.clone(), UserKey::parse(&plain));
    on_store(&app, move |store| store.revoke_sign_in_sessions(&c, &own))
        .await
        .unwrap();
    let (c, theirs) = (change.clone(), UserKey::parse(&other));
    let refused = on_store(&app, move |store| {
        store.revoke_sign_in_sessions(&c, &theirs)
    })
    .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    // Nor does one's own account allow what a role would: renaming oneself needs one.
    let (c, own) = (change.clone(), UserKey::parse(&plain));
    let refused = on_store(&app, move |store| {
        store.update_user(&c, &own, &rename("Me"))
    })
    .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_roster_itself_changes_without_an_actor() {
    let app = spawn_app().await;
    let target = app.create_user("target", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tenant = ObjectId::parse(&app.tenant_id).unwrap();
    // An actor no longer known (a job whose submitter was never recorded) is allowed nothing.
    let gone = Change::by(tenant, None, "gone");
    let key = UserKey::parse(&target);
    let refused = on_store(&app, move |store| {
        store.update_user(&gone, &key, &rename("Gone"))
    })
    .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    assert!(!Change::by(tenant, None, "gone").is_system());
    assert!(Change::system(tenant).is_system());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_goes_only_to_a_live_user_or_app_of_the_tenant() {
    let app = spawn_app().await;
    let user = user_with_role(&app, "leaving", None).await;
    let reply = app.delete(&format!("/v1.0/users/{user}")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let tenant = ObjectId::parse(&app.tenant_id).unwrap();
    let id = ObjectId::parse(&user).unwrap();
    let refused = on_store(&app, move |store| {
        store.assign_role(&Change::system(tenant), id, Role::GlobalAdministrator)
    })
    .await;
    assert!(
        matches!(refused, Err(Error::NotFound { .. })),
        "{refused:?}"
    );
    let nobody = ObjectId::new();
    let refused = on_store(&app, move |store| {
        store.assign_role(&Change::system(tenant), nobody, Role::GlobalAdministrator)
    })
    .await;
    assert!(
        matches!(refused, Err(Error::NotFound { .. })),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_without_a_role_learns_nothing_of_other_accounts() {
    let app = spawn_app().await;
    user_with_role(&app, "plain", None).await;
    let token = app
        .password_token(
            &format!("plain@{}", roster_testkit::DOMAIN),
            super::center::PASSWORD,
        )
        .await
        .unwrap();
    let admin = format!("admin@{}", roster_testkit::DOMAIN);
    for key in [admin.as_str(), "nobody@contoso.example"] {
        let reply = app
            .call(
                &token,
                reqwest::Method::POST,
                &format!("/v1.0/users/{key}/revokeSignInSessions"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{key}");
    }
    // Nor of what the recycle bin holds.
    let path = format!("/v1.0/directory/deletedItems/{}/restore", ObjectId::new());
    let reply = app.call(&token, reqwest::Method::POST, &path, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .call(
            &token,
            reqwest::Method::DELETE,
            &format!("/v1.0/directory/deletedItems/{}", ObjectId::new()),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

/// Two Global Administrators blocking each other at once: on PostgreSQL their locks can
/// deadlock, which the store breaks by running the loser again; either way one of them stays a
/// Global Administrator who can sign in, and neither request fails for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_global_administrators_blocking_each_other_leave_one() {
    let app = spawn_app().await;
    let first = app
        .get(&format!("/v1.0/users/{}", roster_testkit::ADMIN_UPN))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = user_with_role(&app, "ga2", Some("Global Administrator")).await;
    let second_upn = format!("ga2@{}", roster_testkit::DOMAIN);
    for round in 0..4 {
        let (a, b) = tokio::join!(
            app.password_token(roster_testkit::ADMIN_UPN, roster_testkit::ADMIN_PASSWORD),
            app.password_token(&second_upn, super::center::PASSWORD),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let block = json!({ "accountEnabled": false });
        let (to_second, to_first) = (
            format!("/v1.0/users/{second}"),
            format!("/v1.0/users/{first}"),
        );
        let (one, two) = tokio::join!(
            app.call(&a, reqwest::Method::PATCH, &to_second, Some(block.clone())),
            app.call(&b, reqwest::Method::PATCH, &to_first, Some(block.clone())),
        );
        for reply in [&one, &two] {
            assert!(
                [
                    StatusCode::NO_CONTENT,
                    StatusCode::BAD_REQUEST,
                    StatusCode::FORBIDDEN,
                    StatusCode::UNAUTHORIZED
                ]
                .contains(&reply.status),
                "round {round}: {} {:?}",
                reply.status,
                reply.body
            );
        }
        let enabled = |id: String| {
            let app = &app;
            async move {
                app.get(&format!("/v1.0/users/{id}?$select=accountEnabled"))
                    .await
                    .body["accountEnabled"]
                    == true
            }
        };
        let (first_on, second_on) = tokio::join!(enabled(first.clone()), enabled(second.clone()));
        assert!(first_on || second_on, "round {round}: both were blocked");
        assert!(
            !(first_on && second_on),
            "round {round}: neither block took ({} / {})",
            one.status,
            two.status
        );
        for id in [&first, &second] {
            let reply = app
                .patch(
                    &format!("/v1.0/users/{id}"),
                    json!({ "accountEnabled": true }),
                )
                .await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT);
        }
    }
}
