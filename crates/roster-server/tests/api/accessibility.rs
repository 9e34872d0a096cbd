//! Every page of the admin center in headless Chromium, in English and Dutch, at a laptop's,
//! a tablet's and a phone's width (1,400, 900 and 400 pixels): checked by axe-core (WCAG 2.1
//! A and AA rules) with no serious or critical finding, and no page wider than the window.
//! A screenshot of each is saved under the target directory's
//! `tmp/admin-center-screenshots/<store>/widths/`.
//!
//! axe-core comes from npm (`tests/browser`, installed by `scripts/test`); without it, or
//! without Chromium, the test fails, it is never skipped.

use std::path::PathBuf;

use fantoccini::{Client, Locator};
use roster_testkit::{ADMIN_PASSWORD, ADMIN_UPN, Options, TestApp, spawn_app_with};
use serde_json::{Value, json};

use super::browser::{browser, start_driver, submit_sign_in, whole_page};

const WIDTHS: [u32; 3] = [1400, 900, 400];
const HEIGHT: u32 = 1000;

fn axe_source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}: run `npm ci` in tests/browser (scripts/test does)",
            path.display()
        )
    })
}

/// The objects the pages show, made through the API.
struct Objects {
    user: String,
    group: String,
    dynamic: String,
    contact: String,
    job: String,
    e3: String,
}

async fn objects(app: &TestApp) -> Objects {
    // The demo organisation's Microsoft 365 E3.
    let e3 = app.get("/v1.0/subscribedSkus").await.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|sku| sku["skuPartNumber"] == "SPE_E3")
        .expect("the demo organisation has E3")["skuId"]
        .as_str()
        .unwrap()
        .to_string();
    let user = app
        .create_user(
            "ann",
            json!({ "displayName": "Ann Smit", "usageLocation": "NL", "department": "Sales" }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/v1.0/users/{user}/assignLicense"),
        json!({ "addLicenses": [{ "skuId": e3 }], "removeLicenses": [] }),
    )
    .await;
    let group = app.create_group("Sales team").await;
    app.add_member(&group, &user).await;
    let dynamic = app
        .create_dynamic_group("Everyone in Sales", "user.department -eq \"Sales\"")
        .await;
    let contact = app
        .post(
            "/roster/v1/contacts",
            json!({ "displayName": "Pat Jansen", "mail": "pat@fabrikam.example" }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let job = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [
                { "userPrincipalName": "new1@contoso.example", "displayName": "New 1" },
                { "userPrincipalName": "x@elsewhere.example", "displayName": "X" }
            ], "options": {} }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.drain_jobs().await;
    // A domain still to verify, and its record to create.
    app.post("/roster/v1/domains", json!({ "id": "fabrikam.example" }))
        .await;
    Objects {
        user,
        group,
        dynamic,
        contact,
        job,
        e3,
    }
}

/// The serious and critical findings of axe-core on the page shown, as `rule: what (where)`.
async fn findings(client: &Client, axe: &str) -> Vec<String> {
    let loaded = client
        .execute(&format!("{axe}\n;return typeof axe;"), Vec::new())
        .await
        .expect("axe-core loads");
    assert_eq!(loaded, json!("object"));
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then(result => done(result.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.help + ' (' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ') + ')')))
               .catch(error => done(['axe failed: ' + error]));",
            Vec::new(),
        )
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// If the page is wider than the window (it would scroll sideways): the elements that stick
/// out (the innermost few), to say where.
async fn scrolls_sideways(client: &Client) -> Option<String> {
    let found = client
        .execute(
            "const width = document.documentElement.clientWidth;
             if (document.documentElement.scrollWidth <= width + 1) return null;
             const out = [];
             for (const el of document.querySelectorAll('body *')) {
               const box = el.getBoundingClientRect();
               if (box.right > width + 1 && ![...el.children].some(c => c.getBoundingClientRect().right > width + 1)) {
                 out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' to ' + Math.round(box.right));
                 if (out.length === 3) break;
               }
             }
             return out.join(', ');",
            Vec::new(),
        )
        .await
        .expect("width");
    found.as_str().map(str::to_string)
}

async fn screenshot(client: &Client, dir: &std::path::Path, name: &str, width: u32) {
    whole_page(
        client,
        width,
        HEIGHT,
        8000,
        &dir.join(format!("{name}.png")),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_accessible_and_fits_a_laptop_a_tablet_and_a_phone_in_both_languages() {
    let app = spawn_app_with(Options {
        demo_users: Some(200),
        ..Default::default()
    })
    .await;
    let objects = objects(&app).await;
    let axe = axe_source();
    let backend = std::env::var("ROSTER_TEST_DATABASE").unwrap_or_else(|_| "sqlite".into());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("admin-center-screenshots")
        .join(backend)
        .join("widths");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &profile, "en-US").await;

    let mut problems = Vec::new();
    // Signed out: the sign-in page.
    for width in WIDTHS {
        client.set_window_size(width, HEIGHT).await.unwrap();
        client.goto(&app.url("/signin")).await.unwrap();
        client
            .wait()
            .for_element(Locator::Id("username"))
            .await
            .unwrap();
        for finding in findings(&client, &axe).await {
            problems.push(format!("sign-in at {width}: {finding}"));
        }
        if let Some(wide) = scrolls_sideways(&client).await {
            problems.push(format!(
                "sign-in at {width}: the page scrolls sideways ({wide})"
            ));
        }
        screenshot(&client, &dir, &format!("en-{width}-00-sign-in"), width).await;
    }
    client.set_window_size(1400, HEIGHT).await.unwrap();
    submit_sign_in(&client, &app, ADMIN_UPN, ADMIN_PASSWORD).await;
    client
        .wait()
        .for_element(Locator::Css("main h1"))
        .await
        .unwrap();

    let pages = [
        ("01-home", "/".to_string()),
        ("02-users", "/users".to_string()),
        ("03-user", format!("/users/{}", objects.user)),
        (
            "04-user-found-groups",
            format!("/users/{}?find=s", objects.user),
        ),
        ("05-add-user", "/users/new".to_string()),
        ("06-import", "/users/import".to_string()),
        ("07-deleted", "/deleted".to_string()),
        ("08-groups", "/groups".to_string()),
        ("09-new-group", "/groups/new".to_string()),
        ("10-group", format!("/groups/{}", objects.group)),
        ("11-dynamic-group", format!("/groups/{}", objects.dynamic)),
        (
            "12-delete-group",
            format!("/groups/{}?ask=delete", objects.group),
        ),
        ("13-contacts", "/contacts".to_string()),
        ("14-new-contact", "/contacts/new".to_string()),
        ("15-contact", format!("/contacts/{}", objects.contact)),
        ("16-licenses", "/licenses".to_string()),
        ("17-jobs", "/jobs".to_string()),
        ("18-job", format!("/jobs/{}", objects.job)),
        ("19-roles", "/roles".to_string()),
        ("20-audit", "/audit".to_string()),
        ("21-settings", "/settings".to_string()),
        ("22-domains", "/domains".to_string()),
        (
            "23-remove-domain",
            "/domains?remove=fabrikam.example".to_string(),
        ),
        (
            "24-remove-license",
            format!(
                "/users/{}?ask=remove-license&sku={}",
                objects.user, objects.e3
            ),
        ),
        (
            "25-remove-member",
            format!(
                "/groups/{}?ask=remove-member&member={}",
                objects.group, objects.user
            ),
        ),
        ("26-sign-ins", "/sign-ins".to_string()),
        ("27-device-login", "/devicelogin".to_string()),
    ];
    for language in ["en", "nl"] {
        client
            .goto(&app.url(&format!("/language?to={language}&back=/")))
            .await
            .unwrap();
        for width in WIDTHS {
            client.set_window_size(width, HEIGHT).await.unwrap();
            for (name, path) in &pages {
                client.goto(&app.url(path)).await.unwrap();
                client
                    .wait()
                    .for_element(Locator::Css("main h1"))
                    .await
                    .unwrap();
                let where_ = format!("{path} in {language} at {width} px");
                for finding in findings(&client, &axe).await {
                    problems.push(format!("{where_}: {finding}"));
                }
                if let Some(wide) = scrolls_sideways(&client).await {
                    problems.push(format!("{where_}: the page scrolls sideways ({wide})"));
                }
                screenshot(&client, &dir, &format!("{language}-{width}-{name}"), width).await;
            }
        }
    }
    // A refusal beside its field is announced and tied to it: the settings page with a number
    // out of range.
    client.set_window_size(1400, HEIGHT).await.unwrap();
    client.goto(&app.url("/settings")).await.unwrap();
    let threshold = client
        .find(Locator::Id("s-lockoutThreshold"))
        .await
        .unwrap();
    threshold.clear().await.unwrap();
    threshold.send_keys("500").await.unwrap();
    client
        .find(Locator::Css("#sign-in button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("s-lockoutThreshold-error"))
        .await
        .unwrap();
    let described = client
        .find(Locator::Id("s-lockoutThreshold"))
        .await
        .unwrap()
        .attr("aria-describedby")
        .await
        .unwrap();
    assert_eq!(described.as_deref(), Some("s-lockoutThreshold-error"));
    for finding in findings(&client, &axe).await {
        problems.push(format!("a refused setting: {finding}"));
    }
    screenshot(&client, &dir, "nl-1400-24-settings-refused", 1400).await;

    // On a phone the navigation folds behind the menu button, which opens it.
    client.set_window_size(400, HEIGHT).await.unwrap();
    client.goto(&app.url("/users")).await.unwrap();
    let nav_shown = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .execute(
                    "return getComputedStyle(document.getElementById('navigation')).display !== 'none';",
                    Vec::new(),
                )
                .await
                .unwrap()
                .as_bool()
                .unwrap()
        }
    };
    assert!(!nav_shown(&client).await, "folded on a phone");
    client
        .find(Locator::Css("button.menu"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(nav_shown(&client).await, "the menu button opens it");

    client.close().await.unwrap();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
