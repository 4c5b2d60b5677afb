//! The store the browser's snapshots are taken on: the in-memory mirror of
//! `scripts/make-fixture-store.sh`'s podman store that the core's tests use too
//! (`cairn_core::testing::fixtures::podman`, with its additional read-only store), plus the
//! little the screens show and the planner does not need. No buildah, no root, no disk, and
//! IDs that never change with a tool's version.

use cairn::tui::app::App;
use cairn::tui::theme::Theme;
use cairn_core::testing::fixtures;
use cairn_core::{Catalog, ImageIdx};
use jiff::Timestamp;
use ratatui::layout::Rect;

/// The fixture store with its sizes and lineage computed, as the loader gives it.
pub fn fixture_catalog() -> Catalog {
    let mut store = fixtures::podman(true);
    // The script builds the read-only store first: its images are the oldest, at the bottom
    // of a list sorted by age.
    store.image("ro").created(1_699_990_000);
    store.image("ro-child").created(1_699_990_100);
    let app = store.idx("app");
    let mut snapshot = store.snapshot();
    // What only the details pane shows: the names the image had, and how it runs.
    let image = &mut snapshot.images[app];
    image.names_history = image.names.iter().rev().cloned().collect();
    if let Some(config) = &mut image.config {
        config.author = "cairn".into();
        config.env = vec!["APP_MODE=production".into(), "PATH=/app:/bin".into()];
        config.entrypoint = vec!["/app/run.sh".into()];
        config.cmd = vec!["--serve".into(), "--port".into(), "8080".into()];
        config.working_dir = "/app".into();
    }
    Catalog::new(snapshot)
}

/// A fixed "now", a few days after the fixture's fixed build times.
pub fn now() -> Timestamp {
    "2023-11-20T12:00:00Z".parse().unwrap()
}

/// The snapshots' terminal.
pub fn area() -> Rect {
    Rect::new(0, 0, super::tui::WIDTH, super::tui::HEIGHT)
}

/// The browser on the fixture store, in color.
pub fn fixture_app() -> App {
    App::with_catalog(
        "fixture (vfs)",
        now(),
        area(),
        Theme::colored(),
        fixture_catalog(),
    )
}

/// Selects the image the list names `name`, as a jump does, and clears the message it
/// leaves.
pub fn select(app: &mut App, name: &str) {
    app.jump_to(image_named(app, name));
    app.message = None;
}

/// The image the list names `name`.
pub fn image_named(app: &App, name: &str) -> ImageIdx {
    let store = app.store.as_ref().unwrap();
    store
        .facts
        .names
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("{name} is not in the fixture"))
}

/// Makes the plans the app asked the planner thread for, as that thread would, and gives
/// them to the app: a prune preview shows its plan after this.
pub fn serve_plans(app: &mut App) {
    for request in std::mem::take(&mut app.plan_requests) {
        app.receive_plan(request.run());
    }
}
