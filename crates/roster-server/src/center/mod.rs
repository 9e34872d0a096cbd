//! The admin center: server-rendered pages at `/` for administrators and help desk, in English
//! and Dutch, on top of the same store calls and the same authorization as the API.
//!
//! Pages are HTML written with `maud` (which escapes every value it writes), styled and enhanced
//! by one stylesheet and one small script served from the binary. A signed-in browser holds a
//! session cookie carrying an access token of an admin center session ([`session`]); every form
//! carries a token tied to that session (CSRF). What a page offers follows the administrator's
//! roles, and the server checks every action again whatever the page sent.

mod audit;
mod csv_text;
mod deleted;
mod groups;
mod home;
mod i18n;
mod import;
mod licenses;
mod new_user;
mod roles;
mod rule_text;
mod session;
mod users;

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use roster_core::access::Operation;

pub use i18n::Lang;
use session::Session;

use crate::state::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    let signed_in = Router::new()
        .route("/", get(home::page_handler))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::details).post(users::edit))
        .route("/users/bulk", post(users::action))
        .route("/users/new", get(new_user::start).post(new_user::step))
        .route("/users/import", get(import::start_page).post(import::check))
        .route("/users/import/start", post(import::start))
        .route("/jobs/{id}", get(import::job))
        .route("/jobs/{id}/results.csv", get(import::results))
        .route("/deleted", get(deleted::page_handler).post(deleted::action))
        .route("/groups", get(groups::list))
        .route("/groups/new", get(groups::new_form).post(groups::create))
        .route("/groups/check-rule", get(groups::check_rule))
        .route("/groups/{id}", get(groups::details).post(groups::change))
        .route(
            "/licenses",
            get(licenses::page_handler).post(licenses::change),
        )
        .route("/roles", get(roles::page_handler).post(roles::change))
        .route("/audit", get(audit::page_handler))
        .route("/signout", post(session::sign_out))
        .route_layer(middleware::from_fn_with_state(state, session::require));
    Router::new()
        .route("/signin", get(session::sign_in_page).post(session::sign_in))
        .route("/language", get(i18n::switch))
        .route("/assets/{name}", get(asset))
        .merge(signed_in)
}

/// The value of a cookie of the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

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

async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind): (&'static str, &'static str) = match name.as_str() {
        "center.css" => (
            include_str!("../../assets/center.css"),
            "text/css; charset=utf-8",
        ),
        "center.js" => (
            include_str!("../../assets/center.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

pub(crate) fn see_other(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, to.to_string())],
    )
        .into_response()
}

/// Headers every page carries: no caching of what an administrator saw, no framing, and only
/// the server's own scripts and styles.
fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, "cache-control", "no-store");
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "x-frame-options", "DENY");
    set(
        headers,
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    response
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
fn document(lang: Lang, title: &str, body: Markup) -> Markup {
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

/// The pages of the navigation, each shown only to administrators whose roles allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Home,
    Users,
    Deleted,
    Groups,
    Licenses,
    Roles,
    Audit,
}

impl Nav {
    const ALL: [Nav; 7] = [
        Nav::Home,
        Nav::Users,
        Nav::Deleted,
        Nav::Groups,
        Nav::Licenses,
        Nav::Roles,
        Nav::Audit,
    ];

    fn href(self) -> &'static str {
        match self {
            Nav::Home => "/",
            Nav::Users => "/users",
            Nav::Deleted => "/deleted",
            Nav::Groups => "/groups",
            Nav::Licenses => "/licenses",
            Nav::Roles => "/roles",
            Nav::Audit => "/audit",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Nav::Home => "nav-home",
            Nav::Users => "nav-users",
            Nav::Deleted => "nav-deleted",
            Nav::Groups => "nav-groups",
            Nav::Licenses => "nav-licenses",
            Nav::Roles => "nav-roles",
            Nav::Audit => "nav-audit",
        }
    }

    /// What the page needs: the navigation shows it only to those allowed.
    pub(crate) fn operation(self) -> Operation {
        match self {
            Nav::Home | Nav::Users | Nav::Deleted => Operation::ReadUsers,
            Nav::Groups => Operation::ReadGroups,
            Nav::Licenses | Nav::Roles => Operation::ReadOrganization,
            Nav::Audit => Operation::ReadAuditLog,
        }
    }
}

/// A signed-in page: the header with the tenant, the language switch and signing out, the
/// navigation the administrator's roles allow, and the page's content.
pub(crate) fn page(session: &Session, active: Nav, title: &str, content: Markup) -> Response {
    let lang = session.lang;
    let other = if lang == Lang::En { Lang::Nl } else { Lang::En };
    let body = html! {
        header.top {
            a.brand href="/" { (session.tenant_name) }
            span.product { (lang.t("product-name")) }
            span.spacer {}
            a.lang href={ "/language?to=" (other.code()) "&back=" (session.path_and_query) }
                hreflang=(other.code()) { (lang.t(if other == Lang::Nl { "language-nl" } else { "language-en" })) }
            span.who { (session.caller.principal.name()) }
            form.signout method="post" action="/signout" {
                input type="hidden" name="csrf" value=(session.csrf);
                button type="submit" { (lang.t("sign-out")) }
            }
        }
        div.frame {
            nav.side aria-label=(lang.t("nav-label")) {
                ul {
                    @for item in Nav::ALL {
                        @if session.may(item.operation()) {
                            li { a href=(item.href()) aria-current=[(item == active).then_some("page")] { (lang.t(item.label())) } }
                        }
                    }
                }
            }
            main { h1 { (title) } (content) }
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

/// An error as a page shows it, in the page's language where the admin center words it: a
/// refusal by role, an internal error (only its request id), or one of the refusals with a
/// `Reason`; else the API's own message.
pub(crate) fn message(session: &Session, error: crate::error::ApiError) -> String {
    worded(session.lang, error)
}

/// [`message`] in `lang`, for a request without a session.
pub(crate) fn worded(lang: Lang, error: crate::error::ApiError) -> String {
    if let Some(why) = error.reason.as_deref() {
        return reason(lang, why);
    }
    if error.status == StatusCode::FORBIDDEN {
        lang.t("error-forbidden")
    } else if error.status == StatusCode::NOT_FOUND {
        lang.t("error-gone")
    } else if error.status == StatusCode::SERVICE_UNAVAILABLE {
        lang.t("error-busy")
    } else if error.status == StatusCode::TOO_MANY_REQUESTS {
        lang.t("error-throttled")
    } else if error.status.is_server_error() {
        lang.t_with(
            "error-internal",
            &[("request", crate::error::current_request_id().into())],
        )
    } else {
        error.message
    }
}

/// Why a request or a job's row was refused, in the page's language.
pub(crate) fn reason(lang: Lang, reason: &crate::error::Reason) -> String {
    use crate::error::Reason;
    match reason {
        Reason::Conflict(property) => {
            lang.t_with("api-conflict", &[("property", (*property).into())])
        }
        Reason::NoUsageLocation => lang.t("api-no-usage-location"),
        Reason::OutOfSeats(sku) => lang.t_with("api-out-of-seats", &[("sku", sku.clone().into())]),
        Reason::Invalid(invalid) => lang.t_with(
            "api-invalid",
            &[
                ("property", invalid.property.into()),
                ("problem", problem(lang, &invalid.reason).into()),
            ],
        ),
        Reason::License(violation) => license_violation(lang, violation),
        Reason::WeakPassword => lang.t("api-weak-password"),
        Reason::UnknownDomain(domain) => {
            lang.t_with("api-unknown-domain", &[("domain", domain.clone().into())])
        }
        Reason::LicenseNotHeld => lang.t("api-license-not-held"),
        Reason::NotEnabled { sku, status } => lang.t_with(
            "api-not-enabled",
            &[
                ("sku", sku.clone().into()),
                ("status", subscription_status(lang, status).into()),
            ],
        ),
        Reason::NotInCatalog(sku) => {
            lang.t_with("api-not-in-catalog", &[("sku", sku.clone().into())])
        }
        Reason::NegativeSeats => lang.t("api-negative-seats"),
        Reason::SubscriptionExists(sku) => {
            lang.t_with("api-subscription-exists", &[("sku", sku.clone().into())])
        }
        Reason::BelowAssigned { sku, assigned } => lang.t_with(
            "api-below-assigned",
            &[
                ("sku", sku.clone().into()),
                ("count", (*assigned).into()),
                ("assigned", lang.number(*assigned).into()),
            ],
        ),
        Reason::AlreadyMember => lang.t("api-already-member"),
        Reason::AlreadyOwner => lang.t("api-already-owner"),
        Reason::DynamicMembers => lang.t("api-dynamic-members"),
        Reason::OwnGroup => lang.t("api-own-group"),
        Reason::OnlyUsersOwn => lang.t("api-only-users-own"),
        Reason::OwnManager => lang.t("api-own-manager"),
        Reason::ManagerLoop => lang.t("api-manager-loop"),
        Reason::LastGlobalAdministrator => lang.t("api-last-global-administrator"),
        Reason::OwnAccount => lang.t("action-not-yourself"),
        Reason::FormExpired => lang.t("api-form-expired"),
    }
}

/// A subscription's `capabilityStatus` in words.
pub(crate) fn subscription_status(lang: Lang, status: &str) -> String {
    match status {
        "Enabled" => lang.t("licenses-status-enabled"),
        "Suspended" => lang.t("licenses-status-suspended"),
        "Warning" => lang.t("licenses-status-warning"),
        other => other.to_string(),
    }
}

/// What is wrong with a value, in the page's language (`Problem`'s `Display` is the English of
/// the API and the CLI).
fn problem(lang: Lang, problem: &roster_core::types::Problem) -> String {
    use roster_core::attributes::AttrKind;
    use roster_core::types::{DomainFault, Problem as P};
    let fault = |fault: &DomainFault| {
        let name = match fault {
            DomainFault::Length => "length",
            DomainFault::Labels => "labels",
            DomainFault::Label => "label",
            DomainFault::Characters => "characters",
            DomainFault::Hyphen => "hyphen",
        };
        lang.t_with("problem-domain-fault", &[("fault", name.into())])
    };
    let text = |id: &str, text: &str| lang.t_with(id, &[("text", text.to_string().into())]);
    let max = |id: &str, max: usize| lang.t_with(id, &[("max", max.into())]);
    let character = |id: &str, c: char| {
        lang.t_with(
            id,
            &[("character", roster_core::types::visible_char(c).into())],
        )
    };
    match problem {
        P::NotGuid(given) => text("problem-not-guid", given),
        P::Domain(given, domain_fault) => lang.t_with(
            "problem-domain",
            &[
                ("text", given.clone().into()),
                ("fault", fault(domain_fault).into()),
            ],
        ),
        P::NoAt(given) => text("problem-no-at", given),
        P::AliasLength(limit) => max("problem-alias-length", *limit),
        P::TooLong(limit) => max("problem-too-long", *limit),
        P::CharacterBeforeAt(c) => character("problem-character-before-at", *c),
        P::AliasDots => lang.t("problem-alias-dots"),
        P::UpnDomain(domain_fault) => lang.t_with(
            "problem-upn-domain",
            &[("fault", fault(domain_fault).into())],
        ),
        P::Length(limit) => max("problem-length", *limit),
        P::Character(c) => character("problem-character", *c),
        P::NotCountry(given) => text("problem-not-country", given),
        P::NotOneOf(given, choices) => lang.t_with(
            "problem-not-one-of",
            &[
                ("text", given.clone().into()),
                ("choices", choices.join(", ").into()),
            ],
        ),
        P::NotDateTime(given) => text("problem-not-date-time", given),
        P::Expected(kind) => {
            let kind = match kind {
                AttrKind::Text => "text",
                AttrKind::TextList => "list",
                AttrKind::DateTime => "date",
                AttrKind::Bool => "bool",
            };
            lang.t_with("problem-expected", &[("kind", kind.into())])
        }
    }
}

/// Why licenses cannot be held, in the page's language.
fn license_violation(lang: Lang, violation: &roster_core::licensing::LicenseViolation) -> String {
    use roster_core::licensing::LicenseViolation as V;
    let text = |value: &str| fluent_bundle::FluentValue::from(value.to_string());
    match violation {
        V::MutuallyExclusive { plan_a, plan_b } => lang.t_with(
            "license-mutually-exclusive",
            &[("first", text(plan_a)), ("second", text(plan_b))],
        ),
        V::Dependency { plan, requires } => lang.t_with(
            "license-dependency",
            &[
                ("plan", text(plan)),
                ("requires", text(&requires.join(", "))),
            ],
        ),
        V::ProhibitedInUsageLocation {
            plan,
            usage_location,
        } => lang.t_with(
            "license-prohibited-location",
            &[("plan", text(plan)), ("location", text(usage_location))],
        ),
        V::UnknownSku(sku) => {
            lang.t_with("license-unknown-sku", &[("sku", text(&sku.to_string()))])
        }
        V::UnknownDisabledPlan { plan_id, .. } => lang.t_with(
            "license-unknown-plan",
            &[("plan", text(&plan_id.to_string()))],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_worded_in_both_languages() {
        use roster_core::attributes::AttrKind;
        use roster_core::licensing::LicenseViolation as V;
        use roster_core::types::{DomainFault, Problem as P};
        let faults = [
            DomainFault::Length,
            DomainFault::Labels,
            DomainFault::Label,
            DomainFault::Characters,
            DomainFault::Hyphen,
        ];
        let mut problems: Vec<P> = faults
            .iter()
            .flat_map(|fault| [P::Domain("x".into(), *fault), P::UpnDomain(*fault)])
            .collect();
        problems.extend([
            P::NotGuid("x".into()),
            P::NoAt("x".into()),
            P::AliasLength(64),
            P::TooLong(113),
            P::CharacterBeforeAt('!'),
            P::AliasDots,
            P::Length(64),
            P::Character(';'),
            P::NotCountry("XX".into()),
            P::NotOneOf("x".into(), &["a", "b"]),
            P::NotDateTime("x".into()),
        ]);
        problems.extend(
            [
                AttrKind::Text,
                AttrKind::TextList,
                AttrKind::DateTime,
                AttrKind::Bool,
            ]
            .map(P::Expected),
        );
        // Does not build when `Problem` gains a variant: add it to the list above too.
        for listed in &problems {
            match listed {
                P::NotGuid(_)
                | P::Domain(..)
                | P::NoAt(_)
                | P::AliasLength(_)
                | P::TooLong(_)
                | P::CharacterBeforeAt(_)
                | P::AliasDots
                | P::UpnDomain(_)
                | P::Length(_)
                | P::Character(_)
                | P::NotCountry(_)
                | P::NotOneOf(..)
                | P::NotDateTime(_)
                | P::Expected(_) => {}
            }
        }
        let mut worded: Vec<[String; 2]> = problems
            .iter()
            .map(|p| [problem(Lang::En, p), problem(Lang::Nl, p)])
            .collect();
        let plan = || "EXCHANGE_S_STANDARD".to_string();
        for violation in [
            V::MutuallyExclusive {
                plan_a: plan(),
                plan_b: plan(),
            },
            V::Dependency {
                plan: plan(),
                requires: vec![plan()],
            },
            V::ProhibitedInUsageLocation {
                plan: plan(),
                usage_location: "CU".into(),
            },
            V::UnknownSku(uuid::Uuid::nil()),
            V::UnknownDisabledPlan {
                sku_id: uuid::Uuid::nil(),
                plan_id: uuid::Uuid::nil(),
            },
        ] {
            worded.push([
                license_violation(Lang::En, &violation),
                license_violation(Lang::Nl, &violation),
            ]);
        }
        use crate::error::Reason as R;
        for why in [
            R::Conflict("userPrincipalName"),
            R::NoUsageLocation,
            R::OutOfSeats("SPE_E3".into()),
            R::Invalid(roster_core::types::InvalidValue::new(
                "usageLocation",
                P::NotCountry("XX".into()),
            )),
            R::License(V::UnknownSku(uuid::Uuid::from_u128(1))),
            R::WeakPassword,
            R::UnknownDomain("fabrikam.example".into()),
            R::LicenseNotHeld,
            R::NotEnabled {
                sku: "SPE_E3".into(),
                status: "Suspended".into(),
            },
            R::NotInCatalog("NOT_A_SKU".into()),
            R::NegativeSeats,
            R::SubscriptionExists("SPE_E3".into()),
            R::BelowAssigned {
                sku: "SPE_E3".into(),
                assigned: 7,
            },
            R::AlreadyMember,
            R::AlreadyOwner,
            R::DynamicMembers,
            R::OwnGroup,
            R::OnlyUsersOwn,
            R::OwnManager,
            R::ManagerLoop,
            R::LastGlobalAdministrator,
            R::OwnAccount,
            R::FormExpired,
        ] {
            // Does not build when `Reason` gains a variant: add it to the list above too.
            match why {
                R::Conflict(_)
                | R::NoUsageLocation
                | R::OutOfSeats(_)
                | R::Invalid(_)
                | R::License(_)
                | R::WeakPassword
                | R::UnknownDomain(_)
                | R::LicenseNotHeld
                | R::NotEnabled { .. }
                | R::NotInCatalog(_)
                | R::NegativeSeats
                | R::SubscriptionExists(_)
                | R::BelowAssigned { .. }
                | R::AlreadyMember
                | R::AlreadyOwner
                | R::DynamicMembers
                | R::OwnGroup
                | R::OnlyUsersOwn
                | R::OwnManager
                | R::ManagerLoop
                | R::LastGlobalAdministrator
                | R::OwnAccount
                | R::FormExpired => {}
            }
            worded.push([reason(Lang::En, &why), reason(Lang::Nl, &why)]);
        }
        for [english, dutch] in &worded {
            // A message missing from a catalog comes back as its id.
            for text in [english, dutch] {
                assert!(
                    !text.contains("problem-")
                        && !text.contains("license-")
                        && !text.contains("api-"),
                    "{text}"
                );
            }
            assert_ne!(english, dutch);
        }
        // Each variant has its own wording (a selector's default hides no case).
        let distinct: std::collections::HashSet<&String> =
            worded.iter().map(|[english, _]| english).collect();
        assert_eq!(distinct.len(), worded.len());
        assert_eq!(
            problem(Lang::Nl, &P::UpnDomain(DomainFault::Labels)),
            "het domein heeft minstens twee delen nodig, zoals contoso.example"
        );
    }

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

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            "a=1; roster_session=abc.def; b=2".parse().unwrap(),
        );
        assert_eq!(
            cookie(&headers, "roster_session").as_deref(),
            Some("abc.def")
        );
        assert_eq!(cookie(&headers, "roster"), None);
    }
}
