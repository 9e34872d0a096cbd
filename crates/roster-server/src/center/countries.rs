//! Countries by name in the page's language, for every form that asks for a usage location:
//! a list to choose from whose values are the ISO 3166-1 alpha-2 codes the store keeps.
//!
//! The names come from the Unicode CLDR through `countries.tsv`, which
//! `scripts/generate-countries` writes from roster-core's list of codes (a test checks that they
//! agree), with each name's place in its language's alphabetical order.

use std::sync::LazyLock;

use maud::{Markup, html};
use roster_core::types::UsageLocation;

use super::i18n::Lang;

struct Country {
    code: &'static str,
    /// By [`Lang`]: English, Dutch.
    names: [&'static str; 2],
    places: [usize; 2],
}

static COUNTRIES: LazyLock<Vec<Country>> = LazyLock::new(|| {
    include_str!("countries.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&'static str> = line.split('\t').collect();
            let place = |field: &str| field.parse().expect("countries.tsv: a place is a number");
            Country {
                code: fields[0],
                names: [fields[1], fields[2]],
                places: [place(fields[3]), place(fields[4])],
            }
        })
        .collect()
});

/// For each language, the countries (their indexes) in its alphabetical order, sorted once.
static ORDERED: LazyLock<[Vec<usize>; 2]> = LazyLock::new(|| {
    [0, 1].map(|column| {
        let mut indexes: Vec<usize> = (0..COUNTRIES.len()).collect();
        indexes.sort_by_key(|&index| COUNTRIES[index].places[column]);
        indexes
    })
});

fn column(lang: Lang) -> usize {
    match lang {
        Lang::En => 0,
        Lang::Nl => 1,
    }
}

/// The country's name in `lang` (the code itself for a code the list does not have).
pub fn name(lang: Lang, code: &str) -> String {
    COUNTRIES
        .iter()
        .find(|country| country.code.eq_ignore_ascii_case(code))
        .map_or_else(
            || code.to_string(),
            |country| country.names[column(lang)].to_string(),
        )
}

/// A usage location's name, or "None".
pub fn location_name(lang: Lang, location: Option<&UsageLocation>) -> String {
    location.map_or_else(|| lang.t("details-none"), |code| name(lang, code.as_str()))
}

/// The `<option>`s of a country list in `lang`'s alphabetical order, `selected` chosen, after a
/// first empty option labelled `empty`.
pub fn options(lang: Lang, selected: &str, empty: &str) -> Markup {
    let column = column(lang);
    html! {
        option value="" selected[selected.is_empty()] { (empty) }
        @for country in ORDERED[column].iter().map(|&index| &COUNTRIES[index]) {
            option value=(country.code) selected[country.code.eq_ignore_ascii_case(selected)] {
                (country.names[column])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_the_store_accepts_has_a_name_and_no_other() {
        for country in COUNTRIES.iter() {
            assert!(
                UsageLocation::parse(country.code).is_ok(),
                "{} is not a usage location",
                country.code
            );
            assert!(country.names.iter().all(|name| !name.is_empty()));
        }
        let codes: Vec<&str> = roster_core::types::country_codes().collect();
        assert_eq!(codes.len(), COUNTRIES.len());
        for column in 0..2 {
            let mut places: Vec<usize> = COUNTRIES.iter().map(|c| c.places[column]).collect();
            places.sort_unstable();
            assert_eq!(places, (0..COUNTRIES.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn names_and_order_follow_the_language() {
        assert_eq!(name(Lang::En, "NL"), "Netherlands");
        assert_eq!(name(Lang::Nl, "nl"), "Nederland");
        assert_eq!(name(Lang::Nl, "DE"), "Duitsland");
        let dutch = options(Lang::Nl, "DE", "—").into_string();
        let first = |name: &str| dutch.find(&format!(">{name}<")).unwrap();
        // Dutch order: Duitsland before Frankrijk before Nederland; English would put Germany
        // after France.
        assert!(first("Duitsland") < first("Frankrijk") && first("Frankrijk") < first("Nederland"));
        assert!(dutch.contains(r#"<option value="DE" selected>Duitsland</option>"#));
    }
}
