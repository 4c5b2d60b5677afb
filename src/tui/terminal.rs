//! The terminal set up for the browser and given back whatever happens: on quitting, on an
//! error, on a panic, and on a signal that ends the process.

use anyhow::{Context, Result};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::DefaultTerminal;
use signal_hook::consts::{SIGABRT, SIGHUP, SIGINT, SIGQUIT, SIGTERM};

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
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
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
const ENDING: [i32; 5] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGABRT];

/// Hands every ending signal to `deliver`, from a thread of its own, so that the event loop
/// can give the terminal back before the process ends. signal-hook's iterator does the
/// signal-handler part, with no unsafe code of ours. An `abort()` inside cairn is not
/// caught: the C library ends the process as soon as the handler returns.
pub fn watch_signals(deliver: impl Fn(i32) -> bool + Send + 'static) -> Result<()> {
    let mut signals =
        signal_hook::iterator::Signals::new(ENDING).context("watching for signals")?;
    std::thread::Builder::new()
        .name("cairn-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if !deliver(signal) {
                    break;
                }
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// Ends the process by `signal` with its default action, once the terminal is given back,
/// so that the shell and any supervisor see what ended it (status 128 + signal) as they
/// would without cairn's handler.
pub fn end_by(signal: i32) -> ! {
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    std::process::exit(128 + signal)
}
