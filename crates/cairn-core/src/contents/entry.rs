//! One layer's entries, as a store's reader hands them to the model: in tar order, whiteouts
//! still in their tar form (`.wh.NAME`, `DIR/.wh..wh..opq`), so that every reader (tar-split,
//! blobs, layer directories) feeds the same whiteout rules.

/// What kind of thing a tar entry makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Char,
    Block,
    Fifo,
}

/// One tar entry of a layer, without its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative to the image's root, without a leading `./` or `/` nor a trailing `/`; raw
    /// bytes, since names need not be UTF-8 and must round-trip exactly.
    pub path: Box<[u8]>,
    pub kind: EntryKind,
    /// Permission and special bits (`0o7777`), without the file type.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Bytes of contents (0 for anything but a regular file).
    pub size: u64,
    /// Symlink or hard-link target, raw as recorded.
    pub link: Option<Box<[u8]>>,
    /// Seconds since the epoch.
    pub mtime: i64,
    /// A checksum of the contents where the store keeps one (tar-split's CRC-64), so that a
    /// rewrite of the same size is still seen as a change.
    pub checksum: Option<Box<[u8]>>,
}

/// Where a layer's entries were read from, which the browser says in its status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrySource {
    /// containers-storage's (or the Docker daemon's) saved tar headers.
    TarSplit,
    /// The layer's directory on disk (overlay `diff/`, or a vfs copy compared with its parent).
    LayerDirectory,
    /// The layer's blob, decompressed and its headers read.
    Blob,
    /// The Docker Engine's export of the image.
    Export,
}

/// A layer's entries and where they came from.
#[derive(Debug, Clone)]
pub struct LayerEntries {
    pub entries: Vec<Entry>,
    pub source: EntrySource,
}
