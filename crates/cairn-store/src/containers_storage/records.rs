//! The JSON records of images.json, layers.json, containers.json and mountpoints.json: the
//! fields cairn reads, and the ones containers/storage writes that a store made by
//! `cairn-genstore` needs to look like podman's own. Fields in the order containers/storage
//! writes them; empty ones are left out as Go's `omitempty` does.
//!
//! Writers of a real store never serialize these: they re-read the files as plain JSON so
//! that fields unknown here survive.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Treats an explicit `null` like an absent field, as Go's decoder does for slices and maps.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ImageRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names: Vec<String>,
    #[serde(
        default,
        rename = "names-history",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names_history: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    #[serde(
        default,
        rename = "mapped-layers",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub mapped_layers: Vec<String>,
    /// Opaque to cairn (podman keeps signature sizes here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    #[serde(
        default,
        rename = "big-data-names",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub big_data_names: Vec<String>,
    #[serde(
        default,
        rename = "big-data-sizes",
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub big_data_sizes: BTreeMap<String, i64>,
    #[serde(
        default,
        rename = "big-data-digests",
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub big_data_digests: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LayerRecord {
    pub id: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(
        default,
        rename = "compressed-diff-digest",
        skip_serializing_if = "Option::is_none"
    )]
    pub compressed_diff_digest: Option<String>,
    #[serde(
        default,
        rename = "compressed-size",
        skip_serializing_if = "Option::is_none"
    )]
    pub compressed_size: Option<i64>,
    #[serde(
        default,
        rename = "diff-digest",
        skip_serializing_if = "Option::is_none"
    )]
    pub diff_digest: Option<String>,
    #[serde(default, rename = "diff-size", skip_serializing_if = "Option::is_none")]
    pub diff_size: Option<i64>,
    /// The user IDs owning the layer's files (containers/storage's `uidset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uidset: Option<Vec<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gidset: Option<Vec<u32>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub flags: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ContainerRecord {
    pub id: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names: Vec<String>,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub layer: String,
    /// Opaque to cairn (podman keeps the image name and the container's name here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MountRecord {
    pub id: String,
    #[serde(default)]
    pub count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_written_reads_back_the_same() {
        let layer = LayerRecord {
            id: "l1".into(),
            parent: Some("l0".into()),
            created: Some("2024-01-01T00:00:00Z".into()),
            diff_digest: Some("sha256:ab".into()),
            diff_size: Some(3),
            uidset: Some(vec![0]),
            ..LayerRecord::default()
        };
        let text = serde_json::to_string(&layer).unwrap();
        assert_eq!(
            text,
            r#"{"id":"l1","parent":"l0","created":"2024-01-01T00:00:00Z","diff-digest":"sha256:ab","diff-size":3,"uidset":[0]}"#
        );
        let back: LayerRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back.parent.as_deref(), Some("l0"));
        assert_eq!(back.uidset, Some(vec![0]));
    }

    #[test]
    fn null_lists_read_as_empty_as_in_go() {
        let image: ImageRecord =
            serde_json::from_str(r#"{"id":"i","names":null,"big-data-sizes":null}"#).unwrap();
        assert!(image.names.is_empty() && image.big_data_sizes.is_empty());
    }
}
