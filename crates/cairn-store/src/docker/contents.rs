//! A layer's entries in the Docker Engine: from the daemon's own tar-split
//! (`<DockerRootDir>/image/<driver>/layerdb/sha256/<chain-id>/tar-split.json.gz`) when cairn
//! can read it (a local daemon, and cairn allowed into its folder), else from `docker save`
//! of an image holding the layer, read as it streams and never written anywhere.

use super::DockerStore;
use super::client::Client;
use crate::contents::blob::stream_entries;
use crate::contents::tar_split::tar_split_entries;
use crate::contents::{depth_of, stack_holds};
use crate::digest::Digest;
use crate::oci::confined::Confined;
use anyhow::{Context, Result, anyhow, bail};
use cairn_core::contents::{Entry, EntrySource, LayerEntries};
use cairn_core::{LayerIdx, Snapshot};
use rustix::fs::FileType;
use sha2::Digest as _;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

/// The entries of `layer`, and where they came from.
pub fn layer_entries(
    store: &DockerStore,
    snapshot: &Snapshot,
    layer: LayerIdx,
) -> Result<LayerEntries> {
    let record = snapshot
        .layers
        .get(layer)
        .ok_or_else(|| anyhow!("the store has no such layer"))?;
    let diff_id = record
        .diff_digest
        .clone()
        .ok_or_else(|| anyhow!("the daemon gave no DiffID for it"))?;
    let client = Client::connect(&store.host)?;
    if let Some(entries) = from_tar_split(store, &client, &record.id, &diff_id)? {
        return Ok(LayerEntries {
            entries,
            source: EntrySource::TarSplit,
        });
    }
    let entries = from_export(store, &client, snapshot, layer, &diff_id)?;
    Ok(LayerEntries {
        entries,
        source: EntrySource::Export,
    })
}

/// The daemon's tar-split of the layer, `None` when cairn cannot read it: the daemon is not
/// on this machine, its folder is not cairn's to read, or the layer store there is not this
/// daemon's (its `diff` file must name the layer's DiffID).
fn from_tar_split(
    store: &DockerStore,
    client: &Client,
    chain: &str,
    diff_id: &str,
) -> Result<Option<Vec<Entry>>> {
    if store.host.starts_with("tcp://") || store.host.starts_with("http://") {
        return Ok(None);
    }
    let (Some(root), Some(driver)) = client.root_and_driver()? else {
        return Ok(None);
    };
    if Digest::parse(&format!("sha256:{chain}")).is_err() || driver.contains('/') {
        return Ok(None);
    }
    let Ok(root_dir) = Confined::open_as(Path::new(&root), "the daemon's folder") else {
        return Ok(None);
    };
    let folder = ["image", driver.as_str(), "layerdb", "sha256", chain];
    let at = |file: &'static str| {
        let mut parts = folder.to_vec();
        parts.push(file);
        parts
    };
    match root_dir.read(&at("diff"), 1024) {
        Ok(Some(recorded)) if recorded.trim_ascii() == diff_id.as_bytes() => {}
        _ => return Ok(None),
    }
    let split = at("tar-split.json.gz");
    match root_dir.kind(&split)? {
        Some((FileType::RegularFile, _)) => {}
        _ => return Ok(None),
    }
    let Some(file) = root_dir.open_file(&split)? else {
        return Ok(None);
    };
    let entries = tar_split_entries(file).with_context(|| root_dir.display(&split))?;
    Ok(Some(entries))
}

/// Every layer of one exported image, by DiffID.
type Exported = HashMap<String, Vec<Entry>>;

/// The layers of the last image exported (with its host and ID): one `docker save` gives
/// every layer of the image, and the browser asks for them one after another.
static LAST_EXPORT: Mutex<Option<(String, Exported)>> = Mutex::new(None);

/// The layer's entries from `docker save` of an image built on it.
fn from_export(
    store: &DockerStore,
    client: &Client,
    snapshot: &Snapshot,
    layer: LayerIdx,
    diff_id: &str,
) -> Result<Vec<Entry>> {
    depth_of(snapshot, layer)?;
    let id = &snapshot.layers[layer].id;
    let image = snapshot
        .images
        .iter()
        .find(|i| {
            i.top_layer
                .as_deref()
                .is_some_and(|top| stack_holds(snapshot, top, id))
        })
        .ok_or_else(|| anyhow!("no image is built on it, so the daemon cannot export it"))?;
    let key = format!("{} {}", store.host, image.id);
    if let Ok(last) = LAST_EXPORT.lock()
        && let Some((at, layers)) = last.as_ref()
        && *at == key
        && let Some(entries) = layers.get(diff_id)
    {
        return Ok(entries.clone());
    }
    let layers = client
        .export(&image.id, |stream| export_layers(stream))
        .with_context(|| format!("reading `docker save {}`", image.id))?;
    let entries = layers
        .get(diff_id)
        .cloned()
        .ok_or_else(|| anyhow!("`docker save {}` holds no layer {diff_id}", image.id))?;
    if let Ok(mut last) = LAST_EXPORT.lock() {
        *last = Some((key, layers));
    }
    Ok(entries)
}

/// Every layer tar in a `docker save` stream, by DiffID: `<id>/layer.tar` in Docker's older
/// form (hashed as it is read, since `manifest.json` comes last), `blobs/sha256/<DiffID>`
/// in the OCI form of Docker 25 and later (its layers are uncompressed, so the name is the
/// DiffID). Other members are passed over.
fn export_layers(stream: &mut dyn Read) -> Result<Exported> {
    let mut archive = tar::Archive::new(stream);
    let mut layers = HashMap::new();
    for member in archive.entries().context("reading the archive")? {
        let mut member = member.context("reading the archive")?;
        if !member.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&member.path_bytes()).into_owned();
        let size = member.size();
        let named = name
            .strip_prefix("blobs/sha256/")
            .filter(|hex| Digest::parse(&format!("sha256:{hex}")).is_ok())
            .map(|hex| format!("sha256:{hex}"));
        if named.is_none() && !name.ends_with("/layer.tar") {
            continue;
        }
        let mut hashing = Hashing {
            inner: &mut member,
            hasher: sha2::Sha256::new(),
        };
        let Ok(entries) = stream_entries(&mut hashing, size) else {
            // A blob that is no tar (a config, a manifest): not a layer.
            continue;
        };
        std::io::copy(&mut hashing, &mut std::io::sink()).context("reading the archive")?;
        let digest = match named {
            Some(digest) => digest,
            None => {
                let hex: String = hashing
                    .hasher
                    .finalize()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("sha256:{hex}")
            }
        };
        layers.insert(digest, entries);
    }
    if layers.is_empty() {
        bail!("it holds no layer");
    }
    Ok(layers)
}

/// A reader that hashes what passes through it.
struct Hashing<'a> {
    inner: &'a mut dyn Read,
    hasher: sha2::Sha256,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
