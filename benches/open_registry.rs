//! How long cairn takes to open a registry over its API, against what a user scripts today
//! (`skopeo list-tags` per repository, `skopeo inspect` per tag). The storage of a registry
//! with 500 repositories and 10,000 tagged manifests is written once by
//! `scripts/make-registry-bench.py` under `$CAIRN_BENCH_REGISTRY` (else
//! `target/bench-registry/`) and kept there for the next run; Debian's docker-registry 2.8.2
//! serves it on 127.0.0.1:5200 for the run.
//!
//! Figures, each in wall-clock and CPU time (user and system: what the machine's load does
//! not move): the whole `cairn images -a` process, cold (empty cache), warm (every tag asked
//! again, manifests and configs from the cache) and `--cached` (the last listing, not asked
//! again), medians of 5; the browser's first frame with the list, cold and warm (the cached
//! listing, shown while the registry is asked again), and when the asked-again list replaces
//! it, measured in a child process of this benchmark with its own cache folder, with the
//! slowest key pressed on the cached list meanwhile; skopeo on the first two repositories (40
//! tags), extrapolated per tag to the whole registry, since running it on all 10,000 tags
//! takes about half an hour. The load average of the machine is printed before and after.
//!
//! Run with `CAIRN_BENCH_REGISTRY=/some/folder cargo bench --bench open_registry`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

/// The same allocator as the cairn binary, so that the browser's figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::loader::{self, LoaderMsg};
use cairn::tui::theme::Theme;
use cairn::tui::view::{self, ViewState};
use cairn_store::Selection;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REPOSITORIES: usize = 500;
const TAGS: usize = 20;
const RUNS: usize = 5;
/// In registry-warm's port range (see the team's briefing).
const ADDR: &str = "127.0.0.1:5200";
/// Set in the child that times the browser: the registry's address.
const BROWSER: &str = "CAIRN_BENCH_BROWSER";
/// Where the registry's storage is written once and kept (its `storage-500x20`) with the
/// registry's config; `target/bench-registry` when unset.
const PLACE: &str = "CAIRN_BENCH_REGISTRY";
/// Between two key presses in the browser while it asks the registry again.
const KEY_PAUSE: Duration = Duration::from_millis(20);

fn main() {
    if let Ok(addr) = std::env::var(BROWSER) {
        return browser(&addr);
    }
    let home = std::env::var_os(PLACE).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-registry"),
        PathBuf::from,
    );
    let storage = home.join(format!("storage-{REPOSITORIES}x{TAGS}"));
    if !storage.join("docker").exists() {
        let start = Instant::now();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-registry-bench.py");
        let status = Command::new("python3")
            .arg(script)
            .arg(&storage)
            .args([REPOSITORIES.to_string(), TAGS.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "make-registry-bench.py failed");
        println!("storage written in {:.1?}", start.elapsed());
    }
    println!("storage: {}", storage.display());
    let load_before = load_average();
    let config = home.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {ADDR}\n",
            storage.display()
        ),
    )
    .unwrap();
    let server = Server(
        Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (apt-get install docker-registry)"),
    );
    while TcpStream::connect(ADDR).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let cache = tempfile::tempdir().unwrap();
    let cairn = |extra: &[&str]| {
        let cpu = children_cpu();
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["--store", &format!("registry:{ADDR}"), "--tls-verify=false"])
            .args(extra)
            .args(["images", "-a"])
            .env("XDG_CACHE_HOME", cache.path())
            .output()
            .unwrap();
        let time = Time {
            wall: start.elapsed(),
            cpu: children_cpu() - cpu,
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The table: a heading and a row per tag.
        assert_eq!(
            out.stdout
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count(),
            REPOSITORIES * TAGS + 1
        );
        time
    };
    let cold = cairn(&[]);
    let warm = median((0..RUNS).map(|_| cairn(&[])).collect());
    let cached = median((0..RUNS).map(|_| cairn(&["--cached"])).collect());
    let warm_browser = median((0..RUNS).map(|_| browser_child(cache.path())).collect());
    let empty = tempfile::tempdir().unwrap();
    let cold_browser = browser_child(empty.path());
    let sample = ["team0/app0", "team1/app1"];
    let start = Instant::now();
    for repository in sample {
        skopeo(&["list-tags", &format!("docker://{ADDR}/{repository}")]);
        for tag in 0..TAGS {
            skopeo(&["inspect", &format!("docker://{ADDR}/{repository}:v{tag}")]);
        }
    }
    let per_tag = start.elapsed() / (sample.len() * TAGS) as u32;
    let skopeo_all = per_tag * (REPOSITORIES * TAGS) as u32;
    drop(server);
    let load_after = load_average();
    println!(
        "cairn open_registry benchmark: {REPOSITORIES} repositories, {} tagged manifests",
        REPOSITORIES * TAGS
    );
    println!("load average before: {load_before}; after: {load_after}");
    println!("{:<58} {:>10} {:>10}", "", "wall", "CPU");
    let row = |what: &str, time: Time| {
        println!("{what:<58} {:>10.2?} {:>10.2?}", time.wall, time.cpu);
    };
    let wall = |what: &str, time: Duration| println!("{what:<58} {time:>10.2?}");
    row("cairn images -a, cold (empty cache)", cold);
    row(
        &format!("cairn images -a, warm: every tag asked (median of {RUNS})"),
        warm,
    );
    row(
        &format!("cairn --cached images -a (median of {RUNS})"),
        cached,
    );
    row(
        "browser, cold: first frame with the list",
        cold_browser.frame,
    );
    row(
        &format!("browser, warm: first frame, cached list (median of {RUNS})"),
        warm_browser.frame,
    );
    row(
        "browser, warm: the list asked again replaces it",
        warm_browser.fresh,
    );
    wall(
        "browser, warm: slowest key while it is asked again",
        warm_browser.slowest_key,
    );
    wall("skopeo list-tags + inspect, per tag", per_tag);
    wall("skopeo, every tag (extrapolated)", skopeo_all);
    println!(
        "cold open against the skopeo script: {:.0}x faster",
        skopeo_all.as_secs_f64() / cold.wall.as_secs_f64()
    );
}

/// A process's wall-clock and CPU (user and system) time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Time {
    wall: Duration,
    cpu: Duration,
}

/// What one run of the browser took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct BrowserRun {
    /// From the start to the first frame with the list (the cached one when there is one).
    frame: Time,
    /// From the start to the frame with the list as the registry says it now.
    fresh: Time,
    /// The slowest key press answered between the two, on the list shown.
    slowest_key: Duration,
}

/// The middle run, ordered by the first field (wall time, or the first frame's).
fn median<T: Ord + Copy>(mut runs: Vec<T>) -> T {
    runs.sort();
    runs[runs.len() / 2]
}

/// The CPU time of this process's waited-for children so far (`/proc/self/stat`'s `cutime`
/// and `cstime`, in the kernel's clock ticks of 10 ms).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    // cutime and cstime are the 16th and 17th fields; the state (3rd) is the first here.
    let ticks: u64 = fields[13].parse::<u64>().unwrap() + fields[14].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// This process's CPU time, all threads, user and system.
fn own_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec.unsigned_abs(), t.tv_nsec.unsigned_abs() as u32)
}

/// The first fields of `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs [`browser`] in a child process with `cache` as its cache folder.
fn browser_child(cache: &Path) -> BrowserRun {
    let start = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .env(BROWSER, ADDR)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap();
    let spawn = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let times: Vec<Duration> = text
        .split_whitespace()
        .map(|t| Duration::from_micros(t.parse().unwrap()))
        .collect();
    let [frame, frame_cpu, fresh, fresh_cpu, slowest_key] = times[..] else {
        panic!("the browser child printed {text:?}");
    };
    assert!(frame <= spawn);
    BrowserRun {
        frame: Time {
            wall: frame,
            cpu: frame_cpu,
        },
        fresh: Time {
            wall: fresh,
            cpu: fresh_cpu,
        },
        slowest_key,
    }
}

/// The browser on the registry, as `cairn` runs it: the app, its first frame, the loader
/// thread. Between the first frame with the list and the frame with the list as the
/// registry says it now, it presses Down, Up, PageDown and PageUp in turn every 20 ms, each
/// answered and drawn, as a user scrolling the cached list while it is asked again. Prints
/// the microseconds from the start to the first frame with the list and the process's CPU
/// time by then, the same two at the fresh list, and the slowest key.
fn browser(addr: &str) {
    let start = Instant::now();
    let store = Selection {
        store: Some(format!("registry:{addr}")),
        tls_verify: Some(false),
        ..Selection::default()
    }
    .resolve()
    .unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut view = ViewState::default();
    let mut app = App::new(
        store.label(),
        jiff::Timestamp::now(),
        Rect::new(0, 0, 120, 40),
        Theme::colored(),
    );
    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    let (_commands, listen) = std::sync::mpsc::channel();
    let _loader = loader::spawn(store, listen, move |msg| send.send(msg).is_ok()).unwrap();
    let mut frame = None;
    let keys = [Action::Down, Action::Up, Action::PageDown, Action::PageUp];
    let mut pressed = 0;
    let mut slowest_key = Duration::ZERO;
    loop {
        let msg = match receive.recv_timeout(KEY_PAUSE) {
            Ok(msg) => msg,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if frame.is_some() {
                    let key = Instant::now();
                    app.update(keys[pressed % keys.len()].clone());
                    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
                    slowest_key = slowest_key.max(key.elapsed());
                    pressed += 1;
                }
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        let done = matches!(msg, LoaderMsg::Loaded { .. });
        if let LoaderMsg::Failed(error) = &msg {
            panic!("{error}");
        }
        let list = matches!(msg, LoaderMsg::Listed { .. } | LoaderMsg::Loaded { .. });
        app.receive(msg);
        if list {
            terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
            assert_eq!(
                app.catalog().unwrap().snapshot.images.len(),
                REPOSITORIES * TAGS
            );
            frame.get_or_insert((start.elapsed(), own_cpu()));
        }
        if done {
            break;
        }
    }
    let (frame, frame_cpu) = frame.unwrap();
    println!(
        "{} {} {} {} {}",
        frame.as_micros(),
        frame_cpu.as_micros(),
        start.elapsed().as_micros(),
        own_cpu().as_micros(),
        slowest_key.as_micros()
    );
}

fn skopeo(args: &[&str]) {
    let out = Command::new("skopeo")
        .arg(args[0])
        .arg("--tls-verify=false")
        .args(&args[1..])
        .output()
        .expect("skopeo (apt-get install skopeo)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The registry, stopped when the benchmark ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
