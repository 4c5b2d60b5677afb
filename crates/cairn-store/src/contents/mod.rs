//! Reading what a layer holds without extracting it: the shared readers every backend's
//! `layer_entries` uses. [`tar`] reads tar headers from any [`tar::TarStream`]; [`blob`]
//! makes one of a layer blob (gzip, zstd or plain), [`tar_split`] of containers-storage's and
//! Docker's saved headers.

pub mod blob;
pub mod tar;
pub mod tar_split;

use crate::error::StoreError;
use anyhow::{Result, anyhow, bail};
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

/// How many layers lie below `layer`.
pub fn depth_of(snapshot: &Snapshot, layer: LayerIdx) -> Result<usize> {
    let mut depth = 0;
    let mut at = &snapshot.layers[layer];
    while let Some(parent) = at.parent.as_deref() {
        let idx = snapshot
            .layer_by_id(parent)
            .ok_or_else(|| anyhow!("the layer below it, {parent}, is missing"))?;
        at = &snapshot.layers[idx];
        depth += 1;
        if depth > snapshot.layers.len() {
            bail!("its layers form a loop");
        }
    }
    Ok(depth)
}

/// Whether the stack whose top layer is `top` holds the layer `id`.
pub fn stack_holds(snapshot: &Snapshot, top: &str, id: &str) -> bool {
    let mut at = Some(top);
    let mut steps = 0;
    while let Some(current) = at {
        if current == id {
            return true;
        }
        steps += 1;
        if steps > snapshot.layers.len() {
            return false;
        }
        at = snapshot
            .layer_by_id(current)
            .and_then(|idx| snapshot.layers[idx].parent.as_deref());
    }
    false
}
