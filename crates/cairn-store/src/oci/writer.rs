//! Applying a change to a layout: refuse a layout that leads outside its folder, then under
//! an advisory lock re-read, re-plan, check that the plan (its steps and the blobs it
//! deletes) is the one shown, write `index.json` atomically, then delete the unreachable
//! blobs, each reached without following links.
//! Writing the index first means a crash in between leaves only garbage blobs, which the
//! next removal (or `umoci gc`) collects; never a descriptor pointing at nothing.

use super::blobs::{BlobSource, LayoutDir};
use super::plan::{LayoutPlan, plan_layout_change};
use super::{ONLY_LAYOUTS, OciLayout, Origin};
use crate::atomic;
use crate::backend::Backend;
use crate::digest::Digest;
use crate::error::StoreError;
use anyhow::{Context, Result};
use cairn_core::Catalog;
use cairn_core::removal::{Blob, Step};

/// Re-plans under the lock and, if the steps are still `preview` and the blobs it deletes
/// still `shown`, applies them.
pub fn apply<F>(
    store: &OciLayout,
    preview: &[Step],
    shown: &[Blob],
    replan: F,
) -> Result<LayoutPlan>
where
    F: FnOnce(&Catalog) -> Vec<Step>,
{
    if let Origin::Bundled { .. } = store.origin {
        return Err(StoreError::ReadOnly {
            store: store.label(),
            why: ONLY_LAYOUTS,
        }
        .into());
    }
    let dir = LayoutDir::open(&store.path)?;
    // Refused before anything is created or locked in it.
    dir.changeable_blobs()?;
    let lock = dir.lock_for_writing()?;
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
    if plan.removed_blobs != shown {
        return Err(StoreError::Changed.into());
    }
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
        dir.remove_blob(&Digest::parse(&blob.digest)?)?;
    }
    lock.touch()?;
    drop(guard);
    Ok(plan)
}
