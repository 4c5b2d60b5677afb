//! Layer contents read from blobs: every layer of the bundled demo (compiled in, and as the
//! layout on disk) lists what the tar crate lists of the same blob, in the same order.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::contents::{layer_blobs, tar_listing};
use crate::common::oci::demo;
use cairn_core::contents::{Entry, EntrySource};
use cairn_store::Selection;
use cairn_store::archive::{Archive, ArchiveKind};
use cairn_store::backend::Backend;
use std::collections::HashMap;
use std::path::Path;

/// Every layer blob of a layout, listed by the tar crate, by its DiffID.
pub fn listings_by_diff_id(layout: &Path) -> HashMap<String, Vec<Entry>> {
    layer_blobs(layout)
        .into_iter()
        .map(|(diff_id, blob, _)| (diff_id, tar_listing(&blob)))
        .collect()
}

fn check_every_layer(store: &str, layout: &Path) {
    let selection = Selection {
        store: Some(store.to_string()),
        ..Selection::default()
    };
    let store = selection.resolve().unwrap();
    let snapshot = store.load().unwrap().snapshot;
    let expected = listings_by_diff_id(layout);
    assert!(snapshot.layers.len() > 3, "{:?}", snapshot.layers);
    for (idx, layer) in snapshot.layers.iter_enumerated() {
        let listed = store.layer_entries(&snapshot, idx).unwrap();
        assert_eq!(listed.source, EntrySource::Blob);
        let want = &expected[layer.diff_digest.as_deref().unwrap()];
        assert!(!want.is_empty(), "layer {} lists nothing", layer.id);
        assert_eq!(&listed.entries, want, "layer {}", layer.id);
    }
}

#[test]
fn every_layer_of_the_bundled_demo_lists_what_its_blob_holds() {
    check_every_layer(&format!("oci:{}", demo().display()), &demo());
}

#[test]
fn the_compiled_in_demo_lists_the_same_as_the_layout_on_disk() {
    let on_disk = Selection {
        store: Some(format!("oci:{}", demo().display())),
        ..Selection::default()
    }
    .resolve()
    .unwrap();
    let compiled = cairn_store::Store::new(cairn_store::oci::OciLayout::bundled_demo(
        "the test reads it",
    ));
    let a = on_disk.load().unwrap().snapshot;
    let b = compiled.load().unwrap().snapshot;
    for (idx, layer) in a.layers.iter_enumerated() {
        let other = b.layer_by_id(&layer.id).unwrap();
        assert_eq!(
            on_disk.layer_entries(&a, idx).unwrap().entries,
            compiled.layer_entries(&b, other).unwrap().entries
        );
    }
}

#[test]
fn an_oci_archive_of_the_demo_lists_every_layer_as_the_layout_does() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("demo.tar");
    let mut builder = tar::Builder::new(std::fs::File::create(&archive).unwrap());
    builder.append_dir_all(".", demo()).unwrap();
    builder.finish().unwrap();
    drop(builder);
    check_every_layer(&format!("oci-archive:{}", archive.display()), &demo());
}

/// The demo's layout in an oci-archive at `path`, with `extra` members (name, bytes) after it.
fn demo_archive(path: &Path, extra: &[(&str, &[u8])]) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    builder.append_dir_all(".", demo()).unwrap();
    for (name, bytes) in extra {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *bytes).unwrap();
    }
    builder.finish().unwrap();
}

/// Every layer of the store's snapshot, read side by side as the commands read them.
fn read_every_layer(archive: &Archive, snapshot: &cairn_core::Snapshot) -> usize {
    let expected = listings_by_diff_id(&demo());
    std::thread::scope(|s| {
        let readers: Vec<_> = snapshot
            .layers
            .iter_enumerated()
            .map(|(idx, layer)| {
                s.spawn(move || {
                    let listed = archive.layer_entries(snapshot, idx).unwrap();
                    (layer.diff_digest.clone().unwrap(), listed.entries)
                })
            })
            .collect();
        readers
            .into_iter()
            .map(|reader| {
                let (diff_id, entries) = reader.join().unwrap();
                assert_eq!(entries, expected[&diff_id], "layer {diff_id}");
            })
            .count()
    })
}

#[test]
fn an_opened_archive_is_scanned_once_for_every_layer_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.tar");
    demo_archive(&path, &[]);
    let archive = Archive::new(ArchiveKind::Oci, path.clone());
    let snapshot = archive.load().unwrap().snapshot;
    assert_eq!(archive.scans(), 1, "loading scans it");
    let layers = read_every_layer(&archive, &snapshot);
    assert!(layers > 3, "{layers} layers");
    read_every_layer(&archive, &snapshot);
    archive.load().unwrap();
    assert_eq!(
        archive.scans(),
        1,
        "{layers} layers read twice and a reload"
    );

    // Another file at the path (a new archive, renamed over the old as tools write them):
    // scanned again, once, and its layers read from it.
    let next = dir.path().join("next.tar");
    demo_archive(&next, &[("extra", b"a member the first archive has not")]);
    std::fs::rename(&next, &path).unwrap();
    let snapshot = archive.load().unwrap().snapshot;
    read_every_layer(&archive, &snapshot);
    assert_eq!(archive.scans(), 2);
}

#[test]
fn an_archive_cut_inside_a_layer_it_seeks_over_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.tar");
    // Past the size the scan keeps in memory: the scan seeks over it, reading nothing.
    let big = vec![7u8; 5 << 20];
    demo_archive(&path, &[("blobs/sha256/big", &big)]);
    let length = std::fs::metadata(&path).unwrap().len();
    // The end-of-archive blocks and the last 4 KiB of the big member.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(length - 1024 - 4096)
        .unwrap();
    let error = Archive::new(ArchiveKind::Oci, path.clone())
        .load()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("is a truncated tar archive: member \"blobs/sha256/big\" ends early"),
        "{error}"
    );
}
