//! The properties an administrator edits on a user's page, in the sections Microsoft's admin
//! center has (Account, Contact information): which fields each section holds, how each is
//! entered, and the change a saved section makes, which holds only what differs from the user
//! as read, so that a section saved unchanged changes nothing and a confirmation can name what
//! did change.
//!
//! Every value is checked by the same rules as Graph's (`AttrValue::from_json`,
//! `check_display_name`); a refused value is said beside its field.

use maud::{Markup, html};
use roster_core::attributes::{AttrKind, AttrValue, find_attribute};
use roster_core::directory::User;
use roster_core::requests::{UserUpdate, check_display_name, email_aliases};
use roster_core::types::InvalidValue;
use serde_json::Value as Json;

use super::super::i18n::Lang;
use super::super::wording::problem;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    /// One line of text.
    Text,
    /// A list, one item per line.
    Lines,
    /// A date (kept as midnight UTC).
    Date,
}

/// A section of the user's page that is saved on its own.
pub(super) struct Section {
    /// The form's name, and the panel's anchor.
    pub(super) form: &'static str,
    /// The properties it edits, by their Graph names.
    fields: &'static [&'static str],
}

impl Section {
    pub(super) fn has(&self, property: &str) -> bool {
        self.fields.contains(&property)
    }
}

pub(super) const ACCOUNT: Section = Section {
    form: "account",
    fields: &[
        "displayName",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "companyName",
        "officeLocation",
        "employeeId",
        "employeeHireDate",
        "preferredLanguage",
    ],
};

pub(super) const CONTACT: Section = Section {
    form: "contact",
    fields: &[
        "mail",
        "proxyAddresses",
        "otherMails",
        "businessPhones",
        "mobilePhone",
        "faxNumber",
        "streetAddress",
        "city",
        "state",
        "postalCode",
        "country",
    ],
};

pub(super) const SECTIONS: [&Section; 2] = [&ACCOUNT, &CONTACT];

fn input(name: &str) -> Input {
    match find_attribute(name).map(|(_, def)| def.kind) {
        Some(AttrKind::TextList) => Input::Lines,
        Some(AttrKind::DateTime) => Input::Date,
        _ => Input::Text,
    }
}

/// The property's value as its field shows it.
fn shown(user: &User, name: &str) -> String {
    match name {
        "displayName" => return user.display_name.clone(),
        // Only the aliases: the primary address is the mail above, other kinds are not shown.
        "proxyAddresses" => return email_aliases(user).join("\n"),
        _ => {}
    }
    match user.attributes.get(name) {
        AttrValue::Text(text) => text.clone(),
        AttrValue::TextList(items) => items.join("\n"),
        AttrValue::DateTime(at) => at.format("%Y-%m-%d").to_string(),
        AttrValue::Bool(flag) => flag.to_string(),
        AttrValue::Null => String::new(),
    }
}

/// The section's values as a table, for an administrator who may not change them.
pub(super) fn table(lang: Lang, section: &Section, user: &User) -> Markup {
    html! {
        table.properties { tbody {
            @for name in section.fields {
                tr { th scope="row" { (lang.property(name)) } td.pre-line { (shown(user, name)) } }
            }
        } }
    }
}

/// What was typed in a form, by field name.
pub(super) type Typed<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The section's fields, showing what was typed where a save was refused (`typed`), with each
/// refusal under its field (`errors`: by property name).
pub(super) fn fields(
    lang: Lang,
    section: &Section,
    user: &User,
    typed: Option<Typed<'_>>,
    errors: &[(String, String)],
) -> Markup {
    html! {
        div.field-grid {
            @for name in section.fields {
                @let id = format!("p-{name}");
                @let value = typed.and_then(|typed| typed(name)).unwrap_or_else(|| shown(user, name));
                @let message = errors.iter().find(|(field, _)| field == name).map(|(_, m)| m);
                @let described = message.map(|_| format!("{id}-error"));
                div.field {
                    label for=(id) { (lang.property(name)) }
                    @match input(name) {
                        Input::Lines => textarea id=(id) name=(name) rows="2"
                            aria-invalid=[message.map(|_| "true")] aria-describedby=[described.clone()] { (value) },
                        Input::Date => input id=(id) name=(name) type="date" value=(value)
                            aria-invalid=[message.map(|_| "true")] aria-describedby=[described.clone()];,
                        Input::Text => input id=(id) name=(name) value=(value)
                            required[*name == "displayName"]
                            aria-invalid=[message.map(|_| "true")] aria-describedby=[described.clone()];,
                    }
                    @if let Some(message) = message { p.error role="alert" id=[described] { (message) } }
                }
            }
        }
    }
}

/// A value that was refused, by the property whose field it was typed in.
#[derive(Debug)]
pub(super) struct Refused {
    pub(super) property: &'static str,
    pub(super) invalid: InvalidValue,
}

impl Refused {
    /// The refusal in `lang`, as said under the field.
    pub(super) fn words(&self, lang: Lang) -> String {
        problem(lang, &self.invalid.reason)
    }
}

/// The change a saved section asks for: each field whose value differs from `user`'s, checked;
/// and the names of the properties it changes, in the section's order. Every refused value is
/// returned, not only the first.
pub(super) fn change(
    section: &Section,
    user: &User,
    submitted: &dyn Fn(&str) -> Option<String>,
) -> Result<(UserUpdate, Vec<&'static str>), Vec<Refused>> {
    let mut update = UserUpdate::default();
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    for &name in section.fields {
        // A field the form did not send is left as it is.
        let Some(text) = submitted(name) else {
            continue;
        };
        let text = text.trim();
        if text == shown(user, name).trim() {
            continue;
        }
        if name == "proxyAddresses" {
            if let Err(invalid) = update.set_email_aliases(user, text.lines()) {
                refused.push(Refused {
                    property: name,
                    invalid,
                });
            }
            changed.push(name);
            continue;
        }
        if name == "displayName" {
            match check_display_name(text) {
                Ok(display_name) => update.display_name = Some(display_name),
                Err(invalid) => refused.push(Refused {
                    property: name,
                    invalid,
                }),
            }
            changed.push(name);
            continue;
        }
        let Some((index, def)) = find_attribute(name) else {
            continue;
        };
        let json = match input(name) {
            _ if text.is_empty() => Json::Null,
            Input::Lines => Json::Array(
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(|line| Json::String(line.to_string()))
                    .collect(),
            ),
            // A date alone is that day at midnight UTC; anything else is checked as Graph's.
            Input::Date if text.len() == 10 => Json::String(format!("{text}T00:00:00Z")),
            Input::Date | Input::Text => Json::String(text.to_string()),
        };
        match AttrValue::from_json(def, &json) {
            Ok(value) => {
                update.attributes.push((index, value));
                changed.push(name);
            }
            Err(invalid) => refused.push(Refused {
                property: name,
                invalid,
            }),
        }
    }
    if refused.is_empty() {
        Ok((update, changed))
    } else {
        Err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::requests::NewUser;
    use roster_core::types::UserPrincipalName;

    fn ann() -> User {
        let upn = UserPrincipalName::parse("ann@contoso.example").unwrap();
        let mut user = NewUser::new(upn, "Ann Smit".into()).unwrap().user;
        user.attributes
            .set("department", AttrValue::Text("Sales".into()));
        user.attributes.set(
            "otherMails",
            AttrValue::TextList(vec!["ann@home.example".into()]),
        );
        user
    }

    fn form<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn a_section_saved_unchanged_changes_nothing() {
        let user = ann();
        let (update, changed) = change(
            &CONTACT,
            &user,
            &form(&[("otherMails", "ann@home.example\n"), ("city", "")]),
        )
        .unwrap();
        assert!(update.is_empty() && changed.is_empty());
    }

    #[test]
    fn only_what_differs_is_changed_and_named() {
        let user = ann();
        let (update, changed) = change(
            &ACCOUNT,
            &user,
            &form(&[
                ("displayName", "Ann Smit"),
                ("department", ""),
                ("jobTitle", " Buyer "),
                ("employeeHireDate", "2026-03-01"),
            ]),
        )
        .unwrap();
        assert_eq!(changed, ["jobTitle", "department", "employeeHireDate"]);
        assert!(update.display_name.is_none());
        let mut after = user.clone();
        update.apply(&mut after);
        assert_eq!(after.attributes.text("jobTitle"), Some("Buyer"));
        assert_eq!(after.attributes.get("department"), &AttrValue::Null);
        assert_eq!(shown(&after, "employeeHireDate"), "2026-03-01");
    }

    #[test]
    fn lists_are_one_item_per_line() {
        let (update, changed) = change(
            &CONTACT,
            &ann(),
            &form(&[("otherMails", "a@x.example\r\n\r\n b@x.example ")]),
        )
        .unwrap();
        assert_eq!(changed, ["otherMails"]);
        assert_eq!(
            update.attributes[0].1,
            AttrValue::TextList(vec!["a@x.example".into(), "b@x.example".into()])
        );
    }

    #[test]
    fn every_refused_value_is_named_by_its_field() {
        let refused = change(
            &ACCOUNT,
            &ann(),
            &form(&[
                ("displayName", " "),
                ("department", &"x".repeat(65)),
                ("employeeHireDate", "1 March"),
            ]),
        )
        .unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|r| r.property).collect();
        assert_eq!(fields, ["displayName", "department", "employeeHireDate"]);
        assert!(
            refused[1].words(Lang::En).contains("64"),
            "{}",
            refused[1].words(Lang::En)
        );
    }
}
