//! A view of an image's files at one layer: the merged tree (everything the layers up to it
//! show), or only what that layer changed. Both mark what the layer changed, keep directory
//! totals, and list each directory's children sorted by name, ready for a browser that only
//! draws the rows on screen.

use super::entry::EntryKind;
use super::image::{FileInfo, ImageContents, Slot, Watcher};
use super::path::NodeId;
use std::sync::Arc;

/// Which part of the image a [`Tree`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every path present after the layer.
    Merged,
    /// Only the paths the layer added, modified, removed or changed the type of, with their
    /// parent directories for context.
    Changes,
}

/// What a layer did to a path, compared with the merged tree of the layers below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Not there below.
    Added,
    /// There below with the same type: a non-directory written again (a new copy, even if
    /// nothing else differs), or a directory whose own attributes differ.
    Modified,
    /// Hidden by a whiteout, an opaque directory or a non-directory put over a directory.
    Removed,
    /// There below as another type (a file became a directory, a symlink a file...).
    TypeChanged { from: EntryKind },
}

impl ChangeKind {
    /// The word `cairn files --changes --json` uses: type changes are modifications.
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified | ChangeKind::TypeChanged { .. } => "modified",
            ChangeKind::Removed => "removed",
        }
    }
}

/// Records what one layer touched and what each path showed just before.
#[derive(Default)]
struct Touched(Vec<(NodeId, Slot)>);

impl Watcher for Touched {
    fn touched(&mut self, node: NodeId, before: Slot) {
        self.0.push((node, before));
    }
}

/// The files of an image at one layer, as a tree.
#[derive(Debug, Clone)]
pub struct Tree {
    contents: Arc<ImageContents>,
    layer: usize,
    scope: Scope,
    /// What each path shows in this view (for a removed path: what it showed below).
    slots: Vec<Slot>,
    changes: Vec<Option<ChangeKind>>,
    /// Bytes of the non-directories under each path, itself included (removed ones not).
    totals: Vec<u64>,
    /// Each node's shown children, sorted by name: `children[starts[n]..starts[n + 1]]`.
    starts: Vec<u32>,
    children: Vec<NodeId>,
    shown: Vec<bool>,
    shown_count: usize,
}

impl Tree {
    /// The view of `contents` at `layer` (0 = base); `None` when the image has no such
    /// layer.
    pub fn new(contents: Arc<ImageContents>, layer: usize, scope: Scope) -> Option<Tree> {
        if layer >= contents.layer_count() {
            return None;
        }
        let mut slots = match layer {
            0 => contents.empty_state(),
            below => contents.merged(below - 1),
        };
        let before_layer = slots.clone();
        let mut touched = Touched::default();
        contents.apply(layer, &mut slots, &mut touched);
        let mut changes = vec![None; slots.len()];
        let mut nodes: Vec<NodeId> = touched.0.iter().map(|&(n, _)| n).collect();
        nodes.sort_unstable();
        nodes.dedup();
        for node in nodes {
            let i = node.index();
            let (Some(&before), Some(&after)) = (before_layer.get(i), slots.get(i)) else {
                continue;
            };
            changes[i] = change(&contents, before, after);
        }
        if scope == Scope::Changes {
            for (i, change) in changes.iter().enumerate() {
                if *change == Some(ChangeKind::Removed) {
                    slots[i] = before_layer[i];
                }
            }
        }
        let mut shown: Vec<bool> = match scope {
            Scope::Merged => slots.iter().map(|s| *s != Slot::Absent).collect(),
            Scope::Changes => changes.iter().map(Option::is_some).collect(),
        };
        if let Some(root) = shown.first_mut() {
            *root = true;
        }
        // Parents come before children in the arena, so one backward pass reaches the root.
        let paths = contents.paths();
        for i in (1..shown.len()).rev() {
            if shown[i]
                && let Some(parent) = paths.parent(node_at(i))
            {
                shown[parent.index()] = true;
            }
        }
        let mut totals = vec![0u64; slots.len()];
        for i in (0..slots.len()).rev() {
            if !shown[i] {
                continue;
            }
            if changes[i] != Some(ChangeKind::Removed)
                && let Slot::Entry(r) = slots[i]
                && let Some(record) = contents.record(r)
                && record.kind != EntryKind::Dir
            {
                totals[i] = totals[i].saturating_add(record.size);
            }
            if let Some(parent) = paths.parent(node_at(i)) {
                totals[parent.index()] = totals[parent.index()].saturating_add(totals[i]);
            }
        }
        let mut listed: Vec<(NodeId, NodeId)> = (1..shown.len())
            .filter(|&i| shown[i])
            .filter_map(|i| Some((paths.parent(node_at(i))?, node_at(i))))
            .collect();
        listed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| paths.name(a.1).cmp(paths.name(b.1)))
        });
        let mut starts = vec![0u32; slots.len() + 1];
        for &(parent, _) in &listed {
            starts[parent.index() + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let shown_count = listed.len();
        let children = listed.into_iter().map(|(_, child)| child).collect();
        Some(Tree {
            contents,
            layer,
            scope,
            slots,
            changes,
            totals,
            starts,
            children,
            shown,
            shown_count,
        })
    }

    /// The model this view was made from.
    pub fn contents(&self) -> &Arc<ImageContents> {
        &self.contents
    }

    /// The layer shown (0 = base).
    pub fn layer(&self) -> usize {
        self.layer
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// How many paths the view shows, the root not counted.
    pub fn len(&self) -> usize {
        self.shown_count
    }

    pub fn is_empty(&self) -> bool {
        self.shown_count == 0
    }

    /// The root directory, parent of every shown path.
    pub fn root(&self) -> NodeId {
        NodeId::ROOT
    }

    /// The shown children of a directory, sorted by name (bytewise).
    pub fn children(&self, node: NodeId) -> &[NodeId] {
        let i = node.index();
        let (Some(&start), Some(&end)) = (self.starts.get(i), self.starts.get(i + 1)) else {
            return &[];
        };
        self.children
            .get(start as usize..end as usize)
            .unwrap_or(&[])
    }

    /// Every shown path, depth first, each directory's children by name.
    pub fn walk(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.walk_under(NodeId::ROOT)
    }

    /// Every shown path under `node` (not `node` itself), as [`Tree::walk`] orders them.
    pub fn walk_under(&self, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let mut stack: Vec<NodeId> = self.children(node).iter().rev().copied().collect();
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            stack.extend(self.children(next).iter().rev());
            Some(next)
        })
    }

    /// The path's last component, raw.
    pub fn name(&self, node: NodeId) -> &[u8] {
        self.contents.paths().name(node)
    }

    /// The absolute path, `/etc/passwd`, raw.
    pub fn path(&self, node: NodeId) -> Vec<u8> {
        self.contents.paths().path(node)
    }

    /// The node of an absolute or relative path, if the view shows it.
    pub fn lookup(&self, path: &[u8]) -> Option<NodeId> {
        let node = self.contents.paths().lookup(path)?;
        self.info(node).map(|_| node)
    }

    /// The path's attributes (for a removed path, those it had below the layer), with the
    /// layer that last changed it; `None` when the view does not show it.
    pub fn info(&self, node: NodeId) -> Option<FileInfo<'_>> {
        let i = node.index();
        match self.shown.get(i) {
            Some(true) => self.contents.info(*self.slots.get(i)?),
            _ => None,
        }
    }

    /// What this layer did to the path, if anything.
    pub fn change(&self, node: NodeId) -> Option<ChangeKind> {
        self.changes.get(node.index()).copied().flatten()
    }

    /// Bytes of the non-directories at and under the path that the view shows (removed
    /// ones not counted).
    pub fn total_size(&self, node: NodeId) -> u64 {
        self.totals.get(node.index()).copied().unwrap_or(0)
    }
}

fn node_at(i: usize) -> NodeId {
    NodeId::from_index(i)
}

/// What a layer did to a path that showed `before` below it and shows `after` now.
fn change(contents: &ImageContents, before: Slot, after: Slot) -> Option<ChangeKind> {
    let (old, new) = (contents.info(before), contents.info(after));
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some(ChangeKind::Added),
        (Some(_), None) => Some(ChangeKind::Removed),
        (Some(old), Some(new)) if old.kind != new.kind => {
            Some(ChangeKind::TypeChanged { from: old.kind })
        }
        (Some(_), Some(new)) if new.kind != EntryKind::Dir => {
            (before != after).then_some(ChangeKind::Modified)
        }
        (Some(old), Some(new)) => {
            let same = old.mode == new.mode
                && old.uid == new.uid
                && old.gid == new.gid
                && old.mtime == new.mtime
                && old.implicit == new.implicit;
            (!same).then_some(ChangeKind::Modified)
        }
    }
}
