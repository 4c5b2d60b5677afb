//! What `rm` does on a registry, which is not what `podman rmi` does: the distribution API
//! deletes a manifest by digest from one repository (`DELETE /v2/<name>/manifests/<digest>`),
//! and every tag of that repository that points at it goes with it; the same digest tagged
//! in another repository stays there. Nothing is freed until the registry's garbage
//! collection runs; the plan says what it would free at most, since untagged revisions the
//! API does not list may still hold blobs.
//!
//! Rules, each a step below:
//! 1. A name deletes its digest from its own repository; a digest or ID from every
//!    repository that tags it.
//! 2. Every tag of that repository on that digest is listed as going.
//! 3. A platform image an index still needs is never deleted on its own: the index would be
//!    left naming a manifest that is gone (distribution#3178).
//! 4. An index takes with it the platform images no tag and no other index of the
//!    repository needs, after it (so that a failure never leaves an index without a child).
//! 5. The blobs freed are those no image left after the change uses.
//! 6. The preview says what else the requests touch: the digest's tags in repositories
//!    that keep it, and each platform image of a deleted index, deleted with it or kept
//!    (and why). A registry cairn only reads (its storage folder) is planned all the same,
//!    as what the requests through its API would do, and marked read-only.

use super::{Blob, ErrorKind, PlanError, RemovalPlan, RemoveOptions, Step, Target};
use crate::lookup::{LookupError, lookup_resolved};
use crate::reference::split_tag;
use crate::{Catalog, ImageIdx, Snapshot};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One request that changes a registry. Names are full (`[HOST/]REPOSITORY:TAG`), as the
/// snapshot has them; the store turns them into its API's paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryStep {
    /// Delete a manifest by digest from one repository (`[HOST/]REPOSITORY`); `tags` are
    /// the repository's tags on it, which go with it and are checked to still point at it
    /// right before.
    Delete {
        repository: String,
        digest: String,
        tags: Vec<String>,
    },
    /// Point the tag `name` at the manifest `digest`, read from the repository `from`;
    /// `replaces` is the digest the tag points at now, if any.
    Tag {
        name: String,
        digest: String,
        from: String,
        replaces: Option<String>,
    },
    /// Delete the tag `name`, which points at `digest`, and only the tag.
    Untag { name: String, digest: String },
}

/// What is said of every registry removal: the API cannot see everything GC counts.
pub const GC_BOUND: &str = "nothing is freed until the registry's garbage collection runs, which frees at most the blobs listed (an untagged revision that uses one keeps it)";

/// What is said instead where the storage was read, and the freed blobs are exact.
pub const GC_EXACT: &str = "nothing is freed until `registry garbage-collect` runs, which then frees exactly the blobs listed (distribution's mark and sweep on the storage as read)";

/// Rule 6: what a registry removal shows besides its names and images.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegistryPreview {
    /// The requests: each manifest deleted from one repository, with the tags that go.
    pub deletes: Vec<ManifestDelete>,
    /// Tags of the deleted digests in repositories that keep them (a removal by name).
    pub tags_kept: Vec<String>,
    /// The platform images of the indexes deleted, and what becomes of each.
    pub index_children: Vec<IndexChild>,
    /// True when `blobs` and `reclaimed_bytes` are exact (the storage was read, with its
    /// untagged revisions); false when they are an upper bound (over the API, untagged
    /// revisions are invisible and may keep some of them).
    pub gc_exact: bool,
    /// Blobs the next collection deletes anyway, already referenced by nothing (known only
    /// where the storage was read): not this removal's doing, counted apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreferenced_already: Option<Unreferenced>,
    /// True when the registry is only read here (a storage folder): the plan is what the
    /// same requests through its API would do, and nothing can be applied to it.
    pub read_only: bool,
}

/// One `DELETE /v2/<repository>/manifests/<digest>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestDelete {
    pub repository: String,
    pub digest: String,
    /// The repository's tags on the digest, which go with it.
    pub tags: Vec<String>,
}

/// A platform image of a deleted index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexChild {
    pub index: String,
    pub repository: String,
    pub digest: String,
    pub platform: String,
    /// Deleted after its index; when false, `kept_because` says what still needs it.
    pub deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_because: Option<String>,
}

/// Blobs already referenced by nothing, which the next collection deletes with or without
/// the removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Unreferenced {
    pub blobs: usize,
    pub bytes: u64,
}

/// One manifest to delete from one repository: (repository, image).
type Deletion = (String, ImageIdx);

/// Plans `rm` on a registry snapshot.
pub fn plan_removal(catalog: &Catalog, target: &Target, _options: RemoveOptions) -> RemovalPlan {
    let snapshot = &catalog.snapshot;
    let mut plan = RemovalPlan::default();
    let mut wanted: Vec<Deletion> = Vec::new();
    match target {
        Target::References(references) => {
            for reference in references {
                match deletions_for(snapshot, reference) {
                    Ok(found) => {
                        for deletion in found {
                            if !wanted.contains(&deletion) {
                                wanted.push(deletion);
                            }
                        }
                    }
                    Err(error) => plan.errors.push(error),
                }
            }
        }
        Target::All | Target::Prune { all: true } => {
            for (idx, image) in snapshot.images.iter_enumerated() {
                for repository in repositories(&image.names) {
                    wanted.push((repository, idx));
                }
            }
        }
        // Dangling manifests are untagged revisions, which the API does not list.
        Target::Prune { all: false } => {}
    }
    // Rule 3: a platform image whose index stays is refused.
    let mut deletions: Vec<Deletion> = Vec::new();
    for (repository, idx) in &wanted {
        let needing: Vec<String> = parents_in(snapshot, repository, *idx)
            .into_iter()
            .filter(|list| !wanted.iter().any(|(r, i)| r == repository && i == list))
            .map(|list| format!("sha256:{}", snapshot.images[list].id))
            .collect();
        if !needing.is_empty() {
            plan.errors.push(PlanError {
                reference: snapshot.images[*idx].id.clone(),
                message: format!(
                    "sha256:{} is a platform image of index {} in {repository}: deleting it would leave the index naming a missing manifest; remove the index",
                    snapshot.images[*idx].id,
                    needing.join(" and ")
                ),
                kind: ErrorKind::Other,
            });
            continue;
        }
        deletions.push((repository.clone(), *idx));
    }
    // Rule 4: an index's children that nothing else in the repository needs go after it.
    let mut children: Vec<Deletion> = Vec::new();
    for (repository, idx) in &deletions {
        for (child, _) in snapshot.instances(*idx) {
            let tagged = repositories(&snapshot.images[child].names).contains(repository);
            let other_index = parents_in(snapshot, repository, child)
                .into_iter()
                .any(|other| other != *idx && !deletions.contains(&(repository.clone(), other)));
            let deletion = (repository.clone(), child);
            if !tagged
                && !other_index
                && !deletions.contains(&deletion)
                && !children.contains(&deletion)
            {
                children.push(deletion);
            }
        }
    }
    for (repository, idx) in deletions.iter().chain(&children) {
        let image = &snapshot.images[*idx];
        // Rule 2: every tag of the repository on that digest goes.
        let tags: Vec<String> = image
            .names
            .iter()
            .filter(|name| split_tag(name).0 == repository)
            .cloned()
            .collect();
        plan.untagged.extend(tags.iter().cloned());
        if !plan.deleted.contains(&image.id) {
            plan.deleted.push(image.id.clone());
            plan.records_deleted.push(image.id.clone());
        }
        plan.steps.push(Step::Registry(RegistryStep::Delete {
            repository: repository.clone(),
            digest: format!("sha256:{}", image.id),
            tags,
        }));
    }
    freed(catalog, &deletions, &children, &mut plan);
    if !plan.steps.is_empty() {
        plan.warnings.push(GC_BOUND.into());
        plan.registry = Some(preview(snapshot, &deletions, &children, &plan.steps));
    }
    plan
}

/// Rule 6: the tags that stay, the platform images of deleted indexes, read-only or not.
fn preview(
    snapshot: &Snapshot,
    deletions: &[Deletion],
    children: &[Deletion],
    steps: &[Step],
) -> RegistryPreview {
    let deletes = steps
        .iter()
        .filter_map(|step| match step {
            Step::Registry(RegistryStep::Delete {
                repository,
                digest,
                tags,
            }) => Some(ManifestDelete {
                repository: repository.clone(),
                digest: digest.clone(),
                tags: tags.clone(),
            }),
            _ => None,
        })
        .collect();
    let goes = |repository: &str, idx: ImageIdx| {
        deletions
            .iter()
            .chain(children)
            .any(|(r, i)| r == repository && *i == idx)
    };
    let mut tags_kept = Vec::new();
    let mut index_children = Vec::new();
    for (repository, idx) in deletions {
        let image = &snapshot.images[*idx];
        for name in &image.names {
            if !goes(split_tag(name).0, *idx) && !tags_kept.contains(name) {
                tags_kept.push(name.clone());
            }
        }
        for (child, platform) in snapshot.instances(*idx) {
            let deleted = goes(repository, child);
            let kept_because = (!deleted).then(|| why_kept(snapshot, repository, child, &goes));
            index_children.push(IndexChild {
                index: format!("sha256:{}", image.id),
                repository: repository.clone(),
                digest: format!("sha256:{}", snapshot.images[child].id),
                platform: platform.to_string(),
                deleted,
                kept_because,
            });
        }
    }
    RegistryPreview {
        deletes,
        tags_kept,
        index_children,
        gc_exact: false,
        unreferenced_already: None,
        read_only: deletions
            .iter()
            .chain(children)
            .any(|(_, i)| snapshot.images[*i].read_only),
    }
}

/// Why rule 4 keeps a platform image of a deleted index: a tag of the repository on it,
/// or another index of the repository that names it.
fn why_kept(
    snapshot: &Snapshot,
    repository: &str,
    child: ImageIdx,
    goes: &dyn Fn(&str, ImageIdx) -> bool,
) -> String {
    let image = &snapshot.images[child];
    if let Some(tag) = image.names.iter().find(|n| split_tag(n).0 == repository) {
        return format!("tagged {tag}");
    }
    let other = parents_in(snapshot, repository, child)
        .into_iter()
        .find(|&other| !goes(repository, other));
    match other {
        Some(other) => format!("named by index sha256:{}", snapshot.images[other].id),
        None => "still needed in the repository".into(),
    }
}

/// Rule 1: the manifests a reference names, by repository.
fn deletions_for(snapshot: &Snapshot, reference: &str) -> Result<Vec<Deletion>, PlanError> {
    let (idx, matched) = lookup_resolved(snapshot, reference).map_err(|e| PlanError {
        reference: reference.to_string(),
        kind: match e {
            LookupError::NotKnown(_) | LookupError::NoSuchImage(_) => ErrorKind::Unknown,
            _ => ErrorKind::Other,
        },
        message: e.to_string(),
    })?;
    let image = &snapshot.images[idx];
    if image.names.contains(&matched) {
        return Ok(vec![(split_tag(&matched).0.to_string(), idx)]);
    }
    let mut found: Vec<Deletion> = repositories(&image.names)
        .into_iter()
        .map(|r| (r, idx))
        .collect();
    if found.is_empty() {
        // An untagged platform image: in the repositories of its indexes (refused by rule 3).
        let lists = snapshot
            .images
            .iter()
            .filter(|list| list.instances.iter().any(|i| i.id == image.id));
        for repository in lists.flat_map(|list| repositories(&list.names)) {
            if !found.iter().any(|(r, _)| *r == repository) {
                found.push((repository, idx));
            }
        }
    }
    Ok(found)
}

/// The indexes tagged in `repository` that name `idx` among their platform images.
fn parents_in(snapshot: &Snapshot, repository: &str, idx: ImageIdx) -> Vec<ImageIdx> {
    let id = &snapshot.images[idx].id;
    snapshot
        .images
        .iter_enumerated()
        .filter(|(_, list)| {
            list.instances.iter().any(|i| i.id == *id)
                && repositories(&list.names).iter().any(|r| r == repository)
        })
        .map(|(list, _)| list)
        .collect()
}

/// The repositories (`[HOST/]REPOSITORY`) of these names, in order, once each.
fn repositories(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let repository = split_tag(name).0.to_string();
        if !out.contains(&repository) {
            out.push(repository);
        }
    }
    out
}

/// Rule 5: what the next garbage collection frees at most: the blobs of the manifests that
/// leave every repository, that no image left uses.
fn freed(catalog: &Catalog, deletions: &[Deletion], children: &[Deletion], plan: &mut RemovalPlan) {
    let snapshot = &catalog.snapshot;
    let mut left: BTreeMap<ImageIdx, Vec<String>> = snapshot
        .images
        .iter_enumerated()
        .map(|(idx, image)| (idx, repositories(&image.names)))
        .collect();
    for (repository, idx) in deletions.iter().chain(children) {
        if let Some(repos) = left.get_mut(idx) {
            repos.retain(|r| r != repository);
        }
    }
    let child_ids: BTreeSet<ImageIdx> = children.iter().map(|(_, i)| *i).collect();
    // An image stays while a repository tags it, or while it is a child of an index that stays.
    let stays = |idx: ImageIdx| {
        let tagged = left.get(&idx).is_some_and(|r| !r.is_empty());
        let listed = snapshot
            .list_of(idx)
            .is_some_and(|list| left.get(&list).is_some_and(|r| !r.is_empty()));
        tagged || (listed && !child_ids.contains(&idx))
    };
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for idx in snapshot.images.keys().filter(|&i| stays(i)) {
        used.extend(blobs_of(catalog, idx).into_iter().map(|(d, _)| d));
    }
    let mut gone: BTreeMap<&str, u64> = BTreeMap::new();
    for idx in snapshot.images.keys().filter(|&i| !stays(i)) {
        let touched = deletions.iter().chain(children).any(|(_, i)| *i == idx);
        if !touched {
            continue;
        }
        for (digest, size) in blobs_of(catalog, idx) {
            if !used.contains(digest) {
                gone.insert(digest, size);
            }
        }
        plan.reclaimed_bytes = plan
            .reclaimed_bytes
            .saturating_add(snapshot.images[idx].big_data_size);
    }
    for (digest, size) in gone {
        plan.reclaimed_bytes = plan.reclaimed_bytes.saturating_add(size);
        plan.blobs.push(Blob {
            digest: digest.to_string(),
            size,
        });
    }
}

/// The layer blobs of an image, with their sizes.
fn blobs_of(catalog: &Catalog, idx: ImageIdx) -> Vec<(&str, u64)> {
    let snapshot = &catalog.snapshot;
    let mut out = Vec::new();
    let mut layer = snapshot.images[idx]
        .top_layer
        .as_deref()
        .and_then(|id| snapshot.layer_by_id(id));
    while let Some(l) = layer {
        let record = &snapshot.layers[l];
        if let Some(blob) = record.blob.as_deref() {
            out.push((blob, record.size()));
        }
        layer = record
            .parent
            .as_deref()
            .and_then(|id| snapshot.layer_by_id(id));
    }
    out
}

#[cfg(test)]
mod tests;
