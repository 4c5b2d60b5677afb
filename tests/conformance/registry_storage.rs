//! `--store registry-storage:PATH` on the storage of a real registry (docker-registry 2.8.2)
//! filled with skopeo: what cairn shows against what skopeo reads over the API, and
//! `cairn gc --dry-run [-m]` against `docker-registry garbage-collect --dry-run [-m]`, then
//! against what the real collection leaves.

use crate::common::registry::TestRegistry;
use crate::common::{cairn, ok, stdout};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn cairn_on(registry: &TestRegistry, rest: &[&str]) -> String {
    let mut args = vec![
        "--store".to_string(),
        format!("registry-storage:{}", registry.storage().display()),
    ];
    args.extend(rest.iter().map(|s| s.to_string()));
    ok(cairn(&args), &format!("cairn {}", rest.join(" ")))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// `skopeo inspect --raw` of a tag: the manifest's bytes.
fn raw_manifest(registry: &TestRegistry, name: &str) -> Vec<u8> {
    let out = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &registry.reference(name),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo inspect --raw {name}");
    out.stdout
}

#[test]
fn images_are_the_manifests_every_tag_of_every_repository_names() {
    let registry = TestRegistry::filled();
    let listing = json(&cairn_on(&registry, &["images", "--all", "--json"]));
    let listing = listing.as_array().unwrap();
    // Every tag skopeo lists is a name of the image whose digest skopeo reads for it.
    let catalog = json(
        registry
            .get("/v2/_catalog")
            .split("\r\n\r\n")
            .nth(1)
            .unwrap(),
    );
    let mut tags_seen = 0;
    for repository in catalog["repositories"].as_array().unwrap() {
        let repository = repository.as_str().unwrap();
        let tags = json(&registry.skopeo(&[
            "list-tags",
            "--tls-verify=false",
            &registry.reference(repository),
        ]));
        for tag in tags["Tags"].as_array().unwrap() {
            let name = format!("{repository}:{}", tag.as_str().unwrap());
            let manifest = raw_manifest(&registry, &name);
            let digest = crate::common::oci::sha256(&manifest);
            let image = listing
                .iter()
                .find(|i| i["Digest"] == digest)
                .unwrap_or_else(|| panic!("no image {digest} for {name}"));
            let names: Vec<&str> = image["Names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            assert!(names.contains(&name.as_str()), "{name} not in {names:?}");
            assert_eq!(image["Id"], digest.trim_start_matches("sha256:"));
            tags_seen += 1;
        }
    }
    assert_eq!(tags_seen, 9);
    let named: usize = listing
        .iter()
        .map(|i| i["Names"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(named, tags_seen, "no name cairn invents");
    // The untagged revisions the API cannot list: app:0, and the platform manifests of both
    // lists. The deleted manifest of `gone` is not there.
    let untagged = listing
        .iter()
        .filter(|i| i["Names"].as_array().is_none_or(Vec::is_empty))
        .count();
    assert_eq!(untagged, 5);
    // Every blob of every image is linked where it is pulled from, as skopeo pushed it.
    for image in listing {
        assert!(image["Problems"].as_array().is_none(), "{image:#}");
    }
    // A compressed size is the manifest, its config and its layers as the registry serves
    // them; base's layer is shared with every image built on it.
    let manifest = raw_manifest(&registry, "app:latest");
    let parsed = json(std::str::from_utf8(&manifest).unwrap());
    let expected = manifest.len() as u64
        + parsed["config"]["size"].as_u64().unwrap()
        + parsed["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["size"].as_u64().unwrap())
            .sum::<u64>();
    let app = listing
        .iter()
        .find(|i| i["Digest"] == crate::common::oci::sha256(&manifest))
        .unwrap();
    assert_eq!(app["Size"], expected);
    assert!(app["SharedSize"].as_u64().unwrap() >= parsed["layers"][0]["size"].as_u64().unwrap());
}

#[test]
fn tree_and_lineage_run_across_repositories() {
    let registry = TestRegistry::filled();
    let tree = cairn_on(&registry, &["tree", "mirror/app:stable"]);
    assert!(
        tree.contains("Tags:     [app:1.0 app:latest mirror/app:stable]"),
        "{tree}"
    );
    assert!(
        tree.contains("Top Layer of: [base:1 library/base:1]"),
        "the shared base layer: {tree}"
    );
    assert!(tree.contains("Top Layer of: [tools:1]"), "{tree}");
    // app was built on tools through a step never pushed: tools is still its parent.
    let lineage = cairn_on(&registry, &["lineage", "app:latest"]);
    let lines: Vec<&str> = lineage.lines().collect();
    assert!(lines[0].ends_with("base:1, library/base:1"), "{lineage}");
    assert!(lines[1].ends_with("tools:1"), "{lineage}");
    assert!(
        lines[2].contains("app:1.0, app:latest, mirror/app:stable"),
        "{lineage}"
    );
    let on_base = cairn_on(&registry, &["lineage", "base:1"]);
    for child in ["tools:1", "side:1", "mirror/app:stable"] {
        assert!(
            on_base.contains(child),
            "{child} not built on base: {on_base}"
        );
    }
}

/// The digests of the lines of `docker-registry garbage-collect --dry-run` starting with
/// `what eligible for deletion: `.
fn eligible(output: &str, what: &str) -> Vec<String> {
    let prefix = format!("{what} eligible for deletion: ");
    let mut digests: Vec<String> = output
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|d| d.trim().to_string())
        .collect();
    digests.sort();
    digests
}

fn sorted(values: &Value, key: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| key.map_or(v, |k| &v[k]).as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// cairn's plan and the collector's dry run name the same manifests and blobs; the real
/// collection then leaves exactly the blobs cairn said would stay, and frees their bytes.
fn collect_as_previewed(registry: &mut TestRegistry, delete_untagged: bool) {
    let mut args = vec!["gc", "--dry-run", "--json"];
    if delete_untagged {
        args.push("--delete-untagged");
    }
    let plan = json(&cairn_on(registry, &args));
    let dry_run = registry.garbage_collect(true, delete_untagged);
    assert!(dry_run.status.success(), "{dry_run:?}");
    let dry_run = stdout(&dry_run);
    assert_eq!(
        sorted(&plan["manifests"], None),
        eligible(&dry_run, "manifest")
    );
    let blobs = sorted(&plan["blobs"], Some("digest"));
    assert_eq!(blobs, eligible(&dry_run, "blob"));
    let before: BTreeSet<String> = registry.blobs().into_iter().collect();
    let sizes: u64 = blobs
        .iter()
        .map(|d| std::fs::metadata(registry.blob(d)).unwrap().len())
        .sum();
    assert_eq!(plan["reclaimed_bytes"], sizes);
    registry.stop();
    let real = registry.garbage_collect(false, delete_untagged);
    assert!(real.status.success(), "{real:?}");
    registry.restart();
    let after: BTreeSet<String> = registry.blobs().into_iter().collect();
    let kept: BTreeSet<String> = before
        .difference(&blobs.into_iter().collect())
        .cloned()
        .collect();
    assert_eq!(after, kept);
    let again = json(&cairn_on(registry, &args));
    assert_eq!(
        again["blobs"],
        serde_json::json!([]),
        "nothing left to collect"
    );
}

#[test]
fn gc_dry_run_names_what_the_registry_collects_and_the_collection_leaves_the_rest() {
    let mut registry = TestRegistry::filled();
    // Without --delete-untagged: the deleted manifest of `gone` and its own blobs.
    collect_as_previewed(&mut registry, false);
    // With it: app's untagged revision, and the platform manifests of both lists, whose
    // layers go although their lists are still tagged (distribution#3178).
    let plan = json(&cairn_on(&registry, &["gc", "--dry-run", "--json", "-m"]));
    assert_eq!(plan["manifests"].as_array().unwrap().len(), 5);
    collect_as_previewed(&mut registry, true);
}

/// The status and `Docker-Content-Digest` the registry answers to `HEAD` of a tag.
fn head(registry: &TestRegistry, repository: &str, tag: &str) -> (u16, Option<String>) {
    let (status, head, _) = registry.request("HEAD", &format!("/v2/{repository}/manifests/{tag}"));
    let digest = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("docker-content-digest")
            .then(|| value.trim().to_string())
    });
    (status, digest)
}

/// Tag name → digest of the images that have one, and tag name → problems of those that
/// do not (a tag naming no manifest), from `cairn images --all --json`.
type Listed = (BTreeMap<String, String>, BTreeMap<String, String>);

fn listed(output: &str) -> Listed {
    let mut served = BTreeMap::new();
    let mut broken = BTreeMap::new();
    for image in json(output).as_array().unwrap() {
        for name in image["Names"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap().to_string();
            match image["Digest"].as_str().filter(|d| !d.is_empty()) {
                Some(digest) => served.insert(name, digest.to_string()),
                None => broken.insert(name, image["Problems"].to_string()),
            };
        }
    }
    (served, broken)
}

/// A copy of `tests/fixtures/registry-storage` served by a real registry, with four bad
/// tags: a link that is no digest, one with `../`, one naming a digest stored nowhere, and
/// one naming a manifest its repository does not link. cairn reads it as the registry
/// serves it, from disk and over the API: the good tags with their digests, each bad tag
/// listed with the status the registry answers; the collection runs or stops as the
/// registry's own does.
#[test]
fn a_damaged_storage_reads_as_the_registry_serves_it_and_gc_stops_where_it_does() {
    let mut registry = serving_the_fixture();
    let repositories = registry.v2().join("repositories");
    let base =
        std::fs::read_to_string(repositories.join("base/_manifests/tags/1/current/link")).unwrap();
    let nowhere = format!("sha256:{}", "0".repeat(64));
    for (repository, tag, text) in [
        ("app", "garbage", "not a digest"),
        ("base", "escape", "sha256:../../../../../etc/passwd"),
        ("app", "missing", nowhere.as_str()),
        ("tools", "cross", base.as_str()),
    ] {
        let current = repositories
            .join(repository)
            .join("_manifests/tags")
            .join(tag)
            .join("current");
        std::fs::create_dir_all(&current).unwrap();
        std::fs::write(current.join("link"), text).unwrap();
    }
    registry.restart();
    // What the registry serves for every tag it lists.
    let mut served = BTreeMap::new();
    let mut refused = BTreeMap::new();
    for repository in ["app", "base", "tools"] {
        let answer = registry.get(&format!("/v2/{repository}/tags/list"));
        let body = json(answer.split("\r\n\r\n").nth(1).unwrap());
        for tag in body["tags"].as_array().unwrap() {
            let tag = tag.as_str().unwrap();
            let name = format!("{repository}:{tag}");
            match head(&registry, repository, tag) {
                (200, Some(digest)) => {
                    served.insert(name, digest);
                }
                (status, _) => {
                    refused.insert(name, status);
                }
            }
        }
    }
    assert_eq!(served.len(), 3, "{served:?}");
    assert_eq!(refused.len(), 4, "{refused:?}");
    let check = |(ours, broken): Listed, prefix: &str| {
        let prefixed = |name: &String| format!("{prefix}{name}");
        let expected: BTreeMap<String, String> = served
            .iter()
            .map(|(n, d)| (prefixed(n), d.clone()))
            .collect();
        assert_eq!(ours, expected);
        let names: Vec<String> = refused.keys().map(prefixed).collect();
        assert_eq!(broken.keys().cloned().collect::<Vec<_>>(), names);
        for (name, status) in &refused {
            let said = &broken[&prefixed(name)];
            assert!(said.contains(&status.to_string()), "{name}: {said}");
        }
    };
    check(
        listed(&cairn_on(&registry, &["images", "--all", "--json"])),
        "",
    );
    let cache = tempfile::tempdir().unwrap();
    let over_api = crate::common::run(
        env!("CARGO_BIN_EXE_cairn"),
        &[
            format!("--store=registry:{}", registry.addr),
            "--tls-verify=false".into(),
            "images".into(),
            "--all".into(),
            "--json".into(),
        ],
        &[("XDG_CACHE_HOME", cache.path())],
    );
    check(
        listed(&ok(over_api, "cairn images over the API")),
        &format!("{}/", registry.addr),
    );
    // The collection: the registry's and cairn's run, or stop, alike.
    let ran = collections_alike(&registry, ("failed to retrieve tags", "_manifests/tags/"));
    assert_eq!(
        ran,
        [true, false],
        "the collector reads every tag with -m only"
    );
}

/// Both collections, `docker-registry garbage-collect --dry-run [-m]` and `cairn gc --dry-run
/// [-m]` on the storage: they succeed or fail alike, name the same blobs and manifests when
/// they succeed, and when they fail, the registry says `failure.0` and cairn one line naming
/// `failure.1` (the file). Whether each (without, then with -m) succeeded.
pub fn collections_alike(registry: &TestRegistry, failure: (&str, &str)) -> [bool; 2] {
    [false, true].map(|delete_untagged| {
        let theirs = registry.garbage_collect(true, delete_untagged);
        let mut args = vec!["gc", "--dry-run", "--json"];
        if delete_untagged {
            args.push("-m");
        }
        let mut command = vec![
            "--store".to_string(),
            format!("registry-storage:{}", registry.storage().display()),
        ];
        command.extend(args.iter().map(|a| a.to_string()));
        let ours = cairn(&command);
        let their_text = String::from_utf8_lossy(&theirs.stderr).into_owned() + &stdout(&theirs);
        let said = crate::common::stderr(&ours);
        assert_eq!(
            ours.status.success(),
            theirs.status.success(),
            "-m {delete_untagged}: registry {their_text}, cairn {said}"
        );
        if theirs.status.success() {
            let plan = json(&stdout(&ours));
            assert_eq!(
                sorted(&plan["blobs"], Some("digest")),
                eligible(&their_text, "blob")
            );
            assert_eq!(
                sorted(&plan["manifests"], None),
                eligible(&their_text, "manifest")
            );
        } else {
            assert!(their_text.contains(failure.0), "{their_text}");
            assert_eq!(ours.status.code(), Some(125), "{said}");
            assert_eq!(said.lines().count(), 1, "{said}");
            assert!(said.contains(failure.1), "{said}");
        }
        theirs.status.success()
    })
}

/// A registry, stopped, whose storage is a copy of `tests/fixtures/registry-storage`: to
/// damage, then serve with `restart`.
pub fn serving_the_fixture() -> TestRegistry {
    let mut registry = TestRegistry::start();
    registry.stop();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry-storage");
    std::fs::remove_dir_all(registry.storage()).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&fixture)
        .arg(registry.storage())
        .status()
        .unwrap();
    assert!(status.success());
    registry
}
