//! The panes of the browser, as one enum the key table, the layout, the app and the views
//! all name. It sits below them all so that none of them has to import another for it.

/// The panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Images,
    Lineage,
    Layers,
    History,
    Details,
    Files,
    Diff,
}

impl Pane {
    pub const ALL: [Pane; 7] = [
        Pane::Images,
        Pane::Lineage,
        Pane::Layers,
        Pane::History,
        Pane::Details,
        Pane::Files,
        Pane::Diff,
    ];

    /// The panes that share the inspector area, one at a time, as tabs.
    pub const INSPECTOR: [Pane; 5] = [
        Pane::Layers,
        Pane::History,
        Pane::Details,
        Pane::Files,
        Pane::Diff,
    ];

    pub fn is_inspector(self) -> bool {
        Pane::INSPECTOR.contains(&self)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Images => "Images",
            Pane::Lineage => "Lineage",
            Pane::Layers => "Layers",
            Pane::History => "History",
            Pane::Details => "Details",
            Pane::Files => "Files",
            Pane::Diff => "Diff",
        }
    }

    /// The digit key that focuses the pane, shown in its title.
    pub fn number(self) -> usize {
        Pane::ALL.iter().position(|&p| p == self).unwrap_or(0) + 1
    }

    /// The pane `delta` steps away in Tab order, wrapping around.
    pub fn step(self, delta: isize) -> Pane {
        let at = Pane::ALL.iter().position(|&p| p == self).unwrap_or(0) as isize;
        Pane::ALL[(at + delta).rem_euclid(Pane::ALL.len() as isize) as usize]
    }

    /// Rows between a pane's top border and its first row: the tables' column header.
    pub fn header_rows(self) -> u16 {
        match self {
            Pane::Images | Pane::Layers | Pane::History | Pane::Files | Pane::Diff => 1,
            Pane::Lineage | Pane::Details => 0,
        }
    }
}
