//! The layer forest with each image hung on its top layer, as libimage's `layer_tree.go`
//! builds it. Lineage, `image tree` and history all walk it.

use super::{ImageIdx, LayerIdx, Snapshot};

/// One node per layer of the snapshot, in the same order as [`Snapshot::layers`].
#[derive(Debug, Default)]
pub struct LayerTree {
    nodes: Vec<LayerNode>,
    /// Images without a top layer (manifest lists, empty images), kept apart as podman does.
    pub empty_images: Vec<ImageIdx>,
    /// Images whose top layer is not in the store.
    pub orphan_images: Vec<ImageIdx>,
}

#[derive(Debug, Default, Clone)]
pub struct LayerNode {
    pub parent: Option<LayerIdx>,
    pub children: Vec<LayerIdx>,
    /// Images whose top layer this is, in store order.
    pub images: Vec<ImageIdx>,
}

impl LayerTree {
    pub fn new(snapshot: &Snapshot) -> Self {
        let mut nodes = vec![LayerNode::default(); snapshot.layers.len()];
        for (idx, layer) in snapshot.layers.iter().enumerate() {
            if let Some(parent) = layer
                .parent
                .as_deref()
                .and_then(|p| snapshot.layer_by_id(p))
            {
                nodes[idx].parent = Some(parent);
                nodes[parent].children.push(idx);
            }
        }
        let mut empty_images = Vec::new();
        let mut orphan_images = Vec::new();
        for (idx, image) in snapshot.images.iter().enumerate() {
            match image.top_layer.as_deref() {
                None => empty_images.push(idx),
                Some(top) => match snapshot.layer_by_id(top) {
                    Some(layer) => nodes[layer].images.push(idx),
                    None => orphan_images.push(idx),
                },
            }
        }
        LayerTree {
            nodes,
            empty_images,
            orphan_images,
        }
    }

    pub fn node(&self, layer: LayerIdx) -> &LayerNode {
        &self.nodes[layer]
    }

    /// The node of an image's top layer, if it has one in the store.
    pub fn top_node(&self, snapshot: &Snapshot, image: ImageIdx) -> Option<LayerIdx> {
        snapshot.images[image]
            .top_layer
            .as_deref()
            .and_then(|top| snapshot.layer_by_id(top))
    }

    /// The image's layers from its top layer down to the base.
    pub fn chain(&self, top: LayerIdx) -> impl Iterator<Item = LayerIdx> + '_ {
        let mut seen = 0usize;
        let limit = self.nodes.len();
        std::iter::successors(Some(top), move |&l| self.nodes[l].parent).take_while(move |_| {
            // A parent loop in a corrupt layers.json must not hang us.
            seen += 1;
            seen <= limit
        })
    }

    /// Names of every image on a layer, deduplicated, as podman's `repoTags()` gives them.
    pub fn repo_tags(&self, snapshot: &Snapshot, layer: LayerIdx) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for &image in &self.nodes[layer].images {
            for tag in super::reference::repo_tags(&snapshot.images[image].names) {
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
        }
        tags
    }
}
