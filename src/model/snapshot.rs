//! A store's contents at one moment, with the indexes every query needs.

use super::{Container, Image, Layer};
use std::collections::{BTreeMap, HashMap};

/// Position of an image in [`Snapshot::images`].
pub type ImageIdx = usize;
/// Position of a layer in [`Snapshot::layers`].
pub type LayerIdx = usize;

/// Everything a store holds, read at one moment, indexed so that lookups never scan.
///
/// Image order is the store's order (the primary store's `images.json` first, then each
/// additional store's): podman's answers depend on it where several images share a layer.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub images: Vec<Image>,
    pub layers: Vec<Layer>,
    pub containers: Vec<Container>,
    image_by_id: HashMap<String, ImageIdx>,
    image_ids_sorted: BTreeMap<String, ImageIdx>,
    image_by_name: HashMap<String, ImageIdx>,
    layer_by_id: HashMap<String, LayerIdx>,
    containers_by_image: HashMap<String, Vec<usize>>,
}

impl Snapshot {
    /// Indexes the store's records. When an ID or name appears twice (the same image in the
    /// primary and an additional store), the first one wins, as in containers/storage.
    pub fn new(mut images: Vec<Image>, layers: Vec<Layer>, containers: Vec<Container>) -> Self {
        let mut image_by_id = HashMap::with_capacity(images.len());
        let mut image_ids_sorted = BTreeMap::new();
        let mut image_by_name = HashMap::new();
        for (idx, image) in images.iter().enumerate() {
            image_by_id.entry(image.id.clone()).or_insert(idx);
            image_ids_sorted.entry(image.id.clone()).or_insert(idx);
            for name in &image.names {
                image_by_name.entry(name.clone()).or_insert(idx);
            }
        }
        let mut layer_by_id = HashMap::with_capacity(layers.len());
        for (idx, layer) in layers.iter().enumerate() {
            layer_by_id.entry(layer.id.clone()).or_insert(idx);
        }
        for image in &mut images {
            check_layers(image, &layers, &layer_by_id);
        }
        let mut containers_by_image: HashMap<String, Vec<usize>> = HashMap::new();
        for (idx, container) in containers.iter().enumerate() {
            if !container.image.is_empty() {
                containers_by_image
                    .entry(container.image.clone())
                    .or_default()
                    .push(idx);
            }
        }
        Snapshot {
            images,
            layers,
            containers,
            image_by_id,
            image_ids_sorted,
            image_by_name,
            layer_by_id,
            containers_by_image,
        }
    }

    pub fn image(&self, idx: ImageIdx) -> &Image {
        &self.images[idx]
    }

    pub fn image_by_id(&self, id: &str) -> Option<ImageIdx> {
        self.image_by_id.get(id).copied()
    }

    pub fn layer_by_id(&self, id: &str) -> Option<LayerIdx> {
        self.layer_by_id.get(id).copied()
    }

    /// The containers made from an image, in store order.
    pub fn containers_of(&self, idx: ImageIdx) -> impl Iterator<Item = &Container> {
        self.containers_by_image
            .get(&self.images[idx].id)
            .into_iter()
            .flatten()
            .map(|&c| &self.containers[c])
    }

    /// containers/storage's own lookup: an exact ID, an exact full name, or an ID prefix
    /// that only one image has.
    pub fn storage_lookup(&self, key: &str) -> Option<ImageIdx> {
        if key.is_empty() {
            return None;
        }
        if let Some(idx) = self.image_by_id(key) {
            return Some(idx);
        }
        if let Some(&idx) = self.image_by_name.get(key) {
            return Some(idx);
        }
        self.unique_id_prefix(key)
    }

    fn unique_id_prefix(&self, prefix: &str) -> Option<ImageIdx> {
        let mut matches = self
            .image_ids_sorted
            .range(prefix.to_string()..)
            .take_while(|(id, _)| id.starts_with(prefix));
        let first = matches.next()?;
        match matches.next() {
            Some(_) => None,
            None => Some(*first.1),
        }
    }
}

/// Marks an image whose layers are not all in the store: podman cannot size or mount it.
fn check_layers(image: &mut Image, layers: &[Layer], layer_by_id: &HashMap<String, LayerIdx>) {
    let tops = image.top_layer.iter().chain(&image.mapped_top_layers);
    for top in tops {
        let mut current = top.as_str();
        for _ in 0..=layers.len() {
            let Some(&idx) = layer_by_id.get(current) else {
                let problem = if current == top {
                    format!("top layer {current} is not in the store")
                } else {
                    format!("layer {current} (below top layer {top}) is not in the store")
                };
                image.problems.push(problem);
                break;
            };
            match &layers[idx].parent {
                Some(parent) => current = parent,
                None => break,
            }
        }
    }
}
