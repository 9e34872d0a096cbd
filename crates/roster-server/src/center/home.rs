//! Home: seat usage per subscription as a chart, users without licenses, recent changes and
//! running jobs.

use axum::response::Response;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::{AuditRecord, Subscription};
use roster_store::{Job, JobStatus, UserCounts};

use super::i18n::Lang;
use super::layout::{Nav, failure, page};
use super::session::Session;

struct Home {
    counts: UserCounts,
    subscriptions: Vec<Subscription>,
    recent: Option<Vec<AuditRecord>>,
    jobs: Vec<Job>,
}

/// `GET /`.
pub async fn page_handler(session: Session) -> Response {
    let tenant_id = session.caller.tenant_id;
    let read_audit = session.may(Operation::ReadAuditLog);
    let found = session
        .state()
        .db(move |store| {
            Ok(Home {
                counts: store.user_counts(tenant_id)?,
                subscriptions: store.subscriptions(tenant_id)?,
                recent: if read_audit {
                    Some(store.audit_log(tenant_id, 8)?)
                } else {
                    None
                },
                jobs: store.jobs(tenant_id, 20)?,
            })
        })
        .await;
    let home = match found {
        Ok(home) => home,
        Err(error) => return failure(&session, error),
    };
    let lang = session.lang;
    let content = html! {
        section.cards {
            (card(lang, "home-users-total", home.counts.total, "/users"))
            (card(lang, "home-users-unlicensed", home.counts.without_licenses, "/users?license=none"))
            (card(lang, "home-users-blocked", home.counts.blocked, "/users?status=blocked"))
            (card(lang, "home-users-guests", home.counts.guests, "/users?type=guest"))
        }
        section.panel {
            h2 { (lang.t("home-seats")) }
            @if home.subscriptions.is_empty() {
                p { (lang.t("home-no-subscriptions")) }
            } @else {
                (seat_chart(lang, &home.subscriptions))
            }
        }
        section.panel {
            h2 { (lang.t("home-jobs")) }
            @let running: Vec<&Job> = home.jobs.iter().filter(|job| job.status == JobStatus::Running).collect();
            @if running.is_empty() {
                p { (lang.t("home-no-jobs")) }
            } @else {
                ul.jobs {
                    @for job in running {
                        li {
                            (lang.job_kind(&job.kind)) " · " (job.created_by) " · "
                            (lang.t_with("home-job-progress", &[
                                ("done", lang.number(job.done_rows).into()),
                                ("total", lang.number(job.total_rows).into()),
                            ]))
                            progress max=(job.total_rows.max(1)) value=(job.done_rows) {}
                        }
                    }
                }
            }
        }
        @if let Some(recent) = &home.recent {
            section.panel {
                h2 { (lang.t("home-recent")) " " a href="/audit" { (lang.t("home-recent-all")) } }
                @if recent.is_empty() {
                    p { (lang.t("home-no-changes")) }
                } @else {
                    table {
                        thead { tr {
                            th { (lang.t("audit-when")) } th { (lang.t("audit-actor")) }
                            th { (lang.t("audit-operation")) } th { (lang.t("audit-target")) }
                        } }
                        tbody {
                            @for record in recent {
                                tr {
                                    td { (lang.datetime(record.at)) }
                                    td { (record.actor_name) }
                                    td { (lang.activity(&record.operation)) }
                                    td { (record.target_name.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&session, Nav::Home, &lang.t("home-title"), content)
}

fn card(lang: Lang, label: &str, count: i64, href: &str) -> Markup {
    html! {
        a.card href=(href) {
            span.count { (lang.number(count)) }
            span.label { (lang.t(label)) }
        }
    }
}

/// Seats per subscription as horizontal bars: assigned against bought, drawn on the server.
fn seat_chart(lang: Lang, subscriptions: &[Subscription]) -> Markup {
    const ROW: usize = 36;
    const LABEL: usize = 260;
    const BAR: usize = 360;
    let height = ROW * subscriptions.len() + 8;
    let width = LABEL + BAR + 240;
    let catalog = Catalog::builtin();
    html! {
        svg.chart role="img" viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height)
            aria-label=(lang.t("home-seats")) xmlns="http://www.w3.org/2000/svg" {
            @for (index, subscription) in subscriptions.iter().enumerate() {
                @let y = index * ROW + 4;
                @let enabled = subscription.enabled_units.max(0);
                @let consumed = subscription.consumed_units.clamp(0, enabled.max(0));
                @let filled = if enabled == 0 { 0 } else { (consumed as usize * BAR) / enabled as usize };
                @let name = catalog.by_sku_id(subscription.sku_id.as_uuid()).map_or(subscription.sku_part_number.as_str(), |sku| sku.display_name.as_str());
                g {
                    title { (name) " (" (subscription.sku_part_number) ")" }
                    text x="0" y=(y + 20) class="label" { (truncate(name, 34)) }
                    rect x=(LABEL) y=(y + 6) width=(BAR) height="18" class="seats-free" {}
                    rect x=(LABEL) y=(y + 6) width=(filled) height="18" class="seats-used" {}
                    text x=(LABEL + BAR + 8) y=(y + 20) class="value" {
                        (lang.t_with("home-seats-used", &[
                            ("used", lang.number(subscription.consumed_units).into()),
                            ("total", lang.number(subscription.enabled_units).into()),
                        ]))
                    }
                }
            }
        }
    }
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(chars - 1).collect();
        short.push('…');
        short
    }
}
