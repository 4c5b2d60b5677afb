//! OCI image layouts as a store (`--store oci:PATH`, and the demo), and the layout
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

/// Why a store made of blobs other than a layout folder cannot be changed.
pub(crate) const ONLY_LAYOUTS: &str = "cairn changes OCI layouts only";

/// An OCI image layout folder to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciLayout {
    pub path: PathBuf,
    pub origin: Origin,
}

/// Whose layout it is: the user's, or cairn's demo (see [`crate::demo`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A layout the user named (`--store oci:PATH`).
    Folder,
    /// The demo's scratch copy in the user's data folder, changed like any layout;
    /// `fallback` when cairn opened it because the machine has no store.
    DemoCopy { fallback: bool },
    /// The demo compiled into the binary, read-only: opened because the machine has no
    /// store and no scratch copy could be made (`why`).
    Bundled { why: String },
}

impl OciLayout {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        OciLayout {
            path: path.into(),
            origin: Origin::Folder,
        }
    }

    /// The demo's scratch copy at `path` (made by [`crate::demo::ensure`]).
    pub fn demo_copy(path: impl Into<PathBuf>, fallback: bool) -> Self {
        OciLayout {
            path: path.into(),
            origin: Origin::DemoCopy { fallback },
        }
    }

    /// The demo compiled into the binary, shown read-only because no scratch copy could be
    /// made (`why`): the layout `scripts/make-demo.sh` writes to `assets/demo`.
    pub fn bundled_demo(why: impl Into<String>) -> Self {
        OciLayout {
            path: PathBuf::from("assets/demo"),
            origin: Origin::Bundled { why: why.into() },
        }
    }

    fn bundled(&self) -> bool {
        matches!(self.origin, Origin::Bundled { .. })
    }

    fn source(&self) -> Result<Box<dyn BlobSource>> {
        Ok(match self.bundled() {
            true => Box::new(embedded::EmbeddedDemo),
            false => Box::new(LayoutDir::open(&self.path)?),
        })
    }

    /// Reads the layout into a snapshot, and unless it is the bundled demo what a change's
    /// preview needs besides (see [`plan::LayoutIndex`]).
    pub(crate) fn load_with_index(&self) -> Result<(Snapshot, Option<LayoutIndex>)> {
        let (snapshot, contents) = read_snapshot(self.source()?.as_ref(), self.bundled())?;
        let index = match self.bundled() {
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
        match &self.origin {
            Origin::Folder => format!("oci:{}", self.path.display()),
            Origin::DemoCopy { .. } => format!(
                "demo: scratch copy at {} (cairn demo reset)",
                self.path.display()
            ),
            Origin::Bundled { .. } => "the bundled demo".to_string(),
        }
    }

    fn rules(&self) -> Rules {
        Rules::Layout
    }

    fn notice(&self) -> Option<String> {
        match &self.origin {
            Origin::Folder | Origin::DemoCopy { fallback: false } => None,
            Origin::DemoCopy { fallback: true } => Some(format!(
                "cairn: no image store found; showing the demo, a scratch copy at {} (changes are yours to make; cairn demo reset restores it)",
                self.path.display()
            )),
            Origin::Bundled { why } => Some(format!(
                "cairn: no image store found; showing the bundled demo read-only ({why})"
            )),
        }
    }

    /// cairn's own lock keeps a change by another cairn out while reading; skopeo and umoci
    /// take none, so `index.json` itself is watched too.
    fn load(&self) -> Result<Loaded> {
        let mut watch = Watch::default();
        if self.bundled() {
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
