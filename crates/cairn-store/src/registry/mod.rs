//! A registry over the OCI distribution API as a store (`--store registry:HOST[:PORT][/REPOSITORY]`).

pub mod auth;
pub mod cache;
pub mod client;
pub mod tls;
