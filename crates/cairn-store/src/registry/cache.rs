//! Manifests and configs by digest, kept on disk in the user's cache folder
//! (`$XDG_CACHE_HOME/cairn/registry`, else `~/.cache/cairn/registry`) so that opening a
//! registry again fetches only what changed. What a digest names never changes, and every
//! file is checked against its digest when read, so a damaged or planted file is never used.
//! The folder is kept under a size bound, oldest files going first. A cache that cannot be
//! written only makes cairn slower: its failures are never errors.
//!
//! Next to them, per registry, the [`TagListing`] its last open read: the repositories, their
//! tags and the digest each tag pointed at, and when. Unlike what a digest names, that
//! changes on the registry at any time, so it is only ever shown as what it is, a listing of
//! some age (the browser's first frame, `--cached`), and never used to plan a change.

use crate::digest::Digest;
use crate::regular_file;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What the cache may take on disk.
pub const DEFAULT_LIMIT: u64 = 256 << 20;

/// The largest file the cache keeps: manifests and configs are smaller (see the client's
/// limits).
const FILE_LIMIT: u64 = 4 << 20;

/// The largest listing the cache reads back: 100,000 tags take about 12 MiB.
const LISTING_LIMIT: u64 = 256 << 20;

/// What a registry's last open listed: the mutable part of a registry, which the cache
/// keeps only to show at once what the next open then asks again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagListing {
    /// `HOST[:PORT]` and the one repository read, as the store was given.
    pub host: String,
    pub repository: Option<String>,
    /// When the registry was asked, in seconds since the Unix epoch.
    pub read_at: i64,
    /// Why the listing may be incomplete, as said when it was read.
    pub notes: Vec<String>,
    /// Repository → tag → the manifest digest the tag pointed at.
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    /// Repository → tag → why the registry would not say what the tag points at.
    pub broken: BTreeMap<String, BTreeMap<String, String>>,
    /// Every manifest and config the listing needs, by digest, as text, so that showing it
    /// reads one file instead of thousands. Each is checked against its digest when used,
    /// as the cache's own files are; one that is not text is left to those.
    #[serde(default)]
    pub packed: BTreeMap<String, String>,
}

/// The on-disk cache.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    limit: u64,
}

impl Cache {
    /// The cache in the user's cache folder, if the user has one.
    pub fn user() -> Option<Cache> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| crate::home::user_home().map(|h| h.join(".cache")))?;
        Some(Cache::at(base.join("cairn/registry"), DEFAULT_LIMIT))
    }

    pub fn at(dir: PathBuf, limit: u64) -> Cache {
        Cache { dir, limit }
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(digest.algorithm()).join(digest.hex())
    }

    /// One file per registry and repository named, under a name made of both.
    fn listing_path(&self, host: &str, repository: Option<&str>) -> PathBuf {
        let key = Digest::sha256_of(format!("{host}/{}", repository.unwrap_or("")).as_bytes());
        self.dir
            .join("listings")
            .join(format!("{}.json", key.hex()))
    }

    /// The last listing of `host` (and `repository`), if one was kept and still reads as one.
    pub fn listing(&self, host: &str, repository: Option<&str>) -> Option<TagListing> {
        let path = self.listing_path(host, repository);
        let bytes = read(&path, LISTING_LIMIT)?;
        let listing: TagListing = serde_json::from_slice(&bytes).ok()?;
        let digests_parse = listing
            .tags
            .values()
            .flat_map(BTreeMap::values)
            .all(|d| Digest::parse(d).is_ok());
        (listing.host == host && listing.repository.as_deref() == repository && digests_parse)
            .then_some(listing)
    }

    /// Keeps `listing` as the last one of its registry, in place of the one before.
    pub fn put_listing(&self, listing: &TagListing) {
        let path = self.listing_path(&listing.host, listing.repository.as_deref());
        if let Ok(bytes) = serde_json::to_vec(listing) {
            write(&path, &bytes);
        }
    }

    /// The bytes kept for `digest`, if they are there and still hash to it.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        let bytes = read(&self.path(digest), FILE_LIMIT)?;
        let mut hasher = digest.hasher();
        hasher.update(&bytes);
        (hasher.finish() == digest.hex()).then_some(bytes)
    }

    /// Keeps `bytes`, which the caller checked against `digest`.
    pub fn put(&self, digest: &Digest, bytes: &[u8]) {
        let path = self.path(digest);
        if bytes.len() as u64 > FILE_LIMIT || path.exists() {
            return;
        }
        write(&path, bytes);
    }

    /// Deletes the oldest files until the cache is within its bound again, down to
    /// three quarters of it so that the next open does not trim again.
    pub fn trim(&self) {
        let mut files: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let Ok(algorithms) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for algorithm in algorithms.flatten() {
            let Ok(entries) = std::fs::read_dir(algorithm.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(meta) = entry.metadata()
                    && meta.is_file()
                {
                    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    files.push((modified, meta.len(), entry.path()));
                }
            }
        }
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        if total <= self.limit {
            return;
        }
        files.sort();
        let target = self.limit / 4 * 3;
        for (_, size, path) in files {
            if total <= target {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(size);
            }
        }
    }
}

/// A cache file's bytes, if it is a regular file within `limit`: read in one go into a
/// buffer of its size, since a warm open reads thousands of them.
fn read(path: &Path, limit: u64) -> Option<Vec<u8>> {
    let file = regular_file::open(path).ok()??;
    let size = file.metadata().ok()?.len();
    if size > limit {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).ok()?.saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= limit).then_some(bytes)
}

/// Writes a cache file whole or not at all (a temporary file renamed into place), readable
/// by the user alone, without syncing it to disk: a file lost in a crash is fetched again,
/// and a cold open writes thousands of them.
fn write(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut file) = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
    else {
        return;
    };
    if file.write_all(bytes).is_ok() {
        let _ = file.persist(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_no_longer_hashes_to_its_digest_is_never_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf(), DEFAULT_LIMIT);
        let digest = Digest::sha256_of(b"manifest");
        assert_eq!(cache.get(&digest), None);
        cache.put(&digest, b"manifest");
        assert_eq!(cache.get(&digest).as_deref(), Some(&b"manifest"[..]));
        std::fs::write(cache.path(&digest), b"planted").unwrap();
        assert_eq!(cache.get(&digest), None);
    }

    #[test]
    fn the_oldest_files_go_when_the_cache_is_over_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf(), 2500);
        let digests: Vec<Digest> = (0..4u8)
            .map(|i| {
                let bytes = vec![i; 1000];
                let digest = Digest::sha256_of(&bytes);
                cache.put(&digest, &bytes);
                let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(i));
                let file = std::fs::File::options()
                    .write(true)
                    .open(cache.path(&digest))
                    .unwrap();
                file.set_modified(old).unwrap();
                digest
            })
            .collect();
        cache.trim();
        let kept: Vec<bool> = digests.iter().map(|d| cache.get(d).is_some()).collect();
        assert_eq!(kept, [false, false, false, true]);
    }

    #[test]
    fn a_listing_is_kept_per_registry_and_repository_and_a_damaged_one_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf(), DEFAULT_LIMIT);
        let digest = Digest::sha256_of(b"manifest").to_string();
        let listing = TagListing {
            host: "r:5000".into(),
            repository: None,
            read_at: 1_700_000_000,
            notes: vec!["the catalog ended after 1 entries".into()],
            tags: BTreeMap::from([("app".into(), BTreeMap::from([("1".into(), digest.clone())]))]),
            broken: BTreeMap::new(),
            packed: BTreeMap::new(),
        };
        cache.put_listing(&listing);
        assert_eq!(cache.listing("r:5000", None), Some(listing.clone()));
        assert_eq!(cache.listing("r:5000", Some("app")), None);
        assert_eq!(cache.listing("other:5000", None), None);
        // A digest that is no digest makes the whole listing unusable.
        let mut bad = listing.clone();
        bad.tags
            .get_mut("app")
            .unwrap()
            .insert("2".into(), "sha256:../../x".into());
        cache.put_listing(&bad);
        assert_eq!(cache.listing("r:5000", None), None);
        std::fs::write(cache.listing_path("r:5000", None), b"{").unwrap();
        assert_eq!(cache.listing("r:5000", None), None);
    }
}
