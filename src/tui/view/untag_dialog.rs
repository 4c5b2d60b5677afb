//! `u`: the image's names to pick the one to remove, and what removing it leaves.

use super::parts::{dialog_block, dialog_footer, fit, subject_line};
use crate::tui::app::App;
use crate::tui::dialog::UntagDialog;
use crate::tui::mode::Mode;
use crate::tui::popup::{blocked_rows, popup_area};
use cairn_core::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

const WIDTH: u16 = 80;
/// Lines besides the names: subject, prompt, blank, outcome, blank, footer, border.
const CHROME: u16 = 8;

pub fn draw(app: &App, dialog: &UntagDialog, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let width = WIDTH.min(area.width.saturating_sub(4));
    let inner_width = width.saturating_sub(2) as usize;
    let max_height = area.height.saturating_sub(2);
    let extra = match dialog.plan.errors.is_empty() {
        true => super::plan_tree::names_plan_lines(app, &dialog.plan, inner_width),
        false => Vec::new(),
    };
    // A refusal is the whole answer (a registry that deletes no tag says why): it wraps.
    let refusal: Vec<String> = dialog
        .plan
        .errors
        .first()
        .map(|error| blocked_rows(error, inner_width))
        .unwrap_or_default();
    let more = (extra.len() + refusal.len().saturating_sub(1)) as u16;
    let height = (CHROME + more + dialog.names.len() as u16).min(max_height);
    let visible = height.saturating_sub(CHROME + more).max(1) as usize;
    // Keep the choice in view.
    let first = dialog.selected.saturating_sub(visible - 1);

    let mut lines = vec![
        subject_line(app, &dialog.subject),
        Line::styled(" Pick the name to remove:", theme.label()),
    ];
    for (i, name) in dialog.names.iter().enumerate().skip(first).take(visible) {
        let text = fit(&visible::visible(name), inner_width.saturating_sub(4));
        lines.push(if i == dialog.selected {
            Line::from(vec![
                Span::raw(" "),
                Span::styled(format!("▸ {text}"), theme.selected()),
            ])
        } else {
            Line::raw(format!("   {text}"))
        });
    }
    lines.push(Line::raw(""));
    if !refusal.is_empty() {
        for (i, chunk) in refusal.into_iter().enumerate() {
            let lead = if i == 0 { " ✗ " } else { "   " };
            lines.push(Line::styled(format!("{lead}{chunk}"), theme.error()));
        }
    } else {
        lines.push({
            let left = dialog.names.len().saturating_sub(1);
            Line::styled(
                match left {
                    0 => " That is its last name: the image stays, as <none> (dangling)".into(),
                    1 => " The image keeps its other name".to_string(),
                    n => format!(" The image keeps its {n} other names"),
                },
                theme.dim(),
            )
        });
    }
    lines.extend(extra);
    lines.push(Line::raw(""));
    lines.push(dialog_footer(app, Mode::Untag));

    let popup = popup_area(area, width, height);
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    frame.render_widget(Clear, popup);
    let title = Line::styled(
        format!(" Untag {} ", visible::visible(&dialog.subject.label)),
        theme.focused_border(),
    );
    let block = dialog_block(app, title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(lines), inner);
}
