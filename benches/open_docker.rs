//! How long cairn takes to open a Docker Engine with many images. A private dockerd
//! (`scripts/docker-test-daemon.sh`, Debian's docker.io 20.10) is loaded once per size with
//! the `docker save` archive `scripts/make-docker-bench.py` writes: images on a shared base
//! layer, each with a small layer of its own and a tag, every tenth one with two more
//! config-only build steps. The daemon and its data live under `target/bench-docker/` for
//! the run and are removed at the end.
//!
//! Figures, medians of 11 runs: cairn's list-first read (the listing alone, what `images`
//! and the browser's first frame need) and its whole read (every image's inspect and
//! history) through the Engine API, in process, with the catalog built on each; the whole
//! `cairn images -a --json` process; and the whole `cairn images -a` and `docker images -a`
//! processes run in turn, with the median of cairn's time over docker's pair by pair (on a
//! busy machine the medians of each alone drift apart with the load).
//!
//! Run with `cargo bench --bench open_docker`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn_core::Catalog;
use cairn_store::Store;
use cairn_store::docker::DockerStore;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SIZES: [usize; 2] = [200, 1_000];
const RUNS: usize = 11;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = root.join("target/bench-docker");
    std::fs::create_dir_all(&home).unwrap();
    println!(
        "cairn open_docker benchmark: medians of {RUNS} runs; `images -a` and docker's in turn, with the median of their ratios run by run"
    );
    println!(
        "{:<8} {:>16} {:>16} {:>20} {:>14} {:>20} {:>8}",
        "images",
        "list + catalog",
        "whole + catalog",
        "`images -a --json`",
        "`images -a`",
        "`docker images -a`",
        "ratio"
    );
    for images in SIZES {
        let daemon = Daemon::start(&home.join("d"));
        let archive = home.join(format!("images-{images}.tar"));
        run(Command::new(root.join("scripts/make-docker-bench.py"))
            .arg(&archive)
            .arg(images.to_string()));
        daemon.docker(&["load", "-q", "-i", archive.to_str().unwrap()]);
        let store = Store::new(DockerStore {
            host: daemon.host(),
        });
        let list = median_of(|| {
            let listed = store.load_list(&mut |_| {}).unwrap().unwrap();
            assert_eq!(
                Catalog::new(listed.loaded.snapshot).snapshot.images.len(),
                images
            );
        });
        let whole = median_of(|| {
            let loaded = store.load().unwrap();
            assert_eq!(Catalog::new(loaded.snapshot).snapshot.images.len(), images);
        });
        let store_arg = format!("docker:{}", daemon.host());
        let cairn = |extra: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
                .args(["--store", &store_arg, "images", "-a"])
                .args(extra)
                .output()
                .unwrap();
            assert!(out.status.success());
        };
        let json = median_of(|| cairn(&["--json"]));
        let (table, docker, ratio) = in_turn(|| cairn(&[]), || daemon.docker(&["images", "-a"]));
        println!(
            "{:<8} {:>16} {:>16} {:>20} {:>14} {:>20} {:>8.2}",
            images,
            ms(list),
            ms(whole),
            ms(json),
            ms(table),
            ms(docker),
            ratio
        );
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn median_of(mut run: impl FnMut()) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed()
            })
            .collect(),
    )
}

/// Medians of `a` and `b` run in turn, A B A B, and the median of `a`'s time over `b`'s
/// run by run: on a busy machine each pair sees about the same load.
fn in_turn(mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration, f64) {
    let time = |run: &mut dyn FnMut()| {
        let start = Instant::now();
        run();
        start.elapsed()
    };
    let pairs: Vec<(Duration, Duration)> =
        (0..RUNS).map(|_| (time(&mut a), time(&mut b))).collect();
    let mut ratios: Vec<f64> = pairs
        .iter()
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    (
        median(pairs.iter().map(|p| p.0).collect()),
        median(pairs.iter().map(|p| p.1).collect()),
        ratios[ratios.len() / 2],
    )
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// A private dockerd, stopped and removed when dropped.
struct Daemon {
    dir: PathBuf,
}

impl Daemon {
    fn start(dir: &Path) -> Daemon {
        let daemon = Daemon {
            dir: dir.to_path_buf(),
        };
        daemon.script("stop");
        daemon.script("start");
        daemon
    }

    fn script(&self, action: &str) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/docker-test-daemon.sh");
        run(Command::new("bash").arg(script).arg(action).arg(&self.dir));
    }

    fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.display())
    }

    fn docker(&self, args: &[&str]) {
        run(Command::new("/usr/bin/docker")
            .args(args)
            .env("DOCKER_HOST", self.host()));
    }
}

/// Runs a command to its end; it must succeed.
fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.script("stop");
    }
}
