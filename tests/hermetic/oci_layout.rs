//! OCI layouts (`--store oci:`): the bundled demo read through the store and the CLI, changes
//! on a copy of it, `cairn verify`, and every bad input. What skopeo, umoci, buildah and podman
//! write and read back is the conformance tier's `oci_layout`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod hostile;

use crate::common::oci::*;
use crate::common::{self, stderr, stdout};

#[test]
fn the_demo_shows_bases_children_an_intermediate_names_and_a_multi_platform_index() {
    let catalog = load("oci", &demo());
    let snapshot = &catalog.snapshot;
    let app = image_named(&catalog, "localhost/app:1.0");
    assert_eq!(
        app.names,
        [
            "localhost/app:1.0",
            "localhost/app:latest",
            "quay.io/example/app:stable"
        ]
    );
    assert!(
        snapshot.images.iter().all(|i| i.problems.is_empty()),
        "{:#?}",
        snapshot.images
    );
    // Lineage through ChainIDs and history, as podman computes it.
    let idx = |name: &str| {
        snapshot
            .images
            .position(|i| i.names.iter().any(|n| n == name))
            .unwrap()
    };
    let parent = |i| catalog.lineage.parent(i);
    let inter = parent(idx("localhost/app:1.0")).expect("app has a parent");
    assert!(
        snapshot.images[inter].names.is_empty(),
        "the intermediate is untagged"
    );
    assert_eq!(parent(inter), Some(idx("localhost/tools:1")));
    assert_eq!(
        parent(idx("localhost/tools:1")),
        Some(idx("localhost/base:1"))
    );
    assert_eq!(
        parent(idx("localhost/side:1")),
        Some(idx("localhost/base:1"))
    );
    assert_eq!(parent(idx("umoci-child")), Some(idx("umoci-base")));
    // base's layer is one node shared by every image built on it.
    let base_top = snapshot.images[idx("localhost/base:1")]
        .top_layer
        .clone()
        .unwrap();
    let side_layer = snapshot.images[idx("localhost/side:1")]
        .top_layer
        .clone()
        .unwrap();
    let side = &snapshot.layers[snapshot.layer_by_id(&side_layer).unwrap()];
    assert_eq!(side.parent.as_deref(), Some(base_top.as_str()));
    // The multi-platform index is a manifest list, with an image per platform.
    let list = image_named(&catalog, "localhost/multi:1");
    assert!(list.manifest_list);
    let arches: Vec<&str> = snapshot
        .images
        .iter()
        .filter_map(|i| i.config.as_ref())
        .filter(|c| c.history.iter().any(|h| h.created_by.contains("/arch.txt")))
        .map(|c| c.architecture.as_str())
        .collect();
    assert_eq!(arches.len(), 2);
    assert!(arches.contains(&"amd64") && arches.contains(&"arm64"));
    // Its platform images belong to it: listed with their platforms, never dangling.
    let list_idx = idx("localhost/multi:1");
    let platforms: Vec<&str> = snapshot.instances(list_idx).map(|(_, p)| p).collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    for (instance, _) in snapshot.instances(list_idx) {
        assert_eq!(snapshot.list_of(instance), Some(list_idx));
        assert!(!catalog.lineage.is_dangling(snapshot, instance));
    }
    // Sizes: base's layer is shared with its children.
    let base = idx("localhost/base:1");
    assert!(catalog.sizes.get(base).shared > 0);
}

#[test]
fn cairn_reads_the_demo_headless_with_history_and_tree() {
    let store = store_arg(&demo());
    let out = cairn(&["--store", &store, "history", "localhost/app:1.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("COPY /app/main.txt"),
        "{}",
        stdout(&out)
    );
    let out = cairn(&["--store", &store, "lineage", "localhost/app:latest"]);
    assert!(
        stdout(&out).contains("localhost/tools:1"),
        "{}",
        stdout(&out)
    );
    let out = cairn(&["--store", &store, "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 mismatches"));
}

#[test]
fn a_multi_platform_index_is_listed_with_its_platforms() {
    let store = store_arg(&demo());
    let catalog = load("oci", &demo());
    let list = image_named(&catalog, "localhost/multi:1");
    let instances: Vec<String> = list.instances.iter().map(|i| i.id.clone()).collect();
    let short = |id: &str| id[..12].to_string();
    // Without --all the platform images are parts of their list, as intermediates are.
    let out = cairn(&["--store", &store, "images"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for id in &instances {
        assert!(!stdout(&out).contains(&short(id)), "{}", stdout(&out));
    }
    // With --all they follow their list.
    let out = cairn(&["--store", &store, "images", "--all"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("localhost/multi "))
        .unwrap();
    assert!(lines[at + 1].contains(&short(&instances[0])), "{lines:#?}");
    assert!(lines[at + 2].contains(&short(&instances[1])), "{lines:#?}");
    // JSON names the platforms and the list of each.
    let out = cairn(&["--store", &store, "images", "--all", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = |id: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|e| e["Id"] == id)
            .unwrap()
            .clone()
    };
    let listed = entry(&list.id);
    assert_eq!(listed["Instances"][0]["Platform"], "linux/amd64");
    assert_eq!(listed["Instances"][1]["Id"], instances[1].as_str());
    assert_eq!(entry(&instances[0])["InstanceOf"], list.id.as_str());
    assert_eq!(entry(&instances[0])["Dangling"], serde_json::Value::Null);
}

#[test]
fn removing_a_platform_instance_is_refused_with_the_list_named() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let instance = catalog
        .snapshot
        .images
        .iter()
        .find(|i| i.config.as_ref().is_some_and(|c| c.architecture == "arm64"))
        .unwrap()
        .id
        .clone();
    let out = cairn(&["--store", &store_arg(&layout), "rm", &instance]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("platform instance"),
        "{}",
        stderr(&out)
    );
}

// Bad input: each case gives a clear message and no panic.

#[test]
fn missing_blob() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    std::fs::remove_file(blob_path(&layout, &format!("sha256:{}", base.id))).unwrap();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    assert!(
        base.problems[0].contains("is missing"),
        "{:?}",
        base.problems
    );
    let out = cairn(&["--store", &store_arg(&layout), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("is missing"), "{}", stdout(&out));
    let out = cairn(&["--store", &store_arg(&layout), "images"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn digest_with_dot_dot() {
    let (_t, layout) = common::demo_copy();
    let mut idx = index(&layout);
    idx["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:../../../../etc/passwd",
            "size": 10,
            "annotations": {"org.opencontainers.image.ref.name": "evil"}
        }));
    write_index(&layout, &idx);
    let catalog = load("oci", &layout);
    let evil = image_named(&catalog, "evil");
    assert!(
        evil.problems[0].contains("invalid blob digest"),
        "{:?}",
        evil.problems
    );
    let out = cairn(&["--store", &store_arg(&layout), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("invalid blob digest"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn blob_whose_digest_does_not_match() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    let manifest = blob_path(&layout, base.digest.as_deref().unwrap());
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes.extend_from_slice(b"  ");
    std::fs::write(&manifest, bytes).unwrap();
    let out = cairn(&["--store", &store_arg(&layout), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("its content has digest"), "{text}");
    assert!(text.contains("says") && text.contains("bytes"), "{text}");
}

#[test]
fn link_leaving_the_layout() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    let config = blob_path(&layout, &format!("sha256:{}", base.id));
    let outside = layout.parent().unwrap().join("outside.json");
    std::fs::copy(&config, &outside).unwrap();
    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink(&outside, &config).unwrap();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    assert!(
        base.problems[0].contains("outside the layout"),
        "{:?}",
        base.problems
    );
}

#[test]
fn index_that_refers_to_itself() {
    let (_t, layout) = common::demo_copy();
    let fake = format!("sha256:{}", "e".repeat(64));
    let own = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": fake, "size": 1}]
    });
    std::fs::write(blob_path(&layout, &fake), serde_json::to_vec(&own).unwrap()).unwrap();
    let mut idx = index(&layout);
    idx["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": fake,
            "size": 1,
            "annotations": {"org.opencontainers.image.ref.name": "loop"}
        }));
    write_index(&layout, &idx);
    let catalog = load("oci", &layout);
    let looped = image_named(&catalog, "loop");
    assert!(
        looped
            .problems
            .iter()
            .any(|p| p.contains("refers to itself")),
        "{:?}",
        looped.problems
    );
    let out = cairn(&["--store", &store_arg(&layout), "images", "-a"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn not_a_layout() {
    let t = tempfile::tempdir().unwrap();
    let out = cairn(&["--store", &format!("oci:{}", t.path().display()), "images"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("is not an OCI image layout"),
        "{}",
        stderr(&out)
    );
}
