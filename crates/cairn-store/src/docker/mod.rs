//! The Docker Engine as a store (`--store docker`): read through the Engine API and changed
//! through it, with Docker's own rules (see `model::removal::docker`). The daemon owns its
//! files and reads them only when it starts, so cairn never touches them.

pub mod client;
pub mod contents;
pub mod snapshot;
pub mod writer;

use crate::backend::{Backend, Listed, Loaded, Terms};
use crate::contents::{layer_error, layer_name};
use crate::error::Result;
use crate::watch::{Probe, Watch};
use bollard::models::{ContainerSummary, ImageSummary};
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
        let (client, since) = self.connect()?;
        let (images, containers) = client.listing()?;
        read_details(client, since, images, containers)
    }

    /// The daemon's listing of images and containers, two requests: what `docker images`
    /// prints, with the sizes the daemon reports; no layers, configs or history (see
    /// [`snapshot::listed`]). Its rest asks, through the same client, each image's inspect
    /// and history: the full read lists nothing twice. Nothing to watch until then.
    fn load_list(&self, _: &mut dyn FnMut(Snapshot)) -> Option<Result<Listed>> {
        let listed = self.connect().and_then(|(client, since)| {
            let (images, containers) = client.listing()?;
            let snapshot = snapshot::listed(images.clone(), containers.clone());
            Ok(Listed {
                loaded: Loaded {
                    snapshot,
                    watch: Watch::default(),
                    terms: Terms::default(),
                },
                rest: Some(Box::new(move || {
                    read_details(client, since, images, containers)
                })),
            })
        });
        Some(listed)
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

impl DockerStore {
    /// A client, and the time from which its watcher asks for events: taken before anything
    /// is read, so that a change while the store is read is seen.
    fn connect(&self) -> Result<(Client, String)> {
        let client = Client::connect(&self.host)?;
        Ok((client, client::event_time_now()))
    }
}

/// The daemon's images and containers as a snapshot.
pub fn read(client: &Client) -> Result<Snapshot> {
    let (images, containers) = client.listing()?;
    with_details(client, images, containers)
}

/// The snapshot of a listing, with each listed image's inspect and history.
fn with_details(
    client: &Client,
    images: Vec<ImageSummary>,
    containers: Vec<ContainerSummary>,
) -> Result<Snapshot> {
    let ids: Vec<String> = images.iter().map(|i| i.id.clone()).collect();
    let details = client.details(&ids)?;
    Ok(snapshot::build(images, details, containers))
}

/// The whole store from the daemon's listing ([`with_details`]), watched through `client`
/// for events since `since`.
fn read_details(
    client: Client,
    since: String,
    images: Vec<ImageSummary>,
    containers: Vec<ContainerSummary>,
) -> Result<Loaded> {
    let snapshot = with_details(&client, images, containers)?;
    let mut watch = Watch::default();
    watch.probe(Events { client, since });
    Ok(Loaded {
        snapshot,
        watch,
        terms: Terms::default(),
    })
}
