//! Every rule of the podman planner, each a test named after it, and every scenario of
//! `tests/removal_conformance.rs` replayed on the in-memory mirror of its fixture. The
//! expected plans follow from podman 4.3's libimage and containers/storage rules that each
//! step's comment names (and which the conformance tier checks against the real podman).

use super::super::{ErrorKind, PlanError, RemovalPlan, RemoveOptions, Step, Target};
use crate::testing::{SnapshotBuilder, fixtures};

fn plan(store: &SnapshotBuilder, target: Target, options: RemoveOptions) -> RemovalPlan {
    super::super::plan_removal(&store.catalog(), &target, options)
}

fn rmi(store: &SnapshotBuilder, references: &[&str], options: RemoveOptions) -> RemovalPlan {
    let references = references.iter().map(|r| r.to_string()).collect();
    plan(store, Target::References(references), options)
}

fn force() -> RemoveOptions {
    RemoveOptions {
        force: true,
        ..RemoveOptions::default()
    }
}

fn plain() -> RemoveOptions {
    RemoveOptions::default()
}

/// What a plan must say, with images by their key in the fixture.
#[derive(Default)]
struct Expect<'a> {
    untagged: &'a [&'a str],
    deleted: &'a [&'a str],
    records_deleted: &'a [&'a str],
    layers: Vec<String>,
    containers: &'a [&'a str],
    reclaimed: u64,
    errors: Vec<PlanError>,
    exit: i32,
}

fn check(store: &SnapshotBuilder, plan: &RemovalPlan, expect: Expect<'_>) {
    let ids = |keys: &[&str]| keys.iter().map(|k| store.id(k)).collect::<Vec<_>>();
    assert_eq!(plan.untagged, expect.untagged, "untagged");
    assert_eq!(plan.deleted, ids(expect.deleted), "deleted");
    assert_eq!(
        plan.records_deleted,
        ids(expect.records_deleted),
        "records deleted"
    );
    assert_eq!(plan.layers, expect.layers, "layers");
    let containers: Vec<String> = expect
        .containers
        .iter()
        .map(|c| store.container_id(c))
        .collect();
    assert_eq!(plan.containers, containers, "containers");
    assert_eq!(plan.reclaimed_bytes, expect.reclaimed, "reclaimed bytes");
    assert_eq!(plan.errors, expect.errors, "errors");
    assert_eq!(plan.exit_code(), expect.exit, "exit code");
    assert_eq!(
        plan.is_empty(),
        plan.untagged.is_empty() && plan.records_deleted.is_empty(),
        "steps"
    );
}

fn top(store: &SnapshotBuilder, key: &str) -> String {
    store.layers_of(key)[0].clone()
}

fn error(reference: &str, message: String, kind: ErrorKind) -> PlanError {
    PlanError {
        reference: reference.to_string(),
        message,
        kind,
    }
}

fn in_use(store: &SnapshotBuilder, reference: &str, container: &str) -> PlanError {
    error(
        reference,
        format!(
            "image used by {}: image is in use by a container: consider listing external containers and force-removing image",
            store.container_id(container)
        ),
        ErrorKind::InUse,
    )
}

// Big data of the fixture's images (see `fixtures::podman`), and the size of every layer
// but app's.
const LAYER: u64 = 2048;
const APP_LAYER: u64 = 3584;
const APP: u64 = 2789;
const INTER: u64 = 2505;
const ON_UNTAGGED: u64 = 2999;
const DANGLING: u64 = 1975;
const CFG_INTER: u64 = 2189;
const MID_CFG: u64 = 2327;
const SIDE: u64 = 1960;

// The scenarios of tests/removal_conformance.rs.

#[test]
fn a_tag_of_an_image_with_several_names_is_only_untagged() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["localhost/app:1.0"], plain());
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/app:1.0"],
            ..Expect::default()
        },
    );
    assert_eq!(
        plan.steps,
        [Step::SetNames {
            image: store.id("app"),
            names: vec![
                "localhost/app:latest".into(),
                "quay.io/example/app:stable".into()
            ],
            taken_from: vec![],
        }]
    );
}

#[test]
fn a_short_name_means_localhost_latest() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["app"], plain());
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/app:latest"],
            ..Expect::default()
        },
    );
}

#[test]
fn an_id_of_an_image_with_several_names_needs_force() {
    let store = fixtures::podman(false);
    let id = store.id("app");
    let prefix = &id[..8];
    let plan = rmi(&store, &[prefix], plain());
    check(
        &store,
        &plan,
        Expect {
            errors: vec![error(
                prefix,
                format!(
                    "unable to delete image {id:?} by ID with more than one tag ([localhost/app:1.0 localhost/app:latest quay.io/example/app:stable]): please force removal"
                ),
                ErrorKind::Other,
            )],
            exit: 125,
            ..Expect::default()
        },
    );
}

#[test]
fn a_digest_of_an_image_with_several_names_needs_force() {
    let store = fixtures::podman(false);
    let id = store.id("app");
    let reference = format!("sha256:{id}");
    let plan = rmi(&store, &[&reference], plain());
    check(
        &store,
        &plan,
        Expect {
            errors: vec![error(
                &reference,
                format!(
                    "unable to delete image {id:?} by digest with more than one tag ([localhost/app:1.0 localhost/app:latest quay.io/example/app:stable]): please force removal"
                ),
                ErrorKind::Other,
            )],
            exit: 125,
            ..Expect::default()
        },
    );
}

#[test]
fn force_by_id_removes_the_containers_and_the_image() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &[&store.id("app")], force());
    check(
        &store,
        &plan,
        Expect {
            untagged: &[
                "localhost/app:1.0",
                "localhost/app:latest",
                "quay.io/example/app:stable",
            ],
            deleted: &["app"],
            records_deleted: &["app"],
            layers: vec![store.container_layer("app-work"), top(&store, "app")],
            containers: &["app-work"],
            reclaimed: APP + APP_LAYER,
            ..Expect::default()
        },
    );
    assert_eq!(
        plan.steps,
        [
            Step::DeleteContainer {
                container: store.container_id("app-work"),
                layer: Some(store.container_layer("app-work")),
            },
            Step::DeleteImage {
                image: store.id("app"),
                layers: vec![top(&store, "app")],
            },
        ]
    );
}

#[test]
fn an_image_used_by_a_container_is_refused() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["localhost/base:1"], plain());
    check(
        &store,
        &plan,
        Expect {
            errors: vec![in_use(&store, "localhost/base:1", "base-work")],
            exit: 2,
            ..Expect::default()
        },
    );
    assert!(plan.is_empty());
}

#[test]
fn an_image_with_children_loses_its_record_but_not_its_layers() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["localhost/base:1"], force());
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/base:1"],
            records_deleted: &["base"],
            layers: vec![store.container_layer("base-work")],
            containers: &["base-work"],
            reclaimed: 1312,
            ..Expect::default()
        },
    );
}

#[test]
fn a_read_only_image_is_refused() {
    let store = fixtures::podman(true);
    let plan = rmi(&store, &["localhost/ro:1"], plain());
    check(
        &store,
        &plan,
        Expect {
            errors: vec![error(
                "localhost/ro:1",
                format!("cannot remove read-only image {:?}", store.id("ro")),
                ErrorKind::Other,
            )],
            exit: 125,
            ..Expect::default()
        },
    );
}

#[test]
fn a_parent_left_dangling_is_removed_too() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["localhost/on-untagged:1"], plain());
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/on-untagged:1"],
            deleted: &["on-untagged", "inter"],
            records_deleted: &["on-untagged", "inter"],
            layers: vec![top(&store, "on-untagged"), top(&store, "inter")],
            reclaimed: ON_UNTAGGED + INTER + 2 * LAYER,
            ..Expect::default()
        },
    );
}

#[test]
fn no_prune_keeps_the_dangling_parent() {
    let store = fixtures::podman(false);
    let options = RemoveOptions {
        no_prune: true,
        ..RemoveOptions::default()
    };
    let plan = rmi(&store, &["localhost/on-untagged:1"], options);
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/on-untagged:1"],
            deleted: &["on-untagged"],
            records_deleted: &["on-untagged"],
            layers: vec![top(&store, "on-untagged")],
            reclaimed: ON_UNTAGGED + LAYER,
            ..Expect::default()
        },
    );
}

#[test]
fn an_unknown_image_exits_1() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["nosuch"], plain());
    check(
        &store,
        &plan,
        Expect {
            errors: vec![error(
                "nosuch",
                "nosuch: image not known".into(),
                ErrorKind::Unknown,
            )],
            exit: 1,
            ..Expect::default()
        },
    );
}

#[test]
fn ignore_skips_unknown_images() {
    let store = fixtures::podman(false);
    let options = RemoveOptions {
        ignore: true,
        ..RemoveOptions::default()
    };
    let plan = rmi(&store, &["nosuch", "localhost/side:1"], options);
    // side keeps its layer for its child, the untagged intermediate.
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/side:1"],
            records_deleted: &["side"],
            reclaimed: SIDE,
            ..Expect::default()
        },
    );
    assert!(plan.silenced.is_empty());
}

#[test]
fn force_hides_unknown_images() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["nosuch", "localhost/mid-cfg:1"], force());
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/mid-cfg:1"],
            deleted: &["mid-cfg", "cfg-inter"],
            records_deleted: &["mid-cfg", "cfg-inter"],
            reclaimed: MID_CFG + CFG_INTER,
            ..Expect::default()
        },
    );
    assert_eq!(
        plan.silenced,
        [error(
            "nosuch",
            "nosuch: image not known".into(),
            ErrorKind::Unknown
        )]
    );
}

#[test]
fn several_references_with_mixed_errors() {
    let store = fixtures::podman(false);
    let plan = rmi(
        &store,
        &["nosuch", "localhost/base:1", "localhost/side:1"],
        plain(),
    );
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/side:1"],
            records_deleted: &["side"],
            reclaimed: SIDE,
            errors: vec![
                error(
                    "nosuch",
                    "nosuch: image not known".into(),
                    ErrorKind::Unknown,
                ),
                in_use(&store, "localhost/base:1", "base-work"),
            ],
            exit: 2,
            ..Expect::default()
        },
    );
}

#[test]
fn every_name_of_an_image_in_one_call() {
    let store = fixtures::podman(false);
    let plan = rmi(
        &store,
        &[
            "localhost/app:1.0",
            "localhost/app:latest",
            "quay.io/example/app:stable",
        ],
        plain(),
    );
    // The last name is not untagged: removing it would delete the image app-work uses.
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/app:1.0", "localhost/app:latest"],
            errors: vec![in_use(&store, "quay.io/example/app:stable", "app-work")],
            exit: 2,
            ..Expect::default()
        },
    );
}

#[test]
fn a_dangling_image_by_id() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &[&store.id("dangling")], plain());
    check(
        &store,
        &plan,
        Expect {
            deleted: &["dangling"],
            records_deleted: &["dangling"],
            layers: vec![top(&store, "dangling")],
            reclaimed: DANGLING + LAYER,
            ..Expect::default()
        },
    );
}

#[test]
fn a_config_only_child_takes_its_untagged_parent() {
    let store = fixtures::podman(false);
    let plan = rmi(&store, &["localhost/mid-cfg:1"], plain());
    // Both share mid's top layer, which mid still uses: no layer goes.
    check(
        &store,
        &plan,
        Expect {
            untagged: &["localhost/mid-cfg:1"],
            deleted: &["mid-cfg", "cfg-inter"],
            records_deleted: &["mid-cfg", "cfg-inter"],
            reclaimed: MID_CFG + CFG_INTER,
            ..Expect::default()
        },
    );
}

/// `rmi --all` without force, on the main store: what `all_removes_what_it_can` and
/// `all_with_read_only_images` replay.
fn all_without_force(store: &SnapshotBuilder) {
    let plan = plan(store, Target::All, plain());
    check(
        store,
        &plan,
        Expect {
            untagged: &[
                "localhost/side:1",
                "localhost/on-untagged:1",
                "localhost/mid-cfg:1",
            ],
            deleted: &["on-untagged", "dangling", "mid-cfg"],
            records_deleted: &[
                "side",
                "inter",
                "on-untagged",
                "dangling",
                "cfg-inter",
                "mid-cfg",
            ],
            layers: vec![
                top(store, "on-untagged"),
                top(store, "inter"),
                top(store, "side"),
                top(store, "dangling"),
            ],
            reclaimed: SIDE + INTER + ON_UNTAGGED + DANGLING + CFG_INTER + MID_CFG + 4 * LAYER,
            errors: vec![
                in_use(store, &store.id("base"), "base-work"),
                in_use(store, &store.id("mid"), "mid-created"),
                in_use(store, &store.id("app"), "app-work"),
            ],
            exit: 2,
            ..Expect::default()
        },
    );
}

#[test]
fn all_removes_what_it_can() {
    all_without_force(&fixtures::podman(false));
}

/// `rmi --all --force` on the main store, read-only images or not.
fn all_with_force(store: &SnapshotBuilder) {
    let plan = plan(store, Target::All, force());
    let base = store.layers_of("base");
    let mid = store.layers_of("mid");
    check(
        store,
        &plan,
        Expect {
            untagged: &[
                "localhost/base:1",
                "localhost/mid:1",
                "localhost/app:1.0",
                "localhost/app:latest",
                "quay.io/example/app:stable",
                "localhost/side:1",
                "localhost/on-untagged:1",
                "localhost/mid-cfg:1",
            ],
            deleted: &["app", "on-untagged", "dangling", "mid-cfg"],
            records_deleted: &[
                "base",
                "mid",
                "app",
                "side",
                "inter",
                "on-untagged",
                "dangling",
                "cfg-inter",
                "mid-cfg",
            ],
            layers: vec![
                store.container_layer("base-work"),
                store.container_layer("mid-created"),
                store.container_layer("app-work"),
                top(store, "app"),
                top(store, "on-untagged"),
                top(store, "inter"),
                top(store, "side"),
                top(store, "dangling"),
                mid[0].clone(),
                base[0].clone(),
            ],
            containers: &["base-work", "mid-created", "app-work"],
            reclaimed: 1312
                + 1960
                + APP
                + SIDE
                + INTER
                + ON_UNTAGGED
                + DANGLING
                + CFG_INTER
                + MID_CFG
                + APP_LAYER
                + 6 * LAYER,
            ..Expect::default()
        },
    );
}

#[test]
fn all_with_force_empties_the_store() {
    all_with_force(&fixtures::podman(false));
}

#[test]
fn all_with_read_only_images() {
    let store = fixtures::podman(true);
    all_with_force(&store);
    all_without_force(&store);
}

#[test]
fn prune_removes_dangling_images() {
    let store = fixtures::podman(false);
    let plan = plan(&store, Target::Prune { all: false }, plain());
    check(
        &store,
        &plan,
        Expect {
            deleted: &["dangling"],
            records_deleted: &["dangling"],
            layers: vec![top(&store, "dangling")],
            reclaimed: DANGLING + LAYER,
            ..Expect::default()
        },
    );
}

#[test]
fn prune_all_removes_every_unused_image() {
    let store = fixtures::podman(true);
    let plan = plan(&store, Target::Prune { all: true }, plain());
    check(
        &store,
        &plan,
        Expect {
            untagged: &[
                "localhost/side:1",
                "localhost/on-untagged:1",
                "localhost/mid-cfg:1",
            ],
            deleted: &["on-untagged", "dangling", "mid-cfg"],
            records_deleted: &[
                "side",
                "inter",
                "on-untagged",
                "dangling",
                "cfg-inter",
                "mid-cfg",
            ],
            layers: vec![
                top(&store, "on-untagged"),
                top(&store, "inter"),
                top(&store, "side"),
                top(&store, "dangling"),
            ],
            reclaimed: SIDE + INTER + ON_UNTAGGED + DANGLING + CFG_INTER + MID_CFG + 4 * LAYER,
            ..Expect::default()
        },
    );
}

// Each rule of `remove_recursive` and its neighbours, positive and negative, on small stores.

/// base ← app (two names), with a container on neither.
fn two_images() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .name("localhost/base:1")
        .layer("base", 10);
    store
        .image("app")
        .from("base")
        .name("localhost/app:1")
        .name("localhost/app:2")
        .layer("app", 20)
        .big_data(3);
    store
}

#[test]
fn lookup_errors_other_than_unknown_are_reported_even_with_force_and_ignore() {
    let store = two_images();
    let options = RemoveOptions {
        force: true,
        ignore: true,
        ..RemoveOptions::default()
    };
    let plan = rmi(&store, &["Bad:1"], options);
    assert_eq!(
        plan.errors,
        [error(
            "Bad:1",
            "repository name must be lowercase".into(),
            ErrorKind::Other
        )]
    );
    assert_eq!(plan.exit_code(), 125);
}

#[test]
fn references_are_grouped_by_image_in_the_order_first_named() {
    let store = two_images();
    let plan = rmi(
        &store,
        &["localhost/app:1", "localhost/base:1", "localhost/app:2"],
        plain(),
    );
    // app's two names are taken together before base is tried, so app goes, then base.
    assert_eq!(
        plan.untagged,
        ["localhost/app:1", "localhost/app:2", "localhost/base:1"]
    );
    assert_eq!(plan.deleted, [store.id("app"), store.id("base")]);
    assert_eq!(plan.reclaimed_bytes, 3 + 20 + 10);
}

#[test]
fn an_image_already_removed_is_done() {
    let store = two_images();
    let plan = rmi(&store, &["localhost/base:1", &store.id("app")], force());
    // base loses its record (app keeps its layer); app by ID then takes base's layer too.
    assert_eq!(plan.records_deleted, [store.id("base"), store.id("app")]);
    let again = rmi(
        &store,
        &[&store.id("base")[..12], "localhost/base:1"],
        plain(),
    );
    assert_eq!(again.records_deleted, [store.id("base")]);
    assert!(again.errors.is_empty(), "{:?}", again.errors);
}

#[test]
fn a_tag_only_untags_while_other_names_remain() {
    let store = two_images();
    let plan = rmi(&store, &["localhost/app:1"], plain());
    assert_eq!(plan.untagged, ["localhost/app:1"]);
    assert!(plan.records_deleted.is_empty());
    // The image's last name deletes it.
    let mut store = two_images();
    store
        .image("app2")
        .from("base")
        .name("localhost/solo:1")
        .layer("solo", 1);
    let plan = rmi(&store, &["localhost/solo:1"], plain());
    assert_eq!(plan.untagged, ["localhost/solo:1"]);
    assert_eq!(plan.deleted, [store.id("app2")]);
}

#[test]
fn an_id_of_an_image_with_several_names_is_removed_with_force() {
    let store = two_images();
    let plan = rmi(&store, &[&store.id("app")[..12]], force());
    assert_eq!(plan.untagged, ["localhost/app:1", "localhost/app:2"]);
    assert_eq!(plan.deleted, [store.id("app")]);
    assert!(plan.errors.is_empty());
}

#[test]
fn an_id_of_an_image_with_one_name_needs_no_force() {
    let store = two_images();
    let plan = rmi(&store, &[&store.id("base")], plain());
    assert_eq!(plan.untagged, ["localhost/base:1"]);
    // app still needs base's layer.
    assert_eq!(plan.records_deleted, [store.id("base")]);
    assert!(plan.deleted.is_empty());
    assert!(plan.layers.is_empty());
}

#[test]
fn force_removes_the_containers_using_the_image_first() {
    let mut store = two_images();
    store.container("c1", "app");
    store.container("c2", "app");
    let plan = rmi(&store, &["localhost/app:1", "localhost/app:2"], force());
    assert_eq!(
        plan.containers,
        [store.container_id("c1"), store.container_id("c2")]
    );
    assert_eq!(
        plan.layers,
        [
            store.container_layer("c1"),
            store.container_layer("c2"),
            top(&store, "app")
        ]
    );
    let refused = rmi(&store, &["localhost/app:1", "localhost/app:2"], plain());
    assert!(refused.containers.is_empty());
    assert_eq!(
        refused.errors,
        [in_use(&store, "localhost/app:2", "c1")],
        "the first container is named"
    );
}

#[test]
fn a_mounted_layer_stops_the_deletion() {
    let mut store = two_images();
    let app_top = top(&store, "app");
    store.layer(&app_top).mounted();
    let plan = rmi(&store, &[&store.id("app")], force());
    assert_eq!(
        plan.errors,
        [error(
            &store.id("app"),
            format!(
                "layer {app_top} of image {} is mounted: unmount it first",
                store.id("app")
            ),
            ErrorKind::Other
        )]
    );
    assert!(plan.records_deleted.is_empty());
    // A mounted layer another image keeps is not deleted, so it stops nothing.
    let mut store = two_images();
    let base_top = top(&store, "base");
    store.layer(&base_top).mounted();
    let plan = rmi(&store, &[&store.id("app")], force());
    assert!(plan.errors.is_empty());
    assert_eq!(plan.layers, [app_top]);
}

#[test]
fn layers_go_top_down_until_another_image_or_child_layer_needs_one() {
    let mut store = two_images();
    store
        .image("other")
        .from("base")
        .name("localhost/other:1")
        .layer("other", 5);
    let plan = rmi(&store, &["localhost/app:1", "localhost/app:2"], plain());
    assert_eq!(
        plan.layers,
        [top(&store, "app")],
        "other still needs base's layer"
    );
    let store = two_images();
    let plan = rmi(
        &store,
        &["localhost/app:1", "localhost/app:2", "localhost/base:1"],
        plain(),
    );
    assert_eq!(plan.layers, [top(&store, "app"), top(&store, "base")]);
}

#[test]
fn mapped_top_layers_go_with_the_top_layer_and_their_children_keep_it() {
    let mut store = two_images();
    let base_top = top(&store, "base");
    store.layer("mapped").parent(&base_top).size(7);
    store.image("app").mapped_top_layer("mapped");
    // containers/storage `DeleteImage` removes them with the top layer, listed before it.
    let plan = rmi(&store, &[&store.id("app")], force());
    assert_eq!(plan.layers, ["mapped".to_string(), top(&store, "app")]);
    assert_eq!(plan.reclaimed_bytes, 3 + 7 + 20);
    // They count towards the image's size.
    let catalog = store.catalog();
    assert_eq!(catalog.sizes.get(store.idx("app")).total, 3 + 20 + 10 + 7);
    // A layer on a mapped top layer keeps the top layer, and so the mapped one.
    store.layer("on-mapped").parent("mapped");
    let plan = rmi(&store, &[&store.id("app")], force());
    assert!(plan.layers.is_empty(), "{:?}", plan.layers);
    assert_eq!(plan.records_deleted, [store.id("app")]);
}

#[test]
fn a_parent_with_a_name_or_other_children_is_not_pruned() {
    let mut store = SnapshotBuilder::podman();
    store.image("base").layer("base", 1);
    store
        .image("a")
        .from("base")
        .name("localhost/a:1")
        .layer("a", 1);
    store
        .image("b")
        .from("base")
        .name("localhost/b:1")
        .layer("b", 1);
    let plan = rmi(&store, &["localhost/a:1"], plain());
    assert_eq!(plan.deleted, [store.id("a")], "b still holds base");
    let plan = rmi(&store, &["localhost/a:1", "localhost/b:1"], plain());
    assert_eq!(
        plan.deleted,
        [store.id("a"), store.id("b"), store.id("base")],
        "the last child takes the untagged base"
    );
}

#[test]
fn a_platform_instance_is_removed_only_with_its_list() {
    let mut store = SnapshotBuilder::podman();
    store.image("amd").layer("amd", 1);
    store.image("arm").layer("arm", 1);
    store
        .image("list")
        .name("localhost/multi:1")
        .list(&[("amd", "linux/amd64"), ("arm", "linux/arm64")]);
    let amd = store.id("amd");
    let plan = rmi(&store, &[&amd], plain());
    assert_eq!(
        plan.errors,
        [error(
            &amd,
            format!(
                "image {amd} is a platform instance of the manifest list localhost/multi:1: remove the list"
            ),
            ErrorKind::Other
        )]
    );
    // Once the list is gone, its instances are images like any other.
    let plan = rmi(&store, &["localhost/multi:1", &amd], plain());
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert_eq!(plan.deleted, [store.id("list"), amd]);
}

#[test]
fn prune_repeats_until_nothing_more_goes() {
    // A chain of untagged images: each round removes the one that is dangling now. With
    // no_prune, parents are not removed along, so only the rounds remove them.
    let mut store = SnapshotBuilder::podman();
    store.image("a").layer("a", 1);
    store.image("b").from("a").layer("b", 1);
    store.image("c").from("b").layer("c", 1);
    let options = RemoveOptions {
        no_prune: true,
        ..RemoveOptions::default()
    };
    let plan = plan(&store, Target::Prune { all: false }, options);
    assert_eq!(
        plan.records_deleted,
        [store.id("c"), store.id("b"), store.id("a")]
    );
}

#[test]
fn prune_skips_images_containers_use_and_read_only_ones() {
    let mut store = SnapshotBuilder::podman();
    store.image("used").layer("used", 1);
    store.image("ro").layer("ro", 1).read_only();
    store.image("free").layer("free", 1);
    store.container("c", "used");
    let plan = plan(&store, Target::Prune { all: true }, plain());
    assert_eq!(plan.records_deleted, [store.id("free")]);
}

#[test]
fn exit_codes_follow_the_worst_error() {
    let store = fixtures::podman(false);
    assert_eq!(rmi(&store, &["nosuch", "other"], plain()).exit_code(), 1);
    assert_eq!(rmi(&store, &["nosuch", "Bad"], plain()).exit_code(), 125);
    assert_eq!(
        rmi(&store, &["nosuch", "Bad", "localhost/base:1"], plain()).exit_code(),
        2
    );
    // Under force, unknown images are not printed and do not fail the command.
    assert_eq!(
        rmi(&store, &["nosuch", "localhost/base:1"], force()).exit_code(),
        0
    );
    assert_eq!(rmi(&store, &["nosuch"], force()).exit_code(), 0);
}

#[test]
fn huge_sizes_saturate_the_reclaimed_bytes() {
    let mut store = SnapshotBuilder::podman();
    store
        .image("a")
        .name("localhost/a:1")
        .layer("a", u64::MAX)
        .layer("b", u64::MAX)
        .big_data(u64::MAX);
    let plan = rmi(&store, &["localhost/a:1"], plain());
    assert_eq!(plan.layers.len(), 2);
    assert_eq!(plan.reclaimed_bytes, u64::MAX);
}
