//! Store files read as store files must be: regular files only, never waiting on a FIFO,
//! never reading a device, and never more than a bound, so that a hostile store cannot hang
//! cairn or exhaust its memory. Every backend reads its files through here (an OCI layout
//! through [`crate::oci::confined`], which opens them without following links and then
//! applies the same checks).
//!
//! A path is looked at before it is opened, so that a device is never opened at all, and
//! what was opened is looked at again, since the entry may have changed in between.

use crate::error::{Result, StoreError};
use anyhow::anyhow;
use rustix::buffer::spare_capacity;
use rustix::fs::{FileType, Mode, OFlags, fstat, stat};
use rustix::io::Errno;
use std::fs::File;
use std::path::Path;

/// A regular file opened for reading, following links as podman does; `None` when it does
/// not exist. Anything else is refused without being read (a FIFO without waiting for a
/// writer: it is opened non-blocking).
pub fn open(path: &Path) -> Result<Option<File>> {
    let opening = |e: Errno| StoreError::io("opening", path, e.into());
    match stat(path) {
        Ok(found) => check(path, FileType::from_raw_mode(found.st_mode))?,
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(opening(e)),
    }
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(opening(e)),
    };
    let opened = fstat(&fd).map_err(opening)?;
    check(path, FileType::from_raw_mode(opened.st_mode))?;
    Ok(Some(File::from(fd)))
}

/// A regular file's bytes, at most `limit` of them (more is an error); `None` when it does
/// not exist.
pub fn read(path: &Path, limit: u64) -> Result<Option<Vec<u8>>> {
    match open(path)? {
        Some(file) => read_bounded(file, limit, path).map(Some),
        None => Ok(None),
    }
}

/// At most `limit` bytes of an opened file; more is an error naming `path`. The buffer is
/// sized from the file's size, so that a file is read in one read (and one more that finds
/// its end): a store's record files are megabytes, and a growing buffer would read them a
/// few kilobytes at a time, copying everything read each time it grew.
pub fn read_bounded(file: File, limit: u64, path: &Path) -> Result<Vec<u8>> {
    let reading = |e: Errno| StoreError::io("reading", path, e.into());
    let size = fstat(&file).map_err(reading)?.st_size;
    let expected = u64::try_from(size).unwrap_or(0).min(limit);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).saturating_add(1));
    loop {
        if bytes.len() == bytes.capacity() {
            // Grown since it was looked at (or a file that tells no size): on, until the
            // end or one byte past the bound.
            let room = usize::try_from(limit)
                .unwrap_or(usize::MAX)
                .saturating_add(1)
                .saturating_sub(bytes.len());
            bytes.reserve(bytes.len().max(8192).min(room));
        }
        match rustix::io::read(&file, spare_capacity(&mut bytes)) {
            Ok(0) => break,
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(e) => return Err(reading(e)),
        }
        if bytes.len() as u64 > limit {
            return Err(StoreError::Other(anyhow!(
                "{} is bigger than the {limit} bytes cairn reads of it: refused",
                path.display()
            )));
        }
    }
    Ok(bytes)
}

fn check(path: &Path, kind: FileType) -> Result<()> {
    match kind {
        FileType::RegularFile => Ok(()),
        // Said as the system says it, as before this check existed.
        FileType::Directory => Err(StoreError::io("reading", path, Errno::ISDIR.into())),
        other => Err(StoreError::Other(anyhow!(
            "{} is not a regular file ({}): refused",
            path.display(),
            describe(other)
        ))),
    }
}

/// A file type in words, for refusals.
pub fn describe(kind: FileType) -> &'static str {
    match kind {
        FileType::RegularFile => "a file",
        FileType::Directory => "a folder",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Unknown => "of unknown type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_a_device_and_a_link_to_one_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        for (path, kind) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (zero.as_path(), "a character device"),
        ] {
            let error = format!("{:#}", read(path, 10).unwrap_err());
            assert!(error.contains(kind), "{error}");
        }
    }

    #[test]
    fn a_file_over_the_bound_is_refused_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read(&path, 5).unwrap().unwrap(), b"12345");
        let error = format!("{:#}", read(&path, 4).unwrap_err());
        assert!(error.contains("bigger than the 4 bytes"), "{error}");
        assert!(read(&dir.path().join("none"), 4).unwrap().is_none());
    }
}
