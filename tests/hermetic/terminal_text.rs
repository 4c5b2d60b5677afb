//! What cairn's headless commands hand the terminal: store text with escape sequences,
//! newlines and bidi overrides shown visibly on every output path (never obeyed, never
//! forging a line); a reader that goes away ends cairn silently, as it ends podman; a closed
//! standard output is an error. All through the real binary, on stores written here.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Sets the window title, clears the screen, then forges a line of output.
const NAME: &str = "localhost/evil:1\u{1b}]0;owned\u{7}\u{1b}[2J\nDeleted: forged";
const CREATED_BY: &str = "/bin/sh -c echo \u{1b}[31mred\u{9b}0m\nforged row\tx";
const COMMENT: &str = "\u{202e}gnp.exe";
const LABEL: &str = "\u{1b}[5mblink\u{7f}";
/// The name of a manifest list, which the refusal to remove one of its platforms quotes.
const LIST_NAME: &str = "localhost/multi:1\u{1b}[2J\nError: forged";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        match entry.file_type().unwrap().is_dir() {
            true => copy_dir(&entry.path(), &target),
            false => drop(std::fs::copy(entry.path(), &target).unwrap()),
        }
    }
}

/// Writes a blob into the layout and returns its descriptor's digest and size.
fn put_blob(layout: &Path, bytes: &[u8]) -> (String, usize) {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(layout.join("blobs/sha256").join(&hex), bytes).unwrap();
    (format!("sha256:{hex}"), bytes.len())
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The demo layout plus `localhost/evil:1...`: the demo's base image with a hostile name,
/// build step, comment and label; and the demo's multi-platform list renamed to
/// [`LIST_NAME`]. Returns the layout and the hostile image's ID.
fn hostile_layout(dir: &Path) -> (PathBuf, String) {
    let layout = dir.join("layout");
    copy_dir(&demo(), &layout);
    let blobs = layout.join("blobs/sha256");
    let mut index = read_json(&layout.join("index.json"));
    let base = index["manifests"][0].clone();
    let hex = |d: &serde_json::Value| d.as_str().unwrap().trim_start_matches("sha256:").to_owned();
    let mut manifest = read_json(&blobs.join(hex(&base["digest"])));
    let mut config = read_json(&blobs.join(hex(&manifest["config"]["digest"])));
    config["config"]["Labels"]["evil"] = LABEL.into();
    config["history"][0]["created_by"] = CREATED_BY.into();
    config["history"][0]["comment"] = COMMENT.into();
    let (digest, size) = put_blob(&layout, &serde_json::to_vec(&config).unwrap());
    let id = digest.trim_start_matches("sha256:").to_owned();
    manifest["config"]["digest"] = digest.into();
    manifest["config"]["size"] = size.into();
    let (digest, size) = put_blob(&layout, &serde_json::to_vec(&manifest).unwrap());
    let mut entry = base;
    entry["digest"] = digest.into();
    entry["size"] = size.into();
    entry["annotations"]["org.opencontainers.image.ref.name"] = NAME.into();
    let manifests = index["manifests"].as_array_mut().unwrap();
    manifests.push(entry);
    let ref_name = "org.opencontainers.image.ref.name";
    let list = manifests
        .iter_mut()
        .find(|m| m["annotations"][ref_name] == "localhost/multi:1")
        .unwrap();
    list["annotations"][ref_name] = LIST_NAME.into();
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    (layout, id)
}

fn cairn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("running cairn")
}

/// Characters a terminal obeys, other than the newlines and tabs that lay output out.
fn obeyed(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && c != '\t' && cairn_core::visible::is_unsafe(c))
        .collect()
}

/// Both streams are text a terminal only prints, and `shown` is in one of them.
fn assert_shown_visibly(out: &Output, shown: &[&str]) {
    let stdout = String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8");
    let stderr = String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8");
    for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert_eq!(obeyed(text), Vec::<char>::new(), "{stream}:\n{text}");
        assert!(
            !text.contains("\nDeleted: forged"),
            "a line forged on {stream}:\n{text}"
        );
        assert!(
            !text.contains("\nforged row"),
            "a row forged on {stream}:\n{text}"
        );
    }
    for expected in shown {
        assert!(
            stdout.contains(expected) || stderr.contains(expected),
            "{expected:?} is not shown:\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    }
}

const SHOWN_NAME: &str = r"localhost/evil:1\x1b]0;owned\x07\x1b[2J\nDeleted: forged";

/// Runs cairn on a fresh hostile layout; `ID` in `args` stands for the hostile image's ID
/// (its name cannot be looked up: it is no valid reference).
fn on_hostile_layout(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let (layout, id) = hostile_layout(dir.path());
    let store = format!("oci:{}", layout.display());
    let mut all = vec!["--store", store.as_str()];
    all.extend(
        args.iter()
            .map(|&a| if a == "ID" { id.as_str() } else { a }),
    );
    cairn(&all)
}

#[test]
fn images_of_a_store_with_hostile_text_print_nothing_a_terminal_obeys() {
    // podman's table shows only names that parse, so the hostile name is `<none>` here;
    // its cells are escaped by the table itself (see src/cli/table.rs).
    let out = on_hostile_layout(&["images", "-a"]);
    assert!(out.status.success(), "{out:?}");
    assert_shown_visibly(&out, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("REPOSITORY  "), "{stdout}");
    assert!(stdout.contains("\nlocalhost/base  "), "{stdout}");
}

#[test]
fn history_shows_a_hostile_step_and_comment_visibly() {
    let out = on_hostile_layout(&["history", "ID"]);
    assert!(out.status.success(), "{out:?}");
    assert_shown_visibly(
        &out,
        &[r"/bin/sh -c echo \x1b[31mred\u{9b}0m", r"\u{202e}gnp.exe"],
    );
    let out = on_hostile_layout(&["history", "--no-trunc", "ID"]);
    assert!(out.status.success(), "{out:?}");
    assert_shown_visibly(&out, &[r"\nforged row\tx"]);
}

#[test]
fn lineage_shows_a_hostile_name_visibly() {
    let out = on_hostile_layout(&["lineage", "ID"]);
    assert!(out.status.success(), "{out:?}");
    assert_shown_visibly(&out, &[SHOWN_NAME]);
}

#[test]
fn tree_of_a_hostile_image_prints_nothing_a_terminal_obeys() {
    for args in [
        &["tree", "ID"][..],
        &["tree", "--whatrequires", "ID"][..],
        &["layers", "--tree"][..],
        &["layers"][..],
    ] {
        let out = on_hostile_layout(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_shown_visibly(&out, &[]);
    }
}

#[test]
fn rm_and_untag_show_the_names_they_remove_visibly() {
    for args in [
        &["rm", "--dry-run", "ID"][..],
        &["rm", "ID"][..],
        &["untag", "--dry-run", "ID"][..],
    ] {
        let out = on_hostile_layout(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_shown_visibly(&out, &[&format!("Untagged: {SHOWN_NAME}\n")]);
    }
    let out = on_hostile_layout(&["untag", "ID"]);
    assert!(out.status.success(), "{out:?}");
    assert_shown_visibly(&out, &[]);
}

#[test]
fn an_error_quoting_a_hostile_name_shows_it_visibly() {
    let listed = on_hostile_layout(&["images", "-a", "--json"]);
    let images: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let instance = images
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["InstanceOf"].is_string())
        .unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let (layout, _) = hostile_layout(dir.path());
    let out = cairn(&[
        "--store",
        &format!("oci:{}", layout.display()),
        "rm",
        &instance,
    ]);
    assert!(!out.status.success(), "{out:?}");
    assert_shown_visibly(&out, &[r"localhost/multi:1\x1b[2J\nError: forged"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("\nError: forged"));
}

#[test]
fn json_carries_the_text_as_it_is() {
    let out = on_hostile_layout(&["images", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let images: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = images
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["Names"].as_array().into_iter().flatten())
        .filter_map(|n| n.as_str())
        .collect();
    assert!(names.contains(&NAME), "{names:?}");
    let labels = images
        .as_array()
        .unwrap()
        .iter()
        .find_map(|i| i["Labels"]["evil"].as_str());
    assert_eq!(labels, Some(LABEL));
}

#[test]
fn an_archive_of_binary_bytes_is_refused_with_the_bytes_shown_visibly() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("evil.tar");
    // What a terminal would obey where a tar header's file name should be.
    let mut bytes = b"ustar\x1b]0;owned\x07\x1b[2J\xff\xfe\nforged".to_vec();
    bytes.resize(10240, 0);
    std::fs::write(&archive, &bytes).unwrap();
    for kind in ["oci-archive", "docker-archive"] {
        let out = cairn(&[
            "--store",
            &format!("{kind}:{}", archive.display()),
            "images",
        ]);
        assert!(!out.status.success(), "{kind}: {out:?}");
        assert_shown_visibly(&out, &[r"ustar\x1b]0;owned\x07\x1b[2J"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{kind}: one line:\n{stderr}");
    }
}

/// A containers-storage store of `images` images written by the generator, and the flags
/// that open it.
fn generated(dir: &Path, images: usize) -> Vec<String> {
    let root = dir.join("root");
    let shape = cairn_genstore::Shape {
        images,
        layers: images + images / 3,
        containers: 0,
        seed: 7,
    };
    cairn_genstore::generate(&root, shape).unwrap();
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    [
        "--root",
        root.to_str().unwrap(),
        "--runroot",
        run.to_str().unwrap(),
    ]
    .into_iter()
    .chain(["--storage-driver", "vfs"])
    .map(String::from)
    .collect()
}

#[test]
fn a_reader_that_goes_away_ends_cairn_silently_by_sigpipe() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let flags = generated(dir.path(), 1500);
    for json in [false, true] {
        let mut args = flags.clone();
        args.extend(["images", "-a"].map(String::from));
        if json {
            args.push("--json".into());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The read end is closed here, long before the output (well over a pipe's 64 KiB)
        // is written.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), Some(13), "json {json}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "json {json}");
    }
}

#[test]
fn a_closed_standard_output_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, _) = hostile_layout(dir.path());
    let cairn = env!("CARGO_BIN_EXE_cairn");
    let closed = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec '{cairn}' --store 'oci:{}' images >&-",
            layout.display()
        ))
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(125), "{closed:?}");
    assert!(
        String::from_utf8_lossy(&closed.stderr).contains("standard output is closed"),
        "{closed:?}"
    );
    // Output thrown away on purpose is not.
    let null = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec '{cairn}' --store 'oci:{}' images >/dev/null",
            layout.display()
        ))
        .output()
        .unwrap();
    assert_eq!(null.status.code(), Some(0), "{null:?}");
}

#[test]
fn the_browser_on_a_dumb_terminal_says_what_to_use_instead() {
    for term in [Some("dumb"), None] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
        command.args(["--store", &format!("oci:{}", demo().display())]);
        match term {
            Some(term) => command.env("TERM", term),
            None => command.env_remove("TERM"),
        };
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{term:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("TERM"), "{term:?}: {stderr}");
        assert!(stderr.contains("cairn images"), "{term:?}: {stderr}");
    }
}
