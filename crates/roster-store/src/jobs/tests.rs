use super::*;
use crate::UserKey;

use roster_core::types::UserPrincipalName;

fn store() -> (tempfile::TempDir, Store, Change) {
    crate::test_store()
}

/// Creates the row's user; a row whose `upn` is invalid fails on that column.
fn create_user(job: &mut JobTx<'_>, _: i64, input: &str) -> RowOutcome {
    let input: Json = serde_json::from_str(input).unwrap();
    let text = input["upn"].as_str().unwrap_or_default();
    let Ok(upn) = UserPrincipalName::parse(text) else {
        return RowOutcome::Failed {
            column: Some("upn".into()),
            message: format!("'{text}' is not a UPN"),
            reason: None,
        };
    };
    if let Ok(Some(existing)) = job.find_user(&UserKey::Upn(upn.key())) {
        return RowOutcome::Unchanged {
            object_id: Some(existing.id),
        };
    }
    let user = roster_core::requests::NewUser::new(upn, text.into())
        .unwrap()
        .user;
    match job.create_user(&user, None) {
        Ok(()) => RowOutcome::Succeeded {
            object_id: Some(user.id),
            output: None,
        },
        Err(error) => RowOutcome::Failed {
            column: Some("upn".into()),
            message: error.to_string(),
            reason: None,
        },
    }
}

fn rows(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| match i {
            5 => serde_json::json!({ "upn": "not a upn" }),
            3 => serde_json::json!({ "upn": format!("u{i}@t.example"), "passwordProfile": { "password": "S3cret-row-3" } }),
            _ => serde_json::json!({ "upn": format!("u{i}@t.example") }),
        })
        .map(|row| row.to_string())
        .collect()
}

fn texts(rows: &[String]) -> Vec<&str> {
    rows.iter().map(String::as_str).collect()
}

fn users(store: &Store, tenant_id: ObjectId) -> Vec<String> {
    let query = crate::ListQuery {
        top: 999,
        ..Default::default()
    };
    let mut upns: Vec<String> = store
        .list_users(tenant_id, &query)
        .unwrap()
        .items
        .iter()
        .map(|u| u.user_principal_name.to_string())
        .collect();
    upns.sort();
    upns
}

#[test]
fn a_duplicate_within_a_batch_is_found_when_its_held_rows_are_inserted() {
    let (_directory, store, change) = store();
    let rows: Vec<String> = ["a", "b", "a", "c"]
        .iter()
        .map(|alias| serde_json::json!({ "upn": format!("{alias}@t.example") }).to_string())
        .collect();
    let job = store
        .submit_job(
            &change,
            "createUsers",
            &serde_json::json!({}),
            &texts(&rows),
            10,
        )
        .unwrap();
    store
        .claim_job("w", Duration::seconds(30))
        .unwrap()
        .unwrap();
    let applied = store
        .run_job_batch(
            &change,
            job.id,
            "w",
            Duration::seconds(30),
            &mut create_user,
        )
        .unwrap();
    assert_eq!(applied, 4);
    let outcomes = store.job_rows(change.tenant_id, job.id, 0, 10).unwrap();
    let statuses: Vec<&str> = outcomes.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["succeeded", "succeeded", "unchanged", "succeeded"]
    );
    assert_eq!(outcomes[2].object_id, outcomes[0].object_id);
    assert_eq!(users(&store, change.tenant_id).len(), 3);
    let log = store.audit_log(change.tenant_id, 100).unwrap();
    assert_eq!(log.iter().filter(|r| r.operation == "Add user").count(), 3);
}

#[test]
fn generated_passwords_are_forgotten_a_day_after_their_job() {
    let (_directory, store, change) = store();
    let job = store
        .submit_job(
            &change,
            "createUsers",
            &serde_json::json!({}),
            &texts(&rows(2)),
            10,
        )
        .unwrap();
    store
        .claim_job("w", Duration::seconds(30))
        .unwrap()
        .unwrap();
    let mut with_password =
        |job: &mut JobTx<'_>, number: i64, input: &str| match create_user(job, number, input) {
            RowOutcome::Succeeded { object_id, .. } => RowOutcome::Succeeded {
                object_id,
                output: Some(serde_json::json!({ "password": format!("secret-{number}") })),
            },
            other => other,
        };
    store
        .run_job_batch(
            &change,
            job.id,
            "w",
            Duration::seconds(30),
            &mut with_password,
        )
        .unwrap();
    let outputs = |store: &Store| {
        store
            .job_rows(change.tenant_id, job.id, 0, 10)
            .unwrap()
            .iter()
            .filter(|row| row.output.is_some())
            .count()
    };
    assert_eq!(outputs(&store), 2);
    store
        .forget_job_outputs_before(Utc::now() - Duration::days(1))
        .unwrap();
    assert_eq!(
        outputs(&store),
        2,
        "a job that finished just now keeps them"
    );
    store
        .forget_job_outputs_before(Utc::now() + Duration::seconds(1))
        .unwrap();
    assert_eq!(outputs(&store), 0);
}

#[test]
fn applied_rows_keep_no_password() {
    let row = serde_json::json!({ "upn": "a@t.example", "passwordProfile": { "password": "S3cret!x", "forceChangePasswordNextSignIn": true } });
    let redacted = without_passwords(&row).expect("a password to remove");
    assert_eq!(
        redacted["passwordProfile"],
        serde_json::json!({ "forceChangePasswordNextSignIn": true })
    );
    assert_eq!(redacted["upn"], "a@t.example");
    assert!(without_passwords(&serde_json::json!({ "upn": "b@t.example" })).is_none());
}

#[test]
fn a_job_stopped_half_way_resumes_without_applying_a_row_twice() {
    let (directory, store, change) = store();
    let job = store
        .submit_job(
            &change,
            "createUsers",
            &serde_json::json!({}),
            &texts(&rows(10)),
            3,
        )
        .unwrap();
    assert_eq!(job.total_rows, 10);

    // The first worker applies two batches, then dies in the middle of the third: that
    // batch's transaction never commits.
    let lease = Duration::milliseconds(1);
    let claimed = store
        .claim_job("worker-a", lease)
        .unwrap()
        .expect("a job to run");
    assert_eq!(claimed.id, job.id);
    for _ in 0..2 {
        assert_eq!(
            store
                .run_job_batch(&change, job.id, "worker-a", lease, &mut create_user)
                .unwrap(),
            3
        );
    }
    let crash = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut dying = |job: &mut JobTx<'_>, number: i64, input: &str| {
            if number == 8 {
                panic!("killed");
            }
            create_user(job, number, input)
        };
        store.run_job_batch(&change, job.id, "worker-a", lease, &mut dying)
    }));
    assert!(
        matches!(crash, Ok(Err(_)) | Err(_)),
        "the batch did not commit"
    );
    drop(store);

    // Another server starts on the same database once the lease has lapsed.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let store = Store::open_sqlite(&directory.path().join("roster.db")).unwrap();
    assert_eq!(
        users(&store, change.tenant_id).len(),
        5,
        "rows 1-6 applied, row 5 failed, row 7 rolled back"
    );
    let resumed = store
        .claim_job("worker-b", Duration::seconds(30))
        .unwrap()
        .expect("the job resumes");
    assert_eq!(resumed.done_rows, 6);
    assert!(
        store
            .claim_job("worker-c", Duration::seconds(30))
            .unwrap()
            .is_none(),
        "one worker at a time"
    );
    while store
        .run_job_batch(
            &change,
            job.id,
            "worker-b",
            Duration::seconds(30),
            &mut create_user,
        )
        .unwrap()
        > 0
    {}

    let finished = store.job(change.tenant_id, job.id).unwrap();
    assert_eq!(finished.status, JobStatus::Completed);
    assert_eq!((finished.done_rows, finished.failed_rows), (10, 1));
    let expected: Vec<String> = {
        let mut upns: Vec<String> = (1..=10)
            .filter(|i| *i != 5)
            .map(|i| format!("u{i}@t.example"))
            .collect();
        upns.sort();
        upns
    };
    assert_eq!(
        users(&store, change.tenant_id),
        expected,
        "every row applied exactly once"
    );
    let outcomes = store.job_rows(change.tenant_id, job.id, 0, 100).unwrap();
    assert_eq!(outcomes.len(), 10);
    assert!(
        serde_json::from_str::<Json>(&outcomes[2].input).unwrap()["passwordProfile"]
            .get("password")
            .is_none(),
        "an applied row keeps no password"
    );
    let failed = &outcomes[4];
    assert_eq!(
        (failed.status.as_str(), failed.error_column.as_deref()),
        ("failed", Some("upn"))
    );
    assert!(
        outcomes
            .iter()
            .filter(|r| r.row_number != 5)
            .all(|r| r.status == "succeeded" && r.object_id.is_some())
    );

    // Running the same rows again changes nothing and says so.
    let again = store
        .submit_job(
            &change,
            "createUsers",
            &serde_json::json!({}),
            &texts(&rows(10)),
            4,
        )
        .unwrap();
    store
        .claim_job("worker-b", Duration::seconds(30))
        .unwrap()
        .expect("the second job");
    while store
        .run_job_batch(
            &change,
            again.id,
            "worker-b",
            Duration::seconds(30),
            &mut create_user,
        )
        .unwrap()
        > 0
    {}
    let outcomes = store.job_rows(change.tenant_id, again.id, 0, 100).unwrap();
    assert_eq!(
        outcomes.iter().filter(|r| r.status == "unchanged").count(),
        9
    );
    assert_eq!(users(&store, change.tenant_id).len(), 9);
}
