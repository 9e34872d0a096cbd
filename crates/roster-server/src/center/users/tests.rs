use super::*;
use roster_core::odata::Filter;

/// The list's filters ask exactly what their `$filter` text asks through the API.
#[test]
fn the_filters_are_the_conditions_their_filter_text_parses_to() {
    let sku = ObjectId::new();
    let params = ListParams {
        search: " ad'a ".into(),
        department: "Sales".into(),
        country: "Nederland".into(),
        license: sku.to_string(),
        status: "blocked".into(),
        kind: "guest".into(),
        source: "cloud".into(),
        ..ListParams::default()
    };
    let text = format!(
        "department eq 'Sales' and country eq 'Nederland' and assignedLicenses/any(x:x/skuId eq {sku}) \
         and accountEnabled eq false and userType eq 'Guest' and not(onPremisesSyncEnabled eq true) \
         and (startsWith(displayName,'ad''a') or startsWith(givenName,'ad''a') or startsWith(surname,'ad''a') \
         or startsWith(userPrincipalName,'ad''a') or startsWith(mail,'ad''a'))"
    );
    let expected = Filter::parse(&text).unwrap().into_expr();
    assert_eq!(params.query().unwrap().filter, Some(expected));

    let others = ListParams {
        license: "none".into(),
        status: "enabled".into(),
        kind: "member".into(),
        source: "synced".into(),
        ..ListParams::default()
    };
    let text = "not(assignedLicenses/any()) and accountEnabled eq true and userType eq 'Member' \
                and onPremisesSyncEnabled eq true";
    let expected = Filter::parse(text).unwrap().into_expr();
    assert_eq!(others.query().unwrap().filter, Some(expected));
    assert_eq!(ListParams::default().query().unwrap().filter, None);
}
