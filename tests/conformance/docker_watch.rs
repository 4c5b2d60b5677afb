//! The Docker store's watcher on a real daemon (a private dockerd 20.10 on a copy of the
//! fixture): asked again and again through the one client that read the store, it says
//! nothing changed until `docker tag` changes an image, and then that something did.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use cairn_store::Store;
use cairn_store::docker::DockerStore;
use common::docker::{Daemon, docker_fixture};

#[test]
fn the_docker_watcher_sees_a_tag_through_the_client_that_read_the_store() {
    let daemon = Daemon::start(docker_fixture());
    let store = Store::new(DockerStore {
        host: daemon.host(),
    });
    let loaded = store.load().unwrap();
    for _ in 0..3 {
        assert!(!loaded.watch.changed(), "nothing changed yet");
    }
    common::ok(daemon.docker(&["tag", "bb:1", "watched:1"]), "docker tag");
    assert!(loaded.watch.changed(), "the tag is an image event");
}
