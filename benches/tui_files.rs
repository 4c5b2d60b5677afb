//! How fast the Files pane answers on an image of 100,000 files in 10 layers: the time from
//! the layers' entries to the tree on screen (what the contents reader does after reading,
//! then the first frame), and the update + draw time of every key of the Files and Diff
//! panes (the Diff pane on the same image against its base: 90,000 paths added), drawn into
//! a 120x40 `TestBackend`, p50 and p99 per key kind over some hundreds of presses; with the
//! memory the browser's tree takes per entry. The path filter's matching runs on a worker
//! in the browser: it is timed apart here, as is taking its answer. Reading the layers is
//! the store's part, measured by the contents benchmark of the readers.
//!
//! The entries are made in memory (the same shape as `scripts/make-contents-*.sh`'s image:
//! 10,000 new files a layer, a tenth of them rewriting a lower layer's). Prints a Markdown
//! table.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

/// The same allocator as the cairn binary, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::contents::{self, Answer, ContentsMsg};
use cairn::tui::pane::Pane;
use cairn::tui::state::diff::DiffSubject;
use cairn::tui::theme::Theme;
use cairn::tui::tree_filter::FilterDone;
use cairn::tui::view::{self, ViewState};
use cairn_core::LayerIdx;
use cairn_core::contents::{EntrySource, ImageContents, LayerEntries, Scope, Tree, image_layers};
use cairn_core::testing::SnapshotBuilder;
use cairn_core::testing::entries::Layer;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LAYERS: usize = 10;
const FILES_PER_LAYER: usize = 10_000;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Layer `n`: 10,000 files spread over 100 directories of 10 subdirectories, the first
/// tenth of them rewriting layer `n - 1`'s files of the same names.
fn layer(n: usize) -> LayerEntries {
    let mut layer = Layer::new();
    for d in 0..100 {
        layer = layer.dir(&format!("d{d:02}"));
        for s in 0..10 {
            layer = layer.dir(&format!("d{d:02}/s{s}"));
        }
    }
    for f in 0..FILES_PER_LAYER {
        let (d, s) = (f % 100, (f / 100) % 10);
        let owner = if f < FILES_PER_LAYER / 10 && n > 0 {
            n - 1
        } else {
            n
        };
        layer = layer.file(&format!("d{d:02}/s{s}/l{owner}-f{f}"), 1000 + f as u64);
    }
    layer.build()
}

fn main() {
    let mut store = SnapshotBuilder::podman();
    for n in 0..LAYERS {
        let key = format!("i{n}");
        let mut image = store.image(&key);
        if n > 0 {
            image = image.from(&format!("i{}", n - 1));
        }
        image
            .name(&format!("localhost/step:{n}"))
            .layer(&format!("COPY {n}"), 1);
    }
    let top_key = format!("i{}", LAYERS - 1);
    let top = store.idx(&top_key);
    let catalog = store.catalog();
    let layers = image_layers(&catalog, top);
    let entries: HashMap<LayerIdx, Arc<LayerEntries>> = layers
        .iter()
        .enumerate()
        .map(|(n, &l)| (l, Arc::new(layer(n))))
        .collect();
    let total: usize = entries.values().map(|e| e.entries.len()).sum();

    let area = Rect::new(0, 0, 120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut view_state = ViewState::default();
    let mut app = App::with_catalog(
        "bench",
        jiff::Timestamp::now(),
        area,
        Theme::colored(),
        catalog,
    );
    app.jump_to(top);
    app.update(Action::FocusPane(Pane::Files));
    let request = app
        .contents_requests
        .drain(..)
        .rfind(|r| matches!(r.job, contents::Job::Files(_)))
        .expect("the Files pane asks for its tree");

    let mut rows = Vec::new();
    // The model alone: the image's contents from its layers' entries, and its top tree.
    let start = Instant::now();
    let image = Arc::new(ImageContents::new(
        layers.iter().map(|l| entries[l].as_ref()),
    ));
    let tree = Tree::new(image, LAYERS - 1, Scope::Merged).unwrap();
    let core = start.elapsed();
    drop(tree);
    rows.push((
        "the model alone (contents, merged top tree)".to_string(),
        core,
    ));
    // The reader's part after reading: the model, then the browser's tree.
    let start = Instant::now();
    let answer = contents::answer(&request.job, &entries);
    let model = start.elapsed();
    let tree_bytes = match &answer {
        Ok(Answer::Tree(tree)) => tree.heap_bytes(),
        _ => panic!("no tree: {answer:?}"),
    };
    let nodes = match &answer {
        Ok(Answer::Tree(tree)) => tree.len(),
        _ => 0,
    };
    let shown = take(&mut app, &mut terminal, &mut view_state, request, answer);
    rows.push((
        format!("{total} entries in {LAYERS} layers: model and browser tree (reader thread)"),
        model,
    ));
    rows.push(("tree received and first frame drawn".into(), shown));
    rows.push(("entries to screen, after reading".into(), model + shown));

    println!("| Files pane, {nodes} paths | time |");
    println!("| --- | --- |");
    for (name, time) in rows {
        println!("| {name} | {} |", ms(time));
    }
    println!(
        "\nThe browser's tree: {tree_bytes} bytes on the heap for {nodes} paths, {} bytes a path.",
        tree_bytes / nodes.max(1)
    );

    // `[` and `]` step between the top two layers: each answer (made here, untimed, as the
    // reader thread makes it) replaces the tree on screen, whose open directories, filter
    // and cursor carry over.
    app.update(Action::ExpandAll);
    app.update(Action::PageDown);
    let mut steps = Vec::new();
    for step in 0..LAYER_STEPS {
        app.update(if step % 2 == 0 {
            Action::LayerDown
        } else {
            Action::LayerUp
        });
        let request = app
            .contents_requests
            .drain(..)
            .rfind(|r| matches!(r.job, contents::Job::Files(_)))
            .expect("a layer step asks for its tree");
        let answer = contents::answer(&request.job, &entries);
        steps.push(take(
            &mut app,
            &mut terminal,
            &mut view_state,
            request,
            answer,
        ));
    }
    steps.sort();
    println!(
        "\n`[`/`]` another layer's tree taken in place of an expanded one and drawn: median {}, slowest {} ({LAYER_STEPS} steps)",
        ms(steps[steps.len() / 2]),
        ms(steps[steps.len() - 1])
    );

    // The Diff pane on the same image against the base: every path above the base added.
    app.update(Action::FocusPane(Pane::Diff));
    let request = app
        .contents_requests
        .drain(..)
        .rfind(|r| matches!(r.job, contents::Job::Diff(_)))
        .expect("the Diff pane asks for its tree");
    let (base, base_layers) = (
        store.idx("i0"),
        image_layers(app.catalog().unwrap(), store.idx("i0")),
    );
    let subject = match &request.job {
        contents::Job::Diff(subject) => DiffSubject {
            from: base,
            from_layers: base_layers,
            ..subject.clone()
        },
        _ => unreachable!("a Diff job was found"),
    };
    app.panes.diff.subject = Some(subject.clone());
    app.panes.diff.read.asked(subject.clone());
    let request = contents::ContentsRequest {
        job: contents::Job::Diff(subject),
        ..request
    };
    let answer = contents::answer(&request.job, &entries);
    take(&mut app, &mut terminal, &mut view_state, request, answer);
    let diff_paths = app.panes.diff.contents.view().map_or(0, |v| v.tree.len());

    println!("\nMachine load before the keys: {}", load());
    println!(
        "\n| pane | key (update + draw) | presses | wall p50 / p99 / slowest | on CPU p50 / p99 / slowest |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for pane in [Pane::Files, Pane::Diff] {
        app.update(Action::FocusPane(pane));
        let mut keys = Keys::default();
        let label = match pane {
            Pane::Files => format!("Files ({nodes} paths)"),
            _ => format!("Diff ({diff_paths} paths)"),
        };
        let mut press = |keys: &mut Keys, name: &'static str, action: Action| {
            let cpu = on_cpu();
            let start = Instant::now();
            app.update(action);
            terminal
                .draw(|frame| view::draw(&app, &mut view_state, frame))
                .unwrap();
            keys.add(name, start.elapsed(), on_cpu().saturating_sub(cpu));
            // The filter worker's part, timed apart: matching, then the answer taken and
            // drawn on the UI thread.
            for request in std::mem::take(&mut app.filter_requests) {
                let (cpu, start) = (on_cpu(), Instant::now());
                let filtered = request.job.run();
                keys.add(
                    "filter answer on the worker",
                    start.elapsed(),
                    on_cpu().saturating_sub(cpu),
                );
                if let Some(filtered) = filtered {
                    let (cpu, start) = (on_cpu(), Instant::now());
                    app.receive_filter(FilterDone {
                        pane: request.pane,
                        filtered,
                    });
                    terminal
                        .draw(|frame| view::draw(&app, &mut view_state, frame))
                        .unwrap();
                    keys.add(
                        "filter answer taken and drawn",
                        start.elapsed(),
                        on_cpu().saturating_sub(cpu),
                    );
                }
            }
        };
        press(&mut keys, "c collapse all", Action::CollapseAll);
        for _ in 0..ROUNDS {
            for _ in 0..5 {
                press(&mut keys, "↓ cursor down", Action::Down);
            }
            press(&mut keys, "→ expand a directory", Action::Expand);
            press(&mut keys, "↓ cursor down", Action::Down);
            press(&mut keys, "→ expand a directory", Action::Expand);
            press(&mut keys, "← collapse", Action::Collapse);
            press(&mut keys, "← collapse", Action::Collapse);
            press(&mut keys, "e expand all", Action::ExpandAll);
            for _ in 0..3 {
                press(&mut keys, "PgDn", Action::PageDown);
                press(&mut keys, "↓ cursor down", Action::Down);
            }
            press(&mut keys, "s sort by size or name", Action::CycleSort);
            press(&mut keys, "→ expand a directory", Action::Expand);
            press(&mut keys, "G last row, g first", Action::Last);
            press(&mut keys, "PgUp", Action::PageUp);
            press(&mut keys, "G last row, g first", Action::First);
            press(&mut keys, "o changed only", Action::ToggleChangedOnly);
            press(&mut keys, "PgDn", Action::PageDown);
            press(&mut keys, "o changed only", Action::ToggleChangedOnly);
            press(&mut keys, "c collapse all", Action::CollapseAll);
        }
        // Filters typed and taken back, a substring and a glob; with changed only between.
        for round in 0..ROUNDS / 4 {
            let text = if round % 2 == 0 {
                "d07/s3/l9-f7"
            } else {
                "s3/*f1?"
            };
            press(&mut keys, "/ start the filter", Action::StartFilter);
            for c in text.chars() {
                press(&mut keys, "a filter character", Action::FilterInput(c));
            }
            press(&mut keys, "o changed only", Action::ToggleChangedOnly);
            press(&mut keys, "o changed only", Action::ToggleChangedOnly);
            for _ in text.chars() {
                press(&mut keys, "filter backspace", Action::FilterBackspace);
            }
            press(&mut keys, "Esc clear the filter", Action::FilterCancel);
        }
        for (name, mut wall, mut cpu) in keys.0 {
            println!(
                "| {label} | {name} | {} | {} | {} |",
                wall.len(),
                quantiles(&mut wall),
                quantiles(&mut cpu)
            );
        }
    }
    println!("\nMachine load after the keys: {}", load());
}

/// The reader's answer to a request taken by the app and drawn: how long that took.
fn take(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    view_state: &mut ViewState,
    request: contents::ContentsRequest,
    answer: Result<Answer, String>,
) -> Duration {
    let start = Instant::now();
    app.receive_contents(ContentsMsg::Done {
        generation: request.generation,
        job: request.job,
        answer,
        sources: vec![EntrySource::Blob],
    });
    terminal
        .draw(|frame| view::draw(app, view_state, frame))
        .unwrap();
    start.elapsed()
}

/// Layer steps timed.
const LAYER_STEPS: usize = 10;

/// Rounds of the key sequence per pane.
const ROUNDS: usize = 100;

/// Each key kind's wall-clock times and times on the CPU, in the order first pressed.
#[derive(Default)]
struct Keys(Vec<(&'static str, Vec<Duration>, Vec<Duration>)>);

impl Keys {
    fn add(&mut self, name: &'static str, wall: Duration, cpu: Duration) {
        match self.0.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, walls, cpus)) => {
                walls.push(wall);
                cpus.push(cpu);
            }
            None => self.0.push((name, vec![wall], vec![cpu])),
        }
    }
}

/// p50 / p99 / slowest.
fn quantiles(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    format!(
        "{} / {} / {}",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(times[times.len() - 1])
    )
}

/// How long this thread has run on a CPU (its CPU clock): on a loaded machine the
/// wall-clock time of a key also holds the time spent waiting for a CPU, which says nothing
/// of the key.
fn on_cpu() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// The load average over 1, 5 and 15 minutes, as `/proc/loadavg` says.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
