//! Moving in the panes: focus, the keys, the mouse, jumping to an image, and deriving what
//! every pane shows from the list's selection.

use super::App;
use crate::tui::pane::Pane;
use crate::tui::state::Selected;
use crate::tui::state::lineage::{LineageTree, TreeRow};
use cairn_core::ImageIdx;
use cairn_core::lineage::Lineage;

impl App {
    pub(super) fn focus_pane(&mut self, pane: Pane) {
        self.focus = pane;
        if pane.is_inspector() {
            self.inspector = pane;
        }
    }

    pub(super) fn cancel_filter(&mut self) {
        self.panes.images.filtering = false;
        if !self.panes.images.filter.is_empty() {
            self.panes.images.filter.clear();
            self.rebuild_rows();
        }
    }

    pub(super) fn with_tree(&mut self, f: fn(&mut LineageTree, &Lineage)) {
        if self.focus != Pane::Lineage {
            return;
        }
        if let Some(lineage) = &self.lineage {
            f(&mut self.panes.lineage, lineage);
        }
    }

    pub(super) fn move_by(&mut self, delta: isize) {
        if self.move_dialog(delta) {
            return;
        }
        let page = self.page(self.focus);
        self.panes.get_mut(self.focus).move_by(delta, page);
        self.on_selection_changed();
    }

    pub(super) fn activate(&mut self) {
        let target = match self.focus {
            Pane::Images => {
                self.focus_pane(Pane::Lineage);
                return;
            }
            Pane::Lineage => self.panes.lineage.selected_row().and_then(TreeRow::image),
            Pane::Layers => self.catalog().and_then(|c| self.panes.layers.target(c)),
            Pane::History => self.panes.history.target(),
            Pane::Details => return,
            Pane::Files | Pane::Diff => {
                self.open_or_jump();
                return;
            }
        };
        match target {
            Some(image) => self.jump_to(image),
            None => self.message = Some("no image in the store for this row".into()),
        }
    }

    /// Selects an image in the list, showing intermediates or dropping the filter when they
    /// hide it, and moves the focus to the list.
    pub fn jump_to(&mut self, image: ImageIdx) {
        if !self.panes.images.rows.contains(&image) {
            if !self.panes.images.show_all {
                self.panes.images.show_all = true;
                self.rebuild_rows();
            }
            if !self.panes.images.rows.contains(&image) && !self.panes.images.filter.is_empty() {
                self.panes.images.filter.clear();
                self.panes.images.filtering = false;
                self.rebuild_rows();
            }
        }
        if !self.panes.images.rows.contains(&image) {
            return;
        }
        self.focus_pane(Pane::Images);
        let page = self.page(Pane::Images);
        self.panes.images.select(image, page);
        self.on_selection_changed();
        if let Some(store) = &self.store {
            let name = store.facts.label(&store.catalog, image);
            self.message = Some(format!("selected {name}"));
        }
    }

    pub(super) fn click(&mut self, column: u16, row: u16) {
        if self.dialog.is_some() {
            self.dialog = None;
            return;
        }
        let areas = self.areas();
        if let Some(tab) = areas.tab_at(column, row) {
            self.focus_pane(tab);
            return;
        }
        let Some(pane) = areas.pane_at(column, row) else {
            return;
        };
        self.focus_pane(pane);
        // The focus may have changed the inspector's tab, and so the layout.
        let areas = self.areas();
        if let Some(line) = areas.line_at(pane, row) {
            self.panes.get_mut(pane).click(line, areas.page(pane));
            self.on_selection_changed();
        }
    }

    pub(super) fn wheel(&mut self, column: u16, row: u16, delta: isize) {
        let areas = self.areas();
        let Some(pane) = areas.pane_at(column, row) else {
            return;
        };
        self.panes.get_mut(pane).wheel(delta, areas.page(pane));
        self.on_selection_changed();
    }

    /// Recomputes the list's rows, then what the other panes show of the selection.
    pub(super) fn rebuild_rows(&mut self) {
        let page = self.page(Pane::Images);
        self.panes
            .images
            .rebuild(self.store.as_ref(), self.lineage.as_ref(), page);
        if self.store.is_some() {
            self.on_selection_changed();
        }
    }

    /// Re-derives everything the other panes show from the selected image, when it changed.
    pub(super) fn on_selection_changed(&mut self) {
        let key = (self.generation, self.selected(), self.lineage.is_some());
        if self.derived_for == Some(key) {
            return;
        }
        self.derived_for = Some(key);
        let catalog = self.store.as_ref().map(|s| s.catalog.as_ref());
        self.panes.images.remember_selection(catalog);
        let selected = Selected::of(
            self.store.as_ref(),
            self.lineage.as_ref(),
            self.panes.images.selected(),
            self.now,
        );
        self.panes.follow(selected);
    }
}
