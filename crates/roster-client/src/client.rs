//! The connection to a roster server, and the calls it offers.

use std::path::PathBuf;

use anyhow::Context;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::error::HttpError;
use crate::models::{Domain, Job, JobResults, Page, SubscribedSku, User};

/// How to reach a server: its URL and, for https with a private certificate, the CA to trust.
#[derive(Debug, Clone)]
pub struct Server {
    pub url: String,
    pub ca_cert: Option<PathBuf>,
}

impl Server {
    pub fn http(&self) -> anyhow::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder();
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading the CA certificate {}", path.display()))?;
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
        }
        Ok(builder.build()?)
    }
}

/// A list of users as `/v1.0/users` pages it.
#[derive(Debug, Clone, Default)]
pub struct UserList {
    /// A `$filter`, as Graph writes it.
    pub filter: Option<String>,
    /// The properties to read (Graph's default set when empty).
    pub select: Vec<String>,
    /// At most this many users (all of them when `None`).
    pub top: Option<usize>,
}

impl UserList {
    /// The list's query options: `$select`, `$top` (a page at most 999), `$filter`.
    fn query(&self) -> String {
        let mut query = Vec::new();
        if !self.select.is_empty() {
            query.push(format!("$select={}", encode(&self.select.join(","))));
        }
        query.push(format!("$top={}", self.top.unwrap_or(999).clamp(1, 999)));
        if let Some(filter) = &self.filter {
            query.push(format!("$filter={}", encode(filter)));
        }
        query.join("&")
    }
}

/// A signed-in connection to one server.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A successful answer: its JSON body (`null` when empty) and headers.
struct Answer {
    body: Value,
    headers: reqwest::header::HeaderMap,
}

impl Client {
    pub fn new(server: &Server, token: String) -> anyhow::Result<Client> {
        Ok(Client {
            http: server.http()?,
            base: server.url.trim_end_matches('/').to_string(),
            token,
        })
    }

    /// Sends a request to `path` (`/v1.0/...`, `/roster/v1/...`, or an absolute next link) and
    /// returns the JSON body (`null` for 204); an error answer becomes an [`HttpError`].
    pub async fn send<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<Value> {
        Ok(self.exchange(method, path, body).await?.body)
    }

    /// Like [`Client::send`], keeping the answer's `Warning` header: the server allows some
    /// things while saying they may not be what was meant.
    pub async fn send_with_warning<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<(Value, Option<String>)> {
        let answer = self.exchange(method, path, body).await?;
        let warning = answer
            .headers
            .get_all(reqwest::header::WARNING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(warning_text)
            .collect::<Vec<_>>();
        Ok((
            answer.body,
            (!warning.is_empty()).then(|| warning.join("; ")),
        ))
    }

    async fn exchange<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<Answer> {
        // An absolute link (a next link) is followed on this server, whatever host it names
        // (the server may name itself by a public address): the token goes nowhere else.
        let url = match reqwest::Url::parse(path) {
            Ok(link) => match link.query() {
                Some(query) => format!("{}{}?{query}", self.base, link.path()),
                None => format!("{}{}", self.base, link.path()),
            },
            Err(_) => format!("{}{path}", self.base),
        };
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| {
            format!(
                "cannot reach {}: is the server running, and is the address (ROSTER_URL or `roster login --url`) right?",
                self.base
            )
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let json: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        if status.is_success() {
            return Ok(Answer {
                body: json,
                headers,
            });
        }
        let error = &json["error"];
        Err(HttpError {
            status,
            code: error["code"].as_str().unwrap_or("error").to_string(),
            message: error["message"]
                .as_str()
                .unwrap_or("the server gave no reason")
                .to_string(),
            request: format!("{method} {}", path.strip_prefix(&self.base).unwrap_or(path)),
        }
        .into())
    }

    /// A call whose answer is read as `T`; an answer of another shape is an error that names
    /// the call.
    async fn typed<T: DeserializeOwned, B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<T> {
        let value = self.send(method.clone(), path, body).await?;
        serde_json::from_value(value).with_context(|| {
            format!("{method} {path} answered in a shape this client does not know")
        })
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send::<Value>(Method::GET, path, None).await
    }

    /// Posts any serialisable body (written straight to the request, not through a `Value`).
    pub async fn post<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<Value> {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<Value> {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.send::<Value>(Method::DELETE, path, None).await
    }

    /// Every item of a collection, following `@odata.nextLink` to the last page, stopping once
    /// `limit` items are read.
    pub async fn collect<T: DeserializeOwned>(
        &self,
        path: &str,
        limit: Option<usize>,
    ) -> anyhow::Result<Vec<T>> {
        let mut link = path.to_string();
        let mut items = Vec::new();
        loop {
            let page: Page<T> = self.typed::<_, Value>(Method::GET, &link, None).await?;
            items.extend(page.value);
            if let Some(limit) = limit.filter(|limit| items.len() >= *limit) {
                items.truncate(limit);
                return Ok(items);
            }
            match page.next_link {
                Some(next) => link = next,
                None => return Ok(items),
            }
        }
    }

    /// Every item of a Graph collection as JSON, following `@odata.nextLink` to the last page.
    pub async fn get_all(&self, path: &str) -> anyhow::Result<Vec<Value>> {
        self.collect(path, None).await
    }

    /// The URL naming an object in a `$ref` body (`{"@odata.id": ...}`).
    pub fn object_url(&self, id: &str) -> String {
        format!("{}/v1.0/directoryObjects/{id}", self.base)
    }

    /// The users a list asks for, every page of them.
    pub async fn users(&self, list: &UserList) -> anyhow::Result<Vec<User>> {
        let path = format!("/v1.0/users?{}", list.query());
        self.collect(&path, list.top).await
    }

    /// One user by id or user principal name, with the properties `select` names (Graph's
    /// default set when empty).
    pub async fn user(&self, key: &str, select: &[&str]) -> anyhow::Result<User> {
        let mut path = user_path(key);
        if !select.is_empty() {
            path = format!("{path}?$select={}", encode(&select.join(",")));
        }
        self.typed::<_, Value>(Method::GET, &path, None).await
    }

    /// Creates a user from Graph's body for `POST /v1.0/users`; answers it as created.
    pub async fn create_user(&self, body: &Map<String, Value>) -> anyhow::Result<User> {
        self.typed(Method::POST, "/v1.0/users", Some(body)).await
    }

    /// Changes the properties `changes` names (Graph's `PATCH`).
    pub async fn update_user(&self, key: &str, changes: &Map<String, Value>) -> anyhow::Result<()> {
        self.send(Method::PATCH, &user_path(key), Some(changes))
            .await
            .map(drop)
    }

    /// Moves a user to the recycle bin.
    pub async fn delete_user(&self, key: &str) -> anyhow::Result<()> {
        self.delete(&user_path(key)).await.map(drop)
    }

    /// Brings a user back from the recycle bin; answers it as restored.
    pub async fn restore_user(&self, id: &str) -> anyhow::Result<User> {
        let path = format!("/v1.0/directory/deletedItems/{}/restore", encode(id.trim()));
        self.typed(Method::POST, &path, Some(&Value::Null)).await
    }

    /// Deletes a user in the recycle bin for good.
    pub async fn purge_user(&self, id: &str) -> anyhow::Result<()> {
        self.delete(&format!(
            "/v1.0/directory/deletedItems/{}",
            encode(id.trim())
        ))
        .await
        .map(drop)
    }

    /// The users in the recycle bin, restorable until 30 days after deletion.
    pub async fn deleted_users(&self, list: &UserList) -> anyhow::Result<Vec<User>> {
        let path = format!(
            "/v1.0/directory/deletedItems/microsoft.graph.user?{}",
            list.query()
        );
        self.collect(&path, list.top).await
    }

    /// Makes the user with id `manager_id` the user's manager, or (`None`) removes its manager.
    pub async fn set_manager(&self, key: &str, manager_id: Option<&str>) -> anyhow::Result<()> {
        let path = format!("{}/manager/$ref", user_path(key));
        match manager_id {
            Some(id) => {
                let body = json!({ "@odata.id": self.object_url(id) });
                self.send(Method::PUT, &path, Some(&body)).await.map(drop)
            }
            None => self.delete(&path).await.map(drop),
        }
    }

    /// The user's manager, with the properties `select` names; `None` when it has none (Graph
    /// answers 404 for that as for a user that does not exist).
    pub async fn manager(&self, key: &str, select: &[&str]) -> anyhow::Result<Option<User>> {
        let mut path = format!("{}/manager", user_path(key));
        if !select.is_empty() {
            path = format!("{path}?$select={}", encode(&select.join(",")));
        }
        match self.typed::<User, Value>(Method::GET, &path, None).await {
            Ok(manager) => Ok(Some(manager)),
            Err(error) if crate::error::is_not_found(&error) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Ends every token and session issued to the user so far.
    pub async fn revoke_sessions(&self, key: &str) -> anyhow::Result<()> {
        let path = format!("{}/revokeSignInSessions", user_path(key));
        self.send::<Value>(Method::POST, &path, None)
            .await
            .map(drop)
    }

    /// The tenant's subscriptions.
    pub async fn subscribed_skus(&self) -> anyhow::Result<Vec<SubscribedSku>> {
        self.collect("/v1.0/subscribedSkus", None).await
    }

    /// Buys `seats` of a SKU by its part number (`SPE_E3`): a new subscription, or more seats
    /// of the one the tenant has. Answers it as `/v1.0/subscribedSkus` shows it.
    pub async fn add_subscription(
        &self,
        part_number: &str,
        seats: i64,
    ) -> anyhow::Result<SubscribedSku> {
        let body = json!({ "skuPartNumber": part_number, "seats": seats });
        self.typed(Method::POST, "/roster/v1/subscriptions", Some(&body))
            .await
    }

    /// The tenant's domains.
    pub async fn domains(&self) -> anyhow::Result<Vec<Domain>> {
        self.collect("/v1.0/domains", None).await
    }

    /// The tenant's most recent bulk jobs.
    pub async fn jobs(&self) -> anyhow::Result<Vec<Job>> {
        self.collect("/roster/v1/jobs", None).await
    }

    pub async fn job(&self, id: &str) -> anyhow::Result<Job> {
        self.typed::<_, Value>(Method::GET, &job_path(id), None)
            .await
    }

    /// Submits a bulk job of `kind` (`createUsers`, `updateUsers`, ...): `body` is
    /// `{"rows": [...]}`, each row a Graph body, with the kind's options beside `rows`; answers
    /// the job as queued.
    pub async fn submit_job<B: serde::Serialize + ?Sized>(
        &self,
        kind: &str,
        body: &B,
    ) -> anyhow::Result<Job> {
        let path = format!("/roster/v1/jobs/{}", encode(kind));
        self.typed(Method::POST, &path, Some(body)).await
    }

    /// A page of a job's rows and their outcomes, after row number `after` (0 for the first).
    pub async fn job_results(
        &self,
        id: &str,
        after: i64,
        top: usize,
    ) -> anyhow::Result<JobResults> {
        let path = format!("{}/results?after={after}&top={top}", job_path(id));
        self.typed::<_, Value>(Method::GET, &path, None).await
    }

    /// Tells the server the job's generated passwords are kept: it forgets them.
    pub async fn forget_job_outputs(&self, id: &str) -> anyhow::Result<()> {
        self.delete(&format!("{}/outputs", job_path(id)))
            .await
            .map(drop)
    }
}

fn user_path(key: &str) -> String {
    format!("/v1.0/users/{}", encode(key.trim()))
}

fn job_path(id: &str) -> String {
    format!("/roster/v1/jobs/{}", encode(id.trim()))
}

/// The text of a `Warning` header (`199 agent "text" ["date"]`), or the whole value if it has
/// no quoted text.
fn warning_text(value: &str) -> String {
    let Some(start) = value.find('"') else {
        return value.trim().to_string();
    };
    let mut text = String::new();
    let mut chars = value[start + 1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return text,
            '\\' => text.extend(chars.next()),
            c => text.push(c),
        }
    }
    value.trim().to_string()
}

/// A path segment or query value, percent-encoded (user principal names may hold `#`, `'`
/// and `&`).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~@".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::warning_text;

    #[test]
    fn warning_headers_give_their_text() {
        for (header, expected) in [
            (
                "199 roster \"The group has guests among its members: they are licensed too.\"",
                "The group has guests among its members: they are licensed too.",
            ),
            ("199 - \"a \\\"quoted\\\" word\"", "a \"quoted\" word"),
            ("just text ", "just text"),
            (
                "199 roster \"text\" \"Wed, 21 Oct 2026 07:28:00 GMT\"",
                "text",
            ),
        ] {
            assert_eq!(warning_text(header), expected, "{header}");
        }
    }
}
