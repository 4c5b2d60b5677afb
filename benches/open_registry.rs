//! How long cairn takes to open a registry over its API, against what a user scripts today
//! (`skopeo list-tags` per repository, `skopeo inspect` per tag). The storage of a registry
//! with 500 repositories and 10,000 tagged manifests is written once by
//! `scripts/make-registry-bench.py` under `target/bench-registry/`, and Debian's
//! docker-registry 2.8.2 serves it on 127.0.0.1:5200 for the run.
//!
//! Figures: the whole `cairn images -a` process, cold (empty cache), warm (second open: the
//! listing asked again, manifests and configs from the cache) and `--cached` (the last
//! listing, not asked again), medians of 5; the browser's first frame with the list, cold
//! and warm (the cached listing, shown while the registry is asked again), and when the
//! asked-again list replaces it, measured in a child process of this benchmark with its own
//! cache folder; skopeo on the first two repositories (40 tags), extrapolated per tag to
//! the whole registry, since running it on all 10,000 tags takes about half an hour. The
//! load average of the machine is printed before and after.
//!
//! Run with `cargo bench --bench open_registry`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

/// The same allocator as the cairn binary, so that the browser's figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn::tui::app::App;
use cairn::tui::loader::{self, LoaderMsg};
use cairn::tui::theme::Theme;
use cairn::tui::view::{self, ViewState};
use cairn_store::Selection;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REPOSITORIES: usize = 500;
const TAGS: usize = 20;
const RUNS: usize = 5;
/// In registry-open's port range (see the team's briefing).
const ADDR: &str = "127.0.0.1:5200";
/// Set in the child that times the browser: the registry's address.
const BROWSER: &str = "CAIRN_BENCH_BROWSER";

fn main() {
    if let Ok(addr) = std::env::var(BROWSER) {
        return browser(&addr);
    }
    let home = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-registry");
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
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["--store", &format!("registry:{ADDR}"), "--tls-verify=false"])
            .args(extra)
            .args(["images", "-a", "-q"])
            .env("XDG_CACHE_HOME", cache.path())
            .output()
            .unwrap();
        let elapsed = start.elapsed();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.stdout
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count(),
            REPOSITORIES * TAGS
        );
        elapsed
    };
    let median = |run: &dyn Fn() -> Duration| {
        let mut times: Vec<Duration> = (0..RUNS).map(|_| run()).collect();
        times.sort();
        times[RUNS / 2]
    };
    let cold = cairn(&[]);
    let warm = median(&|| cairn(&[]));
    let cached = median(&|| cairn(&["--cached"]));
    let (warm_frame, warm_revalidated) = browser_child(cache.path());
    let empty = tempfile::tempdir().unwrap();
    let (cold_frame, _) = browser_child(empty.path());
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
    let row = |what: &str, time: Duration| println!("{what:<58} {time:>10.2?}");
    row("cairn images -a, cold (empty cache)", cold);
    row(&format!("cairn images -a, warm (median of {RUNS})"), warm);
    row(
        &format!("cairn --cached images -a (median of {RUNS})"),
        cached,
    );
    row("browser, cold: first frame with the list", cold_frame);
    row(
        "browser, warm: first frame with the list (cached)",
        warm_frame,
    );
    row(
        "browser, warm: the list asked again replaces it",
        warm_revalidated,
    );
    row("skopeo list-tags + inspect, per tag", per_tag);
    row("skopeo, every tag (extrapolated)", skopeo_all);
    println!(
        "cold open against the skopeo script: {:.0}x faster",
        skopeo_all.as_secs_f64() / cold.as_secs_f64()
    );
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

/// Runs [`browser`] in a child process with `cache` as its cache folder: the time from its
/// start to the first frame with the list, and to the list as the registry says it now.
fn browser_child(cache: &Path) -> (Duration, Duration) {
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
    let mut times = text
        .split_whitespace()
        .map(|t| Duration::from_micros(t.parse().unwrap()));
    let (frame, fresh) = (times.next().unwrap(), times.next().unwrap());
    assert!(frame <= spawn);
    (frame, fresh)
}

/// The browser on the registry, as `cairn` runs it: the app, its first frame, the loader
/// thread; prints the microseconds from the start to the first frame with the list, and to
/// the frame with the list as the registry says it now.
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
    loop {
        let msg = receive.recv().unwrap();
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
            frame.get_or_insert(start.elapsed());
        }
        if done {
            break;
        }
    }
    println!(
        "{} {}",
        frame.unwrap().as_micros(),
        start.elapsed().as_micros()
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
