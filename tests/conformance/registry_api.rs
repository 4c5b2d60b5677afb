//! `--store registry:` against Debian's docker-registry (distribution 2.8.2) on loopback:
//! what cairn lists is what the registry's API lists, cairn's `rm` leaves the registry with
//! the tags skopeo's DELETEs leave, distribution 2.8's refusal to delete a tag is said in the
//! preview, and the auth path works with htpasswd behind a self-signed certificate.

use crate::common::registry::{Options, TestRegistry};
use crate::common::{ok, require, run, stderr, stdout};
use cairn::tui::loader::{self, LoaderMsg};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// cairn on `registry` with its own cache folder, plain HTTP.
fn cairn(registry: &TestRegistry, cache: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        format!("--store=registry:{}", registry.addr),
        "--tls-verify=false".to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    run(
        env!("CARGO_BIN_EXE_cairn"),
        &all,
        &[("XDG_CACHE_HOME", cache)],
    )
}

/// Every `REPOSITORY:TAG` and its digest, as skopeo sees the registry (without auth).
pub(crate) fn tags_by_skopeo(registry: &TestRegistry) -> BTreeMap<String, String> {
    let catalog = registry.get("/v2/_catalog");
    let body = catalog.split("\r\n\r\n").nth(1).unwrap();
    let catalog: serde_json::Value = serde_json::from_str(body).unwrap();
    let mut tags = BTreeMap::new();
    for repository in catalog["repositories"].as_array().unwrap() {
        let repository = repository.as_str().unwrap();
        let listed = registry.skopeo(&[
            "list-tags",
            "--tls-verify=false",
            &registry.reference(repository),
        ]);
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        for tag in listed["Tags"].as_array().into_iter().flatten() {
            let name = format!("{repository}:{}", tag.as_str().unwrap());
            let digest = registry.skopeo(&[
                "inspect",
                "--raw",
                "--tls-verify=false",
                &registry.reference(&name),
            ]);
            let digest = crate::common::oci::sha256(digest.as_bytes());
            tags.insert(format!("{}/{name}", registry.addr), digest);
        }
    }
    tags
}

/// Every name cairn lists and the digest of its image.
fn tags_by_cairn(registry: &TestRegistry, cache: &Path) -> BTreeMap<String, String> {
    names(cairn(registry, cache, &["images", "--all", "--json"]))
}

/// Every name `cairn images --all --json` printed and the digest of its image.
pub(crate) fn names(out: Output) -> BTreeMap<String, String> {
    let listed: serde_json::Value = serde_json::from_str(&ok(out, "cairn images")).unwrap();
    let mut tags = BTreeMap::new();
    for image in listed.as_array().unwrap() {
        for name in image["Names"].as_array().into_iter().flatten() {
            tags.insert(
                name.as_str().unwrap().to_string(),
                format!("sha256:{}", image["Id"].as_str().unwrap()),
            );
        }
    }
    tags
}

#[test]
fn registry_api_lists_every_tag_skopeo_sees_with_its_digest() {
    let registry = TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let expected = tags_by_skopeo(&registry);
    assert!(expected.len() >= 8, "{expected:?}");
    assert_eq!(tags_by_cairn(&registry, cache.path()), expected);
    // A second open reads manifests and configs from the cache (its listing's file), and
    // agrees.
    assert!(
        cache
            .path()
            .join("cairn/registry/listings")
            .read_dir()
            .unwrap()
            .count()
            > 0
    );
    assert_eq!(tags_by_cairn(&registry, cache.path()), expected);
    let app = format!("{}/app:1.0", registry.addr);
    let tree = ok(
        cairn(&registry, cache.path(), &["tree", &app]),
        "cairn tree",
    );
    assert!(tree.contains("Top Layer of:"), "{tree}");
    let history = ok(
        cairn(&registry, cache.path(), &["history", "app:1.0"]),
        "cairn history",
    );
    assert!(history.lines().count() > 2, "{history}");
}

#[test]
fn registry_api_rm_leaves_the_tags_skopeo_delete_leaves() {
    let ours = TestRegistry::filled();
    let theirs = TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let preview = ok(
        cairn(&ours, cache.path(), &["rm", "--dry-run", "app:1.0"]),
        "cairn rm --dry-run",
    );
    // DELETE by digest takes every tag of the repository on it, and only those.
    assert!(
        preview.contains(&format!("Untagged: {}/app:latest", ours.addr)),
        "{preview}"
    );
    // mirror/app keeps the manifest, and the preview says so.
    assert!(
        !preview.contains(&format!("Untagged: {}/mirror/app", ours.addr)),
        "{preview}"
    );
    assert!(
        preview.contains(&format!("Still tagged: {}/mirror/app:stable", ours.addr)),
        "{preview}"
    );
    ok(cairn(&ours, cache.path(), &["rm", "app:1.0"]), "cairn rm");
    theirs.skopeo(&["delete", "--tls-verify=false", &theirs.reference("app:1.0")]);
    let rename = |tags: BTreeMap<String, String>, addr: &str| -> BTreeMap<String, String> {
        tags.into_iter()
            .map(|(name, digest)| (name.replacen(addr, "R", 1), digest))
            .collect()
    };
    let left = rename(tags_by_skopeo(&ours), &ours.addr);
    assert_eq!(left, rename(tags_by_skopeo(&theirs), &theirs.addr));
    assert!(!left.contains_key("R/app:latest"));
    assert!(left.contains_key("R/mirror/app:stable"));
}

#[test]
fn registry_api_untag_on_distribution_2_8_is_refused_in_the_preview() {
    let registry = TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let before = tags_by_skopeo(&registry);
    let out = cairn(&registry, cache.path(), &["untag", "app:1.0", "app:latest"]);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not delete a tag on its own"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("DIGEST_INVALID"), "{}", stderr(&out));
    assert_eq!(tags_by_skopeo(&registry), before);
}

#[test]
fn registry_api_tag_puts_the_manifest_and_mounts_blobs_in_another_repository() {
    let registry = TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let before = tags_by_skopeo(&registry);
    let app = before[&format!("{}/app:1.0", registry.addr)].clone();
    ok(
        cairn(&registry, cache.path(), &["tag", "app:1.0", "copies/app:2"]),
        "cairn tag",
    );
    let after = tags_by_skopeo(&registry);
    assert_eq!(after[&format!("{}/copies/app:2", registry.addr)], app);
    // skopeo can copy it out whole: the blobs are there.
    let out = tempfile::tempdir().unwrap();
    registry.skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &registry.reference("copies/app:2"),
        &format!("oci:{}:x", out.path().display()),
    ]);
}

/// A private CA (`ca.pem`, self-signed) and the registry's certificate for 127.0.0.1 signed
/// by it (`cert.pem`, `key.pem`): rustls, unlike Go, refuses a CA certificate as a server's own.
fn certificate(dir: &Path) {
    require("openssl");
    let openssl = |args: &[&str]| {
        ok(
            Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .unwrap(),
            &format!("openssl {}", args.join(" ")),
        )
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=cairn test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "cert.csr",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "cert.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
}

/// A registry behind htpasswd (`tester:s3cret`) and a certificate of a private CA, in `dir`,
/// holding `secure/base:1`. `certs(addr)` names the folder to put the CA in, as a certs.d
/// folder holds it.
fn secure_registry(dir: &Path, certs: impl FnOnce(&str) -> PathBuf) -> (TestRegistry, PathBuf) {
    require("htpasswd");
    certificate(dir);
    let htpasswd = dir.join("htpasswd");
    ok(
        Command::new("htpasswd")
            .args(["-Bbc"])
            .arg(&htpasswd)
            .args(["tester", "s3cret"])
            .output()
            .unwrap(),
        "htpasswd",
    );
    let registry = TestRegistry::start_with(&Options {
        tls: Some((dir.join("cert.pem"), dir.join("key.pem"))),
        htpasswd: Some(htpasswd),
        ..Options::default()
    });
    let certs = certs(&registry.addr);
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::copy(dir.join("ca.pem"), certs.join("ca.crt")).unwrap();
    registry.skopeo(&[
        "copy",
        "--dest-creds=tester:s3cret",
        &format!("--dest-cert-dir={}", certs.display()),
        &format!("oci:{}:base:1", crate::common::registry::images().display()),
        &registry.reference("secure/base:1"),
    ]);
    (registry, certs)
}

/// An auth file (podman's and Docker's form) with the credentials of [`secure_registry`].
fn write_auth_file(path: &Path, registry: &TestRegistry) {
    std::fs::write(
        path,
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            registry.addr,
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "tester:s3cret")
        ),
    )
    .unwrap();
}

#[test]
fn registry_api_reads_behind_htpasswd_and_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, certs) = secure_registry(dir.path(), |_| dir.path().join("certs"));
    let authfile = dir.path().join("auth.json");
    write_auth_file(&authfile, &registry);
    let cache = tempfile::tempdir().unwrap();
    let store = format!("--store=registry:{}", registry.addr);
    let cert_dir = format!("--cert-dir={}", certs.display());
    let auth = format!("--authfile={}", authfile.display());
    let env = [("XDG_CACHE_HOME", cache.path())];
    let bin = env!("CARGO_BIN_EXE_cairn");
    let call = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        run(bin, &args, &env)
    };
    let listed = ok(call(&[&store, &cert_dir, &auth, "images"]), "cairn images");
    assert!(
        listed.contains(&format!("{}/secure/base", registry.addr)),
        "{listed}"
    );
    // Without the CA, the certificate is refused; without credentials, cairn says whose.
    let untrusted = call(&[&store, &auth, "images"]);
    assert_eq!(untrusted.status.code(), Some(125));
    assert!(
        stderr(&untrusted).contains("--tls-verify=false"),
        "{}",
        stderr(&untrusted)
    );
    let anonymous = call(&[&store, &cert_dir, "--authfile=/nonexistent.json", "images"]);
    assert_eq!(anonymous.status.code(), Some(125));
    assert!(
        stderr(&anonymous).contains("no auth file has any for it"),
        "{}",
        stderr(&anonymous)
    );
    // --tls-verify=false trusts the certificate as it is.
    let insecure = call(&[&store, &auth, "--tls-verify=false", "images"]);
    assert!(
        stdout(&insecure).contains("secure/base"),
        "{}",
        stderr(&insecure)
    );
}

/// Without `HOME`, the credentials in `~/.docker/config.json` and the CA in
/// `~/.config/containers/certs.d` are those of the home the password database gives, for
/// containers/image (skopeo, podman's library: `homedir.Get`) and for cairn alike. That home
/// is a folder of the test's, mounted over the real one in a mount namespace of the tool's own.
#[test]
fn without_home_auth_and_certificates_are_the_password_databases_homes() {
    require("unshare");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let (registry, _) = secure_registry(dir.path(), |addr| {
        home.join(".config/containers/certs.d").join(addr)
    });
    std::fs::create_dir_all(home.join(".docker")).unwrap();
    write_auth_file(&home.join(".docker/config.json"), &registry);
    let without_home = |program: &str, args: &[String]| {
        let mut command = Command::new("unshare");
        command
            .args(["--mount", "sh", "-c"])
            .arg(r#"mount --bind "$0" "$1" && shift && exec "$@""#)
            .arg(&home)
            .arg(crate::common::password_database_home())
            .arg(program)
            .args(args);
        for variable in [
            "HOME",
            "XDG_CONFIG_HOME",
            "XDG_RUNTIME_DIR",
            "XDG_CACHE_HOME",
            "REGISTRY_AUTH_FILE",
            "DOCKER_CONFIG",
        ] {
            command.env_remove(variable);
        }
        command.output().unwrap()
    };
    let repository = format!("docker://{}/secure/base", registry.addr);
    let skopeo = ok(
        without_home("skopeo", &["list-tags".into(), repository]),
        "skopeo list-tags",
    );
    assert!(skopeo.contains("\"1\""), "{skopeo}");
    let cairn = ok(
        without_home(
            env!("CARGO_BIN_EXE_cairn"),
            &[
                format!("--store=registry:{}", registry.addr),
                "images".into(),
            ],
        ),
        "cairn images",
    );
    assert!(
        cairn.contains(&format!("{}/secure/base", registry.addr)),
        "{cairn}"
    );
}

/// Another client retags and deletes: `--cached` answers with the last listing (and says
/// so on stderr), every other open, and the browser once it has asked again, with the truth.
#[test]
fn registry_api_open_after_another_client_changes_shows_the_truth() {
    if let Ok(addr) = std::env::var(LOADER_CHILD) {
        return loader_child(&addr);
    }
    let registry = TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let before = tags_by_skopeo(&registry);
    assert_eq!(tags_by_cairn(&registry, cache.path()), before);
    // app:latest moves to side:1's manifest; tools:1 is deleted; side gets a new tag.
    let copy = |from: &str, to: &str| {
        registry.skopeo(&[
            "copy",
            "--quiet",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            &registry.reference(from),
            &registry.reference(to),
        ])
    };
    copy("side:1", "app:latest");
    copy("side:1", "side:2");
    registry.skopeo(&[
        "delete",
        "--tls-verify=false",
        &registry.reference("tools:1"),
    ]);
    let after = tags_by_skopeo(&registry);
    assert_ne!(after, before);
    // --cached: the listing as it was, said to be cached.
    let out = cairn(
        &registry,
        cache.path(),
        &["--cached", "images", "--all", "--json"],
    );
    let said = stderr(&out);
    assert!(said.contains("from the cache (--cached)"), "{said}");
    let listed: serde_json::Value = serde_json::from_str(&ok(out, "cairn --cached")).unwrap();
    let names: usize = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Names"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(names, before.len());
    // Any other open asks again: no stale tag survives, the moved tag has its new digest.
    assert_eq!(tags_by_cairn(&registry, cache.path()), after);
    let latest = format!("{}/app:latest", registry.addr);
    assert_eq!(after[&latest], after[&format!("{}/side:1", registry.addr)]);
    // The browser: the cached listing first, marked as such, then the truth.
    copy("side:1", "side:3");
    let truth = tags_by_skopeo(&registry);
    let messages = browser_messages(&registry, cache.path());
    assert_eq!(messages.len(), 2, "a cached list, then the loaded one");
    assert!(
        messages[0].1.is_some(),
        "the first list is marked as cached"
    );
    assert_eq!(messages[0].0, after);
    assert_eq!(messages[1].1, None);
    assert_eq!(messages[1].0, truth);
}

/// Set in the child `browser_messages` runs: the registry's address.
const LOADER_CHILD: &str = "CAIRN_TEST_LOADER_ADDR";

/// The names and digests of each list the browser's loader sends, with when it was cached
/// if it was, from a child process (this test again, with `cache` as its cache folder: the
/// loader reads the user's cache folder from the environment).
fn browser_messages(
    registry: &TestRegistry,
    cache: &Path,
) -> Vec<(BTreeMap<String, String>, Option<String>)> {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "registry_api::registry_api_open_after_another_client_changes_shows_the_truth",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOADER_CHILD, &registry.addr)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap();
    let text = ok(out, "the loader child");
    // libtest prints the test's name on the same line, before it.
    let line = text
        .split_once("LOADER:")
        .and_then(|(_, rest)| rest.lines().next())
        .unwrap_or_else(|| panic!("no LOADER: in {text}"));
    serde_json::from_str(line).unwrap()
}

/// The child's part: the browser's loader on the registry, each list it sends printed.
fn loader_child(addr: &str) {
    let store = cairn_store::Selection {
        store: Some(format!("registry:{addr}")),
        tls_verify: Some(false),
        ..cairn_store::Selection::default()
    }
    .resolve()
    .unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    let (_commands, listen) = std::sync::mpsc::channel();
    let _loader = loader::spawn(store, listen, move |msg| send.send(msg).is_ok()).unwrap();
    let mut lists: Vec<(BTreeMap<String, String>, Option<String>)> = Vec::new();
    loop {
        let (data, last) = match receive.recv().unwrap() {
            LoaderMsg::Listed { data, .. } => (data, false),
            LoaderMsg::Loaded { data, .. } => (data, true),
            LoaderMsg::Failed(error) => panic!("{error}"),
            _ => continue,
        };
        let mut tags = BTreeMap::new();
        for image in &data.catalog.snapshot.images {
            for name in &image.names {
                tags.insert(name.clone(), format!("sha256:{}", image.id));
            }
        }
        lists.push((tags, data.cached_at.map(|at| at.to_string())));
        if last {
            break;
        }
    }
    println!("LOADER:{}", serde_json::to_string(&lists).unwrap());
}

/// The requests of each kind in the registry's access log: `METHOD kind`, where kind is
/// what follows the repository (`manifests/tag`, `manifests/digest`, `blobs`, `tags`).
fn requests(log: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in log.lines() {
        let Some(request) = line.split('"').nth(1) else {
            continue;
        };
        let mut words = request.split(' ');
        let (Some(method), Some(path)) = (words.next(), words.next()) else {
            continue;
        };
        let kind = if let Some((_, reference)) = path.split_once("/manifests/") {
            match reference.starts_with("sha256:") {
                true => "manifests/digest",
                false => "manifests/tag",
            }
        } else if path.contains("/blobs/") {
            "blobs"
        } else if path.contains("/tags/list") {
            "tags"
        } else {
            continue;
        };
        *counts.entry(format!("{method} {kind}")).or_default() += 1;
    }
    counts
}

/// A first open reads each tag's manifest in the one request that also says its digest;
/// a second one asks each tag's digest alone (`HEAD`, which registries such as Docker Hub
/// do not count as a pull) and reads nothing it has already.
#[test]
fn registry_api_a_first_open_gets_each_tag_once_and_a_second_heads_it() {
    let registry = TestRegistry::start_with(&Options {
        access_log: true,
        ..Options::default()
    });
    registry.fill();
    let tags = tags_by_skopeo(&registry).len();
    let cache = tempfile::tempdir().unwrap();
    let before = registry.log().len();
    ok(
        cairn(&registry, cache.path(), &["images", "--all"]),
        "first open",
    );
    let first = requests(&registry.log()[before..]);
    assert_eq!(first.get("GET manifests/tag"), Some(&tags), "{first:?}");
    assert_eq!(first.get("HEAD manifests/tag"), None, "{first:?}");
    let before = registry.log().len();
    ok(
        cairn(&registry, cache.path(), &["images", "--all"]),
        "second open",
    );
    let second = requests(&registry.log()[before..]);
    assert_eq!(second.get("HEAD manifests/tag"), Some(&tags), "{second:?}");
    for kind in ["GET manifests/tag", "GET manifests/digest", "GET blobs"] {
        assert_eq!(second.get(kind), None, "{second:?}");
    }
}
