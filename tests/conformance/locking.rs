//! cairn reads under podman's POSIX record locks and notices when another tool writes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use cairn_store::containers_storage::{self, StorageOptions};
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

fn options(store: &std::path::Path) -> StorageOptions {
    StorageOptions {
        graphroot: store.join("root"),
        runroot: store.join("run"),
        driver: Some("vfs".into()),
        ..StorageOptions::default()
    }
}

/// Holds a write lock on `path` the way containers/storage does (fcntl F_SETLKW, F_WRLCK)
/// until its standard input closes. Python's `lockf` issues exactly that call.
fn hold_write_lock(path: &std::path::Path) -> std::process::Child {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
        ])
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    child
}

#[test]
fn reading_waits_for_a_writer_holding_images_lock() {
    let (_dir, store) = copy_store(shared_fixture());
    let mut writer = hold_write_lock(&store.join("root/vfs-images/images.lock"));
    let mut reader = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(store_flags(&store.join("root"), &store.join("run")))
        .args(["images", "--quiet"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Without the lock, cairn answers in milliseconds; with it, it must still be waiting.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        reader.try_wait().unwrap().is_none(),
        "cairn read the store while it was write-locked"
    );
    writer.stdin.take().unwrap().write_all(b"").unwrap();
    writer.wait().unwrap();
    let out = reader.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        !out.stdout.is_empty(),
        "cairn listed the images once the lock was released"
    );
}

#[test]
fn reading_writes_nothing_to_the_store() {
    let (_dir, store) = copy_store(shared_fixture());
    let before = tree_digest(&store);
    let out = cairn(&args(
        &store_flags(&store.join("root"), &store.join("run")),
        &["images", "-a"],
    ));
    ok(out, "cairn images");
    assert_eq!(before, tree_digest(&store));
}

#[test]
fn a_change_by_podman_is_noticed_through_the_lock_tokens() {
    let (_dir, store) = copy_store(shared_fixture());
    let loaded = containers_storage::load(&options(&store)).unwrap();
    assert!(!loaded.watch.changed(), "nothing changed yet");
    let flags = store_flags(&store.join("root"), &store.join("run"));
    ok(
        podman(&args(
            &flags,
            &["tag", "localhost/base:1", "localhost/base:again"],
        )),
        "podman tag",
    );
    assert!(loaded.watch.changed(), "podman's write must change a token");
    let reloaded = containers_storage::load(&options(&store)).unwrap();
    assert!(!reloaded.watch.changed());
    assert!(
        reloaded
            .snapshot
            .images
            .iter()
            .any(|i| i.names.contains(&"localhost/base:again".to_string()))
    );
}
