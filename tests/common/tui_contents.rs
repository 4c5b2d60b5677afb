//! Layer contents for the browser's tests on the fixture store (`tui_store`): each fixture
//! layer's entries, written with the core's entry builder, and a stand-in for the contents
//! reader's thread that answers the app's requests with the same model function the thread
//! calls (`cairn::tui::contents::answer`), so the screens show what the model makes of them.

use super::tui_store::{fixture_app, image_named, select};
use cairn::tui::app::App;
use cairn::tui::contents::{ContentsMsg, ContentsRequest, Job, answer};
use cairn::tui::pane::Pane;
use cairn::tui::tree_filter::FilterDone;
use cairn_core::contents::{LayerEntries, image_layers};
use cairn_core::testing::entries::Layer;
use cairn_core::{Catalog, LayerIdx};
use std::collections::HashMap;
use std::sync::Arc;

/// Entries for every layer of the fixture: the base image's system, the middle image's
/// changes (a modified file, a removed one, a new directory), the app's (its own files,
/// a library written again, a removal, a file turned into a symlink), and the side image's.
/// Layers not named here are empty.
pub fn fixture_entries(app: &App) -> HashMap<LayerIdx, Arc<LayerEntries>> {
    let catalog: &Catalog = &app.store.as_ref().unwrap().catalog;
    let layers = |name: &str| image_layers(catalog, image_named(app, name));
    let app_layers = layers("localhost/app:1.0");
    let side_layers = layers("localhost/side:1");
    let base = Layer::new()
        .dir("bin")
        .file("bin/sh", 90_000)
        .dir("etc")
        .file("etc/hosts", 200)
        .file("etc/os-release", 300)
        .file("etc/passwd", 1_000)
        .dir("usr")
        .dir("usr/lib")
        .file("usr/lib/libc.so", 600_000)
        .dir("var")
        .dir("var/cache")
        .dir("var/cache/apk")
        .file("var/cache/apk/index", 50_000)
        .file("base.txt", 2_048)
        .build();
    let mid = Layer::new()
        .file("mid.txt", 2_048)
        .dir("etc")
        .file("etc/passwd", 1_100)
        .whiteout("var/cache/apk")
        .dir("usr/share/doc")
        .file("usr/share/doc/README", 3_000)
        .build();
    let app_layer = Layer::new()
        .dir("app")
        .file("app/run.sh", 512)
        .dir("app/bin")
        .file("app/bin/server", 2_000_000)
        .file("usr/lib/libc.so", 600_000)
        .whiteout("etc/hosts")
        .file("bin/busybox", 800_000)
        .symlink("bin/sh", "busybox")
        .build();
    let side = Layer::new()
        .file("side.txt", 2_048)
        .file("etc/motd", 50)
        .build();
    let mut out: HashMap<LayerIdx, Arc<LayerEntries>> = catalog
        .snapshot
        .layers
        .keys()
        .map(|l| (l, Arc::new(Layer::new().build())))
        .collect();
    for (layer, entries) in app_layers.iter().zip([base, mid, app_layer]) {
        out.insert(*layer, Arc::new(entries));
    }
    if let Some(&side_top) = side_layers.last() {
        out.insert(side_top, Arc::new(side));
    }
    out
}

/// Runs the path filter jobs the app made, as the filter worker would.
pub fn serve_filters(app: &mut App) {
    for request in std::mem::take(&mut app.filter_requests) {
        if let Some(filtered) = request.job.run() {
            app.receive_filter(FilterDone {
                pane: request.pane,
                filtered,
            });
        }
    }
}

/// Answers every request the app made, as the reader thread and the filter worker would,
/// until it asks no more.
pub fn serve(app: &mut App, entries: &HashMap<LayerIdx, Arc<LayerEntries>>) {
    for _ in 0..8 {
        serve_filters(app);
        let mut requests: Vec<ContentsRequest> = Vec::new();
        for request in app.contents_requests.drain(..) {
            // A stop drops what its pane asked before; the reader answers nothing to it.
            if let Job::Stop(slot) = request.job {
                requests.retain(|r| r.job.slot() != slot);
            } else {
                requests.push(request);
            }
        }
        if requests.is_empty() {
            return;
        }
        for request in requests {
            let sources = vec![cairn_core::contents::EntrySource::Blob];
            app.receive_contents(ContentsMsg::Done {
                generation: request.generation,
                answer: answer(&request.job, entries),
                job: request.job,
                sources,
            });
        }
    }
}

/// The fixture app with `name` selected, a pane focused, and its contents answered.
pub fn contents_app(name: &str, pane: Pane) -> App {
    let mut app = fixture_app();
    select(&mut app, name);
    app.update(cairn::tui::action::Action::FocusPane(pane));
    serve_fixture(&mut app);
    app
}

/// Answers the app's requests with the fixture's entries, and clears the message.
pub fn serve_fixture(app: &mut App) {
    let entries = fixture_entries(app);
    serve(app, &entries);
    app.message = None;
}
