//! Stores written by `cairn-genstore`: real containers-storage stores made in milliseconds and
//! without any tool, which the conformance tier's `generated_store` proves podman reads as
//! cairn does.

use std::path::Path;

pub const IMAGES: usize = 40;
pub const LAYERS: usize = 100;
pub const CONTAINERS: usize = 3;
/// A seed whose small store has every kind of image; the conformance tier's
/// `generated_store` says so if a change to the generator makes that untrue.
pub const SEED: u64 = 7;

/// Writes the store of `IMAGES`, `LAYERS` and `CONTAINERS` made with `seed` into the graph
/// root `root`.
pub fn generate(root: &Path, seed: u64) {
    let shape = cairn_genstore::Shape {
        images: IMAGES,
        layers: LAYERS,
        containers: CONTAINERS,
        seed,
    };
    cairn_genstore::generate(root, shape).expect("generating the store");
}

/// Writes the store made with [`SEED`] under `dir` (graph root `dir/root`, run root
/// `dir/run`) and says where it is, as cairn's reader takes it.
pub fn options(dir: &Path) -> cairn_store::containers_storage::StorageOptions {
    let root = dir.join("root");
    generate(&root, SEED);
    cairn_store::containers_storage::StorageOptions {
        graphroot: root,
        runroot: dir.join("run"),
        driver: Some("vfs".into()),
        additional_image_stores: Vec::new(),
        explicit: true,
    }
}
