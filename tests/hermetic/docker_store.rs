//! A Docker Engine that is not there: a clear error, never a panic. The comparisons with a
//! real dockerd are the conformance tier's `docker_store`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

#[test]
fn a_daemon_that_is_not_there_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let out = common::cairn(&[
        "--store".into(),
        format!("docker:unix://{}", socket.display()),
        "images".into(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = common::stderr(&out);
    assert!(err.contains("Docker Engine at unix://"), "{err}");
    assert!(err.contains(&socket.display().to_string()), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // A stopped daemon's socket file left behind is no better.
    std::fs::write(&socket, b"").unwrap();
    let out = common::cairn(&[
        "--store".into(),
        format!("docker:unix://{}", socket.display()),
        "rm".into(),
        "--dry-run".into(),
        "app:1.0".into(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::stderr(&out).contains("Docker Engine"),
        "{}",
        common::stderr(&out)
    );
}
