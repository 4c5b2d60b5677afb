//! containers-storage (podman, buildah, CRI-O) as a store: read straight from disk under
//! podman's locks ([`reader`]) and changed as containers/storage changes it ([`writer`]).

pub mod big_data;
pub mod config;
pub mod contents;
pub mod image_config;
pub mod layer_dir;
pub mod options;
pub mod reader;
pub mod records;
pub mod registries;
pub mod writer;

pub use options::StorageOptions;
pub use reader::{load, load_list, load_records};

use crate::backend::{Backend, Listed, Loaded};
use crate::contents::{layer_error, layer_name};
use crate::error::StoreError;
use cairn_core::contents::LayerEntries;
use cairn_core::removal::{Blob, Step};
use cairn_core::{Catalog, LayerIdx, Rules, Snapshot};

/// podman's own store: its removals are the model's, layer by layer.
impl Backend for StorageOptions {
    fn label(&self) -> String {
        match &self.driver {
            Some(driver) => format!("{} ({driver})", self.graphroot.display()),
            None => self.graphroot.display().to_string(),
        }
    }

    fn rules(&self) -> Rules {
        Rules::Podman
    }

    fn load(&self) -> Result<Loaded, StoreError> {
        Ok(load(self)?)
    }

    fn load_list(&self, images: &mut dyn FnMut(Snapshot)) -> Option<Result<Listed, StoreError>> {
        Some(
            reader::load_list(self, images)
                .map(Listed::alone)
                .map_err(StoreError::from),
        )
    }

    fn layer_entries(
        &self,
        snapshot: &Snapshot,
        layer: LayerIdx,
    ) -> Result<LayerEntries, StoreError> {
        contents::layer_entries(self, snapshot, layer)
            .map_err(|e| layer_error(&layer_name(snapshot, layer), &self.label(), &e))
    }

    /// Nothing here is told in blobs: the steps are the whole plan.
    fn apply(
        &self,
        preview: &[Step],
        _: &[Blob],
        replan: &dyn Fn(&Catalog) -> Vec<Step>,
    ) -> Result<(), StoreError> {
        Ok(writer::apply(self, preview, replan)?)
    }
}
