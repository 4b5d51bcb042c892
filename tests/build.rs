//! `kneeguide build` end to end: a good fixture site, and one broken fixture per error class.
//! Broken fixtures are overlays: folders of replacement files copied on top of the good site.

mod common;

use std::fs;

use common::{build, read, site_with, snapshot};

#[test]
fn good_site_builds_with_pretty_urls_sitemap_and_robots() {
    let site = site_with(None);
    let (code, stdout, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Built 5 pages into "), "{stdout}");
    assert!(stderr.is_empty(), "a clean build is quiet: {stderr}");

    let public = site.path().join("public");
    let files: Vec<String> = snapshot(&public).into_keys().collect();
    for expected in [
        "index.html",
        "about/index.html",
        "causes/cyst/index.html",
        "causes/clot/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
    ] {
        assert!(
            files.contains(&expected.to_owned()),
            "{expected} missing from {files:?}"
        );
    }
    assert!(
        !files.iter().any(|f| f.contains("draft")),
        "drafts are left out: {files:?}"
    );
    let css: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with("css/site.") && f.ends_with(".css"))
        .collect();
    assert_eq!(css.len(), 1, "one hashed stylesheet: {files:?}");
    assert_ne!(
        css[0], "css/site.css",
        "the stylesheet name carries a content hash"
    );

    let sitemap = read(&public.join("sitemap.xml"));
    for url in [
        "https://example.org/",
        "https://example.org/about/",
        "https://example.org/causes/clot/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{url}</loc>")),
            "{url} not in {sitemap}"
        );
    }
    assert!(
        !sitemap.contains("404"),
        "the 404 page is not in the sitemap"
    );
    assert!(sitemap.contains("<lastmod>2026-01-10</lastmod>"));
    assert!(read(&public.join("robots.txt")).contains("Sitemap: https://example.org/sitemap.xml"));
}

#[test]
fn headings_get_ids_self_links_and_a_table_of_contents() {
    let site = site_with(None);
    assert_eq!(build(site.path(), &[]).0, 0);
    let about = read(&site.path().join("public/about/index.html"));
    assert!(
        about.contains(
            r##"<h2 id="what-it-is">What it is<a class="heading-link" href="#what-it-is""##
        ),
        "{about}"
    );
    assert!(
        about.contains(r#"<h2 id="what-it-is-2">"#),
        "a repeated heading gets a unique id"
    );
    assert!(
        about.contains(r##"<li><a href="#what-it-is-not">What it is not</a></li>"##),
        "toc: {about}"
    );
    assert!(
        about.contains("<table>") && about.contains("<del>Old</del>"),
        "tables and strikethrough"
    );
    assert!(about.contains("It’s “smart” –"), "smart punctuation");
    let note = about
        .find(r#"<li id="fn-n">"#)
        .expect("footnote with a prefixed id");
    assert!(
        note > about.find(r#"id="what-it-is-2""#).unwrap(),
        "footnotes move to the end"
    );
}

#[test]
fn links_between_content_files_become_relative_page_urls() {
    let site = site_with(None);
    assert_eq!(build(site.path(), &[]).0, 0);
    let public = site.path().join("public");
    let home = read(&public.join("index.html"));
    assert!(
        home.contains(r#"href="./causes/cyst/#what-it-is""#),
        "{home}"
    );
    assert!(home.contains(r#"href="./about/""#));
    let clot = read(&public.join("causes/clot/index.html"));
    assert!(clot.contains(r#"href="../../causes/cyst/""#), "{clot}");
    assert!(
        clot.contains(r##"href="../../about/#what-it-is-2""##),
        "{clot}"
    );
    assert!(
        clot.contains(r#"href="../../css/site."#),
        "assets are relative too"
    );
    assert!(clot.contains(r#"<link rel="canonical" href="https://example.org/causes/clot/">"#));
    let about = read(&public.join("about/index.html"));
    assert!(about.contains(r#"<a href="../">home page</a>"#), "{about}");
    let cyst = read(&public.join("causes/cyst/index.html"));
    assert!(
        cyst.contains(r##"href="../../causes/clot/#symptoms""##),
        "a link to an id the theme declares in theme.yaml is valid: {cyst}"
    );
}

#[test]
fn sub_path_base_url_changes_absolute_urls_only() {
    let site = site_with(None);
    let (code, _, stderr) = build(site.path(), &["--base-url", "https://example.org/knee"]);
    assert_eq!(code, 0, "{stderr}");
    let public = site.path().join("public");
    let sitemap = read(&public.join("sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://example.org/knee/causes/cyst/</loc>"),
        "{sitemap}"
    );
    let clot = read(&public.join("causes/clot/index.html"));
    assert!(clot.contains(r#"href="https://example.org/knee/causes/clot/""#));
    assert!(
        clot.contains(r#"href="../../causes/cyst/""#),
        "internal links stay relative"
    );
    let not_found = read(&public.join("404.html"));
    assert!(
        not_found.contains(r#"href="/knee/css/site."#),
        "404 is served anywhere: absolute paths"
    );
    assert!(
        not_found.contains(r#"<a href="/knee/">Home</a>"#),
        "{not_found}"
    );
}

#[test]
fn drafts_only_with_the_flag() {
    let site = site_with(None);
    assert_eq!(build(site.path(), &["--drafts"]).0, 0);
    let draft = read(&site.path().join("public/draft/index.html"));
    assert!(draft.contains("Unfinished page"));
    assert_eq!(build(site.path(), &[]).0, 0);
    assert!(
        !site.path().join("public/draft").exists(),
        "removed pages do not linger"
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let site = site_with(None);
    let other = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), &[]).0, 0);
    let out = other.path().join("out");
    assert_eq!(
        build(site.path(), &["--output", out.to_str().unwrap()]).0,
        0
    );
    let first = snapshot(&site.path().join("public"));
    assert!(first.len() > 5);
    assert_eq!(first, snapshot(&out));
}

#[test]
fn output_folder_not_made_by_kneeguide_is_never_replaced() {
    let site = site_with(None);
    let precious = site.path().join("notes");
    fs::create_dir_all(&precious).unwrap();
    fs::write(precious.join("thesis.txt"), "years of work").unwrap();
    let (code, _, stderr) = build(site.path(), &["--output", precious.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("refusing to replace"), "{stderr}");
    assert_eq!(read(&precious.join("thesis.txt")), "years of work");
    let (code, _, stderr) = build(site.path(), &["--output", site.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(site.path().join("content/_index.md").exists());
}

/// Builds the good site, applies a broken overlay, builds again: the second build must fail
/// with exit 1 and leave the first build's output byte for byte as it was.
fn broken(overlay: &str) -> String {
    let site = site_with(None);
    assert_eq!(build(site.path(), &[]).0, 0);
    let public = site.path().join("public");
    let before = snapshot(&public);
    common::copy_dir(&common::fixture("broken").join(overlay), site.path());
    let (code, stdout, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1, "{overlay}: expected exit 1\n{stdout}\n{stderr}");
    assert_eq!(snapshot(&public), before, "{overlay}: public/ changed");
    let leftovers: Vec<_> = fs::read_dir(site.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("kneeguide-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{overlay}: staging left behind: {leftovers:?}"
    );
    stderr
}

fn assert_has(stderr: &str, needles: &[&str]) {
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in:\n{stderr}");
    }
}

#[test]
fn bad_yaml_syntax() {
    let stderr = broken("bad-yaml");
    assert_has(
        &stderr,
        &[
            "error[E017]: found unexpected end of stream, while scanning a quoted scalar",
            "--> content/team.md:6:1",
        ],
    );
}

#[test]
fn unknown_field_names_allowed_fields_and_the_nearest() {
    let stderr = broken("unknown-field");
    assert_has(
        &stderr,
        &[
            "error[E001]: unknown field `descripton`, expected one of `title`, `description`",
            "--> content/team.md:3:1",
            " 3 | descripton: What the fixture guide is and is not.\n   | ^^^^^^^^^^",
            "help: did you mean `description`?",
        ],
    );
}

#[test]
fn wrong_type() {
    let stderr = broken("wrong-type");
    assert_has(
        &stderr,
        &[
            "error[E001]: nav_order: invalid type: string \"second\", expected u32",
            "--> content/team.md:4:12",
        ],
    );
}

#[test]
fn missing_required_field() {
    let stderr = broken("missing-field");
    assert_has(
        &stderr,
        &[
            "error[E001]: missing field `summary`",
            "--> content/causes/cyst.md:2:1",
        ],
    );
}

#[test]
fn missing_closing_fence() {
    let stderr = broken("unclosed");
    assert_has(
        &stderr,
        &[
            "error[E018]: the front matter is never closed",
            "--> content/team.md:1:1",
        ],
    );
}

#[test]
fn broken_internal_link() {
    let stderr = broken("broken-link");
    assert_has(
        &stderr,
        &[
            "error[E020]: broken link `causes/clott.md`: there is no page content/causes/clott.md",
            "--> content/team.md:8:12",
            "did you mean content/causes/clot.md?",
        ],
    );
}

#[test]
fn broken_anchor() {
    let stderr = broken("broken-anchor");
    assert_has(
        &stderr,
        &[
            "error[E021]: broken anchor: content/causes/clot.md has no heading with id `sings`",
            "--> content/team.md:10:12",
            "did you mean #signs?",
        ],
    );
}

#[test]
fn duplicate_slug() {
    let stderr = broken("duplicate-slug");
    assert_has(
        &stderr,
        &[
            "error[E002]: duplicate slug: content/about.md and content/team.md would both be written to /about/",
            "--> content/team.md:4:7",
        ],
    );
}

#[test]
fn unsafe_slug_is_refused() {
    let stderr = broken("unsafe-slug");
    assert_has(
        &stderr,
        &[
            "error[E016]: `../../outside` is not a URL-safe slug",
            "--> content/team.md:4:7",
        ],
    );
}

#[test]
fn template_syntax_error_names_template_and_line() {
    let stderr = broken("template-syntax");
    assert_has(
        &stderr,
        &[
            "error[E030]: template syntax error",
            "--> themes/default/templates/page.html:",
        ],
    );
}

#[test]
fn missing_template() {
    let stderr = broken("missing-template");
    assert_has(
        &stderr,
        &[
            "error[E031]: template `long-page.html` not found",
            "--> content/team.md:4:11",
            "the theme has:",
        ],
    );
}

#[test]
fn unknown_urgency_word() {
    let stderr = broken("unknown-urgency");
    assert_has(
        &stderr,
        &[
            "error[E004]: min_urgency: unknown variant `soon`, expected one of `self_care`, `routine`, `urgent`, `emergency`",
            "--> content/causes/clot.md:6:14",
        ],
    );
}

#[test]
fn unknown_related_cause() {
    let stderr = broken("unknown-related");
    assert_has(
        &stderr,
        &[
            "error[E003]: related cause `cysts` does not exist",
            "--> content/causes/clot.md:12:5",
            "did you mean `cyst`?",
        ],
    );
}

#[test]
fn front_matter_that_is_not_a_mapping() {
    let stderr = broken("not-a-mapping");
    assert_has(
        &stderr,
        &[
            "error[E001]: invalid type: sequence, expected struct PlainMeta",
            "--> content/team.md:2:1",
        ],
    );
}

#[test]
fn every_error_of_a_build_is_reported_at_once() {
    let stderr = broken("several-errors");
    assert_has(
        &stderr,
        &[
            "--> content/about.md:3:1",
            "--> content/team.md:6:5",
            "broken anchor: content/causes/cyst.md has no heading with id `nope`",
            "--> themes/default/templates/cause.html:2:",
            "error: the site was not built: 4 errors",
        ],
    );
}

#[test]
fn no_panic_on_odd_files() {
    let cases: [(&str, &[u8]); 5] = [
        ("empty", b""),
        ("only-fence", b"---\n"),
        ("empty-front-matter", b"---\n---\nbody"),
        ("not-utf8", b"---\ntitle: \xff\xfe\n---\n"),
        ("tabs", b"---\n\ttitle: x\n---\n"),
    ];
    for (name, bytes) in cases {
        let site = site_with(None);
        fs::write(
            site.path().join("content").join(format!("{name}.md")),
            bytes,
        )
        .unwrap();
        let (code, _, stderr) = build(site.path(), &[]);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("content/{name}.md:")),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    let site = site_with(None);
    fs::write(
        site.path().join("content/not-utf8.md"),
        b"---\ntitle: \xff\n---\n",
    )
    .unwrap();
    let stderr = build(site.path(), &[]).2;
    assert!(
        stderr.contains(
            "error[E019]: the file is not valid UTF-8 text\n  --> content/not-utf8.md:2:8"
        ),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_an_error_not_a_hang() {
    let site = site_with(None);
    std::os::unix::fs::symlink(
        site.path().join("content"),
        site.path().join("content/causes/loop"),
    )
    .unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("symbolic link loops"), "{stderr}");
}

#[test]
fn huge_file_builds() {
    let site = site_with(None);
    let mut text = String::from(
        "---\ntitle: Big\ndescription: A very long page for the test.\nlast_reviewed: 2026-01-10\n---\n",
    );
    for i in 0..20_000 {
        text.push_str(&format!(
            "## Section {i}\n\nSome *text* with a [link](about.md).\n\n"
        ));
    }
    fs::write(site.path().join("content/big.md"), text).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(read(&site.path().join("public/big/index.html")).contains(r#"id="section-19999""#));
}

#[test]
fn usage_errors_exit_2_and_help_explains() {
    let output = common::kneeguide()
        .args(["build", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = common::kneeguide()
        .args(["build", "--help"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for words in ["--root", "--output", "--base-url", "--drafts", "site.yaml"] {
        assert!(help.contains(words), "{words} not in help:\n{help}");
    }
    let output = common::kneeguide().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("kneeguide "));
}

#[test]
fn the_real_guide_builds_byte_identically_twice() {
    // Separate processes: hash-map seeds differ between runs, so this catches unordered output.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let temp = tempfile::tempdir().unwrap();
    let outputs = [temp.path().join("a"), temp.path().join("b")];
    for output in &outputs {
        let (code, _, stderr) = build(root, &["--output", output.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
    }
    let (first, second) = (snapshot(&outputs[0]), snapshot(&outputs[1]));
    assert!(first.len() > 40, "the guide has its pages: {}", first.len());
    for (path, bytes) in &first {
        assert!(
            second.get(path) == Some(bytes),
            "{path} differs between two builds"
        );
    }
    assert_eq!(first.len(), second.len());
}
