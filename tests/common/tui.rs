//! Rendering the browser into ratatui's `TestBackend`, as the snapshot tests read it.

use cairn::tui::app::App;
use cairn::tui::view::{self, ViewState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

/// The screen sizes the snapshots are taken at.
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

/// One frame of the app, drawn as the event loop draws it.
pub fn render(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut view = ViewState::default();
    terminal
        .draw(|frame| view::draw(app, &mut view, frame))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer's text, each line without its trailing blanks.
pub fn text(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The app's screen as text.
pub fn screen(app: &App) -> String {
    text(&render(app))
}

/// Filters the image list to `text`, as typing `/TEXT Enter` does.
pub fn filter(app: &mut App, text: &str) {
    use cairn::tui::action::Action;
    app.update(Action::StartFilter);
    for c in text.chars() {
        app.update(Action::FilterInput(c));
    }
    app.update(Action::FilterAccept);
}
