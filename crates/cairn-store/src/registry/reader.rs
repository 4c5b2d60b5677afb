//! Reading a registry over its API into the shared registry model: the repositories (the
//! catalog, or the one named), their tags, the digest each tag points at, then every manifest
//! (index children included) and config by digest, from the cache when it has them. Requests
//! run on a pool of threads, since a registry answers many at once much faster than one by one.

use super::cache::Cache;
use super::client::{CONFIG_LIMIT, Client, Listing, Scope};
use crate::digest::Digest;
use crate::distribution::{Manifest, ManifestRecord, Registry, Repository};
use crate::error::{Result, StoreError};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Requests in flight at once.
const THREADS: usize = 16;

/// What was read, and what could not be seen.
#[derive(Debug)]
pub struct Read {
    pub registry: Registry,
    /// Why the listing may be incomplete (a capped or refused catalog), said to the user.
    pub notes: Vec<String>,
}

/// Reads the registry: every repository of the catalog, or only `repository`.
pub fn read(client: &Client, repository: Option<&str>, cache: Option<&Cache>) -> Result<Read> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .map_err(|e| StoreError::Other(e.into()))?;
    pool.install(|| read_all(client, repository, cache))
}

fn read_all(client: &Client, repository: Option<&str>, cache: Option<&Cache>) -> Result<Read> {
    let mut notes = Vec::new();
    let names = match repository {
        Some(name) => vec![name.to_string()],
        None => {
            // The catalog is not in the OCI spec: a registry may refuse it to anyone.
            let listing = client
                .list("_catalog", "repositories", &Scope::Catalog)
                .map_err(|e| StoreError::Daemon {
                    host: client.host.clone(),
                    message: format!(
                        "{} does not list its repositories ({e}): name one, as --store registry:{}/REPOSITORY",
                        client.host, client.host
                    ),
                })?;
            note_cut(&mut notes, "the catalog", "repositories", &listing);
            listing.names
        }
    };
    let tag_lists: Vec<(String, Listing)> = names
        .into_par_iter()
        .map(|name| {
            let path = format!("{name}/tags/list");
            let listing = client.list(&path, "tags", &Scope::Pull(name.clone()))?;
            Ok((name, listing))
        })
        .collect::<Result<_>>()?;
    let wanted: Vec<(&str, &str)> = tag_lists
        .iter()
        .flat_map(|(name, listing)| {
            listing
                .names
                .iter()
                .map(|tag| (name.as_str(), tag.as_str()))
        })
        .collect();
    let pointed: Vec<Option<Digest>> = wanted
        .par_iter()
        .map(|(name, tag)| client.tag_digest(name, tag))
        .collect::<Result<_>>()?;
    let mut registry = Registry {
        host: Some(client.host.clone()),
        ..Registry::default()
    };
    for (name, listing) in &tag_lists {
        note_cut(
            &mut notes,
            &format!("the tag list of {name}"),
            "tags",
            listing,
        );
        registry
            .repositories
            .insert(name.clone(), Repository::default());
    }
    // Each manifest is read from one repository that links it: access is per repository.
    let mut from: BTreeMap<Digest, &str> = BTreeMap::new();
    for ((name, tag), digest) in wanted.iter().zip(pointed) {
        // A tag deleted between the listing and the request is simply not there.
        let Some(digest) = digest else { continue };
        if let Some(repo) = registry.repositories.get_mut(*name) {
            repo.tags.insert(tag.to_string(), digest.to_string());
            repo.revisions.insert(digest.to_string());
        }
        from.entry(digest).or_insert(name);
    }
    // Manifests, then the children of the indexes among them, level by level.
    let mut pending: Vec<(Digest, String)> =
        from.into_iter().map(|(d, r)| (d, r.to_string())).collect();
    let mut configs: BTreeMap<Digest, String> = BTreeMap::new();
    while !pending.is_empty() {
        let fetched: Vec<(Digest, String, ManifestRecord)> = pending
            .into_par_iter()
            .map(|(digest, repo)| {
                let record = manifest(client, cache, &repo, &digest);
                (digest, repo, record)
            })
            .collect();
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
            let parsed = config(client, cache, &repo, &digest);
            (digest.to_string(), parsed)
        })
        .collect();
    if let Some(cache) = cache {
        cache.trim();
    }
    Ok(Read { registry, notes })
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

/// One manifest by digest, from the cache or the registry; what fails is the image's problem.
fn manifest(client: &Client, cache: Option<&Cache>, repo: &str, digest: &Digest) -> ManifestRecord {
    let cached = cache.and_then(|c| c.get(digest));
    let (bytes, media_type) = match cached {
        Some(bytes) => (bytes, None),
        None => match client.manifest(repo, digest.as_str()) {
            Ok(fetched) => {
                if let Some(cache) = cache {
                    cache.put(digest, &fetched.bytes);
                }
                (fetched.bytes, Some(fetched.media_type))
            }
            Err(e) => {
                return ManifestRecord {
                    size: 0,
                    parsed: Err(e.to_string()),
                };
            }
        },
    };
    ManifestRecord {
        size: bytes.len() as u64,
        parsed: Manifest::parse(&bytes, media_type.as_deref().filter(|m| !m.is_empty())),
    }
}

/// One config by digest, from the cache or the registry, parsed.
fn config(
    client: &Client,
    cache: Option<&Cache>,
    repo: &str,
    digest: &Digest,
) -> std::result::Result<cairn_core::ImageConfig, String> {
    let bytes = match cache.and_then(|c| c.get(digest)) {
        Some(bytes) => bytes,
        None => {
            let bytes = client
                .blob(repo, digest, CONFIG_LIMIT)
                .map_err(|e| e.to_string())?;
            if let Some(cache) = cache {
                cache.put(digest, &bytes);
            }
            bytes
        }
    };
    crate::oci_config::parse(&bytes).map_err(|e| format!("{e:#}"))
}
