//! An image's config (and, when needed, its manifest) from its big-data folder.

use super::big_data;
use crate::oci::blobs::METADATA_LIMIT;
use crate::oci_config;
use crate::regular_file;
use anyhow::{Context, Result, anyhow, bail};
use cairn_core::ImageConfig;
use std::path::Path;

/// What an image's big data describes.
pub enum Contents {
    Image(Box<ImageConfig>),
    /// A manifest list or image index: it has no config of its own.
    ManifestList,
}

/// Reads the config stored under the image ID's digest, or the one its manifest names.
pub fn read(dir: &Path, id: &str, keys: &[String], no_top_layer: bool) -> Result<Contents> {
    let config_key = format!("sha256:{id}");
    if keys.contains(&config_key) && !no_top_layer {
        return parse_config(&dir.join(big_data::file_name(&config_key)));
    }
    let manifest_key = keys
        .iter()
        .find(|k| k.starts_with("manifest-"))
        .or_else(|| keys.iter().find(|k| *k == "manifest"))
        .ok_or_else(|| {
            anyhow!(
                "image {id} has neither a config nor a manifest in {}",
                dir.display()
            )
        })?;
    let manifest_path = dir.join(big_data::file_name(manifest_key));
    let bytes = read_big_data(&manifest_path)
        .with_context(|| format!("reading manifest {}", manifest_path.display()))?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("parsing manifest {}", manifest_path.display()))?;
    if manifest.get("manifests").is_some() {
        return Ok(Contents::ManifestList);
    }
    let digest = manifest
        .pointer("/config/digest")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| anyhow!("manifest {} names no config", manifest_path.display()))?;
    if !is_digest(digest) {
        bail!(
            "manifest {} names an invalid config digest {digest:?}",
            manifest_path.display()
        );
    }
    parse_config(&dir.join(big_data::file_name(digest)))
}

fn is_digest(digest: &str) -> bool {
    digest.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty()
            && alg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && !hex.is_empty()
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A big-data file: a regular file no bigger than any manifest or config.
fn read_big_data(path: &Path) -> Result<Vec<u8>> {
    regular_file::read(path, METADATA_LIMIT)?
        .ok_or_else(|| anyhow!("{} does not exist", path.display()))
}

fn parse_config(path: &Path) -> Result<Contents> {
    let bytes =
        read_big_data(path).with_context(|| format!("reading config {}", path.display()))?;
    oci_config::parse(&bytes)
        .map(|c| Contents::Image(Box::new(c)))
        .with_context(|| format!("parsing config {}", path.display()))
}
