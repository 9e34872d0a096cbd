//! Domains: added unverified with the TXT record to create, verified against a real DNS server
//! (dnsmasq, started here) only once the record is there, made the default, removed only when
//! nothing uses them; a user's name in an unverified domain is refused. The admin center's
//! Domains page does the same.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use roster_testkit::{ADMIN_PASSWORD, ADMIN_UPN, DOMAIN, Options, spawn_app_with};
use serde_json::json;

use super::center::Browser;

const DNSMASQ: &str = "/usr/sbin/dnsmasq";

/// dnsmasq answering TXT records for the test on a port of its own, stopped when dropped.
struct Dns {
    child: Option<Child>,
    port: u16,
}

impl Dns {
    /// A port free for both UDP and TCP, below the range the system hands out for outgoing
    /// connections (which could otherwise take it between two starts of dnsmasq).
    fn port() -> u16 {
        let seed = std::process::id() as u64
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos() as u64;
        for attempt in 0..1000u64 {
            let port =
                20_000 + ((seed.wrapping_mul(2_654_435_761) + attempt * 7919) % 10_000) as u16;
            let udp = std::net::UdpSocket::bind(("127.0.0.1", port));
            let tcp = std::net::TcpListener::bind(("127.0.0.1", port));
            if udp.is_ok() && tcp.is_ok() {
                return port;
            }
        }
        panic!("no free port for dnsmasq between 20000 and 30000");
    }

    /// (Re)starts dnsmasq on the port with these TXT records (name, text).
    fn serve(&mut self, records: &[(&str, &str)]) {
        assert!(
            std::path::Path::new(DNSMASQ).exists(),
            "{DNSMASQ} is missing: install Debian's dnsmasq-base (.ci/run does)"
        );
        self.stop();
        // A port just freed by the dnsmasq before it may take a moment to be free again: try a
        // few times, each waiting for it to listen or to give up.
        for _ in 0..5 {
            let mut command = Command::new(DNSMASQ);
            command.args([
                "--keep-in-foreground",
                "--no-resolv",
                "--no-hosts",
                "--no-daemon",
                "--conf-file=/dev/null",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--user=root",
                &format!("--port={}", self.port),
            ]);
            for (name, text) in records {
                command.arg(format!("--txt-record={name},{text}"));
            }
            let mut child = command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("dnsmasq starts");
            let began = Instant::now();
            while began.elapsed() < Duration::from_secs(5) {
                if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                    self.child = Some(child);
                    return;
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(300));
        }
        panic!("dnsmasq did not listen on port {}", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_is_verified_by_its_dns_record_and_removed_only_when_unused() {
    let mut dns = Dns {
        child: None,
        port: Dns::port(),
    };
    dns.serve(&[("other.example", "unrelated")]);
    let app = spawn_app_with(Options {
        dns_server: Some(format!("127.0.0.1:{}", dns.port).parse().unwrap()),
        ..Default::default()
    })
    .await;

    // Added: not verified, with the record to create.
    let added = app
        .post("/roster/v1/domains", json!({ "id": "fabrikam.example" }))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    assert_eq!(added.body["isVerified"], false);
    let record = added.body["verificationDnsRecords"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(record.starts_with("roster-verification="), "{record}");
    // Nothing can use it yet.
    let user = app
        .post(
            "/v1.0/users",
            json!({ "accountEnabled": true, "displayName": "Early", "mailNickname": "early",
                    "userPrincipalName": "early@fabrikam.example",
                    "passwordProfile": { "password": "Early-Passw0rd!" } }),
        )
        .await;
    assert_eq!(user.status, StatusCode::BAD_REQUEST, "{:?}", user.body);
    assert!(
        user.message().contains("verified domain"),
        "{:?}",
        user.body
    );
    let default = app
        .post("/roster/v1/domains/fabrikam.example/default", json!({}))
        .await;
    assert_eq!(default.status, StatusCode::BAD_REQUEST);

    // Verify before the record exists: refused, saying what to create.
    let refused = app
        .post("/roster/v1/domains/fabrikam.example/verify", json!({}))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        refused.body
    );
    assert!(refused.message().contains(&record), "{:?}", refused.body);
    // A record with another code does not do either.
    dns.serve(&[("fabrikam.example", "roster-verification=0000")]);
    let refused = app
        .post("/roster/v1/domains/fabrikam.example/verify", json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // The record there: verified.
    dns.serve(&[
        ("fabrikam.example", "v=spf1 -all"),
        ("fabrikam.example", &record),
    ]);
    let verified = app
        .post("/roster/v1/domains/fabrikam.example/verify", json!({}))
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    assert_eq!(verified.body["isVerified"], true);
    let domains = app.get("/v1.0/domains").await;
    let fabrikam = domains.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "fabrikam.example")
        .unwrap()
        .clone();
    assert_eq!(fabrikam["isVerified"], true);

    // Used by a user: cannot be removed; the default cannot be removed either.
    let user = app.create_user("ann", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let moved = app
        .patch(
            &format!("/v1.0/users/{user}"),
            json!({ "userPrincipalName": "ann@fabrikam.example" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{:?}", moved.body);
    let removed = app.delete("/roster/v1/domains/fabrikam.example").await;
    assert_eq!(removed.status, StatusCode::BAD_REQUEST);
    assert!(removed.message().contains("1 users"), "{:?}", removed.body);
    let removed = app.delete(&format!("/roster/v1/domains/{DOMAIN}")).await;
    assert_eq!(removed.status, StatusCode::BAD_REQUEST);

    // Made the default; the old default is then removable once unused... here the
    // administrator still uses it, so it stays.
    let default = app
        .post("/roster/v1/domains/fabrikam.example/default", json!({}))
        .await;
    assert_eq!(default.status, StatusCode::NO_CONTENT, "{:?}", default.body);
    let domains = app.get("/v1.0/domains").await;
    let defaults: Vec<&str> = domains.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["isDefault"] == true)
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["fabrikam.example"]);

    // Moved back out, the domain is removable... once it is no longer the default.
    app.patch(
        &format!("/v1.0/users/{user}"),
        json!({ "userPrincipalName": format!("ann@{DOMAIN}") }),
    )
    .await;
    app.post(&format!("/roster/v1/domains/{DOMAIN}/default"), json!({}))
        .await;
    let removed = app.delete("/roster/v1/domains/fabrikam.example").await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
    let domains = app.get("/v1.0/domains").await;
    assert_eq!(domains.body["value"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_domains_page_shows_the_record_to_create_and_verifies_it() {
    let mut dns = Dns {
        child: None,
        port: Dns::port(),
    };
    dns.serve(&[]);
    let app = spawn_app_with(Options {
        dns_server: Some(format!("127.0.0.1:{}", dns.port).parse().unwrap()),
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    browser.sign_in(ADMIN_UPN, ADMIN_PASSWORD).await;
    let page = browser.get("/domains").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.hidden("csrf");
    // A name that is no domain is refused in words, what was typed kept.
    let page = browser
        .post(
            "/domains",
            &[("csrf", &csrf), ("go", "add"), ("name", "not a domain")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Domain name is not valid"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"not a domain\""));
    let page = browser
        .post(
            "/domains",
            &[("csrf", &csrf), ("go", "add"), ("name", "fabrikam.example")],
        )
        .await;
    assert_eq!(page.location(), "/domains?done=added");
    let page = browser.get(page.location()).await;
    let record = page
        .body
        .split("id=\"txt-fabrikam.example\">")
        .nth(1)
        .expect("the record to create")
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(record.starts_with("roster-verification="));
    // Verified too early: why, in Dutch.
    browser.set("roster_lang", "nl");
    let page = browser
        .post(
            "/domains",
            &[
                ("csrf", &csrf),
                ("go", "verify"),
                ("name", "fabrikam.example"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("Nog geen TXT-record van het domein bevat"),
        "{}",
        page.body
    );
    browser.set("roster_lang", "en");
    dns.serve(&[("fabrikam.example", &record)]);
    let page = browser
        .post(
            "/domains",
            &[
                ("csrf", &csrf),
                ("go", "verify"),
                ("name", "fabrikam.example"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/domains?done=verified");
    // The user page offers it now.
    let admin = app.get(&format!("/v1.0/users/{ADMIN_UPN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let user_page = browser.get(&format!("/users/{admin}")).await;
    assert!(
        user_page
            .body
            .contains("<option value=\"fabrikam.example\">")
    );
    // Removing asks first, then removes.
    let page = browser.get("/domains?remove=fabrikam.example").await;
    assert!(
        page.body.contains("Remove fabrikam.example?"),
        "{}",
        page.body
    );
    let page = browser
        .post(
            "/domains",
            &[
                ("csrf", &csrf),
                ("go", "remove"),
                ("name", "fabrikam.example"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/domains?done=removed");
    // The default domain has no removal offered, and its removal is refused.
    let page = browser
        .post(
            "/domains",
            &[("csrf", &csrf), ("go", "remove"), ("name", DOMAIN)],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("This is the default domain"),
        "{}",
        page.body
    );
}

/// A user moving into a domain while it is removed: the one waits for the other, so the domain
/// is either removed with no user in it, or kept with the user; never removed under the user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_removed_while_a_user_moves_into_it_is_one_or_the_other() {
    let app = roster_testkit::spawn_app().await;
    let user = app.create_user("ann", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut moved_in, mut removed) = (0, 0);
    for round in 0..6 {
        let domain = format!("round{round}.example");
        app.add_domain(&domain).await;
        let (path, removal) = (
            format!("/v1.0/users/{user}"),
            format!("/roster/v1/domains/{domain}"),
        );
        let (moved, gone) = tokio::join!(
            app.patch(
                &path,
                json!({ "userPrincipalName": format!("ann@{domain}") })
            ),
            app.delete(&removal),
        );
        let upn = app.get(&format!("/v1.0/users/{user}")).await.body["userPrincipalName"]
            .as_str()
            .unwrap()
            .to_string();
        let domains = app.get("/v1.0/domains").await.body.to_string();
        let kept = domains.contains(&format!("\"{domain}\""));
        match (moved.status, gone.status) {
            (StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST) => {
                assert!(kept && upn == format!("ann@{domain}"), "round {round}");
                moved_in += 1;
                // Moved back out for the next round.
                let back = app
                    .patch(
                        &format!("/v1.0/users/{user}"),
                        json!({ "userPrincipalName": format!("ann@{DOMAIN}") }),
                    )
                    .await;
                assert_eq!(back.status, StatusCode::NO_CONTENT);
            }
            (StatusCode::BAD_REQUEST, StatusCode::NO_CONTENT) => {
                assert!(!kept && upn == format!("ann@{DOMAIN}"), "round {round}");
                removed += 1;
            }
            other => panic!(
                "round {round}: {other:?}: {:?} / {:?}",
                moved.body, gone.body
            ),
        }
    }
    assert_eq!(moved_in + removed, 6);
}

/// Two users given the same email alias at once: one has it, the other is told it is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_becomes_one_users_alias_when_two_ask_at_once() {
    let app = roster_testkit::spawn_app().await;
    let admin = app.get(&format!("/v1.0/users/{ADMIN_UPN}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let change = roster_store::Change::by(
        roster_core::types::ObjectId::parse(&app.tenant_id).unwrap(),
        Some(roster_core::types::ObjectId::parse(&admin).unwrap()),
        ADMIN_UPN,
    );
    for round in 0..6 {
        let mut ids = Vec::new();
        for side in ["a", "b"] {
            ids.push(
                app.create_user(&format!("r{round}{side}"), json!({})).await["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let alias = format!("shared{round}@{DOMAIN}");
        let give = |id: String| {
            let (store, change, alias) = (app.store(), change.clone(), alias.clone());
            tokio::task::spawn_blocking(move || {
                let key =
                    roster_store::UserKey::Id(roster_core::types::ObjectId::parse(&id).unwrap());
                let user = store.get_user(change.tenant_id, &key)?;
                let mut update = roster_core::requests::UserUpdate::default();
                update.set_email_aliases(&user, [alias.as_str()]).unwrap();
                store.update_user(&change, &key, &update)
            })
        };
        let (a, b) = tokio::join!(give(ids[0].clone()), give(ids[1].clone()));
        let outcomes = [a.unwrap(), b.unwrap()];
        let given = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(given, 1, "round {round}: {outcomes:?}");
        let refused = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
        assert!(
            matches!(
                refused,
                roster_store::Error::Refused {
                    reason: roster_core::refusal::Reason::AddressTaken(_),
                    ..
                }
            ),
            "round {round}: {refused:?}"
        );
        let holders = app
            .get(&format!(
                "/v1.0/users?$filter=proxyAddresses/any(x:x%20eq%20'smtp:{alias}')"
            ))
            .await;
        assert_eq!(
            holders.body["value"].as_array().unwrap().len(),
            1,
            "{:?}",
            holders.body
        );
    }
    // A domain an alias is in stays while the alias does.
    app.add_domain("fabrikam.example").await;
    let carol = app.create_user("carol", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let store = app.store();
    let change2 = change.clone();
    tokio::task::spawn_blocking(move || {
        let key = roster_store::UserKey::Id(roster_core::types::ObjectId::parse(&carol).unwrap());
        let user = store.get_user(change2.tenant_id, &key)?;
        let mut update = roster_core::requests::UserUpdate::default();
        update
            .set_email_aliases(&user, ["carol@fabrikam.example"])
            .unwrap();
        store.update_user(&change2, &key, &update)
    })
    .await
    .unwrap()
    .unwrap();
    let removed = app.delete("/roster/v1/domains/fabrikam.example").await;
    assert_eq!(
        removed.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        removed.body
    );
    assert!(removed.message().contains("1 users"), "{:?}", removed.body);
}
