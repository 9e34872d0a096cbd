//! OData query options translated to SQL: `$filter`, `$search`, `$orderby`, `$count`, and
//! keyset paging for `$top` / `$skiptoken`.
//!
//! Every condition is two-valued (a NULL column compares false, never unknown), so `not(...)`
//! means what OData says on both backends. Text compares case-insensitively on ASCII letters
//! through `lower()`, which is what SQLite's and PostgreSQL's `lower()` agree on for the "C"
//! collation both use; the indexes are on `lower(column)`.

use roster_core::odata::{CompareOp, Conjunction, Expr, Literal, PropertyPath, Search};
use roster_core::types::ObjectId;

use crate::collections::{Collection, Column, ColumnKind, Schema};
use crate::db::SqlValue;
use crate::{Error, Result};

/// A page's position: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub key: Option<String>,
    pub id: ObjectId,
}

#[derive(Debug, Clone, Default)]
pub struct SortKey {
    pub property: String,
    pub descending: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Expr>,
    pub search: Option<Search>,
    pub order: Option<SortKey>,
    pub top: usize,
    pub after: Option<Cursor>,
    /// Rows passed over before the page starts (after `after`, if that is given too): how a
    /// list that shows page numbers reaches page n.
    pub skip: usize,
    pub count: bool,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
    pub count: Option<i64>,
}

/// Where a page in id order starts: after the cursor's id, or, for the first page, after the
/// nil id, which sorts before every other on both stores (text on SQLite, `uuid` on PostgreSQL).
pub(crate) fn after_id(after: Option<&Cursor>) -> ObjectId {
    after.map_or_else(|| ObjectId::from(uuid::Uuid::nil()), |cursor| cursor.id)
}

/// Keeps the first `top` of the `top + 1` rows read for a page in id order (the id first in
/// each row), and says where the next page starts if the extra row was there.
pub(crate) fn page_end(rows: &mut Vec<crate::db::Row>, top: usize) -> Result<Option<Cursor>> {
    if rows.len() <= top {
        return Ok(None);
    }
    rows.truncate(top);
    rows.last()
        .map(|row| {
            Ok(Cursor {
                key: None,
                id: row.uuid(0)?.into(),
            })
        })
        .transpose()
}

/// Accumulates SQL text and its parameters; placeholders are numbered as they are added.
pub(crate) struct SqlBuilder {
    pub params: Vec<SqlValue>,
}

impl SqlBuilder {
    pub fn new(params: Vec<SqlValue>) -> Self {
        SqlBuilder { params }
    }

    /// Adds a parameter and returns its placeholder.
    pub fn param(&mut self, value: impl Into<SqlValue>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }
}

fn unsupported(message: String) -> Error {
    Error::UnsupportedQuery(message)
}

fn path_text(path: &PropertyPath) -> String {
    path.segments.join("/")
}

/// The lower-cased key of `text`, folding ASCII letters only as both backends' `lower()` do.
pub(crate) fn text_key(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// The smallest string greater than every string that starts with `prefix`, if there is one.
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub(crate) fn translate_filter(
    schema: &dyn Schema,
    expr: &Expr,
    out: &mut SqlBuilder,
) -> Result<String> {
    Ok(match expr {
        Expr::And(left, right) => format!(
            "({} AND {})",
            translate_filter(schema, left, out)?,
            translate_filter(schema, right, out)?
        ),
        Expr::Or(left, right) => format!(
            "({} OR {})",
            translate_filter(schema, left, out)?,
            translate_filter(schema, right, out)?
        ),
        // The users without licenses, as one range of the `users_unlicensed` index (whose
        // `WHERE` the condition must repeat word for word for SQLite to use it).
        Expr::Not(inner) if is_any_license(schema, inner) => "(active_licenses = 0)".into(),
        Expr::Not(inner) => format!("(NOT {})", translate_filter(schema, inner, out)?),
        Expr::Compare {
            property,
            op,
            value,
        } => {
            let column = lookup(schema, property)?;
            compare(column, *op, value, &path_text(property), out)?
        }
        Expr::StartsWith { property, value } => {
            let column = lookup(schema, property)?;
            starts_with(column, &path_text(property), value, out)?
        }
        Expr::EndsWith { property, value } => {
            let column = lookup(schema, property)?;
            text_only(column, &path_text(property), "endsWith")?;
            let pattern = out.param(format!("%{}", like_escape(&text_key(value))));
            format!(
                "({0} IS NOT NULL AND lower({0}) LIKE {pattern} ESCAPE '\\')",
                column.sql
            )
        }
        Expr::In { property, values } => {
            let column = lookup(schema, property)?;
            if values.is_empty() {
                return Ok("(1 = 0)".into());
            }
            let mut placeholders = Vec::new();
            for value in values {
                placeholders.push(literal_param(column, value, &path_text(property), out)?);
            }
            format!(
                "({0} IS NOT NULL AND {1} IN ({2}))",
                column.sql,
                compared(column),
                placeholders.join(", ")
            )
        }
        Expr::Any {
            collection,
            var,
            predicate,
        } => any(schema, collection, var, predicate.as_deref(), out)?,
    })
}

/// `assignedLicenses/any()`: whether a user holds any license that took.
fn is_any_license(schema: &dyn Schema, expr: &Expr) -> bool {
    matches!(expr, Expr::Any { collection, predicate: None, .. }
        if matches!(schema.collection(&path_text(collection)), Some(Collection::Licenses)))
}

fn lookup(schema: &dyn Schema, property: &PropertyPath) -> Result<Column> {
    let path = path_text(property);
    schema.column(&path).ok_or_else(|| {
        if schema.collection(&path).is_some() {
            unsupported(format!("Property '{path}' is a collection: filter it with {path}/any(x: ...)"))
        } else {
            unsupported(format!("Unsupported or invalid query filter clause specified for property '{path}' of resource '{}'.", schema.table().trim_end_matches('s')))
        }
    })
}

/// The SQL expression a literal is compared with: `lower(col)` for text.
fn compared(column: Column) -> String {
    match column.kind {
        ColumnKind::Text => format!("lower({})", column.sql),
        _ => column.sql.to_string(),
    }
}

fn text_only(column: Column, path: &str, function: &str) -> Result<()> {
    match column.kind {
        ColumnKind::Text | ColumnKind::TextKey => Ok(()),
        _ => Err(unsupported(format!(
            "{function} applies to text, and '{path}' is not text"
        ))),
    }
}

fn literal_param(
    column: Column,
    value: &Literal,
    path: &str,
    out: &mut SqlBuilder,
) -> Result<String> {
    let mismatch = || {
        Error::BadRequest(format!(
            "Invalid filter clause: the value {value:?} does not fit property '{path}'"
        ))
    };
    Ok(match (column.kind, value) {
        (ColumnKind::Text | ColumnKind::TextKey, Literal::String(text)) => {
            out.param(text_key(text))
        }
        (ColumnKind::Bool, Literal::Bool(flag)) => out.param(*flag),
        (ColumnKind::Timestamp, Literal::DateTime(at)) => out.param(*at),
        (ColumnKind::Int, Literal::Int(number)) => out.param(*number),
        (ColumnKind::Id, Literal::Guid(id)) => out.param(*id),
        (ColumnKind::Id, Literal::String(text)) => {
            let id = uuid::Uuid::parse_str(text).map_err(|_| mismatch())?;
            out.param(id)
        }
        _ => return Err(mismatch()),
    })
}

fn compare(
    column: Column,
    op: CompareOp,
    value: &Literal,
    path: &str,
    out: &mut SqlBuilder,
) -> Result<String> {
    if *value == Literal::Null {
        return match op {
            CompareOp::Eq => Ok(format!("({} IS NULL)", column.sql)),
            CompareOp::Ne => Ok(format!("({} IS NOT NULL)", column.sql)),
            _ => Err(Error::BadRequest(format!(
                "Invalid filter clause: '{path}' can only be compared with null by eq or ne"
            ))),
        };
    }
    let placeholder = literal_param(column, value, path, out)?;
    let target = compared(column);
    Ok(match op {
        CompareOp::Ne => format!("({} IS NULL OR {target} <> {placeholder})", column.sql),
        _ => {
            let symbol = match op {
                CompareOp::Eq => "=",
                CompareOp::Gt => ">",
                CompareOp::Ge => ">=",
                CompareOp::Lt => "<",
                CompareOp::Le => "<=",
                CompareOp::Ne => unreachable!("handled above"),
            };
            format!(
                "({} IS NOT NULL AND {target} {symbol} {placeholder})",
                column.sql
            )
        }
    })
}

/// `startsWith` as a range on `lower(col)`, which both backends answer from the index.
fn starts_with(column: Column, path: &str, prefix: &str, out: &mut SqlBuilder) -> Result<String> {
    text_only(column, path, "startsWith")?;
    let key = text_key(prefix);
    let target = compared(column);
    if key.is_empty() {
        return Ok(format!("({} IS NOT NULL)", column.sql));
    }
    Ok(match prefix_upper_bound(&key) {
        Some(upper) => {
            let low = out.param(key);
            let high = out.param(upper);
            format!(
                "({} IS NOT NULL AND {target} >= {low} AND {target} < {high})",
                column.sql
            )
        }
        None => {
            let pattern = out.param(format!("{}%", like_escape(&key)));
            format!(
                "({} IS NOT NULL AND {target} LIKE {pattern} ESCAPE '\\')",
                column.sql
            )
        }
    })
}

fn any(
    schema: &dyn Schema,
    collection: &PropertyPath,
    var: &str,
    predicate: Option<&Expr>,
    out: &mut SqlBuilder,
) -> Result<String> {
    let path = path_text(collection);
    let Some(kind) = schema.collection(&path) else {
        return Err(unsupported(format!(
            "'{path}' is not a collection that any() can filter"
        )));
    };
    let (from, value_column, sub_property) = match kind {
        Collection::Values(attribute) => {
            let placeholder = out.param(attribute);
            (
                format!("user_values v WHERE v.user_id = users.id AND v.attribute = {placeholder}"),
                Column {
                    sql: "v.value_key",
                    kind: ColumnKind::TextKey,
                },
                None,
            )
        }
        // As `assignedLicenses` shows them: direct ones and those from groups that took, not a
        // group's license in error (read from `license_assignments_active`).
        Collection::Licenses => (
            "license_assignments v WHERE v.user_id = users.id AND v.state = 'Active'".to_string(),
            Column {
                sql: "v.sku_id",
                kind: ColumnKind::Id,
            },
            Some("skuId"),
        ),
        Collection::GroupTypes => {
            let Some(predicate) = predicate else {
                return Ok("(group_types <> '[]')".into());
            };
            // A group has at most a few types: match the JSON array's quoted items as text.
            return group_types_any(var, predicate, out);
        }
    };
    let Some(predicate) = predicate else {
        // `any()`: the collection is not empty. The database counts each user's licenses that
        // took (`active_licenses`, kept by `licensing::count_active`).
        if matches!(kind, Collection::Licenses) {
            return Ok("(active_licenses > 0)".into());
        }
        return Ok(format!("EXISTS (SELECT 1 FROM {from})"));
    };
    let condition = lambda_condition(var, predicate, value_column, sub_property, &path, out)?;
    Ok(format!("EXISTS (SELECT 1 FROM {from} AND {condition})"))
}

fn lambda_condition(
    var: &str,
    predicate: &Expr,
    column: Column,
    sub_property: Option<&str>,
    collection: &str,
    out: &mut SqlBuilder,
) -> Result<String> {
    let check_path = |path: &PropertyPath| -> Result<()> {
        let expected_len = if sub_property.is_some() { 2 } else { 1 };
        let matches_var = path.segments.first().is_some_and(|first| first == var);
        let matches_sub = match (sub_property, path.segments.get(1)) {
            (Some(expected), Some(got)) => expected.eq_ignore_ascii_case(got),
            (None, None) => true,
            _ => false,
        };
        if matches_var && matches_sub && path.segments.len() == expected_len {
            Ok(())
        } else {
            let want = sub_property.map_or(var.to_string(), |sub| format!("{var}/{sub}"));
            Err(unsupported(format!(
                "in {collection}/any(), compare '{want}', not '{}'",
                path_text(path)
            )))
        }
    };
    Ok(match predicate {
        Expr::Compare {
            property,
            op,
            value,
        } => {
            check_path(property)?;
            if !matches!(op, CompareOp::Eq) {
                return Err(unsupported(format!(
                    "{collection}/any() supports eq and startsWith"
                )));
            }
            compare(column, *op, value, collection, out)?
        }
        Expr::StartsWith { property, value } => {
            check_path(property)?;
            starts_with(column, collection, value, out)?
        }
        Expr::In { property, values } => {
            check_path(property)?;
            let mut placeholders = Vec::new();
            for value in values {
                placeholders.push(literal_param(column, value, collection, out)?);
            }
            format!("{} IN ({})", column.sql, placeholders.join(", "))
        }
        Expr::Or(left, right) => format!(
            "({} OR {})",
            lambda_condition(var, left, column, sub_property, collection, out)?,
            lambda_condition(var, right, column, sub_property, collection, out)?
        ),
        _ => {
            return Err(unsupported(format!(
                "{collection}/any() supports eq, in and startsWith"
            )));
        }
    })
}

fn group_types_any(var: &str, predicate: &Expr, out: &mut SqlBuilder) -> Result<String> {
    match predicate {
        Expr::Compare {
            property,
            op: CompareOp::Eq,
            value: Literal::String(text),
        } if property.segments.len() == 1 && property.segments[0] == var => {
            let pattern = out.param(format!("%\"{}\"%", like_escape(&text_key(text))));
            Ok(format!("(lower(group_types) LIKE {pattern} ESCAPE '\\')"))
        }
        _ => Err(unsupported(
            "groupTypes/any() supports only x eq 'Unified' or x eq 'DynamicMembership'".into(),
        )),
    }
}

pub(crate) fn translate_search(
    schema: &dyn Schema,
    search: &Search,
    out: &mut SqlBuilder,
) -> Result<String> {
    let mut parts = Vec::new();
    for clause in &search.clauses {
        let column = schema.searchable(&clause.property).ok_or_else(|| {
            unsupported(format!(
                "$search is not supported on property '{}'",
                clause.property
            ))
        })?;
        let key = like_escape(&text_key(&clause.text));
        let at_start = out.param(format!("{key}%"));
        let at_word = out.param(format!("% {key}%"));
        let target = compared(column);
        parts.push(format!(
            "({0} IS NOT NULL AND ({target} LIKE {at_start} ESCAPE '\\' OR {target} LIKE {at_word} ESCAPE '\\'))",
            column.sql
        ));
    }
    let joiner = match search.conjunction {
        Conjunction::And => " AND ",
        Conjunction::Or => " OR ",
    };
    Ok(format!("({})", parts.join(joiner)))
}

/// The terms of an `and` (`conjunction`) or of an `or`, or the expression itself.
fn terms<'a>(expr: &'a Expr, conjunction: bool, out: &mut Vec<&'a Expr>) {
    match (expr, conjunction) {
        (Expr::And(left, right), true) | (Expr::Or(left, right), false) => {
            terms(left, conjunction, out);
            terms(right, conjunction, out);
        }
        _ => out.push(expr),
    }
}

/// Without `$orderby`, a page of `startsWith(p, …)` is ordered by `p`: the index on `p` then
/// yields the page in order, where ordering by id would sort every match first. Graph promises
/// no order without `$orderby`, so either is faithful.
fn implied_order(schema: &dyn Schema, filter: Option<&Expr>) -> Option<SortKey> {
    match filter? {
        Expr::StartsWith { property, .. } => {
            let path = path_text(property);
            schema.sortable(&path).map(|_| SortKey {
                property: path,
                descending: false,
            })
        }
        Expr::And(left, right) => {
            implied_order(schema, Some(left)).or_else(|| implied_order(schema, Some(right)))
        }
        _ => None,
    }
}

/// The `ORDER BY` expression for a sort key, and the column it reads for the cursor.
pub(crate) fn sort_expression(
    schema: &dyn Schema,
    order: Option<&SortKey>,
) -> Result<Option<(String, Column, bool)>> {
    let Some(order) = order else { return Ok(None) };
    let column = schema
        .sortable(&order.property)
        .ok_or_else(|| unsupported(format!("Sorting by '{}' is not supported.", order.property)))?;
    if column.kind == ColumnKind::Id {
        return Ok(Some(("id".to_string(), column, order.descending)));
    }
    Ok(Some((compared(column), column, order.descending)))
}

/// Runs a list query over `schema`'s table: the rows of one page (each with `columns`), the cursor
/// of the next page, and the total count when asked. `scope` is extra SQL with its parameters
/// already in `base` (tenant, not deleted, ...).
pub(crate) fn list_rows(
    tx: &mut dyn crate::db::Tx,
    schema: &dyn Schema,
    columns: &str,
    scope: &str,
    base: Vec<SqlValue>,
    query: &ListQuery,
) -> Result<(Vec<crate::db::Row>, Option<Cursor>, Option<i64>)> {
    let mut out = SqlBuilder::new(base);
    let mut conditions = vec![scope.to_string()];
    let table = schema.table();
    if let Some(filter) = &query.filter {
        let mut conjuncts = Vec::new();
        terms(filter, true, &mut conjuncts);
        for conjunct in conjuncts {
            let mut arms = Vec::new();
            terms(conjunct, false, &mut arms);
            let from_indexes = arms.len() > 1
                && arms.iter().all(|arm| match arm {
                    Expr::StartsWith { property, .. } => {
                        lookup(schema, property).is_ok_and(|column| schema.indexed(column))
                    }
                    _ => false,
                });
            conditions.push(if from_indexes {
                // An `or` of prefixes (a search box over several names) as a union of ranges,
                // each read from its column's index: as one condition, SQLite and PostgreSQL
                // would test it on every row of the tenant.
                let mut selects = Vec::new();
                for arm in arms {
                    let condition = translate_filter(schema, arm, &mut out)?;
                    selects.push(format!(
                        "SELECT id FROM {table} WHERE {scope} AND {condition}"
                    ));
                }
                format!("id IN ({})", selects.join(" UNION "))
            } else {
                translate_filter(schema, conjunct, &mut out)?
            });
        }
    }
    if let Some(search) = &query.search {
        conditions.push(translate_search(schema, search, &mut out)?);
    }
    let count = if query.count {
        let sql = format!(
            "SELECT COUNT(*) FROM {table} WHERE {}",
            conditions.join(" AND ")
        );
        Some(
            tx.query_one(&sql, &out.params)?
                .map_or(Ok(0), |row| row.int(0))?,
        )
    } else {
        None
    };
    let implied = query
        .order
        .is_none()
        .then(|| implied_order(schema, query.filter.as_ref()))
        .flatten();
    let sort = sort_expression(schema, query.order.as_ref().or(implied.as_ref()))?;
    // A page past the middle of a counted list is read from the list's other end: an offset
    // costs every row it passes over, so the last page of 100,000 passes over none.
    let total = count.unwrap_or(i64::MAX);
    let (skip, top) = (
        i64::try_from(query.skip).unwrap_or(i64::MAX),
        i64::try_from(query.top).unwrap_or(i64::MAX),
    );
    let from_end = query.after.is_none() && skip > 0 && skip < total && skip > total / 2;
    let descending = sort.as_ref().is_some_and(|(_, _, descending)| *descending) != from_end;
    let (comparison, direction) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let sort_sql = sort.as_ref().map(|(expression, _, _)| expression.clone());
    if let Some(after) = &query.after {
        let id = out.param(after.id);
        match (&sort, &after.key) {
            (Some((expression, column, _)), Some(key)) if expression != "id" => {
                let key = match column.kind {
                    ColumnKind::Timestamp => {
                        let micros: i64 = key
                            .parse()
                            .map_err(|_| Error::BadRequest("invalid $skiptoken".into()))?;
                        SqlValue::Timestamp(
                            chrono::DateTime::from_timestamp_micros(micros).unwrap_or_default(),
                        )
                    }
                    _ => SqlValue::Text(key.clone()),
                };
                let key = out.param(key);
                conditions.push(format!("(({expression}, id) {comparison} ({key}, {id}))"));
            }
            _ => conditions.push(format!("(id {comparison} {id})")),
        }
    }
    let order_by = match &sort_sql {
        Some(expression) if expression != "id" => {
            format!("{expression} {direction}, id {direction}")
        }
        _ => format!("id {direction}"),
    };
    let key_column = sort_sql.clone().unwrap_or_else(|| "id".into());
    // From the end, the page is the `top` rows (fewer on the last page) that stand before the
    // `total - skip - top` last ones; whether a page follows is known from the count.
    let (limit, offset) = if from_end {
        let rows_left = total - skip;
        (rows_left.min(top), (rows_left - top).max(0))
    } else {
        (top.saturating_add(1), skip)
    };
    let limit = out.param(limit);
    let offset = if offset > 0 {
        format!(" OFFSET {}", out.param(offset))
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {columns}, {key_column} FROM {table} WHERE {} ORDER BY {order_by} LIMIT {limit}{offset}",
        conditions.join(" AND ")
    );
    let mut rows = tx.query(&sql, &out.params)?;
    if from_end {
        rows.reverse();
    }
    let more = if from_end {
        skip.saturating_add(top) < total
    } else {
        rows.len() > query.top
    };
    rows.truncate(query.top);
    let next = if more {
        rows.last()
            .map(|row| -> Result<Cursor> {
                let width = row.0.len();
                let key = match &row.0[width - 1] {
                    SqlValue::Timestamp(at) => Some(at.timestamp_micros().to_string()),
                    SqlValue::Int(micros) => Some(micros.to_string()),
                    SqlValue::Null => None,
                    other => Some(match other {
                        SqlValue::Text(text) => text.clone(),
                        SqlValue::Uuid(id) => id.to_string(),
                        _ => String::new(),
                    }),
                };
                Ok(Cursor {
                    key,
                    id: ObjectId::from(row.uuid(0)?),
                })
            })
            .transpose()?
    } else {
        None
    };
    for row in &mut rows {
        row.0.pop();
    }
    Ok((rows, next, count))
}

#[cfg(test)]
mod tests;
