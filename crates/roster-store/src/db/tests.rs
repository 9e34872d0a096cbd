use super::tx::renumber;
use super::*;
use crate::params;
use roster_core::types::ObjectId;
use uuid::Uuid;

#[test]
fn rows_inserted_together_all_go_in_or_the_transaction_fails() {
    let (_directory, store, change) = crate::test_store();
    let group = crate::test_group(&store, &change, "g").id;
    let members = |store: &crate::Store| {
        store
            .pool
            .read(|tx| {
                tx.query(
                    "SELECT member_id FROM group_members WHERE group_id = $1 ORDER BY member_id",
                    &params![group],
                )?
                .iter()
                .map(|row| Ok(ObjectId::from(row.uuid(0)?)))
                .collect::<Result<Vec<_>>>()
            })
            .unwrap()
    };
    let insert =
        "INSERT INTO group_members (group_id, member_id, member_kind) VALUES ($1, $2, 'user')";
    let (first, second) = (ObjectId::new(), ObjectId::new());

    // Two held rows with the same key: the flush fails, and none of the rows stays.
    let twice = store.pool.write(|tx| {
        let mut deferred = Deferred::new(&mut *tx, true);
        for member in [first, second, first] {
            deferred.insert_later(insert, &params![group, member])?;
        }
        deferred.flush()
    });
    assert!(
        matches!(twice, Err(Error::UniqueViolation { .. })),
        "{twice:?}"
    );
    assert!(members(&store).is_empty());

    // A row that clashes with one already there, and a row that breaks NOT NULL, likewise.
    store
        .pool
        .write(|tx| tx.execute(insert, &params![group, first]).map(drop))
        .unwrap();
    for clash in [first, ObjectId::new()] {
        let refused = store.pool.write(|tx| {
            let mut deferred = Deferred::new(&mut *tx, true);
            deferred.insert_later(insert, &params![group, second])?;
            if clash == first {
                deferred.insert_later(insert, &params![group, first])?;
            } else {
                deferred.insert_later(insert, &[SqlValue::from(group), SqlValue::Null])?;
            }
            deferred.flush()
        });
        assert!(
            matches!(refused, Err(Error::UniqueViolation { .. })),
            "{refused:?}"
        );
        assert_eq!(members(&store), vec![first]);
    }

    // A membership of a group that does not exist is refused when the transaction commits.
    let nowhere = store.pool.write(|tx| {
        let mut deferred = Deferred::new(&mut *tx, true);
        deferred.insert_later(insert, &params![ObjectId::new(), second])?;
        deferred.insert_later(insert, &params![group, second])?;
        deferred.flush()
    });
    assert!(nowhere.is_err());
    assert_eq!(members(&store), vec![first]);

    // Rows that are all right all go in.
    store
        .pool
        .write(|tx| {
            let mut deferred = Deferred::new(&mut *tx, true);
            deferred.insert_later(insert, &params![group, second])?;
            deferred.flush()
        })
        .unwrap();
    let mut both = vec![first, second];
    both.sort();
    assert_eq!(members(&store), both);
}

#[test]
fn a_value_of_another_type_is_an_error_not_a_default() {
    let row = Row(vec![
        SqlValue::Text("secret-value".into()),
        SqlValue::Null,
        SqlValue::Int(7),
        SqlValue::Text("{not json".into()),
    ]);
    assert!(row.int(0).is_err(), "text is not an integer");
    assert!(row.text(1).is_err(), "null where text is required");
    assert_eq!(row.opt_text(1).unwrap(), None);
    assert!(row.text(2).is_err(), "an integer is not text");
    assert!(row.timestamp(0).is_err());
    assert!(row.uuid(0).is_err());
    assert!(row.bool(2).is_err(), "7 is neither 0 nor 1");
    assert!(row.json::<serde_json::Value>(3).is_err());
    assert!(row.text(4).is_err(), "no such column");
    // The error names the column and the type found, never the value.
    let message = row.int(0).unwrap_err().to_string();
    assert!(
        message.contains("column 0") && message.contains("found text"),
        "{message}"
    );
    assert!(!message.contains("secret-value"), "{message}");
    // What both stores agree on still reads.
    let id = Uuid::now_v7();
    let row = Row(vec![
        SqlValue::Text(id.to_string()),
        SqlValue::Int(1),
        SqlValue::Int(1_700_000_000_000_000),
    ]);
    assert_eq!(row.uuid(0).unwrap(), id);
    assert!(row.bool(1).unwrap());
    assert_eq!(row.timestamp(2).unwrap().timestamp(), 1_700_000_000);
}

#[test]
fn stored_json_that_does_not_parse_is_an_error() {
    let (_directory, store, change) = crate::test_store();
    let group = crate::test_group(&store, &change, "g").id;
    assert!(store.get_group(change.tenant_id, group).is_ok());
    store
        .pool
        .write(|tx| {
            tx.execute(
                "UPDATE groups SET group_types = '[\"Unified\"' WHERE id = $1",
                &params![group],
            )
        })
        .unwrap();
    let read = store.get_group(change.tenant_id, group);
    assert!(matches!(read, Err(Error::Database(_))), "{read:?}");
}

#[test]
fn a_unique_violation_is_known_by_its_index_name() {
    let (_directory, store, change) = crate::test_store();
    let ann = crate::test_user("ann@t.example");
    store.create_user(&change, &ann, None).unwrap();
    // The same name (an index on columns: SQLite names its columns, not the index).
    let again = crate::test_user("ANN@t.example");
    let refused = store.create_user(&change, &again, None);
    assert!(
        matches!(
            refused,
            Err(Error::Conflict {
                property: "userPrincipalName"
            })
        ),
        "{refused:?}"
    );
    // The same id (the primary key).
    let mut same_id = crate::test_user("bob@t.example");
    same_id.id = ann.id;
    let refused = store.create_user(&change, &same_id, None);
    assert!(
        matches!(refused, Err(Error::Conflict { property: "id" })),
        "{refused:?}"
    );
    // An index on an expression, which SQLite names itself.
    let refused = store.pool.write(|tx| {
        for name in ["a", "b"] {
            tx.execute(
                "INSERT INTO contacts (id, tenant_id, display_name, mail, properties, created_at) \
                 VALUES ($1, $2, $3, 'Same@x.example', '{}', $4)",
                &params![ObjectId::new(), change.tenant_id, name, chrono::Utc::now()],
            )?;
        }
        Ok(())
    });
    assert!(
        matches!(&refused, Err(Error::UniqueViolation { constraint: Some(name) }) if name == "contacts_mail_unique"),
        "{refused:?}"
    );
}

#[test]
fn placeholders_are_renumbered_per_row() {
    let mut out = String::new();
    renumber("($1, $2, '[]', $10)", 20, &mut out);
    assert_eq!(out, "($21, $22, '[]', $30)");
    assert_eq!(super::placeholders(3, 3), "$3, $4, $5");
    assert_eq!(super::placeholders(1, 1), "$1");
}
