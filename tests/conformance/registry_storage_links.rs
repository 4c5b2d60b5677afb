//! Every kind of link a registry's storage holds, damaged in a copy of
//! `tests/fixtures/registry-storage` that the real registry (docker-registry 2.8.2) then
//! serves: `cairn --store registry-storage:` reads each as the registry serves it (an image
//! has a problem exactly where pulling it from a repository fails, naming the blob and the
//! status), and `cairn gc --dry-run [-m]` runs, or stops, where `docker-registry
//! garbage-collect --dry-run [-m]` does.

use crate::common::registry::TestRegistry;
use crate::common::{cairn, stderr, stdout};
use crate::registry_storage::{collections_alike, serving_the_fixture};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// What pulling each image from each repository that serves its manifest meets: image
/// digest → `(repository, blob, what the registry did)` for every blob not served as
/// stored, `"500"`, `"404"` or `"other content"`.
fn pulls(registry: &TestRegistry, images: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let mut failures = BTreeMap::new();
    for digest in images {
        let mut met = BTreeSet::new();
        for repository in ["app", "base", "tools"] {
            let (status, _, body) =
                registry.request("GET", &format!("/v2/{repository}/manifests/{digest}"));
            if status != 200 {
                continue;
            }
            let manifest: Value = serde_json::from_slice(&body).unwrap();
            let blobs = std::iter::once(&manifest["config"])
                .chain(manifest["layers"].as_array().unwrap())
                .map(|b| b["digest"].as_str().unwrap().to_string());
            for blob in blobs {
                let (status, _, body) =
                    registry.request("GET", &format!("/v2/{repository}/blobs/{blob}"));
                let what = match status {
                    200 if crate::common::oci::sha256(&body) == blob => continue,
                    200 => "other content".to_string(),
                    status => status.to_string(),
                };
                met.insert(format!("{repository} {blob} {what}"));
            }
        }
        failures.insert(digest.clone(), met);
    }
    failures
}

/// `cairn images --all --json` on the storage: image digest → problems.
fn listed(registry: &TestRegistry) -> BTreeMap<String, Vec<String>> {
    let out = cairn(&[
        "--store".to_string(),
        format!("registry-storage:{}", registry.storage().display()),
        "images".into(),
        "--all".into(),
        "--json".into(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing: Value = serde_json::from_str(&stdout(&out)).unwrap();
    listing
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let problems = i["Problems"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p.as_str().unwrap().to_string())
                .collect();
            (i["Digest"].as_str().unwrap().to_string(), problems)
        })
        .collect()
}

/// Each failure the registry gave is one problem of that image naming the blob, the
/// repository and what the registry answers; an image whose pulls all succeed has none.
fn assert_problems_match(
    pulled: &BTreeMap<String, BTreeSet<String>>,
    ours: &BTreeMap<String, Vec<String>>,
) {
    assert_eq!(
        pulled.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    for (digest, met) in pulled {
        let said = &ours[digest];
        assert_eq!(
            said.len(),
            met.len(),
            "{digest}: registry {met:?}, cairn {said:?}"
        );
        for failure in met {
            let mut words = failure.splitn(3, ' ');
            let (repository, blob, what) = (
                words.next().unwrap(),
                words.next().unwrap(),
                words.next().unwrap(),
            );
            // Other content: a link naming another blob (of that repository), or the blob
            // itself stored with other bytes (a truncated file, in every repository).
            let link = |p: &String, needle: &str| {
                p.contains(&format!("blob {blob} of {repository}: ")) && p.contains(needle)
            };
            let found = said.iter().any(|p| match what {
                "other content" => {
                    link(p, "serves that blob's content for it")
                        || p.starts_with(&format!("blob {blob} is "))
                            && p.contains("bytes in the registry, but its manifest says")
                }
                "404" => link(p, "404 BLOB_UNKNOWN"),
                status => link(p, &format!("answers {status}")),
            });
            assert!(
                found,
                "{digest}: the registry {failure}; cairn says {said:?}"
            );
        }
    }
}

fn layer_link(registry: &TestRegistry, repository: &str, digest: &str) -> PathBuf {
    registry
        .v2()
        .join("repositories")
        .join(repository)
        .join("_layers/sha256")
        .join(digest.trim_start_matches("sha256:"))
        .join("link")
}

fn tag(registry: &TestRegistry, repository: &str, tag: &str) -> String {
    std::fs::read_to_string(
        registry
            .v2()
            .join("repositories")
            .join(repository)
            .join("_manifests/tags")
            .join(tag)
            .join("current/link"),
    )
    .unwrap()
}

fn manifest(registry: &TestRegistry, digest: &str) -> Value {
    serde_json::from_slice(&std::fs::read(registry.blob(digest)).unwrap()).unwrap()
}

/// Layer links of every kind of damage, a truncated layer, and the links distribution reads
/// neither to serve nor to collect (a tag's `index`, `_uploads`, a blob folder without
/// `data`): cairn's problems are the registry's failed pulls, one for one, and both
/// collections name the same blobs as the registry's.
#[test]
fn damaged_layer_links_read_as_the_registry_serves_them_and_gc_is_unchanged() {
    let mut registry = serving_the_fixture();
    let app = tag(&registry, "app", "1");
    let tools = tag(&registry, "tools", "1");
    let base = tag(&registry, "base", "1");
    let base_layer = manifest(&registry, &base)["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let tools_manifest = manifest(&registry, &tools);
    let tools_layer = tools_manifest["layers"][1]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let app_manifest = manifest(&registry, &app);
    let app_layer = app_manifest["layers"][1]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let app_config = app_manifest["config"]["digest"].as_str().unwrap();
    let base_config = manifest(&registry, &base)["config"]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let nowhere = format!("sha256:{}", "0".repeat(64));
    // app: the shared base layer's link is garbage, and its config's holds `../`.
    std::fs::write(layer_link(&registry, "app", &base_layer), "not a digest").unwrap();
    std::fs::write(
        layer_link(&registry, "app", app_config),
        "sha256:../../../../../etc/passwd",
    )
    .unwrap();
    // tools: its own layer's link is empty, and base's layer links a blob stored nowhere.
    std::fs::write(layer_link(&registry, "tools", &tools_layer), "").unwrap();
    std::fs::write(layer_link(&registry, "tools", &base_layer), &nowhere).unwrap();
    // base: its config's link names its layer; the link of app's layer (which base does not
    // use) is garbage, which pulls of base never meet.
    std::fs::write(layer_link(&registry, "base", &base_config), &base_layer).unwrap();
    let unused = layer_link(&registry, "base", &app_layer);
    std::fs::create_dir_all(unused.parent().unwrap()).unwrap();
    std::fs::write(unused, "garbage").unwrap();
    // app's own layer is truncated: served as it is.
    let data = registry.blob(&app_layer);
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() - 7]).unwrap();
    // What neither serving nor collecting reads.
    let repository = registry.v2().join("repositories/app");
    let index = repository
        .join("_manifests/tags/1/index/sha256")
        .join(app.trim_start_matches("sha256:"))
        .join("link");
    std::fs::write(index, "sha256:../../etc/passwd").unwrap();
    let upload = repository.join("_uploads/not-a-uuid");
    std::fs::create_dir_all(&upload).unwrap();
    std::fs::write(upload.join("startedat"), "garbage").unwrap();
    std::fs::write(upload.join("data"), "half a layer").unwrap();
    std::fs::create_dir_all(registry.v2().join("blobs/sha256/ab").join("ab".repeat(32))).unwrap();
    registry.restart();

    let ours = listed(&registry);
    assert_eq!(ours.len(), 4, "{ours:#?}");
    let images: Vec<String> = ours.keys().cloned().collect();
    let pulled = pulls(&registry, &images);
    // The damage is seen: app and tools fail on two blobs each, base on its config.
    for (digest, count) in [(&app, 3), (&tools, 2), (&base, 1)] {
        assert_eq!(pulled[digest].len(), count, "{digest}: {pulled:#?}");
    }
    assert_problems_match(&pulled, &ours);
    let ran = collections_alike(&registry, ("", "no failure"));
    assert_eq!(ran, [true, true]);
    // Over the API, where cairn reads manifests and configs but no layer: the images whose
    // config the registry will not serve as stored have a problem saying so, the rest none.
    let cache = tempfile::tempdir().unwrap();
    let out = crate::common::registry::cairn_api(
        &registry.addr,
        cache.path(),
        &["images", "--all", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let listing: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for image in listing.as_array().unwrap() {
        let digest = image["Digest"].as_str().unwrap();
        let said = image["Problems"].to_string();
        let config_refused = [&app, &base].contains(&&digest.to_string());
        assert_eq!(
            image["Problems"].as_array().is_some(),
            config_refused,
            "{digest}: {said}"
        );
        if config_refused {
            assert!(said.contains("config"), "{digest}: {said}");
        }
    }
}

/// A blob folder no digest names, holding `data`: served by nobody, the load is as before;
/// the collector's walk of the blobs stops on it, with or without -m, after marking.
#[test]
fn a_blob_no_digest_names_stops_the_collection_where_the_registry_stops() {
    let mut registry = serving_the_fixture();
    let folder = registry.v2().join("blobs/sha256/zz/not-a-digest");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("data"), "x").unwrap();
    registry.restart();
    let ours = listed(&registry);
    assert!(ours.values().all(Vec::is_empty), "{ours:#?}");
    let file = folder.display().to_string();
    let ran = collections_alike(&registry, ("error enumerating blobs", &file));
    assert_eq!(ran, [false, false]);
}

/// A revision link in a folder no digest names, holding no digest: never served, the load
/// is as before; the collector's walk of the revisions stops on it, with or without -m.
#[test]
fn a_revision_link_no_digest_names_stops_the_collection_where_the_registry_stops() {
    let mut registry = serving_the_fixture();
    let folder = registry
        .v2()
        .join("repositories/tools/_manifests/revisions/sha256/not-a-digest");
    std::fs::create_dir_all(&folder).unwrap();
    let link = folder.join("link");
    std::fs::write(&link, "garbage").unwrap();
    registry.restart();
    let ours = listed(&registry);
    assert!(ours.values().all(Vec::is_empty), "{ours:#?}");
    let ran = collections_alike(&registry, ("failed to mark", &link.display().to_string()));
    assert_eq!(ran, [false, false]);
}

/// A manifest's blob truncated: the registry cannot serve it and its collector cannot mark
/// it, with or without -m; cairn lists the image with the problem and its collection stops
/// on the same manifest, naming the file.
#[test]
fn a_truncated_manifest_is_a_problem_and_stops_the_collection_where_the_registry_stops() {
    let mut registry = serving_the_fixture();
    let tools = tag(&registry, "tools", "1");
    let data = registry.blob(&tools);
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() / 2]).unwrap();
    registry.restart();
    let (status, _, _) = registry.request("GET", &format!("/v2/tools/manifests/{tools}"));
    assert_ne!(status, 200);
    let ours = listed(&registry);
    let said = ours[&tools].join("\n");
    assert!(said.contains(&format!("manifest {tools}")), "{said}");
    let file = data.display().to_string();
    let ran = collections_alike(&registry, ("failed to retrieve manifest", &file));
    assert_eq!(ran, [false, false]);
}

/// A manifest's blob gone while its revision link stays: the registry answers 404 for it
/// and its collector skips the revision (its config and layers go); cairn says the manifest
/// is not in the registry and plans the same collection.
#[test]
fn a_missing_manifest_blob_is_a_problem_and_the_collection_skips_it_as_the_registry_does() {
    let mut registry = serving_the_fixture();
    let tools = tag(&registry, "tools", "1");
    std::fs::remove_dir_all(registry.blob(&tools).parent().unwrap()).unwrap();
    registry.restart();
    let (status, _, _) = registry.request("GET", &format!("/v2/tools/manifests/{tools}"));
    assert_eq!(status, 404);
    let ours = listed(&registry);
    assert_eq!(
        ours[&tools],
        [format!("manifest {tools} is not in the registry")]
    );
    let ran = collections_alike(&registry, ("", "no failure"));
    assert_eq!(ran, [true, true]);
}
