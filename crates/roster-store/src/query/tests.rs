use super::*;
use crate::collections::{USER_INDEXED, UserSchema};
use roster_core::odata::Filter;

fn check(filter: &str, expected: &str) {
    let expr = Filter::parse(filter).unwrap().into_expr();
    let mut out = SqlBuilder::new(Vec::new());
    let sql = translate_filter(&UserSchema, &expr, &mut out)
        .unwrap_or_else(|error| format!("error: {error}"));
    assert_eq!(sql, expected, "{filter}");
}

#[test]
fn filters_translate() {
    check(
        "department eq 'Sales'",
        "(department IS NOT NULL AND lower(department) = $1)",
    );
    check(
        "department ne 'Sales'",
        "(department IS NULL OR lower(department) <> $1)",
    );
    check("usageLocation eq null", "(usage_location IS NULL)");
    check(
        "startsWith(displayName,'Ad')",
        "(display_name IS NOT NULL AND lower(display_name) >= $1 AND lower(display_name) < $2)",
    );
    check(
        "accountEnabled eq false",
        "(account_enabled IS NOT NULL AND account_enabled = $1)",
    );
    check(
        "not(department eq 'HR') and city eq 'Delft'",
        "((NOT (department IS NOT NULL AND lower(department) = $1)) AND (city IS NOT NULL AND lower(city) = $2))",
    );
    check(
        "proxyAddresses/any(x:startswith(x,'smtp:'))",
        "EXISTS (SELECT 1 FROM user_values v WHERE v.user_id = users.id AND v.attribute = $1 AND (v.value_key IS NOT NULL AND v.value_key >= $2 AND v.value_key < $3))",
    );
    check(
        "assignedLicenses/any(x:x/skuId eq 05e9a617-0261-4cee-bb44-138d3ef5d965)",
        "EXISTS (SELECT 1 FROM license_assignments v WHERE v.user_id = users.id AND v.state = 'Active' AND (v.sku_id IS NOT NULL AND v.sku_id = $1))",
    );
    check(
        "favouriteColour eq 'red'",
        "error: Unsupported or invalid query filter clause specified for property 'favouriteColour' of resource 'user'.",
    );
    check(
        "proxyAddresses eq 'x'",
        "error: Property 'proxyAddresses' is a collection: filter it with proxyAddresses/any(x: ...)",
    );
    check(
        "accountEnabled eq 'yes'",
        "error: Invalid filter clause: the value String(\"yes\") does not fit property 'accountEnabled'",
    );
    check(
        "startsWith(accountEnabled,'t')",
        "error: startsWith applies to text, and 'accountEnabled' is not text",
    );
}

#[test]
fn indexed_columns_have_their_indexes() {
    let directory = tempfile::tempdir().unwrap();
    let store = crate::Store::open_sqlite(&directory.path().join("roster.db")).unwrap();
    let indexes: Vec<String> = store
        .pool
        .read(|tx| {
            tx
                .query(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL",
                    &[],
                )?
                .iter()
                .map(|row| Ok(row.text(0)?.replace(' ', "")))
                .collect::<Result<_>>()
        })
        .unwrap();
    for column in USER_INDEXED {
        // The user name is kept lower-cased in its own column; the others are lowered.
        let compared = match *column {
            "upn_key" => column.to_string(),
            other => format!("lower({other})"),
        };
        assert!(
            indexes
                .iter()
                .any(|sql| sql.contains(&format!("(tenant_id,{compared}"))),
            "no index on (tenant_id, {compared}): {indexes:?}"
        );
    }
}

#[test]
fn prefix_bounds() {
    assert_eq!(prefix_upper_bound("ad").as_deref(), Some("ae"));
    assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
}
