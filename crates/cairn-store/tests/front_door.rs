//! The front door as the commands and the browser use it: every kind of store that can be
//! opened without root or a daemon (the bundled demo, a layout copied to a temporary folder,
//! an archive, an empty containers-storage), and each error the callers act on, with its
//! path and its words.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use cairn_core::Rules;
use cairn_core::removal::{RemoveOptions, Step, Target};
use cairn_core::tagging::plan_tag;
use cairn_store::oci::OciLayout;
use cairn_store::{Selection, Store, StoreError};
use std::path::{Path, PathBuf};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo")
}

fn store(spec: &str) -> Result<Store, StoreError> {
    Selection {
        store: Some(spec.to_string()),
        ..Selection::default()
    }
    .resolve()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The demo layout copied where it may be changed.
fn layout_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    copy_dir(&demo_dir(), &layout);
    (dir, layout)
}

/// The demo layout in a tar, as `podman save --format oci-archive` writes one.
fn oci_archive(dir: &Path) -> PathBuf {
    let path = dir.join("demo.tar");
    let mut tar = tar::Builder::new(std::fs::File::create(&path).unwrap());
    tar.append_dir_all(".", demo_dir()).unwrap();
    tar.finish().unwrap();
    path
}

fn image_with(store: &cairn_store::OpenedStore, name: &str) -> bool {
    store
        .catalog
        .snapshot
        .images
        .iter()
        .any(|i| i.names.iter().any(|n| n == name))
}

#[test]
fn the_bundled_demo_opens_read_only_with_its_notice() {
    let demo = Store::new(OciLayout::bundled_demo("HOME is not set"));
    assert_eq!(demo.rules(), Rules::Layout);
    assert_eq!(
        demo.notice().as_deref(),
        Some("cairn: no image store found; showing the bundled demo read-only (HOME is not set)")
    );
    assert_eq!(demo.label(), "the bundled demo");
    let opened = demo.open().unwrap();
    assert!(image_with(&opened, "localhost/base:1"));
    assert!(opened.catalog.snapshot.images.iter().all(|i| i.read_only));
    assert!(!opened.deletes_blobs(), "the demo is never changed");
    assert!(demo.verify().unwrap().mismatches.is_empty());
    let names = ["localhost/new:1".to_string()];
    let plan = plan_tag(&opened.catalog, "localhost/base:1", &names);
    let error = demo
        .apply(&plan.steps, &plan.blobs, &|_| plan.steps.clone())
        .unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the bundled demo is read-only: cairn changes OCI layouts only"
    );
}

/// The demo's scratch copy is made whole on first use, is changed like any layout, says it
/// is a scratch copy, and `reset` puts it back as it came.
#[test]
fn the_demo_copy_is_made_on_first_use_changed_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cairn/demo");
    assert!(cairn_store::demo::ensure(&path).unwrap(), "made now");
    assert!(!cairn_store::demo::ensure(&path).unwrap(), "made once");
    let demo = Store::new(OciLayout::demo_copy(&path, true));
    assert!(demo.label().contains("scratch copy"), "{}", demo.label());
    assert!(demo.notice().unwrap().contains("scratch copy"));
    assert!(demo.verify().unwrap().mismatches.is_empty());
    let opened = demo.open().unwrap();
    assert!(opened.deletes_blobs(), "a layout that can be changed");
    let names = ["localhost/new:1".to_string()];
    let plan = plan_tag(&opened.catalog, "localhost/base:1", &names);
    demo.apply(&plan.steps, &plan.blobs, &|c| {
        plan_tag(c, "localhost/base:1", &names).steps
    })
    .unwrap();
    assert!(image_with(&demo.open().unwrap(), "localhost/new:1"));
    cairn_store::demo::reset(&path).unwrap();
    let reset = demo.open().unwrap();
    assert!(!image_with(&reset, "localhost/new:1"));
    assert!(image_with(&reset, "localhost/base:1"));
    let left = entries(&dir.path().join("cairn"));
    assert_eq!(left, ["demo"], "no temporary folder is left behind");
}

/// Threads making the copy at once for the first time: each finds a whole layout.
#[test]
fn concurrent_first_uses_of_the_demo_never_see_a_half_written_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cairn/demo");
    let made: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let made = cairn_store::demo::ensure(&path).unwrap();
                    let demo = Store::new(OciLayout::demo_copy(&path, false));
                    let report = demo.verify().unwrap();
                    assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
                    assert!(image_with(&demo.open().unwrap(), "localhost/base:1"));
                    made
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(made.iter().filter(|m| **m).count(), 1, "{made:?}");
    let left = entries(&dir.path().join("cairn"));
    assert_eq!(left, ["demo"], "no temporary folder is left behind");
}

#[test]
fn a_layout_tells_removals_in_blobs_and_applies_a_tag() {
    let (_dir, layout) = layout_copy();
    let store = store(&format!("oci:{}", layout.display())).unwrap();
    assert_eq!(store.rules(), Rules::Layout);
    assert_eq!(store.notice(), None);
    let loaded = store.load().unwrap();
    assert!(!loaded.watch.changed(), "nothing changed yet");
    let opened = store.open().unwrap();
    assert!(opened.deletes_blobs());
    let removal = opened.plan_removal(
        &Target::References(vec!["localhost/side:1".into()]),
        RemoveOptions::default(),
    );
    assert!(removal.errors.is_empty(), "{:?}", removal.errors);
    assert!(
        removal.layers.is_empty(),
        "a layout deletes blobs, not layers"
    );
    assert!(!removal.blobs.is_empty());
    assert_eq!(
        removal.reclaimed_bytes,
        removal.blobs.iter().map(|b| b.size).sum::<u64>()
    );

    let names = ["localhost/new:1".to_string()];
    let plan = opened.plan_names(plan_tag(&opened.catalog, "localhost/base:1", &names));
    store
        .apply(&plan.steps, &plan.blobs, &|now| {
            plan_tag(now, "localhost/base:1", &names).steps
        })
        .unwrap();
    assert!(loaded.watch.changed(), "index.json was rewritten");
    assert!(image_with(&store.open().unwrap(), "localhost/new:1"));
}

#[test]
fn a_plan_that_moved_since_the_preview_is_refused_and_nothing_changes() {
    let (_dir, layout) = layout_copy();
    let store = store(&format!("oci:{}", layout.display())).unwrap();
    let opened = store.open().unwrap();
    let names = ["localhost/new:1".to_string()];
    let plan = plan_tag(&opened.catalog, "localhost/base:1", &names);
    let before = std::fs::read(layout.join("index.json")).unwrap();
    let error = store
        .apply(&plan.steps, &plan.blobs, &|_| Vec::new())
        .unwrap_err();
    assert!(matches!(error, StoreError::Changed), "{error:?}");
    assert_eq!(std::fs::read(layout.join("index.json")).unwrap(), before);
}

#[test]
fn blobs_other_than_the_ones_shown_are_refused_and_nothing_changes() {
    let (_dir, layout) = layout_copy();
    let store = store(&format!("oci:{}", layout.display())).unwrap();
    let opened = store.open().unwrap();
    let target = Target::References(vec!["localhost/side:1".into()]);
    let plan = opened.plan_removal(&target, RemoveOptions::default());
    assert!(!plan.blobs.is_empty());
    let before = std::fs::read(layout.join("index.json")).unwrap();
    let replan = |now: &cairn_core::Catalog| {
        cairn_core::removal::plan_removal(now, &target, RemoveOptions::default()).steps
    };
    let error = store.apply(&plan.steps, &[], &replan).unwrap_err();
    assert!(matches!(error, StoreError::Changed), "{error:?}");
    assert_eq!(std::fs::read(layout.join("index.json")).unwrap(), before);
    store.apply(&plan.steps, &plan.blobs, &replan).unwrap();
    assert!(!image_with(&store.open().unwrap(), "localhost/side:1"));
}

#[test]
fn no_steps_leave_the_store_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing is there: applying nothing must not even look.
    let store = store(&format!("oci:{}", dir.path().join("none").display())).unwrap();
    store.apply(&[], &[], &|_| vec![]).unwrap();
}

#[test]
fn an_archive_opens_read_only_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let archive = oci_archive(dir.path());
    let store = store(&format!("oci-archive:{}", archive.display())).unwrap();
    assert_eq!(store.label(), format!("oci-archive:{}", archive.display()));
    let opened = store.open().unwrap();
    assert!(image_with(&opened, "localhost/tools:1"));
    assert!(opened.catalog.snapshot.images.iter().all(|i| i.read_only));
    assert!(!opened.deletes_blobs());
    let report = store.verify().unwrap();
    assert!(report.blobs_checked > 10);
    assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
    let steps = [Step::DeleteImage {
        image: opened.catalog.snapshot.images.raw[0].id.clone(),
        layers: Vec::new(),
    }];
    let error = store.apply(&steps, &[], &|_| steps.to_vec()).unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
}

#[test]
fn an_empty_containers_storage_opens_under_podmans_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("vfs-images")).unwrap();
    let store = Selection {
        root: Some(dir.path().to_path_buf()),
        runroot: Some(dir.path().join("run")),
        storage_driver: Some("vfs".into()),
        store: None,
        ..Selection::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(store.rules(), Rules::Podman);
    assert_eq!(store.label(), format!("{} (vfs)", dir.path().display()));
    let opened = store.open().unwrap();
    assert!(opened.catalog.snapshot.images.is_empty());
    assert!(!opened.deletes_blobs());
    let error = store.verify().unwrap_err();
    assert!(matches!(error, StoreError::Unsupported(_)), "{error:?}");
}

/// podman's flags for a store under `root`.
fn podman_store(root: &Path) -> Store {
    Selection {
        root: Some(root.to_path_buf()),
        runroot: Some(root.join("run")),
        storage_driver: Some("vfs".into()),
        store: None,
        ..Selection::default()
    }
    .resolve()
    .unwrap()
}

#[test]
fn a_missing_store_is_not_found_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("missing");
    let error = podman_store(&root).open().unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }), "{error:?}");
    assert_eq!(error.path(), Some(root.as_path()));
    assert_eq!(
        error.to_string(),
        format!("containers-storage at {} does not exist", root.display())
    );
    let layout = dir.path().join("no-layout");
    let error = store(&format!("oci:{}", layout.display()))
        .unwrap()
        .open()
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }), "{error:?}");
    assert_eq!(error.path(), Some(layout.as_path()));
    assert_eq!(
        error.to_string(),
        format!("OCI layout {} does not exist", layout.display())
    );
}

#[test]
fn a_store_file_that_cannot_be_read_is_an_io_error_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    // images.json as a folder: it exists, and reading it fails.
    let images = dir.path().join("vfs-images/images.json");
    std::fs::create_dir_all(&images).unwrap();
    let error = podman_store(dir.path()).open().unwrap_err();
    assert!(matches!(error, StoreError::Io { .. }), "{error:?}");
    assert_eq!(error.path(), Some(images.as_path()));
    assert!(
        format!("{:#}", anyhow::Error::from(error))
            .starts_with(&format!("reading {}: ", images.display())),
    );
    // An archive that is not there is not found, with its path.
    let archive = dir.path().join("missing.tar");
    let error = store(&format!("docker-archive:{}", archive.display()))
        .unwrap()
        .open()
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }), "{error:?}");
    assert_eq!(error.path(), Some(archive.as_path()));
}

#[test]
fn a_store_file_that_is_not_json_is_a_parse_error_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("vfs-images")).unwrap();
    let images = dir.path().join("vfs-images/images.json");
    std::fs::write(&images, "not json").unwrap();
    let error = podman_store(dir.path()).open().unwrap_err();
    assert!(matches!(error, StoreError::Parse { .. }), "{error:?}");
    assert_eq!(error.path(), Some(images.as_path()));
    assert_eq!(
        format!("{:#}", anyhow::Error::from(error)),
        format!(
            "parsing {}: expected ident at line 1 column 2",
            images.display()
        )
    );
}

#[test]
fn a_store_kind_the_parser_does_not_know_is_refused() {
    let error = store("s3:example.com").unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown store kind \"s3\" in --store \"s3:example.com\": expected containers-storage, oci, oci-archive, docker-archive, docker, registry, registry-storage or demo"
    );
}

#[test]
fn a_registry_is_host_port_and_an_optional_repository() {
    let named = store("registry:127.0.0.1:5000/team/app").unwrap();
    assert_eq!(named.label(), "registry 127.0.0.1:5000/team/app");
    assert_eq!(named.rules(), cairn_core::Rules::Registry);
    assert_eq!(
        store("registry:reg.example").unwrap().label(),
        "registry reg.example"
    );
    for bad in ["registry:", "registry:/app", "registry:host/"] {
        let error = store(bad).unwrap_err().to_string();
        assert!(
            error.contains("registry:HOST[:PORT][/REPOSITORY]"),
            "{bad}: {error}"
        );
    }
}

#[cfg(feature = "docker")]
#[test]
fn a_daemon_that_is_not_there_is_a_daemon_error() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}", dir.path().join("docker.sock").display());
    let store = store(&format!("docker:{host}")).unwrap();
    assert_eq!(store.rules(), Rules::Docker, "docker's conventions, unread");
    // The whole read and the listing alone fail alike.
    for error in [store.open().unwrap_err(), store.open_list().unwrap_err()] {
        match &error {
            StoreError::Daemon { host: at, message } => {
                assert_eq!(at, &host);
                assert!(
                    message.starts_with(&format!("connecting to the Docker Engine at {host}: ")),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[cfg(not(feature = "docker"))]
#[test]
fn a_build_without_docker_says_so() {
    let error = store("docker").unwrap_err();
    assert!(matches!(error, StoreError::Unsupported(_)), "{error:?}");
    assert!(error.to_string().contains("no Docker support"), "{error}");
}

/// The names in a folder: the demo's copy, and nothing a copy or a reset left behind.
fn entries(dir: &std::path::Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect()
}
