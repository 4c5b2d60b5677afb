//! The test registry itself: it starts, fills as `scripts/fill-registry.sh` says, and its
//! storage holds what the registry tests rely on.

use crate::common::registry::TestRegistry;
use crate::common::stdout;

#[test]
fn the_test_registry_serves_and_holds_the_scenario() {
    let registry = TestRegistry::filled();
    assert!(
        registry.get("/v2/").starts_with("HTTP/1.0 200"),
        "{}",
        registry.get("/v2/")
    );
    let catalog = registry.get("/v2/_catalog");
    for repository in [
        "app",
        "base",
        "gone",
        "library/base",
        "mirror/app",
        "multi",
        "multi-docker",
        "side",
        "tools",
    ] {
        assert!(catalog.contains(&format!("\"{repository}\"")), "{catalog}");
    }
    let tags = registry.skopeo(&[
        "list-tags",
        "--tls-verify=false",
        &registry.reference("app"),
    ]);
    assert!(
        tags.contains("\"1.0\"") && tags.contains("\"latest\""),
        "{tags}"
    );
    // app:0 was replaced under app:1.0: an untagged revision stays.
    let revisions = registry
        .v2()
        .join("repositories/app/_manifests/revisions/sha256");
    assert_eq!(std::fs::read_dir(revisions).unwrap().count(), 2);
    // gone:1 was deleted: its revision link is gone, its blobs stay until a GC.
    let gone = registry.v2().join("repositories/gone/_manifests/tags");
    assert_eq!(std::fs::read_dir(gone).unwrap().count(), 0);
    let dry_run = registry.garbage_collect(true, false);
    assert!(dry_run.status.success());
    assert!(
        stdout(&dry_run).contains("3 blobs and 0 manifests eligible for deletion"),
        "{}",
        stdout(&dry_run)
    );
}
