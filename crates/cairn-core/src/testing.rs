//! In-memory snapshots for tests, built the way the tools build stores: an image is made
//! `from` another and adds build steps, each step either a layer or a config-only change, so
//! that layer chains, diff IDs and histories line up as podman's and Docker's lineage rules
//! expect. Deterministic (IDs are derived from the names given, times from a step counter)
//! and without I/O, so the core's rules can be tested without root or real tools.
//!
//! Enabled by the `testing` feature (off by default); the `cairn` package turns it on for its
//! own tests with `cairn-core = { workspace = true, features = ["testing"] }` in its
//! `[dev-dependencies]`.
//!
//! ```
//! use cairn_core::removal::{RemoveOptions, Target, plan_removal};
//! use cairn_core::testing::SnapshotBuilder;
//!
//! let mut store = SnapshotBuilder::podman();
//! store.image("base").name("localhost/base:1").layer("COPY base.txt /", 5);
//! store.image("app").from("base").name("localhost/app:1").layer("COPY app /app", 7);
//! store.container("work", "app");
//!
//! let catalog = store.catalog();
//! assert_eq!(catalog.lineage.parent(store.idx("app")), Some(store.idx("base")));
//! let plan = plan_removal(
//!     &catalog,
//!     &Target::References(vec!["localhost/app:1".into()]),
//!     RemoveOptions { force: true, ..RemoveOptions::default() },
//! );
//! assert_eq!(plan.containers, [store.container_id("work")]);
//! assert_eq!(plan.deleted, [store.id("app")]);
//! ```
//!
//! # Panics
//! The builder panics when a test names an image it was not given: a mistake in the test.

pub mod entries;
pub mod fixtures;

use crate::{Catalog, Container, HistoryEntry, Image, ImageConfig, ImageIdx, Instance, Layer};
use crate::{Rules, Snapshot};
use jiff::Timestamp;

/// When the first build step happened; every step is 100 seconds after the one before.
const EPOCH: i64 = 1_700_000_000;

/// A store being built for a test. Images, layers and containers keep the order they were
/// first named in, which is the snapshot's order.
#[derive(Debug, Clone)]
pub struct SnapshotBuilder {
    rules: Rules,
    keys: Vec<String>,
    images: Vec<Image>,
    layers: Vec<Layer>,
    containers: Vec<Container>,
    steps: i64,
}

impl SnapshotBuilder {
    /// An empty store under these rules.
    pub fn new(rules: Rules) -> Self {
        SnapshotBuilder {
            rules,
            keys: Vec::new(),
            images: Vec::new(),
            layers: Vec::new(),
            containers: Vec::new(),
            steps: 0,
        }
    }

    /// containers-storage, as podman reads it.
    pub fn podman() -> Self {
        Self::new(Rules::Podman)
    }

    /// A Docker Engine: names in Docker's familiar form (`app:1`, `example/app:stable`), images
    /// made `from` another record it as their parent (the classic builder's links), and
    /// containers have no layer in the image layer store.
    pub fn docker() -> Self {
        Self::new(Rules::Docker)
    }

    /// An OCI image layout: names are `ref.name`s as written.
    pub fn layout() -> Self {
        Self::new(Rules::Layout)
    }

    /// A registry: names are `REPOSITORY:TAG` as listed, lineage runs on layer and history
    /// prefixes across repositories.
    pub fn registry() -> Self {
        Self::new(Rules::Registry)
    }

    /// The image known in the test as `key`, made now if it is new (with an ID derived from
    /// the key, an empty config for linux/amd64, and no layers).
    pub fn image(&mut self, key: &str) -> ImageBuilder<'_> {
        let at = match self.keys.iter().position(|k| k == key) {
            Some(at) => at,
            None => {
                self.keys.push(key.to_string());
                self.images.push(Image {
                    id: hex_id(&format!("image {key}")),
                    config: Some(ImageConfig {
                        architecture: "amd64".into(),
                        os: "linux".into(),
                        ..ImageConfig::default()
                    }),
                    ..Image::default()
                });
                self.images.len() - 1
            }
        };
        ImageBuilder { store: self, at }
    }

    /// The layer record with this ID, made now (a base layer of unknown size) if it is new:
    /// for what build steps do not make, such as a parent that is missing or a mount.
    pub fn layer(&mut self, id: &str) -> LayerBuilder<'_> {
        let at = self.layer_at(id).unwrap_or_else(|| {
            self.layers.push(Layer {
                id: id.to_string(),
                ..Layer::default()
            });
            self.layers.len() - 1
        });
        LayerBuilder { store: self, at }
    }

    /// A container named `name` made from the image `image`, stopped. Under podman's rules it
    /// gets its own read-write layer on the image's top layer, as containers-storage makes it.
    pub fn container(&mut self, name: &str, image: &str) -> ContainerBuilder<'_> {
        let image_id = self.id(image);
        let top = self.images[self.at(image)].top_layer.clone();
        let id = hex_id(&format!("container {name}"));
        let mut layer = String::new();
        if self.rules != Rules::Docker {
            layer = hex_id(&format!("container layer {name}"));
            let created = Some(self.tick());
            self.layers.push(Layer {
                id: layer.clone(),
                parent: top,
                created,
                ..Layer::default()
            });
        }
        self.containers.push(Container {
            id,
            names: vec![name.to_string()],
            image: image_id,
            layer,
            running: false,
        });
        let at = self.containers.len() - 1;
        ContainerBuilder { store: self, at }
    }

    /// Takes the image `key` out of the store, as an earlier command would have: the images
    /// after it move up one place. Its layers stay.
    pub fn remove_image(&mut self, key: &str) {
        let at = self.at(key);
        self.keys.remove(at);
        self.images.remove(at);
    }

    /// Takes the container named `name` out of the store, with its read-write layer.
    pub fn remove_container(&mut self, name: &str) {
        let id = self.container_id(name);
        let layer = self.container_layer(name);
        self.containers.retain(|c| c.id != id);
        self.layers.retain(|l| l.id != layer);
    }

    /// The full ID of the image `key`.
    pub fn id(&self, key: &str) -> String {
        self.images[self.at(key)].id.clone()
    }

    /// The full ID of the image `key`, if the test made one.
    pub fn try_id(&self, key: &str) -> Option<String> {
        let at = self.keys.iter().position(|k| k == key)?;
        Some(self.images[at].id.clone())
    }

    /// The position the image `key` has in the snapshot.
    pub fn idx(&self, key: &str) -> ImageIdx {
        ImageIdx(self.at(key))
    }

    /// The ID of the container named `name`.
    pub fn container_id(&self, name: &str) -> String {
        hex_id(&format!("container {name}"))
    }

    /// The ID of the read-write layer of the container named `name` (podman's rules).
    pub fn container_layer(&self, name: &str) -> String {
        hex_id(&format!("container layer {name}"))
    }

    /// The image's layer IDs, top first (its top layer, then each parent in the store).
    pub fn layers_of(&self, key: &str) -> Vec<String> {
        let mut chain = Vec::new();
        let mut current = self.images[self.at(key)].top_layer.clone();
        while let Some(id) = current {
            if chain.contains(&id) {
                break;
            }
            current = self
                .layer_at(&id)
                .and_then(|at| self.layers[at].parent.clone());
            chain.push(id);
        }
        chain
    }

    /// The snapshot of the store as built so far.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::new(
            self.images.clone(),
            self.layers.clone(),
            self.containers.clone(),
        )
        .with_rules(self.rules)
    }

    /// The snapshot with its layer tree, lineage and sizes, as the CLI and the browser get it.
    pub fn catalog(&self) -> Catalog {
        Catalog::new(self.snapshot())
    }

    fn at(&self, key: &str) -> usize {
        match self.keys.iter().position(|k| k == key) {
            Some(at) => at,
            None => panic!("the test made no image {key:?}"),
        }
    }

    fn layer_at(&self, id: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.id == id)
    }

    /// The time of the next build step.
    fn tick(&mut self) -> Timestamp {
        self.steps += 1;
        Timestamp::from_second(EPOCH + 100 * self.steps).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// One image being built; every method changes the store at once and returns the builder
/// for the next call.
#[derive(Debug)]
pub struct ImageBuilder<'a> {
    store: &'a mut SnapshotBuilder,
    at: usize,
}

impl ImageBuilder<'_> {
    fn image(&mut self) -> &mut Image {
        &mut self.store.images[self.at]
    }

    fn config(&mut self) -> &mut ImageConfig {
        self.image().config.get_or_insert_with(ImageConfig::default)
    }

    /// Gives the image this ID instead of the one derived from its key. Set it before other
    /// images or containers refer to the image.
    pub fn id(mut self, id: &str) -> Self {
        self.image().id = id.to_string();
        self
    }

    /// Adds a name (podman: full, `localhost/app:1`; Docker: familiar, `app:1`).
    pub fn name(mut self, name: &str) -> Self {
        self.image().names.push(name.to_string());
        self
    }

    /// Adds a Docker name by digest (`app@sha256:…`), kept beside the tags.
    pub fn digest_name(mut self, name: &str) -> Self {
        self.image().digest_names.push(name.to_string());
        self
    }

    /// Records a manifest digest the image was pulled or committed by.
    pub fn digest(mut self, digest: &str) -> Self {
        let image = self.image();
        image.digest.get_or_insert_with(|| digest.to_string());
        image.digests.push(digest.to_string());
        self
    }

    /// Starts the image as a build `FROM parent` does: the parent's layers, config and
    /// history. Docker's classic builder records the parent link; podman records none.
    pub fn from(mut self, parent: &str) -> Self {
        let from = self.store.images[self.store.at(parent)].clone();
        let docker = self.store.rules == Rules::Docker;
        let image = self.image();
        image.top_layer = from.top_layer;
        image.config = from.config;
        image.created = from.created;
        if docker {
            image.parent = Some(from.id);
        }
        self
    }

    /// Forgets the recorded parent link, as for an image pulled or built by BuildKit.
    pub fn pulled(mut self) -> Self {
        self.image().parent = None;
        self
    }

    /// A build step that makes a layer of `size` bytes on the current top layer. The layer's
    /// ID follows from its parent and its step, so the same step on the same parent is one
    /// layer shared by both images, as containers-storage and Docker's chain IDs make it.
    pub fn layer(mut self, created_by: &str, size: u64) -> Self {
        let parent = self.image().top_layer.clone();
        let diff = format!("sha256:{}", hex_id(&format!("diff {created_by} {size}")));
        let id = hex_id(&format!(
            "layer {} {diff}",
            parent.as_deref().unwrap_or_default()
        ));
        if self.store.layer_at(&id).is_none() {
            let created = Some(self.store.tick());
            self.store.layers.push(Layer {
                id: id.clone(),
                parent: parent.clone(),
                created,
                diff_digest: Some(diff.clone()),
                diff_size: Some(size),
                ..Layer::default()
            });
        }
        self.image().top_layer = Some(id);
        self.config().diff_ids.push(diff);
        self.step(created_by, false)
    }

    /// A build step that changes only the config (ENV, LABEL): an `empty_layer` history entry
    /// and no new layer, so the image shares its parent's top layer.
    pub fn config_step(self, created_by: &str) -> Self {
        self.step(created_by, true)
    }

    fn step(mut self, created_by: &str, empty_layer: bool) -> Self {
        let created = Some(self.store.tick());
        let image = self.image();
        image.created = created;
        let config = self.config();
        config.created = created;
        config.history.push(HistoryEntry {
            created,
            created_by: created_by.to_string(),
            empty_layer,
            ..HistoryEntry::default()
        });
        self
    }

    /// Adds a label to the config.
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.config()
            .labels
            .insert(key.to_string(), value.to_string());
        self
    }

    /// Sets when the image was created (its storage record and its config), in seconds.
    pub fn created(mut self, seconds: i64) -> Self {
        let created = Timestamp::from_second(seconds).ok();
        self.image().created = created;
        self.config().created = created;
        self
    }

    /// Bytes of the image's metadata blobs (manifest, config, signatures).
    pub fn big_data(mut self, bytes: u64) -> Self {
        self.image().big_data_size = bytes;
        self
    }

    /// Sets the base the manifest's annotations name (`org.opencontainers.image.base.*`).
    pub fn base(mut self, digest: Option<&str>, name: Option<&str>) -> Self {
        self.image().base = Some(crate::BaseImage {
            digest: digest.map(String::from),
            name: name.map(String::from),
        });
        self
    }

    /// Sets the platform's architecture in the config (linux/amd64 unless set).
    pub fn arch(mut self, architecture: &str) -> Self {
        self.config().architecture = architecture.to_string();
        self
    }

    /// Puts the image in an additional, read-only image store.
    pub fn read_only(mut self) -> Self {
        self.image().read_only = true;
        self
    }

    /// Makes the image's config unreadable.
    pub fn no_config(mut self) -> Self {
        self.image().config = None;
        self
    }

    /// Sets the top layer to any ID, in the store or not.
    pub fn top_layer(mut self, id: &str) -> Self {
        self.image().top_layer = Some(id.to_string());
        self
    }

    /// Adds a top layer made for ID-mapped containers.
    pub fn mapped_top_layer(mut self, id: &str) -> Self {
        self.image().mapped_top_layers.push(id.to_string());
        self
    }

    /// Makes the image a manifest list of these `(image, platform)` instances, which must
    /// have been made already: no layers, no config history.
    pub fn list(mut self, instances: &[(&str, &str)]) -> Self {
        let instances: Vec<Instance> = instances
            .iter()
            .map(|&(key, platform)| Instance {
                id: self.store.id(key),
                platform: platform.to_string(),
            })
            .collect();
        let image = self.image();
        image.manifest_list = true;
        image.top_layer = None;
        image.instances = instances;
        self
    }
}

/// One layer record being built.
#[derive(Debug)]
pub struct LayerBuilder<'a> {
    store: &'a mut SnapshotBuilder,
    at: usize,
}

impl LayerBuilder<'_> {
    fn layer(&mut self) -> &mut Layer {
        &mut self.store.layers[self.at]
    }

    /// The layer below this one, in the store or not.
    pub fn parent(mut self, id: &str) -> Self {
        self.layer().parent = Some(id.to_string());
        self
    }

    /// The recorded uncompressed size, with a DiffID so that podman trusts it.
    pub fn size(mut self, bytes: u64) -> Self {
        let layer = self.layer();
        layer.diff_size = Some(bytes);
        if layer.diff_digest.is_none() {
            layer.diff_digest = Some(format!("sha256:{}", hex_id(&format!("diff {}", layer.id))));
        }
        self
    }

    /// The registry blob the layer is stored as.
    pub fn blob(mut self, digest: &str) -> Self {
        self.layer().blob = Some(digest.to_string());
        self
    }

    /// The recorded uncompressed size alone, which podman does not count without a DiffID.
    pub fn size_without_digest(mut self, bytes: u64) -> Self {
        let layer = self.layer();
        layer.diff_size = Some(bytes);
        layer.diff_digest = None;
        self
    }

    /// Adds a name to the layer (podman's history shows them as tags).
    pub fn name(mut self, name: &str) -> Self {
        self.layer().names.push(name.to_string());
        self
    }

    /// Mounted now: such a layer must not be deleted.
    pub fn mounted(mut self) -> Self {
        self.layer().mounted = true;
        self
    }

    /// Half-created or half-deleted.
    pub fn incomplete(mut self) -> Self {
        self.layer().incomplete = true;
        self
    }

    /// Made `seconds` after the Unix epoch.
    pub fn created(mut self, seconds: i64) -> Self {
        self.layer().created = Timestamp::from_second(seconds).ok();
        self
    }
}

/// One container being built.
#[derive(Debug)]
pub struct ContainerBuilder<'a> {
    store: &'a mut SnapshotBuilder,
    at: usize,
}

impl ContainerBuilder<'_> {
    /// Running now (Docker tells running containers from stopped ones).
    pub fn running(self) -> Self {
        self.store.containers[self.at].running = true;
        self
    }
}

/// A 64-digit hex ID that depends only on `seed` (FNV-1a, four lanes, mixed): stable across runs and
/// platforms, unlike the standard library's hasher.
pub(crate) fn hex_id(seed: &str) -> String {
    (0u64..4)
        .map(|lane| {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ lane.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for byte in seed.bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
            // splitmix64's finalizer, so that similar seeds differ from the first digit.
            hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            hash ^= hash >> 31;
            format!("{hash:016x}")
        })
        .collect()
}

/// A small deterministic generator (xorshift64) for tests that try many shapes of input: the
/// same sequence from the same seed on every run and platform, so a failing case can be
/// replayed.
#[derive(Debug, Clone)]
pub struct Random(pub u64);

impl Random {
    /// The next number of the sequence.
    pub fn number(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// One of `from`, which must not be empty.
    pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }

    /// A number below `n`, which must not be 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.number() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.number() % 100 < percent
    }
}
