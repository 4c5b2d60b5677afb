//! A removal plan as the remove and prune previews show it (groups of items in the order
//! they happen to the user) and as the status line sums it up once applied.

use crate::tui::action::Action;
use crate::tui::change::{Change, ChangeRequest};
use crate::tui::data::{NO_NAME, StoreData};
use crate::tui::mode::Mode;
use cairn_core::Rules;
use cairn_core::human::podman_size;
use cairn_core::image::short_id;
use cairn_core::removal::RemovalPlan;

/// A dialog that previews a removal plan as a tree under a few header lines (remove, prune):
/// what the preview's frame needs to draw and scroll it.
pub trait PlanPreview {
    /// Lines the preview shows above the plan.
    const HEADER_LINES: usize;
    /// The dialog's mode: the preview's footer shows its keys.
    const MODE: Mode;
    /// The plan's lines, and the first one on screen.
    fn plan_lines(&self) -> (&[PlanLine], usize);
}

/// Why a registry read from its storage folder takes no change.
const READ_ONLY_REGISTRY: &str = "Nothing was changed: a registry's storage is only read; --store registry:HOST applies the same requests";

/// Why a removal plan has nothing to apply, if it has not: asked on every frame a preview
/// is drawn (its footer offers the apply key or not), so it copies nothing.
pub(super) fn nothing_to_apply(plan: &RemovalPlan) -> Option<String> {
    if plan.registry.as_ref().is_some_and(|r| r.read_only) {
        return Some(READ_ONLY_REGISTRY.into());
    }
    if plan.is_empty() {
        return Some(match plan.errors.first() {
            Some(error) => format!("Nothing was changed: {}", error.message),
            None => "Nothing to remove".into(),
        });
    }
    None
}

/// A removal plan the user confirmed, or why there is nothing to apply.
pub(super) fn confirmed(
    change: Change,
    plan: &RemovalPlan,
    verb: &str,
) -> Result<ChangeRequest, String> {
    if let Some(why) = nothing_to_apply(plan) {
        return Err(why);
    }
    Ok(ChangeRequest {
        change,
        steps: plan.steps.clone(),
        blobs: plan.blobs.clone(),
        summary: removal_summary(verb, plan),
    })
}

/// "Removed 2 images, 3 layers; 12.3 kB reclaimed", with the names only untagged and the
/// containers removed when there are any.
pub fn removal_summary(verb: &str, plan: &RemovalPlan) -> String {
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    // A registry frees nothing yet: its collection does, later.
    if let Some(registry) = &plan.registry {
        let how = match registry.gc_exact {
            true => "frees",
            false => "frees at most",
        };
        return format!(
            "Deleted {} ({}); the next garbage collection {how} {}",
            count(registry.deletes.len(), "manifest"),
            count(plan.untagged.len(), "tag"),
            podman_size(plan.reclaimed_bytes)
        );
    }
    let mut parts = Vec::new();
    if !plan.records_deleted.is_empty() {
        parts.push(count(plan.records_deleted.len(), "image"));
    }
    if !plan.layers.is_empty() {
        parts.push(count(plan.layers.len(), "layer"));
    }
    if !plan.blobs.is_empty() {
        parts.push(count(plan.blobs.len(), "blob"));
    }
    if !plan.containers.is_empty() {
        parts.push(count(plan.containers.len(), "container"));
    }
    let mut text = if parts.is_empty() {
        format!("Untagged {}", plan.untagged.join(", "))
    } else {
        format!(
            "{verb} {}; {} reclaimed",
            parts.join(", "),
            podman_size(plan.reclaimed_bytes)
        )
    };
    if !plan.errors.is_empty() {
        text.push_str(&format!("; {} blocked", plan.errors.len()));
    }
    text
}

/// How a line of the plan tree is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A group: "Deleted images (2)".
    Group,
    /// One thing in a group, drawn under it with a tree branch.
    Item { last: bool },
    /// A reason the plan cannot do something.
    Blocked,
    /// What the plan does not do although it could seem to (a registry frees nothing until
    /// its garbage collection runs).
    Note,
    /// The bytes the whole plan frees.
    Total,
    /// The plan is being made on the planner thread.
    Planning,
    /// A plan with nothing to apply: the switches whose keys would make it possible (the
    /// text says how they would be set, the note what the plan would then do), or none.
    Unblock(&'static [Action]),
}

/// The switches a dialog tries, one at a time and then together, when its plan has nothing
/// to apply.
pub type Switches = &'static [&'static [Action]];

/// Adds to `tree` what would let a plan with nothing to apply be applied: the first of the
/// `switches` (each a set of toggles) for which `plan_with` gives steps, told by `describe`
/// ("force on"), with what the plan would then do; or that no switch helps.
pub(super) fn add_unblock(
    tree: &mut Vec<PlanLine>,
    plan: &RemovalPlan,
    switches: Switches,
    plan_with: impl Fn(&[Action]) -> RemovalPlan,
    describe: impl Fn(&[Action]) -> String,
    verb: &str,
) {
    if !plan.is_empty() {
        return;
    }
    let line = switches
        .iter()
        .find_map(|toggles| {
            let other = plan_with(toggles);
            (!other.is_empty()).then(|| PlanLine {
                kind: LineKind::Unblock(toggles),
                text: describe(toggles),
                note: removal_summary(verb, &other),
            })
        })
        .unwrap_or(PlanLine {
            kind: LineKind::Unblock(&[]),
            text: String::new(),
            note: String::new(),
        });
    // Before the total, after what blocks it.
    let at = tree.len().saturating_sub(1);
    tree.insert(at, line);
}

/// Lines of one group: its title, then its items under it.
fn group_lines(lines: &mut Vec<PlanLine>, title: String, items: Vec<(String, String)>) {
    lines.push(PlanLine {
        kind: LineKind::Group,
        text: title,
        note: String::new(),
    });
    let count = items.len();
    for (i, (text, note)) in items.into_iter().enumerate() {
        lines.push(PlanLine {
            kind: LineKind::Item {
                last: i + 1 == count,
            },
            text,
            note,
        });
    }
}

/// What blocks the plan, one line each.
fn blocked_lines(lines: &mut Vec<PlanLine>, plan: &RemovalPlan) {
    for error in &plan.errors {
        lines.push(PlanLine {
            kind: LineKind::Blocked,
            text: format!("Blocked: {}", error.message),
            note: String::new(),
        });
    }
}

/// A digest as the previews show it: `sha256:` and the short ID.
fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((algorithm, hex)) => format!("{algorithm}:{}", short_id(hex)),
        None => short_id(digest).to_string(),
    }
}

/// A registry's removal: every tag that goes, the manifests deleted from each repository,
/// the tags that stay elsewhere, the platform images of deleted indexes, the blobs the
/// next garbage collection frees (exactly, or at most), what blocks it, what it does not do,
/// and the total. The same plan `cairn rm --dry-run` prints.
fn registry_tree(store: &StoreData, plan: &RemovalPlan) -> Vec<PlanLine> {
    let snapshot = &store.catalog.snapshot;
    let preview = plan.registry.clone().unwrap_or_default();
    let mut lines = Vec::new();
    group_lines(
        &mut lines,
        format!("Untagged ({})", plan.untagged.len()),
        plan.untagged
            .iter()
            .map(|n| (n.clone(), String::new()))
            .collect(),
    );
    group_lines(
        &mut lines,
        format!("Manifests deleted ({})", preview.deletes.len()),
        preview
            .deletes
            .iter()
            .map(|d| {
                let hex = d
                    .digest
                    .split_once(':')
                    .map_or(d.digest.as_str(), |(_, h)| h);
                let label = snapshot
                    .image_by_id(hex)
                    .map(|i| store.facts.label(&store.catalog, i))
                    .unwrap_or_default();
                (
                    format!("{}@{}", d.repository, short_digest(&d.digest)),
                    label,
                )
            })
            .collect(),
    );
    if !preview.tags_kept.is_empty() {
        group_lines(
            &mut lines,
            format!(
                "Still tagged ({}): their repositories keep the manifest",
                preview.tags_kept.len()
            ),
            preview
                .tags_kept
                .iter()
                .map(|n| (n.clone(), String::new()))
                .collect(),
        );
    }
    if !preview.index_children.is_empty() {
        group_lines(
            &mut lines,
            format!(
                "Platform images of the index ({})",
                preview.index_children.len()
            ),
            preview
                .index_children
                .iter()
                .map(|c| {
                    let fate = match &c.kept_because {
                        None => "deleted after the index".to_string(),
                        Some(why) => format!("kept: {why}"),
                    };
                    (format!("{} {}", short_digest(&c.digest), c.platform), fate)
                })
                .collect(),
        );
    }
    let bytes = plan
        .blobs
        .iter()
        .map(|b| b.size)
        .fold(0, u64::saturating_add);
    let how = match preview.gc_exact {
        true => "exactly",
        false => "at most",
    };
    group_lines(
        &mut lines,
        format!(
            "Blobs the next garbage collection frees, {how} ({}) · {}",
            plan.blobs.len(),
            podman_size(bytes)
        ),
        plan.blobs
            .iter()
            .map(|b| (short_digest(&b.digest), podman_size(b.size)))
            .collect(),
    );
    blocked_lines(&mut lines, plan);
    for warning in &plan.warnings {
        lines.push(PlanLine {
            kind: LineKind::Note,
            text: warning.clone(),
            note: String::new(),
        });
    }
    if let Some(already) = preview.unreferenced_already.filter(|u| u.blobs > 0) {
        lines.push(PlanLine {
            kind: LineKind::Note,
            text: format!(
                "The collection also deletes {} blob{} ({}) nothing references now (cairn gc --dry-run lists them)",
                already.blobs,
                if already.blobs == 1 { "" } else { "s" },
                podman_size(already.bytes)
            ),
            note: String::new(),
        });
    }
    lines.push(PlanLine {
        kind: LineKind::Total,
        text: format!(
            "Reclaims {how} {} at the next garbage collection",
            podman_size(plan.reclaimed_bytes)
        ),
        note: format!("({} bytes)", plan.reclaimed_bytes),
    });
    lines
}

/// One line of a plan shown as a tree. The text is store text: the view sanitizes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub kind: LineKind,
    pub text: String,
    /// Dim text after the main text: an ID or a size.
    pub note: String,
}

/// The plan as groups of items, in the order they happen to the user: names, images,
/// layers, containers, then what is blocked and the total.
pub fn plan_tree(store: &StoreData, plan: &RemovalPlan) -> Vec<PlanLine> {
    if store.catalog.snapshot.rules == Rules::Registry {
        return registry_tree(store, plan);
    }
    let catalog = &store.catalog;
    let snapshot = &catalog.snapshot;
    let mut lines = Vec::new();
    let mut group =
        |title: String, items: Vec<(String, String)>| group_lines(&mut lines, title, items);
    group(
        format!("Untagged ({})", plan.untagged.len()),
        plan.untagged
            .iter()
            .map(|n| (n.clone(), String::new()))
            .collect(),
    );
    group(
        format!("Deleted images ({})", plan.records_deleted.len()),
        plan.records_deleted
            .iter()
            .map(|id| {
                // The name is gone by then: the list's label is what the user knows it by.
                let label = snapshot
                    .image_by_id(id)
                    .and_then(|i| store.facts.names.get(i).cloned())
                    .unwrap_or_else(|| NO_NAME.to_string());
                (label, short_id(id).to_string())
            })
            .collect(),
    );
    match store.deletes_blobs() {
        // A layout deletes files, not layer records or containers: the blobs no descriptor
        // reaches any more.
        true => {
            let bytes = plan
                .blobs
                .iter()
                .map(|b| b.size)
                .fold(0, u64::saturating_add);
            group(
                format!("Blobs ({}) · {}", plan.blobs.len(), podman_size(bytes)),
                plan.blobs
                    .iter()
                    .map(|b| {
                        let hex = b
                            .digest
                            .split_once(':')
                            .map_or(b.digest.as_str(), |(_, h)| h);
                        (short_id(hex).to_string(), podman_size(b.size))
                    })
                    .collect(),
            );
        }
        false => {
            let size = |id: &String| {
                snapshot
                    .layer_by_id(id)
                    .and_then(|l| snapshot.layers[l].diff_size)
            };
            let layer_bytes = plan
                .layers
                .iter()
                .filter_map(size)
                .fold(0, u64::saturating_add);
            group(
                format!(
                    "Layers ({}) · {}",
                    plan.layers.len(),
                    podman_size(layer_bytes)
                ),
                plan.layers
                    .iter()
                    .map(|id| {
                        let size = size(id).map(podman_size).unwrap_or_default();
                        (short_id(id).to_string(), size)
                    })
                    .collect(),
            );
            // Docker never removes containers: a forced removal leaves them on a bare ID.
            if snapshot.rules != Rules::Docker {
                group(
                    format!("Containers ({})", plan.containers.len()),
                    plan.containers
                        .iter()
                        .map(|id| {
                            let names = snapshot
                                .containers
                                .iter()
                                .find(|c| c.id == *id)
                                .map(|c| c.names.join(", "))
                                .unwrap_or_default();
                            (short_id(id).to_string(), names)
                        })
                        .collect(),
                );
            }
        }
    }
    blocked_lines(&mut lines, plan);
    for warning in &plan.warnings {
        lines.push(PlanLine {
            kind: LineKind::Blocked,
            text: format!("Kept: {warning}"),
            note: String::new(),
        });
    }
    lines.push(PlanLine {
        kind: LineKind::Total,
        text: format!("Reclaims {}", podman_size(plan.reclaimed_bytes)),
        note: format!("({} bytes)", plan.reclaimed_bytes),
    });
    lines
}
