//! Tables aligned as podman and docker align them: Go's `text/tabwriter`, each with its
//! own minimum width and padding, and the last cell of a row left as it is. Cells are
//! store text (names, history commands, comments): each is shown through
//! [`cairn_core::visible`], so a newline or an escape in one can neither forge a row nor
//! reach the terminal.

use cairn_core::visible::visible;
use std::io::Write;

/// A tabwriter's settings.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    min_width: usize,
    padding: usize,
}

impl Style {
    /// podman's tables: minimum width 12, padding 2.
    pub const PODMAN: Style = Style {
        min_width: 12,
        padding: 2,
    };
    /// The docker CLI's tables: minimum width 10, padding 3.
    pub const DOCKER: Style = Style {
        min_width: 10,
        padding: 3,
    };
}

/// Writes rows of cells as podman does.
pub fn write(out: &mut dyn Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    write_styled(out, rows, Style::PODMAN)
}

/// Writes rows of cells, each column as wide as its widest cell plus padding, at least the
/// style's minimum.
pub fn write_styled(
    out: &mut dyn Write,
    rows: &[Vec<String>],
    style: Style,
) -> std::io::Result<()> {
    let rows: Vec<Vec<_>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| visible(cell)).collect())
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![style.min_width; columns.saturating_sub(1)];
    for row in &rows {
        for (cell, width) in row.iter().zip(widths.iter_mut()) {
            *width = (*width).max(cell.chars().count() + style.padding);
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if let Some(&width) = widths.get(i)
                && i + 1 < row.len()
            {
                line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_at_least_twelve_wide_and_padded_by_two() {
        let rows = vec![
            vec!["A".to_string(), "B".to_string(), "C".to_string()],
            vec![
                "a-very-long-cell".to_string(),
                "b".to_string(),
                "last cell".to_string(),
            ],
        ];
        let mut out = Vec::new();
        write(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "A                 B           C\na-very-long-cell  b           last cell\n"
        );
    }
}
