//! The admin center's languages: message catalogs in Project Fluent's format (`locales/*.ftl`,
//! compiled into the binary), the language a request asks for, and numbers and dates written
//! as each language writes them.

use std::sync::LazyLock;

use axum::extract::Query;
use axum::http::HeaderMap;
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Deserialize;

use super::redirect::local_path;

/// A language the admin center is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Nl,
}

/// The cookie that keeps a language chosen with the switch.
const COOKIE: &str = "roster_lang";

type Bundle = FluentBundle<FluentResource>;

fn bundle(code: &str, source: &'static str) -> Bundle {
    let resource = FluentResource::try_new(source.to_string())
        .unwrap_or_else(|(_, errors)| panic!("locales/{code}.ftl does not parse: {errors:?}"));
    let mut bundle = Bundle::new_concurrent(vec![code.parse().expect("a valid language tag")]);
    // Unicode isolation marks around arguments would land in the HTML as invisible characters.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{code}.ftl defines a message twice: {errors:?}"));
    bundle
}

static EN: LazyLock<Bundle> = LazyLock::new(|| bundle("en", include_str!("../../locales/en.ftl")));
static NL: LazyLock<Bundle> = LazyLock::new(|| bundle("nl", include_str!("../../locales/nl.ftl")));

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    fn parse(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.trim();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The language of a request: the one chosen with the switch (a cookie), else the first of
    /// the browser's `Accept-Language` that the admin center is written in, else English.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(lang) =
            crate::identity::session::cookie(headers, COOKIE).and_then(|code| Lang::parse(&code))
        {
            return lang;
        }
        let accepted = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let mut ranges: Vec<(f32, Lang)> = accepted
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let lang = Lang::parse(parts.next()?)?;
                let quality = parts
                    .find_map(|param| param.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (quality > 0.0).then_some((quality, lang))
            })
            .collect();
        // A stable sort keeps the browser's order among equal qualities.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.first().map_or(Lang::En, |(_, lang)| *lang)
    }

    fn bundle(self) -> &'static Bundle {
        match self {
            Lang::En => &EN,
            Lang::Nl => &NL,
        }
    }

    /// A message. A message missing from the catalog shows as its id (a test checks that every
    /// id the code uses is in both catalogs).
    pub fn t(self, id: &str) -> String {
        self.t_with(id, &[])
    }

    /// A message with arguments; numbers are passed already written ([`Lang::number`]), except
    /// `count`, which is also passed as a number so that plurals can be chosen.
    pub fn t_with(self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) else {
            return id.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// A property by its Graph name (`jobTitle`, or a nested one's last part), in words: "Job
    /// title"; the name itself for one the catalogs do not word.
    pub fn property(self, name: &str) -> String {
        let leaf = name.rsplit('/').next().unwrap_or(name);
        let id = format!("property-{leaf}");
        let words = self.t(&id);
        if words == id { name.to_string() } else { words }
    }

    /// Why a license did not take, in words (Graph's `error` code, such as `CountViolation`).
    pub fn license_error(self, error: roster_core::directory::LicenseError) -> String {
        self.t(&format!("license-error-{}", error.as_str()))
    }

    /// A bulk job's kind (`createUsers`) in words.
    pub fn job_kind(self, kind: &str) -> String {
        match crate::bulk::Kind::parse(kind) {
            Some(_) => self.t_with("job-kind", &[("kind", kind.to_string().into())]),
            None => kind.to_string(),
        }
    }

    /// An audit record's activity in words (one of `roster_store::AUDIT_ACTIVITIES`, and what
    /// follows it, such as a bulk job's kind); as recorded when it is not one of them.
    pub fn activity(self, operation: &str) -> String {
        match roster_store::audit_activity(operation) {
            Some((activity, detail)) => {
                let words = self.t(&activity_id(activity));
                if detail.is_empty() {
                    words
                } else if crate::bulk::Kind::parse(detail).is_some() {
                    format!("{words}: {}", self.job_kind(detail))
                } else {
                    format!("{words}: {detail}")
                }
            }
            None => operation.to_string(),
        }
    }

    /// A whole number with the language's thousands separator: 100,000 or 100.000.
    pub fn number(self, n: i64) -> String {
        let separator = match self {
            Lang::En => ',',
            Lang::Nl => '.',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(digit);
        }
        out
    }

    /// A moment as the language writes it (in UTC, which the page says): "23 Nov 2026, 15:20"
    /// or "23 nov. 2026 15:20".
    pub fn datetime(self, at: DateTime<Utc>) -> String {
        use chrono::Datelike;
        const EN_MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const NL_MONTHS: [&str; 12] = [
            "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.",
            "dec.",
        ];
        let month = at.month0() as usize;
        match self {
            Lang::En => format!(
                "{} {} {}, {}",
                at.day(),
                EN_MONTHS[month],
                at.year(),
                at.format("%H:%M")
            ),
            Lang::Nl => format!(
                "{} {} {} {}",
                at.day(),
                NL_MONTHS[month],
                at.year(),
                at.format("%H:%M")
            ),
        }
    }
}

#[derive(Deserialize)]
pub struct Switch {
    to: String,
    back: Option<String>,
}

/// `GET /language?to=nl&back=/users`: keeps the chosen language in a cookie and goes back.
pub async fn switch(parts: Parts, Query(switch): Query<Switch>) -> Response {
    let back = switch
        .back
        .as_deref()
        .and_then(local_path)
        .unwrap_or("/")
        .to_string();
    let mut response = (axum::http::StatusCode::SEE_OTHER, [(LOCATION, back)]).into_response();
    if let Some(lang) = Lang::parse(&switch.to) {
        crate::identity::session::set_cookie(
            &mut response,
            crate::identity::session::secure(&parts),
            (COOKIE, lang.code()),
            Some(365 * 24 * 3600),
        );
    }
    response
}

/// The catalog's id of an audit activity: `activity-` and its words (letters and digits only),
/// lower case, joined by `-`.
fn activity_id(activity: &str) -> String {
    let words: Vec<String> = activity
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    format!("activity-{}", words.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim().to_string()))
            .collect()
    }

    #[test]
    fn both_catalogs_have_the_same_messages() {
        let en = message_ids(include_str!("../../locales/en.ftl"));
        let nl = message_ids(include_str!("../../locales/nl.ftl"));
        for id in &en {
            assert!(nl.contains(id), "locales/nl.ftl lacks {id}");
        }
        for id in &nl {
            assert!(en.contains(id), "locales/en.ftl lacks {id}");
        }
        assert!(en.len() > 50, "the catalog was read: {} messages", en.len());
    }

    #[test]
    fn every_message_the_pages_use_is_in_the_catalogs() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("session.rs"),
            include_str!("home.rs"),
            include_str!("users.rs"),
            include_str!("audit.rs"),
            include_str!("deleted.rs"),
            include_str!("licenses.rs"),
            include_str!("roles.rs"),
            include_str!("new_user.rs"),
            include_str!("groups.rs"),
            include_str!("group_page.rs"),
            include_str!("contacts.rs"),
            include_str!("jobs.rs"),
            include_str!("settings.rs"),
            include_str!("domains.rs"),
            include_str!("import.rs"),
            include_str!("rule_text.rs"),
            include_str!("wording.rs"),
            include_str!("countries.rs"),
            include_str!("users/details.rs"),
            include_str!("users/actions.rs"),
            include_str!("users/properties.rs"),
            include_str!("users/list_query.rs"),
            include_str!("users/edit.rs"),
            include_str!("authorize.rs"),
            include_str!("device.rs"),
            include_str!("sign_ins.rs"),
            include_str!("sign_in.rs"),
            include_str!("layout.rs"),
        ];
        let mut used = 0;
        for source in sources {
            for (index, _) in source
                .match_indices(".t(\"")
                .chain(source.match_indices(".t_with(\""))
            {
                let rest = &source[index..];
                let start = rest.find('"').expect("a quote") + 1;
                let end = start + rest[start..].find('"').expect("a closing quote");
                let id = &rest[start..end];
                for lang in Lang::ALL {
                    assert!(
                        lang.bundle().get_message(id).is_some(),
                        "locales/{}.ftl lacks {id}",
                        lang.code()
                    );
                }
                used += 1;
            }
        }
        assert!(used > 30, "the sources were scanned: {used} uses");
    }

    #[test]
    fn every_user_property_is_in_words() {
        let typed = [
            "displayName",
            "userPrincipalName",
            "accountEnabled",
            "usageLocation",
        ];
        let attributes = roster_core::attributes::USER_ATTRIBUTES
            .iter()
            .map(|def| def.leaf());
        for name in typed.into_iter().chain(attributes) {
            for lang in Lang::ALL {
                assert_ne!(
                    lang.property(name),
                    name,
                    "locales/{}.ftl lacks property-{name}",
                    lang.code()
                );
            }
        }
        assert_eq!(
            Lang::Nl.property("onPremisesExtensionAttributes/extensionAttribute3"),
            "Extensiekenmerk 3"
        );
        assert_eq!(Lang::En.property("noSuchProperty"), "noSuchProperty");
    }

    #[test]
    fn every_audit_activity_is_in_words() {
        for lang in Lang::ALL {
            for activity in roster_store::AUDIT_ACTIVITIES {
                let id = activity_id(activity);
                assert!(
                    lang.bundle().get_message(&id).is_some(),
                    "locales/{}.ftl lacks {id}",
                    lang.code()
                );
            }
        }
        assert_eq!(
            Lang::Nl.activity("Reset user password"),
            "Gebruikerswachtwoord opnieuw instellen"
        );
        assert_eq!(
            Lang::Nl.activity("Submit bulk job blockUsers"),
            "Bulktaak ingediend: Aanmelden blokkeren"
        );
        assert_eq!(Lang::En.activity("Something new"), "Something new");
        // Each job kind has its own words (a selector's default hides no kind).
        for lang in Lang::ALL {
            let words: std::collections::HashSet<String> = crate::bulk::Kind::ALL
                .iter()
                .map(|kind| lang.job_kind(kind.name()))
                .collect();
            assert_eq!(words.len(), crate::bulk::Kind::ALL.len());
            assert!(!words.iter().any(|word| word.contains("job-kind")));
        }
        assert_eq!(Lang::En.job_kind("somethingNew"), "somethingNew");
    }

    #[test]
    fn every_license_error_is_in_words() {
        for lang in Lang::ALL {
            for error in roster_core::directory::LicenseError::ALL {
                let id = format!("license-error-{}", error.as_str());
                assert_ne!(lang.license_error(error), id, "locales/{}.ftl", lang.code());
            }
        }
    }

    #[test]
    fn the_language_follows_the_browser_unless_chosen() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, value.parse().unwrap());
            }
            headers
        };
        let check = |pairs: &[(&'static str, &str)], expected: Lang| {
            assert_eq!(Lang::of(&headers(pairs)), expected, "{pairs:?}");
        };
        check(&[], Lang::En);
        check(&[("accept-language", "nl-NL,nl;q=0.9,en;q=0.8")], Lang::Nl);
        check(
            &[("accept-language", "de-DE,de;q=0.9,nl;q=0.5,en;q=0.4")],
            Lang::Nl,
        );
        check(&[("accept-language", "en;q=0.3, nl-BE;q=0.7")], Lang::Nl);
        check(&[("accept-language", "fr, nl;q=0")], Lang::En);
        check(
            &[("accept-language", "nl"), ("cookie", "a=b; roster_lang=en")],
            Lang::En,
        );
        check(&[("cookie", "roster_lang=nl")], Lang::Nl);
        check(
            &[("cookie", "roster_lang=xx"), ("accept-language", "nl")],
            Lang::Nl,
        );
    }

    #[test]
    fn numbers_and_dates_are_written_as_the_language_writes_them() {
        assert_eq!(Lang::En.number(100_000), "100,000");
        assert_eq!(Lang::Nl.number(100_000), "100.000");
        assert_eq!(Lang::En.number(999), "999");
        assert_eq!(Lang::Nl.number(-1_234_567), "-1.234.567");
        assert_eq!(Lang::En.number(0), "0");
        let at = DateTime::parse_from_rfc3339("2026-03-05T09:07:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(Lang::En.datetime(at), "5 Mar 2026, 09:07");
        assert_eq!(Lang::Nl.datetime(at), "5 mrt. 2026 09:07");
    }

    #[test]
    fn messages_take_arguments() {
        let text = Lang::Nl.t_with(
            "users-found",
            &[("count", FluentValue::from(1)), ("shown", "1".into())],
        );
        assert_eq!(text, "1 gebruiker");
        let text = Lang::En.t_with(
            "users-found",
            &[
                ("count", FluentValue::from(100_000)),
                ("shown", Lang::En.number(100_000).into()),
            ],
        );
        assert_eq!(text, "100,000 users");
    }
}
