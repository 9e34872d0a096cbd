//! Add multiple users: upload a CSV file (the Microsoft 365 admin center's template, Entra's
//! bulk-create template or roster's export), see what each row would do without anything
//! written, start the job, follow its progress, and download the results file.
//!
//! The file is read by the same parser as `roster import users` (`roster_csv::new_users`), its
//! rows become the same job rows (`new_users::create_body`), and the dry run and the job are the
//! API's own (`jobs::dry_run`, `jobs::start`): the page adds nothing of its own to what a row
//! means. The checked rows travel to the "start" form as a hidden field, so nothing is kept on
//! the server between the check and the start.

use axum::extract::{Form, Multipart};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use roster_core::access::Operation;
use roster_core::catalog::Catalog;
use roster_csv::new_users::{self, Passwords};
use roster_store::{ListQuery, RowOutcome, SortKey};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::countries;
use super::i18n::Lang;
use super::layout::{Nav, error_page, failure, page};
use super::redirect::see_other;
use super::session::Session;
use crate::bulk::Kind;
use crate::jobs::RowKey;

/// What the form chose for the whole file, as the admin center's wizard offers it.
#[derive(Debug, Default, Clone)]
struct Choices {
    passwords: String,
    force_change: bool,
    usage_location: String,
    license: String,
    group: String,
}

impl Choices {
    fn passwords(&self) -> Passwords {
        if self.passwords == "file" {
            Passwords::FromFile {
                force_change: self.force_change,
            }
        } else {
            Passwords::Generate
        }
    }

    /// The job's options, as `roster import users` sends them.
    fn options(&self) -> Json {
        let mut options = json!({
            "licenses": if self.license.is_empty() { vec![] } else { vec![self.license.clone()] },
            "groups": if self.group.is_empty() { vec![] } else { vec![self.group.clone()] },
        });
        if !self.usage_location.trim().is_empty() {
            options["usageLocation"] = json!(self.usage_location.trim().to_ascii_uppercase());
        }
        options
    }
}

/// The upload form, with a refusal beside its field (`file` or `usageLocation`) and the choices
/// made kept. The file comes last in the form, so that a browser sends the choices before it:
/// an upload too large to read still has them.
async fn form(
    session: &Session,
    choices: &Choices,
    refused: Option<(&'static str, String)>,
) -> Response {
    let error_for = |field: &str| {
        refused
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, message)| message.clone())
    };
    let file_error = error_for("file");
    let location_error = error_for("usageLocation");
    let lang = session.lang;
    let tenant_id = session.caller.tenant_id;
    let found = session
        .state()
        .db(move |store| {
            let groups = store
                .list_groups(
                    tenant_id,
                    &ListQuery {
                        top: 500,
                        order: Some(SortKey {
                            property: "displayName".into(),
                            descending: false,
                        }),
                        ..Default::default()
                    },
                    false,
                )?
                .items;
            Ok((store.subscriptions(tenant_id)?, groups))
        })
        .await;
    let (subscriptions, groups) = match found {
        Ok(found) => found,
        Err(error) => return failure(session, error),
    };
    let catalog = Catalog::builtin();
    let content = html! {
        p { (lang.t("import-intro")) }
        form.wizard method="post" action="/users/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(session.csrf);
            fieldset {
                legend { (lang.t("new-user-password")) }
                label { input type="radio" name="passwords" value="generate" checked[choices.passwords != "file"]; " " (lang.t("import-passwords-generate")) }
                label { input type="radio" name="passwords" value="file" checked[choices.passwords == "file"]; " " (lang.t("import-passwords-file")) }
                label { input type="checkbox" name="forceChange" value="on" checked[choices.force_change]; " " (lang.t("new-user-force-change")) }
            }
            div.field {
                label for="i-location" { (lang.t("import-usage-location")) }
                select id="i-location" name="usageLocation"
                    aria-invalid=[location_error.as_ref().map(|_| "true")] {
                    (countries::options(lang, choices.usage_location.trim(), &lang.t("import-location-from-file")))
                }
                @if let Some(error) = &location_error { p.error role="alert" { (error) } }
            }
            div.field {
                label for="i-license" { (lang.t("import-license")) }
                select id="i-license" name="license" {
                    option value="" { (lang.t("details-none")) }
                    @for subscription in &subscriptions {
                        @let value = subscription.sku_id.to_string();
                        option value=(value) selected[choices.license == value] {
                            (catalog.by_sku_id(subscription.sku_id.as_uuid()).map_or(subscription.sku_part_number.clone(), |s| s.display_name.clone()))
                        }
                    }
                }
            }
            div.field {
                label for="i-group" { (lang.t("import-group")) }
                select id="i-group" name="group" {
                    option value="" { (lang.t("details-none")) }
                    // Members of a dynamic group follow its rule: none can be added by hand.
                    @for group in groups.iter().filter(|group| !group.is_dynamic()) { option value=(group.id) selected[choices.group == group.id.to_string()] { (group.display_name) } }
                }
            }
            div.field {
                label for="i-file" { (lang.t("import-file")) }
                input id="i-file" name="file" type="file" accept=".csv,text/csv" required
                    aria-invalid=[file_error.as_ref().map(|_| "true")];
                @if let Some(error) = &file_error { p.error role="alert" { (error) } }
            }
            div.buttons { button type="submit" { (lang.t("import-check")) } }
        }
    };
    let mut response = page(session, Nav::Users, &lang.t("import-title"), content);
    if refused.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// `GET /users/import`.
pub async fn start_page(session: Session) -> Response {
    if !session.may(Operation::CreateUser) {
        return error_page(
            &session,
            StatusCode::FORBIDDEN,
            &session.lang.t("error-forbidden"),
        );
    }
    form(
        &session,
        &Choices {
            passwords: "generate".into(),
            force_change: true,
            ..Default::default()
        },
        None,
    )
    .await
}

/// The upload's fields: the choices into `choices` (read before the file, which the form sends
/// last), the CSRF token and the file. An upload that cannot be read (too large, the connection
/// cut, a malformed form) is its status and what to say beside the file field.
async fn read_upload(
    multipart: &mut Multipart,
    lang: Lang,
    choices: &mut Choices,
) -> Result<(String, Option<Vec<u8>>), (StatusCode, String)> {
    let not_read = || (StatusCode::BAD_REQUEST, lang.t("import-not-read"));
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(|_| not_read())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            match field.bytes().await {
                Ok(bytes) => file = Some(bytes.to_vec()),
                // Larger than the server takes in one request.
                Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    let size = lang.number((crate::config::BODY_LIMIT / (1024 * 1024)) as i64);
                    let message = lang.t_with("import-too-large", &[("size", size.into())]);
                    return Err((StatusCode::PAYLOAD_TOO_LARGE, message));
                }
                Err(_) => return Err(not_read()),
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => csrf = value,
            "passwords" => choices.passwords = value,
            "forceChange" => choices.force_change = value == "on",
            "usageLocation" => choices.usage_location = value,
            "license" => choices.license = value,
            "group" => choices.group = value,
            _ => {}
        }
    }
    Ok((csrf, file))
}

/// `POST /users/import`: reads the file and shows, row by row, what the job would do. The file
/// is at most the server's body limit outside bulk jobs (`crate::config::BODY_LIMIT`): about 20,000
/// rows of the admin center's template. Larger files go through the CLI
/// (`roster import users`), whose jobs take up to 256 MiB.
pub async fn check(session: Session, mut multipart: Multipart) -> Response {
    let lang = session.lang;
    let mut choices = Choices::default();
    let (csrf, file) = match read_upload(&mut multipart, lang, &mut choices).await {
        Ok(read) => read,
        Err((status, message)) => {
            let mut response = form(&session, &choices, Some(("file", message))).await;
            *response.status_mut() = status;
            return response;
        }
    };
    if let Err(error) = session.check_csrf(&csrf) {
        return failure(&session, error);
    }
    if !session.may(Operation::CreateUser) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    let Some(bytes) = file.filter(|bytes| !bytes.is_empty()) else {
        return form(&session, &choices, Some(("file", lang.t("import-no-file")))).await;
    };
    let parsed = match new_users::parse(&bytes) {
        Ok(parsed) => parsed,
        Err(error) => {
            let message =
                super::csv_text::located(lang, error.row, error.column.as_deref(), &error.problem);
            return form(&session, &choices, Some(("file", message))).await;
        }
    };
    let mut refused = Vec::new();
    let mut rows = Vec::new();
    let mut numbers = Vec::new();
    for row in &parsed.rows {
        match row {
            Ok(row) => {
                numbers.push(row.row);
                rows.push(new_users::create_body(row, choices.passwords()));
            }
            Err(error) => refused.push(error.clone()),
        }
    }
    let outcomes = match crate::jobs::dry_run(
        session.state(),
        &session.caller,
        Kind::CreateUsers,
        rows,
        choices.options(),
    )
    .await
    {
        Ok(outcomes) => outcomes,
        Err(error) if error.status.is_client_error() => {
            let field = match error.named_property() {
                Some("usageLocation") => "usageLocation",
                _ => "file",
            };
            return form(
                &session,
                &choices,
                Some((field, super::wording::message(&session, error))),
            )
            .await;
        }
        Err(error) => return failure(&session, error),
    };
    // Only the rows that would add a user go to the job: the check has said what the others
    // would do, and "Add 14 users" starts a job of 14 rows.
    let adding: Vec<&str> = outcomes
        .iter()
        .filter(|(_, outcome)| matches!(outcome, RowOutcome::Succeeded { .. }))
        .map(|(row, _)| row.get())
        .collect();
    let would = adding.len();
    let rows_json = format!("[{}]", adding.join(","));
    let failing = outcomes.len() - would + refused.len();
    // A job row names a property; the file's header for it is what the administrator knows.
    // A property no column of the file holds (the licenses and groups chosen on the form) is
    // not named at all: the refusal says what it is about.
    let file_column = |property: &str| {
        parsed
            .columns
            .iter()
            .find(|column| {
                column
                    .field
                    .is_some_and(|field| field.graph_name() == property)
            })
            .map(|column| column.name.clone())
    };
    let content = html! {
        p role="status" {
            (lang.t_with("import-summary", &[
                ("template", super::csv_text::template(lang, parsed.template).into()),
                ("count", (would as i64).into()),
                ("would", lang.number(would as i64).into()),
                ("failing-count", (failing as i64).into()),
                ("failing", lang.number(failing as i64).into()),
            ]))
        }
        @if would > 0 {
            form method="post" action="/users/import/start" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="rows" value=(rows_json);
                input type="hidden" name="options" value=(choices.options().to_string());
                div.buttons {
                    button type="submit" { (lang.t_with("import-start", &[("count", (would as i64).into()), ("shown", lang.number(would as i64).into())])) }
                    a href="/users/import" { (lang.t("import-another")) }
                }
            }
        } @else {
            p { a href="/users/import" { (lang.t("import-another")) } }
        }
        div.scroll tabindex="0" { table.outcomes {
            thead { tr { th { (lang.t("import-row")) } th { (lang.t("action-user")) } th { (lang.t("action-outcome")) } } }
            tbody {
                @for error in &refused {
                    tr {
                        td { (error.row) }
                        td { (error.user_principal_name.as_deref().unwrap_or("")) }
                        td.error {
                            @if let Some(column) = &error.column { (lang.t_with("import-column", &[("column", column.clone().into())])) " " }
                            (super::csv_text::problem(lang, &error.problem))
                        }
                    }
                }
                @for (number, (row, outcome)) in numbers.iter().zip(&outcomes) {
                    tr {
                        td { (number) }
                        td { (RowKey::of(row.get()).as_str().unwrap_or("")) }
                        @match outcome {
                            RowOutcome::Succeeded { .. } => td { (lang.t("import-would-create")) },
                            RowOutcome::Unchanged { .. } => td { (lang.t("import-unchanged")) },
                            RowOutcome::Failed { column, message, reason } => td.error {
                                @if let Some(column) = column.as_deref().and_then(file_column) { (lang.t_with("import-column", &[("column", column.into())])) " " }
                                @match reason {
                                    Some(reason) => (super::wording::reason(lang, reason)),
                                    None => (message),
                                }
                            },
                        }
                    }
                }
            }
        } }
    };
    page(&session, Nav::Users, &lang.t("import-check-title"), content)
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rows: String,
    #[serde(default)]
    options: String,
}

/// `POST /users/import/start`: submits the checked rows as a job and follows it.
pub async fn start(session: Session, Form(form): Form<StartForm>) -> Response {
    let lang = session.lang;
    if let Err(error) = session.check_csrf(&form.csrf) {
        return failure(&session, error);
    }
    let (Ok(rows), Ok(options)) = (
        serde_json::from_str::<Vec<Box<serde_json::value::RawValue>>>(&form.rows),
        serde_json::from_str::<Json>(&form.options),
    ) else {
        return error_page(&session, StatusCode::BAD_REQUEST, &lang.t("import-no-file"));
    };
    if !session.may(Operation::CreateUser) {
        return error_page(&session, StatusCode::FORBIDDEN, &lang.t("error-forbidden"));
    }
    match crate::jobs::start(
        session.state(),
        &session.caller,
        Kind::CreateUsers,
        rows,
        options,
    )
    .await
    {
        Ok(job) => see_other(&format!("/jobs/{}", job.id)),
        Err(error) => failure(&session, error),
    }
}
