//! OCI layouts for the tests: the bundled demo, cairn run on a layout, the layout's blobs and
//! index read and written directly.

use cairn_core::Catalog;
use cairn_store::Selection;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo")
}

pub fn cairn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("running cairn")
}

/// Opens `KIND:PATH` as `--store` does (`oci`, `oci-archive` or `docker-archive`).
pub fn load(kind: &str, path: &Path) -> Catalog {
    let selection = Selection {
        store: Some(format!("{kind}:{}", path.display())),
        ..Selection::default()
    };
    let store = selection.resolve().expect("a layout or archive");
    Catalog::new(store.load().expect("loading the layout").snapshot)
}

pub fn image_named<'a>(catalog: &'a Catalog, name: &str) -> &'a cairn_core::Image {
    catalog
        .snapshot
        .images
        .iter()
        .find(|i| i.names.iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no image named {name}"))
}

pub fn blob_names(layout: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn store_arg(layout: &Path) -> String {
    format!("oci:{}", layout.display())
}

pub fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

pub fn index(layout: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap()
}

pub fn write_index(layout: &Path, index: &serde_json::Value) {
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(index).unwrap(),
    )
    .unwrap();
}

/// `sha256:` and the hex digest of the bytes, as OCI descriptors write it.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// Writes a blob into a layout folder, returning its descriptor.
pub fn put_blob(layout: &Path, media_type: &str, bytes: &[u8]) -> serde_json::Value {
    let digest = sha256(bytes);
    std::fs::write(blob_path(layout, &digest), bytes).unwrap();
    serde_json::json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
}
