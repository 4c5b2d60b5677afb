//! IMAGE resolved in the order podman's libimage `LookupImage` tries, with its messages, as
//! docs/research/podman-4.3.1.md shows them on the fixture; and Docker's `GetImage`.

use super::{LookupError, ShortNames, lookup, lookup_resolved};
use crate::testing::{SnapshotBuilder, fixtures};

const BASE: &str = "c1c83995c1aa2704075b7103e944fbaeff164bce37adbf149056cd165b987e9c";
const CFG: &str = "8ba1521529d6e2cbd8b4a2b4d1a4ffb0c4b5f1d1bd0e40f0d0a7a5b1e5c2ad41";
const INTER: &str = "89ab2931431252e68cad28d8a9e2145631839b5b67dbf980cbc665c7e6216f14";
const DIGEST: &str = "sha256:dc34df5d5c6808b8aab9c81b4a95a7df384d53dff203255f80f37193df5408fa";

/// The podman fixture's names and the IDs whose prefixes the research notes try.
fn store() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .id(BASE)
        .name("localhost/base:1")
        .layer("base", 1);
    store
        .image("app")
        .from("base")
        .name("localhost/app:1.0")
        .name("localhost/app:latest")
        .name("quay.io/example/app:stable")
        .digest(DIGEST)
        .layer("app", 1);
    store
        .image("cfg")
        .id(CFG)
        .from("base")
        .config_step("LABEL a=b");
    store
        .image("inter")
        .id(INTER)
        .from("base")
        .layer("inter", 1);
    store
}

fn found(store: &SnapshotBuilder, name: &str) -> Result<String, LookupError> {
    let snapshot = store.snapshot();
    lookup(&snapshot, name).map(|i| snapshot.images[i].id.clone())
}

fn not_known(name: &str) -> Result<String, LookupError> {
    Err(LookupError::NotKnown(name.to_string()))
}

#[test]
fn a_short_name_is_localhost_with_latest() {
    let store = store();
    assert_eq!(found(&store, "base:1"), Ok(BASE.to_string()));
    assert_eq!(found(&store, "localhost/base:1"), Ok(BASE.to_string()));
    assert_eq!(found(&store, "base"), not_known("base"));
    assert_eq!(found(&store, "localhost/base"), not_known("localhost/base"));
    assert_eq!(
        found(&store, "docker.io/library/base:1"),
        not_known("docker.io/library/base:1")
    );
    assert_eq!(found(&store, "app"), Ok(store.id("app")));
    let snapshot = store.snapshot();
    assert_eq!(
        lookup_resolved(&snapshot, "app").map(|(_, name)| name),
        Ok("localhost/app:latest".to_string())
    );
}

#[test]
fn a_name_without_a_registry_matches_a_repository_path_suffix_with_its_tag() {
    let store = store();
    let app = Ok(store.id("app"));
    assert_eq!(found(&store, "app:stable"), app);
    assert_eq!(found(&store, "example/app:stable"), app);
    assert_eq!(found(&store, "example/app"), not_known("example/app"));
    assert_eq!(
        found(&store, "quay.io/app:stable"),
        not_known("quay.io/app:stable")
    );
    assert_eq!(found(&store, "ple/app:stable"), not_known("ple/app:stable"));
    let snapshot = store.snapshot();
    assert_eq!(
        lookup_resolved(&snapshot, "app:stable").map(|(_, name)| name),
        Ok("quay.io/example/app:stable".to_string())
    );
}

#[test]
fn an_id_prefix_must_be_unique() {
    let store = store();
    assert_eq!(found(&store, "c"), Ok(BASE.to_string()));
    assert_eq!(found(&store, "89"), Ok(INTER.to_string()));
    // Ambiguous: podman says it does not know it.
    assert_eq!(found(&store, "8"), not_known("8"));
    assert_eq!(found(&store, BASE), Ok(BASE.to_string()));
    assert_eq!(
        found(&store, &format!("sha256:{BASE}")),
        Ok(BASE.to_string())
    );
}

#[test]
fn a_digest_must_be_a_whole_one() {
    let store = store();
    for name in ["sha256:abc", "sha256:c1c8", "sha256:c1c83995c1aa"] {
        assert_eq!(
            found(&store, name),
            Err(LookupError::NoHexValue(name.to_string()))
        );
        assert_eq!(
            LookupError::NoHexValue(name.to_string()).to_string(),
            format!("{name}: invalid format: no 64-byte hexadecimal value")
        );
    }
    let unknown = format!("sha256:{}", "0".repeat(64));
    assert_eq!(found(&store, &unknown), not_known(&unknown));
}

#[test]
fn a_manifest_digest_finds_its_image() {
    let store = store();
    let by_digest = format!("localhost/app@{DIGEST}");
    assert_eq!(found(&store, &by_digest), Ok(store.id("app")));
    let other = format!("localhost/app@sha256:{}", "1".repeat(64));
    assert_eq!(found(&store, &other), not_known(&other));
}

#[test]
fn bad_references_are_refused_with_podmans_words() {
    let store = store();
    assert_eq!(
        found(&store, "Base:1"),
        Err(LookupError::Syntax(
            "repository name must be lowercase".into()
        ))
    );
    assert_eq!(
        found(&store, "localhost/base:1@sha256:abc"),
        Err(LookupError::Syntax("invalid reference format".into()))
    );
    assert_eq!(
        LookupError::NotKnown("x".into()).to_string(),
        "x: image not known"
    );
}

#[test]
fn layer_and_container_ids_are_not_images() {
    let mut store = store();
    store.container("c", "app");
    let layer = store.layers_of("app")[0].clone();
    assert_eq!(found(&store, &layer), not_known(&layer));
    let container = store.container_id("c");
    assert_eq!(found(&store, &container), not_known(&container));
}

#[test]
fn names_of_the_podman_fixture_resolve() {
    let store = fixtures::podman(true);
    for (name, key) in [
        ("localhost/mid-cfg:1", "mid-cfg"),
        ("on-untagged:1", "on-untagged"),
        ("ro-child:1", "ro-child"),
        ("app:1.0", "app"),
    ] {
        assert_eq!(found(&store, name), Ok(store.id(key)), "{name}");
    }
}

#[test]
fn docker_names_are_familiar_and_ids_full_or_unique_prefixes() {
    let store = fixtures::docker();
    let app = Ok(store.id("app"));
    for name in [
        "app:latest",
        "app",
        "app:1.0",
        "docker.io/library/app:1.0",
        "example/app:stable",
        "docker.io/example/app:stable",
    ] {
        assert_eq!(found(&store, name), app, "{name}");
    }
    let id = store.id("app");
    assert_eq!(found(&store, &id), app);
    assert_eq!(found(&store, &format!("sha256:{id}")), app);
    assert_eq!(found(&store, &id[..12]), app);
    let no_such = |name: &str| Err(LookupError::NoSuchImage(name.to_string()));
    assert_eq!(found(&store, "nosuch:1"), no_such("nosuch:1"));
    assert_eq!(found(&store, "0123456789ab"), no_such("0123456789ab"));
    let unknown = format!("sha256:{}", "0123456789abcdef".repeat(4));
    assert_eq!(found(&store, &unknown), no_such(&unknown));
    assert_eq!(
        LookupError::NoSuchImage("x".into()).to_string(),
        "No such image: x"
    );
    // docs/research/docker-20.10.md, S7.
    assert_eq!(
        found(&store, "Bad:Name"),
        Err(LookupError::Syntax(
            "invalid reference format: repository name must be lowercase".into()
        ))
    );
    assert_eq!(found(&store, ""), no_such(""));
}

/// Two images named `tool:1` in two registries, and one only an alias reaches.
fn registries_store() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::podman();
    store
        .image("hub")
        .name("docker.io/library/tool:1")
        .layer("hub", 1);
    store.image("quay").name("quay.io/tool:1").layer("quay", 1);
    store
        .image("special")
        .name("quay.io/team/special:latest")
        .name("quay.io/team/special:2")
        .layer("special", 1);
    store
}

fn resolved(snapshot: &crate::Snapshot, name: &str) -> Result<String, LookupError> {
    lookup_resolved(snapshot, name).map(|(_, name)| name)
}

#[test]
fn unqualified_search_registries_come_after_localhost_and_before_docker_hub() {
    let store = registries_store();
    let plain = store.snapshot();
    assert_eq!(
        resolved(&plain, "tool:1"),
        Ok("docker.io/library/tool:1".into())
    );
    let searched = store.snapshot().with_short_names(ShortNames {
        search_registries: vec!["registry.example.com".into(), "quay.io".into()],
        ..ShortNames::default()
    });
    assert_eq!(resolved(&searched, "tool:1"), Ok("quay.io/tool:1".into()));
    // docker.io in the list is Docker Hub's library, as podman normalizes it.
    let hub = store.snapshot().with_short_names(ShortNames {
        search_registries: vec!["docker.io".into(), "quay.io".into()],
        ..ShortNames::default()
    });
    assert_eq!(
        resolved(&hub, "tool:1"),
        Ok("docker.io/library/tool:1".into())
    );
}

#[test]
fn an_alias_comes_first_and_keeps_the_tag_or_digest() {
    let store = registries_store();
    let aliased = store.snapshot().with_short_names(ShortNames {
        aliases: [("mytool".to_string(), "quay.io/team/special".to_string())].into(),
        ..ShortNames::default()
    });
    assert_eq!(
        resolved(&aliased, "mytool"),
        Ok("quay.io/team/special:latest".into())
    );
    assert_eq!(
        resolved(&aliased, "mytool:2"),
        Ok("quay.io/team/special:2".into())
    );
    assert_eq!(resolved(&aliased, "mytool:3"), not_known("mytool:3"));
    assert_eq!(resolved(&store.snapshot(), "mytool"), not_known("mytool"));
    // An alias of a name that is also local wins over localhost.
    let tool = store.snapshot().with_short_names(ShortNames {
        aliases: [("tool".to_string(), "quay.io/tool".to_string())].into(),
        ..ShortNames::default()
    });
    assert_eq!(resolved(&tool, "tool:1"), Ok("quay.io/tool:1".into()));
}

#[test]
fn broken_registries_conf_knows_no_short_name() {
    let store = registries_store();
    let broken = store.snapshot().with_short_names(ShortNames {
        broken: Some("registries.conf: bad".into()),
        ..ShortNames::default()
    });
    assert_eq!(resolved(&broken, "tool:1"), not_known("tool:1"));
    assert_eq!(
        resolved(&broken, "quay.io/tool:1"),
        Ok("quay.io/tool:1".into())
    );
}

#[test]
fn a_reference_splits_at_its_tag_or_digest() {
    use super::split_reference;
    assert_eq!(split_reference("app"), ("app", ""));
    assert_eq!(split_reference("app:1"), ("app", ":1"));
    assert_eq!(split_reference("team/app:1"), ("team/app", ":1"));
    assert_eq!(split_reference("app@sha256:ab"), ("app", "@sha256:ab"));
    assert_eq!(split_reference("app:1@sha256:ab"), ("app", ":1@sha256:ab"));
}
