//! The help overlay, generated from the key table so it lists exactly the keys that work,
//! plus the legend of the list's marks.

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{HELP_PAGES, Section, key_label, keys_label};
use crate::tui::mode::Mode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

const KEY_WIDTH: usize = 13;

/// A legend the help shows after a column's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Legend {
    /// The image list's marks.
    Images,
    /// The file trees' change marks.
    Files,
}

/// The sections and legends of each page's left and right column; `HELP_PAGES` of them.
fn page(n: usize) -> [(&'static [Section], &'static [Legend]); 2] {
    match n {
        0 => [
            (
                &[
                    Section::General,
                    Section::Move,
                    Section::Images,
                    Section::Layers,
                ],
                &[],
            ),
            (
                &[
                    Section::Lineage,
                    Section::Filter,
                    Section::Changes,
                    Section::Dialogs,
                ],
                &[],
            ),
        ],
        _ => [
            (&[Section::History, Section::Tree, Section::Files], &[]),
            (&[], &[Legend::Files, Legend::Images]),
        ],
    }
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let shown = app.help_page % HELP_PAGES;
    let [(left, left_legend), (right, right_legend)] = page(shown);
    let left = column(app, left, left_legend);
    let right = column(app, right, right_legend);
    let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let width = 100.min(area.width);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.focused_border())
        .title(Line::styled(
            format!(" Keys {}/{HELP_PAGES} ", shown + 1),
            theme.focused_border(),
        ))
        .title(Line::styled(close_keys(app), theme.dim()).right_aligned());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
        .spacing(2)
        .areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}

/// " Tab next page · Esc, q or ? to close ": the help's own keys, as the key table has them.
fn close_keys(app: &App) -> String {
    let mut keys: Vec<String> = app
        .keymap
        .bindings()
        .filter(|(b, _)| b.mode == Mode::Help && b.action == Action::Back)
        .flat_map(|(_, keys)| keys.iter().map(key_label))
        .collect();
    let last = keys.pop().unwrap_or_default();
    let close = match keys.is_empty() {
        true => format!("{last} to close"),
        false => format!("{} or {last} to close", keys.join(", ")),
    };
    match app.keymap.key_for(Mode::Help, &Action::NextPane) {
        Some(next) => format!(" {next} next page · {close} "),
        None => format!(" {close} "),
    }
}

fn column(app: &App, sections: &[Section], legends: &[Legend]) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    for &section in sections {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(section.title(), theme.header()));
        // The dialogs share most keys: each (keys, words) pair is listed once, and quitting
        // is already under General.
        let mut listed: Vec<(String, &str)> = Vec::new();
        for (binding, keys) in app
            .keymap
            .bindings()
            .filter(|(b, _)| b.section == section && b.mode != Mode::Help)
        {
            if section == Section::Dialogs {
                let entry = (keys_label(keys), binding.description);
                if binding.action == Action::Quit || listed.contains(&entry) {
                    continue;
                }
                listed.push(entry);
            }
            lines.push(Line::from(vec![
                Span::styled(format!(" {:<KEY_WIDTH$}", keys_label(keys)), theme.key()),
                Span::raw(binding.description),
            ]));
        }
    }
    for &legend in legends {
        legend_lines(app, legend, &mut lines);
    }
    lines
}

/// A legend under its heading, after a blank line when something is above it.
fn legend_lines(app: &App, legend: Legend, lines: &mut Vec<Line<'static>>) {
    let theme = &app.theme;
    let (heading, marks) = match legend {
        Legend::Images => (
            "Marks",
            vec![
                ("Δ", theme.key(), "marked: Diff compares with it (m)"),
                ("!", theme.corrupted(), "corrupted (missing data)"),
                ("c", theme.in_use(), "in use by containers"),
                ("r", theme.read_only(), "read-only (additional store)"),
                ("i", theme.intermediate(), "intermediate (hidden, see a)"),
                ("d", theme.dangling(), "dangling (no name, no child)"),
                ("◆", theme.shared(), "layer shared with others"),
            ],
        ),
        Legend::Files => (
            "Changes",
            vec![
                ("+", theme.added(), "added (by the layer, or image)"),
                ("~", theme.modified(), "modified: written again"),
                ("T", theme.type_changed(), "type changed (file → link...)"),
                ("-", theme.removed(), "removed (whiteout, opaque dir)"),
                ("•", theme.dim(), "a directory with changes inside"),
                ("L3", theme.dim(), "the layer that last changed it"),
            ],
        ),
    };
    if !lines.is_empty() {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(heading, theme.header()));
    for (mark, style, text) in marks {
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("{mark:<KEY_WIDTH$}"), style),
            Span::raw(text),
        ]));
    }
}
