//! `podman history` and `docker history`: one row per build step, newest first, with the ID
//! of the image each step produced where that image is still in the store (libimage
//! `history.go`; moby `ImageHistory`, which follows the recorded parent links instead).

use super::layer_tree::LayerTree;
use super::{ImageIdx, LayerIdx, Rules, Snapshot};
use jiff::Timestamp;
use std::collections::HashSet;

/// One row of `podman history`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The image this step produced, or `<missing>` when no image in the store is it.
    pub id: String,
    pub created: Option<Timestamp>,
    pub created_by: String,
    /// Names of the layer the step made; podman reports them as `tags`.
    pub tags: Vec<String>,
    /// Bytes the step added; 0 for steps that made no layer.
    pub size: u64,
    pub comment: String,
}

/// The value podman puts where no image of the store matches a step.
pub const MISSING: &str = "<missing>";

/// Walks the config's history from the newest step down while walking the layers from the top
/// layer down, moving to the next layer only on steps that made one. A step takes the ID of
/// the first image whose top layer is the current layer, unless an earlier row used that ID.
pub fn history(snapshot: &Snapshot, tree: &LayerTree, image: ImageIdx) -> Vec<HistoryRow> {
    if snapshot.rules == Rules::Docker {
        return docker_history(snapshot, tree, image);
    }
    let img = &snapshot.images[image];
    let Some(config) = &img.config else {
        return Vec::new();
    };
    let mut layer = tree.top_node(snapshot, image);
    let mut used: HashSet<ImageIdx> = HashSet::new();
    let mut rows = Vec::with_capacity(config.history.len());
    let newest = config.history.len().saturating_sub(1);
    for (step, entry) in config.history.iter().enumerate().rev() {
        let mut row = HistoryRow {
            id: if step == newest {
                img.id.clone()
            } else {
                MISSING.to_string()
            },
            created: entry.created,
            created_by: entry.created_by.clone(),
            tags: Vec::new(),
            size: 0,
            comment: entry.comment.clone(),
        };
        if let Some(current) = layer {
            let record = &snapshot.layers[current];
            row.tags = record.names.clone();
            if !entry.empty_layer {
                row.size = record.diff_size.unwrap_or(0);
            }
            if let Some(&first) = tree.node(current).images.first()
                && used.insert(first)
            {
                row.id = snapshot.images[first].id.clone();
            }
            if !entry.empty_layer && record.parent.is_some() {
                layer = tree.node(current).parent;
            }
        }
        rows.push(row);
    }
    rows
}

/// moby's `ImageHistory`: each step that made a layer is sized by that layer; the newest row
/// is the image, and each older row the recorded parent of the one before, for as long as
/// those images are in the store; the rest are `<missing>`. Tags are the row's image's.
fn docker_history(snapshot: &Snapshot, tree: &LayerTree, image: ImageIdx) -> Vec<HistoryRow> {
    let img = &snapshot.images[image];
    let Some(config) = &img.config else {
        return Vec::new();
    };
    let mut layers: Vec<LayerIdx> = tree
        .top_node(snapshot, image)
        .map(|top| tree.chain(top).collect())
        .unwrap_or_default();
    layers.reverse();
    let mut next_layer = layers.iter();
    let mut rows: Vec<HistoryRow> = config
        .history
        .iter()
        .map(|entry| HistoryRow {
            id: MISSING.to_string(),
            created: entry.created,
            created_by: entry.created_by.clone(),
            tags: Vec::new(),
            size: match entry.empty_layer {
                true => 0,
                false => next_layer
                    .next()
                    .map_or(0, |&l| snapshot.layers[l].diff_size.unwrap_or(0)),
            },
            comment: entry.comment.clone(),
        })
        .collect();
    rows.reverse();
    let mut current = Some(image);
    for row in &mut rows {
        let Some(at) = current else {
            break;
        };
        row.id = snapshot.images[at].id.clone();
        row.tags = snapshot.images[at].names.clone();
        current = snapshot.recorded_parent(at);
    }
    rows
}

#[cfg(test)]
mod tests;
