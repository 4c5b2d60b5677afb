//! Short names as podman resolves them, with a `registries.conf` (and drop-ins) this test
//! writes: for each name, the image `podman image inspect` finds (or that `podman image
//! exists` finds none) must be the one cairn finds, and `podman rmi` and `cairn rm` must
//! untag the same name. The same names are tried with the files and without them, so that
//! each case shows the files making the difference.

use crate::common;

use common::*;
use std::path::PathBuf;

/// The fixture copied, with names that only registries.conf tells apart: `tool:1` in two
/// registries, and an image only an alias reaches.
struct Machine {
    _dirs: Vec<tempfile::TempDir>,
    store: PathBuf,
    home: PathBuf,
    conf: PathBuf,
}

fn podman_on(m: &Machine, rest: &[&str], with_files: bool) -> std::process::Output {
    on("podman", m, rest, with_files)
}

fn cairn_on(m: &Machine, rest: &[&str], with_files: bool) -> std::process::Output {
    on(env!("CARGO_BIN_EXE_cairn"), m, rest, with_files)
}

/// Runs a tool on the store with, `with_files`, the test's registries.conf and a home with
/// its drop-in; else an empty registries.conf and an empty home (the machine's own
/// registries.conf must not decide the case).
fn on(program: &str, m: &Machine, rest: &[&str], with_files: bool) -> std::process::Output {
    let files = m.home.parent().unwrap();
    let (conf, home) = match with_files {
        true => (m.conf.clone(), m.home.clone()),
        false => (files.join("empty.conf"), files.join("empty-home")),
    };
    let flags = store_flags(&m.store.join("root"), &m.store.join("run"));
    run(
        program,
        &args(&flags, rest),
        &[
            ("CONTAINERS_REGISTRIES_CONF", conf.as_path()),
            ("HOME", home.as_path()),
        ],
    )
}

fn machine() -> Machine {
    require("podman");
    let (dir, store) = copy_store(shared_fixture());
    let files = tempfile::tempdir().unwrap();
    let home = files.path().join("home");
    std::fs::create_dir_all(home.join(".config/containers/registries.conf.d")).unwrap();
    std::fs::write(files.path().join("empty.conf"), "").unwrap();
    std::fs::create_dir_all(files.path().join("empty-home")).unwrap();
    let conf = files.path().join("registries.conf");
    std::fs::write(
        &conf,
        "unqualified-search-registries = [\"registry.example.com\", \"docker.io\"]\n\n[aliases]\n\"mytool\" = \"quay.io/team/special\"\n\"base\" = \"\"\n",
    )
    .unwrap();
    // A user's drop-in replaces the search list and adds an alias.
    std::fs::write(
        home.join(".config/containers/registries.conf.d/50-cairn-test.conf"),
        "unqualified-search-registries = [\"registry.example.com\", \"quay.io\", \"docker.io\"]\n[aliases]\n\"cairn-aliased\" = \"quay.io/team/special\"\n",
    )
    .unwrap();
    let m = Machine {
        _dirs: vec![dir, files],
        store,
        home,
        conf,
    };
    for (image, name) in [
        ("localhost/base:1", "docker.io/library/tool:1"),
        ("localhost/side:1", "quay.io/tool:1"),
        ("localhost/mid:1", "quay.io/team/special:latest"),
        ("localhost/mid:1", "quay.io/team/special:2"),
    ] {
        ok(podman_on(&m, &["tag", image, name], false), "podman tag");
    }
    m
}

/// The image ID podman finds for `name`, or None when it finds none.
fn podman_finds(m: &Machine, name: &str, with_files: bool) -> Option<String> {
    let exists = podman_on(m, &["image", "exists", name], with_files);
    let inspect = podman_on(
        m,
        &["image", "inspect", "--format", "{{.Id}}", name],
        with_files,
    );
    assert_eq!(
        exists.status.success(),
        inspect.status.success(),
        "{name}: {}",
        stderr(&inspect)
    );
    inspect
        .status
        .success()
        .then(|| stdout(&inspect).trim().to_string())
}

/// The image ID cairn finds for `name`, or None, as `cairn tree` shows it; `podman image
/// tree` must show the same tree.
fn cairn_finds(m: &Machine, name: &str, with_files: bool) -> Option<String> {
    let cairn = cairn_on(m, &["tree", name], with_files);
    let podman = podman_on(m, &["image", "tree", name], with_files);
    assert_eq!(cairn.status.success(), podman.status.success(), "{name}");
    assert_eq!(stdout(&cairn), stdout(&podman), "{name}");
    if !cairn.status.success() {
        assert!(
            stderr(&cairn).contains(&format!("{name}: image not known")),
            "{name}: {}",
            stderr(&cairn)
        );
        return None;
    }
    let text = stdout(&cairn);
    let short = text.lines().next()?.strip_prefix("Image ID: ")?.to_string();
    let full = podman_finds(m, name, with_files)?;
    full.starts_with(&short).then_some(full)
}

#[test]
fn short_names_resolve_as_podman_resolves_them_with_registries_conf() {
    let m = machine();
    let names = [
        "tool:1",          // quay.io/tool:1 by the drop-in's search list; docker.io's without
        "mytool",          // an alias from registries.conf
        "mytool:2",        // the alias keeps the tag
        "cairn-aliased:2", // an alias from the user's drop-in
        "base:1",          // localhost comes before everything; an empty alias is none
        "special:2",       // the repository-suffix rule, after the candidates
        "nosuch",
    ];
    let mut differed = 0;
    for name in names {
        for with_files in [true, false] {
            let podman = podman_finds(&m, name, with_files);
            let cairn = cairn_finds(&m, name, with_files);
            assert_eq!(cairn, podman, "{name} (registries.conf: {with_files})");
        }
        if podman_finds(&m, name, true) != podman_finds(&m, name, false) {
            differed += 1;
        }
    }
    assert!(differed >= 3, "the files decide some of the cases");
}

/// `rm` of a short name untags the name the short name stands for, as `podman rmi` does.
#[test]
fn rm_by_a_short_name_untags_the_name_it_resolves_to() {
    let m = machine();
    for name in ["tool:1", "mytool:2"] {
        let cairn = ok(cairn_on(&m, &["rm", "--dry-run", name], true), "cairn rm");
        let podman = ok(podman_on(&m, &["rmi", name], true), "podman rmi");
        let untagged = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| l.starts_with("Untagged: "))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(untagged(&cairn), untagged(&podman), "{name}");
        assert_eq!(untagged(&podman).len(), 1, "{podman}");
    }
}

/// A registries.conf podman cannot read: it knows no image by a short name, and cairn
/// neither; full names still resolve.
#[test]
fn a_broken_registries_conf_knows_no_short_name() {
    let m = machine();
    std::fs::write(&m.conf, "unqualified-search-registries = [\n").unwrap();
    for name in ["base:1", "tool:1", "localhost/base:1"] {
        let podman = podman_finds(&m, name, true);
        let cairn = cairn_finds(&m, name, true);
        assert_eq!(cairn, podman, "{name}");
    }
    assert_eq!(podman_finds(&m, "base:1", true), None);
}
