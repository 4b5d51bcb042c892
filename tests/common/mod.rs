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

pub fn kneeguide() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("kneeguide").unwrap()
}

/// Runs `kneeguide build --root <root>` and returns (exit code, stdout, stderr).
pub fn build(root: &Path, extra: &[&str]) -> (i32, String, String) {
    let output = kneeguide()
        .arg("build")
        .arg("--root")
        .arg(root)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
