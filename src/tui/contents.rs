//! The contents reader: one background thread that reads layers' entries from the store
//! (`Store::layer_entries`) and asks the model what they hold, for the Files pane (a merged
//! tree or a layer's changes), the Diff pane (two images compared) and the details (wasted
//! space), so that reading a big image's layers never freezes the screen.
//!
//! Each pane has one slot: a newer request for a pane replaces the one waiting, and the one
//! being read is dropped between two layers when a newer one for the same pane arrives, so
//! running down the image list costs one read, not one per image passed. Entries already
//! read are kept by layer ID (layers do not change under an ID) up to a bound.

use super::state::diff::DiffSubject;
use super::state::files::{FileInput, FileTree, FilesSubject, Mark};
use cairn_core::contents::{
    ChangeKind, EntrySource, FileInfo, ImageContents, LayerEntries, NodeId, Scope, Tree, diff,
};
use cairn_core::{Catalog, ImageIdx, LayerIdx};
use cairn_store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::thread;

/// Most entries kept between requests; past it the cache starts again empty. About 150
/// bytes an entry: some 300 MB at worst.
const CACHE_ENTRIES: usize = 2_000_000;

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Files(FilesSubject),
    Diff(DiffSubject),
    /// An image's wasted space; `base` of its layers (from the base) are its parent's.
    Waste {
        image: ImageIdx,
        layers: Vec<LayerIdx>,
        base: usize,
    },
    /// The pane no longer shows what it asked for: what waits or is being read for it is
    /// dropped, so that a tab left reads nothing more.
    Stop(Slot),
}

/// Which pane a job is for: one job a pane at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Files,
    Diff,
    Waste,
}

impl Job {
    pub fn slot(&self) -> Slot {
        match self {
            Job::Files(_) => Slot::Files,
            Job::Diff(_) => Slot::Diff,
            Job::Waste { .. } => Slot::Waste,
            Job::Stop(slot) => *slot,
        }
    }

    /// Every layer the job reads, each once, in the order they are read.
    fn layers(&self) -> Vec<LayerIdx> {
        let mut layers: Vec<LayerIdx> = match self {
            Job::Files(subject) => {
                subject.layers[..subject.layers.len().min(subject.at + 1)].to_vec()
            }
            Job::Diff(subject) => subject
                .from_layers
                .iter()
                .chain(&subject.to_layers)
                .copied()
                .collect(),
            Job::Waste { layers, .. } => layers.clone(),
            Job::Stop(_) => Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        layers.retain(|l| seen.insert(*l));
        layers
    }
}

/// One request: a job on the store of one load.
#[derive(Debug, Clone)]
pub struct ContentsRequest {
    /// The load of the store the indexes are of.
    pub generation: u64,
    pub catalog: Arc<Catalog>,
    pub job: Job,
}

/// What the model answered.
#[derive(Debug)]
pub enum Answer {
    Tree(FileTree),
    Waste(cairn_core::contents::Waste),
}

/// What the reader tells the UI.
#[derive(Debug)]
pub enum ContentsMsg {
    /// `read` of `total` layers read for a pane.
    Progress {
        slot: Slot,
        read: usize,
        total: usize,
    },
    Done {
        generation: u64,
        job: Job,
        /// What the model made of the entries, or one line saying why there is nothing.
        answer: Result<Answer, String>,
        /// Where the layers' entries were read from, each source once.
        sources: Vec<EntrySource>,
    },
}

/// Starts the reader. It sends through `send(msg)` and stops when `send` returns false (the
/// UI is gone) or the request channel closes.
pub fn spawn(
    store: Store,
    requests: Receiver<ContentsRequest>,
    send: impl Fn(ContentsMsg) -> bool + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("cairn-contents".into())
        .spawn(move || {
            Reader {
                store,
                requests,
                waiting: Vec::new(),
                stopped: Vec::new(),
                cache: HashMap::new(),
                cached: 0,
            }
            .run(send)
        })
}

struct Reader {
    store: Store,
    requests: Receiver<ContentsRequest>,
    /// At most one request a slot, the latest.
    waiting: Vec<ContentsRequest>,
    /// The slots whose pane went off screen since their last request.
    stopped: Vec<Slot>,
    /// Entries by layer ID.
    cache: HashMap<String, Arc<LayerEntries>>,
    cached: usize,
}

impl Reader {
    fn run(mut self, send: impl Fn(ContentsMsg) -> bool) {
        loop {
            if self.waiting.is_empty() {
                match self.requests.recv() {
                    Ok(request) => self.queue(request),
                    Err(_) => return,
                }
            }
            if !self.take_new() {
                return;
            }
            // The Files pane first, then the diff, then the details: what is looked at.
            let Some(next) = [Slot::Files, Slot::Diff, Slot::Waste]
                .iter()
                .find_map(|&slot| self.waiting.iter().position(|r| r.job.slot() == slot))
            else {
                continue;
            };
            let request = self.waiting.remove(next);
            // `None`: a newer request took its place, or the UI went (then the next
            // receive or send says so).
            if let Some(msg) = self.answer(&request, &send)
                && !send(msg)
            {
                return;
            }
        }
    }

    fn queue(&mut self, request: ContentsRequest) {
        let slot = request.job.slot();
        self.waiting.retain(|r| r.job.slot() != slot);
        self.stopped.retain(|&s| s != slot);
        match request.job {
            Job::Stop(_) => self.stopped.push(slot),
            _ => self.waiting.push(request),
        }
    }

    /// Queues what arrived meanwhile; false when the UI has gone and nothing is left.
    fn take_new(&mut self) -> bool {
        loop {
            match self.requests.try_recv() {
                Ok(request) => self.queue(request),
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return !self.waiting.is_empty(),
            }
        }
    }

    /// Reads the job's layers and asks the model; `None` when a newer request for the same
    /// pane came in meanwhile, or the UI went.
    fn answer(
        &mut self,
        request: &ContentsRequest,
        send: &impl Fn(ContentsMsg) -> bool,
    ) -> Option<ContentsMsg> {
        let slot = request.job.slot();
        let layers = request.job.layers();
        let mut read: HashMap<LayerIdx, Arc<LayerEntries>> = HashMap::new();
        let mut sources = Vec::new();
        for (i, &layer) in layers.iter().enumerate() {
            if !send(ContentsMsg::Progress {
                slot,
                read: i,
                total: layers.len(),
            }) {
                return None;
            }
            self.take_new();
            if self.stopped.contains(&slot) || self.waiting.iter().any(|r| r.job.slot() == slot) {
                return None;
            }
            let entries = match self.entries(&request.catalog, layer) {
                Ok(entries) => entries,
                Err(e) => {
                    return Some(ContentsMsg::Done {
                        generation: request.generation,
                        job: request.job.clone(),
                        answer: Err(e),
                        sources,
                    });
                }
            };
            if !sources.contains(&entries.source) {
                sources.push(entries.source);
            }
            read.insert(layer, entries);
        }
        Some(ContentsMsg::Done {
            generation: request.generation,
            job: request.job.clone(),
            answer: answer(&request.job, &read),
            sources,
        })
    }

    /// A layer's entries, from the cache or the store.
    fn entries(&mut self, catalog: &Catalog, layer: LayerIdx) -> Result<Arc<LayerEntries>, String> {
        let id = &catalog.snapshot.layers[layer].id;
        if let Some(entries) = self.cache.get(id) {
            return Ok(Arc::clone(entries));
        }
        let entries = self
            .store
            .layer_entries(&catalog.snapshot, layer)
            .map_err(|e| format!("{:#}", anyhow::Error::from(e)))?;
        let entries = Arc::new(entries);
        if self.cached + entries.entries.len() > CACHE_ENTRIES {
            self.cache.clear();
            self.cached = 0;
        }
        self.cached += entries.entries.len();
        self.cache.insert(id.clone(), Arc::clone(&entries));
        Ok(entries)
    }
}

/// What the model says of a job's layers, as the panes show it. `entries` holds every layer
/// the job names.
pub fn answer(job: &Job, entries: &HashMap<LayerIdx, Arc<LayerEntries>>) -> Result<Answer, String> {
    let contents = |layers: &[LayerIdx]| -> Result<Arc<ImageContents>, String> {
        let layers = layers
            .iter()
            .map(|l| entries.get(l).map(|e| e.as_ref()))
            .collect::<Option<Vec<&LayerEntries>>>()
            .ok_or("a layer's entries were not read")?;
        Ok(Arc::new(ImageContents::new(layers)))
    };
    let top = |contents: Arc<ImageContents>| {
        let layers = contents.layer_count();
        match layers {
            0 => Ok(None),
            n => Tree::new(contents, n - 1, Scope::Merged)
                .map(Some)
                .ok_or_else(|| "the image has no such layer".to_string()),
        }
    };
    match job {
        Job::Files(subject) => {
            let layers = &subject.layers[..subject.layers.len().min(subject.at + 1)];
            let scope = if subject.layer_only {
                Scope::Changes
            } else {
                Scope::Merged
            };
            let contents = contents(layers)?;
            let tree = Tree::new(Arc::clone(&contents), subject.at, scope)
                .ok_or("the image has no such layer")?;
            // The merged tree holds what is there; what the layer removed is shown with it,
            // marked, as the layer's changes have it.
            let removed = match scope {
                Scope::Merged => Tree::new(contents, subject.at, Scope::Changes),
                Scope::Changes => None,
            };
            Ok(Answer::Tree(files_tree(&tree, removed.as_ref())))
        }
        Job::Diff(subject) => {
            let old = top(contents(&subject.from_layers)?)?;
            let new = top(contents(&subject.to_layers)?)?;
            Ok(Answer::Tree(match (old, new) {
                (Some(old), Some(new)) => diff_tree(&old, &new),
                (None, Some(new)) => files_tree(&new, None),
                (_, None) => FileTree::default(),
            }))
        }
        Job::Waste { layers, base, .. } => Ok(Answer::Waste(contents(layers)?.waste(*base))),
        Job::Stop(_) => Err("nothing was asked".into()),
    }
}

/// The browser's tree of a view of an image: every path it shows, marked with what the
/// view's layer did to it, and the paths `changes` (the layer's change set, over the same
/// contents) marks removed. Walked from the root, so no path is looked up or even made.
fn files_tree(tree: &Tree, changes: Option<&Tree>) -> FileTree {
    let mut out = FileTree::default();
    let mut ids: HashMap<NodeId, u32> = HashMap::with_capacity(tree.len() + 1);
    ids.insert(tree.root(), 0);
    let mut stack: Vec<(NodeId, u32)> = vec![(tree.root(), 0)];
    while let Some((node, id)) = stack.pop() {
        for &child in tree.children(node) {
            let Some(info) = tree.info(child) else {
                continue;
            };
            let made = out.push(
                id,
                tree.name(child),
                &input(&[], &info, tree.change(child).map(mark)),
            );
            ids.insert(child, made);
            stack.push((child, made));
        }
    }
    if let Some(changes) = changes {
        let mut stack: Vec<NodeId> = vec![changes.root()];
        while let Some(node) = stack.pop() {
            let Some(&id) = ids.get(&node) else {
                continue;
            };
            for &child in changes.children(node) {
                let removed = changes.change(child) == Some(ChangeKind::Removed);
                if removed
                    && !ids.contains_key(&child)
                    && let Some(info) = changes.info(child)
                {
                    let made = out.push(
                        id,
                        changes.name(child),
                        &input(&[], &info, Some(Mark::Removed)),
                    );
                    ids.insert(child, made);
                }
                stack.push(child);
            }
        }
    }
    out.finish()
}

/// The browser's tree of two images compared: what the newer added, modified and removed.
fn diff_tree(old: &Tree, new: &Tree) -> FileTree {
    let found = diff(old, new);
    let mut paths: Vec<(Vec<u8>, &Tree, NodeId, Mark)> = Vec::new();
    for &node in &found.added {
        paths.push((new.path(node), new, node, Mark::Added));
    }
    for &node in &found.removed {
        paths.push((old.path(node), old, node, Mark::Removed));
    }
    for modified in &found.modified {
        let mark = if modified.differences.kind {
            Mark::TypeChanged
        } else {
            Mark::Modified
        };
        paths.push((new.path(modified.new), new, modified.new, mark));
    }
    FileTree::build(paths.iter().filter_map(|(path, tree, node, mark)| {
        let info = tree.info(*node)?;
        let mut input = input(path, &info, Some(*mark));
        // A removed path's layer is one of the older image's, which the pane does not show.
        if *mark == Mark::Removed {
            input.layer = None;
        }
        Some(input)
    }))
}

fn input<'a>(path: &'a [u8], info: &FileInfo<'a>, mark: Option<Mark>) -> FileInput<'a> {
    FileInput {
        path,
        kind: info.kind,
        size: info.size,
        link: info.link,
        mark,
        layer: Some(info.layer),
    }
}

fn mark(change: ChangeKind) -> Mark {
    match change {
        ChangeKind::Added => Mark::Added,
        ChangeKind::Modified => Mark::Modified,
        ChangeKind::Removed => Mark::Removed,
        ChangeKind::TypeChanged { .. } => Mark::TypeChanged,
    }
}

/// How a source is named in the status line.
pub fn source_words(source: EntrySource) -> &'static str {
    match source {
        EntrySource::TarSplit => "saved tar headers (tar-split)",
        EntrySource::LayerDirectory => "layer directories",
        EntrySource::Blob => "layer blobs",
        EntrySource::Export => "the engine's image export",
    }
}
