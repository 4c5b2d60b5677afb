//! A token server of the tests' own, for a real `docker-registry` configured with
//! `auth: token:` (see [`TokenServer::auth`]): it implements the Docker token spec
//! (`GET /token?service=&scope=...`, basic credentials checked, answering `token`,
//! `access_token`, `expires_in`, `issued_at`) and issues real JWTs, signed RS256 with
//! `openssl dgst` by a key whose self-signed certificate is the registry's `rootcertbundle`
//! and travels in the token's `x5c` header, as distribution's `registry/auth/token` checks.
//! It records every request (who, which scopes) so that tests check what cairn asks for.

use super::{ok, require};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

/// The issuer and service names the registry is configured with.
pub const ISSUER: &str = "cairn-test-issuer";
pub const SERVICE: &str = "cairn-test-registry";

/// What one user (or anyone, without credentials) is granted, on every repository.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// Of `pull`, `push`, `delete`.
    pub actions: Vec<&'static str>,
    /// `registry:catalog:*`.
    pub catalog: bool,
}

impl Grant {
    /// Everything.
    pub fn all() -> Self {
        Grant {
            actions: vec!["pull", "push", "delete"],
            catalog: true,
        }
    }

    /// Reading only.
    pub fn read() -> Self {
        Grant {
            actions: vec!["pull"],
            catalog: true,
        }
    }
}

/// Who gets what, and how long tokens last.
#[derive(Debug, Clone)]
pub struct Policy {
    /// User name to password and grant.
    pub users: BTreeMap<String, (String, Grant)>,
    /// What a request without credentials gets; `None`: it is refused (401).
    pub anonymous: Option<Grant>,
    /// `expires_in` of every token, in seconds.
    pub expires_in: u64,
    /// The first token for each set of scopes is issued already expired (its `exp` minutes
    /// past, beyond the registry's minute of leeway) while `expires_in` says it is good: the
    /// registry refuses it, as it refuses a token that expired while a client held it.
    pub first_expired: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            users: BTreeMap::new(),
            anonymous: None,
            expires_in: 300,
            first_expired: false,
        }
    }
}

/// One request the token server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The user of the basic credentials, `None` without any.
    pub user: Option<String>,
    /// The `scope` values, in the order asked.
    pub scopes: Vec<String>,
    /// The HTTP status answered.
    pub status: u16,
}

#[derive(Debug, Default)]
struct State {
    asked: Vec<Asked>,
    issued: BTreeSet<Vec<String>>,
}

/// A running token server. Dropping it stops it.
pub struct TokenServer {
    dir: tempfile::TempDir,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What a registry's config needs to trust a token server.
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub realm: String,
    pub rootcertbundle: PathBuf,
}

impl TokenServer {
    /// Makes the signing key and its certificate, and serves on a free loopback port.
    pub fn start(policy: Policy) -> Self {
        require("openssl");
        let dir = tempfile::Builder::new()
            .prefix("cairn-token")
            .tempdir()
            .unwrap();
        ok(
            Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=cairn test token issuer"])
                .args(["-keyout", "key.pem", "-out", "cert.pem"])
                .current_dir(dir.path())
                .output()
                .unwrap(),
            "openssl req (the token signing key)",
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let signer = Signer::new(dir.path());
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &policy, &signer, &state);
                    }
                }
            })
        };
        TokenServer {
            dir,
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// The registry's `auth: token:` for this server.
    pub fn auth(&self) -> TokenAuth {
        TokenAuth {
            realm: format!("http://{}/token", self.addr),
            rootcertbundle: self.dir.path().join("cert.pem"),
        }
    }

    /// Every request answered since the last call, in order, and forgets them.
    pub fn take(&self) -> Vec<Asked> {
        std::mem::take(&mut self.state.lock().unwrap().asked)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Signs with the key `openssl req` made; the certificate goes in `x5c`.
struct Signer {
    key: PathBuf,
    /// The certificate's DER, base64 (standard, as `x5c` wants it): the PEM's body.
    x5c: String,
}

impl Signer {
    fn new(dir: &Path) -> Self {
        let pem = std::fs::read_to_string(dir.join("cert.pem")).unwrap();
        let x5c = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect::<String>();
        Signer {
            key: dir.join("key.pem"),
            x5c,
        }
    }

    /// A compact JWS of `claims`, RS256.
    fn sign(&self, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&self.key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let signature = child.wait_with_output().unwrap();
        assert!(signature.status.success(), "openssl dgst -sign failed");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.stdout))
    }
}

/// Answers one request and closes the connection.
fn serve(stream: TcpStream, policy: &Policy, signer: &Signer, state: &Mutex<State>) {
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let mut basic = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("authorization")
        {
            basic = value
                .trim()
                .strip_prefix("Basic ")
                .and_then(|b| STANDARD.decode(b.trim()).ok())
                .and_then(|b| String::from_utf8(b).ok());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let scopes: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split(' ').map(String::from).collect::<Vec<_>>())
        .collect();
    let service = params.iter().find(|(k, _)| k == "service").map(|(_, v)| v);
    let credentials = basic.as_deref().and_then(|b| b.split_once(':'));
    let user = credentials.map(|(u, _)| u.to_string());
    let grant = match credentials {
        Some((name, password)) => policy
            .users
            .get(name)
            .filter(|(p, _)| p == password)
            .map(|(_, grant)| grant),
        None => policy.anonymous.as_ref(),
    };
    let (status, body) = match grant {
        _ if path != "/token" || service.map(String::as_str) != Some(SERVICE) => (
            400,
            r#"{"errors":[{"code":"BAD_REQUEST","message":"not a token request"}]}"#.to_string(),
        ),
        None => (
            401,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#.to_string(),
        ),
        Some(grant) => {
            let mut state = state.lock().unwrap();
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let expired = policy.first_expired && state.issued.insert(scopes.clone());
            let exp = if expired {
                now - 600
            } else {
                now + policy.expires_in as i64
            };
            let claims = serde_json::json!({
                "iss": ISSUER,
                "sub": user.clone().unwrap_or_default(),
                "aud": SERVICE,
                "exp": exp,
                "nbf": now - 10,
                "iat": now,
                "jti": format!("{}", state.asked.len()),
                "access": scopes.iter().filter_map(|s| granted(s, grant)).collect::<Vec<_>>(),
            });
            let token = signer.sign(&claims);
            let body = serde_json::json!({
                "token": token,
                "access_token": token,
                "expires_in": policy.expires_in,
                "issued_at": jiff::Timestamp::from_second(now).unwrap().to_string(),
            });
            drop(state);
            (200, body.to_string())
        }
    };
    state.lock().unwrap().asked.push(Asked {
        user,
        scopes,
        status,
    });
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        _ => "Bad Request",
    };
    let mut stream = &stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The `access` entry granted for one `type:name:actions` scope: the actions asked for that
/// the grant holds (possibly none, as token servers answer).
fn granted(scope: &str, grant: &Grant) -> Option<serde_json::Value> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    let allowed: Vec<&str> = actions
        .split(',')
        .filter(|action| match kind {
            "registry" => grant.catalog && name == "catalog",
            "repository" => grant.actions.contains(action),
            _ => false,
        })
        .collect();
    Some(serde_json::json!({"type": kind, "name": name, "actions": allowed}))
}

/// Percent-decoding of a query value (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
