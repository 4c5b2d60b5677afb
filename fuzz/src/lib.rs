//! What each fuzz target feeds to cairn: bytes in, through the same entry points the store
//! readers use, then into the model the way a load does. A panic, a hang or unbounded memory
//! on any input is a bug.
//!
//! Inputs that hold several files (a store's records, a layout's index and blobs) separate
//! them with a NUL byte, which no JSON document contains. The hermetic test
//! `fuzz_corpora` replays every corpus file through these same functions.

use cairn_core::{Catalog, Rules, Snapshot};
use cairn_store::archive::blobs::ArchiveBlobs;
use cairn_store::containers_storage::reader::parse_records;
use cairn_store::containers_storage::records::{
    ContainerRecord, ImageEntry, LayerEntry, MountRecord,
};
use cairn_store::containers_storage::{self, StorageOptions, big_data};
use cairn_store::digest::Digest;
use cairn_store::oci::blobs::{BlobCheck, BlobSource, METADATA_LIMIT};
use cairn_store::oci::layout;
use std::path::Path;

/// The separator between the files of one input.
pub const SEPARATOR: u8 = 0;

/// The files of one input, at most `max` (the last one keeps any further separators).
fn split(data: &[u8], max: usize) -> Vec<&[u8]> {
    data.splitn(max, |&b| b == SEPARATOR).collect()
}

/// Image names as typed by a user or found in a store: every parser and normalizer of
/// `cairn_core::reference`, and the round trip of what they accept.
pub fn reference(data: &[u8]) {
    use cairn_core::reference as r;
    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    let _ = r::check_syntax(name);
    let _ = r::has_domain(name);
    let _ = r::is_short_name(name);
    let _ = r::split_tag(name);
    let _ = r::docker_reason(name);
    let _ = r::docker_full(name);
    let _ = r::is_ref_name(name);
    let _ = r::repository_and_tag(name);
    let _ = r::repo_tags(&[name.to_string()]);
    let _ = r::stored_name(&[name.to_string()], name);
    if let Ok(familiar) = r::docker_familiar(name) {
        let _ = r::docker_full(&familiar);
    }
    if let Ok(parsed) = r::ImageName::parse(name) {
        let _ = r::ImageName::parse(&parsed.to_string_full());
    }
    if let Ok(normal) = r::normalize(name) {
        let full = normal.to_string_full();
        let again = r::normalize(&full);
        assert_eq!(
            again.as_ref().map(|n| n.to_string_full()).ok(),
            Some(full.clone()),
            "normalizing {name:?} gives {full:?}, which does not normalize to itself: {again:?}"
        );
    }
}

/// One of containers-storage's JSON record files, parsed as the reader parses it; the first
/// byte says which.
pub fn cs_records(data: &[u8]) {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let path = Path::new("fuzz.json");
    match kind % 4 {
        0 => drop(parse_records::<ImageEntry>(bytes, path)),
        1 => drop(parse_records::<LayerEntry>(bytes, path)),
        2 => drop(parse_records::<ContainerRecord>(bytes, path)),
        _ => drop(parse_records::<MountRecord>(bytes, path)),
    }
}

/// An image config (containers-storage big data, a layout or archive blob).
pub fn image_config(data: &[u8]) {
    let _ = cairn_store::oci_config::parse(data);
}

/// Images the store reader writes big data for: more only make an input slower to run.
const MAX_IMAGES: usize = 8;

/// A whole containers-storage store read from disk by the real reader, then built into the
/// model: `images.json`, `layers.json`, `containers.json`, `mountpoints.json`, and then the
/// big-data files (configs, manifests), which are written in turn under each big-data name of
/// each image of `images.json`.
pub fn cs_store(data: &[u8]) {
    let files = split(data, 12);
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let graphroot = dir.path().join("root");
    let runroot = dir.path().join("run");
    let names = [
        ("vfs-images", "images.json"),
        ("vfs-layers", "layers.json"),
        ("vfs-containers", "containers.json"),
    ];
    for (i, (folder, file)) in names.iter().enumerate() {
        let folder = graphroot.join(folder);
        if std::fs::create_dir_all(&folder).is_err() {
            return;
        }
        if let Some(bytes) = files.get(i) {
            let _ = std::fs::write(folder.join(file), bytes);
        }
    }
    let mounts = runroot.join("vfs-layers");
    if std::fs::create_dir_all(&mounts).is_err() {
        return;
    }
    if let Some(bytes) = files.get(3) {
        let _ = std::fs::write(mounts.join("mountpoints.json"), bytes);
    }
    write_big_data(
        &graphroot.join("vfs-images"),
        files.first().copied().unwrap_or_default(),
        files.get(4..).unwrap_or_default(),
    );
    let options = StorageOptions {
        graphroot,
        runroot,
        driver: Some("vfs".into()),
        ..StorageOptions::default()
    };
    if let Ok(loaded) = containers_storage::load(&options) {
        let _ = Catalog::new(loaded.snapshot);
    }
}

/// Writes `blobs` round-robin under the big-data names of the images in `images`.
fn write_big_data(dir: &Path, images: &[u8], blobs: &[&[u8]]) {
    if blobs.is_empty() {
        return;
    }
    let Ok(serde_json::Value::Array(records)) = serde_json::from_slice(images) else {
        return;
    };
    let mut next = blobs.iter().cycle();
    for record in records.iter().take(MAX_IMAGES) {
        let Some(id) = record.get("id").and_then(|v| v.as_str()) else {
            continue;
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let keys = record.get("big-data-names").and_then(|v| v.as_array());
        let folder = dir.join(id);
        if std::fs::create_dir_all(&folder).is_err() {
            return;
        }
        for key in keys.into_iter().flatten().filter_map(|k| k.as_str()) {
            if let Some(bytes) = next.next() {
                let _ = std::fs::write(folder.join(big_data::file_name(key)), bytes);
            }
        }
    }
}

/// A layout held in memory: `index.json` and the blobs. A digest names the blob whose content
/// it is; any other well-formed digest names a blob by its first byte, so that a mutated input
/// still builds a graph (nested indexes, shared manifests, cycles) instead of missing blobs.
struct MemoryLayout<'a> {
    index: &'a [u8],
    blobs: Vec<(String, &'a [u8])>,
}

impl<'a> MemoryLayout<'a> {
    fn new(data: &'a [u8]) -> Self {
        let mut files = split(data, 64).into_iter();
        let index = files.next().unwrap_or_default();
        let blobs = files
            .map(|b| (Digest::sha256_of(b).to_string(), b))
            .collect();
        MemoryLayout { index, blobs }
    }

    fn blob(&self, digest: &Digest) -> Option<&'a [u8]> {
        if let Some((_, bytes)) = self.blobs.iter().find(|(d, _)| d == digest.as_str()) {
            return Some(bytes);
        }
        let first = u8::from_str_radix(digest.hex().get(..2)?, 16).ok()?;
        let count = self.blobs.len();
        (count > 0).then(|| self.blobs[usize::from(first) % count].1)
    }
}

impl BlobSource for MemoryLayout<'_> {
    fn index(&self) -> anyhow::Result<Vec<u8>> {
        Ok(self.index.to_vec())
    }

    fn read(&self, digest: &Digest) -> anyhow::Result<Vec<u8>> {
        match self.blob(digest) {
            Some(bytes) if bytes.len() as u64 <= METADATA_LIMIT => Ok(bytes.to_vec()),
            Some(_) => anyhow::bail!("blob {digest} is too big"),
            None => anyhow::bail!("blob {digest} is missing"),
        }
    }

    fn size(&self, digest: &Digest) -> anyhow::Result<Option<u64>> {
        Ok(self.blob(digest).map(|b| b.len() as u64))
    }

    fn describe(&self) -> String {
        "the fuzzed layout".into()
    }

    fn check_contents(&self) -> anyhow::Result<Vec<BlobCheck>> {
        Ok(Vec::new())
    }
}

/// Reads a layout as a load does, and builds the model from it.
fn read_layout(source: &dyn BlobSource, read_only: bool) {
    if let Ok(mut contents) = layout::read(source, read_only) {
        let snapshot = Snapshot::new(
            std::mem::take(&mut contents.images),
            std::mem::take(&mut contents.layers),
            Vec::new(),
        )
        .with_rules(Rules::Layout);
        let _ = Catalog::new(snapshot);
    }
}

/// An OCI layout's `index.json` and its blobs (manifests, nested indexes, configs).
pub fn oci_layout(data: &[u8]) {
    read_layout(&MemoryLayout::new(data), false);
}

/// An `oci-archive:` or `docker-archive:` file: the tar, Docker's `manifest.json` or the
/// layout inside, and everything the layout reader then reads from it.
pub fn archive(data: &[u8]) {
    if let Ok(archive) =
        ArchiveBlobs::from_reader(std::io::Cursor::new(data), Path::new("fuzz.tar"), true)
    {
        read_layout(&archive, true);
        let _ = archive.check_contents();
    }
}
