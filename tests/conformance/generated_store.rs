//! `cairn-genstore` against real podman. The benchmark's figures only mean something if the
//! generated stores are real stores: podman must read what the generator writes, cairn must
//! answer exactly as podman does on it, and the store must hold the kinds of images whose
//! lineage is costly to compute (parents, intermediates, dangling images, config-only
//! children), or the benchmark would measure an easy case.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::generated::{CONTAINERS, IMAGES, SEED, generate};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Command, Output};

/// The comparison needs the real podman: a missing one must fail the test, not skip it.
fn require_podman() {
    let found = Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "podman is not installed, and this test compares cairn with it: \
         run `apt-get install -y podman`"
    );
}

fn succeed(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Runs `program` on the store with podman's store flags, then `rest`.
fn run_on_store(program: &str, root: &Path, runroot: &Path, rest: &[&str]) -> String {
    let out = Command::new(program)
        .arg("--root")
        .arg(root)
        .arg("--runroot")
        .arg(runroot)
        .args(["--storage-driver", "vfs"])
        .args(rest)
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    succeed(out, program)
}

fn by_id(json: &str) -> BTreeMap<String, Value> {
    let list: Value = serde_json::from_str(json).expect("a JSON array");
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|image| (image["Id"].as_str().unwrap().to_string(), image.clone()))
        .collect()
}

/// A field as podman means it: an omitted list is empty, an omitted flag is false.
fn field(image: &Value, name: &str) -> Value {
    match (image.get(name), name) {
        (Some(value), _) if !value.is_null() => value.clone(),
        (_, "Names") => Value::Array(Vec::new()),
        (_, "Dangling") => Value::Bool(false),
        _ => Value::Null,
    }
}

fn names(image: &Value) -> usize {
    field(image, "Names").as_array().map_or(0, Vec::len)
}

#[test]
fn podman_reads_the_generated_store_and_cairn_agrees_with_it() {
    require_podman();
    let dir = tempfile::tempdir().unwrap();
    let (root, runroot) = (dir.path().join("root"), dir.path().join("run"));
    generate(&root, SEED);

    let podman = by_id(&run_on_store(
        "podman",
        &root,
        &runroot,
        &["images", "-a", "--format", "json"],
    ));
    let cairn = by_id(&run_on_store(
        env!("CARGO_BIN_EXE_cairn"),
        &root,
        &runroot,
        &["images", "--all", "--json"],
    ));
    assert_eq!(podman.len(), IMAGES, "podman lists every generated image");
    assert_eq!(
        podman.keys().collect::<Vec<_>>(),
        cairn.keys().collect::<Vec<_>>(),
        "podman and cairn list the same images"
    );
    for (id, expected) in &podman {
        for name in ["Names", "ParentId", "Size", "Dangling", "Containers"] {
            assert_eq!(
                field(expected, name),
                field(&cairn[id], name),
                "{name} of image {id}"
            );
        }
    }

    // What podman found, so that a generator that stopped making these would fail here.
    let parent_of: HashMap<&str, &str> = podman
        .iter()
        .filter_map(|(id, image)| Some((id.as_str(), image["ParentId"].as_str()?)))
        .filter(|(_, parent)| !parent.is_empty())
        .collect();
    let intermediates = podman
        .iter()
        .filter(|(id, image)| names(image) == 0 && parent_of.values().any(|p| p == id))
        .count();
    let dangling = podman
        .values()
        .filter(|image| field(image, "Dangling") == Value::Bool(true))
        .count();
    let several_names = podman.values().filter(|image| names(image) > 1).count();
    let containers: u64 = podman
        .values()
        .map(|image| image["Containers"].as_u64().unwrap())
        .sum();
    let records: Value = serde_json::from_slice(
        &std::fs::read(root.join("vfs-images/images.json")).expect("images.json"),
    )
    .unwrap();
    let top_layer: HashMap<&str, &str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["layer"].as_str().unwrap()))
        .collect();
    let config_only_children = parent_of
        .iter()
        .filter(|(child, parent)| top_layer[*child] == top_layer[*parent])
        .count();
    assert!(
        parent_of.len() >= 10,
        "parent/child pairs: {}",
        parent_of.len()
    );
    assert!(intermediates > 0, "no untagged intermediate image");
    assert!(dangling > 0, "no dangling image");
    assert!(config_only_children > 0, "no config-only child");
    assert!(several_names > 0, "no image with several names");
    assert_eq!(
        containers, CONTAINERS as u64,
        "containers counted on their images"
    );
}
