//! A store's contents at one moment, with the indexes every query needs.

use super::{Container, ContainerIdx, Image, ImageIdx, Layer, LayerIdx, Rules, TiSlice, TiVec};
use crate::lookup::ShortNames;
use std::collections::HashMap;

/// Everything a store holds, read at one moment, indexed so that lookups never scan.
///
/// Image order is the store's order (the primary store's `images.json` first, then each
/// additional store's): podman's answers depend on it where several images share a layer.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub images: TiVec<ImageIdx, Image>,
    pub layers: TiVec<LayerIdx, Layer>,
    pub containers: TiVec<ContainerIdx, Container>,
    /// Whose rules the store follows.
    pub rules: Rules,
    /// How short names are completed on the machine the store is on (podman's stores only).
    pub short_names: ShortNames,
    image_by_id: HashMap<String, ImageIdx>,
    /// Image indexes sorted by ID, one per ID, for prefix lookups.
    image_ids_sorted: Vec<ImageIdx>,
    image_by_name: HashMap<String, ImageIdx>,
    /// The images after the first that have a name too (a store with an additional store
    /// holding the same name, or a damaged one): usually empty.
    more_images_by_name: HashMap<String, Vec<ImageIdx>>,
    layer_by_id: HashMap<String, LayerIdx>,
    containers_by_image: HashMap<String, Vec<ContainerIdx>>,
    containers_by_id: HashMap<String, Vec<ContainerIdx>>,
    /// For each image, the manifest list it is a platform instance of.
    list_of: TiVec<ImageIdx, Option<ImageIdx>>,
    /// For each image, the image its recorded parent link (Docker's `Parent`) names.
    recorded_parent: TiVec<ImageIdx, Option<ImageIdx>>,
    /// For each image, the images whose recorded parent it is.
    recorded_children: TiVec<ImageIdx, Vec<ImageIdx>>,
}

impl Snapshot {
    /// Indexes the store's records. When an ID or name appears twice (the same image in the
    /// primary and an additional store), the first one wins, as in containers/storage.
    pub fn new(images: Vec<Image>, layers: Vec<Layer>, containers: Vec<Container>) -> Self {
        let mut images: TiVec<ImageIdx, Image> = images.into();
        let layers: TiVec<LayerIdx, Layer> = layers.into();
        let containers: TiVec<ContainerIdx, Container> = containers.into();
        let mut image_by_id = HashMap::with_capacity(images.len());
        let mut image_by_name: HashMap<String, ImageIdx> = HashMap::new();
        let mut more_images_by_name: HashMap<String, Vec<ImageIdx>> = HashMap::new();
        for (idx, image) in images.iter_enumerated() {
            image_by_id.entry(image.id.clone()).or_insert(idx);
            for name in image.names.iter().chain(&image.digest_names) {
                match image_by_name.get(name) {
                    None => {
                        image_by_name.insert(name.clone(), idx);
                    }
                    Some(&first) if first != idx => {
                        let more = more_images_by_name.entry(name.clone()).or_default();
                        if !more.contains(&idx) {
                            more.push(idx);
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        // A stable sort keeps the first of equal IDs first, and `dedup` keeps the first.
        let mut image_ids_sorted: Vec<ImageIdx> = images.keys().collect();
        image_ids_sorted.sort_by(|&a, &b| images[a].id.cmp(&images[b].id));
        image_ids_sorted.dedup_by(|a, b| images[*a].id == images[*b].id);
        let mut layer_by_id = HashMap::with_capacity(layers.len());
        for (idx, layer) in layers.iter_enumerated() {
            layer_by_id.entry(layer.id.clone()).or_insert(idx);
        }
        let mut chains: TiVec<LayerIdx, Chain> = vec![Chain::Unknown; layers.len()].into();
        for image in &mut images {
            check_layers(image, &layers, &layer_by_id, &mut chains);
        }
        let mut containers_by_image: HashMap<String, Vec<ContainerIdx>> = HashMap::new();
        let mut containers_by_id: HashMap<String, Vec<ContainerIdx>> = HashMap::new();
        for (idx, container) in containers.iter_enumerated() {
            (containers_by_id.entry(container.id.clone()).or_default()).push(idx);
            if !container.image.is_empty() {
                containers_by_image
                    .entry(container.image.clone())
                    .or_default()
                    .push(idx);
            }
        }
        let mut list_of: TiVec<ImageIdx, Option<ImageIdx>> = vec![None; images.len()].into();
        for (list, image) in images.iter_enumerated() {
            for instance in &image.instances {
                if let Some(&idx) = image_by_id.get(&instance.id)
                    && idx != list
                    && list_of[idx].is_none()
                {
                    list_of[idx] = Some(list);
                }
            }
        }
        let recorded_parent: TiVec<ImageIdx, Option<ImageIdx>> = images
            .iter_enumerated()
            .map(|(idx, image)| {
                let parent = image.parent.as_deref()?;
                image_by_id.get(parent).copied().filter(|&p| p != idx)
            })
            .collect();
        let mut recorded_children: TiVec<ImageIdx, Vec<ImageIdx>> =
            vec![Vec::new(); images.len()].into();
        for (child, parent) in recorded_parent.iter_enumerated() {
            if let Some(parent) = *parent {
                recorded_children[parent].push(child);
            }
        }
        Snapshot {
            images,
            layers,
            containers,
            rules: Rules::default(),
            short_names: ShortNames::default(),
            image_by_id,
            image_ids_sorted,
            image_by_name,
            more_images_by_name,
            layer_by_id,
            containers_by_image,
            containers_by_id,
            list_of,
            recorded_parent,
            recorded_children,
        }
    }

    /// The same snapshot, read under another tool's rules.
    pub fn with_rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// The snapshot with the machine's short-name rules (registries.conf), which
    /// [`crate::lookup`] follows.
    pub fn with_short_names(mut self, short_names: ShortNames) -> Self {
        self.short_names = short_names;
        self
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
        (self.containers_using(idx).iter()).map(|&c| &self.containers[c])
    }

    /// The containers made from an image, in store order, by index: what a planner that
    /// removes containers marks.
    pub fn containers_using(&self, idx: ImageIdx) -> &[ContainerIdx] {
        self.containers_by_image
            .get(&self.images[idx].id)
            .map_or(&[], Vec::as_slice)
    }

    /// The containers with this ID (more than one only in a damaged store), in store order.
    pub fn containers_with_id(&self, id: &str) -> &[ContainerIdx] {
        self.containers_by_id.get(id).map_or(&[], Vec::as_slice)
    }

    /// The image that has this exact name (or Docker digest name).
    pub fn image_named(&self, name: &str) -> Option<ImageIdx> {
        self.image_by_name.get(name).copied()
    }

    /// Every image that has this exact name (or Docker digest name), in store order: a
    /// planner that moves a name takes it from each of them.
    pub fn images_named<'a>(&'a self, name: &str) -> impl Iterator<Item = ImageIdx> + 'a {
        let more = self
            .more_images_by_name
            .get(name)
            .map_or(&[][..], Vec::as_slice);
        self.image_named(name)
            .into_iter()
            .chain(more.iter().copied())
    }

    /// The image the store records as this one's parent (Docker), if it is in the store.
    pub fn recorded_parent(&self, idx: ImageIdx) -> Option<ImageIdx> {
        self.recorded_parent.get(idx).copied().flatten()
    }

    /// The images whose recorded parent this one is (Docker's `imageStore.Children`).
    pub fn recorded_children(&self, idx: ImageIdx) -> &[ImageIdx] {
        self.recorded_children.get(idx).map_or(&[], Vec::as_slice)
    }

    /// The manifest list an image is a platform instance of, if any.
    pub fn list_of(&self, idx: ImageIdx) -> Option<ImageIdx> {
        self.list_of.get(idx).copied().flatten()
    }

    /// A manifest list's platform images that are in the store, with their platforms.
    pub fn instances(&self, list: ImageIdx) -> impl Iterator<Item = (ImageIdx, &str)> {
        self.images[list]
            .instances
            .iter()
            .filter_map(|i| Some((self.image_by_id(&i.id)?, i.platform.as_str())))
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

    /// The image whose ID starts with `prefix`, when only one does.
    pub fn unique_id_prefix(&self, prefix: &str) -> Option<ImageIdx> {
        let mut matches = self.ids_with_prefix(prefix);
        let first = matches.next()?;
        match matches.next() {
            Some(_) => None,
            None => Some(first),
        }
    }

    /// The images whose ID starts with `prefix`, in ID order, found through the sorted index.
    pub fn ids_with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = ImageIdx> + 'a {
        let sorted = &self.image_ids_sorted;
        let start = sorted.partition_point(|&i| self.images[i].id.as_str() < prefix);
        sorted[start..]
            .iter()
            .copied()
            .take_while(move |&i| self.images[i].id.starts_with(prefix))
    }
}

/// What is known of a layer's chain down to its base.
#[derive(Debug, Clone, Copy)]
enum Chain {
    Unknown,
    /// On the walk being made; meeting it again means a parent loop.
    Visiting,
    /// Every layer down to the base is in the store (or the chain loops, which the layer
    /// tree cuts: there is no missing layer to report).
    Whole,
    /// The parent of this layer (index) is not in the store.
    Broken(LayerIdx),
}

/// Marks an image whose layers are not all in the store: podman cannot size or mount it.
///
/// Images share most of their chains, so what a walk finds is remembered per layer in
/// `chains`: on a build server's store this turned 80,000 lookups into 25,000.
fn check_layers(
    image: &mut Image,
    layers: &TiSlice<LayerIdx, Layer>,
    layer_by_id: &HashMap<String, LayerIdx>,
    chains: &mut TiSlice<LayerIdx, Chain>,
) {
    let tops = image.top_layer.iter().chain(&image.mapped_top_layers);
    for top in tops {
        let Some(&start) = layer_by_id.get(top) else {
            image
                .problems
                .push(format!("top layer {top} is not in the store"));
            continue;
        };
        if let Chain::Broken(layer) = walk_chain(start, layers, layer_by_id, chains) {
            let missing = layers[layer].parent.as_deref().unwrap_or_default();
            image.problems.push(format!(
                "layer {missing} (below top layer {top}) is not in the store"
            ));
        }
    }
}

/// Follows `parent` from `start` until a layer whose chain is known, the base, a missing
/// parent or a loop, and records the outcome on every layer of the walk.
fn walk_chain(
    start: LayerIdx,
    layers: &TiSlice<LayerIdx, Layer>,
    layer_by_id: &HashMap<String, LayerIdx>,
    chains: &mut TiSlice<LayerIdx, Chain>,
) -> Chain {
    let mut path = Vec::new();
    let mut current = start;
    let outcome = loop {
        match chains[current] {
            known @ (Chain::Whole | Chain::Broken(_)) => break known,
            Chain::Visiting => break Chain::Whole,
            Chain::Unknown => {
                chains[current] = Chain::Visiting;
                path.push(current);
                let Some(parent) = &layers[current].parent else {
                    break Chain::Whole;
                };
                match layer_by_id.get(parent) {
                    Some(&p) => current = p,
                    None => break Chain::Broken(current),
                }
            }
        }
    };
    for layer in path {
        chains[layer] = outcome;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(id: &str, parent: Option<&str>) -> Layer {
        Layer {
            id: id.into(),
            parent: parent.map(String::from),
            ..Layer::default()
        }
    }

    fn image(id: &str, top: &str) -> Image {
        Image {
            id: id.into(),
            top_layer: Some(top.into()),
            ..Image::default()
        }
    }

    #[test]
    fn missing_layers_are_reported_on_every_image_above_them() {
        let layers = vec![
            layer("base", Some("gone")),
            layer("mid", Some("base")),
            layer("a", Some("mid")),
            layer("b", Some("mid")),
            layer("loop1", Some("loop2")),
            layer("loop2", Some("loop1")),
            layer("fine", None),
        ];
        let images = vec![
            image("i1", "a"),
            image("i2", "b"),
            image("i3", "absent"),
            image("i4", "loop1"),
            image("i5", "fine"),
        ];
        let snapshot = Snapshot::new(images, layers, vec![]);
        let problems = |i: usize| snapshot.images[ImageIdx::from(i)].problems.clone();
        assert_eq!(
            problems(0),
            ["layer gone (below top layer a) is not in the store"]
        );
        assert_eq!(
            problems(1),
            ["layer gone (below top layer b) is not in the store"]
        );
        assert_eq!(problems(2), ["top layer absent is not in the store"]);
        assert!(problems(3).is_empty(), "a loop hides no missing layer");
        assert!(problems(4).is_empty());
    }

    #[test]
    fn every_image_holding_a_name_is_found_and_a_lookup_takes_the_first() {
        let mut images = vec![image("i1", "x"), image("i2", "x"), image("i3", "x")];
        images[0].names = vec!["one".into(), "shared".into()];
        images[1].digest_names = vec!["shared".into()];
        images[2].names = vec!["shared".into(), "shared".into()];
        let snapshot = Snapshot::new(images, vec![layer("x", None)], vec![]);
        let all: Vec<ImageIdx> = snapshot.images_named("shared").collect();
        assert_eq!(
            all,
            [ImageIdx::from(0), ImageIdx::from(1), ImageIdx::from(2)]
        );
        assert_eq!(snapshot.image_named("shared"), Some(ImageIdx::from(0)));
        assert_eq!(snapshot.images_named("one").count(), 1);
        assert_eq!(snapshot.images_named("none").count(), 0);
    }

    #[test]
    fn containers_are_found_by_their_image_and_by_their_id() {
        let container = |id: &str, image: &str| Container {
            id: id.into(),
            image: image.into(),
            ..Container::default()
        };
        let snapshot = Snapshot::new(
            vec![image("i1", "x"), image("i2", "x")],
            vec![layer("x", None)],
            vec![
                container("c1", "i1"),
                container("c2", "i2"),
                container("c3", "i1"),
            ],
        );
        let c = ContainerIdx::from;
        assert_eq!(snapshot.containers_using(ImageIdx::from(0)), [c(0), c(2)]);
        assert_eq!(snapshot.containers_using(ImageIdx::from(1)), [c(1)]);
        assert_eq!(snapshot.containers_with_id("c2"), [c(1)]);
        assert!(snapshot.containers_with_id("i1").is_empty());
    }

    #[test]
    fn id_prefixes_must_be_unique_and_duplicates_keep_the_first() {
        let images = vec![
            image("abc1", "x"),
            image("abd2", "x"),
            image("abc1", "y"),
            image("ffff", "x"),
        ];
        let snapshot = Snapshot::new(images, vec![layer("x", None), layer("y", None)], vec![]);
        let idx = |i: usize| Some(ImageIdx::from(i));
        assert_eq!(snapshot.storage_lookup("abc"), idx(0));
        assert_eq!(snapshot.storage_lookup("ab"), None);
        assert_eq!(snapshot.storage_lookup("f"), idx(3));
        assert_eq!(snapshot.storage_lookup("abc1"), idx(0));
        assert_eq!(snapshot.storage_lookup("0"), None);
        assert_eq!(snapshot.storage_lookup("fffff"), None);
    }
}
