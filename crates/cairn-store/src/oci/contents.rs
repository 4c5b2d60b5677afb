//! A layer's entries in an OCI layout or archive: the layer is a ChainID of the model, so
//! an image whose stack holds it says which manifest, and that manifest's descriptor at the
//! layer's depth names the blob, which is read for its headers (see [`crate::contents::blob`]).

use super::blobs::BlobSource;
use super::document::{Descriptor, Document};
use crate::contents::blob::blob_entries;
use crate::digest::Digest;
use anyhow::{Context, Result, anyhow, bail};
use cairn_core::contents::{EntrySource, LayerEntries};
use cairn_core::{LayerIdx, Snapshot};

/// The entries of `layer`, read from its blob in `source`.
pub fn layer_entries(
    source: &dyn BlobSource,
    snapshot: &Snapshot,
    layer: LayerIdx,
) -> Result<LayerEntries> {
    let descriptor = layer_blob(source, snapshot, layer)?;
    let digest = Digest::parse(&descriptor.digest)?;
    let (blob, size) = source
        .open_blob(&digest)?
        .ok_or_else(|| anyhow!("its blob {digest} is missing from {}", source.describe()))?;
    let entries = blob_entries(blob, size, &descriptor.media_type)
        .with_context(|| format!("blob {digest}"))?;
    Ok(LayerEntries {
        entries,
        source: EntrySource::Blob,
    })
}

/// The descriptor of the blob that holds `layer`: any image built on the layer has it at
/// the same depth, since the ChainID fixes every DiffID below it.
fn layer_blob(source: &dyn BlobSource, snapshot: &Snapshot, layer: LayerIdx) -> Result<Descriptor> {
    let wanted = snapshot
        .layers
        .get(layer)
        .ok_or_else(|| anyhow!("the store has no such layer"))?;
    let depth = depth_of(snapshot, layer)?;
    for image in &snapshot.images {
        let Some(top) = image.top_layer.as_deref() else {
            continue;
        };
        if !stack_holds(snapshot, top, &wanted.id) {
            continue;
        }
        for manifest in &image.digests {
            let Ok(digest) = Digest::parse(manifest) else {
                continue;
            };
            let Ok(bytes) = source.read(&digest) else {
                continue;
            };
            let Ok(document) = serde_json::from_slice::<Document>(&bytes) else {
                continue;
            };
            if let Some(descriptor) = document.layers.get(depth) {
                return Ok(descriptor.clone());
            }
        }
    }
    bail!(
        "no readable manifest of {} names its blob",
        source.describe()
    )
}

/// How many layers lie below `layer`.
fn depth_of(snapshot: &Snapshot, layer: LayerIdx) -> Result<usize> {
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
fn stack_holds(snapshot: &Snapshot, top: &str, id: &str) -> bool {
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
