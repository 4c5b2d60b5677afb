//! Which store a command works on: podman's own flags, `--store KIND:WHERE`, or the store
//! podman (else docker) would find on its own.

use crate::archive::{Archive, ArchiveKind};
use crate::containers_storage;
use crate::containers_storage::config::Environment;
use crate::error::{Result, StoreError};
use crate::oci::OciLayout;
use crate::registry::RegistryStore;
use crate::registry::client::Connect;
use crate::registry_storage::RegistryStorage;
use crate::store::Store;
use anyhow::anyhow;
use std::path::PathBuf;

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
    /// `--store KIND:WHERE` (or `--store demo`)
    pub store: Option<String>,
    /// podman's `--tls-verify` for a registry (`None`: verify)
    pub tls_verify: Option<bool>,
    /// podman's `--cert-dir`: CA files (`*.crt`) and a client pair for a registry
    pub cert_dir: Option<PathBuf>,
    /// podman's `--authfile`: the credentials for a registry
    pub authfile: Option<PathBuf>,
    /// `--cached`: a registry's listing as its last open read it, without asking it
    pub cached: bool,
}

/// The demo's scratch copy (see [`crate::demo`]), made now if it is missing: `--store demo`,
/// and with `fallback` what cairn shows when the machine has no store.
pub fn demo(env: &Environment, fallback: bool) -> Result<Store> {
    let path = crate::demo::location(env)?;
    crate::demo::ensure(&path)?;
    Ok(Store::new(OciLayout::demo_copy(path, fallback)))
}

/// A Docker Engine at `host` (empty: where the docker CLI would look).
#[cfg(feature = "docker")]
fn docker(host: &str) -> Result<Store> {
    use crate::docker::DockerStore;
    Ok(Store::new(match host {
        "" => DockerStore::from_env(),
        host => DockerStore {
            host: host.to_string(),
        },
    }))
}

#[cfg(not(feature = "docker"))]
fn docker(_: &str) -> Result<Store> {
    Err(StoreError::Unsupported(
        "--store docker: this build of cairn has no Docker support (built without the `docker` feature)".into(),
    ))
}

/// Whether a Docker Engine may be there to fall back on when no podman store is.
fn docker_likely_present() -> bool {
    #[cfg(feature = "docker")]
    return crate::docker::DockerStore::likely_present();
    #[cfg(not(feature = "docker"))]
    return false;
}

impl Selection {
    /// Resolves the flags and the environment into a store, as podman would.
    pub fn resolve(&self) -> Result<Store> {
        let mut flags = self.clone();
        if let Some(store) = &self.store {
            let (kind, place) = store.split_once(':').unwrap_or((store.as_str(), ""));
            let not_podman = || {
                if self.root.is_some() || self.runroot.is_some() || self.storage_driver.is_some() {
                    return Err(usage(format!(
                        "--store {store} is not a containers-storage store: drop --root, --runroot and --storage-driver"
                    )));
                }
                Ok(())
            };
            let path = || {
                if place.is_empty() {
                    return Err(usage(format!(
                        "--store {store}: give the path, as {kind}:PATH"
                    )));
                }
                not_podman()?;
                Ok(PathBuf::from(place))
            };
            let archive = |kind| Ok(Store::new(Archive::new(kind, path()?)));
            match kind {
                "docker" => {
                    not_podman()?;
                    return docker(place);
                }
                "demo" if place.is_empty() => {
                    not_podman()?;
                    return demo(&Environment::from_process(), false);
                }
                "oci" => return Ok(Store::new(OciLayout::at(path()?))),
                "registry" => {
                    not_podman()?;
                    let connect = Connect {
                        tls_verify: self.tls_verify.unwrap_or(true),
                        cert_dir: self.cert_dir.clone(),
                        authfile: self.authfile.clone(),
                    };
                    let mut registry = RegistryStore::parse(place, connect)?;
                    registry.cached = self.cached;
                    return Ok(Store::new(registry));
                }
                "registry-storage" => return Ok(Store::new(RegistryStorage { path: path()? })),
                "oci-archive" => return archive(ArchiveKind::Oci),
                "docker-archive" => return archive(ArchiveKind::Docker),
                "containers-storage" => {
                    if !place.is_empty() {
                        if flags.root.is_some() {
                            return Err(usage(format!(
                                "--store {store} and --root name two stores: give one"
                            )));
                        }
                        flags.root = Some(PathBuf::from(place));
                    }
                }
                _ => {
                    return Err(usage(format!(
                        "unknown store kind {kind:?} in --store {store:?}: expected containers-storage, oci, oci-archive, docker-archive, docker, registry, registry-storage or demo"
                    )));
                }
            }
        }
        let env = Environment::from_process();
        let options = containers_storage::config::resolve(
            &containers_storage::config::Flags {
                root: flags.root.clone(),
                runroot: flags.runroot.clone(),
                storage_driver: flags.storage_driver.clone(),
            },
            &env,
        )?;
        // `CONTAINERS_STORAGE_CONF` only picks the file that says where podman's store is, as
        // `/etc/containers/storage.conf` does: where the store it names does not exist,
        // podman has none either.
        if self.nothing_chosen() && !options.exists() {
            // No podman store: Docker's, if a daemon may be there, else the demo.
            if docker_likely_present() {
                return docker("");
            }
            // A scratch copy where the user's files go, else (no home, a read-only
            // one) the bundled demo, read-only, saying why.
            return Ok(demo(&env, true)
                .unwrap_or_else(|e| Store::new(OciLayout::bundled_demo(format!("{e:#}")))));
        }
        Ok(Store::new(options))
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

/// A `--store` or flag the user got wrong: said as it is, in the caller's words.
fn usage(message: String) -> StoreError {
    StoreError::Other(anyhow!(message))
}
