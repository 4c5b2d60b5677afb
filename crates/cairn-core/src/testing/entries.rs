//! Layers' entries written in a few words, for tests of the contents model and its users:
//!
//! ```
//! use cairn_core::contents::{ImageContents, Scope, Tree};
//! use cairn_core::testing::entries::Layer;
//! use std::sync::Arc;
//!
//! let base = Layer::new().dir("etc").file("etc/os-release", 30).build();
//! let app = Layer::new().whiteout("etc/os-release").file("app", 7).build();
//! let contents = Arc::new(ImageContents::new([&base, &app]));
//! let top = Tree::new(contents, 1, Scope::Merged).unwrap();
//! assert!(top.lookup(b"/etc/os-release").is_none());
//! ```
//!
//! Entries get mode 0644 (0755 for directories), root's uid and gid, and mtime 1 unless a
//! test says otherwise with [`Layer::with`].

use crate::contents::{Entry, EntryKind, EntrySource, LayerEntries};

/// A layer's entries being written, in tar order.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    entries: Vec<Entry>,
}

/// An entry with the defaults above.
pub fn entry(path: &[u8], kind: EntryKind) -> Entry {
    Entry {
        path: path.into(),
        kind,
        mode: if kind == EntryKind::Dir { 0o755 } else { 0o644 },
        uid: 0,
        gid: 0,
        size: 0,
        link: None,
        mtime: 1,
        checksum: None,
    }
}

impl Layer {
    pub fn new() -> Self {
        Layer::default()
    }

    /// Any entry, as given.
    pub fn with(mut self, entry: Entry) -> Self {
        self.entries.push(entry);
        self
    }

    pub fn dir(self, path: &str) -> Self {
        self.with(entry(path.as_bytes(), EntryKind::Dir))
    }

    pub fn file(self, path: &str, size: u64) -> Self {
        self.with(Entry {
            size,
            ..entry(path.as_bytes(), EntryKind::File)
        })
    }

    pub fn symlink(self, path: &str, target: &str) -> Self {
        self.with(Entry {
            link: Some(target.as_bytes().into()),
            mode: 0o777,
            ..entry(path.as_bytes(), EntryKind::Symlink)
        })
    }

    pub fn hardlink(self, path: &str, target: &str) -> Self {
        self.with(Entry {
            link: Some(target.as_bytes().into()),
            ..entry(path.as_bytes(), EntryKind::Hardlink)
        })
    }

    /// `DIR/.wh.NAME` for `DIR/NAME`.
    pub fn whiteout(self, path: &str) -> Self {
        let whiteout = match path.rsplit_once('/') {
            Some((dir, name)) => format!("{dir}/.wh.{name}"),
            None => format!(".wh.{path}"),
        };
        self.with(entry(whiteout.as_bytes(), EntryKind::File))
    }

    /// `DIR/.wh..wh..opq`.
    pub fn opaque(self, dir: &str) -> Self {
        let marker = match dir {
            "" => ".wh..wh..opq".to_string(),
            dir => format!("{dir}/.wh..wh..opq"),
        };
        self.with(entry(marker.as_bytes(), EntryKind::File))
    }

    /// The layer as a blob reader would hand it.
    pub fn build(self) -> LayerEntries {
        LayerEntries {
            entries: self.entries,
            source: EntrySource::Blob,
        }
    }
}
