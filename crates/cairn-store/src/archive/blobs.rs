//! An archive's tar scanned once, its small files (manifests, configs, indexes) kept in
//! memory and its layers only measured, and the result served as a layout through
//! [`BlobSource`].
//!
//! Three forms are read: an OCI layout in a tar (`podman save --format oci-archive`,
//! `skopeo copy ... oci-archive:`, and `docker save` since Docker 25, which adds a
//! `manifest.json`); and Docker's older form (`docker save` before 25, `podman save
//! --format docker-archive`, `skopeo copy ... docker-archive:`), whose `manifest.json`
//! lists `{Config, RepoTags, Layers}` with `<hex>.json` configs and `<id>/layer.tar` layers.
//! That form has no manifests: cairn makes the OCI manifest it implies, so the rest of the
//! reader is the same.

use crate::digest::Digest;
use crate::error::StoreError;
use crate::oci::blobs::{BlobCheck, BlobSource, METADATA_LIMIT};
use anyhow::{Context, Result, anyhow, bail};
use cairn_core::reference::docker_full;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Files up to this size are kept in memory when the archive is scanned: every manifest,
/// index and config is far smaller; layers above it are only measured.
const KEEP_LIMIT: u64 = 4 << 20;

/// One regular file of the archive.
#[derive(Debug, Clone)]
struct ArchivedFile {
    size: u64,
    data: Option<Vec<u8>>,
    /// `<alg>:<hex>` of the content, when the scan hashed it (for `verify`).
    hashed: Option<String>,
}

/// An archive scanned into memory, seen as an OCI layout.
#[derive(Debug)]
pub struct ArchiveBlobs {
    path: PathBuf,
    index: Vec<u8>,
    /// Digest -> the file in the archive holding that blob.
    blobs: HashMap<String, String>,
    files: HashMap<String, ArchivedFile>,
    /// Blobs cairn made from a Docker `manifest.json` (manifests that the archive implies).
    made: HashMap<String, Vec<u8>>,
}

/// One entry of Docker's `manifest.json`.
#[derive(Debug, Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

impl ArchiveBlobs {
    /// Scans the archive; with `hash`, every file's digest is computed too (for `verify`).
    pub fn open(path: &Path, hash: bool) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| StoreError::io("opening", path, e))?;
        Self::from_reader(BufReader::new(file), path, hash)
    }

    /// Scans an archive read from `reader`; `path` names it in messages. The fuzz targets
    /// feed it bytes as [`ArchiveBlobs::open`] feeds it a file.
    pub fn from_reader(reader: impl Read, path: &Path, hash: bool) -> Result<Self> {
        let files = scan(reader, path, hash)?;
        let mut archive = ArchiveBlobs {
            path: path.to_path_buf(),
            index: Vec::new(),
            blobs: HashMap::new(),
            files,
            made: HashMap::new(),
        };
        for name in archive.files.keys() {
            if let Some(rest) = name.strip_prefix("blobs/")
                && let Some((alg, hex)) = rest.split_once('/')
                && let Ok(digest) = Digest::parse(&format!("{alg}:{hex}"))
            {
                archive.blobs.insert(digest.to_string(), name.clone());
            }
        }
        if let Some(index) = archive.data("index.json") {
            archive.index = index.to_vec();
        } else if archive.files.contains_key("manifest.json") {
            archive.make_docker_index()?;
        } else {
            bail!(
                "{} is neither an OCI archive nor a Docker archive: it has no index.json and no manifest.json",
                path.display()
            );
        }
        Ok(archive)
    }

    fn data(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).and_then(|f| f.data.as_deref())
    }

    /// Docker's older form: an OCI manifest per `manifest.json` entry, named by its
    /// RepoTags normalized as `podman load` does (`base:1` is `docker.io/library/base:1`).
    fn make_docker_index(&mut self) -> Result<()> {
        let describe = self.path.display().to_string();
        let list: Vec<DockerEntry> = serde_json::from_slice(
            self.data("manifest.json")
                .ok_or_else(|| anyhow!("manifest.json of {describe} is too big"))?,
        )
        .with_context(|| format!("parsing manifest.json of {describe}"))?;
        let mut descriptors = Vec::new();
        for entry in list {
            let config_name = clean_path(&entry.config).ok_or_else(|| {
                anyhow!(
                    "manifest.json of {describe} names config {:?}",
                    entry.config
                )
            })?;
            let config = self
                .data(&config_name)
                .ok_or_else(|| anyhow!("config {config_name} is missing from {describe}"))?
                .to_vec();
            let config_digest = Digest::sha256_of(&config);
            self.blobs
                .insert(config_digest.to_string(), config_name.clone());
            let diff_ids: Vec<String> = serde_json::from_slice::<serde_json::Value>(&config)
                .ok()
                .and_then(|c| c.pointer("/rootfs/diff_ids").cloned())
                .and_then(|d| serde_json::from_value(d).ok())
                .unwrap_or_default();
            let mut layers = Vec::new();
            for (i, layer) in entry.layers.iter().enumerate() {
                let name = clean_path(layer)
                    .ok_or_else(|| anyhow!("manifest.json of {describe} names layer {layer:?}"))?;
                let size = self.files.get(&name).map_or(0, |f| f.size);
                // The layer tar is uncompressed, so its digest is the DiffID.
                let digest = diff_ids.get(i).cloned().unwrap_or_default();
                if Digest::parse(&digest).is_ok() && self.files.contains_key(&name) {
                    self.blobs.insert(digest.clone(), name);
                }
                layers.push(json!({
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar",
                    "digest": digest,
                    "size": size,
                }));
            }
            let manifest = serde_json::to_vec(&json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": config_digest.to_string(),
                    "size": config.len(),
                },
                "layers": layers,
            }))?;
            let manifest_digest = Digest::sha256_of(&manifest);
            let descriptor = |name: Option<String>| {
                let mut d = json!({
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": manifest_digest.to_string(),
                    "size": manifest.len(),
                });
                if let Some(name) = name {
                    d["annotations"] = json!({ "io.containerd.image.name": name });
                }
                d
            };
            let tags = entry.repo_tags.unwrap_or_default();
            if tags.is_empty() {
                descriptors.push(descriptor(None));
            }
            for tag in tags {
                descriptors.push(descriptor(Some(docker_full(&tag))));
            }
            self.made.insert(manifest_digest.to_string(), manifest);
        }
        self.index = serde_json::to_vec(&json!({ "schemaVersion": 2, "manifests": descriptors }))?;
        Ok(())
    }
}

/// An archive member name as a plain relative path, or `None` when it would leave the
/// archive's root (`..`, absolute).
fn clean_path(name: &str) -> Option<String> {
    let trimmed = name.trim_start_matches("./");
    let parts: Vec<&str> = trimmed
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if name.starts_with('/') || parts.is_empty() || parts.contains(&"..") {
        return None;
    }
    Some(parts.join("/"))
}

/// Reads every member of the tar. Links and folders are skipped: a blob that is a link is a
/// missing blob, never a way out of the archive. A truncated archive fails here.
fn scan(reader: impl Read, path: &Path, hash: bool) -> Result<HashMap<String, ArchivedFile>> {
    let broken = || {
        format!(
            "reading archive {} (truncated or not a tar file?)",
            path.display()
        )
    };
    let mut archive = tar::Archive::new(reader);
    let mut files = HashMap::new();
    for entry in archive.entries().with_context(broken)? {
        let mut entry = entry.with_context(broken)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let raw = entry.path_bytes().into_owned();
        let Some(name) = clean_path(&String::from_utf8_lossy(&raw)) else {
            continue;
        };
        let size = entry.size();
        let keep = size <= KEEP_LIMIT;
        let mut data = Vec::new();
        let mut hasher = hash.then(|| Digest::sha256_of(b"").hasher());
        let mut buf = vec![0u8; 64 * 1024];
        let mut read = 0u64;
        loop {
            let n = entry.read(&mut buf).with_context(broken)?;
            if n == 0 {
                break;
            }
            read += n as u64;
            if let Some(h) = hasher.as_mut() {
                h.update(&buf[..n]);
            }
            if keep {
                data.extend_from_slice(&buf[..n]);
            }
        }
        if read != size {
            return Err(anyhow!("member {name} ends early")).with_context(broken);
        }
        files.insert(
            name,
            ArchivedFile {
                size,
                data: keep.then_some(data),
                hashed: hasher.map(|h| format!("sha256:{}", h.finish())),
            },
        );
    }
    Ok(files)
}

impl BlobSource for ArchiveBlobs {
    fn index(&self) -> Result<Vec<u8>> {
        Ok(self.index.clone())
    }

    fn read(&self, digest: &Digest) -> Result<Vec<u8>> {
        if let Some(made) = self.made.get(digest.as_str()) {
            return Ok(made.clone());
        }
        let name = self
            .blobs
            .get(digest.as_str())
            .ok_or_else(|| anyhow!("blob {digest} is missing from {}", self.describe()))?;
        let file = &self.files[name];
        match &file.data {
            Some(data) if file.size <= METADATA_LIMIT => Ok(data.clone()),
            _ => bail!("blob {digest} is too big for a manifest or config"),
        }
    }

    fn size(&self, digest: &Digest) -> Result<Option<u64>> {
        if let Some(made) = self.made.get(digest.as_str()) {
            return Ok(Some(made.len() as u64));
        }
        Ok(self
            .blobs
            .get(digest.as_str())
            .map(|name| self.files[name].size))
    }

    fn describe(&self) -> String {
        format!("the archive {}", self.path.display())
    }

    fn check_contents(&self) -> Result<Vec<BlobCheck>> {
        let mut checks: Vec<BlobCheck> = self
            .blobs
            .iter()
            .map(|(digest, name)| {
                let file = &self.files[name];
                BlobCheck {
                    name: digest.clone(),
                    size: file.size,
                    // The scan hashes with sha256 only: other algorithms go unchecked.
                    actual: file
                        .hashed
                        .clone()
                        .filter(|_| digest.starts_with("sha256:")),
                }
            })
            .collect();
        checks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(checks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_tags_are_normalized_as_podman_load_does() {
        assert_eq!(docker_full("base:1"), "docker.io/library/base:1");
        assert_eq!(docker_full("base"), "docker.io/library/base");
        assert_eq!(docker_full("me/app:2"), "docker.io/me/app:2");
        assert_eq!(docker_full("quay.io/x/y:3"), "quay.io/x/y:3");
        assert_eq!(docker_full("localhost/z:4"), "localhost/z:4");
        assert_eq!(docker_full("host:5000/z:4"), "host:5000/z:4");
    }

    #[test]
    fn member_names_that_leave_the_archive_are_refused() {
        assert_eq!(
            clean_path("./blobs/sha256/ab"),
            Some("blobs/sha256/ab".into())
        );
        assert_eq!(clean_path("../x"), None);
        assert_eq!(clean_path("/etc/passwd"), None);
        assert_eq!(clean_path("a/../../x"), None);
    }
}
