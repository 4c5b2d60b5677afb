//! Where an OCI image's blobs come from: a layout folder, or an archive read into memory.
//! The reader and `cairn verify` see both through [`BlobSource`].

use crate::digest::Digest;
use crate::error::StoreError;
use anyhow::{Context, Result, anyhow, bail};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

/// Manifests, indexes and configs are a few kilobytes; a descriptor that names a layer as its
/// config must not make cairn read gigabytes.
pub const METADATA_LIMIT: u64 = 16 << 20;

/// The blobs of one layout, and its `index.json`.
pub trait BlobSource: Sync {
    /// The raw `index.json`.
    fn index(&self) -> Result<Vec<u8>>;
    /// A metadata blob (manifest, index, config), at most [`METADATA_LIMIT`] bytes.
    fn read(&self, digest: &Digest) -> Result<Vec<u8>>;
    /// The blob's size, `None` when it is not there.
    fn size(&self, digest: &Digest) -> Result<Option<u64>>;
    /// Where the blobs are, for messages.
    fn describe(&self) -> String;
    /// Every blob there is, hashed: what `cairn verify` compares with the blobs' names.
    fn check_contents(&self) -> Result<Vec<BlobCheck>>;
}

/// One blob as found: its name (`<alg>:<file name>`), its size, and the digest of its
/// content (`None` when the name's algorithm cannot be computed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobCheck {
    pub name: String,
    pub size: u64,
    pub actual: Option<String>,
}

/// An OCI image layout folder.
#[derive(Debug, Clone)]
pub struct LayoutDir {
    pub root: PathBuf,
}

impl LayoutDir {
    /// Opens a layout: `oci-layout` and `index.json` must be there, so that a wrong path says
    /// so instead of showing an empty store.
    pub fn open(root: &Path) -> Result<Self> {
        if !root.is_dir() {
            return Err(StoreError::NotFound {
                what: "OCI layout",
                path: root.to_path_buf(),
            }
            .into());
        }
        for file in ["oci-layout", "index.json"] {
            if !root.join(file).is_file() {
                bail!(
                    "{} is not an OCI image layout: it has no {file}",
                    root.display()
                );
            }
        }
        Ok(LayoutDir {
            root: root.to_path_buf(),
        })
    }

    /// The blob's file, refused when a symbolic link takes it out of the layout: a digest
    /// is validated before it gets here, and the link check covers `blobs/` and
    /// `blobs/<alg>/` being links too.
    pub fn blob_path(&self, digest: &Digest) -> Result<Option<PathBuf>> {
        let path = self.root.join(digest.blob_path());
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("resolving {}", path.display())),
        };
        let root = self
            .root
            .canonicalize()
            .with_context(|| format!("resolving {}", self.root.display()))?;
        if !real.starts_with(&root) {
            bail!(
                "blob {digest} is a link to {}, outside the layout {}: refused",
                real.display(),
                self.root.display()
            );
        }
        Ok(Some(path))
    }

    /// Every file under `blobs/<alg>/`, as (digest text, size), in name order; names that
    /// are not valid digests are listed too, so that `verify` can report them.
    pub fn list_blobs(&self) -> Result<Vec<(String, u64)>> {
        let blobs = self.root.join("blobs");
        let mut found = Vec::new();
        let algs = match std::fs::read_dir(&blobs) {
            Ok(algs) => algs,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(found),
            Err(e) => return Err(e).with_context(|| format!("listing {}", blobs.display())),
        };
        for alg in algs {
            let alg = alg.with_context(|| format!("listing {}", blobs.display()))?;
            if !alg.file_type()?.is_dir() {
                continue;
            }
            let alg_name = alg.file_name().to_string_lossy().into_owned();
            for blob in std::fs::read_dir(alg.path())? {
                let blob = blob?;
                let meta = blob.metadata()?;
                if meta.is_file() {
                    let name = blob.file_name().to_string_lossy().into_owned();
                    found.push((format!("{alg_name}:{name}"), meta.len()));
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

impl BlobSource for LayoutDir {
    fn index(&self) -> Result<Vec<u8>> {
        let path = self.root.join("index.json");
        std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
    }

    fn read(&self, digest: &Digest) -> Result<Vec<u8>> {
        let path = self
            .blob_path(digest)?
            .ok_or_else(|| anyhow!("blob {digest} is missing from {}", self.describe()))?;
        let file =
            std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut bytes = Vec::new();
        file.take(METADATA_LIMIT + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {}", path.display()))?;
        if bytes.len() as u64 > METADATA_LIMIT {
            bail!("blob {digest} is too big for a manifest or config");
        }
        Ok(bytes)
    }

    fn size(&self, digest: &Digest) -> Result<Option<u64>> {
        match self.blob_path(digest)? {
            None => Ok(None),
            Some(path) => Ok(Some(
                std::fs::metadata(&path)
                    .with_context(|| format!("reading {}", path.display()))?
                    .len(),
            )),
        }
    }

    fn describe(&self) -> String {
        format!("the layout {}", self.root.display())
    }

    fn check_contents(&self) -> Result<Vec<BlobCheck>> {
        self.list_blobs()?
            .into_iter()
            .map(|(name, size)| {
                let Ok(digest) = Digest::parse(&name) else {
                    return Ok(BlobCheck {
                        name,
                        size,
                        actual: None,
                    });
                };
                let Some(path) = self.blob_path(&digest)? else {
                    return Ok(BlobCheck {
                        name,
                        size,
                        actual: None,
                    });
                };
                let mut file = std::fs::File::open(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let mut hasher = digest.hasher();
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let n = file
                        .read(&mut buf)
                        .with_context(|| format!("reading {}", path.display()))?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
                let actual = Some(format!("{}:{}", digest.algorithm(), hasher.finish()));
                Ok(BlobCheck { name, size, actual })
            })
            .collect()
    }
}
