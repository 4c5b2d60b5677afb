//! Layers that nothing references any more, and that podman's own check would repair away.
//!
//! containers/storage deletes an image's record before its layers (`store.DeleteImage`), so a
//! removal interrupted in between (a `kill -9`, a power cut) leaves layers that no image and no
//! container uses, and that no later `rmi` reaches: their image is gone. podman 4.3 keeps them
//! for ever; podman 5's `system check --repair` (containers/storage `check.go`) deletes every
//! layer of a writable store that no image's layer chain and no container includes, once it is
//! older than `defaultMaximumUnreferencedLayerAge` (24 hours; younger ones may belong to an
//! image being pulled right now) or its creation time is unknown. Layers marked incomplete are
//! deleted by the next containers/storage that takes the layers' write lock, whatever their age.

use crate::layer_tree::LayerTree;
use crate::{Catalog, LayerIdx, Snapshot, TiVec};
use jiff::{SignedDuration, Timestamp};

/// containers/storage `defaultMaximumUnreferencedLayerAge`.
pub const MAXIMUM_UNREFERENCED_AGE: SignedDuration = SignedDuration::from_hours(24);

/// The layers that no image's chain (top layer, mapped top layers and their parents) and no
/// container includes, each after every layer on top of it: the order in which they can be
/// deleted. A layer on top of such a layer is one too, so they are whole subtrees of the
/// layer forest. Found once per catalog ([`Catalog::unreferenced`]), so that a plan never
/// walks the whole store for them; on a store no removal was interrupted on, none.
pub fn unreferenced(snapshot: &Snapshot, tree: &LayerTree) -> Vec<LayerIdx> {
    let mut referenced: TiVec<LayerIdx, bool> = vec![false; snapshot.layers.len()].into();
    let tops = snapshot
        .images
        .iter()
        .flat_map(|image| image.top_layer.iter().chain(&image.mapped_top_layers))
        .chain(snapshot.containers.iter().map(|c| &c.layer));
    let mut count = 0;
    for top in tops {
        let mut current = snapshot.layer_by_id(top);
        // Each layer is marked once: a chain already marked below here is not walked again.
        while let Some(layer) = current.filter(|&l| !referenced[l]) {
            referenced[layer] = true;
            count += 1;
            current = tree.node(layer).parent;
        }
    }
    if count == snapshot.layers.len() {
        return Vec::new();
    }
    post_order(snapshot, tree, |layer| !referenced[layer])
}

/// For every layer, whether podman's check would delete it at `now`: it is unreferenced
/// ([`unreferenced`]), not mounted, incomplete or older than [`MAXIMUM_UNREFERENCED_AGE`] or
/// of unknown age, and every layer on top of it goes too (containers/storage refuses to
/// delete a layer that still has children, so a young child keeps its parent).
pub fn collectable(catalog: &Catalog, now: Timestamp) -> TiVec<LayerIdx, bool> {
    let snapshot = &catalog.snapshot;
    let old = |layer: LayerIdx| {
        let record = &snapshot.layers[layer];
        record.incomplete
            || record
                .created
                .is_none_or(|created| now.duration_since(created) > MAXIMUM_UNREFERENCED_AGE)
    };
    let mut collectable: TiVec<LayerIdx, bool> = vec![false; snapshot.layers.len()].into();
    // Children before parents: a layer's answer needs its children's, and the children of an
    // unreferenced layer are unreferenced too.
    for &layer in &catalog.unreferenced {
        collectable[layer] = !snapshot.layers[layer].mounted
            && old(layer)
            && (catalog.tree.node(layer).children.iter()).all(|&child| collectable[child]);
    }
    collectable
}

/// The layers `wanted` accepts, each after every layer on top of it ([`subtree_post_order`]
/// from every root).
fn post_order(
    snapshot: &Snapshot,
    tree: &LayerTree,
    wanted: impl Fn(LayerIdx) -> bool,
) -> Vec<LayerIdx> {
    let roots = (snapshot.layers.keys()).filter(|&l| tree.node(l).parent.is_none());
    let mut order = Vec::new();
    for root in roots {
        subtree_post_order(tree, root, &|_| true, &mut order);
    }
    order.retain(|&l| wanted(l));
    order
}

/// The layers at and above `root` that `wanted` accepts, each after every layer on top of it
/// (the order in which they can be deleted), appended to `order`; a refused layer hides the
/// layers on top of it. Iterative, so that no depth of layers overflows the stack.
pub fn subtree_post_order(
    tree: &LayerTree,
    root: LayerIdx,
    wanted: &impl Fn(LayerIdx) -> bool,
    order: &mut Vec<LayerIdx>,
) {
    if !wanted(root) {
        return;
    }
    // (layer, index of the next child to visit)
    let mut stack = vec![(root, 0usize)];
    while let Some((layer, next)) = stack.last_mut() {
        let children = &tree.node(*layer).children;
        if let Some(&child) = children.get(*next) {
            *next += 1;
            if wanted(child) {
                stack.push((child, 0));
            }
        } else {
            order.push(*layer);
            stack.pop();
        }
    }
}

#[cfg(test)]
mod tests;
