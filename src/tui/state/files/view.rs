//! The tree as keys see it: open directories, the filter, the toggles, the cursor. The rows
//! are counted (`rows`), the keys change the view (`keys`), and the filter and "changed
//! only" narrow what shows (`narrowing`).

mod keys;
mod narrowing;
mod openness;
mod rows;
#[cfg(test)]
mod tests;

pub use rows::{Row, Rows};

use super::filter::FilterJob;
use super::node::Node;
use super::tree::FileTree;
use super::visible::{FileSort, Visible};
use crate::tui::scroll::Scroll;
use openness::Openness;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The open directories from before a narrowing, given back when it ends.
#[derive(Debug, Clone)]
struct Saved {
    default: bool,
    flips: Vec<u32>,
}

/// What keys change about a tree: open directories, the filter, the toggles, the cursor.
/// The rows are never listed: they are counted (each node knows how many rows are below
/// it), and the ones on screen found from those counts, so a key costs a walk down one
/// path of the tree, never a pass over it.
#[derive(Debug, Clone)]
pub struct TreeView {
    pub tree: Arc<FileTree>,
    /// What shows: the tree's own sets, or a filter's answer.
    visible: Arc<Visible>,
    /// `visible` is narrowed (a filter or "changed only"): every directory in it opens.
    narrowed: bool,
    open: Openness,
    saved: Option<Saved>,
    pub scroll: Scroll,
    pub sort: FileSort,
    pub changed_only: bool,
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// Why the filter text is not a filter (a bad glob).
    pub filter_error: Option<String>,
    /// A filter job not yet handed to the worker.
    job: Option<FilterJob>,
    /// The job the view waits for: meanwhile the rows are the previous answer's.
    running: Option<(u64, Arc<AtomicBool>)>,
    generation: u64,
    /// A path to put the cursor on when the filter's answer comes.
    want: Option<Vec<u8>>,
    /// Rows on screen, for keeping the cursor visible.
    page: usize,
}

impl TreeView {
    /// A view of a tree: the top level shown, directories closed, or, for a tree of changes
    /// (which is small, and whose every row matters), every directory open.
    pub fn new(tree: FileTree, sort: FileSort, changed_only: bool, open_all: bool) -> Self {
        let mut view = TreeView::of(Arc::new(tree), sort, open_all);
        if changed_only {
            view.toggle_changed_only();
        }
        view
    }

    fn of(tree: Arc<FileTree>, sort: FileSort, open_all: bool) -> Self {
        TreeView {
            visible: Arc::clone(&tree.all),
            open: Openness::new(tree.nodes.len(), open_all),
            tree,
            narrowed: false,
            saved: None,
            scroll: Scroll::default(),
            sort,
            changed_only: false,
            filter: String::new(),
            filtering: false,
            filter_error: None,
            job: None,
            running: None,
            generation: 0,
            want: None,
            page: 1,
        }
    }

    /// Keeps the old view's choices (sort, toggles, filter) for a new tree of the same pane.
    /// The directories that were open stay open, and the cursor stays on its path when the
    /// new tree has it (stepping through layers keeps one's place). Costs a lookup per
    /// directory the user opened or closed, not a pass over either tree.
    pub fn replaced(&self, tree: FileTree, open_all: bool) -> Self {
        let mut view = TreeView::of(Arc::new(tree), self.sort, open_all);
        view.page = self.page;
        view.filter = self.filter.clone();
        view.filtering = self.filtering;
        view.changed_only = self.changed_only;
        if !open_all {
            let (default, flips) = match &self.saved {
                Some(saved) if self.narrowed => (saved.default, saved.flips.clone()),
                _ => (self.open.default, self.open.flipped_nodes()),
            };
            let flips: Vec<u32> = flips
                .iter()
                .filter_map(|&id| view.tree.lookup(&self.tree.path(id)))
                .collect();
            view.open.reset(default);
            for id in flips {
                view.set_open(id, !default);
            }
        }
        view.narrow();
        if let Some(at) = self.selected() {
            view.reveal(&self.tree.path(at));
        }
        view
    }

    /// The node under the cursor.
    pub fn selected(&self) -> Option<u32> {
        self.rows_from(self.scroll.cursor).next().map(|r| r.node)
    }

    pub fn node(&self, id: u32) -> &Node {
        &self.tree.nodes[id as usize]
    }

    /// A directory's shown children, in the view's order.
    fn children(&self, id: u32) -> &[u32] {
        self.visible.children(id, self.sort)
    }

    pub fn is_open(&self, id: u32) -> bool {
        self.open.is_open(id)
    }

    /// Whether a row can open: a directory with something shown in it.
    pub fn can_open(&self, id: u32) -> bool {
        !self.children(id).is_empty()
    }
}
