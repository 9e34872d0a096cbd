//! The frame of every page: the HTML document, the navigation a session's roles allow, the
//! headers every page carries, and the error pages.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use roster_core::access::Operation;

use super::i18n::Lang;
use super::session::Session;
use super::wording::message;

/// Headers every page carries: no caching of what an administrator saw, no framing, and only
/// the server's own scripts and styles.
pub(crate) fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, "cache-control", "no-store");
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "x-frame-options", "DENY");
    set_content_policy(&mut response, "'self'");
    response
}

/// Sets a page's content security policy: only the server's own scripts, styles and images,
/// never framed, its forms posted (and the redirects that follow them) only to `form_action`.
pub(crate) fn set_content_policy(response: &mut Response, form_action: &str) {
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert("content-security-policy", value);
    }
}

/// The language of a browser's request (one that accepts HTML), for a page outside any
/// session; `None` for an API client, which gets Graph's JSON.
pub(crate) fn browser_language(headers: &HeaderMap) -> Option<Lang> {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    accept.contains("text/html").then(|| Lang::of(headers))
}

/// A path that nothing serves, for a browser: a page in its language, not Graph's JSON.
pub(crate) fn unknown_path(headers: &HeaderMap) -> Option<Response> {
    let lang = browser_language(headers)?;
    Some(bare_error_page(
        lang,
        StatusCode::NOT_FOUND,
        &lang.t("error-no-such-page"),
    ))
}

/// An error page for a request that has no session (yet): no navigation, only the message.
pub(crate) fn bare_error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let title = if status == StatusCode::NOT_FOUND {
        lang.t("error-not-found-title")
    } else {
        lang.t("error-title")
    };
    let body = html! {
        main.signin {
            h1 { (title) }
            p.error role="alert" { (message) }
            p { a href="/" { (lang.t("error-back-home")) } }
        }
    };
    let mut response = with_page_headers(document(lang, &title, body).into_response());
    *response.status_mut() = status;
    response
}

/// A whole HTML document around a page's body, in `lang`.
pub(crate) fn document(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – roster" }
                link rel="stylesheet" href="/assets/center.css";
                script src="/assets/center.js" defer {}
            }
            body { (body) }
        }
    }
}

/// A button alone in a form that posts `fields` (after the session's token) to `action`: one
/// action on one object (block a user, remove a member, verify a domain).
pub(crate) fn post_button(
    session: &Session,
    action: &str,
    fields: &[(&str, &str)],
    label: &str,
    class: &str,
) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            input type="hidden" name="csrf" value=(session.csrf);
            @for (name, value) in fields { input type="hidden" name=(name) value=(value); }
            button type="submit" class=(class) { (label) }
        }
    }
}

/// What a removal will do, asked before it is done (reached by a link such as
/// `?ask=delete#confirm`, so that it works without the script): a heading naming it, its
/// consequences, the button that posts `fields` to `action`, and the way back to `cancel`.
pub(crate) fn confirm_panel(
    session: &Session,
    title: &str,
    consequences: Markup,
    (action, fields): (&str, &[(&str, &str)]),
    button: &str,
    cancel: &str,
) -> Markup {
    let lang = session.lang;
    html! {
        section.panel.confirm id="confirm" aria-labelledby="h-confirm" {
            h2 id="h-confirm" { (title) }
            (consequences)
            (post_button(session, action, fields, button, "danger"))
            " " a.button.secondary href=(cancel) { (lang.t("delete-confirm-cancel")) }
        }
    }
}

/// The page of a list an address asks for: 1 for the first, when it says none or nonsense;
/// at most a million (a list of 100 million at a hundred a page).
pub(crate) fn page_number(text: Option<&str>) -> i64 {
    text.and_then(|text| text.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000)
}

/// The page numbers of a list that has `pages` pages, `current` among them: the first and
/// last, and two either side of the current one, with a gap marked where some are left out
/// (`1 … 4 5 [6] 7 8 … 20`), between "Previous" and "Next". `link` gives a page's address.
pub(crate) fn pager(lang: Lang, current: i64, pages: i64, link: impl Fn(i64) -> String) -> Markup {
    let shown = |n: i64| n == 1 || n == pages || (n - current).abs() <= 2;
    html! {
        @if pages > 1 {
            nav.pages aria-label=(lang.t("users-pages")) {
                @if current > 1 { a rel="prev" href=(link(current - 1)) { (lang.t("pages-previous")) } }
                ol {
                    @for n in (1..=pages).filter(|n| shown(*n)) {
                        @if n > 1 && !shown(n - 1) { li aria-hidden="true" { "…" } }
                        li {
                            @if n == current {
                                span aria-current="page" { (lang.number(n)) }
                            } @else {
                                a href=(link(n)) aria-label=(lang.t_with("users-page-of", &[("page", lang.number(n).into()), ("pages", lang.number(pages).into())])) { (lang.number(n)) }
                            }
                        }
                    }
                }
                @if current < pages { a rel="next" href=(link(current + 1)) { (lang.t("users-next-page")) } }
            }
        }
    }
}

/// The properties a change's confirmation names (`?saved=jobTitle,department`): those `known`
/// says are the page's; anything else in the address is dropped, never shown. `None` when the
/// page was not reached from a change.
pub(crate) fn saved_properties(
    param: Option<&str>,
    known: impl Fn(&str) -> bool,
) -> Option<Vec<String>> {
    param.map(|saved| {
        saved
            .split(',')
            .filter(|name| known(name))
            .map(str::to_string)
            .collect()
    })
}

/// The confirmation of a change: the properties it changed by their names in the page's
/// language ("Saved: Job title, Department."), or that nothing differed.
pub(crate) fn saved_notice(lang: Lang, changed: &[String]) -> Markup {
    html! {
        @if changed.is_empty() { p.success role="status" { (lang.t("details-unchanged")) } }
        @else {
            @let names: Vec<String> = changed.iter().map(|name| lang.property(name)).collect();
            p.success role="status" { (lang.t_with("details-saved", &[("properties", names.join(", ").into())])) }
        }
    }
}

/// After a change, which one (a page words it from a list of its own; anything else is not
/// shown).
#[derive(serde::Deserialize, Default)]
pub(crate) struct DoneParams {
    pub(crate) done: Option<String>,
}

/// The pages of the navigation, each shown only to administrators whose roles allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Home,
    Users,
    Deleted,
    Groups,
    Contacts,
    Licenses,
    Jobs,
    Roles,
    Audit,
    SignIns,
    Domains,
    Settings,
}

impl Nav {
    const ALL: [Nav; 12] = [
        Nav::Home,
        Nav::Users,
        Nav::Deleted,
        Nav::Groups,
        Nav::Contacts,
        Nav::Licenses,
        Nav::Jobs,
        Nav::Roles,
        Nav::Audit,
        Nav::SignIns,
        Nav::Domains,
        Nav::Settings,
    ];

    fn href(self) -> &'static str {
        match self {
            Nav::Home => "/",
            Nav::Users => "/users",
            Nav::Deleted => "/deleted",
            Nav::Groups => "/groups",
            Nav::Contacts => "/contacts",
            Nav::Jobs => "/jobs",
            Nav::Licenses => "/licenses",
            Nav::Roles => "/roles",
            Nav::Audit => "/audit",
            Nav::SignIns => "/sign-ins",
            Nav::Domains => "/domains",
            Nav::Settings => "/settings",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Nav::Home => "nav-home",
            Nav::Users => "nav-users",
            Nav::Deleted => "nav-deleted",
            Nav::Groups => "nav-groups",
            Nav::Contacts => "nav-contacts",
            Nav::Jobs => "nav-jobs",
            Nav::Licenses => "nav-licenses",
            Nav::Roles => "nav-roles",
            Nav::Audit => "nav-audit",
            Nav::SignIns => "nav-sign-ins",
            Nav::Domains => "nav-domains",
            Nav::Settings => "nav-settings",
        }
    }

    /// What the page needs: the navigation shows it only to those allowed.
    pub(crate) fn operation(self) -> Operation {
        match self {
            Nav::Home | Nav::Users | Nav::Deleted | Nav::Jobs => Operation::ReadUsers,
            Nav::Groups => Operation::ReadGroups,
            Nav::Contacts => Operation::ReadContacts,
            Nav::Licenses | Nav::Roles | Nav::Domains | Nav::Settings => {
                Operation::ReadOrganization
            }
            Nav::Audit | Nav::SignIns => Operation::ReadAuditLog,
        }
    }
}

/// A signed-in page: the header with the tenant, the language switch and signing out, the
/// navigation the administrator's roles allow, and the page's content.
pub(crate) fn page(session: &Session, active: Nav, title: &str, content: Markup) -> Response {
    let lang = session.lang;
    let other = if lang == Lang::En { Lang::Nl } else { Lang::En };
    let body = html! {
        a.skip href="#main" { (lang.t("skip-to-content")) }
        header.top {
            button.menu type="button" aria-controls="navigation" aria-expanded="true" hidden {
                (lang.t("nav-menu"))
            }
            a.brand href="/" { (session.tenant_name) }
            span.product { (lang.t("product-name")) }
            span.spacer {}
            a.lang href={ "/language?to=" (other.code()) "&back=" (session.path_and_query) }
                hreflang=(other.code()) lang=(other.code()) { (lang.t(if other == Lang::Nl { "language-nl" } else { "language-en" })) }
            span.who { (session.caller.principal.name()) }
            form.signout method="post" action="/signout" {
                input type="hidden" name="csrf" value=(session.csrf);
                button type="submit" { (lang.t("sign-out")) }
            }
        }
        div.frame {
            nav.side id="navigation" aria-label=(lang.t("nav-label")) {
                ul {
                    @for item in Nav::ALL {
                        @if session.may(item.operation()) {
                            li { a href=(item.href()) aria-current=[(item == active).then_some("page")] { (lang.t(item.label())) } }
                        }
                    }
                }
            }
            main id="main" tabindex="-1" { h1 { (title) } (content) }
        }
    };
    with_page_headers(document(lang, title, body).into_response())
}

/// A page that says what went wrong, in the page's language, without any detail of the server.
pub(crate) fn error_page(session: &Session, status: StatusCode, message: &str) -> Response {
    let lang = session.lang;
    let title = match status {
        StatusCode::FORBIDDEN => lang.t("error-forbidden-title"),
        StatusCode::NOT_FOUND => lang.t("error-not-found-title"),
        _ => lang.t("error-title"),
    };
    let content = html! {
        p.error role="alert" { (message) }
        p { a href="/" { (lang.t("error-back-home")) } }
    };
    let mut response = page(session, Nav::Home, &title, content);
    *response.status_mut() = status;
    response
}

/// What a page handler answers when a store call or a check fails: the API's error turned into
/// a page (its message is already safe to show; internal errors were logged and made opaque).
pub(crate) fn failure(session: &Session, error: crate::error::ApiError) -> Response {
    let status = error.status;
    error_page(session, status, &message(session, error))
}

/// A "not found" from the store as a refusal worded for the form that named the object (a
/// manager, a user by name); any other error as it is.
pub(crate) fn not_found_as(
    error: crate::error::ApiError,
    message: String,
) -> crate::error::ApiError {
    if error.status == StatusCode::NOT_FOUND {
        crate::error::ApiError::bad_request(message)
    } else {
        error
    }
}
