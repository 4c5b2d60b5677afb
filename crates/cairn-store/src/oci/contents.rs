//! A layer's entries in an OCI layout or archive: the layer is a ChainID of the model, so
//! an image whose stack holds it says which manifest, and that manifest's descriptor at the
//! layer's depth names the blob, which is read for its headers (see [`crate::contents::blob`]).

use super::blobs::BlobSource;
use super::document::{Descriptor, Document};
use crate::contents::blob::blob_entries;
use crate::contents::{depth_of, stack_holds};
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
