//! Store backends: each turns a real store into a model [`Snapshot`].

pub mod atomic;
pub mod containers_storage;
pub mod lockfile;
pub mod selection;

pub use selection::{StoreFlags, StoreSpec};
