//! An image config (the OCI image-spec's, which Docker's is a subset of) in the model's terms:
//! containers-storage keeps it as big data, a layout or archive as a blob, both read it here.

use anyhow::{Result, anyhow};
use cairn_core::{HistoryEntry, ImageConfig};
use jiff::Timestamp;
use oci_spec::image::ImageConfiguration;

fn time(text: &Option<String>) -> Result<Option<Timestamp>> {
    text.as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|e| anyhow!("time {t:?}: {e}")))
        .transpose()
}

/// An image config in the model's terms. The caller says which config it was.
pub fn parse(bytes: &[u8]) -> Result<ImageConfig> {
    let raw: ImageConfiguration = serde_json::from_slice(bytes)?;
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
