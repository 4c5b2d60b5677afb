//! Watching a registry (over its API and on disk) while skopeo changes it, against Debian's
//! docker-registry: the watch says nothing changed until a tag is pushed, moved or deleted or
//! a repository appears, and then that something did; and the browser's loader, at the pace
//! it uses on a real network, shows a tag skopeo pushed without a restart.

use crate::common::registry::{TestRegistry, images};
use cairn::tui::loader::{self, LoaderCmd, LoaderMsg};
use cairn_store::registry::RegistryStore;
use cairn_store::registry::client::Connect;
use cairn_store::registry::watch::Pace;
use cairn_store::registry_storage::RegistryStorage;
use cairn_store::{Loaded, Store};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Every check of a round at each time the probe is asked: a test can tell a whole round
/// found nothing.
const AT_ONCE: Pace = Pace {
    batch: usize::MAX,
    pause: Duration::ZERO,
    heads: usize::MAX,
    backoff: Duration::ZERO,
    max_backoff: Duration::ZERO,
};

/// `registry:PLACE` (`HOST:PORT[/REPOSITORY]`) over plain HTTP, watched at `pace`.
fn registry_store(place: &str, pace: Pace) -> Store {
    let connect = Connect {
        tls_verify: false,
        ..Connect::default()
    };
    let mut store = RegistryStore::parse(place, connect).unwrap();
    store.pace = pace;
    store.cache = None;
    Store::new(store)
}

/// `skopeo copy` of an image of the test layout to `to` in the registry.
fn push(registry: &TestRegistry, image: &str, to: &str) {
    registry.skopeo(&[
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        &format!("oci:{}:{image}", images().display()),
        &registry.reference(to),
    ]);
}

fn delete(registry: &TestRegistry, name: &str) {
    registry.skopeo(&["delete", "--tls-verify=false", &registry.reference(name)]);
}

/// Asks `loaded`'s watch a few times: nothing changed. Over the API at [`AT_ONCE`] each time
/// is a whole round; on disk the probe looks only when its last look is old enough (its unit
/// tests check each look).
fn unchanged(loaded: &Loaded) {
    for _ in 0..3 {
        assert!(!loaded.watch.changed(), "nothing changed yet");
    }
}

/// Asks the watch of the storage until it sees `what`: it looks again only after twenty
/// times its last look took, which a loaded machine stretches. Minutes without seeing it is a
/// probe that does not.
fn sees(loaded: &Loaded, what: &str) {
    let start = Instant::now();
    while !loaded.watch.changed() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the watch of the storage did not see {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// For each change in turn: the store loaded, nothing changed yet, the change made, and
/// `seen` checks the watch sees it.
fn each_seen(store: &Store, changes: &[(&str, &dyn Fn())], seen: impl Fn(&Loaded, &str)) {
    for (what, change) in changes {
        let loaded = store.load().unwrap();
        unchanged(&loaded);
        change();
        seen(&loaded, what);
    }
}

/// The watch over the API sees the change at the next time it is asked.
fn at_once(loaded: &Loaded, what: &str) {
    assert!(loaded.watch.changed(), "the watch did not see {what}");
}

#[test]
fn registry_watch_sees_tags_pushed_moved_and_deleted_and_new_repositories() {
    let registry = TestRegistry::filled();
    let store = registry_store(&registry.addr, AT_ONCE);
    let changes: [(&str, &dyn Fn()); 4] = [
        ("a tag pushed", &|| push(&registry, "base:1", "app:watched")),
        // The tag list stays the same, the tag's digest does not.
        ("a tag pushed over itself", &|| {
            push(&registry, "tools:1", "app:latest")
        }),
        ("a tag deleted", &|| delete(&registry, "app:watched")),
        ("a repository in the catalog", &|| {
            push(&registry, "base:1", "brand/new:1")
        }),
    ];
    each_seen(&store, &changes, at_once);
}

#[test]
fn registry_watch_of_one_repository_sees_its_tags_only() {
    let registry = TestRegistry::filled();
    let store = registry_store(&format!("{}/tools", registry.addr), AT_ONCE);
    let loaded = store.load().unwrap();
    unchanged(&loaded);
    push(&registry, "base:1", "elsewhere:1");
    unchanged(&loaded);
    push(&registry, "base:1", "tools:2");
    at_once(&loaded, "a tag of the repository watched");
}

#[test]
fn registry_watch_storage_sees_what_the_registry_writes() {
    let registry = TestRegistry::filled();
    let store = Store::new(RegistryStorage {
        path: registry.storage(),
    });
    let changes: [(&str, &dyn Fn()); 3] = [
        ("a tag pushed", &|| push(&registry, "base:1", "app:watched")),
        ("a tag moved", &|| push(&registry, "tools:1", "app:latest")),
        ("a tag deleted", &|| delete(&registry, "app:watched")),
    ];
    each_seen(&store, &changes, sees);
}

/// The browser's loader on the registry, at the pace it uses on a network: a tag skopeo
/// pushes shows in a reload of its own.
#[test]
fn registry_watch_the_browser_shows_a_tag_pushed_while_it_is_open() {
    let registry = TestRegistry::filled();
    let store = registry_store(&registry.addr, Pace::NETWORK);
    let (commands, receive_commands) = mpsc::channel::<LoaderCmd>();
    let (send, messages) = mpsc::channel::<LoaderMsg>();
    let _loader = loader::spawn(store, receive_commands, move |m| send.send(m).is_ok()).unwrap();
    let watched = format!("{}/app:watched", registry.addr);
    // Bounded waits: the watch asks again after a pause of 15 s and a round of a few
    // seconds; minutes without the tag is a watch that does not see it.
    let patience = Duration::from_secs(300);
    let shows = |message: &LoaderMsg| match message {
        LoaderMsg::Loaded { generation, data } => Some((
            *generation,
            data.catalog
                .snapshot
                .images
                .iter()
                .any(|image| image.names.contains(&watched)),
        )),
        LoaderMsg::Failed(why) => panic!("loading the registry failed: {why}"),
        _ => None,
    };
    let start = Instant::now();
    let first = loop {
        let message = messages
            .recv_timeout(patience.saturating_sub(start.elapsed()))
            .expect("the browser never loaded the registry");
        if let Some((generation, seen)) = shows(&message) {
            assert!(!seen, "{watched} is not there yet");
            break generation;
        }
    };
    push(&registry, "base:1", "app:watched");
    let pushed = Instant::now();
    loop {
        let message = messages
            .recv_timeout(patience.saturating_sub(pushed.elapsed()))
            .unwrap_or_else(|_| {
                panic!("the browser did not show {watched} pushed by skopeo: the registry's watch did not see it")
            });
        if let Some((generation, seen)) = shows(&message) {
            assert!(generation > first);
            if seen {
                break;
            }
        }
    }
    drop(commands);
}
