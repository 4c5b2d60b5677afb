//! The dialogs that change the store: tag, untag, remove and prune. Each holds what the user
//! chose and the plan that choice gives on the catalog in memory; planning is pure and fast,
//! so every keystroke and toggle plans again. Only a confirmed plan leaves the dialog, as a
//! [`ChangeRequest`] for the worker, which plans once more under the store's locks and
//! applies only if nothing moved (see `cairn_store::containers_storage::writer::apply`).

use super::data::{NO_NAME, StoreData};
use cairn_core::Catalog;
use cairn_core::Rules;
use cairn_core::human::podman_size;
use cairn_core::image::short_id;
use cairn_core::reference::{docker_familiar, is_ref_name, normalize};
use cairn_core::removal::{Blob, RemovalPlan, RemoveOptions, Step, Target, plan_removal};
use cairn_core::tagging::{NamesPlan, plan_tag, plan_untag};
use tui_input::{Input, InputRequest};

/// The overlays drawn over the panes.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Help,
    Tag(TagDialog),
    Untag(UntagDialog),
    Remove(RemoveDialog),
    Prune(PruneDialog),
}

/// The image a dialog acts on: its ID (stable across reloads) and the name the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub id: String,
    pub label: String,
}

impl Subject {
    pub fn new(store: &StoreData, image: usize) -> Self {
        Subject {
            id: store.catalog.snapshot.images[image].id.clone(),
            label: store.facts.label(&store.catalog, image),
        }
    }
}

/// What the tag field's text is, checked with podman's normalization on every keystroke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameCheck {
    Empty,
    /// The full name the image would get.
    Valid(String),
    Invalid(String),
}

impl NameCheck {
    /// Checks the text under the store's rules: podman's normalization, or for an OCI
    /// layout the image-spec's ref name grammar (the name is written as typed).
    pub fn of(text: &str, rules: Rules) -> Self {
        let text = text.trim();
        if text.is_empty() {
            return NameCheck::Empty;
        }
        if text.starts_with("sha256:") {
            return NameCheck::Invalid("tag by digest not supported".into());
        }
        if rules == Rules::Docker {
            return match docker_familiar(text) {
                Ok(name) if name.contains('@') => {
                    NameCheck::Invalid("tag by digest not supported".into())
                }
                Ok(name) => NameCheck::Valid(name),
                Err(cairn_core::reference::NameError::Invalid { reason, .. }) => {
                    NameCheck::Invalid(reason)
                }
            };
        }
        if rules == Rules::Layout {
            return match is_ref_name(text) {
                true => NameCheck::Valid(text.to_string()),
                false => NameCheck::Invalid(
                    "not an OCI ref name (letters and digits joined by -._:@+)".into(),
                ),
            };
        }
        match normalize(text) {
            Ok(name) if name.digest.is_some() => {
                NameCheck::Invalid("tag by digest not supported".into())
            }
            Ok(name) => NameCheck::Valid(name.to_string_full()),
            // The error repeats the name; the field already shows it.
            Err(cairn_core::reference::NameError::Invalid { reason, .. }) => {
                NameCheck::Invalid(reason)
            }
        }
    }
}

/// `t`: a name typed for the selected image.
#[derive(Debug, Clone)]
pub struct TagDialog {
    pub subject: Subject,
    pub input: Input,
    pub check: NameCheck,
    /// The plan for the name, when it is valid.
    pub plan: Option<NamesPlan>,
    /// Names the image would take from other images, with the image's label.
    pub moves: Vec<(String, String)>,
    /// The image already has the name.
    pub already: bool,
}

impl PartialEq for TagDialog {
    fn eq(&self, other: &Self) -> bool {
        self.subject == other.subject
            && self.input.value() == other.input.value()
            && self.input.cursor() == other.input.cursor()
            && self.plan == other.plan
    }
}

impl TagDialog {
    pub fn new(store: &StoreData, subject: Subject, text: &str) -> Self {
        let mut dialog = TagDialog {
            subject,
            input: Input::new(text.to_string()),
            check: NameCheck::Empty,
            plan: None,
            moves: Vec::new(),
            already: false,
        };
        dialog.replan(store);
        dialog
    }

    pub fn edit(&mut self, store: &StoreData, request: InputRequest) {
        if self.input.handle(request).is_some_and(|c| c.value) {
            self.replan(store);
        }
    }

    pub fn replan(&mut self, store: &StoreData) {
        let catalog = &store.catalog;
        self.check = NameCheck::of(self.input.value(), catalog.snapshot.rules);
        self.moves.clear();
        self.already = false;
        self.plan = match &self.check {
            NameCheck::Valid(name) => {
                let plan = store.plan_names(plan_tag(
                    catalog,
                    &self.subject.id,
                    std::slice::from_ref(name),
                ));
                for moved in &plan.untagged {
                    let holder = catalog
                        .snapshot
                        .images
                        .iter()
                        .position(|i| i.names.contains(moved));
                    if let Some(holder) = holder {
                        let label = store.facts.label(catalog, holder);
                        self.moves.push((moved.clone(), label));
                    }
                }
                self.already = catalog
                    .snapshot
                    .image_by_id(&self.subject.id)
                    .is_some_and(|i| catalog.snapshot.images[i].names.contains(name));
                Some(plan)
            }
            _ => None,
        };
    }

    /// The change to apply, when the name is valid and the plan has no error.
    pub fn change(&self) -> Result<ChangeRequest, String> {
        let (NameCheck::Valid(name), Some(plan)) = (&self.check, &self.plan) else {
            return Err(match &self.check {
                NameCheck::Invalid(reason) => format!("not a valid name: {reason}"),
                _ => "type a name first".into(),
            });
        };
        if let Some(error) = plan.errors.first() {
            return Err(error.clone());
        }
        if self.already {
            return Err(format!(
                "{} already has the name {name}",
                self.subject.label
            ));
        }
        Ok(ChangeRequest {
            change: Change::Tag {
                image: self.subject.id.clone(),
                name: name.clone(),
            },
            steps: plan.steps.clone(),
            blobs: plan.blobs.clone(),
            summary: format!("Tagged {name}"),
        })
    }
}

/// `u`: one of the image's names to remove.
#[derive(Debug, Clone, PartialEq)]
pub struct UntagDialog {
    pub subject: Subject,
    pub names: Vec<String>,
    pub selected: usize,
    pub plan: NamesPlan,
}

impl UntagDialog {
    pub fn new(store: &StoreData, subject: Subject, selected: Option<&str>) -> Self {
        let mut dialog = UntagDialog {
            subject,
            names: Vec::new(),
            selected: 0,
            plan: NamesPlan::default(),
        };
        dialog.replan(store, selected);
        dialog
    }

    /// Reads the image's names again and plans for the name `keep` (or the one selected).
    pub fn replan(&mut self, store: &StoreData, keep: Option<&str>) {
        let catalog = &store.catalog;
        let keep = keep
            .map(str::to_string)
            .or_else(|| self.names.get(self.selected).cloned());
        self.names = catalog
            .snapshot
            .image_by_id(&self.subject.id)
            .map(|i| catalog.snapshot.images[i].names.clone())
            .unwrap_or_default();
        self.selected = keep
            .and_then(|k| self.names.iter().position(|n| *n == k))
            .unwrap_or(0)
            .min(self.names.len().saturating_sub(1));
        self.plan = match self.names.get(self.selected) {
            Some(name) => store.plan_names(plan_untag(
                catalog,
                &self.subject.id,
                std::slice::from_ref(name),
            )),
            None => NamesPlan {
                errors: vec![format!("{} has no names", self.subject.label)],
                ..NamesPlan::default()
            },
        };
    }

    pub fn select(&mut self, store: &StoreData, delta: isize) {
        if self.names.is_empty() {
            return;
        }
        let last = self.names.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
        self.replan(store, None);
    }

    pub fn change(&self) -> Result<ChangeRequest, String> {
        if let Some(error) = self.plan.errors.first() {
            return Err(error.clone());
        }
        let name = self.names[self.selected].clone();
        Ok(ChangeRequest {
            change: Change::Untag {
                image: self.subject.id.clone(),
                name: name.clone(),
            },
            steps: self.plan.steps.clone(),
            blobs: self.plan.blobs.clone(),
            summary: format!("Untagged {name}"),
        })
    }
}

/// `d`: what `podman rmi` of the selected image would do, with its two switches.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveDialog {
    pub subject: Subject,
    pub options: RemoveOptions,
    pub plan: RemovalPlan,
    pub tree: Vec<PlanLine>,
    /// The first line of the plan on screen.
    pub scroll: usize,
}

impl RemoveDialog {
    pub fn new(store: &StoreData, subject: Subject, options: RemoveOptions) -> Self {
        let mut dialog = RemoveDialog {
            subject,
            options,
            plan: RemovalPlan::default(),
            tree: Vec::new(),
            scroll: 0,
        };
        dialog.replan(store);
        dialog
    }

    /// The image is named by its ID, as removing "this image" means: an image with several
    /// names then needs force, as `podman rmi ID` does.
    fn change_kind(&self) -> Change {
        Change::Remove {
            image: self.subject.id.clone(),
            options: self.options,
        }
    }

    pub fn replan(&mut self, store: &StoreData) {
        self.plan = self.change_kind().plan(store);
        self.tree = plan_tree(store, &self.plan);
        self.scroll = self.scroll.min(self.tree.len().saturating_sub(1));
    }

    pub fn change(&self) -> Result<ChangeRequest, String> {
        confirmed(self.change_kind(), &self.plan, "Removed")
    }
}

/// `p`: what `podman image prune` would do; `a` switches to `--all`.
#[derive(Debug, Clone, PartialEq)]
pub struct PruneDialog {
    pub all: bool,
    pub plan: RemovalPlan,
    pub tree: Vec<PlanLine>,
    pub scroll: usize,
}

impl PruneDialog {
    pub fn new(store: &StoreData, all: bool) -> Self {
        let mut dialog = PruneDialog {
            all,
            plan: RemovalPlan::default(),
            tree: Vec::new(),
            scroll: 0,
        };
        dialog.replan(store);
        dialog
    }

    pub fn replan(&mut self, store: &StoreData) {
        self.plan = Change::Prune { all: self.all }.plan(store);
        self.tree = plan_tree(store, &self.plan);
        self.scroll = self.scroll.min(self.tree.len().saturating_sub(1));
    }

    pub fn change(&self) -> Result<ChangeRequest, String> {
        confirmed(Change::Prune { all: self.all }, &self.plan, "Pruned")
    }
}

/// A removal plan the user confirmed, or why there is nothing to apply.
fn confirmed(change: Change, plan: &RemovalPlan, verb: &str) -> Result<ChangeRequest, String> {
    if plan.is_empty() {
        return Err(match plan.errors.first() {
            Some(error) => format!("Nothing was changed: {}", error.message),
            None => "Nothing to remove".into(),
        });
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
    /// The bytes the whole plan frees.
    Total,
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
    let catalog = &store.catalog;
    let snapshot = &catalog.snapshot;
    let mut lines = Vec::new();
    let mut group = |title: String, items: Vec<(String, String)>| {
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
    };
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
    match &store.layout {
        // A layout deletes files, not layer records or containers: the blobs no descriptor
        // reaches any more.
        Some(_) => {
            let bytes: u64 = plan.blobs.iter().map(|b| b.size).sum();
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
        None => {
            let size = |id: &String| {
                snapshot
                    .layer_by_id(id)
                    .and_then(|l| snapshot.layers[l].diff_size)
            };
            let layer_bytes: u64 = plan.layers.iter().filter_map(size).sum();
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
    for error in &plan.errors {
        lines.push(PlanLine {
            kind: LineKind::Blocked,
            text: format!("Blocked: {}", error.message),
            note: String::new(),
        });
    }
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

/// A change to the store, as the planner's inputs: the worker plans it again under the
/// store's locks from these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Tag {
        image: String,
        name: String,
    },
    Untag {
        image: String,
        name: String,
    },
    Remove {
        image: String,
        options: RemoveOptions,
    },
    Prune {
        all: bool,
    },
}

impl Change {
    /// What a removal or prune targets, with which options.
    fn removal(&self) -> Option<(Target, RemoveOptions)> {
        match self {
            Change::Remove { image, options } => {
                Some((Target::References(vec![image.clone()]), *options))
            }
            Change::Prune { all } => Some((Target::Prune { all: *all }, RemoveOptions::default())),
            Change::Tag { .. } | Change::Untag { .. } => None,
        }
    }

    fn plan(&self, store: &StoreData) -> RemovalPlan {
        self.removal()
            .map(|(target, options)| store.plan_removal(&target, options))
            .unwrap_or_default()
    }

    /// The steps this change takes on a catalog.
    pub fn steps(&self, catalog: &Catalog) -> Vec<Step> {
        match self {
            Change::Tag { image, name } => {
                plan_tag(catalog, image, std::slice::from_ref(name)).steps
            }
            Change::Untag { image, name } => {
                plan_untag(catalog, image, std::slice::from_ref(name)).steps
            }
            Change::Remove { .. } | Change::Prune { .. } => self
                .removal()
                .map(|(target, options)| plan_removal(catalog, &target, options).steps)
                .unwrap_or_default(),
        }
    }
}

/// A confirmed plan on its way to the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    pub change: Change,
    /// The steps the user saw.
    pub steps: Vec<Step>,
    /// The blobs the user saw go (OCI layouts): the change is refused if they differ.
    pub blobs: Vec<Blob>,
    /// What the status line says once it is done.
    pub summary: String,
}

/// What the worker reports about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    Applied(ChangeRequest),
    /// The plan made under the locks differed from the preview: nothing was changed.
    StoreChanged(ChangeRequest),
    Failed {
        request: ChangeRequest,
        error: String,
    },
}
