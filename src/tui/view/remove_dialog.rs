//! `d`: the preview of removing the selected image, with its switches and the plan as a tree.
//! On a registry there are no switches: the removal is one request per repository.

use super::parts::{subject_line, switch};
use super::plan_tree;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::dialog::RemoveDialog;
use crate::tui::mode::Mode;
use cairn_core::Rules;
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
    let registry = app
        .catalog()
        .is_some_and(|c| c.snapshot.rules == Rules::Registry);
    let second = match registry {
        true => Line::from(vec![
            Span::styled(" Request  ", theme.label()),
            Span::raw("DELETE of the manifest by digest, in every repository that tags it"),
        ]),
        false => options_line(app, dialog),
    };
    let header = vec![subject_line(app, &dialog.subject), second];
    plan_tree::draw(app, frame, area, title, header, dialog);
}

/// `podman rmi`'s two switches, with their keys.
fn options_line(app: &App, dialog: &RemoveDialog) -> Line<'static> {
    let mut options = vec![Span::styled(" Options  ", app.theme.label())];
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
    Line::from(options)
}
