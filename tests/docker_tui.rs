//! The browser on a Docker Engine's images, built in memory with the shared snapshot builder
//! (a daemon's image IDs change with every fixture build, snapshots must not): the list hides
//! the classic builder's steps, the lineage follows Docker's recorded parents, and the remove
//! preview gives Docker's answers, which differ from podman's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::data::StoreData;
use cairn::tui::dialog::Dialog;
use cairn::tui::loader::LoaderMsg;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn_core::testing::SnapshotBuilder;
use cairn_core::{Catalog, Image, Listing, Rules, Snapshot};
use jiff::Timestamp;
use ratatui::layout::Rect;
use std::sync::Arc;

use common::tui::{HEIGHT, WIDTH, screen};

/// base:1 ← [untagged COPY step] ← app:1.0, app:latest (an ENV step on top, a running
/// container `web`); base:1 ← tool:1 (a stopped container `job`). Each image's ID is its
/// letter repeated, so the screens and the daemon's messages name it readably.
fn docker_store() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::docker();
    let copy = |n: usize| format!("/bin/sh -c #(nop) COPY file:{n} in /f{n} ");
    store
        .image("a")
        .id(&"a".repeat(64))
        .name("base:1")
        .layer(&copy(0), 5);
    store
        .image("b")
        .id(&"b".repeat(64))
        .from("a")
        .layer(&copy(1), 14);
    store
        .image("c")
        .id(&"c".repeat(64))
        .from("b")
        .name("app:1.0")
        .name("app:latest")
        .config_step("/bin/sh -c #(nop)  ENV STEP=2");
    store
        .image("d")
        .id(&"d".repeat(64))
        .from("a")
        .name("tool:1")
        .layer(&copy(1), 9);
    store.container("web", "c").running();
    store.container("job", "d");
    store
}

fn docker_app() -> App {
    App::with_catalog(
        "docker unix:///var/run/docker.sock",
        Timestamp::from_second(1_700_000_000 + 3600).unwrap(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        docker_store().catalog(),
    )
}

/// The short ID of a container of the store, as the daemon's messages give it.
fn container(name: &str) -> String {
    docker_store().container_id(name)[..12].to_string()
}

/// What the open remove dialog's plan says is blocked.
fn blocked(app: &App) -> Vec<String> {
    match &app.dialog {
        Some(Dialog::Remove(dialog)) => dialog
            .plan
            .errors
            .iter()
            .map(|e| e.message.clone())
            .collect(),
        other => panic!("no remove dialog: {other:?}"),
    }
}

fn select(app: &mut App, filter: &str) {
    app.update(Action::StartFilter);
    for c in filter.chars() {
        app.update(Action::FilterInput(c));
    }
    app.update(Action::FilterAccept);
}

#[test]
fn docker_list_and_lineage_from_recorded_parents() {
    let mut app = docker_app();
    select(&mut app, "app");
    app.update(Action::FocusPane(Pane::Lineage));
    let text = screen(&app);
    assert!(
        text.contains("1 ancestors") || text.contains("2 ancestors"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn docker_remove_preview_refuses_an_image_a_running_container_uses() {
    let mut app = docker_app();
    select(&mut app, "app");
    app.update(Action::StartRemove);
    app.update(Action::ToggleForce);
    assert_eq!(
        blocked(&app),
        [format!(
            "conflict: unable to delete cccccccccccc (cannot be forced) - image is being used by running container {}",
            container("web")
        )]
    );
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn docker_remove_preview_forced_leaves_the_stopped_container() {
    let mut app = docker_app();
    select(&mut app, "tool");
    app.update(Action::StartRemove);
    assert_eq!(
        blocked(&app),
        [format!(
            "conflict: unable to delete dddddddddddd (must be forced) - image is being used by stopped container {}",
            container("job")
        )]
    );
    app.update(Action::ToggleForce);
    assert!(blocked(&app).is_empty());
    let text = screen(&app);
    assert!(text.contains("Deleted images (1)"), "{text}");
    assert!(
        !text.contains("Containers ("),
        "Docker removes no container:\n{text}"
    );
    insta::assert_snapshot!(text);
}

/// The store as the daemon's listing alone gives it (`load_list`, `/images/json`): names,
/// recorded parents, dates and the sizes the daemon reports; no layers, no configs.
fn listed_catalog() -> Catalog {
    let full = docker_store().catalog();
    let images = full
        .snapshot
        .images
        .iter_enumerated()
        .map(|(idx, image)| Image {
            id: image.id.clone(),
            names: image.names.clone(),
            digest_names: image.digest_names.clone(),
            parent: image.parent.clone(),
            created: image.created,
            listing: Some(Listing {
                size: full.sizes.get(idx).total,
                shared_size: None,
            }),
            ..Image::default()
        })
        .collect();
    let containers = full.snapshot.containers.iter().cloned().collect();
    Catalog::without_lineage(
        Snapshot::new(images, Vec::new(), containers).with_rules(Rules::Docker),
    )
}

/// The list is on screen from the daemon's listing, with the sizes it reports, before any
/// image is inspected; what is shared is said once the layers are read.
#[test]
fn docker_list_first_then_the_details() {
    let mut app = App::new(
        "docker unix:///var/run/docker.sock",
        Timestamp::from_second(1_700_000_000 + 3600).unwrap(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
    );
    app.receive(LoaderMsg::Listed {
        generation: 1,
        data: StoreData::new(Arc::new(listed_catalog())),
    });
    select(&mut app, "app");
    app.update(Action::FocusPane(Pane::Details));
    let text = screen(&app);
    assert!(text.contains("app:1.0 +1"), "{text}");
    assert!(
        text.contains("19 B · layers not read yet"),
        "the listing's size, sharing not known yet:\n{text}"
    );
    insta::assert_snapshot!(text);

    let mut full = docker_store().catalog();
    let lineage = std::mem::take(&mut full.lineage);
    app.receive(LoaderMsg::Loaded {
        generation: 1,
        data: StoreData::new(Arc::new(full)),
    });
    app.receive(LoaderMsg::Lineage {
        generation: 1,
        lineage,
    });
    let text = screen(&app);
    assert!(
        text.contains("19 B · shared 5 B · unique 14 B"),
        "the layers read:\n{text}"
    );
    assert_eq!(app.message, None, "the same load is not a reload");
}
