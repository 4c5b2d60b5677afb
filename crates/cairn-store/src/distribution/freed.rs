//! What the next garbage collection frees after a registry removal, told in the plan: the
//! requests' manifests taken out of what the collection walks, and distribution's mark and
//! sweep run before and after ([`cairn_core::gc::freed_by`]). Exact on a storage folder,
//! which shows every revision; an upper bound over the API, which shows no untagged one.

use super::{Manifest, Registry};
use cairn_core::gc::{self, ManifestDeletion};
use cairn_core::removal::registry::{GC_BOUND, GC_EXACT, RegistryStep, Unreferenced};
use cairn_core::removal::{Blob, RemovalPlan, Step};
use std::collections::BTreeMap;

/// Puts into `plan` the blobs the next collection frees because of it, computed on
/// `storage`, whose repositories are named without `host/` (the plan's names carry it).
/// `exact` says whether `storage` is all the collector walks.
pub fn tell_freed(plan: &mut RemovalPlan, storage: &gc::Storage, host: Option<&str>, exact: bool) {
    let Some(preview) = plan.registry.as_mut() else {
        return;
    };
    let deletions: Vec<ManifestDeletion> = plan
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Registry(RegistryStep::Delete {
                repository, digest, ..
            }) => Some(ManifestDeletion {
                repository: host
                    .and_then(|h| repository.strip_prefix(h)?.strip_prefix('/'))
                    .unwrap_or(repository)
                    .to_string(),
                digest: digest.clone(),
            }),
            _ => None,
        })
        .collect();
    match gc::freed_by(storage, &deletions) {
        Ok(freed) => {
            plan.blobs = freed
                .blobs
                .into_iter()
                .map(|b| Blob {
                    digest: b.digest,
                    size: b.size,
                })
                .collect();
            plan.reclaimed_bytes = freed.reclaimed_bytes;
            preview.gc_exact = exact;
            if exact {
                preview.unreferenced_already = Some(Unreferenced {
                    blobs: freed.unreferenced_already,
                    bytes: freed.unreferenced_already_bytes,
                });
                for warning in &mut plan.warnings {
                    if warning == GC_BOUND {
                        *warning = GC_EXACT.into();
                    }
                }
            }
        }
        // The model's bound stays; the collection itself is what would fail.
        Err(e) => plan.warnings.push(e.to_string()),
    }
}

impl Registry {
    /// What the collector walks, as far as this registry was seen: each repository's
    /// revisions with what their manifests refer to, and every blob they name, sized as
    /// stored where that is known, else as their descriptors say. Over the API it lacks the
    /// untagged revisions (and a manifest that could not be read refers to nothing), so what
    /// a collection frees on it is an upper bound.
    pub fn visible_storage(&self) -> gc::Storage {
        let mut sizes: BTreeMap<&str, u64> = BTreeMap::new();
        for (digest, record) in &self.manifests {
            sizes.insert(digest, record.size);
            if let Ok(Manifest::Image(image)) = &record.parsed {
                for blob in std::iter::once(&image.config).chain(&image.layers) {
                    sizes.entry(&blob.digest).or_insert(blob.size);
                }
            }
        }
        let repositories = self
            .repositories
            .iter()
            .map(|(name, repository)| gc::Repository {
                name: name.clone(),
                tags_listable: true,
                tags_error: None,
                walk_error: None,
                revisions: repository
                    .revisions
                    .iter()
                    .map(|digest| gc::Revision {
                        digest: digest.clone(),
                        tagged: repository.tags.values().any(|d| d == digest),
                        references: Ok(match self.manifests.get(digest).map(|m| &m.parsed) {
                            Some(Ok(manifest)) => manifest
                                .references()
                                .into_iter()
                                .map(String::from)
                                .collect(),
                            _ => Vec::new(),
                        }),
                    })
                    .collect(),
            })
            .collect();
        let blobs = sizes
            .into_iter()
            .map(|(digest, size)| gc::StoredBlob {
                digest: digest.to_string(),
                size: self.blob_sizes.get(digest).copied().unwrap_or(size),
            })
            .collect();
        gc::Storage {
            repositories,
            blobs,
            blobs_error: None,
        }
    }
}
