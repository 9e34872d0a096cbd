//! OData query options of a Graph request, and the `@odata.nextLink` that continues a page.

use axum::http::HeaderMap;
use axum::http::request::Parts;
use roster_core::odata::{Filter, parse_orderby, parse_search, parse_select};
use roster_store::{Cursor, ListQuery, SortKey};

use crate::error::{ApiError, ApiResult};
use crate::paging::{MAX_TOP, decode_skiptoken, encode_skiptoken};
use crate::state::AppState;

pub const DEFAULT_TOP: usize = 100;

#[derive(Debug, Default)]
pub struct QueryOptions {
    pub list: ListQuery,
    pub select: Option<Vec<String>>,
    /// The request's query pairs other than `$skiptoken`, to repeat in the next link.
    pairs: Vec<(String, String)>,
}

fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
}

impl QueryOptions {
    /// Reads the query options Graph defines for collections; unknown `$` options are refused.
    pub fn parse(raw_query: Option<&str>, headers: &HeaderMap) -> ApiResult<QueryOptions> {
        let mut options = QueryOptions {
            list: ListQuery {
                top: DEFAULT_TOP,
                ..Default::default()
            },
            ..Default::default()
        };
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        for (key, value) in &pairs {
            // Graph accepts the options with or without the `$`.
            let name = key.trim_start_matches('$').to_ascii_lowercase();
            match name.as_str() {
                "filter" => options.list.filter = Some(Filter::parse(value)?.into_expr()),
                "select" => options.select = Some(parse_select(value)?),
                "top" => {
                    let top: usize = value.trim().parse().map_err(|_| {
                        ApiError::bad_request(format!("Invalid page size specified: '{value}'. Must be between 1 and {MAX_TOP} inclusive."))
                    })?;
                    if top == 0 || top > MAX_TOP {
                        return Err(ApiError::bad_request(format!(
                            "Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP} inclusive."
                        )));
                    }
                    options.list.top = top;
                }
                "orderby" => {
                    let order = parse_orderby(value)?;
                    if order.len() > 1 {
                        return Err(ApiError::unsupported_query(
                            "Sorting by more than one property is not supported.",
                        ));
                    }
                    options.list.order = order.into_iter().next().map(|o| SortKey {
                        property: o.property,
                        descending: o.descending,
                    });
                }
                "count" => match value.to_ascii_lowercase().as_str() {
                    "true" => {
                        if !eventual(headers) {
                            return Err(ApiError::unsupported_query(
                                "$count is only supported with the header 'ConsistencyLevel: eventual'.",
                            ));
                        }
                        options.list.count = true;
                    }
                    "false" => {}
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "Invalid value '{value}' for $count: expected true or false."
                        )));
                    }
                },
                "search" => {
                    if !eventual(headers) {
                        return Err(ApiError::unsupported_query(
                            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
                        ));
                    }
                    options.list.search = Some(parse_search(value)?);
                }
                "skiptoken" => options.list.after = Some(decode_skiptoken(value)?),
                "expand" | "skip" | "format" | "levels" | "apply" | "compute" => {
                    return Err(ApiError::unsupported_query(format!(
                        "The query option '${name}' is not supported by roster."
                    )));
                }
                _ if key.starts_with('$') => {
                    return Err(ApiError::bad_request(format!(
                        "The query specified in the URI is not valid: unknown option '{key}'."
                    )));
                }
                _ => {}
            }
        }
        options.pairs = pairs
            .into_iter()
            .filter(|(key, _)| {
                !key.trim_start_matches('$')
                    .eq_ignore_ascii_case("skiptoken")
            })
            .collect();
        Ok(options)
    }

    /// Takes `name` out of `$select`, saying whether it was there: for a property the caller
    /// must be allowed to read, answered apart.
    pub fn take_select(&mut self, name: &str) -> bool {
        let Some(select) = self.select.as_mut() else {
            return false;
        };
        let before = select.len();
        select.retain(|wanted| !wanted.eq_ignore_ascii_case(name));
        select.len() != before
    }

    /// Whether `$filter` or `$orderby` names `property` (or a property of it).
    pub fn queries(&self, property: &str) -> bool {
        let property = property.to_ascii_lowercase();
        self.pairs.iter().any(|(key, value)| {
            matches!(
                key.trim_start_matches('$').to_ascii_lowercase().as_str(),
                "filter" | "orderby"
            ) && value.to_ascii_lowercase().contains(&property)
        })
    }

    /// Refuses `$filter`, `$search` and `$orderby` on a collection roster only pages (`what`),
    /// rather than answer as if they had been applied.
    pub fn only_paging(&self, what: &str) -> ApiResult<()> {
        let asked = [
            ("$filter", self.list.filter.is_some()),
            ("$search", self.list.search.is_some()),
            ("$orderby", self.list.order.is_some()),
        ];
        match asked.iter().find(|(_, given)| *given) {
            Some((option, _)) => Err(ApiError::unsupported_query(format!(
                "The query option '{option}' is not supported on {what} by roster: it lists them in id order, $top at a time, with $count."
            ))),
            None => Ok(()),
        }
    }

    /// The absolute link to the page after `cursor`, on the scheme and host the client used.
    pub fn next_link(&self, state: &AppState, parts: &Parts, cursor: &Cursor) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.pairs {
            serializer.append_pair(key, value);
        }
        serializer.append_pair("$skiptoken", &encode_skiptoken(cursor));
        // Graph's own links spell spaces as %20, and some clients read `+` literally.
        let query = serializer.finish().replace('+', "%20");
        // Nested routers see their own suffix of the path; the link needs the whole of it.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(
                || parts.uri.path().to_string(),
                |original| original.0.path().to_string(),
            );
        format!("{}{path}?{query}", state.base_url(parts))
    }
}

/// `$select` applied to an object: the listed properties (in Graph's spelling, null when unset)
/// plus `id` and `@odata.type`. Unknown names are refused.
pub fn apply_select(
    object: serde_json::Map<String, serde_json::Value>,
    select: &[String],
    type_name: &str,
) -> ApiResult<serde_json::Map<String, serde_json::Value>> {
    let mut selected = serde_json::Map::new();
    if let Some(odata_type) = object.get("@odata.type") {
        selected.insert("@odata.type".into(), odata_type.clone());
    }
    if let Some(id) = object.get("id") {
        selected.insert("id".into(), id.clone());
    }
    for name in select {
        let Some((key, value)) = object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
        else {
            return Err(ApiError::bad_request(format!(
                "Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."
            )));
        };
        selected.insert(key.clone(), value.clone());
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        let headers = HeaderMap::new();
        assert!(QueryOptions::parse(Some("$top=1000"), &headers).is_err());
        assert!(QueryOptions::parse(Some("$top=0"), &headers).is_err());
        assert_eq!(
            QueryOptions::parse(Some("$top=999"), &headers)
                .unwrap()
                .list
                .top,
            999
        );
        assert!(QueryOptions::parse(Some("$count=true"), &headers).is_err());
        assert!(QueryOptions::parse(Some("$search=%22displayName:a%22"), &headers).is_err());
        assert!(QueryOptions::parse(Some("$expand=manager"), &headers).is_err());
        assert!(QueryOptions::parse(Some("$bogus=1"), &headers).is_err());
        let mut eventual = HeaderMap::new();
        eventual.insert("ConsistencyLevel", "eventual".parse().unwrap());
        let options =
            QueryOptions::parse(Some("$count=true&$search=%22displayName:ad%22"), &eventual)
                .unwrap();
        assert!(options.list.count && options.list.search.is_some());
    }
}
