//! `kill -9` landing anywhere in a removal or a tag on a build server's store (2,000 images
//! written by `cairn-genstore`): after every kill podman and cairn still read the store, the
//! same cairn command run again finishes the job, and the store ends exactly as after a run
//! that was never interrupted, with no layer left behind, as podman sees it.
//!
//! The kills land after each kind of change the writer makes (through the writer's test hook,
//! which makes a point reproducible) and at moments spread over an uninterrupted run (real
//! SIGKILLs from outside, wherever they fall). podman 4.3 needs minutes to list every image
//! of such a store (`podman images` builds the whole layer tree again for every image it
//! summarizes), so podman reads it through the queries that summarize only what they match:
//! `images -a --filter reference=`, `image exists`, `inspect`; each still loads every record.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::*;
use cairn_store::containers_storage::writer::kill_point::KILL_AFTER_CHANGES;
use serde_json::Value;
use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The store: a build server's, seeded so that the names below exist.
const SHAPE: cairn_genstore::Shape = cairn_genstore::Shape {
    images: 2000,
    layers: 5000,
    containers: 3,
    seed: 7,
};
/// A build whose removal takes two untagged parents and a layer of each image with it.
const REMOVED: &str = "localhost/svc-478:1.3";
/// An earlier build of the same service, which the tag campaign gives `REMOVED`'s name.
const RENAMED: &str = "localhost/svc-478:1.0";
/// An image no campaign touches.
const UNTOUCHED: &str = "quay.io/base/rocky:1";

/// A store of `SHAPE` under a folder of its own, removed when dropped.
struct Store {
    _dir: tempfile::TempDir,
    root: PathBuf,
    flags: Vec<String>,
}

impl Store {
    /// A copy of `pristine` (generating costs more than copying).
    fn copy_of(pristine: &Path) -> Store {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let status = Command::new("cp")
            .arg("-a")
            .arg(pristine)
            .arg(&root)
            .status()
            .unwrap();
        assert!(status.success(), "copying the store");
        // podman's database names the paths it was made at and refuses to open elsewhere.
        let _ = std::fs::remove_file(root.join("libpod/bolt_state.db"));
        let flags = store_flags(&root, &dir.path().join("run"));
        Store {
            _dir: dir,
            root,
            flags,
        }
    }

    fn ids(&self, file: &str) -> BTreeSet<String> {
        let records: Value =
            serde_json::from_slice(&std::fs::read(self.root.join(file)).unwrap()).unwrap();
        (records.as_array().unwrap().iter())
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// The ID of the image named `name`.
    fn id_named(&self, name: &str) -> String {
        let records: Value = serde_json::from_slice(
            &std::fs::read(self.root.join("vfs-images/images.json")).unwrap(),
        )
        .unwrap();
        (records.as_array().unwrap().iter())
            .find(|r| (r["names"].as_array()).is_some_and(|n| n.iter().any(|n| n == name)))
            .map(|r| r["id"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no image is named {name}"))
    }

    /// The images and layers the store holds, by ID.
    fn contents(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        (
            self.ids("vfs-images/images.json"),
            self.ids("vfs-layers/layers.json"),
        )
    }

    fn cairn(&self, rest: &[&str]) -> std::process::Output {
        cairn(&args(&self.flags, rest))
    }

    fn podman(&self, rest: &[&str]) -> std::process::Output {
        podman(&args(&self.flags, rest))
    }

    /// Runs cairn with `rest`, killed by its hook right after its change number `n`.
    fn cairn_killed_after(&self, n: u64, rest: &[&str]) {
        let status = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(args(&self.flags, rest))
            .env(KILL_AFTER_CHANGES, n.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "cairn {rest:?} was not killed after its change {n} ({status})"
        );
    }

    /// Runs cairn with `rest` and sends it SIGKILL after `delay`, wherever it is by then.
    fn cairn_killed_at(&self, delay: Duration, rest: &[&str]) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(args(&self.flags, rest))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
    }

    /// Runs `command` killed after its change `after` or, without one, `delay` into it;
    /// then checks that podman and cairn read the store, and runs `command` again to the end.
    /// Says where the kill landed.
    fn run_killed(&self, after: Option<u64>, delay: Duration, command: &[&str]) -> String {
        let what = match after {
            Some(n) => {
                self.cairn_killed_after(n, command);
                format!("a kill after change {n} of {command:?}")
            }
            None => {
                self.cairn_killed_at(delay, command);
                format!("a SIGKILL {delay:?} into {command:?}")
            }
        };
        self.both_read(&what);
        ok(
            self.cairn(command),
            &format!("the command run again after {what}"),
        );
        what
    }

    /// podman and cairn both read the whole store after a kill (`what` says which).
    fn both_read(&self, what: &str) {
        let listed = self.podman(&[
            "images",
            "-a",
            "--format",
            "json",
            "--filter",
            &format!("reference={UNTOUCHED}"),
        ]);
        assert!(
            listed.status.success()
                && serde_json::from_str::<Value>(&stdout(&listed)).is_ok_and(|v| v.is_array()),
            "podman cannot read the store after {what}: {}",
            stderr(&listed)
        );
        let ours = self.cairn(&["images", "-a", "--json"]);
        assert!(
            ours.status.success(),
            "cairn cannot read the store after {what}: {}",
            stderr(&ours)
        );
    }
}

fn pristine(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    cairn_genstore::generate(&root, SHAPE).expect("generating the store");
    root
}

/// Where the removal is killed by the hook: after each kind of change (1 the first image's
/// record, 2 its folder, 3 its layer marked incomplete, 4 the layer's files, 5 its tar-split,
/// 6 its folder, 7 its record, 8 the next image's record) and twice further on; and, in the
/// test, right before the last image's layer is marked incomplete.
const REMOVAL_KILL_POINTS: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 14, 20];

/// Moments of an uninterrupted run, in eighths of its length, at which a SIGKILL lands.
const TIMED_KILLS: [u32; 3] = [2, 4, 6];

#[test]
fn a_removal_killed_anywhere_is_finished_by_running_it_again() {
    require("podman");
    let dir = tempfile::tempdir().unwrap();
    let pristine = pristine(dir.path());

    // The removal, uninterrupted: what every killed one must end as.
    let reference = Store::copy_of(&pristine);
    let planned: Value = serde_json::from_str(&ok(
        reference.cairn(&["rm", "--dry-run", "--json", REMOVED]),
        "cairn rm --dry-run",
    ))
    .unwrap();
    let deleted: Vec<&str> = (planned["records_deleted"].as_array().unwrap().iter())
        .map(|v| v.as_str().unwrap())
        .collect();
    let layers = planned["layers"].as_array().unwrap().len();
    assert!(
        deleted.len() >= 2 && layers >= 2,
        "the removal must take parents and layers with it: {planned}"
    );
    // The image and the parents its removal takes, named, so that a run after a kill finds
    // the parents even when the image itself is gone (`--ignore`: as podman, a name already
    // removed is no error).
    let mut command = vec!["rm", "--ignore", REMOVED];
    command.extend(&deleted[1..]);
    let started = Instant::now();
    ok(reference.cairn(&command), "the uninterrupted removal");
    let length = started.elapsed();
    let expected = reference.contents();
    let changes = (2 * deleted.len() + 5 * layers) as u64;
    assert!(
        REMOVAL_KILL_POINTS.iter().all(|&n| n < changes),
        "the removal makes {changes} changes"
    );

    let kills = (REMOVAL_KILL_POINTS
        .iter()
        .map(|&n| (Some(n), Duration::ZERO)))
    .chain(TIMED_KILLS.iter().map(|&e| (None, length * e / 8)));
    // containers/storage deletes an image's record before its layer (podman's order, which
    // keeps every image whole), so a kill between the last image's record going and its
    // layer being marked incomplete leaves that layer complete and unreferenced, where no
    // later removal of the command reaches it: a run again finds nothing to remove, and the
    // layer is left to `prune`, as to podman 5's `system check`. After change `changes - 5`
    // the kill lands there for certain; a timed kill may land there too.
    let last_layer = planned["layers"][layers - 1].as_str().unwrap().to_string();
    let kills = kills.chain([(Some(changes - 5), Duration::ZERO)]);
    for (after, delay) in kills {
        let store = Store::copy_of(&pristine);
        let what = store.run_killed(after, delay, &command);
        let (images, mut stored_layers) = store.contents();
        let in_the_window = after == Some(changes - 5)
            || (after.is_none() && stored_layers.len() == expected.1.len() + 1);
        if in_the_window {
            assert!(
                stored_layers.remove(&last_layer),
                "after {what} and a second run, the last image's layer {last_layer} is not \
                 the one left"
            );
            let collected: Value = serde_json::from_str(&ok(
                store.cairn(&["prune", "--dry-run", "--json"]),
                "cairn prune --dry-run",
            ))
            .unwrap();
            assert!(
                collected["layers"]
                    .as_array()
                    .unwrap()
                    .contains(&Value::from(last_layer.as_str())),
                "after {what}, prune does not collect the layer left: {collected}"
            );
        }
        assert_eq!(
            (images, stored_layers),
            expected,
            "after {what} and a second run, the store holds other images or layers than \
             after an uninterrupted removal"
        );
        for gone in [REMOVED, deleted[1]] {
            let exists = store.podman(&["image", "exists", gone]);
            assert_eq!(
                exists.status.code(),
                Some(1),
                "podman still finds {gone} after {what}"
            );
        }
        ok(
            store.podman(&["image", "exists", UNTOUCHED]),
            &format!("podman image exists {UNTOUCHED} after {what}"),
        );
    }
}

/// The names podman's `inspect` gives an image.
fn podman_names(store: &Store, image: &str) -> String {
    ok(
        store.podman(&["inspect", "--format", "{{.RepoTags}}", image]),
        "podman inspect",
    )
}

#[test]
fn a_tag_killed_anywhere_is_finished_by_running_it_again() {
    require("podman");
    let dir = tempfile::tempdir().unwrap();
    let pristine = pristine(dir.path());
    let command = ["tag", RENAMED, REMOVED, "localhost/svc-478:stable"];

    let reference = Store::copy_of(&pristine);
    let from = reference.id_named(REMOVED);
    let started = Instant::now();
    ok(reference.cairn(&command), "the uninterrupted tag");
    let length = started.elapsed();
    let expected = podman_names(&reference, RENAMED);
    assert!(
        expected.contains(REMOVED) && expected.contains("localhost/svc-478:stable"),
        "{expected}"
    );

    let kills =
        std::iter::once((Some(1), Duration::ZERO)).chain((0..8).map(|e| (None, length * e / 8)));
    for (after, delay) in kills {
        let store = Store::copy_of(&pristine);
        let what = store.run_killed(after, delay, &command);
        assert_eq!(podman_names(&store, RENAMED), expected, "after {what}");
        let old = podman_names(&store, &from);
        assert!(
            !old.contains(REMOVED),
            "after {what} the name is still on its old image: {old}"
        );
    }
}

/// The layers no image and no container of the store at `root` uses.
fn unreferenced_layers(root: &Path) -> BTreeSet<String> {
    let read = |file: &str| -> Vec<Value> {
        serde_json::from_slice(&std::fs::read(root.join(file)).unwrap()).unwrap()
    };
    let layers = read("vfs-layers/layers.json");
    let parent = |id: &str| {
        (layers.iter())
            .find(|l| l["id"] == id)
            .and_then(|l| l["parent"].as_str().map(String::from))
    };
    let mut referenced = BTreeSet::new();
    let tops = (read("vfs-images/images.json")
        .into_iter()
        .map(|i| i["layer"].clone()))
    .chain(
        read("vfs-containers/containers.json")
            .into_iter()
            .map(|c| c["layer"].clone()),
    );
    for top in tops {
        let mut current = top.as_str().map(String::from);
        while let Some(id) = current {
            current = parent(&id);
            referenced.insert(id);
        }
    }
    (layers.iter())
        .map(|l| l["id"].as_str().unwrap().to_string())
        .filter(|id| !referenced.contains(id))
        .collect()
}

/// A removal killed between an image's record and its layers leaves layers nothing
/// references: podman 4.3's `image prune` keeps them for ever, cairn's `prune` deletes them
/// as podman 5's `system check --repair` would (they are older than a day), and podman reads
/// the store after.
#[test]
fn prune_deletes_the_layers_a_killed_removal_left_behind_which_podman_keeps() {
    require("podman");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    crate::common::generated::generate(&root, crate::common::generated::SEED);
    let store = Store::copy_of(&root);
    let names: Value =
        serde_json::from_str(&ok(store.cairn(&["images", "--json"]), "images")).unwrap();
    let (name, layers) = (names.as_array().unwrap().iter())
        .filter_map(|i| i["Names"].as_array()?.first()?.as_str().map(String::from))
        .find_map(|name| {
            let plan: Value =
                serde_json::from_str(&stdout(&store.cairn(&["rm", "--dry-run", "--json", &name])))
                    .ok()?;
            let layers: BTreeSet<String> = (plan["layers"].as_array()?.iter())
                .map(|l| l.as_str().unwrap().to_string())
                .collect();
            let alone = plan["records_deleted"].as_array()?.len() == 1;
            (alone && !layers.is_empty() && plan["errors"].as_array()?.is_empty())
                .then_some((name, layers))
        })
        .expect("an image whose removal deletes layers");
    assert!(unreferenced_layers(&store.root).is_empty());
    // Killed right after the image's record went.
    store.cairn_killed_after(1, &["rm", &name]);
    assert_eq!(
        unreferenced_layers(&store.root),
        layers,
        "what the kill left"
    );
    store.both_read("a kill after the image's record went");

    let podmans = Store::copy_of(&store.root);
    ok(
        podmans.podman(&["image", "prune", "-f"]),
        "podman image prune",
    );
    assert_eq!(
        unreferenced_layers(&podmans.root),
        layers,
        "podman 4.3's prune keeps the layers"
    );

    let plan: Value = serde_json::from_str(&ok(
        store.cairn(&["prune", "--dry-run", "--json"]),
        "prune --dry-run",
    ))
    .unwrap();
    for layer in &layers {
        assert!(
            plan["layers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == layer),
            "{plan}"
        );
    }
    ok(store.cairn(&["prune"]), "cairn prune");
    assert!(unreferenced_layers(&store.root).is_empty());
    for layer in &layers {
        assert!(
            !store.root.join("vfs/dir").join(layer).exists(),
            "{layer}'s files are gone"
        );
    }
    ok(
        store.podman(&["images", "-a", "--format", "json"]),
        "podman images after prune",
    );
}
