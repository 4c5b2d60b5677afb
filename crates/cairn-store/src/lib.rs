//! Store backends: each turns a real store into a model [`Snapshot`](cairn_core::Snapshot)
//! and applies confirmed plans to it.
//!
//! Callers go through the front door only: [`Selection`] resolves the user's flags into a
//! [`Store`], which opens into an [`OpenedStore`], is watched through [`Watch`], and applies
//! plans; every failure is a [`StoreError`]. Each kind of store is one module implementing
//! [`Backend`]; only [`selection`] names them.

pub mod archive;
pub mod atomic;
pub mod backend;
pub mod containers_storage;
pub mod contents;
pub mod demo;
pub mod digest;
pub mod distribution;
#[cfg(feature = "docker")]
pub mod docker;
pub mod error;
pub mod home;
pub mod lockfile;
pub mod oci;
pub mod oci_config;
pub mod registry;
pub mod registry_storage;
pub mod regular_file;
pub mod selection;
pub mod store;
pub mod watch;

pub use backend::{Backend, Listed, Loaded, RemovalTerms, Rest, Terms, VerifyReport};
pub use error::StoreError;
pub use selection::Selection;
pub use store::{OpenedStore, Store};
pub use watch::{Unreachable, Watch};
