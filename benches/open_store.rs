//! How long cairn takes to open a big store. A build server's store of 10,000 images and
//! 25,000 layers must list, lineage of every image included, in under 300 ms on two cores.
//!
//! The stores are written by `cairn-genstore` under `target/bench-stores/` and reused while
//! the generator binary is older than them. Two figures per store: the library alone
//! (`containers_storage::load` then `Catalog::new`, which computes layer tree, lineage and
//! sizes), and the whole `cairn images --all` process, start-up and output included, as a
//! user sees it. Both are medians over warm page-cache runs. The process's CPU time (user +
//! system) and peak RSS come from GNU time (`/usr/bin/time`) when it is installed: on a busy
//! machine the CPU time says more about cairn than the wall time does.
//!
//! Run with `cargo bench --bench open_store`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

/// The same allocator as the cairn binary, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn_core::Catalog;
use cairn_store::containers_storage::{self, StorageOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A store to measure on.
struct Shape {
    images: usize,
    layers: usize,
    containers: usize,
}

const SHAPES: [Shape; 3] = [
    Shape {
        images: 200,
        layers: 500,
        containers: 5,
    },
    Shape {
        images: 1_000,
        layers: 2_500,
        containers: 20,
    },
    Shape {
        images: 10_000,
        layers: 25_000,
        containers: 100,
    },
];
const SEED: u64 = 1;
const RUNS: usize = 10;
/// The goal for `cairn images --all` on the 10,000-image store.
const TARGET: Duration = Duration::from_millis(300);

fn main() {
    let dir = stores_dir();
    println!(
        "cairn open_store benchmark: {RUNS} runs each, median, warm cache, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<28} {:>10} {:>10} {:>12} {:>16} {:>12} {:>10}",
        "store", "load", "catalog", "in-process", "`images --all`", "its CPU", "peak RSS"
    );
    for shape in &SHAPES {
        let root = ensure_store(&dir, shape);
        let options = StorageOptions {
            graphroot: root.join("root"),
            runroot: root.join("run"),
            driver: Some("vfs".into()),
            additional_image_stores: Vec::new(),
            explicit: true,
        };
        let (load, catalog, in_process) = time_in_process(&options);
        let process = time_process(&options);
        let usage = resource_usage(&options);
        println!(
            "{:<28} {:>10} {:>10} {:>12} {:>16} {:>12} {:>10}",
            format!("{} images / {} layers", shape.images, shape.layers),
            ms(load),
            ms(catalog),
            ms(in_process),
            ms(process),
            usage.map_or("n/a".into(), |(cpu, _)| ms(cpu)),
            usage.map_or("n/a".into(), |(_, kib)| format!(
                "{:.1} MB",
                kib as f64 / 1024.0
            )),
        );
        if shape.images == 10_000 {
            let verdict = if process <= TARGET { "met" } else { "MISSED" };
            println!("target {} for 10,000 images: {verdict}", ms(TARGET));
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn stores_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-stores")
}

/// The store of this shape, generated unless an up-to-date one is already there.
fn ensure_store(dir: &Path, shape: &Shape) -> PathBuf {
    // The generator is compiled into this benchmark: a store older than the benchmark
    // binary may come from an older generator.
    let generator = std::env::current_exe().expect("the benchmark's own path");
    let name = format!(
        "images-{}-layers-{}-containers-{}-seed-{SEED}",
        shape.images, shape.layers, shape.containers
    );
    let store = dir.join(&name);
    let marker = store.join("generated");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(made), Some(built)) = (modified(&marker), modified(&generator))
        && made >= built
    {
        return store;
    }
    // Generate into a fresh folder, and mark it done last, so that an interrupted run is
    // never mistaken for a complete store.
    if store.exists() {
        std::fs::remove_dir_all(&store).expect("removing the outdated store");
    }
    std::fs::create_dir_all(&store).expect("creating the store folder");
    let started = Instant::now();
    let generated = cairn_genstore::Shape {
        images: shape.images,
        layers: shape.layers,
        containers: shape.containers,
        seed: SEED,
    };
    cairn_genstore::generate(&store.join("root"), generated)
        .unwrap_or_else(|e| panic!("generating {name}: {e:#}"));
    std::fs::write(&marker, b"").expect("marking the store complete");
    eprintln!("generated {name} in {}", ms(started.elapsed()));
    store
}

/// Medians of the load, of the catalog, and of both together, after one warm-up run.
fn time_in_process(options: &StorageOptions) -> (Duration, Duration, Duration) {
    let mut loads = Vec::new();
    let mut catalogs = Vec::new();
    let mut totals = Vec::new();
    for run in 0..=RUNS {
        let started = Instant::now();
        let loaded = containers_storage::load(options).expect("loading the store");
        let loaded_at = Instant::now();
        let catalog = Catalog::new(loaded.snapshot);
        let done = Instant::now();
        std::hint::black_box(&catalog);
        drop(catalog);
        if run > 0 {
            loads.push(loaded_at - started);
            catalogs.push(done - loaded_at);
            totals.push(done - started);
        }
    }
    (median(loads), median(catalogs), median(totals))
}

fn cairn_args(options: &StorageOptions) -> Vec<String> {
    vec![
        "--root".into(),
        options.graphroot.display().to_string(),
        "--runroot".into(),
        options.runroot.display().to_string(),
        "--storage-driver".into(),
        "vfs".into(),
        "images".into(),
        "--all".into(),
    ]
}

/// Median wall time of the whole `cairn images --all` process, output thrown away.
fn time_process(options: &StorageOptions) -> Duration {
    let args = cairn_args(options);
    let mut samples = Vec::new();
    for run in 0..=RUNS {
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(&args)
            .stdout(Stdio::null())
            .status()
            .expect("running cairn");
        let elapsed = started.elapsed();
        assert!(status.success(), "cairn images --all failed");
        if run > 0 {
            samples.push(elapsed);
        }
    }
    median(samples)
}

/// Median CPU time (user + system) and median peak RSS in KiB of `cairn images --all`,
/// from GNU time; `None` when it is not installed.
fn resource_usage(options: &StorageOptions) -> Option<(Duration, u64)> {
    let mut cpu = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..RUNS {
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%U %S %M", env!("CARGO_BIN_EXE_cairn")])
            .args(cairn_args(options))
            .stdout(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stderr);
        let fields: Vec<f64> = text
            .lines()
            .last()?
            .split_whitespace()
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        let [user, system, kib] = fields[..] else {
            return None;
        };
        cpu.push(Duration::from_secs_f64(user + system));
        rss.push(kib as u64);
    }
    rss.sort();
    Some((median(cpu), rss[rss.len() / 2]))
}
