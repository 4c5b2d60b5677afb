//! The pure core: what a store holds, and the questions podman answers about it.
//!
//! Nothing here touches the file system, the terminal or the clock; store backends build a
//! [`Snapshot`] and everything else is computed from it.

pub mod catalog;
pub mod container;
pub mod contents;
pub mod gc;
pub mod history;
pub mod human;
pub mod image;
pub mod index;
pub mod layer;
pub mod layer_forest;
pub mod layer_tree;
pub mod lineage;
pub mod lookup;
mod overlay;
pub mod reference;
pub mod removal;
pub mod rules;
pub mod size;
pub mod snapshot;
pub mod tagging;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod visible;

pub use catalog::Catalog;
pub use container::Container;
pub use image::{BaseImage, HistoryEntry, Image, ImageConfig, Instance, Listing};
pub use index::{ContainerIdx, ImageIdx, LayerIdx, TiSlice, TiVec};
pub use layer::Layer;
pub use rules::Rules;
pub use snapshot::Snapshot;
