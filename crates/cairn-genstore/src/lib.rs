//! `cairn-genstore` writes a synthetic containers-storage store (vfs driver) shaped like a
//! build server's, so that cairn can be measured, and checked against podman, on stores far
//! bigger than anyone would build by hand.
//!
//! The store holds no file data (every `vfs/dir/<layer>` folder is empty), but every record is
//! laid out as containers/storage 1.44 (podman 4.3) writes it, and every image is consistent
//! in the ways podman checks: the image ID is the digest of its config, the manifest names
//! that config, the config's `diff_ids` are its layer chain's DiffIDs, base first, and build
//! steps share their history prefix, so that podman's lineage rules find real parents.
//!
//! Shape: a few dozen base images; builds on them as `buildah bud --layers` makes them (one
//! untagged intermediate image per step, the final one tagged, a step either adding a layer
//! or only changing the config); rebuilds that reuse a cached prefix of an earlier build and
//! move its tag (leaving the old image dangling); squashed builds that add several layers at
//! once (no podman parent); untagged builds; containers on tagged images. The output is a
//! pure function of the arguments.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a developer tool: it writes the store from a plan it made itself, and a broken \
              invariant there is a bug to see at once"
)]

use anyhow::{Context, Result, bail, ensure};
use cairn_store::containers_storage::big_data;
use cairn_store::containers_storage::records::{ContainerRecord, ImageRecord, LayerRecord};
use jiff::{SignedDuration, Timestamp};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// The size of a store to write; the same shape writes the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// number of images
    pub images: usize,
    /// number of layers in layers.json, containers' layers included
    pub layers: usize,
    /// number of containers, each with a layer of its own on its image's top layer
    pub containers: usize,
    /// seed of every random choice
    pub seed: u64,
}

/// What was written, for the generator's one-line report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub images: usize,
    pub tagged: usize,
    pub layers: usize,
    pub containers: usize,
}

/// Writes a store of `shape` under the graph root `root`, which must not exist or be empty.
pub fn generate(root: &Path, shape: Shape) -> Result<Written> {
    let plan = Plan::generate(shape.images, shape.layers, shape.containers, shape.seed)?;
    write_store(root, &plan)
        .with_context(|| format!("writing the store under {}", root.display()))?;
    Ok(Written {
        images: plan.images.len(),
        tagged: plan.images.iter().filter(|i| !i.names.is_empty()).count(),
        layers: plan.layers.len(),
        containers: plan.containers.len(),
    })
}

/// Podman and buildah have no depth limit, but real images rarely go past this; it also
/// bounds how deep any walk of the layer tree goes.
const MAX_DEPTH: usize = 15;

/// The mean of [`Planner::build_steps`].
const MEAN_STEPS: f64 = 0.55 + 0.25 * 2.0 + 0.12 * 3.0 + 0.08 * 5.0;

/// Where the store's clock starts; later events are spread out from here.
const EPOCH_SECONDS: i64 = 1_740_988_800; // 2025-03-03T08:00:00Z

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64): enough for
/// shaping test data, and it keeps the output stable across versions of any crate.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the bias of the multiply-shift is far below what matters here.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A size spread evenly over orders of magnitude, as layer sizes are.
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let (lo, hi) = ((lo as f64).ln(), (hi as f64).ln());
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        (lo + unit * (hi - lo)).exp() as u64
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes).iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// One layer to write: parents always come before their children.
struct PlanLayer {
    id: String,
    parent: Option<usize>,
    /// `sha256:<hex>`; `None` for a container's read-write layer, which has no diff yet.
    diff_digest: Option<String>,
    size: u64,
    created: Timestamp,
}

/// One entry of an image config's `history`, serialized as the OCI Go types do.
#[derive(Debug, Clone, Serialize)]
struct HistoryStep {
    created: String,
    created_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    empty_layer: bool,
}

struct PlanImage {
    /// Layer indexes, base first; the last one is the top layer.
    chain: Vec<usize>,
    history: Vec<HistoryStep>,
    env: Vec<String>,
    cmd: Vec<String>,
    labels: BTreeMap<String, String>,
    names: Vec<String>,
    names_history: Vec<String>,
    created: Timestamp,
}

struct PlanContainer {
    id: String,
    name: String,
    image: usize,
    layer: usize,
    created: Timestamp,
}

/// What a build step does.
#[derive(Clone, Copy, PartialEq)]
enum Step {
    /// Adds a layer of a base image (`ADD file:… in /`).
    Base,
    /// Adds a layer (`RUN`, `COPY`).
    Layer,
    /// Only changes the config (`ENV`, `LABEL`, `CMD`): an `empty_layer` history entry.
    Config,
}

/// A `--layers` build whose cached steps a later rebuild can reuse.
struct Build {
    /// `localhost/svc-12` or `quay.io/team-3/api-12`, without a tag.
    repo: String,
    /// One image per step, first step first.
    steps: Vec<usize>,
    version: usize,
}

/// Everything the store will hold, decided before anything is written.
struct Plan {
    layers: Vec<PlanLayer>,
    images: Vec<PlanImage>,
    containers: Vec<PlanContainer>,
}

/// Makes the plan: a random walk through what a build server does, steered so that the
/// image and layer counts come out exactly as asked.
struct Planner {
    rng: SplitMix64,
    seed: u64,
    clock: Timestamp,
    target_images: usize,
    /// Layers for images: the asked total minus one per container.
    image_layers: usize,
    layers: Vec<PlanLayer>,
    images: Vec<PlanImage>,
    /// Images a `FROM` can name: bases and tagged finals.
    fromable: Vec<usize>,
    bases: Vec<usize>,
    builds: Vec<Build>,
    name_owner: HashMap<String, usize>,
    /// Makes step commands unique, as real builds mostly are.
    step_counter: usize,
    /// Numbers repositories, so that every new build has a name of its own.
    repo_counter: usize,
}

const DISTROS: [&str; 8] = [
    "fedora",
    "debian",
    "alpine",
    "ubi9",
    "ubuntu",
    "rocky",
    "busybox",
    "amazonlinux",
];
const WORDS: [&str; 8] = [
    "api", "web", "worker", "cron", "gateway", "auth", "billing", "search",
];

impl Plan {
    fn generate(images: usize, layers: usize, containers: usize, seed: u64) -> Result<Plan> {
        ensure!(images > 0, "--images must be at least 1");
        let bases = base_count(images);
        ensure!(
            layers >= containers + bases,
            "--layers {layers} is too few: {containers} containers and {bases} base images need \
             at least {}",
            containers + bases
        );
        ensure!(
            layers - containers <= images * (MAX_DEPTH - 3),
            "--layers {layers} is too many for {images} images: at most {} besides one per container",
            images * (MAX_DEPTH - 3)
        );
        let mut planner = Planner {
            rng: SplitMix64(seed),
            seed,
            clock: Timestamp::from_second(EPOCH_SECONDS)?,
            target_images: images,
            image_layers: layers - containers,
            layers: Vec::with_capacity(layers),
            images: Vec::with_capacity(images),
            fromable: Vec::new(),
            bases: Vec::new(),
            builds: Vec::new(),
            name_owner: HashMap::new(),
            step_counter: 0,
            repo_counter: 0,
        };
        planner.plan_bases(bases);
        planner.plan_builds()?;
        let containers = planner.plan_containers(containers);
        ensure!(
            planner.images.len() == images && planner.layers.len() == layers,
            "planned {} images and {} layers instead of {images} and {layers}",
            planner.images.len(),
            planner.layers.len()
        );
        Ok(Plan {
            layers: planner.layers,
            images: planner.images,
            containers,
        })
    }
}

/// A few dozen bases on a big store, a couple on a small one.
fn base_count(images: usize) -> usize {
    ((images as f64).sqrt() / 2.5).round().clamp(1.0, 40.0) as usize
}

impl Planner {
    fn remaining_images(&self) -> usize {
        self.target_images - self.images.len()
    }

    fn remaining_layers(&self) -> usize {
        self.image_layers - self.layers.len()
    }

    /// Moves the clock on by a few minutes and returns the new time.
    fn tick(&mut self) -> Timestamp {
        let seconds = self.rng.range(5, 900) as i64;
        let nanos = self.rng.below(1_000_000_000) as i32;
        self.clock = self
            .clock
            .checked_add(SignedDuration::new(seconds, nanos))
            .expect("the clock stays within jiff's range");
        self.clock
    }

    /// An ID that looks random, as buildah's are, but follows from the seed.
    fn id(&self, kind: &str, n: usize) -> String {
        sha256_hex(format!("cairn-genstore:{}:{kind}:{n}", self.seed).as_bytes())
    }

    fn depth(&self, image: usize) -> usize {
        self.images[image].chain.len()
    }

    fn add_layer(&mut self, parent: Option<usize>, size: u64, created: Timestamp) -> usize {
        let n = self.layers.len();
        self.layers.push(PlanLayer {
            id: self.id("layer", n),
            parent,
            diff_digest: Some(format!("sha256:{}", self.id("diff", n))),
            size,
            created,
        });
        n
    }

    /// Commits one image made by running `steps` on `parent` (or on nothing), as one
    /// `buildah commit` does: its config is the parent's, changed by the steps, and its
    /// history the parent's plus one entry per step.
    fn commit(&mut self, parent: Option<usize>, steps: &[Step], repo: &str) -> usize {
        let (mut chain, mut history, mut env, mut cmd, mut labels) = match parent {
            Some(p) => {
                let image = &self.images[p];
                (
                    image.chain.clone(),
                    image.history.clone(),
                    image.env.clone(),
                    image.cmd.clone(),
                    image.labels.clone(),
                )
            }
            None => (
                Vec::new(),
                Vec::new(),
                vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
                vec!["/bin/sh".into()],
                BTreeMap::from([("io.buildah.version".into(), "1.28.2".into())]),
            ),
        };
        let comment = parent
            .and_then(|p| self.images[p].names.first())
            .map(|name| format!("FROM {name}"));
        let mut created = self.clock;
        for (i, &step) in steps.iter().enumerate() {
            created = self.tick();
            self.step_counter += 1;
            let n = self.step_counter;
            let created_by = match step {
                Step::Base => {
                    let size = self.rng.log_uniform(5 << 20, 120 << 20);
                    chain.push(self.add_layer(chain.last().copied(), size, created));
                    format!("/bin/sh -c #(nop) ADD file:{} in / ", self.id("file", n))
                }
                Step::Layer => {
                    let size = self.rng.log_uniform(1 << 10, 60 << 20);
                    chain.push(self.add_layer(chain.last().copied(), size, created));
                    match self.rng.below(3) {
                        0 => format!("/bin/sh -c dnf install -y {}-deps-{n}", leaf(repo)),
                        1 => format!(
                            "/bin/sh -c #(nop) COPY dir:{} in /srv/{} ",
                            &self.id("dir", n)[..16],
                            leaf(repo)
                        ),
                        _ => format!("/bin/sh -c make -C /src/{} stage-{n}", leaf(repo)),
                    }
                }
                Step::Config => match self.rng.below(3) {
                    0 => {
                        env.push(format!("BUILD_{n}={}", self.rng.below(1000)));
                        format!("/bin/sh -c #(nop) ENV {}", env.last().unwrap())
                    }
                    1 => {
                        labels.insert(format!("stage.{n}"), leaf(repo).to_string());
                        format!("/bin/sh -c #(nop) LABEL stage.{n}={}", leaf(repo))
                    }
                    _ => {
                        cmd = vec![format!("/srv/{}/run-{n}", leaf(repo))];
                        format!("/bin/sh -c #(nop) CMD [\"{}\"]", cmd[0])
                    }
                },
            };
            history.push(HistoryStep {
                created: created.to_string(),
                created_by,
                comment: if i == 0 { comment.clone() } else { None },
                empty_layer: step == Step::Config,
            });
        }
        self.images.push(PlanImage {
            chain,
            history,
            env,
            cmd,
            labels,
            names: Vec::new(),
            names_history: Vec::new(),
            created,
        });
        self.images.len() - 1
    }

    /// Gives `name` to `image`, taking it from the image that had it, as `podman tag` does.
    fn assign_name(&mut self, image: usize, name: String) {
        if let Some(&owner) = self.name_owner.get(&name)
            && owner != image
        {
            self.images[owner].names.retain(|n| *n != name);
        }
        self.name_owner.insert(name.clone(), image);
        let target = &mut self.images[image];
        if !target.names.contains(&name) {
            target.names.push(name.clone());
        }
        target.names_history.retain(|n| *n != name);
        target.names_history.insert(0, name);
    }

    /// Bases as `podman pull` leaves them: a few layers, then a config-only `CMD`. When the
    /// bases are all the images there are, the last one takes the layers that are left.
    fn plan_bases(&mut self, count: usize) {
        for b in 0..count {
            let bases_left = count - b - 1;
            let most = self.remaining_layers().saturating_sub(bases_left).max(1);
            let depth = if self.remaining_images() == 1 {
                most
            } else {
                self.rng.range(2, 4).min(most)
            };
            let mut steps = vec![Step::Base; depth];
            steps.push(Step::Config);
            let image = self.commit(None, &steps, "base");
            let distro = DISTROS[b % DISTROS.len()];
            let version = b / DISTROS.len() + 1;
            self.assign_name(image, format!("quay.io/base/{distro}:{version}"));
            self.bases.push(image);
            self.fromable.push(image);
        }
    }

    /// The most layers one more image can add: a squashed build on the shallowest base.
    fn capacity(&self) -> usize {
        let shallowest = self.bases.iter().map(|&b| self.depth(b)).min();
        MAX_DEPTH.saturating_sub(shallowest.unwrap_or(MAX_DEPTH))
    }

    /// Builds until the image count is reached, steering the mix of build kinds so that the
    /// layers run out with the images.
    ///
    /// Two controls: the mix follows the layers left per image left, which keeps the
    /// shape even; and no build may leave more layers than the images left can hold, which
    /// makes the exact count always reachable.
    fn plan_builds(&mut self) -> Result<()> {
        let capacity = self.capacity();
        if self.remaining_layers() > self.remaining_images() * capacity {
            bail!(
                "{} layers do not fit in {} images of at most {MAX_DEPTH} layers",
                self.image_layers,
                self.target_images
            );
        }
        while self.remaining_images() > 1 {
            let (images, layers) = (self.remaining_images(), self.remaining_layers());
            let wanted = layers as f64 / images as f64;
            // A `--layers` step adds a layer with probability `p_layer`; a squashed build
            // adds ~7.5. Mix them so that the mean matches what is left per image. A
            // `--layers` build makes `MEAN_STEPS` images, hence the per-build correction.
            let p_layer = wanted.min(0.85);
            let squashed_images = ((wanted - p_layer) / (7.5 - p_layer)).clamp(0.0, 1.0);
            let squashed_builds =
                squashed_images / (squashed_images + (1.0 - squashed_images) * MEAN_STEPS);
            // Steps that may add no layer at all and still leave room for the rest.
            let max_steps = images
                .saturating_sub(layers.div_ceil(capacity.max(1)))
                .min(images - 1);
            if max_steps == 0 || (layers >= 2 && self.rng.chance(squashed_builds)) {
                let at_least = layers.saturating_sub((images - 1) * capacity);
                self.squashed_build(wanted, at_least, capacity)?;
            } else if self.rng.chance(0.25) && self.builds.iter().any(|b| b.steps.len() >= 2) {
                self.rebuild(p_layer, max_steps);
            } else {
                self.layered_build(p_layer, max_steps);
            }
        }
        if self.remaining_images() == 1 {
            self.last_image()?;
        }
        Ok(())
    }

    /// A new repository: mostly local services, some pushed to a team's quay.io namespace.
    fn new_repo(&mut self) -> String {
        self.repo_counter += 1;
        let n = self.repo_counter;
        if self.rng.chance(0.75) {
            format!("localhost/svc-{n}")
        } else {
            let word = self.rng.pick(&WORDS);
            format!("quay.io/team-{}/{word}-{n}", self.rng.below(8))
        }
    }

    /// A `FROM` for a build that may add up to `new_layers` layers: any base or tagged
    /// image, falling back to the shallowest base when the chosen one is too deep.
    fn pick_from(&mut self, new_layers: usize) -> Option<usize> {
        let choice = if self.rng.chance(0.35) {
            *self.rng.pick(&self.bases)
        } else {
            *self.rng.pick(&self.fromable)
        };
        if self.depth(choice) + new_layers <= MAX_DEPTH {
            return Some(choice);
        }
        self.bases
            .iter()
            .copied()
            .filter(|&b| self.depth(b) + new_layers <= MAX_DEPTH)
            .min_by_key(|&b| self.depth(b))
    }

    /// How many steps a `--layers` build has: mostly one or two, so that most images of
    /// the store are tagged, as on a real build server; sometimes up to six, which leaves
    /// chains of untagged intermediates.
    fn build_steps(&mut self) -> usize {
        match self.rng.below(100) {
            0..55 => 1,
            55..80 => 2,
            80..92 => 3,
            _ => self.rng.range(4, 6),
        }
    }

    /// Commits `count` images on `from`, one per step, each step adding a layer with
    /// probability `p_layer`, as `buildah bud --layers` does.
    fn run_steps(&mut self, from: usize, count: usize, p_layer: f64, repo: &str) -> Vec<usize> {
        let mut steps = Vec::with_capacity(count);
        let mut current = from;
        for _ in 0..count {
            let adds_layer = self.remaining_layers() > 0
                && self.depth(current) < MAX_DEPTH
                && self.rng.chance(p_layer);
            let step = if adds_layer {
                Step::Layer
            } else {
                Step::Config
            };
            current = self.commit(Some(current), &[step], repo);
            steps.push(current);
        }
        steps
    }

    /// Tags the last image of a build, sometimes under extra names.
    fn tag_final(&mut self, image: usize, repo: &str, version: usize, move_latest: bool) {
        let tag = format!("1.{version}");
        self.assign_name(image, format!("{repo}:{tag}"));
        if move_latest {
            self.assign_name(image, format!("{repo}:latest"));
        }
        if self.rng.chance(0.06) {
            self.assign_name(image, format!("quay.io/mirror/{}:{tag}", leaf(repo)));
        }
        self.fromable.push(image);
    }

    fn layered_build(&mut self, p_layer: f64, max_steps: usize) {
        let count = self.build_steps().min(max_steps);
        let from = self
            .pick_from(0)
            .expect("no image is deeper than MAX_DEPTH");
        let repo = self.new_repo();
        let steps = self.run_steps(from, count, p_layer, &repo);
        let last = *steps.last().expect("at least one step");
        // `podman build` without `-t` leaves an untagged, dangling image.
        if !self.rng.chance(0.05) {
            let latest = self.rng.chance(0.12);
            self.tag_final(last, &repo, 0, latest);
        }
        self.builds.push(Build {
            repo,
            steps,
            version: 0,
        });
    }

    /// Rebuilds an earlier build after a change: its first steps come from the cache, the
    /// rest are new images. Two times in five the new image takes the old one's tag, which
    /// leaves the old one untagged (dangling, or intermediate if something is built on it).
    fn rebuild(&mut self, p_layer: f64, max_steps: usize) {
        let candidates: Vec<usize> = (0..self.builds.len())
            .filter(|&b| self.builds[b].steps.len() >= 2)
            .collect();
        let old = *self.rng.pick(&candidates);
        let reused = self.rng.range(1, self.builds[old].steps.len() - 1);
        let from = self.builds[old].steps[reused - 1];
        let count = self.rng.range(1, 3).min(max_steps);
        let repo = self.builds[old].repo.clone();
        let new_steps = self.run_steps(from, count, p_layer, &repo);
        let version = if self.rng.chance(0.4) {
            self.builds[old].version
        } else {
            self.builds.iter().filter(|b| b.repo == repo).count()
        };
        let last = *new_steps.last().expect("at least one step");
        let latest = self.rng.chance(0.3);
        self.tag_final(last, &repo, version, latest);
        let mut steps = self.builds[old].steps[..reused].to_vec();
        steps.extend(new_steps);
        self.builds.push(Build {
            repo,
            steps,
            version,
        });
    }

    /// A build without `--layers` (or squashed): several layers, one image, no podman
    /// parent, since no image sits on the layers in between. It adds `at_least` layers, and
    /// at most `capacity`.
    fn squashed_build(&mut self, wanted: f64, at_least: usize, capacity: usize) -> Result<()> {
        let want = if wanted > 7.5 {
            wanted.round() as usize
        } else {
            self.rng.range(3, 12)
        };
        let count = want
            .max(at_least)
            .min(capacity)
            .min(self.remaining_layers())
            .max(1);
        let from = self
            .pick_from(count)
            .context("no base is shallow enough for a squashed build")?;
        let mut steps = vec![Step::Layer; count];
        if self.rng.chance(0.5) {
            steps.push(Step::Config);
        }
        let repo = self.new_repo();
        let image = self.commit(Some(from), &steps, &repo);
        self.tag_final(image, &repo, 0, false);
        Ok(())
    }

    /// The last image takes exactly the layers that are left.
    fn last_image(&mut self) -> Result<()> {
        let left = self.remaining_layers();
        let from = self
            .pick_from(left)
            .with_context(|| format!("{left} layers are left for the last image: too many"))?;
        let steps = if left == 0 {
            vec![Step::Config]
        } else {
            vec![Step::Layer; left]
        };
        let repo = self.new_repo();
        let image = self.commit(Some(from), &steps, &repo);
        self.tag_final(image, &repo, 0, false);
        Ok(())
    }

    /// Containers on tagged images, each with its own read-write layer.
    fn plan_containers(&mut self, count: usize) -> Vec<PlanContainer> {
        let tagged: Vec<usize> = (0..self.images.len())
            .filter(|&i| !self.images[i].names.is_empty())
            .collect();
        (0..count)
            .map(|n| {
                let image = *self.rng.pick(&tagged);
                let created = self.tick();
                let top = *self.images[image].chain.last().expect("images have layers");
                let layer = self.layers.len();
                self.layers.push(PlanLayer {
                    id: self.id("container-layer", n),
                    parent: Some(top),
                    diff_digest: None,
                    size: 0,
                    created,
                });
                PlanContainer {
                    id: self.id("container", n),
                    name: format!("{}-ctr-{n}", leaf(&self.images[image].names[0])),
                    image,
                    layer,
                    created,
                }
            })
            .collect()
    }
}

/// The last path component of a repository, without tag: `api-12` for `quay.io/team-1/api-12`.
fn leaf(repo: &str) -> &str {
    let last = repo.rsplit('/').next().unwrap_or(repo);
    last.split(':').next().unwrap_or(last)
}

// ---- Writing: the JSON layouts of containers/storage and the OCI image spec. ----

#[derive(Serialize)]
struct OciConfig<'a> {
    created: String,
    architecture: &'static str,
    os: &'static str,
    config: RunConfig<'a>,
    rootfs: RootFs,
    history: &'a [HistoryStep],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RunConfig<'a> {
    env: &'a [String],
    cmd: &'a [String],
    labels: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct RootFs {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OciManifest {
    schema_version: u32,
    media_type: &'static str,
    config: Descriptor,
    layers: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    media_type: &'static str,
    digest: String,
    size: u64,
}

/// An image's metadata blobs, keyed as containers/image stores them.
struct BigData {
    id: String,
    config: Vec<u8>,
    manifest: Vec<u8>,
    manifest_digest: String,
}

const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// buildah commits uncompressed layers to vfs: the stored and the "compressed" digest are
/// the same.
const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";

fn big_data(plan: &Plan, image: &PlanImage) -> Result<BigData> {
    let diff_ids: Vec<String> = image
        .chain
        .iter()
        .map(|&l| {
            plan.layers[l]
                .diff_digest
                .clone()
                .expect("image layers have a diff")
        })
        .collect();
    let config = serde_json::to_vec(&OciConfig {
        created: image.created.to_string(),
        architecture: "amd64",
        os: "linux",
        config: RunConfig {
            env: &image.env,
            cmd: &image.cmd,
            labels: &image.labels,
        },
        rootfs: RootFs {
            kind: "layers",
            diff_ids: diff_ids.clone(),
        },
        history: &image.history,
    })?;
    let id = sha256_hex(&config);
    let manifest = serde_json::to_vec(&OciManifest {
        schema_version: 2,
        media_type: MANIFEST_MEDIA_TYPE,
        config: Descriptor {
            media_type: CONFIG_MEDIA_TYPE,
            digest: format!("sha256:{id}"),
            size: config.len() as u64,
        },
        layers: image
            .chain
            .iter()
            .zip(diff_ids)
            .map(|(&l, digest)| Descriptor {
                media_type: LAYER_MEDIA_TYPE,
                digest,
                size: plan.layers[l].size,
            })
            .collect(),
    })?;
    let manifest_digest = format!("sha256:{}", sha256_hex(&manifest));
    Ok(BigData {
        id,
        config,
        manifest,
        manifest_digest,
    })
}

/// A size as the records hold it (Go's `int64`).
fn record_size(size: impl TryInto<i64>) -> i64 {
    size.try_into().unwrap_or(i64::MAX)
}

fn image_record(image: &PlanImage, data: &BigData, top_layer: &str) -> ImageRecord {
    let config_key = format!("sha256:{}", data.id);
    let manifest_key = format!("manifest-{}", data.manifest_digest);
    ImageRecord {
        id: data.id.clone(),
        digest: Some(data.manifest_digest.clone()),
        names: image.names.clone(),
        names_history: image.names_history.clone(),
        layer: Some(top_layer.to_string()),
        metadata: Some(format!(
            "{{\"signatures-sizes\":{{\"{}\":[]}}}}",
            data.manifest_digest
        )),
        big_data_sizes: BTreeMap::from([
            (config_key.clone(), record_size(data.config.len())),
            (manifest_key.clone(), record_size(data.manifest.len())),
            ("manifest".to_string(), record_size(data.manifest.len())),
        ]),
        big_data_digests: BTreeMap::from([
            (config_key.clone(), config_key.clone()),
            (manifest_key.clone(), data.manifest_digest.clone()),
            ("manifest".to_string(), data.manifest_digest.clone()),
        ]),
        big_data_names: vec![config_key, manifest_key, "manifest".to_string()],
        created: Some(image.created.to_string()),
        ..ImageRecord::default()
    }
}

/// Writes a compact JSON array the way containers/storage does (one line, no newline).
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut out, value)?;
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}

fn create_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn write_store(root: &Path, plan: &Plan) -> Result<()> {
    if root.exists() && std::fs::read_dir(root)?.next().is_some() {
        bail!("{} is not empty: give a new folder", root.display());
    }
    let images_dir = root.join("vfs-images");
    let layers_dir = root.join("vfs-layers");
    let containers_dir = root.join("vfs-containers");
    let driver_dir = root.join("vfs/dir");
    for dir in [&images_dir, &layers_dir, &containers_dir, &driver_dir] {
        create_dir(dir)?;
    }
    // Empty lock files are valid: the first writer fills in the token.
    for lock in [
        root.join("storage.lock"),
        images_dir.join("images.lock"),
        layers_dir.join("layers.lock"),
        containers_dir.join("containers.lock"),
    ] {
        write_file(&lock, b"")?;
    }

    plan.layers
        .par_iter()
        .try_for_each(|layer| create_dir(&driver_dir.join(&layer.id)))?;
    let layer_records: Vec<LayerRecord> = plan
        .layers
        .iter()
        .map(|layer| {
            let diffed = |value| layer.diff_digest.as_ref().map(|_| value);
            LayerRecord {
                id: layer.id.clone(),
                parent: layer.parent.map(|p| plan.layers[p].id.clone()),
                created: Some(layer.created.to_string()),
                compressed_diff_digest: layer.diff_digest.clone(),
                compressed_size: diffed(record_size(layer.size)),
                diff_digest: layer.diff_digest.clone(),
                diff_size: diffed(record_size(layer.size)),
                uidset: layer.diff_digest.as_ref().map(|_| vec![0]),
                gidset: layer.diff_digest.as_ref().map(|_| vec![0]),
                ..LayerRecord::default()
            }
        })
        .collect();
    write_json(&layers_dir.join("layers.json"), &layer_records)?;

    let data: Vec<BigData> = plan
        .images
        .par_iter()
        .map(|image| big_data(plan, image))
        .collect::<Result<_>>()?;
    let mut seen = HashSet::with_capacity(data.len());
    if let Some(dup) = data.iter().find(|d| !seen.insert(d.id.as_str())) {
        bail!("two images have the same config (ID {})", dup.id);
    }
    data.par_iter().try_for_each(|d| {
        let dir = images_dir.join(&d.id);
        create_dir(&dir)?;
        let manifest_key = format!("manifest-{}", d.manifest_digest);
        write_file(
            &dir.join(big_data::file_name(&format!("sha256:{}", d.id))),
            &d.config,
        )?;
        write_file(&dir.join(big_data::file_name(&manifest_key)), &d.manifest)?;
        write_file(&dir.join(big_data::file_name("manifest")), &d.manifest)
    })?;
    let image_records: Vec<ImageRecord> = plan
        .images
        .iter()
        .zip(&data)
        .map(|(image, d)| {
            let top = &plan.layers[*image.chain.last().expect("images have layers")].id;
            image_record(image, d, top)
        })
        .collect();
    write_json(&images_dir.join("images.json"), &image_records)?;

    let container_records: Vec<ContainerRecord> = plan
        .containers
        .iter()
        .map(|c| {
            let image = &plan.images[c.image];
            ContainerRecord {
                id: c.id.clone(),
                names: vec![c.name.clone()],
                image: data[c.image].id.clone(),
                layer: plan.layers[c.layer].id.clone(),
                metadata: Some(
                    serde_json::json!({
                    "image-name": image.names[0],
                    "image-id": data[c.image].id,
                    "name": c.name,
                    "created-at": c.created.as_second(),
                    })
                    .to_string(),
                ),
                created: Some(c.created.to_string()),
            }
        })
        .collect();
    for c in &plan.containers {
        create_dir(&containers_dir.join(&c.id).join("userdata"))?;
    }
    write_json(&containers_dir.join("containers.json"), &container_records)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_come_out_exactly_for_many_seeds_and_sizes() {
        for (images, layers, containers) in [
            (40, 100, 3),
            (200, 500, 5),
            (1000, 2500, 10),
            (10_000, 25_000, 50),
            (50, 60, 2),
        ] {
            for seed in 0..8 {
                let plan = Plan::generate(images, layers, containers, seed).unwrap_or_else(|e| {
                    panic!("{images} images, {layers} layers, seed {seed}: {e:#}")
                });
                assert_eq!(plan.images.len(), images);
                assert_eq!(plan.layers.len(), layers);
                assert_eq!(plan.containers.len(), containers);
                assert!(plan.images.iter().all(|i| i.chain.len() <= MAX_DEPTH));
            }
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_plan() {
        let a = Plan::generate(300, 700, 4, 7).unwrap();
        let b = Plan::generate(300, 700, 4, 7).unwrap();
        let ids = |p: &Plan| p.layers.iter().map(|l| l.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        let configs = |p: &Plan| {
            p.images
                .iter()
                .map(|i| big_data(p, i).unwrap().id)
                .collect::<Vec<_>>()
        };
        assert_eq!(configs(&a), configs(&b));
    }

    #[test]
    fn a_name_is_on_one_image_at_most() {
        for seed in 0..8 {
            let plan = Plan::generate(500, 1200, 0, seed).unwrap();
            let names: usize = plan.images.iter().map(|i| i.names.len()).sum();
            let unique: HashSet<&String> = plan.images.iter().flat_map(|i| &i.names).collect();
            assert_eq!(names, unique.len(), "seed {seed}");
            let moved = plan
                .images
                .iter()
                .filter(|i| i.names.is_empty() && !i.names_history.is_empty())
                .count();
            assert!(moved > 0, "rebuilds move tags (seed {seed})");
        }
    }
}
