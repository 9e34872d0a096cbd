//! The admin center in a real headless Chromium (driven through chromedriver by fantoccini),
//! against a real server with a demo organisation of thousands of users. Every page is saved
//! as a screenshot in both languages, for a reviewer to look at, under the target directory's
//! `tmp/admin-center-screenshots/`.
//!
//! Chromium and chromedriver must be installed (`.ci/run` installs them); without them the test
//! fails, it is never skipped.
//!
//! Past 800 lines on purpose: one Chromium session walks the pages in order, each step building on
//! the page the last one left; split, every file would start the browser and sign in again.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use roster_testkit::{ADMIN_PASSWORD, ADMIN_UPN, DOMAIN, Options, TestApp, spawn_app_with};
use serde_json::json;

use super::center::user_with_role;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, stopped when dropped.
pub(super) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(super) async fn start_driver() -> Driver {
    for path in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
        );
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let began = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            began.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    driver
}

pub(super) async fn browser(
    driver: &Driver,
    profile: &tempfile::TempDir,
    language: &str,
) -> Client {
    browser_with(driver, profile, language, &[]).await
}

/// [`browser`], with more of Chromium's command-line switches.
pub(super) async fn browser_with(
    driver: &Driver,
    profile: &tempfile::TempDir,
    language: &str,
    switches: &[&str],
) -> Client {
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}"),
        format!("--user-data-dir={}", profile.path().display()),
        format!("--lang={language}"),
    ];
    args.extend(switches.iter().map(|switch| switch.to_string()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": args,
            "prefs": { "intl.accept_languages": language },
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("chromium starts under chromedriver");
    // Elements are looked for until they appear (a page that follows a click may still be on
    // its way on a busy machine); no step looks for an element that must be absent.
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            None,
            None,
            Some(Duration::from_secs(10)),
        ))
        .await
        .expect("timeouts");
    client
}

/// The browser window, as `--window-size` starts it.
const WINDOW_WIDTH: u32 = 1400;
const WINDOW_HEIGHT: u32 = 1800;

struct Screenshots {
    dir: PathBuf,
}

impl Screenshots {
    fn new() -> Screenshots {
        let backend = std::env::var("ROSTER_TEST_DATABASE").unwrap_or_else(|_| "sqlite".into());
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("admin-center-screenshots")
            .join(backend);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        Screenshots { dir }
    }

    async fn save(&self, client: &Client, name: &str) {
        whole_page(
            client,
            WINDOW_WIDTH,
            WINDOW_HEIGHT,
            12_000,
            &self.dir.join(format!("{name}.png")),
        )
        .await;
    }
}

/// Saves the whole page, not only the window's part, as a PNG at `path`: the window (`width` by
/// `height`) is made as tall as the page, up to `most` (a headless window may exceed the
/// screen), for the screenshot, then set back.
pub(super) async fn whole_page(
    client: &Client,
    width: u32,
    height: u32,
    most: u32,
    path: &std::path::Path,
) {
    // The page's height, plus what of the window is not page (headless Chromium keeps some).
    let page_height = client
        .execute(
            "return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0) + window.outerHeight - window.innerHeight;",
            Vec::new(),
        )
        .await
        .expect("page height")
        .as_u64()
        .unwrap_or(height as u64) as u32;
    let tall = page_height.clamp(height, most);
    if tall > height {
        client
            .set_window_size(width, tall)
            .await
            .expect("window size");
    }
    let png = client.screenshot().await.expect("screenshot");
    if tall > height {
        client
            .set_window_size(width, height)
            .await
            .expect("window size");
    }
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(path, png).expect("write screenshot");
}

pub(super) async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until an element's text is as `done` wants it: after a click, the page navigated
/// from may still show an element of the same kind for a moment.
pub(super) async fn wait_for_text(
    client: &Client,
    css: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if done(&text) {
                return text;
            }
            last = text;
        }
        assert!(Instant::now() < deadline, "{css} still reads {last:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types into the fields of a form and submits it with its button.
pub(super) async fn fill_and_submit(client: &Client, fields: &[(&str, &str)], button: &str) {
    for (id, value) in fields {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    client
        .find(Locator::Css(button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// An account that must change its password signs in: the form that asks for a new one,
/// saved as a screenshot, then filled in; the account is then signed in.
async fn sign_in_changing_password(
    client: &Client,
    app: &TestApp,
    shots: &Screenshots,
    (username, password, new_password): (&str, &str, &str),
    (shot, title): (&str, &str),
) {
    submit_sign_in(client, app, username, password).await;
    client
        .wait()
        .for_element(Locator::Id("new_password"))
        .await
        .unwrap();
    assert_eq!(text(client, "main h1").await, title);
    shots.save(client, shot).await;
    fill_and_submit(
        client,
        &[
            ("password", password),
            ("new_password", new_password),
            ("confirm", new_password),
        ],
        "main.signin button[type=submit]",
    )
    .await;
    client
        .wait()
        .for_element(Locator::Css("header.top"))
        .await
        .expect("signed in with the new password");
}

pub(super) async fn submit_sign_in(client: &Client, app: &TestApp, username: &str, password: &str) {
    client.goto(&app.url("/")).await.expect("goto");
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/signin"),
        "sent to sign in"
    );
    fill_and_submit(
        client,
        &[("username", username), ("password", password)],
        "main.signin button[type=submit]",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_works_through_the_admin_center_in_chromium() {
    let app = spawn_app_with(Options {
        demo_users: Some(3000),
        // Jobs run in the background, as deployed: the import's page follows one.
        background_jobs: true,
        ..Default::default()
    })
    .await;
    let shots = Screenshots::new();
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &profile, "en-US").await;

    // Sign in (a wrong password first: the reason beside the form, the name kept).
    client.goto(&app.url("/")).await.unwrap();
    shots.save(&client, "en-01-sign-in").await;
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(ADMIN_UPN)
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("wrong")
        .await
        .unwrap();
    client
        .find(Locator::Css("main.signin button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text(&client, "#signin-error").await,
        "Your account or password is incorrect."
    );
    assert_eq!(
        client
            .find(Locator::Id("username"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(ADMIN_UPN)
    );
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(ADMIN_PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("main.signin button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.cards"))
        .await
        .unwrap();
    assert_eq!(text(&client, "main h1").await, "Home");
    assert!(
        text(&client, "section.cards").await.contains("3,001"),
        "the demo's users and the administrator"
    );
    // The demo leaves two seats of Power BI Pro free.
    let power_bi = app.get("/v1.0/subscribedSkus").await.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|sku| sku["skuPartNumber"] == "POWER_BI_PRO")
        .unwrap()
        .clone();
    let (used, bought) = (
        power_bi["consumedUnits"].as_i64().unwrap(),
        power_bi["prepaidUnits"]["enabled"].as_i64().unwrap(),
    );
    let power_bi = power_bi["skuId"].as_str().unwrap().to_string();
    let chart = text(&client, "svg.chart").await;
    assert!(
        chart.contains(&format!("{used} of {bought} assigned")),
        "{chart}"
    );
    shots.save(&client, "en-02-home").await;

    // Find one user among thousands by a part of its name.
    let target = app
        .get("/v1.0/users?$top=1&$filter=department eq 'Legal'&$orderby=displayName")
        .await
        .body["value"][0]
        .clone();
    let upn = target["userPrincipalName"].as_str().unwrap().to_string();
    client
        .find(Locator::LinkText("Active users"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.users"))
        .await
        .unwrap();
    assert!(text(&client, "p.count").await.contains("3,001 users"));
    shots.save(&client, "en-03-active-users").await;
    // Numbered pages: the last one is a click away.
    client
        .find(Locator::Css("nav.pages a[aria-label='Page 31 of 31']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "nav.pages [aria-current=page]", |page| {
        page == "31"
    })
    .await;
    assert_eq!(
        client
            .find_all(Locator::Css("table.users tbody tr"))
            .await
            .unwrap()
            .len(),
        1,
        "3,001 users: one on the 31st page"
    );
    let search = client.find(Locator::Css("input[name=q]")).await.unwrap();
    search.send_keys(&upn).await.unwrap();
    client
        .find(Locator::Css("form.filters button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The list page has a count before the search too: wait for the new one.
    wait_for_text(&client, "p.count", |count| count == "1 user").await;
    assert!(text(&client, "table.users tbody").await.contains(&upn));
    shots.save(&client, "en-04-search").await;

    // Assign a license to the selected user, and see the seat count change.
    client
        .find(Locator::Css("table.users tbody input[name=id]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("select[name=action]"))
        .await
        .unwrap()
        .select_by_value("assign-license")
        .await
        .unwrap();
    // The bar shows the license field the action needs, not the group's.
    let hidden = |selector: &'static str| {
        let client = client.clone();
        async move {
            client
                .execute(
                    &format!("return document.querySelector(\"{selector}\").hidden;"),
                    Vec::new(),
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(
        hidden("div.bulk label[data-for='add-to-group']").await,
        json!(true)
    );
    assert_eq!(
        hidden("div.bulk label[data-for='assign-license remove-license']").await,
        json!(false)
    );
    client
        .find(Locator::Css("select[name=sku]"))
        .await
        .unwrap()
        .select_by_value(&power_bi)
        .await
        .unwrap();
    client
        .find(Locator::Css("div.bulk button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.outcomes"))
        .await
        .unwrap();
    assert_eq!(
        text(&client, "main p[role=status]").await,
        "1 done, 0 failed."
    );
    shots.save(&client, "en-05-action-result").await;
    client
        .find(Locator::LinkText("Home"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("svg.chart"))
        .await
        .unwrap();
    assert!(
        text(&client, "svg.chart")
            .await
            .contains(&format!("{} of {bought} assigned", used + 1))
    );

    // The user's details: licenses with their apps, groups; reset its password.
    client
        .goto(&app.url(&format!("/users?q={upn}")))
        .await
        .unwrap();
    client
        .find(Locator::Css("table.users tbody a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section#licenses"))
        .await
        .unwrap();
    let licenses = text(&client, "section#licenses").await;
    assert!(licenses.contains("Power BI Pro"), "{licenses}");
    shots.save(&client, "en-06-user-details").await;
    client
        .find(Locator::XPath("//button[text()='Reset password']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("code.password"))
        .await
        .unwrap();
    let password = text(&client, "code.password").await;
    assert!(password.len() >= 16, "{password}");

    // The audit log shows the license change, searchable by its target.
    client
        .find(Locator::LinkText("Audit log"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name=target]"))
        .await
        .unwrap()
        .send_keys(&upn)
        .await
        .unwrap();
    client
        .find(Locator::Css("form.filters button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.audit"))
        .await
        .unwrap();
    let audit = text(&client, "table.audit tbody").await;
    assert!(audit.contains("Change user license"), "{audit}");
    shots.save(&client, "en-07-audit-log").await;

    // Licenses: the seat taken shows there too.
    client
        .find(Locator::LinkText("Licenses"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.subscription"))
        .await
        .unwrap();
    let licenses = text(&client, "main").await;
    assert!(licenses.contains("Power BI Pro"), "{licenses}");
    shots.save(&client, "en-09-licenses").await;
    client
        .find(Locator::LinkText("Roles"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.role"))
        .await
        .unwrap();
    assert!(text(&client, "main").await.contains(ADMIN_UPN));
    shots.save(&client, "en-11-roles").await;

    // Add a user through the wizard, with a license.
    client
        .find(Locator::LinkText("Active users"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::LinkText("Add a user"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("form.wizard"))
        .await
        .unwrap();
    // The display name follows the first and last name; the user name is checked as it is typed.
    for (field, value) in [
        ("f-givenName", "Grace"),
        ("f-surname", "Hopper"),
        ("f-alias", "grace.hopper"),
    ] {
        client
            .find(Locator::Id(field))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    assert_eq!(
        client
            .find(Locator::Id("f-displayName"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Grace Hopper")
    );
    wait_for_text(&client, "#f-alias-status", |status| {
        status == "This user name is free."
    })
    .await;
    shots.save(&client, "en-12-add-user").await;
    client
        .find(Locator::Css("div.buttons button[value='2']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("f-usageLocation"))
        .await
        .unwrap();
    // Chosen by the country's name from the list.
    let location = client.find(Locator::Id("f-usageLocation")).await.unwrap();
    location.select_by_label("Netherlands").await.unwrap();
    let standard = app.get("/v1.0/subscribedSkus").await.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|sku| sku["skuPartNumber"] == "O365_BUSINESS_PREMIUM")
        .unwrap()["skuId"]
        .as_str()
        .unwrap()
        .to_string();
    client
        .find(Locator::Css(&format!(
            "input[name=sku][value='{standard}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shots.save(&client, "en-13-add-user-licenses").await;
    client
        .find(Locator::Css("div.buttons button[value='3']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Groups, found as the name is typed.
    client
        .find(Locator::Id("f-groupFind"))
        .await
        .unwrap()
        .send_keys("Engineer")
        .await
        .unwrap();
    wait_for_text(&client, "#found-groups", |found| {
        found.contains("Engineering")
    })
    .await;
    client
        .find(Locator::Css("#found-groups input[name=group]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shots.save(&client, "en-13b-add-user-groups").await;
    client
        .find(Locator::Css("div.buttons button[value='4']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("f-department"))
        .await
        .unwrap();
    client
        .find(Locator::Id("f-department"))
        .await
        .unwrap()
        .send_keys("Research")
        .await
        .unwrap();
    client
        .find(Locator::Css("div.buttons button[value='5']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("div.buttons button[value=create]"))
        .await
        .unwrap();
    shots.save(&client, "en-14-add-user-finish").await;
    client
        .find(Locator::Css("div.buttons button[value=create]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("code.password"))
        .await
        .unwrap();
    assert!(
        text(&client, "main p[role=status]")
            .await
            .contains("grace.hopper@contoso.example has been added.")
    );
    assert!(text(&client, "code.password").await.len() >= 16);
    let grace = app
        .get("/v1.0/users/grace.hopper@contoso.example?$select=department,assignedLicenses")
        .await
        .body;
    assert_eq!(grace["department"], "Research");
    assert_eq!(grace["assignedLicenses"][0]["skuId"], standard.as_str());
    let groups = app
        .get("/v1.0/users/grace.hopper@contoso.example/memberOf")
        .await
        .body;
    assert_eq!(
        groups["value"][0]["displayName"], "Engineering team",
        "{groups}"
    );
    // The new user's page: a section saved on its own says what changed; a group found as its
    // name is typed, and added.
    client
        .find(Locator::LinkText("Open the user"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let title = client.find(Locator::Id("p-jobTitle")).await.unwrap();
    title.send_keys("Rear admiral").await.unwrap();
    client
        .find(Locator::Css("#account form.section button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.starts_with("Saved")).await,
        "Saved: Job title."
    );
    client
        .find(Locator::Id("f-find"))
        .await
        .unwrap()
        .send_keys("Sales")
        .await
        .unwrap();
    wait_for_text(&client, "#found-groups", |found| {
        found.contains("Add to Sales team")
    })
    .await;
    shots.save(&client, "en-14b-user-page").await;
    client
        .find(Locator::Css("#found-groups button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.contains("Group")).await,
        "Saved: Group memberships."
    );
    let groups = app
        .get("/v1.0/users/grace.hopper@contoso.example/memberOf")
        .await
        .body;
    assert_eq!(groups["value"].as_array().unwrap().len(), 2, "{groups}");
    // Email aliases, one per line in Contact information.
    let aliases = client.find(Locator::Id("p-proxyAddresses")).await.unwrap();
    aliases
        .send_keys(&format!("grace@{DOMAIN}\namazing.grace@{DOMAIN}"))
        .await
        .unwrap();
    client
        .find(Locator::Css("#contact form.section button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.contains("alias")).await,
        "Saved: Email aliases."
    );
    let user = app
        .get("/v1.0/users/grace.hopper@contoso.example?$select=proxyAddresses,assignedLicenses")
        .await
        .body;
    assert_eq!(
        user["proxyAddresses"].as_array().unwrap().len(),
        2,
        "{user}"
    );
    // Leaving a group asks first, on the page, and names what it takes away.
    client
        .find(Locator::Css("a[aria-label='Remove from Sales team']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let asked = wait_for_text(&client, "#confirm", |t| t.contains("Sales team")).await;
    assert!(
        asked.contains("Remove Grace Hopper from Sales team?"),
        "{asked}"
    );
    shots.save(&client, "en-14c-user-leaves-group").await;
    client
        .find(Locator::Css("#confirm button.danger"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        wait_for_text(&client, "main p.success", |t| t.contains("Group")).await,
        "Saved: Group memberships."
    );
    // So does removing a license; cancelled, nothing is removed.
    client
        .find(Locator::LinkText("Remove license"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let asked = wait_for_text(&client, "#confirm", |t| t.contains("Remove")).await;
    assert!(asked.contains("a seat is freed"), "{asked}");
    client
        .find(Locator::Css("#confirm a.secondary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.find(Locator::Id("p-jobTitle")).await.unwrap();
    let user = app
        .get("/v1.0/users/grace.hopper@contoso.example?$select=assignedLicenses")
        .await
        .body;
    assert_eq!(
        user["assignedLicenses"].as_array().unwrap().len(),
        1,
        "{user}"
    );
    let groups = app
        .get("/v1.0/users/grace.hopper@contoso.example/memberOf")
        .await
        .body;
    assert_eq!(groups["value"].as_array().unwrap().len(), 1, "{groups}");

    // A dynamic group from a rule: the editor checks the rule as it is typed.
    client
        .find(Locator::LinkText("Groups"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.groups"))
        .await
        .unwrap();
    shots.save(&client, "en-15-groups").await;
    client
        .find(Locator::LinkText("Add a group"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("g-rule"))
        .await
        .unwrap();
    client
        .find(Locator::Id("g-name"))
        .await
        .unwrap()
        .send_keys("Legal in the Netherlands")
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name=membership][value=dynamic]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let editor = client.find(Locator::Id("g-rule")).await.unwrap();
    editor
        .send_keys("(user.department -eq \"Legal\") -and (user.country -eq")
        .await
        .unwrap();
    let began = Instant::now();
    while !text(&client, "#g-rule-status").await.contains("position") {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "the editor shows the rule's mistake"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    editor.send_keys(" \"Netherlands\")").await.unwrap();
    let began = Instant::now();
    while text(&client, "#g-rule-status").await != "The rule is valid." {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "the editor accepts the finished rule"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
        .find(Locator::Css("div.buttons button[value=preview]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.preview"))
        .await
        .unwrap();
    let matched = text(&client, "section.preview p.matched").await;
    assert!(matched.starts_with("The rule takes in "), "{matched}");
    shots.save(&client, "en-16-group-new").await;
    client
        .find(Locator::Css("div.buttons button[value=create]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.panel"))
        .await
        .unwrap();
    assert_eq!(text(&client, "main h1").await, "Legal in the Netherlands");
    let url = client.current_url().await.unwrap();
    let group_page = url.path().to_string();
    let group_id = url.path().trim_start_matches("/groups/");
    let expected = app
        .get("/v1.0/users?$filter=department eq 'Legal' and country eq 'Netherlands'&$top=999")
        .await
        .body["value"]
        .as_array()
        .unwrap()
        .len();
    // The background worker works the group out; wait until it has, then look again.
    let began = Instant::now();
    loop {
        let members = app
            .get(&format!("/v1.0/groups/{group_id}/members?$top=999"))
            .await
            .body["value"]
            .as_array()
            .unwrap()
            .len();
        if expected > 0 && members == expected {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "{members} members, {expected} users match"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    client.refresh().await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.panel"))
        .await
        .unwrap();
    assert!(
        text(&client, "main")
            .await
            .contains(&format!("Members ({expected})"))
    );
    shots.save(&client, "en-17-group").await;

    // Import a CSV file: check it row by row, start the job, watch it finish.
    let csv_dir = tempfile::tempdir().unwrap();
    let csv_path = csv_dir.path().join("new-starters.csv");
    let mut csv_text = String::from(
        "User Name,First Name,Last Name,Display Name,Job Title,Department,Office Number,Office Phone,Mobile Phone,Fax,Alternate email address,Address,City,State or Province,ZIP or Postal Code,Country or Region\r\n",
    );
    for index in 0..40 {
        csv_text.push_str(&format!(
            "starter{index}@contoso.example,Starter,{index},Starter {index},,Support,,,,,,,,,,\r\n"
        ));
    }
    csv_text.push_str("broken@elsewhere.example,Bro,Ken,Broken,,,,,,,,,,,,\r\n");
    std::fs::write(&csv_path, csv_text).unwrap();
    client
        .find(Locator::LinkText("Active users"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::LinkText("Add multiple users"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("i-file"))
        .await
        .unwrap();
    client
        .find(Locator::Id("i-file"))
        .await
        .unwrap()
        .send_keys(csv_path.to_str().unwrap())
        .await
        .unwrap();
    client
        .find(Locator::Id("i-location"))
        .await
        .unwrap()
        .select_by_value("NL")
        .await
        .unwrap();
    shots.save(&client, "en-18-import").await;
    client
        .find(Locator::Css("form.wizard button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.outcomes"))
        .await
        .unwrap();
    let summary = text(&client, "main p[role=status]").await;
    assert!(
        summary.contains("40 users would be added, 1 row would not."),
        "{summary}"
    );
    shots.save(&client, "en-19-import-check").await;
    client
        .find(Locator::Css("form[action='/users/import/start'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let began = Instant::now();
    loop {
        let status = match client.find(Locator::Css("main p[role=status]")).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if status.starts_with("Finished:") {
            assert!(
                // The row the check refused was reported, not sent.
                status.contains("40 of 40 rows") && !status.contains("failed"),
                "{status}"
            );
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "the job finishes: {status}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    shots.save(&client, "en-20-import-job").await;
    assert_eq!(
        app.get("/v1.0/users/starter39@contoso.example?$select=usageLocation")
            .await
            .body["usageLocation"],
        "NL"
    );

    // Restore a deleted user from the recycle bin.
    let deleted = app
        .get("/v1.0/users?$top=1&$filter=department eq 'Sales'")
        .await
        .body["value"][0]
        .clone();
    let deleted_id = deleted["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.delete(&format!("/v1.0/users/{deleted_id}"))
            .await
            .status,
        reqwest::StatusCode::NO_CONTENT
    );
    client
        .find(Locator::LinkText("Deleted users"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.users"))
        .await
        .unwrap();
    shots.save(&client, "en-10-deleted-users").await;
    client
        .find(Locator::Css(&format!(
            "input[name=id][value='{deleted_id}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("button[value=restore]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.outcomes"))
        .await
        .unwrap();
    assert_eq!(
        text(&client, "main p[role=status]").await,
        "1 done, 0 failed."
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/{deleted_id}")).await.status,
        reqwest::StatusCode::OK
    );
    client
        .find(Locator::LinkText("Audit log"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.audit"))
        .await
        .unwrap();

    // Switch to Dutch: every page again, in Dutch.
    client
        .find(Locator::Css("header.top a.lang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("html[lang=nl]"))
        .await
        .unwrap();
    assert_eq!(text(&client, "main h1").await, "Auditlogboek");
    shots.save(&client, "nl-07-audit-log").await;
    client
        .find(Locator::LinkText("Start"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("svg.chart"))
        .await
        .unwrap();
    assert!(
        text(&client, "svg.chart")
            .await
            .contains(&format!("{} van {bought} toegewezen", used + 1))
    );
    assert!(
        text(&client, "section.cards").await.contains("3.042"),
        "Dutch thousands"
    );
    shots.save(&client, "nl-02-home").await;
    client
        .find(Locator::LinkText("Actieve gebruikers"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.users"))
        .await
        .unwrap();
    assert!(text(&client, "p.count").await.contains("3.042 gebruikers"));
    shots.save(&client, "nl-03-active-users").await;
    client
        .goto(&app.url(&format!("/users?q={upn}")))
        .await
        .unwrap();
    shots.save(&client, "nl-04-search").await;
    client
        .find(Locator::Css("table.users tbody a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section#licenses"))
        .await
        .unwrap();
    assert!(
        text(&client, "nav.tabs")
            .await
            .contains("Licenties en apps")
    );
    shots.save(&client, "nl-06-user-details").await;
    client
        .find(Locator::XPath("//button[text()='Aanmelden blokkeren']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.outcomes"))
        .await
        .unwrap();
    assert_eq!(
        text(&client, "main p[role=status]").await,
        "1 gelukt, 0 mislukt."
    );
    shots.save(&client, "nl-05-action-result").await;
    client
        .find(Locator::LinkText("Licenties"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.subscription"))
        .await
        .unwrap();
    assert!(text(&client, "main").await.contains("Gekocht"));
    shots.save(&client, "nl-09-licenses").await;
    client
        .find(Locator::LinkText("Verwijderde gebruikers"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.users"))
        .await
        .unwrap();
    shots.save(&client, "nl-10-deleted-users").await;
    client
        .find(Locator::LinkText("Rollen"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.role"))
        .await
        .unwrap();
    assert!(text(&client, "main").await.contains("Globale beheerder"));
    shots.save(&client, "nl-11-roles").await;
    client.goto(&app.url("/users/new")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("form.wizard"))
        .await
        .unwrap();
    assert!(text(&client, "ol.steps").await.contains("Basisgegevens"));
    shots.save(&client, "nl-12-add-user").await;
    client.goto(&app.url("/groups")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.groups"))
        .await
        .unwrap();
    assert!(text(&client, "main").await.contains("Groepstype"));
    shots.save(&client, "nl-15-groups").await;
    client.goto(&app.url("/groups/new")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("textarea[name=rule]"))
        .await
        .unwrap();
    shots.save(&client, "nl-16-group-new").await;
    client.goto(&app.url(&group_page)).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.panel"))
        .await
        .unwrap();
    assert!(text(&client, "main").await.contains("Leden"));
    shots.save(&client, "nl-17-group").await;
    client.goto(&app.url("/users/import")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Id("i-file"))
        .await
        .unwrap();
    shots.save(&client, "nl-18-import").await;
    assert_eq!(
        app.get(&format!("/v1.0/users/{upn}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        false
    );

    // Signing out ends the session.
    client
        .find(Locator::Css("form.signout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("main.signin"))
        .await
        .unwrap();
    shots.save(&client, "nl-01-sign-in").await;
    client.goto(&app.url("/users")).await.unwrap();
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/signin")
    );
    client.close().await.unwrap();

    // Administrators whose passwords were reset change them as they sign in, in English and
    // in Dutch. The second is a Helpdesk Administrator, in a browser that asks for Dutch, who
    // then cannot reach what the role forbids: no audit log in the navigation, and the page
    // refused when typed in.
    const NEW_PASSWORD: &str = "Changed-Passw0rd!";
    for (alias, role) in [
        ("fresh", "User Administrator"),
        ("helpdesk", "Helpdesk Administrator"),
    ] {
        let id = user_with_role(&app, alias, Some(role)).await;
        let reply = app
            .patch(
                &format!("/v1.0/users/{id}"),
                json!({ "passwordProfile": { "password": super::center::PASSWORD, "forceChangePasswordNextSignIn": true } }),
            )
            .await;
        assert_eq!(
            reply.status,
            reqwest::StatusCode::NO_CONTENT,
            "{:?}",
            reply.body
        );
    }
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &profile, "en-GB").await;
    sign_in_changing_password(
        &client,
        &app,
        &shots,
        (
            &format!("fresh@{DOMAIN}"),
            super::center::PASSWORD,
            NEW_PASSWORD,
        ),
        ("en-21-change-password", "Update your password"),
    )
    .await;
    assert_eq!(text(&client, "main h1").await, "Home");
    client.close().await.unwrap();
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &profile, "nl-NL").await;
    sign_in_changing_password(
        &client,
        &app,
        &shots,
        (
            &format!("helpdesk@{DOMAIN}"),
            super::center::PASSWORD,
            NEW_PASSWORD,
        ),
        ("nl-21-change-password", "Uw wachtwoord bijwerken"),
    )
    .await;
    assert_eq!(text(&client, "main h1").await, "Start");
    assert!(!text(&client, "nav.side").await.contains("Auditlogboek"));
    client.goto(&app.url("/audit")).await.unwrap();
    assert_eq!(text(&client, "main h1").await, "Toegang geweigerd");
    shots.save(&client, "nl-08-helpdesk-refused").await;
    client.goto(&app.url("/users")).await.unwrap();
    let actions = text(&client, "select[name=action]").await;
    assert!(
        actions.contains("Aanmelden blokkeren") && !actions.contains("Gebruiker verwijderen"),
        "{actions}"
    );
    client.close().await.unwrap();
}
