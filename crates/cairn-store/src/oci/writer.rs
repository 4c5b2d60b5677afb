//! Applying a change to a layout: refuse a layout that leads outside its folder, then under
//! an advisory lock re-read, re-plan, check that the plan (its steps and the blobs it
//! deletes) is the one shown, write `index.json` atomically, then delete the unreachable
//! blobs, each reached without following links.
//! Writing the index first means a crash in between leaves only garbage blobs, which the
//! next removal (or `umoci gc`) collects; never a descriptor pointing at nothing.

use super::OciStore;
use super::blobs::{BlobSource, LayoutDir};
use super::digest::Digest;
use super::plan::{LayoutPlan, plan_layout_change};
use crate::containers_storage::writer::StoreChanged;
use anyhow::{Context, Result, bail};
use cairn_core::Catalog;
use cairn_core::removal::{Blob, Step};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The lock file cairn takes (fcntl, as for podman's stores) around a change: neither skopeo
/// nor umoci locks a layout, so this only keeps two cairns from interleaving.
pub const LOCK_FILE: &str = "index.json.lock";

/// Re-plans under the lock and, if the steps are still `preview` and the blobs it deletes
/// still `shown`, applies them.
pub fn apply<F>(store: &OciStore, preview: &[Step], shown: &[Blob], replan: F) -> Result<LayoutPlan>
where
    F: FnOnce(&Catalog) -> Vec<Step>,
{
    if store.read_only() {
        bail!(
            "{} is read-only: cairn changes OCI layouts only",
            store.label()
        );
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
        return Err(StoreChanged.into());
    }
    let plan = plan_layout_change(&layout, preview)?;
    if plan.removed_blobs != shown {
        return Err(StoreChanged.into());
    }
    let mut index: serde_json::Value = serde_json::from_slice(&raw)
        .with_context(|| format!("parsing index.json of {}", dir.describe()))?;
    if index.get("manifests") != Some(&serde_json::Value::Array(layout.contents.manifests)) {
        return Err(StoreChanged.into());
    }
    index["manifests"] = serde_json::Value::Array(plan.manifests.clone());
    write_atomically(&store.path.join("index.json"), &serde_json::to_vec(&index)?)?;
    for blob in &plan.removed_blobs {
        dir.remove_blob(&Digest::parse(&blob.digest)?)?;
    }
    lock.touch()?;
    drop(guard);
    Ok(plan)
}

/// `index.json` replaced atomically (temporary file in the layout, synced, renamed, folder
/// synced), readable by all as skopeo and umoci leave it (the shared helper in
/// `store::atomic` gives podman's 0600, which is right for podman's own files only).
fn write_atomically(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().context("index.json has no folder")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-index.json")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(data)
        .and_then(|()| tmp.as_file().sync_data())
        .and_then(|()| {
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
        })
        .with_context(|| format!("writing {}", tmp.path().display()))?;
    tmp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))?;
    Ok(())
}
