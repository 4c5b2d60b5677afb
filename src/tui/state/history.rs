//! The history pane's state: `podman history` of the selected image, newest step first,
//! with the image each step names where it is in the store.

use super::{PaneState, Selected};
use crate::tui::scroll::Scroll;
use cairn_core::ImageIdx;
use cairn_core::history::{HistoryRow, history};

#[derive(Debug, Clone, Default)]
pub struct HistoryPane {
    pub rows: Vec<HistoryRow>,
    /// The image each row names, where it is in the store.
    pub images: Vec<Option<ImageIdx>>,
    pub scroll: Scroll,
}

impl PaneState for HistoryPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        Some((&mut self.scroll, self.rows.len()))
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        self.scroll = Scroll::default();
        let Some(selected) = selected else {
            self.rows.clear();
            self.images.clear();
            return;
        };
        let catalog = &selected.store.catalog;
        self.rows = history(&catalog.snapshot, &catalog.tree, selected.image);
        self.images = self
            .rows
            .iter()
            .map(|row| catalog.snapshot.image_by_id(&row.id))
            .collect();
    }
}

impl HistoryPane {
    /// The image of the step under the cursor: where Enter jumps.
    pub fn target(&self) -> Option<ImageIdx> {
        self.images.get(self.scroll.cursor).copied().flatten()
    }
}
