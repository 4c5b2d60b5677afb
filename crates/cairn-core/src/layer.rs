//! Layers as containers-storage records them.

use jiff::Timestamp;

/// One layer. Layers form a forest through `parent`; an image hangs on its top layer.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub id: String,
    /// The layer below this one, `None` for a base layer.
    pub parent: Option<String>,
    pub names: Vec<String>,
    pub created: Option<Timestamp>,
    /// The DiffID (digest of the uncompressed tar), when recorded.
    pub diff_digest: Option<String>,
    /// Uncompressed size; podman trusts it only together with `diff_digest`.
    pub diff_size: Option<u64>,
    /// The blob digest a registry stores the layer as (compressed, shared by every image and
    /// repository that uses it): sizes on a registry count each blob once, wherever it sits
    /// in a stack. `None` where the store keeps layers unpacked.
    pub blob: Option<String>,
    /// Half-created or half-deleted (`flags.incomplete`).
    pub incomplete: bool,
    /// Mounted right now (count > 0 in mountpoints.json); such a layer must not be deleted.
    pub mounted: bool,
}

impl Layer {
    /// The size podman counts for this layer: the recorded uncompressed size when it is
    /// backed by a digest, else nothing known.
    pub fn size(&self) -> u64 {
        match (&self.diff_digest, self.diff_size) {
            (Some(_), Some(size)) => size,
            _ => 0,
        }
    }
}
