//! The Files and Diff panes' keys and their loading, driven through `App::update` on the
//! fixture store with its layers' entries (`common::tui_contents`), and the contents reader
//! thread on the bundled demo layout, whose blobs it really reads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::contents::{self, Answer, ContentsMsg, ContentsRequest, Job};
use cairn::tui::mode::Mode;
use cairn::tui::pane::Pane;
use cairn::tui::state::diff::DiffBase;
use cairn::tui::state::files::{Contents, FilesSubject, Mark};
use cairn_core::Catalog;
use cairn_core::contents::{EntrySource, image_layers};
use common::tui_contents::{contents_app, fixture_entries, serve_filters, serve_fixture};
use common::tui_store::{fixture_app, image_named, select};
use std::sync::Arc;
use std::sync::mpsc;

fn cursor_path(app: &App, pane: Pane) -> String {
    let contents = match pane {
        Pane::Diff => &app.panes.diff.contents,
        _ => &app.panes.files.contents,
    };
    let view = contents.view().expect("a tree on screen");
    String::from_utf8(view.tree.path(view.selected().unwrap())).unwrap()
}

fn move_to(app: &mut App, path: &str) {
    let view = app.panes.files.contents.view_mut().unwrap();
    assert!(view.reveal(path.as_bytes()), "{path} is not in the tree");
}

#[test]
fn only_the_pane_on_screen_asks_for_contents() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    // The details on screen asked for the wasted space.
    let jobs: Vec<Job> = app.contents_requests.drain(..).map(|r| r.job).collect();
    assert!(matches!(jobs.as_slice(), [Job::Waste { .. }]), "{jobs:?}");
    app.update(Action::FocusPane(Pane::Layers));
    let jobs: Vec<Job> = app.contents_requests.drain(..).map(|r| r.job).collect();
    assert!(
        matches!(jobs.as_slice(), [Job::Stop(contents::Slot::Waste)]),
        "the layers need no contents, and the details' read stops: {jobs:?}"
    );
    app.update(Action::FocusPane(Pane::Files));
    let jobs: Vec<&Job> = app.contents_requests.iter().map(|r| &r.job).collect();
    assert!(matches!(jobs.as_slice(), [Job::Files(s)] if s.at == 2 && !s.layer_only));
    assert!(matches!(app.panes.files.contents, Contents::Loading));
    // Asked once: a redraw or another key does not ask again.
    app.update(Action::Tick);
    assert_eq!(app.contents_requests.len(), 1);
}

#[test]
fn an_answer_for_another_image_or_load_is_dropped() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Files));
    let old = app.contents_requests.drain(..).next().unwrap();
    select(&mut app, "localhost/mid:1");
    app.update(Action::FocusPane(Pane::Files));
    let entries = fixture_entries(&app);
    app.receive_contents(ContentsMsg::Done {
        generation: old.generation,
        answer: contents::answer(&old.job, &entries),
        job: old.job.clone(),
        sources: vec![EntrySource::Blob],
    });
    assert!(matches!(app.panes.files.contents, Contents::Loading));
    let new = app
        .contents_requests
        .drain(..)
        .rfind(|r| matches!(r.job, Job::Files(_)))
        .unwrap();
    app.receive_contents(ContentsMsg::Done {
        generation: new.generation + 1,
        answer: contents::answer(&new.job, &entries),
        job: new.job.clone(),
        sources: vec![EntrySource::Blob],
    });
    assert!(matches!(app.panes.files.contents, Contents::Loading));
}

#[test]
fn the_tree_keys_go_to_the_focused_tree() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    let rows = app.panes.files.contents.view().unwrap().row_count();
    app.update(Action::ExpandAll);
    assert!(app.panes.files.contents.view().unwrap().row_count() > rows);
    app.update(Action::CollapseAll);
    assert_eq!(app.panes.files.contents.view().unwrap().row_count(), rows);
    app.update(Action::Down);
    assert_eq!(cursor_path(&app, Pane::Files), "/base.txt");
    app.update(Action::Down);
    app.update(Action::Expand);
    app.update(Action::Expand);
    assert_eq!(cursor_path(&app, Pane::Files), "/bin/busybox");
    app.update(Action::Collapse);
    assert_eq!(cursor_path(&app, Pane::Files), "/bin");
    app.update(Action::CycleSort);
    assert_eq!(
        app.panes.files.contents.view().unwrap().sort.label(),
        "size"
    );
    // The list keeps its own sort.
    assert_eq!(app.panes.images.sort.label(), "created");
}

#[test]
fn typing_a_filter_in_the_files_filters_paths_not_images() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::StartFilter);
    assert_eq!(app.mode(), Mode::Filter);
    assert_eq!(app.focus, Pane::Files);
    for c in "passwd".chars() {
        app.update(Action::FilterInput(c));
    }
    assert!(app.panes.images.filter.is_empty());
    // The filter runs on the worker: until it answers, the rows are the previous ones.
    assert_eq!(app.filter_requests.len(), 1);
    assert!(app.panes.files.contents.view().unwrap().filter_running());
    serve_filters(&mut app);
    let view = app.panes.files.contents.view().unwrap();
    assert!(!view.filter_running());
    let paths: Vec<String> = view
        .rows_from(0)
        .map(|r| String::from_utf8(view.tree.path(r.node)).unwrap())
        .collect();
    assert_eq!(paths, ["/etc", "/etc/passwd"]);
    app.update(Action::FilterAccept);
    assert_eq!(app.mode(), Mode::Normal);
    // Esc clears the files' filter before it would quit.
    app.update(Action::Back);
    assert!(!app.quit);
    assert!(app.panes.files.contents.view().unwrap().filter.is_empty());
}

#[test]
fn enter_on_a_file_goes_to_the_layer_and_image_that_last_changed_it() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    move_to(&mut app, "/etc/passwd");
    app.update(Action::Activate);
    assert_eq!(app.panes.files.subject.as_ref().unwrap().at, 1);
    assert_eq!(
        app.message.as_deref(),
        Some("/etc/passwd: last changed in layer 2, built by localhost/mid:1")
    );
    let mid = image_named(&app, "localhost/mid:1");
    assert_eq!(app.panes.lineage.selected_row().unwrap().image(), Some(mid));
    let layers = image_layers(
        &app.store.as_ref().unwrap().catalog,
        image_named(&app, "localhost/app:1.0"),
    );
    let cursor = app.panes.layers.rows[app.panes.layers.scroll.cursor].layer;
    assert_eq!(cursor, layers[1]);
    // The tree at that layer comes with the cursor on the file.
    serve_fixture(&mut app);
    assert_eq!(cursor_path(&app, Pane::Files), "/etc/passwd");
    let view = app.panes.files.contents.view().unwrap();
    assert_eq!(
        view.node(view.selected().unwrap()).mark,
        Some(Mark::Modified)
    );
}

#[test]
fn enter_on_a_directory_opens_it() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    let rows = app.panes.files.contents.view().unwrap().row_count();
    app.update(Action::Activate);
    assert!(app.panes.files.contents.view().unwrap().row_count() > rows);
    assert_eq!(app.panes.files.subject.as_ref().unwrap().at, 2);
}

#[test]
fn the_layer_keys_stop_at_the_base_and_the_top() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    let at = |app: &App| app.panes.files.subject.as_ref().map(|s| s.at);
    for _ in 0..5 {
        app.update(Action::LayerDown);
    }
    assert_eq!(at(&app), Some(0));
    assert_eq!(app.message.as_deref(), Some("layer 1 of 3"));
    app.update(Action::LayerUp);
    assert_eq!(at(&app), Some(1));
    for _ in 0..5 {
        app.update(Action::LayerUp);
    }
    assert_eq!(at(&app), Some(2));
}

#[test]
fn f_in_the_layers_shows_that_layers_files() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Layers));
    // Base first: the second row is mid's layer.
    app.update(Action::Down);
    app.update(Action::ShowLayerFiles);
    assert_eq!(app.focus, Pane::Files);
    let request = app.contents_requests.last().unwrap();
    assert!(matches!(
        &request.job,
        Job::Files(FilesSubject { at: 1, .. })
    ));
}

#[test]
fn the_layer_only_toggle_asks_for_the_change_set() {
    let mut app = contents_app("localhost/app:1.0", Pane::Files);
    app.update(Action::ToggleLayerOnly);
    let request = app.contents_requests.last().unwrap();
    assert!(matches!(&request.job, Job::Files(s) if s.layer_only));
    serve_fixture(&mut app);
    let view = app.panes.files.contents.view().unwrap();
    assert!(
        view.tree
            .nodes
            .iter()
            .all(|n| n.mark.is_some() || n.is_dir()),
        "only changes and their directories"
    );
}

#[test]
fn the_diff_compares_with_the_parent_or_the_marked_image() {
    let mut app = contents_app("localhost/app:1.0", Pane::Diff);
    let subject = app.panes.diff.subject.clone().unwrap();
    assert_eq!(subject.from, image_named(&app, "localhost/mid:1"));
    assert_eq!(subject.why, DiffBase::Parent);
    select(&mut app, "localhost/side:1");
    app.update(Action::MarkForDiff);
    select(&mut app, "localhost/app:1.0");
    let subject = app.panes.diff.subject.clone().unwrap();
    assert_eq!(subject.from, image_named(&app, "localhost/side:1"));
    assert_eq!(subject.why, DiffBase::Marked);
    // Marking it again unmarks it.
    select(&mut app, "localhost/side:1");
    app.update(Action::MarkForDiff);
    assert!(app.panes.diff.marked.is_none());
}

#[test]
fn the_root_of_the_lineage_has_no_step() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::First);
    app.update(Action::DiffStep);
    assert_eq!(app.focus, Pane::Lineage);
    assert_eq!(
        app.message.as_deref(),
        Some("the root of the lineage has no step to it")
    );
}

#[test]
fn the_details_ask_for_wasted_space_once_the_lineage_is_known() {
    let mut app = fixture_app();
    select(&mut app, "localhost/app:1.0");
    // What the event loop does after every event.
    app.update(Action::Tick);
    let app_image = image_named(&app, "localhost/app:1.0");
    let waste: Vec<&Job> = app
        .contents_requests
        .iter()
        .map(|r| &r.job)
        .filter(|j| matches!(j, Job::Waste { image, .. } if *image == app_image))
        .collect();
    // app's base image is mid:1, its nearest named ancestor: two of its three layers.
    assert!(matches!(waste.as_slice(), [Job::Waste { base: 2, layers, .. }] if layers.len() == 3));
}

/// The contents reader thread on the bundled demo layout: it reads the blobs, says how far
/// it is, and answers with the tree the Files pane shows.
#[test]
fn the_reader_thread_reads_the_demo_blobs() {
    let store = cairn_store::Store::new(cairn_store::oci::OciLayout::bundled_demo(
        "the test reads the compiled-in demo",
    ));
    let catalog = Arc::new(Catalog::new(
        store.load().expect("loading the demo").snapshot,
    ));
    let image = catalog
        .snapshot
        .images
        .position(|i| i.names.iter().any(|n| n == "localhost/app:1.0"))
        .unwrap();
    let layers = image_layers(&catalog, image);
    let (requests, inbox) = mpsc::channel::<ContentsRequest>();
    let (send, replies) = mpsc::channel::<ContentsMsg>();
    let reader = contents::spawn(store, inbox, move |msg| send.send(msg).is_ok()).unwrap();
    requests
        .send(ContentsRequest {
            generation: 1,
            catalog: Arc::clone(&catalog),
            job: Job::Files(FilesSubject {
                image,
                at: layers.len() - 1,
                layers: layers.clone(),
                layer_only: false,
            }),
        })
        .unwrap();
    let mut progress = 0;
    let (answer, sources) = loop {
        match replies.recv().unwrap() {
            ContentsMsg::Progress { total, .. } => {
                assert_eq!(total, layers.len());
                progress += 1;
            }
            ContentsMsg::Done {
                answer, sources, ..
            } => break (answer, sources),
        }
    };
    assert_eq!(progress, layers.len());
    assert_eq!(sources, [EntrySource::Blob]);
    let Ok(Answer::Tree(tree)) = answer else {
        panic!("no tree: {answer:?}");
    };
    let paths: Vec<String> = (1..tree.nodes.len() as u32)
        .map(|n| String::from_utf8(tree.path(n)).unwrap())
        .collect();
    assert!(paths.contains(&"/etc/os-release".to_string()), "{paths:?}");
    assert!(paths.contains(&"/app/main.txt".to_string()), "{paths:?}");
    drop(requests);
    reader.join().unwrap();
}

/// The app on the bundled demo layout with the real contents reader thread, whose progress
/// reports (one before each layer it reads) count what it reads. The reader is held before
/// the first layer it reads for `held` until the test releases it.
struct HeldReader {
    app: App,
    requests: mpsc::Sender<ContentsRequest>,
    replies: mpsc::Receiver<ContentsMsg>,
    release: mpsc::Sender<()>,
    reader: std::thread::JoinHandle<()>,
}

impl HeldReader {
    fn new(held: contents::Slot) -> Self {
        let store = cairn_store::Store::new(cairn_store::oci::OciLayout::bundled_demo(
            "the test reads the compiled-in demo",
        ));
        let catalog = Catalog::new(store.load().expect("loading the demo").snapshot);
        let app = App::with_catalog(
            "demo",
            common::tui_store::now(),
            common::tui_store::area(),
            cairn::tui::theme::Theme::colored(),
            catalog,
        );
        let (requests, inbox) = mpsc::channel::<ContentsRequest>();
        let (send, replies) = mpsc::channel::<ContentsMsg>();
        let (release, gate) = mpsc::channel::<()>();
        let waited = std::sync::atomic::AtomicBool::new(false);
        let reader = contents::spawn(store, inbox, move |msg| {
            let first = matches!(msg, ContentsMsg::Progress { slot, .. } if slot == held);
            if first && !waited.swap(true, std::sync::atomic::Ordering::SeqCst) {
                let _ = gate.recv();
            }
            send.send(msg).is_ok()
        })
        .unwrap();
        HeldReader {
            app,
            requests,
            replies,
            release,
            reader,
        }
    }

    /// Applies `action` and hands the reader what the app asked; returns the jobs asked.
    fn update(&mut self, action: Action) -> Vec<Job> {
        self.app.update(action);
        self.app
            .contents_requests
            .drain(..)
            .map(|request| {
                let job = request.job.clone();
                self.requests.send(request).unwrap();
                job
            })
            .collect()
    }

    /// Lets the reader go on, and waits for it to finish all it was asked: the jobs it
    /// answered, in order.
    fn finish(self) -> Vec<Job> {
        self.release.send(()).unwrap();
        drop(self.requests);
        self.reader.join().unwrap();
        self.replies
            .try_iter()
            .filter_map(|msg| match msg {
                ContentsMsg::Done { job, .. } => Some(job),
                _ => None,
            })
            .collect()
    }
}

/// The details read the wasted space only while they are on screen: a read the reader has
/// not finished stops when another tab takes their place, selection moves made meanwhile
/// read nothing, and the details ask again, for the image then selected, when they are shown
/// again. The reader is held before its first layer until the test has moved away.
#[test]
fn the_details_read_layers_only_while_on_screen() {
    let mut held = HeldReader::new(contents::Slot::Waste);
    // The details are the tab on screen at first: they ask for the selected image's waste.
    select(&mut held.app, "localhost/app:1.0");
    let asked = held.update(Action::Tick);
    assert!(
        asked.iter().any(|j| matches!(j, Job::Waste { .. })),
        "{asked:?}"
    );
    // Another tab, and the selection moves while it is shown.
    held.update(Action::FocusPane(Pane::Layers));
    held.update(Action::FocusPane(Pane::Images));
    for _ in 0..3 {
        let asked = held.update(Action::Down);
        assert!(
            !asked.iter().any(|j| matches!(j, Job::Waste { .. })),
            "a selection move read layers for the details while they were not shown: {asked:?}"
        );
    }
    // Shown again: the details ask for the image selected now.
    let selected = held.app.selected().unwrap();
    let asked = held.update(Action::FocusPane(Pane::Details));
    assert!(
        asked
            .iter()
            .any(|j| matches!(j, Job::Waste { image, .. } if *image == selected)),
        "{asked:?}"
    );
    let waste_done: Vec<_> = held
        .finish()
        .into_iter()
        .filter_map(|job| match job {
            Job::Waste { image, .. } => Some(image),
            _ => None,
        })
        .collect();
    // The first image's read stopped before its first layer; the one read is the image the
    // details show now.
    assert_eq!(waste_done, [selected]);
}

/// The Files and Diff tabs read layers only while they are on screen, as the details do: a
/// read not finished stops when another tab takes the tab's place, when the image list is
/// zoomed over it, and when the selection moves to another image while it is away; the tab
/// asks again when it comes back, and the reader answers only the last ask, for the image
/// then selected. The reader is held before the tab's first layer until the test has moved
/// away and back.
#[test]
fn the_files_and_diff_tabs_read_layers_only_while_on_screen() {
    for (pane, slot) in [
        (Pane::Files, contents::Slot::Files),
        (Pane::Diff, contents::Slot::Diff),
    ] {
        let mut held = HeldReader::new(slot);
        let of_tab = |jobs: &[Job]| -> Vec<Job> {
            jobs.iter().filter(|j| j.slot() == slot).cloned().collect()
        };
        select(&mut held.app, "localhost/app:1.0");
        let first = of_tab(&held.update(Action::FocusPane(pane)));
        assert!(
            matches!(first.as_slice(), [Job::Files(_) | Job::Diff(_)]),
            "{pane:?} asks for its tree: {first:?}"
        );
        // Another tab takes its place: the read stops; shown again, it is asked again.
        let asked = of_tab(&held.update(Action::FocusPane(Pane::Layers)));
        assert_eq!(asked, [Job::Stop(slot)], "{pane:?} left the screen");
        let asked = of_tab(&held.update(Action::FocusPane(pane)));
        assert_eq!(asked, first, "{pane:?} came back");
        // The image list zoomed over the inspector: the same.
        held.update(Action::FocusPane(Pane::Images));
        let asked = of_tab(&held.update(Action::ToggleZoom));
        assert_eq!(asked, [Job::Stop(slot)], "{pane:?} hidden by the zoom");
        let asked = of_tab(&held.update(Action::ToggleZoom));
        assert_eq!(asked, first, "{pane:?} shown again after the zoom");
        // The selection moves to other images while another tab is shown: nothing is read.
        let asked = of_tab(&held.update(Action::FocusPane(Pane::Layers)));
        assert_eq!(asked, [Job::Stop(slot)]);
        held.update(Action::FocusPane(Pane::Images));
        // Down to the next image with layers and a parent, so that both tabs have a tree.
        let start = held.app.selected();
        loop {
            assert_ne!(
                held.app.selected(),
                held.app.panes.images.rows.last().copied(),
                "no image below app:1.0 has layers and a parent"
            );
            let asked = of_tab(&held.update(Action::Down));
            assert!(asked.is_empty(), "{pane:?} read while away: {asked:?}");
            let files = held.app.panes.files.subject.as_ref();
            if held.app.selected() != start
                && files.is_some_and(|s| !s.layers.is_empty())
                && held.app.panes.diff.subject.is_some()
            {
                break;
            }
        }
        let asked = of_tab(&held.update(Action::FocusPane(pane)));
        let last = match asked.as_slice() {
            [job @ (Job::Files(_) | Job::Diff(_))] => job.clone(),
            _ => panic!("{pane:?} asks for the image selected now: {asked:?}"),
        };
        assert_ne!([last.clone()].as_slice(), first.as_slice());
        // The first read stopped before its first layer: what is answered is the last ask.
        let done: Vec<Job> = of_tab(&held.finish());
        assert_eq!(done, [last], "{pane:?}");
    }
}
