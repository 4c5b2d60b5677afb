//! cairn against a real Docker Engine (Debian's docker.io 20.10, a private daemon per test):
//! for each scenario, cairn's dry run on a copy of the fixture must print what `docker rmi`
//! or `docker image prune` then really prints there (records, errors, exit code), and
//! `cairn rm` on a second copy must print the same and leave the same images and containers.
//! The scenarios are those of docs/research/docker-20.10.md.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use common::docker::{Daemon, docker_fixture, short};
use std::process::Output;

/// What a scenario does before the command.
enum Setup {
    /// A docker CLI command.
    Docker(&'static [&'static str]),
    /// A container that keeps running, on this image, with this name.
    Run(&'static str, &'static str),
}

/// The command compared.
enum Command {
    /// `docker rmi ARGS` / `cairn rm ARGS`.
    Rmi(&'static [&'static str]),
    /// `docker image prune -f [-a]` / `cairn prune [-a]`.
    Prune { all: bool },
}

/// `@NAME` is the full ID of the fixture's image NAME (fixture.env), `%NAME` its 12 digits.
fn expand(daemon: &Daemon, arg: &str) -> String {
    let id = |name: &str| {
        daemon
            .ids()
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in fixture.env"))
            .clone()
    };
    if let Some(name) = arg.strip_prefix('@') {
        id(name)
    } else if let Some(name) = arg.strip_prefix('%') {
        short(&id(name)).to_string()
    } else {
        arg.to_string()
    }
}

/// Sets the daemon up; returns the IDs of the containers started, which differ from one
/// daemon to the other.
fn prepare(daemon: &Daemon, setup: &[Setup]) -> Vec<String> {
    let mut started = Vec::new();
    for step in setup {
        match step {
            Setup::Docker(args) => {
                let args: Vec<String> = args.iter().map(|a| expand(daemon, a)).collect();
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                common::ok(daemon.docker(&args), &format!("docker {}", args.join(" ")));
            }
            Setup::Run(image, name) => started.push(daemon.run_detached(image, name)),
        }
    }
    started
}

/// The text with the containers started for the scenario named by their place, not their
/// ID, so that the two daemons' outputs compare.
fn neutral(text: &str, started: &[String]) -> String {
    started
        .iter()
        .enumerate()
        .fold(text.to_string(), |text, (i, id)| {
            text.replace(short(id), &format!("<container {i}>"))
        })
}

fn cairn(daemon: &Daemon, args: &[String]) -> Output {
    let mut all = vec!["--store".to_string(), format!("docker:{}", daemon.host())];
    all.extend(args.iter().cloned());
    common::cairn(&all)
}

/// The docker CLI's and cairn's arguments for the command.
fn arguments(daemon: &Daemon, command: &Command) -> (Vec<String>, Vec<String>) {
    match command {
        Command::Rmi(args) => {
            let args: Vec<String> = args.iter().map(|a| expand(daemon, a)).collect();
            let docker = ["rmi".to_string()]
                .into_iter()
                .chain(args.clone())
                .collect();
            let cairn = ["rm".to_string()].into_iter().chain(args).collect();
            (docker, cairn)
        }
        Command::Prune { all } => {
            let mut docker = vec!["image".to_string(), "prune".into(), "-f".into()];
            let mut cairn = vec!["prune".to_string()];
            if *all {
                docker.push("-a".into());
                cairn.push("-a".into());
            }
            (docker, cairn)
        }
    }
}

/// Lines to compare: in order, except where docker's own order is random (`prune -a` walks
/// a Go map).
fn lines(text: &str, ordered: bool) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if !ordered {
        lines.sort();
    }
    lines
}

fn check(setup: &[Setup], command: Command) {
    let fixture = docker_fixture();
    let theirs = Daemon::start(fixture);
    let ours = Daemon::start(fixture);
    let their_containers = prepare(&theirs, setup);
    let our_containers = prepare(&ours, setup);
    let (docker_args, cairn_args) = arguments(&theirs, &command);
    let ordered = !matches!(command, Command::Prune { all: true });

    // The preview, on the daemon docker is about to change.
    let mut dry = cairn_args.clone();
    dry.push("--dry-run".into());
    let preview = cairn(&theirs, &dry);
    let mut dry_json = dry.clone();
    dry_json.push("--json".into());
    let preview_json = cairn(&theirs, &dry_json);
    let before = (theirs.images_state(), theirs.containers_state());

    let docker_refs: Vec<&str> = docker_args.iter().map(String::as_str).collect();
    let real = theirs.docker(&docker_refs);
    let real_out = common::stdout(&real);
    let what = format!("docker {}", docker_args.join(" "));

    // The dry run changed nothing and said what docker then did.
    assert_ne!(
        before,
        (Vec::new(), Vec::new()),
        "the fixture has images and containers"
    );
    let mut said = lines(&common::stdout(&preview), true);
    let summary: Vec<String> = said.drain(said.len().saturating_sub(2)..).collect();
    assert!(
        summary.iter().any(|l| l == "Dry run: nothing was changed."),
        "{what}: {summary:?}"
    );
    assert_eq!(
        lines(&said.join("\n"), ordered),
        lines(&real_out, ordered),
        "{what}: the preview's records"
    );
    assert_eq!(
        common::stderr(&preview),
        common::stderr(&real),
        "{what}: the preview's errors"
    );
    assert_eq!(
        preview.status.code(),
        real.status.code(),
        "{what}: the preview's exit code"
    );

    // The JSON plan holds the same records, in the Engine API's words.
    let plan: serde_json::Value = serde_json::from_slice(&preview_json.stdout)
        .unwrap_or_else(|e| panic!("{what}: JSON plan: {e}\n{}", common::stdout(&preview_json)));
    let records: Vec<String> = plan["records"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|record| match (&record["Untagged"], &record["Deleted"]) {
                    (serde_json::Value::String(n), _) => format!("Untagged: {n}"),
                    (_, serde_json::Value::String(d)) => format!("Deleted: {d}"),
                    _ => panic!("{what}: a record that is neither: {record}"),
                })
                .collect()
        })
        .unwrap_or_default();
    let expected: Vec<String> = match command {
        Command::Rmi(_) => lines(&real_out, true),
        Command::Prune { .. } => real_out
            .lines()
            .filter_map(|l| {
                l.strip_prefix("untagged: ")
                    .map(|n| format!("Untagged: {n}"))
                    .or_else(|| l.strip_prefix("deleted: ").map(|d| format!("Deleted: {d}")))
            })
            .collect(),
    };
    assert_eq!(
        lines(&records.join("\n"), ordered),
        lines(&expected.join("\n"), ordered),
        "{what}: the JSON plan's records"
    );

    // cairn itself, on the twin daemon: the same output and the same end state.
    let applied = cairn(&ours, &cairn_args);
    assert_eq!(
        lines(&common::stdout(&applied), ordered),
        lines(&real_out, ordered),
        "{what}: cairn's records"
    );
    assert_eq!(
        neutral(&common::stderr(&applied), &our_containers),
        neutral(&common::stderr(&real), &their_containers),
        "{what}: cairn's errors"
    );
    assert_eq!(
        applied.status.code(),
        real.status.code(),
        "{what}: cairn's exit code"
    );
    assert_eq!(
        ours.images_state(),
        theirs.images_state(),
        "{what}: images left"
    );
    assert_eq!(
        ours.containers_state(),
        theirs.containers_state(),
        "{what}: containers left"
    );
}

// docker rmi by tag.

#[test]
fn a_tag_with_other_tags_left_is_only_untagged() {
    check(&[], Command::Rmi(&["app:latest"]));
}

#[test]
fn the_last_tag_of_an_image_a_stopped_container_uses_needs_force() {
    check(&[], Command::Rmi(&["on-untagged:1"]));
}

#[test]
fn forced_the_last_tag_goes_with_the_image_and_its_untagged_parent() {
    check(&[], Command::Rmi(&["-f", "on-untagged:1"]));
}

#[test]
fn the_last_tag_of_an_image_with_children_is_only_untagged() {
    check(&[], Command::Rmi(&["side:1"]));
}

#[test]
fn untagged_parents_go_with_the_child_and_free_their_layers() {
    check(
        &[Setup::Docker(&["rm", "leaf-created"])],
        Command::Rmi(&["on-untagged:1"]),
    );
}

#[test]
fn a_chain_of_config_only_steps_goes_without_layers() {
    check(&[], Command::Rmi(&["mid-cfg:1"]));
}

#[test]
fn no_prune_keeps_the_untagged_parent() {
    check(&[], Command::Rmi(&["--no-prune", "mid-cfg:1"]));
}

// docker rmi by ID.

#[test]
fn an_image_with_several_tags_needs_force_by_id() {
    check(&[], Command::Rmi(&["%APP"]));
}

#[test]
fn forced_by_id_every_tag_goes_and_a_stopped_container_keeps_the_layers() {
    check(&[], Command::Rmi(&["-f", "@APP"]));
}

#[test]
fn forced_by_id_without_containers_the_layers_go_too() {
    check(
        &[Setup::Docker(&["rm", "app-created"])],
        Command::Rmi(&["-f", "%APP"]),
    );
}

#[test]
fn an_image_with_children_cannot_be_removed_even_forced() {
    check(&[], Command::Rmi(&["-f", "%SIDE"]));
    check(&[], Command::Rmi(&["%INTER"]));
}

#[test]
fn an_image_a_stopped_container_uses_needs_force_by_id() {
    check(&[], Command::Rmi(&["%ON_UNTAGGED"]));
}

#[test]
fn a_dangling_image_goes_by_id_with_its_layer() {
    check(&[], Command::Rmi(&["%DANGLING"]));
}

// Running containers: refused even with force; untagging is all force does.

#[test]
fn a_running_containers_image_cannot_be_removed_by_id_even_forced() {
    check(
        &[Setup::Run("bb:1", "runner")],
        Command::Rmi(&["-f", "%BB"]),
    );
}

#[test]
fn a_running_containers_last_tag_needs_force_and_then_only_untags() {
    check(
        &[Setup::Run("bb:1", "runner")],
        Command::Rmi(&["bb:1", "bb:2"]),
    );
    check(
        &[Setup::Run("bb:1", "runner")],
        Command::Rmi(&["-f", "bb:1", "bb:2"]),
    );
}

// Several references, unknown and invalid ones.

#[test]
fn several_references_each_in_turn_with_every_error_at_the_end() {
    check(
        &[],
        Command::Rmi(&[
            "app:latest",
            "nosuch:1",
            "mid-cfg:1",
            "%SIDE",
            "example/app:stable",
        ]),
    );
}

#[test]
fn unknown_images_are_an_error_unless_forced() {
    check(&[], Command::Rmi(&["nosuch:1", "0123456789ab"]));
    check(&[], Command::Rmi(&["-f", "nosuch:1", "app:latest"]));
    check(&[], Command::Rmi(&["Bad:Name"]));
}

#[test]
fn the_same_image_twice_is_gone_the_second_time() {
    check(
        &[Setup::Docker(&["rm", "leaf-created"])],
        Command::Rmi(&["on-untagged:1", "%ON_UNTAGGED"]),
    );
}

// docker image prune.

#[test]
fn prune_removes_dangling_images_not_used_by_a_container() {
    check(&[], Command::Prune { all: false });
    check(
        &[
            Setup::Docker(&["rmi", "--no-prune", "mid-cfg:1"]),
            Setup::Docker(&["create", "--name", "dangling-created", "%DANGLING", "/x"]),
        ],
        Command::Prune { all: false },
    );
}

#[test]
fn prune_all_untags_what_containers_keep_and_removes_the_rest() {
    check(&[], Command::Prune { all: true });
    check(
        &[Setup::Docker(&[
            "rm",
            "app-created",
            "base-created",
            "mid-created",
            "leaf-created",
        ])],
        Command::Prune { all: true },
    );
}
