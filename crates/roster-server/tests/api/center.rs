//! The admin center over HTTP, as a browser without JavaScript uses it: signing in and out,
//! the session cookie and CSRF tokens, what each role may see and do, escaping, languages, and
//! the users list's filters and paging. (`browser.rs` drives a real Chromium through it.)

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use roster_testkit::{
    ADMIN_PASSWORD, ADMIN_UPN, DOMAIN, Options, TestApp, spawn_app, spawn_app_with,
};
use serde_json::json;

/// The password of the users [`user_with_role`] creates.
pub const PASSWORD: &str = "Center-Passw0rd!";

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
    /// `Accept-Language` to send.
    pub language: Option<&'static str>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of the first hidden input with this name.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} in {}", self.body))
            + marker.len();
        let end = start + self.body[start..].find('"').expect("closing quote");
        self.body[start..end].to_string()
    }

    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &app.certificate {
            let pem = std::fs::read(path).expect("certificate");
            builder =
                builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"));
        }
        Browser {
            client: builder.build().expect("client"),
            base: app.address.clone(),
            cookies: HashMap::new(),
            language: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        // As a browser navigates.
        let mut request = request.header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", header.join("; "));
        }
        if let Some(language) = self.language {
            request = request.header("accept-language", language);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, content) = pair.split_once('=').unwrap();
            if content.is_empty() || value.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), content.to_string());
            }
        }
        Page {
            status,
            headers,
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    pub fn cookie(&self, name: &str) -> Option<&String> {
        self.cookies.get(name)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.into(), value.into());
    }

    /// Signs in through the form; returns the page the form answered with.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/signin").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.hidden("csrf");
        self.post(
            "/signin",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ],
        )
        .await
    }
}

/// A user with a known password and, optionally, a directory role.
pub async fn user_with_role(app: &TestApp, alias: &str, role: Option<&str>) -> String {
    let id = app
        .create_user(alias, json!({ "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": false } }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    if let Some(role) = role {
        let reply = app
            .post(
                "/roster/v1/roleAssignments",
                json!({ "principalId": id, "role": role }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    }
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_gives_a_session_that_forms_and_signing_out_protect() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);

    // Signed out, a page sends the browser to sign in, and back afterwards.
    let page = browser.get("/users?q=a").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/signin?next=%2Fusers%3Fq%3Da");

    // A wrong password: the form again, with the name kept and the reason.
    let page = browser.sign_in(ADMIN_UPN, "wrong").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your account or password is incorrect."),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("value=\"{ADMIN_UPN}\"")));
    assert!(browser.cookie("roster_session").is_none());

    // A sign-in form posted without the cookie its page set is refused (login CSRF).
    let mut other = Browser::new(&app);
    let form = browser.get("/signin").await;
    let page = other
        .post(
            "/signin",
            &[
                ("username", ADMIN_UPN),
                ("password", ADMIN_PASSWORD),
                ("csrf", &form.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(other.cookie("roster_session").is_none());

    let page = browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/");
    let cookie = page.set_cookie("roster_session").expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "ends with the browser: {cookie}"
    );

    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Contoso"),
        "the tenant's name: {}",
        home.body
    );
    for header in [
        "content-security-policy",
        "x-frame-options",
        "cache-control",
    ] {
        assert!(home.headers.contains_key(header), "{header}");
    }
    assert_eq!(home.headers["cache-control"], "no-store");

    // A form without the session's token changes nothing.
    let target = user_with_role(&app, "target", None).await;
    let page = browser
        .post(
            "/users/bulk",
            &[("action", "block"), ("id", &target), ("csrf", "forged")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/v1.0/users/{target}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        true
    );
    // With it, the change is made.
    let csrf = home.hidden("csrf");
    let page = browser
        .post(
            "/users/bulk",
            &[("action", "block"), ("id", &target), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{target}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        false
    );

    // Assigning from the list a license the user already holds keeps its switched-off apps.
    let e3 = app.buy("SPE_E3", 5).await;
    let plan = roster_core::catalog::Catalog::builtin()
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans[0]
        .service_plan_id
        .to_string();
    let reply = app
        .patch(
            &format!("/v1.0/users/{target}"),
            json!({ "usageLocation": "NL" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let reply = app
        .post(
            &format!("/v1.0/users/{target}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [plan] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let page = browser
        .post(
            "/users/bulk",
            &[
                ("action", "assign-license"),
                ("sku", &e3),
                ("id", &target),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    let held = app
        .get(&format!("/v1.0/users/{target}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        held.body["assignedLicenses"][0]["disabledPlans"],
        json!([plan]),
        "{:?}",
        held.body
    );

    // Signing out ends the session: its token is refused even when presented again.
    let token = browser.cookie("roster_session").unwrap().clone();
    let page = browser.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(browser.cookie("roster_session").is_none());
    browser.set("roster_session", &token);
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/signin"));
    let api = app
        .call(&token, reqwest::Method::GET, "/v1.0/users", None)
        .await;
    assert_eq!(
        api.status,
        StatusCode::UNAUTHORIZED,
        "the session's token is refused by the API too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_an_administrator_ends_its_sessions_at_once() {
    let app = spawn_app().await;
    let id = user_with_role(&app, "admin2", Some("User Administrator")).await;
    let mut browser = Browser::new(&app);
    let page = browser.sign_in(&format!("admin2@{DOMAIN}"), PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/users").await.status, StatusCode::OK);
    let reply = app
        .patch(
            &format!("/v1.0/users/{id}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let page = browser.get("/users").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the next request is refused"
    );
    // And it cannot sign in again.
    let page = browser.sign_in(&format!("admin2@{DOMAIN}"), PASSWORD).await;
    assert!(
        page.body.contains("blocked from signing in"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cookie_is_secure_under_tls() {
    let app = spawn_app_with(Options {
        tls: true,
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    let page = browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let cookie = page.set_cookie("roster_session").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_and_does_only_what_it_may() {
    let app = spawn_app().await;
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    user_with_role(&app, "plain", None).await;
    let colleague = user_with_role(&app, "colleague", None).await;
    let admin = app.get(&format!("/v1.0/users/{ADMIN_UPN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();

    // An account without an administrator role cannot use the admin center.
    let mut browser = Browser::new(&app);
    let page = browser.sign_in(&format!("plain@{DOMAIN}"), PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("does not have an administrator role"),
        "{}",
        page.body
    );

    let mut browser = Browser::new(&app);
    let page = browser
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        !home.body.contains("href=\"/audit\""),
        "no audit log in the navigation"
    );
    assert!(
        !home.body.contains("Recent changes"),
        "no audit records on the home page"
    );
    let audit = browser.get("/audit").await;
    assert_eq!(audit.status, StatusCode::FORBIDDEN);
    assert!(
        audit
            .body
            .contains("Your administrator role does not allow this.")
    );

    let users = browser.get("/users").await;
    assert!(users.body.contains("value=\"block\""), "helpdesk may block");
    assert!(!users.body.contains("value=\"delete\""), "but not delete");
    assert!(
        !users.body.contains("value=\"assign-license\""),
        "nor license"
    );
    let csrf = users.hidden("csrf");

    // The server refuses what the page did not offer, user by user.
    let page = browser
        .post(
            "/users/bulk",
            &[("action", "delete"), ("id", &colleague), ("csrf", &csrf)],
        )
        .await;
    assert!(page.body.contains("0 done, 1 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{colleague}")).await.status,
        StatusCode::OK
    );
    // A Helpdesk Administrator blocks users without roles, not administrators.
    let page = browser
        .post(
            "/users/bulk",
            &[
                ("action", "block"),
                ("id", &colleague),
                ("id", &admin),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(page.body.contains("1 done, 1 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{colleague}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        false
    );
    assert_eq!(
        app.get(&format!("/v1.0/users/{admin}?$select=accountEnabled"))
            .await
            .body["accountEnabled"],
        true
    );

    // A reset password is shown once and must be changed at the next sign-in.
    let page = browser
        .post(
            "/users/bulk",
            &[
                ("action", "reset-password"),
                ("id", &colleague),
                ("csrf", &csrf),
            ],
        )
        .await;
    let start = page
        .body
        .find("<code class=\"password\">")
        .expect("a password")
        + "<code class=\"password\">".len();
    let password = &page.body[start..start + page.body[start..].find('<').unwrap()];
    assert!(password.len() >= 16, "{password}");
    let token = app
        .password_token(&format!("colleague@{DOMAIN}"), password)
        .await;
    assert!(
        token.is_err(),
        "blocked, and the password must be changed first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_users_typed_is_shown_never_run() {
    let app = spawn_app().await;
    app.create_user("xss", json!({ "displayName": "<script>alert(1)</script>", "department": "\"><img src=x onerror=alert(2)>" })).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/users?q=xss").await;
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("<img src=x"));
    // A search typed with markup is written back escaped.
    let page = browser.get("/users?q=%3Cb%3Ebold").await;
    assert!(
        page.body.contains("value=\"&lt;b&gt;bold\""),
        "{}",
        page.body
    );
    // A path typed after next= cannot send the browser elsewhere.
    let form = browser.get("/signin?next=https://evil.example/").await;
    assert!(
        form.body.contains("name=\"next\" value=\"/\""),
        "{}",
        form.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_sorts_and_pages_over_the_whole_tenant() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 10).await;
    for index in 0..130 {
        let department = if index % 2 == 0 { "Sales" } else { "Legal" };
        let country = if index % 3 == 0 { "NL" } else { "BE" };
        app.create_user(
            &format!("user{index:03}"),
            json!({ "department": department, "country": country, "usageLocation": "NL",
                    "givenName": if index % 10 == 0 { "Zoë" } else { "Ann" },
                    "surname": if index % 25 == 0 { "Vance" } else { "Berg" } }),
        )
        .await;
    }
    for alias in ["user000", "user002"] {
        let reply = app
            .post(
                &format!("/v1.0/users/{alias}@{DOMAIN}/assignLicense"),
                json!({ "addLicenses": [{ "skuId": sku }], "removeLicenses": [] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;

    let rows = |page: &Page| page.body.matches("name=\"id\" value=").count();
    let page = browser.get("/users").await;
    assert!(page.body.contains("131 users"), "130 and the administrator");
    assert_eq!(rows(&page), 100, "a page of 100");
    let next = page
        .body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .expect("a next page")
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = browser.get(&next).await;
    assert_eq!(rows(&second), 31);
    assert!(!second.body.contains("rel=\"next\""));

    let page = browser.get("/users?department=Sales&country=NL").await;
    // Sales: even indexes; NL: multiples of 3; both: multiples of 6 below 130.
    assert!(page.body.contains("22 users"), "{}", page.body);
    assert_eq!(rows(&page), 22);
    let page = browser.get(&format!("/users?license={sku}")).await;
    assert!(
        page.body.contains("2 users")
            && page.body.contains("user000")
            && page.body.contains("user002")
    );
    assert_eq!(rows(&page), 2);
    let page = browser.get("/users?license=none").await;
    assert!(page.body.contains("129 users"), "{}", page.body);
    let page = browser.get("/users?q=user12").await;
    assert!(page.body.contains("10 users"), "user120..user129");
    assert_eq!(rows(&page), 10);
    // The search box matches the start of the first or last name too, in any (ASCII) case,
    // and with the filters beside it.
    let page = browser.get("/users?q=ZO%C3%AB").await;
    assert!(page.body.contains("13 users"), "{}", page.body);
    assert_eq!(rows(&page), 13);
    let page = browser.get("/users?q=vanc&department=Legal").await;
    assert!(
        page.body.contains("3 users")
            && page.body.contains("user025")
            && page.body.contains("user125"),
        "{}",
        page.body
    );
    assert_eq!(rows(&page), 3);
    let page = browser.get("/users?q=erg").await;
    assert_eq!(rows(&page), 0, "not the middle of a name");

    // Sorting by user name, descending: the last alias first.
    let page = browser.get("/users?sort=userPrincipalName&desc=1").await;
    let first = page.body.find("user129@").expect("user129");
    let later = page.body.find("user128@").expect("user128");
    assert!(first < later);

    // The column chooser: only the chosen columns.
    let page = browser.get("/users?cols=jobTitle&cols=created").await;
    assert!(
        page.body.contains("<th>Job title</th>") && page.body.contains("<th aria-sort"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(">Department<"));

    // The home page counts the same users, and follows deletions, blocks and guests.
    let card = |page: &Page, count: &str, label: &str| {
        let html =
            format!("<span class=\"count\">{count}</span><span class=\"label\">{label}</span>");
        assert!(page.body.contains(&html), "{html} in {}", page.body);
    };
    let home = browser.get("/").await;
    card(&home, "131", "Active users");
    card(&home, "129", "Users without licenses");
    card(&home, "0", "Blocked users");
    assert_eq!(
        app.delete(&format!("/v1.0/users/user000@{DOMAIN}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let reply = app
        .patch(
            &format!("/v1.0/users/user001@{DOMAIN}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    app.create_user("visitor", json!({ "userType": "Guest" }))
        .await;
    let home = browser.get("/").await;
    card(&home, "131", "Active users");
    card(&home, "130", "Users without licenses");
    card(&home, "1", "Blocked users");
    card(&home, "1", "Guests");

    // A bad filter value is a clear error, not a crash.
    let page = browser.get("/users?license=not-a-sku").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("This link to the list of users is not valid"),
        "{}",
        page.body
    );
    browser.set("roster_lang", "nl");
    let page = browser.get("/users?after=tampered").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("Deze koppeling naar de lijst met gebruikers is ongeldig"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_speak_the_browsers_language_until_another_is_chosen() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.language = Some("nl-NL,nl;q=0.9,en;q=0.5");
    let form = browser.get("/signin").await;
    assert!(form.body.contains("<html lang=\"nl\">") && form.body.contains("Aanmelden"));
    let page = browser.sign_in(ADMIN_UPN, "wrong").await;
    assert!(page.body.contains("Uw account of wachtwoord is onjuist."));
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let home = browser.get("/").await;
    assert!(
        home.body.contains("Actieve gebruikers")
            && home.body.contains("Gebruikers zonder licentie")
    );
    let page = browser.get("/language?to=en&back=/users").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/users");
    let users = browser.get("/users").await;
    assert!(users.body.contains("<html lang=\"en\">") && users.body.contains("Active users"));
    // Only local paths are gone back to.
    let page = browser.get("/language?to=nl&back=//evil.example").await;
    assert_eq!(page.location(), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_users_are_restored_or_deleted_for_good_as_roles_allow() {
    let app = spawn_app().await;
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let gone = app.create_user("gone", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let back = app.create_user("back", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [&gone, &back] {
        assert_eq!(
            app.delete(&format!("/v1.0/users/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
    }

    // A Helpdesk Administrator sees the recycle bin but may neither restore nor purge.
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/deleted").await;
    assert!(
        page.body.contains("gone@contoso.example") && page.body.contains("2 users"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("value=\"restore\"") && !page.body.contains("value=\"purge\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/deleted",
            &[("action", "restore"), ("id", &back), ("csrf", &csrf)],
        )
        .await;
    assert!(page.body.contains("0 done, 1 failed."), "{}", page.body);

    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/deleted").await;
    let csrf = page.hidden("csrf");
    let page = browser
        .post(
            "/deleted",
            &[("action", "restore"), ("id", &back), ("csrf", &csrf)],
        )
        .await;
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    assert_eq!(
        app.get(&format!("/v1.0/users/{back}")).await.status,
        StatusCode::OK
    );
    let page = browser
        .post(
            "/deleted",
            &[("action", "purge"), ("id", &gone), ("csrf", &csrf)],
        )
        .await;
    assert!(page.body.contains("1 done, 0 failed."), "{}", page.body);
    let reply = app
        .get(&format!("/v1.0/directory/deletedItems/{gone}"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let page = browser.get("/deleted").await;
    assert!(page.body.contains("0 users"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_show_their_seats_and_refuse_bad_changes_beside_the_form() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 5).await;
    for alias in ["a1", "a2"] {
        app.create_user(alias, json!({ "usageLocation": "NL" }))
            .await;
        let reply = app
            .post(
                &format!("/v1.0/users/{alias}@{DOMAIN}/assignLicense"),
                json!({ "addLicenses": [{ "skuId": sku }], "removeLicenses": [] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/licenses").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Microsoft 365 E3") && page.body.contains("(SPE_E3)"));
    assert!(
        page.body.contains(&format!(
            "<td class=\"assigned\"><a href=\"/users?license={sku}\">2</a></td>"
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("<td class=\"available\">3</td>"));
    let csrf = page.hidden("csrf");

    // Fewer seats than assigned: refused beside the form, with what was typed kept.
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "1"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("role=\"alert\""), "{}", page.body);
    assert!(page.body.contains("value=\"1\""), "the typed value is kept");
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "ten"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(
        page.body.contains("Enter a whole number of seats"),
        "{}",
        page.body
    );
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "20"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let skus = app.get("/v1.0/subscribedSkus").await.body;
    assert_eq!(skus["value"][0]["prepaidUnits"]["enabled"], 20);

    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "buy"),
                ("sku", "NOT_A_SKU"),
                ("seats", "3"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("NOT_A_SKU is not a product in Microsoft's catalog")
            && page.body.contains("value=\"NOT_A_SKU\""),
        "{}",
        page.body
    );
    let page = browser
        .post(
            "/licenses",
            &[
                ("action", "buy"),
                ("sku", "power_bi_pro"),
                ("seats", "3"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .get("/licenses")
            .await
            .body
            .contains("(POWER_BI_PRO)")
    );

    // Roles that may not buy see no forms, and are refused whatever they post.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/licenses").await;
    assert!(page.body.contains("(SPE_E3)") && !page.body.contains("name=\"seats\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/licenses",
            &[
                ("action", "seats"),
                ("sku", &sku),
                ("seats", "100"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let skus = app.get("/v1.0/subscribedSkus").await.body;
    let e3 = skus["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == sku.as_str())
        .unwrap()
        .clone();
    assert_eq!(e3["prepaidUnits"]["enabled"], 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_assigned_and_removed_by_global_administrators_only() {
    let app = spawn_app().await;
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    app.create_user("newadmin", json!({})).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/roles").await;
    assert!(
        page.body.contains("helpdesk@contoso.example")
            && page.body.contains("Nobody holds this role.")
    );
    let csrf = page.hidden("csrf");

    let upn = format!("newadmin@{DOMAIN}");
    let page = browser
        .post(
            "/roles",
            &[
                ("action", "assign"),
                ("user", &upn),
                ("role", "User Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get("/roles").await;
    let section = page
        .body
        .split("<h2>User Administrator")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap()
        .to_string();
    assert!(section.contains(&upn), "{section}");

    // Refusals beside the form, with what was typed kept.
    let page = browser
        .post(
            "/roles",
            &[
                ("action", "assign"),
                ("user", "nobody@contoso.example"),
                ("role", "User Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
            && page.body.contains("value=\"nobody@contoso.example\"")
    );
    let page = browser
        .post(
            "/roles",
            &[
                ("action", "remove"),
                ("user", ADMIN_UPN),
                ("role", "Global Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("last Global Administrator"),
        "{}",
        page.body
    );
    // Said in the role's section: the assign form is not filled with the user kept.
    assert!(
        page.body.contains(
            "name=\"user\" type=\"email\" required placeholder=\"name@domain\" value=\"\""
        ),
        "{}",
        page.body
    );

    let page = browser
        .post(
            "/roles",
            &[
                ("action", "remove"),
                ("user", &upn),
                ("role", "User Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = browser.get("/roles").await;
    assert!(!page.body.contains(&upn));

    // Others read the roles but may not change them.
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/roles").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("action=\"/roles\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/roles",
            &[
                ("action", "assign"),
                ("user", "helpdesk@contoso.example"),
                ("role", "Global Administrator"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser.get("/roles").await;
    let section = page
        .body
        .split("<h2>Global Administrator")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap()
        .to_string();
    assert!(!section.contains("helpdesk@"), "{section}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_add_a_user_wizard_checks_each_step_and_creates_the_user_with_its_license() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 2).await;
    app.create_user("taken", json!({})).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/users/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("aria-current=\"step\">Basics"),
        "{}",
        page.body
    );
    let csrf = page.hidden("csrf");
    let basics = |alias: &'static str, name: &'static str| {
        vec![
            ("step", "1"),
            ("givenName", "Ada"),
            ("surname", "Lovelace"),
            ("displayName", name),
            ("alias", alias),
            ("domain", DOMAIN),
            ("password", "generate"),
            ("forceChange", "on"),
        ]
    };

    // A required field left empty: the same step, the reason beside it, the rest kept.
    let mut form = basics("ada", "");
    form.extend([("csrf", csrf.as_str()), ("go", "2")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("id=\"f-displayName-error\"")
            && page.body.contains("This field is required."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"ada\"") && page.body.contains("value=\"Lovelace\""));

    // Basics done: the licenses step, with the basics carried along.
    let mut form = basics("ada", "Ada Lovelace");
    form.extend([("csrf", csrf.as_str()), ("go", "2")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("aria-current=\"step\">Product licenses"));
    assert!(
        page.body
            .contains("type=\"hidden\" name=\"displayName\" value=\"Ada Lovelace\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("2 of 2 available"));

    // A license without a usage location is refused on its step.
    let mut form = basics("ada", "Ada Lovelace");
    form.extend([
        ("step", "2"),
        ("sku", sku.as_str()),
        ("usageLocation", ""),
        ("csrf", csrf.as_str()),
        ("go", "3"),
    ]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("Choose the country where the user will use the licenses"),
        "{}",
        page.body
    );

    // Through to the end: the user, its license and its properties, in one go.
    let mut form = basics("ada", "Ada Lovelace");
    form.extend([
        ("sku", sku.as_str()),
        ("usageLocation", "nl"),
        ("department", "Research"),
        ("city", "London"),
        ("step", "4"),
        ("csrf", csrf.as_str()),
        ("go", "create"),
    ]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("ada@contoso.example has been added."),
        "{}",
        page.body
    );
    let start = page
        .body
        .find("<code class=\"password\">")
        .expect("the password, once")
        + "<code class=\"password\">".len();
    let password = page.body[start..start + page.body[start..].find('<').unwrap()].to_string();
    let user = app.get(&format!("/v1.0/users/ada@{DOMAIN}?$select=displayName,department,city,usageLocation,assignedLicenses")).await.body;
    assert_eq!(user["displayName"], "Ada Lovelace");
    assert_eq!(user["department"], "Research");
    assert_eq!(user["usageLocation"], "NL");
    assert_eq!(user["assignedLicenses"][0]["skuId"], sku.as_str());
    let refused = app
        .password_token(&format!("ada@{DOMAIN}"), &password)
        .await
        .unwrap_err();
    assert!(
        refused.body.to_string().contains("AADSTS50055"),
        "the password is right and must be changed: {:?}",
        refused.body
    );

    // A user name that is taken: back on the basics, beside the user name, nothing written.
    let mut form = basics("taken", "Someone Else");
    form.extend([("step", "4"), ("csrf", csrf.as_str()), ("go", "create")]);
    let page = browser.post("/users/new", &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("aria-current=\"step\">Basics"));
    assert!(
        page.body
            .contains("Another user already has this user name."),
        "{}",
        page.body
    );
    let skus = app.get("/v1.0/subscribedSkus").await.body;
    assert_eq!(skus["value"][0]["consumedUnits"], 1);

    // A Helpdesk Administrator may not create users.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    assert!(
        !helpdesk
            .get("/users")
            .await
            .body
            .contains("href=\"/users/new\"")
    );
    assert_eq!(
        helpdesk.get("/users/new").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_created_previewed_and_kept_as_the_api_keeps_them() {
    let app = spawn_app().await;
    for (alias, department) in [("s1", "Sales"), ("s2", "Sales"), ("l1", "Legal")] {
        app.create_user(alias, json!({ "department": department }))
            .await;
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/groups/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.hidden("csrf");

    // An assigned security group, and its members by hand.
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "security"),
                ("name", "Pilot"),
                ("membership", "assigned"),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let pilot = page.location().to_string();
    let page = browser
        .add_member(&pilot, &csrf, "s1@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&pilot).await;
    assert!(
        page.body.contains("s1@contoso.example")
            && page
                .body
                .contains("Members <span class=\"muted\">(1)</span>"),
        "{}",
        page.body
    );
    let page = browser
        .add_member(&pilot, &csrf, "nobody@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
    );
    // The store's refusals, and a stale form, in the page's language.
    browser.set("roster_lang", "nl");
    let page = browser
        .add_member(&pilot, &csrf, "s1@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Is al lid van deze groep.")
            && page.body.contains("value=\"s1@contoso.example\""),
        "the refusal beside the form, what was typed kept: {}",
        page.body
    );
    let page = browser
        .add_member(&pilot, "stale", "s2@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body
            .contains("Het formulier is verlopen: laad de pagina opnieuw"),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");

    // A rule with a mistake: refused beside the editor with its position, the text kept.
    let bad = "(user.department -eq \"Sales\") -and (user.nonsense -eq 1)";
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "security"),
                ("name", "Sales"),
                ("membership", "dynamic"),
                ("rule", bad),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("position") && page.body.contains("nonsense"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("(user.department -eq &quot;Sales&quot;) -and (user.nonsense -eq 1)"),
        "the rule is kept"
    );
    let check = browser
        .get("/groups/check-rule?rule=user.department%20-eq")
        .await;
    let answer: serde_json::Value = serde_json::from_str(&check.body).unwrap();
    assert_eq!(answer["valid"], false);
    assert!(
        answer["message"].as_str().unwrap().contains("position 20"),
        "{answer}"
    );
    // In Dutch, the editor says where in Dutch.
    browser.set("roster_lang", "nl");
    let check = browser
        .get("/groups/check-rule?rule=user.department%20-eq")
        .await;
    let answer: serde_json::Value = serde_json::from_str(&check.body).unwrap();
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("De regel is ongeldig op positie 20"),
        "{answer}"
    );
    // What was expected there too.
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("verwacht een waarde zoals \"Sales\", null, true of false, gevonden: het einde van de regel"),
        "{answer}"
    );
    browser.set("roster_lang", "en");
    let check = browser
        .get("/groups/check-rule?rule=user.department%20-eq%20%22Sales%22")
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&check.body).unwrap()["valid"],
        true
    );

    // A preview before creating, then the dynamic group itself.
    let rule = "user.department -eq \"Sales\"";
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "m365"),
                ("name", "Sales team"),
                ("membership", "dynamic"),
                ("rule", rule),
                ("go", "preview"),
            ],
        )
        .await;
    assert!(
        page.body.contains("The rule takes in 2 users."),
        "{}",
        page.body
    );
    let page = browser
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "m365"),
                ("name", "Sales team"),
                ("membership", "dynamic"),
                ("rule", rule),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let sales = page.location().to_string();
    app.drain_jobs().await;
    let page = browser.get(&sales).await;
    assert!(
        page.body
            .contains("Members <span class=\"muted\">(2)</span>")
            && page.body.contains("Microsoft 365"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("name=\"go\" value=\"add-member\""),
        "no members by hand in a dynamic group"
    );
    let group = app
        .get(&format!(
            "/v1.0/groups/{}",
            sales.trim_start_matches("/groups/")
        ))
        .await
        .body;
    assert_eq!(group["groupTypes"], json!(["Unified", "DynamicMembership"]));
    assert_eq!(group["membershipRule"], rule);

    // Previewing a changed rule says who would join and leave; saving it moves them.
    let legal = "user.department -eq \"Legal\"";
    let page = browser
        .post(
            &sales,
            &[("csrf", &csrf), ("go", "preview"), ("rule", legal)],
        )
        .await;
    assert!(
        page.body.contains("Would join: 1.") && page.body.contains("Would leave: 2."),
        "{}",
        page.body
    );
    let page = browser
        .post(&sales, &[("csrf", &csrf), ("go", "save"), ("rule", legal)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let page = browser.get(&sales).await;
    assert!(
        page.body.contains("l1@contoso.example") && !page.body.contains("s1@contoso.example"),
        "{}",
        page.body
    );

    // Paused, the members stay as they are whatever users do; resumed, they follow again.
    let page = browser
        .post(&sales, &[("csrf", &csrf), ("go", "pause")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&sales).await;
    assert!(
        page.body.contains("Paused: members stay as they are")
            && page.body.contains("value=\"resume\""),
        "{}",
        page.body
    );
    let reply = app
        .patch(
            "/v1.0/users/s1@contoso.example",
            json!({ "department": "Legal" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    app.drain_jobs().await;
    assert!(
        !browser
            .get(&sales)
            .await
            .body
            .contains("s1@contoso.example"),
        "paused: s1 does not join"
    );
    let page = browser
        .post(&sales, &[("csrf", &csrf), ("go", "resume")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let page = browser.get(&sales).await;
    assert!(
        page.body.contains("On: members follow the rule")
            && page.body.contains("s1@contoso.example"),
        "resumed: s1 joins: {}",
        page.body
    );

    let list = browser.get("/groups?q=sales").await;
    assert!(
        list.body.contains("Sales team") && list.body.contains("1 group"),
        "{}",
        list.body
    );

    // A Helpdesk Administrator reads groups but creates none.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    let page = helpdesk.get("/groups").await;
    assert!(page.body.contains("Pilot") && !page.body.contains("href=\"/groups/new\""));
    let csrf = page.hidden("csrf");
    let page = helpdesk
        .post(
            "/groups/new",
            &[
                ("csrf", &csrf),
                ("kind", "security"),
                ("name", "Mine"),
                ("membership", "assigned"),
                ("go", "create"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = helpdesk
        .add_member(&pilot, &csrf, "s2@contoso.example")
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A `multipart/form-data` body as a browser sends one for the import form.
fn multipart(fields: &[(&str, &str)], file: &str) -> (String, String) {
    let boundary = "----rosterTestBoundary7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Browser {
    /// Posts the "add member" form of a group's page.
    async fn add_member(&mut self, group: &str, csrf: &str, member: &str) -> Page {
        let form = [("csrf", csrf), ("go", "add-member"), ("member", member)];
        self.post(group, &form).await
    }

    /// Posts the "user name" form of a user's page.
    async fn rename(&mut self, details: &str, csrf: &str, alias: &str, domain: &str) -> Page {
        let form = [
            ("csrf", csrf),
            ("form", "upn"),
            ("alias", alias),
            ("domain", domain),
        ];
        self.post(details, &form).await
    }

    pub async fn post_multipart(&mut self, path: &str, content_type: String, body: String) -> Page {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        self.send(request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_file_is_checked_row_by_row_then_imported_as_a_job_with_its_results() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 10).await;
    app.create_user("taken", json!({})).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/users/import").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.hidden("csrf");

    let header = "User Name,First Name,Last Name,Display Name,Job Title,Department,Office Number,Office Phone,Mobile Phone,Fax,Alternate email address,Address,City,State or Province,ZIP or Postal Code,Country or Region";
    let long = "x".repeat(300);
    let file = format!(
        "{header}\r\nnew1@contoso.example,New,One,New One,,Sales,,,,,,,,,,\r\nnew2@contoso.example,New,Two,New Two,,Sales,,,,,,,,,,\r\ntaken@contoso.example,Ta,Ken,Taken,,,,,,,,,,,,\r\nx@fabrikam.example,X,Y,Foreign,,,,,,,,,,,,\r\nlong@contoso.example,Lo,Ng,{long},,,,,,,,,,,,\r\n"
    );
    let (content_type, body) = multipart(
        &[
            ("csrf", &csrf),
            ("passwords", "generate"),
            ("forceChange", "on"),
            ("usageLocation", "nl"),
            ("license", &sku),
            ("group", ""),
        ],
        &file,
    );
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("2 users would be added, 3 rows would not."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td>6</td><td>long@contoso.example</td><td class=\"error\">Column Display Name: the value has 300 characters"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td>taken@contoso.example</td><td>Already there: nothing to do</td>"),
        "a re-run is safe: {}",
        page.body
    );
    assert!(page.body.contains("fabrikam.example"), "{}", page.body);
    assert_eq!(
        app.get("/v1.0/users/new1@contoso.example").await.status,
        StatusCode::NOT_FOUND,
        "a check writes nothing"
    );

    // Starting it: a job whose page follows it and whose results name every row.
    let rows = unescape(&page.hidden("rows"));
    let options = unescape(&page.hidden("options"));
    let page = browser
        .post(
            "/users/import/start",
            &[("csrf", &csrf), ("rows", &rows), ("options", &options)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let job = page.location().to_string();
    assert!(job.starts_with("/jobs/"));
    let running = browser.get(&job).await;
    assert!(
        running.body.contains("http-equiv=\"refresh\""),
        "reloads while running: {}",
        running.body
    );
    app.drain_jobs().await;
    let done = browser.get(&job).await;
    assert!(
        done.body.contains("Finished:")
            && done.body.contains("4 of 4 rows")
            && done.body.contains("1 failed"),
        "{}",
        done.body
    );
    assert!(!done.body.contains("http-equiv=\"refresh\""));
    let results = browser.get(&format!("{job}/results.csv")).await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(
        results.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let mut reader = csv::Reader::from_reader(results.body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 4);
    let new1 = records
        .iter()
        .find(|r| &r[1] == "new1@contoso.example")
        .unwrap();
    assert_eq!(&new1[2], "succeeded");
    assert!(
        new1[6].len() >= 16,
        "the generated password, for the submitter"
    );
    let taken = records
        .iter()
        .find(|r| &r[1] == "taken@contoso.example")
        .unwrap();
    assert_eq!(&taken[2], "unchanged");
    let foreign = records
        .iter()
        .find(|r| &r[1] == "x@fabrikam.example")
        .unwrap();
    assert_eq!(&foreign[2], "failed");
    assert!(foreign[5].contains("fabrikam.example"), "{:?}", foreign);
    let user = app
        .get("/v1.0/users/new1@contoso.example?$select=usageLocation,assignedLicenses,department")
        .await
        .body;
    assert_eq!(user["usageLocation"], "NL");
    assert_eq!(user["assignedLicenses"][0]["skuId"], sku.as_str());

    // A file that cannot be read: the reason beside the file field.
    let (content_type, body) = multipart(
        &[("csrf", &csrf), ("passwords", "generate")],
        "Name;Whatever\r\na;b\r\n",
    );
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("role=\"alert\""), "{}", page.body);

    // Only those who may create users import them.
    user_with_role(&app, "helpdesk", Some("Helpdesk Administrator")).await;
    let mut helpdesk = Browser::new(&app);
    helpdesk
        .sign_in(&format!("helpdesk@{DOMAIN}"), PASSWORD)
        .await;
    assert_eq!(
        helpdesk.get("/users/import").await.status,
        StatusCode::FORBIDDEN
    );
    let results = helpdesk.get(&format!("{job}/results.csv")).await;
    assert!(
        !results.body.contains(&new1[6]),
        "another administrator never sees the passwords"
    );
}

/// A NUL character cannot be kept on either store: an uploaded file holding one is refused,
/// naming its row, and rows that hold one however they arrive fail on their own, leaving the
/// job and its worker to finish the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_an_import_is_refused_and_never_stops_a_job() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/users/import").await.hidden("csrf");

    let file =
        format!("User Name,Display Name\r\nnew1@{DOMAIN},New One\r\nnew2@{DOMAIN},New\0Two\r\n");
    let (content_type, body) = multipart(&[("csrf", &csrf), ("passwords", "generate")], &file);
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("NUL character (U+0000)") && page.body.contains("row 3"),
        "{}",
        page.body
    );

    // Rows as the start form carries them, one with a NUL.
    let rows = json!([
        { "userPrincipalName": format!("new1@{DOMAIN}"), "displayName": "New One" },
        { "userPrincipalName": format!("new2@{DOMAIN}"), "displayName": "New\u{0}Two" },
        { "userPrincipalName": format!("new3@{DOMAIN}"), "displayName": "New Three" },
    ])
    .to_string();
    let page = browser
        .post(
            "/users/import/start",
            &[("csrf", &csrf), ("rows", &rows), ("options", "{}")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let job = app.get("/roster/v1/jobs").await.body["value"][0].clone();
    assert_eq!(
        (&job["status"], &job["failedRows"]),
        (&json!("completed"), &json!(1)),
        "{job}"
    );
    let results = app
        .get(&format!(
            "/roster/v1/jobs/{}/results",
            job["id"].as_str().unwrap()
        ))
        .await
        .body;
    let statuses: Vec<&str> = results["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["succeeded", "failed", "succeeded"], "{results}");
    assert!(
        results["value"][1]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("U+0000"),
        "{results}"
    );
    for (alias, status) in [
        ("new1", StatusCode::OK),
        ("new2", StatusCode::NOT_FOUND),
        ("new3", StatusCode::OK),
    ] {
        let reply = app.get(&format!("/v1.0/users/{alias}@{DOMAIN}")).await;
        assert_eq!(reply.status, status, "{alias}");
    }
}

/// A job's results file echoes what was submitted: a cell that a spreadsheet would run as a
/// formula is written with a `'` before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_file_quotes_a_cell_a_spreadsheet_would_run() {
    const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example","x")"#;
    let app = spawn_app().await;
    let job = app
        .post(
            "/roster/v1/jobs/createUsers",
            json!({ "rows": [
                { "userPrincipalName": format!("new1@{DOMAIN}"), "displayName": "New One" },
                { "userPrincipalName": HYPERLINK, "displayName": "@SUM(1+1)" },
            ] }),
        )
        .await;
    assert!(job.status.is_success(), "{}", job.body);
    app.drain_jobs().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let results = browser
        .get(&format!(
            "/jobs/{}/results.csv",
            job.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.body);
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(results.body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(&records[0][2], "succeeded");
    assert_eq!(
        (&records[1][1], &records[1][2]),
        (format!("'{HYPERLINK}").as_str(), "failed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_page_words_a_files_problems_in_dutch() {
    let app = spawn_app().await;
    let sku = app.buy("SPE_E3", 1).await;
    let dynamic = app
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Dynamic sales", "mailEnabled": false, "mailNickname": "dynsales",
                "securityEnabled": true, "groupTypes": ["DynamicMembership"],
                "membershipRule": "user.department -eq \"Sales\"",
                "membershipRuleProcessingState": "On",
            }),
        )
        .await;
    assert_eq!(dynamic.status, StatusCode::CREATED, "{}", dynamic.body);
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    browser.set("roster_lang", "nl");
    let page = browser.get("/users/import").await;
    assert!(
        !page.body.contains("Dynamic sales"),
        "a dynamic group takes no members by hand: {}",
        page.body
    );
    let csrf = page.hidden("csrf");

    let header = "User Name,Display Name,Mobile Phone";
    let file = format!(
        "{header}\nann@contoso.example,Ann,\nbob@contoso.example,Bob,\ncy@contoso.example,Cy,call me\nx@fabrikam.example,X,\n"
    );
    let (content_type, body) = multipart(
        &[
            ("csrf", &csrf),
            ("passwords", "generate"),
            ("usageLocation", "NL"),
            ("license", &sku),
        ],
        &file,
    );
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for dutch in [
        "Gelezen als de sjabloon van het Microsoft 365-beheercentrum: 1 gebruiker zou worden toegevoegd, 3 rijen niet.",
        // The file's own check.
        "Kolom Mobile Phone: 'call me' is geen telefoonnummer: 'c' is niet toegestaan",
        // The dry run's refusals, from the same reasons as the API's errors.
        "SPE_E3 heeft geen licenties meer over",
        "Kolom User Name: fabrikam.example is geen domein van deze tenant",
    ] {
        assert!(page.body.contains(dutch), "{dutch}: {}", page.body);
    }

    // A usage location for the whole file that is not one: said beside that field.
    let (content_type, body) = multipart(&[("csrf", &csrf), ("usageLocation", "XX")], &file);
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let field = page
        .body
        .split("id=\"i-location\"")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .unwrap_or_default();
    assert!(
        field.contains("aria-invalid=\"true\"") && field.contains("“XX” is geen landcode"),
        "{}",
        page.body
    );

    // A file that cannot be read: the reason beside the field, in Dutch.
    let (content_type, body) = multipart(&[("csrf", &csrf)], "Naam;Afdeling\r\na;b\r\n");
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("rij 1: roster kan deze kopregel niet lezen; gevonden: 'Naam', 'Afdeling'"),
        "{}",
        page.body
    );
    let (content_type, body) = multipart(&[("csrf", &csrf)], "User Name,Display Name,Afdeling\n");
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert!(
        page.body
            .contains("rij 1, kolom 'Afdeling': de kopregel lijkt op de sjabloon van het Microsoft 365-beheercentrum, maar de kolom 'Afdeling' staat niet in"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_nothing_serves_is_a_page_for_a_browser_and_graphs_error_for_the_api() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.set("roster_lang", "nl");
    let page = browser.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("<html lang=\"nl\"") && page.body.contains("Deze pagina bestaat niet."),
        "{}",
        page.body
    );
    let page = browser.get("/v1.0/noSuchCollection").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let body: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(body["error"]["code"], "BadRequest");
    let reply = app.get("/no/such/page").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_page_offers_only_what_may_be_done_to_that_user() {
    let app = spawn_app().await;
    user_with_role(&app, "useradmin", Some("User Administrator")).await;
    let plain = user_with_role(&app, "plain", None).await;
    let global = user_with_role(&app, "global", Some("Global Administrator")).await;
    let mut browser = Browser::new(&app);
    browser
        .sign_in(&format!("useradmin@{DOMAIN}"), PASSWORD)
        .await;
    let offered = |body: &str| {
        [
            "value=\"reset-password\"",
            "value=\"block\"",
            "value=\"revoke-sessions\"",
            "name=\"form\" value=\"upn\"",
            "name=\"form\" value=\"manager\"",
        ]
        .map(|marker| body.contains(marker))
    };
    let page = browser.get(&format!("/users/{plain}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(offered(&page.body), [true; 5], "{}", page.body);
    // A User Administrator changes no Global Administrator: nothing is offered that the
    // server would refuse.
    let page = browser.get(&format!("/users/{global}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(offered(&page.body), [false; 5], "{}", page.body);
    let csrf = page.hidden("csrf");
    let page = browser
        .post(
            &format!("/users/{global}"),
            &[("csrf", &csrf), ("form", "manager"), ("manager", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_page_changes_its_user_name_manager_and_apps() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    app.post("/roster/v1/domains", json!({ "id": "fabrikam.example" }))
        .await;
    let ann = app
        .create_user("ann", json!({ "usageLocation": "NL" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user("taken", json!({})).await;
    let boss = app.create_user("boss", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(
            &format!("/v1.0/users/{ann}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3 }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let details = format!("/users/{ann}");
    let page = browser.get(&details).await;
    let csrf = page.hidden("csrf");
    assert!(
        page.body.contains("<option value=\"fabrikam.example\">"),
        "{}",
        page.body
    );

    // A user name already taken: the page again, the error beside the form, the alias kept.
    let page = browser.rename(&details, &csrf, "taken", DOMAIN).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("name=\"alias\" value=\"taken\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Another user already has this user name."),
        "{}",
        page.body
    );
    // In Dutch, in Dutch.
    browser.set("roster_lang", "nl");
    let page = browser.rename(&details, &csrf, "taken", DOMAIN).await;
    assert!(
        page.body
            .contains("Een andere gebruiker heeft deze gebruikersnaam al."),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");
    let page = browser.rename(&details, &csrf, "a b", DOMAIN).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("the character “ ” is not allowed before @"),
        "{}",
        page.body
    );
    // What is wrong with a value is worded in Dutch too.
    browser.set("roster_lang", "nl");
    let page = browser.rename(&details, &csrf, "a b", DOMAIN).await;
    assert!(
        page.body
            .contains("userPrincipalName is ongeldig: het teken “ ” is niet toegestaan vóór @."),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");
    // A domain the organisation does not have is refused too.
    let page = browser
        .rename(&details, &csrf, "ann", "elsewhere.example")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    // Without the form's token, nothing changes.
    let page = browser
        .post(
            &details,
            &[("form", "upn"), ("alias", "annie"), ("domain", DOMAIN)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Renamed into the other domain.
    let page = browser
        .rename(&details, &csrf, "ann.smit", "fabrikam.example")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app.get(&format!("/v1.0/users/{ann}")).await;
    assert_eq!(user.body["userPrincipalName"], "ann.smit@fabrikam.example");

    // The manager, by user name; an unknown one is refused beside the field; empty removes it.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "manager"),
                ("manager", "nobody@contoso.example"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("No active user has this user name."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"nobody@contoso.example\""));
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("form", "manager"),
                ("manager", &format!("boss@{DOMAIN}")),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let manager = app.get(&format!("/v1.0/users/{ann}/manager")).await;
    assert_eq!(manager.body["id"], boss.as_str());
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "manager"), ("manager", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let manager = app.get(&format!("/v1.0/users/{ann}/manager")).await;
    assert_eq!(manager.status, StatusCode::NOT_FOUND);
    // Saved empty again, with no manager to remove: nothing to do, not an error.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "manager"), ("manager", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Apps: only of a license the user holds directly; a form for another is refused and
    // assigns nothing.
    let emspart = app.buy("EMS", 5).await;
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "plans"), ("sku", &emspart)],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(user.body["assignedLicenses"].as_array().unwrap().len(), 1);

    // Apps: every plan of the license but one left on switches that one off.
    let catalog = roster_core::catalog::Catalog::builtin();
    let plans: Vec<String> = catalog
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans
        .iter()
        .map(|plan| plan.service_plan_id.to_string())
        .collect();
    let page = browser.get(&details).await;
    assert!(
        page.body
            .contains(&format!("name=\"plan\" value=\"{}\" checked", plans[1]))
    );
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("form", "plans"), ("sku", &e3)];
    for plan in plans.iter().skip(1) {
        form.push(("plan", plan));
    }
    let page = browser.post(&details, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        user.body["assignedLicenses"][0]["disabledPlans"],
        json!([plans[0]])
    );
    let page = browser.get(&details).await;
    assert!(
        page.body
            .contains(&format!("name=\"plan\" value=\"{}\">", plans[0])),
        "switched off: unchecked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helpdesk_administrator_cannot_rename_an_administrator_or_change_apps() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    user_with_role(&app, "desk", Some("Helpdesk Administrator")).await;
    let admin = user_with_role(&app, "other-admin", Some("User Administrator")).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&format!("desk@{DOMAIN}"), PASSWORD).await;
    let details = format!("/users/{admin}");
    let page = browser.get(&details).await;
    let csrf = page.hidden("csrf");
    // The forms are not offered, and the server refuses them whatever is sent.
    assert!(!page.body.contains("name=\"alias\""), "{}", page.body);
    let page = browser.rename(&details, &csrf, "renamed", DOMAIN).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("form", "plans"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let user = app.get(&format!("/v1.0/users/{admin}")).await;
    assert_eq!(
        user.body["userPrincipalName"],
        format!("other-admin@{DOMAIN}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_page_manages_its_owners_and_licenses() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 1).await;
    let group = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Team", "mailNickname": "team", "mailEnabled": false, "securityEnabled": true }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ids = Vec::new();
    for alias in ["ann", "bob"] {
        let id = app
            .create_user(
                alias,
                json!({ "usageLocation": "NL", "displayName": alias }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let reply = app
            .post(
                &format!("/v1.0/groups/{group}/members/$ref"),
                json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
        ids.push(id);
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let details = format!("/groups/{group}");
    let csrf = browser.get(&details).await.hidden("csrf");

    // Owners: added by user name, an unknown one refused beside the form, removed.
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("go", "add-owner"),
                ("member", &format!("ann@{DOMAIN}")),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let owners = app.get(&format!("/v1.0/groups/{group}/owners")).await;
    assert_eq!(owners.body["value"][0]["id"], ids[0].as_str());
    let page = browser
        .post(
            &details,
            &[
                ("csrf", &csrf),
                ("go", "add-owner"),
                ("member", "nobody@contoso.example"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
    );
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "remove-owner"), ("member", &ids[0])],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let owners = app.get(&format!("/v1.0/groups/{group}/owners")).await;
    assert_eq!(owners.body["value"], json!([]));

    // A license for the group's members: one seat for two members, so one is in error, and the
    // page says who and why.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "assign-license"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 1);
    let page = browser.get(&details).await;
    assert!(page.body.contains("Microsoft 365 E3"), "{}", page.body);
    assert!(
        page.body
            .contains("Members whose licenses from this group did not take"),
        "{}",
        page.body
    );
    assert!(page.body.contains("not enough licenses"), "{}", page.body);
    assert!(
        page.body.contains("License processing: complete"),
        "{}",
        page.body
    );
    browser.set("roster_lang", "nl");
    let page = browser.get(&details).await;
    assert!(page.body.contains("niet genoeg licenties"), "{}", page.body);
    assert!(page.body.contains(": voltooid"), "{}", page.body);
    browser.set("roster_lang", "en");
    // Who holds it, and through which group.
    let page = browser.get(&format!("/users?license={e3}")).await;
    assert!(page.body.contains("1 user"), "{}", page.body);
    assert!(
        page.body.contains("Microsoft 365 E3 (through Team)"),
        "{}",
        page.body
    );

    // Assigned again from the page, a license the group gives keeps its switched-off apps.
    let plan = roster_core::catalog::Catalog::builtin()
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans[0]
        .service_plan_id
        .to_string();
    let reply = app
        .post(
            &format!("/v1.0/groups/{group}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [plan] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "assign-license"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let given = app
        .get(&format!("/v1.0/groups/{group}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        given.body["assignedLicenses"][0]["disabledPlans"],
        json!([plan]),
        "{:?}",
        given.body
    );
    app.drain_jobs().await;

    // Removed again: the seat is free.
    let page = browser
        .post(
            &details,
            &[("csrf", &csrf), ("go", "remove-license"), ("sku", &e3)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.drain_jobs().await;
    let skus = app.get("/v1.0/subscribedSkus").await;
    assert_eq!(skus.body["value"][0]["consumedUnits"], 0);

    // A Helpdesk Administrator is offered neither, and refused both.
    user_with_role(&app, "desk", Some("Helpdesk Administrator")).await;
    let mut desk = Browser::new(&app);
    desk.sign_in(&format!("desk@{DOMAIN}"), PASSWORD).await;
    let page = desk.get(&details).await;
    assert!(
        !page.body.contains("value=\"assign-license\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("value=\"add-owner\""), "{}", page.body);
    let csrf = page.hidden("csrf");
    for (go, field, value) in [
        ("assign-license", "sku", e3.as_str()),
        ("add-owner", "member", ids[1].as_str()),
    ] {
        let page = desk
            .post(&details, &[("csrf", &csrf), ("go", go), (field, value)])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{go}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_licenses_page_assigns_a_license_to_a_user_or_a_group() {
    let app = spawn_app().await;
    let e3 = app.buy("SPE_E3", 5).await;
    let ann = app
        .create_user("ann", json!({ "usageLocation": "NL" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user("nowhere", json!({})).await;
    let group = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Field team", "mailNickname": "field", "mailEnabled": false, "securityEnabled": true }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/licenses").await.hidden("csrf");
    let form = |to: &'static str, name: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("action", "assign".into()),
            ("sku", e3.clone()),
            ("to", to.into()),
            ("name", name.into()),
        ]
    };
    macro_rules! assign {
        ($to:expr, $name:expr) => {{
            let owned = form($to, &$name);
            let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post("/licenses", &borrowed).await
        }};
    }

    // To a user by user name; to a group by its name (the group is then shown as giving it).
    let page = assign!("user", format!("ann@{DOMAIN}"));
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(user.body["assignedLicenses"][0]["skuId"], e3.as_str());
    let page = assign!("group", "field TEAM");
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get("/licenses").await;
    assert!(
        page.body.contains(&format!(
            "<a href=\"/groups/{group}#licenses\">Field team</a>"
        )),
        "{}",
        page.body
    );

    // Assigning again what is held keeps its switched-off apps.
    let plan = roster_core::catalog::Catalog::builtin()
        .by_sku_id(e3.parse().unwrap())
        .unwrap()
        .service_plans[0]
        .service_plan_id
        .to_string();
    let reply = app
        .post(
            &format!("/v1.0/users/{ann}/assignLicense"),
            json!({ "addLicenses": [{ "skuId": e3, "disabledPlans": [plan] }], "removeLicenses": [] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let page = assign!("user", format!("ann@{DOMAIN}"));
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let user = app
        .get(&format!("/v1.0/users/{ann}?$select=assignedLicenses"))
        .await;
    assert_eq!(
        user.body["assignedLicenses"][0]["disabledPlans"],
        json!([plan])
    );

    // Two groups of the same name: which one is not guessed.
    app.post(
        "/v1.0/groups",
        json!({ "displayName": "Twin", "mailNickname": "twin1", "mailEnabled": false, "securityEnabled": true }),
    )
    .await;
    app.post(
        "/v1.0/groups",
        json!({ "displayName": "Twin", "mailNickname": "twin2", "mailEnabled": false, "securityEnabled": true }),
    )
    .await;
    let page = assign!("group", "Twin");
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("More than one group has this name"),
        "{}",
        page.body
    );

    // Refusals beside the form, with what was typed: an unknown user, an unknown group, a user
    // without a usage location.
    let page = assign!("user", "nobody@contoso.example");
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No user of this organisation has this user name.")
    );
    assert!(page.body.contains("value=\"nobody@contoso.example\""));
    let page = assign!("group", "Nobody's team");
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("No group of this organisation has exactly this name."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<option value=\"group\" selected>"),
        "{}",
        page.body
    );
    let page = assign!("user", format!("nowhere@{DOMAIN}"));
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("usage location"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_whose_password_was_reset_changes_it_at_sign_in() {
    let app = spawn_app().await;
    let id = app
        .create_user(
            "fresh",
            json!({ "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": true } }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(
            "/roster/v1/roleAssignments",
            json!({ "principalId": id, "role": "User Administrator" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let upn = format!("fresh@{DOMAIN}");
    let mut browser = Browser::new(&app);

    // The right password: not a session yet, but the form to change it.
    let page = browser.sign_in(&upn, PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Update your password"), "{}", page.body);
    assert!(
        !page.body.contains(PASSWORD),
        "the typed password is not written back"
    );
    assert!(browser.cookie("roster_session").is_none());
    let csrf = page.hidden("csrf");
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        [
            ("username", upn.clone()),
            ("password", current.to_string()),
            ("new_password", new.to_string()),
            ("confirm", confirm.to_string()),
            ("csrf", csrf.clone()),
            ("next", "/users".to_string()),
        ]
    };
    for (form, refusal) in [
        (
            change(PASSWORD, "Another-Passw0rd!", "Other-Passw0rd!"),
            "do not match",
        ),
        (change(PASSWORD, "weakweak", "weakweak"), "too weak"),
        (change(PASSWORD, PASSWORD, PASSWORD), "must differ"),
        (
            change("wrong", "Another-Passw0rd!", "Another-Passw0rd!"),
            "incorrect",
        ),
    ] {
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = browser.post("/signin", &fields).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(refusal), "{refusal}: {}", page.body);
        assert!(browser.cookie("roster_session").is_none());
    }
    assert!(app.password_token(&upn, "Another-Passw0rd!").await.is_err());

    // Changed: signed in, on the page asked for; the new password is the one that works.
    let form = change(PASSWORD, "Another-Passw0rd!", "Another-Passw0rd!");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post("/signin", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/users");
    assert!(browser.cookie("roster_session").is_some());
    assert_eq!(browser.get("/users").await.status, StatusCode::OK);
    assert!(app.password_token(&upn, "Another-Passw0rd!").await.is_ok());
    assert!(app.password_token(&upn, PASSWORD).await.is_err());
    let log = app.get("/roster/v1/auditLogs?top=50").await;
    assert!(
        log.body["value"].as_array().unwrap().iter().any(|r| {
            r["activityDisplayName"] == "Reset user password"
                && r["initiatedBy"]["id"] == id.as_str()
        }),
        "the change is audited as the user's own: {}",
        log.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_filtered_by_activity_and_worded_in_the_pages_language() {
    let app = spawn_app().await;
    for alias in ["gone", "purged"] {
        let id = app.create_user(alias, json!({})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            app.delete(&format!("/v1.0/users/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
        if alias == "purged" {
            let reply = app
                .delete(&format!("/v1.0/directory/deletedItems/{id}"))
                .await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
        }
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;

    // Every activity is offered; one chosen shows that activity only (not "Hard delete user"
    // for "Delete user").
    let page = browser.get("/audit").await;
    for activity in roster_store::AUDIT_ACTIVITIES {
        assert!(
            page.body
                .contains(&format!("<option value=\"{activity}\">")),
            "{activity}"
        );
    }
    let page = browser.get("/audit?operation=Delete%20user").await;
    assert!(
        page.body.contains("class=\"count\">2 records"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<td>Hard delete user</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<option value=\"Delete user\" selected>")
    );
    let page = browser.get("/audit?operation=Hard%20delete%20user").await;
    assert!(
        page.body.contains("1 record") && page.body.contains("purged@"),
        "{}",
        page.body
    );
    let page = browser.get("/audit?operation=Submit%20bulk%20job").await;
    assert!(
        page.body.contains("class=\"count\">0 records"),
        "{}",
        page.body
    );

    // In Dutch, the activities are Dutch, in the table and in the filter.
    browser.set("roster_lang", "nl");
    let page = browser.get("/audit?operation=Hard%20delete%20user").await;
    assert!(
        page.body
            .contains("<td>Gebruiker definitief verwijderen</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(">Gebruiker verwijderen</option>"),
        "{}",
        page.body
    );
    // A date that cannot be read: beside the filter, in Dutch, with what was typed kept.
    let page = browser.get("/audit?from=31-12-2025&actor=ann").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Van: voer een datum in als JJJJ-MM-DD.")
            && page.body.contains("value=\"31-12-2025\"")
            && page.body.contains("name=\"actor\" value=\"ann\""),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_file_too_large_for_the_page_is_refused_beside_the_field() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/users/import").await.hidden("csrf");
    let row = "Ann,Smit,Ann Smit,ann@contoso.example\n";
    let file = format!(
        "First name,Last name,Display name,Username\n{}",
        row.repeat(5 * 1024 * 1024 / row.len())
    );
    let (content_type, body) = multipart(&[("csrf", &csrf), ("usageLocation", "NL")], &file);
    let page = browser
        .post_multipart("/users/import", content_type, body)
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("larger than 4 MB"), "{}", page.body);
    assert!(page.body.contains("roster import users"));
    // The form is there again, with the choice made before the file kept.
    assert!(page.body.contains("name=\"file\""));
    assert!(page.body.contains("value=\"NL\""), "{}", page.body);
}
