//! What a CNCF distribution registry holds, in one model for both registry stores: the
//! storage folder read from disk (`registry-storage:`) and a registry over its HTTP API
//! (`registry:`). Each fills a [`Registry`] (repositories → tags → manifest digests, the
//! revisions each repository links, the manifests parsed by [`manifest`], the configs, the
//! blob sizes) and [`Registry::snapshot`] turns it into the core's
//! [`Snapshot`](cairn_core::Snapshot) under [`Rules::Registry`](cairn_core::Rules):
//!
//! - an image is a manifest digest (its ID is the digest's hex); its names are every
//!   `REPOSITORY:TAG` that points at it, in any repository, with `HOST[:PORT]/` in front
//!   when the registry has a host;
//! - a layer is a blob digest, shared by every image and repository that uses it; the layer
//!   tree's nodes are stacks of blobs (a ChainID over blob digests), so two images share a
//!   node exactly when their stacks up to it are the same;
//! - an image index or manifest list is a manifest list image whose instances are its
//!   platform manifests.

pub mod freed;
pub mod manifest;
pub mod model;

pub use manifest::{BlobRef, ChildRef, ImageManifest, IndexManifest, Manifest};
pub use model::{ManifestRecord, Registry, Repository};
