//! Where an OCI image's blobs come from: a layout folder, or an archive read into memory.
//! The reader and `cairn verify` see both through [`BlobSource`].

use super::confined::Confined;
use crate::contents::blob::BlobRead;
use crate::digest::Digest;
use crate::error::StoreError;
use crate::lockfile::LockFile;
use anyhow::{Context, Result, anyhow, bail};
use rustix::fs::FileType;
use std::io::Read;
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
    /// A blob of any size to stream (a layer, for its entries), with its size; `None` when
    /// it is not there.
    fn open_blob(&self, digest: &Digest) -> Result<Option<(Box<dyn BlobRead + '_>, u64)>> {
        bail!("{} cannot stream blob {digest}", self.describe())
    }
}

/// One blob as found: its name (`<alg>:<file name>`), its size, and the digest of its
/// content (`None` when the name's algorithm cannot be computed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobCheck {
    pub name: String,
    pub size: u64,
    pub actual: Option<String>,
}

/// The lock file cairn takes (fcntl, as for podman's stores) around a change: neither skopeo
/// nor umoci locks a layout, so this only keeps two cairns from interleaving.
pub const LOCK_FILE: &str = "index.json.lock";

/// An OCI image layout folder. Everything in it is reached through [`Confined`], so that
/// no link inside the layout makes cairn read or change a file outside it.
#[derive(Debug, Clone)]
pub struct LayoutDir {
    pub root: PathBuf,
    files: Confined,
}

/// `oci-layout` is one short JSON object.
const OCI_LAYOUT_LIMIT: u64 = 64 << 10;

/// The one layout version the image-spec defines; umoci and skopeo refuse any other.
pub const LAYOUT_VERSION: &str = "1.0.0";

/// Refuses a layout whose `oci-layout` is not JSON or names a version other than
/// [`LAYOUT_VERSION`], as `umoci` does: its files may mean something else, and a change
/// would rewrite them.
pub(crate) fn check_version(bytes: Option<&[u8]>, path: &str) -> Result<()> {
    let Some(bytes) = bytes else {
        bail!("{path} does not exist");
    };
    let parsed: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| anyhow!("{path} is not JSON ({e}): not an OCI image layout, refused"))?;
    match parsed.get("imageLayoutVersion").and_then(|v| v.as_str()) {
        Some(LAYOUT_VERSION) => Ok(()),
        Some(other) => bail!(
            "{path}: layout version {other:?} is not supported (cairn reads {LAYOUT_VERSION}): refused"
        ),
        None => bail!("{path} names no imageLayoutVersion: not an OCI image layout, refused"),
    }
}

/// `index.json` lists every image of the layout: far bigger than a manifest may be, but
/// still bounded, so that a hostile one cannot exhaust memory.
pub const INDEX_LIMIT: u64 = 256 << 20;

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
        let files = Confined::open(root)?;
        for file in ["oci-layout", "index.json"] {
            if files.kind(&[file])?.is_none() {
                bail!(
                    "{} is not an OCI image layout: it has no {file}",
                    root.display()
                );
            }
        }
        // An `oci-layout` that is a link is not followed: such a layout is shown, and
        // refused for changes (see `changeable_blobs`).
        if let Some((FileType::RegularFile, _)) = files.kind(&["oci-layout"])? {
            let version = files.read(&["oci-layout"], OCI_LAYOUT_LIMIT)?;
            check_version(version.as_deref(), &files.display(&["oci-layout"]))?;
        }
        Ok(LayoutDir {
            root: root.to_path_buf(),
            files,
        })
    }

    fn blob_parts(digest: &Digest) -> [&str; 3] {
        ["blobs", digest.algorithm(), digest.hex()]
    }

    /// Every regular file under `blobs/<alg>/`, as (digest text, size), in name order; names
    /// that are not valid digests are listed too, so that `verify` can report them. A link
    /// where `blobs/` or a `blobs/<alg>/` folder should be is refused: what is behind it is
    /// not the layout's. Links, folders and FIFOs among the blobs are no blobs and are left
    /// out (so no change ever deletes them).
    pub fn list_blobs(&self) -> Result<Vec<(String, u64)>> {
        let mut found = Vec::new();
        let Some(algs) = self.files.list(&["blobs"])? else {
            return Ok(found);
        };
        for alg in algs {
            match alg.kind {
                FileType::Directory => {}
                FileType::Symlink => bail!(self.files.not_regular(&["blobs", &alg.name], alg.kind)),
                _ => continue,
            }
            let blobs = self.files.list(&["blobs", &alg.name])?.unwrap_or_default();
            for blob in blobs {
                if blob.kind == FileType::RegularFile {
                    found.push((format!("{}:{}", alg.name, blob.name), blob.size));
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// The blobs a change may collect, once the layout is known to keep its files inside
    /// its folder: `index.json`, `oci-layout` and the lock file are plain files, and the
    /// blob folders are folders. Refused with the path that is not.
    pub fn changeable_blobs(&self) -> Result<Vec<(String, u64)>> {
        let refuse = |e: anyhow::Error| {
            anyhow!(
                "refusing to change the layout {}: {e:#}",
                self.root.display()
            )
        };
        for file in ["index.json", "oci-layout", LOCK_FILE] {
            match self.files.kind(&[file]).map_err(refuse)? {
                Some((kind, _)) if kind != FileType::RegularFile => {
                    return Err(refuse(anyhow!(self.files.not_regular(&[file], kind))));
                }
                _ => {}
            }
        }
        let links = self.files.hard_links(&[LOCK_FILE]).map_err(refuse)?;
        if links > 1 {
            return Err(refuse(anyhow!(self.files.hard_linked(&[LOCK_FILE], links))));
        }
        self.list_blobs().map_err(refuse)
    }

    /// The lock file to write under, created if need be; never a link.
    pub fn lock_for_writing(&self) -> Result<LockFile> {
        let file = self.files.open_lock(&[LOCK_FILE], true)?.with_context(|| {
            format!("{} could not be created", self.files.display(&[LOCK_FILE]))
        })?;
        Ok(LockFile::from_file(file, &self.root.join(LOCK_FILE)))
    }

    /// The lock file to read under, when a change has made one. One that is not a plain
    /// file is not used: the layout is then refused for changes anyway, and reading it
    /// would mean following a link.
    pub fn lock_for_reading(&self) -> Result<Option<LockFile>> {
        match self.files.kind(&[LOCK_FILE])? {
            Some((FileType::RegularFile, _)) => {}
            _ => return Ok(None),
        }
        Ok(self
            .files
            .open_lock(&[LOCK_FILE], false)?
            .map(|file| LockFile::from_file(file, &self.root.join(LOCK_FILE))))
    }

    /// Deletes a blob file, reached without following any link.
    pub fn remove_blob(&self, digest: &Digest) -> Result<()> {
        self.files.remove_file(&Self::blob_parts(digest))
    }
}

impl BlobSource for LayoutDir {
    fn index(&self) -> Result<Vec<u8>> {
        self.files
            .read(&["index.json"], INDEX_LIMIT)?
            .ok_or_else(|| anyhow!("{} has no index.json", self.root.display()))
    }

    fn read(&self, digest: &Digest) -> Result<Vec<u8>> {
        self.files
            .read(&Self::blob_parts(digest), METADATA_LIMIT)?
            .ok_or_else(|| anyhow!("blob {digest} is missing from {}", self.describe()))
    }

    fn size(&self, digest: &Digest) -> Result<Option<u64>> {
        let parts = Self::blob_parts(digest);
        match self.files.kind(&parts)? {
            None => Ok(None),
            Some((FileType::RegularFile, size)) => Ok(Some(size)),
            Some((kind, _)) => bail!(self.files.not_regular(&parts, kind)),
        }
    }

    fn describe(&self) -> String {
        format!("the layout {}", self.root.display())
    }

    fn open_blob(&self, digest: &Digest) -> Result<Option<(Box<dyn BlobRead + '_>, u64)>> {
        let Some(file) = self.files.open_file(&Self::blob_parts(digest))? else {
            return Ok(None);
        };
        let size = file
            .metadata()
            .with_context(|| format!("reading {}", self.files.display(&Self::blob_parts(digest))))?
            .len();
        Ok(Some((Box::new(file), size)))
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
                let parts = Self::blob_parts(&digest);
                let Some(mut file) = self.files.open_file(&parts)? else {
                    return Ok(BlobCheck {
                        name,
                        size,
                        actual: None,
                    });
                };
                let mut hasher = digest.hasher();
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let n = file
                        .read(&mut buf)
                        .with_context(|| format!("reading {}", self.files.display(&parts)))?;
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
