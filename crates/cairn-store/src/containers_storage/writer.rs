//! Applying a plan to containers-storage the way containers/storage changes it: under write
//! locks taken in podman's order, after re-reading the store and re-planning, with a new lock
//! token before every JSON write and every JSON file replaced atomically. Fields cairn does not
//! know are kept: records are edited as plain JSON.

use super::options::{StorageOptions, StoreDirs};
use super::reader::{is_safe_id, open_additional_locks, read_records, read_snapshot};
use crate::atomic;
use crate::error::StoreError;
use crate::lockfile::{LockFile, LockGuard};
use crate::regular_file;
use anyhow::{Context, Result, anyhow, bail};
use cairn_core::Catalog;
use cairn_core::removal::Step;
use serde_json::Value;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

pub mod kill_point;

/// Re-plans under the store's write locks and, if the plan is still `preview`, applies it.
pub fn apply<F>(options: &StorageOptions, preview: &[Step], replan: F) -> Result<()>
where
    F: FnOnce(&Catalog) -> Vec<Step>,
{
    let driver = options.driver()?;
    if !matches!(driver, "vfs" | "overlay") {
        return Err(StoreError::Unsupported(format!(
            "cairn changes stores of the vfs and overlay drivers only, not {driver}"
        ))
        .into());
    }
    let dirs = StoreDirs::new(&options.graphroot, driver);
    for dir in [&dirs.layers, &dirs.images, &dirs.containers] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let layers_lock = LockFile::open_for_writing(&dirs.layers.join("layers.lock"))?;
    let images_lock = LockFile::open_for_writing(&dirs.images.join("images.lock"))?;
    let containers_lock = LockFile::open_for_writing(&dirs.containers.join("containers.lock"))?;
    let extra_locks = open_additional_locks(options, driver)?;
    let mut guards: Vec<LockGuard<'_>> = vec![
        layers_lock.write()?,
        images_lock.write()?,
        containers_lock.write()?,
    ];
    for lock in extra_locks.iter().flatten().flatten() {
        guards.push(lock.read()?);
    }
    let catalog = Catalog::new(read_snapshot(options, driver)?);
    let steps = replan(&catalog);
    if steps != preview {
        return Err(StoreError::Changed.into());
    }
    let mut writer = Writer {
        graphroot: options.graphroot.clone(),
        runroot: options.runroot.clone(),
        driver: driver.to_string(),
        dirs,
        layers_lock: &layers_lock,
        images_lock: &images_lock,
        containers_lock: &containers_lock,
    };
    for step in &steps {
        writer.apply(step)?;
    }
    drop(guards);
    Ok(())
}

/// A JSON array file of the store, as plain values.
struct Records {
    path: PathBuf,
    values: Vec<Value>,
}

impl Records {
    fn read(path: PathBuf) -> Result<Self> {
        let values: Vec<Value> = read_records(&path)?;
        Ok(Records { path, values })
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.values
            .iter()
            .position(|v| v.get("id").and_then(Value::as_str) == Some(id))
    }

    /// Writes the records back after renewing the lock's token, as containers/storage does.
    fn save(&self, lock: &LockFile) -> Result<()> {
        lock.touch()?;
        let data = serde_json::to_vec(&self.values)
            .with_context(|| format!("encoding {}", self.path.display()))?;
        atomic::write_file(&self.path, &data, atomic::PODMAN_MODE)?;
        kill_point::change_made();
        Ok(())
    }
}

struct Writer<'a> {
    graphroot: PathBuf,
    runroot: PathBuf,
    driver: String,
    dirs: StoreDirs,
    layers_lock: &'a LockFile,
    images_lock: &'a LockFile,
    containers_lock: &'a LockFile,
}

fn remove_dir(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => {
            kill_point::change_made();
            Ok(())
        }
    }
}

fn remove_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => {
            kill_point::change_made();
            Ok(())
        }
    }
}

fn checked_id(id: &str) -> Result<&str> {
    if is_safe_id(id) {
        Ok(id)
    } else {
        Err(anyhow!(
            "refusing to touch the files of the invalid ID {id:?}"
        ))
    }
}

/// Removes the array `key` from a record when it is empty, as Go's `omitempty` does.
fn set_list(record: &mut Value, key: &str, list: Vec<String>) {
    if let Some(object) = record.as_object_mut() {
        if list.is_empty() {
            object.remove(key);
        } else {
            object.insert(key.to_string(), Value::from(list));
        }
    }
}

fn list(record: &Value, key: &str) -> Vec<String> {
    record
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

impl Writer<'_> {
    fn apply(&mut self, step: &Step) -> Result<()> {
        match step {
            Step::SetNames { image, names, .. } => self.set_names(image, names),
            Step::DeleteContainer { container, layer } => {
                self.delete_container(container, layer.as_deref())
            }
            Step::DeleteImage { image, layers } => self.delete_image(image, layers),
            Step::DeleteLayer { layer } => self.delete_layer(layer),
            // Plans under podman's rules never hold these.
            Step::DockerUntag { .. }
            | Step::DockerDelete { .. }
            | Step::DockerTag { .. }
            | Step::Registry(_) => {
                bail!("a Docker Engine step cannot change containers-storage")
            }
        }
    }

    /// containers/storage `updateNames`: the image gets exactly `names`, any other image
    /// loses them, and each name is put first in the image's names history.
    fn set_names(&mut self, image: &str, names: &[String]) -> Result<()> {
        let mut images = Records::read(self.dirs.images.join("images.json"))?;
        let target = images
            .position(image)
            .ok_or_else(|| anyhow!("image {image} is no longer in {}", images.path.display()))?;
        for (i, record) in images.values.iter_mut().enumerate() {
            if i != target {
                let kept: Vec<String> = list(record, "names")
                    .into_iter()
                    .filter(|n| !names.contains(n))
                    .collect();
                if kept.len() != list(record, "names").len() {
                    set_list(record, "names", kept);
                }
            }
        }
        let record = &mut images.values[target];
        let mut history = list(record, "names-history");
        for name in names {
            history.retain(|h| h != name);
            history.insert(0, name.clone());
        }
        set_list(record, "names", names.to_vec());
        set_list(record, "names-history", history);
        images.save(self.images_lock)
    }

    /// containers/storage `DeleteContainer`: its layer, its record, then its folders.
    fn delete_container(&mut self, container: &str, layer: Option<&str>) -> Result<()> {
        let container = checked_id(container)?;
        if let Some(layer) = layer {
            self.delete_layer(layer)?;
        }
        for name in ["containers.json", "volatile-containers.json"] {
            let mut records = Records::read(self.dirs.containers.join(name))?;
            if let Some(i) = records.position(container) {
                records.values.remove(i);
                records.save(self.containers_lock)?;
            }
        }
        remove_dir(&self.dirs.containers.join(container))?;
        remove_dir(
            &self
                .runroot
                .join(format!("{}-containers", self.driver))
                .join(container),
        )
    }

    /// containers/storage `DeleteImage`: the record, its big data, then its layers top first.
    fn delete_image(&mut self, image: &str, layers: &[String]) -> Result<()> {
        let image = checked_id(image)?;
        let mut images = Records::read(self.dirs.images.join("images.json"))?;
        let i = images
            .position(image)
            .ok_or_else(|| anyhow!("image {image} is no longer in {}", images.path.display()))?;
        images.values.remove(i);
        images.save(self.images_lock)?;
        remove_dir(&self.dirs.images.join(image))?;
        for layer in layers {
            self.delete_layer(layer)?;
        }
        Ok(())
    }

    /// containers/storage `layerStore.deleteInternal`: mark the layer incomplete first, so
    /// that an interrupted deletion is finished by the next podman, then remove its files and
    /// finally its record.
    fn delete_layer(&mut self, layer: &str) -> Result<()> {
        let layer = checked_id(layer)?;
        let (mut records, i) = ["layers.json", "volatile-layers.json"]
            .iter()
            .map(|name| Records::read(self.dirs.layers.join(name)))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .find_map(|r| r.position(layer).map(|i| (r, i)))
            .ok_or_else(|| {
                anyhow!(
                    "layer {layer} is not in {}: it may belong to a read-only store",
                    self.dirs.layers.display()
                )
            })?;
        let record = &mut records.values[i];
        if let Some(object) = record.as_object_mut() {
            let flags = object
                .entry("flags")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(flags) = flags.as_object_mut() {
                flags.insert("incomplete".into(), Value::Bool(true));
            }
        }
        records.save(self.layers_lock)?;
        self.remove_driver_layer(layer)?;
        remove_file(&self.dirs.layers.join(format!("{layer}.tar-split.gz")))?;
        remove_dir(&self.dirs.layers.join(layer))?;
        records.values.remove(i);
        records.save(self.layers_lock)
    }

    /// The layer's files: `vfs/dir/ID`, or `overlay/ID` and its short link in `overlay/l`.
    fn remove_driver_layer(&self, layer: &str) -> Result<()> {
        match self.driver.as_str() {
            "vfs" => remove_dir(&self.graphroot.join("vfs/dir").join(layer)),
            _ => {
                let home = self.graphroot.join("overlay");
                let link_file = home.join(layer).join("link");
                // The short name is 26 characters; the bound only keeps a hostile file out.
                if let Some(link) = regular_file::read(&link_file, 4096)? {
                    let link = String::from_utf8_lossy(&link);
                    let link = link.trim();
                    if !link.is_empty() && !link.contains('/') && link != ".." {
                        remove_file(&home.join("l").join(link))?;
                    }
                }
                remove_dir(&home.join(layer))
            }
        }
    }
}
