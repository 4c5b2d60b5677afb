//! Layer contents from bad input, through `Store::layer_entries`: a truncated or corrupt
//! blob or tar-split, entries with `..` or absolute paths, a header that lies about its size,
//! a decompression bomb, a link where a layer's folder or tar-split should be. Each is one
//! error that names the layer and the problem; nothing is written and nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use crate::common::contents::{decompress, tar_listing};
use crate::common::oci::{put_blob, sha256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_core::contents::EntrySource;
use cairn_core::{LayerIdx, Snapshot};
use cairn_store::{Selection, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Every file under `dir` with its bytes, to show that nothing was written.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            } else {
                files.push((path, Vec::new()));
            }
        }
    }
    files.sort();
    files
}

const GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
const PLAIN: &str = "application/vnd.oci.image.layer.v1.tar";

/// An OCI layout of one image of one layer, `blob` labelled `media_type`; the layer's
/// error is returned, after checking that nothing in the layout changed.
fn layer_error(blob: &[u8], media_type: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let layer = put_blob(&layout, media_type, blob);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256(blob)]},
    });
    let config = put_blob(
        &layout,
        "application/vnd.oci.image.config.v1+json",
        &serde_json::to_vec(&config).unwrap(),
    );
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": [layer],
    });
    let mut manifest = put_blob(
        &layout,
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    manifest["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "bad:1"});
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [manifest]});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let store = Selection {
        store: Some(format!("oci:{}", layout.display())),
        ..Selection::default()
    }
    .resolve()
    .unwrap();
    let snapshot = store.load().unwrap().snapshot;
    let before = tree(&layout);
    let error = store
        .layer_entries(&snapshot, LayerIdx::from(0))
        .unwrap_err()
        .to_string();
    assert_eq!(tree(&layout), before, "the layout changed");
    assert!(
        error.contains(&snapshot.layers[LayerIdx::from(0)].id),
        "{error}"
    );
    assert!(error.contains("cannot list layer"), "{error}");
    error
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A tar with one entry whose header is written by hand, so that it can say anything.
fn tar_with(name: &[u8], size: u64, body: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_mode(0o644);
    header.set_size(size);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let mut tar = header.as_bytes().to_vec();
    tar.extend_from_slice(body);
    tar
}

/// A well-formed tar of a few entries.
fn good_tar() -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, body) in [("etc/a", &b"one"[..]), ("etc/b", b"two, longer")] {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        builder.append_data(&mut header, name, body).unwrap();
    }
    builder.into_inner().unwrap()
}

#[test]
fn a_truncated_blob_is_said_to_be_truncated() {
    let tar = good_tar();
    let blob = gzip(&tar);
    let error = layer_error(&blob[..blob.len() / 2], GZIP);
    assert!(
        error.contains("truncated") || error.contains("end of file"),
        "{error}"
    );
    let error = layer_error(&tar[..700], PLAIN);
    assert!(error.contains("truncated"), "{error}");
}

#[test]
fn a_corrupt_blob_is_refused() {
    let mut blob = gzip(&good_tar());
    let middle = blob.len() / 2;
    blob[middle] ^= 0xff;
    blob[middle + 1] ^= 0xff;
    layer_error(&blob, GZIP);
    let mut tar = good_tar();
    tar[10] ^= 0x20;
    let error = layer_error(&tar, PLAIN);
    assert!(error.contains("checksum"), "{error}");
}

#[test]
fn entries_that_leave_the_image_are_refused() {
    let error = layer_error(&gzip(&tar_with(b"a/../../etc/passwd", 0, &[0; 1024])), GZIP);
    assert!(
        error.contains("a/../../etc/passwd") && error.contains(".."),
        "{error}"
    );
    let error = layer_error(&tar_with(b"/etc/passwd", 0, &[0; 1024]), PLAIN);
    assert!(error.contains("absolute"), "{error}");
}

#[test]
fn a_header_that_lies_about_its_size_is_caught() {
    // Says a megabyte, holds ten bytes: plain (seeked over) and compressed (read through).
    let lying = tar_with(b"big", 1 << 20, &[7; 10]);
    let error = layer_error(&lying, PLAIN);
    assert!(error.contains("truncated"), "{error}");
    let error = layer_error(&gzip(&lying), GZIP);
    assert!(error.contains("truncated"), "{error}");
}

#[test]
fn a_decompression_bomb_is_refused_once_past_its_bound() {
    // 256 MiB of zeros behind one header: zstd makes a few kilobytes of it.
    let size = 256u64 << 20;
    let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    encoder.write_all(&tar_with(b"bomb", size, &[])).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..(size >> 20) {
        encoder.write_all(&zeros).unwrap();
    }
    let blob = encoder.finish().unwrap();
    assert!(blob.len() < 64 << 10, "{}", blob.len());
    let error = layer_error(&blob, ZSTD);
    assert!(error.contains("decompression bomb"), "{error}");
}

#[test]
fn a_blob_labelled_gzip_that_is_not_is_said_to_be_mislabelled() {
    let error = layer_error(&zstd::encode_all(&good_tar()[..], 1).unwrap(), GZIP);
    assert!(error.contains("mislabelled"), "{error}");
}

/// A containers-storage store made by hand: one vfs layer, its tar-split as `split` (when
/// given) and its folder as `folder` does.
struct HandStore {
    _dir: tempfile::TempDir,
    root: PathBuf,
    id: String,
}

impl HandStore {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let id = "a".repeat(64);
        for folder in ["vfs-layers", "vfs-images", "vfs-containers", "vfs/dir"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        std::fs::write(
            root.join("vfs-layers/layers.json"),
            format!(r#"[{{"id":"{id}","created":"2023-11-14T22:13:20Z"}}]"#),
        )
        .unwrap();
        HandStore {
            _dir: dir,
            root,
            id,
        }
    }

    fn split_path(&self) -> PathBuf {
        self.root
            .join(format!("vfs-layers/{}.tar-split.gz", self.id))
    }

    fn store(&self) -> (Store, Snapshot) {
        let store = Selection {
            root: Some(self.root.clone()),
            runroot: Some(self.root.with_file_name("run")),
            storage_driver: Some("vfs".into()),
            store: None,
            ..Selection::default()
        }
        .resolve()
        .unwrap();
        let snapshot = store.load().unwrap().snapshot;
        (store, snapshot)
    }

    /// The layer's error, after checking that nothing in the store changed.
    fn error(&self) -> String {
        let (store, snapshot) = self.store();
        let before = tree(&self.root);
        let error = store
            .layer_entries(&snapshot, LayerIdx::from(0))
            .unwrap_err()
            .to_string();
        assert_eq!(tree(&self.root), before, "the store changed");
        assert!(error.contains(&self.id), "{error}");
        error
    }
}

/// The tar-split vbatts/tar-split writes for `tar`: each header's raw bytes (with the
/// padding before it) as a segment, each body as a file record with its size and a CRC.
fn tar_split_of(tar: &[u8]) -> Vec<u8> {
    let mut lines = Vec::new();
    let mut at = 0usize;
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let body = entry.raw_file_position() as usize;
        let size = entry.size() as usize;
        lines.push(serde_json::json!({"type": 2, "payload": STANDARD.encode(&tar[at..body])}));
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        lines.push(serde_json::json!({
            "type": 1, "name": name, "size": size,
            "payload": STANDARD.encode(((size as u64) * 31).to_be_bytes()),
        }));
        at = body + size;
    }
    lines.push(serde_json::json!({"type": 2, "payload": STANDARD.encode(&tar[at..])}));
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    gzip(text.as_bytes())
}

#[test]
fn a_tar_split_lists_what_its_tar_holds_with_each_body_s_checksum() {
    let hand = HandStore::new();
    let tar = good_tar();
    std::fs::write(hand.split_path(), tar_split_of(&tar)).unwrap();
    let (store, snapshot) = hand.store();
    let listed = store.layer_entries(&snapshot, LayerIdx::from(0)).unwrap();
    assert_eq!(listed.source, EntrySource::TarSplit);
    let mut want = tar_listing(&tar);
    for entry in &mut want {
        entry.checksum = Some((entry.size * 31).to_be_bytes().to_vec().into_boxed_slice());
    }
    assert_eq!(listed.entries, want);
}

#[test]
fn a_truncated_or_corrupt_tar_split_is_refused() {
    let hand = HandStore::new();
    let split = tar_split_of(&good_tar());
    std::fs::write(hand.split_path(), &split[..split.len() / 2]).unwrap();
    let error = hand.error();
    assert!(error.contains(".tar-split.gz"), "{error}");
    // Valid gzip of lines that are not tar-split records.
    std::fs::write(
        hand.split_path(),
        gzip(b"{\"type\":2,\"payload\":\"not base64!\"}\n"),
    )
    .unwrap();
    let error = hand.error();
    assert!(error.contains("base64"), "{error}");
    // A tar-split whose record disagrees with the header's size.
    let text = String::from_utf8(decompress(&split)).unwrap();
    let broken = text.replacen("\"size\":3", "\"size\":4", 1);
    assert_ne!(broken, text);
    std::fs::write(hand.split_path(), gzip(broken.as_bytes())).unwrap();
    let error = hand.error();
    assert!(error.contains("damaged"), "{error}");
}

#[test]
fn a_link_where_a_layer_s_folder_or_tar_split_should_be_is_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"not the store's").unwrap();
    let hand = HandStore::new();
    std::os::unix::fs::symlink(outside.path(), hand.root.join("vfs/dir").join(&hand.id)).unwrap();
    let error = hand.error();
    assert!(error.contains("symbolic link"), "{error}");
    let split_target = outside.path().join("split.gz");
    std::fs::write(&split_target, tar_split_of(&good_tar())).unwrap();
    std::os::unix::fs::symlink(&split_target, hand.split_path()).unwrap();
    let error = hand.error();
    assert!(error.contains("symbolic link"), "{error}");
}

#[test]
fn a_vfs_layer_without_a_tar_split_is_read_from_its_folder_links_listed_not_followed() {
    let hand = HandStore::new();
    let copy = hand.root.join("vfs/dir").join(&hand.id);
    std::fs::create_dir_all(copy.join("etc")).unwrap();
    std::fs::write(copy.join("etc/hostname"), b"box\n").unwrap();
    std::os::unix::fs::symlink("/etc/shadow", copy.join("etc/escape")).unwrap();
    let (store, snapshot) = hand.store();
    let listed = store.layer_entries(&snapshot, LayerIdx::from(0)).unwrap();
    assert_eq!(listed.source, EntrySource::LayerDirectory);
    let paths: Vec<&[u8]> = listed.entries.iter().map(|e| &e.path[..]).collect();
    assert_eq!(paths, [&b"etc"[..], b"etc/escape", b"etc/hostname"]);
    assert_eq!(listed.entries[1].link.as_deref(), Some(&b"/etc/shadow"[..]));
    assert_eq!(listed.entries[2].size, 4);
}
