//! What layers hold: each layer's entries as its tar lists them, and what the model answers
//! from them (change sets, merged trees, diffs, wasted space) without reading any contents.

pub mod entry;

pub use entry::{Entry, EntryKind, EntrySource, LayerEntries};
