//! Whose rules a store follows. Podman and Docker disagree on what a short name means, on
//! what makes an image another's parent and on what `rmi` may remove; an OCI layout names
//! its images the way skopeo and umoci write them. Every question the core answers about a
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
}
