//! Watching a registry for changes other tools make (a `skopeo copy`, a `skopeo delete`, a
//! push from CI). A registry tells no one of its changes, so the probe asks it, gently: in
//! rounds of the requests that show a change (the catalog, each repository's tag list, and
//! the digest of some tags, a different few each round, for a tag pushed again over itself),
//! a few requests at a time, a pause between rounds, waiting longer after each failure and as
//! long as a 429 asks (`Retry-After`). What the browser showed is what each answer is compared
//! with; the first difference is a change.

use super::client::{Client, Scope};
use super::lock;
use crate::distribution::Registry;
use crate::watch::{Probe, Unreachable};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How hard the probe may ask a registry. The browser asks the probe once a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Requests at most per time the probe is asked.
    pub batch: usize,
    /// The wait between the end of one round and the start of the next.
    pub pause: Duration,
    /// Tags whose digest is asked again per round, a different few each round.
    pub heads: usize,
    /// The wait after a first failure, doubled at each failure after it up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Pace {
    /// For a registry over the network: at most 4 requests a second, 15 seconds between
    /// rounds, 32 tag digests a round; a failure waits 30 seconds, then up to 10 minutes.
    pub const NETWORK: Pace = Pace {
        batch: 4,
        pause: Duration::from_secs(15),
        heads: 32,
        backoff: Duration::from_secs(30),
        max_backoff: Duration::from_secs(600),
    };

    /// When to ask again after `failures` failures in a row, at `now`, when the registry
    /// asked to wait until `held` (a 429's `Retry-After`).
    fn after_failure(&self, failures: u32, now: Instant, held: Option<Instant>) -> Instant {
        let doubled = self
            .backoff
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
            .min(self.max_backoff);
        (now + doubled).max(held.unwrap_or(now))
    }
}

/// One request of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Check {
    Catalog,
    Tags(String),
    Digest { repository: String, tag: String },
}

/// What the browser showed: the catalog (when it was read) and each repository's tags with
/// the digest each points at.
#[derive(Debug, Default)]
struct Seen {
    catalog: Option<BTreeSet<String>>,
    tags: BTreeMap<String, BTreeMap<String, String>>,
    /// Tags listed but naming no manifest, per repository: their tag list lists them too.
    broken: BTreeMap<String, BTreeSet<String>>,
}

/// The requests of a round: the catalog, every tag list, then `heads` tag digests from
/// `cursor` on (wrapping), moving `cursor` past them.
fn plan(seen: &Seen, heads: usize, cursor: &mut usize) -> VecDeque<Check> {
    let mut queue = VecDeque::new();
    if seen.catalog.is_some() {
        queue.push_back(Check::Catalog);
    }
    queue.extend(seen.tags.keys().cloned().map(Check::Tags));
    let all: Vec<(&String, &String)> = seen
        .tags
        .iter()
        .flat_map(|(repository, tags)| tags.keys().map(move |tag| (repository, tag)))
        .collect();
    if !all.is_empty() {
        let start = *cursor % all.len();
        let count = heads.min(all.len());
        queue.extend(
            all.iter()
                .cycle()
                .skip(start)
                .take(count)
                .map(|(repository, tag)| Check::Digest {
                    repository: (*repository).clone(),
                    tag: (*tag).clone(),
                }),
        );
        *cursor = (start + count) % all.len();
    }
    queue
}

/// Where the probe is between two times it is asked.
#[derive(Debug)]
struct Round {
    /// What is left to ask in this round.
    queue: VecDeque<Check>,
    /// Not before then.
    due: Instant,
    failures: u32,
    /// Why the registry does not answer, while `failures` is not 0.
    failing: Option<Unreachable>,
    /// The first tag whose digest the next round asks, counted in `Seen::tags` order.
    cursor: usize,
}

/// The probe of one loaded registry.
#[derive(Debug)]
pub struct RegistryProbe {
    client: Arc<Client>,
    seen: Seen,
    pace: Pace,
    round: Mutex<Round>,
}

impl RegistryProbe {
    /// Watches `registry` as it was read through `client`; `catalog` is false when only one
    /// repository was read. The first round starts after a pause: the registry was just read.
    pub fn new(client: Arc<Client>, registry: &Registry, catalog: bool, pace: Pace) -> Self {
        let tags: BTreeMap<String, BTreeMap<String, String>> = registry
            .repositories
            .iter()
            .map(|(name, repository)| (name.clone(), repository.tags.clone()))
            .collect();
        let broken = registry
            .repositories
            .iter()
            .map(|(name, repository)| {
                (
                    name.clone(),
                    repository.broken_tags.keys().cloned().collect(),
                )
            })
            .collect();
        let seen = Seen {
            catalog: catalog.then(|| tags.keys().cloned().collect()),
            tags,
            broken,
        };
        RegistryProbe {
            client,
            seen,
            pace,
            round: Mutex::new(Round {
                queue: VecDeque::new(),
                due: Instant::now() + pace.pause,
                failures: 0,
                failing: None,
                cursor: 0,
            }),
        }
    }

    /// Whether the registry's answer to `check` differs from what was seen; `Err` says why
    /// it gave none cairn can compare.
    fn differs(&self, check: &Check) -> Result<bool, String> {
        let words = |e: crate::error::StoreError| format!("{e:#}");
        match check {
            Check::Catalog => {
                let listing = self
                    .client
                    .list("_catalog", "repositories", &Scope::Catalog)
                    .map_err(words)?;
                let now: BTreeSet<String> = listing.names.into_iter().collect();
                Ok(self.seen.catalog.as_ref() != Some(&now))
            }
            Check::Tags(repository) => {
                let listing = self
                    .client
                    .list(
                        &format!("{repository}/tags/list"),
                        "tags",
                        &Scope::Pull(repository.clone()),
                    )
                    .map_err(words)?;
                let now: BTreeSet<&String> = listing.names.iter().collect();
                let broken = self.seen.broken.get(repository).into_iter().flatten();
                let seen: BTreeSet<&String> = self
                    .seen
                    .tags
                    .get(repository)
                    .into_iter()
                    .flat_map(|tags| tags.keys())
                    .chain(broken)
                    .collect();
                Ok(now != seen)
            }
            Check::Digest { repository, tag } => {
                // A refusal of this tag alone is no answer to compare either.
                let now = self.client.tag_digest(repository, tag).map_err(words)??;
                let seen = self.seen.tags.get(repository).and_then(|t| t.get(tag));
                Ok(now.as_ref().map(|d| d.as_str()) != seen.map(String::as_str))
            }
        }
    }
}

impl Probe for RegistryProbe {
    /// Asks the next few requests of the round when they are due. A registry that does not
    /// answer is no change: it is asked again later, less often (a reload would only fail).
    fn changed(&self) -> bool {
        let mut round = lock(&self.round);
        if Instant::now() < round.due {
            return false;
        }
        if round.queue.is_empty() {
            let mut cursor = round.cursor;
            round.queue = plan(&self.seen, self.pace.heads, &mut cursor);
            round.cursor = cursor;
        }
        for _ in 0..self.pace.batch {
            let Some(check) = round.queue.front() else {
                break;
            };
            match self.differs(check) {
                Ok(true) => return true,
                Ok(false) => {
                    round.queue.pop_front();
                    round.failures = 0;
                    round.failing = None;
                }
                Err(error) => {
                    round.failures = round.failures.saturating_add(1);
                    let now = Instant::now();
                    round.due = self.pace.after_failure(
                        round.failures,
                        now,
                        self.client.rate_limited_until(),
                    );
                    let wall = SystemTime::now();
                    round.failing = Some(Unreachable {
                        since: round.failing.as_ref().map_or(wall, |f| f.since),
                        error,
                        next_try: wall + round.due.saturating_duration_since(now),
                    });
                    return false;
                }
            }
        }
        if round.queue.is_empty() {
            round.due = Instant::now() + self.pace.pause;
        }
        false
    }

    /// Set from the first failed request of a run of failures until a request is answered.
    fn unreachable(&self) -> Option<Unreachable> {
        lock(&self.round).failing.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_asks_every_list_and_a_different_few_digests_each_time() {
        let tags = |names: &[&str]| -> BTreeMap<String, String> {
            names
                .iter()
                .map(|t| (t.to_string(), format!("sha256:{t}")))
                .collect()
        };
        let seen = Seen {
            catalog: Some(["a".to_string(), "b".to_string()].into()),
            tags: [
                ("a".to_string(), tags(&["1", "2", "3"])),
                ("b".to_string(), tags(&["x", "y"])),
            ]
            .into(),
            broken: BTreeMap::new(),
        };
        let digest = |r: &str, t: &str| Check::Digest {
            repository: r.into(),
            tag: t.into(),
        };
        let lists = [
            Check::Catalog,
            Check::Tags("a".into()),
            Check::Tags("b".into()),
        ];
        let mut cursor = 0;
        let first: Vec<Check> = plan(&seen, 3, &mut cursor).into();
        assert_eq!(first[..3], lists);
        assert_eq!(
            first[3..],
            [digest("a", "1"), digest("a", "2"), digest("a", "3")]
        );
        let second: Vec<Check> = plan(&seen, 3, &mut cursor).into();
        assert_eq!(second[..3], lists);
        assert_eq!(
            second[3..],
            [digest("b", "x"), digest("b", "y"), digest("a", "1")]
        );
        let named = Seen {
            catalog: None,
            tags: [("a".to_string(), tags(&["1"]))].into(),
            broken: BTreeMap::new(),
        };
        let only: Vec<Check> = plan(&named, 32, &mut 0).into();
        assert_eq!(only, [Check::Tags("a".into()), digest("a", "1")]);
    }

    #[test]
    fn failures_wait_longer_each_time_and_as_long_as_the_registry_asks() {
        let now = Instant::now();
        let pace = Pace::NETWORK;
        assert_eq!(pace.after_failure(1, now, None), now + pace.backoff);
        assert_eq!(pace.after_failure(2, now, None), now + pace.backoff * 2);
        assert_eq!(pace.after_failure(3, now, None), now + pace.backoff * 4);
        assert_eq!(pace.after_failure(60, now, None), now + pace.max_backoff);
        let held = now + Duration::from_secs(3600);
        assert_eq!(
            pace.after_failure(1, now, Some(held)),
            held,
            "a Retry-After longer than the backoff is waited out"
        );
        assert_eq!(
            pace.after_failure(4, now, Some(now + Duration::from_secs(1))),
            now + pace.backoff * 8
        );
    }
}
