//! The full-screen browser that `cairn` opens when no command is given.
//!
//! Shaped as ratatui's examples and oxker are: [`app::App`] holds the state and changes only
//! in `update`, the panes' part of it in [`state`]; [`view`] draws it, in the places
//! [`layout`] gives; [`input`] and [`keymap`] turn terminal events into [`action::Action`]s;
//! [`loader`] reads and watches the store on its own thread; [`contents`] reads layers'
//! entries on another; [`worker`] applies the changes confirmed in the [`dialog`]s on a
//! third, through the messages of [`change`]. The event loop below only waits on one channel
//! that input, the loader, the readers, the worker and the clock all feed, and redraws once
//! per batch of events.

pub mod action;
pub mod app;
pub mod change;
pub mod config;
pub mod contents;
pub mod data;
pub mod dialog;
pub mod free;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod loader;
pub mod marks;
pub mod mode;
pub mod pane;
pub mod planner;
pub mod popup;
pub mod scroll;
pub mod state;
pub mod supervisor;
pub mod terminal;
pub mod theme;
pub mod tree_filter;
pub mod view;
pub mod worker;

use action::Action;
use anyhow::{Context, Result, bail};
use app::App;
use cairn_store::Selection;
use input::action_for_input;
use jiff::Timestamp;
use loader::{LoaderCmd, LoaderMsg};
use ratatui::layout::Rect;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;
use terminal::TerminalGuard;
use theme::Theme;
use view::ViewState;

/// How often the spinner moves while the loader works.
const SPIN_INTERVAL: Duration = Duration::from_millis(100);
/// How often ages are brought up to date when nothing happens.
const CLOCK_INTERVAL: Duration = Duration::from_secs(30);

/// How often the status line's countdown to the next try at an unreachable store moves.
const COUNTDOWN_INTERVAL: Duration = Duration::from_secs(1);

/// Everything the event loop waits for.
enum Event {
    Input(crossterm::event::Event),
    Loader(LoaderMsg),
    Change(change::ChangeOutcome),
    Contents(contents::ContentsMsg),
    Filtered(tree_filter::FilterDone),
    Planned(planner::PlanDone),
    /// A signal that ends the process: the loop ends, the terminal is given back, and the
    /// process ends by the signal. Or job control's stop and continue.
    Signal(i32),
}

/// What the signals and keys of one batch of events ask of the loop beyond the app.
#[derive(Default)]
struct Pending {
    /// Ended by this signal: the loop ends.
    ended_by: Option<i32>,
    /// Stop (Ctrl-Z or SIGTSTP): give the terminal back, stop, take it again.
    stop: bool,
    /// Continued after a stop cairn did not see coming (SIGSTOP): take the terminal again.
    continued: bool,
}

/// Opens the browser on the store the flags select, in this process, until the user quits;
/// `supervised` when a supervisor started this process for it (see [`supervisor::open`]).
pub fn run(flags: &Selection, supervised: bool) -> Result<()> {
    let store = flags.resolve()?;
    if let Some(why) = terminal::cannot_draw(std::env::var("TERM").ok().as_deref()) {
        bail!(
            "the browser cannot run here ({why}): use the headless commands instead, such as `cairn images`, `cairn tree IMAGE`, `cairn history IMAGE` or `cairn lineage IMAGE`"
        );
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the browser needs a terminal: use a command such as `cairn images` instead");
    }
    let label = store.label();
    let (events, inbox) = mpsc::channel::<Event>();
    let (commands, loader_inbox) = mpsc::channel::<LoaderCmd>();
    let to_ui = events.clone();
    loader::spawn(store.clone(), loader_inbox, move |msg| {
        to_ui.send(Event::Loader(msg)).is_ok()
    })
    .context("starting the loader thread")?;
    let (changes, worker_inbox) = mpsc::channel::<change::ChangeRequest>();
    let (reads, contents_inbox) = mpsc::channel::<contents::ContentsRequest>();
    let to_ui = events.clone();
    contents::spawn(store.clone(), contents_inbox, move |msg| {
        to_ui.send(Event::Contents(msg)).is_ok()
    })
    .context("starting the contents reader thread")?;
    let (filters, filter_inbox) = mpsc::channel::<tree_filter::FilterRequest>();
    let to_ui = events.clone();
    tree_filter::spawn(filter_inbox, move |done| {
        to_ui.send(Event::Filtered(done)).is_ok()
    })
    .context("starting the filter thread")?;
    let (plans, planner_inbox) = mpsc::channel::<planner::PlanRequest>();
    let to_ui = events.clone();
    planner::spawn(planner_inbox, move |done| {
        to_ui.send(Event::Planned(done)).is_ok()
    })
    .context("starting the planner thread")?;
    let to_ui = events.clone();
    worker::spawn(store, worker_inbox, move |outcome| {
        to_ui.send(Event::Change(outcome)).is_ok()
    })
    .context("starting the change worker thread")?;

    let to_ui = events.clone();
    terminal::watch_signals(supervised, move |signal| {
        to_ui.send(Event::Signal(signal)).is_ok()
    })?;
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
    let env = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let home = cairn_store::home::user_home();
    let config_path = config::location(env("XDG_CONFIG_HOME").as_deref(), home.as_deref());
    let (config, config_error) = config::load(config_path.as_deref(), Theme::from_env());
    let mut app = App::new(label, Timestamp::now(), area, config.theme);
    app.keymap = config.keymap;
    app.message = config_error.clone();
    let mut view = ViewState::default();
    let mut pending = Pending::default();
    terminal
        .terminal
        .draw(|frame| view::draw(&app, &mut view, frame))?;
    loop {
        let busy = app.loading.is_some() || app.applying.is_some();
        let wait = if busy || app.contents_progress.is_some() {
            SPIN_INTERVAL
        } else if app.unreachable.is_some() {
            COUNTDOWN_INTERVAL
        } else {
            CLOCK_INTERVAL
        };
        match inbox.recv_timeout(wait) {
            Ok(event) => {
                handle(&mut app, &view, &mut pending, event);
                // Everything that piled up during the last draw goes into one frame.
                while let Ok(event) = inbox.try_recv() {
                    handle(&mut app, &view, &mut pending, event);
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
        for request in app.contents_requests.drain(..) {
            let _ = reads.send(request);
        }
        for request in app.filter_requests.drain(..) {
            let _ = filters.send(request);
        }
        for request in app.plan_requests.drain(..) {
            let _ = plans.send(request);
        }
        if app.reload_requested {
            app.reload_requested = false;
            let _ = commands.send(LoaderCmd::Reload);
        }
        if app.quit || pending.ended_by.is_some() {
            break;
        }
        if std::mem::take(&mut pending.stop) {
            terminal.suspend()?;
        } else if std::mem::take(&mut pending.continued) {
            terminal.resume()?;
        }
        terminal
            .terminal
            .draw(|frame| view::draw(&app, &mut view, frame))?;
    }
    drop(terminal);
    // The status line may have cut it: the whole of it where it stays readable.
    if let Some(error) = config_error {
        eprintln!("cairn: {error}");
    }
    if let Some(signal) = pending.ended_by {
        terminal::end_by(signal);
    }
    Ok(())
}

fn handle(app: &mut App, view: &ViewState, pending: &mut Pending, event: Event) {
    match event {
        Event::Signal(terminal::STOP) => pending.stop = true,
        Event::Signal(terminal::CONTINUED) => pending.continued = true,
        Event::Signal(signal) => pending.ended_by = Some(signal),
        // Raw mode turns the terminal's suspend character into a key: it does what the
        // terminal would have done.
        Event::Input(crossterm::event::Event::Key(key)) if terminal::is_suspend_key(&key) => {
            pending.stop = true;
        }
        Event::Loader(msg) => app.receive(msg),
        Event::Change(outcome) => app.receive_change(outcome),
        Event::Contents(msg) => app.receive_contents(msg),
        Event::Filtered(done) => app.receive_filter(done),
        Event::Planned(done) => app.receive_plan(done),
        Event::Input(input) => {
            if let Some(action) = action_for_input(app, view, &input) {
                app.update(action);
            }
        }
    }
}
