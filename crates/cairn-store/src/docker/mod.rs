//! The Docker Engine as a store (`--store docker`): read through the Engine API and changed
//! through it, with Docker's own rules (see `model::removal::docker`). The daemon owns its
//! files and reads them only when it starts, so cairn never touches them.

pub mod client;
pub mod contents;
pub mod snapshot;
pub mod writer;

use crate::backend::{Backend, Loaded, Terms};
use crate::contents::{layer_error, layer_name};
use crate::error::Result;
use crate::watch::{Probe, Watch};
use cairn_core::contents::LayerEntries;
use cairn_core::removal::{Blob, Step};
use cairn_core::{Catalog, LayerIdx, Rules, Snapshot};
use client::Client;

/// The socket Docker's tools use when `DOCKER_HOST` is not set.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// A Docker Engine to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerStore {
    /// `unix:///path/docker.sock` or `tcp://host:port`, as `DOCKER_HOST` takes it.
    pub host: String,
}

impl DockerStore {
    /// The engine the docker CLI would talk to: `DOCKER_HOST`, else the default socket.
    pub fn from_env() -> Self {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| DEFAULT_HOST.to_string());
        DockerStore { host }
    }

    /// Whether a daemon may be there to ask: the socket the docker CLI would use exists
    /// (`DOCKER_HOST`'s, else the default one), or `DOCKER_HOST` names a TCP or SSH address.
    /// Used only to pick a store when the user named none.
    pub fn likely_present() -> bool {
        match Self::from_env().host.strip_prefix("unix://") {
            Some(socket) => std::path::Path::new(socket).exists(),
            None => true,
        }
    }
}

impl Backend for DockerStore {
    fn label(&self) -> String {
        format!("docker {}", self.host)
    }

    fn rules(&self) -> Rules {
        Rules::Docker
    }

    /// Reads every image (with its inspect answer and history) and every container, and
    /// notes the time, so that the watcher can ask the daemon what happened since.
    fn load(&self) -> Result<Loaded> {
        let client = Client::connect(&self.host)?;
        let since = client::event_time_now();
        let snapshot = read(&client)?;
        let mut watch = Watch::default();
        watch.probe(Events { client, since });
        Ok(Loaded {
            snapshot,
            watch,
            terms: Terms::default(),
        })
    }

    /// The daemon's listing of images and containers, two requests: what `docker images`
    /// prints, with the sizes the daemon reports; no layers, configs or history (see
    /// [`snapshot::listed`]). Nothing to watch: [`Backend::load`] follows with that.
    fn load_list(&self, _: &mut dyn FnMut(Snapshot)) -> Option<Result<Loaded>> {
        let listed = Client::connect(&self.host).and_then(|client| client.listing());
        Some(listed.map(|(images, containers)| Loaded {
            snapshot: snapshot::listed(images, containers),
            watch: Watch::default(),
            terms: Terms::default(),
        }))
    }

    fn layer_entries(&self, snapshot: &Snapshot, layer: LayerIdx) -> Result<LayerEntries> {
        contents::layer_entries(self, snapshot, layer)
            .map_err(|e| layer_error(&layer_name(snapshot, layer), &self.label(), &e))
    }

    /// Nothing here is told in blobs: the steps are the whole plan.
    fn apply(
        &self,
        preview: &[Step],
        _: &[Blob],
        replan: &dyn Fn(&Catalog) -> Vec<Step>,
    ) -> Result<()> {
        writer::apply(self, preview, replan)
    }
}

/// The daemon's image and container events since the store was read: the daemon's files are
/// its own, and it takes no lock a reader could watch. Asked once a second through the client
/// that read the store, so that watching costs one request, not a new runtime, a connection
/// and a version negotiation each time.
struct Events {
    client: Client,
    /// Seconds with nanoseconds, as the events API takes them.
    since: String,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("host", &self.client.host())
            .field("since", &self.since)
            .finish()
    }
}

impl Probe for Events {
    fn changed(&self) -> bool {
        self.client.changed_since(&self.since).unwrap_or(true)
    }
}

/// The daemon's images and containers as a snapshot.
pub fn read(client: &Client) -> Result<cairn_core::Snapshot> {
    let images = client.images()?;
    let ids: Vec<String> = images.iter().map(|i| i.id.clone()).collect();
    let details = client.details(&ids)?;
    let containers = client.containers()?;
    Ok(snapshot::build(images, details, containers))
}
