//! Every screen and overlay of the browser, rendered into ratatui's `TestBackend` at 120x40
//! and compared with insta snapshots. The store is the podman fixture store of
//! `scripts/make-fixture-store.sh` rebuilt in memory (`common::tui_store`), and "now" is
//! passed in, so nothing on screen depends on the machine, the tools or the clock.
//! Snapshots hold text only, so colors and emphasis are checked with cell asserts at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::change::ChangeOutcome;
use cairn::tui::contents::{ContentsMsg, Slot};
use cairn::tui::data::StoreData;
use cairn::tui::loader::LoaderMsg;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn::tui::view::{self, ViewState};
use cairn_core::{Catalog, Snapshot};
use common::tui::{HEIGHT, render, screen, text};
use common::tui_contents::{contents_app, fixture_entries, serve, serve_filters, serve_fixture};
use common::tui_store::{area, fixture_app, fixture_catalog, now, select, serve_plans};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::sync::Arc;
use tui_input::InputRequest;

#[test]
fn main_screen() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn lineage_focused() {
    let mut app = fixture_app();
    select(&mut app, "localhost/base:1");
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::ExpandAll);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn layers_focused() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Layers));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn whatrequires_toggled() {
    let mut app = fixture_app();
    select(&mut app, "localhost/base:1");
    app.update(Action::ToggleWhatRequires);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn history_focused() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::History));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn details_focused() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Details));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn intermediates_shown() {
    let mut app = fixture_app();
    app.update(Action::ToggleIntermediates);
    app.message = None;
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn filter_active() {
    let mut app = fixture_app();
    app.update(Action::StartFilter);
    for c in "app".chars() {
        app.update(Action::FilterInput(c));
    }
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn filter_without_match() {
    let mut app = fixture_app();
    app.update(Action::StartFilter);
    for c in "nothing-here".chars() {
        app.update(Action::FilterInput(c));
    }
    app.update(Action::FilterAccept);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_overlay() {
    let mut app = fixture_app();
    app.update(Action::Help);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn zoomed_history() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::History));
    app.update(Action::ToggleZoom);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn loading_state() {
    let app = App::new("fixture (vfs)", now(), area(), Theme::colored());
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn lineage_still_computing() {
    let mut app = App::new("fixture (vfs)", now(), area(), Theme::colored());
    let mut catalog = fixture_catalog();
    catalog.lineage = Default::default();
    app.receive(LoaderMsg::Loaded {
        generation: 1,
        data: StoreData::new(Arc::new(catalog)),
    });
    insta::assert_snapshot!(screen(&app));
}

/// The first frame with the list, on a store read for the first time: the real loader on a
/// store `cairn-genstore` wrote hands over the images before their layers, and the list
/// shows names, IDs and ages, sizes to come, the panes about layers waiting.
#[test]
fn list_before_the_layers_are_read() {
    use cairn::tui::loader;
    use cairn_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let options = common::generated::options(dir.path());
    let (commands, inbox) = std::sync::mpsc::channel();
    let (to_test, messages) = std::sync::mpsc::channel();
    let reader = loader::spawn(Store::new(options), inbox, move |msg| {
        to_test.send(msg).is_ok()
    })
    .unwrap();
    let data = loop {
        match messages.recv().unwrap() {
            LoaderMsg::Progress(_) => {}
            LoaderMsg::Images { data, .. } => break data,
            other => panic!("{other:?} before the images alone"),
        }
    };
    drop((commands, messages));
    reader.join().unwrap();
    assert!(data.without_layers);
    let now = "2025-06-01T00:00:00Z".parse().unwrap();
    let mut app = App::new("generated (vfs)", now, area(), Theme::colored());
    app.receive(LoaderMsg::Images {
        generation: 1,
        data,
    });
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn load_failed() {
    let mut app = App::new("/nowhere (vfs)", now(), area(), Theme::colored());
    app.receive(LoaderMsg::Failed(
        "containers-storage at /nowhere does not exist".into(),
    ));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn empty_store() {
    let catalog = Catalog::new(Snapshot::default());
    let app = App::with_catalog("empty (vfs)", now(), area(), Theme::colored(), catalog);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn small_terminal() {
    let mut app = fixture_app();
    app.update(Action::Resize {
        width: 80,
        height: 24,
    });
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut view = ViewState::default();
    terminal
        .draw(|frame| view::draw(&app, &mut view, frame))
        .unwrap();
    insta::assert_snapshot!(text(terminal.backend().buffer()));
}

/// Finds the first cell of a text on screen.
fn find(buffer: &Buffer, needle: &str) -> (u16, u16) {
    let screen = text(buffer);
    for (y, line) in screen.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{needle:?} is not on screen:\n{screen}");
}

#[test]
fn the_selected_row_is_reversed_and_bold() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    let buffer = render(&app);
    let (x, y) = find(&buffer, "localhost/app:1.0 +2");
    let style = buffer[(x, y)].style();
    assert!(
        style
            .add_modifier
            .contains(Modifier::REVERSED | Modifier::BOLD)
    );
}

#[test]
fn no_color_leaves_only_emphasis() {
    let mut app = fixture_app();
    app.theme = Theme::monochrome();
    app.update(Action::Help);
    let buffer = render(&app);
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "a color at {:?}", cell.symbol());
        assert_eq!(cell.bg, Color::Reset);
    }
}

#[test]
fn colors_avoid_white_and_black_text() {
    let mut app = fixture_app();
    app.update(Action::Help);
    for cell in render(&app).content() {
        assert!(
            !matches!(
                cell.fg,
                Color::White | Color::Black | Color::Gray | Color::DarkGray
            ),
            "{:?} text is unreadable on one background or the other",
            cell.fg
        );
    }
}

#[test]
fn control_characters_never_reach_the_screen() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    let mut catalog = fixture_catalog();
    let image = catalog
        .snapshot
        .images
        .position(|i| i.names.contains(&"localhost/app:1.0".to_string()))
        .unwrap();
    let config = catalog.snapshot.images[image].config.as_mut().unwrap();
    config
        .labels
        .insert("evil".into(), "\u{1b}[2J\u{1b}]0;pwned\u{7}".into());
    config.history[0].created_by = "RUN a\n\u{1b}[31mred".into();
    let lineage = std::mem::take(&mut catalog.lineage);
    app.receive(LoaderMsg::Loaded {
        generation: 5,
        data: StoreData::new(Arc::new(catalog)),
    });
    app.receive(LoaderMsg::Lineage {
        generation: 5,
        lineage,
    });
    for pane in [Pane::Details, Pane::History] {
        app.update(Action::FocusPane(pane));
        app.update(Action::ToggleZoom);
        let buffer = render(&app);
        app.update(Action::ToggleZoom);
        for cell in buffer.content() {
            assert!(
                !cell.symbol().chars().any(char::is_control),
                "a control character in {pane:?}"
            );
        }
        // Shown as an escape a person can read, as the CLI shows it.
        assert!(text(&buffer).contains(r"\x1b["), "{pane:?} shows no escape");
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = fixture_app();
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::ExpandAll);
    for (width, height) in [(1, 1), (10, 3), (20, 5), (30, 8), (45, 12), (60, 15)] {
        app.update(Action::Resize { width, height });
        for pane in Pane::ALL {
            app.update(Action::FocusPane(pane));
            for help in [false, true] {
                if help {
                    app.update(Action::Help);
                }
                let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
                let mut view = ViewState::default();
                terminal
                    .draw(|frame| view::draw(&app, &mut view, frame))
                    .unwrap();
                if help {
                    app.update(Action::Back);
                }
                app.update(Action::Down);
                app.update(Action::PageDown);
            }
        }
    }
}

// ---- The change dialogs ---------------------------------------------------------------

fn type_name(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::TagEdit(InputRequest::InsertChar(c)));
    }
}

#[test]
fn tag_input_valid() {
    let mut app = fixture_app();
    select(&mut app, "localhost/side:1");
    app.update(Action::StartTag);
    type_name(&mut app, "app:latest");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn tag_input_invalid() {
    let mut app = fixture_app();
    select(&mut app, "localhost/side:1");
    app.update(Action::StartTag);
    type_name(&mut app, "Side:2");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn tag_input_empty() {
    let mut app = fixture_app();
    select(&mut app, "localhost/side:1");
    app.update(Action::StartTag);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn untag_pick() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::StartUntag);
    app.update(Action::Down);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn remove_preview_plain() {
    let mut app = fixture_app();
    select(&mut app, "localhost/mid-cfg:1");
    app.update(Action::StartRemove);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn remove_preview_in_use() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::StartRemove);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn remove_preview_forced() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::StartRemove);
    app.update(Action::ToggleForce);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn remove_preview_forced_no_prune() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::StartRemove);
    app.update(Action::ToggleForce);
    app.update(Action::ToggleNoPrune);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn remove_preview_blocked_read_only() {
    let mut app = fixture_app();
    select(&mut app, "localhost/ro:1");
    app.update(Action::StartRemove);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn prune_preview() {
    let mut app = fixture_app();
    app.update(Action::StartPrune);
    serve_plans(&mut app);
    insta::assert_snapshot!(screen(&app));
}

/// A prune plans on the whole store, off the UI thread: the preview opens at once and says
/// it is planning, with no apply key, until the plan comes.
#[test]
fn prune_preview_while_planning() {
    let mut app = fixture_app();
    app.update(Action::StartPrune);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn prune_preview_all() {
    let mut app = fixture_app();
    app.update(Action::StartPrune);
    app.update(Action::TogglePruneAll);
    serve_plans(&mut app);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn prune_preview_scrolled_on_a_small_terminal() {
    let mut app = fixture_app();
    app.update(Action::Resize {
        width: 80,
        height: 24,
    });
    app.update(Action::StartPrune);
    app.update(Action::TogglePruneAll);
    serve_plans(&mut app);
    app.update(Action::Down);
    app.update(Action::Down);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut view = ViewState::default();
    terminal
        .draw(|frame| view::draw(&app, &mut view, frame))
        .unwrap();
    insta::assert_snapshot!(text(terminal.backend().buffer()));
}

#[test]
fn status_line_after_a_removal() {
    let mut app = fixture_app();
    select(&mut app, "localhost/side:1");
    app.update(Action::StartRemove);
    app.update(Action::Confirm);
    let request = app.change_requested.take().unwrap();
    let rendered = text(&render(&app));
    assert!(rendered.contains("applying changes…"), "{rendered}");
    app.receive_change(ChangeOutcome::Applied(request));
    let rendered = text(&render(&app));
    let status = rendered.lines().nth(HEIGHT as usize - 2).unwrap();
    assert!(
        status.ends_with("Removed 1 image; 1.96 kB reclaimed"),
        "{status}"
    );
}

#[test]
fn a_long_store_label_is_cut_before_the_message() {
    let mut app = fixture_app();
    app.store_label = format!(
        "demo: scratch copy at /{} (cairn demo reset)",
        "deep/".repeat(30)
    );
    select(&mut app, "localhost/side:1");
    app.update(Action::StartRemove);
    app.update(Action::Confirm);
    let request = app.change_requested.take().unwrap();
    app.receive_change(ChangeOutcome::Applied(request));
    let rendered = text(&render(&app));
    let status = rendered.lines().nth(HEIGHT as usize - 2).unwrap();
    assert!(
        status.starts_with(" cairn  demo: scratch copy at /deep/"),
        "{status}"
    );
    assert!(
        status.ends_with("… Removed 1 image; 1.96 kB reclaimed"),
        "{status}"
    );
}

#[test]
fn blocked_reasons_are_red_and_bold() {
    let mut app = fixture_app();
    select(&mut app, "localhost/ro:1");
    app.update(Action::StartRemove);
    let buffer = render(&app);
    let (x, y) = find(&buffer, "Blocked: cannot remove read-only");
    let style = buffer[(x, y)].style();
    assert_eq!(style.fg, Some(Color::Red));
    assert!(style.add_modifier.contains(Modifier::BOLD));
}

#[test]
fn a_valid_name_is_green_and_an_invalid_one_red() {
    let mut app = fixture_app();
    app.update(Action::StartTag);
    type_name(&mut app, "ok:1");
    let buffer = render(&app);
    let (x, y) = find(&buffer, "✓ localhost/ok:1");
    assert_eq!(buffer[(x, y)].style().fg, Some(Color::Green));
    app.update(Action::TagEdit(InputRequest::InsertChar('%')));
    let buffer = render(&app);
    let (x, y) = find(&buffer, "✗ ");
    assert_eq!(buffer[(x, y)].style().fg, Some(Color::Red));
}

#[test]
fn dialogs_honor_no_color_and_avoid_white_and_black() {
    let opens: [&[Action]; 4] = [
        &[
            Action::StartTag,
            Action::TagEdit(InputRequest::InsertChar('X')),
        ],
        &[Action::StartUntag],
        &[Action::StartRemove, Action::ToggleForce],
        &[Action::StartPrune, Action::TogglePruneAll],
    ];
    for actions in opens {
        for theme in [Theme::monochrome(), Theme::colored()] {
            let mut app = fixture_app();
            app.theme = theme.clone();
            select(&mut app, "localhost/app:1.0");
            for action in actions {
                app.update(action.clone());
            }
            serve_plans(&mut app);
            assert!(app.dialog.is_some(), "{actions:?} opened nothing");
            for cell in render(&app).content() {
                if !theme.color {
                    assert_eq!(cell.fg, Color::Reset, "a color at {:?}", cell.symbol());
                    assert_eq!(cell.bg, Color::Reset);
                }
                assert!(!matches!(
                    cell.fg,
                    Color::White | Color::Black | Color::Gray | Color::DarkGray
                ));
            }
        }
    }
}

#[test]
fn store_text_in_dialogs_is_sanitized() {
    let mut catalog = fixture_catalog();
    let image = catalog
        .snapshot
        .images
        .position(|i| i.names.contains(&"localhost/side:1".to_string()))
        .unwrap();
    catalog.snapshot.images[image]
        .names
        .push("localhost/evil\u{1b}[2J:1".into());
    let mut app = App::with_catalog("fixture (vfs)", now(), area(), Theme::colored(), catalog);
    select(&mut app, "localhost/side:1");
    for open in [Action::StartUntag, Action::StartRemove] {
        app.update(open);
        let buffer = render(&app);
        for cell in buffer.content() {
            assert!(!cell.symbol().chars().any(char::is_control));
        }
        assert!(text(&buffer).contains(r"localhost/evil\x1b[2J:1"));
        app.update(Action::Back);
    }
}

#[test]
fn dialogs_in_tiny_terminals_do_not_panic() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    for (width, height) in [(1, 1), (10, 3), (20, 5), (30, 8), (45, 12), (60, 15)] {
        app.update(Action::Resize { width, height });
        for open in [
            Action::StartTag,
            Action::StartUntag,
            Action::StartRemove,
            Action::StartPrune,
        ] {
            app.update(open);
            serve_plans(&mut app);
            app.update(Action::Down);
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            let mut view = ViewState::default();
            terminal
                .draw(|frame| view::draw(&app, &mut view, frame))
                .unwrap();
            app.update(Action::Back);
        }
    }
}

// The Files and Diff panes and the wasted space, on the fixture's layers as written in
// `common::tui_contents` and answered by the model as the reader thread would.

#[test]
fn files_tree_collapsed() {
    let app = contents_app("localhost/app:1.0", Pane::Files);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_tree_expanded() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::ExpandAll);
    app.update(Action::ToggleZoom);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_one_directory_opened() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    // bin/ is the first row: open it, then go down into it.
    app.update(Action::Expand);
    app.update(Action::Expand);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_layer_changes_only() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::ToggleLayerOnly);
    serve_fixture(&mut app);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_changed_only_at_a_lower_layer() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::LayerDown);
    serve_fixture(&mut app);
    app.update(Action::ToggleChangedOnly);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_filtered_by_glob() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::StartFilter);
    for c in "*.so".chars() {
        app.update(Action::FilterInput(c));
    }
    serve_filters(&mut app);
    insta::assert_snapshot!(screen(&app));
}

/// While the filter worker has not answered, the rows are the last answer's and the
/// filter line says so.
#[test]
fn files_filtering_in_the_background() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::StartFilter);
    for c in "*.so".chars() {
        app.update(Action::FilterInput(c));
    }
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_sorted_by_size() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::CycleSort);
    app.update(Action::ExpandAll);
    app.update(Action::ToggleZoom);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_reading_layers() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Files));
    app.receive_contents(ContentsMsg::Progress {
        slot: Slot::Files,
        read: 1,
        total: 3,
    });
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn files_the_store_cannot_read() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Files));
    for request in app.contents_requests.drain(..).collect::<Vec<_>>() {
        app.receive_contents(ContentsMsg::Done {
            generation: request.generation,
            job: request.job,
            answer: Err("reading layer 4ac1e3b2: the store cannot read layer contents".into()),
            sources: Vec::new(),
        });
    }
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn diff_against_the_parent() {
    let mut app = contents_app("localhost/app:1.0", Pane::Diff);
    app.update(Action::ExpandAll);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn diff_against_a_marked_image() {
    let mut app = fixture_app();
    select(&mut app, "localhost/side:1");
    app.update(Action::MarkForDiff);
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Diff));
    serve_fixture(&mut app);
    app.update(Action::ExpandAll);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn diff_of_a_lineage_step() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Lineage));
    // The tree is base, mid, app: mid is one up from the selected app.
    app.update(Action::Up);
    app.update(Action::DiffStep);
    serve_fixture(&mut app);
    app.update(Action::ExpandAll);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn details_with_wasted_space() {
    let mut app = contents_app("localhost/app:1.0", Pane::Details);
    app.update(Action::ToggleZoom);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_second_page() {
    let mut app = fixture_app();
    app.update(Action::Help);
    app.update(Action::NextPane);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn changes_have_symbols_and_colors_but_need_no_color() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::ToggleLayerOnly);
    serve_fixture(&mut app);
    let buffer = render(&app);
    let (x, y) = find(&buffer, "+  ");
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    app.theme = Theme::monochrome();
    let buffer = render(&app);
    let (x, y) = find(&buffer, "+  ");
    assert_eq!(buffer[(x, y)].fg, Color::Reset);
    let screen = text(&buffer);
    for symbol in ["+ ", "~ ", "- ", "T "] {
        assert!(
            screen.lines().any(|l| l.starts_with(&format!("│{symbol}"))),
            "no {symbol:?} row in\n{screen}"
        );
    }
}

#[test]
fn hostile_file_names_are_escaped() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Files));
    let mut entries = fixture_entries(&app);
    let layers = cairn_core::contents::image_layers(
        &app.store.as_ref().unwrap().catalog,
        app.selected().unwrap(),
    );
    entries.insert(
        layers[2],
        Arc::new(
            cairn_core::testing::entries::Layer::new()
                .file("evil\u{1b}[2J\u{7}name", 1)
                .with(cairn_core::contents::Entry {
                    path: b"bad\xffbytes".as_slice().into(),
                    ..cairn_core::testing::entries::entry(
                        b"x",
                        cairn_core::contents::EntryKind::File,
                    )
                })
                .build(),
        ),
    );
    serve(&mut app, &entries);
    let buffer = render(&app);
    for cell in buffer.content() {
        assert!(!cell.symbol().chars().any(char::is_control));
    }
    let screen = text(&buffer);
    assert!(screen.contains(r"evil\x1b[2J\x07name"), "{screen}");
    assert!(screen.contains(r"bad\xffbytes"), "{screen}");
}

/// The browser with a config file's keys and colors, as `tui::run` builds it.
fn configured_app(config: &str) -> App {
    let config = cairn::tui::config::parse(config, Theme::colored()).unwrap();
    let mut app = fixture_app();
    app.keymap = config.keymap;
    app.theme = config.theme;
    app
}

const REMAPPED: &str = "[keys.normal]\nstart-remove = \"x\"\nhelp = [\"?\", \"f1\"]\n\n[keys.remove]\ntoggle-force = \"F\"\n\n[theme]\naccent = \"magenta\"\nerror = \"#ff8800\"\n";

/// The help overlay and the footer show the keys as the config remaps them.
#[test]
fn help_overlay_with_remapped_keys() {
    let mut app = configured_app(REMAPPED);
    app.update(Action::Help);
    let text = screen(&app);
    assert!(
        text.contains(" x            remove the selected image"),
        "{text}"
    );
    assert!(
        text.contains(" ? F1         show or hide this help"),
        "{text}"
    );
    assert!(
        text.contains(" F            force: containers too, any name"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn footer_and_dialog_with_remapped_keys_and_colors() {
    let mut app = configured_app(REMAPPED);
    select(&mut app, "localhost/app:1.0");
    let footer = screen(&app).lines().last().unwrap().to_string();
    assert!(footer.contains("x remove"), "{footer}");
    app.update(Action::StartRemove);
    let buffer = render(&app);
    let text = text(&buffer);
    assert!(
        text.contains("Press F (force on) to make it possible"),
        "{text}"
    );
    assert!(text.contains("F force · n no-prune · Esc cancel"), "{text}");
    assert!(text.contains("[ ] force (F)"), "{text}");
    let (x, y) = find(&buffer, "Blocked: unable to delete");
    assert_eq!(
        buffer[(x, y)].style().fg,
        Some(Color::Rgb(0xff, 0x88, 0x00))
    );
    let (x, y) = find(&buffer, "Remove localhost/app:1.0");
    assert_eq!(buffer[(x, y)].style().fg, Some(Color::Magenta));
    insta::assert_snapshot!(text);
}
