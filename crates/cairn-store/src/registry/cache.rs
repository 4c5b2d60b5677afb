//! Manifests and configs by digest, kept on disk in the user's cache folder
//! (`$XDG_CACHE_HOME/cairn/registry`, else `~/.cache/cairn/registry`) so that opening a
//! registry again fetches only what changed. What a digest names never changes, and every
//! file is checked against its digest when read, so a damaged or planted file is never used.
//! The folder is kept under a size bound, oldest files going first. A cache that cannot be
//! written only makes cairn slower: its failures are never errors.

use crate::atomic;
use crate::digest::Digest;
use crate::regular_file;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What the cache may take on disk.
pub const DEFAULT_LIMIT: u64 = 256 << 20;

/// The largest file the cache keeps: manifests and configs are smaller (see the client's
/// limits).
const FILE_LIMIT: u64 = 4 << 20;

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
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(Cache::at(base.join("cairn/registry"), DEFAULT_LIMIT))
    }

    pub fn at(dir: PathBuf, limit: u64) -> Cache {
        Cache { dir, limit }
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(digest.algorithm()).join(digest.hex())
    }

    /// The bytes kept for `digest`, if they are there and still hash to it.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        let bytes = regular_file::read(&self.path(digest), FILE_LIMIT).ok()??;
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
        if let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = atomic::write_file(&path, bytes, 0o600);
        }
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
}
