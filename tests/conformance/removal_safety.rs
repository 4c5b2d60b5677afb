//! What must never happen to a store: a mounted layer deleted, a name lost to a concurrent
//! podman, a store podman cannot read after cairn was killed halfway.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use cairn_store::containers_storage::writer::kill_point::KILL_AFTER_CHANGES;
use common::*;
use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn flags(store: &Path) -> Vec<String> {
    store_flags(&store.join("root"), &store.join("run"))
}

fn names_of(store: &Path) -> Vec<(String, Vec<String>)> {
    let out = ok(
        podman(&args(&flags(store), &["images", "-a", "--format", "json"])),
        "podman images",
    );
    let images: Value = serde_json::from_str(&out).unwrap();
    images
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let names = i["Names"].as_array().map_or(vec![], |n| {
                n.iter().map(|v| v.as_str().unwrap().to_string()).collect()
            });
            (i["Id"].as_str().unwrap().to_string(), names)
        })
        .collect()
}

#[test]
fn a_mounted_layer_is_never_deleted() {
    let (_dir, store) = copy_store(shared_fixture());
    let f = flags(&store);
    let mounted = ok(
        podman(&args(&f, &["image", "mount", "localhost/on-untagged:1"])),
        "podman image mount",
    );
    let before = tree_digest(&store);
    let out = cairn(&args(&f, &["rm", "localhost/on-untagged:1"]));
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is mounted: unmount it first"),
        "{}",
        stderr(&out)
    );
    assert!(Path::new(mounted.trim()).is_dir());
    assert_eq!(before, tree_digest(&store), "nothing was written");
    let layers = std::fs::read_to_string(store.join("root/vfs-layers/layers.json")).unwrap();
    let mount_id = Path::new(mounted.trim())
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        layers.contains(&mount_id),
        "the mounted layer's record is still there"
    );
    ok(
        podman(&args(&f, &["image", "unmount", "localhost/on-untagged:1"])),
        "podman image unmount",
    );
}

#[test]
fn concurrent_tags_by_podman_and_cairn_lose_no_name() {
    let (_dir, store) = copy_store(shared_fixture());
    let f = flags(&store);
    let rounds = 15;
    let podman_flags = f.clone();
    let podman_loop = std::thread::spawn(move || {
        for i in 0..rounds {
            ok(
                podman(&args(
                    &podman_flags,
                    &[
                        "tag",
                        "localhost/base:1",
                        &format!("localhost/by-podman:{i}"),
                    ],
                )),
                "podman tag",
            );
        }
        for i in 0..rounds / 2 {
            ok(
                podman(&args(
                    &podman_flags,
                    &[
                        "untag",
                        "localhost/base:1",
                        &format!("localhost/by-podman:{i}"),
                    ],
                )),
                "podman untag",
            );
        }
    });
    for i in 0..rounds {
        ok(
            cairn(&args(
                &f,
                &[
                    "tag",
                    "localhost/side:1",
                    &format!("localhost/by-cairn:{i}"),
                ],
            )),
            "cairn tag",
        );
    }
    for i in 0..rounds / 2 {
        ok(
            cairn(&args(
                &f,
                &[
                    "untag",
                    "localhost/side:1",
                    &format!("localhost/by-cairn:{i}"),
                ],
            )),
            "cairn untag",
        );
    }
    podman_loop.join().unwrap();
    let names: Vec<String> = names_of(&store).into_iter().flat_map(|(_, n)| n).collect();
    for i in 0..rounds {
        for tool in ["podman", "cairn"] {
            let name = format!("localhost/by-{tool}:{i}");
            assert_eq!(
                names.contains(&name),
                i >= rounds / 2,
                "{name} in {names:?}"
            );
        }
    }
    assert!(
        names.contains(&"localhost/base:1".to_string())
            && names.contains(&"localhost/side:1".to_string())
    );
}

/// Where `rm --all --force` is killed, each time on a new store: after each kind of change the
/// writer makes, in the order of its plan on this store (six images whose layers other images
/// share, then one with a layer of its own), and twice deep into the removal. The flag says
/// whether the kill leaves a layer marked incomplete, which shows that it landed where named.
const KILL_POINTS: [(u64, &str, Option<bool>); 9] = [
    (1, "an image's record removed", Some(false)),
    (2, "the image's folder removed", Some(false)),
    (15, "a layer marked incomplete", Some(true)),
    (16, "the layer's files removed", Some(true)),
    (17, "its tar-split removed", Some(true)),
    (18, "its folder removed", Some(true)),
    (19, "its record removed", Some(false)),
    (400, "deep into the removal", None),
    (1000, "near its end", None),
];

/// Whether a layer is left marked incomplete, as a deletion marks it before removing its files.
fn a_layer_is_incomplete(root: &Path) -> bool {
    let layers: Value =
        serde_json::from_slice(&std::fs::read(root.join("vfs-layers/layers.json")).unwrap())
            .unwrap();
    layers
        .as_array()
        .unwrap()
        .iter()
        .any(|layer| layer["flags"]["incomplete"] == Value::Bool(true))
}

#[test]
fn killing_cairn_during_a_large_removal_leaves_a_store_podman_reads() {
    let shape = cairn_genstore::Shape {
        images: 60,
        layers: 200,
        containers: 0,
        seed: 7,
    };
    for (kill_after, what, incomplete) in KILL_POINTS {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        cairn_genstore::generate(&root, shape).expect("generating the store");
        let f = store_flags(&root, &dir.path().join("run"));
        let status = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(&f)
            .args(["rm", "--all", "--force"])
            .env(KILL_AFTER_CHANGES, kill_after.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "cairn was not killed after its change {kill_after} ({status}): make the store larger"
        );
        if let Some(incomplete) = incomplete {
            assert_eq!(
                a_layer_is_incomplete(&root),
                incomplete,
                "the kill after change {kill_after} did not land after {what}: \
                 the plan's order on this store changed"
            );
        }
        let listed = podman(&args(&f, &["images", "-a", "--format", "json"]));
        assert!(
            listed.status.success(),
            "podman cannot read the store after a kill after {what} (change {kill_after}): {}",
            stderr(&listed)
        );
        let ours = cairn(&args(&f, &["images", "-a", "--json"]));
        assert!(
            ours.status.success(),
            "cairn cannot read the store after a kill after {what} (change {kill_after}): {}",
            stderr(&ours)
        );
    }
}

#[test]
fn a_name_that_moved_since_the_preview_stops_the_tag() {
    use cairn_core::Catalog;
    use cairn_core::tagging::plan_tag;
    use cairn_store::containers_storage::{self, StorageOptions, writer};
    let (_dir, store) = copy_store(shared_fixture());
    let options = StorageOptions {
        graphroot: store.join("root"),
        runroot: store.join("run"),
        driver: Some("vfs".into()),
        ..StorageOptions::default()
    };
    let names = vec!["localhost/contested:1".to_string()];
    let catalog = Catalog::new(containers_storage::load(&options).unwrap().snapshot);
    let preview = plan_tag(&catalog, "localhost/base:1", &names);
    assert!(preview.untagged.is_empty(), "nobody has the name yet");
    // podman gives the name to another image between the preview and the apply.
    ok(
        podman(&args(
            &flags(&store),
            &["tag", "localhost/side:1", "localhost/contested:1"],
        )),
        "podman tag",
    );
    let before = tree_digest(&store);
    let result = writer::apply(&options, &preview.steps, |now| {
        plan_tag(now, "localhost/base:1", &names).steps
    });
    let error = result.expect_err("the plan changed under the lock");
    assert!(
        matches!(
            error.downcast_ref::<cairn_store::StoreError>(),
            Some(cairn_store::StoreError::Changed)
        ),
        "{error:#}"
    );
    assert_eq!(before, tree_digest(&store), "nothing was written");
}
