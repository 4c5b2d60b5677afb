//! The keys of a tree pane: open and close, sort, toggles, the filter's text, and going to
//! a path.

use super::TreeView;
use crate::tui::scroll::Scroll;
use crate::tui::state::PaneState;
use crate::tui::state::files::visible::FileSort;

impl TreeView {
    /// Opens the directory under the cursor; when it is open, goes to its first child.
    pub fn expand(&mut self) {
        let Some(id) = self.selected() else {
            return;
        };
        if !self.can_open(id) {
            return;
        }
        if self.is_open(id) {
            self.move_by(1, self.page);
        } else {
            self.set_open(id, true);
            self.clamp(self.page);
        }
    }

    /// Closes the directory under the cursor; when it is closed (or a file), goes to its
    /// parent's row.
    pub fn collapse(&mut self) {
        let Some(id) = self.selected() else {
            return;
        };
        if self.is_open(id) && self.can_open(id) {
            self.set_open(id, false);
            self.clamp(self.page);
            return;
        }
        let parent = self.node(id).parent;
        if let Some(at) = self.index_of(parent) {
            self.scroll.go(at, self.row_count(), self.page);
        }
    }

    pub fn toggle(&mut self) {
        let Some(id) = self.selected() else {
            return;
        };
        if self.can_open(id) {
            self.set_open(id, !self.is_open(id));
            self.clamp(self.page);
        }
    }

    pub fn expand_all(&mut self) {
        let keep = self.selected();
        self.open.reset(true);
        self.place(keep);
    }

    pub fn collapse_all(&mut self) {
        let keep = self.selected();
        self.open.reset(false);
        self.place(keep);
    }

    /// Name, then size, then name again.
    pub fn cycle_sort(&mut self) {
        let keep = self.selected();
        self.sort = match self.sort {
            FileSort::Name => FileSort::Size,
            FileSort::Size => FileSort::Name,
        };
        self.place(keep);
    }

    pub fn toggle_changed_only(&mut self) {
        self.changed_only = !self.changed_only;
        self.narrow();
    }

    pub fn filter_push(&mut self, c: char) {
        self.filter.push(c);
        self.narrow();
    }

    pub fn filter_pop(&mut self) {
        self.filter.pop();
        self.narrow();
    }

    pub fn filter_clear(&mut self) {
        self.filtering = false;
        if !self.filter.is_empty() {
            self.filter.clear();
            self.narrow();
        }
    }

    /// Moves the cursor to a path's node, opening its ancestors; false when the path is not
    /// in the tree or the filter hides it. While a filter's answer is awaited, the answer
    /// puts the cursor there when it comes.
    pub fn reveal(&mut self, path: &[u8]) -> bool {
        if self.running.is_some() {
            self.want = Some(path.to_vec());
        }
        let Some(id) = self.tree.lookup(path) else {
            return false;
        };
        if self.chain(id).iter().any(|&n| !self.visible.shows(n)) {
            return false;
        }
        self.open_to(id);
        match self.index_of(id) {
            Some(at) => {
                self.scroll.go(at, self.row_count(), self.page);
                true
            }
            None => false,
        }
    }
}

impl PaneState for TreeView {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        let len = self.row_count();
        Some((&mut self.scroll, len))
    }

    fn move_by(&mut self, delta: isize, page: usize) {
        self.page = page;
        let len = self.row_count();
        self.scroll.by(delta, len, page);
    }

    fn clamp(&mut self, page: usize) {
        self.page = page;
        let len = self.row_count();
        self.scroll.go(self.scroll.cursor, len, page);
    }
}
