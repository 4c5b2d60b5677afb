//! The store loader: one background thread that reads the store, builds the catalog in
//! steps (where the store can, the list from its records alone; then everything but the
//! lineage; then the lineage), and then watches the store's lock
//! files, reloading when podman or buildah writes to it. The UI never waits on it: it only
//! receives [`LoaderMsg`]s.

use super::data::StoreData;
use cairn_core::lineage::Lineage;
use cairn_core::{Catalog, Snapshot};
use cairn_store::{OpenedStore, Store, Unreachable, Watch};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// How often the watcher looks at the lock files: about once a second, as the issue asks;
/// reading a few 64-byte tokens costs nothing.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// The wait before opening again a store whose listing is shown from the cache but which
/// did not answer, doubled at each failure up to `RETRY_MAX`: as the registry's own watch
/// waits after a failure.
const RETRY_FIRST: Duration = Duration::from_secs(30);
const RETRY_MAX: Duration = Duration::from_secs(600);

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
    /// The store cannot be asked (a registry that does not answer): since when, why and
    /// when it is asked again, while a listing it gave before stays on screen; `None` once
    /// it answers again.
    Unreachable(Option<Unreachable>),
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
            let mut outcome = load(&self.store, generation, true, &send);
            // A cached listing on screen whose store does not answer: it stays, says so, and
            // the store is opened again, less often each time, until it answers (the load
            // that succeeds clears the message).
            let mut failures = 0u32;
            let mut since = None;
            let watch = loop {
                let error = match outcome {
                    Outcome::Gone => return,
                    Outcome::Failed => break None,
                    Outcome::Watching(watch) => break Some(watch),
                    Outcome::Unanswered { error, listed } => {
                        // The listing on screen is all there is until the store answers: its
                        // lineage, rather than a lineage pane waiting on nothing.
                        if let Some(catalog) = listed {
                            let lineage = Lineage::new(&catalog.snapshot, &catalog.tree);
                            if !send(LoaderMsg::Lineage {
                                generation,
                                lineage,
                            }) {
                                return;
                            }
                        }
                        error
                    }
                };
                failures = failures.saturating_add(1);
                let wait = RETRY_FIRST
                    .saturating_mul(1u32 << (failures - 1).min(16))
                    .min(RETRY_MAX);
                let now = SystemTime::now();
                let unreachable = Unreachable {
                    since: *since.get_or_insert(now),
                    error,
                    next_try: now + wait,
                };
                if !send(LoaderMsg::Unreachable(Some(unreachable))) {
                    return;
                }
                if let Waited::Gone = self.wait(Instant::now() + wait) {
                    return;
                }
                if !send(LoaderMsg::Progress("asking the registry again")) {
                    return;
                }
                outcome = load(&self.store, generation, false, &send);
            };
            if !self.wait_for_change(watch.as_ref(), &send) {
                return;
            }
            if !send(LoaderMsg::Progress("reloading store")) {
                return;
            }
        }
    }

    /// Waits until `until`, or until a reload is asked for (requests that piled up are
    /// drained: any number of them costs one load).
    fn wait(&self, until: Instant) -> Waited {
        match self
            .commands
            .recv_timeout(until.saturating_duration_since(Instant::now()))
        {
            Ok(LoaderCmd::Reload) => {
                while self.commands.try_recv().is_ok() {}
                Waited::Asked
            }
            Err(RecvTimeoutError::Timeout) => Waited::Due,
            Err(RecvTimeoutError::Disconnected) => Waited::Gone,
        }
    }

    /// Waits until the store changes or a reload is asked for, telling the UI whenever the
    /// watch starts or stops failing to reach the store. Returns false when the UI has gone.
    fn wait_for_change(&self, watch: Option<&Watch>, send: &impl Fn(LoaderMsg) -> bool) -> bool {
        let mut told = None;
        loop {
            match self.wait(Instant::now() + WATCH_INTERVAL) {
                Waited::Asked => return true,
                Waited::Gone => return false,
                Waited::Due => {
                    // After a failed load there is nothing to compare: wait for a request.
                    let Some(watch) = watch else { continue };
                    if watch.changed() {
                        return true;
                    }
                    let now = watch.unreachable();
                    if now != told {
                        told.clone_from(&now);
                        if !send(LoaderMsg::Unreachable(now)) {
                            return false;
                        }
                    }
                }
            }
        }
    }
}

/// How a wait ended.
enum Waited {
    Due,
    Asked,
    Gone,
}

/// How a load ended.
enum Outcome {
    /// Loaded: what to watch for the next change.
    Watching(Watch),
    /// Failed, and said so.
    Failed,
    /// Failed while the store's cached listing is on screen: why, for the status line, and
    /// that listing when this load put it there.
    Unanswered {
        error: String,
        listed: Option<Arc<Catalog>>,
    },
    /// The UI has gone.
    Gone,
}

/// One load; `list` reads the store's quick list first (not when a cached listing is on
/// screen already).
fn load(store: &Store, generation: u64, list: bool, send: &impl Fn(LoaderMsg) -> bool) -> Outcome {
    if list && !send(LoaderMsg::Progress("reading store")) {
        return Outcome::Gone;
    }
    let mut cached = !list;
    let mut shown = None;
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
    let listed = match list {
        true => store.load_list(&mut images),
        false => None,
    };
    if gone {
        return Outcome::Gone;
    }
    // The full read goes on from the listing where the store can (asking only what the list
    // did not), else starts over.
    let mut rest = None;
    if let Some(Ok(listed)) = listed {
        rest = listed.rest;
        let catalog = Arc::new(Catalog::without_lineage(listed.loaded.snapshot));
        let data = StoreData::opened(OpenedStore::new(Arc::clone(&catalog), listed.loaded.terms));
        cached = data.cached_at.is_some();
        shown = cached.then_some(catalog);
        if !send(LoaderMsg::Listed { generation, data }) {
            return Outcome::Gone;
        }
    }
    let loaded = match store.load_rest(rest) {
        Ok(loaded) => loaded,
        Err(e) if cached => {
            return Outcome::Unanswered {
                error: format!("{e:#}"),
                listed: shown,
            };
        }
        Err(e) => {
            return match send(LoaderMsg::Failed(format!("{e:#}"))) {
                true => Outcome::Failed,
                false => Outcome::Gone,
            };
        }
    };
    if !send(LoaderMsg::Progress("indexing layers")) {
        return Outcome::Gone;
    }
    let catalog = Arc::new(Catalog::without_lineage(loaded.snapshot));
    let data = StoreData::opened(OpenedStore::new(Arc::clone(&catalog), loaded.terms));
    if !send(LoaderMsg::Loaded { generation, data }) {
        return Outcome::Gone;
    }
    let lineage = Lineage::new(&catalog.snapshot, &catalog.tree);
    drop(catalog);
    if !send(LoaderMsg::Lineage {
        generation,
        lineage,
    }) {
        return Outcome::Gone;
    }
    Outcome::Watching(loaded.watch)
}
