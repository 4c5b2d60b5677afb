//! Terminal events into actions: keys through the key table, clicks and the wheel as
//! positions the app resolves, except clicks on the lineage tree, which only the tree
//! widget's last render can place.

use super::action::Action;
use super::app::App;
use super::pane::Pane;
use super::view::ViewState;
use crossterm::event::{Event as TermEvent, MouseButton, MouseEventKind};
use ratatui::layout::Position;

/// Turns a terminal event into an action. Clicks on the lineage tree are resolved through
/// the tree widget's last render, the only place that knows which node is on which line.
pub fn action_for_input(app: &App, view: &ViewState, event: &TermEvent) -> Option<Action> {
    match event {
        TermEvent::Key(key) => app.keymap.action_for(app.mode(), key),
        TermEvent::Mouse(mouse) => {
            let (column, row) = (mouse.column, mouse.row);
            match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => {
                    let in_tree = app.dialog.is_none()
                        && !app.panes.forest.shown
                        && app
                            .areas()
                            .of(Pane::Lineage)
                            .contains(Position::new(column, row));
                    let node = in_tree
                        .then(|| view.tree.rendered_at(Position::new(column, row)))
                        .flatten();
                    Some(match node {
                        Some(path) => Action::ClickTreeNode(path.to_vec()),
                        None => Action::Click { column, row },
                    })
                }
                MouseEventKind::ScrollUp => Some(Action::ScrollUp { column, row }),
                MouseEventKind::ScrollDown => Some(Action::ScrollDown { column, row }),
                _ => None,
            }
        }
        TermEvent::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}
