//! containers-storage's `ImageSize` (every layer of the image plus its metadata), split into
//! what other images share and what is the image's own; Docker's `system df` view, where the
//! intermediates `docker images` hides do not count as users.

use crate::testing::{SnapshotBuilder, fixtures};
use crate::{ImageIdx, Rules};

fn size_of(store: &SnapshotBuilder, key: &str) -> super::ImageSize {
    store.catalog().sizes.get(store.idx(key))
}

#[test]
fn an_image_is_its_layers_and_its_metadata() {
    let store = fixtures::podman(false);
    // base: one layer and its big data; app: three layers (its own is 3584 bytes).
    assert_eq!(size_of(&store, "base").total, 2048 + 1312);
    assert_eq!(size_of(&store, "app").total, 2 * 2048 + 3584 + 2789);
    // Config-only steps add no layer: mid-cfg is mid's layers and its own metadata.
    assert_eq!(size_of(&store, "mid-cfg").total, 2 * 2048 + 2327);
}

#[test]
fn layers_another_image_uses_are_shared_and_the_rest_unique() {
    let store = fixtures::podman(false);
    let app = size_of(&store, "app");
    assert_eq!(app.shared, 2 * 2048, "base's and mid's layers");
    assert_eq!(app.unique, 3584 + 2789);
    let on_untagged = size_of(&store, "on-untagged");
    assert_eq!(
        on_untagged.unique,
        2048 + 2999,
        "only its top layer is its own"
    );
    // An image alone on its chain shares nothing.
    let mut alone = SnapshotBuilder::podman();
    alone.image("a").layer("a", 10).layer("b", 20).big_data(5);
    let size = alone.catalog().sizes.get(alone.idx("a"));
    assert_eq!((size.shared, size.unique, size.total), (0, 35, 35));
}

#[test]
fn a_size_without_a_diff_digest_is_not_counted() {
    let mut store = SnapshotBuilder::podman();
    store.layer("l").size_without_digest(100);
    store.image("a").top_layer("l");
    assert_eq!(size_of(&store, "a").total, 0);
    store.layer("l").size(100);
    assert_eq!(size_of(&store, "a").total, 100);
}

#[test]
fn docker_sizes_are_what_docker_images_shows() {
    // The SIZE column of `docker images -a` on the fixture (docs/research/docker-20.10.md).
    let store = fixtures::docker();
    for (key, bytes) in [
        ("mid-cfg", 9),
        ("cfg-label", 9),
        ("dangling", 14),
        ("on-untagged", 28),
        ("inter", 23),
        ("side", 10),
        ("app", 23),
        ("app-copy", 23),
        ("app-env", 23),
        ("mid", 9),
        ("base", 5),
    ] {
        assert_eq!(size_of(&store, key).total, bytes, "{key}");
    }
}

#[test]
fn docker_counts_no_hidden_intermediate_as_a_user() {
    // app's layer is used by app and by its two untagged build steps, which `docker images`
    // hides: it is app's own.
    let store = fixtures::docker();
    let app = size_of(&store, "app");
    assert_eq!((app.shared, app.unique), (9, 14));
    // Under podman's rules the same store shares it.
    let snapshot = store.snapshot().with_rules(Rules::Podman);
    let catalog = crate::Catalog::new(snapshot);
    assert_eq!(catalog.sizes.get(store.idx("app")).shared, 23);
}

#[test]
fn huge_sizes_saturate_instead_of_overflowing() {
    let mut store = SnapshotBuilder::podman();
    store
        .image("a")
        .layer("a", u64::MAX / 2)
        .layer("b", u64::MAX / 2)
        .layer("c", u64::MAX / 2)
        .big_data(u64::MAX);
    store.image("b").from("a").layer("d", u64::MAX);
    let catalog = store.catalog();
    let a = catalog.sizes.get(store.idx("a"));
    assert_eq!(a.total, u64::MAX);
    assert_eq!(a.shared, u64::MAX);
    assert_eq!(catalog.sizes.get(store.idx("b")).total, u64::MAX);
}

#[test]
fn an_image_out_of_range_has_no_size() {
    let store = fixtures::podman(false);
    let catalog = store.catalog();
    assert_eq!(
        catalog.sizes.get(ImageIdx(usize::MAX)),
        super::ImageSize::default()
    );
}

#[test]
fn a_registry_counts_each_blob_once_wherever_it_sits() {
    let mut store = SnapshotBuilder::registry();
    store.layer("a").size(10).blob("sha256:a");
    store.layer("b").size(20).blob("sha256:b");
    // The same blob as `a`, on top of `b`: another node of the tree, the same bytes.
    store.layer("b-a").parent("b").size(10).blob("sha256:a");
    store.image("one").top_layer("a").big_data(1);
    store.image("two").top_layer("b-a").big_data(2);
    store.layer("x").size(7).blob("sha256:x");
    store.layer("x-x").parent("x").size(7).blob("sha256:x");
    store.image("twice").top_layer("x-x").big_data(3);
    let one = size_of(&store, "one");
    assert_eq!((one.shared, one.unique, one.total), (10, 1, 11));
    let two = size_of(&store, "two");
    assert_eq!((two.shared, two.unique, two.total), (10, 22, 32));
    let twice = size_of(&store, "twice");
    assert_eq!(
        (twice.shared, twice.unique, twice.total),
        (0, 10, 10),
        "one blob used twice by one image is its own, once"
    );
}

#[test]
fn a_listed_image_is_what_the_listing_says_until_its_layers_are_read() {
    use crate::{Catalog, Image, Listing, Snapshot};
    let listed = |id: &str, size, shared_size| Image {
        id: id.into(),
        listing: Some(Listing { size, shared_size }),
        ..Image::default()
    };
    let snapshot = Snapshot::new(
        vec![
            listed("a", 30, Some(10)),
            listed("b", 30, None),
            listed("c", 5, Some(8)),
        ],
        Vec::new(),
        Vec::new(),
    )
    .with_rules(Rules::Docker);
    let catalog = Catalog::new(snapshot);
    let size = |i: usize| {
        let s = catalog.sizes.get(ImageIdx::from(i));
        (s.total, s.shared, s.unique)
    };
    assert_eq!(size(0), (30, 10, 20));
    assert_eq!(size(1), (30, 0, 30), "a shared size not asked for");
    assert_eq!(size(2), (5, 5, 0), "no more shared than there is");
}
