//! The theme's declarations that stages before rendering need: where themes live, the ids
//! `theme.yaml` reserves on every page of a kind, and the words readers see
//! (`strings/<language>.yaml`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::content::Meta;
use crate::content::meta::{CauseGroup, Urgency};
use crate::diagnostics::{Diagnostic, Location, SourceFile};

/// The folder of themes, inside the site root.
pub const THEMES_DIR: &str = "themes";

pub const THEME_FILE: &str = "theme.yaml";

/// `theme.yaml`: ids that the theme's templates put on every page of a kind (`#symptoms` on a
/// cause page). Markdown headings never take them, and links to them are valid.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeIdsFile {
    #[serde(default)]
    ids: ThemeIdLists,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeIdLists {
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    home: Vec<String>,
    #[serde(default)]
    page: Vec<String>,
    #[serde(default)]
    cause: Vec<String>,
    #[serde(default)]
    decision_tree: Vec<String>,
}

/// The theme's ids per kind of page, each set including the ids on every page.
#[derive(Debug, Default, Clone)]
pub struct ThemeIds {
    home: std::collections::HashSet<String>,
    page: std::collections::HashSet<String>,
    cause: std::collections::HashSet<String>,
    decision_tree: std::collections::HashSet<String>,
}

impl ThemeIds {
    fn from_lists(lists: ThemeIdLists) -> Self {
        let with_all = |own: Vec<String>| lists.all.iter().cloned().chain(own).collect();
        ThemeIds {
            home: with_all(lists.home),
            page: with_all(lists.page),
            cause: with_all(lists.cause),
            decision_tree: with_all(lists.decision_tree),
        }
    }

    pub fn for_page(&self, meta: &Meta) -> &std::collections::HashSet<String> {
        match meta {
            Meta::Home(_) => &self.home,
            Meta::Plain(_) => &self.page,
            Meta::Cause(_) => &self.cause,
            Meta::Tree(_) => &self.decision_tree,
        }
    }
}

/// Read apart from the templates, so that a template error does not also turn every link to a
/// theme id into a broken-anchor error.
pub fn load_theme_ids(root: &Path, theme: &str, diagnostics: &mut Vec<Diagnostic>) -> ThemeIds {
    let path = root.join(THEMES_DIR).join(theme).join(THEME_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return ThemeIds::default();
    };
    let file = SourceFile::new(path.strip_prefix(root).unwrap_or(&path).to_path_buf(), text);
    match crate::yaml::parse::<ThemeIdsFile>(&file, 0..file.text.len()) {
        Ok(parsed) => ThemeIds::from_lists(parsed.ids),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            ThemeIds::default()
        }
    }
}

/// The folder of a theme's strings files, one per language: `strings/en.yaml`.
pub const STRINGS_DIR: &str = "strings";

/// Every reader-facing word that Rust puts on a page, from the theme's `strings/<language>.yaml`.
/// Templates see the whole file as the global `strings` and take their own words from it too
/// (`strings.tree.your_answers`). Every key is required, so a translation that misses one is a
/// located error rather than a page with an English word in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strings {
    pub urgency: UrgencyStrings,
    pub group: GroupStrings,
    pub not_found: NotFoundStrings,
    pub tree: TreeStrings,
    pub disclaimer: DisclaimerStrings,
    pub chrome: ChromeStrings,
    pub date: DateStrings,
    pub home: HomeStrings,
    pub page: PageStrings,
    pub cause: CauseStrings,
    pub symptoms: SymptomsStrings,
    pub care_card: CareCardStrings,
    pub emergency_callout: EmergencyCalloutStrings,
    pub review: ReviewStrings,
    pub sources: SourcesStrings,
    pub language: LanguageStrings,
}

/// The language switcher, and links to a page not translated yet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageStrings {
    /// The language's own name (Deutsch), in the switcher of every edition.
    pub name: String,
    /// The switcher's label for screen readers.
    pub switcher: String,
    /// After a link to a page that has no translation in this language yet.
    pub untranslated: String,
    /// The same said in a sentence: the title of such a link.
    pub untranslated_note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyStrings {
    pub emergency: UrgencyWords,
    pub urgent: UrgencyWords,
    pub routine: UrgencyWords,
    pub self_care: UrgencyWords,
}

/// A level's short label (beside its icon: never colour alone) and the call to action heading a
/// care card, which templates complete ("... if:"); `{emergency_number}` is filled in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyWords {
    pub label: String,
    pub action: String,
}

/// The home page's headings for the groups of causes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupStrings {
    pub injury: String,
    pub overuse: String,
    pub swelling: String,
    pub blood_vessels: String,
    pub nerves: String,
    pub children: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotFoundStrings {
    pub title: String,
    pub description: String,
    pub text: String,
    pub home: String,
    pub tree: String,
}

/// The decision tree's pages. `{number}`, `{heading}` and `{title}` are filled in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeStrings {
    pub question_title: String,
    pub question_description: String,
    pub result_title: String,
    pub question_number: String,
    pub start: String,
    pub back: String,
    pub read_next: String,
    pub possible_causes: String,
    pub similar_causes: String,
    pub similar_causes_without_causes: String,
    pub your_answers: String,
    pub change: String,
    pub change_hidden: String,
    pub start_again: String,
    pub print_answers_and_result: String,
    pub print_result: String,
}

/// The box after every page's main content. `{name}`, `{role}` and `{urgent_help}` are filled in
/// by the template.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclaimerStrings {
    pub label: String,
    pub reviewed_by: String,
    pub not_reviewed: String,
    pub does_not_diagnose: String,
    pub also_call: String,
    pub emergency_call: String,
}

/// The header and footer of every page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChromeStrings {
    /// The guide's name on a phone's home screen once installed (the web app manifest's
    /// `short_name`: about 12 characters).
    pub short_name: String,
    pub skip_link: String,
    pub call_hidden: String,
    pub call: String,
    pub main_nav: String,
    pub back_nav: String,
    pub footer_nav: String,
    pub home: String,
    pub emergency_number: String,
}

/// Dates are written day, month name, year.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateStrings {
    pub months: [String; 12],
    /// The order of a date's parts: `{day} {month} {year}`, in German `{day}. {month} {year}`.
    pub format: String,
}

/// The home page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeStrings {
    pub tree_button: String,
    pub tree_hint: String,
    pub causes: String,
}

/// Plain pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageStrings {
    pub contents: String,
    /// The label of the `#` link after each heading, followed by the heading's text.
    pub section_link: String,
    /// The label of a page's footnotes, and of the link back from a footnote to the text.
    pub notes: String,
    pub back_to_text: String,
}

/// Cause pages; `{count}` is filled in by the template.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseStrings {
    pub contents: String,
    pub also_called: String,
    pub symptoms: String,
    pub risk_factors: String,
    pub self_care: String,
    pub what_a_doctor_may_do: String,
    pub treatments_and_tests: String,
    pub tests: String,
    pub reached_by: String,
    pub reached_by_before_link: String,
    pub reached_by_link: String,
    pub reached_by_after_link: String,
    pub see_result: String,
    pub one_other_path: String,
    pub other_paths: String,
    pub related_causes: String,
}

/// The symptoms A–Z.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymptomsStrings {
    pub filter: String,
    pub hint: String,
    /// `{shown}` and `{total}` are filled in by `symptoms.js`.
    pub status: String,
    /// Leading words the A–Z skips when it sorts ("The calf hurts" under C), lower case.
    pub sort_skips: Vec<String>,
    pub letters: String,
    pub none_before_link: String,
    pub none_link: String,
    pub none_after_link: String,
}

/// The care cards; `{emergency_number}` is filled in by the template.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareCardStrings {
    pub action_suffix: String,
    pub hidden_prefix: ByUrgency,
    pub badge_hidden: String,
    pub number_region: String,
    pub cannot_get_there: String,
    pub call: String,
    pub do_not_drive: String,
    pub wait_for_ambulance: String,
    pub contact_for_other_signs: String,
    pub contact: String,
    pub also_call: String,
    pub you_can_call: String,
    pub if_worse: String,
    pub make_appointment: String,
}

/// One string per urgency level.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByUrgency {
    pub emergency: String,
    pub urgent: String,
    pub routine: String,
    pub self_care: String,
}

/// The "Emergency?" box.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyCalloutStrings {
    pub heading: String,
    pub before_number: String,
    pub after_number: String,
}

/// The review dates under a page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewStrings {
    pub last_checked: String,
    pub next_check: String,
}

/// Source lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesStrings {
    pub heading: String,
    pub accessed: String,
}

impl Strings {
    pub fn urgency(&self, urgency: Urgency) -> &UrgencyWords {
        match urgency {
            Urgency::Emergency => &self.urgency.emergency,
            Urgency::Urgent => &self.urgency.urgent,
            Urgency::Routine => &self.urgency.routine,
            Urgency::SelfCare => &self.urgency.self_care,
        }
    }

    pub fn group(&self, group: CauseGroup) -> &str {
        match group {
            CauseGroup::Injury => &self.group.injury,
            CauseGroup::Overuse => &self.group.overuse,
            CauseGroup::Swelling => &self.group.swelling,
            CauseGroup::BloodVessels => &self.group.blood_vessels,
            CauseGroup::Nerves => &self.group.nerves,
            CauseGroup::Children => &self.group.children,
        }
    }
}

/// Fills `{name}` fields of a string from the strings file.
pub fn fill(text: &str, fields: &[(&str, &str)]) -> String {
    fields.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

/// Reads `themes/<theme>/strings/<language>.yaml`, or the file of the language's primary subtag
/// (`en` for `en-GB`). E100 when the theme has neither.
pub fn load_strings(
    root: &Path,
    theme: &str,
    language: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Strings> {
    let dir = Path::new(THEMES_DIR).join(theme).join(STRINGS_DIR);
    let primary = language.split('-').next().unwrap_or(language);
    let candidates = [language, primary].map(|tag| dir.join(format!("{tag}.yaml")));
    let Some((shown, text)) = candidates
        .iter()
        .find_map(|shown| Some((shown, std::fs::read_to_string(root.join(shown)).ok()?)))
    else {
        let mut available: Vec<String> = std::fs::read_dir(root.join(&dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".yaml").map(str::to_owned)
            })
            .collect();
        available.sort();
        let help = if available.is_empty() {
            format!(
                "add {} with the theme's words in that language",
                candidates[0].display()
            )
        } else {
            format!(
                "translate one of the theme's strings files into {}, or set `language` in site.yaml to one of: {}",
                candidates[0].display(),
                available.join(", ")
            )
        };
        diagnostics.push(
            Diagnostic::error(
                "E100",
                format!("theme `{theme}` has no strings for language `{language}`"),
            )
            .at(Location::file(&candidates[0]))
            .with_help(help),
        );
        return None;
    };
    let file = SourceFile::new(shown.clone(), text);
    match crate::yaml::parse::<Strings>(&file, 0..file.text.len()) {
        Ok(strings) => Some(strings),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// A site root holding only `themes/default/strings/<name>` with `text`.
    fn theme_with_strings(name: &str, text: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let dir = root
            .path()
            .join(THEMES_DIR)
            .join("default")
            .join(STRINGS_DIR);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
        root
    }

    fn default_english() -> String {
        std::fs::read_to_string(repo().join("themes/default/strings/en.yaml")).unwrap()
    }

    #[test]
    fn the_default_theme_has_every_string_in_english() {
        let mut found = Vec::new();
        let strings = load_strings(repo(), "default", "en", &mut found).expect("en.yaml loads");
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(strings.urgency(Urgency::Urgent).label, "Same day");
        assert_eq!(strings.group(CauseGroup::BloodVessels), "Blood vessels");
    }

    #[test]
    fn a_regional_language_falls_back_to_its_primary_subtag() {
        let mut found = Vec::new();
        let strings = load_strings(repo(), "default", "en-GB", &mut found);
        assert!(strings.is_some() && found.is_empty(), "{found:?}");
    }

    #[test]
    fn the_language_chooses_the_file() {
        let german = default_english().replace("label: Same day", "label: Heute noch");
        let root = theme_with_strings("de.yaml", &german);
        let mut found = Vec::new();
        let strings = load_strings(root.path(), "default", "de", &mut found).unwrap();
        assert_eq!(strings.urgency.urgent.label, "Heute noch");
    }

    #[test]
    fn a_missing_key_is_a_located_error() {
        let without_change = default_english().replace("  change: Change\n", "");
        let root = theme_with_strings("en.yaml", &without_change);
        let mut found = Vec::new();
        assert!(load_strings(root.path(), "default", "en", &mut found).is_none());
        let shown = found[0].to_string();
        assert!(shown.contains("missing field `change`"), "{shown}");
        // Located in the file, at the start of the `tree:` mapping that lacks the key.
        let first_key = without_change
            .lines()
            .position(|line| line.starts_with("  question_title:"))
            .unwrap();
        let at = format!("themes/default/strings/en.yaml:{}:3", first_key + 1);
        assert!(shown.contains(&at), "expected {at} in:\n{shown}");
    }

    #[test]
    fn a_language_without_strings_names_the_ones_there_are() {
        let root = theme_with_strings("en.yaml", &default_english());
        let mut found = Vec::new();
        assert!(load_strings(root.path(), "default", "de", &mut found).is_none());
        let shown = found[0].to_string();
        assert!(shown.starts_with("error[E100]: theme `default` has no strings for language `de`"));
        assert!(shown.contains("themes/default/strings/de.yaml"), "{shown}");
        assert!(shown.contains("one of: en"), "{shown}");
    }

    /// Every id `theme.yaml` declares is on the templates: a literal `id="x"`, or one made from a
    /// fixed prefix (`id="group-{{ group.id }}"` makes `group-injury`).
    #[test]
    fn every_declared_id_is_in_the_templates() {
        let theme = repo().join("themes/default");
        let declared: ThemeIdsFile =
            serde_yaml::from_str(&std::fs::read_to_string(theme.join(THEME_FILE)).unwrap())
                .unwrap();
        let templates: String = walkdir::WalkDir::new(theme.join("templates"))
            .into_iter()
            .flatten()
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| without_comments(&std::fs::read_to_string(entry.path()).unwrap()))
            .collect();
        let lists = declared.ids;
        let missing: Vec<&String> = [
            &lists.all,
            &lists.home,
            &lists.page,
            &lists.cause,
            &lists.decision_tree,
        ]
        .into_iter()
        .flatten()
        .filter(|id| !has_id(&templates, id))
        .collect();
        assert!(
            missing.is_empty(),
            "declared in theme.yaml, on no template: {missing:?}"
        );
    }

    fn has_id(templates: &str, id: &str) -> bool {
        templates.contains(&format!("id=\"{id}\""))
            || templates.match_indices("id=\"").any(|(at, _)| {
                let value = &templates[at + 4..];
                let prefix = value.split("{{").next().unwrap_or("");
                !prefix.is_empty()
                    && !prefix.contains('"')
                    && value[prefix.len()..].starts_with("{{")
                    && id.starts_with(prefix)
            })
    }

    fn without_comments(template: &str) -> String {
        let mut kept = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("{#") {
            kept.push_str(&rest[..start]);
            rest = rest[start..]
                .split_once("#}")
                .map_or("", |(_, after)| after);
        }
        kept + rest
    }
}
