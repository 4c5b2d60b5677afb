//! The harness of the Docker conformance tests: copies of the fixture daemon hold the fixture,
//! are independent of each other, run containers, and leave nothing behind, also when a test
//! fails.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use common::docker::{Daemon, alive, docker_fixture, short};
use common::ok;
use std::path::Path;

/// The fixture's names, each with the fixture.env variable of its image.
const NAMES: &[(&str, &str)] = &[
    ("app:1.0", "APP"),
    ("app:latest", "APP"),
    ("example/app:stable", "APP"),
    ("base:1", "BASE"),
    ("bb:1", "BB"),
    ("bb:2", "BB"),
    ("mid:1", "MID"),
    ("mid-cfg:1", "MID_CFG"),
    ("on-untagged:1", "ON_UNTAGGED"),
    ("side:1", "SIDE"),
    ("<none>:<none>", "APP_COPY_STEP"),
    ("<none>:<none>", "APP_ENV_STEP"),
    ("<none>:<none>", "DANGLING"),
    ("<none>:<none>", "INTER"),
    ("<none>:<none>", "MID_CFG_LABEL_STEP"),
];

const CONTAINERS: &[(&str, &str, &str)] = &[
    ("app-created", "app:1.0", "C_APP"),
    ("base-created", "base:1", "C_BASE"),
    ("leaf-created", "on-untagged:1", "C_LEAF"),
    ("mid-created", "mid:1", "C_MID"),
];

fn sorted(lines: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut lines: Vec<String> = lines.into_iter().collect();
    lines.sort();
    lines
}

/// The fixture's images as `images_state` shows them.
fn fixture_images(daemon: &Daemon) -> Vec<String> {
    sorted(
        NAMES
            .iter()
            .map(|(name, var)| format!("{} {name}", short(&daemon.ids()[*var]))),
    )
}

fn fixture_containers() -> Vec<String> {
    sorted(
        CONTAINERS
            .iter()
            .map(|(name, image, _)| format!("{name} {image}")),
    )
}

fn lines(daemon: &Daemon, args: &[&str]) -> Vec<String> {
    let text = ok(daemon.docker(args), &format!("docker {}", args.join(" ")));
    sorted(text.lines().map(str::to_string))
}

fn assert_gone(dir: &Path, pid: u32) {
    assert!(!dir.exists(), "{} is still there", dir.display());
    assert!(!alive(pid), "dockerd {pid} of {} still runs", dir.display());
}

#[test]
fn two_copies_at_once_hold_the_fixture_and_stay_apart() {
    let fixture = docker_fixture();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Daemon::start(fixture));
        let b = s.spawn(|| Daemon::start(fixture));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.dir(), b.dir());
    for daemon in [&a, &b] {
        assert_eq!(daemon.images_state(), fixture_images(daemon));
        assert_eq!(daemon.containers_state(), fixture_containers());
        // ids() names the images and containers the daemon has, by their full IDs.
        let full = sorted(
            NAMES
                .iter()
                .map(|(name, var)| format!("{} {name}", daemon.ids()[*var])),
        );
        let format = "{{.ID}} {{.Repository}}:{{.Tag}}";
        assert_eq!(
            lines(daemon, &["images", "-a", "--no-trunc", "--format", format]),
            full,
            "ids() does not match `docker images --no-trunc`"
        );
        let containers = sorted(
            CONTAINERS
                .iter()
                .map(|(name, _, var)| format!("{} {name}", daemon.ids()[*var])),
        );
        let format = "{{.ID}} {{.Names}}";
        assert_eq!(
            lines(daemon, &["ps", "-a", "--no-trunc", "--format", format]),
            containers
        );
    }

    ok(a.docker(&["tag", "base:1", "only-in-a:1"]), "docker tag");
    ok(a.docker(&["rm", "mid-created"]), "docker rm");
    ok(a.docker(&["rmi", "side:1"]), "docker rmi side:1");
    let mut changed = fixture_images(&a);
    // side:1 has a child: only its tag goes.
    changed.retain(|line| !line.ends_with(" side:1"));
    changed.push(format!("{} <none>:<none>", short(&a.ids()["SIDE"])));
    changed.push(format!("{} only-in-a:1", short(&a.ids()["BASE"])));
    assert_eq!(a.images_state(), sorted(changed));
    let mut changed = fixture_containers();
    changed.retain(|line| !line.starts_with("mid-created "));
    assert_eq!(a.containers_state(), changed);
    assert_eq!(
        b.images_state(),
        fixture_images(&b),
        "a's changes show in b"
    );
    assert_eq!(b.containers_state(), fixture_containers());
}

#[test]
fn a_running_container_is_seen_and_stopped_with_its_daemon() {
    let daemon = Daemon::start(docker_fixture());
    let id = daemon.run_detached("bb:1", "runner");
    assert_eq!(id.len(), 64, "not a container ID: {id:?}");
    let pid: u32 = ok(
        daemon.docker(&["inspect", "-f", "{{.State.Pid}}", "runner"]),
        "docker inspect",
    )
    .trim()
    .parse()
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let ps = ok(
        daemon.docker(&[
            "ps",
            "--no-trunc",
            "--format",
            "{{.ID}} {{.Names}} {{.Status}}",
        ]),
        "docker ps",
    );
    assert!(
        ps.starts_with(&format!("{id} runner Up ")),
        "runner is not running: {ps}"
    );
    // Docker's own rule for running containers applies: the image cannot be removed, even forced.
    let rmi = daemon.docker(&["rmi", "-f", &daemon.ids()["BB"]]);
    assert!(
        !rmi.status.success() && common::stderr(&rmi).contains("being used by running container"),
        "{}",
        common::stderr(&rmi)
    );

    let (dir, dockerd) = (daemon.dir().to_path_buf(), daemon.pid());
    assert!(alive(dockerd) && alive(pid));
    drop(daemon);
    assert_gone(&dir, dockerd);
    assert!(
        !alive(pid),
        "the container's process {pid} survived its daemon"
    );
}

/// The copies run at other paths than the fixture was built at: every kind of change the
/// conformance tests make must work there.
#[test]
fn a_copy_elsewhere_takes_every_kind_of_change() {
    let daemon = Daemon::start(docker_fixture());
    let d = |args: &[&str]| ok(daemon.docker(args), &format!("docker {}", args.join(" ")));
    daemon.run_detached("bb:1", "runner");
    d(&["tag", "mid:1", "mid:again"]);
    d(&["rmi", "app:latest"]);
    d(&["rmi", "-f", "side:1"]);
    d(&["rm", "leaf-created", "app-created"]);
    d(&["rmi", &daemon.ids()["ON_UNTAGGED"]]);
    d(&["rmi", "--no-prune", "example/app:stable"]);
    d(&["rmi", "-f", &daemon.ids()["APP"]]);
    d(&["image", "prune", "-f"]);
    d(&["rm", "base-created", "mid-created"]);
    d(&["image", "prune", "-a", "-f"]);
    // prune -a removes tags one by one in random order, and keeps the last one of an image in use.
    let bb = short(&daemon.ids()["BB"]);
    let left = daemon.images_state();
    let kept = ["bb:1", "bb:2"]
        .into_iter()
        .find(|tag| left == [format!("{bb} {tag}")]);
    assert!(
        kept.is_some(),
        "only one tag of the running container's image should be left: {left:?}"
    );
    // A container shows its image by the name it was run with, or by ID once that name is gone.
    let shown = if kept == Some("bb:1") { "bb:1" } else { bb };
    assert_eq!(daemon.containers_state(), [format!("runner {shown}")]);
}

#[test]
fn a_failing_test_still_removes_its_daemon() {
    let fixture = docker_fixture();
    let mut seen = None;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let daemon = Daemon::start(fixture);
        seen = Some((daemon.dir().to_path_buf(), daemon.pid()));
        panic!("a failing assertion while holding a daemon");
    }));
    assert!(result.is_err());
    let (dir, pid) = seen.expect("the daemon started");
    assert_gone(&dir, pid);
}
