//! Writing a file so that a reader (or a crash) sees the old content or the new, never half:
//! a temporary file in the same folder, written, synced, given its mode, renamed over, and
//! the folder synced. Every backend that rewrites a file of its store goes through here.

use anyhow::{Context, Result};
use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The mode containers/storage gives its own files (`AtomicWriteFile`).
pub const PODMAN_MODE: u32 = 0o600;

/// The mode skopeo and umoci leave an OCI layout's files with: readable by all.
pub const LAYOUT_MODE: u32 = 0o644;

/// Replaces `path` with `data` atomically, as containers/storage's `AtomicWriteFile` does,
/// leaving the file with `mode` (the store's own tools' mode, so that they read it as theirs).
pub fn write_file(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    let dir = path
        .parent()
        .with_context(|| format!("{} has no parent folder", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".tmp-{name}"))
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(data)
        .and_then(|()| tmp.as_file().sync_data())
        .and_then(|()| tmp.as_file().set_permissions(Permissions::from_mode(mode)))
        .with_context(|| format!("writing {}", tmp.path().display()))?;
    tmp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    // The rename is durable only once the folder itself is synced.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("images.json");
        std::fs::write(&target, b"old").unwrap();
        write_file(&target, b"[]", PODMAN_MODE).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"[]");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_layout_file_stays_readable_by_all() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("index.json");
        write_file(&target, b"{}", LAYOUT_MODE).unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
}
