//! Incremental builds (issue 12): a rebuild that takes unchanged pages from the cache beside the
//! output writes exactly what a clean build writes, and reports the same diagnostics.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::common::{self, SOURCE_DATE_EPOCH, site_with, snapshot};
#[cfg(unix)]
use crate::common::{identities, renewed};

const CACHE: &str = ".public.kneeguide.cache";

/// `kneeguide build` into the site's `public/` (the cache beside it is used and renewed);
/// returns the diagnostics on stderr, without the last line (which names the output and time).
fn build(root: &Path, extra: &[&str], epoch: &str) -> String {
    let output = common::kneeguide()
        .arg("build")
        .arg("--root")
        .arg(root)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", epoch)
        .timeout(common::HANG_LIMIT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    diagnostics_of(&stderr)
}

fn diagnostics_of(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|line| !line.starts_with("Built "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A clean build of the site as it is now, into a fresh folder: its files and diagnostics.
fn clean(root: &Path, extra: &[&str], epoch: &str) -> (BTreeMap<String, Vec<u8>>, String) {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let mut args = vec!["--output", public.to_str().unwrap()];
    args.extend_from_slice(extra);
    let stderr = build(root, &args, epoch);
    (snapshot(&public), stderr)
}

/// Asserts that `public/` holds exactly what a clean build makes, file for file and byte for
/// byte (the trees are compared as a whole, so a missing or extra file fails too).
fn assert_clean(root: &Path, extra: &[&str], epoch: &str) {
    let (clean, _) = clean(root, extra, epoch);
    let rebuilt = snapshot(&root.join("public"));
    assert_eq!(
        rebuilt.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &clean {
        assert!(
            rebuilt[path] == *bytes,
            "{path} differs from a clean build's:\n{}",
            String::from_utf8_lossy(&rebuilt[path])
        );
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = common::read(path);
    assert!(text.contains(from), "{}: no `{from}`", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A site built twice (the second build from the cache), ready to be changed and rebuilt.
fn built_site() -> tempfile::TempDir {
    let site = site_with(None);
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    site
}

#[cfg(unix)]
#[test]
fn a_body_edit_renews_only_that_page_and_the_rebuild_equals_a_clean_build() {
    let site = built_site();
    let public = site.path().join("public");
    // The cache lives beside the output, never in it.
    assert!(site.path().join(CACHE).is_file());
    assert!(snapshot(&public).keys().all(|path| !path.contains("cache")));
    let before = identities(&public);

    edit(
        &site.path().join("content/about.md"),
        "A second section on the same subject.",
        "A second section, edited.",
    );
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    assert_clean(site.path(), &[], SOURCE_DATE_EPOCH);
    assert_eq!(
        renewed(&before, &identities(&public)),
        ["about/index.html"],
        "files with a new inode or mtime"
    );
    assert!(common::read(&public.join("about/index.html")).contains("A second section, edited."));
}

#[cfg(unix)]
#[test]
fn a_title_other_pages_show_renders_those_pages_again() {
    let site = built_site();
    let public = site.path().join("public");
    let before = identities(&public);
    edit(
        &site.path().join("content/causes/cyst.md"),
        "title: A cyst",
        "title: A fluid cyst",
    );
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    assert_clean(site.path(), &[], SOURCE_DATE_EPOCH);
    let showing = common::files_containing(&public, "A fluid cyst");
    assert_eq!(
        showing,
        [
            "causes/clot/index.html",
            "causes/cyst/index.html",
            "index.html"
        ]
    );
    assert_eq!(renewed(&before, &identities(&public)), showing);

    // A page's nav title, which every page shows in its navigation.
    let before = identities(&public);
    edit(
        &site.path().join("content/about.md"),
        "title: About this guide",
        "title: About the guide",
    );
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    assert_clean(site.path(), &[], SOURCE_DATE_EPOCH);
    let pages: Vec<String> = snapshot(&public)
        .into_keys()
        .filter(|path| path.ends_with(".html"))
        .collect();
    let renewed = renewed(&before, &identities(&public));
    for page in pages.iter().filter(|page| *page != "404.html") {
        assert!(renewed.contains(page), "{page} not renewed: {renewed:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_template_change_renders_every_page_again() {
    let site = built_site();
    let public = site.path().join("public");
    let before = identities(&public);
    edit(
        &site.path().join("themes/default/templates/base.html"),
        "<footer>",
        "<footer data-changed>",
    );
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    assert_clean(site.path(), &[], SOURCE_DATE_EPOCH);
    let renewed = renewed(&before, &identities(&public));
    let pages: Vec<String> = snapshot(&public)
        .into_iter()
        .filter(|(path, bytes)| {
            path.ends_with(".html") && String::from_utf8_lossy(bytes).contains("data-changed")
        })
        .map(|(path, _)| path)
        .collect();
    assert!(pages.len() >= 5, "{pages:?}");
    for page in &pages {
        assert!(renewed.contains(page), "{page} not renewed: {renewed:?}");
    }
}

#[test]
fn a_damaged_or_missing_cache_is_ignored() {
    let site = built_site();
    let cache = site.path().join(CACHE);
    let good = fs::read(&cache).unwrap();
    edit(
        &site.path().join("content/about.md"),
        "A second section on the same subject.",
        "A second section, edited once.",
    );
    fs::write(&cache, b"not a cache at all").unwrap();
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    assert_clean(site.path(), &[], SOURCE_DATE_EPOCH);

    // The last build's cache cut short, or with one byte changed.
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    for (n, damaged) in [good[..good.len() / 2].to_vec(), flipped]
        .into_iter()
        .enumerate()
    {
        edit(
            &site.path().join("content/causes/clot.md"),
            "## Signs",
            &format!("Edit {n}.\n\n## Signs"),
        );
        fs::write(&cache, damaged).unwrap();
        build(site.path(), &[], SOURCE_DATE_EPOCH);
        assert_clean(site.path(), &[], SOURCE_DATE_EPOCH);
    }

    fs::remove_file(&cache).unwrap();
    build(site.path(), &[], SOURCE_DATE_EPOCH);
    assert_clean(site.path(), &[], SOURCE_DATE_EPOCH);
    assert!(cache.is_file(), "written again");
}

#[test]
fn diagnostics_are_the_same_when_pages_come_from_the_cache() {
    let site = site_with(None);
    let root = site.path();
    // A body warning (W052) on one page, a placeholder warning (W050) on another.
    edit(
        &root.join("content/about.md"),
        "## Fn codes explained",
        "## What it is\n\nAgain.\n\n## Fn codes explained",
    );
    edit(
        &root.join("content/causes/clot.md"),
        "## Signs",
        "Call 112 at once.\n\n## Signs",
    );
    let first = build(root, &[], SOURCE_DATE_EPOCH);
    assert!(first.contains("W052") && first.contains("W050"), "{first}");
    let cached = build(root, &[], SOURCE_DATE_EPOCH);
    assert_eq!(cached, first);
    // After an edit of another page, from the cache again.
    edit(
        &root.join("content/causes/cyst.md"),
        "Fluid in",
        "Fluid kept in",
    );
    let edited = build(root, &[], SOURCE_DATE_EPOCH);
    assert_eq!(edited, first);
    assert_eq!(clean(root, &[], SOURCE_DATE_EPOCH).1, first);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);

    // A heading another page links to (cyst.md links to clot.md#signs) removed: the linking
    // page comes from the cache, and its broken anchor is still found.
    edit(
        &root.join("content/causes/clot.md"),
        "## Signs",
        "## Warning signs",
    );
    let (code, _, stderr) = common::build(root, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("E021") && stderr.contains("content/causes/cyst.md"),
        "{stderr}"
    );
    let (_, _, check) = common::check(root);
    assert!(check.contains("E021"), "{check}");
}

#[test]
fn another_base_url_or_date_gives_the_clean_output() {
    let site = built_site();
    let root = site.path();
    let other = ["--base-url", "https://other.example.net/guide/"];
    build(root, &other, SOURCE_DATE_EPOCH);
    assert_clean(root, &other, SOURCE_DATE_EPOCH);
    assert!(common::read(&root.join("public/index.html")).contains("https://other.example.net"));
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);

    // A later day, past every page's next_review: the build warns (W001) as a clean one does.
    let later = "1830000000"; // 2027-12-28
    let warned = build(root, &[], later);
    assert!(warned.contains("W001"), "{warned}");
    assert_clean(root, &[], later);
    assert_eq!(clean(root, &[], later).1, warned);
}

/// Relative path -> inode of every file under `dir`.
#[cfg(unix)]
fn inodes(dir: &Path) -> BTreeMap<String, u64> {
    identities(dir)
        .into_iter()
        .map(|(path, (inode, _, _))| (path, inode))
        .collect()
}

#[cfg(unix)]
#[test]
fn the_spare_copy_holds_the_sites_files_and_pages_come_and_go_as_in_a_clean_build() {
    let site = built_site();
    let root = site.path();
    let public = root.join("public");
    let spare = root.join(".public.kneeguide-spare");
    // After a rebuild, the spare is the same files as the site (hard links, no copy).
    assert_eq!(inodes(&spare), inodes(&public));

    // Each rebuild starts from the spare: a page added, removed, renamed by its slug, a body
    // edited; each time the output is a clean build's and the spare follows it.
    let extra = root.join("content/extra/more.md");
    fs::create_dir_all(extra.parent().unwrap()).unwrap();
    fs::write(
        &extra,
        "---\ntitle: More\ndescription: A page added for a while, to see it come and go with the spare copy.\nlast_reviewed: 2026-01-10\n---\nMore text.\n",
    )
    .unwrap();
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
    assert!(public.join("extra/more/index.html").is_file());
    assert_eq!(inodes(&spare), inodes(&public));

    fs::remove_file(&extra).unwrap();
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
    assert!(!public.join("extra").exists(), "its folder goes too");
    assert!(!spare.join("extra").exists());
    assert_eq!(inodes(&spare), inodes(&public));

    let about = root.join("content/about.md");

    edit(&about, "nav_order: 2", "nav_order: 2\nslug: about-us");
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
    assert!(public.join("about-us/index.html").is_file());
    assert!(!public.join("about").exists());
    assert_eq!(inodes(&spare), inodes(&public));

    // A file of the site replaced by hand (a new inode, other bytes): the next build puts the
    // right one back (the spare's, the file the last build wrote), and the build after it finds
    // the hand-made file in its spare and replaces it.
    let page = public.join("causes/clot/index.html");
    fs::remove_file(&page).unwrap();
    fs::write(&page, "changed by hand").unwrap();
    edit(
        &root.join("content/causes/cyst.md"),
        "Fluid in",
        "Fluid held in",
    );
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
    edit(
        &root.join("content/causes/cyst.md"),
        "Fluid held in",
        "Fluid kept in",
    );
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
    assert_eq!(inodes(&spare), inodes(&public));

    // A damaged list of files: the spare is not used (and is made again after the build).
    let list = root.join(".public.kneeguide.paths");
    let listed = common::read(&list);
    fs::write(&list, &listed[..listed.len() / 2]).unwrap();
    edit(
        &root.join("content/causes/cyst.md"),
        "Fluid kept in",
        "Fluid in",
    );
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
    assert!(common::read(&list).ends_with("end\n"));
}

/// The guide in two languages: an edit in the second edition (German) after the first edition's
/// pages came from the cache renders what it must, and each edition's pages stay cached
/// otherwise.
#[cfg(unix)]
#[test]
fn an_edit_in_another_languages_edition_gives_the_clean_output() {
    let site = common::guide_copy();
    let root = site.path();
    let public = root.join("public");
    build(root, &[], SOURCE_DATE_EPOCH);
    build(root, &[], SOURCE_DATE_EPOCH);
    assert!(public.join("de/causes/dvt/index.html").is_file());

    // A German body edit: only the German page is new.
    let before = identities(&public);
    let german = root.join("content/causes/dvt.de.md");
    fs::write(&german, common::read(&german) + "\nEin Satz mehr.\n").unwrap();
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
    let renewed = renewed(&before, &identities(&public));
    assert!(
        renewed.contains(&"de/causes/dvt/index.html".to_owned()),
        "{renewed:?}"
    );
    assert!(
        !renewed
            .iter()
            .any(|path| !path.starts_with("de/") && path.ends_with(".html")),
        "no English page is new: {renewed:?}"
    );

    // A German title, after the English edition took its pages from the cache: the load is
    // done again without it, and the output is a clean build's.
    let text = common::read(&german);
    let title = text
        .lines()
        .find(|line| line.starts_with("title: "))
        .unwrap();
    fs::write(&german, text.replacen(title, &format!("{title} (neu)"), 1)).unwrap();
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);

    // And an English body edit after that.
    let english = root.join("content/causes/dvt.md");
    fs::write(&english, common::read(&english) + "\nOne more sentence.\n").unwrap();
    build(root, &[], SOURCE_DATE_EPOCH);
    assert_clean(root, &[], SOURCE_DATE_EPOCH);
}
