//! The path filter's worker: one background thread that matches a tree's paths against the
//! filter being typed in the Files or Diff pane, so that a keystroke on a tree of 100,000
//! paths costs the UI thread nothing but handing over the job. Only the latest job of each
//! pane is run, and a job a newer one replaced stops where it is.

use super::pane::Pane;
use super::state::files::{FilterJob, Filtered};
use std::sync::mpsc::Receiver;
use std::thread;

/// A pane's filter job.
#[derive(Debug, Clone)]
pub struct FilterRequest {
    pub pane: Pane,
    pub job: FilterJob,
}

/// What a pane's job found.
#[derive(Debug)]
pub struct FilterDone {
    pub pane: Pane,
    pub filtered: Filtered,
}

/// Starts the worker. It sends through `send(done)` and stops when `send` returns false (the
/// UI is gone) or the request channel closes.
pub fn spawn(
    requests: Receiver<FilterRequest>,
    send: impl Fn(FilterDone) -> bool + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("cairn-filter".into())
        .spawn(move || {
            while let Ok(first) = requests.recv() {
                let mut latest = vec![first];
                while let Ok(next) = requests.try_recv() {
                    latest.retain(|r| r.pane != next.pane);
                    latest.push(next);
                }
                for request in latest {
                    if let Some(filtered) = request.job.run()
                        && !send(FilterDone {
                            pane: request.pane,
                            filtered,
                        })
                    {
                        return;
                    }
                }
            }
        })
}
