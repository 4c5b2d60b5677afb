//! A node of the file tree, and the mark of what changed its path.

use cairn_core::contents::EntryKind;

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

impl Node {
    pub(super) fn dir(name: Box<[u8]>, parent: u32) -> Self {
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
