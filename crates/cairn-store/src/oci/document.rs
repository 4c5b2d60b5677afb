//! The JSON documents of the image-spec as cairn reads them: `index.json`, image indexes and
//! manifests, and the descriptors in them. One definition for the reader and for `verify`;
//! unknown fields are ignored here and kept by the writer, which edits `index.json` as
//! plain JSON.

use serde::Deserialize;
use std::collections::BTreeMap;

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// A descriptor as it is in `index.json`, an index or a manifest. A missing digest reads as
/// empty, so that it is reported as an invalid digest on its image (or by `verify`) instead
/// of hiding the whole document.
#[derive(Debug, Clone, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub platform: Option<serde_json::Value>,
}

impl Descriptor {
    /// `os/architecture[/variant]` from the descriptor's platform, as `podman manifest
    /// inspect` shows it; empty when the descriptor states none.
    pub fn platform_name(&self) -> String {
        let field = |key: &str| {
            self.platform
                .as_ref()
                .and_then(|p| p.get(key))
                .and_then(serde_json::Value::as_str)
                .filter(|v| !v.is_empty())
        };
        ["os", "architecture", "variant"]
            .into_iter()
            .filter_map(field)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The name a tool shows for this descriptor, if it has one: `io.containerd.image.name`
    /// when set, as docker and containerd write the full name there, else the OCI ref name.
    pub fn name(&self) -> Option<&str> {
        self.annotations
            .get(CONTAINERD_NAME)
            .or_else(|| self.annotations.get(REF_NAME))
            .map(String::as_str)
            .filter(|n| !n.is_empty())
    }
}

/// Any of the JSON documents a descriptor may point at: the fields tell an index from a
/// manifest when the media type is missing, as the image-spec allows.
#[derive(Debug, Default, Deserialize)]
pub struct Document {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

pub fn is_index(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/vnd.oci.image.index.v1+json"
            | "application/vnd.docker.distribution.manifest.list.v2+json"
    )
}

pub fn is_manifest(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/vnd.oci.image.manifest.v1+json"
            | "application/vnd.docker.distribution.manifest.v2+json"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_descriptor_without_a_digest_still_reads() {
        let index: Document =
            serde_json::from_str(r#"{"manifests":[{"size":3},{"digest":"sha256:ab"}]}"#).unwrap();
        let manifests = index.manifests.unwrap();
        assert_eq!(manifests[0].digest, "");
        assert_eq!(manifests[1].digest, "sha256:ab");
    }

    #[test]
    fn docker_names_win_over_oci_ref_names() {
        let descriptor: Descriptor = serde_json::from_str(
            r#"{"digest":"d","annotations":{"org.opencontainers.image.ref.name":"1","io.containerd.image.name":"docker.io/library/a:1"}}"#,
        )
        .unwrap();
        assert_eq!(descriptor.name(), Some("docker.io/library/a:1"));
    }
}
