//! The theme's declarations that stages before rendering need: where themes live and the ids
//! `theme.yaml` reserves on every page of a kind.

use std::path::Path;

use crate::content::Meta;
use crate::diagnostics::{Diagnostic, SourceFile};

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
