//! The one error type of the store crate. Callers (the commands, the browser's worker) act on
//! what went wrong, not on its wording: a store that changed under a preview is offered a new
//! plan, a read-only store is said to be so. The wording is kept exactly as podman's and
//! docker's users see it; the conformance tests compare it byte for byte.

use std::path::{Path, PathBuf};

/// What went wrong with a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The plan made again under the store's lock differs from the preview the user saw, so
    /// nothing was done: the caller shows the new plan.
    #[error(
        "the store changed since the preview: nothing was changed; look at the new plan and try again"
    )]
    Changed,
    /// The store is read, never written: archives, the bundled demo.
    #[error("{store} is read-only: {why}")]
    ReadOnly { store: String, why: &'static str },
    /// The store the user named is not there.
    #[error("{what} {} does not exist", path.display())]
    NotFound { what: &'static str, path: PathBuf },
    /// A file of the store could not be read or written.
    #[error("{context}")]
    Io {
        /// What cairn was doing, path included, as the message's first part.
        context: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file of the store is not what its format says it is.
    #[error("{context}")]
    Parse {
        /// What cairn was parsing, path included, as the message's first part.
        context: String,
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A daemon that owns the store (the Docker Engine) failed or refused; the message holds
    /// the daemon's own words.
    #[error("{message}")]
    Daemon { host: String, message: String },
    /// The store or this build of cairn cannot do what was asked.
    #[error("{0}")]
    Unsupported(String),
    /// Anything else, worded where it happened.
    #[error(transparent)]
    Other(anyhow::Error),
}

/// The store crate's results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// `action` on `path` failed: the message reads "`action` `path`: the system's reason".
    pub fn io(action: &str, path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            context: format!("{action} {}", path.display()),
            path: path.to_path_buf(),
            source,
        }
    }

    /// Parsing `path` failed: the message reads "parsing `what`: the parser's reason", where
    /// `what` names the file as the user knows it (often just its path).
    pub fn parse(
        what: impl std::fmt::Display,
        path: &Path,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError::Parse {
            context: format!("parsing {what}"),
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    }

    /// A daemon or registry stopped a change at step `done + 1` of `total` for `what`: the
    /// message says which steps before it were applied, so the user knows where things are.
    pub fn stopped(host: &str, done: usize, total: usize, what: &str) -> Self {
        let note = match done {
            0 => "nothing was changed".to_string(),
            n => format!("the {n} step(s) before it were applied"),
        };
        StoreError::Daemon {
            host: host.to_string(),
            message: format!("step {} of {total}: {what}; {note}", done + 1),
        }
    }

    /// The path the error is about, when it is about one file or folder.
    pub fn path(&self) -> Option<&Path> {
        match self {
            StoreError::NotFound { path, .. }
            | StoreError::Io { path, .. }
            | StoreError::Parse { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Backends build their messages with `anyhow` context where a chain of causes helps; a
/// `StoreError` raised inside keeps its variant as long as nothing was said on top of it.
impl From<anyhow::Error> for StoreError {
    fn from(error: anyhow::Error) -> Self {
        if (*error).is::<StoreError>() {
            match error.downcast::<StoreError>() {
                Ok(store) => store,
                Err(error) => StoreError::Other(error),
            }
        } else {
            StoreError::Other(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_store_error_inside_anyhow_keeps_its_variant() {
        let error: StoreError = anyhow::Error::from(StoreError::Changed).into();
        assert!(matches!(error, StoreError::Changed));
    }

    #[test]
    fn a_store_error_with_more_said_on_top_keeps_the_whole_message() {
        let wrapped = Err::<(), _>(StoreError::Changed)
            .context("step 2 of 3")
            .unwrap_err();
        let error: StoreError = wrapped.into();
        assert!(matches!(error, StoreError::Other(_)));
        assert_eq!(
            format!("{:#}", anyhow::Error::from(error)),
            "step 2 of 3: the store changed since the preview: nothing was changed; look at the new plan and try again"
        );
    }

    #[test]
    fn io_and_parse_errors_read_as_anyhow_context_did() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let error = StoreError::io("reading", Path::new("/s/images.json"), missing);
        assert_eq!(error.path(), Some(Path::new("/s/images.json")));
        assert_eq!(
            format!("{:#}", anyhow::Error::from(error)),
            "reading /s/images.json: entity not found"
        );
        let bad = serde_json::from_str::<u8>("x").unwrap_err();
        let error = StoreError::parse("/s/layers.json", Path::new("/s/layers.json"), bad);
        assert_eq!(error.path(), Some(Path::new("/s/layers.json")));
        assert_eq!(
            format!("{:#}", anyhow::Error::from(error)),
            "parsing /s/layers.json: expected value at line 1 column 1"
        );
    }
}
