//! The browser on a registry's storage (the committed fixture a real registry wrote): images
//! named by every tag in every repository, untagged revisions, lineage across repositories,
//! and a removal preview that says the store is read-only. Rendered into `TestBackend` and
//! compared with insta snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn_core::Catalog;
use cairn_store::Selection;
use ratatui::layout::Rect;

use common::tui::{HEIGHT, WIDTH, screen};

fn registry_app(filter: &str) -> App {
    let storage =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry-storage");
    let selection = Selection {
        store: Some(format!("registry-storage:{}", storage.display())),
        ..Selection::default()
    };
    let store = selection.resolve().unwrap();
    let loaded = store.load().unwrap();
    let mut app = App::with_catalog(
        "registry-storage:tests/fixtures/registry-storage",
        "2023-11-20T12:00:00Z".parse().unwrap(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        Catalog::new(loaded.snapshot),
    );
    common::tui::filter(&mut app, filter);
    app
}

#[test]
fn registry_storage_lineage_across_repositories() {
    let mut app = registry_app("base");
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::ExpandAll);
    let text = screen(&app);
    for name in ["base:1", "tools:1", "app:1", "registry-storage:"] {
        assert!(text.contains(name), "{name} not shown:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn registry_storage_remove_preview_is_blocked_read_only() {
    let mut app = registry_app("app");
    app.update(Action::StartRemove);
    let text = screen(&app);
    assert!(text.contains("read-only"), "{text}");
    insta::assert_snapshot!(text);
}

/// A registry's cached listing is shown at once, marked with its age, while the registry is
/// asked again; the list the registry gives then replaces it, and the mark goes.
#[test]
fn registry_cached_listing_is_marked_until_the_registry_answers() {
    use cairn::tui::data::StoreData;
    use cairn::tui::loader::LoaderMsg;
    use std::sync::Arc;
    let storage =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry-storage");
    let store = Selection {
        store: Some(format!("registry-storage:{}", storage.display())),
        ..Selection::default()
    }
    .resolve()
    .unwrap();
    let data = || {
        let loaded = store.load().unwrap();
        StoreData::new(Arc::new(Catalog::without_lineage(loaded.snapshot)))
    };
    let now: jiff::Timestamp = "2023-11-20T12:00:00Z".parse().unwrap();
    let mut app = App::new(
        "registry 127.0.0.1:5000",
        now,
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
    );
    let mut cached = data();
    cached.cached_at = Some(now - jiff::SignedDuration::from_mins(3));
    app.receive(LoaderMsg::Listed {
        generation: 1,
        data: cached,
    });
    let text = screen(&app);
    assert!(text.contains("cached 3 minutes ago"), "{text}");
    assert!(text.contains("asking the registry again"), "{text}");
    insta::assert_snapshot!(text);
    app.receive(LoaderMsg::Loaded {
        generation: 1,
        data: data(),
    });
    let text = screen(&app);
    assert!(!text.contains("cached"), "{text}");
}
