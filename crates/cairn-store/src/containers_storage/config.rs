//! Where podman's store is: flags first, then `CONTAINERS_STORAGE_CONF` or storage.conf, then
//! the root and rootless defaults; the driver is the one whose folder exists when none is set.

use super::options::{DRIVER_PRIORITY, StorageOptions};
use crate::regular_file;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// podman's global flags that say where its store is (`--root`, `--runroot`,
/// `--storage-driver`).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub root: Option<PathBuf>,
    pub runroot: Option<PathBuf>,
    pub storage_driver: Option<String>,
}

/// The parts of the process environment that decide where the store is.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub storage_conf: Option<PathBuf>,
    pub uid: u32,
    /// The user's home as podman finds it ([`crate::home::user_home`]).
    pub home: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    /// `STORAGE_DRIVER`, which overrides the config file in containers/storage.
    pub storage_driver: Option<String>,
}

impl Environment {
    pub fn from_process() -> Self {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Environment {
            storage_conf: path("CONTAINERS_STORAGE_CONF"),
            uid: rustix::process::geteuid().as_raw(),
            home: crate::home::user_home(),
            xdg_data_home: path("XDG_DATA_HOME"),
            xdg_config_home: path("XDG_CONFIG_HOME"),
            xdg_runtime_dir: path("XDG_RUNTIME_DIR"),
            storage_driver: std::env::var("STORAGE_DRIVER")
                .ok()
                .filter(|d| !d.is_empty()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ConfFile {
    #[serde(default)]
    storage: ConfStorage,
}

#[derive(Debug, Default, Deserialize)]
struct ConfStorage {
    driver: Option<String>,
    graphroot: Option<PathBuf>,
    runroot: Option<PathBuf>,
    rootless_storage_path: Option<PathBuf>,
    #[serde(default)]
    options: ConfOptions,
}

#[derive(Debug, Default, Deserialize)]
struct ConfOptions {
    #[serde(default)]
    additionalimagestores: Vec<PathBuf>,
}

/// Resolves the store options from the flags, the config file and the defaults.
pub fn resolve(flags: &Flags, env: &Environment) -> Result<StorageOptions> {
    let conf_path = config_path(env);
    let conf = match &conf_path {
        Some(path) => read_conf(path)?,
        None => ConfFile::default(),
    };
    let rootless = env.uid != 0;
    let (default_graphroot, default_runroot) = if rootless {
        let data = env
            .xdg_data_home
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        let run = env
            .xdg_runtime_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", env.uid)));
        (
            conf.storage
                .rootless_storage_path
                .clone()
                .unwrap_or_else(|| data.join("containers/storage")),
            run.join("containers"),
        )
    } else {
        (
            conf.storage
                .graphroot
                .clone()
                .unwrap_or_else(|| PathBuf::from("/var/lib/containers/storage")),
            conf.storage
                .runroot
                .clone()
                .unwrap_or_else(|| PathBuf::from("/run/containers/storage")),
        )
    };
    let graphroot = flags.root.clone().unwrap_or(default_graphroot);
    let runroot = flags.runroot.clone().unwrap_or(default_runroot);
    let driver = flags
        .storage_driver
        .clone()
        .or_else(|| env.storage_driver.clone())
        .or(conf.storage.driver.clone().filter(|d| !d.is_empty()))
        .or_else(|| detect_driver(&graphroot));
    Ok(StorageOptions {
        graphroot,
        runroot,
        driver,
        additional_image_stores: conf.storage.options.additionalimagestores,
        explicit: flags.root.is_some(),
    })
}

fn config_path(env: &Environment) -> Option<PathBuf> {
    if let Some(path) = &env.storage_conf {
        return Some(path.clone());
    }
    if env.uid != 0 {
        let config_home = env
            .xdg_config_home
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
        if let Some(user) = config_home.map(|c| c.join("containers/storage.conf"))
            && user.exists()
        {
            return Some(user);
        }
    }
    [
        "/etc/containers/storage.conf",
        "/usr/share/containers/storage.conf",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// `storage.conf` is a few kilobytes. It is the user's own file, not the store's, so it may
/// be anything that reads: `/dev/null` (which podman's users give to mean none) or a shell's
/// `<(...)`; only its size is bounded.
const CONF_LIMIT: u64 = 1 << 20;

fn read_conf(path: &Path) -> Result<ConfFile> {
    let bytes = std::fs::File::open(path)
        .map_err(anyhow::Error::from)
        .and_then(|file| {
            regular_file::read_bounded(file, CONF_LIMIT, path).map_err(anyhow::Error::from)
        })
        .with_context(|| format!("reading storage configuration {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("reading storage configuration {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("parsing storage configuration {}", path.display()))
}

/// The first driver, in containers/storage's order of preference, that has data here.
pub fn detect_driver(graphroot: &Path) -> Option<String> {
    DRIVER_PRIORITY
        .iter()
        .find(|d| graphroot.join(format!("{d}-images")).is_dir() || graphroot.join(d).is_dir())
        .map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_config_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("vfs-images")).unwrap();
        let flags = Flags {
            root: Some(dir.path().to_path_buf()),
            runroot: Some(PathBuf::from("/tmp/run")),
            ..Default::default()
        };
        let env = Environment {
            storage_conf: Some(dir.path().join("missing.conf")),
            ..Default::default()
        };
        let err = resolve(&flags, &env).unwrap_err();
        assert!(format!("{err:#}").contains("missing.conf"), "{err:#}");
        let conf = dir.path().join("storage.conf");
        std::fs::write(
            &conf,
            "[storage]\ndriver = \"overlay\"\ngraphroot = \"/elsewhere\"\n[storage.options]\nadditionalimagestores = [\"/ro\"]\n",
        )
        .unwrap();
        let env = Environment {
            storage_conf: Some(conf),
            ..Default::default()
        };
        let options = resolve(&flags, &env).unwrap();
        assert_eq!(options.graphroot, dir.path());
        assert_eq!(options.runroot, PathBuf::from("/tmp/run"));
        assert_eq!(options.driver.as_deref(), Some("overlay"));
        assert_eq!(options.additional_image_stores, vec![PathBuf::from("/ro")]);
    }

    #[test]
    fn rootless_defaults_follow_xdg() {
        let env = Environment {
            storage_conf: Some(PathBuf::from("/dev/null")),
            uid: 1000,
            xdg_data_home: Some(PathBuf::from("/home/u/data")),
            xdg_runtime_dir: Some(PathBuf::from("/run/user/1000")),
            ..Default::default()
        };
        let options = resolve(&Flags::default(), &env).unwrap();
        assert_eq!(
            options.graphroot,
            PathBuf::from("/home/u/data/containers/storage")
        );
        assert_eq!(options.runroot, PathBuf::from("/run/user/1000/containers"));
    }

    #[test]
    fn driver_is_detected_from_the_folders() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect_driver(dir.path()), None);
        std::fs::create_dir_all(dir.path().join("vfs-images")).unwrap();
        assert_eq!(detect_driver(dir.path()).as_deref(), Some("vfs"));
    }
}
