//! The hermetic tier's integration tests: the `cairn` binary and the store crate on stores
//! written in the test (by `cairn-genstore` or by hand) and on the bundled demo. No podman,
//! buildah, skopeo, umoci or docker, no root: plain `cargo test` runs them anywhere, and
//! `.ci/run` runs them with those tools hidden. One binary, so that the tier links once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod cli_help;
mod contents_bad_input;
mod contents_blobs;
mod contents_commands;
mod demo;
#[cfg(feature = "docker")]
mod docker_store;
mod fuzz_corpora;
mod generated_store;
mod hostile_structure;
mod layer_forest;
mod oci_layout;
mod registry_catalog;
mod registry_storage;
mod terminal_text;
