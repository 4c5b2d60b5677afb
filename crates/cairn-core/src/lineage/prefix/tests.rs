//! Lineage across a registry's repositories, one test per rule: the nearest pushed prefix,
//! the base annotations, and what is not a parent.

use crate::testing::SnapshotBuilder;
use crate::{Catalog, ImageIdx};

fn parent(store: &SnapshotBuilder, catalog: &Catalog, key: &str) -> Option<ImageIdx> {
    catalog.lineage.parent(store.idx(key))
}

/// base ← tools ← (lib, never pushed) ← app, and base ← side.
fn registry() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::registry();
    store
        .image("base")
        .name("base:1")
        .layer("COPY os-release", 10);
    store
        .image("tools")
        .from("base")
        .name("tools:1")
        .layer("COPY tool", 20);
    store.image("lib").from("tools").layer("COPY lib", 30);
    store
        .image("app")
        .from("lib")
        .name("app:1")
        .name("mirror/app:stable")
        .layer("COPY main", 40);
    store
        .image("side")
        .from("base")
        .name("side:1")
        .layer("COPY side", 50);
    store.remove_image("lib");
    store
}

#[test]
fn the_nearest_pushed_prefix_is_the_parent_when_the_steps_between_were_never_pushed() {
    let store = registry();
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "app"), Some(store.idx("tools")));
    assert_eq!(parent(&store, &catalog, "tools"), Some(store.idx("base")));
    assert_eq!(parent(&store, &catalog, "side"), Some(store.idx("base")));
    assert_eq!(parent(&store, &catalog, "base"), None);
    let app = store.idx("app");
    assert_eq!(
        catalog.lineage.ancestors(app),
        [store.idx("tools"), store.idx("base")]
    );
    let mut children = catalog.lineage.children(store.idx("base")).to_vec();
    children.sort();
    assert_eq!(children, [store.idx("tools"), store.idx("side")]);
}

#[test]
fn a_config_step_on_the_same_layers_makes_a_child() {
    let mut store = registry();
    store
        .image("labelled")
        .from("app")
        .name("app:labelled")
        .config_step("LABEL x=1");
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "labelled"), Some(store.idx("app")));
}

#[test]
fn the_same_stack_twice_is_no_parent_of_itself() {
    // One image pushed as OCI and as Docker schema 2: two manifests, one config.
    let mut store = registry();
    store.image("app-docker").from("app").name("app-docker:1");
    let catalog = store.catalog();
    assert_eq!(
        parent(&store, &catalog, "app-docker"),
        Some(store.idx("tools"))
    );
    assert_eq!(parent(&store, &catalog, "app"), Some(store.idx("tools")));
}

#[test]
fn the_same_layers_with_another_history_are_not_a_prefix() {
    let mut store = SnapshotBuilder::registry();
    store
        .image("base")
        .name("base:1")
        .layer("COPY os-release", 10);
    // Rebuilt from scratch: the same layer, but a step of its own.
    store
        .image("rebuilt")
        .name("rebuilt:1")
        .layer("COPY os-release", 10);
    store
        .image("child")
        .from("rebuilt")
        .name("child:1")
        .layer("COPY x", 1);
    let catalog = store.catalog();
    let child = parent(&store, &catalog, "child");
    assert_eq!(
        child,
        Some(store.idx("rebuilt")),
        "not base: its steps differ"
    );
}

#[test]
fn the_base_digest_annotation_names_the_parent_even_when_layers_do_not_show_it() {
    let mut store = registry();
    // Squashed: one layer of its own, but built on base, as its manifest says.
    let base_digest = format!("sha256:{}", store.id("base"));
    store
        .image("squashed")
        .name("squashed:1")
        .layer("COPY all", 99)
        .base(Some(&base_digest), None);
    let catalog = store.catalog();
    assert_eq!(
        parent(&store, &catalog, "squashed"),
        Some(store.idx("base"))
    );
}

#[test]
fn an_annotated_index_gives_its_instance_for_the_childs_platform() {
    let mut store = SnapshotBuilder::registry();
    store.image("arm").arch("arm64").layer("COPY arch arm", 1);
    store.image("amd").layer("COPY arch", 1);
    store
        .image("list")
        .name("multi:1")
        .list(&[("arm", "linux/arm64"), ("amd", "linux/amd64")]);
    let list_digest = format!("sha256:{}", store.id("list"));
    store
        .image("child")
        .name("child:1")
        .layer("COPY other", 2)
        .base(Some(&list_digest), Some("localhost:5000/multi:1"));
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "child"), Some(store.idx("amd")));
    assert_eq!(
        parent(&store, &catalog, "list"),
        None,
        "a list has no parent"
    );
}

#[test]
fn a_base_name_counts_while_its_layers_are_a_prefix_of_the_childs() {
    let mut store = registry();
    // Named after base as the builder knew it, on another host: the registry's base:1.
    store
        .image("named")
        .from("base")
        .name("named:1")
        .layer("COPY named", 5)
        .base(None, Some("localhost:5000/base:1"));
    // Named after side:1, but side:1 has moved since: its layers are not a prefix.
    store
        .image("moved")
        .from("tools")
        .name("moved:1")
        .layer("COPY moved", 6)
        .base(Some("sha256:0000"), Some("side:1"));
    let catalog = store.catalog();
    assert_eq!(parent(&store, &catalog, "named"), Some(store.idx("base")));
    assert_eq!(
        parent(&store, &catalog, "moved"),
        Some(store.idx("tools")),
        "the prefix rule, since the named base does not fit and the digest is unknown"
    );
}

#[test]
fn an_untagged_revision_with_children_is_intermediate_and_without_dangling() {
    let mut store = registry();
    store.image("old").from("base").layer("COPY old", 7);
    store
        .image("on-old")
        .from("old")
        .name("on-old:1")
        .layer("COPY x", 1);
    store.image("lonely").from("base").layer("COPY lonely", 8);
    let catalog = store.catalog();
    let snapshot = &catalog.snapshot;
    assert!(catalog.lineage.is_intermediate(snapshot, store.idx("old")));
    assert!(!catalog.lineage.is_dangling(snapshot, store.idx("old")));
    assert!(catalog.lineage.is_dangling(snapshot, store.idx("lonely")));
}
