//! Lineage across a registry's repositories. A registry keeps no record of which image was
//! built on which, and rarely holds every step of a build: an `app` pushed from a Containerfile
//! of five steps has no image for the three steps between it and its base. Podman's one-step
//! rule would give it no parent. Here the parent is:
//!
//! 1. the image the child's manifest names in `org.opencontainers.image.base.digest`, when the
//!    registry has it (for an index, its instance for the child's platform);
//! 2. else the image `org.opencontainers.image.base.name` names, when its layers are still a
//!    prefix of the child's (a tag may have moved since the build);
//! 3. else the nearest image whose layers and history are a proper prefix of the child's: the
//!    one with the most build steps, the first in store order among equals.
//!
//! Images are indexed by a hash of their whole history and layers, so finding the nearest
//! prefix is one lookup per prefix length of the child, not a scan of the registry.

use super::are_prefix;
use crate::{BaseImage, HistoryEntry, ImageConfig, ImageIdx, Snapshot, TiVec};
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// The parent of every image under the registry's rules.
pub fn parents(snapshot: &Snapshot) -> TiVec<ImageIdx, Option<ImageIdx>> {
    let mut by_stack: HashMap<u64, Vec<ImageIdx>> = HashMap::new();
    for (idx, image) in snapshot.images.iter_enumerated() {
        if let (false, Some(config)) = (image.manifest_list, &image.config) {
            let (history, layers) = prefix_hashes(config);
            let key = stack_key(history[config.history.len()], layers[config.diff_ids.len()]);
            by_stack.entry(key).or_default().push(idx);
        }
    }
    snapshot
        .images
        .keys()
        .map(|child| parent_of(snapshot, &by_stack, child))
        .collect()
}

fn parent_of(
    snapshot: &Snapshot,
    by_stack: &HashMap<u64, Vec<ImageIdx>>,
    child: ImageIdx,
) -> Option<ImageIdx> {
    let image = &snapshot.images[child];
    if image.manifest_list {
        return None;
    }
    let config = image.config.as_ref()?;
    if let Some(base) = &image.base
        && let Some(parent) = annotated_base(snapshot, child, config, base)
    {
        return Some(parent);
    }
    nearest_prefix(snapshot, by_stack, child, config)
}

/// Rules 1 and 2: the base the manifest names.
fn annotated_base(
    snapshot: &Snapshot,
    child: ImageIdx,
    config: &ImageConfig,
    base: &BaseImage,
) -> Option<ImageIdx> {
    if let Some(digest) = &base.digest {
        let hex = digest.split_once(':').map_or(digest.as_str(), |(_, h)| h);
        if let Some(found) = snapshot.image_by_id(hex).filter(|&b| b != child)
            && let Some(parent) = for_platform(snapshot, found, config)
        {
            return Some(parent);
        }
    }
    let name = base.name.as_deref()?;
    let wanted = without_domain(name);
    snapshot
        .images
        .iter_enumerated()
        .filter(|&(idx, image)| {
            idx != child && image.names.iter().any(|n| without_domain(n) == wanted)
        })
        .filter_map(|(idx, _)| for_platform(snapshot, idx, config))
        .find(|&candidate| {
            snapshot.images[candidate]
                .config
                .as_ref()
                .is_some_and(|p| candidate != child && are_prefix(p, config))
        })
}

/// The image itself, or for an index its instance for the child's platform.
fn for_platform(snapshot: &Snapshot, image: ImageIdx, child: &ImageConfig) -> Option<ImageIdx> {
    if !snapshot.images[image].manifest_list {
        return Some(image);
    }
    snapshot
        .instances(image)
        .find(|&(instance, _)| {
            snapshot.images[instance].config.as_ref().is_some_and(|c| {
                c.os == child.os
                    && c.architecture == child.architecture
                    && c.variant == child.variant
            })
        })
        .map(|(instance, _)| instance)
}

/// A name without its registry host, so that the name a builder was given
/// (`localhost:5000/base:1`, `docker.io/library/alpine:3`) meets the name the registry lists.
fn without_domain(name: &str) -> &str {
    let name = name.split('@').next().unwrap_or(name);
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => name,
    }
}

/// Rule 3: the longest stack of another image that the child's stack starts with.
fn nearest_prefix(
    snapshot: &Snapshot,
    by_stack: &HashMap<u64, Vec<ImageIdx>>,
    child: ImageIdx,
    config: &ImageConfig,
) -> Option<ImageIdx> {
    let (history, layers) = prefix_hashes(config);
    // The layers a history prefix made: one per step that is not an empty layer. A history
    // that does not match its layers (or no history at all) tries every layer prefix too.
    let mut made = vec![0usize; config.history.len() + 1];
    for (step, entry) in config.history.iter().enumerate() {
        made[step + 1] = made[step] + usize::from(!entry.empty_layer);
    }
    let mut stacks: Vec<(usize, usize)> = (0..=config.history.len())
        .rev()
        .map(|steps| (steps, made[steps].min(config.diff_ids.len())))
        .collect();
    if made[config.history.len()] != config.diff_ids.len() {
        stacks.extend((0..config.diff_ids.len()).rev().map(|l| (0, l)));
    }
    stacks
        .into_iter()
        .filter(|&(steps, count)| {
            (steps, count) != (config.history.len(), config.diff_ids.len())
                && (steps, count) != (0, 0)
        })
        .find_map(|(steps, count)| {
            by_stack
                .get(&stack_key(history[steps], layers[count]))?
                .iter()
                .copied()
                .find(|&candidate| {
                    candidate != child
                        && snapshot.images[candidate].config.as_ref().is_some_and(|p| {
                            p.history.len() == steps
                                && p.diff_ids.len() == count
                                && are_prefix(p, config)
                        })
                })
        })
}

/// Hashes of every prefix of the history and of the layers: `history[k]` stands for the
/// first `k` steps, `layers[k]` for the first `k` layers.
fn prefix_hashes(config: &ImageConfig) -> (Vec<u64>, Vec<u64>) {
    let mut history = vec![0u64];
    for entry in &config.history {
        let mut hasher = DefaultHasher::new();
        history
            .last()
            .copied()
            .unwrap_or_default()
            .hash(&mut hasher);
        hash_entry(entry, &mut hasher);
        history.push(hasher.finish());
    }
    let mut layers = vec![0u64];
    for diff_id in &config.diff_ids {
        let mut hasher = DefaultHasher::new();
        layers.last().copied().unwrap_or_default().hash(&mut hasher);
        diff_id.hash(&mut hasher);
        layers.push(hasher.finish());
    }
    (history, layers)
}

fn hash_entry(entry: &HistoryEntry, hasher: &mut DefaultHasher) {
    entry.created.hash(hasher);
    entry.created_by.hash(hasher);
    entry.author.hash(hasher);
    entry.comment.hash(hasher);
    entry.empty_layer.hash(hasher);
}

fn stack_key(history: u64, layers: u64) -> u64 {
    let mut hasher = DefaultHasher::new();
    (history, layers).hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests;
