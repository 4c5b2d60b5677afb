//! The path filter over a whole tree, as a job for the filter worker (`tui::tree_filter`).

use super::tree::FileTree;
use super::visible::{FileSort, Visible};
use cairn_core::contents::PathFilter;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The path filter (with "changed only") over a whole tree: a job for the filter worker, so
/// that a keystroke never waits for 100,000 paths to be matched.
#[derive(Debug, Clone)]
pub struct FilterJob {
    pub(super) tree: Arc<FileTree>,
    pub(super) filter: PathFilter,
    pub(super) changed_only: bool,
    /// The answer of a shorter substring this one contains: only its matches are tried.
    pub(super) narrows: Option<Arc<Visible>>,
    pub(super) generation: u64,
    /// Set when a newer job replaces this one: it stops where it is.
    pub(super) stale: Arc<AtomicBool>,
}

/// What a filter job found, for the view that asked.
#[derive(Debug)]
pub struct Filtered {
    pub(super) generation: u64,
    pub(super) tree: Arc<FileTree>,
    pub(super) visible: Arc<Visible>,
}

/// Nodes matched between two looks at whether the job went stale.
const STALE_EVERY: usize = 4096;

impl FilterJob {
    /// Which nodes pass; `None` when a newer job made this one stale first.
    pub fn run(&self) -> Option<Filtered> {
        let nodes = &self.tree.nodes;
        let needle = match &self.filter {
            PathFilter::Substring(needle) => Some(needle.clone()),
            PathFilter::Glob { .. } => None,
        };
        let earlier = match (&needle, &self.narrows) {
            (Some(needle), Some(visible)) => visible
                .matched
                .as_ref()
                .filter(|(shorter, _)| contains(needle, shorter))
                .map(|(_, nodes)| nodes),
            _ => None,
        };
        let mut matched = Vec::new();
        match earlier {
            Some(candidates) => {
                for (i, &id) in candidates.iter().enumerate() {
                    if i.is_multiple_of(STALE_EVERY) && self.stale.load(Ordering::Relaxed) {
                        return None;
                    }
                    if self.filter.matches(&self.tree.path(id)) {
                        matched.push(id);
                    }
                }
            }
            // Depth first with one path buffer: each path is its parent's plus a name.
            None => {
                let mut path: Vec<u8> = Vec::new();
                let mut stack: Vec<(u32, usize)> = Vec::new();
                stack.extend(
                    self.tree
                        .children(0, FileSort::Name)
                        .iter()
                        .map(|&c| (c, 0)),
                );
                let mut seen = 0usize;
                while let Some((id, len)) = stack.pop() {
                    seen += 1;
                    if seen.is_multiple_of(STALE_EVERY) && self.stale.load(Ordering::Relaxed) {
                        return None;
                    }
                    path.truncate(len);
                    path.push(b'/');
                    path.extend_from_slice(&nodes[id as usize].name);
                    if self.filter.matches(&path) {
                        matched.push(id);
                    }
                    let here = path.len();
                    stack.extend(
                        self.tree
                            .children(id, FileSort::Name)
                            .iter()
                            .map(|&c| (c, here)),
                    );
                }
                matched.sort_unstable();
            }
        }
        let mut shown = vec![false; nodes.len()];
        for &id in &matched {
            if !self.changed_only || nodes[id as usize].mark.is_some() {
                shown[id as usize] = true;
            }
        }
        if let Some(root) = shown.first_mut() {
            *root = true;
        }
        for id in (1..nodes.len()).rev() {
            if shown[id] {
                shown[nodes[id].parent as usize] = true;
            }
        }
        let visible = Visible::narrowed(
            nodes,
            &self.tree.all,
            shown,
            needle.map(|needle| (needle, matched)),
        );
        Some(Filtered {
            generation: self.generation,
            tree: Arc::clone(&self.tree),
            visible: Arc::new(visible),
        })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}
