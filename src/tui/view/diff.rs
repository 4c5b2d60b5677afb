//! The Diff pane: what the newer of two images changed, as the Files pane's tree with every
//! path marked added, modified or removed.

use super::files::draw_contents;
use crate::tui::app::App;
use crate::tui::pane::Pane;
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let diff = &app.panes.diff;
    let empty = match (diff.none_because, &diff.subject) {
        (Some(why), _) => why,
        (None, None) => "No image selected",
        (None, Some(_)) => "The two images hold the same files",
    };
    draw_contents(app, frame, area, &diff.contents, Pane::Diff, empty);
}
