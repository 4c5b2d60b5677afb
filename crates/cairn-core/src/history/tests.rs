//! `podman history` rows (libimage's walk down the layers, an image ID used once) and
//! `docker history` rows (the recorded parents), as docs/research shows the tools print them
//! for the same fixture.

use super::{MISSING, history};
use crate::testing::{SnapshotBuilder, fixtures};

/// (ID as a key or `<missing>`, size) of every row, newest first.
fn rows(store: &SnapshotBuilder, key: &str) -> Vec<(String, u64)> {
    let catalog = store.catalog();
    history(&catalog.snapshot, &catalog.tree, store.idx(key))
        .into_iter()
        .map(|row| {
            let id = catalog
                .snapshot
                .images
                .iter()
                .position(|i| i.id == row.id)
                .map_or(row.id.clone(), |_| key_of(store, &row.id));
            (id, row.size)
        })
        .collect()
}

fn key_of(store: &SnapshotBuilder, id: &str) -> String {
    [
        "base",
        "mid",
        "app",
        "side",
        "inter",
        "on-untagged",
        "cfg-inter",
        "mid-cfg",
        "cfg-label",
        "app-copy",
        "app-env",
        "a",
        "b",
    ]
    .iter()
    .find(|k| store.try_id(k).as_deref() == Some(id))
    .map_or(id.to_string(), |k| k.to_string())
}

fn expect(rows: &[(&str, u64)]) -> Vec<(String, u64)> {
    rows.iter()
        .map(|&(id, size)| (id.to_string(), size))
        .collect()
}

#[test]
fn each_step_gets_the_image_on_its_layer() {
    let store = fixtures::podman(false);
    assert_eq!(
        rows(&store, "app"),
        expect(&[("app", 3584), ("mid", 2048), ("base", 2048)])
    );
    assert_eq!(
        rows(&store, "on-untagged"),
        expect(&[
            ("on-untagged", 2048),
            ("inter", 2048),
            ("side", 2048),
            ("base", 2048)
        ])
    );
}

#[test]
fn an_id_is_used_once_and_config_steps_stay_on_the_layer() {
    // podman shows mid's ID on mid-cfg's own top row: mid is the first image on that layer.
    let store = fixtures::podman(false);
    assert_eq!(
        rows(&store, "mid-cfg"),
        expect(&[("mid", 0), (MISSING, 0), (MISSING, 2048), ("base", 2048)])
    );
    assert_eq!(
        rows(&store, "cfg-inter"),
        expect(&[("mid", 0), (MISSING, 2048), ("base", 2048)])
    );
}

#[test]
fn rows_carry_the_steps_and_the_layer_names() {
    let mut store = fixtures::podman(false);
    let top = store.layers_of("app")[0].clone();
    store.layer(&top).name("app-layer");
    let catalog = store.catalog();
    let rows = history(&catalog.snapshot, &catalog.tree, store.idx("app"));
    let created_by: Vec<&str> = rows.iter().map(|r| r.created_by.as_str()).collect();
    assert_eq!(
        created_by,
        [
            "COPY app /app",
            "COPY mid.txt /mid.txt",
            "COPY base.txt /base.txt"
        ]
    );
    assert_eq!(rows[0].tags, ["app-layer"]);
    assert!(rows[1].tags.is_empty());
    assert!(rows[0].created > rows[1].created);
}

#[test]
fn an_image_without_a_config_has_no_history() {
    let mut store = SnapshotBuilder::podman();
    store.image("a").layer("a", 1).no_config();
    assert!(rows(&store, "a").is_empty());
}

#[test]
fn a_missing_top_layer_still_lists_the_steps() {
    let mut store = SnapshotBuilder::podman();
    store.image("a").layer("a", 1).top_layer("gone");
    assert_eq!(rows(&store, "a"), expect(&[("a", 0)]));
}

#[test]
fn docker_rows_follow_the_recorded_parents() {
    // `docker history app:1.0` and `mid-cfg:1` in docs/research/docker-20.10.md.
    let store = fixtures::docker();
    assert_eq!(
        rows(&store, "app"),
        expect(&[
            ("app", 0),
            ("app-env", 0),
            ("app-copy", 14),
            ("mid", 4),
            ("base", 5)
        ])
    );
    assert_eq!(
        rows(&store, "mid-cfg"),
        expect(&[("mid-cfg", 0), ("cfg-label", 0), ("mid", 4), ("base", 5)])
    );
    let catalog = store.catalog();
    let app = history(&catalog.snapshot, &catalog.tree, store.idx("app"));
    assert_eq!(app[0].tags, ["example/app:stable", "app:1.0", "app:latest"]);
    assert_eq!(app[3].tags, ["mid:1"]);
}

#[test]
fn docker_rows_without_a_recorded_parent_are_missing() {
    let mut store = SnapshotBuilder::docker();
    store.image("a").name("a:1").layer("a", 1);
    store
        .image("b")
        .from("a")
        .name("b:1")
        .layer("b", 2)
        .pulled();
    assert_eq!(rows(&store, "b"), expect(&[("b", 2), (MISSING, 1)]));
}
