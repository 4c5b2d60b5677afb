//! Moving in the panes: focus, the keys, the mouse, jumping to an image, and deriving what
//! every pane shows from the list's selection.

use super::App;
use crate::tui::data::StoreData;
use crate::tui::pane::Pane;
use crate::tui::state::Selected;
use crate::tui::state::forest::ForestPane;
use crate::tui::state::image_list::REPOSITORY;
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

    /// `r`: only the selected image's repository (its first name's), or every repository
    /// again when that is the filter already.
    pub(super) fn filter_repository(&mut self) {
        let (Some(store), Some(image)) = (&self.store, self.selected()) else {
            return;
        };
        // A platform image is in its index's repositories.
        let named = store.catalog.snapshot.list_of(image).unwrap_or(image);
        let Some(repository) = store.facts.repositories.get(named).and_then(|r| r.first()) else {
            self.message = Some("The image has no name, so no repository".into());
            return;
        };
        let filter = format!("{REPOSITORY}{repository}");
        self.focus_pane(Pane::Images);
        if self.panes.images.filter == filter {
            self.cancel_filter();
            self.message = Some("Every repository".into());
        } else {
            self.panes.images.filter = filter;
            self.panes.images.filtering = false;
            self.rebuild_rows();
        }
    }

    /// Tab in the list's filter: the `repo:` word being typed (the last one) grows to the
    /// longest start every repository beginning with it shares (the whole name when one
    /// does); when that adds nothing, the status line names the candidates.
    pub(super) fn complete_repository(&mut self) {
        let Some(store) = &self.store else {
            return;
        };
        let filter = &self.panes.images.filter;
        let start = filter.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &filter[start..];
        let Some(typed) = word.strip_prefix(REPOSITORY).map(str::to_lowercase) else {
            if REPOSITORY.starts_with(word) {
                self.replace_filter_word(start, REPOSITORY.to_string());
            } else {
                self.message = Some(format!("Tab completes a word starting with {REPOSITORY}"));
            }
            return;
        };
        let candidates: Vec<&String> = store
            .facts
            .all_repositories
            .iter()
            .filter(|r| r.starts_with(&typed))
            .collect();
        let common = candidates.iter().skip(1).fold(
            candidates.first().map_or("", |c| c.as_str()),
            |common, candidate| {
                let shared = common
                    .char_indices()
                    .zip(candidate.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(common.len().min(candidate.len()), |((i, _), _)| i);
                &common[..shared]
            },
        );
        if candidates.is_empty() {
            self.message = Some(format!("No repository starts with {typed}"));
        } else if common.len() > typed.len() {
            let word = format!("{REPOSITORY}{common}");
            self.replace_filter_word(start, word);
        } else {
            const SHOWN: usize = 6;
            let mut names: Vec<&str> = candidates.iter().take(SHOWN).map(|c| c.as_str()).collect();
            if candidates.len() > SHOWN {
                names.push("…");
            }
            self.message = Some(format!(
                "{} repositories: {}",
                candidates.len(),
                names.join(", ")
            ));
        }
    }

    /// The filter with its word from `start` on replaced by `word`, and the list again.
    fn replace_filter_word(&mut self, start: usize, word: String) {
        self.panes.images.filter.truncate(start);
        self.panes.images.filter.push_str(&word);
        self.message = None;
        self.rebuild_rows();
    }

    /// A tree key in the lineage pane, on the lineage or the forest, whichever it shows.
    pub(super) fn with_tree(
        &mut self,
        tree: fn(&mut LineageTree, &Lineage),
        forest: fn(&mut ForestPane, &StoreData),
    ) {
        if self.focus != Pane::Lineage {
            return;
        }
        if self.panes.forest.shown {
            if let Some(store) = &self.store {
                forest(&mut self.panes.forest, store);
            }
            self.lead_from_forest();
            self.on_selection_changed();
        } else if let Some(lineage) = &self.lineage {
            tree(&mut self.panes.lineage, lineage);
        }
    }

    /// `f`: the lineage pane switches between the image lineage and the layer forest.
    pub(super) fn toggle_forest(&mut self) {
        self.focus_pane(Pane::Lineage);
        let selected = Selected::of(
            self.store.as_ref(),
            self.lineage.as_ref(),
            self.panes.images.selected(),
            self.now,
        );
        let page = self.page(Pane::Lineage);
        self.panes.forest.toggle_shown(selected, page);
        self.message = Some(if self.panes.forest.shown {
            "showing the layer forest".into()
        } else {
            "showing the image lineage".into()
        });
    }

    /// After the forest's cursor moved: the list selects an image the cursor's layer tops,
    /// so the list, the forest and the other panes show the same image.
    fn lead_from_forest(&mut self) {
        if !self.panes.forest.shown {
            return;
        }
        let Some(image) = self
            .store
            .as_ref()
            .and_then(|store| self.panes.forest.image_under_cursor(store))
        else {
            return;
        };
        // Noted first: showing the image in the list derives the panes again, and the
        // forest must not lead a second time.
        self.panes.forest.image = Some(image);
        if self.show_in_list(image) {
            let page = self.page(Pane::Images);
            self.panes.images.select(image, page);
        }
    }

    pub(super) fn move_by(&mut self, delta: isize) {
        if self.move_dialog(delta) {
            return;
        }
        let page = self.page(self.focus);
        self.panes.get_mut(self.focus).move_by(delta, page);
        if self.focus == Pane::Lineage {
            self.lead_from_forest();
        }
        self.on_selection_changed();
    }

    pub(super) fn activate(&mut self) {
        let target = match self.focus {
            Pane::Images => {
                self.focus_pane(Pane::Lineage);
                return;
            }
            Pane::Lineage if self.panes.forest.shown => self.forest_target(),
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

    /// The image Enter selects from the forest: the selected one when the cursor's layer is
    /// its top layer, else the first image the layer tops.
    fn forest_target(&self) -> Option<ImageIdx> {
        let catalog = self.catalog()?;
        let images = &catalog.tree.node(self.panes.forest.cursor_layer()?).images;
        match self.selected() {
            Some(image) if images.contains(&image) => Some(image),
            _ => images.first().copied(),
        }
    }

    /// Selects an image in the list, showing intermediates or dropping the filter when they
    /// hide it, and moves the focus to the list.
    pub fn jump_to(&mut self, image: ImageIdx) {
        if !self.show_in_list(image) {
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

    /// Makes the list show an image, showing intermediates or dropping the filter when they
    /// hide it; false when it still does not.
    fn show_in_list(&mut self, image: ImageIdx) -> bool {
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
        self.panes.images.rows.contains(&image)
    }

    pub(super) fn click(&mut self, column: u16, row: u16) {
        if self.dialog.is_some() {
            self.close_dialog();
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
            if pane == Pane::Lineage {
                self.lead_from_forest();
            }
            self.on_selection_changed();
        }
    }

    pub(super) fn wheel(&mut self, column: u16, row: u16, delta: isize) {
        let areas = self.areas();
        let Some(pane) = areas.pane_at(column, row) else {
            return;
        };
        self.panes.get_mut(pane).wheel(delta, areas.page(pane));
        if pane == Pane::Lineage {
            self.lead_from_forest();
        }
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
