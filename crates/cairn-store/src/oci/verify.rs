//! `cairn verify`: every blob's content against its name, and every descriptor's digest and
//! size against the blob it names. Each mismatch is reported; nothing stops at the first.

use super::blobs::BlobSource;
use super::document::{Descriptor, Document};
use crate::backend::VerifyReport as Report;
use crate::digest::Digest;
use anyhow::Result;
use std::collections::{HashMap, HashSet};

/// Checks the whole layout or archive.
pub fn verify(source: &dyn BlobSource) -> Result<Report> {
    let mut report = Report::default();
    let checks = source.check_contents()?;
    report.blobs_checked = checks.len();
    let mut sizes = HashMap::new();
    for check in &checks {
        match Digest::parse(&check.name) {
            Err(_) => report.mismatches.push(format!(
                "blob {}: its name is not a valid digest",
                check.name
            )),
            Ok(_) => {
                if let Some(actual) = &check.actual
                    && actual != &check.name
                {
                    report.mismatches.push(format!(
                        "blob {}: its content has digest {actual}",
                        check.name
                    ));
                }
            }
        }
        sizes.insert(check.name.clone(), check.size);
    }
    let index: Document = match serde_json::from_slice(&source.index()?) {
        Ok(index) => index,
        Err(e) => {
            report.mismatches.push(format!("index.json: {e}"));
            return Ok(report);
        }
    };
    let mut seen = HashSet::new();
    let mut queue: Vec<(Descriptor, String)> = index
        .manifests
        .unwrap_or_default()
        .into_iter()
        .map(|d| (d, "index.json".to_string()))
        .collect();
    while let Some((descriptor, referrer)) = queue.pop() {
        let digest = match Digest::parse(&descriptor.digest) {
            Ok(digest) => digest,
            Err(e) => {
                report.mismatches.push(format!("{referrer}: {e}"));
                continue;
            }
        };
        let Some(&size) = sizes.get(digest.as_str()) else {
            if seen.insert(digest.to_string()) {
                report
                    .mismatches
                    .push(format!("blob {digest} (named by {referrer}) is missing"));
            }
            continue;
        };
        if u64::try_from(descriptor.size).ok() != Some(size) {
            report.mismatches.push(format!(
                "blob {digest}: {referrer} says {} bytes, the blob has {size}",
                descriptor.size
            ));
        }
        if !seen.insert(digest.to_string()) {
            continue;
        }
        let is_layer = descriptor.media_type.contains(".layer.")
            || descriptor.media_type.contains("rootfs")
            || descriptor.media_type.contains("config");
        if is_layer {
            continue;
        }
        let Ok(bytes) = source.read(&digest) else {
            continue;
        };
        let Ok(document) = serde_json::from_slice::<Document>(&bytes) else {
            continue;
        };
        let referrer = digest.to_string();
        for child in document
            .manifests
            .into_iter()
            .flatten()
            .chain(document.config)
            .chain(document.layers)
        {
            queue.push((child, referrer.clone()));
        }
    }
    report.mismatches.sort();
    report.mismatches.dedup();
    Ok(report)
}
