//! The admin center over HTTP, as a browser without JavaScript uses it: signing in and out,
//! the session cookie and CSRF tokens, what each role may see and do, escaping, languages, and
//! the users list's filters and paging. (`browser.rs` drives a real Chromium through it.)

mod audit;
mod contacts;
mod group_page;
mod groups;
mod home;
mod import;
mod jobs;
mod licenses;
mod settings;
mod sign_in;
mod user_page;
mod users;

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

/// A browser signed in as the bootstrap Global Administrator, and its session's form token.
pub async fn signed_in(app: &TestApp) -> (Browser, String) {
    let mut browser = Browser::new(app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let csrf = browser.get("/").await.hidden("csrf");
    (browser, csrf)
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
