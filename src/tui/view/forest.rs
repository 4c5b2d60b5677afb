//! The layer forest, drawn in the lineage pane when `f` switches it: one row per layer shown,
//! indented by the forks above it, with the images each layer tops and, at a fork, how many
//! images share the layers below it and how many bytes those are. Only the rows on screen are
//! built, so a store of 30,000 layers draws as fast as one of thirty.

use super::parts::{centered_message, fit_spans, pane_block, scrollbar, spinner, title};
use crate::tui::app::App;
use crate::tui::pane::Pane;
use cairn_core::human::podman_size;
use cairn_core::image::short_id;
use cairn_core::layer_forest::LayerForest;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Forks deeper than this are drawn at this depth, so a row keeps room for its text.
const MAX_INDENT: usize = 12;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Lineage;
    let forest = &app.panes.forest;
    let extra = match &app.store {
        Some(store) => format!("forest · {} layers", store.catalog.snapshot.layers.len(),),
        None => "forest".to_string(),
    };
    let block = pane_block(app, focused, title(app, Pane::Lineage, extra));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(store) = &app.store else {
        if app.load_error.is_none() {
            let line = Line::from(vec![
                Span::styled(spinner(app.spinner), app.theme.spinner()),
                Span::raw(" reading store…"),
            ]);
            centered_message(frame, inner, line);
        }
        return;
    };
    if store.without_layers {
        centered_message(frame, inner, super::reading_layers(app));
        return;
    }
    if forest.rows.is_empty() {
        centered_message(
            frame,
            inner,
            Line::styled("The store has no layers", app.theme.dim()),
        );
        return;
    }
    let catalog = &store.catalog;
    let theme = &app.theme;
    let page = inner.height as usize;
    // The cursor stays on screen whatever page size the state last knew (zoom changes it).
    let mut offset = forest.scroll.offset;
    if forest.scroll.cursor >= offset + page {
        offset = forest.scroll.cursor + 1 - page;
    }
    offset = offset.min(forest.scroll.cursor);
    let selected_top = app
        .selected()
        .and_then(|image| catalog.tree.top_node(&catalog.snapshot, image));
    let width = inner.width as usize;
    let lines: Vec<Line> = forest
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(page)
        .map(|(position, row)| {
            let layer = &catalog.snapshot.layers[row.layer];
            let node = catalog.tree.node(row.layer);
            let fork = LayerForest::is_fork(&catalog.tree, row.layer);
            let shown_above = forest
                .rows
                .get(position + 1)
                .is_some_and(|next| node.children.contains(&next.layer));
            // Every root shows a mark, so that a new tree reads apart from a line going on.
            let root = node.parent.is_none();
            let fold = match (node.children.is_empty(), shown_above) {
                (true, _) if root => "· ",
                (false, false) => "▸ ",
                (false, true) if fork || root => "▾ ",
                _ => "  ",
            };
            let branch = match (row.depth, row.branch, row.last) {
                (0, _, _) => "",
                (_, true, true) => "└ ",
                (_, true, false) => "├ ",
                (_, false, true) => "  ",
                (_, false, false) => "│ ",
            };
            let indent = "  ".repeat((row.depth as usize).saturating_sub(1).min(MAX_INDENT));
            let users = store.facts.forest.users[row.layer];
            let id_style = if users > 1 {
                theme.shared()
            } else {
                Style::new()
            };
            let mut spans = vec![
                Span::styled(format!("{indent}{branch}{fold}"), theme.dim()),
                Span::styled(short_id(&layer.id).to_string(), id_style),
                Span::styled(format!(" {:>8}", podman_size(layer.size())), theme.size()),
            ];
            for &image in &node.images {
                let name = visible(&store.facts.label(catalog, image)).into_owned();
                let style = if app.selected() == Some(image) {
                    theme.current()
                } else {
                    Style::new()
                };
                spans.push(Span::raw(" "));
                spans.push(Span::styled(name, style));
            }
            if selected_top == Some(row.layer) {
                spans.push(Span::styled(" ◀", theme.current()));
            }
            if fork {
                spans.push(Span::styled(
                    format!(
                        " ⑂ {} shared by {users} images",
                        podman_size(store.facts.forest.stack_size[row.layer])
                    ),
                    theme.shared(),
                ));
            }
            let line = cut(Line::from(spans), width);
            if position == forest.scroll.cursor {
                line.style(theme.cursor(focused))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    scrollbar(frame, area, forest.rows.len(), offset, page);
}

/// A row cut to the pane's width, its last span ending with `…` when it was longer, and
/// padded so that the cursor's colour spans the whole row.
fn cut(line: Line<'static>, width: usize) -> Line<'static> {
    let mut spans = fit_spans(line.spans, width);
    let used: usize = spans.iter().map(|span| span.content.chars().count()).sum();
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
    Line::from(spans)
}
