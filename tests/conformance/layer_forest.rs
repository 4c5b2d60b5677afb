//! `cairn layers --tree` against what podman and containers/storage record on the fixture
//! store made by buildah and podman: every layer of `layers.json` once, under the parent it
//! records, with its size; every image of `images.json` on its top layer; and where the
//! forest overlaps `podman image tree --whatrequires` (the part above an image's top layer),
//! the same layers in the same order with the same lines.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::*;
use serde_json::Value;
use std::collections::HashMap;

fn read_json(path: &std::path::Path) -> Vec<Value> {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The `ID: <short> ...` lines of a tree (not podman's `Image ID:` header), without their box
/// characters and without what cairn adds at forks, which podman's tree has no words for.
fn id_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_start_matches(|c| "│├└─ ".contains(c)))
        .filter(|l| l.starts_with("ID: "))
        .map(|l| l.split(" Shared: ").next().unwrap_or(l).to_string())
        .collect()
}

#[test]
fn layer_forest_matches_the_stores_records_and_podman_image_tree() {
    require("podman");
    let fixture = shared_fixture();
    let flags = fixture.flags();
    let records = read_json(&fixture.root().join("vfs-layers/layers.json"));
    let images = read_json(&fixture.root().join("vfs-images/images.json"));
    let forest: Vec<Value> = serde_json::from_str(&ok(
        cairn(&args(&flags, &["layers", "--tree", "--json"])),
        "cairn layers --tree --json",
    ))
    .unwrap();
    let by_id: HashMap<&str, &Value> = forest
        .iter()
        .map(|l| (l["Id"].as_str().unwrap(), l))
        .collect();
    assert_eq!(forest.len(), records.len(), "every layer once");
    assert_eq!(by_id.len(), records.len());
    for record in &records {
        let id = record["id"].as_str().unwrap();
        let layer = by_id
            .get(id)
            .unwrap_or_else(|| panic!("{id} missing from the forest"));
        let parent = record["parent"].as_str().unwrap_or("");
        assert_eq!(
            layer["ParentId"].as_str().unwrap(),
            parent,
            "parent of {id}"
        );
        if record
            .get("diff-digest")
            .is_some_and(|d| d.as_str() != Some(""))
        {
            assert_eq!(layer["Size"], record["diff-size"], "size of {id}");
        }
    }
    for image in &images {
        let Some(top) = image["layer"].as_str().filter(|t| !t.is_empty()) else {
            continue;
        };
        let id = image["id"].as_str().unwrap();
        let tops = by_id[top]["TopLayerOf"].as_array().unwrap();
        assert!(tops.iter().any(|t| t == id), "{id} on its top layer {top}");
    }

    // Where the forest overlaps podman's tree: the layers above each image's top layer.
    let text = ok(
        cairn(&args(&flags, &["layers", "--tree"])),
        "cairn layers --tree",
    );
    let lines = id_lines(&text);
    let position: HashMap<&str, usize> = forest
        .iter()
        .enumerate()
        .map(|(i, l)| (l["Id"].as_str().unwrap(), i))
        .collect();
    let mut compared = 0;
    for image in &images {
        let Some(top) = image["layer"].as_str().filter(|t| !t.is_empty()) else {
            continue;
        };
        let id = image["id"].as_str().unwrap();
        let podman = ok(
            podman(&args(&flags, &["image", "tree", "--whatrequires", id])),
            "podman image tree --whatrequires",
        );
        // The subtree of `top` is the run of rows from it that are its descendants.
        let mut above = vec![top];
        let mut count = 0;
        while let Some(layer) = above.pop() {
            count += 1;
            for child in by_id[layer]["Children"].as_array().unwrap() {
                above.push(child.as_str().unwrap());
            }
        }
        let start = position[top];
        assert_eq!(
            id_lines(&podman),
            lines[start..start + count].to_vec(),
            "the layers above {id}'s top layer"
        );
        compared += 1;
    }
    assert!(compared > 5, "the fixture has images to compare");
}
