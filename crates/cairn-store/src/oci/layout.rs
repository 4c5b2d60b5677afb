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
use anyhow::{Context, Result, anyhow, bail};
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
        done: HashMap::new(),
        on_path: HashSet::new(),
        followed: 0,
    };
    for descriptor in &manifests {
        let names: Vec<String> = descriptor.name().map(String::from).into_iter().collect();
        let image = reader.walk(descriptor, names)?;
        reader.contents.top.push(TopEntry {
            digest: descriptor.digest.clone(),
            name: descriptor.name().map(String::from),
            image,
        });
    }
    Ok(reader.contents)
}

/// How deep image indexes may nest. Real ones nest once (a list of platform manifests), at
/// most twice; a hostile layout nests thousands of times to exhaust the reader.
pub const MAX_INDEX_DEPTH: usize = 32;

/// How many descriptors the whole walk follows (`index.json`'s and every nested index's,
/// each reference counted even when its blob was read already): far above any real layout,
/// far below what takes a noticeable time.
pub const MAX_DESCRIPTORS: usize = 1_000_000;

struct Reader<'a> {
    source: &'a dyn BlobSource,
    read_only: bool,
    contents: LayoutContents,
    image_at: HashMap<String, usize>,
    layer_ids: HashSet<String>,
    /// Digest -> the image it became: each blob is read once, however often it is named, so
    /// that indexes sharing their children cannot make the walk exponential.
    done: HashMap<String, String>,
    /// The indexes being read, to stop at one that refers to itself or to one above it.
    on_path: HashSet<String>,
    followed: usize,
}

/// An index whose children are being read, on the walk's own stack (not the thread's, so
/// that nesting cannot overflow it).
struct IndexFrame {
    digest: Digest,
    list_id: String,
    /// The platform of the descriptor that led here, for the instance it is of its parent.
    platform: String,
    children: Vec<Descriptor>,
    next: usize,
    instances: Vec<Instance>,
}

/// What reading one descriptor gave: an image, or an index whose children come next.
enum Visited {
    Image(String),
    Index(IndexFrame),
}

impl Reader<'_> {
    /// Adds the image a descriptor of `index.json` points at, and everything below it
    /// (merging names when it is already there), and returns its ID. Indexes are walked
    /// depth-first on an explicit stack.
    fn walk(&mut self, descriptor: &Descriptor, names: Vec<String>) -> Result<String> {
        let mut stack = match self.visit(descriptor, names, 0)? {
            Visited::Image(id) => return Ok(id),
            Visited::Index(frame) => vec![frame],
        };
        loop {
            let depth = stack.len();
            let Some(top) = stack.last_mut() else {
                bail!("the walk of {} lost its place", self.source.describe());
            };
            if let Some(child) = top.children.get(top.next).cloned() {
                top.next += 1;
                match self.visit(&child, Vec::new(), depth)? {
                    Visited::Image(id) => self.record(&mut stack, id, child.platform_name()),
                    Visited::Index(frame) => stack.push(frame),
                }
                continue;
            }
            let Some(frame) = stack.pop() else {
                bail!("the walk of {} lost its place", self.source.describe());
            };
            let platform = frame.platform.clone();
            let id = self.finish_index(frame);
            if stack.is_empty() {
                return Ok(id);
            }
            self.record(&mut stack, id, platform);
        }
    }

    /// Records a child's image as an instance of the index on top of the stack.
    fn record(&mut self, stack: &mut [IndexFrame], id: String, platform: String) {
        if let Some(parent) = stack.last_mut() {
            self.contents
                .instance_of
                .entry(id.clone())
                .or_insert_with(|| parent.list_id.clone());
            parent.instances.push(Instance { id, platform });
        }
    }

    /// Reads what one descriptor names, once: a manifest becomes its image, an index its
    /// list image and a frame for its children.
    fn visit(
        &mut self,
        descriptor: &Descriptor,
        names: Vec<String>,
        depth: usize,
    ) -> Result<Visited> {
        self.followed += 1;
        if self.followed > MAX_DESCRIPTORS {
            bail!(
                "{} names more than {MAX_DESCRIPTORS} descriptors through its indexes: refused",
                self.source.describe()
            );
        }
        let digest = match Digest::parse(&descriptor.digest) {
            Ok(digest) => digest,
            Err(e) => {
                let id = descriptor.digest.clone();
                self.contents.unreadable.insert(id.clone(), e.to_string());
                let image = broken_image(&id, e.to_string(), self.read_only);
                return Ok(Visited::Image(self.add(image, names)));
            }
        };
        let id = digest.hex().to_string();
        if self.on_path.contains(digest.as_str()) {
            let problem = format!("index {digest} refers to itself (through its own manifests)");
            let image = broken_image(&id, problem, self.read_only);
            return Ok(Visited::Image(self.add(image, names)));
        }
        if let Some(id) = self.done.get(digest.as_str()).cloned() {
            return Ok(Visited::Image(self.add_names(id, names)));
        }
        if depth > MAX_INDEX_DEPTH {
            bail!(
                "blob {digest} of {}: image indexes nest more than {MAX_INDEX_DEPTH} levels deep: refused",
                self.source.describe()
            );
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
                let image = broken_image(&id, problem, self.read_only);
                let id = self.add(image, names);
                self.done.insert(digest.to_string(), id.clone());
                return Ok(Visited::Image(id));
            }
        };
        let media_type = document
            .media_type
            .clone()
            .unwrap_or_else(|| descriptor.media_type.clone());
        let list =
            is_index(&media_type) || (!is_manifest(&media_type) && document.manifests.is_some());
        if list {
            let frame = self.start_index(digest, size, document, names, descriptor);
            Ok(Visited::Index(frame))
        } else {
            let id = self.visit_manifest(&digest, size, document, names);
            self.done.insert(digest.to_string(), id.clone());
            Ok(Visited::Image(id))
        }
    }

    fn start_index(
        &mut self,
        digest: Digest,
        size: u64,
        document: Document,
        names: Vec<String>,
        descriptor: &Descriptor,
    ) -> IndexFrame {
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
        self.on_path.insert(digest.to_string());
        IndexFrame {
            digest,
            list_id,
            platform: descriptor.platform_name(),
            instances: Vec::with_capacity(children.len()),
            children,
            next: 0,
        }
    }

    /// An index whose children are all read: its instances, and its creation time.
    fn finish_index(&mut self, frame: IndexFrame) -> String {
        self.on_path.remove(frame.digest.as_str());
        self.done
            .insert(frame.digest.to_string(), frame.list_id.clone());
        // An index has no creation time of its own: it is as new as its newest instance.
        let created = frame
            .instances
            .iter()
            .filter_map(|i| self.image_at.get(&i.id))
            .filter_map(|&idx| self.contents.images[idx].created)
            .max();
        if let Some(&idx) = self.image_at.get(&frame.list_id) {
            let list = &mut self.contents.images[idx];
            list.instances = frame.instances;
            list.created = created;
        }
        frame.list_id
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
        image.big_data_size = image.big_data_size.saturating_add(config_size);
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

    /// Adds names to an image already read.
    fn add_names(&mut self, id: String, names: Vec<String>) -> String {
        if let Some(&idx) = self.image_at.get(&id) {
            let existing = &mut self.contents.images[idx];
            for name in names {
                if !existing.names.contains(&name) {
                    existing.names.push(name);
                }
            }
        }
        id
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
