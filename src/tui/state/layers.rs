//! The layers pane's state: the selected image's layers base first, or, toggled with `w`,
//! every layer that depends on its top layer (`podman image tree --whatrequires`).

use super::{PaneState, Selected};
use crate::tui::scroll::Scroll;
use cairn_core::{Catalog, ImageIdx, LayerIdx};

/// Most rows the what-requires view lists: a base layer of a huge store has every layer
/// above it, and listing them all would cost more than a keypress may.
const WHATREQUIRES_LIMIT: usize = 5_000;

/// One row: a layer, indented by `depth` in the what-requires view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerRow {
    pub layer: LayerIdx,
    pub depth: usize,
}

#[derive(Debug, Clone, Default)]
pub struct LayersPane {
    pub whatrequires: bool,
    pub rows: Vec<LayerRow>,
    pub scroll: Scroll,
}

impl PaneState for LayersPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        Some((&mut self.scroll, self.rows.len()))
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        self.rows.clear();
        self.scroll = Scroll::default();
        let Some(selected) = selected else {
            return;
        };
        let catalog = &selected.store.catalog;
        let Some(top) = catalog.tree.top_node(&catalog.snapshot, selected.image) else {
            return;
        };
        let mut rows = Vec::new();
        if self.whatrequires {
            let mut stack = vec![(top, 0)];
            while let Some((layer, depth)) = stack.pop() {
                if rows.len() >= WHATREQUIRES_LIMIT {
                    break;
                }
                rows.push(LayerRow { layer, depth });
                for &child in catalog.tree.node(layer).children.iter().rev() {
                    stack.push((child, depth + 1));
                }
            }
        } else {
            rows = catalog
                .tree
                .chain(top)
                .map(|layer| LayerRow { layer, depth: 0 })
                .collect();
            rows.reverse();
        }
        self.rows = rows;
    }
}

impl LayersPane {
    /// The image whose top layer is the row under the cursor: where Enter jumps.
    pub fn target(&self, catalog: &Catalog) -> Option<ImageIdx> {
        let row = self.rows.get(self.scroll.cursor)?;
        catalog.tree.node(row.layer).images.first().copied()
    }
}
