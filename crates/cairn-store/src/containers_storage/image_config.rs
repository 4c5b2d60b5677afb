//! An image's config (and, when needed, its manifest) from its big-data folder.

use super::big_data;
use anyhow::{Context, Result, anyhow, bail};
use cairn_core::{HistoryEntry, ImageConfig};
use jiff::Timestamp;
use oci_spec::image::ImageConfiguration;
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
    let bytes = std::fs::read(&manifest_path)
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

fn parse_config(path: &Path) -> Result<Contents> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading config {}", path.display()))?;
    parse(&bytes)
        .map(|c| Contents::Image(Box::new(c)))
        .with_context(|| format!("parsing config {}", path.display()))
}

/// An image config's bytes in the model's terms. The caller says which config it was.
pub fn parse(bytes: &[u8]) -> Result<ImageConfig> {
    let raw: ImageConfiguration = serde_json::from_slice(bytes)?;
    convert(&raw)
}

fn time(text: &Option<String>) -> Result<Option<Timestamp>> {
    text.as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|e| anyhow!("time {t:?}: {e}")))
        .transpose()
}

/// Also used for the configs of OCI layouts and archives.
pub fn convert(raw: &ImageConfiguration) -> Result<ImageConfig> {
    let run = raw.config().clone().unwrap_or_default();
    let history = raw
        .history()
        .iter()
        .flatten()
        .map(|h| {
            Ok(HistoryEntry {
                created: time(h.created())?,
                created_by: h.created_by().clone().unwrap_or_default(),
                author: h.author().clone().unwrap_or_default(),
                comment: h.comment().clone().unwrap_or_default(),
                empty_layer: h.empty_layer().unwrap_or(false),
            })
        })
        .collect::<Result<_>>()?;
    Ok(ImageConfig {
        created: time(raw.created())?,
        author: raw.author().clone().unwrap_or_default(),
        architecture: raw.architecture().to_string(),
        os: raw.os().to_string(),
        variant: raw.variant().clone().unwrap_or_default(),
        diff_ids: raw.rootfs().diff_ids().clone(),
        history,
        labels: run
            .labels()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        env: run.env().clone().unwrap_or_default(),
        entrypoint: run.entrypoint().clone().unwrap_or_default(),
        cmd: run.cmd().clone().unwrap_or_default(),
        working_dir: run.working_dir().clone().unwrap_or_default(),
        user: run.user().clone().unwrap_or_default(),
    })
}
