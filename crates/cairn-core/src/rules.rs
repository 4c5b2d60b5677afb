//! Whose rules a store follows. Podman and Docker disagree on what a short name means, on
//! what makes an image another's parent and on what `rmi` may remove; an OCI layout names
//! its images the way skopeo and umoci write them; a registry names them by repository and
//! tag and keeps no record of which image was built on which. Every question the core answers about a
//! store is asked under that store's rules.

/// The rules of the tool that owns a store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Rules {
    /// containers-storage: podman's names (`localhost/` implied), lineage inferred from
    /// layers and history, and libimage's removal.
    #[default]
    Podman,
    /// An OCI image layout: podman's lineage and removal, but a name is the layout's
    /// `ref.name` exactly as written, as skopeo and umoci write and match it.
    Layout,
    /// The Docker Engine: Docker's names (`docker.io/library/` implied, shown short), the
    /// parent links the daemon records, and Docker's removal rules.
    Docker,
    /// A registry (over its API or read from its storage folder): a name is
    /// `[HOST[:PORT]/]REPOSITORY:TAG` exactly as the registry lists it, an image is a
    /// manifest digest, and lineage runs across repositories on the nearest image whose layers
    /// and history are a proper prefix of the child's, since the steps between are rarely
    /// pushed (see [`crate::lineage`]). Sizes count each blob once, as the registry stores it.
    Registry,
}
