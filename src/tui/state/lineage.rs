//! The lineage pane's state, a tree: the chain from the root ancestor down to the selected
//! image, then the image's descendants. Which nodes are open and which is selected live
//! here, not in the view, so keys work before anything is drawn and tests need no
//! terminal; the view draws the rows on screen from this.
//!
//! A node is a path of image indexes from the root.

use super::{PaneState, Selected};
use crate::tui::scroll::Scroll;
use cairn_core::ImageIdx;
use cairn_core::lineage::Lineage;
use std::collections::HashSet;

/// Most nodes "expand all" opens, so that a base image with thousands of descendants
/// cannot stall a keypress.
const EXPAND_ALL_LIMIT: usize = 2_000;

/// One visible row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    pub path: Vec<ImageIdx>,
    pub has_children: bool,
}

impl TreeRow {
    /// The image the row shows: the last of its path (`None` only for an empty path,
    /// which the tree never makes).
    pub fn image(&self) -> Option<ImageIdx> {
        self.path.last().copied()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineageTree {
    /// Root ancestor first, the selected image last; empty when no image is selected.
    pub chain: Vec<ImageIdx>,
    pub open: HashSet<Vec<ImageIdx>>,
    pub selected: Vec<ImageIdx>,
    /// The visible rows, recomputed whenever `open` changes.
    pub rows: Vec<TreeRow>,
}

impl LineageTree {
    /// The tree around `image`: its ancestors open down to it, and it open on its children.
    pub fn new(lineage: &Lineage, image: ImageIdx) -> Self {
        let mut chain = lineage.ancestors(image);
        chain.reverse();
        chain.push(image);
        let open = (1..=chain.len()).map(|n| chain[..n].to_vec()).collect();
        let mut tree = LineageTree {
            selected: chain.clone(),
            chain,
            open,
            rows: Vec::new(),
        };
        tree.refresh(lineage);
        tree
    }

    /// The children of a node: the next image of the chain above the selected image, its
    /// descendants below it. An image already on the path is skipped, which only matters in
    /// a corrupt store whose lineage loops.
    pub fn children(&self, lineage: &Lineage, path: &[ImageIdx]) -> Vec<ImageIdx> {
        if path.len() < self.chain.len() && self.chain.starts_with(path) {
            return vec![self.chain[path.len()]];
        }
        let Some(&last) = path.last() else {
            return Vec::new();
        };
        // A set, not a scan of `out`: a base image can have thousands of children.
        let mut seen = HashSet::new();
        lineage
            .children(last)
            .iter()
            .copied()
            .filter(|child| !path.contains(child) && seen.insert(*child))
            .collect()
    }

    /// Recomputes the visible rows from the open set.
    pub fn refresh(&mut self, lineage: &Lineage) {
        let mut rows = Vec::new();
        if let Some(&root) = self.chain.first() {
            self.walk(lineage, vec![root], &mut rows);
        }
        self.rows = rows;
        if !self.rows.iter().any(|r| r.path == self.selected) {
            // The selected node was hidden by a collapse: select its nearest visible ancestor.
            while self.selected.len() > 1 && !self.rows.iter().any(|r| r.path == self.selected) {
                self.selected.pop();
            }
            if self.selected.is_empty()
                && let Some(first) = self.rows.first()
            {
                self.selected = first.path.clone();
            }
        }
    }

    fn walk(&self, lineage: &Lineage, path: Vec<ImageIdx>, rows: &mut Vec<TreeRow>) {
        let children = self.children(lineage, &path);
        let open = self.open.contains(&path);
        rows.push(TreeRow {
            path: path.clone(),
            has_children: !children.is_empty(),
        });
        if open {
            for child in children {
                let mut next = path.clone();
                next.push(child);
                self.walk(lineage, next, rows);
            }
        }
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.rows.iter().position(|r| r.path == self.selected)
    }

    pub fn selected_row(&self) -> Option<&TreeRow> {
        self.selected_index().map(|i| &self.rows[i])
    }

    /// Moves the selection by `delta` visible rows, stopping at the ends.
    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let current = self.selected_index().unwrap_or(0) as isize;
        let last = self.rows.len() as isize - 1;
        let next = (current + delta).clamp(0, last) as usize;
        self.selected = self.rows[next].path.clone();
    }

    pub fn select_path(&mut self, path: Vec<ImageIdx>) {
        if self.rows.iter().any(|r| r.path == path) {
            self.selected = path;
        }
    }

    /// Opens the selected node; when it is already open, goes to its first child.
    pub fn expand(&mut self, lineage: &Lineage) {
        let Some(row) = self.selected_row().cloned() else {
            return;
        };
        if !row.has_children {
            return;
        }
        if self.open.insert(row.path.clone()) {
            self.refresh(lineage);
        } else {
            self.move_by(1);
        }
    }

    /// Closes the selected node; when it is closed (or a leaf), goes to its parent.
    pub fn collapse(&mut self, lineage: &Lineage) {
        let path = self.selected.clone();
        if self.open.remove(&path) {
            self.refresh(lineage);
        } else if path.len() > 1 {
            self.selected.pop();
        }
    }

    pub fn toggle(&mut self, lineage: &Lineage) {
        let path = self.selected.clone();
        if !self.open.remove(&path) {
            self.open.insert(path);
        }
        self.refresh(lineage);
    }

    /// Opens every node, up to `EXPAND_ALL_LIMIT` of them.
    pub fn expand_all(&mut self, lineage: &Lineage) {
        let Some(&root) = self.chain.first() else {
            return;
        };
        let mut stack = vec![vec![root]];
        let mut opened = 0;
        while let Some(path) = stack.pop() {
            if opened >= EXPAND_ALL_LIMIT {
                break;
            }
            let children = self.children(lineage, &path);
            if children.is_empty() {
                continue;
            }
            for child in children {
                let mut next = path.clone();
                next.push(child);
                stack.push(next);
            }
            self.open.insert(path);
            opened += 1;
        }
        self.refresh(lineage);
    }

    /// Closes every node: only the root stays, selected.
    pub fn collapse_all(&mut self, lineage: &Lineage) {
        self.open.clear();
        self.selected.truncate(1);
        self.refresh(lineage);
    }
}

/// The tree moves by nodes, not by a list's scroll: the wheel moves one node per notch, and
/// clicks go through the view's last frame (`Action::ClickTreeNode`).
impl PaneState for LineageTree {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        None
    }

    fn move_by(&mut self, delta: isize, _page: usize) {
        LineageTree::move_by(self, delta);
    }

    fn wheel(&mut self, delta: isize, _page: usize) {
        LineageTree::move_by(self, delta.signum());
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        *self = match selected {
            Some(Selected {
                lineage: Some(lineage),
                image,
                ..
            }) => LineageTree::new(lineage, image),
            _ => LineageTree::default(),
        };
    }
}
