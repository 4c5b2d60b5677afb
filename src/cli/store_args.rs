//! The global store flags, podman's own, parsed by clap and handed to the store crate as a
//! plain [`Selection`], so that the store crate knows nothing of the command line.

use cairn_store::Selection;
use std::path::PathBuf;

/// The global store flags, shared by every command.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Store options")]
pub struct StoreArgs {
    /// containers-storage graph root, as podman's --root
    #[arg(long, global = true, value_name = "PATH")]
    pub root: Option<PathBuf>,
    /// containers-storage run root, as podman's --runroot
    #[arg(long, global = true, value_name = "PATH")]
    pub runroot: Option<PathBuf>,
    /// containers-storage driver (overlay, vfs, ...), as podman's --storage-driver
    #[arg(long, global = true, value_name = "NAME")]
    pub storage_driver: Option<String>,
    /// the store to open: containers-storage[:ROOT], oci:DIR, oci-archive:FILE,
    /// docker-archive:FILE, docker[:HOST] (the Docker Engine; HOST as DOCKER_HOST),
    /// registry:HOST[:PORT][/REPOSITORY] (a registry over its API), registry-storage:DIR (a
    /// registry's storage folder, read-only) or demo (a scratch copy of the bundled demo,
    /// made on first use)
    // The help text is clap's: its brackets are the usage's, not rustdoc links.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, global = true, value_name = "KIND:WHERE")]
    pub store: Option<String>,
    /// a registry: require HTTPS and verify its certificate (false: plain HTTP or
    /// unverified TLS), as podman's --tls-verify
    #[arg(long, global = true, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub tls_verify: Option<bool>,
    /// a registry: a folder of CA files (*.crt) and a client certificate (*.cert, *.key),
    /// instead of /etc/containers/certs.d/HOST, as podman's --cert-dir
    #[arg(long, global = true, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// a registry: the auth file with its credentials, as podman's --authfile (else
    /// REGISTRY_AUTH_FILE, podman's and Docker's auth files)
    #[arg(long, global = true, value_name = "FILE")]
    pub authfile: Option<PathBuf>,
    /// a registry: answer from the listing its last open read (its age said on stderr),
    /// without asking the registry; a change still asks it first
    #[arg(long, global = true)]
    pub cached: bool,
}

impl StoreArgs {
    pub fn selection(&self) -> Selection {
        Selection {
            root: self.root.clone(),
            runroot: self.runroot.clone(),
            storage_driver: self.storage_driver.clone(),
            store: self.store.clone(),
            tls_verify: self.tls_verify,
            cert_dir: self.cert_dir.clone(),
            authfile: self.authfile.clone(),
            cached: self.cached,
        }
    }
}
