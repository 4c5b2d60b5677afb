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

/// What a pane shows after cairn ended: whether it is still on the alternate screen, the
/// status the shell saw, the terminal's settings, whether the mouse is captured and whether
/// the cursor shows.
struct After {
    alternate: String,
    status: String,
    stty: String,
    mouse: String,
    cursor: String,
}

/// The pid of the browser: the child process that `cairn` (pid `cairn`) runs it in.
fn browser_of(cairn: &str) -> String {
    let children = || -> Vec<String> {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| {
                let pid = e.ok()?.file_name().into_string().ok()?;
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
                status
                    .lines()
                    .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["PPid:", cairn])
                    .then_some(pid)
            })
            .collect()
    };
    wait_until("cairn starts the browser", || !children().is_empty());
    let children = children();
    assert_eq!(children.len(), 1, "cairn runs one child: {children:?}");
    children[0].clone()
}

/// Whether `pid` is a process that has not ended (a zombie has).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

/// Whether `pid` has a handler for signal `number` (`SigCgt` in its status).
fn catches(pid: &str, number: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (number - 1)) != 0)
    })
}

/// `kill -SIGNAL -- PID`: a negative PID is a process group.
fn kill(signal: &str, pid: &str) {
    assert!(send(signal, pid), "kill -{signal} {pid}");
}

/// Whether `kill -SIGNAL -- PID` found the process to signal.
fn send(signal: &str, pid: &str) -> bool {
    Command::new("kill")
        .args([&format!("-{signal}"), "--", pid])
        .status()
        .unwrap()
        .success()
}

/// Who gets the signal: the `cairn` the shell started, or the browser it runs as its child.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Cairn,
    Browser,
}

/// cairn on the demo in a pane of its own, run by a shell that writes cairn's pid to `pid`
/// and its status to `status`, and runs `stty -a` once the test has written `go`. Returns
/// the folder, the pane and cairn's pid once the browser is on the screen.
fn browser_in_a_pane() -> (tempfile::TempDir, Pane, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = |name| shell_quote(&dir.path().join(name));
    let cairn = Path::new(env!("CARGO_BIN_EXE_cairn"));
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    // `exec` in a subshell makes the pid written cairn's own.
    let script = format!(
        "(echo $BASHPID > {pid}; exec {cairn} --store oci:{demo}); echo $? > {status}; until [ -e {go} ]; do sleep 0.05; done; stty -a > {stty}; exec sleep 60",
        pid = file("pid"),
        cairn = shell_quote(cairn),
        demo = shell_quote(&demo),
        status = file("status"),
        go = file("go"),
        stty = file("stty"),
    );
    let pane = Pane::start(dir.path(), &script);
    wait_for_the_browser(&pane, "the browser takes the screen");
    let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    let pid = pid.trim().to_owned();
    (dir, pane, pid)
}

/// What the pane of [`browser_in_a_pane`] shows once cairn has ended and `settled` holds.
fn after_cairn(dir: &Path, pane: &Pane, settled: impl Fn() -> bool) -> After {
    let (status_file, stty_file) = (dir.join("status"), dir.join("stty"));
    wait_until("cairn ends", || {
        std::fs::read_to_string(&status_file).is_ok_and(|s| s.ends_with('\n'))
    });
    wait_until("the processes cairn leaves settle", settled);
    std::fs::write(dir.join("go"), "").unwrap();
    wait_until("the shell runs stty after cairn", || {
        std::fs::read_to_string(&stty_file).is_ok_and(|s| s.contains("icanon"))
    });
    After {
        alternate: pane.tmux(&["display", "-p", "#{alternate_on}"]),
        status: std::fs::read_to_string(&status_file)
            .unwrap()
            .trim()
            .to_owned(),
        stty: std::fs::read_to_string(&stty_file).unwrap(),
        mouse: pane.tmux(&["display", "-p", "#{mouse_any_flag}"]),
        cursor: pane.tmux(&["display", "-p", "#{cursor_flag}"]),
    }
}

/// Starts the browser on the demo in a pane, sends `signal` (number `number`) to `target`
/// with `kill`, and returns what the pane shows once the shell runs again.
fn end_by(signal: &str, number: u32, target: Target) -> After {
    let (dir, pane, pid) = browser_in_a_pane();
    match target {
        Target::Cairn => kill(signal, &pid),
        Target::Browser => {
            let browser = browser_of(&pid);
            // A Rust program's first SIGSEGV or SIGBUS goes to std's stack-overflow handler,
            // which finds no overflow, puts the default action back and returns; the next one
            // ends the process, as a real fault does when its instruction runs again.
            kill(signal, &browser);
            wait_until("the browser ends, or stops catching the signal", || {
                !alive(&browser) || !catches(&browser, number)
            });
            // A browser that catches the signal (SIGABRT, SIGTERM) puts the default action
            // back just before it ends by it: it may be gone by the time the second one goes.
            if alive(&browser) {
                assert!(
                    send(signal, &browser) || !alive(&browser),
                    "kill -{signal} {browser}"
                );
            }
        }
    }
    after_cairn(dir.path(), &pane, || true)
}

/// The pane is back to a shell's terminal: main screen, mouse released, cursor shown, cooked
/// modes with echo; and the shell saw cairn end by `number`.
fn assert_given_back(after: &After, number: u32, what: &str) {
    assert_eq!(
        after.alternate, "0",
        "{what}: still on the alternate screen"
    );
    assert_eq!(after.mouse, "0", "{what}: the mouse is still captured");
    assert_eq!(after.cursor, "1", "{what}: the cursor is hidden");
    for setting in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            setting_on(&after.stty, setting),
            "{what}: {setting} is off:\n{}",
            after.stty
        );
    }
    assert_eq!(after.status, (128 + number).to_string(), "{what}");
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
        let after = end_by(signal, number, Target::Cairn);
        assert_given_back(&after, number, &format!("SIG{signal}"));
    }
}

/// The browser runs in a child process: when that dies by a signal it cannot handle (an
/// abort, a fault, SIGKILL), the `cairn` the shell started gives the terminal back and ends
/// by the same signal, as the shell would have seen the browser end.
#[test]
fn a_browser_killed_by_any_signal_leaves_a_usable_terminal_and_its_status() {
    for (signal, number) in [
        ("SEGV", 11),
        ("ABRT", 6),
        ("BUS", 7),
        ("ILL", 4),
        ("KILL", 9),
        ("TERM", 15),
    ] {
        let after = end_by(signal, number, Target::Browser);
        assert_given_back(
            &after,
            number,
            &format!("the browser killed by SIG{signal}"),
        );
    }
}

/// The `cairn` the shell started killed with SIGKILL: the browser gets SIGHUP from the
/// kernel, gives the terminal back and ends, instead of reading keys the shell should get.
#[test]
fn a_killed_supervisor_takes_its_browser_with_it() {
    let (dir, pane, pid) = browser_in_a_pane();
    let browser = browser_of(&pid);
    kill("KILL", &pid);
    // The shell runs stty only once the browser has given the terminal back and ended.
    let after = after_cairn(dir.path(), &pane, || !alive(&browser));
    assert_given_back(&after, 9, "cairn killed by SIGKILL");
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
        kill("TSTP", pid.trim());
    });
}

/// A stop sent to the whole job (`kill -TSTP %1` from another shell, `pkill -TSTP cairn`)
/// reaches the browser twice, directly and passed on by `cairn`: it stops once, and after
/// `fg` it stays.
#[test]
fn sigtstp_to_the_whole_job_stops_the_browser_once() {
    stop_and_continue(|_, dir| {
        let pid = std::fs::read_to_string(dir.join("pid")).unwrap();
        kill("TSTP", &format!("-{}", pid.trim()));
    });
}

/// SIGSTOP cannot be caught: the browser stops as it is, and the `cairn` the shell started
/// gives the terminal back for it before it stops too, so the shell can take it.
#[test]
fn sigstop_on_the_browser_gives_the_terminal_back_and_fg_takes_it_again() {
    stop_and_continue(|_, dir| {
        let pid = std::fs::read_to_string(dir.join("pid")).unwrap();
        kill("STOP", &browser_of(pid.trim()));
    });
}
