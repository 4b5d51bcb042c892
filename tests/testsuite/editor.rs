//! Messages for editors (issue 14, points 4, 5, 6, 8, 9): each fixture under
//! tests/fixtures/editor/<case>/ is copied on top of a good site (the decision-tree fixture's for tree
//! cases, tests/fixtures/good for the others), and the message and its location are checked.

use crate::common;
use std::path::Path;

use crate::common::{copy_dir, fixture, options};
use kneeguide::diagnostics::Diagnostic;

/// A temporary site: `base` with the case's files on top.
fn site(base: &str, case: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(base), temp.path());
    copy_dir(&fixture("editor").join(case), temp.path());
    temp
}

fn failures(base: &str, case: &str) -> Vec<Diagnostic> {
    let temp = site(base, case);
    match kneeguide::load(&options(temp.path())) {
        Ok(_) => panic!("{case}: the site loaded, but errors were expected"),
        Err(diagnostics) => diagnostics.into_iter().collect(),
    }
}

/// The one diagnostic of `found` with `code`: its message, help and file:line:column.
fn only<'a>(found: &'a [Diagnostic], code: &str) -> &'a Diagnostic {
    let matching: Vec<_> = found.iter().filter(|d| d.code == code).collect();
    assert_eq!(matching.len(), 1, "expected one {code} in {found:#?}");
    matching[0]
}

fn at(diagnostic: &Diagnostic) -> (String, usize, usize) {
    let location = diagnostic.location.as_ref().expect("a location");
    (
        location.file.display().to_string(),
        location.line,
        location.column,
    )
}

const TREE: &str = "content/decision-tree.md";

// Point 4: the tree's errors name things as editors do, in plain words.

#[test]
fn a_text_where_the_tree_needs_a_list() {
    let found = failures("decision_tree/_shared", "tree-causes-not-a-list");
    let error = only(&found, "E001");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn an_unknown_field_of_an_answer_names_question_and_answer() {
    let found = failures("decision_tree/_shared", "tree-answer-unknown-field");
    let error = only(&found, "E001");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn a_missing_field_names_the_question() {
    let found = failures("decision_tree/_shared", "tree-missing-field");
    let error = only(&found, "E001");
    insta::assert_snapshot!(error.to_string());
}

// Point 5: YAML mistakes in plain words.

#[test]
fn a_tab_in_the_indentation_is_named() {
    let found = failures("good", "yaml-tab");
    let error = only(&found, "E017");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn a_day_first_date_points_at_its_line_and_shows_the_iso_date() {
    let found = failures("good", "yaml-date");
    let error = only(&found, "E001");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn an_unquoted_colon_explains_quoting() {
    let found = failures("good", "yaml-colon");
    let error = only(&found, "E017");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn front_matter_closed_by_a_rule_in_the_body_gets_its_own_hint() {
    let found = failures("good", "yaml-unclosed-rule");
    let error = only(&found, "E018");
    insta::assert_snapshot!(error.to_string());
}

// Point 6: the reviewed path list without Rust.

fn warnings(base: &str, case: &str) -> Vec<Diagnostic> {
    let temp = site(base, case);
    match kneeguide::load(&options(temp.path())) {
        Ok(site) => site.warnings.into_iter().collect(),
        Err(diagnostics) => panic!("{case}: the site does not load:\n{diagnostics}"),
    }
}

#[test]
fn check_warns_when_the_paths_differ_from_the_reviewed_list() {
    let found = warnings("decision_tree/_shared", "paths-differ");
    let warning = only(&found, "W060");
    insta::assert_snapshot!(warning.to_string());
    assert_eq!(
        warning.message,
        "the decision tree's paths differ from the reviewed list tests/golden/decision-tree-paths.txt: 1 line new or changed, 1 line gone"
    );
    assert!(
        warning
            .help
            .as_deref()
            .unwrap()
            .contains("`kneeguide tree paths > tests/golden/decision-tree-paths.txt`, review the difference with `git diff tests/golden/decision-tree-paths.txt`"),
        "{warning}"
    );
    assert_eq!(
        at(warning),
        ("tests/golden/decision-tree-paths.txt".to_owned(), 13, 1)
    );
}

#[test]
fn no_reviewed_list_no_warning() {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("decision_tree/_shared"), temp.path());
    let site = kneeguide::load(&options(temp.path())).unwrap();
    assert!(!site.warnings.iter().any(|w| w.code == "W060"));
}

/// `kneeguide tree paths` prints exactly the committed list of the guide, and what it prints
/// for a changed tree, written to the file, makes the warning go away.
#[test]
fn tree_paths_prints_the_reviewed_list() {
    let guide = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kneeguide"))
        .args(["tree", "paths", "--root"])
        .arg(guide)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let committed =
        std::fs::read_to_string(guide.join("tests/golden/decision-tree-paths.txt")).unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);

    let temp = site("decision_tree/_shared", "paths-differ");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kneeguide"))
        .args(["tree", "paths", "--root"])
        .arg(temp.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    std::fs::write(
        temp.path().join("tests/golden/decision-tree-paths.txt"),
        &output.stdout,
    )
    .unwrap();
    let site = kneeguide::load(&options(temp.path())).unwrap();
    assert!(!site.warnings.iter().any(|w| w.code == "W060"));
}

// Point 8: link hints that fit, each a link that works from the file it is in.

#[test]
fn a_page_elsewhere_is_suggested_relative_to_this_file() {
    let found = failures("good", "link-elsewhere");
    let error = only(&found, "E020");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn a_site_absolute_address_suggests_the_markdown_file() {
    let found = failures("good", "link-site-absolute");
    let error = only(&found, "E020");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn a_full_link_to_the_own_site_suggests_the_relative_link() {
    let found = failures("good", "link-own-domain");
    let error = only(&found, "E090");
    insta::assert_snapshot!(error.to_string());
}

/// The canned example is a real page, written relative to the file: following the hint works.
#[test]
fn the_example_in_the_hint_is_a_link_that_works() {
    let found = failures("good", "link-unknown-address");
    let error = only(&found, "E020");
    insta::assert_snapshot!(error.to_string());
    // Following the example: the site loads.
    let temp = site("good", "link-unknown-address");
    let page = temp.path().join("content/causes/cyst.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("(/lists/)", "(../_index.md)")).unwrap();
    kneeguide::load(&options(temp.path())).unwrap_or_else(|d| panic!("{d}"));
}

// Point 9: publishing clarity.

fn kneeguide(args: &[&str], root: &Path) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kneeguide"))
        .args(args)
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_build_for_an_example_address_warns_and_says_the_address() {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("good"), temp.path());
    let (code, stdout, stderr) = kneeguide(&["build"], temp.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(" ms for https://example.org/ (1 warning)"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "warning[W061]: the site is built for `https://example.org/`, an example address"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--> site.yaml:4:11"), "{stderr}");
    // The whole address is underlined, not only `https`.
    assert!(
        stderr.contains(&format!("|{}{}\n", " ".repeat(11), "^".repeat(20))),
        "{stderr}"
    );

    // check and serve preview: no warning about the address.
    let (code, _, stderr) = kneeguide(&["check"], temp.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("W061"), "{stderr}");

    // The real address from the flag: no warning, and the line names it.
    let (code, stdout, stderr) = kneeguide(
        &[
            "build",
            "--deny-warnings",
            "--base-url",
            "https://guide.kneeclinic.eu/knee/",
        ],
        temp.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("W061"), "{stderr}");
    assert!(
        stdout
            .trim_end()
            .ends_with(" ms for https://guide.kneeclinic.eu/knee/"),
        "{stdout}"
    );

    // --base-url with a placeholder: the warning has no site.yaml line to point at.
    let (code, _, stderr) = kneeguide(
        &["build", "--base-url", "http://localhost:8000/"],
        temp.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[W061]: the site is built for `http://localhost:8000/`"),
        "{stderr}"
    );
}

#[test]
fn a_base_url_with_a_query_is_an_error() {
    let found = failures("good", "base-url-query");
    let error = only(&found, "E091");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn example_addresses_are_recognised() {
    use kneeguide::config::is_example_address;
    for url in [
        "https://example.org/",
        "https://kneeguide.example.org/",
        "https://www.example.com/knee/",
        "https://site.example/",
        "https://knee.test/",
        "http://localhost:4400/",
    ] {
        assert!(is_example_address(url), "{url}");
    }
    for url in [
        "https://kneeguide.eu/",
        "https://example.org.eu/",
        "https://myexample.org/",
        "https://user.github.io/kneeguide/",
    ] {
        assert!(!is_example_address(url), "{url}");
    }
}

/// Point 4: the tree can be learned from its own file and the README: every field the tree's
/// front matter accepts is explained in a comment of content/decision-tree.md and in the README's
/// table. The list is the one serde names in an unknown-field error (see `model.rs`).
#[test]
fn every_tree_field_is_explained_in_the_file_and_the_readme() {
    let guide = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = std::fs::read_to_string(guide.join(TREE)).unwrap();
    let comments: String = tree
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let readme = std::fs::read_to_string(guide.join("README.md")).unwrap();
    let fields = [
        // the tree
        "title",
        "nav_title",
        "description",
        "last_reviewed",
        "next_review",
        "start",
        "sources",
        "reviewed_by",
        // a question
        "id",
        "phase",
        "audience",
        "heading",
        "items",
        "hint",
        "answers",
        // an answer
        "label",
        "next",
        "unsure",
        "none",
        "sets_audience",
        // an outcome
        "urgency",
        "causes",
        "body",
        "note",
        "see_also",
        "safety_net",
        "pages",
    ];
    for field in fields {
        let word = |text: &str| {
            text.match_indices(field).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + field.len()..].chars().next();
                let edge = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                edge(before) && edge(after)
            })
        };
        assert!(
            word(&comments),
            "`{field}` is not explained in the comments of {TREE}"
        );
        assert!(
            readme.contains(&format!("| `{field}`")) || readme.contains(&format!(", `{field}`")),
            "`{field}` is not in the README's table of the tree's fields"
        );
    }
    assert!(
        readme.contains("| the Markdown body |"),
        "the README says what the body is for"
    );
}
