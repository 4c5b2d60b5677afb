//! The full-screen browser that `cairn` opens when no command is given.
//!
//! Shaped as ratatui's examples and oxker are: [`app::App`] holds the state and changes only
//! in `update`, the panes' part of it in [`state`]; [`view`] draws it, in the places
//! [`layout`] gives; [`keymap`] turns keys into [`action::Action`]s; [`loader`] reads and
//! watches the store on its own thread; [`worker`] applies the changes confirmed in the
//! [`dialog`]s on another, through the messages of [`change`]. The event loop below only waits on one channel that input, the
//! loader, the worker and the clock all feed, and redraws once per batch of events.

pub mod action;
pub mod app;
pub mod change;
pub mod data;
pub mod dialog;
pub mod keymap;
pub mod layout;
pub mod loader;
pub mod marks;
pub mod mode;
pub mod pane;
pub mod popup;
pub mod sanitize;
pub mod scroll;
pub mod state;
pub mod theme;
pub mod view;
pub mod worker;

use action::Action;
use anyhow::{Context, Result, bail};
use app::App;
use cairn_store::Selection;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event as TermEvent, MouseButton, MouseEventKind,
};
use jiff::Timestamp;
use loader::{LoaderCmd, LoaderMsg};
use pane::Pane;
use ratatui::DefaultTerminal;
use ratatui::layout::{Position, Rect};
use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;
use theme::Theme;
use view::ViewState;

/// How often the spinner moves while the loader works.
const SPIN_INTERVAL: Duration = Duration::from_millis(100);
/// How often ages are brought up to date when nothing happens.
const CLOCK_INTERVAL: Duration = Duration::from_secs(30);

/// Everything the event loop waits for.
enum Event {
    Input(TermEvent),
    Loader(LoaderMsg),
    Change(change::ChangeOutcome),
}

/// Opens the browser on the store the flags select, until the user quits.
pub fn run(flags: &Selection) -> Result<()> {
    let options = flags.resolve()?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the browser needs a terminal: use a command such as `cairn images` instead");
    }
    let label = options.label();
    let (events, inbox) = mpsc::channel::<Event>();
    let (commands, loader_inbox) = mpsc::channel::<LoaderCmd>();
    let to_ui = events.clone();
    loader::spawn(options.clone(), loader_inbox, move |msg| {
        to_ui.send(Event::Loader(msg)).is_ok()
    })
    .context("starting the loader thread")?;
    let (changes, worker_inbox) = mpsc::channel::<change::ChangeRequest>();
    let to_ui = events.clone();
    worker::spawn(options, worker_inbox, move |outcome| {
        to_ui.send(Event::Change(outcome)).is_ok()
    })
    .context("starting the change worker thread")?;

    let mut terminal = TerminalGuard::new()?;
    std::thread::Builder::new()
        .name("cairn-input".into())
        .spawn(move || {
            while let Ok(event) = crossterm::event::read() {
                if events.send(Event::Input(event)).is_err() {
                    break;
                }
            }
        })
        .context("starting the input thread")?;

    let size = terminal.terminal.size()?;
    let area = Rect::new(0, 0, size.width, size.height);
    let mut app = App::new(label, Timestamp::now(), area, Theme::from_env());
    let mut view = ViewState::default();
    terminal
        .terminal
        .draw(|frame| view::draw(&app, &mut view, frame))?;
    loop {
        let wait = if app.loading.is_some() || app.applying.is_some() {
            SPIN_INTERVAL
        } else {
            CLOCK_INTERVAL
        };
        match inbox.recv_timeout(wait) {
            Ok(event) => {
                handle(&mut app, &view, event);
                // Everything that piled up during the last draw goes into one frame.
                while let Ok(event) = inbox.try_recv() {
                    handle(&mut app, &view, event);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                app.update(Action::Tick);
                app.now = Timestamp::now();
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(request) = app.change_requested.take() {
            let _ = changes.send(request);
        }
        if app.reload_requested {
            app.reload_requested = false;
            let _ = commands.send(LoaderCmd::Reload);
        }
        if app.quit {
            break;
        }
        terminal
            .terminal
            .draw(|frame| view::draw(&app, &mut view, frame))?;
    }
    Ok(())
}

fn handle(app: &mut App, view: &ViewState, event: Event) {
    match event {
        Event::Loader(msg) => app.receive(msg),
        Event::Change(outcome) => app.receive_change(outcome),
        Event::Input(input) => {
            if let Some(action) = action_for_input(app, view, &input) {
                app.update(action);
            }
        }
    }
}

/// Turns a terminal event into an action. Clicks on the lineage tree are resolved through
/// the tree widget's last render, the only place that knows which node is on which line.
fn action_for_input(app: &App, view: &ViewState, event: &TermEvent) -> Option<Action> {
    match event {
        TermEvent::Key(key) => keymap::action_for(app.mode(), key),
        TermEvent::Mouse(mouse) => {
            let (column, row) = (mouse.column, mouse.row);
            match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => {
                    let in_tree = app.dialog.is_none()
                        && app
                            .areas()
                            .of(Pane::Lineage)
                            .contains(Position::new(column, row));
                    let node = in_tree
                        .then(|| view.tree.rendered_at(Position::new(column, row)))
                        .flatten()
                        .filter(|path| !path.contains(&usize::MAX));
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

/// The terminal in raw mode on the alternate screen with the mouse captured, for as long as
/// this lives. Dropping it restores the terminal; on a panic, ratatui's hook restores the
/// screen and ours releases the mouse, so the shell is usable whatever happens.
struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    fn new() -> Result<Self> {
        let terminal = ratatui::try_init().context("setting up the terminal")?;
        let ratatui_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
            ratatui_hook(info);
        }));
        if let Err(e) = crossterm::execute!(std::io::stdout(), EnableMouseCapture) {
            ratatui::restore();
            return Err(e).context("capturing the mouse");
        }
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}
