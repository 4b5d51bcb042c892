//! `kneeguide new cause <id>`: a new cause file with every front-matter field present and
//! explained, a body outline, and today's date as `last_reviewed`. It is a draft, and it builds
//! as it is.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::content::meta::Date;
use crate::content::{CAUSES_DIR, CONTENT_DIR, is_url_safe};

#[derive(Debug)]
pub enum NewError {
    /// The id is not lower-case words joined by hyphens (a usage error).
    UnsafeId(String),
    /// The file is there already; it is never overwritten.
    Exists(PathBuf),
    /// The folder has no content/: not a site.
    NoContent(PathBuf),
    Io(PathBuf, io::Error),
}

impl fmt::Display for NewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NewError::UnsafeId(id) => write!(
                f,
                "error: `{id}` cannot be a cause id: it becomes the file name and the address \
                 causes/{id}/\n   = help: use lower-case letters and digits in words joined by \
                 single hyphens, e.g. `bakers-cyst`"
            ),
            NewError::Exists(path) => write!(
                f,
                "error: {} already exists; it was left as it is\n   = help: edit that file, or \
                 choose another id",
                path.display()
            ),
            NewError::NoContent(root) => write!(
                f,
                "error: no {CONTENT_DIR}/ folder in {}\n   = help: run this in the site's folder \
                 (the one with site.yaml and content/), or pass --root DIR",
                root.display()
            ),
            NewError::Io(path, error) => {
                write!(f, "error: cannot write {}: {error}", path.display())
            }
        }
    }
}

/// Writes `content/causes/<id>.md` under `root`; returns its path. Refuses to overwrite.
pub fn new_cause(root: &Path, id: &str, today: Date) -> Result<PathBuf, NewError> {
    if !is_url_safe(id) {
        return Err(NewError::UnsafeId(id.to_owned()));
    }
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return Err(NewError::NoContent(root.to_path_buf()));
    }
    let folder = content.join(CAUSES_DIR);
    fs::create_dir_all(&folder).map_err(|e| NewError::Io(folder.clone(), e))?;
    let path = folder.join(format!("{id}.md"));
    // create_new: never overwrites, even if the file appears between a check and the write.
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            return Err(NewError::Exists(path));
        }
        Err(error) => return Err(NewError::Io(path, error)),
    };
    file.write_all(cause_template(id, today).as_bytes())
        .map_err(|e| NewError::Io(path.clone(), e))?;
    Ok(path)
}

/// `bakers-cyst` -> `Bakers cyst`, at most 60 characters (the title limit).
fn title_of(id: &str) -> String {
    let mut title = String::new();
    for word in id.split('-') {
        let next = if title.is_empty() {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        } else {
            format!(" {word}")
        };
        if title.len() + next.len() > 60 {
            break;
        }
        title.push_str(&next);
    }
    if title.is_empty() {
        id.chars().take(60).collect()
    } else {
        title
    }
}

/// A year after `today` (28 February for 29 February).
fn a_year_after(today: Date) -> Date {
    let day = if today.month == 2 && today.day == 29 {
        28
    } else {
        today.day
    };
    Date {
        year: today.year + 1,
        day,
        ..today
    }
}

pub fn cause_template(id: &str, today: Date) -> String {
    let title = title_of(id);
    let next = a_year_after(today);
    format!(
        r#"---
# A new cause: `kneeguide new cause {id}` wrote this file. Every field is listed below with what
# it is for; the README ("Causes") has more. The page is a DRAFT: the site leaves it out until you
# delete the `draft: true` line at the end. Preview it with `kneeguide serve --drafts`, and run
# `kneeguide check --drafts` to find what still needs doing. Replace every TODO.

# Required. The page heading and the name in lists; at most 60 characters.
title: "{title}"
# Required. One or two plain sentences, 50-160 characters: used as the meta description, in
# lists, and on the decision tree's outcome pages.
summary: >-
  TODO: say in one or two plain sentences what this is and how soon to get help.
# Required. The group the home page lists it under:
# injury | overuse | swelling | blood-vessels | nerves | children
group: swelling # TODO: choose the group
# Optional. Other names readers may know it by, e.g. [popliteal cyst].
aliases: []
# Required. Who it can affect: [adult], [child] or [adult, child].
audience: [adult, child]
# Required. The least urgent advice any decision-tree outcome naming this cause may give:
# self_care < routine < urgent < emergency.
min_urgency: routine
# Required, at least one. What the reader may notice, as plain sentences.
symptoms:
  - "TODO: a symptom, as a plain sentence."
# Optional. What makes it more likely, as plain sentences.
risk_factors: []
# Optional. What the reader can do themselves.
self_care: []
# Optional. What a doctor may do.
treatments: []
# Optional. Tests a doctor may arrange, e.g. an ultrasound scan.
tests: []
# Required. The care cards, 1-6 items each; leave out a card that does not apply. Each item
# completes its card's sentence:
#   emergency: "Call the emergency number now if ..."
#   urgent:    "Get medical help today if ..."
#   routine:   "See a doctor if ..."
when_to_get_help:
  routine:
    - "TODO: the pain has not got better after two weeks"
# Optional. Ids of related causes (their file names without .md). Each must exist, and should
# name this cause back.
related: []
# Required, at least one. Where the information comes from. `id` is unique on this page; `url`
# must start with https:// and may be left out only for the source article (id source-article).
sources:
  - id: source-article
    title: "TODO: the title of the source"
    publisher: "TODO: who published it"
    # url: https://...
    accessed: {today}
# Optional. The clinician who reviewed this page (date not in the future). Until it is set, the
# page says plainly that no clinician has reviewed it.
# reviewed_by: {{name: "Dr A. Example", role: "General practitioner", date: {today}}}
# Required. The day a reviewer last checked this page against its sources; not in the future.
last_reviewed: {today}
# Required. When the page is due for its next review; after last_reviewed.
next_review: {next}
# Optional. The page's address is causes/{id}/; a slug changes the last part.
# slug: {id}
# Remove this line to publish the page.
draft: true
---
## What it is

TODO: explain in plain words what this is. The template already shows the summary, the care
cards, symptoms, risk factors, self-care, tests, treatments and sources from the fields above:
do not repeat those lists here.

## Why it hurts behind the knee

TODO

## What a doctor may do

TODO: how a doctor finds out what it is, and what happens next.
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::meta::CauseMeta;

    #[test]
    fn titles_come_from_ids() {
        assert_eq!(title_of("bakers-cyst"), "Bakers cyst");
        assert_eq!(title_of("dvt"), "Dvt");
        assert!(title_of(&"abcdefghij-".repeat(10)[..109]).len() <= 60);
    }

    #[test]
    fn next_review_is_a_year_later() {
        let leap = Date::parse("2028-02-29").unwrap();
        assert_eq!(a_year_after(leap).to_string(), "2029-02-28");
        let day = Date::parse("2026-11-25").unwrap();
        assert_eq!(a_year_after(day).to_string(), "2027-11-25");
    }

    #[test]
    fn the_template_is_valid_front_matter() {
        let today = Date::parse("2026-11-25").unwrap();
        let text = cause_template("bakers-cyst", today);
        let yaml = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n"))
            .unwrap()
            .0;
        let meta: CauseMeta = serde_yaml::from_str(yaml).unwrap();
        assert!(meta.draft);
        assert_eq!(meta.last_reviewed, today);
        assert!((50..=160).contains(&meta.summary.chars().count()));
        assert!(meta.title.chars().count() <= 60);
    }
}
