//! An OCI image layout read into the model, so that lineage, history, sizes and the browser
//! work on it unchanged:
//! - each image manifest becomes an [`Image`] whose ID is its config digest's hex (as podman
//!   names pulled images), named by the annotations of the `index.json` descriptors that
//!   point at it (`io.containerd.image.name` when set, as docker and containerd write the
//!   full name there, else `org.opencontainers.image.ref.name`);
//! - its layers become [`Layer`]s whose ID is the ChainID and whose parent is the ChainID
//!   below, so identical stacks in several images are one node, as in podman's layer tree;
//! - an index (top-level or nested) becomes a manifest list image, and each of its platform
//!   instances an image of its own.
//!
//! What cannot be read becomes a problem on the image it belongs to, as for a corrupted
//! image in containers-storage: one bad blob must not hide the rest of the layout.

use super::blobs::BlobSource;
use super::document::{Descriptor, Document, is_index, is_manifest};
use crate::digest::{Digest, chain_ids};
use crate::oci_config;
use anyhow::{Context, Result, anyhow};
use cairn_core::{Image, Instance, Layer};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One descriptor of `index.json`, in file order.
#[derive(Debug, Clone)]
pub struct TopEntry {
    pub digest: String,
    pub name: Option<String>,
    /// The image it became.
    pub image: String,
}

/// A layout read into model records, plus what the change planner needs: the descriptors of
/// `index.json` as written, which blob refers to which, and which images are platform
/// instances of a list.
#[derive(Debug, Default, Clone)]
pub struct LayoutContents {
    pub images: Vec<Image>,
    pub layers: Vec<Layer>,
    /// The descriptors of `index.json`, unknown fields included, for writing it back.
    pub manifests: Vec<serde_json::Value>,
    pub top: Vec<TopEntry>,
    /// Blob digest -> the digests it refers to (a manifest's config and layers, an index's
    /// manifests), for every manifest and index that could be read.
    pub edges: BTreeMap<String, Vec<String>>,
    /// Platform instance image ID -> the manifest list image ID it belongs to.
    pub instance_of: HashMap<String, String>,
    /// Manifests and indexes named by a descriptor that could not be read, with why: what
    /// they refer to is unknown, so while one is still named nothing may be collected.
    pub unreadable: BTreeMap<String, String>,
}

/// Reads the layout's `index.json` and everything it reaches.
pub fn read(source: &dyn BlobSource, read_only: bool) -> Result<LayoutContents> {
    let bytes = source.index()?;
    let index: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("parsing index.json of {}", source.describe()))?;
    let raw = index
        .get("manifests")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .ok_or_else(|| anyhow!("index.json of {} has no manifests", source.describe()))?;
    let manifests = raw
        .iter()
        .map(|d| serde_json::from_value::<Descriptor>(d.clone()))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing index.json of {}", source.describe()))?;
    let mut reader = Reader {
        source,
        read_only,
        contents: LayoutContents {
            manifests: raw,
            ..LayoutContents::default()
        },
        image_at: HashMap::new(),
        layer_ids: HashSet::new(),
    };
    for descriptor in &manifests {
        let names: Vec<String> = descriptor.name().map(String::from).into_iter().collect();
        let image = reader.visit(descriptor, names, &mut Vec::new());
        reader.contents.top.push(TopEntry {
            digest: descriptor.digest.clone(),
            name: descriptor.name().map(String::from),
            image,
        });
    }
    Ok(reader.contents)
}

struct Reader<'a> {
    source: &'a dyn BlobSource,
    read_only: bool,
    contents: LayoutContents,
    image_at: HashMap<String, usize>,
    layer_ids: HashSet<String>,
}

impl Reader<'_> {
    /// Adds the image a descriptor points at (merging names when it is already there) and
    /// returns its ID. `stack` holds the indexes being read, to stop at one that refers to
    /// itself or to an index above it.
    fn visit(
        &mut self,
        descriptor: &Descriptor,
        names: Vec<String>,
        stack: &mut Vec<String>,
    ) -> String {
        let digest = match Digest::parse(&descriptor.digest) {
            Ok(digest) => digest,
            Err(e) => {
                let id = descriptor.digest.clone();
                self.contents.unreadable.insert(id.clone(), e.to_string());
                return self.add(broken_image(&id, e.to_string(), self.read_only), names);
            }
        };
        let id = digest.hex().to_string();
        if stack.contains(&descriptor.digest) {
            let problem = format!("index {digest} refers to itself (through its own manifests)");
            return self.add(broken_image(&id, problem, self.read_only), names);
        }
        let document = self.source.read(&digest).and_then(|bytes| {
            serde_json::from_slice::<Document>(&bytes)
                .with_context(|| format!("parsing blob {digest}"))
                .map(|doc| (doc, bytes.len() as u64))
        });
        let (document, size) = match document {
            Ok(found) => found,
            Err(e) => {
                let problem = format!("{e:#}");
                self.contents
                    .unreadable
                    .insert(digest.to_string(), problem.clone());
                return self.add(broken_image(&id, problem, self.read_only), names);
            }
        };
        let media_type = document
            .media_type
            .clone()
            .unwrap_or_else(|| descriptor.media_type.clone());
        let list =
            is_index(&media_type) || (!is_manifest(&media_type) && document.manifests.is_some());
        if list {
            self.visit_index(&digest, size, document, names, stack)
        } else {
            self.visit_manifest(&digest, size, document, names)
        }
    }

    fn visit_index(
        &mut self,
        digest: &Digest,
        size: u64,
        document: Document,
        names: Vec<String>,
        stack: &mut Vec<String>,
    ) -> String {
        let children = document.manifests.unwrap_or_default();
        self.contents.edges.insert(
            digest.to_string(),
            children.iter().map(|c| c.digest.clone()).collect(),
        );
        let list = Image {
            id: digest.hex().to_string(),
            digest: Some(digest.to_string()),
            digests: vec![digest.to_string()],
            big_data_size: size,
            read_only: self.read_only,
            manifest_list: true,
            ..Image::default()
        };
        let list_id = self.add(list, names);
        stack.push(digest.to_string());
        let mut instances = Vec::with_capacity(children.len());
        for child in &children {
            let instance = self.visit(child, Vec::new(), stack);
            self.contents
                .instance_of
                .entry(instance.clone())
                .or_insert_with(|| list_id.clone());
            instances.push(Instance {
                id: instance,
                platform: child.platform_name(),
            });
        }
        stack.pop();
        if let Some(&idx) = self.image_at.get(&list_id) {
            self.contents.images[idx].instances = instances;
        }
        // An index has no creation time of its own: it is as new as its newest instance.
        let created = children
            .iter()
            .filter_map(|c| Digest::parse(&c.digest).ok())
            .filter_map(|d| self.image_at_manifest(&d))
            .max();
        if let Some(&idx) = self.image_at.get(&list_id) {
            self.contents.images[idx].created = created;
        }
        list_id
    }

    fn visit_manifest(
        &mut self,
        digest: &Digest,
        size: u64,
        document: Document,
        names: Vec<String>,
    ) -> String {
        let mut refs: Vec<String> = document.config.iter().map(|c| c.digest.clone()).collect();
        refs.extend(document.layers.iter().map(|l| l.digest.clone()));
        self.contents.edges.insert(digest.to_string(), refs);
        let mut image = Image {
            id: digest.hex().to_string(),
            digest: Some(digest.to_string()),
            digests: vec![digest.to_string()],
            big_data_size: size,
            read_only: self.read_only,
            ..Image::default()
        };
        let Some(config_descriptor) = &document.config else {
            image
                .problems
                .push(format!("manifest {digest} names no config"));
            return self.add(image, names);
        };
        let config = Digest::parse(&config_descriptor.digest)
            .map_err(anyhow::Error::from)
            .and_then(|config| {
                let bytes = self.source.read(&config)?;
                let converted = oci_config::parse(&bytes)
                    .with_context(|| format!("parsing config {config}"))?;
                Ok((config, converted, bytes.len() as u64))
            });
        let (config_digest, config, config_size) = match config {
            Ok(found) => found,
            Err(e) => {
                image.problems.push(format!("{e:#}"));
                return self.add(image, names);
            }
        };
        image.id = config_digest.hex().to_string();
        image.big_data_size += config_size;
        image.created = config.created;
        if config.diff_ids.len() != document.layers.len() {
            image.problems.push(format!(
                "manifest {digest} has {} layers but its config {} DiffIDs",
                document.layers.len(),
                config.diff_ids.len()
            ));
        }
        let chains = chain_ids(&config.diff_ids);
        for (i, chain) in chains.iter().enumerate() {
            let layer_descriptor = document.layers.get(i);
            if let Some(layer) = layer_descriptor {
                match Digest::parse(&layer.digest) {
                    Err(e) => image.problems.push(e.to_string()),
                    Ok(d) => match self.source.size(&d) {
                        Ok(Some(_)) => {}
                        Ok(None) => image.problems.push(format!(
                            "layer blob {d} is missing from {}",
                            self.source.describe()
                        )),
                        Err(e) => image.problems.push(format!("{e:#}")),
                    },
                }
            }
            let layer_id = chain_hex(chain);
            if self.layer_ids.insert(layer_id.clone()) {
                self.contents.layers.push(Layer {
                    id: layer_id,
                    parent: i.checked_sub(1).map(|p| chain_hex(&chains[p])),
                    created: config.created,
                    diff_digest: Some(config.diff_ids[i].clone()),
                    // The descriptor's size: for an uncompressed layer (`.tar` media types)
                    // that is the uncompressed size. A layout records no uncompressed size
                    // for compressed layers, and decompressing every layer to learn it would
                    // make opening a layout as slow as reading it whole, so for those cairn
                    // counts the compressed size: what the layer costs on disk.
                    diff_size: layer_descriptor.and_then(|l| u64::try_from(l.size).ok()),
                    ..Layer::default()
                });
            }
        }
        image.top_layer = chains.last().map(|c| chain_hex(c));
        image.config = Some(config);
        self.add(image, names)
    }

    /// The creation time of the image read from this manifest digest.
    fn image_at_manifest(&self, digest: &Digest) -> Option<jiff::Timestamp> {
        self.contents
            .images
            .iter()
            .find(|i| i.digests.iter().any(|d| d == digest.as_str()))
            .and_then(|i| i.created)
    }

    /// Adds an image, or adds its names and digests to the image of the same ID already read
    /// (one manifest under several names, or several manifests of one config).
    fn add(&mut self, mut image: Image, names: Vec<String>) -> String {
        let id = image.id.clone();
        let problems = std::mem::take(&mut image.problems);
        let idx = match self.image_at.get(&id) {
            Some(&idx) => {
                let existing = &mut self.contents.images[idx];
                for digest in image.digests {
                    if !existing.digests.contains(&digest) {
                        existing.digests.push(digest);
                    }
                }
                idx
            }
            None => {
                self.contents.images.push(image);
                self.image_at
                    .insert(id.clone(), self.contents.images.len() - 1);
                self.contents.images.len() - 1
            }
        };
        let existing = &mut self.contents.images[idx];
        for problem in problems {
            if !existing.problems.contains(&problem) {
                existing.problems.push(problem);
            }
        }
        for name in names {
            if !existing.names.contains(&name) {
                existing.names.push(name);
            }
        }
        id
    }
}

fn chain_hex(chain: &str) -> String {
    chain
        .split_once(':')
        .map_or(chain, |(_, hex)| hex)
        .to_string()
}

fn broken_image(id: &str, problem: String, read_only: bool) -> Image {
    Image {
        id: id.to_string(),
        read_only,
        problems: vec![problem],
        ..Image::default()
    }
}
