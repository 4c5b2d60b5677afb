//! The manifests a registry holds, parsed once for both registry stores: OCI and Docker
//! schema 2 image manifests, OCI image indexes and Docker manifest lists. Schema 1 manifests
//! (signed or not) are recognised and reported as unsupported, per image, as podman reports
//! them; anything else is an error naming what it is.

use serde::Deserialize;
use std::collections::BTreeMap;

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker schema 1, unsigned.
pub const SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker schema 1, signed (what registries serve).
pub const SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// Every manifest media type a registry store asks for (`Accept`), best first.
pub const ACCEPTED: [&str; 4] = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// The manifest annotation naming the digest of the image this one was built on.
pub const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";
/// The manifest annotation naming the image this one was built on.
pub const BASE_NAME: &str = "org.opencontainers.image.base.name";

/// A blob a manifest refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub media_type: String,
    pub digest: String,
    /// The size the descriptor states (negative sizes read as 0).
    pub size: u64,
}

/// A manifest an index refers to, with the platform it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRef {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    /// `os/architecture[/variant]`, empty when the descriptor states none.
    pub platform: String,
}

/// One image: a config and its layers, base first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageManifest {
    pub media_type: String,
    pub config: BlobRef,
    pub layers: Vec<BlobRef>,
    pub annotations: BTreeMap<String, String>,
}

/// A multi-platform image: the manifests it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexManifest {
    pub media_type: String,
    pub manifests: Vec<ChildRef>,
    pub annotations: BTreeMap<String, String>,
}

/// A manifest as a registry store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    Image(ImageManifest),
    Index(IndexManifest),
    /// Docker's schema 1, which cairn does not read: the image is listed with the problem.
    /// Only its layer blobs (`fsLayers[].blobSum`) are kept, which garbage collection marks.
    Schema1 {
        layers: Vec<String>,
    },
}

/// What the manifest is not, in words for the image's problem.
pub const SCHEMA1_PROBLEM: &str =
    "Docker schema 1 manifest: unsupported (pull and push it again to convert it to schema 2)";

#[derive(Deserialize)]
struct RawDescriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    size: i64,
    #[serde(default)]
    platform: Option<RawPlatform>,
}

#[derive(Deserialize, Default)]
struct RawPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct RawManifest {
    #[serde(rename = "schemaVersion", default)]
    schema_version: Option<i64>,
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<RawDescriptor>,
    #[serde(default)]
    layers: Option<Vec<RawDescriptor>>,
    #[serde(default)]
    manifests: Option<Vec<RawDescriptor>>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
    /// Schema 1's layers, only to recognise it without a media type.
    #[serde(rename = "fsLayers", default)]
    fs_layers: Option<Vec<FsLayer>>,
}

#[derive(Deserialize)]
struct FsLayer {
    #[serde(rename = "blobSum", default)]
    blob_sum: String,
}

fn blob_ref(raw: RawDescriptor) -> BlobRef {
    BlobRef {
        media_type: raw.media_type,
        digest: raw.digest,
        size: u64::try_from(raw.size).unwrap_or(0),
    }
}

fn child_ref(raw: RawDescriptor) -> ChildRef {
    let platform = raw.platform.unwrap_or_default();
    let parts = [
        platform.os.as_str(),
        platform.architecture.as_str(),
        platform.variant.as_deref().unwrap_or_default(),
    ];
    ChildRef {
        media_type: raw.media_type,
        digest: raw.digest,
        size: u64::try_from(raw.size).unwrap_or(0),
        platform: parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/"),
    }
}

impl Manifest {
    /// Parses a manifest's bytes. `content_type` is the media type the registry stated
    /// (the API's `Content-Type`), used when the document states none; the document's own
    /// `mediaType` wins, then its fields decide, as the image-spec allows.
    pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<Manifest, String> {
        // Straight into the fields when the document is an object read without trouble (a
        // registry's 10,000 manifests are, and a tree of values for each cost more than the
        // rest of a cached open); else through a value, which says what is wrong and, as
        // distribution, takes the last of a repeated key.
        let object = bytes.trim_ascii_start().first() == Some(&b'{');
        let raw = match serde_json::from_slice::<RawManifest>(bytes) {
            Ok(raw) if object => raw,
            _ => {
                let value: serde_json::Value =
                    serde_json::from_slice(bytes).map_err(|e| format!("not a manifest: {e}"))?;
                // serde would read a struct from an array too: a manifest is an object.
                if !value.is_object() {
                    return Err("not a manifest: not a JSON object".into());
                }
                serde_json::from_value(value).map_err(|e| format!("not a manifest: {e}"))?
            }
        };
        let media_type = raw
            .media_type
            .clone()
            .filter(|m| !m.is_empty())
            .or_else(|| content_type.map(String::from))
            .unwrap_or_default();
        if media_type == SCHEMA1
            || media_type == SCHEMA1_SIGNED
            || raw.schema_version == Some(1)
            || raw.fs_layers.is_some()
        {
            let layers = raw.fs_layers.unwrap_or_default();
            return Ok(Manifest::Schema1 {
                layers: layers.into_iter().map(|l| l.blob_sum).collect(),
            });
        }
        if raw.schema_version != Some(2) {
            return Err(format!(
                "not a manifest: schemaVersion {} (expected 2)",
                raw.schema_version
                    .map_or_else(|| "missing".to_string(), |v| v.to_string())
            ));
        }
        let annotations = raw.annotations.unwrap_or_default();
        let index = match media_type.as_str() {
            OCI_INDEX | DOCKER_LIST => true,
            OCI_MANIFEST | DOCKER_MANIFEST => false,
            "" => raw.manifests.is_some() && raw.config.is_none(),
            other => return Err(format!("unsupported manifest media type {other:?}")),
        };
        if index {
            let manifests = raw
                .manifests
                .ok_or_else(|| "image index without manifests".to_string())?;
            return Ok(Manifest::Index(IndexManifest {
                media_type,
                manifests: manifests.into_iter().map(child_ref).collect(),
                annotations,
            }));
        }
        let config = raw
            .config
            .ok_or_else(|| "image manifest without a config".to_string())?;
        Ok(Manifest::Image(ImageManifest {
            media_type,
            config: blob_ref(config),
            layers: raw
                .layers
                .unwrap_or_default()
                .into_iter()
                .map(blob_ref)
                .collect(),
            annotations,
        }))
    }

    /// Every digest the manifest refers to: an image's config and layers, an index's
    /// manifests. Registry garbage collection marks exactly these.
    pub fn references(&self) -> Vec<&str> {
        match self {
            Manifest::Image(image) => std::iter::once(image.config.digest.as_str())
                .chain(image.layers.iter().map(|l| l.digest.as_str()))
                .collect(),
            Manifest::Index(index) => index.manifests.iter().map(|m| m.digest.as_str()).collect(),
            Manifest::Schema1 { layers } => layers.iter().map(String::as_str).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn an_oci_manifest_gives_its_config_layers_and_annotations() {
        let text = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"c","digest":"{D1}","size":10}},"layers":[{{"mediaType":"l","digest":"{D2}","size":-3}}],"annotations":{{"{BASE_NAME}":"base:1"}}}}"#
        );
        let Manifest::Image(image) = Manifest::parse(text.as_bytes(), None).unwrap() else {
            panic!("not an image");
        };
        assert_eq!(image.config.size, 10);
        assert_eq!(image.layers[0].size, 0, "a negative size reads as 0");
        assert_eq!(image.annotations[BASE_NAME], "base:1");
        assert_eq!(
            Manifest::Image(image).references(),
            [D1, D2],
            "config and layers"
        );
    }

    #[test]
    fn a_list_gives_its_platforms_and_fields_decide_without_a_media_type() {
        let text = format!(
            r#"{{"schemaVersion":2,"manifests":[{{"digest":"{D1}","size":5,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}}]}}"#
        );
        let Manifest::Index(index) = Manifest::parse(text.as_bytes(), None).unwrap() else {
            panic!("not an index");
        };
        assert_eq!(index.manifests[0].platform, "linux/arm64/v8");
    }

    #[test]
    fn schema_1_is_recognised_and_other_documents_refused() {
        let signed = format!(
            r#"{{"schemaVersion":1,"name":"a","tag":"1","fsLayers":[{{"blobSum":"{D1}"}}],"signatures":[]}}"#
        );
        let schema1 = Manifest::parse(signed.as_bytes(), None).unwrap();
        assert_eq!(schema1.references(), [D1], "its layers, which GC marks");
        let error = Manifest::parse(b"{\"schemaVersion\":3}", None).unwrap_err();
        assert!(error.contains("schemaVersion 3"), "{error}");
        let error = Manifest::parse(
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json"}"#,
            None,
        )
        .unwrap_err();
        assert!(error.contains("unsupported manifest media type"), "{error}");
        assert!(Manifest::parse(b"[1]", None).is_err());
    }
}
