//! Parent and child images, exactly as libimage decides them (`layer_tree.go`, `oci.go`).
//!
//! Podman has no parent links: an image P is the parent of C when C's top layer is P's top
//! layer or sits right on it, P's layers are a prefix of C's, and C's history is P's plus
//! one step. Computing this for every image at once, from one layer tree, is what makes
//! cairn fast where podman 4.3 re-walks the store per image.

use super::layer_tree::LayerTree;
use super::{HistoryEntry, ImageConfig, ImageIdx, Rules, Snapshot, TiVec};
use rayon::prelude::*;

/// Parent and children of every image of a snapshot.
#[derive(Debug, Default)]
pub struct Lineage {
    parent: TiVec<ImageIdx, Option<ImageIdx>>,
    children: TiVec<ImageIdx, Vec<ImageIdx>>,
    /// Whether an image has children that keep it from being dangling under the store's
    /// rules: any child for podman, a child whose recorded parent it is for Docker.
    held: TiVec<ImageIdx, bool>,
}

impl Lineage {
    pub fn new(snapshot: &Snapshot, tree: &LayerTree) -> Self {
        match snapshot.rules {
            Rules::Docker => return Self::docker(snapshot, tree),
            Rules::Registry => return Self::from_parents(prefix::parents(snapshot)),
            Rules::Podman | Rules::Layout => {}
        }
        let count = snapshot.images.len();
        let (parent, children): (Vec<_>, Vec<Vec<_>>) = (0..count)
            .into_par_iter()
            .map(ImageIdx::from)
            .map(|idx| {
                (
                    parent_of(snapshot, tree, idx, &|_| true),
                    children_of(snapshot, tree, idx, &|_| true),
                )
            })
            .unzip();
        let held = children.iter().map(|c| !c.is_empty()).collect();
        Lineage {
            parent: parent.into(),
            children: children.into(),
            held,
        }
    }

    /// Docker records the image each one was committed on (the classic builder's steps,
    /// `docker commit`); that link is the parent. Images without one (pulled, or built by
    /// BuildKit) get the parent podman would infer from layers and history. Only recorded
    /// links hold an image back from being dangling, as in Docker.
    fn docker(snapshot: &Snapshot, tree: &LayerTree) -> Self {
        let count = snapshot.images.len();
        let parent: Vec<Option<ImageIdx>> = (0..count)
            .into_par_iter()
            .map(ImageIdx::from)
            .map(|idx| match &snapshot.images[idx].parent {
                Some(_) => snapshot.recorded_parent(idx),
                None => parent_of(snapshot, tree, idx, &|_| true),
            })
            .collect();
        let mut lineage = Self::from_parents(parent.into());
        lineage.held = snapshot
            .images
            .keys()
            .map(|idx| !snapshot.recorded_children(idx).is_empty())
            .collect();
        lineage
    }

    /// Lineage from each image's parent: children are the images whose parent it is, and
    /// any child holds an image back from being dangling.
    fn from_parents(parent: TiVec<ImageIdx, Option<ImageIdx>>) -> Self {
        let mut children: TiVec<ImageIdx, Vec<ImageIdx>> = vec![Vec::new(); parent.len()].into();
        for (child, parent) in parent.iter_enumerated() {
            if let Some(parent) = *parent {
                children[parent].push(child);
            }
        }
        let held = children.iter().map(|c| !c.is_empty()).collect();
        Lineage {
            parent,
            children,
            held,
        }
    }

    /// The image this one was built on, if it is still in the store.
    pub fn parent(&self, image: ImageIdx) -> Option<ImageIdx> {
        self.parent.get(image).copied().flatten()
    }

    /// The images built directly on this one.
    pub fn children(&self, image: ImageIdx) -> &[ImageIdx] {
        self.children.get(image).map_or(&[], Vec::as_slice)
    }

    /// No names and no children: `podman image prune` removes these. A manifest list's
    /// platform image has no name of its own but belongs to the list, so it is not one.
    pub fn is_dangling(&self, snapshot: &Snapshot, image: ImageIdx) -> bool {
        snapshot.images[image].names.is_empty()
            && !self.is_held(image)
            && snapshot.list_of(image).is_none()
    }

    /// No names but children: `podman images` hides these without `--all` (Docker: no
    /// names, not even by digest).
    pub fn is_intermediate(&self, snapshot: &Snapshot, image: ImageIdx) -> bool {
        snapshot.images[image].names.is_empty()
            && snapshot.images[image].digest_names.is_empty()
            && self.is_held(image)
    }

    fn is_held(&self, image: ImageIdx) -> bool {
        self.held.get(image).copied().unwrap_or(false)
    }

    /// The chain of parents, nearest first. Stops at a loop, which only a corrupt store has.
    pub fn ancestors(&self, image: ImageIdx) -> Vec<ImageIdx> {
        let mut chain = Vec::new();
        let mut current = image;
        while let Some(parent) = self.parent(current) {
            if parent == image || chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }
}

/// libimage's `areParentAndChild`: the parent's diff IDs are a prefix of the child's and the
/// child's history is the parent's plus exactly one entry.
pub fn are_parent_and_child(parent: &ImageConfig, child: &ImageConfig) -> bool {
    parent.diff_ids.len() <= child.diff_ids.len()
        && child.diff_ids.starts_with(&parent.diff_ids)
        && parent.history.len() + 1 == child.history.len()
        && histories_match(&parent.history, &child.history)
}

/// The parent's layers and history are each a prefix of the child's (equal included): the
/// child was built on the parent in any number of steps.
pub fn are_prefix(parent: &ImageConfig, child: &ImageConfig) -> bool {
    child.diff_ids.starts_with(&parent.diff_ids)
        && parent.history.len() <= child.history.len()
        && histories_match(&parent.history, &child.history)
}

fn histories_match(parent: &[HistoryEntry], child: &[HistoryEntry]) -> bool {
    parent.iter().zip(child).all(|(a, b)| a == b)
}

fn is_parent(snapshot: &Snapshot, parent: ImageIdx, child: ImageIdx) -> bool {
    if parent == child {
        return false;
    }
    match (
        &snapshot.images[parent].config,
        &snapshot.images[child].config,
    ) {
        (Some(p), Some(c)) => are_parent_and_child(p, c),
        _ => false,
    }
}

/// Which images still exist: the removal planner asks about a store it is changing.
pub type Alive<'a> = &'a dyn Fn(ImageIdx) -> bool;

/// libimage `layerTree.parent`: the first image on the child's top layer, then on the layer
/// below it, that passes the history check. Manifest lists have no parent.
pub fn parent_of(
    snapshot: &Snapshot,
    tree: &LayerTree,
    child: ImageIdx,
    alive: Alive<'_>,
) -> Option<ImageIdx> {
    let image = &snapshot.images[child];
    // Without a config (not read yet, or unreadable) no image passes the history check:
    // the candidates need not be looked at (all of a listing's images are empty ones).
    if image.manifest_list || image.config.is_none() {
        return None;
    }
    if image.top_layer.is_none() {
        return tree
            .empty_images
            .iter()
            .copied()
            .find(|&candidate| alive(candidate) && is_parent(snapshot, candidate, child));
    }
    let node = tree.top_node(snapshot, child)?;
    let below = tree
        .node(node)
        .parent
        .map(|p| tree.node(p).images.as_slice());
    tree.node(node)
        .images
        .iter()
        .chain(below.unwrap_or_default())
        .copied()
        .find(|&candidate| alive(candidate) && is_parent(snapshot, candidate, child))
}

/// libimage `layerTree.children` as `IsDangling` and `IsIntermediate` call it: images on the
/// layers right above the parent's top layer, then images sharing that top layer.
pub fn children_of(
    snapshot: &Snapshot,
    tree: &LayerTree,
    parent: ImageIdx,
    alive: Alive<'_>,
) -> Vec<ImageIdx> {
    child_candidates(snapshot, tree, parent)
        .filter(|&candidate| alive(candidate) && is_parent(snapshot, parent, candidate))
        .collect()
}

/// Whether [`children_of`] would find any child, stopping at the first: a removal asks this
/// of an image with thousands of children, which need not all be checked.
pub fn has_children(
    snapshot: &Snapshot,
    tree: &LayerTree,
    parent: ImageIdx,
    alive: Alive<'_>,
) -> bool {
    child_candidates(snapshot, tree, parent)
        .any(|candidate| alive(candidate) && is_parent(snapshot, parent, candidate))
}

/// The images [`children_of`] checks, in its order.
fn child_candidates<'a>(
    snapshot: &'a Snapshot,
    tree: &'a LayerTree,
    parent: ImageIdx,
) -> Box<dyn Iterator<Item = ImageIdx> + 'a> {
    let image = &snapshot.images[parent];
    if image.manifest_list || image.config.is_none() {
        return Box::new(std::iter::empty());
    }
    if image.top_layer.is_none() {
        return Box::new(tree.empty_images.iter().copied());
    }
    let Some(node) = tree.top_node(snapshot, parent) else {
        return Box::new(std::iter::empty());
    };
    let above = tree.node(node).children.iter().map(|&c| tree.node(c));
    Box::new(
        above
            .chain(std::iter::once(tree.node(node)))
            .flat_map(|n| n.images.iter().copied()),
    )
}

mod prefix;

#[cfg(test)]
mod tests;
