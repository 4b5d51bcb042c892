//! A folder opened once, and files named relative to it.
//!
//! A site has a folder per page, and a rebuild makes a few calls per page in the output, the
//! staging folder and the previous site (look up, make a folder, link, check). Named from the
//! root (`/home/…/public/causes/dvt/index.html`), every call walks the whole path again, folder
//! by folder; named from an open folder (`causes/dvt/index.html`), only the part inside it.
//! On Linux that is about a fifth of the system time of a one-page rebuild. Elsewhere the same
//! calls are made with joined paths.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What identifies a file's bytes on disk without reading them: a file the build wrote is still
/// that file while its device, inode, size and modification time are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_s: i64,
    pub mtime_ns: u32,
}

impl FileId {
    /// The identity of a regular file; `None` for anything else, or where there is no inode.
    #[cfg(unix)]
    pub fn of(meta: &fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt as _;
        meta.is_file().then(|| FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.len(),
            mtime_s: meta.mtime(),
            mtime_ns: meta.mtime_nsec() as u32,
        })
    }

    /// Without inodes: the size and time only (enough to compare lengths; never one file).
    #[cfg(not(unix))]
    pub fn of(meta: &fs::Metadata) -> Option<FileId> {
        let since = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        meta.is_file().then(|| FileId {
            dev: 0,
            ino: 0,
            size: meta.len(),
            mtime_s: i64::try_from(since.as_secs()).ok()?,
            mtime_ns: since.subsec_nanos(),
        })
    }
}

/// An open folder. It stays the same folder when its path is renamed (the staging folder is
/// swapped in while open) or replaced (a check by identity catches that, as before).
pub struct Dir {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
}

impl Dir {
    /// Opens the folder at `path` (following a symbolic link there, as a path would).
    pub fn open(path: &Path) -> io::Result<Dir> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let fd = rustix::fs::open(
                path,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            Ok(Dir {
                path: path.to_path_buf(),
                fd,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            if !fs::metadata(path)?.is_dir() {
                return Err(io::Error::other("not a folder"));
            }
            Ok(Dir {
                path: path.to_path_buf(),
            })
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The identity of the regular file at `relative` (a symbolic link is not followed, and is
    /// not a regular file).
    pub fn identify(&self, relative: &str) -> Option<FileId> {
        #[cfg(target_os = "linux")]
        {
            let stat =
                rustix::fs::statat(&self.fd, relative, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                    .ok()?;
            file_id(&stat)
        }
        #[cfg(not(target_os = "linux"))]
        {
            FileId::of(&fs::symlink_metadata(self.path.join(relative)).ok()?)
        }
    }

    /// Makes the folders above `relative` that are missing (like `fs::create_dir_all`).
    pub fn create_parents(&self, relative: &str) -> io::Result<()> {
        match Path::new(relative).parent() {
            Some(parent) if !parent.as_os_str().is_empty() => self.create_folders(parent),
            _ => Ok(()),
        }
    }

    fn create_folders(&self, folder: &Path) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            use rustix::io::Errno;
            let mode = rustix::fs::Mode::from_raw_mode(0o777);
            // The folder usually has a parent already: one call then. Else the parents first.
            match rustix::fs::mkdirat(&self.fd, folder, mode) {
                Ok(()) => Ok(()),
                Err(Errno::EXIST) if self.is_folder(folder) => Ok(()),
                Err(Errno::NOENT) => {
                    if let Some(parent) = folder.parent().filter(|p| !p.as_os_str().is_empty()) {
                        self.create_folders(parent)?;
                    }
                    match rustix::fs::mkdirat(&self.fd, folder, mode) {
                        Err(Errno::EXIST) if self.is_folder(folder) => Ok(()),
                        other => other.map_err(io::Error::from),
                    }
                }
                Err(error) => Err(error.into()),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            fs::create_dir_all(self.path.join(folder))
        }
    }

    #[cfg(target_os = "linux")]
    fn is_folder(&self, folder: &Path) -> bool {
        // Followed, as `fs::create_dir_all` does: a link to a folder is a folder to write into.
        rustix::fs::statat(&self.fd, folder, rustix::fs::AtFlags::empty()).is_ok_and(|stat| {
            rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Directory
        })
    }

    /// Hard-links `from`'s file at `relative` to the same path here (not following a symbolic
    /// link at either end).
    pub fn link_from(&self, from: &Dir, relative: &str) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            rustix::fs::linkat(
                &from.fd,
                relative,
                &self.fd,
                relative,
                rustix::fs::AtFlags::empty(),
            )?;
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
            fs::hard_link(from.path.join(relative), self.path.join(relative))
        }
    }

    /// Creates (or truncates) the file at `relative` for writing.
    pub fn create(&self, relative: &str) -> io::Result<fs::File> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let fd = rustix::fs::openat(
                &self.fd,
                relative,
                OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            )?;
            Ok(fs::File::from(fd))
        }
        #[cfg(not(target_os = "linux"))]
        {
            fs::File::create(self.path.join(relative))
        }
    }

    /// Opens the file at `relative` for reading.
    pub fn open_file(&self, relative: &str) -> io::Result<fs::File> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let fd = rustix::fs::openat(
                &self.fd,
                relative,
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            Ok(fs::File::from(fd))
        }
        #[cfg(not(target_os = "linux"))]
        {
            fs::File::open(self.path.join(relative))
        }
    }

    /// Removes the file at `relative`; one that is not there is no error.
    pub fn remove_file(&self, relative: &str) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        let removed = rustix::fs::unlinkat(&self.fd, relative, rustix::fs::AtFlags::empty())
            .map_err(io::Error::from);
        #[cfg(not(target_os = "linux"))]
        let removed = fs::remove_file(self.path.join(relative));
        match removed {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

/// The fields' types differ between architectures (`c_ulong` here, `u64` there).
#[cfg(target_os = "linux")]
#[allow(clippy::useless_conversion)]
fn file_id(stat: &rustix::fs::Stat) -> Option<FileId> {
    let kind = rustix::fs::FileType::from_raw_mode(stat.st_mode);
    (kind == rustix::fs::FileType::RegularFile).then_some(())?;
    Some(FileId {
        dev: u64::from(stat.st_dev),
        ino: u64::from(stat.st_ino),
        size: u64::try_from(stat.st_size).ok()?,
        mtime_s: i64::from(stat.st_mtime),
        mtime_ns: u32::try_from(stat.st_mtime_nsec).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_named_inside_an_open_folder() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        let dir = Dir::open(root).unwrap();
        dir.create_parents("a/b/c.html").unwrap();
        dir.create_parents("a/b/c.html").unwrap(); // already there
        assert!(root.join("a/b").is_dir());
        use std::io::Write as _;
        dir.create("a/b/c.html")
            .unwrap()
            .write_all(b"bytes")
            .unwrap();
        let by_path = FileId::of(&fs::symlink_metadata(root.join("a/b/c.html")).unwrap());
        assert_eq!(dir.identify("a/b/c.html"), by_path);
        assert!(by_path.is_some());
        assert_eq!(dir.identify("a/b"), None, "a folder is not a regular file");
        assert_eq!(dir.identify("a/missing"), None);

        // The same folder after its path is renamed.
        let moved = root.with_extension("moved");
        fs::rename(root, &moved).unwrap();
        let other_root = tempfile::tempdir().unwrap();
        let other = Dir::open(other_root.path()).unwrap();
        other.create_parents("a/b/c.html").unwrap();
        other.link_from(&dir, "a/b/c.html").unwrap();
        assert_eq!(other.identify("a/b/c.html"), by_path, "the same inode");
        let mut text = String::new();
        use std::io::Read as _;
        other
            .open_file("a/b/c.html")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "bytes");
        other.remove_file("a/b/c.html").unwrap();
        other.remove_file("a/b/c.html").unwrap(); // not there: no error
        assert!(!other_root.path().join("a/b/c.html").exists());
        fs::rename(&moved, root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_not_a_file_to_keep() {
        let temp = tempfile::tempdir().unwrap();
        fs::write(temp.path().join("target.html"), "x").unwrap();
        std::os::unix::fs::symlink("target.html", temp.path().join("link.html")).unwrap();
        let dir = Dir::open(temp.path()).unwrap();
        assert!(dir.identify("target.html").is_some());
        assert_eq!(dir.identify("link.html"), None);
    }
}
