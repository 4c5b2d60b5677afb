//! The details pane: everything known about the selected image, one fact per line, labels
//! in a column of their own.

use super::parts::{centered_message, fit, scrollbar_on_border};
use crate::tui::app::App;
use crate::tui::pane::Pane;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const LABEL_WIDTH: usize = 14;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let details = &app.panes.details;
    if details.lines.is_empty() {
        centered_message(
            frame,
            area,
            Line::styled("No image selected", app.theme.dim()),
        );
        return;
    }
    let theme = &app.theme;
    let focused = app.focus == Pane::Details;
    let page = area.height as usize;
    let value_width = (area.width as usize).saturating_sub(LABEL_WIDTH + 1);
    let lines: Vec<Line> = details
        .lines
        .iter()
        .enumerate()
        .skip(details.scroll.offset)
        .take(page)
        .map(|(position, (label, value))| {
            let line = Line::from(vec![
                Span::styled(format!("{label:<LABEL_WIDTH$} "), theme.label()),
                Span::raw(fit(&visible(value), value_width)),
            ]);
            if focused && position == details.scroll.cursor {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
    scrollbar_on_border(
        frame,
        area,
        details.lines.len(),
        details.scroll.offset,
        page,
    );
}
