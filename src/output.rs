//! Stage 5, write: the only code that touches the output folder. A build writes into a staging
//! folder beside the output and swaps it in at the end, so a failed or killed build leaves the last
//! good site whole, and pages removed from `content/` do not linger.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::diagnostics::Diagnostic;
use crate::dir::{Dir, FileId};

/// The marker that older versions wrote *inside* the output (where it was uploaded with the
/// site). An output that has it is accepted as kneeguide's once; the next build's output does not
/// have it. Today's marker is beside the output: see [`marker_path`].
pub const LEGACY_MARKER_FILE: &str = ".kneeguide-build";
const MARKER_HEADER: &str = "\
# Written by `kneeguide build`. The folder beside this file whose identity (device, inode,
# creation time) is on a line below was made by kneeguide and is replaced whole by the next
# build (during a swap two lines name the old and the new folder). A folder at that path with
# another identity was not made by kneeguide and is never replaced.
";

/// Where rendered files go: a staging folder for `build`, memory for `serve` and tests.
pub trait Sink: Sync {
    /// `path` is relative to the site root, with `/` separators.
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()>;

    /// [`Sink::put`] of bytes whose SHA-256 the caller computed (the render stage's recorder).
    fn put_hashed(&self, path: &str, bytes: Vec<u8>, _sha256: [u8; 32]) -> io::Result<()> {
        self.put(path, bytes)
    }

    /// Incremental builds: before rendering `template` (from the page file `source`) to `path`,
    /// asks whether the sink still has the file the last build made from the same inputs. If so
    /// it keeps it and returns its SHA-256, and the file is not rendered. Only the build's
    /// [`crate::incremental::CacheSink`] ever says yes.
    fn reuse(
        &self,
        _path: &str,
        _template: &str,
        _source: Option<&Path>,
    ) -> io::Result<Option<[u8; 32]>> {
        Ok(None)
    }
}

/// Drops every file: `check` renders each page (template errors are only found by rendering)
/// and keeps nothing, so memory does not grow with the size of the output.
pub struct DiscardSink;

impl Sink for DiscardSink {
    fn put(&self, _path: &str, _bytes: Vec<u8>) -> io::Result<()> {
        Ok(())
    }
}

/// Files kept in memory, sorted by path.
#[derive(Default)]
pub struct MemorySink {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemorySink {
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        self.files
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Sink for MemorySink {
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
        check_relative(path)?;
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if files.insert(path.to_owned(), bytes).is_some() {
            return Err(duplicate(path));
        }
        Ok(())
    }
}

fn duplicate(path: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{path} would be written twice"),
    )
}

/// Refuses any path that could leave the output folder.
fn check_relative(path: &str) -> io::Result<()> {
    let safe = !path.is_empty()
        && !path.contains('\\')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to write `{path}`: outside the output folder"),
        ))
    }
}

/// A folder beside the output that becomes the output on `commit`.
///
/// Every build holds an exclusive lock beside the output from `begin` until the staging folder
/// is committed or dropped, so two builds into one folder run one after the other, and the
/// clean-up of stale staging folders (done under the lock) never meets a live build's folder.
pub struct Staging {
    // Dropped in this order: the staging folder is deleted before the lock is released.
    dir: Folder,
    _lock: fs::File,
    output: PathBuf,
    /// The staging folder's identity when it was made: checked again before the swap.
    identity: FolderId,
    /// The staging folder, open: files are named inside it (see [`Dir`]).
    staged: Dir,
    /// The previous site, whose unchanged files are hard-linked instead of written again.
    previous: Option<Dir>,
    written: Mutex<HashSet<String>>,
    /// Paths written as new files (not the previous site's file at that path).
    fresh: Mutex<HashSet<String>>,
    /// The previous site's files (from the list beside it), when known.
    previous_paths: Option<HashSet<String>>,
    /// The staging folder is the spare (see [`spare_path`]): these files are already in it,
    /// each the previous site's file at that path.
    recycled: Option<HashSet<String>>,
    /// Warnings from `begin` (an interrupted build's site restored), for the build report.
    pub notes: Vec<Diagnostic>,
}

/// A folder deleted on drop unless kept.
struct Folder {
    path: PathBuf,
    armed: bool,
}

impl Folder {
    fn keep(mut self) -> PathBuf {
        self.armed = false;
        std::mem::take(&mut self.path)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

impl Staging {
    /// Checks that `output` may be replaced, takes the output's lock (calling `on_wait` with a
    /// message first if another build holds it, then waiting), repairs what an interrupted build
    /// left, and creates the staging folder next to the output.
    pub fn begin(
        output: &Path,
        site_root: &Path,
        on_wait: &dyn Fn(&str),
    ) -> Result<Staging, Diagnostic> {
        let output = resolved(&absolute(output).map_err(|e| io_failure(output, e))?);
        let site_root = resolved(&absolute(site_root).map_err(|e| io_failure(site_root, e))?);
        refuse_source_folders(&output, &site_root)?;
        let parent = output
            .parent()
            .ok_or_else(|| Diagnostic::error("E032", "the output folder has no parent"))?
            .to_path_buf();
        fs::create_dir_all(&parent).map_err(|e| io_failure(&parent, e))?;
        let lock = lock_output(&output, on_wait)?;
        // Under the lock: a folder half-swapped by a killed build is put back before it is judged.
        let mut notes = Vec::new();
        if let Some(note) = restore_interrupted_swap(&output).map_err(|e| io_failure(&output, e))? {
            notes.push(note);
        }
        check_replaceable(&output)?;
        remove_stale_staging(&parent, &output);
        let previous = made_by_kneeguide(&output)
            .then(|| Dir::open(&output).ok())
            .flatten();
        let list = previous.as_ref().and_then(|_| read_paths_list(&output));
        let spare = spare_path(&output);
        let mut recycled = None;
        let dir = match &list {
            Some(list) if list.spare.is_some() && FolderId::of(&spare).ok() == list.spare => {
                let path = output.with_file_name(format!("{}recycled", staging_prefix(&output)));
                fs::rename(&spare, &path).map_err(|e| io_failure(&spare, e))?;
                recycled = Some(list.paths.clone());
                Folder { path, armed: true }
            }
            _ => {
                if exists(&spare) {
                    let _ = fs::remove_dir_all(&spare);
                }
                let dir = tempfile::Builder::new()
                    .prefix(&staging_prefix(&output))
                    .tempdir_in(&parent)
                    .map_err(|e| io_failure(&parent, e))?;
                Folder {
                    path: dir.keep(),
                    armed: true,
                }
            }
        };
        let identity = FolderId::of(&dir.path).map_err(|e| io_failure(&dir.path, e))?;
        let staged = Dir::open(&dir.path).map_err(|e| io_failure(&dir.path, e))?;
        Ok(Staging {
            dir,
            staged,
            _lock: lock,
            output,
            identity,
            previous,
            written: Mutex::default(),
            fresh: Mutex::default(),
            previous_paths: list.map(|list| list.paths),
            recycled,
            notes,
        })
    }

    /// The staging folder being written.
    pub fn path(&self) -> &Path {
        &self.dir.path
    }

    /// Swaps the staging folder in and deletes the old site. Returns warnings: once the new site
    /// is live, failing to delete the old copy is not a failed build.
    pub fn commit(self) -> Result<Vec<Diagnostic>, Diagnostic> {
        let Staging {
            dir,
            _lock,
            output,
            identity,
            written,
            fresh,
            previous_paths,
            recycled,
            mut notes,
            ..
        } = self;
        let written = written.into_inner().unwrap_or_else(|p| p.into_inner());
        let fresh = fresh.into_inner().unwrap_or_else(|p| p.into_inner());
        // A recycled staging folder still has the previous site's files of removed pages: none
        // of them may be published.
        if let Some(recycled) = &recycled {
            for path in recycled.difference(&written) {
                remove_with_empty_folders(&dir.path, path)
                    .map_err(|e| io_failure(&dir.path.join(path), e))?;
            }
        }
        // Only the folder this build made and filled is ever published: one removed or swapped
        // for another while the site was written is not.
        if FolderId::of(&dir.path).ok().as_ref() != Some(&identity) {
            return Err(Diagnostic::error(
                "E071",
                format!(
                    "the staging folder {} was removed or replaced while the site was written; \
                     it was not published, and {} is unchanged",
                    dir.path.display(),
                    output.display()
                ),
            ));
        }
        // Checked again at the last moment: the folder may have been replaced since `begin`.
        check_replaceable(&output)?;
        // Before the swap the marker vouches for both folders, so that a kill at any moment
        // leaves an output (old or new) that the next build accepts.
        let mut vouched = vec![identity.clone()];
        if exists(&output) {
            vouched.extend(FolderId::of(&output).ok());
        }
        write_marker(&output, &vouched).map_err(|e| io_failure(&marker_path(&output), e))?;
        let staged = dir.keep();
        let swapped = if exists(&output) {
            swap(&staged, &output)
        } else {
            fs::rename(&staged, &output).map(|()| None)
        };
        match swapped {
            Ok(old) => {
                crate::test_hook_pause("after-swap");
                // Best effort: if it fails, the marker still vouches for the new site (and for
                // the old one, which is deleted below or by the next build).
                let _ = write_marker(&output, std::slice::from_ref(&identity));
                // The old site becomes the spare when its files are known; else it is deleted.
                let spare = match (&old, &previous_paths) {
                    (Some(old), Some(old_paths)) => {
                        make_spare(old, old_paths, &output, &written, &fresh)
                    }
                    _ => None,
                };
                write_paths_list(&output, &identity, spare.as_ref(), &written);
                if spare.is_none()
                    && let Some(old) = old
                    && let Err(error) = remove_old_site(&old, &written)
                {
                    notes.push(Diagnostic::warning(
                        "W040",
                        format!(
                            "the new site is in {}, but the previous one could not be deleted \
                             from {}: {error}; the next build deletes it",
                            output.display(),
                            old.display()
                        ),
                    ));
                }
                Ok(notes)
            }
            Err(error) => {
                let _ = fs::remove_dir_all(&staged);
                Err(io_failure(&output, error))
            }
        }
    }
}

impl Staging {
    fn is_recycled(&self, path: &str) -> bool {
        self.recycled
            .as_ref()
            .is_some_and(|paths| paths.contains(path))
    }

    /// Hard-links the previous site's file at `path` into the staging folder without reading
    /// it, when `expected` accepts the linked file's metadata (the incremental build checks that
    /// it is still the file the last build wrote). `Ok(false)`: nothing linked, write it.
    pub fn keep_previous(
        &self,
        path: &str,
        expected: &dyn Fn(&FileId) -> bool,
    ) -> io::Result<bool> {
        check_relative(path)?;
        let Some(previous) = &self.previous else {
            return Ok(false);
        };
        let forget = || {
            self.written
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(path);
        };
        self.claim(path)?;
        let accepted = |id: Option<FileId>| id.is_some_and(|id| expected(&id));
        if self.is_recycled(path) {
            if accepted(self.staged.identify(path)) {
                return Ok(true);
            }
            if let Err(error) = self.staged.remove_file(path) {
                forget();
                return Err(error);
            }
        } else if let Err(error) = self.staged.create_parents(path) {
            forget();
            return Err(error);
        }
        if self.staged.link_from(previous, path).is_err() {
            forget();
            return Ok(false);
        }
        // Checked on the link itself, so the file kept is the file checked.
        if accepted(self.staged.identify(path)) {
            return Ok(true);
        }
        let _ = self.staged.remove_file(path);
        forget();
        Ok(false)
    }
}

impl Sink for Staging {
    /// A file whose bytes are those of the previous site's file at the same path is hard-linked
    /// from it: it keeps its inode and mtime, so `rsync -a` and the cloud `sync` commands skip it.
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.put_identified(path, bytes).map(|_| ())
    }
}

impl Staging {
    /// Records that this build writes `path`; a second write to one path is an error.
    fn claim(&self, path: &str) -> io::Result<()> {
        let first = self
            .written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(path.to_owned());
        if first { Ok(()) } else { Err(duplicate(path)) }
    }

    /// [`Sink::put`], returning the identity of the file now at `path` (read where it costs
    /// no path lookup: the incremental build records every file's identity).
    pub fn put_identified(&self, path: &str, bytes: Vec<u8>) -> io::Result<Option<FileId>> {
        check_relative(path)?;
        self.claim(path)?;
        if self.is_recycled(path) {
            // Already the previous site's file here: kept when its bytes are the same; never
            // written into (the live site shares it), but replaced.
            if let Some(previous) = &self.previous
                && let Some(id) = self.staged.identify(path)
                && previous
                    .identify(path)
                    .is_some_and(|old| same_inode(&old, &id))
                && matching(&self.staged, path, &bytes).is_some()
            {
                return Ok(Some(id));
            }
            self.staged.remove_file(path)?;
        } else {
            self.staged.create_parents(path)?;
        }
        if let Some(previous) = &self.previous {
            // Any failure to link (another file system, a link limit) just means writing it.
            if let Some(id) = matching(previous, path, &bytes)
                && self.staged.link_from(previous, path).is_ok()
            {
                return Ok(Some(id));
            }
        }
        self.fresh
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(path.to_owned());
        let mut file = self.staged.create(path)?;
        file.write_all(&bytes)?;
        Ok(FileId::of(&file.metadata()?))
    }
}

/// Whether two identities are one file. Only Unix has inode numbers to tell.
fn same_inode(a: &FileId, b: &FileId) -> bool {
    cfg!(unix) && a.dev == b.dev && a.ino == b.ino
}

/// Whether `path` in `dir` is a regular file with exactly these bytes. The length is compared
/// first, so a changed file is rarely read, and then a chunk at a time, stopping at the first
/// difference (and allocating nothing: a rebuild compares every file of the site). Reading stops
/// at the length the file had: a file that grows meanwhile is being changed by hand, like one
/// changed after it is linked, which no check here could prevent.
#[cfg(test)]
fn holds_exactly(path: &Path, bytes: &[u8]) -> bool {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    Dir::open(parent)
        .ok()
        .and_then(|dir| matching(&dir, &name.to_string_lossy(), bytes))
        .is_some()
}

/// [`holds_exactly`], returning the file's identity when it does.
fn matching(dir: &Dir, path: &str, bytes: &[u8]) -> Option<FileId> {
    use std::io::Read as _;
    let id = dir.identify(path)?;
    if id.size != bytes.len() as u64 {
        return None;
    }
    let mut file = dir.open_file(path).ok()?;
    let mut chunk = [0u8; 64 * 1024];
    bytes
        .chunks(chunk.len())
        .all(|expected| {
            let read = &mut chunk[..expected.len()];
            file.read_exact(read).is_ok() && read == expected
        })
        .then_some(id)
}

/// What tells one folder from another at the same path: device and inode on Unix, and the
/// creation time where the OS records one (so a folder made by hand that reuses a deleted
/// folder's inode number is still told apart).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FolderId(String);

impl FolderId {
    fn of(path: &Path) -> io::Result<FolderId> {
        let meta = fs::symlink_metadata(path)?;
        let mut parts = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            parts.push(format!("device {} inode {}", meta.dev(), meta.ino()));
        }
        if let Ok(created) = meta.created()
            && let Ok(since) = created.duration_since(std::time::UNIX_EPOCH)
        {
            parts.push(format!(
                "created {}.{:09}",
                since.as_secs(),
                since.subsec_nanos()
            ));
        }
        if parts.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this system tells folders apart neither by inode nor by creation time",
            ));
        }
        Ok(FolderId(parts.join(" ")))
    }
}

/// `.public.kneeguide.build` beside `public/`: the identities of the folders kneeguide made
/// there. Beside, not inside, so that nothing build-internal is uploaded with the site; named
/// like the lock, not like a staging folder (`.public.kneeguide-*`), which it is not.
pub fn marker_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy());
    output.with_file_name(format!(".{name}.kneeguide.build"))
}

/// Replaces the marker in one rename, so it is always either the old list or the new one.
fn write_marker(output: &Path, vouched: &[FolderId]) -> io::Result<()> {
    let path = marker_path(output);
    let mut text = MARKER_HEADER.to_owned();
    for id in vouched {
        text.push_str(&id.0);
        text.push('\n');
    }
    let mut new = path.clone().into_os_string();
    new.push(".new");
    fs::write(&new, text)?;
    fs::rename(&new, &path)
}

/// Whether `folder` is one that kneeguide made at `output`: the marker beside `output` vouches
/// for its identity, or it still has the marker older versions wrote inside it.
fn made_by_kneeguide_at(output: &Path, folder: &Path) -> bool {
    if folder.join(LEGACY_MARKER_FILE).is_file() {
        return true;
    }
    let Ok(id) = FolderId::of(folder) else {
        return false;
    };
    fs::read_to_string(marker_path(output)).is_ok_and(|text| {
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .any(|line| line == id.0)
    })
}

fn made_by_kneeguide(output: &Path) -> bool {
    fs::symlink_metadata(output).is_ok_and(|m| m.is_dir()) && made_by_kneeguide_at(output, output)
}

/// `.public.kneeguide-spare` beside `public/`: the previous site's folder, kept after a swap as a
/// copy of the new site made of hard links (the same files, no second copy of the bytes). The
/// next build recycles it as its staging folder, where every unchanged file is already in place:
/// no folder to make and no file to link per page, and no old site to delete after the swap.
pub fn spare_path(output: &Path) -> PathBuf {
    output.with_file_name(format!("{}spare", staging_prefix(output)))
}

/// `.public.kneeguide.paths` beside `public/`: every file of the site there, with the identity
/// of that folder and of the spare that holds the same files (if any). Without it, or when an
/// identity differs, the spare is not used and the old site is deleted whole.
pub fn paths_list_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy());
    output.with_file_name(format!(".{name}.kneeguide.paths"))
}

const PATHS_HEADER: &str =
    "# Written by `kneeguide build`: the files of the site beside this file.\n";

struct PathsList {
    spare: Option<FolderId>,
    paths: HashSet<String>,
}

/// The list beside `output`, when it describes the folder there now.
fn read_paths_list(output: &Path) -> Option<PathsList> {
    let text = fs::read_to_string(paths_list_path(output)).ok()?;
    let mut lines = text.strip_prefix(PATHS_HEADER)?.lines();
    let live = lines.next()?.strip_prefix("site ")?;
    if FolderId::of(output).ok()?.0 != live {
        return None;
    }
    let spare = match lines.next()?.strip_prefix("spare ")? {
        "-" => None,
        id => Some(FolderId(id.to_owned())),
    };
    let mut paths = HashSet::new();
    for line in lines {
        if line == "end" {
            return Some(PathsList { spare, paths });
        }
        paths.insert(line.strip_prefix("file ")?.to_owned());
    }
    None // cut short
}

/// Best effort, in one rename: a list that cannot be written is removed, so none is trusted.
fn write_paths_list(
    output: &Path,
    site: &FolderId,
    spare: Option<&FolderId>,
    paths: &HashSet<String>,
) {
    let path = paths_list_path(output);
    let listable = paths.iter().all(|p| !p.contains(['\n', '\r']));
    let spare = spare.filter(|_| listable).map_or("-", |id| id.0.as_str());
    let mut text = format!("{PATHS_HEADER}site {}\nspare {spare}\n", site.0);
    if listable {
        let mut sorted: Vec<&String> = paths.iter().collect();
        sorted.sort();
        for file in sorted {
            text.push_str("file ");
            text.push_str(file);
            text.push('\n');
        }
        text.push_str("end\n");
    }
    let mut new = path.clone().into_os_string();
    new.push(".new");
    if fs::write(&new, text)
        .and_then(|()| fs::rename(&new, &path))
        .is_err()
    {
        let _ = fs::remove_file(&new);
        let _ = fs::remove_file(&path);
    }
}

/// Turns the old site `old` (whose files were `old_paths`) into the spare: a copy of the new
/// site at `output` (files `paths`, of which `fresh` are new files) made of hard links.
/// Returns the spare's identity; `None` when it could not be made (the old site is then
/// deleted as before).
fn make_spare(
    old: &Path,
    old_paths: &HashSet<String>,
    output: &Path,
    paths: &HashSet<String>,
    fresh: &HashSet<String>,
) -> Option<FolderId> {
    // Test-only, as for `remove_old_site`.
    if std::env::var("KNEEGUIDE_TEST_FAULT").is_ok_and(|fault| fault == "remove-old") {
        return None;
    }
    for path in old_paths.difference(paths) {
        remove_with_empty_folders(old, path).ok()?;
    }
    for path in fresh {
        let target = old.join(path);
        remove_if_there(&target).ok()?;
        if let Some(parent) = target.parent()
            && fs::create_dir_all(parent).is_err()
        {
            return None;
        }
        fs::hard_link(output.join(path), &target).ok()?;
    }
    let spare = spare_path(output);
    if exists(&spare) {
        fs::remove_dir_all(&spare).ok()?;
    }
    fs::rename(old, &spare).ok()?;
    FolderId::of(&spare).ok()
}

/// Removes the file `path` under `root` (if it is there), then each folder above it that is left
/// empty.
fn remove_with_empty_folders(root: &Path, path: &str) -> io::Result<()> {
    check_relative(path)?;
    remove_if_there(&root.join(path))?;
    for folder in Path::new(path).ancestors().skip(1) {
        if folder.as_os_str().is_empty() || fs::remove_dir(root.join(folder)).is_err() {
            break;
        }
    }
    Ok(())
}

/// Removes a file; one that is not there is no error.
fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

fn remove_old_site(old: &Path, new_paths: &HashSet<String>) -> io::Result<()> {
    // Test-only: removal failures (a busy or read-only disk) cannot be made on demand as root.
    if std::env::var("KNEEGUIDE_TEST_FAULT").is_ok_and(|fault| fault == "remove-old") {
        return Err(io::Error::other("injected by KNEEGUIDE_TEST_FAULT"));
    }
    remove_known_then_rest(old, new_paths)
}

/// Removes the folder `root`, which mostly holds the same paths as the new site: those are
/// removed by name (no folder is listed, which is most of what `fs::remove_dir_all` costs with
/// one folder per page), their folders deepest first, then whatever is left (the files of
/// removed pages) by `fs::remove_dir_all`. A file is removed by name only below folders checked
/// to be real folders, so that no symbolic link in `root` is followed; anything else there is
/// left to the last step, which never follows links.
fn remove_known_then_rest(root: &Path, paths: &HashSet<String>) -> io::Result<()> {
    let mut folders: Vec<&Path> = paths
        .iter()
        .flat_map(|path| Path::new(path.as_str()).ancestors().skip(1))
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Parents before children: a folder is real when its parent is and it is not a link.
    folders.sort_by_key(|dir| dir.components().count());
    let mut real: HashSet<&Path> = HashSet::new();
    for dir in &folders {
        let parent_real = dir
            .parent()
            .is_none_or(|p| p.as_os_str().is_empty() || real.contains(p));
        if parent_real && fs::symlink_metadata(root.join(dir)).is_ok_and(|m| m.is_dir()) {
            real.insert(dir);
        }
    }
    for path in paths {
        let parent = Path::new(path.as_str()).parent();
        if parent.is_none_or(|p| p.as_os_str().is_empty() || real.contains(p)) {
            let _ = fs::remove_file(root.join(path));
        }
    }
    for dir in folders.iter().rev().filter(|dir| real.contains(*dir)) {
        let _ = fs::remove_dir(root.join(dir));
    }
    match fs::remove_dir(root) {
        Ok(()) => Ok(()),
        Err(_) => fs::remove_dir_all(root),
    }
}

fn io_failure(path: &Path, error: io::Error) -> Diagnostic {
    Diagnostic::error(
        "E032",
        format!("cannot write the site to {}: {error}", path.display()),
    )
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// An output folder inside the folders the site is read from would be read back by the next
/// build (and published inside itself): refuse it, and refuse one that holds the site.
fn refuse_source_folders(output: &Path, site_root: &Path) -> Result<(), Diagnostic> {
    let refuse = |why: &str| {
        Err(Diagnostic::error(
            "E070",
            format!("refusing to build into {}: {why}", output.display()),
        )
        .with_help(
            "choose an --output outside content/ and themes/, such as public/ (the default)",
        ))
    };
    if site_root.starts_with(output) {
        return refuse("it contains the site's own files");
    }
    for source in [crate::content::CONTENT_DIR, crate::theme_config::THEMES_DIR] {
        if output.starts_with(site_root.join(source)) {
            return refuse(&format!(
                "it is inside {source}/, which the site is built from"
            ));
        }
    }
    if output == site_root.join(crate::config::CONFIG_FILE) {
        return refuse("it is the site's configuration file");
    }
    Ok(())
}

/// kneeguide only replaces a folder it made (the marker beside it vouches for it) or an empty one.
fn check_replaceable(output: &Path) -> Result<(), Diagnostic> {
    if !exists(output) {
        return Ok(());
    }
    let is_dir = fs::symlink_metadata(output).is_ok_and(|m| m.is_dir());
    let is_empty = fs::read_dir(output)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if is_dir && (is_empty || made_by_kneeguide(output)) {
        Ok(())
    } else {
        Err(Diagnostic::error(
            "E032",
            format!(
                "refusing to replace {}: it was not made by kneeguide ({} beside it does not \
                 name this folder); delete it or choose another --output",
                output.display(),
                marker_path(output).display()
            ),
        ))
    }
}

/// `.public.kneeguide.lock` beside `public/` (not a staging name: clean-up never sees it). The
/// file is never deleted: deleting a lock file lets a waiting build lock a file no one else can
/// see any more.
pub fn lock_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy());
    output.with_file_name(format!(".{name}.kneeguide.lock"))
}

fn old_copy_path(output: &Path) -> PathBuf {
    output.with_file_name(format!("{}old", staging_prefix(output)))
}

/// Takes the exclusive lock beside `output`, waiting for another build that holds it. Waiting
/// (rather than failing) lets a second build, which has the newer content, publish after the
/// first, and the lock goes with its holder's process, so a killed build never blocks the next.
fn lock_output(output: &Path, on_wait: &dyn Fn(&str)) -> Result<fs::File, Diagnostic> {
    let path = lock_path(output);
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io_failure(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            let who = if holder.is_empty() {
                String::new()
            } else {
                format!(" (process {holder})")
            };
            on_wait(&format!(
                "Waiting for another build into {}{who} to finish (lock: {})...",
                output.display(),
                path.display()
            ));
            file.lock().map_err(|e| io_failure(&path, e))?;
        }
        Err(fs::TryLockError::Error(error)) => return Err(io_failure(&path, error)),
    }
    // Who holds it, for the next build's message.
    let _ = file.set_len(0);
    let _ = (&file).write_all(std::process::id().to_string().as_bytes());
    Ok(file)
}

/// A build killed between the two renames of the fallback swap leaves no output folder and the
/// whole previous site as `.NAME.kneeguide-old`: put it back. With the output in place, a
/// leftover old copy is deleted.
fn restore_interrupted_swap(output: &Path) -> io::Result<Option<Diagnostic>> {
    let old = old_copy_path(output);
    if !exists(&old) {
        return Ok(None);
    }
    if !exists(output) && made_by_kneeguide_at(output, &old) {
        fs::rename(&old, output)?;
        return Ok(Some(Diagnostic::warning(
            "W041",
            format!(
                "an interrupted build had left no {}: the previous site was restored from {}",
                output.display(),
                old.display()
            ),
        )));
    }
    if exists(output) {
        // Best effort, like any leftover: the two-rename swap clears it again before use.
        let _ = fs::remove_dir_all(&old);
    }
    Ok(None)
}

/// Puts `staged` in place of the existing `output`; returns where the old site now is.
fn swap(staged: &Path, output: &Path) -> io::Result<Option<PathBuf>> {
    match exchange(staged, output) {
        // The old site now has the staging folder's name.
        Ok(()) => Ok(Some(staged.to_path_buf())),
        Err(error) if exchange_unsupported(&error) => swap_with_two_renames(staged, output),
        Err(error) => Err(error),
    }
}

/// One atomic exchange: at every instant `output` is either the old site or the new one.
#[cfg(target_os = "linux")]
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
pub fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Kernels or file systems without RENAME_EXCHANGE say so with one of these.
fn exchange_unsupported(error: &io::Error) -> bool {
    const EINVAL: i32 = 22;
    const ENOSYS: i32 = 38;
    const EOPNOTSUPP: i32 = 95;
    error.kind() == io::ErrorKind::Unsupported
        || matches!(error.raw_os_error(), Some(EINVAL | ENOSYS | EOPNOTSUPP))
}

/// Where the OS has no atomic exchange: old output aside, new one into place (a single rename
/// onto a non-empty folder fails). A kill between the two leaves the old site aside, which the
/// next build restores (`restore_interrupted_swap`).
pub fn swap_with_two_renames(staged: &Path, output: &Path) -> io::Result<Option<PathBuf>> {
    let aside = old_copy_path(output);
    if exists(&aside) {
        fs::remove_dir_all(&aside)?;
    }
    fs::rename(output, &aside)?;
    if let Err(error) = fs::rename(staged, output) {
        // Put the last good site back before reporting.
        let _ = fs::rename(&aside, output);
        return Err(error);
    }
    Ok(Some(aside))
}

fn staging_prefix(output: &Path) -> String {
    let name = output
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy());
    format!(".{name}.kneeguide-")
}

/// Staging folders of builds that were killed half-way. Called only under the output's lock,
/// which every live build holds from `begin` to `commit`: none of these can be a live build's.
/// The old copy is left to `restore_interrupted_swap`.
fn remove_stale_staging(parent: &Path, output: &Path) {
    let prefix = staging_prefix(output);
    let old_copy = old_copy_path(output);
    let spare = spare_path(output);
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir
            && entry.file_name().to_string_lossy().starts_with(&prefix)
            && path != old_copy
            && path != spare
        {
            let _ = fs::remove_dir_all(path);
        }
    }
}

/// `path` with symbolic links resolved in the part of it that exists, so that a link into
/// `content/` cannot hide where the output really is.
fn resolved(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
    let mut out = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_path_buf());
    out.extend(rest.iter().rev());
    out
}

fn absolute(path: &Path) -> io::Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    // Resolve `..` without requiring the path to exist.
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        let sink = MemorySink::default();
        for bad in ["../x", "/etc/passwd", "a/../../b", "a\\b", ""] {
            assert!(sink.put(bad, vec![]).is_err(), "{bad}");
        }
        sink.put("a/b/index.html", vec![1]).unwrap();
        assert!(sink.put("a/b/index.html", vec![2]).is_err());
    }

    #[test]
    fn staging_replaces_the_output_whole() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("site");
        fs::create_dir_all(&root).unwrap();
        let output = temp.path().join("public");
        let first = Staging::begin(&output, &root, &|_| {}).unwrap();
        first.put("old.html", b"old".to_vec()).unwrap();
        first.commit().unwrap();
        let second = Staging::begin(&output, &root, &|_| {}).unwrap();
        second.put("new.html", b"new".to_vec()).unwrap();
        second.commit().unwrap();
        assert!(!output.join("old.html").exists());
        assert_eq!(fs::read(output.join("new.html")).unwrap(), b"new");
        let leftovers: Vec<_> = fs::read_dir(temp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        // The site, the output and, beside it, the lock, the marker, the list of the site's
        // files and the spare (the old site, now a copy of the new one made of hard links).
        assert_eq!(leftovers.len(), 6, "{leftovers:?}");
        assert!(spare_path(&output).join("new.html").is_file());
        assert!(!spare_path(&output).join("old.html").exists());
    }

    #[test]
    fn only_a_regular_file_with_the_same_bytes_is_kept() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("page.html");
        // Longer than one read chunk, so the comparison goes on past the first.
        let bytes: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&file, &bytes).unwrap();
        assert!(holds_exactly(&file, &bytes));
        let mut last_differs = bytes.clone();
        *last_differs.last_mut().unwrap() ^= 1;
        assert!(!holds_exactly(&file, &last_differs));
        assert!(!holds_exactly(&file, &bytes[1..]));
        assert!(!holds_exactly(&temp.path().join("missing"), b""));
        #[cfg(unix)]
        {
            let link = temp.path().join("link.html");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert!(
                !holds_exactly(&link, &bytes),
                "a symbolic link is never kept"
            );
        }
    }

    #[test]
    fn an_old_site_is_removed_whole_and_links_in_it_are_not_followed() {
        let temp = tempfile::tempdir().unwrap();
        let old = temp.path().join("old");
        let kept = temp.path().join("kept");
        fs::create_dir_all(old.join("a/b")).unwrap();
        fs::create_dir_all(old.join("gone/page")).unwrap();
        fs::create_dir_all(&kept).unwrap();
        fs::write(kept.join("precious"), "keep").unwrap();
        let mut new_paths = HashSet::new();
        for i in 0..50 {
            fs::write(old.join(format!("a/b/{i}.html")), "x").unwrap();
            new_paths.insert(format!("a/b/{i}.html"));
        }
        fs::write(old.join("index.html"), "x").unwrap();
        new_paths.insert("index.html".to_owned());
        // Only in the old site: a removed page, and a link where the new site has a file.
        fs::write(old.join("gone/page/index.html"), "x").unwrap();
        new_paths.insert("new/index.html".to_owned());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&kept, old.join("a/link")).unwrap();
            std::os::unix::fs::symlink(&kept, old.join("linked")).unwrap();
            new_paths.insert("linked/precious".to_owned());
        }
        remove_known_then_rest(&old, &new_paths).unwrap();
        assert!(!old.exists());
        assert_eq!(fs::read_to_string(kept.join("precious")).unwrap(), "keep");
    }

    #[test]
    fn refuses_folders_it_did_not_make() {
        let temp = tempfile::tempdir().unwrap();
        let output = temp.path().join("documents");
        fs::create_dir_all(&output).unwrap();
        fs::write(output.join("thesis.txt"), "precious").unwrap();
        let site = temp.path().join("site");
        assert!(Staging::begin(&output, &site, &|_| {}).is_err());
        assert!(Staging::begin(temp.path(), &site, &|_| {}).is_err());
    }
}
