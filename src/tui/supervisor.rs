//! The browser in a process of its own, watched by the `cairn` the user started, so that the
//! terminal is given back however the browser ends.
//!
//! A process that dies by a signal it does not survive (an abort from a stack overflow or a
//! panic while panicking, SIGSEGV, SIGBUS, SIGILL, SIGKILL) leaves the terminal as it was:
//! raw, on the alternate screen, with the mouse captured. Restoring it from inside a signal
//! handler takes `unsafe` code, which the workspace forbids. So `cairn` with no command
//! starts its own binary again as the browser, marked by [`SUPERVISOR`] in its environment,
//! and stays as a small parent that only waits: an exit code of the browser passes through
//! unchanged; when the browser dies by a signal, the parent gives the terminal back and ends
//! by the same signal, so the shell sees what it would have seen without the parent.
//!
//! Both processes stay in the shell's process group, so that the terminal's signals and the
//! shell's job control reach both. The parent passes on the signals it gets (the pid the
//! shell knows is the parent's), a stop as [`terminal::PASSED_STOP`]; when the browser stops,
//! it gives the terminal back and stops too, since the shell only sees its own child stop;
//! when it is continued, it continues the browser. The headless commands run in one process,
//! unsupervised.

use super::terminal;
use anyhow::{Context, Result};
use rustix::process::{Pid, Signal, WaitOptions};
use signal_hook::consts::{SIGCHLD, SIGTSTP};
use signal_hook::iterator::Signals;
use std::os::unix::process::CommandExt;

/// In the browser's environment: the pid of the `cairn` that started it and watches it.
pub const SUPERVISOR: &str = "CAIRN_BROWSER_SUPERVISOR";

/// Opens the browser on the store the flags select, until the user quits; returns the exit
/// code. Run in the browser's own process when this is the one a supervisor started, else
/// in a child process that this one watches, or, when that cannot be started, here.
pub fn open(flags: &cairn_store::Selection) -> Result<i32> {
    if let Some(supervisor) = std::env::var_os(SUPERVISOR) {
        watched_by(&supervisor.to_string_lossy())?;
        return super::run(flags, true).map(|()| 0);
    }
    // The terminal's modes as the shell left them, before the browser changes them.
    let modes = rustix::termios::tcgetattr(std::io::stdin()).ok();
    match start_browser() {
        Ok((signals, browser)) => supervise(signals, browser, modes.as_ref()),
        Err(e) => {
            // Refusing to open the browser would be worse than what is lost: only a crash
            // would leave the terminal raw, as it did before the supervisor.
            eprintln!(
                "cairn: the browser runs without its supervisor ({e:#}): a crash would leave the terminal raw"
            );
            super::run(flags, false).map(|()| 0)
        }
    }
}

/// Checks that the supervisor named in the environment is this process's parent, and asks
/// the kernel for SIGHUP when it ends: a browser whose parent was killed (SIGKILL) gives the
/// terminal back to the shell as on a hang-up, instead of fighting it for the keyboard.
fn watched_by(supervisor: &str) -> Result<()> {
    let pid: u32 = supervisor
        .parse()
        .with_context(|| format!("{SUPERVISOR}={supervisor:?} is not a process ID"))?;
    rustix::process::set_parent_process_death_signal(Some(Signal::HUP))
        .context("asking for a signal when the supervisor ends")?;
    // The supervisor may have ended before the line above: then the browser has no parent
    // that would give the terminal back, nor one the shell waits for.
    anyhow::ensure!(
        std::os::unix::process::parent_id() == pid,
        "the cairn that started the browser (pid {pid}) has ended"
    );
    Ok(())
}

/// Starts this binary again, with the same arguments, as the browser. The signals are
/// watched from before it starts, so that none sent meanwhile is lost.
fn start_browser() -> Result<(Signals, std::process::Child)> {
    let signals = Signals::new(terminal::ENDING.iter().chain(&[SIGTSTP, SIGCHLD]))
        .context("watching for signals")?;
    let exe = std::env::current_exe().context("finding cairn's own binary")?;
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(&exe);
    if let Some(name) = args.next() {
        command.arg0(name);
    }
    let browser = command
        .args(args)
        .env(SUPERVISOR, std::process::id().to_string())
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    Ok((signals, browser))
}

/// Waits for the browser to end, passing on signals and job control; returns its exit code,
/// or ends this process by the signal that ended the browser; `modes` are the terminal's
/// from before the browser started.
fn supervise(
    mut signals: Signals,
    browser: std::process::Child,
    modes: Option<&rustix::termios::Termios>,
) -> Result<i32> {
    let pid = Pid::from_child(&browser);
    for signal in signals.forever() {
        if signal != SIGCHLD {
            let passed = match signal {
                SIGTSTP => terminal::PASSED_STOP,
                signal => signal,
            };
            if let Some(signal) = Signal::from_named_raw(passed) {
                let _ = rustix::process::kill_process(pid, signal);
            }
            continue;
        }
        // Signals coalesce: one SIGCHLD may stand for several changes.
        while let Some((_, status)) =
            rustix::process::waitpid(Some(pid), WaitOptions::UNTRACED | WaitOptions::NOHANG)
                .context("waiting for the browser")?
        {
            if let Some(code) = status.exit_status() {
                return Ok(code);
            }
            // Ended or stopped by a signal: given back whether or not the browser did it.
            give_back(modes);
            if let Some(signal) = status.terminating_signal() {
                // The browser dumped its core, if any: the parent's would overwrite it.
                let core = rustix::process::getrlimit(rustix::process::Resource::Core);
                let _ = rustix::process::setrlimit(
                    rustix::process::Resource::Core,
                    rustix::process::Rlimit {
                        current: Some(0),
                        ..core
                    },
                );
                terminal::end_by(signal);
            }
            if status.stopped() {
                // Stopped as SIGTSTP's default action stops, so that the shell sees the job
                // stop; then continue the browser, in case only this process was continued.
                let _ = signal_hook::low_level::emulate_default_handler(SIGTSTP);
                let _ = rustix::process::kill_process(pid, Signal::CONT);
            }
        }
    }
    anyhow::bail!("stopped watching for signals while the browser runs")
}

/// The terminal's modes set back as they were and the screen released: each step is
/// harmless when the browser already took it.
fn give_back(modes: Option<&rustix::termios::Termios>) {
    if let Some(modes) = modes {
        let _ = rustix::termios::tcsetattr(
            std::io::stdin(),
            rustix::termios::OptionalActions::Now,
            modes,
        );
    }
    terminal::release_screen();
}
