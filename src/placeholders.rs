//! `{emergency_number}`, `{urgent_number}`, `{urgent_help}`, `{urgent_number_region}` and the
//! service names `{emergency_department}` and `{children_emergency_department}` in content text,
//! filled from site.yaml, so that a phone number or the name of a service is written once.
//! Markdown bodies, decision-tree texts and the start page all go through here, and so do the
//! reader-facing texts of every page's front matter ([`fill_front_matter`]), filled once at load
//! so that templates and JSON-LD only ever see filled text.

use crate::config::SiteConfig;
use crate::content::{Content, Meta, Page};
use crate::diagnostics::{Diagnostic, Location};
use crate::yaml::Key;

pub const PLACEHOLDERS: [&str; 6] = [
    "emergency_number",
    "urgent_number",
    "urgent_help",
    "urgent_number_region",
    "emergency_department",
    "children_emergency_department",
];

/// A placeholder that cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderError {
    /// Byte offset of the `{` in the text.
    pub offset: usize,
    pub name: String,
    pub message: String,
    pub help: String,
}

/// The value of a known placeholder; `None` for an unknown name, `Some(None)` for a known one
/// that site.yaml does not set.
fn value<'a>(config: &'a SiteConfig, name: &str) -> Option<Option<&'a str>> {
    match name {
        "emergency_number" => Some(Some(&config.emergency_number)),
        "urgent_help" => Some(Some(&config.urgent_help)),
        "urgent_number" => Some(config.urgent_number.as_deref()),
        "urgent_number_region" => Some(config.urgent_number_region.as_deref()),
        "emergency_department" => Some(config.emergency_department.as_deref()),
        "children_emergency_department" => Some(config.children_emergency_department.as_deref()),
        _ => None,
    }
}

/// Every `{name}` where name is lower-case letters and underscores: (offset, name). Each scan
/// stops at the first byte that cannot be in a name, so a line of ten million `{` is linear.
fn placeholders(text: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    text.match_indices('{').filter_map(move |(start, _)| {
        let rest = &text[start + 1..];
        let length = rest
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'_')
            .count();
        (length > 0 && rest.as_bytes().get(length) == Some(&b'}'))
            .then_some((start, &rest[..length]))
    })
}

/// Fills the placeholders of `text` with their values, as they are: the Markdown or the
/// template that receives the text escapes it.
/// Every `{name}` must be a known, set placeholder.
pub fn fill(text: &str, config: &SiteConfig) -> Result<String, Vec<PlaceholderError>> {
    let (out, errors) = fill_with(text, config, true);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Fills only the placeholders that are known and set, leaving anything else untouched (for
/// Markdown bodies, where braces may mean something else); returns the unfillable known ones.
pub fn fill_known(text: &str, config: &SiteConfig) -> (String, Vec<PlaceholderError>) {
    fill_with(text, config, false)
}

fn fill_with(
    text: &str,
    config: &SiteConfig,
    unknown_is_error: bool,
) -> (String, Vec<PlaceholderError>) {
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut copied = 0;
    for (offset, name) in placeholders(text) {
        match value(config, name) {
            Some(Some(value)) => {
                out.push_str(&text[copied..offset]);
                out.push_str(value);
                copied = offset + name.len() + 2;
            }
            Some(None) => errors.push(PlaceholderError {
                offset,
                name: name.to_owned(),
                message: format!("`{{{name}}}` is used but site.yaml does not set `{name}`"),
                help: format!("add `{name}:` to site.yaml, or remove `{{{name}}}` from the text"),
            }),
            None if unknown_is_error => errors.push(PlaceholderError {
                offset,
                name: name.to_owned(),
                message: format!("unknown placeholder `{{{name}}}`"),
                help: match crate::diagnostics::nearest(name, PLACEHOLDERS) {
                    Some(near) => format!("did you mean `{{{near}}}`?"),
                    None => format!(
                        "the placeholders are {}",
                        PLACEHOLDERS.map(|p| format!("`{{{p}}}`")).join(", ")
                    ),
                },
            }),
            None => {}
        }
    }
    out.push_str(&text[copied..]);
    (out, errors)
}

/// In a Markdown body braces may mean something else, so an unknown `{name}` is reported only
/// when it is close to a placeholder's name (a typo such as `{emergency_nummer}`).
pub fn body_errors(text: &str, config: &SiteConfig) -> Vec<PlaceholderError> {
    let (_, errors) = fill_with(text, config, true);
    errors
        .into_iter()
        .filter(|error| {
            value(config, &error.name).is_some()
                || crate::diagnostics::nearest(&error.name, PLACEHOLDERS).is_some()
        })
        .collect()
}

/// The configured phone numbers, with the placeholder each should be written as.
fn numbers(config: &SiteConfig) -> Vec<(&str, &'static str)> {
    let mut numbers = vec![(config.emergency_number.as_str(), "emergency_number")];
    if let Some(urgent) = config.urgent_number.as_deref() {
        numbers.push((urgent, "urgent_number"));
    }
    numbers.retain(|(number, _)| !number.trim().is_empty());
    numbers
}

/// Each configured number written out in `text` as a number of its own (not part of a longer
/// one): (byte offset, number, the placeholder to use instead).
pub fn literal_numbers<'c>(
    text: &str,
    config: &'c SiteConfig,
) -> Vec<(usize, &'c str, &'static str)> {
    let mut found = Vec::new();
    for (number, name) in numbers(config) {
        // memchr's finder: every page's text is scanned once per number on every build.
        for offset in memchr::memmem::find_iter(text.as_bytes(), number.as_bytes()) {
            // Part of a longer word, number, address or id (`www.116117.de`, `kbv-116117`)?
            let joined = |c: char| c.is_alphanumeric() || matches!(c, '_' | '/' | '.' | '-');
            let inside_before = text[..offset].chars().next_back().is_some_and(joined);
            let mut after = text[offset + number.len()..].chars();
            let inside_after = match after.next() {
                Some(c) if c.is_alphanumeric() || matches!(c, '_' | '/') => true,
                Some('.' | '-') => after.next().is_some_and(char::is_alphanumeric),
                _ => false,
            };
            if !inside_before && !inside_after {
                found.push((offset, number, name));
            }
        }
    }
    found.sort_unstable();
    found
}

/// W050 at `at`: a configured number written out instead of its placeholder.
pub fn literal_number_warning(number: &str, name: &str, at: Location) -> Diagnostic {
    Diagnostic::warning(
        "W050",
        format!("the number {number} is written out; site.yaml sets it as `{name}`"),
    )
    .at(at)
    .with_help(format!(
        "write `{{{name}}}` instead, so the number is changed in one place (site.yaml) for the whole guide"
    ))
}

/// Fills the placeholders of every reader-facing text in each page's front matter (a cause's
/// title, summary, lists and care-card lines; a page's title, description and navigation label),
/// in place. An unknown or unset placeholder is an error (E003) and a configured number written
/// out is a warning (W050), both at the text's position in the file.
/// `main_config` fills the pages that stand in for a missing translation: their text is in the
/// main language, so its words fit them.
pub fn fill_front_matter(
    content: &mut Content,
    config: &SiteConfig,
    main_config: &SiteConfig,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for page in &mut content.pages {
        let config = if page.untranslated {
            main_config
        } else {
            config
        };
        let mut meta = page.meta.clone();
        let mut found = Vec::new();
        for_each_reader_text(&mut meta, &mut |keys, text| {
            let candidates = literal_numbers(text, config);
            let filled = fill(text, config);
            if candidates.is_empty() && filled.is_ok() {
                if let Ok(filled) = filled {
                    *text = filled;
                }
                return;
            }
            let value_at = page_value_offset(page, keys);
            for (_, number, name) in candidates {
                let at = located_in_value(page, value_at, number);
                found.push(literal_number_warning(number, name, at));
            }
            match filled {
                Ok(filled) => *text = filled,
                Err(errors) => {
                    for error in errors {
                        let at = located_in_value(page, value_at, &format!("{{{}}}", error.name));
                        found.push(
                            Diagnostic::error("E003", error.message)
                                .at(at)
                                .with_help(error.help),
                        );
                    }
                }
            }
        });
        page.meta = meta;
        diagnostics.extend(found);
    }
}

/// Calls `visit` with the front-matter path and the text of each field a reader sees.
fn for_each_reader_text(meta: &mut Meta, visit: &mut dyn FnMut(&[Key], &mut String)) {
    fn list(field: &'static str, items: &mut [String], visit: &mut dyn FnMut(&[Key], &mut String)) {
        for (index, item) in items.iter_mut().enumerate() {
            visit(&[Key::Field(field), Key::Index(index)], item);
        }
    }
    match meta {
        Meta::Home(page) | Meta::Plain(page) => {
            visit(&[Key::Field("title")], &mut page.title);
            visit(&[Key::Field("description")], &mut page.description);
            if let Some(nav_title) = &mut page.nav_title {
                visit(&[Key::Field("nav_title")], nav_title);
            }
        }
        Meta::Cause(cause) => {
            visit(&[Key::Field("title")], &mut cause.title);
            visit(&[Key::Field("summary")], &mut cause.summary);
            list("aliases", &mut cause.aliases, visit);
            list("symptoms", &mut cause.symptoms, visit);
            list("risk_factors", &mut cause.risk_factors, visit);
            list("self_care", &mut cause.self_care, visit);
            list("treatments", &mut cause.treatments, visit);
            list("tests", &mut cause.tests, visit);
            let cards = &mut cause.when_to_get_help;
            for (card, items) in [
                ("emergency", &mut cards.emergency),
                ("urgent", &mut cards.urgent),
                ("routine", &mut cards.routine),
            ] {
                for (index, item) in items.iter_mut().enumerate() {
                    let keys = [
                        Key::Field("when_to_get_help"),
                        Key::Field(card),
                        Key::Index(index),
                    ];
                    visit(&keys, item);
                }
            }
        }
        // The tree's questions and outcomes are filled by the tree's own checks (decision_tree).
        Meta::Tree(tree) => {
            visit(&[Key::Field("title")], &mut tree.title);
            visit(&[Key::Field("description")], &mut tree.description);
            if let Some(nav_title) = &mut tree.nav_title {
                visit(&[Key::Field("nav_title")], nav_title);
            }
        }
    }
}

/// The byte offset in the page's file where the front-matter value at `keys` starts.
fn page_value_offset(page: &Page, keys: &[Key]) -> usize {
    let at = page.locate(keys);
    let line_start: usize = page
        .file
        .text
        .split_inclusive('\n')
        .take(at.line.saturating_sub(1))
        .map(str::len)
        .sum();
    let column_bytes: usize = page.file.text[line_start..]
        .chars()
        .take(at.column.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    line_start + column_bytes
}

/// Where `needle` is written in the value that starts at `value_at` (a value may be quoted or
/// run over several lines); the value's start when it cannot be found in the front matter.
fn located_in_value(page: &Page, value_at: usize, needle: &str) -> Location {
    let end = page.parts.yaml.end.max(value_at);
    let offset = page.file.text[value_at..end]
        .find(needle)
        .map_or(value_at, |found| value_at + found);
    page.file.location_of_offset(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(urgent_number: Option<&str>) -> SiteConfig {
        SiteConfig {
            title: "T".into(),
            description: "D".into(),
            language: "en".into(),
            base_url: "https://example.org/".into(),
            theme: "default".into(),
            emergency_number: "112".into(),
            urgent_help: "your doctor".into(),
            urgent_number: urgent_number.map(str::to_owned),
            urgent_number_region: None,
            emergency_department: Some("the emergency department".into()),
            children_emergency_department: None,
            publisher: None,
            host_headers: true,
            allow_raw_html: false,
            languages: Default::default(),
            prefix: String::new(),
        }
    }

    #[test]
    fn fills_known_placeholders() {
        let filled = fill("Call {emergency_number} or {urgent_help}.", &config(None));
        assert_eq!(filled.unwrap(), "Call 112 or your doctor.");
        assert_eq!(fill("{a b} {}", &config(None)).unwrap(), "{a b} {}");
    }

    #[test]
    fn unknown_and_unset_placeholders_are_errors() {
        let errors = fill("x {emergncy_number} {urgent_number}", &config(None)).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].offset, 2);
        assert_eq!(errors[0].help, "did you mean `{emergency_number}`?");
        assert!(errors[1].message.contains("does not set `urgent_number`"));
        assert_eq!(
            fill("{urgent_number}", &config(Some("116117"))).unwrap(),
            "116117"
        );
    }

    #[test]
    fn service_names_are_placeholders_too() {
        assert_eq!(
            fill("Go to {emergency_department}.", &config(None)).unwrap(),
            "Go to the emergency department."
        );
        let errors = fill(
            "Take them to {children_emergency_department}.",
            &config(None),
        )
        .unwrap_err();
        assert_eq!(errors[0].offset, "Take them to ".len());
        assert!(
            errors[0]
                .message
                .contains("does not set `children_emergency_department`")
        );
        let errors = fill("{emergency_departmnt}", &config(None)).unwrap_err();
        assert_eq!(errors[0].help, "did you mean `{emergency_department}`?");
    }

    #[test]
    fn written_out_numbers_are_found_but_not_inside_longer_ones_or_addresses() {
        let config = config(Some("116117"));
        let found = literal_numbers(
            "Call 112, or 116117. Not 1120, www.116117.de or kbv-116117.",
            &config,
        );
        let numbers: Vec<_> = found
            .iter()
            .map(|(offset, number, name)| (*offset, *number, *name))
            .collect();
        assert_eq!(
            numbers,
            [
                (5, "112", "emergency_number"),
                (13, "116117", "urgent_number")
            ]
        );
        assert_eq!(literal_numbers("[call](tel:112)", &config).len(), 1);
    }

    #[test]
    fn bodies_report_only_near_misses_of_placeholder_names() {
        let errors = body_errors("{emergency_nummer} {note} {urgent_number}", &config(None));
        let names: Vec<_> = errors.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["emergency_nummer", "urgent_number"]);
    }

    #[test]
    fn bodies_keep_unknown_braces() {
        let (out, errors) = fill_known("<h2 id=\"x\">{other}</h2> {urgent_help}", &config(None));
        assert_eq!(out, "<h2 id=\"x\">{other}</h2> your doctor");
        assert!(errors.is_empty());
    }
}
