//! Reading containers-storage the way podman does: under read locks taken in podman's
//! order, the JSON records of the primary store, its volatile ones and the additional image
//! stores, and every image's config from its big data, read in parallel since that is most
//! of the work on a big store.

use super::big_data;
use super::image_config;
use super::options::{StorageOptions, StoreDirs};
use super::records::{ContainerRecord, ImageRecord, LayerRecord, MountRecord};
use crate::backend::{Loaded, Terms};
use crate::error::StoreError;
use crate::lockfile::{LockFile, LockGuard};
use crate::regular_file;
use crate::watch::Watch;
use anyhow::Result;
use cairn_core::{Container, Image, Layer, Snapshot};
use jiff::Timestamp;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Reads the whole store under read locks taken in podman's order (layers, images,
/// containers), then builds the snapshot off the locks.
pub fn load(options: &StorageOptions) -> Result<Loaded> {
    let driver = options.driver()?;
    let main = StoreDirs::new(&options.graphroot, driver);
    let locks = [
        LockFile::open_existing(&main.layers.join("layers.lock"))?,
        LockFile::open_existing(&main.images.join("images.lock"))?,
        LockFile::open_existing(&main.containers.join("containers.lock"))?,
    ];
    let extra_locks = open_additional_locks(options, driver)?;
    let all_locks: Vec<&LockFile> = locks
        .iter()
        .chain(extra_locks.iter().flatten())
        .flatten()
        .collect();
    let guards: Vec<LockGuard<'_>> = all_locks
        .iter()
        .map(|l| l.read())
        .collect::<Result<_, StoreError>>()?;
    let mut watch = Watch::default();
    for lock in &all_locks {
        watch.lock(lock.path(), lock.token()?);
    }
    let snapshot = read_snapshot(options, driver)?;
    drop(guards);
    Ok(Loaded {
        snapshot,
        watch,
        terms: Terms::default(),
    })
}

/// The lock files of the additional image stores, which are only ever read.
pub(crate) fn open_additional_locks(
    options: &StorageOptions,
    driver: &str,
) -> Result<Vec<[Option<LockFile>; 2]>> {
    options
        .additional_image_stores
        .iter()
        .map(|root| {
            let dirs = StoreDirs::new(root, driver);
            Ok([
                LockFile::open_existing(&dirs.layers.join("layers.lock"))?,
                LockFile::open_existing(&dirs.images.join("images.lock"))?,
            ])
        })
        .collect()
}

/// Reads every record and image config. The caller holds the locks.
pub(crate) fn read_snapshot(options: &StorageOptions, driver: &str) -> Result<Snapshot> {
    // layers.json and images.json are the big files (over 10 MB each on a build server with
    // 10,000 images), and the image configs are the most work of all: one thread reads the
    // layers while the other parses images.json and starts on the configs, which both
    // threads finish together.
    let (layers, images) = rayon::join(
        || read_layers(options, driver),
        || read_images(options, driver),
    );
    let (layers, images) = (layers?, images?);
    let main = StoreDirs::new(&options.graphroot, driver);
    let mut container_records: Vec<ContainerRecord> =
        read_records(&main.containers.join("containers.json"))?;
    container_records.extend(read_records::<ContainerRecord>(
        &main.containers.join("volatile-containers.json"),
    )?);
    let containers = container_records
        .into_iter()
        .map(|r| Container {
            id: r.id,
            names: r.names,
            image: r.image,
            layer: r.layer,
            running: false,
        })
        .collect();
    // Read with the records, so that a plan made again under the locks completes short
    // names as the preview did.
    let short_names = super::registries::short_names(&super::registries::Places::from_process());
    Ok(Snapshot::new(images, layers, containers).with_short_names(short_names))
}

/// Every layer: the primary store's, its volatile ones, then each additional store's.
fn read_layers(options: &StorageOptions, driver: &str) -> Result<Vec<Layer>> {
    let main = StoreDirs::new(&options.graphroot, driver);
    let mut layer_records: Vec<LayerRecord> = read_records(&main.layers.join("layers.json"))?;
    layer_records.extend(read_records::<LayerRecord>(
        &main.layers.join("volatile-layers.json"),
    )?);
    for root in &options.additional_image_stores {
        let dirs = StoreDirs::new(root, driver);
        layer_records.extend(read_records::<LayerRecord>(
            &dirs.layers.join("layers.json"),
        )?);
    }
    let mounts: Vec<MountRecord> = read_records(
        &options
            .runroot
            .join(format!("{driver}-layers"))
            .join("mountpoints.json"),
    )?;
    let mounted: HashSet<String> = mounts
        .into_iter()
        .filter(|m| m.count > 0)
        .map(|m| m.id)
        .collect();
    Ok(layer_records
        .into_iter()
        .map(|r| layer_from_record(r, &mounted))
        .collect())
}

/// Every image with its config: the primary store's, then each additional store's.
fn read_images(options: &StorageOptions, driver: &str) -> Result<Vec<Image>> {
    let main = StoreDirs::new(&options.graphroot, driver);
    let mut image_sources: Vec<(PathBuf, ImageRecord, bool)> =
        read_records::<ImageRecord>(&main.images.join("images.json"))?
            .into_iter()
            .map(|r| (main.images.clone(), r, false))
            .collect();
    for root in &options.additional_image_stores {
        let dirs = StoreDirs::new(root, driver);
        image_sources.extend(
            read_records::<ImageRecord>(&dirs.images.join("images.json"))?
                .into_iter()
                .map(|r| (dirs.images.clone(), r, true)),
        );
    }
    Ok(image_sources
        .into_par_iter()
        .map(|(dir, record, read_only)| image_from_record(&dir, record, read_only))
        .collect())
}

/// The most of one JSON record file cairn reads: `images.json` of a build server with
/// 10,000 images is about 10 MB.
pub const RECORDS_LIMIT: u64 = 1 << 30;

/// Reads one of the store's JSON arrays: a missing or empty file means no records.
pub(crate) fn read_records<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, StoreError> {
    let Some(bytes) = regular_file::read(path, RECORDS_LIMIT)? else {
        return Ok(Vec::new());
    };
    parse_records(&bytes, path)
}

/// Parses one of the store's JSON arrays read from `path` (named only in errors): an empty
/// file means no records. Public so that the fuzz targets feed it bytes as the reader does.
pub fn parse_records<T: DeserializeOwned>(bytes: &[u8], path: &Path) -> Result<Vec<T>, StoreError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    serde_json::from_slice(bytes).map_err(|e| StoreError::parse(path.display(), path, e))
}

fn parse_time(text: Option<&str>) -> Option<Timestamp> {
    text.and_then(|t| t.parse().ok())
}

fn layer_from_record(record: LayerRecord, mounted: &HashSet<String>) -> Layer {
    let incomplete = record
        .flags
        .get("incomplete")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    Layer {
        mounted: mounted.contains(&record.id),
        id: record.id,
        parent: record.parent.filter(|p| !p.is_empty()),
        names: record.names,
        created: parse_time(record.created.as_deref()),
        diff_digest: record.diff_digest.filter(|d| !d.is_empty()),
        diff_size: record.diff_size.and_then(|s| u64::try_from(s).ok()),
        incomplete,
        blob: None,
    }
}

/// An image record plus its config. Whatever cannot be read becomes a problem on the image.
fn image_from_record(dir: &Path, record: ImageRecord, read_only: bool) -> Image {
    let mut digests: Vec<String> = record.digest.iter().cloned().collect();
    for (key, digest) in &record.big_data_digests {
        if big_data::is_manifest_key(key) && !digests.contains(digest) {
            digests.push(digest.clone());
        }
    }
    let mut image = Image {
        digest: record.digest.clone().or_else(|| digests.first().cloned()),
        digests,
        names: record.names,
        names_history: record.names_history,
        top_layer: record.layer.filter(|l| !l.is_empty()),
        mapped_top_layers: record.mapped_layers,
        created: parse_time(record.created.as_deref()),
        big_data_size: record
            .big_data_sizes
            .values()
            .map(|&s| u64::try_from(s).unwrap_or(0))
            .fold(0, u64::saturating_add),
        read_only,
        id: record.id,
        ..Image::default()
    };
    if !is_safe_id(&image.id) {
        image.problems.push(format!(
            "image ID {:?} in {} is not a valid ID",
            image.id,
            dir.display()
        ));
        return image;
    }
    let image_dir = dir.join(&image.id);
    match image_config::read(
        &image_dir,
        &image.id,
        &record.big_data_names,
        image.top_layer.is_none(),
    ) {
        Ok(image_config::Contents::Image(config)) => image.config = Some(*config),
        Ok(image_config::Contents::ManifestList) => image.manifest_list = true,
        Err(e) => image.problems.push(format!("{e:#}")),
    }
    image
}

/// IDs become folder names: anything that could leave the folder is refused.
pub(crate) fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
