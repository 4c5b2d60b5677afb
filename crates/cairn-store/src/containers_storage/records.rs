//! The JSON records of images.json, layers.json, containers.json and mountpoints.json: the
//! fields cairn reads, and the ones containers/storage writes that a store made by
//! `cairn-genstore` needs to look like podman's own. Fields in the order containers/storage
//! writes them; empty ones are left out as Go's `omitempty` does.
//!
//! Writers of a real store never serialize these: they re-read the files as plain JSON so
//! that fields unknown here survive.

use super::big_data::is_manifest_key;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

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

/// What the reader keeps of an image record: the fields the model reads, the big-data maps
/// folded as they are parsed (the sizes summed, the manifests' digests kept) and everything
/// else skipped. A build server's `images.json` is mostly those maps and `metadata`: parsed
/// whole into [`ImageRecord`], its 10,000 records took twice the memory and the time.
#[derive(Debug, Default, Deserialize)]
pub struct ImageEntry {
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
    pub big_data_size: SizeSum,
    #[serde(default, rename = "big-data-digests", deserialize_with = "nullable")]
    pub manifest_digests: ManifestDigests,
    #[serde(default)]
    pub created: Option<String>,
}

/// What the reader keeps of a layer record, as [`ImageEntry`] does of an image's: the
/// compressed digest and size and the ID sets are skipped, and of `flags` only whether the
/// layer is marked incomplete is kept.
#[derive(Debug, Default, Deserialize)]
pub struct LayerEntry {
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
    /// Marked by a removal or a pull that was interrupted.
    #[serde(default, rename = "flags", deserialize_with = "nullable")]
    pub incomplete: Incomplete,
}

/// `big-data-sizes` summed as it is parsed (a negative size counts as none).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SizeSum(pub u64);

/// The entries of `big-data-digests` whose key names a manifest, sorted by key, as a map
/// read whole would give them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ManifestDigests(pub Vec<(String, String)>);

/// Whether `flags` says `"incomplete": true`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Incomplete(pub bool);

impl<'de> Deserialize<'de> for SizeSum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Sum;
        impl<'de> Visitor<'de> for Sum {
            type Value = SizeSum;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of sizes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SizeSum, A::Error> {
                let mut sum = 0u64;
                while let Some((IgnoredAny, size)) = map.next_entry::<IgnoredAny, i64>()? {
                    sum = sum.saturating_add(u64::try_from(size).unwrap_or(0));
                }
                Ok(SizeSum(sum))
            }
        }
        deserializer.deserialize_map(Sum)
    }
}

impl<'de> Deserialize<'de> for ManifestDigests {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Manifests;
        impl<'de> Visitor<'de> for Manifests {
            type Value = ManifestDigests;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of digests")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut digests = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if is_manifest_key(&key) {
                        digests.push((key, map.next_value::<String>()?));
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                digests.sort();
                Ok(ManifestDigests(digests))
            }
        }
        deserializer.deserialize_map(Manifests)
    }
}

impl<'de> Deserialize<'de> for Incomplete {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Flags;
        impl<'de> Visitor<'de> for Flags {
            type Value = Incomplete;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of flags")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Incomplete, A::Error> {
                let mut incomplete = false;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "incomplete" {
                        incomplete = map.next_value::<serde_json::Value>()?.as_bool() == Some(true);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Incomplete(incomplete))
            }
        }
        deserializer.deserialize_map(Flags)
    }
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
    fn the_reader_keeps_what_the_model_reads_of_a_record() {
        let images: Vec<ImageEntry> = serde_json::from_str(
            r#"[{"id":"i","metadata":"{}","big-data-names":["manifest","sha256:c"],
                "big-data-sizes":{"manifest-sha256:b":7,"sha256:c":5,"manifest":7},
                "big-data-digests":{"manifest-sha256:b":"sha256:b","sha256:c":"sha256:c",
                "manifest":"sha256:a"},"unknown":[1,{"x":null}]},
                {"id":"j","big-data-sizes":null,"big-data-digests":null}]"#,
        )
        .unwrap();
        assert_eq!(images[0].big_data_size, SizeSum(19));
        assert_eq!(
            images[0].manifest_digests.0,
            [
                ("manifest".to_string(), "sha256:a".to_string()),
                ("manifest-sha256:b".to_string(), "sha256:b".to_string()),
            ]
        );
        assert_eq!(images[0].big_data_names, ["manifest", "sha256:c"]);
        assert_eq!(images[1].big_data_size, SizeSum(0));
        assert!(images[1].manifest_digests.0.is_empty());
        let layers: Vec<LayerEntry> = serde_json::from_str(
            r#"[{"id":"a","flags":{"x":1,"incomplete":true}},{"id":"b","flags":null},
                {"id":"c","flags":{"incomplete":false}},{"id":"d","uidset":[0],"gidset":null}]"#,
        )
        .unwrap();
        let incomplete: Vec<bool> = layers.iter().map(|l| l.incomplete.0).collect();
        assert_eq!(incomplete, [true, false, false, false]);
        let bad = serde_json::from_str::<Vec<ImageEntry>>(r#"[{"id":"i","big-data-sizes":3}]"#);
        assert!(bad.is_err(), "a size table that is no object is an error");
    }

    #[test]
    fn null_lists_read_as_empty_as_in_go() {
        let image: ImageRecord =
            serde_json::from_str(r#"{"id":"i","names":null,"big-data-sizes":null}"#).unwrap();
        assert!(image.names.is_empty() && image.big_data_sizes.is_empty());
    }
}
