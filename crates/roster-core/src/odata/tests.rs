//! The query options' tests: the grammar case by case, errors with their positions, and
//! generated trees written back and parsed again. Past 800 lines on purpose: the cases are the
//! grammar's specification, read together.

use proptest::prelude::*;

use chrono::DateTime;
use uuid::Uuid;

use super::display::quoted;
use super::lexer::{is_name_char, is_name_start, is_reserved};
use super::*;

/// Parses `input` as a `$filter` and compares an S-expression of the tree (which shows
/// grouping, unlike Display) or the error message with `expected`. Every successful
/// parse must also survive a trip through Display.
#[track_caller]
fn check(input: &str, expected: &str) {
    let actual = match Filter::parse(input) {
        Ok(filter) => {
            let printed = filter.to_string();
            let reparsed = Filter::parse(&printed)
                .unwrap_or_else(|error| panic!("{printed:?} does not parse: {error}"));
            assert_eq!(reparsed, filter, "printed as {printed:?}");
            sexp(filter.expr())
        }
        Err(error) => error.to_string(),
    };
    assert_eq!(actual, expected, "input: {input:?}");
}

/// Parses `input` and compares its Display with `expected`.
#[track_caller]
fn check_display(input: &str, expected: &str) {
    let filter = Filter::parse(input).unwrap();
    assert_eq!(filter.to_string(), expected, "input: {input:?}");
}

#[track_caller]
fn check_orderby(input: &str, expected: &str) {
    let actual = match parse_orderby(input) {
        Ok(items) => items
            .iter()
            .map(|item| {
                let direction = if item.descending { "desc" } else { "asc" };
                format!("{} {direction}", item.property)
            })
            .collect::<Vec<_>>()
            .join(", "),
        Err(error) => error.to_string(),
    };
    assert_eq!(actual, expected, "input: {input:?}");
}

#[track_caller]
fn check_select(input: &str, expected: &str) {
    let actual = match parse_select(input) {
        Ok(properties) => properties.join(", "),
        Err(error) => error.to_string(),
    };
    assert_eq!(actual, expected, "input: {input:?}");
}

#[track_caller]
fn check_search(input: &str, expected: &str) {
    let actual = match parse_search(input) {
        Ok(search) => search
            .clauses
            .iter()
            .map(|clause| format!("[{}:{}]", clause.property, clause.text))
            .collect::<Vec<_>>()
            .join(&format!(" {} ", search.conjunction.as_str())),
        Err(error) => error.to_string(),
    };
    assert_eq!(actual, expected, "input: {input:?}");
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn sexp(expr: &Expr) -> String {
    match expr {
        Expr::And(left, right) => format!("(and {} {})", sexp(left), sexp(right)),
        Expr::Or(left, right) => format!("(or {} {})", sexp(left), sexp(right)),
        Expr::Not(operand) => format!("(not {})", sexp(operand)),
        Expr::Compare {
            property,
            op,
            value,
        } => format!("({op} {property} {value})"),
        Expr::StartsWith { property, value } => {
            format!("(startswith {property} {})", quoted(value))
        }
        Expr::EndsWith { property, value } => {
            format!("(endswith {property} {})", quoted(value))
        }
        Expr::In { property, values } => {
            let values: Vec<String> = values.iter().map(Literal::to_string).collect();
            format!("(in {property} [{}])", values.join(" "))
        }
        Expr::Any {
            collection,
            var,
            predicate,
        } => match predicate {
            Some(predicate) => format!("(any {collection} {var} {})", sexp(predicate)),
            None => format!("(any {collection})"),
        },
    }
}

#[test]
fn graph_examples() {
    check(
        "startsWith(displayName,'Ad')",
        "(startswith displayName 'Ad')",
    );
    check("department eq 'Sales'", "(eq department 'Sales')");
    check("accountEnabled eq false", "(eq accountEnabled false)");
    check("assignedLicenses/any()", "(any assignedLicenses)");
    check(
        "not(assignedLicenses/any()) and department eq 'Sales'",
        "(and (not (any assignedLicenses)) (eq department 'Sales'))",
    );
    check("userType eq 'Guest'", "(eq userType 'Guest')");
    check("not(department eq 'HR')", "(not (eq department 'HR'))");
    check(
        "createdDateTime ge 2024-01-01T00:00:00Z",
        "(ge createdDateTime 2024-01-01T00:00:00Z)",
    );
    check(
        "id in ('0b9a4c7e-1d2f-4a3b-8c5d-6e7f8a9b0c1d','5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f')",
        "(in id ['0b9a4c7e-1d2f-4a3b-8c5d-6e7f8a9b0c1d' '5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f'])",
    );
    check(
        "assignedLicenses/any(x:x/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)",
        "(any assignedLicenses x (eq x/skuId 184efa21-98c3-4e5d-95ab-d07053a96e67))",
    );
    check(
        "assignedLicenses/any(x:x/skuId eq A84D6CD0-1234-4e5d-95ab-d07053a96e67)",
        "(any assignedLicenses x (eq x/skuId a84d6cd0-1234-4e5d-95ab-d07053a96e67))",
    );
    check(
        "proxyAddresses/any(x:startswith(x,'smtp:'))",
        "(any proxyAddresses x (startswith x 'smtp:'))",
    );
    check(
        "proxyAddresses/any(x:startsWith(x,'smtp:sales'))",
        "(any proxyAddresses x (startswith x 'smtp:sales'))",
    );
    check(
        "otherMails/any(a: a eq 'x@y.z')",
        "(any otherMails a (eq a 'x@y.z'))",
    );
    check(
        "groupTypes/any(c:c eq 'Unified')",
        "(any groupTypes c (eq c 'Unified'))",
    );
    check(
        "not groupTypes/any(c:c eq 'Unified')",
        "(not (any groupTypes c (eq c 'Unified')))",
    );
    check("usageLocation eq null", "(eq usageLocation null)");
    check(
        "onPremisesSyncEnabled eq true",
        "(eq onPremisesSyncEnabled true)",
    );
    check("mail ne null", "(ne mail null)");
    check(
        "endsWith(mail,'@contoso.com')",
        "(endswith mail '@contoso.com')",
    );
    check(
        "department in ('Sales', 'HR')",
        "(in department ['Sales' 'HR'])",
    );
    check(
        "onPremisesExtensionAttributes/extensionAttribute1 eq 'x'",
        "(eq onPremisesExtensionAttributes/extensionAttribute1 'x')",
    );
    check(
        "employeeHireDate gt 2020-01-01T00:00:00Z and accountEnabled eq true",
        "(and (gt employeeHireDate 2020-01-01T00:00:00Z) (eq accountEnabled true))",
    );
    check(
        "assignedLicenses/any(x:x/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67 and x/disabledPlans eq null)",
        "(any assignedLicenses x (and (eq x/skuId 184efa21-98c3-4e5d-95ab-d07053a96e67) (eq x/disabledPlans null)))",
    );
}

#[test]
fn keywords_are_case_insensitive_and_names_keep_their_case() {
    check(
        "STARTSWITH(displayName,'a')",
        "(startswith displayName 'a')",
    );
    check("EndsWith(Mail,'a')", "(endswith Mail 'a')");
    check(
        "department EQ 'Sales' AND NOT accountEnabled eq FALSE",
        "(and (eq department 'Sales') (not (eq accountEnabled false)))",
    );
    check("a eq 1 OR b Eq 2", "(or (eq a 1) (eq b 2))");
    check("Mail eq NULL", "(eq Mail null)");
    check("x In (True)", "(in x [true])");
    check("tags/ANY(t:t eq 'a')", "(any tags t (eq t 'a'))");
}

#[test]
fn precedence_and_grouping() {
    check(
        "a eq 1 or b eq 2 and c eq 3",
        "(or (eq a 1) (and (eq b 2) (eq c 3)))",
    );
    check(
        "a eq 1 and b eq 2 or c eq 3",
        "(or (and (eq a 1) (eq b 2)) (eq c 3))",
    );
    check(
        "(a eq 1 or b eq 2) and c eq 3",
        "(and (or (eq a 1) (eq b 2)) (eq c 3))",
    );
    check(
        "a eq 1 and b eq 2 and c eq 3",
        "(and (and (eq a 1) (eq b 2)) (eq c 3))",
    );
    check(
        "a eq 1 and (b eq 2 and c eq 3)",
        "(and (eq a 1) (and (eq b 2) (eq c 3)))",
    );
    check("not a eq 1 and b eq 2", "(and (not (eq a 1)) (eq b 2))");
    check("not (a eq 1 and b eq 2)", "(not (and (eq a 1) (eq b 2)))");
    check("not not a eq 1", "(not (not (eq a 1)))");
    check("((a eq 1))", "(eq a 1)");
    check(
        "  department\teq\n'Sales'  and(b eq 2)",
        "(and (eq department 'Sales') (eq b 2))",
    );
}

#[test]
fn literals() {
    check("s eq 'it''s'", "(eq s 'it''s')");
    check("s eq ''", "(eq s '')");
    check("s eq ''''", "(eq s '''')");
    check("s eq 'ünïcødé ✓'", "(eq s 'ünïcødé ✓')");
    check("s eq 'a and b or (c)'", "(eq s 'a and b or (c)')");
    check("n eq -42", "(eq n -42)");
    check("n eq 007", "(eq n 7)");
    check("n eq 9223372036854775807", "(eq n 9223372036854775807)");
    check("n eq -9223372036854775808", "(eq n -9223372036854775808)");
    check("n in (1, 2 ,3)", "(in n [1 2 3])");
    check(
        "d lt 2024-06-30T12:34:56.789+02:00",
        "(lt d 2024-06-30T10:34:56.789Z)",
    );
    check("d lt 2024-06-30t12:34:56z", "(lt d 2024-06-30T12:34:56Z)");
    check(
        "g eq 184efa21-98c3-4e5d-95ab-d07053a96e67",
        "(eq g 184efa21-98c3-4e5d-95ab-d07053a96e67)",
    );
    check(
        "x in ('a', 1, true, null, 184efa21-98c3-4e5d-95ab-d07053a96e67, 2024-01-01T00:00:00Z)",
        "(in x ['a' 1 true null 184efa21-98c3-4e5d-95ab-d07053a96e67 2024-01-01T00:00:00Z])",
    );

    let filter = Filter::parse("s eq 'it''s'").unwrap();
    let Expr::Compare { value, .. } = filter.expr() else {
        panic!("not a comparison: {filter:?}")
    };
    assert_eq!(*value, Literal::String("it's".to_owned()));
}

#[test]
fn errors() {
    check(
        "",
        "syntax error at position 0 in $filter: expected a filter expression, found end of input",
    );
    check(
        "   ",
        "syntax error at position 3 in $filter: expected a filter expression, found end of input",
    );
    check(
        "department eq",
        "syntax error at position 13 in $filter: expected a value after 'eq', found end of input",
    );
    check(
        "department eq Sales",
        "syntax error at position 14 in $filter: expected a value after 'eq', found 'Sales' (a string needs quotes: 'Sales')",
    );
    check(
        "department 'Sales'",
        "syntax error at position 11 in $filter: expected an operator (eq, ne, gt, ge, lt, le or in) after 'department', found string 'Sales'",
    );
    check(
        "department equals 'Sales'",
        "syntax error at position 11 in $filter: expected an operator (eq, ne, gt, ge, lt, le or in) after 'department', found 'equals'",
    );
    check(
        "department in ('Sales' 'HR')",
        "syntax error at position 23 in $filter: expected ',' or ')' after a value of 'in', found string 'HR'",
    );
    check(
        "department in ('Sales'",
        "syntax error at position 22 in $filter: expected ',' or ')' after a value of 'in', found end of input",
    );
    check(
        "department in ()",
        "syntax error at position 15 in $filter: expected a value in the list of 'in', found ')'",
    );
    check(
        "department in 'Sales'",
        "syntax error at position 14 in $filter: expected '(' after 'in', found string 'Sales'",
    );
    check(
        "department in ('Sales',)",
        "syntax error at position 23 in $filter: expected a value after ',', found ')'",
    );
    check(
        "department eq 'Sales",
        "syntax error at position 20 in $filter: expected a closing quote for the string that opens at position 14, found end of input",
    );
    check(
        "(a eq 1",
        "syntax error at position 7 in $filter: expected 'and', 'or' or ')' to close the '(' at position 0, found end of input",
    );
    check(
        "(a eq 1 b eq 2)",
        "syntax error at position 8 in $filter: expected 'and', 'or' or ')' to close the '(' at position 0, found 'b'",
    );
    check(
        "a eq 1)",
        "syntax error at position 6 in $filter: expected 'and', 'or' or end of input, found ')'",
    );
    check(
        "a eq 1 b eq 2",
        "syntax error at position 7 in $filter: expected 'and', 'or' or end of input, found 'b'",
    );
    check(
        "a eq 1 and",
        "syntax error at position 10 in $filter: expected a condition, found end of input",
    );
    check(
        "not",
        "syntax error at position 3 in $filter: expected a condition, found end of input",
    );
    check(
        "()",
        "syntax error at position 1 in $filter: expected a condition, found ')'",
    );
    check(
        "eq eq 1",
        "syntax error at position 0 in $filter: expected a condition, found 'eq'",
    );
    check(
        "'Sales' eq department",
        "syntax error at position 0 in $filter: expected a condition, found string 'Sales'",
    );
    check(
        "a/eq eq 1",
        "syntax error at position 2 in $filter: expected a property name after '/', found 'eq'",
    );
    check(
        "a/ eq 1",
        "syntax error at position 3 in $filter: expected a property name after '/', found 'eq'",
    );
    check(
        "startsWith(displayName)",
        "syntax error at position 22 in $filter: expected ',' after the first argument of 'startsWith', found ')'",
    );
    check(
        "startsWith(displayName, 5)",
        "syntax error at position 24 in $filter: expected a quoted string as the second argument of 'startsWith', found number 5",
    );
    check(
        "startswith displayName",
        "syntax error at position 11 in $filter: expected '(' after 'startswith', found 'displayName'",
    );
    check(
        "endsWith('x', mail)",
        "syntax error at position 9 in $filter: expected a property name as the first argument of 'endsWith', found string 'x'",
    );
    check(
        "endsWith(mail,'x'",
        "syntax error at position 17 in $filter: expected ')' after the arguments of 'endsWith', found end of input",
    );
    check(
        "proxyAddresses/all(x:x eq 'a')",
        "syntax error at position 15 in $filter: expected 'any', found 'all': only 'any' lambdas are supported",
    );
    check(
        "proxyAddresses/any(x:displayName eq 'a')",
        "syntax error at position 21 in $filter: expected a path that starts with the range variable 'x', found 'displayName'",
    );
    check(
        "proxyAddresses/any(x:startsWith(mail,'a'))",
        "syntax error at position 32 in $filter: expected a path that starts with the range variable 'x', found 'mail'",
    );
    check(
        "a/any(x:x/b/any(y:y eq 1))",
        "syntax error at position 12 in $filter: expected a condition on 'x', found a nested 'any': lambdas do not nest",
    );
    check(
        "a/any(:x eq 1)",
        "syntax error at position 6 in $filter: expected a range variable name after 'any(', found ':'",
    );
    check(
        "a/any",
        "syntax error at position 5 in $filter: expected '(' after 'any', found end of input",
    );
    check(
        "a/any(x x eq 1)",
        "syntax error at position 8 in $filter: expected ':' after the range variable 'x', found 'x'",
    );
    check(
        "a/any(x:x eq 1",
        "syntax error at position 14 in $filter: expected 'and', 'or' or ')' to close the 'any(' at position 5, found end of input",
    );
    check(
        "a/any(eq:eq eq 1)",
        "syntax error at position 6 in $filter: expected a range variable name after 'any(', found 'eq'",
    );
    check(
        "a eq 1.5",
        "syntax error at position 5 in $filter: expected an integer, found 1.5: decimal numbers are not supported",
    );
    check(
        "a eq 99999999999999999999",
        "syntax error at position 5 in $filter: expected an integer between -9223372036854775808 and 9223372036854775807, found 99999999999999999999",
    );
    check(
        "a eq 12abc",
        "syntax error at position 5 in $filter: expected a number, a GUID or a date-time, found '12abc'",
    );
    check(
        "a ge 2024-13-01T00:00:00Z",
        "syntax error at position 5 in $filter: expected a date-time such as 2024-01-01T00:00:00Z, found '2024-13-01T00:00:00Z'",
    );
    check(
        "a ge 2024-01-01",
        "syntax error at position 5 in $filter: expected a date-time such as 2024-01-01T00:00:00Z, found '2024-01-01'",
    );
    check(
        "a eq 184efa21-98c3-4e5d-95ab-d07053a96e6",
        "syntax error at position 5 in $filter: expected a number, a GUID or a date-time, found '184efa21-98c3-4e5d-95ab-d07053a96e6'",
    );
    check(
        "a eq 'x' & b eq 1",
        "syntax error at position 9 in $filter: expected a property name, a value, an operator or one of ( ) , / :, found character '&'",
    );
    check(
        "a eq - 1",
        "syntax error at position 5 in $filter: expected a property name, a value, an operator or one of ( ) , / :, found character '-'",
    );
    check(
        "é eq 1",
        "syntax error at position 0 in $filter: expected a property name, a value, an operator or one of ( ) , / :, found character 'é'",
    );
    check(
        "ünï eq 'x' and a eq",
        "syntax error at position 0 in $filter: expected a property name, a value, an operator or one of ( ) , / :, found character 'ü'",
    );
    check(
        "s eq 'ünïcødé' and a eq",
        "syntax error at position 23 in $filter: expected a value after 'eq', found end of input",
    );
}

#[test]
fn long_tokens_are_truncated_in_messages() {
    let long = "x".repeat(100);
    let expected = format!(
        "syntax error at position 0 in $filter: expected a condition, found string '{}…'",
        "x".repeat(40)
    );
    check(&format!("'{long}'"), &expected);
}

#[test]
fn nesting_is_limited() {
    let nested = |levels: usize, open: &str, close: &str| {
        format!("{}a eq 1{}", open.repeat(levels), close.repeat(levels))
    };
    check(&nested(MAX_DEPTH, "(", ")"), "(eq a 1)");
    check(
        &nested(MAX_DEPTH + 1, "(", ")"),
        "syntax error at position 64 in $filter: expected at most 64 nested levels of '(', 'not' and 'any(', found a deeper one",
    );
    assert!(Filter::parse(&nested(MAX_DEPTH, "not ", "")).is_ok());
    check(
        &nested(MAX_DEPTH + 1, "not ", ""),
        "syntax error at position 256 in $filter: expected at most 64 nested levels of '(', 'not' and 'any(', found a deeper one",
    );
    // `not(` is a single level, so that Display's `not(...)` never deepens a filter.
    assert!(Filter::parse(&nested(MAX_DEPTH, "not(", ")")).is_ok());
    let deep_lambda = format!(
        "{}t/any(x:x eq 1){}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert!(Filter::parse(&deep_lambda).is_ok());
    let too_deep_lambda = format!(
        "{}t/any(x:x eq 1){}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert_eq!(Filter::parse(&too_deep_lambda).unwrap_err().position, 66);
}

#[test]
fn pathological_inputs_end_in_errors_not_stack_overflows() {
    for input in [
        "(".repeat(MAX_LENGTH),
        "not ".repeat(MAX_LENGTH / 4),
        "not(".repeat(MAX_LENGTH / 4),
        "a/any(x:".repeat(MAX_LENGTH / 8),
    ] {
        assert!(Filter::parse(&input).is_err(), "{input:.20}…");
    }
    // Long flat chains are fine: they are built in a loop.
    let chain = vec!["a eq 1"; 800].join(" or ");
    assert!(chain.len() <= MAX_LENGTH);
    check_display(&chain, &chain);
    // The densest chain: the deepest tree a translator may have to walk.
    let densest = format!("{}a eq''", "a eq''or ".repeat((MAX_LENGTH - 6) / 9));
    let filter = Filter::parse(&densest).unwrap();
    let printed = filter.to_string();
    // Display spaces the chain out past the limit: round trips hold within it only.
    assert!(printed.len() > MAX_LENGTH);
    assert_eq!(filter.clone(), filter);
}

#[test]
fn input_length_is_limited() {
    let longest = format!("s eq '{}'", "x".repeat(MAX_LENGTH - 7));
    assert!(Filter::parse(&longest).is_ok());
    check(
        &format!("s eq '{}'", "x".repeat(MAX_LENGTH)),
        "syntax error at position 8192 in $filter: expected at most 8192 bytes, found 8199",
    );
    // The position counts chars: 'é' is two bytes, so the limit falls after 4096 of them.
    check(
        &"é".repeat(MAX_LENGTH),
        "syntax error at position 4096 in $filter: expected at most 8192 bytes, found 16384",
    );
    check_select(
        &"a".repeat(MAX_LENGTH + 1),
        "syntax error at position 8192 in $select: expected at most 8192 bytes, found 8193",
    );
}

#[test]
fn a_nul_is_refused_in_every_option() {
    check(
        "displayName eq 'a\0b'",
        "syntax error at position 17 in $filter: expected text without NUL characters, found U+0000",
    );
    check(
        "startsWith(displayName,'\0')",
        "syntax error at position 24 in $filter: expected text without NUL characters, found U+0000",
    );
    check(
        "displayName in ('a','é\0')",
        "syntax error at position 22 in $filter: expected text without NUL characters, found U+0000",
    );
    check_orderby(
        "displayName\0",
        "syntax error at position 11 in $orderby: expected text without NUL characters, found U+0000",
    );
    check_select(
        "id,\0",
        "syntax error at position 3 in $select: expected text without NUL characters, found U+0000",
    );
    check_search(
        "\"displayName:a\0b\"",
        "syntax error at position 14 in $search: expected text without NUL characters, found U+0000",
    );
}

#[test]
fn display() {
    check_display(
        "NOT(a eq 1)  AND  (b eq 2 OR c eq 3)",
        "not(a eq 1) and (b eq 2 or c eq 3)",
    );
    check_display("not a eq 1", "not(a eq 1)");
    check_display(
        "a eq 1 or (b eq 2 or c eq 3)",
        "a eq 1 or (b eq 2 or c eq 3)",
    );
    check_display("(a eq 1 or b eq 2) or c eq 3", "a eq 1 or b eq 2 or c eq 3");
    check_display(
        "STARTSWITH(displayName,'it''s')",
        "startsWith(displayName,'it''s')",
    );
    check_display("x IN ( 'a' ,'b' )", "x in ('a', 'b')");
    check_display(
        "assignedLicenses/any( x : x/skuId eq 184EFA21-98c3-4e5d-95ab-d07053a96e67 )",
        "assignedLicenses/any(x:x/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)",
    );
    check_display(
        "d ge 2024-01-01T00:00:00.500000Z",
        "d ge 2024-01-01T00:00:00.500Z",
    );
}

#[test]
fn orderby() {
    check_orderby("displayName", "displayName asc");
    check_orderby("displayName desc, id", "displayName desc, id asc");
    check_orderby(" displayName DESC ,id ASC ", "displayName desc, id asc");
    check_orderby(
        "",
        "syntax error at position 0 in $orderby: expected a property name, found end of input",
    );
    check_orderby(
        "displayName desc,",
        "syntax error at position 17 in $orderby: expected a property name, found end of input",
    );
    check_orderby(
        "displayName sideways",
        "syntax error at position 12 in $orderby: expected 'asc', 'desc', ',' or end of input after 'displayName', found 'sideways'",
    );
    check_orderby(
        "displayName desc desc",
        "syntax error at position 17 in $orderby: expected ',' or end of input after 'displayName desc', found 'desc'",
    );
    check_orderby(
        "a/b",
        "syntax error at position 1 in $orderby: expected 'asc', 'desc', ',' or end of input after 'a', found '/'",
    );
    check_orderby(
        "displayName;",
        "syntax error at position 11 in $orderby: expected a property name, 'asc', 'desc' or ',', found character ';'",
    );
}

#[test]
fn select() {
    check_select("id", "id");
    check_select("id,displayName, mail ", "id, displayName, mail");
    check_select("extension_1a2b_costCenter", "extension_1a2b_costCenter");
    check_select(
        "",
        "syntax error at position 0 in $select: expected a property name, found end of input",
    );
    check_select(
        "id,,mail",
        "syntax error at position 3 in $select: expected a property name, found ','",
    );
    check_select(
        "id,",
        "syntax error at position 3 in $select: expected a property name, found end of input",
    );
    check_select(
        "display name",
        "syntax error at position 8 in $select: expected ',' or end of input after 'display', found 'name'",
    );
    check_select(
        "id,mail*",
        "syntax error at position 7 in $select: expected a property name or ',', found character '*'",
    );
    check_select(
        "'id'",
        "syntax error at position 0 in $select: expected a property name, found string 'id'",
    );
    check_select(
        "manager/id",
        "syntax error at position 7 in $select: expected ',' or end of input after 'manager', found '/'",
    );
}

#[test]
fn search() {
    check_search("\"displayName:room\"", "[displayName:room]");
    check_search(
        "\"displayName:room\" OR \"mail:room\"",
        "[displayName:room] OR [mail:room]",
    );
    check_search(
        "\"displayName:a\" and \"mail:b\" AND \"description:c\"",
        "[displayName:a] AND [mail:b] AND [description:c]",
    );
    check_search(
        " \" displayName : conference room 1 \" ",
        "[displayName:conference room 1]",
    );
    check_search("\"displayName:say \\\"hi\\\"\"", "[displayName:say \"hi\"]");
    check_search("\"description:a:b\"", "[description:a:b]");
    check_search(
        "displayName:room",
        "syntax error at position 0 in $search: expected '\"' to open a clause such as \"displayName:room\", found 'displayName'",
    );
    check_search(
        "",
        "syntax error at position 0 in $search: expected '\"' to open a clause such as \"displayName:room\", found end of input",
    );
    check_search(
        "\"room\"",
        "syntax error at position 1 in $search: expected \"property:text\", found \"room\" without a ':'",
    );
    check_search(
        "\"displayName:room\" OR \"mail:room\" AND \"x:y\"",
        "syntax error at position 34 in $search: expected 'OR' like the earlier conjunction, found 'AND': AND and OR cannot be mixed",
    );
    check_search(
        "\"displayName:room",
        "syntax error at position 17 in $search: expected '\"' to close the clause that opens at position 0, found end of input",
    );
    check_search(
        "\"displayName: \"",
        "syntax error at position 14 in $search: expected text to search for after 'displayName:', found the end of the clause",
    );
    check_search(
        "\":room\"",
        "syntax error at position 1 in $search: expected a property name before ':', found ':'",
    );
    check_search(
        "\"display name:room\"",
        "syntax error at position 8 in $search: expected a property name before ':', found character ' '",
    );
    check_search(
        "\"displayName:room\" \"mail:x\"",
        "syntax error at position 19 in $search: expected 'AND', 'OR' or end of input after a clause, found character '\"'",
    );
    check_search(
        "\"displayName:room\" OR",
        "syntax error at position 21 in $search: expected '\"' to open a clause such as \"displayName:room\", found end of input",
    );
    check_search(
        "\"displayName:room\" NOT \"mail:x\"",
        "syntax error at position 19 in $search: expected 'AND', 'OR' or end of input after a clause, found 'NOT'",
    );
    check_search(
        "\"displayName:a\\b\"",
        "syntax error at position 15 in $search: expected '\"' or '\\' after '\\', found character 'b'",
    );
}

// --- property tests --------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}"
        .prop_filter("reserved words are not names", |name| !is_reserved(name))
}

fn literal() -> impl Strategy<Value = Literal> {
    // Four-digit years only: that is what ISO 8601 without extensions can express.
    let first = DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z")
        .unwrap()
        .timestamp();
    let last = DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .unwrap()
        .timestamp();
    prop_oneof![
        any::<String>().prop_map(Literal::String),
        any::<i64>().prop_map(Literal::Int),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
        any::<u128>().prop_map(|bits| Literal::Guid(Uuid::from_u128(bits))),
        (first..=last, 0..1_000_000_000u32).prop_map(|(seconds, nanos)| {
            Literal::DateTime(DateTime::from_timestamp(seconds, nanos).unwrap())
        }),
    ]
}

/// Inside a lambda, paths start with its variable, as the parser requires.
fn path(variable: Option<String>) -> BoxedStrategy<PropertyPath> {
    match variable {
        None => prop::collection::vec(name(), 1..=3)
            .prop_map(|segments| PropertyPath { segments })
            .boxed(),
        Some(variable) => prop::collection::vec(name(), 0..=2)
            .prop_map(move |rest| PropertyPath {
                segments: std::iter::once(variable.clone()).chain(rest).collect(),
            })
            .boxed(),
    }
}

fn condition(variable: Option<String>) -> BoxedStrategy<Expr> {
    let op = prop::sample::select(CompareOp::ALL.to_vec());
    let mut leaves = vec![
        (path(variable.clone()), op, literal())
            .prop_map(|(property, op, value)| Expr::Compare {
                property,
                op,
                value,
            })
            .boxed(),
        (path(variable.clone()), any::<String>())
            .prop_map(|(property, value)| Expr::StartsWith { property, value })
            .boxed(),
        (path(variable.clone()), any::<String>())
            .prop_map(|(property, value)| Expr::EndsWith { property, value })
            .boxed(),
        (
            path(variable.clone()),
            prop::collection::vec(literal(), 1..4),
        )
            .prop_map(|(property, values)| Expr::In { property, values })
            .boxed(),
    ];
    if variable.is_none() {
        let lambda = (path(None), name()).prop_flat_map(|(collection, var)| {
            expression(Some(var.clone())).prop_map(move |predicate| Expr::Any {
                collection: collection.clone(),
                var: var.clone(),
                predicate: Some(Box::new(predicate)),
            })
        });
        leaves.push(lambda.boxed());
        leaves.push(
            path(None)
                .prop_map(|collection| Expr::Any {
                    collection,
                    var: String::new(),
                    predicate: None,
                })
                .boxed(),
        );
    }
    prop::strategy::Union::new(leaves).boxed()
}

fn expression(variable: Option<String>) -> BoxedStrategy<Expr> {
    condition(variable)
        .prop_recursive(4, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(left, right)| Expr::And(Box::new(left), Box::new(right))),
                (inner.clone(), inner.clone())
                    .prop_map(|(left, right)| Expr::Or(Box::new(left), Box::new(right))),
                inner.prop_map(|operand| Expr::Not(Box::new(operand))),
            ]
        })
        .boxed()
}

/// Fragments that reach deep into the parsers, unlike uniformly random strings.
fn noise(fragments: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(fragments), 0..40).prop_map(|parts| parts.concat())
}

#[rustfmt::skip]
const FILTER_FRAGMENTS: &[&str] = &[
    " ", "and", "or", "not", "eq", "ge", "in", "startsWith", "endswith", "any", "all",
    "true", "null", "(", ")", ",", "/", ":", "'", "''", "'a'", "x", "displayName",
    "x/skuId", "-", "-1", "1.5", "42", "184efa21-98c3-4e5d-95ab-d07053a96e67",
    "2024-01-01T00:00:00Z", "2024-01-01", "é", "\"", "desc", "asc",
];

#[rustfmt::skip]
const SEARCH_FRAGMENTS: &[&str] = &[
    "\"", ":", "displayName", " OR ", " AND ", "\\", "\\\"", "room", " ", "é", "or",
];

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = Filter::parse(&input);
        let _ = parse_orderby(&input);
        let _ = parse_select(&input);
        let _ = parse_search(&input);
    }

    #[test]
    fn filter_noise_never_panics_and_what_parses_round_trips(input in noise(FILTER_FRAGMENTS)) {
        if let Ok(filter) = Filter::parse(&input) {
            let printed = filter.to_string();
            prop_assert_eq!(Filter::parse(&printed), Ok(filter), "printed as {:?}", printed);
        }
        let _ = parse_orderby(&input);
        let _ = parse_select(&input);
    }

    #[test]
    fn search_noise_never_panics(input in noise(SEARCH_FRAGMENTS)) {
        if let Ok(search) = parse_search(&input) {
            prop_assert!(!search.clauses.is_empty());
            prop_assert!(search.clauses.iter().all(|clause| is_name(&clause.property)));
        }
    }

    #[test]
    fn printed_trees_parse_back_to_themselves(expr in expression(None)) {
        let printed = expr.to_string();
        let parsed = Filter::parse(&printed)
            .map_err(|error| TestCaseError::fail(format!("{printed:?}: {error}")))?;
        prop_assert_eq!(parsed.expr(), &expr, "printed as {:?}", printed);
    }

    #[test]
    fn error_positions_are_within_the_input(input in noise(FILTER_FRAGMENTS)) {
        if let Err(error) = Filter::parse(&input) {
            prop_assert!(error.position <= input.chars().count());
        }
    }
}
