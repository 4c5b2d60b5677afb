//! Reading a registry over its API into the shared registry model, in two parts. The
//! listing is what changes: the repositories (the catalog, or the one named), their tags, and
//! the digest each tag points at now (one `HEAD` per tag: no endpoint says them in bulk; on a
//! first open, a `GET`, whose manifest is read anyway). The contents are what never changes:
//! every manifest (index children included) and config by digest, from the last listing's
//! pack in the cache when it has them. The listing is kept in the cache with them, so that
//! [`read_cached`] can show the last one at once, said to be as old as it is, while the
//! registry is asked again. Requests run on a pool of threads, since a registry answers many
//! at once much faster than one by one.

use super::cache::{Cache, KeptListing, TagListing};
use super::client::{CONFIG_LIMIT, Client, Listing, Manifest as Fetched, Scope};
use super::lock;
use crate::digest::Digest;
use crate::distribution::{Manifest, ManifestRecord, Registry, Repository};
use crate::error::{Result, StoreError};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Requests in flight at once.
const THREADS: usize = 16;

/// Threads reading the cache alone: the work is the machine's, not a registry's.
const CACHE_THREADS: usize = 4;

/// What was read, and what could not be seen.
#[derive(Debug)]
pub struct Read {
    pub registry: Registry,
    /// Why the listing may be incomplete (a capped or refused catalog), said to the user.
    pub notes: Vec<String>,
    /// When the listing was asked of the registry, when that was not just now: the
    /// registry may have changed since.
    pub cached_at: Option<SystemTime>,
}

/// Reads the registry: every repository of the catalog, or only `repository`, and keeps
/// the listing in the cache for the next open.
pub fn read(client: &Client, repository: Option<&str>, cache: Option<&Cache>) -> Result<Read> {
    pool(THREADS)?.install(|| {
        // The last listing's pack spares the cache's files for what has not changed.
        let last = cache.and_then(|c| c.listing(&client.host, repository));
        // With nothing of the registry known, each tag's manifest is read with its digest.
        let (mut listing, fetched) = list(client, repository, last.is_none())?;
        let packed = last.as_ref().map(KeptListing::packed).unwrap_or_default();
        // With a client every manifest and config is read, or is its image's problem.
        let (registry, used) =
            contents(Some(client), &listing, &packed, &fetched).unwrap_or_default();
        if let Some(cache) = cache {
            cache.put_listing(&mut listing, &used);
            cache.trim();
        }
        Ok(Read {
            registry,
            notes: listing.notes,
            cached_at: None,
        })
    })
}

/// The registry as its last open listed it, without asking it anything: `None` unless the
/// cache holds that listing and every manifest and config it needs.
pub fn read_cached(host: &str, repository: Option<&str>, cache: &Cache) -> Option<Read> {
    let kept = cache.listing(host, repository)?;
    let packed = kept.packed();
    let (registry, _) = pool(CACHE_THREADS)
        .ok()?
        .install(|| contents(None, &kept.listing, &packed, &HashMap::new()))?;
    let seconds = u64::try_from(kept.listing.read_at).unwrap_or(0);
    Some(Read {
        registry,
        notes: kept.listing.notes.clone(),
        cached_at: Some(UNIX_EPOCH + Duration::from_secs(seconds)),
    })
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| StoreError::Other(e.into()))
}

/// What a tag points at: its digest, and the manifest when it was read with it.
type Pointed = (Digest, Option<Fetched>);

/// Asks the registry for its repositories, their tags and the digest of each tag; with
/// `fetch`, the manifest of each tag too (by digest), in the same request.
fn list(
    client: &Client,
    repository: Option<&str>,
    fetch: bool,
) -> Result<(TagListing, HashMap<String, Fetched>)> {
    let read_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let mut listing = TagListing {
        host: client.host.clone(),
        repository: repository.map(String::from),
        read_at,
        ..TagListing::default()
    };
    let names = match repository {
        Some(name) => vec![name.to_string()],
        None => {
            // The catalog is not in the OCI spec: a registry may refuse it to anyone.
            let catalog = client
                .list("_catalog", "repositories", &Scope::Catalog)
                .map_err(|e| StoreError::Daemon {
                    host: client.host.clone(),
                    message: format!(
                        "{} does not list its repositories ({e}): name one, as --store registry:{}/REPOSITORY",
                        client.host, client.host
                    ),
                })?;
            note_cut(&mut listing.notes, "the catalog", "repositories", &catalog);
            catalog.names
        }
    };
    let tag_lists: Vec<(String, Listing)> = names
        .into_par_iter()
        .map(|name| {
            let path = format!("{name}/tags/list");
            let tags = client.list(&path, "tags", &Scope::Pull(name.clone()))?;
            Ok((name, tags))
        })
        .collect::<Result<_>>()?;
    let wanted: Vec<(&str, &str)> = tag_lists
        .iter()
        .flat_map(|(name, tags)| tags.names.iter().map(|tag| (name.as_str(), tag.as_str())))
        .collect();
    let pointed: Vec<std::result::Result<Option<Pointed>, String>> = wanted
        .par_iter()
        .map(|(name, tag)| match fetch {
            true => Ok(client
                .tag_manifest(name, tag)?
                .map(|m| m.map(|m| (m.digest.clone(), Some(m))))),
            false => Ok(client.tag_digest(name, tag)?.map(|d| d.map(|d| (d, None)))),
        })
        .collect::<Result<_>>()?;
    let mut fetched = HashMap::new();
    for (name, tags) in &tag_lists {
        note_cut(
            &mut listing.notes,
            &format!("the tag list of {name}"),
            "tags",
            tags,
        );
        listing.tags.insert(name.clone(), BTreeMap::new());
    }
    for ((name, tag), digest) in wanted.iter().zip(pointed) {
        match digest {
            Ok(Some((digest, manifest))) => {
                if let Some(tags) = listing.tags.get_mut(*name) {
                    tags.insert(tag.to_string(), digest.to_string());
                }
                if let Some(manifest) = manifest {
                    fetched.insert(digest.to_string(), manifest);
                }
            }
            // Listed, but no manifest: a dangling tag (or one deleted since the listing).
            Ok(None) => {
                listing.broken.entry(name.to_string()).or_default().insert(
                    tag.to_string(),
                    "the registry lists it, and answers 404 MANIFEST_UNKNOWN for it".into(),
                );
            }
            Err(why) => {
                listing
                    .broken
                    .entry(name.to_string())
                    .or_default()
                    .insert(tag.to_string(), why);
            }
        }
    }
    Ok((listing, fetched))
}

/// Where a manifest or config by digest comes from: the copies packed with the last
/// listing, the manifests fetched with this one, then the registry when there is a client.
/// Whatever is used is kept, to be packed with the listing this read saves.
struct Source<'a> {
    client: Option<&'a Client>,
    packed: &'a HashMap<&'a str, &'a [u8]>,
    /// Manifests read with the listing, checked against their digests already.
    fetched: &'a HashMap<String, Fetched>,
    /// What was used, to pack with the listing a read of the registry keeps; `None` when
    /// showing a cached listing, which keeps nothing (copying it cost a fifth of the time).
    used: Option<Mutex<BTreeMap<String, Vec<u8>>>>,
}

impl<'a> Source<'a> {
    /// The bytes of `digest` from the pack (as they are there), checked against it.
    fn known(&self, digest: &Digest) -> Option<Cow<'a, [u8]>> {
        self.packed.get(digest.as_str()).and_then(|&bytes| {
            let mut hasher = digest.hasher();
            hasher.update(bytes);
            (hasher.finish() == digest.hex()).then_some(Cow::Borrowed(bytes))
        })
    }

    /// Keeps what was used, for the pack.
    fn used(&self, digest: &Digest, bytes: &[u8]) {
        if let Some(used) = &self.used {
            lock(used).insert(digest.to_string(), bytes.to_vec());
        }
    }
}

/// The registry the listing describes, every manifest and config read from the last
/// listing's pack or, with a client, the registry; without one, `None` at the first none of them
/// has. With the registry, the manifests and configs used, to pack with the listing.
fn contents(
    client: Option<&Client>,
    listing: &TagListing,
    packed: &HashMap<&str, &[u8]>,
    fetched: &HashMap<String, Fetched>,
) -> Option<(Registry, BTreeMap<String, Vec<u8>>)> {
    let source = Source {
        client,
        packed,
        fetched,
        used: client.map(|_| Mutex::new(BTreeMap::new())),
    };
    let mut registry = Registry {
        host: Some(listing.host.clone()),
        ..Registry::default()
    };
    // Each manifest is read from one repository that links it: access is per repository.
    let mut from: BTreeMap<Digest, &str> = BTreeMap::new();
    for (name, tags) in &listing.tags {
        let mut repo = Repository::default();
        for (tag, digest) in tags {
            let Ok(digest) = Digest::parse(digest) else {
                continue;
            };
            repo.tags.insert(tag.clone(), digest.to_string());
            repo.revisions.insert(digest.to_string());
            from.entry(digest).or_insert(name);
        }
        if let Some(broken) = listing.broken.get(name) {
            repo.broken_tags = broken.clone();
        }
        registry.repositories.insert(name.clone(), repo);
    }
    // Manifests, then the children of the indexes among them, level by level.
    let mut pending: Vec<(Digest, String)> =
        from.into_iter().map(|(d, r)| (d, r.to_string())).collect();
    let mut configs: BTreeMap<Digest, String> = BTreeMap::new();
    while !pending.is_empty() {
        let fetched: Vec<(Digest, String, ManifestRecord)> = pending
            .into_par_iter()
            .map(|(digest, repo)| {
                let record = manifest(&source, &repo, &digest)?;
                Some((digest, repo, record))
            })
            .collect::<Option<_>>()?;
        let mut next = Vec::new();
        for (digest, repo, record) in fetched {
            match &record.parsed {
                Ok(Manifest::Index(index)) => {
                    for child in &index.manifests {
                        let Ok(child) = Digest::parse(&child.digest) else {
                            continue;
                        };
                        if let Some(r) = registry.repositories.get_mut(&repo) {
                            r.revisions.insert(child.to_string());
                        }
                        let known = registry.manifests.contains_key(child.as_str())
                            || next.iter().any(|(d, _)| d == &child);
                        if !known {
                            next.push((child, repo.clone()));
                        }
                    }
                }
                Ok(Manifest::Image(image)) => {
                    if let Ok(config) = Digest::parse(&image.config.digest) {
                        configs.entry(config).or_insert_with(|| repo.clone());
                    }
                }
                _ => {}
            }
            registry.manifests.insert(digest.to_string(), record);
        }
        next.retain(|(d, _)| !registry.manifests.contains_key(d.as_str()));
        pending = next;
    }
    registry.configs = configs
        .into_par_iter()
        .map(|(digest, repo)| {
            let parsed = config(&source, &repo, &digest)?;
            Some((digest.to_string(), parsed))
        })
        .collect::<Option<_>>()?;
    let used = source
        .used
        .map(|used| {
            used.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
        .unwrap_or_default();
    Some((registry, used))
}

/// What the user is told of a list the registry did not give whole: how far it went, and
/// that cairn shows that much.
fn note_cut(notes: &mut Vec<String>, what: &str, entries: &str, listing: &Listing) {
    let count = listing.names.len();
    if listing.capped {
        notes.push(format!(
            "{what} is capped at {count} {entries} by the registry; showing {count}"
        ));
    } else if let Some(why) = &listing.cut_short {
        notes.push(format!(
            "{what} was refused after {count} {entries} ({why}); showing {count}"
        ));
    }
}

/// One manifest by digest, from the pack, this listing's reads or the registry; what fails is the
/// image's problem. `None` when none has it and there is no client to ask.
fn manifest(source: &Source<'_>, repo: &str, digest: &Digest) -> Option<ManifestRecord> {
    let (bytes, media_type) = match source.known(digest) {
        Some(bytes) => {
            source.used(digest, &bytes);
            (bytes, None)
        }
        None if let Some(fetched) = source.fetched.get(digest.as_str()) => {
            source.used(digest, &fetched.bytes);
            (
                Cow::Borrowed(&fetched.bytes[..]),
                Some(fetched.media_type.clone()),
            )
        }
        None => match source.client?.manifest(repo, digest.as_str()) {
            Ok(fetched) => {
                source.used(digest, &fetched.bytes);
                (Cow::Owned(fetched.bytes), Some(fetched.media_type))
            }
            Err(e) => {
                return Some(ManifestRecord {
                    size: 0,
                    parsed: Err(e.to_string()),
                });
            }
        },
    };
    Some(ManifestRecord {
        size: bytes.len() as u64,
        parsed: Manifest::parse(&bytes, media_type.as_deref().filter(|m| !m.is_empty())),
    })
}

/// One config by digest, from the pack or the registry, parsed; `None` when
/// none has it and there is no client to ask.
fn config(
    source: &Source<'_>,
    repo: &str,
    digest: &Digest,
) -> Option<std::result::Result<cairn_core::ImageConfig, String>> {
    let bytes = match source.known(digest) {
        Some(bytes) => {
            source.used(digest, &bytes);
            bytes
        }
        None => match source.client?.blob(repo, digest, CONFIG_LIMIT) {
            Ok(bytes) => {
                source.used(digest, &bytes);
                Cow::Owned(bytes)
            }
            Err(e) => return Some(Err(e.to_string())),
        },
    };
    Some(crate::oci_config::parse(&bytes).map_err(|e| format!("{e:#}")))
}
