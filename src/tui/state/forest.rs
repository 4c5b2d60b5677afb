//! The layer forest, the lineage pane's second mode (`f`): every layer of the store under
//! its parent, builds forking where they went different ways, images on the layers they top.
//! It follows the list's selection (the selected image's top layer is shown and under the
//! cursor) and leads it (moving onto a layer selects an image it tops, see
//! [`ForestPane::image_under_cursor`]).
//!
//! A layer with one child continues its line; a fork starts closed, and opening it shows
//! its branches one deeper. Which layers differ from that is kept by layer ID, so a reload
//! after a removal keeps what the user opened. The rows are recomputed only when that or the
//! store changes; a keypress moves a cursor, and the view draws the rows on screen.

use super::{PaneState, Selected};
use crate::tui::data::StoreData;
use crate::tui::scroll::Scroll;
use cairn_core::layer_forest::{ForestRow, LayerForest};
use cairn_core::{Catalog, ImageIdx, LayerIdx, TiVec};
use std::collections::HashSet;
use std::sync::{Arc, Weak};

#[derive(Debug, Clone, Default)]
pub struct ForestPane {
    /// The lineage pane shows the forest instead of the image lineage.
    pub shown: bool,
    /// Layers (by ID) opened or closed against their default: forks closed, lines open.
    toggled: HashSet<String>,
    pub rows: Vec<ForestRow>,
    /// Each layer's row, when it is shown.
    row_of: TiVec<LayerIdx, Option<usize>>,
    pub scroll: Scroll,
    /// The catalog the rows were made for. Weak, so that the pane never holds an old store
    /// alive, which would then be freed on the UI thread.
    made_for: Weak<Catalog>,
    /// The list's selection, which the forest shows.
    pub image: Option<ImageIdx>,
    /// The page height of the last follow, to keep the cursor on screen.
    page: usize,
}

impl ForestPane {
    /// Whether a layer shows what is above it.
    fn is_open(&self, catalog: &Catalog, layer: LayerIdx) -> bool {
        let default = !LayerForest::is_fork(&catalog.tree, layer);
        let toggled =
            !self.toggled.is_empty() && self.toggled.contains(&catalog.snapshot.layers[layer].id);
        default != toggled
    }

    fn set_open(&mut self, catalog: &Catalog, layer: LayerIdx, open: bool) {
        if self.is_open(catalog, layer) == open {
            return;
        }
        let id = &catalog.snapshot.layers[layer].id;
        if !self.toggled.remove(id) {
            self.toggled.insert(id.clone());
        }
    }

    /// Whether the rows were made for this store.
    fn made_for(&self, store: &StoreData) -> bool {
        std::ptr::eq(self.made_for.as_ptr(), Arc::as_ptr(&store.catalog))
    }

    /// Recomputes the rows, keeping the cursor on the same layer where it is still shown.
    fn refresh(&mut self, store: &StoreData, keep: Option<LayerIdx>) {
        self.made_for = Arc::downgrade(&store.catalog);
        let catalog = &store.catalog;
        self.rows = store
            .facts
            .forest
            .rows(&catalog.tree, |l| self.is_open(catalog, l));
        self.row_of = vec![None; catalog.snapshot.layers.len()].into();
        for (i, row) in self.rows.iter().enumerate() {
            self.row_of[row.layer] = Some(i);
        }
        let at = keep
            .and_then(|l| self.row_of.get(l).copied().flatten())
            .unwrap_or(self.scroll.cursor);
        self.scroll.go(at, self.rows.len(), self.page);
    }

    /// The layer under the cursor.
    pub fn cursor_layer(&self) -> Option<LayerIdx> {
        self.rows.get(self.scroll.cursor).map(|r| r.layer)
    }

    /// The image the list should select for the cursor's layer: none when the layer tops
    /// no image or tops the one selected already, or the rows are of an older `current` store.
    pub fn image_under_cursor(&self, store: &StoreData) -> Option<ImageIdx> {
        if !self.made_for(store) {
            return None;
        }
        let layer = self.cursor_layer()?;
        let images = &store.catalog.tree.node(layer).images;
        if self.image.is_some_and(|i| images.contains(&i)) {
            return None;
        }
        images.first().copied()
    }

    /// Shows the forest or the lineage; on showing, catches up with the selection.
    pub fn toggle_shown(&mut self, selected: Option<Selected<'_>>, page: usize) {
        self.shown = !self.shown;
        if self.shown {
            self.page = page;
            self.made_for = Weak::new();
            self.follow(selected);
        }
    }

    /// Opens every layer of the cursor's tree (from its root), or, when `open` is false,
    /// closes every root, leaving the cursor on its root.
    pub fn set_all(&mut self, store: &StoreData, open: bool) {
        if !self.made_for(store) {
            return;
        }
        let catalog = &store.catalog;
        if open {
            let Some(at) = self.cursor_layer() else {
                return;
            };
            let mut stack: Vec<LayerIdx> = catalog.tree.chain(at).last().into_iter().collect();
            while let Some(layer) = stack.pop() {
                self.set_open(catalog, layer, true);
                stack.extend(&catalog.tree.node(layer).children);
            }
            self.refresh(store, Some(at));
        } else {
            self.toggled.clear();
            let root = self
                .cursor_layer()
                .and_then(|l| catalog.tree.chain(l).last());
            for &root in &store.facts.forest.roots {
                self.set_open(catalog, root, false);
            }
            self.refresh(store, root);
        }
    }

    /// Opens the cursor's layer; when it is open, goes to the next row.
    pub fn expand(&mut self, store: &StoreData) {
        self.open_cursor(store, true);
    }

    /// Closes the cursor's layer; when it is closed or has nothing above it, goes to the
    /// layer it hangs from (its parent).
    pub fn collapse(&mut self, store: &StoreData) {
        self.open_cursor(store, false);
    }

    pub fn toggle(&mut self, store: &StoreData) {
        let Some(layer) = self.cursor_layer().filter(|_| self.made_for(store)) else {
            return;
        };
        let open = self.is_open(&store.catalog, layer);
        self.set_open(&store.catalog, layer, !open);
        self.refresh(store, Some(layer));
    }

    fn open_cursor(&mut self, store: &StoreData, open: bool) {
        let Some(layer) = self.cursor_layer().filter(|_| self.made_for(store)) else {
            return;
        };
        let catalog = &store.catalog;
        let has_children = !catalog.tree.node(layer).children.is_empty();
        if has_children && self.is_open(catalog, layer) != open {
            self.set_open(catalog, layer, open);
            self.refresh(store, Some(layer));
        } else if open {
            self.scroll.by(1, self.rows.len(), self.page);
        } else if let Some(row) = catalog.tree.node(layer).parent.and_then(|p| self.row_of[p]) {
            self.scroll.go(row, self.rows.len(), self.page);
        }
    }

    /// Makes a layer's row shown by opening every layer below it.
    fn reveal(&mut self, catalog: &Catalog, layer: LayerIdx) -> bool {
        let mut changed = false;
        for below in catalog.tree.chain(layer).skip(1) {
            if !self.is_open(catalog, below) {
                self.set_open(catalog, below, true);
                changed = true;
            }
        }
        changed
    }
}

impl PaneState for ForestPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        Some((&mut self.scroll, self.rows.len()))
    }

    fn clamp(&mut self, page: usize) {
        self.page = page;
        self.scroll.go(self.scroll.cursor, self.rows.len(), page);
    }

    /// Puts the cursor on the selected image's top layer, opening what hides it. While the
    /// lineage is shown instead, only the selection is noted: the forest catches up when it
    /// is shown.
    fn follow(&mut self, selected: Option<Selected<'_>>) {
        self.image = selected.map(|s| s.image);
        if !self.shown {
            return;
        }
        let Some(selected) = selected else {
            return;
        };
        let store = selected.store;
        if !self.made_for(store) {
            self.refresh(store, None);
        }
        let catalog = &store.catalog;
        let Some(top) = catalog.tree.top_node(&catalog.snapshot, selected.image) else {
            return;
        };
        if self.reveal(catalog, top) {
            self.refresh(store, Some(top));
        }
        if let Some(row) = self.row_of.get(top).copied().flatten() {
            self.scroll.go(row, self.rows.len(), self.page);
        }
    }
}
