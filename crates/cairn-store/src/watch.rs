//! Telling whether a store changed since it was read, without reading it again, so that the
//! browser can reload on its own when another tool changes the store.

use super::lockfile::{LockFile, Token};
use sha2::{Digest, Sha256};
use std::fmt::Debug;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// What was seen of a store when it was read: one probe per thing that changes when the
/// store does. Each backend adds the probes its tools leave traces in.
#[derive(Debug, Clone, Default)]
pub struct Watch(Vec<Arc<dyn Probe>>);

/// One thing that changes when the store does, asked about once a second by the browser.
pub trait Probe: Debug + Send + Sync {
    /// True when it differs from what was seen when the store was read; also when it cannot
    /// be looked at any more (a reload then says what is wrong).
    fn changed(&self) -> bool;

    /// Why the probe cannot ask its store now, when it asks it over the network and keeps
    /// trying (a registry that does not answer): the browser says so until it answers.
    fn unreachable(&self) -> Option<Unreachable> {
        None
    }
}

/// A store that keeps failing to answer, told to the user rather than retried silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// The first failure of this run of failures.
    pub since: SystemTime,
    /// The last failure, in words.
    pub error: String,
    /// When it is asked again.
    pub next_try: SystemTime,
}

/// A lock file's "last write" token: podman and buildah write a new one before each change,
/// and cairn does on its own lock files.
#[derive(Debug)]
struct LockProbe(PathBuf, Token);

impl Probe for LockProbe {
    fn changed(&self) -> bool {
        match LockFile::open_existing(&self.0) {
            Ok(Some(lock)) => lock.token().map_or(true, |now| now != self.1),
            _ => true,
        }
    }
}

/// A file's content, for stores whose tools take no lock (skopeo and umoci write an OCI
/// layout's `index.json` without one). `None`: the file could not be read.
#[derive(Debug)]
struct FileProbe(PathBuf, Option<[u8; 32]>);

impl Probe for FileProbe {
    fn changed(&self) -> bool {
        fingerprint(&self.0) != self.1
    }
}

impl Watch {
    /// Watches a lock file whose token was `token` when the store was read.
    pub fn lock(&mut self, path: &Path, token: Token) {
        self.probe(LockProbe(path.to_path_buf(), token));
    }

    /// Watches a small file's content (it is read whole every time it is checked).
    pub fn file(&mut self, path: &Path) {
        self.probe(FileProbe(path.to_path_buf(), fingerprint(path)));
    }

    /// Watches whatever else a backend knows to change with its store.
    pub fn probe(&mut self, probe: impl Probe + 'static) {
        self.0.push(Arc::new(probe));
    }

    /// True when a tool has written to the store since it was read.
    pub fn changed(&self) -> bool {
        self.0.iter().any(|probe| probe.changed())
    }

    /// Why the store cannot be asked whether it changed, while that lasts.
    pub fn unreachable(&self) -> Option<Unreachable> {
        self.0.iter().find_map(|probe| probe.unreachable())
    }
}

/// The most of a watched file that is read: `index.json` of a big layout fits many times.
const FINGERPRINT_LIMIT: u64 = 256 << 20;

/// The content's hash, read as a store file must be: never through a link (which could lead
/// outside the store), from a FIFO (which would block) or a device, and bounded.
fn fingerprint(path: &Path) -> Option<[u8; 32]> {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(FINGERPRINT_LIMIT).read_to_end(&mut bytes).ok()?;
    Some(Sha256::digest(bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watched_file_that_changes_or_goes_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.json");
        std::fs::write(&path, b"{}").unwrap();
        let mut watch = Watch::default();
        watch.file(&path);
        assert!(!watch.changed());
        std::fs::write(&path, b"{}").unwrap();
        assert!(!watch.changed(), "rewriting the same content is no change");
        std::fs::write(&path, b"{\"manifests\":[]}").unwrap();
        assert!(watch.changed());
        let mut watch = Watch::default();
        watch.file(&path);
        std::fs::remove_file(&path).unwrap();
        assert!(watch.changed());
    }

    #[test]
    fn a_watched_file_that_is_a_fifo_or_a_link_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("index.json");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        assert_eq!(
            fingerprint(&fifo),
            None,
            "a FIFO is neither waited on nor read"
        );
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_eq!(fingerprint(&link), None, "a link is not followed");
    }
}
