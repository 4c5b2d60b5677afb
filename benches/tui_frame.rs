//! How fast the browser answers on a 10,000-image store: the time from the start of the
//! `cairn` process to the frame with the list on it, the in-process steps behind it, and the
//! update + draw time of every kind of keypress, idle and while removals run in the
//! background, drawn into a 120x40 `TestBackend`. The keys that plan a change (the removal,
//! prune, tag and untag dialogs and their switches) are timed on a hundred images of the store,
//! under podman's rules and again with the same store read under Docker's.
//!
//! The start is measured on the real binary in a pseudo-terminal of 120x40, as a user starts
//! it: from the spawn to the moment the frame with the list (its header and its "N of
//! 10000" count) has been written to the terminal; and the CPU time the `cairn` processes
//! (the supervisor and the browser, every thread still running) have used by then, which
//! the machine's load does not change. `CAIRN_BENCH_BIN` times another `cairn`
//! binary there instead (an older build, to compare).
//!
//! The store is written by `cairn-genstore` (built next to this benchmark), or taken from
//! `CAIRN_BENCH_ROOT` (a graph root, vfs driver; the removals change it). Prints Markdown
//! tables, and the machine's load average before and after, since other work on the machine
//! moves every figure. `CAIRN_BENCH_PLANNING_ONLY=1` times only the keys that plan, which
//! leaves the store as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

/// The same allocator as the cairn binary, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::change::ChangeOutcome;
use cairn::tui::data::StoreData;
use cairn::tui::dialog::Dialog;
use cairn::tui::loader::{self, LoaderCmd, LoaderMsg};
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn::tui::view::{self, ViewState};
use cairn::tui::worker;
use cairn_core::lineage::Lineage;
use cairn_core::{Catalog, ImageIdx, Rules};
use cairn_store::containers_storage::{self, StorageOptions};
use cairn_store::{OpenedStore, Store};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tui_input::InputRequest;

const IMAGES: usize = 10_000;
const LAYERS: usize = 30_000;
/// Containers on the store's tagged images (their layers are among [`LAYERS`]): images in use
/// make removal previews blocked until forced, as on a build server.
const CONTAINERS: usize = 200;
/// Images the planning keys are pressed on, spread over the store's order.
const PLANNED_IMAGES: usize = 100;
/// Starts of the real binary timed, after one that is not.
const STARTS: usize = 15;
/// Removals applied while keys are pressed.
const REMOVALS: usize = 3;
/// The pause between two keys while removals run: a fast typist's key repeat.
const KEY_PAUSE: Duration = Duration::from_millis(5);

fn store_root(keep: &tempfile::TempDir) -> PathBuf {
    if let Some(root) = std::env::var_os("CAIRN_BENCH_ROOT") {
        return PathBuf::from(root);
    }
    let root = keep.path().join("root");
    let shape = cairn_genstore::Shape {
        images: IMAGES,
        layers: LAYERS,
        containers: CONTAINERS,
        seed: 1,
    };
    cairn_genstore::generate(&root, shape).expect("generating the store");
    root
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `items` repeated `times` times (slices of non-`Copy` items have no `repeat`).
fn repeat(items: &[Action], times: usize) -> Vec<Action> {
    (0..times).flat_map(|_| items.iter().cloned()).collect()
}

/// A kind of keypress, with the presses it is measured on.
struct Keys {
    name: &'static str,
    actions: Vec<Action>,
}

fn main() {
    let keep = tempfile::tempdir().unwrap();
    let root = store_root(&keep);
    let options = StorageOptions {
        graphroot: root.clone(),
        runroot: keep.path().join("run"),
        driver: Some("vfs".into()),
        additional_image_stores: Vec::new(),
        explicit: true,
    };
    println!("Load average before: {}\n", load_average());

    let (mut app, mut view, mut terminal) = in_process_steps(&options);
    // For work on the planners: only the keys that plan, on a store that stays as it is.
    let planning_only = std::env::var_os("CAIRN_BENCH_PLANNING_ONLY").is_some();
    if !planning_only {
        print_starts(&options, &app, keep.path());
    }

    // Start from the base image with the most descendants, the hardest case for lineage.
    if let Some(store) = app.store.clone() {
        let base = store.facts.names.position(|n| n.contains("/base/"));
        if let Some(base) = base {
            app.jump_to(base);
        }
    }
    println!(
        "\nEach keypress: `App::update` plus a full draw into a 120x40 TestBackend, one every \
         {KEY_PAUSE:?} as a fast typist's key repeat gives them; wall time, and the CPU time \
         of the thread (which the machine's load does not change)."
    );
    if !planning_only {
        let mut times = KeyTimes::default();
        for key in idle_keys() {
            for action in key.actions {
                times.press(key.name, action, &mut app, &mut view, &mut terminal);
            }
        }
        print_times("keys, idle", times.0, "**every key, idle**");
    }

    println!(
        "\nThe keys that plan a change, idle: each opens a change dialog on an image or \
         changes a switch in it, and the dialog plans on the whole store (`d`, `f`, `n` and \
         `u` on {PLANNED_IMAGES} images spread over the store and the base image with the most \
         descendants; `t` with a name typed; `p` and `a`)."
    );
    let (keys, planner) = planning_keys(&mut app, &mut view, &mut terminal);
    print_times(
        "planning keys, idle, podman's rules",
        keys,
        "**every planning key, podman's rules**",
    );
    let (mut docker_app, mut docker_view) = under_docker_rules(&app, &options);
    let (docker_keys, docker_planner) =
        planning_keys(&mut docker_app, &mut docker_view, &mut terminal);
    drop(docker_app);
    print_times(
        "planning keys, idle, the same store under Docker's rules",
        docker_keys,
        "**every planning key, Docker's rules**",
    );
    println!(
        "\nNo key waits for these: the prune preview opens at once and shows its plan when the \
         planner thread has made it."
    );
    print_times(
        "off the UI thread, podman's rules",
        planner,
        "**the planner, podman's rules**",
    );
    print_times(
        "off the UI thread, Docker's rules",
        docker_planner,
        "**the planner, Docker's rules**",
    );

    if !planning_only {
        let during = keys_during_removals(&mut app, &mut view, &mut terminal, &options);
        print_times(
            &format!("keys while {REMOVALS} removals are applied and the store read again"),
            during,
            "**every key, during removals**",
        );
    }
    println!("\nLoad average after: {}", load_average());
}

/// The table of the whole process's starts.
fn print_starts(options: &StorageOptions, app: &App, scratch: &Path) {
    let image_count = app.catalog().unwrap().snapshot.images.len();
    let starts = process_starts(options, image_count, scratch);
    println!("\nThe whole `cairn` process in a 120x40 pseudo-terminal, {STARTS} starts:\n");
    println!("| from the start of the process to | median | min | max |");
    println!("| --- | --- | --- | --- |");
    let mut first_bytes: Vec<Duration> = starts.iter().map(|s| s.0).collect();
    let mut listed: Vec<Duration> = starts.iter().map(|s| s.1).collect();
    let mut cpu: Vec<Duration> = starts.iter().map(|s| s.2).collect();
    println!(
        "{}",
        spread("the first frame (loading screen)", &mut first_bytes)
    );
    println!("{}", spread("the frame with the list", &mut listed));
    println!(
        "{}",
        spread(
            "the frame with the list, CPU time of the processes",
            &mut cpu
        )
    );
}

/// What the browser does from its start to the full store, in this process: the loading
/// frame, then, as the loader sends them, the frame with the images alone, the one with
/// their sizes, the one with the configs and the one with the lineage.
fn in_process_steps(options: &StorageOptions) -> (App, ViewState, Terminal<TestBackend>) {
    let area = Rect::new(0, 0, 120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut view = ViewState::default();
    let start = Instant::now();
    let mut app = App::new(
        "bench (vfs)",
        jiff::Timestamp::now(),
        area,
        Theme::colored(),
    );
    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
    let first_frame = start.elapsed();
    let cpu_start = thread_cpu();

    let mut images_frame = Duration::ZERO;
    let mut images_cpu = Duration::ZERO;
    let listed = containers_storage::load_list(options, &mut |snapshot| {
        let catalog = Arc::new(Catalog::without_lineage(snapshot));
        let data = StoreData::images_alone(OpenedStore::in_memory(catalog));
        app.receive(LoaderMsg::Images {
            generation: 1,
            data,
        });
        terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
        images_frame = start.elapsed();
        images_cpu = thread_cpu() - cpu_start;
    })
    .expect("listing the bench store");
    let read = start.elapsed();
    let catalog = Arc::new(Catalog::without_lineage(listed.snapshot));
    app.receive(LoaderMsg::Listed {
        generation: 1,
        data: StoreData::new(catalog),
    });
    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
    let list_frame = start.elapsed();
    let loaded = containers_storage::load(options).expect("loading the bench store");
    let catalog = Arc::new(Catalog::without_lineage(loaded.snapshot));
    app.receive(LoaderMsg::Loaded {
        generation: 1,
        data: StoreData::new(Arc::clone(&catalog)),
    });
    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
    let configs_frame = start.elapsed();
    let lineage = Lineage::new(&catalog.snapshot, &catalog.tree);
    drop(catalog);
    app.receive(LoaderMsg::Lineage {
        generation: 1,
        lineage,
    });
    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
    let full_frame = start.elapsed();
    let image_count = app.catalog().unwrap().snapshot.images.len();

    println!("# TUI speed on a {image_count}-image store ({LAYERS} layers, cairn-genstore)\n");
    println!("In this process, one run, from `App::new`:\n");
    println!("| step | time |");
    println!("| --- | --- |");
    println!("| first frame (loading screen) | {} |", ms(first_frame));
    println!(
        "| records read under the locks, images.json parsed, frame with the list (names, IDs, ages) | {} (CPU of this thread: {}) |",
        ms(images_frame),
        ms(images_cpu)
    );
    println!("| layers.json parsed too | {} |", ms(read));
    println!("| frame with the sizes | {} |", ms(list_frame));
    println!(
        "| image configs read, details filled in | {} |",
        ms(configs_frame)
    );
    println!("| lineage filled in | {} |", ms(full_frame));
    (app, view, terminal)
}

/// Starts `cairn` on the store in a pseudo-terminal [`STARTS`] + 1 times (the first not
/// counted): for each, the time to its first output (the loading frame) and to the frame
/// with the list, and the CPU time its processes had used by then.
fn process_starts(
    options: &StorageOptions,
    images: usize,
    scratch: &Path,
) -> Vec<(Duration, Duration, Duration)> {
    let binary = std::env::var_os("CAIRN_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cairn")));
    let home = scratch.join("home");
    std::fs::create_dir_all(&home).unwrap();
    (0..=STARTS)
        .map(|_| start_in_a_terminal(&binary, options, images, &home))
        .skip(1)
        .collect()
}

/// One start of `binary` on a new pseudo-terminal; ends it with `q`.
fn start_in_a_terminal(
    binary: &Path,
    options: &StorageOptions,
    images: usize,
    home: &Path,
) -> (Duration, Duration, Duration) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use std::os::unix::ffi::OsStrExt;
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(std::ffi::OsStr::from_bytes(name.as_bytes()))
        .unwrap();
    let size = rustix::termios::Winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&terminal, size).unwrap();
    let mut command = Command::new(binary);
    command
        .arg("--root")
        .arg(&options.graphroot)
        .arg("--runroot")
        .arg(&options.runroot)
        .args(["--storage-driver", "vfs"])
        .env("TERM", "xterm-256color")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .stdin(terminal.try_clone().unwrap())
        .stdout(terminal.try_clone().unwrap())
        .stderr(terminal);
    let started = Instant::now();
    let mut child = command.spawn().expect("starting cairn");
    // The terminal's other end is the child's alone now, so reading ends when it exits.
    drop(command);
    let mut master = std::fs::File::from(master);
    // The list's count is in its title, drawn with the rows and the header only once there
    // is a store.
    let count = format!(" of {images} ");
    let mut seen: Vec<u8> = Vec::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut first_output = None;
    let listed = loop {
        let n = master.read(&mut buffer).unwrap_or(0);
        assert!(
            n > 0,
            "cairn ended before showing the list: {}",
            String::from_utf8_lossy(&seen)
        );
        first_output.get_or_insert_with(|| started.elapsed());
        seen.extend_from_slice(&buffer[..n]);
        if contains(&seen, count.as_bytes()) && contains(&seen, b"NAME") {
            break started.elapsed();
        }
    };
    let cpu = process_tree_cpu(child.id());
    master.write_all(b"q").unwrap();
    while master.read(&mut buffer).is_ok_and(|n| n > 0) {}
    let status = child.wait().unwrap();
    assert!(status.success(), "cairn failed: {status}");
    (first_output.unwrap_or(listed), listed, cpu)
}

/// The CPU time process `pid` and its descendants have used, summed over their threads'
/// `schedstat` (nanoseconds; threads that have ended are not counted).
fn process_tree_cpu(pid: u32) -> Duration {
    let mut total = Duration::ZERO;
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
    for task in tasks {
        let task = task.unwrap().path();
        let schedstat = std::fs::read_to_string(task.join("schedstat")).unwrap_or_default();
        let ns = schedstat.split_whitespace().next().unwrap_or("0");
        total += Duration::from_nanos(ns.parse().unwrap());
        let children = std::fs::read_to_string(task.join("children")).unwrap_or_default();
        for child in children.split_whitespace() {
            total += process_tree_cpu(child.parse().unwrap());
        }
    }
    total
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn idle_keys() -> Vec<Keys> {
    vec![
        Keys {
            name: "j / k (move in the list)",
            actions: repeat(&[Action::Down, Action::Up], 100),
        },
        Keys {
            name: "PgDn / PgUp",
            actions: repeat(&[Action::PageDown, Action::PageUp], 50),
        },
        Keys {
            name: "G / g",
            actions: repeat(&[Action::Last, Action::First], 50),
        },
        Keys {
            name: "s (sort)",
            actions: vec![Action::CycleSort; 60],
        },
        Keys {
            name: "a (intermediates)",
            actions: vec![Action::ToggleIntermediates; 60],
        },
        Keys {
            name: "/ and typing a filter",
            actions: repeat(
                &std::iter::once(Action::StartFilter)
                    .chain("svc-21".chars().map(Action::FilterInput))
                    .chain(std::iter::repeat_n(Action::FilterBackspace, 6))
                    .chain([Action::FilterAccept])
                    .collect::<Vec<_>>(),
                8,
            ),
        },
        Keys {
            name: "Tab (focus)",
            actions: vec![Action::NextPane; 100],
        },
        Keys {
            name: "w (whatrequires)",
            actions: vec![Action::ToggleWhatRequires; 60],
        },
        Keys {
            name: "lineage: e / c / arrows",
            actions: repeat(
                &[
                    Action::FocusPane(Pane::Lineage),
                    Action::ExpandAll,
                    Action::Down,
                    Action::Down,
                    Action::Collapse,
                    Action::CollapseAll,
                ],
                20,
            ),
        },
        Keys {
            name: "history: Enter (jump)",
            actions: repeat(
                &[
                    Action::FocusPane(Pane::History),
                    Action::Last,
                    Action::Activate,
                ],
                30,
            ),
        },
        Keys {
            name: "? (help)",
            actions: vec![Action::Help; 60],
        },
        Keys {
            name: "L (layer forest), moves in it",
            actions: repeat(
                &[
                    Action::ToggleForest,
                    Action::Down,
                    Action::ExpandAll,
                    Action::PageDown,
                    Action::CollapseAll,
                    Action::ToggleForest,
                ],
                20,
            ),
        },
    ]
}

/// Everything the event loop waits for, as `cairn::tui` has it.
enum Event {
    Loader(LoaderMsg),
    Change(ChangeOutcome),
}

/// Keys pressed while [`REMOVALS`] removals run as a user starts them (`d`, then `y` in the
/// dialog, on a tagged image the dialog can remove): the real change worker applies each
/// under podman's locks and the real loader reads the changed store again, on their own
/// threads, while this thread presses a key every [`KEY_PAUSE`] and takes what they send
/// between two keys, as the event loop does. The next removal starts once the lineage of the
/// store read after the last one has arrived. Times per kind of key.
fn keys_during_removals(
    app: &mut App,
    view: &mut ViewState,
    terminal: &mut Terminal<TestBackend>,
    options: &StorageOptions,
) -> Vec<(&'static str, Times)> {
    let store = Store::new(options.clone());
    let (events, inbox) = mpsc::channel::<Event>();
    let (commands, loader_inbox) = mpsc::channel::<LoaderCmd>();
    let to_ui = events.clone();
    let loader = loader::spawn(store.clone(), loader_inbox, move |msg| {
        to_ui.send(Event::Loader(msg)).is_ok()
    })
    .unwrap();
    let (changes, worker_inbox) = mpsc::channel();
    let worker = worker::spawn(store, worker_inbox, move |outcome| {
        events.send(Event::Change(outcome)).is_ok()
    })
    .unwrap();
    // The loader's own first load of the store, which is not a removal's.
    wait_until_loaded(app, &inbox);

    let mix: [(&'static str, Action); 9] = [
        ("j / k", Action::Down),
        ("j / k", Action::Down),
        ("j / k", Action::Up),
        ("PgDn", Action::PageDown),
        ("Tab", Action::NextPane),
        ("j / k", Action::Down),
        ("focus the list", Action::FocusPane(Pane::Images)),
        ("G / g", Action::Last),
        ("G / g", Action::First),
    ];
    let mut times = KeyTimes::default();
    let mut candidates = removable_candidates(app);
    for _ in 0..REMOVALS {
        start_removal(app, &mut candidates, view, terminal, &changes, &mut times);
        let generation = app.generation;
        let mut applied = false;
        let mut keys = mix.iter().cycle();
        // Until the store read after the removal is whole (its lineage in).
        while !(applied && app.generation > generation && app.lineage.is_some()) {
            let (name, action) = keys.next().unwrap();
            let t = Clocks::start();
            while let Ok(event) = inbox.try_recv() {
                match event {
                    Event::Loader(msg) => app.receive(msg),
                    Event::Change(outcome) => {
                        assert!(
                            matches!(outcome, ChangeOutcome::Applied(_)),
                            "the removal failed: {outcome:?}"
                        );
                        applied = true;
                        app.receive_change(outcome);
                    }
                }
            }
            if std::mem::take(&mut app.reload_requested) {
                commands.send(LoaderCmd::Reload).unwrap();
            }
            app.update(action.clone());
            terminal.draw(|f| view::draw(app, view, f)).unwrap();
            times.record(name, t.elapsed());
            std::thread::sleep(KEY_PAUSE);
        }
    }
    drop((commands, changes, inbox));
    loader.join().unwrap();
    worker.join().unwrap();
    times.0
}

/// Takes the loader's messages until the store it reads is whole.
fn wait_until_loaded(app: &mut App, inbox: &mpsc::Receiver<Event>) {
    loop {
        if let Event::Loader(msg) = inbox.recv().unwrap() {
            let done = matches!(msg, LoaderMsg::Lineage { .. });
            app.receive(msg);
            if done {
                return;
            }
        }
    }
}

/// Tagged images no other image is built on, newest last, by ID: what a user cleaning up
/// removes.
fn removable_candidates(app: &App) -> Vec<String> {
    let catalog = app.catalog().unwrap();
    let lineage = app.lineage.as_ref().unwrap();
    catalog
        .snapshot
        .images
        .iter_enumerated()
        .filter(|(i, image)| !image.names.is_empty() && lineage.children(*i).is_empty())
        .map(|(_, image)| image.id.clone())
        .collect()
}

/// Selects the next candidate, opens the removal dialog on it and confirms, as `d` and `y`
/// do (both timed as keys), until a dialog offers to apply its plan.
fn start_removal(
    app: &mut App,
    candidates: &mut Vec<String>,
    view: &mut ViewState,
    terminal: &mut Terminal<TestBackend>,
    changes: &mpsc::Sender<cairn::tui::change::ChangeRequest>,
    times: &mut KeyTimes,
) {
    while let Some(id) = candidates.pop() {
        let Some(image) = app.catalog().unwrap().snapshot.image_by_id(&id) else {
            continue;
        };
        app.jump_to(image);
        let t = Clocks::start();
        app.update(Action::StartRemove);
        terminal.draw(|f| view::draw(app, view, f)).unwrap();
        times.record("d (removal preview)", t.elapsed());
        if !app.dialog_can_apply() {
            app.update(Action::Back);
            continue;
        }
        let t = Clocks::start();
        app.update(Action::Confirm);
        terminal.draw(|f| view::draw(app, view, f)).unwrap();
        times.record("y (apply)", t.elapsed());
        changes.send(app.change_requested.take().unwrap()).unwrap();
        return;
    }
    panic!("no image of the store can be removed");
}

/// Prints a table of times per kind of key, and a last row over all of them.
fn print_times(title: &str, times: Vec<(&'static str, Times)>, total: &str) {
    println!("\n| {title} | presses | p50 | p99 | max | CPU p50 | CPU p99 |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut all = Times::default();
    for (name, times) in times {
        all.extend(&times);
        println!("{}", times.row(name));
    }
    println!("{}", all.row(total));
}

/// Times per kind of key, in the order the kinds first came.
#[derive(Default)]
struct KeyTimes(Vec<(&'static str, Times)>);

impl KeyTimes {
    fn record(&mut self, name: &'static str, (wall, cpu): (Duration, Duration)) {
        let at = match self.0.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                self.0.push((name, Times::default()));
                self.0.len() - 1
            }
        };
        self.0[at].1.wall.push(wall);
        self.0[at].1.cpu.push(cpu);
    }

    /// The prune previews' plans the app asked for, made here as the planner thread makes
    /// them (timed into `planner`: no key waits for them), then taken and drawn as the event
    /// loop does when the planner answers (timed here).
    fn serve_plans(
        &mut self,
        planner: &mut KeyTimes,
        app: &mut App,
        view: &mut ViewState,
        terminal: &mut Terminal<TestBackend>,
    ) {
        for request in std::mem::take(&mut app.plan_requests) {
            let t = Clocks::start();
            let done = request.run();
            planner.record("a prune planned, on the planner thread", t.elapsed());
            let t = Clocks::start();
            app.receive_plan(done);
            terminal.draw(|f| view::draw(app, view, f)).unwrap();
            self.record("the prune's plan taken and drawn", t.elapsed());
            std::thread::sleep(KEY_PAUSE);
        }
    }

    /// One key: `App::update` and the draw, timed, then the pause before the next key.
    fn press(
        &mut self,
        name: &'static str,
        action: Action,
        app: &mut App,
        view: &mut ViewState,
        terminal: &mut Terminal<TestBackend>,
    ) {
        let t = Clocks::start();
        app.update(action);
        terminal.draw(|f| view::draw(app, view, f)).unwrap();
        self.record(name, t.elapsed());
        std::thread::sleep(KEY_PAUSE);
    }
}

/// The times of the keys that plan, and those of the planner thread's work.
type PlanningTimes = (Vec<(&'static str, Times)>, Vec<(&'static str, Times)>);

/// The keys that plan a change, on [`PLANNED_IMAGES`] images spread over the store's order
/// and on the image selected when it is called: the removal preview with its switches, the
/// untag dialog moved in, the tag dialog with a name typed; then the prune preview and its
/// switch. Every dialog is closed again with Esc, which is not timed.
fn planning_keys(
    app: &mut App,
    view: &mut ViewState,
    terminal: &mut Terminal<TestBackend>,
) -> PlanningTimes {
    let count = app.catalog().unwrap().snapshot.images.len();
    let spread = (0..PLANNED_IMAGES).map(|i| ImageIdx::from(i * count / PLANNED_IMAGES));
    let subjects: Vec<ImageIdx> = app.selected().into_iter().chain(spread).collect();
    let mut times = KeyTimes::default();
    let close = |app: &mut App, view: &mut ViewState, terminal: &mut Terminal<TestBackend>| {
        app.update(Action::Back);
        terminal.draw(|f| view::draw(app, view, f)).unwrap();
    };
    for image in subjects {
        app.jump_to(image);
        times.press(
            "d (removal preview)",
            Action::StartRemove,
            app,
            view,
            terminal,
        );
        for _ in 0..2 {
            times.press(
                "f (force) in the preview",
                Action::ToggleForce,
                app,
                view,
                terminal,
            );
            times.press(
                "n (no-prune) in the preview",
                Action::ToggleNoPrune,
                app,
                view,
                terminal,
            );
        }
        close(app, view, terminal);
        times.press("u (untag dialog)", Action::StartUntag, app, view, terminal);
        if matches!(app.dialog, Some(Dialog::Untag(_))) {
            times.press(
                "j / k in the untag dialog",
                Action::Down,
                app,
                view,
                terminal,
            );
            times.press("j / k in the untag dialog", Action::Up, app, view, terminal);
            close(app, view, terminal);
        }
        times.press("t (tag dialog)", Action::StartTag, app, view, terminal);
        for c in "bench:1".chars() {
            let typed = Action::TagEdit(InputRequest::InsertChar(c));
            times.press("a name typed in the tag dialog", typed, app, view, terminal);
        }
        close(app, view, terminal);
    }
    let mut planner = KeyTimes::default();
    for _ in 0..20 {
        times.press("p (prune preview)", Action::StartPrune, app, view, terminal);
        times.serve_plans(&mut planner, app, view, terminal);
        for _ in 0..2 {
            times.press(
                "a (all) in the prune preview",
                Action::TogglePruneAll,
                app,
                view,
                terminal,
            );
            times.serve_plans(&mut planner, app, view, terminal);
        }
        close(app, view, terminal);
    }
    (times.0, planner.0)
}

/// A second browser on the same store read under Docker's rules (the snapshot in memory with
/// the Docker planner, lineage and name rules), for the Docker planner's keys.
fn under_docker_rules(app: &App, options: &StorageOptions) -> (App, ViewState) {
    let loaded = containers_storage::load(options).expect("loading the bench store");
    let catalog = Arc::new(Catalog::without_lineage(
        loaded.snapshot.with_rules(Rules::Docker),
    ));
    let mut docker = App::new(
        "bench under Docker's rules",
        app.now,
        app.area,
        Theme::colored(),
    );
    docker.receive(LoaderMsg::Loaded {
        generation: 1,
        data: StoreData::new(catalog),
    });
    let lineage = Lineage::new(
        &docker.catalog().unwrap().snapshot,
        &docker.catalog().unwrap().tree,
    );
    docker.receive(LoaderMsg::Lineage {
        generation: 1,
        lineage,
    });
    (docker, ViewState::default())
}

/// The CPU time this thread has had.
fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The wall clock and the thread's CPU clock, started together.
struct Clocks(Instant, Duration);

impl Clocks {
    fn start() -> Self {
        Clocks(Instant::now(), thread_cpu())
    }

    /// Wall and CPU time since the start.
    fn elapsed(&self) -> (Duration, Duration) {
        (self.0.elapsed(), thread_cpu().saturating_sub(self.1))
    }
}

/// The wall and CPU times of a kind of keypress.
#[derive(Default)]
struct Times {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Times {
    fn extend(&mut self, other: &Times) {
        self.wall.extend(&other.wall);
        self.cpu.extend(&other.cpu);
    }

    /// A table row: how many, the median, the 99th percentile and the slowest of the wall
    /// times, the median and the 99th percentile of the CPU times.
    fn row(&self, name: &str) -> String {
        let (mut wall, mut cpu) = (self.wall.clone(), self.cpu.clone());
        wall.sort();
        cpu.sort();
        let at =
            |times: &[Duration], q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        format!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            wall.len(),
            ms(at(&wall, 0.5)),
            ms(at(&wall, 0.99)),
            ms(at(&wall, 1.0)),
            ms(at(&cpu, 0.5)),
            ms(at(&cpu, 0.99)),
        )
    }
}

/// A table row: the median, the fastest and the slowest.
fn spread(name: &str, times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "| {name} | {} | {} | {} |",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    )
}
