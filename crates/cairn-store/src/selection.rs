//! Which store a command works on: podman's own flags, `--store KIND:WHERE`, or the store
//! podman (else docker) would find on its own.

use super::containers_storage::{self, StorageOptions};
use super::docker::DockerStore;
use super::oci::{OciKind, OciStore};
use anyhow::{Result, bail};
use std::path::PathBuf;

/// What cairn says when it opens the bundled demo because the machine has no store.
pub const DEMO_NOTICE: &str = "cairn: no image store found; showing the bundled demo (assets/demo)";

/// The demo store: the layout `scripts/make-demo.sh` writes to `assets/demo`, compiled into
/// the binary, so an installed cairn has it too.
pub fn demo() -> OciStore {
    OciStore {
        kind: OciKind::Layout,
        path: PathBuf::from("assets/demo"),
        demo: true,
    }
}

/// What the user said about the store: podman's global flags and `--store KIND:WHERE`, as
/// the command line gave them (the CLI's parser fills this in).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// containers-storage graph root, as podman's --root
    pub root: Option<PathBuf>,
    /// containers-storage run root, as podman's --runroot
    pub runroot: Option<PathBuf>,
    /// containers-storage driver (overlay, vfs, ...), as podman's --storage-driver
    pub storage_driver: Option<String>,
    /// `--store KIND:WHERE`
    pub store: Option<String>,
}

/// A store chosen by the user or found on the machine.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreSpec {
    ContainersStorage(StorageOptions),
    /// An OCI layout, or an archive holding one (read-only).
    Oci(OciStore),
    /// A Docker Engine, through its API.
    Docker(DockerStore),
}

impl From<StorageOptions> for StoreSpec {
    fn from(options: StorageOptions) -> Self {
        StoreSpec::ContainersStorage(options)
    }
}

impl StoreSpec {
    /// The store as the status bar names it.
    pub fn label(&self) -> String {
        match self {
            StoreSpec::ContainersStorage(options) => match &options.driver {
                Some(driver) => format!("{} ({driver})", options.graphroot.display()),
                None => options.graphroot.display().to_string(),
            },
            StoreSpec::Oci(store) => store.label(),
            StoreSpec::Docker(store) => store.label(),
        }
    }

    /// A line to tell the user before anything else, if any (the demo fallback).
    pub fn notice(&self) -> Option<&'static str> {
        match self {
            StoreSpec::Oci(store) if store.demo => Some(DEMO_NOTICE),
            _ => None,
        }
    }
}

impl Selection {
    /// Resolves the flags and the environment into a store, as podman would.
    pub fn resolve(&self) -> Result<StoreSpec> {
        let mut flags = self.clone();
        if let Some(store) = &self.store {
            let (kind, place) = store.split_once(':').unwrap_or((store.as_str(), ""));
            let oci = |oci_kind| {
                if place.is_empty() {
                    bail!("--store {store}: give the path, as {kind}:PATH");
                }
                if self.root.is_some() || self.runroot.is_some() || self.storage_driver.is_some() {
                    bail!(
                        "--store {store} is not a containers-storage store: drop --root, --runroot and --storage-driver"
                    );
                }
                Ok(StoreSpec::Oci(OciStore {
                    kind: oci_kind,
                    path: PathBuf::from(place),
                    demo: false,
                }))
            };
            match kind {
                "docker" => {
                    if self.root.is_some()
                        || self.runroot.is_some()
                        || self.storage_driver.is_some()
                    {
                        bail!(
                            "--store {store} is not a containers-storage store: drop --root, --runroot and --storage-driver"
                        );
                    }
                    return Ok(StoreSpec::Docker(match place {
                        "" => DockerStore::from_env(),
                        host => DockerStore {
                            host: host.to_string(),
                        },
                    }));
                }
                "oci" => return oci(OciKind::Layout),
                "oci-archive" => return oci(OciKind::OciArchive),
                "docker-archive" => return oci(OciKind::DockerArchive),
                "containers-storage" => {
                    if !place.is_empty() {
                        if flags.root.is_some() {
                            bail!("--store {store} and --root name two stores: give one");
                        }
                        flags.root = Some(PathBuf::from(place));
                    }
                }
                _ => bail!(
                    "unknown store kind {kind:?} in --store {store:?}: expected containers-storage, oci, oci-archive, docker-archive or docker"
                ),
            }
        }
        let env = containers_storage::config::Environment::from_process();
        let options = containers_storage::config::resolve(&flags, &env)?;
        if self.nothing_chosen() && env.storage_conf.is_none() && !options.exists() {
            // No podman store: Docker's, if a daemon may be there, else the demo.
            if DockerStore::likely_present() {
                return Ok(StoreSpec::Docker(DockerStore::from_env()));
            }
            return Ok(StoreSpec::Oci(demo()));
        }
        Ok(StoreSpec::ContainersStorage(options))
    }

    /// No flag names a store: only then may cairn fall back to the demo, since a store the
    /// user named and that is missing is an error to show, not a reason to show something else.
    fn nothing_chosen(&self) -> bool {
        self.root.is_none()
            && self.runroot.is_none()
            && self.storage_driver.is_none()
            && self.store.is_none()
    }
}
