//! The browser's change worker on a real store: a confirmed plan is applied, and a plan the
//! store no longer gives is refused with nothing changed.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::change::ChangeOutcome;
use cairn::tui::data::StoreData;
use cairn::tui::dialog::{RemoveDialog, Subject, UntagDialog};
use cairn::tui::worker;
use cairn_core::Catalog;
use cairn_core::removal::RemoveOptions;
use cairn_store::Store;
use cairn_store::containers_storage::{self, StorageOptions};
use std::path::Path;
use std::sync::Arc;

fn options(store: &Path) -> StorageOptions {
    StorageOptions {
        graphroot: store.join("root"),
        runroot: store.join("run"),
        driver: Some("vfs".into()),
        additional_image_stores: Vec::new(),
        explicit: true,
    }
}

fn load(options: &StorageOptions) -> StoreData {
    let loaded = containers_storage::load(options).unwrap();
    StoreData::new(Arc::new(Catalog::new(loaded.snapshot)))
}

fn subject(store: &StoreData, name: &str) -> Subject {
    let image = store
        .catalog
        .snapshot
        .images
        .position(|i| i.names.iter().any(|n| n == name))
        .unwrap();
    Subject::new(store, image)
}

#[test]
fn a_confirmed_removal_is_applied() {
    let (_dir, store) = common::copy_store(common::shared_fixture());
    let options = options(&store);
    let data = load(&options);
    let dialog = RemoveDialog::new(
        &data,
        subject(&data, "localhost/side:1"),
        RemoveOptions::default(),
    );
    let request = dialog.change().unwrap();
    let outcome = worker::apply(&Store::new(options.clone()), request.clone());
    assert_eq!(outcome, ChangeOutcome::Applied(request));
    let after = load(&options);
    assert!(
        after
            .catalog
            .snapshot
            .images
            .iter()
            .all(|i| i.id != dialog.subject.id)
    );
}

#[test]
fn a_store_that_changed_since_the_preview_is_left_alone() {
    let (_dir, store) = common::copy_store(common::shared_fixture());
    let options = options(&store);
    let data = load(&options);
    // The preview: side:1 loses its only name.
    let dialog = UntagDialog::new(&data, subject(&data, "localhost/side:1"), None);
    let request = dialog.change().unwrap();
    // Meanwhile podman gives it another one: the same untag now leaves it a name.
    let flags = common::store_flags(&store.join("root"), &store.join("run"));
    common::ok(
        common::podman(&common::args(
            &flags,
            &["tag", "localhost/side:1", "localhost/other:1"],
        )),
        "podman tag",
    );
    let before = common::tree_digest(&store.join("root/vfs-images"));
    let outcome = worker::apply(&Store::new(options.clone()), request.clone());
    assert_eq!(outcome, ChangeOutcome::StoreChanged(request));
    assert_eq!(common::tree_digest(&store.join("root/vfs-images")), before);
}
