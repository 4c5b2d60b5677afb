//! cairn: a terminal browser for the container images on a machine and their lineage.
//!
//! This crate is the program people run: `cli` answers the headless commands and `tui` is
//! the browser. Both stand on `cairn_core` (the pure model) and `cairn_store` (every store
//! behind one front door); see ARCHITECTURE.md.

pub mod cli;
pub mod tui;
