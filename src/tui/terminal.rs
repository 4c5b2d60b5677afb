//! The terminal set up for the browser and given back whatever happens.

use anyhow::{Context, Result};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::DefaultTerminal;

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
