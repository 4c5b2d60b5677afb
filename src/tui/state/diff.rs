//! The Diff pane's state: what one image has that another has not, as a tree of changes.
//! By default the selected image is compared with its parent in the lineage; an image
//! marked in the list (`m`) takes the parent's place, and in the lineage tree `D` shows what
//! the step from a node's parent to the node changed. The tree and its keys are the Files
//! pane's ([`TreeView`](super::files::TreeView)).

use super::files::{Contents, Reading};
use super::{PaneState, Selected};
use crate::tui::scroll::Scroll;
use cairn_core::contents::image_layers;
use cairn_core::{Catalog, ImageIdx, LayerIdx};

/// The two images compared: `from` is the older side, what `to` changed is marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffSubject {
    pub from: ImageIdx,
    pub to: ImageIdx,
    /// Their layers, base first.
    pub from_layers: Vec<LayerIdx>,
    pub to_layers: Vec<LayerIdx>,
    /// Why `from` was chosen, for the pane's title.
    pub why: DiffBase,
}

/// How the older side of a diff was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffBase {
    /// The selected image's parent in the lineage.
    Parent,
    /// The image marked in the list.
    Marked,
    /// A step of the lineage tree.
    Step,
}

impl DiffSubject {
    pub fn new(catalog: &Catalog, from: ImageIdx, to: ImageIdx, why: DiffBase) -> Self {
        DiffSubject {
            from,
            to,
            from_layers: image_layers(catalog, from),
            to_layers: image_layers(catalog, to),
            why,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DiffPane {
    pub subject: Option<DiffSubject>,
    pub contents: Contents,
    /// The subject the contents are of (or being read for).
    pub read: Reading<DiffSubject>,
    /// The ID of the image marked in the list to compare against: IDs outlive reloads.
    pub marked: Option<String>,
    /// Why there is nothing to compare, when there is not.
    pub none_because: Option<&'static str>,
}

impl DiffPane {
    /// Compares the two images of a lineage step.
    pub fn show_step(&mut self, catalog: &Catalog, parent: ImageIdx, child: ImageIdx) {
        self.set(Some(DiffSubject::new(
            catalog,
            parent,
            child,
            DiffBase::Step,
        )));
    }

    fn set(&mut self, subject: Option<DiffSubject>) {
        let same = |a: &DiffSubject, b: &DiffSubject| a.from == b.from && a.to == b.to;
        if !matches!((&subject, &self.subject), (Some(a), Some(b)) if same(a, b)) {
            self.contents.replace(Contents::None);
            self.read.forget();
        }
        self.none_because = None;
        self.subject = subject;
    }
}

impl PaneState for DiffPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        self.contents.view_mut()?.list()
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        let Some(selected) = selected else {
            self.set(None);
            return;
        };
        let catalog = &selected.store.catalog;
        let image = selected.image;
        let marked = self.marked.as_ref().and_then(|id| {
            catalog
                .snapshot
                .images
                .iter_enumerated()
                .find(|(_, img)| &img.id == id)
                .map(|(i, _)| i)
        });
        let (from, why, none_because) = match (marked, selected.lineage) {
            (Some(m), _) if m != image => (Some(m), DiffBase::Marked, None),
            (_, Some(lineage)) => match lineage.parent(image) {
                Some(parent) => (Some(parent), DiffBase::Parent, None),
                None => (
                    None,
                    DiffBase::Parent,
                    Some(
                        "This image has no parent: mark another image in the list with m to compare",
                    ),
                ),
            },
            (_, None) => (None, DiffBase::Parent, Some("Working out the lineage…")),
        };
        self.set(from.map(|from| DiffSubject::new(catalog, from, image, why)));
        self.none_because = none_because;
    }
}
