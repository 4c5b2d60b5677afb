//! OCI image layouts (`--store oci:PATH`) and, read-only, the archives that hold one
//! (`oci-archive:FILE`, `docker-archive:FILE`, in [`crate::archive`]).
//!
//! A layout is mapped onto the same model as containers-storage (see [`layout`]), so the
//! lineage, history, sizes and the browser need nothing of their own. Changes reuse podman's
//! planners; [`plan`] turns their steps into a new `index.json` and the blobs that become
//! unreachable, and [`writer`] applies that under an advisory lock.

pub mod blobs;
pub mod confined;
pub use super::digest;
pub mod embedded;
pub mod layout;
pub mod plan;
pub mod verify;
pub mod writer;

use crate::archive::ArchiveBlobs;
use anyhow::Result;
use blobs::{BlobSource, LayoutDir};
use cairn_core::{Rules, Snapshot};
use plan::LayoutIndex;
use std::path::PathBuf;

/// The three stores that are an OCI layout, or hold one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OciKind {
    Layout,
    OciArchive,
    DockerArchive,
}

/// An OCI layout or archive to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciStore {
    pub kind: OciKind,
    pub path: PathBuf,
    /// The demo layout bundled with cairn (compiled in), opened because the machine has no
    /// store: it is part of cairn itself and is never changed.
    pub demo: bool,
}

impl OciStore {
    /// Archives are read-only (changing one means rewriting the whole tar), and so is the demo.
    pub fn read_only(&self) -> bool {
        self.demo || self.kind != OciKind::Layout
    }

    /// The blobs, from the folder or from the archive scanned into memory; `hash` makes the
    /// archive scan hash every member, for `verify`.
    pub fn open_source(&self, hash: bool) -> Result<Box<dyn BlobSource>> {
        if self.demo {
            return Ok(Box::new(embedded::EmbeddedDemo));
        }
        Ok(match self.kind {
            OciKind::Layout => Box::new(LayoutDir::open(&self.path)?),
            OciKind::OciArchive | OciKind::DockerArchive => {
                Box::new(ArchiveBlobs::open(&self.path, hash)?)
            }
        })
    }

    /// Reads the layout into a snapshot. OCI stores have no containers.
    pub fn load(&self) -> Result<Snapshot> {
        self.load_with_index().map(|(snapshot, _)| snapshot)
    }

    /// Reads the layout into a snapshot, and for a layout that can be changed, what a
    /// change's preview needs besides (see [`plan::LayoutIndex`]).
    pub fn load_with_index(&self) -> Result<(Snapshot, Option<LayoutIndex>)> {
        let source = self.open_source(false)?;
        let mut contents = layout::read(source.as_ref(), self.read_only())?;
        let snapshot = Snapshot::new(
            std::mem::take(&mut contents.images),
            std::mem::take(&mut contents.layers),
            Vec::new(),
        )
        .with_rules(Rules::Layout);
        let index = match self.read_only() {
            true => None,
            false => {
                // A layout that leads outside its folder is still shown; only changing it is
                // refused, and the previews say why.
                let (blobs, refusal) = match LayoutDir::open(&self.path)?.changeable_blobs() {
                    Ok(blobs) => (blobs, plan::invalid_digest(&contents, &self.path)),
                    Err(e) => (Vec::new(), Some(format!("{e:#}"))),
                };
                Some(LayoutIndex {
                    contents,
                    blobs,
                    refusal,
                })
            }
        };
        Ok((snapshot, index))
    }

    /// How the status bar and messages name the store.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            OciKind::Layout => "oci",
            OciKind::OciArchive => "oci-archive",
            OciKind::DockerArchive => "docker-archive",
        };
        if self.demo {
            format!(
                "{kind}:{} (bundled demo: no image store found)",
                self.path.display()
            )
        } else {
            format!("{kind}:{}", self.path.display())
        }
    }
}
