//! A registry that does not give its whole catalog: one that caps it, one that refuses it
//! after a page (`tests/common/listing_registry.rs`; docker-registry can be set up to do
//! neither). The listing commands list what was reachable and say on stderr what was not,
//! before the listing.

use crate::common::listing_registry::{Catalog, ListingRegistry};
use crate::common::registry::cairn_api;
use crate::common::{stderr, stdout};
use std::process::Output;

fn cairn_on(registry: &ListingRegistry, args: &[&str]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    cairn_api(&registry.addr, cache.path(), args)
}

#[test]
fn a_capped_catalog_is_said_on_stderr_and_what_it_gave_is_listed() {
    let registry = ListingRegistry::start(Catalog::Capped(1000));
    let out = cairn_on(&registry, &["images"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "Warning: the catalog is capped at 1000 repositories by the registry; showing 1000\n"
    );
    // The repositories hold no tags: the list is podman's header alone.
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
}

#[test]
fn a_catalog_refused_after_its_first_page_is_said_on_stderr() {
    let registry = ListingRegistry::start(Catalog::RefusedAfter(3));
    let out = cairn_on(&registry, &["images", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("Warning: the catalog was refused after 3 repositories ("),
        "{err}"
    );
    assert!(err.contains("403"), "{err}");
    assert!(err.ends_with("); showing 3\n"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
