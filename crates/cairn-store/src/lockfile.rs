//! containers/storage's lock files: POSIX record locks (`fcntl`, not `flock`, which would not
//! exclude podman) on a file whose content is a "last write" token that every writer renews.

use crate::error::{Result, StoreError};
use anyhow::Context;
use rustix::fs::{FlockOperation, fcntl_lock};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Size of the token containers/storage writes into a lock file.
pub const TOKEN_LEN: usize = 64;

/// One lock file, kept open for the life of the value: closing any descriptor of the file
/// would drop every POSIX lock this process holds on it.
#[derive(Debug)]
pub struct LockFile {
    file: File,
    path: PathBuf,
}

/// The "last write" token of a lock file; an empty file has an empty token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Token(pub Vec<u8>);

impl LockFile {
    /// Opens an existing lock file without creating it: reading a store must not write to it.
    /// Returns `None` when the file does not exist (a store no tool has locked yet).
    pub fn open_existing(path: &Path) -> Result<Option<Self>> {
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .or_else(|e| match e.kind() {
                // Read-only image stores may be on read-only media: a read lock needs no write access.
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => File::open(path),
                _ => Err(e),
            });
        match opened {
            Ok(file) => Ok(Some(LockFile {
                file,
                path: path.to_path_buf(),
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io("opening lock file", path, e)),
        }
    }

    /// Opens a lock file to write under, creating it as containers/storage would.
    pub fn open_for_writing(path: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| StoreError::io("opening lock file", path, e))?;
        Ok(LockFile {
            file,
            path: path.to_path_buf(),
        })
    }

    /// A lock file the store opened its own way (an OCI layout opens it without following
    /// links).
    pub fn from_file(file: File, path: &Path) -> Self {
        LockFile {
            file,
            path: path.to_path_buf(),
        }
    }

    /// Waits for an exclusive lock, as podman's writers take it.
    pub fn write(&self) -> Result<LockGuard<'_>> {
        fcntl_lock(&self.file, FlockOperation::LockExclusive)
            .map_err(|e| StoreError::io("taking a write lock on", &self.path, e.into()))?;
        Ok(LockGuard { lock: self })
    }

    /// Records a write: a new token that every reader will see differs from the one it had.
    /// Layout of containers/storage's `lastwrite`: unix nanoseconds, a counter, the pid (all
    /// little-endian) and random bytes.
    pub fn touch(&self) -> Result<Token> {
        let previous = self.token()?;
        let counter = previous
            .0
            .get(8..16)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_le_bytes)
            .wrapping_add(1);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut token = Vec::with_capacity(TOKEN_LEN);
        token.extend_from_slice(&nanos.to_le_bytes());
        token.extend_from_slice(&counter.to_le_bytes());
        token.extend_from_slice(&std::process::id().to_le_bytes());
        let mut random = [0u8; TOKEN_LEN - 20];
        rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty())
            .context("reading random bytes for a lock token")?;
        token.extend_from_slice(&random);
        self.file
            .write_all_at(&token, 0)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| StoreError::io("writing lock file", &self.path, e))?;
        Ok(Token(token))
    }

    /// Waits for a shared lock, as podman's readers take it.
    pub fn read(&self) -> Result<LockGuard<'_>> {
        fcntl_lock(&self.file, FlockOperation::LockShared)
            .map_err(|e| StoreError::io("taking a read lock on", &self.path, e.into()))?;
        Ok(LockGuard { lock: self })
    }

    /// The current token, read without a lock.
    pub fn token(&self) -> Result<Token> {
        let mut buf = vec![0u8; TOKEN_LEN];
        let mut filled = 0;
        while filled < TOKEN_LEN {
            let n = self
                .file
                .read_at(&mut buf[filled..], filled as u64)
                .map_err(|e| StoreError::io("reading lock file", &self.path, e))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        Ok(Token(buf))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Holds a lock until dropped.
#[derive(Debug)]
pub struct LockGuard<'a> {
    lock: &'a LockFile,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // Unlocking a lock we hold cannot fail in a way we could act on.
        let _ = fcntl_lock(&self.lock.file, FlockOperation::Unlock);
    }
}
