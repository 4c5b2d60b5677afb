//! Pure tests of the browser's state: each action on a store built in code gives the
//! expected state. No terminal, no store on disk.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::data::StoreData;
use cairn::tui::dialog::{Dialog, LineKind};
use cairn::tui::loader::LoaderMsg;
use cairn::tui::mode::Mode;
use cairn::tui::pane::Pane;
use cairn::tui::state::image_list::SortKey;
use cairn::tui::theme::Theme;
use cairn_core::testing::SnapshotBuilder;
use cairn_core::{Catalog, Container, ImageIdx, Rules, Snapshot};
use common::tui_store::serve_plans;
use jiff::Timestamp;
use ratatui::layout::Rect;
use std::sync::Arc;

const T0: i64 = 1_700_000_000;

/// base (a) ← mid (b, unnamed: intermediate) ← app (c), app2 (d); base ← other (e, unnamed:
/// dangling). A container uses app. Each image is known by a letter: its ID is the letter
/// repeated, its `team` label names it, and its layer `n` (one per image, in this order)
/// holds 1000 × (n + 1) bytes.
pub fn catalog() -> Catalog {
    let mut store = SnapshotBuilder::podman();
    let images: [(&str, Option<&str>, &[&str], i64); 5] = [
        ("a", None, &["localhost/base:1"], 0),
        ("b", Some("a"), &[], 100),
        (
            "c",
            Some("b"),
            &["localhost/app:1", "localhost/app:latest"],
            300,
        ),
        ("d", Some("b"), &["localhost/app2:1"], 200),
        ("e", Some("a"), &[], 50),
    ];
    for (n, (key, parent, names, created)) in images.into_iter().enumerate() {
        let mut image = store.image(key).id(&key.repeat(64));
        if let Some(parent) = parent {
            image = image.from(parent);
        }
        for name in names {
            image = image.name(name);
        }
        image
            .layer(&format!("COPY step{n} /step{n}"), 1000 * (n as u64 + 1))
            .label("team", &format!("team-{key}"))
            .created(T0 + created);
    }
    store.container("web", "c");
    store.catalog()
}

fn now() -> Timestamp {
    Timestamp::from_second(T0 + 86_400).unwrap()
}

fn app() -> App {
    App::with_catalog(
        "test",
        now(),
        Rect::new(0, 0, 120, 40),
        Theme::monochrome(),
        catalog(),
    )
}

/// Image positions, for comparing paths of the lineage tree.
fn positions(path: &[ImageIdx]) -> Vec<usize> {
    path.iter().map(|&i| i.0).collect()
}

fn id(c: char) -> String {
    c.to_string().repeat(64)
}

fn selected_id(app: &App) -> String {
    app.panes.images.selected_id.clone().unwrap_or_default()
}

fn type_filter(app: &mut App, text: &str) {
    app.update(Action::StartFilter);
    for c in text.chars() {
        app.update(Action::FilterInput(c));
    }
}

#[test]
fn starts_on_the_newest_image_with_intermediates_hidden() {
    let app = app();
    assert_eq!(
        app.panes.images.rows.len(),
        4,
        "b is intermediate and hidden"
    );
    assert_eq!(selected_id(&app), id('c'));
    assert_eq!(app.focus, Pane::Images);
    assert!(app.loading.is_none());
}

#[test]
fn down_and_up_move_the_selection_and_refresh_the_panes() {
    let mut app = app();
    app.update(Action::Down);
    assert_eq!(selected_id(&app), id('d'));
    assert_eq!(app.panes.history.rows.len(), 3);
    assert_eq!(app.panes.details.lines[0].1, id('d'));
    app.update(Action::Up);
    assert_eq!(selected_id(&app), id('c'));
    app.update(Action::Up);
    assert_eq!(selected_id(&app), id('c'), "stops at the top");
}

#[test]
fn first_and_last_go_to_the_ends() {
    let mut app = app();
    app.update(Action::Last);
    assert_eq!(selected_id(&app), id('a'));
    app.update(Action::First);
    assert_eq!(selected_id(&app), id('c'));
    app.update(Action::PageDown);
    assert_eq!(selected_id(&app), id('a'));
    app.update(Action::PageUp);
    assert_eq!(selected_id(&app), id('c'));
}

#[test]
fn a_toggles_intermediates() {
    let mut app = app();
    app.update(Action::ToggleIntermediates);
    assert_eq!(app.panes.images.rows.len(), 5);
    assert!(app.panes.images.show_all);
    app.update(Action::ToggleIntermediates);
    assert_eq!(app.panes.images.rows.len(), 4);
    assert_eq!(selected_id(&app), id('c'), "the selection stays");
}

#[test]
fn filter_matches_names_incrementally() {
    let mut app = app();
    type_filter(&mut app, "app");
    assert_eq!(app.mode(), Mode::Filter);
    assert_eq!(app.panes.images.rows.len(), 2);
    app.update(Action::FilterInput('2'));
    assert_eq!(app.panes.images.rows.len(), 1);
    assert_eq!(selected_id(&app), id('d'));
    app.update(Action::FilterBackspace);
    assert_eq!(app.panes.images.rows.len(), 2);
    app.update(Action::FilterAccept);
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.panes.images.filter, "app");
}

#[test]
fn filter_matches_ids_and_labels() {
    let mut app = app();
    type_filter(&mut app, "sha256:aaaa");
    assert_eq!(app.panes.images.rows.len(), 1);
    assert_eq!(selected_id(&app), id('a'));
    app.update(Action::FilterCancel);
    type_filter(&mut app, "team=team-d");
    assert_eq!(app.panes.images.rows.len(), 1);
    assert_eq!(selected_id(&app), id('d'));
}

#[test]
fn letters_in_the_filter_are_text_not_commands() {
    let mut app = app();
    type_filter(&mut app, "q");
    assert!(!app.quit);
    assert_eq!(app.panes.images.filter, "q");
}

#[test]
fn esc_cancels_the_filter_then_quits() {
    let mut app = app();
    type_filter(&mut app, "zzz");
    assert!(app.panes.images.rows.is_empty());
    app.update(Action::FilterAccept);
    app.update(Action::Back);
    assert!(app.panes.images.filter.is_empty());
    assert_eq!(app.panes.images.rows.len(), 4);
    assert!(!app.quit);
    app.update(Action::Back);
    assert!(app.quit);
}

#[test]
fn q_quits() {
    let mut app = app();
    app.update(Action::Quit);
    assert!(app.quit);
}

#[test]
fn sort_cycles_created_size_name_and_reverses() {
    let mut app = app();
    app.update(Action::CycleSort);
    assert_eq!(app.panes.images.sort, SortKey::Size);
    let sizes: Vec<u64> = app
        .panes
        .images
        .rows
        .iter()
        .map(|&i| app.catalog().unwrap().sizes.get(i).total)
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    app.update(Action::CycleSort);
    assert_eq!(app.panes.images.sort, SortKey::Name);
    let first = app.panes.images.rows[0];
    assert_eq!(
        app.catalog().unwrap().snapshot.images[first].id,
        id('e'),
        "<none> sorts first"
    );
    app.update(Action::ReverseSort);
    assert_eq!(
        app.catalog().unwrap().snapshot.images[app.panes.images.rows[0]].id,
        id('a')
    );
    app.update(Action::CycleSort);
    assert_eq!(app.panes.images.sort, SortKey::Created);
}

#[test]
fn tab_cycles_the_panes_and_digits_focus_them() {
    let mut app = app();
    let mut seen = vec![app.focus];
    for _ in 0..7 {
        app.update(Action::NextPane);
        seen.push(app.focus);
    }
    assert_eq!(
        seen,
        vec![
            Pane::Images,
            Pane::Lineage,
            Pane::Layers,
            Pane::History,
            Pane::Details,
            Pane::Files,
            Pane::Diff,
            Pane::Images
        ]
    );
    app.update(Action::PrevPane);
    assert_eq!(app.focus, Pane::Diff);
    app.update(Action::FocusPane(Pane::History));
    assert_eq!(app.focus, Pane::History);
    assert_eq!(app.inspector_tab(), Pane::History);
    app.update(Action::FocusPane(Pane::Images));
    assert_eq!(
        app.inspector_tab(),
        Pane::History,
        "the inspector keeps its last tab"
    );
}

#[test]
fn lineage_shows_ancestors_and_descendants() {
    let mut app = app();
    // c: a → b → c
    let rows: Vec<Vec<usize>> = app
        .panes
        .lineage
        .rows
        .iter()
        .map(|r| positions(&r.path))
        .collect();
    assert_eq!(rows, vec![vec![0], vec![0, 1], vec![0, 1, 2]]);
    assert_eq!(positions(&app.panes.lineage.selected), [0, 1, 2]);
    // base: its children mid and other, mid closed.
    app.update(Action::Last);
    assert_eq!(selected_id(&app), id('a'));
    let rows: Vec<Vec<usize>> = app
        .panes
        .lineage
        .rows
        .iter()
        .map(|r| positions(&r.path))
        .collect();
    assert_eq!(rows, vec![vec![0], vec![0, 1], vec![0, 4]]);
}

#[test]
fn lineage_expands_and_collapses_one_or_all() {
    let mut app = app();
    app.update(Action::Last);
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::Down);
    assert_eq!(positions(&app.panes.lineage.selected), [0, 1]);
    app.update(Action::Expand);
    assert_eq!(
        app.panes.lineage.rows.len(),
        5,
        "mid opened on app and app2"
    );
    app.update(Action::Expand);
    assert_eq!(
        app.panes.lineage.selected.len(),
        3,
        "a second → goes to the first child"
    );
    app.update(Action::Collapse);
    assert_eq!(
        positions(&app.panes.lineage.selected),
        [0, 1],
        "← on a leaf goes to the parent"
    );
    app.update(Action::Collapse);
    assert_eq!(app.panes.lineage.rows.len(), 3);
    app.update(Action::CollapseAll);
    assert_eq!(app.panes.lineage.rows.len(), 1);
    assert_eq!(positions(&app.panes.lineage.selected), [0]);
    app.update(Action::ExpandAll);
    assert_eq!(app.panes.lineage.rows.len(), 5);
    app.update(Action::ToggleNode);
    assert_eq!(app.panes.lineage.rows.len(), 1);
}

/// A base with 60 images built on it: more than the lineage pane shows at once.
fn wide_app() -> App {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .id(&"b".repeat(64))
        .name("localhost/base:1")
        .layer("ADD base /", 1000)
        .created(T0);
    for n in 0..60 {
        store
            .image(&format!("c{n}"))
            .id(&format!("{n:064x}"))
            .from("base")
            .name(&format!("localhost/child:{n}"))
            .layer(&format!("COPY {n} /{n}"), 10)
            .created(T0 + 10 + n);
    }
    App::with_catalog(
        "test",
        now(),
        Rect::new(0, 0, 120, 40),
        Theme::monochrome(),
        store.catalog(),
    )
}

/// Only the rows on screen are drawn: moving down a base's 60 children scrolls the pane so
/// that the selected one stays in view, and a click on a line finds the node drawn there.
#[test]
fn the_lineage_pane_keeps_the_selection_in_view_and_clicks_find_the_node_drawn() {
    use cairn::tui::input::action_for_input;
    use cairn::tui::view::{self, ViewState};
    use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut app = wide_app();
    app.update(Action::Last);
    assert_eq!(selected_id(&app), "b".repeat(64));
    app.update(Action::FocusPane(Pane::Lineage));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut view = ViewState::default();
    let pane = app.areas().of(Pane::Lineage);
    let line = |terminal: &Terminal<TestBackend>, y: u16| -> String {
        let buffer = terminal.backend().buffer();
        (pane.x..pane.x + pane.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect()
    };
    let mut scrolled = false;
    for step in 0..45 {
        app.update(Action::Down);
        terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
        let node = app.panes.lineage.selected.clone();
        let image = *node.last().unwrap();
        let name = format!("{} ", app.store.as_ref().unwrap().facts.names[image]);
        let y = (pane.y..pane.y + pane.height)
            .find(|&y| line(&terminal, y).contains(&name))
            .unwrap_or_else(|| panic!("step {step}: {name} is not on screen"));
        scrolled |= !(pane.y..pane.y + pane.height)
            .any(|y| line(&terminal, y).contains("localhost/base:1 "));
        let click = Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: pane.x + 10,
            row: y,
            modifiers: KeyModifiers::NONE,
        });
        assert_eq!(
            action_for_input(&app, &view, &click),
            Some(Action::ClickTreeNode(node)),
            "step {step}"
        );
    }
    assert!(scrolled, "the root scrolled out of the pane");
}

#[test]
fn tree_keys_do_nothing_outside_the_lineage_pane() {
    let mut app = app();
    let before = app.panes.lineage.clone();
    app.update(Action::CollapseAll);
    assert_eq!(app.panes.lineage, before);
}

#[test]
fn enter_on_a_lineage_node_selects_that_image() {
    let mut app = app();
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::First);
    app.update(Action::Activate);
    assert_eq!(selected_id(&app), id('a'));
    assert_eq!(app.focus, Pane::Images);
    // The intermediate mid is hidden: jumping to it shows intermediates.
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::Down);
    app.update(Action::Activate);
    assert_eq!(selected_id(&app), id('b'));
    assert!(app.panes.images.show_all);
}

#[test]
fn enter_on_a_history_row_jumps_to_its_image() {
    let mut app = app();
    app.update(Action::FocusPane(Pane::History));
    // Newest step first: c, then b (mid), then a (base).
    assert_eq!(app.panes.history.rows[0].id, id('c'));
    app.update(Action::Last);
    app.update(Action::Activate);
    assert_eq!(selected_id(&app), id('a'));
    assert_eq!(app.message.as_deref(), Some("selected localhost/base:1"));
}

#[test]
fn jumping_drops_a_filter_that_hides_the_target() {
    let mut app = app();
    type_filter(&mut app, "app2");
    app.update(Action::FilterAccept);
    app.update(Action::FocusPane(Pane::History));
    app.update(Action::Last);
    app.update(Action::Activate);
    assert_eq!(selected_id(&app), id('a'));
    assert!(app.panes.images.filter.is_empty());
}

#[test]
fn layers_are_base_first_and_whatrequires_lists_dependents() {
    let mut app = app();
    let ids: Vec<usize> = app.panes.layers.rows.iter().map(|r| r.layer.0).collect();
    assert_eq!(ids, vec![0, 1, 2]);
    app.update(Action::Last);
    app.update(Action::ToggleWhatRequires);
    assert_eq!(app.focus, Pane::Layers);
    let rows: Vec<(usize, usize)> = app
        .panes
        .layers
        .rows
        .iter()
        .map(|r| (r.layer.0, r.depth))
        .collect();
    // Layer 5 is the container's own layer, on app's top layer.
    assert_eq!(rows, vec![(0, 0), (1, 1), (2, 2), (5, 3), (3, 2), (4, 1)]);
    app.update(Action::ToggleWhatRequires);
    assert_eq!(app.panes.layers.rows.len(), 1);
}

#[test]
fn enter_on_a_layer_jumps_to_the_image_it_tops() {
    let mut app = app();
    app.update(Action::FocusPane(Pane::Layers));
    app.update(Action::First);
    app.update(Action::Activate);
    assert_eq!(selected_id(&app), id('a'));
}

#[test]
fn shared_layers_are_counted() {
    let app = app();
    let facts = &app.store.as_ref().unwrap().facts;
    // The container's layer (the last) tops no image.
    assert_eq!(facts.forest.users.raw, vec![5, 3, 1, 1, 1, 0]);
}

#[test]
fn help_opens_and_closes() {
    let mut app = app();
    app.update(Action::Help);
    assert_eq!(app.dialog, Some(Dialog::Help));
    assert_eq!(app.mode(), Mode::Help);
    app.update(Action::Back);
    assert_eq!(app.dialog, None);
    assert!(!app.quit, "Esc closes the help, it does not quit");
}

#[test]
fn details_list_what_matters() {
    let app = app();
    let labels: Vec<&str> = app
        .panes
        .details
        .lines
        .iter()
        .map(|(l, _)| l.as_str())
        .collect();
    for wanted in [
        "ID",
        "Names",
        "Created",
        "Size",
        "Parent",
        "Containers",
        "Platform",
        "Labels",
    ] {
        assert!(labels.contains(&wanted), "{wanted} missing from {labels:?}");
    }
    let containers = app
        .panes
        .details
        .lines
        .iter()
        .find(|(l, _)| l == "Containers")
        .unwrap();
    assert!(containers.1.contains("web"));
}

#[test]
fn a_reload_keeps_the_selection_by_id() {
    let mut app = app();
    app.update(Action::Down);
    assert_eq!(selected_id(&app), id('d'));
    // The same images in another order, as after another tool rewrote images.json.
    let mut catalog = catalog();
    let mut images = std::mem::take(&mut catalog.snapshot.images);
    images.reverse();
    let layers = std::mem::take(&mut catalog.snapshot.layers);
    let catalog = Catalog::new(Snapshot::new(images.raw, layers.raw, vec![]));
    let lineage = Default::default();
    app.receive(LoaderMsg::Loaded {
        generation: 2,
        data: StoreData::new(Arc::new(Catalog { lineage, ..catalog })),
    });
    assert_eq!(selected_id(&app), id('d'));
    assert_eq!(app.message.as_deref(), Some("store changed: reloaded"));
}

#[test]
fn a_stale_lineage_is_ignored() {
    let mut app = app();
    app.receive(LoaderMsg::Progress("reloading store"));
    assert!(app.loading.is_some());
    let before = app.panes.lineage.clone();
    app.receive(LoaderMsg::Lineage {
        generation: 99,
        lineage: Default::default(),
    });
    assert_eq!(app.panes.lineage, before);
}

#[test]
fn a_load_error_is_one_line_in_the_status() {
    let mut app = App::new("x", now(), Rect::new(0, 0, 120, 40), Theme::monochrome());
    app.receive(LoaderMsg::Failed(
        "containers-storage at /x does not exist".into(),
    ));
    assert!(app.loading.is_none());
    assert_eq!(
        app.load_error.as_deref(),
        Some("containers-storage at /x does not exist")
    );
}

#[test]
fn clicking_a_row_selects_it() {
    let mut app = app();
    // The list's first row is below the border and the header: y = 2.
    app.update(Action::Click { column: 10, row: 4 });
    assert_eq!(app.panes.images.scroll.cursor, 2);
    app.update(Action::Click {
        column: 100,
        row: 3,
    });
    assert_eq!(app.focus, Pane::Lineage);
}

#[test]
fn clicking_a_tab_title_switches_the_inspector() {
    let mut app = app();
    let inspector = app.areas().inspector;
    // " 3 Layers │ 4 History │ 5 Details ": History starts 14 columns in.
    app.update(Action::Click {
        column: inspector.x + 15,
        row: inspector.y,
    });
    assert_eq!(app.focus, Pane::History);
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer() {
    let mut app = app();
    app.update(Action::FocusPane(Pane::Details));
    let details = app.areas().inspector;
    app.update(Action::ScrollDown {
        column: details.x + 2,
        row: details.y + 2,
    });
    // Every detail fits: nothing to scroll.
    assert_eq!(app.panes.details.scroll.offset, 0);
    app.update(Action::ScrollDown { column: 5, row: 5 });
    assert_eq!(
        app.focus,
        Pane::Details,
        "the wheel does not move the focus"
    );
}

#[test]
fn resizing_keeps_the_cursor_visible() {
    let mut app = app();
    app.update(Action::ToggleIntermediates);
    app.update(Action::Last);
    app.update(Action::Resize {
        width: 60,
        height: 12,
    });
    let page = app.page(Pane::Images);
    assert!(
        app.panes.images.scroll.cursor >= app.panes.images.scroll.offset
            && app.panes.images.scroll.cursor < app.panes.images.scroll.offset + page
    );
}

#[test]
fn zoom_gives_the_focused_pane_the_screen() {
    let mut app = app();
    app.update(Action::ToggleZoom);
    let areas = app.areas();
    assert_eq!(areas.images.height, 38);
    assert_eq!(areas.lineage.height, 0);
}

// ---- Changing images: tag, untag, remove and prune dialogs -------------------------------

use cairn::tui::change::{Change, ChangeOutcome};
use cairn::tui::dialog::{NameCheck, PlanPreview, PruneDialog, removal_summary};
use cairn::tui::keymap::Keymap;
use cairn_core::removal::{RemoveOptions, Target, plan_removal};
use cairn_core::tagging::plan_tag;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::InputRequest;

/// Selects an image of the test catalog by the letter of its ID.
fn select_image(app: &mut App, c: char) {
    let image = app.catalog().unwrap().snapshot.image_by_id(&id(c)).unwrap();
    app.jump_to(image);
    app.message = None;
}

fn type_name(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::TagEdit(InputRequest::InsertChar(c)));
    }
}

fn tag_dialog(app: &App) -> &cairn::tui::dialog::TagDialog {
    match &app.dialog {
        Some(Dialog::Tag(d)) => d,
        other => panic!("no tag dialog: {other:?}"),
    }
}

fn remove_dialog(app: &App) -> &cairn::tui::dialog::RemoveDialog {
    match &app.dialog {
        Some(Dialog::Remove(d)) => d,
        other => panic!("no remove dialog: {other:?}"),
    }
}

fn key_in(mode: Mode, code: KeyCode) -> Option<Action> {
    Keymap::default().action_for(mode, &KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn t_u_d_p_open_the_change_dialogs() {
    assert_eq!(
        key_in(Mode::Normal, KeyCode::Char('t')),
        Some(Action::StartTag)
    );
    assert_eq!(
        key_in(Mode::Normal, KeyCode::Char('u')),
        Some(Action::StartUntag)
    );
    assert_eq!(
        key_in(Mode::Normal, KeyCode::Char('d')),
        Some(Action::StartRemove)
    );
    assert_eq!(
        key_in(Mode::Normal, KeyCode::Char('p')),
        Some(Action::StartPrune)
    );
    let mut app = app();
    app.update(Action::StartTag);
    assert_eq!(app.mode(), Mode::Tag);
    app.update(Action::Back);
    app.update(Action::StartUntag);
    assert_eq!(app.mode(), Mode::Untag);
    app.update(Action::Back);
    app.update(Action::StartRemove);
    assert_eq!(app.mode(), Mode::Remove);
    app.update(Action::Back);
    app.update(Action::StartPrune);
    assert_eq!(app.mode(), Mode::Prune);
    app.update(Action::Back);
    assert_eq!(app.dialog, None);
    assert!(!app.quit, "Esc cancels a dialog, it does not quit");
}

#[test]
fn keys_in_the_tag_field_are_text_except_enter_and_esc() {
    assert_eq!(
        key_in(Mode::Tag, KeyCode::Char('y')),
        Some(Action::TagEdit(InputRequest::InsertChar('y')))
    );
    assert_eq!(
        key_in(Mode::Tag, KeyCode::Char('q')),
        Some(Action::TagEdit(InputRequest::InsertChar('q')))
    );
    assert_eq!(
        key_in(Mode::Tag, KeyCode::Backspace),
        Some(Action::TagEdit(InputRequest::DeletePrevChar))
    );
    assert_eq!(key_in(Mode::Tag, KeyCode::Enter), Some(Action::Confirm));
    assert_eq!(key_in(Mode::Tag, KeyCode::Esc), Some(Action::Back));
}

#[test]
fn preview_keys_apply_toggle_and_cancel() {
    for mode in [Mode::Remove, Mode::Prune, Mode::Untag] {
        assert_eq!(key_in(mode, KeyCode::Char('y')), Some(Action::Confirm));
        assert_eq!(key_in(mode, KeyCode::Enter), Some(Action::Confirm));
        assert_eq!(key_in(mode, KeyCode::Esc), Some(Action::Back));
    }
    assert_eq!(
        key_in(Mode::Remove, KeyCode::Char('f')),
        Some(Action::ToggleForce)
    );
    assert_eq!(
        key_in(Mode::Remove, KeyCode::Char('n')),
        Some(Action::ToggleNoPrune)
    );
    assert_eq!(
        key_in(Mode::Prune, KeyCode::Char('a')),
        Some(Action::TogglePruneAll)
    );
    assert_eq!(key_in(Mode::Untag, KeyCode::Char('j')), Some(Action::Down));
}

#[test]
fn the_dialog_footer_comes_from_the_key_table() {
    let keymap = Keymap::default();
    assert_eq!(
        keymap.dialog_hints(Mode::Remove, &|_| true).join(" · "),
        "y/Enter apply · f force · n no-prune · Esc cancel"
    );
    assert_eq!(
        keymap.dialog_hints(Mode::Tag, &|_| true).join(" · "),
        "Enter apply · Esc cancel"
    );
    assert_eq!(
        keymap
            .dialog_hints(Mode::Remove, &|a| *a != Action::Confirm)
            .join(" · "),
        "f force · n no-prune · Esc cancel",
        "a plan that cannot be applied is not offered"
    );
}

#[test]
fn the_tag_field_validates_the_name_as_you_type() {
    let mut app = app();
    select_image(&mut app, 'd');
    app.update(Action::StartTag);
    assert_eq!(tag_dialog(&app).check, NameCheck::Empty);
    type_name(&mut app, "Bad");
    assert!(
        matches!(tag_dialog(&app).check, NameCheck::Invalid(_)),
        "upper case is not a valid repository: {:?}",
        tag_dialog(&app).check
    );
    for _ in 0..3 {
        app.update(Action::TagEdit(InputRequest::DeletePrevChar));
    }
    type_name(&mut app, "new:2");
    assert_eq!(
        tag_dialog(&app).check,
        NameCheck::Valid("localhost/new:2".into())
    );
    assert!(tag_dialog(&app).moves.is_empty());
    type_name(&mut app, "@sha256:abc");
    assert!(matches!(tag_dialog(&app).check, NameCheck::Invalid(_)));
}

/// The field asks the planner's own name rule, so it never accepts a name `y` would then
/// refuse, nor refuses one the planner takes, under any store's rules.
#[test]
fn the_tag_field_and_the_planner_agree_on_every_name() {
    let names = [
        "app:2",
        "Bad",
        "sha256:abc",
        "app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "quay.io/me/app:2",
        "a b",
        "v1.0+build",
        "-x",
    ];
    for rules in [Rules::Podman, Rules::Docker, Rules::Layout] {
        let mut catalog = catalog();
        catalog.snapshot.rules = rules;
        for name in names {
            let plan = plan_tag(&catalog, &id('d'), &[name.to_string()]);
            match NameCheck::of(name, rules) {
                NameCheck::Valid(full) => {
                    assert!(
                        plan.errors.is_empty(),
                        "{rules:?} {name}: {:?}",
                        plan.errors
                    );
                    assert_eq!(plan.tagged, [full], "{rules:?} {name}");
                }
                NameCheck::Invalid(reason) => {
                    assert!(!reason.is_empty());
                    assert!(plan.tagged.is_empty(), "{rules:?} {name}: {plan:?}");
                    assert_eq!(plan.errors.len(), 1, "{rules:?} {name}");
                }
                NameCheck::Empty => panic!("{name} is not empty"),
            }
        }
    }
}

#[test]
fn the_tag_preview_shows_names_taken_from_other_images() {
    let mut app = app();
    select_image(&mut app, 'd');
    app.update(Action::StartTag);
    type_name(&mut app, "app:latest");
    let dialog = tag_dialog(&app);
    assert_eq!(
        dialog.moves,
        vec![(
            "localhost/app:latest".to_string(),
            "localhost/app:1".to_string()
        )]
    );
    let plan = dialog.plan.as_ref().unwrap();
    assert_eq!(plan.tagged, vec!["localhost/app:latest"]);
}

#[test]
fn enter_in_the_tag_dialog_sends_the_plan_to_the_worker() {
    let mut app = app();
    select_image(&mut app, 'd');
    app.update(Action::StartTag);
    type_name(&mut app, "app2:2");
    app.update(Action::Confirm);
    assert_eq!(app.dialog, None);
    let request = app
        .change_requested
        .clone()
        .expect("a request for the worker");
    assert_eq!(
        request.change,
        Change::Tag {
            image: id('d'),
            name: "localhost/app2:2".into()
        }
    );
    let expected = plan_tag(
        app.catalog().unwrap(),
        &id('d'),
        &["localhost/app2:2".into()],
    );
    assert_eq!(request.steps, expected.steps);
    assert_eq!(request.summary, "Tagged localhost/app2:2");
    assert!(app.applying.is_some());
}

#[test]
fn an_invalid_name_is_not_applied() {
    let mut app = app();
    app.update(Action::StartTag);
    type_name(&mut app, "UPPER");
    app.update(Action::Confirm);
    assert!(app.change_requested.is_none());
    assert_eq!(
        app.mode(),
        Mode::Tag,
        "the dialog stays open to fix the name"
    );
    assert!(app.message.as_deref().unwrap().contains("not a valid name"));
}

#[test]
fn untag_picks_one_of_the_names() {
    let mut app = app();
    select_image(&mut app, 'c');
    app.update(Action::StartUntag);
    let Some(Dialog::Untag(dialog)) = &app.dialog else {
        panic!("no untag dialog");
    };
    assert_eq!(
        dialog.names,
        vec!["localhost/app:1", "localhost/app:latest"]
    );
    assert_eq!(dialog.plan.untagged, vec!["localhost/app:1"]);
    app.update(Action::Down);
    app.update(Action::Down);
    let Some(Dialog::Untag(dialog)) = &app.dialog else {
        panic!("no untag dialog");
    };
    assert_eq!(dialog.selected, 1, "the choice stops at the last name");
    assert_eq!(dialog.plan.untagged, vec!["localhost/app:latest"]);
    assert_eq!(selected_id(&app), id('c'), "the list did not move");
    app.update(Action::Confirm);
    let request = app.change_requested.clone().unwrap();
    assert_eq!(
        request.change,
        Change::Untag {
            image: id('c'),
            name: "localhost/app:latest".into()
        }
    );
    assert_eq!(request.summary, "Untagged localhost/app:latest");
}

#[test]
fn untag_on_an_image_without_names_says_so() {
    let mut app = app();
    select_image(&mut app, 'e');
    app.update(Action::StartUntag);
    assert_eq!(app.dialog, None);
    assert!(app.message.as_deref().unwrap().contains("has no names"));
}

/// The options a remove or prune dialog opens with: the CLI's, by the app's clock.
fn dialog_options(app: &App) -> RemoveOptions {
    RemoveOptions {
        collect_unreferenced_at: Some(app.now),
        ..RemoveOptions::default()
    }
}

#[test]
fn the_remove_preview_replans_on_each_toggle() {
    let mut app = app();
    select_image(&mut app, 'c');
    app.update(Action::StartRemove);
    let target = Target::References(vec![id('c')]);
    let catalog = Arc::clone(&app.store.as_ref().unwrap().catalog);
    let opened = dialog_options(&app);
    let plain = plan_removal(&catalog, &target, opened);
    assert_eq!(remove_dialog(&app).plan, plain);
    assert!(
        !plain.errors.is_empty(),
        "two names and a container: blocked"
    );

    app.update(Action::ToggleForce);
    let forced = RemoveOptions {
        force: true,
        ..opened
    };
    assert_eq!(remove_dialog(&app).options, forced);
    let plan = &remove_dialog(&app).plan;
    assert_eq!(plan, &plan_removal(&catalog, &target, forced));
    assert_eq!(
        plan.containers,
        vec![SnapshotBuilder::podman().container_id("web")]
    );
    assert_eq!(plan.deleted, vec![id('c')]);
    assert!(plan.errors.is_empty());

    app.update(Action::ToggleNoPrune);
    let both = RemoveOptions {
        no_prune: true,
        ..forced
    };
    assert_eq!(remove_dialog(&app).options, both);
    assert_eq!(
        remove_dialog(&app).plan,
        plan_removal(&catalog, &target, both)
    );
    let tree: Vec<&str> = remove_dialog(&app)
        .tree
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    assert!(tree.contains(&"Deleted images (1)"), "{tree:?}");
    assert!(tree.contains(&"Containers (1)"), "{tree:?}");
}

#[test]
fn a_blocked_removal_is_not_applied() {
    let mut app = app();
    select_image(&mut app, 'c');
    app.update(Action::StartRemove);
    app.update(Action::Confirm);
    assert!(app.change_requested.is_none());
    assert_eq!(
        app.mode(),
        Mode::Remove,
        "the preview stays: force may help"
    );
    assert!(
        app.message
            .as_deref()
            .unwrap()
            .starts_with("Nothing was changed")
    );
    let blocked = remove_dialog(&app)
        .tree
        .iter()
        .find(|l| l.text.starts_with("Blocked: "))
        .expect("a blocked line");
    assert!(blocked.text.contains("please force removal"), "{blocked:?}");
    // It says which switch would change that, and offers no apply.
    let unblock = remove_dialog(&app)
        .tree
        .iter()
        .find(|l| matches!(l.kind, LineKind::Unblock(_)))
        .expect("an unblock line");
    assert_eq!(unblock.kind, LineKind::Unblock(&[Action::ToggleForce]));
    assert_eq!(unblock.text, "force on");
    assert!(unblock.note.starts_with("removes 1 image"), "{unblock:?}");
    assert!(!app.dialog_can_apply());
    assert!(
        !app.keymap
            .hints(app.mode(), app.focus, &|action| app.hint_shown(action))
            .iter()
            .any(|(_, word)| *word == "apply")
    );
    // Turned on, the plan can be applied and says nothing of switches.
    app.update(Action::ToggleForce);
    assert!(app.dialog_can_apply());
    assert!(
        !remove_dialog(&app)
            .tree
            .iter()
            .any(|l| matches!(l.kind, LineKind::Unblock(_)))
    );
}

#[test]
fn a_read_only_image_shows_its_plan_blocked() {
    let mut catalog = catalog();
    catalog.snapshot.images[ImageIdx(3)].read_only = true;
    let mut app = App::with_catalog(
        "test",
        now(),
        Rect::new(0, 0, 120, 40),
        Theme::monochrome(),
        catalog,
    );
    select_image(&mut app, 'd');
    app.update(Action::StartRemove);
    let plan = &remove_dialog(&app).plan;
    assert!(plan.steps.is_empty());
    assert!(plan.errors[0].message.contains("read-only"), "{plan:?}");
}

#[test]
fn y_in_the_remove_preview_sends_exactly_the_plan_shown() {
    let mut app = app();
    select_image(&mut app, 'd');
    app.update(Action::StartRemove);
    let plan = remove_dialog(&app).plan.clone();
    assert_eq!(plan.deleted, vec![id('d')]);
    app.update(Action::Confirm);
    let request = app.change_requested.clone().unwrap();
    assert_eq!(request.steps, plan.steps);
    assert_eq!(
        request.change,
        Change::Remove {
            image: id('d'),
            options: dialog_options(&app)
        }
    );
    assert_eq!(request.summary, removal_summary("Removed", &plan));
    assert!(request.summary.starts_with("Removed 1 image, 1 layer; "));
    // One change at a time.
    app.update(Action::StartRemove);
    assert_eq!(app.dialog, None);
    assert_eq!(
        app.message.as_deref(),
        Some("a change is still being applied")
    );
}

/// The planner thread makes a prune preview's plan: until it comes the preview offers
/// nothing to apply, and an answer to a switch pressed since is dropped.
#[test]
fn the_prune_preview_waits_for_the_planner_and_takes_only_the_latest_plan() {
    let mut app = app();
    app.update(Action::StartPrune);
    let Some(Dialog::Prune(dialog)) = &app.dialog else {
        panic!("no prune dialog");
    };
    assert!(dialog.planning.is_some() && dialog.plan.is_empty());
    assert!(!app.dialog_can_apply());
    app.update(Action::Confirm);
    assert_eq!(
        app.message.as_deref(),
        Some("the prune is still being planned")
    );
    assert!(app.change_requested.is_none());

    app.update(Action::TogglePruneAll);
    let requests = std::mem::take(&mut app.plan_requests);
    assert_eq!(requests.len(), 2, "one request for each switch position");
    let (first, latest) = (requests[0].run(), requests[1].run());
    app.receive_plan(first);
    let Some(Dialog::Prune(dialog)) = &app.dialog else {
        panic!("no prune dialog");
    };
    assert!(
        dialog.planning.is_some(),
        "an earlier request's plan is dropped"
    );
    app.receive_plan(latest);
    let Some(Dialog::Prune(dialog)) = &app.dialog else {
        panic!("no prune dialog");
    };
    assert!(dialog.planning.is_none() && dialog.all);
    assert!(dialog.plan.records_deleted.len() > 1, "{:?}", dialog.plan);
    assert!(app.dialog_can_apply());

    // An answer that comes after the preview was closed is let go.
    app.update(Action::TogglePruneAll);
    app.update(Action::Back);
    for request in std::mem::take(&mut app.plan_requests) {
        app.receive_plan(request.run());
    }
    assert_eq!(app.dialog, None);
}

/// The planner thread answers a request with the plan the request makes where it is run.
#[test]
fn the_planner_thread_answers_with_the_prune_plan() {
    let mut app = app();
    app.update(Action::StartPrune);
    let request = app.plan_requests.pop().unwrap();
    let expected = request.run();
    let (requests, inbox) = std::sync::mpsc::channel();
    let (answers, answered) = std::sync::mpsc::channel();
    let planner =
        cairn::tui::planner::spawn(inbox, move |done| answers.send(done).is_ok()).unwrap();
    requests.send(request).unwrap();
    let done = answered.recv().unwrap();
    assert_eq!(
        (done.id, &done.plan, &done.tree),
        (expected.id, &expected.plan, &expected.tree)
    );
    drop(requests);
    planner.join().unwrap();
}

#[test]
fn the_prune_preview_toggles_all() {
    let mut app = app();
    app.update(Action::StartPrune);
    serve_plans(&mut app);
    let Some(Dialog::Prune(dialog)) = &app.dialog else {
        panic!("no prune dialog");
    };
    assert!(!dialog.all);
    assert_eq!(
        dialog.plan.records_deleted,
        vec![id('e')],
        "only the dangling one"
    );
    app.update(Action::TogglePruneAll);
    serve_plans(&mut app);
    let Some(Dialog::Prune(dialog)) = &app.dialog else {
        panic!("no prune dialog");
    };
    assert!(dialog.all);
    let deleted = &dialog.plan.records_deleted;
    assert!(
        deleted.contains(&id('d')) && deleted.contains(&id('e')),
        "{deleted:?}"
    );
    assert!(!deleted.contains(&id('c')), "a container uses c");
    app.update(Action::Confirm);
    let request = app.change_requested.clone().unwrap();
    assert_eq!(
        request.change,
        Change::Prune {
            all: true,
            options: dialog_options(&app)
        }
    );
    assert!(
        request.summary.starts_with("Pruned "),
        "{}",
        request.summary
    );
}

#[test]
fn the_plan_scrolls_only_as_far_as_it_is_long() {
    let mut app = app();
    app.update(Action::Resize {
        width: 100,
        height: 14,
    });
    app.update(Action::StartPrune);
    app.update(Action::TogglePruneAll);
    serve_plans(&mut app);
    app.update(Action::Last);
    let scroll = match &app.dialog {
        Some(Dialog::Prune(d)) => d.scroll,
        _ => unreachable!(),
    };
    assert!(scroll > 0, "a long plan on a short screen scrolls");
    let max = match &app.dialog {
        Some(Dialog::Prune(d)) => cairn::tui::popup::plan_max_scroll(
            &d.tree,
            PruneDialog::HEADER_LINES,
            app.area,
            &app.keymap,
            Mode::Prune,
        ),
        _ => unreachable!(),
    };
    assert_eq!(scroll, max);
    app.update(Action::First);
    assert!(matches!(&app.dialog, Some(Dialog::Prune(d)) if d.scroll == 0));
}

#[test]
fn a_removal_summary_counts_what_went() {
    let catalog = catalog();
    let plan = plan_removal(
        &catalog,
        &Target::References(vec![id('c')]),
        RemoveOptions {
            force: true,
            ..RemoveOptions::default()
        },
    );
    assert_eq!(
        removal_summary("Removed", &plan),
        format!(
            "Removed 1 image, 2 layers, 1 container; {} reclaimed",
            cairn_core::human::podman_size(plan.reclaimed_bytes)
        )
    );
}

#[test]
fn after_applying_the_status_says_what_was_done_and_the_store_reloads() {
    let mut app = app();
    select_image(&mut app, 'd');
    app.update(Action::StartRemove);
    app.update(Action::Confirm);
    let request = app.change_requested.take().unwrap();
    let summary = request.summary.clone();
    app.receive_change(ChangeOutcome::Applied(request));
    assert!(app.applying.is_none());
    assert!(app.reload_requested, "the views are brought up to date");
    assert_eq!(app.message.as_deref(), Some(summary.as_str()));
    assert!(!app.message_is_alert());

    // The reload shows the store without the image, and keeps the message.
    let mut catalog = catalog();
    catalog.snapshot = Snapshot::new(
        catalog
            .snapshot
            .images
            .iter()
            .filter(|i| i.id != id('d'))
            .cloned()
            .collect(),
        catalog.snapshot.layers.raw.clone(),
        catalog.snapshot.containers.raw.clone(),
    );
    let catalog = Catalog::new(catalog.snapshot);
    app.receive(LoaderMsg::Loaded {
        generation: 2,
        data: StoreData::new(Arc::new(catalog)),
    });
    assert_eq!(app.message.as_deref(), Some(summary.as_str()));
    let snapshot = &app.catalog().unwrap().snapshot;
    assert!(
        app.panes
            .images
            .rows
            .iter()
            .all(|&i| snapshot.images[i].id != id('d'))
    );
}

#[test]
fn a_store_that_changed_reopens_the_preview_with_the_new_plan() {
    let mut app = app();
    select_image(&mut app, 'd');
    app.update(Action::StartRemove);
    app.update(Action::ToggleNoPrune);
    app.update(Action::Confirm);
    let request = app.change_requested.take().unwrap();
    app.receive_change(ChangeOutcome::StoreChanged(request));
    assert_eq!(
        app.message.as_deref(),
        Some("The store changed since the preview; nothing was changed")
    );
    assert!(app.message_is_alert());
    assert!(app.reload_requested);
    assert_eq!(app.mode(), Mode::Remove, "the preview is back");
    assert!(
        remove_dialog(&app).options.no_prune,
        "with the same switches"
    );

    // Another tool gave d a container meanwhile: the reload plans the preview again.
    let mut catalog = catalog();
    let mut containers = catalog.snapshot.containers.raw.clone();
    containers.push(Container {
        id: "9".repeat(64),
        names: vec!["late".into()],
        image: id('d'),
        ..Container::default()
    });
    catalog.snapshot = Snapshot::new(
        catalog.snapshot.images.raw.clone(),
        catalog.snapshot.layers.raw.clone(),
        containers,
    );
    app.receive(LoaderMsg::Loaded {
        generation: 2,
        data: StoreData::new(Arc::new(Catalog::new(catalog.snapshot))),
    });
    let plan = &remove_dialog(&app).plan;
    assert!(plan.steps.is_empty(), "now in use: blocked");
    assert!(plan.errors[0].message.contains("in use by a container"));
    assert_eq!(
        app.message.as_deref(),
        Some("The store changed since the preview; nothing was changed"),
        "the reload keeps the explanation"
    );
}

#[test]
fn a_failed_change_is_one_red_line() {
    let mut app = app();
    select_image(&mut app, 'd');
    app.update(Action::StartRemove);
    app.update(Action::Confirm);
    let request = app.change_requested.take().unwrap();
    app.receive_change(ChangeOutcome::Failed {
        request,
        error: "removing /x: permission denied".into(),
    });
    assert_eq!(
        app.message.as_deref(),
        Some("Failed: removing /x: permission denied")
    );
    assert!(app.message_is_alert());
    assert_eq!(app.dialog, None);
}

/// The store as the loader gives it after `gone` were removed by a change.
fn reload_without(app: &mut App, gone: &[char], generation: u64) {
    let mut catalog = catalog();
    let images = std::mem::take(&mut catalog.snapshot.images);
    let layers = std::mem::take(&mut catalog.snapshot.layers);
    let kept = images
        .raw
        .into_iter()
        .filter(|i| !gone.iter().any(|&g| i.id == id(g)))
        .collect();
    let catalog = Catalog::new(Snapshot::new(kept, layers.raw, vec![]));
    app.receive(LoaderMsg::Loaded {
        generation,
        data: StoreData::new(Arc::new(catalog)),
    });
}

/// The list is c, d, e, a (newest first). After a removal the cursor stays where the
/// removed row was: on the next row, or on the previous one when it was the last.
#[test]
fn after_a_removal_the_selection_stays_where_the_removed_row_was() {
    let mut app = app();
    select_image(&mut app, 'd');
    reload_without(&mut app, &['d'], 2);
    assert_eq!(selected_id(&app), id('e'), "the next row");

    select_image(&mut app, 'a');
    reload_without(&mut app, &['d', 'a'], 3);
    assert_eq!(
        selected_id(&app),
        id('e'),
        "the last row went: the previous one"
    );

    // Several rows at once (an image and the dangling parent below it): the first row after
    // them that is still there.
    let mut app = self::app();
    select_image(&mut app, 'c');
    reload_without(&mut app, &['c', 'd'], 2);
    assert_eq!(selected_id(&app), id('e'));

    // A row hidden by the filter is not a removal: the list starts at the top.
    let mut app = self::app();
    select_image(&mut app, 'd');
    type_filter(&mut app, "team-e");
    assert_eq!(selected_id(&app), id('e'));
}

#[test]
fn the_list_first_then_the_full_store_of_the_same_load_is_no_reload() {
    let mut app = App::new("test", now(), Rect::new(0, 0, 120, 40), Theme::monochrome());
    // The list from the records alone: no configs.
    let mut listed = catalog();
    for image in listed.snapshot.images.iter_mut() {
        image.config = None;
    }
    listed.lineage = Default::default();
    app.receive(LoaderMsg::Listed {
        generation: 1,
        data: StoreData::new(Arc::new(listed)),
    });
    assert_eq!(app.panes.images.rows.len(), 5, "the list is shown at once");
    assert_eq!(
        app.loading.as_ref().map(|l| l.stage),
        Some("reading image configs")
    );
    app.update(Action::Down);
    let chosen = selected_id(&app);
    let mut full = catalog();
    let lineage = std::mem::take(&mut full.lineage);
    app.receive(LoaderMsg::Loaded {
        generation: 1,
        data: StoreData::new(Arc::new(full)),
    });
    app.receive(LoaderMsg::Lineage {
        generation: 1,
        lineage,
    });
    assert_eq!(selected_id(&app), chosen, "the selection stays");
    assert_eq!(app.message, None, "the same load is not a reload");
    assert!(app.loading.is_none());
}

/// The prune dialog collects the layer an interrupted removal left behind, as `cairn prune`
/// does, by the clock when it opened; the request carries that clock so applying plans the
/// same.
#[test]
fn the_prune_dialog_collects_what_an_interrupted_removal_left_as_the_cli_does() {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .name("localhost/base:1")
        .layer("ADD base /", 10);
    store
        .image("tool")
        .from("base")
        .name("localhost/tool:1")
        .layer("COPY tool /", 30);
    let left = store.layers_of("tool")[0].clone();
    store.remove_image("tool");
    let mut app = App::with_catalog(
        "test",
        Timestamp::from_second(1_700_000_000 + 2 * 24 * 3600).unwrap(),
        Rect::new(0, 0, 120, 40),
        Theme::monochrome(),
        store.catalog(),
    );
    app.update(Action::StartPrune);
    serve_plans(&mut app);
    let Some(Dialog::Prune(dialog)) = &app.dialog else {
        panic!("no prune dialog");
    };
    assert_eq!(dialog.plan.layers, vec![left]);
    assert_eq!(dialog.plan.reclaimed_bytes, 30);
    app.update(Action::Confirm);
    let request = app.change_requested.clone().unwrap();
    let Change::Prune { options, .. } = request.change else {
        panic!("not a prune: {:?}", request.change);
    };
    assert_eq!(options.collect_unreferenced_at, Some(app.now));
}

/// What the loader sends first on a store read for the first time: the images alone, no
/// layers (so no sizes), as the reader hands them over before the layers are parsed.
fn images_alone() -> StoreData {
    let images = catalog()
        .snapshot
        .images
        .into_iter()
        .map(|mut image| {
            image.top_layer = None;
            image.config = None;
            image
        })
        .collect();
    let snapshot = Snapshot::new(images, Vec::new(), Vec::new());
    let catalog = Arc::new(Catalog::without_lineage(snapshot));
    StoreData::images_alone(cairn_store::OpenedStore::in_memory(catalog))
}

/// The list is up before the layers are read, but nothing is planned on it: a removal, a
/// prune, a tag or an untag waits for the layers, and says so.
#[test]
fn while_only_the_images_are_known_the_list_shows_and_no_change_is_planned() {
    let mut app = App::new("test", now(), Rect::new(0, 0, 120, 40), Theme::monochrome());
    app.receive(LoaderMsg::Images {
        generation: 1,
        data: images_alone(),
    });
    assert_eq!(app.panes.images.rows.len(), 5, "every image is listed");
    assert_eq!(
        app.loading.as_ref().map(|l| l.stage),
        Some("reading layers")
    );
    for action in [
        Action::StartRemove,
        Action::StartPrune,
        Action::StartTag,
        Action::StartUntag,
    ] {
        app.message = None;
        app.update(action.clone());
        assert!(app.dialog.is_none(), "{action:?} opened a dialog");
        assert_eq!(
            app.message.as_deref(),
            Some("the store is not loaded yet"),
            "{action:?}"
        );
    }
    app.update(Action::Down);
    app.message = None;
    let chosen = selected_id(&app);
    let mut listed = catalog();
    listed.lineage = Default::default();
    app.receive(LoaderMsg::Listed {
        generation: 1,
        data: StoreData::new(Arc::new(listed)),
    });
    assert_eq!(selected_id(&app), chosen, "the selection stays");
    assert_eq!(app.message, None, "the same load is not a reload");
    app.update(Action::StartRemove);
    assert!(matches!(app.dialog, Some(Dialog::Remove(_))));
}
