//! What cairn asks a real Docker Engine (a private dockerd 20.10 on a copy of the fixture),
//! seen on the wire: a socket of the test's own passes every byte between cairn and the
//! daemon and notes each request line. `images`, its JSON too, asks what `docker images`
//! asks (the list), and the container list beside it, never an image's inspect or history;
//! the browser lists the daemon once and then asks each image's details; the watcher asks
//! through the client that read the store, so the API version is agreed on once, and sees a
//! `docker tag`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use cairn::tui::loader::{self, LoaderCmd, LoaderMsg};
use cairn_store::Store;
use cairn_store::docker::DockerStore;
use common::docker::{Daemon, docker_fixture};
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A unix socket that forwards every connection to the daemon's socket and records the
/// request lines (`GET /v1.41/images/json?all=true`) the client sends, before forwarding
/// them: by the time the client has its answer, its request is recorded.
struct Recorder {
    path: PathBuf,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Recorder {
    fn start(daemon: &Path) -> Recorder {
        let dir = tempfile::tempdir_in("/tmp").unwrap();
        let path = dir.path().join("rec.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let daemon = daemon.to_path_buf();
        let accept = {
            let (requests, stop) = (Arc::clone(&requests), Arc::clone(&stop));
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let client = client.unwrap();
                    let upstream = UnixStream::connect(&daemon).unwrap();
                    forward(client, upstream, Arc::clone(&requests));
                }
            })
        };
        Recorder {
            path,
            requests,
            stop,
            accept: Some(accept),
            _dir: dir,
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// The request lines so far, with the API version taken out (`GET /images/json?all=true`).
    fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|line| {
                let (method, rest) = line.split_once(' ').unwrap();
                let path = rest.trim_end_matches(" HTTP/1.1");
                let path = match path.strip_prefix("/v") {
                    Some(versioned) => versioned
                        .find('/')
                        .map_or(path, |slash| &versioned[slash..]),
                    None => path,
                };
                format!("{method} {path}")
            })
            .collect()
    }

    fn clear(&self) {
        self.requests.lock().unwrap().clear();
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag.
        let _ = UnixStream::connect(&self.path);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Copies the daemon's answers back on a thread of their own, and the client's bytes on
/// another, noting each line that starts a request.
fn forward(mut client: UnixStream, mut upstream: UnixStream, requests: Arc<Mutex<Vec<String>>>) {
    let (mut client_back, mut upstream_back) =
        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut upstream_back, &mut client_back);
        let _ = client_back.shutdown(std::net::Shutdown::Write);
    });
    std::thread::spawn(move || {
        let mut pending = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match client.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            while let Some(end) = pending.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&pending[..end]).into_owned();
                pending.drain(..end + 2);
                let methods = ["GET ", "POST ", "DELETE ", "HEAD ", "PUT "];
                if methods.iter().any(|m| line.starts_with(m)) && line.ends_with(" HTTP/1.1") {
                    requests.lock().unwrap().push(line);
                }
            }
            if upstream.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = upstream.shutdown(std::net::Shutdown::Write);
    });
}

fn socket(daemon: &Daemon) -> PathBuf {
    daemon.dir().join("docker.sock")
}

fn cairn(host: &str, args: &[&str]) -> String {
    let mut all = vec!["--store".to_string(), format!("docker:{host}")];
    all.extend(args.iter().map(|a| a.to_string()));
    common::ok(common::cairn(&all), &format!("cairn {}", args.join(" ")))
}

/// Requests other than agreeing on the API version, without their queries.
fn asked(recorder: &Recorder) -> Vec<String> {
    let mut asked: Vec<String> = recorder
        .requests()
        .into_iter()
        .map(|r| {
            r.split_once('?')
                .map_or(r.clone(), |(path, _)| path.to_string())
        })
        .filter(|r| r != "GET /version" && r != "GET /_ping")
        .collect();
    asked.sort();
    asked
}

#[test]
fn images_asks_the_daemon_for_its_lists_only() {
    let daemon = Daemon::start(docker_fixture());
    let recorder = Recorder::start(&socket(&daemon));
    let lists = ["GET /containers/json", "GET /images/json"];
    for args in [
        &["images"][..],
        &["images", "-a"],
        &["images", "-a", "--no-trunc"],
        &["images", "-aq"],
        &["images", "--json"],
        &["images", "-a", "--format", "json"],
    ] {
        recorder.clear();
        let through = cairn(&recorder.host(), args);
        assert_eq!(asked(&recorder), lists, "{args:?}");
        assert!(
            recorder
                .requests()
                .iter()
                .any(|r| r.starts_with("GET /images/json?all=true")),
            "untagged images too: {:?}",
            recorder.requests()
        );
        // The recorder changes nothing of what is said (the daemon's order of images made in
        // the same second changes from one listing to the next).
        let sorted = |text: &str| {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            lines.sort();
            lines
        };
        assert_eq!(
            sorted(&through),
            sorted(&cairn(&daemon.host(), args)),
            "{args:?}"
        );
    }
}

/// The browser's loader shows the daemon's listing first and then reads the whole store: the
/// full read goes on from the listing, so one open asks for the list of images (and of
/// containers) once, then each image's inspect and history once, through one client.
#[test]
fn the_browser_lists_the_daemon_once() {
    let daemon = Daemon::start(docker_fixture());
    let recorder = Recorder::start(&socket(&daemon));
    let store = Store::new(DockerStore {
        host: recorder.host(),
    });
    let (_commands, receive_commands) = std::sync::mpsc::channel::<LoaderCmd>();
    let (send, messages) = std::sync::mpsc::channel::<LoaderMsg>();
    let _loader = loader::spawn(store, receive_commands, move |m| send.send(m).is_ok()).unwrap();
    let (mut listed, mut loaded) = (None, None);
    for message in messages.iter() {
        match message {
            LoaderMsg::Listed { data, .. } => listed = Some(data),
            LoaderMsg::Loaded { data, .. } => loaded = Some(data),
            LoaderMsg::Lineage { .. } => break,
            LoaderMsg::Failed(e) => panic!("the load failed: {e}"),
            _ => {}
        }
    }
    let requests = recorder.requests();
    let (listed, loaded) = (
        listed.expect("a listing first"),
        loaded.expect("a full read"),
    );
    let images = common::ok(
        daemon.docker(&["images", "-aq", "--no-trunc"]),
        "docker images",
    );
    let images: std::collections::BTreeSet<&str> = images.lines().collect();
    let count = |wanted: &dyn Fn(&str) -> bool| requests.iter().filter(|r| wanted(r)).count();
    assert_eq!(
        count(&|r| r.starts_with("GET /images/json")),
        1,
        "{requests:?}"
    );
    assert_eq!(
        count(&|r| r.starts_with("GET /containers/json")),
        1,
        "{requests:?}"
    );
    assert_eq!(count(&|r| r == "GET /version"), 1, "{requests:?}");
    for image in &images {
        let asked = |what: &str| count(&|r| r == format!("GET /images/{image}/{what}"));
        assert_eq!(
            (asked("json"), asked("history")),
            (1, 1),
            "{image}: {requests:?}"
        );
    }
    assert_eq!(
        requests.len(),
        3 + 2 * images.len(),
        "nothing else: {requests:?}"
    );
    // The read that went on from the listing is the store's whole read.
    let whole = Store::new(DockerStore {
        host: daemon.host(),
    })
    .load()
    .unwrap()
    .snapshot;
    let ids = |snapshot: &cairn_core::Snapshot| -> std::collections::BTreeSet<String> {
        snapshot
            .images
            .iter()
            .map(|i| format!("sha256:{}", i.id))
            .collect()
    };
    let listed = &listed.catalog.snapshot;
    let loaded = &loaded.catalog.snapshot;
    assert_eq!(ids(listed), images.iter().map(|i| i.to_string()).collect());
    assert_eq!(ids(loaded), ids(listed));
    // Each image, layer and container alike (the daemon's order of images made in the same
    // second changes from one listing to the next).
    let sorted = |items: Vec<String>| {
        let mut items = items;
        items.sort();
        items
    };
    let each = |snapshot: &cairn_core::Snapshot| {
        (
            sorted(snapshot.images.iter().map(|i| format!("{i:?}")).collect()),
            sorted(snapshot.layers.iter().map(|l| format!("{l:?}")).collect()),
            sorted(
                snapshot
                    .containers
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect(),
            ),
        )
    };
    assert_eq!(each(loaded), each(&whole));
}

/// The watcher asks for events through the client that read the store: one version agreed
/// on however often it looks, and it sees a tag.
#[test]
fn the_docker_watcher_sees_a_tag_through_the_client_that_read_the_store() {
    let daemon = Daemon::start(docker_fixture());
    let recorder = Recorder::start(&socket(&daemon));
    let store = Store::new(DockerStore {
        host: recorder.host(),
    });
    let loaded = store.load().unwrap();
    for _ in 0..3 {
        assert!(!loaded.watch.changed(), "nothing changed yet");
    }
    let requests = recorder.requests();
    let count = |wanted: &dyn Fn(&String) -> bool| requests.iter().filter(|r| wanted(r)).count();
    assert_eq!(
        (
            count(&|r| r == "GET /version"),
            count(&|r| r.starts_with("GET /events?"))
        ),
        (1, 3),
        "one version agreed on, one events request a look: {requests:?}"
    );
    common::ok(daemon.docker(&["tag", "bb:1", "watched:1"]), "docker tag");
    assert!(loaded.watch.changed(), "the tag is an image event");
}
