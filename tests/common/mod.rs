//! Shared test helpers: a real store made by buildah/podman, and running cairn and podman on it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub mod contents;
pub mod docker;
pub mod generated;
pub mod listing_registry;
pub mod oci;
pub mod registry;
pub mod token_server;
pub mod tui;
pub mod tui_contents;
pub mod tui_store;

/// A containers-storage store made by `scripts/make-fixture-store.sh`.
pub struct Fixture {
    /// Set for a fixture of its own, removed when dropped; the shared one stays for reuse.
    _dir: Option<tempfile::TempDir>,
    pub base: PathBuf,
}

impl Fixture {
    pub fn root(&self) -> PathBuf {
        self.base.join("root")
    }
    pub fn runroot(&self) -> PathBuf {
        self.base.join("run")
    }
    pub fn storage_conf(&self) -> PathBuf {
        self.base.join("storage.conf")
    }
    /// The store flags podman and cairn share.
    pub fn flags(&self) -> Vec<String> {
        store_flags(&self.root(), &self.runroot())
    }
}

pub fn store_flags(root: &Path, runroot: &Path) -> Vec<String> {
    vec![
        "--root".into(),
        root.display().to_string(),
        "--runroot".into(),
        runroot.display().to_string(),
        "--storage-driver".into(),
        "vfs".into(),
    ]
}

/// Fails with a clear message when a tool the tests need is missing: these tests compare
/// cairn with the real tools, and a missing tool must not pass as a success.
/// This user's home as `/etc/passwd` gives it.
pub fn password_database_home() -> PathBuf {
    let uid = rustix::process::getuid().as_raw().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let home = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|fields| fields.len() > 5 && fields[2] == uid)
        .map(|fields| fields[5].to_string())
        .unwrap_or_else(|| panic!("no /etc/passwd entry for uid {uid}"));
    PathBuf::from(home)
}

pub fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is not installed: run `apt-get install -y podman buildah skopeo umoci tmux`"
    );
}

fn run_fixture_script(base: &Path) {
    require("buildah");
    require("podman");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-fixture-store.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(base)
        .output()
        .unwrap();
    ok(out, &script.display().to_string());
}

/// Builds a fresh fixture store in its own temporary folder.
pub fn build_fixture() -> Fixture {
    let dir = tempfile::Builder::new()
        .prefix("cairn-fixture")
        .tempdir()
        .unwrap();
    let base = dir.path().join("store");
    run_fixture_script(&base);
    Fixture {
        _dir: Some(dir),
        base,
    }
}

/// One fixture store shared by the read-only tests, built once per version of the script and
/// reused by later runs (in the system's temporary folder: podman refuses run roots longer
/// than 50 characters). Tests that change a store copy it.
pub fn shared_fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = built_once(&["make-fixture-store.sh", "lib/new-dir.sh"], |dir| {
            run_fixture_script(&dir.join("store"))
        });
        Fixture {
            _dir: None,
            base: dir.join("store"),
        }
    })
}

/// A folder `build` fills once per version of `scripts/SCRIPTS` (the script first, then
/// what it sources), under the system's temporary folder, and that later runs reuse:
/// fixtures made by real tools take seconds to minutes.
pub fn built_once(scripts: &[&str], build: impl FnOnce(&Path)) -> PathBuf {
    let mut version = 0xcbf2_9ce4_8422_2325u64;
    for script in scripts {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scripts")
            .join(script);
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("reading scripts/{script}: {e}"));
        version = text.iter().fold(version, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    }
    let home = std::env::temp_dir().join("cairn-fixtures");
    std::fs::create_dir_all(&home).unwrap();
    // podman refuses run roots longer than 50 characters: the version alone names the folder.
    let dir = home.join(format!("{version:016x}"));
    // Test binaries and threads run in parallel: one builds, those wanting the same fixture
    // wait for it.
    let lock = std::fs::File::create(home.join(format!("{version:016x}.lock"))).unwrap();
    lock.lock().unwrap();
    if !dir.join("done").exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        build(&dir);
        std::fs::write(dir.join("done"), b"").unwrap();
    }
    dir
}

/// A copy of the bundled demo layout (`assets/demo`) to change or break.
pub fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("layout");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&demo)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success(), "copying {}", demo.display());
    (dir, copy)
}

/// Copies a store (with `cp -a`, as a user would) to corrupt or change it. Podman's own
/// database records the paths it was made at and refuses to open elsewhere, so the copy
/// goes without it: its podman container becomes one podman did not make, like buildah's.
pub fn copy_store(fixture: &Fixture) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("cairn-copy")
        .tempdir()
        .unwrap();
    let to = dir.path().join("store");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&fixture.base)
        .arg(&to)
        .status()
        .unwrap();
    assert!(status.success());
    let database = to.join("root/libpod/bolt_state.db");
    if database.exists() {
        std::fs::remove_file(database).unwrap();
    }
    // storage.conf names the store by its absolute paths: point it at the copy.
    let conf = to.join("storage.conf");
    if let Ok(text) = std::fs::read_to_string(&conf) {
        let from = fixture.base.display().to_string();
        std::fs::write(&conf, text.replace(&from, &to.display().to_string())).unwrap();
    }
    (dir, to)
}

pub fn run(program: &str, args: &[String], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"))
}

pub fn cairn(args: &[String]) -> Output {
    run(env!("CARGO_BIN_EXE_cairn"), args, &[])
}

pub fn podman(args: &[String]) -> Output {
    run("podman", args, &[])
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a command and insists that it succeeded.
pub fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

pub fn args(flags: &[String], rest: &[&str]) -> Vec<String> {
    flags
        .iter()
        .cloned()
        .chain(rest.iter().map(|s| s.to_string()))
        .collect()
}

/// Every file's path, size, mode, time and content hash, to prove a store was left untouched.
pub fn tree_digest(root: &Path) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg("find . -printf '%p %s %m %T@\\n' | sort; find . -type f -exec sha256sum {} + | sort")
        .current_dir(root)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}
