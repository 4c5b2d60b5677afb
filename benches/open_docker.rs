//! How long cairn takes to open a Docker Engine with many images. A private dockerd
//! (`scripts/docker-test-daemon.sh`, Debian's docker.io 20.10) is loaded once per size with
//! a `docker save` archive written here: images on a shared base layer, each with a small
//! layer of its own and a tag, every tenth one with two more config-only build steps. The
//! daemon and its data live under
//! `target/bench-docker/` for the run and are removed at the end.
//!
//! Figures, medians of warm runs: cairn's load through the Engine API (every image's inspect
//! and history) and the catalog, in process; the whole `cairn images -a` process; and
//! `docker images -a` for comparison (it reads no history and no layers).
//!
//! Run with `cargo bench --bench open_docker`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cairn_core::Catalog;
use cairn_store::Store;
use cairn_store::docker::DockerStore;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SIZES: [usize; 2] = [200, 1_000];
const RUNS: usize = 5;

fn main() {
    let home = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-docker");
    std::fs::create_dir_all(&home).unwrap();
    println!("cairn open_docker benchmark: {RUNS} runs each, median");
    println!(
        "{:<14} {:>12} {:>10} {:>14} {:>18}",
        "images", "API load", "catalog", "`images -a`", "`docker images -a`"
    );
    for images in SIZES {
        let daemon = Daemon::start(&home.join("d"));
        let archive = home.join(format!("images-{images}.tar"));
        write_archive(&archive, images);
        daemon.docker(&["load", "-q", "-i", archive.to_str().unwrap()]);
        let store = Store::new(DockerStore {
            host: daemon.host(),
        });
        let mut load = Vec::new();
        let mut catalog = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            let loaded = store.load().unwrap();
            load.push(start.elapsed());
            let start = Instant::now();
            let built = Catalog::new(loaded.snapshot);
            catalog.push(start.elapsed());
            assert!(built.snapshot.images.len() >= images);
        }
        let cairn_bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/cairn");
        let store_arg = format!("docker:{}", daemon.host());
        let process = median_of(|| {
            let out = Command::new(&cairn_bin)
                .args(["--store", &store_arg, "images", "-a"])
                .output()
                .unwrap();
            assert!(out.status.success());
        });
        let docker = median_of(|| {
            daemon.docker(&["images", "-a"]);
        });
        println!(
            "{:<14} {:>12} {:>10} {:>14} {:>18}",
            images,
            ms(median(load)),
            ms(median(catalog)),
            ms(process),
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
        let out = Command::new("bash")
            .arg(script)
            .arg(action)
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker-test-daemon.sh {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.display())
    }

    fn docker(&self, args: &[&str]) {
        let out = Command::new("/usr/bin/docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.script("stop");
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Adds a file to a tar, with a fixed time and mode.
fn append<W: std::io::Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(1_700_000_000);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes).unwrap();
}

/// A one-file layer tar.
fn layer(name: &str, content: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    append(&mut builder, name, content);
    builder.into_inner().unwrap()
}

/// A `docker save` archive (the legacy form `docker load` takes): `images` tagged images on
/// one base layer; every tenth has two config-only steps on top.
fn write_archive(path: &Path, images: usize) {
    let mut tar = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut add = |name: &str, bytes: &[u8]| append(&mut tar, name, bytes);
    let base = layer("base.txt", b"base\n");
    let base_id = sha256(&base);
    add(&format!("{base_id}/layer.tar"), &base);
    let mut manifest = Vec::new();
    for i in 0..images {
        let own = layer(&format!("image-{i}.txt"), format!("{i}\n").as_bytes());
        let own_id = sha256(&own);
        add(&format!("{own_id}/layer.tar"), &own);
        let steps = if i % 10 == 0 { 3 } else { 1 };
        let history: Vec<serde_json::Value> = (0..=steps)
            .map(|s| {
                serde_json::json!({
                    "created": format!("2023-11-14T22:{:02}:{:02}Z", (i / 60) % 60, i % 60),
                    "created_by": match s {
                        0 => "/bin/sh -c #(nop) COPY file:base in /base.txt ".to_string(),
                        1 => format!("/bin/sh -c #(nop) COPY file:{i} in /image-{i}.txt "),
                        s => format!("/bin/sh -c #(nop)  ENV STEP={s}"),
                    },
                    "empty_layer": s > 1,
                })
            })
            .collect();
        let config = serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "created": format!("2023-11-14T22:{:02}:{:02}Z", (i / 60) % 60, i % 60),
            "config": {"Env": [format!("IMAGE={i}")], "Labels": {"bench": i.to_string()}},
            "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{base_id}"), format!("sha256:{own_id}")]},
            "history": history,
        });
        let config = serde_json::to_vec(&config).unwrap();
        let config_id = sha256(&config);
        add(&format!("{config_id}.json"), &config);
        manifest.push(serde_json::json!({
            "Config": format!("{config_id}.json"),
            "RepoTags": [format!("bench/image-{i}:1")],
            "Layers": [format!("{base_id}/layer.tar"), format!("{own_id}/layer.tar")],
        }));
    }
    add("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    tar.finish().unwrap();
}
