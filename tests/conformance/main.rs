//! The conformance tier: cairn against the real podman, buildah, skopeo, umoci and dockerd, as
//! root. Built only with `--features conformance`, which `.ci/run` turns on; a missing tool
//! fails the tests that need it, never skips them. One binary, so that the tier links once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "../common/mod.rs"]
mod common;

mod contents_layers;
mod contents_merged;
mod contents_overlay;
mod docker_conformance;
mod docker_harness;
mod docker_requests;
mod docker_store;
mod generated_store;
mod kill_campaign;
mod layer_forest;
mod locking;
mod oci_layout;
mod podman_conformance;
mod registry_api;
mod registry_auth;
mod registry_catalog;
mod registry_harness;
mod registry_remove;
mod registry_storage;
mod registry_storage_links;
mod registry_watch;
mod removal_conformance;
mod removal_safety;
mod short_names;
mod terminal_signals;
