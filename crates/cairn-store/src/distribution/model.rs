//! The registry model and its snapshot (see the [module](super) documentation).

use super::manifest::{BASE_DIGEST, BASE_NAME, Manifest, SCHEMA1_PROBLEM};
use crate::digest::chain_ids;
use cairn_core::{BaseImage, Image, ImageConfig, Instance, Layer, Rules, Snapshot};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One repository: what its tags point at, and the manifests and layers it links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repository {
    /// Tag → manifest digest.
    pub tags: BTreeMap<String, String>,
    /// Every manifest digest the repository links (`_manifests/revisions`), tagged or not.
    /// Over the API only the tagged ones and what their indexes name are visible.
    pub revisions: BTreeSet<String>,
    /// Every blob digest the repository links (`_layers`); empty over the API.
    pub layers: BTreeSet<String>,
    /// Tags the registry lists but cannot resolve to a manifest (a damaged link, a digest
    /// the repository does not link), each with why: the registry answers an error for
    /// them, and the rest of the repository is served as usual.
    pub broken_tags: BTreeMap<String, String>,
    /// Revisions whose link cannot be read, each with why: the registry answers an error
    /// for them in this repository (`registry-storage:` only).
    pub broken_revisions: BTreeMap<String, String>,
    /// Blobs whose `_layers` link the registry cannot follow to a stored blob, each with why:
    /// it answers an error when an image of this repository is pulled (`registry-storage:`
    /// only).
    pub broken_layers: BTreeMap<String, String>,
}

/// A manifest as read: its size in bytes and what it says, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRecord {
    pub size: u64,
    pub parsed: Result<Manifest, String>,
}

/// Everything read from a registry, before it becomes a snapshot.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// `HOST[:PORT]` that names carry in front of the repository; `None` for a storage
    /// folder, whose names are `REPOSITORY:TAG`.
    pub host: Option<String>,
    /// Repository name → what it holds, in name order.
    pub repositories: BTreeMap<String, Repository>,
    /// Manifest digest → the manifest, for every manifest read.
    pub manifests: BTreeMap<String, ManifestRecord>,
    /// Config digest → the config, or why it could not be read.
    pub configs: BTreeMap<String, Result<ImageConfig, String>>,
    /// Blob digest → its size as stored, for every blob known to exist.
    pub blob_sizes: BTreeMap<String, u64>,
    /// True when `blob_sizes` lists every blob the registry has (a storage folder), so that
    /// a layer missing from it is missing from the registry; over the API layers are taken
    /// on the manifest's word and sized by its descriptors.
    pub blobs_listed: bool,
    /// Images of a registry cairn does not change (a storage folder) are read-only.
    pub read_only: bool,
}

impl Registry {
    /// Every name of each manifest: `[HOST/]REPOSITORY:TAG`, in repository then tag order.
    pub fn names(&self) -> BTreeMap<&str, Vec<String>> {
        let mut names: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (repository, repo) in &self.repositories {
            for (tag, digest) in &repo.tags {
                names
                    .entry(digest.as_str())
                    .or_default()
                    .push(self.name(repository, tag));
            }
        }
        names
    }

    /// The full name of a tag of a repository.
    pub fn name(&self, repository: &str, tag: &str) -> String {
        match &self.host {
            Some(host) => format!("{host}/{repository}:{tag}"),
            None => format!("{repository}:{tag}"),
        }
    }

    /// The repositories that link a manifest (by a revision or a tag).
    pub fn repositories_of(&self, digest: &str) -> Vec<&str> {
        self.repositories
            .iter()
            .filter(|(_, r)| r.revisions.contains(digest) || r.tags.values().any(|d| d == digest))
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Every manifest digest the registry refers to: read, tagged, linked as a revision or
    /// named by an index. Those not read become images with a problem.
    fn all_digests(&self) -> BTreeSet<&str> {
        let mut digests: BTreeSet<&str> = self.manifests.keys().map(String::as_str).collect();
        for repo in self.repositories.values() {
            digests.extend(repo.tags.values().map(String::as_str));
            digests.extend(repo.revisions.iter().map(String::as_str));
        }
        for record in self.manifests.values() {
            if let Ok(Manifest::Index(index)) = &record.parsed {
                digests.extend(index.manifests.iter().map(|m| m.digest.as_str()));
            }
        }
        digests
    }

    /// The model's snapshot of the registry (no containers), under the registry's rules.
    pub fn snapshot(&self) -> Snapshot {
        let names = self.names();
        let mut broken: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (repository, repo) in &self.repositories {
            for (digest, why) in &repo.broken_revisions {
                broken.entry(digest.as_str()).or_default().push(format!(
                    "revision {digest} of {repository}: {why} (the registry answers 500 for it)"
                ));
            }
        }
        let linked = self.linked_in();
        let mut images = Vec::new();
        let mut layers = Vec::new();
        let mut layer_ids = HashSet::new();
        for digest in self.all_digests() {
            let mut image = Image {
                id: hex(digest).to_string(),
                digest: Some(digest.to_string()),
                digests: vec![digest.to_string()],
                names: names.get(digest).cloned().unwrap_or_default(),
                read_only: self.read_only,
                ..Image::default()
            };
            match self.manifests.get(digest) {
                None => image
                    .problems
                    .push(format!("manifest {digest} is not in the registry")),
                Some(record) => {
                    image.big_data_size = record.size;
                    match &record.parsed {
                        Err(e) => image.problems.push(format!("manifest {digest}: {e}")),
                        Ok(Manifest::Schema1 { .. }) => image.problems.push(SCHEMA1_PROBLEM.into()),
                        Ok(Manifest::Index(index)) => {
                            image.manifest_list = true;
                            image.instances = index
                                .manifests
                                .iter()
                                .map(|m| Instance {
                                    id: hex(&m.digest).to_string(),
                                    platform: m.platform.clone(),
                                })
                                .collect();
                            image.base = base(&index.annotations);
                        }
                        Ok(Manifest::Image(manifest)) => {
                            self.fill_image(&mut image, manifest, &mut layers, &mut layer_ids);
                            let repositories = linked.get(digest).map_or(&[][..], Vec::as_slice);
                            self.check_served(&mut image, manifest, repositories);
                        }
                    }
                }
            }
            if let Some(problems) = broken.get(digest) {
                image.problems.extend(problems.iter().cloned());
            }
            images.push(image);
        }
        images.extend(self.broken_tag_images());
        // An index is as new as its newest platform image.
        let created: BTreeMap<String, jiff::Timestamp> = images
            .iter()
            .filter_map(|i| Some((i.id.clone(), i.created?)))
            .collect();
        for image in images.iter_mut().filter(|i| i.manifest_list) {
            image.created = image
                .instances
                .iter()
                .filter_map(|i| created.get(&i.id))
                .max()
                .copied();
        }
        Snapshot::new(images, layers, Vec::new()).with_rules(Rules::Registry)
    }

    /// One image per tag that names no manifest, so that the tag is listed with why, as the
    /// registry lists it: no manifest, no digest, read-only, and an ID made from the tag's
    /// name (the digest of `REPOSITORY:TAG`), since there is no content to name it by.
    fn broken_tag_images(&self) -> Vec<Image> {
        let mut images = Vec::new();
        for (repository, repo) in &self.repositories {
            for (tag, why) in &repo.broken_tags {
                let name = self.name(repository, tag);
                images.push(Image {
                    id: crate::digest::Digest::sha256_of(format!("{repository}:{tag}").as_bytes())
                        .hex()
                        .to_string(),
                    problems: vec![format!("tag {name}: {why}")],
                    names: vec![name],
                    read_only: true,
                    ..Image::default()
                });
            }
        }
        images
    }

    /// Manifest digest → the repositories that link it (by a revision or a tag), when the
    /// registry's links were read (a storage folder); empty over the API.
    fn linked_in(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut linked: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        if !self.blobs_listed {
            return linked;
        }
        for (name, repo) in &self.repositories {
            let digests: BTreeSet<&str> = repo
                .revisions
                .iter()
                .chain(repo.tags.values())
                .map(String::as_str)
                .collect();
            for digest in digests {
                linked.entry(digest).or_default().push(name.as_str());
            }
        }
        linked
    }

    /// The problems of pulling an image from the repositories that link it, as the registry
    /// serves its blobs: a stored blob the repository does not link, or links through a link
    /// the registry cannot follow, is refused; a layer stored with another size than its
    /// descriptor says (a truncated file) is served, and refused by every client.
    fn check_served(
        &self,
        image: &mut Image,
        manifest: &super::ImageManifest,
        repositories: &[&str],
    ) {
        let blobs = std::iter::once(&manifest.config).chain(&manifest.layers);
        for (i, blob) in blobs.enumerate() {
            let Some(&stored) = self.blob_sizes.get(&blob.digest) else {
                continue;
            };
            // A config is read, and its content checked (see `fill_image`); a layer is not.
            if i > 0 && stored != blob.size {
                image.problems.push(format!(
                    "blob {} is {stored} bytes in the registry, but its manifest says {}: it is damaged",
                    blob.digest, blob.size
                ));
            }
            for name in repositories {
                let Some(repo) = self.repositories.get(*name) else {
                    continue;
                };
                if let Some(why) = repo.broken_layers.get(&blob.digest) {
                    image.problems.push(why.clone());
                } else if !repo.layers.contains(&blob.digest) {
                    let link = blob.digest.replacen(':', "/", 1);
                    image.problems.push(format!(
                        "blob {} is not linked in {name}: the registry answers 404 BLOB_UNKNOWN for it (there is no repositories/{name}/_layers/{link}/link)",
                        blob.digest
                    ));
                }
            }
        }
    }

    /// An image manifest's config, layers and problems.
    fn fill_image(
        &self,
        image: &mut Image,
        manifest: &super::ImageManifest,
        layers: &mut Vec<Layer>,
        layer_ids: &mut HashSet<String>,
    ) {
        let digest = image.digest.clone().unwrap_or_default();
        image.base = base(&manifest.annotations);
        let config_size = self
            .blob_sizes
            .get(&manifest.config.digest)
            .copied()
            .unwrap_or(manifest.config.size);
        image.big_data_size = image.big_data_size.saturating_add(config_size);
        match self.configs.get(&manifest.config.digest) {
            None => image.problems.push(format!(
                "config {} is not in the registry",
                manifest.config.digest
            )),
            Some(Err(e)) => image
                .problems
                .push(format!("config {}: {e}", manifest.config.digest)),
            Some(Ok(config)) => {
                image.created = config.created;
                if config.diff_ids.len() != manifest.layers.len() {
                    image.problems.push(format!(
                        "manifest {digest} has {} layers but its config {} DiffIDs",
                        manifest.layers.len(),
                        config.diff_ids.len()
                    ));
                }
                image.config = Some(config.clone());
            }
        }
        let blobs: Vec<String> = manifest.layers.iter().map(|l| l.digest.clone()).collect();
        let chains = chain_ids(&blobs);
        for (i, (layer, chain)) in manifest.layers.iter().zip(&chains).enumerate() {
            let stored = self.blob_sizes.get(&layer.digest).copied();
            if self.blobs_listed && stored.is_none() {
                image.problems.push(format!(
                    "layer blob {} is not in the registry",
                    layer.digest
                ));
            }
            let id = hex(chain).to_string();
            if layer_ids.insert(id.clone()) {
                let diff_id = image
                    .config
                    .as_ref()
                    .and_then(|c| c.diff_ids.get(i))
                    .cloned();
                layers.push(Layer {
                    id,
                    parent: i.checked_sub(1).map(|p| hex(&chains[p]).to_string()),
                    created: image.created,
                    // What podman would call the layer's digest; the blob's when the config
                    // does not say, so that the layer is still counted.
                    diff_digest: diff_id.or_else(|| Some(layer.digest.clone())),
                    diff_size: Some(stored.unwrap_or(layer.size)),
                    blob: Some(layer.digest.clone()),
                    ..Layer::default()
                });
            }
        }
        image.top_layer = chains.last().map(|c| hex(c).to_string());
    }
}

/// The hex part of a digest (all of it when it has no algorithm).
fn hex(digest: &str) -> &str {
    digest.split_once(':').map_or(digest, |(_, hex)| hex)
}

fn base(annotations: &BTreeMap<String, String>) -> Option<BaseImage> {
    let field = |key: &str| annotations.get(key).filter(|v| !v.is_empty()).cloned();
    let base = BaseImage {
        digest: field(BASE_DIGEST),
        name: field(BASE_NAME),
    };
    (base.digest.is_some() || base.name.is_some()).then_some(base)
}

#[cfg(test)]
mod tests;
