//! `oci-archive:` and `docker-archive:` files as stores, read-only: changing one means
//! rewriting the whole tar, which is `podman save`'s job. The archive is scanned into memory
//! ([`blobs`]) and read as the OCI layout it holds or implies. An opened store scans its
//! archive once and keeps the scan while the file stays the same one, unchanged: loading it
//! and reading any number of its layers is one pass over the tar's headers, each layer then
//! read where it lies.

pub mod blobs;

use crate::backend::{Backend, Loaded, Terms, VerifyReport};
use crate::contents::{layer_error, layer_name};
use crate::error::{Result, StoreError};
use crate::oci::{self, ONLY_LAYOUTS};
use crate::watch::Watch;
use blobs::ArchiveBlobs;
use cairn_core::contents::LayerEntries;
use cairn_core::removal::{Blob, Step};
use cairn_core::{Catalog, LayerIdx, Rules, Snapshot};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Which tool's format the archive is in, as `--store` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// `oci-archive:FILE`: an OCI layout in a tar.
    Oci,
    /// `docker-archive:FILE`: `docker save`'s tar, either form.
    Docker,
}

/// An archive file to open.
#[derive(Debug)]
pub struct Archive {
    pub kind: ArchiveKind,
    pub path: PathBuf,
    /// The last scan of the file, reused while [`ArchiveBlobs::is_current`].
    scanned: Mutex<Option<Arc<ArchiveBlobs>>>,
    /// How many times the file was scanned for reading.
    scans: AtomicUsize,
}

impl Archive {
    pub fn new(kind: ArchiveKind, path: PathBuf) -> Self {
        Archive {
            kind,
            path,
            scanned: Mutex::new(None),
            scans: AtomicUsize::new(0),
        }
    }

    /// How many times this store has scanned its archive to read it (`verify`'s hashing
    /// pass aside): once, until the file is replaced or written to. The tests hold the
    /// store to this.
    pub fn scans(&self) -> usize {
        self.scans.load(Ordering::Relaxed)
    }

    /// The archive's scan: the last one while the file is unchanged, else a new one. Layers
    /// read side by side wait here for the one scan rather than each making its own.
    fn blobs(&self) -> anyhow::Result<Arc<ArchiveBlobs>> {
        let mut scanned = self.scanned.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(blobs) = scanned.as_ref().filter(|b| b.is_current()) {
            return Ok(Arc::clone(blobs));
        }
        let blobs = Arc::new(ArchiveBlobs::open(&self.path, false)?);
        self.scans.fetch_add(1, Ordering::Relaxed);
        *scanned = Some(Arc::clone(&blobs));
        Ok(blobs)
    }
}

impl Backend for Archive {
    fn label(&self) -> String {
        let kind = match self.kind {
            ArchiveKind::Oci => "oci-archive",
            ArchiveKind::Docker => "docker-archive",
        };
        format!("{kind}:{}", self.path.display())
    }

    fn rules(&self) -> Rules {
        Rules::Layout
    }

    /// Nothing to watch: an archive is replaced whole, and a reload is one key away.
    fn load(&self) -> Result<Loaded> {
        let source = self.blobs()?;
        let (snapshot, _) = oci::read_snapshot(source.as_ref(), true)?;
        Ok(Loaded {
            snapshot,
            watch: Watch::default(),
            terms: Terms::default(),
        })
    }

    fn apply(&self, _: &[Step], _: &[Blob], _: &dyn Fn(&Catalog) -> Vec<Step>) -> Result<()> {
        Err(StoreError::ReadOnly {
            store: self.label(),
            why: ONLY_LAYOUTS,
        })
    }

    fn layer_entries(&self, snapshot: &Snapshot, layer: LayerIdx) -> Result<LayerEntries> {
        self.blobs()
            .and_then(|source| oci::contents::layer_entries(source.as_ref(), snapshot, layer))
            .map_err(|e| layer_error(&layer_name(snapshot, layer), &self.label(), &e))
    }

    /// Every member is hashed while the archive is scanned.
    fn verify(&self) -> Result<VerifyReport> {
        let source = ArchiveBlobs::open(&self.path, true)?;
        Ok(oci::verify::verify(&source)?)
    }
}
