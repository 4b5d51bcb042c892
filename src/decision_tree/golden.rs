//! The reviewed path list: `tests/golden/decision-tree-paths.txt` under the site root holds every
//! path of the tree as `kneeguide tree paths` prints it. When the file is there, every load
//! compares the tree with it, so an edit that changes where readers end up is seen and reviewed.

use std::path::Path;

use super::Tree;
use crate::diagnostics::{Diagnostic, Location, plural};

/// Where the reviewed list is kept, relative to the site root (by convention: the repository's
/// test suite compares the guide's tree with the same file).
pub const PATHS_FILE: &str = "tests/golden/decision-tree-paths.txt";

/// W060 when the site has a reviewed path list and the tree's paths differ from it.
pub fn compare(root: &Path, tree: &Tree, found: &mut Vec<Diagnostic>) {
    let Ok(committed) = std::fs::read_to_string(root.join(PATHS_FILE)) else {
        return;
    };
    let current = tree.paths_text();
    if let Some(diagnostic) = difference(&committed, &current) {
        found.push(diagnostic);
    }
}

/// The warning for two path lists, or `None` when they are the same. Located at the first line
/// of the committed list that differs.
pub fn difference(committed: &str, current: &str) -> Option<Diagnostic> {
    if committed == current {
        return None;
    }
    let is_path = |line: &&str| !line.starts_with('#') && !line.trim().is_empty();
    let committed_paths: Vec<&str> = committed.lines().filter(is_path).collect();
    let current_paths: Vec<&str> = current.lines().filter(is_path).collect();
    let added = current_paths
        .iter()
        .filter(|line| !committed_paths.contains(line))
        .count();
    let removed = committed_paths
        .iter()
        .filter(|line| !current_paths.contains(line))
        .count();
    let first_difference = committed
        .lines()
        .zip(current.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(current.lines().count()));
    let summary = if added + removed == 0 {
        "their order or header changed".to_owned()
    } else {
        format!(
            "{} new or changed, {} gone",
            plural(added, "line"),
            plural(removed, "line")
        )
    };
    Some(
        Diagnostic::warning(
            "W060",
            format!("the decision tree's paths differ from the reviewed list {PATHS_FILE}: {summary}"),
        )
        .at(Location::quoting(
            Path::new(PATHS_FILE),
            first_difference + 1,
            1,
            committed.lines().nth(first_difference).unwrap_or(""),
        ))
        .with_help(format!(
            "if the tree change is intended, write the new list with `kneeguide tree paths > {PATHS_FILE}`, review the difference with `git diff {PATHS_FILE}`, and commit both"
        )),
    )
}
