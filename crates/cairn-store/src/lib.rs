//! Store backends: each turns a real store into a model [`Snapshot`](cairn_core::Snapshot).
//!
//! [`load`] and [`apply`] dispatch on the kind of store, so the commands and the browser do
//! not need to know which one they work on.

pub mod archive;
pub mod atomic;
pub mod containers_storage;
pub mod digest;
pub mod docker;
pub mod lockfile;
pub mod oci;
pub mod selection;
pub mod watch;

pub use selection::{Selection, StoreSpec};
pub use watch::Watch;

use anyhow::Result;
use cairn_core::Catalog;
use cairn_core::removal::{Blob, RemovalPlan, RemoveOptions, Step, Target};
use cairn_core::tagging::NamesPlan;
use lockfile::LockFile;
use oci::plan::LayoutIndex;
use std::sync::Arc;

/// A loaded store: the snapshot, what to watch to tell a later change by another tool from
/// no change, and for an OCI layout what previews of changes need besides the model.
#[derive(Debug)]
pub struct Loaded {
    pub snapshot: cairn_core::Snapshot,
    pub watch: Watch,
    pub layout: Option<Arc<LayoutIndex>>,
}

/// Reads the store.
pub fn load(spec: &StoreSpec) -> Result<Loaded> {
    match spec {
        StoreSpec::ContainersStorage(options) => containers_storage::load(options),
        StoreSpec::Oci(store) => {
            // cairn's own lock keeps a change by another cairn out while reading; skopeo and
            // umoci take none, so index.json itself is watched too.
            let lock_path = store.path.join(oci::writer::LOCK_FILE);
            let lock = match store.kind {
                oci::OciKind::Layout if !store.demo => {
                    oci::blobs::LayoutDir::open(&store.path)?.lock_for_reading()?
                }
                _ => None,
            };
            let guard = lock.as_ref().map(LockFile::read).transpose()?;
            let mut watch = Watch::default();
            if let Some(lock) = &lock {
                watch.lock(&lock_path, lock.token()?);
            }
            if store.kind == oci::OciKind::Layout && !store.demo {
                watch.file(&store.path.join("index.json"));
            }
            let (snapshot, layout) = store.load_with_index()?;
            drop(guard);
            Ok(Loaded {
                snapshot,
                watch,
                layout: layout.map(Arc::new),
            })
        }
        StoreSpec::Docker(store) => store.load(),
    }
}

/// Plans a removal the way the store will carry it out: the model's plan, told in an OCI
/// layout's terms (blobs instead of layers) when the store is one.
pub fn plan_removal(
    catalog: &Catalog,
    layout: Option<&LayoutIndex>,
    target: &Target,
    options: RemoveOptions,
) -> RemovalPlan {
    let mut plan = cairn_core::removal::plan_removal(catalog, target, options);
    if let Some(layout) = layout {
        oci::plan::refine_removal(layout, &catalog.snapshot, &mut plan);
    }
    plan
}

/// A tag or untag told the way the store will carry it out: for an OCI layout, with the
/// blobs it deletes.
pub fn plan_names(layout: Option<&LayoutIndex>, mut plan: NamesPlan) -> NamesPlan {
    if let Some(layout) = layout {
        oci::plan::refine_names(layout, &mut plan);
    }
    plan
}

/// Applies `steps` if re-planning under the store's lock gives the same steps, and for an OCI
/// layout the same `blobs` to delete: what was shown is what happens.
pub fn apply<F>(spec: &StoreSpec, steps: &[Step], blobs: &[Blob], replan: F) -> Result<()>
where
    F: FnOnce(&Catalog) -> Vec<Step>,
{
    if steps.is_empty() {
        return Ok(());
    }
    match spec {
        StoreSpec::ContainersStorage(options) => {
            containers_storage::writer::apply(options, steps, replan)
        }
        StoreSpec::Oci(store) => oci::writer::apply(store, steps, blobs, replan).map(|_| ()),
        StoreSpec::Docker(store) => docker::writer::apply(store, steps, replan),
    }
}
