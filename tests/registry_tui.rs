//! The browser on a registry: on its storage (the committed fixture a real registry wrote),
//! images named by every tag in every repository, untagged revisions, lineage across
//! repositories, and the remove dialog's registry view: the tags that go, the manifests
//! deleted from each repository, the platform images of an index, what blocks it, and the
//! blobs the next garbage collection frees (exactly on the storage, at most over the API).
//! Rendered into `TestBackend` and compared with insta snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn_core::testing::fixtures;
use cairn_store::registry::RegistryStore;
use cairn_store::registry::cache::Cache;
use cairn_store::registry::client::Connect;
use cairn_store::{Selection, Store};
use ratatui::layout::Rect;

use common::tui::{HEIGHT, WIDTH, screen};

fn now() -> jiff::Timestamp {
    "2023-11-20T12:00:00Z".parse().unwrap()
}

/// The browser on the committed storage fixture, loaded as the browser's loader loads it.
fn registry_app(filter: &str) -> App {
    let storage =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry-storage");
    let selection = Selection {
        store: Some(format!("registry-storage:{}", storage.display())),
        ..Selection::default()
    };
    let store = selection.resolve().unwrap();
    let mut app = App::with_loaded(
        "registry-storage:tests/fixtures/registry-storage",
        now(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        store.load().unwrap(),
    );
    common::tui::filter(&mut app, filter);
    app
}

/// The browser on `scripts/fill-registry.sh`'s registry as its API lists it (in memory).
fn api_app(filter: &str) -> App {
    let mut app = App::with_catalog(
        format!("registry {}", fixtures::REGISTRY),
        now(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        fixtures::registry().catalog(),
    );
    common::tui::filter(&mut app, filter);
    app
}

#[test]
fn registry_storage_lineage_across_repositories() {
    let mut app = registry_app("base");
    app.update(Action::FocusPane(Pane::Lineage));
    app.update(Action::ExpandAll);
    let text = screen(&app);
    for name in ["base:1", "tools:1", "app:1", "registry-storage:"] {
        assert!(text.contains(name), "{name} not shown:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn registry_storage_remove_preview_counts_what_gc_frees_exactly_and_applies_nothing() {
    let mut app = registry_app("app");
    app.update(Action::StartRemove);
    let text = screen(&app);
    for said in [
        "Untagged (1)",
        "app:1",
        "Manifests deleted (1)",
        "frees, exactly",
        "storage is only read",
        "registry garbage-collect",
    ] {
        assert!(text.contains(said), "{said} not shown:\n{text}");
    }
    assert!(!app.dialog_can_apply());
    insta::assert_snapshot!(text);
    app.update(Action::Confirm);
    assert!(app.change_requested.is_none());
    let message = app.message.clone().unwrap_or_default();
    assert!(message.contains("only read"), "{message}");
}

#[test]
fn registry_remove_preview_names_every_tag_of_the_digest_in_every_repository() {
    let mut app = api_app("app:1.0");
    app.update(Action::StartRemove);
    let text = screen(&app);
    for said in [
        "Untagged (3)",
        "127.0.0.1:5000/app:latest",
        "127.0.0.1:5000/mirror/app:stable",
        "Manifests deleted (2)",
        "frees, at most",
        "untagged revision",
    ] {
        assert!(text.contains(said), "{said} not shown:\n{text}");
    }
    assert!(app.dialog_can_apply());
    // No rmi switches: a registry's removal has none.
    assert!(!text.contains("f force"), "{text}");
    insta::assert_snapshot!(text);
}

/// The browser on `data` as the loader hands over a registry's listing cached 3 minutes ago.
fn on_a_cached_listing(mut data: cairn::tui::data::StoreData) -> App {
    let mut app = App::new(
        format!("registry {}", fixtures::REGISTRY),
        now(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
    );
    data.cached_at = Some(now() - jiff::SignedDuration::from_mins(3));
    app.receive(cairn::tui::loader::LoaderMsg::Listed {
        generation: 1,
        data,
    });
    app
}

/// A registry's cached listing is shown at once, marked with its age, while the registry is
/// asked again; the list the registry gives then replaces it, and the mark goes.
#[test]
fn registry_cached_listing_is_marked_until_the_registry_answers() {
    use cairn::tui::data::StoreData;
    use cairn::tui::loader::LoaderMsg;
    use std::sync::Arc;
    let storage =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry-storage");
    let store = Selection {
        store: Some(format!("registry-storage:{}", storage.display())),
        ..Selection::default()
    }
    .resolve()
    .unwrap();
    let data = || {
        let loaded = store.load().unwrap();
        StoreData::new(Arc::new(cairn_core::Catalog::without_lineage(
            loaded.snapshot,
        )))
    };
    let mut app = on_a_cached_listing(data());
    let text = screen(&app);
    assert!(text.contains("cached 3 minutes ago"), "{text}");
    assert!(text.contains("asking the registry again"), "{text}");
    insta::assert_snapshot!(text);
    app.receive(LoaderMsg::Loaded {
        generation: 1,
        data: data(),
    });
    let text = screen(&app);
    assert!(!text.contains("cached"), "{text}");
}

/// The status line of `app` drawn `width` columns wide, without its trailing blanks.
fn status_line(app: &App, width: u16) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut terminal = Terminal::new(TestBackend::new(width, HEIGHT)).unwrap();
    let mut view = cairn::tui::view::ViewState::default();
    terminal
        .draw(|frame| cairn::tui::view::draw(app, &mut view, frame))
        .unwrap();
    let text = common::tui::text(terminal.backend().buffer());
    text.lines().nth(HEIGHT as usize - 2).unwrap().to_string()
}

/// A registry that does not answer is said in the status line, while the cached listing
/// stays: since when, when it is asked again (counting down as the clock moves) and why;
/// the listing it gives once it answers clears it. The same when the watch of a listing read
/// just now stops reaching it, until it answers again.
#[test]
fn registry_unreachable_is_said_until_it_answers() {
    use cairn::tui::data::StoreData;
    use cairn::tui::loader::LoaderMsg;
    use cairn_store::Unreachable;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};
    let data = || StoreData::new(Arc::new(fixtures::registry().catalog()));
    let now = now();
    let at = |seconds: i64| {
        let base = SystemTime::from(now);
        match seconds {
            s if s >= 0 => base + Duration::from_secs(s as u64),
            s => base - Duration::from_secs(s.unsigned_abs()),
        }
    };
    let unreachable = |since: i64, next: i64| {
        LoaderMsg::Unreachable(Some(Unreachable {
            since: at(since),
            error: "registry 127.0.0.1:5000: GET http://127.0.0.1:5000/v2/: connection refused"
                .into(),
            next_try: at(next),
        }))
    };
    let mut app = on_a_cached_listing(data());
    app.receive(unreachable(-120, 25));
    let text = screen(&app);
    // On 120 columns, the times and the start of the error; the whole on a wider terminal.
    assert!(
        text.contains("unreachable since 2 minutes ago, next try in 25 s: registry"),
        "{text}"
    );
    assert!(!text.contains("asking the registry again"), "{text}");
    insta::assert_snapshot!(text);
    let wide = status_line(&app, 200);
    assert!(wide.contains("cached 3 minutes ago"), "{wide}");
    assert!(
        wide.ends_with("unreachable since 2 minutes ago, next try in 25 s: registry 127.0.0.1:5000: GET http://127.0.0.1:5000/v2/: connection refused"),
        "{wide}"
    );
    // The countdown follows the clock; past it, the try is under way.
    app.now = now + jiff::SignedDuration::from_secs(20);
    assert!(screen(&app).contains("next try in 5 s"));
    app.now = now + jiff::SignedDuration::from_secs(30);
    assert!(screen(&app).contains("trying again now"));
    app.receive(LoaderMsg::Loaded {
        generation: 1,
        data: data(),
    });
    let text = screen(&app);
    assert!(!text.contains("unreachable"), "{text}");
    assert!(!text.contains("cached"), "{text}");
    // The watch of a fresh listing: said from its first failure until an answer.
    app.now = now;
    app.receive(unreachable(-30, 600));
    assert!(
        screen(&app).contains("unreachable since 30 seconds ago, next try in 10 min"),
        "{}",
        screen(&app)
    );
    app.receive(LoaderMsg::Unreachable(None));
    assert!(!screen(&app).contains("unreachable"));
}

/// The real loader on a registry (the listing server of the tests) watched at a quick pace:
/// once the registry is gone, the watch's failure reaches the browser, with the error and a
/// next try after the one before; once it is back, the loader says it answers again.
#[test]
fn the_loader_says_a_registry_unreachable_while_its_watch_fails_and_clears_it_when_it_answers() {
    use cairn::tui::loader::{self, LoaderCmd, LoaderMsg};
    use cairn_store::registry::watch::Pace;
    use common::listing_registry::{Catalog, ListingRegistry};
    use std::time::Duration;
    let registry = ListingRegistry::start(Catalog::Capped(2));
    let addr = registry.addr.clone();
    let connect = Connect {
        tls_verify: false,
        ..Connect::default()
    };
    let mut store = RegistryStore::parse(&addr, connect).unwrap();
    let cache = tempfile::tempdir().unwrap();
    store.cache = Some(Cache::at(cache.path().to_path_buf(), 1 << 20));
    store.pace = Pace {
        batch: usize::MAX,
        pause: Duration::from_millis(10),
        heads: usize::MAX,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(10),
    };
    let (commands, inbox) = std::sync::mpsc::channel::<LoaderCmd>();
    let (send, messages) = std::sync::mpsc::channel::<LoaderMsg>();
    let _loader = loader::spawn(Store::new(store), inbox, move |m| send.send(m).is_ok()).unwrap();
    // Bounded waits, to fail rather than hang: the watch asks every second.
    let patience = Duration::from_secs(120);
    let next = || {
        messages
            .recv_timeout(patience)
            .expect("the loader went quiet")
    };
    loop {
        match next() {
            LoaderMsg::Lineage { .. } => break,
            LoaderMsg::Failed(why) => panic!("the open failed: {why}"),
            _ => {}
        }
    }
    drop(registry);
    let unreachable = loop {
        match next() {
            LoaderMsg::Unreachable(Some(unreachable)) => break unreachable,
            LoaderMsg::Unreachable(None) => panic!("cleared before it failed"),
            _ => {}
        }
    };
    assert!(unreachable.error.contains(&addr), "{}", unreachable.error);
    assert!(unreachable.next_try > unreachable.since);
    let _back = ListingRegistry::start_at(&addr, Catalog::Capped(2));
    loop {
        match next() {
            LoaderMsg::Unreachable(None) => break,
            LoaderMsg::Unreachable(Some(later)) => {
                assert_eq!(later.since, unreachable.since, "one run of failures")
            }
            LoaderMsg::Loaded { .. } => panic!("the registry did not change: no reload"),
            _ => {}
        }
    }
    drop(commands);
}

#[test]
fn registry_remove_preview_of_an_index_deletes_its_platform_images_after_it() {
    let mut app = api_app("multi-docker");
    app.update(Action::StartRemove);
    let text = screen(&app);
    for said in [
        "Platform images of the index (2)",
        "linux/amd64",
        "deleted after the index",
    ] {
        assert!(text.contains(said), "{said} not shown:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn registry_remove_preview_of_a_platform_image_its_index_needs_is_blocked() {
    let mut app = api_app("multi:1");
    // The index's row, then its first platform image under it.
    app.update(Action::Down);
    app.update(Action::StartRemove);
    let text = screen(&app);
    assert!(text.contains("platform image of index"), "{text}");
    assert!(!app.dialog_can_apply());
    insta::assert_snapshot!(text);
}

#[test]
fn a_capped_catalog_is_said_on_the_status_line() {
    let registry = common::listing_registry::ListingRegistry::start(
        common::listing_registry::Catalog::Capped(1000),
    );
    let connect = Connect {
        tls_verify: false,
        ..Connect::default()
    };
    let mut store = RegistryStore::parse(&registry.addr, connect).unwrap();
    let cache = tempfile::tempdir().unwrap();
    store.cache = Some(Cache::at(cache.path().to_path_buf(), 1 << 20));
    let app = App::with_loaded(
        format!("registry {}", fixtures::REGISTRY),
        now(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        Store::new(store).load().unwrap(),
    );
    let text = screen(&app);
    let status = text.lines().nth(usize::from(HEIGHT) - 2).unwrap();
    assert!(
        status
            .contains("! the catalog is capped at 1000 repositories by the registry; showing 1000"),
        "{status}"
    );
    insta::assert_snapshot!(text);
}

/// The list as typed into the filter, keys and all.
fn type_filter(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::FilterInput(c));
    }
}

#[test]
fn the_list_filtered_to_one_repository_completes_its_name_with_tab() {
    let mut app = api_app("");
    app.update(Action::StartFilter);
    type_filter(&mut app, "repo:m");
    app.update(Action::FilterComplete);
    // Three repositories start with m and share nothing more: the status line names them.
    assert_eq!(app.panes.images.filter, "repo:m");
    assert_eq!(
        app.message.as_deref(),
        Some("3 repositories: mirror/app, multi, multi-docker")
    );
    type_filter(&mut app, "u");
    app.update(Action::FilterComplete);
    assert_eq!(app.panes.images.filter, "repo:multi");
    let text = screen(&app);
    // multi exactly: not multi-docker, whose index names the same platform images.
    assert!(text.contains("127.0.0.1:5000/multi:1"), "{text}");
    assert!(!text.contains("multi-docker:1"), "{text}");
    assert!(
        text.contains("repo:NAME (Tab)"),
        "the filter line says so:\n{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn r_lists_only_the_selected_images_repository_and_again_every_one() {
    let mut app = api_app("app:1.0");
    app.update(Action::FilterRepository);
    assert_eq!(app.panes.images.filter, "repo:app");
    let text = screen(&app);
    assert!(text.contains("127.0.0.1:5000/app:1.0"), "{text}");
    assert_eq!(app.panes.images.rows.len(), 1, "{text}");
    assert!(text.contains("r repository"), "the footer says so:\n{text}");
    insta::assert_snapshot!(text);
    app.update(Action::FilterRepository);
    assert_eq!(app.panes.images.filter, "");
    // A namespace: every repository under it.
    common::tui::filter(&mut app, "repo:library/");
    assert_eq!(app.panes.images.rows.len(), 1);
}
