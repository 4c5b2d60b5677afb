//! The Files pane's state, and the file tree it shares with the Diff pane.
//!
//! The model hands the browser a list of paths with what changed them; [`FileTree`] turns
//! that into an arena of nodes once, off the UI thread, with directory totals. [`TreeView`]
//! is the part keys change: which directories are open, which nodes the filter and the
//! "changed only" toggle let through, the sort, and the flattened list of visible rows the
//! view draws a page of. Expanding or scrolling touches only that list, so a tree of 100,000
//! entries costs one pass over the visible rows per key, never a pass over the model.
//!
//! The Files pane shows the selected image's merged tree at one of its layers (the top one
//! at first), or only that layer's changes.

use super::{PaneState, Selected};
use crate::tui::scroll::Scroll;
use cairn_core::contents::image_layers;
use cairn_core::contents::{EntryKind, PathFilter};
use cairn_core::{ImageIdx, LayerIdx};
use std::collections::{HashMap, HashSet};

/// What changed a path, as the tree marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    Added,
    Modified,
    Removed,
    /// The path is there, but as another type (a file where a directory was).
    TypeChanged,
}

impl Mark {
    /// The symbol shown before the path, so the marks read without colors.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Added => "+",
            Mark::Modified => "~",
            Mark::Removed => "-",
            Mark::TypeChanged => "T",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Mark::Added => "added",
            Mark::Modified => "modified",
            Mark::Removed => "removed",
            Mark::TypeChanged => "type changed",
        }
    }
}

/// One path as the model gives it to the tree.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    /// Relative to the root, `/`-separated, raw bytes.
    pub path: &'a [u8],
    pub kind: EntryKind,
    pub size: u64,
    pub link: Option<&'a [u8]>,
    pub mark: Option<Mark>,
    /// The layer that last changed the path, by its position in the image (0 = base),
    /// where known.
    pub layer: Option<usize>,
}

/// One node of the tree. Node 0 is the root, `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The last component of the path, raw.
    pub name: Box<[u8]>,
    pub parent: u32,
    pub kind: EntryKind,
    /// The entry's own size (a regular file's bytes).
    pub size: u64,
    /// The entry's size plus everything below it, removed entries left out.
    pub total: u64,
    pub mark: Option<Mark>,
    /// The position (0 = base) of the layer that last changed it.
    pub layer: Option<usize>,
    pub link: Option<Box<[u8]>>,
    /// In the current sort order.
    pub children: Vec<u32>,
    /// Something at or below this node is marked.
    pub changed: bool,
}

/// The tree of paths, built once per answer of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTree {
    pub nodes: Vec<Node>,
    /// How many paths carry each mark, counted once when built: the title shows them on
    /// every frame.
    counts: Vec<(Mark, usize)>,
}

impl Default for FileTree {
    fn default() -> Self {
        FileTree {
            nodes: vec![Node::dir(Box::default(), 0)],
            counts: Vec::new(),
        }
    }
}

impl Node {
    fn dir(name: Box<[u8]>, parent: u32) -> Self {
        Node {
            name,
            parent,
            kind: EntryKind::Dir,
            size: 0,
            total: 0,
            mark: None,
            layer: None,
            link: None,
            children: Vec::new(),
            changed: false,
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }
}

impl FileTree {
    /// The tree of `inputs`, in any order. Directories that no input names are made as
    /// plain directories; a path given twice keeps the last. Children are sorted by name.
    pub fn build<'a>(inputs: impl IntoIterator<Item = FileInput<'a>>) -> Self {
        let mut tree = FileTree::default();
        let mut by_path: HashMap<&'a [u8], u32> = HashMap::new();
        for input in inputs {
            let path = trim_slashes(input.path);
            if path.is_empty() {
                continue;
            }
            let id = tree.node_at(&mut by_path, path);
            tree.set(id, &input);
        }
        tree.finish()
    }

    /// Adds a node named `name` under `parent`, a node added before it (0, the root, at
    /// first), and returns it: for a caller that walks a tree from its root, which needs no
    /// lookups by path. [`FileTree::finish`] makes the tree whole.
    pub fn push(&mut self, parent: u32, name: &[u8], input: &FileInput<'_>) -> u32 {
        let id = self.nodes.len() as u32;
        let parent = if (parent as usize) < self.nodes.len() {
            parent
        } else {
            0
        };
        self.nodes.push(Node::dir(name.into(), parent));
        self.nodes[parent as usize].children.push(id);
        self.set(id, input);
        id
    }

    fn set(&mut self, id: u32, input: &FileInput<'_>) {
        let node = &mut self.nodes[id as usize];
        node.kind = input.kind;
        node.size = input.size;
        node.link = input.link.map(Box::from);
        node.mark = input.mark;
        node.layer = input.layer;
    }

    /// Directory totals, children by name, the marks counted: after the last node.
    pub fn finish(mut self) -> Self {
        self.sum();
        self.sort(FileSort::Name);
        let mut counts: HashMap<Mark, usize> = HashMap::new();
        for mark in self.nodes.iter().filter_map(|n| n.mark) {
            *counts.entry(mark).or_insert(0) += 1;
        }
        self.counts = [
            Mark::Added,
            Mark::Modified,
            Mark::TypeChanged,
            Mark::Removed,
        ]
        .into_iter()
        .filter_map(|m| counts.get(&m).map(|&n| (m, n)))
        .collect();
        self
    }

    /// The node for `path`, made with its missing parents. Parents are always made before
    /// their children, so a node's index is above its parent's.
    fn node_at<'a>(&mut self, by_path: &mut HashMap<&'a [u8], u32>, path: &'a [u8]) -> u32 {
        if let Some(&id) = by_path.get(path) {
            return id;
        }
        let (parent, name) = match path.iter().rposition(|&b| b == b'/') {
            Some(at) => (self.node_at(by_path, &path[..at]), &path[at + 1..]),
            None => (0, path),
        };
        let id = self.nodes.len() as u32;
        self.nodes.push(Node::dir(name.into(), parent));
        self.nodes[parent as usize].children.push(id);
        by_path.insert(path, id);
        id
    }

    /// Directory totals and the "changed below" flags, children before parents. A removed
    /// directory totals what it hid, but what is removed counts for no directory that stays.
    fn sum(&mut self) {
        for id in (1..self.nodes.len()).rev() {
            let node = &mut self.nodes[id];
            node.total = node.total.saturating_add(node.size);
            node.changed |= node.mark.is_some();
            let removed = node.mark == Some(Mark::Removed);
            let (total, changed, parent) = (node.total, node.changed, node.parent as usize);
            let parent = &mut self.nodes[parent];
            if !removed || parent.mark == Some(Mark::Removed) {
                parent.total = parent.total.saturating_add(total);
            }
            parent.changed |= changed;
        }
    }

    /// Orders every directory's children.
    pub fn sort(&mut self, sort: FileSort) {
        let mut children: Vec<Vec<u32>> = self
            .nodes
            .iter_mut()
            .map(|n| std::mem::take(&mut n.children))
            .collect();
        for list in &mut children {
            match sort {
                FileSort::Name => list.sort_by(|&a, &b| {
                    self.nodes[a as usize]
                        .name
                        .cmp(&self.nodes[b as usize].name)
                }),
                FileSort::Size => list.sort_by(|&a, &b| {
                    let (a, b) = (&self.nodes[a as usize], &self.nodes[b as usize]);
                    b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name))
                }),
            }
        }
        for (node, list) in self.nodes.iter_mut().zip(children) {
            node.children = list;
        }
    }

    /// The absolute path of a node, raw: `/etc/passwd`.
    pub fn path(&self, id: u32) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut at = id;
        while at != 0 {
            let node = &self.nodes[at as usize];
            parts.push(&node.name[..]);
            at = node.parent;
        }
        let mut path = Vec::new();
        for part in parts.iter().rev() {
            path.push(b'/');
            path.extend_from_slice(part);
        }
        if path.is_empty() {
            path.push(b'/');
        }
        path
    }

    /// Entries in the tree, the root left out.
    pub fn len(&self) -> usize {
        self.nodes.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many paths carry each mark, for the marks that some path carries: added,
    /// modified, type changed, removed.
    pub fn counts(&self) -> &[(Mark, usize)] {
        &self.counts
    }
}

fn trim_slashes(path: &[u8]) -> &[u8] {
    let path = path.strip_prefix(b"./").unwrap_or(path);
    let start = path.iter().position(|&b| b != b'/').unwrap_or(path.len());
    let end = path
        .iter()
        .rposition(|&b| b != b'/')
        .map_or(start, |e| e + 1);
    &path[start..end.max(start)]
}

/// How the rows of a directory are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileSort {
    #[default]
    Name,
    /// Largest first, directories by their totals.
    Size,
}

impl FileSort {
    pub fn label(self) -> &'static str {
        match self {
            FileSort::Name => "name",
            FileSort::Size => "size",
        }
    }
}

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

/// What keys change about a tree: open directories, the filter, the toggles, the cursor.
#[derive(Debug, Clone, Default)]
pub struct TreeView {
    pub tree: FileTree,
    open: Vec<bool>,
    /// Whether the filter and the toggles let a node through.
    shown: Vec<bool>,
    pub rows: Vec<Row>,
    pub scroll: Scroll,
    pub sort: FileSort,
    pub changed_only: bool,
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// Why the filter text is not a filter (a bad glob).
    pub filter_error: Option<String>,
    /// Rows on screen, for keeping the cursor visible.
    page: usize,
}

impl TreeView {
    /// A view of a tree: the top level shown, directories closed, or, for a tree of changes
    /// (which is small, and whose every row matters), every directory open.
    pub fn new(tree: FileTree, sort: FileSort, changed_only: bool, open_all: bool) -> Self {
        let len = tree.nodes.len();
        let mut view = TreeView {
            tree,
            open: vec![false; len],
            shown: vec![true; len],
            sort,
            changed_only,
            page: 1,
            ..TreeView::default()
        };
        view.open[0] = true;
        if open_all {
            for (open, node) in view.open.iter_mut().zip(&view.tree.nodes) {
                *open = node.is_dir();
            }
        }
        if sort != FileSort::Name {
            view.tree.sort(sort);
        }
        view.apply_filter();
        view
    }

    /// Keeps the old view's choices (sort, toggles, filter) for a new tree of the same pane.
    /// The directories that were open stay open, and the cursor stays on its path when the
    /// new tree has it (stepping through layers keeps one's place).
    pub fn replaced(&self, tree: FileTree, open_all: bool) -> Self {
        let mut view = TreeView::new(tree, self.sort, self.changed_only, open_all);
        view.filter = self.filter.clone();
        view.page = self.page;
        let open: HashSet<Vec<u8>> = self
            .paths()
            .into_iter()
            .enumerate()
            .filter(|&(id, _)| id > 0 && self.open[id])
            .map(|(_, path)| path)
            .collect();
        for (id, path) in view.paths().into_iter().enumerate() {
            if open.contains(&path) {
                view.open[id] = true;
            }
        }
        view.apply_filter();
        if let Some(at) = self.selected() {
            view.reveal(&self.tree.path(at));
        }
        view
    }

    /// Every node's absolute path, in one walk that builds each path from its parent's
    /// (node indexes are above their parents').
    fn paths(&self) -> Vec<Vec<u8>> {
        let mut paths: Vec<Vec<u8>> = Vec::with_capacity(self.tree.nodes.len());
        paths.push(Vec::new());
        for node in &self.tree.nodes[1..] {
            let mut path = paths[node.parent as usize].clone();
            path.push(b'/');
            path.extend_from_slice(&node.name);
            paths.push(path);
        }
        paths
    }

    /// The node under the cursor.
    pub fn selected(&self) -> Option<u32> {
        self.rows.get(self.scroll.cursor).map(|r| r.node)
    }

    pub fn node(&self, id: u32) -> &Node {
        &self.tree.nodes[id as usize]
    }

    pub fn is_open(&self, id: u32) -> bool {
        self.open.get(id as usize).copied().unwrap_or(false)
    }

    fn has_shown_children(&self, id: u32) -> bool {
        self.node(id)
            .children
            .iter()
            .any(|&c| self.shown[c as usize])
    }

    /// Whether a row can open: a directory with something shown in it.
    pub fn can_open(&self, id: u32) -> bool {
        self.has_shown_children(id)
    }

    /// Recomputes the visible rows from the open set, keeping the cursor on its node, or
    /// on its nearest ancestor still visible.
    fn refresh(&mut self) {
        let keep = self.selected();
        let mut rows = Vec::new();
        // Depth-first, without recursion: a hostile tree may be deep.
        let mut stack: Vec<(u32, u16, u64)> = Vec::new();
        let push_children =
            |stack: &mut Vec<(u32, u16, u64)>, view: &TreeView, id, depth, lasts| {
                // Pushed last first, so they pop in order; the first shown one met is the
                // last of its siblings.
                let mut last = true;
                for &child in view.node(id).children.iter().rev() {
                    if !view.shown[child as usize] {
                        continue;
                    }
                    let mut lasts: u64 = lasts;
                    if depth < 64 && last {
                        lasts |= 1u64 << depth;
                    }
                    last = false;
                    stack.push((child, depth, lasts));
                }
            };
        push_children(&mut stack, self, 0, 0, 0);
        while let Some((node, depth, lasts)) = stack.pop() {
            rows.push(Row { node, depth, lasts });
            if self.open[node as usize] {
                push_children(&mut stack, self, node, depth.saturating_add(1), lasts);
            }
        }
        self.rows = rows;
        let mut target = keep;
        let mut at = None;
        while let Some(node) = target {
            if let Some(i) = self.rows.iter().position(|r| r.node == node) {
                at = Some(i);
                break;
            }
            target = (node != 0).then(|| self.node(node).parent);
        }
        self.scroll.go(at.unwrap_or(0), self.rows.len(), self.page);
    }

    /// Works out which nodes the filter and the "changed only" toggle let through: a node
    /// that passes shows its ancestors too. While either is on, every directory shown is
    /// open, so that what passes is on screen.
    pub fn apply_filter(&mut self) {
        let filter = match self.filter.as_str() {
            "" => None,
            text => match PathFilter::parse(text) {
                Ok(filter) => {
                    self.filter_error = None;
                    Some(filter)
                }
                Err(e) => {
                    self.filter_error = Some(e.reason);
                    None
                }
            },
        };
        let len = self.tree.nodes.len();
        self.shown = vec![false; len];
        self.shown[0] = true;
        let narrowed = filter.is_some() || self.changed_only;
        if !narrowed {
            self.shown.fill(true);
        } else {
            let passes: Vec<bool> = match &filter {
                Some(filter) => self.paths_matching(filter),
                None => vec![true; len],
            };
            for id in (1..len).rev() {
                let node = &self.tree.nodes[id];
                let own = passes[id] && (!self.changed_only || node.mark.is_some());
                if own || self.shown[id] {
                    self.shown[id] = true;
                    self.shown[node.parent as usize] = true;
                }
            }
            for id in 0..len {
                if self.shown[id] && self.tree.nodes[id].is_dir() {
                    self.open[id] = true;
                }
            }
        }
        self.refresh();
    }

    /// Which nodes' absolute paths match.
    fn paths_matching(&self, filter: &PathFilter) -> Vec<bool> {
        self.paths()
            .iter()
            .map(|path| filter.matches(path))
            .collect()
    }

    /// Opens the directory under the cursor; when it is open, goes to its first child.
    pub fn expand(&mut self) {
        let Some(id) = self.selected() else {
            return;
        };
        if !self.can_open(id) {
            return;
        }
        if self.open[id as usize] {
            self.move_by(1, self.page);
        } else {
            self.open[id as usize] = true;
            self.refresh();
        }
    }

    /// Closes the directory under the cursor; when it is closed (or a file), goes to its
    /// parent's row.
    pub fn collapse(&mut self) {
        let Some(id) = self.selected() else {
            return;
        };
        if self.open[id as usize] && self.can_open(id) {
            self.open[id as usize] = false;
            self.refresh();
            return;
        }
        let parent = self.node(id).parent;
        if let Some(i) = self.rows.iter().position(|r| r.node == parent) {
            self.scroll.go(i, self.rows.len(), self.page);
        }
    }

    pub fn toggle(&mut self) {
        let Some(id) = self.selected() else {
            return;
        };
        if self.can_open(id) {
            self.open[id as usize] = !self.open[id as usize];
            self.refresh();
        }
    }

    pub fn expand_all(&mut self) {
        for (open, node) in self.open.iter_mut().zip(&self.tree.nodes) {
            *open = node.is_dir();
        }
        self.refresh();
    }

    pub fn collapse_all(&mut self) {
        self.open.fill(false);
        self.open[0] = true;
        self.refresh();
    }

    /// Name, then size, then name again.
    pub fn cycle_sort(&mut self) {
        self.sort = match self.sort {
            FileSort::Name => FileSort::Size,
            FileSort::Size => FileSort::Name,
        };
        self.tree.sort(self.sort);
        self.refresh();
    }

    pub fn toggle_changed_only(&mut self) {
        self.changed_only = !self.changed_only;
        self.apply_filter();
    }

    pub fn filter_push(&mut self, c: char) {
        self.filter.push(c);
        self.apply_filter();
    }

    pub fn filter_pop(&mut self) {
        self.filter.pop();
        self.apply_filter();
    }

    pub fn filter_clear(&mut self) {
        self.filtering = false;
        if !self.filter.is_empty() {
            self.filter.clear();
            self.apply_filter();
        }
    }

    /// Moves the cursor to a path's node, opening its ancestors; false when the path is not
    /// in the tree or the filter hides it.
    pub fn reveal(&mut self, path: &[u8]) -> bool {
        let mut at = 0u32;
        for part in trim_slashes(path).split(|&b| b == b'/') {
            let Some(&child) = self
                .node(at)
                .children
                .iter()
                .find(|&&c| &*self.node(c).name == part)
            else {
                return false;
            };
            if !self.shown[child as usize] {
                return false;
            }
            self.open[at as usize] = true;
            at = child;
        }
        self.refresh();
        match self.rows.iter().position(|r| r.node == at) {
            Some(i) => {
                self.scroll.go(i, self.rows.len(), self.page);
                true
            }
            None => false,
        }
    }
}

impl PaneState for TreeView {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        Some((&mut self.scroll, self.rows.len()))
    }

    fn move_by(&mut self, delta: isize, page: usize) {
        self.page = page;
        self.scroll.by(delta, self.rows.len(), page);
    }

    fn clamp(&mut self, page: usize) {
        self.page = page;
        self.scroll.go(self.scroll.cursor, self.rows.len(), page);
    }
}

/// Where a pane's tree stands.
#[derive(Debug, Clone, Default)]
pub enum Contents {
    /// Nothing selected, or nothing asked yet.
    #[default]
    None,
    /// Asked for; the loader's progress is in the status line.
    Loading,
    Ready(Box<TreeView>),
    /// The store could not give the entries: one line saying why.
    Failed(String),
}

impl Contents {
    pub fn view(&self) -> Option<&TreeView> {
        match self {
            Contents::Ready(view) => Some(view),
            _ => None,
        }
    }

    pub fn view_mut(&mut self) -> Option<&mut TreeView> {
        match self {
            Contents::Ready(view) => Some(view),
            _ => None,
        }
    }

    /// Takes the model's answer, keeping the choices made on the tree it replaces; a tree of
    /// changes comes with every directory open.
    pub fn receive(&mut self, answer: Result<FileTree, String>, changes: bool) {
        *self = match (answer, self.view()) {
            (Ok(tree), Some(old)) => Contents::Ready(Box::new(old.replaced(tree, changes))),
            (Ok(tree), None) => Contents::Ready(Box::new(TreeView::new(
                tree,
                FileSort::Name,
                false,
                changes,
            ))),
            (Err(e), _) => Contents::Failed(e),
        };
    }
}

/// What the Files pane shows: one image's merged tree at one of its layers, or that layer's
/// changes only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesSubject {
    pub image: ImageIdx,
    /// The image's layers, base first.
    pub layers: Vec<LayerIdx>,
    /// Which of them, by position from the base.
    pub at: usize,
    /// Only the layer's changes, not the merged tree.
    pub layer_only: bool,
}

impl FilesSubject {
    /// The layer shown.
    pub fn layer(&self) -> Option<LayerIdx> {
        self.layers.get(self.at).copied()
    }
}

#[derive(Debug, Clone, Default)]
pub struct FilesPane {
    pub subject: Option<FilesSubject>,
    pub contents: Contents,
    /// The subject the contents are of (or being loaded for).
    pub loaded: Option<FilesSubject>,
    /// A path to put the cursor on when the tree being loaded comes.
    pub reveal: Option<Vec<u8>>,
}

impl FilesPane {
    /// Shows another layer of the same image, `delta` steps up (towards the top) or down.
    pub fn step_layer(&mut self, delta: isize) {
        if let Some(subject) = &mut self.subject {
            let last = subject.layers.len().saturating_sub(1) as isize;
            subject.at = (subject.at as isize + delta).clamp(0, last) as usize;
        }
    }

    /// Shows a layer by index, when the image has it.
    pub fn show_layer(&mut self, layer: LayerIdx) -> bool {
        let Some(subject) = &mut self.subject else {
            return false;
        };
        match subject.layers.iter().position(|&l| l == layer) {
            Some(at) => {
                subject.at = at;
                true
            }
            None => false,
        }
    }

    pub fn toggle_layer_only(&mut self) {
        if let Some(subject) = &mut self.subject {
            subject.layer_only = !subject.layer_only;
        }
    }

    /// The subject, when the contents shown are not of it: what the loader should read.
    pub fn wanted(&self) -> Option<&FilesSubject> {
        self.subject
            .as_ref()
            .filter(|s| !s.layers.is_empty() && self.loaded.as_ref() != Some(*s))
    }
}

impl PaneState for FilesPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        self.contents.view_mut()?.list()
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        let subject = selected.map(|s| {
            let layers = image_layers(&s.store.catalog, s.image);
            // The same image again (the lineage came, the store reloaded unchanged): the
            // layer shown stays.
            let at = match &self.subject {
                Some(old) if old.image == s.image && old.layers == layers => old.at,
                _ => layers.len().saturating_sub(1),
            };
            FilesSubject {
                image: s.image,
                at,
                layers,
                layer_only: self.subject.as_ref().is_some_and(|s| s.layer_only),
            }
        });
        if subject.as_ref().map(|s| s.image) != self.subject.as_ref().map(|s| s.image) {
            self.contents = Contents::None;
            self.loaded = None;
        }
        self.subject = subject;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: &'static str, size: u64, mark: Option<Mark>) -> FileInput<'static> {
        FileInput {
            path: path.as_bytes(),
            kind: if path.ends_with('/') {
                EntryKind::Dir
            } else {
                EntryKind::File
            },
            size,
            link: None,
            mark,
            layer: None,
        }
    }

    fn sample() -> FileTree {
        FileTree::build([
            input("etc/", 0, None),
            input("etc/passwd", 100, Some(Mark::Modified)),
            input("etc/hosts", 10, None),
            input("usr/lib/big.so", 5000, Some(Mark::Added)),
            input("tmp/gone", 70, Some(Mark::Removed)),
        ])
    }

    fn names(view: &TreeView) -> Vec<String> {
        view.rows
            .iter()
            .map(|r| {
                format!(
                    "{}{}",
                    "  ".repeat(r.depth as usize),
                    String::from_utf8_lossy(&view.node(r.node).name)
                )
            })
            .collect()
    }

    #[test]
    fn directories_total_what_is_below_them_but_not_what_was_removed() {
        let tree = sample();
        let view = TreeView::new(tree, FileSort::Name, false, false);
        let total = |name: &str| {
            view.tree
                .nodes
                .iter()
                .find(|n| &*n.name == name.as_bytes())
                .map(|n| n.total)
        };
        assert_eq!(total("etc"), Some(110));
        assert_eq!(total("usr"), Some(5000));
        // What was removed counts for the removed path alone.
        assert_eq!(total("tmp"), Some(0));
        assert_eq!(total("gone"), Some(70));
        assert_eq!(view.tree.nodes[0].total, 5110);
    }

    #[test]
    fn only_the_top_level_shows_until_a_directory_opens() {
        let mut view = TreeView::new(sample(), FileSort::Name, false, false);
        assert_eq!(names(&view), ["etc", "tmp", "usr"]);
        view.expand();
        assert_eq!(names(&view), ["etc", "  hosts", "  passwd", "tmp", "usr"]);
        view.expand();
        assert_eq!(
            view.selected().map(|n| &*view.node(n).name),
            Some(&b"hosts"[..])
        );
        view.collapse();
        assert_eq!(view.scroll.cursor, 0);
        view.collapse();
        assert_eq!(names(&view), ["etc", "tmp", "usr"]);
    }

    #[test]
    fn size_sort_puts_the_largest_first() {
        let mut view = TreeView::new(sample(), FileSort::Name, false, false);
        view.cycle_sort();
        assert_eq!(names(&view), ["usr", "etc", "tmp"]);
    }

    #[test]
    fn changed_only_keeps_marked_paths_and_their_parents_open() {
        let mut view = TreeView::new(sample(), FileSort::Name, false, false);
        view.toggle_changed_only();
        assert_eq!(
            names(&view),
            [
                "etc",
                "  passwd",
                "tmp",
                "  gone",
                "usr",
                "  lib",
                "    big.so"
            ]
        );
    }

    #[test]
    fn a_filter_is_a_substring_or_a_glob() {
        let mut view = TreeView::new(sample(), FileSort::Name, false, false);
        for c in "pass".chars() {
            view.filter_push(c);
        }
        assert_eq!(names(&view), ["etc", "  passwd"]);
        view.filter_clear();
        for c in "*.so".chars() {
            view.filter_push(c);
        }
        assert_eq!(names(&view), ["usr", "  lib", "    big.so"]);
        view.filter_clear();
        for c in "[".chars() {
            view.filter_push(c);
        }
        assert!(view.filter_error.is_some());
    }

    #[test]
    fn reveal_opens_the_way_to_a_path() {
        let mut view = TreeView::new(sample(), FileSort::Name, false, false);
        assert!(view.reveal(b"/usr/lib/big.so"));
        assert_eq!(
            view.selected().map(|n| view.tree.path(n)),
            Some(b"/usr/lib/big.so".to_vec())
        );
        assert!(!view.reveal(b"/usr/nothing"));
    }

    #[test]
    fn a_new_tree_keeps_the_open_directories_and_the_cursor() {
        let mut view = TreeView::new(sample(), FileSort::Name, false, false);
        assert!(view.reveal(b"/usr/lib/big.so"));
        let tree = FileTree::build([
            input("usr/lib/big.so", 5000, None),
            input("usr/lib/other.so", 10, Some(Mark::Added)),
            input("etc/passwd", 100, None),
        ]);
        let view = view.replaced(tree, false);
        assert_eq!(
            names(&view),
            ["etc", "usr", "  lib", "    big.so", "    other.so"]
        );
        assert_eq!(
            view.selected().map(|n| view.tree.path(n)),
            Some(b"/usr/lib/big.so".to_vec())
        );
    }

    #[test]
    fn paths_without_their_directories_still_make_a_tree() {
        let tree = FileTree::build([input("./a/b/c", 1, None), input("/a/b/", 0, None)]);
        assert_eq!(tree.len(), 3);
        assert_eq!(tree.path(3), b"/a/b/c");
    }
}
