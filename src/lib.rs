//! cairn: a terminal browser for the container images on a machine and their lineage.
//!
//! `model` is the pure core, `store` loads real stores into it, `cli` answers the headless
//! commands.

pub mod cli;
pub mod model;
pub mod store;
pub mod tui;
