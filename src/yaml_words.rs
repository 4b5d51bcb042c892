//! YAML and serde errors in an editor's words: things named as editors name them (`outcome
//! o-hamstring`, not `outcomes[9]`), types as "a list" or "a text", and the usual YAML slips (a
//! tab, an unquoted `: `, a date written `01.12.2026`, front matter not closed before a `---`
//! rule) each with its own hint. Kept apart from the splitting and parsing so either can move.

use std::ops::Range;
use std::sync::Arc;

use saphyr::{LoadableYamlNode, MarkedYaml};

use crate::diagnostics::{Diagnostic, Location, SourceFile, nearest};

/// The diagnostic for serde_yaml's message `raw` about the YAML at `range` of `file`, first
/// located at `location`.
pub fn explain(
    file: &Arc<SourceFile>,
    range: &Range<usize>,
    raw: &str,
    location: Location,
) -> Diagnostic {
    let yaml = Yaml::new(file, range);
    let raw = &crate::yaml::strip_yaml_positions(raw);
    if let Some(diagnostic) = bad_date(&yaml, raw) {
        return diagnostic;
    }
    // Errors with a field path come from serde (the YAML itself was read); the others from the
    // YAML reader.
    match split_path(raw) {
        Some((path, rest)) => typed(&yaml, &path, rest, location),
        None if is_type_error(raw) => typed(&yaml, &[], raw, location),
        None => syntax(&yaml, raw, location),
    }
}

/// The YAML block with its lines, for looking things up on the error path only.
struct Yaml<'a> {
    file: &'a Arc<SourceFile>,
    /// File line of the block's first line.
    first_line: usize,
    lines: Vec<&'a str>,
    document: Option<MarkedYaml<'a>>,
}

impl<'a> Yaml<'a> {
    fn new(file: &'a Arc<SourceFile>, range: &Range<usize>) -> Self {
        let text = &file.text[range.clone()];
        let document = MarkedYaml::load_from_str(text)
            .ok()
            .and_then(|documents| documents.into_iter().next());
        Yaml {
            file,
            first_line: file.line_col(range.start).0,
            lines: text.lines().collect(),
            document,
        }
    }

    fn at(&self, index: usize, column: usize) -> Location {
        self.file.location(self.first_line + index, column)
    }

    /// The index in `lines` of the file line `line`.
    fn index_of(&self, line: usize) -> Option<usize> {
        line.checked_sub(self.first_line)
            .filter(|&i| i < self.lines.len())
    }
}

/// One step of serde_yaml's path: `outcomes[9]` is a field and an index.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Field(&'a str),
    Index(usize),
}

/// Splits "outcomes[0].causes: invalid type: …" into its path and the rest.
fn split_path(raw: &str) -> Option<(Vec<Step<'_>>, &str)> {
    let (head, rest) = raw.split_once(": ")?;
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "_-.[]".contains(c);
    if head.is_empty() || !head.chars().all(is_path_char) || is_type_error(head) {
        return None;
    }
    let mut steps = Vec::new();
    for part in head.split('.') {
        let (name, indices) = part.split_once('[').map_or((part, ""), |(n, i)| (n, i));
        if !name.is_empty() {
            steps.push(Step::Field(name));
        }
        for index in indices.split('[') {
            if index.is_empty() {
                continue;
            }
            steps.push(Step::Index(index.trim_end_matches(']').parse().ok()?));
        }
    }
    Some((steps, rest))
}

fn is_type_error(message: &str) -> bool {
    [
        "invalid type",
        "invalid value",
        "unknown field",
        "unknown variant",
        "missing field",
    ]
    .iter()
    .any(|start| message.starts_with(start))
}

/// "outcome o-emergency, safety_net" for `outcomes[0].safety_net`: list items by their `id`.
fn editor_name(yaml: &Yaml, path: &[Step]) -> String {
    let mut node = yaml.document.as_ref();
    let mut parts: Vec<String> = Vec::new();
    let mut list_name = "";
    for step in path {
        match *step {
            Step::Field(name) => {
                node = node.and_then(|n| n.data.as_mapping_get(name));
                list_name = name;
            }
            Step::Index(index) => {
                node = node.and_then(|n| n.data.as_sequence_get(index));
                let id = node
                    .and_then(|n| n.data.as_mapping_get("id"))
                    .and_then(|n| n.data.as_str());
                // The list's field name is replaced by the item's own name.
                if parts.last().is_some_and(|last| last == list_name) {
                    parts.pop();
                }
                let singular = list_name.strip_suffix('s').unwrap_or(list_name);
                parts.push(match id {
                    Some(id) => format!("{singular} {id}"),
                    None => format!("item {} of `{list_name}`", index + 1),
                });
                continue;
            }
        }
        parts.push(list_name.to_owned());
    }
    parts.join(", ")
}

/// Errors about a value's type or a field: the path in editors' words, serde's in plain ones.
fn typed(yaml: &Yaml, path: &[Step], message: &str, location: Location) -> Diagnostic {
    let (owner_path, field) = match path.split_last() {
        Some((Step::Field(name), owner)) => (owner, Some(*name)),
        _ => (path, None),
    };
    let owner = editor_name(yaml, owner_path);
    let whole = editor_name(yaml, path);
    let prefix = |text: String| {
        if owner.is_empty() {
            text
        } else {
            format!("{owner}: {text}")
        }
    };
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();

    if let Some(rest) = message.strip_prefix("unknown field ") {
        let given = quoted.first().copied().unwrap_or(rest);
        let allowed = &quoted[1.min(quoted.len())..];
        let inside = if whole.is_empty() {
            "the front matter".to_owned()
        } else {
            whole.clone()
        };
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let diagnostic = Diagnostic::error(
            "E001",
            format!("unknown field `{given}` in {inside}; its fields are {list}"),
        )
        .at(location);
        return match nearest(given, allowed.iter().copied()) {
            Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
            None => diagnostic.with_help("remove the line, or move it to where the field belongs"),
        };
    }
    if message.starts_with("unknown variant ") {
        let given = quoted.first().copied().unwrap_or("");
        let allowed = &quoted[1.min(quoted.len())..];
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let name = field.map_or(String::new(), |f| format!("`{f}` "));
        let diagnostic = Diagnostic::error(
            "E004",
            prefix(format!("{name}cannot be `{given}`: use one of {list}")),
        )
        .at(location);
        return match nearest(given, allowed.iter().copied()) {
            Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
            None => diagnostic,
        };
    }
    if message.starts_with("missing field ") {
        let missing = quoted.first().copied().unwrap_or("");
        let inside = if whole.is_empty() {
            "the front matter".to_owned()
        } else {
            whole.clone()
        };
        return Diagnostic::error(
            "E001",
            format!("missing field `{missing}`: {inside} needs a line `{missing}: …`"),
        )
        .at(location)
        .with_help(format!("add `{missing}:` with its value to {inside}"));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let name = field.unwrap_or("the front matter");
        let shown = match field {
            Some(f) => format!("`{f}`"),
            None if owner_path.is_empty() => "the front matter".to_owned(),
            None => whole.clone(),
        };
        let (plain, help) = if path.is_empty() && expected.starts_with("struct ") {
            let found = plain_type(name, found, "").0;
            let found = found.rsplit(", not ").next().unwrap_or("").to_owned();
            (
                format!("must be `name: value` lines such as `title: …`, not {found}"),
                None,
            )
        } else {
            plain_type(name, found, expected)
        };
        let diagnostic = Diagnostic::error("E001", prefix(format!("{shown} {plain}"))).at(location);
        return match help {
            Some(help) => diagnostic.with_help(help),
            None => diagnostic,
        };
    }
    Diagnostic::error("E001", prefix(message.to_owned())).at(location)
}

/// "must be a list, e.g. `causes: [dvt]`" for serde's "found string "dvt", expected a sequence".
fn plain_type(field: &str, found: &str, expected: &str) -> (String, Option<String>) {
    let given = found
        .split_once('"')
        .and_then(|(_, rest)| rest.rsplit_once('"'))
        .map(|(value, _)| value);
    let found_words = match found.split(' ').next().unwrap_or(found) {
        "string" => "a text",
        "sequence" => "a list",
        "map" => "a group of fields",
        "integer" | "floating" => "a number",
        "boolean" => "`true` or `false`",
        "unit" => "empty",
        _ => found,
    };
    let quote_hint =
        "a text that contains `: ` must be in quotes, e.g. `title: \"First aid: the basics\"`";
    let plain = match expected {
        "a sequence" => {
            let example = given.unwrap_or("…");
            format!("must be a list, e.g. `{field}: [{example}]`, not {found_words}")
        }
        "a string" | "a borrowed string" => {
            let mut text = format!("must be a text, e.g. `{field}: \"…\"`, not {found_words}");
            if found.starts_with("map") {
                return (text, Some(quote_hint.to_owned()));
            }
            if found.starts_with("sequence") {
                text.push_str(": write one text, without `-` or `[ ]`");
            }
            text
        }
        "a boolean" => format!("must be `true` or `false`, not {found_words}"),
        e if e.starts_with('u') || e.starts_with('i') => {
            format!("must be a whole number, e.g. `{field}: 2`, not {found_words}")
        }
        e if e.starts_with("struct ") || e == "a map" => format!(
            "must be a group of fields (`name: value` lines, indented below it), not {found_words}"
        ),
        _ => format!("must be {expected}, not {found_words}"),
    };
    (plain, None)
}

/// `last_reviewed: 01.12.2026`: serde gives no position, so find the value's own line, and show
/// the date as it must be written.
fn bad_date(yaml: &Yaml, raw: &str) -> Option<Diagnostic> {
    let rest = raw.split("invalid date `").nth(1)?;
    let given = rest.split('`').next().filter(|given| !given.is_empty())?;
    let index = yaml.lines.iter().position(|line| line.contains(given))?;
    let line = yaml.lines[index];
    let at = line.find(given).unwrap_or(0);
    // The field is the word before the `:` in front of the value (`date` in `{date: …}` too).
    let field = line[..at]
        .trim_end()
        .trim_end_matches(['"', '\''])
        .trim_end()
        .strip_suffix(':')
        .and_then(|before| {
            before
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
        })
        .filter(|field| !field.is_empty())
        .unwrap_or("date");
    let column = line[..at].chars().count() + 1;
    let example = day_first_to_iso(given).unwrap_or_else(|| "2026-12-01".to_owned());
    Some(
        Diagnostic::error(
            "E001",
            format!(
                "`{field}` must be a date written year-month-day, e.g. `{example}`, not `{given}`"
            ),
        )
        .at(yaml.at(index, column))
        .with_help(format!("write `{field}: {example}`")),
    )
}

/// `01.12.2026` or `1/12/2026` (day first, as in most of Europe) as `2026-12-01`.
fn day_first_to_iso(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split(['.', '/', '-']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let (day, month, year): (u32, u32, u32) =
        (day.parse().ok()?, month.parse().ok()?, year.parse().ok()?);
    ((1..=31).contains(&day) && (1..=12).contains(&month) && year >= 1000)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Errors of the YAML reader: tabs, unquoted `: `, front matter that runs into the body.
fn syntax(yaml: &Yaml, raw: &str, location: Location) -> Diagnostic {
    let fallback = "check the YAML syntax: `key: value` pairs, consistent indentation, quotes around text containing `: ` or `#`";
    let error_index = yaml.index_of(location.line);

    // Only a Markdown file has a text that its front matter can run into.
    let is_markdown = yaml.file.path.extension().is_some_and(|e| e == "md");
    if let Some(index) = runs_into_body(yaml, error_index).filter(|_| is_markdown) {
        let last_field = yaml.lines[..index]
            .iter()
            .rposition(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .unwrap_or(0);
        return Diagnostic::error(
            "E018",
            "the front matter is not closed before the text: this line is read as YAML",
        )
        .at(yaml.at(index, 1))
        .with_help(format!(
            "add a line `---` below the last field (line {}); the `---` at line {} is a rule in the text, not the end of the front matter",
            yaml.first_line + last_field,
            yaml.first_line + yaml.lines.len()
        ));
    }

    let tab_line = error_index
        .filter(|&i| leading_tab(yaml.lines[i]))
        .or_else(|| {
            raw.contains("tab")
                .then(|| yaml.lines.iter().position(|l| leading_tab(l)))
                .flatten()
        });
    if let Some(index) = tab_line {
        let column = yaml.lines[index].find('\t').unwrap_or(0) + 1;
        return Diagnostic::error(
            "E017",
            "a tab is used for indentation: YAML indents with spaces only",
        )
        .at(yaml.at(index, column))
        .with_help("replace the tab with spaces, lined up with the lines above (two spaces per level); many editors have \"convert tabs to spaces\"");
    }

    if raw.starts_with("mapping values are not allowed") {
        let line = error_index.map_or("", |i| yaml.lines[i]);
        let help = match line.split_once(": ") {
            Some((key, value)) if is_key(key.trim_start().trim_start_matches("- ")) => {
                let key = key.trim_start().trim_start_matches("- ");
                let value = value.trim().replace('"', "\\\"");
                format!("put the whole text in quotes: `{key}: \"{value}\"`")
            }
            _ => "put the whole text in double quotes, e.g. `label: \"Yes: now\"`".to_owned(),
        };
        return Diagnostic::error(
            "E017",
            "this text contains `: `, which YAML reads as the start of another field",
        )
        .at(location)
        .with_help(help);
    }
    Diagnostic::error("E017", raw.to_owned())
        .at(location)
        .with_help(fallback)
}

/// A plain field name such as `last_reviewed` or `nav-title`.
fn is_key(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn leading_tab(line: &str) -> bool {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .any(|c| c == '\t')
}

/// The first line that looks like Markdown prose rather than YAML, if it comes after a blank line
/// and at or before the line of the error: the front matter was closed by a `---` rule further
/// down, not where the author meant.
fn runs_into_body(yaml: &Yaml, error_index: Option<usize>) -> Option<usize> {
    let last = error_index.unwrap_or(yaml.lines.len().saturating_sub(1));
    let mut after_blank = false;
    for (index, line) in yaml.lines.iter().enumerate().take(last + 1) {
        if line.trim().is_empty() {
            after_blank = true;
            continue;
        }
        if after_blank && looks_like_prose(line) {
            return Some(index);
        }
    }
    None
}

fn looks_like_prose(line: &str) -> bool {
    // Indented lines, list items and comments are YAML; so is a Markdown heading, which YAML
    // reads as a comment.
    if line.starts_with([' ', '\t', '-', '#']) {
        return false;
    }
    let starts_with_key = line
        .split_once(':')
        .is_some_and(|(key, value)| (value.is_empty() || value.starts_with(' ')) && is_key(key));
    !starts_with_key && !line.starts_with(['"', '\'', '{', '[', '?', '&', '*', '!', '|', '>'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_fields_and_indices() {
        let (path, rest) = split_path("questions[2].answers[1].next: missing field `x`").unwrap();
        assert_eq!(
            path,
            [
                Step::Field("questions"),
                Step::Index(2),
                Step::Field("answers"),
                Step::Index(1),
                Step::Field("next")
            ]
        );
        assert_eq!(rest, "missing field `x`");
        assert!(split_path("invalid type: string").is_none());
        assert!(split_path("mapping values are not allowed in this context").is_none());
    }

    #[test]
    fn day_first_dates_become_iso() {
        assert_eq!(
            day_first_to_iso("01.12.2026").as_deref(),
            Some("2026-12-01")
        );
        assert_eq!(day_first_to_iso("1/2/2027").as_deref(), Some("2027-02-01"));
        assert_eq!(day_first_to_iso("2026-12-01"), None);
    }

    fn yaml_file(path: &str, text: &str) -> Arc<SourceFile> {
        SourceFile::new(path.into(), text.to_owned())
    }

    #[test]
    fn a_bad_date_in_a_flow_mapping_names_its_field() {
        let file = yaml_file("content/x.md", "reviewed_by: {name: A, date: 01.12.2026}\n");
        let range = 0..file.text.len();
        let error = explain(
            &file,
            &range,
            "invalid date `01.12.2026`: expected an ISO date such as 2026-11-25",
            file.location(1, 1),
        );
        assert_eq!(
            error.message,
            "`date` must be a date written year-month-day, e.g. `2026-12-01`, not `01.12.2026`"
        );
        let at = error.location.unwrap();
        assert_eq!((at.line, at.column), (1, 30));
    }

    #[test]
    fn a_colon_in_a_flow_mapping_gets_the_general_quoting_hint() {
        let text = "answers:\n  - {id: x, label: Yes: now, next: y}\n";
        let file = yaml_file("content/x.md", text);
        let range = 0..file.text.len();
        let error = explain(
            &file,
            &range,
            "mapping values are not allowed in this context",
            file.location(2, 24),
        );
        assert_eq!(error.code, "E017");
        assert_eq!(
            error.help.as_deref(),
            Some("put the whole text in double quotes, e.g. `label: \"Yes: now\"`")
        );
    }

    #[test]
    fn site_yaml_never_hears_of_front_matter() {
        let file = yaml_file("site.yaml", "title: A\n\nthis is: not: fine\n");
        let range = 0..file.text.len();
        let error = explain(
            &file,
            &range,
            "mapping values are not allowed in this context",
            file.location(3, 13),
        );
        assert_eq!(error.code, "E017");
    }

    #[test]
    fn prose_is_told_from_yaml() {
        assert!(looks_like_prose("PECH is the German version of RICE."));
        assert!(!looks_like_prose("title: First aid"));
        assert!(!looks_like_prose("  - id: x"));
        assert!(!looks_like_prose("# a comment"));
    }
}
