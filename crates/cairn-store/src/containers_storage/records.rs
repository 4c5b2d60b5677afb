//! The JSON records of images.json, layers.json, containers.json and mountpoints.json, with
//! only the fields cairn reads. Writers re-read the files as plain JSON so that fields
//! unknown here survive.

use serde::{Deserialize, Deserializer};
use std::collections::HashMap;

/// Treats an explicit `null` like an absent field, as Go's decoder does for slices and maps.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Deserialize)]
pub struct ImageRecord {
    pub id: String,
    #[serde(default)]
    pub digest: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub names: Vec<String>,
    #[serde(default, rename = "names-history", deserialize_with = "nullable")]
    pub names_history: Vec<String>,
    #[serde(default)]
    pub layer: Option<String>,
    #[serde(default, rename = "mapped-layers", deserialize_with = "nullable")]
    pub mapped_layers: Vec<String>,
    #[serde(default, rename = "big-data-names", deserialize_with = "nullable")]
    pub big_data_names: Vec<String>,
    #[serde(default, rename = "big-data-sizes", deserialize_with = "nullable")]
    pub big_data_sizes: HashMap<String, i64>,
    #[serde(default, rename = "big-data-digests", deserialize_with = "nullable")]
    pub big_data_digests: HashMap<String, String>,
    #[serde(default)]
    pub created: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LayerRecord {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub names: Vec<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default, rename = "diff-digest")]
    pub diff_digest: Option<String>,
    #[serde(default, rename = "diff-size")]
    pub diff_size: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub flags: HashMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct ContainerRecord {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub names: Vec<String>,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub layer: String,
}

#[derive(Debug, Deserialize)]
pub struct MountRecord {
    pub id: String,
    #[serde(default)]
    pub count: i64,
}
