//! Helpers shared by the integration tests: copy a fixture site, overlay files, snapshot a tree.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies `from` into `to` recursively, overwriting files that exist.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the good fixture site in a temp dir, with `overlay` (a folder of replacement
/// files under tests/fixtures/broken/) copied on top when given.
pub fn site_with(overlay: Option<&str>) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("good"), temp.path());
    if let Some(overlay) = overlay {
        copy_dir(&fixture("broken").join(overlay), temp.path());
    }
    temp
}

/// Every file under `dir`: relative path -> bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (relative, fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The day every test runs on, whatever the clock says: 2026-12-01, as `SOURCE_DATE_EPOCH`.
/// Fixture dates are checked against it, so no test expires (a review falls due, a "future"
/// date arrives) on a later day.
pub const TODAY: &str = "2026-12-01";
pub const SOURCE_DATE_EPOCH: &str = "1796083200";

/// Build options for the library, with "today" pinned to `TODAY`.
pub fn options(root: impl Into<PathBuf>) -> kneeguide::BuildOptions {
    let mut options = kneeguide::BuildOptions::new(root);
    options.today = kneeguide::content::meta::Date::parse(TODAY);
    options
}

/// The binary, with "today" pinned to `TODAY`.
pub fn kneeguide() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("kneeguide").unwrap();
    command.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    command
}

/// Longest a command of the tests may take: far beyond any build here, so that only a hang
/// reaches it, and then the test fails (exit code -1) instead of wedging the suite.
pub const HANG_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `kneeguide build --root <root>` and returns (exit code, stdout, stderr).
pub fn build(root: &Path, extra: &[&str]) -> (i32, String, String) {
    run(kneeguide().arg("build").arg("--root").arg(root).args(extra))
}

/// Runs `kneeguide check --root <root>` and returns (exit code, stdout, stderr).
pub fn check(root: &Path) -> (i32, String, String) {
    run(kneeguide().arg("check").arg("--root").arg(root))
}

/// Runs a prepared command within `HANG_LIMIT`: (exit code, stdout, stderr); -1 when killed.
pub fn run(command: &mut assert_cmd::Command) -> (i32, String, String) {
    let output = command.timeout(HANG_LIMIT).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A copy of the real guide (site.yaml, content/, themes/) in a temp dir, to change and build.
pub fn guide_copy() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(root.join("site.yaml"), temp.path().join("site.yaml")).unwrap();
    for dir in ["content", "themes"] {
        copy_dir(&root.join(dir), &temp.path().join(dir));
    }
    temp
}

/// Text with the entities our templates and Markdown produce turned back into characters.
pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shared text with a case's edits applied. `edits` is a list of pairs, each a line
/// `--- find`, the lines to find, a line `--- replace` and the lines to put in their place
/// (none: the found lines are deleted); lines before the first `--- find` are a comment. Every
/// found text must occur exactly once in `shared`, so an edit never lands in the wrong place
/// when the shared text changes: it fails the test instead.
pub fn apply_edits(shared: &str, edits: &str) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut in_find = false;
    for line in edits.split_inclusive('\n') {
        match line.trim_end_matches('\n') {
            "--- find" => {
                pairs.push((String::new(), String::new()));
                in_find = true;
            }
            "--- replace" => in_find = false,
            _ => match pairs.last_mut() {
                Some((find, _)) if in_find => find.push_str(line),
                Some((_, replace)) => replace.push_str(line),
                None => {} // the comment before the first pair
            },
        }
    }
    let mut spots: Vec<(usize, usize, &str)> = pairs
        .iter()
        .map(|(find, replace)| {
            let count = shared.matches(find.as_str()).count();
            assert!(
                !find.is_empty() && count == 1,
                "an edit's find text must occur once in the shared text, not {count} times:\n{find}"
            );
            (
                shared.find(find.as_str()).unwrap(),
                find.len(),
                replace.as_str(),
            )
        })
        .collect();
    spots.sort();
    let mut edited = String::new();
    let mut copied_to = 0;
    for (start, len, replace) in spots {
        assert!(start >= copied_to, "two edits overlap at byte {start}");
        edited.push_str(&shared[copied_to..start]);
        edited.push_str(replace);
        copied_to = start + len;
    }
    edited.push_str(&shared[copied_to..]);
    edited
}

/// The site of the command-line tests (`serve`, `new`): the good fixture with
/// tests/fixtures/cli-site/ on top, which holds only what those tests need different: its own
/// title, an about page without the footnote-id headings, and a script (js/site.js, linked
/// from base.html) for the live-reload checks.
pub fn cli_site_into(dir: &Path) {
    copy_dir(&fixture("good"), dir);
    copy_dir(&fixture("cli-site"), dir);
}

/// Relative path -> (inode, mtime) of every file under `dir`.
#[cfg(unix)]
pub fn identities(dir: &Path) -> BTreeMap<String, (u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            let relative = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            (
                relative.into_owned(),
                (meta.ino(), meta.mtime(), meta.mtime_nsec()),
            )
        })
        .collect()
}

/// The paths whose inode or mtime differ between two `identities`, and the paths only in one.
#[cfg(unix)]
pub fn renewed(
    before: &BTreeMap<String, (u64, i64, i64)>,
    after: &BTreeMap<String, (u64, i64, i64)>,
) -> Vec<String> {
    after
        .iter()
        .filter(|(path, id)| before.get(*path) != Some(id))
        .map(|(path, _)| path.clone())
        .collect()
}

/// The files of `dir` (relative paths, sorted) whose text contains `text`.
pub fn files_containing(dir: &Path, text: &str) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(text))
        .map(|(path, _)| path)
        .collect()
}
