//! The terminal set up for the browser and given back whatever happens: on quitting, on an
//! error, on a panic, on a signal that ends the process, and while the process is stopped by
//! job control (Ctrl-Z, `kill -TSTP`), taken again when it continues.

use anyhow::{Context, Result};
use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::DefaultTerminal;
use signal_hook::consts::{SIGABRT, SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGURG};

/// The terminal in raw mode on the alternate screen with the mouse captured, for as long as
/// this lives. Dropping it restores the terminal; on a panic, ratatui's hook restores the
/// screen and ours releases the mouse, so the shell is usable whatever happens.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    pub fn new() -> Result<Self> {
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

    /// Job control's stop, as vim and gitui do it: the terminal is given back (cooked, main
    /// screen, mouse released) so that the shell is usable, the process stops as SIGTSTP's
    /// default action would stop it, and when `fg` continues it the terminal is taken again
    /// and every cell redrawn.
    pub fn suspend(&mut self) -> Result<()> {
        give_back();
        // SIGTSTP's default action: signal-hook raises SIGSTOP, which returns on SIGCONT.
        signal_hook::low_level::emulate_default_handler(SIGTSTP).context("stopping")?;
        self.resume()
    }

    /// Takes the terminal again after the process was stopped, whoever stopped it (a shell
    /// may have reset the terminal's modes meanwhile, another program drawn over the screen):
    /// raw mode set afresh, the alternate screen and the mouse, and the next frame drawn whole.
    pub fn resume(&mut self) -> Result<()> {
        // Forget the modes saved before an earlier raw mode: they may be stale.
        let _ = disable_raw_mode();
        enable_raw_mode().context("setting up the terminal")?;
        crossterm::execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Clear(ClearType::All)
        )
        .context("setting up the terminal")?;
        // Both buffers blank, so the next frame is drawn whole. (`Terminal::clear` would ask
        // the terminal for the cursor, whose answer the input thread reads first.)
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        Ok(())
    }
}

/// Releases the mouse, leaves the alternate screen and restores the terminal's modes.
fn give_back() {
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// What the browser does to the screen, undone: the mouse released, the main screen back (and
/// the cursor where it was before), the cursor shown. For the supervisor, which finds the
/// browser gone and cannot know how far it got in giving the terminal back: each step is
/// harmless when already taken.
pub fn release_screen() {
    let _ = crossterm::execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        give_back();
    }
}

/// Why the browser cannot draw on the terminal `TERM` names, if it cannot: a dumb terminal
/// (Emacs' shell, some CI logs) or none at all has no cursor movement and no alternate
/// screen, so a full-screen frame would come out as a scroll of escape codes.
pub fn cannot_draw(term: Option<&str>) -> Option<String> {
    match term {
        None | Some("") => Some("TERM is not set".into()),
        Some("dumb") => Some("TERM=dumb cannot draw full-screen".into()),
        Some(_) => None,
    }
}

/// The signals that end a process from outside (`kill`, a closed terminal window, a
/// supervisor): each leaves the terminal raw on the alternate screen unless caught. In raw
/// mode Ctrl-C and Ctrl-\ are keys, so these come only from outside.
pub const ENDING: [i32; 5] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGABRT];

/// A stop asked for by job control from outside (`kill -TSTP`; in raw mode Ctrl-Z is a key):
/// caught, so that the terminal is given back before the process stops.
pub const STOP: i32 = SIGTSTP;

/// The process continues after any stop, also one that could not be caught (SIGSTOP).
pub const CONTINUED: i32 = SIGCONT;

/// A stop as the supervisor passes it on to the browser (see [`super::supervisor`]): SIGURG,
/// which nothing else sends to cairn and which is ignored until caught (Go's runtime takes it
/// for its own use likewise). Not SIGTSTP: a stop sent to the whole job, or to every `cairn`
/// by `pkill`, reaches the browser directly as well, and the kernel keeps one of two SIGTSTPs
/// pending at once; so the browser would stop once or twice, as the timing falls.
pub const PASSED_STOP: i32 = SIGURG;

/// Hands every ending signal, [`STOP`] and [`CONTINUED`] to `deliver`, from a thread of its
/// own, so that the event loop can give the terminal back before the process ends or stops.
/// signal-hook's iterator does the signal-handler part, with no unsafe code of ours. Under
/// the supervisor a stop is [`PASSED_STOP`], and [`STOP`] itself is caught only so that it
/// does not stop the browser behind the supervisor's back: the supervisor gets it too.
///
/// An abort inside cairn (a stack overflow, a panic while panicking) cannot be handled
/// here: the C library ends the process as soon as the handler returns, before this thread
/// runs, and restoring the terminal from within the handler itself takes `unsafe` code
/// (`signal_hook::low_level::register`), which the workspace forbids. The supervisor gives
/// the terminal back then.
pub fn watch_signals(
    supervised: bool,
    deliver: impl Fn(i32) -> bool + Send + 'static,
) -> Result<()> {
    let watched = ENDING.iter().chain(&[STOP, CONTINUED, PASSED_STOP]);
    let mut signals =
        signal_hook::iterator::Signals::new(watched).context("watching for signals")?;
    std::thread::Builder::new()
        .name("cairn-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let signal = match (signal, supervised) {
                    // The supervisor gets every SIGTSTP too, and passes each on once.
                    (STOP, true) | (PASSED_STOP, false) => continue,
                    (PASSED_STOP, true) => STOP,
                    (signal, _) => signal,
                };
                if !deliver(signal) {
                    break;
                }
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// Ctrl-Z, the key a terminal turns into SIGTSTP outside raw mode.
pub fn is_suspend_key(key: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    key.kind == KeyEventKind::Press
        && key.modifiers == KeyModifiers::CONTROL
        && matches!(key.code, KeyCode::Char('z' | 'Z'))
}

/// Ends the process by `signal` with its default action, once the terminal is given back,
/// so that the shell and any supervisor see what ended it (status 128 + signal) as they
/// would without cairn's handler.
pub fn end_by(signal: i32) -> ! {
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    std::process::exit(128 + signal)
}
