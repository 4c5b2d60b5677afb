//! What a change does to a layout, worked out without touching it: the new `index.json`
//! entries and the blobs no longer reachable. The steps come from the same planners as for
//! containers-storage (podman's rules decide *what* happens); this module decides how a
//! layout expresses it:
//!
//! - **tag**: a new descriptor, a copy of the image's own, annotated with the name; any
//!   other descriptor with that name loses it, as `umoci tag` replaces every descriptor of
//!   that name (and skopeo resolves a name to its first descriptor, so there must be one).
//! - **untag**: the descriptor with that name goes; when it is the image's last one it stays
//!   without its name, so the image is left untagged rather than deleted, as in podman.
//! - **remove**: every descriptor of the image goes, then every blob that no remaining
//!   descriptor reaches, as `umoci gc` does (stray blobs that were already unreachable go too).
//!
//! Every change, tag and untag included, then collects what no descriptor reaches, and its
//! plan lists each blob that goes: what is previewed is what happens. `umoci gc` refuses to
//! collect anything when a manifest or index reached from `index.json` cannot be read, since
//! what it refers to is unknown; so does cairn, with a warning in the plan, while the change
//! to `index.json` itself goes ahead (as `umoci rm` works where `umoci gc` refuses).

use super::layout::LayoutContents;
use cairn_core::Snapshot;
use cairn_core::removal::{Blob, ErrorKind, PlanError, RemovalPlan, Step};
use cairn_core::tagging::NamesPlan;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// One `index.json` descriptor and the image it stands for.
#[derive(Debug, Clone)]
struct Entry {
    value: Value,
    image: String,
}

impl Entry {
    fn name(&self) -> Option<&str> {
        let annotations = self.value.get("annotations")?;
        annotations
            .get(CONTAINERD_NAME)
            .or_else(|| annotations.get(REF_NAME))
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
    }

    fn strip_name(&mut self) {
        if let Some(annotations) = self
            .value
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove(REF_NAME);
            annotations.remove(CONTAINERD_NAME);
            if annotations.is_empty() {
                self.value.as_object_mut().map(|d| d.remove("annotations"));
            }
        }
    }
}

/// The layout after the change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutPlan {
    /// The new `manifests` of `index.json`.
    #[serde(skip)]
    pub manifests: Vec<Value>,
    /// Blobs to delete, in name order.
    pub removed_blobs: Vec<Blob>,
    pub removed_bytes: u64,
    /// Why blobs no descriptor reaches are kept all the same.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Every digest a remaining descriptor reaches: an image whose manifest is not among
    /// them is gone, whether its blobs are collected or kept.
    #[serde(skip)]
    pub reachable: BTreeSet<String>,
}

/// Why a step cannot be done on a layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutPlanError {
    #[error("image {image} is a platform instance of the manifest list {list}: remove the list")]
    Instance { image: String, list: String },
    #[error("image {0} is not in index.json")]
    NotListed(String),
    #[error("an OCI layout has no containers")]
    Container,
    #[error("a Docker Engine step cannot change an OCI layout")]
    Foreign,
    #[error("index.json changed while it was read: try again")]
    Mismatch,
    /// The layout leads outside its folder, or names blobs by what is no digest.
    #[error("{0}")]
    Refused(String),
}

/// What a change on a layout needs beyond the model: the layout as read (its images and
/// layers are in the snapshot; what stays here is `index.json` and the blob graph) and every
/// blob file with its size. Read together with the snapshot, so that a preview, in the
/// browser too, needs no further reading.
#[derive(Debug, Clone, Default)]
pub struct LayoutIndex {
    pub contents: LayoutContents,
    /// Every blob file, as `<alg>:<name>`, with its size.
    pub blobs: Vec<(String, u64)>,
    /// Why the layout must not be changed at all (a link or a name that could lead outside
    /// it), as one line naming the path.
    pub refusal: Option<String>,
}

/// Applies `steps` to the descriptors of `index.json` and finds the blobs that no remaining
/// descriptor reaches.
pub fn plan_layout_change(
    index: &LayoutIndex,
    steps: &[Step],
) -> Result<LayoutPlan, LayoutPlanError> {
    let contents = &index.contents;
    if let Some(refusal) = &index.refusal {
        return Err(LayoutPlanError::Refused(refusal.clone()));
    }
    if contents.manifests.len() != contents.top.len() {
        return Err(LayoutPlanError::Mismatch);
    }
    let mut entries: Vec<Entry> = contents
        .manifests
        .iter()
        .zip(&contents.top)
        .map(|(value, top)| Entry {
            value: value.clone(),
            image: top.image.clone(),
        })
        .collect();
    let deleted: BTreeSet<&str> = steps
        .iter()
        .filter_map(|step| match step {
            Step::DeleteImage { image, .. } => Some(image.as_str()),
            _ => None,
        })
        .collect();
    for step in steps {
        match step {
            Step::SetNames { image, names, .. } => set_names(&mut entries, contents, image, names)?,
            Step::DeleteImage { image, .. } => {
                // A platform instance goes with its list when the list goes too (`prune -a`).
                let with_list = contents
                    .instance_of
                    .get(image)
                    .is_some_and(|list| deleted.contains(list.as_str()));
                if !with_list {
                    listed(&entries, contents, image)?;
                }
                entries.retain(|e| &e.image != image);
            }
            Step::DeleteContainer { .. } => return Err(LayoutPlanError::Container),
            Step::DockerUntag { .. }
            | Step::DockerDelete { .. }
            | Step::DockerTag { .. }
            | Step::Registry(_)
            | Step::DeleteLayer { .. } => {
                return Err(LayoutPlanError::Foreign);
            }
        }
    }
    let reachable: BTreeSet<String> = reachable(&entries, &contents.edges)
        .into_iter()
        .map(String::from)
        .collect();
    let warnings: Vec<String> = contents
        .unreadable
        .iter()
        .filter(|(digest, _)| reachable.contains(digest.as_str()))
        .map(|(digest, why)| {
            format!(
                "no blob is deleted: {digest} cannot be read ({why}), so what it refers to is unknown (umoci gc refuses such a layout too)"
            )
        })
        .collect();
    let removed_blobs: Vec<Blob> = match warnings.is_empty() {
        false => Vec::new(),
        true => index
            .blobs
            .iter()
            .filter(|(digest, _)| crate::digest::Digest::parse(digest).is_ok())
            .filter(|(digest, _)| !reachable.contains(digest.as_str()))
            .map(|(digest, size)| Blob {
                digest: digest.clone(),
                size: *size,
            })
            .collect(),
    };
    Ok(LayoutPlan {
        manifests: entries.into_iter().map(|e| e.value).collect(),
        removed_bytes: removed_blobs
            .iter()
            .fold(0, |sum: u64, b| sum.saturating_add(b.size)),
        removed_blobs,
        warnings,
        reachable,
    })
}

/// Why a layout whose descriptors name blobs by what is no digest is refused for changes:
/// such a name, made into a path, could lead outside the layout, and no tool could collect
/// the layout's garbage safely. `None` when every name is a digest.
pub fn invalid_digest(contents: &LayoutContents, root: &std::path::Path) -> Option<String> {
    let top = contents
        .manifests
        .iter()
        .filter_map(|d| d.get("digest").and_then(Value::as_str))
        .map(|digest| ("index.json".to_string(), digest));
    let nested = contents.edges.iter().flat_map(|(parent, children)| {
        children
            .iter()
            .map(move |digest| (format!("blob {parent}"), digest.as_str()))
    });
    let (named_by, digest) = top
        .chain(nested)
        .find(|(_, digest)| crate::digest::Digest::parse(digest).is_err())?;
    let path = match digest.split_once(':') {
        Some((alg, hex)) => root.join("blobs").join(alg).join(hex),
        None => root.join("blobs").join(digest),
    };
    Some(format!(
        "refusing to change the layout {}: {named_by} names the blob {digest:?}, which is not a valid digest (as the path {} it could lead outside the layout)",
        root.display(),
        path.display()
    ))
}

/// Tells a tag or untag in the layout's terms: the blobs it deletes and why some are kept;
/// a change the layout cannot make is blocked whole.
pub fn refine_names(index: &LayoutIndex, plan: &mut NamesPlan) {
    // Nothing is applied without steps, so nothing is collected either.
    if plan.steps.is_empty() {
        return;
    }
    match plan_layout_change(index, &plan.steps) {
        Ok(layout) => {
            plan.blobs = layout.removed_blobs;
            plan.warnings = layout.warnings;
        }
        Err(e) => {
            plan.errors.push(e.to_string());
            plan.steps.clear();
            plan.tagged.clear();
            plan.untagged.clear();
        }
    }
}

/// Tells a removal planned by the model in the layout's terms. A layout has no layer
/// records: what goes is blobs, and an image goes when no descriptor reaches its manifest
/// any more (a list's platform images go with the list). So the blobs, their bytes and the
/// images whose manifests become unreachable replace the model's layers and sizes. A plan
/// the layout cannot express is blocked whole.
pub fn refine_removal(index: &LayoutIndex, snapshot: &Snapshot, plan: &mut RemovalPlan) {
    // Nothing is applied without steps, so nothing is collected either.
    if plan.steps.is_empty() {
        return;
    }
    let layout = match plan_layout_change(index, &plan.steps) {
        Ok(layout) => layout,
        Err(e) => {
            // Blocked whole: nothing of it happens, so nothing of it is shown as happening.
            let mut errors = std::mem::take(&mut plan.errors);
            errors.push(PlanError {
                reference: String::new(),
                message: e.to_string(),
                kind: ErrorKind::Other,
            });
            *plan = RemovalPlan {
                errors,
                silenced: std::mem::take(&mut plan.silenced),
                rules: plan.rules,
                forced: plan.forced,
                ..RemovalPlan::default()
            };
            return;
        }
    };
    let removed = |image: &cairn_core::Image| {
        !image.digests.is_empty() && image.digests.iter().all(|d| !layout.reachable.contains(d))
    };
    let mut deleted: Vec<String> = plan
        .records_deleted
        .iter()
        .filter(|id| {
            snapshot
                .image_by_id(id)
                .is_some_and(|i| removed(&snapshot.images[i]))
        })
        .cloned()
        .collect();
    for image in &snapshot.images {
        if removed(image) && !deleted.contains(&image.id) {
            deleted.push(image.id.clone());
        }
    }
    plan.deleted = deleted.clone();
    plan.records_deleted = deleted;
    plan.layers.clear();
    plan.reclaimed_bytes = layout.removed_bytes;
    plan.blobs = layout.removed_blobs;
    plan.warnings = layout.warnings;
}

/// The image must have a descriptor of its own in `index.json` to be changed there.
fn listed(
    entries: &[Entry],
    contents: &LayoutContents,
    image: &str,
) -> Result<(), LayoutPlanError> {
    if entries.iter().any(|e| e.image == image) {
        return Ok(());
    }
    match contents.instance_of.get(image) {
        Some(list) => Err(LayoutPlanError::Instance {
            image: image.to_string(),
            list: list.clone(),
        }),
        None => Err(LayoutPlanError::NotListed(image.to_string())),
    }
}

/// Gives `image` exactly `names`, with the tag and untag rules of the module comment.
fn set_names(
    entries: &mut Vec<Entry>,
    contents: &LayoutContents,
    image: &str,
    names: &[String],
) -> Result<(), LayoutPlanError> {
    listed(entries, contents, image)?;
    // Untag: names the image loses.
    let lost: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].image == image)
        .filter(|&i| {
            entries[i]
                .name()
                .is_some_and(|n| !names.iter().any(|k| k == n))
        })
        .collect();
    remove_names(entries, &lost);
    // Tag: names it gains, taken from whichever descriptor had them.
    for name in names {
        let has = entries
            .iter()
            .any(|e| e.image == image && e.name() == Some(name.as_str()));
        if has {
            continue;
        }
        let elsewhere: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].name() == Some(name.as_str()))
            .collect();
        remove_names(entries, &elsewhere);
        let template = entries
            .iter()
            .find(|e| e.image == image)
            .map(|e| e.value.clone())
            .unwrap_or(Value::Null);
        let mut value = template;
        if let Some(d) = value.as_object_mut() {
            d.remove("annotations");
            let mut annotations = serde_json::Map::new();
            annotations.insert(REF_NAME.into(), Value::String(name.clone()));
            d.insert("annotations".into(), Value::Object(annotations));
        }
        // A nameless descriptor of the image takes the name instead of a new one.
        match entries
            .iter()
            .position(|e| e.image == image && e.name().is_none())
        {
            Some(i) => entries[i].value = value,
            None => entries.push(Entry {
                value,
                image: image.to_string(),
            }),
        }
    }
    Ok(())
}

/// Takes the names off these descriptors: each goes, unless it is the last of its image.
fn remove_names(entries: &mut Vec<Entry>, which: &[usize]) {
    let mut drop = BTreeSet::new();
    for &i in which {
        let others = (0..entries.len())
            .filter(|&j| j != i && !drop.contains(&j) && entries[j].image == entries[i].image)
            .count();
        if others > 0 {
            drop.insert(i);
        } else {
            entries[i].strip_name();
        }
    }
    let mut index = 0;
    entries.retain(|_| {
        let keep = !drop.contains(&index);
        index += 1;
        keep
    });
}

/// Every blob reachable from the descriptors, through manifests and indexes.
fn reachable<'a>(
    entries: &'a [Entry],
    edges: &'a BTreeMap<String, Vec<String>>,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut queue: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.value.get("digest").and_then(Value::as_str))
        .collect();
    while let Some(digest) = queue.pop() {
        if seen.insert(digest) {
            queue.extend(edges.get(digest).into_iter().flatten().map(String::as_str));
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::layout::TopEntry;

    fn digest(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    /// Image `a` (manifest a → config c, layer l) named `a:1`, image `b` (manifest b, which
    /// `unreadable_b` makes unreadable) named `b:1`, and a stray blob s.
    fn layout(unreadable_b: bool) -> LayoutIndex {
        let descriptor = |c: char, name: &str| {
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest(c),
                "size": 1,
                "annotations": {REF_NAME: name}
            })
        };
        let mut contents = LayoutContents {
            manifests: vec![descriptor('a', "a:1"), descriptor('b', "b:1")],
            top: vec![
                TopEntry {
                    digest: digest('a'),
                    name: Some("a:1".into()),
                    image: "A".into(),
                },
                TopEntry {
                    digest: digest('b'),
                    name: Some("b:1".into()),
                    image: "B".into(),
                },
            ],
            ..LayoutContents::default()
        };
        contents
            .edges
            .insert(digest('a'), vec![digest('c'), digest('1')]);
        if unreadable_b {
            contents
                .unreadable
                .insert(digest('b'), "parsing blob: not JSON".into());
        } else {
            contents.edges.insert(digest('b'), vec![digest('2')]);
        }
        // In name order, as the layout lists them.
        let blobs = ['1', '2', 'a', 'b', 'c', 'e']
            .into_iter()
            .map(|c| (digest(c), 10))
            .collect();
        LayoutIndex {
            contents,
            blobs,
            refusal: None,
        }
    }

    fn delete(image: &str) -> Step {
        Step::DeleteImage {
            image: image.into(),
            layers: Vec::new(),
        }
    }

    fn rename(image: &str, names: &[&str]) -> Step {
        Step::SetNames {
            image: image.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            taken_from: Vec::new(),
        }
    }

    fn removed(plan: &LayoutPlan) -> Vec<String> {
        plan.removed_blobs
            .iter()
            .map(|b| b.digest.clone())
            .collect()
    }

    #[test]
    fn a_removal_collects_its_blobs_and_the_stray_ones() {
        let plan = plan_layout_change(&layout(false), &[delete("A")]).unwrap();
        assert_eq!(
            removed(&plan),
            [digest('1'), digest('a'), digest('c'), digest('e')]
        );
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn a_tag_collects_the_stray_blobs_and_lists_them() {
        let mut names = NamesPlan {
            steps: vec![rename("A", &["a:1", "a:2"])],
            ..NamesPlan::default()
        };
        refine_names(&layout(false), &mut names);
        let listed: Vec<&str> = names.blobs.iter().map(|b| b.digest.as_str()).collect();
        assert_eq!(listed, [digest('e')]);
    }

    #[test]
    fn no_blob_is_collected_while_a_named_manifest_cannot_be_read() {
        for steps in [vec![delete("A")], vec![rename("A", &["a:2"])]] {
            let plan = plan_layout_change(&layout(true), &steps).unwrap();
            assert!(plan.removed_blobs.is_empty(), "{steps:?}");
            assert_eq!(plan.warnings.len(), 1);
            assert!(
                plan.warnings[0].contains(&digest('b')),
                "{:?}",
                plan.warnings
            );
            assert_ne!(
                plan.manifests,
                layout(true).contents.manifests,
                "still applied"
            );
        }
    }

    /// As `umoci gc` after `umoci rm`: once the unreadable manifest is no longer named, the
    /// walk from what remains succeeds, and what it does not reach goes.
    #[test]
    fn an_unreadable_manifest_that_is_removed_no_longer_stops_collection() {
        let plan = plan_layout_change(&layout(true), &[delete("B")]).unwrap();
        assert!(plan.warnings.is_empty());
        assert_eq!(removed(&plan), [digest('2'), digest('b'), digest('e')]);
    }

    #[test]
    fn a_plan_without_steps_collects_nothing() {
        let mut names = NamesPlan::default();
        refine_names(&layout(false), &mut names);
        assert!(names.blobs.is_empty());
        let snapshot = Snapshot::default();
        let mut removal = RemovalPlan::default();
        refine_removal(&layout(false), &snapshot, &mut removal);
        assert!(removal.blobs.is_empty());
    }

    #[test]
    fn a_layout_refused_for_changes_blocks_every_plan_whole() {
        let mut index = layout(false);
        index.refusal = Some("refusing to change the layout /l: /l/blobs is a link".into());
        let mut names = NamesPlan {
            tagged: vec!["a:2".into()],
            steps: vec![rename("A", &["a:1", "a:2"])],
            ..NamesPlan::default()
        };
        refine_names(&index, &mut names);
        assert!(names.steps.is_empty() && names.tagged.is_empty() && names.blobs.is_empty());
        assert_eq!(names.errors, [index.refusal.clone().unwrap()]);
        let mut removal = RemovalPlan {
            untagged: vec!["a:1".into()],
            steps: vec![delete("A")],
            ..RemovalPlan::default()
        };
        refine_removal(&index, &Snapshot::default(), &mut removal);
        assert!(removal.steps.is_empty() && removal.untagged.is_empty());
        assert_eq!(removal.errors.len(), 1);
    }

    #[test]
    fn a_descriptor_naming_no_digest_refuses_the_layout_with_its_path() {
        let mut index = layout(false);
        index.contents.edges.insert(
            digest('a'),
            vec![digest('c'), "sha256:../../../etc/passwd".into()],
        );
        let refusal = invalid_digest(&index.contents, std::path::Path::new("/l")).expect("refused");
        assert!(
            refusal.contains("/l/blobs/sha256/../../../etc/passwd"),
            "{refusal}"
        );
        assert!(invalid_digest(&layout(false).contents, std::path::Path::new("/l")).is_none());
    }
}
