//! OCI image layouts as a store (`--store oci:PATH`, and the bundled demo), and the layout
//! reading that archives ([`crate::archive`]) share.
//!
//! A layout is mapped onto the same model as containers-storage (see [`layout`]), so the
//! lineage, history, sizes and the browser need nothing of their own. Changes reuse podman's
//! planners; [`plan`] turns their steps into a new `index.json` and the blobs that become
//! unreachable, and [`writer`] applies that under an advisory lock.

pub mod blobs;
pub mod confined;
pub mod contents;
pub mod document;
pub mod embedded;
pub mod layout;
pub mod plan;
pub mod verify;
pub mod writer;

use crate::backend::{Backend, Loaded, RemovalTerms, Terms, VerifyReport};
use crate::contents::{layer_error, layer_name};
use crate::error::Result;
use crate::lockfile::LockFile;
use crate::watch::Watch;
use blobs::{BlobSource, LayoutDir};
use cairn_core::contents::LayerEntries;
use cairn_core::removal::{Blob, RemovalPlan, Step};
use cairn_core::tagging::NamesPlan;
use cairn_core::{Catalog, LayerIdx, Rules, Snapshot};
use layout::LayoutContents;
use plan::LayoutIndex;
use std::path::PathBuf;

/// What cairn says when it opens the bundled demo because the machine has no store.
pub const DEMO_NOTICE: &str = "cairn: no image store found; showing the bundled demo (assets/demo)";

/// Why a store made of blobs other than a layout folder cannot be changed.
pub(crate) const ONLY_LAYOUTS: &str = "cairn changes OCI layouts only";

/// An OCI image layout folder to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciLayout {
    pub path: PathBuf,
    /// The demo layout bundled with cairn (compiled in), opened because the machine has no
    /// store: it is part of cairn itself and is never changed.
    pub demo: bool,
}

impl OciLayout {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        OciLayout {
            path: path.into(),
            demo: false,
        }
    }

    /// The demo store: the layout `scripts/make-demo.sh` writes to `assets/demo`, compiled
    /// into the binary, so an installed cairn has it too.
    pub fn demo() -> Self {
        OciLayout {
            path: PathBuf::from("assets/demo"),
            demo: true,
        }
    }

    fn source(&self) -> Result<Box<dyn BlobSource>> {
        Ok(match self.demo {
            true => Box::new(embedded::EmbeddedDemo),
            false => Box::new(LayoutDir::open(&self.path)?),
        })
    }

    /// Reads the layout into a snapshot, and unless it is the demo what a change's preview
    /// needs besides (see [`plan::LayoutIndex`]).
    pub(crate) fn load_with_index(&self) -> Result<(Snapshot, Option<LayoutIndex>)> {
        let (snapshot, contents) = read_snapshot(self.source()?.as_ref(), self.demo)?;
        let index = match self.demo {
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
}

/// Reads a layout, wherever its blobs are, into a snapshot (OCI stores have no containers)
/// and the layout's own records.
pub fn read_snapshot(
    source: &dyn BlobSource,
    read_only: bool,
) -> anyhow::Result<(Snapshot, LayoutContents)> {
    let mut contents = layout::read(source, read_only)?;
    let snapshot = Snapshot::new(
        std::mem::take(&mut contents.images),
        std::mem::take(&mut contents.layers),
        Vec::new(),
    )
    .with_rules(Rules::Layout);
    Ok((snapshot, contents))
}

/// A layout's images go when no descriptor reaches their manifests: removals, tags and
/// untags are told in the blobs they delete (see [`plan::refine_removal`] and
/// [`plan::refine_names`]).
impl RemovalTerms for LayoutIndex {
    fn refine(&self, snapshot: &Snapshot, plan: &mut RemovalPlan) {
        plan::refine_removal(self, snapshot, plan);
    }

    fn refine_names(&self, plan: &mut NamesPlan) {
        plan::refine_names(self, plan);
    }

    fn deletes_blobs(&self) -> bool {
        true
    }
}

impl Backend for OciLayout {
    fn label(&self) -> String {
        match self.demo {
            true => format!(
                "oci:{} (bundled demo: no image store found)",
                self.path.display()
            ),
            false => format!("oci:{}", self.path.display()),
        }
    }

    fn rules(&self) -> Rules {
        Rules::Layout
    }

    fn notice(&self) -> Option<&'static str> {
        self.demo.then_some(DEMO_NOTICE)
    }

    /// cairn's own lock keeps a change by another cairn out while reading; skopeo and umoci
    /// take none, so `index.json` itself is watched too.
    fn load(&self) -> Result<Loaded> {
        let mut watch = Watch::default();
        if self.demo {
            let (snapshot, _) = self.load_with_index()?;
            return Ok(Loaded {
                snapshot,
                watch,
                terms: Terms::default(),
            });
        }
        let lock_path = self.path.join(blobs::LOCK_FILE);
        let lock = LayoutDir::open(&self.path)?.lock_for_reading()?;
        let guard = lock.as_ref().map(LockFile::read).transpose()?;
        if let Some(lock) = &lock {
            watch.lock(&lock_path, lock.token()?);
        }
        watch.file(&self.path.join("index.json"));
        let (snapshot, index) = self.load_with_index()?;
        drop(guard);
        Ok(Loaded {
            snapshot,
            watch,
            terms: index.map(Terms::new).unwrap_or_default(),
        })
    }

    fn apply(
        &self,
        preview: &[Step],
        shown: &[Blob],
        replan: &dyn Fn(&Catalog) -> Vec<Step>,
    ) -> Result<()> {
        writer::apply(self, preview, shown, replan)?;
        Ok(())
    }

    fn layer_entries(&self, snapshot: &Snapshot, layer: LayerIdx) -> Result<LayerEntries> {
        let source = self.source()?;
        contents::layer_entries(source.as_ref(), snapshot, layer)
            .map_err(|e| layer_error(&layer_name(snapshot, layer), &self.label(), &e))
    }

    fn verify(&self) -> Result<VerifyReport> {
        Ok(verify::verify(self.source()?.as_ref())?)
    }
}
