//! Layer contents against the real tools: images built by buildah (busybox under `buildah
//! run --isolation chroot`, vfs), plus layers GNU tar wrote and umoci added, put by skopeo
//! and podman into containers-storage, OCI layouts (gzip and zstd), an oci-archive and a
//! docker-archive (`scripts/make-contents-fixture.sh`). For every layer of every store,
//! cairn's entries must be the layer tar's: what the tar crate lists of the blob skopeo
//! wrote (every field) and what GNU tar lists (names and order), whiteouts included.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::contents::{
    StoreCopy, contents_fixture, gnu_tar_names, layer_blobs, show, tar_listing, without_checksums,
};
use crate::common::docker::{Daemon, docker_fixture};
use crate::common::ok;
use cairn_core::contents::{Entry, EntryKind, EntrySource};
use cairn_store::{Selection, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Every layer blob of the fixture's layout, by DiffID: the tar crate's listing of it, and
/// GNU tar's names.
fn expected() -> HashMap<String, (Vec<Entry>, Vec<Vec<u8>>)> {
    layer_blobs(&contents_fixture().join("layout"))
        .into_iter()
        .map(|(diff_id, blob, tar)| (diff_id, (tar_listing(&blob), gnu_tar_names(&tar))))
        .collect()
}

fn open(selection: Selection) -> Store {
    selection.resolve().unwrap()
}

fn containers_storage() -> Store {
    let dir = contents_fixture();
    open(Selection {
        root: Some(dir.join("root")),
        runroot: Some(dir.join("run")),
        storage_driver: Some("vfs".into()),
        store: None,
        ..Selection::default()
    })
}

fn store(kind: &str, path: &Path) -> Store {
    open(Selection {
        store: Some(format!("{kind}:{}", path.display())),
        ..Selection::default()
    })
}

/// Checks every layer of `store` against the layout's blobs; returns every entry seen.
fn check_store(store: &Store, source: EntrySource) -> Vec<Entry> {
    let expected = expected();
    let snapshot = store.load().unwrap().snapshot;
    assert!(snapshot.layers.len() >= 5, "{:?}", snapshot.layers);
    let mut seen = Vec::new();
    for (idx, layer) in snapshot.layers.iter_enumerated() {
        let listed = store.layer_entries(&snapshot, idx).unwrap();
        assert_eq!(listed.source, source, "layer {}", layer.id);
        let (want, gnu) = &expected[layer.diff_digest.as_deref().unwrap()];
        assert_eq!(
            without_checksums(&listed.entries),
            *want,
            "layer {} of {}",
            layer.id,
            store.label()
        );
        let names: Vec<&[u8]> = listed.entries.iter().map(|e| &e.path[..]).collect();
        let gnu: Vec<&[u8]> = gnu.iter().map(Vec::as_slice).collect();
        assert_eq!(names, gnu, "layer {} against GNU tar", layer.id);
        seen.extend(listed.entries);
    }
    seen
}

/// The fixture holds every form the readers must handle, so that no check passes on
/// layers without them.
fn assert_covers_every_form(entries: &[Entry]) {
    let has = |what: &str, test: &dyn Fn(&Entry) -> bool| {
        assert!(entries.iter().any(test), "no {what} among the entries");
    };
    has("opaque whiteout", &|e| e.path.ends_with(b"/.wh..wh..opq"));
    has("whiteout", &|e| e.path.ends_with(b".wh.overwritten"));
    has("whiteout of a removed folder", &|e| {
        &e.path[..] == b"data/.wh.gone"
    });
    has("hard link", &|e| e.kind == EntryKind::Hardlink);
    has("symlink", &|e| e.kind == EntryKind::Symlink);
    has("fifo", &|e| e.kind == EntryKind::Fifo);
    has("path over 255 bytes", &|e| e.path.len() > 255);
    has("name over 100 bytes", &|e| {
        e.path.rsplit(|&b| b == b'/').next().unwrap().len() > 100
    });
    has("non-UTF-8 name", &|e| std::str::from_utf8(&e.path).is_err());
    has("setuid file", &|e| e.mode & 0o4000 != 0);
    has("sticky folder", &|e| {
        e.kind == EntryKind::Dir && e.mode & 0o1000 != 0
    });
    has("uid over the octal field", &|e| e.uid == 3_000_000_000);
    has("owner other than root", &|e| e.uid == 1234 && e.gid == 5678);
    has("long hard-link target", &|e| {
        e.kind == EntryKind::Hardlink && e.link.as_ref().is_some_and(|l| l.len() > 100)
    });
}

#[test]
fn containers_storage_layers_list_their_tar_split_as_the_layer_tars_hold() {
    let store = containers_storage();
    let seen = check_store(&store, EntrySource::TarSplit);
    assert_covers_every_form(&seen);
    // tar-split keeps each body's CRC-64: every non-empty file has one.
    for entry in seen
        .iter()
        .filter(|e| e.kind == EntryKind::File && e.size > 0)
    {
        assert_eq!(
            entry.checksum.as_ref().map(|c| c.len()),
            Some(8),
            "{:?}",
            String::from_utf8_lossy(&entry.path)
        );
    }
}

#[test]
fn oci_layout_gzip_and_zstd_blobs_list_as_the_layer_tars_hold() {
    let layout = contents_fixture().join("layout");
    let seen = check_store(&store("oci", &layout), EntrySource::Blob);
    assert_covers_every_form(&seen);
    let zstd = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .any(|f| {
            std::fs::read(f.unwrap().path())
                .unwrap()
                .starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        });
    assert!(zstd, "skopeo wrote no zstd blob");
}

#[test]
fn oci_and_docker_archives_list_as_the_layer_tars_hold() {
    let dir = contents_fixture();
    for (kind, file) in [
        ("oci-archive", "contents.oci.tar"),
        ("docker-archive", "contents.docker.tar"),
    ] {
        let seen = check_store(&store(kind, &dir.join(file)), EntrySource::Blob);
        assert_covers_every_form(&seen);
    }
}

#[test]
fn every_store_lists_the_same_entries_for_the_same_layer() {
    let dir = contents_fixture();
    let mut by_diff_id: HashMap<String, Vec<Entry>> = HashMap::new();
    for store in [
        containers_storage(),
        store("oci", &dir.join("layout")),
        store("oci-archive", &dir.join("contents.oci.tar")),
        store("docker-archive", &dir.join("contents.docker.tar")),
    ] {
        let snapshot = store.load().unwrap().snapshot;
        for (idx, layer) in snapshot.layers.iter_enumerated() {
            let entries = without_checksums(&store.layer_entries(&snapshot, idx).unwrap().entries);
            let diff_id = layer.diff_digest.clone().unwrap();
            match by_diff_id.get(&diff_id) {
                Some(first) => assert_eq!(first, &entries, "{} layer {diff_id}", store.label()),
                None => {
                    by_diff_id.insert(diff_id, entries);
                }
            }
        }
    }
    assert!(by_diff_id.len() >= 5);
}

/// A copy of the fixture's containers-storage without its tar-splits, as some partial pulls
/// leave a layer.
fn store_without_tar_splits() -> (StoreCopy, Store) {
    let copy = StoreCopy::of(contents_fixture(), "vfs");
    for file in std::fs::read_dir(copy.root().join("vfs-layers")).unwrap() {
        let path = file.unwrap().path();
        if path.to_string_lossy().ends_with(".tar-split.gz") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let store = copy.store();
    (copy, store)
}

#[test]
fn without_a_tar_split_a_vfs_layer_is_its_copy_compared_with_its_parent() {
    let (_dir, store) = store_without_tar_splits();
    let expected = expected();
    let snapshot = store.load().unwrap().snapshot;
    let mut compared = 0;
    for (idx, layer) in snapshot.layers.iter_enumerated() {
        let listed = store.layer_entries(&snapshot, idx).unwrap();
        assert_eq!(listed.source, EntrySource::LayerDirectory);
        let (want, _) = &expected[layer.diff_digest.as_deref().unwrap()];
        // buildah's layers are containers/storage's own vfs diff of the same copies; the
        // layers GNU tar wrote keep what no copy shows (an opaque marker, a tar's order).
        if want
            .iter()
            .any(|e| e.path.ends_with(b".wh..wh..opq") || e.path.starts_with(b"pax"))
        {
            continue;
        }
        assert_eq!(show(&listed.entries), show(want), "layer {}", layer.id);
        assert_eq!(listed.entries, *want, "layer {}", layer.id);
        compared += 1;
    }
    assert!(compared >= 4, "{compared} layers compared");
}

/// A loopback TCP port that forwards every connection to a unix socket, so that cairn meets
/// a daemon it reaches over the network: one whose files it must not look for on this
/// machine. It serves until the test ends.
pub fn tcp_to_unix(socket: PathBuf) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let Ok(daemon) = std::os::unix::net::UnixStream::connect(&socket) else {
                return;
            };
            let (mut client_in, mut daemon_out) =
                (client.try_clone().unwrap(), daemon.try_clone().unwrap());
            let (mut daemon_in, mut client_out) = (daemon, client);
            std::thread::spawn(move || std::io::copy(&mut client_in, &mut daemon_out));
            std::thread::spawn(move || std::io::copy(&mut daemon_in, &mut client_out));
        }
    });
    format!("tcp://127.0.0.1:{port}")
}

#[test]
fn the_docker_engine_lists_its_tar_split_when_local_and_its_export_when_not() {
    let daemon = Daemon::start(docker_fixture());
    let archive = contents_fixture().join("contents.docker.tar");
    ok(
        daemon.docker(&["load", "-i", &archive.display().to_string()]),
        "docker load",
    );
    let expected = expected();
    let socket = daemon.dir().join("docker.sock");
    for (host, source) in [
        (daemon.host(), EntrySource::TarSplit),
        (tcp_to_unix(socket), EntrySource::Export),
    ] {
        let store = store("docker", Path::new(&host));
        let snapshot = store.load().unwrap().snapshot;
        let image = snapshot
            .images
            .iter()
            .find(|i| i.names.iter().any(|n| n.ends_with("contents:2")))
            .unwrap();
        let mut listed = 0;
        let mut at = image.top_layer.clone();
        while let Some(id) = at {
            let idx = snapshot.layer_by_id(&id).unwrap();
            let layer = &snapshot.layers[idx];
            let got = store.layer_entries(&snapshot, idx).unwrap();
            assert_eq!(got.source, source, "{host}");
            let (want, _) = &expected[layer.diff_digest.as_deref().unwrap()];
            assert_eq!(without_checksums(&got.entries), *want, "{host} layer {id}");
            if source == EntrySource::TarSplit {
                assert!(got.entries.iter().any(|e| e.checksum.is_some()));
            }
            listed += 1;
            at = layer.parent.clone();
        }
        assert_eq!(listed, 6, "{host}");
    }
}
