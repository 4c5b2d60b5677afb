//! `cairn-genstore` writes the same store for the same seed, so that a benchmark or a test on
//! a generated store can be repeated; whether podman reads it is the conformance tier's
//! `generated_store`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::generated::{SEED, generate, options};

#[test]
fn the_same_seed_writes_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let stores = [("a", SEED), ("b", SEED), ("c", SEED + 1)];
    for (name, seed) in stores {
        generate(&dir.path().join(name), seed);
    }
    for file in [
        "vfs-images/images.json",
        "vfs-layers/layers.json",
        "vfs-containers/containers.json",
    ] {
        let read = |store: &str| std::fs::read(dir.path().join(store).join(file)).unwrap();
        assert_eq!(read("a"), read("b"), "{file} with the same seed");
        assert_ne!(read("a"), read("c"), "{file} with another seed");
    }
}

#[test]
fn the_records_alone_list_the_same_images_and_layers_without_configs() {
    use cairn_store::containers_storage::{load, load_records};
    let dir = tempfile::tempdir().unwrap();
    let options = options(dir.path());
    let full = load(&options).unwrap().snapshot;
    let listed = load_records(&options).unwrap().snapshot;
    assert_eq!(listed.layers.len(), full.layers.len());
    assert_eq!(listed.images.len(), full.images.len());
    for (a, b) in listed.images.iter().zip(full.images.iter()) {
        assert_eq!((&a.id, &a.names, a.created), (&b.id, &b.names, b.created));
        assert_eq!(a.top_layer, b.top_layer);
        assert!(a.config.is_none() && a.problems.is_empty());
    }
    assert!(full.images.iter().any(|i| i.config.is_some()));
}

/// The list's first frame comes from `images.json` alone: the reader hands over the images
/// before it has the layers, with what the list shows of them as the records give it, and
/// no layer that anything could take for missing; the records follow whole.
#[test]
fn the_images_come_alone_first_then_the_records() {
    use cairn_store::containers_storage::load_list;
    let dir = tempfile::tempdir().unwrap();
    let options = options(dir.path());
    let mut first = Vec::new();
    let listed = load_list(&options, &mut |images| first.push(images))
        .unwrap()
        .snapshot;
    let [alone] = &first[..] else {
        panic!("the images were handed over {} times", first.len());
    };
    assert!(alone.layers.is_empty() && alone.containers.is_empty());
    assert_eq!(alone.images.len(), listed.images.len());
    for (a, b) in alone.images.iter().zip(listed.images.iter()) {
        assert_eq!((&a.id, &a.names, a.created), (&b.id, &b.names, b.created));
        assert_eq!((&a.digests, a.big_data_size), (&b.digests, b.big_data_size));
        assert!(a.top_layer.is_none() && a.problems.is_empty(), "{}", a.id);
    }
    assert!(listed.images.iter().any(|i| i.top_layer.is_some()));
    assert!(!listed.layers.is_empty() && !listed.containers.is_empty());
}
