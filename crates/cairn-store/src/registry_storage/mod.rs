//! The storage folder of a CNCF distribution registry as a store
//! (`--store registry-storage:PATH`, PATH being the registry's `rootdirectory`), read from
//! disk without a server, read-only, as cairn reads containers-storage from disk. It sees
//! what the registry's API hides: untagged revisions and every repository's links, so that
//! `cairn gc --dry-run` tells exactly what `registry garbage-collect` will delete.

pub mod reader;
pub mod watch;

use crate::backend::{Backend, Loaded, RemovalTerms, Terms, VerifyReport};
use crate::contents::blob::blob_entries;
use crate::contents::{layer_error, layer_name};
use crate::digest::Digest;
use crate::distribution::freed;
use crate::error::{Result, StoreError};
use crate::oci::confined::Confined;
use crate::watch::Watch;
use anyhow::{Context, anyhow};
use cairn_core::contents::{EntrySource, LayerEntries};
use cairn_core::gc::{self, GcPlan};
use cairn_core::removal::{Blob, RemovalPlan, Step};
use cairn_core::tagging::NamesPlan;
use cairn_core::{Catalog, LayerIdx, Rules, Snapshot};
use std::path::PathBuf;
use watch::StorageProbe;

/// Why cairn does not change a registry's storage itself.
const CHANGE_THROUGH_THE_REGISTRY: &str = "cairn reads a registry's storage and never writes it; change the registry through its API (--store registry:HOST)";

/// A registry's storage folder to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryStorage {
    pub path: PathBuf,
}

impl RegistryStorage {
    /// Reads the storage: the registry model and what garbage collection walks.
    pub fn read(&self) -> Result<reader::StorageContents> {
        Ok(reader::read(&self.open()?)?)
    }

    fn open(&self) -> Result<Confined> {
        if !self.path.exists() {
            return Err(StoreError::NotFound {
                what: "registry storage",
                path: self.path.clone(),
            });
        }
        Ok(Confined::open_as(&self.path, "the registry storage")?)
    }
}

impl Backend for RegistryStorage {
    fn label(&self) -> String {
        format!("registry-storage:{}", self.path.display())
    }

    fn rules(&self) -> Rules {
        Rules::Registry
    }

    /// Watched as a fingerprint of its folders and link files: a registry takes no lock a
    /// reader could see (see [`watch`]).
    fn load(&self) -> Result<Loaded> {
        let mut watch = Watch::default();
        watch.probe(StorageProbe::new(&self.path.join("docker/registry/v2")));
        let mut contents = self.read()?;
        Ok(Loaded {
            snapshot: contents.registry.take_snapshot(),
            watch,
            terms: Terms::new(StorageTerms { gc: contents.gc }),
        })
    }

    fn apply(&self, _: &[Step], _: &[Blob], _: &dyn Fn(&Catalog) -> Vec<Step>) -> Result<()> {
        Err(StoreError::ReadOnly {
            store: self.label(),
            why: CHANGE_THROUGH_THE_REGISTRY,
        })
    }

    /// A layer is a blob (gzip, zstd or plain tar), read for its headers by the shared reader.
    fn layer_entries(&self, snapshot: &Snapshot, layer: LayerIdx) -> Result<LayerEntries> {
        let fail = |e: anyhow::Error| layer_error(&layer_name(snapshot, layer), &self.label(), &e);
        let blob = snapshot
            .layers
            .get(layer)
            .and_then(|l| l.blob.as_deref())
            .ok_or_else(|| fail(anyhow!("the store has no such layer")))?;
        let digest = Digest::parse(blob).map_err(|e| fail(e.into()))?;
        let (file, size) = reader::open_blob(&self.open()?, &digest)
            .map_err(fail)?
            .ok_or_else(|| fail(anyhow!("its blob {digest} is not in the registry")))?;
        let entries = blob_entries(file, size, "")
            .with_context(|| format!("blob {digest}"))
            .map_err(fail)?;
        Ok(LayerEntries {
            entries,
            source: EntrySource::Blob,
        })
    }

    fn verify(&self) -> Result<VerifyReport> {
        Ok(reader::verify(&self.open()?)?)
    }

    /// Exact: the storage shows every revision and blob the collector walks.
    fn garbage_collection(&self, delete_untagged: bool) -> Result<GcPlan> {
        let contents = self.read()?;
        gc::mark_and_sweep(&contents.gc, delete_untagged)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("{}: {e}", self.label())))
    }
}

/// How a storage folder tells a removal: what the same requests through the registry's API
/// would do, with what the next garbage collection then frees counted exactly, by
/// distribution's mark and sweep on the storage as read (untagged revisions included).
#[derive(Debug)]
struct StorageTerms {
    gc: gc::Storage,
}

/// What a removal planned on a storage folder says of itself.
const ONLY_READ: &str = "a registry's storage is only read: this is what the same requests through its API do (--store registry:HOST applies them)";

impl RemovalTerms for StorageTerms {
    fn refine(&self, _: &Snapshot, plan: &mut RemovalPlan) {
        if plan.registry.is_none() {
            return;
        }
        freed::tell_freed(plan, &self.gc, None, true);
        plan.warnings.push(ONLY_READ.into());
    }

    fn refine_names(&self, _: &mut NamesPlan) {}

    fn deletes_blobs(&self) -> bool {
        false
    }
}
