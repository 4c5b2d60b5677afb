//! Applying a change to a layout: under an advisory lock, re-read, re-plan, check that the
//! plan is the one shown, write `index.json` atomically, then delete the unreachable blobs.
//! Writing the index first means a crash in between leaves only garbage blobs, which the
//! next removal (or `umoci gc`) collects; never a descriptor pointing at nothing.

use super::blobs::{BlobSource, LayoutDir};
use super::plan::{LayoutPlan, plan_layout_change};
use super::{ONLY_LAYOUTS, OciLayout};
use crate::atomic;
use crate::backend::Backend;
use crate::digest::Digest;
use crate::error::StoreError;
use crate::lockfile::LockFile;
use anyhow::{Context, Result};
use cairn_core::Catalog;
use cairn_core::removal::Step;

/// The lock file cairn takes (fcntl, as for podman's stores) around a change: neither skopeo
/// nor umoci locks a layout, so this only keeps two cairns from interleaving.
pub const LOCK_FILE: &str = "index.json.lock";

/// Re-plans under the lock and, if the steps are still `preview`, applies them.
pub fn apply<F>(store: &OciLayout, preview: &[Step], replan: F) -> Result<LayoutPlan>
where
    F: FnOnce(&Catalog) -> Vec<Step>,
{
    if store.demo {
        return Err(StoreError::ReadOnly {
            store: store.label(),
            why: ONLY_LAYOUTS,
        }
        .into());
    }
    let dir = LayoutDir::open(&store.path)?;
    let lock = LockFile::open_for_writing(&store.path.join(LOCK_FILE))?;
    let guard = lock.write()?;
    // Read once under the lock: the snapshot re-planned and the index written back are the
    // same `index.json`.
    let raw = dir.index()?;
    let (snapshot, layout) = store.load_with_index()?;
    let layout = layout.context("an OCI layout that can be changed has an index")?;
    if replan(&Catalog::new(snapshot)) != preview {
        return Err(StoreError::Changed.into());
    }
    let plan = plan_layout_change(&layout, preview)?;
    let mut index: serde_json::Value = serde_json::from_slice(&raw)
        .with_context(|| format!("parsing index.json of {}", dir.describe()))?;
    if index.get("manifests") != Some(&serde_json::Value::Array(layout.contents.manifests)) {
        return Err(StoreError::Changed.into());
    }
    index["manifests"] = serde_json::Value::Array(plan.manifests.clone());
    // Readable by all, as skopeo and umoci leave it.
    atomic::write_file(
        &store.path.join("index.json"),
        &serde_json::to_vec(&index)?,
        atomic::LAYOUT_MODE,
    )?;
    for blob in &plan.removed_blobs {
        let digest = Digest::parse(&blob.digest)?;
        let path = store.path.join(digest.blob_path());
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
    lock.touch()?;
    drop(guard);
    Ok(plan)
}
