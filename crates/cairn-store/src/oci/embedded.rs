//! The demo layout compiled into the binary, so that an installed cairn can show it on a
//! machine with no image store and no source tree.

use super::blobs::{BlobCheck, BlobSource, METADATA_LIMIT};
use crate::atomic::LAYOUT_MODE;
use crate::contents::blob::BlobRead;
use crate::digest::Digest;
use anyhow::{Result, anyhow, bail};
use include_dir::{Dir, DirEntry, include_dir};
use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../assets/demo");

/// The bundled demo (`assets/demo`, made by `scripts/make-demo.sh`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedDemo;

impl EmbeddedDemo {
    fn blob(&self, digest: &Digest) -> Option<&'static [u8]> {
        DEMO.get_file(digest.blob_path())
            .map(include_dir::File::contents)
    }
}

/// Writes every file of the bundled demo under `root` (an empty folder), each synced and
/// readable by all as skopeo and umoci leave a layout's files, so that a rename of `root`
/// afterwards publishes a complete layout (see [`crate::demo`]).
pub(crate) fn write_to(root: &Path) -> Result<()> {
    fn write_dir(dir: &Dir<'static>, root: &Path) -> Result<()> {
        for entry in dir.entries() {
            let path = root.join(entry.path());
            match entry {
                DirEntry::Dir(sub) => {
                    std::fs::create_dir(&path)
                        .map_err(|e| anyhow!("creating {}: {e}", path.display()))?;
                    write_dir(sub, root)?;
                    File::open(&path)
                        .and_then(|d| d.sync_all())
                        .map_err(|e| anyhow!("syncing {}: {e}", path.display()))?;
                }
                DirEntry::File(file) => {
                    let mut out = File::create(&path)
                        .map_err(|e| anyhow!("creating {}: {e}", path.display()))?;
                    out.write_all(file.contents())
                        .and_then(|()| out.set_permissions(Permissions::from_mode(LAYOUT_MODE)))
                        .and_then(|()| out.sync_all())
                        .map_err(|e| anyhow!("writing {}: {e}", path.display()))?;
                }
            }
        }
        Ok(())
    }
    write_dir(&DEMO, root)
}

impl BlobSource for EmbeddedDemo {
    fn index(&self) -> Result<Vec<u8>> {
        DEMO.get_file("index.json")
            .map(|f| f.contents().to_vec())
            .ok_or_else(|| anyhow!("the bundled demo has no index.json"))
    }

    fn read(&self, digest: &Digest) -> Result<Vec<u8>> {
        let bytes = self
            .blob(digest)
            .ok_or_else(|| anyhow!("blob {digest} is missing from {}", self.describe()))?;
        if bytes.len() as u64 > METADATA_LIMIT {
            bail!("blob {digest} is too big for a manifest or config");
        }
        Ok(bytes.to_vec())
    }

    fn size(&self, digest: &Digest) -> Result<Option<u64>> {
        Ok(self.blob(digest).map(|b| b.len() as u64))
    }

    fn describe(&self) -> String {
        "the bundled demo".into()
    }

    fn open_blob(&self, digest: &Digest) -> Result<Option<(Box<dyn BlobRead + '_>, u64)>> {
        Ok(self.blob(digest).map(|bytes| {
            let blob: Box<dyn BlobRead> = Box::new(std::io::Cursor::new(bytes));
            (blob, bytes.len() as u64)
        }))
    }

    fn check_contents(&self) -> Result<Vec<BlobCheck>> {
        let mut checks = Vec::new();
        let Some(blobs) = DEMO.get_dir("blobs") else {
            return Ok(checks);
        };
        for alg in blobs.dirs() {
            for file in alg.files() {
                let name = file.path().to_string_lossy().replacen("blobs/", "", 1);
                let name = name.replacen('/', ":", 1);
                let actual = Digest::parse(&name).ok().map(|digest| {
                    let mut hasher = digest.hasher();
                    hasher.update(file.contents());
                    format!("{}:{}", digest.algorithm(), hasher.finish())
                });
                checks.push(BlobCheck {
                    name,
                    size: file.contents().len() as u64,
                    actual,
                });
            }
        }
        checks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(checks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_blob_matches_its_name() {
        let checks = EmbeddedDemo.check_contents().unwrap();
        assert!(checks.len() > 10, "the demo has its blobs: {checks:?}");
        for check in checks {
            assert_eq!(Some(&check.name), check.actual.as_ref(), "{check:?}");
        }
    }
}
