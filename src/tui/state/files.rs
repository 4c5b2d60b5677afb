//! The Files pane's state, and the file tree it shares with the Diff pane.
//!
//! The model hands the browser a list of paths with what changed them; [`FileTree`] turns
//! that into an arena of nodes once, off the UI thread, with directory totals, each
//! directory's children sorted by name and by size, and the nodes "changed only" keeps.
//! [`TreeView`] is the part keys change: which directories are open (a default and the few
//! flipped from it), which nodes show, the sort, the cursor. The rows are never listed: each
//! node counts the rows below it, and the page on screen is found from those counts. So no
//! key costs a pass over the tree's 100,000 paths on the UI thread: a sort switches index
//! arrays, expand-all sets a default, and the path filter runs as a [`FilterJob`] on the
//! filter worker (`tui::tree_filter`), the rows staying the previous answer's meanwhile.
//!
//! The Files pane shows the selected image's merged tree at one of its layers (the top one
//! at first), or only that layer's changes.

use super::{PaneState, Selected};
use crate::tui::app::free_elsewhere;
use crate::tui::scroll::Scroll;
use cairn_core::contents::image_layers;
use cairn_core::contents::{EntryKind, PathFilter};
use cairn_core::{ImageIdx, LayerIdx};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
    /// Something at or below this node is marked.
    pub changed: bool,
}

/// The tree of paths, built once per answer of the model, off the UI thread, with all that
/// keys need ready: each directory's children in both sort orders, and what shows with
/// nothing narrowed and with "changed only". A key then switches between these instead of
/// sorting or walking the tree.
#[derive(Debug, Clone)]
pub struct FileTree {
    pub nodes: Vec<Node>,
    /// How many paths carry each mark, counted once when built: the title shows them on
    /// every frame.
    counts: Vec<(Mark, usize)>,
    /// Every node shown.
    all: Arc<Visible>,
    /// The marked nodes and the directories above them.
    changed: Arc<Visible>,
}

impl Default for FileTree {
    fn default() -> Self {
        FileTree::unfinished().finish()
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
            changed: false,
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }
}

impl FileTree {
    /// The root alone, before [`FileTree::finish`].
    fn unfinished() -> Self {
        FileTree {
            nodes: vec![Node::dir(Box::default(), 0)],
            counts: Vec::new(),
            all: Arc::default(),
            changed: Arc::default(),
        }
    }

    /// The tree of `inputs`, in any order. Directories that no input names are made as
    /// plain directories; a path given twice keeps the last. Children are sorted by name.
    pub fn build<'a>(inputs: impl IntoIterator<Item = FileInput<'a>>) -> Self {
        let mut tree = FileTree::unfinished();
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

    /// Directory totals, the marks counted, children in both orders, and what shows with
    /// nothing narrowed and with "changed only": after the last node.
    pub fn finish(mut self) -> Self {
        self.sum();
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
        let all = Visible::all(&self.nodes);
        let changed: Vec<bool> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(id, n)| id == 0 || n.changed)
            .collect();
        self.changed = Arc::new(Visible::narrowed(&self.nodes, &all, changed, None));
        self.all = Arc::new(all);
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
        by_path.insert(path, id);
        id
    }

    /// Directory totals and the "changed below" flags, children before parents. A removed
    /// directory totals what it hid, but what is removed counts for no directory that stays.
    fn sum(&mut self) {
        for node in &mut self.nodes {
            node.total = 0;
            node.changed = false;
        }
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

    /// A directory's children in an order.
    pub fn children(&self, id: u32, sort: FileSort) -> &[u32] {
        self.all.children(id, sort)
    }

    /// The child of a directory by name.
    fn child_named(&self, id: u32, name: &[u8]) -> Option<u32> {
        let children = self.all.children(id, FileSort::Name);
        let at = children
            .binary_search_by(|&c| self.nodes[c as usize].name[..].cmp(name))
            .ok()?;
        Some(children[at])
    }

    /// The node of an absolute or relative path.
    pub fn lookup(&self, path: &[u8]) -> Option<u32> {
        let path = trim_slashes(path);
        if path.is_empty() {
            return None;
        }
        path.split(|&b| b == b'/')
            .try_fold(0u32, |at, part| self.child_named(at, part))
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

    /// What the tree holds on the heap beyond its nodes: names, links, and the children
    /// and counts of what shows, for the benchmark's bytes a path.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<Node>()
            + self
                .nodes
                .iter()
                .map(|n| n.name.len() + n.link.as_ref().map_or(0, |l| l.len()))
                .sum::<usize>()
            + self.all.heap_bytes()
            + self.changed.heap_bytes()
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

/// Which nodes show (all of them, the changed ones, what a filter lets through), with each
/// directory's shown children in both orders and how many shown nodes are below each node:
/// what the rows are counted and found from without listing them.
#[derive(Debug, Default)]
pub struct Visible {
    shown: Vec<bool>,
    /// A node's shown children are `by_name[starts[n]..starts[n + 1]]`, and the same range
    /// of `by_size`.
    starts: Vec<u32>,
    by_name: Vec<u32>,
    by_size: Vec<u32>,
    /// Shown nodes below each node.
    below: Vec<u32>,
    /// For a substring filter's answer: the text and the nodes whose own path has it, the
    /// only ones a longer text can match.
    matched: Option<(Vec<u8>, Vec<u32>)>,
}

impl Visible {
    /// Every node, children sorted both ways.
    fn all(nodes: &[Node]) -> Visible {
        let len = nodes.len();
        let mut starts = vec![0u32; len + 1];
        for node in nodes.iter().skip(1) {
            starts[node.parent as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut fill = starts.clone();
        let mut by_name = vec![0u32; len.saturating_sub(1)];
        for (id, node) in nodes.iter().enumerate().skip(1) {
            let at = &mut fill[node.parent as usize];
            by_name[*at as usize] = id as u32;
            *at += 1;
        }
        let mut by_size = by_name.clone();
        let name = |&a: &u32, &b: &u32| nodes[a as usize].name.cmp(&nodes[b as usize].name);
        for dir in 0..len {
            let range = starts[dir] as usize..starts[dir + 1] as usize;
            if range.len() < 2 {
                continue;
            }
            by_name[range.clone()].sort_by(name);
            by_size[range].sort_by(|a, b| {
                nodes[*b as usize]
                    .total
                    .cmp(&nodes[*a as usize].total)
                    .then_with(|| name(a, b))
            });
        }
        Visible {
            below: below(nodes, &vec![true; len]),
            shown: vec![true; len],
            starts,
            by_name,
            by_size,
            matched: None,
        }
    }

    /// The nodes `shown` lets through (a node's parent is shown when it is), in `all`'s
    /// orders.
    fn narrowed(
        nodes: &[Node],
        all: &Visible,
        shown: Vec<bool>,
        matched: Option<(Vec<u8>, Vec<u32>)>,
    ) -> Visible {
        let len = nodes.len();
        let mut starts = Vec::with_capacity(len + 1);
        starts.push(0u32);
        let (mut by_name, mut by_size) = (Vec::new(), Vec::new());
        let keep = |c: &&u32| shown.get(**c as usize).copied().unwrap_or(false);
        for dir in 0..len as u32 {
            by_name.extend(all.children(dir, FileSort::Name).iter().filter(keep));
            by_size.extend(all.children(dir, FileSort::Size).iter().filter(keep));
            starts.push(by_name.len() as u32);
        }
        Visible {
            below: below(nodes, &shown),
            shown,
            starts,
            by_name,
            by_size,
            matched,
        }
    }

    /// A node's shown children in an order.
    fn children(&self, id: u32, sort: FileSort) -> &[u32] {
        let id = id as usize;
        let (Some(&start), Some(&end)) = (self.starts.get(id), self.starts.get(id + 1)) else {
            return &[];
        };
        let list = match sort {
            FileSort::Name => &self.by_name,
            FileSort::Size => &self.by_size,
        };
        list.get(start as usize..end as usize).unwrap_or(&[])
    }

    fn shows(&self, id: u32) -> bool {
        self.shown.get(id as usize).copied().unwrap_or(false)
    }

    fn below(&self, id: u32) -> usize {
        self.below.get(id as usize).map_or(0, |&n| n as usize)
    }

    fn heap_bytes(&self) -> usize {
        self.shown.capacity()
            + 4 * (self.starts.capacity()
                + self.by_name.capacity()
                + self.by_size.capacity()
                + self.below.capacity())
    }
}

/// How many shown nodes are below each node: children come after their parents.
fn below(nodes: &[Node], shown: &[bool]) -> Vec<u32> {
    let mut below = vec![0u32; nodes.len()];
    for id in (1..nodes.len()).rev() {
        if shown.get(id).copied().unwrap_or(false) {
            let parent = nodes[id].parent as usize;
            below[parent] = below[parent].saturating_add(1).saturating_add(below[id]);
        }
    }
    below
}

/// The path filter (with "changed only") over a whole tree: a job for the filter worker, so
/// that a keystroke never waits for 100,000 paths to be matched.
#[derive(Debug, Clone)]
pub struct FilterJob {
    tree: Arc<FileTree>,
    filter: PathFilter,
    changed_only: bool,
    /// The answer of a shorter substring this one contains: only its matches are tried.
    narrows: Option<Arc<Visible>>,
    generation: u64,
    /// Set when a newer job replaces this one: it stops where it is.
    stale: Arc<AtomicBool>,
}

/// What a filter job found, for the view that asked.
#[derive(Debug)]
pub struct Filtered {
    generation: u64,
    tree: Arc<FileTree>,
    visible: Arc<Visible>,
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

/// Which directories are open: a default for all, and the few flipped from it, with how
/// much each flip changed the row counts of the directories above it. Opening or closing
/// everything forgets the flips, whatever the size of the tree.
#[derive(Debug, Clone, Default)]
struct Openness {
    default: bool,
    flipped: Vec<bool>,
    /// The flipped nodes (some maybe flipped back), to forget them.
    flips: Vec<u32>,
    /// Rows below a node beyond what the default gives it.
    adjust: Vec<i64>,
    adjusted: Vec<u32>,
}

impl Openness {
    fn new(len: usize, default: bool) -> Self {
        Openness {
            default,
            flipped: vec![false; len],
            flips: Vec::new(),
            adjust: vec![0; len],
            adjusted: Vec::new(),
        }
    }

    fn reset(&mut self, default: bool) {
        for id in self.flips.drain(..) {
            self.flipped[id as usize] = false;
        }
        for id in self.adjusted.drain(..) {
            self.adjust[id as usize] = 0;
        }
        self.default = default;
    }

    fn is_open(&self, id: u32) -> bool {
        id == 0 || self.default != self.flipped.get(id as usize).copied().unwrap_or(false)
    }

    fn flip(&mut self, id: u32) {
        if let Some(flipped) = self.flipped.get_mut(id as usize) {
            *flipped = !*flipped;
            self.flips.push(id);
        }
    }

    fn adjust(&self, id: u32) -> i64 {
        self.adjust.get(id as usize).copied().unwrap_or(0)
    }

    fn add(&mut self, id: u32, delta: i64) {
        if let Some(adjust) = self.adjust.get_mut(id as usize) {
            if *adjust == 0 {
                self.adjusted.push(id);
            }
            *adjust += delta;
        }
    }

    /// The nodes flipped from the default, each once.
    fn flipped_nodes(&self) -> Vec<u32> {
        let mut nodes: Vec<u32> = self
            .flips
            .iter()
            .copied()
            .filter(|&id| self.flipped[id as usize])
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }
}

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

    /// Rows below a node when it is open.
    fn below(&self, id: u32) -> usize {
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

    /// A filter's answer is awaited: the rows are the previous one's.
    pub fn filter_running(&self) -> bool {
        self.running.is_some()
    }

    /// Opens or closes a directory, and counts its rows in or out of every open directory
    /// above it.
    fn set_open(&mut self, id: u32, open: bool) -> bool {
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
    fn locate(&self, index: usize) -> Option<Vec<(u32, usize)>> {
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

    fn row_of(&self, frames: &[(u32, usize)]) -> Option<Row> {
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
    fn chain(&self, id: u32) -> Vec<u32> {
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
    fn index_of(&self, id: u32) -> Option<usize> {
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
    fn nearest_row(&self, id: u32) -> u32 {
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
    fn place(&mut self, keep: Option<u32>) {
        let at = keep
            .map(|id| self.nearest_row(id))
            .filter(|&id| id != 0)
            .and_then(|id| self.index_of(id))
            .unwrap_or(0);
        self.scroll.go(at, self.row_count(), self.page);
    }

    /// Opens the directories above a node.
    fn open_to(&mut self, id: u32) {
        let chain = self.chain(id);
        for &dir in chain.iter().take(chain.len().saturating_sub(1)) {
            self.set_open(dir, true);
        }
    }

    /// Works out what the filter and the "changed only" toggle let through: at once when
    /// the tree has it ready (nothing narrowed, or changed only), else by a job for the
    /// filter worker, the rows staying the previous answer's until it comes.
    fn narrow(&mut self) {
        if let Some((_, stale)) = self.running.take() {
            stale.store(true, Ordering::Relaxed);
        }
        self.job = None;
        let filter = match self.filter.as_str() {
            "" => {
                self.filter_error = None;
                None
            }
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
        match filter {
            None if self.changed_only => self.install(Arc::clone(&self.tree.changed), true),
            None => self.install(Arc::clone(&self.tree.all), false),
            Some(filter) => {
                self.generation += 1;
                let stale = Arc::new(AtomicBool::new(false));
                self.job = Some(FilterJob {
                    tree: Arc::clone(&self.tree),
                    filter,
                    changed_only: self.changed_only,
                    narrows: self.narrowed.then(|| Arc::clone(&self.visible)),
                    generation: self.generation,
                    stale: Arc::clone(&stale),
                });
                self.running = Some((self.generation, stale));
            }
        }
    }

    /// Shows another set of nodes. While either narrowing is on, every directory shown is
    /// open, so that what passes is on screen; when it ends, the directories open before it
    /// are given back, with the way to the cursor's node opened.
    fn install(&mut self, visible: Arc<Visible>, narrowed: bool) {
        let keep = self.selected();
        if narrowed && !self.narrowed {
            self.saved = Some(Saved {
                default: self.open.default,
                flips: self.open.flipped_nodes(),
            });
        }
        self.visible = visible;
        let was_narrowed = std::mem::replace(&mut self.narrowed, narrowed);
        if narrowed {
            self.open.reset(true);
        } else if was_narrowed {
            let saved = self.saved.take().unwrap_or(Saved {
                default: false,
                flips: Vec::new(),
            });
            self.open.reset(saved.default);
            for id in saved.flips {
                self.set_open(id, !saved.default);
            }
            if let Some(id) = keep {
                self.open_to(id);
            }
        }
        if let Some(path) = self.want.take()
            && self.reveal(&path)
        {
            return;
        }
        self.place(keep);
    }

    /// The filter job to hand to the worker, once.
    pub fn take_job(&mut self) -> Option<FilterJob> {
        self.job.take()
    }

    /// Takes a filter job's answer, if it is the one awaited.
    pub fn receive_filter(&mut self, filtered: Filtered) -> bool {
        match &self.running {
            Some((generation, _))
                if *generation == filtered.generation
                    && Arc::ptr_eq(&filtered.tree, &self.tree) => {}
            _ => return false,
        }
        self.running = None;
        self.install(filtered.visible, true);
        true
    }

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
        let new = match (answer, self.view()) {
            (Ok(tree), Some(old)) => Contents::Ready(Box::new(old.replaced(tree, changes))),
            (Ok(tree), None) => Contents::Ready(Box::new(TreeView::new(
                tree,
                FileSort::Name,
                false,
                changes,
            ))),
            (Err(e), _) => Contents::Failed(e),
        };
        self.replace(new);
    }

    /// Puts `new` in place. The tree let go of is freed on a thread of its own: a tree of
    /// 100,000 paths is as many frees, which would stall a key on the UI thread.
    pub fn replace(&mut self, new: Contents) {
        if let Contents::Ready(old) = std::mem::replace(self, new) {
            free_elsewhere(old);
        }
    }
}

/// Where a tree pane's read stands with the contents reader: the subject its contents are of
/// or are being read for, and whether that read is still unanswered. A pane reads only while
/// it is on screen: an unanswered read is stopped when the pane leaves the screen (or the
/// subject goes), and asked again when the pane comes back.
#[derive(Debug, Clone)]
pub struct Reading<S> {
    loaded: Option<S>,
    pending: bool,
}

impl<S> Default for Reading<S> {
    fn default() -> Self {
        Reading {
            loaded: None,
            pending: false,
        }
    }
}

/// What a tree pane asks of the contents reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask<S> {
    Read(S),
    /// Drop the read asked before: the pane no longer wants it.
    Stop,
}

impl<S: Clone + PartialEq> Reading<S> {
    /// Whether the contents are of `subject`, or are being read for it.
    pub fn is_of(&self, subject: &S) -> bool {
        self.loaded.as_ref() == Some(subject)
    }

    /// The contents are to be read again: the subject changed, or the store was reloaded.
    pub fn forget(&mut self) {
        self.loaded = None;
    }

    /// The reader was asked for `subject`.
    pub fn asked(&mut self, subject: S) {
        self.loaded = Some(subject);
        self.pending = true;
    }

    /// What to ask next: the pane's `subject` (`None` when there is nothing to read) while
    /// the pane is `on_screen` and its contents are not of it; a stop for an unanswered read
    /// once the pane is off screen or the subject went.
    pub fn next(&mut self, subject: Option<&S>, on_screen: bool) -> Option<Ask<S>> {
        match subject {
            Some(subject) if on_screen && !self.is_of(subject) => {
                self.asked(subject.clone());
                Some(Ask::Read(subject.clone()))
            }
            _ if self.pending && (!on_screen || subject.is_none()) => {
                self.pending = false;
                self.loaded = None;
                Some(Ask::Stop)
            }
            _ => None,
        }
    }

    /// An answer for `subject` came: true when it is what the contents wait for.
    pub fn answered(&mut self, subject: &S) -> bool {
        let wanted = self.is_of(subject);
        if wanted {
            self.pending = false;
        }
        wanted
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
    /// The subject the contents are of (or being read for).
    pub read: Reading<FilesSubject>,
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
            self.contents.replace(Contents::None);
            self.read.forget();
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
        view.rows_from(0)
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

    /// Runs the view's filter job, as the worker does.
    fn settle(view: &mut TreeView) {
        while let Some(job) = view.take_job() {
            if let Some(filtered) = job.run() {
                assert!(view.receive_filter(filtered));
            }
        }
    }

    #[test]
    fn a_filter_is_a_substring_or_a_glob() {
        let mut view = TreeView::new(sample(), FileSort::Name, false, false);
        for c in "pass".chars() {
            view.filter_push(c);
            settle(&mut view);
        }
        assert_eq!(names(&view), ["etc", "  passwd"]);
        view.filter_clear();
        for c in "*.so".chars() {
            view.filter_push(c);
        }
        settle(&mut view);
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

    /// A small deterministic generator, for the random trees below.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// The rows as the view had them when it listed them all: each shown child of each
    /// open directory, depth first, in the sort, with a brute-force filter.
    fn reference(view: &TreeView) -> Vec<Row> {
        let tree = &view.tree;
        let filter = match view.filter.as_str() {
            "" => None,
            text => PathFilter::parse(text).ok(),
        };
        let len = tree.nodes.len();
        let narrowed = filter.is_some() || view.changed_only;
        let mut shown = vec![!narrowed; len];
        shown[0] = true;
        for id in (1..len).rev() {
            let node = &tree.nodes[id];
            let own = filter
                .as_ref()
                .is_none_or(|f| f.matches(&tree.path(id as u32)))
                && (!view.changed_only || node.mark.is_some());
            if own || shown[id] {
                shown[id] = true;
                shown[node.parent as usize] = true;
            }
        }
        let children = |id: u32| -> Vec<u32> {
            let mut list: Vec<u32> = (1..len as u32)
                .filter(|&c| tree.nodes[c as usize].parent == id && shown[c as usize])
                .collect();
            let nodes = &tree.nodes;
            match view.sort {
                FileSort::Name => {
                    list.sort_by(|&a, &b| nodes[a as usize].name.cmp(&nodes[b as usize].name))
                }
                FileSort::Size => list.sort_by(|&a, &b| {
                    let (a, b) = (&nodes[a as usize], &nodes[b as usize]);
                    b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name))
                }),
            }
            list
        };
        let mut rows = Vec::new();
        let mut stack: Vec<(u32, u16, u64)> = Vec::new();
        let push = |stack: &mut Vec<(u32, u16, u64)>, id: u32, depth: u16, lasts: u64| {
            let list = children(id);
            for (i, &c) in list.iter().enumerate().rev() {
                let last = i + 1 == list.len();
                stack.push((c, depth, lasts | (u64::from(last) << depth)));
            }
        };
        push(&mut stack, 0, 0, 0);
        while let Some((id, depth, lasts)) = stack.pop() {
            rows.push(Row {
                node: id,
                depth,
                lasts,
            });
            if view.is_open(id) {
                push(&mut stack, id, depth + 1, lasts);
            }
        }
        rows
    }

    fn random_tree(rng: &mut Rng, paths: usize) -> FileTree {
        let names = ["a", "b", "c", "lib", "x.so", "etc"];
        let owned: Vec<(String, u64, Option<Mark>)> = (0..paths)
            .map(|_| {
                let depth = 1 + rng.below(4);
                let path: Vec<&str> = (0..depth).map(|_| names[rng.below(names.len())]).collect();
                let mark = [None, None, Some(Mark::Added), Some(Mark::Removed)][rng.below(4)];
                (path.join("/"), rng.below(1000) as u64, mark)
            })
            .collect();
        FileTree::build(owned.iter().map(|(path, size, mark)| FileInput {
            path: path.as_bytes(),
            kind: EntryKind::File,
            size: *size,
            link: None,
            mark: *mark,
            layer: None,
        }))
    }

    /// Random keys on random trees: the rows found from the counts are always those a full
    /// listing gives, every row's index is found back from its node, and the cursor stays
    /// in the rows.
    #[test]
    fn counted_rows_match_a_full_listing_under_random_keys() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..60 {
            let paths = 1 + rng.below(60);
            let tree = random_tree(&mut rng, paths);
            let mut view = TreeView::new(tree, FileSort::Name, false, rng.below(2) == 0);
            view.page = 5;
            for _ in 0..80 {
                match rng.below(11) {
                    0 => view.expand(),
                    1 => view.collapse(),
                    2 => view.toggle(),
                    3 => view.expand_all(),
                    4 => view.collapse_all(),
                    5 => view.cycle_sort(),
                    6 => view.toggle_changed_only(),
                    7 => view.filter_push(['a', 'l', 'i', '/', 's', '*'][rng.below(6)]),
                    8 => view.filter_pop(),
                    9 => view.filter_clear(),
                    _ => view.move_by(rng.below(9) as isize - 4, 5),
                }
                settle(&mut view);
                let expected = reference(&view);
                let got: Vec<Row> = view.rows_from(0).collect();
                assert_eq!(got, expected, "filter {:?}", view.filter);
                assert_eq!(view.row_count(), expected.len());
                for (i, row) in expected.iter().enumerate() {
                    assert_eq!(view.rows_from(i).next(), Some(*row));
                    assert_eq!(view.index_of(row.node), Some(i));
                }
                assert!(view.scroll.cursor < expected.len().max(1));
            }
        }
    }

    #[test]
    fn paths_without_their_directories_still_make_a_tree() {
        let tree = FileTree::build([input("./a/b/c", 1, None), input("/a/b/", 0, None)]);
        assert_eq!(tree.len(), 3);
        assert_eq!(tree.path(3), b"/a/b/c");
    }
}
