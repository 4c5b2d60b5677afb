//! The pieces every drawing shares: pane and dialog frames, titles, the keys line of a
//! dialog, scroll bars, text cut to fit, the spinner and centered messages.

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::dialog::Subject;
use crate::tui::mode::Mode;
use crate::tui::pane::Pane;
use cairn_core::image::short_id;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Scrollbar, ScrollbarOrientation, ScrollbarState};

/// A dialog's frame: like the focused pane's, so it reads as the thing with the keyboard.
pub fn dialog_block<'a>(app: &App, title: Line<'a>) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(app.theme.focused_border())
        .title(title)
}

/// The image a dialog acts on: its name and short ID.
pub fn subject_line(app: &App, subject: &Subject) -> Line<'static> {
    Line::from(vec![
        Span::styled(" Image    ", app.theme.label()),
        Span::raw(visible(&subject.label).into_owned()),
        Span::raw(" "),
        Span::styled(short_id(&subject.id).to_string(), app.theme.dim()),
    ])
}

/// A switch of a preview: `[x] force (f)`, on or off.
/// A dialog's switch, `[x] force (f)`, with the key the key table gives `toggle` in `mode`.
pub fn switch(
    app: &App,
    on: bool,
    (mode, toggle): (Mode, Action),
    name: &'static str,
) -> Vec<Span<'static>> {
    let key = app.keymap.key_for(mode, &toggle).unwrap_or_default();
    let (mark, style) = if on {
        ("[x] ", app.theme.ok())
    } else {
        ("[ ] ", Style::new())
    };
    vec![
        Span::styled(mark, style),
        Span::styled(name, style),
        Span::styled(format!(" ({key})"), app.theme.dim()),
    ]
}

/// A dialog's keys, from the key table: `y/Enter apply · f force · Esc cancel` (without
/// apply when the dialog's plan cannot be applied).
pub fn dialog_footer(app: &App, mode: Mode) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let hints = app
        .keymap
        .dialog_hints(mode, &|action| app.hint_shown(action));
    for (i, hint) in hints.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", app.theme.dim()));
        }
        let (keys, word) = hint.split_once(' ').unwrap_or((&hint, ""));
        spans.push(Span::styled(keys.to_string(), app.theme.key()));
        spans.push(Span::raw(format!(" {word}")));
    }
    Line::from(spans)
}

/// A pane's frame: rounded, bold and colored when it has the keyboard.
pub fn pane_block<'a>(app: &App, focused: bool, title: Line<'a>) -> Block<'a> {
    let border = if focused {
        app.theme.focused_border()
    } else {
        app.theme.border()
    };
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(title)
}

/// A pane title: its number (the key that focuses it) and name, then extra words.
pub fn title<'a>(app: &App, pane: Pane, extra: String) -> Line<'a> {
    let number = pane.number();
    let focused = app.focus == pane;
    let name_style = if focused {
        app.theme.focused_border()
    } else {
        Style::new()
    };
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(format!("{number} {}", pane.title()), name_style),
    ];
    if !extra.is_empty() {
        spans.push(Span::styled(format!(" · {extra}"), app.theme.dim()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// A vertical scrollbar over a pane's right border, when its rows do not fit.
pub fn scrollbar(frame: &mut Frame, area: Rect, len: usize, offset: usize, page: usize) {
    if len <= page || area.height < 3 {
        return;
    }
    let mut state = ScrollbarState::new(len.saturating_sub(page))
        .position(offset)
        .viewport_content_length(page);
    let bar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
        .begin_symbol(None)
        .end_symbol(None)
        .track_symbol(Some("│"))
        .thumb_symbol("┃");
    let track = Rect {
        y: area.y + 1,
        height: area.height - 2,
        ..area
    };
    frame.render_stateful_widget(bar, track, &mut state);
}

/// The scroll bar of a pane drawn inside a border: `inner` is the area within the border,
/// and the bar goes on the border's right edge.
pub fn scrollbar_on_border(frame: &mut Frame, inner: Rect, len: usize, offset: usize, page: usize) {
    let outer = Rect {
        x: inner.x.saturating_sub(1),
        y: inner.y.saturating_sub(1),
        width: inner.width + 2,
        height: inner.height + 2,
    };
    scrollbar(frame, outer, len, offset, page);
}

/// Cuts text to `width` columns, ending with `…` when it was longer.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Cuts a line of spans to `width` columns, ending with `…` when it was longer, so that text
/// cut short says so instead of running into what is drawn next to it.
pub fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let total: usize = spans.iter().map(|span| span.content.chars().count()).sum();
    if total <= width || width == 0 {
        return if width == 0 { Vec::new() } else { spans };
    }
    let mut room = width - 1;
    let mut out = Vec::new();
    for span in spans {
        let len = span.content.chars().count();
        if len > room {
            let cut: String = span.content.chars().take(room).collect();
            out.push(Span::styled(cut + "…", span.style));
            break;
        }
        room -= len;
        out.push(span);
    }
    out
}

/// The spinner's frame for a tick count.
pub fn spinner(tick: usize) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[tick % FRAMES.len()]
}

/// A message centered in an area, for empty and loading states.
pub fn centered_message(frame: &mut Frame, area: Rect, line: Line) {
    if area.height == 0 {
        return;
    }
    let y = area.y + area.height / 2;
    let row = Rect {
        y,
        height: 1,
        ..area
    };
    frame.render_widget(line.centered(), row);
}
