//! Images as podman sees them: the storage record plus what its config says.

use jiff::Timestamp;
use std::collections::BTreeMap;

/// One image of a store. `config` is what podman calls the OCI view of the image; when it
/// cannot be read the image is still listed, and `problems` says why it is corrupted.
#[derive(Debug, Clone, Default)]
pub struct Image {
    /// Full hex ID (the config digest's hex for images made by containers/image).
    pub id: String,
    /// The manifest digest the image was pulled or committed by, if any.
    pub digest: Option<String>,
    /// Every manifest digest recorded for the image, `digest` included.
    pub digests: Vec<String>,
    /// Full names (`localhost/app:1`), newest first, as stored.
    pub names: Vec<String>,
    /// Names the image had, newest first.
    pub names_history: Vec<String>,
    /// Docker: names by digest (`alpine@sha256:…`), which Docker keeps as references of
    /// their own beside the tags in `names`.
    pub digest_names: Vec<String>,
    /// The top layer; `None` for manifest lists and images without layers.
    pub top_layer: Option<String>,
    /// Extra top layers made for ID-mapped containers; they count towards the size.
    pub mapped_top_layers: Vec<String>,
    /// When the image was created, from its storage record.
    pub created: Option<Timestamp>,
    /// Bytes of the image's metadata blobs (manifests, config, signatures).
    pub big_data_size: u64,
    /// Images from additional image stores cannot be changed.
    pub read_only: bool,
    /// True when the image is a manifest list or image index rather than an image.
    pub manifest_list: bool,
    /// A manifest list's platform images, in the list's order. They are images of their own,
    /// but belong to the list: shown under it, removed with it, never dangling.
    pub instances: Vec<Instance>,
    /// The image it was committed on top of, where the store records it (Docker's `Parent`);
    /// podman records none and lineage is inferred from layers and history instead.
    pub parent: Option<String>,
    /// The image it says it was built on (the manifest's `org.opencontainers.image.base.*`
    /// annotations), which lineage prefers over what layers and history suggest.
    pub base: Option<BaseImage>,
    /// The parsed config, when it could be read.
    pub config: Option<ImageConfig>,
    /// Why the image cannot be read whole; empty for a healthy image.
    pub problems: Vec<String>,
    /// Set while only the store's listing of the image has been read (a Docker Engine's
    /// `/images/json`), its layers and config not yet: the sizes the listing reports then
    /// stand in for those its layers would give.
    pub listing: Option<Listing>,
}

impl Image {
    /// Podman lists such images but cannot compute everything about them.
    pub fn is_corrupted(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The 12-character ID podman prints by default.
    pub fn short_id(&self) -> &str {
        short_id(&self.id)
    }
}

/// The first 12 characters of an ID, or the whole ID when it is shorter.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// The sizes a store's listing reports for an image whose layers are not read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Listing {
    /// Bytes of all its layers.
    pub size: u64,
    /// Bytes of its layers other images use too, when the listing was asked for them.
    pub shared_size: Option<u64>,
}

/// The base an image names in its manifest annotations (`org.opencontainers.image.base.digest`
/// and `.name`), as buildah and docker buildx write them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseImage {
    /// The base's manifest digest (`sha256:…`), when stated.
    pub digest: Option<String>,
    /// The base's name as the builder was given it (`docker.io/library/alpine:3`), when stated.
    pub name: Option<String>,
}

/// One platform image of a manifest list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    /// The instance's image ID.
    pub id: String,
    /// `os/architecture[/variant]` as the list states it.
    pub platform: String,
}

/// What the image config says, reduced to what cairn shows and what lineage needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageConfig {
    pub created: Option<Timestamp>,
    pub author: String,
    pub architecture: String,
    pub os: String,
    pub variant: String,
    /// The uncompressed digests of the layers, base first.
    pub diff_ids: Vec<String>,
    pub history: Vec<HistoryEntry>,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: String,
    pub user: String,
}

/// One build step of an image. Two entries are the same step when every field matches,
/// which is how podman tells a parent from an unrelated image with the same layers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryEntry {
    pub created: Option<Timestamp>,
    pub created_by: String,
    pub author: String,
    pub comment: String,
    pub empty_layer: bool,
}
