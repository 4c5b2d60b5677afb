//! How fast cairn lists what an image's layers hold, against `tar -tzf` of the same layers'
//! gzip blobs. The image (`scripts/make-contents-bench.sh`, built once under the system's
//! temporary folder and reused) has 100,000 files in 10 layers; the
//! same image is read from containers-storage (its tar-splits) and from an OCI layout (its
//! gzip blobs), every layer of it, the layers two at a time on the machine's two cores. Each
//! figure is the median of warm page-cache runs. Memory per entry is what a listing keeps:
//! the entry itself plus its path, link and checksum bytes, and the process's peak RSS.
//!
//! Then what a user runs, as whole processes: `cairn files IMAGE --json` (and `--changes`)
//! of the release binary, start to exit, output thrown away, from each store, each run
//! paired with a run of `tar -tzf` over the same blobs two at a time (also output thrown
//! away); the ratio is taken pair by pair, so that it holds while the machine's speed drifts.
//!
//! Run with `cargo bench --bench contents_layers` (as root: buildah builds the image).
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a failed step is a failed run

/// The same allocator as the cairn binary, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn_core::contents::{Entry, EntrySource};
use cairn_core::{LayerIdx, Snapshot};
use cairn_store::{Selection, Store};
use rayon::prelude::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn main() {
    let dir = ensure_image();
    let cs = open(Selection {
        root: Some(dir.join("root")),
        runroot: Some(dir.join("run")),
        storage_driver: Some("vfs".into()),
        store: None,
        ..Selection::default()
    });
    let layout = open(Selection {
        store: Some(format!("oci:{}", dir.join("layout").display())),
        ..Selection::default()
    });
    println!(
        "cairn contents_layers benchmark: {RUNS} runs each, median, warm cache, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let blobs = gzip_blobs(&dir.join("layout"));
    let tar = median(|| blobs.iter().for_each(|blob| tar_list(blob)));
    let tar_parallel = median(|| blobs.par_iter().for_each(|blob| tar_list(blob)));
    println!(
        "{:<44} {:>10} {:>10} {:>14} {:>12}",
        "reader", "median", "entries", "bytes/entry", "/ tar pair"
    );
    println!(
        "{:<44} {:>10} {:>10}",
        format!("`tar -tzf` of the {} gzip blobs, one by one", blobs.len()),
        ms(tar),
        ""
    );
    println!(
        "{:<44} {:>10} {:>10}",
        "`tar -tzf` of the same, two at a time",
        ms(tar_parallel),
        ""
    );
    for (name, store, source) in [
        ("containers-storage (tar-split)", &cs, EntrySource::TarSplit),
        ("OCI layout (gzip blobs)", &layout, EntrySource::Blob),
    ] {
        let snapshot = store.load().unwrap().snapshot;
        let layers = image_layers(&snapshot);
        assert_eq!(layers.len(), 11, "busybox and 10 layers of files");
        let mut listed = Vec::new();
        // Each run paired with a run of `tar -tzf` two at a time: the ratio holds while the
        // machine's load drifts.
        let pair = paired(
            || listed = list_all(store, &snapshot, &layers, source),
            || blobs.par_iter().for_each(|blob| tar_list(blob)),
        );
        let entries: usize = listed.iter().map(Vec::len).sum();
        assert!(entries > 100_000, "{entries} entries");
        let bytes: usize = listed.iter().flatten().map(kept_bytes).sum();
        println!(
            "{:<44} {:>10} {:>10} {:>14} {:>12.2}",
            name,
            ms(pair.a),
            entries,
            bytes / entries,
            pair.ratio
        );
    }
    println!("peak RSS of this process: {}", peak_rss());
    end_to_end(&dir, &blobs);
}

/// `cairn files` as a user runs it, against `tar -tzf` of the same blobs two at a time.
fn end_to_end(dir: &Path, blobs: &[PathBuf]) {
    let storage: Vec<OsString> = vec![
        "--root".into(),
        dir.join("root").into(),
        "--runroot".into(),
        dir.join("run").into(),
        "--storage-driver".into(),
        "vfs".into(),
    ];
    let layout: Vec<OsString> = vec![
        "--store".into(),
        format!("oci:{}", dir.join("layout").display()).into(),
    ];
    println!();
    println!(
        "whole processes, {RUNS} pairs each (median; cairn / tar taken pair by pair), `tar -tzf` \
         two at a time"
    );
    println!(
        "{:<52} {:>8} {:>8} {:>12} {:>10} {:>10}",
        "command", "cairn", "tar", "cairn / tar", "cairn CPU", "tar CPU"
    );
    for (name, store, image, changes) in [
        (
            "containers-storage: files --json",
            &storage,
            "localhost/bench:1",
            false,
        ),
        (
            "containers-storage: files --json --changes",
            &storage,
            "localhost/bench:1",
            true,
        ),
        ("OCI layout: files --json", &layout, "bench:1", false),
        (
            "OCI layout: files --json --changes",
            &layout,
            "bench:1",
            true,
        ),
    ] {
        let mut args = store.clone();
        args.extend(["files".into(), image.into(), "--json".into()]);
        if changes {
            args.push("--changes".into());
        }
        let cairn = || {
            let status = Command::new(env!("CARGO_BIN_EXE_cairn"))
                .args(&args)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "cairn {args:?}");
        };
        let tar = || blobs.par_iter().for_each(|blob| tar_list(blob));
        let pair = paired(cairn, tar);
        println!(
            "{:<52} {:>8} {:>8} {:>12.2} {:>10} {:>10}",
            format!("`cairn {name}`"),
            ms(pair.a),
            ms(pair.b),
            pair.ratio,
            ms(Duration::from_secs_f64(pair.a_cpu)),
            ms(Duration::from_secs_f64(pair.b_cpu))
        );
    }
}

/// What [`paired`] measured: the median time of each side, the CPU time (user and system,
/// in seconds) the child processes each side started took per run on average (what a loaded
/// machine does not blur), and the median of the ratios a / b, pair by pair.
struct Pair {
    a: Duration,
    b: Duration,
    a_cpu: f64,
    b_cpu: f64,
    ratio: f64,
}

/// Runs `a` and `b` in turn, a warm-up pair first, then [`RUNS`] pairs.
fn paired(mut a: impl FnMut(), mut b: impl FnMut()) -> Pair {
    let (mut a_cpu, mut b_cpu) = (0.0, 0.0);
    let time = |run: &mut dyn FnMut(), cpu: &mut f64| {
        let (start, before) = (Instant::now(), children_cpu());
        run();
        *cpu += children_cpu() - before;
        start.elapsed()
    };
    a();
    b();
    let pairs: Vec<(Duration, Duration)> = (0..RUNS)
        .map(|_| (time(&mut a, &mut a_cpu), time(&mut b, &mut b_cpu)))
        .collect();
    let mut ratios: Vec<f64> = pairs
        .iter()
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let median = |side: fn(&(Duration, Duration)) -> Duration| {
        let mut times: Vec<Duration> = pairs.iter().map(side).collect();
        times.sort();
        times[RUNS / 2]
    };
    Pair {
        a: median(|p| p.0),
        b: median(|p| p.1),
        a_cpu: a_cpu / RUNS as f64,
        b_cpu: b_cpu / RUNS as f64,
        ratio: ratios[RUNS / 2],
    }
}

/// CPU seconds (user and system) of the child processes this process has waited for, their
/// own waited-for children included (`tar`'s `gzip`): `/proc/self/stat`'s cutime and cstime,
/// in Linux's USER_HZ of 100 a second.
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may hold spaces): the 3rd field of the line on.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks = |field: usize| fields[field - 3].parse::<f64>().unwrap();
    (ticks(16) + ticks(17)) / 100.0
}

fn open(selection: Selection) -> Store {
    selection.resolve().unwrap()
}

/// The bench image's layers, base first.
fn image_layers(snapshot: &Snapshot) -> Vec<LayerIdx> {
    let image = snapshot
        .images
        .iter()
        .find(|i| i.names.iter().any(|n| n.ends_with("bench:1")))
        .unwrap();
    let mut layers = Vec::new();
    let mut at = image.top_layer.clone();
    while let Some(id) = at {
        let idx = snapshot.layer_by_id(&id).unwrap();
        layers.push(idx);
        at = snapshot.layers[idx].parent.clone();
    }
    layers.reverse();
    layers
}

/// Every layer's entries, the layers spread over the cores.
fn list_all(
    store: &Store,
    snapshot: &Snapshot,
    layers: &[LayerIdx],
    source: EntrySource,
) -> Vec<Vec<Entry>> {
    layers
        .par_iter()
        .map(|&layer| {
            let listed = store.layer_entries(snapshot, layer).unwrap();
            assert_eq!(listed.source, source);
            listed.entries
        })
        .collect()
}

/// What a listing keeps of one entry: the entry and the bytes it points at.
fn kept_bytes(entry: &Entry) -> usize {
    std::mem::size_of::<Entry>()
        + entry.path.len()
        + entry.link.as_ref().map_or(0, |l| l.len())
        + entry.checksum.as_ref().map_or(0, |c| c.len())
}

/// `tar -tzf BLOB`, its listing thrown away.
fn tar_list(blob: &Path) {
    let status = Command::new("tar")
        .arg("-tzf")
        .arg(blob)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "tar -tzf {}", blob.display());
}

fn gzip_blobs(layout: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let mut magic = [0u8; 2];
            std::io::Read::read_exact(&mut std::fs::File::open(p).unwrap(), &mut magic).is_ok()
                && magic == [0x1f, 0x8b]
        })
        .collect()
}

fn median(mut run: impl FnMut()) -> Duration {
    run();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map_or_else(|| "unknown".into(), |v| v.trim().to_string())
}

/// The bench image, built by the script once per version of it.
fn ensure_image() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("scripts/make-contents-bench.sh");
    let bytes = std::fs::read(&script).unwrap();
    let version = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    // podman and buildah refuse run roots longer than 50 characters: under /tmp.
    let dir = std::env::temp_dir().join(format!("cairn-cb-{:08x}", version as u32));
    if !dir.join("done").exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        eprintln!("building the bench image with {} ...", script.display());
        let status = Command::new("bash")
            .arg(&script)
            .arg(dir.join("image"))
            .status()
            .unwrap();
        assert!(status.success(), "{} failed", script.display());
        std::fs::write(dir.join("done"), b"").unwrap();
    }
    dir.join("image")
}
