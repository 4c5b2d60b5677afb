//! The tree model: the paths the model gives, made once into an arena of nodes with their
//! directory totals, the marks counted, and what shows with nothing narrowed and with
//! "changed only".

use super::node::{Mark, Node};
use super::visible::{FileSort, Visible};
use cairn_core::contents::EntryKind;
use std::collections::HashMap;
use std::sync::Arc;

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
    pub(super) all: Arc<Visible>,
    /// The marked nodes and the directories above them.
    pub(super) changed: Arc<Visible>,
}

impl Default for FileTree {
    fn default() -> Self {
        FileTree::unfinished().finish()
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
