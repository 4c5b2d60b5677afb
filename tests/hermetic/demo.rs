//! The demo's scratch copy through the `cairn` binary, in a temporary data folder: made on
//! first use by `--store demo` (and as the fallback when the machine has no store), changed
//! by every command, put back by `cairn demo reset`, never seen half-written.

use crate::common::{stderr, stdout};
use std::path::Path;
use std::process::{Command, Output};

/// cairn with its data folder (and home) in `home`, so the copy goes there.
fn cairn_in(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("CONTAINERS_STORAGE_CONF")
        .env_remove("STORAGE_DRIVER")
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

fn demo(home: &Path, args: &[&str]) -> String {
    let mut all = vec!["--store", "demo"];
    all.extend(args);
    ok(cairn_in(home, &all))
}

#[test]
fn store_demo_makes_a_scratch_copy_on_first_use() {
    let home = tempfile::tempdir().unwrap();
    let copy = home.path().join("data/cairn/demo");
    assert!(!copy.exists());
    let images = demo(home.path(), &["images"]);
    assert!(images.contains("localhost/app"), "{images}");
    assert!(copy.join("index.json").is_file());
    assert!(copy.join("oci-layout").is_file());
    let path = ok(cairn_in(home.path(), &["demo", "path"]));
    assert_eq!(path, format!("{}\n", copy.display()));
    let verify = demo(home.path(), &["verify"]);
    assert!(verify.contains("0 mismatches"), "{verify}");
}

/// rm, tag, untag and prune: each previewed (nothing written) and applied on the copy; reset
/// puts back the demo as it came.
#[test]
fn every_change_is_previewed_and_applied_on_the_demo_then_reset() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let first = demo(h, &["images", "--all"]);
    let index = h.join("data/cairn/demo/index.json");
    let before = std::fs::read(&index).unwrap();

    let preview = demo(h, &["rm", "--dry-run", "localhost/side:1"]);
    assert!(
        preview.contains("Dry run: nothing was changed."),
        "{preview}"
    );
    assert_eq!(
        std::fs::read(&index).unwrap(),
        before,
        "a dry run writes nothing"
    );
    let removed = demo(h, &["rm", "localhost/side:1"]);
    assert!(removed.contains("Untagged: localhost/side:1"), "{removed}");
    assert!(!demo(h, &["images"]).contains("localhost/side"));

    demo(
        h,
        &["tag", "--dry-run", "localhost/base:1", "localhost/mine:1"],
    );
    assert!(!demo(h, &["images"]).contains("localhost/mine"));
    demo(h, &["tag", "localhost/base:1", "localhost/mine:1"]);
    assert!(demo(h, &["images"]).contains("localhost/mine"));
    demo(
        h,
        &["untag", "--dry-run", "localhost/base:1", "localhost/mine:1"],
    );
    assert!(demo(h, &["images"]).contains("localhost/mine"));
    demo(h, &["untag", "localhost/base:1", "localhost/mine:1"]);
    assert!(!demo(h, &["images"]).contains("localhost/mine"));

    let pruned = demo(h, &["prune", "--all", "--dry-run", "--json"]);
    let plan: serde_json::Value = serde_json::from_str(&pruned).unwrap();
    assert!(!plan["deleted"].as_array().unwrap().is_empty(), "{pruned}");
    demo(h, &["prune", "--all"]);
    assert_ne!(demo(h, &["images", "--all"]), first);

    let reset = ok(cairn_in(h, &["demo", "reset"]));
    assert!(reset.contains("as it came with cairn"), "{reset}");
    assert_eq!(demo(h, &["images", "--all"]), first);
    assert_eq!(std::fs::read(&index).unwrap(), before);
    let left = entries(&h.join("data/cairn"));
    assert_eq!(left, ["demo"], "reset leaves no temporary folder");
}

/// cairns started at once for the first time each find a whole copy, and one copy is left.
#[test]
fn concurrent_first_runs_never_see_a_half_written_demo() {
    let home = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_cairn"))
                .args(["--store", "demo", "verify"])
                .env("HOME", home.path())
                .env("XDG_DATA_HOME", home.path().join("data"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let text = ok(child.wait_with_output().unwrap());
        assert!(text.contains("0 mismatches"), "{text}");
    }
    let left = entries(&home.path().join("data/cairn"));
    assert_eq!(left, ["demo"]);
}

#[test]
fn store_demo_names_no_containers_storage() {
    let home = tempfile::tempdir().unwrap();
    let out = cairn_in(home.path(), &["--store", "demo", "--root", "/x", "images"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out),
        "Error: --store demo is not a containers-storage store: drop --root, --runroot and --storage-driver\n"
    );
}

/// cairn on a machine with no store, whatever this machine has: each place store discovery
/// looks is an empty folder under `home`, through the inputs podman and docker honour too:
/// the home and XDG folders, a `CONTAINERS_STORAGE_CONF` whose graph root (root) and
/// rootless storage path are empty, and a `DOCKER_HOST` socket that is not there.
fn cairn_with_no_store(home: &Path, args: &[&str]) -> Output {
    let conf = home.join("storage.conf");
    std::fs::write(
        &conf,
        format!(
            "[storage]\ngraphroot = {:?}\nrunroot = {:?}\nrootless_storage_path = {:?}\n",
            home.join("graphroot").display().to_string(),
            home.join("runroot").display().to_string(),
            home.join("graphroot").display().to_string(),
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("CONTAINERS_STORAGE_CONF", &conf)
        .env(
            "DOCKER_HOST",
            format!("unix://{}", home.join("docker.sock").display()),
        )
        .env_remove("STORAGE_DRIVER")
        .output()
        .unwrap()
}

/// With no store on the machine cairn opens the demo's copy and says so on stderr.
#[test]
fn with_no_store_on_the_machine_cairn_opens_the_demo_copy_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    let out = cairn_with_no_store(home.path(), &["images"]);
    let copy = home.path().join("data/cairn/demo");
    let notice = format!(
        "cairn: no image store found; showing the demo, a scratch copy at {} (changes are yours to make; cairn demo reset restores it)\n",
        copy.display()
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), notice);
    assert!(stdout(&out).contains("localhost/app"));
    assert!(copy.join("index.json").is_file());
}

/// The names in a folder: the demo's copy, and nothing a copy or a reset left behind.
fn entries(dir: &std::path::Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect()
}

/// Without `HOME`, unset or empty, cairn finds the user's home as podman does
/// (containers/storage's `homedir.Get`): in the password database. The demo's place, which
/// `demo path` prints without making it, is under that home's `.local/share`.
#[test]
fn without_home_the_demo_is_under_the_password_databases_home() {
    let home = crate::common::password_database_home();
    for empty in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
        command.args(["demo", "path"]).env_remove("XDG_DATA_HOME");
        match empty {
            true => command.env("HOME", ""),
            false => command.env_remove("HOME"),
        };
        let path = ok(command.output().unwrap());
        let expected = home.join(".local/share/cairn/demo");
        assert_eq!(
            path,
            format!("{}\n", expected.display()),
            "HOME empty: {empty}"
        );
    }
}
