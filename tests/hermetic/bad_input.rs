//! Broken stores: each gets a clear error naming the file and the problem, or the image is
//! listed and marked corrupted; never a panic, never a hang. Each breaks its own copy of a store
//! written by `cairn-genstore`, so no tool is needed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use common::generated::{SEED, generate};
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Broken {
    _dir: tempfile::TempDir,
    store: PathBuf,
}

impl Broken {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        generate(&store.join("root"), SEED);
        Broken { _dir: dir, store }
    }
    fn images_json(&self) -> PathBuf {
        self.store.join("root/vfs-images/images.json")
    }
    fn layers_json(&self) -> PathBuf {
        self.store.join("root/vfs-layers/layers.json")
    }
    fn read(&self, path: &Path) -> Vec<Value> {
        serde_json::from_slice::<Value>(&std::fs::read(path).unwrap())
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
    fn write(&self, path: &Path, records: &[Value]) {
        std::fs::write(path, serde_json::to_vec(records).unwrap()).unwrap();
    }
    fn cairn(&self, rest: &[&str]) -> Output {
        cairn(&args(
            &store_flags(&self.store.join("root"), &self.store.join("run")),
            rest,
        ))
    }
    /// The first image with a name and a top layer.
    fn named_image(&self) -> Value {
        self.read(&self.images_json())
            .into_iter()
            .find(|i| i.get("names").is_some() && i.get("layer").is_some())
            .expect("a named image")
    }
    fn listing(&self) -> Vec<Value> {
        let out = self.cairn(&["images", "--all", "--json"]);
        serde_json::from_str::<Value>(&ok(out, "cairn images"))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

/// cairn failed as podman fails (exit 125), without a panic, and said `needles`.
fn assert_error(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(125), "exit code; stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
}

fn problems_of<'a>(listing: &'a [Value], id: &str) -> &'a [Value] {
    listing
        .iter()
        .find(|i| i["Id"] == id)
        .and_then(|i| i["Problems"].as_array())
        .map_or(&[], |p| p.as_slice())
}

#[test]
fn truncated_images_json_names_the_file() {
    let broken = Broken::new();
    let bytes = std::fs::read(broken.images_json()).unwrap();
    std::fs::write(broken.images_json(), &bytes[..bytes.len() / 2]).unwrap();
    let out = broken.cairn(&["images"]);
    assert_error(
        &out,
        &[
            "parsing",
            &broken.images_json().display().to_string(),
            "EOF",
        ],
    );
}

#[test]
fn corrupt_layers_json_names_the_file() {
    let broken = Broken::new();
    std::fs::write(broken.layers_json(), b"[{\"id\": 12}]").unwrap();
    let out = broken.cairn(&["images"]);
    assert_error(
        &out,
        &[
            "parsing",
            &broken.layers_json().display().to_string(),
            "invalid type",
        ],
    );
}

#[test]
fn empty_images_json_is_an_empty_store() {
    let broken = Broken::new();
    std::fs::write(broken.images_json(), b"").unwrap();
    assert!(broken.listing().is_empty());
}

#[test]
fn missing_config_marks_the_image_corrupted_and_lists_the_rest() {
    let broken = Broken::new();
    let image = broken.named_image();
    let id = image["id"].as_str().unwrap();
    let before = broken.listing().len();
    let config = broken
        .store
        .join("root/vfs-images")
        .join(id)
        .join(format!("={}", base64_of(&format!("sha256:{id}"))));
    assert!(config.exists(), "{} should exist", config.display());
    std::fs::remove_file(&config).unwrap();
    let listing = broken.listing();
    assert_eq!(listing.len(), before, "every image is still listed");
    let problems = problems_of(&listing, id);
    assert_eq!(problems.len(), 1, "{listing:?}");
    let problem = problems[0].as_str().unwrap();
    assert!(
        problem.contains("reading config") && problem.contains(&config.display().to_string()),
        "{problem}"
    );
    let out = broken.cairn(&["history", id]);
    assert_error(&out, &["reading config", &config.display().to_string()]);
}

#[test]
fn corrupt_config_marks_the_image_corrupted() {
    let broken = Broken::new();
    let id = broken.named_image()["id"].as_str().unwrap().to_string();
    let config = broken
        .store
        .join("root/vfs-images")
        .join(&id)
        .join(format!("={}", base64_of(&format!("sha256:{id}"))));
    std::fs::write(&config, b"{\"architecture\": ").unwrap();
    let listing = broken.listing();
    let problem = problems_of(&listing, &id)[0].as_str().unwrap().to_string();
    assert!(
        problem.contains("parsing config") && problem.contains("EOF"),
        "{problem}"
    );
}

#[test]
fn missing_top_layer_marks_the_image_corrupted() {
    let broken = Broken::new();
    let image = broken.named_image();
    let id = image["id"].as_str().unwrap();
    let top = image["layer"].as_str().unwrap();
    let layers: Vec<Value> = broken
        .read(&broken.layers_json())
        .into_iter()
        .filter(|l| l["id"] != top)
        .collect();
    broken.write(&broken.layers_json(), &layers);
    let listing = broken.listing();
    let problem = problems_of(&listing, id)[0].as_str().unwrap().to_string();
    assert!(
        problem.contains(&format!("top layer {top} is not in the store")),
        "{problem}"
    );
    // podman measures the image before drawing its tree, and fails (issue 13).
    let tree = broken.cairn(&["tree", id]);
    assert_error(
        &tree,
        &[&format!(
            "locating layer with ID \"{top}\": layer not known"
        )],
    );
    assert!(
        stdout(&tree).is_empty(),
        "no partial tree: {}",
        stdout(&tree)
    );
}

#[test]
fn layer_with_a_missing_parent_marks_its_images_corrupted() {
    let broken = Broken::new();
    let layers = broken.read(&broken.layers_json());
    let base = layers
        .iter()
        .find(|l| l.get("parent").is_none() && layers.iter().any(|c| c["parent"] == l["id"]))
        .expect("a base layer with children")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rest: Vec<Value> = layers.into_iter().filter(|l| l["id"] != base).collect();
    broken.write(&broken.layers_json(), &rest);
    let listing = broken.listing();
    let marked: Vec<_> = listing
        .iter()
        .filter(|i| {
            i["Problems"].as_array().is_some_and(|p| {
                p.iter().any(|m| {
                    m.as_str()
                        .unwrap()
                        .contains(&format!("layer {base} (below top layer"))
                })
            })
        })
        .collect();
    assert!(!marked.is_empty(), "{listing:?}");
}

#[test]
fn unknown_fields_are_ignored() {
    let broken = Broken::new();
    let before = broken.listing();
    let images: Vec<Value> = broken
        .read(&broken.images_json())
        .into_iter()
        .map(|mut i| {
            i["a-future-field"] = serde_json::json!({"nested": [1, 2]});
            i
        })
        .collect();
    broken.write(&broken.images_json(), &images);
    let layers: Vec<Value> = broken
        .read(&broken.layers_json())
        .into_iter()
        .map(|mut l| {
            l["another-field"] = Value::from(7);
            l
        })
        .collect();
    broken.write(&broken.layers_json(), &layers);
    let after = broken.listing();
    assert_eq!(before, after);
}

#[test]
fn unreadable_images_json_names_the_file() {
    // Root reads through any permission bits, so make the file unreadable by being a folder.
    let broken = Broken::new();
    std::fs::remove_file(broken.images_json()).unwrap();
    std::fs::create_dir(broken.images_json()).unwrap();
    let out = broken.cairn(&["images"]);
    assert_error(
        &out,
        &[
            "reading",
            &broken.images_json().display().to_string(),
            "Is a directory",
        ],
    );
}

#[test]
fn a_store_that_does_not_exist_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let out = cairn(&args(
        &store_flags(&missing, &dir.path().join("run")),
        &["images"],
    ));
    assert_error(
        &out,
        &[&format!(
            "containers-storage at {} does not exist",
            missing.display()
        )],
    );
}

#[test]
fn an_image_id_that_leaves_the_folder_is_refused() {
    let broken = Broken::new();
    let mut images = broken.read(&broken.images_json());
    images[0]["id"] = Value::from("../../../etc");
    broken.write(&broken.images_json(), &images);
    let listing = broken.listing();
    let problem = problems_of(&listing, "../../../etc")[0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(problem.contains("is not a valid ID"), "{problem}");
}

#[test]
fn a_config_digest_with_dot_dot_is_refused() {
    let broken = Broken::new();
    let image = broken.named_image();
    let id = image["id"].as_str().unwrap().to_string();
    let mut images = broken.read(&broken.images_json());
    let record = images.iter_mut().find(|i| i["id"] == id.as_str()).unwrap();
    // Make the reader go through the manifest, and point the manifest outside the folder.
    let names: Vec<Value> = record["big-data-names"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n.as_str() != Some(&format!("sha256:{id}")))
        .cloned()
        .collect();
    record["big-data-names"] = Value::from(names.clone());
    broken.write(&broken.images_json(), &images);
    let dir = broken.store.join("root/vfs-images").join(&id);
    for name in names {
        let name = name.as_str().unwrap();
        if name.starts_with("manifest") {
            let file = if name == "manifest" {
                dir.join(name)
            } else {
                dir.join(format!("={}", base64_of(name)))
            };
            std::fs::write(
                file,
                br#"{"schemaVersion":2,"config":{"digest":"sha256:../../x","size":1}}"#,
            )
            .unwrap();
        }
    }
    let listing = broken.listing();
    let problem = problems_of(&listing, &id)[0].as_str().unwrap().to_string();
    assert!(problem.contains("invalid config digest"), "{problem}");
}

#[test]
fn a_parent_loop_in_layers_json_does_not_hang() {
    let broken = Broken::new();
    let mut layers = broken.read(&broken.layers_json());
    let first = layers[0]["id"].clone();
    let second = layers[1]["id"].clone();
    layers[0]["parent"] = second;
    layers[1]["parent"] = first;
    broken.write(&broken.layers_json(), &layers);
    broken.listing();
    for image in broken.read(&broken.images_json()) {
        let id = image["id"].as_str().unwrap();
        let out = broken.cairn(&["tree", "--whatrequires", id]);
        assert!(!stderr(&out).contains("panicked"));
        let out = broken.cairn(&["lineage", id]);
        assert!(!stderr(&out).contains("panicked"));
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
