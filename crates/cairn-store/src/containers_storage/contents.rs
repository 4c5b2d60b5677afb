//! A layer's entries in containers-storage: from `<driver>-layers/<id>.tar-split.gz`, which
//! every driver keeps (the layer tar's headers, with each body's size and CRC-64), read under
//! the layers lock; when a layer has none (some partial pulls), from the layer's folder (see
//! [`super::layer_dir`]). Every file is reached beneath the store's folder without following
//! a link, and read only when it is a regular file.

use super::layer_dir;
use super::options::StorageOptions;
use super::reader::is_safe_id;
use crate::contents::tar_split::tar_split_entries;
use crate::lockfile::{LockFile, LockGuard};
use crate::oci::confined::Confined;
use anyhow::{Context, Result, anyhow, bail};
use cairn_core::contents::{EntrySource, LayerEntries};
use cairn_core::{LayerIdx, Snapshot};
use rustix::fs::FileType;
use std::path::Path;

/// The entries of `layer`, from the first store (the primary one, then each additional
/// image store) that has its tar-split, else from the first that has its folder.
pub fn layer_entries(
    options: &StorageOptions,
    snapshot: &Snapshot,
    layer: LayerIdx,
) -> Result<LayerEntries> {
    let driver = options.driver()?;
    let record = snapshot
        .layers
        .get(layer)
        .ok_or_else(|| anyhow!("the store has no such layer"))?;
    if !is_safe_id(&record.id) {
        bail!("its ID is not a valid layer ID");
    }
    let roots: Vec<&Path> = std::iter::once(options.graphroot.as_path())
        .chain(options.additional_image_stores.iter().map(|p| p.as_path()))
        .collect();
    let layers_dir = format!("{driver}-layers");
    let split_name = format!("{}.tar-split.gz", record.id);
    for root in &roots {
        let store = Confined::open_as(root, "the store")?;
        let parts = [layers_dir.as_str(), split_name.as_str()];
        match store.kind(&parts)? {
            None => continue,
            Some((FileType::RegularFile, _)) => {}
            Some((kind, _)) => bail!(store.not_regular(&parts, kind)),
        }
        let lock = LockFile::open_existing(&root.join(&layers_dir).join("layers.lock"))?;
        let _guard: Option<LockGuard<'_>> = lock.as_ref().map(LockFile::read).transpose()?;
        let Some(file) = store.open_file(&parts)? else {
            continue;
        };
        let entries = tar_split_entries(file).with_context(|| store.display(&parts))?;
        return Ok(LayerEntries {
            entries,
            source: EntrySource::TarSplit,
        });
    }
    for root in &roots {
        let store = Confined::open_as(root, "the store")?;
        if let Some(entries) = layer_dir::entries(&store, driver, snapshot, layer)? {
            return Ok(LayerEntries {
                entries,
                source: EntrySource::LayerDirectory,
            });
        }
    }
    bail!("it has neither a tar-split nor a folder in the store")
}
