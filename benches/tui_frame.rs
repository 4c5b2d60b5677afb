//! How fast the browser answers on a 10,000-image store: the time to its first frame, to the
//! first frame with the list, to the full lineage, and the update + draw time of every kind
//! of keypress, drawn into a 120x40 `TestBackend`.
//!
//! The store is written by `cairn-genstore` (built next to this benchmark), or taken from
//! `CAIRN_BENCH_ROOT` (a graph root, vfs driver). Prints a Markdown table.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

/// The same allocator as the cairn binary, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::data::StoreData;
use cairn::tui::loader::LoaderMsg;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn::tui::view::{self, ViewState};
use cairn_core::Catalog;
use cairn_core::lineage::Lineage;
use cairn_store::containers_storage::{self, StorageOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const IMAGES: usize = 10_000;
const LAYERS: usize = 30_000;

fn store_root(_keep: &tempfile::TempDir) -> PathBuf {
    if let Some(root) = std::env::var_os("CAIRN_BENCH_ROOT") {
        return PathBuf::from(root);
    }
    let root = _keep.path().join("root");
    let shape = cairn_genstore::Shape {
        images: IMAGES,
        layers: LAYERS,
        containers: 0,
        seed: 1,
    };
    cairn_genstore::generate(&root, shape).expect("generating the store");
    root
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// `items` repeated `times` times (slices of non-`Copy` items have no `repeat`).
fn repeat(items: &[Action], times: usize) -> Vec<Action> {
    (0..times).flat_map(|_| items.iter().cloned()).collect()
}

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
    let area = Rect::new(0, 0, 120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut view = ViewState::default();

    // What `cairn` does before anything is read: the loading frame.
    let start = Instant::now();
    let mut app = App::new(
        "bench (vfs)",
        jiff::Timestamp::now(),
        area,
        Theme::colored(),
    );
    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
    let first_frame = start.elapsed();

    // What the loader thread does: the records, the frame with the list; then the configs,
    // the frame with everything but the lineage.
    let listed = containers_storage::load_records(&options).expect("listing the bench store");
    let read = start.elapsed();
    let catalog = Arc::new(Catalog::without_lineage(listed.snapshot));
    let indexed = start.elapsed();
    let data = StoreData::new(catalog);
    let facts = start.elapsed();
    app.receive(LoaderMsg::Listed {
        generation: 1,
        data,
    });
    terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
    let list_frame = start.elapsed();
    let loaded = containers_storage::load(&options).expect("loading the bench store");
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

    let keys = vec![
        Keys {
            name: "j / k (move in the list)",
            actions: repeat(&[Action::Down, Action::Up], 50),
        },
        Keys {
            name: "PgDn / PgUp",
            actions: repeat(&[Action::PageDown, Action::PageUp], 20),
        },
        Keys {
            name: "G / g",
            actions: repeat(&[Action::Last, Action::First], 10),
        },
        Keys {
            name: "s (sort)",
            actions: vec![Action::CycleSort; 12],
        },
        Keys {
            name: "a (intermediates)",
            actions: vec![Action::ToggleIntermediates; 12],
        },
        Keys {
            name: "/ and typing a filter",
            actions: std::iter::once(Action::StartFilter)
                .chain("svc-21".chars().map(Action::FilterInput))
                .chain(std::iter::repeat_n(Action::FilterBackspace, 6))
                .chain([Action::FilterAccept])
                .collect(),
        },
        Keys {
            name: "Tab (focus)",
            actions: vec![Action::NextPane; 10],
        },
        Keys {
            name: "w (whatrequires)",
            actions: vec![Action::ToggleWhatRequires; 10],
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
                5,
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
                5,
            ),
        },
        Keys {
            name: "? (help)",
            actions: vec![Action::Help; 10],
        },
        Keys {
            name: "f (layer forest), moves in it",
            actions: repeat(
                &[
                    Action::ToggleForest,
                    Action::Down,
                    Action::ExpandAll,
                    Action::PageDown,
                    Action::CollapseAll,
                    Action::ToggleForest,
                ],
                5,
            ),
        },
    ];

    println!("# TUI speed on a {image_count}-image store ({LAYERS} layers, cairn-genstore)\n");
    println!("| step | time |");
    println!("| --- | --- |");
    println!("| first frame (loading screen) | {} |", ms(first_frame));
    println!("| records read (images.json, layers.json) | {} |", ms(read));
    println!("| layer tree and sizes | {} |", ms(indexed));
    println!("| the list's per-image facts | {} |", ms(facts));
    println!(
        "| first frame with the list (names, IDs, ages, sizes) | {} |",
        ms(list_frame)
    );
    println!(
        "| image configs read, details filled in | {} |",
        ms(configs_frame)
    );
    println!("| lineage filled in | {} |", ms(full_frame));
    println!();
    println!("Each keypress: `App::update` plus a full draw into a 120x40 TestBackend.\n");
    println!("| keys | presses | median | max |");
    println!("| --- | --- | --- | --- |");
    let mut worst = Duration::ZERO;
    let mut all: Vec<Duration> = Vec::new();
    // Start from the base image with the most descendants, the hardest case for lineage.
    if let Some(store) = app.store.clone() {
        let base = store.facts.names.position(|n| n.contains("/base/"));
        if let Some(base) = base {
            app.jump_to(base);
        }
    }
    for key in keys {
        let mut times: Vec<Duration> = Vec::new();
        for action in key.actions {
            let t = Instant::now();
            app.update(action);
            terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
            times.push(t.elapsed());
        }
        all.extend(&times);
        times.sort();
        let max = *times.last().unwrap();
        worst = worst.max(max);
        println!(
            "| {} | {} | {} | {} |",
            key.name,
            times.len(),
            ms(times[times.len() / 2]),
            ms(max)
        );
    }
    println!("\nSlowest keypress: {}", ms(worst));
    println!("\n| every keypress | presses | p50 | p99 | max |");
    println!("| --- | --- | --- | --- | --- |");
    println!("{}", distribution("idle", &mut all));

    // The same keys while a removal's aftermath runs: the worker's write and the loader's
    // reload of the whole store on other threads, and the new store arriving mid-keys, as it
    // does after every removal.
    let busy = std::sync::atomic::AtomicBool::new(true);
    let (to_app, from_loader) = std::sync::mpsc::channel::<LoaderMsg>();
    let mut during: Vec<Duration> = Vec::new();
    std::thread::scope(|scope| {
        let (busy, options) = (&busy, &options);
        // Moved in, so that the channel closes when the thread ends.
        scope.spawn(move || {
            let mut generation = 1;
            while busy.load(std::sync::atomic::Ordering::Relaxed) {
                let loaded = containers_storage::load(options).expect("reloading");
                let catalog = Arc::new(Catalog::without_lineage(loaded.snapshot));
                generation += 1;
                let data = StoreData::new(Arc::clone(&catalog));
                if to_app.send(LoaderMsg::Loaded { generation, data }).is_err() {
                    break;
                }
                let lineage = Lineage::new(&catalog.snapshot, &catalog.tree);
                if to_app
                    .send(LoaderMsg::Lineage {
                        generation,
                        lineage,
                    })
                    .is_err()
                {
                    break;
                }
            }
        });
        let mix = [
            Action::Down,
            Action::Down,
            Action::Up,
            Action::PageDown,
            Action::NextPane,
            Action::Down,
            Action::FocusPane(Pane::Images),
            Action::Last,
            Action::First,
        ];
        for action in std::iter::repeat_n(mix, 60).flatten() {
            // The event loop takes what the loader sent between two keys, then the key.
            let t = Instant::now();
            while let Ok(msg) = from_loader.try_recv() {
                app.receive(msg);
            }
            app.update(action);
            terminal.draw(|f| view::draw(&app, &mut view, f)).unwrap();
            during.push(t.elapsed());
            std::thread::sleep(Duration::from_millis(5));
        }
        busy.store(false, std::sync::atomic::Ordering::Relaxed);
        while from_loader.recv().is_ok() {}
    });
    println!(
        "{}",
        distribution(
            "while the store is read again on another thread",
            &mut during
        )
    );
}

/// A table row: how many, the median, the 99th percentile and the slowest.
fn distribution(name: &str, times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    format!(
        "| {name} | {} | {} | {} | {} |",
        times.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0))
    )
}
