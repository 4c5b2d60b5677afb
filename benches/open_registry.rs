//! How long cairn takes to open a registry over its API, against what a user scripts today
//! (`skopeo list-tags` per repository, `skopeo inspect` per tag). The storage of a registry
//! with 500 repositories and 10,000 tagged manifests is written once by
//! `scripts/make-registry-bench.py` under `target/bench-registry/`, and Debian's
//! docker-registry 2.8.2 serves it on 127.0.0.1 for the run.
//!
//! Figures: the whole `cairn images -a` process, cold (empty cache) and warm (second open,
//! medians of 5); skopeo on the first two repositories (40 tags), extrapolated per tag to
//! the whole registry, since running it on all 10,000 tags takes about half an hour.
//!
//! Run with `cargo bench --bench open_registry`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REPOSITORIES: usize = 500;
const TAGS: usize = 20;
const RUNS: usize = 5;

fn main() {
    let home = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-registry");
    let storage = home.join(format!("storage-{REPOSITORIES}x{TAGS}"));
    if !storage.join("docker").exists() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-registry-bench.py");
        let status = Command::new("python3")
            .arg(script)
            .arg(&storage)
            .args([REPOSITORIES.to_string(), TAGS.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "make-registry-bench.py failed");
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let config = home.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            storage.display()
        ),
    )
    .unwrap();
    let server = Server(
        Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (apt-get install docker-registry)"),
    );
    while TcpStream::connect(&addr).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let cache = tempfile::tempdir().unwrap();
    let cairn = || {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["--store", &format!("registry:{addr}"), "--tls-verify=false"])
            .args(["images", "-a", "-q"])
            .env("XDG_CACHE_HOME", cache.path())
            .output()
            .unwrap();
        let elapsed = start.elapsed();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.stdout
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count(),
            REPOSITORIES * TAGS
        );
        elapsed
    };
    let cold = cairn();
    let mut warm: Vec<Duration> = (0..RUNS).map(|_| cairn()).collect();
    warm.sort();
    let sample = ["team0/app0", "team1/app1"];
    let start = Instant::now();
    for repository in sample {
        skopeo(&["list-tags", &format!("docker://{addr}/{repository}")]);
        for tag in 0..TAGS {
            skopeo(&["inspect", &format!("docker://{addr}/{repository}:v{tag}")]);
        }
    }
    let per_tag = start.elapsed() / (sample.len() * TAGS) as u32;
    let skopeo_all = per_tag * (REPOSITORIES * TAGS) as u32;
    drop(server);
    println!(
        "cairn open_registry benchmark: {REPOSITORIES} repositories, {} tagged manifests",
        REPOSITORIES * TAGS
    );
    println!("cairn images -a, cold (empty cache)      {:>10.2?}", cold);
    println!(
        "cairn images -a, warm (median of {RUNS})      {:>10.2?}",
        warm[RUNS / 2]
    );
    println!(
        "skopeo list-tags + inspect, per tag      {:>10.2?}",
        per_tag
    );
    println!(
        "skopeo, every tag (extrapolated)         {:>10.2?}",
        skopeo_all
    );
    println!(
        "cold open against the skopeo script      {:>9.0}x faster",
        skopeo_all.as_secs_f64() / cold.as_secs_f64()
    );
}

fn skopeo(args: &[&str]) {
    let out = Command::new("skopeo")
        .arg(args[0])
        .arg("--tls-verify=false")
        .args(&args[1..])
        .output()
        .expect("skopeo (apt-get install skopeo)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The registry, stopped when the benchmark ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
