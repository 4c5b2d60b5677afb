//! `podman tag` / `untag` (libimage `Tag`, `Untag`, containers/storage `SetNames`), the
//! scenarios of tests/removal_conformance.rs on the fixture mirror, podman's name rules, an
//! OCI layout's ref names, and `docker tag` / untagging through `docker rmi`.

use super::{NamesPlan, plan_tag, plan_untag};
use crate::removal::Step;
use crate::testing::{SnapshotBuilder, fixtures};

fn tag(store: &SnapshotBuilder, image: &str, names: &[&str]) -> NamesPlan {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    plan_tag(&store.catalog(), image, &names)
}

fn untag(store: &SnapshotBuilder, image: &str, names: &[&str]) -> NamesPlan {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    plan_untag(&store.catalog(), image, &names)
}

fn set_names(store: &SnapshotBuilder, key: &str, names: &[&str], taken_from: &[&str]) -> Step {
    Step::SetNames {
        image: store.id(key),
        names: names.iter().map(|n| n.to_string()).collect(),
        taken_from: taken_from.iter().map(|k| store.id(k)).collect(),
    }
}

// The scenarios of tests/removal_conformance.rs.

#[test]
fn tag_adds_a_normalized_name() {
    let store = fixtures::podman(false);
    let plan = tag(&store, "localhost/base:1", &["extra", "quay.io/x/base:2"]);
    assert_eq!(plan.image, store.id("base"));
    assert_eq!(plan.tagged, ["localhost/extra:latest", "quay.io/x/base:2"]);
    assert!(plan.untagged.is_empty());
    assert!(plan.errors.is_empty());
    assert_eq!(plan.exit_code(), 0);
    assert_eq!(
        plan.steps,
        [
            set_names(
                &store,
                "base",
                &["localhost/base:1", "localhost/extra:latest"],
                &[]
            ),
            set_names(
                &store,
                "base",
                &[
                    "localhost/base:1",
                    "localhost/extra:latest",
                    "quay.io/x/base:2"
                ],
                &[]
            ),
        ]
    );
}

#[test]
fn tag_moves_a_name_from_another_image() {
    let store = fixtures::podman(false);
    let plan = tag(&store, "localhost/side:1", &["localhost/mid:1"]);
    assert_eq!(plan.tagged, ["localhost/mid:1"]);
    assert_eq!(plan.untagged, ["localhost/mid:1"]);
    assert_eq!(
        plan.steps,
        [set_names(
            &store,
            "side",
            &["localhost/side:1", "localhost/mid:1"],
            &["mid"]
        )]
    );
}

#[test]
fn tag_stops_at_an_invalid_name() {
    let store = fixtures::podman(false);
    let plan = tag(&store, "localhost/base:1", &["good:1", "Bad:1", "later:1"]);
    assert_eq!(plan.tagged, ["localhost/good:1"]);
    // libimage wraps NormalizeName's own "normalizing name" error once more.
    assert_eq!(
        plan.errors,
        [
            r#"normalizing name "Bad:1": normalizing name "Bad:1": repository name must be lowercase"#
        ]
    );
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.exit_code(), 125);
}

#[test]
fn tag_by_digest_is_refused() {
    let store = fixtures::podman(false);
    let plan = tag(&store, "localhost/base:1", &["sha256:abc"]);
    assert_eq!(plan.errors, ["sha256:abc: tag by digest not supported"]);
    assert!(plan.tagged.is_empty() && plan.steps.is_empty());
    let by_digest = format!("localhost/x@sha256:{}", "a".repeat(64));
    let plan = tag(&store, "localhost/base:1", &[&by_digest]);
    assert_eq!(
        plan.errors,
        [format!("{by_digest}: tag by digest not supported")]
    );
}

#[test]
fn untag_one_name() {
    let store = fixtures::podman(false);
    let plan = untag(&store, "localhost/app:1.0", &["app:latest"]);
    assert_eq!(plan.untagged, ["localhost/app:latest"]);
    assert_eq!(
        plan.steps,
        [set_names(
            &store,
            "app",
            &["localhost/app:1.0", "quay.io/example/app:stable"],
            &[]
        )]
    );
}

#[test]
fn untag_every_name() {
    let store = fixtures::podman(false);
    let plan = untag(&store, "localhost/app:1.0", &[]);
    assert_eq!(
        plan.untagged,
        [
            "localhost/app:1.0",
            "localhost/app:latest",
            "quay.io/example/app:stable"
        ]
    );
    assert_eq!(plan.steps.last(), Some(&set_names(&store, "app", &[], &[])));
}

#[test]
fn untag_a_name_the_image_does_not_have() {
    let store = fixtures::podman(false);
    let plan = untag(&store, "localhost/app:1.0", &["localhost/base:1"]);
    assert_eq!(plan.errors, ["localhost/base:1: tag not known"]);
    assert!(plan.untagged.is_empty());
    assert_eq!(plan.exit_code(), 125);
}

// Name rules.

#[test]
fn docker_hub_names_get_library_and_latest() {
    let store = fixtures::podman(false);
    let plan = tag(
        &store,
        "localhost/base:1",
        &["docker.io/alpine", "quay.io/a/b"],
    );
    assert_eq!(
        plan.tagged,
        ["docker.io/library/alpine:latest", "quay.io/a/b:latest"]
    );
}

#[test]
fn untag_by_digest_is_refused() {
    let store = fixtures::podman(false);
    let plan = untag(&store, "localhost/app:1.0", &["sha256:abc", "app:latest"]);
    assert_eq!(plan.errors, ["sha256:abc: untag by digest not supported"]);
    assert!(plan.untagged.is_empty());
}

#[test]
fn an_unknown_image_is_the_only_error() {
    let store = fixtures::podman(false);
    let plan = tag(&store, "nosuch", &["x"]);
    assert_eq!(plan.errors, ["nosuch: image not known"]);
    assert!(plan.image.is_empty());
    let plan = untag(&store, "nosuch", &[]);
    assert_eq!(plan.errors, ["nosuch: image not known"]);
}

#[test]
fn a_layout_name_is_its_ref_name_as_written() {
    let mut store = SnapshotBuilder::layout();
    store.image("a").name("v1").layer("a", 1);
    let plan = tag(&store, "v1", &["v2", "stable-2.0"]);
    assert_eq!(plan.tagged, ["v2", "stable-2.0"]);
    let plan = tag(&store, "v1", &["bad name"]);
    assert_eq!(
        plan.errors,
        [
            r#""bad name" is not a valid OCI ref name: letters and digits, separated by one of -._:@+ or --, in /-separated parts"#
        ]
    );
    let plan = untag(&store, "v1", &["v1"]);
    assert_eq!(plan.untagged, ["v1"]);
}

// Docker.

#[test]
fn docker_tag_uses_familiar_names_and_moves_them() {
    let store = fixtures::docker();
    let plan = tag(
        &store,
        "app:1.0",
        &["new:1", "docker.io/library/foo", "side:1"],
    );
    assert_eq!(plan.tagged, ["new:1", "foo:latest", "side:1"]);
    assert_eq!(plan.untagged, ["side:1"], "side:1 moves from side");
    assert_eq!(
        plan.steps[0],
        Step::DockerTag {
            image: store.id("app"),
            name: "new:1".into()
        }
    );
    // A name the image has changes nothing.
    let plan = tag(&store, "app:1.0", &["app:latest"]);
    assert!(plan.tagged.is_empty() && plan.steps.is_empty());
}

#[test]
fn docker_tag_refuses_digests_and_bad_names() {
    let store = fixtures::docker();
    let digest = format!("x@sha256:{}", "a".repeat(64));
    let plan = tag(&store, "app:1.0", &[&digest]);
    assert_eq!(
        plan.errors,
        ["refusing to create a tag with a digest reference"]
    );
    let plan = tag(&store, "app:1.0", &["Bad:1"]);
    assert_eq!(
        plan.errors,
        [
            r#"Error parsing reference: "Bad:1" is not a valid repository/tag: invalid reference format: repository name must be lowercase"#
        ]
    );
    assert_eq!(plan.exit_code(), 1);
    let plan = tag(&store, "nosuch:1", &["x"]);
    assert_eq!(plan.errors, ["No such image: nosuch:1"]);
}

#[test]
fn docker_untag_takes_names_off_an_image_that_stays() {
    let store = fixtures::docker();
    let plan = untag(&store, "app:1.0", &["app:latest"]);
    assert_eq!(plan.untagged, ["app:latest"]);
    assert!(matches!(plan.steps[..], [Step::DockerUntag { .. }]));
    // A last name is fine while children keep the image.
    let plan = untag(&store, "side:1", &["side:1"]);
    assert_eq!(plan.untagged, ["side:1"]);
}

#[test]
fn docker_untag_refuses_what_would_delete_the_image() {
    let store = fixtures::docker();
    let plan = untag(&store, "mid-cfg:1", &[]);
    let short = &store.id("mid-cfg")[..12];
    assert_eq!(
        plan.errors,
        [format!(
            "Docker deletes image {short} with its last name mid-cfg:1: remove it with `cairn rm mid-cfg:1`"
        )]
    );
    assert!(plan.untagged.is_empty() && plan.steps.is_empty());
    // A stopped container's image: Docker asks for force.
    let plan = untag(&store, "on-untagged:1", &[]);
    assert_eq!(
        plan.errors,
        [format!(
            "conflict: unable to remove repository reference \"on-untagged:1\" (must force) - container {} is using its referenced image {}",
            &store.container_id("leaf-created")[..12],
            &store.id("on-untagged")[..12]
        )]
    );
    let plan = untag(&store, "app:1.0", &["base:1"]);
    assert_eq!(
        plan.errors,
        [format!(
            "base:1 is not a name of image {}",
            &store.id("app")[..12]
        )]
    );
}
