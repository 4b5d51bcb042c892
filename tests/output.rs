//! The output folder under stress: two builds at once, a swap interrupted half-way, an old copy
//! that cannot be deleted, an output folder inside the site's sources, a staging folder that
//! lost its marker. Builds are real processes; concurrency is arranged with the test-only pause
//! hook (`KNEEGUIDE_TEST_PAUSE`), never with sleeps.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use common::{build, site_with, snapshot};
use kneeguide::output::{MARKER_FILE, Sink, Staging};

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

/// Names beside the output that kneeguide made: staging folders, the old copy, the lock.
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
        .filter(|n| !n.ends_with(".lock"))
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
        [".public.kneeguide.lock"],
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
    assert_eq!(left.len(), 2, "the old site and the lock: {left:?}");

    // The next build clears it away.
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("W040"), "{stderr}");
    assert_eq!(siblings(site.path()), [".public.kneeguide.lock"]);
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
fn a_staging_folder_without_its_marker_is_never_published() {
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
    fs::remove_file(staging.path().join(MARKER_FILE)).unwrap();
    let error = staging.commit().unwrap_err();
    assert_eq!(error.code, "E071", "{error}");
    assert_eq!(snapshot(&output), before);
}
