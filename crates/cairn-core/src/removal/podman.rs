//! What `podman rmi` and `podman image prune` would do.
//!
//! This is libimage's `RemoveImages` and `removeRecursive` (containers/common
//! `libimage/runtime.go`, `libimage/image.go`) and containers/storage's `DeleteImage`, replayed
//! on the store's state in memory. Every rule is one step below, with a comment naming the
//! podman behaviour it reproduces.
//!
//! The replay keeps its changes beside the catalog (the names it changed, what it deleted)
//! and asks the catalog's indexes the rest (who uses a layer, which layers nothing uses), so
//! that a plan costs what it removes, not what the store holds: the browser plans on every
//! key of its removal dialog, on stores of 10,000 images.

use super::{ErrorKind, PlanError, RemovalPlan, RemoveOptions, Step, Target};
use crate::lineage::{has_children, parent_of};
use crate::lookup::{LookupError, lookup_resolved};
use crate::overlay::NameOverlay;
use crate::{Catalog, ContainerIdx, ImageIdx, LayerIdx, Rules, TiVec};
use std::collections::HashMap;

pub mod unreferenced;

/// Plans a removal under podman's rules.
pub fn plan_removal(catalog: &Catalog, target: &Target, options: RemoveOptions) -> RemovalPlan {
    let mut sim = Simulation::new(catalog, options);
    match target {
        Target::References(references) => sim.remove_references(references),
        Target::All => {
            // `rmi --all` lists with the filter readonly=false, then removes each.
            // A list's platform images go with their list, not on their own.
            let images: Vec<ImageIdx> = (catalog.snapshot.images.keys())
                .filter(|&i| !catalog.snapshot.images[i].read_only)
                .filter(|&i| catalog.snapshot.list_of(i).is_none())
                .collect();
            sim.remove_listed(&images);
        }
        Target::Prune { all } => {
            sim.prune(*all);
            sim.delete_unreferenced_layers();
        }
    }
    sim.finish()
}

#[derive(Debug, Default)]
struct Report {
    removed: bool,
    untagged: Vec<String>,
}

/// The store's state while the removal is replayed: the catalog, and what the replay changed.
struct Simulation<'a> {
    catalog: &'a Catalog,
    options: RemoveOptions,
    names: NameOverlay<'a>,
    image_alive: TiVec<ImageIdx, bool>,
    container_alive: TiVec<ContainerIdx, bool>,
    layer_alive: TiVec<LayerIdx, bool>,
    /// The layers podman's check would delete ([`unreferenced::collectable`]); none unless
    /// the options give the clock.
    collectable: TiVec<LayerIdx, bool>,
    reports: HashMap<ImageIdx, Report>,
    /// The images reported on, in the order podman reports them.
    order: Vec<ImageIdx>,
    /// Whether an image is in `order` already.
    ordered: TiVec<ImageIdx, bool>,
    plan: RemovalPlan,
}

impl<'a> Simulation<'a> {
    fn new(catalog: &'a Catalog, options: RemoveOptions) -> Self {
        let snapshot = &catalog.snapshot;
        Simulation {
            catalog,
            options,
            names: NameOverlay::new(snapshot),
            image_alive: vec![true; snapshot.images.len()].into(),
            container_alive: vec![true; snapshot.containers.len()].into(),
            layer_alive: vec![true; snapshot.layers.len()].into(),
            collectable: match options.collect_unreferenced_at {
                Some(now) if snapshot.rules == Rules::Podman => {
                    unreferenced::collectable(catalog, now)
                }
                _ => vec![false; snapshot.layers.len()].into(),
            },
            reports: HashMap::new(),
            order: Vec::new(),
            ordered: vec![false; snapshot.images.len()].into(),
            plan: RemovalPlan::default(),
        }
    }

    fn id(&self, image: ImageIdx) -> &'a str {
        &self.catalog.snapshot.images[image].id
    }

    fn error(&mut self, reference: &str, message: String, kind: ErrorKind) {
        self.plan.errors.push(PlanError {
            reference: reference.to_string(),
            message,
            kind,
        });
    }

    /// `RemoveImages` with names: look every name up first, group references by image, then
    /// remove each image once per reference, in the order the images were first named.
    fn remove_references(&mut self, references: &[String]) {
        let mut targets: Vec<(ImageIdx, Vec<String>)> = Vec::new();
        for reference in references {
            match lookup_resolved(&self.catalog.snapshot, reference) {
                Ok((image, resolved)) => match targets.iter_mut().find(|(i, _)| *i == image) {
                    Some((_, refs)) => refs.push(resolved),
                    None => targets.push((image, vec![resolved])),
                },
                Err(e @ LookupError::NotKnown(_)) => {
                    // `--ignore` skips unknown images; `--force` hides them from the output.
                    if self.options.ignore {
                        continue;
                    }
                    let error = PlanError {
                        reference: reference.clone(),
                        message: e.to_string(),
                        kind: ErrorKind::Unknown,
                    };
                    if self.options.force {
                        self.plan.silenced.push(error);
                    } else {
                        self.plan.errors.push(error);
                    }
                }
                Err(e) => self.error(reference, e.to_string(), ErrorKind::Other),
            }
        }
        for (image, refs) in targets {
            for referenced_by in refs {
                self.remove_recursive(image, &referenced_by);
            }
        }
    }

    /// `RemoveImages` without names: every listed image, referenced by nothing.
    fn remove_listed(&mut self, images: &[ImageIdx]) {
        for &image in images {
            self.remove_recursive(image, "");
        }
    }

    /// `podman image prune`: remove what the filters select, again and again until a round
    /// removes nothing (`ImageEngine.Prune`'s loop).
    fn prune(&mut self, all: bool) {
        loop {
            let before = self.order.len();
            let selected: Vec<ImageIdx> = (self.catalog.snapshot.images.keys())
                .filter(|&i| {
                    self.image_alive[i]
                        && !self.catalog.snapshot.images[i].read_only
                        && self.alive_list_of(i).is_none()
                        && (all || self.is_dangling(i))
                        && !self.used_by_container(i)
                })
                .collect();
            if selected.is_empty() {
                break;
            }
            self.remove_listed(&selected);
            if self.order.len() == before {
                break;
            }
        }
    }

    fn has_alive_children(&self, image: ImageIdx) -> bool {
        let alive = |i: ImageIdx| self.image_alive[i];
        has_children(&self.catalog.snapshot, &self.catalog.tree, image, &alive)
    }

    fn alive_parent(&self, image: ImageIdx) -> Option<ImageIdx> {
        let alive = |i: ImageIdx| self.image_alive[i];
        parent_of(&self.catalog.snapshot, &self.catalog.tree, image, &alive)
    }

    /// `IsDangling`: no names and no children, in the store as it is now. A platform image
    /// of a list that is still there belongs to the list.
    fn is_dangling(&self, image: ImageIdx) -> bool {
        self.names.get(image).is_empty()
            && !self.has_alive_children(image)
            && self.alive_list_of(image).is_none()
    }

    fn alive_list_of(&self, image: ImageIdx) -> Option<ImageIdx> {
        self.catalog
            .snapshot
            .list_of(image)
            .filter(|&list| self.image_alive[list])
    }

    /// The containers still there that use the image, in store order.
    fn containers_of(&self, image: ImageIdx) -> impl Iterator<Item = ContainerIdx> + '_ {
        (self.catalog.snapshot.containers_using(image).iter())
            .copied()
            .filter(|&c| self.container_alive[c])
    }

    fn used_by_container(&self, image: ImageIdx) -> bool {
        self.containers_of(image).next().is_some()
    }

    /// libimage `removeRecursive`.
    fn remove_recursive(&mut self, image: ImageIdx, referenced_by: &str) {
        let id = self.id(image);
        let report_as = if referenced_by.is_empty() {
            id
        } else {
            referenced_by
        };

        // Images of additional stores cannot be changed.
        if self.catalog.snapshot.images[image].read_only {
            self.error(
                report_as,
                format!("cannot remove read-only image {id:?}"),
                ErrorKind::Other,
            );
            return;
        }
        // A platform image is part of its list: removing it alone would break the list.
        if let Some(list) = self.alive_list_of(image) {
            let list = &self.catalog.snapshot.images[list];
            let list_name = list.names.first().unwrap_or(&list.id);
            self.error(
                report_as,
                format!(
                    "image {id} is a platform instance of the manifest list {list_name}: remove the list"
                ),
                ErrorKind::Other,
            );
            return;
        }
        // An image already removed by an earlier reference or as a parent is done.
        if self.reports.get(&image).is_some_and(|r| r.removed) {
            return;
        }
        if !self.image_alive[image] {
            return;
        }
        self.reports.entry(image).or_default();

        // Several names: a tag only loses that name; an ID or digest needs --force.
        let mut skip_remove = false;
        let count = self.names.get(image).len();
        if !referenced_by.is_empty() && count != 1 {
            let by_id = id.starts_with(referenced_by);
            let by_digest = referenced_by.starts_with("sha256:");
            if !self.options.force && count > 1 && (by_id || by_digest) {
                let how = if by_id { "ID" } else { "digest" };
                let message = format!(
                    "unable to delete image {id:?} by {how} with more than one tag ([{}]): please force removal",
                    self.names.get(image).join(" ")
                );
                self.error(report_as, message, ErrorKind::Other);
                return;
            }
            if !by_id && !by_digest {
                if let Err(message) = self.untag(image, referenced_by) {
                    self.error(report_as, message, ErrorKind::Other);
                    return;
                }
                self.reports
                    .entry(image)
                    .or_default()
                    .untagged
                    .push(referenced_by.to_string());
                skip_remove = !self.names.get(image).is_empty();
            }
        }
        if !self.ordered[image] {
            self.ordered[image] = true;
            self.order.push(image);
        }
        if skip_remove {
            return;
        }

        // --force removes the containers using the image first.
        if self.options.force {
            let containers: Vec<ContainerIdx> = self.containers_of(image).collect();
            for container in containers {
                self.delete_container(container);
            }
        }

        // Parent and children are decided before the record goes.
        let has_children = self.has_alive_children(image);
        let parent = self.alive_parent(image);

        // storage.DeleteImage: refused while a container uses the image.
        let in_use = self.containers_of(image).next();
        if let Some(container) = in_use {
            let message = format!(
                "image used by {}: image is in use by a container: consider listing external containers and force-removing image",
                self.catalog.snapshot.containers[container].id
            );
            self.error(report_as, message, ErrorKind::InUse);
            return;
        }
        if let Err(message) = self.delete_image(image) {
            self.error(report_as, message, ErrorKind::Other);
            return;
        }
        let names = std::mem::take(self.names.get_mut(image));
        let report = self.reports.entry(image).or_default();
        report.untagged.extend(names);
        // An image whose children keep its layers loses its record but is not "Deleted".
        if !has_children {
            report.removed = true;
        }

        // Unless --no-prune, a parent left dangling goes too, recursively.
        if self.options.no_prune {
            return;
        }
        if let Some(parent) = parent
            && self.is_dangling(parent)
        {
            self.remove_recursive(parent, "");
        }
    }

    /// libimage `Untag`: the name is normalized, and must be one of the image's names.
    fn untag(&mut self, image: ImageIdx, name: &str) -> Result<(), String> {
        let normalized = crate::reference::stored_name(self.names.get(image), name)
            .map_err(|e| e.to_string())?;
        let names = self.names.get_mut(image);
        let before = names.len();
        names.retain(|n| *n != normalized);
        if names.len() == before {
            return Err(format!("{normalized}: tag not known"));
        }
        self.plan.steps.push(Step::SetNames {
            image: self.catalog.snapshot.images[image].id.clone(),
            names: names.clone(),
            taken_from: Vec::new(),
        });
        Ok(())
    }

    /// storage `DeleteContainer`: the record and the container's own layer.
    fn delete_container(&mut self, container: ContainerIdx) {
        let record = &self.catalog.snapshot.containers[container];
        self.container_alive[container] = false;
        let layer = self.catalog.snapshot.layer_by_id(&record.layer);
        if let Some(layer) = layer {
            self.layer_alive[layer] = false;
            self.plan.layers.push(record.layer.clone());
            self.reclaim(self.catalog.snapshot.layers[layer].diff_size.unwrap_or(0));
        }
        self.plan.containers.push(record.id.clone());
        self.plan.steps.push(Step::DeleteContainer {
            container: record.id.clone(),
            layer: layer.map(|_| record.layer.clone()),
        });
    }

    /// storage `DeleteImage`: the record, then layers from the top down while no container,
    /// no other image and no remaining child layer needs them. A mounted layer stops it all.
    fn delete_image(&mut self, image: ImageIdx) -> Result<(), String> {
        let snapshot = &self.catalog.snapshot;
        let tree = &self.catalog.tree;
        let img = &snapshot.images[image];
        // Whether another image still there has the layer as its top or a mapped top layer.
        let other_top = |layer: LayerIdx| {
            (tree.node(layer).images.iter())
                .chain(tree.mapped_images(layer))
                .any(|&i| i != image && self.image_alive[i])
        };
        let top = img
            .top_layer
            .as_deref()
            .and_then(|t| snapshot.layer_by_id(t));
        let mapped: Vec<LayerIdx> = img
            .mapped_top_layers
            .iter()
            .filter_map(|l| snapshot.layer_by_id(l))
            .collect();
        let mut doomed: Vec<LayerIdx> = Vec::new();
        let mut current = top;
        while let Some(layer) = current {
            let layer_id = snapshot.layers[layer].id.as_str();
            if (snapshot.containers_with_id(layer_id).iter()).any(|&c| self.container_alive[c]) {
                break;
            }
            if other_top(layer) {
                break;
            }
            let mut to_check = vec![layer];
            if Some(layer) == top {
                to_check.extend(&mapped);
            }
            let needed = to_check.iter().any(|&l| {
                self.catalog.tree.node(l).children.iter().any(|&child| {
                    self.layer_alive[child] && !doomed.contains(&child) && !self.collectable[child]
                })
            });
            if needed {
                break;
            }
            // What an interrupted removal left on top of this layer goes first, children
            // before parents, instead of keeping the layer for ever.
            let mut left_behind = Vec::new();
            let wanted =
                |c: LayerIdx| self.layer_alive[c] && self.collectable[c] && !doomed.contains(&c);
            for &l in &to_check {
                for &child in &self.catalog.tree.node(l).children {
                    unreferenced::subtree_post_order(
                        &self.catalog.tree,
                        child,
                        &wanted,
                        &mut left_behind,
                    );
                }
            }
            doomed.extend(left_behind);
            // The mapped top layers go with the top layer, before it.
            if Some(layer) == top {
                doomed.extend(mapped.iter().filter(|&&l| self.layer_alive[l]));
            }
            doomed.push(layer);
            current = self.catalog.tree.node(layer).parent;
        }
        if let Some(&mounted) = doomed.iter().find(|&&l| snapshot.layers[l].mounted) {
            return Err(format!(
                "layer {} of image {} is mounted: unmount it first",
                snapshot.layers[mounted].id, img.id
            ));
        }
        self.image_alive[image] = false;
        self.plan.records_deleted.push(img.id.clone());
        self.reclaim(img.big_data_size);
        for &layer in &doomed {
            self.layer_alive[layer] = false;
            self.plan.layers.push(snapshot.layers[layer].id.clone());
            self.reclaim(snapshot.layers[layer].diff_size.unwrap_or(0));
        }
        self.plan.steps.push(Step::DeleteImage {
            image: img.id.clone(),
            layers: doomed
                .iter()
                .map(|&l| snapshot.layers[l].id.clone())
                .collect(),
        });
        Ok(())
    }

    /// podman's `system check --repair`: every layer left unreferenced (by an interrupted
    /// removal, most often) goes, each after the layers on top of it.
    fn delete_unreferenced_layers(&mut self) {
        for &layer in &self.catalog.unreferenced {
            if !(self.layer_alive[layer] && self.collectable[layer]) {
                continue;
            }
            let record = &self.catalog.snapshot.layers[layer];
            self.layer_alive[layer] = false;
            self.plan.layers.push(record.id.clone());
            self.reclaim(record.diff_size.unwrap_or(0));
            self.plan.steps.push(Step::DeleteLayer {
                layer: record.id.clone(),
            });
        }
    }

    /// Sizes come from the store's records: absurd ones saturate rather than overflow.
    fn reclaim(&mut self, bytes: u64) {
        self.plan.reclaimed_bytes = self.plan.reclaimed_bytes.saturating_add(bytes);
    }

    /// Podman prints every report's untagged names, then the deleted IDs.
    fn finish(mut self) -> RemovalPlan {
        for image in &self.order {
            if let Some(report) = self.reports.get(image) {
                self.plan.untagged.extend(report.untagged.iter().cloned());
            }
        }
        for image in &self.order {
            if self.reports.get(image).is_some_and(|r| r.removed) {
                self.plan
                    .deleted
                    .push(self.catalog.snapshot.images[*image].id.clone());
            }
        }
        self.plan
    }
}

#[cfg(test)]
mod tests;
