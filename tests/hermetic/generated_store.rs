//! `cairn-genstore` writes the same store for the same seed, so that a benchmark or a test on
//! a generated store can be repeated; whether podman reads it is the conformance tier's
//! `generated_store`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::generated::{SEED, generate};

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
