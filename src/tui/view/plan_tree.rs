//! The frame the remove and prune previews share: a few header lines, the plan as a tree
//! (groups with `├─`/`└─` branches, blocked reasons in red and bold, the total), and the
//! dialog's keys. The plan scrolls when it is longer than the screen.

use super::{dialog_block, dialog_footer, popup_area};
use crate::tui::app::{App, Dialog, Mode};
use crate::tui::dialog::{LineKind, PlanLine};
use crate::tui::sanitize::clean;
use cairn_core::human::podman_size;
use cairn_core::tagging::NamesPlan;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Widest the previews get: room for a long name and its ID.
const WIDTH: u16 = 96;
/// Border (2), blank line and footer line below the plan, blank line above it.
const CHROME: u16 = 5;

/// Where a preview with `header` lines and `rows` plan rows goes, and how many plan rows show.
fn layout(area: Rect, header: usize, rows: usize) -> (Rect, usize) {
    let width = WIDTH.min(area.width.saturating_sub(4));
    let wanted = CHROME as usize + header + rows;
    let height = (wanted as u16).min(area.height.saturating_sub(2));
    let visible = (height as usize).saturating_sub(CHROME as usize + header);
    (popup_area(area, width, height), visible)
}

/// How far the open preview can scroll: plan rows beyond the ones that fit.
pub fn max_scroll(app: &App) -> usize {
    let (tree, header) = match &app.dialog {
        Some(Dialog::Remove(d)) => (&d.tree, super::remove_dialog::HEADER_LINES),
        Some(Dialog::Prune(d)) => (&d.tree, super::prune_dialog::HEADER_LINES),
        _ => return 0,
    };
    let width = WIDTH
        .min(app.area.width.saturating_sub(4))
        .saturating_sub(2);
    let rows = rows(app, tree, width).len();
    let (_, visible) = layout(app.area, header, rows);
    rows.saturating_sub(visible)
}

/// Draws a preview: title, header lines, the plan from `scroll`, and the keys of `mode`.
pub fn draw(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    title: Line<'static>,
    header: Vec<Line<'static>>,
    (tree, scroll): (&[PlanLine], usize),
    mode: Mode,
) {
    let width = WIDTH.min(area.width.saturating_sub(4)).saturating_sub(2);
    let plan = rows(app, tree, width);
    let (popup, visible) = layout(area, header.len(), plan.len());
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    frame.render_widget(Clear, popup);
    let block = dialog_block(app, title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let total = plan.len();
    let first = scroll.min(total.saturating_sub(visible));
    let mut lines = header;
    lines.push(Line::raw(""));
    lines.extend(plan.into_iter().skip(first).take(visible));
    lines.push(if visible < total {
        Line::styled(
            format!(
                " ↑↓ scroll · rows {}–{} of {total}",
                first + 1,
                (first + visible).min(total)
            ),
            app.theme.dim(),
        )
    } else {
        Line::raw("")
    });
    lines.push(dialog_footer(app, mode));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The plan as screen rows `width` wide: blocked reasons wrap, everything else is cut.
pub fn rows(app: &App, tree: &[PlanLine], width: u16) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let width = width as usize;
    let mut rows = Vec::new();
    for line in tree {
        let text = clean(&line.text).into_owned();
        let note = clean(&line.note).into_owned();
        match line.kind {
            LineKind::Group => rows.push(Line::styled(format!(" {text}"), theme.label())),
            LineKind::Item { last } => {
                let branch = if last { " └─ " } else { " ├─ " };
                let room = width.saturating_sub(branch.chars().count() + note.chars().count() + 2);
                rows.push(Line::from(vec![
                    Span::styled(branch, theme.dim()),
                    Span::raw(super::fit(&text, room)),
                    Span::raw("  "),
                    Span::styled(note, theme.dim()),
                ]));
            }
            LineKind::Blocked => {
                for (i, chunk) in wrap(&text, width.saturating_sub(3).max(10))
                    .into_iter()
                    .enumerate()
                {
                    let lead = if i == 0 { " ✗ " } else { "   " };
                    rows.push(Line::styled(format!("{lead}{chunk}"), theme.error()));
                }
            }
            LineKind::Total => rows.push(Line::from(vec![
                Span::styled(format!(" {text} "), theme.header()),
                Span::styled(note, theme.dim()),
            ])),
        }
    }
    rows
}

/// Blob rows a tag or untag preview shows before it counts the rest.
const BLOB_ROWS: usize = 4;

/// What a tag or untag also does on an OCI layout, as dialog lines: the blobs it deletes (a
/// few, then how many more) and why blobs are kept. Empty when it does neither.
pub fn names_plan_lines(app: &App, plan: &NamesPlan, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    if !plan.blobs.is_empty() {
        let bytes: u64 = plan.blobs.iter().map(|b| b.size).sum();
        lines.push(Line::styled(
            format!(
                " Deletes unreachable blobs ({}) · {}",
                plan.blobs.len(),
                podman_size(bytes)
            ),
            theme.label(),
        ));
        let shown = plan.blobs.len().min(BLOB_ROWS);
        for (i, blob) in plan.blobs.iter().take(shown).enumerate() {
            let more = plan.blobs.len() > shown;
            let branch = if i + 1 == shown && !more {
                " └─ "
            } else {
                " ├─ "
            };
            lines.push(Line::from(vec![
                Span::styled(branch, theme.dim()),
                Span::raw(super::fit(&clean(&blob.digest), width.saturating_sub(16))),
                Span::raw("  "),
                Span::styled(podman_size(blob.size), theme.dim()),
            ]));
        }
        if plan.blobs.len() > shown {
            lines.push(Line::styled(
                format!(
                    " └─ and {} more (--dry-run lists them all)",
                    plan.blobs.len() - shown
                ),
                theme.dim(),
            ));
        }
    }
    for warning in &plan.warnings {
        lines.push(Line::styled(
            format!(
                " ! {}",
                super::fit(&clean(warning), width.saturating_sub(3))
            ),
            theme.error(),
        ));
    }
    lines
}

/// Splits text into pieces at most `width` characters wide, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
        }
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_reasons_wrap_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), vec![""]);
    }
}
