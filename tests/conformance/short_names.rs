//! Short names as podman resolves them, with a `registries.conf` (and drop-ins) this test
//! writes: for each name, the image `podman image inspect` finds (or that `podman image
//! exists` finds none) must be the one cairn finds, and `podman rmi` and `cairn rm` must
//! untag the same name. The same names are tried with the files and without them, so that
//! each case shows the files making the difference.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};

/// The fixture copied, with names that only registries.conf tells apart: `tool:1` in two
/// registries, and an image only an alias reaches.
struct Machine {
    _dirs: Vec<tempfile::TempDir>,
    store: PathBuf,
    home: PathBuf,
    conf: PathBuf,
}

fn podman_on(m: &Machine, rest: &[&str], files: Files) -> std::process::Output {
    on("podman", m, rest, files)
}

fn cairn_on(m: &Machine, rest: &[&str], files: Files) -> std::process::Output {
    on(env!("CARGO_BIN_EXE_cairn"), m, rest, files)
}

/// Which registries.conf files a tool finds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Files {
    /// The test's registries.conf (`CONTAINERS_REGISTRIES_CONF`) and a home with a drop-in.
    Test,
    /// An empty registries.conf and an empty home: the machine's own registries.conf must
    /// not decide the case.
    Empty,
    /// No `CONTAINERS_REGISTRIES_CONF`; a user's registries.conf and drop-in both in the
    /// home's `.config` and in an `XDG_CONFIG_HOME` elsewhere, which disagree.
    XdgElsewhere,
    /// No `CONTAINERS_REGISTRIES_CONF` and no `HOME`: the same home as `XdgElsewhere`, put
    /// where the password database says this user's home is, in a mount namespace of the
    /// tool's own.
    NoHome,
}

/// Runs a tool on the store with the registries.conf files `files` says.
fn on(program: &str, m: &Machine, rest: &[&str], files: Files) -> std::process::Output {
    let dir = m.home.parent().unwrap();
    let (empty_conf, empty_home) = (dir.join("empty.conf"), dir.join("empty-home"));
    let (xdg_home, xdg_config) = (dir.join("xdg-home"), dir.join("xdg-config"));
    let env: Vec<(&str, &Path)> = match files {
        Files::Test => vec![("CONTAINERS_REGISTRIES_CONF", &m.conf), ("HOME", &m.home)],
        Files::Empty => vec![
            ("CONTAINERS_REGISTRIES_CONF", &empty_conf),
            ("HOME", &empty_home),
        ],
        Files::XdgElsewhere => vec![("HOME", &xdg_home), ("XDG_CONFIG_HOME", &xdg_config)],
        Files::NoHome => vec![],
    };
    let flags = store_flags(&m.store.join("root"), &m.store.join("run"));
    let mut command = match files {
        Files::NoHome => {
            let mut command = std::process::Command::new("unshare");
            command
                .args(["--mount", "sh", "-c"])
                .arg(r#"mount --bind "$0" "$1" && shift && exec "$@""#)
                .arg(&xdg_home)
                .arg(password_database_home())
                .arg(program);
            command.env_remove("HOME").env_remove("XDG_CONFIG_HOME");
            command
        }
        _ => std::process::Command::new(program),
    };
    command.args(args(&flags, rest)).envs(env);
    if matches!(files, Files::XdgElsewhere | Files::NoHome) {
        command.env_remove("CONTAINERS_REGISTRIES_CONF");
        command.env_remove("REGISTRIES_CONFIG_PATH");
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"))
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
    // The same short names aliased one way in the home's `.config` and another in
    // `XDG_CONFIG_HOME`: quay.io/team/special has tags latest and 2, quay.io/tool tag 1.
    for (config, to) in [
        (
            files.path().join("xdg-home/.config"),
            "quay.io/team/special",
        ),
        (files.path().join("xdg-config"), "quay.io/tool"),
    ] {
        let dir = config.join("containers/registries.conf.d");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            config.join("containers/registries.conf"),
            format!("[aliases]\n\"picked\" = \"{to}\"\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("50-cairn-test.conf"),
            format!("[aliases]\n\"dropped\" = \"{to}\"\n"),
        )
        .unwrap();
    }
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
        ok(
            podman_on(&m, &["tag", image, name], Files::Empty),
            "podman tag",
        );
    }
    m
}

/// The image ID podman finds for `name`, or None when it finds none.
fn podman_finds(m: &Machine, name: &str, files: Files) -> Option<String> {
    let exists = podman_on(m, &["image", "exists", name], files);
    let inspect = podman_on(m, &["image", "inspect", "--format", "{{.Id}}", name], files);
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
fn cairn_finds(m: &Machine, name: &str, files: Files) -> Option<String> {
    let cairn = cairn_on(m, &["tree", name], files);
    let podman = podman_on(m, &["image", "tree", name], files);
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
    let full = podman_finds(m, name, files)?;
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
        for files in [Files::Test, Files::Empty] {
            let podman = podman_finds(&m, name, files);
            let cairn = cairn_finds(&m, name, files);
            assert_eq!(cairn, podman, "{name} ({files:?})");
        }
        if podman_finds(&m, name, Files::Test) != podman_finds(&m, name, Files::Empty) {
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
        let cairn = ok(
            cairn_on(&m, &["rm", "--dry-run", name], Files::Test),
            "cairn rm",
        );
        let podman = ok(podman_on(&m, &["rmi", name], Files::Test), "podman rmi");
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
        let podman = podman_finds(&m, name, Files::Test);
        let cairn = cairn_finds(&m, name, Files::Test);
        assert_eq!(cairn, podman, "{name}");
    }
    assert_eq!(podman_finds(&m, "base:1", Files::Test), None);
}

/// With `files`, cairn finds what podman finds for the names the user's files alias, and
/// that is what the home's files say: their aliases (quay.io/team/special) find tag 2 and not
/// tag 1, where the `XDG_CONFIG_HOME` ones (quay.io/tool) would find it the other way round.
fn the_homes_files_decide(files: Files) {
    let m = machine();
    let mut found = Vec::new();
    for name in ["picked:2", "picked:1", "dropped:2", "dropped:1"] {
        let podman = podman_finds(&m, name, files);
        let cairn = cairn_finds(&m, name, files);
        assert_eq!(cairn, podman, "{name} ({files:?})");
        found.push(podman.is_some());
    }
    assert_eq!(found, [true, false, true, false], "{files:?}");
}

/// podman (containers/image's `sysregistriesv2`) reads the user's registries.conf and its
/// drop-ins from `$HOME/.config/containers`, never from `$XDG_CONFIG_HOME`, and so does
/// cairn: with the two folders apart and disagreeing, both find what the home's files say.
#[test]
fn the_users_registries_conf_is_the_homes_whatever_xdg_config_home_says() {
    the_homes_files_decide(Files::XdgElsewhere);
}

/// Without `HOME`, podman (containers/storage's `homedir.Get`) takes the user's home from the
/// password database, and so does cairn.
#[test]
fn without_home_the_users_registries_conf_is_the_password_databases_home() {
    require("unshare");
    the_homes_files_decide(Files::NoHome);
}
