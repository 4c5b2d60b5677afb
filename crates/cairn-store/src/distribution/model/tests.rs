//! The registry model as the snapshot sees it: names across repositories, shared blobs,
//! indexes, untagged revisions and what cannot be read.

use super::*;
use crate::distribution::manifest::{BlobRef, ChildRef, ImageManifest, IndexManifest};
use cairn_core::{Catalog, HistoryEntry};

fn digest(n: u32) -> String {
    format!("sha256:{n:064x}")
}

fn blob(n: u32, size: u64) -> BlobRef {
    BlobRef {
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        digest: digest(n),
        size,
    }
}

/// Adds an image manifest `m` with config `c` on layer blobs `layers` (and their sizes),
/// one history step per layer.
fn add_image(registry: &mut Registry, m: u32, c: u32, layers: &[u32]) {
    let history = layers
        .iter()
        .map(|l| HistoryEntry {
            created_by: format!("COPY {l}"),
            ..HistoryEntry::default()
        })
        .collect();
    registry.configs.insert(
        digest(c),
        Ok(ImageConfig {
            diff_ids: layers.iter().map(|l| digest(l + 1000)).collect(),
            history,
            ..ImageConfig::default()
        }),
    );
    registry.blob_sizes.insert(digest(c), 100);
    for &l in layers {
        registry.blob_sizes.insert(digest(l), u64::from(l) * 10);
    }
    registry.manifests.insert(
        digest(m),
        ManifestRecord {
            size: 500,
            parsed: Ok(Manifest::Image(ImageManifest {
                media_type: super::super::manifest::OCI_MANIFEST.into(),
                config: blob(c, 100),
                layers: layers.iter().map(|&l| blob(l, u64::from(l) * 10)).collect(),
                annotations: BTreeMap::new(),
            })),
        },
    );
}

fn tag(registry: &mut Registry, repository: &str, tag: &str, m: u32) {
    let repo = registry
        .repositories
        .entry(repository.to_string())
        .or_default();
    repo.tags.insert(tag.to_string(), digest(m));
    repo.revisions.insert(digest(m));
}

fn sample() -> Registry {
    let mut registry = Registry {
        blobs_listed: true,
        read_only: true,
        ..Registry::default()
    };
    add_image(&mut registry, 1, 101, &[1]);
    add_image(&mut registry, 2, 102, &[1, 2]);
    add_image(&mut registry, 3, 103, &[1, 3]);
    tag(&mut registry, "base", "1", 1);
    tag(&mut registry, "app", "1", 2);
    tag(&mut registry, "app", "latest", 2);
    tag(&mut registry, "other/app", "stable", 2);
    // An untagged revision of `app`.
    registry
        .repositories
        .entry("app".into())
        .or_default()
        .revisions
        .insert(digest(3));
    // Every repository links every blob, as one pushed to all of them.
    let blobs: Vec<String> = registry.blob_sizes.keys().cloned().collect();
    for repo in registry.repositories.values_mut() {
        repo.layers.extend(blobs.iter().cloned());
    }
    registry
}

fn image(snapshot: &Snapshot, m: u32) -> &Image {
    let idx = snapshot.image_by_id(hex(&digest(m))).expect("the image");
    &snapshot.images[idx]
}

#[test]
fn an_image_is_a_manifest_named_by_every_tag_in_every_repository() {
    let snapshot = sample().snapshot();
    assert_eq!(snapshot.rules, Rules::Registry);
    assert_eq!(snapshot.images.len(), 3);
    assert_eq!(
        image(&snapshot, 2).names,
        ["app:1", "app:latest", "other/app:stable"]
    );
    assert_eq!(
        image(&snapshot, 2).digest.as_deref(),
        Some(digest(2).as_str())
    );
    assert!(image(&snapshot, 3).names.is_empty(), "an untagged revision");
    assert!(image(&snapshot, 1).read_only);
    let mut registry = sample();
    registry.host = Some("localhost:5000".into());
    assert_eq!(
        image(&registry.snapshot(), 1).names,
        ["localhost:5000/base:1"]
    );
}

#[test]
fn layers_are_blobs_shared_across_repositories() {
    let catalog = Catalog::new(sample().snapshot());
    let snapshot = &catalog.snapshot;
    // base's one blob is one node under app's and the revision's.
    assert_eq!(snapshot.layers.len(), 3);
    let base_top = image(snapshot, 1).top_layer.clone().unwrap();
    let app_top = image(snapshot, 2).top_layer.as_deref().unwrap();
    let app_top = snapshot.layer_by_id(app_top).unwrap();
    assert_eq!(
        snapshot.layers[app_top].parent.as_deref(),
        Some(base_top.as_str())
    );
    assert_eq!(
        snapshot.layers[app_top].blob.as_deref(),
        Some(digest(2).as_str())
    );
    assert_eq!(
        snapshot.layers[app_top].diff_size,
        Some(20),
        "the stored size"
    );
    let app = catalog
        .sizes
        .get(snapshot.image_by_id(hex(&digest(2))).unwrap());
    assert_eq!(app.shared, 10, "the base blob");
    assert_eq!(
        app.unique,
        20 + 500 + 100,
        "its own blob, manifest and config"
    );
}

#[test]
fn an_index_lists_its_platform_manifests() {
    let mut registry = sample();
    registry.manifests.insert(
        digest(9),
        ManifestRecord {
            size: 300,
            parsed: Ok(Manifest::Index(IndexManifest {
                media_type: super::super::manifest::OCI_INDEX.into(),
                manifests: vec![
                    ChildRef {
                        media_type: super::super::manifest::OCI_MANIFEST.into(),
                        digest: digest(2),
                        size: 500,
                        platform: "linux/amd64".into(),
                    },
                    ChildRef {
                        media_type: super::super::manifest::OCI_MANIFEST.into(),
                        digest: digest(8),
                        size: 500,
                        platform: "linux/arm64".into(),
                    },
                ],
                annotations: BTreeMap::new(),
            })),
        },
    );
    tag(&mut registry, "multi", "1", 9);
    let snapshot = registry.snapshot();
    let list = image(&snapshot, 9);
    assert!(list.manifest_list);
    assert_eq!(list.names, ["multi:1"]);
    let idx = snapshot.image_by_id(hex(&digest(9))).unwrap();
    let platforms: Vec<&str> = snapshot.instances(idx).map(|(_, p)| p).collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    assert_eq!(
        image(&snapshot, 8).problems,
        [format!("manifest {} is not in the registry", digest(8))],
        "a child the index names but the registry lacks"
    );
}

#[test]
fn what_cannot_be_read_is_a_problem_on_its_image() {
    let mut registry = sample();
    registry.blob_sizes.remove(&digest(3));
    registry.configs.insert(digest(101), Err("not JSON".into()));
    registry.manifests.insert(
        digest(4),
        ManifestRecord {
            size: 10,
            parsed: Ok(Manifest::Schema1 { layers: Vec::new() }),
        },
    );
    tag(&mut registry, "old", "1", 4);
    let snapshot = registry.snapshot();
    assert_eq!(
        image(&snapshot, 3).problems,
        [format!("layer blob {} is not in the registry", digest(3))]
    );
    assert_eq!(
        image(&snapshot, 1).problems,
        [format!("config {}: not JSON", digest(101))]
    );
    assert_eq!(image(&snapshot, 4).problems, [SCHEMA1_PROBLEM]);
    assert_eq!(image(&snapshot, 4).names, ["old:1"]);
}

#[test]
fn base_annotations_become_the_images_base() {
    let mut registry = sample();
    if let Some(ManifestRecord {
        parsed: Ok(Manifest::Image(manifest)),
        ..
    }) = registry.manifests.get_mut(&digest(2))
    {
        manifest.annotations.insert(BASE_DIGEST.into(), digest(1));
    }
    let snapshot = registry.snapshot();
    assert_eq!(
        image(&snapshot, 2).base,
        Some(BaseImage {
            digest: Some(digest(1)),
            name: None
        })
    );
    assert_eq!(image(&snapshot, 1).base, None);
}

#[test]
fn a_blob_a_repository_cannot_serve_is_a_problem_of_its_images_there() {
    let mut registry = sample();
    let app = registry.repositories.get_mut("app").unwrap();
    // The shared base layer's link in app holds no digest; app's own layer is not linked.
    app.layers.remove(&digest(1));
    app.broken_layers.insert(
        digest(1),
        format!("blob {} of app: damaged link", digest(1)),
    );
    app.layers.remove(&digest(2));
    let snapshot = registry.snapshot();
    assert_eq!(
        image(&snapshot, 2).problems,
        [
            format!("blob {} of app: damaged link", digest(1)),
            format!(
                "blob {} is not linked in app: the registry answers 404 BLOB_UNKNOWN for it (there is no repositories/app/_layers/sha256/{}/link)",
                digest(2),
                hex(&digest(2))
            ),
        ],
        "app:1 is pulled from app and other/app: only app fails"
    );
    assert_eq!(
        image(&snapshot, 3).problems,
        [format!("blob {} of app: damaged link", digest(1))]
    );
    assert!(image(&snapshot, 1).problems.is_empty(), "base:1 is in base");
}

#[test]
fn a_layer_stored_with_another_size_than_its_descriptor_is_a_problem_of_every_image() {
    let mut registry = sample();
    registry.blob_sizes.insert(digest(1), 3);
    let snapshot = registry.snapshot();
    for m in [1, 2, 3] {
        assert_eq!(
            image(&snapshot, m).problems,
            [format!(
                "blob {} is 3 bytes in the registry, but its manifest says 10: it is damaged",
                digest(1)
            )]
        );
    }
}

#[test]
fn over_the_api_links_are_not_seen_and_not_checked() {
    let mut registry = sample();
    registry.blobs_listed = false;
    for repo in registry.repositories.values_mut() {
        repo.layers.clear();
    }
    let snapshot = registry.snapshot();
    assert!(snapshot.images.iter().all(|i| i.problems.is_empty()));
}
