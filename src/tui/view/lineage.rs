//! The lineage pane: the selected image's ancestors down to it, then its descendants, as a
//! tree. Which nodes are open, and the visible rows, are the app's
//! ([`LineageTree`](crate::tui::state::lineage::LineageTree)); only the rows on screen are
//! drawn, so that a base image with thousands of descendants costs a keypress no more than
//! a leaf. (tui-tree-widget, which drew it before, needs every visible node's item built for
//! every frame, in any pane, which took most of an idle key's time on such a base.)

use super::parts::{centered_message, pane_block, spinner, title};
use crate::tui::app::App;
use crate::tui::data::StoreData;
use crate::tui::marks::Marks;
use crate::tui::pane::Pane;
use cairn_core::ImageIdx;
use cairn_core::lineage::Lineage;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};

/// What the tree keeps between frames: the first row on screen, which moves only as far as
/// keeping the selected row on screen needs, and which node each line shows, for clicks.
#[derive(Debug, Default)]
pub struct TreeWindow {
    offset: usize,
    area: Rect,
    drawn: Vec<(u16, Vec<ImageIdx>)>,
}

impl TreeWindow {
    /// The node drawn at `position` in the last frame.
    pub fn rendered_at(&self, position: Position) -> Option<&[ImageIdx]> {
        if !self.area.contains(position) {
            return None;
        }
        self.drawn
            .iter()
            .rev()
            .find(|(y, _)| position.y >= *y)
            .map(|(_, path)| path.as_slice())
    }
}

pub fn draw(app: &App, window: &mut TreeWindow, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Lineage;
    let extra = match (&app.lineage, app.selected()) {
        (Some(lineage), Some(image)) => format!(
            "{} ancestors · {} children",
            app.panes.lineage.chain.len().saturating_sub(1),
            lineage.children(image).len()
        ),
        _ => String::new(),
    };
    let block = pane_block(app, focused, title(app, Pane::Lineage, extra));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    window.area = inner;
    window.drawn.clear();
    let (Some(store), Some(lineage)) = (&app.store, &app.lineage) else {
        if app.store.is_some() || app.load_error.is_none() {
            let line = Line::from(vec![
                Span::styled(spinner(app.spinner), app.theme.spinner()),
                Span::raw(" computing lineage…"),
            ]);
            centered_message(frame, inner, line);
        }
        return;
    };
    let tree = &app.panes.lineage;
    if tree.rows.is_empty() {
        centered_message(
            frame,
            inner,
            Line::styled("No image selected", app.theme.dim()),
        );
        return;
    }
    let height = usize::from(inner.height);
    if height == 0 || inner.width == 0 {
        return;
    }
    let selected = tree.selected_index();
    let mut start = window.offset.min(tree.rows.len() - 1);
    if let Some(selected) = selected {
        start = start.min(selected);
        if selected >= start + height {
            start = selected + 1 - height;
        }
    }
    window.offset = start;
    let highlight = app.theme.cursor(focused);
    let buffer = frame.buffer_mut();
    for (line, row) in tree.rows.iter().skip(start).take(height).enumerate() {
        let y = inner.y + line as u16;
        let symbol = if !row.has_children {
            "  "
        } else if tree.open.contains(&row.path) {
            "▾ "
        } else {
            "▸ "
        };
        let indent = " ".repeat(row.path.len().saturating_sub(1) * 2) + symbol;
        let (x, _) = buffer.set_stringn(
            inner.x,
            y,
            &indent,
            usize::from(inner.width),
            ratatui::style::Style::new(),
        );
        if let Some(image) = row.image() {
            let text_area = Rect::new(x, y, inner.width.saturating_sub(x - inner.x), 1);
            ratatui::widgets::Widget::render(
                node_line(app, store, lineage, image),
                text_area,
                buffer,
            );
        }
        if Some(start + line) == selected {
            buffer.set_style(Rect::new(inner.x, y, inner.width, 1), highlight);
        }
        window.drawn.push((y, row.path.clone()));
    }
}

/// A node's text: name, short ID, and a marker on the image selected in the list.
fn node_line(app: &App, store: &StoreData, lineage: &Lineage, image: ImageIdx) -> Line<'static> {
    let catalog = &store.catalog;
    let theme = &app.theme;
    let img = &catalog.snapshot.images[image];
    let current = app.panes.lineage.chain.last() == Some(&image);
    let name = visible(&store.facts.names[image]).into_owned();
    let name_style = if current {
        theme.current()
    } else if img.names.is_empty() {
        theme.dim()
    } else {
        ratatui::style::Style::new()
    };
    let mut spans = vec![
        Span::styled(name, name_style),
        Span::raw(" "),
        Span::styled(img.short_id().to_string(), theme.dim()),
    ];
    let marks = Marks::of(catalog, Some(lineage), image);
    if marks.in_use {
        spans.push(Span::styled(" c", theme.in_use()));
    }
    if marks.corrupted {
        spans.push(Span::styled(" !", theme.corrupted()));
    }
    if current {
        spans.push(Span::styled(" ◀", theme.current()));
    }
    Line::from(spans)
}
