//! `d`: the preview of removing the selected image, with its switches and the plan as a tree.

use super::parts::{subject_line, switch};
use super::plan_tree;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::dialog::RemoveDialog;
use crate::tui::mode::Mode;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(app: &App, dialog: &RemoveDialog, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let title = Line::from(vec![
        Span::styled(" Remove ", theme.focused_border()),
        Span::styled(
            format!("{} ", visible(&dialog.subject.label)),
            theme.focused_border(),
        ),
    ]);
    let mut options = vec![Span::styled(" Options  ", theme.label())];
    options.extend(switch(
        app,
        dialog.options.force,
        (Mode::Remove, Action::ToggleForce),
        "force",
    ));
    options.push(Span::raw("   "));
    options.extend(switch(
        app,
        dialog.options.no_prune,
        (Mode::Remove, Action::ToggleNoPrune),
        "no-prune",
    ));
    let header = vec![subject_line(app, &dialog.subject), Line::from(options)];
    debug_assert_eq!(header.len(), RemoveDialog::HEADER_LINES);
    plan_tree::draw(
        app,
        frame,
        area,
        title,
        header,
        (&dialog.tree, dialog.scroll),
        Mode::Remove,
    );
}
