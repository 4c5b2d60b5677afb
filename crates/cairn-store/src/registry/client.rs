//! The OCI distribution API as cairn speaks it: one blocking HTTP client (ureq, rustls) per
//! registry, shared by the threads that read it. Every request times out, every answer is
//! read up to a bound, every manifest and blob is checked against its digest, and each call
//! asks for exactly the access it needs (`pull`, `push`, `delete`, `registry:catalog:*`).

use super::auth::{
    AuthFiles, BearerRefusal, Challenge, Credentials, Token, TokenAnswer, Tokens, parse_challenge,
    parse_refusal,
};
use super::lock;
use super::tls;
use crate::digest::Digest;
use crate::distribution::manifest;
use crate::error::{Result, StoreError};
use cairn_core::visible::visible;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use ureq::http::{self, Method, Response, StatusCode};
use ureq::{Agent, Body};

/// containers/image's bounds (`internal/iolimits`): a manifest is at most 4 MiB, a config
/// 4 MiB, a token answer and an error body 1 MiB.
pub const MANIFEST_LIMIT: u64 = 4 << 20;
pub const CONFIG_LIMIT: u64 = 4 << 20;
const TOKEN_LIMIT: u64 = 1 << 20;
const ERROR_LIMIT: u64 = 1 << 20;
/// One page of the catalog or of a tag list.
const PAGE_LIMIT: u64 = 16 << 20;
/// Entries asked for per page; distribution caps the catalog at 1000 by default.
pub const PAGE_SIZE: usize = 1000;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole request, answer included: nothing cairn reads is big.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The `Accept` of every manifest request: the kinds cairn reads, and schema 1 so that the
/// registry answers with it as it is (distribution 2.8 would otherwise convert a schema 2
/// manifest down for a client it thinks old) and cairn can say, per image, it is unsupported.
fn accept() -> String {
    let mut types = manifest::ACCEPTED.to_vec();
    types.extend([manifest::SCHEMA1_SIGNED, manifest::SCHEMA1]);
    types.join(", ")
}

/// How the user asked cairn to connect: podman's `--tls-verify`, `--cert-dir`, `--authfile`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connect {
    /// `false`: plain HTTP or TLS without verification, as podman's `--tls-verify=false`.
    pub tls_verify: bool,
    pub cert_dir: Option<std::path::PathBuf>,
    pub authfile: Option<std::path::PathBuf>,
}

/// The access one request needs (distribution's token scopes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Catalog,
    Pull(String),
    Push(String),
    Delete(String),
    /// Mounting a blob of repository `from` into `to`: a push to one, a pull from the other
    /// (distribution asks for both on the one request).
    Mount {
        to: String,
        from: String,
    },
}

impl Scope {
    /// The `scope` values of a token request, one per resource.
    fn texts(&self) -> Vec<String> {
        match self {
            Scope::Catalog => vec!["registry:catalog:*".into()],
            Scope::Pull(repo) => vec![format!("repository:{repo}:pull")],
            Scope::Push(repo) => vec![format!("repository:{repo}:pull,push")],
            Scope::Delete(repo) => vec![format!("repository:{repo}:delete")],
            Scope::Mount { to, from } => vec![
                format!("repository:{to}:pull,push"),
                format!("repository:{from}:pull"),
            ],
        }
    }

    /// The scopes as one text, as a challenge writes them.
    fn text(&self) -> String {
        self.texts().join(" ")
    }
}

/// A manifest as the registry sent it, checked against its digest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub digest: Digest,
    /// The `Content-Type` the registry gave, empty when it gave none.
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// A list from a paginated endpoint, and why it may be short.
#[derive(Debug, Default)]
pub struct Listing {
    pub names: Vec<String>,
    /// Set when the registry stopped answering before the list ended.
    pub cut_short: Option<String>,
    /// Set when the registry sent a full page and, asked for what follows, the same entries
    /// again: it caps the list and ignores `last` (no `Link` says there is more).
    pub capped: bool,
}

/// One registry, connected.
#[derive(Debug)]
pub struct Client {
    agent: Agent,
    /// `https://HOST[:PORT]` or, under `--tls-verify=false` when TLS is not spoken, `http://`.
    base: String,
    /// `HOST[:PORT]`, as the user gave it.
    pub host: String,
    credentials: Option<Credentials>,
    /// What the registry asked for at its last 401 (at `/v2/` when it is connected to).
    challenge: Mutex<Option<Challenge>>,
    /// Bearer tokens by scope, each kept until it expires.
    tokens: Tokens<Scope>,
    /// Until when the registry asked to be left alone, at its last 429 (`Retry-After`).
    rate_limited: Mutex<Option<Instant>>,
}

impl Client {
    /// Connects to `host` as podman would: HTTPS, verified unless `--tls-verify=false`, which
    /// also lets cairn fall back to plain HTTP when the registry speaks no TLS. Asks `/v2/`
    /// once, so that a registry that is not there, or not one, is said before anything else.
    pub fn connect(host: &str, repository: Option<&str>, how: &Connect) -> Result<Self> {
        let home = crate::home::user_home();
        let dirs = tls::cert_dirs(host, how.cert_dir.as_deref(), home.as_deref());
        let tls = tls::config(how.tls_verify, &dirs)?;
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            // Every thread of a read keeps its connection between requests: with ureq's
            // default of 10 idle connections in all, 16 threads opened 336 connections for
            // the 10,000 HEADs of a warm open instead of 16.
            .max_idle_connections(64)
            .max_idle_connections_per_host(64)
            .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .into();
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        let credentials = AuthFiles::podman(how.authfile.as_deref(), &env, home.as_deref())
            .lookup(host, repository)?;
        let mut client = Client {
            agent,
            base: format!("https://{host}"),
            host: host.to_string(),
            credentials,
            challenge: Mutex::new(None),
            tokens: Tokens::default(),
            rate_limited: Mutex::new(None),
        };
        match client.ping() {
            Ok(()) => Ok(client),
            Err(Transport(https)) if !how.tls_verify => {
                client.base = format!("http://{host}");
                client.ping().map_err(|Transport(http)| {
                    client.unreachable(format!("over HTTPS: {https}; over HTTP: {http}"))
                })?;
                Ok(client)
            }
            Err(Transport(error)) => Err(client.unreachable(format!(
                "{error} (a registry on plain HTTP or with a certificate no CA file vouches for needs --tls-verify=false)"
            ))),
        }
    }

    fn unreachable(&self, why: String) -> StoreError {
        StoreError::Daemon {
            host: self.host.clone(),
            message: format!("cannot reach the registry {}: {why}", self.host),
        }
    }

    /// `GET /v2/`: whether the server answers HTTP at all (a 401 is an answer), and the
    /// challenge it answers with, so that every later request carries what it asks for from
    /// the start rather than being sent anonymously first.
    fn ping(&self) -> std::result::Result<(), Transport> {
        let request = http::Request::get(format!("{}/v2/", self.base))
            .body(())
            .map_err(|e| Transport(e.to_string()))?;
        let answer = self
            .agent
            .run(request)
            .map_err(|e| Transport(e.to_string()))?;
        if answer.status() == StatusCode::UNAUTHORIZED {
            *lock(&self.challenge) = challenge_of(&answer);
        }
        Ok(())
    }

    /// `/v2/...` on this registry.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.base)
    }

    /// Sends one request with the access `scope` needs. Once the registry has asked for
    /// auth, every request carries it: basic auth, or a bearer token for `scope`, got once and
    /// used until it expires. A 401 is answered once: with the challenge it carries when
    /// nothing was sent, with a new token when the registry refused the one sent as expired
    /// or bad; not when the token is good but does not grant `scope`, since asking again
    /// would give the same. Any status is returned: callers decide what they expect.
    pub fn send(
        &self,
        method: Method,
        url: &str,
        scope: &Scope,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response<Body>> {
        let mut retried = false;
        loop {
            let authorization = self.authorization(scope)?;
            let mut request = http::Request::builder().method(method.clone()).uri(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(value) = &authorization {
                request = request.header("Authorization", value);
            }
            let sent = match body {
                Some(bytes) => request.body(bytes.to_vec()).map(|r| self.agent.run(r)),
                None => request.body(()).map(|r| self.agent.run(r)),
            }
            .map_err(|e| self.failed(&method, url, e.to_string()))?
            .map_err(|e| self.failed(&method, url, e.to_string()))?;
            if sent.status() == StatusCode::TOO_MANY_REQUESTS {
                let wait = header(&sent, "retry-after")
                    .and_then(|v| retry_after(&v, jiff::Timestamp::now()));
                *lock(&self.rate_limited) = wait.map(|w| Instant::now() + w);
            }
            if sent.status() != StatusCode::UNAUTHORIZED || retried {
                return Ok(sent);
            }
            let Some(challenge) = challenge_of(&sent) else {
                return Ok(sent);
            };
            match (&challenge, &authorization) {
                (Challenge::Bearer { .. }, Some(token)) => {
                    if refusal_of(&sent).is_some_and(|r| r.insufficient_scope()) {
                        return Ok(sent);
                    }
                    self.tokens.forget(scope, token);
                }
                // Basic credentials that were refused are refused again.
                (Challenge::Basic, Some(_)) => return Ok(sent),
                (_, None) => {}
            }
            if challenge == Challenge::Basic && self.credentials.is_none() {
                return Err(self.no_credentials());
            }
            *lock(&self.challenge) = Some(challenge);
            retried = true;
        }
    }

    /// What to send for `scope` now: nothing before the registry asked for auth (anonymous
    /// first, as podman), basic auth when it asks for that, else the bearer token for `scope`.
    fn authorization(&self, scope: &Scope) -> Result<Option<String>> {
        let challenge = lock(&self.challenge).clone();
        match challenge {
            None => Ok(None),
            Some(Challenge::Basic) => Ok(self.credentials.as_ref().map(Credentials::basic)),
            Some(Challenge::Bearer { realm, service }) => self
                .tokens
                .get(scope, Instant::now(), || {
                    self.token(&realm, service.as_deref(), scope)
                })
                .map(Some),
        }
    }

    /// Asks the token server at `realm` for a token granting `scope` (the Docker token spec:
    /// `GET realm?service=&scope=`), with the credentials if there are any, anonymously
    /// otherwise.
    fn token(&self, realm: &str, service: Option<&str>, scope: &Scope) -> Result<Token> {
        let mut url = format!("{realm}{}", if realm.contains('?') { '&' } else { '?' });
        if let Some(service) = service {
            url.push_str(&format!("service={}&", query(service)));
        }
        let scopes: Vec<String> = scope
            .texts()
            .iter()
            .map(|s| format!("scope={}", query(s)))
            .collect();
        url.push_str(&scopes.join("&"));
        let mut request = http::Request::get(&url);
        if let Some(credentials) = &self.credentials {
            request = request.header("Authorization", credentials.basic());
        }
        let request = request
            .body(())
            .map_err(|e| self.failed(&Method::GET, &url, e.to_string()))?;
        let mut answer = self
            .agent
            .run(request)
            .map_err(|e| self.failed(&Method::GET, &url, e.to_string()))?;
        let received = Instant::now();
        if !answer.status().is_success() {
            let status = answer.status();
            let said = read_error(&mut answer);
            return Err(StoreError::Daemon {
                host: self.host.clone(),
                message: format!(
                    "the token server {} refused {} to {}: {status}{said}",
                    visible(realm),
                    scope.text(),
                    self.who()
                ),
            });
        }
        let bytes = read_limited(&mut answer, TOKEN_LIMIT)
            .map_err(|e| self.failed(&Method::GET, &url, e))?;
        serde_json::from_slice::<TokenAnswer>(&bytes)
            .ok()
            .and_then(|a| a.into_token(received))
            .ok_or_else(|| self.failed(&Method::GET, &url, "the answer holds no token".into()))
    }

    /// Until when the registry asked, at its last 429, not to be asked again (`Retry-After`):
    /// what only watches it waits until then.
    pub fn rate_limited_until(&self) -> Option<Instant> {
        *lock(&self.rate_limited)
    }

    /// Who cairn is to this registry, for the messages of a refusal.
    fn who(&self) -> String {
        match &self.credentials {
            Some(credentials) => format!("user {:?}", visible(&credentials.username)),
            None => "anyone (cairn found no credentials for this registry in the auth files)"
                .to_string(),
        }
    }

    fn no_credentials(&self) -> StoreError {
        StoreError::Daemon {
            host: self.host.clone(),
            message: format!(
                "{} asks for a user name and password, and no auth file has any for it: give --authfile, or log in with podman login",
                self.host
            ),
        }
    }

    fn failed(&self, method: &Method, url: &str, why: String) -> StoreError {
        StoreError::Daemon {
            host: self.host.clone(),
            message: format!("{method} {}: {why}", visible(url)),
        }
    }

    /// A registry's refusal, in its own words (`{"errors": [{"code", "message"}]}`). A token
    /// that lacks the access a request needs is said as such: which access, and whose token.
    pub fn refused(&self, method: &Method, url: &str, answer: &mut Response<Body>) -> StoreError {
        let status = answer.status();
        let refusal = refusal_of(answer);
        let said = read_error(answer);
        if let Some(refusal) = refusal.filter(|r| r.insufficient_scope()) {
            let wanted = refusal.scope.as_deref().unwrap_or("the access it needs");
            return self.failed(
                method,
                url,
                format!(
                    "{status}: the token the token server gave {} does not grant {} (insufficient_scope){said}",
                    self.who(),
                    visible(wanted)
                ),
            );
        }
        if status == StatusCode::UNAUTHORIZED && self.credentials.is_none() {
            return self.no_credentials();
        }
        if status == StatusCode::FORBIDDEN {
            return self.failed(
                method,
                url,
                format!("{status}: the registry denies it to {}{said}", self.who()),
            );
        }
        self.failed(method, url, format!("{status}{said}"))
    }

    /// Reads an answer's body up to `limit` bytes.
    pub fn read(&self, url: &str, answer: &mut Response<Body>, limit: u64) -> Result<Vec<u8>> {
        read_limited(answer, limit).map_err(|e| self.failed(&Method::GET, url, e))
    }

    /// Every entry of a paginated list (`/v2/_catalog` under `repositories`, a tag list
    /// under `tags`), following `Link` headers, and `last=` where a full page came without
    /// one (a registry may cap its pages without saying so). A refusal after the first page
    /// cuts the list short, and says so; so does a registry that answers `last=` with what it
    /// sent already. A first page refused as a bad request is asked again without `n`, in
    /// the registry's own page size: distribution 2.8 refuses an `n` above its
    /// `catalog.maxentries` (`PAGINATION_NUMBER_INVALID`) and pages by that.
    pub fn list(&self, path: &str, field: &str, scope: &Scope) -> Result<Listing> {
        let mut listing = Listing::default();
        let mut url = self.url(&format!("{path}?n={PAGE_SIZE}"));
        let mut own_pages = false;
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            let mut answer = self.send(Method::GET, &url, scope, &[], None)?;
            if answer.status() == StatusCode::BAD_REQUEST && listing.names.is_empty() && !own_pages
            {
                own_pages = true;
                url = self.url(path);
                continue;
            }
            if !answer.status().is_success() {
                let error = self.refused(&Method::GET, &url, &mut answer);
                if listing.names.is_empty() {
                    return Err(error);
                }
                listing.cut_short = Some(error.to_string());
                return Ok(listing);
            }
            let next = answer
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
            let bytes = self.read(&url, &mut answer, PAGE_LIMIT)?;
            let page: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| self.failed(&Method::GET, &url, format!("not JSON: {e}")))?;
            let names: Vec<String> = page
                .get(field)
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            let full = names.len() >= PAGE_SIZE;
            let last = names.last().cloned();
            let before = listing.names.len();
            if names.iter().any(|n| seen.contains(n)) {
                listing.capped = true;
                return Ok(listing);
            }
            seen.extend(names.iter().cloned());
            listing.names.extend(names);
            url = match (next, last) {
                (Some(next), _) => self.resolve(&next),
                (None, Some(last)) if full => {
                    self.url(&format!("{path}?n={PAGE_SIZE}&last={}", query(&last)))
                }
                _ => return Ok(listing),
            };
            if listing.names.len() == before {
                return Ok(listing);
            }
        }
    }

    /// A `Link` target: absolute, or a path on this registry.
    fn resolve(&self, target: &str) -> String {
        if target.starts_with("http://") || target.starts_with("https://") {
            target.to_string()
        } else {
            let origin = self.base.trim_end_matches('/');
            format!("{origin}/{}", target.trim_start_matches('/'))
        }
    }

    /// The digest a tag points at now (`HEAD`), `None` when the tag is not there. The inner
    /// `Err` is the registry's refusal for this tag alone (a damaged tag answers 500 on
    /// distribution), which is that tag's problem; the outer one fails the whole read (no
    /// answer, or no access).
    pub fn tag_digest(
        &self,
        repository: &str,
        tag: &str,
    ) -> Result<std::result::Result<Option<Digest>, String>> {
        let Some((url, answer)) = self.tag_answer(Method::HEAD, repository, tag)? else {
            return Ok(Ok(None));
        };
        if !answer.status().is_success() {
            return Ok(Err(tag_refused(&Method::HEAD, &url, answer.status())));
        }
        match header(&answer, "docker-content-digest") {
            Some(digest) => Ok(Digest::parse(&digest)
                .map(Some)
                .map_err(|e| format!("HEAD {}: {e}", visible(&url)))),
            None => self.manifest(repository, tag).map(|m| Ok(Some(m.digest))),
        }
    }

    /// The manifest a tag points at now (`GET`), checked, with the same answers as
    /// [`Client::tag_digest`]: where the manifest is to be read anyway (nothing of it is
    /// known yet), one request instead of a `HEAD` and then a `GET`. A registry that fails
    /// the check is that tag's problem.
    pub fn tag_manifest(
        &self,
        repository: &str,
        tag: &str,
    ) -> Result<std::result::Result<Option<Manifest>, String>> {
        let Some((url, mut answer)) = self.tag_answer(Method::GET, repository, tag)? else {
            return Ok(Ok(None));
        };
        if !answer.status().is_success() {
            return Ok(Err(tag_refused(&Method::GET, &url, answer.status())));
        }
        Ok(self
            .checked_manifest(&url, tag, &mut answer)
            .map(Some)
            .map_err(|e| e.to_string()))
    }

    /// Asks for a tag's manifest: `None` when the tag is not there, an error when the
    /// registry refuses access (which fails the whole read), else its answer.
    fn tag_answer(
        &self,
        method: Method,
        repository: &str,
        tag: &str,
    ) -> Result<Option<(String, Response<Body>)>> {
        let url = self.url(&format!("{repository}/manifests/{tag}"));
        let accept = accept();
        let scope = Scope::Pull(repository.to_string());
        let mut answer = self.send(method.clone(), &url, &scope, &[("Accept", &accept)], None)?;
        let status = answer.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.refused(&method, &url, &mut answer));
        }
        Ok(Some((url, answer)))
    }

    /// A manifest by tag or digest, checked: by digest, the bytes must hash to it; by tag,
    /// to the digest the registry says (`Docker-Content-Digest`) when it says one.
    pub fn manifest(&self, repository: &str, reference: &str) -> Result<Manifest> {
        let url = self.url(&format!("{repository}/manifests/{reference}"));
        let accept = accept();
        let scope = Scope::Pull(repository.to_string());
        let mut answer = self.send(Method::GET, &url, &scope, &[("Accept", &accept)], None)?;
        if !answer.status().is_success() {
            return Err(self.refused(&Method::GET, &url, &mut answer));
        }
        self.checked_manifest(&url, reference, &mut answer)
    }

    /// The manifest of a successful answer for `reference`, checked as [`Client::manifest`]
    /// says.
    fn checked_manifest(
        &self,
        url: &str,
        reference: &str,
        answer: &mut Response<Body>,
    ) -> Result<Manifest> {
        let media_type = header(answer, "content-type").unwrap_or_default();
        let claimed = header(answer, "docker-content-digest");
        let bytes = self.read(url, answer, MANIFEST_LIMIT)?;
        let expected = match Digest::parse(reference) {
            Ok(digest) => Some(digest),
            Err(_) => claimed.as_deref().and_then(|d| Digest::parse(d).ok()),
        };
        let digest = match expected {
            Some(expected) => {
                self.check(url, &expected, &bytes)?;
                expected
            }
            None => Digest::sha256_of(&bytes),
        };
        Ok(Manifest {
            digest,
            media_type,
            bytes,
        })
    }

    /// A blob (a config), checked against its digest, at most `limit` bytes.
    pub fn blob(&self, repository: &str, digest: &Digest, limit: u64) -> Result<Vec<u8>> {
        let url = self.url(&format!("{repository}/blobs/{digest}"));
        let scope = Scope::Pull(repository.to_string());
        let mut answer = self.send(Method::GET, &url, &scope, &[], None)?;
        if !answer.status().is_success() {
            return Err(self.refused(&Method::GET, &url, &mut answer));
        }
        let bytes = self.read(&url, &mut answer, limit)?;
        self.check(&url, digest, &bytes)?;
        Ok(bytes)
    }

    /// `DELETE /v2/<repository>/manifests/<reference>`: by digest, the manifest and every
    /// tag of the repository on it; by tag, the tag alone where the registry allows it.
    pub fn delete_manifest(&self, repository: &str, reference: &str) -> Result<()> {
        let url = self.url(&format!("{repository}/manifests/{reference}"));
        let scope = Scope::Delete(repository.to_string());
        let mut answer = self.send(Method::DELETE, &url, &scope, &[], None)?;
        if answer.status() != StatusCode::ACCEPTED && !answer.status().is_success() {
            return Err(self.refused(&Method::DELETE, &url, &mut answer));
        }
        Ok(())
    }

    /// Whether the registry deletes a tag on its own: a DELETE of a tag no repository has
    /// tells (distribution 2.8 answers 400 `DIGEST_INVALID`, Docker Hub 405; a registry
    /// that does answers 404 for a missing tag). `Err` holds the registry's words.
    pub fn deletes_tags(&self, repository: &str) -> std::result::Result<(), String> {
        let url = self.url(&format!("{repository}/manifests/cairn-no-such-tag-probe"));
        let scope = Scope::Delete(repository.to_string());
        let mut answer = self
            .send(Method::DELETE, &url, &scope, &[], None)
            .map_err(|e| e.to_string())?;
        match answer.status() {
            StatusCode::NOT_FOUND => Ok(()),
            _ => Err(self.refused(&Method::DELETE, &url, &mut answer).to_string()),
        }
    }

    /// `PUT /v2/<repository>/manifests/<reference>` of `manifest`'s bytes as they are, so
    /// that the digest stays the same; the registry's digest must be the manifest's.
    pub fn put_manifest(
        &self,
        repository: &str,
        reference: &str,
        manifest: &Manifest,
    ) -> Result<()> {
        let url = self.url(&format!("{repository}/manifests/{reference}"));
        let scope = Scope::Push(repository.to_string());
        let headers = [("Content-Type", manifest.media_type.as_str())];
        let mut answer = self.send(Method::PUT, &url, &scope, &headers, Some(&manifest.bytes))?;
        if !answer.status().is_success() {
            return Err(self.refused(&Method::PUT, &url, &mut answer));
        }
        match header(&answer, "docker-content-digest") {
            Some(digest) if digest != manifest.digest.as_str() => Err(self.failed(
                &Method::PUT,
                &url,
                format!(
                    "the registry stored it as {}, not {}",
                    visible(&digest),
                    manifest.digest
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Mounts a blob of repository `from` into `repository` (`POST .../blobs/uploads/?mount=
    /// &from=`), so that a manifest can be put there without copying the blob. A registry
    /// that starts an upload instead (202) did not mount it: the upload is cancelled and
    /// that is an error.
    pub fn mount_blob(&self, repository: &str, digest: &Digest, from: &str) -> Result<()> {
        let url = self.url(&format!(
            "{repository}/blobs/uploads/?mount={digest}&from={}",
            query(from)
        ));
        let scope = Scope::Mount {
            to: repository.to_string(),
            from: from.to_string(),
        };
        let mut answer = self.send(Method::POST, &url, &scope, &[], Some(&[]))?;
        if answer.status() == StatusCode::CREATED {
            return Ok(());
        }
        if answer.status() == StatusCode::ACCEPTED {
            if let Some(location) = header(&answer, "location") {
                let upload = self.resolve(&location);
                let _ = self.send(Method::DELETE, &upload, &scope, &[], None);
            }
            return Err(self.failed(
                &Method::POST,
                &url,
                format!("the registry did not mount {digest} from {from}"),
            ));
        }
        Err(self.refused(&Method::POST, &url, &mut answer))
    }

    /// The registry sent other bytes than the digest names: never used, always said.
    fn check(&self, url: &str, digest: &Digest, bytes: &[u8]) -> Result<()> {
        let mut hasher = digest.hasher();
        hasher.update(bytes);
        let got = hasher.finish();
        if got != digest.hex() {
            return Err(StoreError::Daemon {
                host: self.host.clone(),
                message: format!(
                    "GET {}: the registry answered with bytes whose digest is {}:{got}, not {digest}: refused",
                    visible(url),
                    digest.algorithm()
                ),
            });
        }
        Ok(())
    }
}

/// The transport failed (no HTTP answer at all), as opposed to an answer cairn dislikes.
struct Transport(String);

/// How long a `Retry-After` asks to wait at `now`: delay-seconds or an HTTP date (RFC 9110).
fn retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    Some(Duration::try_from(date.duration_since(now)).unwrap_or(Duration::ZERO))
}

/// The challenges of a 401 (`WWW-Authenticate`, one header each).
fn challenges(answer: &Response<Body>) -> impl Iterator<Item = &str> {
    answer
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
}

/// The first challenge of a 401 that cairn can answer.
fn challenge_of(answer: &Response<Body>) -> Option<Challenge> {
    challenges(answer).find_map(parse_challenge)
}

/// What the bearer challenge of a 401 says of the token that was sent.
fn refusal_of(answer: &Response<Body>) -> Option<BearerRefusal> {
    challenges(answer).find_map(parse_refusal)
}

/// A tag's failed answer, said as that tag's problem.
fn tag_refused(method: &Method, url: &str, status: StatusCode) -> String {
    format!("the registry answers {status} to {method} {}", visible(url))
}

/// A header's value as text, if it is there and is text.
pub fn header(answer: &Response<Body>, name: &str) -> Option<String> {
    answer
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string())
        .filter(|v| !v.is_empty())
}

fn read_limited(answer: &mut Response<Body>, limit: u64) -> std::result::Result<Vec<u8>, String> {
    answer
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => {
                format!("the answer is bigger than the {limit} bytes cairn reads of it: refused")
            }
            other => other.to_string(),
        })
}

/// `: CODE: message` from a registry's error body, or nothing when it has none.
fn read_error(answer: &mut Response<Body>) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<RegistryError>,
    }
    #[derive(serde::Deserialize)]
    struct RegistryError {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let Ok(bytes) = read_limited(answer, ERROR_LIMIT) else {
        return String::new();
    };
    let Ok(parsed) = serde_json::from_slice::<Errors>(&bytes) else {
        return String::new();
    };
    parsed
        .errors
        .iter()
        .map(|e| format!(": {}: {}", visible(&e.code), visible(&e.message)))
        .collect()
}

/// The `rel="next"` target of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
        next.then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

/// Percent-encodes a query value.
fn query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_give_the_next_page() {
        assert_eq!(
            next_link(r#"</v2/_catalog?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(
            next_link(r#"<https://x/a>; rel="prev", <https://x/b>; rel="next""#).as_deref(),
            Some("https://x/b")
        );
        assert_eq!(next_link(r#"</a>; rel="prev""#), None);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let now: jiff::Timestamp = "2026-11-29T23:00:00Z".parse().unwrap();
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Sun, 29 Nov 2026 23:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            retry_after("Sun, 29 Nov 2026 22:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date gone by asks for no wait"
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn scopes_name_the_access_each_call_needs() {
        assert_eq!(Scope::Catalog.text(), "registry:catalog:*");
        assert_eq!(Scope::Pull("a/b".into()).text(), "repository:a/b:pull");
        assert_eq!(Scope::Push("a".into()).text(), "repository:a:pull,push");
        assert_eq!(Scope::Delete("a".into()).text(), "repository:a:delete");
        assert_eq!(
            Scope::Mount {
                to: "a".into(),
                from: "b/c".into()
            }
            .texts(),
            ["repository:a:pull,push", "repository:b/c:pull"]
        );
        assert_eq!(
            query("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
    }
}
