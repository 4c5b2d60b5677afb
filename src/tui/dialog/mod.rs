//! The overlays drawn over the panes: the help, and the dialogs that change the store (tag,
//! untag, remove and prune, one module each, as gitui's popups are). Each change dialog
//! holds what the user chose and the plan that choice gives on the catalog in memory;
//! planning is pure and fast, so every keystroke and toggle plans again. Only a confirmed
//! plan leaves a dialog, as a [`ChangeRequest`](super::change::ChangeRequest) for the worker.

pub mod plan;
pub mod prune;
pub mod remove;
pub mod subject;
pub mod tag;
pub mod untag;

pub use plan::{LineKind, PlanLine, PlanPreview, plan_tree, removal_summary};
pub use prune::PruneDialog;
pub use remove::RemoveDialog;
pub use subject::Subject;
pub use tag::{NameCheck, TagDialog};
pub use untag::UntagDialog;

use super::mode::Mode;

/// What is open over the panes.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Help,
    Tag(TagDialog),
    Untag(UntagDialog),
    Remove(RemoveDialog),
    Prune(PruneDialog),
}

impl Dialog {
    /// The key table in force while the dialog is open.
    pub fn mode(&self) -> Mode {
        match self {
            Dialog::Help => Mode::Help,
            Dialog::Tag(_) => Mode::Tag,
            Dialog::Untag(_) => Mode::Untag,
            Dialog::Remove(_) => Mode::Remove,
            Dialog::Prune(_) => Mode::Prune,
        }
    }
}
