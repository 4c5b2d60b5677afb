//! Parents and children as libimage decides them (podman's one-step rule on the layer tree),
//! and as Docker records them; lists and their platform images.

use crate::testing::{SnapshotBuilder, fixtures};
use crate::{Catalog, ImageIdx};

fn keys(store: &SnapshotBuilder, images: &[ImageIdx]) -> Vec<String> {
    let catalog = store.catalog();
    images
        .iter()
        .map(|&i| {
            let id = &catalog.snapshot.images[i].id;
            [
                "base",
                "mid",
                "app",
                "side",
                "inter",
                "on-untagged",
                "dangling",
            ]
            .iter()
            .chain(&[
                "cfg-inter",
                "mid-cfg",
                "cfg-label",
                "app-copy",
                "app-env",
                "bb",
            ])
            .chain(&["a", "b", "c", "squashed", "list", "amd", "arm", "other"])
            .find(|k| store.try_id(k).as_ref() == Some(id))
            .map_or_else(|| id.clone(), |k| k.to_string())
        })
        .collect()
}

fn parent(store: &SnapshotBuilder, catalog: &Catalog, key: &str) -> Option<String> {
    catalog
        .lineage
        .parent(store.idx(key))
        .map(|p| keys(store, &[p]).remove(0))
}

fn children(store: &SnapshotBuilder, catalog: &Catalog, key: &str) -> Vec<String> {
    keys(store, catalog.lineage.children(store.idx(key)))
}

#[test]
fn a_parent_is_one_build_step_below_its_child() {
    let store = fixtures::podman(false);
    let catalog = store.catalog();
    for (child, expected) in [
        ("base", None),
        ("mid", Some("base")),
        ("app", Some("mid")),
        ("side", Some("base")),
        ("inter", Some("side")),
        ("on-untagged", Some("inter")),
        ("dangling", Some("base")),
    ] {
        assert_eq!(
            parent(&store, &catalog, child).as_deref(),
            expected,
            "{child}"
        );
    }
    assert_eq!(
        children(&store, &catalog, "base"),
        ["mid", "side", "dangling"]
    );
    assert_eq!(
        keys(&store, &catalog.lineage.ancestors(store.idx("on-untagged"))),
        ["inter", "side", "base"]
    );
}

#[test]
fn config_only_steps_are_children_on_the_same_top_layer() {
    let store = fixtures::podman(false);
    let catalog = store.catalog();
    assert_eq!(
        parent(&store, &catalog, "cfg-inter").as_deref(),
        Some("mid")
    );
    assert_eq!(
        parent(&store, &catalog, "mid-cfg").as_deref(),
        Some("cfg-inter")
    );
    // libimage's `children`: images on the layers right above first, then on the same layer.
    assert_eq!(children(&store, &catalog, "mid"), ["app", "cfg-inter"]);
    assert_eq!(children(&store, &catalog, "cfg-inter"), ["mid-cfg"]);
}

#[test]
fn two_steps_in_one_commit_make_no_parent() {
    let mut store = SnapshotBuilder::podman();
    store.image("a").layer("a", 1);
    store.image("b").from("a").layer("b", 1).layer("c", 1);
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "b"), None);
    assert!(children(&store, &catalog, "a").is_empty());
}

#[test]
fn the_same_layers_with_another_history_are_not_a_parent() {
    // `other` has a's layer (the same step on nothing makes the same layer) but was made at
    // another time: its history is not a's.
    let mut store = SnapshotBuilder::podman();
    store.image("a").layer("a", 1);
    store.image("other").layer("a", 1);
    store.image("b").from("other").layer("b", 1);
    let catalog = store.catalog();
    assert_eq!(store.layers_of("a"), store.layers_of("other"));
    assert_eq!(parent(&store, &catalog, "b").as_deref(), Some("other"));
    assert!(children(&store, &catalog, "a").is_empty());
}

#[test]
fn a_squashed_build_has_no_parent() {
    // `--squash`: the parent's history and one new step, but all in one new base layer.
    let mut store = SnapshotBuilder::podman();
    store.image("a").layer("a", 1);
    store.layer("flat").size(2);
    store
        .image("squashed")
        .from("a")
        .top_layer("flat")
        .config_step("RUN make");
    let catalog = store.catalog();
    assert!(!catalog.snapshot.images[store.idx("squashed")].is_corrupted());
    assert_eq!(parent(&store, &catalog, "squashed"), None);
    assert!(children(&store, &catalog, "a").is_empty());
}

#[test]
fn untagged_images_are_dangling_or_intermediate() {
    let store = fixtures::podman(false);
    let catalog = store.catalog();
    let snapshot = &catalog.snapshot;
    let dangling: Vec<ImageIdx> = snapshot
        .images
        .keys()
        .filter(|&i| catalog.lineage.is_dangling(snapshot, i))
        .collect();
    assert_eq!(keys(&store, &dangling), ["dangling"]);
    let intermediate: Vec<ImageIdx> = snapshot
        .images
        .keys()
        .filter(|&i| catalog.lineage.is_intermediate(snapshot, i))
        .collect();
    assert_eq!(keys(&store, &intermediate), ["inter", "cfg-inter"]);
}

#[test]
fn docker_follows_the_recorded_parents() {
    let store = fixtures::docker();
    let catalog = store.catalog();
    for (child, expected) in [
        ("app", Some("app-env")),
        ("app-env", Some("app-copy")),
        ("app-copy", Some("mid")),
        ("mid", Some("base")),
        ("mid-cfg", Some("cfg-label")),
        ("cfg-label", Some("mid")),
        ("on-untagged", Some("inter")),
        ("base", None),
        ("bb", None),
    ] {
        assert_eq!(
            parent(&store, &catalog, child).as_deref(),
            expected,
            "{child}"
        );
    }
    // Children in the daemon's order.
    assert_eq!(children(&store, &catalog, "mid"), ["cfg-label", "app-copy"]);
    let snapshot = &catalog.snapshot;
    let hidden: Vec<ImageIdx> = snapshot
        .images
        .keys()
        .filter(|&i| catalog.lineage.is_intermediate(snapshot, i))
        .collect();
    // What `docker images` hides without -a.
    assert_eq!(
        keys(&store, &hidden),
        ["cfg-label", "inter", "app-copy", "app-env"]
    );
    assert!(catalog.lineage.is_dangling(snapshot, store.idx("dangling")));
}

#[test]
fn docker_infers_the_parent_of_a_pulled_image_but_only_recorded_links_hold() {
    let mut store = SnapshotBuilder::docker();
    store.image("a").layer("a", 1);
    store
        .image("b")
        .from("a")
        .name("b:1")
        .layer("b", 1)
        .pulled();
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "b").as_deref(), Some("a"));
    assert_eq!(children(&store, &catalog, "a"), ["b"]);
    // a is untagged and no recorded link holds it: dangling, as `docker images` shows it.
    assert!(
        catalog
            .lineage
            .is_dangling(&catalog.snapshot, store.idx("a"))
    );
    let mut store = SnapshotBuilder::docker();
    store.image("a").layer("a", 1);
    store.image("b").from("a").name("b:1").layer("b", 1);
    let catalog = store.catalog();
    assert!(
        !catalog
            .lineage
            .is_dangling(&catalog.snapshot, store.idx("a"))
    );
    assert!(
        catalog
            .lineage
            .is_intermediate(&catalog.snapshot, store.idx("a"))
    );
}

#[test]
fn a_parent_loop_ends_the_ancestors() {
    let mut store = SnapshotBuilder::docker();
    store.image("a").layer("a", 1);
    store.image("b").from("a").layer("b", 1);
    store.image("a").from("b");
    let catalog = store.catalog();
    assert_eq!(
        keys(&store, &catalog.lineage.ancestors(store.idx("a"))),
        ["b"]
    );
    assert_eq!(
        keys(&store, &catalog.lineage.ancestors(store.idx("b"))),
        ["a"]
    );
}

#[test]
fn platform_images_belong_to_their_list() {
    let mut store = SnapshotBuilder::podman();
    store.image("amd").layer("amd", 1);
    store.image("arm").layer("arm", 1);
    store
        .image("list")
        .name("localhost/multi:1")
        .list(&[("amd", "linux/amd64"), ("arm", "linux/arm64")]);
    let catalog = store.catalog();
    let snapshot = &catalog.snapshot;
    let list = store.idx("list");
    let instances: Vec<(ImageIdx, &str)> = snapshot.instances(list).collect();
    assert_eq!(
        instances,
        [
            (store.idx("amd"), "linux/amd64"),
            (store.idx("arm"), "linux/arm64")
        ]
    );
    for key in ["amd", "arm"] {
        assert_eq!(snapshot.list_of(store.idx(key)), Some(list));
        assert!(
            !catalog.lineage.is_dangling(snapshot, store.idx(key)),
            "{key}"
        );
    }
    assert_eq!(parent(&store, &catalog, "list"), None);
    assert!(children(&store, &catalog, "list").is_empty());
    assert_eq!(snapshot.list_of(list), None);
}

#[test]
fn images_without_a_config_have_no_lineage() {
    let mut store = SnapshotBuilder::podman();
    store.image("a").layer("a", 1);
    store.image("b").from("a").layer("b", 1).no_config();
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "b"), None);
    assert!(children(&store, &catalog, "a").is_empty());
}

#[test]
fn images_without_layers_are_parents_by_history_alone() {
    let mut store = SnapshotBuilder::podman();
    store.image("a").config_step("LABEL a=1");
    store.image("b").from("a").config_step("ENV b=1");
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "b").as_deref(), Some("a"));
    assert_eq!(children(&store, &catalog, "a"), ["b"]);
}

#[test]
fn has_children_is_whether_children_of_finds_any() {
    for store in [fixtures::podman(true), fixtures::docker()] {
        let catalog = store.catalog();
        let (snapshot, tree) = (&catalog.snapshot, &catalog.tree);
        let alive_sets: [&dyn Fn(ImageIdx) -> bool; 3] =
            [&|_| true, &|i| usize::from(i) % 2 == 0, &|i| {
                usize::from(i) % 3 != 1
            }];
        for alive in alive_sets {
            for image in snapshot.images.keys() {
                assert_eq!(
                    super::has_children(snapshot, tree, image, alive),
                    !super::children_of(snapshot, tree, image, alive).is_empty(),
                    "{}",
                    snapshot.images[image].id
                );
            }
        }
    }
}
