//! A layout's files reached only beneath its folder: nothing is read, written or deleted
//! outside it, whatever links its contents hold.
//!
//! Every path is walked one component at a time from a descriptor of the layout's folder,
//! each step an `openat` with `O_NOFOLLOW` (and `O_DIRECTORY` for folders), so the kernel
//! refuses a symbolic link at any depth instead of following it. Checks on
//! `symlink_metadata` followed by a path-based open or delete would leave a window in which a
//! folder could be swapped for a link; a descriptor chain has no such window, and works on
//! every kernel (`openat2`'s `RESOLVE_BENEATH` would too, but container seccomp profiles
//! often refuse it). Names come from validated digests or from the folder's own listing, so
//! no component is ever `..` or contains `/`.

use crate::regular_file::{self, describe};
use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, fstat, openat, statat, unlinkat};
use rustix::io::Errno;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An open layout folder, the anchor of every path below it.
#[derive(Debug, Clone)]
pub struct Confined {
    root: PathBuf,
    fd: Arc<OwnedFd>,
    /// What the folder is, for messages: "the layout", "the store".
    scope: &'static str,
}

/// One entry of a folder, as listed (links are not followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: FileType,
    pub size: u64,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

impl Confined {
    /// Opens the layout's folder itself; the path the user gave is followed, as it names
    /// the layout.
    pub fn open(root: &Path) -> Result<Self> {
        Self::open_as(root, "the layout")
    }

    /// Opens a folder of another kind of store, named `scope` in messages ("the store").
    pub fn open_as(root: &Path, scope: &'static str) -> Result<Self> {
        let fd = rustix::fs::open(
            root,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(std::io::Error::from)
        .with_context(|| format!("opening {scope} {}", root.display()))?;
        Ok(Confined {
            root: root.to_path_buf(),
            fd: Arc::new(fd),
            scope,
        })
    }

    /// The path `parts` name, for messages.
    pub fn display(&self, parts: &[&str]) -> String {
        parts
            .iter()
            .fold(self.root.clone(), |path, part| path.join(part))
            .display()
            .to_string()
    }

    /// The folder `parts` names, `None` when it does not exist; refused when any part is a
    /// link or not a folder.
    pub fn dir(&self, parts: &[&str]) -> Result<Option<OwnedFd>> {
        let mut fd: Option<OwnedFd> = None;
        for (depth, part) in parts.iter().enumerate() {
            let parent = fd.as_ref().unwrap_or(&*self.fd);
            match openat(parent, *part, DIR_FLAGS, Mode::empty()) {
                Ok(next) => fd = Some(next),
                Err(Errno::NOENT) => return Ok(None),
                // The kernel says ENOTDIR or ELOOP for a link: tell which it is.
                Err(e @ (Errno::NOTDIR | Errno::LOOP)) => {
                    let here = &parts[..=depth];
                    return Err(match statat(parent, *part, AtFlags::SYMLINK_NOFOLLOW) {
                        Ok(stat) => {
                            let kind = FileType::from_raw_mode(stat.st_mode);
                            anyhow::anyhow!(self.not_regular(here, kind))
                        }
                        Err(_) => self.refusal(here, e),
                    });
                }
                Err(e) => return Err(self.refusal(&parts[..=depth], e)),
            }
        }
        match fd {
            Some(fd) => Ok(Some(fd)),
            None => Ok(Some(
                openat(&*self.fd, ".", DIR_FLAGS, Mode::empty())
                    .map_err(|e| self.refusal(&[], e))?,
            )),
        }
    }

    /// What a file is, without following a link; `None` when it does not exist.
    pub fn kind(&self, parts: &[&str]) -> Result<Option<(FileType, u64)>> {
        let Some((name, folder)) = parts.split_last() else {
            return Ok(Some((FileType::Directory, 0)));
        };
        let Some(dir) = self.dir(folder)? else {
            return Ok(None);
        };
        self.kind_in(&dir, parts, name)
    }

    /// How many names a file has (0 when it does not exist). A file written in place must
    /// have one: another name could be outside the layout, and writing would change it there.
    pub fn hard_links(&self, parts: &[&str]) -> Result<u64> {
        let Some((name, folder)) = parts.split_last() else {
            return Ok(1);
        };
        let Some(dir) = self.dir(folder)? else {
            return Ok(0);
        };
        match statat(&dir, *name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(stat.st_nlink),
            Err(Errno::NOENT) => Ok(0),
            Err(e) => Err(self.refusal(parts, e)),
        }
    }

    /// Why a file written in place is refused when it has other names.
    pub fn hard_linked(&self, parts: &[&str], links: u64) -> String {
        format!(
            "{} has {links} hard links, so writing it could change a file outside {}: refused",
            self.display(parts),
            self.scope
        )
    }

    fn kind_in(
        &self,
        dir: &OwnedFd,
        parts: &[&str],
        name: &str,
    ) -> Result<Option<(FileType, u64)>> {
        match statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some((
                FileType::from_raw_mode(stat.st_mode),
                u64::try_from(stat.st_size).unwrap_or(0),
            ))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(self.refusal(parts, e)),
        }
    }

    /// A regular file opened for reading, `None` when it does not exist; a link, folder,
    /// FIFO or device is refused without being read (and a FIFO without waiting for a
    /// writer: it is opened non-blocking and checked before any read).
    pub fn open_file(&self, parts: &[&str]) -> Result<Option<File>> {
        let Some((name, folder)) = parts.split_last() else {
            bail!("{} is a folder, not a file", self.root.display());
        };
        let Some(dir) = self.dir(folder)? else {
            return Ok(None);
        };
        // Looked at first, so that a device is never opened at all.
        match self.kind_in(&dir, parts, name)? {
            None => return Ok(None),
            Some((kind, _)) if kind != FileType::RegularFile => {
                bail!(self.not_regular(parts, kind));
            }
            Some(_) => {}
        }
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match openat(&dir, *name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(self.refusal(parts, e)),
        };
        // Checked again on what was opened: the entry may have changed since it was looked at.
        let kind = fstat(&fd)
            .map(|stat| FileType::from_raw_mode(stat.st_mode))
            .map_err(|e| self.refusal(parts, e))?;
        if kind != FileType::RegularFile {
            bail!(self.not_regular(parts, kind));
        }
        Ok(Some(File::from(fd)))
    }

    /// A regular file's bytes, at most `limit` of them (more is an error), `None` when it
    /// does not exist.
    pub fn read(&self, parts: &[&str], limit: u64) -> Result<Option<Vec<u8>>> {
        let Some(file) = self.open_file(parts)? else {
            return Ok(None);
        };
        Ok(Some(regular_file::read_bounded(
            file,
            limit,
            std::path::Path::new(&self.display(parts)),
        )?))
    }

    /// The entries of a folder (`.` and `..` left out), links not followed; `None` when the
    /// folder does not exist.
    pub fn list(&self, parts: &[&str]) -> Result<Option<Vec<Entry>>> {
        let Some(dir) = self.dir(parts)? else {
            return Ok(None);
        };
        let lister = Dir::read_from(&dir).map_err(|e| self.refusal(parts, e))?;
        let mut entries = Vec::new();
        for entry in lister {
            let entry = entry.map_err(|e| self.refusal(parts, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "." || name == ".." {
                continue;
            }
            let stat = match statat(&dir, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) => stat,
                Err(Errno::NOENT) => continue,
                Err(e) => return Err(self.refusal(parts, e)),
            };
            entries.push(Entry {
                name,
                kind: FileType::from_raw_mode(stat.st_mode),
                size: u64::try_from(stat.st_size).unwrap_or(0),
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(entries))
    }

    /// Deletes a regular file (a blob); one that is already gone is fine. The folder is
    /// reached without following links, so the file deleted is the one inside the layout.
    pub fn remove_file(&self, parts: &[&str]) -> Result<()> {
        let Some((name, folder)) = parts.split_last() else {
            bail!("{} is a folder, not a file", self.root.display());
        };
        let Some(dir) = self.dir(folder)? else {
            return Ok(());
        };
        match self.kind_in(&dir, parts, name)? {
            None => return Ok(()),
            Some((kind, _)) if kind != FileType::RegularFile => {
                bail!(self.not_regular(parts, kind));
            }
            Some(_) => {}
        }
        match unlinkat(&dir, *name, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => Ok(()),
            Err(e) => Err(std::io::Error::from(e))
                .with_context(|| format!("removing {}", self.display(parts))),
        }
    }

    /// A lock file, opened to be locked and written in place (read-only where it cannot be
    /// written, which a read lock does not need), created when `create` is set; `None` when
    /// it does not exist. A link is refused: cairn would write its token through it.
    pub fn open_lock(&self, parts: &[&str], create: bool) -> Result<Option<File>> {
        let Some((name, folder)) = parts.split_last() else {
            bail!("{} is a folder, not a file", self.root.display());
        };
        let Some(dir) = self.dir(folder)? else {
            return Ok(None);
        };
        let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let create_flag = if create {
            OFlags::CREATE
        } else {
            OFlags::empty()
        };
        let mode = Mode::from_raw_mode(0o644);
        let opened = match openat(&dir, *name, flags | OFlags::RDWR | create_flag, mode) {
            Err(Errno::ACCESS | Errno::ROFS) if !create => {
                openat(&dir, *name, flags | OFlags::RDONLY, mode)
            }
            other => other,
        };
        let fd = match opened {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(self.refusal(parts, e)),
        };
        let stat = fstat(&fd).map_err(|e| self.refusal(parts, e))?;
        let kind = FileType::from_raw_mode(stat.st_mode);
        if kind != FileType::RegularFile {
            bail!(self.not_regular(parts, kind));
        }
        let links = stat.st_nlink;
        if create && links > 1 {
            bail!(self.hard_linked(parts, links));
        }
        Ok(Some(File::from(fd)))
    }

    /// Why an entry that is not a regular file is refused.
    pub fn not_regular(&self, parts: &[&str], kind: FileType) -> String {
        let path = self.display(parts);
        match kind {
            FileType::Symlink => {
                format!(
                    "{path} is a symbolic link, which could lead outside {}: refused",
                    self.scope
                )
            }
            FileType::Directory => format!("{path} is a folder, not a file: refused"),
            FileType::RegularFile => format!("{path} is a file, not a folder: refused"),
            other => format!(
                "{path} is not a regular file ({}): refused",
                describe(other)
            ),
        }
    }

    /// An error of the kernel told in the layout's terms: a link or a file where a folder
    /// should be is named as such.
    fn refusal(&self, parts: &[&str], errno: Errno) -> anyhow::Error {
        let path = self.display(parts);
        match errno {
            Errno::LOOP => anyhow::anyhow!(
                "{path} is a symbolic link, which could lead outside {}: refused",
                self.scope
            ),
            Errno::NOTDIR => anyhow::anyhow!("{path} is not a folder: refused"),
            other => {
                anyhow::Error::from(std::io::Error::from(other)).context(format!("opening {path}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_leaves_out_dot_and_dot_dot() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("blobs")).unwrap();
        std::fs::write(dir.path().join("blobs/x"), b"1").unwrap();
        let confined = Confined::open(dir.path()).unwrap();
        let names: Vec<String> = confined
            .list(&["blobs"])
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["x"]);
    }

    #[test]
    fn a_link_anywhere_on_the_way_is_refused_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(outside.path().join("sha256")).unwrap();
        std::fs::write(outside.path().join("sha256/x"), b"secret").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("blobs")).unwrap();
        let confined = Confined::open(dir.path()).unwrap();
        for result in [
            confined.read(&["blobs", "sha256", "x"], 10).map(|_| ()),
            confined.remove_file(&["blobs", "sha256", "x"]),
            confined.list(&["blobs", "sha256"]).map(|_| ()),
        ] {
            let error = format!("{:#}", result.unwrap_err());
            assert!(error.contains("blobs is a symbolic link"), "{error}");
        }
        assert!(outside.path().join("sha256/x").is_file());
    }
}
