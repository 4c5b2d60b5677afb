//! Row counting: the rows are never listed; each node counts the rows below it, and a row
//! is found from those counts by a walk down one path of the tree.

use super::TreeView;

/// One visible row: a node at a depth, and for each depth above it whether that ancestor
/// was the last of its siblings (the tree's guide lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: u32,
    pub depth: u16,
    /// Bit `d` set: the ancestor at depth `d` (or the row itself, at its own depth) is the
    /// last shown child of its parent. Depths past 63 draw no guides.
    pub lasts: u64,
}

impl Row {
    pub fn is_last_at(&self, depth: u16) -> bool {
        depth < 64 && self.lasts & (1u64 << depth) != 0
    }
}

/// Rows from one row on, found from the counts: the path of (directory, position among its
/// shown children) down to the current row.
pub struct Rows<'a> {
    view: &'a TreeView,
    frames: Vec<(u32, usize)>,
}

impl Iterator for Rows<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        let row = self.view.row_of(&self.frames)?;
        if self.view.is_open(row.node) && self.view.can_open(row.node) {
            self.frames.push((row.node, 0));
        } else {
            while let Some((dir, at)) = self.frames.last_mut() {
                *at += 1;
                if *at < self.view.children(*dir).len() {
                    break;
                }
                self.frames.pop();
            }
        }
        Some(row)
    }
}

impl TreeView {
    /// Rows below a node when it is open.
    pub(super) fn below(&self, id: u32) -> usize {
        let base = match self.open.default {
            true => self.visible.below(id),
            false => self.children(id).len(),
        };
        (base as i64 + self.open.adjust(id)).max(0) as usize
    }

    /// How many rows there are.
    pub fn row_count(&self) -> usize {
        self.below(0)
    }

    /// Opens or closes a directory, and counts its rows in or out of every open directory
    /// above it.
    pub(super) fn set_open(&mut self, id: u32, open: bool) -> bool {
        if id == 0 || self.is_open(id) == open || !self.can_open(id) {
            return false;
        }
        let rows = self.below(id) as i64;
        self.open.flip(id);
        let delta = if open { rows } else { -rows };
        let mut at = self.node(id).parent;
        loop {
            self.open.add(at, delta);
            if at == 0 || !self.is_open(at) {
                break;
            }
            at = self.node(at).parent;
        }
        true
    }

    /// The way down to row `index`.
    pub(super) fn locate(&self, index: usize) -> Option<Vec<(u32, usize)>> {
        let mut frames = Vec::new();
        let (mut dir, mut rest) = (0u32, index);
        'down: loop {
            for (at, &child) in self.children(dir).iter().enumerate() {
                if rest == 0 {
                    frames.push((dir, at));
                    return Some(frames);
                }
                rest -= 1;
                if self.is_open(child) {
                    let below = self.below(child);
                    if rest < below {
                        frames.push((dir, at));
                        dir = child;
                        continue 'down;
                    }
                    rest -= below;
                }
            }
            return None;
        }
    }

    pub(super) fn row_of(&self, frames: &[(u32, usize)]) -> Option<Row> {
        let &(dir, at) = frames.last()?;
        let node = *self.children(dir).get(at)?;
        let mut lasts = 0u64;
        for (depth, &(dir, at)) in frames.iter().enumerate().take(64) {
            if at + 1 == self.children(dir).len() {
                lasts |= 1u64 << depth;
            }
        }
        Some(Row {
            node,
            depth: (frames.len() - 1).min(u16::MAX as usize) as u16,
            lasts,
        })
    }

    /// The rows from `index` on, in order: take a page of them.
    pub fn rows_from(&self, index: usize) -> Rows<'_> {
        Rows {
            view: self,
            frames: self.locate(index).unwrap_or_default(),
        }
    }

    /// A node and its ancestors, the root left out, the top first.
    pub(super) fn chain(&self, id: u32) -> Vec<u32> {
        let mut chain = Vec::new();
        let mut at = id;
        while at != 0 {
            chain.push(at);
            at = self.node(at).parent;
        }
        chain.reverse();
        chain
    }

    /// The row of a node, when it is one.
    pub(super) fn index_of(&self, id: u32) -> Option<usize> {
        let chain = self.chain(id);
        let mut index = 0;
        let mut dir = 0u32;
        for (depth, &node) in chain.iter().enumerate() {
            if !self.is_open(dir) {
                return None;
            }
            let children = self.children(dir);
            let at = children.iter().position(|&c| c == node)?;
            for &before in &children[..at] {
                index += 1;
                if self.is_open(before) {
                    index += self.below(before);
                }
            }
            if depth + 1 == chain.len() {
                return Some(index);
            }
            index += 1;
            dir = node;
        }
        None
    }

    /// The node itself when it is a row, else its nearest ancestor that is; 0 for none.
    pub(super) fn nearest_row(&self, id: u32) -> u32 {
        let mut at = 0;
        for node in self.chain(id) {
            if !self.is_open(at) || !self.visible.shows(node) {
                break;
            }
            at = node;
        }
        at
    }

    /// Puts the cursor on a node, or on its nearest ancestor still a row.
    pub(super) fn place(&mut self, keep: Option<u32>) {
        let at = keep
            .map(|id| self.nearest_row(id))
            .filter(|&id| id != 0)
            .and_then(|id| self.index_of(id))
            .unwrap_or(0);
        self.scroll.go(at, self.row_count(), self.page);
    }

    /// Opens the directories above a node.
    pub(super) fn open_to(&mut self, id: u32) {
        let chain = self.chain(id);
        for &dir in chain.iter().take(chain.len().saturating_sub(1)) {
            self.set_open(dir, true);
        }
    }
}
