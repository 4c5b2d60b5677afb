//! A test hook that makes an interrupted change reproducible on any disk: with
//! `CAIRN_TEST_KILL_AFTER_CHANGES=N` in its environment, the writer kills its own process with
//! SIGKILL right after its Nth change to the store (a JSON file replaced, a file or a folder
//! removed, or found already gone), as a `kill -9` landing at that moment would. The conformance tests set it to check
//! that every interruption leaves a store podman reads; nothing else does.

use rustix::process::{Signal, getpid, kill_process};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable holding N.
pub const KILL_AFTER_CHANGES: &str = "CAIRN_TEST_KILL_AFTER_CHANGES";

/// Counts a change the writer has just made, and dies if it is the Nth.
pub(super) fn change_made() {
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static CHANGES: AtomicU64 = AtomicU64::new(0);
    let limit = LIMIT.get_or_init(|| std::env::var(KILL_AFTER_CHANGES).ok()?.parse().ok());
    if limit.is_some_and(|n| CHANGES.fetch_add(1, Ordering::SeqCst) + 1 == n) {
        let _ = kill_process(getpid(), Signal::KILL);
        // Not reached: SIGKILL cannot be caught. Should the kill fail, end just as abruptly.
        std::process::abort();
    }
}
