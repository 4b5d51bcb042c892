//! Splits a content file into YAML front matter and Markdown body, and parses the front matter into a
//! typed struct with errors located in the file (not just in the YAML snippet).

use std::ops::Range;
use std::sync::Arc;

use saphyr::{LoadableYamlNode, MarkedYaml};
use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Location, SourceFile, nearest};

/// Byte ranges of the two parts of a content file.
#[derive(Debug, Clone)]
pub struct Parts {
    pub yaml: Range<usize>,
    pub body: Range<usize>,
}

/// Finds the `---` fences. The file must open with one; the next line that is exactly `---` closes it.
pub fn split(file: &Arc<SourceFile>) -> Result<Parts, Diagnostic> {
    let text = &file.text;
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = line_spans(text, start);
    let first = lines.next();
    if first
        .as_ref()
        .is_none_or(|line| text[line.clone()].trim_end() != "---")
    {
        return Err(Diagnostic::error(
            "E018",
            "expected front matter: the file must start with a line `---`",
        )
        .at(file.location(1, 1))
        .with_help("begin the file with `---`, the YAML fields (such as `title:`), then `---`"));
    }
    let yaml_start = first.map_or(start, |line| line.end);
    for line in lines {
        if text[line.clone()].trim_end() == "---" {
            return Ok(Parts {
                yaml: yaml_start..line.start,
                body: line.end..text.len(),
            });
        }
    }
    Err(Diagnostic::error(
        "E018",
        "the front matter is never closed: no line `---` after it",
    )
    .at(file.location(1, 1))
    .with_help("add a line `---` after the last YAML field, before the Markdown text"))
}

/// Each line's byte range including its line break, starting at `start`.
fn line_spans(text: &str, start: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut position = start;
    std::iter::from_fn(move || {
        if position >= text.len() {
            return None;
        }
        let end = text[position..]
            .find('\n')
            .map_or(text.len(), |i| position + i + 1);
        let range = position..end;
        position = end;
        Some(range)
    })
}

/// Parses YAML at `range` of `file` into `T`; the error, if any, points into the file.
pub fn parse<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    range: Range<usize>,
) -> Result<T, Diagnostic> {
    let yaml = &file.text[range.clone()];
    // An empty block is parsed as an empty mapping so the user learns which fields are required.
    let source = if yaml.trim().is_empty() { "{}" } else { yaml };
    serde_yaml::from_str(source).map_err(|error| {
        let location = match error.location() {
            Some(at) if !yaml.trim().is_empty() => {
                let (line_offset, _) = file.line_col(range.start);
                file.location(line_offset + at.line() - 1, at.column())
            }
            _ => file.location_of_offset(range.start.saturating_sub(1)),
        };
        crate::yaml_words::explain(file, &range, &error.to_string(), location)
    })
}

/// Turns serde's wording into ours: a code per class, the allowed words, and the nearest one.
pub fn yaml_error_to_diagnostic(raw: &str, location: Location) -> Diagnostic {
    let message = &strip_yaml_positions(raw);
    let (code, help) = if message.contains("unknown field") || message.contains("unknown variant") {
        let code = if message.contains("unknown variant") {
            "E004"
        } else {
            "E001"
        };
        (code, suggestion(message))
    } else if message.contains("missing field") {
        ("E001", Some("add the field to the front matter".to_owned()))
    } else if message.contains("invalid type") || message.contains("invalid value") {
        ("E001", None)
    } else {
        (
            "E017",
            Some("check the YAML syntax: `key: value` pairs, consistent indentation, quotes around text containing `: ` or `#`".to_owned()),
        )
    };
    let diagnostic = Diagnostic::error(code, message).at(location);
    match help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// Removes libyaml's " at line N column M": those count from the front matter, not the file, and
/// the diagnostic already points at the right place.
pub(crate) fn strip_yaml_positions(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find(" at line ") {
        out.push_str(&rest[..start]);
        let after = &rest[start + " at line ".len()..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let line_len = digits(after);
        match after[line_len..].strip_prefix(" column ") {
            Some(column) if line_len > 0 => rest = &column[digits(column)..],
            _ => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// From "unknown field `titel`, expected one of `title`, `summary`" make "did you mean `title`?".
fn suggestion(message: &str) -> Option<String> {
    let mut quoted = message.split('`').skip(1).step_by(2);
    let given = quoted.next()?;
    let allowed: Vec<&str> = quoted.collect();
    let best = nearest(given, allowed.iter().copied())?;
    Some(format!("did you mean `{best}`?"))
}

/// One step of a path into a YAML document.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    Field(&'a str),
    Index(usize),
}

/// Finds where the value at `path` starts in the YAML at `range` of `file`. Only used on the error
/// path, so the second parse costs nothing when the content is good.
pub fn locate(file: &Arc<SourceFile>, range: &Range<usize>, path: &[Key]) -> Location {
    Locator::new(file, range).locate(path)
}

/// The YAML of a front matter parsed once with positions, for pages that locate many values
/// (4,000 unknown related ids must not parse the front matter 4,000 times).
pub struct Locator<'a> {
    file: &'a Arc<SourceFile>,
    start: usize,
    document: Option<MarkedYaml<'a>>,
}

impl<'a> Locator<'a> {
    pub fn new(file: &'a Arc<SourceFile>, range: &Range<usize>) -> Self {
        let yaml = &file.text[range.clone()];
        let document = MarkedYaml::load_from_str(yaml)
            .ok()
            .and_then(|documents| documents.into_iter().next());
        Locator {
            file,
            start: range.start,
            document,
        }
    }

    /// Where the value at `path` starts; the deepest part of the path that exists, or the
    /// start of the front matter.
    pub fn locate(&self, path: &[Key]) -> Location {
        let Some(mut node) = self.document.as_ref() else {
            return self.file.location_of_offset(self.start);
        };
        for key in path {
            let next = match key {
                Key::Field(name) => node.data.as_mapping_get(name),
                Key::Index(index) => node.data.as_sequence_get(*index),
            };
            match next {
                Some(child) => node = child,
                None => break,
            }
        }
        let marker = node.span.start;
        let (first_line, _) = self.file.line_col(self.start);
        self.file
            .location(first_line + marker.line() - 1, marker.col() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Meta {
        title: String,
        tags: Option<Vec<String>>,
    }

    fn file(text: &str) -> Arc<SourceFile> {
        SourceFile::new("content/x.md".into(), text.to_owned())
    }

    #[test]
    fn splits_front_matter_and_body() {
        let f = file("---\ntitle: A\n---\nBody\n");
        let parts = split(&f).unwrap();
        assert_eq!(&f.text[parts.yaml], "title: A\n");
        assert_eq!(&f.text[parts.body], "Body\n");
    }

    #[test]
    fn missing_fences_are_located_errors() {
        let error = split(&file("title: A\n")).unwrap_err();
        assert_eq!(error.code, "E018");
        let error = split(&file("---\ntitle: A\n")).unwrap_err();
        assert!(error.message.contains("never closed"));
        assert!(split(&file("")).is_err());
    }

    #[test]
    fn unknown_field_points_at_the_file_line_with_a_suggestion() {
        let f = file("---\ntitle: A\ntitel: B\n---\n");
        let parts = split(&f).unwrap();
        let error = parse::<Meta>(&f, parts.yaml).unwrap_err();
        let location = error.location.clone().unwrap();
        assert_eq!((location.line, location.column), (3, 1), "{error}");
        assert!(error.message.contains("unknown field `titel`"), "{error}");
        assert_eq!(error.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn empty_front_matter_names_the_missing_field() {
        let f = file("---\n---\n");
        let parts = split(&f).unwrap();
        let error = parse::<Meta>(&f, parts.yaml).unwrap_err();
        assert!(error.message.contains("missing field `title`"), "{error}");
        assert_eq!(error.location.unwrap().line, 1);
    }

    #[test]
    fn yaml_positions_are_stripped_from_messages() {
        assert_eq!(
            strip_yaml_positions("found end at line 5 column 1, while scanning at line 2 column 3"),
            "found end, while scanning"
        );
        assert_eq!(strip_yaml_positions("at line break"), "at line break");
    }

    #[test]
    fn locate_finds_nested_values() {
        let f = file("---\ntitle: A\ntags:\n  - one\n  - two\n---\n");
        let parts = split(&f).unwrap();
        let at = locate(&f, &parts.yaml, &[Key::Field("tags"), Key::Index(1)]);
        assert_eq!((at.line, at.column), (5, 5));
        let at = locate(&f, &parts.yaml, &[Key::Field("title")]);
        assert_eq!((at.line, at.column), (2, 8));
    }
}
