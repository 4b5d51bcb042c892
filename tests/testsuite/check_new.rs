//! `kneeguide check` (every check build runs, nothing written) and `kneeguide new cause|page <id>`
//! (a commented draft from an archetype that builds as it is, never overwriting), on copies of
//! the CLI site (`common::cli_site_into`: good with cli-site on top) that carry the real default
//! theme's archetypes.

use crate::common;
use std::fs;
use std::path::Path;

use crate::common::{copy_dir, fixture, kneeguide, snapshot};

fn cli_site(overlay: Option<&str>) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    common::cli_site_into(temp.path());
    // The scaffolds under test are the real theme's, not copies that could drift from them.
    let archetypes = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/archetypes");
    copy_dir(&archetypes, &temp.path().join("themes/default/archetypes"));
    if let Some(overlay) = overlay {
        copy_dir(&fixture(overlay), temp.path());
    }
    temp
}

fn run(root: &Path, args: &[&str]) -> (i32, String, String) {
    common::run(kneeguide().args(args).arg("--root").arg(root))
}

#[test]
fn check_passes_a_clean_site_and_writes_nothing() {
    let site = cli_site(None);
    let before = snapshot(site.path());
    let (code, stdout, stderr) = run(site.path(), &["check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("No errors: checked 5 pages in "),
        "{stdout}"
    );
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(before, snapshot(site.path()), "check wrote something");
}

#[test]
fn check_reports_every_located_error_like_build_and_writes_nothing() {
    let site = cli_site(Some("cli-broken"));
    let before = snapshot(site.path());
    let (code, stdout, stderr) = run(site.path(), &["check"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    for expected in [
        "error[E001]: unknown field `descripton`",
        " --> content/about.md:3:1",
        "error[E021]: broken anchor",
        "  --> content/causes/clot.md:21:5",
        "error[E020]: broken link `../missing.md`",
        "  --> content/causes/clot.md:21:45",
        "error: check found 3 errors",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected} missing from {stderr}"
        );
    }
    assert_eq!(before, snapshot(site.path()), "check wrote something");

    // The same diagnostics as build, minus build's closing line.
    let (build_code, _, build_stderr) = common::build(site.path(), &[]);
    assert_eq!(build_code, 1);
    let body = |text: &str| {
        text.lines()
            .filter(|l| !l.starts_with("error: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&stderr), body(&build_stderr));
}

#[test]
fn check_finds_template_errors_that_only_rendering_shows() {
    let site = cli_site(None);
    fs::write(
        site.path().join("themes/default/templates/page.html"),
        "{% extends \"base.html\" %}\n{% block content %}{{ page.no_such_field.deeper }}{% endblock %}\n",
    )
    .unwrap();
    let (code, _, stderr) = run(site.path(), &["check"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("page.html"), "{stderr}");
    assert!(!site.path().join("public").exists());
}

#[test]
fn check_of_a_folder_without_a_site_fails() {
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(empty.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("site.yaml"), "{stderr}");
    assert_eq!(snapshot(empty.path()).len(), 0);
}

#[test]
fn new_cause_writes_a_commented_draft_that_builds() {
    let site = cli_site(None);
    let (code, stdout, stderr) = run(site.path(), &["new", "cause", "bakers-cyst"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Created content/causes/bakers-cyst.md"),
        "{stdout}"
    );
    let text = fs::read_to_string(site.path().join("content/causes/bakers-cyst.md")).unwrap();

    // The binary runs on the pinned day (tests/testsuite/common.rs), not on the clock's.
    let today = common::TODAY;
    assert!(
        text.contains(&format!("\nlast_reviewed: {today}\n")),
        "{text}"
    );
    assert!(text.contains("\ndraft: true\n"));
    for field in [
        "title",
        "summary",
        "group",
        "aliases",
        "audience",
        "min_urgency",
        "symptoms",
        "risk_factors",
        "self_care",
        "treatments",
        "tests",
        "when_to_get_help",
        "related",
        "sources",
        "last_reviewed",
        "next_review",
        "draft",
    ] {
        let at = text
            .find(&format!("\n{field}:"))
            .unwrap_or_else(|| panic!("{field} missing: {text}"));
        let comment_line = text[..at].lines().last().unwrap();
        assert!(
            comment_line.starts_with('#'),
            "{field} has no comment above it"
        );
    }
    for heading in [
        "## What it is",
        "## Why it hurts behind the knee",
        "## What a doctor may do",
    ] {
        assert!(text.contains(heading), "{heading} missing");
    }

    // It builds as it is: left out as a draft, and rendered with --drafts.
    let (code, _, stderr) = common::build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!site.path().join("public/causes/bakers-cyst").exists());
    let (code, _, stderr) = common::build(site.path(), &["--drafts"]);
    assert_eq!(code, 0, "{stderr}");
    let page =
        fs::read_to_string(site.path().join("public/causes/bakers-cyst/index.html")).unwrap();
    assert!(page.contains("<h1>Bakers cyst</h1>"), "{page}");
    let (code, _, stderr) = run(site.path(), &["check", "--drafts"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn new_cause_never_overwrites() {
    let site = cli_site(None);
    let path = site.path().join("content/causes/cyst.md");
    let before = fs::read(&path).unwrap();
    let (code, stdout, stderr) = run(site.path(), &["new", "cause", "cyst"]);
    assert_eq!(code, 1, "{stdout}");
    // Drawn like every other diagnostic: the file located, the way out as help.
    assert!(
        stderr.starts_with("error: the file already exists; it was left as it is\n--> ")
            && stderr.ends_with(
                "content/causes/cyst.md\n = help: edit that file, or choose another id\n"
            ),
        "{stderr}"
    );
    assert_eq!(fs::read(&path).unwrap(), before);

    assert_eq!(run(site.path(), &["new", "cause", "fresh"]).0, 0);
    let written = fs::read(site.path().join("content/causes/fresh.md")).unwrap();
    assert_eq!(run(site.path(), &["new", "cause", "fresh"]).0, 1);
    assert_eq!(
        fs::read(site.path().join("content/causes/fresh.md")).unwrap(),
        written
    );
}

#[test]
fn new_cause_rejects_ids_that_are_not_url_safe() {
    let site = cli_site(None);
    let before = snapshot(site.path());
    for bad in [
        "Bakers-Cyst",
        "bakers cyst",
        "bakers_cyst",
        "bakers--cyst",
        "-cyst",
        "cyst-",
        "../escape",
        "causes/x",
        "caf\u{e9}",
        "x.md",
        "",
    ] {
        let (code, _, stderr) = run(site.path(), &["new", "cause", bad]);
        assert_eq!(code, 2, "{bad:?} was accepted: {stderr}");
        assert!(
            stderr.contains("URL") || stderr.contains("hyphens"),
            "{stderr}"
        );
    }
    assert_eq!(before, snapshot(site.path()), "nothing written");
}

#[test]
fn new_cause_needs_a_site() {
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(empty.path(), &["new", "cause", "x"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no content/ folder"), "{stderr}");
    assert_eq!(snapshot(empty.path()).len(), 0);
}

#[test]
fn new_page_writes_a_commented_draft_that_builds() {
    let site = cli_site(None);
    let (code, stdout, stderr) = run(site.path(), &["new", "page", "exercises"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Created content/exercises.md"), "{stdout}");
    let text = fs::read_to_string(site.path().join("content/exercises.md")).unwrap();
    for field in [
        "title",
        "description",
        "sources",
        "last_reviewed",
        "next_review",
        "draft",
    ] {
        let at = text
            .find(&format!("\n{field}:"))
            .unwrap_or_else(|| panic!("{field} missing: {text}"));
        assert!(text[..at].lines().last().unwrap().starts_with('#'));
    }
    assert!(text.contains("title: \"Exercises\""), "{text}");

    let (code, _, stderr) = common::build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!site.path().join("public/exercises").exists());
    let (code, _, stderr) = common::build(site.path(), &["--drafts"]);
    assert_eq!(code, 0, "{stderr}");
    let page = fs::read_to_string(site.path().join("public/exercises/index.html")).unwrap();
    assert!(page.contains("Exercises"), "{page}");
}

#[test]
fn a_sites_own_archetype_wins_over_the_themes() {
    let site = cli_site(None);
    fs::create_dir_all(site.path().join("archetypes")).unwrap();
    let theirs =
        fs::read_to_string(site.path().join("themes/default/archetypes/cause.md")).unwrap();
    let ours = theirs.replace("## What it is", "## What our editors want first");
    fs::write(site.path().join("archetypes/cause.md"), ours).unwrap();

    let (code, _, stderr) = run(site.path(), &["new", "cause", "fresh"]);
    assert_eq!(code, 0, "{stderr}");
    let text = fs::read_to_string(site.path().join("content/causes/fresh.md")).unwrap();
    assert!(text.contains("## What our editors want first"), "{text}");
    assert!(!text.contains("## What it is"));
    // The archetype's variables are filled in.
    assert!(text.contains("title: \"Fresh\""), "{text}");
    assert!(!text.contains("{{"), "{text}");
}

#[test]
fn new_without_an_archetype_says_where_it_looked() {
    let site = cli_site(None);
    fs::remove_dir_all(site.path().join("themes/default/archetypes")).unwrap();
    let (code, _, stderr) = run(site.path(), &["new", "page", "exercises"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no archetype for a new page"), "{stderr}");
    assert!(stderr.contains("archetypes/page.md"), "{stderr}");
    assert!(!site.path().join("content/exercises.md").exists());
}

#[test]
fn a_broken_archetype_is_reported_with_its_file() {
    let site = cli_site(None);
    fs::write(
        site.path().join("themes/default/archetypes/page.md"),
        "---\ntitle: {{ id \n---\n",
    )
    .unwrap();
    let (code, _, stderr) = run(site.path(), &["new", "page", "exercises"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("archetypes/page.md"), "{stderr}");
    assert!(!site.path().join("content/exercises.md").exists());
}

/// Issue 14 point 2: `check --drafts` lists what a draft still lacks; once `draft: true` is
/// removed, every scaffold leftover is a located error.
#[test]
fn an_unfinished_scaffold_is_listed_as_a_draft_and_refused_once_published() {
    let site = cli_site(None);
    let (code, _, stderr) = run(site.path(), &["new", "cause", "bakers-cyst"]);
    assert_eq!(code, 0, "{stderr}");
    let path = site.path().join("content/causes/bakers-cyst.md");
    let scaffold = fs::read_to_string(&path).unwrap();

    let (code, stdout, stderr) = run(site.path(), &["check", "--drafts"]);
    assert_eq!(code, 0, "{stderr}");
    let draft_line = scaffold.lines().position(|l| l == "draft: true").unwrap() + 1;
    for expected in [
        format!("content/causes/bakers-cyst.md:{draft_line}: draft; before it can be published:"),
        "  - 9 scaffold leftover(s) (`TODO`) on line 13, 16, 26, 42, 50, 51, 68, 74, 78".to_owned(),
        "  - no source with a `url:` (https://…) a reader can follow".to_owned(),
        "  - remove the line `draft: true`".to_owned(),
    ] {
        assert!(
            stdout.contains(&expected),
            "{expected} missing from {stdout}"
        );
    }

    fs::write(&path, scaffold.replace("\ndraft: true\n", "\n")).unwrap();
    let (code, stdout, stderr) = run(site.path(), &["check"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    for expected in [
        "error[E080]: scaffold leftover `TODO` in a page that is not a draft",
        "  --> content/causes/bakers-cyst.md:13:3",
        "  --> content/causes/bakers-cyst.md:16:19",
        "  --> content/causes/bakers-cyst.md:50:13",
        "error: check found 9 errors",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected} missing from {stderr}"
        );
    }
}

/// Issue 14 point 2: in a site with a decision tree, a new cause's list says that no outcome
/// names it yet.
#[test]
fn a_draft_cause_no_outcome_names_is_listed_as_such() {
    let site = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for part in ["content", "themes"] {
        copy_dir(&repo.join(part), &site.path().join(part));
    }
    fs::copy(repo.join("site.yaml"), site.path().join("site.yaml")).unwrap();
    let (code, _, stderr) = run(site.path(), &["new", "cause", "shin-splints"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = run(site.path(), &["check", "--drafts"]);
    assert!(
        stdout.contains(
            "  - no outcome of the decision tree names it: add `shin-splints` to an outcome's `causes` in content/decision-tree.md"
        ),
        "{stdout}"
    );
}
