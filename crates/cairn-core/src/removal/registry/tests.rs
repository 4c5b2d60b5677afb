//! Every rule of the registry planner, each a test named after it (the conformance tier
//! checks the same against docker-registry 2.8.2 and skopeo).

use super::super::{ErrorKind, RemovalPlan, RemoveOptions, Step, Target};
use super::RegistryStep;
use crate::testing::SnapshotBuilder;

const R: &str = "r:5000";

fn rm(store: &SnapshotBuilder, references: &[&str]) -> RemovalPlan {
    let references = references.iter().map(|r| r.to_string()).collect();
    super::super::plan_removal(
        &store.catalog(),
        &Target::References(references),
        RemoveOptions::default(),
    )
}

fn name(short: &str) -> String {
    format!("{R}/{short}")
}

fn delete(store: &SnapshotBuilder, repository: &str, key: &str, tags: &[&str]) -> Step {
    Step::Registry(RegistryStep::Delete {
        repository: name(repository),
        digest: format!("sha256:{}", store.id(key)),
        tags: tags.iter().map(|t| name(t)).collect(),
    })
}

/// base in two repositories, app tagged twice in `app` and once in `mirror/app`.
fn registry() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::registry();
    store
        .image("base")
        .name(&name("base:1"))
        .name(&name("library/base:1"))
        .layer("COPY base /", 100);
    store
        .image("app")
        .from("base")
        .name(&name("app:1.0"))
        .name(&name("app:latest"))
        .name(&name("mirror/app:stable"))
        .layer("COPY app /app", 10);
    store
}

#[test]
fn a_name_deletes_its_digest_from_its_own_repository_with_every_tag_there() {
    let store = registry();
    let plan = rm(&store, &["app:1.0"]);
    assert_eq!(
        plan.steps,
        [delete(&store, "app", "app", &["app:1.0", "app:latest"])]
    );
    assert_eq!(plan.untagged, [name("app:1.0"), name("app:latest")]);
    // Still tagged in mirror/app: nothing is freed.
    assert!(plan.blobs.is_empty());
    assert!(plan.errors.is_empty());
}

#[test]
fn a_digest_deletes_it_from_every_repository_that_tags_it() {
    let store = registry();
    let plan = rm(&store, &[&format!("sha256:{}", store.id("app"))]);
    assert_eq!(
        plan.steps,
        [
            delete(&store, "app", "app", &["app:1.0", "app:latest"]),
            delete(&store, "mirror/app", "app", &["mirror/app:stable"]),
        ]
    );
}

#[test]
fn the_blobs_freed_are_those_no_image_left_uses() {
    let mut store = registry();
    for (key, blob) in [("base", "sha256:b1"), ("app", "sha256:b2")] {
        let top = store.layers_of(key).first().cloned().unwrap();
        store.layer(&top).blob(blob);
    }
    let plan = rm(&store, &[&format!("sha256:{}", store.id("app"))]);
    let blobs: Vec<&str> = plan.blobs.iter().map(|b| b.digest.as_str()).collect();
    assert_eq!(blobs, ["sha256:b2"], "base's blob stays with base");
    assert_eq!(plan.reclaimed_bytes, 10);
    assert_eq!(plan.warnings, [super::GC_BOUND]);
}

/// An index `multi:1` of a tagged platform image and an untagged one.
fn multi() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::registry();
    store
        .image("amd64")
        .name(&name("multi:amd64"))
        .layer("a", 1);
    store.image("arm64").layer("b", 1);
    store
        .image("index")
        .name(&name("multi:1"))
        .list(&[("amd64", "linux/amd64"), ("arm64", "linux/arm64")]);
    store
}

#[test]
fn a_platform_image_an_index_still_needs_is_refused() {
    let store = multi();
    let plan = rm(&store, &["multi:amd64"]);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.errors.len(), 1);
    assert_eq!(plan.errors[0].kind, ErrorKind::Other);
    assert!(plan.errors[0].message.contains("platform image of index"));
}

#[test]
fn an_index_takes_the_children_nothing_else_needs_after_it() {
    let store = multi();
    let plan = rm(&store, &["multi:1"]);
    // The tagged child stays (its tag needs it); the untagged one goes, after its index.
    assert_eq!(
        plan.steps,
        [
            delete(&store, "multi", "index", &["multi:1"]),
            delete(&store, "multi", "arm64", &[]),
        ]
    );
}

#[test]
fn an_unknown_image_is_an_unknown_error() {
    let store = registry();
    let plan = rm(&store, &["nosuch:1"]);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.errors[0].kind, ErrorKind::Unknown);
    assert_eq!(plan.exit_code(), 1);
}

#[test]
fn the_preview_names_the_tags_that_stay_in_other_repositories() {
    let store = registry();
    let plan = rm(&store, &["app:1.0"]);
    let preview = plan.registry.unwrap();
    assert_eq!(preview.tags_kept, [name("mirror/app:stable")]);
    assert_eq!(preview.deletes.len(), 1);
    assert_eq!(
        preview.deletes[0].tags,
        [name("app:1.0"), name("app:latest")]
    );
    assert!(!preview.gc_exact, "over the snapshot alone it is a bound");
    // By digest, from every repository: nothing stays.
    let plan = rm(&store, &[&format!("sha256:{}", store.id("app"))]);
    assert!(plan.registry.unwrap().tags_kept.is_empty());
}

#[test]
fn the_preview_says_which_platform_images_go_with_their_index_and_why_others_stay() {
    let store = multi();
    let plan = rm(&store, &["multi:1"]);
    let children = plan.registry.unwrap().index_children;
    let fate: Vec<(&str, bool, Option<&str>)> = children
        .iter()
        .map(|c| (c.platform.as_str(), c.deleted, c.kept_because.as_deref()))
        .collect();
    let tag = format!("tagged {}", name("multi:amd64"));
    assert_eq!(
        fate,
        [
            ("linux/amd64", false, Some(tag.as_str())),
            ("linux/arm64", true, None),
        ]
    );
    assert_eq!(children[1].index, format!("sha256:{}", store.id("index")));
}

#[test]
fn a_registry_only_read_is_planned_as_its_api_would_do_it_and_marked_read_only() {
    let mut store = SnapshotBuilder::registry();
    store
        .image("app")
        .name(&name("app:1.0"))
        .name(&name("app:latest"))
        .layer("COPY app /app", 10)
        .read_only();
    let plan = rm(&store, &["app:1.0"]);
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert_eq!(plan.untagged, [name("app:1.0"), name("app:latest")]);
    assert!(plan.registry.unwrap().read_only);
}

#[test]
fn a_platform_image_is_refused_in_every_repository_whose_index_needs_it() {
    let store = crate::testing::fixtures::registry();
    let plan = super::super::plan_removal(
        &store.catalog(),
        &Target::References(vec![format!("sha256:{}", store.id("amd64"))]),
        RemoveOptions::default(),
    );
    assert!(plan.steps.is_empty());
    let messages: Vec<&str> = plan.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains(&format!("index sha256:{} in", store.id("multi"))));
    assert!(messages[1].contains(&format!("index sha256:{} in", store.id("multi-docker"))));
}
