//! Watches `site.yaml`, `content/` and `themes/` and hands over changes in debounced batches: an
//! editor's burst of saves (write a backup, rename, write, chmod) becomes one rebuild.
//!
//! Access events are dropped: the rebuild's own reads of the content files would otherwise
//! trigger the next rebuild, in an endless loop.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::config::CONFIG_FILE;
use crate::content::CONTENT_DIR;
use crate::theme_config::THEMES_DIR;

/// A batch never waits longer than this for the files to go quiet.
const MAX_WAIT: Duration = Duration::from_millis(500);

pub struct Watch {
    watcher: notify::RecommendedWatcher,
    root: PathBuf,
    watched: HashSet<PathBuf>,
    events: Receiver<PathBuf>,
}

impl Watch {
    /// `root` should be absolute (event paths are matched against it).
    pub fn start(root: &Path) -> notify::Result<Watch> {
        let (sender, events) = channel();
        let filter_root = root.to_path_buf();
        let watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
            let Ok(event) = result else { return };
            if matches!(event.kind, EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                if relevant(&filter_root, &path) {
                    let _ = sender.send(path);
                }
            }
        })?;
        let mut watch = Watch {
            watcher,
            root: root.to_path_buf(),
            watched: HashSet::new(),
            events,
        };
        // The root itself, not recursively: site.yaml, and content/ or themes/ appearing later.
        watch.watcher.watch(root, RecursiveMode::NonRecursive)?;
        watch.watch_folders()?;
        Ok(watch)
    }

    /// Watches content/ and themes/ once they exist.
    fn watch_folders(&mut self) -> notify::Result<()> {
        for name in [CONTENT_DIR, THEMES_DIR] {
            let folder = self.root.join(name);
            if folder.is_dir() && !self.watched.contains(&folder) {
                self.watcher.watch(&folder, RecursiveMode::Recursive)?;
                self.watched.insert(folder);
            } else if !folder.is_dir() && self.watched.remove(&folder) {
                let _ = self.watcher.unwatch(&folder);
            }
        }
        Ok(())
    }

    /// Waits for a change, then until no further change comes for `quiet`; returns the changed
    /// paths relative to the root. `None` once `stop()` says so (checked every 100 ms).
    pub fn next_batch(
        &mut self,
        quiet: Duration,
        stop: &dyn Fn() -> bool,
    ) -> Option<BTreeSet<PathBuf>> {
        let first = loop {
            if stop() {
                return None;
            }
            match self.events.recv_timeout(Duration::from_millis(100)) {
                Ok(path) => break path,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        };
        let started = Instant::now();
        let mut batch = BTreeSet::from([first]);
        while started.elapsed() < MAX_WAIT {
            match self.events.recv_timeout(quiet) {
                Ok(path) => {
                    batch.insert(path);
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        let _ = self.watch_folders();
        Some(
            batch
                .into_iter()
                .map(|p| {
                    p.strip_prefix(&self.root)
                        .map(Path::to_path_buf)
                        .unwrap_or(p)
                })
                .collect(),
        )
    }
}

/// site.yaml, and anything under content/ or themes/ except editors' swap, backup and lock files.
pub fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let mut components = relative.components();
    let Some(first) = components.next() else {
        return false;
    };
    let first = first.as_os_str();
    if first == CONFIG_FILE {
        return components.next().is_none();
    }
    if first != CONTENT_DIR && first != THEMES_DIR {
        return false;
    }
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let scratch = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".swo", ".tmp", ".bak", ".kate-swp"]
            .iter()
            .any(|suffix| name.ends_with(suffix));
    !scratch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_files_count() {
        let root = Path::new("/site");
        for yes in [
            "/site/site.yaml",
            "/site/content",
            "/site/content/causes/dvt.md",
            "/site/themes/default/templates/base.html",
            "/site/themes/default/static/css/site.css",
        ] {
            assert!(relevant(root, Path::new(yes)), "{yes}");
        }
        for no in [
            "/site/public/index.html",
            "/site/target/debug/kneeguide",
            "/site/README.md",
            "/site/site.yaml.swp",
            "/site/content/.dvt.md.swp",
            "/site/content/dvt.md~",
            "/site/content/4913",
            "/site/content/.#dvt.md",
            "/elsewhere/content/dvt.md",
        ] {
            assert!(!relevant(root, Path::new(no)), "{no}");
        }
    }

    #[test]
    fn a_burst_of_saves_is_one_batch() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("content")).unwrap();
        let mut watch = Watch::start(&root).unwrap();
        let page = root.join("content/a.md");
        for i in 0..5 {
            std::fs::write(&page, format!("version {i}")).unwrap();
        }
        std::fs::write(root.join("site.yaml"), "title: x").unwrap();
        let batch = watch
            .next_batch(Duration::from_millis(100), &|| false)
            .unwrap();
        assert_eq!(
            batch,
            BTreeSet::from([PathBuf::from("content/a.md"), PathBuf::from("site.yaml")])
        );
        // Reading the files back (as a rebuild does) is not a change.
        let _ = std::fs::read(&page).unwrap();
        let stop_at = Instant::now() + Duration::from_millis(400);
        assert!(
            watch
                .next_batch(Duration::from_millis(50), &|| Instant::now() > stop_at)
                .is_none()
        );
    }
}
