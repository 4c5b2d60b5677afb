//! What `docker rmi` and `docker image prune` would do.
//!
//! This is moby 20.10's `ImageDelete`, `imageDeleteHelper` and `checkImageDeleteConflict`
//! (`daemon/images/image_delete.go`), `ImagesPrune` (`image_prune.go`) and the layer store's
//! reference counting, replayed on a copy of the daemon's state. Docker differs from podman
//! in ways users trip over, each a rule below: an image with children cannot be removed even
//! with force; removing an image by ID that has several names needs force; force never
//! removes containers, and a running container's image stays even then; the untagged
//! parents a deleted image leaves behind go with it.
//!
//! Each call the daemon would make becomes a step that does exactly one thing (untag one
//! name, or delete one image by ID with `noprune`), carrying the records the daemon must
//! answer with, so that applying the plan can check every answer against the preview.
//!
//! The replay keeps only what it changed (references taken off, images deleted, reference
//! counts of the layers it released) and reads everything else from the catalog, so that a
//! plan costs what it removes rather than what the daemon holds.

use super::{ErrorKind, PlanError, Record, RemovalPlan, RemoveOptions, Step, Target};
use crate::image::short_id;
use crate::lookup::{LookupError, lookup_docker_with};
use crate::reference::{docker_familiar, docker_full, split_tag};
use crate::{Catalog, ImageIdx, LayerIdx, TiVec};
use std::collections::{HashMap, HashSet};

/// Plans a removal under Docker's rules.
pub fn plan_removal(catalog: &Catalog, target: &Target, options: RemoveOptions) -> RemovalPlan {
    let mut sim = Simulation::new(catalog);
    let prune = !options.no_prune;
    match target {
        // `docker rmi A B C`: each reference in turn; every error is reported, none stops
        // the others.
        Target::References(references) => {
            for reference in references {
                match sim.image_delete(reference, options.force, prune) {
                    // cairn's `--ignore` (docker has none) skips missing images, as podman's.
                    Err(error) if options.ignore && error.kind == ErrorKind::Unknown => {}
                    Err(error) => sim.plan.errors.push(error.for_reference(reference)),
                    Ok(()) => {}
                }
            }
        }
        // `docker rmi $(docker images -aq)`: every image by ID, in the daemon's order.
        Target::All => {
            for image in catalog.snapshot.images.keys() {
                let id = catalog.snapshot.images[image].id.clone();
                if sim.alive[image]
                    && let Err(error) = sim.image_delete(&id, options.force, prune)
                {
                    sim.plan.errors.push(error.for_reference(short_id(&id)));
                }
            }
        }
        Target::Prune { all } => sim.prune(*all),
    }
    sim.plan
}

/// Why the daemon refuses, and whether force could change that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    kind: ErrorKind,
    message: String,
}

impl Refusal {
    fn for_reference(self, reference: &str) -> PlanError {
        PlanError {
            reference: reference.to_string(),
            message: self.message,
            kind: self.kind,
        }
    }

    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl From<LookupError> for Refusal {
    fn from(e: LookupError) -> Self {
        let kind = match e {
            LookupError::NoSuchImage(_) | LookupError::NotKnown(_) => ErrorKind::Unknown,
            _ => ErrorKind::Other,
        };
        Refusal {
            kind,
            message: e.to_string(),
        }
    }
}

/// The conflicts `checkImageDeleteConflict` looks for, in its order. Hard ones cannot be
/// forced; "used" ones are about containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conflict {
    DependentChild,
    RunningContainer,
    ActiveReference,
    StoppedContainer,
}

impl Conflict {
    fn hard(self) -> bool {
        matches!(self, Conflict::DependentChild | Conflict::RunningContainer)
    }

    fn used(self) -> bool {
        matches!(
            self,
            Conflict::RunningContainer | Conflict::StoppedContainer
        )
    }
}

/// Which conflicts a check looks for.
#[derive(Debug, Clone, Copy)]
struct Mask {
    soft: bool,
    active_reference: bool,
}

/// How a call to `imageDeleteHelper` ended.
enum Helper {
    Deleted,
    /// A conflict the caller asked to be quiet about: nothing more happens.
    Quiet,
}

/// The daemon's state while the removal is replayed: the catalog, and what the replay changed.
pub(crate) struct Simulation<'a> {
    catalog: &'a Catalog,
    /// The references (tags and digest names, familiar form) of each image the replay
    /// changed, in the reference store's order: sorted by full name. Every other image has
    /// its snapshot's names and digest names.
    refs: HashMap<ImageIdx, Vec<String>>,
    /// References taken off: the snapshot's name index no longer leads to an image by them.
    untagged: HashSet<String>,
    alive: TiVec<ImageIdx, bool>,
    /// The layer store's reference counts of the layers the replay released (images on a
    /// layer, containers made on it, and layers on top of it each hold one); every other
    /// layer's is counted from the catalog when asked ([`Simulation::layer_refs`]).
    layer_refs: HashMap<LayerIdx, u32>,
    pub(crate) plan: RemovalPlan,
}

impl<'a> Simulation<'a> {
    pub(crate) fn new(catalog: &'a Catalog) -> Self {
        Simulation {
            catalog,
            refs: HashMap::new(),
            untagged: HashSet::new(),
            alive: vec![true; catalog.snapshot.images.len()].into(),
            layer_refs: HashMap::new(),
            plan: RemovalPlan::default(),
        }
    }

    fn id(&self, image: ImageIdx) -> &'a str {
        &self.catalog.snapshot.images[image].id
    }

    /// The image's references now, in the reference store's order, to read or change: the
    /// snapshot's, sorted, on the first look.
    fn refs(&mut self, image: ImageIdx) -> &mut Vec<String> {
        let snapshot = &self.catalog.snapshot;
        self.refs.entry(image).or_insert_with(|| {
            let image = &snapshot.images[image];
            let mut names: Vec<String> = (image.names.iter())
                .chain(&image.digest_names)
                .cloned()
                .collect();
            names.sort_by_cached_key(|n| docker_full(n));
            names
        })
    }

    /// Whether the image has a reference left.
    fn has_refs(&self, image: ImageIdx) -> bool {
        match self.refs.get(&image) {
            Some(refs) => !refs.is_empty(),
            None => {
                let image = &self.catalog.snapshot.images[image];
                !(image.names.is_empty() && image.digest_names.is_empty())
            }
        }
    }

    /// Whether the image has a tag (a reference without a digest) left.
    fn has_tag(&self, image: ImageIdx) -> bool {
        let is_tag = |r: &String| !r.contains('@');
        match self.refs.get(&image) {
            Some(refs) => refs.iter().any(is_tag),
            None => {
                let image = &self.catalog.snapshot.images[image];
                image.names.iter().chain(&image.digest_names).any(is_tag)
            }
        }
    }

    /// A layer's reference count now: the one the replay left, or the catalog's.
    fn layer_refs(&self, layer: LayerIdx) -> u32 {
        if let Some(&count) = self.layer_refs.get(&layer) {
            return count;
        }
        let snapshot = &self.catalog.snapshot;
        let node = self.catalog.tree.node(layer);
        (node.images.iter()).fold(node.children.len() as u32, |count, &image| {
            let holders = 1 + snapshot.containers_using(image).len() as u32;
            count.saturating_add(holders)
        })
    }

    /// `GetImage` on the state as it is now.
    fn lookup(&self, arg: &str) -> Result<ImageIdx, LookupError> {
        let snapshot = &self.catalog.snapshot;
        lookup_docker_with(
            arg,
            |id| snapshot.image_by_id(id).filter(|&i| self.alive[i]),
            |name| {
                let image = match self.untagged.contains(name) {
                    true => None,
                    false => snapshot.image_named(name),
                };
                image.filter(|&i| self.alive[i])
            },
            |prefix| {
                let mut alive = snapshot.ids_with_prefix(prefix).filter(|&i| self.alive[i]);
                match (alive.next(), alive.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            },
        )
    }

    /// `ImageDelete(ref, force, prune)`: the records go to the plan, one step per daemon call.
    pub(crate) fn image_delete(
        &mut self,
        arg: &str,
        force: bool,
        prune: bool,
    ) -> Result<(), Refusal> {
        let image = self.lookup(arg)?;
        let id = self.id(image);
        let mut records = Vec::new();
        // By name, the call is quiet about conflicts once the name is gone (the image then
        // just stays); by ID it is not.
        let quiet = if !is_image_id_prefix(id, arg) {
            // By name: refused while a container uses the image and this is its only
            // reference, unless forced, since the image would be left dangling.
            if !force
                && is_single_reference(self.refs(image))
                && let Some(container) = self.catalog.snapshot.containers_of(image).next()
            {
                return Err(Refusal {
                    kind: ErrorKind::Other,
                    message: format!(
                        "conflict: unable to remove repository reference {arg:?} (must force) - container {} is using its referenced image {}",
                        short_id(&container.id),
                        short_id(id)
                    ),
                });
            }
            let name = docker_familiar(arg).map_err(|e| Refusal {
                kind: ErrorKind::Other,
                message: e.to_string(),
            })?;
            self.untag(image, &name, &mut records);
            // The last tag of a repository takes that repository's digest names with it.
            if !name.contains('@') {
                let repository = repository_of(&name);
                let tag_left = (self.refs(image).iter())
                    .any(|r| !r.contains('@') && repository_of(r) == repository);
                if !tag_left {
                    let digests: Vec<String> = (self.refs(image).iter())
                        .filter(|r| r.contains('@') && repository_of(r) == repository)
                        .cloned()
                        .collect();
                    for digest in digests {
                        self.untag(image, &digest, &mut records);
                    }
                }
            }
            // Other references left: untagging was all.
            if self.has_refs(image) {
                self.untag_step(image, name, force, records);
                return Ok(());
            }
            Some(name)
        } else {
            // By ID, with at most one tag (and digests of its repository): those go first,
            // unless the image cannot be deleted. Several tags need force, which the helper
            // asks for as an active reference.
            if is_single_reference(self.refs(image)) {
                let mask = Mask {
                    soft: !force,
                    active_reference: false,
                };
                if let Some(conflict) = self.conflict(image, mask) {
                    return Err(self.refusal(image, conflict));
                }
                for name in self.refs(image).clone() {
                    self.untag(image, &name, &mut records);
                }
            }
            None
        };
        match self.delete_helper(image, records.clone(), force, prune, quiet.is_some())? {
            Helper::Deleted => {}
            // The name went, the image stays (it has children, or a running container).
            Helper::Quiet => {
                if let Some(name) = quiet {
                    self.untag_step(image, name, force, records);
                }
            }
        }
        Ok(())
    }

    /// `imageDeleteHelper`: the image goes with its remaining references and the layers only
    /// it held; then, unless `noprune`, its parent if that is left untagged and childless,
    /// quietly (a parent that cannot go simply stays).
    fn delete_helper(
        &mut self,
        image: ImageIdx,
        mut records: Vec<Record>,
        force: bool,
        prune: bool,
        quiet: bool,
    ) -> Result<Helper, Refusal> {
        let mask = Mask {
            soft: !force,
            active_reference: !force,
        };
        if let Some(conflict) = self.conflict(image, mask) {
            if quiet && (!self.is_dangling(image) || conflict.used()) {
                return Ok(Helper::Quiet);
            }
            return Err(self.refusal(image, conflict));
        }
        let parent = self
            .catalog
            .snapshot
            .recorded_parent(image)
            .filter(|&p| self.alive[p]);
        for name in self.refs(image).clone() {
            self.untag(image, &name, &mut records);
        }
        self.alive[image] = false;
        let id = self.id(image);
        records.push(Record::Deleted(format!("sha256:{id}")));
        self.plan.deleted.push(id.to_string());
        self.plan.records_deleted.push(id.to_string());
        for layer in self.release(image) {
            let layer = &self.catalog.snapshot.layers[layer];
            records.push(Record::Deleted(format!("sha256:{}", layer.id)));
            self.plan.layers.push(layer.id.clone());
            // Sizes come from the daemon: absurd ones saturate rather than overflow.
            self.plan.reclaimed_bytes = self.plan.reclaimed_bytes.saturating_add(layer.size());
        }
        self.plan.records.extend(records.iter().cloned());
        self.plan.steps.push(Step::DockerDelete {
            image: id.to_string(),
            force,
            records,
        });
        if let Some(parent) = parent.filter(|_| prune) {
            self.delete_helper(parent, Vec::new(), false, true, true)?;
        }
        Ok(Helper::Deleted)
    }

    /// `checkImageDeleteConflict`: the first conflict the mask looks for.
    fn conflict(&self, image: ImageIdx, mask: Mask) -> Option<Conflict> {
        let snapshot = &self.catalog.snapshot;
        if self.children(image).next().is_some() {
            return Some(Conflict::DependentChild);
        }
        if snapshot.containers_of(image).any(|c| c.running) {
            return Some(Conflict::RunningContainer);
        }
        if mask.soft && mask.active_reference && self.has_refs(image) {
            return Some(Conflict::ActiveReference);
        }
        if mask.soft && snapshot.containers_of(image).any(|c| !c.running) {
            return Some(Conflict::StoppedContainer);
        }
        None
    }

    fn refusal(&self, image: ImageIdx, conflict: Conflict) -> Refusal {
        let snapshot = &self.catalog.snapshot;
        let container = |running: bool| {
            snapshot
                .containers_of(image)
                .find(|c| c.running == running)
                .map(|c| short_id(&c.id).to_string())
                .unwrap_or_default()
        };
        let why = match conflict {
            Conflict::DependentChild => "image has dependent child images".to_string(),
            Conflict::RunningContainer => {
                format!(
                    "image is being used by running container {}",
                    container(true)
                )
            }
            Conflict::ActiveReference => "image is referenced in multiple repositories".into(),
            Conflict::StoppedContainer => {
                format!(
                    "image is being used by stopped container {}",
                    container(false)
                )
            }
        };
        let force = if conflict.hard() {
            "cannot be forced"
        } else {
            "must be forced"
        };
        Refusal {
            kind: ErrorKind::Other,
            message: format!(
                "conflict: unable to delete {} ({force}) - {why}",
                short_id(self.id(image))
            ),
        }
    }

    /// `imageStore.Children`: the images whose recorded parent this is.
    fn children(&self, image: ImageIdx) -> impl Iterator<Item = ImageIdx> + '_ {
        self.catalog
            .snapshot
            .recorded_children(image)
            .iter()
            .copied()
            .filter(|&c| self.alive[c])
    }

    /// `imageIsDangling`: no references and no children.
    fn is_dangling(&self, image: ImageIdx) -> bool {
        !self.has_refs(image) && self.children(image).next().is_none()
    }

    fn untag(&mut self, image: ImageIdx, name: &str, records: &mut Vec<Record>) {
        self.refs(image).retain(|r| r != name);
        self.untagged.insert(name.to_string());
        self.plan.untagged.push(name.to_string());
        records.push(Record::Untagged(name.to_string()));
    }

    fn untag_step(&mut self, image: ImageIdx, name: String, force: bool, records: Vec<Record>) {
        self.plan.records.extend(records.iter().cloned());
        self.plan.steps.push(Step::DockerUntag {
            image: self.id(image).to_string(),
            name,
            force,
            records,
        });
    }

    /// The layer store's `Release` of the image's top layer: a layer no image, container or
    /// layer above holds any more goes, and releases the one below. Returns what went, top
    /// first.
    fn release(&mut self, image: ImageIdx) -> Vec<LayerIdx> {
        let tree = &self.catalog.tree;
        let mut freed = Vec::new();
        let mut current = tree.top_node(&self.catalog.snapshot, image);
        while let Some(layer) = current {
            let count = self.layer_refs(layer).saturating_sub(1);
            self.layer_refs.insert(layer, count);
            if count > 0 {
                break;
            }
            freed.push(layer);
            current = tree.node(layer).parent;
        }
        freed
    }

    /// `ImagesPrune`: images without children (all images with `all`) that are untagged (or
    /// with `all`, any), each removed without force through every reference it has, or by
    /// ID when it has none. What fails (a container uses it) is skipped without a word.
    fn prune(&mut self, all: bool) {
        let candidates: Vec<ImageIdx> = (self.catalog.snapshot.images.keys())
            .filter(|&i| all || self.children(i).next().is_none())
            .filter(|&i| self.has_refs(i) || self.children(i).next().is_none())
            .collect();
        for image in candidates {
            if !self.has_refs(image) {
                let id = self.id(image);
                let _ = self.image_delete(id, false, true);
                continue;
            }
            if all || !self.has_tag(image) {
                for name in self.refs(image).clone() {
                    let _ = self.image_delete(&docker_full(&name), false, true);
                }
            }
        }
    }
}

/// `isImageIDPrefix`: whether the argument is the start of the image's ID, with or without
/// `sha256:`.
fn is_image_id_prefix(id: &str, arg: &str) -> bool {
    let full = format!("sha256:{id}");
    full.starts_with(arg) || id.starts_with(arg)
}

/// `isSingleReference`: exactly one reference, or one tag plus digest names of that same
/// repository only.
fn is_single_reference(refs: &[String]) -> bool {
    if refs.len() <= 1 {
        return refs.len() == 1;
    }
    let tags: Vec<&String> = refs.iter().filter(|r| !r.contains('@')).collect();
    if tags.len() > 1 {
        return false;
    }
    let single = tags.first().copied().unwrap_or(&refs[0]);
    let mut digest_repositories: Vec<&str> = refs
        .iter()
        .filter(|r| r.contains('@'))
        .map(|r| repository_of(r))
        .collect();
    digest_repositories.sort_unstable();
    digest_repositories.dedup();
    digest_repositories == [repository_of(single)]
}

/// The repository of a familiar reference, without its tag or digest.
fn repository_of(reference: &str) -> &str {
    split_tag(reference).0
}

#[cfg(test)]
mod tests;
