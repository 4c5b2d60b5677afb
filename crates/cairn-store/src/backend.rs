//! What every kind of store provides, so that the commands and the browser work on any of
//! them through [`crate::Store`] without knowing which one it is. A new kind of store is one
//! module implementing [`Backend`] and one arm in the `--store` parser.

use crate::error::Result;
use crate::watch::Watch;
use cairn_core::contents::LayerEntries;
use cairn_core::gc::GcPlan;
use cairn_core::removal::{Blob, RemovalPlan, Step};
use cairn_core::tagging::NamesPlan;
use cairn_core::{Catalog, LayerIdx, Rules, Snapshot};
use std::fmt::Debug;
use std::sync::Arc;
use std::time::SystemTime;

/// One kind of store, located: reads it into the model and applies confirmed plans to it.
pub trait Backend: Debug + Send + Sync {
    /// How the status bar and messages name the store.
    fn label(&self) -> String;

    /// The rules the store's snapshots follow, known before the store is read, so that an
    /// error reading it is reported in its tool's conventions too.
    fn rules(&self) -> Rules;

    /// A line to tell the user before anything else, if any (the demo, opened because the machine has no store).
    fn notice(&self) -> Option<String> {
        None
    }

    /// Reads the whole store, under its locks when it has any.
    fn load(&self) -> Result<Loaded>;

    /// Reads what an image list needs (names, IDs, dates, and sizes: from the layers, or as
    /// the store's own listing reports them in [`cairn_core::Image::listing`]) when the store
    /// has a much quicker way to than [`Backend::load`], for a browser that shows the list
    /// first and the rest after; `None` otherwise. Where the store can, `images` is handed
    /// the images alone (names, IDs, dates; no layers, so no sizes) before the rest is
    /// parsed, for the list's first frame.
    fn load_list(&self, images: &mut dyn FnMut(Snapshot)) -> Option<Result<Listed>> {
        let _ = images;
        None
    }

    /// Applies `preview` if planning again on the store as it is now, under its lock when it
    /// has one, gives the same steps and, for a store told in blobs, the same blobs to delete
    /// as `shown`; else fails with [`crate::StoreError::Changed`] and changes nothing. Never
    /// called with no steps.
    fn apply(
        &self,
        preview: &[Step],
        shown: &[Blob],
        replan: &dyn Fn(&Catalog) -> Vec<Step>,
    ) -> Result<()>;

    /// The entries of one layer of `snapshot` (as this backend loaded it), headers only:
    /// never the contents, never extracted to disk.
    fn layer_entries(&self, snapshot: &Snapshot, layer: LayerIdx) -> Result<LayerEntries> {
        let _ = (snapshot, layer);
        Err(crate::StoreError::Unsupported(format!(
            "{} cannot list what its layers hold",
            self.label()
        )))
    }

    /// What the store's next garbage collection would delete (`registry garbage-collect`,
    /// with `--delete-untagged` when asked), deleting nothing; only registries collect
    /// garbage apart from removals. A store that sees less than the collector says so in the
    /// plan's caveats.
    fn garbage_collection(&self, delete_untagged: bool) -> Result<GcPlan> {
        let _ = delete_untagged;
        Err(crate::StoreError::Unsupported(format!(
            "{} has no garbage collection: its removals free space at once (cairn gc previews a registry's: give --store registry-storage:PATH or registry:HOST)",
            self.label()
        )))
    }

    /// Checks every blob against its digest and every descriptor against its blob; only
    /// stores made of content-addressed blobs can.
    fn verify(&self) -> Result<VerifyReport> {
        Err(crate::StoreError::Unsupported(
            "cairn verify checks OCI layouts, archives and registry storage: give --store oci:DIR, oci-archive:FILE, docker-archive:FILE or registry-storage:PATH"
                .into(),
        ))
    }
}

/// What `cairn verify` found: the number of blobs checked and one line per mismatch.
#[derive(Debug, Default, serde::Serialize)]
pub struct VerifyReport {
    pub blobs_checked: usize,
    pub mismatches: Vec<String>,
}

/// A store as read: the snapshot, what to watch to tell a later change by another tool from
/// no change, and how the store tells a plan in its own terms.
#[derive(Debug)]
pub struct Loaded {
    pub snapshot: Snapshot,
    pub watch: Watch,
    pub terms: Terms,
}

/// A quick listing ([`Backend::load_list`]), and the rest of the store's read where the
/// listing is its first part.
pub struct Listed {
    pub loaded: Loaded,
    /// Reads the whole store, asking only what the listing did not (a Docker Engine's
    /// listing is the `/images/json` its full read begins with); `None` where the full read
    /// starts over ([`Backend::load`]). See [`crate::Store::load_rest`].
    pub rest: Option<Rest>,
}

/// The rest of a store's read after its listing (see [`Listed::rest`]).
pub type Rest = Box<dyn FnOnce() -> Result<Loaded> + Send>;

impl Listed {
    /// A listing the full read does not reuse.
    pub fn alone(loaded: Loaded) -> Self {
        Listed { loaded, rest: None }
    }
}

impl Debug for Listed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listed")
            .field("loaded", &self.loaded)
            .field("rest", &self.rest.as_ref().map(|_| "…"))
            .finish()
    }
}

/// A backend's hook into plans: what the model plans is said in layers and records;
/// a store made of other things (an OCI layout's blobs) tells it in those, from what it read
/// along with the snapshot, so that a preview needs no further reading.
pub trait RemovalTerms: Debug + Send + Sync {
    /// Rewrites the model's plan into what the store will do.
    fn refine(&self, snapshot: &Snapshot, plan: &mut RemovalPlan);

    /// Adds to a tag or untag what else the store will do (the blobs it deletes).
    fn refine_names(&self, plan: &mut NamesPlan);

    /// True when a removal here deletes blobs rather than layers, which the browser then
    /// lists instead.
    fn deletes_blobs(&self) -> bool;

    /// When the snapshot these terms came with was read from the store, if it was not read
    /// just now but kept from an earlier open (a registry's cached listing), so that the
    /// user is told how old it is.
    fn cached_at(&self) -> Option<SystemTime> {
        None
    }

    /// What the load could not reach (a registry's capped or refused catalog), for the
    /// browser's status line and the listing commands' stderr; the snapshot holds the rest.
    fn notes(&self) -> &[String] {
        &[]
    }
}

/// The terms of one load of a store: the model's own unless the backend has a hook.
#[derive(Debug, Clone, Default)]
pub struct Terms(Option<Arc<dyn RemovalTerms>>);

impl Terms {
    /// A backend's own terms.
    pub fn new(terms: impl RemovalTerms + 'static) -> Self {
        Terms(Some(Arc::new(terms)))
    }

    pub(crate) fn refine(&self, snapshot: &Snapshot, plan: &mut RemovalPlan) {
        if let Some(terms) = &self.0 {
            terms.refine(snapshot, plan);
        }
    }

    pub(crate) fn refine_names(&self, plan: &mut NamesPlan) {
        if let Some(terms) = &self.0 {
            terms.refine_names(plan);
        }
    }

    pub(crate) fn deletes_blobs(&self) -> bool {
        self.0.as_ref().is_some_and(|terms| terms.deletes_blobs())
    }

    pub(crate) fn cached_at(&self) -> Option<SystemTime> {
        self.0.as_ref().and_then(|terms| terms.cached_at())
    }

    pub(crate) fn notes(&self) -> &[String] {
        self.0.as_ref().map_or(&[], |terms| terms.notes())
    }
}
