//! The frame the remove and prune previews share: a few header lines, the plan as a tree
//! (groups with `├─`/`└─` branches, blocked reasons in red and bold, the total), and the
//! dialog's keys. The plan scrolls when it is longer than the screen.

use super::parts::{dialog_block, dialog_footer};
use crate::tui::app::App;
use crate::tui::dialog::{LineKind, PlanLine, PlanPreview};
use crate::tui::mode::Mode;
use crate::tui::popup::{blocked_rows, plan_line_rows, plan_popup, plan_text_width, unblock_text};
use cairn_core::human::podman_size;
use cairn_core::tagging::NamesPlan;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Draws a dialog's preview: title, header lines, the plan from its scroll, and the keys of
/// its mode (the switches a blocked plan names are written with their keys in that mode).
pub fn draw<P: PlanPreview>(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    title: Line<'static>,
    header: Vec<Line<'static>>,
    dialog: &P,
) {
    debug_assert_eq!(header.len(), P::HEADER_LINES);
    let ((tree, scroll), mode) = (dialog.plan_lines(), P::MODE);
    let width = plan_text_width(area) as usize;
    let counts: Vec<usize> = (tree.iter())
        .map(|line| plan_line_rows(line, width, &app.keymap, mode))
        .collect();
    let total: usize = counts.iter().sum();
    let (popup, visible) = plan_popup(area, header.len(), total);
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    frame.render_widget(Clear, popup);
    let block = dialog_block(app, title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let first = scroll.min(total.saturating_sub(visible));
    let mut lines = header;
    lines.push(Line::raw(""));
    // Only the lines on screen are drawn: a plan can have tens of thousands.
    let mut row = 0;
    for (line, count) in tree.iter().zip(counts) {
        if row >= first + visible {
            break;
        }
        if row + count > first {
            let skip = first.saturating_sub(row);
            let room = first + visible - row.max(first);
            lines.extend(
                rows(app, line, width, mode)
                    .into_iter()
                    .skip(skip)
                    .take(room),
            );
        }
        row += count;
    }
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

/// A line of the plan as screen rows `width` wide: blocked reasons wrap (as
/// [`plan_line_rows`] counts them), everything else is cut.
fn rows(app: &App, line: &PlanLine, width: usize, mode: Mode) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut rows = Vec::new();
    let text = visible(&line.text).into_owned();
    let note = visible(&line.note).into_owned();
    match line.kind {
        LineKind::Group => rows.push(Line::styled(format!(" {text}"), theme.label())),
        LineKind::Planning => rows.push(Line::styled(format!(" … {text}"), theme.dim())),
        LineKind::Item { last } => {
            let branch = if last { " └─ " } else { " ├─ " };
            let room = width.saturating_sub(branch.chars().count() + note.chars().count() + 2);
            rows.push(Line::from(vec![
                Span::styled(branch, theme.dim()),
                Span::raw(super::parts::fit(&text, room)),
                Span::raw("  "),
                Span::styled(note, theme.dim()),
            ]));
        }
        LineKind::Blocked => {
            for (i, chunk) in blocked_rows(&line.text, width).into_iter().enumerate() {
                let lead = if i == 0 { " ✗ " } else { "   " };
                rows.push(Line::styled(format!("{lead}{chunk}"), theme.error()));
            }
        }
        LineKind::Note => {
            for (i, chunk) in blocked_rows(&line.text, width).into_iter().enumerate() {
                let lead = if i == 0 { " ! " } else { "   " };
                rows.push(Line::styled(format!("{lead}{chunk}"), theme.in_use()));
            }
        }
        LineKind::Unblock(toggles) => {
            let style = match toggles.is_empty() {
                true => theme.error(),
                false => theme.ok(),
            };
            let text = unblock_text(line, &app.keymap, mode);
            for (i, chunk) in blocked_rows(&text, width).into_iter().enumerate() {
                let lead = match (i, toggles.is_empty()) {
                    (0, true) => " ✗ ",
                    (0, false) => " → ",
                    _ => "   ",
                };
                rows.push(Line::styled(format!("{lead}{chunk}"), style));
            }
        }
        LineKind::Total => rows.push(Line::from(vec![
            Span::styled(format!(" {text} "), theme.header()),
            Span::styled(note, theme.dim()),
        ])),
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
        let bytes = plan
            .blobs
            .iter()
            .map(|b| b.size)
            .fold(0, u64::saturating_add);
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
                Span::raw(super::parts::fit(
                    &visible(&blob.digest),
                    width.saturating_sub(16),
                )),
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
                super::parts::fit(&visible(warning), width.saturating_sub(3))
            ),
            theme.error(),
        ));
    }
    lines
}
