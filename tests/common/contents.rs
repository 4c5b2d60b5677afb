//! Layer contents for the tests: a layer tar listed by the tar crate (a reader cairn does not
//! use for listings), in the form of cairn's entries, to compare cairn's readers with.

use cairn_core::contents::{Entry, EntryKind};
use std::io::Read;

/// Every entry of a layer tar (decompressed from gzip or zstd when it is), as cairn's
/// contract has it: paths without `./` or a trailing `/`, the root left out, checksums
/// left out (a blob has none).
pub fn tar_listing(blob: &[u8]) -> Vec<Entry> {
    let mut tar = decompress(blob);
    // `umoci insert` ends a layer right after its last body, which Go's archive/tar (and so
    // podman) reads as the end; the tar crate wants the padding and end blocks.
    tar.resize(tar.len().next_multiple_of(512) + 1024, 0);
    let mut archive = tar::Archive::new(&tar[..]);
    let mut entries = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let pax_mtime = entry
            .pax_extensions()
            .unwrap()
            .and_then(|mut pax| {
                pax.find(|e| e.as_ref().unwrap().key() == Ok("mtime"))
                    .map(|e| e.unwrap().value().unwrap().to_string())
            })
            .map(|t| t.split('.').next().unwrap().parse::<i64>().unwrap());
        let header = entry.header().clone();
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
            tar::EntryType::Directory => EntryKind::Dir,
            tar::EntryType::Symlink => EntryKind::Symlink,
            tar::EntryType::Link => EntryKind::Hardlink,
            tar::EntryType::Char => EntryKind::Char,
            tar::EntryType::Block => EntryKind::Block,
            tar::EntryType::Fifo => EntryKind::Fifo,
            _ => continue,
        };
        let path = clean(&entry.path_bytes());
        if path.is_empty() {
            continue;
        }
        let link = entry.link_name_bytes().map(|l| match kind {
            EntryKind::Hardlink => clean(&l).into_boxed_slice(),
            _ => l.to_vec().into_boxed_slice(),
        });
        entries.push(Entry {
            path: path.into_boxed_slice(),
            kind,
            mode: header.mode().unwrap() & 0o7777,
            uid: header.uid().unwrap(),
            gid: header.gid().unwrap(),
            size: if kind == EntryKind::File {
                entry.size()
            } else {
                0
            },
            link: link.filter(|_| matches!(kind, EntryKind::Hardlink | EntryKind::Symlink)),
            mtime: pax_mtime.unwrap_or(header.mtime().unwrap() as i64),
            checksum: None,
        });
    }
    entries
}

/// A blob's tar, decompressed from gzip or zstd when it is.
pub fn decompress(blob: &[u8]) -> Vec<u8> {
    let mut tar = Vec::new();
    if blob.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(blob)
            .read_to_end(&mut tar)
            .unwrap();
    } else if blob.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        tar = zstd::decode_all(blob).unwrap();
    } else {
        tar = blob.to_vec();
    }
    tar
}

fn clean(raw: &[u8]) -> Vec<u8> {
    raw.split(|&b| b == b'/')
        .filter(|p| !p.is_empty() && *p != b".")
        .collect::<Vec<_>>()
        .join(&b'/')
}

/// Every layer blob of an OCI layout (any file of `blobs/sha256` that is not JSON), with
/// its DiffID (the digest of its uncompressed tar) and that tar, so that a test finds a
/// layer's blob without cairn's help.
pub fn layer_blobs(layout: &std::path::Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    use sha2::Digest;
    let mut found = Vec::new();
    for file in std::fs::read_dir(layout.join("blobs/sha256")).unwrap() {
        let blob = std::fs::read(file.unwrap().path()).unwrap();
        if blob.first() == Some(&b'{') {
            continue;
        }
        let tar = decompress(&blob);
        let hex: String = sha2::Sha256::digest(&tar)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        found.push((format!("sha256:{hex}"), blob, tar));
    }
    found
}

/// Entries without their checksums, to compare a tar-split listing with a blob's.
pub fn without_checksums(entries: &[Entry]) -> Vec<Entry> {
    entries
        .iter()
        .map(|e| Entry {
            checksum: None,
            ..e.clone()
        })
        .collect()
}

/// The store `scripts/make-contents-fixture.sh` writes, built once per version of the script
/// and reused by later runs (in the system's temporary folder, as the podman fixture is).
pub fn contents_fixture() -> &'static std::path::Path {
    use std::sync::OnceLock;
    static FIXTURE: OnceLock<std::path::PathBuf> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        built_once(
            "make-contents-fixture.sh",
            &["buildah", "skopeo", "umoci", "podman", "tar", "busybox"],
        )
    })
}

/// The overlay-driver store `scripts/make-contents-overlay.sh` writes (the kernel's
/// overlayfs, as root), built once per version of the script.
pub fn overlay_fixture() -> &'static std::path::Path {
    use std::sync::OnceLock;
    static FIXTURE: OnceLock<std::path::PathBuf> = OnceLock::new();
    FIXTURE.get_or_init(|| built_once("make-contents-overlay.sh", &["buildah", "busybox"]))
}

/// `scripts/SCRIPT DIR/store`, run once per version of the script and of the libraries both
/// fixture scripts source (`common::built_once`), after checking that its `tools` are
/// installed.
fn built_once(script: &str, tools: &[&str]) -> std::path::PathBuf {
    for tool in tools {
        super::require(tool);
    }
    let libraries = ["lib/new-dir.sh", "lib/busybox-steps.sh"];
    super::built_once(&[&[script][..], &libraries].concat(), |dir| {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scripts")
            .join(script);
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg(dir.join("store"))
            .output()
            .unwrap();
        super::ok(out, &script.display().to_string());
    })
    .join("store")
}

/// The names GNU tar lists in a layer tar, in its order, as cairn's contract writes paths
/// (the root left out).
pub fn gnu_tar_names(tar: &[u8]) -> Vec<Vec<u8>> {
    use std::io::Write;
    let mut child = std::process::Command::new("tar")
        .args(["--quoting-style=literal", "-tf", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let owned = tar.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&owned));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "tar -tf failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|&b| b == b'\n')
        .map(clean)
        .filter(|p| !p.is_empty())
        .collect()
}

/// Entries one a line, readable in a failed assertion's diff.
pub fn show(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            format!(
                "{:?} {:?} {:o} {}:{} {} {:?} {}",
                String::from_utf8_lossy(&e.path),
                e.kind,
                e.mode,
                e.uid,
                e.gid,
                e.size,
                e.link
                    .as_ref()
                    .map(|l| String::from_utf8_lossy(l).into_owned()),
                e.mtime
            )
        })
        .collect()
}

/// A copy of a fixture's containers-storage (its `root` and `run`, with owners, times,
/// devices and extended attributes) under `/tmp` (podman's run roots must be short), for a
/// test to change; removed at the end, with any container a test added, even when it fails.
pub struct StoreCopy {
    dir: tempfile::TempDir,
    driver: &'static str,
}

impl StoreCopy {
    pub fn of(fixture: &std::path::Path, driver: &'static str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("cc")
            .tempdir_in("/tmp")
            .unwrap();
        for part in ["root", "run"] {
            let out = std::process::Command::new("cp")
                .arg("-a")
                .arg(fixture.join(part))
                .arg(dir.path())
                .output()
                .unwrap();
            super::ok(out, &format!("cp -a {part}"));
        }
        StoreCopy { dir, driver }
    }

    pub fn root(&self) -> std::path::PathBuf {
        self.dir.path().join("root")
    }

    /// podman's flags naming the copy.
    pub fn flags(&self) -> Vec<String> {
        let p = self.dir.path();
        vec![
            "--root".into(),
            p.join("root").display().to_string(),
            "--runroot".into(),
            p.join("run").display().to_string(),
            "--storage-driver".into(),
            self.driver.into(),
        ]
    }

    pub fn store(&self) -> cairn_store::Store {
        cairn_store::Selection {
            root: Some(self.root()),
            runroot: Some(self.dir.path().join("run")),
            storage_driver: Some(self.driver.into()),
            store: None,
            ..cairn_store::Selection::default()
        }
        .resolve()
        .unwrap()
    }

    /// `buildah ARGS` on the copy; its output, trimmed.
    pub fn buildah(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("buildah")
            .args(self.flags())
            .args(args)
            .output()
            .unwrap();
        super::ok(out, &format!("buildah {args:?}"))
            .trim()
            .to_string()
    }
}

impl Drop for StoreCopy {
    fn drop(&mut self) {
        let _ = std::process::Command::new("buildah")
            .args(self.flags())
            .args(["rm", "--all"])
            .output();
    }
}

/// The layers of the image named `name` (a full name, as the store records it), base first.
pub fn image_layers(snapshot: &cairn_core::Snapshot, name: &str) -> Vec<cairn_core::LayerIdx> {
    let image = snapshot
        .images
        .iter()
        .find(|i| i.names.iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no image {name}"));
    let mut layers = Vec::new();
    let mut at = image.top_layer.clone();
    while let Some(id) = at {
        let idx = snapshot.layer_by_id(&id).unwrap();
        layers.push(idx);
        at = snapshot.layers[idx].parent.clone();
    }
    layers.reverse();
    layers
}
