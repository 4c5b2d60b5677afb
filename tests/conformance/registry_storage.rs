//! `--store registry-storage:PATH` on the storage of a real registry (docker-registry 2.8.2)
//! filled with skopeo: what cairn shows against what skopeo reads over the API, and
//! `cairn gc --dry-run [-m]` against `docker-registry garbage-collect --dry-run [-m]`, then
//! against what the real collection leaves.

use crate::common::registry::TestRegistry;
use crate::common::{cairn, ok, stdout};
use serde_json::Value;
use std::collections::BTreeSet;

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
        .map(|d| {
            let hex = d.trim_start_matches("sha256:");
            let data = registry
                .v2()
                .join("blobs/sha256")
                .join(&hex[..2])
                .join(hex)
                .join("data");
            std::fs::metadata(data).unwrap().len()
        })
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
