//! Where a containers-storage store is on disk: its graph root, run root, driver and
//! read-only additional stores, and the folders each driver keeps its records in.

use crate::error::StoreError;
use anyhow::anyhow;
use std::path::{Path, PathBuf};

/// Drivers in the order containers/storage prefers them when it has to guess.
pub(crate) const DRIVER_PRIORITY: [&str; 6] =
    ["overlay", "btrfs", "zfs", "vfs", "devicemapper", "aufs"];

/// Where a containers-storage store is and how to read it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StorageOptions {
    pub graphroot: PathBuf,
    pub runroot: PathBuf,
    /// `None` when no driver was set and none could be detected.
    pub driver: Option<String>,
    /// Stores whose images are shown read-only.
    pub additional_image_stores: Vec<PathBuf>,
    /// The user named the graph root: its absence is an error, not a reason to look elsewhere.
    pub explicit: bool,
}

/// The folders of one driver's stores under a graph root.
pub(crate) struct StoreDirs {
    pub(crate) images: PathBuf,
    pub(crate) layers: PathBuf,
    pub(crate) containers: PathBuf,
}

impl StoreDirs {
    pub(crate) fn new(graphroot: &Path, driver: &str) -> Self {
        StoreDirs {
            images: graphroot.join(format!("{driver}-images")),
            layers: graphroot.join(format!("{driver}-layers")),
            containers: graphroot.join(format!("{driver}-containers")),
        }
    }
}

impl StorageOptions {
    /// The driver to use, or a clear error when the store has none. A driver containers/storage
    /// does not know is refused in podman's words before anything is read: its name becomes
    /// part of every path, so `../../x` would read another folder's records.
    pub fn driver(&self) -> Result<&str, StoreError> {
        if let Some(driver) = &self.driver
            && !DRIVER_PRIORITY.contains(&driver.as_str())
        {
            return Err(StoreError::Unsupported(format!(
                "failed to GetDriver graph {driver} {}: driver not supported",
                self.graphroot.display()
            )));
        }
        if !self.graphroot.exists() {
            return Err(StoreError::NotFound {
                what: "containers-storage at",
                path: self.graphroot.clone(),
            });
        }
        match &self.driver {
            Some(driver) => Ok(driver),
            None => Err(StoreError::Other(anyhow!(
                "no storage driver found under {}: give one with --storage-driver",
                self.graphroot.display()
            ))),
        }
    }

    /// True when there is a store here to read.
    pub fn exists(&self) -> bool {
        self.driver()
            .is_ok_and(|d| StoreDirs::new(&self.graphroot, d).images.is_dir())
    }
}
