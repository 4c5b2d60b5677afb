//! Hostile structure: stores whose shape, not their text, is the attack. Indexes nested
//! thousands deep or sharing children exponentially, FIFOs and devices where files should be,
//! unknown versions and drivers, archives that are not tars, and the docker-archive forms
//! cairn must read as docker does. Each is answered quickly with one clear line, or read
//! correctly; nothing hangs, aborts or is written. Every store is written by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::oci::sha256;
use crate::common::{stderr, stdout};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs cairn, killed after `limit`: a hang is a failure, not a stuck test run.
fn cairn_within(limit: Duration, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "cairn {args:?} still ran after {limit:?}; stderr: {}",
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn cairn(args: &[&str]) -> Output {
    cairn_within(Duration::from_secs(60), args)
}

/// Failed as podman fails (125), with one line and no panic, saying `needle`.
fn refused(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(125), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "{needle:?} not in: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

/// An OCI layout written file by file.
struct Layout {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Layout {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout");
        std::fs::create_dir_all(path.join("blobs/sha256")).unwrap();
        std::fs::write(
            path.join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        Layout { _dir: dir, path }
    }

    fn store(&self) -> String {
        format!("oci:{}", self.path.display())
    }

    fn blob(&self, bytes: &[u8]) -> Value {
        let digest = sha256(bytes);
        std::fs::write(self.blob_path(&digest), bytes).unwrap();
        json!({"digest": digest, "size": bytes.len()})
    }

    fn blob_path(&self, digest: &str) -> PathBuf {
        self.path
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    }

    /// A one-layer image: its manifest's descriptor.
    fn image(&self, tag: &str) -> Value {
        let layer = self.blob(format!("layer of {tag}").as_bytes());
        let config = self.blob(
            serde_json::to_vec(&json!({
                "architecture": "amd64", "os": "linux",
                "created": "2024-01-01T00:00:00Z",
                "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]},
                "history": [{"created_by": tag}],
            }))
            .unwrap()
            .as_slice(),
        );
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": with_type(&config, "application/vnd.oci.image.config.v1+json"),
            "layers": [with_type(&layer, "application/vnd.oci.image.layer.v1.tar")],
        });
        let manifest = self.blob(&serde_json::to_vec(&manifest).unwrap());
        with_type(&manifest, "application/vnd.oci.image.manifest.v1+json")
    }

    fn index_of(&self, children: &[Value]) -> Value {
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": children,
        });
        let blob = self.blob(&serde_json::to_vec(&index).unwrap());
        with_type(&blob, "application/vnd.oci.image.index.v1+json")
    }

    fn set_index(&self, top: &[Value]) {
        let index = json!({"schemaVersion": 2, "manifests": top});
        std::fs::write(
            self.path.join("index.json"),
            serde_json::to_vec(&index).unwrap(),
        )
        .unwrap();
    }

    /// The layout as `podman save --format oci-archive` would pack it.
    fn archive(&self) -> PathBuf {
        let file = self.path.with_extension("tar");
        let mut tar = tar::Builder::new(std::fs::File::create(&file).unwrap());
        tar.append_dir_all(".", &self.path).unwrap();
        tar.finish().unwrap();
        file
    }
}

fn with_type(descriptor: &Value, media_type: &str) -> Value {
    let mut d = descriptor.clone();
    d["mediaType"] = json!(media_type);
    d
}

fn named(descriptor: &Value, name: &str) -> Value {
    let mut d = descriptor.clone();
    d["annotations"] = json!({"org.opencontainers.image.ref.name": name});
    d
}

/// An index nested `depth` times around an image.
fn nested(layout: &Layout, depth: usize) -> Value {
    let mut top = layout.image("deep");
    for _ in 0..depth {
        top = layout.index_of(&[top]);
    }
    top
}

#[test]
fn an_index_nested_six_thousand_deep_is_refused_in_a_layout_and_an_archive() {
    let layout = Layout::new();
    let top = nested(&layout, 6000);
    layout.set_index(&[named(&top, "deep")]);
    let archive = layout.archive();
    for store in [layout.store(), format!("oci-archive:{}", archive.display())] {
        let out = cairn(&["--store", &store, "images"]);
        refused(&out, "nest more than 32 levels deep");
        let out = cairn(&["--store", &store, "verify"]);
        assert!(!stderr(&out).contains("overflow"), "{}", stderr(&out));
        assert!(out.status.code().is_some(), "verify was killed");
    }
}

#[test]
fn an_index_nested_a_few_levels_still_reads() {
    let layout = Layout::new();
    let top = nested(&layout, 3);
    layout.set_index(&[named(&top, "three")]);
    let out = cairn(&["--store", &layout.store(), "images", "-a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("three"), "{}", stdout(&out));
}

#[test]
fn indexes_sharing_children_eight_ways_eight_deep_read_at_once() {
    let layout = Layout::new();
    let mut level = vec![layout.image("leaf")];
    for depth in 0..8 {
        // Eight distinct indexes per level, each naming all eight of the level below.
        level = (0..8)
            .map(|i| {
                let mut children = level.clone();
                children.push(layout.image(&format!("filler-{depth}-{i}")));
                layout.index_of(&children)
            })
            .collect();
    }
    layout.set_index(&[named(&level[0], "fan")]);
    let archive = layout.archive();
    assert!(std::fs::metadata(&archive).unwrap().len() < 1 << 20);
    for store in [layout.store(), format!("oci-archive:{}", archive.display())] {
        let out = cairn_within(
            Duration::from_secs(20),
            &["--store", &store, "images", "-a"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("fan"), "{}", stdout(&out));
        let out = cairn_within(Duration::from_secs(20), &["--store", &store, "verify"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    }
}

/// A containers-storage store written by `cairn-genstore`, and its flags.
struct Podman {
    _dir: tempfile::TempDir,
    root: PathBuf,
    run: PathBuf,
}

impl Podman {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let run = dir.path().join("run");
        crate::common::generated::generate(&root, crate::common::generated::SEED);
        std::fs::create_dir_all(run.join("vfs-layers")).unwrap();
        Podman {
            _dir: dir,
            root,
            run,
        }
    }

    fn cairn(&self, rest: &[&str]) -> Output {
        let mut all = crate::common::store_flags(&self.root, &self.run);
        all.extend(rest.iter().map(|s| s.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        cairn_within(Duration::from_secs(20), &all)
    }

    /// The config file of the first image that has one.
    fn a_config(&self) -> (String, PathBuf) {
        let images: Vec<Value> = serde_json::from_slice(
            &std::fs::read(self.root.join("vfs-images/images.json")).unwrap(),
        )
        .unwrap();
        images
            .iter()
            .filter_map(|i| i["id"].as_str())
            .find_map(|id| {
                let key = format!("sha256:{id}");
                let name = format!("={}", base64_of(&key));
                let path = self.root.join("vfs-images").join(id).join(name);
                path.is_file().then(|| (id.to_string(), path))
            })
            .expect("an image with a config")
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn make_fifo(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

fn link_to_dev_zero(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    std::os::unix::fs::symlink("/dev/zero", path).unwrap();
}

#[test]
fn a_fifo_or_dev_zero_where_a_record_file_should_be_is_refused_at_once() {
    for file in [
        "root/vfs-images/images.json",
        "root/vfs-layers/layers.json",
        "root/vfs-containers/containers.json",
        "run/vfs-layers/mountpoints.json",
    ] {
        for (make, kind) in [
            (make_fifo as fn(&std::path::Path), "a FIFO"),
            (link_to_dev_zero, "a character device"),
        ] {
            let store = Podman::new();
            let path = store._dir.path().join(file);
            make(&path);
            let out = store.cairn(&["images"]);
            refused(
                &out,
                &format!("{} is not a regular file ({kind})", path.display()),
            );
        }
    }
}

#[test]
fn a_fifo_or_dev_zero_where_an_image_config_should_be_marks_the_image() {
    for (make, kind) in [
        (make_fifo as fn(&std::path::Path), "a FIFO"),
        (link_to_dev_zero, "a character device"),
    ] {
        let store = Podman::new();
        let (id, config) = store.a_config();
        make(&config);
        let out = store.cairn(&["images", "-a", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let listing: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
        let image = listing.iter().find(|i| i["Id"] == id.as_str()).unwrap();
        let problems = image["Problems"].to_string();
        assert!(problems.contains(kind), "{problems}");
    }
}

#[test]
fn a_fifo_or_dev_zero_given_as_an_archive_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.tar");
    make_fifo(&fifo);
    for (path, kind) in [
        (fifo, "a FIFO"),
        (PathBuf::from("/dev/zero"), "a character device"),
    ] {
        for form in ["oci-archive", "docker-archive"] {
            let store = format!("{form}:{}", path.display());
            let out = cairn_within(Duration::from_secs(20), &["--store", &store, "images"]);
            refused(&out, &format!("is not a regular file ({kind})"));
        }
    }
}

#[test]
fn an_oci_layout_of_unknown_version_or_garbage_is_refused_and_not_rewritten() {
    for (content, needle) in [
        (
            &br#"{"imageLayoutVersion":"9.9.9"}"#[..],
            r#"layout version "9.9.9" is not supported"#,
        ),
        (&b"garbage\x1b]0;x\x07"[..], "oci-layout is not JSON"),
        (&b"{}"[..], "names no imageLayoutVersion"),
    ] {
        let layout = Layout::new();
        layout.set_index(&[named(&layout.image("one"), "localhost/one:1")]);
        std::fs::write(layout.path.join("oci-layout"), content).unwrap();
        let before = crate::common::tree_digest(&layout.path);
        for args in [
            &["images"][..],
            &["tag", "localhost/one:1", "localhost/one:2"],
            &["rm", "localhost/one:1"],
        ] {
            let store = layout.store();
            let mut all = vec!["--store", store.as_str()];
            all.extend_from_slice(args);
            let out = cairn(&all);
            refused(&out, needle);
            assert!(!stderr(&out).contains('\x1b'), "{}", stderr(&out));
        }
        assert_eq!(crate::common::tree_digest(&layout.path), before);
        let archive = layout.archive();
        let out = cairn(&[
            "--store",
            &format!("oci-archive:{}", archive.display()),
            "images",
        ]);
        refused(&out, needle);
    }
}

#[test]
fn an_unknown_storage_driver_is_refused_in_podmans_words() {
    let store = Podman::new();
    for driver in ["nosuch", "../../x"] {
        let root = store.root.display().to_string();
        let run = store.run.display().to_string();
        let args = [
            "--root",
            &root,
            "--runroot",
            &run,
            "--storage-driver",
            driver,
        ];
        let out = cairn(&[&args[..], &["images"]].concat());
        refused(
            &out,
            &format!(
                "failed to GetDriver graph {driver} {}: driver not supported",
                store.root.display()
            ),
        );
    }
}

#[test]
fn a_compressed_or_non_tar_archive_is_refused_with_one_clean_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut garbage = vec![0u8; 2048];
    for (i, b) in garbage.iter_mut().enumerate() {
        *b = (i * 131 % 251) as u8;
    }
    garbage[..4].copy_from_slice(b"\x1b[2J");
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "gz",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
            "is compressed with gzip",
        ),
        (
            "zst",
            vec![0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0],
            "is compressed with zstd",
        ),
        ("bin", garbage, "is not a tar archive"),
    ];
    for (name, bytes, needle) in cases {
        let path = dir.path().join(format!("image.{name}"));
        std::fs::write(&path, bytes).unwrap();
        for form in ["oci-archive", "docker-archive"] {
            let store = format!("{form}:{}", path.display());
            let out = cairn(&["--store", &store, "images"]);
            refused(&out, needle);
            let err = stderr(&out);
            assert!(
                err.chars().all(|c| c == '\n' || !c.is_control()),
                "raw bytes in: {err:?}"
            );
        }
    }
}

#[test]
fn tree_on_an_image_whose_top_layer_is_missing_fails_as_podman_does() {
    let store = Podman::new();
    let images_json = store.root.join("vfs-images/images.json");
    let images: Vec<Value> = serde_json::from_slice(&std::fs::read(&images_json).unwrap()).unwrap();
    let image = images
        .iter()
        .find(|i| i["layer"].is_string() && i["names"].is_array())
        .unwrap();
    let (name, top) = (
        image["names"][0].as_str().unwrap(),
        image["layer"].as_str().unwrap(),
    );
    let layers_json = store.root.join("vfs-layers/layers.json");
    let layers: Vec<Value> = serde_json::from_slice(&std::fs::read(&layers_json).unwrap()).unwrap();
    let kept: Vec<&Value> = layers.iter().filter(|l| l["id"] != top).collect();
    std::fs::write(&layers_json, serde_json::to_vec(&kept).unwrap()).unwrap();
    let out = store.cairn(&["tree", name]);
    refused(
        &out,
        &format!("locating layer with ID \"{top}\": layer not known"),
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

#[test]
fn a_history_step_without_a_date_is_as_old_as_podman_says() {
    let layout = Layout::new();
    layout.set_index(&[named(&layout.image("undated"), "localhost/undated:1")]);
    let out = cairn(&["--store", &layout.store(), "history", "localhost/undated:1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("292 years ago"), "{text}");
}

/// `docker save`'s older form, as Docker before 25 wrote it: the second image's copy of the
/// shared base layer is a symbolic link to the first copy.
fn old_docker_save(dir: &std::path::Path) -> PathBuf {
    let base_layer = b"base layer bytes".to_vec();
    let app_layer = b"app layer bytes".to_vec();
    let config = |diff_ids: &[&[u8]]| {
        let ids: Vec<String> = diff_ids.iter().map(|l| sha256(l)).collect();
        serde_json::to_vec(&json!({
            "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
            "rootfs": {"type": "layers", "diff_ids": ids},
        }))
        .unwrap()
    };
    let base_config = config(&[&base_layer]);
    let app_config = config(&[&base_layer, &app_layer]);
    let hex = |bytes: &[u8]| sha256(bytes).trim_start_matches("sha256:").to_string();
    // The image whose copy is the link comes first, so its descriptors are read first.
    let manifest = json!([
        {"Config": format!("{}.json", hex(&app_config)), "RepoTags": ["app:1"],
         "Layers": ["bbbb/layer.tar", "cccc/layer.tar"]},
        {"Config": format!("{}.json", hex(&base_config)), "RepoTags": ["base:1"],
         "Layers": ["aaaa/layer.tar"]},
    ]);
    let path = dir.join("old-save.tar");
    let mut tar = tar::Builder::new(std::fs::File::create(&path).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, data).unwrap();
    };
    add("aaaa/layer.tar", &base_layer);
    add("cccc/layer.tar", &app_layer);
    add(&format!("{}.json", hex(&base_config)), &base_config);
    add(&format!("{}.json", hex(&app_config)), &app_config);
    add("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    link.set_mode(0o777);
    tar.append_link(&mut link, "bbbb/layer.tar", "../aaaa/layer.tar")
        .unwrap();
    tar.finish().unwrap();
    path
}

#[test]
fn an_old_docker_save_whose_layers_are_links_keeps_them_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let archive = old_docker_save(dir.path());
    let store = format!("docker-archive:{}", archive.display());
    let out = cairn(&["--store", &store, "images", "-a", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(listing.len(), 2, "{listing:?}");
    for image in &listing {
        assert!(
            image["Problems"].as_array().is_none_or(|p| p.is_empty()),
            "{image}"
        );
    }
    let catalog = crate::common::oci::load("docker-archive", &archive);
    let sizes: Vec<Option<u64>> = catalog
        .snapshot
        .layers
        .iter()
        .map(|l| l.diff_size)
        .collect();
    assert_eq!(sizes.len(), 2);
    assert!(sizes.iter().all(|s| *s >= Some(15)), "{sizes:?}");
    let out = cairn(&["--store", &store, "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn huge_sizes_saturate_and_no_child_is_smaller_than_its_parent() {
    let store = Podman::new();
    let layers_json = store.root.join("vfs-layers/layers.json");
    let mut layers: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&layers_json).unwrap()).unwrap();
    for layer in &mut layers {
        layer["diff-size"] = json!(i64::MAX);
    }
    std::fs::write(&layers_json, serde_json::to_vec(&layers).unwrap()).unwrap();
    let images_json = store.root.join("vfs-images/images.json");
    let mut images: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&images_json).unwrap()).unwrap();
    for image in &mut images {
        image["big-data-sizes"] = json!({"a": i64::MAX, "b": i64::MAX, "c": i64::MAX});
    }
    std::fs::write(&images_json, serde_json::to_vec(&images).unwrap()).unwrap();
    let out = store.cairn(&["images", "-a", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let size_of = |id: &str| {
        listing
            .iter()
            .find(|i| i["Id"] == id)
            .and_then(|i| i["Size"].as_u64())
    };
    let mut pairs = 0;
    for image in &listing {
        let Some(parent) = image["ParentId"].as_str().filter(|p| !p.is_empty()) else {
            continue;
        };
        let (Some(child), Some(parent)) = (image["Size"].as_u64(), size_of(parent)) else {
            continue;
        };
        assert!(child >= parent, "{child} < {parent}");
        pairs += 1;
    }
    assert!(pairs > 0, "no parent and child in {listing:?}");
    assert!(listing.iter().all(|i| i["Size"].as_u64() == Some(u64::MAX)));
    let out = store.cairn(&["images", "-a"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
