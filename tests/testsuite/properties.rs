//! Property tests on the stable toolchain over the same stages as the fuzz targets in `fuzz/`:
//! front matter, Markdown (heading ids, footnotes, links), decision-tree compilation and the
//! preview server's request parser. Inputs are built from the pieces these formats are made of,
//! so that a bounded number of cases reaches deep; each case runs on a worker thread under a
//! time limit, so a hang fails the test instead of stalling it.
//!
//! The fuzzers' first finding, a heading whose id starts with `fn-` that made Markdown rendering
//! loop forever (issue 10 point 1), is fixed; `fn_heading_ids_do_not_hang` keeps it fixed.

use std::sync::mpsc::channel;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use kneeguide::fuzzing;

/// Far more than any case takes (milliseconds, in a debug build), and short enough that a hang
/// fails the run quickly.
const CASE_LIMIT: Duration = Duration::from_secs(10);

const SITE_YAML: &str = include_str!("../fixtures/decision_tree/_shared/site.yaml");
const TREE: &str = include_str!("../fixtures/decision_tree/_shared/content/decision-tree.md");
const CAUSES: [(&str, &str); 4] = [
    (
        "clot",
        include_str!("../fixtures/decision_tree/_shared/content/causes/clot.md"),
    ),
    (
        "cyst",
        include_str!("../fixtures/decision_tree/_shared/content/causes/cyst.md"),
    ),
    (
        "sprain",
        include_str!("../fixtures/decision_tree/_shared/content/causes/sprain.md"),
    ),
    (
        "growing",
        include_str!("../fixtures/decision_tree/_shared/content/causes/growing.md"),
    ),
];

/// Runs `case` on a worker thread; panics if it panics or outlives the limit. A hung worker is
/// left behind (a thread cannot be killed), and the test fails at once.
fn within_limit(what: &str, input: String, case: impl FnOnce(&str) + Send + 'static) {
    let (done, finished) = channel();
    let shown = input.clone();
    std::thread::Builder::new()
        .name("property-case".into())
        .spawn(move || {
            case(&input);
            let _ = done.send(());
        })
        .unwrap();
    match finished.recv_timeout(CASE_LIMIT) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what} panicked on {shown:?}")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {CASE_LIMIT:?} on {shown:?}")
        }
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // A hang found while shrinking would leave a spinning thread per step: stop early.
        max_shrink_iters: 32,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Text made of `pieces` and arbitrary strings, up to `len` parts.
fn text_of(pieces: &'static [&'static str], len: usize) -> BoxedStrategy<String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(pieces).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => proptest::collection::vec(any::<char>(), 0..8)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
    ];
    proptest::collection::vec(piece, 0..len)
        .prop_map(|parts| parts.concat())
        .boxed()
}

const YAML_PIECES: &[&str] = &[
    "---\n",
    "---",
    "\n",
    "title: ",
    "description: ",
    "slug: ",
    "last_reviewed: ",
    "2026-01-10",
    "2026-02-30",
    "next_review: ",
    "nav_order: ",
    "draft: true",
    "sources:",
    "\n  - ",
    "{id: a, title: b, url: \"https://x\"}",
    "[",
    "]",
    "{",
    "}",
    ": ",
    ", ",
    "\"",
    "'",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!tag ",
    "|\n  ",
    ">-\n  ",
    "#",
    "\t",
    "  ",
    "- ",
    "? ",
    "~",
    "null",
    "1e999",
    "-0",
    "0x1F",
    "\u{feff}",
    "\r\n",
    "\0",
    "é",
    "summary: ",
    "group: swelling",
    "audience: [adult]",
    "min_urgency: ",
    "urgent",
    "when_to_get_help:",
    "\n  emergency: [x]",
    "related: [cyst]",
    "questions:",
    "outcomes:",
    "start: q",
];

const MARKDOWN_PIECES: &[&str] = &[
    "# ",
    "## ",
    "### ",
    "###### ",
    "\n",
    "\n\n",
    "Ice",
    "Symptoms",
    "symptoms",
    "main",
    "Baker's cyst",
    "When to see a doctor",
    "ÄÖü",
    "1",
    "-",
    " ",
    "{#ice}",
    "{#symptoms}",
    "{#a b}",
    "{#}",
    "{",
    "}",
    "[^1]",
    "[^1]: A note.",
    "[^note]",
    "[^note]: x",
    "[x](about.md)",
    "[x](about.md#ice)",
    "[x](causes/cyst.md#symptoms)",
    "[x](broken.md)",
    "[x](missing.md)",
    "[x](../x.md)",
    "[x](#ice)",
    "[x](https://example.org/)",
    "![i](a.png)",
    "<https://x>",
    "[x]: about.md",
    "[x][]",
    "|a|b|\n|-|-|\n|c|d|",
    "```\ncode\n```",
    "`",
    "*",
    "_",
    "**",
    "~~",
    "> ",
    "1. ",
    "- ",
    "    ",
    "<div>",
    "</div>",
    "<!--",
    "&amp;",
    "&#0;",
    "\\",
    "{emergency_number}",
    "{urgent_help}",
    "{unknown}",
    "\r",
    "\t",
    "\0",
];

const REQUEST_PIECES: &[&str] = &[
    "GET ",
    "HEAD ",
    "POST ",
    " ",
    "/",
    "/about/",
    "/__kneeguide/events",
    "%2e",
    "%2E%2e",
    "%2f",
    "%5c",
    "%00",
    "%",
    "%zz",
    "..",
    ".",
    "?x=1",
    "#f",
    "HTTP/1.1",
    "HTTP/1.0",
    "HTTP/2",
    "\r\n",
    "\n",
    "Host: ",
    "localhost:4400",
    "127.0.0.1:4400",
    "[::1]:4400",
    "[::1]",
    ":",
    "evil.example:4400",
    "Connection: close",
    "Content-Length: 5",
    "Transfer-Encoding: chunked",
    "é",
    "\0",
];

/// One edit of the fixture tree: drop, repeat or rewrite a line, so that cases stay close to a
/// real tree and reach the checks behind parsing (cycles, reachability, urgency, audiences).
#[derive(Debug, Clone)]
enum Edit {
    Drop(usize),
    Repeat(usize),
    Replace(usize, &'static str, &'static str),
}

const TREE_WORDS: &[&str] = &[
    "q-emergency",
    "q-age",
    "q-adult-flags",
    "q-child-flags",
    "q-adult-pattern",
    "o-emergency",
    "o-clot",
    "o-cyst",
    "o-sprain",
    "yes",
    "no",
    "none",
    "not-sure",
    "child",
    "adult",
    "emergency",
    "urgent",
    "routine",
    "self_care",
    "context",
    "red_flags",
    "triage",
    "clot",
    "cyst",
    "sprain",
    "growing",
    "[]",
    "true",
    "false",
    "{emergency_number}",
    "",
];

fn apply(edits: &[Edit]) -> String {
    let mut lines: Vec<String> = TREE.lines().map(str::to_owned).collect();
    for edit in edits {
        let len = lines.len();
        match *edit {
            Edit::Drop(i) if len > 1 => {
                lines.remove(i % len);
            }
            Edit::Repeat(i) => {
                let line = lines[i % len].clone();
                lines.insert(i % len, line);
            }
            Edit::Replace(i, from, to) => {
                let line = &mut lines[i % len];
                *line = line.replacen(from, to, 1);
            }
            Edit::Drop(_) => {}
        }
    }
    lines.join("\n") + "\n"
}

fn tree_edits() -> impl Strategy<Value = Vec<Edit>> {
    let word = proptest::sample::select(TREE_WORDS);
    let edit = prop_oneof![
        any::<usize>().prop_map(Edit::Drop),
        any::<usize>().prop_map(Edit::Repeat),
        (any::<usize>(), word.clone(), word).prop_map(|(i, a, b)| Edit::Replace(i, a, b)),
    ];
    proptest::collection::vec(edit, 0..12)
}

#[test]
fn front_matter_never_panics_or_hangs() {
    runner(400)
        .run(&text_of(YAML_PIECES, 40), |text| {
            within_limit("front matter", text, fuzzing::front_matter);
            Ok(())
        })
        .unwrap();
}

#[test]
fn markdown_never_panics_or_hangs() {
    runner(400)
        .run(&text_of(MARKDOWN_PIECES, 60), |body| {
            within_limit("markdown", body, |body| {
                let config = fuzzing::site_config(SITE_YAML);
                assert!(config.is_some());
                fuzzing::markdown(body, config.as_ref());
                fuzzing::markdown(body, None);
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn tree_compilation_never_panics_or_hangs() {
    runner(300)
        .run(&tree_edits(), |edits| {
            within_limit("tree compilation", apply(&edits), |tree| {
                let config = fuzzing::site_config(SITE_YAML).unwrap();
                let _ = fuzzing::tree(tree, &CAUSES, &config);
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn request_parsing_never_panics_or_hangs() {
    runner(1000)
        .run(&text_of(REQUEST_PIECES, 30), |head| {
            within_limit("request parsing", head, |head| {
                fuzzing::request(head.as_bytes());
                fuzzing::request(format!("{head}\r\n\r\n").as_bytes());
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_fixture_tree_compiles_untouched() {
    // The tree generator edits a tree that is valid to begin with.
    let config = fuzzing::site_config(SITE_YAML).unwrap();
    within_limit("tree", TREE.to_owned(), move |tree| {
        let found = fuzzing::tree(tree, &CAUSES, &config).expect("the fixture parses");
        // Warnings only (such as W010: the fixture has no safety cases file).
        assert!(found.iter().all(|d| d.starts_with("warning")), "{found:?}");
    });
    // And a small edit is caught by the checks behind parsing: a cycle back to the start.
    let config = fuzzing::site_config(SITE_YAML).unwrap();
    let looped = TREE.replacen("next: q-adult-pattern", "next: q-emergency", 1);
    assert_ne!(looped, TREE);
    let errors = fuzzing::tree(&looped, &CAUSES, &config).unwrap();
    assert!(errors.iter().any(|e| e.contains("error[E0")), "{errors:?}");
}

#[test]
fn fn_heading_ids_do_not_hang() {
    for body in [
        "## Fn codes explained\n",
        "## FN-1 guidance\n",
        "## Notes {#fn-1}\n",
        "Text[^1].\n\n[^1]: Note.\n\n## Fn 1\n",
    ] {
        within_limit("markdown", body.to_owned(), |body| {
            fuzzing::markdown(body, None)
        });
    }
}
