//! `cairn files`, `diff`, `check` and `find` through the real binary, on the bundled demo and
//! on OCI layouts written here whose layers (plain tars) hold whiteouts, opaque folders,
//! overwritten files and names a terminal would act on.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::oci::{demo, put_blob, sha256};
use crate::common::{stderr, stdout};
use serde_json::{Value, json};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output};

/// One entry of a test layer.
enum Item<'a> {
    Dir(&'a [u8]),
    File(&'a [u8], usize),
    Symlink(&'a [u8], &'a [u8]),
}

/// A plain layer tar of these entries (mode 0644, 0755 for folders, mtime 1700000000).
fn layer(items: &[Item<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for item in items {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(1_700_000_000);
        header.set_uid(0);
        header.set_gid(0);
        let (path, data): (&[u8], Vec<u8>) = match item {
            Item::Dir(path) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                (path, Vec::new())
            }
            Item::File(path, size) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                (path, vec![b'x'; *size])
            }
            Item::Symlink(path, target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header
                    .set_link_name(std::ffi::OsStr::from_bytes(target))
                    .unwrap();
                (path, Vec::new())
            }
        };
        header.set_size(data.len() as u64);
        builder
            .append_data(&mut header, std::ffi::OsStr::from_bytes(path), &data[..])
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// An OCI layout of images, each a name and its layers (base first); images that share a
/// prefix of layers and history are parent and child, as podman's lineage decides.
fn write_layout(dir: &Path, images: &[(&str, &[&[u8]])]) -> String {
    let layout = dir.join("layout");
    std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let mut manifests = Vec::new();
    for (name, layers) in images {
        let descriptors: Vec<Value> = layers
            .iter()
            .map(|l| put_blob(&layout, "application/vnd.oci.image.layer.v1.tar", l))
            .collect();
        let history: Vec<Value> = (0..layers.len())
            .map(|i| json!({"created": "2023-11-14T22:13:20Z", "created_by": format!("step {i}")}))
            .collect();
        let config = json!({
            "architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
            "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| sha256(l)).collect::<Vec<_>>()},
            "history": history,
        });
        let config = put_blob(
            &layout,
            "application/vnd.oci.image.config.v1+json",
            &serde_json::to_vec(&config).unwrap(),
        );
        let manifest = json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config, "layers": descriptors,
        });
        let mut manifest = put_blob(
            &layout,
            "application/vnd.oci.image.manifest.v1+json",
            &serde_json::to_vec(&manifest).unwrap(),
        );
        manifest["annotations"] = json!({"org.opencontainers.image.ref.name": name});
        manifests.push(manifest);
    }
    let index = json!({"schemaVersion": 2, "manifests": manifests});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    format!("oci:{}", layout.display())
}

/// A base of two layers and an app on it that overwrites, removes and empties a folder:
///   0  /etc/os-release (10), /data/big (1000), /data/old/{a,b} (5 each)
///   1  /usr/bin/tool (20)
///   2  (app) /data/big again (1000), a whiteout of /etc/os-release, /data/old opaque with
///      /data/old/new (1), a symlink /app/link -> /usr/bin/tool
fn waste_layout(dir: &Path) -> String {
    let l0 = layer(&[
        Item::Dir(b"etc"),
        Item::File(b"etc/os-release", 10),
        Item::Dir(b"data"),
        Item::File(b"data/big", 1000),
        Item::Dir(b"data/old"),
        Item::File(b"data/old/a", 5),
        Item::File(b"data/old/b", 5),
    ]);
    let l1 = layer(&[
        Item::Dir(b"usr"),
        Item::Dir(b"usr/bin"),
        Item::File(b"usr/bin/tool", 20),
    ]);
    let l2 = layer(&[
        Item::Dir(b"data"),
        Item::File(b"data/big", 1000),
        Item::File(b"etc/.wh.os-release", 0),
        Item::Dir(b"data/old"),
        Item::File(b"data/old/.wh..wh..opq", 0),
        Item::File(b"data/old/new", 1),
        Item::Dir(b"app"),
        Item::Symlink(b"app/link", b"/usr/bin/tool"),
    ]);
    write_layout(dir, &[("base:1", &[&l0, &l1]), ("app:1", &[&l0, &l1, &l2])])
}

fn cairn(store: &str, args: &[&str]) -> Output {
    cairn_in(Path::new("."), store, args)
}

fn cairn_in(cwd: &Path, store: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .current_dir(cwd)
        .args(["--store", store])
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn demo_store() -> String {
    format!("oci:{}", demo().display())
}

#[test]
fn files_lists_the_merged_tree_at_the_top_or_at_any_layer() {
    let top = cairn(&demo_store(), &["files", "localhost/app:1.0"]);
    assert!(top.status.success(), "{}", stderr(&top));
    assert_eq!(
        stdout(&top),
        "\
drwxr-xr-x         0/0            0   3 /app
-rw-r--r--         0/0           10   2 /app/lib.txt
-rw-r--r--         0/0            8   3 /app/main.txt
drwxr-xr-x         0/0            0   0 /etc
-rw-r--r--         0/0           18   0 /etc/os-release
drwxr-xr-x         0/0            0   1 /usr
drwxr-xr-x         0/0            0   1 /usr/bin
-rw-r--r--         0/0           10   1 /usr/bin/tool
"
    );
    let base = cairn(
        &demo_store(),
        &["files", "localhost/app:1.0", "--layer", "0"],
    );
    assert_eq!(
        stdout(&base),
        "\
drwxr-xr-x         0/0            0   0 /etc
-rw-r--r--         0/0           18   0 /etc/os-release
"
    );
}

#[test]
fn files_json_has_the_fields_the_issue_names() {
    let dir = tempfile::tempdir().unwrap();
    let store = waste_layout(dir.path());
    let entries = json_of(&cairn(&store, &["files", "app:1", "--json"]));
    let by_path = |path: &str| {
        entries
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .cloned()
            .unwrap_or_else(|| panic!("{path} in {entries:#}"))
    };
    assert_eq!(
        by_path("/app/link"),
        json!({"path": "/app/link", "type": "symlink", "size": 0, "mode": 511, "uid": 0,
               "gid": 0, "link": "/usr/bin/tool", "mtime": 1_700_000_000, "layer": 2})
    );
    assert_eq!(
        by_path("/data/big"),
        json!({"path": "/data/big", "type": "file", "size": 1000, "mode": 420, "uid": 0,
               "gid": 0, "mtime": 1_700_000_000, "layer": 2})
    );
    let paths: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/app",
            "/app/link",
            "/data",
            "/data/big",
            "/data/old",
            "/data/old/new",
            "/etc",
            "/usr",
            "/usr/bin",
            "/usr/bin/tool"
        ]
    );
}

#[test]
fn files_changes_marks_added_modified_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = waste_layout(dir.path());
    let entries = json_of(&cairn(&store, &["files", "app:1", "--changes", "--json"]));
    let changes: Vec<(&str, Option<&str>)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["change"].as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            ("/app", Some("added")),
            ("/app/link", Some("added")),
            ("/data", None),
            ("/data/big", Some("modified")),
            ("/data/old", None),
            ("/data/old/a", Some("removed")),
            ("/data/old/b", Some("removed")),
            ("/data/old/new", Some("added")),
            ("/etc", None),
            ("/etc/os-release", Some("removed")),
        ]
    );
    let text = stdout(&cairn(&store, &["files", "app:1", "--changes"]));
    assert!(
        text.contains("\nD -rw-r--r--         0/0           10   0 /etc/os-release\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  drwxr-xr-x         0/0            0   0 /etc\n"),
        "{text}"
    );
    assert!(
        text.contains("\nC -rw-r--r--         0/0         1000   2 /data/big\n"),
        "{text}"
    );
}

#[test]
fn files_of_a_layer_past_the_top_is_one_clear_error() {
    let out = cairn(
        &demo_store(),
        &["files", "localhost/app:1.0", "--layer", "4"],
    );
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out),
        "Error: localhost/app:1.0: no layer 4: the image has 4 (0 to 3)\n"
    );
    let out = cairn(&demo_store(), &["files", "nosuch"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stderr(&out), "Error: nosuch: image not known\n");
}

#[test]
fn diff_lists_what_each_image_has_that_the_other_has_not_and_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let store = waste_layout(dir.path());
    let out = cairn(&store, &["diff", "base:1", "app:1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
A /app
A /app/link
D /data/old/a
D /data/old/b
A /data/old/new
D /etc/os-release
"
    );
    let d = json_of(&cairn(&store, &["diff", "base:1", "app:1", "--json"]));
    assert_eq!(d["added"].as_array().unwrap().len(), 3);
    assert_eq!(d["removed"][0]["path"], "/data/old/a");
    assert_eq!(d["removed"][0]["layer"], 0);
    // The same size and mtime written again is no modification between images.
    assert_eq!(d["modified"], json!([]));
    let back = json_of(&cairn(&store, &["diff", "app:1", "base:1", "--json"]));
    assert_eq!(back["added"].as_array().unwrap().len(), 3);
    assert_eq!(back["removed"].as_array().unwrap().len(), 3);
}

#[test]
fn diff_modified_says_which_attributes_differ() {
    let dir = tempfile::tempdir().unwrap();
    let one = layer(&[Item::File(b"f", 1), Item::Symlink(b"l", b"a")]);
    let two = layer(&[Item::File(b"f", 2), Item::Symlink(b"l", b"b")]);
    let store = write_layout(dir.path(), &[("one:1", &[&one]), ("two:1", &[&two])]);
    let d = json_of(&cairn(&store, &["diff", "one:1", "two:1", "--json"]));
    let modified: Vec<(&str, &Value)> = d["modified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), &e["differs"]))
        .collect();
    assert_eq!(
        modified,
        [("/f", &json!(["size"])), ("/l", &json!(["link"]))]
    );
    assert_eq!(
        stdout(&cairn(&store, &["diff", "one:1", "two:1"])),
        "C /f\nC /l\n"
    );
}

#[test]
fn check_passes_or_fails_by_dives_rules_with_exit_0_or_1() {
    let dir = tempfile::tempdir().unwrap();
    let store = waste_layout(dir.path());
    // app:1 writes data/big again and hides 20 bytes: of the 2061 bytes its copies count,
    // 1020 are extra copies; the user part (layer 2, base:1 being its named parent) wastes
    // all 1020, more than the 1001 bytes it adds.
    let out = cairn(&store, &["check", "app:1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
Analysis:
  efficiency:        50.51 %
  wastedBytes:       1020 bytes (1.0 kB)
  userWastedPercent: 101.90 %
  baseLayers:        2 (1040 bytes, 0 wasted)
  userLayers:        1 (1001 bytes, 1020 wasted)

Inefficient Files:
  Count  Wasted Space  File Path
  2      1.0 kB        /data/big
  2      10 B          /etc/os-release
  2      5 B           /data/old/a
  2      5 B           /data/old/b

Evaluation:
  FAIL  highestUserWastedPercent (too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=1.02 > threshold=0.1))
  SKIP  highestWastedBytes (disabled)
  FAIL  lowestEfficiency (image efficiency is too low (efficiency=0.51 < threshold=0.9))

FAIL [fail:2 skip:1]
"
    );
    // Flags set the rules; the base image alone wastes nothing.
    let out = cairn(
        &store,
        &[
            "check",
            "app:1",
            "--lowestEfficiency=0.5",
            "--highestWastedBytes=1KiB",
            "--highestUserWastedPercent=disabled",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).ends_with(
        "  SKIP  highestUserWastedPercent (disabled)\n  PASS  highestWastedBytes (1KiB)\n  PASS  lowestEfficiency (0.5)\n\nPASS [pass:2 skip:1]\n"
    ));
    assert_eq!(cairn(&store, &["check", "base:1"]).status.code(), Some(0));
}

#[test]
fn check_reads_the_rules_from_dive_ci_and_flags_win_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = waste_layout(dir.path());
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 1Kb\n  highestUserWastedPercent: off\n",
    )
    .unwrap();
    let out = cairn_in(dir.path(), &store, &["check", "app:1", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["rules"],
        json!([
            {"rule": "highestUserWastedPercent", "status": "SKIP", "message": "disabled"},
            {"rule": "highestWastedBytes", "status": "FAIL",
             "message": "too many bytes wasted (wasted-bytes=1020 > threshold=1000)"},
            {"rule": "lowestEfficiency", "status": "FAIL",
             "message": "image efficiency is too low (efficiency=0.51 < threshold=0.95)"},
        ])
    );
    assert_eq!(report["wasted_bytes"], 1020);
    assert_eq!(report["pass"], false);
    assert_eq!(
        report["base"],
        json!({"layers": 2, "size_bytes": 1040, "wasted_bytes": 0})
    );
    let flags = [
        "check",
        "app:1",
        "--lowestEfficiency=disabled",
        "--highestWastedBytes=2kb",
    ];
    assert_eq!(cairn_in(dir.path(), &store, &flags).status.code(), Some(0));
    // Another file named by --ci-config; a bad value is one error line, exit 125.
    std::fs::write(
        dir.path().join("bad.yaml"),
        "rules:\n  lowestEfficiency: 1.5\n",
    )
    .unwrap();
    let out = cairn_in(
        dir.path(),
        &store,
        &["check", "app:1", "--ci-config", "bad.yaml"],
    );
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out),
        "Error: lowestEfficiency config value is outside allowed range (0-1), given '1.500000'\n"
    );
}

#[test]
fn find_names_the_images_and_the_layer_that_put_the_path_there() {
    let out = cairn(&demo_store(), &["find", "/app/*.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert!(
        lines.iter().any(
            |l| l.starts_with("3da99849b47a localhost/app:1.0 layer 3 (")
                && l.ends_with(") /app/main.txt")
        ),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| l.contains("/app/")), "{lines:?}");
    let found = json_of(&cairn(&demo_store(), &["find", "main.txt", "--json"]));
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["names"][0], "localhost/app:1.0");
    assert_eq!(found[0]["layer"], 3);
    assert_eq!(found[0]["path"], "/app/main.txt");
    let none = cairn(&demo_store(), &["find", "*.nothing"]);
    assert_eq!((none.status.code(), stdout(&none).as_str()), (Some(1), ""));
}

#[test]
fn names_a_terminal_would_obey_are_shown_escaped_and_kept_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let l0 = layer(&[
        Item::File(b"evil\x1b]0;owned\x07", 1),
        Item::File(b"caf\xe9", 1),
        Item::Symlink(b"link", b"\x1b[2J"),
    ]);
    let store = write_layout(dir.path(), &[("odd:1", &[&l0])]);
    let out = cairn(&store, &["files", "odd:1"]);
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("/evil\\x1b]0;owned\\x07\n"), "{text}");
    assert!(text.contains("/caf\\xe9\n"), "{text}");
    assert!(text.contains("/link -> \\x1b[2J\n"), "{text}");
    let json = json_of(&cairn(&store, &["files", "odd:1", "--json"]));
    assert_eq!(json[1]["path"], "/evil\u{1b}]0;owned\u{7}");
    assert_eq!(json[0]["path"], "/caf\\xe9");
    let found = stdout(&cairn(&store, &["find", "evil*"]));
    assert!(
        !found.contains('\x1b') && found.contains("evil\\x1b"),
        "{found}"
    );
}
