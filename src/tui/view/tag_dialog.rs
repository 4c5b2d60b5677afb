//! `t`: the name field, checked as the user types, and what the new name would do: the full
//! name the image gets, and the images it would be taken from.

use super::parts::{dialog_block, dialog_footer, fit, subject_line};
use crate::tui::app::App;
use crate::tui::dialog::{NameCheck, TagDialog};
use crate::tui::mode::Mode;
use crate::tui::popup::popup_area;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

const WIDTH: u16 = 80;
/// Where the field starts inside the dialog: after " Name     ".
const FIELD_X: u16 = 10;

pub fn draw(app: &App, dialog: &TagDialog, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let width = WIDTH.min(area.width.saturating_sub(4));
    let inner_width = width.saturating_sub(2) as usize;
    let field_width = inner_width.saturating_sub(FIELD_X as usize + 1).max(1);

    let mut lines = vec![subject_line(app, &dialog.subject)];
    // The field scrolls sideways to keep the cursor in view.
    let scroll = dialog.input.visual_scroll(field_width);
    let shown: String = visible(dialog.input.value())
        .chars()
        .skip(scroll)
        .take(field_width)
        .collect();
    let padding = field_width.saturating_sub(shown.chars().count());
    lines.push(Line::from(vec![
        Span::styled(" Name     ", theme.label()),
        Span::styled(format!("{shown}{}", " ".repeat(padding)), theme.input()),
    ]));
    let room = inner_width.saturating_sub(FIELD_X as usize + 2);
    lines.push(match &dialog.check {
        NameCheck::Empty => Line::styled(
            format!(
                "{:10}{}",
                "",
                fit("type a name, e.g. app:2 or quay.io/me/app:2", room)
            ),
            theme.dim(),
        ),
        NameCheck::Valid(name) => Line::from(vec![
            Span::raw(format!("{:10}", "")),
            Span::styled("✓ ", theme.ok()),
            Span::styled(fit(&visible(name), room), theme.ok()),
        ]),
        NameCheck::Invalid(reason) => Line::from(vec![
            Span::raw(format!("{:10}", "")),
            Span::styled(format!("✗ {}", fit(&visible(reason), room)), theme.error()),
        ]),
    });
    lines.push(Line::raw(""));
    if let Some(plan) = &dialog.plan {
        if let Some(error) = plan.errors.first() {
            lines.push(Line::styled(
                format!(" ✗ {}", fit(&visible(error), inner_width.saturating_sub(3))),
                theme.error(),
            ));
        } else if dialog.already {
            lines.push(Line::styled(
                " The image already has this name: nothing to do",
                theme.dim(),
            ));
        } else if dialog.moves.is_empty() {
            lines.push(Line::styled(
                " The name is new: no other image has it",
                theme.dim(),
            ));
        } else {
            lines.push(Line::styled(
                format!(" Moves from other images ({})", dialog.moves.len()),
                theme.label(),
            ));
            let count = dialog.moves.len();
            for (i, (name, from)) in dialog.moves.iter().enumerate() {
                let branch = if i + 1 == count {
                    " └─ "
                } else {
                    " ├─ "
                };
                let text = format!("{} (now on {})", visible(name), visible(from));
                lines.push(Line::from(vec![
                    Span::styled(branch, theme.dim()),
                    Span::raw(fit(&text, inner_width.saturating_sub(4))),
                ]));
            }
        }
        if plan.errors.is_empty() {
            lines.extend(super::plan_tree::names_plan_lines(app, plan, inner_width));
        }
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(Line::raw(""));
    lines.push(dialog_footer(app, Mode::Tag));

    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let popup = popup_area(area, width, height);
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    frame.render_widget(Clear, popup);
    let title = Line::from(vec![Span::styled(
        format!(" Tag {} ", visible(&dialog.subject.label)),
        theme.focused_border(),
    )]);
    let block = dialog_block(app, title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(lines), inner);
    // The terminal's own cursor sits in the field.
    let cursor = (dialog.input.visual_cursor().saturating_sub(scroll)) as u16;
    let at = Position::new(inner.x + FIELD_X + cursor, inner.y + 1);
    if inner.contains(at) {
        frame.set_cursor_position(at);
    }
}
