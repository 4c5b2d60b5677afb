//! The layer forest with each image hung on its top layer, as libimage's `layer_tree.go`
//! builds it. Lineage, `image tree` and history all walk it.

use super::{ImageIdx, LayerIdx, Snapshot, TiSlice, TiVec};
use std::collections::HashMap;

/// One node per layer of the snapshot, in the same order as [`Snapshot::layers`].
#[derive(Debug, Default)]
pub struct LayerTree {
    nodes: TiVec<LayerIdx, LayerNode>,
    /// Images without a top layer (manifest lists, empty images), kept apart as podman does.
    pub empty_images: Vec<ImageIdx>,
    /// Images whose top layer is not in the store.
    pub orphan_images: Vec<ImageIdx>,
    /// The images that have a layer among their mapped top layers (an ID-mapped copy of the
    /// top layer, rare): a removal keeps a layer another image maps.
    mapped: HashMap<LayerIdx, Vec<ImageIdx>>,
    /// Each image's top layer, looked up once: lineage and removal ask for it often.
    tops: TiVec<ImageIdx, Option<LayerIdx>>,
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
        let mut nodes: TiVec<LayerIdx, LayerNode> =
            vec![LayerNode::default(); snapshot.layers.len()].into();
        for (idx, layer) in snapshot.layers.iter_enumerated() {
            if let Some(parent) = layer
                .parent
                .as_deref()
                .and_then(|p| snapshot.layer_by_id(p))
            {
                nodes[idx].parent = Some(parent);
                nodes[parent].children.push(idx);
            }
        }
        cut_parent_loops(&mut nodes);
        let mut empty_images = Vec::new();
        let mut orphan_images = Vec::new();
        let mut mapped: HashMap<LayerIdx, Vec<ImageIdx>> = HashMap::new();
        let mut tops: TiVec<ImageIdx, Option<LayerIdx>> = vec![None; snapshot.images.len()].into();
        for (idx, image) in snapshot.images.iter_enumerated() {
            for layer in image.mapped_top_layers.iter() {
                if let Some(layer) = snapshot.layer_by_id(layer) {
                    mapped.entry(layer).or_default().push(idx);
                }
            }
            match image.top_layer.as_deref() {
                None => empty_images.push(idx),
                Some(top) => match snapshot.layer_by_id(top) {
                    Some(layer) => {
                        nodes[layer].images.push(idx);
                        tops[idx] = Some(layer);
                    }
                    None => orphan_images.push(idx),
                },
            }
        }
        LayerTree {
            nodes,
            empty_images,
            orphan_images,
            mapped,
            tops,
        }
    }

    /// The images that have this layer among their mapped top layers.
    pub fn mapped_images(&self, layer: LayerIdx) -> &[ImageIdx] {
        self.mapped.get(&layer).map_or(&[], Vec::as_slice)
    }

    pub fn node(&self, layer: LayerIdx) -> &LayerNode {
        &self.nodes[layer]
    }

    /// The node of an image's top layer, if it has one in the store: found when the tree was
    /// built (an empty tree, the default, looks it up in `snapshot`).
    pub fn top_node(&self, snapshot: &Snapshot, image: ImageIdx) -> Option<LayerIdx> {
        match self.tops.get(image) {
            Some(&top) => top,
            None => (snapshot.images[image].top_layer.as_deref())
                .and_then(|top| snapshot.layer_by_id(top)),
        }
    }

    /// The image's layers from its top layer down to the base.
    pub fn chain(&self, top: LayerIdx) -> impl Iterator<Item = LayerIdx> + '_ {
        std::iter::successors(Some(top), move |&l| self.nodes[l].parent)
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

/// A corrupt layers.json can make layers each other's parents. Cutting one link of every
/// loop makes the layers a forest again, so every walk up or down ends.
fn cut_parent_loops(nodes: &mut TiSlice<LayerIdx, LayerNode>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks: TiVec<LayerIdx, Mark> = vec![Mark::New; nodes.len()].into();
    for start in nodes.keys() {
        let mut path = Vec::new();
        let mut current = Some(start);
        while let Some(layer) = current {
            match marks[layer] {
                Mark::Done => break,
                Mark::OnPath => {
                    // `layer` is on a loop: cut its link to its parent.
                    if let Some(parent) = nodes[layer].parent.take() {
                        nodes[parent].children.retain(|&c| c != layer);
                    }
                    break;
                }
                Mark::New => {
                    marks[layer] = Mark::OnPath;
                    path.push(layer);
                    current = nodes[layer].parent;
                }
            }
        }
        for layer in path {
            marks[layer] = Mark::Done;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Layer, Snapshot};

    fn layer(id: &str, parent: Option<&str>) -> Layer {
        Layer {
            id: id.into(),
            parent: parent.map(String::from),
            ..Layer::default()
        }
    }

    #[test]
    fn an_image_is_found_on_each_of_its_mapped_top_layers() {
        let mut image = crate::Image {
            id: "i".into(),
            top_layer: Some("top".into()),
            mapped_top_layers: vec!["mapped".into(), "absent".into()],
            ..crate::Image::default()
        };
        image.names.push("localhost/i:1".into());
        let snapshot = Snapshot::new(
            vec![image],
            vec![layer("top", None), layer("mapped", Some("top"))],
            vec![],
        );
        let tree = LayerTree::new(&snapshot);
        assert_eq!(tree.mapped_images(LayerIdx::from(1)), [ImageIdx::from(0)]);
        assert!(tree.mapped_images(LayerIdx::from(0)).is_empty());
        assert_eq!(tree.node(LayerIdx::from(0)).images, [ImageIdx::from(0)]);
    }

    #[test]
    fn parent_loops_are_cut() {
        let snapshot = Snapshot::new(
            vec![],
            vec![
                layer("a", Some("c")),
                layer("b", Some("a")),
                layer("c", Some("b")),
                layer("d", Some("c")),
            ],
            vec![],
        );
        let tree = LayerTree::new(&snapshot);
        for top in snapshot.layers.keys() {
            assert!(tree.chain(top).count() <= 4);
        }
        let roots = snapshot
            .layers
            .keys()
            .filter(|&l| tree.node(l).parent.is_none())
            .count();
        assert_eq!(roots, 1);
    }
}
