//! The change worker: one background thread that applies the plans the user confirmed, so
//! that waiting on podman's locks and writing the store never freezes the screen. Each plan
//! is made again under the locks and applied only if it is still the one the user saw.

use super::change::{ChangeOutcome, ChangeRequest};
use cairn_store::{Store, StoreError};
use std::sync::mpsc::Receiver;
use std::thread;

/// Starts the worker. It sends through `send(outcome)` and stops when `send` returns false
/// (the UI is gone) or the request channel closes.
pub fn spawn(
    store: Store,
    requests: Receiver<ChangeRequest>,
    send: impl Fn(ChangeOutcome) -> bool + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("cairn-changes".into())
        .spawn(move || {
            while let Ok(request) = requests.recv() {
                if !send(apply(&store, request)) {
                    return;
                }
            }
        })
}

/// Applies one confirmed plan and says how it went.
pub fn apply(store: &Store, request: ChangeRequest) -> ChangeOutcome {
    let change = request.change.clone();
    match store.apply(&request.steps, &request.blobs, &|now| change.steps(now)) {
        Ok(()) => ChangeOutcome::Applied(request),
        Err(StoreError::Changed) => ChangeOutcome::StoreChanged(request),
        Err(e) => ChangeOutcome::Failed {
            request,
            error: format!("{:#}", anyhow::Error::from(e)),
        },
    }
}
