//! Every rule of the Docker planner, and every scenario of `tests/docker_conformance.rs`
//! replayed on the in-memory mirror of its fixture. The expected records are what
//! docs/research/docker-20.10.md shows the real daemon print for the same scenario (with
//! this mirror's IDs): the rules each step's comment names from moby's `image_delete.go`.

use super::*;
use crate::removal::{RemoveOptions, Target};
use crate::testing::{SnapshotBuilder, fixtures};

#[test]
fn a_single_reference_is_one_tag_with_digests_of_its_own_repository() {
    let refs = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let digest = format!("sha256:{}", "a".repeat(64));
    assert!(!is_single_reference(&[]));
    assert!(is_single_reference(&refs(&["app:1"])));
    assert!(!is_single_reference(&refs(&["app:1", "app:2"])));
    assert!(is_single_reference(&refs(&[
        "app:1",
        &format!("app@{digest}")
    ])));
    assert!(!is_single_reference(&refs(&[
        "app:1",
        &format!("other@{digest}")
    ])));
    assert_eq!(repository_of("quay.io:443/a/b:1"), "quay.io:443/a/b");
    assert_eq!(repository_of(&format!("a/b@{digest}")), "a/b");
}

#[test]
fn an_id_prefix_is_matched_with_or_without_the_algorithm() {
    let id = "7e88a14957530b5d55ed3c14aa6649613411532471fd7f6efe33048e0dfff5de";
    assert!(is_image_id_prefix(id, "7e88a1495753"));
    assert!(is_image_id_prefix(id, "sha256:7e88"));
    assert!(!is_image_id_prefix(id, "app:1.0"));
}

fn rmi(store: &SnapshotBuilder, references: &[&str], force: bool) -> RemovalPlan {
    let references = references.iter().map(|r| r.to_string()).collect();
    let options = RemoveOptions {
        force,
        ..RemoveOptions::default()
    };
    crate::removal::plan_removal(&store.catalog(), &Target::References(references), options)
}

fn prune(store: &SnapshotBuilder, all: bool) -> RemovalPlan {
    crate::removal::plan_removal(
        &store.catalog(),
        &Target::Prune { all },
        RemoveOptions::default(),
    )
}

/// The records as `docker rmi` prints them, with `@key` for an image's full ID, `^key` for
/// the top layer that image made, and anything else a name.
fn records(store: &SnapshotBuilder, lines: &[&str]) -> Vec<Record> {
    lines
        .iter()
        .map(|line| {
            if let Some(key) = line.strip_prefix('@') {
                Record::Deleted(format!("sha256:{}", store.id(key)))
            } else if let Some(key) = line.strip_prefix('^') {
                Record::Deleted(format!("sha256:{}", store.layers_of(key)[0]))
            } else {
                Record::Untagged(line.to_string())
            }
        })
        .collect()
}

fn short(store: &SnapshotBuilder, key: &str) -> String {
    store.id(key)[..12].to_string()
}

fn container(store: &SnapshotBuilder, name: &str) -> String {
    store.container_id(name)[..12].to_string()
}

fn error(reference: &str, message: String, kind: ErrorKind) -> PlanError {
    PlanError {
        reference: reference.to_string(),
        message,
        kind,
    }
}

fn no_such(reference: &str) -> PlanError {
    error(
        reference,
        format!("No such image: {reference}"),
        ErrorKind::Unknown,
    )
}

fn has_children(store: &SnapshotBuilder, reference: &str, key: &str) -> PlanError {
    error(
        reference,
        format!(
            "conflict: unable to delete {} (cannot be forced) - image has dependent child images",
            short(store, key)
        ),
        ErrorKind::Other,
    )
}

fn must_force_reference(
    store: &SnapshotBuilder,
    reference: &str,
    key: &str,
    by: &str,
) -> PlanError {
    error(
        reference,
        format!(
            "conflict: unable to remove repository reference {reference:?} (must force) - container {} is using its referenced image {}",
            container(store, by),
            short(store, key)
        ),
        ErrorKind::Other,
    )
}

/// The plan's records, untagged names, deleted images and freed layers agree with each
/// other, and the steps carry exactly the records.
fn consistent(plan: &RemovalPlan) {
    let untagged: Vec<String> = plan
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Untagged(name) => Some(name.clone()),
            Record::Deleted(_) => None,
        })
        .collect();
    assert_eq!(plan.untagged, untagged, "untagged");
    let deleted: Vec<String> = plan
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Deleted(d) => d.strip_prefix("sha256:").map(String::from),
            Record::Untagged(_) => None,
        })
        .collect();
    let mut expected: Vec<String> = plan.deleted.iter().chain(&plan.layers).cloned().collect();
    let mut deleted_sorted = deleted.clone();
    expected.sort();
    deleted_sorted.sort();
    assert_eq!(deleted_sorted, expected, "deleted images and layers");
    let in_steps: Vec<Record> = plan
        .steps
        .iter()
        .flat_map(|step| match step {
            Step::DockerUntag { records, .. } | Step::DockerDelete { records, .. } => {
                records.clone()
            }
            other => panic!("not a Docker step: {other:?}"),
        })
        .collect();
    assert_eq!(in_steps, plan.records, "the steps carry the records");
}

fn check(
    store: &SnapshotBuilder,
    plan: &RemovalPlan,
    expected: &[&str],
    errors: Vec<PlanError>,
    exit: i32,
) {
    assert_eq!(plan.records, records(store, expected), "records");
    assert_eq!(plan.errors, errors, "errors");
    assert_eq!(plan.exit_code(), exit, "exit code");
    consistent(plan);
}

// docker rmi by tag.

#[test]
fn a_tag_with_other_tags_left_is_only_untagged() {
    let store = fixtures::docker();
    let plan = rmi(&store, &["app:latest"], false);
    check(&store, &plan, &["app:latest"], vec![], 0);
    assert_eq!(
        plan.steps,
        [Step::DockerUntag {
            image: store.id("app"),
            name: "app:latest".into(),
            force: false,
            records: records(&store, &["app:latest"]),
        }]
    );
    // The same with force (S1b).
    let plan = rmi(&store, &["app:latest"], true);
    check(&store, &plan, &["app:latest"], vec![], 0);
}

#[test]
fn the_last_tag_of_an_image_a_stopped_container_uses_needs_force() {
    let store = fixtures::docker();
    let plan = rmi(&store, &["on-untagged:1"], false);
    let error = must_force_reference(&store, "on-untagged:1", "on-untagged", "leaf-created");
    check(&store, &plan, &[], vec![error], 1);
    assert!(plan.steps.is_empty());
}

#[test]
fn forced_the_last_tag_goes_with_the_image_and_its_untagged_parent() {
    let store = fixtures::docker();
    let plan = rmi(&store, &["on-untagged:1"], true);
    // The stopped container keeps the layers.
    check(
        &store,
        &plan,
        &["on-untagged:1", "@on-untagged", "@inter"],
        vec![],
        0,
    );
    assert!(plan.layers.is_empty());
    assert_eq!(plan.reclaimed_bytes, 0);
    // app:1.0 likewise takes its two untagged steps (S1).
    let plan = rmi(
        &store,
        &["app:latest", "example/app:stable", "app:1.0"],
        true,
    );
    check(
        &store,
        &plan,
        &[
            "app:latest",
            "example/app:stable",
            "app:1.0",
            "@app",
            "@app-env",
            "@app-copy",
        ],
        vec![],
        0,
    );
}

#[test]
fn the_last_tag_of_an_image_with_children_is_only_untagged() {
    let store = fixtures::docker();
    for force in [false, true] {
        let plan = rmi(&store, &["side:1"], force);
        check(&store, &plan, &["side:1"], vec![], 0);
        assert!(plan.deleted.is_empty());
    }
}

#[test]
fn untagged_parents_go_with_the_child_and_free_their_layers() {
    let mut store = fixtures::docker();
    store.remove_container("leaf-created");
    let plan = rmi(&store, &["on-untagged:1"], false);
    check(
        &store,
        &plan,
        &[
            "on-untagged:1",
            "@on-untagged",
            "^on-untagged",
            "@inter",
            "^inter",
        ],
        vec![],
        0,
    );
    assert_eq!(plan.reclaimed_bytes, 5 + 13);
}

#[test]
fn a_chain_of_config_only_steps_goes_without_layers() {
    let store = fixtures::docker();
    let plan = rmi(&store, &["mid-cfg:1"], false);
    check(
        &store,
        &plan,
        &["mid-cfg:1", "@mid-cfg", "@cfg-label"],
        vec![],
        0,
    );
    assert!(plan.layers.is_empty());
}

#[test]
fn no_prune_keeps_the_untagged_parent() {
    let store = fixtures::docker();
    let options = RemoveOptions {
        no_prune: true,
        ..RemoveOptions::default()
    };
    let plan = crate::removal::plan_removal(
        &store.catalog(),
        &Target::References(vec!["mid-cfg:1".into()]),
        options,
    );
    check(&store, &plan, &["mid-cfg:1", "@mid-cfg"], vec![], 0);
}

// docker rmi by ID.

#[test]
fn an_image_with_several_tags_needs_force_by_id() {
    let store = fixtures::docker();
    let app = short(&store, "app");
    let plan = rmi(&store, &[&app], false);
    let error = error(
        &app,
        format!(
            "conflict: unable to delete {app} (must be forced) - image is referenced in multiple repositories"
        ),
        ErrorKind::Other,
    );
    check(&store, &plan, &[], vec![error.clone()], 1);
    // By the full ID with `sha256:` too (S2b).
    let full = format!("sha256:{}", store.id("app"));
    let plan = rmi(&store, &[&full], false);
    assert_eq!(plan.errors[0].message, error.message);
}

#[test]
fn forced_by_id_every_tag_goes_and_a_stopped_container_keeps_the_layers() {
    let store = fixtures::docker();
    let plan = rmi(&store, &[&store.id("app")], true);
    check(
        &store,
        &plan,
        &[
            "example/app:stable",
            "app:1.0",
            "app:latest",
            "@app",
            "@app-env",
            "@app-copy",
        ],
        vec![],
        0,
    );
}

#[test]
fn forced_by_id_without_containers_the_layers_go_too() {
    let mut store = fixtures::docker();
    store.remove_container("app-created");
    let plan = rmi(&store, &[&short(&store, "app")], true);
    check(
        &store,
        &plan,
        &[
            "example/app:stable",
            "app:1.0",
            "app:latest",
            "@app",
            "@app-env",
            "@app-copy",
            "^app-copy",
        ],
        vec![],
        0,
    );
    assert_eq!(plan.reclaimed_bytes, 14);
    // --no-prune: only the image, whose layer its parents still hold (S6b).
    let options = RemoveOptions {
        force: true,
        no_prune: true,
        ..RemoveOptions::default()
    };
    let plan = crate::removal::plan_removal(
        &store.catalog(),
        &Target::References(vec![store.id("app")]),
        options,
    );
    check(
        &store,
        &plan,
        &["example/app:stable", "app:1.0", "app:latest", "@app"],
        vec![],
        0,
    );
}

#[test]
fn an_image_with_children_cannot_be_removed_even_forced() {
    let store = fixtures::docker();
    let side = short(&store, "side");
    for force in [false, true] {
        let plan = rmi(&store, &[&side], force);
        check(
            &store,
            &plan,
            &[],
            vec![has_children(&store, &side, "side")],
            1,
        );
    }
    let inter = short(&store, "inter");
    let plan = rmi(&store, &[&inter], false);
    check(
        &store,
        &plan,
        &[],
        vec![has_children(&store, &inter, "inter")],
        1,
    );
    // base: children, a container and one tag (S3d, S3e).
    let base = short(&store, "base");
    let plan = rmi(&store, &[&base], false);
    check(
        &store,
        &plan,
        &[],
        vec![has_children(&store, &base, "base")],
        1,
    );
    let plan = rmi(&store, &["base:1"], false);
    let error = must_force_reference(&store, "base:1", "base", "base-created");
    check(&store, &plan, &[], vec![error], 1);
    let plan = rmi(&store, &["base:1"], true);
    check(&store, &plan, &["base:1"], vec![], 0);
}

#[test]
fn an_image_a_stopped_container_uses_needs_force_by_id() {
    let store = fixtures::docker();
    let id = short(&store, "on-untagged");
    let plan = rmi(&store, &[&id], false);
    let error = error(
        &id,
        format!(
            "conflict: unable to delete {id} (must be forced) - image is being used by stopped container {}",
            container(&store, "leaf-created")
        ),
        ErrorKind::Other,
    );
    check(&store, &plan, &[], vec![error], 1);
    // Forced, it goes as by its tag (S4b).
    let plan = rmi(&store, &[&id], true);
    check(
        &store,
        &plan,
        &["on-untagged:1", "@on-untagged", "@inter"],
        vec![],
        0,
    );
}

#[test]
fn a_dangling_image_goes_by_id_with_its_layer() {
    let store = fixtures::docker();
    let plan = rmi(&store, &[&short(&store, "dangling")], false);
    check(&store, &plan, &["@dangling", "^dangling"], vec![], 0);
    assert_eq!(plan.reclaimed_bytes, 9);
    // Used by a stopped container, it needs force (S11b).
    let mut store = fixtures::docker();
    store.container("dangling-created", "dangling");
    let id = short(&store, "dangling");
    let plan = rmi(&store, &[&id], false);
    assert_eq!(
        plan.errors[0].message,
        format!(
            "conflict: unable to delete {id} (must be forced) - image is being used by stopped container {}",
            container(&store, "dangling-created")
        )
    );
}

// Running containers: refused even with force; untagging is all force does.

fn with_runner() -> SnapshotBuilder {
    let mut store = fixtures::docker();
    store.container("runner", "bb").running();
    store
}

#[test]
fn a_running_containers_image_cannot_be_removed_by_id_even_forced() {
    let store = with_runner();
    let bb = short(&store, "bb");
    for force in [false, true] {
        let plan = rmi(&store, &[&bb], force);
        let error = error(
            &bb,
            format!(
                "conflict: unable to delete {bb} (cannot be forced) - image is being used by running container {}",
                container(&store, "runner")
            ),
            ErrorKind::Other,
        );
        check(&store, &plan, &[], vec![error], 1);
    }
}

#[test]
fn a_running_containers_last_tag_needs_force_and_then_only_untags() {
    let store = with_runner();
    let plan = rmi(&store, &["bb:1", "bb:2"], false);
    let error = must_force_reference(&store, "bb:2", "bb", "runner");
    check(&store, &plan, &["bb:1"], vec![error], 1);
    let plan = rmi(&store, &["bb:1", "bb:2"], true);
    check(&store, &plan, &["bb:1", "bb:2"], vec![], 0);
    assert!(plan.deleted.is_empty());
}

// Several references, unknown and invalid ones.

#[test]
fn several_references_each_in_turn_with_every_error_at_the_end() {
    let store = fixtures::docker();
    let side = short(&store, "side");
    let plan = rmi(
        &store,
        &[
            "app:latest",
            "nosuch:1",
            "mid-cfg:1",
            &side,
            "example/app:stable",
        ],
        false,
    );
    check(
        &store,
        &plan,
        &[
            "app:latest",
            "mid-cfg:1",
            "@mid-cfg",
            "@cfg-label",
            "example/app:stable",
        ],
        vec![no_such("nosuch:1"), has_children(&store, &side, "side")],
        1,
    );
}

#[test]
fn unknown_images_are_an_error_unless_forced() {
    let store = fixtures::docker();
    let plan = rmi(&store, &["nosuch:1", "0123456789ab"], false);
    check(
        &store,
        &plan,
        &[],
        vec![no_such("nosuch:1"), no_such("0123456789ab")],
        1,
    );
    let plan = rmi(&store, &["nosuch:1", "app:latest"], true);
    check(&store, &plan, &["app:latest"], vec![no_such("nosuch:1")], 0);
    let plan = rmi(&store, &["Bad:Name"], false);
    let error = error(
        "Bad:Name",
        "invalid reference format: repository name must be lowercase".into(),
        ErrorKind::Other,
    );
    check(&store, &plan, &[], vec![error], 1);
    // A hard conflict still fails a forced command (S8d).
    let side = short(&store, "side");
    let plan = rmi(&store, &["nosuch:1", &side, "app:latest"], true);
    check(
        &store,
        &plan,
        &["app:latest"],
        vec![no_such("nosuch:1"), has_children(&store, &side, "side")],
        1,
    );
}

#[test]
fn the_same_image_twice_is_gone_the_second_time() {
    let mut store = fixtures::docker();
    store.remove_container("leaf-created");
    let id = short(&store, "on-untagged");
    let plan = rmi(&store, &["on-untagged:1", &id], false);
    check(
        &store,
        &plan,
        &[
            "on-untagged:1",
            "@on-untagged",
            "^on-untagged",
            "@inter",
            "^inter",
        ],
        vec![no_such(&id)],
        1,
    );
}

// docker image prune.

#[test]
fn prune_removes_dangling_images_not_used_by_a_container() {
    let store = fixtures::docker();
    let plan = prune(&store, false);
    check(&store, &plan, &["@dangling", "^dangling"], vec![], 0);
    // After `rmi --no-prune mid-cfg:1` its LABEL step is dangling too; a container on the
    // dangling image keeps it (S9d, S11b).
    let mut store = fixtures::docker();
    store.remove_image("mid-cfg");
    store.container("dangling-created", "dangling");
    let plan = prune(&store, false);
    check(&store, &plan, &["@cfg-label"], vec![], 0);
}

fn sorted(mut records: Vec<Record>) -> Vec<String> {
    let mut lines: Vec<String> = records
        .drain(..)
        .map(|r| match r {
            Record::Untagged(n) => format!("untagged: {n}"),
            Record::Deleted(d) => format!("deleted: {d}"),
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn prune_all_untags_what_containers_keep_and_removes_the_rest() {
    // docker walks a map here: only the set of records is docker's.
    let store = fixtures::docker();
    let plan = prune(&store, true);
    let expected = records(
        &store,
        &[
            "side:1",
            "example/app:stable",
            "app:1.0",
            "@dangling",
            "^dangling",
            "mid-cfg:1",
            "@mid-cfg",
            "@cfg-label",
            "bb:1",
            "bb:2",
            "@bb",
            "^bb",
        ],
    );
    assert_eq!(sorted(plan.records.clone()), sorted(expected));
    assert!(plan.errors.is_empty(), "prune is silent about what stays");
    consistent(&plan);

    let mut store = fixtures::docker();
    for name in ["app-created", "base-created", "mid-created", "leaf-created"] {
        store.remove_container(name);
    }
    let plan = prune(&store, true);
    let expected = records(
        &store,
        &[
            "@dangling",
            "^dangling",
            "example/app:stable",
            "app:1.0",
            "app:latest",
            "@app",
            "@app-env",
            "@app-copy",
            "^app-copy",
            "mid-cfg:1",
            "@mid-cfg",
            "@cfg-label",
            "mid:1",
            "@mid",
            "^mid",
            "on-untagged:1",
            "@on-untagged",
            "^on-untagged",
            "@inter",
            "^inter",
            "side:1",
            "@side",
            "^side",
            "base:1",
            "@base",
            "^base",
            "bb:1",
            "bb:2",
            "@bb",
            "^bb",
        ],
    );
    assert_eq!(sorted(plan.records.clone()), sorted(expected));
    assert_eq!(
        plan.reclaimed_bytes,
        5 + 4 + 14 + 5 + 13 + 5 + 9 + 1_000_000
    );
    consistent(&plan);
}

// Rules beyond the fixture.

#[test]
fn the_last_tag_of_a_repository_takes_its_digest_names() {
    let mut store = SnapshotBuilder::docker();
    let digest = format!("sha256:{}", "d".repeat(64));
    store
        .image("img")
        .name("app:1")
        .name("other:1")
        .digest_name(&format!("app@{digest}"))
        .layer("a", 1);
    let plan = rmi(&store, &["app:1"], false);
    check(
        &store,
        &plan,
        &["app:1", &format!("app@{digest}")],
        vec![],
        0,
    );
    // A tag of the repository left keeps them.
    store.image("img").name("app:2");
    let plan = rmi(&store, &["app:1"], false);
    check(&store, &plan, &["app:1"], vec![], 0);
}

#[test]
fn every_image_by_id_for_rmi_all() {
    let mut store = SnapshotBuilder::docker();
    store.image("base").name("base:1").layer("a", 1);
    store.image("child").from("base").layer("b", 2);
    let plan =
        crate::removal::plan_removal(&store.catalog(), &Target::All, RemoveOptions::default());
    // base first: it has a child. The child then goes, and takes nothing more: base has its
    // tag.
    check(
        &store,
        &plan,
        &["@child", "^child"],
        vec![has_children(&store, &short(&store, "base"), "base")],
        1,
    );
}

#[test]
fn ignore_skips_missing_images_only() {
    let store = fixtures::docker();
    let options = RemoveOptions {
        ignore: true,
        ..RemoveOptions::default()
    };
    let plan = crate::removal::plan_removal(
        &store.catalog(),
        &Target::References(vec!["nosuch:1".into(), "Bad:Name".into()]),
        options,
    );
    assert_eq!(plan.errors.len(), 1);
    assert_eq!(plan.errors[0].reference, "Bad:Name");
}

#[test]
fn huge_sizes_saturate_the_reclaimed_bytes() {
    let mut store = SnapshotBuilder::docker();
    store
        .image("a")
        .name("a:1")
        .layer("a", u64::MAX)
        .layer("b", u64::MAX);
    let plan = rmi(&store, &["a:1"], false);
    assert_eq!(plan.layers.len(), 2);
    assert_eq!(plan.reclaimed_bytes, u64::MAX);
}
