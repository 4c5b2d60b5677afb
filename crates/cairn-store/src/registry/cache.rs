//! What a registry's last open read, kept on disk in the user's cache folder
//! (`$XDG_CACHE_HOME/cairn/registry`, else `~/.cache/cairn/registry`) so that opening it
//! again fetches only what changed: per registry (and repository named), the [`TagListing`]
//! (the repositories, their tags and the digest each tag pointed at, and when) and the bytes
//! of every manifest and config it needs. The listing changes on the registry at any time,
//! so it is only ever shown as what it is, a listing of some age (the browser's first frame,
//! `--cached`), and never used to plan a change. What a digest names never changes, and each
//! manifest and config is checked against its digest when used, so a damaged or planted file
//! is never used. The folder is kept under a size bound, oldest files going first. A cache
//! that cannot be written only makes cairn slower: its failures are never errors.
//!
//! A listing's file holds the listing as JSON, a newline, then the manifests and configs,
//! one after the other as the registry sent them, so that showing it reads one file and
//! parses each manifest where it lies (as text inside the JSON, unescaping and copying them
//! took a fifth of a cached open). They are kept there alone, not also one file per digest:
//! creating 20,000 small files took most of a first open's own time.

use crate::digest::Digest;
use crate::regular_file;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What the cache may take on disk.
pub const DEFAULT_LIMIT: u64 = 256 << 20;

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
    /// Where each manifest and config the listing needs lies in the bytes kept after it,
    /// so that showing it reads one file instead of thousands. Each is checked against its
    /// digest when used. Written by [`Cache::put_listing`].
    /// (Named apart from the text copies an earlier cairn kept, which are not read.)
    #[serde(default, rename = "pack")]
    pub packed: Vec<Packed>,
}

/// One manifest or config kept after a listing: its digest and where its bytes lie, counted
/// from the first byte after the listing's line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packed {
    pub digest: String,
    pub start: usize,
    pub len: usize,
}

/// A listing as the cache kept it, with the bytes of the manifests and configs it needs.
#[derive(Debug)]
pub struct KeptListing {
    pub listing: TagListing,
    bytes: Vec<u8>,
    /// Where the packed bytes begin in `bytes`.
    start: usize,
}

impl KeptListing {
    /// The bytes packed for each digest, where they lie, as written (the reader checks
    /// each against its digest before using it); an entry that points outside the file is
    /// left out.
    pub fn packed(&self) -> HashMap<&str, &[u8]> {
        let bytes = self.bytes.get(self.start..).unwrap_or_default();
        self.listing
            .packed
            .iter()
            .filter_map(|p| {
                let end = p.start.checked_add(p.len)?;
                Some((p.digest.as_str(), bytes.get(p.start..end)?))
            })
            .collect()
    }
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

    /// One file per registry and repository named, under a name made of both.
    fn listing_path(&self, host: &str, repository: Option<&str>) -> PathBuf {
        let key = Digest::sha256_of(format!("{host}/{}", repository.unwrap_or("")).as_bytes());
        self.dir
            .join("listings")
            .join(format!("{}.json", key.hex()))
    }

    /// The last listing of `host` (and `repository`), if one was kept and still reads as one.
    pub fn listing(&self, host: &str, repository: Option<&str>) -> Option<KeptListing> {
        let path = self.listing_path(host, repository);
        let bytes = read(&path, LISTING_LIMIT)?;
        let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<TagListing>();
        let listing = stream.next()?.ok()?;
        // The packed bytes follow the listing's line (none in a file without them).
        let start = stream.byte_offset().saturating_add(1);
        let digests_parse = listing
            .tags
            .values()
            .flat_map(BTreeMap::values)
            .all(|d| Digest::parse(d).is_ok());
        (listing.host == host && listing.repository.as_deref() == repository && digests_parse)
            .then_some(KeptListing {
                listing,
                bytes,
                start,
            })
    }

    /// Keeps `listing` as the last one of its registry, in place of the one before, with
    /// the bytes of `packed` (digest → bytes) after it; says in `listing.packed` where.
    pub fn put_listing(&self, listing: &mut TagListing, packed: &BTreeMap<String, Vec<u8>>) {
        let path = self.listing_path(&listing.host, listing.repository.as_deref());
        let mut start = 0;
        listing.packed = packed
            .iter()
            .map(|(digest, bytes)| {
                let entry = Packed {
                    digest: digest.clone(),
                    start,
                    len: bytes.len(),
                };
                start += bytes.len();
                entry
            })
            .collect();
        if let Ok(mut file) = serde_json::to_vec(listing) {
            file.reserve(start.saturating_add(1));
            file.push(b'\n');
            for bytes in packed.values() {
                file.extend_from_slice(bytes);
            }
            write(&path, &file);
        }
    }

    /// Deletes the oldest files until the cache is within its bound again, down to
    /// three quarters of it so that the next open does not trim again.
    /// (Every folder of the cache counts: one-file-per-digest folders an earlier cairn kept
    /// go first, being the oldest.)
    pub fn trim(&self) {
        let mut files: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let Ok(folders) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for folder in folders.flatten() {
            let Ok(entries) = std::fs::read_dir(folder.path()) else {
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
    fn the_oldest_listings_go_when_the_cache_is_over_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf(), 3000);
        let hosts: Vec<String> = (0..4u8)
            .map(|i| {
                let host = format!("r{i}:5000");
                let bytes = vec![i; 900];
                let digest = Digest::sha256_of(&bytes).to_string();
                let mut listing = TagListing {
                    host: host.clone(),
                    ..TagListing::default()
                };
                cache.put_listing(&mut listing, &BTreeMap::from([(digest, bytes)]));
                let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(i));
                let file = std::fs::File::options()
                    .write(true)
                    .open(cache.listing_path(&host, None))
                    .unwrap();
                file.set_modified(old).unwrap();
                host
            })
            .collect();
        cache.trim();
        let kept: Vec<bool> = hosts
            .iter()
            .map(|h| cache.listing(h, None).is_some())
            .collect();
        assert_eq!(kept, [false, false, true, true]);
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
            packed: Vec::new(),
        };
        let mut listing = listing;
        cache.put_listing(&mut listing, &BTreeMap::new());
        let kept = |host: &str, repository: Option<&str>| {
            cache.listing(host, repository).map(|k| k.listing)
        };
        assert_eq!(kept("r:5000", None), Some(listing.clone()));
        assert_eq!(kept("r:5000", Some("app")), None);
        assert_eq!(kept("other:5000", None), None);
        // A digest that is no digest makes the whole listing unusable.
        let mut bad = listing.clone();
        bad.tags
            .get_mut("app")
            .unwrap()
            .insert("2".into(), "sha256:../../x".into());
        cache.put_listing(&mut bad, &BTreeMap::new());
        assert_eq!(kept("r:5000", None), None);
        std::fs::write(cache.listing_path("r:5000", None), b"{").unwrap();
        assert_eq!(kept("r:5000", None), None);
    }

    #[test]
    fn the_bytes_packed_after_a_listing_come_back_as_written_and_a_cut_file_loses_only_them() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf(), DEFAULT_LIMIT);
        let mut listing = TagListing {
            host: "r:5000".into(),
            ..TagListing::default()
        };
        // A manifest as a registry may send it (its own newlines, quotes, a trailing
        // newline) and bytes that are not text.
        let manifest = b"{\n  \"schemaVersion\": 2\n}\n".to_vec();
        let binary = vec![0, 0xff, b'\n', 0xfe];
        let packed = BTreeMap::from([
            (Digest::sha256_of(&manifest).to_string(), manifest.clone()),
            (Digest::sha256_of(&binary).to_string(), binary.clone()),
        ]);
        cache.put_listing(&mut listing, &packed);
        let kept = cache.listing("r:5000", None).unwrap();
        assert_eq!(kept.listing, listing);
        let found = kept.packed();
        assert_eq!(found.len(), 2);
        for (digest, bytes) in &packed {
            assert_eq!(found[digest.as_str()], &bytes[..]);
        }
        // A file cut short keeps its listing; what lay past the cut is not offered.
        let path = cache.listing_path("r:5000", None);
        let whole = std::fs::read(&path).unwrap();
        std::fs::write(&path, &whole[..whole.len() - 1]).unwrap();
        let kept = cache.listing("r:5000", None).unwrap();
        assert_eq!(kept.listing, listing);
        assert_eq!(kept.packed().len(), 1);
    }
}
