//! How fast the Files pane answers on an image of 100,000 files in 10 layers: the time from
//! the layers' entries to the tree on screen (what the contents reader does after reading,
//! then the first frame), and the update + draw time of the tree's keys, drawn into a
//! 120x40 `TestBackend`; with the memory the browser's tree takes per entry. Reading the
//! layers is the store's part, measured by the contents benchmark of the readers.
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
use cairn::tui::state::files::FileTree;
use cairn::tui::theme::Theme;
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
        Ok(Answer::Tree(tree)) => heap_bytes(tree),
        _ => panic!("no tree: {answer:?}"),
    };
    let nodes = match &answer {
        Ok(Answer::Tree(tree)) => tree.len(),
        _ => 0,
    };
    let start = Instant::now();
    app.receive_contents(ContentsMsg::Done {
        generation: request.generation,
        job: request.job,
        answer,
        sources: vec![EntrySource::Blob],
    });
    terminal
        .draw(|frame| view::draw(&app, &mut view_state, frame))
        .unwrap();
    let shown = start.elapsed();
    rows.push((
        format!("{total} entries in {LAYERS} layers: model and browser tree (reader thread)"),
        model,
    ));
    rows.push(("tree received and first frame drawn".into(), shown));
    rows.push(("entries to screen, after reading".into(), model + shown));

    let mut keys_rows = Vec::new();
    let keys: Vec<(&str, Vec<Action>)> = vec![
        ("↓ (cursor down)", vec![Action::Down; 50]),
        ("PgDn", vec![Action::PageDown; 20]),
        (
            "→ expand a directory, ← collapse it",
            vec![Action::Expand, Action::Collapse],
        ),
        ("e expand all (100,000 rows)", vec![Action::ExpandAll]),
        ("PgDn in the expanded tree", vec![Action::PageDown; 20]),
        ("G last row of the expanded tree", vec![Action::Last]),
        ("c collapse all", vec![Action::CollapseAll]),
        ("o changed only, twice", vec![Action::ToggleChangedOnly; 2]),
        ("s sort by size, then by name", vec![Action::CycleSort; 2]),
        (
            "/ a filter character (substring)",
            vec![Action::StartFilter, Action::FilterInput('7')],
        ),
    ];
    for (name, actions) in keys {
        let mut times = Vec::new();
        for action in actions {
            let start = Instant::now();
            app.update(action);
            terminal
                .draw(|frame| view::draw(&app, &mut view_state, frame))
                .unwrap();
            times.push(start.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        let worst = times[times.len() - 1];
        keys_rows.push((name, times.len(), median, worst));
    }

    println!("| Files pane, {nodes} paths | time |");
    println!("| --- | --- |");
    for (name, time) in rows {
        println!("| {name} | {} |", ms(time));
    }
    println!("\n| key (update + draw) | presses | median | slowest |");
    println!("| --- | --- | --- | --- |");
    for (name, presses, median, worst) in keys_rows {
        println!("| {name} | {presses} | {} | {} |", ms(median), ms(worst));
    }
    println!(
        "\nThe browser's tree: {tree_bytes} bytes on the heap for {nodes} paths, {} bytes a path.",
        tree_bytes / nodes.max(1)
    );
}

/// What a tree holds on the heap: its nodes, their names, links and child lists.
fn heap_bytes(tree: &FileTree) -> usize {
    tree.nodes.capacity() * size_of::<cairn::tui::state::files::Node>()
        + tree
            .nodes
            .iter()
            .map(|n| {
                n.name.len()
                    + n.link.as_ref().map_or(0, |l| l.len())
                    + n.children.capacity() * size_of::<u32>()
            })
            .sum::<usize>()
}
