//! What the UI keeps of a loaded store: the catalog, and the few per-image facts that the list
//! needs for every row (display name, search text, layer use counts), computed once per load
//! off the UI thread so that filtering and sorting 10,000 images stays cheap.

use cairn_core::image::short_id;
use cairn_core::layer_forest::LayerForest;
use cairn_core::reference::{has_domain, repo_tags, split_tag};
use cairn_core::removal::{RemovalPlan, RemoveOptions, Target};
use cairn_core::tagging::NamesPlan;
use cairn_core::{Catalog, ImageIdx, TiVec};
use cairn_store::OpenedStore;
use jiff::Timestamp;
use std::sync::Arc;

/// A loaded store. The catalog's own `lineage` is empty: the lineage arrives later and is kept
/// by the app on its own, so the list can show before it is computed.
#[derive(Debug, Clone)]
pub struct StoreData {
    /// The opened store's catalog, which every pane reads.
    pub catalog: Arc<Catalog>,
    pub facts: Arc<Facts>,
    /// When the catalog was read, if it was kept from an earlier open (a registry's cached
    /// listing) and may be that old: the status bar says so until the store is read again.
    pub cached_at: Option<Timestamp>,
    /// The store it came from, which tells removal previews in its own terms.
    opened: OpenedStore,
    /// Only the images are known yet, without their layers: the list shows names, IDs and
    /// dates, but no sizes; the panes about layers wait, and no change can be planned.
    pub without_layers: bool,
}

impl StoreData {
    /// A catalog built in memory, with no store behind it.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        StoreData::opened(OpenedStore::in_memory(catalog))
    }

    /// A store as the loader opened it.
    pub fn opened(opened: OpenedStore) -> Self {
        StoreData {
            catalog: Arc::clone(&opened.catalog),
            facts: Arc::new(Facts::new(&opened.catalog)),
            cached_at: opened
                .cached_at()
                .and_then(|at| Timestamp::try_from(at).ok()),
            opened,
            without_layers: false,
        }
    }

    /// A store's images alone, read before their layers (see [`StoreData::without_layers`]).
    pub fn images_alone(opened: OpenedStore) -> Self {
        StoreData {
            without_layers: true,
            ..StoreData::opened(opened)
        }
    }

    /// What a removal would do, as the store will carry it out.
    pub fn plan_removal(&self, target: &Target, options: RemoveOptions) -> RemovalPlan {
        self.opened.plan_removal(target, options)
    }

    /// True when a removal here deletes blobs rather than layers (an OCI layout).
    pub fn deletes_blobs(&self) -> bool {
        self.opened.deletes_blobs()
    }

    /// What the load could not reach (a registry's capped or refused catalog).
    pub fn notes(&self) -> &[String] {
        self.opened.notes()
    }

    /// A tag or untag as the store will carry it out: on a layout, with the blobs it deletes.
    pub fn plan_names(&self, plan: NamesPlan) -> NamesPlan {
        self.opened.plan_names(plan)
    }
}

#[derive(Debug, Default)]
pub struct Facts {
    /// The name the list shows: the first tagged name, else the first name, else `<none>`.
    pub names: TiVec<ImageIdx, String>,
    /// How many further names an image has, shown as `+N`.
    pub more_names: TiVec<ImageIdx, usize>,
    /// Lowercased ID, names and labels (`key=value`), one per line, for the filter.
    pub search: TiVec<ImageIdx, String>,
    /// The repositories of each image's names, lowercased, without the registry host: what a
    /// `repo:` filter word matches (a platform image is listed under its index, by the
    /// index's).
    pub repositories: TiVec<ImageIdx, Vec<String>>,
    /// Every repository of the store, sorted, once: what `repo:` completes to.
    pub all_repositories: Vec<String>,
    /// The whole layer forest's facts: how many images use each layer (more than one is
    /// shared), the bytes below each fork.
    pub forest: LayerForest,
}

/// What the list shows for an image without names.
pub const NO_NAME: &str = "<none>";

impl Facts {
    pub fn new(catalog: &Catalog) -> Self {
        let snapshot = &catalog.snapshot;
        let mut names = TiVec::with_capacity(snapshot.images.len());
        let mut more_names = TiVec::with_capacity(snapshot.images.len());
        let mut search = TiVec::with_capacity(snapshot.images.len());
        for image in &snapshot.images {
            let tagged = repo_tags(&image.names);
            let name = tagged
                .first()
                .or(image.names.first())
                .cloned()
                .unwrap_or_else(|| NO_NAME.to_string());
            more_names.push(image.names.len().saturating_sub(1));
            names.push(name);
            let mut text = image.id.to_lowercase();
            for name in &image.names {
                text.push('\n');
                text.push_str(&name.to_lowercase());
            }
            if let Some(config) = &image.config {
                for (key, value) in &config.labels {
                    text.push('\n');
                    text.push_str(&format!("{key}={value}").to_lowercase());
                }
            }
            search.push(text);
        }
        // A list's platform image has no name of its own: it is known by its list's.
        for list in snapshot.images.keys() {
            for (instance, platform) in snapshot.instances(list) {
                if names[instance] == NO_NAME && names[list] != NO_NAME {
                    names[instance] = format!("{} ({platform})", names[list]);
                }
            }
        }
        let repositories: TiVec<ImageIdx, Vec<String>> = snapshot
            .images
            .iter()
            .map(|image| repositories_of(&image.names))
            .collect();
        let all_repositories: Vec<String> = repositories
            .iter()
            .flatten()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Facts {
            names,
            more_names,
            search,
            repositories,
            all_repositories,
            forest: LayerForest::new(snapshot, &catalog.tree),
        }
    }

    /// The list's name for an image, or its short ID when it has no name.
    pub fn label(&self, catalog: &Catalog, image: ImageIdx) -> String {
        match self.names.get(image) {
            Some(name) if name != NO_NAME => name.clone(),
            _ => short_id(&catalog.snapshot.images[image].id).to_string(),
        }
    }
}

/// The repositories of these names, lowercased, without the registry host
/// (`127.0.0.1:5000/team/app:1` is `team/app`), once each.
fn repositories_of(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let repository = split_tag(name).0;
        let path = match has_domain(repository) {
            true => repository.split_once('/').map_or(repository, |(_, p)| p),
            false => repository,
        };
        let path = path.to_lowercase();
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// A short age for the list and history columns: `42s`, `5m`, `3h`, `12d`, `3mo`, `2y`.
pub fn age(now: Timestamp, then: Option<Timestamp>) -> String {
    let Some(then) = then else {
        return "-".into();
    };
    let seconds = now.as_second() - then.as_second();
    if seconds < 0 {
        return "future".into();
    }
    let (value, unit) = match seconds {
        s if s < 60 => (s, "s"),
        s if s < 3600 => (s / 60, "m"),
        s if s < 86_400 => (s / 3600, "h"),
        s if s < 86_400 * 60 => (s / 86_400, "d"),
        s if s < 86_400 * 365 * 2 => (s / (86_400 * 30), "mo"),
        s => (s / (86_400 * 365), "y"),
    };
    format!("{value}{unit} ago")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_short() {
        let now = Timestamp::from_second(1_000_000_000).unwrap();
        let ago = |s: i64| {
            age(
                now,
                Some(Timestamp::from_second(1_000_000_000 - s).unwrap()),
            )
        };
        assert_eq!(ago(5), "5s ago");
        assert_eq!(ago(300), "5m ago");
        assert_eq!(ago(7200), "2h ago");
        assert_eq!(ago(86_400 * 12), "12d ago");
        assert_eq!(ago(86_400 * 90), "3mo ago");
        assert_eq!(ago(86_400 * 800), "2y ago");
        assert_eq!(age(now, None), "-");
    }
}
