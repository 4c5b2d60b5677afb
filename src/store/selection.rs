//! Which store a command works on: podman's own flags, `--store KIND:WHERE`, or the store
//! podman would find on its own.

use super::containers_storage::{self, StorageOptions};
use anyhow::{Result, bail};
use std::path::PathBuf;

/// The global store flags, shared by every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StoreFlags {
    /// containers-storage graph root, as podman's --root
    #[arg(long, global = true, value_name = "PATH")]
    pub root: Option<PathBuf>,
    /// containers-storage run root, as podman's --runroot
    #[arg(long, global = true, value_name = "PATH")]
    pub runroot: Option<PathBuf>,
    /// containers-storage driver (overlay, vfs, ...), as podman's --storage-driver
    #[arg(long, global = true, value_name = "NAME")]
    pub storage_driver: Option<String>,
    /// the store to open: containers-storage[:ROOT]
    #[arg(long, global = true, value_name = "KIND:WHERE")]
    pub store: Option<String>,
}

/// A store chosen by the user or found on the machine.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreSpec {
    ContainersStorage(StorageOptions),
}

impl StoreFlags {
    /// Resolves the flags and the environment into a store, as podman would.
    pub fn resolve(&self) -> Result<StoreSpec> {
        let mut flags = self.clone();
        if let Some(store) = &self.store {
            let (kind, place) = store.split_once(':').unwrap_or((store.as_str(), ""));
            match kind {
                "containers-storage" => {
                    if !place.is_empty() {
                        if flags.root.is_some() {
                            bail!("--store {store} and --root name two stores: give one");
                        }
                        flags.root = Some(PathBuf::from(place));
                    }
                }
                _ => bail!(
                    "unknown store kind {kind:?} in --store {store:?}: expected containers-storage"
                ),
            }
        }
        let env = containers_storage::config::Environment::from_process();
        let options = containers_storage::config::resolve(&flags, &env)?;
        Ok(StoreSpec::ContainersStorage(options))
    }
}
