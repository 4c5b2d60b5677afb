//! The front door: a [`Store`] is any kind of store, located (from `--store` and podman's
//! flags, see [`crate::Selection`]); opening it gives an [`OpenedStore`], the catalog the
//! commands and the browser read, which plans changes the way that store will carry them out.

use crate::backend::{Backend, Listed, Loaded, Rest, Terms, VerifyReport};
use crate::error::Result;
use cairn_core::contents::LayerEntries;
use cairn_core::gc::GcPlan;
use cairn_core::removal::{Blob, RemovalPlan, RemoveOptions, Step, Target};
use cairn_core::tagging::NamesPlan;
use cairn_core::{Catalog, LayerIdx, Rules, Snapshot};
use std::sync::Arc;

/// A store to read and change, whatever its kind. Cheap to clone: the browser's loader and
/// worker threads each hold one.
#[derive(Debug, Clone)]
pub struct Store(Arc<dyn Backend>);

impl Store {
    pub fn new(backend: impl Backend + 'static) -> Self {
        Store(Arc::new(backend))
    }

    /// How the status bar and messages name the store.
    pub fn label(&self) -> String {
        self.0.label()
    }

    /// The rules its snapshots follow, which also say whose conventions (podman's or
    /// docker's) its errors are reported in, before anything is read.
    pub fn rules(&self) -> Rules {
        self.0.rules()
    }

    /// A line to tell the user before anything else, if any (the demo, opened because the machine has no store).
    pub fn notice(&self) -> Option<String> {
        self.0.notice()
    }

    /// Reads the store. The browser builds its catalog from this in two steps; commands use
    /// [`Store::open`].
    pub fn load(&self) -> Result<Loaded> {
        self.0.load()
    }

    /// Reads what the image list needs, when the store has a quicker way to than
    /// [`Store::load`] (see [`Backend::load_list`]).
    pub fn load_list(&self, images: &mut dyn FnMut(Snapshot)) -> Option<Result<Listed>> {
        self.0.load_list(images)
    }

    /// Reads the whole store after [`Store::load_list`]: through the listing's `rest` where
    /// it has one (asking only what the listing did not), else [`Store::load`].
    pub fn load_rest(&self, rest: Option<Rest>) -> Result<Loaded> {
        match rest {
            Some(rest) => rest(),
            None => self.load(),
        }
    }

    /// Reads the store into a catalog with its lineage.
    pub fn open(&self) -> Result<OpenedStore> {
        let loaded = self.load()?;
        Ok(OpenedStore::new(
            Arc::new(Catalog::new(loaded.snapshot)),
            loaded.terms,
        ))
    }

    /// Reads the store into a catalog through its quicker list-first read where it has one
    /// ([`Store::load_list`]), else whole: for a command that prints only what that read
    /// gives on this store.
    pub fn open_list(&self) -> Result<OpenedStore> {
        let loaded = match self.load_list(&mut |_| {}) {
            Some(listed) => listed?.loaded,
            None => self.load()?,
        };
        Ok(OpenedStore::new(
            Arc::new(Catalog::new(loaded.snapshot)),
            loaded.terms,
        ))
    }

    /// Applies `steps` if planning again with `replan` under the store's lock gives the same
    /// steps, and the same `blobs` to delete on a store told in blobs: what was shown is what
    /// happens (see [`Backend::apply`]). No steps: nothing to do, the store is not touched.
    pub fn apply(
        &self,
        steps: &[Step],
        blobs: &[Blob],
        replan: &dyn Fn(&Catalog) -> Vec<Step>,
    ) -> Result<()> {
        if steps.is_empty() {
            return Ok(());
        }
        self.0.apply(steps, blobs, replan)
    }

    /// What one layer holds, read from the store's own records of it (see
    /// [`Backend::layer_entries`]); `snapshot` is the one this store loaded.
    pub fn layer_entries(&self, snapshot: &Snapshot, layer: LayerIdx) -> Result<LayerEntries> {
        self.0.layer_entries(snapshot, layer)
    }

    /// `cairn verify`: every blob against its digest.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.0.verify()
    }

    /// `cairn gc --dry-run`: what the store's next garbage collection deletes (see
    /// [`Backend::garbage_collection`]).
    pub fn garbage_collection(&self, delete_untagged: bool) -> Result<GcPlan> {
        self.0.garbage_collection(delete_untagged)
    }
}

/// A store read into a catalog, with how that store tells plans in its own terms: what the
/// commands and the browser plan previews on.
#[derive(Debug, Clone)]
pub struct OpenedStore {
    pub catalog: Arc<Catalog>,
    terms: Terms,
}

impl OpenedStore {
    /// A catalog read from a store with that store's terms (from [`Loaded::terms`]).
    pub fn new(catalog: Arc<Catalog>, terms: Terms) -> Self {
        OpenedStore { catalog, terms }
    }

    /// A catalog no store stands behind (built in memory): plans are the model's own.
    pub fn in_memory(catalog: Arc<Catalog>) -> Self {
        OpenedStore::new(catalog, Terms::default())
    }

    /// What a removal would do, as the store will carry it out.
    pub fn plan_removal(&self, target: &Target, options: RemoveOptions) -> RemovalPlan {
        let mut plan = cairn_core::removal::plan_removal(&self.catalog, target, options);
        self.terms.refine(&self.catalog.snapshot, &mut plan);
        plan
    }

    /// A tag or untag as the store will carry it out: on a layout, with the blobs it deletes.
    pub fn plan_names(&self, mut plan: NamesPlan) -> NamesPlan {
        self.terms.refine_names(&mut plan);
        plan
    }

    /// True when a removal here deletes blobs rather than layers (an OCI layout).
    pub fn deletes_blobs(&self) -> bool {
        self.terms.deletes_blobs()
    }

    /// When the catalog was read from the store, if it was kept from an earlier open (a
    /// registry's cached listing) rather than read just now: it may be out of date by that
    /// much, and the user is told.
    pub fn cached_at(&self) -> Option<std::time::SystemTime> {
        self.terms.cached_at()
    }

    /// What the load could not reach, to be told where the user looks.
    pub fn notes(&self) -> &[String] {
        self.terms.notes()
    }
}
