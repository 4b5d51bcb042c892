//! Where each value of a YAML block starts, indexed once per file: the tree's checks ask for
//! thousands of positions, and parsing the block again for each one made validation quadratic.

use std::ops::Range;
use std::sync::Arc;

use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};

use crate::diagnostics::{Location, SourceFile};
use crate::yaml::Key;

/// One node of the index: its position and, for collections, its children.
#[derive(Debug)]
struct Node {
    /// 1-based line and column in the file.
    line: usize,
    column: usize,
    children: Children,
}

#[derive(Debug)]
enum Children {
    /// Keys in document order; mappings are small, so a linear search is the fastest lookup.
    Mapping(Vec<(String, Node)>),
    Sequence(Vec<Node>),
    Scalar,
}

/// Positions of every value in the YAML at `range` of `file`.
#[derive(Debug)]
pub struct Positions {
    file: Arc<SourceFile>,
    /// The start of the block, where a path that does not resolve at all points.
    start: usize,
    root: Option<Node>,
}

impl Positions {
    /// Parses the block once; a block that does not parse gives an index whose every lookup
    /// points at its start (its syntax error was reported when it was first parsed).
    pub fn new(file: &Arc<SourceFile>, range: Range<usize>) -> Positions {
        let (first_line, _) = file.line_col(range.start);
        let root = MarkedYaml::load_from_str(&file.text[range.clone()])
            .ok()
            .and_then(|documents| documents.into_iter().next())
            .map(|document| index(&document, first_line));
        Positions {
            file: Arc::clone(file),
            start: range.start,
            root,
        }
    }

    /// Where the value at `path` starts; where the path stops resolving, its deepest existing
    /// parent (a missing field points at the mapping that lacks it).
    pub fn locate(&self, path: &[Key]) -> Location {
        let Some(mut node) = self.root.as_ref() else {
            return self.file.location_of_offset(self.start);
        };
        for key in path {
            let child = match (key, &node.children) {
                (Key::Field(name), Children::Mapping(entries)) => entries
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value),
                (Key::Index(index), Children::Sequence(items)) => items.get(*index),
                _ => None,
            };
            match child {
                Some(child) => node = child,
                None => break,
            }
        }
        self.file.location(node.line, node.column)
    }
}

fn index(node: &MarkedYaml, first_line: usize) -> Node {
    let children = match &node.data {
        YamlData::Mapping(mapping) => Children::Mapping(
            mapping
                .iter()
                .filter_map(|(key, value)| {
                    let key = key.data.as_str()?.to_owned();
                    Some((key, index(value, first_line)))
                })
                .collect(),
        ),
        YamlData::Sequence(items) => {
            Children::Sequence(items.iter().map(|item| index(item, first_line)).collect())
        }
        _ => Children::Scalar,
    };
    Node {
        line: first_line + node.span.start.line() - 1,
        column: node.span.start.col() + 1,
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{locate, split};

    #[test]
    fn finds_what_the_front_matter_locator_finds() {
        let file = SourceFile::new(
            "content/x.md".into(),
            "---\ntitle: A\ntags:\n  - one\n  - {id: two, next: x}\n---\n".to_owned(),
        );
        let range = split(&file).unwrap().yaml;
        let positions = Positions::new(&file, range.clone());
        let paths: [&[Key]; 5] = [
            &[Key::Field("title")],
            &[Key::Field("tags"), Key::Index(1)],
            &[Key::Field("tags"), Key::Index(1), Key::Field("next")],
            &[Key::Field("tags"), Key::Index(1), Key::Field("missing")],
            &[Key::Field("nothing")],
        ];
        for path in paths {
            assert_eq!(
                positions.locate(path),
                locate(&file, &range, path),
                "{path:?}"
            );
        }
        assert_eq!(
            (
                positions.locate(paths[2]).line,
                positions.locate(paths[2]).column
            ),
            (5, 21)
        );
    }
}
