//! The browser on the bundled demo layout: the screens a first-time user sees when the
//! machine has no store, rendered into `TestBackend` and compared with insta snapshots.

use cairn::model::Catalog;
use cairn::store::StoreSpec;
use cairn::store::oci::{OciKind, OciStore};
use cairn::tui::action::Action;
use cairn::tui::app::{App, Pane};
use cairn::tui::theme::Theme;
use cairn::tui::view::{self, ViewState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::path::Path;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn demo_app() -> App {
    let store = OciStore {
        kind: OciKind::Layout,
        path: Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo"),
        demo: true,
    };
    let catalog = Catalog::new(store.load().expect("loading the demo"));
    // The label as `cairn` builds it, with the path made independent of the checkout.
    let label = StoreSpec::Oci(OciStore {
        path: "assets/demo".into(),
        ..store
    })
    .label();
    App::with_catalog(
        &label,
        "2023-11-20T12:00:00Z".parse().unwrap(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        catalog,
    )
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut view = ViewState::default();
    terminal
        .draw(|frame| view::draw(app, &mut view, frame))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..HEIGHT {
        let line: String = (0..WIDTH).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn demo_main_screen_says_it_is_the_demo() {
    let app = demo_app();
    let text = screen(&app);
    assert!(text.contains("bundled demo"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn demo_lineage_tree() {
    let mut app = demo_app();
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::ExpandAll);
    insta::assert_snapshot!(screen(&app));
}
