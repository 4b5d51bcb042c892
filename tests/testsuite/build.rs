//! `kneeguide build` end to end: a good fixture site, and one broken fixture per error class.
//! Broken fixtures are overlays: folders of replacement files copied on top of the good site.

use crate::common;
use std::fs;

use crate::common::{build, read, site_with, snapshot};

#[test]
fn good_site_builds_with_pretty_urls_sitemap_and_robots() {
    let site = site_with(None);
    let (code, stdout, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Built 5 pages into "), "{stdout}");
    // A clean build is quiet, but for W061: the fixture's address is example.org.
    let said: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("warning[") || line.starts_with("error"))
        .collect();
    assert!(
        said.len() == 1 && said[0].starts_with("warning[W061]"),
        "a clean build is quiet: {stderr}"
    );

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
        "a custom id is kept (repeated headings: markdown unit tests)"
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
    // The temporary folder's name changes every run; snapshots show it as [ROOT].
    stderr.replace(&site.path().display().to_string(), "[ROOT]")
}

fn assert_has(stderr: &str, needles: &[&str]) {
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in:\n{stderr}");
    }
}

#[test]
fn bad_yaml_syntax() {
    let stderr = broken("bad-yaml");
    insta::assert_snapshot!(stderr);
}

#[test]
fn unknown_field_names_allowed_fields_and_the_nearest() {
    let stderr = broken("unknown-field");
    insta::assert_snapshot!(stderr);
}

#[test]
fn wrong_type() {
    let stderr = broken("wrong-type");
    insta::assert_snapshot!(stderr);
}

#[test]
fn missing_required_field() {
    let stderr = broken("missing-field");
    insta::assert_snapshot!(stderr);
}

#[test]
fn missing_closing_fence() {
    let stderr = broken("unclosed");
    insta::assert_snapshot!(stderr);
}

#[test]
fn broken_internal_link() {
    let stderr = broken("broken-link");
    insta::assert_snapshot!(stderr);
}

#[test]
fn broken_anchor() {
    let stderr = broken("broken-anchor");
    insta::assert_snapshot!(stderr);
}

#[test]
fn duplicate_slug() {
    let stderr = broken("duplicate-slug");
    insta::assert_snapshot!(stderr);
}

#[test]
fn unsafe_slug_is_refused() {
    let stderr = broken("unsafe-slug");
    insta::assert_snapshot!(stderr);
}

#[test]
fn template_syntax_error_names_template_and_line() {
    let stderr = broken("template-syntax");
    insta::assert_snapshot!(stderr);
}

#[test]
fn missing_template() {
    let stderr = broken("missing-template");
    insta::assert_snapshot!(stderr);
}

#[test]
fn unknown_urgency_word() {
    let stderr = broken("unknown-urgency");
    insta::assert_snapshot!(stderr);
}

#[test]
fn unknown_related_cause() {
    let stderr = broken("unknown-related");
    insta::assert_snapshot!(stderr);
}

#[test]
fn front_matter_that_is_not_a_mapping() {
    let stderr = broken("not-a-mapping");
    insta::assert_snapshot!(stderr);
}

#[test]
fn every_error_of_a_build_is_reported_at_once() {
    let stderr = broken("several-errors");
    insta::assert_snapshot!(stderr);
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
            "error[E019]: the file is not valid UTF-8 text\n --> content/not-utf8.md:2:8"
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

// ---------------------------------------------------------------------------------------------
// Hardening (issue 10): hangs, error floods, symlinks, unsafe Markdown, locations, cascades,
// JSON-LD, and a "today" that tests pin.

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn headings_that_read_like_footnote_ids_build_and_keep_their_own_ids() {
    // Before: `## Fn codes explained` made the id de-duplication loop forever (the build hung).
    let site = site_with(None);
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let about = read(&site.path().join("public/about/index.html"));
    for id in [
        "section-fn-codes-explained",
        "section-fn-1-guidance",
        "section-fn",
        "section-fn-2",
        "fn-n",
        "fn-codes-explained",
    ] {
        assert_eq!(
            count(&about, &format!(" id=\"{id}\"")),
            1,
            "{id} once in {about}"
        );
    }
}

#[test]
fn unsafe_markdown_is_refused_where_it_stands() {
    let stderr = broken("unsafe-markdown");
    insta::assert_snapshot!(stderr);
    assert!(
        !stderr.contains("`<abbr>`") && !stderr.contains("`<sup>`"),
        "the allowlist passes: {stderr}"
    );
}

#[test]
fn raw_html_can_be_allowed_in_site_yaml_with_a_warning_on_every_build() {
    let site = site_with(Some("raw-html-allowed"));
    for _ in 0..2 {
        let (code, _, stderr) = build(site.path(), &[]);
        assert_eq!(code, 0, "{stderr}");
        assert_has(
            &stderr,
            &["warning[W030]: allow_raw_html is on", "--> site.yaml:7:17"],
        );
    }
    assert!(read(&site.path().join("public/team/index.html")).contains(r#"<div class="team">"#));
}

#[test]
fn eight_thousand_broken_links_on_one_line_print_fifty_and_a_count() {
    let site = site_with(None);
    let links = "[x](nope.md) ".repeat(8_000);
    fs::write(
        site.path().join("content/links.md"),
        format!("---\ntitle: Links\ndescription: d\nlast_reviewed: 2026-01-10\n---\n{links}\n"),
    )
    .unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        count(&stderr, "error[E020]"),
        50,
        "bounded per file and kind"
    );
    assert_has(
        &stderr,
        &[
            "= and 7,950 more like this (E020 in content/links.md)",
            "error: the site was not built: 8000 errors",
        ],
    );
    assert!(stderr.len() < 100_000, "{} bytes of errors", stderr.len());
}

#[test]
fn four_thousand_unknown_related_ids_print_fifty_and_a_count() {
    let site = site_with(None);
    let clot = site.path().join("content/causes/clot.md");
    let ids: Vec<String> = (0..4_000).map(|i| format!("nope-{i}")).collect();
    let text = read(&clot).replace(
        "related: [cyst]",
        &format!("related: [cyst, {}]", ids.join(", ")),
    );
    fs::write(&clot, text).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(count(&stderr, "error[E003]"), 50, "{stderr}");
    assert_has(
        &stderr,
        &[
            "error[E003]: related cause `nope-0` does not exist\n  --> content/causes/clot.md:14:17",
            "= and 3,950 more like this (E003 in content/causes/clot.md)",
            "error: the site was not built: 4000 errors",
        ],
    );
}

#[test]
fn an_unparsable_cause_causes_no_second_error_elsewhere() {
    let stderr = broken("unparsable-cause");
    insta::assert_snapshot!(stderr);
    assert!(!stderr.contains("related cause"), "{stderr}");
    assert!(
        stderr.contains("the site was not built: 1 error\n"),
        "{stderr}"
    );
}

#[test]
fn an_unparsable_cause_of_the_guide_causes_no_tree_error() {
    // Before: also "related cause `dvt` does not exist" twice and an E011 on the decision tree.
    let site = common::guide_copy();
    let dvt = site.path().join("content/causes/dvt.md");
    let text = read(&dvt).replacen("title: ", "title: \"", 1);
    fs::write(&dvt, text).unwrap();
    let (code, _, stderr) = common::check(site.path());
    assert_eq!(code, 1);
    assert_eq!(count(&stderr, "error["), 1, "{stderr}");
    assert_has(&stderr, &["--> content/causes/dvt.md:"]);
}

#[test]
fn static_files_that_collide_with_generated_ones_are_located_errors() {
    let stderr = broken("static-collision");
    insta::assert_snapshot!(stderr);
    let site = site_with(Some("static-collision"));
    let (code, _, stderr) = common::check(site.path());
    assert_eq!(code, 1, "check finds it too, without rendering");
    assert_eq!(count(&stderr, "error[E066]"), 2, "{stderr}");
}

#[test]
fn a_bad_file_name_is_one_error_that_points_at_the_name() {
    let site = site_with(None);
    fs::write(
        site.path().join("content/café.md"),
        "---\ntitle: Café\ndescription: d\nlast_reviewed: 2026-01-10\n---\n",
    )
    .unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(count(&stderr, "error[E016]"), 1, "{stderr}");
    assert_has(
        &stderr,
        &[
            "error[E016]: `café` is not a URL-safe slug\n--> content/café.md\n |\n | content/café.md\n |         ^^^^^^^",
        ],
    );
}

#[test]
fn site_yaml_missing_or_not_utf8_is_located() {
    let site = site_with(None);
    fs::write(
        site.path().join("site.yaml"),
        b"title: Fixture guide\ndescription: caf\xe9 \x1b[31m\n",
    )
    .unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert_has(
        &stderr,
        &[
            "error[E019]: the file is not valid UTF-8 text\n --> site.yaml:2:17",
            "2 | description: caf\\xE9 \\x1B[31m\n  |                 ^",
        ],
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    fs::remove_file(site.path().join("site.yaml")).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert_has(
        &stderr,
        &["error[E019]: there is no site.yaml in", "site.yaml"],
    );
}

#[test]
fn a_file_that_is_not_utf8_is_quoted_short_and_escaped() {
    let site = site_with(None);
    let mut bytes = b"---\ntitle: ".to_vec();
    bytes.extend("SECRET".repeat(1_000).as_bytes());
    bytes.extend(b"\xff\x00\x07tail\n---\n");
    fs::write(site.path().join("content/binary.md"), bytes).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert_has(
        &stderr,
        &[
            "error[E019]: the file is not valid UTF-8 text\n --> content/binary.md:2:6008",
            "2 | …SECRETSECRETSECRETSECRETSECRET\\xFF\\x00\\x07tail\n",
        ],
    );
    assert!(stderr.len() < 1_000, "{stderr}");
}

#[cfg(unix)]
#[test]
fn symlinks_that_leave_the_site_are_errors_and_nothing_is_read_through_them() {
    let site = site_with(None);
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.md"), "API_TOKEN=hunter2\n").unwrap();
    fs::create_dir(outside.path().join("pages")).unwrap();
    fs::write(
        outside.path().join("pages/page.md"),
        "---\ntitle: Outside\ndescription: d\nlast_reviewed: 2026-01-10\n---\nhunter2\n",
    )
    .unwrap();
    let content = site.path().join("content");
    std::os::unix::fs::symlink(outside.path().join("secret.md"), content.join("leak.md")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("pages"), content.join("more")).unwrap();
    // A link that stays inside the site is followed as before.
    fs::create_dir(site.path().join("shared")).unwrap();
    fs::write(
        site.path().join("shared/inside.md"),
        "---\ntitle: Inside\ndescription: d\nlast_reviewed: 2026-01-10\n---\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        site.path().join("shared/inside.md"),
        content.join("inside.md"),
    )
    .unwrap();

    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert_has(
        &stderr,
        &[
            "error[E063]: content/leak.md is a symbolic link that leaves the site folder",
            "error[E063]: content/more is a symbolic link that leaves the site folder",
            "the site was not built: 2 errors",
        ],
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_fifo_named_md_is_an_error_not_a_hang() {
    let site = site_with(None);
    let fifo = site.path().join("content/pipe.md");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_has(
        &stderr,
        &["error[E064]: content/pipe.md is not a regular file"],
    );
}

#[test]
fn json_ld_strings_are_json_escaped_and_cannot_close_the_script() {
    let site = common::guide_copy();
    let about = site.path().join("content/about.md");
    let description = r#"Baker's cyst & "knee" </script><!-- <b>"#;
    let text = read(&about).replacen(
        "description: ",
        &format!(
            "description: '{}'\nx_old_description: ",
            description.replace('\'', "''")
        ),
        1,
    );
    let text = text.replace("x_old_description: ", "# ");
    fs::write(&about, text).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let html = read(&site.path().join("public/about/index.html"));
    let open = "<script type=\"application/ld+json\">";
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    let ld: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(ld["description"], description, "{}", &html[start..end]);
    assert!(!html[start..end].contains('<'), "{}", &html[start..end]);
    assert!(
        html.contains(
            r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'">"#
        ),
        "every page carries the policy"
    );
}

#[test]
fn today_comes_from_source_date_epoch() {
    let site = site_with(None);
    // 2027-02-01: the fixture's next_review (2027-01-10) has passed.
    let later = common::run(
        common::kneeguide()
            .env("SOURCE_DATE_EPOCH", "1801440000")
            .args(["build", "--root"])
            .arg(site.path()),
    );
    assert_eq!(later.0, 0, "{}", later.2);
    assert_has(
        &later.2,
        &["warning[W001]: review overdue: it was due on 2027-01-10"],
    );
    // 2026-01-01: last_reviewed (2026-01-10) is still in the future.
    let earlier = common::run(
        common::kneeguide()
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .args(["build", "--root"])
            .arg(site.path()),
    );
    assert_eq!(earlier.0, 1);
    assert_has(
        &earlier.2,
        &["error[E014]: last_reviewed 2026-01-10 is in the future (today is 2026-01-01)"],
    );
    let malformed = common::run(
        common::kneeguide()
            .env("SOURCE_DATE_EPOCH", "next week")
            .args(["build", "--root"])
            .arg(site.path()),
    );
    assert_eq!(malformed.0, 1);
    assert_has(
        &malformed.2,
        &["error[E065]: SOURCE_DATE_EPOCH `next week` is not a number of seconds"],
    );
}

/// The strings file is chosen by `site.yaml`'s `language`: a Dutch file makes Dutch pages, and
/// a language the theme has no file for is E100, located at the file it looked for.
#[test]
fn the_sites_language_chooses_the_themes_strings_file() {
    let site = common::guide_copy();
    let strings = site.path().join("themes/default/strings");
    let dutch = read(&strings.join("en.yaml"))
        .replace("label: Same day", "label: Vandaag nog")
        .replace("  change: Change\n", "  change: Wijzigen\n");
    fs::write(strings.join("nl.yaml"), dutch).unwrap();
    // A site in one language: no German edition, so no German files either.
    for entry in walkdir::WalkDir::new(site.path().join("content")) {
        let path = entry.unwrap().into_path();
        if path.to_string_lossy().ends_with(".de.md") {
            fs::remove_file(path).unwrap();
        }
    }
    let config = site.path().join("site.yaml");
    let full_config = read(&config);
    let english_config = full_config.split("\nlanguages:").next().unwrap().to_owned();
    assert!(english_config.contains("\nlanguage: en\n"));
    fs::write(
        &config,
        english_config.replace("\nlanguage: en\n", "\nlanguage: nl\n"),
    )
    .unwrap();

    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let public = site.path().join("public");
    let home = read(&public.join("index.html"));
    assert!(
        home.contains("Vandaag nog"),
        "Dutch urgency label on the home page"
    );
    assert!(!home.contains(">Same day<"), "no English label left");
    let outcome = read(&public.join("decision-tree/no/no/child/yes/index.html"));
    assert!(
        outcome.contains(">Wijzigen<span"),
        "Dutch \"Change\" link on an outcome page"
    );

    fs::write(
        &config,
        english_config.replace("\nlanguage: en\n", "\nlanguage: fr\n"),
    )
    .unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error[E100]: theme `default` has no strings for language `fr`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> themes/default/strings/fr.yaml"),
        "{stderr}"
    );
    assert!(stderr.contains("one of: de, en, nl"), "{stderr}");
}

/// Issue 14 point 1: placeholders in front matter are checked where they are written; a
/// configured number written out is a warning that names its placeholder.
#[test]
fn placeholders_in_front_matter_and_bodies_are_checked_and_numbers_suggest_them() {
    let stderr = broken("placeholders");
    insta::assert_snapshot!(stderr);
}

/// Issue 14 point 2: scaffold leftovers in a published page are errors where they stand; the
/// lengths the scaffold states are warnings at the field.
#[test]
fn scaffold_leftovers_are_refused_and_lengths_are_checked() {
    let stderr = broken("unfinished");
    insta::assert_snapshot!(stderr);
}

/// Issue 14 point 7: a heading the theme already prints, a custom id written twice and two
/// headings with one text are reported where they stand.
#[test]
fn headings_that_clash_are_located() {
    let stderr = broken("heading-clash");
    insta::assert_snapshot!(stderr);
}

/// Issue 14 point 3: a related cause that exists as a draft is named as a draft, with what to do.
#[test]
fn a_related_cause_that_is_a_draft_says_so() {
    let stderr = broken("draft-related");
    insta::assert_snapshot!(stderr);
    assert!(!stderr.contains("does not exist"), "{stderr}");
}

/// Issue 14 point 3: a draft that names a published cause gets no W004 (following its advice
/// would make the published cause name an unpublished one, E003); `check --drafts` lists it.
#[test]
fn a_drafts_one_way_related_is_a_gap_of_the_draft_not_a_warning() {
    let site = site_with(Some("drafts-one-way"));
    let (code, _, stderr) = build(site.path(), &["--drafts"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("W004"), "{stderr}");
    let (_, stdout, _) = common::run(
        common::kneeguide()
            .args(["check", "--drafts", "--root"])
            .arg(site.path()),
    );
    assert!(
        stdout.contains(
            "content/causes/cramp.md:20: draft; before it can be published:\n  - `clot` does not list it in `related` yet: add `cramp` there when you publish this page\n"
        ),
        "{stdout}"
    );
}
