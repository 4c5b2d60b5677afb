//! The Files pane, and the file tree it shares with the Diff pane: one row per visible path,
//! its change mark (a symbol and a color), its size (a directory's total), the layer that
//! last changed it, and its name in the tree. Only the rows on screen are drawn, found from
//! the tree's row counts without listing the others.

use super::parts::{centered_message, fit, scrollbar_on_border};
use crate::tui::app::App;
use crate::tui::pane::Pane;
use crate::tui::state::files::{Contents, FileSort, Mark, Row, TreeView};
use cairn_core::contents::EntryKind;
use cairn_core::human::podman_size;
use cairn_core::visible::{visible, visible_bytes};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Columns before the tree: the mark, the size and the layer, with their spaces.
const SIZE_WIDTH: usize = 9;
const LAYER_WIDTH: usize = 5;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let files = &app.panes.files;
    let empty = match &files.subject {
        None => "No image selected",
        Some(subject) if subject.layers.is_empty() => "This image has no layers",
        Some(subject) if subject.layer_only => "This layer changes nothing",
        Some(_) => "This image has no files",
    };
    draw_contents(app, frame, area, &files.contents, Pane::Files, empty);
}

/// A pane's tree, or what stands in for it while it loads or when it failed.
pub fn draw_contents(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    contents: &Contents,
    pane: Pane,
    empty: &str,
) {
    let theme = &app.theme;
    match contents {
        Contents::None => {
            centered_message(frame, area, Line::styled(empty.to_string(), theme.dim()))
        }
        Contents::Loading => centered_message(
            frame,
            area,
            Line::styled("Reading layers…", theme.spinner()),
        ),
        Contents::Failed(error) => centered_message(
            frame,
            area,
            Line::styled(fit(&visible(error), area.width as usize), theme.error()),
        ),
        Contents::Ready(view) => draw_tree(app, frame, area, view, pane, empty),
    }
}

fn draw_tree(app: &App, frame: &mut Frame, area: Rect, view: &TreeView, pane: Pane, empty: &str) {
    let theme = &app.theme;
    if area.height == 0 {
        return;
    }
    let header = Rect { height: 1, ..area };
    frame.render_widget(header_line(app, view, area.width as usize), header);
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let rows = view.row_count();
    if rows == 0 {
        let words = if view.filter_running() {
            "Filtering…"
        } else if view.filter.is_empty() && !view.changed_only {
            empty
        } else {
            "Nothing matches"
        };
        centered_message(frame, body, Line::styled(words.to_string(), theme.dim()));
        return;
    }
    let focused = app.focus == pane;
    let page = body.height as usize;
    let name_width = (area.width as usize).saturating_sub(2 + SIZE_WIDTH + 1 + LAYER_WIDTH + 1);
    let lines: Vec<Line> = view
        .rows_from(view.scroll.offset)
        .take(page)
        .enumerate()
        .map(|(at, row)| {
            let position = view.scroll.offset + at;
            let line = row_line(app, view, &row, name_width);
            if position == view.scroll.cursor {
                line.style(theme.cursor(focused))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
    scrollbar_on_border(frame, body, rows, view.scroll.offset, page);
}

/// The column header, or the filter while there is one.
fn header_line(app: &App, view: &TreeView, width: usize) -> Line<'static> {
    let theme = &app.theme;
    if view.filtering || !view.filter.is_empty() {
        let mut spans = vec![
            Span::styled("/", theme.key()),
            Span::raw(visible(&view.filter).into_owned()),
        ];
        if view.filtering {
            spans.push(Span::styled("▏", theme.key()));
        }
        // The rows are the previous filter's until the worker answers.
        if view.filter_running() {
            spans.push(Span::styled("  filtering…", theme.spinner()));
        }
        let note = match &view.filter_error {
            Some(error) => Span::styled(format!("  {error}"), theme.error()),
            None if view.filtering => Span::styled(
                "  path text or glob (*.so, /etc/**) · Enter keep · Esc clear",
                theme.dim(),
            ),
            None => Span::styled("  Esc clears", theme.dim()),
        };
        spans.push(note);
        return Line::from(spans);
    }
    let text = format!(
        "  {:>SIZE_WIDTH$} {:<LAYER_WIDTH$} {}",
        "SIZE",
        "LAYER",
        fit(
            "PATH",
            width.saturating_sub(2 + SIZE_WIDTH + LAYER_WIDTH + 2)
        )
    );
    Line::styled(text, theme.header())
}

fn mark_style(app: &App, mark: Mark) -> Style {
    match mark {
        Mark::Added => app.theme.added(),
        Mark::Modified => app.theme.modified(),
        Mark::Removed => app.theme.removed(),
        Mark::TypeChanged => app.theme.type_changed(),
    }
}

fn row_line(app: &App, view: &TreeView, row: &Row, name_width: usize) -> Line<'static> {
    let theme = &app.theme;
    let node = view.node(row.node);
    let (symbol, style) = match node.mark {
        Some(mark) => (mark.symbol(), mark_style(app, mark)),
        // A directory with changes somewhere inside.
        None if node.changed => ("•", theme.dim()),
        None => (" ", Style::new()),
    };
    let size = if node.is_dir() { node.total } else { node.size };
    let size = if node.mark == Some(Mark::Removed) || (size == 0 && !node.is_dir()) {
        Span::styled(format!("{:>SIZE_WIDTH$}", podman_size(size)), theme.dim())
    } else {
        Span::styled(format!("{:>SIZE_WIDTH$}", podman_size(size)), theme.size())
    };
    let layer = node
        .layer
        .map_or_else(String::new, |at| format!("L{}", at + 1));
    let mut guides = String::new();
    for depth in 0..row.depth {
        guides.push_str(if row.is_last_at(depth) { "  " } else { "│ " });
    }
    guides.push_str(if row.is_last_at(row.depth) {
        "└"
    } else {
        "├"
    });
    let opener = if node.is_dir() && view.can_open(row.node) {
        if view.is_open(row.node) {
            "▾ "
        } else {
            "▸ "
        }
    } else {
        "─ "
    };
    let mut name = visible_bytes(&node.name).into_owned();
    if node.is_dir() {
        name.push('/');
    }
    let link = match (&node.link, node.kind) {
        (Some(target), EntryKind::Hardlink) => format!(" ⇒ {}", visible_bytes(target)),
        (Some(target), _) => format!(" → {}", visible_bytes(target)),
        (None, _) => String::new(),
    };
    let room = name_width.saturating_sub(guides.chars().count() + 2);
    let name = fit(&name, room);
    let link = fit(&link, room.saturating_sub(name.chars().count()));
    let name_style = match node.mark {
        Some(_) => style,
        None if node.is_dir() => Style::new().add_modifier(Modifier::BOLD),
        None => Style::new(),
    };
    Line::from(vec![
        Span::styled(format!("{symbol} "), style.add_modifier(Modifier::BOLD)),
        size,
        Span::raw(" "),
        Span::styled(format!("{layer:<LAYER_WIDTH$} "), theme.dim()),
        Span::styled(guides, theme.dim()),
        Span::styled(opener, theme.dim()),
        Span::styled(name, name_style),
        Span::styled(link, theme.dim()),
    ])
}

/// The words after a tree pane's tabs: the toggles, the sort, how many changes.
pub fn tree_summary(view: Option<&TreeView>) -> Vec<String> {
    let Some(view) = view else {
        return Vec::new();
    };
    let mut words = Vec::new();
    let marks: Vec<String> = view
        .tree
        .counts()
        .iter()
        .map(|(mark, n)| format!("{}{n}", mark.symbol()))
        .collect();
    if !marks.is_empty() {
        words.push(marks.join(" "));
    }
    if view.changed_only {
        words.push("changed only".into());
    }
    if view.sort != FileSort::Name {
        words.push(format!("by {}", view.sort.label()));
    }
    words
}
