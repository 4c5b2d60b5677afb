//! Where everything goes on screen: the one layout the view draws in and the app reads to
//! turn mouse positions into rows and to size its pages. It depends only on the few bits of
//! state that move things ([`Arrangement`]), so the app and the view both use it and neither
//! asks the other.

use super::pane::Pane;
use ratatui::layout::{Constraint, Layout, Position, Rect};

/// The state the layout depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrangement {
    /// The focused pane takes the whole body.
    pub zoom: bool,
    pub focus: Pane,
    /// The inspector tab shown.
    pub tab: Pane,
    /// The image list gives its last line to the filter.
    pub filter_line: bool,
}

/// Where each part of the screen is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub images: Rect,
    pub lineage: Rect,
    /// The tabbed area that shows the layers, the history or the details.
    pub inspector: Rect,
    pub tab: Option<Pane>,
    pub status: Rect,
    pub footer: Rect,
    filter_line: bool,
}

/// The layout of a terminal of size `area`.
pub fn areas(arrangement: Arrangement, area: Rect) -> Areas {
    let [body, status, footer] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut areas = Areas {
        status,
        footer,
        filter_line: arrangement.filter_line,
        ..Areas::default()
    };
    if arrangement.zoom {
        match arrangement.focus {
            Pane::Images => areas.images = body,
            Pane::Lineage => areas.lineage = body,
            tab => {
                areas.inspector = body;
                areas.tab = Some(tab);
            }
        }
        return areas;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    let [images, lineage] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(top);
    areas.images = images;
    areas.lineage = lineage;
    areas.inspector = bottom;
    areas.tab = Some(arrangement.tab);
    areas
}

impl Areas {
    /// The rectangle a pane is drawn in; empty when it is not on screen.
    pub fn of(&self, pane: Pane) -> Rect {
        match pane {
            Pane::Images => self.images,
            Pane::Lineage => self.lineage,
            p if Some(p) == self.tab => self.inspector,
            _ => Rect::ZERO,
        }
    }

    /// Which pane holds a terminal cell.
    pub fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let at = Position::new(column, row);
        Pane::ALL.into_iter().find(|&p| self.of(p).contains(at))
    }

    /// The inspector tab whose title is at a cell of the inspector's top border.
    pub fn tab_at(&self, column: u16, row: u16) -> Option<Pane> {
        if self.inspector.height == 0 || row != self.inspector.y {
            return None;
        }
        let mut x = self.inspector.x + 1;
        for (separator, pane) in tab_titles() {
            x += separator.chars().count() as u16;
            let width = tab_title(pane).chars().count() as u16;
            if (x..x + width).contains(&column) {
                return Some(pane);
            }
            x += width;
        }
        None
    }

    /// Rows of a pane that fit on screen: its height less the border, the column header
    /// and, for the list, the filter line.
    pub fn page(&self, pane: Pane) -> usize {
        let filter_line = usize::from(pane == Pane::Images && self.filter_line);
        (self.of(pane).height as usize)
            .saturating_sub(2 + pane.header_rows() as usize + filter_line)
            .max(1)
    }

    /// The line of a pane's rows at a terminal row, counted from the first row on screen.
    pub fn line_at(&self, pane: Pane, row: u16) -> Option<usize> {
        let rect = self.of(pane);
        let first = rect.y + 1 + pane.header_rows();
        if row < first || row >= rect.y + rect.height.saturating_sub(1) {
            return None;
        }
        let line = (row - first) as usize;
        (line < self.page(pane)).then_some(line)
    }
}

/// The inspector's tabs in their border, each after its separator.
pub fn tab_titles() -> [(&'static str, Pane); 5] {
    [
        (" ", Pane::Layers),
        (" │ ", Pane::History),
        (" │ ", Pane::Details),
        (" │ ", Pane::Files),
        (" │ ", Pane::Diff),
    ]
}

/// A tab's title: the digit that focuses it and its name.
pub fn tab_title(pane: Pane) -> String {
    format!("{} {}", pane.number(), pane.title())
}
