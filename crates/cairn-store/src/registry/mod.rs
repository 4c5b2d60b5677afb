//! A registry over the OCI distribution API as a store (`--store
//! registry:HOST[:PORT][/REPOSITORY]`): every repository of its catalog, or the one named,
//! read into the shared registry model ([`crate::distribution`]) and changed through the
//! API, one request per step, each checked against what the preview showed right before it.

pub mod auth;
pub mod cache;
pub mod client;
pub mod reader;
pub mod tls;
pub mod watch;
pub mod writer;

use crate::backend::{Backend, Loaded, RemovalTerms, Terms};
use crate::distribution::freed;
use crate::error::{Result, StoreError};
use crate::watch::Watch;
use cairn_core::gc;
use cairn_core::removal::registry::RegistryStep;
use cairn_core::removal::{Blob, RemovalPlan, Step};
use cairn_core::tagging::NamesPlan;
use cairn_core::{Catalog, Rules, Snapshot};
use client::{Client, Connect};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use watch::{Pace, RegistryProbe};

/// A lock whose holder panicked still guards data that is whole (a map of tokens, a
/// client): it is used as it is.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A registry to open.
#[derive(Debug, Clone)]
pub struct RegistryStore {
    /// `HOST[:PORT]`.
    pub host: String,
    /// The one repository to read, when the user named one.
    pub repository: Option<String>,
    pub connect: Connect,
    /// How hard the browser's watch may ask the registry for changes.
    pub pace: Pace,
    /// The client of the first load, kept for every load and change after it, so that its
    /// tokens are used until they expire rather than asked for again at each reload.
    connected: Arc<Mutex<Option<Arc<Client>>>>,
}

impl RegistryStore {
    /// `HOST[:PORT][/REPOSITORY]`, as `--store registry:` takes it.
    pub fn parse(place: &str, connect: Connect) -> Result<Self> {
        let (host, repository) = match place.split_once('/') {
            Some((host, repository)) => (host, Some(repository.trim_end_matches('/'))),
            None => (place, None),
        };
        if host.is_empty() || repository == Some("") {
            return Err(StoreError::Other(anyhow::anyhow!(
                "--store registry:{place}: give the registry as registry:HOST[:PORT][/REPOSITORY]"
            )));
        }
        Ok(RegistryStore {
            host: host.to_string(),
            repository: repository.map(String::from),
            connect,
            pace: Pace::NETWORK,
            connected: Arc::default(),
        })
    }

    /// The client, connected at the first call.
    fn client(&self) -> Result<Arc<Client>> {
        let mut connected = lock(&self.connected);
        if let Some(client) = &*connected {
            return Ok(Arc::clone(client));
        }
        let client = Arc::new(Client::connect(
            &self.host,
            self.repository.as_deref(),
            &self.connect,
        )?);
        *connected = Some(Arc::clone(&client));
        Ok(client)
    }

    /// Reads the registry.
    fn read(&self, client: &Client) -> Result<reader::Read> {
        let cache = cache::Cache::user();
        reader::read(client, self.repository.as_deref(), cache.as_ref())
    }
}

impl Backend for RegistryStore {
    fn label(&self) -> String {
        match &self.repository {
            Some(repository) => format!("registry {}/{repository}", self.host),
            None => format!("registry {}", self.host),
        }
    }

    fn rules(&self) -> Rules {
        Rules::Registry
    }

    /// Every repository's tags, manifests and configs, watched by asking the registry again
    /// at its [`Pace`] (a registry tells no one of its changes).
    fn load(&self) -> Result<Loaded> {
        let client = self.client()?;
        let read = self.read(&client)?;
        let mut watch = Watch::default();
        watch.probe(RegistryProbe::new(
            Arc::clone(&client),
            &read.registry,
            self.repository.is_none(),
            self.pace,
        ));
        let visible = read.registry.visible_storage();
        Ok(Loaded {
            snapshot: read.registry.snapshot(),
            watch,
            terms: Terms::new(RegistryTerms {
                client,
                visible,
                notes: read.notes,
                deletes_tags: OnceLock::new(),
            }),
        })
    }

    /// Steps are requests; nothing is told in blobs here.
    fn apply(
        &self,
        preview: &[Step],
        _: &[Blob],
        replan: &dyn Fn(&Catalog) -> Vec<Step>,
    ) -> Result<()> {
        let client = self.client()?;
        let snapshot = self.read(&client)?.registry.snapshot();
        if replan(&Catalog::new(snapshot)) != preview {
            return Err(StoreError::Changed);
        }
        writer::apply(&client, preview)
    }
}

/// How a registry tells plans: the model's steps are its requests already; an untag is
/// refused in the plan where the registry deletes no tag on its own.
#[derive(Debug)]
struct RegistryTerms {
    client: Arc<Client>,
    /// What the collector walks as far as the API shows it (no untagged revisions): what a
    /// removal frees is counted on it, as an upper bound.
    visible: gc::Storage,
    /// What the listing could not reach, said with every plan.
    notes: Vec<String>,
    /// Whether DELETE of a tag works, asked once, when an untag is first planned.
    deletes_tags: OnceLock<std::result::Result<(), String>>,
}

impl RemovalTerms for RegistryTerms {
    fn refine(&self, _: &Snapshot, plan: &mut RemovalPlan) {
        freed::tell_freed(plan, &self.visible, Some(&self.client.host), false);
        plan.warnings.extend(self.notes.iter().cloned());
    }

    fn refine_names(&self, plan: &mut NamesPlan) {
        plan.warnings.extend(self.notes.iter().cloned());
        let untag = plan.steps.iter().find_map(|step| match step {
            Step::Registry(RegistryStep::Untag { name, .. }) => Some(name.clone()),
            _ => None,
        });
        let Some(name) = untag else { return };
        let repository = writer::path(&self.client.host, cairn_core::reference::split_tag(&name).0);
        let answer = self
            .deletes_tags
            .get_or_init(|| self.client.deletes_tags(&repository));
        if let Err(why) = answer {
            plan.steps.clear();
            plan.untagged.clear();
            plan.errors.push(format!(
                "{} does not delete a tag on its own ({why}): nothing was untagged; `cairn rm {name}` deletes the manifest with every tag of {repository} on it",
                self.client.host
            ));
        }
    }

    fn deletes_blobs(&self) -> bool {
        false
    }

    fn notes(&self) -> &[String] {
        &self.notes
    }
}
