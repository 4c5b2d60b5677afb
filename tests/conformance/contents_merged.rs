//! The merged tree against the real thing: for every image of the contents fixture
//! (`scripts/make-contents-fixture.sh`: files added, overwritten, chmod-ed, chown-ed,
//! removed, folders removed and made again, an opaque folder, whiteouts, links, long and
//! non-UTF-8 names), `cairn files --json` of its top layer must list exactly the files of
//! `buildah mount` of a container made from it, with the same type, permissions, owner,
//! size, link target and (for all but directories) mtime; a hard link must be the same
//! file as its target. The same image read from an OCI layout, an oci-archive and a
//! docker-archive must give the same tree, and so must a Docker Engine that loaded it, read
//! from its tar-splits and from its export.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::contents::{StoreCopy, contents_fixture};
use crate::common::docker::{Daemon, docker_fixture};
use crate::common::{ok, require};
use crate::contents_layers::tcp_to_unix;
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A path's attributes as both sides can state them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    kind: String,
    mode: u64,
    uid: u64,
    gid: u64,
    /// Regular files only.
    size: u64,
    link: Option<String>,
    /// None for directories: extracting their children changes them on disk.
    mtime: Option<i64>,
}

/// Raw bytes as cairn's JSON writes them: UTF-8 as is, other bytes as `\xNN`.
fn text(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `cairn files IMAGE --json` on a store, by path.
fn cairn_files(store: &[&str], image: &str) -> BTreeMap<String, Value> {
    let out = run(Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(store)
        .args(["files", image, "--json"]));
    let entries: Vec<Value> = serde_json::from_str(&out).unwrap();
    entries
        .into_iter()
        .map(|e| (e["path"].as_str().unwrap().to_string(), e))
        .collect()
}

/// Every file under `root` (not following links), by absolute path inside it.
fn walk(root: &Path) -> BTreeMap<String, (PathBuf, std::fs::Metadata)> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path.clone());
            }
            let inside = path.strip_prefix(root).unwrap().as_os_str().as_bytes();
            found.insert(format!("/{}", text(inside)), (path, meta));
        }
    }
    found
}

fn on_disk(path: &Path, meta: &std::fs::Metadata) -> Seen {
    let t = meta.file_type();
    let kind = if t.is_dir() {
        "dir"
    } else if t.is_symlink() {
        "symlink"
    } else if t.is_char_device() {
        "char"
    } else if t.is_block_device() {
        "block"
    } else if t.is_fifo() {
        "fifo"
    } else {
        "file"
    };
    Seen {
        kind: kind.into(),
        mode: u64::from(meta.mode() & 0o7777),
        uid: u64::from(meta.uid()),
        gid: u64::from(meta.gid()),
        size: if kind == "file" { meta.size() } else { 0 },
        link: t
            .is_symlink()
            .then(|| text(std::fs::read_link(path).unwrap().as_os_str().as_bytes())),
        mtime: (kind != "dir").then_some(meta.mtime()),
    }
}

/// What cairn says of a path, with a hard link taken as the file it is on disk: its
/// target's size, and the target's inode to compare.
fn in_cairn(entry: &Value, all: &BTreeMap<String, Value>) -> (Seen, Option<String>) {
    let num = |v: &Value| v.as_u64().unwrap();
    let mut kind = entry["type"].as_str().unwrap().to_string();
    let mut size = num(&entry["size"]);
    let mut target = None;
    let mut link = entry["link"].as_str().map(str::to_string);
    if kind == "hardlink" {
        let to = format!("/{}", link.take().unwrap().trim_start_matches("./"));
        size = num(&all[&to]["size"]);
        kind = "file".into();
        target = Some(to);
    }
    let seen = Seen {
        mode: num(&entry["mode"]),
        uid: num(&entry["uid"]),
        gid: num(&entry["gid"]),
        size: if kind == "file" { size } else { 0 },
        link,
        mtime: (kind != "dir").then(|| entry["mtime"].as_i64().unwrap()),
        kind,
    };
    (seen, target)
}

fn check_image(copy: &StoreCopy, image: &str) {
    let container = copy.buildah(&["from", "--pull-never", "--quiet", image]);
    let mount = PathBuf::from(copy.buildah(&["mount", &container]));
    let flags = copy.flags();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let listed = cairn_files(&flags, image);
    let disk = walk(&mount);
    let listed_paths: Vec<&String> = listed.keys().collect();
    let disk_paths: Vec<&String> = disk.keys().collect();
    assert_eq!(listed_paths, disk_paths, "paths of {image}");
    for (path, entry) in &listed {
        let (seen, hardlink_to) = in_cairn(entry, &listed);
        let (file, meta) = &disk[path];
        assert_eq!(seen, on_disk(file, meta), "{path} of {image}");
        if let Some(target) = hardlink_to {
            assert_eq!(meta.ino(), disk[&target].1.ino(), "{path} is {target}");
        }
    }
    // Enough to mean something: the fixture has every kind of change.
    assert!(listed.len() > 30, "{image}: {} paths", listed.len());
    copy.buildah(&["umount", &container]);
}

#[test]
fn the_merged_top_tree_is_what_buildah_mounts() {
    for tool in ["buildah", "cp"] {
        require(tool);
    }
    let copy = StoreCopy::of(contents_fixture(), "vfs");
    for image in ["localhost/contents:1", "localhost/contents:2"] {
        check_image(&copy, image);
    }
}

/// `cairn files localhost/contents:2 --json` on the fixture's containers-storage.
fn containers_storage_tree() -> BTreeMap<String, Value> {
    let fixture = contents_fixture();
    let root = fixture.join("root").display().to_string();
    let run_dir = fixture.join("run").display().to_string();
    let storage = [
        "--root",
        &root,
        "--runroot",
        &run_dir,
        "--storage-driver",
        "vfs",
    ];
    cairn_files(&storage, "localhost/contents:2")
}

#[test]
fn every_store_kind_gives_the_same_merged_tree() {
    let fixture = contents_fixture();
    let want = containers_storage_tree();
    let layout = format!("oci:{}", fixture.join("layout").display());
    let oci_archive = format!("oci-archive:{}", fixture.join("contents.oci.tar").display());
    let docker_archive = format!(
        "docker-archive:{}",
        fixture.join("contents.docker.tar").display()
    );
    for (store, image) in [
        (layout.as_str(), "contents:2"),
        (layout.as_str(), "contents-zstd:2"),
        (oci_archive.as_str(), "localhost/contents:2"),
        (docker_archive.as_str(), "localhost/contents:2"),
    ] {
        assert_eq!(
            cairn_files(&["--store", store], image),
            want,
            "{store} {image}"
        );
    }
}

/// The same image loaded into a Docker Engine of its own (`docker load` of the fixture's
/// docker-archive): read from the daemon's tar-splits when cairn meets it on its own socket,
/// and from `docker save`'s stream when it meets it over TCP (whose files it must not look
/// for), the merged tree is the one containers-storage gives.
#[test]
fn the_docker_engine_gives_the_same_merged_tree_from_its_tar_splits_and_its_export() {
    let want = containers_storage_tree();
    let daemon = Daemon::start(docker_fixture());
    let archive = contents_fixture().join("contents.docker.tar");
    ok(
        daemon.docker(&["load", "-i", &archive.display().to_string()]),
        "docker load",
    );
    let socket = daemon.dir().join("docker.sock");
    for (host, source) in [
        (daemon.host(), "tar-split"),
        (tcp_to_unix(socket), "export"),
    ] {
        let store = format!("docker:{host}");
        assert_eq!(
            cairn_files(&["--store", &store], "localhost/contents:2"),
            want,
            "{store} (its {source})"
        );
    }
}
