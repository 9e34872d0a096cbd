use super::claims::{Claims, LEEWAY_SECONDS};
use super::keys::Keys;
use super::sign_in::sign_in;
use crate::state::AppState;
use chrono::Utc;
use roster_core::types::ObjectId;
use std::sync::{Arc, OnceLock};

/// A server's state on a fresh embedded store with tenant `t.example`, whose administrator
/// `admin@t.example` has the chosen password `Chosen-Passw0rd!`.
fn state() -> (tempfile::TempDir, AppState) {
    let directory = tempfile::tempdir().unwrap();
    let store = roster_store::Store::open_sqlite(&directory.path().join("roster.db")).unwrap();
    let keys = Arc::new(Keys::load(&store).unwrap());
    let credentials = crate::BootstrapCredentials {
        admin: Some("admin@t.example".into()),
        password: Some("Chosen-Passw0rd!".into()),
        ..Default::default()
    };
    crate::bootstrap::bootstrap(&store, &keys, "T", "t.example", &credentials).unwrap();
    let state = AppState {
        store,
        keys,
        public_url: None,
        issuer_base: "http://localhost".into(),
        router: Arc::new(OnceLock::new()),
        hasher: crate::identity::hashing::Hasher::start(1),
        job_wake: Arc::new(tokio::sync::Notify::new()),
        job_batch_rows: 100,
        uploads: Arc::new(tokio::sync::Semaphore::new(1)),
        domain_verification: crate::domain_verification::DomainVerification::Trust,
    };
    (directory, state)
}

#[tokio::test]
async fn every_failed_password_check_costs_one_argon2id_verification() {
    let (_directory, state) = state();
    // A user whose password roster generated: checked by a keyed hash, in microseconds.
    let tenant = state.store.tenants().unwrap()[0].id;
    let mut generated = state
        .store
        .user_for_sign_in("admin@t.example")
        .unwrap()
        .unwrap()
        .user;
    generated.id = ObjectId::new();
    generated.user_principal_name =
        roster_core::types::UserPrincipalName::parse("gen@t.example").unwrap();
    let hash = state
        .keys
        .generated_password_hash("Generated-0123456789abcdef");
    state
        .store
        .create_user(
            &roster_store::Change::system(tenant),
            &generated,
            Some(&hash),
        )
        .unwrap();
    let parts = axum::http::Request::new(()).into_parts().0;
    for (name, password) in [
        ("nobody@t.example", "Wrong-Passw0rd!"),
        ("gen@t.example", "Wrong-Passw0rd!"),
        ("admin@t.example", "Wrong-Passw0rd!"),
        ("gen@t.example", "Generated-0123456789abcdef"),
        ("admin@t.example", "Chosen-Passw0rd!"),
    ] {
        let before = state.hasher.verifications();
        let outcome = sign_in(
            &state,
            &parts,
            super::sign_in::SignInApp::named("test"),
            (name.into(), password.into()),
            |_| Ok(()),
        )
        .await
        .unwrap();
        assert_eq!(
            state.hasher.verifications(),
            before + 1,
            "{name}: exactly one Argon2id verification"
        );
        assert_eq!(outcome.is_ok(), !password.starts_with("Wrong"), "{name}");
    }
    // Each attempt is in the sign-in log, the unknown name under the domain's tenant.
    let query = roster_store::ListQuery {
        top: 10,
        ..Default::default()
    };
    let log = state.store.sign_ins(tenant, &query).unwrap().items;
    assert_eq!(log.len(), 5);
    assert_eq!(
        log.iter().map(|entry| entry.error_code).collect::<Vec<_>>(),
        [0, 0, 50126, 50126, 50126]
    );
}

#[test]
fn times_are_checked_on_every_use_the_first_included() {
    let (_directory, state) = state();
    let keys = &state.keys;
    let now = Utc::now();
    let tenant = ObjectId::new();
    let token = |adjust: &dyn Fn(&mut Claims)| {
        let mut claims = Claims::new("iss".into(), tenant, ObjectId::new(), "app", now);
        adjust(&mut claims);
        keys.issue(&claims)
    };
    assert!(keys.decode(&token(&|_| {})).is_some());
    let not_yet = token(&|c| c.nbf = now.timestamp() + 600);
    assert!(keys.decode(&not_yet).is_none(), "nbf in the future");
    assert!(keys.decode(&not_yet).is_none(), "and again");
    let skewed = token(&|c| c.nbf = now.timestamp() + LEEWAY_SECONDS / 2);
    assert!(keys.decode(&skewed).is_some(), "a little clock skew");
    let issued_later = token(&|c| c.iat = now.timestamp() + 600);
    assert!(keys.decode(&issued_later).is_none(), "iat in the future");
    let expired = token(&|c| c.exp = now.timestamp() - LEEWAY_SECONDS - 1);
    assert!(keys.decode(&expired).is_none(), "expired");
}

#[test]
fn sealed_secrets_open_only_where_and_with_the_key_they_were_sealed() {
    let (_other_directory, other) = state();
    let (_directory, state) = state();
    let sealed = state.keys.seal("job 1 row 2", "s3cret-Password");
    assert!(!sealed.contains("s3cret"), "{sealed}");
    assert!(Keys::is_sealed(&sealed));
    assert_eq!(
        state.keys.open("job 1 row 2", &sealed).as_deref(),
        Some("s3cret-Password")
    );
    assert_eq!(state.keys.open("job 1 row 3", &sealed), None, "another row");
    assert_eq!(
        other.keys.open("job 1 row 2", &sealed),
        None,
        "another server key"
    );
    let mut tampered = sealed.clone();
    tampered.pop();
    tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(state.keys.open("job 1 row 2", &tampered), None, "altered");
    assert_eq!(
        state.keys.open("job 1 row 2", "s3cret-Password"),
        None,
        "plain"
    );
    // Two seals of one secret differ (a fresh nonce each).
    assert_ne!(sealed, state.keys.seal("job 1 row 2", "s3cret-Password"));
}

/// Signing keys rotate: the next one is published before it signs, tokens signed by the last
/// one check until it is dropped a day after it stopped signing, and a second server on the
/// same database signs and checks alike.
#[test]
fn signing_keys_rotate_and_old_tokens_check_until_their_key_is_dropped() {
    use roster_store::{PUBLISHED_BEFORE_SIGNING, RETAINED_AFTER_RETIRING};
    let (_directory, state) = state();
    let keys = &state.keys;
    let now = Utc::now();
    let kids = |keys: &Keys| -> Vec<String> {
        keys.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key["kid"].as_str().unwrap().to_string())
            .collect()
    };
    // The key kept before rotation signs on; its successor is published already.
    let published = kids(keys);
    assert_eq!(published.len(), 2, "{published:?}");
    assert_eq!(keys.signing_kid(now), published[0]);
    assert_eq!(
        keys.signing_kid(now + PUBLISHED_BEFORE_SIGNING),
        published[1]
    );
    let claims = Claims::new("iss".into(), ObjectId::new(), ObjectId::new(), "app", now);
    let old_token = keys.issue(&claims);
    let kid = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    assert_eq!(kid(&old_token), published[0]);

    // Another server on the same database: the same keys, and it checks this server's tokens.
    let other = Keys::load(&state.store).unwrap();
    assert_eq!(kids(&other), published);
    assert!(other.decode(&old_token).is_some());

    // A day after the successor took over, the old key is still published; then it is dropped,
    // and what it signed no longer checks (on a server that had not checked it before).
    let taken_over = now + PUBLISHED_BEFORE_SIGNING;
    keys.rotate(
        &state.store,
        taken_over + RETAINED_AFTER_RETIRING - chrono::Duration::minutes(5),
    )
    .unwrap();
    assert_eq!(kids(keys), published);
    keys.rotate(
        &state.store,
        taken_over + RETAINED_AFTER_RETIRING + chrono::Duration::minutes(5),
    )
    .unwrap();
    assert_eq!(kids(keys), published[1..]);
    let fresh = Keys::load(&state.store).unwrap();
    assert!(fresh.decode(&old_token).is_none());
    assert_eq!(kid(&keys.issue(&claims)), published[1]);
}
