//! Pages that are not finished: scaffold leftovers (`TODO` text, comments and sample sources
//! from `kneeguide new`), and texts outside the lengths the scaffold states. A page that is not a
//! draft may hold no leftovers (E080) and should keep to the lengths (W051); for drafts,
//! `check --drafts` lists what each still lacks before it can be published ([`drafts_report`]).

use std::path::Path;

use crate::content::{self, Content, Meta, Page};
use crate::diagnostics::{Diagnostic, KindLimit};
use crate::yaml::Key;

/// The word every scaffold marks its unfinished texts, comments and sample values with.
const LEFTOVER: &str = "TODO";

/// (field, fewest characters, most characters), as the scaffolds' comments state them.
const LIMITS: [(&str, usize, usize); 3] = [
    ("title", 1, 60),
    ("summary", 50, 160),
    ("description", 50, 160),
];

/// Byte offsets of each `TODO` written as a word in the whole file (front matter, its comments,
/// and the body).
fn leftovers(text: &str) -> Vec<usize> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    memchr::memmem::find_iter(text.as_bytes(), LEFTOVER.as_bytes())
        .filter(|&offset| {
            !text[..offset].chars().next_back().is_some_and(word)
                && !text[offset + LEFTOVER.len()..]
                    .chars()
                    .next()
                    .is_some_and(word)
        })
        .collect()
}

/// The texts whose length the scaffold states: (field, text).
fn limited_texts(meta: &Meta) -> Vec<(&'static str, &str)> {
    match meta {
        Meta::Home(page) | Meta::Plain(page) => {
            vec![("title", &page.title), ("description", &page.description)]
        }
        Meta::Cause(cause) => vec![("title", &cause.title), ("summary", &cause.summary)],
        Meta::Tree(_) => Vec::new(),
    }
}

/// Each text of `page` outside its stated length: (field, message).
fn length_problems(page: &Page) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    for (field, text) in limited_texts(&page.meta) {
        let Some(&(_, least, most)) = LIMITS.iter().find(|(name, _, _)| *name == field) else {
            continue;
        };
        let length = text.trim().chars().count();
        if length > most {
            problems.push((
                field,
                format!(
                    "`{field}` is {length} characters long; at most {most} fit where it is shown"
                ),
            ));
        } else if length < least {
            problems.push((
                field,
                format!("`{field}` is {length} characters long; it needs at least {least} to say what the page is about"),
            ));
        }
    }
    problems
}

/// E080 for each scaffold leftover and W051 for each text outside its length, in every page
/// that is not a draft (a draft is unfinished by definition; `check --drafts` lists its gaps).
pub fn check(content: &Content, diagnostics: &mut Vec<Diagnostic>) {
    for page in content.pages.iter().filter(|page| !page.meta.draft()) {
        let mut limit = KindLimit::default();
        for offset in leftovers(&page.file.text) {
            if limit.admit() {
                let in_front_matter = offset < page.parts.yaml.end;
                let help = if in_front_matter {
                    "replace the scaffold's text (or sample value) with the page's own, and delete the `# TODO` comment; a page with leftovers cannot be published"
                } else {
                    "write the section, or delete it; a page with leftovers cannot be published"
                };
                limit.push(
                    Diagnostic::error(
                        "E080",
                        "scaffold leftover `TODO` in a page that is not a draft",
                    )
                    .at(page.file.location_of_offset(offset))
                    .with_help(help),
                    diagnostics,
                );
            }
        }
        limit.finish(diagnostics);
        for (field, message) in length_problems(page) {
            diagnostics.push(
                Diagnostic::warning("W051", message)
                    .at(page.locate(&[Key::Field(field)]))
                    .with_help(format!(
                        "keep `{field}` within the length the scaffold states (title: at most 60 characters; summary and description: 50-160)"
                    )),
            );
        }
    }
}

/// What one draft still lacks before it can be published, one short line each.
fn lacks(page: &Page, content: &Content) -> Vec<String> {
    let mut lacks = Vec::new();
    let lines: Vec<String> = leftovers(&page.file.text)
        .into_iter()
        .map(|offset| page.file.line_col(offset).0.to_string())
        .collect();
    if !lines.is_empty() {
        let shown: Vec<&str> = lines.iter().take(12).map(String::as_str).collect();
        let more = if lines.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        lacks.push(format!(
            "{} scaffold leftover(s) (`TODO`) on line {}{more}",
            lines.len(),
            shown.join(", ")
        ));
    }
    lacks.extend(
        length_problems(page)
            .into_iter()
            .map(|(_, message)| message),
    );
    if let Meta::Cause(cause) = &page.meta {
        let named = content.tree().is_some_and(|(_, tree)| {
            tree.outcomes
                .iter()
                .any(|outcome| outcome.causes.contains(&page.id))
        });
        if content.tree().is_some() && !named {
            lacks.push(format!(
                "no outcome of the decision tree names it: add `{}` to an outcome's `causes` in content/{}",
                page.id,
                content::TREE_FILE
            ));
        }
        for id in &cause.related {
            if let Some((_, other)) = content.cause(id)
                && !other.related.contains(&page.id)
            {
                lacks.push(format!(
                    "`{id}` does not list it in `related` yet: add `{}` there when you publish this page",
                    page.id
                ));
            }
        }
        if !cause.sources.iter().any(|source| source.url.is_some()) {
            lacks.push("no source with a `url:` (https://…) a reader can follow".to_owned());
        }
    }
    lacks
}

/// `check --drafts`: every draft under `root` with what it still lacks, as a short list per
/// file; empty when the site has no drafts. Read on its own, so it is shown even when the site
/// has errors.
pub fn drafts_report(root: &Path) -> String {
    let mut ignored = Vec::new();
    let content = content::load(root, true, &mut ignored);
    let mut report = String::new();
    for page in content.pages.iter().filter(|page| page.meta.draft()) {
        let draft_line = page.locate(&[Key::Field("draft")]).line;
        report.push_str(&format!(
            "{}:{draft_line}: draft; before it can be published:\n",
            page.file.path.display()
        ));
        for lack in lacks(page, &content) {
            report.push_str(&format!("  - {lack}\n"));
        }
        report.push_str("  - remove the line `draft: true`\n");
    }
    if !report.is_empty() {
        report.insert_str(
            0,
            "Drafts (left out of the site until `draft: true` is removed):\n",
        );
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_the_word_todo_only() {
        let text = "TODO: a\ngroup: swelling # TODO\nTODOS MASTODON todo\n";
        assert_eq!(leftovers(text), [0, 26]);
    }
}
