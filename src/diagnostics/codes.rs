//! Every error and warning code the program gives, with what it means in a few words. The
//! README's table of codes lists exactly these (a test checks it); a new code is added here and
//! there together.

/// `(code, meaning)`, in order.
pub const CODES: &[(&str, &str)] = &[
    ("E001", "unknown field, missing field or wrong type"),
    ("E002", "duplicate slug, source id, related id or tree id"),
    ("E003", "a reference that does not resolve"),
    ("E004", "a word outside a closed vocabulary"),
    (
        "E005",
        "a decision-tree question with fewer than two answers",
    ),
    ("E006", "a loop in the decision tree"),
    ("E007", "an unreachable question or outcome"),
    ("E008", "a cause that no outcome reaches"),
    (
        "E009",
        "a path to non-urgent advice that skips the red-flag questions",
    ),
    ("E010", "an outcome less urgent than a cause it names"),
    ("E011", "an outcome with nothing to link"),
    (
        "E012",
        "an \"I'm not sure\" answer less urgent than its siblings",
    ),
    (
        "E013",
        "an outcome for one audience naming a cause of the other",
    ),
    ("E014", "review dates out of order or in the future"),
    ("E015", "missing sources or a source without an https url"),
    ("E016", "a slug or id that is not URL-safe"),
    ("E017", "YAML syntax"),
    ("E018", "front matter not opened or not closed"),
    ("E019", "a file that cannot be read"),
    ("E020", "a link to a file that does not exist"),
    ("E021", "a link to an anchor the page does not have"),
    ("E030", "a template error"),
    ("E031", "theme or template not found"),
    ("E032", "the output cannot be written"),
    ("E040", "an outcome without its safety net"),
    ("E041", "a safety case walks off the tree"),
    ("E042", "a safety case under-triaged"),
    ("E043", "a safety case over-triaged"),
    (
        "E044",
        "a safety case's outcome does not link an expected cause",
    ),
    ("E045", "a safety case reaches another outcome"),
    ("E046", "a safety case that cannot be checked as written"),
    ("E050", "a site.yaml service setting set but empty"),
    ("E051", "reviewed_by.date in the future"),
    ("E052", "reviewed_by with an empty name or role"),
    ("E060", "raw HTML outside the allowlist"),
    (
        "E061",
        "a link or image with a URL scheme that is not allowed",
    ),
    ("E062", "an unsafe or reserved heading id"),
    ("E063", "a symbolic link that leads out of the site"),
    ("E064", "a .md entry that is not a regular file"),
    ("E065", "SOURCE_DATE_EPOCH that is not a whole number"),
    ("E066", "a theme static file at a generated path"),
    ("E070", "an output folder inside the site's sources"),
    ("E071", "a staging folder lost its marker"),
    ("E072", "serve: a rebuild past its time limit"),
    ("E080", "a scaffold leftover in a page that is not a draft"),
    (
        "E081",
        "a body heading that takes the id of a section the theme prints",
    ),
    ("E082", "a custom heading id used twice on one page"),
    (
        "E083",
        "a heading ending in braces that are neither an id nor a placeholder",
    ),
    ("E090", "a full link to the site's own address"),
    ("E091", "a base URL with a query or fragment"),
    (
        "E100",
        "the theme has no strings file for the site's language",
    ),
    ("E110", "a site.yaml language that cannot be used"),
    (
        "E111",
        "a translation into a language the site does not have",
    ),
    (
        "E112",
        "a translation without its page, or at another address",
    ),
    (
        "E113",
        "a translated decision tree that changes more than words",
    ),
    ("W001", "review overdue"),
    ("W002", "a care card with too many items"),
    ("W003", "a decision tree with many pages"),
    ("W004", "a related link that is not two-way"),
    ("W010", "no safety cases file"),
    ("W011", "an outcome no safety case reaches"),
    ("W012", "an answer no safety case takes"),
    ("W013", "a safety case's story longer than three sentences"),
    ("W030", "raw HTML not checked"),
    ("W040", "the previous site could not be deleted"),
    ("W041", "an interrupted build's site was restored"),
    (
        "W050",
        "a configured phone number written out instead of its placeholder",
    ),
    (
        "W051",
        "a title, summary or description outside its length limits",
    ),
    ("W052", "two headings with the same text on one page"),
    ("W060", "the tree's paths differ from the reviewed list"),
    ("W061", "a build for an example address"),
    ("W110", "a page without a translation"),
];

/// What `code` means, if it is one of ours.
pub fn meaning(code: &str) -> Option<&'static str> {
    CODES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, meaning)| *meaning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Codes written as string literals in the sources: `"E001"`.
    fn codes_in_sources() -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in walkdir::WalkDir::new(src) {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "rs")
                || entry.path().ends_with("diagnostics/codes.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for (at, _) in text.match_indices('"') {
                let code = text[at + 1..].get(..5).unwrap_or_default();
                if is_code(code) && text.as_bytes().get(at + 5) == Some(&b'"') {
                    found.insert(code[..4].to_owned());
                }
            }
        }
        found
    }

    fn is_code(text: &str) -> bool {
        let bytes = text.as_bytes();
        bytes.len() >= 4
            && matches!(bytes[0], b'E' | b'W')
            && bytes[1..4].iter().all(u8::is_ascii_digit)
    }

    /// Codes in the first column of the README's table; `E005–E013` is a range.
    fn codes_in_readme() -> BTreeSet<String> {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let mut found = BTreeSet::new();
        for line in readme.lines() {
            let Some(cell) = line.strip_prefix('|').and_then(|l| l.split('|').next()) else {
                continue;
            };
            let cell = cell.trim().trim_matches('`');
            let (first, last) = cell.split_once('–').unwrap_or((cell, cell));
            if !is_code(first) || !is_code(last) || first[..1] != last[..1] {
                continue;
            }
            let (from, to): (u32, u32) = (first[1..].parse().unwrap(), last[1..].parse().unwrap());
            for number in from..=to {
                found.insert(format!("{}{number:03}", &first[..1]));
            }
        }
        found
    }

    #[test]
    fn the_registry_the_sources_and_the_readme_name_the_same_codes() {
        let registry: BTreeSet<String> = CODES.iter().map(|(c, _)| c.to_string()).collect();
        assert_eq!(registry.len(), CODES.len(), "a code is listed twice");
        assert_eq!(
            codes_in_sources(),
            registry,
            "codes used in src/ vs the registry"
        );
        assert_eq!(
            codes_in_readme(),
            registry,
            "README's table vs the registry"
        );
        assert_eq!(meaning("E017"), Some("YAML syntax"));
    }
}
