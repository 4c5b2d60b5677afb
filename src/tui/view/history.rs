//! The history pane: `podman history` for the selected image, newest step first. Steps whose
//! image is in the store show its ID, and Enter jumps to it.

use super::parts::{centered_message, fit, scrollbar_on_border};
use crate::tui::app::App;
use crate::tui::data::age;
use crate::tui::pane::Pane;
use cairn_core::history::MISSING;
use cairn_core::human::podman_size;
use cairn_core::image::short_id;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    if app.selected().is_none() {
        centered_message(
            frame,
            area,
            Line::styled("No image selected", app.theme.dim()),
        );
        return;
    }
    let history = &app.panes.history;
    if history.rows.is_empty() {
        centered_message(
            frame,
            area,
            Line::styled("No history recorded", app.theme.dim()),
        );
        return;
    }
    let theme = &app.theme;
    let focused = app.focus == Pane::History;
    let page = (area.height as usize).saturating_sub(1);
    let comment_width: u16 = 16;
    let created_by_width = area.width.saturating_sub(12 + 8 + 9 + comment_width + 4) as usize;
    let rows: Vec<Row> = history
        .rows
        .iter()
        .enumerate()
        .skip(history.scroll.offset)
        .take(page)
        .map(|(position, step)| {
            let in_store = history.images.get(position).copied().flatten().is_some();
            let id = if step.id == MISSING {
                Span::styled(MISSING, theme.dim())
            } else if in_store {
                Span::styled(short_id(&step.id).to_string(), theme.label())
            } else {
                Span::raw(short_id(&step.id).to_string())
            };
            let size = if step.size == 0 {
                Line::styled("0 B", theme.dim()).right_aligned()
            } else {
                Line::styled(podman_size(step.size), theme.size()).right_aligned()
            };
            let row = Row::new(vec![
                Cell::from(id),
                Cell::from(Span::styled(age(app.now, step.created), theme.dim())),
                Cell::from(size),
                Cell::from(fit(&visible(&step.created_by), created_by_width)),
                Cell::from(Span::styled(
                    fit(&visible(&step.comment), comment_width as usize),
                    theme.dim(),
                )),
            ]);
            if position == history.scroll.cursor {
                row.style(if focused {
                    theme.selected()
                } else {
                    Style::new()
                })
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(vec![
        Cell::from("ID"),
        Cell::from("CREATED"),
        Cell::from(Line::from("SIZE").right_aligned()),
        Cell::from("CREATED BY"),
        Cell::from("COMMENT"),
    ])
    .style(theme.header());
    let widths = [
        Constraint::Length(12),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Length(comment_width),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
    scrollbar_on_border(frame, area, history.rows.len(), history.scroll.offset, page);
}
