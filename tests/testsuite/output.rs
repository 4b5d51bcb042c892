//! The output folder under stress: two builds at once, a swap interrupted half-way, an old copy
//! that cannot be deleted, an output folder inside the site's sources, a staging folder replaced
//! while it was written, the marker beside the output (and the old one inside it), rebuilds that
//! keep unchanged files. Builds are real processes; concurrency is arranged with the test-only
//! pause hook (`KNEEGUIDE_TEST_PAUSE`), never with sleeps.

use crate::common;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::common::{build, site_with, snapshot};
#[cfg(unix)]
use crate::common::{identities, renewed};
use kneeguide::output::{LEGACY_MARKER_FILE, Sink, Staging, marker_path};

const WAIT: Duration = Duration::from_secs(60);

/// Spawns `kneeguide build --root <root>` with `env`; stderr lines arrive on the receiver.
fn spawn_build(root: &Path, env: &[(&str, &str)]) -> (std::process::Child, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kneeguide"))
        .arg("build")
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (sender, receiver) = channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

/// Waits for a stderr line containing `text`; panics with what came instead.
fn expect_line(lines: &Receiver<String>, text: &str) {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(WAIT) {
            Ok(line) if line.contains(text) => return,
            Ok(line) => seen.push(line),
            Err(_) => panic!("no line with `{text}`; got {seen:?}"),
        }
    }
}

fn finish(mut child: std::process::Child) -> i32 {
    drop(child.stdin.take());
    child.wait().unwrap().code().unwrap_or(-1)
}

/// Names beside the output that kneeguide made: staging folders, the old copy, the spare, the
/// lock, the marker, the list of the site's files, the incremental build's cache.
fn siblings(site: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(site)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.kneeguide"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_second_build_waits_for_the_first_and_both_publish_whole_sites() {
    let site = site_with(None);
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let whole = snapshot(&site.path().join("public"));

    // The first build renders everything, then stops just before its swap, holding the lock.
    let (first, first_lines) =
        spawn_build(site.path(), &[("KNEEGUIDE_TEST_PAUSE", "before-commit")]);
    expect_line(&first_lines, "paused at before-commit");
    let staging: Vec<String> = siblings(site.path())
        .into_iter()
        .filter(|n| {
            ![".lock", ".build", ".cache", ".paths", "-spare"]
                .iter()
                .any(|end| n.ends_with(end))
        })
        .collect();
    assert_eq!(
        staging.len(),
        1,
        "the first build's staging folder: {staging:?}"
    );

    // The second build says it waits, and its clean-up leaves the live staging folder alone.
    let (second, second_lines) = spawn_build(site.path(), &[]);
    expect_line(&second_lines, "Waiting for another build into");
    let staged = site.path().join(&staging[0]);
    assert_eq!(
        snapshot(&staged),
        whole,
        "the first build's staging folder is complete and untouched"
    );

    // Let the first one go: both succeed, one after the other.
    first.stdin.as_ref().unwrap().write_all(b"\n").unwrap();
    assert_eq!(finish(first), 0);
    assert_eq!(finish(second), 0);
    assert_eq!(snapshot(&site.path().join("public")), whole);
    assert_eq!(
        siblings(site.path()),
        [
            ".public.kneeguide-spare",
            ".public.kneeguide.build",
            ".public.kneeguide.cache",
            ".public.kneeguide.lock",
            ".public.kneeguide.paths"
        ],
        "no staging folder or old copy left over"
    );
}

#[test]
fn a_missing_output_with_an_old_copy_beside_it_is_restored_not_deleted() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("site");
    fs::create_dir_all(&root).unwrap();
    let output = temp.path().join("public");
    let first = Staging::begin(&output, &root, &|_| {}).unwrap();
    first
        .put("index.html", b"the last good site".to_vec())
        .unwrap();
    first.commit().unwrap();
    let good = snapshot(&output);

    // A build killed between the two renames of a swap: the old site aside, a staging folder.
    fs::rename(&output, temp.path().join(".public.kneeguide-old")).unwrap();
    let killed = temp.path().join(".public.kneeguide-x1y2z3");
    fs::create_dir_all(&killed).unwrap();
    fs::write(killed.join("half.html"), "half").unwrap();

    // The next build starts, then fails before its swap.
    let failing = Staging::begin(&output, &root, &|_| {}).unwrap();
    assert_eq!(failing.notes.len(), 1, "the restore is reported");
    assert_eq!(failing.notes[0].code, "W041");
    drop(failing);
    assert_eq!(
        snapshot(&output),
        good,
        "the last good site is back in place"
    );
    assert!(
        !killed.exists(),
        "the killed build's staging folder is removed"
    );
    assert!(!temp.path().join(".public.kneeguide-old").exists());
}

#[test]
fn the_swap_is_one_atomic_exchange_on_linux_and_two_renames_elsewhere() {
    let temp = tempfile::tempdir().unwrap();
    let (a, b) = (temp.path().join("a"), temp.path().join("b"));
    for (dir, text) in [(&a, "new"), (&b, "old")] {
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/file"), text).unwrap();
    }
    if cfg!(target_os = "linux") {
        kneeguide::output::exchange(&a, &b).unwrap();
        assert_eq!(fs::read_to_string(b.join("sub/file")).unwrap(), "new");
        assert_eq!(fs::read_to_string(a.join("sub/file")).unwrap(), "old");
        kneeguide::output::exchange(&a, &b).unwrap();
    }
    // The fallback: old aside, new in place; it says where the old one went.
    let old = kneeguide::output::swap_with_two_renames(&a, &b)
        .unwrap()
        .unwrap();
    assert_eq!(fs::read_to_string(b.join("sub/file")).unwrap(), "new");
    assert_eq!(fs::read_to_string(old.join("sub/file")).unwrap(), "old");
    assert!(!a.exists());
}

#[test]
fn an_old_site_that_cannot_be_deleted_after_the_swap_is_a_warning_not_a_failure() {
    let site = site_with(None);
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let about = site.path().join("content/about.md");
    let text = fs::read_to_string(&about).unwrap();
    fs::write(&about, text.replace("title: About", "title: Newly about")).unwrap();

    let output = common::kneeguide()
        .arg("build")
        .arg("--root")
        .arg(site.path())
        // A real address, so that W040 is the one warning (example.org would add W061).
        .args(["--base-url", "https://guide.kneeclinic.eu/"])
        .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
        .env("KNEEGUIDE_TEST_FAULT", "remove-old")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.starts_with("Built 5 pages into "), "{stdout}");
    assert!(stdout.contains("(1 warning)"), "{stdout}");
    assert!(
        stderr.contains("warning[W040]: the new site is in"),
        "{stderr}"
    );
    assert!(!stderr.contains("not built"), "{stderr}");
    let public = site.path().join("public");
    assert!(common::read(&public.join("about/index.html")).contains("Newly about"));
    // The old copy kept the staging folder's name: the swap was one exchange, not two renames.
    let left: Vec<String> = siblings(site.path());
    if cfg!(target_os = "linux") {
        assert!(
            !left.contains(&".public.kneeguide-old".to_owned()),
            "{left:?}"
        );
    }
    assert_eq!(
        left.len(),
        5,
        "the old site, the marker, the cache, the list of files and the lock: {left:?}"
    );

    // The next build clears it away (and keeps its own old site as the spare).
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("W040"), "{stderr}");
    assert_eq!(
        siblings(site.path()),
        [
            ".public.kneeguide-spare",
            ".public.kneeguide.build",
            ".public.kneeguide.cache",
            ".public.kneeguide.lock",
            ".public.kneeguide.paths"
        ]
    );
}

#[test]
fn an_output_folder_inside_the_sites_sources_is_refused() {
    let site = site_with(None);
    #[cfg(unix)]
    std::os::unix::fs::symlink(site.path().join("content"), site.path().join("linked")).unwrap();
    let before = snapshot(site.path());
    for (output, why) in [
        ("content/out", "it is inside content/"),
        ("content", "it is inside content/"),
        ("themes/default/static/out", "it is inside themes/"),
        ("linked/out", "it is inside content/"),
        (".", "it contains the site's own files"),
    ] {
        if output == "linked/out" && !cfg!(unix) {
            continue;
        }
        let target = site.path().join(output);
        let (code, stdout, stderr) = build(site.path(), &["--output", target.to_str().unwrap()]);
        assert_eq!(code, 1, "{output}: {stdout}{stderr}");
        assert!(
            stderr.contains("error[E070]: refusing to build into"),
            "{output}: {stderr}"
        );
        assert!(stderr.contains(why), "{output}: {stderr}");
        assert!(
            stderr.contains("help: choose an --output outside"),
            "{stderr}"
        );
    }
    assert_eq!(snapshot(site.path()), before, "nothing was written");
}

#[test]
fn a_staging_folder_replaced_while_the_site_was_written_is_never_published() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("site");
    fs::create_dir_all(&root).unwrap();
    let output = temp.path().join("public");
    let good = Staging::begin(&output, &root, &|_| {}).unwrap();
    good.put("index.html", b"good".to_vec()).unwrap();
    good.commit().unwrap();
    let before = snapshot(&output);

    let staging = Staging::begin(&output, &root, &|_| {}).unwrap();
    staging.put("index.html", b"partial".to_vec()).unwrap();
    // Something deletes the staging folder and a new one appears at its name.
    fs::remove_dir_all(staging.path()).unwrap();
    fs::create_dir(staging.path()).unwrap();
    fs::write(staging.path().join("index.html"), "half").unwrap();
    let error = staging.commit().unwrap_err();
    assert_eq!(error.code, "E071", "{error}");
    assert_eq!(snapshot(&output), before);
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = common::read(path);
    assert!(text.contains(from), "{}: no `{from}`", path.display());
    fs::write(path, text.replace(from, to)).unwrap();
}

fn build_ok(root: &Path) {
    let output = common::kneeguide()
        .arg("build")
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn nothing_build_internal_is_in_the_output() {
    let site = site_with(None);
    build_ok(site.path());
    let public = site.path().join("public");
    let files = snapshot(&public);
    let internal: Vec<&String> = files.keys().filter(|p| p.contains("kneeguide")).collect();
    assert!(internal.is_empty(), "{internal:?}");
    assert!(!public.join(LEGACY_MARKER_FILE).exists());
    let marker = common::read(&marker_path(&public));
    assert!(
        marker.starts_with("# Written by `kneeguide build`"),
        "{marker}"
    );
    assert!(!common::read(&public.join("_headers")).contains(LEGACY_MARKER_FILE));
}

#[test]
fn a_folder_swapped_in_by_hand_is_refused_though_a_marker_is_beside_it() {
    let site = site_with(None);
    build_ok(site.path());
    let public = site.path().join("public");
    // The built site moved away and a folder of documents put in its place.
    fs::rename(&public, site.path().join("public-built")).unwrap();
    fs::create_dir(&public).unwrap();
    fs::write(public.join("thesis.txt"), "precious").unwrap();
    let documents = snapshot(&public);
    assert!(marker_path(&public).is_file());

    let (code, stdout, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("refusing to replace") && stderr.contains("not made by kneeguide"),
        "{stderr}"
    );
    assert_eq!(snapshot(&public), documents, "the documents are untouched");
}

#[test]
fn an_output_with_the_old_inner_marker_is_replaced_once_and_loses_it() {
    let site = site_with(None);
    let public = site.path().join("public");
    // What an older kneeguide left: the marker inside the site, none beside it.
    fs::create_dir_all(public.join("old-page")).unwrap();
    fs::write(public.join(LEGACY_MARKER_FILE), "made by kneeguide").unwrap();
    fs::write(public.join("old-page/index.html"), "old").unwrap();
    assert!(!marker_path(&public).exists());

    build_ok(site.path());
    assert!(!public.join(LEGACY_MARKER_FILE).exists(), "removed");
    assert!(
        !public.join("old-page").exists(),
        "the old site was replaced"
    );
    assert!(public.join("index.html").is_file());
    assert!(
        marker_path(&public).is_file(),
        "the marker is beside it now"
    );
    // And from then on the marker beside it is what lets the next build replace it.
    build_ok(site.path());
    assert!(!public.join(LEGACY_MARKER_FILE).exists());
}

#[cfg(unix)]
#[test]
fn a_rebuild_keeps_every_file_whose_bytes_did_not_change() {
    let site = site_with(None);
    let notes = site.path().join("content/notes.md");
    fs::write(
        &notes,
        "---\ntitle: Notes\ndescription: A page that the test removes again.\n\
         last_reviewed: 2026-01-10\nnext_review: 2027-01-10\n---\nSome notes.\n",
    )
    .unwrap();
    build_ok(site.path());
    let public = site.path().join("public");
    let first = identities(&public);

    // Nothing changed: every file is the same file.
    build_ok(site.path());
    assert_eq!(identities(&public), first, "a rebuild of the same site");

    // One page's text edited: that page, and the files that list every file's bytes or show the
    // text, are new; every other file is the same file (same inode, same mtime).
    let before = snapshot(&public);
    edit(
        &site.path().join("content/about.md"),
        "A second section on the same subject.",
        "The same heading, twice.",
    );
    build_ok(site.path());
    let second = identities(&public);
    let changed = renewed(&first, &second);
    assert_eq!(changed, ["about/index.html"], "files with a new inode");
    let after = snapshot(&public);
    let differ: Vec<&String> = after
        .keys()
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    assert_eq!(differ, ["about/index.html"], "files with new bytes");

    // A cause's title, which other pages show too: exactly the files that show it are new.
    edit(
        &site.path().join("content/causes/cyst.md"),
        "title: A cyst",
        "title: A fluid cyst",
    );
    build_ok(site.path());
    let after_title = identities(&public);
    let showing = common::files_containing(&public, "A fluid cyst");
    assert_eq!(
        showing,
        [
            "causes/clot/index.html",
            "causes/cyst/index.html",
            "index.html"
        ]
    );
    assert_eq!(renewed(&second, &after_title), showing);
    let second = after_title;

    // A page removed: its file is gone, the files that listed it are new, the rest kept.
    assert!(second.contains_key("notes/index.html"));
    fs::remove_file(&notes).unwrap();
    build_ok(site.path());
    let third = identities(&public);
    assert!(!public.join("notes").exists(), "the removed page is gone");
    // The home page lists every page, the sitemap names them, `_headers` has a rule per
    // top-level folder.
    assert_eq!(
        renewed(&second, &third),
        ["_headers", "index.html", "sitemap.xml"],
        "files with a new inode"
    );
}

#[cfg(unix)]
#[test]
fn a_failed_or_killed_rebuild_leaves_the_previous_site_as_it_was() {
    let site = site_with(None);
    build_ok(site.path());
    let public = site.path().join("public");
    let (files, ids) = (snapshot(&public), identities(&public));

    // A rebuild with an error writes nothing.
    let about = site.path().join("content/about.md");
    let good = common::read(&about);
    fs::write(&about, good.replace("title: About", "titel: About")).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(snapshot(&public), files);
    assert_eq!(identities(&public), ids);

    // A rebuild killed after staging every file (many of them hard links to the live site's
    // files), just before its swap.
    fs::write(
        &about,
        good.replace("A second section on the same subject.", "Changed."),
    )
    .unwrap();
    let (mut killed, lines) =
        spawn_build(site.path(), &[("KNEEGUIDE_TEST_PAUSE", "before-commit")]);
    expect_line(&lines, "paused at before-commit");
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert_eq!(snapshot(&public), files, "byte for byte");
    assert_eq!(identities(&public), ids, "the same inodes and mtimes");

    // The next build publishes the edit and clears the killed build's staging folder away.
    build_ok(site.path());
    assert!(common::read(&public.join("about/index.html")).contains("Changed."));
    assert_eq!(
        siblings(site.path()),
        [
            ".public.kneeguide-spare",
            ".public.kneeguide.build",
            ".public.kneeguide.cache",
            ".public.kneeguide.lock",
            ".public.kneeguide.paths"
        ]
    );
}

#[test]
fn a_build_killed_right_after_its_swap_leaves_a_site_the_next_build_accepts() {
    let site = site_with(None);
    build_ok(site.path());
    let public = site.path().join("public");
    edit(
        &site.path().join("content/about.md"),
        "A second section on the same subject.",
        "Killed after the swap.",
    );
    let (mut killed, lines) = spawn_build(site.path(), &[("KNEEGUIDE_TEST_PAUSE", "after-swap")]);
    expect_line(&lines, "paused at after-swap");
    killed.kill().unwrap();
    killed.wait().unwrap();
    // The new site is in place; the marker still names the old folder too.
    assert!(common::read(&public.join("about/index.html")).contains("Killed after the swap."));
    let marker = common::read(&marker_path(&public));
    let named = marker.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(named, 2, "{marker}");

    build_ok(site.path());
    assert!(common::read(&public.join("about/index.html")).contains("Killed after the swap."));
    let marker = common::read(&marker_path(&public));
    assert_eq!(marker.lines().filter(|l| !l.starts_with('#')).count(), 1);
    assert_eq!(
        siblings(site.path()),
        [
            ".public.kneeguide.build",
            ".public.kneeguide.cache",
            ".public.kneeguide.lock",
            ".public.kneeguide.paths"
        ],
        "the old copy left by the killed build is gone"
    );
}

#[test]
fn a_folder_made_by_hand_where_the_site_was_deleted_is_refused() {
    let site = site_with(None);
    build_ok(site.path());
    let public = site.path().join("public");
    if fs::metadata(&public).and_then(|m| m.created()).is_err() {
        // Without creation times a new folder that reuses the deleted one's inode number
        // cannot be told apart (see the README); on such file systems this is not checked.
        return;
    }
    fs::remove_dir_all(&public).unwrap();
    fs::create_dir(&public).unwrap();
    fs::write(public.join("thesis.txt"), "precious").unwrap();
    let (code, stdout, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("not made by kneeguide"), "{stderr}");
    assert_eq!(common::read(&public.join("thesis.txt")), "precious");
}
