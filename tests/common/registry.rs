//! A real registry for the tests: Debian's `docker-registry` (CNCF distribution 2.8.2) on
//! 127.0.0.1, on a free port, with a temporary config and its storage in a temporary folder,
//! filled with skopeo from the images `scripts/make-registry-images.sh` builds (see
//! `scripts/fill-registry.sh` for what it holds). Dropping it stops the server.

use super::token_server::{ISSUER, SERVICE, TokenAuth};
use super::{built_once, ok, require};
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// What to add to the registry's config: TLS and htpasswd auth, for the tests of the paths
/// that need them. The default is plain HTTP without auth.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `http.tls`: the certificate and key files.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// `auth.htpasswd`: the password file (bcrypt entries, as `htpasswd -B` writes).
    pub htpasswd: Option<PathBuf>,
    /// `catalog.maxentries`: the most repositories one catalog page holds (distribution
    /// refuses an `n` above it).
    pub catalog_max_entries: Option<usize>,
    /// `auth.token`: bearer tokens from a token server (see `common::token_server`).
    pub token: Option<TokenAuth>,
    /// The access log on, into [`TestRegistry::log`]: what clients asked, one line each.
    pub access_log: bool,
}

/// A running registry and its storage.
pub struct TestRegistry {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl TestRegistry {
    /// Starts an empty registry, plain HTTP, no auth.
    pub fn start() -> Self {
        Self::start_with(&Options::default())
    }

    /// Starts an empty registry with `options` in its config.
    pub fn start_with(options: &Options) -> Self {
        require("docker-registry");
        let dir = tempfile::Builder::new()
            .prefix("cairn-registry")
            .tempdir()
            .unwrap();
        std::fs::create_dir(dir.path().join("storage")).unwrap();
        let mut registry = TestRegistry {
            dir,
            child: None,
            addr: String::new(),
        };
        registry.addr = format!("127.0.0.1:{}", free_port());
        std::fs::write(registry.config(), registry.config_text(options)).unwrap();
        registry.serve();
        registry
    }

    /// Starts a registry and fills it as `scripts/fill-registry.sh` says.
    pub fn filled() -> Self {
        let registry = Self::start();
        registry.fill();
        registry
    }

    fn config_text(&self, options: &Options) -> String {
        let mut http = format!("http:\n  addr: {}\n", self.addr);
        if let Some((cert, key)) = &options.tls {
            http.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
        }
        let auth = match (&options.htpasswd, &options.token) {
            (Some(file), _) => format!(
                "auth:\n  htpasswd:\n    realm: cairn-test\n    path: {}\n",
                file.display()
            ),
            (None, Some(token)) => format!(
                "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                token.realm,
                token.rootcertbundle.display()
            ),
            (None, None) => String::new(),
        };
        let catalog = match options.catalog_max_entries {
            Some(n) => format!("catalog:\n  maxentries: {n}\n"),
            None => String::new(),
        };
        let access = match options.access_log {
            true => "false",
            false => "true",
        };
        format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: {access}\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false\n{http}{auth}{catalog}",
            self.storage().display()
        )
    }

    /// The config file the server and `docker-registry garbage-collect` read.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.yml")
    }

    /// The storage folder (`rootdirectory`): what `--store registry-storage:PATH` opens.
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// `docker/registry/v2` under the storage folder.
    pub fn v2(&self) -> PathBuf {
        self.storage().join("docker/registry/v2")
    }

    /// The server's log (its stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// Starts the server on the config and waits until it accepts connections.
    fn serve(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(self.config())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting docker-registry");
        let child = self.child.insert(child);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "docker-registry ended ({status}) before serving:\n{}",
                    self.log()
                );
            }
            if TcpStream::connect(&self.addr).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Stops the server (the storage stays): the real garbage collection wants it stopped.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again after [`Self::stop`], on the same port and storage.
    pub fn restart(&mut self) {
        self.stop();
        self.serve();
    }

    /// Serves the same storage on the same port with `options` in the config instead: a
    /// registry filled without auth, then put behind it.
    pub fn reconfigure(&mut self, options: &Options) {
        self.stop();
        std::fs::write(self.config(), self.config_text(options)).unwrap();
        self.serve();
    }

    /// Fills the registry from the shared image layout (see `scripts/fill-registry.sh`).
    pub fn fill(&self) {
        require("skopeo");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fill-registry.sh");
        ok(
            Command::new("bash")
                .arg(&script)
                .arg(images())
                .arg(&self.addr)
                .output()
                .unwrap(),
            "scripts/fill-registry.sh",
        );
    }

    /// `skopeo ARGS` against this registry (plain HTTP), insisting on success.
    pub fn skopeo(&self, args: &[&str]) -> String {
        require("skopeo");
        ok(
            Command::new("skopeo").args(args).output().unwrap(),
            &format!("skopeo {}", args.join(" ")),
        )
    }

    /// `docker://127.0.0.1:PORT/NAME`, for skopeo.
    pub fn reference(&self, name: &str) -> String {
        format!("docker://{}/{name}", self.addr)
    }

    /// `docker-registry garbage-collect [--dry-run] [-m] CONFIG`, as it ran.
    pub fn garbage_collect(&self, dry_run: bool, delete_untagged: bool) -> Output {
        let mut command = Command::new("docker-registry");
        command.arg("garbage-collect");
        if dry_run {
            command.arg("--dry-run");
        }
        if delete_untagged {
            command.arg("--delete-untagged");
        }
        command.arg(self.config()).output().unwrap()
    }

    /// The `data` file of a blob in the storage.
    pub fn blob(&self, digest: &str) -> PathBuf {
        blob_data(&self.v2(), digest)
    }

    /// `METHOD path` over plain HTTP/1.0, accepting every manifest type: the status, the
    /// header lines and the body's bytes.
    pub fn request(&self, method: &str, path: &str) -> (u16, String, Vec<u8>) {
        use std::io::Write;
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nAccept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(answer.len());
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = answer.get(split + 4..).unwrap_or_default().to_vec();
        (status, head, body)
    }

    /// Every blob digest in the storage, sorted.
    pub fn blobs(&self) -> Vec<String> {
        let mut digests = Vec::new();
        let root = self.v2().join("blobs/sha256");
        for prefix in std::fs::read_dir(&root).into_iter().flatten() {
            for blob in std::fs::read_dir(prefix.unwrap().path()).unwrap() {
                let blob = blob.unwrap().path();
                if blob.join("data").is_file() {
                    let hex = blob.file_name().unwrap().to_string_lossy().into_owned();
                    digests.push(format!("sha256:{hex}"));
                }
            }
        }
        digests.sort();
        digests
    }

    /// GET `path` over plain HTTP/1.0 without auth: the status line and body, to check the
    /// registry answers (`/v2/`) without an HTTP client in the tests.
    pub fn get(&self, path: &str) -> String {
        use std::io::Write;
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `blobs/sha256/<first two>/<hex>/data` under a storage's `docker/registry/v2`.
pub fn blob_data(v2: &Path, digest: &str) -> PathBuf {
    let hex = digest.trim_start_matches("sha256:");
    v2.join("blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data")
}

/// A port nothing listens on right now: the next free one of `CAIRN_TEST_PORTS`
/// (`FIRST-LAST`, where the machine gives each developer a range), else the kernel's pick.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let range = std::env::var("CAIRN_TEST_PORTS").ok().and_then(|r| {
        let (first, last) = r.split_once('-')?;
        Some((first.parse::<u16>().ok()?, last.parse::<u16>().ok()?))
    });
    if let Some((first, last)) = range.filter(|(first, last)| first <= last) {
        let count = last - first + 1;
        for _ in 0..count {
            let port = first + NEXT.fetch_add(1, Ordering::Relaxed) % count;
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
        panic!("no free port in CAIRN_TEST_PORTS={first}-{last}");
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The OCI layout of the test images, built once per version of the script.
pub fn images() -> PathBuf {
    require("buildah");
    require("skopeo");
    built_once(
        &["make-registry-images.sh", "lib/buildah-build.sh"],
        |dir| {
            let script =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-registry-images.sh");
            ok(
                Command::new("bash")
                    .arg(&script)
                    .arg(dir.join("layout"))
                    .output()
                    .unwrap(),
                "scripts/make-registry-images.sh",
            );
        },
    )
    .join("layout")
}

/// cairn on the registry at `addr` over its API (plain HTTP), with its own cache folder.
pub fn cairn_api(addr: &str, cache: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        format!("--store=registry:{addr}"),
        "--tls-verify=false".to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    super::run(
        env!("CARGO_BIN_EXE_cairn"),
        &all,
        &[("XDG_CACHE_HOME", cache)],
    )
}
