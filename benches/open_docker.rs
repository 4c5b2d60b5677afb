//! How long cairn takes to open a Docker Engine with many images. A private dockerd
//! (`scripts/docker-test-daemon.sh`, Debian's docker.io 20.10) is loaded once per size with
//! the `docker save` archive `scripts/make-docker-bench.py` writes: images on a shared base
//! layer, each with a small layer of its own and a tag, every tenth one with two more
//! config-only build steps. The daemon and its data live under `target/bench-docker/` for
//! the run and are removed at the end.
//!
//! Figures, medians of warm runs: cairn's list-first read (the listing alone, what `images`
//! and the browser's first frame need) and its whole read (every image's inspect and
//! history) through the Engine API, in process, with the catalog built on each; the whole
//! `cairn images -a` and `cairn images -a --json` processes; and `docker images -a` for
//! comparison.
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
const RUNS: usize = 5;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = root.join("target/bench-docker");
    std::fs::create_dir_all(&home).unwrap();
    println!("cairn open_docker benchmark: {RUNS} runs each, median");
    println!(
        "{:<8} {:>16} {:>16} {:>14} {:>20} {:>20}",
        "images",
        "list + catalog",
        "whole + catalog",
        "`images -a`",
        "`images -a --json`",
        "`docker images -a`"
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
            let listed = store.load_list().unwrap().unwrap();
            assert_eq!(Catalog::new(listed.snapshot).snapshot.images.len(), images);
        });
        let whole = median_of(|| {
            let loaded = store.load().unwrap();
            assert_eq!(Catalog::new(loaded.snapshot).snapshot.images.len(), images);
        });
        let store_arg = format!("docker:{}", daemon.host());
        let cairn = |extra: &[&str]| {
            median_of(|| {
                let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
                    .args(["--store", &store_arg, "images", "-a"])
                    .args(extra)
                    .output()
                    .unwrap();
                assert!(out.status.success());
            })
        };
        let (table, json) = (cairn(&[]), cairn(&["--json"]));
        let docker = median_of(|| {
            daemon.docker(&["images", "-a"]);
        });
        println!(
            "{:<8} {:>16} {:>16} {:>14} {:>20} {:>20}",
            images,
            ms(list),
            ms(whole),
            ms(table),
            ms(json),
            ms(docker)
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
