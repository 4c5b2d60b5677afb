//! What `rmi` and `image prune` would do, computed without doing it, under the rules of the
//! tool that owns the store: podman's ([`podman`]) or Docker's ([`docker`]), which differ.
//! Either gives a [`RemovalPlan`]: the names untagged, the images, layers and containers
//! deleted, the bytes reclaimed and the errors, plus the ordered steps that apply it.

pub mod docker;
pub mod podman;
pub mod registry;

use super::{Catalog, Rules};
use serde::Serialize;

/// The switches of `rmi` / `image prune` that change the plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoveOptions {
    /// podman: remove containers using the images, and images with several names by ID.
    /// Docker: delete images stopped containers use (which keep a bare image ID), and images
    /// with several names by ID.
    pub force: bool,
    /// Do not remove parents left dangling.
    pub no_prune: bool,
    /// Skip references to images that do not exist.
    pub ignore: bool,
    /// podman stores: the clock for podman's unreferenced-layer rule
    /// ([`podman::unreferenced`]). With it, a removal also deletes the layers an interrupted
    /// removal left behind that its own walk down a layer chain meets, and `prune` deletes
    /// all of them; without it (as podman 4.3 does), such layers stay.
    pub collect_unreferenced_at: Option<jiff::Timestamp>,
}

/// Which images to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The images the user named, in order.
    References(Vec<String>),
    /// `rmi --all`: every image that is not read-only.
    All,
    /// `image prune`: dangling images, or with `all` every image no container uses, repeated
    /// until nothing more goes.
    Prune { all: bool },
}

/// How the tool classifies an error, which decides its exit code and how it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// No such image (podman: exit 1 when it is the only kind; Docker: `Error: No such
    /// image`, exit 0 under `-f` when it is the only kind).
    Unknown,
    /// Used by a container (podman: exit 2).
    InUse,
    /// Anything else (podman: exit 125; Docker: an `Error response from daemon`).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanError {
    pub reference: String,
    pub message: String,
    #[serde(skip)]
    pub kind: ErrorKind,
}

/// One change to the store, in the order podman makes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Give an image exactly these names; the images in `taken_from` lose the ones they had.
    /// Naming them makes a name that moved since the preview a different plan.
    SetNames {
        image: String,
        names: Vec<String>,
        taken_from: Vec<String>,
    },
    /// Delete a container record and its layer.
    DeleteContainer {
        container: String,
        layer: Option<String>,
    },
    /// Delete an image record and its big data, then these layers, top first.
    DeleteImage { image: String, layers: Vec<String> },
    /// Delete a layer that no image or container references (podman's `system check
    /// --repair`), its children already gone.
    DeleteLayer { layer: String },
    /// Docker: take one reference (a tag or a digest name) off an image that stays
    /// (`DELETE /images/{name}?noprune=1`), which the daemon answers with these records.
    DockerUntag {
        image: String,
        name: String,
        force: bool,
        records: Vec<Record>,
    },
    /// Docker: delete an image by ID with the references it still has and the layers only it
    /// held (`DELETE /images/sha256:{id}?noprune=1`), answered with these records. Parents
    /// left dangling are steps of their own, so that each call does exactly one thing.
    DockerDelete {
        image: String,
        force: bool,
        records: Vec<Record>,
    },
    /// Docker: give an image a name (`POST /images/{id}/tag`); an image that had the name
    /// loses it.
    DockerTag { image: String, name: String },
    /// A registry's change, one request of the distribution API.
    Registry(registry::RegistryStep),
}

/// One line of what Docker reports for a removal, as the Engine API words it
/// (`ImageDeleteResponseItem`): a name untagged, or an image or layer (`sha256:…`) deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Record {
    Untagged(String),
    Deleted(String),
}

/// A file an OCI layout no longer needs once the change is made, and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blob {
    pub digest: String,
    pub size: u64,
}

/// The answer to "what would this removal do?": shown before, and applied as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemovalPlan {
    /// Names removed, in podman's order (the `Untagged:` lines).
    pub untagged: Vec<String>,
    /// Images reported deleted (the `Deleted:` lines); an image whose children keep its
    /// layers loses its record but is not reported, as in podman.
    pub deleted: Vec<String>,
    /// Layers deleted, container layers included.
    pub layers: Vec<String>,
    /// Containers removed (only with `--force`).
    pub containers: Vec<String>,
    /// Bytes the deleted layers and image metadata take on disk.
    pub reclaimed_bytes: u64,
    pub errors: Vec<PlanError>,
    #[serde(skip)]
    pub steps: Vec<Step>,
    /// Errors podman would not print (unknown images under `--force`).
    #[serde(skip)]
    pub silenced: Vec<PlanError>,
    /// Every image whose record goes, in order, reported deleted or not: what
    /// `podman image prune` prints.
    pub records_deleted: Vec<String>,
    /// OCI layouts: the blobs no descriptor reaches any more, deleted as `umoci gc` would.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<Blob>,
    /// What the change does not do although it could seem to (an OCI layout keeps every
    /// blob while a manifest it names cannot be read); the change itself goes ahead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Docker: what the daemon reports, in its order (untagged names, each deleted image
    /// followed by the layers it freed), as `docker rmi` prints it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<Record>,
    /// Registries: what the requests do besides the names and images above (the tags that
    /// stay elsewhere, an index's platform manifests, how exact the freed blobs are), for
    /// the browser's preview and `rm --dry-run` alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<registry::RegistryPreview>,
    /// Whose rules made the plan, which decides the exit code.
    #[serde(skip)]
    pub rules: Rules,
    /// Whether `--force` was given, which Docker's exit code depends on.
    #[serde(skip)]
    pub forced: bool,
}

impl RemovalPlan {
    /// podman's `removeErrorsToExitCode`, counted over the errors it reports; for Docker the
    /// CLI's rule: 1 on any error, except under `-f` when every error is a missing image.
    pub fn exit_code(&self) -> i32 {
        if self.errors.is_empty() {
            return 0;
        }
        if self.rules == Rules::Docker {
            let fatal = self.errors.iter().any(|e| e.kind != ErrorKind::Unknown);
            return i32::from(fatal || !self.forced);
        }
        let all = self.errors.iter().chain(&self.silenced);
        let kinds: Vec<ErrorKind> = all.map(|e| e.kind).collect();
        if kinds.contains(&ErrorKind::InUse) {
            2
        } else if kinds.iter().all(|&k| k == ErrorKind::Unknown) {
            1
        } else {
            125
        }
    }

    /// True when applying the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Plans a removal on the catalog's snapshot, under the rules of the store's tool.
pub fn plan_removal(catalog: &Catalog, target: &Target, options: RemoveOptions) -> RemovalPlan {
    let mut plan = match catalog.snapshot.rules {
        Rules::Docker => docker::plan_removal(catalog, target, options),
        Rules::Podman | Rules::Layout => podman::plan_removal(catalog, target, options),
        Rules::Registry => registry::plan_removal(catalog, target, options),
    };
    plan.rules = catalog.snapshot.rules;
    plan.forced = options.force;
    plan
}

#[cfg(test)]
mod tests;
