//! `oci-archive:` and `docker-archive:` files as stores, read-only: changing one means
//! rewriting the whole tar, which is `podman save`'s job. The archive is scanned into memory
//! ([`blobs`]) and read as the OCI layout it holds or implies.

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

/// Which tool's format the archive is in, as `--store` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// `oci-archive:FILE`: an OCI layout in a tar.
    Oci,
    /// `docker-archive:FILE`: `docker save`'s tar, either form.
    Docker,
}

/// An archive file to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub kind: ArchiveKind,
    pub path: PathBuf,
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
        let source = ArchiveBlobs::open(&self.path, false)?;
        let (snapshot, _) = oci::read_snapshot(&source, true)?;
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
        ArchiveBlobs::open(&self.path, false)
            .and_then(|source| oci::contents::layer_entries(&source, snapshot, layer))
            .map_err(|e| layer_error(&layer_name(snapshot, layer), &self.label(), &e))
    }

    /// Every member is hashed while the archive is scanned.
    fn verify(&self) -> Result<VerifyReport> {
        let source = ArchiveBlobs::open(&self.path, true)?;
        Ok(oci::verify::verify(&source)?)
    }
}
