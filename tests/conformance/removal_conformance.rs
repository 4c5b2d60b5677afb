//! `cairn rm`, `prune`, `tag` and `untag` against real podman, scenario by scenario. Each
//! scenario runs on three copies of one store: cairn's dry run on the first (which must stay
//! byte-identical), podman on the second, cairn for real on the third. The plan must be what
//! podman did, the two changed stores must be the same, and podman must read cairn's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Copies {
    _dirs: Vec<tempfile::TempDir>,
    dry: PathBuf,
    podman: PathBuf,
    cairn: PathBuf,
}

fn copies() -> Copies {
    let fixture = shared_fixture();
    let (a, dry) = copy_store(fixture);
    let (b, podman) = copy_store(fixture);
    let (c, cairn) = copy_store(fixture);
    Copies {
        _dirs: vec![a, b, c],
        dry,
        podman,
        cairn,
    }
}

/// How a scenario selects the store: podman's flags, or the storage.conf that adds the
/// read-only image store.
#[derive(Clone, Copy, PartialEq)]
enum Select {
    Flags,
    Conf,
}

fn run_on(program: &str, store: &Path, select: Select, rest: &[&str]) -> Output {
    match select {
        Select::Flags => run(
            program,
            &args(&store_flags(&store.join("root"), &store.join("run")), rest),
            &[],
        ),
        Select::Conf => {
            let conf = store.join("storage.conf");
            run(
                program,
                &args(&[], rest),
                &[("CONTAINERS_STORAGE_CONF", conf.as_path())],
            )
        }
    }
}

fn cairn_on(store: &Path, select: Select, rest: &[&str]) -> Output {
    run_on(env!("CARGO_BIN_EXE_cairn"), store, select, rest)
}

fn records(store: &Path, file: &str) -> BTreeMap<String, Value> {
    let path = store.join("root").join(file);
    let text = std::fs::read(&path).unwrap_or_default();
    if text.is_empty() {
        return BTreeMap::new();
    }
    serde_json::from_slice::<Vec<Value>>(&text)
        .unwrap()
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect()
}

/// What the store holds, as podman's records plus the files a removal touches.
#[derive(Debug, PartialEq)]
struct State {
    images: BTreeMap<String, Value>,
    layers: BTreeMap<String, Value>,
    containers: BTreeSet<String>,
    files: BTreeSet<String>,
}

fn state(store: &Path) -> State {
    state_of(store, "vfs")
}

fn state_of(store: &Path, driver: &str) -> State {
    let files = walk(&store.join("root"))
        .into_iter()
        .filter(|p| {
            !p.starts_with("libpod")
                && !p.starts_with("tmp")
                && !p.ends_with(".lock")
                && !p.contains("/.tmp-")
        })
        .collect();
    State {
        images: records(store, &format!("{driver}-images/images.json")),
        layers: records(store, &format!("{driver}-layers/layers.json")),
        containers: records(store, &format!("{driver}-containers/containers.json"))
            .into_keys()
            .collect(),
        files,
    }
}

fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

fn lines_with(text: &str, prefix: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(String::from)
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Runs one removal scenario: `podman_args` for podman (e.g. `rmi -f X`), `cairn_args` for
/// cairn (e.g. `rm -f X`), and checks everything the issue names.
fn removal_scenario(select: Select, podman_args: &[&str], cairn_args: &[&str]) -> Value {
    let copies = copies();
    let what = format!("{podman_args:?}");

    // 1. The dry run: a plan, and not one byte changed.
    let before = tree_digest(&copies.dry);
    let mut dry_args = cairn_args.to_vec();
    dry_args.extend(["--dry-run", "--json"]);
    let dry = cairn_on(&copies.dry, select, &dry_args);
    assert!(!stderr(&dry).contains("panicked"), "{}", stderr(&dry));
    let plan: Value = serde_json::from_str(&stdout(&dry))
        .unwrap_or_else(|e| panic!("{what}: {e}: {}", stdout(&dry)));
    assert_eq!(
        before,
        tree_digest(&copies.dry),
        "{what}: the dry run changed the store"
    );

    // 2. podman does it.
    let start = state(&copies.podman);
    let p = run_on("podman", &copies.podman, select, podman_args);
    let end = state(&copies.podman);
    let podman_out = stdout(&p);

    // The plan is podman's effect.
    assert_eq!(
        dry.status.code(),
        p.status.code(),
        "{what}: exit code; podman said {}",
        stderr(&p)
    );
    if podman_args[0] == "image" {
        // `image prune` prints the ID of every image whose record went.
        let printed: Vec<String> = podman_out.lines().map(String::from).collect();
        assert_eq!(strings(&plan["records_deleted"]), printed, "{what}: pruned");
    } else {
        assert_eq!(
            strings(&plan["untagged"]),
            lines_with(&podman_out, "Untagged: "),
            "{what}: untagged"
        );
        assert_eq!(
            strings(&plan["deleted"]),
            lines_with(&podman_out, "Deleted: "),
            "{what}: deleted"
        );
    }
    let gone = |a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>| -> BTreeSet<String> {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
    };
    let plan_set = |key: &str| strings(&plan[key]).into_iter().collect::<BTreeSet<_>>();
    assert_eq!(
        plan_set("records_deleted"),
        gone(&start.images, &end.images),
        "{what}: image records"
    );
    assert_eq!(
        plan_set("layers"),
        gone(&start.layers, &end.layers),
        "{what}: layers"
    );
    assert_eq!(
        plan_set("containers"),
        start
            .containers
            .difference(&end.containers)
            .cloned()
            .collect(),
        "{what}: containers"
    );
    let messages: Vec<String> = plan["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    for message in &messages {
        assert!(
            stderr(&p).contains(message.as_str()),
            "{what}: podman did not say {message:?}: {}",
            stderr(&p)
        );
    }
    assert_eq!(messages.is_empty(), p.status.success(), "{what}: errors");

    // 3. cairn does it: the same output, the same end state, and podman reads it.
    let c = cairn_on(&copies.cairn, select, cairn_args);
    assert_eq!(podman_out, stdout(&c), "{what}: output");
    assert_eq!(stderr(&p), stderr(&c), "{what}: errors");
    assert_eq!(p.status.code(), c.status.code(), "{what}: exit code");
    assert_eq!(end, state(&copies.cairn), "{what}: end state");
    let listing = |store: &Path| {
        ok(
            run_on(
                "podman",
                store,
                select,
                &["images", "-a", "--format", "json"],
            ),
            "podman images",
        )
    };
    let ids = |text: String| -> BTreeSet<String> {
        serde_json::from_str::<Value>(&text)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["Id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(listing(&copies.podman)),
        ids(listing(&copies.cairn)),
        "{what}: podman's view"
    );
    plan
}

#[test]
fn a_tag_of_an_image_with_several_names_is_only_untagged() {
    let plan = removal_scenario(
        Select::Flags,
        &["rmi", "localhost/app:1.0"],
        &["rm", "localhost/app:1.0"],
    );
    assert!(plan["records_deleted"].as_array().unwrap().is_empty());
}

#[test]
fn a_short_name_means_localhost_latest() {
    removal_scenario(Select::Flags, &["rmi", "app"], &["rm", "app"]);
}

#[test]
fn an_id_of_an_image_with_several_names_needs_force() {
    let plan = removal_scenario(Select::Flags, &["rmi", "3735c5f9"], &["rm", "3735c5f9"]);
    assert_eq!(plan["errors"].as_array().unwrap().len(), 1);
}

#[test]
fn a_digest_of_an_image_with_several_names_needs_force() {
    let id = image_id("localhost/app:1.0");
    let reference = format!("sha256:{id}");
    removal_scenario(Select::Flags, &["rmi", &reference], &["rm", &reference]);
}

#[test]
fn force_by_id_removes_the_containers_and_the_image() {
    let id = image_id("localhost/app:1.0");
    let plan = removal_scenario(Select::Flags, &["rmi", "-f", &id], &["rm", "-f", &id]);
    assert!(!plan["containers"].as_array().unwrap().is_empty());
    assert!(plan["reclaimed_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn an_image_used_by_a_container_is_refused() {
    removal_scenario(
        Select::Flags,
        &["rmi", "localhost/base:1"],
        &["rm", "localhost/base:1"],
    );
}

#[test]
fn an_image_with_children_loses_its_record_but_not_its_layers() {
    let plan = removal_scenario(
        Select::Flags,
        &["rmi", "-f", "localhost/base:1"],
        &["rm", "-f", "localhost/base:1"],
    );
    assert!(plan["deleted"].as_array().unwrap().is_empty());
    assert_eq!(plan["records_deleted"].as_array().unwrap().len(), 1);
}

#[test]
fn a_read_only_image_is_refused() {
    removal_scenario(
        Select::Conf,
        &["rmi", "localhost/ro:1"],
        &["rm", "localhost/ro:1"],
    );
}

#[test]
fn a_parent_left_dangling_is_removed_too() {
    let plan = removal_scenario(
        Select::Flags,
        &["rmi", "localhost/on-untagged:1"],
        &["rm", "localhost/on-untagged:1"],
    );
    assert_eq!(plan["deleted"].as_array().unwrap().len(), 2);
}

#[test]
fn no_prune_keeps_the_dangling_parent() {
    let plan = removal_scenario(
        Select::Flags,
        &["rmi", "--no-prune", "localhost/on-untagged:1"],
        &["rm", "--no-prune", "localhost/on-untagged:1"],
    );
    assert_eq!(plan["deleted"].as_array().unwrap().len(), 1);
}

#[test]
fn an_unknown_image_exits_1() {
    removal_scenario(Select::Flags, &["rmi", "nosuch"], &["rm", "nosuch"]);
}

#[test]
fn ignore_skips_unknown_images() {
    removal_scenario(
        Select::Flags,
        &["rmi", "--ignore", "nosuch", "localhost/side:1"],
        &["rm", "--ignore", "nosuch", "localhost/side:1"],
    );
}

#[test]
fn force_hides_unknown_images() {
    removal_scenario(
        Select::Flags,
        &["rmi", "-f", "nosuch", "localhost/mid-cfg:1"],
        &["rm", "-f", "nosuch", "localhost/mid-cfg:1"],
    );
}

#[test]
fn several_references_with_mixed_errors() {
    removal_scenario(
        Select::Flags,
        &["rmi", "nosuch", "localhost/base:1", "localhost/side:1"],
        &["rm", "nosuch", "localhost/base:1", "localhost/side:1"],
    );
}

#[test]
fn every_name_of_an_image_in_one_call() {
    removal_scenario(
        Select::Flags,
        &[
            "rmi",
            "localhost/app:1.0",
            "localhost/app:latest",
            "quay.io/example/app:stable",
        ],
        &[
            "rm",
            "localhost/app:1.0",
            "localhost/app:latest",
            "quay.io/example/app:stable",
        ],
    );
}

#[test]
fn a_dangling_image_by_id() {
    let id = dangling_id();
    removal_scenario(Select::Flags, &["rmi", &id], &["rm", &id]);
}

#[test]
fn a_config_only_child_takes_its_untagged_parent() {
    removal_scenario(
        Select::Flags,
        &["rmi", "localhost/mid-cfg:1"],
        &["rm", "localhost/mid-cfg:1"],
    );
}

#[test]
fn all_removes_what_it_can() {
    removal_scenario(Select::Flags, &["rmi", "--all"], &["rm", "--all"]);
}

#[test]
fn all_with_force_empties_the_store() {
    removal_scenario(
        Select::Flags,
        &["rmi", "--all", "--force"],
        &["rm", "--all", "--force"],
    );
}

#[test]
fn all_with_read_only_images() {
    removal_scenario(
        Select::Conf,
        &["rmi", "--all", "--force"],
        &["rm", "--all", "--force"],
    );
}

#[test]
fn prune_removes_dangling_images() {
    removal_scenario(Select::Flags, &["image", "prune", "-f"], &["prune"]);
}

#[test]
fn prune_all_removes_every_unused_image() {
    removal_scenario(
        Select::Conf,
        &["image", "prune", "-a", "-f"],
        &["prune", "--all"],
    );
}

fn image_id(name: &str) -> String {
    let fixture = shared_fixture();
    let out = ok(
        podman(&args(
            &fixture.flags(),
            &["image", "inspect", "--format", "{{.Id}}", name],
        )),
        "podman inspect",
    );
    out.trim().to_string()
}

fn dangling_id() -> String {
    let fixture = shared_fixture();
    let out = ok(
        podman(&args(
            &fixture.flags(),
            &[
                "images",
                "-a",
                "-q",
                "--no-trunc",
                "--filter",
                "dangling=true",
            ],
        )),
        "podman images",
    );
    out.lines()
        .next()
        .expect("a dangling image")
        .trim_start_matches("sha256:")
        .to_string()
}

/// Runs one names scenario (`tag` / `untag`) the same three ways.
fn names_scenario(podman_args: &[&str], cairn_args: &[&str]) -> Value {
    let copies = copies();
    let what = format!("{podman_args:?}");
    let before = tree_digest(&copies.dry);
    let mut dry_args = cairn_args.to_vec();
    dry_args.extend(["--dry-run", "--json"]);
    let dry = cairn_on(&copies.dry, Select::Flags, &dry_args);
    let plan: Value = serde_json::from_str(&stdout(&dry))
        .unwrap_or_else(|e| panic!("{what}: {e}: {}", stderr(&dry)));
    assert_eq!(
        before,
        tree_digest(&copies.dry),
        "{what}: the dry run changed the store"
    );

    let start = state(&copies.podman);
    let p = run_on("podman", &copies.podman, Select::Flags, podman_args);
    let end = state(&copies.podman);
    assert_eq!(
        dry.status.code(),
        p.status.code(),
        "{what}: exit code; podman said {}",
        stderr(&p)
    );
    let names = |s: &State| -> BTreeSet<String> {
        s.images
            .values()
            .flat_map(|i| i.get("names").map(strings).unwrap_or_default())
            .collect()
    };
    let added: BTreeSet<String> = names(&end).difference(&names(&start)).cloned().collect();
    let removed: BTreeSet<String> = names(&start).difference(&names(&end)).cloned().collect();
    let tagged: BTreeSet<String> = strings(&plan["tagged"]).into_iter().collect();
    let untagged: BTreeSet<String> = strings(&plan["untagged"]).into_iter().collect();
    assert_eq!(
        added,
        tagged.difference(&untagged).cloned().collect(),
        "{what}: names added"
    );
    assert_eq!(
        removed,
        untagged.difference(&tagged).cloned().collect(),
        "{what}: names removed"
    );
    for error in strings(&plan["errors"]) {
        assert!(
            stderr(&p).contains(&error),
            "{what}: podman did not say {error:?}: {}",
            stderr(&p)
        );
    }

    let c = cairn_on(&copies.cairn, Select::Flags, cairn_args);
    assert_eq!(stdout(&p), stdout(&c), "{what}: output");
    assert_eq!(stderr(&p), stderr(&c), "{what}: errors");
    assert_eq!(p.status.code(), c.status.code(), "{what}: exit code");
    assert_eq!(end, state(&copies.cairn), "{what}: end state");
    ok(
        run_on("podman", &copies.cairn, Select::Flags, &["images", "-a"]),
        "podman reads cairn's store",
    );
    plan
}

#[test]
fn tag_adds_a_normalized_name() {
    let plan = names_scenario(
        &["tag", "localhost/base:1", "extra", "quay.io/x/base:2"],
        &["tag", "localhost/base:1", "extra", "quay.io/x/base:2"],
    );
    assert_eq!(
        strings(&plan["tagged"]),
        vec!["localhost/extra:latest", "quay.io/x/base:2"]
    );
}

#[test]
fn tag_moves_a_name_from_another_image() {
    let plan = names_scenario(
        &["tag", "localhost/side:1", "localhost/mid:1"],
        &["tag", "localhost/side:1", "localhost/mid:1"],
    );
    assert_eq!(strings(&plan["untagged"]), vec!["localhost/mid:1"]);
}

#[test]
fn tag_stops_at_an_invalid_name() {
    names_scenario(
        &["tag", "localhost/base:1", "good:1", "Bad:1", "later:1"],
        &["tag", "localhost/base:1", "good:1", "Bad:1", "later:1"],
    );
}

#[test]
fn tag_by_digest_is_refused() {
    names_scenario(
        &["tag", "localhost/base:1", "sha256:abc"],
        &["tag", "localhost/base:1", "sha256:abc"],
    );
}

#[test]
fn untag_one_name() {
    names_scenario(
        &["untag", "localhost/app:1.0", "app:latest"],
        &["untag", "localhost/app:1.0", "app:latest"],
    );
}

#[test]
fn untag_every_name() {
    names_scenario(
        &["untag", "localhost/app:1.0"],
        &["untag", "localhost/app:1.0"],
    );
}

#[test]
fn untag_a_name_the_image_does_not_have() {
    names_scenario(
        &["untag", "localhost/app:1.0", "localhost/base:1"],
        &["untag", "localhost/app:1.0", "localhost/base:1"],
    );
}

/// The overlay driver keeps each layer in `overlay/ID` with a short link in `overlay/l`:
/// cairn must remove both, as podman does.
#[test]
fn overlay_layers_and_their_links_are_removed_like_podman_does() {
    require("buildah");
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("store");
    let script = r#"
        set -eu
        S="--root $1/root --runroot $1/run --storage-driver overlay"
        mkdir -p "$1/ctx"; echo a > "$1/ctx/a"; echo b > "$1/ctx/b"
        c=$(buildah $S from scratch); buildah $S copy -q $c "$1/ctx/a" /a >/dev/null
        buildah $S commit -q --rm $c localhost/obase:1 >/dev/null
        c=$(buildah $S from localhost/obase:1); buildah $S copy -q $c "$1/ctx/b" /b >/dev/null
        buildah $S commit -q --rm $c localhost/ochild:1 >/dev/null
        buildah $S from -q --name holder localhost/ochild:1 >/dev/null
    "#;
    let built = std::process::Command::new("bash")
        .args(["-c", script, "-"])
        .arg(&base)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let copy = |name: &str| {
        let to = dir.path().join(name);
        assert!(
            std::process::Command::new("cp")
                .arg("-a")
                .arg(&base)
                .arg(&to)
                .status()
                .unwrap()
                .success()
        );
        to
    };
    let (by_podman, by_cairn) = (copy("podman"), copy("cairn"));
    let flags = |store: &Path| -> Vec<String> {
        vec![
            "--root".into(),
            store.join("root").display().to_string(),
            "--runroot".into(),
            store.join("run").display().to_string(),
            "--storage-driver".into(),
            "overlay".into(),
        ]
    };
    let links = |store: &Path| {
        std::fs::read_dir(store.join("root/overlay/l"))
            .unwrap()
            .count()
    };
    let links_before = links(&by_cairn);
    let p = podman(&args(
        &flags(&by_podman),
        &["rmi", "-f", "localhost/ochild:1"],
    ));
    let c = cairn(&args(
        &flags(&by_cairn),
        &["rm", "-f", "localhost/ochild:1"],
    ));
    assert_eq!(stdout(&p), stdout(&c));
    assert_eq!(p.status.code(), c.status.code(), "{}", stderr(&c));
    assert_eq!(
        state_of(&by_podman, "overlay"),
        state_of(&by_cairn, "overlay")
    );
    assert!(
        links(&by_cairn) < links_before,
        "the removed layers' links are gone"
    );
    ok(
        podman(&args(&flags(&by_cairn), &["images", "-a"])),
        "podman reads cairn's overlay store",
    );
}
