//! The help overlay, generated from the key table so it lists exactly the keys that work,
//! plus the legend of the list's marks.

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{Section, key_label, keys_label};
use crate::tui::mode::Mode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

const KEY_WIDTH: usize = 13;

/// Sections in the left and right column.
const LEFT: [Section; 3] = [Section::General, Section::Move, Section::Images];
const RIGHT: [Section; 6] = [
    Section::Lineage,
    Section::Layers,
    Section::History,
    Section::Filter,
    Section::Changes,
    Section::Dialogs,
];

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let left = column(app, &LEFT, true);
    let right = column(app, &RIGHT, false);
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
        .title(Line::styled(" Keys ", theme.focused_border()))
        .title(Line::styled(close_keys(app), theme.dim()).right_aligned());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
        .spacing(2)
        .areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}

/// " Esc, q or ? to close ": the help's own keys, as the key table has them.
fn close_keys(app: &App) -> String {
    let mut keys: Vec<String> = app
        .keymap
        .bindings()
        .filter(|(b, _)| b.mode == Mode::Help && b.action == Action::Back)
        .flat_map(|(_, keys)| keys.iter().map(key_label))
        .collect();
    let last = keys.pop().unwrap_or_default();
    match keys.is_empty() {
        true => format!(" {last} to close "),
        false => format!(" {} or {last} to close ", keys.join(", ")),
    }
}

fn column(app: &App, sections: &[Section], legend: bool) -> Vec<Line<'static>> {
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
    if legend {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Marks", theme.header()));
        let marks = [
            ("!", theme.corrupted(), "corrupted (missing data)"),
            ("c", theme.in_use(), "in use by containers"),
            ("r", theme.read_only(), "read-only (additional store)"),
            ("i", theme.intermediate(), "intermediate (hidden, see a)"),
            ("d", theme.dangling(), "dangling (no name, no child)"),
            ("◆", theme.shared(), "layer shared with others"),
        ];
        for (mark, style, text) in marks {
            lines.push(Line::from(vec![
                Span::raw(" "),
                Span::styled(format!("{mark:<KEY_WIDTH$}"), style),
                Span::raw(text),
            ]));
        }
    }
    lines
}
