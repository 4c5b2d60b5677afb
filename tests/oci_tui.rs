//! The browser on the demo: the screens a first-time user sees when the machine has no
//! store (the demo's scratch copy, made in a temporary data folder), rendered into
//! `TestBackend` and compared with insta snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::data::StoreData;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn_core::Catalog;
use cairn_store::{OpenedStore, Selection};
use ratatui::layout::Rect;
use std::sync::Arc;

use common::tui::{HEIGHT, WIDTH, screen};

/// The browser on a fresh scratch copy of the demo, as cairn opens it when the machine has
/// no store; the copy lives as long as the returned folder.
fn demo_app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cairn/demo");
    cairn_store::demo::ensure(&path).unwrap();
    let store = cairn_store::Store::new(cairn_store::oci::OciLayout::demo_copy(&path, true));
    let loaded = store.load().expect("loading the demo");
    let mut app = App::with_catalog(
        store.label(),
        "2023-11-20T12:00:00Z".parse().unwrap(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        Catalog::new(loaded.snapshot),
    );
    app.store = app
        .store
        .map(|s| StoreData::opened(OpenedStore::new(Arc::clone(&s.catalog), loaded.terms)));
    (dir, app)
}

/// The screen with the demo copy's temporary folder written as the data folder it stands for.
fn demo_screen(dir: &tempfile::TempDir, app: &App) -> String {
    screen(app).replace(&dir.path().display().to_string(), "~/.local/share")
}

/// The browser on the OCI layout at `layout`, opened as `--store oci:` opens it (plans told
/// in its blobs), with the list filtered to `filter`.
fn layout_app(layout: &std::path::Path, filter: &str) -> App {
    let selection = Selection {
        store: Some(format!("oci:{}", layout.display())),
        ..Selection::default()
    };
    let loaded = selection.resolve().unwrap().load().unwrap();
    let mut app = App::with_catalog(
        "oci:layout",
        "2023-11-20T12:00:00Z".parse().unwrap(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        Catalog::new(loaded.snapshot),
    );
    app.store = app
        .store
        .map(|s| StoreData::opened(OpenedStore::new(Arc::clone(&s.catalog), loaded.terms)));
    common::tui::filter(&mut app, filter);
    app
}

#[test]
fn demo_main_screen_says_it_is_the_demo() {
    let (dir, app) = demo_app();
    let text = demo_screen(&dir, &app);
    assert!(text.contains("demo: scratch copy at"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn demo_lineage_tree() {
    let (dir, mut app) = demo_app();
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::ExpandAll);
    insta::assert_snapshot!(demo_screen(&dir, &app));
}

/// The first removal a newcomer previews on the demo can be applied: it is not blocked, and
/// it lists the blobs that go.
#[test]
fn demo_remove_preview_can_be_applied() {
    let (dir, mut app) = demo_app();
    app.update(Action::StartRemove);
    let text = demo_screen(&dir, &app);
    assert!(!text.contains("Blocked"), "{text}");
    assert!(text.contains("apply"), "{text}");
    insta::assert_snapshot!(text);
}

/// The remove preview on a layout that can be changed (the demo's files opened as a plain
/// layout; a preview only plans, so nothing is written): what goes is blobs, and the list's
/// platform images go with it.
#[test]
fn remove_preview_of_a_multi_platform_list_on_a_layout() {
    let layout = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let mut app = layout_app(&layout, "multi");
    app.update(Action::StartRemove);
    let text = screen(&app);
    assert!(text.contains("Blobs (7)"), "{text}");
    assert!(text.contains("Deleted images (3)"), "{text}");
    insta::assert_snapshot!(text);
}

/// The tag and untag previews on a layout show the blobs the change deletes, and the
/// request sent to the worker carries them, so that it refuses if they differ then; while a
/// manifest cannot be read, the untag preview says no blob is deleted.
#[test]
fn tag_and_untag_previews_on_a_layout_show_the_blobs_they_delete() {
    use cairn::tui::dialog::Dialog;
    use tui_input::InputRequest;
    let (_dir, layout) = common::demo_copy();
    let stray = cairn_store::digest::Digest::sha256_of(b"a stray blob");
    std::fs::write(
        layout.join("blobs/sha256").join(stray.hex()),
        b"a stray blob",
    )
    .unwrap();
    let open = |layout: &std::path::Path| layout_app(layout, "side");
    let mut app = open(&layout);
    app.update(Action::StartTag);
    for c in "side:2".chars() {
        app.update(Action::TagEdit(InputRequest::InsertChar(c)));
    }
    let text = screen(&app);
    assert!(text.contains("Deletes unreachable blobs (1)"), "{text}");
    assert!(text.contains(&stray.as_str()[..40]), "{text}");
    let Some(Dialog::Tag(dialog)) = &app.dialog else {
        panic!("the tag dialog is open");
    };
    let request = dialog.change().unwrap();
    assert_eq!(request.blobs.len(), 1);
    assert_eq!(request.blobs[0].digest, stray.as_str());

    let tools = app
        .catalog()
        .unwrap()
        .snapshot
        .images
        .iter()
        .find(|i| i.names.iter().any(|n| n == "localhost/tools:1"))
        .and_then(|i| i.digest.clone())
        .unwrap();
    let hex = tools.trim_start_matches("sha256:");
    std::fs::write(layout.join("blobs/sha256").join(hex), b"not json").unwrap();
    let mut app = open(&layout);
    app.update(Action::StartUntag);
    let text = screen(&app);
    assert!(text.contains("no blob is deleted"), "{text}");
    assert!(!text.contains("Deletes unreachable blobs"), "{text}");
}
