//! The change worker: one background thread that applies the plans the user confirmed, so
//! that waiting on podman's locks and writing the store never freezes the screen. Each plan
//! is made again under the locks and applied only if it is still the one the user saw.

use super::change::{ChangeOutcome, ChangeRequest};
use cairn_store::StoreSpec;
use cairn_store::containers_storage::writer::StoreChanged;
use std::sync::mpsc::Receiver;
use std::thread;

/// Starts the worker. It sends through `send(outcome)` and stops when `send` returns false
/// (the UI is gone) or the request channel closes.
pub fn spawn(
    options: StoreSpec,
    requests: Receiver<ChangeRequest>,
    send: impl Fn(ChangeOutcome) -> bool + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("cairn-changes".into())
        .spawn(move || {
            while let Ok(request) = requests.recv() {
                if !send(apply(&options, request)) {
                    return;
                }
            }
        })
}

/// Applies one confirmed plan and says how it went. Takes any store (`StorageOptions`
/// converts into one), so that callers of the containers-storage days still compile.
pub fn apply(options: &(impl Clone + Into<StoreSpec>), request: ChangeRequest) -> ChangeOutcome {
    let change = request.change.clone();
    let store: StoreSpec = options.clone().into();
    let result = cairn_store::apply(&store, &request.steps, &request.blobs, |now| {
        change.steps(now)
    });
    match result {
        Ok(()) => ChangeOutcome::Applied(request),
        Err(e) if e.is::<StoreChanged>() => ChangeOutcome::StoreChanged(request),
        Err(e) => ChangeOutcome::Failed {
            request,
            error: format!("{e:#}"),
        },
    }
}
