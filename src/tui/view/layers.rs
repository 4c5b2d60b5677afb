//! The layers pane: the image's layers base first, or, toggled with `w`, every layer that
//! depends on its top layer (`podman image tree --whatrequires`). Layers other images use too
//! are marked and colored, so what a removal would keep is visible at a glance.

use super::parts::{centered_message, fit, scrollbar_on_border};
use crate::tui::app::App;
use crate::tui::pane::Pane;
use cairn_core::human::podman_size;
use cairn_core::image::short_id;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let (Some(store), Some(image)) = (&app.store, app.selected()) else {
        centered_message(
            frame,
            area,
            Line::styled("No image selected", app.theme.dim()),
        );
        return;
    };
    let layers = &app.panes.layers;
    if layers.rows.is_empty() {
        centered_message(
            frame,
            area,
            Line::styled("This image has no layers", app.theme.dim()),
        );
        return;
    }
    let catalog = &store.catalog;
    let theme = &app.theme;
    let focused = app.focus == Pane::Layers;
    let page = (area.height as usize).saturating_sub(1);
    let id_width: u16 = if layers.whatrequires { 28 } else { 12 };
    let names_width = area.width.saturating_sub(id_width + 9 + 12 + 3) as usize;
    let rows: Vec<Row> = layers
        .rows
        .iter()
        .enumerate()
        .skip(layers.scroll.offset)
        .take(page)
        .map(|(position, row)| {
            let layer = &catalog.snapshot.layers[row.layer];
            let users = store
                .facts
                .forest
                .users
                .get(row.layer)
                .copied()
                .unwrap_or(0);
            let shared = users > 1;
            let indent = if layers.whatrequires && row.depth > 0 {
                format!("{}└ ", "  ".repeat((row.depth - 1).min(6)))
            } else {
                String::new()
            };
            let id_style = if shared { theme.shared() } else { Style::new() };
            let used = if shared {
                Span::styled(format!("◆ {users} images"), theme.shared())
            } else {
                Span::styled("only this".to_string(), theme.dim())
            };
            let mut tops: Vec<Span> = Vec::new();
            let mut width = 0;
            for &top in &catalog.tree.node(row.layer).images {
                let name = visible(&store.facts.label(catalog, top)).into_owned();
                if !tops.is_empty() {
                    tops.push(Span::raw(", "));
                    width += 2;
                }
                width += name.chars().count();
                let style = if top == image {
                    theme.current()
                } else {
                    Style::new()
                };
                tops.push(Span::styled(name, style));
                if width > names_width {
                    break;
                }
            }
            let cells = vec![
                Cell::from(Line::from(vec![
                    Span::styled(indent, theme.dim()),
                    Span::styled(short_id(&layer.id).to_string(), id_style),
                ])),
                Cell::from(Line::styled(podman_size(layer.size()), theme.size()).right_aligned()),
                Cell::from(used),
                Cell::from(Line::from(tops)),
            ];
            let row = Row::new(cells);
            if position == layers.scroll.cursor {
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
        Cell::from("LAYER"),
        Cell::from(Line::from("SIZE").right_aligned()),
        Cell::from("USED BY"),
        Cell::from(fit("TOP LAYER OF", names_width)),
    ])
    .style(theme.header());
    let widths = [
        Constraint::Length(id_width),
        Constraint::Length(9),
        Constraint::Length(12),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
    scrollbar_on_border(frame, area, layers.rows.len(), layers.scroll.offset, page);
}
