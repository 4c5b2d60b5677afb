//! OCI layouts and archives (`--store oci:`, `oci-archive:`, `docker-archive:`): reading what
//! skopeo, umoci, buildah and podman write, changes that skopeo and umoci read back, removal
//! that keeps exactly what `umoci gc` keeps, `cairn verify`, and every bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;
#[path = "oci_layout/hostile.rs"]
mod hostile;

use cairn_core::Catalog;
use cairn_store::Selection;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo")
}

fn cairn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("running cairn")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Opens `KIND:PATH` as `--store` does (`oci`, `oci-archive` or `docker-archive`).
fn load(kind: &str, path: &Path) -> Catalog {
    let selection = Selection {
        store: Some(format!("{kind}:{}", path.display())),
        ..Selection::default()
    };
    let store = selection.resolve().expect("a layout or archive");
    Catalog::new(store.load().expect("loading the layout").snapshot)
}

fn image_named<'a>(catalog: &'a Catalog, name: &str) -> &'a cairn_core::Image {
    catalog
        .snapshot
        .images
        .iter()
        .find(|i| i.names.iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no image named {name}"))
}

fn blob_names(layout: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn store_arg(layout: &Path) -> String {
    format!("oci:{}", layout.display())
}

fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

fn index(layout: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap()
}

fn write_index(layout: &Path, index: &serde_json::Value) {
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(index).unwrap(),
    )
    .unwrap();
}

#[test]
fn the_demo_shows_bases_children_an_intermediate_names_and_a_multi_platform_index() {
    let catalog = load("oci", &demo());
    let snapshot = &catalog.snapshot;
    let app = image_named(&catalog, "localhost/app:1.0");
    assert_eq!(
        app.names,
        [
            "localhost/app:1.0",
            "localhost/app:latest",
            "quay.io/example/app:stable"
        ]
    );
    assert!(
        snapshot.images.iter().all(|i| i.problems.is_empty()),
        "{:#?}",
        snapshot.images
    );
    // Lineage through ChainIDs and history, as podman computes it.
    let idx = |name: &str| {
        snapshot
            .images
            .position(|i| i.names.iter().any(|n| n == name))
            .unwrap()
    };
    let parent = |i| catalog.lineage.parent(i);
    let inter = parent(idx("localhost/app:1.0")).expect("app has a parent");
    assert!(
        snapshot.images[inter].names.is_empty(),
        "the intermediate is untagged"
    );
    assert_eq!(parent(inter), Some(idx("localhost/tools:1")));
    assert_eq!(
        parent(idx("localhost/tools:1")),
        Some(idx("localhost/base:1"))
    );
    assert_eq!(
        parent(idx("localhost/side:1")),
        Some(idx("localhost/base:1"))
    );
    assert_eq!(parent(idx("umoci-child")), Some(idx("umoci-base")));
    // base's layer is one node shared by every image built on it.
    let base_top = snapshot.images[idx("localhost/base:1")]
        .top_layer
        .clone()
        .unwrap();
    let side_layer = snapshot.images[idx("localhost/side:1")]
        .top_layer
        .clone()
        .unwrap();
    let side = &snapshot.layers[snapshot.layer_by_id(&side_layer).unwrap()];
    assert_eq!(side.parent.as_deref(), Some(base_top.as_str()));
    // The multi-platform index is a manifest list, with an image per platform.
    let list = image_named(&catalog, "localhost/multi:1");
    assert!(list.manifest_list);
    let arches: Vec<&str> = snapshot
        .images
        .iter()
        .filter_map(|i| i.config.as_ref())
        .filter(|c| c.history.iter().any(|h| h.created_by.contains("/arch.txt")))
        .map(|c| c.architecture.as_str())
        .collect();
    assert_eq!(arches.len(), 2);
    assert!(arches.contains(&"amd64") && arches.contains(&"arm64"));
    // Its platform images belong to it: listed with their platforms, never dangling.
    let list_idx = idx("localhost/multi:1");
    let platforms: Vec<&str> = snapshot.instances(list_idx).map(|(_, p)| p).collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    for (instance, _) in snapshot.instances(list_idx) {
        assert_eq!(snapshot.list_of(instance), Some(list_idx));
        assert!(!catalog.lineage.is_dangling(snapshot, instance));
    }
    // Sizes: base's layer is shared with its children.
    let base = idx("localhost/base:1");
    assert!(catalog.sizes.get(base).shared > 0);
}

#[test]
fn cairn_reads_the_demo_headless_with_history_and_tree() {
    let store = store_arg(&demo());
    let out = cairn(&["--store", &store, "history", "localhost/app:1.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("COPY /app/main.txt"),
        "{}",
        stdout(&out)
    );
    let out = cairn(&["--store", &store, "lineage", "localhost/app:latest"]);
    assert!(
        stdout(&out).contains("localhost/tools:1"),
        "{}",
        stdout(&out)
    );
    let out = cairn(&["--store", &store, "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 mismatches"));
}

#[test]
fn with_no_store_on_the_machine_cairn_opens_the_demo_and_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .arg("images")
        .env_remove("CONTAINERS_STORAGE_CONF")
        .env_remove("STORAGE_DRIVER")
        .output()
        .unwrap();
    let notice = "cairn: no image store found; showing the bundled demo (assets/demo)";
    let has_default_store = rustix::process::geteuid().as_raw() != 0
        || Path::new("/var/lib/containers/storage").exists()
        || Path::new("/var/run/docker.sock").exists()
        || std::env::var_os("DOCKER_HOST").is_some();
    if has_default_store {
        // Where podman or docker has a store, cairn opens that one, not the demo.
        assert!(!stderr(&out).contains(notice), "{}", stderr(&out));
        return;
    }
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(notice), "{}", stderr(&out));
    assert!(stdout(&out).contains("localhost/app"));
}

#[test]
fn layouts_written_by_podman_save_and_archives_of_every_form_are_read() {
    common::require("buildah");
    common::require("podman");
    common::require("skopeo");
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    let run = t.path().join("run");
    let s = common::store_flags(&root, &run);
    let sh = |cmd: &str, args: &[&str]| {
        let out = Command::new(cmd).args(&s).args(args).output().unwrap();
        assert!(out.status.success(), "{cmd} {args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    // Two images from the demo, into a podman store, so that podman saves real images.
    let cs = format!(
        "containers-storage:[vfs@{}+{}]",
        root.display(),
        run.display()
    );
    for name in ["localhost/base:1", "localhost/tools:1"] {
        let out = Command::new("skopeo")
            .args([
                "copy",
                "--quiet",
                &format!("oci:{}:{name}", demo().display()),
                &format!("{cs}{name}"),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let oci_archive = t.path().join("oci.tar");
    let docker_archive = t.path().join("docker.tar");
    let skopeo_archive = t.path().join("skopeo-docker.tar");
    let layout = t.path().join("saved-layout");
    let (oa, da, lo) = (
        oci_archive.display().to_string(),
        docker_archive.display().to_string(),
        layout.display().to_string(),
    );
    sh(
        "podman",
        &[
            "save",
            "--format",
            "oci-archive",
            "-o",
            &oa,
            "localhost/tools:1",
        ],
    );
    sh(
        "podman",
        &[
            "save",
            "--format",
            "docker-archive",
            "-o",
            &da,
            "localhost/tools:1",
        ],
    );
    sh(
        "podman",
        &[
            "save",
            "--format",
            "oci-dir",
            "-o",
            &lo,
            "localhost/tools:1",
        ],
    );
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            &format!("{cs}localhost/base:1"),
            &format!(
                "docker-archive:{}:localhost/base:1",
                skopeo_archive.display()
            ),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let demo_catalog = load("oci", &demo());
    let tools_id = &image_named(&demo_catalog, "localhost/tools:1").id;
    let base_id = &image_named(&demo_catalog, "localhost/base:1").id;
    for (kind, path, id) in [
        ("oci-archive", &oci_archive, tools_id),
        ("docker-archive", &docker_archive, tools_id),
        ("oci", &layout, tools_id),
        ("docker-archive", &skopeo_archive, base_id),
    ] {
        let catalog = load(kind, path);
        let image = catalog
            .snapshot
            .images
            .iter()
            .find(|i| &i.id == id)
            .unwrap_or_else(|| {
                panic!(
                    "{kind:?} {}: {:#?}",
                    path.display(),
                    catalog.snapshot.images
                )
            });
        assert!(image.problems.is_empty(), "{kind:?}: {:?}", image.problems);
        assert!(image.config.is_some());
        assert!(image.read_only || kind == "oci");
    }
    // podman's docker-archive names are normalized as `podman load` does.
    let catalog = load("docker-archive", &docker_archive);
    assert_eq!(catalog.snapshot.images.raw[0].names, ["localhost/tools:1"]);
    // Archives are read-only and verify blob by blob.
    let out = cairn(&["--store", &format!("oci-archive:{oa}"), "verify"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = cairn(&[
        "--store",
        &format!("docker-archive:{da}"),
        "rm",
        "localhost/tools:1",
    ]);
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
}

#[test]
fn tags_made_by_cairn_are_read_by_skopeo_and_umoci() {
    common::require("skopeo");
    common::require("umoci");
    let (_t, layout) = common::demo_copy();
    let store = store_arg(&layout);
    let out = cairn(&[
        "--store",
        &store,
        "tag",
        "localhost/side:1",
        "localhost/side:2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cairn(&[
        "--store",
        &store,
        "untag",
        "localhost/app:1.0",
        "localhost/app:latest",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ls = Command::new("umoci")
        .args(["ls", "--layout", layout.to_str().unwrap()])
        .output()
        .unwrap();
    let names = stdout(&ls);
    assert!(names.lines().any(|l| l == "localhost/side:2"), "{names}");
    assert!(
        !names.lines().any(|l| l == "localhost/app:latest"),
        "{names}"
    );
    let inspect = Command::new("skopeo")
        .args([
            "inspect",
            &format!("oci:{}:localhost/side:2", layout.display()),
        ])
        .output()
        .unwrap();
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    let side = image_named(&load("oci", &layout), "localhost/side:2")
        .id
        .clone();
    assert!(
        stdout(&inspect).contains("\"Digest\""),
        "{}",
        stdout(&inspect)
    );
    assert_eq!(
        side,
        image_named(&load("oci", &layout), "localhost/side:1").id
    );
    // Untagging the last name keeps the image, untagged, as podman does.
    let out = cairn(&["--store", &store, "untag", "localhost/side:1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let catalog = load("oci", &layout);
    let untagged = catalog
        .snapshot
        .images
        .iter()
        .find(|i| i.id == side)
        .unwrap();
    assert!(untagged.names.is_empty());
    assert_eq!(
        catalog.snapshot.images.len(),
        load("oci", &demo()).snapshot.images.len()
    );
}

#[test]
fn after_a_remove_the_blobs_left_are_those_umoci_gc_keeps() {
    common::require("umoci");
    let (_a, ours) = common::demo_copy();
    let (_b, theirs) = common::demo_copy();
    // The preview names the blobs and bytes first, and changes nothing.
    let before = blob_names(&ours);
    let out = cairn(&[
        "--store",
        &store_arg(&ours),
        "rm",
        "--dry-run",
        "localhost/side:1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Deleted blob: sha256:"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("Reclaimed:"));
    assert_eq!(blob_names(&ours), before);

    for (image, umoci_names) in [
        ("localhost/side:1", vec!["localhost/side:1"]),
        ("localhost/multi:1", vec!["localhost/multi:1"]),
    ] {
        let out = cairn(&["--store", &store_arg(&ours), "rm", image]);
        assert!(out.status.success(), "{}", stderr(&out));
        for name in umoci_names {
            let out = Command::new("umoci")
                .args(["rm", "--image", &format!("{}:{name}", theirs.display())])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let out = Command::new("umoci")
            .args(["gc", "--layout", theirs.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            blob_names(&ours),
            blob_names(&theirs),
            "after removing {image}"
        );
    }
    let ls = Command::new("umoci")
        .args(["ls", "--layout", ours.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(ls.status.success());
    let out = cairn(&["--store", &store_arg(&ours), "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn a_multi_platform_index_is_listed_with_its_platforms() {
    let store = store_arg(&demo());
    let catalog = load("oci", &demo());
    let list = image_named(&catalog, "localhost/multi:1");
    let instances: Vec<String> = list.instances.iter().map(|i| i.id.clone()).collect();
    let short = |id: &str| id[..12].to_string();
    // Without --all the platform images are parts of their list, as intermediates are.
    let out = cairn(&["--store", &store, "images"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for id in &instances {
        assert!(!stdout(&out).contains(&short(id)), "{}", stdout(&out));
    }
    // With --all they follow their list.
    let out = cairn(&["--store", &store, "images", "--all"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("localhost/multi "))
        .unwrap();
    assert!(lines[at + 1].contains(&short(&instances[0])), "{lines:#?}");
    assert!(lines[at + 2].contains(&short(&instances[1])), "{lines:#?}");
    // JSON names the platforms and the list of each.
    let out = cairn(&["--store", &store, "images", "--all", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = |id: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|e| e["Id"] == id)
            .unwrap()
            .clone()
    };
    let listed = entry(&list.id);
    assert_eq!(listed["Instances"][0]["Platform"], "linux/amd64");
    assert_eq!(listed["Instances"][1]["Id"], instances[1].as_str());
    assert_eq!(entry(&instances[0])["InstanceOf"], list.id.as_str());
    assert_eq!(entry(&instances[0])["Dangling"], serde_json::Value::Null);
}

#[test]
fn removing_a_list_removes_its_platform_images_and_json_lists_the_blobs() {
    common::require("umoci");
    let (_t, layout) = common::demo_copy();
    let store = store_arg(&layout);
    let catalog = load("oci", &layout);
    let list = image_named(&catalog, "localhost/multi:1");
    let out = cairn(&[
        "--store",
        &store,
        "rm",
        "--dry-run",
        "--json",
        "localhost/multi:1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut deleted: Vec<&str> = plan["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    deleted.sort();
    let mut expected: Vec<&str> = list.instances.iter().map(|i| i.id.as_str()).collect();
    expected.push(&list.id);
    expected.sort();
    assert_eq!(deleted, expected, "the list and both platform images go");
    let blobs: Vec<(String, u64)> = plan["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["digest"].as_str().unwrap().to_string(),
                b["size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!blobs.is_empty());
    let sum: u64 = blobs.iter().map(|(_, size)| size).sum();
    assert_eq!(plan["reclaimed_bytes"].as_u64(), Some(sum));
    for (digest, size) in &blobs {
        let on_disk = std::fs::metadata(blob_path(&layout, digest)).unwrap().len();
        assert_eq!(on_disk, *size, "{digest}");
    }
    // Applied, exactly those blobs go.
    let before = blob_names(&layout);
    let out = cairn(&["--store", &store, "rm", "--json", "localhost/multi:1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = blob_names(&layout);
    let mut gone: Vec<String> = before
        .into_iter()
        .filter(|b| !after.contains(b))
        .map(|b| format!("sha256:{b}"))
        .collect();
    gone.sort();
    let mut planned: Vec<String> = blobs.into_iter().map(|(d, _)| d).collect();
    planned.sort();
    assert_eq!(gone, planned);
    let ls = Command::new("umoci")
        .args(["ls", "--layout", layout.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(ls.status.success(), "{}", stderr(&ls));
    assert!(
        !stdout(&ls).contains("localhost/multi:1"),
        "{}",
        stdout(&ls)
    );
}

#[test]
fn bare_ref_names_are_tagged_and_untagged_as_written() {
    common::require("skopeo");
    common::require("umoci");
    let (_t, layout) = common::demo_copy();
    let store = store_arg(&layout);
    // umoci names images by bare ref names; a tag is written as given, as umoci tag does.
    let out = cairn(&["--store", &store, "tag", "umoci-base", "umoci-base-2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cairn(&["--store", &store, "untag", "umoci-child", "umoci-child"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ls = Command::new("umoci")
        .args(["ls", "--layout", layout.to_str().unwrap()])
        .output()
        .unwrap();
    let names: Vec<&str> = std::str::from_utf8(&ls.stdout).unwrap().lines().collect();
    assert!(names.contains(&"umoci-base-2"), "{names:?}");
    assert!(names.contains(&"umoci-base"), "{names:?}");
    assert!(!names.contains(&"umoci-child"), "{names:?}");
    let inspect = Command::new("skopeo")
        .args(["inspect", &format!("oci:{}:umoci-base-2", layout.display())])
        .output()
        .unwrap();
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    // A name the image-spec does not allow is refused, and nothing is written.
    let before = std::fs::read(layout.join("index.json")).unwrap();
    let out = cairn(&["--store", &store, "tag", "umoci-base", "no--"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("not a valid OCI ref name"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(layout.join("index.json")).unwrap(), before);
}

#[test]
fn removing_a_platform_instance_is_refused_with_the_list_named() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let instance = catalog
        .snapshot
        .images
        .iter()
        .find(|i| i.config.as_ref().is_some_and(|c| c.architecture == "arm64"))
        .unwrap()
        .id
        .clone();
    let out = cairn(&["--store", &store_arg(&layout), "rm", &instance]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("platform instance"),
        "{}",
        stderr(&out)
    );
}

// Bad input: each case gives a clear message and no panic.

#[test]
fn missing_blob() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    std::fs::remove_file(blob_path(&layout, &format!("sha256:{}", base.id))).unwrap();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    assert!(
        base.problems[0].contains("is missing"),
        "{:?}",
        base.problems
    );
    let out = cairn(&["--store", &store_arg(&layout), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("is missing"), "{}", stdout(&out));
    let out = cairn(&["--store", &store_arg(&layout), "images"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn digest_with_dot_dot() {
    let (_t, layout) = common::demo_copy();
    let mut idx = index(&layout);
    idx["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:../../../../etc/passwd",
            "size": 10,
            "annotations": {"org.opencontainers.image.ref.name": "evil"}
        }));
    write_index(&layout, &idx);
    let catalog = load("oci", &layout);
    let evil = image_named(&catalog, "evil");
    assert!(
        evil.problems[0].contains("invalid blob digest"),
        "{:?}",
        evil.problems
    );
    let out = cairn(&["--store", &store_arg(&layout), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("invalid blob digest"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn blob_whose_digest_does_not_match() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    let manifest = blob_path(&layout, base.digest.as_deref().unwrap());
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes.extend_from_slice(b"  ");
    std::fs::write(&manifest, bytes).unwrap();
    let out = cairn(&["--store", &store_arg(&layout), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("its content has digest"), "{text}");
    assert!(text.contains("says") && text.contains("bytes"), "{text}");
}

#[test]
fn link_leaving_the_layout() {
    let (_t, layout) = common::demo_copy();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    let config = blob_path(&layout, &format!("sha256:{}", base.id));
    let outside = layout.parent().unwrap().join("outside.json");
    std::fs::copy(&config, &outside).unwrap();
    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink(&outside, &config).unwrap();
    let catalog = load("oci", &layout);
    let base = image_named(&catalog, "localhost/base:1");
    assert!(
        base.problems[0].contains("outside the layout"),
        "{:?}",
        base.problems
    );
}

#[test]
fn index_that_refers_to_itself() {
    let (_t, layout) = common::demo_copy();
    let fake = format!("sha256:{}", "e".repeat(64));
    let own = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": fake, "size": 1}]
    });
    std::fs::write(blob_path(&layout, &fake), serde_json::to_vec(&own).unwrap()).unwrap();
    let mut idx = index(&layout);
    idx["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": fake,
            "size": 1,
            "annotations": {"org.opencontainers.image.ref.name": "loop"}
        }));
    write_index(&layout, &idx);
    let catalog = load("oci", &layout);
    let looped = image_named(&catalog, "loop");
    assert!(
        looped
            .problems
            .iter()
            .any(|p| p.contains("refers to itself")),
        "{:?}",
        looped.problems
    );
    let out = cairn(&["--store", &store_arg(&layout), "images", "-a"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn truncated_archive() {
    common::require("skopeo");
    let t = tempfile::tempdir().unwrap();
    let archive = t.path().join("a.tar");
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            &format!("oci:{}:localhost/app:1.0", demo().display()),
            &format!("oci-archive:{}", archive.display()),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&archive).unwrap();
    std::fs::write(&archive, &bytes[..bytes.len() / 2 + 100]).unwrap();
    let out = cairn(&[
        "--store",
        &format!("oci-archive:{}", archive.display()),
        "images",
    ]);
    assert_eq!(out.status.code(), Some(125), "{}", stdout(&out));
    assert!(stderr(&out).contains("truncated"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn not_a_layout() {
    let t = tempfile::tempdir().unwrap();
    let out = cairn(&["--store", &format!("oci:{}", t.path().display()), "images"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("is not an OCI image layout"),
        "{}",
        stderr(&out)
    );
}
