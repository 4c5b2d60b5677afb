//! The demo as a scratch store: the bundled layout (`assets/demo`, compiled in) copied on
//! first use into the user's data folder, where every change can be previewed and applied
//! like on any OCI layout, and put back as it came with `cairn demo reset`.
//!
//! A copy is published whole or not at all: it is written into a temporary folder next to
//! its place and renamed into it, so that two cairns starting at once for the first time
//! never see a half-written layout (the second rename fails, and that cairn uses the copy
//! the first one made).

use crate::containers_storage::config::Environment;
use crate::error::{Result, StoreError};
use crate::oci::blobs::LayoutDir;
use crate::oci::embedded;
use anyhow::anyhow;
use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Where the demo's copy lives: `$XDG_DATA_HOME/cairn/demo`, else `~/.local/share/cairn/demo`
/// (the XDG base directory rules; a relative `XDG_DATA_HOME` is ignored, as the rules say).
pub fn location(env: &Environment) -> Result<PathBuf> {
    let data = match (&env.xdg_data_home, &env.home) {
        (Some(data), _) if data.is_absolute() => data.clone(),
        (_, Some(home)) => home.join(".local/share"),
        _ => {
            return Err(StoreError::Other(anyhow!(
                "no place for the demo's copy: neither XDG_DATA_HOME nor HOME is set"
            )));
        }
    };
    Ok(data.join("cairn").join("demo"))
}

/// Makes the copy at `path` unless it is there. True when this call made it.
pub fn ensure(path: &Path) -> Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    publish(path)
}

/// Puts the copy at `path` back as it came with this cairn: a fresh copy replaces the old
/// one in one rename, under the old one's lock, so that a change being applied to it by
/// another cairn is finished first.
pub fn reset(path: &Path) -> Result<()> {
    if !path.exists() {
        publish(path)?;
        return Ok(());
    }
    let parent = parent_of(path)?;
    let fresh = written_copy(parent)?;
    let old = LayoutDir::open(path)?.lock_for_writing()?;
    let guard = old.write()?;
    let retired = tempfile::Builder::new()
        .prefix(".demo-old-")
        .tempdir_in(parent)
        .map_err(|e| StoreError::io("creating a folder in", parent, e))?;
    let retired_copy = retired.path().join("demo");
    std::fs::rename(path, &retired_copy)
        .map_err(|e| StoreError::io("moving away the old demo copy", path, e))?;
    drop(guard);
    match std::fs::rename(fresh.path(), path) {
        Ok(()) => {
            // Renamed away: nothing is left for the guard to delete.
            let _ = fresh.keep();
        }
        // Another cairn made a fresh copy in between: it is as good as this one.
        Err(e) if already_there(&e) => {}
        Err(e) => return Err(StoreError::io("putting the fresh demo copy at", path, e)),
    }
    sync(parent)?;
    // `retired` is deleted with the old copy in it when it goes out of scope.
    Ok(())
}

/// Writes a complete copy next to `path` and renames it into place. True when this call
/// put it there; false when another cairn did first.
fn publish(path: &Path) -> Result<bool> {
    let parent = parent_of(path)?;
    std::fs::create_dir_all(parent).map_err(|e| StoreError::io("creating", parent, e))?;
    let fresh = written_copy(parent)?;
    match std::fs::rename(fresh.path(), path) {
        Ok(()) => {
            let _ = fresh.keep();
            sync(parent)?;
            Ok(true)
        }
        Err(e) if already_there(&e) => Ok(false),
        Err(e) => Err(StoreError::io("putting the demo copy at", path, e)),
    }
}

/// A complete copy of the bundled demo in a new temporary folder inside `parent`, deleted
/// when dropped unless it has been renamed into place.
fn written_copy(parent: &Path) -> Result<tempfile::TempDir> {
    let fresh = tempfile::Builder::new()
        .prefix(".demo-new-")
        .tempdir_in(parent)
        .map_err(|e| StoreError::io("creating a folder in", parent, e))?;
    embedded::write_to(fresh.path()).map_err(StoreError::Other)?;
    sync(fresh.path())?;
    Ok(fresh)
}

/// A rename onto a folder that is there and not empty: someone else's copy won.
fn already_there(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::AlreadyExists | ErrorKind::DirectoryNotEmpty
    )
}

fn parent_of(path: &Path) -> Result<&Path> {
    path.parent()
        .ok_or_else(|| StoreError::Other(anyhow!("{} has no parent folder", path.display())))
}

/// A rename is durable once the folder holding it is synced.
fn sync(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("syncing", dir, e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn env(home: Option<&str>, data: Option<&str>) -> Environment {
        Environment {
            storage_conf: None,
            uid: 1000,
            home: home.map(PathBuf::from),
            xdg_data_home: data.map(PathBuf::from),
            xdg_config_home: None,
            xdg_runtime_dir: None,
            storage_driver: None,
        }
    }

    #[test]
    fn the_copy_lives_in_the_xdg_data_folder() {
        let at = |home, data| location(&env(home, data)).map_err(|e| e.to_string());
        assert_eq!(
            at(Some("/home/u"), None),
            Ok(PathBuf::from("/home/u/.local/share/cairn/demo"))
        );
        assert_eq!(
            at(Some("/home/u"), Some("/data")),
            Ok(PathBuf::from("/data/cairn/demo"))
        );
        assert_eq!(
            at(Some("/home/u"), Some("relative")),
            Ok(PathBuf::from("/home/u/.local/share/cairn/demo"))
        );
        assert_eq!(
            at(None, None),
            Err("no place for the demo's copy: neither XDG_DATA_HOME nor HOME is set".into())
        );
    }
}
