//! Where the overlays go: centered rectangles, and the size of the removal and prune
//! previews, which the view draws in and the app reads to know how far a plan scrolls.

use super::dialog::{LineKind, PlanLine};
use super::keymap::Keymap;
use super::mode::Mode;
use cairn_core::visible::visible;
use ratatui::layout::Rect;

/// A rectangle of at most `width` by `height`, centered in `area`.
pub fn popup_area(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Widest the removal and prune previews get: room for a long name and its ID.
const PLAN_WIDTH: u16 = 96;
/// Border (2), blank line and footer line below the plan, blank line above it.
const PLAN_CHROME: u16 = 5;

/// The width of a preview's text inside its border.
pub fn plan_text_width(area: Rect) -> u16 {
    PLAN_WIDTH
        .min(area.width.saturating_sub(4))
        .saturating_sub(2)
}

/// Where a preview with `header` lines and `rows` plan rows goes, and how many plan rows show.
pub fn plan_popup(area: Rect, header: usize, rows: usize) -> (Rect, usize) {
    let width = PLAN_WIDTH.min(area.width.saturating_sub(4));
    let wanted = PLAN_CHROME as usize + header + rows;
    let height = (wanted as u16).min(area.height.saturating_sub(2));
    let visible = (height as usize).saturating_sub(PLAN_CHROME as usize + header);
    (popup_area(area, width, height), visible)
}

/// How far a preview can scroll: plan rows beyond the ones that fit. The switches a blocked
/// plan names are written with their keys in `mode`.
pub fn plan_max_scroll(
    tree: &[PlanLine],
    header: usize,
    area: Rect,
    keymap: &Keymap,
    mode: Mode,
) -> usize {
    let width = plan_text_width(area) as usize;
    let rows: usize = (tree.iter())
        .map(|line| plan_line_rows(line, width, keymap, mode))
        .sum();
    let (_, visible) = plan_popup(area, header, rows);
    rows.saturating_sub(visible)
}

/// How many screen rows a line of a plan takes in a preview `width` columns wide: one, or a
/// wrapped reason's rows. Counting them wraps only those, so that a plan of 40,000 lines is
/// counted without drawing it.
pub fn plan_line_rows(line: &PlanLine, width: usize, keymap: &Keymap, mode: Mode) -> usize {
    match line.kind {
        LineKind::Blocked | LineKind::Note => blocked_rows(&line.text, width).len(),
        LineKind::Unblock(_) => blocked_rows(&unblock_text(line, keymap, mode), width).len(),
        LineKind::Group | LineKind::Item { .. } | LineKind::Total | LineKind::Planning => 1,
    }
}

/// What a plan with nothing to apply says about the switches that would change that: which
/// keys to press, how the switches would be set and what the plan would then do; or that
/// none would.
pub fn unblock_text(line: &PlanLine, keymap: &Keymap, mode: Mode) -> String {
    let LineKind::Unblock(toggles) = line.kind else {
        return line.text.clone();
    };
    if toggles.is_empty() {
        return "No switch changes this: there is nothing to apply".into();
    }
    let keys: Vec<String> = toggles
        .iter()
        .filter_map(|toggle| keymap.key_for(mode, toggle))
        .collect();
    format!(
        "Press {} ({}) to make it possible: {}",
        keys.join(" and "),
        line.text,
        line.note
    )
}

/// A blocked reason of a plan `width` columns wide, cleaned and cut into screen rows after
/// the mark that leads it.
pub fn blocked_rows(text: &str, width: usize) -> Vec<String> {
    wrap(&visible(text), width.saturating_sub(3).max(10))
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
