//! Domains: the organisation's domains, a domain added, verified by the DNS TXT record the page
//! shows to create, made the default, and removed (asked first; refused while users or groups
//! use it, or while it is the default), as the Microsoft 365 admin center's Domains page has it.

use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use roster_core::access::Operation;
use roster_core::types::DomainName;
use serde::Deserialize;

use super::layout::{Nav, confirm_panel, error_page, failure, page, post_button};
use super::redirect::see_other;
use super::session::Session;
use super::wording::{message, problem};

#[derive(Deserialize, Default)]
pub struct Params {
    /// After a change: which (`added`, `verified`, `default`, `removed`).
    done: Option<String>,
    /// A domain whose removal is to be confirmed.
    remove: Option<String>,
}

/// What the page says above the list.
enum Notice {
    None,
    Done(&'static str),
    /// A refusal, and what was typed into the add form.
    Refused {
        message: String,
        typed: String,
    },
}

/// `GET /domains`.
pub async fn page_handler(session: Session, Query(params): Query<Params>) -> Response {
    let notice = match params.done.as_deref() {
        Some("added") => Notice::Done("domains-added"),
        Some("verified") => Notice::Done("domains-verified"),
        Some("default") => Notice::Done("domains-default-set"),
        Some("removed") => Notice::Done("domains-removed"),
        _ => Notice::None,
    };
    render(&session, notice, params.remove.as_deref()).await
}

async fn render(session: &Session, notice: Notice, remove: Option<&str>) -> Response {
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let domains = match session
        .state()
        .db(move |store| store.domains(tenant_id))
        .await
    {
        Ok(domains) => domains,
        Err(error) => return failure(session, error),
    };
    let manage = session.may(Operation::ManageDomains);
    let small_form = |go: &str, name: &str, label: String, class: &str| {
        post_button(
            session,
            "/domains",
            &[("go", go), ("name", name)],
            &label,
            class,
        )
    };
    let refused = matches!(notice, Notice::Refused { .. });
    let content = html! {
        @match &notice {
            Notice::Done(key) => p.success role="status" { (lang.t(key)) },
            Notice::Refused { message, .. } => p.error role="alert" { (message) },
            Notice::None => {}
        }
        @if let Some(name) = remove.filter(|name| manage && domains.iter().any(|d| d.name.as_ref() == *name)) {
            (confirm_panel(
                session,
                &lang.t_with("domains-remove-title", &[("domain", name.to_string().into())]),
                html! { p { (lang.t("domains-remove-consequences")) } },
                ("/domains", &[("go", "remove"), ("name", name)]),
                &lang.t("delete-confirm-button"),
                "/domains",
            ))
        }
        @if manage {
            section.panel id="add" aria-labelledby="h-add" {
                h2 id="h-add" { (lang.t("domains-add")) }
                form.filters method="post" action="/domains" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="go" value="add";
                    label for="d-name" { (lang.t("domains-name")) }
                    input id="d-name" name="name" required placeholder="fabrikam.com"
                        value=[match &notice { Notice::Refused { typed, .. } => Some(typed.as_str()), _ => None }];
                    button type="submit" { (lang.t("domains-add-submit")) }
                }
            }
        }
        div.scroll tabindex="0" {
            table.domains {
                thead { tr {
                    th scope="col" { (lang.t("domains-name")) } th scope="col" { (lang.t("domains-status")) }
                    @if manage { th scope="col" { (lang.t("domains-actions")) } }
                } }
                tbody {
                    @for domain in &domains {
                        @let name = domain.name.as_ref();
                        tr {
                            td {
                                (name)
                                @if domain.is_default { " " span.muted { "(" (lang.t("domains-default")) ")" } }
                            }
                            td {
                                @if domain.is_verified { (lang.t("domains-status-verified")) }
                                @else { span.processing { (lang.t("domains-status-unverified")) } }
                            }
                            @if manage {
                                td {
                                    @if !domain.is_verified {
                                        a href={ "#verify-" (name) } { (lang.t("domains-how-to-verify")) } " "
                                    } @else if !domain.is_default {
                                        (small_form("default", name, lang.t("domains-make-default"), "secondary")) " "
                                    }
                                    @if !domain.is_default {
                                        a.button.secondary href={ "/domains?remove=" (name) "#confirm" } { (lang.t("domains-remove")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manage {
            @for domain in domains.iter().filter(|d| !d.is_verified) {
                @let name = domain.name.as_ref();
                section.panel id={ "verify-" (name) } aria-labelledby={ "h-verify-" (name) } {
                    h2 id={ "h-verify-" (name) } { (lang.t_with("domains-verify-title", &[("domain", name.to_string().into())])) }
                    p { (lang.t("domains-verify-how")) }
                    div.scroll tabindex="0" {
                        table.properties { tbody {
                            tr { th scope="row" { (lang.t("domains-record-type")) } td { "TXT" } }
                            tr { th scope="row" { (lang.t("domains-record-name")) } td { code { "@" } " (" (name) ")" } }
                            tr { th scope="row" { (lang.t("domains-record-value")) } td {
                                code id={ "txt-" (name) } { (domain.verification_text().unwrap_or_default()) } " "
                                button.secondary type="button" data-copy={ "txt-" (name) } data-copied=(lang.t("details-copied")) { (lang.t("details-copy")) }
                            } }
                            tr { th scope="row" { (lang.t("domains-record-ttl")) } td { "3600" } }
                        } }
                    }
                    (small_form("verify", name, lang.t("domains-verify"), ""))
                }
            }
        }
    };
    let mut response = page(session, Nav::Domains, &lang.t("domains-title"), content);
    if refused {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

#[derive(Deserialize, Default)]
pub struct DomainForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    go: String,
    #[serde(default)]
    name: String,
}

/// `POST /domains`: adds, verifies, makes the default or removes a domain.
pub async fn change(session: Session, Form(form): Form<DomainForm>) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    if !session.may(Operation::ManageDomains) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let typed = form.name.trim().to_string();
    let name = match DomainName::parse(&typed) {
        Ok(name) => name,
        Err(invalid) => {
            let message = lang.t_with(
                "api-invalid",
                &[
                    ("property", lang.t("domains-name").into()),
                    ("problem", problem(lang, &invalid.reason).into()),
                ],
            );
            return render(&session, Notice::Refused { message, typed }, None).await;
        }
    };
    let change = session.caller.change();
    let state = session.state();
    let (result, done) = match form.go.as_str() {
        "add" => (
            state
                .db(move |store| store.add_domain(&change, &name).map(drop))
                .await,
            "added",
        ),
        "verify" => (
            crate::domains::verify(state, change, name).await.map(drop),
            "verified",
        ),
        "default" => (
            state
                .db(move |store| store.set_default_domain(&change, &name))
                .await,
            "default",
        ),
        "remove" => (
            state
                .db(move |store| store.remove_domain(&change, &name))
                .await,
            "removed",
        ),
        _ => return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("action-unknown")),
    };
    match result {
        Ok(()) => see_other(&format!("/domains?done={done}")),
        Err(error) if error.status == StatusCode::FORBIDDEN => failure(&session, error),
        Err(error) => {
            let message = message(&session, error);
            let typed = if form.go == "add" {
                typed
            } else {
                String::new()
            };
            render(&session, Notice::Refused { message, typed }, None).await
        }
    }
}
