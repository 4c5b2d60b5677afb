//! The browser in a real terminal (a tmux pane) ended by a signal from outside: the pane
//! leaves the alternate screen, the shell after it reads lines with echo again, and the
//! status says which signal ended cairn (128 + signal), as for any well-behaved program.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("running tmux");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Polls `check` until it holds, saying every ten seconds what it still waits for (no time
/// limit: a loaded machine is slow, and a hang shows as a test that runs on and says why).
fn wait_until(what: &str, check: impl Fn() -> bool) {
    let mut said = Instant::now();
    while !check() {
        if said.elapsed() > Duration::from_secs(10) {
            eprintln!("still waiting: {what}");
            said = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A tmux server of its own, removed when dropped.
struct Pane {
    socket: PathBuf,
}

impl Pane {
    /// A 100x30 pane of a tmux server under `dir`, running `script` in bash.
    fn start(dir: &Path, script: &str) -> Pane {
        let pane = Pane {
            socket: dir.join("tmux"),
        };
        pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "bash",
            "-c",
            script,
        ]);
        pane
    }

    fn tmux(&self, args: &[&str]) -> String {
        let mut all = vec!["-S", self.socket.to_str().unwrap()];
        all.extend_from_slice(args);
        tmux(&all)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Starts the browser on the demo in a pane, sends `signal` to it with `kill`, and returns
/// whether the pane is still on the alternate screen, the status cairn ended with and the
/// terminal's settings the shell saw right after.
fn end_by(signal: &str) -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let status_file = dir.path().join("status");
    let stty_file = dir.path().join("stty");
    let cairn = Path::new(env!("CARGO_BIN_EXE_cairn"));
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    // `exec` in a subshell makes the pid written cairn's own.
    let script = format!(
        "(echo $BASHPID > {pid}; exec {cairn} --store oci:{demo}); echo $? > {status}; stty -a > {stty}; exec sleep 60",
        pid = shell_quote(&pid_file),
        cairn = shell_quote(cairn),
        demo = shell_quote(&demo),
        status = shell_quote(&status_file),
        stty = shell_quote(&stty_file),
    );
    let pane = Pane::start(dir.path(), &script);
    wait_until("the browser takes the screen", || {
        pane.tmux(&["display", "-p", "#{alternate_on}"]) == "1"
            && pane
                .tmux(&["capture-pane", "-p"])
                .contains("localhost/base")
    });
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_until("the shell runs stty after cairn", || {
        std::fs::read_to_string(&stty_file).is_ok_and(|s| s.contains("icanon"))
    });
    (
        pane.tmux(&["display", "-p", "#{alternate_on}"]),
        std::fs::read_to_string(&status_file)
            .unwrap()
            .trim()
            .to_owned(),
        std::fs::read_to_string(&stty_file).unwrap(),
    )
}

/// `stty -a` names each setting, with a `-` in front when it is off.
fn setting_on(stty: &str, name: &str) -> bool {
    stty.split_whitespace().any(|s| s == name)
}

#[test]
fn every_ending_signal_gives_the_terminal_back_and_ends_cairn_by_that_signal() {
    for (signal, number) in [
        ("TERM", 15),
        ("INT", 2),
        ("HUP", 1),
        ("QUIT", 3),
        ("ABRT", 6),
    ] {
        let (alternate, status, stty) = end_by(signal);
        assert_eq!(alternate, "0", "SIG{signal}: still on the alternate screen");
        for setting in ["icanon", "echo", "isig", "icrnl", "opost"] {
            assert!(
                setting_on(&stty, setting),
                "SIG{signal}: {setting} is off:\n{stty}"
            );
        }
        assert_eq!(status, (128 + number).to_string(), "SIG{signal}");
    }
}

#[test]
fn on_a_dumb_terminal_the_browser_says_what_to_use_and_leaves_the_terminal_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out");
    let status_file = dir.path().join("status");
    let cairn = Path::new(env!("CARGO_BIN_EXE_cairn"));
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let script = format!(
        "TERM=dumb {cairn} --store oci:{demo} 2> {out}; echo $? > {status}; exec sleep 60",
        cairn = shell_quote(cairn),
        demo = shell_quote(&demo),
        out = shell_quote(&out_file),
        status = shell_quote(&status_file),
    );
    let pane = Pane::start(dir.path(), &script);
    wait_until("cairn ends", || {
        std::fs::read_to_string(&status_file).is_ok_and(|s| s.ends_with('\n'))
    });
    assert_eq!(std::fs::read_to_string(&status_file).unwrap().trim(), "125");
    let message = std::fs::read_to_string(&out_file).unwrap();
    assert!(message.contains("TERM=dumb"), "{message}");
    assert!(message.contains("cairn images"), "{message}");
    assert_eq!(pane.tmux(&["display", "-p", "#{alternate_on}"]), "0");
}

/// An interactive bash with job control in a pane, running the browser on the demo as its
/// foreground job; the browser's pid is written to `pid` and its status to `status`.
fn browser_in_a_shell(dir: &Path) -> Pane {
    let cairn = Path::new(env!("CARGO_BIN_EXE_cairn"));
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let pane = Pane::start(dir, "PS1='$ ' exec bash --norc --noprofile -i");
    let job = format!(
        "sh -c 'echo $$ > {pid}; exec {cairn} --store oci:{demo}'; echo $? > {status}",
        pid = dir.join("pid").display(),
        cairn = cairn.display(),
        demo = demo.display(),
        status = dir.join("status").display(),
    );
    pane.tmux(&["send-keys", &job, "Enter"]);
    wait_for_the_browser(&pane, "the browser takes the screen");
    pane
}

fn wait_for_the_browser(pane: &Pane, what: &str) {
    wait_until(what, || {
        pane.tmux(&["display", "-p", "#{alternate_on}"]) == "1"
            && pane
                .tmux(&["capture-pane", "-p"])
                .contains("localhost/base")
    });
}

/// Stops the browser with `stop`, checks that the shell has a usable terminal meanwhile,
/// continues it with `fg`, checks that it draws its screen again and still takes keys.
fn stop_and_continue(stop: impl Fn(&Pane, &Path)) {
    let dir = tempfile::tempdir().unwrap();
    let pane = browser_in_a_shell(dir.path());
    stop(&pane, dir.path());
    wait_until("the shell says the job stopped", || {
        pane.tmux(&["capture-pane", "-p"]).contains("Stopped")
    });
    assert_eq!(
        pane.tmux(&["display", "-p", "#{alternate_on}"]),
        "0",
        "the stopped browser left the pane on the alternate screen"
    );
    assert_eq!(
        pane.tmux(&["display", "-p", "#{mouse_any_flag}"]),
        "0",
        "the stopped browser left the mouse captured"
    );
    let stty_file = dir.path().join("stty");
    pane.tmux(&[
        "send-keys",
        &format!("stty -a > {}", stty_file.display()),
        "Enter",
    ]);
    wait_until("the shell runs stty", || {
        std::fs::read_to_string(&stty_file).is_ok_and(|s| s.contains("icanon"))
    });
    let stty = std::fs::read_to_string(&stty_file).unwrap();
    for setting in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            setting_on(&stty, setting),
            "{setting} is off while stopped:\n{stty}"
        );
    }
    // The shell wrote the stopped job's status (147); `fg` says how the job ends.
    let status_file = dir.path().join("status after fg");
    pane.tmux(&[
        "send-keys",
        &format!("fg; echo $? > '{}'", status_file.display()),
        "Enter",
    ]);
    // Back on a fresh alternate screen, only a frame drawn whole shows the list.
    wait_for_the_browser(&pane, "the browser draws its screen again after fg");
    pane.tmux(&["send-keys", "q"]);
    wait_until("the browser quits on q", || {
        std::fs::read_to_string(&status_file).is_ok_and(|s| s.ends_with('\n'))
    });
    assert_eq!(std::fs::read_to_string(&status_file).unwrap().trim(), "0");
}

#[test]
fn ctrl_z_gives_the_terminal_back_and_fg_takes_it_again() {
    stop_and_continue(|pane, _| {
        pane.tmux(&["send-keys", "C-z"]);
    });
}

#[test]
fn sigtstp_from_outside_gives_the_terminal_back_and_fg_takes_it_again() {
    stop_and_continue(|_, dir| {
        let pid = std::fs::read_to_string(dir.join("pid")).unwrap();
        let sent = Command::new("kill")
            .args(["-TSTP", pid.trim()])
            .status()
            .unwrap();
        assert!(sent.success());
    });
}
