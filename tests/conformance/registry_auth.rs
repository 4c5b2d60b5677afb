//! Bearer-token auth against the real thing: Debian's docker-registry (distribution 2.8.2)
//! with `auth: token:`, verifying every JWT against the certificate of a token server of the
//! tests' own (`common::token_server`), which records the scopes asked for. cairn asks for
//! exactly the scopes each call needs, each once per token's life, anonymously or with the
//! credentials of an `--authfile`; a token lacking the access is said as such, and one the
//! registry calls expired is replaced.

use super::registry_api::{names, tags_by_skopeo};
use crate::common::registry::{Options, TestRegistry};
use crate::common::token_server::{Asked, Grant, Policy, TokenServer};
use crate::common::{ok, stderr};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A registry filled without auth, then served behind `policy`'s token server, with what
/// skopeo listed in it before (every `HOST/REPO:TAG` and its digest) and its repositories.
struct Behind {
    registry: TestRegistry,
    tokens: TokenServer,
    tags: BTreeMap<String, String>,
    repositories: Vec<String>,
    /// HOME and the cache of the cairn runs: no auth file but those the tests name.
    home: tempfile::TempDir,
}

fn behind_tokens(policy: Policy) -> Behind {
    let mut registry = TestRegistry::filled();
    let tags = tags_by_skopeo(&registry);
    let catalog = registry.get("/v2/_catalog");
    let body = catalog.split("\r\n\r\n").nth(1).unwrap();
    let catalog: serde_json::Value = serde_json::from_str(body).unwrap();
    let repositories = catalog["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    let tokens = TokenServer::start(policy);
    registry.reconfigure(&Options {
        token: Some(tokens.auth()),
        ..Options::default()
    });
    assert!(
        registry.get("/v2/").starts_with("HTTP/1.0 401"),
        "the registry must ask for a token: {}",
        registry.log()
    );
    Behind {
        registry,
        tokens,
        tags,
        repositories,
        home: tempfile::tempdir().unwrap(),
    }
}

impl Behind {
    /// `cairn --store=registry:ADDR --tls-verify=false ARGS` with a HOME of its own, so that
    /// no auth file of the machine is read.
    fn cairn(&self, args: &[&str]) -> Output {
        let home = self.home.path();
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .arg(format!("--store=registry:{}", self.registry.addr))
            .arg("--tls-verify=false")
            .args(args)
            .env("HOME", home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("DOCKER_CONFIG", home.join("docker"))
            .env_remove("REGISTRY_AUTH_FILE")
            .output()
            .unwrap()
    }

    /// An auth file holding `user:password` for this registry.
    fn authfile(&self, user: &str, password: &str) -> PathBuf {
        let path = self
            .home
            .path()
            .join(format!("auth-{user}-{password}.json"));
        let auth = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{user}:{password}"),
        );
        std::fs::write(
            &path,
            format!(
                r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#,
                self.registry.addr
            ),
        )
        .unwrap();
        path
    }

    /// The scopes of reading the whole registry: the catalog and each repository's pull.
    fn read_scopes(&self) -> BTreeSet<Vec<String>> {
        let mut scopes: BTreeSet<Vec<String>> = self
            .repositories
            .iter()
            .map(|r| vec![format!("repository:{r}:pull")])
            .collect();
        scopes.insert(vec!["registry:catalog:*".to_string()]);
        scopes
    }
}

/// Tokens for one user only.
fn only(user: &str, password: &str, grant: Grant) -> Policy {
    let mut users = BTreeMap::new();
    users.insert(user.to_string(), (password.to_string(), grant));
    Policy {
        users,
        ..Policy::default()
    }
}

fn flag(name: &str, path: &Path) -> String {
    format!("--{name}={}", path.display())
}

/// How many times each set of scopes was asked for.
fn counts(asked: &[Asked]) -> BTreeMap<Vec<String>, usize> {
    let mut counts = BTreeMap::new();
    for a in asked {
        *counts.entry(a.scopes.clone()).or_default() += 1;
    }
    counts
}

fn each(scopes: &BTreeSet<Vec<String>>, times: usize) -> BTreeMap<Vec<String>, usize> {
    scopes.iter().map(|s| (s.clone(), times)).collect()
}

#[test]
fn registry_auth_anonymous_tokens_read_everything_asking_each_scope_once() {
    let behind = behind_tokens(Policy {
        anonymous: Some(Grant::read()),
        ..Policy::default()
    });
    let listed = names(behind.cairn(&["images", "--all", "--json"]));
    assert_eq!(listed, behind.tags, "{}", behind.registry.log());
    let asked = behind.tokens.take();
    assert!(
        asked.iter().all(|a| a.user.is_none() && a.status == 200),
        "{asked:?}"
    );
    // app has two tags and mirror/app's image is app's: many requests, one token each.
    assert_eq!(counts(&asked), each(&behind.read_scopes(), 1));
    // The second run reads manifests and configs from the cache: the same scopes again.
    let again = names(behind.cairn(&["images", "--all", "--json"]));
    assert_eq!(again, behind.tags);
    assert_eq!(
        counts(&behind.tokens.take()),
        each(&behind.read_scopes(), 1)
    );
}

#[test]
fn registry_auth_credentials_of_the_authfile_get_exactly_the_scopes_of_tag_and_rm() {
    let behind = behind_tokens(only("tester", "s3cret", Grant::all()));
    // No credentials, or wrong ones: the token server's refusal, and for whom.
    let anonymous = behind.cairn(&["images"]);
    assert_eq!(anonymous.status.code(), Some(125));
    let said = stderr(&anonymous);
    assert!(
        said.contains("refused registry:catalog:* to anyone")
            && said.contains("no credentials for this registry"),
        "{said}"
    );
    let wrong = behind.authfile("tester", "wrong");
    let refused = behind.cairn(&[&flag("authfile", &wrong), "images"]);
    assert_eq!(refused.status.code(), Some(125));
    assert!(
        stderr(&refused).contains(r#"to user "tester": 401"#),
        "{}",
        stderr(&refused)
    );
    behind.tokens.take();

    let auth = flag("authfile", &behind.authfile("tester", "s3cret"));
    let listed = names(behind.cairn(&[&auth, "images", "--all", "--json"]));
    assert_eq!(listed, behind.tags);
    let asked = behind.tokens.take();
    assert!(
        asked.iter().all(|a| a.user.as_deref() == Some("tester")),
        "{asked:?}"
    );
    assert_eq!(counts(&asked), each(&behind.read_scopes(), 1));

    // tag into a new repository: the registry is read, the new tag checked absent (pull),
    // the blobs mounted (push to one repository, pull from the other, on one token), the
    // manifest put (push).
    ok(
        behind.cairn(&[&auth, "tag", "app:1.0", "copies/app:2"]),
        "cairn tag",
    );
    let mut tag_scopes = behind.read_scopes();
    tag_scopes.insert(vec!["repository:copies/app:pull".into()]);
    tag_scopes.insert(vec![
        "repository:copies/app:pull,push".into(),
        "repository:app:pull".into(),
    ]);
    tag_scopes.insert(vec!["repository:copies/app:pull,push".into()]);
    assert_eq!(counts(&behind.tokens.take()), each(&tag_scopes, 1));
    let app = behind.tags[&format!("{}/app:1.0", behind.registry.addr)].clone();
    let copied = names(behind.cairn(&[&auth, "images", "--all", "--json"]));
    assert_eq!(
        copied.get(&format!("{}/copies/app:2", behind.registry.addr)),
        Some(&app)
    );
    behind.tokens.take();

    // rm: the registry read (copies/app now in its catalog), then one DELETE.
    ok(behind.cairn(&[&auth, "rm", "copies/app:2"]), "cairn rm");
    let mut rm_scopes = behind.read_scopes();
    rm_scopes.insert(vec!["repository:copies/app:pull".into()]);
    rm_scopes.insert(vec!["repository:copies/app:delete".into()]);
    assert_eq!(counts(&behind.tokens.take()), each(&rm_scopes, 1));
    let left = names(behind.cairn(&[&auth, "images", "--all", "--json"]));
    assert_eq!(left, behind.tags);
}

#[test]
fn registry_auth_a_token_without_the_delete_action_is_said_and_nothing_is_deleted() {
    let behind = behind_tokens(only("reader", "r3ad", Grant::read()));
    let auth = flag("authfile", &behind.authfile("reader", "r3ad"));
    let out = behind.cairn(&[&auth, "rm", "app:1.0"]);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains(r#"the token the token server gave user "reader" does not grant repository:app:delete (insufficient_scope)"#),
        "{said}"
    );
    assert!(said.contains("nothing was changed"), "{said}");
    // The token server was asked for delete once, and gave a token without it.
    let asked = behind.tokens.take();
    let deletes: Vec<&Asked> = asked
        .iter()
        .filter(|a| a.scopes == ["repository:app:delete"])
        .collect();
    assert_eq!(deletes.len(), 1, "{asked:?}");
    let left = names(behind.cairn(&[&auth, "images", "--all", "--json"]));
    assert_eq!(left, behind.tags);
}

#[test]
fn registry_auth_a_token_the_registry_calls_expired_is_replaced_once() {
    let behind = behind_tokens(Policy {
        anonymous: Some(Grant::read()),
        first_expired: true,
        ..Policy::default()
    });
    let listed = names(behind.cairn(&["images", "--all", "--json"]));
    assert_eq!(listed, behind.tags, "{}", behind.registry.log());
    // Each scope's first token was refused (invalid_token) and a second one asked for; no
    // scope was asked a third time.
    assert_eq!(
        counts(&behind.tokens.take()),
        each(&behind.read_scopes(), 2)
    );
}
