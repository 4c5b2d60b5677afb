//! podman's unreferenced-layer rule (containers/storage `check.go`), each case a test named
//! after it, on stores whose removal was interrupted between the image's record and its
//! layers: `SnapshotBuilder::remove_image` takes the record away and leaves the layers.

use crate::removal::{RemovalPlan, RemoveOptions, Step, Target, plan_removal};
use crate::testing::SnapshotBuilder;
use jiff::Timestamp;

/// Where the builder's clock starts; its steps are 100 seconds apart.
const EPOCH: i64 = 1_700_000_000;
const DAY: i64 = 24 * 3600;

fn at(seconds: i64) -> RemoveOptions {
    RemoveOptions {
        collect_unreferenced_at: Timestamp::from_second(seconds).ok(),
        ..RemoveOptions::default()
    }
}

/// Two days after the store was built: every layer is old enough.
fn later() -> RemoveOptions {
    at(EPOCH + 2 * DAY)
}

fn prune(store: &SnapshotBuilder, options: RemoveOptions) -> RemovalPlan {
    plan_removal(&store.catalog(), &Target::Prune { all: false }, options)
}

fn rmi(store: &SnapshotBuilder, reference: &str, options: RemoveOptions) -> RemovalPlan {
    let target = Target::References(vec![reference.to_string()]);
    plan_removal(&store.catalog(), &target, options)
}

/// base, app on base, and tool on app, all tagged; `tool`'s removal interrupted after its
/// record went, so its layer is left on app's.
fn interrupted() -> (SnapshotBuilder, String) {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .name("localhost/base:1")
        .layer("ADD base /", 10);
    store
        .image("app")
        .from("base")
        .name("localhost/app:1")
        .layer("COPY app /", 20);
    store
        .image("tool")
        .from("app")
        .name("localhost/tool:1")
        .layer("COPY tool /", 30);
    let left = store.layers_of("tool")[0].clone();
    store.remove_image("tool");
    (store, left)
}

#[test]
fn prune_deletes_a_layer_an_interrupted_removal_left_behind() {
    let (store, left) = interrupted();
    let plan = prune(&store, later());
    assert_eq!(plan.layers, vec![left.clone()]);
    assert_eq!(plan.steps, vec![Step::DeleteLayer { layer: left }]);
    assert_eq!(plan.reclaimed_bytes, 30);
    assert!(plan.records_deleted.is_empty() && plan.deleted.is_empty());
}

#[test]
fn without_the_clock_a_left_layer_stays_as_podman_4_3_keeps_it() {
    let (store, _) = interrupted();
    assert!(prune(&store, RemoveOptions::default()).is_empty());
    let plan = rmi(&store, "localhost/app:1", RemoveOptions::default());
    assert!(
        plan.layers.is_empty(),
        "the left layer keeps app's: {plan:?}"
    );
}

#[test]
fn an_unreferenced_layer_younger_than_a_day_stays_as_it_may_be_a_pull_in_progress() {
    let (store, _) = interrupted();
    assert!(prune(&store, at(EPOCH + DAY)).is_empty());
}

#[test]
fn an_unreferenced_layer_of_unknown_age_goes() {
    let (mut store, left) = interrupted();
    store.layer(&left).created(i64::MIN);
    assert_eq!(prune(&store, at(EPOCH)).layers, vec![left]);
}

#[test]
fn an_incomplete_unreferenced_layer_goes_whatever_its_age() {
    let (mut store, left) = interrupted();
    store.layer(&left).incomplete();
    assert_eq!(prune(&store, at(EPOCH)).layers, vec![left]);
}

#[test]
fn a_mounted_unreferenced_layer_stays() {
    let (mut store, left) = interrupted();
    store.layer(&left).mounted();
    assert!(prune(&store, later()).is_empty());
}

#[test]
fn a_young_child_keeps_its_unreferenced_parent() {
    let (mut store, left) = interrupted();
    store.layer("young").parent(&left).created(EPOCH + 2 * DAY);
    assert!(prune(&store, at(EPOCH + 2 * DAY + 60)).is_empty());
}

#[test]
fn unreferenced_layers_go_children_first() {
    let (mut store, left) = interrupted();
    store.layer("child").parent(&left).created(EPOCH);
    store.layer("grandchild").parent("child").created(EPOCH);
    let plan = prune(&store, later());
    assert_eq!(
        plan.layers,
        vec!["grandchild".to_string(), "child".into(), left]
    );
}

#[test]
fn a_container_layer_and_the_layers_under_it_are_referenced() {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .name("localhost/base:1")
        .layer("ADD base /", 10);
    store.container("work", "base");
    store.remove_image("base");
    assert!(
        prune(&store, later()).is_empty(),
        "the container keeps its layers"
    );
}

#[test]
fn removing_an_image_takes_the_layers_left_on_top_of_its_own() {
    let (store, left) = interrupted();
    let app = store.layers_of("app")[0].clone();
    let plan = rmi(&store, "localhost/app:1", later());
    assert_eq!(plan.layers, vec![left.clone(), app.clone()]);
    assert_eq!(
        plan.steps,
        vec![Step::DeleteImage {
            image: store.id("app"),
            layers: vec![left, app],
        }]
    );
    assert_eq!(
        plan.reclaimed_bytes,
        50 + store.catalog().snapshot.images[store.idx("app")].big_data_size
    );
}

#[test]
fn a_layout_plans_no_unreferenced_layer() {
    let mut store = SnapshotBuilder::layout();
    store.image("base").name("base").layer("ADD base /", 10);
    store
        .image("app")
        .from("base")
        .name("app")
        .layer("COPY app /", 20);
    store.remove_image("app");
    assert!(prune(&store, later()).is_empty());
}

#[test]
fn the_catalog_finds_the_unreferenced_layers_once_children_first() {
    let (mut store, left) = interrupted();
    store.layer("child").parent(&left);
    store.layer("grandchild").parent("child");
    store.layer("loose");
    let catalog = store.catalog();
    let ids: Vec<&str> = (catalog.unreferenced.iter())
        .map(|&l| catalog.snapshot.layers[l].id.as_str())
        .collect();
    assert_eq!(ids, ["grandchild", "child", left.as_str(), "loose"]);
}

#[test]
fn a_store_no_removal_was_interrupted_on_has_no_unreferenced_layer() {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .name("localhost/base:1")
        .layer("ADD base /", 10);
    store.image("app").from("base").layer("COPY app /", 20);
    store.container("work", "app");
    let top = store.layers_of("app")[0].clone();
    store.layer("mapped").parent(&top);
    store.image("app").mapped_top_layer("mapped");
    assert!(store.catalog().unreferenced.is_empty());
}
