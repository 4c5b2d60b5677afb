//! Image sizes as containers-storage counts them (`store.ImageSize`), and how much of each
//! image is shared with other images.

use super::layer_tree::LayerTree;
use super::{ImageIdx, LayerIdx, Listing, Rules, Snapshot, TiVec};
use rayon::prelude::*;

/// How big an image is, and how much of it would come back if it alone were removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImageSize {
    /// What podman reports: every layer of the image plus its metadata blobs.
    pub total: u64,
    /// Bytes of layers that other images use too.
    pub shared: u64,
    /// Bytes no other image uses: layers of its own plus its metadata.
    pub unique: u64,
}

impl ImageSize {
    /// What a store's listing reports, before the image's layers are read; a shared size it
    /// was not asked for counts as unique until then.
    pub fn listed(listing: Listing) -> Self {
        let shared = listing.shared_size.unwrap_or(0).min(listing.size);
        ImageSize {
            total: listing.size,
            shared,
            unique: listing.size - shared,
        }
    }
}

/// Sizes of every image of a snapshot.
#[derive(Debug, Default)]
pub struct Sizes {
    sizes: TiVec<ImageIdx, ImageSize>,
}

impl Sizes {
    pub fn new(snapshot: &Snapshot, tree: &LayerTree) -> Self {
        if snapshot.rules == Rules::Registry {
            return Self::registry(snapshot, tree);
        }
        let layer_sets: TiVec<ImageIdx, Vec<LayerIdx>> = (0..snapshot.images.len())
            .into_par_iter()
            .map(|image| image_layers(snapshot, tree, ImageIdx::from(image)))
            .collect::<Vec<_>>()
            .into();
        let counted = users_counted(snapshot);
        let mut users: TiVec<LayerIdx, u32> = vec![0u32; snapshot.layers.len()].into();
        for (image, layers) in layer_sets.iter_enumerated() {
            if !counted[image] {
                continue;
            }
            for &layer in layers {
                users[layer] = users[layer].saturating_add(1);
            }
        }
        let sizes: Vec<ImageSize> = layer_sets
            .raw
            .par_iter()
            .enumerate()
            .map(|(image, layers)| {
                let image = ImageIdx::from(image);
                if let Some(listing) = snapshot.images[image].listing {
                    return ImageSize::listed(listing);
                }
                let mut size = ImageSize::default();
                // Shared: some image other than this one uses the layer too. Sizes come
                // from the store's records: absurd ones saturate rather than overflow.
                let own = u32::from(counted[image]);
                for &layer in layers {
                    let bytes = snapshot.layers[layer].size();
                    if users[layer] > own {
                        size.shared = size.shared.saturating_add(bytes);
                    } else {
                        size.unique = size.unique.saturating_add(bytes);
                    }
                }
                size.unique = size
                    .unique
                    .saturating_add(snapshot.images[image].big_data_size);
                size.total = size.shared.saturating_add(size.unique);
                size
            })
            .collect();
        Sizes {
            sizes: sizes.into(),
        }
    }

    /// A registry stores each blob once, wherever it sits in a stack and in whichever
    /// repository: an image is its blobs counted once each plus its manifest and config,
    /// and a blob is shared when another image uses it too.
    fn registry(snapshot: &Snapshot, tree: &LayerTree) -> Self {
        let blob_sets: Vec<Vec<(&str, u64)>> = snapshot
            .images
            .keys()
            .map(|image| {
                let mut blobs: Vec<(&str, u64)> = Vec::new();
                for layer in image_layers(snapshot, tree, image) {
                    let record = &snapshot.layers[layer];
                    let blob = record.blob.as_deref().unwrap_or(&record.id);
                    if !blobs.iter().any(|(b, _)| *b == blob) {
                        blobs.push((blob, record.size()));
                    }
                }
                blobs
            })
            .collect();
        let mut users: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for blobs in &blob_sets {
            for (blob, _) in blobs {
                let count = users.entry(blob).or_default();
                *count = count.saturating_add(1);
            }
        }
        let sizes: Vec<ImageSize> = blob_sets
            .iter()
            .zip(&snapshot.images)
            .map(|(blobs, image)| {
                let mut size = ImageSize::default();
                for (blob, bytes) in blobs {
                    if users.get(blob).copied().unwrap_or(0) > 1 {
                        size.shared = size.shared.saturating_add(*bytes);
                    } else {
                        size.unique = size.unique.saturating_add(*bytes);
                    }
                }
                size.unique = size.unique.saturating_add(image.big_data_size);
                size.total = size.shared.saturating_add(size.unique);
                size
            })
            .collect();
        Sizes {
            sizes: sizes.into(),
        }
    }

    pub fn get(&self, image: ImageIdx) -> ImageSize {
        self.sizes.get(image).copied().unwrap_or_default()
    }
}

/// Which images count as users of their layers. Docker (`docker system df`) leaves out the
/// intermediates `docker images` hides: a layer that only a build's steps and its result
/// hold is the result's own, and goes with it.
fn users_counted(snapshot: &Snapshot) -> TiVec<ImageIdx, bool> {
    if snapshot.rules != Rules::Docker {
        return vec![true; snapshot.images.len()].into();
    }
    snapshot
        .images
        .iter_enumerated()
        .map(|(idx, i)| {
            !(i.names.is_empty()
                && i.digest_names.is_empty()
                && !snapshot.recorded_children(idx).is_empty())
        })
        .collect()
}

/// Every layer an image needs: its top layer and mapped top layers, and all below them.
pub fn image_layers(snapshot: &Snapshot, tree: &LayerTree, image: ImageIdx) -> Vec<LayerIdx> {
    let img = &snapshot.images[image];
    let mut layers: Vec<LayerIdx> = Vec::new();
    let tops = img.top_layer.iter().chain(&img.mapped_top_layers);
    for top in tops.filter_map(|id| snapshot.layer_by_id(id)) {
        for layer in tree.chain(top) {
            if layers.contains(&layer) {
                break;
            }
            layers.push(layer);
        }
    }
    layers
}

#[cfg(test)]
mod tests;
