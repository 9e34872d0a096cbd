//! Where a page may send the browser: a redirect after a form, and the paths a `next` or `back`
//! parameter may name (this server's own, never another site).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `path` if it is a path of this server (so that a `next` or `back` parameter cannot send the
/// browser elsewhere): it starts with one `/`, and has no backslash, whitespace or control
/// character anywhere (browsers drop a TAB or newline, so `/\t/evil.example` would be
/// `//evil.example`, another site).
pub(crate) fn local_path(path: &str) -> Option<&str> {
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    safe.then_some(path)
}

pub(crate) fn see_other(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, to.to_string())],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/users?q=a"), Some("/users?q=a"));
        assert_eq!(local_path("//evil.example/"), None);
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path(""), None);
    }

    #[test]
    fn only_paths_of_this_server_are_followed() {
        for local in ["/", "/users?top=5", "/users/abc#x", "/groups/a%2Fb"] {
            assert_eq!(local_path(local), Some(local), "{local:?}");
        }
        for elsewhere in [
            "//evil.example",
            "/\tevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r//evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "/x\\y",
            "/\u{7f}/evil.example",
            "/\u{a0}/evil.example",
            "https://evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(local_path(elsewhere), None, "{elsewhere:?}");
        }
    }
}
