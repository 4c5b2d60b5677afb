//! The store loader: one background thread that reads the store, builds the catalog in
//! steps (where the store can, the list from its records alone; then everything but the
//! lineage; then the lineage), and then watches the store's lock
//! files, reloading when podman or buildah writes to it. The UI never waits on it: it only
//! receives [`LoaderMsg`]s.

use super::data::StoreData;
use cairn_core::lineage::Lineage;
use cairn_core::{Catalog, Snapshot};
use cairn_store::{OpenedStore, Store, Watch};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// How often the watcher looks at the lock files: about once a second, as the issue asks;
/// reading a few 64-byte tokens costs nothing.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// What the loader tells the UI.
#[derive(Debug)]
pub enum LoaderMsg {
    /// What the loader is doing now, for the spinner.
    Progress(&'static str),
    /// The images alone of a store read for the first time, for the list's first frame:
    /// names, IDs and dates, no layers (so no sizes). The same generation follows as
    /// `Listed` or `Loaded`.
    Images { generation: u64, data: StoreData },
    /// The list of a new store, read quickly without the image configs: the loader goes on
    /// reading, and sends the same generation again as `Loaded`.
    Listed { generation: u64, data: StoreData },
    /// A new store: everything but the lineage.
    Loaded { generation: u64, data: StoreData },
    /// The lineage of the store of that generation.
    Lineage { generation: u64, lineage: Lineage },
    /// Loading failed; the message is one line for the status bar.
    Failed(String),
}

/// What the UI asks of the loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaderCmd {
    Reload,
}

/// Starts the loader thread. It sends through `send(msg)` and stops when `send` returns
/// false (the UI is gone) or the command channel closes.
pub fn spawn(
    store: Store,
    commands: Receiver<LoaderCmd>,
    send: impl Fn(LoaderMsg) -> bool + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("cairn-loader".into())
        .spawn(move || StoreWatcher { store, commands }.run(send))
}

/// Loads the store, then watches it and loads it again when it changes.
struct StoreWatcher {
    store: Store,
    commands: Receiver<LoaderCmd>,
}

impl StoreWatcher {
    fn run(self, send: impl Fn(LoaderMsg) -> bool) {
        let mut generation = 0;
        loop {
            generation += 1;
            let watch = match load(&self.store, generation, &send) {
                Some(watch) => watch,
                None => return,
            };
            if !self.wait_for_change(watch.as_ref()) {
                return;
            }
            if !send(LoaderMsg::Progress("reloading store")) {
                return;
            }
        }
    }

    /// Waits until the store changes or a reload is asked for. Requests that pile up while a
    /// load runs are drained here, so any number of them costs one load (the latest wins).
    /// Returns false when the UI has gone.
    fn wait_for_change(&self, watch: Option<&Watch>) -> bool {
        loop {
            match self.commands.recv_timeout(WATCH_INTERVAL) {
                Ok(LoaderCmd::Reload) => {
                    while self.commands.try_recv().is_ok() {}
                    return true;
                }
                Err(RecvTimeoutError::Timeout) => {
                    // After a failed load there is nothing to compare: wait for a request.
                    if watch.is_some_and(Watch::changed) {
                        return true;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
    }
}

/// One load. Returns what to watch for the next change (`Some(None)` when the load failed),
/// or `None` when the UI has gone.
fn load(
    store: &Store,
    generation: u64,
    send: &impl Fn(LoaderMsg) -> bool,
) -> Option<Option<Watch>> {
    if !send(LoaderMsg::Progress("reading store")) {
        return None;
    }
    // The list first, where the store has a quick way to it; an error there is left to the
    // full load to report. On the first load the images alone come first of all, for a list
    // on screen at once; a reload keeps the store on screen until its records are read.
    let mut gone = false;
    let mut images = |snapshot: Snapshot| {
        if generation == 1 && !gone {
            let catalog = Arc::new(Catalog::without_lineage(snapshot));
            let data = StoreData::images_alone(OpenedStore::in_memory(catalog));
            gone = !send(LoaderMsg::Images { generation, data });
        }
    };
    let listed = store.load_list(&mut images);
    if gone {
        return None;
    }
    // The full read goes on from the listing where the store can (asking only what the list
    // did not), else starts over.
    let mut rest = None;
    if let Some(Ok(listed)) = listed {
        rest = listed.rest;
        let catalog = Arc::new(Catalog::without_lineage(listed.loaded.snapshot));
        let data = StoreData::opened(OpenedStore::new(catalog, listed.loaded.terms));
        if !send(LoaderMsg::Listed { generation, data }) {
            return None;
        }
    }
    let loaded = match store.load_rest(rest) {
        Ok(loaded) => loaded,
        Err(e) => {
            return send(LoaderMsg::Failed(format!("{e:#}"))).then_some(None);
        }
    };
    if !send(LoaderMsg::Progress("indexing layers")) {
        return None;
    }
    let catalog = Arc::new(Catalog::without_lineage(loaded.snapshot));
    let data = StoreData::opened(OpenedStore::new(Arc::clone(&catalog), loaded.terms));
    if !send(LoaderMsg::Loaded { generation, data }) {
        return None;
    }
    let lineage = Lineage::new(&catalog.snapshot, &catalog.tree);
    drop(catalog);
    if !send(LoaderMsg::Lineage {
        generation,
        lineage,
    }) {
        return None;
    }
    Some(Some(loaded.watch))
}
