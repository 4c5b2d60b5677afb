//! The overlay driver's layer folders, read when a layer has no tar-split (some partial
//! pulls), against containers/storage's own reading of the same folders: the fixture
//! (`scripts/make-contents-overlay.sh`) is built by buildah with the overlay driver on the
//! kernel's overlayfs, so each layer's `overlay/<id>/diff` holds what overlayfs wrote (a
//! removed file or folder as a 0/0 character device, a folder removed and made again with
//! `trusted.overlay.opaque=y`) and each tar-split what containers/storage made of it when the
//! layer was committed. With the tar-splits removed, cairn must list every layer as its
//! tar-split lists it, and `cairn files` (merged and `--changes`) must print the same. One
//! thing the folder cannot tell: a whiteout's own mode and time. buildah commits a layer by
//! applying its tar to a new layer folder, so the tar-split keeps the whiteout header of that
//! tar (mode 0, the commit's timestamp) while the folder has a device made at that moment;
//! cairn gives such a device mode 0600 and its own time, as containers/storage's overlay diff
//! does. Nothing shows them (a removed path shows what it hid), so they are compared apart.
//!
//! The two other forms the folder can take are made from the kernel's by hand, since no tool
//! here writes them: rootless overlayfs (`userxattr`) marks an opaque folder with
//! `user.overlay.opaque`, and fuse-overlayfs without the right to make devices leaves
//! AUFS-style `.wh.NAME` and `.wh..wh..opq` files. Each must read as the same changes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::contents::{StoreCopy, image_layers, overlay_fixture, show, without_checksums};
use cairn_core::contents::{Entry, EntrySource};
use cairn_store::Store;
use rustix::fs::{AtFlags, FileType, Timespec, Timestamps, XattrFlags};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const IMAGE: &str = "localhost/overlay:1";

/// What the folder's whiteouts and opaque markers look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// As the kernel's overlayfs wrote them, as root.
    Kernel,
    /// `user.overlay.opaque` in place of `trusted.overlay.opaque`.
    UserXattr,
    /// Empty `.wh.NAME` files for the devices, `.wh..wh..opq` files for the attribute.
    Aufs,
}

/// A copy of the fixture without its tar-splits, every layer's `diff/` rewritten into
/// `form`; with how many whiteouts and opaque markers were rewritten.
fn copy_without_tar_splits(form: Form) -> (StoreCopy, (usize, usize)) {
    let copy = StoreCopy::of(overlay_fixture(), "overlay");
    let mut removed = 0;
    for file in std::fs::read_dir(copy.root().join("overlay-layers")).unwrap() {
        let path = file.unwrap().path();
        if path.to_string_lossy().ends_with(".tar-split.gz") {
            std::fs::remove_file(path).unwrap();
            removed += 1;
        }
    }
    assert_eq!(removed, 3, "busybox and two layers");
    let mut counts = (0, 0);
    if form != Form::Kernel {
        for layer in std::fs::read_dir(copy.root().join("overlay")).unwrap() {
            let diff = layer.unwrap().path().join("diff");
            if diff.is_dir() {
                rewrite(&diff, form, &mut counts);
            }
        }
    }
    (copy, counts)
}

/// Every file below `dir`, depth first.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if std::fs::symlink_metadata(&path).unwrap().is_dir() {
            found.extend(files_below(&path));
        }
        found.push(path);
    }
    found
}

/// Copies `from`'s owner and times to `to`, without following links.
fn same_owner_and_time(from: &std::fs::Metadata, to: &Path) {
    rustix::fs::chownat(
        rustix::fs::CWD,
        to,
        Some(rustix::fs::Uid::from_raw(from.uid())),
        Some(rustix::fs::Gid::from_raw(from.gid())),
        AtFlags::SYMLINK_NOFOLLOW,
    )
    .unwrap();
    let time = Timespec {
        tv_sec: from.mtime(),
        tv_nsec: from.mtime_nsec(),
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        to,
        &Timestamps {
            last_access: time,
            last_modification: time,
        },
        AtFlags::SYMLINK_NOFOLLOW,
    )
    .unwrap();
}

fn rewrite(diff: &Path, form: Form, counts: &mut (usize, usize)) {
    for path in files_below(diff) {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let kind = FileType::from_raw_mode(meta.mode());
        if kind == FileType::CharacterDevice && meta.rdev() == 0 && form == Form::Aufs {
            // fuse-overlayfs's file: empty, mode 0600 as containers/storage writes a
            // whiteout, the device's owner and time.
            let folder = path.parent().unwrap();
            let folder_meta = std::fs::symlink_metadata(folder).unwrap();
            let name = path.file_name().unwrap().as_bytes();
            let whiteout = path.with_file_name(std::ffi::OsStr::from_bytes(
                &[b".wh.".as_slice(), name].concat(),
            ));
            std::fs::remove_file(&path).unwrap();
            std::fs::write(&whiteout, b"").unwrap();
            std::fs::set_permissions(
                &whiteout,
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .unwrap();
            same_owner_and_time(&meta, &whiteout);
            // Writing in the folder moved its time: put it back.
            same_owner_and_time(&folder_meta, folder);
            counts.0 += 1;
        }
        if kind != FileType::Directory {
            continue;
        }
        let mut value = [0u8; 4];
        let opaque = matches!(
            rustix::fs::lgetxattr(&path, "trusted.overlay.opaque", &mut value[..]),
            Ok(1) if value[0] == b'y'
        );
        if !opaque {
            continue;
        }
        rustix::fs::lremovexattr(&path, "trusted.overlay.opaque").unwrap();
        counts.1 += 1;
        match form {
            Form::UserXattr => {
                rustix::fs::lsetxattr(&path, "user.overlay.opaque", b"y", XattrFlags::CREATE)
                    .unwrap();
            }
            Form::Aufs => {
                let marker = path.join(".wh..wh..opq");
                std::fs::write(&marker, b"").unwrap();
                std::fs::set_permissions(
                    &marker,
                    std::os::unix::fs::PermissionsExt::from_mode(meta.mode() & 0o777),
                )
                .unwrap();
                same_owner_and_time(&meta, &marker);
            }
            Form::Kernel => unreachable!(),
        }
        // Writing inside the folder moved its time: put it back.
        same_owner_and_time(&meta, &path);
    }
}

/// Every layer's entries and where they came from.
fn listings(store: &Store) -> Vec<(Vec<Entry>, EntrySource)> {
    let snapshot = store.load().unwrap().snapshot;
    image_layers(&snapshot, IMAGE)
        .into_iter()
        .map(|layer| {
            let listed = store.layer_entries(&snapshot, layer).unwrap();
            (listed.entries, listed.source)
        })
        .collect()
}

/// `cairn files IMAGE --json` with `args`, on the copy.
fn cairn_files(copy: &StoreCopy, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(copy.flags())
        .args(["files", IMAGE, "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cairn files {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What `cairn files` prints of the image: merged and each layer's changes.
fn printed(copy: &StoreCopy) -> Vec<String> {
    let mut all = vec![cairn_files(copy, &[])];
    for layer in ["0", "1", "2"] {
        all.push(cairn_files(copy, &["--layer", layer, "--changes"]));
    }
    all
}

/// The entries as the test compares them: a whiteout (not an opaque marker) without its own
/// mode and time (see the top of this file); in path order when `sorted` (the AUFS form's
/// markers are files of their folder, listed in name order).
fn comparable(entries: &[Entry], sorted: bool) -> Vec<String> {
    let mut shown: Vec<String> = entries
        .iter()
        .map(|e| {
            let name = e.path.rsplit(|&b| b == b'/').next().unwrap_or_default();
            match name.starts_with(b".wh.") && name != b".wh..wh..opq" {
                true => show(&[Entry {
                    mode: 0,
                    mtime: 0,
                    ..e.clone()
                }])
                .remove(0),
                false => show(std::slice::from_ref(e)).remove(0),
            }
        })
        .collect();
    if sorted {
        shown.sort();
    }
    shown
}

#[test]
fn without_a_tar_split_an_overlay_layer_lists_as_containers_storage_read_its_diff_folder() {
    let original = StoreCopy::of(overlay_fixture(), "overlay");
    let want = listings(&original.store());
    assert!(
        want.iter()
            .all(|(_, source)| *source == EntrySource::TarSplit)
    );
    let top = show(&want[2].0);
    for marker in [
        "\"data/.wh.removed\"",
        "\"data/.wh.gone\"",
        "\"data/again/.wh..wh..opq\"",
    ] {
        assert!(
            top.iter().any(|line| line.starts_with(marker)),
            "the fixture's top layer has no {marker}: {top:#?}"
        );
    }
    for form in [Form::Kernel, Form::UserXattr, Form::Aufs] {
        let (copy, (whiteouts, opaque)) = copy_without_tar_splits(form);
        if form != Form::Kernel {
            assert_eq!(opaque, 1, "{form:?}: the opaque folder");
        }
        if form == Form::Aufs {
            assert_eq!(whiteouts, 2, "{form:?}: the removed file and folder");
        }
        let got = listings(&copy.store());
        for (layer, ((got, source), (want, _))) in got.iter().zip(&want).enumerate() {
            assert_eq!(
                *source,
                EntrySource::LayerDirectory,
                "{form:?} layer {layer}"
            );
            let want = without_checksums(want);
            let sorted = form == Form::Aufs;
            assert_eq!(
                comparable(got, sorted),
                comparable(&want, sorted),
                "{form:?} layer {layer}"
            );
        }
    }
}

#[test]
fn cairn_files_prints_the_same_changes_from_an_overlay_folder_in_every_form() {
    let original = StoreCopy::of(overlay_fixture(), "overlay");
    let want = printed(&original);
    let changes: Vec<serde_json::Value> = serde_json::from_str(&want[3]).unwrap();
    let removed: Vec<&str> = changes
        .iter()
        .filter(|e| e["change"] == "removed")
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    // The top layer's removals, as the tar-split has them: the file, the folder and all
    // it held, and what the opaque folder hid.
    for path in [
        "/data/removed",
        "/data/gone",
        "/data/gone/sub/file",
        "/data/again/old/file",
        "/data/again/file",
    ] {
        assert!(
            removed.contains(&path),
            "{path} is not removed: {removed:?}"
        );
    }
    for form in [Form::Kernel, Form::UserXattr, Form::Aufs] {
        let (copy, _) = copy_without_tar_splits(form);
        let got = printed(&copy);
        for (i, (got, want)) in got.iter().zip(&want).enumerate() {
            assert_eq!(
                got, want,
                "{form:?}: output {i} (0 merged, then layers 0-2)"
            );
        }
    }
}
