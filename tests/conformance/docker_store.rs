//! Reading a real Docker Engine (a private dockerd 20.10 on a copy of the fixture): cairn's
//! `images`, `history`, lineage and sizes against the docker CLI's own answers; `tag` and
//! `untag` against `docker tag` and `docker rmi`; a `docker save` archive. (A daemon that is not
//! there is the hermetic tier's `docker_store`.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use common::docker::{Daemon, docker_fixture};
use std::process::Output;

fn cairn(daemon: &Daemon, args: &[&str]) -> Output {
    let mut all = vec!["--store".to_string(), format!("docker:{}", daemon.host())];
    all.extend(args.iter().map(|a| a.to_string()));
    common::cairn(&all)
}

/// A table's rows split into columns (the docker CLI pads them with at least 3 spaces),
/// without the CREATED column (an age, which may tick between two runs), sorted where
/// docker's order is not fixed (images created in the same second come in any order).
fn table(text: &str, created_column: usize, sort: bool) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|line| {
            line.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .enumerate()
                .filter(|&(i, _)| i != created_column)
                .map(|(_, c)| c.to_string())
                .collect()
        })
        .collect();
    if sort && rows.len() > 1 {
        rows[1..].sort();
    }
    rows
}

#[test]
fn images_are_listed_as_docker_lists_them() {
    let daemon = Daemon::start(docker_fixture());
    daemon.run_detached("bb:1", "runner");
    for args in [
        &["images"][..],
        &["images", "-a"],
        &["images", "-a", "--no-trunc"],
    ] {
        let ours = common::ok(cairn(&daemon, args), "cairn images");
        let theirs = common::ok(daemon.docker(args), "docker images");
        assert_eq!(
            table(&ours, 3, true),
            table(&theirs, 3, true),
            "{args:?}:\n{ours}\n{theirs}"
        );
    }
    let mut ours: Vec<String> = common::ok(cairn(&daemon, &["images", "-aq"]), "cairn")
        .lines()
        .map(String::from)
        .collect();
    let mut theirs: Vec<String> = common::ok(daemon.docker(&["images", "-aq"]), "docker")
        .lines()
        .map(String::from)
        .collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
}

#[test]
fn history_is_docker_history_for_every_image() {
    let daemon = Daemon::start(docker_fixture());
    let ids = common::ok(daemon.docker(&["images", "-aq"]), "docker images");
    let mut ids: Vec<&str> = ids.lines().collect();
    ids.dedup();
    assert!(ids.len() > 10, "{ids:?}");
    for id in ids {
        for extra in [&[][..], &["--no-trunc"], &["-H=false"], &["-q"]] {
            let mut args = vec!["history"];
            args.extend(extra);
            args.push(id);
            let ours = common::ok(cairn(&daemon, &args), "cairn history");
            let theirs = common::ok(daemon.docker(&args), "docker history");
            let created = if extra.contains(&"-q") { usize::MAX } else { 1 };
            assert_eq!(
                table(&ours, created, false),
                table(&theirs, created, false),
                "{args:?}:\n{ours}\n{theirs}"
            );
        }
    }
}

#[test]
fn lineage_follows_the_parents_docker_records() {
    let daemon = Daemon::start(docker_fixture());
    for (name, id) in daemon.ids() {
        if !id.starts_with("sha256:") {
            continue;
        }
        let out = common::ok(cairn(&daemon, &["lineage", "--json", id]), "cairn lineage");
        let lineage: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut chain: Vec<String> = Vec::new();
        let mut current = id.clone();
        loop {
            let parent = common::ok(
                daemon.docker(&["inspect", "--format", "{{.Parent}}", &current]),
                "docker inspect",
            );
            let parent = parent.trim().to_string();
            if parent.is_empty() {
                break;
            }
            chain.push(parent.trim_start_matches("sha256:").to_string());
            current = parent;
        }
        let ancestors: Vec<String> = lineage["ancestors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ancestors, chain, "the ancestors of {name}");
    }
}

/// `images --json` is `docker images --format '{{json .}}'`, field for field, with and
/// without `-a`: all of it from the daemon's listing, `Containers`, `SharedSize` and
/// `UniqueSize` being `N/A` as the listing leaves them (see `docker_requests` for the
/// requests).
#[test]
fn images_json_is_docker_images_format_json() {
    let daemon = Daemon::start(docker_fixture());
    for all in [&[][..], &["-a"]] {
        let objects = |text: &str| {
            let mut objects: Vec<serde_json::Value> = text
                .lines()
                .map(|l| {
                    let mut object: serde_json::Value = serde_json::from_str(l).unwrap();
                    // An age, which may tick between the two runs.
                    object["CreatedSince"].take();
                    object
                })
                .collect();
            objects.sort_by_key(|o| o.to_string());
            objects
        };
        let mut args = vec!["images"];
        args.extend(all);
        let ours = common::ok(
            cairn(&daemon, &[&args[..], &["--json"]].concat()),
            "cairn images",
        );
        let theirs = common::ok(
            daemon.docker(&[&args[..], &["--format", "{{json .}}"]].concat()),
            "docker images",
        );
        assert_eq!(objects(&ours), objects(&theirs), "{all:?}");
        assert!(objects(&ours).len() >= 8, "{ours}");
    }
}

#[test]
fn tag_and_untag_do_what_docker_tag_and_rmi_do() {
    let fixture = docker_fixture();
    let theirs = Daemon::start(fixture);
    let ours = Daemon::start(fixture);
    // A new name, and a name moved from another image.
    common::ok(theirs.docker(&["tag", "side:1", "side:2"]), "docker tag");
    common::ok(theirs.docker(&["tag", "base:1", "mid:1"]), "docker tag");
    let out = cairn(&ours, &["tag", "side:1", "side:2"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let preview = common::ok(
        cairn(&ours, &["tag", "--dry-run", "base:1", "mid:1"]),
        "cairn tag --dry-run",
    );
    assert_eq!(
        preview,
        "Tagged: mid:1\nUntagged: mid:1\nDry run: nothing was changed.\n"
    );
    let out = cairn(&ours, &["tag", "base:1", "mid:1"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(ours.images_state(), theirs.images_state());

    // Untagging a name while others are left is `docker rmi NAME`.
    common::ok(theirs.docker(&["rmi", "app:latest"]), "docker rmi");
    let out = cairn(&ours, &["untag", "app:1.0", "app:latest"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(ours.images_state(), theirs.images_state());

    // The last name of an image Docker would delete with it: refused, nothing changed.
    let before = ours.images_state();
    let out = cairn(&ours, &["untag", "mid-cfg:1", "mid-cfg:1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::stderr(&out).contains("Docker deletes image"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(ours.images_state(), before);
    // A bad name is refused in the docker CLI's words.
    let out = cairn(&ours, &["tag", "base:1", "Bad:Name"]);
    assert_eq!(out.status.code(), Some(1));
    let theirs_out = theirs.docker(&["tag", "base:1", "Bad:Name"]);
    assert_eq!(common::stderr(&out), common::stderr(&theirs_out));
}

/// `docker save` (20.10 writes the old form: `manifest.json`, `<id>.json` configs and
/// `<id>/layer.tar`) read as a `docker-archive:` store: every image with Docker's ID, its
/// names, its history and podman's lineage between them.
#[test]
fn a_real_docker_save_archive_is_read() {
    let daemon = Daemon::start(docker_fixture());
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("saved.tar");
    let names = ["base:1", "mid:1", "side:1", "app:1.0", "app:latest"];
    let mut args = vec!["save", "-o", archive.to_str().unwrap()];
    args.extend(names);
    common::ok(daemon.docker(&args), "docker save");
    let store = format!("docker-archive:{}", archive.display());
    let listed = common::ok(
        common::cairn(&[
            "--store".into(),
            store.clone(),
            "images".into(),
            "--json".into(),
        ]),
        "cairn images",
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let listed = listed.as_array().unwrap();
    for (name, variable) in [
        ("base:1", "BASE"),
        ("mid:1", "MID"),
        ("side:1", "SIDE"),
        ("app:1.0", "APP"),
    ] {
        let id = daemon.ids()[variable].trim_start_matches("sha256:");
        let image = listed.iter().find(|i| i["Id"] == id).unwrap_or_else(|| {
            panic!("{name} ({id}) is not in the archive's listing: {listed:#?}")
        });
        let image_names: Vec<&str> = image["Names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert!(
            image_names.iter().any(|n| n.ends_with(&format!("/{name}"))),
            "{name}: {image_names:?}"
        );
        assert!(image.get("Problems").is_none(), "{image}");
    }
    // base:1 is the parent of mid:1 and side:1 by podman's rule (one more step each).
    let base = daemon.ids()["BASE"].trim_start_matches("sha256:");
    for variable in ["MID", "SIDE"] {
        let id = daemon.ids()[variable].trim_start_matches("sha256:");
        let image = listed.iter().find(|i| i["Id"] == id).unwrap();
        assert_eq!(image["ParentId"], base, "{variable}");
    }
    // The history is the image's own steps, as docker history shows them.
    let ours = common::ok(
        common::cairn(&[
            "--store".into(),
            store,
            "history".into(),
            "--no-trunc".into(),
            "--format".into(),
            "json".into(),
            daemon.ids()["APP"].clone(),
        ]),
        "cairn history",
    );
    let ours: serde_json::Value = serde_json::from_str(&ours).unwrap();
    let theirs = common::ok(
        daemon.docker(&[
            "history",
            "--no-trunc",
            "--format",
            "{{.CreatedBy}}",
            "app:1.0",
        ]),
        "docker history",
    );
    let steps: Vec<&str> = ours
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["CreatedBy"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(steps, theirs.lines().collect::<Vec<_>>());
}
