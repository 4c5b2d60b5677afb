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

use crate::backend::{Backend, Listed, Loaded, RemovalTerms, Terms};
use crate::distribution::{Registry, freed};
use crate::error::{Result, StoreError};
use crate::watch::Watch;
use cairn_core::gc;
use cairn_core::removal::registry::RegistryStep;
use cairn_core::removal::{Blob, RemovalPlan, Step};
use cairn_core::tagging::NamesPlan;
use cairn_core::{Catalog, Rules, Snapshot};
use client::{Client, Connect};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::SystemTime;
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
    /// `--cached`: show the listing the last open read, without asking the registry (a
    /// change still asks it before anything is applied).
    pub cached: bool,
    /// The cache: the user's (see [`cache::Cache::user`]) unless another is given, as a
    /// test's own folder is, so that a test never writes into the user's.
    pub cache: Option<cache::Cache>,
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
            cached: false,
            cache: cache::Cache::user(),
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
        reader::read(client, self.repository.as_deref(), self.cache.as_ref())
    }

    /// The registry as its last open listed it, from the cache alone, if it has all of it.
    fn read_cached(&self) -> Option<reader::Read> {
        let cache = self.cache.as_ref()?;
        reader::read_cached(&self.host, self.repository.as_deref(), cache)
    }

    /// What a load gives: the snapshot, what watches it, and the terms that plan on it.
    fn loaded(&self, mut read: reader::Read, watch: Watch) -> Loaded {
        let cached = read.cached_at.map(|at| {
            let warning = format!(
                "planned on {}'s listing as cached {}: cairn asks the registry again before applying",
                self.host,
                age(at)
            );
            (at, warning)
        });
        Loaded {
            snapshot: read.registry.take_snapshot(),
            watch,
            terms: Terms::new(RegistryTerms {
                store: self.clone(),
                registry: read.registry,
                visible: OnceLock::new(),
                notes: read.notes,
                cached,
                deletes_tags: OnceLock::new(),
            }),
        }
    }
}

/// How long ago `at` was, as a status line says it.
fn age(at: SystemTime) -> String {
    let now = jiff::Timestamp::now();
    let then = jiff::Timestamp::try_from(at).ok();
    cairn_core::human::ago(now, then).to_lowercase()
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
    /// at its [`Pace`] (a registry tells no one of its changes). Under `--cached`, the
    /// listing the last open read, when the cache has all of it, unwatched.
    fn load(&self) -> Result<Loaded> {
        if self.cached
            && let Some(read) = self.read_cached()
        {
            return Ok(self.loaded(read, Watch::default()));
        }
        let client = self.client()?;
        let read = self.read(&client)?;
        let mut watch = Watch::default();
        watch.probe(RegistryProbe::new(
            Arc::clone(&client),
            &read.registry,
            self.repository.is_none(),
            self.pace,
        ));
        Ok(self.loaded(read, watch))
    }

    /// The listing the last open read, at once and without a request, said to be cached
    /// (its terms' `cached_at`): the browser shows it while [`Backend::load`] asks the
    /// registry again. It may be stale: no command prints from it but under `--cached`.
    fn load_list(&self, _: &mut dyn FnMut(Snapshot)) -> Option<Result<Listed>> {
        let read = self.read_cached()?;
        Some(Ok(Listed::alone(self.loaded(read, Watch::default()))))
    }

    /// Steps are requests; nothing is told in blobs here.
    fn apply(
        &self,
        preview: &[Step],
        _: &[Blob],
        replan: &dyn Fn(&Catalog) -> Vec<Step>,
    ) -> Result<()> {
        let client = self.client()?;
        let snapshot = self.read(&client)?.registry.take_snapshot();
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
    /// The store, whose client connects when first needed: a cached listing is shown
    /// without any request.
    store: RegistryStore,
    /// The registry as read (its configs are the snapshot's now).
    registry: Registry,
    /// What the collector walks as far as the API shows it (no untagged revisions): what a
    /// removal frees is counted on it, as an upper bound. Made at the first plan, not before
    /// the list is shown.
    visible: OnceLock<gc::Storage>,
    /// What the listing could not reach, said with every plan.
    notes: Vec<String>,
    /// When the listing was asked of the registry, if it came from the cache, and the
    /// warning every plan made on it carries.
    cached: Option<(SystemTime, String)>,
    /// Whether DELETE of a tag works, asked once, when an untag is first planned.
    deletes_tags: OnceLock<std::result::Result<(), String>>,
}

impl RegistryTerms {
    /// What every plan says: what the listing could not reach, and its age if cached.
    fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        let cached = self.cached.as_ref().map(|(_, warning)| warning.clone());
        self.notes.iter().cloned().chain(cached)
    }
}

impl RemovalTerms for RegistryTerms {
    fn refine(&self, _: &Snapshot, plan: &mut RemovalPlan) {
        let visible = self.visible.get_or_init(|| self.registry.visible_storage());
        freed::tell_freed(plan, visible, Some(&self.store.host), false);
        plan.warnings.extend(self.warnings());
    }

    fn refine_names(&self, plan: &mut NamesPlan) {
        plan.warnings.extend(self.warnings());
        let untag = plan.steps.iter().find_map(|step| match step {
            Step::Registry(RegistryStep::Untag { name, .. }) => Some(name.clone()),
            _ => None,
        });
        let Some(name) = untag else { return };
        let host = &self.store.host;
        let repository = writer::path(host, cairn_core::reference::split_tag(&name).0);
        let answer = self.deletes_tags.get_or_init(|| {
            self.store
                .client()
                .map_err(|e| e.to_string())?
                .deletes_tags(&repository)
        });
        if let Err(why) = answer {
            plan.steps.clear();
            plan.untagged.clear();
            plan.errors.push(format!(
                "{host} does not delete a tag on its own ({why}): nothing was untagged; `cairn rm {name}` deletes the manifest with every tag of {repository} on it"
            ));
        }
    }

    fn deletes_blobs(&self) -> bool {
        false
    }

    fn cached_at(&self) -> Option<SystemTime> {
        self.cached.as_ref().map(|(at, _)| *at)
    }

    fn notes(&self) -> &[String] {
        &self.notes
    }
}
