//! The few Engine API calls cairn makes, through bollard. bollard is asynchronous; cairn
//! calls it from its loader and worker threads, never from the UI thread, so each client
//! runs its own single-threaded runtime and blocks on it. Reading many images at once still
//! overlaps the requests: they are futures on that one thread.

use crate::error::{Result, StoreError};
use bollard::Docker;
use bollard::models::{
    ContainerSummary, ContainerSummaryStateEnum, ImageHistoryResponseItem, ImageInspect,
    ImageSummary,
};
use bollard::query_parameters::{
    EventsOptionsBuilder, ListContainersOptionsBuilder, ListImagesOptionsBuilder,
    RemoveImageOptionsBuilder, TagImageOptionsBuilder,
};
use cairn_core::removal::Record;
use futures_util::{StreamExt, TryStreamExt};
use std::io::Read;
use tokio::runtime::Runtime;

/// Requests in flight while reading every image: enough to keep the daemon busy, few enough
/// not to flood it.
const CONCURRENT_REQUESTS: usize = 16;

/// Seconds a request may take before cairn gives up on the daemon.
const TIMEOUT_SECONDS: u64 = 120;

/// A connection to one Docker Engine.
pub struct Client {
    runtime: Runtime,
    docker: Docker,
    host: String,
}

/// What Docker says of one image: its inspect answer and its history.
pub struct ImageDetails {
    pub inspect: ImageInspect,
    pub history: Vec<ImageHistoryResponseItem>,
}

impl Client {
    /// Connects to `host` (`unix:///path`, a bare socket path, or `tcp://host:port`) and
    /// agrees on the API version with the daemon, so that older engines answer too.
    pub fn connect(host: &str) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Daemon {
                host: host.to_string(),
                message: format!("starting the Docker client: {e}"),
            })?;
        let docker = if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(host, TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
        } else {
            let path = host.strip_prefix("unix://").unwrap_or(host);
            Docker::connect_with_unix(path, TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
        }
        .map_err(|e| connecting(host, e))?;
        let docker = runtime
            .block_on(docker.negotiate_version())
            .map_err(|e| connecting(host, e))?;
        Ok(Client {
            runtime,
            docker,
            host: host.to_string(),
        })
    }

    /// The engine's address, as it was given.
    pub fn host(&self) -> &str {
        &self.host
    }

    fn fail(&self, what: &str, e: bollard::errors::Error) -> StoreError {
        StoreError::Daemon {
            host: self.host.clone(),
            message: format!(
                "{what} on the Docker Engine at {}: {}",
                self.host,
                message(&e)
            ),
        }
    }

    /// The daemon refused a change: its own words, as the docker CLI prints them.
    fn refused(&self, e: bollard::errors::Error) -> StoreError {
        StoreError::Daemon {
            host: self.host.clone(),
            message: message(&e),
        }
    }

    /// Every image, untagged ones included, in the daemon's order (newest first), and every
    /// container, stopped ones included, asked at once: the two requests overlap.
    pub fn listing(&self) -> Result<(Vec<ImageSummary>, Vec<ContainerSummary>)> {
        let images = ListImagesOptionsBuilder::default().all(true).build();
        let containers = ListContainersOptionsBuilder::default().all(true).build();
        let (images, containers) = self.runtime.block_on(futures_util::future::join(
            self.docker.list_images(Some(images)),
            self.docker.list_containers(Some(containers)),
        ));
        Ok((
            images.map_err(|e| self.fail("listing images", e))?,
            containers.map_err(|e| self.fail("listing containers", e))?,
        ))
    }

    /// Inspect and history of each image, read concurrently. An image removed since it was
    /// listed is left out (`None`), as if the listing had come a moment later.
    pub fn details(&self, ids: &[String]) -> Result<Vec<Option<ImageDetails>>> {
        let requests = ids.iter().map(|id| async move {
            let inspect = self.docker.inspect_image(id).await;
            let history = self.docker.image_history(id).await;
            match (inspect, history) {
                (Ok(inspect), Ok(history)) => Ok(Some(ImageDetails { inspect, history })),
                (Err(e), _) | (_, Err(e)) if is_not_found(&e) => Ok(None),
                (Err(e), _) | (_, Err(e)) => Err(self.fail(&format!("reading image {id}"), e)),
            }
        });
        self.runtime.block_on(
            futures_util::stream::iter(requests)
                .buffered(CONCURRENT_REQUESTS)
                .try_collect(),
        )
    }

    /// `DELETE /images/{name}`, never pruning parents (each is a call of its own), with the
    /// records the daemon answers.
    pub fn remove(&self, name: &str, force: bool) -> Result<Vec<Record>> {
        let options = RemoveImageOptionsBuilder::default()
            .force(force)
            .noprune(true)
            .build();
        let items = self
            .runtime
            .block_on(self.docker.remove_image(name, Some(options), None))
            .map_err(|e| self.refused(e))?;
        items
            .into_iter()
            .map(|item| match (item.untagged, item.deleted) {
                (Some(name), _) => Ok(Record::Untagged(name)),
                (None, Some(id)) => Ok(Record::Deleted(id)),
                (None, None) => Err(StoreError::Daemon {
                    host: self.host.clone(),
                    message: "Docker answered a removal with an empty record".into(),
                }),
            })
            .collect()
    }

    /// `POST /images/{image}/tag`: the image gets `repository:tag`.
    pub fn tag(&self, image: &str, repository: &str, tag: &str) -> Result<()> {
        let options = TagImageOptionsBuilder::default()
            .repo(repository)
            .tag(tag)
            .build();
        self.runtime
            .block_on(self.docker.tag_image(image, Some(options)))
            .map_err(|e| self.refused(e))
    }

    /// Where the daemon keeps its data and which storage driver it uses (`docker info`'s
    /// `DockerRootDir` and `Driver`), for reading its layer store's tar-splits.
    pub fn root_and_driver(&self) -> Result<(Option<String>, Option<String>)> {
        let info = self
            .runtime
            .block_on(self.docker.info())
            .map_err(|e| self.fail("reading the daemon's info", e))?;
        Ok((info.docker_root_dir, info.driver))
    }

    /// `docker save IMAGE` as a stream read as it arrives, handed to `read`.
    pub fn export<T>(&self, image: &str, read: impl FnOnce(&mut dyn Read) -> T) -> T {
        let mut stream = StreamRead {
            runtime: &self.runtime,
            stream: Box::pin(self.docker.export_image(image)),
            chunk: None,
            at: 0,
        };
        read(&mut stream)
    }

    /// Whether an image or a container changed between `since` and now.
    pub fn changed_since(&self, since: &str) -> Result<bool> {
        let until = event_time_now();
        let mut filters = std::collections::HashMap::new();
        filters.insert("type", vec!["image", "container"]);
        let options = EventsOptionsBuilder::default()
            .since(since)
            .until(&until)
            .filters(&filters)
            .build();
        let mut events = self.docker.events(Some(options));
        self.runtime.block_on(async {
            match events.next().await {
                None => Ok(false),
                Some(Ok(_)) => Ok(true),
                Some(Err(e)) => Err(self.fail("reading events", e)),
            }
        })
    }
}

/// A stream of byte chunks from the daemon, read as a file is, each chunk waited for on the
/// client's runtime.
struct StreamRead<'a, S, B> {
    runtime: &'a Runtime,
    stream: std::pin::Pin<Box<S>>,
    chunk: Option<B>,
    at: usize,
}

impl<S, B> Read for StreamRead<'_, S, B>
where
    S: futures_util::Stream<Item = std::result::Result<B, bollard::errors::Error>>,
    B: AsRef<[u8]>,
{
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(chunk) = &self.chunk {
                let bytes = chunk.as_ref();
                if self.at < bytes.len() {
                    let n = buf.len().min(bytes.len() - self.at);
                    buf[..n].copy_from_slice(&bytes[self.at..self.at + n]);
                    self.at += n;
                    return Ok(n);
                }
            }
            match self.runtime.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(chunk)) => {
                    self.chunk = Some(chunk);
                    self.at = 0;
                }
                Some(Err(e)) => return Err(std::io::Error::other(message(&e))),
            }
        }
    }
}

fn connecting(host: &str, e: bollard::errors::Error) -> StoreError {
    StoreError::Daemon {
        host: host.to_string(),
        message: format!("connecting to the Docker Engine at {host}: {e}"),
    }
}

/// Now, as the events API takes a time (seconds with nanoseconds). The daemon is on this
/// machine's clock: cairn reaches it through a local socket.
pub fn event_time_now() -> String {
    let now = jiff::Timestamp::now();
    format!("{}.{:09}", now.as_second(), now.subsec_nanosecond())
}

/// Whether a container counts as running for Docker's rules (`IsRunning`: paused and
/// restarting ones do).
pub fn is_running(container: &ContainerSummary) -> bool {
    matches!(
        container.state,
        Some(
            ContainerSummaryStateEnum::RUNNING
                | ContainerSummaryStateEnum::PAUSED
                | ContainerSummaryStateEnum::RESTARTING
        )
    )
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// The daemon's own words for an error, as the docker CLI prints them.
fn message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
