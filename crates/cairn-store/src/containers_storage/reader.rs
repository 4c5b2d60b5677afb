//! Reading containers-storage the way podman does: under read locks taken in podman's
//! order, the JSON records of the primary store, its volatile ones and the additional image
//! stores, and every image's config from its big data, read in parallel since that is most
//! of the work on a big store. A list (no configs) holds the locks only while the record
//! files are read, one read a file, and parses them after, the images first.

use super::image_config;
use super::options::{StorageOptions, StoreDirs};
use super::records::{ContainerRecord, ImageEntry, LayerEntry, MountRecord};
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

/// How much of each image a load reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// The records only: names, IDs, dates, layers (and so sizes), containers.
    Records,
    /// The records and every image's config, which is most of the work on a big store.
    Configs,
}

/// Reads the whole store, the image configs included, under read locks taken in podman's
/// order (layers, images, containers).
pub fn load(options: &StorageOptions) -> Result<Loaded> {
    let driver = options.driver()?;
    locked(options, driver, |watch| {
        let snapshot = RecordFiles::read(options, driver)?.snapshot(Depth::Configs, None)?;
        Ok(Loaded {
            snapshot,
            watch,
            terms: Terms::default(),
        })
    })
}

/// Reads the store's records without the image configs, as [`load`] does otherwise: what an
/// image list needs, in a fraction of the time on a big store (no config, no history, no
/// labels; the images are not checked against their configs).
pub fn load_records(options: &StorageOptions) -> Result<Loaded> {
    list(options, None)
}

/// [`load_records`], handing `images` the images alone as soon as `images.json` is parsed,
/// while the layers are still being parsed: their names, IDs and dates, without layers (so
/// without sizes), which is what a list's first frame shows. The locks are held only while
/// the files are read; the parsing, most of the time on a big store, happens after.
pub fn load_list(options: &StorageOptions, images: &mut dyn FnMut(Snapshot)) -> Result<Loaded> {
    list(options, Some(images))
}

fn list(options: &StorageOptions, images: Option<&mut dyn FnMut(Snapshot)>) -> Result<Loaded> {
    let driver = options.driver()?;
    let (files, watch) = locked(options, driver, |watch| {
        Ok((RecordFiles::read(options, driver)?, watch))
    })?;
    Ok(Loaded {
        snapshot: files.snapshot(Depth::Records, images)?,
        watch,
        terms: Terms::default(),
    })
}

/// Runs `read` under read locks on the store taken in podman's order (layers, images,
/// containers, then each additional store's layers and images), with a [`Watch`] of the
/// lock files as they were.
fn locked<T>(
    options: &StorageOptions,
    driver: &str,
    read: impl FnOnce(Watch) -> Result<T>,
) -> Result<T> {
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
    let read = read(watch);
    drop(guards);
    read
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
    RecordFiles::read(options, driver)?.snapshot(Depth::Configs, None)
}

/// One record file's bytes, `None` when it does not exist, and where it was read from.
struct RecordFile {
    path: PathBuf,
    bytes: Option<Vec<u8>>,
}

impl RecordFile {
    fn read(path: PathBuf) -> Result<Self> {
        let bytes = regular_file::read(&path, RECORDS_LIMIT)?;
        Ok(RecordFile { path, bytes })
    }

    fn parse<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        match &self.bytes {
            Some(bytes) => parse_records(bytes, &self.path),
            None => Ok(Vec::new()),
        }
    }
}

/// The bytes of every record file of a store, read in one go (one read a file) while the
/// caller holds the locks, and parsed after.
struct RecordFiles {
    /// `images.json` of the primary store, then each additional store's (read-only).
    images: Vec<RecordFile>,
    /// `layers.json` and `volatile-layers.json` of the primary store, then each additional
    /// store's `layers.json`.
    layers: Vec<RecordFile>,
    mounts: RecordFile,
    /// `containers.json` and `volatile-containers.json`.
    containers: Vec<RecordFile>,
}

impl RecordFiles {
    fn read(options: &StorageOptions, driver: &str) -> Result<Self> {
        let main = StoreDirs::new(&options.graphroot, driver);
        let extra: Vec<StoreDirs> = options
            .additional_image_stores
            .iter()
            .map(|root| StoreDirs::new(root, driver))
            .collect();
        let images = std::iter::once(&main)
            .chain(&extra)
            .map(|dirs| RecordFile::read(dirs.images.join("images.json")))
            .collect::<Result<_>>()?;
        let layers = [
            main.layers.join("layers.json"),
            main.layers.join("volatile-layers.json"),
        ]
        .into_iter()
        .chain(extra.iter().map(|dirs| dirs.layers.join("layers.json")))
        .map(RecordFile::read)
        .collect::<Result<_>>()?;
        let mounts = RecordFile::read(
            options
                .runroot
                .join(format!("{driver}-layers"))
                .join("mountpoints.json"),
        )?;
        let containers = [
            main.containers.join("containers.json"),
            main.containers.join("volatile-containers.json"),
        ]
        .into_iter()
        .map(RecordFile::read)
        .collect::<Result<_>>()?;
        Ok(RecordFiles {
            images,
            layers,
            mounts,
            containers,
        })
    }

    /// The snapshot, reading the image configs too at [`Depth::Configs`]. `layers.json` is
    /// parsed on a thread of its own while `images.json` is parsed here, and `images`, if
    /// given, is handed the images alone before the layers are waited for.
    fn snapshot(&self, depth: Depth, images: Option<&mut dyn FnMut(Snapshot)>) -> Result<Snapshot> {
        let (layers, images) = std::thread::scope(|scope| {
            let layers = scope.spawn(|| self.layers());
            let listed = self.images(depth);
            if let (Ok(listed), Some(images)) = (&listed, images) {
                images(Snapshot::new(
                    listed.iter().map(without_layers).collect(),
                    Vec::new(),
                    Vec::new(),
                ));
            }
            let layers = layers
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (layers, listed)
        });
        let (layers, images) = (layers?, images?);
        let mut container_records: Vec<ContainerRecord> = Vec::new();
        for file in &self.containers {
            container_records.extend(file.parse::<ContainerRecord>()?);
        }
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
        let short_names =
            super::registries::short_names(&super::registries::Places::from_process());
        Ok(Snapshot::new(images, layers, containers).with_short_names(short_names))
    }

    /// Every layer: the primary store's, its volatile ones, then each additional store's.
    fn layers(&self) -> Result<Vec<Layer>> {
        let mut layer_records: Vec<LayerEntry> = Vec::new();
        for file in &self.layers {
            layer_records.extend(file.parse::<LayerEntry>()?);
        }
        let mounted: HashSet<String> = self
            .mounts
            .parse::<MountRecord>()?
            .into_iter()
            .filter(|m| m.count > 0)
            .map(|m| m.id)
            .collect();
        Ok(layer_records
            .into_iter()
            .map(|r| layer_from_record(r, &mounted))
            .collect())
    }

    /// Every image, with its config at [`Depth::Configs`]: the primary store's, then each
    /// additional store's.
    fn images(&self, depth: Depth) -> Result<Vec<Image>> {
        let mut image_sources: Vec<(&Path, ImageEntry, bool)> = Vec::new();
        for (n, file) in self.images.iter().enumerate() {
            let dir = file.path.parent().unwrap_or(Path::new(""));
            image_sources.extend(
                file.parse::<ImageEntry>()?
                    .into_iter()
                    .map(|r| (dir, r, n > 0)),
            );
        }
        Ok(match depth {
            Depth::Records => image_sources
                .into_iter()
                .map(|(dir, record, read_only)| image_from_record(dir, record, read_only, depth))
                .collect(),
            Depth::Configs => image_sources
                .into_par_iter()
                .map(|(dir, record, read_only)| image_from_record(dir, record, read_only, depth))
                .collect(),
        })
    }
}

/// What the list shows of an image before the layers are read: its layers are left out, so
/// that nothing takes them for missing.
fn without_layers(image: &Image) -> Image {
    Image {
        id: image.id.clone(),
        digest: image.digest.clone(),
        digests: image.digests.clone(),
        names: image.names.clone(),
        names_history: image.names_history.clone(),
        created: image.created,
        big_data_size: image.big_data_size,
        read_only: image.read_only,
        problems: image.problems.clone(),
        ..Image::default()
    }
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

fn layer_from_record(record: LayerEntry, mounted: &HashSet<String>) -> Layer {
    Layer {
        mounted: mounted.contains(&record.id),
        id: record.id,
        parent: record.parent.filter(|p| !p.is_empty()),
        names: record.names,
        created: parse_time(record.created.as_deref()),
        diff_digest: record.diff_digest.filter(|d| !d.is_empty()),
        diff_size: record.diff_size.and_then(|s| u64::try_from(s).ok()),
        incomplete: record.incomplete.0,
        blob: None,
    }
}

/// An image record plus its config. Whatever cannot be read becomes a problem on the image.
fn image_from_record(dir: &Path, record: ImageEntry, read_only: bool, depth: Depth) -> Image {
    let mut digests: Vec<String> = record.digest.iter().cloned().collect();
    for (_, digest) in record.manifest_digests.0 {
        if !digests.contains(&digest) {
            digests.push(digest);
        }
    }
    let mut image = Image {
        digest: record.digest.or_else(|| digests.first().cloned()),
        digests,
        names: record.names,
        names_history: record.names_history,
        top_layer: record.layer.filter(|l| !l.is_empty()),
        mapped_top_layers: record.mapped_layers,
        created: parse_time(record.created.as_deref()),
        big_data_size: record.big_data_size.0,
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
    if depth == Depth::Records {
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
