//! Every path an image's layers name, interned once in an arena: a node per path holding its
//! parent and a slice of one shared byte buffer for its name, so 100,000 entries cost a few
//! bytes each instead of a `String` per path per layer.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// A path of [`PathTree`]; [`NodeId::ROOT`] is the image's root directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The image's root directory, `/`.
    pub const ROOT: NodeId = NodeId(0);

    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }

    /// The node at a position of the arena; positions past `u32` name no node.
    pub(crate) fn from_index(index: usize) -> NodeId {
        NodeId(u32::try_from(index).unwrap_or(u32::MAX))
    }
}

/// No node: the end of a sibling list.
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct PathNode {
    parent: u32,
    name_start: u32,
    name_len: u32,
    first_child: u32,
    next_sibling: u32,
}

/// The interned paths, each a node under its parent directory.
#[derive(Debug, Clone)]
pub struct PathTree {
    nodes: Vec<PathNode>,
    names: Vec<u8>,
    /// (parent, name) to node, hashed without copying the name out of the arena.
    index: HashTable<u32>,
    /// foldhash, seeded per process: fast on short names, and a layer cannot choose names
    /// that collide.
    hasher: DefaultHashBuilder,
}

impl Default for PathTree {
    fn default() -> Self {
        PathTree {
            nodes: vec![PathNode {
                parent: NONE,
                name_start: 0,
                name_len: 0,
                first_child: NONE,
                next_sibling: NONE,
            }],
            names: Vec::new(),
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        }
    }
}

/// Why a path could not be placed in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// `..` would climb above the image's root.
    EscapesRoot,
    /// More names than the arena's 32-bit offsets reach (4 GiB of names).
    TooLarge,
}

impl PathTree {
    /// How many paths there are, the root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Never true: the root is always there.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Bytes held on the heap (see [`super::ImageContents::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<PathNode>()
            + self.names.capacity()
            // A hash table slot is the value plus one control byte.
            + self.index.capacity() * (size_of::<u32>() + 1)
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.names.shrink_to_fit();
    }

    /// The last component of the path (empty for the root).
    pub fn name(&self, node: NodeId) -> &[u8] {
        let Some(n) = self.nodes.get(node.index()) else {
            return &[];
        };
        let start = n.name_start as usize;
        self.names
            .get(start..start + n.name_len as usize)
            .unwrap_or(&[])
    }

    /// The directory holding the path; `None` for the root.
    pub fn parent(&self, node: NodeId) -> Option<NodeId> {
        let parent = self.nodes.get(node.index())?.parent;
        (parent != NONE).then_some(NodeId(parent))
    }

    /// Every path ever named directly under `node`, in the order they were first seen.
    pub fn children(&self, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let first = self.nodes.get(node.index()).map_or(NONE, |n| n.first_child);
        std::iter::successors((first != NONE).then_some(NodeId(first)), move |&c| {
            let next = self.nodes.get(c.index()).map_or(NONE, |n| n.next_sibling);
            (next != NONE).then_some(NodeId(next))
        })
    }

    /// Every path below `node` (not `node` itself), parents before their children.
    pub fn descendants(&self, node: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack: Vec<NodeId> = self.children(node).collect();
        while let Some(next) = stack.pop() {
            out.push(next);
            stack.extend(self.children(next));
        }
        out
    }

    /// The absolute path, `/etc/passwd` (`/` for the root), as raw bytes.
    pub fn path(&self, node: NodeId) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut current = Some(node);
        while let Some(n) = current {
            if n == NodeId::ROOT {
                break;
            }
            parts.push(self.name(n));
            current = self.parent(n);
        }
        if parts.is_empty() {
            return b"/".to_vec();
        }
        let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for part in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(part);
        }
        out
    }

    /// The path relative to the root, as the entry contract writes paths (`etc/passwd`).
    pub fn relative_path(&self, node: NodeId) -> Vec<u8> {
        let mut path = self.path(node);
        path.remove(0);
        path
    }

    /// The node of a path already in the tree, by its components.
    pub fn lookup(&self, path: &[u8]) -> Option<NodeId> {
        let mut node = NodeId::ROOT;
        for part in Components::new(path) {
            match part {
                Component::Parent => node = self.parent(node).unwrap_or(NodeId::ROOT),
                Component::Name(name) => node = self.child(node, name)?,
            }
        }
        Some(node)
    }

    fn hash(&self, parent: u32, name: &[u8]) -> u64 {
        self.hasher.hash_one((parent, name))
    }

    /// The child of `parent` called `name`, if it was ever named.
    pub fn child(&self, parent: NodeId, name: &[u8]) -> Option<NodeId> {
        let hash = self.hash(parent.0, name);
        self.index
            .find(hash, |&n| {
                self.nodes[n as usize].parent == parent.0 && self.name(NodeId(n)) == name
            })
            .map(|&n| NodeId(n))
    }

    /// The child of `parent` called `name`, added if it is new.
    pub fn intern_child(&mut self, parent: NodeId, name: &[u8]) -> Result<NodeId, PathError> {
        if let Some(found) = self.child(parent, name) {
            return Ok(found);
        }
        let id = u32::try_from(self.nodes.len()).map_err(|_| PathError::TooLarge)?;
        let name_start = u32::try_from(self.names.len()).map_err(|_| PathError::TooLarge)?;
        let name_len = u32::try_from(name.len()).map_err(|_| PathError::TooLarge)?;
        if id == NONE || name_start.checked_add(name_len).is_none() {
            return Err(PathError::TooLarge);
        }
        self.names.extend_from_slice(name);
        let first = self.nodes[parent.index()].first_child;
        self.nodes.push(PathNode {
            parent: parent.0,
            name_start,
            name_len,
            first_child: NONE,
            next_sibling: first,
        });
        self.nodes[parent.index()].first_child = id;
        let hash = self.hash(parent.0, name);
        let PathTree {
            nodes,
            names,
            index,
            hasher,
        } = self;
        index.insert_unique(hash, id, |&n| {
            let node = &nodes[n as usize];
            let start = node.name_start as usize;
            let name = names
                .get(start..start + node.name_len as usize)
                .unwrap_or(&[]);
            hasher.hash_one((node.parent, name))
        });
        Ok(NodeId(id))
    }

    /// The node of a path, added with any missing parents. The path is cleaned as tar
    /// extractors clean it: a leading `/`, empty components and `.` are dropped, `..` takes
    /// the previous component off, and climbing above the root is refused.
    pub fn intern(&mut self, path: &[u8]) -> Result<NodeId, PathError> {
        let mut node = NodeId::ROOT;
        for part in Components::new(path) {
            node = match part {
                Component::Parent => self.parent(node).ok_or(PathError::EscapesRoot)?,
                Component::Name(name) => self.intern_child(node, name)?,
            };
        }
        Ok(node)
    }
}

/// One component of a raw path: a name, or `..`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Component<'a> {
    Name(&'a [u8]),
    Parent,
}

/// The components of a raw path, empty ones and `.` skipped.
pub(crate) struct Components<'a> {
    parts: std::slice::Split<'a, u8, fn(&u8) -> bool>,
}

impl<'a> Components<'a> {
    pub(crate) fn new(path: &'a [u8]) -> Self {
        let slash: fn(&u8) -> bool = |&b| b == b'/';
        Components {
            parts: path.split(slash),
        }
    }
}

impl<'a> Iterator for Components<'a> {
    type Item = Component<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.parts.next()? {
                b"" | b"." => continue,
                b".." => return Some(Component::Parent),
                name => return Some(Component::Name(name)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_interned_once_and_cleaned_like_tar_extractors_do() {
        let mut tree = PathTree::default();
        let a = tree.intern(b"etc/passwd").unwrap();
        assert_eq!(tree.intern(b"/etc//./passwd/").unwrap(), a);
        assert_eq!(tree.intern(b"usr/../etc/passwd").unwrap(), a);
        assert_eq!(tree.path(a), b"/etc/passwd");
        assert_eq!(tree.relative_path(a), b"etc/passwd");
        assert_eq!(tree.lookup(b"./etc/passwd"), Some(a));
        assert_eq!(tree.intern(b"").unwrap(), NodeId::ROOT);
        assert_eq!(tree.path(NodeId::ROOT), b"/");
    }

    #[test]
    fn climbing_above_the_root_is_refused() {
        let mut tree = PathTree::default();
        assert_eq!(tree.intern(b"../etc"), Err(PathError::EscapesRoot));
        assert_eq!(tree.intern(b"a/../../b"), Err(PathError::EscapesRoot));
    }

    #[test]
    fn names_need_not_be_utf8() {
        let mut tree = PathTree::default();
        let n = tree.intern(b"caf\xe9/\xff\x1b").unwrap();
        assert_eq!(tree.name(n), b"\xff\x1b");
        assert_eq!(tree.path(n), b"/caf\xe9/\xff\x1b");
        let dir = tree.parent(n).unwrap();
        assert_eq!(tree.children(dir).collect::<Vec<_>>(), vec![n]);
        assert_eq!(tree.descendants(NodeId::ROOT), vec![dir, n]);
    }
}
