//! cairn against real podman on a store made by buildah and podman: the same images, names,
//! parents, sizes, trees and history rows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Environment variables set for both tools.
type Env = Vec<(&'static str, PathBuf)>;

/// The two ways a user selects the fixture: podman's flags (primary store only), or a
/// storage.conf that also names the additional read-only image store.
fn selections(fixture: &Fixture) -> Vec<(Vec<String>, Env)> {
    vec![
        (fixture.flags(), vec![]),
        (
            vec![],
            vec![("CONTAINERS_STORAGE_CONF", fixture.storage_conf())],
        ),
    ]
}

fn env_refs<'a>(env: &'a [(&'static str, PathBuf)]) -> Vec<(&'static str, &'a Path)> {
    env.iter().map(|(k, v)| (*k, v.as_path())).collect()
}

/// Runs podman alone, for the answers cairn must give.
fn podman_only(flags: &[String], env: &[(&'static str, PathBuf)], podman_args: &[&str]) -> Output {
    run("podman", &args(flags, podman_args), &env_refs(env))
}

/// Runs cairn alone, where the test derives the answer from podman's in another way.
fn cairn_only(flags: &[String], env: &[(&'static str, PathBuf)], cairn_args: &[&str]) -> Output {
    run(
        env!("CARGO_BIN_EXE_cairn"),
        &args(flags, cairn_args),
        &env_refs(env),
    )
}

fn run_both(
    flags: &[String],
    env: &[(&'static str, PathBuf)],
    podman_args: &[&str],
    cairn_args: &[&str],
) -> (Output, Output) {
    (
        podman_only(flags, env, podman_args),
        cairn_only(flags, env, cairn_args),
    )
}

fn by_id(list: &Value) -> BTreeMap<String, Value> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|image| (image["Id"].as_str().unwrap().to_string(), image.clone()))
        .collect()
}

/// The fields podman computes that cairn must reproduce exactly.
const SAME_FIELDS: [&str; 12] = [
    "ParentId",
    "RepoTags",
    "RepoDigests",
    "Size",
    "VirtualSize",
    "Labels",
    "Containers",
    "ReadOnly",
    "Dangling",
    "Names",
    "Digest",
    "Created",
];

fn image_ids_in_store(flags: &[String], env: &[(&'static str, PathBuf)]) -> Vec<String> {
    let p = podman_only(flags, env, &["images", "-a", "--format", "json"]);
    by_id(&serde_json::from_str(&ok(p, "podman images")).unwrap())
        .into_keys()
        .collect()
}

#[test]
fn images_json_matches_podman_with_and_without_all() {
    let fixture = shared_fixture();
    for (flags, env) in selections(fixture) {
        for all in [true, false] {
            let mut podman_args = vec!["images", "--format", "json"];
            let mut cairn_args = vec!["images", "--json"];
            if all {
                podman_args.push("-a");
                cairn_args.push("--all");
            }
            let (p, c) = run_both(&flags, &env, &podman_args, &cairn_args);
            let podman = by_id(&serde_json::from_str(&ok(p, "podman images")).unwrap());
            let cairn = by_id(&serde_json::from_str(&ok(c, "cairn images")).unwrap());
            assert_eq!(
                podman.keys().collect::<Vec<_>>(),
                cairn.keys().collect::<Vec<_>>(),
                "image IDs differ (all={all}, env={env:?})"
            );
            assert!(podman.len() >= 5, "the fixture should have several images");
            for (id, expected) in &podman {
                for field in SAME_FIELDS {
                    assert_eq!(
                        expected.get(field).unwrap_or(&Value::Null),
                        cairn[id].get(field).unwrap_or(&Value::Null),
                        "{field} of image {id} (all={all}, env={env:?})"
                    );
                }
            }
        }
    }
}

#[test]
fn the_fixture_has_every_kind_of_image() {
    let fixture = shared_fixture();
    let c = cairn_only(
        &[],
        &[("CONTAINERS_STORAGE_CONF", fixture.storage_conf())],
        &["images", "--all", "--json"],
    );
    let images = serde_json::from_str::<Value>(&ok(c, "cairn images")).unwrap();
    let images = images.as_array().unwrap();
    let count = |f: &dyn Fn(&Value) -> bool| images.iter().filter(|i| f(i)).count();
    assert!(count(&|i| i["ParentId"] != "") >= 4, "parent/child pairs");
    assert!(
        count(&|i| i["Intermediate"] == true) >= 1,
        "an untagged intermediate"
    );
    assert!(count(&|i| i["Dangling"] == true) >= 1, "a dangling image");
    assert!(
        count(&|i| i["Names"].as_array().is_some_and(|n| n.len() >= 2)) >= 1,
        "several names"
    );
    assert!(
        count(&|i| i["Containers"].as_u64() > Some(0)) >= 1,
        "containers"
    );
    assert!(count(&|i| i["ReadOnly"] == true) >= 1, "a read-only image");
}

#[test]
fn images_table_matches_podman() {
    let fixture = shared_fixture();
    for (flags, env) in selections(fixture) {
        for extra in [
            &[][..],
            &["-a"],
            &["-a", "--noheading"],
            &["-a", "--no-trunc"],
            &["-a", "-q"],
            &["-q"],
            &["-a", "--sort", "size"],
            &["-a", "--sort", "repository"],
        ] {
            // How many rows podman sorted: -q prints each image once, but sorts every name.
            let all = if extra.contains(&"-a") {
                &["-a"][..]
            } else {
                &[]
            };
            let rows = podman_only(
                &flags,
                &env,
                &[&["images", "--noheading"][..], all].concat(),
            );
            let rows = ok(rows, "podman images").lines().count();
            let mut podman_args = vec!["images"];
            podman_args.extend_from_slice(extra);
            let mut cairn_args = vec!["images"];
            cairn_args.extend_from_slice(extra);
            let (p, c) = run_both(&flags, &env, &podman_args, &cairn_args);
            assert_same_table(
                &ok(p, "podman images"),
                &ok(c, "cairn images"),
                rows,
                &format!("images {extra:?} env={env:?}"),
            );
        }
    }
}

/// podman sorts with Go's `sort.Slice`, which is stable only up to 12 rows (insertion sort);
/// past that, rows with equal keys (one image's several names, images made in the same
/// second) come in an order of the algorithm's making. cairn keeps such rows in store order.
/// So: the same text up to 12 rows; past that, the same header and the same rows.
fn assert_same_table(podman: &str, cairn: &str, rows: usize, what: &str) {
    let header = usize::from(podman.starts_with("REPOSITORY"));
    if rows <= 12 {
        assert_eq!(podman, cairn, "{what}");
        return;
    }
    fn sorted(text: &str, header: usize) -> (Option<&str>, Vec<&str>) {
        let mut lines: Vec<&str> = text.lines().collect();
        let header = (header == 1).then(|| lines.remove(0));
        lines.sort();
        (header, lines)
    }
    assert_eq!(sorted(podman, header), sorted(cairn, header), "{what}");
}

/// Every image by ID, plus every name, so that lookups are exercised too.
fn references(flags: &[String], env: &[(&'static str, PathBuf)]) -> Vec<String> {
    let p = podman_only(flags, env, &["images", "-a", "--format", "json"]);
    let images: Value = serde_json::from_str(&ok(p, "podman images")).unwrap();
    let mut refs = Vec::new();
    for image in images.as_array().unwrap() {
        refs.push(image["Id"].as_str().unwrap().to_string());
        for name in image["Names"].as_array().into_iter().flatten() {
            refs.push(name.as_str().unwrap().to_string());
        }
    }
    refs
}

#[test]
fn image_tree_matches_podman_for_every_image() {
    let fixture = shared_fixture();
    for (flags, env) in selections(fixture) {
        for reference in references(&flags, &env) {
            for whatrequires in [false, true] {
                let mut a = vec!["image", "tree", reference.as_str()];
                let mut b = vec!["tree", reference.as_str()];
                if whatrequires {
                    a.insert(2, "--whatrequires");
                    b.push("--whatrequires");
                }
                let (p, c) = run_both(&flags, &env, &a, &b);
                assert_eq!(
                    ok(p, "podman image tree"),
                    ok(c, "cairn tree"),
                    "tree {b:?}"
                );
            }
        }
    }
}

#[test]
fn history_matches_podman_for_every_image() {
    let fixture = shared_fixture();
    for (flags, env) in selections(fixture) {
        for id in image_ids_in_store(&flags, &env) {
            let (p, c) = run_both(
                &flags,
                &env,
                &["history", "--format", "json", &id],
                &["history", "--json", &id],
            );
            let podman: Value = serde_json::from_str(&ok(p, "podman history")).unwrap();
            let cairn: Value = serde_json::from_str(&ok(c, "cairn history")).unwrap();
            assert_eq!(podman, cairn, "history of {id}");
            for extra in [&[][..], &["--no-trunc"], &["-q"], &["--human=false"]] {
                let mut a = vec!["history"];
                a.extend_from_slice(extra);
                a.push(&id);
                let (p, c) = run_both(&flags, &env, &a, &a);
                assert_eq!(ok(p, "podman history"), ok(c, "cairn history"), "{a:?}");
            }
        }
    }
}

#[test]
fn lookups_and_their_errors_match_podman() {
    let fixture = shared_fixture();
    let flags = fixture.flags();
    let ids = image_ids_in_store(&flags, &[]);
    let mut references: Vec<String> = vec![
        "base".into(),
        "base:1".into(),
        "localhost/base:1".into(),
        "nosuch".into(),
        "nosuch:1".into(),
        "quay.io/nosuch/x".into(),
        "sha256:abc".into(),
        format!("sha256:{}", "0".repeat(64)),
        "0".repeat(64),
        "Upper".into(),
        "a:b:c".into(),
        "localhost/Upper:1".into(),
        "x@sha256:abc".into(),
        "a//b".into(),
        ":tag".into(),
        // Go's `\w` is ASCII; the whole name counts towards 255 characters, registry and all;
        // go-digest wants lower-case hex and knows sha256, sha384 and sha512 only.
        "base:t\u{e9}".into(),
        "a".repeat(250),
        format!("localhost/{}", "a".repeat(246)),
        format!("x@sha256:{}", "A".repeat(64)),
        format!("x@Sha256:{}", "0".repeat(64)),
        format!("x@md5:{}", "0".repeat(32)),
        format!("x@sha512:{}", "0".repeat(64)),
    ];
    for id in &ids {
        references.push(id[..12].to_string());
        references.push(id[..3].to_string());
        references.push(format!("sha256:{id}"));
    }
    for reference in references {
        let (p, c) = run_both(
            &flags,
            &[],
            &["image", "tree", &reference],
            &["tree", &reference],
        );
        assert_eq!(
            p.status.code(),
            c.status.code(),
            "exit code for {reference:?}: {}",
            stderr(&c)
        );
        assert_eq!(stdout(&p), stdout(&c), "output for {reference:?}");
        assert_eq!(stderr(&p), stderr(&c), "error for {reference:?}");
    }
}

fn flatten_descendants(items: &Value, out: &mut Vec<String>) {
    for item in items.as_array().unwrap() {
        out.push(item["id"].as_str().unwrap().to_string());
        flatten_descendants(&item["children"], out);
    }
}

#[test]
fn lineage_follows_podmans_parents() {
    let fixture = shared_fixture();
    let conf = [("CONTAINERS_STORAGE_CONF", fixture.storage_conf())];
    let p = podman_only(&[], &conf, &["images", "-a", "--format", "json"]);
    let podman = by_id(&serde_json::from_str(&ok(p, "podman images")).unwrap());
    let parent = |id: &str| -> Option<String> {
        Some(podman[id]["ParentId"].as_str().unwrap().to_string()).filter(|p| !p.is_empty())
    };
    let chain = |id: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut current = id.to_string();
        while let Some(p) = parent(&current) {
            out.push(p.clone());
            current = p;
        }
        out
    };
    let mut with_ancestors = 0;
    for id in podman.keys() {
        let c = cairn_only(&[], &conf, &["lineage", "--json", id]);
        let lineage: Value = serde_json::from_str(&ok(c, "cairn lineage")).unwrap();
        let ancestors: Vec<String> = lineage["ancestors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ancestors, chain(id), "ancestors of {id}");
        with_ancestors += usize::from(!ancestors.is_empty());
        let mut descendants = Vec::new();
        flatten_descendants(&lineage["descendants"], &mut descendants);
        descendants.sort();
        let mut expected: Vec<String> = podman
            .keys()
            .filter(|other| chain(other).contains(id))
            .cloned()
            .collect();
        expected.sort();
        assert_eq!(descendants, expected, "descendants of {id}");
        let text = cairn_only(&[], &conf, &["lineage", id]);
        let text = ok(text, "cairn lineage");
        assert!(text.contains(&format!("{} ", &id[..12])), "{text}");
        for ancestor in &ancestors {
            assert!(
                text.contains(&ancestor[..12]),
                "ancestor {ancestor} missing from\n{text}"
            );
        }
    }
    assert!(with_ancestors >= 3, "the fixture should have chains");
}
