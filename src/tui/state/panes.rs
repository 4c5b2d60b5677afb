//! Every pane's state together, and the one place that finds a pane's state by its
//! [`Pane`]: what the app routes keys, the mouse, resizes and a new selection through.

use super::details::DetailsPane;
use super::diff::DiffPane;
use super::files::FilesPane;
use super::history::HistoryPane;
use super::image_list::ImageList;
use super::layers::LayersPane;
use super::lineage::LineageTree;
use super::{PaneState, Selected};
use crate::tui::pane::Pane;

#[derive(Debug, Clone, Default)]
pub struct Panes {
    pub images: ImageList,
    pub lineage: LineageTree,
    pub layers: LayersPane,
    pub history: HistoryPane,
    pub details: DetailsPane,
    pub files: FilesPane,
    pub diff: DiffPane,
}

impl Panes {
    /// The state of a pane.
    pub fn get_mut(&mut self, pane: Pane) -> &mut dyn PaneState {
        match pane {
            Pane::Images => &mut self.images,
            Pane::Lineage => &mut self.lineage,
            Pane::Layers => &mut self.layers,
            Pane::History => &mut self.history,
            Pane::Details => &mut self.details,
            Pane::Files => &mut self.files,
            Pane::Diff => &mut self.diff,
        }
    }

    /// Derives every pane's rows again from the list's selection.
    pub fn follow(&mut self, selected: Option<Selected<'_>>) {
        for pane in Pane::ALL {
            self.get_mut(pane).follow(selected);
        }
    }
}
