//! What a registry's garbage collection deletes, computed without deleting anything: CNCF
//! distribution 2.8's mark and sweep (`registry/storage/garbagecollect.go`, v2.8.2), on a
//! description of the storage any registry store can give.
//!
//! Mark: every repository's every manifest revision is marked with everything its manifest
//! refers to (an image's config and layers, an index's manifests), so a blob survives while
//! any revision in any repository references it. With `--delete-untagged`, a revision no tag
//! points at is not marked but deleted; its references are not marked either. An index marks
//! the digests of its manifests but not what they refer to in turn (one level only), so an
//! untagged platform manifest of a tagged index keeps its own blob and loses its layers
//! (distribution#3178).
//!
//! Sweep: every blob not marked is deleted, manifests' own blobs included.

use serde::Serialize;
use std::collections::HashSet;

/// One revision (a manifest linked in a repository).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub digest: String,
    /// Whether a tag of its repository points at it now.
    pub tagged: bool,
    /// Every digest its manifest refers to, or why the manifest cannot be read: marking such
    /// a revision fails the collection, as it fails distribution's.
    pub references: Result<Vec<String>, String>,
}

/// One repository as garbage collection walks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    /// Whether `_manifests/tags` exists: distribution fails to delete an untagged revision of
    /// a repository without it, since it cannot list the repository's tags.
    pub tags_listable: bool,
    /// Why distribution cannot read a tag of the repository (a `current/link` that is not a
    /// digest): with `--delete-untagged` it looks up every revision's tags, and stops there.
    pub tags_error: Option<String>,
    /// Why distribution's walk of the repository's revisions stops (a revision link that is
    /// not a digest): the collection fails, with or without `--delete-untagged`.
    pub walk_error: Option<String>,
    /// Its revisions, as distribution enumerates them: links whose manifest blob exists.
    pub revisions: Vec<Revision>,
}

/// A blob file of the storage and its size on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredBlob {
    pub digest: String,
    pub size: u64,
}

/// What the collection walks: repositories in storage order and every blob stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Storage {
    pub repositories: Vec<Repository>,
    pub blobs: Vec<StoredBlob>,
    /// Why distribution's walk of every blob stops (a `data` file under a folder no digest
    /// names): the sweep fails once the mark is done, before deleting anything.
    pub blobs_error: Option<String>,
}

/// An untagged revision `--delete-untagged` deletes, and its repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestDeletion {
    pub repository: String,
    pub digest: String,
}

/// What the next garbage collection deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcPlan {
    /// Revisions deleted (only with `--delete-untagged`), in walk order, one per repository
    /// that links them, as distribution counts them.
    pub manifests: Vec<ManifestDeletion>,
    /// Blob files deleted, by digest.
    pub blobs: Vec<StoredBlob>,
    /// The blobs' sizes on disk, summed.
    pub reclaimed_bytes: u64,
    /// How many digests were marked, as distribution reports it.
    pub marked: usize,
    /// What the plan cannot see (over a registry's API, untagged revisions), to be said with it.
    pub caveats: Vec<String>,
}

/// Why the collection would fail: distribution stops before sweeping anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("garbage collection would fail {0}")]
pub struct GcError(pub String);

impl GcError {
    /// A failure of the mark, which distribution reports as `failed to mark`.
    fn marking(reason: String) -> Self {
        GcError(format!("while marking: {reason}"))
    }
}

/// Distribution's mark and sweep, without the sweep.
pub fn mark_and_sweep(storage: &Storage, delete_untagged: bool) -> Result<GcPlan, GcError> {
    let mut marked: HashSet<&str> = HashSet::new();
    let mut manifests = Vec::new();
    for repository in &storage.repositories {
        // distribution parses each name it walks as a reference, and stops on one it cannot.
        if let Err(reason) = crate::reference::check_syntax(&repository.name) {
            return Err(GcError::marking(format!(
                "failed to parse repo name {}: {reason}",
                repository.name
            )));
        }
        if let Some(reason) = &repository.walk_error {
            return Err(GcError::marking(format!("{}: {reason}", repository.name)));
        }
        for revision in &repository.revisions {
            if delete_untagged && let Some(reason) = &repository.tags_error {
                return Err(GcError::marking(format!(
                    "{}: failed to retrieve tags for digest {}: {reason}",
                    repository.name, revision.digest
                )));
            }
            if delete_untagged && !revision.tagged {
                if !repository.tags_listable {
                    return Err(GcError::marking(format!(
                        "{}: failed to retrieve tags: the repository has no _manifests/tags",
                        repository.name
                    )));
                }
                manifests.push(ManifestDeletion {
                    repository: repository.name.clone(),
                    digest: revision.digest.clone(),
                });
                continue;
            }
            marked.insert(&revision.digest);
            let references = revision.references.as_ref().map_err(|reason| {
                GcError::marking(format!(
                    "{}: failed to retrieve manifest for digest {}: {reason}",
                    repository.name, revision.digest
                ))
            })?;
            marked.extend(references.iter().map(String::as_str));
        }
    }
    if let Some(reason) = &storage.blobs_error {
        return Err(GcError(format!(
            "while sweeping: error enumerating blobs: {reason}"
        )));
    }
    let blobs: Vec<StoredBlob> = storage
        .blobs
        .iter()
        .filter(|b| !marked.contains(b.digest.as_str()))
        .cloned()
        .collect();
    let reclaimed_bytes = blobs.iter().map(|b| b.size).fold(0, u64::saturating_add);
    Ok(GcPlan {
        manifests,
        blobs,
        reclaimed_bytes,
        marked: marked.len(),
        caveats: Vec::new(),
    })
}

/// What deleting manifests through the API (`DELETE /v2/<name>/manifests/<digest>`, which
/// drops the repository's revision link and every tag on it) changes in the next garbage
/// collection, without `--delete-untagged`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Freed {
    /// Blob files the next collection deletes because of the change: those no revision left
    /// in any repository references, that it would keep without the change.
    pub blobs: Vec<StoredBlob>,
    /// Their sizes on disk, summed.
    pub reclaimed_bytes: u64,
    /// Blob files the next collection deletes anyway (already unreferenced), counted apart
    /// so that the change is not credited with them.
    pub unreferenced_already: usize,
    pub unreferenced_already_bytes: u64,
}

/// The storage as it is once these revisions are deleted: each revision link goes from its
/// repository; the tags on it go with it, which changes no other revision's tagged state.
pub fn after_deleting(storage: &Storage, deletions: &[ManifestDeletion]) -> Storage {
    let mut after = storage.clone();
    for repository in &mut after.repositories {
        repository.revisions.retain(|revision| {
            !deletions
                .iter()
                .any(|d| d.repository == repository.name && d.digest == revision.digest)
        });
    }
    after
}

/// What the next collection frees because of `deletions`: the sweep after them less the
/// sweep before, both by distribution's mark and sweep, so exact wherever `storage` is.
pub fn freed_by(storage: &Storage, deletions: &[ManifestDeletion]) -> Result<Freed, GcError> {
    let before = mark_and_sweep(storage, false)?;
    let after = mark_and_sweep(&after_deleting(storage, deletions), false)?;
    let swept: HashSet<&str> = before.blobs.iter().map(|b| b.digest.as_str()).collect();
    let blobs: Vec<StoredBlob> = after
        .blobs
        .into_iter()
        .filter(|b| !swept.contains(b.digest.as_str()))
        .collect();
    Ok(Freed {
        reclaimed_bytes: blobs.iter().map(|b| b.size).fold(0, u64::saturating_add),
        blobs,
        unreferenced_already: before.blobs.len(),
        unreferenced_already_bytes: before.reclaimed_bytes,
    })
}

#[cfg(test)]
mod tests;
