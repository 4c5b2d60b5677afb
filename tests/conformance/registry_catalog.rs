//! A real registry that pages its catalog (docker-registry 2.8.2 with `catalog.maxentries`,
//! which refuses an `n` above it): cairn asks again in the registry's own pages and lists
//! every repository, and has nothing to warn of.

use crate::common::registry::{Options, TestRegistry, cairn_api};
use crate::common::{ok, stderr};

#[test]
fn a_catalog_paged_by_maxentries_is_read_whole() {
    let registry = TestRegistry::start_with(&Options {
        catalog_max_entries: Some(2),
        ..Options::default()
    });
    registry.fill();
    let refused = registry.get("/v2/_catalog?n=1000");
    assert!(refused.contains("PAGINATION_NUMBER_INVALID"), "{refused}");
    let cache = tempfile::tempdir().unwrap();
    let out = cairn_api(&registry.addr, cache.path(), &["images", "--all"]);
    assert!(!stderr(&out).contains("Warning"), "{}", stderr(&out));
    let listed = ok(out, "cairn images");
    // Nine repositories, in five pages of two; gone has no tag left.
    for repository in [
        "app",
        "base",
        "library/base",
        "mirror/app",
        "multi",
        "multi-docker",
        "side",
        "tools",
    ] {
        let name = format!("{}/{repository} ", registry.addr);
        assert!(listed.contains(&name), "{name} not listed:\n{listed}");
    }
}
