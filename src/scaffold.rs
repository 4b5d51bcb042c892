//! `kneeguide new cause <id>` and `kneeguide new page <id>`: a new file from an archetype, with
//! every front-matter field present and explained, a body outline, and today's date as
//! `last_reviewed`. It is a draft, and it builds as it is.
//!
//! Archetypes are Tera templates, as Hugo's are Go templates: `archetypes/<kind>.md` in the site
//! folder wins over `themes/<theme>/archetypes/<kind>.md`, so a site changes its scaffolds without
//! touching the tool. They see `id`, `title`, `today` and `next_review`.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config;
use crate::content::meta::Date;
use crate::content::{CAUSES_DIR, CONTENT_DIR, is_url_safe};
use crate::diagnostics::{Diagnostic, Location};
use crate::theme_config::THEMES_DIR;

/// The folder, in a site or a theme, that holds the scaffolds for `new`.
pub const ARCHETYPES_DIR: &str = "archetypes";

/// What `new` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `content/causes/<id>.md`
    Cause,
    /// `content/<id>.md`
    Page,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cause => "cause",
            Kind::Page => "page",
        }
    }
}

#[derive(Debug)]
pub enum NewError {
    /// The id is not lower-case words joined by hyphens (a usage error).
    UnsafeId(String),
    /// The file is there already; it is never overwritten.
    Exists(PathBuf),
    /// The folder has no content/: not a site.
    NoContent(PathBuf),
    Io(PathBuf, io::Error),
    /// site.yaml could not be read, so the theme (and its archetypes) is unknown.
    Config(Vec<Diagnostic>),
    /// Neither the site nor its theme has an archetype for this kind.
    NoArchetype {
        kind: Kind,
        looked_in: Vec<PathBuf>,
    },
    /// The archetype is not a valid template.
    Archetype(PathBuf, String),
}

impl NewError {
    /// The problem as diagnostics, drawn like a build's.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let one = match self {
            NewError::UnsafeId(id) => Diagnostic::error(
                "",
                format!("`{id}` cannot be an id: it becomes the file name and the page's address"),
            )
            .with_help(
                "use lower-case letters and digits in words joined by single hyphens, e.g. \
                 `bakers-cyst`",
            ),
            NewError::Exists(path) => {
                Diagnostic::error("", "the file already exists; it was left as it is")
                    .at(Location::file(path))
                    .with_help("edit that file, or choose another id")
            }
            NewError::NoContent(root) => Diagnostic::error(
                "",
                format!("no {CONTENT_DIR}/ folder in {}", root.display()),
            )
            .with_help(
                "run this in the site's folder (the one with site.yaml and content/), \
                         or pass --root DIR",
            ),
            NewError::Io(path, error) => {
                Diagnostic::error("", format!("cannot write {}: {error}", path.display()))
                    .at(Location::file(path))
            }
            NewError::Config(errors) => {
                let mut all = errors.clone();
                all.push(
                    Diagnostic::error("", "no archetype can be found while site.yaml has errors")
                        .with_help(
                            "`new` reads site.yaml to find the theme's archetypes; fix it first",
                        ),
                );
                return all;
            }
            NewError::NoArchetype { kind, looked_in } => {
                let places: Vec<String> =
                    looked_in.iter().map(|p| p.display().to_string()).collect();
                Diagnostic::error(
                    "",
                    format!(
                        "no archetype for a new {}: looked for {}",
                        kind.as_str(),
                        places.join(" and ")
                    ),
                )
                .with_help(format!(
                    "copy themes/default/{ARCHETYPES_DIR}/{}.md from kneeguide's default theme",
                    kind.as_str()
                ))
            }
            NewError::Archetype(path, error) => Diagnostic::error(
                "E030",
                format!("the archetype {} cannot be used: {error}", path.display()),
            )
            .at(Location::file(path)),
        };
        vec![one]
    }
}

impl NewError {
    /// Drawn for stderr: in colour on a terminal.
    pub fn render(&self, colour: bool) -> String {
        let drawn: Vec<String> = self
            .diagnostics()
            .iter()
            .map(|d| d.render(colour))
            .collect();
        drawn.join("\n")
    }
}

impl fmt::Display for NewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Writes a new `kind` file for `id` under `root` from its archetype; returns its path.
/// Refuses to overwrite.
pub fn new(root: &Path, kind: Kind, id: &str, today: Date) -> Result<PathBuf, NewError> {
    if !is_url_safe(id) {
        return Err(NewError::UnsafeId(id.to_owned()));
    }
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return Err(NewError::NoContent(root.to_path_buf()));
    }
    let text = render_archetype(root, kind, id, today)?;
    let folder = match kind {
        Kind::Cause => content.join(CAUSES_DIR),
        Kind::Page => content,
    };
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
    file.write_all(text.as_bytes())
        .map_err(|e| NewError::Io(path.clone(), e))?;
    Ok(path)
}

/// The archetype for `kind`: the site's own first, then the theme's.
fn find_archetype(root: &Path, kind: Kind) -> Result<PathBuf, NewError> {
    let mut found = Vec::new();
    let Some(config) = config::load(root, None, &mut found) else {
        return Err(NewError::Config(found));
    };
    let file = format!("{}.md", kind.as_str());
    let looked_in = vec![
        root.join(ARCHETYPES_DIR).join(&file),
        root.join(THEMES_DIR)
            .join(&config.theme)
            .join(ARCHETYPES_DIR)
            .join(&file),
    ];
    match looked_in.iter().find(|path| path.is_file()) {
        Some(path) => Ok(path.clone()),
        None => Err(NewError::NoArchetype { kind, looked_in }),
    }
}

/// The archetype for `kind`, filled in for `id`.
pub fn render_archetype(
    root: &Path,
    kind: Kind,
    id: &str,
    today: Date,
) -> Result<String, NewError> {
    let path = find_archetype(root, kind)?;
    let template = fs::read_to_string(&path).map_err(|e| NewError::Io(path.clone(), e))?;
    let mut tera = tera::Tera::default();
    let name = path.display().to_string();
    let rendered = tera.add_raw_template(&name, &template).and_then(|()| {
        let mut context = tera::Context::new();
        context.insert("id", id);
        context.insert("title", &title_of(id));
        context.insert("today", &today.to_string());
        context.insert("next_review", &a_year_after(today).to_string());
        tera.render(&name, &context)
    });
    rendered.map_err(|error| NewError::Archetype(path, error.to_string()))
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
    fn the_default_archetype_is_valid_front_matter() {
        let today = Date::parse("2026-11-25").unwrap();
        let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = render_archetype(site, Kind::Cause, "bakers-cyst", today).unwrap();
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
