//! A distribution registry's storage folder read from disk, without following any link out of
//! it (every path is walked with [`Confined`]), into the shared registry model and what
//! garbage collection walks.
//!
//! The layout is distribution's (`registry/storage/paths.go`), under `docker/registry/v2`:
//!
//! ```text
//! repositories/<name>/_layers/<alg>/<hex>/link                       a blob the repository links
//! repositories/<name>/_manifests/revisions/<alg>/<hex>/link          a manifest it links
//! repositories/<name>/_manifests/tags/<tag>/current/link             what the tag points at
//! blobs/<alg>/<first two hex>/<hex>/data                             every blob, stored once
//! ```
//!
//! A repository is a folder holding `_layers`, at any depth (`library/alpine`), as
//! distribution's catalog finds them. Link files hold a digest and nothing else. Every
//! manifest and config read is checked against its digest; a blob whose content differs, or
//! one that is missing, is a problem of the image it belongs to. A damaged link is what the
//! registry makes of it: a tag whose link holds no digest, or names a manifest its
//! repository does not link, is listed with why (the registry lists it, and answers 500 or
//! 404 for it), a revision whose link holds no digest is a problem of its image, and a
//! `_layers` link that does not lead to the blob its folder names is a problem of the images
//! of that repository using the blob (`GET /v2/<name>/blobs/<digest>` fails); the rest is
//! read. What distribution reads neither to serve nor to collect (a tag's `index/`,
//! `_uploads`, `_layers` folders no digest names) is not read. The collection stops where
//! distribution's does (see [`gc::Repository`] and [`gc::Storage`]). A symbolic link, or
//! anything but a folder or a regular file, where distribution would follow or read it is an
//! error naming the file.

use crate::digest::Digest;
use crate::distribution::{Manifest, ManifestRecord, Registry, Repository};
use crate::oci::blobs::METADATA_LIMIT;
use crate::oci::confined::Confined;
use crate::oci_config;
use anyhow::{Result, anyhow, bail};
use cairn_core::gc;
use rustix::fs::FileType;
use std::collections::{BTreeMap, BTreeSet};

/// The folders from the storage root to distribution's data.
const V2: [&str; 3] = ["docker", "registry", "v2"];

/// A link file holds a digest: 71 bytes for sha256, 135 for sha512.
const LINK_LIMIT: u64 = 1024;

/// How deep repository names nest (`a/b/c`): far beyond any real name.
const MAX_REPOSITORY_DEPTH: usize = 64;

/// How many folders the repository walk visits at most.
const MAX_FOLDERS: usize = 4_000_000;

/// The storage as read: the registry model and what its garbage collection walks.
#[derive(Debug, Clone, Default)]
pub struct StorageContents {
    pub registry: Registry,
    pub gc: gc::Storage,
}

/// The storage root opened, with paths below `docker/registry/v2`.
struct V2Dir<'a> {
    root: &'a Confined,
}

impl V2Dir<'_> {
    fn parts<'p>(&self, parts: &[&'p str]) -> Vec<&'p str> {
        V2.iter().copied().chain(parts.iter().copied()).collect()
    }

    fn display(&self, parts: &[&str]) -> String {
        self.root.display(&self.parts(parts))
    }

    /// A folder's entries, `None` when it does not exist.
    fn list(&self, parts: &[&str]) -> Result<Option<Vec<crate::oci::confined::Entry>>> {
        self.root.list(&self.parts(parts))
    }

    /// The sub-folders of a folder (none when it does not exist); anything but a folder or
    /// a regular file in it is refused, since distribution would follow it.
    fn folders(&self, parts: &[&str]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in self.list(parts)?.unwrap_or_default() {
            match entry.kind {
                FileType::Directory => out.push(entry.name),
                FileType::RegularFile => {}
                other => {
                    let mut path = parts.to_vec();
                    path.push(&entry.name);
                    bail!(self.root.not_regular(&self.parts(&path), other));
                }
            }
        }
        Ok(out)
    }

    /// A link file's digest; `None` when the file does not exist. The inner `Err` says the
    /// file holds no digest (distribution then answers an error for what it links, and
    /// the rest of the storage is served); the outer one, that it could not be read safely.
    fn link(&self, parts: &[&str]) -> Result<Option<Result<Digest, String>>> {
        let Some(file) = self.root.open_file(&self.parts(parts))? else {
            return Ok(None);
        };
        let display = self.display(parts);
        let size = file
            .metadata()
            .map_err(|e| anyhow!("reading {display}: {e}"))?
            .len();
        // distribution reads a link whole and finds no digest in it: so does cairn, without
        // reading it.
        if size > LINK_LIMIT {
            return Ok(Some(Err(format!(
                "{display} holds {size} bytes, not a digest: the registry's storage is damaged"
            ))));
        }
        let bytes =
            crate::regular_file::read_bounded(file, LINK_LIMIT, std::path::Path::new(&display))?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(Some(Digest::parse(&text).map_err(|_| {
            format!(
                "{} holds {:?}, not a digest: the registry's storage is damaged",
                self.display(parts),
                text
            )
        })))
    }

    /// A blob's bytes, checked against its digest: `Err` says why they cannot be used.
    fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, String> {
        let path = blob_path(digest);
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let bytes = match self.root.read(&self.parts(&parts), limit) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(format!("blob {digest} is not in the registry")),
            Err(e) => return Err(format!("{e:#}")),
        };
        let mut hasher = digest.hasher();
        hasher.update(&bytes);
        if hasher.finish() != digest.hex() {
            return Err(format!(
                "the content of {} does not match its digest",
                self.display(&parts)
            ));
        }
        Ok(bytes)
    }
}

/// `blobs/<alg>/<first two hex>/<hex>/data`.
fn blob_path(digest: &Digest) -> [String; 5] {
    let hex = digest.hex();
    [
        "blobs".into(),
        digest.algorithm().into(),
        hex[..2].into(),
        hex.into(),
        "data".into(),
    ]
}

/// Reads the storage under `root` (the registry's `rootdirectory`).
pub fn read(root: &Confined) -> Result<StorageContents> {
    let v2 = V2Dir { root };
    if v2.list(&[])?.is_none() {
        bail!(
            "{} has no docker/registry/v2: not the storage folder of a registry (give its rootdirectory)",
            root.display(&[])
        );
    }
    let mut contents = StorageContents::default();
    contents.registry.blobs_listed = true;
    contents.registry.read_only = true;
    read_blobs(&v2, &mut contents)?;
    for name in repository_names(&v2)? {
        read_repository(&v2, &name, &mut contents)?;
    }
    read_manifests(&v2, &mut contents.registry);
    fill_references(&mut contents);
    Ok(contents)
}

/// A stored blob opened for reading, with its size; `None` when it is not stored.
pub fn open_blob(root: &Confined, digest: &Digest) -> Result<Option<(std::fs::File, u64)>> {
    let v2 = V2Dir { root };
    let path = blob_path(digest);
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    let Some(file) = root.open_file(&v2.parts(&parts))? else {
        return Ok(None);
    };
    let size = file
        .metadata()
        .map_err(|e| anyhow!("reading {}: {e}", v2.display(&parts)))?
        .len();
    Ok(Some((file, size)))
}

/// `cairn verify`: every stored blob's content against the digest it is stored under.
pub fn verify(root: &Confined) -> Result<crate::backend::VerifyReport> {
    let v2 = V2Dir { root };
    let mut contents = StorageContents::default();
    read_blobs(&v2, &mut contents)?;
    let mut report = crate::backend::VerifyReport {
        blobs_checked: contents.gc.blobs.len(),
        mismatches: Vec::new(),
    };
    for blob in &contents.gc.blobs {
        let digest = Digest::parse(&blob.digest)?;
        let path = blob_path(&digest);
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let Some((mut file, _)) = open_blob(root, &digest)? else {
            report
                .mismatches
                .push(format!("blob {digest}: gone while it was checked"));
            continue;
        };
        let mut hasher = digest.hasher();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let read = std::io::Read::read(&mut file, &mut buffer)
                .map_err(|e| anyhow!("reading {}: {e}", v2.display(&parts)))?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        let actual = hasher.finish();
        if actual != digest.hex() {
            report.mismatches.push(format!(
                "blob {digest}: its content has digest {}:{actual}",
                digest.algorithm()
            ));
        }
    }
    Ok(report)
}

/// Every blob stored, with its size on disk.
fn read_blobs(v2: &V2Dir<'_>, contents: &mut StorageContents) -> Result<()> {
    for algorithm in v2.folders(&["blobs"])? {
        for prefix in v2.folders(&["blobs", &algorithm])? {
            for hex in v2.folders(&["blobs", &algorithm, &prefix])? {
                let folder = ["blobs", algorithm.as_str(), prefix.as_str(), hex.as_str()];
                let text = format!("{algorithm}:{hex}");
                let valid = Digest::parse(&text).is_ok() && hex.starts_with(prefix.as_str());
                let data = v2
                    .list(&folder)?
                    .unwrap_or_default()
                    .into_iter()
                    .find(|e| e.name == "data");
                // A `data` folder is no blob to distribution (it answers 404 for it, and its
                // walk goes into it); a link or device is refused, since it would follow it.
                let Some(data) = data.filter(|d| d.kind != FileType::Directory) else {
                    continue;
                };
                if data.kind != FileType::RegularFile {
                    let mut path = folder.to_vec();
                    path.push("data");
                    bail!(v2.root.not_regular(&v2.parts(&path), data.kind));
                }
                // A blob no digest names is never served, but the collector's walk of the
                // blobs stops on it.
                if !valid {
                    contents.gc.blobs_error.get_or_insert_with(|| {
                        format!(
                            "{} is not named by a digest: the registry's storage is damaged",
                            v2.display(&folder)
                        )
                    });
                    continue;
                }
                contents.registry.blob_sizes.insert(text.clone(), data.size);
                contents.gc.blobs.push(gc::StoredBlob {
                    digest: text,
                    size: data.size,
                });
            }
        }
    }
    Ok(())
}

/// The repositories, as distribution's catalog walks them: a folder holding `_layers` is
/// one; other folders starting with `_` are skipped; the rest are walked into.
fn repository_names(v2: &V2Dir<'_>) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut stack: Vec<Vec<String>> = vec![Vec::new()];
    let mut visited = 0usize;
    while let Some(path) = stack.pop() {
        visited += 1;
        if visited > MAX_FOLDERS || path.len() > MAX_REPOSITORY_DEPTH {
            bail!(
                "{} nests repositories deeper or wider than cairn reads: refused",
                v2.display(&["repositories"])
            );
        }
        let mut parts = vec!["repositories"];
        parts.extend(path.iter().map(String::as_str));
        let folders = v2.folders(&parts)?;
        if !path.is_empty() && folders.iter().any(|f| f == "_layers") {
            names.push(path.join("/"));
        }
        for folder in folders.into_iter().rev() {
            if !folder.starts_with('_') {
                let mut next = path.clone();
                next.push(folder);
                stack.push(next);
            }
        }
    }
    names.sort();
    Ok(names)
}

/// One link under `<alg>/<hex>/link` of `_manifests/revisions`.
struct Link {
    /// The digest its folder names, when the folder is named by one.
    named: Option<Digest>,
    /// The digest it holds and whether it resolves as distribution resolves it (the link of
    /// that digest exists, and that link's blob is stored), or why it holds none.
    read: std::result::Result<(Digest, bool), String>,
}

/// Every link of a folder, as distribution's enumeration of it reads them.
fn links(v2: &V2Dir<'_>, folder: &[&str], blobs: &BTreeMap<String, u64>) -> Result<Vec<Link>> {
    let mut out = Vec::new();
    for algorithm in v2.folders(folder)? {
        let mut at = folder.to_vec();
        at.push(&algorithm);
        for hex in v2.folders(&at)? {
            let mut link = at.clone();
            link.extend([hex.as_str(), "link"]);
            let named = Digest::parse(&format!("{algorithm}:{hex}")).ok();
            let digest = match v2.link(&link)? {
                None => continue,
                Some(Err(why)) => {
                    out.push(Link {
                        named,
                        read: Err(why),
                    });
                    continue;
                }
                Some(Ok(digest)) => digest,
            };
            let mut own = folder.to_vec();
            own.extend([digest.algorithm(), digest.hex(), "link"]);
            let read = match v2.link(&own)? {
                Some(Ok(target)) => Ok((digest, blobs.contains_key(target.as_str()))),
                Some(Err(why)) => Err(why),
                None => Ok((digest, false)),
            };
            out.push(Link { named, read });
        }
    }
    Ok(out)
}

/// The blobs a repository serves, read as distribution serves `GET /v2/<name>/blobs/<digest>`:
/// the link of that digest's folder in `_layers`, then the blob it names. A blob served is
/// added to `layers`; one the registry answers an error for, to `broken_layers` with why.
/// A folder no digest names is never asked for, and garbage collection reads no `_layers`:
/// both are left alone.
fn layer_links(
    v2: &V2Dir<'_>,
    folder: &[&str],
    name: &str,
    blobs: &BTreeMap<String, u64>,
    repository: &mut Repository,
) -> Result<()> {
    for algorithm in v2.folders(folder)? {
        let mut at = folder.to_vec();
        at.push(&algorithm);
        for hex in v2.folders(&at)? {
            let Ok(named) = Digest::parse(&format!("{algorithm}:{hex}")) else {
                continue;
            };
            let mut link = at.clone();
            link.extend([hex.as_str(), "link"]);
            let why = match v2.link(&link)? {
                None => continue,
                Some(Err(why)) => format!("{why} (the registry answers 500 for it)"),
                Some(Ok(target)) if !blobs.contains_key(target.as_str()) => format!(
                    "{} names {target}, which is not in the registry: the registry answers 404 BLOB_UNKNOWN for it",
                    v2.display(&link)
                ),
                Some(Ok(target)) if target != named => format!(
                    "{} names {target}: the registry serves that blob's content for it, which no client accepts",
                    v2.display(&link)
                ),
                Some(Ok(_)) => {
                    repository.layers.insert(named.to_string());
                    continue;
                }
            };
            repository
                .broken_layers
                .insert(named.to_string(), format!("blob {named} of {name}: {why}"));
        }
    }
    Ok(())
}

fn read_repository(v2: &V2Dir<'_>, name: &str, contents: &mut StorageContents) -> Result<()> {
    let path: Vec<&str> = std::iter::once("repositories")
        .chain(name.split('/'))
        .collect();
    let at = |rest: &[&'static str]| -> Vec<&str> {
        path.iter().copied().chain(rest.iter().copied()).collect()
    };
    let blobs = &contents.registry.blob_sizes;
    let mut repository = Repository::default();
    layer_links(v2, &at(&["_layers"]), name, blobs, &mut repository)?;
    let mut revisions = Vec::new();
    let mut walk_error = None;
    for link in links(v2, &at(&["_manifests", "revisions"]), blobs)? {
        match (link.read, link.named) {
            (Ok((digest, resolves)), _) => {
                repository.revisions.insert(digest.to_string());
                if resolves {
                    revisions.push(digest.to_string());
                }
            }
            // The revision its folder names is one the registry cannot serve (it answers
            // 500 for it), and its collector stops there.
            (Err(why), Some(named)) => {
                repository.revisions.insert(named.to_string());
                walk_error.get_or_insert_with(|| why.clone());
                repository.broken_revisions.insert(named.to_string(), why);
            }
            // A folder no digest names is one the registry never serves, but its walk
            // reads every link, and stops there.
            (Err(why), None) => {
                walk_error.get_or_insert(why);
            }
        }
    }
    let tags_folder = at(&["_manifests", "tags"]);
    let tags_listable = v2.list(&tags_folder)?.is_some();
    let mut tagged: BTreeSet<String> = BTreeSet::new();
    let mut tags_error = None;
    for tag in v2.folders(&tags_folder)? {
        let mut link = tags_folder.clone();
        link.extend([tag.as_str(), "current", "link"]);
        match v2.link(&link)? {
            // distribution lists the tag, and answers 404 for it.
            None => {}
            // distribution looks a manifest up by its revision link, then (for what 2.1.0
            // linked there) by its `_layers` link.
            Some(Ok(digest))
                if repository.revisions.contains(digest.as_str())
                    || repository.layers.contains(digest.as_str()) =>
            {
                tagged.insert(digest.to_string());
                repository.tags.insert(tag, digest.to_string());
            }
            Some(Ok(digest)) if repository.broken_layers.contains_key(digest.as_str()) => {
                tagged.insert(digest.to_string());
                let why = format!(
                    "{} names {digest}, which {name} links only in _layers, and {}",
                    v2.display(&link),
                    repository.broken_layers[digest.as_str()]
                );
                repository.broken_tags.insert(tag, why);
            }
            Some(Ok(digest)) => {
                tagged.insert(digest.to_string());
                let why = format!(
                    "{} names {digest}, which {name} does not link as a revision: the registry answers 404 MANIFEST_UNKNOWN for it",
                    v2.display(&link)
                );
                repository.broken_tags.insert(tag, why);
            }
            Some(Err(why)) => {
                tags_error.get_or_insert_with(|| why.clone());
                repository
                    .broken_tags
                    .insert(tag, format!("{why} (the registry answers 500 for it)"));
            }
        }
    }
    let revisions = revisions
        .into_iter()
        .map(|digest| gc::Revision {
            tagged: tagged.contains(&digest),
            digest,
            references: Ok(Vec::new()),
        })
        .collect();
    contents.gc.repositories.push(gc::Repository {
        name: name.to_string(),
        tags_listable,
        tags_error,
        walk_error,
        revisions,
    });
    contents
        .registry
        .repositories
        .insert(name.to_string(), repository);
    Ok(())
}

/// Reads every manifest a repository links or tags, and every manifest their indexes name,
/// and the configs of the images among them.
fn read_manifests(v2: &V2Dir<'_>, registry: &mut Registry) {
    let mut pending: Vec<String> = registry
        .repositories
        .values()
        .flat_map(|r| r.revisions.iter().chain(r.tags.values()))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    while let Some(text) = pending.pop() {
        if registry.manifests.contains_key(&text) {
            continue;
        }
        let Ok(digest) = Digest::parse(&text) else {
            // The model reports a digest it cannot read as a missing manifest.
            continue;
        };
        if !registry.blob_sizes.contains_key(&text) {
            continue;
        }
        let record = match v2.blob(&digest, METADATA_LIMIT) {
            Ok(bytes) => ManifestRecord {
                size: bytes.len() as u64,
                parsed: Manifest::parse(&bytes, None),
            },
            Err(e) => ManifestRecord {
                size: registry.blob_sizes.get(&text).copied().unwrap_or(0),
                parsed: Err(e),
            },
        };
        match &record.parsed {
            Ok(Manifest::Index(index)) => {
                pending.extend(index.manifests.iter().map(|m| m.digest.clone()));
            }
            Ok(Manifest::Image(image)) => {
                let config = &image.config.digest;
                if !registry.configs.contains_key(config)
                    && let Some(found) = read_config(v2, config, &registry.blob_sizes)
                {
                    registry.configs.insert(config.clone(), found);
                }
            }
            _ => {}
        }
        registry.manifests.insert(text, record);
    }
}

/// A config, or why it cannot be read; `None` when it is not stored (the model says so).
fn read_config(
    v2: &V2Dir<'_>,
    text: &str,
    blobs: &BTreeMap<String, u64>,
) -> Option<Result<cairn_core::ImageConfig, String>> {
    let digest = match Digest::parse(text) {
        Ok(digest) => digest,
        Err(e) => return Some(Err(e.to_string())),
    };
    blobs.get(text)?;
    Some(
        v2.blob(&digest, METADATA_LIMIT)
            .and_then(|bytes| oci_config::parse(&bytes).map_err(|e| format!("{e:#}"))),
    )
}

/// What each revision refers to, from its manifest as read.
fn fill_references(contents: &mut StorageContents) {
    let manifests = &contents.registry.manifests;
    for repository in &mut contents.gc.repositories {
        for revision in &mut repository.revisions {
            revision.references = match manifests.get(&revision.digest).map(|m| &m.parsed) {
                Some(Ok(manifest)) => Ok(manifest
                    .references()
                    .into_iter()
                    .map(String::from)
                    .collect()),
                Some(Err(e)) => Err(e.clone()),
                None => Err("not read".into()),
            };
        }
    }
}
