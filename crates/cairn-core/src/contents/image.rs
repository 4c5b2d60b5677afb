//! An image's layers' entries, stacked: the paths interned once, each layer kept as the
//! operations it performs (opaque directories, whiteouts, entries put in place), and the
//! image-spec's rules for applying them in one function, `ImageContents::apply`, that the
//! merged trees, the change sets and the wasted space all run.

use super::entry::{EntryKind, EntrySource, LayerEntries};
use super::path::{NodeId, PathError, PathTree};
use hashbrown::HashMap;

/// The whiteout prefix of the image-spec (from AUFS): `.wh.NAME` hides NAME.
const WHITEOUT: &[u8] = b".wh.";
/// `DIR/.wh..wh..opq` hides everything lower layers put under DIR.
const OPAQUE: &[u8] = b".wh..wh..opq";
/// Names starting so are AUFS's own bookkeeping (`.wh..wh.plnk`), reserved by the spec.
const RESERVED: &[u8] = b".wh..wh.";

/// What every layer of an image holds, ready to answer what each one changed.
#[derive(Debug, Clone, Default)]
pub struct ImageContents {
    paths: PathTree,
    records: Vec<Record>,
    /// Link targets and checksums of every record, one buffer for all.
    bytes: Vec<u8>,
    layers: Vec<LayerOps>,
    problems: Vec<Problem>,
    /// The distinct (uid, gid) pairs, which records point into.
    owners: Vec<(u64, u64)>,
}

/// An entry's attributes as the model keeps them, in 40 bytes: the path is its node, the
/// owner an index into the few (uid, gid) pairs an image has, the link target and checksum
/// one slice of [`ImageContents::bytes`] (link first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    pub(crate) size: u64,
    pub(crate) mtime: i64,
    pub(crate) mode: u32,
    owner: u32,
    extra: u32,
    /// `NO_BYTES` when there is none.
    link_len: u32,
    checksum_len: u32,
    pub(crate) layer: u16,
    pub(crate) kind: EntryKind,
}

/// A link or checksum length meaning "none recorded" (not "empty").
const NO_BYTES: u32 = u32::MAX;

/// One layer as operations, in the order the image-spec applies them.
#[derive(Debug, Clone)]
struct LayerOps {
    source: EntrySource,
    /// Directories holding this layer's whiteouts, which extractors make when missing.
    whiteout_dirs: Vec<NodeId>,
    /// Directories whose lower children this layer hides (`.wh..wh..opq`).
    opaque: Vec<NodeId>,
    /// Paths this layer hides in lower layers (`.wh.NAME`).
    whiteouts: Vec<NodeId>,
    /// Entries put in place, in tar order, each with its record.
    puts: Vec<(NodeId, u32)>,
    /// Bytes of contents the layer's entries hold.
    size: u64,
}

/// An entry the model could not place, kept so the caller can say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The layer's position in the image, 0 = base.
    pub layer: usize,
    /// The path as the entry gave it.
    pub path: Box<[u8]>,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// `..` climbs above the image's root; tar extractors refuse such an entry too.
    EscapesRoot,
    /// An entry that makes the root something other than a directory.
    RootNotDirectory,
    /// Beyond what the model's 32-bit tables hold.
    TooLarge,
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProblemKind::EscapesRoot => "the path climbs above the image's root",
            ProblemKind::RootNotDirectory => "the entry would make the root a non-directory",
            ProblemKind::TooLarge => "too many entries or names to hold",
        })
    }
}

/// What a path shows at some layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Absent,
    /// An entry, by its record.
    Entry(u32),
    /// A directory no layer recorded but one entry needed as its parent (tar extractors
    /// create it); the layer that needed it.
    Implicit(u32),
}

/// The attributes a path has where a view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo<'a> {
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    pub mtime: i64,
    pub link: Option<&'a [u8]>,
    pub checksum: Option<&'a [u8]>,
    /// The layer (0 = base) whose entry this is: the one that last changed the path.
    pub layer: usize,
    /// A directory no layer has an entry for, made because an entry sits under it (shown
    /// as `0755 root:root`, as tar extractors create it).
    pub implicit: bool,
}

/// Called by [`ImageContents::apply`] for each thing a layer does, so that one function of
/// rules feeds the merged tree, the change sets and the wasted space.
pub(crate) trait Watcher {
    /// `node` changed what it shows; `before` is what it showed just before.
    fn touched(&mut self, _node: NodeId, _before: Slot) {}
    /// The layer put a regular file (or any non-directory) copy at `node`.
    fn copy(&mut self, _node: NodeId, _size: u64) {}
    /// A non-directory at `node` went away other than by being overwritten by another
    /// non-directory: a whiteout, an opaque directory, or a directory put over it.
    fn hidden(&mut self, _node: NodeId, _size: u64) {}
}

/// A watcher that watches nothing: the plain merge.
pub(crate) struct Quiet;
impl Watcher for Quiet {}

impl ImageContents {
    /// Builds the model from an image's layers' entries, base first. Never fails: entries
    /// that cannot be placed are left out and listed in [`ImageContents::problems`].
    pub fn new<'a>(layers: impl IntoIterator<Item = &'a LayerEntries>) -> Self {
        let mut contents = ImageContents::default();
        let mut owners = HashMap::new();
        for (position, layer) in layers.into_iter().enumerate() {
            contents.add_layer(position, layer, &mut owners);
        }
        contents.records.shrink_to_fit();
        contents.bytes.shrink_to_fit();
        contents.paths.shrink_to_fit();
        contents
    }

    /// Bytes the model holds on the heap (capacities, so what it really takes), for the
    /// memory figures and to keep them from growing unnoticed.
    pub fn heap_bytes(&self) -> usize {
        let layers: usize = self
            .layers
            .iter()
            .map(|l| {
                size_of::<LayerOps>()
                    + (l.opaque.capacity() + l.whiteouts.capacity()) * size_of::<NodeId>()
                    + l.puts.capacity() * size_of::<(NodeId, u32)>()
            })
            .sum();
        self.paths.heap_bytes()
            + self.records.capacity() * size_of::<Record>()
            + self.bytes.capacity()
            + self.owners.capacity() * size_of::<(u64, u64)>()
            + layers
    }

    fn add_layer(
        &mut self,
        position: usize,
        layer: &LayerEntries,
        owners: &mut HashMap<(u64, u64), u32>,
    ) {
        let mut ops = LayerOps {
            source: layer.source,
            whiteout_dirs: Vec::new(),
            opaque: Vec::new(),
            whiteouts: Vec::new(),
            puts: Vec::with_capacity(layer.entries.len()),
            size: 0,
        };
        let layer_id = u16::try_from(position).ok();
        for entry in &layer.entries {
            let problem = |kind| Problem {
                layer: position,
                path: entry.path.clone(),
                kind,
            };
            let node = match self.paths.intern(&entry.path) {
                Ok(node) => node,
                Err(PathError::EscapesRoot) => {
                    self.problems.push(problem(ProblemKind::EscapesRoot));
                    continue;
                }
                Err(PathError::TooLarge) => {
                    self.problems.push(problem(ProblemKind::TooLarge));
                    continue;
                }
            };
            let name = self.paths.name(node);
            if let (Some(parent), Some(hidden)) =
                (self.paths.parent(node), name.strip_prefix(WHITEOUT))
            {
                ops.whiteout_dirs.push(parent);
                if name == OPAQUE {
                    ops.opaque.push(parent);
                } else if !name.starts_with(RESERVED) && !matches!(hidden, b"" | b"." | b"..") {
                    let hidden = hidden.to_vec();
                    match self.paths.intern_child(parent, &hidden) {
                        Ok(target) => ops.whiteouts.push(target),
                        Err(_) => self.problems.push(problem(ProblemKind::TooLarge)),
                    }
                }
                continue;
            }
            if node == NodeId::ROOT && entry.kind != EntryKind::Dir {
                self.problems.push(problem(ProblemKind::RootNotDirectory));
                continue;
            }
            let owner = match owners.get(&(entry.uid, entry.gid)) {
                Some(&owner) => Some(owner),
                None => u32::try_from(self.owners.len()).ok().inspect(|&owner| {
                    owners.insert((entry.uid, entry.gid), owner);
                    self.owners.push((entry.uid, entry.gid));
                }),
            };
            let extra = u32::try_from(self.bytes.len()).ok();
            let link_len = keep_len(entry.link.as_deref());
            let checksum_len = keep_len(entry.checksum.as_deref());
            let (
                Some(layer),
                Some(owner),
                Some(extra),
                Some(link_len),
                Some(checksum_len),
                Ok(record),
            ) = (
                layer_id,
                owner,
                extra,
                link_len,
                checksum_len,
                u32::try_from(self.records.len()),
            )
            else {
                self.problems.push(problem(ProblemKind::TooLarge));
                continue;
            };
            let end = u64::from(extra)
                + u64::from(link_len % NO_BYTES)
                + u64::from(checksum_len % NO_BYTES);
            if end >= u64::from(u32::MAX) {
                self.problems.push(problem(ProblemKind::TooLarge));
                continue;
            }
            self.bytes
                .extend_from_slice(entry.link.as_deref().unwrap_or(&[]));
            self.bytes
                .extend_from_slice(entry.checksum.as_deref().unwrap_or(&[]));
            let size = if entry.kind == EntryKind::Dir {
                0
            } else {
                entry.size
            };
            ops.size = ops.size.saturating_add(size);
            self.records.push(Record {
                size,
                mtime: entry.mtime,
                mode: entry.mode,
                owner,
                extra,
                link_len,
                checksum_len,
                layer,
                kind: entry.kind,
            });
            ops.puts.push((node, record));
        }
        self.layers.push(ops);
    }

    /// A record's link target and checksum.
    fn extra(&self, record: &Record) -> (Option<&[u8]>, Option<&[u8]>) {
        let slice = |start: usize, len: u32| match len {
            NO_BYTES => None,
            len => self.bytes.get(start..start + len as usize),
        };
        let start = record.extra as usize;
        let link = slice(start, record.link_len);
        let checksum = slice(
            start + (record.link_len % NO_BYTES) as usize,
            record.checksum_len,
        );
        (link, checksum)
    }

    /// How many layers the image has.
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Where a layer's entries were read from.
    pub fn source(&self, layer: usize) -> Option<EntrySource> {
        self.layers.get(layer).map(|l| l.source)
    }

    /// Bytes of contents a layer's entries hold (what dive calls the layer's size).
    pub fn layer_size(&self, layer: usize) -> u64 {
        self.layers.get(layer).map_or(0, |l| l.size)
    }

    /// Entries that could not be placed, with the layer and the reason.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Every path any layer names.
    pub fn paths(&self) -> &PathTree {
        &self.paths
    }

    pub(crate) fn record(&self, record: u32) -> Option<&Record> {
        self.records.get(record as usize)
    }

    /// What a slot shows, as attributes; `None` for an absent path.
    pub(crate) fn info(&self, slot: Slot) -> Option<FileInfo<'_>> {
        match slot {
            Slot::Absent => None,
            Slot::Implicit(layer) => Some(FileInfo {
                kind: EntryKind::Dir,
                mode: 0o755,
                uid: 0,
                gid: 0,
                size: 0,
                mtime: 0,
                link: None,
                checksum: None,
                layer: layer as usize,
                implicit: true,
            }),
            Slot::Entry(r) => {
                let record = self.record(r)?;
                let (uid, gid) = self.owners.get(record.owner as usize).copied()?;
                let (link, checksum) = self.extra(record);
                Some(FileInfo {
                    kind: record.kind,
                    mode: record.mode,
                    uid,
                    gid,
                    size: record.size,
                    mtime: record.mtime,
                    link,
                    checksum,
                    layer: usize::from(record.layer),
                    implicit: false,
                })
            }
        }
    }

    pub(crate) fn kind(&self, slot: Slot) -> Option<EntryKind> {
        match slot {
            Slot::Absent => None,
            Slot::Implicit(_) => Some(EntryKind::Dir),
            Slot::Entry(r) => self.record(r).map(|r| r.kind),
        }
    }

    fn is_dir(&self, slot: Slot) -> bool {
        self.kind(slot) == Some(EntryKind::Dir)
    }

    fn size(&self, slot: Slot) -> u64 {
        match slot {
            Slot::Entry(r) => self.record(r).map_or(0, |r| r.size),
            _ => 0,
        }
    }

    /// The state before any layer: only the root directory.
    pub(crate) fn empty_state(&self) -> Vec<Slot> {
        let mut slots = vec![Slot::Absent; self.paths.len()];
        if let Some(root) = slots.first_mut() {
            *root = Slot::Implicit(0);
        }
        slots
    }

    /// The merged tree after layers `0..=layer`.
    pub(crate) fn merged(&self, layer: usize) -> Vec<Slot> {
        let mut slots = self.empty_state();
        for l in 0..=layer.min(self.layers.len().saturating_sub(1)) {
            self.apply(l, &mut slots, &mut Quiet);
        }
        slots
    }

    /// Applies one layer to the merged tree of the layers below it, as the image-spec says:
    /// 1. opaque directories first: `DIR/.wh..wh..opq` hides every child lower layers put in
    ///    DIR, before this layer's own entries in DIR (whatever their tar order);
    /// 2. whiteouts: `.wh.NAME` hides NAME (and all under it) of the lower layers only, so an
    ///    entry for NAME in this same layer stays;
    /// 3. the folders holding whiteouts are made when missing, as extractors make the
    ///    folder of every entry (after the hiding, which only touches lower layers);
    /// 4. the entries in tar order: a later entry for the same path wins; a non-directory
    ///    over a directory replaces it with everything under it; a directory over a
    ///    directory keeps the lower children; an entry whose parent is missing or is not a
    ///    directory gets an implicit directory there (as extractors and overlay show it).
    pub(crate) fn apply(&self, layer: usize, slots: &mut [Slot], watch: &mut impl Watcher) {
        let Some(ops) = self.layers.get(layer) else {
            return;
        };
        let layer_id = u32::try_from(layer).unwrap_or(u32::MAX);
        for &dir in &ops.opaque {
            if self.is_dir(slot_of(slots, dir)) {
                for child in self.paths.children(dir) {
                    self.hide(child, slots, watch);
                }
            }
        }
        for &node in &ops.whiteouts {
            self.hide(node, slots, watch);
        }
        for &dir in &ops.whiteout_dirs {
            self.make_missing_dirs(dir, layer_id, slots, watch);
        }
        for &(node, record) in &ops.puts {
            self.make_parents(node, layer_id, slots, watch);
            let before = slot_of(slots, node);
            let Some(new) = self.record(record) else {
                continue;
            };
            let new_is_dir = new.kind == EntryKind::Dir;
            if self.is_dir(before) && !new_is_dir {
                for child in self.paths.children(node) {
                    self.hide(child, slots, watch);
                }
            }
            if before != Slot::Absent && !self.is_dir(before) && new_is_dir {
                watch.hidden(node, self.size(before));
            }
            if !new_is_dir {
                watch.copy(node, new.size);
            }
            set(slots, node, Slot::Entry(record), watch);
        }
    }

    /// Makes every ancestor of `node` a directory, as an extractor does before writing it.
    fn make_parents(&self, node: NodeId, layer: u32, slots: &mut [Slot], watch: &mut impl Watcher) {
        let mut missing = Vec::new();
        let mut current = self.paths.parent(node);
        while let Some(dir) = current {
            if self.is_dir(slot_of(slots, dir)) {
                break;
            }
            missing.push(dir);
            current = self.paths.parent(dir);
        }
        for &dir in missing.iter().rev() {
            let before = slot_of(slots, dir);
            if before != Slot::Absent {
                // A non-directory in the way: a file has no children to hide.
                watch.hidden(dir, self.size(before));
            }
            set(slots, dir, Slot::Implicit(layer), watch);
        }
    }

    /// Makes `dir` and its missing parents implicit directories, as containers/storage's
    /// extractor makes the folder of any entry, a whiteout's too, before reading it. Where a
    /// non-directory is in the way the extractor fails; the model leaves it as it is.
    fn make_missing_dirs(
        &self,
        dir: NodeId,
        layer: u32,
        slots: &mut [Slot],
        watch: &mut impl Watcher,
    ) {
        let mut missing = Vec::new();
        let mut current = Some(dir);
        while let Some(at) = current {
            match slot_of(slots, at) {
                Slot::Absent => missing.push(at),
                present if self.is_dir(present) => break,
                _ => return,
            }
            current = self.paths.parent(at);
        }
        for &dir in missing.iter().rev() {
            set(slots, dir, Slot::Implicit(layer), watch);
        }
    }

    /// Hides `node` and everything under it. Only present paths have present children, so
    /// the walk stops at the first absent one.
    fn hide(&self, node: NodeId, slots: &mut [Slot], watch: &mut impl Watcher) {
        let mut stack = vec![node];
        while let Some(next) = stack.pop() {
            let before = slot_of(slots, next);
            if before == Slot::Absent {
                continue;
            }
            if self.is_dir(before) {
                stack.extend(self.paths.children(next));
            } else {
                watch.hidden(next, self.size(before));
            }
            set(slots, next, Slot::Absent, watch);
        }
    }
}

/// The length a link or checksum takes in the shared buffer; `NO_BYTES` for none; `None`
/// when it does not fit the record.
fn keep_len(bytes: Option<&[u8]>) -> Option<u32> {
    match bytes {
        None => Some(NO_BYTES),
        Some(bytes) => u32::try_from(bytes.len())
            .ok()
            .filter(|&len| len != NO_BYTES),
    }
}

fn slot_of(slots: &[Slot], node: NodeId) -> Slot {
    slots.get(node.index()).copied().unwrap_or(Slot::Absent)
}

fn set(slots: &mut [Slot], node: NodeId, slot: Slot, watch: &mut impl Watcher) {
    if let Some(s) = slots.get_mut(node.index()) {
        watch.touched(node, *s);
        *s = slot;
    }
}
