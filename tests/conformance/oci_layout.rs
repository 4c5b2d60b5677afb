//! OCI layouts and archives (`--store oci:`, `oci-archive:`, `docker-archive:`) against the real
//! tools: reading what skopeo, umoci, buildah and podman write, changes that skopeo and umoci
//! read back, removal that keeps exactly what `umoci gc` keeps. The demo alone and bad input
//! are the hermetic tier's `oci_layout`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::oci::*;
use crate::common::{self, stderr, stdout};
use std::process::Command;

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
    // Docker's older form has no manifests: the ones cairn makes for it are no missing blobs.
    for archive in [&docker_archive, &skopeo_archive] {
        let store = format!("docker-archive:{}", archive.display());
        let out = cairn(&["--store", &store, "verify"]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    }
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
