//! `cairn layers [--tree] [--json]` through the binary: the bundled demo's forest as text
//! and JSON, a generated build-server store whose every layer appears once, and a store whose
//! layers chain hundreds deep (the core walks 50,000 deep in its own test).

use crate::common::{args, cairn, ok};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

fn demo(rest: &[&str]) -> String {
    let flags = vec!["--store".to_string(), "oci:assets/demo".to_string()];
    ok(cairn(&args(&flags, rest)), "cairn layers on the demo")
}

/// A generated store of `images` images, and the flags that open it.
fn generated(dir: &Path, images: usize) -> Vec<String> {
    let root = dir.join("root");
    let shape = cairn_genstore::Shape {
        images,
        layers: images * 3,
        containers: 2,
        seed: 7,
    };
    cairn_genstore::generate(&root, shape).unwrap();
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    let mut flags: Vec<String> = vec!["--root".into(), root.display().to_string()];
    flags.extend(["--runroot".into(), run.display().to_string()]);
    flags.extend(["--storage-driver".into(), "vfs".into()]);
    flags
}

#[test]
fn layers_tree_of_the_demo() {
    insta::assert_snapshot!(demo(&["layers", "--tree"]));
}

#[test]
fn layers_of_the_demo_in_store_order() {
    insta::assert_snapshot!(demo(&["layers"]));
}

#[test]
fn layers_json_links_every_layer_to_its_parent_and_children() {
    let layers: Vec<Value> = serde_json::from_str(&demo(&["layers", "--tree", "--json"])).unwrap();
    let by_id: HashMap<&str, &Value> = layers
        .iter()
        .map(|l| (l["Id"].as_str().unwrap(), l))
        .collect();
    assert_eq!(by_id.len(), layers.len(), "each layer once");
    for layer in &layers {
        let id = layer["Id"].as_str().unwrap();
        let parent = layer["ParentId"].as_str().unwrap();
        let size = layer["Size"].as_u64().unwrap();
        let below = if parent.is_empty() {
            0
        } else {
            let children = by_id[parent]["Children"].as_array().unwrap();
            assert!(children.iter().any(|c| c == id), "{id} under {parent}");
            by_id[parent]["StackSize"].as_u64().unwrap()
        };
        assert_eq!(layer["StackSize"].as_u64().unwrap(), below + size);
        let tops = layer["TopLayerOf"].as_array().unwrap().len() as u64;
        let above: u64 = layer["Children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| by_id[c.as_str().unwrap()]["Users"].as_u64().unwrap())
            .sum();
        assert_eq!(layer["Users"].as_u64().unwrap(), tops + above, "{id}");
    }
}

#[test]
fn layers_tree_of_a_generated_store_shows_every_layer_once() {
    let dir = tempfile::tempdir().unwrap();
    let flags = generated(dir.path(), 300);
    let text = ok(cairn(&args(&flags, &["layers", "--tree"])), "layers --tree");
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("ID: ").nth(1))
        .map(|rest| &rest[..12])
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), 900);
    assert_eq!(unique.len(), 900);
    let json: Vec<Value> = serde_json::from_str(&ok(
        cairn(&args(&flags, &["layers", "--tree", "--json"])),
        "layers --tree --json",
    ))
    .unwrap();
    let json_ids: Vec<&str> = json
        .iter()
        .map(|l| &l["Id"].as_str().unwrap()[..12])
        .collect();
    assert_eq!(
        json_ids, ids,
        "the text and the JSON list the layers in the same order"
    );
}

#[test]
fn a_chain_of_layers_hundreds_deep_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let flags = generated(dir.path(), 300);
    // Every layer made the child of the one before it: one line 900 layers long.
    let path = dir.path().join("root/vfs-layers/layers.json");
    let mut layers: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for i in 1..layers.len() {
        let parent = layers[i - 1]["id"].clone();
        layers[i]["parent"] = parent;
    }
    layers[0]["parent"] = Value::Null;
    std::fs::write(&path, serde_json::to_vec(&layers).unwrap()).unwrap();
    let text = ok(cairn(&args(&flags, &["layers", "--tree"])), "layers --tree");
    assert_eq!(text.lines().count(), 900);
    assert!(
        text.lines().all(|l| l.starts_with("ID: ")),
        "one line, no fork"
    );
}
