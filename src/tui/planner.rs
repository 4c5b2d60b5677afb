//! The planner: one background thread that makes the prune preview's plan. A prune plans on
//! the whole store, and with `--all` on a build server's 10,000 images it removes most of
//! them: tens of milliseconds of planning and a tree of 40,000 lines, more than a key may
//! take. The preview opens at once and shows the plan when it comes. Only the latest job
//! is run: a switch pressed again, or a new store, makes the older jobs moot.

use super::data::StoreData;
use super::dialog::PlanLine;
use cairn_core::removal::{RemovalPlan, RemoveOptions};
use std::sync::mpsc::Receiver;
use std::thread;

/// A prune preview's plan to make, on the store the preview was opened or planned again on
/// (the prune dialog says how: `PlanRequest::run`).
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Which request of the app this is: the answer is taken only by the preview waiting for
    /// it.
    pub id: u64,
    pub store: StoreData,
    pub all: bool,
    pub options: RemoveOptions,
}

/// The plan a request asked for, and its tree.
#[derive(Debug)]
pub struct PlanDone {
    pub id: u64,
    pub plan: RemovalPlan,
    pub tree: Vec<PlanLine>,
}

/// Starts the planner. It sends through `send(done)` and stops when `send` returns false (the
/// UI is gone) or the request channel closes.
pub fn spawn(
    requests: Receiver<PlanRequest>,
    send: impl Fn(PlanDone) -> bool + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("cairn-planner".into())
        .spawn(move || {
            while let Ok(mut latest) = requests.recv() {
                while let Ok(next) = requests.try_recv() {
                    latest = next;
                }
                if !send(latest.run()) {
                    return;
                }
            }
        })
}
