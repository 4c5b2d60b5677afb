//! Reading what a layer holds without extracting it: the shared readers every backend's
//! `layer_entries` uses. [`tar`] reads tar headers from any [`tar::TarStream`]; [`blob`]
//! makes one of a layer blob (gzip, zstd or plain), [`tar_split`] of containers-storage's and
//! Docker's saved headers.

pub mod blob;
pub mod tar;
pub mod tar_split;

use crate::error::StoreError;
use cairn_core::{LayerIdx, Snapshot};

/// A layer as messages name it: its ID (a ChainID in layouts, as podman's layer IDs), or
/// its place when the snapshot has no such layer.
pub fn layer_name(snapshot: &Snapshot, layer: LayerIdx) -> String {
    snapshot
        .layers
        .get(layer)
        .map_or_else(|| format!("#{}", usize::from(layer)), |l| l.id.clone())
}

/// One message for a layer that cannot be listed: which layer, of which store, and why.
pub fn layer_error(layer: &str, store: &str, error: &anyhow::Error) -> StoreError {
    StoreError::Other(anyhow::anyhow!(
        "cannot list layer {layer} of {store}: {error:#}"
    ))
}
