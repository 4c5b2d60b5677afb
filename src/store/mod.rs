//! Store backends: each turns a real store into a model [`Snapshot`].
//!
//! [`load`] and [`apply`] dispatch on the kind of store, so the commands and the browser do
//! not need to know which one they work on.

pub mod archive;
pub mod atomic;
pub mod containers_storage;
pub mod lockfile;
pub mod oci;
pub mod selection;

pub use selection::{StoreFlags, StoreSpec};

use crate::model::Catalog;
use crate::model::removal::Step;
use anyhow::Result;
use containers_storage::{Loaded, LockTokens};
use lockfile::LockFile;

/// Reads the store. For an OCI layout the watched token is that of cairn's own lock file, so
/// a change made by another cairn is seen (skopeo and umoci take no lock to watch).
pub fn load(spec: &StoreSpec) -> Result<Loaded> {
    match spec {
        StoreSpec::ContainersStorage(options) => containers_storage::load(options),
        StoreSpec::Oci(store) => {
            let lock_path = store.path.join(oci::writer::LOCK_FILE);
            let lock = match store.kind {
                oci::OciKind::Layout => LockFile::open_existing(&lock_path)?,
                _ => None,
            };
            let guard = lock.as_ref().map(LockFile::read).transpose()?;
            let tokens = match &lock {
                Some(lock) => LockTokens(vec![(lock_path.clone(), lock.token()?)]),
                None => LockTokens::default(),
            };
            let snapshot = store.load()?;
            drop(guard);
            Ok(Loaded { snapshot, tokens })
        }
    }
}

/// Applies `steps` if re-planning under the store's lock gives the same steps.
pub fn apply<F>(spec: &StoreSpec, steps: &[Step], replan: F) -> Result<()>
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
        StoreSpec::Oci(store) => oci::writer::apply(store, steps, replan).map(|_| ()),
    }
}
