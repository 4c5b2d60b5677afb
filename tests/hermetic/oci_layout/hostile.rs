//! Hostile layouts: links, FIFOs, `../` digests, stray blobs and unreadable manifests. A
//! change never reads, writes or deletes outside the layout (a canary folder next to it is
//! compared byte for byte), a refused change leaves the layout as it was, and every blob a
//! change deletes is the one its dry run listed. No container tool is needed, except for the
//! comparison with `umoci gc` in the conformance tier.

use super::{blob_path, cairn, image_named, index, load, stderr, stdout, store_arg, write_index};
use cairn_core::removal::Step;
use cairn_store::{Selection, Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of the demo layout and, beside it, a canary folder that nothing may touch.
struct Hostile {
    _dir: tempfile::TempDir,
    layout: PathBuf,
    canary: PathBuf,
}

impl Hostile {
    fn new() -> Self {
        let (dir, layout) = crate::common::demo_copy();
        let canary = dir.path().join("canary");
        std::fs::create_dir(&canary).unwrap();
        std::fs::write(canary.join("precious"), b"do not delete me\n").unwrap();
        Hostile {
            _dir: dir,
            layout,
            canary,
        }
    }

    fn store(&self) -> String {
        store_arg(&self.layout)
    }

    fn run(&self, args: &[&str]) -> Output {
        let store = self.store();
        let mut all = vec!["--store", store.as_str()];
        all.extend_from_slice(args);
        cairn(&all)
    }

    /// The digest of `localhost/tools:1`'s manifest, the image made unreadable below.
    fn tools_manifest(&self) -> PathBuf {
        let catalog = load("oci", &self.layout);
        let tools = image_named(&catalog, "localhost/tools:1");
        blob_path(&self.layout, tools.digest.as_deref().unwrap())
    }

    /// Adds a blob no descriptor reaches, named by its digest as skopeo would write it.
    fn add_stray(&self, content: &[u8]) -> String {
        let digest = cairn_store::digest::Digest::sha256_of(content);
        std::fs::write(blob_path(&self.layout, digest.as_str()), content).unwrap();
        digest.to_string()
    }
}

/// Every entry under `root`, links not followed: a file's bytes, a link's target, a folder.
fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut found = BTreeMap::new();
    let mut queue = vec![root.to_path_buf()];
    while let Some(path) = queue.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let what = if meta.file_type().is_symlink() {
            format!("link to {}", std::fs::read_link(&path).unwrap().display())
        } else if meta.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                queue.push(entry.unwrap().path());
            }
            "folder".to_string()
        } else if meta.is_file() {
            format!("file {:?}", std::fs::read(&path).unwrap())
        } else {
            format!("special {:?}", meta.file_type())
        };
        found.insert(path.strip_prefix(root).unwrap().to_path_buf(), what);
    }
    found
}

/// The regular files under `blobs/<alg>/`, as digests.
fn blob_files(layout: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for alg in std::fs::read_dir(layout.join("blobs")).unwrap() {
        let alg = alg.unwrap();
        if !alg.file_type().unwrap().is_dir() {
            continue;
        }
        for blob in std::fs::read_dir(alg.path()).unwrap() {
            let blob = blob.unwrap();
            if blob.file_type().unwrap().is_file() {
                found.insert(format!(
                    "{}:{}",
                    alg.file_name().to_string_lossy(),
                    blob.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

/// The blobs a plan printed as JSON deletes.
fn planned_blobs(out: &Output) -> BTreeSet<String> {
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)));
    plan.get("blobs")
        .and_then(serde_json::Value::as_array)
        .map(|blobs| {
            blobs
                .iter()
                .map(|b| b["digest"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn warnings(out: &Output) -> Vec<String> {
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    plan.get("warnings")
        .and_then(serde_json::Value::as_array)
        .map(|w| w.iter().map(|w| w.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// The changes every case is tried with: tag, untag, rm and prune alike.
const CHANGES: &[&[&str]] = &[
    &["tag", "localhost/base:1", "localhost/base:2"],
    &["tag", "localhost/side:1", "localhost/app:1.0"],
    &["untag", "localhost/side:1"],
    &["rm", "localhost/side:1"],
    &["rm", "localhost/multi:1"],
    &["prune", "-a"],
];

fn with_flags(change: &[&str], flags: &[&'static str]) -> Vec<String> {
    let mut args: Vec<String> = change.iter().map(|a| a.to_string()).collect();
    args.splice(1..1, flags.iter().map(|f| f.to_string()));
    args
}

/// Runs every change on a hostile layout made by `make` and checks it is refused with
/// `message`, leaving the layout and the canary as they were.
fn refused_everywhere(make: impl Fn(&Hostile), message: &[&str]) {
    for change in CHANGES {
        for flags in [&[][..], &["--dry-run"][..]] {
            let hostile = Hostile::new();
            make(&hostile);
            let layout_before = tree(&hostile.layout);
            let canary_before = tree(&hostile.canary);
            let args = with_flags(change, flags);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = hostile.run(&args);
            assert_eq!(out.status.code(), Some(125), "{args:?}: {}", stdout(&out));
            let err = stderr(&out);
            assert!(
                err.contains("refusing to change the layout"),
                "{args:?}: {err}"
            );
            for part in message {
                assert!(err.contains(part), "{args:?}: {err}");
            }
            assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
            assert!(!stdout(&out).contains("Deleted blob"), "{}", stdout(&out));
            assert_eq!(
                tree(&hostile.canary),
                canary_before,
                "{args:?} touched the canary"
            );
            assert_eq!(
                tree(&hostile.layout),
                layout_before,
                "{args:?} changed the layout"
            );
        }
    }
}

#[test]
fn blobs_folder_that_is_a_link_out_of_the_layout() {
    refused_everywhere(
        |h| {
            std::fs::rename(h.layout.join("blobs"), h.canary.join("blobs")).unwrap();
            std::os::unix::fs::symlink(h.canary.join("blobs"), h.layout.join("blobs")).unwrap();
        },
        &["blobs is a symbolic link"],
    );
}

#[test]
fn blob_algorithm_folder_that_is_a_link_out_of_the_layout() {
    refused_everywhere(
        |h| {
            let sha = h.layout.join("blobs/sha256");
            std::fs::rename(&sha, h.canary.join("sha256")).unwrap();
            std::os::unix::fs::symlink(h.canary.join("sha256"), &sha).unwrap();
        },
        &["blobs/sha256 is a symbolic link"],
    );
}

#[test]
fn second_algorithm_folder_that_is_a_link_out_of_the_layout() {
    refused_everywhere(
        |h| {
            std::fs::create_dir(h.canary.join("sha512")).unwrap();
            std::fs::write(h.canary.join("sha512").join("a".repeat(128)), b"x").unwrap();
            std::os::unix::fs::symlink(h.canary.join("sha512"), h.layout.join("blobs/sha512"))
                .unwrap();
        },
        &["blobs/sha512 is a symbolic link"],
    );
}

#[test]
fn index_json_that_is_a_link() {
    let hostile = Hostile::new();
    std::fs::rename(
        hostile.layout.join("index.json"),
        hostile.canary.join("index.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        hostile.canary.join("index.json"),
        hostile.layout.join("index.json"),
    )
    .unwrap();
    let canary_before = tree(&hostile.canary);
    for change in CHANGES {
        let out = hostile.run(change);
        assert_eq!(out.status.code(), Some(125), "{change:?}");
        assert!(
            stderr(&out).contains("index.json is a symbolic link"),
            "{change:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(tree(&hostile.canary), canary_before);
}

#[test]
fn oci_layout_file_that_is_a_link() {
    refused_everywhere(
        |h| {
            std::fs::rename(h.layout.join("oci-layout"), h.canary.join("oci-layout")).unwrap();
            std::os::unix::fs::symlink(h.canary.join("oci-layout"), h.layout.join("oci-layout"))
                .unwrap();
        },
        &["oci-layout is a symbolic link"],
    );
}

#[test]
fn lock_file_that_is_a_link_is_never_written_through() {
    refused_everywhere(
        |h| {
            std::os::unix::fs::symlink(h.canary.join("precious"), h.layout.join("index.json.lock"))
                .unwrap();
        },
        &["index.json.lock is a symbolic link"],
    );
    // A dangling link would be created through: refused too.
    refused_everywhere(
        |h| {
            std::os::unix::fs::symlink(h.canary.join("made"), h.layout.join("index.json.lock"))
                .unwrap();
        },
        &["index.json.lock is a symbolic link"],
    );
    // Reading the layout does not follow it either, and still works.
    let hostile = Hostile::new();
    std::os::unix::fs::symlink(
        hostile.canary.join("precious"),
        hostile.layout.join("index.json.lock"),
    )
    .unwrap();
    let out = hostile.run(&["images"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The lock file is the one file cairn writes in place: another name for it, outside the
/// layout, would be written too.
#[test]
fn lock_file_that_is_a_hard_link_to_a_file_outside() {
    refused_everywhere(
        |h| {
            std::fs::hard_link(h.canary.join("precious"), h.layout.join("index.json.lock")).unwrap()
        },
        &["index.json.lock has 2 hard links"],
    );
}

#[test]
fn digest_with_dot_dot_in_index_json() {
    refused_everywhere(
        |h| {
            let mut idx = index(&h.layout);
            idx["manifests"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:../../canary/precious",
                    "size": 10,
                    "annotations": {"org.opencontainers.image.ref.name": "evil"}
                }));
            write_index(&h.layout, &idx);
        },
        &[
            "sha256:../../canary/precious",
            "blobs/sha256/../../canary/precious",
        ],
    );
}

#[test]
fn algorithm_that_is_not_a_plain_name() {
    refused_everywhere(
        |h| {
            let mut idx = index(&h.layout);
            let manifests = idx["manifests"].as_array_mut().unwrap();
            let first = manifests[0]["digest"].as_str().unwrap().to_string();
            let hex = first.trim_start_matches("sha256:");
            manifests.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": format!("../../canary:{hex}"),
                "size": 10,
                "annotations": {"org.opencontainers.image.ref.name": "evil"}
            }));
            write_index(&h.layout, &idx);
        },
        &["not a valid digest"],
    );
}

#[test]
fn blob_that_is_a_link_is_neither_read_nor_deleted() {
    let hostile = Hostile::new();
    // A stray blob that is a link to the canary, named as a valid digest.
    let name = format!("sha256:{}", "c".repeat(64));
    std::os::unix::fs::symlink(
        hostile.canary.join("precious"),
        blob_path(&hostile.layout, &name),
    )
    .unwrap();
    // And side:1's config replaced by a link to a copy outside.
    let catalog = load("oci", &hostile.layout);
    let side = image_named(&catalog, "localhost/side:1");
    let config = blob_path(&hostile.layout, &format!("sha256:{}", side.id));
    std::fs::rename(&config, hostile.canary.join("config.json")).unwrap();
    std::os::unix::fs::symlink(hostile.canary.join("config.json"), &config).unwrap();
    let catalog = load("oci", &hostile.layout);
    assert!(
        catalog
            .snapshot
            .images
            .iter()
            .any(|i| i.problems.iter().any(|p| p.contains("symbolic link")))
    );
    let canary_before = tree(&hostile.canary);
    for change in CHANGES {
        let out = hostile.run(
            &with_flags(change, &["--json"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(!planned_blobs(&out).contains(&name), "{change:?}");
        assert_eq!(tree(&hostile.canary), canary_before, "{change:?}");
        assert!(std::fs::symlink_metadata(blob_path(&hostile.layout, &name)).is_ok());
    }
}

#[test]
fn fifo_blob_is_refused_without_waiting() {
    let hostile = Hostile::new();
    let manifest = hostile.tools_manifest();
    std::fs::remove_file(&manifest).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &manifest,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let stray_fifo = blob_path(&hostile.layout, &format!("sha256:{}", "f".repeat(64)));
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &stray_fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let store = hostile.store();
    let out = Command::new("timeout")
        .args([
            "30",
            env!("CARGO_BIN_EXE_cairn"),
            "--store",
            &store,
            "images",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = Command::new("timeout")
        .args([
            "30",
            env!("CARGO_BIN_EXE_cairn"),
            "--store",
            &store,
            "rm",
            "--json",
            "localhost/side:1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(planned_blobs(&out).is_empty(), "{}", stdout(&out));
    assert!(
        warnings(&out).iter().any(|w| w.contains("FIFO")),
        "{}",
        stdout(&out)
    );
    assert!(std::fs::symlink_metadata(&stray_fifo).is_ok());
    assert!(std::fs::symlink_metadata(&manifest).is_ok());
}

#[test]
fn index_json_that_is_a_fifo_or_a_link_to_dev_zero() {
    for make in [
        |index: &Path| {
            rustix::fs::mknodat(
                rustix::fs::CWD,
                index,
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::from_raw_mode(0o644),
                0,
            )
            .unwrap()
        },
        |index: &Path| std::os::unix::fs::symlink("/dev/zero", index).unwrap(),
    ] {
        let hostile = Hostile::new();
        let index = hostile.layout.join("index.json");
        std::fs::remove_file(&index).unwrap();
        make(&index);
        let store = hostile.store();
        for args in [&["images"][..], &["rm", "localhost/side:1"][..]] {
            let out = Command::new("timeout")
                .args(["30", env!("CARGO_BIN_EXE_cairn"), "--store", &store])
                .args(args)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(125), "{args:?}: {}", stderr(&out));
            assert!(stderr(&out).contains("index.json is"), "{}", stderr(&out));
        }
    }
}

#[test]
fn every_blob_a_change_deletes_is_the_one_its_dry_run_listed() {
    for change in CHANGES {
        let make = || {
            let hostile = Hostile::new();
            hostile.add_stray(b"a stray blob");
            hostile.add_stray(b"another stray blob");
            hostile
        };
        let (dry, real) = (make(), make());
        let preview = dry.run(
            &with_flags(change, &["--dry-run", "--json"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(preview.status.success(), "{change:?}: {}", stderr(&preview));
        let listed = planned_blobs(&preview);
        assert!(!listed.is_empty(), "{change:?} collects the strays");
        let before = blob_files(&real.layout);
        let applied = real.run(
            &with_flags(change, &["--json"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(applied.status.success(), "{change:?}: {}", stderr(&applied));
        let deleted: BTreeSet<String> = before
            .difference(&blob_files(&real.layout))
            .cloned()
            .collect();
        assert_eq!(deleted, listed, "{change:?}: deleted vs previewed");
        assert_eq!(
            planned_blobs(&applied),
            listed,
            "{change:?}: the real run's plan"
        );
        // The text of a real run names them too.
        let third = make();
        let text = third.run(change);
        assert!(text.status.success(), "{change:?}: {}", stderr(&text));
        for digest in &listed {
            assert!(
                stdout(&text).contains(&format!("Deleted blob: {digest}")),
                "{change:?}: {}",
                stdout(&text)
            );
        }
    }
}

#[test]
fn unreadable_manifest_keeps_every_blob() {
    for change in CHANGES {
        if change[0] == "prune" {
            // prune -a removes tools:1 itself, and with it the unreadable manifest.
            continue;
        }
        let hostile = Hostile::new();
        hostile.add_stray(b"a stray blob");
        std::fs::write(hostile.tools_manifest(), b"not json").unwrap();
        let before = blob_files(&hostile.layout);
        let index_before = index(&hostile.layout);
        let preview = hostile.run(
            &with_flags(change, &["--dry-run", "--json"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(preview.status.success(), "{change:?}: {}", stderr(&preview));
        assert!(planned_blobs(&preview).is_empty(), "{}", stdout(&preview));
        assert!(
            warnings(&preview)
                .iter()
                .any(|w| w.contains("no blob is deleted") && w.contains("cannot be read")),
            "{change:?}: {}",
            stdout(&preview)
        );
        let out = hostile.run(change);
        assert!(out.status.success(), "{change:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("Warning: no blob is deleted"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            blob_files(&hostile.layout),
            before,
            "{change:?} deleted blobs"
        );
        assert_ne!(
            index(&hostile.layout),
            index_before,
            "{change:?} was applied"
        );
    }
}

#[test]
fn folder_where_a_blob_should_be() {
    let hostile = Hostile::new();
    let stray = blob_path(&hostile.layout, &format!("sha256:{}", "d".repeat(64)));
    std::fs::create_dir(&stray).unwrap();
    std::fs::write(stray.join("inside"), b"x").unwrap();
    let manifest = hostile.tools_manifest();
    std::fs::remove_file(&manifest).unwrap();
    std::fs::create_dir(&manifest).unwrap();
    let out = hostile.run(&["rm", "--json", "localhost/side:1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(planned_blobs(&out).is_empty());
    assert!(warnings(&out).iter().any(|w| w.contains("is a folder")));
    assert!(stray.join("inside").is_file());
}

/// The layout at `path`, as `--store oci:PATH` opens it.
fn layout_store(path: &std::path::Path) -> Store {
    Selection {
        store: Some(format!("oci:{}", path.display())),
        ..Selection::default()
    }
    .resolve()
    .unwrap()
}

/// The writer applies the containment rule itself: a layout that turns hostile between
/// the preview and the change is refused, with nothing touched.
#[test]
fn writer_refuses_a_layout_that_became_a_link_after_the_preview() {
    let hostile = Hostile::new();
    hostile.add_stray(b"a stray blob");
    let store = layout_store(&hostile.layout);
    let opened = store.open().unwrap();
    let target = cairn_core::removal::Target::References(vec!["localhost/side:1".into()]);
    let options = cairn_core::removal::RemoveOptions::default();
    let plan = opened.plan_removal(&target, options);
    assert!(!plan.blobs.is_empty());
    std::fs::rename(hostile.layout.join("blobs"), hostile.canary.join("blobs")).unwrap();
    std::os::unix::fs::symlink(hostile.canary.join("blobs"), hostile.layout.join("blobs")).unwrap();
    let layout_before = tree(&hostile.layout);
    let canary_before = tree(&hostile.canary);
    let steps: Vec<Step> = plan.steps.clone();
    let result = store.apply(&steps, &plan.blobs, &|now| {
        cairn_core::removal::plan_removal(now, &target, options).steps
    });
    let error = format!("{:#}", anyhow::Error::from(result.unwrap_err()));
    assert!(error.contains("blobs is a symbolic link"), "{error}");
    assert_eq!(tree(&hostile.canary), canary_before);
    assert_eq!(tree(&hostile.layout), layout_before);
}

/// A blob that appears between the preview and the change is not deleted unseen.
#[test]
fn writer_refuses_when_the_blobs_to_delete_are_not_the_ones_shown() {
    let hostile = Hostile::new();
    let store = layout_store(&hostile.layout);
    let opened = store.open().unwrap();
    let names = vec!["localhost/base:2".to_string()];
    let plan = opened.plan_names(cairn_core::tagging::plan_tag(
        &opened.catalog,
        "localhost/base:1",
        &names,
    ));
    assert!(plan.blobs.is_empty());
    let stray = hostile.add_stray(b"arrived after the preview");
    let result = store.apply(&plan.steps, &plan.blobs, &|now| {
        cairn_core::tagging::plan_tag(now, "localhost/base:1", &names).steps
    });
    let error = result.unwrap_err();
    assert!(matches!(error, StoreError::Changed), "{error:?}");
    assert!(blob_path(&hostile.layout, &stray).is_file());
}

/// `umoci gc` on the same hostile layouts keeps what cairn keeps: nothing while a manifest
/// cannot be read, and exactly the reachable blobs otherwise.
#[cfg(feature = "conformance")]
#[test]
fn what_cairn_collects_on_hostile_layouts_is_what_umoci_gc_collects() {
    crate::common::require("umoci");
    for unreadable in [false, true] {
        let ours = Hostile::new();
        let theirs = Hostile::new();
        for h in [&ours, &theirs] {
            h.add_stray(b"a stray blob");
            if unreadable {
                std::fs::write(h.tools_manifest(), b"not json").unwrap();
            }
        }
        let out = ours.run(&["rm", "localhost/side:1"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let rm = Command::new("umoci")
            .args([
                "rm",
                "--image",
                &format!("{}:localhost/side:1", theirs.layout.display()),
            ])
            .output()
            .unwrap();
        assert!(rm.status.success(), "{}", stderr(&rm));
        let gc = Command::new("umoci")
            .args(["gc", "--layout", theirs.layout.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(gc.status.success(), !unreadable, "{}", stderr(&gc));
        assert_eq!(
            blob_files(&ours.layout),
            blob_files(&theirs.layout),
            "unreadable manifest: {unreadable}"
        );
    }
}
