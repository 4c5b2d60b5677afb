//! Whom cairn trusts when it speaks TLS to a registry, as podman decides it
//! (containers/image `pkg/tlsclientconfig`): the system's CA bundle, plus the `*.crt` CA files
//! and the `*.cert`/`*.key` client pair in `--cert-dir` or, without it, the registry's folder
//! under `/etc/containers/certs.d`, `/etc/docker/certs.d` and `~/.config/containers/certs.d`.
//! `--tls-verify=false` trusts anything (and allows plain HTTP, decided by the client).

use crate::error::{Result, StoreError};
use crate::regular_file;
use anyhow::anyhow;
use std::path::{Path, PathBuf};
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

/// A CA file or key is small; anything bigger is not one.
const PEM_LIMIT: u64 = 4 << 20;

/// Where Go (and so podman) finds the system's CA bundle on Linux, in its order.
const SYSTEM_BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The folders whose certificates apply to `host` (`HOST[:PORT]`): `cert_dir` alone when the
/// user gave one, else podman's certs.d folders for the host.
pub fn cert_dirs(host: &str, cert_dir: Option<&Path>, home: Option<&Path>) -> Vec<PathBuf> {
    if let Some(dir) = cert_dir {
        return vec![dir.to_path_buf()];
    }
    let mut dirs = Vec::new();
    if let Some(home) = home {
        dirs.push(home.join(".config/containers/certs.d").join(host));
    }
    dirs.push(Path::new("/etc/containers/certs.d").join(host));
    dirs.push(Path::new("/etc/docker/certs.d").join(host));
    dirs
}

/// The TLS settings for one registry: verification off, or the system's roots plus those
/// the certificate folders add, and a client certificate if one is there.
pub fn config(verify: bool, dirs: &[PathBuf]) -> Result<TlsConfig> {
    let builder = TlsConfig::builder();
    if !verify {
        return Ok(builder.disable_verification(true).build());
    }
    let mut extra: Vec<Certificate<'static>> = Vec::new();
    let mut client: Option<ClientCert> = None;
    for dir in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::io("reading", dir, e)),
        };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        names.sort();
        for path in &names {
            match path.extension().and_then(|e| e.to_str()) {
                Some("crt") => extra.extend(certificates(path)?),
                Some("cert") if client.is_none() => {
                    let key = path.with_extension("key");
                    let chain = certificates(path)?;
                    let key = private_key(&key)?;
                    client = Some(ClientCert::new_with_certs(&chain, key));
                }
                _ => {}
            }
        }
    }
    let roots = match system_bundle()? {
        Some(mut system) => {
            system.extend(extra);
            RootCerts::from(system)
        }
        None if extra.is_empty() => RootCerts::WebPki,
        None => RootCerts::from(extra),
    };
    Ok(builder.root_certs(roots).client_cert(client).build())
}

/// The system's CA bundle (`SSL_CERT_FILE` first, as Go reads it), if the machine has one.
fn system_bundle() -> Result<Option<Vec<Certificate<'static>>>> {
    let named = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    for path in named
        .into_iter()
        .chain(SYSTEM_BUNDLES.iter().map(PathBuf::from))
    {
        if path.exists() {
            return certificates(&path).map(Some);
        }
    }
    Ok(None)
}

fn read_pem(path: &Path) -> Result<Vec<PemItem<'static>>> {
    let bytes = regular_file::read(path, PEM_LIMIT)?.ok_or_else(|| StoreError::NotFound {
        what: "certificate file",
        path: path.to_path_buf(),
    })?;
    ureq::tls::parse_pem(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::parse(path.display(), path, e))
}

/// The certificates of a PEM file; one without any is an error naming it.
fn certificates(path: &Path) -> Result<Vec<Certificate<'static>>> {
    let found: Vec<Certificate<'static>> = read_pem(path)?
        .into_iter()
        .filter_map(|item| match item {
            PemItem::Certificate(cert) => Some(cert),
            _ => None,
        })
        .collect();
    if found.is_empty() {
        return Err(StoreError::Other(anyhow!(
            "{} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(found)
}

fn private_key(path: &Path) -> Result<PrivateKey<'static>> {
    read_pem(path)?
        .into_iter()
        .find_map(|item| match item {
            PemItem::PrivateKey(key) => Some(key),
            _ => None,
        })
        .ok_or_else(|| {
            StoreError::Other(anyhow!(
                "{} holds no PEM private key (a client certificate needs one)",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cert_dir_replaces_the_certs_d_folders() {
        let home = Path::new("/home/u");
        assert_eq!(
            cert_dirs("reg:5000", None, Some(home)),
            [
                PathBuf::from("/home/u/.config/containers/certs.d/reg:5000"),
                PathBuf::from("/etc/containers/certs.d/reg:5000"),
                PathBuf::from("/etc/docker/certs.d/reg:5000"),
            ]
        );
        assert_eq!(
            cert_dirs("reg:5000", Some(Path::new("/c")), Some(home)),
            [PathBuf::from("/c")]
        );
    }

    #[test]
    fn a_crt_file_without_a_certificate_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.crt");
        std::fs::write(&path, "not a certificate").unwrap();
        let error = config(true, &[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ca.crt"), "{error}");
        assert!(config(false, &[dir.path().to_path_buf()]).is_ok());
    }
}
