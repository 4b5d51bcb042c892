//! `{emergency_number}`, `{urgent_number}`, `{urgent_help}`, `{urgent_number_region}` and the
//! service names `{emergency_department}` and `{children_emergency_department}` in content text,
//! filled from site.yaml, so that a phone number or the name of a service is written once.
//! Markdown bodies, decision-tree texts and the start page all go through here.

use crate::config::SiteConfig;

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
    fn bodies_keep_unknown_braces() {
        let (out, errors) = fill_known("<h2 id=\"x\">{other}</h2> {urgent_help}", &config(None));
        assert_eq!(out, "<h2 id=\"x\">{other}</h2> your doctor");
        assert!(errors.is_empty());
    }
}
