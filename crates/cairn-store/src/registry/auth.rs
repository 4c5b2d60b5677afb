//! Who cairn is to a registry: the credentials podman would use for it (containers/image
//! `pkg/docker/config`: the auth files in podman's order, with their credential helpers), and
//! the challenge a registry answers with (`WWW-Authenticate`), read into what to send next.

use super::lock;
use crate::error::{Result, StoreError};
use crate::regular_file;
use anyhow::anyhow;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An auth file is small; a bigger one is not one.
const AUTH_FILE_LIMIT: u64 = 4 << 20;

/// A user name and secret for a registry, from an auth file or a credential helper.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    /// Never the secret, even in a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({:?}, <secret>)", self.username)
    }
}

impl Credentials {
    /// The `Authorization` value of HTTP basic auth.
    pub fn basic(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.username, self.password))
        )
    }
}

/// Where podman looks for credentials, in its order (containers/image `getAuthFilePaths`).
#[derive(Debug, Clone, Default)]
pub struct AuthFiles {
    /// The files, first match wins.
    pub paths: Vec<PathBuf>,
}

impl AuthFiles {
    /// podman's search: `--authfile`, else `REGISTRY_AUTH_FILE`, else
    /// `$XDG_RUNTIME_DIR/containers/auth.json`; then, unless the user named a file,
    /// `~/.config/containers/auth.json`; then Docker's `config.json` (`$DOCKER_CONFIG` or
    /// `~/.docker`), which podman reads as well. `home` is the user's
    /// ([`crate::home::user_home`]).
    pub fn podman(
        authfile: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Self {
        let mut paths = Vec::new();
        let named = authfile
            .map(Path::to_path_buf)
            .or_else(|| env("REGISTRY_AUTH_FILE").map(PathBuf::from));
        let user_named = named.is_some();
        match named {
            Some(path) => paths.push(path),
            None => {
                if let Some(runtime) = env("XDG_RUNTIME_DIR") {
                    paths.push(Path::new(&runtime).join("containers/auth.json"));
                }
            }
        }
        if !user_named {
            let config = env("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| home.map(|h| h.join(".config")));
            if let Some(config) = config {
                paths.push(config.join("containers/auth.json"));
            }
        }
        match env("DOCKER_CONFIG") {
            Some(dir) => paths.push(Path::new(&dir).join("config.json")),
            None => {
                if let Some(home) = home {
                    paths.push(home.join(".docker/config.json"));
                }
            }
        }
        AuthFiles { paths }
    }

    /// The credentials for `host` (`HOST[:PORT]`) and `repository`: the first file that has
    /// any, the most specific key first (`host/repo/sub`, `host/repo`, `host`), a credential
    /// helper named for the host before stored ones, Docker's `credsStore` last. A file that
    /// is missing is skipped; one that cannot be read or parsed is an error naming it.
    pub fn lookup(&self, host: &str, repository: Option<&str>) -> Result<Option<Credentials>> {
        for path in &self.paths {
            let Some(bytes) = regular_file::read(path, AUTH_FILE_LIMIT)? else {
                continue;
            };
            let file: AuthFile = serde_json::from_slice(&bytes)
                .map_err(|e| StoreError::parse(path.display(), path, e))?;
            if let Some(found) = file.credentials(host, repository, path)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

/// An auth file: podman's `auth.json` and Docker's `config.json` share these fields.
#[derive(Debug, Default, Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: String,
    #[serde(default, rename = "identitytoken")]
    identity_token: String,
}

impl AuthFile {
    fn credentials(
        &self,
        host: &str,
        repository: Option<&str>,
        path: &Path,
    ) -> Result<Option<Credentials>> {
        if let Some(helper) = self.cred_helpers.get(host) {
            return helper_get(helper, host);
        }
        for key in keys(host, repository) {
            let entry = self
                .auths
                .iter()
                .find(|(k, _)| normalize_key(k) == key)
                .map(|(_, e)| e);
            if let Some(entry) = entry {
                if !entry.identity_token.is_empty() {
                    return Err(StoreError::Unsupported(format!(
                        "{}: the entry for {key} holds an identity token (OAuth2), which cairn cannot use: log in with a user name and password",
                        path.display()
                    )));
                }
                if !entry.auth.is_empty() {
                    return decode_auth(&entry.auth, &key, path).map(Some);
                }
            }
        }
        match &self.creds_store {
            Some(store) if !store.is_empty() => helper_get(store, host),
            _ => Ok(None),
        }
    }
}

/// The keys an entry for this image may have, most specific first, as podman looks them up.
fn keys(host: &str, repository: Option<&str>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(repository) = repository {
        let mut name = format!("{host}/{repository}");
        loop {
            keys.push(name.clone());
            match name.rfind('/') {
                Some(cut) if cut > host.len() => name.truncate(cut),
                _ => break,
            }
        }
    }
    keys.push(host.to_string());
    keys
}

/// Docker's older keys carry a scheme and a path (`https://index.docker.io/v1/`): podman
/// reads them as the host.
fn normalize_key(key: &str) -> String {
    match key.split_once("://") {
        Some((_, rest)) => rest.split('/').next().unwrap_or_default().to_string(),
        None => key.to_string(),
    }
}

/// `auth` is base64 of `user:password`.
fn decode_auth(auth: &str, key: &str, path: &Path) -> Result<Credentials> {
    let bad = |why: &str| {
        StoreError::Other(anyhow!(
            "{}: the entry for {key} is not base64 of user:password ({why})",
            path.display()
        ))
    };
    let bytes = STANDARD
        .decode(auth.trim())
        .map_err(|_| bad("not base64"))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
    let (username, password) = text.split_once(':').ok_or_else(|| bad("no colon"))?;
    Ok(Credentials {
        username: username.to_string(),
        password: password.trim_end_matches('\n').to_string(),
    })
}

/// What a credential helper answers to `get`.
#[derive(Debug, Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Docker's credential-helper protocol: `docker-credential-NAME get`, the server on stdin,
/// JSON on stdout. A helper that knows no credentials for it says so and exits non-zero.
fn helper_get(helper: &str, host: &str) -> Result<Option<Credentials>> {
    let program = format!("docker-credential-{helper}");
    let failed = |why: String| StoreError::Other(anyhow!("credential helper {program}: {why}"));
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot run it: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(host.as_bytes())
            .map_err(|e| failed(format!("writing the server name: {e}")))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| failed(format!("waiting for it: {e}")))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout);
        if said.contains("credentials not found") {
            return Ok(None);
        }
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(failed(format!(
            "{}: {}",
            output.status,
            cairn_core::visible::visible(format!("{}{}", said.trim(), err.trim()).as_str())
        )));
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout)
        .map_err(|e| failed(format!("its answer is not JSON: {e}")))?;
    if answer.username == "<token>" {
        return Err(StoreError::Unsupported(format!(
            "credential helper {program} gives an identity token (OAuth2) for {host}, which cairn cannot use"
        )));
    }
    Ok(Some(Credentials {
        username: answer.username,
        password: answer.secret,
    }))
}

/// What a registry asks for in `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// HTTP basic auth (distribution's htpasswd).
    Basic,
    /// A bearer token from `realm`, for `service`.
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// The first challenge cairn can answer among those a 401 carries, or `None`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let params = auth_params(params);
    let realm = params.get("realm")?.clone();
    Some(Challenge::Bearer {
        realm,
        service: params.get("service").cloned(),
    })
}

/// `key=value, key="quoted, \"value\""` (RFC 9110 auth-params).
fn auth_params(text: &str) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        params.insert(key, value);
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    params
}

/// The reason a registry gives for refusing a bearer token (RFC 6750): `error` is
/// `invalid_token` for an expired or bad one, `insufficient_scope` for one that does not grant
/// what the request needs, and `scope` says what that is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BearerRefusal {
    pub error: Option<String>,
    pub scope: Option<String>,
}

impl BearerRefusal {
    /// The token is good but does not grant the access: asking for it again will not help.
    pub fn insufficient_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }
}

/// What a bearer challenge says of the token that was sent, or `None` when the header is no
/// bearer challenge.
pub fn parse_refusal(header: &str) -> Option<BearerRefusal> {
    let (scheme, params) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params = auth_params(params);
    Some(BearerRefusal {
        error: params.remove("error"),
        scope: params.remove("scope"),
    })
}

/// A token server's answer (distribution's token spec: `token`, or OAuth2's `access_token`,
/// and how many seconds it lasts).
#[derive(Debug, Deserialize)]
pub struct TokenAnswer {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// The token spec's floor: a token without `expires_in` lasts 60 seconds, and "a token
/// should never be returned with less than 60 seconds to live", so a shorter one is read as
/// 60 (as containers/image and Docker do).
const MINIMUM_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// A bearer token and when to stop using it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The `Authorization` value: `Bearer ...`.
    pub authorization: String,
    /// Counted from when cairn received it rather than the server's `issued_at`, so that a
    /// clock that differs from the server's changes nothing.
    pub expires: Instant,
}

impl TokenAnswer {
    /// The token, lasting from `received` for `expires_in`; `None` when the answer holds none.
    pub fn into_token(self, received: Instant) -> Option<Token> {
        let token = [self.token, self.access_token]
            .into_iter()
            .find(|t| !t.is_empty())?;
        let lifetime = self
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(MINIMUM_TOKEN_LIFETIME)
            .max(MINIMUM_TOKEN_LIFETIME);
        Some(Token {
            authorization: format!("Bearer {token}"),
            expires: received + lifetime,
        })
    }
}

/// The tokens got so far, one per access asked for, each used until it expires or the
/// registry refuses it. Threads that need the same access at once wait for one request to
/// the token server rather than each making its own.
#[derive(Debug)]
pub struct Tokens<K> {
    slots: Mutex<HashMap<K, Arc<Mutex<Option<Token>>>>>,
}

impl<K> Default for Tokens<K> {
    fn default() -> Self {
        Tokens {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Clone + Eq + Hash> Tokens<K> {
    /// The token for `key`, valid at `now`, or the one `fetch` gets (and that is kept).
    pub fn get(
        &self,
        key: &K,
        now: Instant,
        fetch: impl FnOnce() -> Result<Token>,
    ) -> Result<String> {
        let slot = Arc::clone(lock(&self.slots).entry(key.clone()).or_default());
        let mut slot = lock(&slot);
        if let Some(token) = slot.as_ref().filter(|t| now < t.expires) {
            return Ok(token.authorization.clone());
        }
        let token = fetch()?;
        let authorization = token.authorization.clone();
        *slot = Some(token);
        Ok(authorization)
    }

    /// Forgets the token for `key` if it is still `refused` (the registry said it is expired
    /// or bad): another thread may have got a new one meanwhile, which stays.
    pub fn forget(&self, key: &K, refused: &str) {
        let slot = lock(&self.slots).get(key).cloned();
        if let Some(slot) = slot {
            let mut slot = lock(&slot);
            if slot.as_ref().is_some_and(|t| t.authorization == refused) {
                *slot = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_are_read_with_quotes_and_commas() {
        let header = r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#;
        assert_eq!(
            parse_challenge(header),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
        let params = auth_params(r#"a="x\"y, z", b=plain , c="""#);
        assert_eq!(params["a"], "x\"y, z");
        assert_eq!(params["b"], "plain");
        assert_eq!(params["c"], "");
    }

    #[test]
    fn a_refused_token_says_whether_it_expired_or_lacks_the_scope() {
        let refusal = parse_refusal(
            r#"Bearer realm="http://t/token",service="s",scope="repository:app:delete",error="insufficient_scope""#,
        )
        .unwrap();
        assert!(refusal.insufficient_scope());
        assert_eq!(refusal.scope.as_deref(), Some("repository:app:delete"));
        let expired =
            parse_refusal(r#"Bearer realm="http://t/token",error="invalid_token""#).unwrap();
        assert!(!expired.insufficient_scope());
        assert_eq!(parse_refusal(r#"Basic realm="r""#), None);
    }

    #[test]
    fn a_token_lasts_what_the_server_says_but_never_under_a_minute() {
        let now = Instant::now();
        let answer = |json: &str| {
            serde_json::from_str::<TokenAnswer>(json)
                .unwrap()
                .into_token(now)
        };
        let token = answer(r#"{"token":"t","expires_in":300}"#).unwrap();
        assert_eq!(token.authorization, "Bearer t");
        assert_eq!(token.expires, now + Duration::from_secs(300));
        let short = answer(r#"{"access_token":"a","expires_in":5}"#).unwrap();
        assert_eq!(short.authorization, "Bearer a");
        assert_eq!(short.expires, now + Duration::from_secs(60));
        let unsaid = answer(r#"{"token":"t"}"#).unwrap();
        assert_eq!(unsaid.expires, now + Duration::from_secs(60));
        assert_eq!(answer(r#"{"token":""}"#), None);
    }

    #[test]
    fn a_token_is_asked_for_once_per_scope_until_it_expires_or_is_refused() {
        let tokens: Tokens<&str> = Tokens::default();
        let start = Instant::now();
        let asked = std::cell::Cell::new(0);
        let fetch = |name: &str| {
            asked.set(asked.get() + 1);
            Ok(Token {
                authorization: format!("Bearer {name}{}", asked.get()),
                expires: start + Duration::from_secs(60),
            })
        };
        assert_eq!(
            tokens.get(&"pull", start, || fetch("p")).unwrap(),
            "Bearer p1"
        );
        assert_eq!(
            tokens.get(&"pull", start, || fetch("p")).unwrap(),
            "Bearer p1"
        );
        assert_eq!(
            tokens.get(&"push", start, || fetch("q")).unwrap(),
            "Bearer q2"
        );
        assert_eq!(asked.get(), 2);
        let later = start + Duration::from_secs(61);
        assert_eq!(
            tokens.get(&"pull", later, || fetch("p")).unwrap(),
            "Bearer p3"
        );
        tokens.forget(&"pull", "Bearer p1");
        assert_eq!(
            tokens.get(&"pull", start, || fetch("p")).unwrap(),
            "Bearer p3",
            "forgetting a token already replaced keeps the new one"
        );
        tokens.forget(&"pull", "Bearer p3");
        assert_eq!(
            tokens.get(&"pull", start, || fetch("p")).unwrap(),
            "Bearer p4"
        );
        let failed = tokens.get(&"delete", start, || {
            Err(StoreError::Unsupported("refused".into()))
        });
        assert!(failed.is_err());
        assert_eq!(
            tokens.get(&"delete", start, || fetch("d")).unwrap(),
            "Bearer d5"
        );
    }

    #[test]
    fn auth_files_are_searched_in_podmans_order() {
        let home = Some(Path::new("/home/u"));
        let env = |key: &str| match key {
            "XDG_RUNTIME_DIR" => Some("/run/user/1".to_string()),
            _ => None,
        };
        let files = AuthFiles::podman(None, &env, home);
        assert_eq!(
            files.paths,
            [
                PathBuf::from("/run/user/1/containers/auth.json"),
                PathBuf::from("/home/u/.config/containers/auth.json"),
                PathBuf::from("/home/u/.docker/config.json"),
            ]
        );
        let named = AuthFiles::podman(Some(Path::new("/a.json")), &env, home);
        assert_eq!(
            named.paths,
            [
                PathBuf::from("/a.json"),
                PathBuf::from("/home/u/.docker/config.json")
            ]
        );
        let env_named = |key: &str| match key {
            "REGISTRY_AUTH_FILE" => Some("/b.json".to_string()),
            other => env(other),
        };
        assert_eq!(
            AuthFiles::podman(None, &env_named, home).paths[0],
            PathBuf::from("/b.json")
        );
    }

    #[test]
    fn the_most_specific_entry_wins_and_docker_keys_are_normalized() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("auth.json");
        let second = dir.path().join("config.json");
        let b64 = |s: &str| STANDARD.encode(s);
        std::fs::write(
            &first,
            format!(
                r#"{{"auths":{{"reg:5000/team":{{"auth":"{}"}},"reg:5000":{{"auth":"{}"}}}}}}"#,
                b64("team:t"),
                b64("all:a")
            ),
        )
        .unwrap();
        std::fs::write(
            &second,
            format!(
                r#"{{"auths":{{"https://other:443/v1/":{{"auth":"{}"}}}}}}"#,
                b64("o:p:q")
            ),
        )
        .unwrap();
        let files = AuthFiles {
            paths: vec![dir.path().join("missing.json"), first, second],
        };
        let user = |host: &str, repo: Option<&str>| {
            files
                .lookup(host, repo)
                .unwrap()
                .map(|c| format!("{}:{}", c.username, c.password))
        };
        assert_eq!(
            user("reg:5000", Some("team/app")).as_deref(),
            Some("team:t")
        );
        assert_eq!(user("reg:5000", Some("other")).as_deref(), Some("all:a"));
        assert_eq!(user("reg:5000", None).as_deref(), Some("all:a"));
        assert_eq!(user("other:443", None).as_deref(), Some("o:p:q"));
        assert_eq!(user("nowhere", None), None);
    }

    #[test]
    fn a_broken_auth_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.json");
        std::fs::write(&path, "{not json").unwrap();
        let files = AuthFiles {
            paths: vec![path.clone()],
        };
        let error = files.lookup("reg", None).unwrap_err().to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        std::fs::write(&path, r#"{"auths":{"reg":{"auth":"%%%"}}}"#).unwrap();
        let error = files.lookup("reg", None).unwrap_err().to_string();
        assert!(error.contains("not base64"), "{error}");
    }

    #[test]
    fn credentials_never_show_their_secret() {
        let creds = Credentials {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{creds:?}").contains("hunter2"));
        assert_eq!(
            creds.basic(),
            format!("Basic {}", STANDARD.encode("u:hunter2"))
        );
    }
}
