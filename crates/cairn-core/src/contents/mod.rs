//! What layers hold: each layer's entries as its tar lists them, and what the model answers
//! from them (change sets, merged trees, diffs, wasted space) without reading any contents.
//!
//! A caller reads each layer's [`LayerEntries`] from the store (`Store::layer_entries`),
//! builds one [`ImageContents`] from an image's layers, base first, and asks it:
//! - [`Tree::new`]: the merged tree at a layer, or only that layer's changes
//!   ([`Scope`]), each path with its attributes, the layer that last changed it and what
//!   this layer did to it ([`ChangeKind`]);
//! - [`diff()`]: two images' trees compared;
//! - [`ImageContents::waste`]: efficiency and wasted bytes, base and user parts apart
//!   ([`base_layer_count`] says which layers are the base's);
//! - [`PathFilter`]: the glob and substring rule for finding paths;
//! - [`ci`]: dive's CI rules judged on that waste.

pub mod base;
pub mod ci;
pub mod diff;
pub mod entry;
pub mod filter;
pub mod image;
pub mod path;
pub mod tree;
pub mod waste;

#[cfg(test)]
mod tests;

pub use base::{base_layer_count, base_layer_count_in, image_layers};
pub use diff::{Differences, ImageDiff, Modified, diff};
pub use entry::{Entry, EntryKind, EntrySource, LayerEntries};
pub use filter::{FilterError, PathFilter};
pub use image::{FileInfo, ImageContents, Problem, ProblemKind};
pub use path::{NodeId, PathTree};
pub use tree::{ChangeKind, Scope, Tree};
pub use waste::{Offender, Waste, WastePart};
