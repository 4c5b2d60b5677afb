//! The two bottom lines: the status (store, counts, loading progress, last message) and the
//! key hints for the focused pane, taken from the key table.

use super::parts::{fit_spans, spinner};
use crate::tui::app::App;
use crate::tui::contents::Slot;
use cairn_core::visible::visible;
use cairn_store::Unreachable;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use std::time::SystemTime;

pub fn draw(app: &App, frame: &mut Frame, status: Rect, footer: Rect) {
    let theme = &app.theme;
    let mut left = vec![
        Span::styled(
            " cairn ",
            theme.focused_border().add_modifier(Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::raw(visible(&app.store_label).into_owned()),
    ];
    if let Some(store) = &app.store {
        let count = store.catalog.snapshot.images.len();
        left.push(Span::styled(
            format!("  {count} image{}", if count == 1 { "" } else { "s" }),
            theme.dim(),
        ));
        if let Some(at) = store.cached_at {
            left.push(Span::styled(
                format!(
                    "  cached {}",
                    cairn_core::human::ago(app.now, Some(at)).to_lowercase()
                ),
                theme.error(),
            ));
        }
    }
    // What the store could not show stays in view: the list is not the whole registry.
    if let Some((note, rest)) = app.store.as_ref().and_then(|s| s.notes().split_first()) {
        let more = match rest.len() {
            0 => String::new(),
            n => format!(" (+{n} more)"),
        };
        left.push(Span::styled(
            format!("  ! {}{more}", visible(note)),
            theme.in_use(),
        ));
    }
    if let Some(loading) = &app.loading {
        left.push(Span::raw("  "));
        left.push(Span::styled(spinner(app.spinner), theme.spinner()));
        left.push(Span::styled(
            format!(" {}…", loading.stage),
            theme.spinner(),
        ));
    }
    if let (None, Some(source)) = (&app.contents_progress, &app.contents_source) {
        left.push(Span::styled(
            format!(" · contents from {source}"),
            theme.dim(),
        ));
    }
    if let Some(progress) = &app.contents_progress {
        left.push(Span::raw("  "));
        left.push(Span::styled(spinner(app.spinner), theme.spinner()));
        left.push(Span::styled(
            format!(
                " reading layer {} of {} for the {}…",
                progress.read + 1,
                progress.total,
                match progress.slot {
                    Slot::Files => "files",
                    Slot::Diff => "diff",
                    Slot::Waste => "wasted space",
                }
            ),
            theme.spinner(),
        ));
    }
    if app.applying.is_some() {
        left.push(Span::raw("  "));
        left.push(Span::styled(spinner(app.spinner), theme.spinner()));
        left.push(Span::styled(" applying changes…", theme.spinner()));
    }
    // A store that does not answer stays said over any later message, until it answers.
    let message = match (&app.load_error, &app.unreachable, &app.message) {
        (Some(error), _, _) => Span::styled(format!("{} ", visible(error)), theme.error()),
        (None, Some(unreachable), _) => Span::styled(
            format!("{} ", unreachable_words(app.now, unreachable)),
            theme.error(),
        ),
        (None, None, Some(message)) if app.message_is_alert() => {
            Span::styled(format!("{} ", visible(message)), theme.error())
        }
        (None, None, Some(message)) => Span::styled(format!("{} ", visible(message)), theme.dim()),
        (None, None, None) => Span::raw(""),
    };
    // The message has half the line, or all the left part leaves free.
    let used: usize = left.iter().map(Span::width).sum();
    let room = (status.width / 2).max(status.width.saturating_sub(used as u16));
    let message_width = (message.width() as u16).min(room);
    let [l, r] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(message_width)]).areas(status);
    // The status cut short ends in `…` and a blank before the message, never runs into it.
    let left_room = match message_width {
        0 => l.width,
        _ => l.width.saturating_sub(1),
    };
    frame.render_widget(Line::from(fit_spans(left, left_room.into())), l);
    // A message too long for its room shows its start, where it says what happened.
    let fits = message.width() as u16 <= message_width;
    frame.render_widget(
        match fits {
            true => Line::from(message).right_aligned(),
            false => Line::from(vec![Span::raw(" "), message]),
        },
        r,
    );

    let mut spans = vec![Span::raw(" ")];
    for (key, word) in app
        .keymap
        .hints(app.mode(), app.focus, &|action| app.hint_shown(action))
    {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(word, theme.dim()));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Line::from(spans), footer);
}

/// `unreachable since 3 minutes ago, next try in 25 s: ERROR` (the store's label says which
/// registry): the times first, so that a long error cut at the screen's edge leaves them in
/// view.
fn unreachable_words(now: Timestamp, unreachable: &Unreachable) -> String {
    let at = |time: SystemTime| Timestamp::try_from(time).ok();
    let next = at(unreachable.next_try)
        .map(|next| next.as_second().saturating_sub(now.as_second()))
        .unwrap_or(0);
    let next = match next {
        ..=0 => "trying again now".to_string(),
        1..60 => format!("next try in {next} s"),
        _ => format!("next try in {} min", (next + 59) / 60),
    };
    format!(
        "unreachable since {}, {next}: {}",
        cairn_core::human::ago(now, at(unreachable.since)).to_lowercase(),
        visible(&unreachable.error)
    )
}
