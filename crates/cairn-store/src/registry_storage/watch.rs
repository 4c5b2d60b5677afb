//! Watching a registry's storage folder for changes the registry makes (a push, a DELETE, a
//! garbage collection), as the browser watches the other stores on disk. Distribution takes
//! no lock and rewrites a tag's `current/link` in place, so the probe fingerprints what the
//! browser shows: every repository's tags (each tag's link file: its inode, size and
//! modification time), its revisions, and the blob folders (their modification times change
//! when a blob comes or goes). Only folders are listed and link files stat'ed, never followed
//! through a symbolic link. A big storage takes a while to look at (a fifth of a second for
//! 10,000 tags on a loaded machine), so the probe spends at most a twentieth of the time
//! looking: after a look that took `t`, it looks again no sooner than `20 t` after it began.

use crate::watch::Probe;
use sha2::{Digest as _, Sha256};
use std::io;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// The probe looks for at most 1/`DUTY` of the time.
const DUTY: u32 = 20;

/// Repositories nest (`library/base`) as folders; distribution allows a name of up to 255
/// characters, so no deeper than this.
const MAX_DEPTH: usize = 128;

/// The storage's `docker/registry/v2` as it was when the store was read.
#[derive(Debug)]
pub struct StorageProbe {
    v2: PathBuf,
    /// `None`: it could not be looked at.
    seen: Option<[u8; 32]>,
    /// Not before then.
    due: Mutex<Instant>,
}

impl StorageProbe {
    /// Fingerprints `v2` now: taken before the store is read, so that a change made while it
    /// is read is a change (read again), never one missed.
    pub fn new(v2: &Path) -> Self {
        let start = Instant::now();
        let seen = fingerprint(v2);
        StorageProbe {
            v2: v2.to_path_buf(),
            seen,
            due: Mutex::new(next_look(start, Instant::now())),
        }
    }

    /// Whether the storage differs now from what was seen.
    fn differs(&self) -> bool {
        fingerprint(&self.v2) != self.seen
    }
}

/// When to look again after a look from `start` to `end`.
fn next_look(start: Instant, end: Instant) -> Instant {
    start + end.duration_since(start).saturating_mul(DUTY)
}

impl Probe for StorageProbe {
    /// No change while the last look is too recent to look again.
    fn changed(&self) -> bool {
        let mut due = crate::registry::lock(&self.due);
        let start = Instant::now();
        if start < *due {
            return false;
        }
        let differs = self.differs();
        *due = next_look(start, Instant::now());
        differs
    }
}

fn fingerprint(v2: &Path) -> Option<[u8; 32]> {
    let mut hash = Sha256::new();
    repositories(&v2.join("repositories"), "", 0, &mut hash).ok()?;
    let blobs = v2.join("blobs");
    for algorithm in folders(&blobs).ok()? {
        for prefix in folders(&blobs.join(&algorithm)).ok()? {
            let at = blobs.join(&algorithm).join(&prefix);
            let meta = std::fs::symlink_metadata(&at).ok()?;
            hash.update(format!(
                "blobs {algorithm}/{prefix} {}.{}\n",
                meta.mtime(),
                meta.mtime_nsec()
            ));
        }
    }
    Some(hash.finalize().into())
}

/// Walks the repositories as distribution's catalog does: a folder holding `_manifests` or
/// `_layers` is one; other folders starting with `_` are skipped; the rest are walked into.
fn repositories(dir: &Path, name: &str, depth: usize, hash: &mut Sha256) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::other("repositories nest too deep"));
    }
    let entries = folders(dir)?;
    if entries.iter().any(|e| e == "_manifests" || e == "_layers") {
        hash.update(format!("repository {name}\n"));
        let tags = dir.join("_manifests/tags");
        for tag in folders(&tags)? {
            let link = tags.join(&tag).join("current/link");
            match std::fs::symlink_metadata(&link) {
                Ok(meta) => hash.update(format!(
                    "tag {tag} {} {} {}.{}\n",
                    meta.ino(),
                    meta.size(),
                    meta.mtime(),
                    meta.mtime_nsec()
                )),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    hash.update(format!("tag {tag} -\n"))
                }
                Err(e) => return Err(e),
            }
        }
        let revisions = dir.join("_manifests/revisions");
        for algorithm in folders(&revisions)? {
            for hex in folders(&revisions.join(&algorithm))? {
                hash.update(format!("revision {algorithm}:{hex}\n"));
            }
        }
    }
    for entry in entries.iter().filter(|e| !e.starts_with('_')) {
        let child = match name {
            "" => entry.clone(),
            _ => format!("{name}/{entry}"),
        };
        repositories(&dir.join(entry), &child, depth + 1, hash)?;
    }
    Ok(())
}

/// The folders in `dir` (not links to one), sorted; none when `dir` is not there (the
/// registry makes its folders as it first needs them).
fn folders(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_tag_or_revision_that_comes_goes_or_moves_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let v2 = dir.path().join("docker/registry/v2");
        let repo = v2.join("repositories/library/base");
        let tag = repo.join("_manifests/tags/1/current/link");
        write(&tag, "sha256:aa");
        write(
            &repo.join("_manifests/revisions/sha256/aa/link"),
            "sha256:aa",
        );
        let probe = StorageProbe::new(&v2);
        assert!(!probe.differs());
        assert!(!probe.differs(), "looking changes nothing");
        // distribution rewrites the link in place when the tag moves
        let file = std::fs::OpenOptions::new().write(true).open(&tag).unwrap();
        file.set_modified(std::time::SystemTime::UNIX_EPOCH)
            .unwrap();
        assert!(probe.differs());
        let probe = StorageProbe::new(&v2);
        write(
            &repo.join("_manifests/revisions/sha256/bb/link"),
            "sha256:bb",
        );
        assert!(probe.differs());
        let probe = StorageProbe::new(&v2);
        std::fs::remove_dir_all(repo.join("_manifests/tags/1")).unwrap();
        assert!(probe.differs());
        let probe = StorageProbe::new(&v2);
        write(
            &v2.join("repositories/new/_layers/sha256/cc/link"),
            "sha256:cc",
        );
        assert!(probe.differs(), "a new repository");
        let probe = StorageProbe::new(&v2);
        write(
            &v2.join("repositories/new/_layers/sha256/dd/link"),
            "sha256:dd",
        );
        assert!(!probe.differs(), "a blob linked is no image");
        let probe = StorageProbe::new(&v2);
        std::fs::create_dir_all(v2.join("blobs/sha256/cc/cc00")).unwrap();
        assert!(probe.differs(), "a blob came");
    }

    #[test]
    fn a_look_that_took_t_is_followed_by_none_for_20_t() {
        let start = Instant::now();
        let end = start + std::time::Duration::from_millis(200);
        assert_eq!(
            next_look(start, end),
            start + std::time::Duration::from_secs(4)
        );
    }

    #[test]
    fn a_folder_that_links_elsewhere_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let v2 = dir.path().join("v2");
        let outside = dir.path().join("outside");
        write(&outside.join("_manifests/tags/1/current/link"), "sha256:aa");
        std::fs::create_dir_all(v2.join("repositories")).unwrap();
        std::os::unix::fs::symlink(&outside, v2.join("repositories/evil")).unwrap();
        let probe = StorageProbe::new(&v2);
        std::fs::remove_dir_all(outside.join("_manifests/tags/1")).unwrap();
        assert!(!probe.differs(), "what a link leads to is not the store");
    }
}
