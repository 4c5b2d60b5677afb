//! Layer contents read from blobs: every layer of the bundled demo (compiled in, and as the
//! layout on disk) lists what the tar crate lists of the same blob, in the same order.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::contents::{layer_blobs, tar_listing};
use crate::common::oci::demo;
use cairn_core::contents::{Entry, EntrySource};
use cairn_store::Selection;
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
