//! Home: what needs attention first, then the counts, seat usage per subscription as a chart,
//! and the recent changes grouped.

use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_core::directory::{AuditRecord, Subscription};
use roster_store::{Attention, Job, JobStatus, UserCounts};

use super::i18n::Lang;
use super::layout::{Nav, failure, page};
use super::session::Session;

struct Home {
    counts: UserCounts,
    subscriptions: Vec<Subscription>,
    recent: Option<Vec<AuditRecord>>,
    jobs: Vec<Job>,
    attention: Attention,
}

/// Audit records read for the recent changes, and groups of them shown.
const RECENT_RECORDS: usize = 60;
const RECENT_SHOWN: usize = 8;
/// A finished job's failures stay on the home page this long.
const FAILED_JOB_DAYS: i64 = 7;

/// `GET /`: an administrator's morning. First what needs attention (subscriptions full or
/// nearly, members whose group licenses did not take, failed and running jobs, users locked
/// out), then the counts, the seats, and the recent changes grouped, each group naming whom it
/// was about.
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
                    Some(store.audit_log(tenant_id, RECENT_RECORDS)?)
                } else {
                    None
                },
                jobs: store.jobs(tenant_id, 20)?,
                attention: store.attention(tenant_id, Utc::now())?,
            })
        })
        .await;
    let home = match found {
        Ok(home) => home,
        Err(error) => return failure(&session, error),
    };
    let lang = session.lang;
    let catalog = Catalog::builtin();
    let product = |subscription: &Subscription| {
        catalog
            .by_sku_id(subscription.sku_id.as_uuid())
            .map_or(subscription.sku_part_number.clone(), |sku| {
                sku.display_name.clone()
            })
    };
    // Full, or with at most a twentieth of the seats (and at least one) left.
    let filling: Vec<&Subscription> = home
        .subscriptions
        .iter()
        .filter(|s| {
            s.enabled_units > 0
                && s.enabled_units - s.consumed_units <= (s.enabled_units / 20).max(1)
        })
        .collect();
    let running: Vec<&Job> = home
        .jobs
        .iter()
        .filter(|job| job.status == JobStatus::Running)
        .collect();
    let since = Utc::now() - chrono::Duration::days(FAILED_JOB_DAYS);
    let failed: Vec<&Job> = home
        .jobs
        .iter()
        .filter(|job| {
            job.status != JobStatus::Running && job.failed_rows > 0 && job.created >= since
        })
        .collect();
    let calm = filling.is_empty()
        && running.is_empty()
        && failed.is_empty()
        && home.attention.license_errors.is_empty()
        && home.attention.locked_out.is_empty();
    let content = html! {
        section.panel.attention aria-labelledby="h-attention" {
            h2 id="h-attention" { (lang.t("home-attention")) }
            @if calm { p { (lang.t("home-calm")) } }
            ul.attention {
                @for subscription in &filling {
                    @let left = subscription.enabled_units - subscription.consumed_units;
                    li.warning {
                        a href="/licenses" {
                            (lang.t_with(if left <= 0 { "home-subscription-full" } else { "home-subscription-filling" }, &[
                                ("product", product(subscription).into()),
                                ("left", lang.number(left.max(0)).into()),
                                ("total", lang.number(subscription.enabled_units).into()),
                            ]))
                        }
                    }
                }
                @for (group_id, name, count) in &home.attention.license_errors {
                    li.warning {
                        a href={ "/groups/" (group_id) "#license-errors" } {
                            (lang.t_with("home-license-errors", &[("group", name.clone().into()), ("count", (*count).into()), ("members", lang.number(*count).into())]))
                        }
                    }
                }
                @for job in &failed {
                    li.warning {
                        a href={ "/jobs/" (job.id) "?failed=1#rows" } {
                            (lang.t_with("home-job-failed", &[
                                ("kind", lang.job_kind(&job.kind).into()),
                                ("who", job.created_by.clone().into()),
                                ("failed", lang.number(job.failed_rows).into()),
                                ("total", lang.number(job.total_rows).into()),
                            ]))
                        }
                    }
                }
                @for job in &running {
                    li {
                        a href={ "/jobs/" (job.id) } { (lang.job_kind(&job.kind)) } " · " (job.created_by) " · "
                        (lang.t_with("home-job-progress", &[
                            ("done", lang.number(job.done_rows).into()),
                            ("total", lang.number(job.total_rows).into()),
                        ]))
                        " " progress max=(job.total_rows.max(1)) value=(job.done_rows) aria-label=(lang.t("jobs-progress")) {}
                    }
                }
                @for (user_id, upn, until) in &home.attention.locked_out {
                    li.warning {
                        a href={ "/users/" (user_id) } {
                            (lang.t_with("home-locked-out", &[("user", upn.clone().into()), ("until", lang.datetime(*until).into())]))
                        }
                    }
                }
            }
        }
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
        @if let Some(recent) = &home.recent {
            section.panel {
                h2 { (lang.t("home-recent")) " " a href="/audit" { (lang.t("home-recent-all")) } }
                @if recent.is_empty() {
                    p { (lang.t("home-no-changes")) }
                } @else {
                    div.scroll tabindex="0" {
                        table {
                            thead { tr {
                                th scope="col" { (lang.t("audit-when")) } th scope="col" { (lang.t("audit-actor")) }
                                th scope="col" { (lang.t("audit-operation")) } th scope="col" { (lang.t("audit-target")) }
                                th scope="col" { (lang.t("home-about")) }
                            } }
                            tbody {
                                @for run in grouped(recent).iter().take(RECENT_SHOWN) {
                                    @let first = run[0];
                                    tr {
                                        td { (lang.datetime(first.at)) }
                                        td { (first.actor_name) }
                                        td {
                                            (lang.activity(&first.operation))
                                            @if run.len() > 1 { " " span.muted { "(" (lang.number(run.len() as i64)) "×)" } }
                                        }
                                        td {
                                            @if run.iter().all(|r| r.target_id == first.target_id) { (first.target_name.as_deref().unwrap_or("")) }
                                        }
                                        td { (about(lang, run)) }
                                    }
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

/// Consecutive records of the same actor and activity, newest first: one row each.
fn grouped(records: &[AuditRecord]) -> Vec<Vec<&AuditRecord>> {
    let mut runs: Vec<Vec<&AuditRecord>> = Vec::new();
    for record in records {
        match runs.last_mut() {
            Some(run)
                if run[0].actor_name == record.actor_name
                    && run[0].operation == record.operation =>
            {
                run.push(record)
            }
            _ => runs.push(vec![record]),
        }
    }
    runs
}

/// Whom a group of records was about: the members or owners they name, else their targets when
/// these differ (the first five, and how many more).
fn about(lang: Lang, run: &[&AuditRecord]) -> String {
    const NAMED: usize = 5;
    let mut names: Vec<String> = run
        .iter()
        .filter_map(|record| {
            let detail = record.after.as_ref().or(record.before.as_ref())?;
            ["member", "owner"]
                .iter()
                .find_map(|key| detail[*key].as_str().map(str::to_string))
        })
        .collect();
    // Members a group's processing added or removed together: how many.
    let gathered: usize = run
        .iter()
        .filter_map(|record| record.after.as_ref().or(record.before.as_ref()))
        .filter_map(|detail| detail["members"].as_array().map(Vec::len))
        .sum();
    if names.is_empty() && gathered > 0 {
        let count = gathered as i64;
        return lang.t_with(
            "home-members",
            &[
                ("count", count.into()),
                ("shown", lang.number(count).into()),
            ],
        );
    }
    if names.is_empty() && run.iter().any(|r| r.target_id != run[0].target_id) {
        names = run.iter().filter_map(|r| r.target_name.clone()).collect();
        names.dedup();
    }
    if names.len() <= NAMED {
        names.join(", ")
    } else {
        let more = (names.len() - NAMED) as i64;
        format!(
            "{} {}",
            names[..NAMED].join(", "),
            lang.t_with(
                "home-and-more",
                &[("count", more.into()), ("shown", lang.number(more).into())]
            )
        )
    }
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
