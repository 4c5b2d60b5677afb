//! Private Docker Engine daemons for the conformance tests: one fixture, built once by the
//! scripts, and a throw-away copy of it per test, so that tests can change images and
//! containers freely and run in parallel.
//!
//! Docker 20.10 is the reference, and only Debian's client words its errors the way the research
//! notes (docs/research/docker-20.10.md) record, hence `/usr/bin/docker`, never `docker` on PATH.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use super::{ok, stderr, stdout};

pub const DOCKER_CLI: &str = "/usr/bin/docker";
/// Written by `docker-test-daemon.sh start`; its `stop` refuses to remove a folder without it.
const MARKER: &str = ".cairn-docker-test-daemon";
/// Not the temporary folder from the environment: a daemon's folder must stay within 64 bytes
/// (unix socket paths), and `/tmp` keeps the fixture and the copies short.
const FIXTURES: &str = "/tmp/cairn-docker-fixtures";
/// Copies are `/tmp/cdk-<pid of the test process>-<random>`: the pid tells a later run whether
/// the copy's owner is gone (see `remove_leftovers`).
const COPY_PREFIX: &str = "cdk-";

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

fn daemon_script(action: &str, dir: &Path) -> Output {
    Command::new("bash")
        .arg(script("docker-test-daemon.sh"))
        .arg(action)
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("running docker-test-daemon.sh {action}: {e}"))
}

/// The halted data of the fixture daemon, never started in place: tests get copies.
pub struct DockerFixture {
    pub data: PathBuf,
    /// fixture.env: full image IDs (`sha256:<hex>`) and container IDs by variable name.
    pub ids: BTreeMap<String, String>,
}

/// The fixture, built once per version of the two scripts and shared by every test binary
/// (a build takes about 12 s). A missing docker or a failed build panics: these tests compare
/// cairn with the real daemon, and a skipped comparison must not pass as a success.
pub fn docker_fixture() -> &'static DockerFixture {
    static FIXTURE: OnceLock<DockerFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        require_docker();
        let version = ["docker-test-daemon.sh", "make-docker-fixture.sh"]
            .iter()
            .flat_map(|name| std::fs::read(script(name)).unwrap())
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        std::fs::create_dir_all(FIXTURES).unwrap();
        // Test binaries run in parallel: one builds, the others wait for it.
        let lock = std::fs::File::create(Path::new(FIXTURES).join(".lock")).unwrap();
        lock.lock().unwrap();
        remove_leftovers();
        let home = Path::new(FIXTURES).join(format!("{version:016x}"));
        if !home.join("done").exists() {
            build_fixture(&home);
        }
        let env = std::fs::read_to_string(home.join("fixture.env")).unwrap();
        DockerFixture {
            data: home.join("data"),
            ids: parse_env(&env),
        }
    })
}

fn require_docker() {
    let dockerd = Command::new("sh")
        .args(["-c", "command -v dockerd || test -x /usr/sbin/dockerd"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        dockerd && Path::new(DOCKER_CLI).exists() && Path::new("/bin/busybox").exists(),
        "docker 20.10 is not installed: run `apt-get install -y docker.io busybox-static`"
    );
}

fn build_fixture(home: &Path) {
    let started = Instant::now();
    let build = home.join("build");
    if home.exists() {
        // An earlier build was interrupted, maybe with its daemon still running.
        daemon_script("stop", &build);
        std::fs::remove_dir_all(home).unwrap();
    }
    std::fs::create_dir_all(home).unwrap();
    let out = daemon_script("start", &build);
    assert!(
        out.status.success(),
        "docker-test-daemon.sh start {} failed:\n{}",
        build.display(),
        stderr(&out)
    );
    let made = Command::new("bash")
        .arg(script("make-docker-fixture.sh"))
        .arg(&build)
        .output()
        .unwrap();
    if !made.status.success() {
        let log = log_tail(&build.join("dockerd.log"));
        daemon_script("stop", &build);
        panic!(
            "make-docker-fixture.sh failed ({}):\n{}{}\nend of dockerd.log:\n{log}",
            made.status,
            stdout(&made),
            stderr(&made)
        );
    }
    // halt removes everything in the daemon's folder but data/.
    std::fs::copy(build.join("fixture.env"), home.join("fixture.env")).unwrap();
    let out = daemon_script("halt", &build);
    assert!(out.status.success(), "halt failed:\n{}", stderr(&out));
    std::fs::rename(build.join("data"), home.join("data")).unwrap();
    std::fs::remove_dir_all(&build).unwrap();
    // Copies run at other paths. Docker 20.10 records absolute paths only for containers that
    // were started (resolv.conf, hosts, log file), and the fixture starts none; this keeps it so.
    let grep = Command::new("grep")
        .args(["-rlaF", "--"])
        .arg(&build)
        .arg(home.join("data"))
        .output()
        .unwrap();
    assert_eq!(
        grep.status.code(),
        Some(1),
        "the fixture's data names the folder it was built in, so copies elsewhere may break:\n{}{}",
        stdout(&grep),
        stderr(&grep)
    );
    std::fs::write(home.join("done"), b"").unwrap();
    eprintln!(
        "built the docker fixture {} in {:.1?}",
        home.display(),
        started.elapsed()
    );
}

fn log_tail(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Stops the copies of test processes that are gone (killed before their `Drop` ran: their
/// dockerd keeps running, as it is started in its own session). Whether the owner process lives
/// decides, not whether dockerd runs: a live test may be between making its folder and starting
/// its daemon, and a dead one's daemon may still run. Folders without the marker were not made
/// here and are left alone.
fn remove_leftovers() {
    let Ok(entries) = std::fs::read_dir("/tmp") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = name
            .strip_prefix(COPY_PREFIX)
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        if owner == std::process::id() || alive(owner) || !dir.join(MARKER).exists() {
            continue;
        }
        let out = daemon_script("stop", &dir);
        eprintln!(
            "removed the leftover docker test daemon {}{}",
            dir.display(),
            stderr(&out)
        );
    }
}

/// The 12 hex digits by which `docker images` and `images_state` show an image ID.
pub fn short(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..12.min(hex.len())]
}

/// A zombie counts as gone: PID 1 here reaps orphans late.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the command name, which is in parentheses and may hold spaces.
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X']))
    })
}

/// A running copy of the fixture daemon. Dropping it stops the daemon and removes its folder,
/// also while a failed assertion unwinds.
pub struct Daemon {
    dir: PathBuf,
    ids: BTreeMap<String, String>,
    pid: u32,
}

impl Daemon {
    /// About 0.3 s: a copy of 3 MB and a daemon start.
    pub fn start(fixture: &DockerFixture) -> Daemon {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{COPY_PREFIX}{}-", std::process::id()))
            .rand_bytes(6)
            .tempdir_in("/tmp")
            .unwrap()
            .keep();
        // The handle exists before anything can fail, so that a failure removes the folder.
        let mut daemon = Daemon {
            dir,
            ids: fixture.ids.clone(),
            pid: 0,
        };
        // Marked from the start, so that a later run can stop it if this process is killed.
        std::fs::write(daemon.dir.join(MARKER), b"").unwrap();
        let status = Command::new("cp")
            .arg("-a")
            .arg(&fixture.data)
            .arg(daemon.dir.join("data"))
            .status()
            .unwrap();
        assert!(status.success(), "copying the docker fixture failed");
        let out = daemon_script("start", &daemon.dir);
        assert!(
            out.status.success(),
            "docker-test-daemon.sh start {} failed:\n{}",
            daemon.dir.display(),
            stderr(&out)
        );
        let pid = std::fs::read_to_string(daemon.dir.join("docker.pid")).unwrap();
        daemon.pid = pid.trim().parse().unwrap();
        daemon
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// dockerd's pid, to check that it is gone after the drop.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.display())
    }

    /// The 20.10 client on this daemon only: the caller's contexts, config and TLS settings
    /// stay out, the classic builder is used as in the fixture, and times print in UTC.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new(DOCKER_CLI)
            .args(args)
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.dir.join("cli-config"))
            .env("DOCKER_BUILDKIT", "0")
            .env("TZ", "UTC")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .output()
            .unwrap_or_else(|e| panic!("running {DOCKER_CLI}: {e}"))
    }

    /// Sorted `<12-digit id> <repo>:<tag>` lines, untagged images as `<none>:<none>`: the lines
    /// of the research notes' `# state:` blocks (sorted there by name, here by whole line).
    pub fn images_state(&self) -> Vec<String> {
        self.sorted_lines(&[
            "images",
            "-a",
            "--format",
            "{{.ID}} {{.Repository}}:{{.Tag}}",
        ])
    }

    /// Sorted `<name> <image>` lines of all containers, running or not.
    pub fn containers_state(&self) -> Vec<String> {
        self.sorted_lines(&["ps", "-a", "--format", "{{.Names}} {{.Image}}"])
    }

    fn sorted_lines(&self, args: &[&str]) -> Vec<String> {
        let text = ok(self.docker(args), &format!("docker {}", args.join(" ")));
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    }

    /// fixture.env's variables, e.g. `ids()["APP"]` is app:1.0's full `sha256:<hex>` ID.
    pub fn ids(&self) -> &BTreeMap<String, String> {
        &self.ids
    }

    /// Starts a container that keeps running (bb's static busybox sleeps), for Docker's rules
    /// on images used by running containers. Returns its full ID.
    pub fn run_detached(&self, image: &str, name: &str) -> String {
        let args = [
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            name,
            image,
            "/busybox",
            "sleep",
            "1000",
        ];
        ok(self.docker(&args), &format!("docker {}", args.join(" ")))
            .trim()
            .to_string()
    }
}

impl Drop for Daemon {
    /// Must not panic: it runs while failed assertions unwind, and a second panic aborts.
    fn drop(&mut self) {
        let problem = match Command::new("bash")
            .arg(script("docker-test-daemon.sh"))
            .arg("stop")
            .arg(&self.dir)
            .output()
        {
            Ok(out) if out.status.success() => return,
            Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
            Err(e) => e.to_string(),
        };
        let _ = writeln!(
            std::io::stderr(),
            "stopping the docker test daemon {} failed: {problem}",
            self.dir.display()
        );
    }
}
