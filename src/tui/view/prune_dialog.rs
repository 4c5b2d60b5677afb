//! `p`: the preview of pruning the store: dangling images, or with `a` every image no
//! container uses, and the plan as a tree.

use super::parts::switch;
use super::plan_tree;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::dialog::PruneDialog;
use crate::tui::mode::Mode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(app: &App, dialog: &PruneDialog, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let title = Line::styled(" Prune images ", theme.focused_border());
    let what = if dialog.all {
        "every image no container uses, and its dangling parents"
    } else {
        "dangling images (no name, no child), repeatedly"
    };
    let mut options = vec![Span::styled(" Options  ", theme.label())];
    options.extend(switch(
        app,
        dialog.all,
        (Mode::Prune, Action::TogglePruneAll),
        "all",
    ));
    let header = vec![
        Line::from(vec![
            Span::styled(" Removes  ", theme.label()),
            Span::raw(what),
        ]),
        Line::from(options),
    ];
    plan_tree::draw(app, frame, area, title, header, dialog);
}
