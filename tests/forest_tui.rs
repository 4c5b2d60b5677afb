//! The layer forest, the lineage pane's second mode (`f`), on the in-memory copy of the podman
//! fixture store: every screen state as an insta snapshot at 120x40, and the selection kept
//! in step with the image list both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::data::StoreData;
use cairn::tui::loader::LoaderMsg;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn_core::{Catalog, ImageIdx, Snapshot};
use common::tui::screen;
use common::tui_store::{area, fixture_app, fixture_catalog, now};
use std::sync::Arc;

fn image(app: &App, name: &str) -> ImageIdx {
    let store = app.store.clone().unwrap();
    store
        .facts
        .names
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("{name} is not in the fixture"))
}

/// The fixture with `name` selected in the list and the forest shown.
fn forest_on(name: &str) -> App {
    let mut app = fixture_app();
    let image = image(&app, name);
    app.jump_to(image);
    app.update(Action::ToggleForest);
    app.message = None;
    app
}

/// The layer under the forest's cursor, as its short ID.
fn cursor_layer(app: &App) -> String {
    let catalog = app.catalog().unwrap();
    let layer = app.panes.forest.cursor_layer().unwrap();
    catalog.snapshot.layers[layer].id[..12].to_string()
}

fn top_layer(app: &App, image: ImageIdx) -> String {
    let catalog = app.catalog().unwrap();
    catalog.snapshot.images[image].top_layer.clone().unwrap()[..12].to_string()
}

#[test]
fn forest_shows_the_selected_images_top_layer() {
    let app = forest_on("localhost/app:1.0");
    assert_eq!(app.focus, Pane::Lineage);
    let selected = app.selected().unwrap();
    assert_eq!(cursor_layer(&app), top_layer(&app, selected));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn forest_zoomed_and_all_open() {
    let mut app = forest_on("localhost/base:1");
    app.update(Action::ExpandAll);
    app.update(Action::ToggleZoom);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn forest_all_closed() {
    let mut app = forest_on("localhost/app:1.0");
    app.update(Action::CollapseAll);
    let rows = &app.panes.forest.rows;
    assert!(rows.iter().all(|r| r.depth == 0 && !r.branch));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn forest_before_the_store_is_read() {
    let mut app = App::new("fixture (vfs)", now(), area(), Theme::colored());
    app.update(Action::ToggleForest);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn forest_of_an_empty_store() {
    let catalog = Catalog::new(Snapshot::default());
    let mut app = App::with_catalog("empty (vfs)", now(), area(), Theme::colored(), catalog);
    app.update(Action::ToggleForest);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn moving_in_the_forest_selects_the_image_a_layer_tops() {
    let mut app = forest_on("localhost/base:1");
    app.update(Action::ExpandAll);
    let before = app.selected().unwrap();
    // Down until the cursor's layer tops an image other than the one selected.
    let mut moved_to = None;
    for _ in 0..app.panes.forest.rows.len() {
        app.update(Action::Down);
        let catalog = app.catalog().unwrap();
        let layer = app.panes.forest.cursor_layer().unwrap();
        let tops = &catalog.tree.node(layer).images;
        if !tops.is_empty() && !tops.contains(&before) {
            moved_to = Some(tops.clone());
            break;
        }
    }
    let tops = moved_to.expect("the fixture has a layer topping another image");
    let now_selected = app.selected().unwrap();
    assert!(tops.contains(&now_selected), "the list follows the forest");
    assert_eq!(app.focus, Pane::Lineage, "the focus stays in the forest");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn moving_in_the_list_moves_the_forest() {
    let mut app = forest_on("localhost/base:1");
    app.update(Action::FocusPane(Pane::Images));
    for _ in 0..3 {
        app.update(Action::Down);
        let selected = app.selected().unwrap();
        assert_eq!(cursor_layer(&app), top_layer(&app, selected));
    }
}

#[test]
fn closing_a_fork_keeps_the_cursor_on_it_and_hides_its_branches() {
    let mut app = forest_on("localhost/app:1.0");
    app.update(Action::CollapseAll);
    let roots = app.panes.forest.rows.len();
    app.update(Action::First);
    app.update(Action::Expand);
    assert!(app.panes.forest.rows.len() > roots);
    let opened = cursor_layer(&app);
    app.update(Action::ToggleNode);
    assert_eq!(app.panes.forest.rows.len(), roots);
    assert_eq!(cursor_layer(&app), opened);
}

#[test]
fn enter_in_the_forest_selects_the_image_in_the_list() {
    let mut app = forest_on("localhost/app:1.0");
    let selected = app.selected();
    app.update(Action::Activate);
    assert_eq!(app.focus, Pane::Images);
    assert_eq!(app.selected(), selected);
}

#[test]
fn what_was_opened_stays_open_over_a_reload() {
    let mut app = forest_on("localhost/app:1.0");
    app.update(Action::ExpandAll);
    let rows = app.panes.forest.rows.clone();
    let mut catalog = fixture_catalog();
    let lineage = std::mem::take(&mut catalog.lineage);
    app.receive(LoaderMsg::Loaded {
        generation: 2,
        data: StoreData::new(Arc::new(catalog)),
    });
    app.receive(LoaderMsg::Lineage {
        generation: 2,
        lineage,
    });
    assert_eq!(app.panes.forest.rows, rows);
}

#[test]
fn f_again_shows_the_lineage() {
    let mut app = forest_on("localhost/app:1.0");
    app.update(Action::ToggleForest);
    assert!(!app.panes.forest.shown);
    assert!(screen(&app).contains("2 Lineage · "));
    assert!(!screen(&app).contains("forest ·"));
}
