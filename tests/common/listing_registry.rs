//! A registry's listing endpoints as two kinds of registry answer them that Debian's
//! docker-registry cannot be set up to: one that caps its catalog (a full page, no `Link`,
//! and `last=` answered with the same page again) and one that refuses the catalog after its
//! first page. It answers `/v2/`, `/v2/_catalog` and every repository's empty tag list on
//! 127.0.0.1 (a port the kernel picks), one thread per connection, until dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How the catalog is answered.
#[derive(Debug, Clone, Copy)]
pub enum Catalog {
    /// This many repositories, whatever is asked, never a `Link`.
    Capped(usize),
    /// This many repositories and a `Link` to more, which is refused (403).
    RefusedAfter(usize),
}

pub struct ListingRegistry {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    stop: Arc<AtomicBool>,
}

impl ListingRegistry {
    pub fn start(catalog: Catalog) -> Self {
        Self::start_at("127.0.0.1:0", catalog)
    }

    /// Serves on `addr` (`127.0.0.1:PORT`): again where one was dropped, for a registry
    /// that comes back.
    pub fn start_at(addr: &str, catalog: Catalog) -> Self {
        let listener = TcpListener::bind(addr).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                if let Ok(stream) = stream {
                    std::thread::spawn(move || answer(stream, catalog));
                }
            }
        });
        ListingRegistry { addr, stop }
    }

    /// The repository names the catalog holds.
    pub fn name(i: usize) -> String {
        format!("repo{i:04}")
    }
}

impl Drop for ListingRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

fn answer(stream: TcpStream, catalog: Catalog) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    // A TLS hello is no request line: the client then falls back to plain HTTP.
    if reader.read_line(&mut request).is_err() || !request.starts_with("GET ") {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
    }
    let target = request.split(' ').nth(1).unwrap_or("/").to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let asked_more = query.split('&').any(|p| p.starts_with("last="));
    let names = |n: usize| -> String {
        let quoted: Vec<String> = (0..n)
            .map(|i| format!("\"{}\"", ListingRegistry::name(i)))
            .collect();
        quoted.join(",")
    };
    let (status, link, body) = match (path, catalog) {
        ("/v2/", _) => ("200 OK", None, "{}".to_string()),
        ("/v2/_catalog", Catalog::Capped(n)) => (
            "200 OK",
            None,
            format!("{{\"repositories\":[{}]}}", names(n)),
        ),
        ("/v2/_catalog", Catalog::RefusedAfter(_)) if asked_more => (
            "403 Forbidden",
            None,
            r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#
                .to_string(),
        ),
        ("/v2/_catalog", Catalog::RefusedAfter(n)) => (
            "200 OK",
            Some(format!(
                "</v2/_catalog?last={}&n={n}>; rel=\"next\"",
                ListingRegistry::name(n - 1)
            )),
            format!("{{\"repositories\":[{}]}}", names(n)),
        ),
        (path, _) if path.ends_with("/tags/list") => {
            let name = path
                .trim_start_matches("/v2/")
                .trim_end_matches("/tags/list");
            ("200 OK", None, format!("{{\"name\":\"{name}\",\"tags\":[]}}"))
        }
        _ => (
            "404 Not Found",
            None,
            r#"{"errors":[{"code":"NAME_UNKNOWN","message":"not here"}]}"#.to_string(),
        ),
    };
    let link = link.map(|l| format!("Link: {l}\r\n")).unwrap_or_default();
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nDocker-Distribution-Api-Version: registry/2.0\r\n{link}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
